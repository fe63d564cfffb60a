//! A key given twice in a map source: postmap and postalias keep the first; a texthash:
//! table, which Postfix reads itself, fails every lookup.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::tables::Format;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "duplicate-map-key",
    severity: Severity::Warning,
    summary: "a key listed twice in a lookup table source; only the first entry is used",
    doc: include_str!("../../rules/duplicate-map-key.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    let mut seen_files = HashSet::new();
    for table in model.tables.iter() {
        let (Some(entries), Some(file)) = (table.entries(), table.source) else {
            continue;
        };
        // A source named by several tables (hash: and lmdb:, say) is reported once.
        if !seen_files.insert((file, table.format)) {
            continue;
        }
        let tool = match table.format {
            Format::Postmap => "postmap",
            Format::Aliases => "postalias",
        };
        let used_by = |param: &str| table.uses.iter().any(|u| u.param == param);
        // Tables whose values are addresses to deliver to: several rows do not add recipients.
        let aliases = used_by("virtual_alias_maps") || table.format == Format::Aliases;
        // Tables whose values are secrets: never print them.
        let secret = table.uses.iter().any(|u| u.param.contains("password"));
        // texthash: tables are read by each daemon itself, without postmap's "warn about
        // duplicates" flag: dict_thash.c then opens the whole table as a surrogate that fails
        // every lookup. One finding, at the first duplicate: the table is lost, not an entry.
        if table.kind == "texthash" {
            if let Some(dup) = entries.duplicates().next() {
                let kept = entries.entry(dup.kept);
                let reference = super::shorten(&table.reference()).into_owned();
                let others = entries.duplicates().count() - 1;
                let finding = out.report(
                    dup.entry.key_span,
                    format!(
                        "`{}` is already listed on line {}: Postfix refuses {reference} for its \
                         duplicate key, and every lookup in it fails (\"table lookup problem\"): \
                         mail the table is asked about is deferred",
                        dup.entry.key,
                        kept.line()
                    ),
                );
                finding.severity = Severity::Error;
                finding.subject(format!("texthash duplicate {}", dup.entry.key));
                finding.label(match others {
                    0 => "duplicate key".to_string(),
                    1 => "duplicate key (and 1 more in this file)".to_string(),
                    n => format!("duplicate key (and {n} more in this file)"),
                });
                finding.secondary(kept.key_span, "first listed here");
                finding.help(
                    "A texthash: table is read by each Postfix daemon when it starts, and one \
                     that lists a key twice (even with the same value) is replaced by a table \
                     whose every lookup fails: `warning: ...: duplicate entry` in the log, then \
                     \"451 4.3.5 Server configuration error\" or deferred mail wherever the \
                     table is used. Remove the duplicate lines (postmap's hash: tables keep the \
                     first entry instead; texthash: tables do not).",
                );
            }
            continue;
        }
        for dup in entries.duplicates() {
            let kept = entries.entry(dup.kept);
            let same = kept.value == dup.entry.value;
            let finding = out.report(
                dup.entry.key_span,
                format!(
                    "`{}` is already listed on line {}; {tool} keeps that entry and ignores this one",
                    dup.entry.key, kept.line()
                ),
            );
            finding.label(if same {
                "duplicate, same value"
            } else {
                "ignored"
            });
            finding.secondary(kept.key_span, "this entry is used");
            finding.help(if same {
                format!(
                    "{tool} warns \"duplicate entry\" for this line. The values are the same: \
                     remove this line."
                )
            } else if secret {
                format!(
                    "{tool} warns \"duplicate entry\" and keeps the first one, so `{}` answers \
                     with the value on line {}, not this one. Keep one line with the value you \
                     want.",
                    kept.key,
                    kept.line()
                )
            } else if aliases {
                let separator = if table.format == Format::Aliases {
                    ":"
                } else {
                    ""
                };
                format!(
                    "{tool} warns \"duplicate entry\" and keeps the first one, so mail for `{key}` \
                     goes to {first} only, never to {second}. To deliver to both, write one line \
                     with a comma-separated list: `{key}{separator} {first}, {second}`. (One row \
                     per recipient works in an SQL table, where Postfix joins the rows with \
                     commas; a {tool} file keeps only the first.)",
                    key = kept.key,
                    first = kept.value,
                    second = dup.entry.value,
                )
            } else {
                format!(
                    "{tool} warns \"duplicate entry\" and keeps the first one, so `{}` answers \
                     `{}`, not `{}`. Keep one line with the value you want.",
                    kept.key, kept.value, dup.entry.value
                )
            });
        }
    }
}
