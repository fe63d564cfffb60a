//! Reading and parsing the map and alias sources: each file read once, the independent files
//! on several threads, each line straight into the table's index.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::tables::{Entries, Format, Skipped};
use crate::parse::aliases::{alias_lines, AliasLine};
use crate::parse::postmap::{postmap_lines, PostmapLine, SkippedLine, SourceEntry};
use crate::source::FileId;

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
pub fn parse_source(file: FileId, text: &Arc<String>, format: Format) -> Entries {
    // Every entry is one line at most: size the index once instead of growing it.
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let mut entries = Entries::new(file, text.clone(), lines);
    let push = |entries: &mut Entries, e: &SourceEntry, key: &str| {
        let key_span = e.line.span(file, e.key.clone());
        let value_span = e.line.span(file, e.value.clone());
        entries.push(
            key,
            (key_span.start, key_span.end),
            &e.line.text[e.value.clone()],
            (value_span.start, value_span.end),
            e.line.line,
        );
    };
    let skipped = |s: SkippedLine| Skipped {
        span: s.line.full_span(file),
        line: s.line.line,
        reason: s.reason,
        kept: s.kept,
    };
    match format {
        Format::Postmap => {
            for line in postmap_lines(text) {
                match line {
                    PostmapLine::Entry(e) => push(&mut entries, &e, &e.line.text[e.key.clone()]),
                    PostmapLine::Skipped(s) => entries.skipped.push(skipped(s)),
                }
            }
        }
        Format::Aliases => {
            for line in alias_lines(text) {
                match line {
                    AliasLine::Entry(a) => push(&mut entries, &a.entry, &a.name),
                    AliasLine::Skipped(s) => entries.skipped.push(skipped(s)),
                }
            }
        }
    }
    entries
}

/// Runs `work` on every item, on as many threads as the machine has cores (at most one per
/// item), and returns the results in item order.
pub fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = work(item);
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, result));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// A placeholder for spans made before the file has its id.
pub const UNNUMBERED: FileId = FileId(u32::MAX);
