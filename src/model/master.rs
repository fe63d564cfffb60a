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
    pub line: u32,
    pub name_span: Span,
    pub command_span: Span,
    /// Every field after the command (options, `-o` and their values, arguments), in order.
    pub args: Vec<Span>,
    /// `-o name=value` overrides, in order; the last of a name wins.
    pub overrides: Vec<Definition>,
    /// The position in `overrides` of the last override of each name (the one in effect).
    last: HashMap<String, usize>,
}

impl Service {
    /// `service/type`, as postconf -M and -P name an entry.
    pub fn label(&self) -> String {
        format!("{}/{}", self.name, self.kind)
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

#[derive(Debug, Default)]
pub struct MasterCf {
    pub file: Option<FileId>,
    pub services: Vec<Service>,
    /// Entries postconf or the master daemon rejects, `-o` values a daemon cannot use, and
    /// entries a later duplicate replaces.
    pub bad_lines: Vec<BadLine>,
    /// Fields an installer fills in (`PH_AMAVISD_MAX_SERVERS` as a process limit): line and
    /// marker.
    pub placeholders: Vec<(u32, String)>,
    /// A template that may define services postlint cannot see (an `{% include %}`, a line
    /// that is one expression).
    pub open_ended: bool,
}

impl MasterCf {
    pub fn parse(file: FileId, text: &str) -> MasterCf {
        let parsed = parse_master(text);
        let mut bad_lines: Vec<BadLine> = parsed
            .bad_lines
            .iter()
            .map(|b| BadLine::from_parsed(b, file))
            .collect();
        let mut services = Vec::new();
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        let mut placeholders = Vec::new();
        for entry in &parsed.entries {
            for field in &entry.fields[..8] {
                let text = &entry.line.text[field.clone()];
                if crate::parse::placeholder::is_whole(text) {
                    placeholders.push((entry.line.line, text.to_string()));
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
            let service = Service {
                last,
                name: entry.service().to_string(),
                kind: entry.kind().to_string(),
                command: entry.command().to_string(),
                chroot: entry.field(4).to_string(),
                line: entry.line.line,
                name_span: entry.line.span(file, entry.fields[0].clone()),
                command_span: entry.line.span(file, entry.fields[7].clone()),
                args: entry.fields[8..]
                    .iter()
                    .map(|f| entry.line.span(file, f.clone()))
                    .collect(),
                overrides,
            };
            let key = (service.name.clone(), service.kind.clone());
            if let Some(&earlier) = seen.get(&key) {
                let old: &Service = &services[earlier];
                bad_lines.push(BadLine {
                    span: old.name_span,
                    line: old.line,
                    reason: format!(
                        "service \"{}\" of type {} is defined again on line {}; the master daemon uses that entry and ignores this one",
                        service.name, service.kind, service.line
                    ),
                });
            }
            seen.insert(key, services.len());
            services.push(service);
        }
        bad_lines.sort_by_key(|b| (b.span.start, b.span.end));
        MasterCf {
            file: Some(file),
            services,
            bad_lines,
            placeholders,
            open_ended: false,
        }
    }

    /// True when master.cf was read, so service-derived names are known.
    pub fn is_known(&self) -> bool {
        self.file.is_some()
    }
}
