//! Real Postfix decides `mynetworks-host-bits`: a network written with host bits
//! set (`192.168.1.5/24`) makes smtpd's mynetworks lookup fail for a client no earlier entry
//! matches, and permit_mynetworks then answers `451 4.3.0 Temporary lookup failure` at RCPT TO,
//! also for mail to this server's own domain. A Postfix on loopback gets such a request from an
//! outside client (XCLIENT); with the network written `192.168.1.0/24` the same request gets
//! 250. postlint reports the first setup and not the second. The same holds for a network in a
//! list file mynetworks names (`/etc/postfix/mynetworks`), which smtpd reads in place: postlint
//! reports the file's line. An IPv6 network without brackets fails the lookup too: it is a
//! table of an unknown type to smtpd (`unsupported-map-type`).
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

fn port() -> u16 {
    common::env_number("POSTLINT_MYNETWORKS_ORACLE_PORT", 28_650) as u16
}

/// Where a network of the list is written.
#[derive(Clone, Copy)]
enum Written {
    InMainCf,
    /// In a list file mynetworks names, after a comment line.
    InListFile,
}

/// Starts the Postfix of `scratch` (listening on `port`), and returns smtpd's answer to RCPT
/// TO:<`recipient`> from a client at 203.0.113.9 (XCLIENT), with the maillog.
fn outsider_rcpt(scratch: &Scratch, port: u16, recipient: &str) -> (u16, String) {
    let mut postfix = Postfix::start(&scratch.conf(), &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let mut client = smtp::client(port, scratch);
    let mut talk = || -> std::io::Result<u16> {
        client.command("EHLO client.test")?;
        client.command("XCLIENT ADDR=203.0.113.9 NAME=[UNAVAILABLE]")?;
        client.command("EHLO client.test")?;
        client.command("MAIL FROM:<someone@example.net>")?;
        Ok(client.command(&format!("RCPT TO:<{recipient}>"))?.code)
    };
    let code = talk().unwrap_or_else(|e| panic!("{e}: {}", client.transcript.join(" | ")));
    let log = smtp::quit_and_read_log(client, scratch);
    postfix.stop();
    (code, log)
}

/// Runs a Postfix whose mynetworks holds `network`; returns smtpd's answer to RCPT TO for
/// this server's own domain from an outside client, with the maillog, and the lines postlint
/// reports (after the mynetworks line of main.cf, or in the list file).
fn rcpt_answer(network: &str, written: Written, port: u16) -> (u16, String, Vec<i64>) {
    rcpt_answer_of("mynetworks-host-bits", network, written, port)
}

/// [`rcpt_answer`], with the lines postlint reports under `rule`.
fn rcpt_answer_of(
    rule: &str,
    network: &str,
    written: Written,
    port: u16,
) -> (u16, String, Vec<i64>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-mynetworks-");
    let conf = scratch.conf();
    let network = match written {
        Written::InMainCf => network.to_string(),
        Written::InListFile => {
            std::fs::write(
                conf.join("mynetworks"),
                format!("# the office\n{network}\n"),
            )
            .unwrap();
            "${config_directory}/mynetworks".to_string()
        }
    };
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(&format!(
        "compatibility_level = 3.6\n\
         mydestination = $myhostname\n\
         local_recipient_maps =\n\
         mynetworks = 127.0.0.0/8 {network}\n\
         smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
    ));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);

    let findings = smtp::postlint_findings(&conf, rule);
    let in_file = |d: &&serde_json::Value| {
        let path = d["path"].as_str().unwrap_or_default();
        path.ends_with("mynetworks") == matches!(written, Written::InListFile)
    };
    assert!(findings.iter().all(|d| in_file(&d)), "{findings:?}");
    let lines: Vec<u64> = findings
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();

    // An outside client, in no network of the list.
    let (code, log) = outsider_rcpt(&scratch, port, "postmaster@mail.example.com");
    let line = match written {
        Written::InMainCf => {
            main.lines()
                .position(|l| l.starts_with("mynetworks"))
                .unwrap() as u64
                + 1
        }
        Written::InListFile => 2,
    };
    let reported = lines.iter().map(|&l| l as i64 - line as i64).collect();
    (code, log, reported)
}

#[test]
fn host_bits_in_mynetworks_defer_outside_clients() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    for (written, port) in [
        (Written::InMainCf, port()),
        (Written::InListFile, port() + 2),
    ] {
        let (code, log, reported) = rcpt_answer("192.168.1.5/24", written, port);
        assert_eq!(code, 451, "{log}");
        assert!(log.contains("non-null host address bits"), "{log}");
        assert_eq!(
            reported,
            [0],
            "postlint reports lines {reported:?} after mynetworks"
        );

        let (code, log, reported) = rcpt_answer("192.168.1.0/24", written, port + 1);
        assert_eq!(code, 250, "{log}");
        assert_eq!(reported, Vec::<i64>::new(), "postlint reports {reported:?}");
    }
}

/// A network smtpd cannot read at all fails the lookup the same way, under its own words:
/// the classful shorthand `192.168.1/24` (inet_pton() wants four numbers), a mask beyond the
/// address's bits, a second `/`. A pattern with a character match_hostaddr() does not expect
/// (a no-break space, a letter beyond hex) is passed over without a word: it never matches,
/// and the lookup goes on (250), so postlint reports nothing there.
#[test]
fn unreadable_networks_in_mynetworks_defer_outside_clients() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let base = port() + 20;
    for (i, (network, smtpd_says)) in [
        ("192.168.1/24", "bad network value"),
        ("192.168.1.0/33", "bad mask length"),
        ("10.0.0.0/8/8", "bad mask value"),
    ]
    .into_iter()
    .enumerate()
    {
        let written = match i % 2 {
            0 => Written::InMainCf,
            _ => Written::InListFile,
        };
        let (code, log, reported) = rcpt_answer(network, written, base + i as u16);
        assert_eq!(code, 451, "{network}: {log}");
        assert!(log.contains(smtpd_says), "{network}: {log}");
        assert_eq!(
            reported,
            [0],
            "{network}: postlint reports lines {reported:?}"
        );
    }
    for (i, network) in ["\u{a0}192.168.1.0/24", "192.168.1.0/24x"]
        .into_iter()
        .enumerate()
    {
        let (code, log, reported) = rcpt_answer(network, Written::InMainCf, base + 10 + i as u16);
        assert_eq!(code, 250, "{network:?}: {log}");
        assert!(!log.contains("warning: mynetworks"), "{network:?}: {log}");
        assert_eq!(
            reported,
            Vec::<i64>::new(),
            "{network:?}: postlint reports {reported:?}"
        );
    }
}

/// An IPv6 network written without brackets (`fd00:1234::/32`) is a `type:name` table to
/// match_list, of a type Postfix does not have: the lookup fails and an outside client gets
/// 451 at RCPT TO. Bracketed, the same network is read as one (250). postlint's
/// unsupported-map-type reports the first only.
#[test]
fn unbracketed_ipv6_networks_in_mynetworks_defer_outside_clients() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let base = port() + 40;
    for (i, network) in ["fd00:1234::/32", "2001:db8::5"].into_iter().enumerate() {
        let written = match i % 2 {
            0 => Written::InMainCf,
            _ => Written::InListFile,
        };
        let (code, log, reported) =
            rcpt_answer_of("unsupported-map-type", network, written, base + i as u16);
        assert_eq!(code, 451, "{network}: {log}");
        assert!(
            log.contains("unsupported dictionary type"),
            "{network}: {log}"
        );
        assert_eq!(
            reported,
            [0],
            "{network}: postlint reports lines {reported:?}"
        );
    }
    let (code, log, reported) = rcpt_answer_of(
        "unsupported-map-type",
        "[fd00:1234::]/32",
        Written::InMainCf,
        base + 5,
    );
    assert_eq!(code, 250, "{log}");
    assert_eq!(reported, Vec::<i64>::new(), "postlint reports {reported:?}");
}

/// `mynetworks-too-broad` says "an open relay" only where smtpd relays for an outsider:
/// with `mynetworks = 0.0.0.0/0` a client from anywhere (XCLIENT) gets 250 for another domain,
/// and postlint reports an error that says so; with `smtpd_client_restrictions =
/// permit_sasl_authenticated, reject` beside it (TINF21CS1/zimbraweb-smtp-bridge) the same
/// client gets 554 at RCPT TO, and postlint reports the too broad mynetworks as a warning
/// that says it relays for nobody yet.
#[test]
fn every_address_in_mynetworks_relays_unless_client_restrictions_refuse() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    for (client_restrictions, port, expected_code, severity, words) in [
        ("", port() + 6, 250, "error", "an open relay"),
        (
            "smtpd_client_restrictions = permit_sasl_authenticated, reject\n",
            port() + 7,
            554,
            "warning",
            "relays for nobody yet",
        ),
    ] {
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-mynetworks-");
        let conf = scratch.conf();
        let mut main = scratch.infrastructure("mail.example.com");
        main.push_str(&format!(
            "compatibility_level = 3.6\n\
             mydestination = $myhostname\n\
             mynetworks = 0.0.0.0/0\n\
             {client_restrictions}"
        ));
        std::fs::write(conf.join("main.cf"), &main).unwrap();
        let mut master = smtp::base_master_cf();
        master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
        let findings = smtp::postlint_findings(&conf, "mynetworks-too-broad");

        let (code, log) = outsider_rcpt(&scratch, port, "someone@elsewhere.example");
        println!("{client_restrictions:?}: RCPT TO another domain: {code}; postlint: {findings:?}");
        assert_eq!(code, expected_code, "{log}");
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0]["severity"], severity, "{findings:?}");
        assert!(
            findings[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains(words)),
            "{findings:?}"
        );
    }
}
