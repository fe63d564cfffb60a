//! The virtual alias graph: the entries of the virtual_alias_maps tables postlint can read, as
//! edges from an address to the addresses it expands to, each address's step found the way
//! the resolver finds it (its own key, without its extension, the local part in a local domain
//! or $myorigin, then @domain). Checks over every address at once (loops) build it once and
//! walk it iteratively: linear in the entries, with no allocation for an address that is a
//! table key already (the tables' folded keys are borrowed).

use std::borrow::Cow;

use hashbrown::HashMap;

use super::classes::ClassKind;
use super::restrictions::service_value;
use super::tables::{fold, split_address, Entries, BATCH};
use super::{Model, Resolved};
use crate::parse::list::list_items;
use crate::source::Span;

/// Bytes that leave a one-target alias value as it is: no list separator, no brace, no
/// capital and nothing beyond ASCII (which folding could change).
const PLAIN: [bool; 256] = {
    let mut plain = [false; 256];
    let mut b = 0;
    while b < 128 {
        plain[b] = !matches!(b as u8, b',' | b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'}')
            && !(b as u8).is_ascii_uppercase()
            && !(b as u8).is_ascii_control();
        b += 1;
    }
    plain
};

/// The targets of an alias value as Postfix splits them (`list_items`), each case-folded.
/// Nearly every value of an ISP's alias table is one lowercase address: it is checked in one
/// pass and given back as it is.
pub fn folded_targets(value: &str) -> FoldedTargets<'_> {
    if value.bytes().all(|b| PLAIN[b as usize]) {
        FoldedTargets::One((!value.is_empty()).then_some(value))
    } else {
        FoldedTargets::Split(value, list_items(value))
    }
}

/// The iterator of [`folded_targets`].
pub enum FoldedTargets<'v> {
    One(Option<&'v str>),
    Split(&'v str, crate::parse::list::Items<'v, fn(u8) -> bool>),
}

impl<'v> Iterator for FoldedTargets<'v> {
    type Item = Cow<'v, str>;

    fn next(&mut self) -> Option<Cow<'v, str>> {
        match self {
            FoldedTargets::One(one) => one.take().map(Cow::Borrowed),
            FoldedTargets::Split(value, items) => items.next().map(|r| fold(&value[r])),
        }
    }
}

/// A local part without its address extension (`user` of `user+ext` with `+` among the
/// recipient delimiters), when it has one; None when it has none or starts with a delimiter.
pub fn without_extension<'l>(local: &'l str, delimiters: &str) -> Option<&'l str> {
    let at = match delimiters.as_bytes() {
        [] => return None,
        &[d] if d.is_ascii() => memchr::memchr(d, local.as_bytes())?,
        _ => local.find(|c| delimiters.contains(c))?,
    };
    (at > 0).then(|| &local[..at])
}

/// The size of [`Lookup::bare_filter`], in 64-bit words.
const BARE_FILTER_WORDS: usize = 64;

/// An entry: the table's position in the list, and the entry's index in it.
type EntryRef = (u32, u32);

/// How addresses are looked up, with the per-domain answers cached.
struct Lookup<'m> {
    model: &'m Model,
    tables: Vec<&'m Entries>,
    /// $myorigin in lower case ([`Model::myorigin`]: /etc/mailname read when it is in the
    /// tree); None when unknown (main.cf leaves myhostname to the machine, or a
    /// template sets it): a bare target then cannot be followed, and a domain may be it.
    myorigin: Option<String>,
    delimiters: String,
    /// The `@domain` entries (first table wins), by domain: there are few.
    catch_alls: HashMap<&'m str, EntryRef>,
    /// Whether any key is a bare local part; only then does a domain's class matter.
    bare_keys: bool,
    /// A bit for each bare key (its hash, modulo 4096): a local part whose bit is clear is no
    /// bare key, and its domain's class is never worked out.
    bare_filter: [u64; BARE_FILTER_WORDS],
    bare_hasher: hashbrown::DefaultHashBuilder,
    /// Per domain the class lists do not name (the model knows the others), when bare keys
    /// exist: whether the bare local part is tried.
    local: HashMap<String, Option<bool>>,
    /// The last domain asked and its answers ([`Lookup::domain_facts`]; whether it is local
    /// once asked): a domain's aliases sit together, so most targets are answered without
    /// hashing their domain.
    last_domain: Option<(String, Option<Option<bool>>, Option<EntryRef>)>,
}

/// Address keys of one table and their targets, looked up together.
#[derive(Default)]
struct Batch<'m> {
    /// Each key's entry and where its targets start in `targets`.
    keys: Vec<(u32, u32)>,
    targets: Vec<Cow<'m, str>>,
    /// The entry of each target's own key ([`Lookup::find`]).
    found: Vec<Option<EntryRef>>,
}

impl Batch<'_> {
    fn clear(&mut self) {
        self.keys.clear();
        self.targets.clear();
        self.found.clear();
    }
}

impl<'m> Lookup<'m> {
    fn find(&self, key: &str) -> Option<EntryRef> {
        self.tables
            .iter()
            .enumerate()
            .find_map(|(t, entries)| entries.get(key).map(|i| (t as u32, i)))
    }

    /// What `find` answers for each key, the lookups in each table made in one batch.
    fn find_batch(&self, keys: &[Cow<'_, str>], out: &mut Vec<Option<EntryRef>>) {
        out.clear();
        out.resize(keys.len(), None);
        let mut asked: Vec<&str> = keys.iter().map(|k| k.as_ref()).collect();
        let mut which: Vec<usize> = (0..keys.len()).collect();
        let mut answers = Vec::with_capacity(keys.len());
        for (t, entries) in self.tables.iter().enumerate() {
            if asked.is_empty() {
                break;
            }
            entries.get_batch(&asked, &mut answers);
            let mut kept = 0;
            for k in 0..asked.len() {
                match answers[k] {
                    Some(i) => out[which[k]] = Some((t as u32, i)),
                    None => {
                        (asked[kept], which[kept]) = (asked[k], which[k]);
                        kept += 1;
                    }
                }
            }
            asked.truncate(kept);
            which.truncate(kept);
        }
    }

    /// Whether a name may be a table key, looked up as a bare local part
    /// ([`Lookup::bare_filter`]).
    fn may_be_bare_key(&self, name: &str) -> bool {
        use std::hash::BuildHasher;
        if !self.bare_keys {
            return false;
        }
        // A local part with an `@` of its own may be looked up as an address key.
        if memchr::memchr(b'@', name.as_bytes()).is_some() {
            return true;
        }
        let bit = self.bare_hasher.hash_one(name) as usize % (64 * BARE_FILTER_WORDS);
        self.bare_filter[bit / 64] & 1 << (bit % 64) != 0
    }

    fn note_bare_key(&mut self, name: &str) {
        use std::hash::BuildHasher;
        self.bare_keys = true;
        let bit = self.bare_hasher.hash_one(name) as usize % (64 * BARE_FILTER_WORDS);
        self.bare_filter[bit / 64] |= 1 << (bit % 64);
    }

    /// The domain's `@domain` entry, and the cache of the last domain asked set to it.
    fn domain_facts(&mut self, domain: &str) -> Option<EntryRef> {
        if let Some((last, _, catch_all)) = &self.last_domain {
            if last == domain {
                return *catch_all;
            }
        }
        let catch_all = self.catch_alls.get(domain).copied();
        match &mut self.last_domain {
            Some((last, known_local, known_catch_all)) => {
                last.clear();
                last.push_str(domain);
                (*known_local, *known_catch_all) = (None, catch_all);
            }
            None => self.last_domain = Some((domain.to_string(), None, catch_all)),
        }
        catch_all
    }

    /// Whether mail_addr_find() tries the bare local part in the domain `domain_facts` was
    /// last asked for ($myorigin, or one resolve_local() accepts), worked out once per domain;
    /// None when postlint cannot know ($myorigin or the domain's class unknown).
    fn last_domain_is_local(&mut self, domain: &str) -> Option<bool> {
        if let Some((_, Some(local), _)) = &self.last_domain {
            return *local;
        }
        let local = self.is_local(domain);
        if let Some((_, known_local, _)) = &mut self.last_domain {
            *known_local = Some(local);
        }
        local
    }

    fn is_local(&mut self, domain: &str) -> Option<bool> {
        match self.model.memoized_class(domain) {
            Some(resolved) => self.local_by(domain, resolved),
            None => match self.local.get(domain) {
                Some(&known) => known,
                None => {
                    let local = self.local_by(domain, self.model.resolve_class(domain));
                    self.local.insert(domain.to_string(), local);
                    local
                }
            },
        }
    }

    /// Whether a domain of this class is $myorigin or local.
    fn local_by(&self, domain: &str, resolved: Resolved) -> Option<bool> {
        match (&self.myorigin, resolved) {
            (_, Resolved::Class(ClassKind::Local, _)) => Some(true),
            (Some(origin), _) if domain == origin => Some(true),
            (None, _) | (_, Resolved::Unknown) => None,
            _ => Some(false),
        }
    }

    /// The entry that answers an address (folded) that has no entry of its own, and whether
    /// it was the @domain one.
    fn step_without_own_key(&mut self, address: &str) -> Option<(EntryRef, bool)> {
        let (local, domain) = split_address(address)?;
        let bare = without_extension(local, &self.delimiters);
        if let Some(bare) = bare {
            if let Some(found) = self.find(&format!("{bare}@{domain}")) {
                return Some((found, false));
            }
        }
        let catch_all = self.domain_facts(domain);
        // The bare local part is tried in a local domain only; whether the domain is local is
        // worked out only when the table may have that bare key.
        let maybe_bare =
            self.may_be_bare_key(local) || bare.is_some_and(|b| self.may_be_bare_key(b));
        if maybe_bare {
            let local_key = self.find(local).or_else(|| bare.and_then(|b| self.find(b)));
            match (self.last_domain_is_local(domain), local_key) {
                (Some(true), Some(found)) => return Some((found, false)),
                // Whether the bare key answers cannot be known: the chain is not followed.
                (None, Some(_)) => return None,
                _ => {}
            }
        }
        catch_all.map(|found| (found, true))
    }

    /// An entry's targets for one address, folded, with `@$myorigin` for bare names and the
    /// local part before an `@otherdomain` value (mail_addr_map()).
    fn targets(&self, address: &str, found: EntryRef, out: &mut Vec<Cow<'m, str>>) {
        let value = self.tables[found.0 as usize].value(found.1);
        let value: Cow<'m, str> = if value.starts_with('@') {
            let local = address.rsplit_once('@').map_or(address, |(l, _)| l);
            Cow::Owned(format!("{local}{value}"))
        } else {
            Cow::Borrowed(value)
        };
        out.clear();
        match value {
            Cow::Borrowed(value) => {
                out.extend(folded_targets(value).filter_map(|t| self.qualified(t)))
            }
            Cow::Owned(value) => out.extend(
                folded_targets(&value).filter_map(|t| self.qualified(Cow::Owned(t.into_owned()))),
            ),
        }
    }

    /// A target with `@$myorigin` added to a bare name; None for a bare name when $myorigin
    /// is unknown (the chain is not followed).
    fn qualified(&self, target: Cow<'m, str>) -> Option<Cow<'m, str>> {
        if memchr::memchr(b'@', target.as_bytes()).is_some() {
            Some(target)
        } else {
            let origin = self.myorigin.as_deref()?;
            Some(Cow::Owned(format!("{target}@{origin}")))
        }
    }
}

pub struct Graph<'m> {
    tables: Vec<&'m Entries>,
    /// Node ids: entry `i` of table `t` is node `offsets[t] + i`; targets without an entry of
    /// their own (answered by @domain or a bare key) come after the entries.
    offsets: Vec<u32>,
    /// The addresses of the nodes after the entries.
    extra: Vec<String>,
    /// The number of entry nodes (the extra nodes are numbered after them).
    total: u32,
    /// The edges of the nodes that have any: where they start in `targets`, and how many.
    /// Most aliases lead to mailboxes, which are no nodes: the map stays small, and the graph
    /// costs memory for the edges, not for every entry.
    nodes: HashMap<u32, (u32, u32)>,
    extra_entries: Vec<EntryRef>,
    targets: Vec<u32>,
    /// Nodes that expand into themselves: Postfix never expands them again.
    fixed: hashbrown::HashSet<u32>,
}

/// A loop: its addresses in order, and the entry (key and span) that leads from each to the
/// next.
pub struct Loop {
    pub steps: Vec<(String, String, Span)>,
}

impl<'m> Graph<'m> {
    /// The graph of a setup's virtual aliases; None when virtual_alias_maps holds a table
    /// postlint cannot read in full.
    pub fn build(model: &'m Model) -> Option<Graph<'m>> {
        let maps = model.maps("virtual_alias_maps");
        if maps.unknown {
            return None;
        }
        let ids = model.tables.exact_entry_tables(&maps.tables)?;
        let mut tables = Vec::with_capacity(ids.len());
        for id in ids {
            tables.push(model.tables.get(id).entries()?);
        }
        let mut lookup = Lookup {
            model,
            tables,
            myorigin: model.myorigin(),
            delimiters: service_value(model, None, "recipient_delimiter")?,
            catch_alls: HashMap::new(),
            bare_keys: false,
            bare_filter: [0; BARE_FILTER_WORDS],
            bare_hasher: hashbrown::DefaultHashBuilder::default(),
            local: HashMap::new(),
            last_domain: None,
        };
        // One pass for the `@domain` keys and whether bare keys exist.
        for (t, &entries) in lookup.tables.clone().iter().enumerate() {
            for i in entries.maybe_special() {
                let key = entries.folded_key(i);
                if let Some(domain) = key.strip_prefix('@') {
                    lookup.catch_alls.entry(domain).or_insert((t as u32, i));
                } else if !key.contains('@') {
                    lookup.note_bare_key(key);
                }
            }
        }
        let tables: Vec<&'m Entries> = lookup.tables.clone();
        let mut offsets = Vec::with_capacity(tables.len());
        let mut total = 0u32;
        for entries in &tables {
            offsets.push(total);
            total += entries.len() as u32;
        }
        let node_of = |(t, i): EntryRef| offsets[t as usize] + i;
        let mut nodes: HashMap<u32, (u32, u32)> = HashMap::new();
        let mut extra_entries: Vec<EntryRef> = Vec::new();
        let mut fixed: hashbrown::HashSet<u32> = hashbrown::HashSet::new();
        let mut targets: Vec<u32> = Vec::new();
        let mut extra: Vec<String> = Vec::new();
        let mut extra_ids: HashMap<String, u32> = HashMap::new();
        // Work: (node, its address, its entry). Address keys first (an entry whose key an
        // earlier table has is never looked up), then the extra nodes as they appear.
        // The address keys in table order (an entry whose key an earlier table has is never
        // looked up), each expanded at once; the extra nodes they reach wait in `work`.
        let mut work: Vec<(u32, Cow<'m, str>, EntryRef)> = Vec::new();
        // One buffer for every entry's targets: no allocation per entry.
        let mut buffer: Vec<Cow<'m, str>> = Vec::new();
        // The own entries of the targets of the address keys are looked up a batch at a time
        // (`Lookup::find_batch`), before the keys are expanded one by one: their targets, the
        // entries found for them, and where each key's targets start.
        let mut batch = Batch::default();
        for (t, &entries) in tables.iter().enumerate() {
            let mut next = 0u32;
            while next < entries.len() as u32 {
                batch.clear();
                while next < entries.len() as u32 && batch.targets.len() < BATCH {
                    let i = next;
                    next += 1;
                    let key = entries.folded_key(i);
                    if key.starts_with('@') || !key.contains('@') {
                        continue;
                    }
                    if t > 0 && lookup.find(key) != Some((t as u32, i)) {
                        continue;
                    }
                    lookup.targets(key, (t as u32, i), &mut buffer);
                    batch.keys.push((i, batch.targets.len() as u32));
                    batch.targets.append(&mut buffer);
                }
                lookup.find_batch(&batch.targets, &mut batch.found);
                for (n, &(i, first)) in batch.keys.iter().enumerate() {
                    let key = entries.folded_key(i);
                    let end = batch
                        .keys
                        .get(n + 1)
                        .map_or(batch.targets.len(), |&(_, e)| e as usize);
                    let mut known = Some(first as usize..end);
                    work.push((node_of((t as u32, i)), Cow::Borrowed(key), (t as u32, i)));
                    while let Some((id, address, found)) = work.pop() {
                        let start = targets.len() as u32;
                        // The key's own targets and their entries are in the batch.
                        let own: &[Option<EntryRef>] = match known.take() {
                            Some(range) => {
                                buffer.extend(batch.targets[range.clone()].iter().cloned());
                                &batch.found[range]
                            }
                            None => {
                                lookup.targets(&address, found, &mut buffer);
                                &[]
                            }
                        };
                        for (k, target) in buffer.drain(..).enumerate() {
                            if target == address {
                                fixed.insert(id);
                                continue;
                            }
                            // The target's own entry, when it is an address key; else the entry
                            // that answers it (a node of its own); else the chain ends here.
                            let own = match own.get(k) {
                                Some(&known) => known,
                                None => lookup.find(&target),
                            };
                            let to = match own {
                                Some(entry) => node_of(entry),
                                None => match extra_ids.get(target.as_ref()) {
                                    Some(&to) => to,
                                    None => {
                                        let Some((entry, _)) = lookup.step_without_own_key(&target)
                                        else {
                                            continue;
                                        };
                                        let to = total + extra.len() as u32;
                                        extra.push(target.to_string());
                                        extra_ids.insert(target.to_string(), to);
                                        extra_entries.push(entry);
                                        work.push((to, target, entry));
                                        to
                                    }
                                },
                            };
                            targets.push(to);
                        }
                        let len = targets.len() as u32 - start;
                        if len > 0 {
                            nodes.insert(id, (start, len));
                        }
                    }
                }
            }
        }
        Some(Graph {
            tables,
            offsets,
            extra,
            total,
            nodes,
            extra_entries,
            targets,
            fixed,
        })
    }

    /// The entry that answers a node.
    fn entry_of(&self, v: usize) -> EntryRef {
        let total = self.total as usize;
        if v >= total {
            return self.extra_entries[v - total];
        }
        let t = self.offsets.partition_point(|&o| o as usize <= v) - 1;
        (t as u32, (v - self.offsets[t] as usize) as u32)
    }

    /// A node's address.
    fn name(&self, v: usize) -> String {
        let total = self.total as usize;
        if v >= total {
            return self.extra[v - total].clone();
        }
        let t = self.offsets.partition_point(|&o| o as usize <= v) - 1;
        self.tables[t]
            .folded_key((v - self.offsets[t] as usize) as u32)
            .to_string()
    }

    fn successors(&self, v: usize) -> &[u32] {
        match self.nodes.get(&(v as u32)) {
            Some(&(start, len)) if !self.fixed.contains(&(v as u32)) => {
                &self.targets[start as usize..(start + len) as usize]
            }
            _ => &[],
        }
    }

    /// Every loop of addresses that do not expand into themselves, once each: Postfix expands
    /// such mail until virtual_alias_recursion_limit and defers it. Tarjan's algorithm,
    /// iterative.
    pub fn loops(&self) -> Vec<Loop> {
        // Walk state only for the nodes a walk reaches (an address whose targets all end their
        // chains is never visited): (index, low, on the stack).
        let mut state: HashMap<usize, (u32, u32, bool)> = HashMap::new();
        let (mut stack, mut next_index) = (Vec::new(), 0u32);
        let mut components: Vec<Vec<usize>> = Vec::new();
        let mut roots: Vec<usize> = self.nodes.keys().map(|&v| v as usize).collect();
        roots.sort_unstable();
        for root in roots {
            if self.successors(root).is_empty() || state.contains_key(&root) {
                continue;
            }
            let mut call: Vec<(usize, usize)> = vec![(root, 0)];
            state.insert(root, (next_index, next_index, true));
            next_index += 1;
            stack.push(root);
            while let Some(&mut (v, ref mut i)) = call.last_mut() {
                let succ = self.successors(v);
                if *i < succ.len() {
                    let w = succ[*i] as usize;
                    *i += 1;
                    if self.fixed.contains(&(w as u32)) {
                        continue;
                    }
                    match state.get(&w).copied() {
                        None => {
                            state.insert(w, (next_index, next_index, true));
                            next_index += 1;
                            stack.push(w);
                            call.push((w, 0));
                        }
                        Some((w_index, _, true)) => {
                            let v_state = state.get_mut(&v).expect("visited");
                            v_state.1 = v_state.1.min(w_index);
                        }
                        Some(_) => {}
                    }
                } else {
                    call.pop();
                    let (v_index, v_low, _) = state[&v];
                    if let Some(&(parent, _)) = call.last() {
                        let p = state.get_mut(&parent).expect("visited");
                        p.1 = p.1.min(v_low);
                    }
                    if v_low == v_index {
                        let mut component = Vec::new();
                        while let Some(w) = stack.pop() {
                            state.get_mut(&w).expect("visited").2 = false;
                            component.push(w);
                            if w == v {
                                break;
                            }
                        }
                        if component.len() > 1 {
                            components.push(component);
                        }
                    }
                }
            }
        }
        let mut loops: Vec<Loop> = components.iter().map(|c| self.cycle_in(c)).collect();
        loops.sort_by_key(|l| l.steps.first().map(|s| s.2));
        loops
    }

    /// One cycle through a strongly connected component, from the member whose entry comes
    /// first in the files.
    fn cycle_in(&self, component: &[usize]) -> Loop {
        let members: hashbrown::HashSet<usize> = component.iter().copied().collect();
        let entry = |v: usize| {
            let (t, i) = self.entry_of(v);
            self.tables[t as usize].entry(i)
        };
        let span = |v: usize| entry(v).key_span;
        let start = *component.iter().min_by_key(|&&v| span(v)).unwrap();
        // Breadth-first from start back to start, inside the component.
        let mut parent: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut end = start;
        'search: while let Some(v) = queue.pop_front() {
            for &w in self.successors(v) {
                let w = w as usize;
                if w == start {
                    end = v;
                    break 'search;
                }
                if members.contains(&w) && !parent.contains_key(&w) {
                    parent.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut path = vec![end];
        while let Some(&p) = parent.get(path.last().unwrap()) {
            path.push(p);
        }
        if *path.last().unwrap() != start {
            path.push(start);
        }
        path.reverse();
        let steps = path
            .iter()
            .map(|&v| {
                let e = entry(v);
                (self.name(v), e.key.to_string(), e.key_span)
            })
            .collect();
        Loop { steps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass shortcuts answer what splitting and folding every item answers.
    #[test]
    fn folded_targets_and_extensions_are_what_the_long_way_gives() {
        let values = [
            "",
            "user@example.com",
            "User@Example.com",
            "a@x, b@y",
            "a@x,b@y",
            " a@x",
            "a@x\t",
            "{a, b}@x, c",
            "x}y",
            "ümlaut@example.org",
            "a\x0bb",
            "|\"/usr/bin/cmd arg\"",
            "root",
            "a+b@x",
            "+a@x",
            "$var@x",
        ];
        for value in values {
            let long: Vec<String> = list_items(value)
                .map(|r| fold(&value[r]).into_owned())
                .collect();
            let short: Vec<String> = folded_targets(value).map(|t| t.into_owned()).collect();
            assert_eq!(short, long, "{value:?}");
            for delimiters in ["", "+", "+-", "é", "-"] {
                let local = value.rsplit_once('@').map_or(value, |(l, _)| l);
                let long = local
                    .find(|c| delimiters.contains(c))
                    .filter(|&at| !delimiters.is_empty() && at > 0)
                    .map(|at| &local[..at]);
                assert_eq!(
                    without_extension(local, delimiters),
                    long,
                    "{value:?} {delimiters:?}"
                );
            }
        }
    }
}
