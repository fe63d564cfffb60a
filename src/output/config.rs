//! `--show-config`: the model the way `postconf -nx` prints Postfix's, so users can see what
//! postlint understood (and the oracle tests can compare it with Postfix).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::model::classes::ClassKind;
use crate::model::expand::Expanded;
use crate::model::params::{expand_param, Definition};
use crate::model::tables::Format;
use crate::model::Model;
use crate::source::Span;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
pub struct ConfigView {
    pub version: u32,
    /// main.cf's parameters: every one set there, and every default the model or a rule read.
    pub parameters: BTreeMap<String, ParamView>,
    /// `-o` overrides by `service/type`.
    pub services: BTreeMap<String, BTreeMap<String, ParamView>>,
    pub classes: BTreeMap<&'static str, ClassView>,
    pub tables: Vec<TableView>,
    /// Every smtpd service: its restriction lists and whether it relays for outsiders.
    pub smtpd: Vec<SmtpdView>,
}

#[derive(Serialize)]
pub struct SmtpdView {
    /// `service/type` (or `smtpd` without master.cf).
    pub service: String,
    /// The restriction lists as the service reads them (null: unknown).
    pub restrictions: BTreeMap<&'static str, Option<String>>,
    /// `closed`, `open`, `unknown` or `does not start`.
    pub relay: &'static str,
    /// Why: the clients that relay and the restrictions that let them, or what is unknown.
    pub reason: String,
}

#[derive(Serialize)]
pub struct ParamView {
    /// The expanded value (`<unknown>` marks what postlint cannot know); null when Postfix
    /// would refuse the value.
    pub value: Option<String>,
    /// The value as written (null when it depends on the machine and is unknown).
    pub raw: Option<String>,
    /// `main.cf:12`, `master.cf:30`, or `default`.
    pub origin: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

#[derive(Serialize)]
pub struct ClassView {
    pub parameter: &'static str,
    pub domains: Vec<String>,
    /// The class draws on something postlint cannot see, so it may have more members.
    pub unknown_members: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address_literals: Vec<String>,
}

#[derive(Serialize)]
pub struct TableView {
    pub table: String,
    pub format: &'static str,
    pub used_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compiled: Vec<String>,
    /// Number of entries, when they are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<usize>,
    /// Why the answers cannot be known, when they cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// `main.cf:12` for files in the configuration directory, else the display path.
pub(crate) fn origin(model: &Model, span: Span) -> String {
    let file = model.sources.get(span.file);
    let (line, _) = file.line_col(span.start);
    let path = file
        .real_path
        .strip_prefix(&model.locator.config_dir)
        .map(Path::to_string_lossy)
        .unwrap_or_else(|_| file.display_path.as_str().into());
    format!("{path}:{line}")
}

/// What --show-config shows for a secret.
pub const SECRET: &str = "********";

fn param_view(
    model: &Model,
    definition: Option<&Definition>,
    raw: Option<String>,
    expanded: &Expanded,
) -> ParamView {
    let failed = !expanded.errors.is_empty();
    // A password (`NAME_password = ...`, a database setting in main.cf) is never shown.
    if definition.is_some_and(|d| model.is_secret(d.value_span)) {
        return ParamView {
            value: Some(SECRET.to_string()),
            raw: Some(SECRET.to_string()),
            origin: definition
                .map_or_else(|| "default".to_string(), |d| origin(model, d.name_span)),
            unknown: false,
            errors: Vec::new(),
        };
    }
    ParamView {
        value: (!failed).then(|| expanded.display()),
        raw,
        origin: definition.map_or_else(|| "default".to_string(), |d| origin(model, d.name_span)),
        unknown: !failed && expanded.has_unknown(),
        errors: expanded.errors.clone(),
    }
}

pub fn view(model: &Model) -> ConfigView {
    let params = &model.params;
    let mut names: Vec<String> = params
        .defined_names()
        .into_iter()
        .map(String::from)
        .collect();
    names.extend(params.read_names());
    let mut parameters = BTreeMap::new();
    for name in names {
        if parameters.contains_key(&name) {
            continue;
        }
        let param = params.param(&name);
        let view = param_view(model, param.definition, param.raw.clone(), &param.expanded);
        parameters.insert(name, view);
    }

    let mut services: BTreeMap<String, BTreeMap<String, ParamView>> = BTreeMap::new();
    for service in &model.master.services {
        let scoped = params.scoped(service);
        let entry = services.entry(service.label()).or_default();
        for def in &service.overrides {
            let expanded = expand_param(&scoped, &def.name, def.value_ref());
            entry.insert(
                def.name.clone(),
                param_view(model, Some(def), Some(def.value.clone()), &expanded),
            );
        }
    }

    let mut classes = BTreeMap::new();
    for kind in ClassKind::RESOLVE_ORDER {
        let class = model.class(kind);
        let mut domains: Vec<String> = class
            .members(&model.tables)
            .map(|m| m.domain.to_string())
            .collect();
        domains.sort();
        domains.dedup();
        classes.insert(
            kind.name(),
            ClassView {
                parameter: kind.param(),
                domains,
                unknown_members: class.unknown_members,
                address_literals: class.address_literals.clone(),
            },
        );
    }

    let tables = model
        .tables
        .iter()
        .map(|t| {
            let mut used_by: Vec<String> = t.uses.iter().map(|u| u.param.clone()).collect();
            used_by.sort();
            used_by.dedup();
            // `static:user:password` for a password table: its name is the secret.
            let secret = t
                .uses
                .iter()
                .any(|u| u.span.is_some_and(|s| model.is_secret(s)));
            TableView {
                table: match secret {
                    true => format!("{}:{SECRET}", t.kind),
                    false => t.reference(),
                },
                format: match t.format {
                    Format::Postmap => "postmap",
                    Format::Aliases => "aliases",
                },
                used_by,
                source: t
                    .source
                    .map(|f| model.sources.get(f).display_path.clone())
                    .or_else(|| t.source_display.clone()),
                compiled: t
                    .compiled
                    .as_ref()
                    .map(|(files, _)| files.iter().map(|c| c.display.clone()).collect())
                    .unwrap_or_default(),
                entries: t.entries().map(|e| e.len()),
                unknown: model.tables.partial_reason(t.id),
            }
        })
        .collect();

    ConfigView {
        version: VERSION,
        parameters,
        services,
        classes,
        tables,
        smtpd: smtpd_views(model),
    }
}

fn smtpd_views(model: &Model) -> Vec<SmtpdView> {
    use crate::model::relay::{verdict, Verdict};
    use crate::model::restrictions::{smtpd_processes, starts, LIST_PARAMS};
    smtpd_processes(model)
        .iter()
        .map(|smtpd| {
            let restrictions = LIST_PARAMS
                .iter()
                .map(|&p| {
                    let words = smtpd.list(model, p).map(|w| show_list(model, &w));
                    (p, words)
                })
                .collect();
            let (relay, reason) = if !starts(model, smtpd) {
                (
                    "does not start",
                    "neither smtpd_relay_restrictions nor smtpd_recipient_restrictions has a working reject_unauth_destination".to_string(),
                )
            } else {
                match verdict(model, smtpd) {
                    Verdict::Closed => {
                        let mut reason = "clients outside mynetworks that do not authenticate get no mail for other domains accepted".to_string();
                        let unseen = crate::model::relay::unseen_tables(model, smtpd);
                        if !unseen.is_empty() {
                            let shown: Vec<String> = unseen
                                .iter()
                                .map(|t| crate::rules::shorten(t).into_owned())
                                .collect();
                            reason.push_str(&format!(
                                ", as far as postlint can see: it cannot read or list every key of {}, and takes the made-up names an outsider uses to be in none of them",
                                shown.join(", ")
                            ));
                        }
                        ("closed", reason)
                    }
                    Verdict::Open(witnesses) => {
                        let w = &witnesses[0];
                        let how: Vec<String> = w
                            .steps
                            .iter()
                            .filter(|s| s.status == crate::model::relay::Status::Permit)
                            .map(|s| format!("{} in {}", s.word, s.list))
                            .collect();
                        (
                            "open",
                            format!(
                                "{} gets {} accepted{}",
                                w.who,
                                w.what,
                                if how.is_empty() {
                                    String::new()
                                } else {
                                    format!(" ({})", how.join("; "))
                                }
                            ),
                        )
                    }
                    Verdict::Unknown(why) => ("unknown", why),
                }
            };
            SmtpdView {
                service: smtpd.label(),
                restrictions,
                relay,
                reason,
            }
        })
        .collect()
}

/// A restriction list as one writes it: `check_helo_access hash:/x, reject`. A word that holds
/// a secret the model marked is starred; a Spamhaus DQS zone shows `KEY` for its key.
fn show_list(model: &Model, words: &[crate::model::restrictions::Word]) -> String {
    let mut out = String::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            let previous = words[i - 1].text.to_ascii_lowercase();
            let takes_argument = previous.starts_with("check_") && previous.ends_with("_access")
                || previous.starts_with("check_policy")
                || previous.contains("rbl")
                || previous.contains("dnswl")
                || previous.contains("rhswl")
                || previous == "sleep"
                || previous == "warn_if_reject";
            out.push_str(if takes_argument { " " } else { ", " });
        }
        if word.span.is_some_and(|s| model.is_secret(s)) {
            out.push_str(
                &match word.text.to_ascii_lowercase().contains(".dq.spamhaus.net") {
                    true => crate::model::dnsbl::shown(&word.text),
                    false => SECRET.to_string(),
                },
            );
        } else if word.text.to_ascii_lowercase().contains(".dq.spamhaus.net") {
            out.push_str(&crate::model::dnsbl::shown(&word.text));
        } else {
            out.push_str(&word.text);
        }
    }
    out
}

pub fn render_json(model: &Model) -> String {
    let mut text =
        super::json_safe(serde_json::to_string_pretty(&view(model)).expect("serializable"));
    text.push('\n');
    show_tags(model, text)
}

/// The text with each hole marker (a template expression, as postlint reads it: a parameter
/// `{{ k }} = {{ v }}` sets, a service `{{ port }}` names) written as the template's tag.
/// The tags hold no quote or backslash: JSON stays JSON.
fn show_tags(model: &Model, text: String) -> String {
    crate::tag_shape(model)
        .and_then(|shape| crate::template::holes::unmask(&text, shape))
        .unwrap_or(text)
}

fn shown_value(p: &ParamView) -> String {
    match &p.value {
        Some(v) => v.clone(),
        None => format!("<refused by Postfix: {}>", p.errors.join("; ")),
    }
}

pub fn render_text(model: &Model) -> String {
    let view = view(model);
    let mut out = String::new();
    let width = view
        .parameters
        .values()
        .chain(view.services.values().flat_map(|s| s.values()))
        .map(|p| p.origin.len())
        .max()
        .unwrap_or(7);
    let _ = writeln!(
        out,
        "# Parameters: set in main.cf, or defaults postlint read"
    );
    for (name, p) in &view.parameters {
        let _ = writeln!(out, "{:<width$}  {name} = {}", p.origin, shown_value(p));
    }
    if !view.services.is_empty() {
        let _ = writeln!(
            out,
            "\n# master.cf -o overrides (service/type/name = value)"
        );
        for (service, overrides) in &view.services {
            for (name, p) in overrides {
                let _ = writeln!(
                    out,
                    "{:<width$}  {service}/{name} = {}",
                    p.origin,
                    shown_value(p)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n# Address classes, in the order trivial-rewrite tries them"
    );
    for kind in ClassKind::RESOLVE_ORDER {
        let class = &view.classes[kind.name()];
        let mut items = class.domains.clone();
        items.extend(class.address_literals.iter().cloned());
        let listed = if items.is_empty() {
            "(no known domains)".to_string()
        } else {
            items.join(", ")
        };
        let more = if class.unknown_members {
            "; and members postlint cannot see"
        } else {
            ""
        };
        let _ = writeln!(out, "{} ({}): {listed}{more}", kind.name(), class.parameter);
    }
    let _ = writeln!(out, "\n# Tables");
    for t in &view.tables {
        let what = match (&t.entries, &t.unknown) {
            (Some(n), _) => format!("{n} entr{}", if *n == 1 { "y" } else { "ies" }),
            (None, Some(reason)) => format!("unknown: {reason}"),
            (None, None) => "answers every key".to_string(),
        };
        let _ = write!(
            out,
            "{} ({}): {what}; used by {}",
            t.table,
            t.format,
            t.used_by.join(", ")
        );
        if let Some(source) = &t.source {
            let _ = write!(out, "; source {source}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "\n# smtpd services: restriction lists and relay verdict"
    );
    for service in &view.smtpd {
        let _ = writeln!(
            out,
            "{}: relay {}: {}",
            service.service, service.relay, service.reason
        );
        for (list, words) in &service.restrictions {
            let shown = match words {
                Some(w) if w.is_empty() => "(empty)".to_string(),
                Some(w) => w.clone(),
                None => "<unknown>".to_string(),
            };
            let _ = writeln!(out, "  {list} = {shown}");
        }
    }
    // Values and names come from the files: nothing in them may act on the terminal.
    show_tags(model, super::printable_lines(&out).into_owned())
}
