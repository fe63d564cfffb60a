//! An smtpd service that accepts mail for other domains from a client that is neither in
//! mynetworks nor authenticated: an open relay, decided by evaluating the service's restriction
//! lists as smtpd does (see model/relay.rs).

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::ClassKind;
use crate::model::relay::{verdict, Status, Verdict, Witness};
use crate::model::restrictions::{smtpd_processes, starts, Smtpd};
use crate::model::tls::public_trust;
use crate::model::{Model, Resolved};
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "open-relay",
    severity: Severity::Error,
    summary:
        "a client outside mynetworks that does not authenticate can relay mail to other domains",
    doc: include_str!("../../rules/open-relay.md"),
    undecided: |model| {
        !crate::model::values::nothing_leaves(model)
            && smtpd_processes(model)
                .iter()
                .any(|s| matches!(verdict(model, s), Verdict::Unknown(_)))
    },
    check,
};

fn check(model: &Model, out: &mut Findings) {
    provider_relay_domains(model, out);
    // Where no mail for other domains leaves the server (`default_transport = error`, a
    // transport table's `*` entry to error), smtpd refuses such a recipient at RCPT whatever
    // the restrictions say (tests/oracle_nothing_leaves.rs): nothing relays. (relay_domains
    // go through relay_transport, which the check above judges.)
    if crate::model::values::nothing_leaves(model) {
        return;
    }
    // Services that relay through the same entry get one finding that names them all.
    // (the decisive span, the services, the witness and the first service's smtpd)
    type Found<'m> = (Option<Span>, Vec<String>, Witness, Smtpd<'m>);
    let mut found: Vec<Found> = Vec::new();
    for smtpd in smtpd_processes(model) {
        if !starts(model, &smtpd) {
            continue; // relay-check-missing: it accepts nothing.
        }
        let Verdict::Open(witnesses) = verdict(model, &smtpd) else {
            continue;
        };
        let witness = witnesses
            .into_iter()
            .next()
            .expect("an open verdict has a witness");
        let primary = decisive(&witness).and_then(|s| s.span);
        match found
            .iter_mut()
            .find(|(p, ..)| *p == primary && primary.is_some())
        {
            Some((_, services, ..)) => services.push(smtpd.label()),
            None => found.push((primary, vec![smtpd.label()], witness, smtpd)),
        }
    }
    for (primary, services, witness, smtpd) in found {
        let step = decisive(&witness);
        // relay_domains that takes every domain: the relay check lets every domain through.
        let every_domain = witness
            .request
            .recipient
            .rsplit_once('@')
            .and_then(|(_, domain)| match model.resolve_class(domain) {
                Resolved::Class(ClassKind::Relay, at) => Some(at),
                _ => None,
            });
        // The decisive entry, else the list as written, else (a default list, as a release
        // before 3.0 has built in) the relay_domains that takes every domain.
        let span = super::setting_span(
            model,
            primary
                .or_else(|| {
                    let list = step.map_or("smtpd_relay_restrictions", |s| s.stage.as_str());
                    model.params.get(list).map(|d| d.value_span)
                })
                .or_else(|| {
                    every_domain?
                        .or_else(|| model.params.get("relay_domains").map(|d| d.value_span))
                }),
        );
        let on = if services.len() == 1 && services[0] == "smtpd" {
            "smtpd".to_string()
        } else {
            services.join(", ")
        };
        let finding = out.report(
            span,
            format!(
                "open relay on {on}: {} gets {} accepted",
                witness.who, witness.what
            ),
        );
        finding.subject(format!("{} relay", services[0]));
        match step {
            Some(step) => {
                finding.label(format!(
                    "`{}` in {} permits it before any relay check rejects it",
                    crate::rules::shorten(&step.word),
                    step.list
                ));
                if let Some((table, i)) = step.entry {
                    if let Some(entries) = model.tables.get(table).entries() {
                        let entry = entries.entry(i);
                        if entry.key_span != span {
                            finding.secondary(
                                entry.key_span,
                                format!(
                                    "the table answers `{}` for `{}`",
                                    crate::rules::shorten(entry.value),
                                    crate::rules::shorten(entry.key)
                                ),
                            );
                        }
                    }
                }
                if let Some(line) = step.line {
                    // cidr, regexp and pcre tables: a line of their file, or a `{rule}` of an
                    // inline table in main.cf.
                    let kind = step
                        .word
                        .split_whitespace()
                        .nth(1)
                        .and_then(crate::parse::table_ref::TableRef::parse)
                        .map_or("table", |t| t.kind);
                    let what = match model.sources.slice(line).starts_with('{') {
                        true => format!("this rule of the inline {kind} table answers"),
                        false => format!("this {kind} line answers"),
                    };
                    finding.secondary(line, what);
                }
            }
            None if every_domain.is_some() => {
                finding.label("the relay check lets every domain through");
            }
            None => {
                finding.label("no restriction here rejects mail for other domains");
            }
        }
        if let Some(at) = every_domain {
            if let Some(at) = at.filter(|at| *at != span) {
                finding.secondary(at, "relay_domains takes every domain, made-up ones too");
            }
        }
        let forgeable = witness.who.contains("HELO") || witness.who.contains("MAIL FROM");
        let mut help = String::from(
            "Put the relay check before anything that can permit an outsider: \
             `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, \
             reject_unauth_destination`, and keep access-table OK answers (whitelists) after \
             it, or in smtpd_recipient_restrictions once smtpd_relay_restrictions has \
             rejected relaying.",
        );
        if forgeable {
            help.push_str(
                " A client chooses its HELO name and its MAIL FROM address: neither proves who \
                 it is.",
            );
        }
        if every_domain.is_some() {
            help = String::from(
                "relay_domains matches every domain, so reject_unauth_destination takes each \
                 one for a domain this server relays to, and lets mail for it through. List \
                 only the domains this server is a backup MX or gateway for.",
            );
        }
        if witness.what.contains("at any domain") {
            // A pattern table's line answered (a file table's entry has no line).
            let pattern = step.is_some_and(|s| s.line.is_some() && s.entry.is_none());
            help.push_str(if pattern {
                " A pattern that names no domain (`/^postmaster@/`) matches that user at every \
                 domain, other domains too: end it with this server's domain \
                 (`/^postmaster@example\\.com$/`)."
            } else {
                " A key `user@` in a recipient table matches that user at every domain, other \
                 domains too."
            });
        }
        // A certificate from a public CA: the trust list is the other half of the cause.
        let trust = match witness.who.contains("certificate from a public CA") {
            true => public_trust(model, smtpd.service),
            false => None,
        };
        if let Some(trust) = trust {
            if let Some(d) = trust.definition.filter(|d| d.value_span != span) {
                finding.secondary(d.value_span, "this CA list holds the public CAs");
            }
            help = format!(
                "permit_tls_all_clientcerts permits every client whose certificate smtpd \
                 verifies, and `{}` makes smtpd trust the public CAs, which sell certificates \
                 to anyone. List your clients' certificates by fingerprint instead \
                 (`permit_tls_clientcerts` with `relay_clientcerts`), or give smtpd a CA file \
                 that holds only the CA that issues them (with tls_append_default_CA = no).",
                trust.setting
            );
        }
        finding.help(help);
    }
}

/// The mail domains of the big mailbox providers. No setup postlint lints is their MX, so
/// one in relay_domains is a misreading of the parameter ("the domains I relay to"), and
/// makes this server relay mail for that domain's users from anyone.
const PROVIDERS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "ymail.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "gmx.com",
    "web.de",
    "t-online.de",
    "mail.ru",
    "yandex.ru",
    "yandex.com",
    "qq.com",
    "163.com",
    "126.com",
    "protonmail.com",
    "proton.me",
    "zoho.com",
    "free.fr",
    "orange.fr",
    "laposte.net",
    "libero.it",
    "naver.com",
];

/// A mailbox provider's domain in relay_domains, on a server that listens beyond loopback:
/// reject_unauth_destination takes it for a domain this server relays to, and lets anyone
/// send mail to its users through it.
fn provider_relay_domains(model: &Model, out: &mut Findings) {
    use crate::model::listen::{interfaces_reach, Reach};
    if interfaces_reach(model) == Reach::Local || smtpd_processes(model).is_empty() {
        return;
    }
    let class = model.class(ClassKind::Relay);
    for (slot, member) in class.numbered_members(&model.tables) {
        if !PROVIDERS.contains(&member.domain) {
            continue;
        }
        // Listed earlier as a local or virtual domain, it is that class's business.
        if !matches!(
            model.member_class(ClassKind::Relay, slot),
            Some(Resolved::Class(ClassKind::Relay, _))
        ) {
            continue;
        }
        let Some(span) = member.span.or(member.via) else {
            continue;
        };
        let domain = member.domain;
        // Only where an outsider's mail to the domain gets through the restrictions (a
        // server whose relay restrictions end in `reject` takes nothing from outsiders).
        let recipient = format!("someone@{domain}");
        let accepted = smtpd_processes(model).iter().any(|smtpd| {
            starts(model, smtpd)
                && crate::model::relay::outsider_gets(model, smtpd, &recipient)
                    == Some(crate::model::relay::Outcome::Accept)
        });
        if !accepted {
            continue;
        }
        let finding = out.report(
            span,
            format!(
                "relay_domains lists {domain}, a mail provider's domain: anyone may send mail to any {domain} address through this server"
            ),
        );
        finding.subject(format!("relay_domains {domain}"));
        finding.label(format!("this server is not {domain}'s MX"));
        finding.help(format!(
            "relay_domains names the domains this server relays mail for as their backup MX or \
             gateway: smtpd accepts mail for them from any client, as their MX would, and \
             sends it on (through relayhost, with its login, if one is set). Spam to {domain} \
             users then comes from this server, which gets it blocklisted. To send your own \
             mail to {domain}, list nothing here: relayhost or transport_maps chooses the \
             route, and mynetworks and SASL say who may send. Take {domain} out of \
             relay_domains."
        ));
    }
}

/// The step that let the request through: the first permit in the relay or recipient
/// restrictions (or inside them), else the first permit at all.
fn decisive(witness: &Witness) -> Option<&crate::model::relay::Step> {
    let permits = || witness.steps.iter().filter(|s| s.status == Status::Permit);
    permits()
        .find(|s| s.list == "smtpd_relay_restrictions" || s.list == "smtpd_recipient_restrictions")
        .or_else(|| permits().next())
}
