//! mynetworks as smtpd reads it: the words of its value with each `/file/name` item replaced by
//! the items of that file. Postfix's match_list_parse() expands a file in place, line by line
//! (readlline: `#` lines and blank lines skipped), a `!` before the file negating each of its
//! items. The loader reads the files a mynetworks value names (in main.cf and in master.cf
//! `-o` overrides); the mynetworks rules and the relay verdict read the list through
//! [`with_files`].

use std::collections::HashSet;

use super::expand::Expanded;
use super::restrictions::Word;
use super::{list_lines, Loader, Model};
use crate::parse::list::{match_list_items, MatchItem};
use crate::source::{FileId, Span};

/// How deep list files may name list files (as for the domain lists' files).
const MAX_DEPTH: usize = 8;

impl Loader {
    /// Reads the `/file/name` items of a mynetworks value, and the files those name in turn.
    pub(super) fn read_network_lists(&mut self, expanded: &Expanded, param: &str) {
        if !expanded.errors.is_empty() {
            return;
        }
        for item in match_list_items(&expanded.text) {
            if let MatchItem::File(path) = item.item {
                let span = expanded.origin_of(item.range.clone());
                let span = span.or_else(|| expanded.via_of(item.range.clone()));
                self.read_network_list(path, span, param, 0);
            }
        }
    }

    fn read_network_list(&mut self, path: &str, item: Option<Span>, param: &str, depth: usize) {
        if depth >= MAX_DEPTH || self.network_lists.contains_key(path) {
            return;
        }
        let file = self.read_list_file(path, item, param);
        self.network_lists.insert(path.to_string(), file);
        let Some(file) = file else {
            return;
        };
        let text = self.sources.get(file).text().clone();
        for (start, line) in list_lines(&text) {
            for item in match_list_items(line) {
                if let MatchItem::File(inner) = item.item {
                    let span = Span::new(file, start + item.range.start, start + item.range.end);
                    self.read_network_list(inner, Some(span), param, depth + 1);
                }
            }
        }
    }
}

/// The words of a mynetworks list (as `words_of` splits them, each with where it was written)
/// with every `/file/name` word replaced by the items of the file, in order; each word's `!`s
/// are folded into its sense (`!` or none). A file postlint could not read stands as None:
/// smtpd's answer there cannot be known. A file already expanded with the same sense adds
/// nothing (its items came first) and is skipped, so files that name each other stay linear.
pub fn with_files(model: &Model, words: Vec<Word>) -> Vec<Option<Word>> {
    let mut out = Vec::with_capacity(words.len());
    let mut seen = HashSet::new();
    for word in words {
        push(model, word, false, 0, &mut seen, &mut out);
    }
    out
}

fn push(
    model: &Model,
    word: Word,
    negated: bool,
    depth: usize,
    seen: &mut HashSet<(FileId, bool)>,
    out: &mut Vec<Option<Word>>,
) {
    let bangs = word.text.bytes().take_while(|&b| b == b'!').count();
    let negated = negated ^ (bangs % 2 == 1);
    let pattern = &word.text[bangs..];
    if !pattern.starts_with('/') {
        let text = if negated {
            format!("!{pattern}")
        } else {
            pattern.to_string()
        };
        out.push(Some(Word {
            text,
            span: word.span,
        }));
        return;
    }
    let file = model.network_lists.get(pattern).copied().flatten();
    let Some(file) = file.filter(|_| depth < MAX_DEPTH) else {
        out.push(None);
        return;
    };
    if !seen.insert((file, negated)) {
        return;
    }
    let text = model.sources.get(file).text();
    for (start, line) in list_lines(text) {
        for item in match_list_items(line) {
            if matches!(item.item, MatchItem::Comment | MatchItem::EmptyNegation) {
                continue;
            }
            let word = Word {
                text: line[item.range.clone()].to_string(),
                span: Some(Span::new(
                    file,
                    start + item.range.start,
                    start + item.range.end,
                )),
            };
            push(model, word, negated, depth + 1, seen, out);
        }
    }
}

/// The mynetworks words a service reads that postlint knows, list files expanded (see
/// [`with_files`]): for rules about one entry that is wrong whatever the others are. None
/// when Postfix refuses the value.
pub fn known_words(model: &Model, smtpd: &super::restrictions::Smtpd) -> Option<Vec<Word>> {
    let words = smtpd.known_items(model, "mynetworks")?;
    Some(with_files(model, words).into_iter().flatten().collect())
}
