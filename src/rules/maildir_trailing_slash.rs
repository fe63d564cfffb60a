//! A Maildir path without its trailing slash: Postfix delivers to an mbox file instead.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "maildir-trailing-slash",
    severity: Severity::Warning,
    summary:
        "a mailbox path meant as Maildir lacks the trailing slash, so Postfix writes an mbox file",
    doc: include_str!("../../rules/maildir-trailing-slash.md"),
    undecided: super::always_decides,
    check,
};

fn last_component(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_maildir_name(path: &str) -> bool {
    last_component(path).eq_ignore_ascii_case("maildir")
}

/// A path written as a Maildir: it ends in `/`, or a component is named Maildir.
fn is_meant_as_maildir(path: &str) -> bool {
    path.ends_with('/') || path.split('/').any(|c| c.eq_ignore_ascii_case("maildir"))
}

/// True when the parameter is set to a non-empty value (after expansion).
fn is_used(model: &Model, name: &str) -> bool {
    !model
        .params
        .param(name)
        .expanded
        .text
        .trim_ascii()
        .is_empty()
}

fn check(model: &Model, out: &mut Findings) {
    check_virtual_mailbox_maps(model, out);
    check_local_mailbox(model, out);
}

fn check_virtual_mailbox_maps(model: &Model, out: &mut Findings) {
    // Only the virtual(8) delivery agent reads these values as mailbox paths; with Dovecot's LMTP
    // or another transport they are just "this address exists".
    if crate::model::values::virtual_delivers(model) != Some(true) {
        return;
    }
    let listed = model.maps("virtual_mailbox_maps").tables;
    for id in model.tables.known_entry_tables_of(&listed) {
        let Some(entries) = model.tables.get(id).entries() else {
            continue;
        };
        // Paths meant as Maildir: ending in / or with a component named Maildir. When
        // most of the table is, every path without the slash is one more.
        // One pass counts both (a million values are read once); the usual table, every path
        // with its slash, needs no other.
        let (mut meant, mut first_without) = (0, None);
        for (i, value) in entries.values().enumerate() {
            if value.ends_with('/') {
                meant += 1;
            } else {
                first_without.get_or_insert(i as u32);
                if is_meant_as_maildir(value) {
                    meant += 1;
                }
            }
        }
        let Some(first_without) = first_without else {
            continue;
        };
        let most = 2 * meant > entries.len();
        let without_slash =
            (first_without..entries.len() as u32).filter(|&i| !entries.value(i).ends_with('/'));
        for entry in without_slash.map(|i| entries.entry(i)) {
            let reason = if is_maildir_name(entry.value) {
                "the last component is Maildir".to_string()
            } else if most {
                format!(
                    "{meant} of the {} paths in this table are Maildirs",
                    entries.len()
                )
            } else {
                continue;
            };
            let finding = out.report(
                entry.value_span,
                format!("mailbox path {} for {} has no trailing /, so virtual(8) delivers to an mbox file", entry.value, entry.key),
            );
            finding.label(format!("{reason}; Maildir needs {}/", entry.value));
            finding.help(format!(
                "virtual(8) delivers in Maildir format only when the path ends in /. Write {}/ and run \
                 postmap on the table; mail already delivered to the mbox file {} must be moved by hand.",
                entry.value, entry.value
            ));
        }
    }
    check_probed_mailboxes(model, out, &listed);
}

/// The same for the paths `--probe` got from the databases of virtual_mailbox_maps: one
/// finding per query, naming the first addresses.
fn check_probed_mailboxes(
    model: &Model,
    out: &mut Findings,
    listed: &[crate::model::tables::TableId],
) {
    for id in model.tables.probed_tables_of(listed) {
        let Some(span) = model.tables.query_span(id) else {
            continue;
        };
        let paths: Vec<(&str, &str)> = model.tables.probed[&id]
            .found()
            .filter_map(|(_, a)| Some((a.key.as_str(), a.value.as_deref()?)))
            .collect();
        let meant = paths.iter().filter(|(_, p)| is_meant_as_maildir(p)).count();
        let most = meant >= 2 && 2 * meant > paths.len();
        let bad: Vec<&(&str, &str)> = paths
            .iter()
            .filter(|(_, p)| !p.ends_with('/') && (most || is_maildir_name(p)))
            .collect();
        let Some((key, path)) = bad.first() else {
            continue;
        };
        let table = model.tables.get(id);
        let finding = out.report(
            span,
            format!(
                "the query of {} answers mailbox path {path} for {key} with no trailing /, so \
                 virtual(8) delivers to an mbox file{}",
                table.reference(),
                match bad.len() {
                    1 => String::new(),
                    n => format!(" ({} more of the addresses --probe asked)", n - 1),
                }
            ),
        );
        finding.subject(format!("{} {key}", table.reference()));
        finding.label("returns Maildir paths without the trailing /");
        finding.help(format!(
            "virtual(8) delivers in Maildir format only when the path ends in /. Fix the rows \
             (UPDATE ... SET maildir = CONCAT(maildir, '/') for the ones without it) or make \
             the query add it; mail already delivered to the mbox file {path} must be moved by \
             hand."
        ));
    }
}

fn check_local_mailbox(model: &Model, out: &mut Findings) {
    // local(8) uses home_mailbox and mail_spool_directory only when nothing earlier in its order
    // of delivery methods takes the mail.
    let earlier = [
        "mailbox_transport_maps",
        "mailbox_transport",
        "mailbox_command_maps",
        "mailbox_command",
    ];
    if earlier.iter().any(|name| is_used(model, name)) {
        return;
    }
    for name in ["home_mailbox", "mail_spool_directory"] {
        let Some(def) = model.params.get(name) else {
            continue;
        };
        let param = model.params.param(name);
        let Some(value) = param.known() else { continue };
        if value.ends_with('/') || !is_maildir_name(value) {
            continue;
        }
        let finding = out.report(
            def.value_span,
            format!("{name} = {value} has no trailing /, so local(8) delivers to an mbox file"),
        );
        finding.label(format!("write {value}/ for Maildir"));
        finding.help(format!(
            "local(8) delivers in Maildir format only when {name} ends in /; \"{value}\" makes it append \
             to a single mbox file of that name. Set {name} = {value}/ and reload Postfix."
        ));
    }
}
