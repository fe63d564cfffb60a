//! Real Postfix shows what a cache of a table type it cannot open costs, which
//! `unsupported-map-type` reports for `btree:` caches in an Alpine image (Alpine 3.13 and
//! later build Postfix without Berkeley DB). Debian's Postfix has no `dbm` type: the same
//! failure, on this machine. A Postfix on loopback runs postscreen (with `smtpd pass`),
//! `reject_unverified_recipient`, and TLS, its three caches in `dbm:` tables, or in `btree:`
//! ones for the comparison:
//! - verify(8) logs "unsupported dictionary type" and cannot keep its result: a RCPT to an
//!   address whose probe fails at once (an `error:` transport) gets `450 4.1.1 ... Address
//!   verification in progress` every time, and each RCPT sends a probe of its own, where with a `btree:` cache it gets the probe's
//!   result (`450 4.1.1 ... unverified address: nosuchdomain`);
//! - postscreen and tlsmgr log that their caches are "unavailable".
//!
//! Then postlint, on the same main.cf with `btree:` caches in a repository whose Dockerfile
//! builds FROM alpine:3.19, reports the three lines (address_verify_map as an error), and with
//! the image built FROM debian:12, nothing.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;
#[path = "common/tls.rs"]
mod tls;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_CACHE_TYPE_ORACLE_PORT", 28_900) as u16
}

/// The main.cf lines of the case, its caches in tables of type `kind`.
fn cache_lines(kind: &str) -> String {
    format!(
        "smtpd_tls_session_cache_database = {kind}:${{data_directory}}/smtpd_scache\n\
         address_verify_map = {kind}:${{data_directory}}/verify_cache\n\
         postscreen_cache_map = {kind}:${{data_directory}}/postscreen_cache\n\
         smtpd_recipient_restrictions = reject_unverified_recipient\n"
    )
}

const MASTER_LINES: &str = "smtpd pass - - n - - smtpd\n";

/// The reply (code and text) to a second RCPT for the same address, and the maillog, with
/// the caches in `kind` tables.
fn run_postfix(kind: &str, port: u16) -> (u16, String, String) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-cache-type-");
    let conf = scratch.conf();
    let (cert, key) = tls::self_signed(&conf).expect("a certificate for the test");
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(&format!(
        "compatibility_level = 3.6\nmydestination = $myhostname\n\
         smtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\nsmtpd_tls_security_level = may\n\
         transport_maps = inline:{{nowhere.invalid=error:nosuchdomain}}\n{}",
        cert.display(),
        key.display(),
        cache_lines(kind)
    ));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - 1 postscreen\n"));
    master.push_str(MASTER_LINES);
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let mut postfix = smtp::Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let mut client = smtp::client(port, &scratch);
    client.command("EHLO client.example").unwrap();
    client.command("MAIL FROM:<sender@example.org>").unwrap();
    // smtpd polls verify(8) for some seconds before it answers "in progress". The second
    // RCPT is answered from the cache, when there is one.
    client
        .command("RCPT TO:<nobody@nowhere.invalid>")
        .expect("a RCPT reply");
    let reply = client
        .command("RCPT TO:<nobody@nowhere.invalid>")
        .expect("a RCPT reply");
    let log = smtp::quit_and_read_log(client, &scratch);
    postfix.stop();
    (reply.code, reply.last().to_string(), log)
}

#[test]
fn caches_of_a_type_postfix_lacks_do_not_work() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    if !common::runs_or_says_skipped(tls::openssl_available()) {
        return;
    }
    // A type this Postfix cannot open, as Alpine's cannot open btree.
    let lacks = |kind: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.cf"), "").unwrap();
        let d = dir.path().to_string_lossy().into_owned();
        let (_, types, _) = common::run("postconf", &["-c", &d, "-m"]);
        !types.lines().any(|t| t.trim() == kind)
    };
    assert!(
        lacks("dbm"),
        "this Postfix opens dbm tables: the case needs a type it lacks"
    );
    assert!(!lacks("btree"), "this Postfix has no btree tables");

    let (code, text, log) = run_postfix("btree", port());
    println!("btree caches: RCPT {code} {text}");
    // unverified_recipient_reject_code is 450: the probe's result is in the text.
    assert!(
        code == 450 && text.contains("unverified address: nosuchdomain"),
        "with a btree cache the probe's result is the answer:\n{log}"
    );
    assert!(!log.contains("is unavailable"), "{log}");

    let (code, text, log) = run_postfix("dbm", port() + 1);
    println!("dbm caches: RCPT {code} {text}");
    assert_eq!(code, 450, "{log}");
    assert!(text.contains("Address verification in progress"), "{text}");
    // Each RCPT sent a probe of its own (the probes' sender is the double-bounce address).
    let probes = log
        .lines()
        .filter(|l| l.contains("postfix/qmgr[") && l.contains("from=<double-bounce@"))
        .count();
    println!("dbm caches: {probes} probes for the one address");
    assert!(probes >= 2, "{log}");
    for daemon in ["verify", "postscreen", "tlsmgr"] {
        let unavailable = log.lines().any(|l| {
            l.contains(&format!("postfix/{daemon}["))
                && l.contains("is unavailable. unsupported dictionary type: dbm")
        });
        assert!(
            unavailable,
            "{daemon} did not say its cache is unavailable:\n{log}"
        );
    }

    // postlint, on the same lines with btree caches in an Alpine image, and in a Debian one.
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("postfix");
    std::fs::create_dir_all(&image).unwrap();
    let main = format!(
        "compatibility_level = 3.6\nmydestination = localhost\n{}",
        cache_lines("btree")
    );
    std::fs::write(image.join("main.cf"), main).unwrap();
    std::fs::write(
        image.join("master.cf"),
        format!("smtp inet n - n - 1 postscreen\n{MASTER_LINES}"),
    )
    .unwrap();
    let findings = |from: &str| {
        std::fs::write(
            image.join("Dockerfile"),
            format!("FROM {from}\nRUN apk add postfix\nCOPY main.cf master.cf /etc/postfix/\n"),
        )
        .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_postlint"))
            .args([
                "--select",
                "unsupported-map-type",
                "--format",
                "json",
                "--discover",
            ])
            .arg(repo.path())
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|d| {
                (
                    d["line"].as_u64().unwrap(),
                    d["severity"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let alpine = findings("alpine:3.19");
    println!("postlint, FROM alpine:3.19: {alpine:?}");
    assert_eq!(
        alpine,
        [
            (3, "warning".to_string()),
            (4, "error".to_string()),
            (5, "warning".to_string())
        ]
    );
    let debian = findings("debian:12");
    println!("postlint, FROM debian:12: {debian:?}");
    assert_eq!(debian, []);
}
