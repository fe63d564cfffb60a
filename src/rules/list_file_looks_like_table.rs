//! A `/file/name` in a domain list whose lines are `domain value` pairs.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "list-file-looks-like-table",
    severity: Severity::Warning,
    summary:
        "a domain list reads a file written as a lookup table, so every value becomes a domain",
    doc: include_str!("../../rules/list-file-looks-like-table.md"),
    undecided: super::always_decides,
    check,
};

/// How many of the file's lines a finding shows.
const SHOWN_LINES: usize = 3;

fn check(model: &Model, out: &mut Findings) {
    let mut seen = std::collections::HashSet::new();
    for list in model.list_files.iter().filter(|f| f.looks_like_table()) {
        if !seen.insert((list.file, list.param.as_str())) {
            continue;
        }
        let path = &list.path;
        let first = &list.table_lines[0];
        let word = model.sources.slice(first.value);
        let mut values: Vec<String> = Vec::new();
        for line in &list.table_lines {
            let value = format!("`{}`", model.sources.slice(line.value));
            if !values.contains(&value) {
                values.push(value);
            }
            if values.len() == SHOWN_LINES {
                break;
            }
        }
        let primary = list.item.unwrap_or(first.line);
        let finding = out.report(
            primary,
            format!(
                "{} reads {path} as a list of domains, but its lines are `domain value` pairs: \
                 Postfix takes {} for domains too",
                list.param,
                values.join(", ")
            ),
        );
        finding.subject(format!("{} {path}", list.param));
        match list.item {
            Some(_) => finding.label("every word of this file is a domain"),
            None => finding.label(format!("`{word}` becomes a domain")),
        };
        for line in list.table_lines.iter().take(SHOWN_LINES) {
            if line.line != primary {
                let value = model.sources.slice(line.value);
                finding.secondary(line.value, format!("`{value}` becomes a domain"));
            }
        }
        let as_table = format!(
            "`{} = hash:{path}` (with any other items of the list) and run `postmap {path}`",
            list.param
        );
        finding.help(format!(
            "A /file/name in {} holds domains separated by spaces, commas or newlines, and each \
             word is one more domain: `{}` lists two. To keep the file as a table, name it as one: \
             {as_table}. Or write one domain per line without values. {} of {} lines have this \
             shape.",
            list.param,
            model.sources.slice(first.line).trim_ascii(),
            list.table_lines.len(),
            list.lines
        ));
    }
}
