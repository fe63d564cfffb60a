//! SMTP AUTH towards the relayhost over opportunistic TLS: an attacker who strips STARTTLS
//! from the server's EHLO reply gets the password in clear.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::{service_definition, service_value};
use crate::model::tables::Answer;
use crate::model::tls::{client_level, default_delivery, flag, has_word, relayhost, Level};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "relay-credentials-in-clear",
    severity: Severity::Error,
    summary: "the smtp client logs in to the relayhost without mandatory TLS: a STARTTLS-stripping attacker reads the password",
    doc: include_str!("../../rules/relay-credentials-in-clear.md"),
    undecided: covered_by_unknown_policy,
    check,
};

/// Silence may come from a TLS policy table postlint cannot read.
fn covered_by_unknown_policy(model: &Model) -> bool {
    model.maps_partial("smtp_tls_policy_maps")
}

fn check(model: &Model, out: &mut Findings) {
    let Some((dest, relay_definition)) = relayhost(model) else {
        return;
    };
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
    match service_value(model, service, "smtp_tls_policy_maps") {
        None => return,
        Some(v) if v.is_empty() => {}
        Some(_) => {
            if service.is_some_and(|s| s.override_of("smtp_tls_policy_maps").is_some()) {
                return;
            }
            let maps = model.maps("smtp_tls_policy_maps");
            let host = &dest.host;
            let mut keys = vec![dest.written.clone(), host.clone(), format!("[{host}]")];
            if let Some(port) = &dest.port {
                keys.push(format!("[{host}]:{port}"));
                keys.push(format!("{host}:{port}"));
            }
            if keys
                .iter()
                .any(|k| maps.lookup(&model.tables, k) != Answer::NotFound)
            {
                return; // a policy entry (or one postlint cannot read) decides
            }
        }
    }
    let enable = service_definition(model, service, "smtp_sasl_auth_enable")
        .expect("smtp_sasl_auth_enable defaults to no");
    let primary = level.span().unwrap_or(enable.value_span);
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
    finding.label(if level.span().is_some() {
        "TLS is not required here"
    } else {
        "SASL login turned on, TLS optional"
    });
    if primary != enable.value_span {
        finding.secondary(enable.value_span, "SASL login to the relayhost");
    }
    finding.secondary(relay_definition.value_span, "the relayhost");
    finding.help(format!(
        "Require TLS towards the relayhost: `smtp_tls_security_level = encrypt` (all mail goes \
         there), or an smtp_tls_policy_maps entry `{} encrypt`. With port 465 use \
         `smtp_tls_wrappermode = yes` and `smtp_tls_security_level = encrypt`.",
        dest.written
    ));
}
