//! Real Postfix decides `hostname-check-without-lookup`: a Postfix on loopback whose
//! mynetworks leaves 127.0.0.1 out takes a client straight from 127.0.0.1 (no XCLIENT, so smtpd
//! looks the name up itself, or not) and answers its RCPT TO for a local address. With
//! `smtpd_peername_lookup = no` and `reject_unknown_client_hostname`, smtpd names the client
//! `unknown` and refuses it (450); with the lookup on (127.0.0.1 is `localhost` both ways), or
//! with `warn_if_reject` in front, it accepts it (250). postlint must report exactly the first.
//!
//! Knobs: POSTLINT_PEERNAME_ORACLE_PORT (default 28990, one per case). Needs Postfix 3.7 and
//! root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_PEERNAME_ORACLE_PORT", 28_990) as u16
}

/// The cases: main.cf lines, and whether smtpd refuses the client.
const CASES: &[(&str, bool)] = &[
    (
        "smtpd_peername_lookup = no\n\
         smtpd_client_restrictions = permit_mynetworks, reject_unknown_client_hostname\n",
        true,
    ),
    (
        "smtpd_peername_lookup = no\n\
         smtpd_recipient_restrictions = reject_unknown_reverse_client_hostname\n",
        true,
    ),
    (
        "smtpd_client_restrictions = permit_mynetworks, reject_unknown_client_hostname\n",
        false,
    ),
    (
        "smtpd_peername_lookup = no\n\
         smtpd_client_restrictions = warn_if_reject reject_unknown_client_hostname\n",
        false,
    ),
];

#[test]
fn postlint_reports_name_checks_where_names_are_never_looked_up() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let mut verdicts = smtp::Verdicts::default();
    for (i, &(settings, refused)) in CASES.iter().enumerate() {
        let port = port() + i as u16;
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-peername-");
        let conf = scratch.conf();
        let mut main = scratch.infrastructure("mail.example.com");
        main.push_str(
            "compatibility_level = 3.6\nmydestination = $myhostname\nlocal_recipient_maps =\n\
             alias_maps =\nalias_database =\nmynetworks = 192.0.2.0/24\n",
        );
        main.push_str(settings);
        std::fs::write(conf.join("main.cf"), &main).unwrap();
        let mut master = smtp::base_master_cf();
        master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
        let reported = !smtp::postlint_findings(&conf, "hostname-check-without-lookup").is_empty();
        let commands = [
            "EHLO client.example",
            "MAIL FROM:<sender@client.example>",
            "RCPT TO:<postmaster@mail.example.com>",
        ];
        let (codes, log) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
        let rcpt = codes[2];
        let reject = log
            .lines()
            .find(|l| l.contains("NOQUEUE: reject"))
            .unwrap_or("no reject line");
        let case = settings.trim().replace('\n', "; ");
        let expected = match refused {
            true => rcpt == 450 && reject.contains("cannot find your"),
            false => rcpt == 250,
        };
        let seen = format!("RCPT {rcpt}; {reject}");
        verdicts.judge(&case, &seen, expected, rcpt == 450, reported);
    }
    verdicts.conclude("oracle_peername");
}
