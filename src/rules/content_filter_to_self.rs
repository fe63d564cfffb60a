//! A content_filter whose next hop is one of this Postfix's own smtpd listeners on loopback:
//! the filter is Postfix itself, so mail either passes unfiltered (that listener turns
//! content_filter off, as a re-injection port does) or goes round until Postfix bounces it.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::listen::{interfaces, is_loopback, listener_host, port_number, port_of};
use crate::model::master::Service;
use crate::model::params::Definition;
use crate::model::tls::{transport_service, Destination};
use crate::model::values::program_of;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "content-filter-to-self",
    severity: Severity::Error,
    summary: "content_filter sends mail to one of this Postfix's own smtpd listeners: the filter never sees it, or it loops",
    doc: include_str!("../../rules/content-filter-to-self.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    if !model.master.is_known() {
        return;
    }
    // main.cf's filter (pickup and every smtpd without an `-o` read it), then each smtpd's own.
    let mut filters: Vec<(&Definition, Option<&Service>)> = Vec::new();
    if let Some(definition) = model.params.get("content_filter") {
        filters.push((definition, None));
    }
    for service in model.master.running() {
        if program_of(&service.command) == "smtpd" {
            if let Some(definition) = service.override_of("content_filter") {
                filters.push((definition, Some(service)));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (definition, from) in filters {
        if !seen.insert(definition.value_span) {
            continue;
        }
        let value = definition.value.trim_ascii();
        let Some((port, hop)) = loopback_port(model, value) else {
            continue;
        };
        let Some(listener) = own_listener(model, port) else {
            continue;
        };
        // What the listener does with the mail: its own content_filter, else main.cf's.
        let again = match listener.override_of("content_filter") {
            Some(own) => own.value.trim_ascii().to_string(),
            None => match model.params.get("content_filter") {
                Some(main) => main.value.trim_ascii().to_string(),
                None => String::new(),
            },
        };
        let looped = again == value;
        if !again.is_empty() && !looped {
            // A chain of filters through Postfix: not this rule's.
            continue;
        }
        let name = &listener.name;
        let service = listener.label();
        let whose = match from {
            Some(service) => format!(" (of {})", service.label()),
            None => String::new(),
        };
        let message = match looped {
            true => format!(
                "content_filter{whose} sends mail to {hop}, where this Postfix's own smtpd \
                 ({service}) listens and filters it the same way again: every message goes round \
                 until Postfix refuses it for too many hops"
            ),
            false => format!(
                "content_filter{whose} sends mail to {hop}, where this Postfix's own smtpd \
                 ({service}) listens and turns content_filter off: mail never reaches the filter"
            ),
        };
        let finding = out.report(definition.value_span, message);
        finding.subject(format!("{} {name}", value.to_ascii_lowercase()));
        finding.label("the filter's address");
        finding.secondary(listener.name_span, "this Postfix listens here");
        finding.help(format!(
            "The filter (Amavis listens on 10024 by default) must be the program at the address \
             content_filter names, and Postfix's re-injection smtpd, where the filter sends mail \
             back (with `-o content_filter=`), must listen on another port (10025 by \
             convention). Move `{name}` to another port and tell the filter to send mail back \
             there, or point content_filter at the port the filter listens on. With both on \
             one port, whichever starts first holds it: if Postfix does, mail passes \
             unfiltered; if the filter does, master cannot listen there."
        ));
    }
}

/// The loopback port a content_filter value sends mail to: `smtp-amavis:[127.0.0.1]:10024`
/// (an smtp client with a bracketed loopback address or `[localhost]`), or
/// `lmtp:inet:127.0.0.1:10024`. None for anything else (a pipe, a unix socket, a name looked up
/// in DNS).
fn loopback_port<'v>(model: &Model, value: &'v str) -> Option<(u16, &'v str)> {
    let (transport, hop) = value.split_once(':')?;
    let service = transport_service(model, transport.trim_ascii())?;
    let hop = match program_of(&service.command) {
        "smtp" => hop,
        "lmtp" => hop.strip_prefix("inet:")?,
        _ => return None,
    };
    let destination = Destination::parse(hop)?;
    let bracketed_or_address =
        destination.bracketed || destination.host.parse::<std::net::IpAddr>().is_ok();
    let port = port_number(destination.port.as_deref()?)?;
    (bracketed_or_address && is_loopback(&destination.host)).then_some((port, hop.trim_ascii()))
}

/// The running smtpd inet service of this master.cf that takes connections to `port` on
/// loopback: one with a loopback address of its own, or one without an address while
/// inet_interfaces takes loopback (`all`, `loopback-only`, `localhost`, 127.0.0.1).
fn own_listener(model: &Model, port: u16) -> Option<&Service> {
    let host_listens = interfaces(model).is_some_and(|items| {
        items
            .iter()
            .any(|i| i.eq_ignore_ascii_case("all") || is_loopback(i))
    });
    model.master.running().find(|service| {
        service.kind == "inet"
            && program_of(&service.command) == "smtpd"
            && port_number(port_of(service)) == Some(port)
            && match listener_host(service) {
                Some(host) if !host.is_empty() => is_loopback(host),
                _ => host_listens,
            }
    })
}
