//! Mandatory TLS (encrypt or stronger) on the public port 25 smtpd: RFC 3207 says a publicly
//! referenced server must not require STARTTLS, and mail from servers without TLS bounces.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::ClassKind;
use crate::model::listen::{reach, takes_port_25, Reach};
use crate::model::restrictions::{smtpd_processes, Smtpd};
use crate::model::tls::server_level;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "mandatory-tls-on-mx",
    severity: Severity::Warning,
    summary:
        "the public port 25 smtpd requires TLS: mail from servers without TLS is refused (RFC 3207)",
    doc: include_str!("../../rules/mandatory-tls-on-mx.md"),
    // A port 25 smtpd whose TLS level is unknown (a template expression, a set-up script).
    undecided: |model| {
        receives_mail_for_domains(model)
            && on_port_25(model)
                .iter()
                .any(|smtpd| server_level(model, smtpd.service).is_none())
    },
    check,
};

/// The smtpd processes other mail servers reach on port 25 (directly, or through postscreen).
fn on_port_25(model: &Model) -> Vec<Smtpd<'_>> {
    smtpd_processes(model)
        .into_iter()
        .filter(|smtpd| {
            takes_port_25(model, smtpd.service) && reach(model, smtpd.service) == Reach::Network
        })
        .collect()
}

/// Whether other mail servers deliver here: some address class holds a domain other than a
/// localhost name, or members postlint cannot see. A relay whose classes hold only localhost
/// (an outbound gateway for the hosts it trusts) is no publicly referenced server.
fn receives_mail_for_domains(model: &Model) -> bool {
    ClassKind::RESOLVE_ORDER.iter().any(|&kind| {
        let class = model.class(kind);
        class.unknown_members
            || class
                .members(&model.tables)
                .any(|m| !m.domain.trim_end_matches('.').starts_with("localhost"))
    })
}

fn check(model: &Model, out: &mut Findings) {
    if !receives_mail_for_domains(model) {
        return;
    }
    for smtpd in on_port_25(model) {
        // An smtpd that refuses other servers whatever TLS they use
        // (`smtpd_client_restrictions = permit_mynetworks, permit_sasl_authenticated,
        // reject`) is no publicly referenced server: a submission service on port 25.
        if refuses_other_servers(model, &smtpd) {
            continue;
        }
        plaintext_rejected(model, &smtpd, out);
        let Some(level) = server_level(model, smtpd.service) else {
            continue;
        };
        if !level.level.mandatory() || level.param == "smtpd_tls_wrappermode" {
            continue; // wrapper mode on port 25 is another mistake, not this one
        }
        let Some(span) = level.span() else {
            continue;
        };
        let finding = out.report(
            span,
            format!(
                "{} is port 25, where other mail servers deliver, and {} makes TLS mandatory there: servers that cannot do STARTTLS get \"530 Must issue a STARTTLS command first\" and their mail bounces",
                smtpd.label(),
                level.describe()
            ),
        );
        finding.subject(format!("{} level", smtpd.label()));
        finding.label("TLS required on port 25");
        if let Some(service) = smtpd.service {
            if service.name_span.file == span.file && service.name_span != span {
                finding.secondary(service.name_span, "the port 25 service");
            }
        }
        finding.help(
            "RFC 3207, section 4: \"A publicly-referenced SMTP server MUST NOT require use of \
             the STARTTLS extension in order to deliver mail locally.\" Use \
             `smtpd_tls_security_level = may` on port 25, and require TLS on the submission \
             services with `-o smtpd_tls_security_level=encrypt`. On an internal hub that only \
             your own servers reach, mandatory TLS can be the design: say so with `# postlint: \
             disable=mandatory-tls-on-mx -- internal hub` above the line.",
        );
    }
}

/// The permits that let only the server's own hosts and users through, never another mail
/// server: what precedes a `reject` that refuses every other client.
fn for_users(word: &str) -> bool {
    matches!(
        word,
        "permit_sasl_authenticated"
            | "permit_mynetworks"
            | "permit_tls_clientcerts"
            | "permit_tls_all_clientcerts"
    )
}

/// Whether a list every client meets before its mail is taken (client, HELO, sender,
/// recipient, relay) holds nothing but [`for_users`] permits and then `reject`: no other mail
/// server gets its mail in, TLS or not.
fn refuses_other_servers(model: &Model, smtpd: &Smtpd) -> bool {
    crate::model::restrictions::LIST_PARAMS
        .iter()
        .filter(|p| **p != "smtpd_etrn_restrictions" && **p != "smtpd_data_restrictions")
        .filter_map(|p| smtpd.list(model, p))
        .any(|words| {
            words
                .iter()
                .map(|w| w.text.to_ascii_lowercase())
                .find(|w| !for_users(w))
                .is_some_and(|w| w == "reject")
        })
}

/// `reject_plaintext_session` on the port 25 smtpd: mandatory TLS spelled as a restriction.
fn plaintext_rejected(
    model: &Model,
    smtpd: &crate::model::restrictions::Smtpd,
    out: &mut Findings,
) {
    // Every list a client meets before its mail is taken (ETRN is not mail).
    for &param in crate::model::restrictions::LIST_PARAMS
        .iter()
        .filter(|p| **p != "smtpd_etrn_restrictions")
    {
        let Some(words) = smtpd.list(model, param) else {
            continue;
        };
        // Only where every other mail server meets it: before it, nothing that could let one
        // through (the permits for users and trusted hosts do not).
        for word in &words {
            let for_users = for_users(&word.text);
            if !for_users && (word.text.starts_with("permit") || word.text.starts_with("check_")) {
                break;
            }
            if !word.text.eq_ignore_ascii_case("reject_plaintext_session") {
                continue;
            }
            let Some(span) = word.span else {
                break;
            };
            let finding = out.report(
                span,
                format!(
                    "{} is port 25, where other mail servers deliver, and reject_plaintext_session in {param} refuses every server that does not use TLS: their mail bounces",
                    smtpd.label()
                ),
            );
            finding.subject(format!("{} {param} plaintext", smtpd.label()));
            finding.label("TLS required on port 25");
            finding.help(
                "RFC 3207, section 4: \"A publicly-referenced SMTP server MUST NOT require use \
                 of the STARTTLS extension in order to deliver mail locally.\" Keep \
                 reject_plaintext_session for the submission services, or accept that mail \
                 from servers without TLS is refused (on an internal hub that only your own \
                 servers reach, that can be the design).",
            );
            break;
        }
    }
}
