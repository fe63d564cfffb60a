//! Real Postfix shows what `password-in-main-cf` says: `postconf -n` (main.cf) and
//! `postconf -P` (master.cf `-o`) print the relay password of every setup postlint reports,
//! and of none it leaves alone (a main.cf template rendered first, with a password for the
//! expression that names one); and Postfix 3.7 still reads the settings of the obsolete
//! `ldap:NAME` form from main.cf, so `NAME_bind_pw` there is the password it binds with.
//!
//! Needs Postfix 3.7 (and postfix-ldap for the LDAP case); without them it says "skipped",
//! unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::process::Command;

mod common;
use common::{backdate, postconf_copy, run};

/// The passwords the rule's fixtures write.
const PASSWORDS: &[&str] = &["s3cretpass", "an0therpass", "ldapsecret99"];

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/password-in-main-cf");
    let mut cases: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// How many password-in-main-cf findings postlint reports on `dir`.
fn reported(dir: &Path) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(["--select", "password-in-main-cf", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["diagnostics"].as_array().map_or(0, Vec::len)
}

/// A main.cf template rendered as its role would render it: each `{{ ... }}` that names a
/// password becomes a password of [`PASSWORDS`], any other a plain word.
fn render(dir: &Path) {
    let path = dir.join("main.cf");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let expression = &rest[start..start + len + 2];
        out.push_str(&rest[..start]);
        out.push_str(match expression.contains("pass") {
            true => PASSWORDS[0],
            false => "relayuser",
        });
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    std::fs::write(&path, out).unwrap();
    backdate(dir);
}

#[test]
fn postconf_prints_the_password_of_every_setup_postlint_reports() {
    if !common::postfix_available() {
        return;
    }
    let (mut triggers, mut near_misses) = (0, 0);
    for case in fixtures() {
        let copy = postconf_copy(&case);
        render(copy.path());
        let dir = copy.path().to_string_lossy().into_owned();
        let (ok_n, main_out, err_n) = run("postconf", &["-c", &dir, "-n"]);
        let (ok_p, master_out, err_p) = run("postconf", &["-c", &dir, "-P"]);
        assert!(ok_n && ok_p, "{}: {err_n}{err_p}", case.display());
        let printed = PASSWORDS
            .iter()
            .any(|pw| main_out.contains(pw) || master_out.contains(pw));
        let findings = reported(&case);
        assert_eq!(
            findings > 0,
            printed,
            "{}: postlint reports {findings}, postconf -n/-P prints a password: {printed}",
            case.display()
        );
        if printed {
            triggers += 1;
        } else {
            near_misses += 1;
        }
    }
    assert!(
        triggers >= 5 && near_misses >= 5,
        "{triggers} and {near_misses} cases"
    );
}

#[test]
fn the_obsolete_ldap_form_binds_with_main_cf_settings() {
    if !common::postfix_has_types(&["ldap"]) {
        return;
    }
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/password-in-main-cf/trigger-ldap-bind-pw-in-main-cf");
    assert_eq!(reported(&case), 1);
    let temp = tempfile::tempdir().unwrap();
    // A server that never answers: the client says which DN it bound with, then gives up.
    let main = std::fs::read_to_string(case.join("main.cf"))
        .unwrap()
        .replace("ldap.example.com", "127.0.0.1:1");
    std::fs::write(temp.path().join("main.cf"), main).unwrap();
    backdate(temp.path());
    let dir = temp.path().to_string_lossy().into_owned();
    let (_, _, stderr) = run(
        "postmap",
        &["-c", &dir, "-q", "bob@example.com", "ldap:ldapsource"],
    );
    assert!(
        stderr.contains("with dn cn=postfix,dc=example,dc=com"),
        "the LDAP client did not take ldapsource_bind_dn from main.cf: {stderr}"
    );
}
