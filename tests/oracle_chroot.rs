//! Real Postfix decides `socket-outside-chroot`: a Postfix on loopback gets
//! `smtpd_milters = unix:/ABSOLUTE/milter.sock`, where the test listens (and hangs up at once).
//! With the smtpd service chrooted, smtpd looks for the socket inside its queue directory and
//! logs "No such file or directory"; unchrooted, it reaches the listener. postlint, linting the
//! same directory as the live configuration, reports the chrooted case only.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

use postlint::model::LoadOptions;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::Scratch;

fn port() -> u16 {
    common::env_number("POSTLINT_CHROOT_ORACLE_PORT", 28_880) as u16
}

/// The maillog of one message through an smtpd with the milter, chrooted or not, and the
/// number of socket-outside-chroot findings on the setup linted as the live system.
/// With `inside_too`, a listener at the same path under the queue directory as well (a bind
/// mount's effect).
fn send(port: u16, chroot: &str, inside_too: bool) -> (String, usize) {
    send_with(port, chroot, inside_too, "smtpd_milters = unix:SOCKET\n").1
}

/// [`send`] with the main.cf line that names the socket (`SOCKET` in it is its path): the
/// reply codes, the maillog and the findings.
fn send_with(port: u16, chroot: &str, inside_too: bool, line: &str) -> (Vec<u16>, (String, usize)) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-chroot-");
    let conf = scratch.conf();
    let socket = scratch.root.join("milter.sock");
    let mut places = vec![socket.clone()];
    if inside_too {
        let relative = socket.strip_prefix("/").unwrap();
        let inside = scratch.queue().join(relative);
        std::fs::create_dir_all(inside.parent().unwrap()).unwrap();
        places.push(inside);
    }
    for place in &places {
        let listener = std::os::unix::net::UnixListener::bind(place).unwrap();
        // Any client may connect: smtpd runs as postfix.
        std::process::Command::new("chmod")
            .arg("0777")
            .arg(place)
            .status()
            .unwrap();
        // Hang up on the first client: the milter protocol is not what this test is about.
        std::thread::spawn(move || {
            let _ = listener.accept();
        });
    }
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str("compatibility_level = 3.6\nmydestination = $myhostname, example.com\n");
    main.push_str("local_recipient_maps =\n");
    main.push_str(&line.replace("SOCKET", &socket.display().to_string()));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - {chroot} - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let options = LoadOptions {
        config_dir: Some(conf.clone()),
        live: Some(true),
        target: Some(postlint::model::version::Target::newest()),
        ..Default::default()
    };
    let rule = postlint::rules::find("socket-outside-chroot").unwrap();
    let findings = postlint::lint(&options, &[rule]).unwrap().findings.len();
    let commands = [
        "EHLO client.example",
        "MAIL FROM:<sender@client.example>",
        "RCPT TO:<anyone@example.com>",
    ];
    let (codes, log) = smtp::session(&scratch, port, &commands, Duration::from_secs(10));
    println!("chroot {chroot}, inside too: {inside_too}: {findings} findings; maillog:\n{log}");
    (codes, (log, findings))
}

#[test]
fn a_chrooted_smtpd_cannot_reach_a_milter_socket_outside_its_queue_directory() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let missing = "No such file or directory";
    // Reached: the listener hung up during the milter handshake.
    let reached = "initial handshake";
    let (log, findings) = send(port(), "y", false);
    assert!(
        log.contains("connect to Milter service") && log.contains(missing),
        "chrooted smtpd:\n{log}"
    );
    assert!(!log.contains(reached), "chrooted smtpd:\n{log}");
    assert_eq!(findings, 1, "chrooted smtpd");
    let (log, findings) = send(port() + 1, "n", false);
    assert!(
        !log.contains(missing) && log.contains(reached),
        "unchrooted smtpd reaches the socket:\n{log}"
    );
    assert_eq!(findings, 0, "unchrooted smtpd");
    let (log, findings) = send(port() + 2, "y", true);
    assert!(
        !log.contains(missing) && log.contains(reached),
        "chrooted smtpd reaches the socket inside its queue directory:\n{log}"
    );
    assert_eq!(findings, 0, "the socket inside the queue directory too");
}

/// The same for a policy server: a chrooted smtpd cannot connect to it and answers RCPT with
/// 451 "Server configuration problem"; unchrooted, it reaches the listener.
#[test]
fn a_chrooted_smtpd_cannot_reach_a_policy_server_outside_its_queue_directory() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let line = "smtpd_recipient_restrictions = reject_unauth_destination, \
                check_policy_service unix:SOCKET\n";
    let (codes, (log, findings)) = send_with(port() + 3, "y", false, line);
    assert!(
        log.contains("No such file or directory"),
        "chrooted smtpd:\n{log}"
    );
    assert_eq!(codes[2], 451, "RCPT, chrooted smtpd:\n{log}");
    assert_eq!(findings, 1, "chrooted smtpd");
    let (_, (log, findings)) = send_with(port() + 4, "n", false, line);
    assert!(
        !log.contains("No such file or directory"),
        "unchrooted smtpd:\n{log}"
    );
    assert_eq!(findings, 0, "unchrooted smtpd");
}
