//! A certificate in main.cf, but no TLS level on the public port 25 smtpd: STARTTLS is never
//! offered there, and mail from other servers arrives in clear text while the admin believes
//! TLS is set up.

use std::collections::BTreeMap;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::UNKNOWN;
use crate::model::listen::{is_port_25, postscreen_on_25, reach, Reach};
use crate::model::master::Service;
use crate::model::params::Definition;
use crate::model::restrictions::{expanded_in, service_definition, service_value, smtpd_processes};
use crate::model::tls::{server_level, Level};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "starttls-not-offered",
    severity: Severity::Warning,
    summary: "main.cf configures a certificate, but the port 25 smtpd has no TLS level: STARTTLS is not offered and mail arrives in clear text",
    doc: include_str!("../../rules/starttls-not-offered.md"),
    // A port 25 smtpd's TLS level unknown beside a certificate, or the certificate unknown
    // beside a port 25 smtpd without TLS (a template expression, a set-up script).
    undecided: |model| {
        let ports = port_25_smtpds(model);
        let level_unknown = ports
            .iter()
            .any(|p| server_level(model, p.service).is_none());
        if main_cf_certificate(model).is_some() {
            return level_unknown;
        }
        let certificate_unknown = CERTIFICATE_PARAMS.iter().any(|&param| {
            let expanded = model.params.expand(param);
            expanded.errors.is_empty() && expanded.has_unknown()
        });
        certificate_unknown
            && (level_unknown
                || ports.iter().any(|p| {
                    server_level(model, p.service).is_some_and(|l| l.level == Level::None)
                }))
    },
    check,
};

/// The parameters that give smtpd a certificate (or its key), in the order a finding names
/// them.
const CERTIFICATE_PARAMS: [&str; 5] = [
    "smtpd_tls_cert_file",
    "smtpd_tls_chain_files",
    "smtpd_tls_eccert_file",
    "smtpd_tls_dcert_file",
    "smtpd_tls_key_file",
];

/// Whether a certificate parameter's value names a file: non-empty, and not smtpd's `none`
/// (no certificate, anonymous ciphers only).
fn names_certificate(value: &str) -> bool {
    !value.is_empty() && !value.eq_ignore_ascii_case("none")
}

/// The certificate main.cf configures for smtpd: the first certificate parameter main.cf
/// writes whose value, expanded, names a file. A value with a hole (`/etc/ssl/{{ domain }}.pem`)
/// names one too: whatever fills the hole, the value is not empty. None when there is none.
fn main_cf_certificate(model: &Model) -> Option<&Definition> {
    CERTIFICATE_PARAMS.iter().find_map(|&param| {
        let definition = model.params.get(param)?;
        let expanded = model.params.expand(param);
        if !expanded.errors.is_empty() {
            return None;
        }
        let names_file = if expanded.has_unknown() {
            expanded
                .text
                .chars()
                .any(|c| c != UNKNOWN && !c.is_whitespace())
        } else {
            names_certificate(expanded.text.trim_ascii())
        };
        names_file.then_some(definition)
    })
}

/// One port 25 smtpd and how the user names it.
struct Port25<'m> {
    service: Option<&'m Service>,
    label: String,
}

/// The smtpd processes that take mail on port 25 from the network: the port 25 inet smtpd
/// services, and the `pass` services postscreen on port 25 hands its clients to (postscreen
/// itself never takes a message: its own EHLO, in the deep protocol tests, ends in a 4XX and
/// the client comes back to the smtpd). Without master.cf, Postfix's default `smtp inet`.
fn port_25_smtpds(model: &Model) -> Vec<Port25<'_>> {
    let postscreens = postscreen_on_25(model);
    let mut out = Vec::new();
    for smtpd in smtpd_processes(model) {
        let Some(service) = smtpd.service else {
            if reach(model, None) == Reach::Network {
                out.push(Port25 {
                    service: None,
                    label: "smtp/inet, as in Postfix's default master.cf".to_string(),
                });
            }
            continue;
        };
        if is_port_25(service) {
            if reach(model, Some(service)) == Reach::Network {
                out.push(Port25 {
                    service: Some(service),
                    label: service.label(),
                });
            }
            continue;
        }
        if service.kind != "pass" {
            continue;
        }
        // Reached from the network when one of the postscreen listeners that hand clients to
        // it is.
        let listeners: Vec<&Service> = postscreens
            .iter()
            .filter(|(_, pass)| pass.as_deref() == Some(service.name.as_str()))
            .map(|(listener, _)| *listener)
            .filter(|listener| reach(model, Some(listener)) == Reach::Network)
            .collect();
        if listeners.is_empty() {
            continue;
        }
        let names: Vec<String> = listeners.iter().map(|l| l.label()).collect();
        out.push(Port25 {
            service: Some(service),
            label: format!(
                "{}, behind postscreen on {}",
                service.label(),
                names.join(", ")
            ),
        });
    }
    out
}

/// Why a port 25 smtpd has no TLS, as the user reads the setting.
fn reason<'m>(
    model: &'m Model,
    service: Option<&'m Service>,
) -> Option<(String, Option<&'m Definition>)> {
    const PARAM: &str = "smtpd_tls_security_level";
    let written = service_definition(model, service, PARAM);
    let from_override = service.is_some_and(|s| s.override_of(PARAM).is_some());
    let expanded = service_value(model, service, PARAM)?;
    let mut text = match written {
        None => format!("{PARAM} is empty (the default)"),
        Some(d) if from_override => {
            let shown = if d.value == expanded {
                format!("`-o {PARAM}={}`", d.value)
            } else {
                format!("`-o {PARAM}={}` ({expanded})", d.value)
            };
            if expanded.is_empty() {
                format!("its {shown} leaves the level empty")
            } else {
                format!("its {shown} turns TLS off")
            }
        }
        Some(d) if expanded.is_empty() && d.value.trim_ascii().is_empty() => {
            format!("{PARAM} is empty")
        }
        Some(d) if d.value == expanded => format!("{PARAM} = {expanded}"),
        Some(d) => format!("{PARAM} = {} ({})", d.value, shown_empty(&expanded)),
    };
    // The legacy switch smtpd still honours under an empty level (3.7 to 3.12), written `no`.
    if expanded.is_empty() && service_definition(model, service, "smtpd_use_tls").is_some() {
        text.push_str(" and smtpd_use_tls = no");
    }
    Some((text, written))
}

fn shown_empty(value: &str) -> &str {
    if value.is_empty() {
        "empty"
    } else {
        value
    }
}

/// One finding: the line to edit, and the port 25 services it leaves without TLS.
struct Unoffered<'m> {
    labels: Vec<String>,
    reason: String,
    level: Option<&'m Definition>,
}

/// Where a definition points: its value, or its name when the value is empty.
fn value_or_name(d: &Definition) -> Span {
    if d.value_span.start == d.value_span.end {
        d.name_span
    } else {
        d.value_span
    }
}

fn check(model: &Model, out: &mut Findings) {
    let Some(certificate) = main_cf_certificate(model) else {
        return;
    };
    let mut by_span: BTreeMap<Span, Unoffered> = BTreeMap::new();
    for port in port_25_smtpds(model) {
        let service = port.service;
        // Unknown, or a level that offers STARTTLS (may, encrypt, wrapper mode, the legacy
        // smtpd_use_tls or smtpd_enforce_tls under an empty level).
        let Some(level) = server_level(model, service) else {
            continue;
        };
        if level.level != Level::None {
            continue;
        }
        // A `$name` that names nothing: Postfix takes it as empty, but that is
        // undefined-reference's finding, and the writer meant some level.
        let expanded = expanded_in(model, service, "smtpd_tls_security_level");
        if expanded.is_none_or(|e| !e.undefined.is_empty()) {
            continue;
        }
        // `-o smtpd_tls_cert_file=` (and the others) on the service itself: no certificate
        // there, on purpose.
        if service.is_some()
            && CERTIFICATE_PARAMS
                .iter()
                .all(|&p| service_value(model, service, p).is_some_and(|v| !names_certificate(&v)))
        {
            continue;
        }
        let Some((reason, level_definition)) = reason(model, service) else {
            continue;
        };
        let span = level_definition.map_or(value_or_name(certificate), value_or_name);
        let entry = by_span.entry(span).or_insert_with(|| Unoffered {
            labels: Vec::new(),
            reason,
            level: level_definition,
        });
        entry.labels.push(port.label);
    }
    for (span, unoffered) in by_span {
        let labels = unoffered.labels.join("; ");
        let finding = out.report(
            span,
            format!(
                "port 25 ({labels}) does not offer STARTTLS: {}, though main.cf configures a certificate ({}): mail from other servers arrives in clear text",
                unoffered.reason, certificate.name
            ),
        );
        finding.subject(format!("port 25 ({labels}) STARTTLS"));
        if unoffered.level.is_some() {
            finding.label("no TLS on port 25");
            finding.secondary(
                value_or_name(certificate),
                "the certificate smtpd could offer",
            );
        } else {
            finding.label("a certificate, but no TLS level for port 25");
        }
        let from_override = unoffered
            .level
            .is_some_and(|d| Some(d.file) == model.master.file);
        finding.help(if from_override {
            "Remove this `-o smtpd_tls_security_level` from the port 25 service (or make it \
             `may`) and keep `smtpd_tls_security_level = may` in main.cf: smtpd then offers \
             STARTTLS, and other servers encrypt when they can. Never `encrypt` on port 25: \
             servers that cannot do TLS would be refused (RFC 3207, section 4; Postfix \
             TLS_README)."
        } else {
            "Set `smtpd_tls_security_level = may` in main.cf: smtpd then offers STARTTLS with \
             this certificate, and other servers encrypt when they can. Never `encrypt` on port \
             25: servers that cannot do TLS would be refused (RFC 3207, section 4; Postfix \
             TLS_README)."
        });
    }
}
