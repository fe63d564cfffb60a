//! The class each domain of the class lists resolves to, worked out once per model. Several
//! rules ask `resolve_class` for the domain of every address of a table: for an ISP's 100k
//! domains, a hash of the domain and one comparison each, instead of matching it against
//! four class lists (and a table lookup or two) in every rule. Rules that walk the class
//! members themselves get each member's answer by its slot, with no lookup at all.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use super::classes::ClassKind;
use super::classes::{pack_member, packed_member_domain};
use super::tables::{TableId, BATCH};
use super::{Model, Resolved};

pub(crate) struct ResolvedMemo {
    /// Each distinct member domain once: where its text is ([`Place`]) and its answer, an index
    /// in `answers`. 16 bytes a domain; the text stays in the tables.
    domains: HashTable<(u64, u32)>,
    /// The distinct answers (a few: the class, and the list item that named the domain).
    answers: Vec<Resolved>,
    /// The member tables `Place` numbers.
    tables: Vec<TableId>,
    /// For each class (in `Model::classes` order) and member slot, the answer index of the
    /// member's domain (`NO_ANSWER` when it has none: its table cannot be read, or the slot
    /// is beyond what the memo packs).
    by_slot: Vec<Vec<u32>>,
    hasher: DefaultHashBuilder,
}

const NO_ANSWER: u32 = u32::MAX;

/// Where a member domain's text is, in a u64. With the top bit set, a table key: bit 62 says
/// whether it is in the table's rewritten texts, bits 48-61 number the table in
/// `ResolvedMemo::tables`, bits 32-47 hold the length and the low 32 bits the start. Reading it
/// is one memory access, and a domain of another length is told apart without any. Without
/// the top bit: a member slot packed by `classes::pack_member` (literals, --probe answers, and
/// keys that do not fit).
struct Place;

impl Place {
    const KEY: u64 = 1 << 63;
    const EXTRA: u64 = 1 << 62;
    const MAX_TABLES: usize = 1 << 14;

    fn key(table: usize, in_extra: bool, (start, end): (u32, u32)) -> Option<u64> {
        let len = end.checked_sub(start)?;
        (table < Place::MAX_TABLES && len <= u32::from(u16::MAX)).then(|| {
            Place::KEY
                | if in_extra { Place::EXTRA } else { 0 }
                | (table as u64) << 48
                | u64::from(len) << 32
                | u64::from(start)
        })
    }

    /// The length of the domain at a key place (None for a member slot).
    fn len(place: u64) -> Option<usize> {
        (place & Place::KEY != 0).then_some((place >> 32 & 0xffff) as usize)
    }
}

impl ResolvedMemo {
    /// Resolves every member domain of every class once.
    pub(crate) fn build(model: &Model) -> ResolvedMemo {
        let hasher = DefaultHashBuilder::default();
        let slots = model.classes.iter().map(|c| c.member_slots()).sum();
        let mut memo = ResolvedMemo {
            domains: HashTable::with_capacity(slots),
            answers: Vec::with_capacity(slots),
            tables: Vec::new(),
            by_slot: Vec::with_capacity(model.classes.len()),
            hasher,
        };
        let mut table_index: HashMap<TableId, usize> = HashMap::new();
        // A batch of member domains, and the answers of the lookups that warm the cache for it.
        let mut batch: Vec<&str> = Vec::with_capacity(BATCH);
        let mut scratch = Vec::with_capacity(BATCH);
        for (c, class) in model.classes.iter().enumerate() {
            let mut by_slot = vec![NO_ANSWER; class.member_slots()];
            // Beyond what a packed slot holds the memo has no answer; resolve_class works
            // them out each time.
            for (slot, slot_answer) in by_slot.iter_mut().enumerate() {
                // Every BATCH slots, the table keys the next BATCH domains are looked up
                // with are read for all of them at once: each lookup below then finds them
                // in the cache (on an ISP's 100k domains, most of the memo's time was waiting
                // on one lookup's memory after another).
                if slot % BATCH == 0 {
                    batch.clear();
                    batch.extend(
                        (slot..class.member_slots().min(slot + BATCH))
                            .filter_map(|s| class.member_domain(&model.tables, s)),
                    );
                    for kind in ClassKind::RESOLVE_ORDER {
                        model.class(kind).warm(&model.tables, &batch, &mut scratch);
                    }
                }
                let Some(packed) = pack_member(c, slot) else {
                    break;
                };
                let Some(domain) = class.member_domain(&model.tables, slot) else {
                    continue;
                };
                let hash = memo.hasher.hash_one(domain);
                if let Some(&(_, answer)) = memo.domains.find(hash, |&(place, _)| {
                    memo_text(&memo.tables, model, place) == domain
                }) {
                    *slot_answer = answer;
                    continue;
                }
                memo.answers.push(model.resolve_class_uncached(domain));
                let answer = (memo.answers.len() - 1) as u32;
                *slot_answer = answer;
                let place = class
                    .member_entry(slot)
                    .and_then(|(table, entry)| {
                        let (in_extra, range) =
                            model.tables.get(table).entries()?.folded_key_place(entry);
                        let next = memo.tables.len();
                        let t = *table_index.entry(table).or_insert(next);
                        if t == next {
                            memo.tables.push(table);
                        }
                        Place::key(t, in_extra, range)
                    })
                    .unwrap_or(u64::from(packed));
                let (tables, hasher) = (&memo.tables, &memo.hasher);
                memo.domains
                    .insert_unique(hash, (place, answer), |&(place, _)| {
                        hasher.hash_one(memo_text(tables, model, place))
                    });
            }
            memo.by_slot.push(by_slot);
        }
        memo
    }

    /// The class of a member domain, exactly as the lists hold it.
    pub(crate) fn get(&self, model: &Model, domain: &str) -> Option<Resolved> {
        let hash = self.hasher.hash_one(domain);
        self.domains
            .find(hash, |&(place, _)| {
                Place::len(place).is_none_or(|len| len == domain.len())
                    && memo_text(&self.tables, model, place) == domain
            })
            .map(|&(_, answer)| self.answers[answer as usize])
    }

    /// The class of the domain of a class's member slot, as `get` answers for its text.
    pub(crate) fn member(&self, class: usize, slot: usize) -> Option<Resolved> {
        let answer = *self.by_slot.get(class)?.get(slot)?;
        self.answers.get(answer as usize).copied()
    }
}

/// The text of a domain at a place.
fn memo_text<'m>(tables: &[TableId], model: &'m Model, place: u64) -> &'m str {
    if place & Place::KEY == 0 {
        return packed_member_domain(&model.classes, &model.tables, place as u32);
    }
    let table = tables[(place >> 48 & 0x3fff) as usize];
    let start = place as u32;
    let len = (place >> 32 & 0xffff) as u32;
    model.tables.get(table).entries().map_or("", |entries| {
        entries.placed_key(place & Place::EXTRA != 0, (start, start + len))
    })
}

#[cfg(test)]
mod tests {
    use super::super::classes::ClassKind;
    use super::super::LoadOptions;
    use super::*;

    /// Domain keys kept apart from the file's text (folded capitals, a key joined from a
    /// continuation line) are found as the others are, through the memo's places.
    #[test]
    fn keys_kept_apart_from_the_text_are_found() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path();
        std::fs::write(
            path.join("main.cf"),
            "mydestination = localhost, Local.Example\n\
             virtual_mailbox_domains = hash:/etc/postfix/vdomains\n\
             relay_domains = relay.example, Shop.Example\n",
        )
        .expect("writable");
        std::fs::write(
            path.join("vdomains"),
            "Shop.Example OK\nplain.example OK\nMIXED.example\n  OK\nlocal.example OK\n",
        )
        .expect("writable");
        let model = Model::load(&LoadOptions {
            config_dir: Some(path.to_path_buf()),
            ..Default::default()
        })
        .expect("loads");
        let kind_of = |domain: &str| match model.memoized_class(domain) {
            Some(Resolved::Class(kind, _)) => Some(kind),
            _ => None,
        };
        assert_eq!(kind_of("shop.example"), Some(ClassKind::VirtualMailbox));
        assert_eq!(kind_of("mixed.example"), Some(ClassKind::VirtualMailbox));
        assert_eq!(kind_of("plain.example"), Some(ClassKind::VirtualMailbox));
        assert_eq!(kind_of("local.example"), Some(ClassKind::Local));
        assert_eq!(kind_of("relay.example"), Some(ClassKind::Relay));
        assert_eq!(model.memoized_class("Shop.Example"), None);
        assert_eq!(model.memoized_class("shop.exampl"), None);
        let mailbox_slots: Vec<_> = model
            .class(ClassKind::VirtualMailbox)
            .numbered_members(&model.tables)
            .map(|(slot, member)| {
                (
                    member.domain.to_string(),
                    model.member_class(ClassKind::VirtualMailbox, slot),
                )
            })
            .collect();
        assert_eq!(mailbox_slots.len(), 4, "{mailbox_slots:?}");
        for (domain, resolved) in mailbox_slots {
            let expected = if domain == "local.example" {
                ClassKind::Local
            } else {
                ClassKind::VirtualMailbox
            };
            assert!(
                matches!(resolved, Some(Resolved::Class(kind, _)) if kind == expected),
                "{domain}: {resolved:?}"
            );
        }
    }

    /// On every fixture and corpus setup, the memo answers for each member domain exactly what
    /// matching the class lists answers, and has no answer for other names.
    #[test]
    fn the_memo_answers_as_the_class_lists_do() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = Vec::new();
        for top in ["fixtures", "corpus"] {
            for entry in std::fs::read_dir(root.join(top)).expect("the directory exists") {
                let path = entry.expect("readable").path();
                dirs.push(path.clone());
                if let Ok(cases) = std::fs::read_dir(&path) {
                    dirs.extend(cases.filter_map(|c| c.ok()).map(|c| c.path()));
                }
            }
        }
        let mut checked = 0;
        for dir in dirs.iter().filter(|d| d.join("main.cf").is_file()) {
            let Ok(model) = Model::load(&LoadOptions {
                config_dir: Some(dir.clone()),
                ..Default::default()
            }) else {
                continue;
            };
            // SeenDomains answers as a set of the domains' texts does, over every class.
            let mut seen = super::super::classes::SeenDomains::new(&model.classes, &model.tables);
            let mut texts = std::collections::HashSet::new();
            for kind in ClassKind::RESOLVE_ORDER {
                for (slot, member) in model.class(kind).numbered_members(&model.tables) {
                    assert_eq!(
                        seen.first(kind, slot, member.domain),
                        texts.insert(member.domain),
                        "{dir:?} {}",
                        member.domain
                    );
                }
            }
            for kind in ClassKind::RESOLVE_ORDER {
                for (slot, member) in model.class(kind).numbered_members(&model.tables) {
                    let domain = member.domain;
                    let expected = model.resolve_class_uncached(domain);
                    assert_eq!(
                        model.member_class(kind, slot),
                        Some(expected),
                        "{dir:?} {kind:?} slot {slot}: {domain}"
                    );
                    assert_eq!(
                        model.memoized_class(domain),
                        Some(expected),
                        "{dir:?} {domain}"
                    );
                    assert_eq!(model.resolve_class(domain), expected);
                    checked += 1;
                    let other = format!("not-{domain}");
                    if model.memoized_class(&other).is_none() {
                        assert_eq!(
                            model.resolve_class(&other),
                            model.resolve_class_uncached(&other)
                        );
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} member domains");
    }
}
