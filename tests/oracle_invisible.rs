//! Real Postfix decides `invisible-character`: to Postfix a no-break space is part of the word
//! it touches. `postmap -q` finds a key written with one only when asked for the key with the
//! no-break space, and a Postfix on loopback with `mynetworks = 127.0.0.0/8 [::1]/128\u{a0}
//! 192.0.2.0/24` refuses to relay for 192.0.2.7, which it relays for with the space retyped.
//! postlint reports the line with the no-break space, and nothing without it. (The trigger
//! fixture's `mydestination` with one is compared with trivial-rewrite by tests/oracle.rs, as
//! every fixture is: `localhost.example.com` is no longer local.)
//!
//! Needs Postfix 3.7 and root for the loopback test; without them it says "skipped", unless
//! POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

fn port() -> u16 {
    common::env_number("POSTLINT_INVISIBLE_ORACLE_PORT", 28_840) as u16
}

const FIXTURE: &str = "fixtures/invisible-character/trigger-invisible-characters";

#[test]
fn postmap_finds_a_key_only_with_its_no_break_space() {
    if !common::postfix_available() {
        return;
    }
    let findings = smtp::postlint_findings(Path::new(FIXTURE), "invisible-character");
    let in_virtual: Vec<u64> = findings
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with("/virtual"))
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(in_virtual, [3, 4], "{findings:?}");
    let temp = tempfile::tempdir().unwrap();
    let map = temp.path().join("virtual");
    std::fs::copy(Path::new(FIXTURE).join("virtual"), &map).unwrap();
    std::fs::write(temp.path().join("main.cf"), "").unwrap();
    let conf = temp.path().to_string_lossy().into_owned();
    let table = format!("hash:{}", map.display());
    let (ok, _, err) = common::run("postmap", &["-c", &conf, &table]);
    assert!(ok, "{err}");
    let query = |key: &str| common::run("postmap", &["-c", &conf, "-q", key, &table]);
    // Line 3's key, asked as written and as the address it was meant for.
    let (found, value, _) = query("jane@example.org\u{a0}");
    assert!(found && value.trim() == "jane@example.net", "{value}");
    let (found, value, _) = query("jane@example.org");
    assert!(!found, "postmap found {value:?} for jane@example.org");
    // Line 4's value keeps the zero-width space in front of the second address.
    let (found, value, _) = query("john@example.org");
    assert!(found, "john@example.org");
    assert_eq!(value.trim(), "john@example.net,\u{200b}bob@example.net");
    // A line postlint does not report is found as written.
    let (found, _, _) = query("postmaster@example.org");
    assert!(found);
}

/// The reply to RCPT TO:<someone@elsewhere.example> from 192.0.2.7, with this mynetworks, and
/// the lines of postlint's invisible-character findings.
fn rcpt(port: u16, mynetworks: &str) -> (u16, String, Vec<u64>) {
    let main = format!(
        "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n\
         mynetworks = {mynetworks}\n"
    );
    let (prefix, rcpt) = ("postlint-invisible-", "someone@elsewhere.example");
    smtp::rcpt_from(
        port,
        prefix,
        &main,
        "192.0.2.7",
        rcpt,
        "invisible-character",
    )
}

#[test]
fn a_no_break_space_in_mynetworks_keeps_the_network_out() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (pasted, log, lines) = rcpt(port(), "127.0.0.0/8 [::1]/128\u{a0}192.0.2.0/24");
    println!("with a no-break space: RCPT {pasted}; postlint reports lines {lines:?}");
    assert!(
        pasted >= 500 && log.contains("Relay access denied"),
        "{pasted}:\n{log}"
    );
    // And nothing in the log says why.
    let warned = log
        .lines()
        .filter(|l| l.contains("warning") && l.contains("192.0.2.0"))
        .collect::<Vec<_>>();
    assert!(warned.is_empty(), "{warned:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (retyped, log, lines) = rcpt(port() + 1, "127.0.0.0/8 [::1]/128 192.0.2.0/24");
    println!("retyped: RCPT {retyped}; postlint reports lines {lines:?}");
    assert_eq!(retyped, 250, "{log}");
    assert!(lines.is_empty(), "{lines:?}");
}
