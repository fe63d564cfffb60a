//! No smtp_sasl_password_maps key matches what the smtp client looks up for a destination it
//! logs in to (smtp_sasl_glue.c: the server's host name, then the destination exactly as
//! written), so it sends no credentials and the provider refuses to relay. Destinations: the
//! relayhost, and the next hops of transport table entries.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::master::Service;
use crate::model::restrictions::service_value;
use crate::model::tables::Answer;
use crate::model::tls::{default_delivery, flag, relayhost, transport_service, Destination};
use crate::model::values::program_of;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "sasl-password-key-mismatch",
    severity: Severity::Error,
    summary: "no smtp_sasl_password_maps key matches the relayhost as the smtp client looks it up: no credentials are sent",
    doc: include_str!("../../rules/sasl-password-key-mismatch.md"),
    undecided: |model| {
        model.maps_partial("smtp_sasl_password_maps")
            || model.maps_partial("transport_maps")
            || stub_passwords(model)
    },
    check,
};

/// A repository's password table with no entry (comments that say the deployment writes it,
/// as a compose `command:` or a start script does): the credentials are not in the
/// repository, and which key they get is not known. On a system as it runs, an empty table
/// is what the client reads.
fn stub_passwords(model: &Model) -> bool {
    if model.locator.mode.is_system_image() {
        return false;
    }
    let maps = model.maps("smtp_sasl_password_maps");
    let tables: Vec<_> = maps
        .tables
        .iter()
        .flat_map(|&id| model.tables.known_entry_tables(id))
        .collect();
    !tables.is_empty()
        && tables.iter().all(|&t| {
            model
                .tables
                .get(t)
                .entries()
                .is_some_and(|entries| entries.is_empty())
        })
}

/// The host part of a table key (`smtp.example.net` of `[smtp.example.net]:587`).
fn host_of(key: &str) -> &str {
    let key = key
        .strip_prefix('[')
        .map_or(key, |rest| rest.split(']').next().unwrap_or(rest));
    key.split(':').next().unwrap_or(key)
}

/// One destination the smtp client logs in to, and where it is written.
struct Target<'m> {
    dest: Destination,
    service: Option<&'m Service>,
    /// The relayhost value or the transport entry's value.
    span: Span,
    /// `relayhost [smtp.example.net]:587`, or the transport entry with its next hop.
    what: String,
}

fn check(model: &Model, out: &mut Findings) {
    let mut targets = Vec::new();
    // A relayhost that a transport_maps `*` next hop overrules is none (`tls::relayhost`): the
    // entry is judged below, among the transport entries.
    if let Some((dest, definition)) = relayhost(model) {
        match default_delivery(model) {
            Some(service) if service.is_some() || !model.master.is_known() => {
                targets.push(Target {
                    dest,
                    service,
                    span: definition.value_span,
                    what: format!("relayhost {}", definition.value.trim_ascii()),
                });
            }
            _ => {}
        }
    }
    for id in model.maps("transport_maps").tables {
        for table in model.tables.known_entry_tables(id) {
            let Some(entries) = model.tables.get(table).entries() else {
                continue;
            };
            for entry in entries.iter() {
                let Some((transport, hop)) = entry.value.split_once(':') else {
                    continue;
                };
                let Some(dest) = Destination::parse(hop) else {
                    continue;
                };
                let service = if model.master.is_known() {
                    match transport_service(model, transport) {
                        Some(s) if program_of(&s.command) == "smtp" => Some(s),
                        _ => continue,
                    }
                } else if transport == "smtp" || transport == "relay" {
                    None
                } else {
                    continue;
                };
                targets.push(Target {
                    dest,
                    service,
                    span: entry.value_span,
                    what: format!(
                        "the next hop {} of the transport_maps entry for `{}`",
                        super::shorten(hop.trim_ascii()),
                        super::shorten(entry.key)
                    ),
                });
            }
        }
    }
    for target in targets {
        judge(model, &target, out);
    }
}

fn judge(model: &Model, target: &Target, out: &mut Findings) {
    let (dest, service) = (&target.dest, target.service);
    if flag(model, service, "smtp_sasl_auth_enable") != Some(true)
        || flag(model, service, "smtp_sender_dependent_authentication") != Some(false)
        || service_value(model, service, "sender_dependent_relayhost_maps")
            .is_none_or(|v| !v.is_empty())
        || service.is_some_and(|s| s.override_of("smtp_sasl_password_maps").is_some())
    {
        return;
    }
    let maps = model.maps("smtp_sasl_password_maps");
    if maps.tables.is_empty() || stub_passwords(model) {
        return;
    }
    let keys = [dest.host.as_str(), dest.written.as_str()];
    for key in keys {
        if maps.lookup(&model.tables, key) != Answer::NotFound {
            return;
        }
    }
    // Entries meant for this destination, written in a form the client never looks up.
    let mut near = Vec::new();
    // A key that may be a host name (no brackets, no port).
    let mut host_name_key = false;
    for &id in &maps.tables {
        for table in model.tables.known_entry_tables(id) {
            let Some(entries) = model.tables.get(table).entries() else {
                continue;
            };
            for entry in entries.iter() {
                host_name_key |= !entry.key.contains(['[', ':']);
                if host_of(entry.key).eq_ignore_ascii_case(&dest.host) {
                    near.push((entry.key_span, entry.key.to_string()));
                }
            }
        }
    }
    // Unbracketed, the client connects to the destination's MX hosts and looks up their
    // names, which postlint cannot know. A key in brackets or with a port is no host name:
    // when every key is one and some key is meant for this destination, nothing matches.
    if !dest.bracketed && (host_name_key || near.is_empty()) {
        return;
    }
    let looked_up = match dest.bracketed {
        true => format!("`{}`, then `{}`", dest.host, dest.written),
        false => format!(
            "the names of the MX hosts of `{}` (or `{}` itself when it has none), then `{}`",
            dest.host, dest.host, dest.written
        ),
    };
    let what = &target.what;
    let (primary, finding) = match near.first() {
        Some((span, key)) => {
            let key = super::shorten(key).into_owned();
            let f = out.report(
                *span,
                format!(
                    "the smtp client never looks up `{key}`: for {what} it looks up {looked_up}, finds no credentials and sends none, so the provider refuses to relay"
                ),
            );
            f.label("never matches");
            (*span, f)
        }
        None => {
            let f = out.report(
                target.span,
                format!(
                    "no smtp_sasl_password_maps entry matches {what}: the smtp client looks up {looked_up} and sends no credentials, so the provider refuses to relay"
                ),
            );
            f.label("no credentials for this destination");
            (target.span, f)
        }
    };
    finding.subject(format!("{} credentials", dest.written));
    if primary != target.span {
        finding.secondary(target.span, "the destination");
    }
    let bracketed_key = near.first().is_some_and(|(_, key)| key.starts_with('['));
    match dest.bracketed {
        false if !bracketed_key => finding.help(format!(
            "Write the key as `{}` (the destination exactly as written), or the destination \
             as the key has it, then run postmap on the table.",
            dest.written
        )),
        true => finding.help(format!(
            "Write the key as `{}` (the destination exactly as written, brackets and port \
             included) or `{}` (the host name alone), then run postmap on the table.",
            dest.written, dest.host
        )),
        // The brackets of the key are what providers' guides write: the relayhost lost them.
        false => finding.help(format!(
            "Write the destination in brackets as the key has it (`[{}]{}`: no MX lookup, \
             the host itself, as providers' guides say), or write the key as `{}` (the \
             destination exactly as written), then run postmap on the table.",
            dest.host,
            dest.port
                .as_deref()
                .map(|p| format!(":{p}"))
                .unwrap_or_default(),
            dest.written
        )),
    };
}
