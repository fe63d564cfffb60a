//! An `@domain` virtual alias in a domain whose mailboxes have no alias of their own: virtual
//! aliases are resolved before mailboxes, so the catch-all takes their mail.

use std::collections::HashMap;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::ClassKind;
use crate::model::tables::{fold, Answer};
use crate::model::{Model, Resolved};
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "catch-all-shadows-mailbox",
    severity: Severity::Error,
    summary:
        "an @domain alias takes the mail of the domain's mailboxes that have no alias of their own",
    doc: include_str!("../../rules/catch-all-shadows-mailbox.md"),
    undecided: |model| {
        model.maps_partial("virtual_alias_maps") || model.maps_partial("virtual_mailbox_maps")
    },
    check,
};

/// A catch-all and the mailboxes it takes.
struct CatchAll {
    key: String,
    span: Span,
    value: String,
    shadowed: Vec<String>,
}

fn check(model: &Model, out: &mut Findings) {
    let aliases = model.maps("virtual_alias_maps");
    let mailboxes = model.maps("virtual_mailbox_maps");
    if aliases.unknown || aliases.tables.is_empty() || mailboxes.tables.is_empty() {
        return;
    }
    // Whether a mailbox has an alias of its own can only be known when every alias table is.
    let Some(alias_tables) = model.tables.exact_entry_tables(&aliases.tables) else {
        return;
    };
    let mut catch_alls: HashMap<String, CatchAll> = HashMap::new();
    for id in alias_tables {
        let Some(entries) = model.tables.get(id).entries() else {
            continue;
        };
        for entry in entries.iter() {
            let Some(domain) = entry.key.strip_prefix('@') else {
                continue;
            };
            if domain.is_empty() {
                continue;
            }
            catch_alls
                .entry(fold(domain).into_owned())
                .or_insert_with(|| CatchAll {
                    key: entry.key.to_string(),
                    span: entry.key_span,
                    value: entry.value.to_string(),
                    shadowed: Vec::new(),
                });
        }
    }
    if catch_alls.is_empty() {
        return;
    }
    let mut classes: HashMap<String, bool> = HashMap::new();
    for &listed in &mailboxes.tables {
        for id in model.tables.known_entry_tables(listed) {
            let Some(entries) = model.tables.get(id).entries() else {
                continue;
            };
            for (i, entry) in entries.iter().enumerate() {
                let key = entries.folded_key(i as u32);
                let Some((_, domain)) = key.rsplit_once('@') else {
                    continue;
                };
                if key.starts_with('@') {
                    continue;
                }
                let Some(catch_all) = catch_alls.get_mut(domain) else {
                    continue;
                };
                // Only mailboxes Postfix delivers to: the domain is a virtual mailbox domain.
                let hosted = *classes.entry(domain.to_string()).or_insert_with(|| {
                    matches!(
                        model.resolve_class(domain),
                        Resolved::Class(ClassKind::VirtualMailbox, _)
                    )
                });
                if !hosted {
                    continue;
                }
                // Its own alias (an identity line, or any other) answers before the catch-all;
                // the catch-all's own target is not taken from itself.
                if aliases.lookup(&model.tables, key) != Answer::NotFound
                    || crate::parse::list::list_items(&catch_all.value)
                        .any(|r| catch_all.value[r].eq_ignore_ascii_case(key))
                {
                    continue;
                }
                catch_all.shadowed.push(entry.key.to_string());
            }
        }
    }
    let mut found: Vec<CatchAll> = catch_alls
        .into_values()
        .filter(|c| !c.shadowed.is_empty())
        .collect();
    found.sort_by_key(|c| c.span);
    for catch_all in found {
        let n = catch_all.shadowed.len();
        let domain = &catch_all.key[1..];
        let first: Vec<String> = catch_all
            .shadowed
            .iter()
            .take(3)
            .map(|m| super::shorten(m).into_owned())
            .collect();
        let more = if n > 3 { ", …" } else { "" };
        let goes = if catch_all.value.starts_with('@') {
            format!(
                "the same user at {}",
                super::shorten(catch_all.value.trim_start_matches('@'))
            )
        } else {
            super::shorten(&catch_all.value).into_owned()
        };
        let mailboxes = if n == 1 { "mailbox" } else { "mailboxes" };
        let message = if n == 1 {
            format!(
                "catch-all {} takes the mail of the mailbox {}, which has no alias of its own: it goes to {goes}, and the mailbox gets nothing",
                catch_all.key, first[0]
            )
        } else {
            format!(
                "catch-all {} takes the mail of {n} mailboxes of {domain} with no alias of their own ({}{more}): it goes to {goes}, and the mailboxes get nothing",
                catch_all.key,
                first.join(", ")
            )
        };
        let finding = out.report(catch_all.span, message);
        finding.subject(format!("{} shadows", catch_all.key));
        finding.label(format!(
            "answers before virtual_mailbox_maps for {n} {mailboxes}"
        ));
        finding.help(format!(
            "Virtual aliases are resolved before mailboxes, and an @domain alias matches every \
             address that has no alias entry of its own. Give each mailbox an identity alias \
             (`{}  {}`), so its own key answers first, or remove the catch-all.",
            first[0], first[0]
        ));
    }
}
