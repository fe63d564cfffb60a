//! A parameter set twice with different values: only the last one counts.

use super::Rule;
use crate::diagnostic::{Basis, Findings, Severity};
use crate::model::params::Definition;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "overridden-parameter",
    severity: Severity::Warning,
    summary: "a parameter set twice with different values; the earlier value has no effect",
    doc: include_str!("../../rules/overridden-parameter.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    // The files as named (`postfix_main.cf`, `main.cf.j2`), not as Postfix names them.
    let file_name = |id| {
        let shown = &model.sources.get(id).display_path;
        shown.rsplit('/').next().unwrap_or(shown).to_string()
    };
    let main_cf = file_name(model.main_cf);
    let master_cf = model
        .master
        .services
        .first()
        .map_or_else(|| "master.cf".to_string(), |s| file_name(s.name_span.file));
    for name in model.params.defined_names() {
        // main.cf's own lines: a Dockerfile's `RUN postconf -e` that replaces one in the
        // image is meant to.
        let all: Vec<&Definition> = model
            .params
            .all(name)
            .filter(|d| model.in_main_cf(d.file))
            .collect();
        report(model, &all, &main_cf, out);
    }
    for service in &model.master.services {
        // The overrides grouped by name in one pass, each group in file order.
        let mut by_name: std::collections::BTreeMap<&str, Vec<&Definition>> =
            std::collections::BTreeMap::new();
        for def in &service.overrides {
            by_name.entry(def.name.as_str()).or_default().push(def);
        }
        let place = format!("{} in {master_cf}", service.label());
        for all in by_name.values() {
            report(model, all, &place, out);
        }
    }
}

/// One finding for each definition a later, different value replaces (where postconf warns
/// "overriding earlier entry").
fn report(model: &Model, all: &[&Definition], place: &str, out: &mut Findings) {
    let Some(winner) = all.last() else {
        return;
    };
    for pair in all.windows(2) {
        let (earlier, later) = (pair[0], pair[1]);
        if earlier.value == later.value {
            continue;
        }
        let name = &earlier.name;
        // A part of main.cf that a template includes is named by its path.
        let place = match model.main_cf_parts.contains(&later.file) {
            true => model.sources.get(later.file).display_path.as_str(),
            false => place,
        };
        let finding = out.report(
            earlier.span(),
            format!(
                "`{name}` is set again on line {} of {place}; this value has no effect",
                // The line of the value itself: a master.cf entry spans several lines.
                model
                    .sources
                    .get(later.span().file)
                    .line_col(later.span().start)
                    .0
            ),
        );
        finding.label("overridden");
        finding.basis(Basis::Overridden);
        if std::ptr::eq(later, *winner) {
            finding.secondary(later.span(), "this later value wins");
        } else {
            finding.secondary(later.span(), "overridden here");
            finding.secondary(winner.span(), "and this last value wins");
        }
        finding.help(format!(
            "Postfix uses the last `{name} = ...` and ignores the others (postconf warns \
             \"overriding earlier entry: {name}={}\"). Keep one line with the value you want.",
            earlier.value
        ));
    }
}
