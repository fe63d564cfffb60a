//! An smtpd service on port 465 (smtps, submissions) without smtpd_tls_wrappermode = yes:
//! clients there start TLS before the first byte (RFC 8314), the server waits for a
//! plaintext greeting, and every connection fails. The same on the client side: a relayhost
//! on port 465 without smtp_tls_wrappermode = yes.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::{smtpd_processes, Smtpd};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "tls-wrappermode-missing",
    severity: Severity::Error,
    summary: "an smtpd service on port 465 (smtps, submissions) without smtpd_tls_wrappermode = yes, or a relayhost on port 465 without smtp_tls_wrappermode = yes: the other side expects TLS from the first byte",
    doc: include_str!("../../rules/tls-wrappermode-missing.md"),
    // A port 465 service whose smtpd_tls_wrappermode is unknown (a template expression, a
    // set-up script).
    undecided: |model| {
        smtpd_processes(model).iter().any(|smtpd| {
            on_port_465(smtpd).is_some() && smtpd.value(model, "smtpd_tls_wrappermode").is_none()
        })
    },
    check,
};

fn check(model: &Model, out: &mut Findings) {
    relayhost_on_465(model, out);
    relayhost_wrapper_below_encrypt(model, out);
    for smtpd in smtpd_processes(model) {
        let Some(service) = without_wrappermode(model, &smtpd) else {
            continue;
        };
        let written = smtpd.definition(model, "smtpd_tls_wrappermode");
        let span = written.map_or(service.name_span, |d| d.value_span);
        let finding = out.report(
            span,
            format!(
                "{} listens on port 465 without smtpd_tls_wrappermode = yes: clients start TLS at once and every connection fails",
                service.label()
            ),
        );
        finding.subject(format!("{} wrappermode", service.label()));
        match written {
            Some(d) => {
                finding.label(format!("smtpd_tls_wrappermode = {}", d.value));
                if d.span().file == service.name_span.file && d.span() != service.name_span {
                    finding.secondary(service.name_span, "the port 465 service");
                }
            }
            None => {
                finding.label(
                    "port 465: implicit TLS (RFC 8314), but this service greets in plaintext",
                );
            }
        }
        // With AUTH on and not only after STARTTLS, a client that does speak plain SMTP here
        // logs in without TLS: plaintext-auth leaves the service to this finding.
        let flag = |name| crate::model::tls::flag(model, Some(service), name);
        if flag("smtpd_sasl_auth_enable") == Some(true)
            && flag("smtpd_tls_auth_only") == Some(false)
        {
            if let Some(enable) = crate::model::restrictions::service_definition(
                model,
                Some(service),
                "smtpd_sasl_auth_enable",
            ) {
                finding.secondary(
                    enable.value_span,
                    "AUTH is on: a client that speaks plain SMTP here can log in without TLS",
                );
            }
        }
        finding.help(
            "Add `-o smtpd_tls_wrappermode=yes` under this service, as Postfix's master.cf \
             template has it for submissions (and smtps before 3.5). Mail programs set to \
             \"SSL/TLS\" on port 465 connect with TLS first; this smtpd waits for the client to \
             speak plain SMTP, so the handshake times out.",
        );
    }
}

/// The master.cf service of an smtpd process that listens on port 465 with
/// smtpd_tls_wrappermode known to be off: this rule's finding. plaintext-auth leaves such a
/// service to it (one cause, one fix: with wrapper mode, AUTH is encrypted too).
pub(crate) fn without_wrappermode<'m>(
    model: &'m Model,
    smtpd: &Smtpd<'m>,
) -> Option<&'m crate::model::master::Service> {
    let service = on_port_465(smtpd)?;
    let value = smtpd.value(model, "smtpd_tls_wrappermode")?; // None: unknown
    (!value.eq_ignore_ascii_case("yes")).then_some(service)
}

/// The master.cf service of an smtpd process that listens on port 465.
fn on_port_465<'m>(smtpd: &Smtpd<'m>) -> Option<&'m crate::model::master::Service> {
    let service = smtpd.service?;
    (service.kind == "inet"
        && matches!(
            crate::model::listen::port_of(service),
            "465" | "smtps" | "submissions"
        ))
    .then_some(service)
}

/// A relayhost on port 465 (implicit TLS) that the smtp client reaches without wrapper mode:
/// the client waits for the server's 220 greeting, the server for the TLS handshake, and the
/// client gives up after smtp_helo_timeout; mail to the relayhost is deferred.
fn relayhost_on_465(model: &Model, out: &mut Findings) {
    let Some((dest, definition, Some(false))) = crate::model::tls::relayhost_wrappermode(model)
    else {
        return;
    };
    if !matches!(dest.port.as_deref(), Some("465" | "smtps" | "submissions")) {
        return;
    }
    let finding = out.report(
        definition.value_span,
        format!(
            "relayhost {} is port 465, which starts with TLS, but smtp_tls_wrappermode is off: the \
             smtp client waits for a greeting the server never sends, and mail to the relayhost \
             is deferred",
            dest.written
        ),
    );
    finding.subject(format!("relayhost {} wrappermode", dest.written));
    finding.label("port 465: implicit TLS (RFC 8314)");
    finding.help(
        "Set `smtp_tls_wrappermode = yes` with `smtp_tls_security_level = encrypt` (postconf(5): \
         wrapper mode connects with SUBMISSIONS/SMTPS instead of STARTTLS), or use the \
         provider's port 587, which speaks STARTTLS. Without it the smtp client waits for the \
         server's 220 greeting until smtp_helo_timeout, and the mail stays in the queue.",
    );
}

/// A relayhost the smtp client reaches in wrapper mode while its TLS level is below
/// `encrypt`: smtp_connect.c skips every address of it ("smtp_tls_wrappermode requires
/// \"smtp_tls_security_level = encrypt\" (or stronger)"), and mail to the relayhost is
/// deferred. A TLS policy table may raise the level for it: then postlint cannot know.
fn relayhost_wrapper_below_encrypt(model: &Model, out: &mut Findings) {
    use crate::model::tls::{client_level, default_delivery, Level};
    let Some((dest, definition, Some(true))) = crate::model::tls::relayhost_wrappermode(model)
    else {
        return;
    };
    // Port 25 or 587 in wrapper mode is the wrong mode (tls-wrappermode-on-starttls-port),
    // whatever the level: one finding, one fix.
    if matches!(
        dest.port.as_deref(),
        None | Some("25" | "smtp" | "587" | "submission")
    ) {
        return;
    }
    let Some(service) = default_delivery(model) else {
        return;
    };
    let policy = crate::model::restrictions::service_value(model, service, "smtp_tls_policy_maps");
    if policy.is_none_or(|p| !p.trim().is_empty()) {
        return;
    }
    let Some(level) = client_level(model, service, "smtp") else {
        return;
    };
    if !matches!(level.level, Level::None | Level::May) {
        return;
    }
    let shown = match &level.definition {
        Some(d) => format!("{} = {}", d.name, d.value),
        None => format!("{} left at its default", level.param),
    };
    let finding = out.report(
        definition.value_span,
        format!(
            "relayhost {} is reached with smtp_tls_wrappermode = yes, but the TLS level is below \
             encrypt ({shown}): the smtp client skips every address of it, and mail to the \
             relayhost is deferred",
            dest.written
        ),
    );
    finding.subject(format!("relayhost {} wrappermode level", dest.written));
    finding.label("wrapper mode needs smtp_tls_security_level = encrypt");
    if let Some(d) = &level.definition {
        finding.secondary(d.value_span, "below encrypt");
    }
    if let Some(d) =
        crate::model::restrictions::service_definition(model, service, "smtp_tls_wrappermode")
    {
        finding.secondary(d.value_span, "wrapper mode");
    }
    finding.help(
        "Set `smtp_tls_security_level = encrypt` beside `smtp_tls_wrappermode = yes`. The smtp \
         client logs \"smtp_tls_wrappermode requires \\\"smtp_tls_security_level = encrypt\\\" (or \
         stronger)\" and tries no address of the relayhost, so the mail waits in the queue until \
         it bounces (maximal_queue_lifetime).",
    );
}
