//! A mynetworks network written with host bits set (`192.168.1.5/24`): smtpd's lookup of the
//! list fails for a client that no earlier entry matches, and permit_mynetworks answers 451.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::net::Cidr;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "mynetworks-host-bits",
    severity: Severity::Error,
    summary: "a mynetworks network written with host bits set (192.168.1.5/24): the lookup fails and permit_mynetworks answers 451 to outside clients",
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
    let mut reported: Vec<Span> = Vec::new();
    for smtpd in crate::model::restrictions::smtpd_processes(model) {
        if smtpd.definition(model, "mynetworks").is_none() {
            continue;
        }
        let Some(words) = crate::model::mynetworks::known_words(model, &smtpd) else {
            continue;
        };
        for word in words {
            let text = word.text.trim_start_matches('!');
            let (Some(network), Some(span)) = (Cidr::with_host_bits(text), word.span) else {
                continue;
            };
            if reported.contains(&span) {
                continue;
            }
            reported.push(span);
            // smtpd's warning writes both without brackets; mynetworks wants IPv6 in them.
            let logged = text.replace(['[', ']'], "");
            let logged_network = network.text();
            let network = match network.addr {
                std::net::IpAddr::V6(_) => format!("[{}]/{}", network.addr, network.len),
                std::net::IpAddr::V4(_) => network.text(),
            };
            let finding = out.report(
                span,
                format!(
                    "`{text}` in mynetworks has host bits set: smtpd's lookup fails for every \
                     client it reaches, and permit_mynetworks answers 451 4.3.0 Temporary lookup \
                     failure"
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
