//! master.cf in the model: the services, their `-o` parameter overrides (as definitions that point
//! into master.cf), and the lines the master daemon or postconf would reject.

use std::collections::HashMap;

use super::params::Definition;
use super::BadLine;
use crate::parse::master::parse_master;
use crate::source::{FileId, Span};

/// One master.cf service entry.
#[derive(Debug)]
pub struct Service {
    pub name: String,
    /// The type field: inet, unix, ...
    pub kind: String,
    pub command: String,
    /// The chroot field as written (`y`, `n` or `-`).
    pub chroot: String,
    /// The private field as written (`y`, `n` or `-`, which means `y`), and where.
    pub private: String,
    pub private_span: Span,
    pub line: u32,
    pub name_span: Span,
    pub command_span: Span,
    /// Every field after the command (options, `-o` and their values, arguments), in order.
    pub args: Vec<Span>,
    /// `-o name=value` overrides, in order; the last of a name wins.
    pub overrides: Vec<Definition>,
    /// The position in `overrides` of the last override of each name (the one in effect).
    last: HashMap<String, usize>,
    /// An argument that may set any parameter (`-o {{ option }}`, a template expression as a
    /// whole argument), and how many overrides come before it: their names, and every name
    /// not overridden after it, have values postlint cannot know.
    pub unknown_options: Option<(Span, usize)>,
    /// master_service_disable turns it off: master(8) skips the entry, nothing listens or
    /// runs for it.
    pub disabled: bool,
}

/// What `-` in master.cf's chroot column means for this setup: chrooted below
/// compatibility_level 1 (the built-in default `y`), not from 1 on; None when the level is
/// unknown.
pub fn chroot_default(model: &super::Model) -> Option<bool> {
    let level = model.params.expand("compatibility_level");
    if level.has_unknown() {
        return None;
    }
    super::expand::parse_compat_level(&level.text).map(|l| l < (1, 0, 0))
}

/// Whether master.cf defines none of the services every Postfix runs (the programs cleanup,
/// qmgr or oqmgr, trivial-rewrite and bounce): no Postfix takes in, queues or delivers mail with
/// it, so it is lines to add to a master.cf (the services a blog post or a package adds), not
/// the whole file. One of them is enough for a whole file, with others missing (undefined-service
/// reports those).
pub fn is_fragment(master: &MasterCf) -> bool {
    // A line master(8) refuses does not make it whole (thePFLy/EPHEC-Admin-2's snippet).
    !master.services.is_empty()
        && master.placeholders.is_empty()
        && !master.services.iter().any(|s| {
            matches!(
                super::values::program_of(&s.command),
                "cleanup" | "qmgr" | "oqmgr" | "trivial-rewrite" | "bounce"
            )
        })
}

/// Whether main.cf sets one of the parameters a whole main.cf sets: who the server is, its
/// networks, the lines of the distributions' stock files, what it delivers. (Not relayhost
/// nor mynetworks: a guide's lines to add are a relay client's, or the networks that may
/// relay.)
pub fn writes_a_whole_main_cf(params: &super::params::Params) -> bool {
    const WHOLE: &[&str] = &[
        "myhostname",
        "mydomain",
        "myorigin",
        "mydestination",
        "inet_interfaces",
        "inet_protocols",
        "compatibility_level",
        "smtpd_banner",
        "biff",
        "append_dot_mydomain",
        "alias_maps",
        "alias_database",
        "queue_directory",
        "command_directory",
        "daemon_directory",
        "data_directory",
        "mail_owner",
        "setgid_group",
        "sendmail_path",
        "readme_directory",
        "sample_directory",
        "html_directory",
        "manpage_directory",
        "relay_domains",
        "virtual_mailbox_domains",
        "virtual_alias_domains",
        "virtual_mailbox_maps",
        "virtual_alias_maps",
        "virtual_transport",
        "transport_maps",
        "mailbox_command",
        "mailbox_transport",
        "home_mailbox",
    ];
    WHOLE.iter().any(|name| params.get(name).is_some())
}

impl Service {
    /// `service/type`, as postconf -M and -P name an entry.
    pub fn label(&self) -> String {
        format!("{}/{}", self.name, self.kind)
    }

    /// Whether the service listens in the private/ directory (its private field is not `n`),
    /// where Postfix's own programs connect to it.
    pub fn is_private(&self) -> bool {
        self.private != "n"
    }

    /// Whether the service runs chrooted: its chroot field, with `-` meaning `default` (the
    /// built-in default: `y` below compatibility_level 1, else `n`), None when unknown.
    pub fn chrooted(&self, default: Option<bool>) -> Option<bool> {
        match self.chroot.as_str() {
            "y" => Some(true),
            "n" => Some(false),
            "-" => default,
            _ => None,
        }
    }

    /// Whether an argument postlint cannot read may set `name` for this service (see
    /// `unknown_options`): no override of it comes after that argument.
    pub fn override_unknown(&self, name: &str) -> bool {
        self.unknown_options
            .is_some_and(|(_, before)| self.last.get(name).is_none_or(|&i| i < before))
    }

    /// The override in effect for a name, if any.
    pub fn override_of(&self, name: &str) -> Option<&Definition> {
        self.last.get(name).map(|&i| &self.overrides[i])
    }

    /// The overrides that take effect: the last of each name, in order.
    pub fn effective_overrides(&self) -> impl Iterator<Item = &Definition> {
        self.overrides
            .iter()
            .enumerate()
            .filter(|(i, d)| self.last.get(&d.name) == Some(i))
            .map(|(_, d)| d)
    }
}

/// Daemons that take no argument after their options and stop on one (`fatal: unexpected
/// command-line argument: WORD` in each one's service routine, when first used; measured with
/// smtpd 3.7, and by tests/oracle_daemons.rs).
pub const STOP_ON_ARGUMENTS: &[&str] = &[
    "anvil",
    "bounce",
    "cleanup",
    "discard",
    "dnsblog",
    "error",
    "flush",
    "local",
    "oqmgr",
    "pickup",
    "postlogd",
    "proxymap",
    "qmgr",
    "qmqpd",
    "scache",
    "showq",
    "smtpd",
    "tlsmgr",
    "tlsproxy",
    "trivial-rewrite",
    "verify",
    "virtual",
];

/// A master_service_disable pattern as match_service_init() keeps it: the old `name.type`
/// form (no `/`) is read as `name/type`.
fn service_pattern(item: &str) -> String {
    match (item.rfind('/'), item.rfind('.')) {
        (None, Some(dot)) => format!("{}/{}", &item[..dot], &item[dot + 1..]),
        _ => item.to_string(),
    }
}

/// match_service_match(): the first pattern that matches decides (`!` negates); a pattern with
/// `/` is compared with `name/type`, any other with the type; case does not matter.
fn disabled_by(patterns: &[String], name: &str, kind: &str) -> bool {
    let name_type = format!("{name}/{kind}");
    for pattern in patterns {
        let bangs = pattern.bytes().take_while(|&b| b == b'!').count();
        let bare = &pattern[bangs..];
        let subject = if bare.contains('/') { &name_type } else { kind };
        if subject.eq_ignore_ascii_case(bare) {
            return bangs % 2 == 0;
        }
    }
    false
}

#[derive(Debug, Default)]
pub struct MasterCf {
    pub file: Option<FileId>,
    pub services: Vec<Service>,
    /// Entries postconf or the master daemon rejects, `-o` values a daemon cannot use, and
    /// entries a later duplicate replaces.
    pub bad_lines: Vec<BadLine>,
    /// Fields an installer fills in (`PH_AMAVISD_MAX_SERVERS` as a process limit), and lines
    /// it fills in whole (`${STARTTLS_LISTENER}`): line, marker, and whether it is the line.
    pub placeholders: Vec<(u32, String, bool)>,
    /// A template that may define services postlint cannot see (an `{% include %}`, a line
    /// that is one expression).
    pub open_ended: bool,
    /// master_service_disable's patterns, when it turns something off.
    disable: Vec<String>,
}

impl MasterCf {
    pub fn parse(file: FileId, text: &str) -> MasterCf {
        let parsed = parse_master(text);
        let mut placeholders = Vec::new();
        // A line that is one installer placeholder (`${STARTTLS_LISTENER}`, which envsubst
        // fills with a whole entry or a comment): no entry to judge, and the file may define
        // services postlint cannot see.
        let mut open_ended = false;
        let mut bad_lines: Vec<BadLine> = Vec::with_capacity(parsed.bad_lines.len());
        for bad in &parsed.bad_lines {
            let text = bad.line.text.trim_ascii();
            if !bad.line.indented && crate::parse::placeholder::is_whole(text) {
                open_ended = true;
                placeholders.push((bad.line.line, text.to_string(), true));
                continue;
            }
            bad_lines.push(BadLine::from_parsed(bad, file));
        }
        let mut services = Vec::new();
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        for entry in &parsed.entries {
            for (i, field) in entry.fields[..8].iter().enumerate() {
                let text = &entry.line.text[field.clone()];
                let filled = match i {
                    2..=6 => crate::parse::placeholder::fills_flag_or_number_field(text),
                    _ => crate::parse::placeholder::is_whole(text),
                };
                if filled {
                    placeholders.push((entry.line.line, text.to_string(), false));
                }
            }
            for bad in &entry.bad_options {
                bad_lines.push(BadLine {
                    span: entry.line.span(file, bad.arg.clone()),
                    line: entry.line.line,
                    reason: bad.reason.clone(),
                });
            }
            let overrides: Vec<Definition> = entry
                .overrides
                .iter()
                .map(|o| Definition {
                    name: entry.line.text[o.name.clone()].to_string(),
                    file,
                    line: entry.line.line,
                    name_span: entry.line.span(file, o.name.clone()),
                    value: entry.line.text[o.value.clone()].to_string(),
                    value_span: entry.line.span(file, o.value.clone()),
                    value_offset: o.value.start,
                    map: entry.line.map.clone(),
                    conditional: false,
                })
                .collect();
            let last = overrides
                .iter()
                .enumerate()
                .map(|(i, d): (usize, &Definition)| (d.name.clone(), i))
                .collect();
            let unknown_options = entry.unknown_options.as_ref().map(|arg| {
                let before = entry
                    .overrides
                    .iter()
                    .filter(|o| o.arg.start < arg.start)
                    .count();
                (entry.line.span(file, arg.clone()), before)
            });
            let service = Service {
                last,
                unknown_options,
                name: entry.service().to_string(),
                kind: entry.kind().to_string(),
                command: entry.command().to_string(),
                chroot: entry.field(4).to_string(),
                private: entry.field(2).to_string(),
                private_span: entry.line.span(file, entry.fields[2].clone()),
                line: entry.line.line,
                name_span: entry.line.span(file, entry.fields[0].clone()),
                command_span: entry.line.span(file, entry.fields[7].clone()),
                args: entry.fields[8..]
                    .iter()
                    .map(|f| entry.line.span(file, f.clone()))
                    .collect(),
                overrides,
                disabled: false,
            };
            // The master daemon tells inet services apart by the endpoint they name:
            // `submission` and `587` are one service.
            let name_key = match service.kind.as_str() {
                "inet" => super::listen::endpoint(&service.name),
                _ => service.name.clone(),
            };
            let key = (name_key, service.kind.clone());
            // A name a template expression gives (a hole marker) is unknown: two of them may
            // be any two services, and the marker's length is all they share.
            let templated = crate::template::holes::unmask(&service.name, "").is_some();
            if let Some(&earlier) = seen.get(&key).filter(|_| !templated) {
                let old: &Service = &services[earlier];
                let again = match old.name == service.name {
                    true => String::new(),
                    false => format!(" as \"{}\" (the same endpoint, {})", service.name, key.0),
                };
                bad_lines.push(BadLine {
                    span: old.name_span,
                    line: old.line,
                    reason: format!(
                        "service \"{}\" of type {} is defined again on line {}{again}; the master daemon uses that entry and ignores this one",
                        old.name, service.kind, service.line
                    ),
                });
            }
            if !templated {
                seen.insert(key, services.len());
            }
            services.push(service);
        }
        bad_lines.sort_by_key(|b| (b.span.start, b.span.end));
        MasterCf {
            file: Some(file),
            services,
            bad_lines,
            placeholders,
            open_ended,
            disable: Vec::new(),
        }
    }

    /// Applies master_service_disable (its expanded value; None when postlint cannot know it,
    /// and then every service is taken to run).
    pub fn set_disable(&mut self, patterns: Option<&str>) {
        self.disable = patterns
            .map(|p| {
                p.split([',', ' ', '\t', '\r', '\n'])
                    .filter(|item| !item.is_empty())
                    .map(service_pattern)
                    .collect()
            })
            .unwrap_or_default();
        let disable = std::mem::take(&mut self.disable);
        for service in &mut self.services {
            service.disabled = disabled_by(&disable, &service.name, &service.kind);
        }
        self.disable = disable;
    }

    /// Whether master_service_disable turns off the entry `name/kind` (for the services of
    /// Postfix's own master.cf when the file is absent).
    pub fn disables(&self, name: &str, kind: &str) -> bool {
        disabled_by(&self.disable, name, kind)
    }

    /// The services master(8) starts: those master_service_disable leaves on.
    pub fn running(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|s| !s.disabled)
    }

    /// True when master.cf was read, so service-derived names are known.
    pub fn is_known(&self) -> bool {
        self.file.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disabled(patterns: &str, name: &str, kind: &str) -> bool {
        let mut master = MasterCf::default();
        master.set_disable(Some(patterns));
        master.disables(name, kind)
    }

    /// match_service_match() and match_service_compat() as master_ent.c uses them.
    #[test]
    fn master_service_disable_matches_as_master_does() {
        assert!(disabled("inet", "smtp", "inet"));
        assert!(disabled("INET", "127.0.0.1:2525", "inet"));
        assert!(!disabled("inet", "pickup", "unix"));
        assert!(disabled("smtp/inet", "smtp", "inet"));
        assert!(!disabled("smtp/inet", "smtp", "unix"));
        assert!(disabled("Smtp/Inet", "smtp", "inet"));
        // The old name.type form; the last dot of an address-and-port name is the one.
        assert!(disabled("submission.inet", "submission", "inet"));
        assert!(disabled("127.0.0.1:25.inet", "127.0.0.1:25", "inet"));
        // The first match decides; `!` excludes, `!!` does not.
        assert!(!disabled("!submission/inet, inet", "submission", "inet"));
        assert!(disabled("!submission/inet, inet", "smtp", "inet"));
        assert!(disabled("!!submission/inet", "submission", "inet"));
        assert!(!disabled("", "smtp", "inet"));
        // A name alone is no pattern of a type: it matches nothing.
        assert!(!disabled("smtp", "smtp", "inet"));
    }
}
