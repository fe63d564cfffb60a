//! mysql, pgsql and sqlite .cf files the client stops on or misreads: unknown keys, missing
//! required keys, bad `%` escapes, queries that ignore the key, bad numbers and booleans,
//! typographic or double quotes around `%s`, and a MySQL socket a chrooted daemon cannot reach.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dbcf::{self, DbKind, KeyType};
use crate::model::tables::Table;
use crate::model::{DbSetting, Model};
use crate::source::{FileId, Span};

pub const RULE: Rule = Rule {
    id: "sql-config",
    severity: Severity::Error,
    summary: "a mysql/pgsql/sqlite .cf file with an unknown or missing key, a bad % escape or value, a query that ignores the key, unsafe quotes, or a socket a chrooted daemon cannot reach",
    doc: include_str!("../../rules/sql-config.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    for (kind, table, file) in dbcf::db_tables(model) {
        if kind.is_sql() {
            check_file(model, kind, table, file, out);
        }
    }
}

/// Text from a .cf file as a message may quote it: short, control characters escaped.
pub(crate) fn quoted(text: &str) -> String {
    super::shorten(text)
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// Where a finding about a missing key points: the top of the .cf file, with the reference.
fn report_missing<'f>(
    out: &'f mut Findings,
    table: &Table,
    file: FileId,
    message: String,
) -> &'f mut crate::diagnostic::Finding {
    let finding = out.report(Span::file_start(file), message);
    if let Some(span) = table.uses.iter().find_map(|u| u.span) {
        finding.secondary(span, format!("{} is used here", table.reference()));
    }
    finding
}

/// Unknown keys and bad values, shared with ldap-config.
pub(crate) fn check_keys(model: &Model, kind: DbKind, table: &Table, out: &mut Findings) {
    let manual = kind.manual();
    let mut suggestions = 0;
    let sasl_bind = table
        .settings
        .iter()
        .rev()
        .find(|s| s.name == "bind")
        .is_some_and(|s| s.value.eq_ignore_ascii_case("sasl"));
    for setting in &table.settings {
        // A value an entrypoint replaces (`sed -i 's/^dbname .*/dbname = $DB/'`) is not the
        // one that runs.
        if setting.replaced && kind.key(&setting.name).is_some() {
            continue;
        }
        let secret = model.is_secret(setting.span);
        match kind.key(&setting.name) {
            None => {
                let known = kind.keys().iter().map(|k| k.name);
                let guess = (suggestions < super::Suggestions::BUDGET)
                    .then(|| {
                        suggestions += 1;
                        super::closest_by_words(&setting.name, known)
                    })
                    .flatten();
                let name = quoted(&setting.name);
                let finding = out.report(
                    setting.span,
                    match guess {
                        Some(g) => {
                            format!("`{name}` is not a {manual} setting; did you mean `{g}`?")
                        }
                        None => format!("`{name}` is not a {manual} setting"),
                    },
                );
                finding.subject(format!("{} {name}", table.reference()));
                finding.label("the client ignores this line");
                // `port`: the port goes in `hosts`. Written as the client's own default, the
                // ignored line changes nothing.
                let default_port = match kind {
                    DbKind::Mysql => Some("3306"),
                    DbKind::Pgsql => Some("5432"),
                    DbKind::Sqlite | DbKind::Ldap => None,
                };
                if let (true, Some(port)) = (setting.name == "port", default_port) {
                    let harmless = setting.value.trim_ascii() == port;
                    if harmless {
                        finding.severity = Severity::Warning;
                    }
                    finding.help(format!(
                        "The {} client reads no `port` key: the port is part of each host in \
                         `hosts` (`hosts = db.example.com:{}` or `inet:db.example.com:{}`), \
                         and without one it connects to {port}. {}",
                        kind.name(),
                        setting.value.trim_ascii(),
                        setting.value.trim_ascii(),
                        match harmless {
                            true =>
                                "That is the port written here, so nothing changes: \
                                     remove the line.",
                            false => "Move the port into `hosts`.",
                        }
                    ));
                    continue;
                }
                finding.help(format!(
                    "The {} client reads only the keys {manual} lists and ignores this one \
                     (postconf warns \"unused parameter\"), so the setting you meant keeps its \
                     default.{}",
                    kind.name(),
                    match guess {
                        Some(g) => format!(" Rename it to `{g}`."),
                        None => " Remove it, or see the manual for the key you meant.".into(),
                    }
                ));
            }
            Some(spec) => {
                if let Some(release) = spec.since {
                    if !model.target.has(release) {
                        let finding = out.report(
                            setting.span,
                            format!(
                                "`{}` is read from Postfix {release} on; {} ignores it",
                                spec.name,
                                model.target.named()
                            ),
                        );
                        finding.label("ignored by this release");
                        finding.help(format!(
                            "The {} client of the release this setup is linted for does not \
                             know `{}` and keeps its own behaviour. Upgrade Postfix, or remove \
                             the line.",
                            kind.name(),
                            spec.name
                        ));
                        continue;
                    }
                }
                if secret || dbcf::has_placeholder(&setting.value) {
                    continue;
                }
                // dict_ldap.c reads the sasl_* keys only for `bind = sasl`.
                if kind == DbKind::Ldap && spec.name.starts_with("sasl_") && !sasl_bind {
                    continue;
                }
                if let KeyType::Template { .. } = spec.ty {
                    check_template(setting, kind, table, out);
                }
                if let Some(problem) = dbcf::value_problem(spec, &setting.value) {
                    let finding = out.report(setting.span, quoted(&problem));
                    if let KeyType::Fallback(words) = spec.ty {
                        // Not fatal: the client warns and uses its default.
                        finding.severity = crate::diagnostic::Severity::Warning;
                        finding.label(format!(
                            "not a value Postfix knows: it uses {}",
                            spec.default
                        ));
                        finding.help(format!(
                            "The {} client logs a warning and uses `{}` instead, which may \
                             not be the search you meant (`sub` is the whole subtree under \
                             search_base, `one` its direct children, `base` the entry \
                             itself). Write one of {}.",
                            kind.name(),
                            spec.default,
                            words.join(", ")
                        ));
                        continue;
                    }
                    finding.label(match spec.ty {
                        KeyType::Int { .. } => "not a number Postfix accepts",
                        KeyType::Bool => "not yes or no",
                        KeyType::Choice(_) => "not a value Postfix knows",
                        _ => "empty",
                    });
                    let allowed = match spec.ty {
                        KeyType::Int { min, max } if max != 0 => {
                            format!("a whole number from {min} to {max}")
                        }
                        KeyType::Int { min, .. } if min != 0 => {
                            format!("a whole number of at least {min}")
                        }
                        KeyType::Int { .. } => "a whole number".to_string(),
                        KeyType::Bool => "`yes` or `no`".to_string(),
                        KeyType::Choice(words) => words.join(", "),
                        _ => "a value, or no line at all for the default".to_string(),
                    };
                    finding.help(format!(
                        "The {} client stops with a fatal error when it opens this file, so every \
                         lookup in {} fails. Write {allowed}{}.",
                        kind.name(),
                        table.reference(),
                        if spec.default.is_empty() {
                            String::new()
                        } else {
                            format!(" (default: {})", spec.default)
                        }
                    ));
                }
            }
        }
    }
}

fn check_file(model: &Model, kind: DbKind, table: &Table, file: FileId, out: &mut Findings) {
    check_keys(model, kind, table, out);
    let settings = dbcf::last_settings(table);
    let value = |name: &str| settings.get(name).map(|s| s.value.as_str());

    // A file with installer placeholders is a template its installer completes (and may add
    // the keys it lacks: ServerContainers' entrypoint appends the query).
    let from_installer = settings.values().any(|s| dbcf::has_placeholder(&s.value));
    // A repository's file that sets no connection key at all (only the query) is the part
    // that names the table: the connection settings are another file's, which a start script
    // puts in front of it (`cat postfix.conf query.cf.template > query.cf`).
    let query_part = !model.locator.mode.is_system_image()
        && [
            "hosts",
            "user",
            "password",
            "dbname",
            "dbpath",
            "connect_timeout",
        ]
        .iter()
        .all(|k| value(k).is_none())
        && value("query").is_some();
    // Required keys.
    let required = match kind {
        _ if from_installer || query_part => None,
        DbKind::Mysql => Some("dbname"),
        // From 3.10 a pgsql table whose hosts are all URIs may leave dbname out.
        DbKind::Pgsql
            if !(model.target.at_least("3.10")
                && value("hosts").is_some_and(|h| {
                    h.split([',', ' ', '\t'])
                        .filter(|h| !h.is_empty())
                        .all(|h| h.starts_with("postgresql://") || h.starts_with("postgres://"))
                })) =>
        {
            Some("dbname")
        }
        DbKind::Sqlite => Some("dbpath"),
        _ => None,
    };
    if let Some(key) = required {
        if value(key).is_none() {
            let finding = report_missing(
                out,
                table,
                file,
                format!("{} has no `{key}` setting", table.reference()),
            );
            finding.subject(format!("{} {key}", table.reference()));
            finding.label(format!("no {key} in this file"));
            finding.help(format!(
                "The {} client stops with \"bad string length 0 < 1: {key} =\" when it opens the \
                 file, so every lookup fails. Add `{key} = {}`.",
                kind.name(),
                if key == "dbpath" {
                    "/path/to/the.sqlite"
                } else {
                    "the database name"
                }
            ));
        }
    }
    if value("query").is_none() && !from_installer {
        let legacy = ["table", "select_field", "where_field"];
        let missing: Vec<&str> = legacy
            .iter()
            .copied()
            .filter(|k| value(k).is_none())
            .collect();
        let function = kind == DbKind::Pgsql && value("select_function").is_some();
        if !missing.is_empty() && !function {
            let finding = report_missing(
                out,
                table,
                file,
                format!(
                    "{} has no `query` (nor the old `{}`)",
                    table.reference(),
                    missing.join("`, `")
                ),
            );
            finding.subject(format!("{} query", table.reference()));
            finding.label("no query in this file");
            finding.help(format!(
                "Without `query` the client builds one from table, select_field and where_field, \
                 and stops with \"bad string length 0 < 1: {} =\" when one is missing. Add a \
                 query, for example `query = SELECT destination FROM virtual_aliases WHERE \
                 source = '%s'`.",
                missing[0]
            ));
        }
    }

    // A Python `%` template (`user = %(db_user)s`): its `%%d` renders as `%d`, so what the
    // query's escapes are is the rendered file's.
    let python_template = settings
        .values()
        .any(|s| s.value.contains("%(") && dbcf::has_placeholder(&s.value));
    if let Some(query) = settings.get("query") {
        if !model.is_secret(query.span) && !dbcf::has_placeholder(&query.value) && !python_template
        {
            let parsed = dbcf::parse_template(&query.value);
            // `SELECT 1 LIMIT 0`: a table switched off on purpose.
            let switched_off = query
                .value
                .to_ascii_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w == ["limit", "0"]);
            if parsed.invalid.is_none() && !parsed.dynamic && !switched_off {
                let finding = out.report(
                    query.span,
                    format!(
                        "the query of {} has no %s, %u, %d or %1..%9: every key gets the same answer",
                        table.reference()
                    ),
                );
                finding.label("the lookup key is not used");
                finding.help(
                    "Postfix puts the lookup key into the query only where it has an escape: \
                     `%s` (the whole key), `%u` (the part before @), `%d` (the domain). A query \
                     without one returns the same rows for every key, so every address (or \
                     domain) matches, or none does. Add the key to the WHERE clause, for example \
                     `WHERE email = '%s'`.",
                );
            }
        }
    }
    for name in ["query", "where_field", "additional_conditions"] {
        let Some(setting) = settings.get(name) else {
            continue;
        };
        if model.is_secret(setting.span) {
            continue;
        }
        if let Some(c) = dbcf::typographic_quote(&setting.value) {
            let finding = out.report(
                setting.span,
                format!(
                    "`{name}` has the typographic quote {c} (U+{:04X}), not a SQL quote",
                    c as u32
                ),
            );
            finding.label("pasted from a web page or a word processor?");
            finding.help(
                "The database reads a curly quote as part of a name, not as the start of a \
                 string, so every lookup ends in a syntax error or matches nothing. Retype the \
                 quotes as plain ASCII apostrophes: `'%s'`.",
            );
        } else if let Some(written) = dbcf::double_quoted_expansion(&setting.value) {
            let (why, label) = match kind {
                DbKind::Mysql => (
                    "mysql_real_escape_string() escapes `\"` as well as `'` in MySQL's default SQL \
                     mode, so this works today; but with ANSI_QUOTES in sql_mode a double-quoted \
                     text is a column name and every lookup fails, and with NO_BACKSLASH_ESCAPES \
                     the client doubles only `'`, so a `\"` in an address ends the string early \
                     (SQL injection)",
                    "safe only in MySQL's default SQL mode",
                ),
                DbKind::Pgsql => (
                    "in PostgreSQL a double-quoted text is a column name, not a string, so every \
                     lookup fails with \"column ... does not exist\" (PQescapeStringConn() escapes \
                     only for single quotes)",
                    "a column name in PostgreSQL",
                ),
                _ => (
                    "SQLite reads a double-quoted text as a column name, and only when no column \
                     has that name as a string; Postfix's escaping (sqlite3_mprintf %q) doubles \
                     only `'`, so a `\"` in an address ends the string early (SQL injection)",
                    "not escaped for double quotes",
                ),
            };
            let finding = out.report(
                setting.span,
                format!("`{name}` puts the key in double quotes ({written})"),
            );
            finding.label(label);
            finding.help(format!(
                "Postfix escapes the key for single quotes only: {why}. Write `'{}'`.",
                &written[1..written.len() - 1]
            ));
        }
    }
    if kind == DbKind::Mysql {
        check_socket(model, table, &settings, file, out);
    }
}

/// `%` escapes db_common_parse() rejects.
fn check_template(setting: &DbSetting, kind: DbKind, table: &Table, out: &mut Findings) {
    let parsed = dbcf::parse_template(&setting.value);
    let Some(bad) = parsed.invalid else {
        return;
    };
    let what = if setting.name == "result_format" || setting.name == "result_filter" {
        "result"
    } else {
        "query"
    };
    let finding = out.report(
        setting.span,
        format!(
            "`{}` has the escape `{}`, which Postfix does not know: \"Invalid {what} template\"",
            setting.name,
            quoted(&bad)
        ),
    );
    finding.label(format!("{} is not an escape", quoted(&bad)));
    finding.help(format!(
        "db_common_parse() stops the {} client with a fatal error on this file, so every lookup \
         in {} fails. The escapes are %s (the key), %u (the part before @), %d (the domain), %S \
         %U %D (the same, of the original key, in result_format), %1..%9 (domain labels from \
         the right) and %% (a literal %). For a SQL LIKE pattern, write %%.",
        kind.name(),
        table.reference()
    ));
}

/// The daemon programs that look up tables of a parameter, when that is certain.
fn daemons_of(param: &str) -> &'static [&'static str] {
    match param {
        "virtual_alias_maps" => &["cleanup", "smtpd"],
        "virtual_mailbox_maps" | "relay_recipient_maps" => &["smtpd"],
        "canonical_maps" | "sender_canonical_maps" | "recipient_canonical_maps" => &["cleanup"],
        "transport_maps"
        | "virtual_alias_domains"
        | "virtual_mailbox_domains"
        | "relay_domains"
        | "mydestination" => &["trivial-rewrite"],
        p if p.starts_with("smtpd_") => &["smtpd"],
        _ => &[],
    }
}

/// A MySQL table reached through the default UNIX socket by a chrooted daemon.
fn check_socket(
    model: &Model,
    table: &Table,
    settings: &std::collections::HashMap<&str, &DbSetting>,
    file: FileId,
    out: &mut Findings,
) {
    let hosts = settings.get("hosts");
    if hosts.is_some_and(|h| dbcf::has_placeholder(&h.value))
        || !dbcf::mysql_only_default_socket(hosts.map(|h| h.value.as_str()))
        || !model.master.is_known()
    {
        return;
    }
    let default = crate::model::master::chroot_default(model);
    let mut found = None;
    for (i, the_use) in table.uses.iter().enumerate() {
        if dbcf::use_is_proxied(model, table.id, i) {
            continue;
        }
        let daemons = daemons_of(&the_use.param);
        let from_master = the_use
            .span
            .is_some_and(|s| Some(s.file) == model.master.file);
        for service in &model.master.services {
            if !daemons.contains(&service.command.as_str()) {
                continue;
            }
            let uses_it = if from_master {
                service.override_of(&the_use.param).is_some_and(|d| {
                    the_use
                        .span
                        .is_some_and(|s| d.value_span.start <= s.start && s.end <= d.value_span.end)
                })
            } else {
                service.override_of(&the_use.param).is_none()
            };
            if uses_it && service.chrooted(default) == Some(true) {
                found = Some((service, the_use));
                break;
            }
        }
        if found.is_some() {
            break;
        }
    }
    let Some((service, the_use)) = found else {
        return;
    };
    let span = hosts.map_or(Span::file_start(file), |h| h.span);
    let finding = out.report(
        span,
        format!(
            "{} connects to MySQL's local socket, but {} reads it inside its chroot, where the socket is not",
            table.reference(),
            service.label()
        ),
    );
    finding.subject(format!("{} socket", table.reference()));
    finding.label(match hosts {
        Some(_) => "localhost means the UNIX socket /run/mysqld/mysqld.sock",
        None => "no hosts: the client uses localhost, the UNIX socket",
    });
    if let Some(span) = the_use.span {
        finding.secondary(span, format!("{} uses the table", the_use.param));
    }
    finding.secondary(service.name_span, "runs chrooted to the queue directory");
    finding.help(format!(
        "The MySQL client turns `localhost` (and an empty hosts) into the server's UNIX socket, \
         /run/mysqld/mysqld.sock, which a daemon chrooted to the queue directory \
         (/var/spool/postfix) cannot see: lookups fail with \"Can't connect to local server \
         through socket\". Write `hosts = 127.0.0.1` (TCP), or use the table through proxymap \
         (`{param} = proxy:{reference}`, and list it in proxy_read_maps), or set the chroot \
         column of {label} to n.",
        param = the_use.param,
        reference = table.reference(),
        label = service.label()
    ));
}
