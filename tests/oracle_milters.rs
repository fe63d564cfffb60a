//! Real Postfix decides `invalid-value` on milter lists. A Postfix on loopback gets
//! `smtpd_milters` with an entry that is no `transport:endpoint` (`''`, written for "none" in
//! container templates, keeps its quotes), and a client sends a message. smtpd logs "Milter
//! service needs transport:endpoint" and applies milter_default_action: with the default
//! (`tempfail`) the message is refused with 451; with `accept` it goes through. An empty value,
//! or a well-formed entry, changes nothing here. postlint reports the tempfail case, and with
//! `accept` a name that is no address (a warning), not the `''` that means "no milters".
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_MILTERS_ORACLE_PORT", 28_740) as u16
}

/// The first reply from EHLO to the end of DATA that is not 2xx/3xx (250 when the message is
/// taken), the maillog, and the lines of postlint's invalid-value findings.
fn send(port: u16, main_extra: &str) -> (u16, String, Vec<u64>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-milters-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str("compatibility_level = 3.6\nmydestination = $myhostname, example.com\n");
    main.push_str("local_recipient_maps =\n");
    main.push_str(main_extra);
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let lines = smtp::postlint_lines(&conf, "invalid-value");

    let commands = [
        "EHLO client.example",
        "MAIL FROM:<sender@client.example>",
        "RCPT TO:<anyone@example.com>",
        "DATA",
        "Subject: milter\r\n\r\nhello\r\n.",
    ];
    let (codes, log) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
    // The first refusal ends the transaction (what follows it is answered 5xx anyway).
    let code = codes
        .iter()
        .copied()
        .find(|&c| c >= 400 || c == 0)
        .unwrap_or(codes[codes.len() - 1]);
    println!("{main_extra:?}: {code}; postlint reports lines {lines:?}");
    (code, log, lines)
}

#[test]
fn a_milter_entry_that_is_no_transport_endpoint_tempfails_mail() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let complaint = "Milter service needs transport:endpoint";
    // (main.cf, reply that ends the transaction, complaint logged, findings)
    let cases = [
        ("smtpd_milters = ''\n", 451, true, 1),
        (
            "smtpd_milters = ''\nmilter_default_action = accept\n",
            250,
            true,
            0,
        ),
        ("smtpd_milters =\n", 250, false, 0),
        (
            "smtpd_milters = { '', default_action=accept }\n",
            250,
            true,
            0,
        ),
        // A name that is no address (a `$` forgotten before DKIM_SERVICE): the mail goes
        // through, and the milter never sees it (a warning).
        (
            "smtpd_milters = DKIM_SERVICE\nmilter_default_action = accept\n",
            250,
            true,
            1,
        ),
    ];
    for (i, (main, code, logged, findings)) in cases.iter().enumerate() {
        let (got, log, lines) = send(port() + i as u16, main);
        assert_eq!(got, *code, "{main:?}:\n{log}");
        assert_eq!(log.contains(complaint), *logged, "{main:?}:\n{log}");
        assert_eq!(
            lines.len(),
            *findings,
            "{main:?}: postlint reports {lines:?}"
        );
    }
}
