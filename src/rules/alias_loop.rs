//! Virtual aliases that come back to themselves (a → b → a, not the identity mapping Postfix
//! allows): cleanup expands such mail until virtual_alias_recursion_limit and defers it.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::alias_graph::Graph;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "alias-loop",
    severity: Severity::Error,
    summary: "virtual aliases that loop back to themselves: Postfix defers the mail (\"Alias expansion error\")",
    doc: include_str!("../../rules/alias-loop.md"),
    undecided: |model| model.maps_partial("virtual_alias_maps"),
    check,
};

fn check(model: &Model, out: &mut Findings) {
    let Some(graph) = Graph::build(model) else {
        return;
    };
    for cycle in graph.loops() {
        let Some((first, _, span)) = cycle.steps.first().cloned() else {
            continue;
        };
        let mut chain: Vec<&str> = cycle.steps.iter().map(|(a, _, _)| a.as_str()).collect();
        chain.push(&first);
        let shown: Vec<String> = chain
            .iter()
            .take(8)
            .map(|a| super::shorten(a).into_owned())
            .collect();
        let more = if chain.len() > 8 { " → …" } else { "" };
        let finding = out.report(
            span,
            format!(
                "virtual aliases loop: {}{more}: mail for these addresses is deferred (\"4.6.0 Alias expansion error\") and never delivered",
                shown.join(" → ")
            ),
        );
        finding.subject(format!("loop {first}"));
        let n = cycle.steps.len();
        let label = |k: usize| {
            let (address, key, _) = &cycle.steps[k];
            let next = &cycle.steps[(k + 1) % n].0;
            if key.starts_with('@') {
                format!("{address} has no entry of its own: this catch-all sends it to {next}")
            } else {
                format!("{address} goes on to {next}")
            }
        };
        finding.label(label(0));
        for k in 1..n.min(5) {
            let step_span = cycle.steps[k].2;
            if step_span != span {
                finding.secondary(step_span, label(k));
            }
        }
        finding.help(
            "Postfix expands an address again and again until virtual_alias_recursion_limit \
             (1000) and then defers the message; after maximal_queue_lifetime it bounces. Make \
             one address of the loop final: a mailbox, a remote address, or an alias to itself \
             (`user@example.org  user@example.org, other@example.org` keeps a copy and ends the \
             expansion).",
        );
    }
}
