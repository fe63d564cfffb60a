//! `smtp_tls_security_level = dane` (or `dane-only`) while the smtp client makes no DNSSEC
//! lookups: smtp_tls_policy.c (dane_incompat) logs "dane configured with dnssec lookups
//! disabled" for each delivery and falls back to `may`; with `dane-only` the policy is invalid
//! and every message is deferred.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::{service_definition, service_value};
use crate::model::values::smtp_clients;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "dane-without-dnssec",
    severity: Severity::Warning,
    summary: "smtp_tls_security_level is dane or dane-only, but smtp_dns_support_level is not dnssec: no TLSA lookups",
    doc: include_str!("../../rules/dane-without-dnssec.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    // Every smtp client as it reads the parameters (its -o overrides included).
    let mut reported = Vec::new();
    for service in smtp_clients(model) {
        let Some(level) = service_value(model, service, "smtp_tls_security_level") else {
            continue;
        };
        let level = level.to_ascii_lowercase();
        if level != "dane" && level != "dane-only" {
            continue;
        }
        let Some(dns) = service_value(model, service, "smtp_dns_support_level") else {
            continue;
        };
        if dns.eq_ignore_ascii_case("dnssec") {
            continue;
        }
        let Some(definition) = service_definition(model, service, "smtp_tls_security_level") else {
            continue;
        };
        if reported.contains(&definition.value_span) {
            continue;
        }
        reported.push(definition.value_span);
        let dns_shown = match dns.is_empty() {
            true => "not set".to_string(),
            false => format!("`{dns}`"),
        };
        let outcome = match level.as_str() {
            "dane" => "the smtp client looks up no TLSA record and uses opportunistic TLS (`may`) for every destination",
            _ => "the TLS policy is invalid and every message the smtp client takes is deferred",
        };
        let who = match service {
            Some(s) => format!(" for {}", s.label()),
            None => String::new(),
        };
        let finding = out.report(
            definition.value_span,
            format!(
                "smtp_tls_security_level is {level}{who}, but smtp_dns_support_level is \
                 {dns_shown}: {outcome}"
            ),
        );
        finding.subject(format!("{level} without dnssec"));
        finding.label("DANE needs DNSSEC-validated lookups");
        if let Some(dns_definition) = service_definition(model, service, "smtp_dns_support_level") {
            finding.secondary(dns_definition.value_span, "not dnssec");
        }
        finding.help(format!(
            "Add `smtp_dns_support_level = dnssec`, with a DNSSEC-validating resolver in \
             /etc/resolv.conf (such as a local unbound). Without it the smtp client logs \
             \"{level} configured with dnssec lookups disabled\" for each delivery{}.",
            match level.as_str() {
                "dane" => " and falls back to `may`",
                _ => " and defers the mail",
            }
        ));
    }
}
