//! Real Postfix decides `open-relay`'s mail provider case: with `relay_domains = gmail.com`, a
//! client outside mynetworks that does not log in gets `RCPT TO:<someone@gmail.com>` accepted
//! (250) by the default relay restrictions; without it the same RCPT gets "Relay access
//! denied" (454), and with relay restrictions that end in `reject` it is refused (554)
//! whatever relay_domains says. The test's Postfix listens on loopback only (its main.cf says
//! so, and postlint rightly says nothing of it); postlint lints the same relay settings as
//! main.cf of a server on the network (inet_interfaces left at `all`), and reports the
//! relay_domains line in the first setup only.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

mod common;
#[path = "common/smtp.rs"]
mod smtp;

fn port() -> u16 {
    common::env_number("POSTLINT_PROVIDER_RELAY_ORACLE_PORT", 28_920) as u16
}

/// The reply to RCPT TO:<someone@gmail.com> from a client outside mynetworks, the maillog and
/// the lines of postlint's open-relay findings.
fn rcpt(port: u16, relay_domains: &str) -> (u16, String, Vec<u64>) {
    rcpt_with(port, &format!("relay_domains = {relay_domains}\n"))
}

/// The same with these main.cf lines.
fn rcpt_with(port: u16, lines: &str) -> (u16, String, Vec<u64>) {
    let main = format!("mynetworks = 192.0.2.0/24\n{lines}");
    let (code, log, on_loopback) = smtp::rcpt_from(
        port,
        "postlint-provider-relay-",
        &main,
        "198.51.100.7",
        "someone@gmail.com",
        "open-relay",
    );
    assert!(on_loopback.is_empty(), "{on_loopback:?}");
    let dir = tempfile::tempdir().unwrap();
    let server = format!("compatibility_level = 3.6\nmyhostname = mail.example.com\n{main}");
    std::fs::write(dir.path().join("main.cf"), server).unwrap();
    (code, log, smtp::postlint_lines(dir.path(), "open-relay"))
}

#[test]
fn a_provider_domain_in_relay_domains_relays_for_anyone() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (code, log, lines) = rcpt(port(), "gmail.com");
    println!("relay_domains = gmail.com: RCPT {code}; postlint reports lines {lines:?}");
    assert_eq!(code, 250, "{log}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (code, log, lines) = rcpt(port() + 1, "example.net");
    println!("relay_domains = example.net: RCPT {code}; postlint reports lines {lines:?}");
    assert!(
        code >= 400 && log.contains("Relay access denied"),
        "{code}:\n{log}"
    );
    assert!(lines.is_empty(), "{lines:?}");
    // Relay restrictions that refuse every outsider: relay_domains is never asked.
    let closed = "relay_domains = gmail.com\n\
                  smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject\n";
    let (code, log, lines) = rcpt_with(port() + 2, closed);
    println!("relay_domains = gmail.com behind `reject`: RCPT {code}; postlint: {lines:?}");
    assert!(code >= 500, "{code}:\n{log}");
    assert!(lines.is_empty(), "{lines:?}");
}
