//! A pattern of an address class's domain list that no domain matches: `*` (no wildcard in a
//! Postfix domain list), or a leading dot where the list does not read it as "subdomains".

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::{AddressClass, ClassKind, Matching, Membership};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "dead-domain-pattern",
    severity: Severity::Warning,
    summary: "a pattern in a domain list matches no domain (`*`, or a leading dot the list does not read)",
    doc: include_str!("../../rules/dead-domain-pattern.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    for kind in ClassKind::RESOLVE_ORDER {
        let class = model.class(kind);
        let mut seen = hashbrown::HashSet::new();
        // The literal patterns: in main.cf, or in a list file.
        for member in class.members(&model.tables) {
            // Table keys among the members are plain domains (`classes::is_domain_key`).
            let (Some(span), Some(dead)) = (member.span, dead(class, &model.tables, member.domain))
            else {
                continue;
            };
            if seen.insert(member.domain) && !model.misread_domains.contains(member.domain) {
                report(model, out, class, dead, member.written, span, member.via);
            }
        }
        // The keys of tables only domain lists name: a key such as `.example.com` means
        // something in a transport table that the same file may also be.
        for id in class.listed_tables() {
            for t in model.tables.known_entry_tables(id) {
                let table = model.tables.get(t);
                if !table.uses.iter().all(|u| {
                    ClassKind::RESOLVE_ORDER
                        .iter()
                        .any(|k| k.param() == u.param)
                }) {
                    continue;
                }
                let Some(entries) = table.entries() else {
                    continue;
                };
                for i in entries.maybe_special() {
                    let key = entries.folded_key(i);
                    if key.contains('@') {
                        continue;
                    }
                    if let Some(dead) = dead(class, &model.tables, key).filter(|_| seen.insert(key))
                    {
                        let entry = entries.entry(i);
                        report(model, out, class, dead, entry.key, entry.key_span, None);
                    }
                }
            }
        }
    }
}

/// Why a pattern matches no domain.
#[derive(Clone, Copy)]
enum Dead {
    /// `*` on its own.
    Star,
    /// `*` inside a name (`*.example.com`, `mail*.example.com`).
    Glob,
    /// `.example.com` in a list that compares whole names.
    DotExact,
    /// `.example.com` in relay_domains while it is in parent_domain_matches_subdomains.
    DotParent,
}

fn dead(
    class: &AddressClass,
    tables: &crate::model::tables::Tables,
    pattern: &str,
) -> Option<Dead> {
    let dead = if pattern == "*" {
        Dead::Star
    } else if pattern.contains('*') {
        Dead::Glob
    } else {
        let bare = pattern.strip_prefix('.')?;
        if bare.is_empty() || bare.starts_with('.') {
            return None;
        }
        match class.matching {
            Matching::Dotted => return None,
            Matching::Exact => Dead::DotExact,
            Matching::Parent => Dead::DotParent,
        }
    };
    // `example.com, .example.com` written for either style of relay_domains, or `*.example.com`
    // beside a table that matches the subdomains: the pattern is only redundant.
    let sub = pattern
        .strip_prefix("*.")
        .unwrap_or(pattern)
        .trim_start_matches('.');
    if !matches!(dead, Dead::Star) && !sub.contains('*') {
        let probe = format!("postlint-sub.{sub}");
        if let Membership::Yes { .. } = class.contains(tables, &probe) {
            return None;
        }
    }
    Some(dead)
}

fn report(
    model: &Model,
    out: &mut Findings,
    class: &AddressClass,
    dead: Dead,
    written: &str,
    span: Span,
    via: Option<Span>,
) {
    let param = class.kind.param();
    let (primary, definition) = super::listing_spans(Some(span), via);
    let primary = primary.unwrap_or(span);
    let finding = out.report(primary, format!("`{written}` in {param} matches no domain"));
    finding.subject(format!("{param} {}", written.to_ascii_lowercase()));
    if let Some(definition) = definition {
        finding.secondary(definition, format!("{written} comes from here"));
    }
    let what = match class.kind {
        ClassKind::Local => {
            "No domain is local by it: mail for the domains it seems to name is not delivered here"
        }
        ClassKind::VirtualAlias => "No domain is a virtual alias domain by it",
        ClassKind::VirtualMailbox => "No domain is a virtual mailbox domain by it",
        ClassKind::Relay => "Postfix relays for no domain by it",
    };
    let bare = written.trim_start_matches(['*', '.']);
    match dead {
        Dead::Star | Dead::Glob => finding.label("`*` is no wildcard in a Postfix domain list"),
        Dead::DotExact => finding.label(format!("{param} compares whole domain names")),
        Dead::DotParent => finding.label("a leading dot matches nothing in relay_domains here"),
    };
    let why = match dead {
        Dead::Star | Dead::Glob => format!(
            "A domain list compares names, with no wildcards: `{written}` matches only a domain \
             written exactly so, and an address cannot have it. {what}."
        ),
        Dead::DotExact => format!(
            "{param} compares whole domain names: `{written}` is no \"subdomains of {bare}\", \
             and an address cannot have a domain that starts with a dot. {what}."
        ),
        Dead::DotParent => format!(
            "relay_domains is in parent_domain_matches_subdomains{}, so `{bare}` matches {bare} \
             and its subdomains, and a pattern with a leading dot matches no domain. {what}.",
            match model.params.get("parent_domain_matches_subdomains") {
                Some(_) => "",
                None => " (its default)",
            }
        ),
    };
    let fix = match (dead, class.kind, class.matching) {
        (Dead::Star, ClassKind::Relay, _) => {
            "Mail from other servers for other domains is refused \
             (\"Relay access denied\"), which is right for most servers: relaying for every domain \
             would make an open relay. List the domains this server relays for (a backup MX: the \
             domains it is a backup for), or remove `*`."
                .to_string()
        }
        (Dead::Star, _, _) => format!("List the domains, or remove `*` from {param}."),
        (_, ClassKind::Relay, Matching::Parent) => {
            format!("Write `{bare}`: relay_domains matches the subdomains of a listed domain too.")
        }
        (_, ClassKind::Relay, _) => {
            format!("Write `.{bare}` for its subdomains, and `{bare}` for the domain itself.")
        }
        _ => format!(
            "List each domain ({bare}, mail.{bare}, ...), or name a pcre table that matches \
             them all (`{param} = ..., pcre:/etc/postfix/{param}.pcre` holding \
             `/(^|\\.){}$/ OK`).",
            bare.replace('.', "\\.")
        ),
    };
    finding.help(format!("{why} {fix}"));
}
