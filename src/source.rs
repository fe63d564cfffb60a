//! Every file postlint reads, and spans into them. Each value in the model points back here.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

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

pub struct SourceFile {
    /// Where the file was read from.
    pub real_path: PathBuf,
    /// The path as the user would open it: the given directory joined with the file's place.
    pub display_path: String,
    pub text: Arc<String>,
    /// Modification time, for stale-map checks.
    pub modified: Option<std::time::SystemTime>,
    line_starts: OnceLock<Arc<[u32]>>,
}

impl SourceFile {
    /// The offset of the start of every line, built the first time a line number is needed.
    pub fn line_starts(&self) -> &Arc<[u32]> {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i as u32 + 1))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let starts = self.line_starts();
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
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
        text: impl Into<Arc<String>>,
        modified: Option<std::time::SystemTime>,
    ) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile {
            real_path,
            display_path,
            text: text.into(),
            modified,
            line_starts: OnceLock::new(),
        });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].text
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

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}
