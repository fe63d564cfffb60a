//! Reading and parsing the map and alias sources: each file read once, the independent files
//! on several threads, each line straight into the table's index.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use super::tables::{Entries, Format, Skipped};
use crate::parse::aliases::{alias_lines, AliasLine};
use crate::parse::logical::LogicalLine;
use crate::parse::postmap::{visit_postmap_plain, PostmapEvent};
use crate::source::{FileId, LineIndex};
use crate::template;

/// A file read: its text with the line index, its modification time, and the template syntax
/// it holds, if any (looked for here, on the reading thread).
pub struct ReadFile {
    pub lines: Arc<LineIndex>,
    pub modified: Option<SystemTime>,
    pub template: Option<template::Hit>,
    /// A template already read with holes: `lines` is the holed text, this what it adds.
    pub holes: Option<Box<(crate::source::TemplateSource, template::Holed)>>,
}

pub type ReadOutcome = std::io::Result<ReadFile>;

impl ReadFile {
    /// No text: the main.cf of a master.cf linted alone.
    pub fn empty() -> ReadFile {
        ReadFile {
            lines: Arc::new(LineIndex::of(String::new())),
            modified: None,
            template: None,
            holes: None,
        }
    }
}

/// Reads a file (invalid UTF-8 replaced, as Postfix would pass the bytes through).
pub fn read_source(path: &Path) -> ReadOutcome {
    let text = crate::fsread::read_source_text(path)?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let template = template::find(&text);
    Ok(ReadFile {
        lines: Arc::new(LineIndex::new(Arc::new(text))),
        modified,
        template,
        holes: None,
    })
}

/// A file read, as a template with holes when it is one (tags, or an installer's `.tpl`).
pub fn read_with_holes(
    path: &Path,
    kind: template::Kind,
    vars: Option<&template::Vars>,
) -> ReadOutcome {
    let file = read_source(path)?;
    Ok(match with_holes(path, &file, kind, vars) {
        Some((lines, source, holed)) => ReadFile {
            lines,
            modified: file.modified,
            template: None,
            holes: Some(Box::new((source, holed))),
        },
        None => file,
    })
}

/// A file with template tags read as a Postfix file with holes (`template::holes`): the text
/// the parsers read, what the source adds for output and the finding filter, and the holes.
fn with_holes(
    path: &Path,
    file: &ReadFile,
    kind: template::Kind,
    vars: Option<&template::Vars>,
) -> Option<(
    Arc<LineIndex>,
    crate::source::TemplateSource,
    template::Holed,
)> {
    let by_name = path
        .file_name()
        .and_then(|n| template::engine_by_name(&n.to_string_lossy()));
    // An installer's `.tpl` has `%name` placeholders and no tags of its own.
    let percent = by_name == Some("template");
    let engine = match (&file.template, by_name) {
        // Puppet's EPP writes `<%= $x %>` as ERB does: the name tells them apart (survey AF2).
        (Some(hit), Some("Puppet EPP")) if hit.engine == "ERB" => "Puppet EPP",
        (Some(hit), _) => hit.engine,
        (None, Some("template")) => "template",
        (None, _) => return None,
    };
    let holed = template::holes(file.lines.text(), kind, percent, vars)?;
    Some(finish_holes(file, engine, holed))
}

/// A set-up script read as the main.cf (or master.cf, by `kind`) that its here-document on
/// line `command` writes (`template::heredoc`), or a YAML file as the main.cf its literal
/// block at that line holds (`template::embedded`). A YAML file (an Ansible task, a Salt
/// state) has its block indentation taken out.
pub fn read_heredoc(
    path: &Path,
    command: u32,
    kind: template::Kind,
    environment: &[String],
    vars: Option<&template::Vars>,
) -> ReadOutcome {
    let file = read_source(path)?;
    let yaml = path.extension().is_some_and(|e| {
        ["yml", "yaml", "sls"]
            .iter()
            .any(|y| e.eq_ignore_ascii_case(y))
    });
    let text = file.lines.text();
    // A here-document, else (in a YAML file) a literal block that holds the file.
    let found = match template::heredoc::read_as_with(text, command, yaml, kind, environment) {
        Some(holed) => Some((template::heredoc::ENGINE, holed)),
        None if yaml => template::embedded::read_as(text, command, kind, vars)
            .map(|holed| (template::embedded::ENGINE, holed)),
        None => None,
    };
    let Some((engine, holed)) = found else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("no here-document or YAML block that writes the file starts at line {command}"),
        ));
    };
    let (lines, source, holed) = finish_holes(&file, engine, holed);
    Ok(ReadFile {
        lines,
        modified: file.modified,
        template: None,
        holes: Some(Box::new((source, holed))),
    })
}

/// The text the parsers read of a file read with holes, and what its source adds.
fn finish_holes(
    file: &ReadFile,
    engine: &'static str,
    mut holed: template::Holed,
) -> (
    Arc<LineIndex>,
    crate::source::TemplateSource,
    template::Holed,
) {
    let text = std::mem::take(&mut holed.text);
    let leaves_unknown = !holed.conditional.is_empty()
        || holed.is_open_ended()
        || text.lines().any(|line| {
            !line.trim_ascii_start().starts_with('#')
                && !crate::parse::placeholder::find(line).is_empty()
        });
    // Values from --template-vars replace their tags: the parsers read them, and output maps
    // their offsets back to the tags.
    // Tags taken out (`Holed::removed`) are values of nothing.
    let (text, shifts) = match holed.substitutions.is_empty() && holed.removed.is_empty() {
        true => (text, Vec::new()),
        false => template::substitute(&text, &holed.replacements()),
    };
    let source = crate::source::TemplateSource {
        engine,
        written: file.lines.clone(),
        conditional: holed.conditional.clone(),
        expressions: holed.expressions.len() + holed.inserted_expressions,
        open_ended: holed.is_open_ended(),
        leaves_unknown,
        shifts,
    };
    (Arc::new(LineIndex::of(text)), source, holed)
}

/// The entries of a postmap or postalias source, in one pass over the text. Spans point into
/// `file`.
pub fn parse_source(file: FileId, lines: &Arc<LineIndex>, format: Format) -> Entries {
    let text = lines.text();
    // Every entry is one line at most: size the index once instead of growing it.
    let count = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let mut entries = Entries::new(file, lines.clone(), count);
    // The key as Postfix stores it (for aliases, the unquoted name), the key and value
    // ranges of the line's text.
    let push =
        |entries: &mut Entries, line: &LogicalLine, key: &str, k: Range<usize>, v: Range<usize>| {
            let key_span = line.span(file, k);
            let value_span = line.span(file, v.clone());
            entries.push(
                key,
                (key_span.start, key_span.end),
                &line.text[v],
                (value_span.start, value_span.end),
            );
        };
    let skip = |entries: &mut Entries, line: &LogicalLine, reason: String, kept: bool| {
        entries.skipped.push(Skipped {
            span: line.full_span(file),
            line: line.line,
            reason,
            kept,
        })
    };
    match format {
        Format::Postmap => {
            // Two closures write to the entries, one at a time: a cell lends them out.
            let cell = std::cell::RefCell::new(&mut entries);
            let samples = visit_postmap_plain(
                text,
                crate::source::LINES_PER_SAMPLE,
                |k, v| {
                    cell.borrow_mut().push_verbatim(
                        (k.start as u32, k.end as u32),
                        (v.start as u32, v.end as u32),
                    )
                },
                |event| match event {
                    PostmapEvent::Entry { line, key, value } => push(
                        &mut cell.borrow_mut(),
                        line,
                        &line.text[key.clone()],
                        key,
                        value,
                    ),
                    PostmapEvent::Skipped { line, reason, kept } => {
                        skip(&mut cell.borrow_mut(), line, reason, kept)
                    }
                },
            );
            lines.provide_samples(samples);
        }
        Format::Aliases => {
            for line in alias_lines(text) {
                match line {
                    AliasLine::Entry(a) => {
                        let e = a.entry;
                        push(&mut entries, &e.line, &a.name, e.key, e.value)
                    }
                    AliasLine::Skipped(s) => skip(&mut entries, &s.line, s.reason, s.kept),
                }
            }
        }
    }
    entries.build_index();
    entries
}

/// A placeholder for spans made before the file has its id.
pub const UNNUMBERED: FileId = FileId(u32::MAX);
