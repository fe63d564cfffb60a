//! TLS protocol lists that allow SSLv2/SSLv3, pin versions older than TLS 1.2, allow nothing,
//! or name a protocol Postfix does not know (which turns TLS off), read as
//! tls_proto_mask_lims() reads them.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::ParamLookup;
use crate::model::params::{expand_param, Definition};
use crate::model::tls::{parse_protocols, Level, ProtocolList, PROTOCOLS};
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
            if !(program == "smtpd" && smtpd_never_starts_tls(model)) {
                judge(&model.params, definition, bounds, &mut seen, out);
            }
        }
        for service in &model.master.services {
            if let Some(definition) = service.override_of(param) {
                // An smtpd with TLS off never reads its protocol lists (smtpd.c initialises
                // TLS only at level may and up): `-o smtpd_tls_security_level=none` beside them.
                if program == "smtpd" && tls_off(model, Some(service)) {
                    continue;
                }
                let scoped = model.params.scoped(service);
                judge(&scoped, definition, bounds, &mut seen, out);
            }
        }
    }
}

/// Whether smtpd's TLS level is known to be `none` for this service (main.cf's for None).
fn tls_off(model: &Model, service: Option<&crate::model::master::Service>) -> bool {
    crate::model::tls::server_level(model, service).is_some_and(|d| d.level == Level::None)
}

/// Whether no smtpd process starts TLS and no tlsproxy (which takes smtpd's lists by default)
/// runs: then main.cf's smtpd protocol lists are never read.
fn smtpd_never_starts_tls(model: &Model) -> bool {
    use crate::model::values::program_of;
    let smtpds = crate::model::restrictions::smtpd_processes(model);
    model.master.is_known()
        && !smtpds.is_empty()
        && smtpds.iter().all(|smtpd| tls_off(model, smtpd.service))
        && !model
            .master
            .running()
            .any(|s| program_of(&s.command) == "tlsproxy")
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
    let client = name
        .split("_tls_")
        .next()
        .filter(|p| matches!(*p, "smtp" | "lmtp"));
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
    let names = |mask: u8| -> Vec<&str> {
        PROTOCOLS
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| *p)
            .collect()
    };
    let allowed = names(mask);
    // A client offers the lowest unbroken run of what the list allows; every gap leaves a
    // run that ends below TLS 1.2.
    if let Some(client) = client {
        let run = client_run(mask);
        let offered = names(run);
        if run != mask & OPENSSL_VERSIONS {
            if let Some(newest) = offered
                .last()
                .filter(|v| !matches!(**v, "TLSv1.2" | "TLSv1.3"))
            {
                // The run is the lowest: what else the list allows is above it, past the
                // versions skipped.
                let above = mask & OPENSSL_VERSIONS & !run;
                let run_top = 7 - run.leading_zeros() as usize;
                let skipped = &PROTOCOLS[run_top + 1..above.trailing_zeros() as usize];
                let above = names(above);
                let finding = out.report(
                    definition.value_span,
                    format!(
                        "{name} skips {} but allows {} above it: OpenSSL's client uses only the lowest unbroken run of allowed versions, so the {client} client offers nothing newer than {newest}: {}",
                        skipped.join(" and "),
                        above.join(" and "),
                        too_old(name, newest)
                    ),
                );
                finding.subject(format!("{name} newest"));
                finding.label(format!(
                    "the {client} client offers only {}",
                    offered.join(", ")
                ));
                finding.help(format!(
                    "Exclude versions from the oldest up, leaving no gap: `{name} = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1`, or `{name} = >=TLSv1.2` (Postfix 3.6 and later)."
                ));
                return;
            }
        }
    }
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
    // A server answers each client with the newest version both allow, gaps or not: without
    // TLS 1.2, a client that has no TLS 1.3 gets an older one.
    let tls12 = 1 << 4;
    let older = mask & OPENSSL_VERSIONS & (tls12 - 1);
    if client.is_none() && mask & tls12 == 0 && older != 0 {
        let older = names(older);
        let best = older.last().copied().unwrap_or("TLSv1");
        let finding = out.report(
            definition.value_span,
            format!(
                "{name} excludes TLSv1.2 but allows {}: a client without TLS 1.3 (many mail servers still) gets {best}, and {}",
                older.join(" and "),
                too_old(name, best)
            ),
        );
        finding.subject(format!("{name} gap"));
        finding.label(format!("allows {}", allowed.join(", ")));
        finding.help(format!(
            "Keep TLS 1.2: `{name} = >=TLSv1.2` (Postfix 3.6 and later), or `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`."
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

/// The versions of PROTOCOLS an OpenSSL 1.1 or 3 build has: TLS 1.0 to 1.3 (SSLv2 is gone,
/// and SSLv3 is left out of the build by default since OpenSSL 1.1.0).
const OPENSSL_VERSIONS: u8 = 0b11_1100;

/// The versions an OpenSSL client offers of those a list allows. Postfix turns exclusions
/// into OpenSSL's `SSL_OP_NO_*` options, and OpenSSL's client (ssl_get_min_max_version())
/// takes the lowest unbroken run of the versions left: with TLS 1.1 and 1.2 excluded it
/// offers TLS 1.0 alone, though TLS 1.3 is allowed (measured with `openssl s_client
/// -no_tls1_1 -no_tls1_2`, and with posttls-finger in tests/oracle_tls.rs).
fn client_run(mask: u8) -> u8 {
    let mask = mask & OPENSSL_VERSIONS;
    let mut run = 0;
    for i in 0..PROTOCOLS.len() {
        let bit = 1u8 << i;
        if mask & bit != 0 {
            run |= bit;
        } else if run != 0 {
            break;
        }
    }
    run
}

/// What a list whose newest version is older than TLS 1.2 does, on the side of the connection
/// that reads it. OpenSSL 3 at its default security level (1) refuses TLS 1.0 and 1.1 on
/// both sides (they need SHA-1 signatures); Postfix lowers its own level to 0, for its smtp
/// client at the levels that do not verify the server (`may`, `encrypt`) and for smtpd, so
/// what refuses is the other side (measured in tests/oracle_tls.rs and with `openssl
/// s_server`).
fn too_old(name: &str, newest: &str) -> String {
    let mandatory = name.contains("_mandatory_");
    match name.split("_tls_").next() {
        Some(client @ ("smtp" | "lmtp")) => format!(
            "servers whose OpenSSL 3 keeps its default security level refuse {newest}, so the \
             {client} client's handshakes with them fail{} (at the verify, secure and dane \
             levels its own OpenSSL refuses it too)",
            match mandatory {
                true => " and the mail it must send over TLS is deferred",
                false => " and it delivers to them in plaintext",
            }
        ),
        _ => format!(
            "clients whose OpenSSL 3 keeps its default security level refuse {newest}, so \
             their TLS handshakes fail{}",
            match mandatory {
                true => "",
                false => " and they fall back to plaintext",
            }
        ),
    }
}
