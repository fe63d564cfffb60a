//! aliases(5) files as postalias(1) reads them: each logical line is RFC 822-tokenized
//! (`tok822_scan()`), the name is everything before the first `:` token, in internal (unquoted)
//! form.

use std::ops::Range;

use super::logical::{is_space, logical_lines};
use super::postmap::{SkippedLine, SourceEntry};

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Atom(String),
    Quoted(String),
    Comment(String),
    Special(u8),
}

const SPECIALS: &[u8] = b"()<>@,;:\\\".[]";

/// A simplified `tok822_scan()`: atoms (with `\` escapes), quoted strings, comments, specials.
fn tokenize(text: &str) -> Vec<(Token, Range<usize>)> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if is_space(b) {
            i += 1;
            continue;
        }
        match b {
            b'(' => {
                let mut depth = 0;
                let mut inner = Vec::new();
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if i + 1 < bytes.len() => {
                            inner.push(bytes[i + 1]);
                            i += 2;
                            continue;
                        }
                        b'(' => {
                            depth += 1;
                            if depth > 1 {
                                inner.push(b'(');
                            }
                        }
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                            inner.push(b')');
                        }
                        c => inner.push(c),
                    }
                    i += 1;
                }
                tokens.push((
                    Token::Comment(String::from_utf8_lossy(&inner).into_owned()),
                    start..i,
                ));
            }
            b'"' => {
                i += 1;
                let mut inner = Vec::new();
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        i += 1;
                    }
                    inner.push(bytes[i]);
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                tokens.push((
                    Token::Quoted(String::from_utf8_lossy(&inner).into_owned()),
                    start..i,
                ));
            }
            _ if SPECIALS.contains(&b) && b != b'\\' => {
                i += 1;
                tokens.push((Token::Special(b), start..i));
            }
            _ => {
                let mut atom = Vec::new();
                while i < bytes.len() {
                    let c = bytes[i];
                    if c == b'\\' && i + 1 < bytes.len() {
                        atom.push(bytes[i + 1]);
                        i += 2;
                        continue;
                    }
                    if is_space(c) || (SPECIALS.contains(&c) && c != b'\\') {
                        break;
                    }
                    atom.push(c);
                    i += 1;
                }
                tokens.push((
                    Token::Atom(String::from_utf8_lossy(&atom).into_owned()),
                    start..i,
                ));
            }
        }
    }
    tokens
}

/// One alias: `name` is the internal form postalias stores (before case folding).
#[derive(Debug)]
pub struct AliasEntry<'a> {
    pub entry: SourceEntry<'a>,
    pub name: String,
}

#[derive(Debug, Default)]
pub struct AliasesSource<'a> {
    pub entries: Vec<AliasEntry<'a>>,
    pub skipped: Vec<SkippedLine<'a>>,
}

/// Splits one logical line into the alias name (internal form) and the key and value ranges.
pub fn split_alias(text: &str) -> Result<(String, Range<usize>, Range<usize>), &'static str> {
    let tokens = tokenize(text);
    let colon = tokens.iter().position(|(t, _)| *t == Token::Special(b':'));
    let Some(colon) = colon else {
        return Err("need name:value pair");
    };
    let before = &tokens[..colon];
    if before.is_empty()
        || colon + 1 >= tokens.len()
        || before.iter().any(|(t, _)| *t == Token::Special(b','))
    {
        return Err("need name:value pair");
    }
    let non_local = before.iter().any(|(t, _)| match t {
        Token::Special(b'@') => true,
        Token::Atom(a) => a.contains('%'),
        _ => false,
    });
    if non_local {
        return Err("name must be local");
    }
    let mut name = String::new();
    for (token, _) in before {
        match token {
            Token::Atom(a) | Token::Quoted(a) => name.push_str(a),
            Token::Comment(c) => {
                if !name.is_empty() {
                    name.push(' ');
                }
                name.push('(');
                name.push_str(c);
                name.push(')');
            }
            Token::Special(c) => name.push(*c as char),
        }
    }
    let key = before[0].1.start..before[before.len() - 1].1.end;
    let value = tokens[colon + 1].1.start..tokens[tokens.len() - 1].1.end;
    Ok((name, key, value))
}

/// One logical line of an aliases file, as postalias sees it.
#[derive(Debug)]
pub enum AliasLine<'a> {
    Entry(AliasEntry<'a>),
    Skipped(SkippedLine<'a>),
}

/// The lines of an aliases file one at a time, so large files are read in one pass.
pub fn alias_lines(text: &str) -> impl Iterator<Item = AliasLine<'_>> {
    logical_lines(text).map(|line| {
        if line.indented {
            return AliasLine::Skipped(SkippedLine::indented(line));
        }
        match split_alias(&line.text) {
            Ok((name, key, value)) => AliasLine::Entry(AliasEntry {
                entry: SourceEntry { line, key, value },
                name,
            }),
            Err(reason) => AliasLine::Skipped(SkippedLine {
                line,
                reason: reason.to_string(),
                kept: false,
            }),
        }
    })
}

pub fn parse_aliases(text: &str) -> AliasesSource<'_> {
    let mut out = AliasesSource::default();
    for item in alias_lines(text) {
        match item {
            AliasLine::Entry(e) => out.entries.push(e),
            AliasLine::Skipped(s) => out.skipped.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Result<String, &'static str> {
        split_alias(text).map(|(n, _, _)| n)
    }

    /// Measured with postalias 3.7 (see the ground truth, §2.5).
    #[test]
    fn names_as_postalias_stores_them() {
        assert_eq!(name("postmaster: root"), Ok("postmaster".into()));
        assert_eq!(
            name("\"odd name:with colon\": user"),
            Ok("odd name:with colon".into())
        );
        assert_eq!(name("spaced : user2"), Ok("spaced".into()));
        assert_eq!(name("c(comment): w"), Ok("c (comment)".into()));
        assert_eq!(name("q\\:x: v"), Ok("q:x".into()));
        assert_eq!(
            name("list: :include:/etc/postfix/list.members"),
            Ok("list".into())
        );
    }

    #[test]
    fn rejected_lines() {
        for text in [
            "nocolon value",
            "emptyval:",
            "a,b: z",
            ": novalue",
            "quote\"d: v2",
        ] {
            assert_eq!(name(text), Err("need name:value pair"), "{text}");
        }
        assert_eq!(name("user@example.com: x"), Err("name must be local"));
        assert_eq!(name("per%cent: y"), Err("name must be local"));
    }

    #[test]
    fn value_range_covers_continuations() {
        let text = "Root: admin@example.com, \"|/usr/bin/procmail -m\",\n    /var/mail/archive\n";
        let parsed = parse_aliases(text);
        let e = &parsed.entries[0];
        assert_eq!(e.name, "Root");
        assert_eq!(
            &e.entry.line.text[e.entry.value.clone()],
            "admin@example.com, \"|/usr/bin/procmail -m\",    /var/mail/archive"
        );
    }
}
