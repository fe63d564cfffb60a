//! A map source in the configuration directory that nothing names.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::unreferenced::Shape;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "unreferenced-table",
    severity: Severity::Info,
    summary: "a lookup table source in the configuration directory that nothing names",
    doc: include_str!("../../rules/unreferenced-table.md"),
    undecided,
    check,
};

/// A placeholder, a template or another instance may name the files.
fn undecided(model: &Model) -> bool {
    model.unreferenced.is_err()
}

fn check(model: &Model, out: &mut Findings) {
    let Ok(found) = &model.unreferenced else {
        return;
    };
    for file in found {
        let path = &model.sources.get(file.span.file).display_path;
        let name = path.rsplit('/').next().unwrap_or(path);
        let (looks, example) = match &file.shape {
            Shape::Compiled(compiled) => {
                let kind = match compiled.rsplit('.').next() {
                    Some("lmdb") => "lmdb",
                    Some("cdb") => "cdb",
                    Some("pag") => "dbm",
                    _ => "hash",
                };
                (
                    format!("is compiled into {compiled}"),
                    format!("{kind}:{}", written_path(model, path)),
                )
            }
            Shape::Patterns(kind) => (
                format!("is a {kind} table by its name"),
                format!("{kind}:{}", written_path(model, path)),
            ),
            Shape::Database => (
                "is a database lookup file with a query".to_string(),
                format!(
                    "proxy:{}:{}",
                    database_kind(name),
                    written_path(model, path)
                ),
            ),
            Shape::UsualName => (
                "has the name and lines of a Postfix lookup table".to_string(),
                format!("hash:{}", written_path(model, path)),
            ),
        };
        let finding = out.report(
            file.span,
            format!("{name} {looks}, but no parameter in main.cf or master.cf names it"),
        );
        finding.subject(format!("{name} is unreferenced"));
        finding.label("Postfix never reads this table");
        let remove = match &file.shape {
            Shape::Compiled(compiled) => match compiled.strip_suffix(".pag") {
                Some(stem) => format!("remove it, {stem}.dir and {compiled}"),
                None => format!("remove it and {compiled}"),
            },
            _ => "remove it".to_string(),
        };
        finding.help(format!(
            "Postfix reads only the tables that main.cf and master.cf name, so entries added \
             here change nothing. If the table should be used, name it in the parameter it \
             belongs to (as `{example}`, with its type); if it is left over from an earlier \
             setup, {remove}."
        ));
    }
}

/// The path main.cf would write for a file of the linted directory: under /etc/postfix (or
/// the setup's config_directory) when it sits in the configuration directory.
fn written_path(model: &Model, display: &str) -> String {
    let dir = model.locator.config_dir.to_string_lossy();
    let base = model
        .locator
        .postfix_config_dirs
        .first()
        .map_or("/etc/postfix", String::as_str);
    match display.strip_prefix(dir.as_ref()) {
        Some(rest) => format!(
            "{}/{}",
            base.trim_end_matches('/'),
            rest.trim_start_matches('/')
        ),
        None => display.to_string(),
    }
}

/// The database a lookup file's name points to; MySQL, the most common, otherwise.
fn database_kind(name: &str) -> &'static str {
    let name = name.to_ascii_lowercase();
    if name.contains("pgsql") || name.contains("postgres") {
        "pgsql"
    } else if name.contains("sqlite") {
        "sqlite"
    } else if name.contains("ldap") {
        "ldap"
    } else {
        "mysql"
    }
}
