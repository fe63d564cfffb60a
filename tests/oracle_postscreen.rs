//! Real Postfix decides `postscreen-not-running`: postscreen's settings count only where
//! master.cf runs postscreen. A Postfix on loopback gets `postscreen_access_list` with a CIDR
//! table that rejects 127.0.0.1, `postscreen_denylist_action = drop` and
//! `postscreen_greet_action = enforce`. With postscreen on the port (and `smtpd pass` behind
//! it) the client is dropped with `521 5.3.2`; with the same main.cf and smtpd on the port it
//! gets smtpd's `220` banner: the settings did nothing. postlint reports the second setup and
//! not the first.
//!
//! It also decides `undefined-service` on the services postscreen hands work to: without
//! `smtpd pass` postscreen answers the client's first command `421 4.3.2 All server ports are
//! busy`; with DNSBL sites and no dnsblog service it logs "connect to private/dnsblog service"
//! and lets the client through unscored; with both services, neither. postlint reports the
//! first two setups only. And tlsproxy: with a deep protocol test and TLS offered, postscreen
//! answers STARTTLS itself and needs it (454 without it).
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;
#[path = "common/tls.rs"]
mod tls;

use smtp::{Client, Greeting, Postfix, Scratch};

fn port() -> u16 {
    common::env_number("POSTLINT_POSTSCREEN_ORACLE_PORT", 28_690) as u16
}

/// The reply code a client on 127.0.0.1 meets on the port (postscreen's, or smtpd's
/// banner), and the lines postlint reports.
fn greeting(with_postscreen: bool, port: u16) -> (u16, Vec<u64>) {
    let main = "postscreen_access_list = cidr:${config_directory}/postscreen_access.cidr\n\
                postscreen_denylist_action = drop\n\
                postscreen_greet_action = enforce\n";
    let master = match with_postscreen {
        true => format!(
            "127.0.0.1:{port} inet n - n - 1 postscreen\n\
             smtpd pass - - n - - smtpd\n"
        ),
        false => format!("127.0.0.1:{port} inet n - n - - smtpd\n"),
    };
    let files = [("postscreen_access.cidr", "127.0.0.1/32 reject\n")];
    let run = run_postfix(
        port,
        main,
        &master,
        &files,
        "postscreen-not-running",
        &[],
        &[],
    );
    println!(
        "{}: the client on 127.0.0.1 got {}; postlint reports lines {:?}",
        if with_postscreen {
            "postscreen"
        } else {
            "smtpd"
        },
        run.code,
        run.lines
    );
    (run.code, run.lines)
}

/// What one run of Postfix on 127.0.0.1:`port` showed.
struct Run {
    /// The banner's code, or the reply to the client's last command (0: the connection
    /// closed).
    code: u16,
    log: String,
    /// The lines of the rule's findings.
    lines: Vec<u64>,
}

/// Starts Postfix with `main_extra` in main.cf, `services` in master.cf and `files` in the
/// configuration directory; connects a client and sends `commands` (`code` is the reply to
/// the last, or the banner's code without commands). Postfix writes its maillog through
/// postlogd, after the daemon has answered: when `wait_for` is not empty, Postfix runs until
/// a maillog line contains one of these (at most 10 s), so that stopping it does not lose
/// the line a test asserts on.
fn run_postfix(
    port: u16,
    main_extra: &str,
    services: &str,
    files: &[(&str, &str)],
    rule: &str,
    commands: &[&str],
    wait_for: &[&str],
) -> Run {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-postscreen-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str("compatibility_level = 3.6\nmydestination = $myhostname\n");
    main.push_str(main_extra);
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    for (name, text) in files {
        std::fs::write(conf.join(name), text).unwrap();
    }
    let mut master = smtp::base_master_cf();
    master.push_str(services);
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let lines = smtp::postlint_lines(&conf, rule);

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let code = match Client::connect(port, &scratch.maillog(), "postfix", Duration::from_secs(10)) {
        Ok(Greeting::Banner(mut client, reply)) => {
            let mut code = reply.code;
            for command in commands {
                code = client.command(command).map_or(0, |r| r.code);
            }
            code
        }
        Ok(Greeting::Fatal(line)) => panic!("fatal: {line}"),
        Err(e) => panic!("connect: {e}"),
    };
    if !wait_for.is_empty() {
        tls::wait_for_log(&scratch.maillog(), wait_for, Duration::from_secs(10));
    }
    postfix.stop();
    let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    Run { code, log, lines }
}

#[test]
fn postscreen_settings_work_only_with_postscreen_running() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (code, lines) = greeting(true, port());
    assert_eq!(code, 521, "postscreen did not drop the listed client");
    assert_eq!(lines, Vec::<u64>::new(), "postlint reports {lines:?}");

    let (code, lines) = greeting(false, port() + 1);
    assert_eq!(code, 220, "smtpd did not greet the client");
    // The access list alone is not counted (it stays behind when postscreen is turned off on
    // purpose); the greeting test is, at its line.
    assert_eq!(lines.len(), 1, "postlint reports {lines:?}");
}

/// A postscreen on 127.0.0.1:`port` with `services` after it in master.cf and `main_extra` in
/// main.cf, a client that sends `commands`, and undefined-service's findings (`wait_for` as
/// for [`run_postfix`]).
fn postscreen_run(
    port: u16,
    services: &str,
    main_extra: &str,
    commands: &[&str],
    wait_for: &[&str],
) -> Run {
    let main = format!("postscreen_access_list =\npostscreen_greet_wait = 1s\n{main_extra}");
    let master = format!("127.0.0.1:{port} inet n - n - 1 postscreen\n{services}");
    run_postfix(
        port,
        &main,
        &master,
        &[],
        "undefined-service",
        commands,
        wait_for,
    )
}

/// `postscreen_run` with the client's EHLO: its reply (0: the connection closed), the
/// maillog, and the lines of undefined-service. postscreen sends its `220-` banner at once
/// and any 421 only at the first command.
fn postscreen_with(
    port: u16,
    services: &str,
    main_extra: &str,
    wait_for: &[&str],
) -> (u16, String, Vec<u64>) {
    let run = postscreen_run(
        port,
        services,
        main_extra,
        &["EHLO client.example"],
        wait_for,
    );
    println!(
        "{services:?}: EHLO got {}; postlint reports lines {:?}",
        run.code, run.lines
    );
    (run.code, run.log, run.lines)
}

/// undefined-service on the services postscreen hands its work to. Without `smtpd pass`,
/// postscreen answers every client's first command `421 4.3.2 All server ports are busy`;
/// without dnsblog it logs "connect to private/dnsblog service" and lets the client through
/// unscored (smtpd answers EHLO with 250); with both, 250 and no such warning; with both
/// public (private field `n`), 421 and the warning, as if they were not there. postlint reports the first two setups (one
/// finding each) and not the third.
#[test]
fn postscreen_needs_its_pass_and_dnsblog_services() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let sites = "postscreen_dnsbl_sites = list.example.invalid=127.0.0.2\n";
    let pass = "smtpd pass - - n - - smtpd\n";
    let dnsblog = "dnsblog unix - - n - 0 dnsblog\n";
    let refused = "connect to private/dnsblog service";
    let no_smtpd = "cannot connect to service private/smtpd";

    let (code, log, lines) = postscreen_with(port() + 10, "", "", &[no_smtpd]);
    assert_eq!(code, 421, "postscreen without its pass service:\n{log}");
    assert!(log.contains(no_smtpd), "{log}");
    assert_eq!(lines.len(), 1, "postlint reports {lines:?}");

    let (code, log, lines) = postscreen_with(port() + 11, pass, sites, &[refused]);
    assert_eq!(code, 250, "postscreen with its pass service:\n{log}");
    assert!(log.contains(refused), "no failed DNSBL request:\n{log}");
    assert_eq!(lines.len(), 1, "postlint reports {lines:?}");

    let (code, log, lines) = postscreen_with(port() + 12, &format!("{pass}{dnsblog}"), sites, &[]);
    assert_eq!(code, 250, "{log}");
    assert!(!log.contains(refused), "{log}");
    assert_eq!(lines, Vec::<u64>::new(), "postlint reports {lines:?}");

    // Both services public (private field `n`): their sockets are in public/, and postscreen
    // connects to private/.
    let public = "smtpd pass n - n - - smtpd
dnsblog unix n - n - 0 dnsblog
";
    let (code, log, lines) = postscreen_with(port() + 13, public, sites, &[refused]);
    assert_eq!(code, 421, "postscreen with a public pass service:\n{log}");
    assert!(log.contains(refused), "{log}");
    assert_eq!(lines.len(), 2, "postlint reports {lines:?}");
}

/// undefined-service on tlsproxy. postscreen's deep protocol tests (here
/// `postscreen_pipelining_enable = yes`) make postscreen speak SMTP itself, and with
/// `postscreen_tls_security_level` (by default smtpd's, `may` here) it offers STARTTLS, which
/// it hands to the tlsproxy service. Without tlsproxy, STARTTLS gets `454 4.7.0 TLS not
/// available due to local problem` and postscreen logs "connect to private/tlsproxy service";
/// with tlsproxy (and the certificate smtpd has), `220`. Without deep tests the client's EHLO
/// and STARTTLS go to smtpd, and no tlsproxy is needed; with postscreen's level `none`,
/// postscreen offers no STARTTLS. postlint reports the first setup only.
#[test]
fn postscreen_deep_tests_with_starttls_need_tlsproxy() {
    if !common::postfix_available()
        || !common::runs_or_says_skipped(
            smtp::can_run_postfix().and_then(|()| tls::openssl_available()),
        )
    {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = tls::self_signed(certs.path()).unwrap();
    let tls_main = format!(
        "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\n",
        cert.display(),
        key.display()
    );
    let deep = format!("{tls_main}postscreen_pipelining_enable = yes\n");
    let pass = "smtpd pass - - n - - smtpd\n";
    let tlsproxy = "tlsproxy unix - - n - 0 tlsproxy\n";
    let refused = "connect to private/tlsproxy service";
    let starttls = |port: u16, services: &str, main_extra: &str, wait_for: &[&str]| {
        let commands = ["EHLO client.example", "STARTTLS"];
        let run = postscreen_run(port, services, main_extra, &commands, wait_for);
        println!(
            "{services:?} {main_extra:?}: STARTTLS got {}; postlint reports lines {:?}",
            run.code, run.lines
        );
        run
    };

    let with_tlsproxy = format!("{pass}{tlsproxy}");
    let no_tls = format!("{deep}postscreen_tls_security_level = none\n");
    // (what, master.cf services, main.cf, STARTTLS's reply, tlsproxy refused, findings):
    // deep tests without tlsproxy, with it, no deep tests (smtpd answers), postscreen's level
    // none (STARTTLS is no command there: 502).
    let cases = [
        ("deep tests without tlsproxy", pass, &deep, 454, true, 1),
        (
            "deep tests with tlsproxy",
            with_tlsproxy.as_str(),
            &deep,
            220,
            false,
            0,
        ),
        ("smtpd behind postscreen", pass, &tls_main, 220, false, 0),
        ("postscreen's level none", pass, &no_tls, 502, false, 0),
    ];
    for (i, (what, services, main, code, refused_logged, findings)) in cases.iter().enumerate() {
        let wait_for: &[&str] = if *refused_logged { &[refused] } else { &[] };
        let run = starttls(port() + 20 + i as u16, services, main, wait_for);
        assert_eq!(run.code, *code, "{what}:\n{}", run.log);
        assert_eq!(
            run.log.contains(refused),
            *refused_logged,
            "{what}:\n{}",
            run.log
        );
        assert_eq!(
            run.lines.len(),
            *findings,
            "{what}: postlint reports {:?}",
            run.lines
        );
    }
}
