//! Where the files a setup names are found: in the linted directory, under a `--sysroot`, on the
//! live filesystem, or nowhere postlint may look.

use std::path::{Path, PathBuf};

/// How the linted directory relates to the machine it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The live configuration directory of this machine: absolute paths are read as they are.
    Live,
    /// A checkout (say of a configuration-management repository): only paths under the setup's
    /// config_directory map into the linted directory.
    Tree,
    /// A tree that mirrors `/`: every absolute path resolves under the root.
    Sysroot(PathBuf),
}

impl Mode {
    /// Whether the files are a system's as it runs: the live system, or a sysroot that is a
    /// filesystem image (it has etc/passwd or etc/group). A copy of /etc/postfix in a
    /// repository is not: git keeps no file modes, and deployment scripts and templates can
    /// name tables that main.cf does not.
    pub fn is_system_image(&self) -> bool {
        match self {
            Mode::Live => true,
            Mode::Sysroot(root) => {
                root.join("etc/group").is_file() || root.join("etc/passwd").is_file()
            }
            Mode::Tree => false,
        }
    }

    /// Whether file modes and owners are the server's: the live system, or a system image
    /// that is not a git working tree. A whole /etc kept in git (etckeeper, a server backup
    /// repository) is an image of the system's files, but its checkout has git's modes: 644 or
    /// 755, whatever the server has.
    pub fn modes_are_real(&self) -> bool {
        match self {
            Mode::Live => true,
            Mode::Sysroot(root) => self.is_system_image() && !in_git_work_tree(root),
            Mode::Tree => false,
        }
    }
}

/// Whether `dir` or a directory above it holds `.git` (a directory, or the file of a worktree
/// or submodule), as git looks for it. Only names are looked at, nothing is read.
fn in_git_work_tree(dir: &Path) -> bool {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.ancestors()
        .any(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A file postlint may read: where it is, and the path to show the user.
    Readable { path: PathBuf, display: String },
    /// An absolute path outside the linted tree: its contents are unknown.
    Outside,
    /// A relative path: Postfix daemons resolve it against their own working directory.
    Relative,
}

/// Where Postfix builds keep their configuration when main.cf does not set config_directory:
/// Linux distributions, FreeBSD ports, pkgsrc and MacPorts.
pub const KNOWN_CONFIG_DIRS: &[&str] = &[
    "/etc/postfix",
    "/usr/local/etc/postfix",
    "/usr/pkg/etc/postfix",
    "/opt/local/etc/postfix",
];

#[derive(Clone, Debug)]
pub struct Locator {
    /// The linted configuration directory, as given.
    pub config_dir: PathBuf,
    /// The paths main.cf may use for the configuration directory: its `config_directory`
    /// when set, else every directory a Postfix build uses ([`KNOWN_CONFIG_DIRS`]).
    pub postfix_config_dirs: Vec<String>,
    pub mode: Mode,
    /// Outside the live system: the canonical directory nothing may be read outside of (see
    /// [`confinement_root`]). A file whose real path leaves it, through a symbolic link, is
    /// outside the linted tree.
    pub root: Option<PathBuf>,
    /// Directories that mirror `config_dir` for the files it lacks (`LoadOptions::other_dirs`).
    pub other_dirs: Vec<PathBuf>,
    /// Files of the tree installed at an absolute path (`LoadOptions::installed_files`): a
    /// path main.cf names is read from its file.
    pub installed: Vec<(String, PathBuf)>,
}

/// The tree a run may read in a checkout or sysroot: the repository that holds `dir` (the
/// nearest ancestor with `.git`), else `dir` itself, made canonical.
pub fn confinement_root(dir: &Path) -> PathBuf {
    let start = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    start
        .ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(&start)
        .to_path_buf()
}

/// True when the file at `path` (following links) is inside `root`. A path that does not
/// exist is inside: reading it fails, and says so.
pub fn is_inside(root: &Path, path: &Path) -> bool {
    match std::fs::canonicalize(path) {
        Ok(real) => real.starts_with(root),
        Err(_) => true,
    }
}

/// `path` (a path under `root`) with each symbolic link on the way resolved as the imaged
/// system resolves it: an absolute target starts again at `root`, and `..` stops there. A
/// system image's links name paths of that system (zPanel's `/etc/postfix/main.cf ->
/// /etc/zpanel/main.cf`), which the host would resolve elsewhere or not at all. At most 40
/// links are followed, as Linux does; a path that is not under `root` is returned as it is.
pub fn in_root(root: &Path, path: &Path) -> PathBuf {
    use std::ffi::OsString;
    use std::path::Component;
    // `--sysroot .` names the paths below it without the `./`.
    let here = root.components().all(|c| c == Component::CurDir);
    let rest = match path.strip_prefix(root) {
        Ok(rest) => rest,
        Err(_) if here && path.is_relative() => path,
        Err(_) => return path.to_path_buf(),
    };
    // The parts still to walk, the next one last.
    let parts = |p: &Path| -> Vec<OsString> {
        p.components()
            .rev()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(part.to_os_string()),
                Component::ParentDir => Some(OsString::from("..")),
                _ => None,
            })
            .collect()
    };
    let mut pending = parts(rest);
    // Under `--sysroot .` the result is relative without the `./` (`etc/aliases`), as the
    // walk of the tree names the files it finds.
    let base = match here {
        true => PathBuf::new(),
        false => root.to_path_buf(),
    };
    let mut resolved = base.clone();
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            if resolved != base {
                resolved.pop();
            }
            continue;
        }
        let next = resolved.join(&part);
        let is_link = std::fs::symlink_metadata(&next).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            resolved = next;
            continue;
        }
        links += 1;
        let target = match std::fs::read_link(&next) {
            Ok(target) if links <= 40 => target,
            // Linux's ELOOP: reading it fails, and says so.
            _ => {
                resolved = next;
                break;
            }
        };
        if target.is_absolute() {
            resolved = base.clone();
        }
        pending.extend(parts(&target));
    }
    for part in pending.into_iter().rev() {
        resolved.push(part);
    }
    resolved
}

/// An absolute path with `.` and `..` resolved lexically: `/etc/postfix/../../etc/shadow` is
/// `/etc/shadow`, so no `..` can walk out of the directory a prefix maps to.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    let mut out = String::with_capacity(path.len());
    for part in &parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl Locator {
    pub fn locate(&self, postfix_path: &str) -> Location {
        if !postfix_path.starts_with('/') {
            return Location::Relative;
        }
        let located = match self.locate_lexically(&normalize(postfix_path)) {
            // The image's links name paths of the imaged system.
            Location::Readable { path, display } => match &self.mode {
                Mode::Sysroot(root) => Location::Readable {
                    path: in_root(root, &path),
                    display,
                },
                _ => Location::Readable { path, display },
            },
            other => other,
        };
        match located {
            Location::Readable { path, .. }
                if self
                    .root
                    .as_ref()
                    .is_some_and(|root| !is_inside(root, &path)) =>
            {
                Location::Outside
            }
            located => located,
        }
    }

    fn locate_lexically(&self, postfix_path: &str) -> Location {
        if let Some((_, file)) = self.installed.iter().find(|(dest, _)| dest == postfix_path) {
            return Location::Readable {
                display: display(file),
                path: file.clone(),
            };
        }
        // A directory installed at a path (`ADD ./sql /etc/postfix/sql`, recorded as
        // `/etc/postfix/sql/`): the files below it, by a path without `..`.
        let below = self.installed.iter().find_map(|(dest, dir)| {
            let rest = postfix_path.strip_prefix(dest.strip_suffix('/')?)?;
            let rest = rest.strip_prefix('/')?;
            let plain = !rest.is_empty()
                && Path::new(rest)
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
            plain.then(|| dir.join(rest))
        });
        if let Some(path) = below {
            return Location::Readable {
                display: display(&path),
                path,
            };
        }
        for base in &self.postfix_config_dirs {
            let base = base.trim_end_matches('/');
            if let Some(rest) = postfix_path.strip_prefix(base) {
                if rest.is_empty() || rest.starts_with('/') {
                    let rest = rest.trim_start_matches('/');
                    let mut path = self.config_dir.join(rest);
                    if !rest.is_empty() && !path.exists() {
                        if let Some(other) = self
                            .other_dirs
                            .iter()
                            .map(|d| d.join(rest))
                            .find(|p| p.exists())
                        {
                            path = other;
                        }
                    }
                    return Location::Readable {
                        display: display(&path),
                        path,
                    };
                }
            }
        }
        match &self.mode {
            Mode::Live => Location::Readable {
                path: PathBuf::from(postfix_path),
                display: postfix_path.to_string(),
            },
            Mode::Sysroot(root) => {
                // `--sysroot .` (and a repository's own etc/postfix): `etc/aliases`, not
                // `./etc/aliases`, as the walk of the tree names its files.
                let inside = postfix_path.trim_start_matches('/');
                let path = match root.components().all(|c| c == std::path::Component::CurDir) {
                    true => PathBuf::from(inside),
                    false => root.join(inside),
                };
                Location::Readable {
                    display: display(&path),
                    path,
                }
            }
            Mode::Tree => Location::Outside,
        }
    }
}

/// Configuration directories of containers and installers, learnt from the files that are
/// there: main.cf names `/opt/postfix/conf/local_transport` (mailcow mounts its configuration
/// there), and `local_transport` sits beside main.cf. A prefix is learnt only when it has a
/// component named `postfix` and a file of that name is in the linted directory; paths under it
/// then resolve into the linted directory, as /etc/postfix does. Nothing is guessed: a path
/// whose file is not there teaches nothing.
pub fn learn_config_dirs<'a>(
    config_dir: &Path,
    known: &[String],
    paths: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    let mut learnt: Vec<String> = Vec::new();
    for path in paths {
        if !path.starts_with('/')
            || path.contains("/../")
            || known
                .iter()
                .chain(&learnt)
                .any(|k| path.starts_with(&format!("{}/", k.trim_end_matches('/'))))
        {
            continue;
        }
        let parts: Vec<&str> = path[1..].split('/').collect();
        // The shortest prefix that holds a `postfix` component and leaves a path that exists.
        let Some(first) = parts.iter().position(|p| *p == "postfix") else {
            continue;
        };
        for cut in first + 1..parts.len() {
            let rest = parts[cut..].join("/");
            if config_dir.join(&rest).is_file() {
                learnt.push(format!("/{}", parts[..cut].join("/")));
                break;
            }
        }
    }
    learnt
}

/// The absolute file paths a value names: `/x`, `hash:/x`, `proxy:mysql:/x.cf`.
pub fn named_paths(value: &str) -> impl Iterator<Item = &str> {
    crate::parse::list::split_list(value)
        .into_iter()
        .filter_map(move |range| {
            let token = value[range].trim_start_matches('!');
            let slash = token.find('/')?;
            let prefix = &token[..slash];
            prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_')
                .then(|| token[slash..].trim_end_matches(['}', ',']))
        })
}

/// A file in `dir` whose name differs from `name` only by `-` and `_`, case, or one or two
/// characters.
pub fn similar_file(dir: &Path, name: &str) -> Option<String> {
    let fold = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let wanted = fold(name);
    let mut best: Option<(usize, String)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten().take(10_000) {
        let other = entry.file_name().to_string_lossy().into_owned();
        if other == name || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let distance = if fold(&other) == wanted {
            0
        } else {
            strsim::levenshtein(&wanted, &fold(&other))
        };
        let close = distance <= 2 && wanted.len() >= 6;
        if close && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, other));
        }
    }
    best.map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locator(mode: Mode) -> Locator {
        Locator {
            config_dir: PathBuf::from("roles/postfix/files"),
            postfix_config_dirs: KNOWN_CONFIG_DIRS.iter().map(|d| d.to_string()).collect(),
            mode,
            root: None,
            other_dirs: Vec::new(),
            installed: Vec::new(),
        }
    }

    #[test]
    fn config_directory_paths_map_into_the_linted_directory() {
        let tree = locator(Mode::Tree);
        assert_eq!(
            tree.locate("/etc/postfix/virtual"),
            Location::Readable {
                path: "roles/postfix/files/virtual".into(),
                display: "roles/postfix/files/virtual".into()
            }
        );
        assert_eq!(
            tree.locate("/etc/postfix/sql/maps.cf"),
            Location::Readable {
                path: "roles/postfix/files/sql/maps.cf".into(),
                display: "roles/postfix/files/sql/maps.cf".into()
            }
        );
        assert_eq!(tree.locate("/etc/postfixes/x"), Location::Outside);
        // FreeBSD, pkgsrc and MacPorts builds keep the configuration elsewhere.
        for dir in [
            "/usr/local/etc/postfix",
            "/usr/pkg/etc/postfix",
            "/opt/local/etc/postfix",
        ] {
            assert_eq!(
                tree.locate(&format!("{dir}/virtual")),
                Location::Readable {
                    path: "roles/postfix/files/virtual".into(),
                    display: "roles/postfix/files/virtual".into()
                }
            );
        }
        let own = Locator {
            postfix_config_dirs: vec!["/srv/postfix".into()],
            ..tree.clone()
        };
        assert_eq!(
            own.locate("/srv/postfix/virtual"),
            Location::Readable {
                path: "roles/postfix/files/virtual".into(),
                display: "roles/postfix/files/virtual".into()
            }
        );
        assert_eq!(own.locate("/etc/postfix/virtual"), Location::Outside);
        assert_eq!(tree.locate("/etc/aliases"), Location::Outside);
        assert_eq!(tree.locate("virtual"), Location::Relative);
    }

    #[test]
    fn container_config_directories_are_learnt_from_files_that_are_there() {
        let dir = tempfile_dir();
        std::fs::write(dir.join("local_transport"), "x y\n").unwrap();
        let known = vec!["/etc/postfix".to_string()];
        let value =
            "hash:/opt/postfix/conf/local_transport, proxy:mysql:/opt/postfix/conf/sql/x.cf";
        let paths: Vec<&str> = named_paths(value).collect();
        assert_eq!(
            paths,
            [
                "/opt/postfix/conf/local_transport",
                "/opt/postfix/conf/sql/x.cf"
            ]
        );
        assert_eq!(
            learn_config_dirs(&dir, &known, paths.into_iter()),
            ["/opt/postfix/conf"]
        );
        // No file there, or no `postfix` component: nothing learnt.
        for value in [
            "hash:/opt/postfix/conf/missing",
            "hash:/srv/mail/local_transport",
        ] {
            assert!(learn_config_dirs(&dir, &known, named_paths(value)).is_empty());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "postlint-paths-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn dot_dot_cannot_walk_out_of_a_mapped_directory() {
        assert_eq!(normalize("/etc/postfix/../../etc/shadow"), "/etc/shadow");
        assert_eq!(normalize("/../../etc/passwd"), "/etc/passwd");
        assert_eq!(
            normalize("/etc/postfix/./sql//x.cf"),
            "/etc/postfix/sql/x.cf"
        );
        assert_eq!(normalize("/.."), "/");
        let tree = locator(Mode::Tree);
        assert_eq!(
            tree.locate("/etc/postfix/../../etc/shadow"),
            Location::Outside
        );
        assert_eq!(
            tree.locate("/etc/postfix/../postfix/virtual"),
            tree.locate("/etc/postfix/virtual")
        );
        let sysroot = sysroot_locator();
        assert_eq!(
            sysroot.locate("/../../../etc/passwd"),
            Location::Readable {
                path: "files/etc/passwd".into(),
                display: "files/etc/passwd".into()
            }
        );
    }

    fn sysroot_locator() -> Locator {
        Locator {
            config_dir: "files/etc/postfix".into(),
            postfix_config_dirs: vec!["/etc/postfix".into()],
            mode: Mode::Sysroot("files".into()),
            root: None,
            other_dirs: Vec::new(),
            installed: Vec::new(),
        }
    }

    #[test]
    fn live_and_sysroot() {
        assert_eq!(
            locator(Mode::Live).locate("/etc/aliases"),
            Location::Readable {
                path: "/etc/aliases".into(),
                display: "/etc/aliases".into()
            }
        );
        let sysroot = sysroot_locator();
        assert_eq!(
            sysroot.locate("/etc/aliases"),
            Location::Readable {
                path: "files/etc/aliases".into(),
                display: "files/etc/aliases".into()
            }
        );
        assert_eq!(
            sysroot.locate("/etc/postfix/virtual"),
            Location::Readable {
                path: "files/etc/postfix/virtual".into(),
                display: "files/etc/postfix/virtual".into()
            }
        );
    }

    /// Links in a system image resolve as on the imaged system, and never out of the image.
    #[test]
    fn links_resolve_inside_the_image() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc/postfix")).unwrap();
        std::fs::create_dir_all(root.join("etc/zpanel")).unwrap();
        std::fs::write(root.join("etc/zpanel/main.cf"), "").unwrap();
        // Absolute, relative, through a linked directory, and up past the root.
        symlink("/etc/zpanel/main.cf", root.join("etc/postfix/main.cf")).unwrap();
        symlink("../zpanel/main.cf", root.join("etc/postfix/rel.cf")).unwrap();
        symlink("/etc/zpanel", root.join("etc/panel")).unwrap();
        symlink("../../../../../etc/shadow", root.join("etc/postfix/up")).unwrap();
        symlink("/etc/postfix/loop", root.join("etc/postfix/loop")).unwrap();
        let at = |p: &str| in_root(root, &root.join(p));
        assert_eq!(at("etc/postfix/main.cf"), root.join("etc/zpanel/main.cf"));
        assert_eq!(at("etc/postfix/rel.cf"), root.join("etc/zpanel/main.cf"));
        assert_eq!(at("etc/panel/main.cf"), root.join("etc/zpanel/main.cf"));
        assert_eq!(at("etc/postfix/up"), root.join("etc/shadow"));
        assert_eq!(at("etc/postfix/none"), root.join("etc/postfix/none"));
        // A loop ends (reading the link then fails) inside the image.
        assert!(at("etc/postfix/loop").starts_with(root));
        // Outside the image, nothing changes.
        assert_eq!(in_root(root, Path::new("/tmp/x")), Path::new("/tmp/x"));
    }
}
