//! A lookup table type Postfix does not have, one the target release does not have, or (on the
//! live configuration) one the installed Postfix cannot open because its plugin package is
//! missing.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{Rule, Suggestions};
use crate::diagnostic::{Findings, Severity};
use crate::model::version::Release;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "unsupported-map-type",
    severity: Severity::Error,
    summary: "a lookup table type Postfix does not have, or that this Postfix cannot open",
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
        no_such_type(out, &mut suggestions, span, &unknown.kind, &unknown.param);
    }
    let mut seen = std::collections::HashSet::new();
    for table in model.tables.iter() {
        let kind = table.kind.as_str();
        // Unknown text (`$name`, a placeholder) is no type postlint can judge.
        if kind.is_empty() || kind.contains(crate::model::expand::UNKNOWN) || !seen.insert(kind) {
            continue;
        }
        let Some(span) = table.uses.iter().find_map(|u| u.span) else {
            continue;
        };
        let reference = table.reference();
        match map_types().get(kind) {
            None => {
                let place = format!("`{}`", super::shorten(&reference));
                no_such_type(out, &mut suggestions, span, kind, &place);
            }
            Some(t) if release < t.first || t.last.is_some_and(|last| release > last) => {
                let target = model.target.asked;
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
            Some(t) => {
                let Some(types) = &installed else {
                    continue;
                };
                if types.iter().any(|i| i == kind) {
                    continue;
                }
                let package = t.packaging.strip_prefix("plugin:");
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

/// A type no Postfix release has, with the closest one.
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
