//! What a Dockerfile says of the system its image runs: the distribution of the final stage's
//! base image, and the packages its `RUN` instructions install. A main.cf the Dockerfile
//! copies into the image runs there, so its map types need that distribution's plugin
//! packages and its directories must be where that distribution installs Postfix.
//!
//! Known only when the final stage starts `FROM` an official distribution image by name
//! (`debian:bookworm-slim`, `alpine:3.19`, `rockylinux:9`, or an earlier stage of such) and
//! every command of its `RUN`s is one postlint reads: a package manager with its packages
//! written out, or a command that installs nothing (`mkdir`, `sed`, `postconf`, ...). A
//! script, a variable in a package list, a `dpkg -i` or a build from source leaves the
//! packages unknown, and the rules that need them silent.

use std::collections::BTreeSet;

/// A distribution family, as it packages Postfix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distro {
    /// Debian: daemons in /usr/lib/postfix/sbin, map plugins in postfix-mysql,
    /// postfix-pgsql, ... packages.
    Debian,
    /// Ubuntu: Debian's packages.
    Ubuntu,
    /// Alpine: daemons in /usr/libexec/postfix, map plugins in postfix-mysql, ... subpackages.
    Alpine,
    /// Red Hat's family (RHEL's UBI, CentOS, Rocky, AlmaLinux, Oracle Linux, Fedora): daemons
    /// in /usr/libexec/postfix. Which types are plugins depends on the release: not said.
    RedHat,
}

impl Distro {
    /// The distribution's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Distro::Debian => "Debian",
            Distro::Ubuntu => "Ubuntu",
            Distro::Alpine => "Alpine",
            Distro::RedHat => "Red Hat's family (RHEL, CentOS, Rocky, AlmaLinux, Fedora)",
        }
    }

    /// Where the distribution's postfix package puts the daemons (its daemon_directory) in
    /// the release a base image's tag names, the current one first; None when the tag names
    /// no release postlint knows (`latest` of Debian and Ubuntu, whose next release may move
    /// them). Debian and Ubuntu used /usr/lib/postfix before /usr/lib/postfix/sbin; Alpine
    /// has used /usr/libexec/postfix since 3.9 at the latest (Mailu's move from 3.8 to 3.9
    /// broke on "/usr/lib/postfix/master: not found", Mailu/Mailu#1039; images built on 3.8
    /// ran /usr/lib/postfix/master, little-forest/instant-mail), so 3.8 and older are not
    /// known; Red Hat's family always.
    pub fn daemon_directories(self, tag: &str) -> Option<&'static [&'static str]> {
        let release = tag.split('-').next().unwrap_or("");
        let number = |text: &str| -> Option<(u32, u32)> {
            let mut parts = text.split('.');
            let major = parts.next()?.parse().ok()?;
            let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
            Some((major, minor))
        };
        match self {
            Distro::Debian | Distro::Ubuntu => {
                const CODENAMES: &[&str] = &[
                    "jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "trusty",
                    "xenial", "bionic", "focal", "jammy", "noble",
                ];
                let releases = match self {
                    Distro::Debian => 8..=13,
                    _ => 14..=24,
                };
                // Debian 8 to 13 and Ubuntu 14.04 to 24.04, by number or name.
                let known = CODENAMES.contains(&release)
                    || number(release).is_some_and(|(major, _)| releases.contains(&major));
                known.then_some(&["/usr/lib/postfix/sbin", "/usr/lib/postfix"][..])
            }
            Distro::Alpine => {
                let known = matches!(release, "" | "latest" | "edge")
                    || number(release).is_some_and(|(major, minor)| major == 3 && minor >= 9);
                known.then_some(&["/usr/libexec/postfix"][..])
            }
            Distro::RedHat => Some(&["/usr/libexec/postfix"][..]),
        }
    }

    /// Table types the distribution's postfix package cannot open at all in the release a
    /// tag names: Alpine builds Postfix without Berkeley DB from 3.13 on (its 3.13 release
    /// notes deprecate BDB), so `hash` and `btree` are gone there.
    pub fn missing_types(self, tag: &str) -> &'static [&'static str] {
        let release = tag.split('-').next().unwrap_or("");
        let at_least_3_13 = matches!(release, "" | "latest" | "edge")
            || release
                .split_once('.')
                .and_then(|(major, minor)| {
                    Some((
                        major.parse::<u32>().ok()?,
                        minor.split('.').next()?.parse::<u32>().ok()?,
                    ))
                })
                .is_some_and(|(major, minor)| major > 3 || (major == 3 && minor >= 13));
        match self {
            Distro::Alpine if at_least_3_13 => &["hash", "btree"],
            _ => &[],
        }
    }

    /// The command that installs a package, for help texts.
    pub fn install_command(self) -> &'static str {
        match self {
            Distro::Debian | Distro::Ubuntu => "apt-get install",
            Distro::Alpine => "apk add",
            Distro::RedHat => "dnf install",
        }
    }

    /// The package that brings a table type's plugin: Some(Some(package)) for a plugin type,
    /// Some(None) for a type the postfix package opens itself, None when postlint does not
    /// know for this distribution.
    pub fn plugin_package(self, kind: &str) -> Option<Option<&'static str>> {
        const DEBIAN: &[(&str, &str)] = &[
            ("cdb", "postfix-cdb"),
            ("ldap", "postfix-ldap"),
            ("lmdb", "postfix-lmdb"),
            ("mongodb", "postfix-mongodb"),
            ("mysql", "postfix-mysql"),
            ("pcre", "postfix-pcre"),
            ("pgsql", "postfix-pgsql"),
            ("sqlite", "postfix-sqlite"),
        ];
        // Alpine's APKBUILD splits these off as subpackages (`_mv_dict`). lmdb was one too,
        // until Alpine dropped Berkeley DB and made lmdb Postfix's default table type; cdb
        // it did not build. Neither is said.
        const ALPINE: &[(&str, &str)] = &[
            ("ldap", "postfix-ldap"),
            ("mysql", "postfix-mysql"),
            ("pcre", "postfix-pcre"),
            ("pgsql", "postfix-pgsql"),
            ("sqlite", "postfix-sqlite"),
        ];
        let plugins = match self {
            Distro::Debian | Distro::Ubuntu => DEBIAN,
            Distro::Alpine if matches!(kind, "cdb" | "lmdb") => return None,
            Distro::Alpine => ALPINE,
            Distro::RedHat => return None,
        };
        Some(plugins.iter().find(|(k, _)| *k == kind).map(|(_, p)| *p))
    }
}

/// The parameters Debian 12's postfix package (3.7.x) may write into main.cf: the lines of
/// /usr/share/postfix/main.cf.debian and main.cf.tls (appended when the snakeoil key exists),
/// and the `postconf -e` of its postinst and postinst.functions (debconf's answers, the
/// mailer type's default_transport, postfix-doc's paths), as Debian 12's package installs
/// them (read from the package on this project's oracle machine).
pub const DEBIAN_12_MAIN_CF: &[&str] = &[
    "smtpd_banner",
    "biff",
    "append_dot_mydomain",
    "readme_directory",
    "compatibility_level",
    "smtpd_tls_cert_file",
    "smtpd_tls_key_file",
    "smtpd_tls_security_level",
    "smtp_tls_CApath",
    "smtp_tls_security_level",
    "smtp_tls_session_cache_database",
    "smtpd_relay_restrictions",
    "myhostname",
    "alias_maps",
    "alias_database",
    "mydomain",
    "myorigin",
    "mydestination",
    "relayhost",
    "mynetworks",
    "mailbox_command",
    "mailbox_size_limit",
    "recipient_delimiter",
    "inet_interfaces",
    "default_transport",
    "relay_transport",
    "inet_protocols",
    "html_directory",
];

/// The final image of a Dockerfile, as far as postlint reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub distro: Distro,
    /// The base image as written (`alpine:3.19`).
    pub base: String,
    /// The line of the final stage's `FROM`.
    pub from_line: u32,
    /// The packages the stage's `RUN`s install (and its earlier stages', when it is built
    /// from one): None when some `RUN` does what postlint cannot read.
    pub packages: Option<BTreeSet<String>>,
    /// The postfix package may come from elsewhere than the base image's release: an
    /// install that picks a release, a repository or a version (`-t bookworm-backports`,
    /// `--repository .../edge/main`, `postfix=3.8.*`).
    pub postfix_elsewhere: bool,
    /// The line of the first `RUN` whose commands postlint does not read (after which the
    /// packages are unknown).
    pub unread_run: Option<u32>,
    /// The `RUN`s before [`Image::unread_run`] had installed the postfix package.
    pub installed_before_unread: bool,
    /// The text of the final stage's `RUN`s (up to [`MAX_RUN_TEXT`] bytes): a path they name
    /// may be one they create (`ln -s /usr/libexec/postfix /usr/lib/postfix/sbin`).
    pub runs: String,
    /// The container runs Postfix itself and nothing else first: the final stage's
    /// `ENTRYPOINT` is none, `tini` or `dumb-init`, and the program it (or `CMD`) starts is
    /// `postfix` (`CMD ["postfix", "start-fg"]`). No entrypoint script, whose commands (or
    /// the operator's hooks it sources) could set main.cf parameters postlint cannot see.
    pub runs_postfix_only: bool,
}

impl Image {
    /// Whether the image gets Postfix from the distribution's package (the paths and plugins
    /// above are then those of the package): only when every package is known.
    pub fn has_postfix_package(&self) -> bool {
        self.packages.as_ref().is_some_and(|p| {
            p.iter().any(|package| {
                package == "postfix"
                    // A map plugin (postfix-mysql) depends on postfix; Ubuntu's mail stack
                    // metapackages install it too.
                    || package.starts_with("postfix-")
                    || POSTFIX_METAPACKAGES.contains(&package.as_str())
            })
        })
    }

    /// The base image's tag (`3.19` of `alpine:3.19`, `bookworm-slim`), empty when it has
    /// none.
    pub fn tag(&self) -> &str {
        let name = self.base.split('@').next().unwrap_or("");
        match name.rfind(':') {
            Some(colon) if colon > name.rfind('/').unwrap_or(0) => &name[colon + 1..],
            _ => "",
        }
    }

    /// The Postfix release the image's postfix package has: that of the base image's release
    /// (Debian 12 packages 3.7, Ubuntu 24.04 3.8; tracker.debian.org, Ubuntu's archive), when the package comes from there (not
    /// [`Image::postfix_elsewhere`], no `RUN` that edits the package sources) and the tag
    /// names a release postlint knows. None otherwise (`latest`, a tag of no release).
    pub fn postfix_release(&self) -> Option<&'static str> {
        if !self.has_postfix_package() || self.postfix_elsewhere || self.edits_package_sources() {
            return None;
        }
        self.base_release()
    }

    /// Whether a `RUN` edits the package sources (sources.list, apk's repositories, yum's
    /// repos, a PPA): the postfix package may then come from another release.
    pub fn edits_package_sources(&self) -> bool {
        [
            "sources.list",
            "/etc/apt/preferences",
            "/etc/apk/repositories",
            "yum.repos.d",
            "dnf config-manager",
            "add-apt-repository",
        ]
        .iter()
        .any(|s| self.runs.contains(s))
    }

    /// The release the base image's distribution packages (`debian:bullseye`: 3.5), whether or
    /// not the image is known to install that package: where a `RUN` postlint cannot read
    /// installs Postfix, or the install picks another source, it is the likely release, no
    /// more.
    pub fn base_release(&self) -> Option<&'static str> {
        let release = self.tag().split('-').next().unwrap_or("");
        let table: &[(&str, &str)] = match self.distro {
            // Debian's and Ubuntu's stable releases, by number and by name.
            Distro::Debian => &[
                ("6", "2.7"),
                ("squeeze", "2.7"),
                ("7", "2.9"),
                ("wheezy", "2.9"),
                ("8", "2.11"),
                ("jessie", "2.11"),
                ("9", "3.1"),
                ("stretch", "3.1"),
                ("10", "3.4"),
                ("buster", "3.4"),
                ("11", "3.5"),
                ("bullseye", "3.5"),
                ("12", "3.7"),
                ("bookworm", "3.7"),
                ("13", "3.10"),
                ("trixie", "3.10"),
            ],
            Distro::Ubuntu => &[
                ("10.04", "2.7"),
                ("lucid", "2.7"),
                ("12.04", "2.9"),
                ("precise", "2.9"),
                ("14.04", "2.11"),
                ("trusty", "2.11"),
                ("16.04", "3.1"),
                ("xenial", "3.1"),
                ("18.04", "3.3"),
                ("bionic", "3.3"),
                ("20.04", "3.4"),
                ("focal", "3.4"),
                ("22.04", "3.6"),
                ("jammy", "3.6"),
                ("24.04", "3.8"),
                ("noble", "3.8"),
            ],
            // Which release line each Alpine release packages is not data postlint has a
            // source for.
            Distro::Alpine => return None,
            // CentOS and its rebuilds (Rocky, Alma, Oracle) by major release: EL 6 packages
            // 2.6, EL 7 2.10, EL 8 and 9 3.5 (vault.centos.org, the EL 8 and 9 AppStream
            // and BaseOS repositories). Fedora and UBI tags are no such release.
            Distro::RedHat => {
                let name = self.base.split(':').next().unwrap_or("");
                let rebuild = ["centos", "rockylinux", "almalinux", "oraclelinux"]
                    .iter()
                    .any(|n| name == *n || name.ends_with(&format!("/{n}")));
                if !rebuild {
                    return None;
                }
                // `centos:centos7`, `centos:stream9`: the same releases.
                let major = release
                    .strip_prefix("stream")
                    .or_else(|| release.strip_prefix("centos"))
                    .unwrap_or(release)
                    .split('.')
                    .next()
                    .unwrap_or("");
                return match major {
                    "6" => Some("2.6"),
                    "7" => Some("2.10"),
                    "8" | "9" => Some("3.5"),
                    _ => None,
                };
            }
        };
        // `12.5`, `3.19.1`: the release line.
        let line = |r: &str| match self.distro {
            Distro::Debian => r.split('.').next().unwrap_or("").to_string(),
            _ => r.split('.').take(2).collect::<Vec<_>>().join("."),
        };
        let release = line(release);
        table.iter().find(|(r, _)| *r == release).map(|(_, v)| *v)
    }

    /// The parameters the image's package main.cf may set, where postlint knows them: Debian
    /// 12's postfix package (3.7) writes main.cf from `main.cf.debian` and `main.cf.tls` and
    /// its postinst's `postconf -e` lines (the debconf answers), and nothing else, whatever
    /// the answers (no main.cf at all for "No configuration"). Every other parameter has its
    /// default until the image's own lines set it. Only where the container starts Postfix
    /// itself (`runs_postfix_only`): an entrypoint script may run what postlint cannot see
    /// (the operator's hooks it sources, a script it downloads). None for other images.
    pub fn package_main_cf_params(&self) -> Option<&'static [&'static str]> {
        let release = self.tag().split('-').next().unwrap_or("");
        let bookworm = self.distro == Distro::Debian
            && (release == "bookworm" || release.split('.').next() == Some("12"));
        (bookworm && self.runs_postfix_only && self.postfix_release() == Some("3.7"))
            .then_some(DEBIAN_12_MAIN_CF)
    }

    /// Whether a `RUN` of the image names `path` (creates, links or moves it, perhaps).
    pub fn names(&self, path: &str) -> bool {
        self.runs.contains(path.trim_end_matches('/'))
    }

    /// Whether the image installs `package`; None when its packages are unknown.
    pub fn installs(&self, package: &str) -> Option<bool> {
        self.packages.as_ref().map(|p| p.contains(package))
    }
}

/// Packages that install Postfix without being called postfix: Ubuntu's mail stack
/// (`mail-stack-delivery` depends on postfix; `dovecot-postfix` is its older name).
const POSTFIX_METAPACKAGES: &[&str] = &["mail-stack-delivery", "dovecot-postfix"];

/// At most this many packages are kept of one image (a bound for a hostile Dockerfile).
const MAX_PACKAGES: usize = 1000;

/// At most this many stages are read; a Dockerfile with more says nothing.
const MAX_STAGES: usize = 64;

/// At most this much text of the `RUN`s is kept ([`Image::runs`]); beyond it the packages are
/// taken as unknown.
const MAX_RUN_TEXT: usize = 256 << 10;

/// Commands that install no package (nor run anything that could): a `RUN` of only these
/// and package managers leaves the packages known.
const INERT: &[&str] = &[
    "echo",
    "printf",
    "mkdir",
    "rm",
    "rmdir",
    "chmod",
    "chown",
    "chgrp",
    "ln",
    "cp",
    "mv",
    "touch",
    "sed",
    "cat",
    "tee",
    "true",
    "false",
    // `|| exit 1` ends the build; `exit 0` the RUN.
    "exit",
    ":",
    "test",
    "[",
    "postconf",
    "postmap",
    "postalias",
    "newaliases",
    "useradd",
    "adduser",
    "addgroup",
    "groupadd",
    "usermod",
    "gpasswd",
    "debconf-set-selections",
    "dpkg-statoverride",
    "update-ca-certificates",
    "locale-gen",
    "ldconfig",
    "apt-mark",
    "set",
    "export",
    "cd",
    "openssl",
    "grep",
    "awk",
    "sort",
    "head",
    "tail",
    "wc",
    "id",
    "ls",
    "date",
    "sleep",
    "mkfifo",
    "install",
    "ln",
    "dpkg-reconfigure",
    "tr",
    "cut",
    "xz",
    "gzip",
    "tar",
    "unzip",
    "curl",
    "wget",
    "sync",
    "umask",
    "mknod",
    "setcap",
    "systemctl",
    "rc-update",
    // Daemons started and databases filled while the image is built (`service mysql start
    // && mysql -e "CREATE DATABASE mail"`): no package.
    "service",
    "update-rc.d",
    "chkconfig",
    "mysql",
    "psql",
    "sqlite3",
    // Accounts, keys and text, as images set up a mail server's users and DKIM keys
    // (survey AF3 and AF4: `echo "bob:secret" | chpasswd`, `paste`, `opendkim-genkey`).
    "chpasswd",
    "passwd",
    "paste",
    "opendkim-genkey",
    "hostname",
    "basename",
    "dirname",
    "uniq",
    "base64",
    "envsubst",
    "dos2unix",
    "doveadm",
    "sievec",
    "postfix",
];

/// Reads a Dockerfile's text. None when it has no stage whose distribution postlint knows.
pub fn read(text: &str) -> Option<Image> {
    // A parser directive that changes the escape character: lines are not read as written.
    if text
        .lines()
        .take_while(|l| l.trim_start().starts_with('#'))
        .any(|l| {
            l.to_ascii_lowercase()
                .replace(' ', "")
                .starts_with("#escape=")
        })
    {
        return None;
    }
    // The named stages before the current one (`AS base`), and their final images.
    let mut stages: std::collections::HashMap<String, Option<Image>> = Default::default();
    let mut stage_count = 0;
    // The current stage's `ENTRYPOINT` and `CMD`, as written.
    let mut entrypoint: Option<String> = None;
    let mut cmd: Option<String> = None;
    let mut current: Option<Image> = None;
    let mut current_name: Option<String> = None;
    let mut in_stage = false;
    for (line, instruction) in crate::scripts::logical_lines(text, true) {
        let (word, rest) = instruction
            .trim_start()
            .split_once(char::is_whitespace)
            .unwrap_or((instruction.trim(), ""));
        match word.to_ascii_uppercase().as_str() {
            "FROM" => {
                if in_stage {
                    if let Some(name) = current_name.take() {
                        stages.insert(name, current.take());
                    }
                }
                in_stage = true;
                stage_count += 1;
                // A bound for a hostile Dockerfile: real ones have a few stages.
                if stage_count > MAX_STAGES {
                    return None;
                }
                let words: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let base = words.first().copied().unwrap_or("");
                current_name = match words.as_slice() {
                    [_, as_word, name, ..] if as_word.eq_ignore_ascii_case("as") => {
                        Some(name.to_ascii_lowercase())
                    }
                    _ => None,
                };
                let lower = base.to_ascii_lowercase();
                current = match stages.get(&lower) {
                    Some(image) => image.clone().map(|mut image| {
                        image.from_line = line;
                        image
                    }),
                    None => distro_of(base).map(|distro| Image {
                        distro,
                        base: base.to_string(),
                        from_line: line,
                        packages: Some(BTreeSet::new()),
                        postfix_elsewhere: false,
                        unread_run: None,
                        installed_before_unread: false,
                        runs: String::new(),
                        runs_postfix_only: false,
                    }),
                };
                entrypoint = None;
                cmd = None;
            }
            "ENTRYPOINT" => entrypoint = Some(rest.to_string()),
            "CMD" => cmd = Some(rest.to_string()),
            "RUN" => {
                if let Some(image) = &mut current {
                    let known = image.packages.is_some();
                    let installed = image.has_postfix_package();
                    if image.runs.len() + rest.len() > MAX_RUN_TEXT {
                        image.packages = None;
                    } else {
                        image.runs.push_str(rest);
                        image.runs.push('\n');
                    }
                    run(image, rest);
                    if known && image.packages.is_none() {
                        image.unread_run = Some(line);
                        image.installed_before_unread = installed;
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(image) = &mut current {
        image.runs_postfix_only = starts_postfix(entrypoint.as_deref(), cmd.as_deref());
    }
    current
}

/// Whether an image's `ENTRYPOINT` and `CMD` (shell or JSON form) start Postfix itself:
/// the entrypoint none, or an init (`tini`, `dumb-init`) whose program is the command's.
fn starts_postfix(entrypoint: Option<&str>, cmd: Option<&str>) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| matches!(c, '[' | ']' | '"' | '\'' | ','))
                    .to_string()
            })
            .filter(|w| !w.is_empty())
            .collect()
    };
    let base = |w: &str| w.rsplit('/').next().unwrap_or("").to_string();
    let mut program: Vec<String> = entrypoint.map(words).unwrap_or_default();
    if program
        .first()
        .is_some_and(|w| matches!(base(w).as_str(), "tini" | "dumb-init"))
    {
        program.remove(0);
        program.retain(|w| !w.starts_with('-'));
    }
    if program.is_empty() {
        program = cmd.map(words).unwrap_or_default();
    }
    program.first().is_some_and(|w| base(w) == "postfix")
}

/// The distribution of an image name, for the official images of the distributions postlint
/// knows; None for any other (whose packages and paths are not known).
fn distro_of(image: &str) -> Option<Distro> {
    if image.contains(['$', '{']) {
        return None;
    }
    let lower = image.to_ascii_lowercase();
    let name = lower.split(['@']).next().unwrap_or("");
    // The tag is after the last `:` that follows the last `/` (a registry may have a port).
    let name = match name.rfind(':') {
        Some(colon) if colon > name.rfind('/').unwrap_or(0) => &name[..colon],
        _ => name,
    };
    let name = name
        .strip_prefix("docker.io/")
        .unwrap_or(name)
        .strip_prefix("library/")
        .unwrap_or_else(|| name.strip_prefix("docker.io/").unwrap_or(name));
    match name {
        "debian" => Some(Distro::Debian),
        "ubuntu" => Some(Distro::Ubuntu),
        "alpine" => Some(Distro::Alpine),
        "centos"
        | "rockylinux"
        | "rockylinux/rockylinux"
        | "almalinux"
        | "oraclelinux"
        | "fedora"
        | "quay.io/centos/centos"
        | "redhat/ubi8"
        | "redhat/ubi9"
        | "registry.access.redhat.com/ubi8"
        | "registry.access.redhat.com/ubi9"
        | "registry.access.redhat.com/ubi8/ubi"
        | "registry.access.redhat.com/ubi9/ubi" => Some(Distro::RedHat),
        _ => None,
    }
}

/// Reads one `RUN`: the packages it installs or removes, or, when it does what postlint
/// cannot read, the packages become unknown.
fn run(image: &mut Image, rest: &str) {
    let rest = rest.trim_start();
    // The exec form, read as the command it runs.
    let exec_form;
    let rest = match rest.starts_with('[') {
        true => match crate::scripts::exec_form_command(rest) {
            Some(command) => {
                exec_form = command;
                exec_form.as_str()
            }
            None => {
                image.packages = None;
                return;
            }
        },
        false => rest,
    };
    // A here-document runs what postlint does not read here.
    if rest.contains("<<") {
        image.packages = None;
        return;
    }
    // `RUN --mount=... --network=none cmd`.
    let mut command_text = rest;
    while let Some(after) = command_text.strip_prefix("--") {
        command_text = after
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r)
            .trim_start();
    }
    for command in crate::scripts::commands(command_text) {
        let Some(packages) = &mut image.packages else {
            return;
        };
        // A `{ ...; }` group runs its commands as they stand (`{ echo ...; } >> file`).
        let command = match command.strip_prefix('{') {
            Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => rest.trim(),
            _ => command,
        };
        let closes = command
            .strip_prefix('}')
            .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('>'));
        if command.is_empty() || closes {
            continue;
        }
        if !read_command(command, packages, &mut image.postfix_elsewhere) {
            image.packages = None;
            return;
        }
    }
}

/// Applies one shell command to the package set; false when postlint cannot tell what it
/// installs.
fn read_command(command: &str, packages: &mut BTreeSet<String>, elsewhere: &mut bool) -> bool {
    let words = crate::scripts::shell_words(command);
    // `DEBIAN_FRONTEND=noninteractive apt-get ...`: assignments before the command.
    let mut words = words
        .iter()
        .skip_while(|(raw, literal)| {
            literal.is_some() && raw.contains('=') && !raw.starts_with('-')
        })
        .peekable();
    let Some((_, Some(name))) = words.next() else {
        return false;
    };
    let name = name.rsplit('/').next().unwrap_or(name);
    let rest: Vec<&(&str, Option<String>)> = words.collect();
    match name {
        "apt-get" | "apt" | "aptitude" => manager(
            &rest,
            &["install"],
            &["remove", "purge", "autoremove"],
            &["-t", "-o", "--target-release", "-c"],
            &["-t", "-o", "--target-release", "--default-release"],
            (packages, elsewhere),
        ),
        "apk" => manager(
            &rest,
            &["add"],
            &["del"],
            &[
                "-t",
                "--virtual",
                "-X",
                "--repository",
                "-p",
                "--root",
                "--arch",
            ],
            &["-X", "--repository", "--repositories-file"],
            (packages, elsewhere),
        ),
        "dnf" | "yum" | "microdnf" => manager(
            &rest,
            &["install"],
            &["remove", "erase"],
            &[
                "--enablerepo",
                "--disablerepo",
                "--setopt",
                "--installroot",
                "--releasever",
            ],
            &["--enablerepo", "--releasever", "--repofrompath", "--repo"],
            (packages, elsewhere),
        ),
        // `find` lists files (`rm -rf $(find /etc/postfix/* | grep -v ...)`); with `-exec` it
        // runs any command.
        "find" => !rest
            .iter()
            .any(|(raw, _)| matches!(*raw, "-exec" | "-execdir" | "-ok" | "-okdir")),
        _ => INERT.contains(&name),
    }
}

/// A package manager's command: `install`/`add` adds its packages, `remove`/`del` takes them
/// away, anything else (`update`, `clean`) changes nothing postlint reads. False when a
/// package is not written out.
fn manager(
    words: &[&(&str, Option<String>)],
    install: &[&str],
    remove: &[&str],
    options_with_value: &[&str],
    source_options: &[&str],
    (packages, elsewhere): (&mut BTreeSet<String>, &mut bool),
) -> bool {
    let mut action: Option<bool> = None;
    let mut skip_next = false;
    // An option that picks another release or repository for this command's packages.
    let other_source = words.iter().any(|(raw, _)| {
        let option = raw.split('=').next().unwrap_or("");
        source_options.contains(&option)
    });
    for (raw, literal) in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        // A version pattern (`postfix=3.5.*`) is no literal word to the shell, and still
        // names its package.
        let pinned = || {
            let (name, _) = raw.split_once('=')?;
            let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+' | '_');
            (!name.is_empty() && name.chars().all(plain) && !raw.contains(['$', '`', '\\']))
                .then(|| name.to_string())
        };
        let Some(word) = literal.clone().or_else(pinned) else {
            return false;
        };
        if word.starts_with('-') {
            skip_next = options_with_value.contains(&word.as_str());
            continue;
        }
        match action {
            None => {
                if install.contains(&word.as_str()) {
                    action = Some(true);
                } else if remove.contains(&word.as_str()) {
                    action = Some(false);
                } else {
                    // `update`, `upgrade`, `clean`, `cache`: no package named.
                    return !raw.is_empty();
                }
            }
            Some(add) => {
                // `postfix=3.7.11-0+deb12u1`, `postfix/bookworm-backports`, `postfix:amd64`,
                // apk's `postfix>3.4.0`, `postfix~3.9`, `postfix<4`.
                let package = word
                    .split(['=', '/', ':', '<', '>', '~'])
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if package.is_empty() || package.ends_with(".deb") || package.ends_with(".rpm") {
                    return false;
                }
                if add {
                    let picked = word.contains(['=', '/', '<', '>', '~']);
                    if package == "postfix" && (other_source || picked) {
                        *elsewhere = true;
                    }
                    if packages.len() < MAX_PACKAGES {
                        packages.insert(package);
                    }
                } else {
                    packages.remove(&package);
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packages(text: &str) -> Option<Vec<String>> {
        read(text)
            .and_then(|i| i.packages)
            .map(|p| p.into_iter().collect())
    }

    #[test]
    fn the_final_stage_of_a_known_distribution_and_its_packages() {
        let text = "FROM alpine:3.19\n\nRUN apk add --no-cache postfix cyrus-sasl \\\n  # a comment\n  rsyslog\nCOPY main.cf /etc/postfix/main.cf\n";
        let image = read(text).unwrap();
        assert_eq!(image.distro, Distro::Alpine);
        assert_eq!(image.from_line, 1);
        assert_eq!(
            packages(text).unwrap(),
            ["cyrus-sasl", "postfix", "rsyslog"]
        );
        let text = "FROM debian:bullseye\nENV DEBIAN_FRONTEND=noninteractive\nRUN apt-get update && \\\n    echo \"postfix postfix/mailname string x\" | debconf-set-selections && \\\n    DEBIAN_FRONTEND=noninteractive apt-get install -y -t bullseye-backports postfix=3.5.* libsasl2-modules\n";
        assert_eq!(read(text).unwrap().distro, Distro::Debian);
        assert_eq!(read("FROM ubuntu\n").unwrap().distro, Distro::Ubuntu);
        assert_eq!(packages(text).unwrap(), ["libsasl2-modules", "postfix"]);
        assert!(read("FROM docker.io/library/ubuntu:22.04\n").is_some());
        // A `{ ...; }` group's commands are read as they stand.
        let grouped =
            "FROM alpine\nRUN apk add postfix && { echo 'a = b'; echo; } >> /etc/postfix/main.cf\n";
        assert_eq!(packages(grouped).unwrap(), ["postfix"]);
        let grouped = "FROM alpine\nRUN { apk add postfix; apk add $EXTRA; } > /tmp/log\n";
        assert_eq!(packages(grouped), None);
        // Accounts and DKIM keys installed nothing (survey AF3, AF4); an unread RUN after the
        // install is said to come after it.
        let accounts = "FROM ubuntu:22.04\nRUN apt-get install -y postfix\n\
                        RUN echo \"bob:secret\" | chpasswd && opendkim-genkey -s mail -d example.org\n\
                        RUN paste a b > c\n";
        assert_eq!(packages(accounts).unwrap(), ["postfix"]);
        // `find` lists files (rmasp98/mailserver, survey AG1); with `-exec` it runs anything.
        let found = "FROM alpine:3.20\nRUN apk add --no-cache postfix\n\
                     RUN rm -rf $(find /etc/postfix/* | grep -v \"postfix-files\\|dynamicmaps.cf\")\n";
        assert_eq!(packages(found).unwrap(), ["postfix"]);
        let exec = "FROM alpine\nRUN apk add postfix\nRUN find / -name x -exec apk add y \\;\n";
        assert_eq!(packages(exec), None);
        let later = "FROM ubuntu:22.04\nRUN apt-get install -y postfix\nRUN ./setup.sh\n";
        let image = read(later).unwrap();
        assert_eq!(image.packages, None);
        assert_eq!(image.unread_run, Some(3));
        assert!(image.installed_before_unread);
        let first = read("FROM ubuntu:22.04\nRUN ./setup.sh\nRUN apt-get install -y postfix\n");
        assert!(!first.unwrap().installed_before_unread);
        let dirs = |from: &str| {
            let image = read(&format!("FROM {from}\n")).unwrap();
            image.distro.daemon_directories(image.tag())
        };
        assert_eq!(dirs("alpine:3.19").unwrap(), ["/usr/libexec/postfix"]);
        assert_eq!(dirs("alpine").unwrap(), ["/usr/libexec/postfix"]);
        assert_eq!(dirs("alpine:3.7"), None);
        assert_eq!(dirs("alpine:3.8"), None);
        assert_eq!(dirs("alpine:3.9").unwrap(), ["/usr/libexec/postfix"]);
        let missing = |from: &str| {
            let image = read(&format!("FROM {from}\n")).unwrap();
            image.distro.missing_types(image.tag())
        };
        assert_eq!(missing("alpine:3.19"), ["hash", "btree"]);
        assert_eq!(missing("alpine"), ["hash", "btree"]);
        assert_eq!(missing("alpine:3.12.4"), [] as [&str; 0]);
        assert_eq!(missing("debian:12"), [] as [&str; 0]);
        let release = |text: &str| read(text).unwrap().postfix_release();
        assert_eq!(
            release("FROM debian:12.5-slim\nRUN apt-get install -y postfix\n"),
            Some("3.7")
        );
        assert_eq!(
            release("FROM ubuntu:noble\nRUN apt-get install -y postfix\n"),
            Some("3.8")
        );
        // Postfix through a package that depends on it.
        assert_eq!(
            release("FROM ubuntu:xenial\nRUN apt-get -y install rsyslog mail-stack-delivery\n"),
            Some("3.1")
        );
        assert_eq!(
            release("FROM debian:12\nRUN apt-get install -y postfix-pcre\n"),
            Some("3.7")
        );
        assert_eq!(
            release("FROM debian:12\nRUN apt-get install -y dovecot-imapd\n"),
            None
        );
        // Old releases (2.x) and CentOS's line: their defaults, not the newest release's.
        assert_eq!(
            release("FROM ubuntu:precise\nRUN apt-get install -y postfix\n"),
            Some("2.9")
        );
        assert_eq!(
            release("FROM debian:wheezy\nRUN apt-get install -y postfix\n"),
            Some("2.9")
        );
        assert_eq!(
            release("FROM centos:7\nRUN yum install -y postfix\n"),
            Some("2.10")
        );
        assert_eq!(
            release("FROM quay.io/centos/centos:stream9\nRUN dnf install -y postfix\n"),
            Some("3.5")
        );
        // `centos:centos7`, the tag's other spelling (survey Z2, d-theus).
        assert_eq!(
            release("FROM centos:centos7\nRUN yum -y update; yum -y install postfix\n"),
            Some("2.10")
        );
        // Daemons and database clients run while building install nothing (survey Z2).
        assert_eq!(
            release("FROM ubuntu:14.04\nRUN apt-get install -y postfix mysql-server\nRUN service mysql start && mysql -u root -e \"CREATE DATABASE mail;\"\n"),
            Some("2.11")
        );
        // apk's version constraints name the package; on postfix they pick its version.
        let constrained =
            read("FROM alpine:3.20\nRUN apk add --no-cache 'postfix-pcre>3.4.0' 'postfix>3.4.0'\n")
                .unwrap();
        assert_eq!(constrained.installs("postfix-pcre"), Some(true));
        assert!(constrained.postfix_elsewhere);
        assert_eq!(
            release("FROM rockylinux:8.9\nRUN dnf install -y postfix\n"),
            Some("3.5")
        );
        assert_eq!(
            release("FROM fedora:39\nRUN dnf install -y postfix\n"),
            None
        );
        // A guard that stops the build installs nothing (survey Y1).
        assert_eq!(
            release("FROM centos:7\nRUN yum -y install postfix\nRUN postconf -e \"inet_interfaces = all\" || exit 1\nRUN true || false\n"),
            Some("2.10")
        );
        assert_eq!(
            release("FROM centos:latest\nRUN yum install -y postfix\n"),
            None
        );
        // No data for Alpine's releases.
        assert_eq!(release("FROM alpine:3.20.3\nRUN apk add postfix\n"), None);
        for elsewhere in [
            "FROM debian:12\nRUN apt-get install -y -t bookworm-backports postfix\n",
            "FROM debian:12\nRUN apt-get install -y --target-release=bookworm-backports postfix\n",
            "FROM debian:12\nRUN apt-get install -y postfix/bookworm-backports\n",
            "FROM debian:12\nRUN apt-get install -y postfix=3.7.11-0+deb12u1\n",
            "FROM alpine:3.19\nRUN apk add --repository=http://dl-cdn.alpinelinux.org/alpine/edge/main postfix\n",
            "FROM debian:12\nRUN echo 'deb http://deb.debian.org/debian trixie main' >> /etc/apt/sources.list && apt-get install -y postfix\n",
            "FROM debian:latest\nRUN apt-get install -y postfix\n",
            "FROM debian:12\nRUN apt-get install -y mailutils\n",
        ] {
            assert_eq!(release(elsewhere), None, "{elsewhere}");
        }
        assert_eq!(
            dirs("debian:bookworm-slim").unwrap()[0],
            "/usr/lib/postfix/sbin"
        );
        assert_eq!(dirs("ubuntu:24.04").unwrap()[0], "/usr/lib/postfix/sbin");
        assert_eq!(dirs("ubuntu:latest"), None);
        assert_eq!(dirs("debian:14"), None);
        assert_eq!(
            dirs("rockylinux:9@sha256:0123").unwrap(),
            ["/usr/libexec/postfix"]
        );
        assert_eq!(
            read("FROM --platform=linux/amd64 rockylinux:9 AS base\n")
                .unwrap()
                .distro,
            Distro::RedHat
        );
    }

    #[test]
    fn what_postlint_cannot_read_leaves_the_packages_unknown() {
        for run in [
            "RUN ./install.sh",
            "RUN apt-get install -y $PACKAGES",
            "RUN dpkg -i /tmp/postfix.deb",
            "RUN if [ -n \"$X\" ]; then apt-get install -y postfix-mysql; fi",
            "RUN [\"sh\", \"-c\", \"apt-get install -y postfix-mysql\"]",
            "RUN curl -s https://example.org/x | sh",
            "RUN pip install postfix-mta-sts-resolver",
        ] {
            let text = format!("FROM debian:12\nRUN apt-get install -y postfix\n{run}\n");
            assert_eq!(packages(&text), None, "{run}");
        }
        // Unknown base images: nothing is said.
        for from in [
            "FROM boky/postfix",
            "FROM ${BASE}",
            "FROM scratch",
            "FROM mycorp/debian:12",
        ] {
            assert!(
                read(&format!("{from}\nRUN apk add postfix\n")).is_none(),
                "{from}"
            );
        }
    }

    #[test]
    fn a_hostile_dockerfile_is_bounded() {
        // Many stages, each built from the one before: read no further than MAX_STAGES.
        let mut text = String::from("FROM alpine:3.19 AS s0\n");
        for i in 1..20_000 {
            text.push_str(&format!("FROM s{} AS s{i}\nRUN apk add p{i}\n", i - 1));
        }
        assert!(read(&text).is_none());
        // One huge RUN: its packages become unknown, its text is not kept past the bound.
        let run = format!("FROM alpine:3.19\nRUN apk add {}\n", "p ".repeat(400_000));
        let image = read(&run).unwrap();
        assert!(image.packages.is_none() && image.runs.len() <= MAX_RUN_TEXT);
        // Odd bytes and unclosed quotes are no panic.
        for odd in [
            "FROM",
            "FROM \u{1b}[31m",
            "RUN \"",
            "FROM alpine\nRUN 'apk add",
            "FROM alpine\nRUN \\",
        ] {
            let _ = read(odd);
        }
    }

    #[test]
    fn the_exec_form_is_read_as_its_command() {
        let text = "FROM alpine:3.19\nRUN apk add postfix\nRUN [\"chmod\", \"644\", \"/etc/postfix/main.cf\"]\nRUN [\"apk\", \"add\", \"postfix-pcre\"]\n";
        assert_eq!(packages(text).unwrap(), ["postfix", "postfix-pcre"]);
    }

    #[test]
    fn stages() {
        // The final stage counts; one built from an earlier stage has that stage's packages.
        let text = "FROM debian:12 AS base\nRUN apt-get install -y postfix\nFROM golang:1.22 AS build\nRUN go build ./...\nFROM base\nRUN apt-get install -y postfix-pcre\n";
        let image = read(text).unwrap();
        assert_eq!(image.from_line, 5);
        assert_eq!(packages(text).unwrap(), ["postfix", "postfix-pcre"]);
        let text = "FROM debian:12\nRUN apt-get install -y postfix\nFROM boky/postfix\n";
        assert!(read(text).is_none());
        let text = "FROM debian:12\nRUN apt-get install -y postfix postfix-mysql && apt-get purge -y postfix-mysql\n";
        assert_eq!(packages(text).unwrap(), ["postfix"]);
    }

    /// An image that starts Postfix itself (directly or under tini), not a script first.
    #[test]
    fn what_the_container_starts() {
        let starts = |tail: &str| {
            read(&format!(
                "FROM debian:12\nRUN apt-get install -y postfix\n{tail}"
            ))
            .unwrap()
            .runs_postfix_only
        };
        assert!(starts("CMD [\"postfix\", \"start-fg\"]\n"));
        assert!(starts("CMD postfix start-fg\n"));
        assert!(starts("ENTRYPOINT [\"/usr/sbin/postfix\", \"start-fg\"]\n"));
        assert!(starts(
            "ENTRYPOINT [\"tini\", \"-g\", \"--\"]\nCMD [\"postfix\", \"start-fg\"]\n"
        ));
        // A script first, another program, the base image's default command, a stage's.
        assert!(!starts(
            "ENTRYPOINT [\"/entrypoint.sh\"]\nCMD [\"postfix\", \"start-fg\"]\n"
        ));
        assert!(!starts("CMD [\"/run.sh\"]\n"));
        assert!(!starts("CMD supervisord -n\n"));
        assert!(!starts(""));
        assert!(!starts(
            "CMD postfix start-fg\nFROM debian:12\nRUN apt-get install -y postfix\n"
        ));
    }
}
