//! A Postfix `$name` in a set-up script's here-document whose delimiter is not quoted (`cat >
//! /etc/postfix/main.cf <<EOF`), or in a Dockerfile's `RUN postconf` argument in double quotes
//! (`postconf -e mydestination="$myhostname, localhost"`): the shell replaces it with its own
//! variable before Postfix reads it (`template::heredoc`, `scripts::ShellReference`).

use super::{in_words, Rule};
use crate::diagnostic::{Findings, Severity};
use crate::model::names;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "shell-expanded-reference",
    severity: Severity::Error,
    summary: "a Postfix `$name` in an unquoted here-document: the shell replaces it before Postfix reads the file",
    doc: include_str!("../../rules/shell-expanded-reference.md"),
    undecided: super::always_decides,
    check,
};

/// The setting whose value holds a reference (its name, and its value's span), if any.
type Setting = Option<(String, Span)>;

fn check(model: &Model, out: &mut Findings) {
    heredoc_references(model, out);
    postconf_references(model, out);
}

/// A Dockerfile's `RUN postconf -e name="... $myhostname ..."`, or `RUN echo "name = ...
/// $myhostname ..." >> /etc/postfix/main.cf`, or the same in a set-up script: the shell
/// expands the reference before postconf or main.cf sees it. One finding per argument.
fn postconf_references(model: &Model, out: &mut Findings) {
    let mut i = 0;
    let refs = &model.postconf_shell_references;
    while i < refs.len() {
        let (span, name, setting, echo) = &refs[i];
        // The references of one argument (one setting, on one line).
        let line_of = |s: &Span| (s.file, model.sources.get(s.file).line_col(s.start).0);
        let line = line_of(span);
        let same = refs[i..]
            .iter()
            .take_while(|(s, _, set, _)| set == setting && line_of(s) == line)
            .count();
        let group = &refs[i..i + same];
        i += same;
        let shown: Vec<String> = group.iter().map(|(_, n, ..)| format!("`${n}`")).collect();
        let receiver = match echo {
            true => "main.cf gets the text",
            false => "postconf gets the argument",
        };
        // A Dockerfile's RUN, or a set-up script's line.
        let giver = match crate::scripts::is_dockerfile_path(std::path::Path::new(
            &model.sources.get(span.file).display_path,
        )) {
            true => "the Dockerfile",
            false => "the script",
        };
        let (what, verb) = (
            in_words(&shown),
            if shown.len() == 1 { "is" } else { "are" },
        );
        let finding = out.report(
            *span,
            format!(
                "{what} in {setting} {verb} the shell's: {receiver} after the shell has replaced \
                 {}, which {giver} never sets ({})",
                match group.len() {
                    1 => format!("it with its variable `{name}`"),
                    _ => "them with its variables".to_string(),
                },
                match group.len() {
                    1 => "an empty text",
                    _ => "empty texts",
                }
            ),
        );
        finding.subject(format!("{setting} ${name}"));
        finding.label("expanded by the shell");
        for (other, ..) in &group[1..] {
            finding.secondary(*other, "expanded by the shell too");
        }
        let quoted = match echo {
            true => format!("echo '{setting} = ...${name}...' >> /etc/postfix/main.cf"),
            false => format!("postconf -e '{setting} = ...${name}...'"),
        };
        finding.help(format!(
            "Write `\\${name}` inside the double quotes, or put the whole setting in single \
             quotes (`{quoted}`), so that main.cf gets Postfix's `${name}`. See `postlint \
             --explain shell-expanded-reference`."
        ));
    }
}

/// `$name` in a set-up script's unquoted here-document that writes main.cf or master.cf.
fn heredoc_references(model: &Model, out: &mut Findings) {
    // One finding per setting, at its first such reference: (setting, value span) → spans.
    let mut groups: Vec<(Setting, Vec<(Span, &str)>)> = Vec::new();
    for (span, name) in &model.shell_references {
        // A name of Postfix's, or one this main.cf defines for its own references.
        if !names::is_known_name(name) && !model.params.is_set(name) {
            continue;
        }
        let setting = setting_at(model, *span);
        match groups.last_mut() {
            Some((last, spans)) if setting.is_some() && *last == setting => {
                spans.push((*span, name))
            }
            _ => groups.push((setting, vec![(*span, name.as_str())])),
        }
    }
    for (setting, spans) in groups {
        let (span, name) = spans[0];
        let shown: Vec<String> = spans.iter().map(|(_, n)| format!("`${n}`")).collect();
        let (what, verb) = (
            in_words(&shown),
            if shown.len() == 1 { "is" } else { "are" },
        );
        let place = setting
            .as_ref()
            .map(|(s, _)| format!(" in {s}"))
            .unwrap_or_default();
        let variables: Vec<String> = spans.iter().map(|(_, n)| format!("`{n}`")).collect();
        let finding = out.report(
            span,
            format!(
                "{what}{place} {verb} the shell's: the here-document's delimiter is not quoted, \
                 so the file gets {}",
                match variables.len() {
                    1 => format!(
                        "the shell's variable {}, which the script never sets (an empty text), \
                         instead of Postfix's `${name}`",
                        variables[0]
                    ),
                    _ => format!(
                        "the shell's variables {}, which the script never sets (empty texts), \
                         instead of Postfix's references",
                        in_words(&variables)
                    ),
                }
            ),
        );
        finding.subject(format!("${name}"));
        finding.label("expanded by the shell");
        for (other, _) in &spans[1..] {
            finding.secondary(*other, "expanded by the shell too");
        }
        // Only a daemon started with -D runs debugger_command.
        if setting
            .as_ref()
            .is_some_and(|(s, _)| s.starts_with("debugger_command"))
        {
            finding.severity = Severity::Warning;
        }
        finding.help(format!(
            "Write `\\${name}` so that the shell leaves it for Postfix, or quote the delimiter \
             (`<<'EOF'`) when the document holds no shell variable. See `postlint --explain \
             shell-expanded-reference`."
        ));
    }
}

/// The main.cf parameter or master.cf `-o` override whose value holds `span`, with its value.
fn setting_at(model: &Model, span: Span) -> Setting {
    let inside =
        |value: Span| value.file == span.file && value.start <= span.start && span.end <= value.end;
    let main = model
        .params
        .definitions()
        .iter()
        .find(|d| inside(d.value_span))
        .map(|d| (d.name.clone(), d.value_span));
    main.or_else(|| {
        model.master.services.iter().find_map(|service| {
            service
                .overrides
                .iter()
                .find(|d| inside(d.value_span))
                .map(|d| (format!("{} ({})", d.name, service.label()), d.value_span))
        })
    })
}
