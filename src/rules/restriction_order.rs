//! Restriction lists in an order that defeats them: entries after `permit`, `reject` or
//! `defer` that never run; an address probe (`reject_unverified_recipient`) that runs before
//! any relay check, so the server probes any address an outsider names; and a reject that
//! catches the server's own users before `permit_sasl_authenticated` lets them through; and a
//! sender login check after that permit, which never sees a user who logged in.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::UNKNOWN;
use crate::model::restrictions::{
    has_required, restriction, smtpd_processes, Answer, Smtpd, Word, LIST_PARAMS, RELAY_REQUIRED,
};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "restriction-order",
    severity: Severity::Warning,
    summary: "restrictions in an order that defeats them: entries after permit/reject that never run, address probes before the relay check, rejects before permit_sasl_authenticated, sender login checks after it",
    doc: include_str!("../../rules/restriction-order.md"),
    undecided: super::always_decides,
    check,
};

/// Rejects that hit a mail client of the server's own users (dynamic addresses on
/// blocklists, home connections without reverse DNS, HELO names like `laptop` that are no
/// full domain name and have no DNS record). Not the HELO syntax checks
/// (`reject_invalid_helo_hostname`): mail programs send valid names (`DESKTOP-1234`,
/// `[192.168.1.5]`).
const CATCHES_USERS: &[&str] = &[
    "reject_rbl_client",
    "reject_rhsbl_client",
    "reject_rhsbl_reverse_client",
    "reject_unknown_client_hostname",
    "reject_unknown_client",
    "reject_unknown_reverse_client_hostname",
    "reject_non_fqdn_helo_hostname",
    "reject_non_fqdn_hostname",
    "reject_unknown_helo_hostname",
    "reject_unknown_hostname",
];

/// One restriction of a list: its words (the name and its argument).
struct Entry<'w> {
    name: String,
    words: &'w [Word],
}

/// A list as smtpd walks it: each restriction with its argument.
fn entries<'w>(model: &Model, list: &'w [Word]) -> Vec<Entry<'w>> {
    let release = model.target.release();
    let mut out = Vec::new();
    let mut i = 0;
    while i < list.len() {
        let name = list[i].text.to_ascii_lowercase();
        let takes = match restriction(&name, release) {
            Ok(known) if known.takes != "no" => 2,
            _ => 1,
        };
        let end = (i + takes).min(list.len());
        out.push(Entry {
            name,
            words: &list[i..end],
        });
        i = end;
    }
    out
}

fn span_of(words: &[Word]) -> Option<Span> {
    let first = words.first()?.span?;
    match words.last().and_then(|w| w.span) {
        Some(last) if last.file == first.file => Some(first.to(last)),
        _ => Some(first),
    }
}

fn written(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn check(model: &Model, out: &mut Findings) {
    let mut seen: HashSet<Span> = HashSet::new();
    for smtpd in smtpd_processes(model) {
        let lists = smtpd.lists_with(model, Smtpd::list);
        for (param, list) in &lists {
            if list.iter().any(|w| w.text.contains(UNKNOWN)) {
                continue;
            }
            unreachable(model, &smtpd, param, list, &mut seen, out);
            sasl_too_late(model, &smtpd, param, list, &mut seen, out);
        }
        login_check_after_sasl_permit(model, &smtpd, &lists, &mut seen, out);
        probes_before_relay_check(model, &smtpd, &mut seen, out);
    }
    super::drop_glued_lines(model, out);
}

/// Entries after `permit`, `reject` or `defer`: smtpd stops at those ("restriction `X' after
/// `permit' is ignored").
///
/// A restriction class whose own list ends in one of those decides the same way for every
/// request it gets (`verify_sender = reject_unverified_sender, permit` first in
/// smtpd_recipient_restrictions: nothing after it runs). smtpd logs nothing for it.
fn unreachable(
    model: &Model,
    smtpd: &Smtpd,
    param: &str,
    list: &[Word],
    seen: &mut HashSet<Span>,
    out: &mut Findings,
) {
    let all = entries(model, list);
    let mut warned = false;
    for (i, entry) in all.iter().enumerate() {
        if entry.name == "warn_if_reject" {
            warned = true;
            continue;
        }
        let decides = |name: &str| matches!(name, "permit" | "reject" | "defer");
        // The class's own last restriction, when it decides unconditionally (the class is
        // looked up by its name as written: smtpd's class names are case-sensitive).
        let by_class = entry.words.first().and_then(|w| {
            let class = smtpd.classes.get(&w.text)?.as_ref()?;
            let inner = entries(model, class);
            let last = inner.last()?;
            let after_warn = inner.len() >= 2 && inner[inner.len() - 2].name == "warn_if_reject";
            (decides(&last.name) && !after_warn).then(|| last.name.clone())
        });
        let ends = (decides(&entry.name) || by_class.is_some()) && !warned;
        warned = false;
        if !ends || i + 1 == all.len() {
            continue;
        }
        let rest = &all[i + 1..];
        let (Some(first), Some(stop)) = (span_of(rest[0].words), span_of(entry.words)) else {
            continue;
        };
        let last = rest.last().and_then(|e| span_of(e.words)).unwrap_or(first);
        let span = if last.file == first.file {
            first.to(last)
        } else {
            first
        };
        if !seen.insert(span) {
            continue;
        }
        let names: Vec<String> = rest.iter().map(|e| written(e.words)).collect();
        let finding = out.report(
            span,
            format!(
                "{} in {param} never {} : `{}` before {} ends the list",
                if names.len() == 1 {
                    format!("`{}`", crate::rules::shorten(&names[0]))
                } else {
                    format!("{} restrictions", names.len())
                },
                if names.len() == 1 { "runs" } else { "run" },
                entry.name,
                if names.len() == 1 { "it" } else { "them" },
            )
            .replace(" : ", ": "),
        );
        finding.subject(format!("{param} after {}", entry.name));
        finding.label("never evaluated");
        match &by_class {
            Some(decision) => {
                finding.secondary(
                    stop,
                    format!(
                        "the restriction class `{}` ends in `{decision}`: it decides every request that gets here",
                        entry.words[0].text
                    ),
                );
                finding.help(format!(
                    "A restriction class that ends in `{decision}` answers every request it gets, \
                     and smtpd stops at the first restriction that decides (it logs nothing for \
                     a class). Move them before `{}`, end the class without `{decision}` (so \
                     that it answers DUNNO when nothing in it decides), or remove them.",
                    entry.words[0].text
                ));
            }
            None => {
                finding.secondary(
                    stop,
                    format!("`{}` decides every request that gets here", entry.name),
                );
                finding.help(format!(
                    "smtpd stops at the first restriction that decides and logs \"restriction \
                     `{}' after `{}' is ignored\". Move them before `{}`, or remove them.",
                    rest[0].words[0].text, entry.name, entry.name
                ));
            }
        }
        return;
    }
}

/// The first entry of `list` in [`CATCHES_USERS`], unless one that `stops` the search comes
/// first; an entry under `warn_if_reject` only warns, and is passed over.
fn first_user_reject<'a, 'w>(
    list: &'a [Entry<'w>],
    stops: impl Fn(&Entry) -> bool,
) -> Option<&'a Entry<'w>> {
    let mut warned = false;
    for entry in list {
        if entry.name == "warn_if_reject" {
            warned = true;
            continue;
        }
        if warned {
            warned = false;
            continue;
        }
        if stops(entry) {
            return None;
        }
        if CATCHES_USERS.contains(&entry.name.as_str()) {
            return Some(entry);
        }
    }
    None
}

/// A reject that catches the server's own users before permit_sasl_authenticated in the
/// same list, on a service where they log in.
fn sasl_too_late(
    model: &Model,
    smtpd: &Smtpd,
    param: &str,
    list: &[Word],
    seen: &mut HashSet<Span>,
    out: &mut Findings,
) {
    if !users_log_in(model, smtpd) {
        return;
    }
    let all = entries(model, list);
    let Some(sasl_at) = all
        .iter()
        .position(|e| e.name == "permit_sasl_authenticated")
    else {
        no_sasl_permit(model, smtpd, param, &all, seen, out);
        return;
    };
    // A permit before the reject already lets some clients past it: the author ordered with
    // care there; only a bare reject ahead of the login is reported.
    let Some(entry) = first_user_reject(&all[..sasl_at], |e| e.name.starts_with("permit")) else {
        return;
    };
    let (Some(span), Some(sasl)) = (span_of(entry.words), span_of(all[sasl_at].words)) else {
        return;
    };
    if !seen.insert(span) {
        return;
    }
    let finding = out.report(
        span,
        format!(
            "`{}` in {param} runs before permit_sasl_authenticated: it rejects the server's own users before their login counts",
            crate::rules::shorten(&written(entry.words))
        ),
    );
    finding.subject(format!("{param} {}", entry.name));
    finding.label(format!(
        "on {}: users log in here (smtpd_sasl_auth_enable = yes)",
        smtpd.label()
    ));
    finding.secondary(sasl, "too late for a user this rejects");
    finding.help(
        "Mail programs connect from dynamic addresses (on blocklists such as Spamhaus PBL, \
         often without reverse DNS) and greet with names like `laptop` or `DESKTOP-1234`. \
         Put permit_sasl_authenticated (and permit_mynetworks) first, then the rejects meant \
         for strangers.",
    );
}

/// Whether users log in on a service (`smtpd_sasl_auth_enable = yes`).
fn users_log_in(model: &Model, smtpd: &Smtpd) -> bool {
    smtpd
        .value(model, "smtpd_sasl_auth_enable")
        .is_some_and(|v| v.eq_ignore_ascii_case("yes"))
}

/// The sender login checks that act on clients that logged in: the mismatch they reject is a
/// user sending as someone else.
const LOGIN_CHECKS: &[&str] = &[
    "reject_sender_login_mismatch",
    "reject_authenticated_sender_login_mismatch",
    "reject_known_sender_login_mismatch",
];

/// A sender login check after permit_sasl_authenticated in the same list, on a service where
/// users log in: the permit ends the list for every client that logged in, so the check never
/// sees one and a user may send as anyone. Not reported when another list (or class) of the
/// service runs such a check ahead of any permit_sasl_authenticated: that one stops them.
fn login_check_after_sasl_permit(
    model: &Model,
    smtpd: &Smtpd,
    lists: &[(String, Vec<Word>)],
    seen: &mut HashSet<Span>,
    out: &mut Findings,
) {
    if !users_log_in(model, smtpd) {
        return;
    }
    // Each list's login checks, with the permit_sasl_authenticated before them if any.
    let mut shadowed: Vec<(&str, Span, Span, String)> = Vec::new();
    for (param, list) in lists {
        if list.iter().any(|w| w.text.contains(UNKNOWN)) {
            return;
        }
        let all = entries(model, list);
        let permit = all
            .iter()
            .position(|e| e.name == "permit_sasl_authenticated");
        for (i, entry) in all.iter().enumerate() {
            if !LOGIN_CHECKS.contains(&entry.name.as_str()) {
                continue;
            }
            let Some(p) = permit.filter(|&p| p < i) else {
                // A check a logged-in user meets: the service stops spoofing there.
                return;
            };
            if let (Some(span), Some(permit)) = (span_of(entry.words), span_of(all[p].words)) {
                shadowed.push((param, span, permit, entry.name.clone()));
            }
        }
    }
    for (param, span, permit, name) in shadowed {
        if !seen.insert(span) {
            continue;
        }
        let finding = out.report(
            span,
            format!(
                "`{name}` in {param} comes after permit_sasl_authenticated: it never sees a client that logged in, so users can send as any sender"
            ),
        );
        finding.subject(format!("{param} {name}"));
        finding.label(format!(
            "never reached by a user on {} (smtpd_sasl_auth_enable = yes)",
            smtpd.label()
        ));
        finding.secondary(permit, "ends the list for every client that logged in");
        finding.help(format!(
            "smtpd stops at the first restriction that decides, and permit_sasl_authenticated \
             decides for every client that logged in. Put {name} before it \
             (`{param} = {name}, permit_sasl_authenticated, ...`), so that a user's MAIL FROM \
             is checked against smtpd_sender_login_maps first."
        ));
    }
}

/// A reject that catches the server's own users in main.cf's list with no
/// permit_sasl_authenticated at all, taken by a submission port (587, 465) where they log in:
/// each list is evaluated on its own, so a permit in another list does not help. Port 25 is
/// left alone (users may be meant to log in on 587 only), and so are a list the service sets
/// itself and one that permits some clients other than this network's hosts first.
fn no_sasl_permit(
    model: &Model,
    smtpd: &Smtpd,
    param: &str,
    all: &[Entry],
    seen: &mut HashSet<Span>,
    out: &mut Findings,
) {
    use crate::model::listen::{port_of, reach, Reach};
    let Some(service) = smtpd.service else {
        return;
    };
    let submission = matches!(
        port_of(service),
        "submission" | "587" | "submissions" | "smtps" | "465"
    );
    if service.kind != "inet" || !submission || reach(model, Some(service)) == Reach::Local {
        return;
    }
    // A list the service sets itself (`-o smtpd_helo_restrictions=...`, or a restriction
    // class it names there) was written for its users; the mistake is main.cf's list for
    // port 25, taken by the submission port too.
    if service.override_of(param).is_some() || !LIST_PARAMS.contains(&param) {
        return;
    }
    // A main.cf with installer placeholders is a template its installer completes, and may
    // add to: i-MSCP's puts permit_sasl_authenticated after permit_mynetworks in the HELO,
    // sender and recipient lists when it sets up SASL.
    if model.from_installer() {
        return;
    }
    // A table may permit the users too, and so may any permit but those for the hosts of
    // this network, which a user at home or on a phone is not in: written for port 25,
    // `permit_mynetworks, reject_non_fqdn_helo_hostname` was ordered with care for it, and
    // still refuses the users of the submission port.
    let stops = |e: &Entry| {
        let local = matches!(
            e.name.as_str(),
            "permit_mynetworks" | "permit_inet_interfaces"
        );
        (e.name.starts_with("permit") && !local) || e.name.starts_with("check_")
    };
    let Some(entry) = first_user_reject(all, stops) else {
        return;
    };
    // A listener bound to a private address inside mynetworks (a VPN's, such as WireGuard's
    // 10.44.0.1) serves that network's hosts, which permit_mynetworks lets through before
    // the reject: whether a user elsewhere reaches it, postlint cannot know.
    let mynetworks_first = all
        .iter()
        .take_while(|e| !std::ptr::eq(*e, entry))
        .any(|e| e.name == "permit_mynetworks");
    if mynetworks_first && listener_in_mynetworks(model, smtpd, service) {
        return;
    }
    let Some(span) = span_of(entry.words) else {
        return;
    };
    if !seen.insert(span) {
        // Taken by another submission port too (587 and 465 both inherit main.cf's list):
        // the finding already reported names this one as well.
        let subject = format!("{param} {} ", entry.name);
        if let Some(finding) = out.list.iter_mut().find(|f| {
            f.primary.span == span && f.subject.as_ref().is_some_and(|s| s.starts_with(&subject))
        }) {
            finding.message = also_on(&finding.message, &service.label());
            finding.secondary(
                service.name_span,
                "users log in here too (smtpd_sasl_auth_enable = yes)",
            );
        }
        return;
    }
    let finding = out.report(
        span,
        format!(
            "`{}` in {param} rejects the users who log in on {}: the list has no permit_sasl_authenticated before it",
            crate::rules::shorten(&written(entry.words)),
            service.label()
        ),
    );
    finding.subject(format!("{param} {} {}", entry.name, service.label()));
    finding.label("reaches users of the submission port too");
    finding.secondary(
        service.name_span,
        "users log in here (smtpd_sasl_auth_enable = yes)",
    );
    finding.help(format!(
        "smtpd evaluates every restriction list for every client, users who logged in too; a \
         permit in another list does not skip this one. Mail programs connect from dynamic \
         addresses (on blocklists such as Spamhaus PBL, often without reverse DNS) and greet \
         with names like `DESKTOP-1234` or `laptop.home`. Put permit_sasl_authenticated \
         first in {param}, or give the service its own list (`-o {param}=` under it, as \
         Postfix's sample master.cf does for submission)."
    ));
}

/// Whether an inet service listens on one private address that mynetworks holds.
fn listener_in_mynetworks(
    model: &Model,
    smtpd: &Smtpd,
    service: &crate::model::master::Service,
) -> bool {
    use crate::model::net::{is_not_public, Cidr};
    let Some(host) = crate::model::listen::listener_host(service) else {
        return false;
    };
    let host = host.trim_matches(['[', ']']);
    let Ok(addr) = host.parse::<std::net::IpAddr>() else {
        return false;
    };
    Cidr::parse(host).is_some_and(|net| is_not_public(&net))
        && crate::model::relay::mynetworks_contains(model, smtpd, addr, None) == Some(true)
}

/// A no_sasl_permit message naming one more service: "… log in on submission: …" becomes
/// "… log in on submission and smtps: …", and then "submission, smtps and X".
fn also_on(message: &str, label: &str) -> String {
    const BEFORE: &str = " log in on ";
    const AFTER: &str = ": the list has no";
    let (Some(start), Some(end)) = (message.find(BEFORE), message.find(AFTER)) else {
        return message.to_string();
    };
    let start = start + BEFORE.len();
    if end < start {
        return message.to_string();
    }
    let named = &message[start..end];
    let mut labels: Vec<&str> = named
        .split(" and ")
        .flat_map(|part| part.split(", "))
        .collect();
    if labels.contains(&label) {
        return message.to_string();
    }
    labels.push(label);
    let last = labels.pop().unwrap_or_default();
    format!(
        "{}{} and {last}{}",
        &message[..start],
        labels.join(", "),
        &message[end..]
    )
}

/// reject_unverified_recipient evaluated before a relay check rejects mail for other domains:
/// the server then probes any address an outsider names.
fn probes_before_relay_check(
    model: &Model,
    smtpd: &Smtpd,
    seen: &mut HashSet<Span>,
    out: &mut Findings,
) {
    let relay_first = smtpd
        .value(model, "smtpd_relay_before_recipient_restrictions")
        .is_none_or(|v| v.eq_ignore_ascii_case("yes"));
    let (first, second) = if relay_first {
        ("smtpd_relay_restrictions", "smtpd_recipient_restrictions")
    } else {
        ("smtpd_recipient_restrictions", "smtpd_relay_restrictions")
    };
    let order = [
        "smtpd_client_restrictions",
        "smtpd_helo_restrictions",
        "smtpd_sender_restrictions",
        first,
        second,
    ];
    for param in order {
        let Some(list) = smtpd.list(model, param) else {
            return;
        };
        for entry in entries(model, &list) {
            if entry.words.iter().any(|w| w.text.contains(UNKNOWN)) {
                return;
            }
            if matches!(
                entry.name.as_str(),
                "reject_unauth_destination"
                    | "defer_unauth_destination"
                    | "check_relay_domains"
                    | "reject"
                    | "defer"
            ) {
                return; // relaying is refused before any probe
            }
            if entry.name == "permit" {
                break; // the rest of this list never runs
            }
            if smtpd.classes.contains_key(entry.words[0].text.as_str()) {
                let class = smtpd.classes[entry.words[0].text.as_str()].as_deref();
                if class.is_none_or(|c| has_required(smtpd, c, RELAY_REQUIRED).0 != Answer::No) {
                    return;
                }
            }
            if entry.name != "reject_unverified_recipient" {
                continue;
            }
            let Some(span) = span_of(entry.words) else {
                return;
            };
            if !seen.insert(span) {
                return;
            }
            let finding = out.report(
                span,
                format!(
                    "reject_unverified_recipient in {param} runs before any relay check: {} probes any address an outsider names",
                    smtpd.label()
                ),
            );
            finding.subject(format!("{param} reject_unverified_recipient"));
            finding.label("an address probe for mail this server would not accept anyway");
            // smtpd_relay_restrictions may refuse relaying, but runs second here.
            let order = match relay_first {
                true => String::new(),
                false => format!(
                    " smtpd_relay_before_recipient_restrictions is no ({}): \
                     smtpd_recipient_restrictions run before smtpd_relay_restrictions, so what \
                     smtpd_relay_restrictions refuses does not stop the probe; set it to yes \
                     (the default from compatibility_level 3.6).",
                    match smtpd
                        .definition(model, "smtpd_relay_before_recipient_restrictions")
                        .is_some()
                    {
                        true => "as set",
                        false => "the default below compatibility_level 3.6",
                    }
                ),
            };
            finding.help(format!(
                "Each probe is an SMTP session from this server to the named domain's MX: \
                 outsiders can use it to scan mailboxes anywhere and to get this server \
                 blocklisted. Put reject_unauth_destination before reject_unverified_recipient \
                 (or keep the probe in smtpd_recipient_restrictions while \
                 smtpd_relay_restrictions stops relaying first).{order}"
            ));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::also_on;

    #[test]
    fn a_list_taken_by_more_submission_ports_names_each_once() {
        let one =
            "`x` in p rejects the users who log in on submission/inet: the list has no permit";
        let two = also_on(one, "smtps/inet");
        assert_eq!(
            two,
            "`x` in p rejects the users who log in on submission/inet and smtps/inet: the list has no permit"
        );
        let three = also_on(&two, "10.0.0.1:2525/inet");
        assert_eq!(
            three,
            "`x` in p rejects the users who log in on submission/inet, smtps/inet and 10.0.0.1:2525/inet: the list has no permit"
        );
        assert_eq!(also_on(&three, "smtps/inet"), three);
        assert_eq!(also_on("no such shape", "smtps/inet"), "no such shape");
    }
}
