//! Real postconf decides which lines of docker-mailserver's `postfix-master.cf` reach master.cf.
//! The test does with each line what the container's start script does
//! (target/scripts/startup/setup.d/postfix.sh: blank and comment lines dropped, `postconf -P
//! "$LINE"` run for each line that starts with a lowercase letter or a digit) on a scratch
//! master.cf whose `smtp`, `submission`, `submissions` and `smtps` inet services have no
//! settings, and notes whether master.cf changed. postlint, linting the directory as
//! docker-mailserver's, must report (invalid-syntax) exactly the lines that left it unchanged.
//! The lines: the fixture's (fixtures/discover/variants/docker-data/dms/config/) and more.
//!
//! Measured (Postfix 3.7.11): `name = value` and a trailing tab are accepted; a space in the
//! value (a list written `a, b`, a comment after the value), a space inside the pattern, a
//! pattern of two or four parts, or a wild-card parameter name are fatal errors ("-Pe does not
//! accept whitespace in parameter value", "missing '=' after attribute name", "-Pe or -PX
//! requires service_name/type/parameter"); a line with no `=` prints the setting.
//!
//! Needs postconf (no root); without it the test says "skipped", unless
//! POSTLINT_ORACLE=required.

use std::path::Path;

mod common;

const SERVICES: &str = "smtp inet n - y - 1 postscreen\n\
                        submission inet n - y - - smtpd\n\
                        submissions inet n - y - - smtpd\n\
                        smtps inet n - y - - smtpd\n\
                        pickup unix n - y 60 1 pickup\n";

const MORE: &str = "submission/inet/smtpd_tls_security_level=encrypt\t\n\
                    submission/inet/smtpd_tls_auth_only =yes\n\
                    submission/smtpd_tls_auth_only=yes\n\
                    submission/inet/tls/smtpd_tls_auth_only=yes\n\
                    submission/inet/ smtpd_tls_auth_only=yes\n\
                    submission/inet/smtpd_*=yes\n\
                    submission/inet/smtpd_client_restrictions={permit_sasl_authenticated reject}\n\
                    Submission/inet/smtpd_tls_auth_only=yes\n\
                    \tsubmission/inet/smtpd_tls_auth_only=yes\n\
                    submission/inet/smtpd_client_restrictions=\n";

/// Whether `postconf -P LINE` changes the scratch master.cf (run on a fresh copy).
fn applied(line: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cf"), "compatibility_level = 3.6\n").unwrap();
    std::fs::write(dir.path().join("master.cf"), SERVICES).unwrap();
    let conf = dir.path().to_str().unwrap();
    // The script's test: [[ ${LINE} =~ ^[0-9a-z] ]].
    if !line.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return false;
    }
    let (_, _, _) = common::run("postconf", &["-c", conf, "-P", line]);
    std::fs::read_to_string(dir.path().join("master.cf")).unwrap() != SERVICES
}

#[test]
fn postconf_decides_which_overrides_reach_master_cf() {
    if !common::postfix_available() {
        return;
    }
    let fixture = std::fs::read_to_string(
        "fixtures/discover/variants/docker-data/dms/config/postfix-master.cf",
    )
    .unwrap();
    let text = format!("{fixture}{MORE}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postfix-main.cf"), "relayhost = [x]:587\n").unwrap();
    std::fs::write(dir.path().join("postfix-accounts.cf"), "a@b.example|x\n").unwrap();
    std::fs::write(dir.path().join("postfix-master.cf"), &text).unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(["--format", "json", "--select", "invalid-syntax"])
        .arg(dir.path().join("postfix-main.cf"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut reported: Vec<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"].as_str().unwrap().ends_with("postfix-master.cf"))
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    reported.sort();

    // The script's grep drops blank lines and comments (after turning CRLF into LF).
    let mut lost = Vec::new();
    let mut kept = 0;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match applied(line) {
            true => kept += 1,
            false => lost.push(i as u64 + 1),
        }
        println!(
            "line {}: {line:?}: applied {}",
            i + 1,
            !lost.contains(&(i as u64 + 1))
        );
    }
    assert!(kept >= 5 && lost.len() >= 10, "kept {kept}, lost {lost:?}");
    assert_eq!(
        reported, lost,
        "postlint reports {reported:?}, postconf lost {lost:?}"
    );
}

#[test]
fn the_scratch_master_cf_takes_a_plain_override() {
    if !common::postfix_available() {
        return;
    }
    assert!(applied("submission/inet/smtpd_sasl_auth_enable=yes"));
    assert!(!applied("submission/inet/smtpd_sasl_auth_enable=yes # on"));
    assert!(Path::new("fixtures/discover/variants/docker-data/dms/config").is_dir());
}
