//! Real Postfix decides `quoted-value`: main.cf and master.cf have no quoting. `postconf -h`
//! and `postconf -P` print every value of the rule's trigger fixture with its quotes, and a
//! Postfix on loopback with `mydestination = "$myhostname, localhost, example.com"` refuses
//! mail for example.com as relaying (the list's last item is `example.com"`), which it
//! accepts with the quotes taken out. postlint reports the quoted line, and nothing without
//! the quotes.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

fn port() -> u16 {
    common::env_number("POSTLINT_QUOTED_ORACLE_PORT", 28_800) as u16
}

const FIXTURE: &str = "fixtures/quoted-value/trigger-quoted-values";
/// Quotes inside a next hop, not around it.
const INSIDE: &str = "fixtures/quoted-value/trigger-quotes-inside-relayhost";

#[test]
fn postconf_keeps_the_quotes_of_every_reported_value() {
    if !common::postfix_available() {
        return;
    }
    for (fixture, at_least) in [(FIXTURE, 5), (INSIDE, 1)] {
        postconf_keeps_the_quotes(fixture, at_least);
    }
}

fn postconf_keeps_the_quotes(fixture: &str, at_least: usize) {
    let findings = smtp::postlint_findings(Path::new(fixture), "quoted-value");
    assert!(findings.len() >= at_least, "{fixture}: {findings:?}");
    let conf = common::postconf_copy(Path::new(fixture));
    let dir = conf.path().to_string_lossy().into_owned();
    for finding in &findings {
        let file = finding["path"].as_str().unwrap();
        let line = finding["line"].as_u64().unwrap() as usize;
        let text = std::fs::read_to_string(file).unwrap();
        let written = text.lines().nth(line - 1).unwrap().trim();
        let (printed, value) = if file.ends_with("master.cf") {
            // `  -o name="value"` under the service `submission inet`.
            let (name, value) = written.trim_start_matches("-o ").split_once('=').unwrap();
            let key = format!("submission/inet/{name}");
            let (ok, out, err) = common::run("postconf", &["-c", &dir, "-hP", &key]);
            assert!(ok, "{key}: {err}");
            (out, value.to_string())
        } else {
            let (name, value) = written.split_once('=').unwrap();
            let (ok, out, err) = common::run("postconf", &["-c", &dir, "-h", name.trim()]);
            assert!(ok, "{name}: {err}");
            (out, value.trim().to_string())
        };
        println!("{written}: postconf prints {}", printed.trim());
        assert_eq!(printed.trim(), value, "{file}:{line}");
        assert!(value.contains(['"', '\'']), "{file}:{line}: {value}");
    }
}

/// The reply to RCPT TO:<someone@example.com> from a client outside mynetworks, and the lines
/// of postlint's quoted-value findings.
fn rcpt(port: u16, mydestination: &str) -> (u16, String, Vec<u64>) {
    let main = format!("mynetworks = 192.0.2.0/24\nmydestination = {mydestination}\n");
    let (prefix, client) = ("postlint-quoted-", "198.51.100.7");
    smtp::rcpt_from(
        port,
        prefix,
        &main,
        client,
        "someone@example.com",
        "quoted-value",
    )
}

#[test]
fn a_quoted_mydestination_is_no_longer_local() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (quoted, log, lines) = rcpt(port(), "\"$myhostname, localhost, example.com\"");
    println!("quoted: RCPT {quoted}; postlint reports lines {lines:?}");
    assert!(
        quoted >= 400 && log.contains("Relay access denied"),
        "{quoted}:\n{log}"
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (plain, log, lines) = rcpt(port() + 1, "$myhostname, localhost, example.com");
    println!("plain: RCPT {plain}; postlint reports lines {lines:?}");
    assert_eq!(plain, 250, "{log}");
    assert!(lines.is_empty(), "{lines:?}");
}

/// `postconf -x` expands `\$myhostname` to `\mail.example.com`: the backslash stays, as
/// quoted-value says of every `\$` it reports; the near-miss's `$$` is a `$`.
#[test]
fn postconf_keeps_the_backslash_of_a_shell_escape() {
    if !common::postfix_available() {
        return;
    }
    let fixture = "fixtures/quoted-value/trigger-shell-escaped-dollars";
    let findings = smtp::postlint_findings(Path::new(fixture), "quoted-value");
    assert_eq!(findings.len(), 2, "{findings:?}");
    let conf = common::postconf_copy(Path::new(fixture));
    let dir = conf.path().to_string_lossy().into_owned();
    for (name, expanded) in [
        ("smtpd_banner", "\\mail.example.com ESMTP"),
        ("smtpd_tls_session_cache_database", "btree:\\/"),
    ] {
        let (ok, out, err) = common::run("postconf", &["-c", &dir, "-xh", name]);
        assert!(ok, "{name}: {err}");
        println!("{name}: postconf -x prints {}", out.trim());
        assert!(out.trim().starts_with(expanded), "{name}: {out}");
        assert!(
            findings
                .iter()
                .any(|f| f["message"].as_str().unwrap_or_default().starts_with(name)),
            "{name}: {findings:?}"
        );
    }
    let near = "fixtures/quoted-value/ok-dollars-as-postfix-writes-them";
    let conf = common::postconf_copy(Path::new(near));
    let dir = conf.path().to_string_lossy().into_owned();
    let (ok, out, err) = common::run("postconf", &["-c", &dir, "-xh", "smtpd_banner"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "mail.example.com ESMTP, costs $0");
    assert!(smtp::postlint_findings(Path::new(near), "quoted-value").is_empty());
}
