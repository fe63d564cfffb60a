//! Real Postfix decides `submission-relay-denied`: an smtpd service with
//! `-o smtpd_sasl_auth_enable=yes` that takes main.cf's port-25 relay list
//! (`permit_mynetworks, reject_unauth_destination`) refuses a logged-in user outside mynetworks
//! mail for another domain (554, Relay access denied), and accepts it (250) once the service
//! has `-o smtpd_relay_restrictions=permit_sasl_authenticated,reject`. With `mynetworks =
//! 0.0.0.0/0` the same list lets a user who comes over IPv4 through and refuses one who comes
//! over IPv6 (inet_protocols = all), and postlint's finding says "over IPv6". XCLIENT makes the test's
//! client that user (ADDR= outside mynetworks, LOGIN= the SASL login name). postlint reports the
//! first setup only; it lints the setup with the service on the submission port, where the
//! test's Postfix listens on a loopback port.
//!
//! Also: an smtpd with SASL on and an smtpd_sasl_type it does not have stops before its
//! greeting, which invalid-value reports.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::Scratch;

/// This test uses the four ports from here.
fn port() -> u16 {
    common::env_number("POSTLINT_SUBMISSION_ORACLE_PORT", 28_860) as u16
}

/// The reply to RCPT TO:<someone@elsewhere.example> from a user who logged in from `addr` (as
/// XCLIENT writes it), on a service with SASL enabled and these `-o` lines, and the messages
/// of postlint's submission-relay-denied findings on the setup.
fn user_rcpt(
    port: u16,
    mynetworks: &str,
    addr: &str,
    overrides: &str,
) -> (u16, String, Vec<String>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-submission-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(
        "compatibility_level = 3.6\nalias_maps =\nalias_database =\n\
         mydestination = $myhostname, localhost\n\
         smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n\
         smtpd_sasl_type = cyrus\n",
    );
    main.push_str(&format!("mynetworks = {mynetworks}\n"));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let service = |name: &str| {
        format!("{name} inet n - n - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n{overrides}")
    };
    let mut master = smtp::base_master_cf();
    master.push_str(&service(&format!("127.0.0.1:{port}")));
    std::fs::write(conf.join("master.cf"), &master).unwrap();
    common::backdate(&conf);
    let xclient = format!("XCLIENT ADDR={addr} NAME=[UNAVAILABLE] LOGIN=jane");
    let commands = [
        "EHLO client.example",
        &xclient,
        "EHLO client.example",
        "MAIL FROM:<jane@mail.example.com>",
        "RCPT TO:<someone@elsewhere.example>",
    ];
    let (codes, log) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
    assert_eq!(codes[1], 220, "XCLIENT refused:\n{log}");
    // postlint on the setup as a server's: the service on the submission port, smtpd on every
    // interface.
    let main = main.replace("inet_interfaces = 127.0.0.1", "inet_interfaces = all");
    std::fs::write(conf.join("main.cf"), main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&service("submission"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    let messages = smtp::postlint_findings(&conf, "submission-relay-denied")
        .iter()
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect();
    (codes[4], log, messages)
}

#[test]
fn a_submission_service_with_the_port_25_relay_list_refuses_its_users() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (code, log, messages) = user_rcpt(port(), "127.0.0.0/8", "198.51.100.7", "");
    assert_eq!(code, 554, "main.cf's relay list refuses the user:\n{log}");
    assert!(log.contains("Relay access denied"), "{log}");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("users who log in on submission/inet cannot send mail"),
        "{messages:?}"
    );

    let (code, log, messages) = user_rcpt(
        port() + 1,
        "127.0.0.0/8",
        "198.51.100.7",
        "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n",
    );
    assert_eq!(
        code, 250,
        "the service's own list lets the user through:\n{log}"
    );
    assert!(messages.is_empty(), "{messages:?}");

    // mynetworks holds every IPv4 address: only a user who comes over IPv6 is refused.
    let (code, log, _) = user_rcpt(port() + 2, "0.0.0.0/0", "198.51.100.7", "");
    assert_eq!(code, 250, "mynetworks lets the IPv4 user through:\n{log}");
    let (code, log, messages) = user_rcpt(port() + 3, "0.0.0.0/0", "IPV6:2001:db8::7", "");
    assert_eq!(code, 554, "the IPv6 user is refused:\n{log}");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("users who log in on submission/inet over IPv6 cannot send"),
        "{messages:?}"
    );
}

/// smtpd with SASL on looks its smtpd_sasl_type up when it starts: `plain` (a mechanism, not
/// an implementation) stops it before the greeting ("unsupported SASL server implementation:
/// plain", then "fatal: SASL per-process initialization failed"). `dovecot` is taken (smtpd
/// then stops on the missing auth socket here, which is no matter of the type's). postlint's
/// invalid-value reports the first only.
#[test]
fn an_smtpd_with_an_unknown_sasl_type_stops() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    for (i, (kind, refused)) in [("plain", true), ("dovecot", false)]
        .into_iter()
        .enumerate()
    {
        let port = port() + 4 + i as u16;
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-sasl-type-");
        let conf = scratch.conf();
        let mut main = scratch.infrastructure("mail.example.com");
        main.push_str("compatibility_level = 3.6\nalias_maps =\nalias_database =\n");
        std::fs::write(conf.join("main.cf"), &main).unwrap();
        let mut master = smtp::base_master_cf();
        master.push_str(&format!(
            "127.0.0.1:{port} inet n - n - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n  \
             -o smtpd_sasl_type={kind}\n  -o smtpd_sasl_path=private/auth\n"
        ));
        std::fs::write(conf.join("master.cf"), &master).unwrap();
        let mut postfix = smtp::Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
            .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
        let greeting =
            smtp::Client::connect(port, &scratch.maillog(), "postfix", Duration::from_secs(10));
        let fatal = match greeting {
            Ok(smtp::Greeting::Fatal(line)) => Some(line),
            Ok(smtp::Greeting::Banner(..)) => None,
            Err(e) => panic!("{kind}: {e}"),
        };
        postfix.stop();
        let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
        let unsupported = log.contains(&format!("unsupported SASL server implementation: {kind}"));
        assert_eq!(unsupported, refused, "{kind}:\n{log}");
        if refused {
            assert!(
                fatal.is_some_and(|l| l.contains("SASL per-process initialization failed")),
                "{kind}:\n{log}"
            );
        }
        let reported = smtp::postlint_findings(&conf, "invalid-value")
            .iter()
            .any(|d| {
                d["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("smtpd_sasl_type")
            });
        assert_eq!(reported, refused, "{kind}");
    }
}
