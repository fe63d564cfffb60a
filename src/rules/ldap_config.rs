//! ldap .cf files the client stops on or misreads: unknown keys, bad values and `%` escapes, no
//! search_base, a query_filter that ignores the key, and a bind password sent in clear.

use std::collections::HashMap;

use super::sql_config::{check_keys, quoted};
use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dbcf::{self, DbKind};
use crate::model::tables::Table;
use crate::model::{DbSetting, Model};
use crate::source::{FileId, Span};

pub const RULE: Rule = Rule {
    id: "ldap-config",
    severity: Severity::Error,
    summary: "an ldap .cf file with an unknown key, a bad value or % escape, no search_base, a query_filter that ignores the key, or a bind password sent without TLS",
    doc: include_str!("../../rules/ldap-config.md"),
    undecided,
    check,
};

/// A bind with a password whose server, bind or start_tls is not the value that runs:
/// whether it crosses the network in clear cannot be known.
fn undecided(model: &Model) -> bool {
    dbcf::db_tables(model).into_iter().any(|(kind, table, _)| {
        kind == DbKind::Ldap
            && password_bind(&dbcf::last_settings(table)).is_some_and(|(_, unknown)| unknown)
    })
}

/// Whether a setting holds an installer placeholder, or a value a set-up script replaces
/// (`sed -i 's/HOST_IP/.../g'`): not the value that runs.
fn not_as_written(settings: &HashMap<&str, &DbSetting>, name: &str) -> bool {
    settings
        .get(name)
        .is_some_and(|s| s.replaced || dbcf::has_placeholder(&s.value))
}

/// A simple bind with a password (`bind = yes`, the default, or `simple`, and a bind_pw)
/// without `start_tls = yes`, which `check_file` judges by its server: the bind_pw setting,
/// and whether the bind, start_tls or server_host that decide it are not the values that run
/// (then it is not judged). None when there is no such bind.
fn password_bind<'t>(settings: &HashMap<&str, &'t DbSetting>) -> Option<(&'t DbSetting, bool)> {
    let value = |name: &str| settings.get(name).map(|s| s.value.as_str());
    let password = settings
        .get("bind_pw")
        .copied()
        .filter(|s| !s.value.is_empty() && !dbcf::has_placeholder(&s.value))?;
    let simple = value("bind")
        .is_none_or(|b| b.eq_ignore_ascii_case("yes") || b.eq_ignore_ascii_case("simple"));
    let start_tls = value("start_tls").is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let (bind_unknown, tls_unknown) = (
        not_as_written(settings, "bind"),
        not_as_written(settings, "start_tls"),
    );
    if (!simple && !bind_unknown) || (start_tls && !tls_unknown) {
        return None;
    }
    let unknown = bind_unknown || tls_unknown || not_as_written(settings, "server_host");
    Some((password, unknown))
}

fn check(model: &Model, out: &mut Findings) {
    for (kind, table, file) in dbcf::db_tables(model) {
        if kind == DbKind::Ldap {
            check_file(model, table, file, out);
        }
    }
}

/// True when an LDAP server address stays on this machine or is TLS from the start.
fn local_or_ldaps(host: &str) -> bool {
    let lower = host.to_ascii_lowercase();
    if lower.starts_with("ldaps://") || lower.starts_with("ldapi://") {
        return true;
    }
    let rest = lower.strip_prefix("ldap://").unwrap_or(&lower);
    let hostport = rest.split('/').next().unwrap_or("");
    let name = if let Some(inner) = hostport.strip_prefix('[') {
        inner.split(']').next().unwrap_or("")
    } else {
        hostport.rsplit_once(':').map_or(hostport, |(h, _)| h)
    };
    name.is_empty() || name == "localhost" || name.starts_with("127.") || name == "::1"
}

fn check_file(model: &Model, table: &Table, file: FileId, out: &mut Findings) {
    check_keys(model, DbKind::Ldap, table, out);
    let settings = dbcf::last_settings(table);
    let value = |name: &str| settings.get(name).map(|s| s.value.as_str());
    let placeholder = |name: &str| not_as_written(&settings, name);

    if value("search_base").is_none_or(str::is_empty) && !placeholder("search_base") {
        let span = settings
            .get("search_base")
            .map_or(Span::file_start(file), |s| s.span);
        let finding = out.report(span, format!("{} has no search_base", table.reference()));
        finding.subject(format!("{} search_base", table.reference()));
        finding.label("no search_base");
        if let Some(span) = table.uses.iter().find_map(|u| u.span) {
            finding.secondary(span, format!("{} is used here", table.reference()));
        }
        finding.help(
            "ldap_table(5) on search_base: \"No default; you must configure this.\" Without it \
             the client searches from the empty base, which directory servers answer with \
             nothing or an error, so no key is ever found. Add `search_base = dc=example, \
             dc=com` (the subtree that holds the entries).",
        );
    }

    if let Some(filter) = settings.get("query_filter") {
        if !dbcf::has_placeholder(&filter.value) {
            let parsed = dbcf::parse_template(&filter.value);
            let base_dynamic =
                value("search_base").is_some_and(|b| dbcf::parse_template(b).dynamic);
            if parsed.invalid.is_none() && !parsed.dynamic && !base_dynamic {
                let finding = out.report(
                    filter.span,
                    format!(
                        "the query_filter of {} has no %s, %u, %d or %1..%9: every key gets the same answer",
                        table.reference()
                    ),
                );
                finding.label("the lookup key is not used");
                finding.help(format!(
                    "Postfix warns \"Fixed query_filter {} is probably useless\": the search \
                     is the same for every key, so every address matches or none does. Put \
                     the key in the filter, for example `query_filter = (mail=%s)`.",
                    quoted(&filter.value)
                ));
            }
        }
    }

    // A simple bind with a password, to a server reached over the network without TLS.
    let hosts = value("server_host").unwrap_or("localhost");
    if let Some((pw, unknown)) = password_bind(&settings) {
        if unknown {
            return;
        }
        let remote: Vec<&str> = hosts
            .split([',', ' ', '\t'])
            .filter(|h| !h.is_empty() && !local_or_ldaps(h))
            .collect();
        if let Some(first) = remote.first() {
            let span = settings.get("server_host").map_or(pw.span, |s| s.span);
            let finding = out.report(
                span,
                format!(
                    "{} binds with a password to {} without TLS: the password crosses the network in clear",
                    table.reference(),
                    quoted(first)
                ),
            );
            finding.subject(format!("{} bind", table.reference()));
            finding.label("plain ldap:// to another machine");
            if span != pw.span {
                finding.secondary(pw.span, "bind_pw (not shown)");
            }
            finding.help(
                "With `bind = yes` (the default) and bind_pw, the client sends bind_dn and the \
                 password in a simple bind; without TLS anyone on the path reads them. Add \
                 `start_tls = yes` (and `version = 3`, which STARTTLS needs), or use an \
                 `ldaps://` server_host.",
            );
        }
    }
}
