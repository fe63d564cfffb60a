//! A transport that main.cf, master.cf `-o` or a transport table names, which master.cf does
//! not define: the queue manager cannot hand mail to it, and the mail waits in the queue
//! ("connect to transport private/NAME: No such file or directory"). Also the services a
//! running postscreen needs: its `smtpd pass` service, with DNSBL sites dnsblog, and with
//! STARTTLS in its deep protocol tests tlsproxy; the postlog service maillog_file needs; and
//! the services every Postfix needs (rewrite, cleanup, qmgr, bounce, defer, trace), and those
//! the address classes in use go to by default (local, virtual, relay, smtp).

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::ParamLookup;
use crate::model::params::{expand_param, Definition};
use crate::model::restrictions::{service_definition, service_value};
use crate::model::values::program_of;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "undefined-service",
    severity: Severity::Error,
    summary: "a transport named in main.cf, master.cf or a transport table, or a service Postfix, postscreen or maillog_file needs, that master.cf does not define",
    doc: include_str!("../../rules/undefined-service.md"),
    undecided: |model| {
        model.master.open_ended
            || model.master_amended
            || TABLES.iter().any(|p| model.maps_partial(p))
    },
    check,
};

/// Parameters whose value is `transport` or `transport:nexthop`.
pub(super) const TRANSPORTS: &[&str] = &[
    "default_transport",
    "relay_transport",
    "local_transport",
    "virtual_transport",
    "fallback_transport",
    "mailbox_transport",
    "content_filter",
    "address_verify_default_transport",
    "address_verify_relay_transport",
    "address_verify_local_transport",
    "address_verify_virtual_transport",
];

/// Tables whose values are `transport:nexthop`.
pub(super) const TABLES: &[&str] = &[
    "transport_maps",
    "sender_dependent_default_transport_maps",
    "sender_dependent_relay_transport_maps",
    "mailbox_transport_maps",
    "fallback_transport_maps",
];

/// The transport part of `transport:nexthop`; None when empty or not knowable.
pub(super) fn transport_of(value: &str) -> Option<&str> {
    let name = value.trim_ascii().split(':').next()?.trim_ascii();
    // A name with a part postlint cannot know (a template's, a host's) is no name to judge;
    // a next hop it cannot know (`local:$myhostname` off the live server) leaves it known.
    if name.is_empty()
        || name.contains(['$', '{', '}', '%', ' ', '\t', crate::model::expand::UNKNOWN])
    {
        return None;
    }
    Some(name)
}

struct Check<'m> {
    model: &'m Model,
    unix: HashSet<&'m str>,
    seen: HashSet<(Span, String)>,
}

impl Check<'_> {
    fn name(&mut self, name: &str, span: Span, what: &str, out: &mut Findings) {
        if self.unix.contains(name) || !self.seen.insert((span, name.to_string())) {
            return;
        }
        let other = self
            .model
            .master
            .services
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.label());
        let disabled = self
            .model
            .master
            .services
            .iter()
            .any(|s| s.name == name && s.kind == "unix" && s.disabled);
        let shown = super::shorten(name);
        let defined = match &other {
            _ if disabled => {
                format!("which master_service_disable turns off ({shown}/unix)")
            }
            Some(label) => {
                format!("which master.cf defines only as {label}, not as a unix service")
            }
            None => "which master.cf does not define".to_string(),
        };
        let finding = out.report(
            span,
            format!(
                "{what} names the transport `{shown}`, {defined}: the queue manager cannot hand mail to it, and the mail stays in the queue"
            ),
        );
        finding.subject(format!("transport {name}"));
        match &other {
            _ if disabled => {
                finding.label("master(8) does not run it");
            }
            Some(_) => {
                finding.label("the queue manager connects to private/NAME, a unix service");
            }
            None => {
                finding.label("no such master.cf service");
            }
        }
        if disabled {
            finding.help(format!(
                "master_service_disable turns {shown}/unix off, so master(8) never starts it and \
                 nothing listens on private/{shown}. Take it out of master_service_disable, or \
                 send the mail to a transport that runs."
            ));
            return;
        }
        finding.help(format!(
            "Add a `{shown} unix - - n - - ...` service to master.cf (Postfix's own master.cf has \
             smtp, relay, lmtp, local, virtual, error, discard, retry), or name a transport that \
             exists. postfix logs \"connect to transport private/{shown}: No such file or directory\" \
             for every message sent there."
        ));
    }

    fn definition<L: ParamLookup>(&mut self, lookup: &L, d: &Definition, out: &mut Findings) {
        let expanded = expand_param(lookup, &d.name, d.value_ref());
        if !expanded.errors.is_empty() {
            return;
        }
        if let Some(name) = transport_of(&expanded.text) {
            let what = d.name.clone();
            self.name(name, d.value_span, &what, out);
        }
    }
}

fn check(model: &Model, out: &mut Findings) {
    if !model.master.is_known()
        || model.master.open_ended
        || model.master_amended
        || model
            .master
            .placeholders
            .iter()
            .any(|(line, _, _)| model.master.services.iter().any(|s| s.line == *line))
        || model
            .master
            .services
            .iter()
            .any(|s| s.name.contains(['$', '{']))
    {
        return;
    }
    let mut check = Check {
        model,
        unix: model
            .master
            .services
            .iter()
            .filter(|s| s.kind == "unix" && !s.disabled)
            .map(|s| s.name.as_str())
            .chain(bad_line_names(model))
            .collect(),
        seen: HashSet::new(),
    };
    for &param in TRANSPORTS {
        if let Some(d) = model.params.get(param) {
            check.definition(&model.params, d, out);
        }
        for service in &model.master.services {
            if let Some(d) = service.override_of(param) {
                check.definition(&model.params.scoped(service), d, out);
            }
        }
    }
    filter_actions(model, &mut check, out);
    class_transports(model, &check.unix, out);
    postscreen_services(model, out);
    postlog_service(model, out);
    own_services(model, out);
    for &param in TABLES {
        for id in model.maps(param).tables {
            for table in model.tables.known_entry_tables(id) {
                let Some(entries) = model.tables.get(table).entries() else {
                    continue;
                };
                let what = format!("the {param} entry for `{}`", "{key}");
                for entry in entries.iter() {
                    if let Some(name) = transport_of(entry.value) {
                        let what = what.replace("{key}", &super::shorten(entry.key));
                        check.name(name, entry.value_span, &what, out);
                    }
                }
            }
        }
    }
}

/// The services a running postscreen(8) hands its work to: the `pass` service that gets the
/// clients that pass its tests (smtpd_service_name, `smtpd`), and, when it has DNSBL sites,
/// the `unix` service that looks them up (dnsblog_service_name, `dnsblog`). Tutorials often
/// copy the postscreen line and not the lines under it.
fn postscreen_services(model: &Model, out: &mut Findings) {
    // postscreen connects to private/NAME: a public service (private field `n`) is not there.
    let runs = |kind: &str, name: &str| {
        model
            .master
            .running()
            .any(|s| s.kind == kind && s.name == name && s.is_private())
    };
    for postscreen in model
        .master
        .running()
        .filter(|s| program_of(&s.command) == "postscreen")
    {
        let label = postscreen.label();
        let name_of = |param: &str| {
            service_value(model, Some(postscreen), param)
                .filter(|n| !n.is_empty() && !n.contains(['$', '{', '%', ' ']))
        };
        if let Some(smtpd) = name_of("smtpd_service_name") {
            if !runs("pass", &smtpd) {
                let finding = out.report(
                    postscreen.command_span,
                    format!(
                        "postscreen on {label} hands the clients that pass its tests to the \
                         `{smtpd}` pass service, which master.cf {}: every client gets \
                         \"421 4.3.2 All server ports are busy\" and no mail comes in there",
                        defined_as(model, &smtpd, "pass")
                    ),
                );
                finding.subject(format!("postscreen pass service {smtpd}"));
                finding.label(format!("needs `{smtpd} pass ... smtpd`"));
                finding.help(format!(
                    "Add the line postscreen hands connections to, under the postscreen line: \
                     `{smtpd}     pass  -       -       y       -       -       smtpd` (with the \
                     -o options the old port-25 smtpd had). postscreen logs \"warning: cannot \
                     connect to service private/{smtpd}: No such file or directory\" for \
                     each client."
                ));
            }
        }
        if let Some(tlsproxy) = name_of("tlsproxy_service_name") {
            if !runs("unix", &tlsproxy) {
                postscreen_tlsproxy(model, postscreen, &tlsproxy, out);
            }
        }
        let Some(sites) = service_value(model, Some(postscreen), "postscreen_dnsbl_sites") else {
            continue;
        };
        if sites.is_empty() {
            continue;
        }
        let Some(dnsblog) = name_of("dnsblog_service_name") else {
            continue;
        };
        if runs("unix", &dnsblog) {
            continue;
        }
        let finding = out.report(
            postscreen.command_span,
            format!(
                "postscreen on {label} asks the `{dnsblog}` service for its DNSBL lookups, \
                 which master.cf {}: no client is scored against postscreen_dnsbl_sites, and \
                 every listed client is let through",
                defined_as(model, &dnsblog, "unix")
            ),
        );
        finding.subject(format!("postscreen dnsblog service {dnsblog}"));
        finding.label(format!("needs `{dnsblog} unix ... dnsblog`"));
        if let Some(d) = service_definition(model, Some(postscreen), "postscreen_dnsbl_sites") {
            finding.secondary(d.value_span, "the DNSBL sites postscreen cannot look up");
        }
        finding.help(format!(
            "Add `{dnsblog}    unix  -       -       y       -       0       dnsblog` to \
             master.cf. postscreen logs \"warning: psc_dnsbl_request: connect to \
             private/{dnsblog} service: No such file or directory\" for each client, and \
             nothing else shows that the DNSBL checks are off."
        ));
    }
}

/// postscreen's deep protocol tests, which make it speak SMTP itself (postscreen_smtpd.c).
const DEEP_TESTS: [&str; 3] = [
    "postscreen_pipelining_enable",
    "postscreen_non_smtp_command_enable",
    "postscreen_bare_newline_enable",
];

/// A postscreen that runs a deep protocol test and offers STARTTLS in it hands the TLS
/// handshake to the tlsproxy service (`tlsproxy`, here missing): every STARTTLS gets `454
/// 4.7.0 TLS not available due to local problem` (postscreen_starttls.c), and a client that
/// insists on TLS never passes the tests. Silent where the tests, postscreen's TLS level or
/// its EHLO keywords are unknown.
fn postscreen_tlsproxy(
    model: &Model,
    postscreen: &crate::model::master::Service,
    tlsproxy: &str,
    out: &mut Findings,
) {
    use crate::model::tls::{flag, Level};
    let service = Some(postscreen);
    let mut deep = None;
    for param in DEEP_TESTS {
        match flag(model, service, param) {
            Some(true) => {
                deep = Some(param);
                break;
            }
            Some(false) => {}
            None => return,
        }
    }
    let Some(deep) = deep else {
        return;
    };
    // postscreen's TLS level, as postscreen_smtpd.c reads it: the level when set (the levels
    // above encrypt count as encrypt; dane is fatal), else the legacy booleans.
    let Some(level) = service_value(model, service, "postscreen_tls_security_level") else {
        return;
    };
    let (offers, setting) = if level.is_empty() {
        let enforce = flag(model, service, "postscreen_enforce_tls");
        let used = flag(model, service, "postscreen_use_tls");
        match (enforce, used) {
            (Some(true), _) => (true, "postscreen_enforce_tls"),
            (Some(false), Some(used)) => (used, "postscreen_use_tls"),
            _ => return,
        }
    } else {
        match Level::parse(&level) {
            Some(Level::None) => (false, "postscreen_tls_security_level"),
            Some(Level::Dane | Level::DaneOnly) | None => return,
            Some(_) => (true, "postscreen_tls_security_level"),
        }
    };
    if !offers {
        return;
    }
    // STARTTLS left out of postscreen's EHLO reply, or maybe (a table decides per client).
    let Some(discarded) = service_value(model, service, "postscreen_discard_ehlo_keywords") else {
        return;
    };
    let maps = service_value(
        model,
        service,
        "postscreen_discard_ehlo_keyword_address_maps",
    );
    if discarded
        .split([' ', ',', '\t', '\n'])
        .any(|k| k.eq_ignore_ascii_case("starttls"))
        || maps.is_none_or(|m| !m.trim_ascii().is_empty())
    {
        return;
    }
    let label = postscreen.label();
    let deep_value = service_value(model, service, deep).unwrap_or_default();
    let level_text = match service_definition(model, service, setting) {
        Some(d) => format!("{setting} = {}", d.value),
        None => format!(
            "{setting} = {}, the default: {}",
            crate::model::params::default_value(setting).unwrap_or(""),
            service_value(model, service, setting).unwrap_or_default()
        ),
    };
    let finding = out.report(
        postscreen.command_span,
        format!(
            "postscreen on {label} offers STARTTLS in its deep protocol tests ({deep} = \
             {deep_value}; {level_text}) and hands it to the `{tlsproxy}` service, which \
             master.cf {}: each STARTTLS gets \"454 4.7.0 TLS not available due to local \
             problem\", and a client that requires TLS never passes the tests",
            defined_as(model, tlsproxy, "unix")
        ),
    );
    finding.subject(format!("postscreen tlsproxy service {tlsproxy}"));
    finding.label(format!("needs `{tlsproxy} unix ... tlsproxy`"));
    if let Some(d) = service_definition(model, service, deep) {
        finding.secondary(d.value_span, "postscreen speaks SMTP itself for this test");
    }
    finding.help(format!(
        "Add `{tlsproxy}  unix  -       -       y       -       0       tlsproxy` to master.cf \
         (Postfix's own master.cf has it commented out, under the postscreen lines). postscreen \
         logs \"warning: connect to private/{tlsproxy} service: No such file or directory\" \
         for each STARTTLS."
    ));
}

/// The service names of master.cf lines with a bad field (invalid-syntax reports them): master
/// stops on such a line altogether, so its service is not "missing".
fn bad_line_names(model: &Model) -> impl Iterator<Item = &str> {
    model
        .master
        .bad_lines
        .iter()
        .filter_map(|bad| model.sources.slice(bad.span).split_whitespace().next())
}

/// The services every Postfix needs, by the parameter that names each: whether clients
/// reach it in public/ (private field `n`) rather than private/, the rest of its line in
/// Postfix's own master.cf, and what its absence does.
const OWN_SERVICES: &[(&str, bool, &str, &str)] = &[
    (
        "rewrite_service_name",
        false,
        "unix  -       -       y       -       -       trivial-rewrite",
        "smtpd and cleanup ask it to rewrite and resolve every address, so no mail is taken in",
    ),
    (
        "cleanup_service_name",
        true,
        "unix  n       -       y       -       0       cleanup",
        "smtpd and pickup hand every message to it, so no mail is taken in",
    ),
    (
        "queue_service_name",
        true,
        "unix  n       -       n       300     1       qmgr",
        "it delivers what is queued, so mail is taken in and never delivered",
    ),
    (
        "bounce_service_name",
        false,
        "unix  -       -       y       -       0       bounce",
        "it returns undeliverable mail, which stays in the queue instead",
    ),
    (
        "defer_service_name",
        false,
        "unix  -       -       y       -       0       bounce",
        "delivery agents record every deferral with it, so mail that cannot go at once is stuck",
    ),
    (
        "trace_service_name",
        false,
        "unix  -       -       y       -       0       bounce",
        "delivery agents record deliveries that asked for a success notice (DSN NOTIFY=SUCCESS, \
         `sendmail -v`) with it, so such mail is deferred, and `sendmail -bv` gets no report",
    ),
];

/// master.cf without the services Postfix's own master.cf starts with (a minimal master.cf
/// written for a container: smtp, pickup, cleanup, qmgr and nothing else). Each is read by
/// the name its parameter gives; one turned off, of another type, or in the other socket
/// class (clients connect to public/cleanup and public/qmgr, to private/ for the others)
/// counts as missing; qmgr may be a fifo. One finding, at master.cf's first service, naming
/// each missing service.
fn own_services(model: &Model, out: &mut Findings) {
    let Some(first) = model.master.services.first() else {
        return;
    };
    // A fragment to add to a master.cf ("add this to your master.cf": a pipe service or two)
    // holds none of Postfix's own queue services; a whole master.cf holds some of them, or is
    // known to be whole (live, a system image, copied to /etc/postfix/master.cf).
    if !judged_whole(model) {
        return;
    }
    let mut missing = Vec::new();
    for &(param, public, line, effect) in OWN_SERVICES {
        let param_value = model.params.param(param);
        let Some(name) = param_value.known() else {
            return;
        };
        let present = bad_line_names(model).any(|n| n == name)
            || model.master.running().any(|s| {
                s.name == name
                    && s.is_private() != public
                    && (s.kind == "unix" || (param == "queue_service_name" && s.kind == "fifo"))
            });
        if !present {
            missing.push((name.to_string(), line, effect));
        }
    }
    if missing.is_empty() {
        return;
    }
    let names: Vec<String> = missing.iter().map(|(n, _, _)| format!("`{n}`")).collect();
    let effects: Vec<String> = missing
        .iter()
        .map(|(n, _, effect)| format!("{n}: {effect}"))
        .collect();
    let finding = out.report(
        first.command_span,
        format!(
            "master.cf has no {} service as Postfix needs it ({})",
            names.join(", "),
            effects.join("; ")
        ),
    );
    finding.subject(format!("own services {}", names.join(" ")));
    finding.label("master.cf's services start here");
    let lines: Vec<String> = missing
        .iter()
        .map(|(name, line, _)| format!("`{name:<9} {line}`"))
        .collect();
    finding.help(format!(
        "Add the lines Postfix's own master.cf has for them: {}. A master.cf cut down to a few \
         services stops Postfix working in ways the log shows only as \"connect to \
         private/NAME: No such file or directory\".",
        lines.join(", ")
    ));
}

/// Whether master.cf is the whole file rather than a fragment to add to one ("add this to your
/// master.cf": a pipe service or two): it holds some of Postfix's own queue services, or is
/// known to be whole (live, a system image, copied to /etc/postfix/master.cf).
fn judged_whole(model: &Model) -> bool {
    model.master_whole
        || model
            .master
            .services
            .iter()
            .any(|s| matches!(program_of(&s.command), "pickup" | "cleanup" | "qmgr"))
}

/// The address classes and the transport each hands its mail to, when the transport
/// parameter is not written (its default names a service Postfix's own master.cf has): the
/// parameter that lists the class's domains (None: every domain of no other class), what its
/// mail is, and the line Postfix's own master.cf has for the default service.
const CLASS_TRANSPORTS: &[(Option<&str>, &str, &str, &str)] = &[
    (
        Some("mydestination"),
        "local_transport",
        "mail for mydestination's domains (local users and aliases)",
        "unix  -       n       n       -       -       local",
    ),
    (
        Some("virtual_mailbox_domains"),
        "virtual_transport",
        "mail for virtual_mailbox_domains' mailboxes",
        "unix  -       n       n       -       -       virtual",
    ),
    (
        Some("relay_domains"),
        "relay_transport",
        "mail for relay_domains",
        "unix  -       -       y       -       -       smtp",
    ),
    (
        None,
        "default_transport",
        "mail for every other domain (outbound mail, and bounces to remote senders)",
        "unix  -       -       y       -       -       smtp",
    ),
];

/// Whether a list parameter has something in it: Some(false) when known and empty, None when
/// a part postlint cannot know may be all of it.
fn has_items(model: &Model, param: &str) -> Option<bool> {
    let expanded = model.params.expand(param);
    let known = expanded
        .text
        .split([' ', ',', '\t', '\n', '\r'])
        .any(|item| !item.is_empty() && !item.contains(crate::model::expand::UNKNOWN));
    if known {
        Some(true)
    } else if expanded.has_unknown() {
        None
    } else {
        Some(false)
    }
}

/// Whether relay_domains names only what mydestination names (`relay_domains =
/// $mydestination`, the default below compatibility level 2): trivial-rewrite finds those
/// domains local first, so no mail goes to relay_transport for them.
fn relay_within_local(model: &Model) -> bool {
    let items = |param: &str| {
        let text = model.params.expand(param).text;
        text.split([' ', ',', '\t', '\n', '\r'])
            .filter(|item| !item.is_empty())
            .map(str::to_ascii_lowercase)
            .collect::<HashSet<String>>()
    };
    items("relay_domains").is_subset(&items("mydestination"))
}

/// An address class in use whose transport parameter is not written and whose default service
/// a whole master.cf lacks: a master.cf cut down for a container (smtp, pickup, cleanup, qmgr)
/// with mydestination still holding domains. trivial-rewrite resolves their mail to
/// `local:$myhostname`, and the queue manager finds no private/local. Silent where a
/// transport table or sender-dependent table may send the class elsewhere, where a
/// trivial-rewrite service's `-o` sets the transport, and where what it depends on is unknown.
fn class_transports(model: &Model, unix: &HashSet<&str>, out: &mut Findings) {
    let Some(first) = model.master.services.first() else {
        return;
    };
    if !judged_whole(model) || has_items(model, "transport_maps") != Some(false) {
        return;
    }
    // trivial-rewrite resolves the class's transport: options it takes that postlint cannot
    // read (a template's `-o {{ name }}=...`) may set any of them.
    if model
        .master
        .services
        .iter()
        .any(|s| program_of(&s.command) == "trivial-rewrite" && s.unknown_options.is_some())
    {
        return;
    }
    // Only trivial-rewrite reads the class transports: an `-o` elsewhere (an smtpd's) changes
    // nothing (override-unused says so).
    let overridden = |param: &str| {
        model.params.get(param).is_some()
            || model.master.services.iter().any(|s| {
                program_of(&s.command) == "trivial-rewrite" && s.override_of(param).is_some()
            })
    };
    for &(domains, param, mail, line) in CLASS_TRANSPORTS {
        let sender_dependent = match param {
            "default_transport" => Some("sender_dependent_default_transport_maps"),
            "relay_transport" => Some("sender_dependent_relay_transport_maps"),
            _ => None,
        };
        if overridden(param)
            || sender_dependent.is_some_and(|maps| has_items(model, maps) != Some(false))
            || domains.is_some_and(|d| has_items(model, d) != Some(true))
            || (param == "relay_transport" && relay_within_local(model))
        {
            continue;
        }
        let value = model.params.param(param);
        // `local:$myhostname`: the next hop may be unknown off the live server.
        let Some(name) = transport_of(&value.expanded.text) else {
            continue;
        };
        if unix.contains(name) {
            continue;
        }
        let default = value.raw.as_deref().unwrap_or(name);
        let shown = super::shorten(name);
        let finding = out.report(
            first.command_span,
            format!(
                "{mail} goes to {param}, which is not set: its default `{default}` names the \
                 `{shown}` service, which master.cf {}. The queue manager cannot hand that mail \
                 to it, and it stays in the queue",
                defined_as(model, name, "unix")
            ),
        );
        finding.subject(format!("transport {name}"));
        finding.label("master.cf's services start here");
        if let Some(d) = domains.and_then(|d| model.params.get(d)) {
            finding.secondary(d.value_span, format!("these domains go to {param}"));
        }
        // An `-o` on a service that does not resolve addresses: it changes nothing.
        for service in &model.master.services {
            if let Some(d) = service.override_of(param) {
                finding.secondary(
                    d.value_span,
                    format!("only trivial-rewrite reads {param}: this -o changes nothing"),
                );
            }
        }
        finding.help(format!(
            "Add the line Postfix's own master.cf has: `{shown:<9} {line}`, or set {param} in \
             main.cf to a transport master.cf has. Postfix logs \"connect to transport \
             private/{shown}: No such file or directory\" for every such message."
        ));
    }
}

/// `maillog_file` (logging to a file instead of syslog) needs the `postlog unix-dgram`
/// service that postlogd(8) runs: `postfix start`, `start-fg` and `check` run postfix-script's
/// check-fatal, which asks `postconf -M postlog/unix-dgram` and refuses to go on without it
/// ("missing 'postlog' service in master.cf"). Container images log to /dev/stdout this way
/// and copy an older master.cf.
fn postlog_service(model: &Model, out: &mut Findings) {
    let Some(def) = model.params.get("maillog_file") else {
        return;
    };
    let param = model.params.param("maillog_file");
    let Some(file) = param.known() else {
        return;
    };
    if file.trim_ascii().is_empty()
        || model
            .master
            .services
            .iter()
            .any(|s| s.name == "postlog" && s.kind == "unix-dgram")
    {
        return;
    }
    let finding = out.report(
        def.value_span,
        "maillog_file is set, and master.cf has no `postlog unix-dgram` service: `postfix \
         start` (and start-fg, and check) stops with \"fatal: missing 'postlog' service in \
         master.cf\", and Postfix does not run",
    );
    finding.subject("postlog service");
    finding.label("needs `postlog unix-dgram ... postlogd`");
    finding.help(
        "Add the line Postfix 3.4 and later ship in master.cf: `postlog   unix-dgram n  -       \
         n       -       1       postlogd` (`postfix upgrade-configuration` adds it), or log \
         through syslog by leaving maillog_file empty.",
    );
}

/// How master.cf has a service postscreen needs: not at all, only turned off, or of another
/// type.
fn defined_as(model: &Model, name: &str, kind: &str) -> String {
    let same_name: Vec<&crate::model::master::Service> = model
        .master
        .services
        .iter()
        .filter(|s| s.name == name)
        .collect();
    match same_name.iter().find(|s| s.kind == kind) {
        Some(s) if !s.is_private() => {
            "defines as public (private field `n`, so its socket is in public/, not private/)"
                .to_string()
        }
        Some(_) => format!("turns off (master_service_disable has {name}.{kind})"),
        None => match same_name.first() {
            Some(other) => format!("defines only as {}", other.label()),
            None => "does not define".to_string(),
        },
    }
}

/// Parameters whose tables answer with actions, `FILTER transport:nexthop` among them: the
/// content checks cleanup(8) runs, besides smtpd's restriction lists and classes.
const ACTION_CHECKS: &[&str] = &[
    "header_checks",
    "mime_header_checks",
    "nested_header_checks",
    "body_checks",
];

/// `FILTER transport:nexthop` results of access tables (in smtpd's restriction lists and
/// classes) and of header and body checks: cleanup(8) records the transport as the message's
/// content filter, and the queue manager hands the message to it.
fn filter_actions(model: &Model, check: &mut Check, out: &mut Findings) {
    let classes = model.params.expand("smtpd_restriction_classes").text;
    let params = model
        .params
        .defined_names()
        .into_iter()
        .filter(|name| {
            name.ends_with("_restrictions")
                || ACTION_CHECKS.contains(name)
                || crate::parse::list::split_list(&classes)
                    .into_iter()
                    .any(|r| &classes[r] == *name)
        })
        .map(str::to_string)
        .collect::<Vec<_>>();
    let filter_of = |value: &str| -> Option<String> {
        let (action, rest) = value.trim_ascii_start().split_once([' ', '\t'])?;
        action
            .eq_ignore_ascii_case("FILTER")
            .then(|| transport_of(rest).map(str::to_string))
            .flatten()
    };
    let mut seen_tables = HashSet::new();
    for param in &params {
        let list = model.maps(param).tables;
        let tables = list
            .iter()
            .flat_map(|&id| model.tables.known_entry_tables(id))
            .chain(model.tables.pattern_tables_of(&list));
        for table_id in tables {
            if !seen_tables.insert(table_id) {
                continue;
            }
            let table = model.tables.get(table_id);
            if let Some(entries) = table.entries() {
                for entry in entries.iter() {
                    if let Some(name) = filter_of(entry.value) {
                        let what = format!(
                            "the FILTER action of `{}` in {}",
                            super::shorten(entry.key),
                            table.reference()
                        );
                        check.name(&name, entry.value_span, &what, out);
                    }
                }
            }
            if let Some(patterns) = table.patterns() {
                for rule in &patterns.rules {
                    let crate::model::patterns::Op::Match { result, .. } = &rule.op else {
                        continue;
                    };
                    if let Some(name) = filter_of(&result.text) {
                        let what = format!(
                            "the FILTER action of the rule on line {} of {}",
                            rule.line,
                            table.reference()
                        );
                        check.name(&name, rule.span, &what, out);
                    }
                }
            }
        }
    }
}
