//! Real Postfix decides `dnsbl-wrong-kind`: which name each DNS list restriction looks up. A
//! Postfix on loopback (smtpd run with -v, which logs every DNS query) gets one restriction of
//! each kind in smtpd_recipient_restrictions, each with a zone of its own under `.invalid`, and
//! a client that XCLIENT makes 192.0.2.10 (client.example.net, HELO helo.example.net) sends
//! MAIL FROM sender.example.net and RCPT TO recipient.example.net. The log shows, per zone,
//! whether Postfix asked for the reversed client address (`10.2.0.192.ZONE`) or for a domain
//! name (`client.example.net.ZONE`). postlint then lints the same lines with a list of IP
//! addresses (zen.spamhaus.org) and with a list of domain names (dbl.spamhaus.org) in place of
//! the made-up zones: it must report exactly the lines where the kinds differ.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_DNSBL_ORACLE_PORT", 28_780) as u16
}

/// Every restriction that takes a DNS list, as smtpd_recipient_restrictions may hold it.
const RESTRICTIONS: &[&str] = &[
    "reject_rbl_client",
    "reject_rhsbl_client",
    "reject_rhsbl_reverse_client",
    "reject_rhsbl_helo",
    "reject_rhsbl_sender",
    "reject_rhsbl_recipient",
    "permit_dnswl_client",
    "permit_rhswl_client",
];

/// What the client is, by XCLIENT and in the transaction.
const CLIENT_ADDRESS: &str = "192.0.2.10";
const DOMAINS: &[&str] = &[
    "client.example.net",
    "helo.example.net",
    "sender.example.net",
    "recipient.example.net",
];

/// smtpd_recipient_restrictions with `zone(i)` after the i-th restriction, one per line
/// (line 2 of main.cf is the first).
fn restrictions(zone: impl Fn(usize) -> String) -> String {
    let mut out = String::from("smtpd_recipient_restrictions =\n");
    for (i, r) in RESTRICTIONS.iter().enumerate() {
        out.push_str(&format!("    {r} {},\n", zone(i)));
    }
    out.push_str("    reject_unauth_destination\n");
    out
}

/// The DNS names smtpd looked up, from its -v log.
fn queried_names(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| line.split_once("dns_query: ")?.1.split_once(" (A)"))
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect()
}

#[test]
fn each_dns_list_restriction_looks_up_an_address_or_a_domain_name() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-dnsbl-");
    let conf = scratch.conf();
    let made_up = |i: usize| format!("list{i}.postlint.invalid");
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str("compatibility_level = 3.6\nmydestination = $myhostname, recipient.example.net\nlocal_recipient_maps =\n");
    main.push_str("smtpd_authorized_xclient_hosts = 127.0.0.0/8\nsmtpd_relay_restrictions =\n");
    main.push_str(&restrictions(made_up));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{} inet n - n - - smtpd -v\n", port()));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    let xclient = format!(
        "XCLIENT ADDR={CLIENT_ADDRESS} NAME={} REVERSE_NAME={} HELO={}",
        DOMAINS[0], DOMAINS[0], DOMAINS[1]
    );
    let sender = format!("MAIL FROM:<someone@{}>", DOMAINS[2]);
    let recipient = format!("RCPT TO:<someone@{}>", DOMAINS[3]);
    let commands = [
        "EHLO client.example.net",
        xclient.as_str(),
        "EHLO helo.example.net",
        sender.as_str(),
        recipient.as_str(),
    ];
    let (codes, log) = smtp::session(&scratch, port(), &commands, Duration::from_secs(60));
    assert_eq!(codes[1], 220, "XCLIENT refused:\n{log}");
    let names = queried_names(&log);
    let reversed: String = CLIENT_ADDRESS
        .split('.')
        .rev()
        .collect::<Vec<_>>()
        .join(".");

    // Per restriction: whether Postfix looked up the client's address in its zone (true) or a
    // domain name (false).
    let mut by_address = Vec::new();
    let mut observations = Vec::new();
    for (i, restriction) in RESTRICTIONS.iter().enumerate() {
        let zone = made_up(i);
        let asked: Vec<&String> = names
            .iter()
            .filter(|n| n.ends_with(&format!(".{zone}")))
            .collect();
        let prefixes: Vec<&str> = asked
            .iter()
            .map(|n| &n[..n.len() - zone.len() - 1])
            .collect();
        observations.push(format!("{restriction}: {prefixes:?}"));
        assert!(
            !prefixes.is_empty(),
            "{restriction}: no query for {zone} in the log:\n{log}"
        );
        let address = prefixes.iter().all(|p| *p == reversed);
        let domain = prefixes.iter().all(|p| DOMAINS.contains(p));
        assert!(
            address ^ domain,
            "{restriction}: queried {prefixes:?}, neither the reversed address nor a domain"
        );
        by_address.push(address);
    }
    println!("{}", observations.join("\n"));

    // The same lines with real lists: findings exactly where the kinds differ. Line 1 is
    // compatibility_level, line 2 opens the list, restriction i is on line 3 + i.
    let expect = |address_list: bool| -> Vec<u64> {
        (0..RESTRICTIONS.len())
            .filter(|&i| by_address[i] != address_list)
            .map(|i| 3 + i as u64)
            .collect()
    };
    for (zone, address_list) in [
        ("zen.spamhaus.org=127.0.0.[2..11]", true),
        ("dbl.spamhaus.org=127.0.1.[2..99]", false),
        ("dbl.spamhaus.org", false),
    ] {
        let lint = Scratch::new_in(Path::new("/tmp"), "postlint-dnsbl-lint-");
        let text = format!(
            "compatibility_level = 3.6\n{}",
            restrictions(|_| zone.to_string())
        );
        std::fs::write(lint.conf().join("main.cf"), text).unwrap();
        let lines = smtp::postlint_lines(&lint.conf(), "dnsbl-wrong-kind");
        assert_eq!(
            lines,
            expect(address_list),
            "{zone}: postlint reports lines {lines:?}; Postfix looks up {}",
            observations.join(", ")
        );
    }
}
