//! `$name` that names no parameter: Postfix expands it to nothing.

use super::{Rule, Suggestions};
use crate::diagnostic::{Findings, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "undefined-reference",
    severity: Severity::Warning,
    summary: "a $name reference to a parameter that is neither built in nor defined",
    doc: include_str!("../../rules/undefined-reference.md"),
    // A main.cf that may set parameters postlint cannot see (a template's include, a master.cf
    // linted without its main.cf) may define any name.
    undecided: |model| model.params.is_open_ended(),
    check,
};

fn check(model: &Model, out: &mut Findings) {
    if model.params.is_open_ended() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    // A reference may misspell a name the setup defines.
    let mut suggestions = Suggestions::new(model.params.defined_names().into_iter());
    for undefined in &model.names.undefined {
        let name = &undefined.name;
        // One finding per name in each value: `${x?$x}` is one mistake.
        if !seen.insert((undefined.span.file, &undefined.in_param, name)) {
            continue;
        }
        // Never the parameter the reference is in: `x = $x` would make it refer to itself,
        // which stops postconf and every daemon ("unreasonable macro call nesting").
        let suggestion = suggestions
            .suggest(name)
            .filter(|s| *s != undefined.in_param);
        let finding = out.report(
            undefined.span,
            format!(
                "`${name}` in {} names no parameter; it expands to nothing",
                undefined.in_param
            ),
        );
        match &suggestion {
            Some(s) => finding.label(format!("did you mean `${s}`?")),
            None => finding.label("not defined anywhere"),
        };
        let fix = match suggestion {
            Some(s) => format!("If you meant `${s}`, fix the spelling; otherwise define"),
            None => "Define".to_string(),
        };
        finding.help(format!(
            "Postfix warns \"undefined parameter: {name}\" and uses an empty string. {fix} \
             `{name} = ...` in main.cf, or remove the reference."
        ));
    }
}
