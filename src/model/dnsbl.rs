//! DNS block and allow lists: where a setup queries one (`reject_rbl_client zone=filter` and the
//! other `*_rbl_*`/`*_rhsbl_*`/`*_dnswl_*` restrictions, `postscreen_dnsbl_sites`), and what is
//! known of each zone (data/dnsbl.tsv: shut down, needs a reply filter, alive; a list of IP
//! addresses or of domain names).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::params::Definition;
use super::Model;
use crate::parse::list::split_list;
use crate::source::Span;

const DNSBL_TEXT: &str = include_str!("../../data/dnsbl.tsv");

/// The restrictions whose argument is a DNS list (`domain[=filter]`).
const LIST_RESTRICTIONS: &[&str] = &[
    "reject_rbl_client",
    "reject_rhsbl_client",
    "reject_rhsbl_sender",
    "reject_rhsbl_helo",
    "reject_rhsbl_recipient",
    "reject_rhsbl_reverse_client",
    "permit_dnswl_client",
    "permit_rhswl_client",
];

/// What a list holds, and what a restriction looks up in it: an IP address (reversed,
/// `4.3.2.1.zone`) or a domain name (`example.com.zone`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Address,
    Domain,
}

/// What each restriction looks up (smtpd_check.c: find_dnsxl_addr for the client address,
/// find_dnsxl_domain for names; tests/oracle_dnsbl.rs shows each on Postfix).
pub fn looks_up(via: &str) -> Option<Kind> {
    match via.to_ascii_lowercase().as_str() {
        "reject_rbl_client" | "permit_dnswl_client" | "postscreen_dnsbl_sites" => {
            Some(Kind::Address)
        }
        "reject_rhsbl_client"
        | "reject_rhsbl_sender"
        | "reject_rhsbl_helo"
        | "reject_rhsbl_recipient"
        | "reject_rhsbl_reverse_client"
        | "permit_rhswl_client" => Some(Kind::Domain),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Dead,
    NeedsFilter,
    Alive,
    Restricted,
}

/// What data/dnsbl.tsv says of a zone.
#[derive(Clone, Debug)]
pub struct Zone {
    pub pattern: &'static str,
    pub status: Status,
    /// What the list holds; None when not known (or both).
    pub kind: Option<Kind>,
    /// For a list of domain names: what it answers to a query for an IP address.
    pub ip_answer: Option<&'static str>,
    pub since: &'static str,
    pub behaviour: &'static str,
    pub replacement: &'static str,
    pub source: &'static str,
}

impl Zone {
    /// For a zone that needs a filter: the answers that are errors, not listings.
    pub fn errors(&self) -> Vec<&'static str> {
        self.behaviour
            .strip_prefix("errors=")
            .map(|e| e.split(';').collect())
            .unwrap_or_default()
    }
}

fn zones() -> &'static HashMap<&'static str, Zone> {
    static ZONES: OnceLock<HashMap<&'static str, Zone>> = OnceLock::new();
    ZONES.get_or_init(|| {
        super::data::rows(DNSBL_TEXT)
            .filter_map(|mut f| {
                let pattern = f.next()?.trim_ascii();
                let status = match f.next()? {
                    "dead" => Status::Dead,
                    "alive-needs-filter" => Status::NeedsFilter,
                    "alive" => Status::Alive,
                    "restricted" => Status::Restricted,
                    _ => return None,
                };
                let mut kind_field = f.next()?.split(';');
                let kind = match kind_field.next()? {
                    "ip" => Some(Kind::Address),
                    "domain" => Some(Kind::Domain),
                    _ => None,
                };
                let ip_answer = kind_field.find_map(|a| a.strip_prefix("ip-answer="));
                Some((
                    pattern,
                    Zone {
                        pattern,
                        status,
                        kind,
                        ip_answer,
                        since: f.next()?,
                        behaviour: f.next()?,
                        replacement: f.next()?,
                        source: f.next().unwrap_or(""),
                    },
                ))
            })
            .collect()
    })
}

/// What is known of a zone: an exact line, else the `*.suffix` line of the longest suffix.
pub fn zone(name: &str) -> Option<&'static Zone> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(z) = zones().get(name.as_str()) {
        return Some(z);
    }
    let mut rest = name.as_str();
    while let Some((_, suffix)) = rest.split_once('.') {
        if let Some(z) = zones().get(format!("*.{suffix}").as_str()) {
            return Some(z);
        }
        rest = suffix;
    }
    None
}

/// A zone as messages show it: a Data Query Service key (the first label of a
/// `*.dq.spamhaus.net` zone) is a credential and becomes `KEY`.
pub fn shown(zone: &str) -> String {
    match zone.to_ascii_lowercase().ends_with(".dq.spamhaus.net") {
        true => match zone.split_once('.') {
            Some((_, rest)) => format!("KEY.{rest}"),
            None => zone.to_string(),
        },
        false => zone.to_string(),
    }
}

/// One place a setup queries a DNS list.
#[derive(Clone, Debug)]
pub struct Query {
    /// The zone as written, without `=filter` and `*weight`.
    pub zone: String,
    /// The reply filter after `=`, if any (without the weight).
    pub filter: Option<String>,
    /// The whole `zone[=filter][*weight]` item.
    pub span: Span,
    /// The restriction (`reject_rbl_client`) or `postscreen_dnsbl_sites`.
    pub via: String,
    /// The parameter, with the master.cf service for an `-o` override.
    pub param: String,
    /// After `warn_if_reject`: a listing is logged, not rejected.
    pub warn_only: bool,
}

impl Query {
    /// The kind of list this query's restriction needs and the kind the zone is, when they
    /// differ (both known): `reject_rhsbl_sender zen.spamhaus.org` asks a list of IP
    /// addresses for a domain name, and nothing is ever listed.
    pub fn wrong_kind(&self) -> Option<(Kind, &'static Zone)> {
        let zone = zone(&self.zone)?;
        let needed = looks_up(&self.via)?;
        (zone.kind.is_some_and(|k| k != needed) && zone.status != Status::Dead)
            .then_some((needed, zone))
    }

    /// Where the query is, for a finding's label: `reject_rbl_client in
    /// smtpd_recipient_restrictions`, or `in postscreen_dnsbl_sites`.
    pub fn label(&self) -> String {
        match self.param.starts_with(&self.via) {
            true => format!("in {}", self.param),
            false => format!("{} in {}", self.via, self.param),
        }
    }
}

/// Every DNS list query in main.cf and master.cf `-o` overrides whose zone is written out (a
/// `$name` in it is unknown, and left out).
pub fn queries(model: &Model) -> Vec<Query> {
    let mut out = Vec::new();
    let mut scan = |def: &Definition, label: String| {
        if def.name == "postscreen_dnsbl_sites" {
            for range in split_list(&def.value) {
                push(
                    &mut out,
                    def,
                    range,
                    "postscreen_dnsbl_sites",
                    &label,
                    false,
                );
            }
            return;
        }
        // Restriction lists, restriction classes, and anything else that lists restrictions.
        let words = split_list(&def.value);
        for (i, pair) in words.windows(2).enumerate() {
            let word = &def.value[pair[0].clone()];
            if LIST_RESTRICTIONS.contains(&word.to_ascii_lowercase().as_str()) {
                let warn_only =
                    i > 0 && def.value[words[i - 1].clone()].eq_ignore_ascii_case("warn_if_reject");
                push(&mut out, def, pair[1].clone(), word, &label, warn_only);
            }
        }
    };
    for def in model.params.definitions() {
        // A value a later line of main.cf replaces is never queried (overridden-parameter
        // says so); with a conditional last line, either may be.
        let replaced = model
            .params
            .get(&def.name)
            .is_some_and(|last| !last.conditional && last.name_span != def.name_span);
        if !replaced {
            scan(def, def.name.clone());
        }
    }
    for service in &model.master.services {
        for def in &service.overrides {
            scan(def, format!("{} (in {})", def.name, service.label()));
        }
    }
    out
}

fn push(
    out: &mut Vec<Query>,
    def: &Definition,
    range: std::ops::Range<usize>,
    via: &str,
    param: &str,
    warn_only: bool,
) {
    let item = &def.value[range.clone()];
    // Braces, `$name` and placeholders: postlint cannot know the zone.
    if item.contains(['$', '{', '}', '%', '@', '!']) || item.is_empty() {
        return;
    }
    let without_weight = item.split('*').next().unwrap_or(item);
    let (zone, filter) = match without_weight.split_once('=') {
        Some((z, f)) => (z, Some(f.to_string())),
        None => (without_weight, None),
    };
    if zone.is_empty() || !zone.contains('.') {
        return;
    }
    out.push(Query {
        zone: zone.to_string(),
        filter,
        span: def.source().span(range),
        via: via.to_string(),
        param: param.to_string(),
        warn_only,
    });
}

/// The addresses a reply filter (`127.0.0.[2..11]`) admits, as one set of values per octet; None
/// when postlint cannot read it.
pub fn filter_octets(filter: &str) -> Option<[Vec<bool>; 4]> {
    let mut octets: [Vec<bool>; 4] = Default::default();
    let mut rest = filter;
    for (i, octet) in octets.iter_mut().enumerate() {
        let part;
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']')?;
            part = &inner[..end];
            rest = &inner[end + 1..];
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            part = &rest[..end];
            rest = &rest[end..];
        }
        if i < 3 {
            rest = rest.strip_prefix('.')?;
        }
        let mut set = vec![false; 256];
        for piece in part.split(';') {
            let (lo, hi) = match piece.split_once("..") {
                Some((a, b)) => (
                    a.trim_ascii().parse::<u8>().ok()?,
                    b.trim_ascii().parse::<u8>().ok()?,
                ),
                None => {
                    let n = piece.trim_ascii().parse::<u8>().ok()?;
                    (n, n)
                }
            };
            for v in lo..=hi {
                set[usize::from(v)] = true;
            }
        }
        *octet = set;
    }
    rest.is_empty().then_some(octets)
}

/// Whether a filter admits some address of `block` (`a.b.c.d` or `a.b.c.d/n`).
pub fn admits(filter: &[Vec<bool>; 4], block: &str) -> bool {
    let (address, bits) = match block.split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().unwrap_or(32).min(32)),
        None => (block, 32),
    };
    let Ok(ip) = address.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let ip = u32::from(ip);
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    let (first, last) = (ip & mask, (ip & mask) | !mask);
    // A prefix block is a product of one range per octet: check each octet's range.
    (0..4).all(|i| {
        let shift = 24 - 8 * i;
        let lo = (first >> shift) & 0xff;
        let hi = (last >> shift) & 0xff;
        (lo..=hi).any(|v| filter[i][v as usize])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_match_exactly_or_by_suffix() {
        assert_eq!(
            zone("zen.spamhaus.org").unwrap().status,
            Status::NeedsFilter
        );
        assert_eq!(
            zone("ZEN.Spamhaus.org.").unwrap().status,
            Status::NeedsFilter
        );
        assert_eq!(zone("dnsbl.sorbs.net").unwrap().status, Status::Dead);
        assert_eq!(
            zone("key123.zen.dq.spamhaus.net").unwrap().status,
            Status::NeedsFilter
        );
        assert!(zone("bl.example.net").is_none());
    }

    #[test]
    fn every_live_zone_says_what_it_holds() {
        for z in zones().values() {
            assert_eq!(
                z.kind.is_some(),
                z.status != Status::Dead,
                "{}: a live list needs its kind, a dead one has -",
                z.pattern
            );
            if let Some(answer) = z.ip_answer {
                assert_eq!(z.kind, Some(Kind::Domain), "{}", z.pattern);
                assert!(z.errors().contains(&answer), "{}", z.pattern);
            }
        }
        let dbl = zone("dbl.spamhaus.org").unwrap();
        assert_eq!(
            (dbl.kind, dbl.ip_answer),
            (Some(Kind::Domain), Some("127.0.1.255"))
        );
        assert_eq!(zone("zen.spamhaus.org").unwrap().kind, Some(Kind::Address));
        assert_eq!(looks_up("REJECT_RHSBL_HELO"), Some(Kind::Domain));
        assert_eq!(looks_up("check_client_access"), None);
    }

    #[test]
    fn filters_admit_what_their_octets_allow() {
        let f = filter_octets("127.0.0.[2..11]").unwrap();
        assert!(admits(&f, "127.0.0.2"));
        assert!(!admits(&f, "127.255.255.0/24"));
        let f = filter_octets("127.0.1.[2..255]").unwrap();
        assert!(admits(&f, "127.0.1.255"));
        let f = filter_octets("127.[0..255].[0..255].[2;4;10..11]").unwrap();
        assert!(admits(&f, "127.255.255.0/24"));
        assert!(filter_octets("127.0.0").is_none());
        assert!(filter_octets("127.0.0.[2..x]").is_none());
        assert!(filter_octets("127.0.0.2x").is_none());
    }
}
