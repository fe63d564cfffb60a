//! Repo mode (`--discover`): every Postfix configuration in a configuration-management
//! repository, found by walking it the way git sees it.
//!
//! - A directory holding `main.cf` is a configuration, linted like `postlint DIR`.
//! - A `main.cf` under `X/etc/postfix/` is linted like `postlint --sysroot X`, so the absolute
//!   paths main.cf names (`/etc/postfix/virtual`, `/etc/aliases`) resolve inside X.
//! - A template of main.cf by name (`main.cf.j2`, `main.cf.erb`, `main.cf.tpl`,
//!   `etc_postfix_main.cf.j2`, `main.cf-el8.erb`) is a configuration too, read with holes
//!   (`template::holes`), with the master.cf template or file of the same role beside it and the
//!   role's `files/` for the other files. A plain-named `main.cf` holding `{{ }}` is read the
//!   same way when loaded. A master.cf template no main.cf goes with is linted alone, every
//!   main.cf parameter unknown (`LoadOptions::main_cf_absent`).
//! - `.gitignore` (also outside a git checkout), `.ignore` and hidden directories are honoured,
//!   as git and ripgrep do. postlint.toml's `exclude` is applied by the caller, which knows the
//!   configuration of each directory.

use std::path::{Path, PathBuf};

use crate::model::paths::KNOWN_CONFIG_DIRS;
use crate::model::LoadOptions;
use crate::template;

/// One configuration found.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The main.cf that was found.
    pub main_cf: PathBuf,
    /// How to load it: the directory, or the sysroot it sits in.
    pub load: LoadOptions,
}

/// A file that looked like Postfix configuration but is not linted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Found {
    /// What the found paths start with: REPO, or nothing for `--discover .` (which shows
    /// `roles/x/main.cf`, not `./roles/x/main.cf`). Fingerprints are relative to it.
    pub root: PathBuf,
    /// Sorted by path, so output is the same on every machine.
    pub setups: Vec<Setup>,
    pub skipped: Vec<Skipped>,
}

/// Walks `root` and returns the configurations under it. Unreadable directories are skipped
/// with a reason, not fatal: the rest of the repository is still linted.
pub fn discover(root: &Path) -> Result<Found, String> {
    if !root.is_dir() {
        return Err(format!("{}: not a directory", root.display()));
    }
    let mut found = Found {
        root: match root == Path::new(".") {
            true => PathBuf::new(),
            false => root.to_path_buf(),
        },
        ..Found::default()
    };
    let walker = ignore::WalkBuilder::new(root)
        // .gitignore applies to an exported tree (a CI artifact, a tarball) as to a checkout.
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut master_templates = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                found.skipped.push(Skipped {
                    path: error_path(&e).unwrap_or_else(|| root.to_path_buf()),
                    reason: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        // A symlinked main.cf counts (a dangling one is reported when it is linted); a
        // symlinked directory is not followed, as git does not.
        let path = match found.root.as_os_str().is_empty() {
            true => entry.path().strip_prefix(".").unwrap_or(entry.path()),
            false => entry.path(),
        };
        let is_file = entry
            .file_type()
            .is_some_and(|t| t.is_file() || (t.is_symlink() && !entry.path().is_dir()));
        if !is_file {
            // A FIFO or socket named main.cf is no configuration, and says so.
            if let Some(kind) = entry.file_type().filter(|t| !t.is_dir() && !t.is_symlink()) {
                if entry.file_name() == "main.cf" {
                    found.skipped.push(Skipped {
                        path: path.to_path_buf(),
                        reason: format!("not a regular file ({})", crate::fsread::kind_of(&kind)),
                    });
                }
            }
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name == "main.cf" {
            // A main.cf full of template tags (Salt and Ansible often keep the plain name) is
            // told apart when it is loaded: LoadError::MainCfTemplate.
            let mut setup = setup_for(path);
            // Links may point anywhere inside the repository, never out of it.
            setup.load.confine_to = Some(root.to_path_buf());
            found.setups.push(setup);
        } else if template::main_cf_in(&name).is_some() {
            let mut setup = template_setup(path);
            setup.load.confine_to = Some(root.to_path_buf());
            found.setups.push(setup);
        } else if name.contains("master.cf")
            && template::main_cf_in(&name.replace("master.cf", "main.cf")).is_some()
        {
            master_templates.push(path.to_path_buf());
        }
    }
    // A master.cf template is linted with the main.cf it goes with.
    let paired: std::collections::HashSet<PathBuf> = found
        .setups
        .iter()
        .filter_map(|s| s.load.master_cf.clone())
        .collect();
    // A master.cf template that no main.cf goes with is linted alone.
    for master_cf in master_templates {
        if !paired.contains(&master_cf) {
            let mut setup = template_setup(&master_cf);
            setup.load.main_cf = None;
            setup.load.master_cf = Some(master_cf);
            setup.load.main_cf_absent = true;
            setup.load.confine_to = Some(root.to_path_buf());
            found.setups.push(setup);
        }
    }
    found.setups.sort_by(|a, b| a.main_cf.cmp(&b.main_cf));
    Ok(found)
}

/// How to lint a template of main.cf (`main.cf.j2`): its directory, with the master.cf and the
/// plain files of the same role.
pub fn template_setup(main_cf: &Path) -> Setup {
    let mut setup = setup_for(main_cf);
    let dir = main_cf.parent().unwrap_or(Path::new("."));
    let name = main_cf
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    setup.load.main_cf = Some(main_cf.to_path_buf());
    setup.load.master_cf = template::master_cf_for(dir, &name);
    setup.load.other_dirs = template::files_beside(dir);
    setup
}

/// How to lint the configuration whose main.cf is at `main_cf`.
fn setup_for(main_cf: &Path) -> Setup {
    let dir = main_cf.parent().unwrap_or(Path::new("."));
    let sysroot = sysroot_of(dir).map(|root| match root.as_os_str().is_empty() {
        true => Path::new("."),
        false => root,
    });
    let load = LoadOptions {
        config_dir: Some(dir.to_path_buf()),
        sysroot: sysroot.map(Path::to_path_buf),
        // A repository is never the live system.
        live: Some(false),
        ..LoadOptions::default()
    };
    Setup {
        main_cf: main_cf.to_path_buf(),
        load,
    }
}

/// The path an `ignore` error is about, when it says.
fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// `a/b` for `a/b/etc/postfix` (or `a/b/usr/local/etc/postfix` and the other places Postfix
/// builds keep their configuration); None for any other directory.
fn sysroot_of(dir: &Path) -> Option<&Path> {
    // The longer places first: X/usr/local/etc/postfix also ends in etc/postfix.
    KNOWN_CONFIG_DIRS.iter().rev().find_map(|known| {
        let mut root = dir;
        for part in Path::new(known.trim_start_matches('/')).iter().rev() {
            if root.file_name()? != part {
                return None;
            }
            root = root.parent()?;
        }
        Some(root)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etc_postfix_becomes_a_sysroot() {
        let s = setup_for(Path::new("repo/files/etc/postfix/main.cf"));
        assert_eq!(s.load.sysroot.as_deref(), Some(Path::new("repo/files")));
        assert_eq!(
            s.load.config_dir.as_deref(),
            Some(Path::new("repo/files/etc/postfix"))
        );

        // FreeBSD's port keeps it in /usr/local/etc/postfix.
        let s = setup_for(Path::new("repo/host/usr/local/etc/postfix/main.cf"));
        assert_eq!(s.load.sysroot.as_deref(), Some(Path::new("repo/host")));
        assert_eq!(
            s.load.config_dir.as_deref(),
            Some(Path::new("repo/host/usr/local/etc/postfix"))
        );

        let s = setup_for(Path::new("repo/roles/postfix/files/main.cf"));
        assert_eq!(s.load.sysroot, None);
        assert_eq!(
            s.load.config_dir.as_deref(),
            Some(Path::new("repo/roles/postfix/files"))
        );

        // `etc/postfix` at the top of a relative walk: the current directory stands for /.
        let s = setup_for(Path::new("etc/postfix/main.cf"));
        assert_eq!(s.load.sysroot.as_deref(), Some(Path::new(".")));
        // Only the exact two components count.
        let s = setup_for(Path::new("repo/myetc/postfix/main.cf"));
        assert_eq!(s.load.sysroot, None);
    }
}
