//! What in the linted files is a secret: the passwords of database lookup files (`password`,
//! `bind_pw`), the values of the tables that hold relay credentials (any `*password*_maps`,
//! such as smtp_sasl_password_maps, and the `static:`/`inline:` tables written in their
//! main.cf lines and master.cf `-o` overrides), and legacy main.cf database settings
//! (`NAME_password`). The model marks their spans in [`Sources`]; every output shows them as
//! `*`, and no message quotes them (`diagnostic::scrub_secrets` checks under the rules).

use std::ops::Range;

use super::expand::references;
use super::tables::{Content, Tables};
use super::Model;
use crate::parse::list::split_list;
use crate::parse::table_ref::TableRef;
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

/// A parameter whose tables hold secrets in their values: any `*password*_maps`, and the
/// misspellings a message may still quote (`smtp_sasl_pasword_maps`, `..._passwd_maps`).
pub fn is_secret_table_param(param: &str) -> bool {
    param.contains("pass") || param.contains("pasw") || param.contains("pwd")
}

/// Where a password table's value holds a password itself (`static:user:password`,
/// `inline:{ host=user:password }`): the byte offset of the first such table in `value`.
fn inline_secret_at(value: &str) -> Option<usize> {
    let lower = value.to_ascii_lowercase();
    [lower.find("static:"), lower.find("inline:")]
        .into_iter()
        .flatten()
        .min()
}

/// The `static:` and `inline:` tables among the items of a map list, as Postfix splits it
/// (`split_list`: braces keep `static:{ user:password }` together): each one's range.
pub fn inline_tables(value: &str) -> Vec<Range<usize>> {
    split_list(value)
        .into_iter()
        .filter(|r| {
            TableRef::parse(&value[r.clone()])
                .is_some_and(|t| matches!(t.kind, "static" | "inline"))
        })
        .collect()
}

/// Marks every secret the model knows of in `sources`.
pub fn mark(
    sources: &mut Sources,
    model_tables: &Tables,
    params: &super::params::Params,
    master: &super::master::MasterCf,
) {
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
            let entries = match &table.content {
                Content::Entries(entries) => Some(entries),
                _ => table.template_entries.as_deref(),
            };
            if let Some(entries) = entries {
                for entry in entries.iter() {
                    sources.mark_secret(entry.value_span);
                }
                for duplicate in entries.duplicates() {
                    sources.mark_secret(duplicate.entry.value_span);
                }
                // Skipped lines of such a table: everything after the first word; a line of one
                // word (`[host]:587:user:pass`, the space left out) from its first `:` after
                // the host.
                for skipped in &entries.skipped {
                    let text = sources.slice(skipped.span);
                    let key = text.split_whitespace().next().unwrap_or("");
                    let key_at = text.find(key).unwrap_or(0);
                    let rest = &text[key_at + key.len()..];
                    let from = if rest.trim_ascii().is_empty() {
                        let host_end = key.find(']').map_or(0, |i| i + 1);
                        key_at + key[host_end..].find(':').map_or(0, |i| host_end + i + 1)
                    } else {
                        key_at + key.len()
                    };
                    sources.mark_secret(Span {
                        start: skipped.span.start + from as u32,
                        ..skipped.span
                    });
                }
            }
        }
    }
    // A Spamhaus Data Query Service key is the first label of its zones, in main.cf and in
    // master.cf `-o` overrides.
    let overrides = master.services.iter().flat_map(|s| s.overrides.iter());
    for def in params.definitions().iter().chain(overrides) {
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
    // Every main.cf definition of a password table, the ones a later line overrides too
    // (overridden-parameter shows them): its static: or inline: tables.
    for def in params.definitions() {
        if is_secret_table_param(&def.name) {
            if let Some(at) = inline_secret_at(&def.value) {
                let start = def.source().span(at..at).start;
                sources.mark_secret(Span {
                    start,
                    ..def.value_span
                });
            }
        }
    }
    // `static:$relay_login` with `relay_login = user:password` (main.cf or master.cf): the
    // definitions a password table refers to hold the secret, and so do the ones they refer to.
    let mut names: Vec<String> = Vec::new();
    let overrides = master.services.iter().flat_map(|s| s.overrides.iter());
    for def in params.definitions().iter().chain(overrides) {
        if is_secret_table_param(&def.name) {
            for table in inline_tables(&def.value) {
                let text = &def.value[table];
                names.extend(
                    references(text)
                        .into_iter()
                        .map(|r| text[r.name].to_string()),
                );
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    while let Some(name) = names.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        for def in params.all(&name) {
            sources.mark_secret(def.value_span);
            names.extend(
                references(&def.value)
                    .into_iter()
                    .map(|r| def.value[r.name].to_string()),
            );
        }
    }
    // master.cf: `-o smtp_sasl_password_maps=static:u:pw` in every override, and the words
    // after one whose value ended at a space (`-o name=static:u:pw, static:u2:pw2`): master
    // reads them as arguments of their own, and invalid-syntax shows that line.
    for service in &master.services {
        for def in service
            .overrides
            .iter()
            .filter(|d| is_secret_table_param(&d.name))
        {
            if let Some(at) = inline_secret_at(&def.value) {
                let start = def.source().span(at..at).start;
                sources.mark_secret(Span {
                    start,
                    ..def.value_span
                });
            }
            let after = service
                .args
                .iter()
                .skip_while(|a| a.end <= def.value_span.start)
                .skip(1)
                .take_while(|a| !sources.slice(**a).starts_with('-'));
            let stray: Vec<Span> = after.copied().collect();
            for span in stray {
                sources.mark_secret(span);
            }
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
