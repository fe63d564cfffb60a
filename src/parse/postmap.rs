//! postmap(1) source files (hash, btree, lmdb, cdb, dbm and texthash tables), as `postmap.c` reads
//! them: the key ends at the first unquoted whitespace, `"` toggles quoting and `\` escapes the
//! next character (both stay in the key), the value is the rest, trimmed.

use std::ops::Range;

use super::assign::logical_line_whitespace_reason;
use super::logical::{is_space, logical_lines, LogicalLine, LogicalLines};

/// One `key value` line. Ranges index into `line.text`.
#[derive(Debug)]
pub struct SourceEntry<'a> {
    pub line: LogicalLine<'a>,
    pub key: Range<usize>,
    pub value: Range<usize>,
}

/// A line Postfix skips (or keeps with a warning), with its reason in Postfix's words.
#[derive(Debug)]
pub struct SkippedLine<'a> {
    pub line: LogicalLine<'a>,
    pub reason: String,
    /// Postfix still stores the entry (the `key:` warning).
    pub kept: bool,
}

#[derive(Debug, Default)]
pub struct PostmapSource<'a> {
    pub entries: Vec<SourceEntry<'a>>,
    pub skipped: Vec<SkippedLine<'a>>,
}

/// Bytes that end the plain part of a key: whitespace, `"` and `\`.
const KEY_STOP: [bool; 256] = {
    let mut stop = [false; 256];
    let mut b = 0;
    while b < 256 {
        stop[b] = is_space(b as u8) || b as u8 == b'"' || b as u8 == b'\\';
        b += 1;
    }
    stop
};

/// Splits one logical line into key and value, or says why Postfix skips it.
pub fn split_entry(text: &str) -> Result<(Range<usize>, Range<usize>), String> {
    let bytes = text.as_bytes();
    let mut in_quotes = false;
    // The plain bytes of the key, a table lookup each; the loop below reads what follows
    // (the whitespace that ends the key, or a quote or backslash).
    let mut i = bytes
        .iter()
        .position(|&b| KEY_STOP[b as usize])
        .unwrap_or(bytes.len());
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                i += 1;
                if i >= bytes.len() {
                    break;
                }
            }
            b'"' => in_quotes = !in_quotes,
            b if is_space(b) && !in_quotes => break,
            _ => {}
        }
        i += 1;
    }
    if in_quotes {
        return Err(format!("unbalanced '\"' in '{text}' -- ignoring this line"));
    }
    let key_end = i.min(bytes.len());
    let mut value_start = (key_end + 1).min(bytes.len());
    while value_start < bytes.len() && is_space(bytes[value_start]) {
        value_start += 1;
    }
    let mut value_end = bytes.len();
    while value_end > value_start && is_space(bytes[value_end - 1]) {
        value_end -= 1;
    }
    if key_end == 0 || value_end == value_start {
        return Err("expected format: key whitespace value".to_string());
    }
    Ok((0..key_end, value_start..value_end))
}

impl<'a> SkippedLine<'a> {
    /// A logical line that starts with whitespace: Postfix warns and skips it.
    pub fn indented(line: LogicalLine<'a>) -> SkippedLine<'a> {
        let reason = logical_line_whitespace_reason(&line);
        SkippedLine {
            line,
            reason,
            kept: false,
        }
    }
}

/// What postmap makes of one logical line.
pub enum LineVerdict {
    /// An entry: key and value ranges in the line's text, and postmap's warning when it
    /// stores the entry anyway (the `key:` form).
    Entry {
        key: Range<usize>,
        value: Range<usize>,
        warning: Option<&'static str>,
    },
    /// Skipped, with postmap's reason.
    Skipped(String),
}

/// Judges one logical line of a postmap source.
pub fn postmap_line(line: &LogicalLine) -> LineVerdict {
    if line.indented {
        return LineVerdict::Skipped(logical_line_whitespace_reason(line));
    }
    match split_entry(&line.text) {
        Ok((key, value)) => {
            let warning = line.text[key.clone()]
                .ends_with(':')
                .then_some("record is in \"key: value\" format; is this an alias file?");
            LineVerdict::Entry {
                key,
                value,
                warning,
            }
        }
        Err(reason) => LineVerdict::Skipped(reason),
    }
}

/// What postmap does with a line: stores an entry, or skips the line (or, with `kept`, stores
/// it and warns).
pub enum PostmapEvent<'l, 'a> {
    Entry {
        line: &'l LogicalLine<'a>,
        key: Range<usize>,
        value: Range<usize>,
    },
    Skipped {
        line: &'l LogicalLine<'a>,
        reason: String,
        kept: bool,
    },
}

/// Reads a postmap source in one pass, calling `on` for each event in file order (a warned
/// `key:` line gives its Skipped event, then its Entry).
pub fn visit_postmap<'a>(text: &'a str, mut on: impl FnMut(PostmapEvent<'_, 'a>)) {
    for line in logical_lines(text) {
        visit_line(&line, &mut on);
    }
}

/// The events of one logical line.
fn visit_line<'a>(line: &LogicalLine<'a>, on: &mut impl FnMut(PostmapEvent<'_, 'a>)) {
    match postmap_line(line) {
        LineVerdict::Entry {
            key,
            value,
            warning,
        } => {
            if let Some(reason) = warning {
                on(PostmapEvent::Skipped {
                    line,
                    reason: reason.to_string(),
                    kept: true,
                });
            }
            on(PostmapEvent::Entry { line, key, value });
        }
        LineVerdict::Skipped(reason) => on(PostmapEvent::Skipped {
            line,
            reason,
            kept: false,
        }),
    }
}

/// What [`visit_postmap`] reads, with the common line taken on a short path: a line that is a
/// logical line by itself (it starts one, and the next line neither continues it nor is a
/// comment inside it) and whose key has no quote or backslash and does not end in `:`. Its
/// key and value go to `plain` as byte ranges of `text`; every other line is read by the
/// general reader and its events go to `on`, in file order. An ISP's million-line map is
/// nearly all plain lines: no logical line, span map or event is made for them.
///
/// Returns where every `every`th line starts (0, the start of line `every`, ...), as
/// [`crate::source::LineIndex`] samples them: the lines are found here anyway, and finding
/// them again for the first line number a finding asks is a pass of its own over the text.
pub fn visit_postmap_plain<'a>(
    text: &'a str,
    every: u32,
    mut plain: impl FnMut(Range<usize>, Range<usize>),
    mut on: impl FnMut(PostmapEvent<'_, 'a>),
) -> Vec<u32> {
    let bytes = text.as_bytes();
    let (mut pos, mut lineno) = (0usize, 0u32);
    let mut samples = Vec::with_capacity(bytes.len() / 2048 + 1);
    samples.push(0);
    // The next line whose start is a sample.
    let mut next_sample = every;
    while pos < bytes.len() {
        if lineno == next_sample {
            samples.push(pos as u32);
            next_sample += every;
        }
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let first = bytes[pos];
        if first == b'#' {
            // A comment line outside any logical line: dropped.
            (pos, lineno) = (end + 1, lineno + 1);
            continue;
        }
        let alone = !is_space(first)
            && bytes
                .get(end + 1)
                .is_none_or(|&next| next != b'#' && !is_space(next));
        if alone {
            if let Some((key, value)) = plain_split(&bytes[pos..end]) {
                plain(
                    pos + key.start..pos + key.end,
                    pos + value.start..pos + value.end,
                );
                (pos, lineno) = (end + 1, lineno + 1);
                continue;
            }
        }
        let mut lines = LogicalLines::resume(text, pos, lineno);
        if let Some(line) = lines.next() {
            visit_line(&line, &mut on);
        }
        let (read_to, read_lines) = lines.position();
        // Sample lines inside the logical line (after its first): found again, rarely.
        let mut at = pos;
        for line in lineno + 1..read_lines {
            at += memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len() - at, |i| i + 1);
            if line == next_sample {
                samples.push(at as u32);
                next_sample += every;
            }
        }
        (pos, lineno) = (read_to, read_lines);
    }
    // A text that ends with a newline has an empty last line, which starts at the end.
    if lineno == next_sample && pos == bytes.len() {
        samples.push(pos as u32);
    }
    samples
}

/// [`split_entry`] of a line that starts with neither whitespace nor `#`, when its key is
/// plain: no quote or backslash, not ending in `:`, and a value follows. None for every other
/// line (the general reader says what Postfix makes of it).
fn plain_split(line: &[u8]) -> Option<(Range<usize>, Range<usize>)> {
    let key_end = line.iter().position(|&b| KEY_STOP[b as usize])?;
    if !is_space(line[key_end]) || key_end == 0 || line[key_end - 1] == b':' {
        return None;
    }
    let value_start = key_end + 1 + line[key_end + 1..].iter().position(|&b| !is_space(b))?;
    let value_end = line.len() - line.iter().rev().position(|&b| !is_space(b))?;
    Some((0..key_end, value_start..value_end))
}

pub fn parse_postmap(text: &str) -> PostmapSource<'_> {
    let mut out = PostmapSource::default();
    visit_postmap(text, |event| match event {
        PostmapEvent::Entry { line, key, value } => out.entries.push(SourceEntry {
            line: line.clone(),
            key,
            value,
        }),
        PostmapEvent::Skipped { line, reason, kept } => out.skipped.push(SkippedLine {
            line: line.clone(),
            reason,
            kept,
        }),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Result<(&str, &str), String> {
        split_entry(text).map(|(k, v)| (&text[k], &text[v]))
    }

    #[test]
    fn key_value_forms() {
        assert_eq!(
            split("Info@Example.COM        user1@example.net"),
            Ok(("Info@Example.COM", "user1@example.net"))
        );
        assert_eq!(
            split("\"quoted key\"@example.com    user4"),
            Ok(("\"quoted key\"@example.com", "user4"))
        );
        assert_eq!(
            split("back\\ slash@example.com  user7"),
            Ok(("back\\ slash@example.com", "user7"))
        );
        assert_eq!(
            split("t@example.com   value with   inner   spaces  "),
            Ok(("t@example.com", "value with   inner   spaces"))
        );
        assert_eq!(split("k v # not a comment"), Ok(("k", "v # not a comment")));
    }

    #[test]
    fn skipped_lines_carry_postfix_reasons() {
        assert_eq!(
            split("onlykey@example.com"),
            Err("expected format: key whitespace value".into())
        );
        assert_eq!(
            split("onlykey@example.com   \r"),
            Err("expected format: key whitespace value".into())
        );
        assert_eq!(
            split("\"unbalanced@example.com     user5@example.net"),
            Err("unbalanced '\"' in '\"unbalanced@example.com     user5@example.net' -- ignoring this line".into())
        );
    }

    /// What a reader reports, in file order: entries as (key, key span, value, value span)
    /// of the file, skipped lines as (line, reason, kept).
    #[derive(Debug, PartialEq)]
    enum Seen {
        Entry(String, (u32, u32), String, (u32, u32)),
        Skipped(u32, String, bool),
    }

    fn seen_event(event: PostmapEvent) -> Seen {
        let file = crate::source::FileId(0);
        match event {
            PostmapEvent::Entry { line, key, value } => {
                let (k, v) = (line.span(file, key.clone()), line.span(file, value.clone()));
                Seen::Entry(
                    line.text[key].to_string(),
                    (k.start, k.end),
                    line.text[value].to_string(),
                    (v.start, v.end),
                )
            }
            PostmapEvent::Skipped { line, reason, kept } => Seen::Skipped(line.line, reason, kept),
        }
    }

    fn general(text: &str) -> Vec<Seen> {
        let mut seen = Vec::new();
        visit_postmap(text, |e| seen.push(seen_event(e)));
        seen
    }

    fn plain(text: &str) -> Vec<Seen> {
        plain_every(text, crate::source::LINES_PER_SAMPLE)
    }

    /// The short path's events; its line samples (one every `every` lines) are checked
    /// against the line index's own.
    fn plain_every(text: &str, every: u32) -> Vec<Seen> {
        let seen = std::cell::RefCell::new(Vec::new());
        let samples = visit_postmap_plain(
            text,
            every,
            |k, v| {
                seen.borrow_mut().push(Seen::Entry(
                    text[k.clone()].to_string(),
                    (k.start as u32, k.end as u32),
                    text[v.clone()].to_string(),
                    (v.start as u32, v.end as u32),
                ))
            },
            |e| seen.borrow_mut().push(seen_event(e)),
        );
        assert_eq!(
            samples,
            crate::source::line_samples(text.as_bytes(), every),
            "line samples of {text:?}"
        );
        seen.into_inner()
    }

    /// The short path reads every text exactly as the general reader does: hand-picked lines
    /// around its conditions, then 20,000 random texts of the bytes that matter.
    #[test]
    fn the_plain_path_reads_as_the_general_reader() {
        let picked = [
            "",
            "\n",
            "k v",
            "k v\n",
            "k v\r\n",
            "k\tv \t\n",
            "k\n",
            "k \n",
            "k: v\n",
            "\"q k\" v\n",
            "k\\ x v\n",
            "k v\n  more\n",
            "k v\n# c\n  more\nz w\n",
            "# c\nk v\n#\n",
            "  k v\nk v\n",
            "k v\n\nk2 v2\n",
            "k v\n \nk2 v2",
            "K@Example.COM v\nk@example.com w\n",
            "é v\nÉ w\n",
            "k v\nk w\n",
        ];
        for text in picked {
            assert_eq!(plain(text), general(text), "{text:?}");
        }
        let alphabet: &[&str] = &[
            "a", "b", "K", "é", " ", "\t", "\r", "\n", "\n", "\n", "#", "\"", "\\", ":", "@",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut text = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            assert_eq!(plain(&text), general(&text), "{text:?}");
            // The line samples, at every line and at every few lines.
            for every in 1..4 {
                plain_every(&text, every);
            }
        }
        for text in picked {
            plain_every(text, 1);
            plain_every(text, 2);
        }
    }

    #[test]
    fn whole_source_file() {
        let text = "# virtual\nInfo@Example.COM  u1\nsales@example.com\tu2,\n    u3\nonlykey\nalias-style@example.com:  u6\n";
        let parsed = parse_postmap(text);
        let entries: Vec<_> = parsed
            .entries
            .iter()
            .map(|e| {
                (
                    e.line.line,
                    e.line.text[e.key.clone()].to_string(),
                    e.line.text[e.value.clone()].to_string(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            [
                (2, "Info@Example.COM".to_string(), "u1".to_string()),
                (3, "sales@example.com".to_string(), "u2,    u3".to_string()),
                (6, "alias-style@example.com:".to_string(), "u6".to_string()),
            ]
        );
        let skipped: Vec<_> = parsed
            .skipped
            .iter()
            .map(|s| (s.line.line, s.kept))
            .collect();
        assert_eq!(skipped, [(5, false), (6, true)]);
    }
}
