//! A compiled table older than its source, or missing.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::tables::Format;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "stale-map",
    severity: Severity::Warning,
    summary: "a compiled lookup table is older than its source file, or missing",
    doc: include_str!("../../rules/stale-map.md"),
    undecided,
    check,
};

/// A compiled file missing from the tree (normal in a checkout), or an indexed table whose
/// source postlint cannot read: on the server, either may be stale.
fn undecided(model: &Model) -> bool {
    model.tables.iter().any(|t| {
        let indexed = crate::parse::table_ref::is_indexed_kind(&t.kind);
        let missing = t
            .compiled
            .as_ref()
            .is_some_and(|(files, _)| files.iter().any(|f| f.modified.is_none()));
        missing || (indexed && t.source.is_none())
    })
}

fn check(model: &Model, out: &mut Findings) {
    // A repository checkout holds sources only; missing compiled files are normal there.
    let tree_has_compiled = model
        .tables
        .iter()
        .filter_map(|t| t.compiled.as_ref())
        .any(|(files, _)| files.iter().any(|f| f.modified.is_some()));
    let mut reported = HashSet::new();
    for table in model.tables.iter() {
        let Some((files, true)) = &table.compiled else {
            continue;
        };
        let Some(source) = table.source else { continue };
        let Some(first) = files.first() else { continue };
        if !reported.insert(first.path.clone()) {
            continue;
        }
        // A set-up script of the repository runs postmap (or newaliases) on it: the
        // compiled file is made where the configuration is deployed.
        if model
            .script_builds
            .builds(&table.name, table.format == Format::Aliases)
        {
            continue;
        }
        // Credentials no smtp client reads (SASL off for each): Postfix never opens them.
        if never_opened(model, &table.uses) {
            continue;
        }
        let source_file = model.sources.get(source);
        let missing: Vec<&str> = files
            .iter()
            .filter(|f| f.modified.is_none())
            .map(|f| f.display.as_str())
            .collect();
        let stale = files
            .iter()
            .filter_map(|f| f.modified)
            .any(|m| source_file.modified.is_some_and(|s| m < s));
        let message = if !missing.is_empty() {
            if !tree_has_compiled {
                continue;
            }
            format!(
                "{} is missing: Postfix cannot open {}",
                missing.join(" and "),
                table.reference()
            )
        } else if stale {
            format!(
                "{} is older than its source {}",
                first.display, source_file.display_path
            )
        } else {
            continue;
        };
        let command = match table.format {
            Format::Aliases => format!("postalias {}", table.reference()),
            Format::Postmap => format!("postmap {}", table.reference()),
        };
        let reference = table
            .uses
            .iter()
            .find_map(|u| u.span.map(|s| (s, u.param.clone())));
        let primary = reference
            .as_ref()
            .map(|(s, _)| *s)
            .unwrap_or(Span::file_start(source));
        let finding = out.report(primary, message);
        match &reference {
            Some((_, param)) => {
                finding.label(format!("{param} reads the compiled file, not the source"));
                finding.secondary(Span::file_start(source), "the source file");
            }
            None => {
                finding.label("Postfix reads the compiled file, not this source");
            }
        }
        let effect = if missing.is_empty() {
            "Postfix keeps answering from the old compiled table (it only logs \"database ... is older \
             than source file ...\" at run time)"
        } else {
            "every lookup in this table fails (\"open database ...: No such file or directory\") and \
             mail that needs it is deferred"
        };
        finding.help(format!(
            "Postfix reads only the compiled table, so {effect}. Run `{command}`{}.",
            if table.format == Format::Aliases {
                " (or newaliases)"
            } else {
                ""
            }
        ));
    }
}

/// Whether a table is only smtp_sasl_password_maps, and every smtp client has SASL off: the
/// client never opens the table (a panel that writes the credentials and runs postmap when the
/// admin turns a relay host on keeps it so).
fn never_opened(model: &Model, uses: &[crate::model::tables::TableUse]) -> bool {
    !uses.is_empty()
        && uses.iter().all(|u| u.param == "smtp_sasl_password_maps")
        && crate::model::values::smtp_sasl_on(model) == Some(false)
}
