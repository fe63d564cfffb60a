//! regexp_table(5) and pcre_table(5) tables: their rules read the way dict_regexp.c and
//! dict_pcre.c read them (one rule per logical line, `!` negation, any delimiter, flags,
//! `if`/`endif` nesting, the `$number` pre-scan, and every line Postfix skips with a warning),
//! each pattern translated into the `regex` crate's syntax where the meaning is the same, the
//! evaluation of a lookup (first match wins, `$1` substitution), and whether a rule matches every
//! address of a domain. A pattern whose meaning postlint cannot reproduce (a backreference, a
//! lookaround, a GNU escape, POSIX capture rules that differ from the crate's) is unknown, and so
//! is every answer that reaches it.

use std::borrow::Cow;

use regex::bytes::{CaptureLocations, Regex, RegexBuilder};

use crate::fsread::raw_byte;
use crate::parse::logical::{is_space, logical_lines};
use crate::source::{FileId, Span};

/// The two pattern table types.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// regexp: POSIX extended regular expressions (glibc `regcomp()`), leftmost-longest.
    Regexp,
    /// pcre: Perl-compatible regular expressions (PCRE2), leftmost-first.
    Pcre,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Regexp => "regexp",
            Dialect::Pcre => "pcre",
        }
    }
}

/// What a table's `$number` rules are to the program that opens it: kept, or skipped because
/// the program opens its tables with DICT_FLAG_NO_REGSUB (transport_maps, alias_maps, virtual(8));
/// Unknown when postlint answers for more than one program and they differ.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Substitution {
    Allowed,
    Skipped,
    Unknown,
}

/// One compiled pattern with its negation.
#[derive(Clone, Debug)]
pub struct Condition {
    pub negated: bool,
    /// The pattern as written between the delimiters.
    pub source: String,
    matcher: Matcher,
}

#[derive(Clone, Debug)]
enum Matcher {
    Known {
        regex: Box<Regex>,
        /// The translated pattern, for the catch-all analysis.
        rust: String,
        /// The crate's capture groups are Postfix's for every key (always for pcre; for regexp,
        /// only for shapes where leftmost-first and glibc's leftmost-longest agree).
        exact_captures: bool,
    },
    Unknown(String),
}

impl Condition {
    /// Whether the key satisfies the condition (negation applied); None when unknown.
    fn holds(&self, key: &[u8]) -> Option<bool> {
        match &self.matcher {
            Matcher::Known { regex, .. } => Some(regex.is_match(key) != self.negated),
            Matcher::Unknown(_) => None,
        }
    }

    /// Why postlint cannot evaluate it, if it cannot.
    pub fn unknown(&self) -> Option<&str> {
        match &self.matcher {
            Matcher::Unknown(why) => Some(why),
            Matcher::Known { .. } => None,
        }
    }
}

/// A rule of the table.
#[derive(Clone, Debug)]
pub enum Op {
    /// `[!]/pattern/flags result` (regexp also `/pattern/!/pattern2/ result`).
    Match {
        first: Condition,
        second: Option<Condition>,
        result: Replacement,
    },
    /// `if [!]/pattern/flags`; `endif` is the index of its `endif` rule, None when it has
    /// none (a key that fails the condition then stops the lookup). `jump_unknown`: the `endif`
    /// that Postfix pairs with it cannot be known, because an `if` between them may or may not
    /// be one Postfix keeps.
    If {
        condition: Condition,
        endif: Option<u32>,
        jump_unknown: bool,
    },
    Endif,
}

#[derive(Clone, Debug)]
pub struct PatternRule {
    pub op: Op,
    /// The 1-based line the rule starts on.
    pub line: u32,
    /// The pattern part with its delimiters and flags (`/@example\.com$/`).
    pub span: Span,
    /// The text of `span`.
    pub written: String,
    /// The innermost `if` around the rule.
    pub parent: Option<u32>,
}

/// The result text of a match rule, split for `$number` substitution.
#[derive(Clone, Debug)]
pub struct Replacement {
    /// As written.
    pub text: String,
    pieces: Vec<Piece>,
    /// The largest `$number` (0: none).
    pub max_group: usize,
}

#[derive(Clone, Debug)]
enum Piece {
    Text(String),
    Group(usize),
}

/// A line Postfix skips with a warning (the lookup goes on without it).
#[derive(Clone, Debug)]
pub struct SkippedRule {
    pub span: Span,
    pub line: u32,
    pub reason: String,
}

/// The rules of one regexp or pcre table.
#[derive(Clone, Debug)]
pub struct PatternTable {
    pub dialect: Dialect,
    pub rules: Vec<PatternRule>,
    pub skipped: Vec<SkippedRule>,
}

/// The outcome of a lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternAnswer<'t> {
    /// The rule that matched and its result after substitution.
    Found {
        rule: u32,
        value: Cow<'t, str>,
    },
    NotFound,
    Unknown,
}

// ---------------------------------------------------------------------------------------------
// Reading the rules.

/// Postfix's `ISALNUM` in the C locale.
fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Flags of one pattern.
#[derive(Copy, Clone, Debug, Default)]
struct Flags {
    /// regexp: REG_ICASE; pcre: PCRE2_CASELESS.
    caseless: bool,
    /// regexp: REG_NEWLINE; pcre: PCRE2_MULTILINE.
    multiline: bool,
    /// regexp: REG_EXTENDED; pcre: PCRE2_EXTENDED.
    extended: bool,
    /// pcre only.
    dotall: bool,
    anchored: bool,
    ungreedy: bool,
}

/// A pattern as written: negation, the bytes between the delimiters, flags.
struct Written {
    negated: bool,
    pattern: Vec<u8>,
    flags: Flags,
}

/// `dict_regexp_get_pat()` / `dict_pcre_get_pattern()`: reads `[!]/pattern/flags` at `*pos`.
fn get_pattern(dialect: Dialect, b: &[u8], pos: &mut usize) -> Result<Written, String> {
    let mut p = *pos;
    let mut negated = false;
    while p < b.len() {
        if b[p] == b'!' {
            negated = !negated;
        } else if !is_space(b[p]) {
            break;
        }
        p += 1;
    }
    if p >= b.len() {
        return Err("no regexp".to_string());
    }
    let delimiter = b[p];
    p += 1;
    let start = p;
    while p < b.len() {
        if b[p] == b'\\' {
            if p + 1 < b.len() {
                p += 1;
            } else if dialect == Dialect::Regexp {
                // dict_regexp.c stops at a backslash that ends the line and takes it for the
                // closing delimiter.
                break;
            } else {
                p += 1;
                break;
            }
        } else if b[p] == delimiter {
            break;
        }
        p += 1;
    }
    if p >= b.len() {
        return Err(format!(
            "no closing regexp delimiter \"{}\"",
            printable(delimiter)
        ));
    }
    let pattern = b[start..p].to_vec();
    p += 1;
    let mut flags = match dialect {
        Dialect::Regexp => Flags {
            caseless: true,
            extended: true,
            ..Flags::default()
        },
        Dialect::Pcre => Flags {
            caseless: true,
            dotall: true,
            ..Flags::default()
        },
    };
    while p < b.len() && !is_space(b[p]) && !(dialect == Dialect::Regexp && b[p] == b'!') {
        match (dialect, b[p]) {
            (_, b'i') => flags.caseless = !flags.caseless,
            (_, b'm') => flags.multiline = !flags.multiline,
            (_, b'x') => flags.extended = !flags.extended,
            (Dialect::Pcre, b's') => flags.dotall = !flags.dotall,
            (Dialect::Pcre, b'A') => flags.anchored = !flags.anchored,
            // DOLLAR_ENDONLY: keys with a newline are unknown anyway.
            (Dialect::Pcre, b'E') => {}
            (Dialect::Pcre, b'U') => flags.ungreedy = !flags.ungreedy,
            // Obsolete with PCRE2: ignored with a warning.
            (Dialect::Pcre, b'X') => {}
            (_, other) => {
                return Err(format!("unknown regexp option \"{}\"", printable(other)));
            }
        }
        p += 1;
    }
    *pos = p;
    Ok(Written {
        negated,
        pattern,
        flags,
    })
}

/// A byte as a warning may show it.
fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        (b as char).to_string()
    } else {
        format!("\\x{b:02x}")
    }
}

/// What reading a replacement text can end in.
enum Prescan {
    Ok(Vec<Piece>, usize),
    /// Postfix skips the rule.
    Bad(String),
    /// A `$number` too long to know what `atoi()` makes of it.
    Unknown,
}

/// `mac_parse()` with the `$number` checks of dict_regexp_prescan()/dict_pcre_prescan().
fn prescan(text: &str) -> Prescan {
    let b = text.as_bytes();
    let mut pieces: Vec<Piece> = Vec::new();
    let mut literal: Vec<u8> = Vec::new();
    let mut max = 0usize;
    let mut i = 0;
    let flush = |literal: &mut Vec<u8>, pieces: &mut Vec<Piece>| {
        if !literal.is_empty() {
            // Cut only at ASCII bytes: the text stays UTF-8.
            let s = String::from_utf8_lossy(literal).into_owned();
            pieces.push(Piece::Text(s));
            literal.clear();
        }
    };
    while i < b.len() {
        if b[i] != b'$' {
            literal.push(b[i]);
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&b'$') {
            literal.push(b'$');
            i += 2;
            continue;
        }
        flush(&mut literal, &mut pieces);
        i += 1;
        let name: &[u8];
        match b.get(i) {
            Some(&open @ (b'{' | b'(')) => {
                let close = if open == b'{' { b'}' } else { b')' };
                let mut level = 1;
                let start = i + 1;
                let mut end = start;
                loop {
                    match b.get(end) {
                        None => return Prescan::Bad("truncated macro reference".to_string()),
                        Some(&c) if c == open => level += 1,
                        Some(&c) if c == close => level -= 1,
                        _ => {}
                    }
                    end += 1;
                    if level == 0 {
                        break;
                    }
                }
                name = &b[start..end - 1];
                i = end;
            }
            _ => {
                let start = i;
                while i < b.len() && (is_alnum(b[i]) || b[i] == b'_') {
                    i += 1;
                }
                name = &b[start..i];
            }
        }
        if name.is_empty() {
            return Prescan::Bad("empty macro name".to_string());
        }
        if !name.iter().all(u8::is_ascii_digit) {
            return Prescan::Bad(format!(
                "non-numeric replacement index \"{}\"",
                String::from_utf8_lossy(name)
            ));
        }
        let digits = {
            let first = name.iter().position(|&d| d != b'0').unwrap_or(name.len());
            &name[first..]
        };
        if digits.len() > 9 {
            return Prescan::Unknown;
        }
        let n: usize = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        if n < 1 {
            return Prescan::Bad(format!(
                "out of range replacement index \"{}\"",
                String::from_utf8_lossy(name)
            ));
        }
        max = max.max(n);
        pieces.push(Piece::Group(n));
    }
    flush(&mut literal, &mut pieces);
    Prescan::Ok(pieces, max)
}

/// What compiling one written pattern gives.
enum Compiled {
    Known(Condition, usize),
    /// Postfix skips the rule (regcomp() or pcre2_compile() fails).
    Invalid(String),
    Unknown(Condition),
}

fn compile(dialect: Dialect, written: &Written) -> Compiled {
    let source = String::from_utf8_lossy(&written.pattern).into_owned();
    let unknown = |why: String| {
        Compiled::Unknown(Condition {
            negated: written.negated,
            source: source.clone(),
            matcher: Matcher::Unknown(why),
        })
    };
    let Ok(text) = std::str::from_utf8(&written.pattern) else {
        return unknown("the pattern splits a character".to_string());
    };
    if text.chars().any(|c| raw_byte(c).is_some()) {
        return unknown("the pattern holds bytes that are not UTF-8, or a NUL".to_string());
    }
    let translated = match dialect {
        Dialect::Regexp => translate::ere(text.as_bytes(), written.flags),
        Dialect::Pcre => translate::pcre(text.as_bytes(), written.flags),
    };
    match translated {
        translate::Outcome::Known {
            rust,
            groups,
            exact_captures,
        } => match build_regex(&rust) {
            Ok(regex) => Compiled::Known(
                Condition {
                    negated: written.negated,
                    source,
                    matcher: Matcher::Known {
                        regex: Box::new(regex),
                        rust,
                        exact_captures,
                    },
                },
                groups,
            ),
            Err(why) => unknown(why),
        },
        translate::Outcome::Invalid(why) => Compiled::Invalid(why),
        translate::Outcome::Unknown(why) => unknown(why),
    }
}

/// The limits a pattern from an untrusted file compiles under; beyond them it is unknown.
const SIZE_LIMIT: usize = 1 << 20;

fn build_regex(rust: &str) -> Result<Regex, String> {
    RegexBuilder::new(rust)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|_| "the pattern is too large to evaluate".to_string())
}

/// The most (match rule, domain) pairs the catch-all rules weigh. Each pair costs a regex
/// match or more: a table of thousands of rules against thousands of domains, which a pull
/// request can write, would take minutes. Real setups are far below it (20 rules against
/// 100k domains); above it the catch-all rules say they could not decide.
pub const CATCH_ALL_PAIRS: usize = 2_000_000;

/// Whether deciding which regexp and pcre rules of virtual_alias_maps are catch-alls, for the
/// domains of the address classes, is more work than [`CATCH_ALL_PAIRS`].
pub fn catch_all_search_too_large(model: &super::Model) -> bool {
    let aliases = model.maps("virtual_alias_maps");
    let rules: usize = model
        .tables
        .pattern_tables_of(&aliases.tables)
        .into_iter()
        .filter_map(|id| model.tables.get(id).patterns())
        .map(|p| {
            p.rules
                .iter()
                .filter(|r| matches!(r.op, Op::Match { .. }))
                .count()
        })
        .sum();
    if rules == 0 {
        return false;
    }
    let mut domains = hashbrown::HashSet::new();
    for kind in super::classes::ClassKind::RESOLVE_ORDER {
        domains.extend(model.class(kind).members(&model.tables).map(|m| m.domain));
    }
    rules.saturating_mul(domains.len().max(1)) > CATCH_ALL_PAIRS
}

impl PatternTable {
    /// Reads a table file. With `whole`, every span is that span (an inline table in main.cf).
    pub fn parse(text: &str, file: FileId, dialect: Dialect, whole: Option<Span>) -> PatternTable {
        let mut table = PatternTable {
            dialect,
            rules: Vec::new(),
            skipped: Vec::new(),
        };
        // The open `if` rules, innermost last.
        let mut open: Vec<u32> = Vec::new();
        for line in logical_lines(text) {
            if line.indented {
                // readllines(): "logical line must not start with whitespace", skipped.
                continue;
            }
            let full = line.text.as_ref();
            let body = full.trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8));
            if body.is_empty() {
                continue;
            }
            let span_of = |range: std::ops::Range<usize>| match whole {
                Some(w) => w,
                None => line.span(file, range),
            };
            let b = body.as_bytes();
            let skip = |table: &mut PatternTable, reason: String| {
                table.skipped.push(SkippedRule {
                    span: span_of(0..b.len()),
                    line: line.line,
                    reason,
                });
            };
            let parent = open.last().copied();
            if body.chars().any(|c| raw_byte(c).is_some()) {
                // A NUL cuts the line where Postfix reads it; other raw bytes are matched as
                // bytes. Either way postlint does not know the rule, nor (if it were an `if`)
                // where the enclosing blocks end.
                for &i in &open {
                    if let Op::If { jump_unknown, .. } = &mut table.rules[i as usize].op {
                        *jump_unknown = true;
                    }
                }
                let condition = Condition {
                    negated: false,
                    source: body.to_string(),
                    matcher: Matcher::Unknown(
                        "the line holds bytes that are not UTF-8, or a NUL".to_string(),
                    ),
                };
                table.rules.push(PatternRule {
                    op: Op::Match {
                        first: condition,
                        second: None,
                        result: Replacement {
                            text: String::new(),
                            pieces: Vec::new(),
                            max_group: 0,
                        },
                    },
                    line: line.line,
                    span: span_of(0..b.len()),
                    written: body.to_string(),
                    parent,
                });
                continue;
            }
            if !is_alnum(b[0]) {
                let mut pos = 0;
                let first = match get_pattern(dialect, b, &mut pos) {
                    Ok(w) => w,
                    Err(why) => {
                        skip(&mut table, format!("{why}: skipping this rule"));
                        continue;
                    }
                };
                let second = if dialect == Dialect::Regexp && b.get(pos) == Some(&b'!') {
                    match get_pattern(dialect, b, &mut pos) {
                        Ok(w) => Some(w),
                        Err(why) => {
                            skip(&mut table, format!("{why}: skipping this rule"));
                            continue;
                        }
                    }
                } else {
                    None
                };
                let pattern_end = pos;
                while pos < b.len() && is_space(b[pos]) {
                    pos += 1;
                }
                let result_text = &body[pos..];
                let (pieces, max_group, prescan_unknown) = match prescan(result_text) {
                    Prescan::Ok(pieces, max) => (pieces, max, false),
                    Prescan::Bad(why) => {
                        skip(
                            &mut table,
                            format!("{why}; bad replacement syntax: skipping this rule"),
                        );
                        continue;
                    }
                    Prescan::Unknown => (Vec::new(), 1, true),
                };
                if max_group > 0 && first.negated {
                    skip(
                        &mut table,
                        "$number found in negative match replacement text: skipping this rule"
                            .to_string(),
                    );
                    continue;
                }
                let first = match compile(dialect, &first) {
                    Compiled::Invalid(why) => {
                        skip(&mut table, why);
                        continue;
                    }
                    Compiled::Known(c, groups) => {
                        if max_group > groups && !prescan_unknown {
                            skip(
                                &mut table,
                                format!(
                                    "out of range replacement index \"{max_group}\": skipping \
                                     this rule"
                                ),
                            );
                            continue;
                        }
                        c
                    }
                    Compiled::Unknown(c) => c,
                };
                let second = match second.as_ref().map(|w| compile(dialect, w)) {
                    None => None,
                    Some(Compiled::Invalid(why)) => {
                        skip(&mut table, why);
                        continue;
                    }
                    Some(Compiled::Known(c, _) | Compiled::Unknown(c)) => Some(c),
                };
                let first = if prescan_unknown {
                    Condition {
                        matcher: Matcher::Unknown(
                            "a replacement index too long to know what Postfix makes of it"
                                .to_string(),
                        ),
                        ..first
                    }
                } else {
                    first
                };
                table.rules.push(PatternRule {
                    op: Op::Match {
                        first,
                        second,
                        result: Replacement {
                            text: result_text.to_string(),
                            pieces,
                            max_group,
                        },
                    },
                    line: line.line,
                    span: span_of(0..pattern_end),
                    written: body[..pattern_end].to_string(),
                    parent,
                });
            } else if b.len() >= 2
                && b[..2].eq_ignore_ascii_case(b"if")
                && !b.get(2).is_some_and(|&c| is_alnum(c))
            {
                let mut pos = 2;
                while pos < b.len() && is_space(b[pos]) {
                    pos += 1;
                }
                let start = pos;
                let written = match get_pattern(dialect, b, &mut pos) {
                    Ok(w) => w,
                    Err(why) => {
                        skip(&mut table, format!("{why}: skipping this rule"));
                        continue;
                    }
                };
                let condition = match compile(dialect, &written) {
                    Compiled::Invalid(why) => {
                        skip(&mut table, why);
                        continue;
                    }
                    Compiled::Known(c, _) => c,
                    Compiled::Unknown(c) => {
                        // Postfix may skip it, and then an `endif` pairs with an outer `if`.
                        for &i in &open {
                            if let Op::If { jump_unknown, .. } = &mut table.rules[i as usize].op {
                                *jump_unknown = true;
                            }
                        }
                        c
                    }
                };
                let index = table.rules.len() as u32;
                table.rules.push(PatternRule {
                    op: Op::If {
                        condition,
                        endif: None,
                        jump_unknown: false,
                    },
                    line: line.line,
                    span: span_of(start..pos),
                    written: body[start..pos].to_string(),
                    parent,
                });
                open.push(index);
            } else if b.len() >= 5
                && b[..5].eq_ignore_ascii_case(b"endif")
                && !b.get(5).is_some_and(|&c| is_alnum(c))
            {
                let Some(if_rule) = open.pop() else {
                    skip(&mut table, "ignoring ENDIF without matching IF".to_string());
                    continue;
                };
                let index = table.rules.len() as u32;
                if let Op::If { endif, .. } = &mut table.rules[if_rule as usize].op {
                    *endif = Some(index);
                }
                table.rules.push(PatternRule {
                    op: Op::Endif,
                    line: line.line,
                    span: span_of(0..5),
                    written: body[..5].to_string(),
                    parent: Some(if_rule),
                });
            } else {
                skip(&mut table, "ignoring unrecognized request".to_string());
            }
        }
        table
    }

    /// Reads the inline form `{ {rule}, {rule} }` (the text between the outer braces), as
    /// dict_inline_to_multiline() does; Err when Postfix refuses it.
    pub fn parse_inline(inner: &str, dialect: Dialect, span: Span) -> Result<PatternTable, String> {
        let mut text = String::new();
        for (_, body) in crate::parse::table_ref::inline_rules(inner)? {
            text.push_str(body);
            text.push('\n');
        }
        Ok(PatternTable::parse(&text, span.file, dialect, Some(span)))
    }

    /// Why some rule cannot be evaluated (the first), if any.
    pub fn unknown_rule(&self) -> Option<(u32, &str)> {
        self.rules.iter().find_map(|r| {
            let why = match &r.op {
                Op::Match { first, second, .. } => first
                    .unknown()
                    .or_else(|| second.as_ref().and_then(|s| s.unknown())),
                Op::If {
                    condition,
                    jump_unknown,
                    ..
                } => condition.unknown().or(jump_unknown.then_some(
                    "an `if` block whose `endif` depends on a rule postlint cannot evaluate",
                )),
                Op::Endif => None,
            };
            why.map(|w| (r.line, w))
        })
    }

    // -----------------------------------------------------------------------------------------
    // Lookups.

    /// Looks a key up as dict_regexp_lookup() and dict_pcre_lookup() do: the rules in order,
    /// `if` blocks skipped when their condition fails, the first match's result with `$number`
    /// substituted. Unknown when a rule postlint cannot evaluate is reached first.
    pub fn lookup(&self, key: &str, substitution: Substitution) -> PatternAnswer<'_> {
        if self.rules.is_empty() {
            return PatternAnswer::NotFound;
        }
        // `^`, `$` and `.` differ around newlines between the dialects and the crate; keys with
        // raw bytes or a NUL are not what Postfix compares.
        if key.contains('\n') || key.chars().any(|c| raw_byte(c).is_some()) {
            return PatternAnswer::Unknown;
        }
        let bytes = key.as_bytes();
        let mut i = 0usize;
        while i < self.rules.len() {
            let rule = &self.rules[i];
            match &rule.op {
                Op::Match {
                    first,
                    second,
                    result,
                } => {
                    if result.max_group > 0 && substitution == Substitution::Skipped {
                        i += 1;
                        continue;
                    }
                    match first.holds(bytes) {
                        None => return PatternAnswer::Unknown,
                        Some(false) => {
                            i += 1;
                            continue;
                        }
                        Some(true) => {}
                    }
                    if let Some(second) = second {
                        match second.holds(bytes) {
                            None => return PatternAnswer::Unknown,
                            Some(false) => {
                                i += 1;
                                continue;
                            }
                            Some(true) => {}
                        }
                    }
                    if result.max_group > 0 && substitution == Substitution::Unknown {
                        // One program that opens the table uses this rule, another skips it.
                        return PatternAnswer::Unknown;
                    }
                    return match substitute(first, result, key) {
                        Some(value) => PatternAnswer::Found {
                            rule: i as u32,
                            value,
                        },
                        None => PatternAnswer::Unknown,
                    };
                }
                Op::If {
                    condition,
                    endif,
                    jump_unknown,
                } => match condition.holds(bytes) {
                    None => return PatternAnswer::Unknown,
                    Some(true) => i += 1,
                    Some(false) => match endif {
                        _ if *jump_unknown => return PatternAnswer::Unknown,
                        Some(e) => i = *e as usize + 1,
                        None => return PatternAnswer::NotFound,
                    },
                },
                Op::Endif => i += 1,
            }
        }
        PatternAnswer::NotFound
    }

    /// The result of match rule `rule` for a key it matched (None when unknown).
    pub fn value_of(&self, rule: u32, key: &str) -> Option<Cow<'_, str>> {
        match &self.rules.get(rule as usize)?.op {
            Op::Match { first, result, .. } => substitute(first, result, key),
            _ => None,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Catch-alls.

    /// The domain names written in a match rule's pattern (`example.com` in
    /// `/^(.*)@example\.com$/`), lowercase: the domains whose addresses it may be meant for.
    pub fn literal_domains(&self, rule: u32) -> Vec<String> {
        let Some(PatternRule {
            op: Op::Match { first, .. },
            ..
        }) = self.rules.get(rule as usize)
        else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        let mut run = String::new();
        let mut chars = first.source.chars().peekable();
        let flush = |run: &mut String, out: &mut Vec<String>| {
            let name = run.trim_matches(['-', '.']).to_ascii_lowercase();
            if name.contains('.')
                && !name.contains("..")
                && name.bytes().any(|b| b.is_ascii_alphabetic())
                && !out.contains(&name)
            {
                out.push(name);
            }
            run.clear();
        };
        while let Some(c) = chars.next() {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                run.push(c);
            } else if c == '\\' && chars.peek() == Some(&'.') {
                chars.next();
                run.push('.');
            } else {
                flush(&mut run, &mut out);
            }
        }
        flush(&mut run, &mut out);
        out
    }

    /// For a match rule, the domains (of `domains`, lowercase) every address of which it
    /// matches: every local part of letters, digits, dots, hyphens, underscores and plus
    /// signs, with the rule's enclosing `if` conditions holding for all of them too. False for
    /// any domain where postlint is unsure.
    pub fn matches_every_address(&self, rule: u32, domains: &[&str]) -> Vec<bool> {
        let mut verdict = vec![false; domains.len()];
        let Some(r) = self.rules.get(rule as usize) else {
            return verdict;
        };
        let Op::Match { first, second, .. } = &r.op else {
            return verdict;
        };
        // Every condition on the way, with whether it must hold for all addresses (a positive
        // pattern) or for none (a negated one).
        let mut conditions: Vec<&Condition> = vec![first];
        conditions.extend(second.as_ref());
        let mut parent = r.parent;
        while let Some(p) = parent {
            let Some(rule) = self.rules.get(p as usize) else {
                return verdict;
            };
            let Op::If { condition, .. } = &rule.op else {
                return verdict;
            };
            conditions.push(condition);
            parent = rule.parent;
        }
        // A few addresses first, with the compiled patterns: most rules fail one of them, and
        // only the rest are worth walking a DFA for.
        let mut address = String::new();
        for (v, domain) in verdict.iter_mut().zip(domains) {
            *v = ["x", "postmaster", "a.b-c_d+e", "Z9"].iter().all(|local| {
                address.clear();
                address.push_str(local);
                address.push('@');
                address.push_str(domain);
                conditions
                    .iter()
                    .all(|c| c.holds(address.as_bytes()) == Some(true))
            });
        }
        if !verdict.contains(&true) {
            return verdict;
        }
        for condition in conditions {
            let Matcher::Known { rust, .. } = &condition.matcher else {
                return vec![false; domains.len()];
            };
            let open: Vec<&str> = domains
                .iter()
                .zip(&verdict)
                .filter(|(_, v)| **v)
                .map(|(d, _)| *d)
                .collect();
            let holds = catch_all::every_address(rust, !condition.negated, &open);
            let mut holds = holds.into_iter();
            for v in verdict.iter_mut().filter(|v| **v) {
                *v = holds.next().unwrap_or(false);
            }
        }
        verdict
    }
}

/// The result of a rule for a key its first pattern matched; None when it cannot be known.
fn substitute<'t>(first: &Condition, result: &'t Replacement, key: &str) -> Option<Cow<'t, str>> {
    if result.max_group == 0 {
        return Some(match result.pieces.as_slice() {
            [] => Cow::Borrowed(""),
            [Piece::Text(t)] => Cow::Borrowed(t.as_str()),
            pieces => Cow::Owned(
                pieces
                    .iter()
                    .filter_map(|p| match p {
                        Piece::Text(t) => Some(t.as_str()),
                        Piece::Group(_) => None,
                    })
                    .collect(),
            ),
        });
    }
    let Matcher::Known {
        regex,
        exact_captures: true,
        ..
    } = &first.matcher
    else {
        return None;
    };
    let mut locations: CaptureLocations = regex.capture_locations();
    regex.captures_read(&mut locations, key.as_bytes())?;
    let mut out: Vec<u8> = Vec::with_capacity(result.text.len() + key.len());
    for piece in &result.pieces {
        match piece {
            Piece::Text(t) => out.extend_from_slice(t.as_bytes()),
            // An empty or unmatched group adds nothing (MAC_PARSE_UNDEF).
            Piece::Group(n) => {
                if let Some((s, e)) = locations.get(*n) {
                    out.extend_from_slice(&key.as_bytes()[s..e]);
                }
            }
        }
    }
    // A group that cuts a character in two gives a value Postfix's UTF-8 check refuses.
    String::from_utf8(out).ok().map(Cow::Owned)
}

// ---------------------------------------------------------------------------------------------
// From Postfix's regular expressions to the crate's.

mod translate {
    //! A small parser for each dialect, into one tree, written back in the crate's syntax with
    //! every literal byte escaped. Whatever is not certain to mean the same is `Unknown`; what
    //! glibc or PCRE2 refuse (as measured with Postfix 3.7.11 on Debian bookworm) is `Invalid`.

    use super::Flags;

    pub enum Outcome {
        Known {
            rust: String,
            groups: usize,
            exact_captures: bool,
        },
        Invalid(String),
        Unknown(String),
    }

    enum Fail {
        Invalid(String),
        Unknown(String),
    }

    type Parsed<T> = Result<T, Fail>;

    fn unknown<T>(why: &str) -> Parsed<T> {
        Err(Fail::Unknown(why.to_string()))
    }

    fn invalid<T>(why: &str) -> Parsed<T> {
        Err(Fail::Invalid(why.to_string()))
    }

    #[derive(Clone, Debug)]
    enum Item {
        Byte(u8),
        Range(u8, u8),
        /// A POSIX class name (`alpha`), negated or not.
        Posix(&'static str, bool),
        /// `\d`, `\w`, `\s` and their negations, in the crate's syntax.
        Perl(&'static str),
    }

    #[derive(Clone, Debug)]
    enum Node {
        Empty,
        Byte(u8),
        /// `.`; true when it matches a newline too.
        Any(bool),
        Class(bool, Vec<Item>),
        Start,
        End,
        /// `\b`, `\B`, `\<`, `\>`, `\A`, `\z` in the crate's syntax.
        Look(&'static str),
        Perl(&'static str),
        Group(Box<Node>),
        NonCapture(Box<Node>),
        /// `(?i)`, `(?-i:...)`: flags in the crate's syntax, and the scoped node if any.
        Flags(String, Option<Box<Node>>),
        Concat(Vec<Node>),
        Alt(Vec<Node>),
        Repeat {
            node: Box<Node>,
            min: u32,
            max: Option<u32>,
            greedy: bool,
        },
    }

    const POSIX_CLASSES: &[&str] = &[
        "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space",
        "upper", "xdigit",
    ];

    /// Counts beyond this make the compiled pattern large: unknown rather than slow.
    const MAX_COUNT: u32 = 1000;

    fn is_meta_free(b: u8) -> bool {
        b.is_ascii_alphanumeric()
    }

    fn byte(out: &mut String, b: u8) {
        if is_meta_free(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }

    fn emit(node: &Node, out: &mut String) {
        match node {
            Node::Empty => {}
            Node::Byte(b) => byte(out, *b),
            Node::Any(true) => out.push_str("(?s:.)"),
            Node::Any(false) => out.push_str("(?-s:.)"),
            Node::Class(negated, items) => {
                out.push('[');
                if *negated {
                    out.push('^');
                }
                for item in items {
                    match item {
                        Item::Byte(b) => byte(out, *b),
                        Item::Range(a, b) => {
                            byte(out, *a);
                            out.push('-');
                            byte(out, *b);
                        }
                        Item::Posix(name, false) => out.push_str(&format!("[:{name}:]")),
                        Item::Posix(name, true) => out.push_str(&format!("[:^{name}:]")),
                        Item::Perl(p) => out.push_str(p),
                    }
                }
                out.push(']');
            }
            Node::Start => out.push('^'),
            Node::End => out.push('$'),
            Node::Look(l) | Node::Perl(l) => out.push_str(l),
            Node::Group(n) => {
                out.push('(');
                emit(n, out);
                out.push(')');
            }
            Node::NonCapture(n) => {
                out.push_str("(?:");
                emit(n, out);
                out.push(')');
            }
            Node::Flags(flags, None) => out.push_str(&format!("(?{flags})")),
            Node::Flags(flags, Some(n)) => {
                out.push_str(&format!("(?{flags}:"));
                emit(n, out);
                out.push(')');
            }
            Node::Concat(nodes) => nodes.iter().for_each(|n| emit(n, out)),
            Node::Alt(nodes) => {
                for (i, n) in nodes.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    emit(n, out);
                }
            }
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => {
                out.push_str("(?:");
                emit(node, out);
                out.push(')');
                match (min, max) {
                    (0, None) => out.push('*'),
                    (1, None) => out.push('+'),
                    (0, Some(1)) => out.push('?'),
                    (m, None) => out.push_str(&format!("{{{m},}}")),
                    (m, Some(n)) if m == n => out.push_str(&format!("{{{m}}}")),
                    (m, Some(n)) => out.push_str(&format!("{{{m},{n}}}")),
                }
                if !greedy {
                    out.push('?');
                }
            }
        }
    }

    /// Whether a capture group sits under a repetition somewhere.
    fn group_under_repeat(node: &Node, repeated: bool) -> bool {
        match node {
            Node::Group(n) => repeated || group_under_repeat(n, repeated),
            Node::NonCapture(n) | Node::Flags(_, Some(n)) => group_under_repeat(n, repeated),
            Node::Concat(ns) | Node::Alt(ns) => ns.iter().any(|n| group_under_repeat(n, repeated)),
            Node::Repeat { node, .. } => group_under_repeat(node, true),
            _ => false,
        }
    }

    fn assertion_under_repeat(node: &Node, repeated: bool) -> bool {
        match node {
            Node::Start | Node::End | Node::Look(_) => repeated,
            Node::Group(n) | Node::NonCapture(n) | Node::Flags(_, Some(n)) => {
                assertion_under_repeat(n, repeated)
            }
            Node::Concat(ns) | Node::Alt(ns) => {
                ns.iter().any(|n| assertion_under_repeat(n, repeated))
            }
            Node::Repeat { node, .. } => assertion_under_repeat(node, true),
            _ => false,
        }
    }

    fn can_be_empty(node: &Node) -> bool {
        match node {
            Node::Empty | Node::Start | Node::End | Node::Look(_) | Node::Flags(_, None) => true,
            Node::Byte(_) | Node::Any(_) | Node::Class(..) | Node::Perl(_) => false,
            Node::Group(n) | Node::NonCapture(n) | Node::Flags(_, Some(n)) => can_be_empty(n),
            Node::Concat(ns) => ns.iter().all(can_be_empty),
            Node::Alt(ns) => ns.iter().any(can_be_empty),
            Node::Repeat { node, min, .. } => *min == 0 || can_be_empty(node),
        }
    }

    fn has_group(node: &Node) -> bool {
        match node {
            Node::Group(_) => true,
            Node::NonCapture(n) | Node::Flags(_, Some(n)) => has_group(n),
            Node::Concat(ns) | Node::Alt(ns) => ns.iter().any(has_group),
            Node::Repeat { node, .. } => has_group(node),
            _ => false,
        }
    }

    /// A repetition of something that can match the empty string, with a group inside.
    fn empty_repeat_with_group(node: &Node) -> bool {
        match node {
            Node::Repeat { node, .. } => {
                (can_be_empty(node) && has_group(node)) || empty_repeat_with_group(node)
            }
            Node::Group(n) | Node::NonCapture(n) | Node::Flags(_, Some(n)) => {
                empty_repeat_with_group(n)
            }
            Node::Concat(ns) | Node::Alt(ns) => ns.iter().any(empty_repeat_with_group),
            _ => false,
        }
    }

    /// POSIX picks the longest of the leftmost matches, the crate the first by priority; where
    /// the match must run to the end of the key (a final `$`) both have the same span, and
    /// glibc then fills the groups by the same priorities (the first alternative that works,
    /// greedy repetition), except for groups inside a repetition (measured with postmap).
    fn ere_captures_agree(node: &Node) -> bool {
        let ends_anchored = match node {
            Node::End => true,
            Node::Concat(ns) => matches!(ns.last(), Some(Node::End)),
            _ => false,
        };
        ends_anchored && !group_under_repeat(node, false)
    }

    fn finish(node: Node, groups: usize, prefix: &str, exact_captures: bool) -> Outcome {
        let mut rust = String::from(prefix);
        rust.push_str("(?:");
        emit(&node, &mut rust);
        rust.push(')');
        Outcome::Known {
            rust,
            groups,
            exact_captures,
        }
    }

    fn outcome(result: Parsed<Outcome>) -> Outcome {
        match result {
            Ok(o) => o,
            Err(Fail::Invalid(why)) => Outcome::Invalid(why),
            Err(Fail::Unknown(why)) => Outcome::Unknown(why),
        }
    }

    // -----------------------------------------------------------------------------------------
    // POSIX extended regular expressions as glibc's regcomp() reads them (C locale).

    /// What the two pattern grammars share: alternatives of concatenations.
    trait Grammar {
        fn peek(&self) -> Option<u8>;
        fn advance(&mut self);
        fn concat(&mut self, depth: usize) -> Parsed<Node>;

        fn alt(&mut self, depth: usize) -> Parsed<Node> {
            if depth > 50 {
                return unknown("groups nest too deeply");
            }
            let mut branches = vec![self.concat(depth)?];
            while self.peek() == Some(b'|') {
                self.advance();
                branches.push(self.concat(depth)?);
            }
            Ok(if branches.len() == 1 {
                branches.pop().unwrap_or(Node::Empty)
            } else {
                Node::Alt(branches)
            })
        }
    }

    struct Ere<'a> {
        b: &'a [u8],
        pos: usize,
        groups: usize,
        flags: Flags,
    }

    pub fn ere(pattern: &[u8], flags: Flags) -> Outcome {
        if !flags.extended {
            return Outcome::Unknown(
                "a basic regular expression (the x flag) is not evaluated".to_string(),
            );
        }
        let mut p = Ere {
            b: pattern,
            pos: 0,
            groups: 0,
            flags,
        };
        outcome((|| {
            let node = p.alt(0)?;
            if p.pos < p.b.len() {
                return unknown("unexpected text in the pattern");
            }
            if assertion_under_repeat(&node, false) {
                // glibc lets `(\ba){2}` match "aa".
                return unknown("an anchor or word boundary inside a repetition");
            }
            let exact = ere_captures_agree(&node);
            let prefix = if flags.caseless { "(?i)" } else { "" };
            Ok(finish(node, p.groups, prefix, exact))
        })())
    }

    impl Grammar for Ere<'_> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.pos).copied()
        }

        fn advance(&mut self) {
            self.pos += 1;
        }

        fn concat(&mut self, depth: usize) -> Parsed<Node> {
            Ere::concat(self, depth)
        }
    }

    impl Ere<'_> {
        fn concat(&mut self, depth: usize) -> Parsed<Node> {
            let mut items: Vec<Node> = Vec::new();
            while let Some(c) = self.peek() {
                match c {
                    b'|' => break,
                    b')' if depth > 0 => break,
                    b'*' | b'+' | b'?' | b'{' => {
                        let (min, max) = match c {
                            b'*' => (0, None),
                            b'+' => (1, None),
                            b'?' => (0, Some(1)),
                            _ => {
                                if items.is_empty() || matches!(items.last(), Some(Node::Start)) {
                                    return invalid("Invalid preceding regular expression");
                                }
                                self.interval()?
                            }
                        };
                        if c != b'{' {
                            self.pos += 1;
                        }
                        let Some(last) = items.pop() else {
                            return invalid("Invalid preceding regular expression");
                        };
                        if matches!(last, Node::Start | Node::End | Node::Look(_)) {
                            return invalid("Invalid preceding regular expression");
                        }
                        items.push(Node::Repeat {
                            node: Box::new(last),
                            min,
                            max,
                            greedy: true,
                        });
                    }
                    b'(' => {
                        self.pos += 1;
                        self.groups += 1;
                        let inner = self.alt(depth + 1)?;
                        if self.peek() != Some(b')') {
                            return invalid("Unmatched ( or \\(");
                        }
                        self.pos += 1;
                        items.push(Node::Group(Box::new(inner)));
                    }
                    b'[' => {
                        self.pos += 1;
                        items.push(self.bracket()?);
                    }
                    b'.' => {
                        self.pos += 1;
                        items.push(Node::Any(!self.flags.multiline));
                    }
                    b'^' => {
                        self.pos += 1;
                        items.push(Node::Start);
                    }
                    b'$' => {
                        self.pos += 1;
                        items.push(Node::End);
                    }
                    b'\\' => {
                        self.pos += 1;
                        let Some(e) = self.peek() else {
                            return invalid("Trailing backslash");
                        };
                        self.pos += 1;
                        items.push(match e {
                            b'w' => Node::Perl(r"[0-9A-Za-z_]"),
                            b'W' => Node::Perl(r"[^0-9A-Za-z_]"),
                            b's' => Node::Perl(r"[\t\n\x0B\x0C\r ]"),
                            b'S' => Node::Perl(r"[^\t\n\x0B\x0C\r ]"),
                            b'b' => Node::Look(r"\b"),
                            b'B' => Node::Look(r"\B"),
                            b'<' => Node::Look(r"\<"),
                            b'>' => Node::Look(r"\>"),
                            b'1'..=b'9' => return unknown("a backreference"),
                            e if e.is_ascii_alphanumeric()
                                || e >= 0x80
                                || e == b'`'
                                || e == b'\'' =>
                            {
                                return unknown("a GNU escape postlint does not know");
                            }
                            e => Node::Byte(e),
                        });
                    }
                    c => {
                        self.pos += 1;
                        items.push(Node::Byte(c));
                    }
                }
            }
            Ok(match items.len() {
                0 => Node::Empty,
                1 => items.pop().unwrap_or(Node::Empty),
                _ => Node::Concat(items),
            })
        }

        /// `{m}`, `{m,}`, `{m,n}`, `{,n}` after the `{`.
        fn interval(&mut self) -> Parsed<(u32, Option<u32>)> {
            self.pos += 1;
            let number = |p: &mut Self| -> Option<u32> {
                let start = p.pos;
                while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                    p.pos += 1;
                }
                if p.pos == start {
                    return None;
                }
                let digits = std::str::from_utf8(&p.b[start..p.pos]).ok()?;
                Some(digits.parse::<u32>().unwrap_or(u32::MAX))
            };
            let min = number(self);
            let comma = self.peek() == Some(b',');
            let max = if comma {
                self.pos += 1;
                number(self)
            } else {
                min
            };
            match self.peek() {
                Some(b'}') => self.pos += 1,
                None => return invalid("Unmatched \\{"),
                Some(_) => {
                    if self.b[self.pos..].contains(&b'}') {
                        return invalid("Invalid content of \\{\\}");
                    }
                    return invalid("Unmatched \\{");
                }
            }
            let (min, max) = match (min, max, comma) {
                (None, None, false) => return invalid("Invalid content of \\{\\}"),
                (None, Some(n), true) => (0, Some(n)),
                (Some(m), None, true) => (m, None),
                (Some(m), Some(n), _) => (m, Some(n)),
                _ => return unknown("an unusual interval"),
            };
            if max.is_some_and(|n| n < min) {
                return invalid("Invalid content of \\{\\}");
            }
            if min > MAX_COUNT || max.is_some_and(|n| n > MAX_COUNT) {
                return unknown("a repetition count too large to evaluate");
            }
            Ok((min, max))
        }

        /// A bracket expression after its `[`; `\` is an ordinary character in it.
        fn bracket(&mut self) -> Parsed<Node> {
            let mut negated = false;
            if self.peek() == Some(b'^') {
                negated = true;
                self.pos += 1;
            }
            let mut items: Vec<Item> = Vec::new();
            let mut first = true;
            loop {
                let Some(c) = self.peek() else {
                    return invalid("Unmatched [, [^, [:, [., or [=");
                };
                if c == b']' && !first {
                    self.pos += 1;
                    break;
                }
                first = false;
                if c >= 0x80 {
                    return unknown("a character beyond ASCII in a bracket expression");
                }
                if c == b'[' {
                    match self.b.get(self.pos + 1) {
                        Some(b':') => {
                            let rest = &self.b[self.pos + 2..];
                            let Some(end) = rest.windows(2).position(|w| w == b":]") else {
                                return invalid("Unmatched [, [^, [:, [., or [=");
                            };
                            let name = std::str::from_utf8(&rest[..end]).unwrap_or("");
                            let Some(&known) = POSIX_CLASSES.iter().find(|&&n| n == name) else {
                                return invalid("Invalid character class name");
                            };
                            self.pos += 2 + end + 2;
                            if self.peek() == Some(b'-') && self.b.get(self.pos + 1) != Some(&b']')
                            {
                                return invalid("Invalid range end");
                            }
                            items.push(Item::Posix(known, false));
                            continue;
                        }
                        Some(b'.' | b'=') => {
                            return unknown("a collating element or equivalence class");
                        }
                        _ => {}
                    }
                }
                self.pos += 1;
                // A range `c-d`, unless the `-` ends the expression.
                if self.peek() == Some(b'-') && self.b.get(self.pos + 1).is_some_and(|&n| n != b']')
                {
                    let end = self.b[self.pos + 1];
                    if end == b'[' {
                        return unknown("a range that ends in a bracketed element");
                    }
                    if end >= 0x80 {
                        return unknown("a character beyond ASCII in a bracket expression");
                    }
                    if c == b'-' && items.is_empty() {
                        return unknown("a range that starts with `-`");
                    }
                    if end < c {
                        return invalid("Invalid range end");
                    }
                    self.pos += 2;
                    if self.peek() == Some(b'-') && self.b.get(self.pos + 1) != Some(&b']') {
                        return invalid("Invalid range end");
                    }
                    items.push(Item::Range(c, end));
                } else {
                    items.push(Item::Byte(c));
                }
            }
            Ok(Node::Class(negated, items))
        }
    }

    // -----------------------------------------------------------------------------------------
    // PCRE2 (10.42, 8-bit, no UTF) as dict_pcre.c compiles it.

    struct Pcre<'a> {
        b: &'a [u8],
        pos: usize,
        groups: usize,
        flags: Flags,
    }

    pub fn pcre(pattern: &[u8], flags: Flags) -> Outcome {
        let mut p = Pcre {
            b: pattern,
            pos: 0,
            groups: 0,
            flags,
        };
        outcome((|| {
            let node = p.alt(0)?;
            if p.pos < p.b.len() {
                return unknown("an unmatched `)`");
            }
            // The crate's captures follow the same leftmost-first priorities as PCRE's
            // backtracking (tests/oracle_patterns.rs compares them with postmap), except where a
            // repeated group can match the empty string: PCRE keeps the empty last iteration.
            let exact = !empty_repeat_with_group(&node);
            let mut prefix = String::new();
            if flags.caseless {
                prefix.push_str("(?i)");
            }
            if flags.anchored {
                prefix.push_str(r"\A");
            }
            Ok(finish(node, p.groups, &prefix, exact))
        })())
    }

    impl Grammar for Pcre<'_> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.pos).copied()
        }

        fn advance(&mut self) {
            self.pos += 1;
        }

        fn concat(&mut self, depth: usize) -> Parsed<Node> {
            Pcre::concat(self, depth)
        }
    }

    impl Pcre<'_> {
        /// Whitespace and `#` comments of the x flag.
        fn skip_extended(&mut self) {
            if !self.flags.extended {
                return;
            }
            while let Some(c) = self.peek() {
                if matches!(c, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
                    self.pos += 1;
                } else if c == b'#' {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                } else {
                    break;
                }
            }
        }

        fn concat(&mut self, depth: usize) -> Parsed<Node> {
            let mut items: Vec<Node> = Vec::new();
            loop {
                self.skip_extended();
                let Some(c) = self.peek() else { break };
                match c {
                    b'|' => break,
                    b')' if depth > 0 => break,
                    b')' => return invalid("unmatched closing parenthesis"),
                    b'*' | b'+' | b'?' | b'{' => {
                        let (min, max) = match c {
                            b'*' => (0, None),
                            b'+' => (1, None),
                            b'?' => (0, Some(1)),
                            _ => match self.interval()? {
                                Some(q) => q,
                                None => {
                                    // Not a quantifier: a literal `{`.
                                    self.pos += 1;
                                    items.push(Node::Byte(b'{'));
                                    continue;
                                }
                            },
                        };
                        if c != b'{' {
                            self.pos += 1;
                        }
                        let mut greedy = true;
                        match self.peek() {
                            Some(b'?') => {
                                greedy = false;
                                self.pos += 1;
                            }
                            Some(b'+') => return unknown("a possessive quantifier"),
                            _ => {}
                        }
                        if self.flags.ungreedy {
                            greedy = !greedy;
                        }
                        match items.pop() {
                            None
                            | Some(Node::Start | Node::End | Node::Look(_) | Node::Repeat { .. }) => {
                                return invalid("quantifier does not follow a repeatable item")
                            }
                            Some(Node::Empty | Node::Flags(_, None)) => {
                                return unknown("a quantifier after a comment or an option")
                            }
                            Some(last) => items.push(Node::Repeat {
                                node: Box::new(last),
                                min,
                                max,
                                greedy,
                            }),
                        }
                    }
                    b'(' => {
                        self.pos += 1;
                        items.push(self.group(depth)?);
                    }
                    b'[' => {
                        self.pos += 1;
                        items.push(self.class()?);
                    }
                    b'.' => {
                        self.pos += 1;
                        items.push(Node::Any(self.flags.dotall));
                    }
                    b'^' => {
                        self.pos += 1;
                        items.push(Node::Start);
                    }
                    b'$' => {
                        self.pos += 1;
                        items.push(Node::End);
                    }
                    b'\\' => {
                        self.pos += 1;
                        items.push(self.escape()?);
                    }
                    c => {
                        self.pos += 1;
                        items.push(Node::Byte(c));
                    }
                }
            }
            Ok(match items.len() {
                0 => Node::Empty,
                1 => items.pop().unwrap_or(Node::Empty),
                _ => Node::Concat(items),
            })
        }

        /// After `(`.
        fn group(&mut self, depth: usize) -> Parsed<Node> {
            let close = |p: &mut Self, node: Node| -> Parsed<Node> {
                if p.peek() != Some(b')') {
                    return invalid("missing closing parenthesis");
                }
                p.pos += 1;
                Ok(node)
            };
            if self.peek() != Some(b'?') {
                if self.peek() == Some(b'*') {
                    return unknown("a backtracking verb");
                }
                self.groups += 1;
                let inner = self.alt(depth + 1)?;
                return close(self, Node::Group(Box::new(inner)));
            }
            self.pos += 1;
            match self.peek() {
                Some(b':') => {
                    self.pos += 1;
                    let inner = self.alt(depth + 1)?;
                    close(self, Node::NonCapture(Box::new(inner)))
                }
                Some(b'#') => {
                    while self.peek().is_some_and(|c| c != b')') {
                        self.pos += 1;
                    }
                    close(self, Node::Empty)
                }
                Some(b'<')
                    if self
                        .b
                        .get(self.pos + 1)
                        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') =>
                {
                    self.named_group(b'>', depth)
                }
                Some(b'P') if self.b.get(self.pos + 1) == Some(&b'<') => {
                    self.pos += 1;
                    self.named_group(b'>', depth)
                }
                Some(b'\'') => self.named_group(b'\'', depth),
                _ => {
                    // Option letters: (?i) (?-i) (?i-s) (?i:...)
                    let start = self.pos;
                    while self
                        .peek()
                        .is_some_and(|c| matches!(c, b'i' | b'm' | b's' | b'-'))
                    {
                        self.pos += 1;
                    }
                    let letters = &self.b[start..self.pos];
                    if letters.is_empty() || letters.ends_with(b"-") && letters.len() == 1 {
                        return unknown("a group kind postlint does not evaluate");
                    }
                    if letters.iter().filter(|&&c| c == b'-').count() > 1 {
                        return unknown("a group kind postlint does not evaluate");
                    }
                    let flags = String::from_utf8_lossy(letters).into_owned();
                    match self.peek() {
                        Some(b')') => {
                            self.pos += 1;
                            if letters.contains(&b's') {
                                // The crate's `.` would follow it; keep it simple.
                                return unknown("an inline s option");
                            }
                            Ok(Node::Flags(flags, None))
                        }
                        Some(b':') => {
                            self.pos += 1;
                            if letters.contains(&b's') {
                                return unknown("an inline s option");
                            }
                            let inner = self.alt(depth + 1)?;
                            close(self, Node::Flags(flags, Some(Box::new(inner))))
                        }
                        _ => unknown("a group kind postlint does not evaluate"),
                    }
                }
            }
        }

        /// A named group after `(?<`, `(?P<` or `(?'`: a numbered group like any other.
        fn named_group(&mut self, end: u8, depth: usize) -> Parsed<Node> {
            self.pos += 1;
            let start = self.pos;
            while self
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            {
                self.pos += 1;
            }
            if self.pos == start || self.peek() != Some(end) {
                return unknown("a group name postlint does not read");
            }
            self.pos += 1;
            self.groups += 1;
            let inner = self.alt(depth + 1)?;
            if self.peek() != Some(b')') {
                return invalid("missing closing parenthesis");
            }
            self.pos += 1;
            Ok(Node::Group(Box::new(inner)))
        }

        /// `{n}`, `{n,}`, `{n,m}` at `{`; None (nothing consumed) when it is a literal `{`.
        fn interval(&mut self) -> Parsed<Option<(u32, Option<u32>)>> {
            let rest = &self.b[self.pos + 1..];
            let Some(close) = rest.iter().position(|&c| c == b'}') else {
                return Ok(None);
            };
            let inside = &rest[..close];
            if inside.is_empty() || !inside.iter().all(|&c| c.is_ascii_digit() || c == b',') {
                if inside
                    .first()
                    .is_some_and(|c| c.is_ascii_digit() || *c == b',')
                {
                    return unknown("an interval postlint does not read");
                }
                return Ok(None);
            }
            let text = std::str::from_utf8(inside).unwrap_or("");
            let parse = |s: &str| s.parse::<u32>().ok();
            let (min, max) = match text.split_once(',') {
                None => match parse(text) {
                    Some(n) => (n, Some(n)),
                    None => return unknown("an interval postlint does not read"),
                },
                Some((m, n)) => {
                    if m.is_empty() || n.contains(',') {
                        return unknown("an interval postlint does not read");
                    }
                    let Some(m) = parse(m) else {
                        return unknown("an interval postlint does not read");
                    };
                    if n.is_empty() {
                        (m, None)
                    } else {
                        match parse(n) {
                            Some(n) if n >= m => (m, Some(n)),
                            Some(_) => return invalid("numbers out of order in {} quantifier"),
                            None => return unknown("an interval postlint does not read"),
                        }
                    }
                }
            };
            if min > MAX_COUNT || max.is_some_and(|n| n > MAX_COUNT) {
                return unknown("a repetition count too large to evaluate");
            }
            self.pos += 1 + close + 1;
            Ok(Some((min, max)))
        }

        /// An escape outside a class, after the `\`.
        fn escape(&mut self) -> Parsed<Node> {
            let Some(e) = self.peek() else {
                return unknown("a trailing backslash");
            };
            self.pos += 1;
            Ok(match e {
                b'd' => Node::Perl(r"[0-9]"),
                b'D' => Node::Perl(r"[^0-9]"),
                b'w' => Node::Perl(r"[0-9A-Za-z_]"),
                b'W' => Node::Perl(r"[^0-9A-Za-z_]"),
                b's' => Node::Perl(r"[\t\n\x0B\x0C\r ]"),
                b'S' => Node::Perl(r"[^\t\n\x0B\x0C\r ]"),
                b'b' => Node::Look(r"\b"),
                b'B' => Node::Look(r"\B"),
                b'A' => Node::Look(r"\A"),
                // Keys with a newline are unknown, so `\Z` is the end.
                b'z' | b'Z' => Node::Look(r"\z"),
                b'x' => Node::Byte(self.hex()?),
                e => match simple_escape(e) {
                    Some(b) => Node::Byte(b),
                    None if e.is_ascii_alphanumeric() || e >= 0x80 => {
                        return unknown("an escape postlint does not evaluate");
                    }
                    None => Node::Byte(e),
                },
            })
        }

        /// After `\x`: up to two hex digits, or `{hh}`.
        fn hex(&mut self) -> Parsed<u8> {
            let digits: &[u8];
            if self.peek() == Some(b'{') {
                let rest = &self.b[self.pos + 1..];
                let Some(close) = rest.iter().position(|&c| c == b'}') else {
                    return unknown("an escape postlint does not evaluate");
                };
                digits = &rest[..close];
                self.pos += close + 2;
            } else {
                let start = self.pos;
                while self.pos < start + 2 && self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                digits = &self.b[start..self.pos];
            }
            let text = std::str::from_utf8(digits).unwrap_or("");
            match u32::from_str_radix(text, 16) {
                Ok(v) if (1..=0xFF).contains(&v) => Ok(v as u8),
                _ => unknown("an escape postlint does not evaluate"),
            }
        }

        /// One element of a class at byte `c`: a byte (which may start a range) or a set.
        fn class_element(&mut self, c: u8) -> Parsed<Result<u8, Item>> {
            Ok(match c {
                b'[' if self.b.get(self.pos + 1) == Some(&b':') => {
                    let rest = &self.b[self.pos + 2..];
                    let Some(end) = rest.windows(2).position(|w| w == b":]") else {
                        return unknown("a POSIX class postlint does not read");
                    };
                    let (negate, name) = match rest[..end].strip_prefix(b"^") {
                        Some(n) => (true, n),
                        None => (false, &rest[..end]),
                    };
                    let name = std::str::from_utf8(name).unwrap_or("");
                    let Some(&known) = POSIX_CLASSES.iter().find(|&&n| n == name) else {
                        if name.bytes().all(|c| c.is_ascii_lowercase()) {
                            return invalid("unknown POSIX class name");
                        }
                        return unknown("a POSIX class postlint does not read");
                    };
                    self.pos += 2 + end + 2;
                    Err(Item::Posix(known, negate))
                }
                b'[' if matches!(self.b.get(self.pos + 1), Some(b'.' | b'=')) => {
                    return unknown("a collating element");
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return invalid("missing terminating ] for character class");
                    };
                    self.pos += 1;
                    match e {
                        b'd' => Err(Item::Perl(r"0-9")),
                        b'w' => Err(Item::Perl(r"0-9A-Za-z_")),
                        b's' => Err(Item::Perl(r"\t\n\x0B\x0C\r ")),
                        b'D' | b'W' | b'S' => {
                            return unknown("a negated class escape inside a class")
                        }
                        b'b' => Ok(8),
                        b'x' => Ok(self.hex()?),
                        e => match simple_escape(e) {
                            Some(b) => Ok(b),
                            None if e.is_ascii_alphanumeric() || e >= 0x80 => {
                                return unknown("an escape postlint does not evaluate");
                            }
                            None => Ok(e),
                        },
                    }
                }
                c if c >= 0x80 => {
                    return unknown("a character beyond ASCII in a class");
                }
                c => {
                    self.pos += 1;
                    Ok(c)
                }
            })
        }

        /// A class after its `[`.
        fn class(&mut self) -> Parsed<Node> {
            let mut negated = false;
            if self.peek() == Some(b'^') {
                negated = true;
                self.pos += 1;
            }
            let mut items: Vec<Item> = Vec::new();
            let mut first = true;
            loop {
                let Some(c) = self.peek() else {
                    return invalid("missing terminating ] for character class");
                };
                if c == b']' && !first {
                    self.pos += 1;
                    break;
                }
                first = false;
                let element = self.class_element(c)?;
                let start = match element {
                    Err(item) => {
                        if self.peek() == Some(b'-')
                            && self.b.get(self.pos + 1).is_some_and(|&n| n != b']')
                        {
                            return unknown("a range next to a class");
                        }
                        items.push(item);
                        continue;
                    }
                    Ok(b) => b,
                };
                if self.peek() == Some(b'-') && self.b.get(self.pos + 1).is_some_and(|&n| n != b']')
                {
                    self.pos += 1;
                    let Some(c) = self.peek() else {
                        return invalid("missing terminating ] for character class");
                    };
                    let end = match self.class_element(c)? {
                        Ok(end) => end,
                        Err(_) => return unknown("a range that ends in a class"),
                    };
                    if end < start {
                        return invalid("range out of order in character class");
                    }
                    items.push(Item::Range(start, end));
                } else {
                    items.push(Item::Byte(start));
                }
            }
            Ok(Node::Class(negated, items))
        }
    }

    /// `\t` and friends, in and out of classes.
    fn simple_escape(e: u8) -> Option<u8> {
        Some(match e {
            b't' => b'\t',
            b'n' => b'\n',
            b'r' => b'\r',
            b'f' => 0x0C,
            b'e' => 0x1B,
            b'a' => 0x07,
            _ => return None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Does a pattern match every address of a domain?

mod catch_all {
    //! Walks the lazy DFA of a translated pattern over every local part at once: the states a
    //! search can be in after any local part, then `@domain` and the end of the key from each.

    use std::collections::HashSet;

    use regex_automata::hybrid::dfa::{Cache, DFA};
    use regex_automata::hybrid::LazyStateID;
    use regex_automata::nfa::thompson;
    use regex_automata::util::{start, syntax};
    use regex_automata::{Anchored, MatchKind};

    /// The bytes of the local parts considered: letters, digits, `.`, `-`, `_`, `+`.
    fn local_part_bytes() -> impl Iterator<Item = u8> {
        (b'a'..=b'z')
            .chain(b'A'..=b'Z')
            .chain(b'0'..=b'9')
            .chain([b'.', b'-', b'_', b'+'])
    }

    /// The walk gives up beyond this many states.
    const MAX_STATES: usize = 4096;

    /// For each domain: whether the pattern matches `L@domain` for every local part L
    /// (`all`), or for none (`!all`). False where the walk gives up.
    pub fn every_address(pattern: &str, all: bool, domains: &[&str]) -> Vec<bool> {
        let none = vec![false; domains.len()];
        let Ok(dfa) = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(4 << 20)
                    .minimum_cache_clear_count(Some(0)),
            )
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .thompson(
                thompson::Config::new()
                    .utf8(false)
                    .nfa_size_limit(Some(super::SIZE_LIMIT)),
            )
            .build(pattern)
        else {
            return none;
        };
        let mut cache = dfa.create_cache();
        let Some(after_local) = local_part_states(&dfa, &mut cache, all) else {
            return none;
        };
        domains
            .iter()
            .map(|d| {
                after_local
                    .iter()
                    .all(|&s| match finish(&dfa, &mut cache, s, d.as_bytes()) {
                        Some(matched) => matched == all,
                        None => false,
                    })
            })
            .collect()
    }

    /// The states after one or more local-part bytes on the paths that have not matched yet
    /// (with `all`; a path that matched is matched whatever follows). None when some path is
    /// decided against `all` already (dead without a match, or a match when none may match), or
    /// the walk gives up.
    fn local_part_states(dfa: &DFA, cache: &mut Cache, all: bool) -> Option<Vec<LazyStateID>> {
        let config = start::Config::new().anchored(Anchored::No);
        let start = dfa.start_state(cache, &config).ok()?;
        let mut seen: HashSet<LazyStateID> = HashSet::new();
        let mut todo = vec![start];
        let mut after = Vec::new();
        while let Some(s) = todo.pop() {
            for b in local_part_bytes() {
                let next = dfa.next_state(cache, s, b).ok()?;
                if next.is_quit() || next.is_unknown() {
                    return None;
                }
                if next.is_match() {
                    if all {
                        continue;
                    }
                    return None;
                }
                if next.is_dead() {
                    if all {
                        return None;
                    }
                    continue;
                }
                if seen.insert(next) {
                    if seen.len() > MAX_STATES {
                        return None;
                    }
                    after.push(next);
                    todo.push(next);
                }
            }
        }
        Some(after)
    }

    /// Feeds `@domain` and the end of the key from state `s`: whether the key matched.
    fn finish(dfa: &DFA, cache: &mut Cache, s: LazyStateID, domain: &[u8]) -> Option<bool> {
        let mut s = s;
        for &b in std::iter::once(&b'@').chain(domain) {
            s = dfa.next_state(cache, s, b).ok()?;
            if s.is_quit() || s.is_unknown() {
                return None;
            }
            if s.is_match() {
                return Some(true);
            }
            if s.is_dead() {
                return Some(false);
            }
        }
        let end = dfa.next_eoi_state(cache, s).ok()?;
        if end.is_quit() || end.is_unknown() {
            return None;
        }
        Some(end.is_match())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(dialect: Dialect, text: &str) -> PatternTable {
        PatternTable::parse(text, FileId(0), dialect, None)
    }

    fn ask(t: &PatternTable, key: &str) -> Option<String> {
        match t.lookup(key, Substitution::Allowed) {
            PatternAnswer::Found { value, .. } => Some(value.into_owned()),
            PatternAnswer::NotFound => None,
            PatternAnswer::Unknown => Some("<unknown>".to_string()),
        }
    }

    #[test]
    fn first_match_wins_with_the_default_flags() {
        let t = table(
            Dialect::Regexp,
            "/^postmaster@/ pm\n/@example\\.com$/ catch\n# comment\n/./ other\n",
        );
        assert_eq!(ask(&t, "postmaster@example.com").as_deref(), Some("pm"));
        // Case-insensitive by default.
        assert_eq!(ask(&t, "POSTMASTER@x").as_deref(), Some("pm"));
        assert_eq!(ask(&t, "a@EXAMPLE.com").as_deref(), Some("catch"));
        assert_eq!(ask(&t, "a@example.org").as_deref(), Some("other"));
        assert_eq!(t.rules.len(), 3);
        assert_eq!(t.rules[1].line, 2);
        assert_eq!(t.rules[1].written, "/@example\\.com$/");
    }

    #[test]
    fn the_i_flag_makes_a_pattern_case_sensitive() {
        for dialect in [Dialect::Regexp, Dialect::Pcre] {
            let t = table(dialect, "/^postmaster@/i pm\n");
            assert_eq!(ask(&t, "postmaster@x").as_deref(), Some("pm"));
            assert_eq!(ask(&t, "POSTMASTER@x"), None);
        }
    }

    #[test]
    fn negation_delimiters_and_a_second_pattern() {
        let t = table(Dialect::Regexp, "!#^a#  not-a\n");
        assert_eq!(ask(&t, "b").as_deref(), Some("not-a"));
        assert_eq!(ask(&t, "abc"), None);
        let t = table(Dialect::Regexp, "/@example/!/^root@/ yes\n");
        assert_eq!(ask(&t, "x@example").as_deref(), Some("yes"));
        assert_eq!(ask(&t, "root@example"), None);
        // pcre has no second pattern: `!` is an unknown flag and the rule is skipped.
        let t = table(Dialect::Pcre, "/@example/!/^root@/ yes\n");
        assert!(t.rules.is_empty());
        assert!(t.skipped[0].reason.contains("unknown regexp option"));
    }

    #[test]
    fn if_blocks_nest_and_an_if_without_endif_ends_the_lookup() {
        let text = "if /@example\\.com$/\nif !/^root@/\n/^(.*)@example\\.com$/ $1-box\nendif\n/^root@/ admin\nENDIF\n/./ fallback\n";
        let t = table(Dialect::Regexp, text);
        assert_eq!(ask(&t, "ann@example.com").as_deref(), Some("ann-box"));
        assert_eq!(ask(&t, "root@example.com").as_deref(), Some("admin"));
        assert_eq!(ask(&t, "ann@example.org").as_deref(), Some("fallback"));
        let t = table(Dialect::Pcre, "if /^a/\n/b/ x\n/./ y\n");
        assert_eq!(ask(&t, "ab").as_deref(), Some("x"));
        assert_eq!(ask(&t, "zz"), None);
        // An endif without an if is ignored.
        let t = table(Dialect::Pcre, "endif\n/./ y\n");
        assert_eq!(t.skipped.len(), 1);
        assert_eq!(ask(&t, "q").as_deref(), Some("y"));
    }

    #[test]
    fn substitution_forms() {
        let t = table(Dialect::Pcre, "/^(a)(b)?(c)@(.*)$/ $1-${2}-$(3)-$$-$4\n");
        assert_eq!(ask(&t, "ac@x").as_deref(), Some("a--c-$-x"));
        assert_eq!(ask(&t, "abc@x").as_deref(), Some("a-b-c-$-x"));
        // Bad replacements and out-of-range groups are skipped, as Postfix does.
        for bad in [
            "/(a)/ $x\n",
            "/(a)/ $0\n",
            "/(a)/ $2\n",
            "/(a)/ ${1\n",
            "/(a)/ $\n",
            "!/(a)/ $1\n",
            "/(a)/ $1x\n",
        ] {
            let t = table(Dialect::Regexp, bad);
            assert!(t.rules.is_empty(), "{bad:?} should be skipped");
            assert_eq!(t.skipped.len(), 1, "{bad:?}");
        }
        // Without $number the text is literal, $$ included.
        let t = table(Dialect::Regexp, "/a/ cost $$5\n");
        assert_eq!(ask(&t, "a").as_deref(), Some("cost $5"));
        // Substitution where the program skips $number rules.
        let t = table(Dialect::Regexp, "/^(.*)@a$/ $1@b\n/./ other\n");
        assert!(matches!(
            t.lookup("x@a", Substitution::Skipped),
            PatternAnswer::Found { rule: 1, .. }
        ));
        assert_eq!(
            t.lookup("x@a", Substitution::Unknown),
            PatternAnswer::Unknown
        );
    }

    #[test]
    fn lines_postfix_skips() {
        let t = table(
            Dialect::Regexp,
            "/abc def\n/[a/ x\n/(a/ x\n/*a/ x\n/a/q x\nfoo bar\n  /indented/ x\n/ok/ fine\n",
        );
        assert_eq!(t.rules.len(), 1);
        assert_eq!(ask(&t, "ok").as_deref(), Some("fine"));
        let reasons: Vec<&str> = t.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(
            reasons[0].contains("no closing regexp delimiter"),
            "{reasons:?}"
        );
        assert!(reasons[1].contains("Unmatched ["));
        assert!(reasons[2].contains("Unmatched ("));
        assert!(reasons[3].contains("Invalid preceding"));
        assert!(reasons[4].contains("unknown regexp option"));
        assert!(reasons[5].contains("unrecognized request"));
    }

    #[test]
    fn unknown_rules_make_the_answers_that_reach_them_unknown() {
        let t = table(Dialect::Regexp, "/^a/ early\n/(a)\\1/ backref\n/./ late\n");
        assert_eq!(ask(&t, "abc").as_deref(), Some("early"));
        assert_eq!(ask(&t, "bcd").as_deref(), Some("<unknown>"));
        let t = table(Dialect::Pcre, "/(?=a)/ look\n/a++/ possessive\n");
        assert!(t.unknown_rule().is_some());
        assert_eq!(ask(&t, "a").as_deref(), Some("<unknown>"));
        // An unknown `if` inside a block: the outer block's end is unknown.
        let t = table(
            Dialect::Regexp,
            "if /^a/\nif /[[=a=]]/\nendif\n/b/ x\nendif\n/./ y\n",
        );
        assert_eq!(ask(&t, "zz").as_deref(), Some("<unknown>"));
    }

    #[test]
    fn posix_and_pcre_syntax_translated() {
        let t = table(
            Dialect::Regexp,
            "/^[[:alpha:]]+[0-9]{2}$/ a\n/^[]x]$/ b\n/^a{,2}$/ c\n/^[\\.]$/ d\n/^x**$/ e\n",
        );
        assert_eq!(ask(&t, "ab12").as_deref(), Some("a"));
        assert_eq!(ask(&t, "]").as_deref(), Some("b"));
        assert_eq!(ask(&t, "aa").as_deref(), Some("c"));
        // A backslash is an ordinary character in a POSIX bracket expression.
        assert_eq!(ask(&t, "\\").as_deref(), Some("d"));
        assert_eq!(ask(&t, "xxx").as_deref(), Some("e"));
        let t = table(
            Dialect::Pcre,
            "/^\\d+$/ digits\n/^a{x}$/ brace\n/^(?<user>[^@]+)@(?:x|y)$/ $1\n",
        );
        assert_eq!(ask(&t, "123").as_deref(), Some("digits"));
        assert_eq!(ask(&t, "a{x}").as_deref(), Some("brace"));
        assert_eq!(ask(&t, "bob@y").as_deref(), Some("bob"));
    }

    #[test]
    fn hostile_patterns_stay_bounded() {
        // Larger than the compile limits: unknown, not slow.
        let huge = format!("/{}/ x\n", "(a|b){1000}".repeat(200));
        let t = table(Dialect::Pcre, &huge);
        assert_eq!(ask(&t, "ab").as_deref(), Some("<unknown>"));
        let deep = format!("/{}a{}/ x\n", "(".repeat(10_000), ")".repeat(10_000));
        let t = table(Dialect::Regexp, &deep);
        assert_eq!(ask(&t, "a").as_deref(), Some("<unknown>"));
        let t = table(Dialect::Regexp, "/a{1000}{1000}/ x\n");
        assert!(matches!(ask(&t, "a").as_deref(), Some("<unknown>") | None));
        let t = table(Dialect::Regexp, "/\u{10FF00}/ x\n");
        assert_eq!(ask(&t, "a").as_deref(), Some("<unknown>"));
    }

    #[test]
    fn catch_alls() {
        let t = table(
            Dialect::Regexp,
            "/@example\\.com$/ a\n/^sales-.*@example\\.com$/ b\n/^(.*)@(example\\.net|example\\.org)$/ $1@x\nif /@example\\.edu$/\n/./ c\nendif\nif !/^root@/\n/./ d\nendif\n/^[a-z]+@example\\.info$/i e\n",
        );
        let domains = [
            "example.com",
            "example.net",
            "example.org",
            "example.edu",
            "example.info",
        ];
        let every = |rule: u32| t.matches_every_address(rule, &domains);
        assert_eq!(every(0), [true, false, false, false, false]);
        assert_eq!(every(1), [false; 5]);
        assert_eq!(every(2), [false, true, true, false, false]);
        assert_eq!(every(4), [false, false, false, true, false]);
        // Not root@: not every address.
        assert_eq!(every(7), [false; 5]);
        // Case-sensitive letters only: not every local part.
        assert_eq!(every(9), [false; 5]);
    }

    #[test]
    fn domains_written_in_a_pattern() {
        let t = table(
            Dialect::Regexp,
            "/^(.*)@(Example\\.com|mail\\.example\\.net)$/ x\n/\\.sub\\.example\\.org$/ y\n/^[^@]+@x$/ z\n",
        );
        assert_eq!(t.literal_domains(0), ["example.com", "mail.example.net"]);
        assert_eq!(t.literal_domains(1), ["sub.example.org"]);
        assert!(t.literal_domains(2).is_empty());
    }

    #[test]
    fn inline_tables() {
        let span = Span {
            file: FileId(0),
            start: 0,
            end: 10,
        };
        let t = PatternTable::parse_inline(" {/^a/ x}, { /^b/ y } ", Dialect::Pcre, span).unwrap();
        assert_eq!(ask(&t, "b").as_deref(), Some("y"));
        assert!(PatternTable::parse_inline("/^a/ x", Dialect::Pcre, span).is_err());
    }
}
