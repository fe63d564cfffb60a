//! Real Postfix decides `pipe-recipient-limit`: a Postfix on loopback delivers the virtual
//! mailbox domain through a pipe(8) service with flag D. One message for two recipients is
//! deferred with "pipe flag `D' requires lda_destination_recipient_limit = 1" while the limit
//! is the default (50), and delivered once per recipient with the limit at 1; postlint reports
//! the first setup and not the second. The same service as local(8)'s mailbox_transport
//! delivers both recipients with the default limit, and postlint says nothing.
//!
//! It also decides `invalid-syntax` on pipe(8)'s attributes: with `null_sender` (no `=`), an
//! `-o` after `flags=`, a lowercase flag letter, no `user=`, `user=root`, or the command
//! without `argv=`, or the group of mail_owner, pipe stops with `fatal: unknown attribute
//! name: null_sender` (and the like) at the first message, which stays queued; `null_sender=`,
//! a braced `{ null_sender=mailer daemon }`, `FLAGS=` and `user=nobody:nogroup size=...
//! eol=\n` deliver. postlint reports the first seven and not the others.
//!
//! And it shows the argument shift `pipe-recipient-limit` reports without flag D: with
//! `${recipient} ${sender}` and the default limit, the command runs once for both recipients
//! and is handed `anna@example.org bob@example.org sender@example.com` (it reads bob as the
//! sender); with `${sender} ${recipient}`, or the limit at 1, it is not, and postlint says
//! nothing.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

/// The user pipe(8) runs the command as (nobody on Debian).
const OWNER: u32 = 65534;

fn port() -> u16 {
    common::env_number("POSTLINT_PIPE_ORACLE_PORT", 28_600) as u16
}

/// Runs the setup with lda_destination_recipient_limit at `limit` (None: unset, the default
/// 50); returns the lines the command wrote (one per delivery), the maillog, and postlint's
/// lines.
fn deliver(limit: Option<u32>) -> (usize, String, Vec<u64>) {
    deliver_by(limit, Route::VirtualTransport)
}

/// The attributes of the `lda` pipe entry; `@SCRIPT@` is the command that records deliveries.
const LDA: &str = "flags=DRhu user=nobody argv=@SCRIPT@ ${recipient}";

fn deliver_by(limit: Option<u32>, route: Route) -> (usize, String, Vec<u64>) {
    let port = port() + limit.unwrap_or(0) as u16 + 10 * (route == Route::MailboxTransport) as u16;
    deliver_with(port, limit, route, LDA, "pipe-recipient-limit")
}

/// How mail reaches the pipe service.
#[derive(Clone, Copy, PartialEq)]
enum Route {
    /// virtual_transport: the queue manager hands it up to the limit's recipients at once.
    VirtualTransport,
    /// local(8)'s mailbox_transport: local(8) passes each recipient on by itself.
    MailboxTransport,
}

/// Runs the setup on `port` with the `lda` entry's attributes (`@SCRIPT@` for the command);
/// returns the deliveries, the maillog, and the lines of `rule`'s findings.
fn deliver_with_args(
    port: u16,
    limit: Option<u32>,
    route: Route,
    attributes: &str,
    rule: &str,
) -> (Vec<String>, String, Vec<u64>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-pipe-");
    let out_dir = scratch.root.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::os::unix::fs::chown(&out_dir, Some(OWNER), Some(OWNER)).unwrap();
    let script = scratch.root.join("deliver.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> {}/deliveries\ncat > /dev/null\n",
            out_dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    let rcpts: &[&str] = match route {
        Route::VirtualTransport => {
            main.push_str(
                "compatibility_level = 3.6\n\
                 virtual_mailbox_domains = example.org\n\
                 virtual_mailbox_maps = texthash:${config_directory}/vmailbox\n\
                 virtual_transport = lda\n",
            );
            &["anna@example.org", "bob@example.org"]
        }
        // local(8) passes users without a passwd entry to mailbox_transport too.
        Route::MailboxTransport => {
            main.push_str(
                "compatibility_level = 3.6\n\
                 mydestination = $myhostname\n\
                 alias_maps =\n\
                 local_recipient_maps =\n\
                 mailbox_transport = lda\n",
            );
            &["anna@mail.example.com", "bob@mail.example.com"]
        }
    };
    if let Some(limit) = limit {
        main.push_str(&format!("lda_destination_recipient_limit = {limit}\n"));
    }
    std::fs::write(conf.join("main.cf"), main).unwrap();
    std::fs::write(
        conf.join("vmailbox"),
        "anna@example.org x\nbob@example.org x\n",
    )
    .unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!(
        "127.0.0.1:{port} inet n - n - - smtpd\n\
         lda unix - n n - - pipe\n  {}\n",
        attributes.replace("@SCRIPT@", &script.display().to_string())
    ));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    // Linted for the installed release, as a live configuration is (pipe's macros differ).
    let release = common::installed_release().expect("Postfix is installed");
    let lines: Vec<u64> =
        smtp::postlint_findings_with(&conf, rule, &["--postfix-version", &release])
            .iter()
            .map(|d| d["line"].as_u64().unwrap())
            .collect();

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    smtp::send_message(port, &scratch, rcpts, "oracle_pipe").unwrap_or_else(|e| panic!("{e}"));
    let arguments = || {
        std::fs::read_to_string(out_dir.join("deliveries"))
            .map_or(Vec::new(), |t| t.lines().map(str::to_string).collect())
    };
    let deliveries = || arguments().len();
    let log = || std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    // Until both are delivered, or pipe has deferred the message or stopped on its entry.
    let deadline = Instant::now() + Duration::from_secs(20);
    // One delivery may take both recipients: pipe logs a line for each.
    let ended = |log: String| {
        log.contains("status=deferred")
            || log.contains("/pipe[") && log.contains("fatal:")
            || log.matches("status=sent").count() >= 2
    };
    while deliveries() < 2 && !ended(log()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    postfix.stop();
    (arguments(), log(), lines)
}

/// [`deliver_with_args`], with the number of deliveries instead of their command arguments.
fn deliver_with(
    port: u16,
    limit: Option<u32>,
    route: Route,
    attributes: &str,
    rule: &str,
) -> (usize, String, Vec<u64>) {
    let (arguments, log, lines) = deliver_with_args(port, limit, route, attributes, rule);
    (arguments.len(), log, lines)
}

#[test]
fn pipe_defers_flag_d_with_several_recipients() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (delivered, log, lines) = deliver(None);
    assert_eq!(delivered, 0, "{log}");
    assert!(
        log.contains("pipe flag `D' requires lda_destination_recipient_limit = 1"),
        "{log}"
    );
    assert!(log.contains("4.3.5"), "{log}");
    assert_eq!(lines.len(), 1, "postlint reports {lines:?}");

    let (delivered, log, lines) = deliver(Some(1));
    assert_eq!(delivered, 2, "{log}");
    assert!(
        !log.contains("requires lda_destination_recipient_limit"),
        "{log}"
    );
    assert_eq!(lines, Vec::<u64>::new(), "postlint reports {lines:?}");
}

/// The near-miss: the same service as local(8)'s mailbox_transport gets one recipient per
/// request (deliver_pass()), so the default limit of 50 does no harm, and postlint says nothing.
#[test]
fn pipe_as_mailbox_transport_gets_one_recipient_at_a_time() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (delivered, log, lines) = deliver_by(None, Route::MailboxTransport);
    assert_eq!(delivered, 2, "{log}");
    assert!(
        !log.contains("requires lda_destination_recipient_limit"),
        "{log}"
    );
    assert_eq!(lines, Vec::<u64>::new(), "postlint reports {lines:?}");
}

/// invalid-syntax on pipe(8)'s attributes: each refused entry stops pipe with its `fatal:` at
/// the first message (qmgr: "private/lda socket: malformed response", master throttles pipe,
/// the message stays queued), and postlint reports the entry; the
/// near-misses deliver both recipients, and postlint says nothing.
#[test]
fn pipe_refuses_attributes_invalid_syntax_reports() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    // (attributes, the fatal text, or None: delivered)
    let cases: &[(&str, Option<&str>)] = &[
        (
            "flags=Rq user=nobody null_sender argv=@SCRIPT@ ${recipient}",
            Some("unknown attribute name: null_sender"),
        ),
        (
            "flags=R -o syslog_name=postfix/lda user=nobody argv=@SCRIPT@ ${recipient}",
            Some("unknown attribute name: -o"),
        ),
        (
            "flags=drhu user=nobody argv=@SCRIPT@ ${recipient}",
            Some("unknown flag: d"),
        ),
        (
            "flags=R argv=@SCRIPT@ ${recipient}",
            Some("missing user= command-line attribute"),
        ),
        (
            "flags=R user=root argv=@SCRIPT@ ${recipient}",
            Some("specifies root privileges"),
        ),
        (
            "flags=R user=nobody @SCRIPT@ ${recipient}",
            Some("unknown attribute name: /"),
        ),
        (
            "flags=R user=nobody:postfix argv=@SCRIPT@ ${recipient}",
            Some("specifies mail system owner postfix group id"),
        ),
        (
            "flags=Rq. user=nobody null_sender= argv=@SCRIPT@ ${recipient}",
            None,
        ),
        (
            "flags=R user=nobody { null_sender=mailer daemon } argv=@SCRIPT@ ${recipient}",
            None,
        ),
        (
            "FLAGS=R user=nobody:nogroup size=10000000 eol=\\n argv=@SCRIPT@ ${recipient}",
            None,
        ),
    ];
    let mut failures = Vec::new();
    for (n, &(attributes, fatal)) in cases.iter().enumerate() {
        let port = port() + 40 + n as u16;
        let (delivered, log, lines) = deliver_with(
            port,
            Some(1),
            Route::VirtualTransport,
            attributes,
            "invalid-syntax",
        );
        let fatal_line = log
            .lines()
            .find(|l| l.contains("/pipe[") && l.contains("fatal:"));
        println!(
            "{attributes}: {delivered} delivered; pipe: {}; postlint lines {lines:?}",
            fatal_line.unwrap_or("no fatal")
        );
        let postfix_ok = match fatal {
            Some(text) => delivered == 0 && fatal_line.is_some_and(|l| l.contains(text)),
            None => delivered == 2 && fatal_line.is_none(),
        };
        if !postfix_ok {
            failures.push(format!(
                "Postfix did not do what the case expects ({fatal:?}) for `{attributes}`:\n{log}"
            ));
            continue;
        }
        // The entry is the last two lines of master.cf; the finding is on its second.
        let expected = usize::from(fatal.is_some());
        if lines.len() != expected {
            failures.push(format!(
                "postlint reports {lines:?} for `{attributes}`; Postfix: {}",
                fatal_line.unwrap_or("delivered")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// invalid-syntax on pipe(8)'s command: a macro pipe does not expand (a misspelt name, a
/// conditional form, a `$` with no name, a `${` never closed) makes pipe log "unknown macro
/// name" (or the like) and defer every message with 4.3.5; postlint reports it. `$$` and
/// `$(x)` deliver. `${envid}` is pipe's from 3.9: whatever the installed Postfix does with it,
/// postlint, which checks for the installed release, must agree. A name in capitals
/// (`${SPAMC_OPTS}`) defers too when the file is used as it is, but it is the shape of a
/// variable that a deployment's envsubst or sed fills in: postlint stays silent, by design.
#[test]
fn pipe_defers_unknown_macros_invalid_syntax_reports() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    // (command after argv=@SCRIPT@, what pipe logs: Some(warning) deferred, Some("") either,
    // None delivered)
    let cases: &[(&str, Option<&str>)] = &[
        ("${recipent}", Some("unknown macro name: \"recipent\"")),
        (
            "${recipient?x}",
            Some("unknown macro name: \"recipient?x\""),
        ),
        ("-f $sender ${recipient} $", Some("empty macro name")),
        (
            "-f ${sender ${recipient}",
            Some("truncated macro reference"),
        ),
        ("-x $$HOME $(sender) ${recipient}", None),
        ("-e ${envid} ${recipient}", Some("")),
        (
            "-x ${SPAMC_OPTS} ${recipient}",
            Some("unknown macro name: \"SPAMC_OPTS\""),
        ),
    ];
    let mut failures = Vec::new();
    for (n, &(command, warning)) in cases.iter().enumerate() {
        let port = port() + 70 + n as u16;
        let attributes = format!("flags=R user=nobody argv=@SCRIPT@ {command}");
        let (delivered, log, lines) = deliver_with(
            port,
            Some(1),
            Route::VirtualTransport,
            &attributes,
            "invalid-syntax",
        );
        let deferred = log.contains("status=deferred") && log.contains("dsn=4.3.5");
        println!("{command}: {delivered} delivered, deferred {deferred}; postlint lines {lines:?}");
        let postfix_ok = match warning {
            Some("") => deferred || delivered == 2,
            Some(text) => deferred && delivered == 0 && log.contains(text),
            None => delivered == 2 && !deferred,
        };
        if !postfix_ok {
            failures.push(format!(
                "Postfix did not do what the case expects ({warning:?}) for `{command}`:\n{log}"
            ));
            continue;
        }
        let placeholder = command.contains("SPAMC");
        if lines.len() != usize::from(deferred && !placeholder) {
            failures.push(format!(
                "postlint reports {lines:?} for `{command}`; Postfix deferred: {deferred}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// invalid-syntax on `-o name=value` written after `argv=` (a shape from a dspam how-to): pipe
/// passes both words to the command, which gets them as arguments; Postfix never applies the
/// setting. The command here records its arguments: with the `-o` after argv= it is handed
/// `-o mynetworks=192.0.2.0/24`, and postlint reports the entry; `-oi` (sendmail's own option)
/// and a `-o` with a word that is no Postfix parameter are the command's business, and an `-o`
/// before flags= is the service's: postlint says nothing of them.
#[test]
fn pipe_passes_options_after_argv_to_the_command() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let cases: &[(&str, bool)] = &[
        (
            "flags=R user=nobody argv=@SCRIPT@ ${recipient}\n  -o mynetworks=192.0.2.0/24",
            true,
        ),
        (
            "flags=R user=nobody argv=@SCRIPT@ -oi -o nosuch=x ${recipient}",
            false,
        ),
        (
            "-o mynetworks=192.0.2.0/24\n  flags=R user=nobody argv=@SCRIPT@ ${recipient}",
            false,
        ),
    ];
    let mut failures = Vec::new();
    for (n, &(attributes, reported)) in cases.iter().enumerate() {
        let port = port() + 80 + n as u16;
        let (arguments, log, lines) = deliver_with_args(
            port,
            Some(1),
            Route::VirtualTransport,
            attributes,
            "invalid-syntax",
        );
        println!("{attributes:?}: the command got {arguments:?}; postlint lines {lines:?}");
        let passed = arguments
            .iter()
            .all(|a| a.contains("-o mynetworks=192.0.2.0/24"));
        if arguments.len() != 2 || passed != reported {
            failures.push(format!(
                "Postfix did not do what the case expects for `{attributes}`: {arguments:?}\n{log}"
            ));
            continue;
        }
        if lines.len() != usize::from(reported) {
            failures.push(format!("postlint reports {lines:?} for `{attributes}`"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// pipe-recipient-limit's argument shift: an argument with ${recipient} is repeated once per
/// recipient, so what comes after it moves. postlint reports the first case only.
#[test]
fn pipe_repeats_per_recipient_arguments() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    const SHIFT: &str = "flags=R user=nobody argv=@SCRIPT@ ${recipient} ${sender}";
    const LAST: &str = "flags=R user=nobody argv=@SCRIPT@ ${sender} ${recipient}";
    let (anna, bob, sender) = ("anna@example.org", "bob@example.org", "sender@example.com");
    // (attributes, limit, the command lines Postfix runs, whether postlint reports)
    let cases: &[(&str, Option<u32>, Vec<String>, bool)] = &[
        (SHIFT, None, vec![format!("{anna} {bob} {sender}")], true),
        (LAST, None, vec![format!("{sender} {anna} {bob}")], false),
        (
            SHIFT,
            Some(1),
            vec![format!("{anna} {sender}"), format!("{bob} {sender}")],
            false,
        ),
    ];
    let mut failures = Vec::new();
    for (n, (attributes, limit, expected, reported)) in cases.iter().enumerate() {
        let port = port() + 90 + n as u16;
        let (mut arguments, log, lines) = deliver_with_args(
            port,
            *limit,
            Route::VirtualTransport,
            attributes,
            "pipe-recipient-limit",
        );
        arguments.sort();
        println!("{attributes:?} limit {limit:?}: the command got {arguments:?}; postlint lines {lines:?}");
        if &arguments != expected {
            failures.push(format!(
                "Postfix did not do what the case expects for `{attributes}` (limit {limit:?}): \
                 {arguments:?}\n{log}"
            ));
            continue;
        }
        if lines.len() != usize::from(*reported) {
            failures.push(format!(
                "postlint reports {lines:?} for `{attributes}` (limit {limit:?})"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
