//! The four address classes: local (mydestination), virtual alias, virtual mailbox and relay
//! domains, matched the way trivial-rewrite matches them.

use super::patterns::Substitution;
use super::tables::{fold, Answer, KeyKind, Query, TableId, Tables};
use crate::source::Span;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClassKind {
    Local,
    VirtualAlias,
    VirtualMailbox,
    Relay,
}

impl ClassKind {
    /// The classes in the order trivial-rewrite's `resolve_addr()` tests them.
    pub const RESOLVE_ORDER: [ClassKind; 4] = [
        ClassKind::Local,
        ClassKind::VirtualAlias,
        ClassKind::VirtualMailbox,
        ClassKind::Relay,
    ];

    /// The parameter that lists the class's domains.
    pub fn param(self) -> &'static str {
        match self {
            ClassKind::Local => "mydestination",
            ClassKind::VirtualAlias => "virtual_alias_domains",
            ClassKind::VirtualMailbox => "virtual_mailbox_domains",
            ClassKind::Relay => "relay_domains",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ClassKind::Local => "local",
            ClassKind::VirtualAlias => "virtual_alias",
            ClassKind::VirtualMailbox => "virtual_mailbox",
            ClassKind::Relay => "relay",
        }
    }
}

/// How a list matches a domain name (util/match_list.c).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Matching {
    /// `string_list`: exact, case-insensitive (mydestination, virtual_*_domains).
    Exact,
    /// `domain_list` with the parent-domain style: `example.com` also matches its subdomains
    /// (relay_domains while it is in parent_domain_matches_subdomains).
    Parent,
    /// `domain_list` without it: `.example.com` matches the subdomains.
    Dotted,
}

/// A literal domain of a class list, and where it was put there.
#[derive(Clone, Debug)]
pub struct Member {
    /// Case-folded, as Postfix compares it.
    pub domain: String,
    /// The text as written, for messages.
    pub written: String,
    pub span: Option<Span>,
    /// The `$name` reference that brought it into the class's parameter, if any.
    pub via: Option<Span>,
}

/// A domain in a class, as rules read it: from a literal or from a table key.
#[derive(Copy, Clone, Debug)]
pub struct MemberRef<'a> {
    /// Case-folded, as Postfix compares it.
    pub domain: &'a str,
    /// The text as written, for messages.
    pub written: &'a str,
    pub span: Option<Span>,
    /// The `$name` reference that brought it into the class's parameter, if any.
    pub via: Option<Span>,
}

/// Where a member comes from, in list order. Table members stay in the table: an ISP's
/// 100k domains are not copied, and each costs 12 bytes here.
#[derive(Copy, Clone, Debug)]
enum MemberSlot {
    Literal(u32),
    /// The `entry`th key of `member_tables[source]`.
    Table {
        source: u32,
        entry: u32,
    },
    /// The `answer`th answer `--probe` got from `member_tables[source]`, a domain the
    /// database said is in the table.
    Probe {
        source: u32,
        answer: u32,
    },
}

/// A pattern of the class's list, in list order.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    Literal {
        member: u32,
    },
    Table(TableId),
    /// A pattern postlint cannot know (unknown expansion, unreadable list file).
    Unknown,
}

/// A decision about one domain.
#[derive(Clone, Debug, PartialEq)]
pub enum Membership {
    /// In the class; the span of what matched and the `$name` that brought it in, when known,
    /// and whether it matched through a parent domain (relay_domains `example.com` covers
    /// `sub.example.com`).
    Yes {
        span: Option<Span>,
        via: Option<Span>,
        parent: bool,
    },
    No,
    Unknown,
}

#[derive(Clone, Debug)]
pub struct AddressClass {
    pub kind: ClassKind,
    pub matching: Matching,
    /// The literal items of the list (negated ones excluded).
    literals: Vec<Member>,
    /// The domains known to be in the class, in list order: literal items and domain keys of
    /// known tables. Read through `members`.
    slots: Vec<MemberSlot>,
    /// The tables members come from, with the `$name` reference that brought each in.
    member_tables: Vec<(TableId, Option<Span>)>,
    /// True when the class draws on something postlint cannot see (SQL, LDAP, regexp, files
    /// outside the tree, unknown values), so it may have more members.
    pub unknown_members: bool,
    /// `[address]` literals the local class accepts (inet_interfaces, proxy_interfaces).
    pub address_literals: Vec<String>,
    /// True when some interface addresses are not known (say `inet_interfaces = all`).
    pub unknown_address_literals: bool,
    pub(crate) items: Vec<(bool, Item)>,
    /// Folded literal pattern to (item position, negated) of its first occurrence.
    pub(crate) literal_first: hashbrown::HashMap<String, (u32, bool)>,
    /// Positions of the items that are not literals.
    pub(crate) others: Vec<u32>,
    /// Tables of the list whose members are added once the tables are read: the table, the
    /// `$name` that brought it in, whether it is negated.
    tables_to_read: Vec<(TableId, Option<Span>, bool)>,
    /// The same, once read.
    tables_read: Vec<(TableId, Option<Span>, bool)>,
}

impl AddressClass {
    pub fn new(kind: ClassKind, matching: Matching) -> AddressClass {
        AddressClass {
            kind,
            matching,
            literals: Vec::new(),
            slots: Vec::new(),
            member_tables: Vec::new(),
            unknown_members: false,
            address_literals: Vec::new(),
            unknown_address_literals: false,
            items: Vec::new(),
            literal_first: hashbrown::HashMap::default(),
            others: Vec::new(),
            tables_to_read: Vec::new(),
            tables_read: Vec::new(),
        }
    }

    /// Adds a literal pattern in list order.
    pub(crate) fn push_literal(&mut self, negated: bool, member: Member) {
        let position = self.items.len() as u32;
        self.literal_first
            .entry(member.domain.clone())
            .or_insert((position, negated));
        // A negated literal only decides for its own name; it is not a member.
        let index = if negated {
            u32::MAX
        } else {
            self.literals.push(member);
            let index = self.literals.len() as u32 - 1;
            self.slots.push(MemberSlot::Literal(index));
            index
        };
        self.items.push((negated, Item::Literal { member: index }));
    }

    pub(crate) fn push_table(&mut self, negated: bool, table: TableId, via: Option<Span>) {
        self.others.push(self.items.len() as u32);
        self.items.push((negated, Item::Table(table)));
        self.tables_to_read.push((table, via, negated));
    }

    /// The domains known to be in the class, in list order.
    pub fn members<'a>(&'a self, tables: &'a Tables) -> impl Iterator<Item = MemberRef<'a>> + 'a {
        (0..self.slots.len()).filter_map(move |slot| self.member(tables, slot))
    }

    /// [`AddressClass::members`], each with its slot (for [`SeenDomains`]).
    pub fn numbered_members<'a>(
        &'a self,
        tables: &'a Tables,
    ) -> impl Iterator<Item = (usize, MemberRef<'a>)> + 'a {
        (0..self.slots.len()).filter_map(move |slot| Some((slot, self.member(tables, slot)?)))
    }

    /// The member at a slot, when its table can be read.
    pub fn member<'a>(&'a self, tables: &'a Tables, slot: usize) -> Option<MemberRef<'a>> {
        match *self.slots.get(slot)? {
            MemberSlot::Literal(i) => {
                let m = &self.literals[i as usize];
                Some(MemberRef {
                    domain: &m.domain,
                    written: &m.written,
                    span: m.span,
                    via: m.via,
                })
            }
            MemberSlot::Table { source, entry } => {
                let (table, via) = self.member_tables[source as usize];
                let entries = tables.get(table).entries()?;
                let e = entries.entry(entry);
                Some(MemberRef {
                    domain: entries.folded_key(entry),
                    written: e.key,
                    span: Some(e.key_span),
                    via,
                })
            }
            MemberSlot::Probe { source, answer } => {
                let (table, via) = self.member_tables[source as usize];
                let key = &tables.probed.get(&table)?.answer(answer).key;
                Some(MemberRef {
                    domain: key,
                    written: key,
                    span: tables.query_span(table),
                    via,
                })
            }
        }
    }

    /// The tables of the list that are not negated, in list order.
    pub fn listed_tables(&self) -> impl Iterator<Item = TableId> + '_ {
        self.items.iter().filter_map(|(negated, item)| match item {
            Item::Table(t) if !negated => Some(*t),
            _ => None,
        })
    }

    /// Adds the domains `--probe` found in the list's database tables as members (again:
    /// the members of an earlier call are replaced).
    pub fn add_probed_members(&mut self, tables: &Tables) {
        self.slots
            .retain(|slot| !matches!(slot, MemberSlot::Probe { .. }));
        for i in 0..self.tables_read.len() {
            let (id, via, negated) = self.tables_read[i];
            if negated {
                continue;
            }
            for t in tables.probed_tables_of(&[id]) {
                let source = self.member_tables.len() as u32;
                self.member_tables.push((t, via));
                for (answer, found) in tables.probed[&t].found() {
                    if is_domain_key(&found.key) {
                        self.slots.push(MemberSlot::Probe { source, answer });
                    }
                }
            }
        }
    }

    /// How many members `members` may give (a table that cannot be read gives none).
    pub(crate) fn member_slots(&self) -> usize {
        self.slots.len()
    }

    /// The folded domain of the `slot`th member, as `members` gives it.
    pub(crate) fn member_domain<'a>(&'a self, tables: &'a Tables, slot: usize) -> Option<&'a str> {
        match *self.slots.get(slot)? {
            MemberSlot::Literal(i) => Some(&self.literals[i as usize].domain),
            MemberSlot::Table { source, entry } => {
                let (table, _) = self.member_tables[source as usize];
                Some(tables.get(table).entries()?.folded_key(entry))
            }
            MemberSlot::Probe { source, answer } => {
                let (table, _) = self.member_tables[source as usize];
                Some(&tables.probed.get(&table)?.answer(answer).key)
            }
        }
    }

    /// The table and entry whose key is the `slot`th member, when a table entry is.
    pub(crate) fn member_entry(&self, slot: usize) -> Option<(TableId, u32)> {
        match *self.slots.get(slot)? {
            MemberSlot::Table { source, entry } => {
                Some((self.member_tables[source as usize].0, entry))
            }
            MemberSlot::Literal(_) | MemberSlot::Probe { .. } => None,
        }
    }

    /// Adds the domain keys of the list's tables as members, once the tables are read.
    /// The tables `add_table_members` will read (not those of negated items).
    pub(crate) fn tables_to_read(&self) -> impl Iterator<Item = TableId> + '_ {
        self.tables_to_read
            .iter()
            .filter(|&&(_, _, negated)| !negated)
            .map(|&(id, _, _)| id)
    }

    pub(crate) fn add_table_members(&mut self, tables: &Tables) {
        self.tables_read = std::mem::take(&mut self.tables_to_read);
        for &(id, via, negated) in &self.tables_read {
            if tables.partial_reason(id).is_some() {
                self.unknown_members = true;
            }
            if negated {
                continue;
            }
            for t in tables.known_entry_tables(id) {
                let Some(entries) = tables.get(t).entries() else {
                    continue;
                };
                let source = self.member_tables.len() as u32;
                self.member_tables.push((t, via));
                // Domain keys have no `@`: they are among the special keys.
                for i in entries.maybe_special() {
                    if is_domain_key(entries.folded_key(i)) {
                        self.slots.push(MemberSlot::Table { source, entry: i });
                    }
                }
            }
        }
        // The vector grew by doubling: give back what the members do not use.
        self.slots.shrink_to_fit();
    }

    pub(crate) fn push_unknown(&mut self, negated: bool) {
        self.unknown_members = true;
        self.others.push(self.items.len() as u32);
        self.items.push((negated, Item::Unknown));
    }

    /// The names to try for a domain: itself, and its parents as this list's style allows.
    /// (All are suffixes of the domain: no copies, and no vector for an exact list, which
    /// every domain of an ISP's tables is tried against.)
    fn candidates<'d>(&self, domain: &'d str) -> Names<'d> {
        if self.matching == Matching::Exact {
            return match domain {
                "" => Names::Many(Vec::new()),
                _ => Names::One([domain]),
            };
        }
        let mut out = vec![domain];
        let mut rest = domain;
        // Bytes, not a `str` slice: the first character may be longer than one byte
        // (`ö.example`), and a `.` is always a character boundary.
        while let Some(dot) = rest.bytes().skip(1).position(|b| b == b'.').map(|i| i + 1) {
            match self.matching {
                Matching::Parent => out.push(&rest[dot + 1..]),
                _ => out.push(&rest[dot..]),
            }
            rest = &rest[dot..];
        }
        out.retain(|c| !c.is_empty());
        Names::Many(out)
    }

    /// Is the domain in this class? The first list item that matches decides, as in Postfix.
    pub fn contains(&self, tables: &Tables, domain: &str) -> Membership {
        if self.items.is_empty() {
            return Membership::No;
        }
        let domain = fold(domain.trim_end_matches('.'));
        let candidates = self.candidates(&domain);
        // (position, negated, index of the candidate that matched)
        let literal = candidates
            .iter()
            .enumerate()
            .filter_map(|(i, c)| self.literal_first.get(*c).map(|&(p, n)| (p, n, i)))
            .min_by_key(|(position, _, _)| *position);
        for &position in &self.others {
            if literal.is_some_and(|(lp, _, _)| lp < position) {
                break;
            }
            let (negated, item) = &self.items[position as usize];
            let (answer, matched) = match item {
                Item::Table(id) => self.table_answer(tables, *id, &candidates),
                _ => (Answer::Unknown, 0),
            };
            match answer {
                Answer::Found(entry) => {
                    if *negated {
                        return Membership::No;
                    }
                    let span = entry.and_then(|hit| tables.hit_span(hit));
                    return Membership::Yes {
                        span,
                        via: None,
                        parent: matched > 0,
                    };
                }
                Answer::Unknown => return Membership::Unknown,
                Answer::NotFound => {}
            }
        }
        match literal {
            Some((position, negated, matched)) => {
                if negated {
                    return Membership::No;
                }
                match &self.items[position as usize].1 {
                    Item::Literal { member } if *member != u32::MAX => {
                        let m = &self.literals[*member as usize];
                        Membership::Yes {
                            span: m.span,
                            via: m.via,
                            parent: matched > 0,
                        }
                    }
                    _ => Membership::Yes {
                        span: None,
                        via: None,
                        parent: matched > 0,
                    },
                }
            }
            None => Membership::No,
        }
    }

    /// Reads, for a batch of folded domains, what `contains` will read of this class's tables
    /// for them (their exact keys, in the tables postlint holds), with the memory reads of the
    /// whole batch overlapping ([`Entries::get_batch`]): the lookups `contains` then makes are
    /// answered from the cache. Only a speed-up: nothing is decided here.
    pub(crate) fn warm(&self, tables: &Tables, domains: &[&str], scratch: &mut Vec<Option<u32>>) {
        for &position in &self.others {
            if let (_, Item::Table(id)) = &self.items[position as usize] {
                for t in tables.known_entry_tables(*id) {
                    if let Some(entries) = tables.get(t).entries() {
                        entries.get_batch(domains, scratch);
                    }
                }
            }
        }
    }

    /// A table in a domain list is queried with the domain (folded, for every table) and, in the
    /// parent styles, with its parent domains (only fixed-key tables: match_hostname() asks
    /// regexp and pcre tables the name itself only). Returns the answer and the index of the
    /// candidate that was found.
    fn table_answer(&self, tables: &Tables, id: TableId, candidates: &[&str]) -> (Answer, usize) {
        let mut result = Answer::NotFound;
        for (i, candidate) in candidates.iter().enumerate() {
            let kind = if i == 0 {
                KeyKind::Folded
            } else {
                KeyKind::Partial
            };
            match tables.query(id, &Query::new(candidate, kind, Substitution::Unknown)) {
                found @ Answer::Found(_) => return (found, i),
                Answer::Unknown => result = Answer::Unknown,
                Answer::NotFound => {}
            }
        }
        (result, 0)
    }
}

/// The names a domain is tried as: one for an exact list, else the domain and its parents.
enum Names<'d> {
    One([&'d str; 1]),
    Many(Vec<&'d str>),
}

impl<'d> std::ops::Deref for Names<'d> {
    type Target = [&'d str];

    fn deref(&self) -> &[&'d str] {
        match self {
            Names::One(one) => one,
            Names::Many(many) => many,
        }
    }
}

/// Keys of a table that can make a domain a member: bare domain names, as in the virtual(5)
/// line `example.net anything`. `user@example.com` keys do not, nor do bare local parts.
pub fn is_domain_key(key: &str) -> bool {
    !key.is_empty()
        && !key.contains('@')
        && key.contains('.')
        && !key.starts_with('.')
        && !key.ends_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' || b >= 0x80)
}

/// Which member domains of the class lists a pass over them has met, 4 bytes a domain: the
/// class and slot, the domain staying where the list holds it (as a set of the domains' texts,
/// an ISP's 100k domains took 2 MB, and 3 MB while the set grew).
pub struct SeenDomains<'m> {
    classes: &'m [AddressClass],
    tables: &'m Tables,
    seen: hashbrown::HashTable<u32>,
    /// Members beyond the slots a packed word holds (none in practice).
    overflow: hashbrown::HashSet<&'m str>,
    hasher: hashbrown::DefaultHashBuilder,
}

/// A member packed into 4 bytes (for the class memo and [`SeenDomains`]): the class (its
/// position in the model's list) in the top bits, the slot below. None beyond the slots that
/// fit.
pub(crate) fn pack_member(class: usize, slot: usize) -> Option<u32> {
    (slot < 1 << MEMBER_CLASS_SHIFT).then_some((class as u32) << MEMBER_CLASS_SHIFT | slot as u32)
}

/// The domain of a member packed by [`pack_member`] ("" when its table cannot be read).
pub(crate) fn packed_member_domain<'a>(
    classes: &'a [AddressClass],
    tables: &'a Tables,
    packed: u32,
) -> &'a str {
    let slot = (packed & ((1 << MEMBER_CLASS_SHIFT) - 1)) as usize;
    classes[(packed >> MEMBER_CLASS_SHIFT) as usize]
        .member_domain(tables, slot)
        .unwrap_or("")
}

const MEMBER_CLASS_SHIFT: u32 = 30;

/// How many members the `kinds` classes may give, together.
pub fn member_slots_of(classes: &[AddressClass], kinds: &[ClassKind]) -> usize {
    classes
        .iter()
        .filter(|c| kinds.contains(&c.kind))
        .map(AddressClass::member_slots)
        .sum()
}

impl<'m> SeenDomains<'m> {
    pub fn new(classes: &'m [AddressClass], tables: &'m Tables) -> SeenDomains<'m> {
        SeenDomains::with_capacity(classes, tables, 0)
    }

    /// Room for every member of the `kinds` classes from the start: growing the set hashes
    /// every domain again, each found through its member slot (cache misses, for 100k
    /// domains).
    pub fn for_classes(
        classes: &'m [AddressClass],
        tables: &'m Tables,
        kinds: &[ClassKind],
    ) -> SeenDomains<'m> {
        SeenDomains::with_capacity(classes, tables, member_slots_of(classes, kinds))
    }

    fn with_capacity(
        classes: &'m [AddressClass],
        tables: &'m Tables,
        capacity: usize,
    ) -> SeenDomains<'m> {
        SeenDomains {
            classes,
            tables,
            seen: hashbrown::HashTable::with_capacity(capacity),
            overflow: hashbrown::HashSet::new(),
            hasher: hashbrown::DefaultHashBuilder::default(),
        }
    }

    /// True the first time a domain is met, as `HashSet::insert` answers; `domain` is the
    /// member's at `slot` of the `kind` class.
    pub fn first(&mut self, kind: ClassKind, slot: usize, domain: &'m str) -> bool {
        use std::hash::BuildHasher;
        let (classes, tables, hasher) = (self.classes, self.tables, &self.hasher);
        let domain_of = |packed: u32| packed_member_domain(classes, tables, packed);
        let hash = hasher.hash_one(domain);
        if self.seen.find(hash, |&p| domain_of(p) == domain).is_some() {
            return false;
        }
        let Some(packed) = pack_member(kind as usize, slot) else {
            return self.overflow.insert(domain);
        };
        if self.overflow.contains(domain) {
            return false;
        }
        self.seen
            .insert_unique(hash, packed, |&p| hasher.hash_one(domain_of(p)));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_that_start_with_a_wide_character() {
        // Relay matching walks the parent domains; `ö` is two bytes.
        for matching in [Matching::Parent, Matching::Dotted, Matching::Exact] {
            let c = class(matching, &[(false, "example")]);
            for domain in ["ö.example", "ö", "ää.ö.example", "\u{fffd}.x", "."] {
                let _ = c.contains(&Tables::default(), domain);
            }
        }
        let c = class(Matching::Parent, &[(false, "example")]);
        assert!(matches!(
            c.contains(&Tables::default(), "ö.example"),
            Membership::Yes { parent: true, .. }
        ));
    }

    fn member(domain: &str) -> Member {
        Member {
            domain: domain.to_string(),
            written: domain.to_string(),
            span: None,
            via: None,
        }
    }

    fn class(matching: Matching, items: &[(bool, &str)]) -> AddressClass {
        let mut c = AddressClass::new(ClassKind::Relay, matching);
        for (negated, pattern) in items {
            if *pattern == "?" {
                c.push_unknown(*negated);
            } else {
                c.push_literal(*negated, member(pattern));
            }
        }
        c
    }

    fn yes(m: Membership) -> Option<bool> {
        match m {
            Membership::Yes { .. } => Some(true),
            Membership::No => Some(false),
            Membership::Unknown => None,
        }
    }

    #[test]
    fn string_lists_match_exactly() {
        let c = class(Matching::Exact, &[(false, "example.com")]);
        let t = Tables::default();
        assert_eq!(yes(c.contains(&t, "Example.COM")), Some(true));
        assert_eq!(yes(c.contains(&t, "sub.example.com")), Some(false));
        assert_eq!(yes(c.contains(&t, "example.com.")), Some(true));
    }

    #[test]
    fn relay_domains_match_subdomains_but_not_dotted_patterns() {
        let t = Tables::default();
        let c = class(
            Matching::Parent,
            &[(false, "example.com"), (false, ".example.org")],
        );
        assert_eq!(yes(c.contains(&t, "a.b.example.com")), Some(true));
        assert!(matches!(
            c.contains(&t, "a.b.example.com"),
            Membership::Yes { parent: true, .. }
        ));
        assert!(matches!(
            c.contains(&t, "example.com"),
            Membership::Yes { parent: false, .. }
        ));
        assert_eq!(yes(c.contains(&t, "notexample.com")), Some(false));
        assert_eq!(yes(c.contains(&t, "sub.example.org")), Some(false));
        let dotted = class(Matching::Dotted, &[(false, ".example.org")]);
        assert_eq!(yes(dotted.contains(&t, "sub.example.org")), Some(true));
        assert_eq!(yes(dotted.contains(&t, "example.org")), Some(false));
    }

    #[test]
    fn first_match_decides_and_unknown_items_make_later_ones_unknown() {
        let t = Tables::default();
        let c = class(
            Matching::Exact,
            &[(true, "example.com"), (false, "example.com")],
        );
        assert_eq!(yes(c.contains(&t, "example.com")), Some(false));
        let c = class(
            Matching::Exact,
            &[(false, "a.example"), (false, "?"), (false, "b.example")],
        );
        assert_eq!(yes(c.contains(&t, "a.example")), Some(true));
        assert_eq!(yes(c.contains(&t, "b.example")), None);
        assert_eq!(yes(c.contains(&t, "c.example")), None);
        assert!(c.unknown_members);
    }

    #[test]
    fn domain_keys() {
        assert!(is_domain_key("example.net"));
        for key in [
            "user@example.com",
            "@example.com",
            "root",
            ".example.com",
            "/^x/",
        ] {
            assert!(!is_domain_key(key), "{key}");
        }
    }
}
