//! Output formats: the only place that knows miette or serde.

pub mod config;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod short;
pub mod trace;

use serde::Serialize;

use crate::diagnostic::Finding;
use crate::source::{Sources, Span};

/// Characters a terminal acts on instead of showing: C0 and C1 controls (ESC starts the
/// sequences that clear the screen or set the window title, CR returns to the line's start),
/// DEL, and the bidirectional overrides that reorder what is shown ("Trojan Source").
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        // Invisible: a byte-order mark or a zero-width character in a name would hide in a
        // message ("`myhostname` is not a Postfix parameter").
        || is_invisible(c)
        // A byte that was not text in the file (crate::fsread::decode).
        || crate::fsread::raw_byte(c).is_some()
}

/// A character that shows as nothing: the byte-order mark (a zero-width no-break space),
/// the zero-width space, non-joiner and joiner, and the word joiner.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{feff}' | '\u{200b}'..='\u{200d}' | '\u{2060}')
}

/// A character that shows as a space or as nothing, and that Postfix, which knows only ASCII
/// white space, reads as part of a name or a word: a Unicode space (no-break, thin,
/// ideographic...), an invisible character ([`is_invisible`]), a soft hyphen, and the bytes
/// A0 and AD of a file that is not UTF-8 (Latin-1's no-break space and soft hyphen).
pub fn looks_like_nothing_or_space(c: char) -> bool {
    (c.is_whitespace() && !c.is_ascii())
        || is_invisible(c)
        || c == '\u{ad}'
        || matches!(crate::fsread::raw_byte(c), Some(0xa0 | 0xad))
}

/// What such a character is called, with its code point (its byte, for a file that is not
/// UTF-8).
pub fn odd_char_name(c: char) -> String {
    let name = match c {
        '\u{a0}' => "a no-break space",
        '\u{202f}' => "a narrow no-break space",
        '\u{2007}' => "a figure space",
        '\u{3000}' => "an ideographic space",
        '\u{200b}' => "a zero-width space",
        '\u{200c}' => "a zero-width non-joiner",
        '\u{200d}' => "a zero-width joiner",
        '\u{2060}' => "a word joiner",
        '\u{feff}' => "a zero-width no-break space",
        '\u{ad}' => "a soft hyphen",
        _ if c.is_whitespace() => "a Unicode space",
        _ => match crate::fsread::raw_byte(c) {
            Some(0xa0) => return "a Latin-1 no-break space (byte A0)".to_string(),
            Some(0xad) => return "a Latin-1 soft hyphen (byte AD)".to_string(),
            _ => "an invisible character",
        },
    };
    format!("{name} (U+{:04X})", c as u32)
}

/// White space other than the plain space: a line break, a tab, and the spaces that look like
/// one (no-break, full-width, thin: `myhostname\u{a0}` reads as `myhostname ` otherwise).
fn is_odd_space(c: char) -> bool {
    c.is_whitespace() && c != ' '
}

/// Text from a configuration file, made safe to print on a terminal: every unsafe character
/// (and a line break, which would start a line the reader takes for postlint's own) becomes a
/// visible escape, `\u{1b}`, as is white space other than the plain space (a no-break
/// space), a tab is shown as `\t` (raw, it hides in a message and splits a line that tools
/// cut at tabs), and a byte that was not text in the file is shown as `\xe9`.
/// Text without one is returned as it is.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe_char(c) || is_odd_space(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if let Some(b) = crate::fsread::raw_byte(c) {
            out.push_str(&format!("\\x{b:02x}"));
        } else if c == '\t' {
            out.push_str("\\t");
        } else if is_unsafe_char(c) || is_odd_space(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The same for multi-line text of postlint's own (help, --show-config): line breaks stay.
pub fn printable_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| is_unsafe_char(c) || (is_odd_space(c) && c != '\n'))
    {
        return std::borrow::Cow::Borrowed(text);
    }
    text.split('\n')
        .map(|line| printable(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
        .into()
}

/// JSON text as serde writes it, with the characters it leaves raw that a terminal acts on
/// (DEL, the C1 controls, the bidirectional overrides) written as `\uXXXX` escapes. They can
/// only stand inside strings, where the escape means the same character.
pub fn json_safe(json: String) -> String {
    if !json.chars().any(is_unsafe_char) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // serde has already escaped C0 controls; tab and LF are JSON's own whitespace here.
        if is_unsafe_char(c) && c != '\t' && (c as u32) >= 0x20 {
            // A character past U+FFFF is written as its UTF-16 surrogate pair.
            for unit in c.encode_utf16(&mut [0u16; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A position as users see it: the file's display path and 1-based line and column.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Position {
    pub path: String,
    pub line: usize,
    pub column: usize,
}

pub fn position(sources: &Sources, span: Span, end: bool) -> Position {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(if end { span.end } else { span.start });
    Position {
        path: file.display_path.clone(),
        line,
        column,
    }
}

/// How many findings of one rule in one file the text formats (human, short, github, junit)
/// show; JSON and SARIF list every one.
pub const SHOWN_PER_FILE: usize = 200;

/// The findings a text format shows, and a line for each rule and file whose findings were
/// cut: a million duplicate keys make a count, not a million snippets.
pub fn shown<'f>(sources: &Sources, findings: &'f [Finding]) -> (Vec<&'f Finding>, Vec<String>) {
    let mut counts: std::collections::HashMap<(&str, crate::source::FileId), usize> =
        std::collections::HashMap::new();
    let mut kept = Vec::with_capacity(findings.len().min(10_000));
    let mut order: Vec<(&str, crate::source::FileId)> = Vec::new();
    for f in findings {
        let key = (f.rule, f.primary.span.file);
        let n = counts.entry(key).or_insert(0);
        *n += 1;
        if *n <= SHOWN_PER_FILE {
            kept.push(f);
        } else if *n == SHOWN_PER_FILE + 1 {
            order.push(key);
        }
    }
    let notes = order
        .into_iter()
        .map(|(rule, file)| {
            let more = counts[&(rule, file)] - SHOWN_PER_FILE;
            format!(
                "... and {more} more {rule} finding{} in {} (--format json or sarif lists every one)",
                if more == 1 { "" } else { "s" },
                printable(&sources.get(file).display_path)
            )
        })
        .collect();
    (kept, notes)
}

/// Counts by severity, and what was silenced, for the summary line.
pub fn summary(findings: &[Finding], silenced: crate::Silenced) -> String {
    use crate::diagnostic::Severity::*;
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = if findings.is_empty() {
        "No problems found".to_string()
    } else {
        let mut parts = vec![
            plural(count(Error), "error"),
            plural(count(Warning), "warning"),
        ];
        let infos = count(Info);
        if infos > 0 {
            parts.push(plural(infos, "info"));
        }
        format!(
            "Found {} ({})",
            plural(findings.len(), "problem"),
            parts.join(", ")
        )
    };
    let ways: Vec<String> = [
        (silenced.inline, "inline"),
        (silenced.config, "by postlint.toml"),
        (silenced.baseline, "by the baseline"),
        (silenced.conditional, "on conditional template lines"),
        (silenced.scripted, "on settings a set-up script replaces"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, how)| format!("{n} {how}"))
    .collect();
    if !ways.is_empty() {
        let total = silenced.inline
            + silenced.config
            + silenced.baseline
            + silenced.conditional
            + silenced.scripted;
        line.push_str(&format!("; {total} silenced ({})", ways.join(", ")));
    }
    line.push('.');
    line
}

/// The line after the summary that says what the run could not see, if anything.
pub fn unseen_line(unseen: &crate::Unseen) -> Option<String> {
    if unseen.is_empty() {
        return None;
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if unseen.tables > 0 {
        let probed = match unseen.probed_tables {
            0 => String::new(),
            n => format!(
                " (--probe asked {} of them {})",
                n,
                plural(unseen.probed_keys, "key")
            ),
        };
        parts.push(format!(
            "{} postlint cannot read{probed}",
            plural(unseen.tables, "table")
        ));
    }
    if unseen.placeholders > 0 {
        parts.push(plural(unseen.placeholders, "installer placeholder"));
    }
    if unseen.expressions > 0 {
        parts.push(plural(unseen.expressions, "template expression"));
    }
    if unseen.scripted > 0 {
        parts.push(format!(
            "{} set by set-up scripts",
            plural(unseen.scripted, "parameter")
        ));
    }
    let mut line = String::new();
    if !parts.is_empty() {
        line = format!("Not checked: {}", parts.join(", "));
    }
    for (rules, what) in [
        (&unseen.undecided, "could not decide"),
        (&unseen.partial, "may have missed some"),
    ] {
        if rules.is_empty() {
            continue;
        }
        let rules = rules.join(", ");
        line = match line.is_empty() {
            true => {
                let mut what = what.to_string();
                what[..1].make_ascii_uppercase();
                format!("{what}: {rules}")
            }
            false => format!("{line}; {what}: {rules}"),
        };
    }
    line.push_str(" (--verbose lists them).");
    Some(line)
}
