//! Output formats: the only place that knows miette or serde.

pub mod config;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod short;

use serde::Serialize;

use crate::diagnostic::Finding;
use crate::source::{Sources, Span};

/// A position as users see it: the file's display path and 1-based line and column.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Position {
    pub path: String,
    pub line: usize,
    pub column: usize,
}

pub fn position(sources: &Sources, span: Span, end: bool) -> Position {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(if end { span.end } else { span.start });
    Position {
        path: file.display_path.clone(),
        line,
        column,
    }
}

/// Counts by severity, and what was silenced, for the summary line.
pub fn summary(findings: &[Finding], silenced: crate::Silenced) -> String {
    use crate::diagnostic::Severity::*;
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = if findings.is_empty() {
        "No problems found".to_string()
    } else {
        let mut parts = vec![
            plural(count(Error), "error"),
            plural(count(Warning), "warning"),
        ];
        let infos = count(Info);
        if infos > 0 {
            parts.push(plural(infos, "info"));
        }
        format!(
            "Found {} ({})",
            plural(findings.len(), "problem"),
            parts.join(", ")
        )
    };
    let ways: Vec<String> = [
        (silenced.inline, "inline"),
        (silenced.config, "by postlint.toml"),
        (silenced.baseline, "by the baseline"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, how)| format!("{n} {how}"))
    .collect();
    if !ways.is_empty() {
        let total = silenced.inline + silenced.config + silenced.baseline;
        line.push_str(&format!("; {total} silenced ({})", ways.join(", ")));
    }
    line.push('.');
    line
}

/// The line after the summary that says what the run could not see, if anything.
pub fn unseen_line(unseen: &crate::Unseen) -> Option<String> {
    if unseen.is_empty() {
        return None;
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if unseen.tables > 0 {
        parts.push(format!(
            "{} postlint cannot read",
            plural(unseen.tables, "table")
        ));
    }
    if unseen.placeholders > 0 {
        parts.push(plural(unseen.placeholders, "installer placeholder"));
    }
    let mut line = String::new();
    if !parts.is_empty() {
        line = format!("Not checked: {}", parts.join(", "));
    }
    if !unseen.undecided.is_empty() {
        let rules = unseen.undecided.join(", ");
        line = match line.is_empty() {
            true => format!("Could not decide: {rules}"),
            false => format!("{line}; could not decide: {rules}"),
        };
    }
    line.push_str(" (--verbose lists them).");
    Some(line)
}
