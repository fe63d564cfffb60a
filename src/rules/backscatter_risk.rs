//! Mail accepted for recipients that do not exist, to be bounced later to a forged sender
//! (backscatter): relay_domains without relay_recipient_maps, an empty local_recipient_maps,
//! permit_mx_backup, luser_relay.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::ClassKind;
use crate::model::restrictions::{smtpd_processes, LIST_PARAMS};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "backscatter-risk",
    severity: Severity::Warning,
    summary: "mail accepted for recipients that do not exist, bounced later to forged senders (relay_domains without relay_recipient_maps, empty local_recipient_maps, permit_mx_backup, luser_relay)",
    doc: include_str!("../../rules/backscatter-risk.md"),
    undecided: super::always_decides,
    check,
};

const BACKSCATTER: &str =
    "Spam comes with forged senders: each message accepted for a recipient that does not exist \
    becomes a bounce to an innocent address (backscatter), which gets this server blocklisted. \
    See https://www.postfix.org/BACKSCATTER_README.html.";

fn check(model: &Model, out: &mut Findings) {
    let smtpds = smtpd_processes(model);
    if smtpds.is_empty() {
        return;
    }
    // A server whose smtpd listens on loopback only takes mail from its own programs, which
    // forge no senders: what it accepts and bounces goes to real senders.
    if listens_beyond_loopback(model) {
        relay_without_recipients(model, out);
        empty_local_recipients(model, out);
        luser_relay(model, out);
    }
    let mut seen: HashSet<Span> = HashSet::new();
    for smtpd in &smtpds {
        let mut lists: Vec<_> = LIST_PARAMS
            .iter()
            .filter_map(|p| smtpd.list(model, p))
            .collect();
        lists.extend(smtpd.classes.values().flatten().cloned());
        for word in lists.iter().flatten() {
            if !word.text.eq_ignore_ascii_case("permit_mx_backup") {
                continue;
            }
            let Some(span) = word.span else { continue };
            if !seen.insert(span) {
                continue;
            }
            let finding = out.report(
                span,
                "permit_mx_backup accepts mail for any domain whose MX records name this server, for recipients nobody checks",
            );
            finding.subject("permit_mx_backup");
            finding.label("deprecated: anyone can point an MX record here");
            finding.help(format!(
                "List the domains you back up in relay_domains, with their users in \
                 relay_recipient_maps (STANDARD_CONFIGURATION_README, \"Configuring Postfix as \
                 primary or backup MX host\"). {BACKSCATTER}"
            ));
        }
    }
}

/// relay_domains lists domains, and nothing tells smtpd which of their addresses exist.
fn relay_without_recipients(model: &Model, out: &mut Findings) {
    let Some(def) = model.params.get("relay_domains") else {
        return; // the default: $mydestination below level 2, else empty
    };
    // Only domains that resolve as relay domains count: `relay_domains = $mydestination` (the
    // default before level 2, often written out) lists local domains, which mydestination
    // takes first and local_recipient_maps checks.
    let class = model.class(ClassKind::Relay);
    // A value that is a template expression or a placeholder may well be empty; a table whose
    // answers postlint cannot read (SQL) was set up to list domains.
    let value_unknown = model.params.expand("relay_domains").has_unknown();
    let relays = (class.unknown_members && !value_unknown)
        || class.numbered_members(&model.tables).any(|(slot, member)| {
            // `*` is no wildcard in a domain list: it matches no domain of an address.
            !member.domain.contains('*')
                && matches!(
                    model.member_class(ClassKind::Relay, slot),
                    Some(crate::model::Resolved::Class(ClassKind::Relay, _))
                )
        });
    if !relays {
        return;
    }
    let maps = model.params.expand("relay_recipient_maps");
    if maps.has_unknown() || !maps.text.trim_ascii().is_empty() {
        return;
    }
    let finding = out.report(
        def.value_span,
        "relay_domains without relay_recipient_maps: mail for any address in these domains is accepted, and bounced later if the next server does not know it",
    );
    finding.subject("relay_recipient_maps");
    finding.label("smtpd cannot tell which addresses here exist");
    finding.help(format!(
        "Set relay_recipient_maps to a table of the valid addresses (`user@example.com x` \
         lines, or `@example.com x` for a domain that accepts all), so smtpd rejects unknown \
         recipients during the SMTP session. {BACKSCATTER}"
    ));
}

/// `local_recipient_maps =` while local(8) receives mail for real domains.
fn empty_local_recipients(model: &Model, out: &mut Findings) {
    let Some(def) = model.params.get("local_recipient_maps") else {
        return;
    };
    let value = model.params.expand("local_recipient_maps");
    if value.has_unknown() || !value.text.trim_ascii().is_empty() {
        return;
    }
    // With luser_relay, local(8) forwards unknown names instead of bouncing them: that
    // finding says what happens.
    if !model
        .params
        .expand("luser_relay")
        .text
        .trim_ascii()
        .is_empty()
    {
        return;
    }
    // Only where local(8) takes the mail: a transport table entry or another local_transport
    // (an SMS gateway, a pipe that takes any name) decides otherwise.
    // Its default, `local:$myhostname`, has a next hop postlint may not know: the transport's
    // name decides.
    let transport = model.params.expand("local_transport");
    let transport = transport.text.trim_ascii();
    if transport != "local" && !transport.starts_with("local:") {
        return;
    }
    let transports = model.maps("transport_maps");
    let class = model.class(ClassKind::Local);
    let Some(domain) = class
        .members(&model.tables)
        .filter(|m| !m.domain.starts_with("localhost"))
        .find(|m| {
            // The domain is a partial key; a regexp or pcre table, which sees only whole
            // addresses, could still route every address of it.
            transports.tables.is_empty() && !transports.unknown
                || transports.lookup_partial(&model.tables, m.domain)
                    == crate::model::tables::Answer::NotFound
                    && !transports.has_patterns(&model.tables)
        })
        .map(|m| m.written.to_string())
        .or_else(|| {
            // `$myhostname` unwritten: the machine's name, unknown off the server, is still a
            // local domain (smtpd shows it in its greeting). Only without transport tables,
            // which could route it elsewhere.
            (transports.tables.is_empty() && !transports.unknown && host_name_is_local(model))
                .then(|| "this host's name ($myhostname)".to_string())
        })
    else {
        return;
    };
    // local(8) hands mailboxes to mailbox_transport or mailbox_command whether or not the
    // user exists; the bounce then comes from what that rejects.
    let handed_on = ["mailbox_transport", "mailbox_command"]
        .iter()
        .any(|p| !model.params.expand(p).text.trim_ascii().is_empty());
    let bounced = match handed_on {
        true => "the ones that do not exist are bounced after the session",
        false => "local(8) bounces the ones that do not exist",
    };
    let finding = out.report(
        def.span(),
        format!("local_recipient_maps is empty: smtpd accepts mail for any name at {domain} and the other local domains, and {bounced}"),
    );
    finding.subject("local_recipient_maps");
    finding.label("no table of local users: every recipient is accepted");
    finding.help(format!(
        "Remove this line: the default (`proxy:unix:passwd.byname $alias_maps`) makes smtpd \
         reject unknown local users during the SMTP session (LOCAL_RECIPIENT_README). \
         {BACKSCATTER}"
    ));
}

/// mydestination lists `$myhostname` (its default does) while main.cf leaves myhostname to
/// the machine's name, which postlint cannot know off the server.
fn host_name_is_local(model: &Model) -> bool {
    if model.params.get("myhostname").is_some() {
        return false;
    }
    let Some(raw) = model.params.param("mydestination").raw else {
        return false;
    };
    crate::parse::list::split_list(&raw)
        .into_iter()
        .any(|r| matches!(&raw[r], "$myhostname" | "${myhostname}" | "$(myhostname)"))
}

/// luser_relay: every unknown local name is accepted and forwarded.
fn luser_relay(model: &Model, out: &mut Findings) {
    let Some(def) = model.params.get("luser_relay") else {
        return;
    };
    let value = model.params.expand("luser_relay");
    if value.has_unknown() || value.text.trim_ascii().is_empty() {
        return;
    }
    if model
        .class(ClassKind::Local)
        .members(&model.tables)
        .next()
        .is_none()
    {
        return;
    }
    let finding = out.report(
        def.value_span,
        "luser_relay makes every unknown local name a valid recipient: spam to made-up addresses is accepted and forwarded",
    );
    finding.subject("luser_relay");
    finding.label("a catch-all for local(8)");
    finding.help(format!(
        "A catch-all gets the spam of every guessed name, and bounces where the target rejects \
         it. Prefer aliases for the names you use (aliases(5)). {BACKSCATTER}"
    ));
}

fn listens_beyond_loopback(model: &Model) -> bool {
    crate::model::listen::interfaces_reach(model) != crate::model::listen::Reach::Local
}
