//! Real Postfix decides `restriction-order` on a restriction class that ends the list: smtpd on
//! loopback has `smtpd_recipient_restrictions = c1, reject`. When the class is `c1 = permit`,
//! RCPT TO is taken (250): the `reject` after the class never runs. When the class decides
//! nothing for the request (`c1 = reject_non_fqdn_recipient`, a full address), the `reject`
//! runs (554). postlint must report the unreachable `reject` exactly in the first.
//!
//! Knobs: POSTLINT_CLASS_ORACLE_PORT (default 28470, one per case). Needs Postfix 3.7 and
//! root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_CLASS_ORACLE_PORT", 28_470) as u16
}

/// The cases: the class's list, and whether it decides (the `reject` after it never runs).
const CASES: &[(&str, bool)] = &[
    ("permit", true),
    ("reject_non_fqdn_recipient, permit", true),
    ("reject_non_fqdn_recipient", false),
];

#[test]
fn a_class_that_decides_ends_the_list() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let mut verdicts = smtp::Verdicts::default();
    for (i, &(class, decides)) in CASES.iter().enumerate() {
        let port = port() + i as u16;
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-class-");
        let conf = scratch.conf();
        let mut main = scratch.infrastructure("mail.example.com");
        main.push_str(&format!(
            "compatibility_level = 3.6\nmydestination = $myhostname\nlocal_recipient_maps =\n\
             alias_maps =\nalias_database =\nmynetworks = 127.0.0.0/8\n\
             smtpd_restriction_classes = c1\nc1 = {class}\n\
             smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n\
             smtpd_recipient_restrictions = c1, reject\n"
        ));
        std::fs::write(conf.join("main.cf"), &main).unwrap();
        let mut master = smtp::base_master_cf();
        master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
        let reported = smtp::postlint_findings(&conf, "restriction-order")
            .iter()
            .any(|f| {
                f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("never run"))
            });
        let commands = [
            "EHLO client.example",
            "MAIL FROM:<sender@client.example>",
            "RCPT TO:<someone@mail.example.com>",
        ];
        let (codes, _) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
        let rcpt = codes[2];
        let expected = match decides {
            true => rcpt == 250,
            false => rcpt == 554,
        };
        verdicts.judge(
            &format!("c1 = {class}"),
            &format!("RCPT {rcpt}"),
            expected,
            rcpt == 250,
            reported,
        );
    }
    verdicts.conclude("oracle_class_decides");
}
