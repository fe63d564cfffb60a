//! A mynetworks network written with host bits set (`192.168.1.5/24`), or that smtpd cannot
//! read at all (`192.168.1/24`, `10.0.0.0/33`): smtpd's lookup of the list fails for a client
//! that no earlier entry matches, and permit_mynetworks answers 451.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::net::Cidr;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "mynetworks-host-bits",
    severity: Severity::Error,
    summary: "a mynetworks network written with host bits set (192.168.1.5/24) or unreadable (192.168.1/24): the lookup fails and permit_mynetworks answers 451 to outside clients",
    doc: include_str!("../../rules/mynetworks-host-bits.md"),
    undecided: super::always_decides,
    check,
};

/// A mynetworks network written with host bits set (`192.168.1.5/24`). match_hostaddr()
/// refuses it when a client gets that far in the list: the list lookup fails, so
/// permit_mynetworks answers `451 4.3.0 Temporary lookup failure` for every client of that
/// address family that no earlier entry matches, the Internet's mail included. One finding
/// per entry, wherever smtpd services read it.
fn check(model: &Model, out: &mut Findings) {
    let mut reported: hashbrown::HashSet<Span> = hashbrown::HashSet::new();
    for smtpd in crate::model::restrictions::smtpd_processes(model) {
        if smtpd.definition(model, "mynetworks").is_none() {
            continue;
        }
        // An entry of a family smtpd takes no clients of (`inet_protocols = ipv4` and an IPv6
        // network) is never reached; when inet_protocols is unknown, that family is not
        // judged.
        let protocols = smtpd.value(model, "inet_protocols");
        let reached = |v6: bool| {
            protocols
                .as_deref()
                .is_some_and(|p| crate::model::net::family_enabled(p, v6))
        };
        let Some(words) = crate::model::mynetworks::known_words(model, &smtpd) else {
            continue;
        };
        for word in words {
            let text = word.text.trim_start_matches('!');
            let Some(span) = word.span else {
                continue;
            };
            // Without brackets, an IPv6 network is a table to Postfix (unsupported-map-type).
            if !reached(text.contains(':')) || crate::parse::list::is_table_pattern(text) {
                continue;
            }
            if let Some(error) = Cidr::parse_error(text) {
                if reported.insert(span) {
                    report_unreadable(out, span, text, error);
                }
                continue;
            }
            let Some(network) = Cidr::with_host_bits(text) else {
                continue;
            };
            if !reported.insert(span) {
                continue;
            }
            // smtpd's warning writes both without brackets; mynetworks wants IPv6 in them.
            let logged = text.replace(['[', ']'], "");
            let logged_network = network.text();
            let (network, family) = match network.addr {
                std::net::IpAddr::V6(_) => (format!("[{}]/{}", network.addr, network.len), "IPv6"),
                std::net::IpAddr::V4(_) => (network.text(), "IPv4"),
            };
            // Only clients of the entry's address family are compared with it.
            let finding = out.report(
                span,
                format!(
                    "`{text}` in mynetworks has host bits set: smtpd's lookup fails for every \
                     {family} client that reaches it, and permit_mynetworks answers 451 4.3.0 \
                     Temporary lookup failure"
                ),
            );
            finding.subject(format!("mynetworks {text}"));
            finding.label(format!("Postfix wants {network}"));
            finding.help(format!(
                "smtpd logs \"warning: mynetworks: non-null host address bits in \"{logged}\", \
                 perhaps you should use \"{logged_network}\" instead\" and the lookup fails: a \
                 client \
                 of that address family that no earlier entry matches gets 451 4.3.0 at RCPT \
                 TO wherever permit_mynetworks is asked, so mail from other servers is \
                 deferred. Write the network address, `{network}`, or the host alone if only \
                 that host is trusted."
            ));
        }
    }
}

/// A pattern cidr_match_parse() refuses (`192.168.1/24`, `10.0.0.0/33`): the same failed
/// lookup as host bits, under smtpd's own words for it.
fn report_unreadable(out: &mut Findings, span: Span, text: &str, error: &str) {
    // `192.168.1/24`: a network written with fewer than four numbers, which inet_pton() does
    // not complete (the classful shorthand of route and ifconfig).
    let completed = text.split_once('/').and_then(|(address, mask)| {
        let parts: Vec<&str> = address.split('.').collect();
        let numbers = parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
        (numbers && parts.len() < 4).then(|| {
            let zeros = vec!["0"; 4 - parts.len()];
            format!("{}.{}/{mask}", address, zeros.join("."))
        })
    });
    let finding = out.report(
        span,
        format!(
            "`{text}` in mynetworks is no network smtpd can read ({error}): its lookup fails for \
             every client that reaches it, and permit_mynetworks answers 451 4.3.0 Temporary lookup \
             failure"
        ),
    );
    finding.subject(format!("mynetworks {text}"));
    match &completed {
        Some(network) => finding.label(format!("Postfix wants all four numbers: {network}")),
        None => finding.label(format!("smtpd: {error}")),
    };
    let fix = match &completed {
        Some(network) => format!("Write the network with all four numbers, `{network}`."),
        None => "Write the network as `address/length` (`192.168.1.0/24`, \
                 `[2001:db8::]/64`), the length at most 32 for IPv4 and 128 for IPv6."
            .to_string(),
    };
    finding.help(format!(
        "smtpd logs \"warning: mynetworks: {error} ...\" when a client reaches this entry, and the \
         lookup fails: a client of that address family that no earlier entry matches gets 451 \
         4.3.0 at RCPT TO wherever permit_mynetworks is asked, so mail from other servers is \
         deferred. {fix}"
    ));
}
