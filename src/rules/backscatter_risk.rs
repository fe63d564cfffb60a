//! Mail accepted for recipients that do not exist, to be bounced later to a forged sender
//! (backscatter): relay_domains without relay_recipient_maps, virtual mailbox domains that
//! Dovecot (or another store) delivers without virtual_mailbox_maps, an empty
//! local_recipient_maps, permit_mx_backup, luser_relay.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::ClassKind;
use crate::model::restrictions::{smtpd_processes, LIST_PARAMS};
use crate::model::tables::Answer;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "backscatter-risk",
    severity: Severity::Warning,
    summary: "mail accepted for recipients that do not exist, bounced later to forged senders (relay_domains without relay_recipient_maps, virtual mailbox domains without virtual_mailbox_maps, empty local_recipient_maps, permit_mx_backup, luser_relay)",
    doc: include_str!("../../rules/backscatter-risk.md"),
    undecided: |model| {
        relay_domains_unseen(model)
            || filtered_by_pipe(model)
            || (model.params.is_set("virtual_mailbox_domains")
                && crate::model::values::virtual_mailbox_maps_empty(model)
                && catch_alls_unseen(model))
    },
    check,
};

/// Whether virtual_alias_maps may hold catch-alls postlint cannot see (`@example.com`, which
/// take a domain's mail whole before it reaches the transport): the list or one of its tables
/// is unknown (a file outside the tree, an SQL table, a table an Ansible task fills in).
fn catch_alls_unseen(model: &Model) -> bool {
    let aliases = model.maps("virtual_alias_maps");
    aliases.unknown
        || aliases
            .tables
            .iter()
            .any(|&t| model.tables.unknown_reason(t).is_some())
}

/// Whether every smtpd hands all the mail it takes to a content filter that a pipe(8) command
/// runs (`-o content_filter=filter:dummy`): what becomes of the mail then is the command's
/// to decide (it may put it back with sendmail, or keep it, as a mail-to-something gateway
/// does), so whether Postfix's agents ever see, and bounce, a name that does not exist cannot
/// be known. A filter over SMTP or LMTP (amavis) sends the mail back.
///
/// Only the smtpds other hosts reach count: a loopback listener (the reinjection smtpd the
/// filter hands mail back to) takes mail from this host's programs, which forge no senders.
fn filtered_by_pipe(model: &Model) -> bool {
    use crate::model::listen::{reach, Reach};
    let smtpds: Vec<_> = smtpd_processes(model)
        .into_iter()
        .filter(|smtpd| reach(model, smtpd.service) != Reach::Local)
        .collect();
    let headers_filter = headers_filter_to_pipe(model);
    !smtpds.is_empty()
        && smtpds.iter().all(|smtpd| {
            let by_content_filter = smtpd
                .value(model, "content_filter")
                .is_some_and(|filter| !filter.trim_ascii().is_empty() && is_pipe(model, &filter));
            // cleanup(8) runs header_checks on the mail of an smtpd that uses the default
            // cleanup service and does not turn the checks off.
            let by_headers = headers_filter
                && smtpd
                    .value(model, "cleanup_service_name")
                    .is_some_and(|c| c.trim_ascii() == "cleanup")
                && smtpd
                    .value(model, "receive_override_options")
                    .is_some_and(|o| !o.contains("no_header_body_checks"));
            by_content_filter || by_headers
        })
}

fn is_pipe(model: &Model, transport: &str) -> bool {
    crate::model::values::transport_program(model, transport) == Some("pipe")
}

/// Whether main.cf's header_checks give every message a content filter that pipe(8) runs
/// (`/^/ FILTER handler:`): the rule that answers the header lines every message has
/// (smtpd's `Received:`) and other common ones is one and the same, with a `FILTER` action to
/// a pipe transport. Each header line a rule matches sets the message's filter, the last one
/// wins, and one rule that answers every line leaves no other.
fn headers_filter_to_pipe(model: &Model) -> bool {
    let checks = model.maps("header_checks");
    if checks.unknown || checks.tables.is_empty() {
        return false;
    }
    const LINES: [&str; 5] = [
        "Received: from mail.example.net (mail.example.net [192.0.2.1])",
        "From: Someone <someone@example.net>",
        "To: postmaster@example.com",
        "Subject: hello",
        "Message-ID: <1234@example.net>",
    ];
    let mut rule = None;
    for line in LINES {
        let Answer::Found(Some(hit)) = model.tables.lookup_in(&checks.tables, line) else {
            return false;
        };
        if rule.is_some_and(|r| r != hit) {
            return false;
        }
        rule = Some(hit);
        let Some(action) = model.tables.hit_value(hit, line) else {
            return false;
        };
        let mut words = action.split_ascii_whitespace();
        let filtered = words
            .next()
            .is_some_and(|a| a.eq_ignore_ascii_case("FILTER"))
            && words.next().is_some_and(|t| is_pipe(model, t));
        if !filtered {
            return false;
        }
    }
    true
}

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
    if listens_beyond_loopback(model) && !filtered_by_pipe(model) {
        relay_without_recipients(model, out);
        mailboxes_without_maps(model, out);
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

/// Whether relay_recipient_maps is set to nothing (written empty, or left at its default).
fn relay_recipients_unset(model: &Model) -> bool {
    let maps = model.params.expand("relay_recipient_maps");
    !maps.has_unknown() && maps.text.trim_ascii().is_empty()
}

/// relay_domains is written, relay_recipient_maps is not set, and some relay domains are what
/// postlint cannot see (a table it cannot read, a template expression): whether smtpd accepts
/// made-up names for one of them is unknown.
fn relay_domains_unseen(model: &Model) -> bool {
    if model.params.get("relay_domains").is_none() || !relay_recipients_unset(model) {
        return false;
    }
    // `relay_domains = $mydestination` (the old default, often written out) lists local
    // domains only, which mydestination takes first: unknown ones there are no relay domains.
    if let Some(raw) = model.params.param("relay_domains").raw {
        let items = crate::parse::list::split_list(&raw);
        if !items.is_empty()
            && items
                .into_iter()
                .all(|r| is_reference_to(&raw[r], "mydestination"))
        {
            return false;
        }
    }
    model.class(ClassKind::Relay).unknown_members
        || model.params.expand("relay_domains").has_unknown()
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
    // Only a domain postlint sees counts. A value that is a template expression or a
    // placeholder may well be empty, and so may a table whose answers postlint cannot read
    // (SQL, a file generated at run time): relay domains are an optional feature (iRedMail's
    // backup-MX table, Mailman's list domains, which may all be local ones), and the rule
    // cannot decide then (`relay_domains_unseen`).
    let relays = class.numbered_members(&model.tables).any(|(slot, member)| {
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
    if !relay_recipients_unset(model) {
        return;
    }
    // Address verification asks the next server, when an SMTP or LMTP client takes the mail;
    // the relay domains' transports are looked up only where a list asks for it.
    if !accepts_any_recipient(model, "relay_recipient_maps", || {
        relay_domains_probed(model, class)
    }) {
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

/// Virtual mailbox domains delivered by a program that knows its own users (Dovecot or Cyrus
/// over LMTP, dovecot-lda through pipe(8), another server over SMTP) while virtual_mailbox_maps
/// is empty: smtpd asks that table only when it is set (smtpd_check.c), so it accepts every
/// address of the domains, and the program's refusal of a made-up one becomes a bounce. When
/// virtual(8) delivers, it bounces every message: virtual-without-mailbox-maps says so.
fn mailboxes_without_maps(model: &Model, out: &mut Findings) {
    use crate::model::restrictions::service_value;
    use crate::model::values::{virtual_delivers, virtual_mailbox_maps_empty};
    let Some(def) = model.params.get("virtual_mailbox_domains") else {
        return; // the default, $virtual_mailbox_maps, is empty with the maps
    };
    if def.conditional || !virtual_mailbox_maps_empty(model) {
        return;
    }
    if virtual_delivers(model) != Some(false) {
        return;
    }
    // A main.cf that writes neither is often completed when it is deployed (a container's
    // start script sets both with postconf): decide only on what was written, or on a system.
    let transport_written = model.params.get("virtual_transport");
    if transport_written.is_none()
        && model.params.get("virtual_mailbox_maps").is_none()
        && !model.locator.mode.is_system_image()
    {
        return;
    }
    let Some(transport) = service_value(model, None, "virtual_transport") else {
        return;
    };
    if !refuses_unknown_users(model, &transport) {
        return;
    }
    let probed =
        || crate::model::values::transport_program(model, &transport).is_some_and(is_smtp_client);
    if !accepts_any_recipient(model, "virtual_mailbox_maps", probed) {
        return;
    }
    // The domains: those that resolve as virtual mailbox domains, less those a catch-all alias
    // takes whole (`@example.com`, whose mail no longer reaches the transport as made-up
    // names). Unlike relay domains, which are an optional feature, the virtual mailbox
    // domains are what a server that delivers them to Dovecot is for: a table postlint cannot
    // read (SQL) or a template expression (`{{ mail_domain }}`) lists some.
    // A virtual_alias_maps table postlint cannot read may hold the catch-alls: then no domain
    // is known to reach the transport (the rule is undecided).
    let class = model.class(ClassKind::VirtualMailbox);
    let value_unknown = model.params.expand("virtual_mailbox_domains").has_unknown();
    let aliases = model.maps("virtual_alias_maps");
    if catch_alls_unseen(model) {
        return;
    }
    let hosted = class.unknown_members
        || value_unknown
        || class.numbered_members(&model.tables).any(|(slot, member)| {
            // A name without a dot (`OK` of a list file written as a table) is no domain other
            // servers send mail to.
            !member.domain.contains('*')
                && member.domain.contains('.')
                && matches!(
                    model.member_class(ClassKind::VirtualMailbox, slot),
                    Some(crate::model::Resolved::Class(ClassKind::VirtualMailbox, _))
                )
                && matches!(
                    aliases.lookup_partial(&model.tables, &format!("@{}", member.domain)),
                    crate::model::tables::Answer::NotFound
                )
        });
    if !hosted {
        return;
    }
    let finding = out.report(
        def.value_span,
        format!(
            "virtual_mailbox_domains without virtual_mailbox_maps: smtpd accepts mail for any address in these domains, and {transport} refuses the unknown ones only after the session, so they are bounced"
        ),
    );
    finding.subject("virtual_mailbox_maps");
    finding.label("smtpd cannot tell which mailboxes here exist");
    if let Some(written) = transport_written {
        finding.secondary(written.value_span, "delivers them, and knows its users");
    }
    finding.help(format!(
        "Set virtual_mailbox_maps to the mailboxes (a table of `user@example.com x` lines, or \
         the query your delivery agent's user database answers, such as Dovecot's users table \
         through mysql:), so smtpd rejects unknown recipients during the SMTP session; \
         virtual_transport still delivers. Or have smtpd ask the delivery agent with \
         `reject_unverified_recipient`. {BACKSCATTER}"
    ));
}

/// Whether some smtpd that takes mail from other servers accepts every recipient address of
/// the domains `maps` would list: port 25 (or the `pass` service behind postscreen), reachable
/// from the network, or the stock smtpd without master.cf; with `maps` empty as it reads it
/// (`-o` may set it), and no restriction that checks recipients another way:
/// `reject_unverified_recipient` when `probed()` says so (address verification asks the next server only
/// through an SMTP or LMTP client; other delivery agents report any address deliverable), or a
/// list postlint cannot read. A policy server does not count: those seen in setups check SPF,
/// greylist or rate-limit, and accept what they do not know. Submission ports take mail from
/// users who log in, whose mistakes bounce to themselves.
fn accepts_any_recipient(model: &Model, maps: &str, probed: impl Fn() -> bool) -> bool {
    use crate::model::listen::{is_port_25, reach, Reach};
    smtpd_processes(model).iter().any(|smtpd| {
        let from_servers = smtpd.service.is_none_or(|s| {
            (is_port_25(s) || s.kind == "pass") && reach(model, Some(s)) != Reach::Local
        });
        from_servers
            && smtpd.value(model, maps).is_some_and(|v| v.is_empty())
            && LIST_PARAMS.iter().all(|p| {
                let Some(list) = smtpd.list(model, p) else {
                    return smtpd.definition(model, p).is_none();
                };
                !(list
                    .iter()
                    .any(|w| w.text.eq_ignore_ascii_case("reject_unverified_recipient"))
                    && probed())
            })
    })
}

/// Whether address verification would ask the next server about the relay domains' users:
/// each known domain's transport (its transport_maps entry, else relay_transport) is an SMTP
/// or LMTP client. A domain postlint cannot route counts as asked: unknown stays silent.
fn relay_domains_probed(model: &Model, class: &crate::model::classes::AddressClass) -> bool {
    use crate::model::resolve::domain_transport;
    let relay = crate::model::restrictions::service_value(model, None, "relay_transport");
    let probed = |transport: Option<String>| {
        let transport = match transport {
            Some(t) if !t.split(':').next().unwrap_or("").trim_ascii().is_empty() => Some(t),
            _ => relay.clone(),
        };
        transport.is_none_or(|t| {
            crate::model::values::transport_program(model, &t).is_none_or(is_smtp_client)
        })
    };
    let maps = model.maps("transport_maps");
    if class.unknown_members && (maps.unknown || !maps.tables.is_empty()) {
        return true;
    }
    (!class.unknown_members || probed(None))
        && class
            .members(&model.tables)
            .all(|m| domain_transport(model, m.domain).map_or(true, probed))
}

/// The program a transport (`lmtp:unix:private/dovecot-lmtp`, `relay`) runs: its master.cf
/// service's, or without master.cf the stock service of that name's. None when postlint
/// cannot know it.
fn is_smtp_client(program: &str) -> bool {
    matches!(program, "smtp" | "lmtp")
}

/// Whether the transport's program refuses a recipient it has no user for: an LMTP or SMTP
/// client (Dovecot, Cyrus, another server answer 550), or pipe(8) running dovecot-lda or
/// Cyrus deliver. Another pipe may take any name (a ticket system), so no.
fn refuses_unknown_users(model: &Model, transport: &str) -> bool {
    let Some(program) = crate::model::values::transport_program(model, transport) else {
        return false;
    };
    if is_smtp_client(program) {
        return true;
    }
    if program != "pipe" {
        return false;
    }
    let name = transport.split(':').next().unwrap_or("").trim_ascii();
    let Some(service) = crate::model::tls::transport_service(model, name) else {
        return false;
    };
    service.args.iter().any(|a| {
        let arg = model.sources.slice(*a);
        let Some(command) = arg.strip_prefix("argv=") else {
            return false;
        };
        let program = command.rsplit('/').next().unwrap_or(command);
        matches!(program, "dovecot-lda" | "deliver" | "cyrdeliver")
    })
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
    // local(8) passes the names it does not know to fallback_transport_maps or
    // fallback_transport before it would bounce them (local/unknown.c): discard(8) drops them,
    // and another transport (Dovecot's LMTP, a pipe) decides for itself. Only error(8) still
    // bounces them.
    let fallback_maps = model.params.expand("fallback_transport_maps");
    if fallback_maps.has_unknown() || !fallback_maps.text.trim_ascii().is_empty() {
        return;
    }
    let fallback = model.params.expand("fallback_transport");
    let fallback_text = fallback.text.trim_ascii();
    if fallback.has_unknown()
        || (!fallback_text.is_empty()
            && crate::model::values::transport_program(model, fallback_text) != Some("error"))
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
        forwarded_local_domains(model, def.span(), out);
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

/// A local domain that transport_maps sends on to another server (a backup MX that lists its
/// domains in mydestination), while local_recipient_maps is empty: smtpd accepts any name
/// there, and the server that gets the mail refuses the names it does not have, after the
/// session: the bounce goes to the forged sender.
fn forwarded_local_domains(model: &Model, span: Span, out: &mut Findings) {
    let class = model.class(ClassKind::Local);
    let forwarded = class
        .members(&model.tables)
        .filter(|m| !m.domain.starts_with("localhost"))
        .find_map(|m| {
            let transport = crate::model::resolve::domain_transport(model, m.domain).ok()??;
            let (_, next_hop) = transport.split_once(':')?;
            let next_hop = next_hop.trim();
            let smtp = crate::model::values::transport_program(model, &transport)
                .is_some_and(is_smtp_client);
            (smtp && !next_hop.is_empty()).then(|| (m.written.to_string(), next_hop.to_string()))
        });
    let Some((domain, next_hop)) = forwarded else {
        return;
    };
    let finding = out.report(
        span,
        format!(
            "local_recipient_maps is empty: smtpd accepts mail for any name at {domain}, which transport_maps sends on to {next_hop}; the names it does not have are bounced from here"
        ),
    );
    finding.subject("local_recipient_maps");
    finding.label("no table of valid recipients: every recipient is accepted");
    finding.help(format!(
        "A domain this server passes on to another (a backup MX, a gateway) needs the list of \
         its valid addresses here, or smtpd takes mail for names that do not exist and the \
         next server refuses it after the session. Move the domain from mydestination to \
         relay_domains and list its users in relay_recipient_maps (or keep it local and list \
         them in local_recipient_maps). {BACKSCATTER}"
    ));
}

/// Whether a list item is a reference to the parameter `name` and nothing else (`$name`,
/// `${name}`, `$(name)`).
fn is_reference_to(item: &str, name: &str) -> bool {
    let inner = item
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| item.strip_prefix("$(").and_then(|r| r.strip_suffix(')')))
        .or_else(|| item.strip_prefix('$'));
    inner == Some(name)
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
        .any(|r| is_reference_to(&raw[r], "myhostname"))
}

/// mydestination, as main.cf writes it, lists `$myhostname` or `$mydomain` while main.cf
/// writes that name with a value postlint cannot know (a template expression): a name of the
/// host, not localhost.
fn templated_host_name_is_local(model: &Model) -> bool {
    let Some(raw) = model.params.param("mydestination").raw else {
        return false;
    };
    crate::parse::list::split_list(&raw).into_iter().any(|r| {
        ["myhostname", "mydomain"].iter().any(|&name| {
            is_reference_to(&raw[r.clone()], name)
                && model.params.get(name).is_some()
                && model.params.expand(name).has_unknown()
        })
    })
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
    // smtpd refuses an unknown local name at RCPT while local_recipient_maps names tables
    // (its default, `proxy:unix:passwd.byname $alias_maps`): luser_relay then sees only mail
    // that is already inside. Only with `local_recipient_maps =` does it take outsiders' mail
    // (postconf(5), luser_relay).
    let recipients = model.params.expand("local_recipient_maps");
    if recipients.has_unknown() || !recipients.text.trim_ascii().is_empty() {
        return;
    }
    // As for `local_recipient_maps =`: mail for made-up names at localhost does not come from
    // outside; a real local domain, or the host's own name, does (one a template writes,
    // `myhostname = {{ mail_hostname }}`, included). A mydestination that is unknown as a
    // whole (a start script sets it) decides nothing.
    if model
        .class(ClassKind::Local)
        .members(&model.tables)
        .all(|m| m.domain.starts_with("localhost"))
        && !host_name_is_local(model)
        && !templated_host_name_is_local(model)
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
