//! Lookup tables and what postlint knows of their answers.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use hashbrown::DefaultHashBuilder;

use super::patterns::{PatternAnswer, PatternTable, Substitution};
use crate::source::{FileId, LineIndex, Span};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId(pub u32);

/// How a table's source file is read.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// postmap(1) `key value` lines.
    Postmap,
    /// aliases(5) `name: value` lines, compiled with postalias(1).
    Aliases,
}

/// One key and its value, as Postfix stores it: a view into [`Entries`].
#[derive(Copy, Clone, Debug)]
pub struct Entry<'a> {
    /// The key as stored before case folding (for aliases, the unquoted internal form).
    pub key: &'a str,
    pub key_span: Span,
    /// The value, continuation lines joined.
    pub value: &'a str,
    pub value_span: Span,
    lines: &'a LineIndex,
}

impl Entry<'_> {
    /// The 1-based line the entry starts on.
    pub fn line(&self) -> u32 {
        self.lines.line_of(self.key_span.start as usize) as u32 + 1
    }
}

/// A line Postfix skipped (or kept with a warning) while compiling the table.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub span: Span,
    pub line: u32,
    pub reason: String,
    pub kept: bool,
}

/// A later entry with the key of an earlier one: Postfix keeps the first and warns.
#[derive(Copy, Clone, Debug)]
pub struct Duplicate<'a> {
    pub entry: Entry<'a>,
    /// Index of the entry Postfix keeps.
    pub kept: u32,
}

/// A byte range, in the source text or in [`Entries::extra`].
pub(crate) type Range32 = (u32, u32);

/// One entry as stored: 8 bytes, whatever the size of the key and value. `start` is where
/// the key starts in the source text; `lengths` packs the key's length, the gap to the value
/// and the value's length ([`KEY_BITS`], [`GAP_BITS`], [`VALUE_BITS`]). The rare entry whose
/// key or value is not written as stored (joined continuation lines, an unquoted alias name, a
/// key with capitals) or whose lengths do not fit is a [`Rewrite`] instead: `start` is its
/// index with the `REWRITTEN` bit set.
#[derive(Copy, Clone, Debug)]
struct RawEntry {
    start: u32,
    lengths: u32,
}

const REWRITTEN: u32 = 1 << 31;
const KEY_BITS: u32 = 12;
const GAP_BITS: u32 = 6;
const VALUE_BITS: u32 = 32 - KEY_BITS - GAP_BITS;

/// An entry whose texts differ from its spans: the spans, and the texts as ranges of `extra`.
#[derive(Clone, Debug, Default)]
struct Rewrite {
    key_span: Range32,
    value_span: Range32,
    key: Option<Range32>,
    value: Option<Range32>,
    folded: Option<Range32>,
}

impl RawEntry {
    /// The packed form of a verbatim entry, when its spans fit.
    fn packed(key: Range32, value: Range32) -> Option<RawEntry> {
        let key_len = key.1.checked_sub(key.0)?;
        let gap = value.0.checked_sub(key.1)?;
        let value_len = value.1.checked_sub(value.0)?;
        let fits = key.0 < REWRITTEN
            && key_len < 1 << KEY_BITS
            && gap < 1 << GAP_BITS
            && value_len < 1 << VALUE_BITS;
        fits.then_some(RawEntry {
            start: key.0,
            lengths: key_len << (GAP_BITS + VALUE_BITS) | gap << VALUE_BITS | value_len,
        })
    }

    fn rewritten(index: u32) -> RawEntry {
        RawEntry {
            start: index | REWRITTEN,
            lengths: 0,
        }
    }

    fn rewrite<'r>(&self, rewrites: &'r [Rewrite]) -> Option<&'r Rewrite> {
        if self.start & REWRITTEN != 0 {
            rewrites.get((self.start & !REWRITTEN) as usize)
        } else {
            None
        }
    }

    /// The key's span of a verbatim entry.
    fn key(&self) -> Range32 {
        (
            self.start,
            self.start + (self.lengths >> (GAP_BITS + VALUE_BITS)),
        )
    }

    /// The value's span of a verbatim entry.
    fn value(&self) -> Range32 {
        let key_end = self.key().1;
        let gap = (self.lengths >> VALUE_BITS) & ((1 << GAP_BITS) - 1);
        let start = key_end + gap;
        (start, start + (self.lengths & ((1 << VALUE_BITS) - 1)))
    }
}

/// The entries of one table, indexed by case-folded key. Keys and values stay in the source
/// text; nothing is allocated per entry.
#[derive(Clone)]
pub struct Entries {
    file: FileId,
    /// The source text (keys and values are spans of it) and its line numbers.
    lines: Arc<LineIndex>,
    /// Keys, values and folded keys that are not slices of `text`.
    extra: String,
    list: Vec<RawEntry>,
    rewrites: Vec<Rewrite>,
    /// The index: every entry's position, sorted by the hash of its key, so the entries of one
    /// hash sit together. 4 bytes an entry, built once by `build_index`: the low
    /// `position_bits` hold the position, the bits above them the hash bits just below those
    /// the directory chooses the bucket by ([`IndexLayout`]), so that a lookup compares the key
    /// of one entry in some thousands only.
    index: PackedIndex,
    /// How `index` packs an entry.
    layout: IndexLayout,
    /// Where in `index` the hashes of each top-bits bucket start (and, last, the end): a
    /// lookup reads one bucket of a few entries, usually one cache line.
    directory: Vec<u32>,
    /// The number of top bits of the hash that choose a bucket.
    directory_bits: u32,
    hasher: DefaultHashBuilder,
    duplicates: Vec<(RawEntry, u32)>,
    pub skipped: Vec<Skipped>,
    /// Entries added since the last `build_index`: hash and list position, packed to sort by.
    unindexed: Vec<u64>,
    /// [`Entries::special_keys`], found the first time it is asked.
    special: std::sync::OnceLock<Option<Vec<u32>>>,
    /// Some key was written starting with `/` (a regular expression in an indexed table, as
    /// invalid-syntax reports): noted as each key is stored, so that nobody walks the other
    /// tables for it.
    slash_keys: bool,
}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entries")
            .field("entries", &self.list.len())
            .field("duplicates", &self.duplicates.len())
            .field("skipped", &self.skipped.len())
            .finish()
    }
}

/// Case folding as Postfix does it for fixed-key tables.
pub fn fold(key: &str) -> std::borrow::Cow<'_, str> {
    if needs_folding(key.as_bytes()) {
        std::borrow::Cow::Owned(key.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(key)
    }
}

/// Whether a key has an ASCII capital or a byte beyond ASCII, eight bytes at a time: map keys
/// are short, too short for the vector loop the compiler makes of a byte-wise test.
fn needs_folding(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // For a byte below 0x80, the high bit of byte + 0x3f is set from `A` up, and that of
    // byte + 0x25 from `[` up; neither sum carries into the next byte. A byte from 0x80 up is
    // flagged by its own high bit (whatever its sums carry into its neighbours).
    let flags = |x: u64| {
        let from_a = x.wrapping_add(0x3f * ONES);
        let past_z = x.wrapping_add(0x25 * ONES);
        (x | (from_a & !past_z)) & HIGH
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut any = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        any |= flags(u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        any |= flags(u64::from_le_bytes(word));
    }
    any != 0
}

/// An address split at its last `@` into local part and domain, as `str::rsplit_once` splits
/// it, with the memchr crate's vector search: rules split each of a million table keys.
pub fn split_address(address: &str) -> Option<(&str, &str)> {
    let at = memchr::memrchr(b'@', address.as_bytes())?;
    Some((&address[..at], &address[at + 1..]))
}

/// Whether an address's domain (what follows its last `@`, as [`split_address`] finds it) is
/// `domain`, a domain that holds no `@`: one comparison of the address's end, without
/// searching it. Tables list a domain's addresses together; rules that keep the last domain's
/// answer ask this first.
pub fn in_domain(address: &str, domain: &str) -> bool {
    let bytes = address.as_bytes();
    bytes.len() > domain.len()
        && bytes[bytes.len() - domain.len() - 1] == b'@'
        && bytes.ends_with(domain.as_bytes())
}

/// True when `s` is the text at `span`: the same memory (a slice the parser took from the
/// text, the usual case), or equal bytes.
fn is_slice_at(text: &str, span: Range32, s: &str) -> bool {
    let same_memory = std::ptr::eq(text.as_ptr().wrapping_add(span.0 as usize), s.as_ptr())
        && (span.1 as usize).saturating_sub(span.0 as usize) == s.len();
    same_memory || slice(text, span) == s
}

fn slice(text: &str, (start, end): Range32) -> &str {
    text.get(start as usize..end as usize).unwrap_or("")
}

/// How an index entry packs a position and some bits of its key's hash into 4 bytes: the
/// position in the low `position_bits`, and above it as many hash bits as fit, taken just below
/// the top `directory_bits` that choose the bucket (those are the same for a whole bucket).
#[derive(Copy, Clone, Debug)]
struct IndexLayout {
    position_bits: u32,
    directory_bits: u32,
}

impl IndexLayout {
    /// The layout for `len` entries and a directory over the top `directory_bits` bits.
    fn new(len: usize, directory_bits: u32) -> IndexLayout {
        let position_bits = (usize::BITS - len.saturating_sub(1).leading_zeros()).max(1);
        IndexLayout {
            position_bits: position_bits.min(32),
            directory_bits,
        }
    }

    /// The hash bits kept of a (32-bit) hash.
    fn tag(self, hash: u64) -> u32 {
        let tag_bits = 32 - self.position_bits;
        let below_directory = (hash << self.directory_bits) & 0xffff_ffff;
        (below_directory >> (32 - tag_bits)) as u32
    }

    fn pack(self, hash: u64, position: u32) -> u32 {
        ((u64::from(self.tag(hash)) << self.position_bits) | u64::from(position)) as u32
    }

    fn tag_of(self, packed: u32) -> u32 {
        (u64::from(packed) >> self.position_bits) as u32
    }

    fn position(self, packed: u32) -> u32 {
        (u64::from(packed) & ((1u64 << self.position_bits) - 1)) as u32
    }
}

/// The index entries (4 bytes each), two to a word: the index is packed into the buffer the
/// sorted hashes were in, so that building it needs no second buffer beside them (at the
/// peak of loading an ISP's maps, 4 bytes a line of its biggest map).
#[derive(Clone, Debug, Default)]
struct PackedIndex {
    words: Vec<u64>,
    len: usize,
}

impl PackedIndex {
    /// Packs `order` (sorted, one entry a word) in place with `pack`.
    fn pack_in_place(mut order: Vec<u64>, pack: impl Fn(u64) -> u32) -> PackedIndex {
        let len = order.len();
        // Word j takes entries 2j and 2j + 1, which sit at or after it: read before written.
        for j in 0..len.div_ceil(2) {
            let low = u64::from(pack(order[2 * j]));
            let high = order.get(2 * j + 1).map_or(0, |&o| u64::from(pack(o)));
            order[j] = low | high << 32;
        }
        order.truncate(len.div_ceil(2));
        order.shrink_to_fit();
        PackedIndex { words: order, len }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, i: usize) -> u32 {
        (self.words[i / 2] >> (32 * (i % 2))) as u32
    }

    /// Asks the processor to bring entry `i` into the cache, without waiting for it.
    fn prefetch(&self, i: usize) {
        #[cfg(target_arch = "x86_64")]
        if let Some(word) = self.words.get(i / 2) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: a prefetch only hints the cache: it reads no value and cannot fault, and
            // the pointer comes from a live reference into the index.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((word as *const u64).cast()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = i;
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len).map(|i| self.get(i))
    }
}

/// What gives a stored entry its folded key, borrowed apart from the index that needs it.
struct Keys<'a> {
    text: &'a str,
    extra: &'a str,
    rewrites: &'a [Rewrite],
    list: &'a [RawEntry],
}

impl<'a> Keys<'a> {
    /// Takes the fields one by one, so that the index can be borrowed apart.
    fn of(
        lines: &'a LineIndex,
        extra: &'a str,
        rewrites: &'a [Rewrite],
        list: &'a [RawEntry],
    ) -> Keys<'a> {
        Keys {
            text: lines.text(),
            extra,
            rewrites,
            list,
        }
    }

    fn folded(&self, i: u32) -> &'a str {
        match folded_place(&self.list[i as usize], self.rewrites) {
            (true, range) => slice(self.extra, range),
            (false, range) => slice(self.text, range),
        }
    }
}

/// Where an entry's folded key is kept: in the rewritten texts (true) or in the source text,
/// and its byte range there.
#[inline]
fn folded_place(raw: &RawEntry, rewrites: &[Rewrite]) -> (bool, Range32) {
    match raw.rewrite(rewrites) {
        Some(r) => match (r.folded, r.key) {
            (Some(folded), _) => (true, folded),
            (None, Some(key)) => (true, key),
            (None, None) => (false, r.key_span),
        },
        None => (false, raw.key()),
    }
}

impl Entries {
    /// Entries read from the text of `lines`, the contents of `file`; `expected` sizes the
    /// index.
    pub fn new(file: FileId, lines: Arc<LineIndex>, expected: usize) -> Entries {
        Entries {
            file,
            lines,
            extra: String::new(),
            list: Vec::with_capacity(expected),
            rewrites: Vec::new(),
            index: PackedIndex::default(),
            layout: IndexLayout::new(0, 0),
            directory: vec![0, 0],
            directory_bits: 0,
            hasher: DefaultHashBuilder::default(),
            duplicates: Vec::new(),
            skipped: Vec::new(),
            unindexed: Vec::with_capacity(expected),
            special: std::sync::OnceLock::new(),
            slash_keys: false,
        }
    }

    /// Whether some key was written starting with `/`.
    pub fn has_slash_keys(&self) -> bool {
        self.slash_keys
    }

    /// Whether the source text is all ASCII (worked out when the file was read).
    pub fn text_is_ascii(&self) -> bool {
        self.lines.text().is_all_ascii()
    }

    /// The file the spans point into.
    pub fn file(&self) -> FileId {
        self.file
    }

    /// Moves every span to another file id (the loader numbers files after parsing them).
    pub(crate) fn set_file(&mut self, file: FileId) {
        self.file = file;
        for s in &mut self.skipped {
            s.span.file = file;
        }
    }

    fn stash(&mut self, text: &str) -> Range32 {
        let start = self.extra.len() as u32;
        self.extra.push_str(text);
        (start, self.extra.len() as u32)
    }

    /// The stored form of an entry, and its folded key.
    fn store<'k>(
        &mut self,
        key: &'k str,
        key_span: Range32,
        value: &str,
        value_span: Range32,
    ) -> (RawEntry, std::borrow::Cow<'k, str>) {
        let mut rewrite = Rewrite {
            key_span,
            value_span,
            ..Rewrite::default()
        };
        let text = self.lines.text();
        let key_verbatim = is_slice_at(text, key_span, key);
        let value_verbatim = is_slice_at(text, value_span, value);
        if !key_verbatim {
            rewrite.key = Some(self.stash(key));
        }
        if !value_verbatim {
            rewrite.value = Some(self.stash(value));
        }
        let folded = fold(key);
        if let std::borrow::Cow::Owned(f) = &folded {
            rewrite.folded = Some(self.stash(f));
        }
        let verbatim = rewrite.key.is_none() && rewrite.value.is_none() && rewrite.folded.is_none();
        let raw = match RawEntry::packed(key_span, value_span).filter(|_| verbatim) {
            Some(raw) => raw,
            None => {
                self.rewrites.push(rewrite);
                RawEntry::rewritten(self.rewrites.len() as u32 - 1)
            }
        };
        (raw, folded)
    }

    /// Adds an entry; `build_index` indexes it, and makes it a duplicate when an earlier entry
    /// has its folded key (the first one wins). The spans are byte ranges of the source text;
    /// `key` and `value` are the texts Postfix stores.
    pub fn push(&mut self, key: &str, key_span: Range32, value: &str, value_span: Range32) {
        self.slash_keys |= key.starts_with('/');
        let (raw, folded) = self.store(key, key_span, value, value_span);
        let hash = self.hasher.hash_one(&*folded) >> 32;
        self.unindexed.push(hash << 32 | self.list.len() as u64);
        self.list.push(raw);
    }

    /// Adds an entry whose key and value are the text at their spans, as `push` does.
    pub fn push_verbatim(&mut self, key_span: Range32, value_span: Range32) {
        let text = self.lines.text();
        let key = slice(text, key_span);
        self.slash_keys |= key.starts_with('/');
        match RawEntry::packed(key_span, value_span) {
            Some(raw) if !needs_folding(key.as_bytes()) => {
                let hash = self.hasher.hash_one(key) >> 32;
                self.unindexed.push(hash << 32 | self.list.len() as u64);
                self.list.push(raw);
            }
            _ => {
                let text = self.lines.clone();
                let text = text.text();
                self.push(
                    slice(text, key_span),
                    key_span,
                    slice(text, value_span),
                    value_span,
                );
            }
        }
    }

    /// Indexes the entries pushed since the last call; a later entry with the folded key of
    /// an earlier one becomes a duplicate. One sort, instead of a hash table filled a key at a
    /// time (a cache miss or two per key).
    pub fn build_index(&mut self) {
        if self.unindexed.is_empty() {
            return;
        }
        let mut order = std::mem::take(&mut self.unindexed);
        // Entries indexed before: the index keeps a few bits of their hashes, so hash again.
        for packed in self.index.iter() {
            let position = self.layout.position(packed);
            let hash = self.hasher.hash_one(self.keys().folded(position)) >> 32;
            order.push(hash << 32 | u64::from(position));
        }
        self.index = PackedIndex::default();
        self.special = std::sync::OnceLock::new();
        // By hash; within a hash, by list position, so the first of equal keys comes first.
        order.sort_unstable();
        let mut duplicates: Vec<(u32, u32)> = Vec::new();
        {
            let keys = Keys::of(&self.lines, &self.extra, &self.rewrites, &self.list);
            let mut run = 0;
            while run < order.len() {
                let hash = order[run] >> 32;
                let mut end = run + 1;
                while end < order.len() && order[end] >> 32 == hash {
                    end += 1;
                }
                // The entries of one hash: nearly always one. Each is compared with the
                // first of every key the run holds.
                if end - run > 1 {
                    let mut kept: Vec<u32> = Vec::new();
                    for &packed in &order[run..end] {
                        let position = packed as u32;
                        let key = keys.folded(position);
                        match kept.iter().find(|&&k| keys.folded(k) == key) {
                            Some(&first) => duplicates.push((position, first)),
                            None => kept.push(position),
                        }
                    }
                }
                run = end;
            }
        }
        if !duplicates.is_empty() {
            duplicates.sort_unstable();
            let is_duplicate = |p: u32| duplicates.binary_search_by_key(&p, |&(d, _)| d).is_ok();
            order.retain(|&packed| !is_duplicate(packed as u32));
            // Take the duplicates out of the list and renumber what the index holds.
            let renumber = |i: u32| i - duplicates.partition_point(|&(d, _)| d < i) as u32;
            for packed in &mut order {
                *packed = (*packed >> 32) << 32 | u64::from(renumber(*packed as u32));
            }
            let list = &mut self.list;
            for &(position, kept) in &duplicates {
                self.duplicates
                    .push((list[position as usize], renumber(kept)));
            }
            // In place: a second list beside the first was the peak of loading a big map.
            let mut next = duplicates.iter().peekable();
            let mut kept = 0;
            for i in 0..list.len() {
                if next.peek().is_some_and(|&&(d, _)| d as usize == i) {
                    next.next();
                } else {
                    list[kept] = list[i];
                    kept += 1;
                }
            }
            list.truncate(kept);
        }
        // A bucket for every 16 entries or so (two cache lines of the index): the directory,
        // a quarter of a byte an entry, stays in the cache.
        let bits = (usize::BITS - order.len().leading_zeros())
            .saturating_sub(4)
            .min(31);
        let mut directory = Vec::with_capacity((1 << bits) + 1);
        let mut at = 0;
        for bucket in 0..1u64 << bits {
            while at < order.len() && ((order[at] >> 32) >> (32 - bits)) < bucket {
                at += 1;
            }
            directory.push(at as u32);
        }
        directory.push(order.len() as u32);
        self.directory = directory;
        self.directory_bits = bits;
        let layout = IndexLayout::new(self.list.len(), bits);
        self.index =
            PackedIndex::pack_in_place(order, |packed| layout.pack(packed >> 32, packed as u32));
        self.layout = layout;
    }

    fn view(&self, raw: &RawEntry) -> Entry<'_> {
        let rewrite = raw.rewrite(&self.rewrites);
        let (key_span, value_span) = match rewrite {
            Some(r) => (r.key_span, r.value_span),
            None => (raw.key(), raw.value()),
        };
        let key = match rewrite.and_then(|r| r.key) {
            Some(k) => slice(&self.extra, k),
            None => slice(self.lines.text(), key_span),
        };
        let value = match rewrite.and_then(|r| r.value) {
            Some(v) => slice(&self.extra, v),
            None => slice(self.lines.text(), value_span),
        };
        Entry {
            key,
            key_span: Span {
                file: self.file,
                start: key_span.0,
                end: key_span.1,
            },
            value,
            value_span: Span {
                file: self.file,
                start: value_span.0,
                end: value_span.1,
            },
            lines: &self.lines,
        }
    }

    /// The number of distinct keys.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The entry Postfix uses for the `i`th distinct key, in file order.
    pub fn entry(&self, i: u32) -> Entry<'_> {
        self.view(&self.list[i as usize])
    }

    /// The entries whose value holds `byte`, in file order. One vectorised scan of the text
    /// finds the few places; the entries are then walked by position only, without reading
    /// any of them, and none at all when the text has no such byte.
    pub fn values_holding(&self, byte: u8) -> Vec<u32> {
        let text = self.lines.text().as_bytes();
        let mut hits = memchr::memchr_iter(byte, text).peekable();
        let mut out = Vec::new();
        if hits.peek().is_none() && self.rewrites.is_empty() {
            return out;
        }
        let mut previous = 0;
        for (i, raw) in self.list.iter().enumerate() {
            if raw.rewrite(&self.rewrites).is_some() {
                if memchr::memchr(byte, self.view(raw).value.as_bytes()).is_some() {
                    out.push(i as u32);
                }
                continue;
            }
            let (start, end) = raw.value();
            if start < previous {
                // Not in file order (no parser does this): look at every entry.
                return (0..self.list.len() as u32)
                    .filter(|&i| memchr::memchr(byte, self.entry(i).value.as_bytes()).is_some())
                    .collect();
            }
            previous = start;
            while hits.next_if(|&at| (at as u32) < start).is_some() {}
            if hits.peek().is_some_and(|&at| (at as u32) < end) {
                out.push(i as u32);
            }
        }
        out
    }

    /// The value of entry `i`: what `entry(i).value` is, without the rest of the entry.
    pub fn value(&self, i: u32) -> &str {
        let raw = &self.list[i as usize];
        match raw.rewrite(&self.rewrites) {
            Some(r) => match r.value {
                Some(v) => slice(&self.extra, v),
                None => slice(self.lines.text(), r.value_span),
            },
            None => slice(self.lines.text(), raw.value()),
        }
    }

    /// The values of the entries Postfix uses, in file order.
    pub fn values(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.list.len() as u32).map(|i| self.value(i))
    }

    /// The entries whose (folded) key is no plain address, in file order: `@domain` keys and
    /// keys without an `@` (domain keys, bare local parts). Found in one pass the first time
    /// it is asked, for the class lists and the rules that look for catch-alls and bare keys,
    /// which then skip the million address keys of an ISP's alias table. None when there are
    /// more than 64 and more than one key in 16 (a big domain list or aliases file): the caller
    /// then walks every entry, as the list would be nearly as long.
    pub fn special_keys(&self) -> Option<&[u32]> {
        self.special
            .get_or_init(|| {
                let most = (self.list.len() / 16).max(64);
                let mut special = Vec::new();
                for i in 0..self.list.len() as u32 {
                    let key = self.folded_key(i).as_bytes();
                    if key.first() == Some(&b'@') || memchr::memchr(b'@', key).is_none() {
                        if special.len() == most {
                            return None;
                        }
                        special.push(i);
                    }
                }
                Some(special)
            })
            .as_deref()
    }

    /// The entries that may have a special key ([`Entries::special_keys`]): those, or every
    /// entry when they are many. In file order.
    pub fn maybe_special(&self) -> impl Iterator<Item = u32> + '_ {
        let (few, all) = match self.special_keys() {
            Some(special) => (Some(special.iter().copied()), None),
            None => (None, Some(0..self.list.len() as u32)),
        };
        few.into_iter().flatten().chain(all.into_iter().flatten())
    }

    /// The key of entry `i` as Postfix looks it up (case-folded).
    pub fn folded_key(&self, i: u32) -> &str {
        self.keys().folded(i)
    }

    /// Where the folded key of entry `i` is kept: in the rewritten texts (true) or in the
    /// source text, and its byte range there; [`Entries::placed_key`] reads it back. A memo of
    /// keys can hold this instead of the entry's number and reach the text in one step.
    pub(crate) fn folded_key_place(&self, i: u32) -> (bool, Range32) {
        folded_place(&self.list[i as usize], &self.rewrites)
    }

    /// The text at a place [`Entries::folded_key_place`] gave.
    pub(crate) fn placed_key(&self, in_extra: bool, range: Range32) -> &str {
        if in_extra {
            slice(&self.extra, range)
        } else {
            slice(self.lines.text(), range)
        }
    }

    fn keys(&self) -> Keys<'_> {
        Keys::of(&self.lines, &self.extra, &self.rewrites, &self.list)
    }

    /// The entries Postfix uses, in file order.
    pub fn iter(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.list.iter().map(|raw| self.view(raw))
    }

    /// The later entries whose key was taken, in file order.
    pub fn duplicates(&self) -> impl Iterator<Item = Duplicate<'_>> + '_ {
        self.duplicates.iter().map(|(raw, kept)| Duplicate {
            entry: self.view(raw),
            kept: *kept,
        })
    }

    /// Looks up an already folded key (among the entries `build_index` indexed).
    pub fn get(&self, folded_key: &str) -> Option<u32> {
        debug_assert!(self.unindexed.is_empty(), "build_index before get");
        let hash = self.hasher.hash_one(folded_key) >> 32;
        let (low, end) = self.tagged(hash, self.bucket(hash));
        self.compare_from(low, end, hash, folded_key)
    }

    /// Where in `index` the bucket of a (32-bit) hash starts and ends.
    fn bucket(&self, hash: u64) -> (usize, usize) {
        let bucket = if self.directory_bits == 0 {
            0
        } else {
            (hash >> (32 - self.directory_bits)) as usize
        };
        (
            self.directory[bucket] as usize,
            self.directory[bucket + 1] as usize,
        )
    }

    /// The first place in a bucket whose tag is not below the hash's, and the bucket's end.
    fn tagged(&self, hash: u64, (start, end): (usize, usize)) -> (usize, usize) {
        let layout = self.layout;
        let tag = layout.tag(hash);
        // A bucket is sorted by hash, so by tag: a binary search finds the entries to compare.
        let (mut low, mut high) = (start, end);
        while low < high {
            let middle = low + (high - low) / 2;
            if layout.tag_of(self.index.get(middle)) < tag {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        (low, end)
    }

    /// The entry with the key among the index places from `low` on that carry the hash's tag.
    fn compare_from(&self, low: usize, end: usize, hash: u64, folded_key: &str) -> Option<u32> {
        let layout = self.layout;
        let tag = layout.tag(hash);
        (low..end)
            .map(|at| self.index.get(at))
            .take_while(|&packed| layout.tag_of(packed) == tag)
            .map(|packed| layout.position(packed))
            .find(|&i| self.folded_key(i) == folded_key)
    }

    /// Looks up many folded keys, answering for each what `get` answers. In a table of a
    /// million keys a lookup is three cache misses one after the other (the index bucket, the
    /// entry, the key's text); here each step is taken for the whole batch before the next, so
    /// that the misses of different keys overlap instead of adding up.
    pub fn get_batch(&self, keys: &[&str], out: &mut Vec<Option<u32>>) {
        debug_assert!(self.unindexed.is_empty(), "build_index before get");
        out.clear();
        let mut places: [(u64, usize, usize); BATCH] = [(0, 0, 0); BATCH];
        for chunk in keys.chunks(BATCH) {
            let places = &mut places[..chunk.len()];
            // The buckets.
            for (place, key) in places.iter_mut().zip(chunk) {
                let hash = self.hasher.hash_one(key) >> 32;
                let (start, end) = self.bucket(hash);
                *place = (hash, start, end);
                // Where the bucket's binary search starts: fetched for the whole batch before
                // the first search waits on its own (6-7% off both alias rules on the ISP setup).
                self.index.prefetch((start + end) / 2);
            }
            // The first place with the key's tag in each bucket.
            for place in places.iter_mut() {
                let (low, end) = self.tagged(place.0, (place.1, place.2));
                (place.1, place.2) = (low, end);
            }
            // The entry there when the tag is the key's, then the start of its key's text: each
            // read for the whole batch (the values are thrown away, the cache keeps them), then
            // the keys are compared.
            let layout = self.layout;
            let mut starts = [u32::MAX; BATCH];
            for (start, &(hash, low, end)) in starts.iter_mut().zip(places.iter()) {
                if low < end {
                    let packed = self.index.get(low);
                    if layout.tag_of(packed) == layout.tag(hash) {
                        let raw = &self.list[layout.position(packed) as usize];
                        if raw.rewrite(&self.rewrites).is_none() {
                            *start = raw.start;
                        }
                    }
                }
            }
            let text = self.lines.text().as_bytes();
            let mut touched = 0u8;
            for &start in &starts[..places.len()] {
                touched ^= text.get(start as usize).copied().unwrap_or(0);
            }
            std::hint::black_box(touched);
            for (&(hash, low, end), key) in places.iter().zip(chunk) {
                out.push(self.compare_from(low, end, hash, key));
            }
        }
    }
}

/// How many keys [`Entries::get_batch`] takes a step for at a time: enough misses to keep the
/// memory busy, few enough that the batch's places stay in the first-level cache.
pub const BATCH: usize = 32;

/// What postlint can know of a table's answers.
// One per table, never in bulk: the size of the entries variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Content {
    /// Every entry is known.
    Entries(Entries),
    /// Answers every key (static:, randmap:).
    Everything,
    /// `proxy:` in front of another table.
    Proxy(TableId),
    /// `unionmap:{...}`: the union of the members' answers.
    Union(Vec<TableId>),
    /// `pipemap:{...}`: each member's answer is the next one's key.
    Pipe(Vec<TableId>),
    /// regexp: and pcre: rules, evaluated per key.
    Patterns(Box<PatternTable>),
    /// Answers postlint cannot predict, and why.
    Unknown(String),
}

/// A compiled file of an indexed table (`.db`, `.lmdb`, `.cdb`, `.dir`/`.pag`).
#[derive(Clone, Debug)]
pub struct CompiledFile {
    pub path: PathBuf,
    pub display: String,
    pub modified: Option<SystemTime>,
}

/// Where a parameter names a table.
#[derive(Clone, Debug)]
pub struct TableUse {
    pub param: String,
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub id: TableId,
    /// The table type (`hash`, `mysql`, ...).
    pub kind: String,
    /// The name after `type:` as written (a path for file-based tables).
    pub name: String,
    pub format: Format,
    pub content: Content,
    pub uses: Vec<TableUse>,
    /// The source file read for this table, if any.
    pub source: Option<crate::source::FileId>,
    /// Where the source file is (or would be), for display.
    pub source_display: Option<String>,
    /// For indexed tables whose source is in the tree: the files postmap/postalias write, and
    /// whether each exists.
    pub compiled: Option<(Vec<CompiledFile>, bool)>,
    /// `name = value` settings of a mysql/pgsql/sqlite/ldap/memcache .cf file.
    pub settings: Vec<crate::model::DbSetting>,
    /// Lines of that .cf file the database client cannot read.
    pub bad_settings: Vec<crate::model::BadLine>,
    /// The file that holds the table (a map source, a database .cf, a regexp table) would be
    /// at this real path, inside what postlint may read, and is not there.
    pub missing: Option<std::path::PathBuf>,
    /// A relay password table (a `*password*_maps` parameter names it) whose file is a
    /// template with entries that depend on its variables: its lines as read, which answer
    /// nothing for sure (the content is unknown) but hold the passwords all the same.
    /// `secrets::mark` masks their values; secret-readable asks whether they hold one.
    pub template_entries: Option<Box<Entries>>,
}

impl Table {
    /// `type:name` as main.cf writes it.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.kind, self.name)
    }

    pub fn entries(&self) -> Option<&Entries> {
        match &self.content {
            Content::Entries(e) => Some(e),
            _ => None,
        }
    }

    pub fn patterns(&self) -> Option<&PatternTable> {
        match &self.content {
            Content::Patterns(p) => Some(p),
            _ => None,
        }
    }

    pub fn is_indexed(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "hash" | "btree" | "lmdb" | "cdb" | "dbm" | "sdbm"
        )
    }
}

/// What answered a lookup, when postlint knows.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Hit {
    /// A table and the index of its entry (see [`Entries::entry`]).
    Entry(TableId, u32),
    /// A regexp or pcre table and the index of its rule (see [`PatternTable::rules`]).
    Rule(TableId, u32),
    /// A database table and the index of the answer `--probe` got (see
    /// [`super::probed::ProbedTable::answer`]).
    Probe(TableId, u32),
}

/// A lookup's outcome.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Found; what answered, when it is a known entry or rule.
    Found(Option<Hit>),
    NotFound,
    /// Postlint cannot tell.
    Unknown,
}

/// Which tables a key is asked of and in what form, as Postfix's callers ask (global/maps.c,
/// mail_addr_find.c, util/match_ops.c).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// The whole key (`maps_find()` without flags): every table answers, fixed-key tables with
    /// the key case-folded, regexp and pcre tables with it as given.
    Full,
    /// A partial key (`DICT_FLAG_FIXED`): user@domain without its extension, a bare local
    /// part, `@domain`, a parent domain. Regexp and pcre tables are not asked.
    Partial,
    /// A name a match list folded before asking (the domain of mydestination, relay_domains,
    /// virtual_*_domains): every table sees it folded.
    Folded,
}

/// One lookup: the key, how it is asked, and what the asking program makes of `$number` rules.
#[derive(Copy, Clone, Debug)]
pub struct Query<'k> {
    pub key: &'k str,
    pub kind: KeyKind,
    pub substitution: Substitution,
}

impl<'k> Query<'k> {
    /// The whole key, by a program whose use of `$number` rules postlint does not know.
    pub fn full(key: &'k str) -> Query<'k> {
        Query {
            key,
            kind: KeyKind::Full,
            substitution: Substitution::Unknown,
        }
    }

    pub fn partial(key: &'k str) -> Query<'k> {
        Query {
            key,
            kind: KeyKind::Partial,
            substitution: Substitution::Unknown,
        }
    }

    pub fn new(key: &'k str, kind: KeyKind, substitution: Substitution) -> Query<'k> {
        Query {
            key,
            kind,
            substitution,
        }
    }
}

impl Answer {
    /// Combines the answers of lookups tried in order, as Postfix does for a list of tables:
    /// the first hit wins; without one, any unknown answer makes the whole answer unknown.
    pub fn first_found(answers: impl IntoIterator<Item = Answer>) -> Answer {
        let mut result = Answer::NotFound;
        for answer in answers {
            match answer {
                Answer::Found(_) => return answer,
                Answer::Unknown => result = Answer::Unknown,
                Answer::NotFound => {}
            }
        }
        result
    }
}

/// All tables of a setup.
#[derive(Default)]
pub struct Tables {
    pub list: Vec<Table>,
    /// (type, name, format) to table.
    pub(crate) by_ref: HashMap<(String, String, Format), TableId>,
    /// What `--probe` asked the databases behind SQL tables, by table.
    pub probed: HashMap<TableId, super::probed::ProbedTable>,
}

impl Tables {
    pub fn get(&self, id: TableId) -> &Table {
        &self.list[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Table> {
        self.list.iter()
    }

    /// The table a `type:name` word names, if main.cf or master.cf named it.
    pub fn find(&self, token: &str) -> Option<TableId> {
        let table = crate::parse::table_ref::TableRef::parse(token)?;
        [Format::Postmap, Format::Aliases]
            .into_iter()
            .find_map(|format| {
                self.by_ref
                    .get(&(table.kind.to_string(), table.name.to_string(), format))
                    .copied()
            })
    }

    /// Looks up the whole key the way `maps_find()` asks one table (fixed-key tables fold it).
    pub fn lookup(&self, id: TableId, key: &str) -> Answer {
        self.query(id, &Query::full(key))
    }

    /// Looks up a key in one table as `query` says.
    pub fn query(&self, id: TableId, query: &Query) -> Answer {
        let folded = fold(query.key);
        self.lookup_folded(id, query, &folded, 0)
    }

    fn lookup_folded(&self, id: TableId, query: &Query, folded: &str, depth: usize) -> Answer {
        if depth > 20 {
            return Answer::Unknown;
        }
        match &self.get(id).content {
            Content::Entries(entries) => match entries.get(folded) {
                Some(i) => Answer::Found(Some(Hit::Entry(id, i))),
                None => Answer::NotFound,
            },
            Content::Everything => Answer::Found(None),
            Content::Proxy(inner) => self.lookup_folded(*inner, query, folded, depth + 1),
            Content::Union(members) => Answer::first_found(
                members
                    .iter()
                    .map(|&m| self.lookup_folded(m, query, folded, depth + 1)),
            ),
            Content::Pipe(members) => match members.first() {
                Some(&first) => match self.lookup_folded(first, query, folded, depth + 1) {
                    Answer::NotFound => Answer::NotFound,
                    _ => Answer::Unknown,
                },
                None => Answer::NotFound,
            },
            Content::Patterns(patterns) => {
                let key = match query.kind {
                    KeyKind::Partial => return Answer::NotFound,
                    KeyKind::Full => query.key,
                    KeyKind::Folded => folded,
                };
                // maps_find() asks no table with an empty key.
                if key.is_empty() {
                    return Answer::NotFound;
                }
                match patterns.lookup(key, query.substitution) {
                    // An empty result is a lookup error to maps_find().
                    PatternAnswer::Found { value, .. } if value.is_empty() => Answer::Unknown,
                    PatternAnswer::Found { rule, .. } => Answer::Found(Some(Hit::Rule(id, rule))),
                    PatternAnswer::NotFound => Answer::NotFound,
                    PatternAnswer::Unknown => Answer::Unknown,
                }
            }
            Content::Unknown(_) => match self.probed.get(&id).map(|p| (p, p.get(folded))) {
                Some((probed, Some(i))) => match probed.answer(i).value {
                    Some(_) => Answer::Found(Some(Hit::Probe(id, i))),
                    None => Answer::NotFound,
                },
                _ => Answer::Unknown,
            },
        }
    }

    /// The entries a lookup in table `id` asks first, when it is an indexed table (behind
    /// proxies): a key found there is the table's answer.
    pub fn first_entries(&self, id: TableId) -> Option<&Entries> {
        let mut id = id;
        for _ in 0..=20 {
            match &self.get(id).content {
                Content::Entries(entries) => return Some(entries),
                Content::Proxy(inner) => id = *inner,
                _ => return None,
            }
        }
        None
    }

    /// The span of the setting that makes a database table's query (`query`, else the legacy
    /// settings that build it), where findings about its answers point.
    pub fn query_span(&self, id: TableId) -> Option<Span> {
        let settings = &self.get(id).settings;
        ["query", "select_function", "select_field", "table"]
            .iter()
            .find_map(|name| settings.iter().rev().find(|s| s.name == *name))
            .map(|s| s.span)
    }

    /// Looks the whole key up in a list of tables in order, as `maps_find()` does.
    pub fn lookup_in(&self, tables: &[TableId], key: &str) -> Answer {
        self.query_in(tables, &Query::full(key))
    }

    /// Looks a key up in a list of tables in order, as `query` says.
    pub fn query_in(&self, tables: &[TableId], query: &Query) -> Answer {
        let folded = fold(query.key);
        Answer::first_found(
            tables
                .iter()
                .map(|&id| self.lookup_folded(id, query, &folded, 0)),
        )
    }

    /// Where the entry or rule that answered is: the entry's key, the rule's pattern.
    pub fn hit_span(&self, hit: Hit) -> Option<Span> {
        match hit {
            Hit::Entry(t, i) => Some(self.get(t).entries()?.entry(i).key_span),
            Hit::Rule(t, r) => Some(self.get(t).patterns()?.rules.get(r as usize)?.span),
            Hit::Probe(t, _) => self.query_span(t),
        }
    }

    /// The value of the entry or rule that answered; `key` is the key as the lookup gave it
    /// (a rule's `$number` takes parts of it). None when unknown.
    pub fn hit_value(&self, hit: Hit, key: &str) -> Option<std::borrow::Cow<'_, str>> {
        match hit {
            Hit::Entry(t, i) => Some(self.get(t).entries()?.entry(i).value.into()),
            Hit::Rule(t, r) => self.get(t).patterns()?.value_of(r, key),
            Hit::Probe(t, i) => Some(self.probed.get(&t)?.answer(i).value.as_deref()?.into()),
        }
    }

    /// The regexp and pcre tables of a list, behind proxies and in unions, each once, in order.
    pub fn pattern_tables_of(&self, list: &[TableId]) -> Vec<TableId> {
        self.leaf_tables_of(list, |c| matches!(c, Content::Patterns(_)))
    }

    /// Whether a regexp or pcre table answers for `id` (itself, behind a proxy, in a composite).
    pub fn answers_by_pattern(&self, id: TableId) -> bool {
        self.answers_by_pattern_at(id, 0)
    }

    fn answers_by_pattern_at(&self, id: TableId, depth: usize) -> bool {
        if depth > 20 {
            return true;
        }
        match &self.get(id).content {
            Content::Patterns(_) => true,
            Content::Proxy(inner) => self.answers_by_pattern_at(*inner, depth + 1),
            Content::Union(members) | Content::Pipe(members) => members
                .iter()
                .any(|&m| self.answers_by_pattern_at(m, depth + 1)),
            _ => false,
        }
    }

    /// Why a table's answers may be unknown, following proxies and composites; None when
    /// every answer is known (a regexp or pcre table whose every rule postlint evaluates).
    pub fn unknown_reason(&self, id: TableId) -> Option<String> {
        self.unknown_reason_at(id, 0, false)
    }

    /// Why a table's contents cannot all be known: its answers may be unknown, or it answers
    /// by pattern, so that its keys cannot be listed; None when every entry is known. Rules
    /// that go through a table's entries instead of looking keys up ask this.
    pub fn partial_reason(&self, id: TableId) -> Option<String> {
        self.unknown_reason_at(id, 0, true)
    }

    fn unknown_reason_at(&self, id: TableId, depth: usize, listing: bool) -> Option<String> {
        if depth > 20 {
            return Some("tables nest too deeply".to_string());
        }
        let table = self.get(id);
        match &table.content {
            Content::Entries(_) | Content::Everything => None,
            Content::Proxy(inner) => self.unknown_reason_at(*inner, depth + 1, listing),
            Content::Union(members) | Content::Pipe(members) => members
                .iter()
                .find_map(|&m| self.unknown_reason_at(m, depth + 1, listing)),
            Content::Patterns(patterns) => match patterns.unknown_rule() {
                Some((line, why)) => Some(format!(
                    "{} line {line}: a pattern postlint cannot evaluate ({why})",
                    table.source_display.as_deref().unwrap_or(&table.name)
                )),
                None if listing => Some(format!(
                    "{} answers by pattern; postlint evaluates it per key but cannot list its \
                     keys",
                    table.reference()
                )),
                None => None,
            },
            Content::Unknown(why) => Some(why.clone()),
        }
    }

    /// The tables postlint holds the entries of that a parameter value names (as a service
    /// reads it: `hash:/a, proxy:lmdb:/b`), behind proxies and in unions, each once, in order.
    pub fn entry_tables_named(&self, value: &str) -> Vec<TableId> {
        let named: Vec<TableId> = crate::parse::list::split_list(value)
            .into_iter()
            .filter_map(|r| self.find(&value[r]))
            .collect();
        self.known_entry_tables_of(&named)
    }

    /// The known entry tables of a list of tables, each once, in order.
    pub fn known_entry_tables_of(&self, list: &[TableId]) -> Vec<TableId> {
        self.leaf_tables_of(list, |c| matches!(c, Content::Entries(_)))
    }

    /// The database tables of a list that `--probe` asked, behind proxies and in unions.
    pub fn probed_tables_of(&self, list: &[TableId]) -> Vec<TableId> {
        let mut out = self.leaf_tables_of(list, |c| matches!(c, Content::Unknown(_)));
        out.retain(|t| self.probed.contains_key(t));
        out
    }

    /// The tables of a list, behind proxies and in unions, whose content `keep` accepts, each
    /// once, in the order Postfix asks them.
    pub fn leaf_tables_of(
        &self,
        list: &[TableId],
        keep: impl Fn(&Content) -> bool,
    ) -> Vec<TableId> {
        let mut out: Vec<TableId> = Vec::new();
        let mut todo: Vec<(TableId, usize)> = list.iter().rev().map(|&t| (t, 0)).collect();
        while let Some((id, depth)) = todo.pop() {
            if depth > 20 {
                continue;
            }
            match &self.get(id).content {
                Content::Proxy(inner) => todo.push((*inner, depth + 1)),
                Content::Union(members) => {
                    todo.extend(members.iter().rev().map(|&m| (m, depth + 1)));
                }
                content if keep(content) && !out.contains(&id) => out.push(id),
                _ => {}
            }
        }
        out
    }

    /// The tables whose entries are known, behind proxies and in unions.
    pub fn known_entry_tables(&self, id: TableId) -> Vec<TableId> {
        let mut out = Vec::new();
        self.collect_entry_tables(id, &mut out, 0);
        out
    }

    /// The entry tables that answer every lookup in `list`, when the list's answers are exactly
    /// the union of their entries (known entries behind proxies and in unions); None when any
    /// table answers otherwise (static:, pipemap:, unknown content). Rules that look up many keys
    /// of one shape scan these tables once instead of probing per key.
    pub fn exact_entry_tables(&self, list: &[TableId]) -> Option<Vec<TableId>> {
        let mut out = Vec::new();
        let mut exact = true;
        for &id in list {
            exact &= self.collect_entry_tables(id, &mut out, 0);
        }
        exact.then_some(out)
    }

    /// `id` and every table behind it through proxies and unions, whatever their content
    /// (before the map files are read, the tables whose entries will be known).
    pub fn reachable(&self, id: TableId, out: &mut Vec<TableId>) {
        let mut work = vec![(id, 0)];
        while let Some((id, depth)) = work.pop() {
            out.push(id);
            match &self.get(id).content {
                Content::Proxy(inner) if depth < 20 => work.push((*inner, depth + 1)),
                Content::Union(members) if depth < 20 => {
                    work.extend(members.iter().map(|&m| (m, depth + 1)))
                }
                _ => {}
            }
        }
    }

    /// Collects the entry tables behind `id`; false when some table on the way answers
    /// otherwise than from its entries.
    fn collect_entry_tables(&self, id: TableId, out: &mut Vec<TableId>, depth: usize) -> bool {
        if depth > 20 {
            return false;
        }
        match &self.get(id).content {
            Content::Entries(_) => {
                out.push(id);
                true
            }
            Content::Proxy(inner) => self.collect_entry_tables(*inner, out, depth + 1),
            Content::Union(members) => {
                // Every member, even after an inexact one: known_entry_tables wants them all.
                let mut exact = true;
                for &m in members {
                    exact &= self.collect_entry_tables(m, out, depth + 1);
                }
                exact
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_domain_agrees_with_split_address() {
        for (address, domain) in [
            ("bob@example.com", "example.com"),
            ("bob@sub.example.com", "example.com"),
            ("@example.com", "example.com"),
            ("example.com", "example.com"),
            ("b@example.com", "xample.com"),
            ("bob@x@example.com", "example.com"),
            ("", ""),
            ("bob@", ""),
        ] {
            let split = split_address(address).is_some_and(|(_, d)| d == domain);
            assert_eq!(in_domain(address, domain), split, "{address} {domain}");
        }
    }

    #[test]
    fn an_entry_is_eight_bytes_and_long_ones_are_rewrites() {
        assert_eq!(std::mem::size_of::<RawEntry>(), 8);
        let long_key = "k".repeat(1 << KEY_BITS);
        let longest_key = "k".repeat((1 << KEY_BITS) - 1);
        let long_value = "v".repeat(1 << VALUE_BITS);
        let longest_value = "v".repeat((1 << VALUE_BITS) - 1);
        let wide_gap = " ".repeat(1 << GAP_BITS);
        let widest_gap = " ".repeat((1 << GAP_BITS) - 1);
        for (key, gap, value) in [
            (
                longest_key.as_str(),
                widest_gap.as_str(),
                longest_value.as_str(),
            ),
            (long_key.as_str(), " ", "v"),
            ("k", wide_gap.as_str(), "v"),
            ("k", " ", long_value.as_str()),
            ("k", "\t", ""),
        ] {
            let text = format!("{key}{gap}{value}\n");
            let lines = Arc::new(LineIndex::of(text.clone()));
            let mut entries = Entries::new(FileId(0), lines, 1);
            let key_span = (0, key.len() as u32);
            let value_start = key_span.1 + gap.len() as u32;
            let value_span = (value_start, value_start + value.len() as u32);
            entries.push(
                &text[..key.len()],
                key_span,
                &text[value_start as usize..value_span.1 as usize],
                value_span,
            );
            let entry = entries.entry(0);
            assert_eq!((entry.key, entry.value), (key, value));
            assert_eq!((entry.key_span.start, entry.key_span.end), key_span);
            assert_eq!((entry.value_span.start, entry.value_span.end), value_span);
            let packed = key.len() < 1 << KEY_BITS
                && gap.len() < 1 << GAP_BITS
                && value.len() < 1 << VALUE_BITS;
            assert_eq!(entries.rewrites.is_empty(), packed, "{}", key.len());
        }
    }

    /// Entries of `text` (one `key value` per line), indexed after each push or once at the end.
    fn entries(text: &str, bulk: bool) -> Entries {
        let lines = Arc::new(LineIndex::of(text.to_string()));
        let mut entries = Entries::new(FileId(0), lines, text.lines().count());
        let mut offset = 0u32;
        for line in text.split_inclusive('\n') {
            let (key, value) = line.trim_ascii_end().split_once(' ').unwrap();
            let key_span = (offset, offset + key.len() as u32);
            let value_start = key_span.1 + 1;
            let value_span = (value_start, value_start + value.len() as u32);
            entries.push(key, key_span, value, value_span);
            if !bulk {
                entries.build_index();
            }
            offset += line.len() as u32;
        }
        entries.build_index();
        entries
    }

    /// `special_keys` names exactly the `@domain` keys and the keys without an `@`, in file
    /// order, after duplicates have left the list; beyond 64 and one key in 16 it gives up, and
    /// `maybe_special` then gives every entry.
    #[test]
    fn special_keys_are_the_catch_alls_and_the_keys_without_an_at() {
        for (n, every) in [(10usize, 3usize), (2000, 40), (2000, 7), (64, 1), (100, 1)] {
            let mut text = String::new();
            for i in 0..n {
                match i % every {
                    0 => text.push_str(&format!("@Example{i}.org v\n")),
                    1 if every > 2 => text.push_str(&format!("bare{i} v\n")),
                    _ => text.push_str(&format!("user{i}@example.org v\n")),
                }
                if i % 97 == 0 {
                    // A duplicate of an earlier key: it leaves the list.
                    text.push_str(&format!("user{}@example.org again\n", i / 2));
                }
            }
            let e = entries(&text, true);
            let expected: Vec<u32> = (0..e.len() as u32)
                .filter(|&i| {
                    let key = e.folded_key(i);
                    key.starts_with('@') || !key.contains('@')
                })
                .collect();
            let few = expected.len() <= (e.len() / 16).max(64);
            match e.special_keys() {
                Some(special) => {
                    assert!(few, "{n} keys, one in {every}");
                    assert_eq!(special, expected.as_slice(), "{n} keys, one in {every}");
                }
                None => assert!(!few, "{n} keys, one in {every}: gave up"),
            }
            let walked: Vec<u32> = e.maybe_special().collect();
            if few {
                assert_eq!(walked, expected);
            } else {
                assert_eq!(walked, (0..e.len() as u32).collect::<Vec<_>>());
            }
        }
    }

    /// What `values_holding` must answer: every entry whose value holds the byte.
    fn naive_holding(e: &Entries, byte: u8) -> Vec<u32> {
        (0..e.len() as u32)
            .filter(|&i| e.entry(i).value.contains(byte as char))
            .collect()
    }

    #[test]
    fn values_holding_a_byte_are_found_by_position() {
        // `#` in keys, in values, in a folded (rewritten) entry, in a duplicate, and none.
        let text = "a#b plain\nk1 v#1\nK2 v#2\nk3 plain\nk1 dup#\nk4 x#\n";
        let e = entries(text, true);
        assert_eq!(e.values_holding(b'#'), naive_holding(&e, b'#'));
        assert_eq!(e.values_holding(b'#').len(), 3);
        assert!(e.values_holding(b'%').is_empty());
        let plain = entries("k1 v1\nk2 v2\n", true);
        assert!(plain.values_holding(b'#').is_empty());
        // Pushed out of file order: the answer is still every such entry.
        let text = "k1 v#1\nk2 v2\nk3 v#3\n";
        let lines = Arc::new(LineIndex::of(text.to_string()));
        let mut e = Entries::new(FileId(0), lines, 3);
        for (start, key, value) in [(14u32, "k3", "v#3"), (0, "k1", "v#1"), (7, "k2", "v2")] {
            e.push(key, (start, start + 2), value, (start + 3, start + 6));
        }
        e.build_index();
        assert_eq!(e.values_holding(b'#'), vec![0, 1]);
    }

    #[test]
    fn value_reads_what_the_entry_holds() {
        // Verbatim, folded (rewritten) and joined entries, and a duplicate taken out.
        let text = "a v1\nK2 v#2\nk3  spaced  value \nk4 x,\n  y\nk3 dup\n\"q k\" w\n";
        let lines = Arc::new(LineIndex::of(text.to_string()));
        let e = super::super::read::parse_source(FileId(0), &lines, Format::Postmap);
        let whole: Vec<&str> = e.iter().map(|x| x.value).collect();
        assert_eq!(e.values().collect::<Vec<_>>(), whole);
        assert_eq!(whole, ["v1", "v#2", "spaced  value", "x,  y", "w"]);
    }

    #[test]
    fn folding_is_needed_exactly_for_capitals_and_non_ascii() {
        let naive = |b: &[u8]| b.iter().any(|c| c.is_ascii_uppercase() || *c >= 0x80);
        for byte in 0..=255u8 {
            for at in 0..17 {
                let mut key = vec![b'a'; 17];
                key[at] = byte;
                assert_eq!(
                    needs_folding(&key[..=at]),
                    naive(&key[..=at]),
                    "{byte} at {at}"
                );
                assert_eq!(needs_folding(&key), naive(&key), "{byte} at {at} of 17");
            }
        }
        assert!(!needs_folding(b""));
        assert!(needs_folding("user@exämple.org".as_bytes()));
        assert_eq!(fold("Info@Example.COM"), "info@example.com");
    }

    type Summary = (Vec<(String, String, u32)>, Vec<(String, String, u32)>);

    fn summary(e: &Entries) -> Summary {
        let kept = e
            .iter()
            .map(|x| (x.key.to_string(), x.value.to_string(), x.line()))
            .collect();
        let duplicates = e
            .duplicates()
            .map(|d| (d.entry.key.to_string(), d.entry.value.to_string(), d.kept))
            .collect();
        (kept, duplicates)
    }

    #[test]
    fn bulk_indexing_keeps_the_first_of_equal_keys_like_single_pushes() {
        // Keys that collide after folding, repeated far apart, and many distinct ones.
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!("user{}@example.com v{i}\n", i % 700));
            if i % 333 == 0 {
                text.push_str(&format!("User{}@Example.COM upper{i}\n", i % 700));
            }
        }
        let one = entries(&text, false);
        let bulk = entries(&text, true);
        assert_eq!(summary(&one), summary(&bulk));
        assert_eq!(one.len(), 700);
        assert_eq!(bulk.duplicates().count(), 2000 + 7 - 700);
        for i in 0..700 {
            let key = format!("user{i}@example.com");
            let found = bulk.get(&key).expect("every key is indexed");
            assert_eq!(bulk.folded_key(found), key);
            assert_eq!(bulk.entry(found).value, format!("v{i}"));
        }
        assert_eq!(bulk.get("nobody@example.com"), None);
    }

    #[test]
    fn the_index_is_four_bytes_an_entry_and_finds_every_key() {
        for n in [1usize, 2, 3, 16, 17, 255, 256, 257, 5000, 70_000] {
            let text: String = (0..n)
                .map(|i| format!("user{i}@example.com v{i}\n"))
                .collect();
            let e = entries(&text, true);
            assert_eq!(e.index.len(), n);
            assert_eq!(e.index.words.capacity(), n.div_ceil(2), "4 bytes an entry");
            for i in 0..n {
                let found = e.get(&format!("user{i}@example.com"));
                assert_eq!(found, Some(i as u32), "{i} of {n}");
            }
            for i in n..n + 200 {
                assert_eq!(e.get(&format!("user{i}@example.com")), None, "{i} of {n}");
            }
        }
    }

    /// A batch lookup answers for every key what `get` answers, keys and non-keys mixed, in
    /// batches of every size around the step size.
    #[test]
    fn a_batch_lookup_answers_as_single_lookups() {
        let text: String = (0..3000)
            .map(|i| match i % 7 {
                0 => format!("User{i}@Example.com v{i}\n"),
                1 => format!("user{}@example.com again\n", i - 1),
                _ => format!("user{i}@example.com v{i}\n"),
            })
            .collect();
        let e = entries(&text, true);
        let keys: Vec<String> = (0..3200)
            .flat_map(|i| {
                [
                    format!("user{i}@example.com"),
                    format!("nobody{i}@example.com"),
                ]
            })
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        let mut found = 0;
        for size in [1, 2, BATCH - 1, BATCH, BATCH + 1, 3 * BATCH + 5, keys.len()] {
            for batch in keys.chunks(size) {
                e.get_batch(batch, &mut out);
                assert_eq!(out.len(), batch.len());
                for (key, answer) in batch.iter().zip(&out) {
                    assert_eq!(*answer, e.get(key), "{key} in batches of {size}");
                    found += usize::from(answer.is_some());
                }
            }
        }
        assert!(found > 7 * 2500, "only {found} keys found");
    }

    #[test]
    fn split_address_and_fold_answer_as_std_does() {
        for s in [
            "a@b",
            "@b",
            "a@",
            "a",
            "",
            "a@b@c",
            "ä@ö",
            "User@Example.COM",
            "x\u{fffd}@y",
        ] {
            assert_eq!(split_address(s), s.rsplit_once('@'), "{s:?}");
            assert_eq!(fold(s), s.to_lowercase(), "{s:?}");
            assert_eq!(
                matches!(fold(s), std::borrow::Cow::Borrowed(_)),
                s == s.to_lowercase() && s.is_ascii(),
                "{s:?}"
            );
        }
    }
}
