//! Real Postfix decides `content-filter-to-self`: a whole Postfix runs on loopback
//! (tests/common/smtp.rs) with `content_filter = smtp:[127.0.0.1]:FILTER`, a client sends one
//! message to a remote address (delivered by discard(8), so nothing leaves), and the test reads
//! the maillog.
//! - FILTER is a port of Postfix's own, an smtpd with `-o content_filter=` (a re-injection
//!   service on the filter's port): the smtp client hands the message to that smtpd, which
//!   delivers it. No filter ever sees it: the problem.
//! - The same smtpd without `-o content_filter=`: it filters the message again, through itself,
//!   until its smtpd refuses it for too many hops (hopcount_limit): the problem.
//! - FILTER is a port nothing of Postfix's listens on (the filter is down): the smtp client
//!   cannot connect, and the message waits. Not this rule's problem.
//!
//! postlint must report exactly the first two. Knobs: POSTLINT_CONTENT_FILTER_ORACLE_PORT, the
//! first of the loopback ports (default 28980, three per case). Needs Postfix 3.7 and root;
//! without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::path::Path;

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Postfix, Scratch};

fn port() -> u16 {
    common::env_number("POSTLINT_CONTENT_FILTER_ORACLE_PORT", 28_980) as u16
}

/// How a case's port FILTER is served.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Filter {
    /// Postfix's own smtpd, with `-o content_filter=`.
    OwnReinjection,
    /// Postfix's own smtpd, without it.
    OwnFilteringAgain,
    /// Nothing listens there.
    Nothing,
}

/// Runs one case; returns the maillog line that ends it and whether postlint reports the rule.
fn run(first: u16, filter: Filter) -> (String, bool) {
    let (entry, filter_port) = (first, first + 1);
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-content-filter-");
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str(&format!(
        "compatibility_level = 3.6\nmydestination = $myhostname\nalias_maps =\n\
         alias_database =\nmynetworks = 127.0.0.0/8\ndefault_transport = discard\n\
         content_filter = smtp:[127.0.0.1]:{filter_port}\n"
    ));
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = smtp::base_master_cf();
    master.push_str(&format!("127.0.0.1:{entry} inet n - n - - smtpd\n"));
    match filter {
        Filter::OwnReinjection => master.push_str(&format!(
            "127.0.0.1:{filter_port} inet n - n - - smtpd\n  -o syslog_name=postfix/own\n  \
             -o content_filter=\n"
        )),
        Filter::OwnFilteringAgain => master.push_str(&format!(
            "127.0.0.1:{filter_port} inet n - n - - smtpd\n  -o syslog_name=postfix/own\n"
        )),
        Filter::Nothing => {}
    }
    std::fs::write(conf.join("master.cf"), master).unwrap();
    common::backdate(&conf);
    let reported = !smtp::postlint_findings(&conf, "content-filter-to-self").is_empty();

    let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    smtp::send_one(
        entry,
        &scratch,
        "sender@mail.example.com",
        "someone@example.net",
        "oracle_content_filter",
    );
    // Discarded (`status=sent` by discard(8), after the filter port), refused for too many
    // hops, or deferred.
    let line = smtp::wait_for_line(&scratch.maillog(), 60, |l| {
        l.contains("someone@example.net")
            && ((l.contains("postfix/discard[") && l.contains("status=sent"))
                || l.contains("hops")
                || l.contains("loop")
                || l.contains("status=deferred")
                || l.contains("status=bounced"))
    });
    let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    postfix.stop();
    let line = line.unwrap_or_else(|| panic!("{filter:?}: no delivery status within 60 s:\n{log}"));
    // Which smtpd took the message at the filter's port: Postfix's own (syslog name
    // postfix/own) or none.
    let own_took_it = log
        .lines()
        .any(|l| l.contains("postfix/own/smtpd[") && l.contains(": client="));
    (
        format!("{line}; Postfix's own smtpd at the filter port took it: {own_took_it}"),
        reported,
    )
}

#[test]
fn postlint_reports_a_content_filter_that_is_postfix_itself() {
    if !common::postfix_available() || !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let mut verdicts = smtp::Verdicts::default();
    for (i, filter) in [
        Filter::OwnReinjection,
        Filter::OwnFilteringAgain,
        Filter::Nothing,
    ]
    .into_iter()
    .enumerate()
    {
        let (seen, reported) = run(port() + 3 * i as u16, filter);
        let own = seen.ends_with("took it: true");
        let expected = match filter {
            // Delivered without any filter: through Postfix's own smtpd, then discarded.
            Filter::OwnReinjection => own && seen.contains("postfix/discard["),
            // Round and round until an smtpd refuses it.
            Filter::OwnFilteringAgain => own && (seen.contains("hops") || seen.contains("loop")),
            Filter::Nothing => !own && seen.contains("status=deferred"),
        };
        let problem = filter != Filter::Nothing;
        verdicts.judge(&format!("{filter:?}"), &seen, expected, problem, reported);
    }
    verdicts.conclude("oracle_content_filter");
}
