//! A `# postlint:` suppression that silences nothing, names no rule, or cannot be read.
//!
//! Its findings come from the suppression pass (`crate::suppress::apply`), which alone knows
//! which suppressions were used; the check over the model has nothing to do.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "unused-suppression",
    severity: Severity::Warning,
    summary: "a `# postlint: disable` comment that silences nothing",
    doc: include_str!("../../rules/unused-suppression.md"),
    undecided: super::always_decides,
    check,
};

fn check(_: &Model, _: &mut Findings) {}
