//! Real Postfix decides when `deprecated-parameter` says that a service's `-o
//! smtpd_enforce_tls=yes` has no effect: a Postfix on loopback runs a listener with that `-o`,
//! and a client says EHLO and MAIL FROM without STARTTLS. Under main.cf's
//! `smtpd_tls_security_level = may` smtpd reads the level instead, and takes MAIL FROM (250);
//! with the level left empty, the old switch works and smtpd answers 530 ("Must issue a
//! STARTTLS command first"). postlint must say "does not require TLS" exactly in the first.
//!
//! Knobs: POSTLINT_ENFORCE_TLS_ORACLE_PORT (default 28460, one per case). Needs Postfix 3.7,
//! openssl and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;
#[path = "common/tls.rs"]
mod tls;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_ENFORCE_TLS_ORACLE_PORT", 28_460) as u16
}

/// The cases: main.cf's TLS level line, and whether the listener then requires TLS.
const CASES: &[(&str, bool)] = &[
    ("smtpd_tls_security_level = may\n", false),
    ("smtpd_tls_security_level = none\n", false),
    ("", true),
];

#[test]
fn postlint_says_when_an_enforce_tls_override_does_nothing() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    if !common::runs_or_says_skipped(tls::openssl_available()) {
        return;
    }
    let mut verdicts = smtp::Verdicts::default();
    for (i, &(level, required)) in CASES.iter().enumerate() {
        let port = port() + i as u16;
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-enforce-tls-");
        let conf = scratch.conf();
        let (cert, key) = tls::self_signed(&conf).expect("a certificate for the test");
        let mut main = scratch.infrastructure("mail.example.com");
        main.push_str(&format!(
            "compatibility_level = 3.6\nmydestination = $myhostname\nalias_maps =\n\
             alias_database =\nmynetworks = 127.0.0.0/8\nsmtpd_tls_cert_file = {}\n\
             smtpd_tls_key_file = {}\n{level}",
            cert.display(),
            key.display()
        ));
        std::fs::write(conf.join("main.cf"), &main).unwrap();
        let mut master = smtp::base_master_cf();
        master.push_str(&format!(
            "127.0.0.1:{port} inet n - n - - smtpd\n  -o smtpd_enforce_tls=yes\n"
        ));
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
        let reported = smtp::postlint_findings(&conf, "deprecated-parameter")
            .iter()
            .any(|f| {
                f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("does not require TLS"))
            });
        let commands = ["EHLO client.example", "MAIL FROM:<sender@client.example>"];
        let (codes, _) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
        let mail = codes[1];
        let case = match level.trim() {
            "" => "smtpd_tls_security_level left empty".to_string(),
            set => set.to_string(),
        };
        let expected = match required {
            true => mail == 530,
            false => mail == 250,
        };
        verdicts.judge(
            &case,
            &format!("MAIL FROM {mail}"),
            expected,
            mail == 250,
            reported,
        );
    }
    verdicts.conclude("oracle_enforce_tls");
}
