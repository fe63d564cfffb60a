//! Lookup tables and what postlint knows of their answers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::source::Span;

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

/// One key and its value, as Postfix stores it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key as stored before case folding (for aliases, the unquoted internal form).
    pub key: Box<str>,
    pub key_span: Span,
    /// The value, continuation lines joined.
    pub value: Box<str>,
    pub value_span: Span,
    pub line: u32,
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
#[derive(Clone, Debug)]
pub struct Duplicate {
    pub entry: Entry,
    /// Index of the entry Postfix keeps.
    pub kept: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Entries {
    pub entries: Vec<Entry>,
    index: HashMap<Box<str>, u32>,
    pub duplicates: Vec<Duplicate>,
    pub skipped: Vec<Skipped>,
}

/// Case folding as Postfix does it for fixed-key tables.
pub fn fold(key: &str) -> std::borrow::Cow<'_, str> {
    if key.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        std::borrow::Cow::Owned(key.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(key)
    }
}

impl Entries {
    /// Adds an entry unless its folded key is already there (the first one wins).
    pub fn push(&mut self, entry: Entry) {
        let folded: Box<str> = fold(&entry.key).into();
        match self.index.get(&folded) {
            Some(&kept) => self.duplicates.push(Duplicate { entry, kept }),
            None => {
                self.index.insert(folded, self.entries.len() as u32);
                self.entries.push(entry);
            }
        }
    }

    /// Looks up an already folded key.
    pub fn get(&self, folded_key: &str) -> Option<u32> {
        self.index.get(folded_key).copied()
    }
}

/// What postlint can know of a table's answers.
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

    pub fn is_indexed(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "hash" | "btree" | "lmdb" | "cdb" | "dbm" | "sdbm"
        )
    }
}

/// A lookup's outcome.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Found; the table and entry when it is a known entry.
    Found(Option<(TableId, u32)>),
    NotFound,
    /// Postlint cannot tell.
    Unknown,
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
}

impl Tables {
    pub fn get(&self, id: TableId) -> &Table {
        &self.list[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Table> {
        self.list.iter()
    }

    /// Looks up a key (folded here) the way Postfix queries a fixed-key table.
    pub fn lookup(&self, id: TableId, key: &str) -> Answer {
        let folded = fold(key);
        self.lookup_folded(id, &folded, 0)
    }

    fn lookup_folded(&self, id: TableId, key: &str, depth: usize) -> Answer {
        if depth > 20 {
            return Answer::Unknown;
        }
        match &self.get(id).content {
            Content::Entries(entries) => match entries.get(key) {
                Some(i) => Answer::Found(Some((id, i))),
                None => Answer::NotFound,
            },
            Content::Everything => Answer::Found(None),
            Content::Proxy(inner) => self.lookup_folded(*inner, key, depth + 1),
            Content::Union(members) => Answer::first_found(
                members
                    .iter()
                    .map(|&m| self.lookup_folded(m, key, depth + 1)),
            ),
            Content::Pipe(members) => match members.first() {
                Some(&first) => match self.lookup_folded(first, key, depth + 1) {
                    Answer::NotFound => Answer::NotFound,
                    _ => Answer::Unknown,
                },
                None => Answer::NotFound,
            },
            Content::Unknown(_) => Answer::Unknown,
        }
    }

    /// Looks a key up in a list of tables in order, as `maps_find()` does.
    pub fn lookup_in(&self, tables: &[TableId], key: &str) -> Answer {
        let folded = fold(key);
        Answer::first_found(tables.iter().map(|&id| self.lookup_folded(id, &folded, 0)))
    }

    /// Why a table's answers are unknown, following proxies and composites; None when known.
    pub fn unknown_reason(&self, id: TableId) -> Option<String> {
        self.unknown_reason_at(id, 0)
    }

    fn unknown_reason_at(&self, id: TableId, depth: usize) -> Option<String> {
        if depth > 20 {
            return Some("tables nest too deeply".to_string());
        }
        match &self.get(id).content {
            Content::Entries(_) | Content::Everything => None,
            Content::Proxy(inner) => self.unknown_reason_at(*inner, depth + 1),
            Content::Union(members) | Content::Pipe(members) => members
                .iter()
                .find_map(|&m| self.unknown_reason_at(m, depth + 1)),
            Content::Unknown(why) => Some(why.clone()),
        }
    }

    /// The tables whose entries are known, behind proxies and in unions.
    pub fn known_entry_tables(&self, id: TableId) -> Vec<TableId> {
        let mut out = Vec::new();
        self.collect_entry_tables(id, &mut out, 0);
        out
    }

    fn collect_entry_tables(&self, id: TableId, out: &mut Vec<TableId>, depth: usize) {
        if depth > 20 {
            return;
        }
        match &self.get(id).content {
            Content::Entries(_) => out.push(id),
            Content::Proxy(inner) => self.collect_entry_tables(*inner, out, depth + 1),
            Content::Union(members) => {
                for &m in members {
                    self.collect_entry_tables(m, out, depth + 1);
                }
            }
            _ => {}
        }
    }
}
