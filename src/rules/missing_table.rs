//! A table, list file or database .cf file a parameter names that does not exist.

use std::path::Path;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::tables::Table;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "missing-table",
    severity: Severity::Error,
    summary: "a table, list file or database .cf file that a parameter names does not exist",
    doc: include_str!("../../rules/missing-table.md"),
    // In a repository, a missing file counts only beside this setup's other files.
    undecided: |model| {
        !model.is_live()
            && (model.tables.iter().any(|t| t.missing.is_some())
                || !model.missing_list_files.is_empty())
    },
    check,
};

fn check(model: &Model, out: &mut Findings) {
    for table in model.tables.iter() {
        let Some(path) = &table.missing else {
            continue;
        };
        // Postfix reads the compiled file of an indexed table; the source may be gone.
        let compiled = table
            .compiled
            .as_ref()
            .is_some_and(|(files, _)| files.iter().any(|f| f.modified.is_some()));
        if compiled {
            continue;
        }
        let Some(span) = table.uses.iter().find_map(|u| u.span) else {
            continue;
        };
        let display = table
            .source_display
            .clone()
            .unwrap_or_else(|| path.display().to_string());
        let subject = format!("`{}` names {display}", table.reference());
        let what = what_table(table);
        report(model, path, span, &subject, what, out);
    }
    for list in &model.missing_list_files {
        let Some(span) = list.span else {
            continue;
        };
        let subject = format!(
            "`{}` in {} names {}",
            list.written, list.param, list.display
        );
        report(model, &list.path, span, &subject, "list file", out);
    }
}

fn what_table(table: &Table) -> &'static str {
    match table.kind.as_str() {
        "mysql" | "pgsql" | "sqlite" | "ldap" | "memcache" | "mongodb" => "database .cf file",
        "regexp" | "pcre" | "cidr" | "texthash" => "table file",
        _ => "table source",
    }
}

fn report(model: &Model, path: &Path, span: Span, subject: &str, what: &str, out: &mut Findings) {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A template of the file (virtual.j2) is rendered into place by the deployment.
    if crate::template::names_for(&name).any(|t| dir.join(t).is_file()) {
        return;
    }
    // In a repository the deployment may write files postlint never sees (secrets such as
    // sasl_passwd are never committed, containers create theirs at start): a missing file is
    // a mistake there only when a file of a similar name sits where it should be.
    // A file the setup reads already (`aliases` for alias_maps beside a missing `valiases`)
    // is another table, not the one meant here.
    let similar = crate::model::paths::similar_file(dir, &name).filter(|other| {
        let other = dir.join(other);
        !model.sources.iter().any(|(_, s)| s.real_path == other)
    });
    if !model.is_live() && similar.is_none() {
        return;
    }
    // In a repository a file of the same stem (`domains.j2`, `sasl_passwd.sample` for
    // `domains.cf`, `sasl_passwd`) is what the deployment renders or copies into place, often
    // under a name its tasks give: not a misspelt name.
    let stem = |n: &str| n.rsplit_once('.').map_or(n, |(stem, _)| stem).to_string();
    // `_virtual` for `virtual` (l31rb4g/carteiro's start script renders `_virtual` into it)
    // is the same.
    // But a database table named `x.c` beside `x.cf` is the .cf file misspelt (RTechSn's
    // `ldap/smtpd_sender_login_maps.c`): `.cf` is the suffix such a table's file has.
    let database_suffix = |other: &str| {
        what == "database .cf file" && other.ends_with(".cf") && !name.ends_with(".cf")
    };
    if !model.is_live()
        && similar.as_deref().is_some_and(|other| {
            !database_suffix(other) && stem(other) == stem(&name)
                || stem(other) == name
                || other.trim_matches(['_', '-', '.']) == name
        })
    {
        return;
    }
    let finding = out.report(
        span,
        format!(
            "{}, a {what} that does not exist",
            crate::output::printable(subject)
        ),
    );
    finding.subject(subject.to_string());
    match &similar {
        Some(other) => {
            finding.label(format!("did you mean `{other}`?"));
            finding.help(format!(
                "{other} sits in the same directory. Postfix opens exactly the name written here; \
                 a lookup in a table that cannot be opened fails, and the daemon that needs it \
                 defers mail or stops (`fatal: open database ...: No such file or directory`)."
            ));
        }
        None => {
            finding.label("no such file");
            finding.help(
                "Create the file (and run postmap or postalias on it for an indexed table), or \
                 correct the path. A table that cannot be opened makes the daemon that needs it \
                 defer mail or stop (`fatal: open database ...: No such file or directory`).",
            );
        }
    }
}
