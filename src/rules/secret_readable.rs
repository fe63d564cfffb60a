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
        && !model.is_live()
        && dbcf::db_tables(model)
            .iter()
            .any(|(_, table, _)| table.settings.iter().any(dbcf::holds_password))
}

fn check(model: &Model, out: &mut Findings) {
    for (_, table, file) in dbcf::db_tables(model) {
        // The file's own mode, else the one the task that installs it declares.
        let declared = model.db_file_declared.get(&file);
        let declared_access;
        let access = match (model.db_file_access.get(&file), declared) {
            (Some(access), _) => access,
            (None, Some(declared)) => {
                declared_access = dbcf::FileAccess {
                    mode: declared.mode,
                    uid: 0,
                    // Any group but root's: the name decides.
                    gid: u32::from(declared.group.is_some()),
                    group: declared.group.clone(),
                };
                &declared_access
            }
            (None, None) => continue,
        };
        let declared = declared.filter(|_| !model.db_file_access.contains_key(&file));
        let Some(password) = table
            .settings
            .iter()
            .rev()
            .find(|s| dbcf::holds_password(s))
        else {
            continue;
        };
        let world = access.mode & 0o004 != 0;
        let group = access.mode & 0o040 != 0
            && access.gid != 0
            && access
                .group
                .as_deref()
                .is_some_and(|g| g != "root" && g != "postfix");
        if !world && !group {
            continue;
        }
        let path = &model.sources.get(file).display_path;
        let who = if world {
            "every user on the machine".to_string()
        } else {
            format!(
                "the group {}",
                super::sql_config::quoted(access.group.as_deref().unwrap_or(""))
            )
        };
        let finding = out.report(
            password.span,
            format!(
                "{path} holds the {} and {who} can read it (mode {:04o}{})",
                if password.name == "bind_pw" {
                    "LDAP bind password"
                } else {
                    "database password"
                },
                access.mode,
                match declared {
                    Some(d) => format!(", as the {} that installs it says", d.installer()),
                    None => String::new(),
                }
            ),
        );
        finding.subject(format!("{} readable", table.reference()));
        finding.label(format!("{} (not shown)", password.name));
        if let Some(declared) = declared {
            finding.secondary(
                declared.span,
                format!(
                    "{} installs it with mode {:04o}",
                    declared.tool, declared.mode
                ),
            );
        }
        // The fix runs on the server: the path Postfix uses there.
        let target = if table.name.starts_with('/') {
            super::sql_config::quoted(&table.name)
        } else {
            path.clone()
        };
        let fix = match declared {
            Some(declared) => format!(
                "give it `mode: '0640'` and `group: postfix` in the {}",
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
