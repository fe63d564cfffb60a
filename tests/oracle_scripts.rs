//! Real Postfix decides what a Dockerfile's `RUN postconf -e ...` writes into main.cf. Each
//! case's `RUN` line (or the body of a `RUN <<EOF` here-document) is run by `sh` with MAIL_CONFIG pointing at a copy of the image's main.cf
//! (postconf edits that copy), and `postconf -n` then prints what it set. `postlint
//! --discover --verbose` on a repository with that main.cf and a Dockerfile that copies it
//! into the image and then runs the line must take exactly those parameters, with exactly those
//! values, as set by the Dockerfile.
//!
//! Needs Postfix; without it the test says "skipped", unless POSTLINT_ORACLE=required.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

mod common;
#[path = "common/run.rs"]
mod run;

const MAIN_CF: &str = "compatibility_level = 3.6\nmydestination = localhost\n\
                       smtpd_tls_auth_only = yes\nmessage_size_limit = 10240000\n";

/// `RUN` lines whose settings are written out in full: every one is known to postlint.
const CASES: &[&str] = &[
    r#"postconf -e "smtpd_tls_auth_only = no""#,
    r#"postconf -e 'smtpd_banner = $myhostname ESMTP' relayhost="#,
    r#"postconf 'mynetworks = 127.0.0.0/8 [::1]/128'"#,
    r#"postconf -e "  message_size_limit=  0  ""#,
    r#"postconf -e mydestination=localhost,example.com && postconf -e "smtpd_helo_required=yes""#,
    r#"postconf -e 'smtpd_milters = inet:127.0.0.1:8891' 'milter_macro_daemon_name=ORIGINATING'"#,
    r#"postconf -e 'smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination'; postconf -e "maillog_file=/dev/stdout""#,
    // Set twice: the last setting is the one postconf leaves.
    r#"postconf -e mynetworks=10.0.0.0/8 && postconf -e "mynetworks = 0.0.0.0/0""#,
];

/// Bodies of `RUN <<EOF` here-documents (BuildKit): shell scripts whose settings are written
/// out in full, outside any condition.
const HEREDOC_CASES: &[&str] = &[
    "set -e\npostconf -e \"smtpd_tls_auth_only = no\"",
    "postconf -e 'smtpd_banner = $myhostname ESMTP' \\\n    relayhost=\n# a comment\npostconf -e message_size_limit=0",
    "postconf -e message_size_limit=0\npostconf -e 'relayhost = [a.example]:587'\npostconf -e message_size_limit=2048000",
];

/// `postconf -n` of a configuration directory, as name → value.
fn settings(dir: &Path) -> BTreeMap<String, String> {
    let (ok, out, err) = common::run("postconf", &["-c", &dir.to_string_lossy(), "-n"]);
    assert!(ok, "postconf -n: {err}");
    out.lines()
        .filter_map(|l| {
            l.split_once(" = ")
                .or_else(|| l.strip_suffix(" =").map(|n| (n, "")))
        })
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn postlint_reads_what_postconf_writes() {
    if !common::postfix_available() {
        return;
    }
    let cases = CASES
        .iter()
        .map(|case| (format!("RUN {case}"), case.to_string()))
        .chain(
            HEREDOC_CASES
                .iter()
                .map(|body| (format!("RUN <<EOF\n{body}\nEOF"), body.to_string())),
        );
    for (run, case) in cases {
        // What Postfix's postconf sets, run as the Dockerfile would run it.
        let conf = tempfile::tempdir().unwrap();
        std::fs::write(conf.path().join("main.cf"), MAIN_CF).unwrap();
        std::fs::write(conf.path().join("master.cf"), "").unwrap();
        let before = settings(conf.path());
        let status = Command::new("sh")
            .arg("-c")
            .arg(&case)
            .env("MAIL_CONFIG", conf.path())
            .status()
            .unwrap();
        assert!(status.success(), "{case}");
        let after = settings(conf.path());
        let set: BTreeMap<&str, &str> = after
            .iter()
            .filter(|(n, v)| before.get(*n) != Some(*v))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert!(!set.is_empty(), "{case}: postconf set nothing");

        // What postlint takes the image's main.cf to say.
        let repo = tempfile::tempdir().unwrap();
        let image = repo.path().join("image");
        std::fs::create_dir_all(&image).unwrap();
        std::fs::write(image.join("main.cf"), MAIN_CF).unwrap();
        std::fs::write(image.join("master.cf"), "smtp inet n - n - - smtpd\n").unwrap();
        std::fs::write(
            image.join("Dockerfile"),
            format!("FROM debian\nCOPY main.cf master.cf /etc/postfix/\n{run}\n"),
        )
        .unwrap();
        let (_, _, err) = run::run(repo.path(), &["--discover", "--verbose"]);
        let known: BTreeMap<&str, &str> = err
            .lines()
            .filter_map(|l| l.strip_prefix("postlint: "))
            .filter(|l| l.contains(" when the image is built: "))
            .filter_map(|l| {
                l.split_once(" when the image is built: ")?
                    .1
                    .split_once(" = ")
            })
            .collect();
        println!("{run}\n  postconf: {set:?}\n  postlint: {known:?}");
        assert_eq!(known, set, "{run}\n{err}");
        assert!(
            !err.contains("set by set-up scripts") && !err.contains("its value is unknown"),
            "{run}: a setting taken as unknown\n{err}"
        );
    }
}
