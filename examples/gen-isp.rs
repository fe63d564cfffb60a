//! Writes an ISP-style Postfix setup for benchmarks and scale tests: one main.cf, a domain map, a
//! mailbox map, an alias map, an aliases file and three access tables the restrictions read,
//! with a handful of planted problems.
//!
//! ```text
//! cargo run --release --example gen-isp -- DIR [--domains 100000] [--mailboxes-per-domain 10]
//!     [--aliases-per-domain 7]
//! ```
//!
//! With the defaults that is 100k domains, 1M mailboxes and 700k aliases: 1.8M map lines. The
//! planted problems are printed, one `rule file:line` per line; every size gets the same ones.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Shape {
    pub domains: usize,
    pub mailboxes_per_domain: usize,
    pub aliases_per_domain: usize,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            domains: 100_000,
            mailboxes_per_domain: 10,
            aliases_per_domain: 7,
        }
    }
}

impl Shape {
    /// The fewest domains that hold every planted problem.
    pub const SMALLEST: usize = 20;
}

/// A problem the generator planted: the rule that must report it, the file, the 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Planted {
    pub rule: &'static str,
    pub file: &'static str,
    pub line: usize,
}

/// The role and everyday aliases every domain gets; postmaster and abuse come first.
const ALIASES: &[&str] = &[
    "postmaster",
    "abuse",
    "info",
    "sales",
    "support",
    "webmaster",
    "hostmaster",
    "billing",
    "office",
    "contact",
];

fn domain(i: usize) -> String {
    format!("shop{i}.example")
}

/// A buffered file that counts the lines written to it.
struct Output {
    file: std::io::BufWriter<std::fs::File>,
    line: usize,
    buffer: String,
}

impl Output {
    fn create(path: &Path) -> std::io::Result<Output> {
        Ok(Output {
            file: std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?),
            line: 0,
            buffer: String::new(),
        })
    }

    /// Writes one line and returns its number.
    fn line(&mut self, args: std::fmt::Arguments) -> std::io::Result<usize> {
        self.buffer.clear();
        self.buffer.write_fmt(args).expect("formatting a line");
        self.buffer.push('\n');
        self.file.write_all(self.buffer.as_bytes())?;
        self.line += 1;
        Ok(self.line)
    }
}

fn plant(planted: &mut Vec<Planted>, rule: &'static str, file: &'static str, line: usize) {
    planted.push(Planted { rule, file, line });
}

/// Writes the setup into `dir` (created if missing) and returns what was planted, sorted.
pub fn generate(dir: &Path, shape: &Shape) -> std::io::Result<Vec<Planted>> {
    assert!(
        shape.domains >= Shape::SMALLEST,
        "at least {} domains",
        Shape::SMALLEST
    );
    let aliases_per_domain = shape.aliases_per_domain.clamp(2, ALIASES.len());
    std::fs::create_dir_all(dir)?;
    let mut planted = Vec::new();
    let n = shape.domains;
    // Where the problems go: spread over the files, the same places at every size.
    let local_too = n / 7;
    let alias_domain_too = n / 5;
    let duplicate_mailbox = n / 3;
    let mbox_not_maildir = n / 2;
    let catch_all = 2 * n / 3;
    let no_abuse = 3 * n / 4;
    let missing_value = 4 * n / 5;

    let mut main = Output::create(&dir.join("main.cf"))?;
    main.line(format_args!(
        "# An ISP-style setup written by `cargo run --example gen-isp`: {n} virtual mailbox \
         domains, {} mailboxes and {} aliases.",
        n * shape.mailboxes_per_domain,
        n * aliases_per_domain
    ))?;
    main.line(format_args!("compatibility_level = 3.6"))?;
    main.line(format_args!("myhostname = mx1.isp.example"))?;
    main.line(format_args!("mydomain = isp.example"))?;
    let line = main.line(format_args!(
        "mydestination = $myhostname, localhost, {}",
        domain(local_too)
    ))?;
    plant(
        &mut planted,
        "virtual-domain-in-mydestination",
        "main.cf",
        line,
    );
    main.line(format_args!("alias_maps = hash:/etc/postfix/aliases"))?;
    main.line(format_args!("alias_database = hash:/etc/postfix/aliases"))?;
    main.line(format_args!(
        "virtual_mailbox_domains = hash:/etc/postfix/virtual_domains"
    ))?;
    main.line(format_args!(
        "virtual_mailbox_maps = hash:/etc/postfix/vmailbox"
    ))?;
    main.line(format_args!(
        "virtual_alias_maps = hash:/etc/postfix/virtual"
    ))?;
    main.line(format_args!("virtual_mailbox_base = /var/vmail"))?;
    main.line(format_args!("virtual_uid_maps = static:5000"))?;
    main.line(format_args!("virtual_gid_maps = static:5000"))?;
    let line = main.line(format_args!("virtual_mailbox_limt = 0"))?;
    plant(&mut planted, "unknown-parameter", "main.cf", line);
    main.line(format_args!("smtpd_tls_security_level = may"))?;
    main.line(format_args!(
        "smtpd_client_restrictions = check_client_access hash:/etc/postfix/client_access"
    ))?;
    main.line(format_args!(
        "smtpd_sender_restrictions = check_sender_access hash:/etc/postfix/sender_access"
    ))?;
    main.line(format_args!(
        "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, \
         check_recipient_access hash:/etc/postfix/recipient_access, reject_unauth_destination"
    ))?;
    main.file.flush()?;

    let mut aliases = Output::create(&dir.join("aliases"))?;
    aliases.line(format_args!("# System aliases of the mail host."))?;
    for name in [
        "mailer-daemon",
        "postmaster",
        "abuse",
        "hostmaster",
        "webmaster",
    ] {
        aliases.line(format_args!("{name}: root"))?;
    }
    aliases.line(format_args!("root: ops@isp.example"))?;
    aliases.file.flush()?;

    // Access tables the restrictions read: blocked clients and sender domains, and an OK for
    // every hosted domain ahead of the relay check.
    let mut clients = Output::create(&dir.join("client_access"))?;
    let mut senders = Output::create(&dir.join("sender_access"))?;
    let mut recipients = Output::create(&dir.join("recipient_access"))?;
    clients.line(format_args!("# Clients we refuse."))?;
    senders.line(format_args!("# Sender domains we refuse."))?;
    recipients.line(format_args!("# Hosted domains: accepted from anyone."))?;
    for i in 0..n / 10 {
        clients.line(format_args!(
            "198.18.{}.{} REJECT spam source",
            (i / 250) % 250,
            i % 250 + 1
        ))?;
        senders.line(format_args!("spam{i}.example REJECT"))?;
    }
    clients.file.flush()?;
    senders.file.flush()?;
    let mut domains = Output::create(&dir.join("virtual_domains"))?;
    let mut mailboxes = Output::create(&dir.join("vmailbox"))?;
    let mut virtual_aliases = Output::create(&dir.join("virtual"))?;
    domains.line(format_args!("# The virtual mailbox domains."))?;
    mailboxes.line(format_args!(
        "# address  mailbox (relative to virtual_mailbox_base)"
    ))?;
    virtual_aliases.line(format_args!("# address  where it goes"))?;
    for i in 0..n {
        let d = domain(i);
        let line = domains.line(format_args!("{d} OK"))?;
        recipients.line(format_args!("{d} OK"))?;
        if i == no_abuse {
            plant(&mut planted, "missing-role-alias", "virtual_domains", line);
        }
        for m in 0..shape.mailboxes_per_domain {
            let slash = if i == mbox_not_maildir && m == 1 {
                ""
            } else {
                "/"
            };
            let line = mailboxes.line(format_args!("user{m}@{d} {d}/user{m}{slash}"))?;
            if slash.is_empty() {
                plant(&mut planted, "maildir-trailing-slash", "vmailbox", line);
            }
        }
        if i == duplicate_mailbox {
            let line = mailboxes.line(format_args!("user0@{d} {d}/user0-old/"))?;
            plant(&mut planted, "duplicate-map-key", "vmailbox", line);
            // A new mailbox with a typo in its domain: `.exmaple` for `.example`.
            let typo = d.replace(".example", ".exmaple");
            let line = mailboxes.line(format_args!("new@{typo} {d}/new/"))?;
            plant(&mut planted, "mailbox-outside-domains", "vmailbox", line);
        }
        for (a, name) in ALIASES[..aliases_per_domain].iter().enumerate() {
            if i == no_abuse && *name == "abuse" {
                continue;
            }
            let target = a % shape.mailboxes_per_domain.max(1);
            virtual_aliases.line(format_args!("{name}@{d} user{target}@{d}"))?;
        }
        if i == alias_domain_too {
            // virtual(5)'s domain line: it makes the domain a virtual alias domain as well.
            let line = virtual_aliases.line(format_args!("{d} anything"))?;
            plant(&mut planted, "domain-in-multiple-classes", "virtual", line);
        }
        if i == catch_all {
            // Its mailboxes have no identity aliases: the catch-all takes their mail.
            let line = virtual_aliases.line(format_args!("@{d} user0@{d}"))?;
            plant(&mut planted, "catch-all-alias", "virtual", line);
            plant(&mut planted, "catch-all-shadows-mailbox", "virtual", line);
        }
        if i == no_abuse {
            // A former employee's alias kept after the mailbox was deleted.
            let line = virtual_aliases.line(format_args!("former@{d} gone@{d}"))?;
            plant(&mut planted, "alias-target-unknown", "virtual", line);
        }
        if i == missing_value {
            let line = virtual_aliases.line(format_args!("sales-old@{d}"))?;
            plant(&mut planted, "invalid-syntax", "virtual", line);
            // Two admins forward one address to each other.
            let line = virtual_aliases.line(format_args!("helpdesk-old@{d} helpdesk-new@{d}"))?;
            virtual_aliases.line(format_args!("helpdesk-new@{d} helpdesk-old@{d}"))?;
            plant(&mut planted, "alias-loop", "virtual", line);
        }
    }
    domains.file.flush()?;
    recipients.file.flush()?;
    mailboxes.file.flush()?;
    virtual_aliases.file.flush()?;
    planted.sort();
    Ok(planted)
}

#[allow(dead_code)] // the scale test includes this file for `generate`
fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut shape = Shape::default();
    let usage =
        "usage: gen-isp DIR [--domains N] [--mailboxes-per-domain N] [--aliases-per-domain N]";
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                eprintln!("gen-isp: {name} needs a number\n{usage}");
                std::process::exit(2)
            })
        };
        match arg.as_str() {
            "--domains" => shape.domains = number("--domains"),
            "--mailboxes-per-domain" => {
                shape.mailboxes_per_domain = number("--mailboxes-per-domain")
            }
            "--aliases-per-domain" => shape.aliases_per_domain = number("--aliases-per-domain"),
            "-h" | "--help" => {
                println!("{usage}");
                return;
            }
            _ if dir.is_none() && !arg.starts_with('-') => dir = Some(arg),
            _ => {
                eprintln!("gen-isp: unexpected argument {arg}\n{usage}");
                std::process::exit(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    if shape.domains < Shape::SMALLEST {
        eprintln!("gen-isp: --domains must be at least {}", Shape::SMALLEST);
        std::process::exit(2);
    }
    match generate(Path::new(&dir), &shape) {
        Ok(planted) => {
            for p in planted {
                println!("{} {}:{}", p.rule, p.file, p.line);
            }
        }
        Err(e) => {
            eprintln!("gen-isp: {dir}: {e}");
            std::process::exit(1);
        }
    }
}
