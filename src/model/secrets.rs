//! What in the linted files is a secret: the passwords of database lookup files (`password`,
//! `bind_pw`), the values of the tables that hold relay credentials (any `*password*_maps`,
//! such as smtp_sasl_password_maps), and legacy main.cf database settings (`NAME_password`).
//! The model marks their spans in [`Sources`]; every output shows them as `*`, and no message
//! quotes them.

use super::tables::{Content, Tables};
use super::Model;
use crate::source::{Sources, Span};

/// Setting names of database .cf files whose values are secrets.
pub fn is_secret_setting(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "password"
        || name == "bind_pw"
        || name.ends_with("_password")
        || name.ends_with("_bind_pw")
}

/// A database .cf setting name that is, or is likely a misspelling of, a password key
/// (`pasword`, `passwd`, `bindpw`): its value is masked too, since the finding about the
/// unknown key shows the line.
pub fn looks_like_secret_setting(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    is_secret_setting(name)
        || lower.contains("pass")
        || lower.contains("pasw")
        || strsim::damerau_levenshtein(&lower, "password") <= 2
        || lower.contains("pwd")
        || lower.contains("secret")
        || lower.ends_with("pw")
}

/// A parameter whose tables hold secrets in their values.
pub fn is_secret_table_param(param: &str) -> bool {
    param.contains("password") || param.contains("passwd")
}

/// Marks every secret the model knows of in `sources`.
pub fn mark(sources: &mut Sources, model_tables: &Tables, params: &super::params::Params) {
    for table in model_tables.iter() {
        for setting in &table.settings {
            if looks_like_secret_setting(&setting.name) {
                let len = setting.value.len() as u32;
                let span = Span {
                    start: setting.span.end.saturating_sub(len),
                    ..setting.span
                };
                sources.mark_secret(span);
            }
        }
        // A line the database client cannot read may still hold `password secret`.
        for bad in &table.bad_settings {
            let text = sources.slice(bad.span);
            let key = text
                .split(|c: char| c == '=' || c.is_whitespace())
                .next()
                .unwrap_or("");
            if looks_like_secret_setting(key) {
                let start = bad.span.start + key.len() as u32;
                sources.mark_secret(Span { start, ..bad.span });
            }
        }
        // `smtp_sasl_password_maps = static:user:password`: the table's name is the secret.
        if table.kind == "static" {
            for span in table
                .uses
                .iter()
                .filter(|u| is_secret_table_param(&u.param))
                .filter_map(|u| u.span)
            {
                let text = sources.slice(span);
                let skip = text.find(':').map_or(0, |i| i + 1) as u32;
                sources.mark_secret(Span {
                    start: span.start + skip,
                    ..span
                });
            }
        }
        if table.uses.iter().any(|u| is_secret_table_param(&u.param)) {
            if let Content::Entries(entries) = &table.content {
                for entry in entries.iter() {
                    sources.mark_secret(entry.value_span);
                }
                for duplicate in entries.duplicates() {
                    sources.mark_secret(duplicate.entry.value_span);
                }
                // Skipped lines of such a table: everything after the first word.
                for skipped in &entries.skipped {
                    let text = sources.slice(skipped.span);
                    let key = text.split_whitespace().next().unwrap_or("");
                    let start =
                        skipped.span.start + (text.find(key).unwrap_or(0) + key.len()) as u32;
                    sources.mark_secret(Span {
                        start,
                        ..skipped.span
                    });
                }
            }
        }
    }
    // A Spamhaus Data Query Service key is the first label of its zones.
    for def in params.definitions() {
        let mut from = 0;
        while let Some(at) = def.value[from..].find(".dq.spamhaus.net") {
            let end = from + at;
            let token_start = def.value[..end]
                .rfind(|c: char| c.is_whitespace() || c == ',' || c == '{')
                .map_or(0, |i| i + 1);
            let key_end = def.value[token_start..end]
                .find('.')
                .map_or(end, |i| token_start + i);
            if key_end > token_start {
                sources.mark_secret(def.source().span(token_start..key_end));
            }
            from = end + ".dq.spamhaus.net".len();
        }
    }
    for name in params.defined_names() {
        if is_secret_setting(name) {
            if let Some(def) = params.get(name) {
                sources.mark_secret(def.value_span);
            }
        }
    }
}

impl Model {
    /// True when a span touches a secret (a message must not quote its text).
    pub fn is_secret(&self, span: Span) -> bool {
        self.sources
            .get(span.file)
            .touches_secret(span.start, span.end)
    }
}
