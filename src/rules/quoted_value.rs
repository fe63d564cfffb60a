//! A value written in quotes: main.cf and master.cf have no quoting, so the quote characters
//! are part of the value (`relayhost = "[smtp.example.net]:587"` names a host that starts
//! with `"`).

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::params::{expand_param, Definition};
use crate::model::values::{self, Value};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "quoted-value",
    severity: Severity::Warning,
    summary: "a value in quotes: Postfix has no quoting, the quote characters are part of the \
              value",
    doc: include_str!("../../rules/quoted-value.md"),
    undecided: super::always_decides,
    check,
};

/// Parameters whose value is text shown or run as written, where quotes may be meant: the
/// SMTP greeting and reply texts, filters of characters ([`values::shows_as_text`]), and shell
/// commands (`mailbox_command` runs through /bin/sh when it holds shell syntax, quotes
/// included).
fn free_text(name: &str) -> bool {
    values::shows_as_text(name) || name.ends_with("_command")
}

/// Lists another rule reads word by word and reports a quoted word in: restrictions
/// (unknown-restriction) and milters (invalid-value).
fn read_by_another_rule(name: &str) -> bool {
    name.ends_with("_restrictions") || name == "smtpd_milters" || name == "non_smtpd_milters"
}

/// The value without its quotes, when the whole of it is in one pair of quotes.
fn unquoted(value: &str) -> Option<&str> {
    let value = value.trim_ascii();
    ['"', '\''].into_iter().find_map(|q| {
        value
            .strip_prefix(q)
            .and_then(|v| v.strip_suffix(q))
            .filter(|inner| !inner.contains(q))
    })
}

/// Parameters whose value is a next hop (`[host]:port`), where a quote character is never
/// part of a right value: quotes around its parts (`["{{ host }}"]:"{{ port }}"` in a
/// template) are reported, not only quotes around the whole.
const NEXT_HOPS: &[&str] = &["relayhost", "smtp_fallback_relay", "fallback_relay"];

fn check(model: &Model, out: &mut Findings) {
    quotes_inside_next_hops(model, out);
    escaped_dollars(model, out);
    // Only a quoted value is expanded, for invalid-value's judgement of it.
    for def in model.params.definitions() {
        if unquoted(&def.value).is_some()
            && model
                .params
                .get(&def.name)
                .is_some_and(|d| d.value_span == def.value_span)
        {
            let param = model.params.param(&def.name);
            let value = Value {
                written: &def.value,
                expanded: param.known(),
            };
            report(model, def, value, None, out);
        }
    }
    for service in model.master.running() {
        let scoped = model.params.scoped(service);
        for def in service.effective_overrides() {
            if unquoted(&def.value).is_none() {
                continue;
            }
            let expanded = expand_param(&scoped, &def.name, def.value_ref());
            let value = Value {
                written: &def.value,
                expanded: (!expanded.has_unknown()).then_some(expanded.text.as_str()),
            };
            report(model, def, value, Some(service), out);
        }
    }
}

fn report(
    model: &Model,
    def: &Definition,
    value: Value<'_>,
    service: Option<&crate::model::master::Service>,
    out: &mut Findings,
) {
    let name = def.name.as_str();
    let Some(inner) = unquoted(&def.value) else {
        return;
    };
    if !crate::model::names::is_known_builtin(name)
        || crate::model::names::is_raw(name)
        || free_text(name)
        || read_by_another_rule(name)
        || model.is_secret(def.value_span)
        // invalid-value reports a quoted value the program refuses (`"yes"` for a boolean).
        || values::rejection(model, name, value, service.map(|s| s.command.as_str())).is_some()
    {
        return;
    }
    let place = service.map_or(String::new(), |s| format!(" (in {})", s.label()));
    let shown = super::shorten(def.value.trim_ascii());
    let what = match inner.trim_ascii().is_empty() {
        true => "two quote characters, not an empty value".to_string(),
        false => format!("`{shown}` with its quotes"),
    };
    let finding = out.report(
        def.value_span,
        format!("{name}{place} is {what}: Postfix has no quoting"),
    );
    finding.subject(format!("{name}{place}"));
    let fix = match (service, inner.trim_ascii().is_empty()) {
        (None, true) => format!("`{name} =`, with nothing after `=`"),
        (None, false) => format!("`{name} = {}`", super::shorten(inner.trim_ascii())),
        (Some(_), true) => format!("`-o {name}=`"),
        (Some(_), false) if inner.trim_ascii().contains([' ', '\t']) => {
            format!("`-o {{ {name} = {} }}`", super::shorten(inner.trim_ascii()))
        }
        (Some(_), false) => format!("`-o {name}={}`", super::shorten(inner.trim_ascii())),
    };
    finding.help(format!(
        "Write {fix}. Postfix takes everything after `=` as the value, quotes included (only \
         the white space around it goes): a host, a domain, a path or a list item with a quote \
         in it matches nothing, and the first and last items of a quoted list are read with \
         one quote each. A value with spaces needs no quotes."
    ));
}

/// A next hop with quote characters inside it, not around the whole value (that is
/// `report`'s): `relayhost = ["smtp.example.net"]:"587"` names the host `"smtp.example.net"`
/// and the port `"587"`, which no lookup finds, and the mail is deferred.
fn quotes_inside_next_hops(model: &Model, out: &mut Findings) {
    for &name in NEXT_HOPS {
        let Some(def) = model.params.get(name) else {
            continue;
        };
        let written = model.sources.slice(def.value_span);
        if unquoted(written).is_some()
            || !written.contains(['"', '\''])
            || model.is_secret(def.value_span)
        {
            continue;
        }
        let bare: String = written
            .chars()
            .filter(|c| !matches!(c, '"' | '\''))
            .collect();
        let finding = out.report(
            def.value_span,
            format!(
                "{name} is `{}` with quote characters inside it: Postfix has no quoting, so \
                 the host or port it names holds them",
                super::shorten(written.trim_ascii())
            ),
        );
        finding.subject(name.to_string());
        finding.label("quote characters");
        finding.help(format!(
            "Write `{name} = {}`. Postfix takes every character after `=` as the value: a host \
             name or port with a quote in it matches nothing in DNS or /etc/services, and the \
             mail is deferred.",
            super::shorten(bare.trim_ascii())
        ));
    }
}

/// A `\$` in a main.cf value: a shell's escape left in by a script or template that wrote
/// main.cf through a shell (`smtpd_banner = \$myhostname ESMTP`, `btree:\${data_directory}/...`).
/// main.cf has no escapes: Postfix keeps the backslash and expands what follows, so the banner
/// starts with `\` and the path is another. Not reported: the parameters Postfix passes on as
/// written (raw ones, and `*_command`, which a shell runs), and values with an inline table
/// (`pcre:{/\$/ ...}`), where a backslash belongs to a pattern.
fn escaped_dollars(model: &Model, out: &mut Findings) {
    for name in model.params.defined_names() {
        let Some(def) = model.params.get(name) else {
            continue;
        };
        if !crate::model::names::is_known_builtin(name)
            || crate::model::names::is_raw(name)
            || name.ends_with("_command")
            || model.is_secret(def.value_span)
        {
            continue;
        }
        let written = model.sources.slice(def.value_span);
        if !written.contains("\\$") || written.contains(":{") {
            continue;
        }
        let bare = written.replace("\\$", "$");
        let finding = out.report(
            def.value_span,
            format!(
                "{name} has `\\$`: main.cf has no escapes, so Postfix keeps the backslash and \
                 then expands the `$` reference"
            ),
        );
        finding.subject(format!("{name} escape"));
        finding.label("a shell's escape");
        finding.help(format!(
            "Write `{name} = {}`. A script that writes main.cf through a shell (`echo`, a \
             here-document, `postconf -e`) needs the backslash there; the file must not have \
             it. For a literal `$`, main.cf writes `$$`.",
            super::shorten(bare.trim_ascii())
        ));
    }
}
