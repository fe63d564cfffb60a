//! Real Postfix decides invalid-value's next-hop findings: for each case a whole Postfix runs
//! on loopback (tests/common/smtp.rs) with the case's relayhost (and smtp_fallback_relay), a
//! mynetworks client sends a message to a remote address, and the test reads the maillog.
//! Where the smtp client cannot parse a destination it reaches, it stops with "fatal: ... in
//! server description", "fatal: unknown service" or "fatal: bad network port" (and master
//! throttles the smtp service); where it can, it tries to connect (nothing listens on the
//! loopback ports the cases name: "status=deferred", "Connection refused"). postlint must
//! report exactly the cases where the smtp client stops.
//!
//! No DNS: every destination the smtp client can parse is a loopback address, and those it
//! cannot are refused before any lookup.
//!
//! Knobs: POSTLINT_NEXT_HOP_ORACLE_PORT, the first of the loopback ports (default 28960, one
//! per case). Needs Postfix 3.7 and root; without them it says "skipped", unless
//! POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

fn port() -> u16 {
    common::env_number("POSTLINT_NEXT_HOP_ORACLE_PORT", 28_960) as u16
}

/// The cases: main.cf lines, and whether the smtp client stops on them.
const CASES: &[(&str, bool)] = &[
    ("relayhost = [127.0.0.1]:9\n", false),
    ("relayhost = 127.0.0.1:9\n", false),
    ("relayhost = [127.0.0.1]:9, [127.0.0.1]:10\n", false),
    ("relayhost = [127.0.0.1]:9 [::1]:9\n", false),
    ("relayhost = [127.0.0.1:9]\n", true),
    ("relayhost = 10.0.0.0/24\n", true),
    ("relayhost = smtp://127.0.0.1\n", true),
    ("relayhost = [127.0.0.1]:9, 587\n", true),
    ("relayhost = [127.0.0.1]:0\n", true),
    ("relayhost = [127.0.0.1]:9x\n", true),
    ("relayhost = mail.example.com.\n", true),
    ("relayhost = [IPv6:127.0.0.1]\n", true),
    // Empty brackets: a host of no characters, which valid_hostname() refuses (survey AF2).
    ("relayhost = []\n", true),
    (
        "relayhost = [127.0.0.1]:9\nsmtp_fallback_relay = [127.0.0.1:10]\n",
        true,
    ),
    (
        "relayhost = [127.0.0.1]:9\nsmtp_fallback_relay = [127.0.0.1]:10\n",
        false,
    ),
];

/// Runs one case: the maillog line that ends it (the smtp client's fatal error, or the
/// recipient's status), and the message of postlint's finding of a next hop the smtp client
/// cannot parse, if it reports one.
fn deliver(port: u16, settings: &str) -> (String, Option<String>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-next-hop-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(
        "compatibility_level = 3.6\nmydestination = $myhostname\nalias_maps =\n\
         alias_database =\nmynetworks = 127.0.0.0/8\n",
    );
    main.push_str(settings);
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let reported = smtp::postlint_findings(&conf, "invalid-value")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .find(|m| m.contains("no destination the smtp client can parse"))
        .map(str::to_string);

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    smtp::send_one(
        port,
        &scratch,
        "sender@mail.example.com",
        "someone@example.net",
        "oracle_next_hop",
    );
    let line = smtp::wait_for_line(&scratch.maillog(), 20, |l| {
        (l.contains("postfix/smtp[") && l.contains("fatal:"))
            || (l.contains("someone@example.net") && l.contains("status="))
    });
    postfix.stop();
    let line = line.unwrap_or_else(|| {
        let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
        panic!("{settings}: no fatal error or delivery status within 20 s; the maillog:\n{log}")
    });
    (line, reported)
}

#[test]
fn postlint_reports_the_next_hops_the_smtp_client_stops_on() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let mut report = String::new();
    let (mut postfix_failures, mut postlint_failures) = (Vec::new(), Vec::new());
    for (i, &(settings, stops)) in CASES.iter().enumerate() {
        let (line, message) = deliver(port() + i as u16, settings);
        let reported = message.is_some();
        let case = settings.trim().replace('\n', "; ");
        let shown = line
            .split_once("postfix/")
            .map_or(line.as_str(), |(_, l)| l);
        report.push_str(&format!(
            "{case}\n  Postfix: {shown}\n  postlint reports it: {reported}\n"
        ));
        let stopped = line.contains("fatal:");
        // The destinations it can parse are tried: nothing listens there.
        let tried = line.contains("status=deferred") && line.contains("connect to ");
        if (stops && !stopped) || (!stops && !tried) {
            postfix_failures.push(format!(
                "{case}: expected {}, got {line}",
                if stops {
                    "a fatal error of the smtp client"
                } else {
                    "an attempt to connect"
                }
            ));
        }
        // The finding quotes what the smtp client logs.
        let fatal = line.split_once("fatal: ").map(|(_, f)| f.trim());
        if let (Some(message), Some(fatal)) = (&message, fatal) {
            if !message.contains(fatal) {
                postlint_failures.push(format!(
                    "{case}: postlint quotes another error than Postfix logs (`{fatal}`): {message}"
                ));
            }
        }
        if reported != stopped {
            postlint_failures.push(format!(
                "{case}: postlint {} it; Postfix: {line}",
                if reported {
                    "reports"
                } else {
                    "does not report"
                }
            ));
        }
    }
    smtp::conclude(
        "oracle_next_hop",
        &report,
        &format!("{} cases", CASES.len()),
        &postfix_failures,
        &postlint_failures,
    );
}
