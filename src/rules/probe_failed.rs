//! `--probe` could not ask a database what Postfix asks it, or the answer is one Postfix
//! cannot use: the server is unreachable, the login or the query fails, a lookup exceeds
//! expansion_limit, a mailbox query returns several rows.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::probed::Setting;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "probe-failed",
    severity: Severity::Warning,
    summary: "--probe: a database cannot be reached, or its query fails or answers what Postfix cannot use",
    doc: include_str!("../../rules/probe-failed.md"),
    undecided: super::always_decides,
    check,
};

/// Parameters whose lookups want one value: several rows are joined into one bogus value
/// (virtual_mailbox_maps only when virtual(8) delivers from it).
const SINGLE_VALUED: [&str; 2] = ["virtual_mailbox_maps", "transport_maps"];

fn setting_span(model: &Model, table: &crate::model::tables::Table, names: &[&str]) -> Span {
    names
        .iter()
        .find_map(|name| table.settings.iter().rev().find(|s| s.name == *name))
        .map(|s| s.span)
        .or_else(|| model.tables.query_span(table.id))
        .or_else(|| table.source.map(Span::file_start))
        .unwrap_or(model.main_cf_start())
}

fn check(model: &Model, out: &mut Findings) {
    let Some(report) = &model.probe else {
        return;
    };
    for problem in &report.problems {
        let table = model.tables.get(problem.table);
        let span = match problem.setting {
            Setting::Connection => setting_span(model, table, &["hosts", "dbpath"]),
            Setting::Query => setting_span(model, table, &["query"]),
        };
        let message = crate::rules::shorten_long(&problem.message);
        let finding = out.report(span, format!("--probe of {}: {message}", table.reference()));
        finding.subject(format!("{} {:?}", table.reference(), problem.setting));
        finding.label(match problem.setting {
            Setting::Connection => "connecting with these settings",
            Setting::Query => "this query",
        });
        finding.help(if problem.postfix_fails {
            "Postfix asks this database with the same settings: where postlint fails, Postfix's \
             lookups fail too and mail is deferred (\"temporary lookup failure\"). Check the host, \
             user, password and dbname with the database's own client, and the query with a key \
             (postmap -q KEY type:/path/to/file.cf)."
        } else {
            "This is a limit of the probe, not a problem of the setup: what postlint did not ask \
             stays unknown, and the rules stay silent about it."
        });
    }
    for param in SINGLE_VALUED {
        // With Dovecot's LMTP or another transport, virtual_mailbox_maps only says the address
        // exists: several rows are as good as one.
        if param == "virtual_mailbox_maps"
            && crate::model::values::virtual_delivers(model) != Some(true)
        {
            continue;
        }
        let list = model.maps(param);
        for t in model.tables.probed_tables_of(&list.tables) {
            let several: Vec<_> = model.tables.probed[&t]
                .found()
                .filter(|(_, a)| a.rows > 1)
                .collect();
            let Some((_, first)) = several.first() else {
                continue;
            };
            let table = model.tables.get(t);
            let span = setting_span(model, table, &["query"]);
            let finding = out.report(
                span,
                format!(
                    "the {param} query of {} returns {} rows for {}; Postfix joins them into one value: {}",
                    table.reference(),
                    first.rows,
                    first.key,
                    first.value.as_deref().unwrap_or("")
                ),
            );
            finding.subject(format!("{} several rows", table.reference()));
            finding.label(format!("{} keys answered with several rows", several.len()));
            finding.help(format!(
                "{param} wants one value per key; with several rows Postfix joins them with commas, \
                 which is no mailbox path or transport. Make the query return one row (a unique key, \
                 LIMIT 1, or the missing condition such as active = 1)."
            ));
        }
    }
}
