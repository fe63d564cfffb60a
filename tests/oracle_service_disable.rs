//! Real Postfix decides what master_service_disable turns off. A Postfix on loopback runs an
//! smtpd whose relay restrictions make it stop at its first connection (`permit`, no
//! reject_unauth_destination). With `master_service_disable = inet` nothing listens on its
//! port and postlint says nothing of the service; with the service excluded again
//! (`!127.0.0.1:PORT/inet`, and the old `name.type` spelling) smtpd answers the connection
//! with its fatal error and postlint reports relay-check-missing. A master.cf saved with a
//! byte-order mark stops master at start (invalid-syntax); without the mark it starts.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Client, Greeting, Postfix, Scratch};

fn port() -> u16 {
    common::env_number("POSTLINT_SERVICE_DISABLE_ORACLE_PORT", 28_670) as u16
}

/// What a client connecting to the smtpd on `port` meets, with `disable` as
/// master_service_disable: None when nothing listens, else smtpd's fatal line (or its banner
/// code); and the main.cf lines postlint's relay-check-missing reports.
fn outcome(disable: &str, port: u16) -> (Option<String>, Vec<u64>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-disable-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(&format!(
        "compatibility_level = 3.6\n\
         mydestination = $myhostname\n\
         master_service_disable = {disable}\n\
         smtpd_relay_restrictions = permit\n\
         smtpd_recipient_restrictions = permit\n"
    ));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);

    let lines = smtp::postlint_lines(&conf, "relay-check-missing");

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let met = match Client::connect(port, &scratch.maillog(), "postfix", Duration::from_secs(10)) {
        Ok(Greeting::Fatal(line)) => Some(line),
        Ok(Greeting::Banner(_, reply)) => Some(format!("banner {}", reply.code)),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => None,
        Err(e) => panic!("connect: {e}"),
    };
    postfix.stop();
    (met, lines)
}

#[test]
fn master_service_disable_turns_services_off() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (met, reported) = outcome("inet", port());
    assert_eq!(met, None, "the disabled smtpd answered");
    assert_eq!(reported, Vec::<u64>::new(), "postlint reports {reported:?}");

    for (i, disable) in [
        format!("!127.0.0.1:{}/inet, inet", port() + 1),
        format!("!127.0.0.1:{}.inet inet", port() + 2),
    ]
    .iter()
    .enumerate()
    {
        let (met, reported) = outcome(disable, port() + 1 + i as u16);
        let fatal = met.unwrap_or_else(|| panic!("{disable}: nothing listens"));
        assert!(
            fatal.contains("reject_unauth_destination"),
            "{disable}: {fatal}"
        );
        assert_eq!(
            reported.len(),
            1,
            "{disable}: postlint reports {reported:?}"
        );
    }
}

/// A master.cf saved with a byte-order mark: master(8) takes the three bytes as part of the
/// first service's name, an inet port no system knows, and does not start; postlint's
/// invalid-syntax says so on that line. The same file without the mark starts.
#[test]
fn a_byte_order_mark_in_master_cf_stops_master() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    for bom in [true, false] {
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-bom-");
        let conf = scratch.conf();
        let mut main = scratch.infrastructure("mail.example.com");
        main.push_str("compatibility_level = 3.6\nmydestination = $myhostname\n");
        std::fs::write(conf.join("main.cf"), &main).unwrap();
        let port = port() + 10 + u16::from(bom);
        let mut master = if bom { "\u{feff}" } else { "" }.to_string();
        master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
        master.push_str(&smtp::base_master_cf());
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
        let reported = smtp::postlint_findings(&conf, "invalid-syntax");
        match Postfix::start(&conf, &scratch.queue(), &scratch.maillog()) {
            Ok(mut postfix) => {
                postfix.stop();
                assert!(!bom, "master started with a byte-order mark in master.cf");
                assert!(reported.is_empty(), "{reported:?}");
            }
            Err(why) => {
                assert!(bom, "master did not start: {why}");
                // (Its fatal line does not reach this maillog: master stops before it logs there.)
                assert_eq!(reported.len(), 1, "{reported:?}");
                assert_eq!(reported[0]["line"], 1, "{reported:?}");
            }
        }
    }
}

/// An inet service whose private field is `-` (which means `y`) or `y`: master(8) refuses it
/// ("inet service cannot be private") and does not start; postlint's invalid-syntax says so
/// on that line. With `n` it starts.
#[test]
fn a_private_inet_service_stops_master() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    for (n, private) in ["-", "y", "n"].into_iter().enumerate() {
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-private-");
        let conf = scratch.conf();
        let mut main = scratch.infrastructure("mail.example.com");
        main.push_str("compatibility_level = 3.6\nmydestination = $myhostname\n");
        std::fs::write(conf.join("main.cf"), &main).unwrap();
        let port = port() + 20 + n as u16;
        let mut master = format!("127.0.0.1:{port} inet {private} - n - - smtpd\n");
        master.push_str(&smtp::base_master_cf());
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
        let reported = smtp::postlint_findings(&conf, "invalid-syntax");
        let started = match Postfix::start(&conf, &scratch.queue(), &scratch.maillog()) {
            Ok(mut postfix) => {
                postfix.stop();
                true
            }
            Err(_) => false,
        };
        println!("private {private}: master started {started}; postlint {reported:?}");
        assert_eq!(started, private == "n", "private field {private}");
        assert_eq!(reported.len(), usize::from(!started), "{reported:?}");
        if !started {
            assert_eq!(reported[0]["line"], 1, "{reported:?}");
        }
    }
}
