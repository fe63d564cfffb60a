//! An `@domain` virtual alias, or a regexp or pcre rule that matches every address of the
//! domain, in a domain whose mailboxes have no alias of their own: virtual aliases are resolved
//! before mailboxes, so the catch-all takes their mail.

use std::collections::HashMap;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::ClassKind;
use crate::model::patterns::Op;
use crate::model::restrictions::service_value;
use crate::model::tables::{in_domain, split_address, Answer, Hit};
use crate::model::{MapsList, Model, Resolved};
use crate::parse::list::list_items;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "catch-all-shadows-mailbox",
    severity: Severity::Error,
    summary:
        "an @domain alias takes the mail of the domain's mailboxes that have no alias of their own",
    doc: include_str!("../../rules/catch-all-shadows-mailbox.md"),
    undecided: |model| {
        model.maps_partial("virtual_alias_maps")
            || model.maps_partial("virtual_mailbox_maps")
            || crate::model::patterns::catch_all_search_too_large(model)
    },
    check,
};

/// A catch-all and the mailboxes it takes.
struct CatchAll {
    /// `@example.org`, or the pattern as written (`/@example\.org$/`).
    key: String,
    pattern: bool,
    span: Span,
    /// Where the first shadowed mailbox's mail goes.
    value: String,
    shadowed: Vec<String>,
    /// The catch-all is in a local domain, and `shadowed` are local users the aliases name.
    local: bool,
    /// For a local catch-all: the alias that names the first of them, and its key.
    named_by: Option<(Span, String)>,
}

impl CatchAll {
    /// The first three addresses it takes, shortened for a message, and "…" after them when
    /// there are more.
    fn first_few(&self) -> (Vec<String>, &'static str) {
        let first = self
            .shadowed
            .iter()
            .take(3)
            .map(|m| super::shorten(m).into_owned())
            .collect();
        (first, if self.shadowed.len() > 3 { ", …" } else { "" })
    }
}

/// What answers the virtual alias lookup of a mailbox's address.
enum Answerer {
    /// The mailbox's own entry or rule, something postlint cannot see, or nothing: not shadowed.
    NotACatchAll,
    /// A catch-all, with the value it gives this address.
    CatchAll(Hit, String),
}

/// The mailboxes of one virtual mailbox domain, with what postlint found for the domain.
struct Domain {
    /// What the `@domain` lookup answers (the fixed-key catch-all), once.
    at_domain: Answer,
    /// Whether the domain is, or with $myorigin unknown may be, $myorigin: mail_addr_find()
    /// tries the bare local part too, and a bare target is completed there. Either way a
    /// mailbox that a bare key or a bare target may stand for is not reported.
    is_myorigin: bool,
    /// Whether a regexp or pcre rule in virtual_alias_maps matches every address of it.
    pattern_catch_all: bool,
}

fn check(model: &Model, out: &mut Findings) {
    let aliases = model.maps("virtual_alias_maps");
    if aliases.unknown || aliases.tables.is_empty() {
        return;
    }
    let myorigin = model.myorigin();
    local_users(model, &aliases, myorigin.as_deref(), out);
    let mailboxes = model.maps("virtual_mailbox_maps");
    if mailboxes.tables.is_empty() {
        return;
    }
    let tables = &model.tables;
    // The virtual mailbox domains of the mailboxes, borrowed from the tables' folded keys: a
    // first pass finds them (an ISP's million mailboxes are never copied), the second looks up
    // only the mailboxes of domains that have a catch-all.
    // Which domains can have a catch-all: with a regexp or pcre table any; else only those
    // with an `@domain` key in a table postlint reads (an unknown table answers nothing
    // postlint reports). An ISP's 100k domains are then never resolved one by one.
    let patterns = !tables.pattern_tables_of(&aliases.tables).is_empty();
    if patterns && crate::model::patterns::catch_all_search_too_large(model) {
        return;
    }
    let at_domains = at_domains(model, &aliases);
    if !patterns && at_domains.is_empty() {
        return;
    }
    let mailbox_tables = tables.known_entry_tables_of(&mailboxes.tables);
    let mut domains: Vec<(&str, Domain)> = Vec::new();
    let mut domain_index: hashbrown::HashMap<&str, Option<usize>> = hashbrown::HashMap::new();
    for &id in &mailbox_tables {
        let Some(entries) = tables.get(id).entries() else {
            continue;
        };
        let mut last: Option<&str> = None;
        for i in 0..entries.len() as u32 {
            let key = entries.folded_key(i);
            if key.starts_with('@') || last.is_some_and(|d| in_domain(key, d)) {
                continue;
            }
            let Some((_, domain)) = split_address(key) else {
                continue;
            };
            last = Some(domain);
            if (!patterns && !at_domains.contains(domain)) || domain_index.contains_key(domain) {
                continue;
            }
            // Only mailboxes Postfix delivers to: the domain is a virtual mailbox domain.
            let hosted = matches!(
                model.resolve_class(domain),
                Resolved::Class(ClassKind::VirtualMailbox, _)
            );
            let index = hosted.then(|| {
                domains.push((
                    domain,
                    Domain {
                        at_domain: aliases.lookup_partial(tables, &format!("@{domain}")),
                        is_myorigin: myorigin.as_deref().is_none_or(|o| o == domain),
                        pattern_catch_all: false,
                    },
                ));
                domains.len() - 1
            });
            domain_index.insert(domain, index);
        }
    }
    if domains.is_empty() {
        return;
    }
    // The rules of regexp and pcre tables that match every address of some of the domains,
    // decided once per rule for all the domains.
    let names: Vec<&str> = domains.iter().map(|&(d, _)| d).collect();
    let mut rule_domains: HashMap<Hit, Vec<bool>> = HashMap::new();
    for table in tables.pattern_tables_of(&aliases.tables) {
        let Some(patterns) = tables.get(table).patterns() else {
            continue;
        };
        for (rule, r) in patterns.rules.iter().enumerate() {
            if !matches!(r.op, Op::Match { .. }) {
                continue;
            }
            let every = patterns.matches_every_address(rule as u32, &names);
            if every.contains(&true) {
                for (domain, &yes) in domains.iter_mut().zip(&every) {
                    domain.1.pattern_catch_all |= yes;
                }
                rule_domains.insert(Hit::Rule(table, rule as u32), every);
            }
        }
    }
    if !domains.iter().any(|(_, info)| {
        info.pattern_catch_all || matches!(info.at_domain, Answer::Found(Some(Hit::Entry(..))))
    }) {
        return;
    }
    let mut catch_alls: HashMap<Hit, CatchAll> = HashMap::new();
    for &id in &mailbox_tables {
        let Some(entries) = tables.get(id).entries() else {
            continue;
        };
        // Tables list a domain's mailboxes together: the last domain's answer is usually it.
        let mut last: Option<(&str, Option<usize>)> = None;
        for i in 0..entries.len() as u32 {
            let folded = entries.folded_key(i);
            if folded.starts_with('@') {
                continue;
            }
            let index = match last {
                Some((d, index)) if in_domain(folded, d) => index,
                _ => {
                    let Some((_, domain)) = split_address(folded) else {
                        continue;
                    };
                    let index = domain_index.get(domain).copied().flatten();
                    last = Some((domain, index));
                    index
                }
            };
            let Some(index) = index else {
                continue;
            };
            let (domain, info) = &domains[index];
            // Without a catch-all for the domain, nothing takes a mailbox's mail: no lookups.
            if !info.pattern_catch_all
                && !matches!(info.at_domain, Answer::Found(Some(Hit::Entry(..))))
            {
                continue;
            }
            shadow(
                model,
                &aliases,
                (entries.entry(i).key, folded),
                (domain, info, index),
                &rule_domains,
                &mut catch_alls,
            );
        }
    }
    let mut found: Vec<CatchAll> = catch_alls
        .into_values()
        .filter(|c| !c.shadowed.is_empty())
        .collect();
    found.sort_by_key(|c| c.span);
    for catch_all in found {
        report(out, catch_all);
    }
}

/// The domains of the `@domain` keys of the tables of virtual_alias_maps postlint reads.
fn at_domains<'m>(model: &'m Model, aliases: &MapsList) -> hashbrown::HashSet<&'m str> {
    let tables = &model.tables;
    let mut out = hashbrown::HashSet::new();
    for id in tables.known_entry_tables_of(&aliases.tables) {
        if let Some(entries) = tables.get(id).entries() {
            out.extend(
                entries
                    .maybe_special()
                    .filter_map(|i| entries.folded_key(i).strip_prefix('@'))
                    .filter(|d| !d.is_empty()),
            );
        }
    }
    out
}

/// An `@domain` alias in a local domain (mydestination) takes the mail of the domain's local
/// users too. postlint cannot see the passwd file, but the aliases name users: a target of
/// virtual_alias_maps in such a domain (`bob`, completed at @$myorigin, or `bob@domain`) with
/// no alias of its own is expanded again and lands on the catch-all (`mail-users@domain
/// parseword, alice, bob` with `@domain parseword@domain`: the list reaches parseword only).
/// Targets with an address extension, and domains whose catch-all postlint cannot read, are
/// left alone.
fn local_users(model: &Model, aliases: &MapsList, myorigin: Option<&str>, out: &mut Findings) {
    let tables = &model.tables;
    let local: hashbrown::HashMap<&str, Hit> = at_domains(model, aliases)
        .into_iter()
        .filter(|d| matches!(model.resolve_class(d), Resolved::Class(ClassKind::Local, _)))
        .filter_map(|d| match aliases.lookup_partial(tables, &format!("@{d}")) {
            Answer::Found(Some(hit @ Hit::Entry(..))) => Some((d, hit)),
            _ => None,
        })
        .collect();
    if local.is_empty() {
        return;
    }
    let delimiters = service_value(model, None, "recipient_delimiter").unwrap_or_default();
    let mut seen: hashbrown::HashSet<String> = hashbrown::HashSet::new();
    let mut catch_alls: HashMap<Hit, CatchAll> = HashMap::new();
    for id in tables.known_entry_tables_of(&aliases.tables) {
        let Some(entries) = tables.get(id).entries() else {
            continue;
        };
        for i in 0..entries.len() as u32 {
            for target in crate::model::alias_graph::folded_targets(entries.value(i)) {
                let address = match (target.contains('@'), myorigin) {
                    (true, _) => target.into_owned(),
                    (false, Some(origin)) => format!("{target}@{origin}"),
                    (false, None) => continue,
                };
                let Some((user, domain)) = address.rsplit_once('@') else {
                    continue;
                };
                let Some(&hit) = local.get(domain) else {
                    continue;
                };
                if user.is_empty()
                    || user.contains(|c: char| delimiters.contains(c) || c == '"')
                    || seen.contains(&address)
                {
                    continue;
                }
                seen.insert(address.clone());
                // mail_addr_find(): the whole address, then the bare local part (the domain
                // is local), then `@domain`. Anything that answers before the catch-all, or
                // that postlint cannot know, keeps the address from it.
                if aliases.lookup(tables, &address) != Answer::NotFound
                    || aliases.lookup_partial(tables, user) != Answer::NotFound
                {
                    continue;
                }
                let Some(value) = tables.hit_value(hit, &address) else {
                    continue;
                };
                // The catch-all's own target (a bare one completed at @$myorigin) is not
                // taken from itself: its expansion ends there.
                let own_target = list_items(&value).any(|r| {
                    let item = &value[r];
                    item.eq_ignore_ascii_case(&address)
                        || (!item.contains('@')
                            && myorigin.is_some_and(|o| {
                                address.eq_ignore_ascii_case(&format!("{item}@{o}"))
                            }))
                });
                if own_target {
                    continue;
                }
                let catch_all = catch_alls.entry(hit).or_insert_with(|| {
                    let mut c = describe(model, hit, value.into_owned());
                    c.local = true;
                    c.named_by = tables
                        .hit_span(Hit::Entry(id, i))
                        .map(|span| (span, entries.entry(i).key.to_string()));
                    c
                });
                catch_all.shadowed.push(address);
            }
        }
    }
    let mut found: Vec<CatchAll> = catch_alls.into_values().collect();
    found.sort_by_key(|c| c.span);
    for catch_all in found {
        report(out, catch_all);
    }
}

/// Adds a mailbox to the catch-all that answers its address first, if one does.
fn shadow(
    model: &Model,
    aliases: &MapsList,
    (mailbox, folded): (&str, &str),
    (domain, info, index): (&str, &Domain, usize),
    rule_domains: &HashMap<Hit, Vec<bool>>,
    catch_alls: &mut HashMap<Hit, CatchAll>,
) {
    let Answerer::CatchAll(hit, value) = who_answers(model, aliases, folded, domain, info) else {
        return;
    };
    if let Hit::Rule(..) = hit {
        // A rule for some addresses only is the mailbox's own alias.
        if !rule_domains.get(&hit).is_some_and(|every| every[index]) {
            return;
        }
    }
    // The catch-all's own target is not taken from itself (a bare one is completed at
    // @$myorigin, which may be this domain).
    let own_target = list_items(&value).any(|r| {
        let item = &value[r];
        item.eq_ignore_ascii_case(folded)
            || (info.is_myorigin
                && !item.contains('@')
                && folded.eq_ignore_ascii_case(&format!("{item}@{domain}")))
    });
    if own_target {
        return;
    }
    let catch_all = catch_alls
        .entry(hit)
        .or_insert_with(|| describe(model, hit, value));
    catch_all.shadowed.push(mailbox.to_string());
}

/// Follows mail_addr_find() for a mailbox's address through virtual_alias_maps: the whole
/// address in every table (regexp and pcre tables too), then the bare local part when the
/// domain is $myorigin, then `@domain` in the fixed-key tables.
fn who_answers(
    model: &Model,
    aliases: &MapsList,
    address: &str,
    domain: &str,
    info: &Domain,
) -> Answerer {
    let tables = &model.tables;
    match aliases.lookup(tables, address) {
        Answer::Found(Some(hit @ Hit::Rule(..))) => match tables.hit_value(hit, address) {
            Some(value) => return Answerer::CatchAll(hit, value.into_owned()),
            None => return Answerer::NotACatchAll,
        },
        Answer::NotFound => {}
        // Its own entry, or an answer postlint cannot know.
        _ => return Answerer::NotACatchAll,
    }
    if info.is_myorigin {
        let local = address
            .strip_suffix(&format!("@{domain}"))
            .unwrap_or(address);
        if aliases.lookup_partial(tables, local) != Answer::NotFound {
            return Answerer::NotACatchAll;
        }
    }
    match info.at_domain {
        Answer::Found(Some(hit @ Hit::Entry(..))) => match tables.hit_value(hit, address) {
            Some(value) => Answerer::CatchAll(hit, value.into_owned()),
            None => Answerer::NotACatchAll,
        },
        _ => Answerer::NotACatchAll,
    }
}

fn describe(model: &Model, hit: Hit, value: String) -> CatchAll {
    let (key, pattern) = match hit {
        Hit::Entry(t, i) => (
            model
                .tables
                .get(t)
                .entries()
                .map_or(String::new(), |e| e.entry(i).key.to_string()),
            false,
        ),
        Hit::Rule(t, r) => (
            model
                .tables
                .get(t)
                .patterns()
                .and_then(|p| p.rules.get(r as usize))
                .map_or(String::new(), |rule| rule.written.clone()),
            true,
        ),
        Hit::Probe(t, i) => (
            model
                .tables
                .probed
                .get(&t)
                .map_or(String::new(), |p| p.answer(i).key.clone()),
            false,
        ),
    };
    CatchAll {
        key,
        pattern,
        span: model.tables.hit_span(hit).unwrap_or(model.main_cf_start()),
        value,
        shadowed: Vec::new(),
        local: false,
        named_by: None,
    }
}

fn report(out: &mut Findings, catch_all: CatchAll) {
    if catch_all.local {
        return report_local(out, catch_all);
    }
    let n = catch_all.shadowed.len();
    let domain = catch_all.shadowed[0]
        .rsplit_once('@')
        .map_or("", |(_, d)| d)
        .to_string();
    let (first, more) = catch_all.first_few();
    let goes = if catch_all.value.starts_with('@') {
        format!(
            "the same user at {}",
            super::shorten(catch_all.value.trim_start_matches('@'))
        )
    } else {
        super::shorten(&catch_all.value).into_owned()
    };
    let mailboxes = if n == 1 { "mailbox" } else { "mailboxes" };
    let what = if catch_all.pattern {
        format!("catch-all pattern {}", super::shorten(&catch_all.key))
    } else {
        format!("catch-all {}", catch_all.key)
    };
    // A pattern answers before the aliases of later tables too: "no alias before it".
    let (own_one, own_many) = if catch_all.pattern {
        (
            "which no alias answers for before it",
            "that no alias answers for before it",
        )
    } else {
        (
            "which has no alias of its own",
            "with no alias of their own",
        )
    };
    let message = if n == 1 {
        format!(
            "{what} takes the mail of the mailbox {}, {own_one}: it goes to {goes}, and the mailbox gets nothing",
            first[0]
        )
    } else {
        format!(
            "{what} takes the mail of {n} mailboxes of {domain} {own_many} ({}{more}): it goes to {goes}, and the mailboxes get nothing",
            first.join(", ")
        )
    };
    let finding = out.report(catch_all.span, message);
    finding.subject(format!("{} shadows", catch_all.key));
    finding.label(format!(
        "answers before virtual_mailbox_maps for {n} {mailboxes}"
    ));
    if catch_all.pattern {
        finding.help(format!(
            "Virtual aliases are resolved before mailboxes, and regexp and pcre tables are asked \
             the whole address, table by table in virtual_alias_maps order, before any `@domain` \
             key: a pattern that matches every address of the domain answers for each mailbox \
             that nothing before it answers. Give each mailbox an identity alias (`{}  {}`) in a \
             table listed before this one, or a rule above the pattern, or remove the catch-all.",
            first[0], first[0]
        ));
    } else {
        finding.help(format!(
            "Virtual aliases are resolved before mailboxes, and an @domain alias matches every \
             address that has no alias entry of its own. Give each mailbox an identity alias \
             (`{}  {}`), so its own key answers first, or remove the catch-all.",
            first[0], first[0]
        ));
    }
}

/// The finding for a catch-all in a local domain and the local users the aliases name.
fn report_local(out: &mut Findings, catch_all: CatchAll) {
    let n = catch_all.shadowed.len();
    let (first, more) = catch_all.first_few();
    let goes = super::shorten(&catch_all.value);
    let message = if n == 1 {
        format!(
            "catch-all {} also takes the mail of the local user {}, which aliases send mail to and which has no alias of its own: it goes to {goes} instead",
            catch_all.key, first[0]
        )
    } else {
        format!(
            "catch-all {} also takes the mail of {n} local users that aliases send mail to, with no alias of their own ({}{more}): it goes to {goes} instead",
            catch_all.key,
            first.join(", ")
        )
    };
    let finding = out.report(catch_all.span, message);
    finding.subject(format!("{} shadows local users", catch_all.key));
    finding.label(format!(
        "answers for {n} local {}",
        if n == 1 { "user" } else { "users" }
    ));
    if let Some((span, key)) = &catch_all.named_by {
        finding.secondary(
            *span,
            format!("{} sends mail to {}", super::shorten(key), first[0]),
        );
    }
    finding.help(format!(
        "Virtual aliases apply to local (mydestination) domains too, and are expanded again: an \
         alias target is looked up as user@domain, then as the bare user, then as @domain, so \
         the catch-all answers for every local user without an entry of their own. Give each \
         such user an identity alias (`{}  {}`), or remove the catch-all.",
        first[0], first[0]
    ));
}
