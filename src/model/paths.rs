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
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl Locator {
    pub fn locate(&self, postfix_path: &str) -> Location {
        if !postfix_path.starts_with('/') {
            return Location::Relative;
        }
        for base in &self.postfix_config_dirs {
            let base = base.trim_end_matches('/');
            if let Some(rest) = postfix_path.strip_prefix(base) {
                if rest.is_empty() || rest.starts_with('/') {
                    let path = self.config_dir.join(rest.trim_start_matches('/'));
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
                let path = root.join(postfix_path.trim_start_matches('/'));
                Location::Readable {
                    display: display(&path),
                    path,
                }
            }
            Mode::Tree => Location::Outside,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locator(mode: Mode) -> Locator {
        Locator {
            config_dir: PathBuf::from("roles/postfix/files"),
            postfix_config_dirs: KNOWN_CONFIG_DIRS.iter().map(|d| d.to_string()).collect(),
            mode,
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
    fn live_and_sysroot() {
        assert_eq!(
            locator(Mode::Live).locate("/etc/aliases"),
            Location::Readable {
                path: "/etc/aliases".into(),
                display: "/etc/aliases".into()
            }
        );
        let sysroot = Locator {
            config_dir: "files/etc/postfix".into(),
            postfix_config_dirs: vec!["/etc/postfix".into()],
            mode: Mode::Sysroot("files".into()),
        };
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
}
