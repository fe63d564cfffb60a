//! Postfix's one line reader (`readllines()` in util/readlline.c), shared by main.cf, master.cf,
//! postmap and postalias sources, regexp/pcre/cidr tables and the *_table .cf files.
//!
//! - A physical line that is empty, all whitespace, or whose first non-whitespace byte is `#` is
//!   dropped, and it does not end the logical line it sits in.
//! - A logical line starts at a line whose first byte is neither whitespace nor `#`; following lines
//!   that start with whitespace are appended as is (the `\n` removed, leading whitespace kept).
//! - A logical line that starts with whitespace is reported and skipped by Postfix.

use std::borrow::Cow;
use std::ops::Range;

use crate::source::{FileId, Span};

/// Whitespace as C's `ISSPACE` sees it in the C locale.
pub const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// Maps byte offsets in a joined logical line back to offsets in the file.
#[derive(Clone, Debug)]
pub enum OffsetMap {
    /// The logical line is one physical line starting at this file offset.
    Single(u32),
    /// (offset in joined text, offset in file) for each physical line that was joined.
    /// Shared: every `-o` of a long master.cf entry keeps the map of the whole entry.
    Joined(std::sync::Arc<[(u32, u32)]>),
}

impl OffsetMap {
    fn segment(&self, text_offset: usize, for_end: bool) -> (u32, u32) {
        match self {
            OffsetMap::Single(base) => (0, *base),
            OffsetMap::Joined(segments) => {
                let off = text_offset as u32;
                // An end offset on a segment boundary belongs to the segment before it.
                let idx =
                    segments.partition_point(|&(t, _)| if for_end { t < off } else { t <= off });
                segments[idx.saturating_sub(1)]
            }
        }
    }

    pub fn to_file(&self, text_offset: usize) -> u32 {
        let (t, f) = self.segment(text_offset, false);
        f + (text_offset as u32 - t)
    }

    fn to_file_end(&self, text_offset: usize) -> u32 {
        let (t, f) = self.segment(text_offset, true);
        f + (text_offset as u32 - t)
    }

    /// The file span of a range of the joined text.
    pub fn span(&self, file: FileId, range: Range<usize>) -> Span {
        let start = self.to_file(range.start);
        let end = if range.end > range.start {
            self.to_file_end(range.end)
        } else {
            start
        };
        Span { file, start, end }
    }

    /// Splits a range of the joined text where it crosses from one physical line to the next.
    pub fn contiguous_runs(&self, range: Range<usize>) -> Vec<Range<usize>> {
        match self {
            OffsetMap::Single(_) => vec![range],
            OffsetMap::Joined(segments) => {
                let mut runs = Vec::new();
                let mut start = range.start;
                for &(t, _) in segments.iter() {
                    let t = t as usize;
                    if t > start && t < range.end {
                        runs.push(start..t);
                        start = t;
                    }
                }
                runs.push(start..range.end);
                runs
            }
        }
    }

    /// True when the range maps onto one contiguous run of the file.
    pub fn is_contiguous(&self, range: Range<usize>) -> bool {
        match self {
            OffsetMap::Single(_) => true,
            OffsetMap::Joined(_) => {
                self.segment(range.start, false) == self.segment(range.end, true)
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct LogicalLine<'a> {
    /// The joined text, without newlines.
    pub text: Cow<'a, str>,
    /// 1-based number of the first physical line.
    pub line: u32,
    pub map: OffsetMap,
    /// The logical line begins with whitespace: Postfix warns and skips it.
    pub indented: bool,
}

impl LogicalLine<'_> {
    pub fn span(&self, file: FileId, range: Range<usize>) -> Span {
        self.map.span(file, range)
    }

    /// The span of the whole logical line.
    pub fn full_span(&self, file: FileId) -> Span {
        self.map.span(file, 0..self.text.len())
    }
}

/// Iterates over the logical lines of a file.
pub struct LogicalLines<'a> {
    text: &'a str,
    pos: usize,
    lineno: u32,
}

pub fn logical_lines(text: &str) -> LogicalLines<'_> {
    LogicalLines {
        text,
        pos: 0,
        lineno: 0,
    }
}

impl<'a> LogicalLines<'a> {
    /// Reads on from byte `pos`, the start of physical line `lineno + 1`, where no logical
    /// line is open (the start of the text, or a line that is neither whitespace nor `#` at
    /// its first byte, or a comment line before one).
    pub fn resume(text: &'a str, pos: usize, lineno: u32) -> LogicalLines<'a> {
        LogicalLines { text, pos, lineno }
    }

    /// Where the next logical line would start: the byte offset and the number of physical
    /// lines read so far.
    pub fn position(&self) -> (usize, u32) {
        (self.pos, self.lineno)
    }
}

impl<'a> Iterator for LogicalLines<'a> {
    type Item = LogicalLine<'a>;

    fn next(&mut self) -> Option<LogicalLine<'a>> {
        let bytes = self.text.as_bytes();
        // Physical lines (file ranges, without '\n') that make up this logical line.
        let mut first: Option<(Range<usize>, u32)> = None;
        let mut more: Vec<Range<usize>> = Vec::new();
        while self.pos < bytes.len() {
            let start = self.pos;
            let end = match memchr::memchr(b'\n', &bytes[start..]) {
                Some(i) => start + i,
                None => bytes.len(),
            };
            self.pos = end + 1;
            self.lineno += 1;
            let content = bytes[start..end].iter().position(|&b| !is_space(b));
            let is_comment_or_blank = match content {
                None => true,
                Some(i) => bytes[start + i] == b'#',
            };
            if !is_comment_or_blank {
                match first {
                    None => first = Some((start..end, self.lineno)),
                    Some(_) => more.push(start..end),
                }
            }
            if self.pos >= bytes.len() {
                break;
            }
            if first.is_some() {
                let next = bytes[self.pos];
                if next != b'#' && !is_space(next) {
                    break;
                }
            }
        }
        let (first_range, line) = first?;
        let text: Cow<'a, str>;
        let map;
        if more.is_empty() {
            text = Cow::Borrowed(&self.text[first_range.clone()]);
            map = OffsetMap::Single(first_range.start as u32);
        } else {
            let mut joined = String::with_capacity(
                first_range.len() + more.iter().map(|r| r.len()).sum::<usize>(),
            );
            let mut segments = Vec::with_capacity(more.len() + 1);
            for range in std::iter::once(first_range).chain(more) {
                segments.push((joined.len() as u32, range.start as u32));
                joined.push_str(&self.text[range]);
            }
            text = Cow::Owned(joined);
            map = OffsetMap::Joined(segments.into());
        }
        let indented = text.as_bytes().first().is_some_and(|&b| is_space(b));
        Some(LogicalLine {
            text,
            line,
            map,
            indented,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u32, String, bool)> {
        logical_lines(text)
            .map(|l| (l.line, l.text.into_owned(), l.indented))
            .collect()
    }

    #[test]
    fn comment_and_blank_lines_do_not_end_a_logical_line() {
        // Ground truth §0.4: `a = b⏎# c⏎⏎    d` gives `a = b    d`.
        assert_eq!(
            lines("a = b\n# c\n\n    d\n"),
            vec![(1, "a = b    d".to_string(), false)]
        );
    }

    #[test]
    fn continuation_keeps_leading_whitespace() {
        assert_eq!(
            lines("x = user2@example.net,\n    user3@example.net\ny = 1"),
            vec![
                (
                    1,
                    "x = user2@example.net,    user3@example.net".to_string(),
                    false
                ),
                (3, "y = 1".to_string(), false)
            ]
        );
    }

    #[test]
    fn indented_first_line_is_flagged() {
        assert_eq!(
            lines("  # comment\n   indented = 1\n\tmore\nok = 2\n"),
            vec![
                (2, "   indented = 1\tmore".to_string(), true),
                (4, "ok = 2".to_string(), false)
            ]
        );
    }

    #[test]
    fn line_number_is_first_non_comment_line() {
        assert_eq!(
            lines("# a\n# b\n\nname = v\n"),
            vec![(4, "name = v".to_string(), false)]
        );
    }

    #[test]
    fn carriage_returns_stay_in_the_text_and_no_final_newline_is_needed() {
        assert_eq!(
            lines("a = b\r\nc = d"),
            vec![
                (1, "a = b\r".to_string(), false),
                (2, "c = d".to_string(), false)
            ]
        );
    }

    #[test]
    fn hash_in_column_one_continues_the_line() {
        // A '#' line is appended (and then dropped as a comment), so it does not end the line.
        assert_eq!(
            lines("a = 1\n#x\n 2\n"),
            vec![(1, "a = 1 2".to_string(), false)]
        );
    }

    #[test]
    fn offsets_map_back_through_continuations() {
        let text = "k = one\n# c\n  two\n";
        let line = logical_lines(text).next().unwrap();
        assert_eq!(line.text, "k = one  two");
        let two = line.text.find("two").unwrap();
        let span = line.span(FileId(0), two..two + 3);
        assert_eq!(&text[span.start as usize..span.end as usize], "two");
        let one = line.text.find("one").unwrap();
        let span = line.span(FileId(0), one..one + 3);
        assert_eq!(&text[span.start as usize..span.end as usize], "one");
        assert!(!line.map.is_contiguous(one..two + 3));
    }
}
