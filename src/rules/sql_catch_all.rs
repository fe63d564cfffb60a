//! An alias query (a .cf file virtual_alias_maps names) that looks up `@domain`: the SQL
//! spelling of a virtual(5) catch-all.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dbcf;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "sql-catch-all",
    severity: Severity::Warning,
    summary: "a virtual_alias_maps query that looks up '@%d': any @domain row makes a catch-all",
    doc: include_str!("../../rules/sql-catch-all.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    for (kind, table, _) in dbcf::db_tables(model) {
        if !kind.is_sql() {
            continue;
        }
        let Some(the_use) = table.uses.iter().find(|u| u.param == "virtual_alias_maps") else {
            continue;
        };
        let settings = dbcf::last_settings(table);
        let Some(query) = settings.get("query") else {
            continue;
        };
        if model.is_secret(query.span) || !dbcf::catch_all_lookup(&query.value) {
            continue;
        }
        let finding = out.report(
            query.span,
            format!(
                "the alias query of {} looks up @domain ('@%d'): a catch-all for every domain with such a row",
                table.reference()
            ),
        );
        finding.subject(format!("{} catch-all", table.reference()));
        finding.label("matches @domain");
        if let Some(span) = the_use.span {
            finding.secondary(span, "virtual_alias_maps uses this query");
        }
        finding.help(format!(
            "A row for `@example.com` then accepts mail for every address at example.com, \
             including the ones spammers guess: smtpd's recipient check passes, and the mail is \
             forwarded or bounced (backscatter). virtual(5) warns about `@domain` entries; this \
             query is the same thing in {}. List the real addresses in the table instead, and \
             drop the @domain lookup (or keep it only for domains you mean to catch entirely).",
            kind.manual()
        ));
    }
}
