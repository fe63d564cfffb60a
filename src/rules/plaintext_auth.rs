//! An smtpd service that offers SASL AUTH before STARTTLS, to clients on the network: the
//! password crosses the wire readable by anyone on the path.

use std::collections::BTreeMap;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::listen::{port_of, reach, Reach};
use crate::model::relay::refuses_outsiders_at_connect;
use crate::model::restrictions::{service_definition, service_value, smtpd_processes, Smtpd};
use crate::model::tls::{flag, has_word, server_level, Level};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "plaintext-auth",
    severity: Severity::Error,
    summary: "an smtpd service offers AUTH before STARTTLS: passwords cross the network in clear",
    doc: include_str!("../../rules/plaintext-auth.md"),
    // A network smtpd whose SASL, TLS or security options are unknown (a template expression,
    // a set-up script) may offer AUTH in clear.
    undecided: |model| {
        smtpd_processes(model)
            .iter()
            .any(|smtpd| matches!(offer(model, smtpd), Offer::Unknown))
    },
    check,
};

/// One finding: the services one line turns AUTH on for, and what leaves TLS optional.
struct Exposed {
    services: Vec<String>,
    tls: String,
    tls_span: Option<Span>,
    /// Where `smtpd_tls_auth_only = no` is written out, for each service.
    auth_only: Vec<Span>,
    /// The services' `-o smtpd_enforce_tls=yes` (or `smtpd_use_tls`) that a non-empty
    /// smtpd_tls_security_level makes smtpd ignore.
    ignored: Vec<Span>,
}

/// What one smtpd process offers a client on the network before STARTTLS.
enum Offer {
    /// AUTH, with the line that turns it on, what leaves TLS optional and where, and the
    /// `smtpd_tls_auth_only = no` written out.
    Auth(Span, String, Option<Span>, Option<Span>, Vec<Span>),
    /// No AUTH in clear (or no network client).
    Safe,
    /// A setting it depends on is unknown (a template expression, a set-up script).
    Unknown,
}

fn offer(model: &Model, smtpd: &Smtpd) -> Offer {
    let service = smtpd.service;
    // Reached from the network, or maybe (inet_interfaces unknown: a template, an image's
    // main.cf): then what would be AUTH in clear is unknown.
    let maybe_local = match reach(model, service) {
        Reach::Local => return Offer::Safe,
        Reach::Network => false,
        Reach::Unknown => true,
    };
    // Port 465 without wrapper mode: tls-wrappermode-missing reports the service, and its
    // fix (`-o smtpd_tls_wrappermode=yes`) encrypts AUTH as well.
    if super::tls_wrappermode_missing::without_wrappermode(model, smtpd).is_some() {
        return Offer::Safe;
    }
    match flag(model, service, "smtpd_sasl_auth_enable") {
        Some(true) => {}
        Some(false) => return Offer::Safe,
        None => return Offer::Unknown,
    }
    // smtpd_tls_auth_only = yes: smtpd turns SASL on only after STARTTLS.
    match flag(model, service, "smtpd_tls_auth_only") {
        Some(false) => {}
        Some(true) => return Offer::Safe,
        None => return Offer::Unknown,
    }
    // An `-o smtpd_tls_auth_only=no` on a port that is not a mail port users know (588 for
    // a webmail container, say) is an exception made on purpose.
    if let Some(s) = service {
        let mail_port =
            s.kind == "pass" || matches!(port_of(s), "smtp" | "25" | "submission" | "587");
        if !mail_port && s.override_of("smtpd_tls_auth_only").is_some() {
            return Offer::Safe;
        }
    }
    let Some(level) = server_level(model, service) else {
        return Offer::Unknown;
    };
    if level.level.mandatory() {
        return Offer::Safe;
    }
    // noplaintext: PLAIN and LOGIN are not offered on an unencrypted session.
    let Some(options) = smtpd.value(model, "smtpd_sasl_security_options") else {
        return Offer::Unknown;
    };
    if has_word(&options, "noplaintext") {
        return Offer::Safe;
    }
    // smtpd_delay_reject = no and a client list that rejects outsiders: they get "503 access
    // denied" for EHLO, and only the clients it lets through (mynetworks, hosts its tables
    // name) ever see AUTH.
    match refuses_outsiders_at_connect(model, smtpd) {
        Some(true) => return Offer::Safe,
        Some(false) => {}
        None => return Offer::Unknown,
    }
    let enable = service_definition(model, service, "smtpd_sasl_auth_enable")
        .expect("smtpd_sasl_auth_enable defaults to no");
    let tls = if level.level == Level::None {
        format!("no TLS at all ({})", level.describe())
    } else {
        format!("TLS is optional ({})", level.describe())
    };
    if maybe_local {
        return Offer::Unknown;
    }
    let auth_only = service_definition(model, service, "smtpd_tls_auth_only").map(|d| d.value_span);
    // smtpd reads the obsolete smtpd_enforce_tls and smtpd_use_tls only when
    // smtpd_tls_security_level is empty: a service's `-o smtpd_enforce_tls=yes` beside a
    // main.cf `smtpd_tls_security_level = may` looks like TLS required, and is not.
    let level_set =
        service_value(model, service, "smtpd_tls_security_level").is_some_and(|v| !v.is_empty());
    let ignored = match (level_set, service) {
        (true, Some(service)) => ["smtpd_enforce_tls", "smtpd_use_tls"]
            .iter()
            .filter_map(|name| service.override_of(name))
            .map(|d| d.value_span)
            .collect(),
        _ => Vec::new(),
    };
    Offer::Auth(enable.value_span, tls, level.span(), auth_only, ignored)
}

fn check(model: &Model, out: &mut Findings) {
    let mut by_line: BTreeMap<(Span, String), Exposed> = BTreeMap::new();
    for smtpd in smtpd_processes(model) {
        let Offer::Auth(span, tls, tls_span, auth_only, ignored) = offer(model, &smtpd) else {
            continue;
        };
        let exposed = by_line
            .entry((span, tls.clone()))
            .or_insert_with(|| Exposed {
                services: Vec::new(),
                tls,
                tls_span,
                auth_only: Vec::new(),
                ignored: Vec::new(),
            });
        exposed.services.push(smtpd.label());
        if let Some(at) = auth_only.filter(|at| !exposed.auth_only.contains(at)) {
            exposed.auth_only.push(at);
        }
        for at in ignored {
            if !exposed.ignored.contains(&at) {
                exposed.ignored.push(at);
            }
        }
    }
    for ((span, _), exposed) in by_line {
        let services = exposed.services.join(", ");
        // No STARTTLS at all: AUTH is offered with no way to encrypt first.
        let no_tls = exposed.tls.starts_with("no TLS");
        let finding = out.report(
            span,
            format!(
                "{services} {} AUTH {}: a client can send its password in clear, and anyone on the path reads it",
                if exposed.services.len() == 1 { "offers" } else { "offer" },
                if no_tls { "without TLS (no STARTTLS is offered)" } else { "before STARTTLS" }
            ),
        );
        finding.subject(format!("{services} AUTH"));
        finding.label(format!("SASL AUTH turned on; {}", exposed.tls));
        if let Some(tls_span) = exposed.tls_span {
            if tls_span != span {
                finding.secondary(tls_span, "TLS is not required here");
            }
        }
        for &at in &exposed.auth_only {
            finding.secondary(at, "AUTH allowed before STARTTLS here");
        }
        for &at in &exposed.ignored {
            finding.secondary(
                at,
                "ignored: smtpd reads this obsolete setting only when smtpd_tls_security_level is empty",
            );
        }
        finding.help(if no_tls {
            "Turn TLS on (`smtpd_tls_security_level = may` with smtpd_tls_cert_file and \
             smtpd_tls_key_file) and set `smtpd_tls_auth_only = yes`, so smtpd offers AUTH only \
             after STARTTLS; on a submission port you can require TLS outright with `-o \
             smtpd_tls_security_level=encrypt`. Mail programs then encrypt before they log in."
        } else if exposed.auth_only.is_empty() {
            "Set `smtpd_tls_auth_only = yes` (main.cf, or `-o smtpd_tls_auth_only=yes` on the \
             service) so smtpd offers AUTH only after STARTTLS; on a submission port you can \
             require TLS outright with `-o smtpd_tls_security_level=encrypt`. Mail programs then \
             encrypt before they log in."
        } else {
            "Make the `smtpd_tls_auth_only = no` shown here `yes` (removing it is not enough: \
             the default is no) so smtpd offers AUTH only after STARTTLS; on a submission port \
             you can require TLS outright with `-o smtpd_tls_security_level=encrypt`. Mail \
             programs then encrypt before they log in."
        });
    }
}
