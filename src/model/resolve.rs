//! Where mail for an address goes, the way Postfix takes it: virtual alias expansion as
//! cleanup_map1n.c does it (recursive; an address that maps to itself is final; the nesting and
//! expansion limits), then, for each address the expansion ends with, its address class
//! (trivial-rewrite's resolve_addr) and what delivers it: local(8), a virtual mailbox, the relay
//! or default transport, or a transport_maps entry. Where a table cannot be read, the answer is
//! unknown, with the reason.

use std::collections::{HashMap, HashSet};

use super::classes::ClassKind;
use super::restrictions::service_value;
use super::tables::{Answer, Content, KeyKind};
use super::{Model, Resolved};
use crate::parse::list::split_list;
use crate::source::Span;

/// A table entry that answered a lookup: the key that matched and where the entry is.
#[derive(Clone, Debug)]
pub struct Via {
    pub param: &'static str,
    pub key: String,
    pub span: Option<Span>,
}

/// What takes mail for an address the expansion ends with.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// local(8), for a user of a local domain; with the aliases(5) entry when there is one.
    Local {
        user: String,
        alias: Option<(Via, String)>,
    },
    /// A virtual mailbox, delivered by virtual_transport.
    Mailbox {
        path: String,
        via: Via,
        transport: String,
    },
    /// Handed to a transport: relay_transport, default_transport or a transport_maps entry.
    Transport {
        transport: String,
        why: String,
        via: Option<Via>,
    },
    /// Refused: at RCPT time when no alias was involved, else bounced after acceptance.
    Rejected {
        reason: String,
        after_alias: bool,
    },
    Unknown(String),
}

/// One address of the expansion tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub address: String,
    pub parent: Option<usize>,
    /// The alias entry that turned the parent into this address.
    pub via: Option<Via>,
    /// For the addresses the expansion ends with: the class and what delivers the mail.
    pub class: Option<Resolved>,
    pub delivery: Option<Delivery>,
}

/// Why an expansion stopped before its end.
#[derive(Clone, Debug)]
pub enum Stop {
    /// Postfix defers the message: "4.6.0 Alias expansion error". `cycle` lists a loop's nodes.
    Deferred {
        reason: String,
        cycle: Vec<usize>,
    },
    Unknown(String),
}

#[derive(Clone, Debug)]
pub struct Expansion {
    pub nodes: Vec<Node>,
    /// The nodes the expansion ends with, in Postfix's order.
    pub finals: Vec<usize>,
    pub stop: Option<Stop>,
    /// For an unknown stop: the node whose lookup postlint could not answer.
    pub unknown_at: Option<usize>,
    /// The nodes the expansion also ends with that repeat the address of a final one
    /// (cleanup(8) writes each recipient once): list members a catch-all sends on to one
    /// address, two aliases of one mailbox.
    pub repeats: Vec<usize>,
}

/// The lookup keys of mail_addr_find() for an address: user+ext@domain, user@domain, then (in a
/// local domain) user+ext and user, then @domain; each with whether it matched without the
/// extension.
fn address_keys(
    local: &str,
    domain: &str,
    delimiters: &str,
    local_domain: bool,
    at_domain: bool,
) -> (Vec<(String, bool)>, Option<String>) {
    let (bare, ext) = match local.find(|c| delimiters.contains(c)) {
        Some(at) if !delimiters.is_empty() && at > 0 => {
            (&local[..at], Some(local[at..].to_string()))
        }
        _ => (local, None),
    };
    let mut keys = vec![(format!("{local}@{domain}"), false)];
    if ext.is_some() {
        keys.push((format!("{bare}@{domain}"), true));
    }
    if local_domain {
        keys.push((local.to_string(), false));
        if ext.is_some() {
            keys.push((bare.to_string(), true));
        }
    }
    // mail_addr_find() hands back the extension only for the user@domain and local-part
    // matches, not for @domain: nothing is stripped or propagated there.
    if at_domain {
        keys.push((format!("@{domain}"), false));
    }
    (keys, ext)
}

/// The keys of `address_keys` as mail_addr_find() asks them: the first whole, the rest partial
/// (regexp and pcre tables see only the whole address).
fn with_kinds(keys: &[(String, bool)]) -> Vec<(String, KeyKind)> {
    keys.iter()
        .enumerate()
        .map(|(i, (k, _))| {
            let kind = if i == 0 {
                KeyKind::Full
            } else {
                KeyKind::Partial
            };
            (k.clone(), kind)
        })
        .collect()
}

/// A lookup's value, or why it has none.
enum Value {
    Found(String, Via),
    NotFound,
    Unknown(String),
}

struct Resolver<'m> {
    model: &'m Model,
    /// $myorigin (`Model::myorigin`); None when postlint cannot know it.
    myorigin: Option<String>,
    delimiters: String,
    propagate_virtual: bool,
}

impl Resolver<'_> {
    /// Looks keys up in order in a parameter's tables, as maps_find() does: each key is whole
    /// (every table) or partial (not regexp or pcre tables).
    fn lookup(&self, param: &'static str, keys: &[(String, KeyKind)]) -> Value {
        let maps = self.model.maps(param);
        let tables = &self.model.tables;
        for (key, kind) in keys {
            let answer = maps.query(tables, key, *kind);
            // smtpd folds the recipient to lower case before its checks, cleanup(8) expands
            // aliases of the address as written: a case-sensitive pattern can tell them apart.
            if *kind == KeyKind::Full
                && key.bytes().any(|b| b.is_ascii_uppercase())
                && maps.has_patterns(tables)
            {
                let lower = key.to_ascii_lowercase();
                let folded = maps.query(tables, &lower, *kind);
                let same = match (answer, folded) {
                    (Answer::Found(Some(a)), Answer::Found(Some(b))) => {
                        a == b
                            && match (tables.hit_value(a, key), tables.hit_value(b, &lower)) {
                                (Some(x), Some(y)) => x.eq_ignore_ascii_case(&y),
                                _ => false,
                            }
                    }
                    (a, b) => a == b,
                };
                if !same {
                    return Value::Unknown(format!(
                        "{param}: a case-sensitive regexp or pcre rule answers {key} and {lower} \
                         differently, and smtpd checks the address in lower case while cleanup(8) \
                         expands it as written"
                    ));
                }
            }
            match answer {
                Answer::Found(Some(hit)) => {
                    let (Some(value), Some(span)) =
                        (tables.hit_value(hit, key), tables.hit_span(hit))
                    else {
                        return Value::Unknown(format!("{param}: a table postlint cannot read"));
                    };
                    return Value::Found(
                        value.into_owned(),
                        Via {
                            param,
                            key: key.clone(),
                            span: Some(span),
                        },
                    );
                }
                Answer::Found(None) => {
                    let static_value = maps.tables.iter().find_map(|&t| {
                        let table = self.model.tables.get(t);
                        (table.kind == "static" && matches!(table.content, Content::Everything))
                            .then(|| {
                                table
                                    .name
                                    .strip_prefix('{')
                                    .and_then(|n| n.strip_suffix('}'))
                                    .unwrap_or(&table.name)
                                    .trim_ascii()
                                    .to_string()
                            })
                    });
                    return match static_value {
                        Some(v) => Value::Found(
                            v,
                            Via {
                                param,
                                key: key.clone(),
                                span: None,
                            },
                        ),
                        None => Value::Unknown(format!("{param}: a table that answers every key")),
                    };
                }
                Answer::Unknown => {
                    let why = maps
                        .tables
                        .iter()
                        .find_map(|&t| self.model.tables.unknown_reason(t))
                        .unwrap_or_else(|| {
                            if maps.unknown {
                                format!("{param} holds what postlint cannot read")
                            } else {
                                format!(
                                    "{param}: a regexp or pcre rule answers {key} in a way \
                                     postlint cannot tell (an empty result, or a $number rule \
                                     one program uses and another skips)"
                                )
                            }
                        });
                    return Value::Unknown(why);
                }
                Answer::NotFound => {}
            }
        }
        Value::NotFound
    }

    fn split(address: &str) -> (&str, &str) {
        address.rsplit_once('@').unwrap_or((address, ""))
    }

    /// Whether mail_addr_find() tries the bare local part: the domain is $myorigin or one
    /// resolve_local() accepts (mydestination, the interface addresses).
    fn is_local(&self, domain: &str) -> bool {
        self.myorigin
            .as_deref()
            .is_some_and(|o| domain.eq_ignore_ascii_case(o))
            || matches!(
                self.model.resolve_class(domain),
                Resolved::Class(ClassKind::Local, _)
            )
    }

    /// One virtual_alias_maps lookup of an address: its result addresses.
    fn alias(&self, address: &str) -> Result<Option<(Vec<String>, Via)>, String> {
        let (local, domain) = Self::split(address);
        let (keys, ext) =
            address_keys(local, domain, &self.delimiters, self.is_local(domain), true);
        let (value, via) = match self.lookup("virtual_alias_maps", &with_kinds(&keys)) {
            Value::Found(value, via) => (value, via),
            Value::NotFound => return Ok(None),
            Value::Unknown(why) => return Err(why),
        };
        let unmatched = keys
            .iter()
            .find(|(k, _)| *k == via.key)
            .is_some_and(|(_, without_ext)| *without_ext);
        // `@otherdomain`: mail_addr_map() prepends the local part, without the extension only
        // when the match was made without it.
        let value = if value.starts_with('@') {
            let bare = match (&ext, unmatched) {
                (Some(ext), true) => local.strip_suffix(ext.as_str()).unwrap_or(local),
                _ => local,
            };
            format!("{bare}{value}")
        } else {
            value
        };
        let mut out = Vec::new();
        for r in split_list(&value) {
            let mut target = value[r].to_string();
            if !target.contains('@') {
                let Some(origin) = &self.myorigin else {
                    return Err(format!(
                        "{target} is completed with $myorigin, which postlint cannot know"
                    ));
                };
                target = format!("{target}@{origin}");
            }
            if let (true, true, Some(ext)) = (unmatched, self.propagate_virtual, &ext) {
                let (l, d) = Self::split(&target);
                target = format!("{l}{ext}@{d}");
            }
            out.push(target);
        }
        Ok(Some((out, via)))
    }

    /// What delivers mail for an address that is not expanded further.
    fn deliver(&self, address: &str, after_alias: bool) -> (Resolved, Delivery) {
        let (local, domain) = Self::split(address);
        let class = self.model.resolve_class(domain);
        let value = |param: &str| service_value(self.model, None, param);
        let delivery = match class {
            Resolved::Unknown => Delivery::Unknown(format!(
                "the address class of {domain} depends on what postlint cannot read"
            )),
            Resolved::Class(ClassKind::VirtualAlias, _) => Delivery::Rejected {
                reason: "User unknown in virtual alias table".to_string(),
                after_alias,
            },
            Resolved::Class(ClassKind::Local, _) => {
                let user = local
                    .find(|c| self.delimiters.contains(c))
                    .filter(|_| !self.delimiters.is_empty())
                    .map_or(local, |at| &local[..at]);
                // local(8) asks every table of alias_maps with the local part, then without
                // its extension: whole keys to dict_get().
                let keys = [
                    (local.to_string(), KeyKind::Full),
                    (user.to_string(), KeyKind::Full),
                ];
                match self.lookup("alias_maps", &keys) {
                    Value::Found(v, via) => Delivery::Local {
                        user: user.to_string(),
                        alias: Some((via, v)),
                    },
                    Value::NotFound | Value::Unknown(_) => Delivery::Local {
                        user: user.to_string(),
                        alias: None,
                    },
                }
            }
            // No table to ask: smtpd accepts the address and the transport decides. virtual(8)
            // finds no mailbox in an empty list and bounces; another transport (Dovecot's
            // LMTP) knows its own users.
            Resolved::Class(ClassKind::VirtualMailbox, _)
                if super::values::virtual_mailbox_maps_empty(self.model) =>
            {
                let transport = value("virtual_transport").unwrap_or_default();
                match super::values::virtual_delivers(self.model) {
                    Some(true) => Delivery::Rejected {
                        reason: "virtual(8) finds no mailbox: virtual_mailbox_maps is empty"
                            .to_string(),
                        after_alias: true,
                    },
                    Some(false) => Delivery::Transport {
                        transport,
                        why: "virtual_transport; virtual_mailbox_maps is empty, so smtpd \
                              accepts every address of the domain and the transport decides"
                            .to_string(),
                        via: None,
                    },
                    None => Delivery::Unknown(
                        "virtual_mailbox_maps is empty, and what virtual_transport runs is \
                         not known"
                            .to_string(),
                    ),
                }
            }
            Resolved::Class(ClassKind::VirtualMailbox, _) => {
                let (keys, _) = address_keys(local, domain, &self.delimiters, false, true);
                match self.lookup("virtual_mailbox_maps", &with_kinds(&keys)) {
                    Value::Found(path, via) => Delivery::Mailbox {
                        path,
                        via,
                        transport: value("virtual_transport").unwrap_or_default(),
                    },
                    Value::NotFound => Delivery::Rejected {
                        reason: "User unknown in virtual mailbox table".to_string(),
                        after_alias,
                    },
                    Value::Unknown(why) => Delivery::Unknown(why),
                }
            }
            Resolved::Class(ClassKind::Relay, _) | Resolved::NoClass => {
                let param = if matches!(class, Resolved::NoClass) {
                    "default_transport"
                } else {
                    "relay_transport"
                };
                // smtpd checks relay_recipient_maps at RCPT time; after aliases nothing does.
                let listed = !after_alias
                    && matches!(class, Resolved::Class(ClassKind::Relay, _))
                    && value("relay_recipient_maps").is_some_and(|v| !v.is_empty());
                let (keys, _) = address_keys(local, domain, &self.delimiters, false, true);
                let names = with_kinds(&keys);
                match listed.then(|| self.lookup("relay_recipient_maps", &names)) {
                    Some(Value::NotFound) => Delivery::Rejected {
                        reason: "User unknown in relay recipient table".to_string(),
                        after_alias,
                    },
                    Some(Value::Unknown(why)) => Delivery::Unknown(why),
                    _ => Delivery::Transport {
                        transport: value(param).unwrap_or_default(),
                        why: match value("relayhost") {
                            Some(relay) if !relay.is_empty() && param == "default_transport" => {
                                format!("{param}, relayhost {relay}")
                            }
                            _ => param.to_string(),
                        },
                        via: None,
                    },
                }
            }
        };
        // transport_maps decides the transport of what is delivered (not of what is refused).
        let delivery = match delivery {
            d @ (Delivery::Rejected { .. } | Delivery::Unknown(_)) => d,
            d => match self.transport(local, domain) {
                Ok(Some((transport, via))) => Delivery::Transport {
                    transport,
                    why: "transport_maps".to_string(),
                    via: Some(via),
                },
                Ok(None) => d,
                Err(why) => Delivery::Unknown(why),
            },
        };
        (class, delivery)
    }

    /// A transport_maps entry for an address: the address, the domain, its parents (`.parent`),
    /// then `*`.
    fn transport(&self, local: &str, domain: &str) -> Result<Option<(String, Via)>, String> {
        if self.model.maps("transport_maps").tables.is_empty()
            && !self.model.maps("transport_maps").unknown
        {
            return Ok(None);
        }
        let (keys, _) = address_keys(local, domain, &self.delimiters, false, false);
        let keys = {
            // The domain and its parents are partial keys; the `*` wildcard is a whole one.
            let mut names = with_kinds(&keys);
            names.push((domain.to_string(), KeyKind::Partial));
            let mut rest = domain;
            while let Some((_, parent)) = rest.split_once('.') {
                names.push((format!(".{parent}"), KeyKind::Partial));
                rest = parent;
            }
            names.push(("*".to_string(), KeyKind::Full));
            names
        };
        match self.lookup("transport_maps", &keys) {
            Value::Found(v, via) => Ok(Some((v, via))),
            Value::NotFound => Ok(None),
            Value::Unknown(why) => Err(why),
        }
    }
}

/// What transport_maps answers for a domain as a whole: the entry every address of it gets
/// that no entry names itself (the domain, its parents as `.parent`, then `*`, as trivial-
/// rewrite asks); None when no entry does, Err when postlint cannot know.
pub fn domain_transport(model: &Model, domain: &str) -> Result<Option<String>, String> {
    let maps = model.maps("transport_maps");
    if maps.tables.is_empty() && !maps.unknown {
        return Ok(None);
    }
    let resolver = Resolver {
        model,
        myorigin: None,
        delimiters: String::new(),
        propagate_virtual: false,
    };
    let mut keys = vec![(domain.to_string(), KeyKind::Partial)];
    let mut rest = domain;
    while let Some((_, parent)) = rest.split_once('.') {
        keys.push((format!(".{parent}"), KeyKind::Partial));
        rest = parent;
    }
    keys.push(("*".to_string(), KeyKind::Full));
    match resolver.lookup("transport_maps", &keys) {
        Value::Found(v, _) => Ok(Some(v)),
        Value::NotFound => Ok(None),
        Value::Unknown(why) => Err(why),
    }
}

/// The chain of a slot that hit the nesting limit, cut after its first repeat: the nodes from
/// the address asked about to the second occurrence of the first address that comes back (the
/// rest of the thousand rounds, and the other slots, say nothing more), renumbered; and the
/// ring's positions in them (empty when the chain does not repeat).
fn first_ring(nodes: &[Node], last: usize) -> (Vec<Node>, Vec<usize>) {
    let mut chain = vec![last];
    let mut at = nodes[last].parent;
    while let Some(p) = at {
        chain.push(p);
        at = nodes[p].parent;
    }
    chain.reverse();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut ring = None;
    for (i, &n) in chain.iter().enumerate() {
        if let Some(&first) = seen.get(&nodes[n].address.to_ascii_lowercase()) {
            ring = Some((first, i));
            break;
        }
        seen.insert(nodes[n].address.to_ascii_lowercase(), i);
    }
    let end = ring.map_or(chain.len() - 1, |(_, e)| e);
    let kept: Vec<Node> = chain[..=end]
        .iter()
        .enumerate()
        .map(|(i, &n)| Node {
            parent: i.checked_sub(1),
            ..nodes[n].clone()
        })
        .collect();
    let positions = ring.map_or(Vec::new(), |(first, e)| (first..=e).collect());
    (kept, positions)
}

/// Follows an address through virtual alias expansion to what delivers each final address.
pub fn expand(model: &Model, address: &str) -> Expansion {
    let value = |param: &str, default: &str| {
        service_value(model, None, param).unwrap_or_else(|| default.to_string())
    };
    let resolver = Resolver {
        model,
        myorigin: model.myorigin(),
        delimiters: value("recipient_delimiter", ""),
        propagate_virtual: value("propagate_unmatched_extensions", "canonical, virtual")
            .split([',', ' ', '\t'])
            .any(|w| w.eq_ignore_ascii_case("virtual")),
    };
    let limit = |param: &str| value(param, "1000").parse::<usize>().unwrap_or(1000);
    let (recursion_limit, expansion_limit) = (
        limit("virtual_alias_recursion_limit"),
        limit("virtual_alias_expansion_limit"),
    );
    let mut input = address.trim_ascii().to_string();
    if !input.contains('@') {
        input = format!("{input}@{}", resolver.myorigin.as_deref().unwrap_or(""));
    }
    let (local, domain) = Resolver::split(&input);
    let typed = input.clone();
    let input = format!("{local}@{}", domain.to_ascii_lowercase());
    let mut nodes = vec![Node {
        address: input,
        parent: None,
        via: None,
        class: None,
        delivery: None,
    }];
    let mut argv: Vec<usize> = vec![0];
    let mut fixed: HashSet<String> = HashSet::new();
    let mut stop = None;
    let mut unknown_at = None;
    let mut arg = 0;
    'outer: while arg < argv.len() {
        if argv.len() > expansion_limit {
            stop = Some(Stop::Deferred {
                reason: format!(
                    "the expansion has more than virtual_alias_expansion_limit = {expansion_limit} addresses"
                ),
                cycle: Vec::new(),
            });
            break;
        }
        let mut count = 0;
        loop {
            let current = argv[arg];
            let address = nodes[current].address.clone();
            if fixed.contains(&address.to_ascii_lowercase()) {
                break;
            }
            if count >= recursion_limit {
                let (kept, cycle) = first_ring(&nodes, current);
                nodes = kept;
                let reason = if cycle.is_empty() {
                    format!(
                        "aliases nest deeper than virtual_alias_recursion_limit = {recursion_limit}"
                    )
                } else {
                    format!(
                        "the aliases loop, until virtual_alias_recursion_limit = {recursion_limit}"
                    )
                };
                stop = Some(Stop::Deferred { reason, cycle });
                break 'outer;
            }
            // cleanup(8) looks the recipient up as it was given, domain case and all (postlint
            // shows it with the domain in lower case).
            let asked = if current == 0 { &typed } else { &address };
            let (targets, via) = match resolver.alias(asked) {
                Ok(Some(found)) => found,
                Ok(None) => break,
                Err(why) => {
                    stop = Some(Stop::Unknown(why));
                    unknown_at = Some(current);
                    break 'outer;
                }
            };
            for target in &targets {
                if target.eq_ignore_ascii_case(&address) {
                    fixed.insert(address.to_ascii_lowercase());
                }
            }
            for (i, target) in targets.into_iter().enumerate() {
                nodes.push(Node {
                    address: target,
                    parent: Some(current),
                    via: Some(via.clone()),
                    class: None,
                    delivery: None,
                });
                let new = nodes.len() - 1;
                if i == 0 {
                    argv[arg] = new;
                } else {
                    argv.push(new);
                }
            }
            count += 1;
        }
        arg += 1;
    }
    // cleanup(8) writes each recipient once.
    let mut written = HashSet::new();
    let (finals, repeats): (Vec<usize>, Vec<usize>) = if stop.is_some() {
        (Vec::new(), Vec::new())
    } else {
        argv.into_iter()
            .partition(|&f| written.insert(nodes[f].address.to_ascii_lowercase()))
    };
    for &f in &finals {
        let after_alias = nodes[f].parent.is_some();
        let (class, delivery) = resolver.deliver(&nodes[f].address, after_alias);
        nodes[f].class = Some(class);
        nodes[f].delivery = Some(delivery);
    }
    Expansion {
        nodes,
        finals,
        stop,
        unknown_at,
        repeats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_keys_in_postfix_order() {
        let (keys, ext) = address_keys("jane+news", "example.org", "+", true, true);
        let keys: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "jane+news@example.org",
                "jane@example.org",
                "jane+news",
                "jane",
                "@example.org"
            ]
        );
        assert_eq!(ext.as_deref(), Some("+news"));
        let (keys, ext) = address_keys("jane+news", "example.org", "", false, true);
        assert_eq!(keys.len(), 2);
        assert!(ext.is_none());
    }
}
