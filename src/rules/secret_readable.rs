//! A database .cf file with a password, or a relay password table (smtp_sasl_password_maps),
//! that users other than root and postfix may read.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dbcf;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "secret-readable",
    severity: Severity::Error,
    summary: "a database .cf file or relay password table holding a password that other users (or a group other than root/postfix) can read",
    doc: include_str!("../../rules/secret-readable.md"),
    undecided,
    check,
};

/// In a checkout the file modes are git's, not the server's: the rule decides nothing about
/// the password files there.
fn undecided(model: &Model) -> bool {
    model.db_file_access.is_empty()
        && model.db_file_declared.is_empty()
        && model.installed_db_files.is_empty()
        && !model.is_live()
        && model
            .tables
            .iter()
            .any(|table| table.source.is_some() && dbcf::secret_line(table).is_some())
}

fn check(model: &Model, out: &mut Findings) {
    check_tables(model, out);
    check_installed_files(model, out);
}

/// Who besides root and Postfix may read a file of this mode and group ("every user on the
/// machine", "the group `www-data`"); None when nobody else may.
fn readers(mode: u32, group: Option<&str>) -> Option<String> {
    if mode & 0o004 != 0 {
        return Some("every user on the machine".to_string());
    }
    let group = group.filter(|g| *g != "root" && *g != "postfix")?;
    (mode & 0o040 != 0).then(|| format!("the group {}", super::sql_config::quoted(group)))
}

/// The words for a password setting.
fn password_kind(name: &str) -> &'static str {
    if name == "bind_pw" {
        "LDAP bind password"
    } else {
        "database password"
    }
}

/// Database lookup files no table reads (main.cf names its maps through variables, or not at
/// all) that a task installs readable with their password.
fn check_installed_files(model: &Model, out: &mut Findings) {
    for installed in &model.installed_db_files {
        let declared = &installed.declared;
        let mode = declared.mode;
        let Some(who) = readers(mode, declared.group.as_deref()) else {
            continue;
        };
        let password = &installed.password;
        let finding = out.report(
            password.span,
            format!(
                "{} holds the {} and {who} can read it (mode {mode:04o}, as the {} that \
                 installs it as {} says)",
                model.sources.get(password.span.file).display_path,
                password_kind(&password.name),
                declared.installer(),
                installed.dest,
            ),
        );
        finding.subject(format!("{} readable", installed.dest));
        finding.label(format!("{} (not shown)", password.name));
        finding.secondary(
            declared.span,
            format!(
                "{} installs it with mode {:04o}{}",
                declared.tool,
                declared.mode,
                declared.decimal_note(&model.sources)
            ),
        );
        finding.help(format!(
            "Whichever table reads it, anyone who can read the file can log in to the database \
             as Postfix does and read (or, with write grants, change) the mail accounts. \
             Postfix opens the file as root before it drops privileges, so it needs no wider \
             access: give it {} in the {}.",
            declared.private_mode(),
            declared.installer()
        ));
    }
}

fn check_tables(model: &Model, out: &mut Findings) {
    let mut seen = std::collections::HashSet::new();
    for table in model.tables.iter() {
        let Some(file) = table.source else { continue };
        let Some(secret) = dbcf::secret_line(table) else {
            continue;
        };
        if !seen.insert(file) {
            continue;
        }
        // The file's own mode and group (root's group by number counts as none), else the
        // ones the task that installs it declares.
        let (mode, group_name, declared, compiled) = match model.db_file_access.get(&file) {
            Some(access) => (
                access.mode,
                access.group.as_deref().filter(|_| access.gid != 0),
                None,
                access.compiled.as_slice(),
            ),
            None => match model.db_file_declared.get(&file) {
                Some(declared) => (
                    declared.mode,
                    declared.group.as_deref(),
                    Some(declared),
                    &[][..],
                ),
                None => continue,
            },
        };
        let source_readers = readers(mode, group_name);
        // The compiled files (`sasl_passwd.db`) other users may read: Postfix reads those.
        let compiled_readers: Vec<(&str, u32, String)> = compiled
            .iter()
            .filter_map(|(shown, access)| {
                let group = access.group.as_deref().filter(|_| access.gid != 0);
                Some((shown.as_str(), access.mode, readers(access.mode, group)?))
            })
            .collect();
        if source_readers.is_none() && compiled_readers.is_empty() {
            continue;
        }
        let path = &model.sources.get(file).display_path;
        let holds = match &secret.param {
            Some(param) => format!("{} ({param})", secret.kind.words()),
            None => secret.kind.words().to_string(),
        };
        // The compiled files after the first one the message names: "and X too" where the
        // same users read it, else who reads it.
        let also = |named: Option<&String>, rest: &[(&str, u32, String)]| -> String {
            rest.iter()
                .map(|(shown, mode, who)| match named {
                    Some(same) if same == who => format!(", and {shown} too (mode {mode:04o})"),
                    _ => format!("; {who} can read {shown} too (mode {mode:04o})"),
                })
                .collect()
        };
        let message = match &source_readers {
            Some(who) => format!(
                "{path} holds {holds} and {who} can read it (mode {:04o}{}){}",
                mode,
                match declared {
                    Some(d) if d.tool == "etckeeper" => {
                        ", as etckeeper's metadata of this /etc records it".to_string()
                    }
                    Some(d) => format!(", as the {} that installs it says", d.installer()),
                    None => String::new(),
                },
                also(Some(who), &compiled_readers)
            ),
            None => {
                let (shown, mode, who) = &compiled_readers[0];
                format!(
                    "{shown}, which postmap built from {path}, holds {holds} and {who} can read \
                     it (mode {mode:04o}){}",
                    also(Some(who), &compiled_readers[1..])
                )
            }
        };
        let finding = out.report(secret.span, message);
        // The file's mode exposes the line whenever it is there (a `{% for %}` over relays).
        finding.basis(crate::diagnostic::Basis::FileMode);
        finding.subject(format!("{} readable", table.reference()));
        finding.label(format!("{} (not shown)", secret.name));
        if let Some(declared) = declared {
            let says = match declared.tool {
                "etckeeper" if declared.mode == 0o644 && declared.span.start == 0 => {
                    "etckeeper records no other mode for it: the default 0644".to_string()
                }
                "etckeeper" => format!("etckeeper records mode {:04o}", declared.mode),
                tool => format!(
                    "{tool} installs it with mode {:04o}{}",
                    declared.mode,
                    declared.decimal_note(&model.sources)
                ),
            };
            finding.secondary(declared.span, says);
        }
        // The fix runs on the server: the paths Postfix uses there.
        let target = if table.name.starts_with('/') {
            super::sql_config::quoted(&table.name)
        } else {
            path.clone()
        };
        let relay = secret.kind == dbcf::SecretKind::RelayPasswords;
        // A relay password table is root's alone, as SASL_README sets it; a database file
        // may be postfix's group's.
        let (chmod, chown) = if relay {
            ("600", "root:root")
        } else {
            ("640", "root:postfix")
        };
        // postmap's files are the source's path with a suffix (`.db`), on the server too.
        let mut files = vec![target];
        files.extend(
            compiled
                .iter()
                .map(|(shown, _)| match shown.strip_prefix(path.as_str()) {
                    Some(suffix) if table.name.starts_with('/') => {
                        super::sql_config::quoted(&format!("{}{suffix}", table.name))
                    }
                    _ => super::sql_config::quoted(shown),
                }),
        );
        let files = files.join(" ");
        let fix = match declared {
            Some(declared) if declared.tool == "etckeeper" => format!(
                "`chmod {chmod} {files}; chown {chown} {files}` on the server, then `etckeeper \
                 commit` records it"
            ),
            Some(declared) => format!(
                "give it {} in the {}",
                if relay {
                    declared.root_only_mode()
                } else {
                    declared.private_mode()
                },
                declared.installer()
            ),
            None => format!("`chmod {chmod} {files}; chown {chown} {files}`"),
        };
        let why = if relay {
            "Anyone who can read the file can log in to the relay host as this server does and \
             send mail in its name. The Postfix SMTP client opens the table as root before it \
             drops privileges, so it needs no wider access"
        } else {
            "Anyone who can read the file can log in to the database as Postfix does and read \
             (or, with write grants, change) the mail accounts. Postfix opens the file as root \
             before it drops privileges, so it needs no wider access"
        };
        let compiled_note = if relay && !compiled.is_empty() {
            " postmap gives a new .db the source's mode but keeps the mode of one that exists, \
             so set both."
        } else {
            ""
        };
        finding.help(format!("{why}: {fix}.{compiled_note}"));
    }
}
