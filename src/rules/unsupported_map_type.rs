//! A lookup table type Postfix does not have, one the target release does not have, or (on the
//! live configuration) one the installed Postfix cannot open because its plugin package is
//! missing; and an alias_database table of a type newaliases cannot build.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{Rule, Suggestions};
use crate::diagnostic::{Findings, Severity};
use crate::model::version::Release;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "unsupported-map-type",
    severity: Severity::Error,
    summary: "a lookup table type Postfix does not have, or that this Postfix cannot open, or an alias_database table newaliases cannot build",
    doc: include_str!("../../rules/unsupported-map-type.md"),
    undecided: super::always_decides,
    check,
};

const MAP_TYPES_TEXT: &str = include_str!("../../data/postfix-map-types.tsv");

/// One table type: the releases that have it, and how Debian ships it.
struct MapType {
    first: Release,
    last: Option<Release>,
    /// `builtin`, `plugin:postfix-mysql`, `not-built-on-debian`.
    packaging: &'static str,
}

fn map_types() -> &'static HashMap<&'static str, MapType> {
    static TYPES: OnceLock<HashMap<&'static str, MapType>> = OnceLock::new();
    TYPES.get_or_init(|| {
        crate::model::data::rows(MAP_TYPES_TEXT)
            .filter_map(|mut f| {
                let name = f.next()?;
                let (first, last) = crate::model::data::release_range(f.next()?)?;
                Some((
                    name,
                    MapType {
                        first,
                        last,
                        packaging: f.next()?,
                    },
                ))
            })
            .collect()
    })
}

/// The table types the installed Postfix can open (`postconf -m`), for the live configuration
/// in `config_dir` (postconf needs a main.cf to start, even for -m).
fn installed_types(config_dir: &std::path::Path) -> Option<Vec<String>> {
    let out = std::process::Command::new("postconf")
        .arg("-c")
        .arg(config_dir)
        .arg("-m")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let types: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    (out.status.success() && !types.is_empty()).then_some(types)
}

/// A type no release has that this setup's Postfix opens all the same: one the repository
/// builds into its own Postfix (its `dict_redis.c`), or one the installed Postfix lists (a
/// patched build).
fn built_here(built: &[String], installed: Option<&[String]>, kind: &str) -> bool {
    built.iter().any(|k| k == kind)
        || installed.is_some_and(|types| types.iter().any(|t| t == kind))
}

fn check(model: &Model, out: &mut Findings) {
    let release = model.target.release();
    let installed = if model.is_live() {
        installed_types(&model.locator.config_dir)
    } else {
        None
    };
    let mut suggestions = Suggestions::new(map_types().keys().copied());
    for unknown in &model.unknown_table_types {
        let Some(span) = unknown.span else {
            continue;
        };
        if built_here(&model.built_map_types, installed.as_deref(), &unknown.kind) {
            continue;
        }
        if unknown.kind.is_empty() {
            no_type(model, out, span, &unknown.token, &unknown.param);
            continue;
        }
        if unknown.kind == "unix" {
            no_such_unix_table(out, span, &unknown.token, &unknown.param);
            continue;
        }
        no_such_type(out, &mut suggestions, span, &unknown.kind, &unknown.param);
    }
    network_tables(model, installed.as_deref(), &mut suggestions, out);
    not_buildable_aliases(model, out);
    image_caches(model, out);
    let mut seen = std::collections::HashSet::new();
    for table in model.tables.iter() {
        let kind = table.kind.as_str();
        // Unknown text (`$name`, a placeholder) is no type postlint can judge.
        if kind.is_empty() || kind.contains(crate::model::expand::UNKNOWN) {
            continue;
        }
        // A table no line names (a default) says nothing: the first one written does.
        let Some(span) = table.uses.iter().find_map(|u| u.span) else {
            continue;
        };
        // One finding per type, but for an image: each table is a line to change there.
        let first = seen.insert(kind);
        if !first {
            if installed.is_none() && map_types().contains_key(kind) {
                image_without_plugin(model, span, kind, out);
            }
            continue;
        }
        let reference = table.reference();
        match map_types().get(kind) {
            None if built_here(&model.built_map_types, installed.as_deref(), kind) => {}
            None => {
                let place = format!("`{}`", super::shorten(&reference));
                no_such_type(out, &mut suggestions, span, kind, &place);
            }
            Some(t) if release < t.first || t.last.is_some_and(|last| release > last) => {
                let target = model.target.named();
                let when = match t.last {
                    Some(last) if release > last => {
                        format!("Postfix {last} was the last release with it")
                    }
                    _ => format!("it is new in Postfix {}", t.first),
                };
                let finding = out.report(
                    span,
                    format!("Postfix {target} has no `{kind}` table type: {when}"),
                );
                finding.subject(kind.to_string());
                finding.label(format!("not in Postfix {target}"));
                finding.help(format!(
                    "This setup is linted for Postfix {target} ({}). Use another table type, or \
                     upgrade Postfix.",
                    model.target.origin_text()
                ));
            }
            Some(_) => {
                let Some(types) = &installed else {
                    image_without_plugin(model, span, kind, out);
                    continue;
                };
                if types.iter().any(|i| i == kind) {
                    continue;
                }
                let package = map_types()
                    .get(kind)
                    .and_then(|t| t.packaging.strip_prefix("plugin:"));
                let finding = out.report(
                    span,
                    match package {
                        Some(p) => {
                            format!("`{kind}` tables need the {p} package, which is not installed")
                        }
                        None => format!("this Postfix cannot open `{kind}` tables"),
                    },
                );
                finding.subject(kind.to_string());
                finding.label("`postconf -m` does not list this type");
                finding.help(match package {
                    Some(p) => format!(
                        "Install it (`apt-get install {p}` on Debian and Ubuntu); until then \
                         every lookup in this table fails with \"unsupported dictionary type: \
                         {kind}\" and the mail waits in the queue."
                    ),
                    None => format!(
                        "This build of Postfix does not include `{kind}`. Use a type `postconf -m` \
                         lists."
                    ),
                });
            }
        }
    }
}

/// A plugin type in a main.cf that a Dockerfile copies into an image of a distribution
/// postlint knows, whose `RUN`s install the postfix package and not the plugin's
/// (`crate::image`).
fn image_without_plugin(model: &Model, span: crate::source::Span, kind: &str, out: &mut Findings) {
    let Some((dockerfile, image)) = &model.image else {
        return;
    };
    if !image.has_postfix_package() {
        return;
    }
    if image.distro.missing_types(image.tag()).contains(&kind) {
        let finding = out.report(
            span,
            format!(
                "Postfix on {} has no `{kind}` table type: Alpine builds it without Berkeley DB",
                image.base
            ),
        );
        finding.subject(kind.to_string());
        finding.label(format!("{dockerfile} builds FROM {}", image.base));
        finding.help(format!(
            "{dockerfile} copies this main.cf into an image built FROM {} (line {}). Alpine \
             3.13 and later build Postfix without Berkeley DB (Alpine 3.13's release notes), so \
             it cannot open `hash` and `btree` tables: every lookup fails with \"unsupported \
             dictionary type: {kind}\", and postmap and newaliases stop. Use `lmdb:` tables \
             instead (and `postmap lmdb:...`), as images built on Alpine do.",
            image.base, image.from_line
        ));
        return;
    }
    let Some(Some(package)) = image.distro.plugin_package(kind) else {
        return;
    };
    if image.installs(package) != Some(false) {
        return;
    }
    let finding = out.report(
        span,
        format!("`{kind}` tables need the {package} package, which the image does not install"),
    );
    finding.subject(kind.to_string());
    finding.label(format!(
        "{dockerfile} installs postfix on {} without {package}",
        image.base
    ));
    finding.help(format!(
        "{dockerfile} copies this main.cf into an image built FROM {} (line {}), and its \
         `{}` installs postfix but not {package}, which holds the `{kind}` table type on \
         {}. In the container every lookup in this table fails with \"unsupported dictionary \
         type: {kind}\", and mail that needs it waits in the queue. Add {package} to the \
         packages the Dockerfile installs.",
        image.base,
        image.from_line,
        image.distro.install_command(),
        image.distro.name(),
    ));
}

/// The caches Postfix writes itself, and what a cache it cannot open costs (as Postfix 3.7
/// shows it: tests/oracle_cache_type.rs).
const CACHES: &[(&str, Severity, &str, &str)] = &[
    (
        "address_verify_map",
        Severity::Error,
        "address verification never completes",
        "verify(8) cannot keep a result: each RCPT that needs address verification gets \
         \"450 4.1.1 Address verification in progress\" again, and a new probe goes out every \
         time, so the mail is never accepted",
    ),
    (
        "postscreen_cache_map",
        Severity::Warning,
        "postscreen remembers no client",
        "postscreen(8) cannot remember a client that passed its tests, and tests it again on \
         every connection",
    ),
    (
        "smtpd_tls_session_cache_database",
        Severity::Warning,
        "no TLS session is cached",
        "tlsmgr(8) keeps no TLS sessions: every client makes a full handshake",
    ),
    (
        "smtp_tls_session_cache_database",
        Severity::Warning,
        "no TLS session is cached",
        "tlsmgr(8) keeps no TLS sessions: every connection makes a full handshake",
    ),
    (
        "lmtp_tls_session_cache_database",
        Severity::Warning,
        "no TLS session is cached",
        "tlsmgr(8) keeps no TLS sessions: every connection makes a full handshake",
    ),
];

/// A cache main.cf puts in a table type the image's Postfix lacks (`btree:` on Alpine 3.13
/// and later). Caches are no lookup tables the model reads, so the tables loop never sees them.
fn image_caches(model: &Model, out: &mut Findings) {
    let Some((dockerfile, image)) = &model.image else {
        return;
    };
    if !image.has_postfix_package() {
        return;
    }
    let missing = image.distro.missing_types(image.tag());
    for &(name, severity, effect, cost) in CACHES {
        let param = model.params.param(name);
        let Some(definition) = param.definition else {
            continue;
        };
        if definition.conditional {
            continue;
        }
        // The type as written: `${default_cache_db_type}:...` is the image's own default.
        let Some((kind, _)) = definition.value.trim().split_once(':') else {
            continue;
        };
        if !missing.contains(&kind) || !cache_in_use(model, name) {
            continue;
        }
        let finding = out.report(
            definition.value_span,
            format!(
                "{name} is a `{kind}` table, which Postfix on {} cannot open (it has no Berkeley DB): {effect}",
                image.base
            ),
        );
        finding.severity = severity;
        finding.subject(format!("{name} {kind}"));
        finding.label(format!("{dockerfile} builds FROM {}", image.base));
        finding.help(format!(
            "{dockerfile} copies this main.cf into an image built FROM {} (line {}). Alpine \
             3.13 and later build Postfix without Berkeley DB, so it cannot open `{kind}:` \
             tables: the daemon logs \"unsupported dictionary type: {kind}\" and {cost}. Use \
             `lmdb:` (`{name} = lmdb:${{data_directory}}/...`), or leave the parameter out and \
             take the image's default.",
            image.base, image.from_line
        ));
    }
}

/// Whether a daemon that opens the cache runs: verify(8) only for a `reject_unverified_*`
/// restriction (in main.cf or a service's `-o`), postscreen only where master.cf runs it.
/// TLS session caches are taken as used: main.cf names them for TLS.
fn cache_in_use(model: &Model, name: &str) -> bool {
    use crate::model::values::program_of;
    match name {
        "address_verify_map" => {
            let verifies = |value: &str| value.contains("reject_unverified_");
            model
                .params
                .definitions()
                .iter()
                .any(|d| verifies(&d.value))
                || model
                    .master
                    .services
                    .iter()
                    .flat_map(|s| &s.overrides)
                    .any(|d| verifies(&d.value))
        }
        "postscreen_cache_map" => {
            model.master.is_known()
                && model
                    .master
                    .running()
                    .any(|s| program_of(&s.command) == "postscreen")
        }
        _ => true,
    }
}

/// The table types postalias (and postmap) can build: those with a bulk-mode create
/// function (`mkmap_*_open`) in dict_open_info[] of src/util/dict_open.c, the same in every
/// release from 3.7 to 3.11, but `fail`, whose writes fail. tests/oracle.rs checks the list
/// against postalias.
const BUILDABLE_TYPES: &[&str] = &["btree", "cdb", "dbm", "hash", "lmdb", "sdbm"];

/// alias_database tables of a type newaliases cannot build: `newaliases` (`sendmail -bi`, which
/// Debian's package scripts run) runs postalias on each and stops at the first such table.
fn not_buildable_aliases(model: &Model, out: &mut Findings) {
    let mut reported = std::collections::HashSet::new();
    for table in model.tables.iter() {
        let kind = table.kind.as_str();
        if kind.is_empty()
            || kind.contains(crate::model::expand::UNKNOWN)
            || BUILDABLE_TYPES.contains(&kind)
            || !map_types().contains_key(kind)
        {
            continue;
        }
        let Some(span) = table
            .uses
            .iter()
            .find(|u| u.param == "alias_database")
            .and_then(|u| u.span)
        else {
            continue;
        };
        if !reported.insert(span) {
            continue;
        }
        let reference = super::shorten(&table.reference()).into_owned();
        // postalias opens the table's name as its source file before it creates the table:
        // a name that is no path (`inline:{...}`, `static:x`) stops it there.
        let name = reference.split_once(':').map_or("", |(_, name)| name);
        let why = match kind {
            "proxy" => "can't create maps via the proxy service".to_string(),
            _ if !name.starts_with('/') => format!("open {name}: No such file or directory"),
            "fail" => format!("table {reference}: write error"),
            _ => format!("unsupported dictionary type: {kind} does not support bulk-mode creation"),
        };
        let finding = out.report(
            span,
            format!(
                "alias_database names `{reference}`, which newaliases cannot build: it stops with \"{why}\""
            ),
        );
        finding.subject(format!("alias_database {kind}"));
        finding.label(format!("newaliases cannot build a `{kind}` table"));
        finding.help(format!(
            "alias_database lists the alias files that `newaliases` (or `sendmail -bi`, which \
             Debian's postfix package runs when it is installed or upgraded) compiles with \
             postalias; it fails on the first table it cannot build, and the tables after it \
             are not rebuilt either. Keep `{reference}` in alias_maps, where local(8) looks it \
             up, and list in alias_database only the files postalias builds ({}).",
            super::backticked(BUILDABLE_TYPES.iter().map(|t| format!("{t}:")))
        ));
    }
}

/// `unix:NAME` with a name other than the two unix: tables (a socket path, most often).
/// A table written without its type (`transport_maps = /etc/postfix/transport`), or another
/// setting on the line (`... smtp_sasl_security_options = noanonymous`).
fn no_type(model: &Model, out: &mut Findings, span: crate::source::Span, token: &str, param: &str) {
    let shown = super::shorten(token);
    if let Some((name, _)) = token.split_once('=') {
        let name = name.trim_end();
        let finding = out.report(
            span,
            format!(
                "`{shown}` is another setting on the line of {param}: a line break is missing, and \
                 Postfix reads its words as more tables of {param}, which it cannot open"
            ),
        );
        finding.subject(token);
        finding.label(format!("`{name}` starts a line of its own"));
        finding.help(format!(
            "Put `{shown}` on a line of its own. As it stands, {name} keeps its default, and the \
             daemon that opens {param} stops on the first of these words (\"open dictionary: \
             expecting \\\"type:name\\\" form\"), so mail waits in the queue."
        ));
        return;
    }
    let fatal = format!("open dictionary: expecting \"type:name\" form instead of \"{shown}\"");
    let (what, says) = match model.target.asked >= Release::new(3, 12) {
        true => (
            "every lookup in it fails, and the mail it decides on waits in the queue",
            format!("Postfix logs \"{fatal}\" for each lookup."),
        ),
        false => (
            "the daemon that opens it stops, and mail waits in the queue",
            format!("The daemon that opens it logs \"fatal: {fatal}\" and stops, at every start."),
        ),
    };
    let default_type =
        crate::model::restrictions::service_value(model, None, "default_database_type")
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()))
            .unwrap_or_else(|| "hash".to_string());
    let finding = out.report(
        span,
        format!("`{shown}` in {param} has no table type: {what}"),
    );
    finding.subject(token);
    match model.target.asked >= Release::new(3, 12) {
        true => finding.label("no `type:` before the name"),
        false => finding.label(format!("fatal: {fatal}")),
    };
    // Header and body checks are patterns; the other tables, files postmap indexes.
    let fix = match param.ends_with("_checks") {
        true => format!(
            "Write the type of its patterns: `regexp:{shown}` (or `pcre:{shown}`), which need no \
             postmap."
        ),
        false => format!(
            "Write the type of the table postmap builds from the file: \
             `{default_type}:{shown}` (default_database_type), and run `postmap \
             {default_type}:{shown}`."
        ),
    };
    finding.help(format!(
        "Postfix opens a lookup table by `type:name`; a name alone is not read as a file of the \
         default type. {says} {fix}"
    ));
}

fn no_such_unix_table(out: &mut Findings, span: crate::source::Span, token: &str, param: &str) {
    let shown = super::shorten(token);
    let finding = out.report(
        span,
        format!(
            "`{shown}` in {param} is no table: the unix: type has only `unix:passwd.byname` and \
             `unix:group.byname`"
        ),
    );
    finding.subject(token);
    finding.label("no such unix: table");
    finding.help(
        "The unix: table type reads the system's passwd and group files under those two names; \
         any other name fails (postmap says \"fatal: unknown table: unix:/path\"), and so does \
         every lookup in it. A `unix:/path` is a socket, which a lookup table parameter cannot \
         use: name the table (`hash:/etc/postfix/...`) or, for a socket map, \
         `socketmap:unix:/path:name`.",
    );
}

/// A type no Postfix release has, with the closest one.
/// The `type:name` words of the mynetworks lists smtpd reads whose type Postfix does not
/// have: above all an IPv6 network written without brackets (`fd00:1234::/32`), which
/// match_list reads as a table of type `fd00`.
fn network_tables(
    model: &Model,
    installed: Option<&[String]>,
    suggestions: &mut Suggestions,
    out: &mut Findings,
) {
    let mut seen = std::collections::HashSet::new();
    for smtpd in crate::model::restrictions::smtpd_processes(model) {
        let Some(words) = crate::model::mynetworks::known_words(model, &smtpd) else {
            continue;
        };
        for word in words {
            let text = word.text.trim_start_matches('!');
            let Some(span) = word.span else { continue };
            if !crate::parse::list::is_table_pattern(text) || !seen.insert(span) {
                continue;
            }
            let Some((kind, _)) = text.split_once(':') else {
                continue;
            };
            if kind.is_empty()
                || map_types().contains_key(kind)
                || built_here(&model.built_map_types, installed, kind)
            {
                continue;
            }
            let network = text.split_once('/').map_or(text, |(address, _)| address);
            if network.parse::<std::net::Ipv6Addr>().is_err() {
                no_such_type(out, suggestions, span, kind, "mynetworks");
                continue;
            }
            let bracketed = match text.split_once('/') {
                Some((address, length)) => format!("[{address}]/{length}"),
                None => format!("[{text}]"),
            };
            let finding = out.report(
                span,
                format!(
                    "mynetworks names the IPv6 network `{text}` without brackets: Postfix reads \
                     it as a table of type `{kind}`, which it does not have"
                ),
            );
            finding.subject(kind.to_string());
            finding.label(format!("write `{bracketed}`"));
            finding.help(format!(
                "In mynetworks an item with a `:` that does not start with `[` is a lookup \
                 table (`type:name`), so IPv6 networks go in brackets: `{bracketed}`. As \
                 written, the lookup fails (\"unsupported dictionary type: {kind}\") and smtpd \
                 answers \"451 4.3.0 Temporary lookup failure\" to each client it checks \
                 against mynetworks that an earlier item did not match."
            ));
        }
    }
}

fn no_such_type(
    out: &mut Findings,
    suggestions: &mut Suggestions,
    span: crate::source::Span,
    kind: &str,
    place: &str,
) {
    let finding = out.report(
        span,
        format!("Postfix has no `{kind}` table type (in {place})"),
    );
    finding.subject(kind.to_string());
    match suggestions.suggest(kind) {
        Some(s) => finding.label(format!("did you mean `{s}`?")),
        None => finding.label("no such table type"),
    };
    finding.help(format!(
        "A lookup in a table of an unknown type fails: the daemon logs \
         \"unsupported dictionary type: {kind}\" and defers the mail (or stops, with \
         daemon_table_open_error_is_fatal = yes). `postconf -m` lists the types this Postfix \
         has."
    ));
}

#[cfg(test)]
mod tests {
    use super::built_here;

    #[test]
    fn a_type_of_a_patched_build_is_opened() {
        let redis = vec!["redis".to_string()];
        let stock = vec!["hash".to_string(), "lmdb".to_string()];
        // The repository builds it, or the installed postconf -m lists it.
        assert!(built_here(&redis, None, "redis"));
        assert!(built_here(&[], Some(&redis), "redis"));
        // Neither: reported.
        assert!(!built_here(&[], None, "redis"));
        assert!(!built_here(&[], Some(&stock), "redis"));
        assert!(!built_here(&redis, Some(&stock), "has"));
    }
}
