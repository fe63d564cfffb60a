//! An @domain catch-all in virtual_alias_maps, or a regexp or pcre rule that matches every
//! address of a domain.

use hashbrown::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::ClassKind;
use crate::model::patterns::Op;
use crate::model::tables::{fold, Answer, Hit, TableId};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "catch-all-alias",
    severity: Severity::Warning,
    summary: "an @domain alias accepts mail for every address in the domain",
    doc: include_str!("../../rules/catch-all-alias.md"),
    undecided: crate::model::patterns::catch_all_search_too_large,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    check_entries(model, out);
    check_patterns(model, out);
    check_probed(model, out);
}

/// The help text of a finding: why, and what to list instead. `target` is the alias's value
/// when known: a domain alias (`@example.net @example.com`) keeps the name and changes the
/// domain. The sentence about mailboxes is said only of a domain that can have some (a local
/// or virtual mailbox domain, or one whose class postlint cannot tell).
fn help(model: &Model, domain: &str, target: Option<&str>, roles: &str) -> String {
    // The class lists themselves, not the class memo: this rule runs beside the memo's build.
    let folded = fold(domain);
    let mailboxes = [ClassKind::Local, ClassKind::VirtualMailbox]
        .iter()
        .any(|&k| {
            model.class(k).contains(&model.tables, &folded) != crate::model::classes::Membership::No
        });
    let shadow = match mailboxes {
        true => format!(
            " Virtual aliases are resolved before mailboxes, so it also takes the mail of every \
             mailbox in {domain} that has no alias line of its own (`user@{domain}  \
             user@{domain}`)."
        ),
        false => String::new(),
    };
    let alias_domain = target
        .map(str::trim_ascii)
        .and_then(|t| t.strip_prefix('@'))
        .filter(|t| !t.is_empty() && !t.contains([' ', ',', '@']));
    match alias_domain {
        Some(to) => format!(
            "A domain alias gives every name in {domain} the same name in {to}, whether or not \
             that address exists: smtpd accepts mail for any name in {domain} (it cannot reject \
             unknown recipients there during SMTP), and the names {to} does not have are \
             bounced after the session, to senders spam forges (backscatter).{shadow} List the \
             real addresses instead (`name@{domain}  name@{to}` for each){roles}."
        ),
        None => format!(
            "A catch-all accepts mail for addresses that do not exist, so spam sent to guessed \
             addresses is delivered, Postfix can no longer reject unknown recipients in {domain} \
             during SMTP, and mail it cannot deliver later becomes backscatter.{shadow} List \
             the real addresses instead{roles}."
        ),
    }
}

/// The advice about the role addresses a catch-all covers today.
fn roles_advice(missing: &[String]) -> String {
    match missing {
        [] => String::new(),
        [one] => format!(" (and add {one}, which it now catches)"),
        [a, b] => format!(" (at least {a} and {b})"),
        _ => unreachable!("two roles"),
    }
}

fn check_entries(model: &Model, out: &mut Findings) {
    let mut seen = HashSet::new();
    for &listed in &model.maps("virtual_alias_maps").tables {
        for id in model.tables.known_entry_tables(listed) {
            if !seen.insert(id) {
                continue;
            }
            let table = model.tables.get(id);
            let Some(entries) = table.entries() else {
                continue;
            };
            let referenced = named_at(table);
            for entry in entries.maybe_special().map(|i| entries.entry(i)) {
                let Some(domain) = entry.key.strip_prefix('@') else {
                    continue;
                };
                if domain.is_empty() {
                    continue;
                }
                let finding = out.report(
                    entry.key_span,
                    format!(
                        "catch-all alias {} sends every address in {domain} to {}",
                        entry.key, entry.value
                    ),
                );
                finding.label("matches any address in this domain");
                if let Some(span) = referenced {
                    finding.secondary(span, "virtual_alias_maps uses this table");
                }
                // Ask only for the role addresses the table does not list yet.
                let missing: Vec<String> = ["postmaster", "abuse"]
                    .iter()
                    .map(|role| format!("{role}@{domain}"))
                    .filter(|address| entries.get(&fold(address)).is_none())
                    .collect();
                finding.help(help(
                    model,
                    domain,
                    Some(entry.value),
                    &roles_advice(&missing),
                ));
            }
        }
    }
}

/// `@domain` rows `--probe` found in the databases of virtual_alias_maps.
fn check_probed(model: &Model, out: &mut Findings) {
    let aliases = model.maps("virtual_alias_maps");
    for id in model.tables.probed_tables_of(&aliases.tables) {
        let Some(span) = model.tables.query_span(id) else {
            continue;
        };
        let table = model.tables.get(id);
        let probed = &model.tables.probed[&id];
        for (_, answer) in probed.found() {
            let Some(domain) = answer.key.strip_prefix('@') else {
                continue;
            };
            let target = answer.value.as_deref().unwrap_or("");
            let finding = out.report(
                span,
                format!(
                    "catch-all alias {} (a row the query of {} returns) sends every address in \
                     {domain} to {}",
                    answer.key,
                    table.reference(),
                    crate::rules::shorten(target)
                ),
            );
            finding.subject(format!("{} {}", table.reference(), answer.key));
            finding.label(format!("answers {} (asked by --probe)", answer.key));
            let missing: Vec<String> = ["postmaster", "abuse"]
                .iter()
                .map(|role| format!("{role}@{domain}"))
                .filter(|address| {
                    !matches!(
                        probed.get(address).map(|i| &probed.answer(i).value),
                        Some(Some(_))
                    )
                })
                .collect();
            finding.help(help(
                model,
                domain,
                answer.value.as_deref(),
                &roles_advice(&missing),
            ));
        }
    }
}

/// The domains a pattern may be a catch-all for: every domain of the address classes postlint
/// knows, lowercase, each once.
fn hosted_domains(model: &Model) -> Vec<String> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    for kind in ClassKind::RESOLVE_ORDER {
        for member in model.class(kind).members(&model.tables) {
            if seen.insert(member.domain) {
                out.push(member.domain.to_ascii_lowercase());
            }
        }
    }
    out
}

/// Rules of regexp and pcre tables in virtual_alias_maps that match every address of a domain
/// (every local part of letters, digits, `.`, `-`, `_` and `+`), for the domains of the address
/// classes and those written in the pattern itself. A rule after one that already catches
/// every address of the domain is not reported for it (Postfix never reaches it there).
fn check_patterns(model: &Model, out: &mut Findings) {
    let aliases = model.maps("virtual_alias_maps");
    let pattern_tables = model.tables.pattern_tables_of(&aliases.tables);
    if pattern_tables.is_empty() || crate::model::patterns::catch_all_search_too_large(model) {
        return;
    }
    let hosted = hosted_domains(model);
    let hosted_set: HashSet<&str> = hosted.iter().map(String::as_str).collect();
    for id in pattern_tables {
        let table = model.tables.get(id);
        let Some(patterns) = table.patterns() else {
            continue;
        };
        let referenced = named_at(table);
        let mut caught: HashSet<String> = HashSet::new();
        for (index, rule) in patterns.rules.iter().enumerate() {
            let Op::Match { result, .. } = &rule.op else {
                continue;
            };
            let index = index as u32;
            let written = patterns.literal_domains(index);
            let mut names: Vec<&str> = hosted.iter().map(String::as_str).collect();
            names.extend(
                written
                    .iter()
                    .filter(|d| !hosted_set.contains(d.as_str()))
                    .map(String::as_str),
            );
            let every = patterns.matches_every_address(index, &names);
            let domains: Vec<&str> = names
                .iter()
                .zip(every)
                .filter(|(d, every)| *every && caught.insert(d.to_string()))
                .map(|(d, _)| *d)
                .collect();
            let Some(&first) = domains.first() else {
                continue;
            };
            let which = match domains.len() {
                1 => first.to_string(),
                2 => format!("{first} and {}", domains[1]),
                n => format!("{first}, {} and {} more domains", domains[1], n - 2),
            };
            let value = if result.text.is_empty() {
                "an empty result".to_string()
            } else {
                super::shorten(&result.text).into_owned()
            };
            let finding = out.report(
                rule.span,
                format!(
                    "catch-all pattern {} sends every address in {which} to {value}",
                    super::shorten(&rule.written)
                ),
            );
            finding.label("matches any address in this domain");
            if let Some(span) = referenced {
                finding.secondary(span, "virtual_alias_maps uses this table");
            }
            finding.help(help(
                model,
                first,
                None,
                &roles_advice(&roles_caught(model, id, index, first)),
            ));
        }
    }
}

/// The role addresses of a domain that virtual_alias_maps answers with this rule.
fn roles_caught(model: &Model, table: TableId, rule: u32, domain: &str) -> Vec<String> {
    let aliases = model.maps("virtual_alias_maps");
    ["postmaster", "abuse"]
        .iter()
        .map(|role| format!("{role}@{domain}"))
        .filter(|address| {
            aliases.lookup(&model.tables, address) == Answer::Found(Some(Hit::Rule(table, rule)))
        })
        .collect()
}

/// Where virtual_alias_maps names a table.
fn named_at(table: &crate::model::tables::Table) -> Option<crate::source::Span> {
    table
        .uses
        .iter()
        .find(|u| u.param == "virtual_alias_maps")
        .and_then(|u| u.span)
}
