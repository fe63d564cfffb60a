//! virtual(8) delivers the virtual mailbox domains, but virtual_mailbox_maps is empty: smtpd
//! has no table to ask, so it accepts every address of those domains, and virtual(8), which
//! finds each mailbox in that table (virtual/mailbox.c), bounces every message as an unknown
//! user. The usual cause: Dovecot or another store was meant to take the mail, and
//! virtual_transport was never pointed at it.
//!
//! In a repository, a main.cf that writes neither virtual_transport nor virtual_mailbox_maps is
//! often completed when it is deployed (docker-mailserver's start scripts set both with
//! `postconf`): the rule then decides only on a system as it runs.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::service_value;
use crate::model::tls::transport_service;
use crate::model::values::{virtual_delivers, virtual_mailbox_maps_empty};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "virtual-without-mailbox-maps",
    severity: Severity::Error,
    summary: "virtual(8) delivers the virtual mailbox domains but virtual_mailbox_maps is empty: every message is accepted, then bounced",
    doc: include_str!("../../rules/virtual-without-mailbox-maps.md"),
    undecided: |model| suspect(model).is_some_and(|s| !decides(model, &s)),
    check,
};

/// virtual_mailbox_domains, and whether main.cf writes virtual_transport or
/// virtual_mailbox_maps.
struct Suspect<'m> {
    domains: &'m crate::model::params::Definition,
    written: bool,
}

fn decides(model: &Model, suspect: &Suspect) -> bool {
    suspect.written || model.locator.mode.is_system_image()
}

fn check(model: &Model, out: &mut Findings) {
    let Some(suspect) = suspect(model) else {
        return;
    };
    if !decides(model, &suspect) {
        return;
    }
    let domains = suspect.domains;
    let transport = service_value(model, None, "virtual_transport").unwrap_or_default();
    let finding = out.report(
        domains.name_span,
        "virtual_mailbox_domains is set, but virtual_mailbox_maps is empty and virtual(8) \
         delivers these domains: every message to them is accepted, then bounced as an unknown \
         user"
            .to_string(),
    );
    finding.subject("virtual mailbox domains without virtual_mailbox_maps");
    finding.label("accepted by smtpd, bounced by virtual(8)");
    if let Some(written) = model.params.get("virtual_transport") {
        finding.secondary(
            written.value_span,
            format!("{transport}: a virtual(8) service"),
        );
    }
    finding.help(
        "smtpd checks recipients against virtual_mailbox_maps only when it is set, so it accepts \
         every address of these domains; virtual(8) then looks each one up in the same empty \
         list, finds no mailbox and bounces the message (`5.1.1 unknown user`), to the sender \
         or, for spam, to a forged one. If another program stores the mail (Dovecot over LMTP), \
         point `virtual_transport` at it (`virtual_transport = lmtp:unix:private/dovecot-lmtp`). \
         If virtual(8) should deliver, list the mailboxes in `virtual_mailbox_maps`.",
    );
}

fn suspect(model: &Model) -> Option<Suspect<'_>> {
    // The default (`$virtual_mailbox_maps`) is empty along with the maps: only a domain list
    // written out hosts domains without a mailbox table.
    let domains = model.params.get("virtual_mailbox_domains")?;
    if domains.conditional
        || service_value(model, None, "virtual_mailbox_domains").is_none_or(|v| v.is_empty())
    {
        return None;
    }
    // smtpd's table, from main.cf (not written, or written empty).
    if !virtual_mailbox_maps_empty(model) {
        return None;
    }
    if virtual_delivers(model) != Some(true) {
        return None;
    }
    // virtual(8)'s own table: its master.cf service may name one with -o.
    let transport = service_value(model, None, "virtual_transport").unwrap_or_default();
    let name = transport
        .split(':')
        .next()
        .unwrap_or("")
        .trim_ascii()
        .to_string();
    if model.master.is_known() {
        let service = transport_service(model, &name)?;
        if service_value(model, Some(service), "virtual_mailbox_maps").is_none_or(|v| !v.is_empty())
        {
            return None;
        }
    }
    // A transport table may send the domains elsewhere.
    if service_value(model, None, "transport_maps").is_none_or(|v| !v.is_empty()) {
        return None;
    }
    Some(Suspect {
        domains,
        written: model.params.get("virtual_transport").is_some()
            || model.params.get("virtual_mailbox_maps").is_some(),
    })
}
