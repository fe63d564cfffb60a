//! Reading and parsing the map and alias sources: each file read once, the independent files
//! on several threads, each line straight into the table's index.

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use super::tables::{Entries, Format, Skipped};
use crate::parse::aliases::{alias_lines, AliasLine};
use crate::parse::postmap::{visit_postmap, PostmapEvent, SkippedLine, SourceEntry};
use crate::source::{FileId, LineIndex};

/// A file's text (invalid UTF-8 replaced, as Postfix would pass the bytes through) and its
/// modification time.
pub fn read_text(path: &Path) -> std::io::Result<(String, Option<SystemTime>)> {
    let bytes = std::fs::read(path)?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok((text, modified))
}

/// The entries of a postmap or postalias source, in one pass over the text. Spans point into
/// `file`.
pub fn parse_source(file: FileId, lines: &Arc<LineIndex>, format: Format) -> Entries {
    let text = lines.text();
    // Every entry is one line at most: size the index once instead of growing it.
    let count = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let mut entries = Entries::new(file, lines.clone(), count);
    let push = |entries: &mut Entries, e: &SourceEntry, key: &str| {
        let key_span = e.line.span(file, e.key.clone());
        let value_span = e.line.span(file, e.value.clone());
        entries.push_bulk(
            key,
            (key_span.start, key_span.end),
            &e.line.text[e.value.clone()],
            (value_span.start, value_span.end),
        );
    };
    let skipped = |s: SkippedLine| Skipped {
        span: s.line.full_span(file),
        line: s.line.line,
        reason: s.reason,
        kept: s.kept,
    };
    match format {
        Format::Postmap => visit_postmap(text, |event| match event {
            PostmapEvent::Entry { line, key, value } => {
                let key_span = line.span(file, key.clone());
                let value_span = line.span(file, value.clone());
                entries.push_bulk(
                    &line.text[key],
                    (key_span.start, key_span.end),
                    &line.text[value],
                    (value_span.start, value_span.end),
                );
            }
            PostmapEvent::Skipped { line, reason, kept } => entries.skipped.push(Skipped {
                span: line.full_span(file),
                line: line.line,
                reason,
                kept,
            }),
        }),
        Format::Aliases => {
            for line in alias_lines(text) {
                match line {
                    AliasLine::Entry(a) => push(&mut entries, &a.entry, &a.name),
                    AliasLine::Skipped(s) => entries.skipped.push(skipped(s)),
                }
            }
        }
    }
    entries.build_index();
    entries
}

/// A placeholder for spans made before the file has its id.
pub const UNNUMBERED: FileId = FileId(u32::MAX);
