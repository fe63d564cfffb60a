//! A key given twice in a map source: postmap and postalias keep the first.

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
