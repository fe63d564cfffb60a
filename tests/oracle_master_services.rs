//! Real Postfix decides `undefined-service` on the postlog service. `postfix check` (and
//! `postfix start`, which runs the same check-fatal step of postfix-script) with
//! `maillog_file` set and no `postlog unix-dgram` service in master.cf stops with "fatal:
//! missing 'postlog' service in master.cf"; with the service, or with logging to syslog
//! (`maillog_file` empty), it passes. postlint reports the first setup only. Each setup is one
//! of the fixtures in fixtures/undefined-service, run with its own queue and data directory and
//! `maillog_file = /dev/stdout`, where postfix-script's messages show.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

/// `postfix -c DIR check` on a copy of the fixture: its exit status and what it printed.
fn postfix_check(fixture: &str) -> (bool, String) {
    let scratch = smtp::Scratch::new_in(Path::new("/tmp"), "postlint-services-");
    let conf = scratch.conf();
    common::copy_tree(
        &Path::new("fixtures/undefined-service").join(fixture),
        &conf,
    );
    let main = std::fs::read_to_string(conf.join("main.cf")).unwrap();
    let logs_to_file = main.lines().any(|l| l.starts_with("maillog_file = /"));
    let mut main = main;
    main.push_str(&format!(
        "queue_directory = {}\ndata_directory = {}\n",
        scratch.queue().display(),
        scratch.data().display()
    ));
    if logs_to_file {
        main.push_str("maillog_file = /dev/stdout\n");
    }
    std::fs::write(conf.join("main.cf"), main).unwrap();
    let out = std::process::Command::new("postfix")
        .arg("-c")
        .arg(&conf)
        .arg("check")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn postfix_refuses_to_start_with_maillog_file_and_no_postlog() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let fatal = "missing 'postlog' service in master.cf";
    // (fixture, `postfix check` passes, postlint's findings)
    let cases = [
        ("trigger-maillog-file-without-postlog", false, 1),
        ("ok-maillog-file-with-postlog", true, 0),
        ("ok-syslog-without-postlog", true, 0),
    ];
    for (fixture, passes, findings) in cases {
        let (ok, text) = postfix_check(fixture);
        println!("{fixture}: postfix check {ok}: {}", text.trim());
        assert_eq!(ok, passes, "{fixture}: {text}");
        assert_eq!(text.contains(fatal), !passes, "{fixture}: {text}");
        let dir = Path::new("fixtures/undefined-service").join(fixture);
        let lines = smtp::postlint_lines(&dir, "undefined-service");
        assert_eq!(
            lines.len(),
            findings,
            "{fixture}: postlint reports {lines:?}"
        );
    }
}
