//! A DNS list whose error answers look like listings, queried without a reply filter (or with
//! one that admits an error answer): Spamhaus' answers to queries through public resolvers
//! then reject all mail.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dnsbl::{admits, filter_octets, queries, shown, zone, Status};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "dnsbl-reply-filter",
    severity: Severity::Warning,
    summary: "a DNS list whose error answers look like listings is queried without a reply filter",
    doc: include_str!("../../rules/dnsbl-reply-filter.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    for query in queries(model) {
        // A list queried for the wrong kind of name is dnsbl-wrong-kind's: a filter would
        // not make it work.
        if query.warn_only || query.wrong_kind().is_some() {
            continue;
        }
        let Some(z) = zone(&query.zone).filter(|z| z.status == Status::NeedsFilter) else {
            continue;
        };
        let errors = z.errors();
        let message = match &query.filter {
            // The restriction in the message: one zone queried by several (reject_rhsbl_helo,
            // reject_rhsbl_sender) would otherwise read as one finding said twice.
            None => format!(
                "{} ({}) is queried without a reply filter: its error answers ({}) count as \
                 listings",
                shown(&query.zone),
                query.via,
                errors.join(", ")
            ),
            Some(filter) => {
                // A filter postlint cannot read is left alone.
                let Some(octets) = filter_octets(filter) else {
                    continue;
                };
                let Some(admitted) = errors.iter().find(|e| admits(&octets, e)) else {
                    continue;
                };
                format!(
                    "the reply filter of {} ({}) admits {admitted}, an error answer, as a listing",
                    shown(&query.zone),
                    query.via
                )
            }
        };
        let finding = out.report(query.span, message);
        finding.subject(shown(&query.zone).to_ascii_lowercase());
        finding.label(query.label());
        let suggested = match z.replacement.split_once('=') {
            Some((_, filter)) => format!("{}={filter}", shown(&query.zone)),
            None => z.replacement.to_string(),
        };
        let weight = match query.via.as_str() {
            "postscreen_dnsbl_sites" => " (keep the *weight after it)",
            _ => "",
        };
        finding.help(format!(
            "Write `{suggested}`{weight}. A list answers queries it will not serve (through a public \
             DNS resolver, over its query limit, with a bad key) with an address too; without a \
             filter Postfix takes that address for a listing and rejects every client. Source: {}",
            z.source
        ));
    }
}
