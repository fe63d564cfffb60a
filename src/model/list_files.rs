//! `/file/name` items of the domain lists (mydestination, virtual_alias_domains,
//! virtual_mailbox_domains, relay_domains): which file a list reads, and whether its lines are
//! shaped like a lookup table's `key value` lines. Postfix reads every word of such a file as
//! one more domain, so `example.com OK` makes a domain named "ok"; the rules need to know which
//! words came in that way.

use std::collections::HashSet;

use crate::parse::list::{match_list_items, MatchItem};
use crate::source::{FileId, Span};

/// A `domain value` line of a list file.
#[derive(Clone, Debug)]
pub struct TableLine {
    /// The whole line, without its newline.
    pub line: Span,
    /// The value word, which Postfix takes for a domain.
    pub value: Span,
}

/// A list file a domain list reads.
#[derive(Clone, Debug)]
pub struct ListFile {
    pub file: FileId,
    /// The parameter whose list names the file.
    pub param: String,
    /// The file's name as Postfix reads it (`/etc/postfix/virtual_domains`).
    pub path: String,
    /// The `/file/name` item in the parameter's value, when its place is known.
    pub item: Option<Span>,
    /// Lines that hold at least one item.
    pub lines: usize,
    /// Lines shaped like `domain value`.
    pub table_lines: Vec<TableLine>,
}

impl ListFile {
    /// Reads the shape of a list file's lines (each line not starting with `#`).
    pub fn survey(
        file: FileId,
        text: &str,
        param: &str,
        path: &str,
        item: Option<Span>,
    ) -> ListFile {
        let mut survey = ListFile {
            file,
            param: param.to_string(),
            path: path.to_string(),
            item,
            lines: 0,
            table_lines: Vec::new(),
        };
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            if line.starts_with('#') {
                continue;
            }
            let items: Vec<_> = match_list_items(line)
                .into_iter()
                .filter(|i| !matches!(i.item, MatchItem::Comment))
                .collect();
            if items.is_empty() {
                continue;
            }
            survey.lines += 1;
            if let [key, value] = items.as_slice() {
                let key_text = &line[key.range.clone()];
                let value_text = &line[value.range.clone()];
                if !key.negated && !value.negated && is_domain(key_text) && is_value(value_text) {
                    let body = line.trim_end_matches(['\n', '\r']);
                    survey.table_lines.push(TableLine {
                        line: Span::new(file, start, start + body.len()),
                        value: Span::new(file, start + value.range.start, start + value.range.end),
                    });
                }
            }
        }
        survey
    }

    /// Most of the file's lines are `domain value` lines: it was written as a lookup table.
    pub fn looks_like_table(&self) -> bool {
        !self.table_lines.is_empty() && 2 * self.table_lines.len() >= self.lines
    }
}

/// A domain name with at least two labels (`example.com`, `.example.com` for relay_domains).
fn is_domain(word: &str) -> bool {
    let name = word.strip_prefix('.').unwrap_or(word);
    name.contains('.')
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// A word no domain list would hold: an access action (`OK`, `RELAY`), a number, an address,
/// a path, a single word other than `localhost`. (A `type:name` word is a table to Postfix, not
/// a domain: another mistake, which this rule does not explain.)
fn is_value(word: &str) -> bool {
    if word.contains(':') {
        return false;
    }
    if word.contains(['@', '/']) {
        return true;
    }
    !word.contains('.') && !word.eq_ignore_ascii_case("localhost")
}

/// The folded value words of the list files that look like tables: Postfix takes them for
/// domains, and the rule `list-file-looks-like-table` explains them.
pub fn misread_words(files: &[ListFile], text: impl Fn(Span) -> String) -> HashSet<String> {
    files
        .iter()
        .filter(|f| f.looks_like_table())
        .flat_map(|f| f.table_lines.iter().map(|l| text(l.value).to_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> (usize, usize, bool) {
        let s = ListFile::survey(FileId(0), text, "virtual_mailbox_domains", "/x", None);
        (s.lines, s.table_lines.len(), s.looks_like_table())
    }

    #[test]
    fn table_shaped_lines() {
        assert_eq!(shape("example.com OK\nexample.net   OK\n"), (2, 2, true));
        assert_eq!(shape("# domains\nexample.com\t20\n"), (1, 1, true));
        assert_eq!(shape("example.com virtual\nexample.org\n"), (2, 1, true));
        assert_eq!(shape("example.com alice@example.net\n"), (1, 1, true));
        // `type:name` is a table to Postfix, not a domain.
        assert_eq!(
            shape("example.com lmtp:unix:private/dovecot-lmtp\n"),
            (1, 0, false)
        );
    }

    #[test]
    fn list_shaped_lines() {
        // Several domains on a line, one per line, localhost: an ordinary list file.
        assert_eq!(shape("example.com example.net\n"), (1, 0, false));
        assert_eq!(shape("example.com\nexample.net\n"), (2, 0, false));
        assert_eq!(shape("example.com, localhost\n"), (1, 0, false));
        assert_eq!(shape("example.com !example.net\n"), (1, 0, false));
        // One stray line among many domains is not a table.
        assert_eq!(shape("a.example\nb.example\nc.example OK\n"), (3, 1, false));
        assert_eq!(shape(""), (0, 0, false));
    }
}
