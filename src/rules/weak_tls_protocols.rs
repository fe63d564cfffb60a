//! TLS protocol lists that allow SSLv2/SSLv3, pin versions older than TLS 1.2, allow nothing,
//! or name a protocol Postfix does not know (which turns TLS off), read as
//! tls_proto_mask_lims() reads them.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::ParamLookup;
use crate::model::params::{expand_param, Definition};
use crate::model::tls::{parse_protocols, ProtocolList, PROTOCOLS};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "weak-tls-protocols",
    severity: Severity::Warning,
    summary: "a TLS protocol list allows SSLv2/SSLv3, pins a version older than TLS 1.2, or names an unknown protocol",
    doc: include_str!("../../rules/weak-tls-protocols.md"),
    undecided: super::always_decides,
    check,
};

/// The protocol lists of Postfix's TLS clients and servers.
const LISTS: &[&str] = &[
    "smtpd_tls_protocols",
    "smtpd_tls_mandatory_protocols",
    "smtp_tls_protocols",
    "smtp_tls_mandatory_protocols",
    "lmtp_tls_protocols",
    "lmtp_tls_mandatory_protocols",
    "tlsproxy_tls_protocols",
    "tlsproxy_tls_mandatory_protocols",
];

fn check(model: &Model, out: &mut Findings) {
    let bounds = model.target.at_least("3.6");
    let mut seen = HashSet::new();
    for &param in LISTS {
        // A mandatory list no program reads changes nothing (smtpd at level may).
        let program = param.split("_tls_").next().unwrap_or("");
        if param.contains("_mandatory_")
            && !crate::model::tls::mandatory_settings_read(model, program)
        {
            continue;
        }
        if let Some(definition) = model.params.get(param) {
            judge(&model.params, definition, bounds, &mut seen, out);
        }
        for service in &model.master.services {
            if let Some(definition) = service.override_of(param) {
                let scoped = model.params.scoped(service);
                judge(&scoped, definition, bounds, &mut seen, out);
            }
        }
    }
}

fn judge<L: ParamLookup>(
    lookup: &L,
    definition: &Definition,
    bounds: bool,
    seen: &mut HashSet<crate::source::Span>,
    out: &mut Findings,
) {
    if !seen.insert(definition.value_span) {
        return;
    }
    let expanded = expand_param(lookup, &definition.name, definition.value_ref());
    if expanded.has_unknown() || !expanded.errors.is_empty() {
        return;
    }
    let name = &definition.name;
    let mask = match parse_protocols(&expanded.text, bounds) {
        ProtocolList::Invalid(word) => {
            let shown = super::shorten(&word);
            let finding = out.report(
                definition.value_span,
                format!(
                    "{name} names `{shown}`, which Postfix does not know: it rejects the whole list and turns TLS off (\"Invalid TLS protocol list\")"
                ),
            );
            finding.subject(format!("{name} {word}"));
            finding.label("not a protocol Postfix knows");
            let hint = if word.starts_with(">=") || word.starts_with("<=") {
                "`>=` and `<=` bounds need Postfix 3.6 or later; before that write exclusions: `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`."
            } else {
                "The names are SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3 (any case), each alone or after `!`; since Postfix 3.6 also `>=TLSv1.2` and `<=TLSv1.3`."
            };
            finding.help(format!("{hint} For a modern server: `{name} = >=TLSv1.2`."));
            return;
        }
        ProtocolList::Allows(mask) => mask,
    };
    let allowed: Vec<&str> = PROTOCOLS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, p)| *p)
        .collect();
    let Some(newest) = allowed.last() else {
        let finding = out.report(
            definition.value_span,
            format!("{name} allows no protocol version at all: every TLS handshake fails"),
        );
        finding.subject(format!("{name} none"));
        finding.label("every version excluded");
        finding.help(format!(
            "Allow the current versions: `{name} = >=TLSv1.2` (Postfix 3.6 and later), or `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`."
        ));
        return;
    };
    if !matches!(*newest, "TLSv1.2" | "TLSv1.3") {
        let finding = out.report(
            definition.value_span,
            format!(
                "{name} allows nothing newer than {newest}: {}",
                too_old(name, newest)
            ),
        );
        finding.subject(format!("{name} newest"));
        finding.label(format!("allows only {}", allowed.join(", ")));
        finding.help(format!(
            "A plain name includes only itself: `TLSv1` means TLS 1.0 alone, not \"TLS 1.0 and later\". Write `{name} = >=TLSv1.2` (Postfix 3.6 and later), or exclude the old versions: `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`."
        ));
        return;
    }
    let old: Vec<&str> = allowed
        .iter()
        .copied()
        .filter(|p| matches!(*p, "SSLv2" | "SSLv3"))
        .collect();
    if !old.is_empty() {
        let old = old.join(" and ");
        let finding = out.report(
            definition.value_span,
            format!(
                "{name} leaves {old} allowed: broken protocols (RFC 6176, RFC 7568) wherever the OpenSSL build still has them"
            ),
        );
        finding.subject(format!("{name} ssl"));
        finding.label(format!("allows {}", allowed.join(", ")));
        finding.help(format!(
            "Exclude them: `{name} = !SSLv2, !SSLv3` (Postfix's default), or `>=TLSv1` (Postfix 3.6 and later)."
        ));
    }
}

/// What a list whose newest version is older than TLS 1.2 does, on the side of the connection
/// that reads it.
fn too_old(name: &str, newest: &str) -> String {
    let mandatory = name.contains("_mandatory_");
    match name.split("_tls_").next() {
        // The smtp and lmtp clients: Postfix's own OpenSSL, or the server's, refuses.
        Some(client @ ("smtp" | "lmtp")) => format!(
            "OpenSSL 3, on this host or on the server, refuses {newest} at its default security \
             level, so the {client} client's TLS handshakes fail{}",
            match mandatory {
                true => " and the mail it must send over TLS is deferred",
                false => " and it delivers in plaintext",
            }
        ),
        _ => format!(
            "OpenSSL 3 clients refuse {newest} at their default security level, so their TLS \
             handshakes fail{}",
            match mandatory {
                true => "",
                false => " and clients fall back to plaintext",
            }
        ),
    }
}
