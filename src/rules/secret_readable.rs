//! A database .cf file with a password that users other than root and postfix may read.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dbcf;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "secret-readable",
    severity: Severity::Error,
    summary: "a database .cf file holding a password that other users (or a group other than root/postfix) can read",
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
        && dbcf::db_tables(model)
            .iter()
            .any(|(_, table, _)| table.settings.iter().any(dbcf::holds_password))
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
                "{} installs it with mode {:04o}",
                declared.tool, declared.mode
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
    for (_, table, file) in dbcf::db_tables(model) {
        // The file's own mode and group (root's group by number counts as none), else the
        // ones the task that installs it declares.
        let (mode, group_name, declared) = match model.db_file_access.get(&file) {
            Some(access) => (
                access.mode,
                access.group.as_deref().filter(|_| access.gid != 0),
                None,
            ),
            None => match model.db_file_declared.get(&file) {
                Some(declared) => (declared.mode, declared.group.as_deref(), Some(declared)),
                None => continue,
            },
        };
        let Some(password) = table
            .settings
            .iter()
            .rev()
            .find(|s| dbcf::holds_password(s))
        else {
            continue;
        };
        let Some(who) = readers(mode, group_name) else {
            continue;
        };
        let path = &model.sources.get(file).display_path;
        let finding = out.report(
            password.span,
            format!(
                "{path} holds the {} and {who} can read it (mode {:04o}{})",
                password_kind(&password.name),
                mode,
                match declared {
                    Some(d) if d.tool == "etckeeper" => {
                        ", as etckeeper's metadata of this /etc records it".to_string()
                    }
                    Some(d) => format!(", as the {} that installs it says", d.installer()),
                    None => String::new(),
                }
            ),
        );
        finding.subject(format!("{} readable", table.reference()));
        finding.label(format!("{} (not shown)", password.name));
        if let Some(declared) = declared {
            let says = match declared.tool {
                "etckeeper" if declared.mode == 0o644 && declared.span.start == 0 => {
                    "etckeeper records no other mode for it: the default 0644".to_string()
                }
                "etckeeper" => format!("etckeeper records mode {:04o}", declared.mode),
                tool => format!("{tool} installs it with mode {:04o}", declared.mode),
            };
            finding.secondary(declared.span, says);
        }
        // The fix runs on the server: the path Postfix uses there.
        let target = if table.name.starts_with('/') {
            super::sql_config::quoted(&table.name)
        } else {
            path.clone()
        };
        let fix = match declared {
            Some(declared) if declared.tool == "etckeeper" => format!(
                "`chmod 640 {target}; chown root:postfix {target}` on the server, then `etckeeper \
                 commit` records it"
            ),
            Some(declared) => format!(
                "give it {} in the {}",
                declared.private_mode(),
                declared.installer()
            ),
            None => format!("`chmod 640 {target}; chown root:postfix {target}`"),
        };
        finding.help(format!(
            "Anyone who can read the file can log in to the database as Postfix does and read \
             (or, with write grants, change) the mail accounts. Postfix opens the file as root \
             before it drops privileges, so it needs no wider access: {fix}."
        ));
    }
}
