//! Lists as Postfix splits them: `mystrtokq()` with the separators `CHARS_COMMA_SP` and `{}`
//! grouping. Braces keep a token together; whether they are stripped afterwards is up to the
//! consumer (match lists keep them, so `{example.com}` is a literal that never matches).

use std::ops::Range;

/// `CHARS_COMMA_SP` in global/mail_params.h.
pub fn is_list_separator(b: u8) -> bool {
    matches!(b, b',' | b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits on runs of separators; `{` and `}` nest, and separators inside them do not split. A `}`
/// at level 0 is an ordinary character; an unbalanced `{` swallows the rest of the text.
pub fn split_list(text: &str) -> Vec<Range<usize>> {
    list_items(text).collect()
}

/// The items of [`split_list`] one by one, without a vector: for the hot paths that read every
/// value of a million-line table.
pub fn list_items(text: &str) -> Items<'_, fn(u8) -> bool> {
    Items {
        bytes: text.as_bytes(),
        at: 0,
        is_separator: is_list_separator,
    }
}

/// The same tokenizer with another separator set (master.cf fields use `" \t\r\n"`).
pub fn split_with(text: &str, is_separator: impl Fn(u8) -> bool) -> Vec<Range<usize>> {
    Items {
        bytes: text.as_bytes(),
        at: 0,
        is_separator,
    }
    .collect()
}

/// The iterator behind [`list_items`] and [`split_with`].
pub struct Items<'a, F> {
    bytes: &'a [u8],
    at: usize,
    is_separator: F,
}

impl<F: Fn(u8) -> bool> Iterator for Items<'_, F> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.bytes;
        let mut i = self.at;
        while i < bytes.len() && (self.is_separator)(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            self.at = i;
            return None;
        }
        let start = i;
        let mut level = 0usize;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'{' {
                level += 1;
            } else if level > 0 && b == b'}' {
                level -= 1;
            } else if level == 0 && (self.is_separator)(b) {
                break;
            }
            i += 1;
        }
        self.at = i;
        Some(start..i)
    }
}

/// What one match-list item is (`match_list_parse()` in util/match_list.c).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchItem<'a> {
    /// A literal pattern (case-folded by Postfix).
    Literal(&'a str),
    /// `/file/name`: each line of the file is parsed as more list items.
    File(&'a str),
    /// `type:table`: the item contains `:` and does not start with `[`.
    Table(&'a str),
    /// `#...`: Postfix warns "comment at end of line is not supported" and ignores the rest.
    Comment,
    /// `!` with nothing after it: fatal in Postfix ("no pattern after '!'").
    EmptyNegation,
}

/// A match-list item with its negation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem<'a> {
    pub negated: bool,
    pub item: MatchItem<'a>,
    /// Range of the whole token (with any `!`) in the text that was split.
    pub range: Range<usize>,
}

/// True for `type:table` patterns (`MATCH_DICTIONARY()` in util/match_list.h).
pub fn is_table_pattern(item: &str) -> bool {
    !item.starts_with('[') && item.contains(':')
}

/// Classifies the items of a match list. Stops after a comment item, as Postfix does.
pub fn match_list_items(text: &str) -> Vec<ListItem<'_>> {
    let mut out = Vec::new();
    for range in split_list(text) {
        let token = &text[range.clone()];
        if token.starts_with('#') {
            out.push(ListItem {
                negated: false,
                item: MatchItem::Comment,
                range,
            });
            break;
        }
        let bangs = token.bytes().take_while(|&b| b == b'!').count();
        let pattern = &token[bangs..];
        let negated = bangs % 2 == 1;
        let item = if pattern.is_empty() {
            MatchItem::EmptyNegation
        } else if pattern.starts_with('/') {
            MatchItem::File(pattern)
        } else if is_table_pattern(pattern) {
            MatchItem::Table(pattern)
        } else {
            MatchItem::Literal(pattern)
        };
        out.push(ListItem {
            negated,
            item,
            range,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<&str> {
        split_list(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn separators_and_empty_items() {
        assert_eq!(tokens("a,,b  c,\td\r\ne"), ["a", "b", "c", "d", "e"]);
        assert_eq!(tokens(" , "), Vec::<&str>::new());
    }

    #[test]
    fn braces_group_and_nest() {
        assert_eq!(tokens("inline:{a=1, b=2}, x"), ["inline:{a=1, b=2}", "x"]);
        assert_eq!(
            tokens("regexp:{ {/a/ b}, {/c/ d} } y"),
            ["regexp:{ {/a/ b}, {/c/ d} }", "y"]
        );
        assert_eq!(tokens("{example.com}"), ["{example.com}"]);
        assert_eq!(tokens("a} b"), ["a}", "b"]);
        assert_eq!(
            tokens("{unbalanced, rest of it"),
            ["{unbalanced, rest of it"]
        );
    }

    #[test]
    fn match_list_item_kinds() {
        let items = match_list_items(
            "example.com, !!x, !hash:/etc/postfix/d, /etc/postfix/list, [10.0.0.1]:25, # c, after",
        );
        let kinds: Vec<_> = items.iter().map(|i| (i.negated, i.item.clone())).collect();
        assert_eq!(
            kinds,
            [
                (false, MatchItem::Literal("example.com")),
                (false, MatchItem::Literal("x")),
                (true, MatchItem::Table("hash:/etc/postfix/d")),
                (false, MatchItem::File("/etc/postfix/list")),
                (false, MatchItem::Literal("[10.0.0.1]:25")),
                (false, MatchItem::Comment),
            ]
        );
        assert_eq!(match_list_items("!")[0].item, MatchItem::EmptyNegation);
    }
}
