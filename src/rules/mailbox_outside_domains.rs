//! virtual_mailbox_maps and virtual_alias_maps keys in a domain of no address class: Postfix
//! never receives mail for it, so the entries are never used (often a typo in the domain).

use std::borrow::Cow;

use hashbrown::{HashMap, HashSet};

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::ClassKind;
use crate::model::tables::{fold, in_domain, split_address};
use crate::model::{Model, Resolved};
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "mailbox-outside-domains",
    severity: Severity::Warning,
    summary: "virtual mailbox or alias keys in a domain of no address class: Postfix never uses them (often a domain typo)",
    doc: include_str!("../../rules/mailbox-outside-domains.md"),
    undecided: |model| model.classes_partial(),
    check,
};

/// The keys of one map in one domain that no class has.
struct Stray {
    param: &'static str,
    domain: String,
    first: (Span, String),
    count: usize,
}

/// The hosted domain a stray domain is most likely a typo of: one edit away (a letter changed,
/// added, dropped, or two swapped), found by trying each edit against the hosted set, so the
/// cost does not grow with the number of hosted domains; in small setups also two edits away.
fn near(hosted: &Hosted, domain: &str) -> Option<String> {
    let chars: Vec<char> = domain.chars().collect();
    let alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-.";
    let mut found: Vec<String> = Vec::new();
    let mut try_word = |w: String| {
        if w != domain && hosted.contains(w.as_str()) {
            found.push(w);
        }
    };
    for i in 0..=chars.len() {
        let (head, tail) = (&chars[..i], &chars[i..]);
        let head: String = head.iter().collect();
        for c in alphabet.chars() {
            let tail_s: String = tail.iter().collect();
            try_word(format!("{head}{c}{tail_s}"));
            if !tail.is_empty() {
                let rest: String = tail[1..].iter().collect();
                try_word(format!("{head}{c}{rest}"));
            }
        }
        if !tail.is_empty() {
            let rest: String = tail[1..].iter().collect();
            try_word(format!("{head}{rest}"));
            if tail.len() > 1 {
                let rest2: String = tail[2..].iter().collect();
                try_word(format!("{head}{}{}{rest2}", tail[1], tail[0]));
            }
        }
    }
    let small = match hosted {
        Hosted::Listed(set) if set.len() <= 2000 => Some(set),
        _ => None,
    };
    if let (true, Some(small)) = (found.is_empty(), small) {
        return small
            .iter()
            .map(|h| (strsim::damerau_levenshtein(h, domain), h))
            .filter(|(d, _)| *d > 0 && *d <= 2)
            .min()
            .map(|(_, h)| h.to_string());
    }
    found.sort();
    found.into_iter().next()
}

/// Counts entry `i` of a table among the strays of its domain.
fn count_stray(
    strays: &mut HashMap<String, Stray>,
    param: &'static str,
    entries: &crate::model::tables::Entries,
    i: u32,
    domain: &str,
) {
    match strays.get_mut(domain) {
        Some(stray) => stray.count += 1,
        None => {
            let entry = entries.entry(i);
            strays.insert(
                domain.to_string(),
                Stray {
                    param,
                    domain: domain.to_string(),
                    first: (entry.key_span, entry.key.to_string()),
                    count: 1,
                },
            );
        }
    }
}

fn check(model: &Model, out: &mut Findings) {
    // Domains the class lists do not name (the model knows the others), borrowed from the
    // tables' folded keys: no copy per domain.
    let mut outside: HashMap<&str, bool> = HashMap::new();
    let mut hosted: Option<Hosted> = None;
    for param in ["virtual_mailbox_maps", "virtual_alias_maps"] {
        let mut strays: HashMap<String, Stray> = HashMap::new();
        let listed = model.maps(param).tables;
        for id in model.tables.known_entry_tables_of(&listed) {
            let Some(entries) = model.tables.get(id).entries() else {
                continue;
            };
            let mut last: Option<(&str, bool)> = None;
            for i in 0..entries.len() as u32 {
                let key = entries.folded_key(i);
                // Tables list a domain's keys together: the last answer is usually it. A key
                // that ends in `@` and the last domain (which holds no `@`) is in it, found
                // without searching the key for its last `@`.
                if let Some((d, answer)) = last {
                    if in_domain(key, d) {
                        if answer {
                            count_stray(&mut strays, param, entries, i, d);
                        }
                        continue;
                    }
                }
                let Some((_, domain)) = split_address(key) else {
                    continue;
                };
                // A domain with a no-break space in it is invisible-character's.
                if domain.is_empty()
                    || memchr::memchr3(b'$', b'{', b'%', domain.as_bytes()).is_some()
                    || (!domain.is_ascii()
                        && domain
                            .chars()
                            .any(crate::output::looks_like_nothing_or_space))
                {
                    continue;
                }
                let no_class = match model.memoized_class(domain) {
                    Some(resolved) => resolved == Resolved::NoClass,
                    None => *outside
                        .entry(domain)
                        .or_insert_with(|| model.resolve_class(domain) == Resolved::NoClass),
                };
                last = Some((domain, no_class));
                if no_class {
                    count_stray(&mut strays, param, entries, i, domain);
                }
            }
        }
        if strays.is_empty() {
            continue;
        }
        let hosted = hosted.get_or_insert_with(|| hosted_domains(model));
        let mut strays: Vec<Stray> = strays.into_values().collect();
        strays.sort_by_key(|s| s.first.0);
        // A typo hint costs a pass over the hosted domains: for the first few only.
        for (n, stray) in strays.into_iter().enumerate() {
            let typo = if n < 50 {
                near(hosted, &stray.domain)
            } else {
                None
            };
            // An alias key outside every class still rewrites mail that authorized clients
            // send there: only a likely typo is reported.
            if stray.param == "virtual_alias_maps" && typo.is_none() {
                continue;
            }
            let domain = super::shorten(&stray.domain);
            let keys = if stray.count == 1 {
                format!("`{}`", super::shorten(&stray.first.1))
            } else {
                format!(
                    "{} keys (`{}`, …)",
                    stray.count,
                    super::shorten(&stray.first.1)
                )
            };
            let finding = out.report(
                stray.first.0,
                match &typo {
                    Some(t) => format!(
                        "{} has {keys} in {domain}, which is in no address class: did you mean {t}? Postfix never receives mail for {domain}, so {} never used",
                        stray.param,
                        if stray.count == 1 { "this entry is" } else { "these entries are" }
                    ),
                    None => format!(
                        "{} has {keys} in {domain}, which is in no address class: Postfix never receives mail for it, so {} no mail",
                        stray.param,
                        if stray.count == 1 { "this mailbox gets" } else { "these mailboxes get" }
                    ),
                },
            );
            finding.subject(format!("{} {}", stray.param, stray.domain));
            finding.label(format!("{domain}: not in mydestination, virtual_alias_domains, virtual_mailbox_domains or relay_domains"));
            finding.help(match &typo {
                Some(t) => format!(
                    "Correct the domain to {t} in these keys, or add {domain} to \
                     virtual_mailbox_domains if it is a domain of its own."
                ),
                None => format!(
                    "Add {domain} to virtual_mailbox_domains, or remove the entries: mail for \
                     {domain} is relayed elsewhere (or refused), never delivered here."
                ),
            });
        }
    }
}

/// The domains the classes list literally, folded: the candidates a typo was meant to be.
/// The domains of the address classes (case-folded, as the class lists hold them).
enum Hosted<'m> {
    /// A few thousand at most: a set of their own, which the typo hint also walks.
    Listed(HashSet<Cow<'m, str>>),
    /// More: the model's class memo holds each of them already (a set of its own took 5 MB
    /// for an ISP's 100k domains).
    Memo(&'m Model),
}

impl Hosted<'_> {
    fn contains(&self, domain: &str) -> bool {
        match self {
            Hosted::Listed(set) => set.contains(domain),
            Hosted::Memo(model) => model.memoized_class(domain).is_some(),
        }
    }
}

fn hosted_domains(model: &Model) -> Hosted<'_> {
    let slots: usize = ClassKind::RESOLVE_ORDER
        .iter()
        .map(|&kind| model.class(kind).member_slots())
        .sum();
    if slots > 4000 {
        return Hosted::Memo(model);
    }
    Hosted::Listed(
        ClassKind::RESOLVE_ORDER
            .iter()
            .flat_map(|&kind| {
                model
                    .class(kind)
                    .members(&model.tables)
                    .map(|m| fold(m.domain))
            })
            .collect(),
    )
}
