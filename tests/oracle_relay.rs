//! Real Postfix is the judge of postlint's model of smtpd restrictions (src/model/relay.rs).
//!
//! A seeded generator writes configurations (compatibility level, mynetworks, the five
//! restriction lists, access tables of several types, restriction classes, extra smtpd services
//! with `-o` overrides). For each one a whole Postfix runs on loopback from a scratch
//! configuration and queue directory; for each smtpd service and each of a set of requests the
//! test talks SMTP, makes the connection look like the request's client with XCLIENT, and
//! compares smtpd's answer with `evaluate()`. It also compares whether the service starts at all
//! (`relay-check-missing`'s condition against smtpd's `fatal: ... specify at least one working
//! instance of`), and `open_relay()`: every witness must be accepted, and a Closed service must
//! refuse every outsider's mail for a remote domain.
//!
//! Every disagreement is listed (the first 20 in full on stderr, all of them in
//! `$CARGO_TARGET_TMPDIR/oracle_relay-disagreements.txt`); the test fails unless there are none.
//!
//! Knobs:
//! - POSTLINT_RELAY_ORACLE_SEED: the generator's seed (default 1).
//! - POSTLINT_RELAY_ORACLE_CONFIGS: how many configurations (default 300).
//! - POSTLINT_RELAY_ORACLE_ONLY: run only these configuration numbers (`7` or `7,12`).
//! - POSTLINT_RELAY_ORACLE_KEEP=DIR: run in scratch directories under DIR and keep those of
//!   the first 20 configurations with a disagreement, as DIR/config-NNNN-XXXXXX (conf with its
//!   tables, queue, maillog, disagreements.txt, and run.sh, which starts the same Postfix in the
//!   foreground). DIR must be traversable by the postfix user.
//! - POSTLINT_RELAY_ORACLE_JOBS: Postfix instances run at once (default 3).
//! - POSTLINT_RELAY_ORACLE_PORT: the first of the 2400 loopback ports used (default 30000;
//!   keep them out of /proc/sys/net/ipv4/ip_local_port_range).
//!
//! Needs Postfix 3.7 installed and root (master must start as root). Without them the test is
//! skipped, unless POSTLINT_ORACLE=required.
//!
//! What was measured to build this (Postfix 3.7.11, 2 cores):
//! - inet_protocols = all (not ipv4): with ipv4 only, `XCLIENT ADDR=IPV6:2001:db8::1` gets
//!   `501 5.5.4 Bad ADDR syntax`; smtpd_authorized_xclient_hosts needs `[::]/0` as well, since
//!   authorization is checked again against the address XCLIENT set.
//! - `master -c CONF -w` returns once the daemon listens, after ~20 ms; `postfix start` took
//!   ~1.5 s. SIGTERM to master (pid in queue/pid/master.pid) stops it and its children in a
//!   few ms.
//! - XCLIENT LOGIN=name makes `permit_sasl_authenticated` permit only when
//!   smtpd_sasl_auth_enable = yes; with the default cyrus type that starts offline (no saslauthd
//!   needed, the AUTH mechanisms are only listed). A later XCLIENT without LOGIN drops it.
//! - master needs the queue's subdirectories (at least `pid/`), or it exits 1 without a word
//!   (post-install makes them for `postfix start`); smtp.rs makes them.
//! - One connection can carry several requests (RSET, then XCLIENT again), but not after a
//!   rejection at XCLIENT time (smtpd_delay_reject = no: every later command, XCLIENT included,
//!   gets `503 5.7.0 Error: access denied`), and rejections add up across XCLIENTs: from the
//!   10th (smtpd_soft_error_limit) smtpd sleeps before each reply (measured: 1 s, then 16 s per
//!   request). So each request gets its own connection, which costs about a millisecond.
//! - smtpd_delay_reject = no: smtpd runs the client restrictions once, at connect, for the
//!   real client ("We use the real client for connect access control", smtpd.c), and XCLIENT
//!   does not run them again: with client restrictions, a test client's requests cannot show
//!   them and count as untestable.
//! - "Outsider" is the model's word: a client outside mynetworks and not logged in. A request
//!   smtpd accepts because an access table trusts the client by name, one address or a narrow
//!   range, or whose message a DISCARD action throws away, relays nothing for an outsider
//!   (`accepted_without_relaying()`), so it does not contradict a Closed verdict.
//! - The model is loaded as the live configuration: the generated main.cf names its tables by
//!   their absolute paths in the scratch directory, as Postfix reads them.
//! - smtpd_delay_reject = no: a client rejection is the reply to XCLIENT; a HELO rejection the
//!   reply to EHLO (XCLIENT still works after the first EHLO was refused); a sender one the
//!   reply to MAIL FROM. The first 4xx/5xx after XCLIENT decides. The real client (127.0.0.1,
//!   `localhost` by /etc/hosts) is checked at connect: when it is refused, the banner is the
//!   refusal, XCLIENT gets 503, and only that client's requests can be answered (from the
//!   banner); the others count as untestable. smtpd also warns that HOLD and DISCARD are then
//!   skipped in client and HELO restrictions.
//! - An accepted RCPT opens a queue file (incoming/); cleanup removes it after RSET/QUIT, a
//!   moment later: the test waits for the queue to be empty before it stops master.
//! - A smtpd that cannot use its restrictions never greets: it logs the fatal line at once (the
//!   test reads the maillog while it waits for the banner, with `-o syslog_name=postfix/sPORT`
//!   telling services apart) and master throttles the service.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use postlint::model::relay::{
    accepted_without_relaying, evaluate, open_relay, Outcome, Request, Verdict,
};
use postlint::model::restrictions::{has_required, smtpd_processes, Answer, RELAY_REQUIRED};
use postlint::model::{LoadOptions, Model};

mod common;
use common::{catch, env_number, on_threads};
#[path = "common/smtp.rs"]
mod smtp;

use smtp::{Client, Greeting, Postfix, Scratch};

const MYHOSTNAME: &str = "mx.example.org";
/// Placeholder for the configuration directory in generated text.
const CONF: &str = "@CONF@";
/// The first loopback port (POSTLINT_RELAY_ORACLE_PORT); configuration N uses the four from
/// FIRST + 4N, modulo PORT_SPAN (only a few configurations run at once). 30000 to 32399 stays
/// below Linux's ephemeral ports (32768-60999), which the test's own connections take: a
/// listening port there can be in use by one of them (measured: `master -w` failed at 40012).
const FIRST_PORT: u16 = 30000;
const PORT_SPAN: usize = 2400;
const PORTS_PER_CONFIG: usize = 4;
/// Every SMTP read gives up after this: nothing may hang.
const TIMEOUT: Duration = Duration::from_secs(10);
const SHOW_IN_FULL: usize = 20;
/// Requests drawn from the whole cross product, per service, on top of the fixed ones.
const SAMPLE: usize = 24;

// ---------------------------------------------------------------------------------------------
// A small seeded generator (xorshift64*), so that a seed names the same configurations forever.

use common::Rng;

// ---------------------------------------------------------------------------------------------
// Generated configurations.

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Stage {
    Client,
    Helo,
    Sender,
    Rcpt,
}

struct Table {
    name: String,
    /// hash, texthash, cidr, inline.
    kind: &'static str,
    /// Written in main.cf: `inline:{ {k = v} }`, or `cidr:{ {net value} }` (Postfix 3.7).
    inline: bool,
    /// An inline table written as `pcre:{ {/pattern/ value} }`, one pattern per key
    /// ([`key_pattern`]).
    pattern: bool,
    entries: Vec<(String, String)>,
}

impl Table {
    fn reference(&self) -> String {
        if self.pattern {
            let items: Vec<String> = self
                .entries
                .iter()
                .map(|(k, v)| format!("{{ /{}/ {v} }}", key_pattern(k)))
                .collect();
            format!("pcre:{{ {} }}", items.join(", "))
        } else if self.kind == "inline" {
            let items: Vec<String> = self
                .entries
                .iter()
                .map(|(k, v)| format!("{{ {k} = {v} }}"))
                .collect();
            format!("inline:{{ {} }}", items.join(", "))
        } else if self.inline {
            let items: Vec<String> = self
                .entries
                .iter()
                .map(|(k, v)| format!("{{ {k} {v} }}"))
                .collect();
            format!("{}:{{ {} }}", self.kind, items.join(", "))
        } else {
            format!("{}:{CONF}/{}", self.kind, self.name)
        }
    }
    fn source(&self) -> String {
        self.entries
            .iter()
            .map(|(k, v)| format!("{k} {v}\n"))
            .collect()
    }
}

struct Service {
    port: u16,
    /// (name, value) as the service's `-o`; `long` writes `-o { name = value }`.
    overrides: Vec<(String, String, bool)>,
}

impl Service {
    fn syslog_name(&self) -> String {
        format!("postfix/s{}", self.port)
    }
    fn label(&self) -> String {
        format!("127.0.0.1:{}/inet", self.port)
    }
    fn master_line(&self) -> String {
        let mut line = format!(
            "127.0.0.1:{} inet n - n - - smtpd\n  -o syslog_name={}",
            self.port,
            self.syslog_name()
        );
        for (name, value, long) in &self.overrides {
            if *long {
                write!(line, "\n  -o {{ {name} = {value} }}").unwrap();
            } else {
                write!(line, "\n  -o {name}={value}").unwrap();
            }
        }
        line
    }
    fn sasl(&self, main_sasl: bool) -> bool {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.0 == "smtpd_sasl_auth_enable")
            .map_or(main_sasl, |o| o.1 == "yes")
    }
}

struct Case {
    index: usize,
    /// The generated main.cf lines (the infrastructure and the shared address classes come
    /// first in the file).
    main: Vec<(String, String)>,
    tables: Vec<Table>,
    services: Vec<Service>,
    sasl: bool,
    /// mynetworks as smtpd computes it here (for "outsider"): the value written, else what
    /// mynetworks_style gives with inet_interfaces = 127.0.0.1.
    mynetworks: String,
    helo_keys: BTreeSet<String>,
    sender_keys: BTreeSet<String>,
    recipient_keys: BTreeSet<String>,
    fqdn_checks: bool,
    untrusted_routing: bool,
}

const SHARED_MAIN: &str = "\
mydestination = $myhostname, localhost
virtual_mailbox_domains = vmail.example
virtual_mailbox_maps = hash:@CONF@/vmailbox
relay_domains = relay.example
local_recipient_maps =
";

const CLIENT_KEYS: &[&str] = &[
    "203.0.113.5",
    "203.0.113",
    "203",
    "192.0.2.10",
    "192.0.2",
    "127.0.0.1",
    "198.51.100.7",
    "client.example.net",
    "example.net",
    ".example.net",
    "mail.example.com",
    "example.com",
];
const CIDR_KEYS: &[&str] = &[
    "203.0.113.5",
    "203.0.113.0/24",
    "0.0.0.0/0",
    "192.0.2.0/24",
    "127.0.0.0/8",
    "198.51.100.7/32",
    "::/0",
    "2001:db8::/32",
];
const HELO_KEYS: &[&str] = &[
    "client.example.net",
    "example.net",
    ".example.net",
    "mail.example.com",
    "localhost",
    "oracle.test",
    "mx.example.org",
];
const SENDER_KEYS: &[&str] = &[
    "a@remote.example",
    "remote.example",
    ".example.com",
    "user@example.com",
    "example.com",
    "postmaster@",
    "user@",
    "<>",
];
const RECIPIENT_KEYS: &[&str] = &[
    "postmaster@",
    "user@remote.example",
    "remote.example",
    ".remote.example",
    "example.com",
    "user@",
    "abuse@",
    "relay.example",
    "alice@vmail.example",
    "vmail.example",
];
const ACTIONS: &[(u32, &str)] = &[
    (6, "OK"),
    (4, "REJECT"),
    (1, "DEFER"),
    (2, "DUNNO"),
    (1, "554 5.7.1 no"),
    (1, "450 4.7.1 later"),
    (1, "1234"),
    (1, "permit_mynetworks, reject"),
    (1, "DEFER_IF_PERMIT"),
    (1, "DEFER_IF_REJECT"),
    (1, "HOLD"),
    (1, "DISCARD"),
    (1, "WARN"),
    (2, "cls1"),
];
const MYNETWORKS: &[&str] = &[
    "127.0.0.0/8",
    "127.0.0.0/8 192.0.2.0/24",
    "[::1]/128 127.0.0.0/8 198.51.100.7",
    "127.0.0.0/8, [::1]/128, 192.0.2.10",
    "127.0.0.1/32",
];

struct Gen<'a> {
    rng: &'a mut Rng,
    tables: Vec<Table>,
    classes: bool,
    helo_keys: BTreeSet<String>,
    sender_keys: BTreeSet<String>,
    recipient_keys: BTreeSet<String>,
    fqdn_checks: bool,
}

impl Gen<'_> {
    /// A new access table for a stage, holding `forced` first, and its reference.
    fn table(&mut self, stage: Stage, forced: Option<(&str, &str)>) -> String {
        let kinds: &[&'static str] = if stage == Stage::Client {
            &["hash", "texthash", "inline", "cidr"]
        } else {
            &["hash", "texthash", "inline"]
        };
        let kind = *self.rng.pick(kinds);
        let keys: &[&str] = match (stage, kind) {
            (Stage::Client, "cidr") => CIDR_KEYS,
            (Stage::Client, _) => CLIENT_KEYS,
            (Stage::Helo, _) => HELO_KEYS,
            (Stage::Sender, _) => SENDER_KEYS,
            (Stage::Rcpt, _) => RECIPIENT_KEYS,
        };
        let mut entries: Vec<(String, String)> = Vec::new();
        if let Some((k, v)) = forced {
            let k = if kind == "cidr" { "203.0.113.0/24" } else { k };
            entries.push((k.to_string(), v.to_string()));
        }
        for _ in 0..1 + self.rng.below(3) {
            let key = self.rng.pick(keys).to_string();
            let mut action = self.rng.weighted(ACTIONS).to_string();
            if action == "cls1" && !self.classes {
                action = "OK".to_string();
            }
            // A key drawn again is left out, except in an inline: table, where Postfix keeps
            // the later value (the forced entry stays as it is).
            let again = entries.iter().position(|(k, _)| *k == key);
            if again.is_none() || (kind == "inline" && (forced.is_none() || again != Some(0))) {
                entries.push((key, action));
            }
        }
        for (key, _) in &entries {
            match stage {
                Stage::Helo => self.helo_keys.insert(key.clone()),
                Stage::Sender => self.sender_keys.insert(key.clone()),
                Stage::Rcpt => self.recipient_keys.insert(key.clone()),
                Stage::Client => false,
            };
        }
        let name = format!("{}_{}", stage_word(stage), self.tables.len());
        // Every other cidr table inline (not drawn, so the other tables stay as they were).
        let inline = kind == "inline" || (kind == "cidr" && self.tables.len() % 2 == 1);
        // Every third inline table of addresses as a pcre table (not drawn either).
        let pattern = kind == "inline"
            && matches!(stage, Stage::Sender | Stage::Rcpt)
            && self.tables.len() % 3 == 2;
        let table = Table {
            name,
            kind,
            inline,
            pattern,
            entries,
        };
        let reference = table.reference();
        self.tables.push(table);
        reference
    }

    fn access(&mut self, stage: Stage, forced: Option<(&str, &str)>) -> String {
        let reference = self.table(stage, forced);
        format!("check_{}_access {reference}", stage_word(stage))
    }

    /// One restriction that may appear in a list of `stage` (or of a later stage).
    fn item(&mut self, stage: Stage) -> String {
        let at = match self.rng.below(3) {
            0 => Stage::Client,
            _ => *self
                .rng
                .pick(&[Stage::Client, Stage::Helo, Stage::Sender, Stage::Rcpt][..=stage as usize]),
        };
        let choice = match at {
            Stage::Client => *self.rng.weighted(&[
                (3, "permit_mynetworks"),
                (2, "permit_sasl_authenticated"),
                (4, "access"),
                (1, "defer_if_permit"),
                (1, "defer_if_reject"),
                (1, "reject"),
                (1, "permit"),
                (1, "defer"),
                (1, "warn_if_reject"),
                (if self.classes { 2 } else { 0 }, "cls1"),
            ]),
            Stage::Helo => *self.rng.weighted(&[
                (3, "access"),
                (1, "reject_non_fqdn_helo_hostname"),
                (1, "reject_invalid_helo_hostname"),
            ]),
            Stage::Sender => *self
                .rng
                .weighted(&[(3, "access"), (1, "reject_non_fqdn_sender")]),
            Stage::Rcpt => *self.rng.weighted(&[
                (3, "access"),
                (2, "reject_unauth_destination"),
                (1, "defer_unauth_destination"),
                (1, "permit_auth_destination"),
                (1, "reject_non_fqdn_recipient"),
            ]),
        };
        if choice.starts_with("reject_non_fqdn") || choice == "reject_invalid_helo_hostname" {
            self.fqdn_checks = true;
        }
        match choice {
            "access" => self.access(at, None),
            "warn_if_reject" => {
                let inner = match stage {
                    Stage::Rcpt => "reject_unauth_destination".to_string(),
                    Stage::Helo | Stage::Sender if self.rng.chance(50) => {
                        self.fqdn_checks = true;
                        "reject_non_fqdn_helo_hostname".to_string()
                    }
                    _ if self.rng.chance(50) => self.access(Stage::Client, None),
                    _ => "reject".to_string(),
                };
                format!("warn_if_reject {inner}")
            }
            other => other.to_string(),
        }
    }

    fn list(&mut self, stage: Stage, max: usize) -> Vec<String> {
        (0..self.rng.below(max + 1))
            .map(|_| self.item(stage))
            .collect()
    }

    /// Something that lets an outsider through a relay or recipient list.
    fn opener(&mut self) -> String {
        match self.rng.below(7) {
            0 => {
                let key = *self
                    .rng
                    .pick(&["client.example.net", ".example.net", "example.net"]);
                self.access(Stage::Helo, Some((key, "OK")))
            }
            1 => {
                let key = *self.rng.pick(&["postmaster@", "abuse@", "remote.example"]);
                let action = *self
                    .rng
                    .pick(&["OK", "1234", "permit_auth_destination, permit"]);
                self.access(Stage::Rcpt, Some((key, action)))
            }
            2 => {
                let key = *self.rng.pick(&["remote.example", "a@remote.example", "<>"]);
                self.access(Stage::Sender, Some((key, "OK")))
            }
            3 => {
                let key = *self
                    .rng
                    .pick(&["client.example.net", "203.0.113", "example.net"]);
                self.access(Stage::Client, Some((key, "OK")))
            }
            4 if self.rng.chance(40) => "permit".to_string(),
            5 if self.classes => "cls1".to_string(),
            _ => self.access(Stage::Helo, Some(("client.example.net", "OK"))),
        }
    }

    /// A relay or recipient list: permits, maybe an opener, usually a working check, more.
    fn relay_like(&mut self, open: bool) -> Vec<String> {
        let mut list = Vec::new();
        for _ in 0..self.rng.below(3) {
            let item = match self.rng.below(if open { 7 } else { 9 }) {
                0..=3 => "permit_mynetworks".to_string(),
                4..=6 => "permit_sasl_authenticated".to_string(),
                _ => self.item(Stage::Rcpt),
            };
            list.push(item);
        }
        if open {
            list.push(self.opener());
        }
        if self.rng.chance(85) {
            list.push(
                self.rng
                    .weighted(&[
                        (12, "reject_unauth_destination"),
                        (2, "defer_unauth_destination"),
                        (1, "reject"),
                        (1, "defer_if_permit"),
                        (1, "warn_if_reject reject_unauth_destination"),
                    ])
                    .to_string(),
            );
        }
        let more = self.rng.below(3);
        list.extend(self.list(Stage::Rcpt, more).into_iter().take(more));
        list
    }
}

/// The pcre pattern written for an access table key, matching what the key would match as a
/// whole address (`postmaster@` as a local part at any domain, `example.com` as the domain,
/// `.example.com` as its subdomains, `<>` as the null sender's lookup key). `$` is written `$$`
/// in main.cf.
fn key_pattern(key: &str) -> String {
    let escaped = key.replace('.', "\\.").replace('+', "\\+");
    if key == "<>" {
        "^<>$$".to_string()
    } else if key.ends_with('@') {
        format!("^{escaped}")
    } else if key.starts_with('.') {
        format!("{escaped}$$")
    } else if key.contains('@') {
        format!("^{escaped}$$")
    } else {
        format!("@{escaped}$$")
    }
}

fn stage_word(stage: Stage) -> &'static str {
    match stage {
        Stage::Client => "client",
        Stage::Helo => "helo",
        Stage::Sender => "sender",
        Stage::Rcpt => "recipient",
    }
}

fn port_of(index: usize, service: usize) -> u16 {
    static FIRST: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    let first = *FIRST.get_or_init(|| {
        let first = env_number("POSTLINT_RELAY_ORACLE_PORT", FIRST_PORT as u64);
        assert!(
            (1024..=63000).contains(&first),
            "POSTLINT_RELAY_ORACLE_PORT must be in 1024..=63000"
        );
        first as u16
    });
    first + ((index * PORTS_PER_CONFIG + service) % PORT_SPAN) as u16
}

/// A list's value in main.cf, or as a `-o` value: (text, needs the long or $param form).
fn list_value(items: &[String]) -> String {
    // The same restriction twice in a row says nothing more: written once, as people do.
    let mut kept: Vec<&str> = Vec::new();
    for item in items {
        if kept.last() != Some(&item.as_str()) {
            kept.push(item);
        }
    }
    kept.join(", ")
}

fn generate(seed: u64, index: usize) -> Case {
    let mut rng = Rng::stream(seed, index as u64);
    let mut main: Vec<(String, String)> = Vec::new();
    let set = |main: &mut Vec<(String, String)>, n: &str, v: String| main.push((n.into(), v));

    let compat = *rng.weighted(&[
        (2, None),
        (2, Some("0")),
        (2, Some("1")),
        (2, Some("2")),
        (4, Some("3.6")),
    ]);
    let old_relay_default = matches!(compat, None | Some("0"));
    if let Some(level) = compat {
        set(&mut main, "compatibility_level", level.to_string());
    }
    let mynetworks = match rng.below(10) {
        0 => {
            set(&mut main, "mynetworks_style", "host".to_string());
            "127.0.0.1/32".to_string()
        }
        // The default style: subnet below level 2, else host.
        1 if matches!(compat, None | Some("0") | Some("1")) => "127.0.0.0/8".to_string(),
        1 => "127.0.0.1/32".to_string(),
        _ => {
            let nets = *rng.pick(MYNETWORKS);
            set(&mut main, "mynetworks", nets.to_string());
            nets.to_string()
        }
    };
    let sasl = rng.chance(30);
    if sasl {
        set(&mut main, "smtpd_sasl_auth_enable", "yes".to_string());
    }
    match rng.below(10) {
        0..=2 => set(&mut main, "smtpd_delay_reject", "no".to_string()),
        3 => set(&mut main, "smtpd_delay_reject", "yes".to_string()),
        _ => {}
    }
    let untrusted_routing = rng.chance(8);
    if untrusted_routing {
        let v = if rng.chance(50) { "yes" } else { "no" };
        set(&mut main, "allow_untrusted_routing", v.to_string());
    }
    let classes = rng.chance(25);
    let mut gen = Gen {
        rng: &mut rng,
        tables: Vec::new(),
        classes: false,
        helo_keys: BTreeSet::new(),
        sender_keys: BTreeSet::new(),
        recipient_keys: BTreeSet::new(),
        fqdn_checks: false,
    };
    if classes {
        let class: Vec<String> = match gen.rng.below(4) {
            0 => vec!["permit".to_string()],
            1 => vec![gen.opener()],
            2 => {
                let mut l = gen.list(Stage::Rcpt, 2);
                l.push("reject_unauth_destination".to_string());
                l
            }
            _ => {
                let n = 1 + gen.rng.below(2);
                (0..n).map(|_| gen.item(Stage::Sender)).collect()
            }
        };
        gen.classes = true;
        set(&mut main, "smtpd_restriction_classes", "cls1".to_string());
        set(&mut main, "cls1", list_value(&class));
    }
    // About a third of the configurations get something that lets an outsider relay: an
    // opener in the relay list or in the recipient list (then the relay list must not refuse
    // first), and fewer client, HELO and sender restrictions in the way.
    let open = gen.rng.chance(50);
    let open_in_relay = gen.rng.chance(50);
    for (param, stage) in [
        ("smtpd_client_restrictions", Stage::Client),
        ("smtpd_helo_restrictions", Stage::Helo),
        ("smtpd_sender_restrictions", Stage::Sender),
    ] {
        if gen.rng.chance(if open { 25 } else { 50 }) {
            let list = gen.list(stage, 3);
            set(&mut main, param, list_value(&list));
        }
    }
    let relay: Option<Vec<String>> = if open && !open_in_relay {
        match gen.rng.below(3) {
            0 if old_relay_default => None,
            0 | 1 => Some(Vec::new()),
            _ => Some(gen.relay_like(true)),
        }
    } else if open {
        Some(gen.relay_like(true))
    } else {
        match gen.rng.below(10) {
            0..=2 => None,
            3 => Some(Vec::new()),
            _ => Some(gen.relay_like(false)),
        }
    };
    let recipient: Option<Vec<String>> = if open && open_in_relay {
        match gen.rng.below(5) {
            0 | 1 => None,
            2 | 3 => Some(gen.relay_like(true)),
            _ => Some(gen.relay_like(false)),
        }
    } else if open {
        Some(gen.relay_like(true))
    } else {
        let chance = if old_relay_default && relay.is_none() {
            85
        } else {
            65
        };
        gen.rng.chance(chance).then(|| gen.relay_like(false))
    };
    if let Some(relay) = &relay {
        set(&mut main, "smtpd_relay_restrictions", list_value(relay));
    }
    if let Some(recipient) = &recipient {
        set(
            &mut main,
            "smtpd_recipient_restrictions",
            list_value(recipient),
        );
    }

    // Services: the main one, sometimes with an override, and sometimes one or two more.
    let extra = *gen.rng.weighted(&[(62, 0usize), (30, 1), (8, 2)]);
    let mut services = Vec::new();
    let mut user_params: Vec<(String, String)> = Vec::new();
    for s in 0..=extra {
        let port = port_of(index, s);
        let mut overrides: Vec<(String, String)> = Vec::new();
        let kind = if s == 0 {
            if gen.rng.chance(10) {
                "random"
            } else {
                "plain"
            }
        } else {
            *gen.rng
                .weighted(&[(4, "submission"), (2, "fatal"), (3, "random")])
        };
        let o = |overrides: &mut Vec<(String, String)>, n: &str, v: &str| {
            overrides.push((n.to_string(), v.to_string()))
        };
        match kind {
            "submission" => {
                if gen.rng.chance(80) {
                    o(&mut overrides, "smtpd_sasl_auth_enable", "yes");
                }
                if gen.rng.chance(70) {
                    o(
                        &mut overrides,
                        "smtpd_client_restrictions",
                        "permit_sasl_authenticated,reject",
                    );
                }
                let relay = if gen.rng.chance(50) {
                    "permit_sasl_authenticated,reject"
                } else {
                    "permit_sasl_authenticated,reject_unauth_destination"
                };
                o(&mut overrides, "smtpd_relay_restrictions", relay);
                if gen.rng.chance(30) {
                    o(&mut overrides, "smtpd_recipient_restrictions", "");
                }
            }
            "fatal" => {
                let (relay, recipient) = *gen.rng.pick(&[
                    ("permit_mynetworks", ""),
                    ("", "permit_mynetworks,permit_sasl_authenticated"),
                    ("permit,reject_unauth_destination", "permit_mynetworks"),
                    (
                        "permit_sasl_authenticated",
                        "warn_if_reject,reject_unauth_destination",
                    ),
                ]);
                o(&mut overrides, "smtpd_relay_restrictions", relay);
                o(&mut overrides, "smtpd_recipient_restrictions", recipient);
            }
            "random" => {
                let n = 1 + gen.rng.below(3);
                for _ in 0..n {
                    let open = gen.rng.chance(30);
                    let (param, list) = match gen.rng.below(6) {
                        0 => ("smtpd_client_restrictions", gen.list(Stage::Client, 2)),
                        1 => ("smtpd_helo_restrictions", gen.list(Stage::Helo, 2)),
                        2 => ("smtpd_sender_restrictions", gen.list(Stage::Sender, 2)),
                        3 => ("smtpd_relay_restrictions", gen.relay_like(open)),
                        4 => ("smtpd_recipient_restrictions", gen.relay_like(open)),
                        _ => {
                            let v = if gen.rng.chance(50) { "no" } else { "yes" };
                            o(&mut overrides, "smtpd_delay_reject", v);
                            continue;
                        }
                    };
                    let value = list_value(&list);
                    if value.contains('{') {
                        // A value with spaces inside braces: a main.cf parameter of its own.
                        let name = format!("s{}_{}", s, param.trim_start_matches("smtpd_"));
                        user_params.push((name.clone(), value));
                        overrides.push((param.to_string(), format!("${name}")));
                    } else {
                        overrides.push((param.to_string(), value));
                    }
                }
            }
            _ => {}
        }
        // Short `-o name=value` has no spaces (commas separate as well); now and then the long
        // form keeps them.
        let overrides = overrides
            .into_iter()
            .map(|(n, v)| {
                if v.contains(' ') && gen.rng.chance(30) {
                    (n, v, true)
                } else {
                    let short = v.split_whitespace().collect::<Vec<_>>().join(",");
                    (n, short.replace(",,", ","), false)
                }
            })
            .collect();
        services.push(Service { port, overrides });
    }
    main.extend(user_params);
    let Gen {
        tables,
        helo_keys,
        sender_keys,
        recipient_keys,
        fqdn_checks,
        ..
    } = gen;
    Case {
        index,
        main,
        tables,
        services,
        sasl,
        mynetworks,
        helo_keys,
        sender_keys,
        recipient_keys,
        fqdn_checks,
        untrusted_routing,
    }
}

impl Case {
    fn main_cf(&self, scratch: &Scratch) -> String {
        let mut text = scratch.infrastructure(MYHOSTNAME);
        text.push_str(SHARED_MAIN);
        text.push_str(&self.generated_main());
        text.replace(CONF, &scratch.conf().to_string_lossy())
    }

    fn generated_main(&self) -> String {
        self.main
            .iter()
            .map(|(n, v)| {
                if v.is_empty() {
                    format!("{n} =\n")
                } else {
                    format!("{n} = {v}\n")
                }
            })
            .collect()
    }

    fn master_cf(&self, scratch: &Scratch) -> String {
        let mut text = smtp::base_master_cf();
        for service in &self.services {
            text.push_str(&service.master_line());
            text.push('\n');
        }
        text.replace(CONF, &scratch.conf().to_string_lossy())
    }

    /// Writes everything into the scratch directory, builds the hash tables and back-dates the
    /// files (Postfix re-reads files modified within the last second).
    fn write(&self, scratch: &Scratch) -> Result<(), String> {
        let conf = scratch.conf();
        std::fs::write(conf.join("main.cf"), self.main_cf(scratch)).unwrap();
        std::fs::write(conf.join("master.cf"), self.master_cf(scratch)).unwrap();
        std::fs::write(conf.join("vmailbox"), "alice@vmail.example x\n").unwrap();
        for table in &self.tables {
            if !table.inline {
                std::fs::write(conf.join(&table.name), table.source()).unwrap();
            }
        }
        common::backdate(&conf);
        let conf_text = conf.to_string_lossy().into_owned();
        let hashed = std::iter::once("vmailbox").chain(
            self.tables
                .iter()
                .filter(|t| t.kind == "hash")
                .map(|t| t.name.as_str()),
        );
        for name in hashed {
            let map = format!("hash:{conf_text}/{name}");
            let (ok, _, stderr) = common::run("postmap", &["-c", &conf_text, &map]);
            if !ok {
                return Err(format!("postmap {map}: {stderr}"));
            }
        }
        common::backdate(&conf);
        Ok(())
    }

    /// The configuration as a reader of a report needs it.
    fn describe(&self, service: Option<&Service>) -> String {
        let mut out = String::new();
        writeln!(out, "  main.cf (after the fixed part):").unwrap();
        for line in self.generated_main().lines() {
            writeln!(out, "    {line}").unwrap();
        }
        for s in &self.services {
            if service.is_none_or(|x| x.port == s.port) {
                writeln!(out, "  master.cf:").unwrap();
                for line in s.master_line().lines() {
                    writeln!(out, "    {line}").unwrap();
                }
            }
        }
        for t in self.tables.iter().filter(|t| !t.inline) {
            writeln!(out, "  {}:{CONF}/{}:", t.kind, t.name).unwrap();
            for line in t.source().lines() {
                writeln!(out, "    {line}").unwrap();
            }
        }
        out
    }

    /// Whether mynetworks holds a client address.
    fn trusted(&self, addr: &str) -> bool {
        let ip: Option<std::net::IpAddr> = addr.parse().ok();
        self.mynetworks
            .split([' ', ','])
            .filter(|n| !n.is_empty())
            .any(|net| {
                let net = net.replace(['[', ']'], "");
                let (base, len) = net.split_once('/').unwrap_or((&net, ""));
                match (ip, base.parse::<std::net::IpAddr>()) {
                    (Some(std::net::IpAddr::V4(a)), Ok(std::net::IpAddr::V4(b))) => {
                        let len: u32 = len.parse().unwrap_or(32);
                        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                        u32::from(a) & mask == u32::from(b) & mask
                    }
                    (Some(std::net::IpAddr::V6(a)), Ok(std::net::IpAddr::V6(b))) => {
                        let len: u32 = len.parse().unwrap_or(128);
                        let mask = if len == 0 {
                            0
                        } else {
                            u128::MAX << (128 - len)
                        };
                        u128::from(a) & mask == u128::from(b) & mask
                    }
                    _ => false,
                }
            })
    }
}

// ---------------------------------------------------------------------------------------------
// Requests.

const HELO: &str = "client.example.net";
const SENDER: &str = "a@remote.example";
const BASE_RECIPIENTS: &[&str] = &[
    "user@remote.example",
    "postmaster@remote.example",
    "alice@vmail.example",
    "user@relay.example",
    "user@mx.example.org",
];

fn request(
    client: (&str, Option<&str>, Option<&str>),
    helo: &str,
    sender: &str,
    recipient: &str,
) -> Request {
    Request {
        client_addr: client.0.to_string(),
        client_name: client.1.map(str::to_string),
        helo: helo.to_string(),
        sasl_login: client.2.map(str::to_string),
        sender: sender.to_string(),
        recipient: recipient.to_string(),
        client_cert: false,
    }
}

/// An address a table key matches (`user@` matches user@ at any domain, ...).
fn address_for(key: &str, default_domain: &str) -> String {
    if key == "<>" {
        String::new()
    } else if let Some(user) = key.strip_suffix('@') {
        format!("{user}@{default_domain}")
    } else if key.contains('@') {
        key.to_string()
    } else if let Some(parent) = key.strip_prefix('.') {
        format!("someone@sub.{parent}")
    } else {
        format!("someone@{key}")
    }
}

fn helo_for(key: &str) -> String {
    match key.strip_prefix('.') {
        Some(parent) => format!("host.{parent}"),
        None => key.to_string(),
    }
}

fn remote_domain(address: &str) -> bool {
    let domain = address.rsplit_once('@').map_or("", |p| p.1);
    let domain = domain.to_ascii_lowercase();
    ![
        "mx.example.org",
        "localhost",
        "vmail.example",
        "relay.example",
    ]
    .contains(&domain.as_str())
        && !domain.ends_with(".relay.example")
        && !address.contains('%')
}

/// The requests asked of one service: a fixed base set, each table key once, a seeded sample.
fn requests_for(case: &Case, sasl: bool, rng: &mut Rng) -> Vec<Request> {
    let mut clients: Vec<(&str, Option<&str>, Option<&str>)> = vec![
        ("203.0.113.5", None, None),
        ("203.0.113.5", Some("client.example.net"), None),
        ("192.0.2.10", None, None),
        ("127.0.0.1", Some("localhost"), None),
    ];
    if sasl {
        clients.push(("203.0.113.5", None, Some("alice")));
    }
    let outsider = clients[0];
    let mut out = Vec::new();
    for &c in &clients {
        for r in BASE_RECIPIENTS {
            out.push(request(c, HELO, SENDER, r));
        }
    }
    let mut helos: Vec<String> = case.helo_keys.iter().map(|k| helo_for(k)).collect();
    let mut senders: Vec<String> = case
        .sender_keys
        .iter()
        .map(|k| address_for(k, "remote.example"))
        .collect();
    let mut recipients: Vec<String> = case
        .recipient_keys
        .iter()
        .map(|k| address_for(k, "remote.example"))
        .collect();
    if case.fqdn_checks {
        // An address literal passes the FQDN and DNS checks of a HELO name (smtpd_check.c).
        helos.extend([
            "oracle".to_string(),
            "bad..name".to_string(),
            "DESKTOP-1234".to_string(),
            "[192.0.2.55]".to_string(),
            "[300.1.1.1]".to_string(),
            "[IPv6:2001:db8::5]".to_string(),
            "[IPv6:2001:db8:::5]".to_string(),
        ]);
        senders.push("a@remote".to_string());
        recipients.push("user@remote".to_string());
    }
    if case.untrusted_routing {
        recipients.push("user%remote.example@relay.example".to_string());
    }
    for h in &helos {
        out.push(request(outsider, h, SENDER, "user@remote.example"));
    }
    for s in &senders {
        out.push(request(outsider, HELO, s, "user@remote.example"));
    }
    for r in &recipients {
        out.push(request(outsider, HELO, SENDER, r));
        out.push(request(clients[2], HELO, SENDER, r));
    }
    // A seeded sample of the whole cross product.
    clients.extend([
        ("198.51.100.7", Some("mail.example.com"), None),
        ("::1", None, None),
        ("2001:db8::5", None, None),
    ]);
    helos.push(HELO.to_string());
    senders.push(SENDER.to_string());
    recipients.extend(BASE_RECIPIENTS.iter().map(|r| r.to_string()));
    for _ in 0..SAMPLE {
        let c = *rng.pick(&clients);
        let h = rng.pick(&helos).clone();
        let s = rng.pick(&senders).clone();
        let r = rng.pick(&recipients).clone();
        out.push(request(c, &h, &s, &r));
    }
    out
}

fn show_prediction(p: &Predicted) -> String {
    match p {
        Ok(o) => format!("{o:?}"),
        Err(e) => format!("panicked: {e}"),
    }
}

fn push_unique(list: &mut Vec<Request>, r: Request) {
    if !list.contains(&r) {
        list.push(r);
    }
}

fn show_request(r: &Request) -> String {
    format!(
        "client {}[{}]{}, HELO {}, MAIL FROM:<{}>, RCPT TO:<{}>",
        r.client_name.as_deref().unwrap_or("unknown"),
        r.client_addr,
        r.sasl_login
            .as_deref()
            .map_or(String::new(), |l| format!(" sasl_login={l}")),
        r.helo,
        r.sender,
        r.recipient
    )
}

// ---------------------------------------------------------------------------------------------
// Asking Postfix.

#[derive(Clone, Debug)]
enum Observed {
    /// The outcome, the reply line that decided it, and the command it answered.
    Answer(Outcome, String, &'static str),
    /// The service never greeted: its `fatal:` line.
    Fatal(String),
    /// The service answers, but this request cannot be put to it (why).
    Untestable(String),
    /// The harness could not get an answer (why): always a failure.
    Error(String),
}

fn decide(code: u16) -> Option<Outcome> {
    match code {
        200..=299 => Some(Outcome::Accept),
        400..=499 => Some(Outcome::Defer),
        500..=599 => Some(Outcome::Reject),
        _ => None,
    }
}

fn observe(port: u16, syslog_name: &str, maillog: &Path, r: &Request) -> (Observed, Vec<String>) {
    let mut client = match Client::connect(port, maillog, syslog_name, TIMEOUT) {
        Ok(Greeting::Fatal(line)) => return (Observed::Fatal(line), Vec::new()),
        Ok(Greeting::Banner(client, banner)) => {
            if banner.code != 220 {
                // smtpd_delay_reject = no: the client restrictions refused the real client
                // (127.0.0.1, localhost by /etc/hosts) before XCLIENT. That answers this
                // client's requests, whatever their HELO, sender and recipient.
                let real = r.client_addr == "127.0.0.1"
                    && r.client_name.as_deref() == Some("localhost")
                    && r.sasl_login.is_none();
                if let (true, Some(outcome)) = (real, decide(banner.code)) {
                    let line = banner.last().to_string();
                    return (
                        Observed::Answer(outcome, line, "connect"),
                        client.transcript,
                    );
                }
                let why = format!(
                    "the real client 127.0.0.1 is refused at connect: {}",
                    banner.last()
                );
                return (Observed::Untestable(why), client.transcript);
            }
            client
        }
        Err(e) => return (Observed::Error(format!("connect: {e}")), Vec::new()),
    };
    let result = converse(&mut client, r);
    if matches!(result, Ok(Observed::Answer(Outcome::Accept, ..))) {
        let _ = client.command("RSET");
    }
    let _ = client.command("QUIT");
    let observed = match result {
        Ok(o) => o,
        Err(e) => {
            let fatal = smtp::fatal_line(maillog, syslog_name).unwrap_or_default();
            Observed::Error(format!("{e} {fatal}"))
        }
    };
    (observed, client.transcript)
}

fn converse(client: &mut Client, r: &Request) -> std::io::Result<Observed> {
    // With smtpd_delay_reject = no this EHLO may be refused by the HELO restrictions; XCLIENT
    // does not need it.
    client.command("EHLO oracle.test")?;
    let addr = if r.client_addr.contains(':') {
        format!("IPV6:{}", r.client_addr)
    } else {
        r.client_addr.clone()
    };
    let name = r
        .client_name
        .as_deref()
        .map_or("[UNAVAILABLE]".to_string(), smtp::xtext);
    let mut xclient = format!(
        "XCLIENT ADDR={} NAME={name} HELO={}",
        smtp::xtext(&addr),
        smtp::xtext(&r.helo)
    );
    if let Some(login) = &r.sasl_login {
        write!(xclient, " LOGIN={}", smtp::xtext(login)).unwrap();
    }
    let steps: [(String, &'static str); 4] = [
        (xclient, "XCLIENT"),
        (format!("EHLO {}", r.helo), "EHLO"),
        (format!("MAIL FROM:<{}>", r.sender), "MAIL FROM"),
        (format!("RCPT TO:<{}>", r.recipient), "RCPT TO"),
    ];
    for (line, what) in steps {
        let reply = client.command(&line)?;
        // Not a restriction's answer: XCLIENT itself refused (authorization, syntax).
        if what == "XCLIENT"
            && (reply.last().contains("insufficient authorization") || reply.code == 501)
        {
            return Ok(Observed::Error(format!(
                "XCLIENT refused: {}",
                reply.last()
            )));
        }
        let ok = (what == "XCLIENT" && reply.code == 220)
            || (what != "XCLIENT" && (200..300).contains(&reply.code));
        if ok && what != "RCPT TO" {
            continue;
        }
        return Ok(match decide(reply.code) {
            Some(outcome) => Observed::Answer(outcome, reply.last().to_string(), what),
            None => Observed::Error(format!("{what}: unexpected reply {}", reply.last())),
        });
    }
    unreachable!()
}

// ---------------------------------------------------------------------------------------------
// Comparing.

struct Disagreement {
    config: usize,
    service: String,
    what: String,
    request: Option<Request>,
    postfix: String,
    postlint: String,
    transcript: Vec<String>,
}

#[derive(Default)]
struct Tally {
    configs: usize,
    services: usize,
    predicted_fatal: usize,
    observed_fatal: usize,
    requests: usize,
    untestable: usize,
    agreements: usize,
    /// Agreements and disagreements by kind: (startup, request, verdict).
    by_kind: [(usize, usize); 3],
    open_observed: usize,
    /// Configurations with a service open to an outsider (per Postfix).
    configs_open: usize,
    verdict_open: usize,
    verdict_closed: usize,
    verdict_unknown: usize,
    outcomes: [usize; 4],
    /// Requests by Postfix's outcome (row) and postlint's (column).
    matrix: [[usize; 4]; 4],
    postfix_time: Duration,
    /// Time spent writing files (and postmap), in postlint, starting Postfix, in SMTP
    /// sessions, stopping Postfix.
    phases: [Duration; 5],
}

struct ConfigResult {
    index: usize,
    tally: Tally,
    disagreements: Vec<Disagreement>,
    description: String,
    /// Postfix's warning, error and panic lines (program: message).
    warnings: BTreeSet<String>,
    /// Why requests could not be put (the first reason).
    untestable: Option<String>,
}

fn outcome_index(o: Outcome) -> usize {
    match o {
        Outcome::Accept => 0,
        Outcome::Reject => 1,
        Outcome::Defer => 2,
        Outcome::Unknown => 3,
    }
}

/// postlint's outcome for a request (Err: it panicked, with the message).
type Predicted = Result<Outcome, String>;

/// What postlint predicts for one service.
struct Prediction {
    label: String,
    /// Some(true): smtpd stops when it starts.
    fatal: Option<bool>,
    verdict: Verdict,
    /// postlint's outcome for each request (Err: it panicked).
    requests: Vec<(Request, Predicted)>,
    /// Requests postlint accepts because an access table trusts the client by name, address or
    /// a narrow range: hosts like mynetworks, not outsiders, for the relay verdict.
    trusted_requests: Vec<Request>,
    /// smtpd_delay_reject = no with client restrictions: smtpd runs them once, at connect, for
    /// the real client (smtpd.c: "We use the real client for connect access control"), and
    /// XCLIENT does not run them again. A test client's requests cannot show them.
    connect_checks: bool,
}

fn predict(model: &Model, case: &Case, seed: u64) -> Vec<(usize, Prediction)> {
    let mut out = Vec::new();
    let processes = smtpd_processes(model);
    for (s, service) in case.services.iter().enumerate() {
        let label = service.label();
        let Some(smtpd) = processes.iter().find(|p| p.label() == label) else {
            out.push((
                s,
                Prediction {
                    label,
                    fatal: None,
                    verdict: Verdict::Unknown("postlint does not see this service".into()),
                    requests: Vec::new(),
                    trusted_requests: Vec::new(),
                    connect_checks: false,
                },
            ));
            continue;
        };
        let fatal = match (
            smtpd.list(model, "smtpd_relay_restrictions"),
            smtpd.list(model, "smtpd_recipient_restrictions"),
        ) {
            (Some(relay), Some(recipient)) => {
                let a = has_required(smtpd, &relay, RELAY_REQUIRED).0;
                let b = has_required(smtpd, &recipient, RELAY_REQUIRED).0;
                if a == Answer::Yes || b == Answer::Yes {
                    Some(false)
                } else if a == Answer::No && b == Answer::No {
                    Some(true)
                } else {
                    None
                }
            }
            _ => None,
        };
        let verdict = catch(|| open_relay(model, smtpd))
            .unwrap_or_else(|e| Verdict::Unknown(format!("open_relay panicked: {e}")));
        let mut rng = Rng::stream(seed ^ 0x5151, (case.index * 16 + s) as u64);
        let mut requests = Vec::new();
        for r in requests_for(case, service.sasl(case.sasl), &mut rng) {
            push_unique(&mut requests, r);
        }
        if let Verdict::Open(witnesses) = &verdict {
            // XCLIENT cannot present a client certificate: that witness is
            // permit_tls_all_clientcerts_relays_for_certificates_the_trusted_cas_signed's
            // (tests/oracle_tls.rs).
            for w in witnesses.iter().filter(|w| !w.request.client_cert) {
                push_unique(&mut requests, w.request.clone());
            }
        }
        let connect_checks = smtpd
            .value(model, "smtpd_delay_reject")
            .is_some_and(|v| v.eq_ignore_ascii_case("no"))
            && smtpd
                .list(model, "smtpd_client_restrictions")
                .is_none_or(|l| !l.is_empty());
        let trusted_requests = requests
            .iter()
            .filter(|r| catch(|| accepted_without_relaying(model, smtpd, r)).unwrap_or(false))
            .cloned()
            .collect();
        let requests = requests
            .into_iter()
            .map(|r| {
                let o = catch(|| evaluate(model, smtpd, &r));
                (r, o)
            })
            .collect();
        out.push((
            s,
            Prediction {
                label,
                fatal,
                verdict,
                requests,
                trusted_requests,
                connect_checks,
            },
        ));
    }
    out
}

/// Where failing configurations are kept (POSTLINT_RELAY_ORACLE_KEEP), and how many already are.
struct Keep {
    dir: PathBuf,
    kept: AtomicUsize,
}

fn run_config(seed: u64, index: usize, keep: Option<&Keep>) -> ConfigResult {
    let case = generate(seed, index);
    let mut scratch = match keep {
        Some(keep) => Scratch::new_in(&keep.dir, &format!("config-{index:04}-")),
        None => Scratch::new_in(Path::new("/tmp"), "postlint-relay-"),
    };
    let result = run_case(seed, index, &case, &scratch);
    if let Some(keep) = keep {
        if !result.disagreements.is_empty()
            && keep.kept.fetch_add(1, Ordering::SeqCst) < SHOW_IN_FULL
        {
            scratch.keep = true;
            let text: String = result
                .disagreements
                .iter()
                .map(|d| format_disagreement(d, "") + "\n")
                .collect();
            std::fs::write(scratch.root.join("disagreements.txt"), text).unwrap();
            std::fs::write(
                scratch.root.join("run.sh"),
                format!(
                    "#!/bin/sh\n# The Postfix of config {index} (seed {seed}), in the foreground; \
                     its log is ./maillog. Talk to it with XCLIENT as disagreements.txt shows.\n\
                     cd \"$(dirname \"$0\")\" && exec {} -c \"$PWD/conf\" -d\n",
                    smtp::MASTER
                ),
            )
            .unwrap();
        }
    }
    result
}

fn run_case(seed: u64, index: usize, case: &Case, scratch: &Scratch) -> ConfigResult {
    let mut result = ConfigResult {
        index,
        tally: Tally {
            configs: 1,
            ..Default::default()
        },
        disagreements: Vec::new(),
        description: case.describe(None),
        untestable: None,
        warnings: BTreeSet::new(),
    };
    let disagree = |result: &mut ConfigResult,
                    service: &str,
                    what: &str,
                    request: Option<&Request>,
                    postfix: String,
                    postlint: String,
                    transcript: Vec<String>| {
        result.disagreements.push(Disagreement {
            config: index,
            service: service.to_string(),
            what: what.to_string(),
            request: request.cloned(),
            postfix,
            postlint,
            transcript,
        });
    };
    let phase = Instant::now();
    if let Err(e) = case.write(scratch) {
        panic!("config {index}: {e}");
    }
    result.tally.phases[0] += phase.elapsed();
    let phase = Instant::now();
    let model = match Model::load(&LoadOptions {
        config_dir: Some(scratch.conf()),
        live: Some(true),
        hostname: Some(MYHOSTNAME.into()),
        target: Some(postlint::model::version::Target {
            asked: postlint::model::version::Release::new(3, 7),
            origin: postlint::model::version::Origin::Flag,
        }),
        ..Default::default()
    }) {
        Ok(m) => m,
        Err(e) => {
            disagree(
                &mut result,
                "-",
                "load",
                None,
                "Postfix reads it".into(),
                format!("postlint cannot load it: {e}"),
                Vec::new(),
            );
            return result;
        }
    };
    let predictions = predict(&model, case, seed);
    drop(model);
    result.tally.phases[1] += phase.elapsed();

    let started = Instant::now();
    let mut postfix = match Postfix::start(&scratch.conf(), &scratch.queue(), &scratch.maillog()) {
        Ok(p) => p,
        Err(e) => {
            // master says nothing when a port is taken (it would tell syslog): find out.
            let taken: Vec<u16> = case
                .services
                .iter()
                .map(|s| s.port)
                .filter(|&p| std::net::TcpListener::bind(("127.0.0.1", p)).is_err())
                .collect();
            panic!(
                "Postfix does not start (ports in use now: {taken:?}; \
                 POSTLINT_RELAY_ORACLE_PORT moves them): {e}"
            )
        }
    };
    result.tally.phases[2] += started.elapsed();
    let maillog = scratch.maillog();
    for (s, prediction) in &predictions {
        let service = &case.services[*s];
        let syslog_name = service.syslog_name();
        let label = &prediction.label;
        let t = &mut result.tally;
        t.services += 1;
        t.predicted_fatal += usize::from(prediction.fatal == Some(true));
        match &prediction.verdict {
            Verdict::Open(_) => t.verdict_open += 1,
            Verdict::Closed => t.verdict_closed += 1,
            Verdict::Unknown(_) => t.verdict_unknown += 1,
        }
        let mut fatal: Option<String> = None;
        let mut answers: Vec<(&Request, &Predicted, Observed, Vec<String>)> = Vec::new();
        for (r, predicted) in &prediction.requests {
            let (observed, transcript) = observe(service.port, &syslog_name, &maillog, r);
            if let Observed::Fatal(line) = &observed {
                fatal = Some(line.clone());
                break;
            }
            answers.push((r, predicted, observed, transcript));
        }
        if prediction.requests.is_empty() {
            // Still find out whether it starts.
            let probe = request(
                ("127.0.0.1", Some("localhost"), None),
                HELO,
                SENDER,
                "user@mx.example.org",
            );
            if let (Observed::Fatal(line), _) =
                observe(service.port, &syslog_name, &maillog, &probe)
            {
                fatal = Some(line);
            }
        }
        // Does it start?
        result.tally.observed_fatal += usize::from(fatal.is_some());
        let started_ok = fatal.is_none();
        if prediction.fatal == Some(!started_ok) {
            result.tally.by_kind[0].0 += 1;
            result.tally.agreements += 1;
        } else {
            result.tally.by_kind[0].1 += 1;
            let postfix_says = match &fatal {
                Some(line) => line.clone(),
                None => "starts and greets".to_string(),
            };
            let postlint_says = match prediction.fatal {
                Some(true) => "stops when it starts (relay-check-missing)",
                Some(false) => "starts",
                None => "cannot tell whether it starts",
            };
            disagree(
                &mut result,
                label,
                "startup",
                None,
                postfix_says,
                postlint_says.to_string(),
                Vec::new(),
            );
        }
        if !started_ok {
            continue;
        }
        // Each request.
        let mut outsider_relayed: Vec<&Request> = Vec::new();
        for (r, predicted, observed, transcript) in &answers {
            // Only the banner (the real client's connect check) can show the client
            // restrictions then; whatever XCLIENT presents skips them.
            let at_connect = matches!(observed, Observed::Answer(_, _, "connect"));
            if prediction.connect_checks && !at_connect {
                result.tally.untestable += 1;
                if result.untestable.is_none() {
                    result.untestable = Some(
                        "smtpd_delay_reject = no: client restrictions ran for the real client at \
                         connect, and XCLIENT does not run them again"
                            .to_string(),
                    );
                }
                continue;
            }
            let (outcome, line) = match observed {
                Observed::Answer(o, line, what) => (*o, format!("{line} (to {what})")),
                Observed::Untestable(why) => {
                    result.tally.untestable += 1;
                    if result.untestable.is_none() {
                        result.untestable = Some(why.clone());
                    }
                    continue;
                }
                Observed::Error(e) => {
                    result.tally.requests += 1;
                    result.tally.by_kind[1].1 += 1;
                    disagree(
                        &mut result,
                        label,
                        "request (no answer from Postfix)",
                        Some(r),
                        e.clone(),
                        show_prediction(predicted),
                        transcript.clone(),
                    );
                    continue;
                }
                Observed::Fatal(_) => unreachable!(),
            };
            result.tally.requests += 1;
            result.tally.outcomes[outcome_index(outcome)] += 1;
            let column = outcome_index(*predicted.as_ref().unwrap_or(&Outcome::Unknown));
            result.tally.matrix[outcome_index(outcome)][column] += 1;
            if outcome == Outcome::Accept
                && r.sasl_login.is_none()
                && !case.trusted(&r.client_addr)
                && remote_domain(&r.recipient)
                && !prediction.trusted_requests.contains(r)
            {
                outsider_relayed.push(r);
            }
            if predicted.as_ref().ok() == Some(&outcome) {
                result.tally.by_kind[1].0 += 1;
                result.tally.agreements += 1;
            } else {
                result.tally.by_kind[1].1 += 1;
                disagree(
                    &mut result,
                    label,
                    "request",
                    Some(r),
                    line,
                    show_prediction(predicted),
                    transcript.clone(),
                );
            }
        }
        result.tally.open_observed += usize::from(!outsider_relayed.is_empty());
        if !outsider_relayed.is_empty() {
            result.tally.configs_open = 1;
        }
        // The relay verdict.
        let answer_of = |w: &Request| {
            answers
                .iter()
                .find(|a| a.0 == w)
                .map(|a| (a.2.clone(), a.3.clone()))
        };
        match &prediction.verdict {
            Verdict::Open(witnesses) => {
                let mut all = !witnesses.is_empty();
                if witnesses.is_empty() {
                    disagree(
                        &mut result,
                        label,
                        "open-relay verdict without a witness",
                        None,
                        match outsider_relayed.first() {
                            Some(r) => format!("open: accepts {}", show_request(r)),
                            None => "no outsider request for a remote domain was accepted".into(),
                        },
                        "Open(no witnesses)".to_string(),
                        Vec::new(),
                    );
                }
                for w in witnesses {
                    let r = &w.request;
                    if r.sasl_login.is_some()
                        || case.trusted(&r.client_addr)
                        || !remote_domain(&r.recipient)
                    {
                        all = false;
                        disagree(
                            &mut result,
                            label,
                            "open-relay witness is no outsider's mail for a remote domain",
                            Some(r),
                            "n/a: by this test's address classes it is not an outsider's mail \
                             for a remote domain (mynetworks, a SASL login, or a local, virtual \
                             or relay domain)"
                                .into(),
                            format!("Open: relays for {}", w.who),
                            Vec::new(),
                        );
                    }
                    if prediction.connect_checks {
                        continue; // XCLIENT cannot show connect-time client checks.
                    }
                    let Some((observed, transcript)) = answer_of(&w.request) else {
                        continue;
                    };
                    match observed {
                        Observed::Answer(Outcome::Accept, _, _) | Observed::Untestable(_) => {}
                        Observed::Answer(_, line, what) => {
                            all = false;
                            disagree(
                                &mut result,
                                label,
                                "open-relay witness refused",
                                Some(&w.request),
                                format!("{line} (to {what})"),
                                format!("Open: relays for {}", w.who),
                                transcript,
                            );
                        }
                        _ => all = false,
                    }
                }
                if all {
                    result.tally.by_kind[2].0 += 1;
                    result.tally.agreements += 1;
                } else {
                    result.tally.by_kind[2].1 += 1;
                }
            }
            Verdict::Closed => {
                if let Some(r) = outsider_relayed.first() {
                    result.tally.by_kind[2].1 += 1;
                    let transcript = answer_of(r).map(|a| a.1).unwrap_or_default();
                    disagree(
                        &mut result,
                        label,
                        "closed relay accepts an outsider",
                        Some(r),
                        format!(
                            "accepted ({} outsider requests for remote domains accepted)",
                            outsider_relayed.len()
                        ),
                        "Closed".to_string(),
                        transcript,
                    );
                } else {
                    result.tally.by_kind[2].0 += 1;
                    result.tally.agreements += 1;
                }
            }
            Verdict::Unknown(why) => {
                result.tally.by_kind[2].1 += 1;
                let postfix_says = match outsider_relayed.first() {
                    Some(r) => format!("open: accepts {}", show_request(r)),
                    None => "no outsider request for a remote domain was accepted".to_string(),
                };
                disagree(
                    &mut result,
                    label,
                    "open-relay verdict",
                    None,
                    postfix_says,
                    format!("Unknown: {why}"),
                    Vec::new(),
                );
            }
        }
    }
    // cleanup removes the queue file of an accepted but unfinished transaction after the
    // session ends: let it, before master goes.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !scratch.queue_leftovers().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    result.tally.phases[3] += started.elapsed() - result.tally.phases[2];
    let phase = Instant::now();
    postfix.stop();
    result.tally.phases[4] += phase.elapsed();
    result.tally.postfix_time = started.elapsed();
    // What Postfix warned about, without pids, queue ids and this run's paths.
    let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    let root = scratch.root.to_string_lossy().into_owned();
    for line in log.lines() {
        let Some((who, message)) = line.split_once("]: ") else {
            continue;
        };
        if !(message.starts_with("warning:")
            || message.starts_with("error:")
            || message.starts_with("panic:"))
        {
            continue;
        }
        let program = who.rsplit_once('[').map_or(who, |p| p.0);
        let program = program.rsplit('/').next().unwrap_or(program);
        let message = message.replace(&root, "DIR");
        result.warnings.insert(format!("{program}: {message}"));
    }
    let left = scratch.queue_leftovers();
    assert!(
        left.is_empty(),
        "config {index}: queue files left: {left:?}"
    );
    result
}

// ---------------------------------------------------------------------------------------------

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

fn format_disagreement(d: &Disagreement, description: &str) -> String {
    let mut out = String::new();
    writeln!(out, "config {} service {}: {}", d.config, d.service, d.what).unwrap();
    if let Some(r) = &d.request {
        writeln!(out, "  request:  {}", show_request(r)).unwrap();
    }
    writeln!(out, "  Postfix:  {}", d.postfix).unwrap();
    writeln!(out, "  postlint: {}", d.postlint).unwrap();
    out.push_str(description);
    if !d.transcript.is_empty() {
        writeln!(out, "  session:").unwrap();
        for line in &d.transcript {
            if !line.starts_with("S: 250-") {
                writeln!(out, "    {line}").unwrap();
            }
        }
    }
    out
}

#[test]
fn postfix_judges_relay_model() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(smtp::can_run_postfix()) {
        return;
    }
    let begun = Instant::now();
    let seed = env_number("POSTLINT_RELAY_ORACLE_SEED", 1);
    let count = env_number("POSTLINT_RELAY_ORACLE_CONFIGS", 300) as usize;
    let jobs = env_number("POSTLINT_RELAY_ORACLE_JOBS", 3).max(1) as usize;
    let keep = std::env::var_os("POSTLINT_RELAY_ORACLE_KEEP").map(|dir| {
        let dir = std::path::absolute(PathBuf::from(dir)).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        Keep {
            dir,
            kept: AtomicUsize::new(0),
        }
    });
    let indexes: Vec<usize> = match std::env::var("POSTLINT_RELAY_ORACLE_ONLY") {
        Ok(list) => list
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .expect("POSTLINT_RELAY_ORACLE_ONLY: numbers")
            })
            .collect(),
        Err(_) => (0..count).collect(),
    };

    let results = on_threads(&indexes, jobs, |_, &index| {
        run_config(seed, index, keep.as_ref())
    })
    .unwrap_or_else(|e| panic!("the harness failed (not a disagreement): {e}"));

    let mut total = Tally::default();
    for r in &results {
        let t = &r.tally;
        total.configs += t.configs;
        total.services += t.services;
        total.predicted_fatal += t.predicted_fatal;
        total.observed_fatal += t.observed_fatal;
        total.requests += t.requests;
        total.untestable += t.untestable;
        total.agreements += t.agreements;
        for k in 0..3 {
            total.by_kind[k].0 += t.by_kind[k].0;
            total.by_kind[k].1 += t.by_kind[k].1;
        }
        for k in 0..4 {
            total.outcomes[k] += t.outcomes[k];
            for j in 0..4 {
                total.matrix[k][j] += t.matrix[k][j];
            }
        }
        total.open_observed += t.open_observed;
        total.configs_open += t.configs_open;
        total.verdict_open += t.verdict_open;
        total.verdict_closed += t.verdict_closed;
        total.verdict_unknown += t.verdict_unknown;
        total.postfix_time += t.postfix_time;
        for k in 0..5 {
            total.phases[k] += t.phases[k];
        }
    }
    let disagreements: Vec<(&Disagreement, &ConfigResult)> = results
        .iter()
        .flat_map(|r| r.disagreements.iter().map(move |d| (d, r)))
        .collect();

    // Every disagreement to a file, grouped by configuration; the first ones in full on stderr.
    let report_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle_relay-disagreements.txt");
    let mut report = String::new();
    for r in results.iter().filter(|r| !r.disagreements.is_empty()) {
        writeln!(
            report,
            "=== config {} (seed {seed}): {} disagreements\n{}",
            r.index,
            r.disagreements.len(),
            r.description
        )
        .unwrap();
        for d in &r.disagreements {
            report.push_str(&format_disagreement(d, ""));
            report.push('\n');
        }
    }
    std::fs::write(&report_path, &report).unwrap();
    if !disagreements.is_empty() {
        eprintln!(
            "oracle_relay: the first {SHOW_IN_FULL} disagreements, at most 2 per configuration \
             (every main.cf starts with the lines below, DIR being the scratch directory, then \
             the generated ones shown with each; master.cf is master.cf.dist without its \
             `smtp inet` service and with chroot off, then the services shown):\n{}{}",
            indent(&Scratch::infrastructure_of(Path::new("DIR"), MYHOSTNAME)),
            indent(&SHARED_MAIN.replace(CONF, "DIR/conf"))
        );
    }
    let mut shown = 0;
    for r in &results {
        for d in r.disagreements.iter().take(2) {
            if shown < SHOW_IN_FULL {
                eprintln!("{}", format_disagreement(d, &r.description));
                shown += 1;
            }
        }
    }
    if let Some(keep) = &keep {
        eprintln!(
            "oracle_relay: kept {} failing configurations (conf, queue, maillog, \
             disagreements.txt, run.sh) under {}",
            keep.kept.load(Ordering::SeqCst).min(SHOW_IN_FULL),
            keep.dir.display()
        );
    }

    let mut warnings: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in &results {
        for w in &r.warnings {
            *warnings.entry(w.as_str()).or_default() += 1;
        }
    }
    for (w, n) in &warnings {
        eprintln!("oracle_relay: Postfix warned in {n} configurations: {w}");
    }
    for r in results.iter().filter(|r| r.untestable.is_some()) {
        eprintln!(
            "oracle_relay: config {}: {} requests untestable: {}",
            r.index,
            r.tally.untestable,
            r.untestable.as_deref().unwrap_or_default()
        );
    }
    let t = &total;
    eprintln!(
        "oracle_relay: seed {seed}, {} configurations, {} smtpd services ({} stop at startup \
         per Postfix, {} per postlint), {} requests answered ({} accepted, {} rejected, \
         {} deferred), {} untestable; open to an outsider per Postfix: {} services in {} configurations; \
         postlint verdicts: {} open, {} closed, {} unknown",
        t.configs,
        t.services,
        t.observed_fatal,
        t.predicted_fatal,
        t.requests,
        t.outcomes[0],
        t.outcomes[1],
        t.outcomes[2],
        t.untestable,
        t.open_observed,
        t.configs_open,
        t.verdict_open,
        t.verdict_closed,
        t.verdict_unknown,
    );
    eprintln!(
        "oracle_relay: {} agreements, {} disagreements (startup {}/{}, requests {}/{}, \
         relay verdicts {}/{} agree/disagree); all of them in {}",
        t.agreements,
        disagreements.len(),
        t.by_kind[0].0,
        t.by_kind[0].1,
        t.by_kind[1].0,
        t.by_kind[1].1,
        t.by_kind[2].0,
        t.by_kind[2].1,
        report_path.display()
    );
    eprintln!("oracle_relay: requests by Postfix's answer (rows) and postlint's (columns):");
    eprintln!(
        "  {:>10} {:>8} {:>8} {:>8} {:>8}",
        "", "Accept", "Reject", "Defer", "Unknown"
    );
    for (k, name) in ["Accept", "Reject", "Defer"].iter().enumerate() {
        let row = t.matrix[k];
        eprintln!(
            "  {name:>10} {:>8} {:>8} {:>8} {:>8}",
            row[0], row[1], row[2], row[3]
        );
    }
    let secs = |d: Duration| d.as_secs_f64();
    eprintln!(
        "oracle_relay: {:.1} s in all with {jobs} jobs; summed over jobs: writing and postmap \
         {:.1} s, postlint {:.1} s, starting Postfix {:.1} s, SMTP {:.1} s, stopping Postfix \
         {:.1} s",
        begun.elapsed().as_secs_f64(),
        secs(t.phases[0]),
        secs(t.phases[1]),
        secs(t.phases[2]),
        secs(t.phases[3]),
        secs(t.phases[4]),
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements between postlint and Postfix (seed {seed}); see above and {}",
        disagreements.len(),
        report_path.display()
    );
}

/// The generator is deterministic and, over the default run, writes every kind of thing it
/// knows (so that a change to it cannot quietly stop testing something). Needs no Postfix.
#[test]
fn generator_covers_what_it_should() {
    let text = |case: &Case| {
        let mut t = case.generated_main();
        for s in &case.services {
            t.push_str(&s.master_line());
            t.push('\n');
        }
        for table in &case.tables {
            writeln!(t, "{}:{}\n{}", table.kind, table.name, table.source()).unwrap();
        }
        t
    };
    let mut all = String::new();
    for index in 0..300 {
        let case = generate(1, index);
        let again = generate(1, index);
        assert_eq!(
            text(&case),
            text(&again),
            "config {index} is not deterministic"
        );
        all.push_str(&text(&case));
        for table in &case.tables {
            if table.inline {
                for (k, v) in &table.entries {
                    writeln!(all, "{k} {v}").unwrap();
                }
                if table.kind == "inline"
                    && (1..table.entries.len()).any(|i| {
                        table.entries[..i]
                            .iter()
                            .any(|(k, _)| *k == table.entries[i].0)
                    })
                {
                    writeln!(all, "repeated inline key").unwrap();
                }
            }
        }
    }
    assert_ne!(text(&generate(1, 0)), text(&generate(2, 0)));
    let mut missing = Vec::new();
    let mut want: Vec<String> = [
        "compatibility_level = 0",
        "compatibility_level = 1",
        "compatibility_level = 2",
        "compatibility_level = 3.6",
        "mynetworks_style = host",
        "smtpd_sasl_auth_enable = yes",
        "smtpd_delay_reject = no",
        "smtpd_delay_reject = yes",
        "allow_untrusted_routing",
        "smtpd_restriction_classes = cls1",
        "smtpd_relay_restrictions =\n",
        "hash:",
        "texthash:",
        "cidr:",
        "inline:{",
        "cidr:{ {",
        "repeated inline key",
        "pcre:{ { /",
        "{ /^postmaster@/ ",
        "-o { ",
        "=$s",
        "warn_if_reject",
        "permit_auth_destination",
        "defer_unauth_destination",
        "reject_non_fqdn_helo_hostname",
        "reject_invalid_helo_hostname",
        "reject_non_fqdn_sender",
        "reject_non_fqdn_recipient",
        "defer_if_permit",
        "defer_if_reject",
        "permit_sasl_authenticated,reject",
        "0.0.0.0/0",
        "postmaster@ ",
        "user@ ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    want.extend(ACTIONS.iter().map(|(_, a)| format!(" {a}\n")));
    want.extend(MYNETWORKS.iter().map(|m| format!("mynetworks = {m}\n")));
    for w in &want {
        if !all.contains(w.as_str()) {
            missing.push(w.clone());
        }
    }
    assert!(missing.is_empty(), "the generator never wrote: {missing:?}");
}
