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

/// This test uses the fourteen ports from here.
fn port() -> u16 {
    common::env_number("POSTLINT_BACKSCATTER_ORACLE_PORT", 28_820) as u16
}

/// The reply to RCPT TO:<made-up name@$myhostname> from an outsider, the name Postfix gave
/// $myhostname, and the messages of postlint's backscatter-risk findings on the setup.
fn rcpt(port: u16, settings: &str) -> (u16, String, Vec<String>) {
    rcpt_at(port, settings, None)
}

/// The same for RCPT TO:<made-up name@`domain`> (None: the machine's name).
fn rcpt_at(port: u16, settings: &str, domain: Option<&str>) -> (u16, String, Vec<String>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-backscatter-");
    let conf = scratch.conf();
    // The scratch lines without myhostname (Postfix takes the machine's name), unless the
    // recipient is in another domain: postlint cannot decide its class beside an unknown one.
    let main: String = scratch
        .infrastructure("unused.example")
        .lines()
        .filter(|l| domain.is_some() || !l.starts_with("myhostname"))
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
    let recipient = format!("RCPT TO:<no-such-user-4711@{}>", domain.unwrap_or(&host));
    let commands = [
        "EHLO client.example",
        "XCLIENT ADDR=198.51.100.7 NAME=[UNAVAILABLE]",
        "EHLO client.example",
        "MAIL FROM:<sender@client.example>",
        recipient.as_str(),
    ];
    let (codes, _) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
    // postlint on the setup as a server's: smtpd on port 25 of every interface, not on a
    // loopback port.
    let main = main.replace("inet_interfaces = 127.0.0.1", "inet_interfaces = all");
    std::fs::write(conf.join("main.cf"), main).unwrap();
    let master = std::fs::read_to_string(conf.join("master.cf")).unwrap();
    let master = master.replace(&format!("127.0.0.1:{port} inet"), "smtp inet");
    std::fs::write(conf.join("master.cf"), master).unwrap();
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

/// luser_relay takes an outsider's made-up local name only with `local_recipient_maps =`:
/// with the default maps smtpd refuses it at RCPT (550) and postlint is silent; without them
/// smtpd accepts it (250) and postlint reports luser_relay (uc4w6c/security-try).
#[test]
fn luser_relay_takes_outsiders_mail_only_without_local_recipient_maps() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (code, host, messages) = rcpt(port() + 10, "luser_relay = root\n");
    assert_eq!(
        code, 550,
        "{host}: the default local_recipient_maps rejects the name"
    );
    assert!(messages.is_empty(), "{messages:?}");
    let (code, host, messages) = rcpt(port() + 11, "luser_relay = root\nlocal_recipient_maps =\n");
    assert_eq!(code, 250, "{host}: any name is taken");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("luser_relay makes every unknown local name")),
        "{messages:?}"
    );
}

/// Virtual mailbox domains that Dovecot delivers over LMTP, without virtual_mailbox_maps:
/// smtpd accepts a made-up name there (250), and postlint says so. With the mailboxes listed,
/// smtpd refuses it (550 "User unknown in virtual mailbox table") and postlint is silent;
/// with `reject_unverified_recipient`, smtpd asks the LMTP server first (here, with no server
/// at the socket, 450) and postlint is silent too.
#[test]
fn virtual_mailbox_domains_without_maps_accept_any_name() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let lmtp = "virtual_mailbox_domains = virtual.example\n\
                virtual_transport = lmtp:unix:private/dovecot-lmtp\n";
    let (code, _, messages) = rcpt_at(port() + 3, lmtp, Some("virtual.example"));
    assert_eq!(code, 250, "no table: smtpd accepts any name");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("virtual_mailbox_domains without virtual_mailbox_maps"),
        "{messages:?}"
    );

    let listed = format!("{lmtp}virtual_mailbox_maps = inline:{{ jane@virtual.example=x }}\n");
    let (code, _, messages) = rcpt_at(port() + 4, &listed, Some("virtual.example"));
    assert_eq!(code, 550, "the table lists no such user");
    assert!(messages.is_empty(), "{messages:?}");

    let verified = format!(
        "{lmtp}smtpd_recipient_restrictions = reject_unverified_recipient\n\
         unverified_recipient_reject_code = 550\n"
    );
    let (code, _, messages) = rcpt_at(port() + 5, &verified, Some("virtual.example"));
    assert_eq!(
        code, 450,
        "address verification cannot reach the LMTP server yet"
    );
    assert!(messages.is_empty(), "{messages:?}");
}

/// A relay domain without relay_recipient_maps: smtpd accepts a made-up name (250) and postlint
/// says so; with `reject_unverified_recipient` smtpd first asks the next server over SMTP (none
/// answers at 192.0.2.1 yet: 450) and postlint is silent.
#[test]
fn address_verification_stands_in_for_relay_recipient_maps() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let relay = "relay_domains = relay.example\n\
                 transport_maps = inline:{ relay.example=relay:[192.0.2.1] }\n\
                 smtp_connect_timeout = 1s\n";
    let (code, _, messages) = rcpt_at(port() + 6, relay, Some("relay.example"));
    assert_eq!(code, 250, "no table: smtpd accepts any name");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("relay_domains without relay_recipient_maps"),
        "{messages:?}"
    );

    let verified = format!(
        "{relay}smtpd_recipient_restrictions = reject_unverified_recipient\n\
         unverified_recipient_reject_code = 550\n"
    );
    let (code, _, messages) = rcpt_at(port() + 7, &verified, Some("relay.example"));
    assert_eq!(
        code, 450,
        "address verification cannot reach the next server yet"
    );
    assert!(messages.is_empty(), "{messages:?}");
}

/// A local domain that transport_maps sends on to another server (a backup MX that lists its
/// domains in mydestination): with `local_recipient_maps =` smtpd accepts a made-up name there
/// (250) although the mail is not for local(8), and postlint says so; with the default
/// local_recipient_maps smtpd refuses it (550: local_recipient_maps applies to every
/// mydestination domain, whatever the transport) and postlint is silent.
#[test]
fn a_forwarded_local_domain_needs_its_recipients() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let forwarded = "mydestination = localhost, forward.example\n\
                     transport_maps = inline:{ forward.example=smtp:[192.0.2.1] }\n";
    let empty = format!("{forwarded}local_recipient_maps =\n");
    let (code, _, messages) = rcpt_at(port() + 8, &empty, Some("forward.example"));
    println!("forwarded, local_recipient_maps empty: RCPT {code}; postlint: {messages:?}");
    assert_eq!(code, 250, "an empty local_recipient_maps accepts any name");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("which transport_maps sends on to [192.0.2.1]"),
        "{messages:?}"
    );
    let (code, _, messages) = rcpt_at(port() + 9, forwarded, Some("forward.example"));
    println!("forwarded, default local_recipient_maps: RCPT {code}; postlint: {messages:?}");
    assert_eq!(
        code, 550,
        "the default local_recipient_maps knows no such user"
    );
    assert!(messages.is_empty(), "{messages:?}");
}

/// With `local_recipient_maps =`, local(8) bounces a made-up local name, unless
/// fallback_transport takes the names it does not know first (local/unknown.c): with
/// `fallback_transport = discard:` the message is dropped, and nothing is bounced
/// (rjarry/pwforge, survey AH1). postlint reports the first setup only.
#[test]
fn a_discarding_fallback_transport_bounces_no_unknown_name() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let mut verdicts = smtp::Verdicts::default();
    for (i, (fallback, bounced)) in [("", true), ("fallback_transport = discard:\n", false)]
        .into_iter()
        .enumerate()
    {
        let port = port() + 12 + i as u16;
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-backscatter-");
        let conf = scratch.conf();
        let mut main = scratch.infrastructure("mail.example.com");
        main.push_str(&format!(
            "compatibility_level = 3.6\nmydestination = $myhostname\nalias_maps =\n\
             alias_database =\nmynetworks = 127.0.0.0/8\nlocal_recipient_maps =\n\
             default_transport = discard:\n{fallback}"
        ));
        std::fs::write(conf.join("main.cf"), &main).unwrap();
        let mut master = smtp::base_master_cf();
        master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
        let mut postfix = smtp::Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
            .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
        smtp::send_one(
            port,
            &scratch,
            "sender@example.net",
            "no-such-user-4711@mail.example.com",
            "oracle_backscatter",
        );
        let line = smtp::wait_for_line(&scratch.maillog(), 60, |l| {
            l.contains("no-such-user-4711@mail.example.com") && l.contains("status=")
        });
        let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
        postfix.stop();
        let line = line.unwrap_or_else(|| panic!("{fallback:?}: no delivery status:\n{log}"));
        let saw_bounce = line.contains("status=bounced");
        // postlint on the setup as a server's: smtpd on port 25 of every interface.
        let main = main.replace("inet_interfaces = 127.0.0.1", "inet_interfaces = all");
        std::fs::write(conf.join("main.cf"), main).unwrap();
        let master = std::fs::read_to_string(conf.join("master.cf")).unwrap();
        let master = master.replace(&format!("127.0.0.1:{port} inet"), "smtp inet");
        std::fs::write(conf.join("master.cf"), master).unwrap();
        let reported = smtp::postlint_findings(&conf, "backscatter-risk")
            .iter()
            .any(|d| {
                d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("local_recipient_maps is empty"))
            });
        let case = match fallback {
            "" => "no fallback_transport".to_string(),
            set => set.trim().to_string(),
        };
        verdicts.judge(&case, &line, saw_bounce == bounced, saw_bounce, reported);
    }
    verdicts.conclude("oracle_backscatter_fallback");
}
