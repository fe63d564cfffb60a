//! reject_sender_login_mismatch (or reject_authenticated_sender_login_mismatch) on an smtpd
//! service that offers SASL, while smtpd_sender_login_maps is empty: smtpd finds no owner for
//! any sender address, so it refuses every authenticated client's MAIL FROM with 553 "not
//! owned by user" (smtpd_check.c, reject_auth_sender_login_mismatch()).

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::{smtpd_processes, Word, LIST_PARAMS};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "sender-login-maps-missing",
    severity: Severity::Error,
    summary: "reject_sender_login_mismatch while smtpd_sender_login_maps is empty: every authenticated sender is refused",
    doc: include_str!("../../rules/sender-login-maps-missing.md"),
    undecided: |model| !decides(model) && !suspects(model).is_empty(),
    check,
};

/// In a repository, a main.cf that does not write smtpd_sender_login_maps is often completed
/// when it is deployed (docker-mailserver's start scripts set it with `postconf`): the rule
/// decides there only when the table is written (empty), and on a system as it runs.
fn decides(model: &Model) -> bool {
    model.locator.mode.is_system_image()
        || model.params.get("smtpd_sender_login_maps").is_some()
        || commented_out(model.sources.text(model.main_cf))
        || model.master.services.iter().any(|s| {
            s.effective_overrides()
                .any(|d| d.name == "smtpd_sender_login_maps")
        })
}

/// Whether main.cf holds the parameter as a comment line (`#smtpd_sender_login_maps =
/// $virtual_mailbox_maps`): its author weighed it and left it out, so main.cf is the whole
/// story of it.
fn commented_out(main_cf: &str) -> bool {
    memchr::memmem::find_iter(main_cf.as_bytes(), "smtpd_sender_login_maps").any(|at| {
        let line_start = main_cf[..at].rfind('\n').map_or(0, |i| i + 1);
        let before = main_cf[line_start..at].trim_ascii();
        let after = main_cf[at + "smtpd_sender_login_maps".len()..].trim_start_matches([' ', '\t']);
        !before.is_empty() && before.bytes().all(|b| b == b'#') && after.starts_with('=')
    })
}

/// Whether a list lets an authenticated client through before `at`: `permit` or
/// permit_sasl_authenticated ends the list for it.
fn permits_logins_before(words: &[Word], at: usize) -> bool {
    words[..at].iter().any(|w| {
        w.text.eq_ignore_ascii_case("permit")
            || w.text.eq_ignore_ascii_case("permit_sasl_authenticated")
    })
}

/// The restrictions that refuse an authenticated client whose sender address has no owner in
/// smtpd_sender_login_maps. (reject_known_ and reject_unauthenticated_ let an address without
/// an owner pass.)
const NEEDS_OWNER: &[&str] = &[
    "reject_sender_login_mismatch",
    "reject_authenticated_sender_login_mismatch",
];

fn check(model: &Model, out: &mut Findings) {
    if !decides(model) {
        return;
    }
    for (span, restriction, list, services) in suspects(model) {
        report(out, span, &restriction, &list, &services);
    }
}

/// Each restriction that refuses every login, once: where it is written, its name, the list
/// it is in and the services that read it.
fn suspects(model: &Model) -> Vec<(Span, String, String, Vec<String>)> {
    let mut found: Vec<(Span, String, String, Vec<String>)> = Vec::new();
    for smtpd in smtpd_processes(model) {
        // Without SASL no client is authenticated, and the check never refuses.
        if smtpd
            .value(model, "smtpd_sasl_auth_enable")
            .is_none_or(|v| !v.eq_ignore_ascii_case("yes"))
        {
            continue;
        }
        if smtpd
            .value(model, "smtpd_sender_login_maps")
            .is_none_or(|v| !v.is_empty())
        {
            continue;
        }
        let lists = LIST_PARAMS
            .iter()
            .filter_map(|&param| Some((param.to_string(), smtpd.list(model, param)?)))
            .chain(smtpd.classes.iter().filter_map(|(name, words)| {
                Some((format!("restriction class {name}"), words.clone()?))
            }));
        for (list, words) in lists {
            for (at, Word { text, span }) in words.iter().enumerate() {
                let Some(span) = *span else { continue };
                if !NEEDS_OWNER.iter().any(|r| text.eq_ignore_ascii_case(r))
                    || permits_logins_before(&words, at)
                {
                    continue;
                }
                match found.iter_mut().find(|(s, ..)| *s == span) {
                    Some((_, _, _, services)) => services.push(smtpd.label()),
                    None => found.push((span, text.clone(), list.clone(), vec![smtpd.label()])),
                }
            }
        }
    }
    found
}

fn report(out: &mut Findings, span: Span, restriction: &str, list: &str, services: &[String]) {
    let on = services.join(", ");
    let finding = out.report(
        span,
        format!(
            "{restriction} on {on} while smtpd_sender_login_maps is empty: every \
                 authenticated client's MAIL FROM is refused (553 not owned by user)"
        ),
    );
    finding.subject(format!("{restriction} without smtpd_sender_login_maps"));
    finding.label(format!("in {list}: no address has an owner"));
    finding.help(format!(
        "{restriction} compares the SASL login with the owners smtpd_sender_login_maps gives \
             for the sender address. With no table, no address has an owner, and smtpd answers \
             `553 5.7.1 <jane@example.com>: Sender address rejected: not owned by user jane` to \
             every user who logs in, so nobody can send. Set `smtpd_sender_login_maps` to a table \
             of `address  login` lines (`hash:/etc/postfix/sender_login`, or the SQL query of \
             your mailboxes), or use reject_known_sender_login_mismatch, which lets addresses \
             without an owner pass."
    ));
}
