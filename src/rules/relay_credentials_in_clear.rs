//! SMTP AUTH towards the relayhost over opportunistic TLS: an attacker who strips STARTTLS
//! from the server's EHLO reply gets the password in clear.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::UNKNOWN;
use crate::model::restrictions::{service_definition, service_value};
use crate::model::tables::Answer;
use crate::model::tls::{
    client_level, default_delivery, flag, has_word, relayhost, Destination, Level,
};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "relay-credentials-in-clear",
    severity: Severity::Error,
    summary: "the smtp client logs in to the relayhost without mandatory TLS: a STARTTLS-stripping attacker reads the password",
    doc: include_str!("../../rules/relay-credentials-in-clear.md"),
    undecided: covered_by_unknown_policy,
    check,
};

/// Silence may come from a TLS policy table postlint cannot read, from a relayhost whose
/// value it cannot know (`relayhost = <%= @relayhost %>`: which relay, and whether any), or
/// from a setting the check needs whose value is unknown (the package's own main.cf that an
/// image's `postconf -e` lines amend, a template's unknown lines) where no known one already
/// keeps the password off the wire.
fn covered_by_unknown_policy(model: &Model) -> bool {
    unknown_setting(model)
        || model.maps_partial("smtp_tls_policy_maps")
        || (model.params.get("relayhost").is_some()
            && service_value(model, None, "relayhost").is_none()
            && !(templated_relayhost(model).is_some() && no_policy_table(model)))
}

/// Whether `check` stops at a setting whose value is unknown, before any known value makes
/// the login safe (SASL off, wrapper mode, no password table, `noplaintext`, mandatory TLS).
fn unknown_setting(model: &Model) -> bool {
    // Which service delivers (default_transport) unknown: SASL known off in main.cf is all
    // that keeps it decided.
    let Some(service) = default_delivery(model) else {
        return flag(model, None, "smtp_sasl_auth_enable") != Some(false);
    };
    if model.master.is_known() && service.is_none() {
        return false;
    }
    let flags = [
        ("smtp_sasl_auth_enable", true),
        ("smtp_tls_wrappermode", false),
    ];
    for (name, unsafe_when) in flags {
        match flag(model, service, name) {
            None => return true,
            Some(value) if value != unsafe_when => return false,
            Some(_) => {}
        }
    }
    match service_value(model, service, "smtp_sasl_password_maps") {
        None => return true,
        Some(maps) if maps.is_empty() => return false,
        Some(_) => {}
    }
    match service_value(model, service, "smtp_sasl_security_options") {
        None => return true,
        Some(options) if has_word(&options, "noplaintext") => return false,
        Some(_) => {}
    }
    match client_level(model, service, "smtp") {
        None => return true,
        Some(level) if level.level.mandatory() => return false,
        Some(_) => {}
    }
    ["smtp_tls_per_site", "smtp_tls_policy_maps"]
        .iter()
        .any(|name| service_value(model, service, name).is_none())
}

/// A relayhost with unknown text that names one relay whatever the text holds: outside the
/// unknown parts it is `[`, `]` and a port (`[{{ relay_host }}]:587`, `[${RELAY}]`). Which
/// relay is unknown; that mail goes to one, with the login, is not.
fn templated_relayhost(model: &Model) -> Option<&crate::model::params::Definition> {
    let definition = model.params.get("relayhost")?;
    if service_value(model, None, "relayhost").is_some() {
        return None;
    }
    let expanded = model.params.expand("relayhost");
    let text = expanded.text.trim_ascii();
    let (host, after) = text.strip_prefix('[')?.split_once(']')?;
    let port = match after {
        "" => true,
        after => after.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == UNKNOWN)
        }),
    };
    let one = !host.is_empty() && !host.contains([' ', ',', '\t', '[', ']']);
    (port && one && expanded.errors.is_empty()).then_some(definition)
}

/// Whether smtp_tls_policy_maps is known to be empty: no policy entry can require TLS.
fn no_policy_table(model: &Model) -> bool {
    service_value(model, None, "smtp_tls_policy_maps").is_some_and(|v| v.is_empty())
}

fn check(model: &Model, out: &mut Findings) {
    let Some(service) = default_delivery(model) else {
        return;
    };
    if model.master.is_known() && service.is_none() {
        return; // the default transport is not an smtp service postlint can read
    }
    if flag(model, service, "smtp_sasl_auth_enable") != Some(true)
        || flag(model, service, "smtp_tls_wrappermode") != Some(false)
    {
        return;
    }
    match service_value(model, service, "smtp_sasl_password_maps") {
        Some(maps) if !maps.is_empty() => {}
        _ => return,
    }
    // noplaintext (the default): PLAIN and LOGIN are not used on an unencrypted session.
    match service_value(model, service, "smtp_sasl_security_options") {
        Some(options) if !has_word(&options, "noplaintext") => {}
        _ => return,
    }
    let Some(level) = client_level(model, service, "smtp") else {
        return;
    };
    if level.level.mandatory() {
        return;
    }
    if service_value(model, service, "smtp_tls_per_site").is_none_or(|v| !v.is_empty()) {
        return; // the legacy per-site table may require TLS
    }
    let policy = match service_value(model, service, "smtp_tls_policy_maps") {
        None => return,
        Some(v) if v.is_empty() => None,
        Some(_) => {
            if service.is_some_and(|s| s.override_of("smtp_tls_policy_maps").is_some()) {
                return;
            }
            Some(model.maps("smtp_tls_policy_maps"))
        }
    };
    // A policy entry for the destination (or one postlint cannot read) decides.
    let has_policy = |dest: &Destination| {
        let Some(maps) = &policy else {
            return false;
        };
        let host = &dest.host;
        let mut keys = vec![dest.written.clone(), host.clone(), format!("[{host}]")];
        if let Some(port) = &dest.port {
            keys.push(format!("[{host}]:{port}"));
            keys.push(format!("{host}:{port}"));
        }
        keys.iter()
            .any(|k| maps.lookup(&model.tables, k) != Answer::NotFound)
    };
    let enable = service_definition(model, service, "smtp_sasl_auth_enable")
        .expect("smtp_sasl_auth_enable defaults to no");
    // A relayhost of unknown text that still names one relay (`[{{ relay_host }}]:587`):
    // without a policy table, which relay it is does not matter.
    let templated = match policy.is_none() {
        true => templated_relayhost(model).map(|definition| {
            let written = model
                .sources
                .slice(definition.value_span)
                .trim()
                .to_string();
            let dest = Destination {
                host: written.clone(),
                bracketed: true,
                port: None,
                written,
            };
            (dest, definition)
        }),
        false => None,
    };
    if let Some((dest, relay_definition)) = relayhost(model).or(templated) {
        if !has_policy(&dest) {
            let primary = level.span().unwrap_or(enable.value_span);
            let finding = report(out, primary, &dest, &level);
            finding.label(if level.span().is_some() {
                "TLS is not required here"
            } else {
                "SASL login turned on, TLS optional"
            });
            if primary != enable.value_span {
                finding.secondary(enable.value_span, "SASL login to the relayhost");
            }
            finding.secondary(relay_definition.value_span, "the relayhost");
            finding.help(help(&dest, true));
        }
    }
    // The relays of sender_dependent_relayhost_maps: the client logs in to each the same way
    // (with the sender's credentials under smtp_sender_dependent_authentication).
    let relays = model.maps("sender_dependent_relayhost_maps").tables;
    let mut seen = std::collections::HashSet::new();
    for table in relays
        .iter()
        .flat_map(|&id| model.tables.known_entry_tables(id))
    {
        let Some(entries) = model.tables.get(table).entries() else {
            continue;
        };
        for entry in entries.iter() {
            let Some(dest) = Destination::parse(entry.value) else {
                continue;
            };
            if !seen.insert(dest.written.clone()) || has_policy(&dest) {
                continue;
            }
            let finding = report(out, entry.value_span, &dest, &level);
            finding.label(format!("the relay for {}", super::shorten(entry.key)));
            if let Some(span) = level.span() {
                finding.secondary(span, "TLS is not required here");
            }
            finding.secondary(enable.value_span, "SASL login to the relays");
            finding.help(help(&dest, false));
        }
    }
}

/// The finding for one destination the client logs in to without mandatory TLS.
fn report<'f>(
    out: &'f mut Findings,
    primary: crate::source::Span,
    dest: &Destination,
    level: &crate::model::tls::Decided,
) -> &'f mut crate::diagnostic::Finding {
    let finding = out.report(
        primary,
        format!(
            "the smtp client logs in to {} {} ({}): {}",
            dest.written,
            if level.level == Level::None { "without TLS" } else { "with TLS optional" },
            level.describe(),
            if level.level == Level::None {
                "the password crosses the network in clear"
            } else {
                "an attacker on the path removes STARTTLS from the server's reply and reads the password"
            }
        ),
    );
    finding.subject(format!("{} credentials", dest.written));
    finding
}

fn help(dest: &Destination, relayhost: bool) -> String {
    let all = match relayhost {
        true => {
            "Require TLS towards the relayhost: `smtp_tls_security_level = encrypt` (all mail \
                 goes there)"
        }
        false => {
            "Require TLS towards this relay: `smtp_tls_security_level = encrypt` (for \
                  every destination)"
        }
    };
    format!(
        "{all}, or an smtp_tls_policy_maps entry `{} encrypt`. With port 465 use \
         `smtp_tls_wrappermode = yes` and `smtp_tls_security_level = encrypt`.",
        dest.written
    )
}
