//! postmaster@ and abuse@ must resolve for every domain the server receives mail for.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashMap, HashSet, HashTable};

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::{member_slots_of, ClassKind, Membership, SeenDomains};
use crate::model::tables::{fold, in_domain, split_address, Answer, Entries, TableId, Tables};
use crate::model::{Model, Resolved};
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "missing-role-alias",
    severity: Severity::Warning,
    summary: "a domain has no postmaster@ or abuse@ address",
    doc: include_str!("../../rules/missing-role-alias.md"),
    undecided,
    check,
};

/// The roles every virtual domain needs, with their bit in [`RoleKeys`].
const VIRTUAL_ROLES: [(&str, u8); 2] = [("postmaster", 2), ("abuse", 4)];
/// The bit of a catch-all `@domain` key, which answers every role.
const CATCH_ALL: u8 = 1;

/// Which role keys of a maps list exist, by domain: `postmaster@d`, `abuse@d` and the
/// catch-all `@d`.
enum RoleKeys<'m> {
    /// Gathered in one sequential pass over the entries. With 100k domains, a hash probe per
    /// address into tables of a million keys costs several cache misses each; the pass is a
    /// fraction of that.
    Scanned { bits: DomainBits<'m>, unknown: bool },
    /// The list answers beyond its entries (static:, pipemap:, unknown tables): look each
    /// address up.
    Probe(&'m crate::model::MapsList),
}

/// The role bits of each domain that has a role key, 8 bytes a domain: the domain stays in the
/// table's text, found again from the entry the word names (an ISP's 100k domains took 3 MB,
/// more while the table grew, as a map from the domain text).
struct DomainBits<'m> {
    tables: Vec<&'m Entries>,
    /// The table's position (top 24 bits), the entry (next 32) and the role bits (low 8).
    words: HashTable<u64>,
    hasher: DefaultHashBuilder,
}

/// The domain of the role key a word names: what follows the key's first `@`.
fn domain_of<'m>(tables: &[&'m Entries], word: u64) -> &'m str {
    let key = tables[(word >> 40) as usize].folded_key((word >> 8) as u32);
    memchr::memchr(b'@', key.as_bytes()).map_or("", |at| &key[at + 1..])
}

impl<'m> DomainBits<'m> {
    fn domain(&self, word: u64) -> &'m str {
        domain_of(&self.tables, word)
    }

    fn add(&mut self, table: usize, entry: u32, domain: &str, bit: u8) {
        let hash = self.hasher.hash_one(domain);
        let (tables, hasher) = (&self.tables, &self.hasher);
        if let Some(word) = self
            .words
            .find_mut(hash, |&w| domain_of(tables, w) == domain)
        {
            *word |= u64::from(bit);
            return;
        }
        let word = (table as u64) << 40 | u64::from(entry) << 8 | u64::from(bit);
        self.words
            .insert_unique(hash, word, |&w| hasher.hash_one(domain_of(tables, w)));
    }

    fn get(&self, domain: &str) -> u8 {
        let hash = self.hasher.hash_one(domain);
        self.words
            .find(hash, |&w| self.domain(w) == domain)
            .map_or(0, |&w| w as u8)
    }
}

impl<'m> RoleKeys<'m> {
    /// `domains` sizes the map: about the number of domains that have role keys (growing it
    /// would hash each domain again, found through its entry: cache misses).
    fn new(model: &'m Model, list: &'m crate::model::MapsList, domains: usize) -> RoleKeys<'m> {
        let Some(tables) = model.tables.exact_entry_tables(&list.tables) else {
            return RoleKeys::Probe(list);
        };
        let mut bits = DomainBits {
            tables: tables
                .iter()
                .map(|&id| model.tables.get(id).entries().expect("an entry table"))
                .collect(),
            words: HashTable::with_capacity(domains),
            hasher: DefaultHashBuilder::default(),
        };
        for t in 0..bits.tables.len() {
            let entries = bits.tables[t];
            for i in 0..entries.len() as u32 {
                let key = entries.folded_key(i);
                let found = match key.as_bytes().first() {
                    Some(b'@') => Some((&key[1..], CATCH_ALL)),
                    Some(b'p' | b'a') => VIRTUAL_ROLES.iter().find_map(|&(role, bit)| {
                        let domain = key.strip_prefix(role)?.strip_prefix('@')?;
                        Some((domain, bit))
                    }),
                    _ => None,
                };
                if let Some((domain, bit)) = found {
                    bits.add(t, i, domain, bit);
                }
            }
        }
        RoleKeys::Scanned {
            bits,
            unknown: list.unknown,
        }
    }

    /// What looking up `role@domain`, then `@domain`, in the list answers. `known` keeps the
    /// domain's role bits for the next role asked.
    fn answer(
        &self,
        tables: &Tables,
        role: &str,
        role_bit: u8,
        domain: &str,
        known: &mut Option<u8>,
    ) -> Answer {
        match self {
            RoleKeys::Scanned { bits, unknown } => {
                let has = *known.get_or_insert_with(|| bits.get(&fold(domain)));
                if has & (role_bit | CATCH_ALL) != 0 {
                    // Which entry answered does not matter to this rule.
                    Answer::Found(None)
                } else if *unknown {
                    Answer::Unknown
                } else {
                    Answer::NotFound
                }
            }
            RoleKeys::Probe(list) => Answer::first_found([
                list.lookup(tables, &format!("{role}@{domain}")),
                list.lookup_partial(tables, &format!("@{domain}")),
            ]),
        }
    }
}

/// The classes, or a table where a role address could be, hold what postlint cannot see.
fn undecided(model: &Model) -> bool {
    model.classes_partial()
        || ["alias_maps", "virtual_alias_maps", "virtual_mailbox_maps"]
            .iter()
            .any(|param| model.maps_partial(param))
        || crate::model::values::mailbox_users_unseen(model)
}

fn check(model: &Model, out: &mut Findings) {
    let virtual_alias = model.maps("virtual_alias_maps");
    let virtual_mailbox = model.maps("virtual_mailbox_maps");
    check_virtual_domains(model, out, &virtual_alias, &virtual_mailbox);
    check_local_class(model, out, &virtual_alias);
}

fn check_virtual_domains(
    model: &Model,
    out: &mut Findings,
    virtual_alias: &crate::model::MapsList,
    virtual_mailbox: &crate::model::MapsList,
) {
    let virtual_classes = [ClassKind::VirtualAlias, ClassKind::VirtualMailbox];
    let mut seen = SeenDomains::for_classes(&model.classes, &model.tables, &virtual_classes);
    let myorigin = model.myorigin();
    let hosted = member_slots_of(&model.classes, &virtual_classes);
    // An empty virtual_mailbox_maps: smtpd takes every address of a virtual mailbox domain,
    // and the transport decides whether postmaster@ exists (Dovecot's users, unseen here).
    let every_mailbox = crate::model::values::virtual_mailbox_maps_empty(model);
    let alias_keys = RoleKeys::new(model, virtual_alias, hosted);
    let mailbox_keys = RoleKeys::new(model, virtual_mailbox, hosted);
    let members = virtual_classes.into_iter().flat_map(|class| {
        model
            .class(class)
            .numbered_members(&model.tables)
            .map(move |(slot, member)| (class, slot, member))
    });
    // (member, its class, what listed it, the missing role)
    let mut missing = Vec::new();
    for (class, slot, member) in members {
        // `OK` in a list file written as a table: list-file-looks-like-table explains it.
        if !seen.first(class, slot, member.domain) || model.misread_domains.contains(member.domain)
        {
            continue;
        }
        let Some(Resolved::Class(
            kind @ (ClassKind::VirtualAlias | ClassKind::VirtualMailbox),
            span,
        )) = model.member_class(class, slot)
        else {
            continue;
        };
        if kind == ClassKind::VirtualMailbox && every_mailbox {
            continue;
        }
        // virtual_mailbox_maps counts for virtual mailbox domains only.
        let lists: &[&RoleKeys] = if kind == ClassKind::VirtualMailbox {
            &[&alias_keys, &mailbox_keys]
        } else {
            &[&alias_keys]
        };
        // mail_addr_find() also tries the bare local part when the domain is $myorigin; with
        // $myorigin unknown (myhostname left to the machine), any domain may be it, and a
        // bare key counts.
        let is_myorigin = myorigin
            .as_deref()
            .is_none_or(|o| o.eq_ignore_ascii_case(member.domain));
        // Each list's role bits for the domain, found at the first role that asks.
        let mut known = [None; 2];
        for (role, role_bit) in VIRTUAL_ROLES {
            let bare = is_myorigin.then(|| {
                let alias = virtual_alias.lookup_partial(&model.tables, role);
                match kind == ClassKind::VirtualMailbox && alias == Answer::NotFound {
                    true => virtual_mailbox.lookup_partial(&model.tables, role),
                    false => alias,
                }
            });
            let answer = Answer::first_found(
                lists
                    .iter()
                    .zip(known.iter_mut())
                    .map(|(keys, known)| {
                        keys.answer(&model.tables, role, role_bit, member.domain, known)
                    })
                    .chain(bare),
            );
            if answer == Answer::NotFound {
                missing.push((member, kind, span, role));
            }
        }
    }
    if missing.is_empty() {
        return;
    }
    let target = first_source_file(model, &virtual_alias.tables);
    let failing = || missing.iter().map(|(member, ..)| member.domain);
    let first_entries = first_entry_per_domain(model, &virtual_alias.tables, failing());
    // A mailbox to suggest, for the mailbox domains whose other role has no target to offer:
    // one more pass over the mailbox tables, only when some domain needs it.
    let needs_mailbox: Vec<&str> = missing
        .iter()
        .filter(|(member, kind, _, role)| {
            *kind == ClassKind::VirtualMailbox
                && other_role_target(model, virtual_alias, role, member.domain).is_none()
        })
        .map(|(member, ..)| member.domain)
        .collect();
    let first_mailboxes = if needs_mailbox.is_empty() {
        HashMap::new()
    } else {
        first_entry_per_domain(model, &virtual_mailbox.tables, needs_mailbox.into_iter())
    };
    for (member, kind, span, role) in missing {
        let domain = member.domain;
        let address = format!("{role}@{domain}");
        let primary = span.or(member.span).unwrap_or(model.main_cf_start());
        let finding = out.report(primary, format!("{address} does not resolve"));
        finding.subject(&address);
        finding.label(format!(
            "{} is a {} domain",
            member.written,
            kind.name().replace('_', " ")
        ));
        // Suggest a target that receives mail: never a made-up one, which Postfix would
        // accept mail for and then bounce.
        let first_alias = first_entries.get(domain).copied().flatten();
        let deliver_to = real_target(
            model,
            virtual_alias,
            first_alias,
            first_mailboxes.get(domain).copied().flatten(),
            role,
            domain,
        );
        let line = match &deliver_to {
            Some(to) => format!("`{address}  {to}`"),
            None => format!(
                "`{address}  ADDRESS`, ADDRESS being a mailbox someone reads (an address that \
                 does not exist makes Postfix accept the mail and then bounce it)"
            ),
        };
        let why = match role {
            "postmaster" => "RFC 5321 requires postmaster@ for every domain that receives mail \
                             (and RFC 2142 lists it); senders write to it when mail fails."
                .to_string(),
            _ => format!(
                "RFC 2142 defines {role}@ for every domain that receives mail; abuse desks and \
                 blocklist operators write to it."
            ),
        };
        if let Some((file_span, display)) = &target {
            let (span, label) = match first_alias {
                Some((t, i)) => (
                    model
                        .tables
                        .get(t)
                        .entries()
                        .expect("an entry table")
                        .entry(i)
                        .key_span,
                    format!("virtual_alias_maps has addresses in {domain}, but not {address}"),
                ),
                None => (*file_span, format!("virtual_alias_maps has no {address}")),
            };
            finding.secondary(span, label);
            finding.help(format!(
                "{why} Add a line {line} to {display} and run postmap on it."
            ));
        } else if virtual_alias.tables.is_empty() && !virtual_alias.unknown {
            finding.help(format!(
                "{why} This setup has no virtual_alias_maps: set `virtual_alias_maps = \
                 hash:/etc/postfix/virtual`, put the line {line} in that file and run \
                 `postmap /etc/postfix/virtual`."
            ));
        } else {
            finding.help(format!(
                "{why} Add {line} to a table of virtual_alias_maps."
            ));
        }
    }
}

/// For each of `domains`, the key of the first `user@domain` entry of the tables, to show
/// where a missing role belongs. One pass over the entries, probing a map of only the domains
/// that have findings.
fn first_entry_per_domain<'m>(
    model: &'m Model,
    tables: &[TableId],
    domains: impl Iterator<Item = &'m str>,
) -> HashMap<&'m str, Option<(TableId, u32)>> {
    let mut first: HashMap<&str, Option<(TableId, u32)>> = domains.map(|d| (d, None)).collect();
    // The pass ends once every domain has its entry. Tables list a domain's addresses
    // together: a key in the domain of the key before, when that domain has its entry or none
    // is wanted, is passed over with one comparison of its end (`in_domain`), unhashed.
    let mut left = first.len();
    let mut done_domain: Option<&str> = None;
    for id in tables
        .iter()
        .flat_map(|&id| model.tables.known_entry_tables(id))
    {
        let Some(entries) = model.tables.get(id).entries() else {
            continue;
        };
        for i in 0..entries.len() as u32 {
            if left == 0 {
                return first;
            }
            let key = entries.folded_key(i);
            if done_domain.is_some_and(|d| in_domain(key, d)) {
                continue;
            }
            let Some((local, domain)) = split_address(key) else {
                continue;
            };
            match first.get_mut(domain) {
                Some(slot @ None) if !local.is_empty() => {
                    *slot = Some((id, i));
                    left -= 1;
                    done_domain = Some(domain);
                }
                // `@domain`: the domain still wants an entry.
                Some(None) => done_domain = None,
                Some(Some(_)) | None => done_domain = Some(domain),
            }
        }
    }
    first
}

/// An address that receives mail, to suggest as a role's target: what the domain's other role
/// goes to, else a mailbox of the domain, else what the domain's first alias goes to.
fn real_target(
    model: &Model,
    virtual_alias: &crate::model::MapsList,
    first_alias: Option<(TableId, u32)>,
    first_mailbox: Option<(TableId, u32)>,
    role: &str,
    domain: &str,
) -> Option<String> {
    let entry = |(t, i): (TableId, u32)| model.tables.get(t).entries().map(|e| e.entry(i));
    if let Some(to) = other_role_target(model, virtual_alias, role, domain) {
        return Some(to);
    }
    if let Some(mailbox) = first_mailbox.and_then(entry) {
        return Some(mailbox.key.to_string());
    }
    first_alias
        .and_then(entry)
        .and_then(|e| first_recipient(e.value))
}

/// What the domain's other role address goes to, when a known entry says.
fn other_role_target(
    model: &Model,
    virtual_alias: &crate::model::MapsList,
    role: &str,
    domain: &str,
) -> Option<String> {
    let other = if role == "postmaster" {
        "abuse"
    } else {
        "postmaster"
    };
    let key = format!("{other}@{domain}");
    let Answer::Found(Some(hit)) = virtual_alias.lookup(&model.tables, &key) else {
        return None;
    };
    first_recipient(&model.tables.hit_value(hit, &key)?)
}

fn first_recipient(value: &str) -> Option<String> {
    value
        .split(',')
        .map(str::trim_ascii)
        .find(|r| !r.is_empty())
        .map(String::from)
}

/// The first table of a list whose source file postlint read, as a span at its start.
fn first_source_file(model: &Model, tables: &[TableId]) -> Option<(Span, String)> {
    tables.iter().find_map(|&id| {
        let t = model
            .tables
            .known_entry_tables(id)
            .into_iter()
            .find_map(|k| model.tables.get(k).source)?;
        Some((
            Span::file_start(t),
            model.sources.get(t).display_path.clone(),
        ))
    })
}

fn check_local_class(model: &Model, out: &mut Findings, virtual_alias: &crate::model::MapsList) {
    let local = model.class(ClassKind::Local);
    let domains: Vec<&str> = {
        let mut seen = HashSet::new();
        local
            .members(&model.tables)
            .filter(|m| seen.insert(m.domain))
            .filter(|m| !model.misread_domains.contains(m.domain))
            .filter(|m| {
                matches!(
                    local.contains(&model.tables, m.domain),
                    Membership::Yes { .. }
                )
            })
            .map(|m| m.domain)
            .collect()
    };
    if domains.is_empty() {
        return;
    }
    let alias_maps = model.maps("alias_maps");
    // local(8) looks the bare local part up in alias_maps; virtual alias lookups try
    // postmaster@domain, then the bare `postmaster` for local domains.
    let bare = Answer::first_found([
        alias_maps.lookup(&model.tables, "postmaster"),
        virtual_alias.lookup_partial(&model.tables, "postmaster"),
    ]);
    if bare != Answer::NotFound {
        return;
    }
    let mut unresolved = Vec::new();
    for domain in &domains {
        let address = format!("postmaster@{domain}");
        match virtual_alias.lookup(&model.tables, &address) {
            Answer::NotFound => unresolved.push(*domain),
            Answer::Unknown => return,
            Answer::Found(_) => {}
        }
    }
    if unresolved.is_empty() {
        return;
    }
    let alias_file = first_source_file(model, &alias_maps.tables);
    let primary = model
        .params
        .get("alias_maps")
        .map(|d| d.span())
        .or(alias_file.as_ref().map(|(s, _)| *s))
        .or(model.params.get("mydestination").map(|d| d.span()))
        .unwrap_or(model.main_cf_start());
    let finding = out.report(
        primary,
        format!(
            "postmaster does not resolve for the local domains ({})",
            unresolved.join(", ")
        ),
    );
    finding.label("local(8) looks postmaster up in alias_maps");
    if let Some(def) = model.params.get("mydestination") {
        finding.secondary(def.span(), "the local domains");
    }
    match &alias_file {
        Some((span, display)) => {
            finding.secondary(*span, "this aliases file has no postmaster entry");
            finding.help(format!(
                "RFC 5321 requires postmaster for every domain that receives mail. Add \
                 `postmaster: root` (or a real person) to {display} and run postalias (or newaliases)."
            ));
        }
        None => {
            finding.help("RFC 5321 requires postmaster for every domain that receives mail. Set alias_maps to an aliases file with a postmaster entry.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoadOptions;

    /// The first `user@domain` entry of each domain asked, past `@domain` keys and the
    /// domains not asked, whether or not the domain's keys sit together.
    #[test]
    fn first_entry_of_each_domain() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path();
        std::fs::write(
            path.join("main.cf"),
            "virtual_alias_domains = a.example, c.example\n\
             virtual_alias_maps = hash:/etc/postfix/virtual\n",
        )
        .expect("writable");
        std::fs::write(
            path.join("virtual"),
            "@a.example x@b.example\n\
             postmaster@a.example x@b.example\n\
             u@b.example x@b.example\n\
             v@c.example x@b.example\n\
             w@a.example x@b.example\n\
             y@c.example x@b.example\n",
        )
        .expect("writable");
        let model = Model::load(&LoadOptions {
            config_dir: Some(path.to_path_buf()),
            ..Default::default()
        })
        .expect("loads");
        let maps = model.maps("virtual_alias_maps");
        let first = first_entry_per_domain(
            &model,
            &maps.tables,
            ["a.example", "c.example", "z.example"].into_iter(),
        );
        let key = |domain: &str| {
            first[domain].map(|(t, i)| model.tables.get(t).entries().unwrap().entry(i).key)
        };
        assert_eq!(key("a.example"), Some("postmaster@a.example"));
        assert_eq!(key("c.example"), Some("v@c.example"));
        assert_eq!(key("z.example"), None);
    }
}
