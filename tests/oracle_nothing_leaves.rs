//! Real Postfix decides `values::nothing_leaves`, which keeps mynetworks-too-broad's Docker
//! bridge warning ("may relay mail anywhere") off a server that sends nothing out: a Postfix on
//! loopback is asked for a message from a mynetworks client to a remote address. With
//! `default_transport = error:...`, or a transport table whose `*` entry is error, smtpd
//! refuses the recipient with the error's text (550: it resolves the address, and the error
//! transport is the answer), or takes the message and bounces it; no connection out is
//! tried. With the default transport
//! (smtp, through a relayhost where nothing listens), or a transport entry that sends that
//! domain to smtp, Postfix tries to send it on ("status=deferred", "Connection refused").
//! postlint's model says "nothing leaves" for the first two only, and with `mynetworks =
//! 0.0.0.0/0` reports an open relay (mynetworks-too-broad) for the last two only.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;

use postlint::model::{LoadOptions, Model};

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

/// This test uses the ports from here, one per case.
fn port() -> u16 {
    common::env_number("POSTLINT_NOTHING_LEAVES_ORACLE_PORT", 28_940) as u16
}

/// The cases: main.cf lines, the transport table (None: none), and whether the message for a
/// remote address is bounced without leaving.
const CASES: &[(&str, Option<&str>, bool)] = &[
    (
        "default_transport = error:nothing leaves this host\n",
        None,
        true,
    ),
    (
        "transport_maps = texthash:$config_directory/transport\n",
        Some("mail.example.com local:\n* error:only local\n"),
        true,
    ),
    // An entry for the server's own domain, whatever it routes to, relays nothing (a pipe
    // for a local list domain: rjarry/pwforge, survey AH1).
    (
        "transport_maps = texthash:$config_directory/transport\n",
        Some("mail.example.com smtp:[127.0.0.1]:9\n* error:only local\n"),
        true,
    ),
    ("# the default transport\n", None, false),
    (
        "transport_maps = texthash:$config_directory/transport\n",
        Some("example.net smtp:[127.0.0.1]:9\n* error:only local\n"),
        false,
    ),
];

/// Sends the case's message: the reply to its RCPT, the maillog line that rejects it or ends
/// its delivery, postlint's answer, and whether open-relay or mynetworks-too-broad reports
/// the setup (mynetworks is 0.0.0.0/0: every client relays, if anything can).
fn deliver(port: u16, settings: &str, transport: Option<&str>) -> (u16, String, bool, bool) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-nothing-leaves-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    // A relayhost where nothing listens: the default transport's attempt shows in the log
    // without DNS or the network.
    main.push_str(
        "compatibility_level = 3.6\nmydestination = $myhostname\nalias_maps =\n\
         alias_database =\nmynetworks = 0.0.0.0/0\nrelayhost = [127.0.0.1]:9\n",
    );
    main.push_str(settings);
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    if let Some(table) = transport {
        std::fs::write(conf.join("transport"), table).unwrap();
    }
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let model = Model::load(&LoadOptions {
        config_dir: Some(conf.clone()),
        live: Some(false),
        ..Default::default()
    })
    .unwrap();
    let nothing_leaves = postlint::model::values::nothing_leaves(&model);

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let rcpt = smtp::send_one(
        port,
        &scratch,
        "sender@example.com",
        "someone@example.net",
        "oracle_nothing_leaves",
    );
    let line = smtp::wait_for_line(&scratch.maillog(), 20, |l| {
        l.contains("someone@example.net") && (l.contains("status=") || l.contains("reject: RCPT"))
    });
    postfix.stop();
    // open-relay on the setup as a server's: smtpd on port 25 of every interface.
    let main = main.replace("inet_interfaces = 127.0.0.1", "inet_interfaces = all");
    std::fs::write(conf.join("main.cf"), main).unwrap();
    let master = std::fs::read_to_string(conf.join("master.cf")).unwrap();
    let master = master.replace(&format!("127.0.0.1:{port} inet"), "smtp inet");
    std::fs::write(conf.join("master.cf"), master).unwrap();
    // mynetworks-too-broad reports mynetworks that trusts every client ("an open relay");
    // open-relay, the other ways in.
    let open_relay = ["open-relay", "mynetworks-too-broad"]
        .iter()
        .any(|rule| !smtp::postlint_findings(&conf, rule).is_empty());
    let line = line.unwrap_or_else(|| {
        let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
        panic!("no delivery status or rejection within 20 s; the maillog:\n{log}")
    });
    (rcpt, line, nothing_leaves, open_relay)
}

#[test]
fn mail_for_other_domains_is_bounced_where_nothing_leaves() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let mut report = String::new();
    let (mut postfix_failures, mut postlint_failures) = (Vec::new(), Vec::new());
    for (i, &(settings, transport, bounced)) in CASES.iter().enumerate() {
        let (rcpt, line, nothing_leaves, open_relay) =
            deliver(port() + i as u16, settings, transport);
        let case = format!(
            "{}{}",
            settings.trim(),
            transport.map_or(String::new(), |t| format!(
                " [{}]",
                t.trim().replace('\n', "; ")
            ))
        );
        report.push_str(&format!(
            "{case}\n  Postfix: RCPT {rcpt}; {line}\n  postlint: nothing leaves = {nothing_leaves}, open relay = {open_relay}\n"
        ));
        // Refused at RCPT (smtpd asks trivial-rewrite, which resolves the address to the
        // error transport), or taken and bounced: either way, never sent on.
        let was_bounced = rcpt / 100 == 5
            || line.contains("status=bounced") && !line.contains("Connection refused");
        let tried = line.contains("status=deferred") && line.contains("127.0.0.1");
        if (bounced && !was_bounced) || (!bounced && !tried) {
            postfix_failures.push(format!(
                "{case}: expected {}, got {line}",
                if bounced {
                    "a bounce"
                } else {
                    "an attempt to send"
                }
            ));
        }
        if open_relay == bounced {
            postlint_failures.push(format!(
                "{case}: open-relay and mynetworks-too-broad {} (mynetworks = 0.0.0.0/0); Postfix: {line}",
                if open_relay {
                    "reports it"
                } else {
                    "is silent"
                }
            ));
        }
        if nothing_leaves != bounced {
            postlint_failures.push(format!(
                "{case}: postlint says nothing leaves = {nothing_leaves}; Postfix: {line}"
            ));
        }
    }
    smtp::conclude(
        "oracle_nothing_leaves",
        &report,
        &format!("{} cases", CASES.len()),
        &postfix_failures,
        &postlint_failures,
    );
}
