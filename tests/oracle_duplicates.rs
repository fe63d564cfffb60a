//! Real Postfix decides `duplicate-map-key` on texthash: tables. A Postfix on loopback checks
//! recipients with `check_recipient_access` on a table that lists a key twice. Compiled by
//! postmap (`hash:`), the first entry wins: the listed recipient is rejected, another one
//! accepted. Read as `texthash:` by smtpd itself, the table opens as a "surrogate" that fails
//! every lookup (dict_thash.c: a duplicate without the warn flag, which only postmap and
//! postalias set): every recipient gets `451 4.3.5 Server configuration error`. Written inline
//! in main.cf (`inline:{ {key = OK}, {key = REJECT ...} }`), the last value is used: the
//! listed recipient is rejected.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_DUPLICATES_ORACLE_PORT", 28_720) as u16
}

/// The replies to RCPT TO for a listed and an unlisted recipient, when the access table is of
/// `kind`, and the messages of postlint's duplicate-map-key findings.
fn replies(kind: &str, port: u16) -> (u16, u16, Vec<String>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-duplicates-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    // An inline: table gives the key first with OK, then with the REJECT the files give it.
    let table = match kind {
        "inline" => "inline:{ {blocked@example.com = OK}, \
                     {blocked@example.com = REJECT no mail for this address} }"
            .to_string(),
        _ => format!("{kind}:${{config_directory}}/rcpt_access"),
    };
    main.push_str(&format!(
        "compatibility_level = 3.6\n\
         mydestination = $myhostname, example.com\n\
         local_recipient_maps =\n\
         smtpd_recipient_restrictions = check_recipient_access {table}, permit_mynetworks, reject\n"
    ));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    std::fs::write(
        conf.join("rcpt_access"),
        "blocked@example.com REJECT no mail for this address\n\
         blocked@example.com REJECT no mail for this address\n",
    )
    .unwrap();
    if kind == "hash" {
        let status = std::process::Command::new("postmap")
            .arg("-c")
            .arg(&conf)
            .arg(format!("hash:{}", conf.join("rcpt_access").display()))
            .status()
            .unwrap();
        assert!(status.success(), "postmap failed");
    }
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let findings: Vec<String> = smtp::postlint_findings(&conf, "duplicate-map-key")
        .iter()
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect();

    let commands = [
        "EHLO client.example",
        "MAIL FROM:<sender@client.example>",
        "RCPT TO:<blocked@example.com>",
        "RCPT TO:<anyone@example.com>",
    ];
    let (codes, _) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
    let (listed, other) = (codes[2], codes[3]);
    println!("{kind}: listed {listed}, other {other}; postlint: {findings:?}");
    (listed, other, findings)
}

#[test]
fn a_texthash_table_with_a_duplicate_key_fails_every_lookup() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (listed, other, findings) = replies("hash", port());
    assert_eq!(
        (listed, other),
        (554, 250),
        "postmap's table keeps the first entry"
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains("keeps that entry"), "{findings:?}");

    let (listed, other, findings) = replies("texthash", port() + 1);
    assert_eq!((listed, other), (451, 451), "texthash: every lookup fails");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains("every lookup"), "{findings:?}");

    // inline: the later REJECT replaced the OK given first.
    let (listed, other, findings) = replies("inline", port() + 2);
    assert_eq!(
        (listed, other),
        (554, 250),
        "inline: the last value is used"
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains("uses the last value, `REJECT no mail"),
        "{findings:?}"
    );
}
