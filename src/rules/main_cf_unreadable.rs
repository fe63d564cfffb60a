//! main.cf that other users cannot read (mode 0600, 0640): Postfix's daemons read it as root
//! and receive mail as before, but sendmail, postqueue and postdrop run as the user who sends
//! and stop with "fatal: open .../main.cf: Permission denied". Decided where file modes are
//! the server's (`Mode::modes_are_real`), and in a repository from the mode the Ansible task or
//! Salt state that installs main.cf gives it.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "main-cf-unreadable",
    severity: Severity::Error,
    summary: "main.cf that other users cannot read: sendmail and postqueue, run by cron, web applications and local users, stop with \"Permission denied\"",
    doc: include_str!("../../rules/main-cf-unreadable.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    let (mode, finding) = match (model.main_cf_mode, &model.main_cf_declared_mode) {
        (Some(mode), _) if mode & 0o004 == 0 => {
            let span = crate::source::Span::file_start(model.main_cf);
            let finding = out.report(
                span,
                format!(
                    "main.cf is not readable by other users (mode {mode:04o}): sendmail and postqueue, which run as the user who sends mail, stop with \"fatal: open main.cf: Permission denied\""
                ),
            );
            (mode, finding)
        }
        (Some(_), _) => return,
        (None, _) if model.main_cf_chmod.is_some() => {
            let Some((effect, command, span)) = &model.main_cf_chmod else {
                return;
            };
            let what = match effect {
                crate::scripts::ChmodEffect::TakesDirectory => {
                    "takes other users' access to /etc/postfix, so they cannot read main.cf"
                }
                _ => "takes other users' read access to main.cf",
            };
            let finding = out.report(
                *span,
                format!(
                    "the image's `{command}` {what}: in the container, sendmail and postqueue run by any user but root stop with \"fatal: open main.cf: Permission denied\""
                ),
            );
            // The daemons read main.cf as root: an image that runs Postfix alone loses
            // nothing; one whose programs send mail as their own users (a web application,
            // Dovecot's sieve redirects) loses that mail.
            finding.severity = Severity::Warning;
            finding.secondary(
                crate::source::Span::file_start(model.main_cf),
                "the main.cf the Dockerfile installs",
            );
            finding.subject("main.cf mode");
            finding.label("no access for other users");
            finding.help(
                "Postfix's daemons read main.cf as root, so the container still receives and \
                 relays mail. But a program of the image that sends through the sendmail \
                 command as its own user (a web application's mail(), a cron job, Dovecot's \
                 sieve redirects and vacation replies) runs sendmail and postdrop as that user, \
                 and they read main.cf first: that mail is never queued. Leave /etc/postfix \
                 (0755) and main.cf (0644) readable, and limit the chmod to the files that hold \
                 secrets (`chmod 600 /etc/postfix/sasl_passwd`). If a password is why main.cf \
                 was closed, move it to a table file only root reads (password-in-main-cf says \
                 how).",
            );
            return;
        }
        (None, Some(declared)) if declared.mode & 0o004 == 0 => {
            let mode = declared.mode;
            let finding = out.report(
                declared.span,
                format!(
                    "{} installs main.cf with mode {mode:04o}{}, not readable by other users: sendmail and postqueue, which run as the user who sends mail, stop with \"fatal: open main.cf: Permission denied\"",
                    declared.tool,
                    declared.decimal_note(&model.sources),
                ),
            );
            finding.secondary(
                crate::source::Span::file_start(model.main_cf),
                "the main.cf it installs",
            );
            (mode, finding)
        }
        _ => return,
    };
    finding.subject("main.cf mode");
    finding.label(format!("mode {mode:04o}: no read access for others"));
    let fix = match (model.main_cf_mode, &model.main_cf_declared_mode) {
        (None, Some(declared)) => format!(
            "give it mode '0644' in the {}{}",
            declared.installer(),
            match declared.tool {
                "Ansible" =>
                    " (quoted, or with a leading 0: Ansible reads a bare number in decimal)",
                _ => "",
            }
        ),
        _ => "`chmod 644 /etc/postfix/main.cf`".to_string(),
    };
    finding.help(format!(
        "Postfix's daemons read main.cf as root, so the server still receives mail, but every \
         program that sends through the sendmail command (cron, PHP's mail(), monitoring, \
         local users) runs it as its own user, and sendmail, postdrop and postqueue read \
         main.cf first: the mail is never queued, and PHP's mail() just returns false. \
         main.cf must stay world-readable: {fix}. If a password is why it was closed, move \
         the password to a table file only root reads (password-in-main-cf says how).",
    ));
}
