//! The mirror of `tls-wrappermode-missing`: an smtpd service on port 25 (smtp) or 587
//! (submission) with smtpd_tls_wrappermode = yes. Clients of those ports wait for a plaintext
//! 220 greeting and then send STARTTLS (RFC 3207; RFC 8314 keeps 587 for STARTTLS); in
//! wrapper mode smtpd waits for a TLS handshake instead, and the connection fails. The same
//! on the client side: a relayhost on port 25 or 587 while the smtp client runs in wrapper
//! mode.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::master::Service;
use crate::model::restrictions::{smtpd_processes, Smtpd};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "tls-wrappermode-on-starttls-port",
    severity: Severity::Error,
    summary: "an smtpd service on port 25 or 587 in TLS wrapper mode, or a relayhost on port 25 or 587 reached in wrapper mode: the other side speaks plaintext first and STARTTLS",
    doc: include_str!("../../rules/tls-wrappermode-on-starttls-port.md"),
    // A port 25 or 587 service whose smtpd_tls_wrappermode is set to a value postlint cannot
    // read (a template expression, a set-up script). Text it cannot see at all (a template's
    // include) may set it too, but wrapper mode on those ports is rare enough that every
    // such setup would list the rule for nothing.
    undecided: |model| {
        smtpd_processes(model).iter().any(|smtpd| {
            on_starttls_port(smtpd).is_some()
                && smtpd.definition(model, "smtpd_tls_wrappermode").is_some()
                && smtpd.value(model, "smtpd_tls_wrappermode").is_none()
        })
    },
    check,
};

/// The line that turns wrapper mode on, the service's own name when the line is its `-o`, and
/// the services (with their port) that read it.
type Found<'m> = (Span, Option<Span>, Vec<(&'m Service, &'static str)>);

fn check(model: &Model, out: &mut Findings) {
    relayhost_in_wrappermode(model, out);
    // Services that read one line (main.cf's, or a shared `-o`) get one finding for it.
    let mut found: Vec<Found> = Vec::new();
    for smtpd in smtpd_processes(model) {
        // And the `pass` service postscreen on port 25 hands its clients to.
        let behind_postscreen = smtpd
            .service
            .filter(|s| s.kind == "pass" && crate::model::listen::takes_port_25(model, Some(s)))
            .map(|s| (s, "25"));
        let Some((service, port)) = on_starttls_port(&smtpd).or(behind_postscreen) else {
            continue;
        };
        let on = smtpd
            .value(model, "smtpd_tls_wrappermode")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
        if !on {
            continue;
        }
        let Some(written) = smtpd.definition(model, "smtpd_tls_wrappermode") else {
            continue;
        };
        let span = written.value_span;
        let in_service = (written.span().file == service.name_span.file
            && written.span() != service.name_span)
            .then_some(service.name_span);
        match found.iter_mut().find(|(s, ..)| *s == span) {
            Some((.., services)) => services.push((service, port)),
            None => found.push((span, in_service, vec![(service, port)])),
        }
    }
    for (span, in_service, services) in found {
        let port_25 = services.iter().any(|(_, port)| *port == "25");
        let labels: Vec<String> = services
            .iter()
            .map(|(s, _)| match s.kind.as_str() {
                "pass" => format!("{}, which takes postscreen's clients,", s.label()),
                _ => s.label(),
            })
            .collect();
        let ports: Vec<&str> = {
            let mut p: Vec<&str> = services.iter().map(|(_, port)| *port).collect();
            p.sort_unstable();
            p.dedup();
            p
        };
        let who = match port_25 {
            true => "mail servers connecting to port 25",
            false => "mail programs set to STARTTLS on port 587",
        };
        let (listen, port) = match (labels.len(), ports.len()) {
            (1, _) => ("listens", "port"),
            (_, 1) => ("listen", "port"),
            _ => ("listen", "ports"),
        };
        let finding = out.report(
            span,
            format!(
                "{} {listen} on {port} {} in TLS wrapper mode: {who} wait for a plaintext \
                 greeting that smtpd never sends, and every such connection fails",
                super::in_words(&labels),
                ports.join(" and "),
            ),
        );
        if !port_25 {
            // Some mail programs can be set to TLS from the first byte on any port: the
            // service works for those, against the port's standard.
            finding.severity = Severity::Warning;
        }
        finding.subject(format!("{} wrappermode", labels[0]));
        finding.label("smtpd_tls_wrappermode = yes: TLS from the first byte");
        if let Some(name) = in_service {
            finding.secondary(name, format!("port {}: STARTTLS", ports[0]));
        }
        let fix = match port_25 {
            true => {
                "Remove smtpd_tls_wrappermode = yes from port 25 (and from main.cf): other \
                 servers deliver to port 25 in plaintext and ask for STARTTLS; offer it with \
                 `smtpd_tls_security_level = may`. Implicit TLS belongs on port 465 \
                 (`submissions`), in a service of its own."
            }
            false => {
                "Remove `-o smtpd_tls_wrappermode=yes` from the submission service, which \
                 speaks STARTTLS (RFC 8314, section 3.3; `-o smtpd_tls_security_level=encrypt` \
                 requires it), and put TLS from the first byte on port 465 (`submissions`), \
                 as Postfix's master.cf template has it."
            }
        };
        finding.help(fix);
    }
}

/// The master.cf service of an smtpd process that listens on port 25 or 587, with the port.
fn on_starttls_port<'m>(smtpd: &Smtpd<'m>) -> Option<(&'m Service, &'static str)> {
    let service = smtpd.service?;
    if service.kind != "inet" {
        return None;
    }
    match crate::model::listen::port_of(service) {
        "25" | "smtp" => Some((service, "25")),
        "587" | "submission" => Some((service, "587")),
        _ => None,
    }
}

/// A relayhost on port 25 or 587 (none written: 25) that the smtp client reaches in wrapper
/// mode: the client starts a TLS handshake, the server greets in plaintext, and mail to the
/// relayhost is deferred.
fn relayhost_in_wrappermode(model: &Model, out: &mut Findings) {
    let Some((dest, definition, Some(true))) = crate::model::tls::relayhost_wrappermode(model)
    else {
        return;
    };
    let port = match dest.port.as_deref() {
        None | Some("25" | "smtp") => "25",
        Some("587" | "submission") => "587",
        Some(_) => return,
    };
    let finding = out.report(
        definition.value_span,
        format!(
            "relayhost {} is port {port}, which greets in plaintext and offers STARTTLS, but \
             smtp_tls_wrappermode is on: the smtp client starts a TLS handshake the server \
             does not expect, and mail to the relayhost is deferred",
            dest.written
        ),
    );
    finding.subject(format!("relayhost {} wrappermode", dest.written));
    finding.label(format!("port {port}: STARTTLS"));
    let service = crate::model::tls::default_delivery(model).flatten();
    if let Some(on) =
        crate::model::restrictions::service_definition(model, service, "smtp_tls_wrappermode")
    {
        finding.secondary(on.value_span, "wrapper mode: TLS from the first byte");
    }
    finding.help(
        "Set `smtp_tls_wrappermode = no` and `smtp_tls_security_level = encrypt` for port 587 \
         (STARTTLS), or keep wrapper mode and use the provider's port 465 \
         (`relayhost = [smtp.example.net]:465`).",
    );
}
