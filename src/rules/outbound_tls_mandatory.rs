//! Mandatory TLS (encrypt or stronger) for every destination of direct delivery: mail to
//! domains whose servers do not offer STARTTLS, or whose certificates do not verify, stays in
//! the queue and bounces.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::service_value;
use crate::model::tls::{client_level, default_delivery, Level};
use crate::model::values::program_of;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "outbound-tls-mandatory",
    severity: Severity::Warning,
    summary: "the smtp client requires TLS for every destination: mail to servers without (verifiable) TLS bounces",
    doc: include_str!("../../rules/outbound-tls-mandatory.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    // Mail goes to one relay (relayhost, or a next hop on default_transport): requiring TLS
    // towards it is right.
    if service_value(model, None, "relayhost").is_none_or(|v| !v.is_empty()) {
        return;
    }
    let Some(transport) = service_value(model, None, "default_transport") else {
        return;
    };
    if transport
        .split_once(':')
        .is_some_and(|(_, hop)| !hop.trim_ascii().is_empty())
    {
        return;
    }
    // Relays chosen by sender (a transport or a relayhost per sender): the client talks to
    // them, not to the recipients' servers.
    if [
        "sender_dependent_default_transport_maps",
        "sender_dependent_relayhost_maps",
    ]
    .iter()
    .any(|p| service_value(model, None, p).is_none_or(|v| !v.is_empty()))
    {
        return;
    }
    // A transport table that routes everything (`*`) to a next hop, or one postlint cannot
    // read, may send all mail to one relay.
    let transports = model.maps("transport_maps");
    if model.maps_partial("transport_maps")
        || transports.lookup(&model.tables, "*") != crate::model::tables::Answer::NotFound
    {
        return;
    }
    let Some(service) = default_delivery(model) else {
        return;
    };
    if let Some(service) = service {
        if program_of(&service.command) != "smtp" {
            return;
        }
    } else if model.master.is_known() {
        return;
    }
    let Some(level) = client_level(model, service, "smtp") else {
        return;
    };
    if !level.level.mandatory() {
        return;
    }
    let Some(span) = level.span() else {
        return;
    };
    let what = match level.level {
        Level::Encrypt => "TLS",
        Level::DaneOnly => "DANE-authenticated TLS (DNSSEC-signed TLSA records)",
        _ => "TLS with a certificate that verifies",
    };
    let finding = out.report(
        span,
        format!(
            "{} requires {what} for every destination the smtp client delivers to directly: mail to domains without it is deferred, then bounces",
            level.describe()
        ),
    );
    finding.subject("outbound level");
    finding.label(format!(
        "mandatory for all {} deliveries",
        service.map_or("smtp".to_string(), |s| s.label())
    ));
    finding.help(
        "Use `smtp_tls_security_level = may` (or `dane` with a DNSSEC-validating resolver and \
         `smtp_dns_support_level = dnssec`) as the default, and require TLS only for the \
         destinations that must have it, in smtp_tls_policy_maps (`example.com encrypt`, \
         `partner.example secure`).",
    );
}
