//! Real Postfix decides `backscatter-risk` on an empty local_recipient_maps where main.cf
//! leaves myhostname to the machine's name (mydestination's default names it): smtpd on
//! loopback accepts RCPT TO:<made-up name@the machine's name> from a client outside mynetworks
//! with `local_recipient_maps =`, and rejects it as an unknown user without that line; with
//! `mydestination = localhost` the machine's name is no local domain and the recipient is
//! refused as relaying (454, defer_unauth_destination). postlint, which cannot know the machine's name off the server,
//! reports the first setup only.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_BACKSCATTER_ORACLE_PORT", 28_820) as u16
}

/// The reply to RCPT TO:<made-up name@$myhostname> from an outsider, the name Postfix gave
/// $myhostname, and the messages of postlint's backscatter-risk findings on the setup.
fn rcpt(port: u16, settings: &str) -> (u16, String, Vec<String>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-backscatter-");
    let conf = scratch.conf();
    // The scratch lines without myhostname: Postfix takes the machine's name.
    let main: String = scratch
        .infrastructure("unused.example")
        .lines()
        .filter(|l| !l.starts_with("myhostname"))
        .map(|l| format!("{l}\n"))
        .collect();
    let main = format!(
        "{main}compatibility_level = 3.6\nalias_maps =\nalias_database =\n\
         mynetworks = 192.0.2.0/24\n{settings}"
    );
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let dir = conf.to_string_lossy().into_owned();
    let (ok, host, err) = common::run("postconf", &["-c", &dir, "-h", "myhostname"]);
    assert!(ok, "postconf -h myhostname: {err}");
    let host = host.trim().to_string();
    let recipient = format!("RCPT TO:<no-such-user-4711@{host}>");
    let commands = [
        "EHLO client.example",
        "XCLIENT ADDR=198.51.100.7 NAME=[UNAVAILABLE]",
        "EHLO client.example",
        "MAIL FROM:<sender@client.example>",
        recipient.as_str(),
    ];
    let (codes, _) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
    // postlint on the setup as a server's: smtpd on every interface, not loopback only.
    let main = main.replace("inet_interfaces = 127.0.0.1", "inet_interfaces = all");
    std::fs::write(conf.join("main.cf"), main).unwrap();
    let messages = smtp::postlint_findings(&conf, "backscatter-risk")
        .iter()
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect();
    (codes[4], host, messages)
}

#[test]
fn an_empty_local_recipient_maps_accepts_any_name_at_the_machines_name() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (code, host, messages) = rcpt(port(), "local_recipient_maps =\n");
    assert_eq!(
        code, 250,
        "{host}: an empty local_recipient_maps accepts any name"
    );
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("this host's name ($myhostname)"),
        "{messages:?}"
    );

    let (code, host, messages) = rcpt(port() + 1, "");
    assert_eq!(
        code, 550,
        "{host}: the default local_recipient_maps rejects unknown users"
    );
    assert!(messages.is_empty(), "{messages:?}");

    let (code, host, messages) = rcpt(
        port() + 2,
        "mydestination = localhost\nlocal_recipient_maps =\n",
    );
    // defer_unauth_destination, smtpd_relay_restrictions' default at level 3.6.
    assert_eq!(code, 454, "{host}: not a local domain, so relaying");
    assert!(messages.is_empty(), "{messages:?}");
}
