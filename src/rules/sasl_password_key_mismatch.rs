//! No smtp_sasl_password_maps key matches what the smtp client looks up for the relayhost
//! (smtp_sasl_glue.c: the server's host name, then the destination exactly as written), so it
//! sends no credentials and the provider refuses to relay.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::service_value;
use crate::model::tables::Answer;
use crate::model::tls::{default_delivery, flag, relayhost};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "sasl-password-key-mismatch",
    severity: Severity::Error,
    summary: "no smtp_sasl_password_maps key matches the relayhost as the smtp client looks it up: no credentials are sent",
    doc: include_str!("../../rules/sasl-password-key-mismatch.md"),
    undecided: |model| model.maps_partial("smtp_sasl_password_maps"),
    check,
};

/// The host part of a table key (`smtp.example.net` of `[smtp.example.net]:587`).
fn host_of(key: &str) -> &str {
    let key = key
        .strip_prefix('[')
        .map_or(key, |rest| rest.split(']').next().unwrap_or(rest));
    key.split(':').next().unwrap_or(key)
}

fn check(model: &Model, out: &mut Findings) {
    let Some((dest, relay_definition)) = relayhost(model) else {
        return;
    };
    // Unbracketed: the client connects to the MX hosts, whose names postlint cannot know.
    if !dest.bracketed {
        return;
    }
    let Some(service) = default_delivery(model) else {
        return;
    };
    if model.master.is_known() && service.is_none() {
        return;
    }
    if flag(model, service, "smtp_sasl_auth_enable") != Some(true)
        || flag(model, service, "smtp_sender_dependent_authentication") != Some(false)
        || service_value(model, service, "sender_dependent_relayhost_maps")
            .is_none_or(|v| !v.is_empty())
        || service.is_some_and(|s| s.override_of("smtp_sasl_password_maps").is_some())
    {
        return;
    }
    let maps = model.maps("smtp_sasl_password_maps");
    if maps.tables.is_empty() {
        return;
    }
    let keys = [dest.host.as_str(), dest.written.as_str()];
    for key in keys {
        if maps.lookup(&model.tables, key) != Answer::NotFound {
            return;
        }
    }
    // Entries meant for this relayhost, written in a form the client never looks up.
    let mut near = Vec::new();
    for &id in &maps.tables {
        for table in model.tables.known_entry_tables(id) {
            let Some(entries) = model.tables.get(table).entries() else {
                continue;
            };
            for entry in entries.iter() {
                if host_of(entry.key).eq_ignore_ascii_case(&dest.host) {
                    near.push((entry.key_span, entry.key.to_string()));
                }
            }
        }
    }
    let looked_up = format!("`{}`, then `{}`", dest.host, dest.written);
    let (primary, finding) = match near.first() {
        Some((span, key)) => {
            let key = super::shorten(key).into_owned();
            let f = out.report(
                *span,
                format!(
                    "the smtp client never looks up `{key}`: for relayhost {} it looks up {looked_up}, finds no credentials and sends none, so the provider refuses to relay",
                    dest.written
                ),
            );
            f.label("never matches");
            (*span, f)
        }
        None => {
            let span = relay_definition.value_span;
            let f = out.report(
                span,
                format!(
                    "no smtp_sasl_password_maps entry matches relayhost {}: the smtp client looks up {looked_up} and sends no credentials, so the provider refuses to relay",
                    dest.written
                ),
            );
            f.label("no credentials for this destination");
            (span, f)
        }
    };
    finding.subject(format!("{} credentials", dest.written));
    if primary != relay_definition.value_span {
        finding.secondary(relay_definition.value_span, "the relayhost");
    }
    finding.help(format!(
        "Write the key as `{}` (the destination exactly as relayhost has it, brackets and port \
         included) or `{}` (the host name alone), then run postmap on the table.",
        dest.written, dest.host
    ));
}
