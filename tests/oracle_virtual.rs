//! Real Postfix decides `absolute-mailbox-path` and `virtual-without-mailbox-maps`.
//!
//! `absolute-mailbox-path`: virtual(8), delivering into Maildirs under a
//! scratch virtual_mailbox_base, puts the base in front of a virtual_mailbox_maps value that
//! starts with `/` as well as of a relative one. A Postfix on loopback gets one message for a
//! mailbox of each kind (over SMTP from a mynetworks client); the test waits for the Maildir
//! files and checks where they landed, and that postlint reports exactly the absolute value.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

/// The uid and gid virtual(8) delivers as (nobody/nogroup on Debian).
const OWNER: u32 = 65534;

fn port() -> u16 {
    common::env_number("POSTLINT_VIRTUAL_ORACLE_PORT", 28_500) as u16
}

/// Files in `dir/new`, the Maildir's new mail, if the directory exists.
fn new_mail(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("new")).map_or(0, |d| d.count())
}

#[test]
fn virtual_prefixes_the_base_to_absolute_paths() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let port = port();
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-virtual-");
    let base = scratch.root.join("vmail");
    std::fs::create_dir(&base).unwrap();
    std::os::unix::fs::chown(&base, Some(OWNER), Some(OWNER)).unwrap();
    let conf = scratch.conf();
    let absolute: PathBuf = base.join("example.org/anna");
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(&format!(
        "compatibility_level = 3.6\n\
         virtual_mailbox_domains = example.org\n\
         virtual_mailbox_base = {}\n\
         virtual_mailbox_maps = texthash:${{config_directory}}/vmailbox\n\
         virtual_uid_maps = static:{OWNER}\n\
         virtual_gid_maps = static:{OWNER}\n\
         virtual_minimum_uid = 100\n",
        base.display()
    ));
    std::fs::write(conf.join("main.cf"), main).unwrap();
    std::fs::write(
        conf.join("vmailbox"),
        format!(
            "anna@example.org   {}/\nbob@example.org    example.org/bob/\n",
            absolute.display()
        ),
    )
    .unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);

    // What postlint says, on the same files.
    let out = Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(["--select", "absolute-mailbox-path", "--format", "json"])
        .arg(&conf)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"].as_str().is_some_and(|p| p.ends_with("vmailbox")))
        .map(|d| d["line"].as_u64().unwrap())
        .collect();

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    for rcpt in ["anna@example.org", "bob@example.org"] {
        smtp::send_message(port, &scratch, &[rcpt], "oracle_virtual")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // `$virtual_mailbox_base/` + the value: the absolute value lands under the base again.
    let doubled = base.join(absolute.strip_prefix("/").unwrap());
    let relative = base.join("example.org/bob");
    let deadline = Instant::now() + Duration::from_secs(20);
    while (new_mail(&doubled) == 0 || new_mail(&relative) == 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    postfix.stop();
    let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    assert_eq!(
        new_mail(&relative),
        1,
        "bob's mail is not in {}:\n{log}",
        relative.display()
    );
    assert_eq!(
        new_mail(&doubled),
        1,
        "anna's mail is not under the base a second time ({}):\n{log}",
        doubled.display()
    );
    assert_eq!(
        new_mail(&absolute),
        0,
        "anna's mail is at the path as written, {}",
        absolute.display()
    );
    assert_eq!(
        lines,
        [1],
        "postlint reports {lines:?}, Postfix shows line 1 only"
    );
}

/// Real Postfix decides `virtual-without-mailbox-maps`: with virtual_mailbox_domains set, no
/// virtual_mailbox_maps and virtual(8) delivering, smtpd accepts a made-up name of the domain
/// (250 at RCPT TO) and virtual(8) bounces the message as an unknown user. postlint reports
/// the virtual_mailbox_domains line, and nothing once the mailboxes are listed.
#[test]
fn virtual_bounces_everything_without_mailbox_maps() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let port = port() + 1;
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-virtual-");
    let base = scratch.root.join("vmail");
    std::fs::create_dir(&base).unwrap();
    std::os::unix::fs::chown(&base, Some(OWNER), Some(OWNER)).unwrap();
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(&format!(
        "compatibility_level = 3.6\n\
         virtual_mailbox_domains = example.org\n\
         virtual_transport = virtual\n\
         virtual_mailbox_base = {}\n\
         virtual_uid_maps = static:{OWNER}\n\
         virtual_gid_maps = static:{OWNER}\n\
         virtual_minimum_uid = 100\n",
        base.display()
    ));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);

    let reported = |conf: &Path| smtp::postlint_lines(conf, "virtual-without-mailbox-maps");
    let lines = reported(&conf);

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    // send_message fails unless smtpd accepts the recipient.
    smtp::send_message(
        port,
        &scratch,
        &["nobody-here@example.org"],
        "oracle_virtual",
    )
    .unwrap_or_else(|e| panic!("smtpd refused a made-up name: {e}"));
    let bounced = |log: &str| {
        log.lines().any(|l| {
            l.contains("to=<nobody-here@example.org>")
                && l.contains("status=bounced")
                && l.contains("unknown user")
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut log = String::new();
    while Instant::now() < deadline {
        log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
        if bounced(&log) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    postfix.stop();
    assert!(
        bounced(&log),
        "virtual(8) did not bounce the message:\n{log}"
    );
    let domains_line = main
        .lines()
        .position(|l| l.starts_with("virtual_mailbox_domains"))
        .unwrap() as u64
        + 1;
    assert_eq!(
        lines,
        [domains_line],
        "postlint reports {lines:?}; Postfix accepts and bounces"
    );

    // The near-miss: with the mailboxes listed, smtpd refuses the made-up name and postlint
    // says nothing.
    main.push_str("virtual_mailbox_maps = texthash:${config_directory}/vmailbox\n");
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    std::fs::write(
        conf.join("vmailbox"),
        "anna@example.org  example.org/anna/\n",
    )
    .unwrap();
    assert_eq!(reported(&conf), Vec::<u64>::new());
}
