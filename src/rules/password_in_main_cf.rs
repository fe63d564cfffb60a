//! A password written in main.cf (or in a master.cf `-o`): a relay login in a `static:` or
//! `inline:` table of smtp_sasl_password_maps, or the bind password of the legacy
//! `ldap:NAME` form (`NAME_bind_pw`). main.cf must stay world-readable for local users'
//! sendmail, and `postconf -n` prints it.

use std::ops::Range;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dbcf::has_placeholder;
use crate::model::expand::{expand_text, UNKNOWN};
use crate::model::params::Definition;
use crate::model::secrets::{inline_tables, is_secret_table_param};
use crate::model::Model;
use crate::parse::table_ref::TableRef;

pub const RULE: Rule = Rule {
    id: "password-in-main-cf",
    severity: Severity::Warning,
    summary: "a password written in main.cf or master.cf (static:user:password, inline:, NAME_bind_pw): every local user can read it, and postconf -n prints it",
    doc: include_str!("../../rules/password-in-main-cf.md"),
    undecided: super::always_decides,
    check,
};

/// The legacy database forms whose settings may live in main.cf (`ldap:NAME` reads
/// `NAME_bind_pw`), with the setting that holds the password.
const LEGACY: &[(&str, &str)] = &[
    ("ldap", "bind_pw"),
    ("mysql", "password"),
    ("pgsql", "password"),
];

/// The password a `static:` or `inline:` table (the whole of `table`) holds: `user:password`
/// of `static:user:password` or `static:{ user:password }`, the first entry value with one of
/// `inline:{ [smtp.example.net]:587=user:password, ... }`.
fn password_of(table: &str) -> Option<&str> {
    fn password(login: &str) -> Option<&str> {
        let (_, password) = login.trim_ascii().split_once(':')?;
        let password = password.trim_ascii();
        (!password.is_empty()).then_some(password)
    }
    let table = TableRef::parse(table)?;
    // `{` without its `}`: Postfix refuses the table, and nothing is read from it.
    let name = table.name.trim_ascii();
    if name.starts_with('{') && !name.ends_with('}') {
        return None;
    }
    match table.kind {
        "static" => password(table.braced().unwrap_or(table.name)),
        "inline" => table
            .inline_entries()?
            .into_iter()
            .find_map(|(_, value)| password(value)),
        _ => None,
    }
}

/// Whether the password is written in the file: no installer placeholder or template
/// expression (filled in elsewhere, unknown here), and any `$name` it uses defined in main.cf
/// (an undefined upper-case one is an entrypoint's variable).
fn written_here(model: &Model, password: &str) -> bool {
    if has_placeholder(password) || password.contains(UNKNOWN) {
        return false;
    }
    crate::model::expand::references(password)
        .iter()
        .all(|r| model.params.get(&password[r.name.clone()]).is_some())
}

/// The password `table` (a `static:` or `inline:` table as written) holds once its `$name`
/// references are expanded with main.cf's parameters, when it is written in the files.
fn written_password(model: &Model, table: &str) -> bool {
    if has_placeholder(table) {
        return false;
    }
    let expanded;
    let text = if table.contains('$') {
        expanded = expand_text(&model.params, table).text;
        expanded.as_str()
    } else {
        table
    };
    password_of(text).is_some_and(|p| written_here(model, p))
}

fn check(model: &Model, out: &mut Findings) {
    let in_master = model
        .master
        .services
        .iter()
        .flat_map(|s| s.overrides.iter().map(move |d| (d, Some(s))));
    let definitions = model
        .params
        .definitions()
        .iter()
        .map(|d| (d, None))
        .chain(in_master);
    for (def, service) in definitions {
        if !is_secret_table_param(&def.name) {
            continue;
        }
        let templated = model.sources.get(def.file).template.is_some();
        for table in inline_tables(&def.value) {
            let text = &def.value[table.clone()];
            if written_password(model, text) {
                report_table(out, def, service, table, false);
            } else if templated && filled_in_by_template(text) {
                report_table(out, def, service, table, true);
            }
        }
    }
    for def in model.params.definitions() {
        let Some((kind, prefix)) = LEGACY.iter().find_map(|(kind, setting)| {
            let prefix = def.name.strip_suffix(setting)?.strip_suffix('_')?;
            Some((*kind, prefix))
        }) else {
            continue;
        };
        let named = model
            .tables
            .iter()
            .any(|t| t.kind == kind && t.name == prefix);
        let password = def.value.trim_ascii();
        if !named || password.is_empty() || !written_here(model, password) {
            continue;
        }
        let finding = out.report(
            def.value_span,
            format!(
                "{} is the {} password of `{kind}:{prefix}`, written in main.cf: every local user can read it, and `postconf -n` prints it",
                def.name,
                if kind == "ldap" { "LDAP bind" } else { "database" }
            ),
        );
        finding.subject(def.name.clone());
        finding.label("a password in a file every user reads");
        finding.help(format!(
            "main.cf must stay world-readable: local users' sendmail reads it. {kind}_table(5) \
             calls the `{kind}:{prefix}` form with its settings in main.cf obsolete because of \
             this. Move the `{prefix}_...` settings, without the prefix, to a file of their \
             own, name it in the map (`{kind}:/etc/postfix/{prefix}.cf`), and make that file \
             readable by root and postfix only (`chmod 640`, `chown root:postfix`)."
        ));
    }
}

/// Whether the password of a `static:`/`inline:` table is a template expression
/// (`static:{{ relay_user }}:{{ relay_password }}`, read with a hole marker in its place): the
/// file the template renders holds it, whatever it is.
fn filled_in_by_template(table: &str) -> bool {
    password_of(table).is_some_and(crate::template::holes::is_marker)
}

fn report_table(
    out: &mut Findings,
    def: &Definition,
    service: Option<&crate::model::master::Service>,
    table: Range<usize>,
    from_template: bool,
) {
    let span = def.source().span(table.clone());
    let kind = def.value[table.clone()]
        .split(':')
        .next()
        .unwrap_or("static")
        .to_ascii_lowercase();
    let (file, shown) = match service {
        Some(s) => ("master.cf", format!("-o {} of {}", def.name, s.label())),
        None => ("main.cf", def.name.clone()),
    };
    let how = match from_template {
        true => "the template writes the relay password into",
        false => "the relay password is written in",
    };
    let finding = out.report(
        span,
        format!(
            "{how} {file}, in the `{kind}:` table of {shown}: every local user can read it, and `postconf {}` prints it",
            if service.is_some() { "-P" } else { "-n" }
        ),
    );
    finding.subject(format!("{} {kind}", def.name));
    finding.label("a password in a file every user reads");
    finding.help(
        "main.cf must stay world-readable: local users' sendmail and postqueue read it, and \
         master.cf is installed world-readable too. `postconf -n` (and `postconf -P` for \
         master.cf), whose output help forums ask for, prints the password. Keep it in a table file only root reads: \
         `smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd` (or lmdb:), a line \
         `[smtp.example.net]:587 user:password` there, `chmod 600 /etc/postfix/sasl_passwd`, \
         then `postmap /etc/postfix/sasl_passwd`. A container can write that file at start \
         from its secret or environment instead of main.cf.",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passwords(value: &str) -> Vec<&str> {
        inline_tables(value)
            .into_iter()
            .filter_map(|t| password_of(&value[t]))
            .collect()
    }

    #[test]
    fn the_password_of_each_table_shape_is_found() {
        assert_eq!(passwords("static:relayuser:s3cret"), ["s3cret"]);
        assert_eq!(passwords("static:{ relayuser:s3cret }"), ["s3cret"]);
        assert_eq!(passwords("static:user:pw:with:colons"), ["pw:with:colons"]);
        assert_eq!(
            passwords("inline:{ [smtp.example.net]:587=user:pw, other=x }"),
            ["pw"]
        );
        assert_eq!(passwords("inline:{[smtp.example.net]:587=user:pw}"), ["pw"]);
        assert_eq!(
            passwords("hash:/etc/postfix/sasl_passwd, static:u:p2"),
            ["p2"]
        );
    }

    #[test]
    fn tables_without_a_password_are_passed_over() {
        assert!(passwords("hash:/etc/postfix/sasl_passwd").is_empty());
        assert!(passwords("static:relayuser").is_empty());
        assert!(passwords("static:relayuser:").is_empty());
        assert!(passwords("inline:{ a=b }").is_empty());
        assert!(passwords("inline:{ a=b").is_empty());
        assert!(passwords("mystatic:u:p").is_empty());
        // Postfix's table types are case-sensitive: "unsupported dictionary type: STATIC".
        assert!(passwords("STATIC:user:pw").is_empty());
        assert!(passwords("static:{ u:p").is_empty());
    }
}
