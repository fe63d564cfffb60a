//! Real Postfix decides `starttls-not-offered`: for each of several cases of
//! fixtures/starttls-not-offered, a whole Postfix runs the fixture's main.cf and master.cf on
//! loopback (tests/common/smtp.rs), a client says EHLO on every port 25 listener, and postlint
//! must report exactly the listeners whose EHLO reply lists no STARTTLS.
//!
//! Never port 25: Postfix runs a copy of the fixture in a scratch directory, in which every
//! inet listener of master.cf (`smtp`, `0.0.0.0:smtp`, `[::]:25`, `submission`, ...) is renamed
//! `127.0.0.1:PORT`, a free loopback port of its own (a fixture without master.cf gets Postfix's
//! default `smtp inet ... smtpd` as `127.0.0.1:PORT inet n - n - - smtpd`). The copy also gets
//! the main.cf lines that make Postfix run there (queue and data directory, `inet_interfaces =
//! 127.0.0.1`, logging to a file), chroot off, and a certificate made for the run (`openssl req
//! -x509`, never kept) in place of the fixture's certificate paths: the fixture's
//! `smtpd_tls_cert_file`, `smtpd_tls_key_file` and `smtpd_tls_chain_files` are written again
//! after it, naming that certificate. postlint reads the fixture itself, unchanged, where the
//! listeners are the public port 25 ones. A finding "reports" a listener when its message names
//! it (`smtp/inet`, `[::]:25/inet`; behind postscreen, the postscreen listener).
//!
//! When EHLO lists STARTTLS, the test also sends `STARTTLS`: the reply must be `220`, so that
//! the offer is real (the certificate loaded).
//!
//! The fixtures left out are silent for reasons Postfix cannot show on loopback: a loopback
//! listener or host, no certificate in main.cf, a level postlint cannot know (a template, a
//! placeholder, an undefined `$name`), a certificate emptied on the service.
//!
//! Knobs: POSTLINT_STARTTLS_ORACLE_PORT, the first of the loopback ports (default 28700, four
//! per case). Needs Postfix 3.7, openssl and root; without them the test says it was skipped,
//! unless POSTLINT_ORACLE=required.
//!
//! Measured here (Postfix 3.7.11, as root): see the observations the test prints (and writes
//! to `$CARGO_TARGET_TMPDIR/oracle_starttls-observations.txt`):
//! - an empty smtpd_tls_security_level (written or not), `none`, and `-o
//!   smtpd_tls_security_level=none` on the listener: EHLO lists no STARTTLS, whatever the
//!   certificate;
//! - `may` and `encrypt`, and the legacy `smtpd_use_tls = yes` under an empty level: STARTTLS
//!   listed, and answered `220 2.0.0 Ready to start TLS`;
//! - postscreen on port 25 hands a mynetworks client (postscreen_access_list's default
//!   permit_mynetworks) straight to the `smtpd pass` service, whose level decides.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;
#[path = "common/smtp.rs"]
mod smtp;
#[path = "common/tls.rs"]
mod tls;

use smtp::{plain_ehlo, Postfix, Scratch};

const RULE: &str = "starttls-not-offered";
const TIMEOUT: Duration = Duration::from_secs(10);

/// One fixture, and what Postfix must show on its port 25 listeners.
struct Case {
    fixture: &'static str,
    /// EHLO lists no STARTTLS on every port 25 listener (else it lists it on every one).
    no_starttls: bool,
}

const CASES: &[Case] = &[
    Case {
        fixture: "trigger-no-level-default-master",
        no_starttls: true,
    },
    Case {
        fixture: "trigger-level-none",
        no_starttls: true,
    },
    Case {
        fixture: "trigger-override-none-on-smtp",
        no_starttls: true,
    },
    Case {
        fixture: "trigger-postscreen-pass-without-tls",
        no_starttls: true,
    },
    Case {
        fixture: "trigger-two-listeners-chain-files",
        no_starttls: true,
    },
    Case {
        fixture: "ok-level-may",
        no_starttls: false,
    },
    Case {
        fixture: "ok-level-encrypt",
        no_starttls: false,
    },
    Case {
        fixture: "ok-legacy-smtpd-use-tls",
        no_starttls: false,
    },
    Case {
        fixture: "ok-postscreen-pass-with-tls",
        no_starttls: false,
    },
];

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(RULE)
        .join(name)
}

fn first_port() -> u16 {
    let first = common::env_number("POSTLINT_STARTTLS_ORACLE_PORT", 28_700);
    assert!(
        (1024..=63000).contains(&first),
        "POSTLINT_STARTTLS_ORACLE_PORT must be in 1024..=63000"
    );
    first as u16
}

/// Whether a master.cf service name is a port 25 listener (`smtp`, `25`, with or without a
/// host).
fn is_port_25(name: &str) -> bool {
    let port = name.rsplit_once(':').map_or(name, |(_, port)| port);
    matches!(port, "smtp" | "25")
}

/// A port 25 listener of the fixture and where Postfix runs it.
struct Listener {
    /// The name in the fixture's master.cf (`smtp`, `[::]:25`).
    name: String,
    port: u16,
}

/// The fixture's master.cf entries with every inet listener on a loopback port of its own, and
/// the port 25 ones.
fn loopback_entries(master: &str, first: u16) -> (String, Vec<Listener>) {
    let mut out = String::new();
    let mut listeners = Vec::new();
    let mut next = first;
    for line in master.lines() {
        let starts_entry = line
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '#');
        let fields: Vec<&str> = line.split_whitespace().collect();
        if starts_entry && fields.len() >= 8 && fields[1] == "inet" {
            let port = next;
            next += 1;
            if is_port_25(fields[0]) {
                listeners.push(Listener {
                    name: fields[0].to_string(),
                    port,
                });
            }
            let mut fields = fields;
            let name = format!("127.0.0.1:{port}");
            fields[0] = &name;
            out.push_str(&fields.join(" "));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    (out, listeners)
}

/// The fixture's main.cf, then the lines that make Postfix run in the scratch directory, then
/// the fixture's certificate parameters again, naming the run's certificate.
fn scratch_main_cf(scratch: &Scratch, main: &str) -> String {
    let mut text = format!("{main}\n");
    text.push_str(&scratch.infrastructure("mail.example.org"));
    text.push_str("alias_maps =\nalias_database =\n");
    for line in main.lines() {
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let value = match name.trim() {
            "smtpd_tls_cert_file" => "${config_directory}/cert.pem",
            "smtpd_tls_key_file" => "${config_directory}/key.pem",
            "smtpd_tls_chain_files" => "${config_directory}/key.pem, ${config_directory}/cert.pem",
            other if other.starts_with("smtpd_tls_") && other.ends_with("cert_file") => {
                panic!("the oracle has no certificate for {other}")
            }
            _ => continue,
        };
        writeln!(text, "{} = {value}", name.trim()).unwrap();
    }
    text
}

/// What Postfix showed on one listener.
struct Seen {
    listener: Listener,
    /// EHLO listed STARTTLS.
    starttls: bool,
    /// The reply to STARTTLS, when it was listed.
    starttls_reply: Option<String>,
}

struct Outcome {
    case: &'static Case,
    seen: Vec<Seen>,
    /// postscreen's verdict lines, when postscreen listens.
    postscreen: Vec<String>,
    unexpected: Vec<String>,
    postlint: Result<tls::Lint, String>,
    maillog_tail: String,
}

fn run_case(index: usize, case: &'static Case) -> Outcome {
    let dir = fixture_dir(case.fixture);
    let mut outcome = Outcome {
        case,
        seen: Vec::new(),
        postscreen: Vec::new(),
        unexpected: Vec::new(),
        postlint: tls::postlint(&dir, RULE),
        maillog_tail: String::new(),
    };
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-starttls-");
    let conf = scratch.conf();
    if let Err(e) = tls::self_signed(&conf) {
        outcome.unexpected.push(e);
        return outcome;
    }
    let main = std::fs::read_to_string(dir.join("main.cf")).unwrap();
    std::fs::write(conf.join("main.cf"), scratch_main_cf(&scratch, &main)).unwrap();
    // Without master.cf, Postfix's default smtp service.
    let master = std::fs::read_to_string(dir.join("master.cf")).unwrap_or_else(|_| {
        "smtp      inet  n       -       y       -       -       smtpd\n".into()
    });
    let (entries, listeners) = loopback_entries(&master, first_port() + 4 * index as u16);
    assert!(
        !listeners.is_empty(),
        "{}: no port 25 listener to test",
        case.fixture
    );
    std::fs::write(conf.join("master.cf"), smtp::master_cf_with(&entries)).unwrap();
    common::backdate(&conf);

    let mut postfix = match Postfix::start(&conf, &scratch.queue(), &scratch.maillog()) {
        Ok(p) => p,
        Err(e) => {
            outcome.unexpected.push(e);
            return outcome;
        }
    };
    for listener in listeners {
        match plain_ehlo(listener.port, &scratch, "postfix", TIMEOUT) {
            Ok(Some((mut client, _, ehlo))) => {
                let starttls = ehlo.iter().any(|l| l.get(4..) == Some("STARTTLS"));
                let starttls_reply = if starttls {
                    match client.command("STARTTLS") {
                        Ok(reply) => {
                            if reply.code != 220 {
                                outcome.unexpected.push(format!(
                                    "{}: STARTTLS listed, but answered `{}`",
                                    listener.name,
                                    reply.last()
                                ));
                            }
                            Some(reply.last().to_string())
                        }
                        Err(e) => Some(format!("no reply ({e})")),
                    }
                } else {
                    let _ = client.command("QUIT");
                    None
                };
                if starttls == case.no_starttls {
                    outcome.unexpected.push(format!(
                        "{}: the case expects {}",
                        listener.name,
                        if case.no_starttls {
                            "no STARTTLS"
                        } else {
                            "STARTTLS"
                        }
                    ));
                }
                outcome.seen.push(Seen {
                    listener,
                    starttls,
                    starttls_reply,
                });
            }
            Ok(None) => outcome
                .unexpected
                .push(format!("{}: no banner", listener.name)),
            Err(e) => outcome.unexpected.push(format!("{}: {e}", listener.name)),
        }
    }
    // postscreen's lines reach the maillog through postlogd, after the client has been
    // answered: let them arrive before master goes.
    if master.contains("postscreen") {
        tls::wait_for_log(&scratch.maillog(), &["ALLOWLISTED"], Duration::from_secs(5));
    }
    postfix.stop();
    let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    // Behind postscreen: the client must have met postscreen, and been handed on.
    if master.contains("postscreen") {
        outcome.postscreen = lines
            .iter()
            .filter(|l| l.contains("/postscreen[") && l.contains("[127.0.0.1]:"))
            .filter(|l| !l.contains(" CONNECT from "))
            .map(|l| l.split_once("]: ").map_or(*l, |(_, rest)| rest).to_string())
            .collect();
        if !outcome
            .postscreen
            .iter()
            .any(|l| l.starts_with("ALLOWLISTED"))
        {
            outcome
                .unexpected
                .push("postscreen logged no ALLOWLISTED for the client".into());
        }
    }
    outcome.maillog_tail = lines[lines.len().saturating_sub(12)..].join("\n");
    outcome
}

/// Whether a finding's message names a listener: `smtp/inet` after `(`, a space or `; `, not
/// as the tail of `0.0.0.0:smtp/inet`.
fn names(message: &str, listener: &str) -> bool {
    let label = format!("{listener}/inet");
    message
        .match_indices(&label)
        .any(|(at, _)| at == 0 || matches!(message.as_bytes()[at - 1], b'(' | b' '))
}

/// postlint's disagreements with what Postfix showed.
fn disagreements(o: &Outcome) -> Vec<String> {
    let lint = match &o.postlint {
        Ok(lint) if lint.undecided => {
            return vec![format!("postlint could not decide {RULE}")];
        }
        Ok(lint) => lint,
        Err(e) => return vec![format!("postlint failed: {e}")],
    };
    let mut out = Vec::new();
    for seen in &o.seen {
        let reported = lint
            .findings
            .iter()
            .any(|f| f.rule == RULE && names(&f.message, &seen.listener.name));
        if reported == seen.starttls {
            out.push(format!(
                "{}: Postfix {} STARTTLS, and postlint {}",
                seen.listener.name,
                if seen.starttls {
                    "offers"
                } else {
                    "does not offer"
                },
                if reported { "reports it" } else { "is silent" }
            ));
        }
    }
    // Every finding names a listener Postfix ran without STARTTLS.
    for f in &lint.findings {
        if !o
            .seen
            .iter()
            .any(|s| !s.starttls && names(&f.message, &s.listener.name))
        {
            out.push(format!("a finding names no listener without STARTTLS: {f}"));
        }
    }
    out
}

fn describe(o: &Outcome) -> String {
    let mut out = format!("[{}]\n", o.case.fixture);
    for seen in &o.seen {
        writeln!(
            out,
            "  Postfix, {} (as 127.0.0.1:{}): EHLO {}{}",
            seen.listener.name,
            seen.listener.port,
            if seen.starttls {
                "lists STARTTLS"
            } else {
                "lists no STARTTLS"
            },
            seen.starttls_reply
                .as_ref()
                .map_or(String::new(), |r| format!("; STARTTLS: `{r}`"))
        )
        .unwrap();
    }
    for line in &o.postscreen {
        writeln!(out, "  Postfix, postscreen: {line}").unwrap();
    }
    for u in &o.unexpected {
        writeln!(out, "  UNEXPECTED: {u}").unwrap();
    }
    match &o.postlint {
        Ok(lint) if lint.findings.is_empty() => writeln!(out, "  postlint: nothing").unwrap(),
        Ok(lint) => {
            for f in &lint.findings {
                writeln!(out, "  postlint: {f}").unwrap();
            }
        }
        Err(e) => writeln!(out, "  postlint: {e}").unwrap(),
    }
    out
}

#[test]
fn postfix_offers_starttls_where_postlint_says_so() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(
        smtp::can_run_postfix().and_then(|()| tls::openssl_available()),
    ) {
        return;
    }
    let begun = Instant::now();
    let outcomes: Vec<Outcome> = CASES
        .iter()
        .enumerate()
        .map(|(i, case)| run_case(i, case))
        .collect();
    let mut report = String::new();
    let mut postfix_failures = Vec::new();
    let mut postlint_failures = Vec::new();
    for o in &outcomes {
        let text = describe(o);
        report.push_str(&text);
        let disagree = disagreements(o);
        for d in &disagree {
            writeln!(report, "  DISAGREEMENT: {d}").unwrap();
        }
        if !o.unexpected.is_empty() || o.seen.is_empty() {
            postfix_failures.push(format!("{text}  maillog tail:\n{}\n", o.maillog_tail));
        } else if !disagree.is_empty() {
            postlint_failures.push(format!("{text}  {}\n", disagree.join("\n  ")));
        }
    }
    smtp::conclude(
        "oracle_starttls",
        &report,
        &format!(
            "{} cases in {:.1} s",
            outcomes.len(),
            begun.elapsed().as_secs_f64()
        ),
        &postfix_failures,
        &postlint_failures,
    );
}

/// The helpers that need no Postfix.
#[test]
fn listeners_move_to_loopback() {
    let (entries, listeners) = loopback_entries(
        "0.0.0.0:smtp inet n - y - - smtpd\n[::]:25 inet n - y - - smtpd\n  -o a=b\n\
         submission inet n - y - - smtpd\nsmtpd pass - - y - - smtpd\n",
        40000,
    );
    assert_eq!(
        entries,
        "127.0.0.1:40000 inet n - y - - smtpd\n127.0.0.1:40001 inet n - y - - smtpd\n  -o a=b\n\
         127.0.0.1:40002 inet n - y - - smtpd\nsmtpd pass - - y - - smtpd\n"
    );
    let found: Vec<(&str, u16)> = listeners
        .iter()
        .map(|l| (l.name.as_str(), l.port))
        .collect();
    assert_eq!(found, [("0.0.0.0:smtp", 40000), ("[::]:25", 40001)]);
    assert!(names("port 25 (smtp/inet) does not", "smtp"));
    assert!(!names("port 25 (0.0.0.0:smtp/inet) does not", "smtp"));
    assert!(names(
        "port 25 (0.0.0.0:smtp/inet; [::]:25/inet)",
        "[::]:25"
    ));
    assert!(names(
        "(smtpd/pass, behind postscreen on smtp/inet)",
        "smtp"
    ));
}
