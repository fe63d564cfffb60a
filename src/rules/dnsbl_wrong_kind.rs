//! A DNS list queried with the wrong kind of name: a list of IP addresses asked for a domain
//! name (`reject_rhsbl_sender zen.spamhaus.org`), or a list of domain names asked for the
//! client's address (`reject_rbl_client dbl.spamhaus.org`).

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dnsbl::{admits, filter_octets, queries, shown, Kind, Query};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "dnsbl-wrong-kind",
    severity: Severity::Warning,
    summary: "a DNS list is queried for the wrong kind of name: a domain in an IP address list, \
              or an address in a domain list",
    doc: include_str!("../../rules/dnsbl-wrong-kind.md"),
    undecided: super::always_decides,
    check,
};

/// What a restriction that looks up a domain name asks for.
fn domain_looked_up(via: &str) -> &'static str {
    match via.to_ascii_lowercase().as_str() {
        "reject_rhsbl_client" | "permit_rhswl_client" => "the client's host name",
        "reject_rhsbl_reverse_client" => "the client's reverse host name",
        "reject_rhsbl_helo" => "the HELO name",
        "reject_rhsbl_sender" => "the sender's domain",
        "reject_rhsbl_recipient" => "the recipient's domain",
        _ => "a domain name",
    }
}

/// What happens when every query is answered with a listing.
fn every_client(query: &Query) -> &'static str {
    match query.via.to_ascii_lowercase().as_str() {
        _ if query.warn_only => "every client is logged as listed",
        "postscreen_dnsbl_sites" => "every client gets its weight",
        "permit_dnswl_client" => "every client is accepted",
        _ => "every client is rejected",
    }
}

fn check(model: &Model, out: &mut Findings) {
    for query in queries(model) {
        let Some((needed, zone)) = query.wrong_kind() else {
            continue;
        };
        let name = shown(&query.zone);
        let (message, help) = match needed {
            Kind::Domain => (
                format!(
                    "{name} lists IP addresses, but {} looks up {} in it: nothing is ever listed",
                    query.via,
                    domain_looked_up(&query.via)
                ),
                format!(
                    "Query {name} with `reject_rbl_client` or in `postscreen_dnsbl_sites` \
                     (`permit_dnswl_client` for an allowlist), which look up the client's IP \
                     address. To check domain names, use a list of domain names, such as \
                     dbl.spamhaus.org."
                ),
            ),
            Kind::Address => {
                // An answer to every address query that the filter (if any) takes for a
                // listing; a filter postlint cannot read may admit it.
                let admitted = zone.ip_answer.filter(|answer| match &query.filter {
                    None => true,
                    Some(filter) => filter_octets(filter).is_none_or(|f| admits(&f, answer)),
                });
                let outcome = match admitted {
                    Some(answer) => format!(
                        "it answers every such query with {answer}, an error that {} takes for \
                         a listing: {}",
                        query.via,
                        every_client(&query)
                    ),
                    None => "nothing is ever listed".to_string(),
                };
                (
                    format!(
                        "{name} lists domain names, but {} looks up the client's IP address in \
                         it: {outcome}",
                        query.via
                    ),
                    format!(
                        "Query {name} with `reject_rhsbl_sender`, `reject_rhsbl_helo` or \
                         `reject_rhsbl_reverse_client` (`permit_rhswl_client` for an \
                         allowlist), which look up domain names. To check the client's address, \
                         use a list of IP addresses, such as zen.spamhaus.org."
                    ),
                )
            }
        };
        let finding = out.report(query.span, message);
        finding.subject(name.to_ascii_lowercase());
        finding.label(query.label());
        finding.help(help);
    }
}
