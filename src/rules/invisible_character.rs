//! A character that looks like a space or like nothing (a no-break space, a zero-width space, a
//! byte-order mark) inside a value or a table key: Postfix knows only ASCII white space, so
//! the character is part of the word it touches, and that word matches nothing.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::master::Service;
use crate::model::params::Definition;
use crate::model::tables::Entries;
use crate::model::Model;
use crate::output::{looks_like_nothing_or_space, odd_char_name, printable};

pub const RULE: Rule = Rule {
    id: "invisible-character",
    severity: Severity::Warning,
    summary: "a no-break space or an invisible character in a value or a table key, which \
              Postfix reads as part of the word",
    doc: include_str!("../../rules/invisible-character.md"),
    undecided: super::always_decides,
    check,
};

/// The parameters whose values are lists of addresses, hosts or paths, by table: a word with
/// such a character in a value of their tables names nothing. The other tables' values are
/// actions and texts (`REJECT text`) or passwords, and only their keys are read.
const ADDRESS_VALUED: &[&str] = &[
    "alias_maps",
    "virtual_alias_maps",
    "canonical_maps",
    "sender_canonical_maps",
    "recipient_canonical_maps",
    "virtual_mailbox_maps",
    "transport_maps",
    "sender_dependent_relayhost_maps",
    "sender_dependent_default_transport_maps",
    "recipient_bcc_maps",
    "sender_bcc_maps",
];

fn check(model: &Model, out: &mut Findings) {
    for def in model.params.definitions() {
        let effective = model
            .params
            .get(&def.name)
            .is_some_and(|d| d.value_span == def.value_span);
        if effective {
            check_value(model, def, None, out);
        }
    }
    for service in model.master.running() {
        for def in service.effective_overrides() {
            check_value(model, def, Some(service), out);
        }
    }
    check_tables(model, out);
    check_list_files(model, out);
    check_db_settings(model, out);
}

/// The first odd character of a text, with its byte offset.
fn first_odd(text: &str) -> Option<(usize, char)> {
    if text.is_ascii() {
        return None;
    }
    text.char_indices().find(|&(i, c)| is_odd_at(text, i, c))
}

/// Whether the character at `at` is one to report. A zero-width joiner or non-joiner between
/// two letters of a script that joins (Persian, Indic, emoji) is part of how the word is
/// spelled; between ASCII characters, or at a word's edge, it only hides.
fn is_odd_at(text: &str, at: usize, c: char) -> bool {
    if !looks_like_nothing_or_space(c) {
        return false;
    }
    if matches!(c, '\u{200c}' | '\u{200d}') {
        let before = text[..at].chars().next_back();
        let after = text[at + c.len_utf8()..].chars().next();
        let joins = |n: Option<char>| n.is_some_and(|n| !n.is_ascii() && n.is_alphanumeric());
        return !(joins(before) || joins(after));
    }
    true
}

/// The word around byte `at`, as Postfix splits a value: at ASCII white space and commas.
fn word_at(text: &str, at: usize) -> &str {
    let stop = |c: char| c.is_ascii_whitespace() || c == ',';
    let start = text[..at].rfind(stop).map_or(0, |i| i + 1);
    let end = text[at..].find(stop).map_or(text.len(), |i| at + i);
    &text[start..end]
}

fn check_value(model: &Model, def: &Definition, service: Option<&Service>, out: &mut Findings) {
    let name = def.name.as_str();
    // Unknown names are unknown-parameter's (it names such a character in a name too); a name
    // of one's own may be text used anywhere.
    if !crate::model::names::is_known_builtin(name)
        || crate::model::values::shows_as_text(name)
        || model.is_secret(def.value_span)
    {
        return;
    }
    let Some((at, c)) = first_odd(&def.value) else {
        return;
    };
    // invalid-value reports a value the program refuses when it starts, as an error.
    let param;
    let expanded = match service {
        None => {
            param = model.params.param(name);
            param.known().map(str::to_string)
        }
        Some(s) => {
            let e =
                crate::model::params::expand_param(&model.params.scoped(s), name, def.value_ref());
            (!e.has_unknown()).then_some(e.text)
        }
    };
    let value = crate::model::values::Value {
        written: &def.value,
        expanded: expanded.as_deref(),
    };
    let program = service.map(|s| s.command.as_str());
    if crate::model::values::rejection(model, name, value, program).is_some() {
        return;
    }
    let word = word_at(&def.value, at);
    let place = service.map_or(String::new(), |s| format!(" (in {})", s.label()));
    let what = odd_char_name(c);
    let span = def.map.span(
        def.file,
        def.value_offset + at..def.value_offset + at + c.len_utf8(),
    );
    let finding = out.report(
        span,
        format!(
            "{name}{place} has {what} in `{}`, which Postfix reads as part of the word",
            printable(&super::shorten(word))
        ),
    );
    finding.subject(format!("{name}{place}"));
    finding.label(format!("{what}, not a space"));
    let meaning = match word.trim_matches(looks_like_nothing_or_space).is_empty() {
        true => "a word of its own, which names nothing".to_string(),
        false => format!(
            "part of `{}`, which then matches nothing it should (a domain, host, network, \
             address or file with that character in it)",
            printable(word)
        ),
    };
    finding.help(format!(
        "Postfix knows only ASCII spaces, tabs and commas as separators: to it, this character \
         is {meaning}, and it says nothing about it in the log. Such characters come with text \
         copied from a web page or a word processor. Retype the space (or delete the character) \
         in a plain-text editor; `grep -nP '[^\\x00-\\x7f]' main.cf master.cf` shows every \
         line with a character that is not ASCII."
    ));
}

/// Keys of every table read from a file of its own, and the values of the tables whose
/// values are addresses, hosts or paths. A table whose text is ASCII is passed over without a
/// look at its entries.
fn check_tables(model: &Model, out: &mut Findings) {
    let mut address_valued = std::collections::HashSet::new();
    for param in ADDRESS_VALUED {
        address_valued.extend(model.maps(param).tables);
    }
    // A file named by two parameters is reported once, with its values when either reads
    // them as addresses.
    let mut files: Vec<(&Entries, String, bool)> = Vec::new();
    let mut by_file: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for table in model.tables.iter() {
        let Some(entries) = table.entries() else {
            continue;
        };
        // inline: tables are main.cf text, which the values' check reads.
        if table.source.is_none() || entries.text_is_ascii() {
            continue;
        }
        let values = address_valued.contains(&table.id);
        match by_file.get(&entries.file()) {
            Some(&i) => files[i].2 |= values,
            None => {
                by_file.insert(entries.file(), files.len());
                files.push((entries, table.reference(), values));
            }
        }
    }
    for (entries, reference, values) in files {
        check_entries(entries, &reference, values, out);
    }
}

fn check_entries(entries: &Entries, reference: &str, values: bool, out: &mut Findings) {
    for entry in entries.iter() {
        if let Some((at, c)) = first_odd(entry.key) {
            let what = odd_char_name(c);
            // The key's span covers what was written; an aliases key may be stored unquoted.
            let span = match entry.key_span.len() == entry.key.len() {
                true => entry.key_span.sub(at, c.len_utf8()),
                false => entry.key_span,
            };
            let finding = out.report(
                span,
                format!(
                    "key `{}` of {reference} has {what}, so this entry never matches",
                    printable(&super::shorten(entry.key))
                ),
            );
            finding.subject(format!("{reference} {}", entry.key));
            finding.label(format!("{what}, part of the key"));
            finding.help(format!(
                "Postfix looks a key up as it is written, byte for byte, and no address, domain or \
                 host it is asked for has {what} in it. Such characters come with text copied \
                 from a web page or a word processor. Retype the key in a plain-text editor and \
                 run postmap (postalias for an aliases file) on the table."
            ));
            continue;
        }
        if !values {
            continue;
        }
        let Some((at, c)) = first_odd(entry.value) else {
            continue;
        };
        let what = odd_char_name(c);
        let word = word_at(entry.value, at);
        let span = match entry.value_span.len() == entry.value.len() {
            true => entry.value_span.sub(at, c.len_utf8()),
            false => entry.value_span,
        };
        let finding = out.report(
            span,
            format!(
                "the value of `{}` in {reference} has {what} in `{}`, which Postfix reads as \
                 part of the word",
                printable(&super::shorten(entry.key)),
                printable(&super::shorten(word))
            ),
        );
        finding.subject(format!("{reference} {}", entry.key));
        finding.label(format!("{what}, not a space"));
        finding.help(format!(
            "Postfix splits a table's value only at ASCII spaces, tabs and commas: `{}` is one \
             word to it, an address, host or path that does not exist. Such characters come \
             with text copied from a web page or a word processor. Retype the value in a \
             plain-text editor and run postmap (postalias for an aliases file) on the table.",
            printable(word)
        ));
    }
}

/// The words of the files a domain list reads (`mydestination = /etc/postfix/local_domains`),
/// split as Postfix splits them.
fn check_list_files(model: &Model, out: &mut Findings) {
    let mut seen = std::collections::HashSet::new();
    for list in &model.list_files {
        let source = model.sources.get(list.file);
        let text = source.lines.text();
        if text.is_all_ascii() || !seen.insert(list.file) {
            continue;
        }
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            if line.starts_with('#') || line.is_ascii() {
                continue;
            }
            let items = crate::parse::list::match_list_items(line);
            let items = items
                .iter()
                .filter(|i| !matches!(i.item, crate::parse::list::MatchItem::Comment));
            for item in items {
                let word = &line[item.range.clone()];
                let Some((at, c)) = first_odd(word) else {
                    continue;
                };
                let what = odd_char_name(c);
                let at = start + item.range.start + at;
                let span = crate::source::Span::new(list.file, at, at + c.len_utf8());
                let finding = out.report(
                    span,
                    format!(
                        "`{}`, a domain of {} read from {}, has {what}, so it matches nothing",
                        printable(&super::shorten(word)),
                        list.param,
                        list.path
                    ),
                );
                finding.subject(format!("{} {word}", list.path));
                finding.label(format!("{what}, part of the domain"));
                finding.help(
                    "Postfix splits a list file only at ASCII spaces, tabs and commas, and \
                     compares domains byte for byte: no mail is for a domain with this \
                     character in it. Such characters come with text copied from a web page \
                     or a word processor. Retype the line in a plain-text editor and run \
                     `postfix reload`.",
                );
            }
        }
    }
}

/// The settings of database .cf files (mysql, pgsql, sqlite, ldap, memcache), which Postfix
/// reads as it reads main.cf: a host, a database name or a query with such a character in it
/// connects to nothing or is no SQL. Passwords are never looked at.
fn check_db_settings(model: &Model, out: &mut Findings) {
    let mut seen = std::collections::HashSet::new();
    for table in model.tables.iter() {
        let Some(file) = table.source else {
            continue;
        };
        if table.settings.is_empty() || !seen.insert(file) {
            continue;
        }
        for setting in &table.settings {
            if setting.replaced
                || crate::model::secrets::looks_like_secret_setting(&setting.name)
                || model.is_secret(setting.span)
            {
                continue;
            }
            let Some((at, c)) = first_odd(&setting.value) else {
                continue;
            };
            let what = odd_char_name(c);
            let written = model.sources.slice(setting.span);
            let span = match written.ends_with(setting.value.as_str()) {
                true => setting
                    .span
                    .sub(written.len() - setting.value.len() + at, c.len_utf8()),
                false => setting.span,
            };
            let word = word_at(&setting.value, at);
            let name = &setting.name;
            let finding = out.report(
                span,
                format!(
                    "`{name}` in {} has {what} in `{}`, which the database client reads as \
                     part of the word",
                    table.reference(),
                    printable(&super::shorten(word))
                ),
            );
            finding.subject(format!("{} {name}", table.reference()));
            finding.label(format!("{what}, not a space"));
            finding.help(format!(
                "Postfix reads a database .cf file as it reads main.cf, with only ASCII white \
                 space around and between words: `{}` goes to the database client as written, a \
                 host or a name that does not exist or a query the server may refuse, and the \
                 lookups of {} fail. Such characters come with text copied from a web page or \
                 a word processor. Retype the line in a plain-text editor.",
                printable(word),
                table.reference()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joiners_inside_a_joining_script_are_spelling() {
        // Persian "mi-khaham" with a zero-width non-joiner between two letters.
        let persian = "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}";
        assert_eq!(first_odd(persian), None);
        assert_eq!(first_odd("ex\u{200d}ample.com"), Some((2, '\u{200d}')));
        assert_eq!(first_odd("\u{200c}example.com"), Some((0, '\u{200c}')));
        assert_eq!(first_odd("a,\u{a0}b"), Some((2, '\u{a0}')));
        assert_eq!(first_odd("caf\u{e9}.example"), None);
    }

    #[test]
    fn the_word_is_cut_where_postfix_cuts_it() {
        let value = "$myhostname,\u{a0}localhost example.com";
        assert_eq!(word_at(value, 12), "\u{a0}localhost");
        let value = "127.0.0.0/8\u{a0}192.168.0.0/24";
        assert_eq!(word_at(value, 11), value);
    }
}
