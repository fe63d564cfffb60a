//! Every file postlint reads, and spans into them. Each value in the model points back here.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use crate::fsread::Text;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// An empty span at the start of a file, for findings about a whole file.
    pub fn file_start(file: FileId) -> Span {
        Span::new(file, 0, 0)
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The `len` bytes from byte `from` of the span.
    pub fn sub(self, from: usize, len: usize) -> Span {
        let start = self.start + from as u32;
        Span {
            start,
            end: start + len as u32,
            ..self
        }
    }

    /// The span from the start of `self` to the end of `other`, when both are in one file.
    pub fn to(self, other: Span) -> Span {
        if self.file == other.file && other.end >= self.start {
            Span {
                end: other.end,
                ..self
            }
        } else {
            self
        }
    }
}

/// Line numbers of a text: the start of every 64th line, and memchr for the lines between,
/// so a million-line map costs 64 KB of index, built the first time a line number is needed.
#[derive(Debug)]
pub struct LineIndex {
    text: Arc<Text>,
    samples: OnceLock<Vec<u32>>,
}

/// [`LineIndex`] keeps where every this many lines start.
pub const LINES_PER_SAMPLE: u32 = 64;

/// Where every `every`th line of a text starts: 0, the start of line `every`, and so on (a
/// text ending in a newline has an empty last line, which starts at its end).
pub fn line_samples(text: &[u8], every: u32) -> Vec<u32> {
    std::iter::once(0)
        .chain(
            memchr::memchr_iter(b'\n', text)
                .skip(every as usize - 1)
                .step_by(every as usize)
                .map(|i| i as u32 + 1),
        )
        .collect()
}

impl LineIndex {
    pub fn new(text: Arc<Text>) -> LineIndex {
        LineIndex {
            text,
            samples: OnceLock::new(),
        }
    }

    pub fn text(&self) -> &Arc<Text> {
        &self.text
    }

    /// The index of a text made in memory.
    pub fn of(text: String) -> LineIndex {
        LineIndex::new(Arc::new(Text::from(text)))
    }

    fn samples(&self) -> &[u32] {
        self.samples
            .get_or_init(|| line_samples(self.text.as_bytes(), LINES_PER_SAMPLE))
    }

    /// Hands over the line samples a parser found while reading the text
    /// ([`line_samples`] with [`LINES_PER_SAMPLE`]), so that no line number has to find them
    /// again.
    pub fn provide_samples(&self, samples: Vec<u32>) {
        // postmap.rs's tests check the parser's samples against `line_samples` on 20,000
        // random texts; checking each map here again doubled the newline walk in debug builds.
        let _ = self.samples.set(samples);
    }

    /// The 0-based line an offset is on.
    pub fn line_of(&self, offset: usize) -> usize {
        let samples = self.samples();
        let offset = offset.min(self.text.len());
        let sample = samples
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1);
        let from = samples[sample] as usize;
        sample * LINES_PER_SAMPLE as usize
            + memchr::memchr_iter(b'\n', &self.text.as_bytes()[from..offset]).count()
    }

    /// The offset where a 0-based line starts (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        let samples = self.samples();
        let per = LINES_PER_SAMPLE as usize;
        let sample = (line / per).min(samples.len() - 1);
        let from = samples[sample] as usize;
        let skip = line - sample * per;
        if skip == 0 {
            return from;
        }
        memchr::memchr_iter(b'\n', &self.text.as_bytes()[from..])
            .nth(skip - 1)
            .map_or(self.text.len(), |i| from + i + 1)
    }
}

pub struct SourceFile {
    /// Where the file was read from.
    pub real_path: PathBuf,
    /// The path as the user would open it: the given directory joined with the file's place.
    pub display_path: String,
    /// Modification time, for stale-map checks.
    pub modified: Option<std::time::SystemTime>,
    /// The text and its line numbers.
    pub lines: Arc<LineIndex>,
    /// Byte ranges that hold secrets (passwords): no output shows them.
    pub secrets: Vec<std::ops::Range<u32>>,
    /// A template read with holes (`template::holes`): `lines` holds the text the parsers
    /// read, this the template as written.
    pub template: Option<Arc<TemplateSource>>,
}

/// What a template source adds to a file: the text as written, for output (its offsets and
/// lines are those of the holed text), and the lines that may be absent from the rendered file.
#[derive(Debug)]
pub struct TemplateSource {
    /// "Jinja", "ERB", ...
    pub engine: &'static str,
    pub written: Arc<LineIndex>,
    /// 1-based line ranges, sorted.
    pub conditional: Vec<std::ops::Range<u32>>,
    /// Expressions whose output is unknown, those alone on their lines (which may output
    /// any lines) included.
    pub expressions: usize,
    /// The rendered file may hold lines postlint cannot see (`template::Holed::is_open_ended`).
    pub open_ended: bool,
    /// Something outside comment lines depends on the variables: a hole, a conditional line,
    /// an insert. A table with none of them is known entry for entry.
    pub leaves_unknown: bool,
    /// Values `--template-vars` put in place of tags: offsets of the text read map back to
    /// the template through them (`template::unshift`). Empty: the offsets are the same.
    pub shifts: Vec<crate::template::Shift>,
}

impl TemplateSource {
    /// Whether a 1-based line may be absent from (or repeated in) the rendered file.
    pub fn is_conditional(&self, line: u32) -> bool {
        let at = self.conditional.partition_point(|r| r.end <= line);
        self.conditional.get(at).is_some_and(|r| r.start <= line)
    }
}

impl SourceFile {
    /// True when a span touches a secret.
    pub fn touches_secret(&self, start: u32, end: u32) -> bool {
        self.secrets
            .iter()
            .any(|r| r.start < end.max(start + 1) && start < r.end)
    }

    /// The text of a range, with every secret byte in it shown as `*` (borrowed when the range
    /// holds no secret: this runs for every finding).
    pub fn masked(&self, start: u32, end: u32) -> std::borrow::Cow<'_, str> {
        let secret = self.touches_secret(start, end);
        // The text as written: a template's tags, not the values put in their place.
        let (start, end) = (self.shown_offset(start), self.shown_offset(end));
        let text = self
            .shown()
            .text()
            .get(start as usize..end as usize)
            .unwrap_or("");
        if !secret {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut bytes = text.as_bytes().to_vec();
        for r in self.shown_secrets() {
            for i in r.start.max(start)..r.end.min(end) {
                bytes[(i - start) as usize] = b'*';
            }
        }
        // Secret spans start and end on character boundaries: the stars keep it valid.
        std::borrow::Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
    }

    pub fn text(&self) -> &Arc<Text> {
        self.lines.text()
    }

    /// The text as the user wrote it: the template for a template source.
    pub fn shown(&self) -> &Arc<LineIndex> {
        self.template.as_ref().map_or(&self.lines, |t| &t.written)
    }

    /// An offset of the text read as an offset of `shown()`.
    pub fn shown_offset(&self, offset: u32) -> u32 {
        match &self.template {
            Some(t) if !t.shifts.is_empty() => crate::template::unshift(&t.shifts, offset),
            _ => offset,
        }
    }

    /// The secret ranges in `shown()`.
    pub fn shown_secrets(&self) -> impl Iterator<Item = std::ops::Range<u32>> + '_ {
        self.secrets
            .iter()
            .map(|r| self.shown_offset(r.start)..self.shown_offset(r.end))
    }

    /// Whether the line of a byte offset may be absent from the rendered template.
    pub fn is_conditional(&self, offset: u32) -> bool {
        self.template.as_ref().is_some_and(|t| {
            !t.conditional.is_empty()
                && t.is_conditional(self.lines.line_of(offset as usize) as u32 + 1)
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = self.shown_offset(offset);
        let lines = self.shown();
        let line = lines.line_of(offset as usize);
        let line_start = lines.line_start(line);
        let text = lines.text();
        let end = (offset as usize).min(text.len());
        let col = text
            .get(line_start..end)
            .map_or(end - line_start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// All files read for one lint run.
#[derive(Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(
        &mut self,
        real_path: PathBuf,
        display_path: String,
        text: impl Into<String>,
        modified: Option<std::time::SystemTime>,
    ) -> FileId {
        let lines = Arc::new(LineIndex::of(text.into()));
        self.add_indexed(real_path, display_path, lines, modified)
    }

    /// Adds a file whose line index already exists (the map parser made it).
    pub fn add_indexed(
        &mut self,
        real_path: PathBuf,
        display_path: String,
        lines: Arc<LineIndex>,
        modified: Option<std::time::SystemTime>,
    ) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile {
            real_path,
            display_path,
            modified,
            lines,
            secrets: Vec::new(),
            template: None,
        });
        id
    }

    /// Marks a file as a template read with holes.
    pub fn set_template(&mut self, id: FileId, template: TemplateSource) {
        self.files[id.0 as usize].template = Some(Arc::new(template));
    }

    /// Marks every line of a file as one that may be absent from the rendered configuration
    /// (a part of main.cf that only `{% if %}` blocks include), keeping what its template
    /// already says; a file read without holes gets a Jinja template of its own text.
    pub fn mark_wholly_conditional(&mut self, id: FileId) {
        let file = &mut self.files[id.0 as usize];
        let template = match &file.template {
            Some(t) => TemplateSource {
                engine: t.engine,
                written: t.written.clone(),
                conditional: std::iter::once(1..u32::MAX).collect(),
                expressions: t.expressions,
                open_ended: t.open_ended,
                leaves_unknown: t.leaves_unknown,
                shifts: t.shifts.clone(),
            },
            None => TemplateSource {
                engine: "Jinja",
                written: file.lines.clone(),
                conditional: std::iter::once(1..u32::MAX).collect(),
                expressions: 0,
                open_ended: false,
                leaves_unknown: true,
                shifts: Vec::new(),
            },
        };
        file.template = Some(Arc::new(template));
    }

    /// Marks a span as a secret that no output may show.
    pub fn mark_secret(&mut self, span: Span) {
        if span.start < span.end {
            self.files[span.file.0 as usize]
                .secrets
                .push(span.start..span.end);
        }
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn text(&self, id: FileId) -> &str {
        self.files[id.0 as usize].text()
    }

    pub fn slice(&self, span: Span) -> &str {
        let text = self.text(span.file);
        text.get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    pub fn find(&self, real_path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.real_path == real_path)
            .map(|i| FileId(i as u32))
    }

    /// Moves another run's files in after these; returns the offset to add to its FileIds.
    pub fn absorb(&mut self, other: Sources) -> u32 {
        let offset = self.files.len() as u32;
        self.files.extend(other.files);
        offset
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn sampled_line_index_agrees_with_counting() {
        let text: String = (0..300)
            .map(|i| format!("line{i}{}\n", "x".repeat(i % 7)))
            .collect::<String>()
            + "last without newline";
        let index = LineIndex::of(text.clone());
        let mut line = 0;
        let mut start = 0;
        for (offset, b) in text.bytes().enumerate() {
            assert_eq!(index.line_of(offset), line, "offset {offset}");
            assert_eq!(index.line_start(line), start, "line {line}");
            if b == b'\n' {
                line += 1;
                start = offset + 1;
            }
        }
        assert_eq!(index.line_of(text.len()), 300);
        assert_eq!(index.line_start(301), text.len());
    }
}
