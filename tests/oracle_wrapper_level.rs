//! Real Postfix decides the wrapper-mode level case of `tls-wrappermode-missing`: a Postfix on
//! loopback relays one message to `relayhost = [127.0.0.1]:PORT` (a port nothing listens on)
//! with `smtp_tls_wrappermode = yes`. Below `smtp_tls_security_level = encrypt` the smtp client
//! logs "smtp_tls_wrappermode requires ... encrypt" and tries no address of the relayhost;
//! at `encrypt` it connects (and is refused). postlint must report exactly the first.
//!
//! Knobs: POSTLINT_WRAPPER_LEVEL_ORACLE_PORT (default 28450, two per case). Needs Postfix 3.7
//! and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

fn port() -> u16 {
    common::env_number("POSTLINT_WRAPPER_LEVEL_ORACLE_PORT", 28_450) as u16
}

/// The cases: main.cf lines after the relayhost, and whether the client skips the relayhost.
const CASES: &[(&str, bool)] = &[
    (
        "smtp_tls_wrappermode = yes\nsmtp_tls_security_level = may\n",
        true,
    ),
    // Level 3.6's default: empty, so none (smtp_use_tls = no).
    ("smtp_tls_wrappermode = yes\n", true),
    (
        "smtp_tls_wrappermode = yes\nsmtp_tls_security_level = encrypt\n",
        false,
    ),
];

/// Runs one case: the maillog line that shows what the smtp client did, and whether postlint
/// reports the rule.
fn run(first: u16, settings: &str) -> (String, bool) {
    let (entry, relay) = (first, first + 1);
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-wrapper-level-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(&format!(
        "compatibility_level = 3.6\nmydestination = $myhostname\nalias_maps =\n\
         alias_database =\nmynetworks = 127.0.0.0/8\nrelayhost = [127.0.0.1]:{relay}\n{settings}"
    ));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{entry} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let reported = smtp::postlint_findings(&conf, "tls-wrappermode-missing")
        .iter()
        .any(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("below encrypt"))
        });

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    smtp::send_one(
        entry,
        &scratch,
        "sender@mail.example.com",
        "someone@example.net",
        "oracle_wrapper_level",
    );
    let line = smtp::wait_for_line(&scratch.maillog(), 60, |l| {
        l.contains("smtp_tls_wrappermode requires")
            || (l.contains(&format!("127.0.0.1]:{relay}")) && l.contains("Connection refused"))
    });
    let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    postfix.stop();
    let line =
        line.unwrap_or_else(|| panic!("{settings}: no smtp client line within 60 s:\n{log}"));
    (line, reported)
}

#[test]
fn postlint_reports_wrapper_mode_below_encrypt() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let mut verdicts = smtp::Verdicts::default();
    for (i, &(settings, skipped)) in CASES.iter().enumerate() {
        let (line, reported) = run(port() + 2 * i as u16, settings);
        let saw_skip = line.contains("smtp_tls_wrappermode requires");
        let case = settings.trim().replace('\n', "; ");
        verdicts.judge(&case, &line, saw_skip == skipped, saw_skip, reported);
    }
    verdicts.conclude("oracle_wrapper_level");
}
