//! Real Postfix decides `postscreen-not-running`: postscreen's settings count only where
//! master.cf runs postscreen. A Postfix on loopback gets `postscreen_access_list` with a CIDR
//! table that rejects 127.0.0.1, `postscreen_denylist_action = drop` and
//! `postscreen_greet_action = enforce`. With postscreen on the port (and `smtpd pass` behind
//! it) the client is dropped with `521 5.3.2`; with the same main.cf and smtpd on the port it
//! gets smtpd's `220` banner: the settings did nothing. postlint reports the second setup and
//! not the first.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::Duration;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Client, Greeting, Postfix, Scratch};

fn port() -> u16 {
    common::env_number("POSTLINT_POSTSCREEN_ORACLE_PORT", 28_690) as u16
}

/// The reply code a client on 127.0.0.1 meets on the port (postscreen's, or smtpd's
/// banner), and the lines postlint reports.
fn greeting(with_postscreen: bool, port: u16) -> (u16, Vec<u64>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-postscreen-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(
        "compatibility_level = 3.6\n\
         mydestination = $myhostname\n\
         postscreen_access_list = cidr:${config_directory}/postscreen_access.cidr\n\
         postscreen_denylist_action = drop\n\
         postscreen_greet_action = enforce\n",
    );
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    std::fs::write(conf.join("postscreen_access.cidr"), "127.0.0.1/32 reject\n").unwrap();
    let mut master = smtp::base_master_cf();
    if with_postscreen {
        master.push_str(&format!(
            "127.0.0.1:{port} inet n - n - 1 postscreen\n\
             smtpd pass - - n - - smtpd\n"
        ));
    } else {
        master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    }
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let lines = smtp::postlint_lines(&conf, "postscreen-not-running");

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let code = match Client::connect(port, &scratch.maillog(), "postfix", Duration::from_secs(10)) {
        Ok(Greeting::Banner(_, reply)) => reply.code,
        Ok(Greeting::Fatal(line)) => panic!("fatal: {line}"),
        Err(e) => panic!("connect: {e}"),
    };
    postfix.stop();
    println!(
        "{}: the client on 127.0.0.1 got {code}; postlint reports lines {lines:?}",
        if with_postscreen {
            "postscreen"
        } else {
            "smtpd"
        }
    );
    (code, lines)
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
