//! The Postfix release a setup is linted for (`--postfix-version`, `postfix-version` in
//! postlint.toml, the installed Postfix when linting the live configuration, else the newest
//! release postlint knows), and how a release number compares. Rules that depend on the
//! release (names added or removed, values a release reads differently) ask `Model::target`.

use std::fmt;

/// A Postfix release line, `major.minor` (the patch level changes no parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release {
    pub major: u16,
    pub minor: u16,
}

impl Release {
    pub const fn new(major: u16, minor: u16) -> Release {
        Release { major, minor }
    }

    /// `3.7`, `3.10`, `3.7.11` or `3.11-20250101` (a snapshot: its release line). None for
    /// anything else.
    pub fn parse(text: &str) -> Option<Release> {
        let text = text.trim_ascii();
        let text = text.split(['-', ' ']).next().unwrap_or(text);
        let mut parts = text.split('.');
        let number = |p: Option<&str>| -> Option<u16> {
            let p = p?;
            if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let major = number(parts.next())?;
        let minor = number(parts.next())?;
        // A patch level is allowed and ignored; nothing after it.
        if let Some(patch) = parts.next() {
            number(Some(patch))?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Release { major, minor })
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The release lines postlint has data for, oldest first.
pub const KNOWN: &[Release] = &[
    Release::new(3, 7),
    Release::new(3, 8),
    Release::new(3, 9),
    Release::new(3, 10),
    Release::new(3, 11),
];

pub const OLDEST: Release = KNOWN[0];
pub const NEWEST: Release = KNOWN[KNOWN.len() - 1];

/// Where the target release came from, for `--verbose`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `--postfix-version`.
    Flag,
    /// `postfix-version` in postlint.toml.
    Config,
    /// The Postfix installed on this machine (`mail_version`), for its live configuration.
    Installed(String),
    /// The versioned documentation path of the package that wrote main.cf
    /// (`sample_directory = /usr/share/doc/postfix-2.10.1/samples`): the parameter's name.
    /// Only a hint ([`documented`]): never the target itself.
    Documented(String),
    /// The postfix package of the image a Dockerfile builds with this main.cf
    /// (`crate::image`): the Dockerfile and its base image.
    Image { dockerfile: String, base: String },
    /// The release the base image of the Dockerfile that builds this setup's image packages,
    /// where the image is not known to install that package (a `RUN` postlint cannot read, a
    /// pinned version, another package source): a hint, never the target itself. The
    /// Dockerfile, the base image, and why postlint cannot tell (the `RUN` it cannot read).
    ImageBase {
        dockerfile: String,
        base: String,
        why: String,
    },
    /// The postfix package a system image's package database lists as installed
    /// (`var/lib/dpkg/status`, `lib/apk/db/installed`): the database as shown, and the
    /// package's version.
    Package { database: String, version: String },
    /// The `postfix-files` beside main.cf (a dump or backup of a whole /etc/postfix) lists no
    /// `$meta_directory` file, which Postfix 3.0 added: a release before 3.0, linted as the
    /// last of them. The file as shown.
    PostfixFiles(String),
    /// Nothing said which: the newest release postlint knows.
    Newest,
}

/// The release a setup is linted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The release asked for or found.
    pub asked: Release,
    pub origin: Origin,
}

impl Target {
    pub fn newest() -> Target {
        Target {
            asked: NEWEST,
            origin: Origin::Newest,
        }
    }

    /// The release whose data rules use: the asked one, or the nearest release postlint knows
    /// (a 3.5 setup is read with 3.7's names, a 3.13 one with the newest).
    pub fn release(&self) -> Release {
        self.asked.clamp(OLDEST, NEWEST)
    }

    /// The release findings name: the asked one, or the oldest postlint knows when the asked
    /// one is older (what postlint says of 3.7 may be false of 2.10, which has no
    /// compatibility_level; it warns, see [`Target::warning`]).
    pub fn named(&self) -> Release {
        self.asked.max(OLDEST)
    }

    /// A warning for a release older than postlint's data: findings about defaults and names
    /// are those of the oldest release it knows.
    pub fn warning(&self) -> Option<String> {
        (self.asked < OLDEST).then(|| {
            format!(
                "postlint's parameter data covers Postfix {OLDEST} to {NEWEST}, not {} ({}): \
                 parameter names and defaults are taken from {OLDEST}, so findings about them \
                 may not hold for {}; the rules that know older releases (compatibility_level, \
                 the relay restrictions, SMTP smuggling) judge {} itself",
                self.asked,
                self.origin_text(),
                self.asked,
                self.asked
            )
        })
    }

    /// Whether the target is at least `version` (a release number as the data files write it;
    /// an unreadable one counts as not reached, so nothing is reported on it).
    pub fn at_least(&self, version: &str) -> bool {
        Release::parse(version).is_some_and(|v| self.asked >= v)
    }

    /// Whether the target has what Postfix `version` brought (a macro, an attribute, a key;
    /// a release number as the data files write it): what the data gives as the oldest
    /// release it knows was there before it too, so a setup linted for 2.10 has 3.7's.
    pub fn has(&self, version: &str) -> bool {
        Release::parse(version).is_some_and(|v| self.release() >= v)
    }

    /// Why this release, in words ("--postfix-version", "the installed Postfix, ...").
    pub fn origin_text(&self) -> String {
        match &self.origin {
            Origin::Flag => "--postfix-version".to_string(),
            Origin::Config => "postfix-version in postlint.toml".to_string(),
            Origin::Installed(v) => format!("the installed Postfix, mail_version {v}"),
            Origin::Documented(param) => param.clone(),
            Origin::Image { dockerfile, base } => format!(
                "the postfix package of {base}, which {dockerfile} installs; set \
                 --postfix-version for another"
            ),
            Origin::ImageBase {
                dockerfile, base, ..
            } => format!(
                "the postfix package of {base}, the base image of {dockerfile}, if the image \
                 installs it"
            ),
            Origin::Package { database, version } => format!(
                "the postfix package {version} that {database} lists; set --postfix-version \
                 for another"
            ),
            Origin::PostfixFiles(file) => format!(
                "{file} lists no $meta_directory file, which Postfix 3.0 added: a release \
                 before 3.0; set --postfix-version for another"
            ),
            Origin::Newest => {
                "the newest release postlint knows; set --postfix-version for another".to_string()
            }
        }
    }

    /// For a release a documentation path names: what to do if the server runs it, when the
    /// setup is linted for `target` (the newest release).
    pub fn hint(&self, target: &Target) -> String {
        let (origin, asked, newest) = (self.origin_text(), self.asked, target.asked);
        if let Origin::ImageBase { base, why, .. } = &self.origin {
            return format!(
                "the image builds FROM {base}, whose postfix package is Postfix {asked}, but \
                 postlint cannot tell that the image runs that package ({why}): findings are for \
                 Postfix {newest}, except what depends on a later release (deprecations since \
                 then, relay-check-missing before 3.0). Set --postfix-version to the release \
                 the image runs"
            );
        }
        match asked < Release::new(3, 0) {
            true => format!(
                "{origin} names Postfix {asked} (the package that wrote this main.cf); findings \
                 are for Postfix {newest}, except relay-check-missing: whether smtpd starts \
                 depends on compatibility_level, which {asked} lacks. Set --postfix-version to \
                 the release the server runs ({asked} if it still runs that)"
            ),
            false => format!(
                "{origin} names Postfix {asked} (the package that wrote this main.cf); findings \
                 are for Postfix {newest}. If the server runs {asked}, lint with \
                 --postfix-version {asked}"
            ),
        }
    }

    /// One line for `--verbose`.
    pub fn describe(&self) -> String {
        let mut line = format!(
            "linting for Postfix {} ({})",
            self.asked,
            self.origin_text()
        );
        if self.release() != self.asked {
            line.push_str(&format!(
                "; postlint knows {OLDEST} to {NEWEST} and uses what it knows of {}",
                self.release()
            ));
        }
        line
    }
}

/// The version of the postfix package a package database's text lists as installed: dpkg's
/// status file (stanzas of `Package: postfix`, `Status: install ok installed`, `Version:
/// 1:3.7.11-0+deb12u1`) or apk's installed database (`P:postfix`, `V:3.5.8-r0`). The upstream
/// part only (no epoch, no packaging revision); None when the package is not there, or not
/// installed.
pub fn packaged(text: &str, apk: bool) -> Option<String> {
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim_ascii)
        };
        let version = match apk {
            true if field("P:") == Some("postfix") => field("V:"),
            false
                if field("Package:") == Some("postfix")
                    && field("Status:").is_some_and(|s| s.ends_with(" installed")) =>
            {
                field("Version:")
            }
            _ => None,
        };
        if let Some(version) = version {
            let upstream = version.split_once(':').map_or(version, |(_, v)| v);
            let upstream = upstream.split(['-', '+', '~']).next().unwrap_or(upstream);
            return Release::parse(upstream).map(|_| upstream.to_string());
        }
    }
    None
}

/// The main.cf parameters where packages name their documentation directory with the release
/// (Red Hat's `/usr/share/doc/postfix-2.10.1/samples`).
pub const DOC_PARAMS: &[&str] = &["sample_directory", "readme_directory", "html_directory"];

/// Whether a `postfix-files` text is one of a Postfix before 3.0: it lists Postfix's files
/// (`$config_directory/main.cf`, `$daemon_directory/...`) and none in `$meta_directory`, the
/// directory Postfix 3.0 added for it and for the other files it installs beside main.cf.
pub fn postfix_files_before_3_0(text: &str) -> bool {
    let listed = |prefix: &str| {
        text.lines()
            .any(|l| l.trim_start().starts_with(prefix) && l.contains(':'))
    };
    listed("$config_directory/main.cf")
        && listed("$daemon_directory/")
        && !text.contains("$meta_directory")
}

/// The release a versioned documentation path names (`/usr/share/doc/postfix-2.10.1/...`),
/// given (parameter, value) pairs: the one release they all agree on, with the first
/// parameter that names it; None when none names one or they disagree.
pub fn documented(values: &[(&str, &str)]) -> Option<Target> {
    let mut found: Option<(Release, &str)> = None;
    for &(param, value) in values {
        let Some(at) = value.find("/postfix-") else {
            continue;
        };
        let rest = &value[at + "/postfix-".len()..];
        let number = rest.split('/').next().unwrap_or("");
        let release = Release::parse(number)?;
        match found {
            Some((other, _)) if other != release => return None,
            Some(_) => {}
            None => found = Some((release, param)),
        }
    }
    found.map(|(asked, param)| Target {
        asked,
        origin: Origin::Documented(param.to_string()),
    })
}

/// The version of the Postfix installed on this machine, as `postconf -d mail_version` prints
/// it (None when there is no postconf or it says nothing usable).
pub fn installed() -> Option<String> {
    let out = std::process::Command::new("postconf")
        .args(["-d", "-h", "mail_version"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.trim_ascii();
    (out.status.success() && Release::parse(version).is_some()).then(|| version.to_string())
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_postfix_package_of_a_package_database() {
        let dpkg = "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\n\
                    Package: postfix\nStatus: install ok installed\nPriority: optional\n\
                    Version: 1:3.7.11-0+deb12u1\n\nPackage: postfix-mysql\n\
                    Status: install ok installed\nVersion: 3.7.11-0+deb12u1\n";
        assert_eq!(packaged(dpkg, false).as_deref(), Some("3.7.11"));
        // Removed, its configuration files left: not installed.
        let removed =
            "Package: postfix\nStatus: deinstall ok config-files\nVersion: 3.4.23-0+deb10u1\n";
        assert_eq!(packaged(removed, false), None);
        let apk = "C:Q1x\nP:busybox\nV:1.36.1-r15\n\nC:Q1y\nP:postfix\nV:3.5.8-r0\n";
        assert_eq!(packaged(apk, true).as_deref(), Some("3.5.8"));
        assert_eq!(packaged("P:postfix-pcre\nV:3.5.8-r0\n", true), None);
        assert_eq!(
            packaged(
                "Package: postfix\nStatus: install ok installed\nVersion: x\n",
                false
            ),
            None
        );
    }

    use super::*;

    #[test]
    fn release_numbers_parse_and_compare_as_numbers() {
        assert_eq!(Release::parse("3.7"), Some(Release::new(3, 7)));
        assert_eq!(Release::parse("3.7.11"), Some(Release::new(3, 7)));
        assert_eq!(Release::parse("3.11-20250101"), Some(Release::new(3, 11)));
        assert!(Release::new(3, 10) > Release::new(3, 9));
        for bad in ["", "3", "3.", "x.7", "3.7.1.2", "3.7x", "99999.1", "-3.7"] {
            assert_eq!(Release::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn versioned_documentation_paths_name_the_release() {
        let t = documented(&[
            ("sample_directory", "/usr/share/doc/postfix-2.10.1/samples"),
            (
                "readme_directory",
                "/usr/share/doc/postfix-2.10.1/README_FILES",
            ),
        ])
        .unwrap();
        assert_eq!(t.asked, Release::new(2, 10));
        assert_eq!(t.origin, Origin::Documented("sample_directory".into()));
        let hint = t.hint(&Target::newest());
        assert!(
            hint.starts_with("sample_directory names Postfix 2.10")
                && hint.ends_with("Set --postfix-version to the release the server runs (2.10 if it still runs that)"),
            "{hint}"
        );
        for unversioned in [
            &[("readme_directory", "no")][..],
            &[("sample_directory", "/usr/share/doc/postfix/samples")][..],
            &[("readme_directory", "/usr/share/doc/postfix-doc/README")][..],
            &[
                ("sample_directory", "/usr/share/doc/postfix-2.10.1/samples"),
                (
                    "readme_directory",
                    "/usr/share/doc/postfix-3.5.8/README_FILES",
                ),
            ][..],
        ] {
            assert_eq!(documented(unversioned), None, "{unversioned:?}");
        }
    }

    #[test]
    fn a_release_outside_the_data_uses_the_nearest_known() {
        let t = |asked| Target {
            asked,
            origin: Origin::Flag,
        };
        assert_eq!(t(Release::new(3, 4)).release(), OLDEST);
        assert_eq!(t(Release::new(4, 0)).release(), NEWEST);
        assert_eq!(t(Release::new(3, 9)).release(), Release::new(3, 9));
        assert!(t(Release::new(3, 9)).at_least("3.9"));
        assert!(!t(Release::new(3, 8)).at_least("3.9"));
        assert!(!t(Release::new(3, 8)).at_least("garbage"));
        // What 3.7 has, 2.10 had: the data start there.
        assert!(t(Release::new(2, 10)).has("3.7"));
        assert!(!t(Release::new(2, 10)).has("3.9"));
        assert!(!t(Release::new(2, 10)).at_least("3.7"));
        assert_eq!(t(Release::new(2, 10)).named(), OLDEST);
        assert!(t(Release::new(2, 10)).warning().is_some());
        assert_eq!(t(Release::new(3, 12)).named(), Release::new(3, 12));
        assert!(t(Release::new(3, 12)).warning().is_none());
    }

    #[test]
    fn a_postfix_files_without_meta_directory_is_one_before_3_0() {
        let old = "# postfix-files of Postfix 2.11\n\
                   $config_directory:d:root:-:755\n\
                   $config_directory/main.cf:f:root:-:644:p\n\
                   $daemon_directory/postscreen:f:root:-:755\n";
        assert!(postfix_files_before_3_0(old));
        let new = format!("{old}$meta_directory/postfix-files:f:root:-:644\n");
        assert!(!postfix_files_before_3_0(&new));
        // Not a postfix-files at all.
        assert!(!postfix_files_before_3_0("hello\n"));
        assert!(!postfix_files_before_3_0(
            "$config_directory/main.cf:f:root:-:644\n"
        ));
    }
}
