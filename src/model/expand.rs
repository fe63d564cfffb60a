//! `$name` expansion as Postfix does it at use time (`mac_parse()` and `mac_expand()` in util/, with
//! recursion as in `mail_conf_eval()`), keeping track of where each piece of the result was written.
//!
//! A value postlint cannot know (say `$myhostname` when linting a repository checkout) expands to
//! the [`UNKNOWN`] character, so list items built from it are recognisably unknown.

use std::ops::Range;

use crate::parse::logical::OffsetMap;
use crate::parse::placeholder;
use crate::source::{FileId, Span};

/// Stands in for text postlint cannot know. No file's text holds it: `fsread::decode` turns a
/// NUL byte read from a file into a raw-byte character, so a NUL in a value is always this marker.
pub const UNKNOWN: char = '\0';
/// [`UNKNOWN`] as a whole value.
pub const UNKNOWN_TEXT: &str = "\0";

/// Postfix's limit on nested macro calls (`mc->level++ > 100` in mac_expand.c).
const NESTING_LIMIT: usize = 100;

/// postlint's own bounds on one value's expansion. Postfix has none: `a = $b$b$b$b`,
/// `b = $c$c$c$c`, ... grows a value (or the work to find it empty) exponentially, and the
/// daemons run out of memory or time. Real values stay far below both.
pub const SIZE_LIMIT: usize = 1 << 20;
pub const REFERENCE_LIMIT: usize = 10_000;

/// Where a value's text was written: `text[0]` is at `offset` in a logical line of `file`.
#[derive(Clone, Copy, Debug)]
pub struct SourceRef<'a> {
    pub file: FileId,
    pub map: &'a OffsetMap,
    pub offset: usize,
}

impl SourceRef<'_> {
    /// The file span of a range of the value.
    pub fn span(&self, range: Range<usize>) -> Span {
        self.map.span(
            self.file,
            self.offset + range.start..self.offset + range.end,
        )
    }
}

#[derive(Clone, Copy, Debug)]
pub struct ValueRef<'a> {
    pub text: &'a str,
    pub source: Option<SourceRef<'a>>,
}

pub enum Lookup<'a> {
    /// Not a parameter at all: expands to empty, and Postfix warns "undefined parameter".
    Undefined,
    /// A parameter whose value postlint cannot know.
    Unknown,
    Value(ValueRef<'a>),
}

/// One run of the expanded text and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    pub range: Range<usize>,
    /// The source of the literal text (None for built-in defaults and unknown values).
    pub origin: Option<Span>,
    /// True when `origin` maps byte for byte onto `range` (no `$$`, no line break in between).
    pub exact: bool,
    /// The `$name` reference in the expanded value that brought this piece in, if any.
    pub via: Option<Span>,
}

#[derive(Clone, Debug, Default)]
pub struct Expanded {
    pub text: String,
    pub pieces: Vec<Piece>,
    /// Postfix's macro processing errors, in its words; Postfix refuses the value.
    pub errors: Vec<String>,
    /// Names referenced but not defined anywhere.
    pub undefined: Vec<String>,
    /// The expansion hit postlint's bounds ([`SIZE_LIMIT`], [`REFERENCE_LIMIT`]): the value
    /// multiplies without end, and the error says so.
    pub runaway: bool,
    /// Installer placeholders met on the way (`PH_HOSTNAME`, `$MAIL_DOMAIN`), which expand
    /// to [`UNKNOWN`].
    pub placeholders: Vec<String>,
}

impl Expanded {
    /// A value that is wholly unknown.
    pub fn unknown() -> Expanded {
        Expanded {
            text: UNKNOWN.to_string(),
            ..Expanded::default()
        }
    }

    /// A value taken as written, without expansion (Postfix's "raw" parameters).
    pub fn verbatim(value: ValueRef<'_>) -> Expanded {
        let text = value.text.to_string();
        let pieces = match value.source {
            Some(src) => vec![Piece {
                range: 0..text.len(),
                origin: Some(src.span(0..text.len())),
                exact: src.map.is_contiguous(src.offset..src.offset + text.len()),
                via: None,
            }],
            None => Vec::new(),
        };
        Expanded {
            text,
            pieces,
            ..Expanded::default()
        }
    }

    pub fn has_unknown(&self) -> bool {
        self.text.contains(UNKNOWN)
    }

    /// The best source span for a range of the expanded text.
    pub fn origin_of(&self, range: Range<usize>) -> Option<Span> {
        let mut overlapping = self.pieces.iter().filter(|p| {
            p.range.start < range.end.max(range.start + 1) && range.start < p.range.end
        });
        let first = overlapping.clone().find(|p| p.origin.is_some())?;
        let origin = first.origin?;
        if first.exact && range.start >= first.range.start && range.end <= first.range.end {
            let start = origin.start + (range.start - first.range.start) as u32;
            return Some(Span {
                start,
                end: start + range.len() as u32,
                ..origin
            });
        }
        let last = overlapping
            .rfind(|p| p.origin.is_some())
            .and_then(|p| p.origin)
            .unwrap_or(origin);
        Some(origin.to(last))
    }

    /// The `$name` reference that brought a range of the expanded text in, if any.
    pub fn via_of(&self, range: Range<usize>) -> Option<Span> {
        self.pieces
            .iter()
            .filter(|p| p.range.start < range.end.max(range.start + 1) && range.start < p.range.end)
            .find_map(|p| p.via)
    }

    /// The text for display, with unknown parts shown as `<unknown>`.
    pub fn display(&self) -> String {
        self.text.replace(UNKNOWN, "<unknown>")
    }
}

/// A `$name` reference found by [`references`]. Ranges index into the scanned text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub name: Range<usize>,
    /// The whole expression: `$name`, `${name?value}`, ...
    pub expr: Range<usize>,
}

/// Whether the body of a `${...}` is a template's lookup of an environment variable:
/// `${env:NAME}` (envproc), `${env.NAME}`, `${env["NAME"]}` (Mako), filled in before Postfix
/// reads the file. In Postfix it would be `${name:value}` of a parameter `env`, which no setup
/// defines: an unknown value, no reference.
fn is_env_lookup(body: &str) -> bool {
    body.strip_prefix("env")
        .is_some_and(|after| after.starts_with([':', '.', '[']))
}

/// Every parameter name a value refers to, in every branch of every conditional (what
/// `mac_expand()` visits with `MAC_EXP_FLAG_SCAN`, as postconf does to find the names in use).
/// Stops quietly at a syntax error; [`expand`] reports those.
pub fn references(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    scan_references(text, 0, &mut out, 0);
    out
}

fn scan_references(text: &str, base: usize, out: &mut Vec<Reference>, depth: usize) {
    if depth > NESTING_LIMIT {
        return;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(found) = text[i..].find('$') {
        let start = i + found;
        i = start + 1;
        match bytes.get(i) {
            Some(b'$') => i += 1,
            Some(&open @ (b'{' | b'(')) => {
                let Some(j) = after_matching_bracket(bytes, i, open) else {
                    return;
                };
                let body_start = i + 1;
                let body = &text[body_start..j - 1];
                i = j;
                if is_env_lookup(skip_whitespace(body)) {
                    continue;
                }
                if skip_whitespace(body).starts_with('{') {
                    scan_references(body, base + body_start, out, depth + 1);
                    continue;
                }
                let lead = body.len() - skip_whitespace(body).len();
                let name_start = body_start + lead;
                let len = text[name_start..j - 1]
                    .bytes()
                    .take_while(|&b| is_name_byte(b))
                    .count();
                let after = skip_whitespace(&text[name_start + len..j - 1]);
                if len == 0 || !matches!(after.as_bytes().first(), None | Some(b'?' | b':')) {
                    return; // a syntax error: Postfix stops scanning this value here
                }
                out.push(Reference {
                    name: base + name_start..base + name_start + len,
                    expr: base + start..base + j,
                });
                if !after.is_empty() {
                    let at = j - after.len();
                    scan_references(&text[at..j - 1], base + at, out, depth + 1);
                }
            }
            _ => {
                let len = bytes[i..].iter().take_while(|&&b| is_name_byte(b)).count();
                if len == 0 {
                    return; // "empty macro name"
                }
                out.push(Reference {
                    name: base + i..base + i + len,
                    expr: base + start..base + i + len,
                });
                i += len;
            }
        }
    }
}

pub trait ParamLookup {
    fn lookup(&self, name: &str) -> Lookup<'_>;
}

/// Expands a value with recursion, as `postconf -x` and the Postfix daemons do.
pub fn expand<L: ParamLookup>(lookup: &L, value: ValueRef<'_>) -> Expanded {
    let mut ex = Expander {
        lookup,
        out: Expanded::default(),
        failed: false,
        references: 0,
    };
    ex.parse(value.text, value.source, None, 0);
    if ex.failed {
        // Postfix stops with "macro processing error": nothing of this value is usable.
        ex.out.text = UNKNOWN.to_string();
        ex.out.pieces.clear();
    }
    ex.out
}

/// Expands without a source (for text that came from somewhere other than a file).
pub fn expand_text<L: ParamLookup>(lookup: &L, text: &str) -> Expanded {
    expand(lookup, ValueRef { text, source: None })
}

struct Expander<'l, L> {
    lookup: &'l L,
    out: Expanded,
    failed: bool,
    /// `$` references followed so far, against [`REFERENCE_LIMIT`].
    references: usize,
}

/// `bytes[open_at]` is `{` or `(`: the offset just past its match, counting only the same
/// bracket type (as mac_parse() does), or None when it is never closed.
fn after_matching_bracket(bytes: &[u8], open_at: usize, open: u8) -> Option<usize> {
    let close = if open == b'{' { b'}' } else { b')' };
    let mut level = 0usize;
    for (j, &b) in bytes.iter().enumerate().skip(open_at) {
        if b == open {
            level += 1;
        } else if b == close {
            level -= 1;
            if level == 0 {
                return Some(j + 1);
            }
        }
    }
    None
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn sub_source<'a>(src: Option<SourceRef<'a>>, whole: &str, part: &str) -> Option<SourceRef<'a>> {
    src.map(|s| SourceRef {
        offset: s.offset + (part.as_ptr() as usize - whole.as_ptr() as usize),
        ..s
    })
}

const WHITESPACE: &[u8] = b" \t\r\n";

fn skip_whitespace(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_ascii() && WHITESPACE.contains(&(c as u8)))
}

impl<L: ParamLookup> Expander<'_, L> {
    fn error(&mut self, message: String) {
        if !self.failed {
            self.out.errors.push(message);
        }
        self.failed = true;
    }

    fn push_text(&mut self, text: &str, origin: Option<Span>, exact: bool, via: Option<Span>) {
        if text.is_empty() || self.failed {
            return;
        }
        if self.out.text.len() + text.len() > SIZE_LIMIT {
            self.out.runaway = true;
            self.error(format!(
                "the expanded value grows past {SIZE_LIMIT} bytes: nested references multiply \
                 it (postlint's bound; Postfix runs out of memory)"
            ));
            return;
        }
        let start = self.out.text.len();
        self.out.text.push_str(text);
        let range = start..self.out.text.len();
        // Merge with the previous piece when it continues it, to keep the list short.
        if let Some(last) = self.out.pieces.last_mut() {
            if last.origin.is_none()
                && origin.is_none()
                && last.via == via
                && last.range.end == start
            {
                last.range.end = range.end;
                return;
            }
        }
        self.out.pieces.push(Piece {
            range,
            origin,
            exact,
            via,
        });
    }

    fn push_unknown(&mut self, via: Option<Span>) {
        let mut buf = [0u8; 4];
        self.push_text(UNKNOWN.encode_utf8(&mut buf), None, false, via);
    }

    /// `mac_parse()`: splits text into literals (with `$$` made `$`) and `$` expressions.
    fn parse(&mut self, text: &str, src: Option<SourceRef<'_>>, via: Option<Span>, depth: usize) {
        let bytes = text.as_bytes();
        let mut literal = String::new();
        let mut literal_start = 0;
        let mut literal_exact = true;
        let mut i = 0;
        while i < bytes.len() && !self.failed {
            if bytes[i] != b'$' {
                let next = text[i..].find('$').map_or(bytes.len(), |n| i + n);
                if literal.is_empty() {
                    literal_start = i;
                }
                literal.push_str(&text[i..next]);
                i = next;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'$') {
                if literal.is_empty() {
                    literal_start = i;
                }
                literal.push('$');
                literal_exact = false;
                i += 2;
                continue;
            }
            // A bare `$`: flush the literal, then find the macro body.
            self.literal(
                &mut literal,
                literal_start..i,
                &mut literal_exact,
                src,
                via,
                depth,
            );
            let expr_start = i;
            i += 1;
            let body: &str;
            match bytes.get(i) {
                Some(&open @ (b'{' | b'(')) => {
                    let Some(j) = after_matching_bracket(bytes, i, open) else {
                        self.error(format!("truncated macro reference: \"{text}\""));
                        return;
                    };
                    body = &text[i + 1..j - 1];
                    i = j;
                }
                _ => {
                    let len = bytes[i..].iter().take_while(|&&b| is_name_byte(b)).count();
                    body = &text[i..i + len];
                    i += len;
                }
            }
            if body.is_empty() {
                self.error(format!("empty macro name: \"{text}\""));
                return;
            }
            let ref_span = src.map(|s| s.span(expr_start..i));
            let via = via.or(ref_span);
            self.expression(text, body, src, via, depth);
        }
        self.literal(
            &mut literal,
            literal_start..bytes.len(),
            &mut literal_exact,
            src,
            via,
            depth,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn literal(
        &mut self,
        literal: &mut String,
        range: Range<usize>,
        exact: &mut bool,
        src: Option<SourceRef<'_>>,
        via: Option<Span>,
        depth: usize,
    ) {
        if literal.is_empty() || self.failed {
            literal.clear();
            return;
        }
        if depth > NESTING_LIMIT {
            self.error(format!("unreasonable macro call nesting: \"{literal}\""));
            return;
        }
        let text = std::mem::take(literal);
        let markers = placeholder::find(&text);
        if markers.is_empty() {
            self.literal_run(&text, range, *exact, src, via);
        } else {
            // Installer markers are holes: unknown text between the literal runs around them.
            let mut at = 0;
            for marker in markers {
                if at < marker.start {
                    let part = range.start + at..range.start + marker.start;
                    self.literal_run(&text[at..marker.start], part, *exact, src, via);
                }
                self.placeholder(&text[marker.clone()], via);
                at = marker.end;
            }
            if at < text.len() {
                let part = range.start + at..range.end;
                self.literal_run(&text[at..], part, *exact, src, via);
            }
        }
        *exact = true;
    }

    fn placeholder(&mut self, marker: &str, via: Option<Span>) {
        if !self.out.placeholders.iter().any(|p| p == marker) {
            self.out.placeholders.push(marker.to_string());
        }
        self.push_unknown(via);
    }

    /// Pushes literal text: byte for byte onto its source when `exact`.
    fn literal_run(
        &mut self,
        text: &str,
        range: Range<usize>,
        exact: bool,
        src: Option<SourceRef<'_>>,
        via: Option<Span>,
    ) {
        match src {
            // A literal without `$$` maps byte for byte onto its source: one piece per physical line.
            Some(s) if exact && text.len() == range.len() => {
                for run in s
                    .map
                    .contiguous_runs(s.offset + range.start..s.offset + range.end)
                {
                    let start = run.start - s.offset - range.start;
                    let end = run.end - s.offset - range.start;
                    let span = s.map.span(s.file, run);
                    self.push_text(&text[start..end], Some(span), true, via);
                }
            }
            Some(s) => self.push_text(text, Some(s.span(range.clone())), false, via),
            None => self.push_text(text, None, false, via),
        }
    }

    /// `mac_expand_callback()` for an expression: `name`, `name?value`, `name:value`,
    /// `name?{v1}:{v2}`, or `{a} OP {b} ? {v1} : {v2}`.
    fn expression(
        &mut self,
        whole: &str,
        body: &str,
        src: Option<SourceRef<'_>>,
        via: Option<Span>,
        depth: usize,
    ) {
        if depth > NESTING_LIMIT {
            self.error(format!("unreasonable macro call nesting: \"{body}\""));
            return;
        }
        // The condition's value: Some(true) for non-empty, Some(false) for empty, None unknown.
        let truth: Option<bool>;
        let rest: &str;
        let mut operator: Option<u8> = None;
        let trimmed = skip_whitespace(body);
        if trimmed.starts_with('{') {
            let Some((value, after)) = self.relational(trimmed, depth) else {
                return;
            };
            truth = value;
            match after.as_bytes().first() {
                None => {
                    // `${{a} == {b}}` exposes the value itself: "true" or empty.
                    match truth {
                        Some(true) => self.push_text("true", None, false, via),
                        Some(false) => {}
                        None => self.push_unknown(via),
                    }
                    return;
                }
                Some(&c @ (b'?' | b':')) => {
                    operator = Some(c);
                    rest = &after[1..];
                }
                Some(_) => {
                    let shown: String = after.chars().take(20).collect();
                    self.error(format!("\"?\" or \":\" expected at: \"...}}>>>{shown}\""));
                    return;
                }
            }
        } else {
            if is_env_lookup(trimmed) {
                self.placeholder(&format!("${{{trimmed}}}"), via);
                return;
            }
            // Whitespace may surround the name: `${ name }`, `${name ?x}` (measured with
            // postconf 3.7); anything else after the name is a syntax error.
            let body = trimmed;
            let bytes = body.as_bytes();
            let name_len = bytes.iter().take_while(|&&b| is_name_byte(b)).count();
            let after = skip_whitespace(&body[name_len..]);
            let op_at = body.len() - after.len();
            match after.as_bytes().first() {
                None => {}
                Some(&b @ (b'?' | b':')) => operator = Some(b),
                Some(_) => {
                    let shown: String = body[name_len..].chars().take(20).collect();
                    self.error(format!(
                        "attribute name syntax error at: \"...{}>>>{shown}\"",
                        &body[..name_len]
                    ));
                    return;
                }
            }
            let name = &body[..name_len];
            rest = if operator.is_some() {
                &body[op_at + 1..]
            } else {
                ""
            };
            self.references += 1;
            if self.references > REFERENCE_LIMIT {
                self.out.runaway = true;
                self.error(format!(
                    "more than {REFERENCE_LIMIT} macro references in one value: the references \
                     multiply each other (postlint's bound; Postfix runs until it fails)"
                ));
                return;
            }
            let mut looked_up = self.lookup.lookup(name);
            if matches!(looked_up, Lookup::Undefined) && placeholder::is_placeholder_name(name) {
                // `$MAIL_DOMAIN` that nothing defines: an installer fills it in.
                let marker = format!("${name}");
                if !self.out.placeholders.contains(&marker) {
                    self.out.placeholders.push(marker);
                }
                looked_up = Lookup::Unknown;
            }
            if matches!(looked_up, Lookup::Undefined)
                && !self.out.undefined.iter().any(|n| n == name)
            {
                self.out.undefined.push(name.to_string());
            }
            if operator.is_none() {
                match looked_up {
                    Lookup::Undefined => {}
                    Lookup::Unknown => self.push_unknown(via),
                    Lookup::Value(value) => self.parse(value.text, value.source, via, depth + 1),
                }
                return;
            }
            truth = match looked_up {
                Lookup::Undefined => Some(false),
                Lookup::Unknown => None,
                // Postfix tests the raw value: `$x` counts as non-empty even if x is empty.
                Lookup::Value(v) => Some(!v.text.is_empty()),
            };
        }
        // `?` then optionally `:` (the ternary form), or `:` alone.
        let mut cursor = rest;
        let mut op = operator.unwrap_or(b':');
        let mut unknown_pushed = false;
        loop {
            let (payload, after) = match skip_whitespace(cursor).strip_prefix('{') {
                Some(_) => {
                    let start = skip_whitespace(cursor);
                    match self.curly_payload(start) {
                        Some(pair) => pair,
                        None => return,
                    }
                }
                None => (cursor, ""),
            };
            let take = match op {
                b'?' => truth,
                _ => truth.map(|t| !t),
            };
            match take {
                Some(true) => self.parse(payload, sub_source(src, whole, payload), via, depth + 1),
                Some(false) => {}
                None => {
                    if !payload.is_empty() && !unknown_pushed {
                        self.push_unknown(via);
                        unknown_pushed = true;
                    }
                }
            }
            if after.is_empty() {
                return;
            }
            if op == b'?' && after.starts_with(':') {
                op = b':';
                cursor = &after[1..];
                continue;
            }
            let shown: String = after.chars().take(20).collect();
            if op == b'?' {
                self.error(format!("\":\" expected at: \"...{payload}}}>>>{shown}\""));
            } else {
                self.error(format!("unexpected input at: \"...{payload}}}>>>{shown}\""));
            }
            return;
        }
    }

    /// `mac_exp_extract_curly_payload()`: `text` starts with `{`. Returns the payload and the
    /// text after the closing `}` and any whitespace.
    fn curly_payload<'t>(&mut self, text: &'t str) -> Option<(&'t str, &'t str)> {
        let bytes = text.as_bytes();
        let mut level = 1;
        let mut j = 1;
        loop {
            match bytes.get(j) {
                None => {
                    self.error(format!(
                        "unbalanced {{}} in attribute expression: \"{text}\""
                    ));
                    return None;
                }
                Some(b'{') => level += 1,
                Some(b'}') => {
                    level -= 1;
                    if level == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        Some((&text[1..j], skip_whitespace(&text[j + 1..])))
    }

    /// `{left} OP {right}` where OP is `== != < <= >= >`, optionally followed by `level`.
    /// Returns the truth value (None when an operand is unknown) and the rest of the text.
    fn relational<'t>(&mut self, text: &'t str, depth: usize) -> Option<(Option<bool>, &'t str)> {
        let (left, after_left) = self.curly_payload(text)?;
        let op_len = after_left
            .bytes()
            .take_while(|b| b"<>!=?+-*/~&|%".contains(b))
            .count();
        let op = &after_left[..op_len];
        let ext_len = after_left[op_len..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let ext = &after_left[op_len..op_len + ext_len];
        let known_op = matches!(op, "==" | "!=" | "<" | "<=" | ">=" | ">");
        if !known_op || !(ext.is_empty() || ext == "level") {
            let shown: String = after_left.chars().take(20).collect();
            // Postfix's own text, stray quotes included.
            self.error(format!(
                "\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"...{left}}}>>>{shown}\""
            ));
            return None;
        }
        let after_op = skip_whitespace(&after_left[op_len + ext_len..]);
        if !after_op.starts_with('{') {
            let shown: String = after_op.chars().take(20).collect();
            self.error(format!(
                "\"{{expression}}\" expected at: \"...{{{left}}} {op}{ext}>>>{shown}\""
            ));
            return None;
        }
        let (right, after_right) = self.curly_payload(after_op)?;
        let left_value = self.sub_expand(left, depth)?;
        let right_value = self.sub_expand(right, depth)?;
        if left_value.contains(UNKNOWN) || right_value.contains(UNKNOWN) {
            return Some((None, after_right));
        }
        let ordering = if ext == "level" {
            let l = self.compat_level(&left_value)?;
            let r = self.compat_level(&right_value)?;
            l.cmp(&r)
        } else if all_digits(&left_value) && all_digits(&right_value) {
            let l = left_value.trim_start_matches('0');
            let r = right_value.trim_start_matches('0');
            l.len().cmp(&r.len()).then_with(|| l.cmp(r))
        } else {
            left_value.as_bytes().cmp(right_value.as_bytes())
        };
        use std::cmp::Ordering::*;
        let result = match op {
            "==" => ordering == Equal,
            "!=" => ordering != Equal,
            "<" => ordering == Less,
            "<=" => ordering != Greater,
            ">=" => ordering != Less,
            _ => ordering == Greater,
        };
        Some((Some(result), after_right))
    }

    /// Expands an operand on its own (Postfix calls `mac_expand()` afresh for each operand).
    fn sub_expand(&mut self, text: &str, depth: usize) -> Option<String> {
        let mut inner = Expander {
            lookup: self.lookup,
            out: Expanded::default(),
            failed: false,
            // The operands share the value's budget of references.
            references: self.references,
        };
        inner.parse(text, None, None, depth + 1);
        self.references = inner.references;
        for name in inner.out.undefined {
            if !self.out.undefined.contains(&name) {
                self.out.undefined.push(name);
            }
        }
        if inner.failed {
            self.out.runaway |= inner.out.runaway;
            for e in inner.out.errors {
                self.error(e);
            }
            return None;
        }
        Some(inner.out.text)
    }

    fn compat_level(&mut self, text: &str) -> Option<(u64, u64, u64)> {
        match parse_compat_level(text) {
            Some(level) => Some(level),
            None => {
                self.error(format!("malformed compatibility level syntax: \"{text}\""));
                None
            }
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `compat_level_from_string()`: `major[.minor[.patch]]`, each part digits only.
pub fn parse_compat_level(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('.');
    let mut next = |required: bool| -> Option<Option<u64>> {
        match parts.next() {
            None if !required => Some(None),
            Some(p) if all_digits(p) && p.len() <= 9 => p.parse().ok().map(Some),
            _ => None,
        }
    };
    let major = next(true)??;
    let minor = next(false)?.unwrap_or(0);
    let patch = next(false)?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Table(HashMap<&'static str, Option<&'static str>>);

    impl ParamLookup for Table {
        fn lookup(&self, name: &str) -> Lookup<'_> {
            match self.0.get(name) {
                None => Lookup::Undefined,
                Some(None) => Lookup::Unknown,
                Some(Some(v)) => Lookup::Value(ValueRef {
                    text: v,
                    source: None,
                }),
            }
        }
    }

    fn table() -> Table {
        Table(HashMap::from([
            ("myhostname", Some("mail.example.com")),
            ("mydomain", Some("example.com")),
            ("empty", Some("")),
            ("compatibility_level", Some("3.6")),
            ("old_level", Some("0")),
            ("nested", Some("$myhostname/$mydomain")),
            ("host_dependent", None),
            ("self_loop", Some("${myhostname}x${self_loop}")),
            ("dollars", Some("a $$ b")),
        ]))
    }

    fn x(text: &str) -> String {
        let e = expand_text(&table(), text);
        if let Some(err) = e.errors.first() {
            return format!("ERROR {err}");
        }
        e.display()
    }

    #[test]
    fn values_that_multiply_are_bounded() {
        // Each level quadruples: 4^12 copies of 256 bytes, or 4^12 references to an empty
        // value. Both stop at postlint's bounds, quickly.
        let mut params: HashMap<&'static str, Option<&'static str>> = HashMap::new();
        let names: Vec<&'static str> = (0..13)
            .map(|i| &*Box::leak(format!("l{i}").into_boxed_str()))
            .collect();
        for i in 0..12 {
            let next = names[i + 1];
            let value = format!("${next}${next}${next}${next}");
            params.insert(names[i], Some(Box::leak(value.into_boxed_str())));
        }
        let started = std::time::Instant::now();
        params.insert(names[12], Some(Box::leak("x".repeat(256).into_boxed_str())));
        let grown = expand_text(&Table(params.clone()), "$l0");
        assert!(grown.errors[0].contains("grows past"), "{:?}", grown.errors);
        assert!(grown.has_unknown(), "a refused value is unknown");
        params.insert(names[12], Some(""));
        let empty = expand_text(&Table(params), "$l0");
        assert!(
            empty.errors[0].contains("macro references"),
            "{:?}",
            empty.errors
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn plain_references() {
        assert_eq!(x("$myhostname"), "mail.example.com");
        assert_eq!(x("${myhostname}"), "mail.example.com");
        assert_eq!(x("$(myhostname)"), "mail.example.com");
        assert_eq!(x("$myhostname.x"), "mail.example.com.x");
        assert_eq!(x("localhost.$mydomain, x"), "localhost.example.com, x");
        assert_eq!(x("$nested"), "mail.example.com/example.com");
        assert_eq!(x("price $$5"), "price $5");
        assert_eq!(x("$dollars"), "a $ b");
        assert_eq!(x("[$nosuch]"), "[]");
    }

    #[test]
    fn conditionals() {
        assert_eq!(x("${myhostname?yes}"), "yes");
        assert_eq!(x("${empty?yes}"), "");
        assert_eq!(x("${nosuch?yes}"), "");
        assert_eq!(x("${empty:fallback}"), "fallback");
        assert_eq!(x("${mydomain:fallback}"), "");
        assert_eq!(x("${myhostname?{a}:b}"), "a");
        assert_eq!(x("${empty?{a}:b}"), "b");
        assert_eq!(x("${empty?{a} : {b}}"), "b");
        assert_eq!(x("${nested?nonempty}"), "nonempty");
        assert_eq!(x("${myhostname?[$mydomain]:587}"), "[example.com]:587");
        assert_eq!(x("${myhostname?{$mydomain}}"), "example.com");
    }

    #[test]
    fn relational() {
        assert_eq!(
            x("${{$compatibility_level} <level {2} ? {old} : {new}}"),
            "new"
        );
        assert_eq!(x("${{$old_level} <level {2} ? {old} : {new}}"), "old");
        assert_eq!(x("${{3.10} >level {3.6} ? {y} : {n}}"), "y");
        assert_eq!(x("${{10} > {9} ? {y} : {n}}"), "y");
        assert_eq!(x("${{b} > {a} ? {y} : {n}}"), "y");
        assert_eq!(x("${{a} == {a}}"), "true");
        assert_eq!(x("${{a} != {a}}"), "");
        // Measured with postconf 3.7: operands with spaces or empty compare as text.
        assert_eq!(x("${{ 10 } < { 9 } ? {y} : {n}}"), "y");
        assert_eq!(x("${{} < {0} ? {y} : {n}}"), "y");
        assert_eq!(x("${{} == {}}x"), "truex");
    }

    #[test]
    fn unknown_values_stay_unknown() {
        assert_eq!(x("$host_dependent"), "<unknown>");
        assert_eq!(x("localhost.$host_dependent"), "localhost.<unknown>");
        assert_eq!(x("${host_dependent?a}"), "<unknown>");
        assert_eq!(x("${{$host_dependent} == {a} ? {y} : {n}}"), "<unknown>");
    }

    #[test]
    fn errors_in_postfix_words() {
        assert_eq!(
            x("$(myhostname"),
            "ERROR truncated macro reference: \"$(myhostname\""
        );
        assert_eq!(x("$ foo"), "ERROR empty macro name: \"$ foo\"");
        assert_eq!(
            x("${my-host}"),
            "ERROR attribute name syntax error at: \"...my>>>-host\""
        );
        assert_eq!(
            x("$self_loop"),
            // As postconf says it when the value comes from main.cf: the text at the limit.
            "ERROR unreasonable macro call nesting: \"mail.example.com\""
        );
        assert_eq!(
            x("${{a} =~ {b}?x}"),
            "ERROR \"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"...a}>>>=~ {b}?x\""
        );
        assert_eq!(
            x("${{abc} <level {2} ? {a} : {b}}"),
            "ERROR malformed compatibility level syntax: \"abc\""
        );
    }

    #[test]
    fn compat_levels() {
        assert_eq!(parse_compat_level("3.6.1"), Some((3, 6, 1)));
        assert_eq!(parse_compat_level("3.10"), Some((3, 10, 0)));
        assert_eq!(parse_compat_level("9"), Some((9, 0, 0)));
        for bad in ["abc", "3.x", "-1", "", "3.", "1.2.3.4"] {
            assert_eq!(parse_compat_level(bad), None, "{bad}");
        }
    }

    #[test]
    fn template_environment_lookups_are_no_references() {
        for text in [
            "${env:MAIL_HOST}",
            "${env.MAIL_HOST}",
            "${env[\"MAIL_HOST\"]}",
        ] {
            assert!(references(text).is_empty(), "{text}");
        }
        assert_eq!(references("${envelope:x}").len(), 1);
    }

    #[test]
    fn references_cover_every_branch() {
        let text = "$a ${b?$c} $(d:{$e}) ${{$f} == {1} ? {$g} : {h}} $$i ${ k } ${j";
        let names: Vec<&str> = references(text)
            .iter()
            .map(|r| &text[r.name.clone()])
            .collect();
        assert_eq!(names, ["a", "b", "c", "d", "e", "f", "g", "k"]);
        // Postfix stops scanning a value at a syntax error.
        let broken = "$a ${my-host} $b";
        assert_eq!(references(broken).len(), 1);
        let r = &references(text)[1];
        assert_eq!(&text[r.expr.clone()], "${b?$c}");
    }

    #[test]
    fn undefined_names_are_recorded() {
        let e = expand_text(&table(), "${nosuch:fallback} $other");
        assert_eq!(e.undefined, ["nosuch", "other"]);
    }
}
