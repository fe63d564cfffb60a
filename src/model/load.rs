//! Loading: the `Loader` that reads main.cf, master.cf, list files and every map and alias
//! source a setup names, once each (`read_as`), with templates read with holes, encrypted and
//! missing files noted, and the map sources parsed side by side once every table is known
//! (`PendingSource`, `SourceWork`). `Model::load` drives it; what it gathers becomes the
//! model's sources, tables, notes and problems.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::classes::{AddressClass, ClassKind, Member};
use super::expand::{Expanded, UNKNOWN};
use super::params::Params;
use super::paths::{Location, Locator, Mode};
use super::tables::{
    fold, CompiledFile, Content, Entries, Format, Table, TableId, TableUse, Tables,
};
use super::{
    dbcf, expand, list_files, master, milter_servers, names, params, paths, patterns, read,
    secrets, tables, unreferenced, version,
};
use super::{
    is_alias_param, substitution_for, template_beside, BadLine, DbSetting, DeclaredModeAt,
    InstalledDbFile, LoadOptions, MapsList, MissingListFile, UnknownTableType,
};
use crate::parse::assign::parse_assignments;
use crate::parse::list::{match_list_items, split_list, MatchItem};
use crate::parse::table_ref::TableRef;
use crate::source::{FileId, Sources, Span};
use crate::template;

#[derive(Copy, Clone)]
pub(super) enum ReadResult {
    Read(FileId),
    Missing,
    Failed,
    /// An unrendered template (Jinja, ERB): not read as Postfix.
    Template,
    /// Encrypted (git-crypt, Ansible Vault...): nothing in it can be read.
    Encrypted,
}

pub(super) struct Loader {
    pub(super) sources: Sources,
    pub(super) locator: Locator,
    /// The file read as master.cf.
    pub(super) master_cf_path: PathBuf,
    /// `--template-vars`: values for simple template expressions.
    pub(super) template_vars: Option<std::sync::Arc<template::Vars>>,
    pub(super) tables: Tables,
    pub(super) notes: Vec<String>,
    pub(super) problems: Vec<String>,
    pub(super) templates: Vec<String>,
    /// Every file read or tried, and how that went.
    pub(super) files: HashMap<PathBuf, ReadResult>,
    /// Map and alias sources to read and parse once every table is known.
    pub(super) pending: Vec<PendingSource>,
    /// Which parameters name each map source, to read a file that both alias_maps and another
    /// parameter name in the format of its own lines ([`Loader::source_format`]).
    pub(super) source_kinds: SourceKinds,
    /// List files already read into a class, with the sense (negated) they were read in.
    pub(super) list_seen: std::collections::HashSet<(ClassKind, FileId, bool)>,
    pub(super) list_files: Vec<list_files::ListFile>,
    pub(super) missing_list_files: Vec<MissingListFile>,
    /// The `/file/name` lists of mynetworks values, by name as written: None when unreadable.
    pub(super) network_lists: HashMap<String, Option<FileId>>,
    pub(super) unknown_table_types: Vec<UnknownTableType>,
    /// What set-up scripts replace in database .cf files (`LoadOptions::script_file_keys`,
    /// and `LoadOptions::script_file_placeholders` compiled once).
    pub(super) replaced_keys: std::collections::BTreeSet<String>,
    pub(super) filled_in: Vec<regex::Regex>,
    /// `Model::shell_references` of the files read.
    pub(super) shell_references: Vec<(Span, String)>,
    /// `Model::postconf_shell_references`.
    pub(super) postconf_shell_references: Vec<(Span, String, String, bool)>,
}

/// A script's `$name` references left to the shell (`template::Holed::shell_references`), as
/// spans of the file `file` read from it.
pub(super) fn shell_spans(
    file: FileId,
    source: &crate::source::TemplateSource,
    holed: &template::Holed,
) -> Vec<(Span, String)> {
    holed
        .shell_references
        .iter()
        .map(|(range, name)| {
            let start = template::shift(&source.shifts, range.start as u32);
            let end = template::shift(&source.shifts, range.end as u32).max(start);
            (Span { file, start, end }, name.clone())
        })
        .collect()
}

/// A postmap or postalias source a table needs.
pub(super) struct PendingSource {
    pub(super) table: TableId,
    pub(super) path: PathBuf,
    pub(super) display: String,
    pub(super) format: Format,
}

/// One file of [`PendingSource`]s and the tables that read it.
pub(super) struct SourceWork {
    pub(super) path: PathBuf,
    pub(super) display: String,
    /// Already read or tried by something else (a list file, say).
    pub(super) known: Option<ReadResult>,
    pub(super) tables: Vec<(TableId, Format)>,
}

impl Loader {
    pub(super) fn read(&mut self, path: &Path, display: &str) -> ReadResult {
        self.read_as(path, display, None)
    }

    /// Reads a file; one with template tags is read with holes when `kind` says how.
    pub(super) fn read_as(
        &mut self,
        path: &Path,
        display: &str,
        kind: Option<template::Kind>,
    ) -> ReadResult {
        if let Some(&known) = self.files.get(path) {
            return known;
        }
        // In a system image, links resolve as on the imaged system (paths::in_root).
        let real = match &self.locator.mode {
            Mode::Sysroot(root) => paths::in_root(root, path),
            _ => path.to_path_buf(),
        };
        if real != path {
            if let Some(&known) = self.files.get(&real) {
                return known;
            }
        }
        let outcome = match kind {
            Some(kind) => read::read_with_holes(&real, kind, self.template_vars.as_deref()),
            None => read::read_source(&real),
        };
        let result = self.record_read(&real, display, outcome);
        self.files.insert(path.to_path_buf(), result);
        result
    }

    /// Adds a note for every table whose answers are unknown, and says each note once (a file
    /// that two parameters name is noted for each).
    pub(super) fn finish_notes(&mut self) {
        let unknown = self.tables.list.iter().filter_map(|t| match &t.content {
            Content::Unknown(why) => Some(format!(
                "unknown: {}: {why}; rules that need its entries stay silent",
                t.reference()
            )),
            Content::Patterns(p) => p.unknown_rule().map(|(line, why)| {
                format!(
                    "unknown: {} line {line}: a pattern postlint cannot evaluate ({why}); \
                     lookups that reach it stay unknown",
                    t.reference()
                )
            }),
            _ => None,
        });
        let mut notes = std::mem::take(&mut self.notes);
        notes.extend(unknown);
        let mut seen = std::collections::HashSet::new();
        notes.retain(|note| seen.insert(note.clone()));
        self.notes = notes;
    }

    /// Files a read's outcome: the text as a new source, or the note or problem.
    pub(super) fn record_read(
        &mut self,
        path: &Path,
        display: &str,
        outcome: read::ReadOutcome,
    ) -> ReadResult {
        let encrypted = outcome
            .as_ref()
            .ok()
            .and_then(|file| crate::fsread::encrypted_by(file.lines.text()));
        let result = match outcome {
            Ok(_) if encrypted.is_some() => {
                self.templates.push(format!(
                    "skipped {display}: encrypted with {}, not readable",
                    encrypted.unwrap_or_default()
                ));
                ReadResult::Encrypted
            }
            Ok(read::ReadFile {
                lines,
                modified,
                holes: Some(holes),
                ..
            }) => {
                let (source, holed) = *holes;
                self.notes
                    .extend(template::notes(display, source.engine, &holed));
                let id = self.sources.add_indexed(
                    path.to_path_buf(),
                    display.to_string(),
                    lines,
                    modified,
                );
                self.shell_references
                    .extend(shell_spans(id, &source, &holed));
                self.sources.set_template(id, source);
                ReadResult::Read(id)
            }
            Ok(read::ReadFile {
                template: Some(hit),
                ..
            }) => {
                self.templates
                    .push(format!("skipped {display}: {hit}, not a Postfix file"));
                ReadResult::Template
            }
            Ok(read::ReadFile {
                lines, modified, ..
            }) => {
                self.notes.push(format!("read {display}"));
                let id = self.sources.add_indexed(
                    path.to_path_buf(),
                    display.to_string(),
                    lines,
                    modified,
                );
                ReadResult::Read(id)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let template = path.file_name().and_then(|name| {
                    template::names_for(&name.to_string_lossy())
                        .find(|t| path.with_file_name(t).is_file())
                });
                match template {
                    Some(t) => self.notes.push(format!(
                        "{display} does not exist; {t} beside it is a template, which postlint does not read"
                    )),
                    None => self.notes.push(format!("{display} does not exist")),
                }
                ReadResult::Missing
            }
            Err(e) => {
                self.problems.push(format!("{display}: cannot read: {e}"));
                ReadResult::Failed
            }
        };
        self.files.insert(path.to_path_buf(), result);
        result
    }

    /// Registers the table a token names (once per type, name and format), or None when the
    /// token is not a table reference.
    pub(super) fn register(
        &mut self,
        token: &str,
        param: &str,
        span: Option<Span>,
        format: Format,
        depth: usize,
    ) -> Option<TableId> {
        let table_ref = TableRef::parse(token)?;
        // texthash: is read by dict_thash.c in postmap's format, `key value`, whichever
        // parameter names it (it warns that `key: value` looks like an alias file).
        let format = if table_ref.kind == "texthash" {
            Format::Postmap
        } else if is_file_kind(table_ref.kind) {
            self.source_format(table_ref.name, format)
        } else {
            format
        };
        let key = (
            table_ref.kind.to_string(),
            table_ref.name.to_string(),
            format,
        );
        let table_use = TableUse {
            param: param.to_string(),
            span,
        };
        if let Some(&id) = self.tables.by_ref.get(&key) {
            self.tables.list[id.0 as usize].uses.push(table_use);
            return Some(id);
        }
        let id = TableId(self.tables.list.len() as u32);
        self.tables.by_ref.insert(key, id);
        self.tables.list.push(Table {
            id,
            kind: table_ref.kind.to_string(),
            name: table_ref.name.to_string(),
            format,
            content: Content::Unknown("not loaded".to_string()),
            uses: vec![table_use],
            source: None,
            source_display: None,
            compiled: None,
            settings: Vec::new(),
            bad_settings: Vec::new(),
            missing: None,
            template_entries: None,
        });
        let content = if depth > 10 {
            Content::Unknown("tables nest too deeply".to_string())
        } else {
            self.load_content(id, &table_ref, param, span, format, depth)
        };
        self.tables.list[id.0 as usize].content = content;
        Some(id)
    }

    /// The format of a map source: as the naming parameter says, unless both alias_maps (or
    /// alias_database) and another parameter name it (Debian's `local_recipient_maps = ...
    /// $alias_maps`, `virtual_alias_maps = $alias_maps`, `alias_maps = $virtual_alias_maps`):
    /// then the file's own lines say which command builds it.
    pub(super) fn source_format(&mut self, name: &str, requested: Format) -> Format {
        let kinds = &self.source_kinds;
        if !(kinds.aliases.contains(name) && kinds.postmap.contains(name)) {
            return requested;
        }
        if let Some(&decided) = kinds.decided.get(name) {
            return decided;
        }
        let decided = match self.locator.locate(name) {
            Location::Readable { path, display } => match self.read(&path, &display) {
                ReadResult::Read(file) => {
                    if aliases_shaped(self.sources.get(file).text()) {
                        Format::Aliases
                    } else {
                        Format::Postmap
                    }
                }
                _ => Format::Aliases,
            },
            _ => Format::Aliases,
        };
        self.source_kinds.decided.insert(name.to_string(), decided);
        decided
    }

    /// Why a cidr table counts as unknown for the rules that read entries.
    const CIDR_UNKNOWN: &'static str =
        "cidr rules are evaluated only for smtpd's access checks (the open-relay check)";

    pub(super) fn load_content(
        &mut self,
        id: TableId,
        table_ref: &TableRef,
        param: &str,
        span: Option<Span>,
        format: Format,
        depth: usize,
    ) -> Content {
        let kind = table_ref.kind;
        match kind {
            "proxy" => match self.register(table_ref.name, param, span, format, depth + 1) {
                Some(inner) => Content::Proxy(inner),
                None => Content::Unknown(format!(
                    "proxy:{} is not a table postlint knows",
                    table_ref.name
                )),
            },
            "unionmap" | "pipemap" => {
                if table_ref.braced().is_none() {
                    return Content::Unknown(format!("{kind}: needs {{table, ...}}"));
                }
                let mut members = Vec::new();
                for member in table_ref.members() {
                    match self.register(member, param, span, format, depth + 1) {
                        Some(m) => members.push(m),
                        None => {
                            return Content::Unknown(format!(
                                "{member} is not a table postlint knows"
                            ))
                        }
                    }
                }
                if kind == "unionmap" {
                    Content::Union(members)
                } else {
                    Content::Pipe(members)
                }
            }
            "static" | "randmap" => Content::Everything,
            "inline" => match table_ref.inline_entries() {
                Some(mut pairs) => {
                    // dict_inline.c stores each pair in turn: a key given again replaces the
                    // earlier value (keys folded), where postmap keeps the first.
                    let mut later = std::collections::HashSet::new();
                    pairs.reverse();
                    pairs.retain(|(key, _)| later.insert(tables::fold(key).into_owned()));
                    pairs.reverse();
                    let whole = span.unwrap_or(Span::file_start(FileId(0)));
                    let lines = self.sources.get(whole.file).lines.clone();
                    let mut entries = Entries::new(whole.file, lines, pairs.len());
                    for (key, value) in pairs {
                        let range = (whole.start, whole.end);
                        entries.push(key, range, value, range);
                    }
                    entries.build_index();
                    Content::Entries(entries)
                }
                None => Content::Unknown("inline: table with a syntax error".to_string()),
            },
            kind if is_file_kind(kind) => self.load_source(id, table_ref, format),
            "regexp" | "pcre" | "cidr" => {
                let dialect = match kind {
                    "regexp" => Some(patterns::Dialect::Regexp),
                    "pcre" => Some(patterns::Dialect::Pcre),
                    _ => None,
                };
                if table_ref.name.starts_with('{') {
                    let (Some(dialect), Some(inner), Some(span)) =
                        (dialect, table_ref.braced(), span)
                    else {
                        return Content::Unknown(match kind {
                            "cidr" => Self::CIDR_UNKNOWN.to_string(),
                            _ => format!("{kind} patterns are not evaluated"),
                        });
                    };
                    if inner.contains(UNKNOWN) {
                        return Content::Unknown(format!(
                            "{kind}:{{...}} holds a value postlint cannot know"
                        ));
                    }
                    return match patterns::PatternTable::parse_inline(inner, dialect, span) {
                        Ok(table) => Content::Patterns(Box::new(table)),
                        Err(why) => Content::Unknown(format!("{kind} map: {why}")),
                    };
                }
                match self.read_table_file(id, table_ref.name) {
                    Ok(file) => {
                        self.tables.list[id.0 as usize].source = Some(file);
                        let template = self.sources.get(file).template.as_ref();
                        if template.is_some_and(|t| t.leaves_unknown) {
                            // A hole in a pattern is no literal text.
                            return Content::Unknown(format!(
                                "{} is a template whose rules depend on its variables",
                                self.sources.get(file).display_path
                            ));
                        }
                        match dialect {
                            Some(dialect) => {
                                let text = self.sources.get(file).text().clone();
                                let table =
                                    patterns::PatternTable::parse(&text, file, dialect, None);
                                // A rule Postfix would skip whose pattern is an installer's
                                // placeholder (`__DOMAIN_REGEX__ ANY`): a template the set-up
                                // completes, as for indexed tables.
                                let placeholder = self.placeholder_line(
                                    &text,
                                    table.skipped.iter().map(|s| (s.span, s.line)),
                                );
                                match placeholder {
                                    Some(line) => Content::Unknown(format!(
                                        "{} line {line} is a placeholder the set-up fills in",
                                        self.sources.get(file).display_path
                                    )),
                                    None => Content::Patterns(Box::new(table)),
                                }
                            }
                            None => Content::Unknown(Self::CIDR_UNKNOWN.to_string()),
                        }
                    }
                    Err(why) => Content::Unknown(why),
                }
            }
            "mysql" | "pgsql" | "sqlite" | "ldap" | "memcache" | "mongodb" => {
                if !(table_ref.name.starts_with('/') || table_ref.name.starts_with('.')) {
                    return Content::Unknown(format!(
                        "{kind}:{} takes its settings from main.cf parameters {}_*",
                        table_ref.name, table_ref.name
                    ));
                }
                let file = match self.read_table_file(id, table_ref.name) {
                    Ok(file) => file,
                    Err(why) => return Content::Unknown(why),
                };
                {
                    let text = self.sources.get(file).text().clone();
                    let parsed = parse_assignments(&text);
                    let settings = parsed
                        .assignments
                        .iter()
                        .map(|a| DbSetting {
                            name: a.name().to_string(),
                            value: a.value().to_string(),
                            span: a.line.span(file, a.name.start..a.value.end),
                            line: a.line.line,
                            replaced: self.replaced_keys.contains(a.name())
                                || self.filled_in.iter().any(|p| p.is_match(a.value())),
                        })
                        .collect();
                    let bad_settings = parsed
                        .bad_lines
                        .iter()
                        .map(|b| BadLine::from_parsed(b, file))
                        .collect();
                    let table = &mut self.tables.list[id.0 as usize];
                    table.source = Some(file);
                    table.settings = settings;
                    table.bad_settings = bad_settings;
                }
                Content::Unknown(format!("{kind} answers come from the database"))
            }
            _ => Content::Unknown(format!("{kind}: lookups are answered at run time")),
        }
    }

    /// The template of a located file that does not exist (`virtual.j2` for `virtual`), if
    /// there is one; Err, with a note, when it is a link out of the tree postlint may read
    /// (the located path itself went through `Locator::locate`'s confinement, not this one).
    pub(super) fn template_of(&mut self, path: &Path) -> Result<Option<PathBuf>, String> {
        let Some(template) = template_beside(path) else {
            return Ok(None);
        };
        let outside = self.locator.root.as_ref();
        if outside.is_some_and(|root| !paths::is_inside(root, &template)) {
            let shown = template.display();
            self.notes
                .push(format!("skipped {shown}: outside the linted tree"));
            return Err(format!("{shown} is outside the linted tree"));
        }
        Ok(Some(template))
    }

    /// Reads the file of a file-based table that is not compiled (regexp, SQL .cf, ...).
    pub(super) fn read_table_file(&mut self, id: TableId, name: &str) -> Result<FileId, String> {
        match self.locator.locate(name) {
            Location::Readable { path, display } => {
                self.tables.list[id.0 as usize].source_display = Some(display.clone());
                // A template of the file (tags in it, or only `transport.j2` beside it) is
                // read with holes.
                let (path, display) = match self.template_of(&path)? {
                    Some(template) => {
                        let shown = template.to_string_lossy().into_owned();
                        (template, shown)
                    }
                    None => (path, display),
                };
                match self.read_as(&path, &display, Some(template::Kind::Table)) {
                    ReadResult::Read(file) => Ok(file),
                    ReadResult::Missing => {
                        self.tables.list[id.0 as usize].missing = Some(path.clone());
                        Err(format!("{display} does not exist"))
                    }
                    ReadResult::Failed => Err(format!("{display} cannot be read")),
                    ReadResult::Template => Err(format!("{display} is a template")),
                    ReadResult::Encrypted => Err(format!("{display} is encrypted")),
                }
            }
            Location::Outside => {
                self.notes
                    .push(format!("skipped {name}: outside the linted tree"));
                Err(format!("{name} is outside the linted tree"))
            }
            Location::Relative => Err(format!(
                "{name} is a relative path, which Postfix daemons resolve against their own working directory"
            )),
        }
    }

    /// Loads a postmap or postalias source, and notes the compiled files beside it.
    pub(super) fn load_source(
        &mut self,
        id: TableId,
        table_ref: &TableRef,
        format: Format,
    ) -> Content {
        let name = table_ref.name;
        let (path, display) = match self.locator.locate(name) {
            Location::Readable { path, display } => (path, display),
            Location::Outside => {
                self.notes.push(format!("skipped {name}: outside the linted tree"));
                return Content::Unknown(format!("{name} is outside the linted tree"));
            }
            Location::Relative => {
                return Content::Unknown(format!(
                    "{name} is a relative path, which Postfix daemons resolve against their own working directory"
                ))
            }
        };
        self.tables.list[id.0 as usize].source_display = Some(display.clone());
        if table_ref.is_indexed() {
            let path_text = path.to_string_lossy();
            let compiled: Vec<CompiledFile> = table_ref
                .compiled_files(&path_text)
                .into_iter()
                .zip(table_ref.compiled_files(&display))
                .map(|(p, d)| {
                    let p = PathBuf::from(p);
                    let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
                    CompiledFile {
                        path: p,
                        display: d,
                        modified,
                    }
                })
                .collect();
            // Whether the source exists is known once it is read.
            self.tables.list[id.0 as usize].compiled = Some((compiled, false));
        }
        // A role that renders the source from a template keeps only `virtual.j2`: that is the
        // source, read with holes.
        let template = match self.template_of(&path) {
            Ok(template) => template,
            Err(why) => return Content::Unknown(why),
        };
        let (read_path, read_display) = match template {
            Some(template) => {
                let shown = match display.rsplit_once('/') {
                    Some((dir, _)) => format!(
                        "{dir}/{}",
                        template.file_name().unwrap_or_default().to_string_lossy()
                    ),
                    None => template.to_string_lossy().into_owned(),
                };
                (template, shown)
            }
            None => (path.clone(), display.clone()),
        };
        self.tables.list[id.0 as usize].source_display = Some(read_display.clone());
        self.pending.push(PendingSource {
            table: id,
            path: read_path,
            display: read_display,
            format,
        });
        Content::Unknown("not read yet".to_string())
    }

    /// Reads and parses every pending source: each file once, independent files side by side.
    pub(super) fn load_pending(&mut self, class_tables: &[TableId]) {
        let mut work: Vec<SourceWork> = Vec::new();
        let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
        for p in std::mem::take(&mut self.pending) {
            let i = *by_path.entry(p.path.clone()).or_insert_with(|| {
                work.push(SourceWork {
                    known: self.files.get(&p.path).copied(),
                    path: p.path.clone(),
                    display: p.display.clone(),
                    tables: Vec::new(),
                });
                work.len() - 1
            });
            work[i].tables.push((p.table, p.format));
        }
        let sources = &self.sources;
        let vars = self.template_vars.as_deref();
        let results = crate::parallel::in_parallel(&work, |w| {
            let (file, lines, outcome) = match w.known {
                Some(ReadResult::Read(file)) => (file, sources.get(file).lines.clone(), None),
                Some(_) => return (None, Vec::new()),
                None => match read::read_with_holes(&w.path, template::Kind::Table, vars) {
                    Ok(file) if file.template.is_some() => return (Some(Ok(file)), Vec::new()),
                    Ok(file) => (read::UNNUMBERED, file.lines.clone(), Some(Ok(file))),
                    Err(e) => return (Some(Err(e)), Vec::new()),
                },
            };
            let parsed = w
                .tables
                .iter()
                .map(|&(id, format)| {
                    let entries = read::parse_source(file, &lines, format);
                    if class_tables.contains(&id) {
                        entries.special_keys();
                    }
                    (id, entries)
                })
                .collect::<Vec<_>>();
            (outcome, parsed)
        });
        for (w, (outcome, parsed)) in work.iter().zip(results) {
            let result = match (w.known, outcome) {
                (Some(known), _) => known,
                (None, Some(outcome)) => self.record_read(&w.path, &w.display, outcome),
                (None, None) => unreachable!("an unread file is read"),
            };
            for &(id, _) in &w.tables {
                let table = &mut self.tables.list[id.0 as usize];
                match result {
                    ReadResult::Read(file) => {
                        table.source = Some(file);
                        if let Some((_, exists)) = &mut table.compiled {
                            *exists = true;
                        }
                    }
                    ReadResult::Missing => {
                        table.missing = Some(w.path.clone());
                        table.content =
                            Content::Unknown(format!("{} is not in the linted tree", w.display))
                    }
                    ReadResult::Failed => {
                        table.content = Content::Unknown(format!("{} could not be read", w.display))
                    }
                    ReadResult::Template => {
                        table.content = Content::Unknown(format!("{} is a template", w.display))
                    }
                    ReadResult::Encrypted => {
                        table.content = Content::Unknown(format!("{} is encrypted", w.display))
                    }
                }
            }
            if let ReadResult::Read(file) = result {
                // A template whose entries depend on its variables answers nothing for sure.
                let uncertain = self
                    .sources
                    .get(file)
                    .template
                    .as_ref()
                    .is_some_and(|t| t.leaves_unknown);
                for (id, mut entries) in parsed {
                    entries.set_file(file);
                    // A line postmap would skip that is an installer's placeholder
                    // (`%%DOMAINS%%`), or text a set-up script fills in: the table is a
                    // template the set-up completes, not one Postfix reads as it is.
                    let text = self.sources.get(file).text();
                    let placeholder = self
                        .placeholder_line(text, entries.skipped.iter().map(|s| (s.span, s.line)));
                    let table = &mut self.tables.list[id.0 as usize];
                    table.content = match (uncertain, placeholder) {
                        (true, _) => {
                            let secret = table
                                .uses
                                .iter()
                                .any(|u| secrets::is_secret_table_param(&u.param));
                            if secret {
                                table.template_entries = Some(Box::new(entries));
                            }
                            Content::Unknown(format!(
                                "{} is a template whose entries depend on its variables",
                                w.display
                            ))
                        }
                        (false, Some(line)) => Content::Unknown(format!(
                            "{} line {line} is a placeholder the set-up fills in",
                            w.display
                        )),
                        (false, None) => Content::Entries(entries),
                    };
                }
            }
        }
    }

    /// The first of a table's lines Postfix would skip (span and line number) that is an
    /// installer's placeholder, whole or as its key or pattern (`%%DOMAINS%%`,
    /// `__DOMAIN_REGEX__ ANY`), or text a set-up script fills in: the table is a template the
    /// set-up completes, not one Postfix reads as it is.
    fn placeholder_line(
        &self,
        text: &str,
        mut skipped: impl Iterator<Item = (Span, u32)>,
    ) -> Option<u32> {
        skipped.find_map(|(span, line_no)| {
            let line = text
                .get(span.start as usize..span.end as usize)?
                .trim_ascii();
            let first = line.split_ascii_whitespace().next().unwrap_or(line);
            let filled = crate::parse::placeholder::is_whole(line)
                || crate::parse::placeholder::is_whole(first)
                || self.filled_in.iter().any(|p| p.is_match(line));
            filled.then_some(line_no)
        })
    }

    /// Registers the tables a parameter's value names, in order (`!` prefixes dropped).
    pub(super) fn register_list(&mut self, param: &str, expanded: &Expanded) -> MapsList {
        let format = if is_alias_param(param) {
            Format::Aliases
        } else {
            Format::Postmap
        };
        let is_maps_param = param.ends_with("_maps") || param == "alias_database";
        let mut list = MapsList {
            tables: Vec::new(),
            unknown: !expanded.errors.is_empty(),
            substitution: substitution_for(param),
        };
        // A `#` starts what trailing-comment reports (Postfix reads it as more of the value):
        // the words after it are no tables anyone meant to write.
        let mut commented = false;
        // Lists of tables dict_open() opens, where a word without a type stops the daemon
        // (the proxy lists only name tables; postalias gives alias_database the default type).
        let checks = param.ends_with("header_checks") || param.ends_with("body_checks");
        let opened = (is_maps_param || checks)
            && !matches!(
                param,
                "alias_database" | "proxy_read_maps" | "proxy_write_maps"
            );
        let ranges = split_list(&expanded.text);
        // Two settings on one line (`hash:/etc/postfix/sasl_passwd smtp_sasl_security_options
        // = noanonymous`, a line break lost): the words from the second name on are one
        // mistake, reported once as that setting, not as tables without a type.
        let joined = ranges.iter().enumerate().position(|(i, r)| {
            let word = &expanded.text[r.clone()];
            let (name, rest) = word.split_once('=').unwrap_or((word, ""));
            let next_is_eq = ranges
                .get(i + 1)
                .is_some_and(|n| expanded.text[n.clone()].starts_with('='));
            i > 0
                && !ranges[..i]
                    .iter()
                    .any(|r| expanded.text[r.clone()].starts_with('#'))
                && !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && (next_is_eq || (word.contains('=') && !rest.contains(':')))
        });
        if let (Some(at), true) = (joined, opened) {
            self.unknown_table_types.push(UnknownTableType {
                kind: String::new(),
                token: expanded.text[ranges[at].start..].trim_end().to_string(),
                param: param.to_string(),
                span: expanded.origin_of(ranges[at].start..ranges[ranges.len() - 1].end),
            });
        }
        for (i, range) in ranges.into_iter().enumerate() {
            let token = &expanded.text[range.clone()];
            commented |= token.starts_with('#') || joined.is_some_and(|at| i >= at);
            if token.contains(UNKNOWN) {
                list.unknown = true;
                continue;
            }
            let span = expanded.origin_of(range.clone());
            match self.register(token.trim_start_matches('!'), param, span, format, 0) {
                Some(id) => list.tables.push(id),
                None => {
                    list.unknown |= is_maps_param;
                    // `/etc/postfix/transport`: a table without a type, which dict_open()
                    // refuses.
                    let typeless = opened
                        && !commented
                        && !token.contains([':', '{', '}'])
                        && !crate::parse::placeholder::is_whole(token);
                    if typeless {
                        self.unknown_table_types.push(UnknownTableType {
                            kind: String::new(),
                            token: token.to_string(),
                            param: param.to_string(),
                            span,
                        });
                    }
                    // `has:/etc/postfix/virtual`: a table of a type Postfix does not have.
                    if let (true, Some((kind, _))) = (is_maps_param, token.split_once(':')) {
                        let word = !kind.is_empty()
                            && kind
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                        if word {
                            self.unknown_table_types.push(UnknownTableType {
                                kind: kind.to_string(),
                                token: token.to_string(),
                                param: param.to_string(),
                                span,
                            });
                        }
                    }
                }
            }
        }
        list
    }

    /// Adds the items of a match list to a class, following `/file/name` items and tables.
    pub(super) fn add_list_items(
        &mut self,
        class: &mut AddressClass,
        expanded: &Expanded,
        param: &str,
    ) {
        if !expanded.errors.is_empty() {
            class.push_unknown(false);
            return;
        }
        for item in match_list_items(&expanded.text) {
            let token = &expanded.text[item.range.clone()];
            let span = expanded.origin_of(item.range.clone());
            let via = expanded.via_of(item.range.clone());
            if token.contains(UNKNOWN) {
                class.push_unknown(item.negated);
                continue;
            }
            self.add_item(class, item.negated, &item.item, span, via, param, 0);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_item(
        &mut self,
        class: &mut AddressClass,
        negated: bool,
        item: &MatchItem,
        span: Option<Span>,
        via: Option<Span>,
        param: &str,
        depth: usize,
    ) {
        match item {
            MatchItem::Literal(pattern) => class.push_literal(
                negated,
                Member {
                    domain: fold(pattern).into_owned(),
                    written: pattern.to_string(),
                    span,
                    via,
                },
            ),
            MatchItem::Table(token) => {
                match self.register(token, param, span, Format::Postmap, 0) {
                    // Its members are known once the tables are read (load_pending).
                    Some(id) => class.push_table(negated, id, via),
                    None => class.push_unknown(negated),
                }
            }
            MatchItem::File(path) => {
                self.add_list_file(class, negated, path, span.or(via), via, param, depth)
            }
            MatchItem::Comment | MatchItem::EmptyNegation => {}
        }
    }

    /// Adds a file of another program (a milter's configuration, an Ansible task) as a source
    /// that holds only its line `index` (0-based), every other line left empty: findings point
    /// into it, and nothing else the file holds (a database password beside the line) can be
    /// shown. Gives the source and where the line starts. Files of 1 MB or more are not read.
    pub(super) fn add_one_line(
        &mut self,
        real: &Path,
        display: &str,
        index: usize,
    ) -> Option<(FileId, usize)> {
        let text = self.read_other_file(real, 1 << 20)?;
        self.keep_one_line(real, display, &text, index)
    }

    /// [`Loader::add_one_line`] for a file already read (`text`).
    pub(super) fn keep_one_line(
        &mut self,
        real: &Path,
        display: &str,
        text: &str,
        index: usize,
    ) -> Option<(FileId, usize)> {
        let mut kept = String::new();
        let mut at = None;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i == index {
                at = Some(kept.len());
                kept.push_str(line);
            } else if line.ends_with('\n') {
                kept.push('\n');
            }
        }
        let at = at?;
        let id = self
            .sources
            .add(real.to_path_buf(), display.to_string(), kept, None);
        Some((id, at))
    }

    /// The text of a file of another program, of less than `limit` bytes.
    pub(super) fn read_other_file(&self, real: &Path, limit: u64) -> Option<String> {
        let meta = std::fs::metadata(real).ok()?;
        if !meta.is_file() || meta.len() >= limit {
            return None;
        }
        crate::fsread::read_text(real).ok()
    }

    /// Line `line` (1-based) of a script, task or state, kept alone as a source
    /// (`add_one_line`): the source, where the line starts, and its text.
    pub(super) fn script_line(
        &mut self,
        script: &Path,
        line: u32,
    ) -> Option<(FileId, usize, String)> {
        let display = crate::scripts::lexical(script).display().to_string();
        let index = (line as usize).checked_sub(1)?;
        let (file, start) = self.add_one_line(script, &display, index)?;
        let text = self.sources.get(file).text()[start..]
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        Some((file, start, text))
    }

    /// The place of a Dockerfile's `chmod` that takes other users' access to main.cf: its
    /// line, kept alone as a source (`add_one_line`); the command where it stands on the line,
    /// else the whole line (a command continued over lines).
    pub(super) fn read_chmod(
        &mut self,
        chmod: &crate::scripts::ChmodAt,
    ) -> Option<(crate::scripts::ChmodEffect, String, Span)> {
        let (file, start, line) = self.script_line(&chmod.script, chmod.line)?;
        let (at, len) = match line.find(chmod.command.as_str()) {
            Some(at) => (at, chmod.command.len()),
            None => {
                let trimmed = line.trim_start();
                (line.len() - trimmed.len(), trimmed.trim_end().len())
            }
        };
        Some((
            chmod.effect,
            crate::output::printable(&chmod.command).into_owned(),
            Span::new(file, start + at, start + at + len),
        ))
    }

    /// The place of the mode's value (`mode: '0640'`, `mode=0640`) in the file of the task or
    /// state that declares main.cf's mode.
    pub(super) fn read_declared_mode(
        &mut self,
        declared: &crate::scripts::DeclaredMode,
    ) -> Option<DeclaredModeAt> {
        let (file, start, line) = self.script_line(&declared.script, declared.line)?;
        let at = line.find("mode")? + 4;
        let rest = &line[at..];
        let value = rest.trim_start_matches([':', '=', '>', ' ', '\t']);
        let value_at = start + at + (rest.len() - value.len());
        let len = value
            .find(|c: char| c.is_ascii_whitespace() || c == '#' || c == ',')
            .unwrap_or(value.len());
        let tool = match declared.script.extension().and_then(|e| e.to_str()) {
            Some("sls") => "Salt",
            Some("rb") => "Chef",
            Some("pp") => "Puppet",
            _ => "Ansible",
        };
        Some(DeclaredModeAt {
            mode: declared.mode,
            group: declared.group.clone(),
            span: Span::new(file, value_at, value_at + len),
            tool,
        })
    }

    /// The lookup files that hold a password (`dbcf::secret_line`), with their paths
    /// (`lexical`).
    pub(super) fn password_files(&self) -> Vec<(FileId, PathBuf)> {
        self.tables
            .iter()
            .filter(|t| dbcf::secret_line(t).is_some())
            .filter_map(|t| t.source)
            .map(|f| (f, crate::scripts::lexical(&self.sources.get(f).real_path)))
            .collect()
    }

    /// The modes etckeeper records for the database .cf files that hold a password, when the
    /// linted directory is in a copy of /etc that etckeeper keeps (`.etckeeper` in the
    /// directory above it): a `maybe chmod 640 './postfix/mysql.cf'` line, or none, which
    /// means the default 0644 (etckeeper writes a line only for another mode; a file that
    /// lists 0644 modes too lists every file, and a missing line there says nothing). Git
    /// keeps no modes: this file is where a checkout of /etc says them.
    pub(super) fn etckeeper_db_modes(&mut self) -> HashMap<FileId, DeclaredModeAt> {
        let mut out = HashMap::new();
        let Some(etc) = self.locator.config_dir.parent().map(Path::to_path_buf) else {
            return out;
        };
        let metadata = etc.join(".etckeeper");
        let inside = self
            .locator
            .root
            .as_ref()
            .is_none_or(|root| paths::is_inside(root, &metadata));
        if !inside {
            return out;
        }
        let Some(text) = crate::discover::small_text(&metadata) else {
            return out;
        };
        if !text.starts_with("# Generated by etckeeper") {
            return out;
        }
        // `maybe chmod 640 './postfix/x.cf'`, `maybe chgrp postfix './postfix/x.cf'`.
        let unquote = |p: &str| {
            let p = p.trim().trim_matches('\'');
            p.strip_prefix("./").unwrap_or(p).to_string()
        };
        let mut modes: HashMap<String, (u32, u32)> = HashMap::new();
        let mut groups: HashMap<String, String> = HashMap::new();
        let mut lists_defaults = false;
        for (i, line) in text.lines().enumerate() {
            let words: Vec<&str> = line.splitn(4, ' ').collect();
            match words.as_slice() {
                ["maybe", "chmod", mode, path] => {
                    if let Ok(m) = u32::from_str_radix(mode, 8) {
                        lists_defaults |= m == 0o644;
                        modes.insert(unquote(path), (m, i as u32 + 1));
                    }
                }
                ["maybe", "chgrp", group, path] => {
                    groups.insert(unquote(path), group.trim_matches('\'').to_string());
                }
                _ => {}
            }
        }
        let files = self.password_files();
        for (file, path) in files {
            let Ok(relative) = path.strip_prefix(&etc) else {
                continue;
            };
            let key = relative.to_string_lossy().into_owned();
            let (mode, line) = match modes.get(&key) {
                Some(&(mode, line)) => (mode, line),
                None if !lists_defaults => (0o644, 1),
                None => continue,
            };
            let Some((meta, start, text)) = self.script_line(&metadata, line) else {
                continue;
            };
            let span = match modes.contains_key(&key) {
                // The mode's digits.
                true => {
                    let at = text.find("chmod ").map_or(0, |i| i + "chmod ".len());
                    let len = text[at..].find(' ').unwrap_or(text.len() - at);
                    Span::new(meta, start + at, start + at + len)
                }
                false => Span::new(meta, start, start + text.len()),
            };
            out.insert(
                file,
                DeclaredModeAt {
                    mode,
                    group: groups.get(&key).cloned(),
                    span,
                    tool: "etckeeper",
                },
            );
        }
        out
    }

    /// The declared modes of the database .cf files that hold a password, by the source the
    /// table was read from.
    pub(super) fn declared_db_modes(
        &mut self,
        declared: &[crate::scripts::DeclaredMode],
    ) -> HashMap<FileId, DeclaredModeAt> {
        let mut out = HashMap::new();
        if declared.is_empty() {
            return out;
        }
        let files = self.password_files();
        for (file, path) in files {
            if out.contains_key(&file) {
                continue;
            }
            let Some(mode) = declared
                .iter()
                .find(|d| crate::scripts::lexical(&d.file) == path)
            else {
                continue;
            };
            if let Some(at) = self.read_declared_mode(mode) {
                out.insert(file, at);
            }
        }
        out
    }

    /// The database lookup files that tasks install into a Postfix directory with a declared
    /// mode, that hold a password, and that no table read ([`dbcf::client_password_line`]).
    pub(super) fn installed_db_files(
        &mut self,
        installed: &[(String, PathBuf)],
        declared: &[crate::scripts::DeclaredMode],
    ) -> Vec<InstalledDbFile> {
        let mut out = Vec::new();
        if declared.is_empty() {
            return out;
        }
        let read: std::collections::HashSet<PathBuf> = self
            .tables
            .iter()
            .filter_map(|t| t.source)
            .map(|f| crate::scripts::lexical(&self.sources.get(f).real_path))
            .collect();
        for (dest, file) in installed {
            let name = dest.rsplit('/').next().unwrap_or_default();
            let in_postfix_dir = dest.starts_with('/') && dest.contains("/postfix/");
            if !in_postfix_dir || !name.ends_with(".cf") || matches!(name, "main.cf" | "master.cf")
            {
                continue;
            }
            if out.len() >= 64 {
                break;
            }
            let file = crate::scripts::lexical(file);
            let Some(mode) = declared
                .iter()
                .find(|d| crate::scripts::lexical(&d.file) == file)
            else {
                continue;
            };
            // Through the locator, as every file is: never outside the linted tree.
            let Location::Readable { path, display } = self.locator.locate(dest) else {
                continue;
            };
            if read.contains(&crate::scripts::lexical(&path)) {
                continue;
            }
            let Some(text) = self.read_other_file(&path, 1 << 20) else {
                continue;
            };
            let Some(password) = dbcf::client_password_line(&text) else {
                continue;
            };
            let Some((source, start)) = self.keep_one_line(&path, &display, &text, password.index)
            else {
                continue;
            };
            let Some(declared_at) = self.read_declared_mode(mode) else {
                continue;
            };
            let on_line = password.on_line;
            let span = Span::new(source, start + on_line.start, start + on_line.end);
            self.sources.mark_secret(Span::new(
                source,
                start + on_line.end - password.value_len,
                start + on_line.end,
            ));
            out.push(InstalledDbFile {
                dest: dest.clone(),
                password: DbSetting {
                    name: password.name,
                    // Never kept: the rule shows the name only.
                    value: String::new(),
                    span,
                    line: password.index as u32 + 1,
                    replaced: false,
                },
                declared: declared_at,
            });
        }
        out
    }

    /// The release of the postfix package a system image's package database lists (under a
    /// sysroot only): dpkg's status file, else apk's installed database.
    pub(super) fn package_target(&self, options: &LoadOptions) -> Option<version::Target> {
        options.sysroot.as_ref()?;
        [
            ("/var/lib/dpkg/status", false),
            ("/lib/apk/db/installed", true),
        ]
        .iter()
        .find_map(|&(path, apk)| {
            let Location::Readable {
                path: real,
                display,
            } = self.locator.locate(path)
            else {
                return None;
            };
            // A package database of a whole system: a few MB.
            let text = self.read_other_file(&real, 64 << 20)?;
            let version = version::packaged(&text, apk)?;
            Some(version::Target {
                asked: version::Release::parse(&version)?,
                origin: version::Origin::Package {
                    database: display,
                    version,
                },
            })
        })
    }

    /// A release before 3.0 when the configuration directory holds the `postfix-files` of
    /// one ([`version::postfix_files_before_3_0`]): a dump or backup of a whole /etc/postfix
    /// of such a system. Linted as 2.11, the last of them.
    pub(super) fn postfix_files_target(&self) -> Option<version::Target> {
        let Location::Readable { path, display } =
            self.locator.locate("/etc/postfix/postfix-files")
        else {
            return None;
        };
        let text = self.read_other_file(&path, 1 << 20)?;
        version::postfix_files_before_3_0(&text).then(|| version::Target {
            asked: version::Release::new(2, 11),
            origin: version::Origin::PostfixFiles(display),
        })
    }

    /// Reads the milters' configuration files ([`milter_servers::MILTERS`]) that are in the
    /// tree where the milters read them: copied there by a Dockerfile, or under a sysroot.
    /// Only the Socket line is kept as the source (`add_one_line`).
    pub(super) fn read_milter_servers(&mut self) -> Vec<milter_servers::MilterServer> {
        let mut servers = Vec::new();
        for &(name, path) in milter_servers::MILTERS {
            let Location::Readable {
                path: real,
                display,
            } = self.locator.locate(path)
            else {
                continue;
            };
            let Some(text) = self.read_other_file(&real, 1 << 20) else {
                continue;
            };
            let Some((socket, index, range)) = milter_servers::unix_socket(&text) else {
                continue;
            };
            let Some((file, start)) = self.keep_one_line(&real, &display, &text, index) else {
                continue;
            };
            servers.push(milter_servers::MilterServer {
                name,
                file,
                socket: milter_servers::Listen {
                    path: socket,
                    span: Span::new(file, start + range.start, start + range.end),
                },
            });
        }
        servers
    }

    /// Reads the file of a `/file/name` list item; None when it cannot be read (a missing file
    /// is kept for missing-table, one outside the tree noted).
    pub(super) fn read_list_file(
        &mut self,
        path: &str,
        item: Option<Span>,
        param: &str,
    ) -> Option<FileId> {
        match self.locator.locate(path) {
            Location::Readable {
                path: real,
                display,
            } => match self.read(&real, &display) {
                ReadResult::Read(file) => Some(file),
                ReadResult::Missing => {
                    self.missing_list_files.push(MissingListFile {
                        path: real,
                        display,
                        written: path.to_string(),
                        param: param.to_string(),
                        span: item,
                    });
                    None
                }
                _ => None,
            },
            Location::Outside => {
                self.notes
                    .push(format!("skipped {path}: outside the linted tree"));
                None
            }
            _ => None,
        }
    }

    /// A `/file/name` item: each line whose first byte is not `#` is parsed as more list items.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_list_file(
        &mut self,
        class: &mut AddressClass,
        negated: bool,
        path: &str,
        item: Option<Span>,
        via: Option<Span>,
        param: &str,
        depth: usize,
    ) {
        let file = match (depth < 8).then(|| self.read_list_file(path, item.or(via), param)) {
            Some(Some(file)) => file,
            _ => return class.push_unknown(negated),
        };
        // A file already read into this class with the same sense adds nothing: the earlier
        // items decide first. Files that include each other many times over (4 KB can
        // multiply into billions of items) are then read once each.
        if !self.list_seen.insert((class.kind, file, negated)) {
            return;
        }
        let text = self.sources.get(file).text().clone();
        self.list_files
            .push(list_files::ListFile::survey(file, &text, param, path, item));
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let line_start = offset;
            offset += line.len();
            if line.starts_with('#') {
                continue;
            }
            for item in match_list_items(line) {
                let span = Span::new(
                    file,
                    line_start + item.range.start,
                    line_start + item.range.end,
                );
                let pattern_span = Span::new(
                    file,
                    span.end as usize - pattern_len(&item.item),
                    span.end as usize,
                );
                self.add_item(
                    class,
                    negated ^ item.negated,
                    &item.item,
                    Some(pattern_span),
                    via,
                    param,
                    depth + 1,
                );
            }
        }
    }
}

/// The map sources in the configuration directory that nothing names (see [`unreferenced`]),
/// or why that cannot be known.
pub(super) fn survey_unreferenced(
    loader: &mut Loader,
    main_cf: FileId,
    params: &Params,
    master: &master::MasterCf,
    names: &names::NameIndex,
) -> Result<Vec<unreferenced::Unreferenced>, String> {
    if !loader.locator.mode.is_system_image() {
        return Err(
            "in a repository, deployment scripts and templates can name tables that main.cf \
             does not: lint the server, or a system image with --sysroot"
                .to_string(),
        );
    }
    if !names.placeholders.is_empty() || !master.placeholders.is_empty() {
        return Err("an installer placeholder may name them".to_string());
    }
    match loader.files.get(&loader.master_cf_path) {
        Some(ReadResult::Template) => {
            return Err("master.cf is a template, which postlint does not read".to_string())
        }
        Some(ReadResult::Encrypted) => return Err("master.cf is encrypted".to_string()),
        _ => {}
    }
    for param in ["multi_instance_directories", "alternate_config_directories"] {
        if !params.expand(param).text.trim_ascii().is_empty() {
            return Err(format!("{param}: other Postfix instances may name them"));
        }
    }
    if loader
        .tables
        .iter()
        .any(|t| t.name.contains(expand::UNKNOWN))
    {
        return Err("a table's name holds a value postlint cannot know".to_string());
    }
    // Every file the setup names: those read or tried, and every path a value or master.cf
    // line holds (list files of any parameter, proxy_read_maps, a filter's argument).
    let mut written: Vec<String> = params
        .defined_names()
        .into_iter()
        .map(|name| params.expand(name).text)
        .collect();
    for service in &master.services {
        let scoped = params.scoped(service);
        for def in &service.overrides {
            written.push(params::expand_param(&scoped, &def.name, def.value_ref()).text);
        }
    }
    if let Some(file) = master.file {
        written.push(loader.sources.text(file).replace(['=', '{', '}', ','], " "));
    }
    // A commented-out line that names a table (`#sender_canonical_maps = mysql:...`) says
    // the author keeps it on purpose.
    let main_text = loader.sources.text(main_cf);
    written.extend(
        main_text
            .lines()
            .filter_map(|l| l.trim_ascii_start().strip_prefix('#'))
            .map(|l| l.replace(['=', '{', '}', ','], " ")),
    );
    let mut named: std::collections::HashSet<PathBuf> = loader
        .files
        .keys()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let mut absent: Vec<PathBuf> = loader
        .files
        .iter()
        .filter(|(_, read)| matches!(read, ReadResult::Missing))
        .map(|(path, _)| path.clone())
        .collect();
    for value in &written {
        for path in paths::named_paths(value) {
            if let Location::Readable { path, .. } = loader.locator.locate(path) {
                match std::fs::canonicalize(&path) {
                    Ok(real) => drop(named.insert(real)),
                    Err(_) => absent.push(path),
                }
            }
        }
    }
    // A file whose name is one typo away from a named file that does not exist is the one
    // missing-table points to: one finding for that fact.
    for path in absent {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            continue;
        };
        if let Some(similar) = paths::similar_file(dir, &name.to_string_lossy()) {
            named.extend(std::fs::canonicalize(dir.join(similar)));
        }
    }
    // Without alias_maps and alias_database in main.cf, the build's defaults decide which
    // aliases file is read (/etc/aliases, or /etc/postfix/aliases on some systems).
    if params.get("alias_maps").is_none() && params.get("alias_database").is_none() {
        named.extend(std::fs::canonicalize(
            loader.locator.config_dir.join("aliases"),
        ));
    }
    Ok(unreferenced::survey(
        &loader.locator.config_dir,
        loader.locator.root.as_deref(),
        &named,
        &mut loader.sources,
    ))
}

/// Table types whose source is a postmap or postalias file.
pub(super) fn is_file_kind(kind: &str) -> bool {
    matches!(
        kind,
        "hash" | "btree" | "lmdb" | "cdb" | "dbm" | "sdbm" | "texthash"
    )
}

/// The source files of the file-based tables a value names (behind `proxy:` too).
pub(super) fn table_files(text: &str) -> impl Iterator<Item = &str> {
    split_list(text).into_iter().filter_map(move |range| {
        let mut token = text[range].trim_start_matches('!');
        while let Some(table) = TableRef::parse(token) {
            if table.kind == "proxy" {
                token = table.name;
                continue;
            }
            return is_file_kind(table.kind).then_some(table.name);
        }
        None
    })
}

/// Which source files postalias builds and which postmap builds, as far as the parameters say:
/// those alias_maps or alias_database name, and those any other parameter names.
#[derive(Default)]
pub(super) struct SourceKinds {
    pub(super) aliases: std::collections::HashSet<String>,
    pub(super) postmap: std::collections::HashSet<String>,
    /// Files both name, decided once from their lines.
    pub(super) decided: HashMap<String, Format>,
}

impl SourceKinds {
    pub(super) fn new<'a>(
        params: &Params,
        names: impl Iterator<Item = &'a str>,
        master: &master::MasterCf,
    ) -> SourceKinds {
        let mut kinds = SourceKinds::default();
        for name in names {
            kinds.add(name, &params.expand(name).text);
        }
        for service in &master.services {
            let scoped = params.scoped(service);
            for def in &service.overrides {
                kinds.add(
                    &def.name,
                    &params::expand_param(&scoped, &def.name, def.value_ref()).text,
                );
            }
        }
        kinds
    }

    /// The files a parameter's expanded value names, under the command that builds them.
    pub(super) fn add(&mut self, param: &str, value: &str) {
        let set = if is_alias_param(param) {
            &mut self.aliases
        } else {
            &mut self.postmap
        };
        set.extend(table_files(value).map(String::from));
    }
}

/// A file whose lines are mostly `name: value`: an aliases(5) source.
pub(super) fn aliases_shaped(text: &str) -> bool {
    let (mut colon, mut lines) = (0, 0);
    for line in text.lines() {
        if line.is_empty() || line.starts_with(['#', ' ', '\t']) {
            continue;
        }
        lines += 1;
        let key = line.split([' ', '\t']).next().unwrap_or("");
        if key.contains(':') {
            colon += 1;
        }
    }
    lines > 0 && 2 * colon > lines
}

/// The lines of a list file Postfix parses for items, each with its offset: readlline()
/// skips lines whose first non-blank character is `#`.
pub(crate) fn list_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').filter_map(move |line| {
        let start = offset;
        offset += line.len();
        (!line.trim_ascii_start().starts_with('#')).then_some((start, line))
    })
}

pub(super) fn pattern_len(item: &MatchItem) -> usize {
    match item {
        MatchItem::Literal(p) | MatchItem::File(p) | MatchItem::Table(p) => p.len(),
        _ => 0,
    }
}
