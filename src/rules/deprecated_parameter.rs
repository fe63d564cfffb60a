//! A parameter Postfix deprecates or has removed.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::names::deprecation;
use crate::model::params::Definition;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "deprecated-parameter",
    severity: Severity::Warning,
    summary: "a parameter that Postfix deprecates or has removed, with its replacement",
    doc: include_str!("../../rules/deprecated-parameter.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    for name in model.params.defined_names() {
        report(model, model.params.get(name).expect("defined"), out);
    }
    for service in &model.master.services {
        for def in &service.overrides {
            report(model, def, out);
        }
    }
}

fn report(model: &Model, def: &Definition, out: &mut Findings) {
    // What a later release deprecates is no concern of a setup for an earlier one.
    let Some(d) = deprecation(&def.name).filter(|d| model.target.at_least(d.since)) else {
        return;
    };
    let name = &def.name;
    let message = match (d.removed, d.replacement) {
        (true, Some(r)) => format!(
            "`{name}` was removed in Postfix {}; use `{r}` instead",
            d.since
        ),
        (true, None) => format!("`{name}` was removed in Postfix {}", d.since),
        (false, Some(r)) => format!(
            "`{name}` is deprecated since Postfix {}; use `{r}` instead",
            d.since
        ),
        (false, None) => format!("`{name}` is deprecated since Postfix {}", d.since),
    };
    let finding = out.report(def.name_span, message);
    finding.label(if d.removed { "removed" } else { "deprecated" });
    finding.help(d.note);
}
