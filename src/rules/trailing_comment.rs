//! `# text` after a value: Postfix has comment lines only, so the text is part of the value (a
//! main.cf parameter, a master.cf service's arguments, a map entry, a database .cf setting).

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::names::is_raw;
use crate::model::params::Definition;
use crate::model::tables::Content;
use crate::model::values;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "trailing-comment",
    severity: Severity::Warning,
    summary: "`# text` after a value is part of the value: Postfix has no trailing comments",
    doc: include_str!("../../rules/trailing-comment.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    for def in model.params.definitions() {
        parameter(model, def, None, out);
    }
    for service in &model.master.services {
        for def in &service.overrides {
            parameter(model, def, Some(&service.command), out);
        }
        master_arguments(model, service, out);
    }
    let classes = restriction_classes(model);
    for table in model.tables.iter() {
        if let Content::Entries(entries) = &table.content {
            let access = is_access_table(table, &classes);
            // A table only domain lists and recipient lists read: Postfix looks its keys up,
            // and any value means "listed" (`otherdomain.example #virtual` in
            // virtual_alias_domains is harmless).
            let keys_only = !table.uses.is_empty()
                && table.uses.iter().all(|u| {
                    crate::model::classes::ClassKind::RESOLVE_ORDER
                        .iter()
                        .any(|k| k.param() == u.param)
                        || matches!(
                            u.param.as_str(),
                            "relay_recipient_maps" | "local_recipient_maps" | "mynetworks"
                        )
                });
            for i in entries.values_holding(b'#') {
                let entry = entries.entry(i);
                // `user1@example.com #user1`: the comment is the whole value, which Postfix
                // maps the key to (`postmap -q` prints `#user1`).
                let value = entry.value.trim_ascii();
                if value.starts_with('#') && !placeholder_at(value, 0) && !keys_only {
                    let finding = out.report(
                        entry.value_span,
                        format!(
                            "{} is the whole value of `{}`: a table has no comments after a key, so Postfix maps the key to this text",
                            quoted(model, entry.value_span, value),
                            shown_key(model, entry.key_span, entry.key)
                        ),
                    );
                    finding.label("postmap stores this text as the value");
                    finding.help(
                        "Lines whose first non-blank character is `#` are comments; text after a \
                         key is its value. Write the value the key should have (for a virtual \
                         alias, the address mail goes to), and move the comment to a line of its \
                         own above the entry.",
                    );
                    continue;
                }
                let Some(at) = comment_after_text(entry.value) else {
                    continue;
                };
                if access && text_is_harmless(entry.value) {
                    continue;
                }
                // A value continued over lines is shown whole.
                let span = if entry.value_span.len() == entry.value.len() {
                    sub_span(entry.value_span, at, entry.value.len())
                } else {
                    entry.value_span
                };
                let finding = out.report(
                    span,
                    format!(
                        "{} is part of the value of `{}`: a table has no comments after an entry",
                        quoted(model, span, &entry.value[at..]),
                        shown_key(model, entry.key_span, entry.key)
                    ),
                );
                finding.label("postmap stores this text with the value");
                finding.help(
                    "Lines whose first non-blank character is `#` are comments; text after an \
                     entry is data. Move the comment to a line of its own above the entry.",
                );
            }
        }
        for setting in &table.settings {
            // MySQL itself takes `#` to the end of a query for a comment.
            if table.kind == "mysql" && setting.name == "query" {
                continue;
            }
            let Some(at) = comment_after_text(&setting.value) else {
                continue;
            };
            let value_start = setting.span.end - setting.value.len() as u32;
            let span = sub_span(
                Span {
                    start: value_start,
                    ..setting.span
                },
                at,
                setting.value.len(),
            );
            let finding = out.report(
                span,
                format!(
                    "{} is part of the `{}` setting: a database .cf file has no comments after a value",
                    quoted(model, span, &setting.value[at..]),
                    setting.name
                ),
            );
            finding.label(format!(
                "{} reads this text as part of `{}`",
                table.kind, setting.name
            ));
            finding.help("Move the comment to a line of its own that starts with `#`.");
        }
    }
}

/// A `#` word after other text in a main.cf or `-o` value.
fn parameter(model: &Model, def: &Definition, command: Option<&str>, out: &mut Findings) {
    let name = def.name.as_str();
    // Free text, not lists: a banner may say "#1", a shell command has its own comments.
    if is_raw(name)
        || name.ends_with("_banner")
        || name.ends_with("_footer")
        || name.ends_with("_reply")
        || name.ends_with("_command")
    {
        return;
    }
    // A value that is a comment alone (`relayhost = # set at start`) is the value too.
    let whole = def.value.trim_start().starts_with('#');
    let Some(at) = comment_after_text(&def.value)
        .or_else(|| whole.then(|| def.value.len() - def.value.trim_start().len()))
        .filter(|&at| !placeholder_at(&def.value, at))
    else {
        return;
    };
    let span = def.source().span(at..def.value.len());
    let comment = quoted(model, span, &def.value[at..]);
    let (setting, file) = match command {
        None => (format!("`{name}`"), "main.cf"),
        Some(_) => (format!("`-o {name}`"), "master.cf"),
    };
    let message = match whole {
        false => format!(
            "{comment} is part of the value of {setting}: {file} has no comments after a value"
        ),
        true => format!("{comment} is the value of {setting}: {file} has no comments after `=`"),
    };
    // `$name` in the value is left to invalid-value, which expands it.
    let value = values::Value {
        written: def.value.trim_ascii(),
        expanded: (!def.value.contains('$')).then_some(def.value.trim_ascii()),
    };
    let rejection = values::rejection(model, name, value, command);
    let finding = out.report(span, message);
    match &rejection {
        Some(r) => {
            finding.severity = Severity::Error;
            finding.label(format!("{} stops: {}", r.daemons, r.log_line));
        }
        // A table list: dict_open() reads `#...` as a table and stops the daemon that opens
        // the list (`virtual_mailbox_maps = hash:/etc/postfix/vmailbox # user -> dir`).
        None if name.ends_with("_maps") && crate::model::names::is_known_builtin(name) => {
            let word: String = def.value[at..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != ',')
                .collect();
            finding.severity = Severity::Error;
            finding.label(format!(
                "every daemon that opens {name} stops: fatal: open dictionary: expecting \"type:name\" form instead of \"{}\"",
                crate::output::printable(&word)
            ));
        }
        None if values::is_match_list(name) => {
            finding.label(format!(
                "Postfix warns \"{name}: comment at end of line is not supported\" and ignores the rest of the list"
            ));
        }
        None => {
            finding.label("Postfix reads this text as part of the value");
        }
    }
    finding.help(match whole {
        false => {
            "A `#` starts a comment only at the beginning of a line (postconf 3.8 and \
                  later warn \"#comment after other text is not allowed\"). Move the comment to \
                  a line of its own above the parameter."
        }
        true => {
            "A `#` starts a comment only at the beginning of a line: after `=` it is the \
                 value, so Postfix uses the comment's words (a relayhost of `#`, `will`, ...). \
                 Move the comment to a line of its own above the parameter, and leave the value \
                 empty (`name =`) if that is what it means."
        }
    });
}

/// `# text` among a master.cf service's arguments: the daemon gets `#` and each word as
/// command-line arguments. One finding per line that has one.
fn master_arguments(model: &Model, service: &crate::model::master::Service, out: &mut Findings) {
    let text = |span: Span| model.sources.slice(span);
    let line = |span: Span| model.sources.get(span.file).line_col(span.start).0;
    let args = &service.args;
    let mut i = 0;
    while i < args.len() {
        if !text(args[i]).starts_with('#') || (i > 0 && text(args[i - 1]) == "-o") {
            i += 1;
            continue;
        }
        // The comment runs to the end of its physical line.
        let first = i;
        while i + 1 < args.len() && line(args[i + 1]) == line(args[first]) {
            i += 1;
        }
        report_arguments(model, service, args[first].to(args[i]), out);
        i += 1;
    }
}

fn report_arguments(
    model: &Model,
    service: &crate::model::master::Service,
    span: Span,
    out: &mut Findings,
) {
    let program = values::program_of(&service.command);
    let words = model.sources.slice(span);
    let comment = quoted(model, span, words);
    let finding = out.report(
        span,
        format!(
            "{comment} is passed to {program} as command-line arguments: master.cf has no comments after a service"
        ),
    );
    let first_word = super::shorten(words.split_whitespace().next().unwrap_or("#")).into_owned();
    // pipe(8) and spawn(8) hand everything after `argv=` to the command they run.
    let after_argv = service
        .args
        .iter()
        .take_while(|a| a.start < span.start)
        .any(|a| model.sources.slice(*a).starts_with("argv="));
    if crate::model::master::STOP_ON_ARGUMENTS.contains(&program) {
        finding.severity = Severity::Error;
        finding.label(format!(
            "{program} stops: \"fatal: unexpected command-line argument: {first_word}\""
        ));
    } else if matches!(program, "pipe" | "spawn") && after_argv {
        finding.label(format!(
            "{program} passes these words to the command it runs"
        ));
    } else if matches!(program, "smtp" | "lmtp" | "pipe" | "spawn") {
        // Their arguments are name=value attributes (smtp.c, pipe.c, spawn.c).
        finding.severity = Severity::Error;
        finding.label(format!(
            "{program} stops: \"fatal: unknown attribute name: {first_word}\""
        ));
    } else {
        finding.label(format!("{program} gets these words as arguments"));
    }
    finding.help(format!(
        "In master.cf a `#` starts a comment only at the beginning of a line. Move the comment to \
         a line of its own above the {} entry.",
        service.label()
    ));
}

/// Where the first word that starts with `#` begins, when some text comes before it.
/// The names smtpd_restriction_classes defines (a table in one of their lists is an access
/// table too).
fn restriction_classes(model: &Model) -> Vec<String> {
    model
        .params
        .param("smtpd_restriction_classes")
        .known()
        .map(|v| {
            v.split([',', ' ', '\t', '\r', '\n'])
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A table that only restriction lists name: its values are access(5) actions.
fn is_access_table(table: &crate::model::tables::Table, classes: &[String]) -> bool {
    !table.uses.is_empty()
        && table
            .uses
            .iter()
            .all(|u| u.param.ends_with("_restrictions") || classes.contains(&u.param))
}

/// An access(5) action whose text after the first word changes nothing that matters: smtpd
/// ignores it after OK, RELAY and DUNNO (check_table_result() in smtpd_check.c: "Ignore
/// trailing text"), and sends or logs it as text after REJECT, DEFER, a reply code, DISCARD,
/// HOLD, WARN and INFO. After PREPEND, REDIRECT, FILTER, BCC or a restriction it is data.
fn text_is_harmless(value: &str) -> bool {
    let first = value.split_ascii_whitespace().next().unwrap_or("");
    let action = first.to_ascii_uppercase();
    let code = action.len() == 3
        && action.starts_with(['4', '5'])
        && action.bytes().all(|b| b.is_ascii_digit());
    code || matches!(
        action.as_str(),
        "OK" | "RELAY"
            | "DUNNO"
            | "REJECT"
            | "DEFER"
            | "DEFER_IF_REJECT"
            | "DEFER_IF_PERMIT"
            | "DISCARD"
            | "HOLD"
            | "WARN"
            | "INFO"
    )
}

fn comment_after_text(value: &str) -> Option<usize> {
    memchr::memchr(b'#', value.as_bytes())?;
    crate::parse::list::list_items(value)
        .skip(1)
        .find(|word| value[word.clone()].starts_with('#') && !placeholder_at(value, word.start))
        .map(|word| word.start)
}

/// Whether an installer placeholder starts at `at` (`##SMTP_HOSTNAME##`, which a start script
/// replaces): its `#` is no comment.
fn placeholder_at(value: &str, at: usize) -> bool {
    crate::parse::placeholder::find(value)
        .iter()
        .any(|r| r.start == at)
}

fn sub_span(whole: Span, from: usize, len: usize) -> Span {
    Span {
        start: whole.start + from as u32,
        end: whole.start + len as u32,
        file: whole.file,
    }
}

/// The comment in backticks, or "Text" when it is part of a secret.
fn quoted(model: &Model, span: Span, text: &str) -> String {
    if model.is_secret(span) {
        "Text".to_string()
    } else {
        format!("`{}`", super::shorten(text.trim_ascii_end()))
    }
}

fn shown_key(model: &Model, span: Span, key: &str) -> String {
    if model.is_secret(span) {
        "this key".to_string()
    } else {
        super::shorten(key).to_string()
    }
}
