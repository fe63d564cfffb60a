//! Real Postfix decides `sender-login-maps-missing`: with reject_sender_login_mismatch,
//! smtpd_sasl_auth_enable = yes and no smtpd_sender_login_maps, a client logged in as jane
//! (XCLIENT LOGIN) gets 553 "not owned by user jane" for MAIL FROM:<jane@example.com> (at
//! RCPT TO, where smtpd_delay_reject puts the sender restrictions); with a table that makes
//! jane the address's owner, 250. postlint reports the first setup and not
//! the second. And `restriction-order`: reject_sender_login_mismatch after
//! permit_sasl_authenticated never sees jane, who then sends as john (250); before it, 553.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

fn port() -> u16 {
    common::env_number("POSTLINT_SENDER_LOGIN_ORACLE_PORT", 28_660) as u16
}

/// Runs a Postfix with the owners table `maps` (empty: none); returns smtpd's answer to RCPT
/// TO after MAIL FROM:<jane@example.com> from a client logged in as jane, with the maillog, and the count of postlint's
/// findings.
fn mail_from_answer(maps: &str, port: u16) -> (u16, String, usize) {
    answer_of(
        "reject_sender_login_mismatch",
        maps,
        "jane@example.com",
        "sender-login-maps-missing",
        port,
    )
}

/// [`mail_from_answer`] with `restrictions` as smtpd_sender_restrictions, MAIL FROM:<`sender`>,
/// and the count of postlint's findings of `rule`.
fn answer_of(
    restrictions: &str,
    maps: &str,
    sender: &str,
    rule: &str,
    port: u16,
) -> (u16, String, usize) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-sender-login-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(&format!(
        "compatibility_level = 3.6\n\
         smtpd_sasl_auth_enable = yes\n\
         smtpd_sender_restrictions = {restrictions}\n\
         smtpd_sender_login_maps = {maps}\n"
    ));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    std::fs::write(
        conf.join("sender_login"),
        "jane@example.com  jane\njohn@example.com  john\n",
    )
    .unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);

    let reported = smtp::postlint_findings(&conf, rule).len();

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let mut client = smtp::client(port, &scratch);
    let mut talk = || -> std::io::Result<u16> {
        client.command("EHLO client.test")?;
        client.command("XCLIENT LOGIN=jane")?;
        client.command("EHLO client.test")?;
        client.command(&format!("MAIL FROM:<{sender}>"))?;
        // smtpd_delay_reject (the default) runs the sender restrictions at RCPT TO.
        Ok(client
            .command("RCPT TO:<postmaster@mail.example.com>")?
            .code)
    };
    let code = talk().unwrap_or_else(|e| panic!("{e}: {}", client.transcript.join(" | ")));
    let transcript = client.transcript.join(" | ");
    let log = smtp::quit_and_read_log(client, &scratch);
    postfix.stop();
    (code, format!("{transcript}\n{log}"), reported)
}

#[test]
fn reject_sender_login_mismatch_without_maps_refuses_every_login() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (code, log, reported) = mail_from_answer("", port());
    assert_eq!(code, 553, "{log}");
    assert!(log.contains("not owned by user jane"), "{log}");
    assert_eq!(reported, 1, "postlint reports {reported} findings");

    let (code, log, reported) =
        mail_from_answer("texthash:${config_directory}/sender_login", port() + 1);
    assert_eq!(code, 250, "{log}");
    assert_eq!(reported, 0, "postlint reports {reported} findings");
}

/// permit_sasl_authenticated ends the sender list for jane, who logged in: the login check
/// after it never runs and she sends as john (250). With the check first she gets 553.
/// postlint's restriction-order reports the first order only.
#[test]
fn a_login_check_after_permit_sasl_authenticated_never_runs() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let maps = "texthash:${config_directory}/sender_login";
    let (code, log, reported) = answer_of(
        "permit_sasl_authenticated, reject_sender_login_mismatch",
        maps,
        "john@example.com",
        "restriction-order",
        port() + 2,
    );
    assert_eq!(code, 250, "{log}");
    assert_eq!(reported, 1, "postlint reports {reported} findings");

    let (code, log, reported) = answer_of(
        "reject_sender_login_mismatch, permit_sasl_authenticated",
        maps,
        "john@example.com",
        "restriction-order",
        port() + 3,
    );
    assert_eq!(code, 553, "{log}");
    assert!(log.contains("not owned by user jane"), "{log}");
    assert_eq!(reported, 0, "postlint reports {reported} findings");
}
