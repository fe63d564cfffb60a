//! Real Postfix decides `undefined-service` on the postlog service, on Postfix's own
//! services (below: without rewrite, smtpd never answers RCPT TO) and on the default
//! transport of a class in use (without local, mail for mydestination waits in the queue). `postfix check` (and
//! `postfix start`, which runs the same check-fatal step of postfix-script) with
//! `maillog_file` set and no `postlog unix-dgram` service in master.cf stops with "fatal:
//! missing 'postlog' service in master.cf"; with the service, or with logging to syslog
//! (`maillog_file` empty), it passes. postlint reports the first setup only. Each setup is one
//! of the fixtures in fixtures/undefined-service, run with its own queue and data directory and
//! `maillog_file = /dev/stdout`, where postfix-script's messages show.
//! Two inet entries with one endpoint (`127.0.0.1:PORT` and `[127.0.0.1]:0PORT`) are one
//! service to the master daemon: it runs the last one (a client meets its banner), as
//! postlint's invalid-syntax finding on the first says.
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

fn port() -> u16 {
    common::env_number("POSTLINT_SERVICES_ORACLE_PORT", 28_760) as u16
}

/// A Postfix configuration on loopback whose master.cf is Postfix's own without `missing`,
/// with example.com local (mydestination) and every local address taken, and postlint's
/// undefined-service findings on it.
fn setup_without(missing: &str, port: u16) -> (smtp::Scratch, Vec<String>) {
    setup_with_smtpd_options(missing, port, "")
}

/// setup_without() with `options` (`  -o name=value` lines) under the smtpd service.
fn setup_with_smtpd_options(
    missing: &str,
    port: u16,
    options: &str,
) -> (smtp::Scratch, Vec<String>) {
    let scratch = smtp::Scratch::new_in(Path::new("/tmp"), "postlint-services-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str("compatibility_level = 3.6\nmydestination = $myhostname, example.com\n");
    main.push_str("local_recipient_maps =\n");
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let master: String = smtp::base_master_cf()
        .lines()
        .filter(|l| l.split_whitespace().next() != Some(missing))
        .map(|l| format!("{l}\n"))
        .collect();
    let master = format!("{master}127.0.0.1:{port} inet n - n - - smtpd\n{options}");
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let findings: Vec<String> = smtp::postlint_findings(&conf, "undefined-service")
        .iter()
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect();
    (scratch, findings)
}

/// setup_without(): the reply to RCPT TO for a local address (0: none within the client's
/// timeout), the maillog, and postlint's findings.
fn rcpt_without(missing: &str, port: u16) -> (u16, String, Vec<String>) {
    let (scratch, findings) = setup_without(missing, port);
    let commands = [
        "EHLO client.example",
        "MAIL FROM:<sender@client.example>",
        "RCPT TO:<anyone@example.com>",
    ];
    let (codes, log) = smtp::session(&scratch, port, &commands, std::time::Duration::from_secs(8));
    let code = codes[2];
    println!("without {missing:?}: RCPT {code}; postlint: {findings:?}");
    (code, log, findings)
}

/// Without the rewrite service (trivial-rewrite), smtpd cannot resolve a recipient: RCPT TO
/// gets no 250 and the log says "connect to private/rewrite". With Postfix's whole master.cf
/// it gets 250. postlint reports the first only.
#[test]
fn a_master_cf_without_postfix_s_own_services_takes_no_mail() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (code, log, findings) = rcpt_without("rewrite", port());
    assert_ne!(code, 250, "without rewrite:\n{log}");
    assert!(log.contains("private/rewrite"), "{log}");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains("`rewrite`"), "{findings:?}");

    let (code, log, findings) = rcpt_without("nothing-missing", port() + 1);
    assert_eq!(code, 250, "Postfix's own master.cf:\n{log}");
    assert_eq!(findings, Vec::<String>::new());
}

/// Without the `local` service, and local_transport not written (so `local:$myhostname`): smtpd
/// takes a message for a local address, and the queue manager cannot hand it on: it logs
/// "connect to transport private/local: No such file or directory" and the message stays in
/// the queue. With Postfix's own master.cf, local(8) takes it (and bounces it here: there is
/// no such user). postlint reports the first only, once. The same with `-o
/// local_transport=error:nowhere` on the smtpd service: smtpd does not resolve addresses, the
/// message still waits for `local`, and postlint still reports it.
#[test]
fn mail_for_a_local_domain_waits_without_the_local_service() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let needle = "connect to transport private/local";
    // An `-o local_transport` on smtpd, which does not resolve addresses, changes nothing.
    let on_smtpd = "  -o local_transport=error:nowhere\n";
    for (missing, port, options, stuck) in [
        ("local", port() + 2, "", true),
        ("nothing-missing", port() + 3, "", false),
        ("local", port() + 4, on_smtpd, true),
    ] {
        let (scratch, findings) = setup_with_smtpd_options(missing, port, options);
        let mut postfix =
            smtp::Postfix::start(&scratch.conf(), &scratch.queue(), &scratch.maillog())
                .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
        smtp::send_message(port, &scratch, &["anyone@example.com"], "class transports")
            .unwrap_or_else(|e| panic!("without {missing:?}: {e}"));
        // qmgr hands the message on at once: local(8) logs its status, or qmgr the warning.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let log = loop {
            let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
            if log.contains(needle)
                || log.contains("postfix/local")
                || std::time::Instant::now() > deadline
            {
                break log;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        postfix.stop();
        println!(
            "without {missing:?}: logged {}; postlint: {findings:?}",
            log.contains(needle)
        );
        assert_eq!(log.contains(needle), stuck, "without {missing:?}:\n{log}");
        assert_eq!(
            log.contains("postfix/local"),
            !stuck,
            "without {missing:?}:\n{log}"
        );
        let local: Vec<&String> = findings.iter().filter(|f| f.contains("`local`")).collect();
        assert_eq!(
            local.len(),
            usize::from(stuck),
            "without {missing:?}: {findings:?}"
        );
        assert_eq!(findings.len(), local.len(), "{findings:?}");
    }
}

/// `127.0.0.1:PORT` and then `[127.0.0.1]:0PORT`, each smtpd with a banner of its own: the
/// client on the port meets the second one's banner, and postlint reports the first entry as
/// replaced by the second, one endpoint.
#[test]
fn two_names_of_one_endpoint_are_one_service_and_the_last_runs() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let port = port() + 10;
    let scratch = smtp::Scratch::new_in(Path::new("/tmp"), "postlint-services-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str("compatibility_level = 3.6\nmydestination = $myhostname, example.com\n");
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let master = format!(
        "{}127.0.0.1:{port} inet n - n - - smtpd\n  -o {{ smtpd_banner = $myhostname FIRST-ENTRY }}\n\
         [127.0.0.1]:0{port} inet n - n - - smtpd\n  -o {{ smtpd_banner = $myhostname SECOND-ENTRY }}\n",
        smtp::base_master_cf()
    );
    std::fs::write(conf.join("master.cf"), &master).unwrap();
    common::backdate(&conf);
    let first_line = master
        .lines()
        .position(|l| l.starts_with("127.0.0.1:"))
        .unwrap() as u64
        + 1;
    let findings: Vec<(u64, String)> = smtp::postlint_findings(&conf, "invalid-syntax")
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();

    let mut postfix = smtp::Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let greeting = smtp::Client::connect(
        port,
        &scratch.maillog(),
        "postfix",
        std::time::Duration::from_secs(10),
    );
    let banner = match greeting {
        Ok(smtp::Greeting::Banner(_, banner)) => banner.last().to_string(),
        Ok(smtp::Greeting::Fatal(line)) => panic!("smtpd: {line}"),
        Err(e) => panic!("connect: {e}; {}", postfix.diagnosis(&scratch.maillog())),
    };
    postfix.stop();
    println!("banner {banner:?}; postlint: {findings:?}");
    assert!(banner.contains("SECOND-ENTRY"), "{banner}");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, first_line, "{findings:?}");
    assert!(findings[0].1.contains("the same endpoint"), "{findings:?}");
}
