//! What each parameter accepts, and who reads it: the type and limits each Postfix program's
//! parameter table gives a name (data/postfix-params.tsv, generated from Postfix's sources by
//! scripts/gen-version-data.py), the programs a setup runs, and whether a value is one a
//! program rejects when it starts ("fatal: bad boolean configuration: ...").

use std::collections::HashMap;
use std::sync::OnceLock;

use super::version::Release;
use super::Model;
use crate::source::Span;

const PARAMS_TEXT: &str = include_str!("../../data/postfix-params.tsv");

/// How a program converts a parameter's text (global/mail_conf_*.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `yes` or `no`, any case.
    Bool,
    /// A decimal `int`, with the table's limits.
    Int,
    /// A decimal `long`.
    Long,
    /// A number with an optional unit (s, m, h, d, w; else the default's unit).
    Time,
    /// Text, with the table's limits on its length.
    Str,
    /// Text that is not `$`-expanded, with limits on its length.
    Raw,
}

/// One parameter as a range of releases' tables define it.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    /// For times: the unit of a bare number.
    pub unit: Option<u8>,
    /// Lower and upper limits (of the value, or of a string's length); 0 is none, as in Postfix.
    pub min: i64,
    pub max: i64,
    /// The programs whose tables hold it; empty: every program (the global table).
    pub programs: Vec<&'static str>,
    pub first: Release,
    pub last: Option<Release>,
}

impl Spec {
    fn covers(&self, release: Release) -> bool {
        self.first <= release && self.last.is_none_or(|last| release <= last)
    }

    /// Whether every Postfix program reads it (the global table in mail_params.c).
    pub fn is_global(&self) -> bool {
        self.programs.is_empty()
    }
}

fn specs() -> &'static HashMap<&'static str, Vec<Spec>> {
    static SPECS: OnceLock<HashMap<&'static str, Vec<Spec>>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<Spec>> = HashMap::new();
        for row in super::data::rows(PARAMS_TEXT) {
            if let Some(spec) = parse_row(row) {
                map.entry(spec.name).or_default().push(spec);
            }
        }
        map
    })
}

/// `name type unit min max programs versions default`.
fn parse_row(mut f: std::str::Split<'static, char>) -> Option<Spec> {
    let name = f.next()?;
    let kind = match f.next()? {
        "bool" | "nbool" => Kind::Bool,
        "int" | "nint" => Kind::Int,
        "long" => Kind::Long,
        "time" => Kind::Time,
        "str" => Kind::Str,
        "raw" => Kind::Raw,
        _ => return None,
    };
    let unit = f.next()?.bytes().next().filter(|u| u.is_ascii_lowercase());
    let number = |text: &str| text.parse::<i64>().unwrap_or(0);
    let min = number(f.next()?);
    let max = number(f.next()?);
    let programs = match f.next()? {
        "*" => Vec::new(),
        list => list.split(',').collect(),
    };
    let (first, last) = super::data::release_range(f.next()?)?;
    Some(Spec {
        name,
        kind,
        unit,
        min,
        max,
        programs,
        first,
        last,
    })
}

/// Every parameter some program of a release reads, each once.
pub fn names(release: Release) -> impl Iterator<Item = &'static str> {
    let mut names: Vec<&'static str> = specs()
        .iter()
        .filter(|(_, list)| list.iter().any(|s| s.covers(release)))
        .map(|(name, _)| *name)
        .collect();
    names.sort_unstable();
    names.into_iter()
}

/// The line that makes a program run: for local(8) and virtual(8) the domains routed to it,
/// for the others their master.cf service.
pub fn trigger_of(model: &Model, program: &str) -> Option<Span> {
    // virtual_mailbox_domains defaults to $virtual_mailbox_maps.
    let params: &[&str] = match program {
        "local" => &["mydestination"],
        "virtual" => &["virtual_mailbox_domains", "virtual_mailbox_maps"],
        _ => &[],
    };
    if let Some(def) = params.iter().find_map(|p| model.params.get(p)) {
        return Some(def.value_span);
    }
    model
        .master
        .services
        .iter()
        .find(|s| program_of(&s.command) == program)
        .map(|s| s.command_span)
}

/// The ways a release's programs read a parameter (several when programs disagree on limits).
pub fn specs_of(name: &str, release: Release) -> impl Iterator<Item = &'static Spec> {
    specs()
        .get(name)
        .into_iter()
        .flatten()
        .filter(move |s| s.covers(release))
}

/// Why a program refuses a value, in its own words (without the `program: fatal: ` prefix).
pub fn refusal(spec: &Spec, value: &str) -> Option<String> {
    let name = spec.name;
    match spec.kind {
        Kind::Bool => (!value.eq_ignore_ascii_case("yes") && !value.eq_ignore_ascii_case("no"))
            .then(|| format!("bad boolean configuration: {name} = {value}")),
        Kind::Int | Kind::Long => {
            let Some(n) = strtol_whole(value)
                .filter(|n| spec.kind == Kind::Long || i32::try_from(*n).is_ok())
            else {
                return Some(format!("bad numerical configuration: {name} = {value}"));
            };
            out_of_limits(spec, n)
                .map(|(op, limit)| format!("invalid {name} parameter value {n} {op} {limit}"))
        }
        Kind::Time => {
            let Some(seconds) = conv_time(value, spec.unit.unwrap_or(b's')) else {
                return Some(format!("parameter {name}: bad time value or unit: {value}"));
            };
            out_of_limits(spec, seconds).map(|(op, limit)| {
                let word = if op == "<" { "min" } else { "max" };
                format!("invalid {name}: {seconds} ({word} {limit})")
            })
        }
        Kind::Str | Kind::Raw => {
            let len = value.len() as i64;
            // mail_conf_raw.c words it with parentheses.
            let (open, close) = match spec.kind {
                Kind::Raw => ("(", ")"),
                _ => ("", ""),
            };
            if spec.min != 0 && len < spec.min {
                Some(format!(
                    "bad string length {open}{len} < {}{close}: {name} = {value}",
                    spec.min
                ))
            } else if spec.max != 0 && len > spec.max {
                Some(format!(
                    "bad string length {open}{len} > {}{close}: {name} = {value}",
                    spec.max
                ))
            } else {
                None
            }
        }
    }
}

/// Which of the table's limits a number breaks (Postfix checks a limit only when it is not 0).
fn out_of_limits(spec: &Spec, n: i64) -> Option<(&'static str, i64)> {
    if spec.min != 0 && n < spec.min {
        Some(("<", spec.min))
    } else if spec.max != 0 && n > spec.max {
        Some((">", spec.max))
    } else {
        None
    }
}

/// A word a parameter must be one of (name_code / name_mask tables in the programs), and how
/// the program words its refusal. Measured with the 3.7 daemons (tests/oracle_daemons.rs).
struct Choice {
    name: &'static str,
    words: &'static [&'static str],
    /// Whether `Yes` is `yes` (name_code without NAME_CODE_FLAG_STRICT_CASE).
    any_case: bool,
    /// A list of words (name_mask) rather than one word.
    list: bool,
    empty_ok: bool,
    message: fn(&str, &str, &str) -> String,
}

const TLS_LEVELS: &[&str] = &[
    "none",
    "may",
    "encrypt",
    "fingerprint",
    "halfdane",
    "dane",
    "dane-only",
    "verify",
    "secure",
];
const POSTSCREEN_ACTIONS: &[&str] = &["ignore", "enforce", "drop"];

fn tls_level(_: &str, value: &str, _: &str) -> String {
    format!("Invalid TLS level \"{value}\"")
}
fn unknown_in_list(name: &str, value: &str, word: &str) -> String {
    format!("unknown {name} value \"{word}\" in \"{value}\"")
}
fn invalid_quoted(name: &str, value: &str, _: &str) -> String {
    format!("invalid {name}: \"{value}\"")
}
fn delivery_lock(_: &str, value: &str, word: &str) -> String {
    // virtual(8) reads virtual_mailbox_lock with local(8)'s table, and names that.
    format!("unknown mailbox_delivery_lock value \"{word}\" in \"{value}\"")
}
fn postscreen_action(name: &str, value: &str, _: &str) -> String {
    format!("bad {name} value: {value}")
}
fn bad_parameter_value(name: &str, value: &str, _: &str) -> String {
    format!("bad parameter value: '{name} = {value}'")
}

const CHOICES: &[Choice] = &[
    Choice {
        name: "smtpd_tls_security_level",
        words: TLS_LEVELS,
        any_case: true,
        list: false,
        empty_ok: true,
        message: tls_level,
    },
    Choice {
        name: "smtp_tls_security_level",
        words: TLS_LEVELS,
        any_case: true,
        list: false,
        empty_ok: true,
        message: tls_level,
    },
    Choice {
        name: "lmtp_tls_security_level",
        words: TLS_LEVELS,
        any_case: true,
        list: false,
        empty_ok: true,
        message: tls_level,
    },
    Choice {
        name: "postscreen_tls_security_level",
        words: TLS_LEVELS,
        any_case: true,
        list: false,
        empty_ok: true,
        message: tls_level,
    },
    Choice {
        name: "smtp_dns_support_level",
        words: &["disabled", "enabled", "dnssec"],
        any_case: true,
        list: false,
        empty_ok: true,
        message: invalid_quoted,
    },
    Choice {
        name: "lmtp_dns_support_level",
        words: &["disabled", "enabled", "dnssec"],
        any_case: true,
        list: false,
        empty_ok: true,
        message: invalid_quoted,
    },
    Choice {
        name: "notify_classes",
        words: &[
            "bounce", "2bounce", "data", "delay", "policy", "protocol", "resource", "software",
        ],
        any_case: false,
        list: true,
        empty_ok: true,
        message: unknown_in_list,
    },
    Choice {
        name: "allow_mail_to_commands",
        words: &["alias", "forward", "include"],
        any_case: false,
        list: true,
        empty_ok: true,
        message: unknown_in_list,
    },
    Choice {
        name: "allow_mail_to_files",
        words: &["alias", "forward", "include"],
        any_case: false,
        list: true,
        empty_ok: true,
        message: unknown_in_list,
    },
    Choice {
        name: "mailbox_delivery_lock",
        words: &["flock", "fcntl", "dotlock"],
        any_case: false,
        list: true,
        empty_ok: false,
        message: unknown_in_list,
    },
    Choice {
        name: "virtual_mailbox_lock",
        words: &["flock", "fcntl", "dotlock"],
        any_case: false,
        list: true,
        empty_ok: false,
        message: delivery_lock,
    },
    Choice {
        name: "masquerade_classes",
        words: &[
            "envelope_sender",
            "envelope_recipient",
            "header_sender",
            "header_recipient",
        ],
        any_case: false,
        list: true,
        empty_ok: true,
        message: unknown_in_list,
    },
    Choice {
        name: "receive_override_options",
        words: &[
            "no_unknown_recipient_checks",
            "no_address_mappings",
            "no_header_body_checks",
            "no_milters",
        ],
        any_case: false,
        list: true,
        empty_ok: true,
        message: unknown_in_list,
    },
    Choice {
        name: "inet_protocols",
        words: &["all", "ipv4", "ipv6"],
        any_case: false,
        list: true,
        empty_ok: true,
        message: unknown_in_list,
    },
    Choice {
        name: "postscreen_dnsbl_action",
        words: POSTSCREEN_ACTIONS,
        any_case: true,
        list: false,
        empty_ok: false,
        message: postscreen_action,
    },
    Choice {
        name: "postscreen_greet_action",
        words: POSTSCREEN_ACTIONS,
        any_case: true,
        list: false,
        empty_ok: false,
        message: postscreen_action,
    },
    Choice {
        name: "postscreen_pipelining_action",
        words: POSTSCREEN_ACTIONS,
        any_case: true,
        list: false,
        empty_ok: false,
        message: postscreen_action,
    },
    Choice {
        name: "postscreen_non_smtp_command_action",
        words: POSTSCREEN_ACTIONS,
        any_case: true,
        list: false,
        empty_ok: false,
        message: postscreen_action,
    },
    Choice {
        name: "postscreen_bare_newline_action",
        words: POSTSCREEN_ACTIONS,
        any_case: true,
        list: false,
        empty_ok: false,
        message: postscreen_action,
    },
    Choice {
        name: "smtpd_forbid_bare_newline",
        words: &["normalize", "yes", "reject", "no"],
        any_case: true,
        list: false,
        empty_ok: false,
        message: bad_parameter_value,
    },
];

/// A word outside a parameter's choices, in the program's words.
fn choice_refusal(name: &str, value: &str) -> Option<String> {
    let choice = CHOICES.iter().find(|c| c.name == name)?;
    let known = |word: &str| {
        choice.words.iter().any(|w| {
            if choice.any_case {
                w.eq_ignore_ascii_case(word)
            } else {
                *w == word
            }
        })
    };
    if value.trim_ascii().is_empty() {
        return (!choice.empty_ok).then(|| (choice.message)(name, value, value));
    }
    if choice.list {
        let bad = crate::parse::list::split_list(value)
            .into_iter()
            .map(|r| &value[r])
            .find(|w| !known(w))?;
        return Some((choice.message)(name, value, bad));
    }
    (!known(value.trim_ascii())).then(|| (choice.message)(name, value, value))
}

/// The checks of global/mail_params.c that every program makes at start, beyond types.
fn global_refusal(model: &Model, name: &str, value: &str) -> Option<String> {
    match name {
        "compatibility_level" => super::expand::parse_compat_level(value)
            .is_none()
            .then(|| format!("malformed compatibility level syntax: \"{value}\"")),
        "myorigin" => (crate::parse::list::split_list(value).len() > 1).then(|| {
            format!("myorigin parameter setting must not contain multiple values: {value}")
        }),
        "relayhost" => {
            let myhostname = model.params.param("myhostname");
            let host = myhostname.known()?;
            (!value.is_empty() && value.eq_ignore_ascii_case(host)).then(|| {
                format!("myhostname and relayhost parameter settings must not be identical: {host}")
            })
        }
        "mail_owner" | "default_privs" => {
            if value == "root" {
                return Some(format!(
                    "parameter {name}: user root has privileged user ID"
                ));
            }
            let other = if name == "mail_owner" {
                "default_privs"
            } else {
                "mail_owner"
            };
            let other_value = model.params.param(other);
            (name == "default_privs" && other_value.known() == Some(value)).then(|| {
                format!("parameters default_privs and mail_owner specify the same user {value}")
            })
        }
        "syslog_facility" => {
            const FACILITIES: &[&str] = &[
                "auth", "authpriv", "cron", "daemon", "ftp", "kern", "lpr", "mail", "news",
                "syslog", "user", "uucp", "local0", "local1", "local2", "local3", "local4",
                "local5", "local6", "local7", "security",
            ];
            (!FACILITIES.iter().any(|f| f.eq_ignore_ascii_case(value)))
                .then(|| format!("parameter syslog_facility: unrecognized value: {value}"))
        }
        // mail_params.c checks both with valid_hostname() and stops on a bad one.
        "myhostname" | "mydomain" => value
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
            .then(|| format!("parameter {name}: bad parameter value: {value}")),
        _ => None,
    }
}

/// `strtol(text, &end, 10)` that must use the whole text: leading white space and a sign are
/// allowed, nothing after the digits.
fn strtol_whole(text: &str) -> Option<i64> {
    let (n, rest) = strtol(text)?;
    rest.is_empty().then_some(n)
}

/// C's `strtol` in base 10: the number and the text after it; None when no digit was read or
/// the number does not fit a `long`.
fn strtol(text: &str) -> Option<(i64, &str)> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let magnitude: i64 = t[..digits].parse().ok()?;
    Some((if negative { -magnitude } else { magnitude }, &t[digits..]))
}

/// global/conv_time.c: a non-negative `int`, then a unit letter or nothing (the default unit).
/// Text after the unit letter is ignored, as Postfix ignores it; with no digits at all strtol
/// reads 0 and the first character is the unit (`s` alone is 0 seconds).
fn conv_time(text: &str, default_unit: u8) -> Option<i64> {
    if text.is_empty() {
        return None;
    }
    let (n, rest) = strtol(text).unwrap_or((0, text));
    if n < 0 || i32::try_from(n).is_err() {
        return None;
    }
    let unit = rest.bytes().next().unwrap_or(default_unit);
    let scale: i64 = match unit {
        b'w' => 7 * 86400,
        b'd' => 86400,
        b'h' => 3600,
        b'm' => 60,
        b's' => 1,
        _ => return None,
    };
    let seconds = n * scale;
    // Postfix refuses a product that overflows an int.
    (scale == 1 || n < i64::from(i32::MAX) / scale).then_some(seconds)
}

/// A value some program of the setup refuses at start: which programs, and the log line.
#[derive(Clone, Debug)]
pub struct Rejection {
    /// "smtpd", "smtpd and cleanup", or "postfix and every daemon".
    pub daemons: String,
    /// The log line, `fatal: ...`.
    pub log_line: String,
}

/// A value as written and as Postfix expands it (None when postlint cannot know it).
#[derive(Clone, Copy, Debug)]
pub struct Value<'a> {
    pub written: &'a str,
    pub expanded: Option<&'a str>,
}

/// Whether a value of `name` stops a program this setup runs. `command` is the master.cf
/// command for an `-o` override (only that service reads it), None for main.cf.
pub fn rejection(
    model: &Model,
    name: &str,
    value: Value<'_>,
    command: Option<&str>,
) -> Option<Rejection> {
    let release = model.target.release();
    let in_use = programs_in_use(model);
    for spec in specs_of(name, release) {
        // A raw parameter is read as written; the others after `$` expansion.
        let text = match spec.kind {
            Kind::Raw => value.written,
            _ => match value.expanded {
                Some(text) => text,
                None => continue,
            },
        };
        let reason = refusal(spec, text)
            .or_else(|| choice_refusal(name, text))
            .or_else(|| {
                spec.is_global()
                    .then(|| global_refusal(model, name, text))
                    .flatten()
            });
        let Some(reason) = reason else {
            continue;
        };
        let daemons = match command {
            Some(command) => {
                let program = program_of(command);
                (spec.is_global() || spec.programs.contains(&program)).then(|| program.to_string())
            }
            None if spec.is_global() => Some("postfix and every daemon".to_string()),
            None => {
                let readers: Vec<&str> = spec
                    .programs
                    .iter()
                    .copied()
                    .filter(|p| in_use.contains(p))
                    .collect();
                (!readers.is_empty()).then(|| join_and(&readers))
            }
        };
        if let Some(daemons) = daemons {
            return Some(Rejection {
                daemons,
                log_line: format!("fatal: {reason}"),
            });
        }
    }
    None
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Whether virtual(8) delivers the virtual mailbox domains (None: postlint cannot tell).
pub fn virtual_delivers(model: &Model) -> Option<bool> {
    let transport = super::restrictions::service_value(model, None, "virtual_transport")?;
    let name = transport.split(':').next().unwrap_or("").trim_ascii();
    if !model.master.is_known() {
        return Some(name == "virtual");
    }
    Some(
        super::tls::transport_service(model, name)
            .is_some_and(|s| program_of(&s.command) == "virtual"),
    )
}

/// Whether virtual_mailbox_maps is empty (false when postlint cannot know it). smtpd then
/// accepts every address of a virtual mailbox domain: smtpd_check.c asks the table only when
/// the parameter is not empty, and virtual_transport (often Dovecot over LMTP) decides.
pub fn virtual_mailbox_maps_empty(model: &Model) -> bool {
    super::restrictions::service_value(model, None, "virtual_mailbox_maps")
        .is_some_and(|v| v.is_empty())
}

/// Virtual mailbox domains whose users only the transport knows (`virtual_mailbox_maps` is
/// empty): rules about their addresses cannot decide.
pub fn mailbox_users_unseen(model: &Model) -> bool {
    virtual_mailbox_maps_empty(model)
        && model
            .class(super::classes::ClassKind::VirtualMailbox)
            .member_slots()
            > 0
}

/// Whether an smtp client logs in: Some(true) when one has smtp_sasl_auth_enable on,
/// Some(false) when every one has it off (or none delivers), None when a client's flag is
/// unknown.
pub fn smtp_sasl_on(model: &Model) -> Option<bool> {
    let mut unknown = false;
    for client in smtp_clients(model) {
        match super::tls::flag(model, client, "smtp_sasl_auth_enable") {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(false)
}

/// The smtp clients that deliver, each as it reads its parameters: the master.cf services
/// whose program is smtp, or, without master.cf, `None` (the stock services, which read
/// main.cf). Empty when master.cf runs no smtp client.
pub fn smtp_clients(model: &Model) -> Vec<Option<&super::master::Service>> {
    if !model.master.is_known() {
        return vec![None];
    }
    model
        .master
        .running()
        .filter(|s| program_of(&s.command) == "smtp")
        .map(Some)
        .collect()
}

/// What the smtp client logs when it stops on one destination of a next-hop list (relayhost,
/// smtp_fallback_relay), parsed as smtp_connect.c parses it each time it tries the
/// destination: `host_port()` (`[host]:port`, `host:port`, a host that passes
/// `valid_hostname()` or is an address), then the port (a number from 1 to 65535, or a name
/// that known_tcp_ports or the services database gives). None when the smtp client takes it,
/// or when postlint cannot know (a non-ASCII name, which Postfix converts with IDNA; a service
/// name such as `smtp` that only the machine's services database knows).
pub fn next_hop_refusal(destination: &str) -> Option<String> {
    use super::relay::{valid_hostname, valid_ipv4_hostaddr, valid_ipv6_hostaddr};
    let fatal = |why: &str| Some(format!("{why} in server description: {destination}"));
    let (host, port) = if let Some(rest) = destination.strip_prefix('[') {
        let (ipv6, rest) = match rest.get(..5) {
            Some(p) if p.eq_ignore_ascii_case("ipv6:") => (true, &rest[5..]),
            _ => (false, rest),
        };
        let Some((host, after)) = rest.split_once(']') else {
            return fatal("missing \"]\"");
        };
        let port = match after.strip_prefix(':') {
            Some(port) => port,
            None if after.is_empty() => "",
            None => return fatal("garbage after \"]\""),
        };
        if ipv6 && !valid_ipv6_hostaddr(host) {
            return fatal("malformed IPv6 address");
        }
        // host_port() points at the empty text inside `[]`: a host, which is no valid name.
        if host.is_empty() {
            return fatal("valid hostname or network address required");
        }
        (host, port)
    } else {
        destination.rsplit_once(':').unwrap_or((destination, ""))
    };
    if host.is_empty() {
        return fatal("missing host information");
    }
    let is_address = |h: &str| match h.contains(':') {
        true => valid_ipv6_hostaddr(h),
        false => valid_ipv4_hostaddr(h),
    };
    if !host.is_ascii() {
        return None;
    }
    if !valid_hostname(host) && !is_address(host) {
        return fatal("valid hostname or network address required");
    }
    let starts_with_digit = port.bytes().next().is_some_and(|b| b.is_ascii_digit());
    if starts_with_digit && !port.bytes().all(|b| b.is_ascii_digit()) {
        return fatal("garbage after numerical service");
    }
    if starts_with_digit {
        let number: u64 = port.parse().unwrap_or(u64::MAX);
        if number == 0 || number >= 65536 {
            return Some(format!(
                "bad network port: {port} for destination: {destination}"
            ));
        }
    } else if port.contains(['/', '@', '[', ']', '.']) {
        // No services database names a service so (`smtp://host` leaves `//host`).
        return Some(format!("unknown service: {port}/tcp"));
    }
    None
}

/// The entries of a milter list (smtpd_milters, non_smtpd_milters) as milter8.c reads them:
/// each entry's name (`unix:/run/x.sock`, `inet:127.0.0.1:8891`) and the default_action its
/// `{ name, default_action = accept, ... }` group gives, if any.
pub fn milter_entries(value: &str) -> Vec<(&str, Option<&str>)> {
    crate::parse::list::split_list(value)
        .into_iter()
        .map(|r| {
            let entry = &value[r];
            let Some(group) = entry.strip_prefix('{') else {
                return (entry, None);
            };
            let group = group.strip_suffix('}').unwrap_or(group);
            let items: Vec<&str> = crate::parse::list::split_list(group)
                .into_iter()
                .map(|r| &group[r])
                .collect();
            let action = items.iter().skip(1).find_map(|item| {
                let (key, value) = item.split_once('=')?;
                (key.trim_ascii() == "default_action").then(|| value.trim_ascii())
            });
            (items.first().copied().unwrap_or(""), action)
        })
        .collect()
}

/// The program a master.cf command runs (`smtpd`, or `/usr/libexec/postfix/smtpd`).
pub fn program_of(command: &str) -> &str {
    command.rsplit('/').next().unwrap_or(command)
}

/// The commands of the master.cf Postfix installs, for a setup whose master.cf is not there.
const DEFAULT_MASTER_COMMANDS: &[&str] = &[
    "smtpd",
    "pickup",
    "cleanup",
    "qmgr",
    "tlsmgr",
    "trivial-rewrite",
    "bounce",
    "verify",
    "flush",
    "proxymap",
    "smtp",
    "showq",
    "error",
    "discard",
    "local",
    "virtual",
    "lmtp",
    "anvil",
    "scache",
    "postlogd",
];

/// The programs this setup runs. Delivery agents count only when mail is routed to them:
/// local(8) when mydestination lists something and local_transport names a local service,
/// virtual(8) when virtual_mailbox_domains does and virtual_transport names a virtual
/// service. What postlint cannot know counts as not running, so nothing is reported on it.
/// The program a transport (`smtp`, `relay:[host]:587`) runs: its master.cf service's, or,
/// without a master.cf postlint knows, the usual program of Postfix's own service names.
pub fn transport_program<'m>(model: &'m Model, transport: &str) -> Option<&'m str> {
    let name = transport.split(':').next().unwrap_or("").trim_ascii();
    if !model.master.is_known() {
        return match name {
            "smtp" | "relay" => Some("smtp"),
            "lmtp" => Some("lmtp"),
            "virtual" => Some("virtual"),
            "local" => Some("local"),
            "error" | "retry" => Some("error"),
            "discard" => Some("discard"),
            _ => None,
        };
    }
    let service = crate::model::tls::transport_service(model, name)?;
    Some(program_of(&service.command))
}

/// Whether no mail leaves this server for other domains: what no table routes goes to error(8)
/// or discard(8) (`default_transport = error`, or a transport table's `*` entry), and every
/// entry of the transport tables, all of which postlint reads, sends mail to error(8),
/// discard(8), local(8) or virtual(8), or is for one of this server's own domains (local,
/// virtual alias, virtual mailbox), whatever it routes it to. Mail a client relays is then never sent on (a test
/// sink, a host that only delivers locally): smtpd refuses a recipient that resolves to the
/// error transport at RCPT (550 with the error's text), and discard drops the mail
/// (tests/oracle_nothing_leaves.rs). False when postlint cannot tell.
pub fn nothing_leaves(model: &Model) -> bool {
    *model
        .nothing_leaves
        .get_or_init(|| work_out_nothing_leaves(model))
}

fn work_out_nothing_leaves(model: &Model) -> bool {
    let program = |transport: &str| transport_program(model, transport);
    let stops = |transport: &str| matches!(program(transport), Some("error" | "discard"));
    let sender_dependent = model
        .params
        .expand("sender_dependent_default_transport_maps");
    if sender_dependent.has_unknown() || !sender_dependent.text.trim_ascii().is_empty() {
        return false;
    }
    let default = model.params.expand("default_transport");
    if default.has_unknown() {
        return false;
    }
    let transports = model.maps("transport_maps");
    if transports.unknown {
        return false;
    }
    let all = model.tables.leaf_tables_of(&transports.tables, |_| true);
    let known = model.tables.known_entry_tables_of(&transports.tables);
    if all.len() != known.len() {
        return false;
    }
    let mut wildcard_stops = false;
    for id in known {
        let Some(entries) = model.tables.get(id).entries() else {
            return false;
        };
        for entry in entries.iter() {
            let value = entry.value.trim_ascii();
            // An entry for one of this server's own domains (`lists.example.org patchwork:`, a
            // pipe for a local domain) routes only mail this server takes anyway: none of it
            // is relayed.
            let key = super::tables::fold(entry.key);
            let own_domain = !key.contains(['@', '*'])
                && !key.starts_with('.')
                && matches!(
                    model.resolve_class(&key),
                    super::Resolved::Class(
                        super::classes::ClassKind::Local
                            | super::classes::ClassKind::VirtualAlias
                            | super::classes::ClassKind::VirtualMailbox,
                        _
                    )
                );
            if own_domain {
                continue;
            }
            let inside = matches!(
                program(value),
                Some("error" | "discard" | "local" | "virtual")
            );
            if !inside {
                return false;
            }
            if entry.key == "*" {
                wildcard_stops = stops(value);
            }
        }
    }
    wildcard_stops || stops(&default.text)
}

pub fn programs_in_use(model: &Model) -> std::collections::HashSet<&str> {
    let services: Vec<(&str, &str)> = if model.master.is_known() {
        model
            .master
            .services
            .iter()
            .map(|s| (s.name.as_str(), program_of(&s.command)))
            .collect()
    } else {
        DEFAULT_MASTER_COMMANDS.iter().map(|c| (*c, *c)).collect()
    };
    let routed = |transport_param: &str, domains_param: &str, program: &str| {
        // The transport before `:` decides; the next hop (`local:$myhostname`) may be unknown.
        let transport = model.params.param(transport_param);
        let name = transport
            .expanded
            .text
            .split(':')
            .next()
            .unwrap_or("")
            .trim_ascii();
        if name.contains(super::expand::UNKNOWN) {
            return false;
        }
        // Some item is known (the default mydestination ends in `localhost` whatever the host).
        let domains = model.params.param(domains_param);
        let text = &domains.expanded.text;
        let has_domains = crate::parse::list::split_list(text)
            .into_iter()
            .any(|r| !text[r].contains(super::expand::UNKNOWN));
        has_domains
            && services
                .iter()
                .any(|(service, p)| *service == name && *p == program)
    };
    let mut in_use = std::collections::HashSet::new();
    for (_, program) in &services {
        let used = match *program {
            "local" => routed("local_transport", "mydestination", "local"),
            "virtual" => {
                routed("virtual_transport", "virtual_mailbox_domains", "virtual")
                    && !*model
                        .virtual_bypassed
                        .get_or_init(|| virtual_bypassed(model, &services))
            }
            _ => true,
        };
        if used {
            in_use.insert(*program);
        }
    }
    in_use
}

/// Whether transport_maps may send every domain of virtual_mailbox_domains to another
/// transport (Sympa's `lists.example.org sympa:`, an `error:` entry), so that virtual(8) is
/// never handed a message: each domain's domain-wide entry (the domain, a `.parent`, `*`)
/// names a transport that is not a virtual(8) service, or cannot be known. An entry with an
/// empty transport (`example.com :[relay]`) keeps the class's transport.
fn virtual_bypassed(model: &Model, services: &[(&str, &str)]) -> bool {
    let maps = model.maps("transport_maps");
    if maps.tables.is_empty() && !maps.unknown {
        return false;
    }
    let class = model.class(super::classes::ClassKind::VirtualMailbox);
    // Domains postlint cannot see may all be sent elsewhere.
    if class.unknown_members {
        return true;
    }
    let mut any = false;
    for member in class.members(&model.tables) {
        any = true;
        let transport = match super::resolve::domain_transport(model, member.domain) {
            Ok(Some(value)) => value
                .split(':')
                .next()
                .unwrap_or("")
                .trim_ascii()
                .to_string(),
            Ok(None) => return false,
            // What the table answers cannot be known: neither can whether virtual(8) runs.
            Err(_) => continue,
        };
        let to_virtual = transport.is_empty()
            || services
                .iter()
                .any(|(service, program)| *service == transport && *program == "virtual");
        if to_virtual {
            return false;
        }
    }
    any
}

/// Parameters whose value is text shown as written rather than names looked up: the SMTP
/// greetings (`*_banner`), reply texts (`*_reject_footer`, `default_rbl_reply`), `mail_name`,
/// and the character sets of the `*_expansion_filter`s.
pub fn shows_as_text(name: &str) -> bool {
    name == "mail_name"
        || ["_banner", "_footer", "_expansion_filter", "_reply"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

/// Parameters whose value is a match list (`*_list_init()` in Postfix's sources): a `#` word
/// ends the list with a warning at run time.
pub fn is_match_list(name: &str) -> bool {
    matches!(
        name,
        "debug_peer_list"
            | "fast_flush_domains"
            | "masquerade_exceptions"
            | "mydestination"
            | "mynetworks"
            | "parent_domain_matches_subdomains"
            | "permit_mx_backup_networks"
            | "postscreen_allowlist_interfaces"
            | "postscreen_forbidden_commands"
            | "qmqpd_authorized_clients"
            | "relay_domains"
            | "smtpd_log_access_permit_actions"
            | "smtpd_forbid_bare_newline_exclusions"
            | "smtpd_forbidden_commands"
            | "smtpd_client_event_limit_exceptions"
            | "smtpd_noop_commands"
            | "smtpd_sasl_exceptions_networks"
            | "smtpd_sasl_mechanism_filter"
            | "smtp_connection_cache_destinations"
            | "smtp_sasl_mechanism_filter"
            | "use_srv_lookup"
            | "smtpd_authorized_verp_clients"
            | "virtual_alias_domains"
            | "virtual_mailbox_domains"
            | "smtpd_authorized_xclient_hosts"
            | "smtpd_authorized_xforward_hosts"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind, min: i64, max: i64) -> Spec {
        Spec {
            name: "p",
            kind,
            unit: Some(b's'),
            min,
            max,
            programs: Vec::new(),
            first: Release::new(3, 7),
            last: None,
        }
    }

    #[test]
    fn values_are_read_as_the_c_library_reads_them() {
        let b = spec(Kind::Bool, 0, 0);
        assert_eq!(refusal(&b, "YES"), None);
        assert_eq!(refusal(&b, "No"), None);
        assert_eq!(
            refusal(&b, "1").as_deref(),
            Some("bad boolean configuration: p = 1")
        );
        let i = spec(Kind::Int, 1, 100);
        assert_eq!(refusal(&i, "+5"), None);
        assert_eq!(
            refusal(&i, "0").as_deref(),
            Some("invalid p parameter value 0 < 1")
        );
        assert_eq!(
            refusal(&i, "101").as_deref(),
            Some("invalid p parameter value 101 > 100")
        );
        for bad in ["", "10x", "10 ", "0x10", "99999999999", "ten"] {
            assert!(
                refusal(&i, bad).unwrap().starts_with("bad numerical"),
                "{bad}"
            );
        }
        let l = spec(Kind::Long, 0, 0);
        assert_eq!(refusal(&l, "99999999999"), None);
        let t = spec(Kind::Time, 0, 0);
        for good in ["300", "300s", "5m", "1h", "2d", "1w", "5sec", "0"] {
            assert_eq!(refusal(&t, good), None, "{good}");
        }
        assert_eq!(refusal(&t, "s"), None);
        for bad in ["", "5y", "-1s", "5S", "x", "999999999w", "10 s", "1.5h"] {
            assert!(
                refusal(&t, bad).unwrap().contains("bad time value or unit"),
                "{bad}"
            );
        }
        let s = spec(Kind::Str, 1, 0);
        assert_eq!(
            refusal(&s, "").as_deref(),
            Some("bad string length 0 < 1: p = ")
        );
    }

    /// host_port.ref's cases (Postfix's own test of the parser, src/util) and the mistakes
    /// seen in setups: what the smtp client stops on, and what it takes.
    #[test]
    fn next_hops_as_the_smtp_client_parses_them() {
        let refused =
            |d: &str| next_hop_refusal(d).map(|r| r.split(" in ").next().unwrap_or("").to_string());
        for ok in [
            "hhh:ppp",
            "hhh:",
            "hhh",
            "[hhh]:ppp",
            "[hhh]:",
            "[hhh]",
            "[::1]",
            "[ipv6:::1]",
            "[smtp.gmail.com]:587",
            "smtp.gmail.com:587",
            "[192.0.2.1]:25",
            "192.0.2.1",
            "[2001:db8::1]:submission",
            "mail_relay.example.com",
            "[smtp.example.com]:smtp",
            "relais.exemple.fr",
            "bücher.example",
        ] {
            assert_eq!(next_hop_refusal(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("hhh:1pp", "garbage after numerical service"),
            ("[hh.]", "valid hostname or network address required"),
            ("hh.", "valid hostname or network address required"),
            ("999", "valid hostname or network address required"),
            ("[ipv6:127.0.0.1]", "malformed IPv6 address"),
            ("[ipv6:example.com]", "malformed IPv6 address"),
            ("10.0.0.0/24", "valid hostname or network address required"),
            (
                "[smtp.example.com:587]",
                "valid hostname or network address required",
            ),
            ("587", "valid hostname or network address required"),
            ("[smtp.example.com", "missing \"]\""),
            ("[smtp.example.com]587", "garbage after \"]\""),
            (":587", "missing host information"),
            ("[]", "valid hostname or network address required"),
            ("[]:587", "valid hostname or network address required"),
            ("2001:db8::1", "valid hostname or network address required"),
            (
                "user@smtp.example.com",
                "valid hostname or network address required",
            ),
        ] {
            assert_eq!(refused(bad).as_deref(), Some(why), "{bad}");
        }
        assert_eq!(
            next_hop_refusal("smtp://mail.example.com").as_deref(),
            Some("unknown service: //mail.example.com/tcp")
        );
        assert_eq!(
            next_hop_refusal("[192.0.2.1]:0").as_deref(),
            Some("bad network port: 0 for destination: [192.0.2.1]:0")
        );
        assert_eq!(
            next_hop_refusal("[192.0.2.1]:65536").as_deref(),
            Some("bad network port: 65536 for destination: [192.0.2.1]:65536")
        );
    }
}
