//! An @domain catch-all in virtual_alias_maps.

use hashbrown::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::tables::fold;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "catch-all-alias",
    severity: Severity::Warning,
    summary: "an @domain alias accepts mail for every address in the domain",
    doc: include_str!("../../rules/catch-all-alias.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
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
            let referenced = table
                .uses
                .iter()
                .find(|u| u.param == "virtual_alias_maps")
                .and_then(|u| u.span);
            for entry in entries.iter() {
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
                let roles = match missing.as_slice() {
                    [] => String::new(),
                    [one] => format!(" (and add {one}, which it now catches)"),
                    [a, b] => format!(" (at least {a} and {b})"),
                    _ => unreachable!("two roles"),
                };
                finding.help(format!(
                    "A catch-all accepts mail for addresses that do not exist, so spam sent to guessed \
                     addresses is delivered, Postfix can no longer reject unknown recipients in {domain} \
                     during SMTP, and mail it cannot deliver later becomes backscatter. Virtual aliases \
                     are resolved before mailboxes, so it also takes the mail of every mailbox in \
                     {domain} that has no alias line of its own (`user@{domain}  user@{domain}`). List \
                     the real addresses instead{roles}."
                ));
            }
        }
    }
}
