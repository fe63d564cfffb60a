//! Real Postfix decides `pipe-recipient-limit`: a Postfix on loopback delivers the virtual
//! mailbox domain through a pipe(8) service with flag D. One message for two recipients is
//! deferred with "pipe flag `D' requires lda_destination_recipient_limit = 1" while the limit
//! is the default (50), and delivered once per recipient with the limit at 1; postlint reports
//! the first setup and not the second. The same service as local(8)'s mailbox_transport
//! delivers both recipients with the default limit, and postlint says nothing.
//!
//! Needs Postfix 3.7 and root; without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

/// The user pipe(8) runs the command as (nobody on Debian).
const OWNER: u32 = 65534;

fn port() -> u16 {
    common::env_number("POSTLINT_PIPE_ORACLE_PORT", 28_600) as u16
}

/// Runs the setup with lda_destination_recipient_limit at `limit` (None: unset, the default
/// 50); returns the lines the command wrote (one per delivery), the maillog, and postlint's
/// lines.
fn deliver(limit: Option<u32>) -> (usize, String, Vec<u64>) {
    deliver_by(limit, Route::VirtualTransport)
}

/// How mail reaches the pipe service.
#[derive(Clone, Copy, PartialEq)]
enum Route {
    /// virtual_transport: the queue manager hands it up to the limit's recipients at once.
    VirtualTransport,
    /// local(8)'s mailbox_transport: local(8) passes each recipient on by itself.
    MailboxTransport,
}

fn deliver_by(limit: Option<u32>, route: Route) -> (usize, String, Vec<u64>) {
    let port = port() + limit.unwrap_or(0) as u16 + 10 * (route == Route::MailboxTransport) as u16;
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-pipe-");
    let out_dir = scratch.root.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::os::unix::fs::chown(&out_dir, Some(OWNER), Some(OWNER)).unwrap();
    let script = scratch.root.join("deliver.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> {}/deliveries\ncat > /dev/null\n",
            out_dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    let rcpts: &[&str] = match route {
        Route::VirtualTransport => {
            main.push_str(
                "compatibility_level = 3.6\n\
                 virtual_mailbox_domains = example.org\n\
                 virtual_mailbox_maps = texthash:${config_directory}/vmailbox\n\
                 virtual_transport = lda\n",
            );
            &["anna@example.org", "bob@example.org"]
        }
        // local(8) passes users without a passwd entry to mailbox_transport too.
        Route::MailboxTransport => {
            main.push_str(
                "compatibility_level = 3.6\n\
                 mydestination = $myhostname\n\
                 alias_maps =\n\
                 local_recipient_maps =\n\
                 mailbox_transport = lda\n",
            );
            &["anna@mail.example.com", "bob@mail.example.com"]
        }
    };
    if let Some(limit) = limit {
        main.push_str(&format!("lda_destination_recipient_limit = {limit}\n"));
    }
    std::fs::write(conf.join("main.cf"), main).unwrap();
    std::fs::write(
        conf.join("vmailbox"),
        "anna@example.org x\nbob@example.org x\n",
    )
    .unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!(
        "127.0.0.1:{port} inet n - n - - smtpd\n\
         lda unix - n n - - pipe\n  flags=DRhu user=nobody argv={} ${{recipient}}\n",
        script.display()
    ));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let lines = smtp::postlint_lines(&conf, "pipe-recipient-limit");

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    smtp::send_message(port, &scratch, rcpts, "oracle_pipe").unwrap_or_else(|e| panic!("{e}"));
    let deliveries =
        || std::fs::read_to_string(out_dir.join("deliveries")).map_or(0, |t| t.lines().count());
    let log = || std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    // Until both are delivered, or pipe has deferred the message.
    let deadline = Instant::now() + Duration::from_secs(20);
    while deliveries() < 2 && !log().contains("status=deferred") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    postfix.stop();
    (deliveries(), log(), lines)
}

#[test]
fn pipe_defers_flag_d_with_several_recipients() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (delivered, log, lines) = deliver(None);
    assert_eq!(delivered, 0, "{log}");
    assert!(
        log.contains("pipe flag `D' requires lda_destination_recipient_limit = 1"),
        "{log}"
    );
    assert!(log.contains("4.3.5"), "{log}");
    assert_eq!(lines.len(), 1, "postlint reports {lines:?}");

    let (delivered, log, lines) = deliver(Some(1));
    assert_eq!(delivered, 2, "{log}");
    assert!(
        !log.contains("requires lda_destination_recipient_limit"),
        "{log}"
    );
    assert_eq!(lines, Vec::<u64>::new(), "postlint reports {lines:?}");
}

/// The near-miss: the same service as local(8)'s mailbox_transport gets one recipient per
/// request (deliver_pass()), so the default limit of 50 does no harm, and postlint says nothing.
#[test]
fn pipe_as_mailbox_transport_gets_one_recipient_at_a_time() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let (delivered, log, lines) = deliver_by(None, Route::MailboxTransport);
    assert_eq!(delivered, 2, "{log}");
    assert!(
        !log.contains("requires lda_destination_recipient_limit"),
        "{log}"
    );
    assert_eq!(lines, Vec::<u64>::new(), "postlint reports {lines:?}");
}
