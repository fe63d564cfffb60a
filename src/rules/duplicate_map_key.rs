//! A key given twice in a map source: postmap and postalias keep the first; a texthash:
//! table, which Postfix reads itself, fails every lookup; an `inline:{...}` table in main.cf
//! keeps the last.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::tables::Format;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "duplicate-map-key",
    severity: Severity::Warning,
    summary: "a key listed twice in a lookup table; only one of its entries is used",
    doc: include_str!("../../rules/duplicate-map-key.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    let mut seen_files = HashSet::new();
    for table in model.tables.iter() {
        if table.kind == "inline" {
            inline_duplicates(model, table, out);
            continue;
        }
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

/// `inline:{a=1, a=2}`: dict_inline.c stores the pairs in turn, so the last value given for a
/// key (folded) replaces the earlier ones, without a warning. One finding per repeated key, at
/// its last pair (the one used), with the first as a related place. Each pair's key is found
/// in the text of the table's first reference; where it is not there verbatim, the finding
/// points at the reference. A password table's values are never shown.
fn inline_duplicates(model: &Model, table: &crate::model::tables::Table, out: &mut Findings) {
    let Some(span) = table.uses.iter().find_map(|u| u.span) else {
        return;
    };
    let reference = table.reference();
    // Template expressions are holes: two keys with one in them are not known to be equal.
    if reference.contains(crate::model::expand::UNKNOWN) {
        return;
    }
    let Some(pairs) =
        crate::parse::table_ref::TableRef::parse(&reference).and_then(|r| r.inline_entries())
    else {
        return;
    };
    let secret = table.uses.iter().any(|u| u.param.contains("password"));
    // Where each pair's key is in main.cf: found in order in the reference as written (the
    // value may be continued over lines), each search starting after the pair before; the
    // whole reference where a key is not there verbatim.
    let written = model.sources.slice(span);
    let mut cursor = 0;
    let places: Vec<Option<crate::source::Span>> = pairs
        .iter()
        .map(|(key, value)| {
            let at = cursor + written.get(cursor..)?.find(key)?;
            cursor = at + key.len();
            if let Some(v) = written[cursor..].find(value) {
                cursor += v + value.len();
            }
            Some(crate::source::Span {
                file: span.file,
                start: span.start + at as u32,
                end: span.start + (at + key.len()) as u32,
            })
        })
        .collect();
    // Each folded key with the indexes of its pairs, in the order keys first appear.
    let mut order: Vec<(std::borrow::Cow<'_, str>, Vec<usize>)> = Vec::new();
    let mut by_key: std::collections::HashMap<std::borrow::Cow<'_, str>, usize> =
        std::collections::HashMap::new();
    for (i, (key, _)) in pairs.iter().enumerate() {
        let folded = crate::model::tables::fold(key);
        match by_key.get(&folded) {
            Some(&k) => order[k].1.push(i),
            None => {
                by_key.insert(folded.clone(), order.len());
                order.push((folded, vec![i]));
            }
        }
    }
    for (_, at) in order.iter().filter(|(_, at)| at.len() > 1) {
        let (first_at, last_at) = (at[0], *at.last().expect("two or more"));
        let last = pairs[last_at];
        let same = at.iter().all(|&i| pairs[i].1 == last.1);
        let times = match at.len() {
            2 => "twice".to_string(),
            n => format!("{n} times"),
        };
        let used = match (same, secret) {
            (true, _) => ", with the same value each time".to_string(),
            (false, true) => ": Postfix uses the last value and drops the earlier ones".to_string(),
            (false, false) => format!(
                ": Postfix uses the last value, `{}`, and drops the earlier ones",
                super::shorten(last.1)
            ),
        };
        let finding = out.report(
            places[last_at].unwrap_or(span),
            format!("`{}` is given {times} in this inline table{used}", last.0),
        );
        finding.subject(format!("inline duplicate {}", last.0));
        finding.label(if same {
            "duplicate, same value"
        } else {
            "this value is used"
        });
        if let (Some(first), Some(_)) = (places[first_at], places[last_at]) {
            finding.secondary(
                first,
                if same {
                    "first given here"
                } else {
                    "first given here, replaced"
                },
            );
        }
        finding.help(if same {
            "Remove the repeated pair: the table answers the same either way.".to_string()
        } else {
            "An inline:{...} table keeps the last value given for a key (postmap keeps the first \
             line of a file), and says nothing about it. Keep one pair with the value you want."
                .to_string()
        });
    }
}
