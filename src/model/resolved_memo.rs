//! The class each domain of the class lists resolves to, worked out once per model. Several
//! rules ask `resolve_class` for the domain of every address of a table: for an ISP's 100k
//! domains, a hash of the domain and one comparison each, instead of matching it against
//! four class lists (and a table lookup or two) in every rule.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::classes::{pack_member, packed_member_domain};
use super::{Model, Resolved};

pub(crate) struct ResolvedMemo {
    /// Each distinct member domain once: where the class lists hold it (class and member
    /// slot, packed by `classes::pack_member`; the text stays in the tables) and what it
    /// resolves to.
    answers: HashTable<(u32, Resolved)>,
    hasher: DefaultHashBuilder,
}

/// The domain of a packed member slot.
fn domain_of(model: &Model, packed: u32) -> &str {
    packed_member_domain(&model.classes, &model.tables, packed)
}

impl ResolvedMemo {
    /// Resolves every member domain of every class once.
    pub(crate) fn build(model: &Model) -> ResolvedMemo {
        let hasher = DefaultHashBuilder::default();
        let slots = model.classes.iter().map(|c| c.member_slots()).sum();
        let mut answers: HashTable<(u32, Resolved)> = HashTable::with_capacity(slots);
        for (c, class) in model.classes.iter().enumerate() {
            // Beyond what a packed slot holds the memo has no answer; resolve_class works
            // them out each time.
            for slot in 0..class.member_slots() {
                let Some(packed) = pack_member(c, slot) else {
                    break;
                };
                let Some(domain) = class.member_domain(&model.tables, slot) else {
                    continue;
                };
                let hash = hasher.hash_one(domain);
                let known = |&(packed, _): &(u32, Resolved)| domain_of(model, packed) == domain;
                if answers.find(hash, known).is_some() {
                    continue;
                }
                answers.insert_unique(
                    hash,
                    (packed, model.resolve_class_uncached(domain)),
                    |&(packed, _)| hasher.hash_one(domain_of(model, packed)),
                );
            }
        }
        ResolvedMemo { answers, hasher }
    }

    /// The class of a member domain, exactly as the lists hold it.
    pub(crate) fn get(&self, model: &Model, domain: &str) -> Option<Resolved> {
        let hash = self.hasher.hash_one(domain);
        self.answers
            .find(hash, |&(packed, _)| domain_of(model, packed) == domain)
            .map(|&(_, resolved)| resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::super::classes::ClassKind;
    use super::super::LoadOptions;
    use super::*;

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
            for class in &model.classes {
                for member in class.members(&model.tables) {
                    let domain = member.domain;
                    let expected = model.resolve_class_uncached(domain);
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
