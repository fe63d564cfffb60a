//! `smtp_tls_security_level = dane` (or `dane-only`, there or in an smtp_tls_policy_maps
//! entry) while the smtp client makes no DNSSEC lookups: smtp_tls_policy.c (dane_init) logs
//! "dane configured with dnssec lookups disabled" for each delivery and falls back to `may`;
//! with `dane-only` the policy is invalid and every message is deferred. DNSSEC lookups need
//! `smtp_dns_support_level = dnssec` and `dns` in `smtp_host_lookup`.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::master::Service;
use crate::model::restrictions::{service_definition, service_value};
use crate::model::tables::TableId;
use crate::model::tls::{has_word, Level};
use crate::model::values::smtp_clients;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "dane-without-dnssec",
    severity: Severity::Warning,
    summary: "smtp_tls_security_level is dane or dane-only, but smtp_dns_support_level is not dnssec: no TLSA lookups",
    doc: include_str!("../../rules/dane-without-dnssec.md"),
    undecided: super::always_decides,
    check,
};

/// Why an smtp client makes no DNSSEC lookups, as it reads its parameters.
struct NoDnssec {
    /// "smtp_dns_support_level is not set", "smtp_host_lookup is `native`".
    why: String,
    /// The parameter to change, and where it is set (None: its default).
    param: &'static str,
    span: Option<Span>,
}

impl NoDnssec {
    fn label(&self) -> &'static str {
        match self.param {
            "smtp_host_lookup" => "no `dns`",
            "ignore_mx_lookup_error" => "DANE is off with MX lookup errors ignored",
            "smtp_dns_resolver_options" => "options that append domains turn DANE off",
            _ => "not dnssec",
        }
    }
}

/// None when the client makes DNSSEC lookups, or when postlint cannot know.
fn no_dnssec(model: &Model, service: Option<&Service>) -> Option<NoDnssec> {
    let dns = service_value(model, service, "smtp_dns_support_level")?;
    if !dns.eq_ignore_ascii_case("dnssec") {
        let shown = match dns.is_empty() {
            true => "not set".to_string(),
            false => format!("`{dns}`"),
        };
        return Some(NoDnssec {
            why: format!("smtp_dns_support_level is {shown}"),
            param: "smtp_dns_support_level",
            span: service_definition(model, service, "smtp_dns_support_level")
                .map(|d| d.value_span),
        });
    }
    // The host addresses come from DNS only with `dns` in smtp_host_lookup (dane_init checks
    // SMTP_HOST_FLAG_DNS).
    let lookup = service_value(model, service, "smtp_host_lookup")?;
    if !has_word(&lookup, "dns") && !lookup.contains('$') {
        return Some(NoDnssec {
            why: format!("smtp_host_lookup is `{lookup}` (no `dns`)"),
            param: "smtp_host_lookup",
            span: service_definition(model, service, "smtp_host_lookup").map(|d| d.value_span),
        });
    }
    // dane_init() gives up DANE too when MX lookup errors are ignored ("configured with MX
    // lookup errors ignored") and with resolver options that append domains ("dns resolver
    // options incompatible with dane TLS").
    if crate::model::tls::flag(model, service, "ignore_mx_lookup_error") == Some(true) {
        return Some(NoDnssec {
            why: "ignore_mx_lookup_error is `yes`".to_string(),
            param: "ignore_mx_lookup_error",
            span: service_definition(model, service, "ignore_mx_lookup_error")
                .map(|d| d.value_span),
        });
    }
    let options = service_value(model, service, "smtp_dns_resolver_options")?.to_ascii_lowercase();
    let appends = ["res_defnames", "res_dnsrch"]
        .into_iter()
        .find(|o| options.contains(o))?;
    Some(NoDnssec {
        why: format!("smtp_dns_resolver_options has `{appends}`"),
        param: "smtp_dns_resolver_options",
        span: service_definition(model, service, "smtp_dns_resolver_options").map(|d| d.value_span),
    })
}

fn check(model: &Model, out: &mut Findings) {
    // Every message that is not delivered here goes to error(8) or discard(8): the smtp
    // client delivers nothing, whatever its TLS level.
    if crate::model::values::nothing_leaves(model) {
        return;
    }
    check_levels(model, out);
    check_policy_entries(model, out);
}

/// What happens with DANE and no DNSSEC, by level.
fn outcome(level: &str) -> &'static str {
    match level {
        "dane" => "the smtp client looks up no TLSA record and uses opportunistic TLS (`may`)",
        _ => "the TLS policy is invalid and the smtp client defers the mail",
    }
}

fn help(level: &str, reason: &NoDnssec) -> String {
    let (fix, logged) = match reason.param {
        "smtp_host_lookup" => (
            "Put `dns` in smtp_host_lookup (`smtp_host_lookup = dns`, the default; `dns, \
             native` also works)",
            format!("{level} configured with dnssec lookups disabled"),
        ),
        "ignore_mx_lookup_error" => (
            "Set `ignore_mx_lookup_error = no` (the default)",
            format!("{level} configured with MX lookup errors ignored"),
        ),
        "smtp_dns_resolver_options" => (
            "Remove res_defnames and res_dnsrch from smtp_dns_resolver_options",
            format!("dns resolver options incompatible with {level} TLS"),
        ),
        _ => (
            "Add `smtp_dns_support_level = dnssec`, with a DNSSEC-validating resolver in \
             /etc/resolv.conf (such as a local unbound)",
            format!("{level} configured with dnssec lookups disabled"),
        ),
    };
    format!(
        "{fix}. Without it the smtp client logs \"{logged}\" for each delivery{}.",
        match level {
            "dane" => " and falls back to `may`",
            _ => " and defers the mail",
        }
    )
}

/// One finding of check_levels: where it points, and the smtp services it names.
struct LevelFinding {
    span: Span,
    level: String,
    reason: NoDnssec,
    /// The service's own `-o` turns the lookups off under main.cf's level: the finding is at
    /// the `-o`, and main.cf's level is the secondary span.
    inherited: Option<Span>,
    labels: Vec<String>,
}

/// smtp_tls_security_level as each smtp client reads it.
fn check_levels(model: &Model, out: &mut Findings) {
    // One finding per line that sets the level (and reason), naming every smtp service that
    // reads it (`smtp/unix, relay/unix`).
    let mut found: Vec<LevelFinding> = Vec::new();
    for service in smtp_clients(model) {
        let Some(level) = service_value(model, service, "smtp_tls_security_level") else {
            continue;
        };
        let level = level.to_ascii_lowercase();
        if level != "dane" && level != "dane-only" {
            continue;
        }
        let Some(reason) = no_dnssec(model, service) else {
            continue;
        };
        let Some(definition) = service_definition(model, service, "smtp_tls_security_level") else {
            continue;
        };
        // A transport to a content filter or a fixed relay turns DNS off with its own `-o`
        // and keeps main.cf's level: the `-o` is the line to look at, and the fix is a level
        // of its own.
        let own = service.and_then(|s| {
            let lookups = s.override_of(reason.param)?;
            s.override_of("smtp_tls_security_level")
                .is_none()
                .then_some(lookups.value_span)
        });
        let (span, inherited) = match own {
            Some(own) => (own, Some(definition.value_span)),
            None => (definition.value_span, None),
        };
        let label = service.map(|s| s.label());
        match found
            .iter_mut()
            .find(|f| f.span == span && f.reason.param == reason.param)
        {
            Some(f) => f.labels.extend(label),
            None => found.push(LevelFinding {
                span,
                level,
                reason,
                inherited,
                labels: label.into_iter().collect(),
            }),
        }
    }
    for f in found {
        let who = super::for_services(&f.labels);
        let outcome = match f.level.as_str() {
            "dane" => "the smtp client looks up no TLSA record and uses opportunistic TLS (`may`) for every destination it delivers to",
            _ => "the TLS policy is invalid and every message the smtp client takes is deferred",
        };
        let (level, reason) = (&f.level, &f.reason);
        let Some(main_level) = f.inherited else {
            let finding = out.report(
                f.span,
                format!(
                    "smtp_tls_security_level is {level}{who}, but {}: {outcome}",
                    reason.why
                ),
            );
            finding.subject(format!("{level} without dnssec"));
            finding.label("DANE needs DNSSEC-validated lookups");
            if let Some(span) = reason.span {
                finding.secondary(span, reason.label());
            }
            finding.help(help(level, reason));
            continue;
        };
        let finding = out.report(
            f.span,
            format!(
                "{} turns DNSSEC lookups off with its own -o ({}), but keeps main.cf's \
                 smtp_tls_security_level = {level}: {outcome}",
                f.labels.join(", "),
                reason.why
            ),
        );
        finding.subject(format!("{level} without dnssec"));
        finding.label("no DNSSEC lookups for this service");
        finding.secondary(main_level, "DANE needs DNSSEC-validated lookups");
        finding.help(format!(
            "A transport to a content filter or to a fixed relay turns DNS off on purpose: give \
             it a level of its own that needs no DNSSEC, with one more line under the service, \
             `-o smtp_tls_security_level=may` (or `none` for a filter on loopback). Without it \
             the smtp client logs \"{level} configured with dnssec lookups disabled\" for its \
             deliveries{}.",
            match level.as_str() {
                "dane" => " and falls back to `may`",
                _ => " and defers the mail",
            }
        ));
    }
}

/// `dane` and `dane-only` entries of the TLS policy tables, when every smtp client that reads
/// the table makes no DNSSEC lookups.
fn check_policy_entries(model: &Model, out: &mut Findings) {
    // Each policy table and why its readers make no DNSSEC lookups; None once one does.
    let mut readers: Vec<(TableId, Option<NoDnssec>)> = Vec::new();
    for service in smtp_clients(model) {
        let Some(value) = service_value(model, service, "smtp_tls_policy_maps") else {
            continue;
        };
        // None: this client makes DNSSEC lookups, or postlint cannot know.
        let reason = no_dnssec(model, service);
        for id in model.tables.entry_tables_named(&value) {
            let this = reason.as_ref().map(|r| NoDnssec {
                why: r.why.clone(),
                param: r.param,
                span: r.span,
            });
            match readers.iter_mut().find(|(t, _)| *t == id) {
                Some((_, seen)) if this.is_none() => *seen = None,
                Some(_) => {}
                None => readers.push((id, this)),
            }
        }
    }
    for (id, reason) in &readers {
        let Some(reason) = reason else {
            continue;
        };
        let Some(entries) = model.tables.get(*id).entries() else {
            continue;
        };
        // The first entry of each level, and how many there are: one cause (main.cf), one
        // finding per level, not one per destination of a generated table.
        let mut by_level: [(Option<(crate::model::tables::Entry<'_>, Span)>, usize); 2] =
            [(None, 0), (None, 0)];
        for entry in entries.iter() {
            let Some(first) = entry.value.split([' ', '\t', ',']).find(|w| !w.is_empty()) else {
                continue;
            };
            let slot = match Level::parse(first) {
                Some(Level::DaneOnly) => 0,
                Some(Level::Dane) => 1,
                _ => continue,
            };
            // The level word itself when the value is written as stored.
            let verbatim = model.sources.slice(entry.value_span) == entry.value
                && entry.value.starts_with(first);
            let span = match verbatim {
                true => Span {
                    end: entry.value_span.start + first.len() as u32,
                    ..entry.value_span
                },
                false => entry.value_span,
            };
            let (seen, count) = &mut by_level[slot];
            seen.get_or_insert((entry, span));
            *count += 1;
        }
        for (slot, (seen, count)) in by_level.into_iter().enumerate() {
            let Some((entry, span)) = seen else {
                continue;
            };
            let level = ["dane-only", "dane"][slot];
            let key = super::shorten(entry.key);
            let (whose, to) = match count {
                1 => (key.to_string(), key.to_string()),
                2 => (
                    format!("{key} (and 1 more entry of this table)"),
                    "these destinations".to_string(),
                ),
                n => (
                    format!("{key} (and {} more entries of this table)", n - 1),
                    "these destinations".to_string(),
                ),
            };
            let finding = out.report(
                span,
                format!(
                    "the TLS policy for {whose} is {level}, but {}: {} to {to}",
                    reason.why,
                    outcome(level)
                ),
            );
            finding.subject(format!("{level} entries without dnssec"));
            finding.label("DANE needs DNSSEC-validated lookups");
            if let Some(span) = reason.span {
                finding.secondary(span, reason.label());
            }
            finding.help(help(level, reason));
        }
    }
}
