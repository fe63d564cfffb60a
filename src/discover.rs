//! Repo mode (`--discover`): every Postfix configuration in a configuration-management
//! repository, found by walking it the way git sees it.
//!
//! - A directory holding `main.cf` is a configuration, linted like `postlint DIR`.
//! - A `main.cf` under `X/etc/postfix/` is linted like `postlint --sysroot X`, so the absolute
//!   paths main.cf names (`/etc/postfix/virtual`, `/etc/aliases`) resolve inside X.
//! - A template of main.cf by name (`main.cf.j2`, `main.cf.erb`, `main.cf.tpl`,
//!   `etc_postfix_main.cf.j2`, `main.cf-el8.erb`, also spelled `main_cf`:
//!   `postfix_main_cf.tmpl`) is a configuration too, read with holes
//!   (`template::holes`), with the master.cf template or file of the same role beside it (else
//!   in the role's `files/`, as a Chef cookbook ships it) and the role's `files/` for the other
//!   files. A plain-named `main.cf` holding `{{ }}` is read the
//!   same way when loaded. A master.cf template, or a file named `master.cf`, that no main.cf
//!   goes with (none paired with it, none in its directory) is linted alone, every main.cf
//!   parameter unknown (`LoadOptions::main_cf_absent`): a container image that replaces only
//!   master.cf. A `master.cf` under a directory of diffs or one of [`NOT_DEPLOYED`] is not.
//! - A plain variant of main.cf is a configuration too, linted as a template of main.cf is
//!   (its directory, `LoadOptions::main_cf` the file itself), with the master.cf of the same
//!   name (`postfix-master.cf` for `postfix-main.cf`, `master.cf.production` for
//!   `main.cf.production`) when there is one, else the plain `master.cf` beside it, else none.
//!   A directory holding `main.cf` and `main.cf.production` has two configurations.
//!   docker-mailserver's `postfix-main.cf` (its directory has a file only docker-mailserver
//!   names so, or a postfix-master.cf of `postconf -P` lines) is the overrides the container
//!   appends to its image's main.cf: linted with `LoadOptions::docker_mailserver`, without
//!   master.cf. Its `postfix-master.cf` of `postconf -P` lines, in such a directory without a
//!   postfix-main.cf, is a configuration of its own: its lines are checked, main.cf and
//!   master.cf are the image's (`LoadOptions::main_cf_absent`). A file is
//!   a plain variant (`plain_variant`) when all of these hold:
//!   - its name holds `main.cf` as a word (`template::main_cf_word`: at the start or after
//!     `_`, `-` or `.`; at the end or before one of them), is not exactly `main.cf`, does
//!     not end in `~`, and does not end in a compiled table's extension ([`COMPILED`]:
//!     `main.cf.db` is what `postmap main.cf` leaves);
//!   - no part of its name (split at `.`, `-` and `_`, compared without case) is a template
//!     extension (those are `template::main_cf_in`'s, or a template's backup), one of
//!     [`NOT_DEPLOYED`] (backups, package leftovers, defaults and samples, fragments: `bak`,
//!     `orig`, `rpmnew`, `dpkg`, `ucf`, `dist`, `proto`, `default`, `example`, ...), one of
//!     [`NOT_POSTFIX`] (documents, patches, other formats, templates of engines postlint does
//!     not know by name: `md`, `txt`, `diff`, `rej`, `yml`, `in`, `mas`, `template`, ...; these
//!     only as the last part or before `main.cf`, not inside a host's name after it:
//!     `main.cf.H_ticket.in.example.net` is a Salt state's host variant), or
//!     `test` with or without digits (`test77-main.cf`, a test input of Postfix's postconf);
//!   - no part after `main.cf` starts with a digit (a date, a timestamp or a numbered copy:
//!     `main.cf.2021-03-04`, `main.cf-20210304`, `main.cf.1`);
//!   - with `--discover`, no directory between the repository and the file is named, as a
//!     whole and without case, one of [`NOT_DEPLOYED`] (`samples/`, `examples/`, `backup/`,
//!     `old/`: iRedMail's `samples/postfix/main.cf.ldap` is a fragment its installer appends).
//!
//!   `postlint FILE` lints a plain variant the same way. Postfix's own tree holds
//!   `conf/main.cf.default` (`postconf -d` output), `meta/main.cf.proto` and
//!   `src/postconf/test77-main.cf`: none of them is one. What the rule passes over is not
//!   reported: a backup beside main.cf is no configuration that went unread.
//! - A set-up script (shell script, Dockerfile, Ansible or Salt YAML) that writes main.cf with a
//!   here-document that replaces it (`cat > /etc/postfix/main.cf <<EOF`) is a configuration
//!   per such document, the script read as that main.cf (`template::heredoc`,
//!   `LoadOptions::main_cf_heredoc`), with the master.cf the same script writes the same way,
//!   else the master.cf beside it. A script that only appends to main.cf is an amendment. So
//!   is a YAML file without template tags that holds main.cf in a literal block (a
//!   Kubernetes ConfigMap's `main.cf: |`, an Ansible `copy` task's `content: |` beside `dest:
//!   /etc/postfix/main.cf`: `template::embedded`), with a `master.cf: |` block of the same
//!   file.
//! - A main.cf template that a Puppet manifest's `concat::fragment` puts into
//!   /etc/postfix/main.cf is linted with the other fragments of that file as its parts, and
//!   only the fragment of lowest order is linted: the others are passed over, with the reason
//!   (`crate::puppet`).
//! - No main.cf under a directory of diffs or patches (a part of its name is `diff`, `diffs`,
//!   `patch` or `patches`: `saved_diffs/etc/postfix/main.cf` is a diff's printout) is linted;
//!   the note says so.
//! - Nor a main.cf (template, variant) that holds no setting, only comments and blank lines: a
//!   placeholder a configuration tool fills in on the server; the note says so.
//! - Nor one under a directory of test inputs ([`TEST_INPUTS`]: `fixtures/`, `testdata/`, as a
//!   whole name: a Puppet module's `spec/fixtures/.../etc/postfix/main.cf` is rspec's input).
//! - `.gitignore` (also outside a git checkout), `.ignore` and hidden directories are honoured,
//!   as git and ripgrep do; but, as in git, a file the repository's index tracks is read though
//!   a `.gitignore` names it (`crate::git_index`). postlint.toml's `exclude` is applied by the
//!   caller, which knows the configuration of each directory.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::model::paths::KNOWN_CONFIG_DIRS;
use crate::model::LoadOptions;
use crate::own_build;
use crate::template;

/// One configuration found.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The main.cf that was found.
    pub main_cf: PathBuf,
    /// How to load it: the directory, or the sysroot it sits in.
    pub load: LoadOptions,
    /// The Ansible tasks file that installs it as /etc/postfix/main.cf, when that is how it
    /// was found (its name is no main.cf's).
    pub installed_by: Option<PathBuf>,
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
    /// With no setups: the set-up scripts that change main.cf settings all the same (a
    /// Dockerfile's `RUN postconf -e "relayhost = $RELAY"`, an entrypoint that fills in
    /// main.cf from the environment), at most 3, for the message that says nothing was linted.
    pub configuring: Vec<PathBuf>,
}

/// Files named like main.cf that a walk of `root` passed over, with why, for a run that found
/// nothing to lint: samples and backups by name, and anything `.gitignore` or a hidden
/// directory keeps from the walk (a committed `conf/postfix/main.cf` under an ignored `conf/`).
/// At most `limit`, from a bounded walk.
pub fn passed_over(root: &Path, limit: usize) -> Vec<Skipped> {
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .max_depth(Some(12))
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut out = Vec::new();
    for entry in walker.filter_map(Result::ok).take(50_000) {
        if out.len() >= limit {
            break;
        }
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let path = entry.path();
        // `main.cf` as a word of the name: `mydomain.cf` is a table's.
        if (template::main_cf_word(&name).is_none() && template::main_cf_in(&name).is_none())
            || path.components().any(|c| c.as_os_str() == ".git")
        {
            continue;
        }
        let inside = path.strip_prefix(root).unwrap_or(path);
        let read_by_name = name == "main.cf"
            || template::main_cf_in(&name).is_some()
            || (plain_variant(&name).is_some() && !set_aside_by_directory(inside));
        let reason = match read_by_name {
            // A name the walk reads: .gitignore or a hidden directory kept it out.
            true => kept_out(root, inside, &name),
            false => not_postfix(&name)
                .unwrap_or("a sample, backup or other copy by its name; lint it by naming it")
                .to_string(),
        };
        out.push(Skipped {
            path: inside.to_path_buf(),
            reason,
        });
    }
    out
}

/// Why the walk kept out a file it reads by name, and the command that lints it: `--discover`
/// of the hidden directory it is in (whose Dockerfile or drop-in directory the walk of that
/// directory finds), or of the ignored directory; a plain main.cf's directory by name.
fn kept_out(root: &Path, inside: &Path, name: &str) -> String {
    let shown = |dir: &Path| {
        let path = root.join(dir);
        let path = path.strip_prefix(".").unwrap_or(&path);
        crate::output::printable(&path.to_string_lossy()).into_owned()
    };
    let mut hidden = PathBuf::new();
    for part in inside.parent().into_iter().flat_map(Path::components) {
        hidden.push(part);
        if part.as_os_str().to_string_lossy().starts_with('.') && part.as_os_str() != "." {
            return format!(
                "in a hidden directory; lint it with `postlint --discover {}`",
                shown(&hidden)
            );
        }
    }
    let dir = inside.parent().unwrap_or(Path::new(""));
    match name {
        "main.cf" if !dir.as_os_str().is_empty() => format!(
            "ignored by .gitignore or .ignore; lint it with `postlint {}`",
            shown(dir)
        ),
        _ if !dir.as_os_str().is_empty() => format!(
            "ignored by .gitignore or .ignore; lint it with `postlint --discover {}`",
            shown(dir)
        ),
        _ => "ignored by .gitignore or .ignore; lint it by naming it".to_string(),
    }
}

/// A walk of `root` that skips what git would, reading only the tree's own files: the
/// `.gitignore` and `.ignore` files inside `root`. Never one in a directory above it, nor
/// `.git/info/exclude`, nor git's global configuration or excludes file (`~/.gitconfig`,
/// `core.excludesFile`): those are the machine's, not the tree's. A `.gitignore` above a
/// repository would hide its main.cf, and the same tree would lint differently on two machines.
/// A `.gitignore` applies to an exported tree (a CI artifact, a tarball) as to a checkout.
///
/// The `ignore` crate looks at every parent directory up to `/` whenever one of its git
/// options is on, even with `parents(false)`; so `.gitignore` is read as a custom ignore file,
/// which it reads only in the directories it walks.
pub fn tree_walker(root: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .parents(false)
        .git_ignore(false)
        .git_exclude(false)
        .git_global(false)
        .add_custom_ignore_filename(".gitignore")
        // By name, so that what is read first (the first set-up script to set a parameter,
        // what a bound leaves out) is the same on every file system.
        .sort_by_file_name(|a, b| a.cmp(b));
    builder
}

/// A walk of the files of `root` that git tracks (its own `.git/index`, `crate::git_index`)
/// and the first walk did not visit (`visited`, filled in as it goes): `.gitignore` applies to
/// untracked files only, so a file added with `git add -f` under a `.gitignore` of `*` (an
/// `/etc` snapshot) is the repository's like any other. Hidden directories and what `.ignore`
/// files name stay out. Empty when there is no index or nothing tracked is left.
fn tracked_but_ignored(
    root: &Path,
    visited: &std::cell::RefCell<std::collections::HashSet<PathBuf>>,
) -> Box<dyn Iterator<Item = Result<ignore::DirEntry, ignore::Error>>> {
    let Some(tracked) = crate::git_index::tracked(root) else {
        return Box::new(std::iter::empty());
    };
    let seen = visited.borrow();
    let left: Vec<&PathBuf> = tracked
        .iter()
        .filter(|p| !seen.contains(&root.join(p)))
        .collect();
    if left.is_empty() {
        return Box::new(std::iter::empty());
    }
    let files: std::collections::HashSet<PathBuf> = left.iter().map(|p| root.join(p)).collect();
    let dirs: std::collections::HashSet<PathBuf> = left
        .iter()
        .flat_map(|p| p.ancestors().skip(1).map(|a| root.join(a)))
        .collect();
    drop(seen);
    let walk = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .ignore(true)
        .parents(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            let path = entry.path();
            match entry.file_type().is_some_and(|t| t.is_dir()) {
                true => dirs.contains(path),
                false => files.contains(path),
            }
        })
        .build()
        // The root itself was the first walk's.
        .filter(|entry| entry.as_ref().map_or(true, |e| e.depth() > 0));
    Box::new(walk)
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
    // The files git tracks although a `.gitignore` names them (`git add -f`): walked after
    // the others, by a walk that reads no `.gitignore` and keeps only them.
    let visited = std::rc::Rc::new(std::cell::RefCell::new(std::collections::HashSet::new()));
    let walker = tree_walker(root).build().chain({
        // Made when the first walk is done, so that it knows what that walk visited.
        let (root, visited) = (root.to_path_buf(), visited.clone());
        std::iter::once(()).flat_map(move |_| tracked_but_ignored(&root, &visited))
    });
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut master_templates = Vec::new();
    let mut built_map_types: Vec<String> = Vec::new();
    let mut source_trees: Vec<PathBuf> = Vec::new();
    let mut docker_masters = Vec::new();
    // Puppet manifests, read for the fragments concat assembles main.cf from.
    let mut manifests: Vec<PathBuf> = Vec::new();
    // NixOS configurations, read for a main.cf they append to the one NixOS writes.
    let mut nix_files: Vec<PathBuf> = Vec::new();
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
        if !entry.file_type().is_some_and(|t| t.is_dir()) {
            visited.borrow_mut().insert(entry.path().to_path_buf());
        }
        // A symlinked main.cf counts (a dangling one is passed over, below); a symlinked
        // directory is not followed, as git does not.
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
        // A dangling link (a test tree's `main.cf -> BRUTUS_DIR/postfix/main.cf`, made real by
        // the test) holds no configuration: passed over, not an error of the run.
        // One that leads out of the tree is passed over too: postlint reads nothing outside it.
        if entry.path_is_symlink() {
            let reason = match std::fs::canonicalize(entry.path()) {
                Err(_) => Some("a symbolic link to a file that does not exist"),
                Ok(real) if !real.starts_with(&canonical_root) => {
                    Some("a symbolic link to a file outside the linted tree, which postlint does not read")
                }
                Ok(_) => None,
            };
            if let Some(reason) = reason {
                if name.contains("main.cf") || name.contains("master.cf") {
                    found.skipped.push(Skipped {
                        path: path.to_path_buf(),
                        reason: reason.to_string(),
                    });
                }
                continue;
            }
        }
        if name.ends_with(".pp") {
            manifests.push(path.to_path_buf());
        }
        if name.ends_with(".nix") && nix_files.len() < NIX_FILES {
            nix_files.push(path.to_path_buf());
        }
        // A table type's source, `dict_redis.c`: the repository builds Postfix with it.
        if let Some(kind) = own_build::map_type(&name) {
            if !built_map_types.iter().any(|k| k == kind) {
                built_map_types.push(kind.to_string());
            }
        }
        // A Postfix source tree: the repository builds a Postfix that may have parameters
        // of its own.
        if let Some(src) = own_build::source_tree(entry.path()) {
            source_trees.push(src.to_path_buf());
        }
        // Under `saved_diffs/` or `patches/`: a diff's printout or a patch's copy, named
        // after the file it changes, is no configuration.
        let main_cf_named = name.contains("main.cf") || template::main_cf_in(&name).is_some();
        if main_cf_named || name.contains("master.cf") || template::is_master_cf_template(&name) {
            let inside = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let reason = match (under_diffs(inside), under_test_inputs(inside)) {
                (true, _) => Some("under a directory of diffs or patches"),
                (false, true) => Some("under a directory of test inputs (fixtures/, testdata/)"),
                (false, false) if in_package_files(inside) => Some(
                    "a file the Postfix package installs as a prototype or sample (usr/lib/postfix, usr/share/postfix, usr/share/doc), not a configuration",
                ),
                (false, false) => None,
            };
            if let Some(reason) = reason {
                if main_cf_named {
                    found.skipped.push(Skipped {
                        path: path.to_path_buf(),
                        reason: reason.to_string(),
                    });
                }
                continue;
            }
        }
        if named_main_cf(&name) && is_ini_file(path) {
            found.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: "an INI file (it starts with a `[section]` line), another program's \
                         configuration, not Postfix's main.cf"
                    .to_string(),
            });
            continue;
        }
        if named_main_cf(&name) && names_no_postfix_parameter(path) {
            found.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: "none of its settings is a Postfix parameter: another program's \
                         configuration, not Postfix's main.cf; lint it by naming it"
                    .to_string(),
            });
            continue;
        }
        if named_main_cf(&name) && holds_no_assignment(path) {
            found.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: "no line of it is a `name = value` setting: another program's file \
                         (CFEngine's policy, a Terraform block), not Postfix's main.cf; lint \
                         it by naming it"
                    .to_string(),
            });
            continue;
        }
        if named_main_cf(&name) && holds_no_setting(path) {
            found.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: "holds no setting, only comments: a placeholder that something else \
                         fills in (Augeas, postconf -e); lint it by naming it"
                    .to_string(),
            });
            continue;
        }
        if name == "main.cf" {
            // A main.cf full of template tags (Salt and Ansible often keep the plain name) is
            // told apart when it is loaded: LoadError::MainCfTemplate.
            let mut setup = setup_for(path);
            setup.load.dropin = mounted_as_dropin(path);
            // Links may point anywhere inside the repository, never out of it.
            setup.load.confine_to = Some(root.to_path_buf());
            found.setups.push(setup);
        } else if template::main_cf_in(&name).is_some() {
            let mut setup = template_setup(path);
            setup.load.confine_to = Some(root.to_path_buf());
            found.setups.push(setup);
        } else if let Some(at) = plain_variant(&name) {
            let inside = entry.path().strip_prefix(root).unwrap_or(entry.path());
            if !set_aside_by_directory(inside) {
                let mut setup = variant_setup(path, at, Some(root));
                setup.load.confine_to = Some(root.to_path_buf());
                found.setups.push(setup);
            }
        } else if template::is_master_cf_template(&name) {
            master_templates.push(path.to_path_buf());
        } else if name == "master.cf" {
            let inside = entry.path().strip_prefix(root).unwrap_or(entry.path());
            if !under_diffs(inside) && !set_aside_by_directory(inside) {
                master_templates.push(path.to_path_buf());
            }
        } else if name == "postfix-master.cf" {
            // docker-mailserver's `postconf -P` overrides with no postfix-main.cf beside them
            // (a postfix-master.cf in that form is docker-mailserver's own mark, as
            // `docker_mailserver_config` takes it).
            let inside = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let main_cf = path.with_file_name("postfix-main.cf");
            if main_cf.symlink_metadata().is_err()
                && !set_aside_by_directory(inside)
                && postconf_p_form(path)
            {
                docker_masters.push(path.to_path_buf());
            }
        }
    }
    // A master.cf (template) is linted with the main.cf it goes with: the one it was paired
    // with, or any configuration of its directory.
    let paired: std::collections::HashSet<PathBuf> = found
        .setups
        .iter()
        .filter_map(|s| s.load.master_cf.clone())
        .collect();
    let dirs: std::collections::HashSet<&Path> = found
        .setups
        .iter()
        .filter_map(|s| s.load.config_dir.as_deref())
        .collect();
    let alone: Vec<PathBuf> = master_templates
        .into_iter()
        .filter(|m| !paired.contains(m) && !dirs.contains(m.parent().unwrap_or(Path::new(""))))
        .collect();
    // A master.cf (template) that no main.cf goes with is linted alone (an image that
    // replaces only master.cf, its main.cf made by `postconf -e` at build time).
    for master_cf in alone {
        let mut setup = template_setup(&master_cf);
        setup.load.main_cf = None;
        setup.load.master_cf = Some(master_cf);
        setup.load.main_cf_absent = true;
        setup.load.confine_to = Some(root.to_path_buf());
        found.setups.push(setup);
    }
    // docker-mailserver's postfix-master.cf alone: its lines are checked as the container's
    // start script applies them; main.cf and master.cf are the image's, which postlint
    // cannot see.
    for postfix_master_cf in docker_masters {
        let mut setup = template_setup(&postfix_master_cf);
        setup.load.main_cf = None;
        setup.load.master_cf = None;
        setup.load.main_cf_absent = true;
        setup.load.docker_mailserver = true;
        setup.load.confine_to = Some(root.to_path_buf());
        found.setups.push(setup);
    }
    // A main.cf template that is a fragment of a main.cf Puppet's concat assembles: the base
    // is linted with the others as its parts, and the others are not linted alone.
    mark_nixos_fragments(&mut found.setups, &nix_files);
    let fragments = crate::puppet::fragments(root, &manifests);
    if !fragments.is_empty() {
        assemble(&mut found, &fragments);
    }
    // What set-up scripts change goes with the configurations nearest to each script.
    let scripts = crate::scripts::scan(root);
    let mut installed = ansible_setups(root, &found.root, &scripts, &found.setups);
    installed.extend(heredoc_setups(root, &found.root, &scripts));
    let mut paired: Vec<PathBuf> = pair_installed_masters(&found.root, &scripts, &mut found.setups);
    // A master.cf linted alone until now goes with the main.cf the same tasks install.
    paired.extend(
        installed
            .iter()
            .filter_map(|s| s.load.master_cf.as_deref())
            .map(crate::scripts::lexical),
    );
    found.setups.retain(|s| {
        !s.load.main_cf_absent
            || s.load
                .master_cf
                .as_deref()
                .is_none_or(|m| !paired.contains(&crate::scripts::lexical(m)))
    });
    found.setups.extend(installed);
    if !scripts.is_empty() {
        let dirs: Vec<&Path> = found
            .setups
            .iter()
            .map(|s| s.main_cf.parent().unwrap_or(Path::new("")))
            .collect();
        let mut amended = vec![crate::scripts::Amendments::default(); dirs.len()];
        let mut with: Vec<Vec<&crate::scripts::Script>> = vec![Vec::new(); dirs.len()];
        for script in &scripts {
            for i in crate::scripts::goes_with(&script.path, &dirs) {
                amended[i].add(script);
                with[i].push(script);
            }
        }
        for ((setup, amendments), with) in found.setups.iter_mut().zip(amended).zip(with) {
            let master_cf = setup.load.master_cf.clone().unwrap_or_else(|| {
                let dir = setup.main_cf.parent().unwrap_or(Path::new(""));
                dir.join("master.cf")
            });
            setup.load.master_installed = setup.load.master_cf_heredoc.is_some()
                || scripts.iter().any(|s| {
                    s.installs(root, &master_cf, "/etc/postfix/master.cf")
                        || s.ansible_installs_file(&master_cf, "master.cf")
                });
            setup.load.master_amended = amendments.master;
            setup.load.main_installed = setup.load.main_installed
                || scripts.iter().any(|s| {
                    s.installs(root, &setup.main_cf, "/etc/postfix/main.cf")
                        || s.ansible_installs_file(&setup.main_cf, "main.cf")
                });
            // A main.cf a Dockerfile copies into the image and applies to the image's own
            // main.cf with postconf (`cat main.cf | while read l; do postconf $l; done`): the
            // settings it adds, every other parameter the image's.
            if scripts
                .iter()
                .any(|s| s.is_dockerfile() && s.applies_with_postconf(root, &setup.main_cf))
            {
                setup.load.dropin = true;
            }
            setup.load.installed_files = amendments.installed_files();
            setup.load.script_builds = amendments.builds.clone();
            setup.load.script_file_placeholders = amendments.file_placeholders.clone();
            // The image the one Dockerfile that installs this main.cf builds.
            let dockerfiles: Vec<&crate::scripts::Script> = scripts
                .iter()
                .filter(|s| {
                    s.is_dockerfile() && s.installs(root, &setup.main_cf, "/etc/postfix/main.cf")
                })
                .collect();
            if let (false, [dockerfile]) = (setup.load.main_cf_absent, dockerfiles.as_slice()) {
                // A `chmod` of the image that takes other users' access to main.cf.
                setup.load.main_cf_chmod = dockerfile.main_cf_chmod(root, &setup.main_cf).map(
                    |(line, command, effect)| crate::scripts::ChmodAt {
                        script: dockerfile.path.clone(),
                        line,
                        command: command.to_string(),
                        effect,
                    },
                );
                setup.load.image = dockerfile
                    .image
                    .as_ref()
                    .map(|image| (dockerfile.path.clone(), image.clone()));
                setup.load.script_shell_references = shell_references(dockerfile);
                // Whether the container's port 25 is published, whatever the base image is.
                setup.load.published_smtp = crate::compose::published(root, &dockerfile.path, 25);
                // The files it copies elsewhere into the image are where main.cf's paths
                // lead (`ADD ./sql /etc/postfix/sql`).
                setup
                    .load
                    .installed_files
                    .extend(dockerfile.copied_files(root));
            } else if dockerfiles.is_empty() && !setup.load.main_cf_absent {
                // No Dockerfile puts it at /etc/postfix/main.cf, but one copies it into its
                // image elsewhere (`ADD conf/main.cf /`, which the entrypoint copies into
                // place): the file is for that image's Postfix, whose release it takes. Only
                // an image that installs Postfix's package (`COPY . /app` of a web
                // application's image copies the repository's main.cf too).
                let copying: Vec<&crate::scripts::Script> = scripts
                    .iter()
                    .filter(|s| {
                        s.is_dockerfile()
                            && s.image
                                .as_ref()
                                .is_some_and(crate::image::Image::has_postfix_package)
                            && s.copies_into_image(root, &setup.main_cf)
                    })
                    .collect();
                if let [dockerfile] = copying.as_slice() {
                    setup.load.image = dockerfile
                        .image
                        .as_ref()
                        .map(|image| (dockerfile.path.clone(), image.clone()));
                }
            }
            let main_cf = (!setup.load.main_cf_absent).then_some(setup.main_cf.as_path());
            setup.load.script_values = amendments.known_values(&scripts, root, main_cf);
            setup.load.script_sets = amendments.postconf_sets.clone();
            // A Dockerfile's `RUN` that sets a parameter before the `COPY` that puts this
            // main.cf in place edits the package's main.cf, which the copy replaces.
            // Where each Dockerfile that sets a parameter installs this main.cf, found once.
            let mut install_lines: std::collections::HashMap<&Path, Vec<u32>> = Default::default();
            if let Some(main_cf) = main_cf {
                for (_, path, _) in &amendments.main_params {
                    if install_lines.contains_key(path.as_path()) {
                        continue;
                    }
                    let lines = scripts
                        .iter()
                        .find(|s| s.path == *path && s.is_dockerfile())
                        .map(|d| d.install_lines(root, main_cf, "/etc/postfix/main.cf"))
                        .unwrap_or_default();
                    install_lines.insert(path, lines);
                }
            }
            let overwritten = |(name, path, line): &(String, PathBuf, u32)| {
                let lines = install_lines.get(path.as_path());
                amendments.set_by.get(name) == Some(&1)
                    && lines.is_some_and(|l| !l.is_empty() && l.iter().all(|&l| l > *line))
            };
            setup.load.script_params = amendments
                .main_params
                .iter()
                .filter(|p| !overwritten(p))
                .cloned()
                .collect();
            setup.load.script_params_open = amendments.main_open;
            setup.load.script_params_open_by = amendments.main_open_by.clone();
            setup.load.script_file_keys = amendments.file_keys;
            setup.load.script_placeholders = amendments.main_placeholders;
            setup
                .load
                .script_shell_references
                .extend(script_shell_references(with, &scripts));
        }
        found.setups.extend(image_setups(
            root,
            &scripts,
            &found.setups,
            &mut found.skipped,
        ));
    }
    found.setups.sort_by(|a, b| a.main_cf.cmp(&b.main_cf));
    if found.setups.is_empty() {
        found.configuring = scripts
            .iter()
            .filter(|s| s.main_open || !s.main_params.is_empty())
            .map(|s| s.path.strip_prefix(".").unwrap_or(&s.path).to_path_buf())
            .take(3)
            .collect();
    }
    // What the repository's scripts, units and compose files say of milter sockets, for every
    // configuration in it: a bind mount or a container's start line anywhere may move one.
    let mut sockets = crate::scripts::ScriptSockets::default();
    for script in &scripts {
        sockets.add(&script.sockets);
    }
    let sockets = std::sync::Arc::new(sockets);
    // The modes tasks give the files they install, by file, where the tasks agree and no
    // task or script changes the mode of the installed file afterwards (`chmod 0600
    // /etc/postfix/sasl_passwd`; survey AC2, data-tangles/ansible).
    let mut by_file: std::collections::BTreeMap<PathBuf, Option<crate::scripts::DeclaredMode>> =
        Default::default();
    for mode in scripts.iter().flat_map(|s| &s.file_modes) {
        by_file
            .entry(crate::scripts::lexical(&mode.file))
            .and_modify(|known| {
                if known
                    .as_ref()
                    .is_some_and(|k| (k.mode, &k.group) != (mode.mode, &mode.group))
                {
                    *known = None;
                }
            })
            .or_insert_with(|| Some(mode.clone()));
    }
    // A later change to another mode, or to one postlint cannot read, leaves the mode unknown.
    let declared: HashSet<&Path> = by_file
        .iter()
        .filter(|(_, mode)| mode.is_some())
        .map(|(file, _)| file.as_path())
        .collect();
    let changed = mode_changed_files(&scripts, &declared);
    for (file, modes) in changed {
        let known = by_file.get(&file).cloned().flatten();
        let same = known.is_some_and(|k| modes.iter().all(|m| *m == Some(k.mode)));
        if !same {
            by_file.insert(file, None);
        }
    }
    let declared_modes: std::sync::Arc<Vec<crate::scripts::DeclaredMode>> =
        std::sync::Arc::new(by_file.into_values().flatten().collect());
    for setup in &mut found.setups {
        setup.load.script_sockets = Some(sockets.clone());
        setup.load.declared_modes = declared_modes.clone();
    }
    let built_params = match found.setups.is_empty() || source_trees.is_empty() {
        true => Default::default(),
        false => std::sync::Arc::new(own_build::parameters(&source_trees)),
    };
    for setup in &mut found.setups {
        setup.load.built_map_types = built_map_types.clone();
        setup.load.built_params = built_params.clone();
    }
    Ok(found)
}

/// The repository files installed at a path whose mode a task or script changes
/// (`Script::mode_changes`): a change with a path postlint cannot read counts for the files
/// the scripts of its own directory install.
fn mode_changed_files(
    scripts: &[crate::scripts::Script],
    declared: &HashSet<&Path>,
) -> std::collections::BTreeMap<PathBuf, Vec<Option<u32>>> {
    let changes: Vec<(&Path, &crate::scripts::ModeChange)> = scripts
        .iter()
        .flat_map(|s| {
            let dir = s.path.parent().unwrap_or(Path::new(""));
            s.mode_changes.iter().map(move |c| (dir, c))
        })
        .collect();
    let mut out: std::collections::BTreeMap<PathBuf, Vec<Option<u32>>> = Default::default();
    if changes.is_empty() || declared.is_empty() {
        return out;
    }
    // A repository of more changes than a real one holds (a hostile one): every declared
    // mode is unknown, and the pairs below stay few.
    if changes.len() > MAX_MODE_CHANGES {
        for file in declared {
            out.insert(file.to_path_buf(), vec![None]);
        }
        return out;
    }
    let mut looked_at = 0;
    for script in scripts {
        let dir = script.path.parent().unwrap_or(Path::new(""));
        let installed = script
            .ansible_files
            .iter()
            .map(|(dest, file)| (dest.clone(), file))
            .chain(
                script
                    .ansible_installs
                    .iter()
                    .map(|(file, which)| (format!("/etc/postfix/{which}"), file)),
            );
        for (dest, file) in installed {
            let file = crate::scripts::lexical(file);
            if !declared.contains(file.as_path()) {
                continue;
            }
            looked_at += 1;
            if looked_at > MAX_DECLARED_INSTALLS {
                return out;
            }
            for &(at, change) in &changes {
                let path = change.path.as_str();
                // A variable where the path starts: any file, of the tasks beside the change.
                let unreadable =
                    !path.starts_with('/') || path.starts_with("/{") || path.starts_with("/$");
                if (unreadable && at != dir) || !crate::scripts::mode_changed(path, &dest) {
                    continue;
                }
                let exact = path == dest;
                // A directory above the file, not recursively, to a mode that lets others
                // through (`0755`): the file's own mode still decides.
                let above = !exact
                    && !change.recursive
                    && !path.contains(['*', '?', '['])
                    && crate::scripts::is_under(&dest, path.trim_end_matches('/'));
                if above && change.mode.is_some_and(|m| m & 0o001 != 0) {
                    continue;
                }
                // Else a change of the directory above or by a pattern may set another mode
                // than it says for this file (`chmod 700` of a directory hides it).
                out.entry(file.clone())
                    .or_default()
                    .push(change.mode.filter(|_| exact));
            }
        }
    }
    out
}

/// At most this many changes of mode are matched against the installs ([`mode_changed_files`]).
const MAX_MODE_CHANGES: usize = 512;

/// At most this many installs of files with a declared mode are matched.
const MAX_DECLARED_INSTALLS: usize = 4096;

/// Applies Puppet's concat to the configurations found: a main.cf template that is the base
/// of an assembly gets the other fragments as its parts (`LoadOptions::concat`); one that is
/// another fragment is passed over, with the reason.
fn assemble(found: &mut Found, fragments: &[crate::puppet::Fragment]) {
    let plain = crate::scripts::lexical;
    let fragments: Vec<crate::puppet::Fragment> = fragments
        .iter()
        .map(|f| crate::puppet::Fragment {
            content: f.content.as_deref().map(plain),
            ..f.clone()
        })
        .collect();
    let is_main_cf = |p: &Path| {
        p.file_name()
            .is_some_and(|n| named_main_cf(&n.to_string_lossy()))
    };
    let mut passed_over = Vec::new();
    for (i, setup) in found.setups.iter_mut().enumerate() {
        if setup.load.main_cf_absent {
            continue;
        }
        let main_cf = plain(&setup.main_cf);
        if !fragments
            .iter()
            .any(|f| f.content.as_deref() == Some(&main_cf))
        {
            continue;
        }
        match crate::puppet::assembly(&fragments, &main_cf, is_main_cf) {
            Some(assembly) => setup.load.concat = Some(assembly),
            None => passed_over.push(i),
        }
    }
    // The base the others were read with, when there is one.
    let mut bases: Vec<String> = found
        .setups
        .iter()
        .filter(|s| s.load.concat.is_some())
        .map(|s| {
            let main_cf = s.main_cf.strip_prefix(&found.root).unwrap_or(&s.main_cf);
            plain(main_cf).display().to_string()
        })
        .collect();
    bases.sort();
    bases.dedup();
    let with = match bases.as_slice() {
        [base] => base.clone(),
        _ => "the fragment of lowest order".to_string(),
    };
    for i in passed_over.into_iter().rev() {
        let setup = found.setups.remove(i);
        let manifest = fragments
            .iter()
            .find(|f| f.content.as_deref() == Some(&plain(&setup.main_cf)))
            .map(|f| {
                let manifest = f.manifest.strip_prefix(&found.root).unwrap_or(&f.manifest);
                plain(manifest).display().to_string()
            })
            .unwrap_or_default();
        found.skipped.push(Skipped {
            path: setup.main_cf,
            reason: format!(
                "a fragment of the main.cf Puppet's concat assembles ({manifest}): read as a \
                 part of {with}, not linted alone"
            ),
        });
    }
}

/// The files Ansible `template`/`copy` tasks (or Salt `file.managed` states) install as
/// /etc/postfix/main.cf under a name that is no main.cf's (`templates/main.j2`,
/// `files/postfix_main`, `postfix/main.jinja2`), each linted as a template of main.cf with the
/// master.cf the same tasks install. Not a file that is already a configuration's main.cf, nor
/// one that holds no setting.
fn ansible_setups(
    root: &Path,
    shown_root: &Path,
    scripts: &[crate::scripts::Script],
    setups: &[Setup],
) -> Vec<Setup> {
    let plain = crate::scripts::lexical;
    let mut known: std::collections::HashSet<PathBuf> =
        setups.iter().map(|s| plain(&s.main_cf)).collect();
    // Paths as the walk shows them: without `./` when the root is `.`.
    let shown = |path: PathBuf| match shown_root.as_os_str().is_empty() {
        true => path
            .strip_prefix(".")
            .map(Path::to_path_buf)
            .unwrap_or(path),
        false => path,
    };
    let mut out = Vec::new();
    for script in scripts {
        let installed =
            |which: &'static str| script.ansible_installed_as(which).map(|f| shown(f.clone()));
        let masters: Vec<PathBuf> = installed("master.cf").collect();
        for main_cf in installed("main.cf") {
            if !known.insert(plain(&main_cf)) || holds_no_setting(&main_cf) {
                continue;
            }
            let mut setup = template_setup(&main_cf);
            // One master.cf installed, or several (one per kind of host, `master.{{ type
            // }}.cf`): the one of the same kind (`master.mx.cf` for `main.mx.cf`), else
            // which goes with this main.cf is unknown.
            let twin = main_cf
                .file_name()
                .map(|n| n.to_string_lossy().replacen("main", "master", 1));
            let master = match masters.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                many => many
                    .iter()
                    .find(|m| {
                        m.parent() == main_cf.parent()
                            && m.file_name().map(|n| n.to_string_lossy())
                                == twin.as_deref().map(Into::into)
                    })
                    .cloned(),
            };
            match master {
                Some(master) => setup.load.master_cf = Some(master),
                None if masters.len() > 1 => setup.load.master_amended = true,
                None => {}
            }
            setup.load.confine_to = Some(root.to_path_buf());
            setup.load.main_installed = true;
            setup.installed_by = Some(shown(script.path.clone()));
            out.push(setup);
        }
    }
    out
}

/// A main.cf the walk found with no master.cf of its own (none beside it, none in the role's
/// `files/`) whose Ansible tasks install one master.cf from elsewhere (`copy: src:
/// files/postfix/ dest: /etc/postfix/`): that master.cf goes with it. Returns the master.cf
/// files so paired (lexical), which are then not linted alone.
fn pair_installed_masters(
    shown_root: &Path,
    scripts: &[crate::scripts::Script],
    setups: &mut [Setup],
) -> Vec<PathBuf> {
    let mut paired = Vec::new();
    // The master.cf files installed beside each main.cf, by the main.cf (lexical): one pass
    // over the scripts, one lookup per setup.
    let mut masters_of: HashMap<&Path, Vec<&PathBuf>> = HashMap::new();
    for script in scripts {
        let installed = |which: &'static str| script.ansible_installed_as(which);
        for main_cf in installed("main.cf") {
            masters_of
                .entry(main_cf.as_path())
                .or_default()
                .extend(installed("master.cf"));
        }
    }
    for setup in setups.iter_mut() {
        if setup.load.main_cf_absent || setup.load.master_cf.is_some() {
            continue;
        }
        let dir = setup.main_cf.parent().unwrap_or(Path::new(""));
        if std::fs::symlink_metadata(dir.join("master.cf")).is_ok() {
            continue;
        }
        let main_cf = crate::scripts::lexical(&setup.main_cf);
        // Tasks that install several master.cf (one per kind of host): which one is unknown.
        let Some([master]) = masters_of.get(main_cf.as_path()).map(Vec::as_slice) else {
            continue;
        };
        let master: &PathBuf = master;
        let master = match shown_root.as_os_str().is_empty() {
            true => master.strip_prefix(".").unwrap_or(master).to_path_buf(),
            false => master.clone(),
        };
        paired.push(crate::scripts::lexical(&master));
        setup.load.master_cf = Some(master);
    }
    paired
}

/// The main.cf files set-up scripts write with a here-document (`cat > /etc/postfix/main.cf
/// <<EOF`): each document that replaces main.cf is linted as one, the script read with holes
/// (`template::heredoc`), with the master.cf the same script writes with a here-document,
/// else the master.cf beside the script when there is one. The document writes the whole
/// file.
fn heredoc_setups(
    root: &Path,
    shown_root: &Path,
    scripts: &[crate::scripts::Script],
) -> Vec<Setup> {
    let shown = |path: &Path| match shown_root.as_os_str().is_empty() {
        true => path.strip_prefix(".").unwrap_or(path).to_path_buf(),
        false => path.to_path_buf(),
    };
    let mut out = Vec::new();
    let dockerfiles = dockerfiles_by_dir(scripts);
    for script in scripts.iter().filter(|s| !s.main_cf_heredocs.is_empty()) {
        let environment: Vec<String> = image_environment(&dockerfiles, &script.path)
            .map(str::to_string)
            .collect();
        for &command in &script.main_cf_heredocs {
            let path = shown(&script.path);
            let mut setup = template_setup(&path);
            let beside = path.with_file_name("master.cf");
            setup.load.master_cf = setup
                .load
                .master_cf
                .take()
                .or_else(|| beside.is_file().then_some(beside));
            // The master.cf the same script writes, when it does.
            if let Some(&line) = script.master_cf_heredocs.first() {
                setup.load.master_cf = Some(path.clone());
                setup.load.master_cf_heredoc = Some(line);
                setup.load.master_installed = true;
            }
            setup.load.main_cf_heredoc = Some(command);
            setup.load.image = running_image(&dockerfiles, &script.path);
            setup.load.script_environment = environment.clone();
            setup.load.confine_to = Some(root.to_path_buf());
            // A document that replaces main.cf writes the whole file; a YAML block may be
            // lines to add to one.
            setup.load.main_installed = !script.main_cf_blocks;
            out.push(setup);
        }
    }
    out
}

/// Images configured by their Dockerfile alone: no main.cf or master.cf in the repository near
/// it, the package's main.cf edited with `RUN postconf -e name=value`, or by a script the
/// Dockerfile names (an entrypoint's `postconf -e` on a line that always runs). Likewise an
/// Ansible role (or playbook directory) whose tasks edit the package's main.cf with
/// `lineinfile` or `command: postconf -e` and always run: one setup per role. Each is linted for the
/// settings written out in full (`scripts::Amendments::known_values` without a main.cf), as
/// a master.cf linted alone is: every other parameter unknown, findings only at the
/// Dockerfile's words. Not when a configuration lies in or above the Dockerfile's directory,
/// or when a script there may replace the image's main.cf. Each Dockerfile of a directory
/// (`Dockerfile`, `Dockerfile.dev`) is an image of its own, with the directory's other scripts.
fn image_setups(
    root: &Path,
    scripts: &[crate::scripts::Script],
    setups: &[Setup],
    skipped: &mut Vec<Skipped>,
) -> Vec<Setup> {
    let mut out = Vec::new();
    // The Dockerfiles linted in each directory: each reads every script of its directory
    // tree, so that many Dockerfiles in one directory (a hostile repository) would read them
    // all over again.
    let mut dockerfiles_in: HashMap<&Path, usize> = HashMap::new();
    // Settings written out in full by a shell script the image may run (an entrypoint's
    // `postconf -e`), as well as by a Dockerfile's own `RUN`.
    let script_literals = scripts
        .iter()
        .any(|s| !s.is_dockerfile() && !s.literals.is_empty());
    // Each directory above a script, with the scripts under it (in the order of `scripts`),
    // and the directories above a Dockerfile: what lies under a directory, in one step
    // whatever the number of Dockerfiles and scripts.
    let mut under: HashMap<&Path, Vec<usize>> = HashMap::new();
    let mut above_dockerfiles: HashSet<&Path> = HashSet::new();
    for (i, script) in scripts.iter().enumerate() {
        let dockerfile = script.is_dockerfile();
        for dir in script.path.ancestors().skip(1) {
            under.entry(dir).or_default().push(i);
            if dockerfile {
                above_dockerfiles.insert(dir);
            }
        }
    }
    // The roles plays apply under a condition, by name.
    let conditional: HashSet<&str> = scripts
        .iter()
        .flat_map(|s| s.conditional_roles.iter().map(String::as_str))
        .collect();
    // The directories of the setups found, and every directory above them.
    let plain = crate::scripts::lexical;
    let setup_dirs: HashSet<PathBuf> = setups
        .iter()
        .map(|s| plain(s.main_cf.parent().unwrap_or(Path::new(""))))
        .collect();
    let above_setups: HashSet<&Path> = setup_dirs.iter().flat_map(|d| d.ancestors()).collect();
    let mounted = crate::scripts::main_cf_mounted(scripts);
    // The roles (or playbook directories) already linted from one of their task files.
    let mut roles: HashSet<PathBuf> = HashSet::new();
    // The script names a Dockerfile or process supervisor runs: such a script configures an
    // image, not a host.
    let run_by_images: HashSet<&str> = scripts
        .iter()
        .flat_map(|s| s.mentions.iter().map(String::as_str))
        .collect();
    // The directories of the Dockerfiles: a script under one is in that image's build
    // context, and may be run by it under another name (`RUN postfix-setup` on PATH).
    let dockerfile_dirs: Vec<&Path> = scripts
        .iter()
        .filter(|s| s.is_dockerfile())
        .map(|s| s.path.parent().unwrap_or(Path::new("")))
        .collect();
    // A shell script that installs Postfix's package and sets parameters (`apt-get install
    // -y postfix`, then `postconf -e ...`; a Vagrant provisioner, an install script): it
    // sets up a host, whose package main.cf it amends, as a role's tasks do.
    let provisions_host = |s: &crate::scripts::Script| {
        s.installs_postfix
            && !s.is_dockerfile()
            && !crate::scripts::is_task_file(&s.path)
            && !s.literals.is_empty()
            && s.path
                .file_name()
                .is_some_and(|n| !run_by_images.contains(n.to_string_lossy().as_ref()))
            && !dockerfile_dirs.iter().any(|d| s.path.starts_with(d))
    };
    for dockerfile in scripts.iter().filter(|s| {
        (s.is_dockerfile() && (script_literals || !s.literals.is_empty()))
            || (crate::scripts::is_task_file(&s.path) && !s.literals.is_empty())
            || provisions_host(s)
    }) {
        let parent = dockerfile.path.parent().unwrap_or(Path::new(""));
        // An Ansible role's task files configure the hosts it is applied to: the role (the
        // directory above `tasks/`) is one setup, unless a Dockerfile there builds an image
        // (then that is the one).
        let dir = match dockerfile.is_dockerfile() {
            true => {
                let seen = dockerfiles_in.entry(parent).or_default();
                *seen += 1;
                if *seen > MAX_DOCKERFILES_IN_DIRECTORY {
                    skipped.push(Skipped {
                        path: dockerfile
                            .path
                            .strip_prefix(".")
                            .unwrap_or(&dockerfile.path)
                            .to_path_buf(),
                        reason: format!(
                            "more than {MAX_DOCKERFILES_IN_DIRECTORY} Dockerfiles of one \
                             directory set Postfix parameters; postlint reads the first \
                             {MAX_DOCKERFILES_IN_DIRECTORY}"
                        ),
                    });
                    continue;
                }
                parent
            }
            false => {
                let role = match parent.file_name().and_then(|n| n.to_str()) {
                    Some("tasks" | "handlers") if dockerfile.installs_postfix => parent,
                    Some("tasks" | "handlers") => parent.parent().unwrap_or(parent),
                    _ => parent,
                };
                let built = above_dockerfiles.contains(role);
                if built || !roles.insert(role.to_path_buf()) {
                    continue;
                }
                // A role a play applies under a condition (`- role: mail` with `when:`)
                // may not run on a host at all.
                let name = role.file_name().map(|n| n.to_string_lossy());
                if name.is_some_and(|name| conditional.contains(name.as_ref())) {
                    continue;
                }
                role
            }
        };
        // `./a/b` and `a/b` are the same place. A setup found at, above or under the
        // directory is the one.
        let here = plain(dir);
        if above_setups.contains(here.as_path()) || here.ancestors().any(|a| setup_dirs.contains(a))
        {
            continue;
        }
        // The scripts of its directory, without the other Dockerfiles (`Dockerfile.dev` beside
        // `Dockerfile`, an image of a subdirectory): each builds an image of its own.
        let context: Vec<&crate::scripts::Script> = under
            .get(dir)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&i| &scripts[i])
            .filter(|s| !s.is_dockerfile() || s.path == dockerfile.path)
            .collect();
        let mut amendments = crate::scripts::Amendments::default();
        if provisions_host(dockerfile) {
            amendments.add_entry_script(&dockerfile.path);
        }
        // A role's task files that run whenever it does: those the role's tasks/main.yml (or
        // a play) reaches through includes and imports without a condition. What the others
        // set (a file included under `when:`, one for a single OS, one nothing includes) is
        // set, to values not known to run.
        let reached = match dockerfile.is_dockerfile() {
            true => None,
            false => Some(reached_task_files(dir, &context)),
        };
        for script in &context {
            match &reached {
                Some(reached)
                    if crate::scripts::is_task_file(&script.path)
                        && !reached.contains(&crate::scripts::lexical(&script.path)) =>
                {
                    let mut unreached = (*script).clone();
                    unreached.literals.clear();
                    unreached.text = None;
                    amendments.add(&unreached);
                }
                _ => amendments.add(script),
            }
        }
        let mut values = amendments.known_image_values(mounted);
        // A setting whose line holds text a `sed -i` fills in (`s|RELAY_HOST|$RELAY_HOST|`)
        // is not the one that runs: set, to a value not known (its name may change too).
        let filled: Vec<regex::Regex> = amendments
            .main_placeholders
            .iter()
            .filter_map(|(pattern, _, _)| regex::Regex::new(pattern).ok())
            .collect();
        values.retain(|v| {
            let line = format!("{} = {}", v.literal.name, v.literal.value);
            !filled.iter().any(|p| p.is_match(&line))
        });
        if values.is_empty() {
            continue;
        }
        let mut setup = setup_for(&dockerfile.path);
        // A directory the image copies to /etc/postfix holds the tables its settings name
        // (`ADD postfix /etc/postfix`).
        let copied = dockerfile
            .main_cf_copies
            .iter()
            .filter(|(source, dest)| {
                dest == "/etc/postfix"
                    && !source.contains(['*', '?', '['])
                    && !source.split('/').any(|part| part == "..")
            })
            .flat_map(|(source, _)| [dir.join(source), root.join(source)])
            .find(|path| path.is_dir() && path.starts_with(root));
        if let Some(copied) = copied {
            setup.load.config_dir = Some(plain(&copied));
        }
        setup.load.main_cf = None;
        setup.load.main_cf_absent = true;
        // The settings are made in the main.cf of the package the image installs: they are
        // for that package's release (`FROM debian:bookworm` is Postfix 3.7), or, where which
        // packages it installs is unknown, likely that of its base (`Origin::ImageBase`).
        setup.load.image = dockerfile
            .image
            .as_ref()
            .map(|image| (dockerfile.path.clone(), image.clone()));
        // Emptied before every setting written: the settings are the whole main.cf.
        setup.load.main_cf_emptied = dockerfile.empties_main_cf.is_some_and(|line| {
            !amendments.main_open
                && values
                    .iter()
                    .all(|v| v.path == dockerfile.path && v.literal.line > line)
                && amendments
                    .main_params
                    .iter()
                    .all(|(name, _, _)| values.iter().any(|v| v.literal.name == *name))
        });
        setup.load.confine_to = Some(root.to_path_buf());
        setup.load.master_amended = amendments.master;
        setup.load.script_values = values;
        setup.load.script_shell_references = shell_references(dockerfile);
        setup
            .load
            .script_shell_references
            .extend(script_shell_references(context.iter().copied(), scripts));
        setup.load.script_sets = amendments.postconf_sets.clone();
        // The files its tasks install at a path (`template: src=mysql-aliases.cf
        // dest=/etc/postfix/mysql-aliases.cf`), and those the Dockerfile copies into the
        // image, are where main.cf's tables lead.
        setup.load.installed_files = amendments.installed_files();
        if dockerfile.is_dockerfile() {
            setup
                .load
                .installed_files
                .extend(dockerfile.copied_files(root));
        }
        setup.load.script_params = amendments.main_params;
        setup.load.script_builds = amendments.builds.clone();
        setup.load.script_file_placeholders = amendments.file_placeholders.clone();
        setup.load.script_file_keys = amendments.file_keys;
        out.push(setup);
    }
    out
}

/// A Dockerfile's `RUN postconf` arguments whose Postfix `$name` the shell expands, with its
/// path and kept text, for `LoadOptions::script_shell_references`.
fn shell_references(
    dockerfile: &crate::scripts::Script,
) -> Vec<(
    PathBuf,
    std::sync::Arc<str>,
    Vec<crate::scripts::ShellReference>,
)> {
    match &dockerfile.text {
        Some(text) if dockerfile.is_dockerfile() && !dockerfile.shell_references.is_empty() => {
            vec![(
                dockerfile.path.clone(),
                text.clone(),
                dockerfile.shell_references.clone(),
            )]
        }
        _ => Vec::new(),
    }
}

/// The `$name` references the shell scripts among `scripts` leave to the shell in their
/// postconf arguments (`postconf -e "smtpd_banner = $myhostname ESMTP"`), without the names
/// an image that may run a script sets with `ENV` (the Dockerfiles of `all` in the script's
/// directory and those above it): each script's path, kept text and references.
fn script_shell_references<'s>(
    scripts: impl IntoIterator<Item = &'s crate::scripts::Script>,
    all: &[crate::scripts::Script],
) -> Vec<(
    PathBuf,
    std::sync::Arc<str>,
    Vec<crate::scripts::ShellReference>,
)> {
    let mut out = Vec::new();
    let dockerfiles = dockerfiles_by_dir(all);
    for script in scripts {
        let Some(text) = &script.text else { continue };
        if script.is_dockerfile() || script.shell_references.is_empty() {
            continue;
        }
        let environment: std::collections::HashSet<&str> =
            image_environment(&dockerfiles, &script.path).collect();
        let references: Vec<crate::scripts::ShellReference> = script
            .shell_references
            .iter()
            .filter(|r| !environment.contains(r.name.as_str()))
            .cloned()
            .collect();
        if !references.is_empty() {
            out.push((script.path.clone(), text.clone(), references));
        }
    }
    out
}

/// The Dockerfiles among `scripts`, by their directory.
fn dockerfiles_by_dir(
    scripts: &[crate::scripts::Script],
) -> HashMap<&Path, Vec<&crate::scripts::Script>> {
    let mut out: HashMap<&Path, Vec<&crate::scripts::Script>> = HashMap::new();
    for s in scripts.iter().filter(|s| s.is_dockerfile()) {
        out.entry(s.path.parent().unwrap_or(Path::new("")))
            .or_default()
            .push(s);
    }
    out
}

/// The image that runs a script: the one Dockerfile of its directory or one above it that
/// names it in a `RUN`, `ENTRYPOINT` or `CMD` (`ENTRYPOINT ["/entrypoint.sh"]`) and installs
/// Postfix's package. The main.cf the script writes is that image's, for its release. None
/// when no such Dockerfile, or more than one, runs it.
fn running_image(
    dockerfiles: &HashMap<&Path, Vec<&crate::scripts::Script>>,
    script: &Path,
) -> Option<(PathBuf, crate::image::Image)> {
    let name = script.file_name()?.to_string_lossy();
    let mut running = script
        .parent()
        .unwrap_or(Path::new(""))
        .ancestors()
        .filter_map(|d| dockerfiles.get(d))
        .flatten()
        .filter(|d| {
            d.mentions.iter().any(|m| *m == name)
                && d.image
                    .as_ref()
                    .is_some_and(crate::image::Image::has_postfix_package)
        });
    let (first, None) = (running.next()?, running.next()) else {
        return None;
    };
    first
        .image
        .as_ref()
        .map(|image| (first.path.clone(), image.clone()))
}

/// The ENV names of the Dockerfiles in a script's directory and those above it in the
/// repository: the images that may run it (nearest first).
fn image_environment<'d>(
    dockerfiles: &'d HashMap<&Path, Vec<&crate::scripts::Script>>,
    script: &'d Path,
) -> impl Iterator<Item = &'d str> + 'd {
    script
        .parent()
        .unwrap_or(Path::new(""))
        .ancestors()
        .filter_map(|d| dockerfiles.get(d))
        .flatten()
        .flat_map(|s| s.env_names.iter().map(String::as_str))
}

/// At most this many Dockerfiles of one directory are linted as images configured by their
/// own settings ([`image_setups`]).
const MAX_DOCKERFILES_IN_DIRECTORY: usize = 16;

/// The task files of a role (or playbook directory) at `role` that run whenever it runs:
/// `tasks/main.yml` (or `.yaml`) and the plays of the directory, and the files they include
/// or import without a condition (`include_tasks: relay.yml`, found beside the including
/// file or in the role's `tasks/`), and so on. Lexical paths.
fn reached_task_files(
    role: &Path,
    context: &[&crate::scripts::Script],
) -> std::collections::HashSet<PathBuf> {
    let plain = crate::scripts::lexical;
    let by_path: std::collections::HashMap<PathBuf, &crate::scripts::Script> = context
        .iter()
        .filter(|s| crate::scripts::is_task_file(&s.path))
        .map(|s| (plain(&s.path), *s))
        .collect();
    let entries = ["tasks/main.yml", "tasks/main.yaml"].map(|e| plain(&role.join(e)));
    let mut pending: Vec<PathBuf> = by_path
        .iter()
        .filter(|(path, s)| entries.contains(path) || s.playbook)
        .map(|(path, _)| path.clone())
        .collect();
    let mut reached: std::collections::HashSet<PathBuf> = pending.iter().cloned().collect();
    while let Some(path) = pending.pop() {
        let Some(script) = by_path.get(&path) else {
            continue;
        };
        let here = path.parent().unwrap_or(Path::new(""));
        for (file, conditional) in &script.task_includes {
            if *conditional {
                continue;
            }
            let found = [here.join(file), role.join("tasks").join(file)]
                .into_iter()
                .map(|p| plain(&p))
                .find(|p| by_path.contains_key(p));
            if let Some(found) = found {
                if reached.insert(found.clone()) {
                    pending.push(found);
                }
            }
        }
    }
    reached
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
    setup.load.other_dirs = template::files_beside(dir);
    // A Chef cookbook or Ansible role may ship master.cf as a plain file of `files/` beside
    // the main.cf template of `templates/` (`cookbook_file` and `template` resources).
    setup.load.master_cf = template::master_cf_for(dir, &name).or_else(|| {
        setup
            .load
            .other_dirs
            .iter()
            .find_map(|d| template::master_cf_for(d, &name))
    });
    setup
}

/// How to lint a file named on the command line that is a main.cf by its name (a template of
/// main.cf, a plain variant): as `--discover` lints it. None for any other name.
pub fn named_setup(main_cf: &Path) -> Option<Setup> {
    let name = main_cf.file_name()?.to_string_lossy();
    if template::main_cf_in(&name).is_some() {
        return Some(template_setup(main_cf));
    }
    if let Some(at) = plain_variant(&name) {
        return Some(variant_setup(main_cf, at, None));
    }
    // A sample, backup or other copy that --discover passes over (`main.cf.orig`,
    // `main.cf.bak`): named on the command line, it is what the user wants linted. Not a file
    // of another kind (`main.cf.sh`) or one postmap compiled (`main.cf.db`).
    let at = template::main_cf_word(&name)?;
    let compiled = name
        .rsplit_once('.')
        .is_some_and(|(_, ext)| COMPILED.contains(&ext));
    (not_postfix(&name).is_none() && !compiled).then(|| variant_setup(main_cf, at, None))
}

/// How to lint a plain variant of main.cf (`postfix-main.cf`, `main.cf.production`), whose
/// name holds `main.cf` at `at`: as a template of main.cf, with the master.cf of the same
/// name, else the plain master.cf beside it. `root` bounds where docker-mailserver's compose
/// file is looked for (the repository; None: only beside the file).
fn variant_setup(main_cf: &Path, at: usize, root: Option<&Path>) -> Setup {
    let mut setup = template_setup(main_cf);
    let dir = main_cf.parent().unwrap_or(Path::new("."));
    let name = main_cf
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let same_name = format!("{}master.cf{}", &name[..at], &name[at + "main.cf".len()..]);
    setup.load.master_cf = [same_name.as_str(), "master.cf"]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|path| path.is_file());
    if name == "postfix-main.cf" && docker_mailserver_config(main_cf, root) {
        setup.load.docker_mailserver = true;
        setup.load.master_cf = None;
    }
    setup
}

/// The files of docker-mailserver's configuration directory (mounted at
/// /tmp/docker-mailserver) that only it names this way.
const DOCKER_MAILSERVER_FILES: &[&str] = &[
    "postfix-accounts.cf",
    "postfix-relaymap.cf",
    "postfix-sasl-password.cf",
    "postfix-send-access.cf",
    "postfix-receive-access.cf",
    "postfix-virtual.cf",
    "postfix-aliases.cf",
    "postfix-regexp.cf",
    "dovecot.cf",
    "fail2ban-jail.cf",
    "user-patches.sh",
];

/// How many directories above postfix-main.cf docker-mailserver's compose file or
/// mailserver.env may be (`docker-data/dms/config/postfix-main.cf` is three below them).
const COMPOSE_LEVELS: usize = 4;

/// Whether `postfix-main.cf` is docker-mailserver's, which the container appends to its own
/// main.cf. Its directory is the configuration directory the container mounts at
/// /tmp/docker-mailserver, told by any of:
/// - a file only docker-mailserver names so beside it (postfix-accounts.cf is often kept out
///   of the repository: it holds password hashes), or a postfix-master.cf in `postconf -P` form
///   (`submission/inet/smtpd_sasl_auth_enable=yes`), which no master.cf is;
/// - its place, `dms/config/` (the documented `docker-data/dms/config`);
/// - a path under /tmp/docker-mailserver/ in the file itself;
/// - a `mailserver.env`, or a compose file that names the docker-mailserver image, in its
///   directory or up to [`COMPOSE_LEVELS`] above it, never above `root`.
fn docker_mailserver_config(main_cf: &Path, root: Option<&Path>) -> bool {
    let Some(dir) = main_cf.parent() else {
        return false;
    };
    if DOCKER_MAILSERVER_FILES
        .iter()
        .any(|name| regular_file(&dir.join(name)))
        || postconf_p_form(&dir.join("postfix-master.cf"))
    {
        return true;
    }
    let name_of = |p: Option<&Path>| p.and_then(Path::file_name).map(|n| n.to_os_string());
    if name_of(Some(dir)).as_deref() == Some("config".as_ref())
        && name_of(dir.parent()).as_deref() == Some("dms".as_ref())
    {
        return true;
    }
    if small_text(main_cf).is_some_and(|t| t.contains("/tmp/docker-mailserver/")) {
        return true;
    }
    let mut at = Some(dir);
    for _ in 0..=COMPOSE_LEVELS {
        let Some(here) = at else {
            break;
        };
        if regular_file(&here.join("mailserver.env"))
            || crate::compose::COMPOSE_FILES.iter().any(|name| {
                small_text(&here.join(name)).is_some_and(|t| t.contains("docker-mailserver"))
            })
        {
            return true;
        }
        // Never above the repository (or, without one, above the file's own directory).
        if root.is_none_or(|r| here == r || !here.starts_with(r)) {
            break;
        }
        at = here.parent();
    }
    false
}

/// Whether a path is a regular file itself: not a link (which may point out of the
/// repository), a FIFO or a device.
pub(crate) fn regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// How many `.nix` files discover reads for NixOS fragments.
const NIX_FILES: usize = 256;

/// Marks the main.cf files that a NixOS configuration appends to the main.cf its
/// `services.postfix` module writes ([`nixos_appends`]).
fn mark_nixos_fragments(setups: &mut [Setup], nix_files: &[PathBuf]) {
    if nix_files.is_empty() {
        return;
    }
    // Each file read once, into the relative paths it names: linear in the text, whatever the
    // number of main.cf files asked about.
    let modules: Vec<NixModule> = nix_files
        .iter()
        .filter_map(|p| NixModule::read(p, &small_text(p)?))
        .collect();
    for setup in setups.iter_mut() {
        if setup.main_cf.file_name().is_none_or(|n| n != "main.cf") {
            continue;
        }
        if let Some(module) = modules.iter().find(|m| m.appends(&setup.main_cf)) {
            setup.load.nixos = Some(module.path.clone());
        }
    }
}

/// What postlint reads of a `.nix` file that configures `services.postfix` with extraConfig.
struct NixModule {
    path: PathBuf,
    /// The relative paths it names (`./postfix/main.cf`, `./postfix`), as written.
    paths: std::collections::HashSet<String>,
    /// It names a file `"main.cf"` (`files = [ "main.cf" ];` of substituteAllFiles).
    names_main_cf: bool,
}

impl NixModule {
    fn read(path: &Path, text: &str) -> Option<NixModule> {
        if !text.contains("services.postfix") || !text.contains("extraConfig") {
            return None;
        }
        let is_path_byte =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/');
        let paths = text
            .match_indices("./")
            .filter(|(at, _)| *at == 0 || !is_path_byte(text.as_bytes()[at - 1]))
            .map(|(at, _)| {
                let rest = &text.as_bytes()[at + 2..];
                let len = rest.iter().take_while(|&&b| is_path_byte(b)).count();
                text[at..at + 2 + len]
                    .trim_end_matches(['/', '.'])
                    .to_string()
            })
            .collect();
        Some(NixModule {
            path: path.to_path_buf(),
            paths,
            names_main_cf: text.contains("\"main.cf\""),
        })
    }

    /// Whether the module reads `main_cf` into `services.postfix.extraConfig`: it names the
    /// file by its path from the module's directory (`./postfix/main.cf`), or its directory
    /// (`src = ./postfix;`, as `substituteAllFiles` is given it) and `"main.cf"`.
    fn appends(&self, main_cf: &Path) -> bool {
        let Some(base) = self.path.parent() else {
            return false;
        };
        let Ok(relative) = main_cf.strip_prefix(base) else {
            return false;
        };
        let relative = relative.to_string_lossy();
        let dir = relative
            .strip_suffix("main.cf")
            .unwrap_or("")
            .trim_end_matches('/');
        self.paths.contains(&format!("./{relative}"))
            || (!dir.is_empty() && self.names_main_cf && self.paths.contains(&format!("./{dir}")))
    }
}

/// Whether a file beside main.cf mounts it into a `main.cf.d/` directory (`docker run -v
/// $(pwd)/main.cf:/etc/postfix/main.cf.d/10-custom.cf`, a compose volume): the image applies
/// such drop-ins with `postconf -e` to its own main.cf. Looks at the READMEs, Dockerfiles,
/// compose files, Makefiles and shell scripts of the directory (regular files of at most 1 MB,
/// at most 64 of them).
fn mounted_as_dropin(main_cf: &Path) -> bool {
    let Some(dir) = main_cf.parent() else {
        return false;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mounts = |text: &str| {
        text.lines().any(|line| {
            line.find("main.cf:")
                .is_some_and(|at| line[at..].contains("main.cf.d/"))
        })
    };
    entries.flatten().take(64).any(|entry| {
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        let describes = name.starts_with("readme")
            || name.starts_with("dockerfile")
            || name.starts_with("makefile")
            || name.contains("compose")
            || name.ends_with(".sh");
        describes && small_text(&entry.path()).is_some_and(|t| mounts(&t))
    })
}

/// Whether a file named main.cf is another program's INI file (telegram-mailgate's
/// `/etc/telegram-mailgate/main.cf`): its first line that is not blank or a comment (`#`, `;`)
/// is a `[section]` header. Postfix's main.cf has no such line: a line that starts with `[`
/// is no `name = value`. Files over 1 MB are not read.
fn is_ini_file(path: &Path) -> bool {
    small_text(path).is_some_and(|text| {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with(['#', ';']))
            .and_then(|l| l.strip_prefix('[')?.strip_suffix(']'))
            .is_some_and(|section| {
                !section.is_empty()
                    && section.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b' ')
                    })
            })
    })
}

/// Whether a main.cf sets three parameters or more, under plain names, and none is a Postfix
/// name (known, deprecated or a service's): an application's own `key = value` file that
/// happens to be called main.cf (`database_name = ...`, `arduino_usb_port = ...`). A file of
/// misspelt Postfix names has some within reach; templates, whose names may be expressions,
/// count only their plain names. Files over 1 MB are not read.
fn names_no_postfix_parameter(path: &Path) -> bool {
    use crate::model::names;
    small_text(path).is_some_and(|text| {
        let parsed = crate::parse::assign::parse_assignments(&text);
        let plain: Vec<&str> = parsed
            .assignments
            .iter()
            .map(|a| a.name())
            .filter(|n| {
                n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            })
            .collect();
        plain.len() >= 3
            && !plain.iter().any(|n| {
                names::is_known_name(n)
                    || names::deprecation(n).is_some()
                    || names::per_transport_service(n).is_some()
            })
    })
}

/// Whether a main.cf (or its variant) has lines, none of them a `name = value` setting, and
/// no template tag that may write settings: another program's file (CFEngine's policy,
/// `bundle agent main { ... }`). Files over 1 MB are not read.
fn holds_no_assignment(path: &Path) -> bool {
    small_text(path).is_some_and(|text| {
        let parsed = crate::parse::assign::parse_assignments(&text);
        parsed.assignments.is_empty()
            && parsed.bad_lines.len() >= 2
            && !["{{", "{%", "<%", "${", "[%"]
                .iter()
                .any(|t| text.contains(t))
    })
}

/// Whether a main.cf (or its template or variant) is blank or comments only: a placeholder
/// that a configuration tool fills in on the server (Puppet's `replace => false` seed, then
/// Augeas edits), not the configuration. Files over 1 MB are not read, and are no placeholder.
fn holds_no_setting(path: &Path) -> bool {
    small_text(path).is_some_and(|text| {
        text.lines()
            .map(str::trim)
            .all(|line| line.is_empty() || line.starts_with('#'))
    })
}

/// The text of a regular file of at most 1 MB (compose files, overrides, scripts,
/// manifests); None otherwise (a link, a FIFO, a device, a larger file, one that grows past
/// 1 MB while it is read, or one that is not UTF-8).
/// Whether the regular file at `path` starts with a shell's `#!` line (`#!/bin/sh`,
/// `#!/usr/bin/env bash`, s6's `#!/command/with-contenv sh`): an entrypoint script whose name
/// says nothing (`run-postfix`). Only its first 256 bytes are read.
pub(crate) fn is_shell_script(path: &Path) -> bool {
    use std::io::Read;
    const SHELLS: [&str; 6] = ["sh", "bash", "ash", "dash", "zsh", "ksh"];
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    // Opened without blocking, a regular file only (a FIFO put in its place is refused).
    let Ok((file, _)) = crate::fsread::open_regular(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(256);
    if file.take(256).read_to_end(&mut head).is_err() {
        return false;
    }
    let Some(line) = head.strip_prefix(b"#!") else {
        return false;
    };
    let line = String::from_utf8_lossy(line);
    let line = line.lines().next().unwrap_or("");
    line.split_ascii_whitespace()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .any(|w| SHELLS.contains(&w))
}

pub(crate) fn small_text(path: &Path) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    const LIMIT: u64 = 1 << 20;
    if !std::fs::symlink_metadata(path).ok()?.is_file() {
        return None;
    }
    // O_NONBLOCK: a FIFO put in the file's place since returns at once, and is refused below.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > LIMIT {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(LIMIT + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > LIMIT {
        return None;
    }
    // A comment in Shift_JIS or Latin-1 must not hide the file: decoded as main.cf is, each
    // byte that is not UTF-8 kept as a character of its own.
    Some(crate::fsread::decode(bytes))
}

/// Whether a file holds `service/type/parameter=value` lines only (and at least one), the
/// form `postconf -P` reads and prints; comments and blank lines aside.
fn postconf_p_form(path: &Path) -> bool {
    // A few lines of overrides: a file of more than 1 MB is something else.
    let Some(text) = small_text(path) else {
        return false;
    };
    // Some line in `service/type/parameter=value` form, and no master.cf service line: a
    // mistaken line among the overrides (a comment after a value, `-o name=value`) does not
    // make the file a master.cf.
    let lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let mut p_form = false;
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() >= 8
            && matches!(fields[1], "inet" | "unix" | "fifo" | "pass" | "unix-dgram")
        {
            return false;
        }
        p_form |= line.split_once('=').is_some_and(|(name, _)| {
            let parts: Vec<&str> = name.trim_end().split('/').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && !p.contains(char::is_whitespace))
                && parts[2]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    }
    p_form
}

/// What a name says a file is when a part of it is one of [`NOT_POSTFIX`].
fn not_postfix(name: &str) -> Option<&'static str> {
    let last = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())?;
    match last.as_str() {
        "ftl" | "mas" | "in" | "liquid" | "mako" | "twig" | "tt" | "tt2" | "php" | "template" => {
            Some("a template whose engine postlint does not read; lint the rendered file")
        }
        _ if NOT_POSTFIX.contains(&last.as_str()) => Some("not a Postfix file by its name"),
        _ => None,
    }
}

/// Parts of a name, or whole directory names, that say nobody deploys the file: backups and
/// editors' leftovers, package managers' leftovers (`main.cf.rpmnew`, `main.cf.dpkg-dist`,
/// Debian's `main.cf.dist`, Slackware's `main.cf.new`), defaults and samples (Postfix's
/// `main.cf.default` is `postconf -d` output, `main.cf.proto` its install template), fragments
/// an installer appends, documentation and tests (an Ansible role's `molecule/` scenarios).
#[rustfmt::skip]
pub const NOT_DEPLOYED: &[&str] = &[
    "back", "backup", "backups", "bak", "bck", "bk", "bkp", "copy", "default", "defaults", "demo",
    "disabled", "dist", "doc", "docs", "dpkg", "example", "examples", "fragment", "molecule",
    "new", "off",
    "old", "ori", "orig", "original", "pacnew", "pacorig", "pacsave", "partial", "prev",
    "previous", "proto", "rpmnew", "rpmorig", "rpmsave", "sample", "samples", "save", "saved",
    "snippet", "snippets", "swo", "swp", "temp", "tests", "tmp", "ucf", "unused",
    // "Example" and "backup" in the languages setups are written in: Portuguese, Spanish,
    // French, Italian, German, Dutch.
    "exemplo", "exemplos", "ejemplo", "ejemplos", "exemple", "exemples", "esempio", "esempi",
    "beispiel", "beispiele", "voorbeeld", "sicherung", "respaldo",
];

/// Parts of a file's name (not a directory's: `add/` may hold anything) that say it is lines
/// added to a main.cf, not one: `main.cf.append`, which a script concatenates after the
/// image's own main.cf (survey Z2).
const ADDED_LINES: &[&str] = &["add", "added", "additions", "append", "appended"];

/// Parts of a name that say the file is not a Postfix file: documents, patches, other formats,
/// and templates whose engine postlint does not know by name (autoconf's `main.cf.in`,
/// Zentyal's Mason `main.cf.mas`, FreeMarker's `main.cf.ftl`, whose `${name}` is its own).
pub const NOT_POSTFIX: &[&str] = &[
    "adoc", "asc", "bz2", "csv", "diff", "ftl", "gpg", "gz", "htm", "html", "in", "ini", "json",
    "liquid", "lock", "log", "mako", "markdown", "mas", "md", "patch", "pdf", "php", "pl", "pp",
    "py", "rb", "rej", "rst", "sh", "sig", "sls", "stub", "template", "tgz", "toml", "tt", "tt2",
    "twig", "txt", "xml", "xz", "yaml", "yml", "zip",
];

/// The last extension of a file postmap or postalias compiled: `main.cf.db` is what
/// `postmap main.cf` leaves, a binary table, never a configuration.
pub const COMPILED: &[&str] = &["cdb", "db", "dir", "lmdb", "pag", "sdbm"];

/// Whether a file name is main.cf's, a template's of it, or a plain variant's.
fn named_main_cf(name: &str) -> bool {
    name == "main.cf" || template::main_cf_in(name).is_some() || plain_variant(name).is_some()
}

/// Where `main.cf` sits in the name of a plain variant of main.cf (`postfix-main.cf`,
/// `mx1_main.cf`, `main.cf.production`, `main.cf-el8`, `etc_postfix_main.cf`); None for
/// `main.cf` itself, for templates, and for names that say nobody deploys the file. The rule
/// is in the module's doc.
pub fn plain_variant(file_name: &str) -> Option<usize> {
    if file_name == "main.cf"
        || file_name.ends_with('~')
        || template::engine_by_name(file_name).is_some()
        || COMPILED
            .iter()
            .any(|ext| file_name.rsplit_once('.').is_some_and(|(_, e)| e == *ext))
    {
        return None;
    }
    let at = template::main_cf_word(file_name)?;
    let parts = |text: &str| {
        text.split(['.', '-', '_'])
            .filter(|part| !part.is_empty())
            .map(str::to_ascii_lowercase)
            .collect::<Vec<String>>()
    };
    // What says the file is no Postfix file is its last extension, or a word before main.cf:
    // a word inside a host's name after it (`main.cf.H_ticket.in.example.net`) is no file
    // type. (A host's name that ends in one, `main.cf.mx.example.pl`, stays passed over.)
    let all = parts(file_name);
    let before = parts(&file_name[..at]).len();
    let typed = |i: usize| i < before || i + 1 == all.len();
    // A word with digits after it is the word too (`main.cf.backup180518`, `main.cf.bak2`).
    let word = |part: &str| {
        part.trim_end_matches(|c: char| c.is_ascii_digit())
            .to_string()
    };
    let not_deployed = all.iter().enumerate().any(|(i, part)| {
        NOT_DEPLOYED.contains(&part.as_str())
            || NOT_DEPLOYED.contains(&word(part).as_str())
            || ADDED_LINES.contains(&part.as_str())
            || (typed(i) && NOT_POSTFIX.contains(&part.as_str()))
            || template::engine_by_name(&format!(".{part}")).is_some()
            || part
                .strip_prefix("test")
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    });
    let rest = &file_name[at + "main.cf".len()..];
    let dated = parts(rest)
        .iter()
        .any(|part| part.starts_with(|c: char| c.is_ascii_digit()));
    // `main.cf.org` is a copy of the original (German admins' `.org`); `main.cf.example.org`
    // is a host's own file.
    let original = rest.eq_ignore_ascii_case(".org");
    (!not_deployed && !dated && !original).then_some(at)
}

/// The names of the directories on the way to `path` (relative to the repository), in lower
/// case.
fn directory_names(path: &Path) -> impl Iterator<Item = String> + '_ {
    let dirs = path.parent().map(Path::components).into_iter().flatten();
    dirs.filter_map(|c| match c {
        std::path::Component::Normal(name) => Some(name.to_string_lossy().to_ascii_lowercase()),
        _ => None,
    })
}

/// Whether a directory on the way to `path` (relative to the repository) says nobody deploys
/// what it holds: `samples/`, `backup/`, `old/`, as a whole name.
pub(crate) fn set_aside_by_directory(path: &Path) -> bool {
    directory_names(path).any(|name| NOT_DEPLOYED.contains(&name.as_str()))
}

/// Directories of test inputs, by convention (rspec's `spec/fixtures/`, pytest's and
/// Go's `testdata/`): a configuration under one is what a test reads, not what a server runs.
const TEST_INPUTS: &[&str] = &["fixtures", "testdata"];

/// Whether a directory on the way to `path` (relative to the repository) is one of
/// [`TEST_INPUTS`], as a whole name and without case.
pub(crate) fn under_test_inputs(path: &Path) -> bool {
    directory_names(path).any(|name| TEST_INPUTS.contains(&name.as_str()))
}

/// Where Postfix packages put the files they ship besides the configuration: the daemon
/// directory (Postfix 2's `$daemon_directory/main.cf` prototype that post-install copies),
/// Debian's `/usr/share/postfix` (main.cf.debian, main.cf.tls, which the package's postinst
/// copies into a new main.cf) and the documentation. A system image a repository holds has
/// them beside its etc/postfix.
const PACKAGE_DIRS: &[&[&str]] = &[
    &["usr", "lib", "postfix"],
    &["usr", "lib64", "postfix"],
    &["usr", "libexec", "postfix"],
    &["usr", "local", "libexec", "postfix"],
    &["usr", "share", "postfix"],
];

/// Whether `path` (relative to the repository) is in one of [`PACKAGE_DIRS`] (at any depth of
/// the repository, directly), or below a `usr/share/doc`.
fn in_package_files(path: &Path) -> bool {
    let dirs: Vec<String> = directory_names(path).collect();
    PACKAGE_DIRS
        .iter()
        .any(|tail| dirs.len() >= tail.len() && dirs[dirs.len() - tail.len()..] == **tail)
        || dirs.windows(3).any(|w| w == ["usr", "share", "doc"])
}

/// Whether a directory on the way to `path` (relative to the repository) holds diffs or
/// patches by its name: a part of it (split at `_`, `-` and `.`, without case) is `diff`,
/// `diffs`, `patch` or `patches` (`saved_diffs/etc/postfix/main.cf`, `debian/patches/`).
fn under_diffs(path: &Path) -> bool {
    const DIFFS: [&str; 4] = ["diff", "diffs", "patch", "patches"];
    directory_names(path).any(|name| {
        name.split(['_', '-', '.'])
            .any(|part| DIFFS.contains(&part))
    })
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
        installed_by: None,
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

    /// small_text reads regular files of at most 1 MB, and refuses the others at once.
    #[test]
    fn small_text_reads_small_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("init.pp");
        std::fs::write(&small, "class postfix {}\n").unwrap();
        assert_eq!(small_text(&small).as_deref(), Some("class postfix {}\n"));
        let large = dir.path().join("large.pp");
        std::fs::write(&large, vec![b'#'; (1 << 20) + 1]).unwrap();
        assert_eq!(small_text(&large), None);
        let fifo = dir.path().join("fifo.pp");
        let c_path = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
        // SAFETY: a NUL-terminated path; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        assert_eq!(small_text(&fifo), None);
        std::os::unix::fs::symlink(&small, dir.path().join("link.pp")).unwrap();
        assert_eq!(small_text(&dir.path().join("link.pp")), None);
        assert_eq!(small_text(Path::new("/dev/zero")), None);
    }

    #[test]
    fn plain_variants_by_name() {
        for (name, at) in [
            ("postfix-main.cf", 8),
            ("mx1_main.cf", 4),
            ("main.cf.production", 0),
            ("main.cf-el8", 0),
            ("main.cf.debian", 0),
            ("etc_postfix_main.cf", 12),
            ("main.cf_relay", 0),
            // A host's own file, not the `.org` copy of the original.
            ("main.cf.mx1.company.org", 0),
            ("postfix.main.cf.local", 8),
            // A Salt state's host variant (`main.cf.H_{{ grains['id'] }}`): `in` or `md`
            // inside a host's name is no file type.
            ("main.cf.H_ticket.in.ffho.net", 0),
            ("main.cf.mx1.acme.md.de", 0),
        ] {
            assert_eq!(plain_variant(name), Some(at), "{name}");
        }
    }

    #[test]
    fn names_nobody_deploys_are_no_variants() {
        for name in [
            // main.cf itself, templates, and names where main.cf is no word of its own.
            "main.cf",
            "main.cf.j2",
            "etc_postfix_main.cf.j2",
            "main.cf-el8.erb",
            "main.cf.j2.production",
            "domain.cf",
            "main.cfg",
            "mymain.cf",
            "main.cf,v",
            "#main.cf#",
            "master.cf",
            "postfix-master.cf",
            // Backups and editors' leftovers.
            "main.cf.bak",
            "main.cf.BAK",
            "main.cf.backup",
            "main.cf.backup180518",
            "main.cf.bak2",
            "main.cf.old",
            "main.cf.orig",
            "main.cf.org",
            "main.cf.ori",
            "main.cf.original",
            "main.cf.save",
            "main.cf.saved",
            "main.cf.swp",
            "main.cf.tmp",
            // Lines added to main.cf by a script.
            "main.cf.append",
            "main.cf.add",
            "main.cf~",
            "main.cf.production~",
            "main.cf.j2.bak",
            "old-main.cf",
            "backup_main.cf",
            "main.cf.production.bak",
            // Package managers' leftovers.
            "main.cf.rpmnew",
            "main.cf.rpmsave",
            "main.cf.rpmorig",
            "main.cf.dpkg-dist",
            "main.cf.dpkg-old",
            "main.cf.dpkg-new",
            "main.cf.dpkg-bak",
            "main.cf.ucf-dist",
            "main.cf.ucf-old",
            "main.cf.ucf-new",
            // `postmap main.cf` leaves a compiled table.
            "main.cf.db",
            "main.cf.lmdb",
            "main.cf.cdb",
            "main.cf.dir",
            "main.cf.pag",
            "main.cf.pacnew",
            "main.cf.dist",
            "main.cf.new",
            // Defaults, samples, fragments and test inputs (Postfix's own tree holds
            // conf/main.cf.default, meta/main.cf.proto and src/postconf/test77-main.cf).
            "main.cf.proto",
            "main.cf.default",
            "main.cf.defaults",
            "main.cf.sample",
            "main.cf.example",
            "main.cf.examples",
            "example-main.cf",
            "main.cf.exemplo",
            "main.cf.ejemplo",
            "main.cf.beispiel",
            "main.cf.snippet",
            "test77-main.cf",
            "main.cf.test",
            // Not Postfix files: documents, patches, other formats, unknown template engines.
            "main.cf.md",
            "main.cf.txt",
            "main.cf.html",
            "main.cf.diff",
            "main.cf.patch",
            "main.cf.rej",
            "main.cf.yml",
            "main.cf.in",
            "main.cf.in.demo",
            "main.cf.txt.gz",
            "diff-main.cf",
            "main.cf.mas",
            "main.cf.ftl",
            "main.cf.template",
            // Dates, timestamps and numbered copies.
            "main.cf.2021-03-04",
            "main.cf.20210304",
            "main.cf-20210304",
            "main.cf_20210304-1200",
            "main.cf.1",
        ] {
            assert_eq!(plain_variant(name), None, "{name}");
        }
    }

    #[test]
    fn test_inputs_by_directory() {
        assert!(under_test_inputs(Path::new(
            "spec/fixtures/augeas/etc/postfix/main.cf"
        )));
        assert!(under_test_inputs(Path::new("pkg/TestData/main.cf")));
        assert!(!under_test_inputs(Path::new(
            "environments/test/etc/postfix/main.cf"
        )));
        assert!(!under_test_inputs(Path::new("fixtures.d/main.cf")));
    }

    #[test]
    fn directories_that_set_files_aside() {
        assert!(set_aside_by_directory(Path::new(
            "samples/postfix/main.cf.ldap"
        )));
        assert!(set_aside_by_directory(Path::new(
            "a/Backup/postfix-main.cf"
        )));
        assert!(set_aside_by_directory(Path::new("tests/main.cf.x")));
        assert!(!set_aside_by_directory(Path::new(
            "hosts/mx1/postfix-main.cf"
        )));
        // Diffs and patches: by a part of the name, and only directories.
        assert!(in_package_files(Path::new(
            "rootfs/usr/lib/postfix/main.cf"
        )));
        assert!(in_package_files(Path::new(
            "rootfs/usr/share/postfix/main.cf.debian"
        )));
        assert!(in_package_files(Path::new(
            "usr/share/doc/postfix/examples/main.cf"
        )));
        assert!(!in_package_files(Path::new("rootfs/etc/postfix/main.cf")));
        assert!(!in_package_files(Path::new("usr/lib/postfix/conf/main.cf")));
        assert!(!in_package_files(Path::new("postfix/main.cf")));
        assert!(under_diffs(Path::new("saved_diffs/etc/postfix/main.cf")));
        assert!(under_diffs(Path::new("debian/patches/main.cf")));
        assert!(!under_diffs(Path::new("roles/postfix/files/main.cf")));
        assert!(!under_diffs(Path::new("diffs-main.cf")));
        assert!(!under_diffs(Path::new("patchwork/main.cf")));
        // Only whole directory names, and never the file's own name.
        assert!(!set_aside_by_directory(Path::new("old-hosts/main.cf.x")));
        assert!(!set_aside_by_directory(Path::new("main.cf.old")));
    }

    #[test]
    fn a_main_cf_mounted_into_main_cf_d_is_a_dropin() {
        let dropin = |file: &str, text: &str| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("main.cf"), "smtpd_milters = ''\n").unwrap();
            std::fs::write(dir.path().join(file), text).unwrap();
            mounted_as_dropin(&dir.path().join("main.cf"))
        };
        let run = "docker run -v $(pwd)/main.cf:/etc/postfix/main.cf.d/10-custom.cf image\n";
        assert!(dropin("README.md", run));
        assert!(dropin(
            "docker-compose.yml",
            "volumes:\n  - ./main.cf:/etc/postfix/main.cf.d/custom.cf:ro\n"
        ));
        // Near-misses: mounted as main.cf itself, main.cf.d named on another line, a file
        // that is no description of the image.
        assert!(!dropin(
            "README.md",
            "-v $(pwd)/main.cf:/etc/postfix/main.cf\n"
        ));
        assert!(!dropin(
            "README.md",
            "mount main.cf:/etc/postfix/main.cf\nor use main.cf.d/\n"
        ));
        assert!(!dropin("notes.txt", run));
    }

    /// docker-mailserver's configuration directory is told by a file only it names so, or by a
    /// postfix-master.cf in `postconf -P` form; a postfix-main.cf that is a whole main.cf (a
    /// Dockerfile copies it to /etc/postfix/main.cf) is linted as one.
    #[test]
    fn docker_mailserver_overrides_are_a_fragment_without_master_cf() {
        let setup = |files: &[(&str, &str)]| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("postfix-main.cf"), "relayhost = [x]:587\n").unwrap();
            for (name, text) in files {
                std::fs::write(dir.path().join(name), text).unwrap();
            }
            let setup = named_setup(&dir.path().join("postfix-main.cf")).unwrap();
            (setup.load.docker_mailserver, setup.load.master_cf.is_some())
        };
        let p_form = "# overrides\nsubmission/inet/smtpd_sasl_auth_enable=yes\n\n\
                      smtps/inet/smtpd_client_restrictions = permit_sasl_authenticated,reject\n";
        let entries = "smtp inet n - y - - smtpd\namavis unix - - n - 2 smtp\n";
        assert_eq!(setup(&[("postfix-master.cf", p_form)]), (true, false));
        assert_eq!(
            setup(&[("postfix-accounts.cf", "a@b.c|{PLAIN}x\n")]),
            (true, false)
        );
        assert_eq!(
            setup(&[
                ("user-patches.sh", "#!/bin/sh\n"),
                ("postfix-master.cf", p_form)
            ]),
            (true, false)
        );
        // Near-misses: a whole main.cf with its master.cf, or with none.
        assert_eq!(setup(&[("postfix-master.cf", entries)]), (false, true));
        assert_eq!(setup(&[]), (false, false));
        assert_eq!(
            setup(&[("postfix-master.cf", "# only comments\n")]),
            (false, true)
        );
        // Overrides with mistaken lines among them (a comment after a value, a master.cf
        // style `-o`, no `=`) are still the -P form.
        let mistaken = format!(
            "{p_form}submission/inet/smtpd_sasl_auth_enable=yes # on\n  -o x=y\nsmtp/inet/x\n"
        );
        assert_eq!(setup(&[("postfix-master.cf", &mistaken)]), (true, false));
        // One entry line among the overrides: not the -P form.
        assert_eq!(
            setup(&[("postfix-master.cf", &format!("{p_form}{entries}"))]),
            (false, true)
        );
    }

    /// The other signs of docker-mailserver: its documented place, a path under
    /// /tmp/docker-mailserver, a mailserver.env or a compose file naming the image above the
    /// file, but never above the repository.
    #[test]
    fn docker_mailserver_is_told_by_its_place_its_paths_and_its_compose_file() {
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        };
        let plain = "relayhost = [x]:587\n";
        let dms = |path: &Path| docker_mailserver_config(path, Some(root));
        assert!(dms(&write("docker-data/dms/config/postfix-main.cf", plain)));
        assert!(dms(&write(
            "a/postfix-main.cf",
            "smtp_sasl_password_maps = texthash:/tmp/docker-mailserver/postfix-sasl-password.cf\n"
        )));
        let deep = write("b/mail/config/postfix-main.cf", plain);
        assert!(!dms(&deep));
        write(
            "b/compose.yaml",
            "services:\n  mailserver:\n    image: ghcr.io/docker-mailserver/docker-mailserver:15\n",
        );
        assert!(dms(&deep));
        let env = write("c/config/postfix-main.cf", plain);
        assert!(!dms(&env));
        write("c/mailserver.env", "ENABLE_SPAMASSASSIN=1\n");
        assert!(dms(&env));
        // A compose file of another image, and none above the repository.
        let other = write("d/config/postfix-main.cf", plain);
        write(
            "d/docker-compose.yml",
            "services:\n  mta:\n    image: boky/postfix\n",
        );
        assert!(!dms(&other));
        let inner = tempfile::tempdir_in(root).unwrap();
        let nested = inner.path().join("config/postfix-main.cf");
        std::fs::create_dir_all(nested.parent().unwrap()).unwrap();
        std::fs::write(&nested, plain).unwrap();
        write("compose.yaml", "image: mailserver/docker-mailserver\n");
        assert!(!docker_mailserver_config(&nested, Some(inner.path())));
        assert!(docker_mailserver_config(&nested, Some(root)));
        assert!(!docker_mailserver_config(&nested, None));
    }

    #[test]
    fn a_variant_goes_with_the_master_cf_of_its_name_else_the_plain_one() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["postfix-main.cf", "postfix-master.cf", "main.cf.production"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let setup = named_setup(&dir.path().join("postfix-main.cf")).unwrap();
        assert_eq!(setup.load.config_dir.as_deref(), Some(dir.path()));
        assert_eq!(setup.load.main_cf, Some(dir.path().join("postfix-main.cf")));
        assert_eq!(
            setup.load.master_cf,
            Some(dir.path().join("postfix-master.cf"))
        );
        // No master.cf.production, and no master.cf: none.
        let setup = named_setup(&dir.path().join("main.cf.production")).unwrap();
        assert_eq!(setup.load.master_cf, None);
        std::fs::write(dir.path().join("master.cf"), "").unwrap();
        let setup = named_setup(&dir.path().join("main.cf.production")).unwrap();
        assert_eq!(setup.load.master_cf, Some(dir.path().join("master.cf")));
        // A backup named on the command line is linted (--discover passes over it, and says
        // to name it); a file of another kind or a compiled table is no main.cf.
        let setup = named_setup(&dir.path().join("main.cf.bak")).unwrap();
        assert_eq!(setup.load.main_cf, Some(dir.path().join("main.cf.bak")));
        assert!(named_setup(&dir.path().join("main.cf.sh")).is_none());
        assert!(named_setup(&dir.path().join("main.cf.db")).is_none());
        assert!(named_setup(&dir.path().join("README.md")).is_none());
    }

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
