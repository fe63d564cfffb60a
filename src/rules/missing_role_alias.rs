//! postmaster@ and abuse@ must resolve for every domain the server receives mail for.

use std::collections::HashSet;

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
    let members = model
        .class(ClassKind::VirtualAlias)
        .members
        .iter()
        .chain(&model.class(ClassKind::VirtualMailbox).members);
    for member in members {
        if !seen.insert(member.domain.as_str()) {
            continue;
        }
        let kind = match model.resolve_class(&member.domain) {
            Resolved::Class(kind @ (ClassKind::VirtualAlias | ClassKind::VirtualMailbox)) => kind,
            _ => continue,
        };
        let Membership::Yes { span, .. } =
            model.class(kind).contains(&model.tables, &member.domain)
        else {
            continue;
        };
        let domain = &member.domain;
        let catch_all = format!("@{domain}");
        for role in VIRTUAL_ROLES {
            let address = format!("{role}@{domain}");
            let mut answers = vec![
                virtual_alias.lookup(&model.tables, &address),
                virtual_alias.lookup(&model.tables, &catch_all),
            ];
            if kind == ClassKind::VirtualMailbox {
                answers.push(virtual_mailbox.lookup(&model.tables, &address));
                answers.push(virtual_mailbox.lookup(&model.tables, &catch_all));
            }
            if Answer::first_found(answers) != Answer::NotFound {
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
                let (span, label) = match same_domain_entry(model, &virtual_alias.tables, domain) {
                    Some(span) => (
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

/// The key of the first entry for an address in the domain, to show where the role belongs.
fn same_domain_entry(model: &Model, tables: &[TableId], domain: &str) -> Option<Span> {
    let suffix = format!("@{domain}");
    tables
        .iter()
        .flat_map(|&id| model.tables.known_entry_tables(id))
        .find_map(|id| {
            let entries = model.tables.get(id).entries()?;
            entries
                .iter()
                .find(|e| {
                    e.key.len() > suffix.len() && e.key.to_ascii_lowercase().ends_with(&suffix)
                })
                .map(|e| e.key_span)
        })
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
            .members
            .iter()
            .filter(|m| seen.insert(m.domain.as_str()))
            .filter(|m| {
                matches!(
                    local.contains(&model.tables, &m.domain),
                    Membership::Yes { .. }
                )
            })
            .map(|m| m.domain.as_str())
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
