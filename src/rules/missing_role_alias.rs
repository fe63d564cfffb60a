//! postmaster@ and abuse@ must resolve for every domain the server receives mail for.

use std::collections::{HashMap, HashSet};

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::{ClassKind, Membership};
use crate::model::tables::{Answer, TableId};
use crate::model::{Model, Resolved};
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "missing-role-alias",
    severity: Severity::Warning,
    summary: "a domain has no postmaster@ or abuse@ address",
    doc: include_str!("../../rules/missing-role-alias.md"),
    check,
};

const VIRTUAL_ROLES: [&str; 2] = ["postmaster", "abuse"];

fn check(model: &Model, out: &mut Findings) {
    let virtual_alias = model.maps("virtual_alias_maps");
    let virtual_mailbox = model.maps("virtual_mailbox_maps");
    check_virtual_domains(model, out, &virtual_alias, &virtual_mailbox);
    check_local_class(model, out, &virtual_alias);
}

fn check_virtual_domains(
    model: &Model,
    out: &mut Findings,
    virtual_alias: &crate::model::MapsList,
    virtual_mailbox: &crate::model::MapsList,
) {
    let mut seen = HashSet::new();
    let first_entries = std::cell::OnceCell::new();
    let members = model
        .class(ClassKind::VirtualAlias)
        .members(&model.tables)
        .chain(
            model
                .class(ClassKind::VirtualMailbox)
                .members(&model.tables),
        );
    for member in members {
        if !seen.insert(member.domain) {
            continue;
        }
        let Resolved::Class(kind @ (ClassKind::VirtualAlias | ClassKind::VirtualMailbox), span) =
            model.resolve_class(member.domain)
        else {
            continue;
        };
        let domain = &member.domain;
        let catch_all = format!("@{domain}");
        for role in VIRTUAL_ROLES {
            let address = format!("{role}@{domain}");
            let lookups = [
                (virtual_alias, &address),
                (virtual_alias, &catch_all),
                (virtual_mailbox, &address),
                (virtual_mailbox, &catch_all),
            ];
            // virtual_mailbox_maps counts for virtual mailbox domains only.
            let tried = if kind == ClassKind::VirtualMailbox {
                4
            } else {
                2
            };
            // In order, stopping at the first hit: most domains have the role, and each
            // lookup in a big table costs a few cache misses.
            let answer = Answer::first_found(
                lookups[..tried]
                    .iter()
                    .map(|(list, key)| list.lookup(&model.tables, key)),
            );
            if answer != Answer::NotFound {
                continue;
            }
            let primary = span
                .or(member.span)
                .unwrap_or(Span::file_start(model.main_cf));
            let finding = out.report(primary, format!("{address} does not resolve"));
            finding.label(format!(
                "{} is a {} domain",
                member.written,
                kind.name().replace('_', " ")
            ));
            let target = first_source_file(model, &virtual_alias.tables);
            if let Some((file_span, display)) = &target {
                let first_entries = first_entries
                    .get_or_init(|| first_entry_per_domain(model, &virtual_alias.tables));
                let (span, label) = match first_entries.get(domain) {
                    Some(&span) => (
                        span,
                        format!("virtual_alias_maps has addresses in {domain}, but not {address}"),
                    ),
                    None => (*file_span, format!("virtual_alias_maps has no {address}")),
                };
                finding.secondary(span, label);
                finding.help(format!(
                    "RFC 5321 and RFC 2142 require {role}@ for every domain that receives mail; \
                     senders and abuse desks write to it. Add a line such as `{address}  you@{domain}` \
                     to {display} and run postmap on it."
                ));
            } else {
                finding.help(format!(
                    "RFC 5321 and RFC 2142 require {role}@ for every domain that receives mail; \
                     senders and abuse desks write to it. Add {address} to virtual_alias_maps."
                ));
            }
        }
    }
}

/// For each domain, the key of the first `user@domain` entry of the tables, to show where a
/// missing role belongs. Built once, when the first finding needs it.
fn first_entry_per_domain<'m>(model: &'m Model, tables: &[TableId]) -> HashMap<&'m str, Span> {
    let mut first = HashMap::new();
    for id in tables
        .iter()
        .flat_map(|&id| model.tables.known_entry_tables(id))
    {
        let Some(entries) = model.tables.get(id).entries() else {
            continue;
        };
        for i in 0..entries.len() as u32 {
            if let Some((local, domain)) = entries.folded_key(i).rsplit_once('@') {
                if !local.is_empty() {
                    first.entry(domain).or_insert(entries.entry(i).key_span);
                }
            }
        }
    }
    first
}

/// The first table of a list whose source file postlint read, as a span at its start.
fn first_source_file(model: &Model, tables: &[TableId]) -> Option<(Span, String)> {
    tables.iter().find_map(|&id| {
        let t = model
            .tables
            .known_entry_tables(id)
            .into_iter()
            .find_map(|k| model.tables.get(k).source)?;
        Some((
            Span::file_start(t),
            model.sources.get(t).display_path.clone(),
        ))
    })
}

fn check_local_class(model: &Model, out: &mut Findings, virtual_alias: &crate::model::MapsList) {
    let local = model.class(ClassKind::Local);
    let domains: Vec<&str> = {
        let mut seen = HashSet::new();
        local
            .members(&model.tables)
            .filter(|m| seen.insert(m.domain))
            .filter(|m| {
                matches!(
                    local.contains(&model.tables, m.domain),
                    Membership::Yes { .. }
                )
            })
            .map(|m| m.domain)
            .collect()
    };
    if domains.is_empty() {
        return;
    }
    let alias_maps = model.maps("alias_maps");
    // local(8) looks the bare local part up in alias_maps; virtual alias lookups try
    // postmaster@domain, then the bare `postmaster` for local domains.
    let bare = Answer::first_found([
        alias_maps.lookup(&model.tables, "postmaster"),
        virtual_alias.lookup(&model.tables, "postmaster"),
    ]);
    if bare != Answer::NotFound {
        return;
    }
    let mut unresolved = Vec::new();
    for domain in &domains {
        let address = format!("postmaster@{domain}");
        match virtual_alias.lookup(&model.tables, &address) {
            Answer::NotFound => unresolved.push(*domain),
            Answer::Unknown => return,
            Answer::Found(_) => {}
        }
    }
    if unresolved.is_empty() {
        return;
    }
    let alias_file = first_source_file(model, &alias_maps.tables);
    let primary = model
        .params
        .get("alias_maps")
        .map(|d| d.span())
        .or(alias_file.as_ref().map(|(s, _)| *s))
        .or(model.params.get("mydestination").map(|d| d.span()))
        .unwrap_or(Span::file_start(model.main_cf));
    let finding = out.report(
        primary,
        format!(
            "postmaster does not resolve for the local domains ({})",
            unresolved.join(", ")
        ),
    );
    finding.label("local(8) looks postmaster up in alias_maps");
    if let Some(def) = model.params.get("mydestination") {
        finding.secondary(def.span(), "the local domains");
    }
    match &alias_file {
        Some((span, display)) => {
            finding.secondary(*span, "this aliases file has no postmaster entry");
            finding.help(format!(
                "RFC 5321 requires postmaster for every domain that receives mail. Add \
                 `postmaster: root` (or a real person) to {display} and run postalias (or newaliases)."
            ));
        }
        None => {
            finding.help("RFC 5321 requires postmaster for every domain that receives mail. Set alias_maps to an aliases file with a postmaster entry.");
        }
    }
}
