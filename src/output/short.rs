//! `--format short`: one line per finding, `path:line:col: severity[rule]: message`, the form
//! editors (Vim's errorformat, Emacs' compilation mode) and pre-commit logs read.

use super::{position, summary};
use crate::diagnostic::Finding;
use crate::source::Sources;

pub fn render(
    sources: &Sources,
    findings: &[Finding],
    silenced: crate::Silenced,
    unseen: &crate::Unseen,
    quiet: bool,
) -> String {
    let mut out = String::new();
    let (shown, cut) = super::shown(sources, findings);
    for f in shown {
        let at = position(sources, f.primary.span, false);
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            super::printable(&at.path),
            at.line,
            at.column,
            f.severity.as_str(),
            f.rule,
            super::printable(&f.message)
        ));
    }
    for line in cut {
        out.push_str(&line);
        out.push('\n');
    }
    if !quiet {
        out.push_str(&summary(findings, silenced));
        out.push('\n');
        if let Some(line) = super::unseen_line(unseen) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
