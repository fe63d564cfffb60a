//! Findings: what a rule reports, before any output format sees it.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::source::{FileId, Sources, Span};

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// What a finding's truth rests on, for the filters that drop findings on lines that may not
/// be what runs (a template line inside `{% if %}`, a definition a set-up script replaces).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Basis {
    /// Every line it labels (the default): one of them absent or replaced, it may be false.
    #[default]
    Labels,
    /// The name written at the primary label, not its value: a script that replaces the value
    /// leaves it true (a deprecated or unknown parameter name).
    WrittenName,
    /// A written name that no Postfix release knows and that misspells one (`myhostnme`):
    /// wrong whatever a script sets, and on a conditional template line too, whatever the
    /// condition. (A deprecated name, or one of a later release, may sit in a block for older
    /// or newer Postfix releases; a name of one's own may be what another conditional line
    /// refers to.)
    NoSuchName,
    /// A setting that the lines of its secondary labels set again: the name is written more
    /// than once whatever a script makes of the values, and the later lines take effect
    /// whether or not the first one is there.
    Overridden,
    /// Who may read a file, shown at a line that holds what the file must keep private (a
    /// password): whenever that line is there, the file's mode exposes it, so a conditional
    /// template line (`{% for %}` over the relays) still counts. The secondary labels (the
    /// mode a task declares) must be certain.
    FileMode,
    /// A line wrong by itself whenever it is there, whatever the lines around it (a setting
    /// glued onto the one above by its leading white space, where the one above is certain):
    /// a conditional template line still counts.
    WholeLine,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    /// What the finding is about (the key, domain or parameter), when the text at the primary
    /// span does not say it alone; part of the fingerprint.
    pub subject: Option<String>,
    /// Stable across edits that move lines: see [`fingerprint`]. Set once all rules ran.
    pub fingerprint: String,
    /// What its truth rests on (lib.rs's filters of conditional and script-replaced lines).
    pub basis: Basis,
}

impl Finding {
    /// The text of the primary label.
    pub fn label(&mut self, message: impl Into<String>) -> &mut Finding {
        self.primary.message = bounded(message.into(), MAX_MESSAGE);
        self
    }

    /// What the finding's truth rests on, when it is not every line it labels.
    pub fn basis(&mut self, basis: Basis) -> &mut Finding {
        self.basis = basis;
        self
    }

    /// A related location, in this file or another one.
    pub fn secondary(&mut self, span: Span, message: impl Into<String>) -> &mut Finding {
        let label = Label {
            span,
            message: bounded(message.into(), MAX_MESSAGE),
        };
        if label.span != self.primary.span && !self.secondary.contains(&label) {
            self.secondary.push(label);
        }
        self
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Finding {
        self.help = Some(bounded(help.into(), MAX_HELP));
        self
    }

    /// Moves the finding's spans to files numbered `offset` later (see `Sources::absorb`).
    pub fn shift_files(&mut self, offset: u32) {
        self.primary.span.file.0 += offset;
        for label in &mut self.secondary {
            label.span.file.0 += offset;
        }
    }

    /// Names what the finding is about when the primary span's text is shared by several
    /// findings of the rule (two missing addresses of one domain, say).
    pub fn subject(&mut self, subject: impl Into<String>) -> &mut Finding {
        self.subject = Some(subject.into());
        self
    }
}

/// The longest message or label, and help, a finding keeps: they quote keys and values from
/// the files, and a 10 MB key must not make a 10 MB message (in every format).
pub const MAX_MESSAGE: usize = 1000;
pub const MAX_HELP: usize = 2000;

/// The text cut to about `max` bytes, its start and end kept around a note of what was left
/// out. Cuts fall on character boundaries.
pub fn bounded(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let head = floor(max * 3 / 4);
    let tail = floor(text.len() - max / 5);
    let tail = if tail < head { head } else { tail };
    format!(
        "{} [... {} bytes left out ...] {}",
        &text[..head],
        tail - head,
        &text[tail..]
    )
}

/// The order findings are shown in: by file and offset, then rule and message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.primary.span.file,
            a.primary.span.start,
            a.rule,
            &a.message,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                b.rule,
                &b.message,
            ))
    });
}

/// The shortest secret searched for in findings' texts: shorter ones (a one-letter password)
/// would star out ordinary words, and a code frame never shows them anyway.
const MIN_SCRUBBED: usize = 4;

/// Words of postlint's own messages that a weak password in a public repository may be
/// (`password = mail`): never starred ([`scrub_secrets`]).
#[rustfmt::skip]
const OWN_WORDS: &[&str] = &[
    "password", "passwords", "secret", "secrets", "mail", "postfix", "smtp", "smtpd",
    "mailbox", "domain", "server", "relay", "user", "users", "table", "service", "queue",
    "local", "virtual", "root", "admin", "test",
];

/// Where a finding's text (or a secret) splits into words: blanks, quotes, list separators and
/// brackets. A password table value `user:password` stays one word.
fn is_word_break(c: char) -> bool {
    c.is_whitespace() || "\"'`,{}()<>".contains(c)
}

/// The secret part of a word: what follows its last `:` (the password of `user:password`,
/// of `static:user:password`, of `[host]:587=user:password`), or the word itself.
fn secret_part(word: &str) -> &str {
    word.rsplit_once(':').map_or(word, |(_, after)| after)
}

/// Stars out, in every finding's message, labels, help and subject, any secret the model
/// marked (`Sources::mark_secret`). Rules take care never to quote one; this is the net under
/// them, for a value quoted from where the model did not expect it (an earlier, overridden
/// definition; a word of a broken line). Each marked text gives its words' secret parts
/// ([`secret_part`]); each word of a finding's text whose secret part is one of them is
/// starred. Linear: a hash set of the parts, borrowed from the sources (a password table of
/// 100k entries is 100k parts), built only when there are findings.
pub fn scrub_secrets(findings: &mut [Finding], sources: &Sources) {
    if findings.is_empty() {
        return;
    }
    let mut secrets: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (_, file) in sources.iter() {
        let text: &str = file.text();
        for r in &file.secrets {
            let Some(secret) = text.get(r.start as usize..r.end as usize) else {
                continue;
            };
            for word in secret.split(is_word_break) {
                let part = secret_part(word);
                // A password that is one of the words postlint's own texts use ("reads the
                // password", "cannot hand mail to it") would star out those words: starring
                // them hides nothing, since the text holds the word anyway.
                if part.len() >= MIN_SCRUBBED
                    && !OWN_WORDS.iter().any(|w| part.eq_ignore_ascii_case(w))
                {
                    secrets.insert(part);
                }
            }
        }
    }
    if secrets.is_empty() {
        return;
    }
    let scrub = |text: &mut String| {
        let mut hits: Vec<std::ops::Range<usize>> = Vec::new();
        let mut at = 0;
        for word in text.split(is_word_break) {
            let part = secret_part(word);
            if secrets.contains(part) {
                let start = at + word.len() - part.len();
                hits.push(start..at + word.len());
            }
            // The word, and the one break character after it.
            at += word.len();
            at += text[at..].chars().next().map_or(0, char::len_utf8);
        }
        for hit in hits.into_iter().rev() {
            text.replace_range(hit, "********");
        }
    };
    for finding in findings {
        scrub(&mut finding.message);
        scrub(&mut finding.primary.message);
        for label in &mut finding.secondary {
            scrub(&mut label.message);
        }
        if let Some(help) = &mut finding.help {
            scrub(help);
        }
        if let Some(subject) = &mut finding.subject {
            scrub(subject);
        }
    }
}

/// Gives every finding its fingerprint: a hash of the rule, the file (relative to the linted
/// root, so the same setup linted from elsewhere keeps it), what the finding is about (its
/// subject, else the text at its primary span) and, for findings that agree on all three, their
/// order. Line numbers are left out, so moving lines or adding others keeps the fingerprint.
pub fn set_fingerprints(findings: &mut [Finding], sources: &Sources, root: &Path) {
    let mut seen: HashMap<u64, u32> = HashMap::new();
    let mut paths: HashMap<FileId, String> = HashMap::new();
    for finding in findings.iter_mut() {
        let file = sources.get(finding.primary.span.file);
        let path = paths.entry(finding.primary.span.file).or_insert_with(|| {
            file.real_path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| file.display_path.clone())
        });
        // A secret under the span stays out of the fingerprint too (a hash of a short
        // password can be reversed).
        let span = finding.primary.span;
        let subject = match &finding.subject {
            Some(s) => std::borrow::Cow::Borrowed(s.as_str()),
            None => file.masked(span.start, span.end),
        };
        let subject: &str = &subject;
        let base = fnv1a(&[finding.rule, path, subject]);
        let occurrence = seen.entry(base).or_insert(0);
        *occurrence += 1;
        let hash = if *occurrence == 1 {
            base
        } else {
            fnv1a(&[finding.rule, path, subject, &occurrence.to_string()])
        };
        finding.fingerprint = format!("{hash:016x}");
    }
}

/// 64-bit FNV-1a over the parts, each followed by a 0 byte: stable across Rust versions and
/// platforms, unlike std's hasher, so baselines written today match tomorrow.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// Collects one rule's findings, stamping each with the rule's id and severity.
pub struct Findings {
    rule: &'static str,
    severity: Severity,
    pub list: Vec<Finding>,
}

impl Findings {
    pub fn new(rule: &'static str, severity: Severity) -> Findings {
        Findings {
            rule,
            severity,
            list: Vec::new(),
        }
    }

    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Finding {
        self.list.push(Finding {
            rule: self.rule,
            severity: self.severity,
            message: bounded(message.into(), MAX_MESSAGE),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
            subject: None,
            fingerprint: String::new(),
            basis: Basis::Labels,
        });
        self.list.last_mut().expect("just pushed")
    }
}
