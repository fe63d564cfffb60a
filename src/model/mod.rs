//! One model of a Postfix setup: parameters after expansion and defaults, every table named from
//! main.cf with its entries, and the four address classes. `Model::load` is the one entry point.

pub mod alias_graph;
pub mod certs;
pub mod ciphers;
pub mod classes;
pub mod daemon_params;
pub mod data;
pub mod dbcf;
pub mod dnsbl;
pub mod docker_mailserver;
pub mod expand;
pub mod include;
pub mod list_files;
pub mod listen;
mod load;
pub mod master;
pub mod milter_servers;
pub mod mynetworks;
pub mod names;
pub mod net;
pub mod params;
pub mod paths;
pub mod patterns;
pub mod probed;
mod read;
pub mod relay;
pub mod resolve;
mod resolved_memo;
pub mod restrictions;
pub mod secrets;
pub mod tables;
pub mod tls;
pub mod unreferenced;
pub mod values;
pub mod version;

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::parse::assign::parse_assignments;
use crate::parse::list::split_list;
use crate::source::{FileId, Sources, Span};
use crate::template;
use classes::{AddressClass, ClassKind, Matching};
use expand::UNKNOWN;
pub(crate) use load::list_lines;
use load::{shell_spans, survey_unreferenced, Loader, ReadResult, SourceKinds};
use params::{Definition, Params};
use paths::{Locator, Mode};
use patterns::Substitution;
use tables::{KeyKind, Query, TableId, Tables};

/// The live configuration directory, linted when no directory is given.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/postfix";

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The configuration directory (default: /etc/postfix, or ROOT/etc/postfix with a sysroot).
    pub config_dir: Option<PathBuf>,
    /// A tree that mirrors `/`: every absolute path resolves under it.
    pub sysroot: Option<PathBuf>,
    /// The machine's host name to use when linting the live configuration (tests set it).
    pub hostname: Option<String>,
    /// Whether this is the machine's live configuration, where absolute paths are read as
    /// they are. None: it is when no sysroot is given and the directory is one of the places
    /// Postfix builds keep their configuration (/etc/postfix, /usr/local/etc/postfix, ...).
    /// Never decided by the linted files: a main.cf cannot make itself live.
    pub live: Option<bool>,
    /// Outside the live system, the directory nothing may be read outside of (`--discover`
    /// passes the repository). None: the repository holding the linted directory or sysroot,
    /// else that directory itself.
    pub confine_to: Option<PathBuf>,
    /// The Postfix release to lint for (`--postfix-version`, postlint.toml). None: the
    /// installed Postfix for the live configuration, else the newest release postlint knows.
    pub target: Option<version::Target>,
    /// The file read as main.cf, when it is not CONFIG_DIR/main.cf (a template found by
    /// `--discover`: `main.cf.j2`, `main.cf-el8.erb`).
    pub main_cf: Option<PathBuf>,
    /// main.cf is the text that the set-up script `main_cf` writes with the here-document
    /// whose command is on this line (`template::heredoc`), with the documents it appends; in
    /// a YAML file, the literal block whose key is on this line (`template::embedded`).
    pub main_cf_heredoc: Option<u32>,
    /// Variables the container's environment gives a script read that way (a Dockerfile's
    /// `ENV` names): a `$name` of them in its documents is the script's own.
    pub script_environment: Vec<String>,
    /// master.cf is the text that the set-up script `master_cf` writes with the here-document
    /// whose command is on this line.
    pub master_cf_heredoc: Option<u32>,
    /// The file read as master.cf, when it is not CONFIG_DIR/master.cf.
    pub master_cf: Option<PathBuf>,
    /// No main.cf goes with this master.cf (a role that ships only a master.cf template):
    /// master.cf is linted alone, every main.cf parameter unknown.
    pub main_cf_absent: bool,
    /// With `main_cf_absent`: the image's main.cf is emptied before the settings written
    /// (`RUN >/etc/postfix/main.cf && postconf -e ...`), so they are the whole file and every
    /// other parameter has its default, not an unknown value.
    pub main_cf_emptied: bool,
    /// main.cf is docker-mailserver's `postfix-main.cf`: settings the container appends to its
    /// image's main.cf, so every parameter it does not set is unknown; the directory is
    /// mounted at /tmp/docker-mailserver, so paths there resolve into it; and master.cf is
    /// the image's (the directory's postfix-master.cf holds `postconf -P` overrides), so
    /// master.cf is unknown.
    pub docker_mailserver: bool,
    /// main.cf is a drop-in that a container applies with `postconf -e` to its image's
    /// main.cf (a file mounted into `/etc/postfix/main.cf.d/`): every parameter it does not
    /// set is unknown, and master.cf is the image's.
    pub dropin: bool,
    /// main.cf is a fragment that a NixOS configuration (this `.nix` file, as the repository
    /// names it) appends to the main.cf its `services.postfix` module writes
    /// (`extraConfig = builtins.readFile ./postfix/main.cf`): as for a drop-in, every
    /// parameter it does not set is unknown (NixOS's own settings), and so is master.cf.
    pub nixos: Option<PathBuf>,
    /// A script of the repository adds master.cf services when the container or host is set
    /// up (`postconf -Me`, `>> /etc/postfix/master.cf`, `postfix upgrade-configuration`):
    /// which services master.cf defines is unknown.
    pub master_amended: bool,
    /// A Dockerfile of the repository copies the master.cf read to /etc/postfix/master.cf: it
    /// is the whole file master(8) reads, not a fragment to add to one.
    pub master_installed: bool,
    /// A script or task of the repository installs the main.cf read as /etc/postfix/main.cf
    /// (a Dockerfile's `COPY`, an Ansible `template`): it is the whole file, not lines to
    /// add to one ([`master::writes_a_whole_main_cf`]).
    pub main_installed: bool,
    /// main.cf parameters a script of the repository sets when the container or host is set
    /// up (`RUN postconf -e name=value`), with the script and line: their values are unknown
    /// (`scripts::Amendments::main_params`).
    pub script_params: Vec<(String, PathBuf, u32)>,
    /// Of `script_params`, those a Dockerfile sets to a value written out in full, after it
    /// copies this main.cf into the image (`scripts::Amendments::known_values`): known, and
    /// defined where the Dockerfile writes them.
    pub script_values: Vec<crate::scripts::ScriptValue>,
    /// A Dockerfile's `RUN postconf` arguments whose Postfix `$name` the shell expands
    /// (`scripts::ShellReference`), with the Dockerfile's path and kept text.
    pub script_shell_references: Vec<(
        PathBuf,
        std::sync::Arc<str>,
        Vec<crate::scripts::ShellReference>,
    )>,
    /// Text set-up scripts fill in in main.cf (`scripts::Amendments::main_placeholders`):
    /// the values that hold it are unknown.
    pub script_placeholders: Vec<(String, PathBuf, u32)>,
    /// Parameters a script sets with `postconf` (`scripts::Amendments::postconf_sets`), with
    /// the script and line: a deprecated one is reported there.
    pub script_sets: Vec<(String, PathBuf, u32)>,
    /// A script sets main.cf parameters whose names postlint cannot read: every parameter
    /// main.cf does not set is unknown.
    pub script_params_open: bool,
    /// The first script that makes `script_params_open`, to name it.
    pub script_params_open_by: Option<PathBuf>,
    /// main.cf is the base of those Puppet's concat assembles it from (`crate::puppet`): the
    /// other fragments are read as conditional parts of it.
    pub concat: Option<crate::puppet::Assembly>,
    /// Settings of other files (database .cf files) a script replaces with `sed -i
    /// 's/^key .*/.../'`: their values as written are not what runs.
    pub script_file_keys: std::collections::BTreeSet<String>,
    /// The lookup tables set-up scripts build (`postmap`, `newaliases`): their compiled
    /// files are made where the configuration is deployed.
    pub script_builds: crate::scripts::Builds,
    /// Text set-up scripts fill in in other files (`sed -i 's/HOST_IP/.../g'` on a database
    /// .cf), as patterns (`scripts::Amendments::file_placeholders`): the database .cf
    /// settings that hold it are replaced ([`DbSetting::replaced`]).
    pub script_file_placeholders: Vec<String>,
    /// Directories that hold the configuration's other files when they are not in
    /// CONFIG_DIR (an Ansible role's `files/` beside the `templates/` that holds main.cf.j2).
    pub other_dirs: Vec<PathBuf>,
    /// Files of the repository that Ansible tasks install at an absolute path, by that path
    /// (`template: src: postfix-virtual.j2 dest: /etc/postfix/virtual`): a table main.cf
    /// names by the path is read from the file (`scripts::Amendments::installed_files`).
    pub installed_files: Vec<(String, PathBuf)>,
    /// The image a Dockerfile of the repository builds with this main.cf in it (it copies
    /// main.cf to /etc/postfix/main.cf), with the Dockerfile's path: its distribution and
    /// packages (`crate::image`). None when no Dockerfile, or more than one, does.
    pub image: Option<(PathBuf, crate::image::Image)>,
    /// Port 25 of the container the one Dockerfile that installs main.cf builds, as the
    /// repository's compose files publish it on the host (`crate::compose`).
    pub published_smtp: Vec<crate::compose::Published>,
    /// Table types the repository builds into its own Postfix: a `dict_TYPE.c` source in it
    /// (a Dockerfile that patches in `dict_redis.c`). No Postfix release has them, and yet the
    /// repository's build does.
    pub built_map_types: Vec<String>,
    /// Parameter names the repository's own Postfix may register: the string literals of a
    /// Postfix source tree in it (`own_build::parameters`). Not reported as unknown.
    pub built_params: std::sync::Arc<std::collections::HashSet<String>>,
    /// `--template-vars`: the values a repository ships for its templates' variables.
    pub template_vars: Option<std::sync::Arc<template::Vars>>,
    /// With `--discover`: the `chmod` of the image's Dockerfile that takes other users' access
    /// to this main.cf (`scripts::Script::main_cf_chmod`).
    pub main_cf_chmod: Option<crate::scripts::ChmodAt>,
    /// With `--discover`: the modes Ansible tasks and Salt states give the files they install,
    /// where they agree (main.cf's for main-cf-unreadable, the database .cf files' for
    /// secret-readable).
    pub declared_modes: std::sync::Arc<Vec<crate::scripts::DeclaredMode>>,
    /// With `--discover`: what the repository's scripts, units and compose files say of milter
    /// sockets (`scripts::ScriptSockets`). None when no repository was looked at.
    pub script_sockets: Option<std::sync::Arc<crate::scripts::ScriptSockets>>,
}

/// The release the Postfix of the image a Dockerfile builds with this main.cf has, as the
/// target (`image::Image::postfix_release`): the base image's release packages it.
fn image_target(options: &LoadOptions) -> Option<version::Target> {
    let (dockerfile, image) = options.image.as_ref()?;
    let release = version::Release::parse(image.postfix_release()?)?;
    Some(version::Target {
        asked: release,
        origin: version::Origin::Image {
            dockerfile: crate::output::printable(
                &crate::scripts::lexical(dockerfile).to_string_lossy(),
            )
            .into_owned(),
            base: crate::output::printable(&image.base).into_owned(),
        },
    })
}

impl LoadOptions {
    /// The directory main.cf is read from: the one given, else ROOT/etc/postfix under a
    /// sysroot, else /etc/postfix.
    pub fn resolved_config_dir(&self) -> PathBuf {
        match (&self.config_dir, &self.sysroot) {
            (Some(dir), _) => dir.clone(),
            // The first of the places Postfix builds use that holds a main.cf (FreeBSD's
            // /usr/local/etc/postfix, ...), else etc/postfix.
            (None, Some(root)) => paths::KNOWN_CONFIG_DIRS
                .iter()
                .map(|d| root.join(d.trim_start_matches('/')))
                .find(|d| d.join("main.cf").is_file())
                .unwrap_or_else(|| root.join("etc/postfix")),
            (None, None) => PathBuf::from(DEFAULT_CONFIG_DIR),
        }
    }
}

/// Errors that stop the lint: there is no setup to model.
#[derive(Debug)]
pub enum LoadError {
    MainCfMissing(PathBuf),
    MainCfUnreadable(PathBuf, std::io::Error),
    /// main.cf is an unrendered template (Jinja, ERB).
    MainCfTemplate(PathBuf, template::Hit),
    /// main.cf is a link that leaves the linted tree (the tree's root is given).
    MainCfOutside(PathBuf, PathBuf),
    /// main.cf is encrypted, by the tool named (git-crypt, Ansible Vault...).
    MainCfEncrypted(PathBuf, &'static str),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::MainCfMissing(p) => {
                write!(f, "{}: no such file; ", p.display())?;
                let dir = p.parent().unwrap_or(Path::new("."));
                match wrong_target_hint(dir) {
                    Some(hint) => write!(f, "{hint}"),
                    None => write!(f, "is this a Postfix configuration directory?"),
                }
            }
            LoadError::MainCfUnreadable(p, e) => write!(f, "{}: cannot read: {e}", p.display()),
            LoadError::MainCfOutside(p, root) => write!(
                f,
                "{}: a link to a file outside the linted tree ({}); postlint reads nothing outside it",
                p.display(),
                root.display()
            ),
            LoadError::MainCfEncrypted(p, tool) => write!(
                f,
                "{}: encrypted with {tool}; postlint lints the decrypted configuration",
                p.display()
            ),
            LoadError::MainCfTemplate(p, hit) => write!(
                f,
                "{}:{}: {} is {} template syntax; postlint reads Postfix files, so lint the rendered configuration",
                p.display(),
                hit.line,
                hit.tag,
                hit.engine
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// What to run instead when `dir` holds no main.cf: the tree mirrors `/` (a sysroot), or
/// configurations sit further down (a repository).
fn wrong_target_hint(dir: &Path) -> Option<String> {
    let shown = dir.display();
    if let Some(known) = paths::KNOWN_CONFIG_DIRS.iter().find(|d| {
        dir.join(d.trim_start_matches('/'))
            .join("main.cf")
            .is_file()
    }) {
        return Some(format!(
            "{shown}{known}/main.cf exists: this tree mirrors /, so lint it with `postlint --sysroot {shown}`"
        ));
    }
    // A bounded look below: a repository of configurations wants --discover, and so does a
    // template of main.cf (an Ansible role's templates/main.cf.j2).
    let mut template = None;
    let below = crate::discover::tree_walker(dir)
        .max_depth(Some(6))
        .build()
        .filter_map(Result::ok)
        .take(20_000)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .any(|e| {
            let name = e.file_name().to_string_lossy();
            if template.is_none() && template::main_cf_in(&name).is_some() {
                template = Some(e.path().to_path_buf());
            }
            name == "main.cf"
        });
    if below {
        return Some(format!(
            "main.cf files sit further down: lint them all with `postlint --discover {shown}`"
        ));
    }
    template.map(|t| {
        let t = t.strip_prefix(dir).unwrap_or(&t).display().to_string();
        format!("{t} is a template of main.cf: lint it with `postlint --discover {shown}`")
    })
}

/// A `name = value` setting of a mysql/pgsql/sqlite/ldap/memcache .cf file.
#[derive(Clone, Debug)]
pub struct DbSetting {
    pub name: String,
    pub value: String,
    pub span: Span,
    pub line: u32,
    /// A set-up script of the repository replaces the value (`sed -i 's/^key .*/.../'` names
    /// the key, or `sed -i 's/HOST_IP/.../g'` fills in text it holds): it is not the value
    /// that runs.
    pub replaced: bool,
}

/// A main.cf line Postfix rejects or skips.
#[derive(Clone, Debug)]
pub struct BadLine {
    pub span: Span,
    pub line: u32,
    pub reason: String,
}

impl BadLine {
    /// The model's form of a line the parser set aside.
    pub fn from_parsed(bad: &crate::parse::assign::BadLine, file: FileId) -> BadLine {
        BadLine {
            span: bad.line.full_span(file),
            line: bad.line.line,
            reason: bad.reason.clone(),
        }
    }
}

/// The tables a `*_maps` parameter names, in order.
#[derive(Clone, Debug)]
pub struct MapsList {
    pub tables: Vec<TableId>,
    /// Some of the list could not be known (an unknown value, an item that is not a table).
    pub unknown: bool,
    /// What the programs that open the list make of `$number` rules in regexp and pcre tables.
    pub substitution: Substitution,
}

impl Default for MapsList {
    fn default() -> MapsList {
        MapsList {
            tables: Vec::new(),
            unknown: false,
            substitution: Substitution::Unknown,
        }
    }
}

/// Whether the programs that open a parameter's tables keep `$number` rules in regexp and pcre
/// tables: cleanup(8) and smtpd(8) do for the address maps; trivial-rewrite(8), local(8) and
/// virtual(8) open theirs with DICT_FLAG_NO_REGSUB and skip them. Unknown for the rest.
fn substitution_for(param: &str) -> Substitution {
    match param {
        "virtual_alias_maps"
        | "canonical_maps"
        | "sender_canonical_maps"
        | "recipient_canonical_maps"
        | "relay_recipient_maps" => Substitution::Allowed,
        "transport_maps"
        | "alias_maps"
        | "sender_dependent_relayhost_maps"
        | "sender_dependent_default_transport_maps" => Substitution::Skipped,
        _ => Substitution::Unknown,
    }
}

impl MapsList {
    /// Looks the whole key up in the list's tables in order; a miss in a partly unknown list
    /// is unknown.
    pub fn lookup(&self, tables: &Tables, key: &str) -> tables::Answer {
        self.query(tables, key, KeyKind::Full)
    }

    /// The same for a partial key (user@domain without its extension, a local part,
    /// `@domain`): regexp and pcre tables are not asked.
    pub fn lookup_partial(&self, tables: &Tables, key: &str) -> tables::Answer {
        self.query(tables, key, KeyKind::Partial)
    }

    /// Whether a regexp or pcre table is in the list (behind proxies and in unions).
    pub fn has_patterns(&self, tables: &Tables) -> bool {
        self.tables.iter().any(|&t| tables.answers_by_pattern(t))
    }

    pub fn query(&self, tables: &Tables, key: &str, kind: KeyKind) -> tables::Answer {
        let query = Query::new(key, kind, self.substitution);
        match tables.query_in(&self.tables, &query) {
            tables::Answer::NotFound if self.unknown => tables::Answer::Unknown,
            answer => answer,
        }
    }
}

/// The address class a domain resolves to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// The class, and what listed the domain there when known.
    Class(ClassKind, Option<Span>),
    /// In none of the classes: mail for it is relayed only if the client may relay.
    NoClass,
    /// An earlier class cannot be known, so neither can the answer.
    Unknown,
}

pub struct Model {
    pub sources: Sources,
    /// `$name` references a set-up script's here-document leaves to the shell
    /// (`template::heredoc`): where, in main.cf or master.cf as read, and the name.
    pub shell_references: Vec<(Span, String)>,
    /// `$name` references a Dockerfile's `RUN postconf` argument, or the text of its `RUN
    /// echo "..." >> main.cf`, leaves to the shell (`scripts::ShellReference`): where, the
    /// name, the parameter the argument sets, and whether echo writes it.
    pub postconf_shell_references: Vec<(Span, String, String, bool)>,
    pub locator: Locator,
    pub main_cf: FileId,
    /// Files a template of main.cf includes, read as parts of it (`include::read`).
    pub main_cf_parts: Vec<FileId>,
    pub params: Params,
    /// main.cf's lines Postfix cannot read, in file order.
    pub main_cf_bad_lines: Vec<BadLine>,
    /// main.cf lines that are one installer placeholder (`${POSTFIX_RELAYHOST_SASL}`): filled
    /// with whole lines before Postfix reads the file, so not bad lines.
    pub main_cf_placeholder_lines: Vec<u32>,
    pub tables: Tables,
    /// The tables each parameter names.
    pub maps: HashMap<String, MapsList>,
    /// The four address classes, in resolve order.
    pub classes: Vec<AddressClass>,
    /// master.cf (empty and unknown when there is none).
    pub master: master::MasterCf,
    /// Which names Postfix knows, and the `$name` references that name nothing.
    pub names: names::NameIndex,
    /// What was read, what was skipped and which tables are unknown, each once, for
    /// `--verbose`.
    pub notes: Vec<String>,
    /// Files that exist but could not be read; their tables are unknown.
    pub problems: Vec<String>,
    /// Files skipped as unrendered templates (Jinja, ERB); their tables are unknown. Shown
    /// without --verbose: the user should know that part of the setup went unchecked.
    pub templates: Vec<String>,
    /// How long each step of loading took, for `--verbose`.
    pub timings: Vec<(String, std::time::Duration)>,
    /// The `/file/name` items of the domain lists, and the shape of their lines.
    pub list_files: Vec<list_files::ListFile>,
    /// Words of list files written like tables (`example.com OK`) that Postfix takes for
    /// domains ("ok"): `list-file-looks-like-table` explains them, other rules pass them over.
    pub misread_domains: std::collections::HashSet<String>,
    /// The Postfix release the setup is linted for.
    pub target: version::Target,
    /// The older release main.cf's documentation paths name (`sample_directory =
    /// /usr/share/doc/postfix-2.10.1/samples`) when nothing else named one: evidence, not
    /// proof, of the release that runs it. Rules whose verdict differs between it and
    /// [`Model::target`] stay silent ([`Model::release_in_doubt`]).
    pub documented: Option<version::Target>,
    /// docker-mailserver's postfix-master.cf lines (`postconf -P`), in its mode only.
    pub docker_master: Vec<docker_mailserver::Override>,
    /// Scripts of the repository add master.cf services ([`LoadOptions::master_amended`]).
    pub master_amended: bool,
    /// master.cf is the whole file master(8) reads, not a fragment to add to one (a pipe
    /// service or two, "add this to your master.cf"): the live configuration, or one a
    /// Dockerfile copies to /etc/postfix/master.cf ([`LoadOptions::master_installed`]). A
    /// tree that mirrors / may hold a fragment too (a filter's `etc/postfix/master.cf` of
    /// lines to add).
    pub master_whole: bool,
    /// main.cf definitions a script replaces when the container or host is set up
    /// (`LoadOptions::script_params`), and where the parameters only scripts set stand (the
    /// end of main.cf, with no text): findings inside them are dropped (`lib.rs`), as on
    /// conditional template lines. Sorted; the spans do not overlap (the end-of-file ones are
    /// all the same empty span).
    pub(crate) script_spans: Vec<crate::source::Span>,
    /// Deprecated parameters a set-up script sets with `postconf` (`LoadOptions::script_sets`):
    /// the name, where the script writes it.
    pub script_deprecated: Vec<(String, crate::source::Span)>,
    /// `LoadOptions::script_builds`.
    pub script_builds: crate::scripts::Builds,
    /// How many main.cf parameters set-up scripts set (`LoadOptions::script_params`).
    pub script_params: usize,
    /// `/file/name` items of lists whose file is not where postlint may read.
    pub missing_list_files: Vec<MissingListFile>,
    /// The `/file/name` lists mynetworks values name, by name as written (None: unreadable);
    /// [`mynetworks::with_files`] reads them.
    pub network_lists: HashMap<String, Option<FileId>>,
    /// `type:name` tokens of `*_maps` parameters whose type no Postfix has.
    pub unknown_table_types: Vec<UnknownTableType>,
    /// `LoadOptions::built_map_types`.
    pub built_map_types: Vec<String>,
    /// `LoadOptions::image`, the Dockerfile's path as shown (`image/Dockerfile`).
    pub image: Option<(String, crate::image::Image)>,
    /// `LoadOptions::published_smtp`.
    pub published_smtp: Vec<crate::compose::Published>,
    /// main.cf's file mode, where modes are the server's (the live system, a system image
    /// outside git and not linted with --discover): `main-cf-unreadable`.
    pub main_cf_mode: Option<u32>,
    /// The mode the Ansible tasks or Salt states that install main.cf give it
    /// (`LoadOptions::main_cf_declared_mode`), with the mode's place in the task's file.
    pub main_cf_declared_mode: Option<DeclaredModeAt>,
    /// The Dockerfile `chmod` that takes other users' access to main.cf
    /// (`LoadOptions::main_cf_chmod`), with the command's place.
    pub main_cf_chmod: Option<(crate::scripts::ChmodEffect, String, Span)>,
    /// The modes Ansible tasks, Salt states or Chef resources (or etckeeper's metadata) give
    /// the lookup files that hold a password (`dbcf::secret_line`: database .cf files, relay
    /// password tables), by the file they install (`LoadOptions::declared_modes`).
    pub db_file_declared: HashMap<FileId, DeclaredModeAt>,
    /// Database lookup files (.cf) holding a password that an Ansible task or Salt state
    /// installs in a Postfix directory with a mode, and that no table of main.cf reads (its
    /// maps come from variables postlint does not know, say): the password is on the server
    /// whatever names the file. Each keeps only its password line as a source.
    pub installed_db_files: Vec<InstalledDbFile>,
    /// The milters' configuration files the tree holds where the milters read them, with
    /// `--discover` outside the live system (`milter_servers`).
    pub milter_servers: Vec<milter_servers::MilterServer>,
    /// `LoadOptions::script_sockets`.
    pub script_sockets: Option<std::sync::Arc<crate::scripts::ScriptSockets>>,
    /// Mode and owner of the lookup files that hold a password, and of the files postmap
    /// built from them (live or sysroot only).
    pub db_file_access: HashMap<FileId, dbcf::FileAccess>,
    /// Map sources in the configuration directory that nothing names, or why postlint cannot
    /// tell (a placeholder or template may name them).
    pub unreferenced: Result<Vec<unreferenced::Unreferenced>, String>,
    /// Relay verdicts of the smtpd processes in `smtpd_processes()` order, computed once
    /// (several rules and --show-config ask).
    pub(crate) relay_verdicts: std::sync::OnceLock<Vec<relay::Verdict>>,
    /// `values::nothing_leaves`, worked out once (open-relay and mynetworks-too-broad ask,
    /// and it may walk a transport table of 100k entries).
    pub(crate) nothing_leaves: std::sync::OnceLock<bool>,
    /// Whether transport_maps may send every virtual mailbox domain elsewhere, so that
    /// virtual(8) is never handed a message (values::programs_in_use), worked out once.
    pub(crate) virtual_bypassed: std::sync::OnceLock<bool>,
    /// The lines of the cidr tables the restriction model reads, parsed once.
    pub(crate) cidr_rules: std::sync::OnceLock<HashMap<TableId, Option<Vec<relay::CidrRule>>>>,
    /// What `--probe` did (None without it); the answers themselves are on the tables.
    pub probe: Option<probed::ProbeReport>,
    /// The class each domain of the class lists resolves to, worked out on the first ask
    /// (after `--probe`, whose answers add members).
    resolved: std::sync::OnceLock<resolved_memo::ResolvedMemo>,
}

/// A database lookup file installed with a declared mode that no table reads
/// ([`Model::installed_db_files`]).
#[derive(Clone, Debug)]
pub struct InstalledDbFile {
    /// Where the task installs it on the server.
    pub dest: String,
    /// Its password setting, on the one line kept of the file (the value marked secret).
    pub password: DbSetting,
    pub declared: DeclaredModeAt,
}

/// A file mode a task or state declares, where it is written.
#[derive(Clone, Debug)]
pub struct DeclaredModeAt {
    pub mode: u32,
    /// The group it gives the file, when written out.
    pub group: Option<String>,
    /// The mode's value in the task's or state's file.
    pub span: Span,
    /// "Ansible", "Salt", "Chef", "Puppet" or "etckeeper".
    pub tool: &'static str,
}

impl DeclaredModeAt {
    /// Ansible's reading of a mode written as a bare number (`mode: 644`), which it takes in
    /// decimal: the mode as written and as chmod gets it (` (Ansible reads `644` as a decimal
    /// number)`); empty for any other.
    pub fn decimal_note(&self, sources: &Sources) -> String {
        let written = sources.slice(self.span).trim();
        match self.tool == "Ansible" && crate::scripts::ansible_decimal_mode(written) {
            true => format!(" (Ansible reads `{written}` as a decimal number)"),
            false => String::new(),
        }
    }

    /// What declares it: "Ansible task" or "Salt state".
    pub fn installer(&self) -> &'static str {
        match self.tool {
            "Salt" => "Salt state",
            "Chef" => "Chef resource",
            "Puppet" => "Puppet file resource",
            "etckeeper" => "etckeeper metadata",
            _ => "Ansible task",
        }
    }

    /// A mode of 0640 and the group postfix, written as the installer writes them.
    /// The words for a mode only root may read (a relay password table's), in the tool's
    /// terms.
    pub fn root_only_mode(&self) -> &'static str {
        match self.tool {
            "Chef" => "`mode '0600'`",
            "Puppet" => "`mode => '0600'`",
            _ => "`mode: '0600'`",
        }
    }

    pub fn private_mode(&self) -> &'static str {
        match self.tool {
            "Chef" => "`mode '0640'` and `group 'postfix'`",
            "Puppet" => "`mode => '0640'` and `group => 'postfix'`",
            _ => "`mode: '0640'` and `group: postfix`",
        }
    }
}

/// A `type:name` in a table parameter whose type postlint does not know as a table type, or
/// a table written without a type (`/etc/postfix/transport`: `kind` is empty).
#[derive(Clone, Debug)]
pub struct UnknownTableType {
    pub kind: String,
    pub token: String,
    pub param: String,
    pub span: Option<Span>,
}

/// A `/file/name` list item whose file does not exist.
#[derive(Clone, Debug)]
pub struct MissingListFile {
    /// Where the file would be, inside what postlint may read.
    pub path: PathBuf,
    /// The path as messages show it.
    pub display: String,
    /// The path as the list writes it.
    pub written: String,
    pub param: String,
    /// The item, or the reference that brings it in.
    pub span: Option<Span>,
}

/// Parameters whose tables Postfix writes itself (caches) or that only list other parameters'
/// tables (proxymap permissions): they name no table to lint.
fn names_no_lookup_table(name: &str) -> bool {
    matches!(
        name,
        "proxy_read_maps" | "proxy_write_maps" | "address_verify_map" | "postscreen_cache_map"
    ) || name.ends_with("_tls_session_cache_database")
        || name.ends_with("_cache_database")
}

/// Tables in these parameters are aliases(5) files, compiled with postalias.
pub fn is_alias_param(name: &str) -> bool {
    matches!(name, "alias_maps" | "alias_database")
}

fn machine_hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim_ascii().to_string())
        .find(|s| !s.is_empty())
}

impl Model {
    /// Whether main.cf names a Postfix 2.x release in its documentation paths while the setup
    /// is linted for the newest one ([`Model::documented`]): 2.x has no compatibility_level
    /// and its defaults stop relaying, so what level 0 does on Postfix 3 may not happen.
    pub fn release_in_doubt(&self) -> bool {
        self.documented
            .as_ref()
            .is_some_and(|d| d.asked < version::Release::new(3, 0))
    }

    pub fn load(options: &LoadOptions) -> Result<Model, LoadError> {
        let started = std::time::Instant::now();
        let config_dir = options.resolved_config_dir();
        let main_cf_path = options
            .main_cf
            .clone()
            .unwrap_or_else(|| config_dir.join("main.cf"));
        // Live or not is decided by how postlint was called, never by what main.cf says.
        let live = options.sysroot.is_none()
            && options.live.unwrap_or_else(|| {
                let linted = std::fs::canonicalize(&config_dir).ok();
                linted.is_some()
                    && paths::KNOWN_CONFIG_DIRS
                        .iter()
                        .any(|d| std::fs::canonicalize(d).ok() == linted)
            });
        let root = (!live).then(|| match &options.confine_to {
            Some(dir) => std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()),
            None => paths::confinement_root(options.sysroot.as_ref().unwrap_or(&config_dir)),
        });
        // In a system image, links resolve as on the imaged system (paths::in_root).
        let main_cf_real = match &options.sysroot {
            Some(sysroot) => paths::in_root(sysroot, &main_cf_path),
            None => main_cf_path.clone(),
        };
        if let Some(root) = &root {
            if !paths::is_inside(root, &main_cf_real) {
                return Err(LoadError::MainCfOutside(main_cf_path, root.clone()));
            }
        }
        // Read as every other file is: one way to decode, date and look for template tags.
        let outcome = match (options.main_cf_absent, options.main_cf_heredoc) {
            (true, _) => Ok(read::ReadFile::empty()),
            (false, Some(command)) => read::read_heredoc(
                &main_cf_real,
                command,
                template::Kind::MainCf,
                &options.script_environment,
                options.template_vars.as_deref(),
            ),
            (false, None) => read::read_with_holes(
                &main_cf_real,
                template::Kind::MainCf,
                options.template_vars.as_deref(),
            ),
        };
        let file = match outcome {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(LoadError::MainCfMissing(main_cf_path))
            }
            Err(e) => return Err(LoadError::MainCfUnreadable(main_cf_path, e)),
        };
        let mut sources = Sources::default();
        let mut template_notes = Vec::new();
        let mut main_shell_references = Vec::new();
        let mut open_ended = false;
        let mut included: Vec<include::Include> = Vec::new();
        // Where included files are searched: up to the repository (or main.cf's directory).
        let bound: PathBuf = options
            .confine_to
            .clone()
            .unwrap_or_else(|| main_cf_real.parent().unwrap_or(Path::new("")).into());
        let display = main_cf_path.to_string_lossy().into_owned();
        if let Some(tool) = crate::fsread::encrypted_by(file.lines.text()) {
            return Err(LoadError::MainCfEncrypted(main_cf_path, tool));
        }
        let main_cf = match file {
            read::ReadFile {
                lines,
                modified,
                holes: Some(holes),
                ..
            } => {
                let (source, mut holed) = *holes;
                // `{% include 'main.cf.d/tls.j2' %}`: the files found in the tree are read
                // as parts of main.cf; only the others are unknown.
                included = include::resolve(&main_cf_real, &bound, root.as_deref(), &mut holed);
                template_notes = template::notes(&display, source.engine, &holed);
                open_ended = holed.is_open_ended();
                let id = sources.add_indexed(main_cf_path.clone(), display, lines, modified);
                main_shell_references = shell_spans(id, &source, &holed);
                sources.set_template(id, source);
                id
            }
            read::ReadFile {
                template: Some(hit),
                ..
            } => return Err(LoadError::MainCfTemplate(main_cf_path, hit)),
            read::ReadFile {
                lines, modified, ..
            } => sources.add_indexed(main_cf_path.clone(), display, lines, modified),
        };
        let main_text = sources.get(main_cf).text().clone();
        // A main.cf that says it is an excerpt, lines to add to the distribution's main.cf
        // (`# APPEND THE FOLLOWING TO /etc/postfix/main.cf`) or a copy with lines left out
        // (`...`): the parameters it does not set are the full file's.
        if let Some((line, marker)) = params::excerpt_marker(&main_text) {
            open_ended = true;
            template_notes.push(format!(
                "unknown: {} is an excerpt of a main.cf (line {line}: `{marker}`): the \
                 parameters it does not set are the full file's, which postlint cannot see",
                sources.get(main_cf).display_path
            ));
        }
        // The other fragments Puppet's concat assembles main.cf from, before or after it by
        // their order: conditional, as the classes that declare them may not be included.
        if let Some(concat) = &options.concat {
            let part = |(path, manifest): &(PathBuf, PathBuf), line: u32| include::Include {
                line,
                conditional: true,
                path: crate::scripts::lexical(path),
                via: Some(format!(
                    "a fragment Puppet's concat adds to it, declared in {}",
                    crate::scripts::lexical(manifest).display()
                )),
            };
            let before = concat.before.iter().map(|f| part(f, 0));
            let after = concat.after.iter().map(|f| part(f, u32::MAX - 1));
            included = before.chain(included).chain(after).collect();
            if !concat.unread.is_empty() {
                open_ended = true;
                let manifests: Vec<String> = concat
                    .unread
                    .iter()
                    .map(|m| crate::scripts::lexical(m).display().to_string())
                    .collect();
                template_notes.push(format!(
                    "unknown: Puppet's concat assembles main.cf from fragments, and what {} \
                     adds is no template in the tree (a variable, a line per parameter): the \
                     parameters main.cf does not set may have any value",
                    manifests.join(", ")
                ));
            }
        }
        // The included parts, read as templates of main.cf: their lines count where the
        // include stands.
        let parts = include::Reader {
            main_cf: &main_cf_real,
            bound: &bound,
            root: root.as_deref(),
            sources: &mut sources,
            notes: &mut template_notes,
            open_ended: &mut open_ended,
            vars: options.template_vars.as_deref(),
        }
        .read(included);

        let mut params = Params::default();
        if open_ended
            || options.docker_mailserver
            || options.dropin
            || options.nixos.is_some()
            || options.script_params_open
        {
            params.set_open_ended();
        } else if options.main_cf_absent && !options.main_cf_emptied {
            // The image's package main.cf: where postlint knows what it may set, the other
            // parameters have their defaults.
            let package = options
                .image
                .as_ref()
                .and_then(|(_, image)| image.package_main_cf_params());
            match package {
                Some(names) => params.set_open_ended_only(names),
                None => params.set_open_ended(),
            }
        }
        if options.script_params_open {
            let script = match &options.script_params_open_by {
                Some(path) => {
                    crate::output::printable(&crate::scripts::lexical(path).to_string_lossy())
                        .into_owned()
                }
                None => "a script of the repository".to_string(),
            };
            template_notes.push(format!(
                "unknown: {script} sets main.cf parameters whose names postlint cannot read (a \
                 `postconf -e \"$line\"`, an echo or here-document of lines it cannot read): \
                 the parameters main.cf does not set may have any value"
            ));
        }
        if let Some(nix) = &options.nixos {
            template_notes.push(format!(
                "unknown: {} is appended by {} to the main.cf that NixOS's services.postfix \
                 writes: the parameters it does not set, and master.cf, are NixOS's, which \
                 postlint cannot see",
                sources.get(main_cf).display_path,
                crate::output::printable(&nix.to_string_lossy())
            ));
        }
        if options.dropin {
            template_notes.push(format!(
                "unknown: {} is a drop-in that the container applies with `postconf -e` to its \
                 image's main.cf: the parameters it does not set, and master.cf, are the \
                 image's, which postlint cannot see",
                sources.get(main_cf).display_path
            ));
        }
        if options.docker_mailserver && options.main_cf_absent {
            template_notes.push(
                "unknown: main.cf and master.cf are docker-mailserver's image's, which postlint \
                 cannot see; the lines of postfix-master.cf are checked as its start script \
                 applies them"
                    .to_string(),
            );
        } else if options.docker_mailserver {
            template_notes.push(format!(
                "unknown: {} holds docker-mailserver's overrides, which the container appends \
                 to its image's main.cf: the parameters it does not set, and master.cf, are \
                 the image's, which postlint cannot see",
                sources.get(main_cf).display_path
            ));
        }
        let parsed = parse_assignments(&main_text);
        let mut main_cf_parts: Vec<FileId> = Vec::new();
        for part in &parts {
            part.files(&mut main_cf_parts);
        }
        let part_texts: Vec<(FileId, _)> = main_cf_parts
            .iter()
            .map(|&file| (file, sources.get(file).text().clone()))
            .collect();
        let part_parsed: HashMap<FileId, _> = part_texts
            .iter()
            .map(|(file, text)| (*file, parse_assignments(text)))
            .collect();
        // Every assignment in the order Postfix reads them: main.cf's, with each included
        // part's where its include stands (conditional when the include is), and so on down.
        let mut ordered: Vec<(&crate::parse::assign::Assignment, FileId, bool)> = Vec::new();
        include::interleave(
            &parsed.assignments,
            main_cf,
            false,
            &parts,
            &part_parsed,
            &mut ordered,
        );
        let script_set: std::collections::HashSet<&str> = options
            .script_params
            .iter()
            .map(|(name, _, _)| name.as_str())
            .collect();
        // Definitions a script replaces, and those only a script makes: no finding there.
        let mut script_spans = Vec::new();
        // A script's path as notes show it: inside the repository linted with --discover.
        let in_repository = |path: &'_ PathBuf| -> PathBuf {
            options
                .confine_to
                .as_ref()
                .and_then(|root| path.strip_prefix(root).ok())
                .unwrap_or(path)
                .to_path_buf()
        };
        // Text a script fills in (`sed -i 's/dummy.example.org/'"$FQDN"'/g' main.cf`).
        let placeholders: Vec<(regex::Regex, &(String, PathBuf, u32))> = options
            .script_placeholders
            .iter()
            .filter_map(|p| Some((regex::Regex::new(&p.0).ok()?, p)))
            .collect();
        for &(a, file, part_conditional) in &ordered {
            let mut definition = Definition::from_assignment(a, file);
            let filled = placeholders
                .iter()
                .find(|(pattern, _)| pattern.is_match(&definition.value));
            if let Some((_, (_, path, line))) = filled {
                let shown = in_repository(path);
                template_notes.push(format!(
                    "unknown: {}:{}: {} holds text {}:{line} fills in when the container or \
                     host is set up: its value is unknown",
                    sources.get(file).display_path,
                    definition.line,
                    definition.name,
                    shown.display()
                ));
            }
            let by_script = script_set.contains(definition.name.as_str()) || filled.is_some();
            definition.conditional = sources.get(file).is_conditional(definition.name_span.start)
                || part_conditional
                || by_script;
            if by_script {
                script_spans.push(crate::source::Span {
                    end: definition.value_span.end,
                    ..definition.name_span
                });
            }
            params.add(definition);
        }
        // A line that is no setting but text a script fills in (`hostnamereplace`, which
        // `sed -i "s/hostnamereplace/myhostname = $NAME/"` makes a setting): not what
        // Postfix reads, so no finding there (survey AC1, plastboks/Postquick).
        if !placeholders.is_empty() {
            let mut start = 0;
            for (number, line) in main_text.split_inclusive('\n').enumerate() {
                let code = line.trim_end();
                let setting_like =
                    code.contains('=') || code.is_empty() || code.starts_with(['#', ' ', '\t']);
                let filled = (!setting_like)
                    .then(|| placeholders.iter().find(|(p, _)| p.is_match(code)))
                    .flatten();
                if let Some((_, (_, path, at))) = filled {
                    let number = number + 1;
                    template_notes.push(format!(
                        "unknown: {}:{number}: {}:{at} fills in text on this line when the \
                         container or host is set up: what Postfix reads there is unknown",
                        sources.get(main_cf).display_path,
                        in_repository(path).display(),
                    ));
                    script_spans.push(crate::source::Span::new(main_cf, start, start + code.len()));
                }
                start += line.len();
            }
        }
        // What a script sets and main.cf does not (Postfix's names and the setup's own, which
        // `$name` may refer to): set, to a value postlint cannot know. The definition stands
        // at the end of main.cf, with no text.
        let end = main_text.len();
        let end_span = crate::source::Span::new(main_cf, end, end);
        let after_last_line = main_text.lines().count() as u32 + 1;
        // One note per setting, up to a bound: a script may write thousands.
        const NOTED: usize = 50;
        // What a Dockerfile sets to a value written out in full: defined where it writes it,
        // after main.cf's own line (Postfix uses the last), each Dockerfile read as a source
        // once.
        let mut known: std::collections::HashMap<&str, &crate::scripts::ScriptValue> =
            std::collections::HashMap::new();
        let mut script_files: std::collections::HashMap<&Path, FileId> =
            std::collections::HashMap::new();
        for value in &options.script_values {
            known.insert(value.literal.name.as_str(), value);
        }
        let mut literal_definitions = Vec::new();
        for (name, _, _) in &options.script_params {
            let Some(value) = known.get(name.as_str()) else {
                continue;
            };
            let file = *script_files.entry(value.path.as_path()).or_insert_with(|| {
                // Shown as main.cf is (`image/Dockerfile`, not `./image/Dockerfile`).
                let shown = crate::scripts::lexical(&value.path);
                sources.add(
                    value.path.clone(),
                    shown.to_string_lossy().into_owned(),
                    value.text.to_string(),
                    None,
                )
            });
            let literal = &value.literal;
            // A password table's value, or a Spamhaus DQS key, is never shown.
            let secret = secrets::is_secret_table_param(name)
                || literal
                    .value
                    .to_ascii_lowercase()
                    .contains(".dq.spamhaus.net");
            let when = if crate::scripts::is_dockerfile_path(&value.path) {
                "when the image is built"
            } else if crate::scripts::is_task_file(&value.path) {
                "when the task runs"
            } else if options.image.is_some() {
                "when the image runs it"
            } else {
                "when the script runs"
            };
            template_notes.push(format!(
                "{name} is set by {}:{} {when}: {name} = {}",
                in_repository(&value.path).display(),
                literal.line,
                match secret {
                    true => "(not shown: it may hold a secret)".into(),
                    false => crate::output::printable(&literal.value),
                }
            ));
            literal_definitions.push(Definition {
                name: name.clone(),
                file,
                line: literal.line,
                name_span: crate::source::Span::new(
                    file,
                    literal.name_at,
                    literal.name_at + name.len(),
                ),
                value: literal.value.clone(),
                value_span: crate::source::Span::new(
                    file,
                    literal.value_at,
                    literal.value_at + literal.value.len(),
                ),
                value_offset: 0,
                map: crate::parse::logical::OffsetMap::Single(literal.value_at as u32),
                conditional: false,
            });
        }
        // The `$name` a Dockerfile's postconf argument leaves to the shell, in the same
        // source as the Dockerfile's values.
        let mut postconf_shell_references = Vec::new();
        for (path, text, references) in &options.script_shell_references {
            let file = *script_files.entry(path.as_path()).or_insert_with(|| {
                let shown = crate::scripts::lexical(path);
                sources.add(
                    path.clone(),
                    shown.to_string_lossy().into_owned(),
                    text.to_string(),
                    None,
                )
            });
            for r in references {
                postconf_shell_references.push((
                    crate::source::Span::new(file, r.at.start, r.at.end),
                    r.name.clone(),
                    r.setting.clone(),
                    r.echo,
                ));
            }
        }
        let unknown_params: Vec<&(String, PathBuf, u32)> = options
            .script_params
            .iter()
            .filter(|(name, _, _)| !known.contains_key(name.as_str()))
            .collect();
        for (i, (name, path, line)) in unknown_params.iter().copied().enumerate() {
            match i.cmp(&NOTED) {
                std::cmp::Ordering::Less => {
                    let shown = in_repository(path);
                    let when = match crate::scripts::is_dockerfile_path(path) {
                        true => "when the image is built",
                        false => "when the container or host is set up",
                    };
                    template_notes.push(format!(
                        "unknown: {name} is set by {}:{line} {when}: its value is unknown",
                        shown.display()
                    ))
                }
                std::cmp::Ordering::Equal => template_notes.push(format!(
                    "unknown: {} more parameters are set by set-up scripts",
                    unknown_params.len() - NOTED
                )),
                std::cmp::Ordering::Greater => {}
            }
            if params.is_set(name) {
                continue;
            }
            if script_spans.last() != Some(&end_span) {
                script_spans.push(end_span);
            }
            params.add(Definition {
                name: name.clone(),
                file: main_cf,
                line: after_last_line,
                name_span: end_span,
                value: String::new(),
                value_span: end_span,
                value_offset: 0,
                map: crate::parse::logical::OffsetMap::Single(end as u32),
                conditional: true,
            });
        }
        let unknown_params = unknown_params.len();
        // A deprecated parameter a script sets with postconf: reported on the script's line
        // (the Dockerfile's literals are definitions already). Each script read once.
        let mut script_deprecated = Vec::new();
        for (name, path, line) in &options.script_sets {
            if known.contains_key(name.as_str()) || names::deprecation(name).is_none() {
                continue;
            }
            let file = match script_files.get(path.as_path()) {
                Some(&file) => file,
                None => {
                    // As the scan read it: a regular file (not a link) of at most 1 MB.
                    let small_file = std::fs::symlink_metadata(path)
                        .is_ok_and(|m| m.is_file() && m.len() <= 1 << 20);
                    let Some(text) = small_file
                        .then(|| crate::fsread::read_text(path).ok())
                        .flatten()
                    else {
                        continue;
                    };
                    let shown = crate::scripts::lexical(path);
                    let file = sources.add(
                        path.clone(),
                        shown.to_string_lossy().into_owned(),
                        text,
                        None,
                    );
                    script_files.insert(path.as_path(), file);
                    file
                }
            };
            let source = sources.get(file);
            let text = source.text();
            let line_start = source.lines.line_start((*line as usize).saturating_sub(1));
            let line_end = memchr::memchr(b'\n', &text.as_bytes()[line_start..])
                .map_or(text.len(), |i| line_start + i);
            let line_text = &text[line_start..line_end];
            let at = line_text.match_indices(name.as_str()).find(|(i, _)| {
                let before = line_text[..*i].chars().next_back();
                let after = line_text[i + name.len()..].chars().next();
                !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if let Some((i, _)) = at {
                let start = line_start + i;
                script_deprecated.push((
                    name.clone(),
                    crate::source::Span::new(file, start, start + name.len()),
                ));
            }
        }
        for definition in literal_definitions {
            params.add(definition);
        }
        // A line that is one installer placeholder (`${POSTFIX_RELAYHOST_SASL}`, filled by
        // envsubst with whole lines): it may set any parameter, like a template's insert.
        let mut main_cf_bad_lines = Vec::new();
        let mut main_cf_placeholder_lines = Vec::new();
        for bad in &parsed.bad_lines {
            let text = bad.line.text.trim_ascii();
            if !bad.line.indented && crate::parse::placeholder::is_whole(text) {
                params.set_open_ended();
                main_cf_placeholder_lines.push(bad.line.line);
                template_notes.push(format!(
                    "unknown: {}:{}: {} is a placeholder on a line of its own: it may set \
                     parameters postlint cannot see",
                    sources.get(main_cf).display_path,
                    bad.line.line,
                    crate::output::printable(text)
                ));
                continue;
            }
            // `...` or `.....` alone: lines left out of an excerpt (`params::excerpt_marker`,
            // which makes main.cf open-ended), not a line of it.
            if !bad.line.indented && params::is_elision(text) {
                main_cf_placeholder_lines.push(bad.line.line);
                continue;
            }
            main_cf_bad_lines.push(BadLine::from_parsed(bad, main_cf));
        }
        debug_assert!(
            main_cf_bad_lines.is_sorted_by_key(|b: &BadLine| b.span.start),
            "main.cf's bad lines are in file order"
        );

        // Where is this setup's config_directory? Paths under it map into the linted directory.
        params.settle_host_values(None);
        let mut postfix_config_dirs: Vec<String> = match params.param("config_directory").known() {
            Some(dir) if dir.starts_with('/') => vec![dir.to_string()],
            _ => paths::KNOWN_CONFIG_DIRS
                .iter()
                .map(|d| d.to_string())
                .collect(),
        };
        // docker-mailserver mounts its configuration directory there.
        if options.docker_mailserver {
            postfix_config_dirs.push("/tmp/docker-mailserver".to_string());
        }
        let mode = match (&options.sysroot, live) {
            (Some(root), _) => Mode::Sysroot(root.clone()),
            (None, true) => Mode::Live,
            (None, false) => Mode::Tree,
        };
        if mode == Mode::Live {
            let hostname = options.hostname.clone().or_else(machine_hostname);
            params.settle_host_values(hostname.as_deref());
        }
        let mut learnt = Vec::new();
        if mode == Mode::Tree {
            let values: Vec<String> = params
                .defined_names()
                .into_iter()
                .map(|name| params.expand(name).text)
                .collect();
            learnt = paths::learn_config_dirs(
                &config_dir,
                &postfix_config_dirs,
                values.iter().flat_map(|v| paths::named_paths(v)),
            );
            postfix_config_dirs.extend(learnt.iter().cloned());
        }
        let master_cf_path = options
            .master_cf
            .clone()
            .unwrap_or_else(|| config_dir.join("master.cf"));
        let locator = Locator {
            config_dir,
            postfix_config_dirs,
            mode,
            root,
            other_dirs: options.other_dirs.clone(),
            installed: options.installed_files.clone(),
        };
        let mut loader = Loader {
            sources,
            locator,
            master_cf_path,
            template_vars: options.template_vars.clone(),
            tables: Tables::default(),
            notes: template_notes,
            problems: Vec::new(),
            templates: Vec::new(),
            files: HashMap::new(),
            pending: Vec::new(),
            source_kinds: SourceKinds::default(),
            list_seen: std::collections::HashSet::new(),
            list_files: Vec::new(),
            missing_list_files: Vec::new(),
            network_lists: HashMap::new(),
            unknown_table_types: Vec::new(),
            replaced_keys: options.script_file_keys.clone(),
            filled_in: options
                .script_file_placeholders
                .iter()
                .filter_map(|p| regex::Regex::new(p).ok())
                .collect(),
            shell_references: main_shell_references,
            postconf_shell_references,
        };
        loader.files.insert(main_cf_path, ReadResult::Read(main_cf));
        for dir in learnt {
            loader.notes.push(format!(
                "paths under {dir} resolve into {}: main.cf names files there that sit beside it",
                loader.locator.config_dir.display()
            ));
        }

        if let Some((dockerfile, image)) = &options.image {
            let shown = crate::scripts::lexical(dockerfile);
            let packages = match &image.packages {
                Some(p) if p.is_empty() => "installs no package".to_string(),
                Some(p) => format!(
                    "installs {}",
                    p.iter().take(20).cloned().collect::<Vec<_>>().join(" ")
                ),
                None => match image.unread_run {
                    Some(line) => format!(
                        "runs commands at line {line} that postlint does not read, so which \
                         packages it installs is unknown"
                    ),
                    None => "installs packages postlint cannot read".to_string(),
                },
            };
            let what = match options.main_cf_absent {
                true => "configures the main.cf of",
                false => "copies main.cf into",
            };
            loader.notes.push(format!(
                "{} {what} an image FROM {} ({}), and {packages}",
                shown.display(),
                crate::output::printable(&image.base),
                image.distro.name()
            ));
            if params.open_names().is_some() {
                loader.notes.push(format!(
                    "the package main.cf of {} sets only what Debian 12's postfix package \
                     writes (main.cf.debian, main.cf.tls, its postinst's debconf answers): \
                     the parameters outside those have their defaults",
                    crate::output::printable(&image.base)
                ));
            }
        }

        // A main.cf --discover finds that sets none of what a whole main.cf sets (who the
        // server is, its networks, the stock file's lines, what it delivers), and that nothing
        // installs whole: lines to add to the distribution's main.cf, as guides and notes
        // give them. The parameters it does not set are the host's, unknown here.
        // Only where --discover found it: a directory named on the command line is the
        // configuration the user says it is.
        let whole_main = live
            || options.confine_to.is_none()
            || options.main_installed
            || loader.locator.mode.is_system_image()
            || params.is_open_ended()
            || options.script_params_open;
        if !whole_main
            && !params.definitions().is_empty()
            && !master::writes_a_whole_main_cf(&params)
        {
            params.set_open_ended();
            loader.notes.push(format!(
                "unknown: {} sets none of the parameters a whole main.cf sets (myhostname, \
                 mydestination, inet_interfaces, compatibility_level, ...) and nothing here \
                 installs it whole: lines to add to a main.cf, whose other parameters may have \
                 any value",
                loader.sources.get(main_cf).display_path
            ));
        }

        // master.cf: the services and their -o overrides.
        let master_cf_path = loader.master_cf_path.clone();
        let master_outside = loader
            .locator
            .root
            .as_ref()
            .is_some_and(|root| !paths::is_inside(root, &master_cf_path));
        if master_outside {
            loader.notes.push(format!(
                "skipped {}: a link to a file outside the linted tree",
                master_cf_path.display()
            ));
        }
        let master_read = if master_outside {
            ReadResult::Failed
        } else if options.docker_mailserver || options.dropin || options.nixos.is_some() {
            ReadResult::Missing
        } else if let Some(command) = options.master_cf_heredoc {
            let real = match &loader.locator.mode {
                Mode::Sysroot(root) => paths::in_root(root, &master_cf_path),
                _ => master_cf_path.clone(),
            };
            let outcome = read::read_heredoc(
                &real,
                command,
                template::Kind::MasterCf,
                &options.script_environment,
                options.template_vars.as_deref(),
            );
            loader.record_read(&master_cf_path, &master_cf_path.to_string_lossy(), outcome)
        } else {
            loader.read_as(
                &master_cf_path,
                &master_cf_path.to_string_lossy(),
                Some(template::Kind::MasterCf),
            )
        };
        let master = match master_read {
            ReadResult::Read(file) => {
                let source = loader.sources.get(file);
                let mut master = master::MasterCf::parse(file, &source.text().clone());
                if let Some(template) = &source.template {
                    master.open_ended |= template.open_ended;
                    for def in master.services.iter_mut().flat_map(|s| &mut s.overrides) {
                        def.conditional = source.is_conditional(def.name_span.start);
                    }
                }
                // Empty, or comments only: no Postfix runs with it (nothing would pick up,
                // queue or deliver mail), so it is not the master.cf that is deployed (a
                // cookbook's empty master.cf.erb that no recipe installs): as if absent.
                let no_service = master.services.is_empty()
                    && master.bad_lines.is_empty()
                    && master.placeholders.is_empty()
                    && !master.open_ended;
                if no_service {
                    loader.notes.push(format!(
                        "{} defines no service: taken as absent (Postfix's own master.cf)",
                        source.display_path
                    ));
                    master::MasterCf::default()
                } else {
                    let whole = live
                        || options.confine_to.is_none()
                        || options.master_installed
                        || loader.locator.mode.is_system_image();
                    if !whole && master::is_fragment(&master) {
                        master.open_ended = true;
                        loader.notes.push(format!(
                            "unknown: {} defines none of the services every Postfix runs \
                             (cleanup, qmgr, trivial-rewrite, bounce): lines to add to a \
                             master.cf, whose other services postlint cannot see",
                            source.display_path
                        ));
                    }
                    master
                }
            }
            _ => master::MasterCf::default(),
        };
        // docker-mailserver: the `postconf -P` lines beside postfix-main.cf.
        let mut docker_master = Vec::new();
        if options.docker_mailserver {
            let path = loader.locator.config_dir.join("postfix-master.cf");
            let inside = loader
                .locator
                .root
                .as_ref()
                .is_none_or(|root| paths::is_inside(root, &path));
            if inside && path.symlink_metadata().is_ok() {
                if let ReadResult::Read(file) = loader.read_as(&path, &path.to_string_lossy(), None)
                {
                    let text = loader.sources.get(file).text().clone();
                    docker_master = docker_mailserver::parse(file, &text);
                }
            }
        }
        let mut master = master;
        let disable = params.expand("master_service_disable");
        let known = disable.errors.is_empty() && !disable.text.contains(UNKNOWN);
        master.set_disable(known.then_some(disable.text.as_str()));
        let mut name_index = names::NameIndex::build(&params, &master);
        name_index.built = options.built_params.clone();
        let placeholder_lines = name_index
            .placeholders
            .iter()
            .map(|p| {
                (
                    p.span.file,
                    p.line,
                    format!(
                        "{} in {} is an installer placeholder; rules treat the value as unknown",
                        p.marker, p.in_param
                    ),
                )
            })
            .chain(
                master
                    .placeholders
                    .iter()
                    .filter_map(|(line, marker, whole_line)| {
                        let what = match whole_line {
                            true => {
                                "is an installer placeholder on a line of its own: it may \
                                     define services postlint cannot see"
                            }
                            false => {
                                "in a service field is an installer placeholder; rules \
                                      treat the value as unknown"
                            }
                        };
                        Some((master.file?, *line, format!("{marker} {what}")))
                    }),
            );
        for (file, line, what) in placeholder_lines.collect::<Vec<_>>() {
            let source = loader.sources.get(file);
            // A template's holes are its expressions, which its own note lists.
            if source.template.is_some() {
                continue;
            }
            let path = &source.display_path;
            loader.notes.push(format!("unknown: {path}:{line}: {what}"));
        }

        // Tables named in parameters (the class parameters are read as match lists below).
        let class_params: Vec<&str> = ClassKind::RESOLVE_ORDER.iter().map(|k| k.param()).collect();
        let mut table_params: Vec<String> = params
            .defined_names()
            .into_iter()
            .map(String::from)
            .collect();
        for extra in [
            "alias_maps",
            "alias_database",
            "virtual_alias_maps",
            "virtual_mailbox_maps",
        ] {
            if !table_params.iter().any(|n| n == extra) {
                table_params.push(extra.to_string());
            }
        }
        loader.source_kinds = SourceKinds::new(
            &params,
            table_params
                .iter()
                .map(String::as_str)
                .chain(class_params.iter().copied())
                .filter(|n| !names_no_lookup_table(n)),
            &master,
        );
        let mut maps = HashMap::new();
        // Restriction classes are names of the user's own that smtpd reads.
        let classes_value = params.expand("smtpd_restriction_classes").text;
        let restriction_classes: Vec<&str> = split_list(&classes_value)
            .into_iter()
            .map(|r| &classes_value[r])
            .collect();
        for name in table_params {
            if names_no_lookup_table(&name) || class_params.contains(&name.as_str()) {
                continue;
            }
            // A name of the user's own (`indexed = ${default_database_type}:...`, a prefix
            // other values use as `${indexed}/aliases`): no Postfix program opens its value;
            // the values that use it name their tables themselves.
            if params::default_value(&name).is_none()
                && names::newer_default(&name).is_none()
                && !restriction_classes.iter().any(|c| *c == name)
            {
                continue;
            }
            let expanded = params.expand(&name);
            let list = loader.register_list(&name, &expanded);
            if !list.tables.is_empty() || list.unknown {
                maps.insert(name, list);
            }
        }

        // A relay password table named on a conditional template line (`{% if relay_host %}`
        // around the relay settings): whether main.cf names it hangs on the condition, and the
        // parameter's value stays unknown, but the file holds the passwords whenever it is
        // installed. It is read for what is said of the file itself (its mode,
        // secret-readable; its lines), as written.
        for def in params.definitions() {
            if !def.conditional
                || !secrets::is_secret_table_param(&def.name)
                || names_no_lookup_table(&def.name)
                || params::default_value(&def.name).is_none()
            {
                continue;
            }
            let written = expand::ValueRef {
                text: &def.value,
                source: Some(def.source()),
            };
            let expanded = params::expand_param(&params, &def.name, written);
            loader.register_list(&def.name, &expanded);
        }

        // Tables named in master.cf -o overrides, as each service sees them.
        for service in &master.services {
            let scoped = params.scoped(service);
            for def in &service.overrides {
                if names_no_lookup_table(&def.name) {
                    continue;
                }
                let expanded = params::expand_param(&scoped, &def.name, def.value_ref());
                if def.name == "mynetworks" {
                    loader.read_network_lists(&expanded, &def.name);
                }
                loader.register_list(&def.name, &expanded);
            }
        }
        if params.get("mynetworks").is_some() {
            loader.read_network_lists(&params.expand("mynetworks"), "mynetworks");
        }

        // The address classes.
        let relay_matching = {
            let parent = params.expand("parent_domain_matches_subdomains");
            let listed = split_list(&parent.text)
                .into_iter()
                .any(|r| &parent.text[r] == "relay_domains");
            if listed {
                Matching::Parent
            } else {
                Matching::Dotted
            }
        };
        let mut classes = Vec::new();
        for kind in ClassKind::RESOLVE_ORDER {
            let matching = if kind == ClassKind::Relay {
                relay_matching
            } else {
                Matching::Exact
            };
            let mut class = AddressClass::new(kind, matching);
            let expanded = params.expand(kind.param());
            loader.add_list_items(&mut class, &expanded, kind.param());
            if kind == ClassKind::Local {
                add_interface_literals(&params, &mut class);
            }
            classes.push(class);
        }

        // Every table is known: read the map sources, then the classes' table members.
        let mut timings = vec![(
            "main.cf, master.cf and list files".to_string(),
            started.elapsed(),
        )];
        let step = std::time::Instant::now();
        // The classes' tables are walked for their domain keys right after loading, on one
        // core: their special keys are found while loading, where the other core waits for
        // the biggest map anyway.
        let mut class_tables = Vec::new();
        for id in classes.iter().flat_map(|c| c.tables_to_read()) {
            loader.tables.reachable(id, &mut class_tables);
        }
        loader.load_pending(&class_tables);
        timings.push(("map and alias files".to_string(), step.elapsed()));
        let step = std::time::Instant::now();
        for class in &mut classes {
            class.add_table_members(&loader.tables);
        }
        timings.push(("address classes".to_string(), step.elapsed()));
        loader.finish_notes();

        let unreferenced = survey_unreferenced(&mut loader, main_cf, &params, &master, &name_index);
        secrets::mark(&mut loader.sources, &loader.tables, &params, &master);
        let main_cf_path = crate::scripts::lexical(&loader.sources.get(main_cf).real_path);
        let main_cf_declared_mode = options
            .declared_modes
            .iter()
            .find(|declared| declared.file == main_cf_path)
            .and_then(|declared| loader.read_declared_mode(declared));
        let mut db_file_declared = loader.declared_db_modes(&options.declared_modes);
        if !live {
            for (file, at) in loader.etckeeper_db_modes() {
                db_file_declared.entry(file).or_insert(at);
            }
        }
        let installed_db_files =
            loader.installed_db_files(&options.installed_files, &options.declared_modes);
        let main_cf_chmod = options
            .main_cf_chmod
            .as_ref()
            .and_then(|chmod| loader.read_chmod(chmod));
        let milter_servers = match (&options.script_sockets, live) {
            (Some(_), false) => loader.read_milter_servers(),
            _ => Vec::new(),
        };
        // A repository linted with --discover (confine_to) holds the modes its checkout or
        // export left (git's 644, an archive's umask), never the server's, even when it is a
        // whole system image with etc/passwd.
        let db_file_access = match options.confine_to {
            Some(_) => HashMap::new(),
            None => dbcf::file_access(&loader.sources, &loader.tables, &loader.locator.mode),
        };
        let main_cf_mode = match options.confine_to {
            Some(_) => None,
            None if loader.locator.mode.modes_are_real() => {
                use std::os::unix::fs::MetadataExt;
                std::fs::metadata(&loader.sources.get(main_cf).real_path)
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| m.mode() & 0o7777)
            }
            None => None,
        };
        let target = match &options.target {
            Some(target) => target.clone(),
            None => match live.then(version::installed).flatten() {
                Some(v) => version::Target {
                    asked: version::Release::parse(&v).expect("installed() checks it"),
                    origin: version::Origin::Installed(v),
                },
                None => image_target(options)
                    .or_else(|| loader.package_target(options))
                    .or_else(|| loader.postfix_files_target())
                    .unwrap_or_else(version::Target::newest),
            },
        };
        // A main.cf that a package wrote names its release in its documentation paths
        // (certain lines only: a template's may differ by host). The file is often copied to
        // newer systems (installers ship a CentOS 7 main.cf to Ubuntu), so it is no proof of
        // the release that runs it: the user is told, and decides; until then the rules whose
        // verdict hangs on a 2.x release's lack of compatibility_level stay silent.
        let mut documented_release = None;
        if target.origin == version::Origin::Newest {
            let written: Vec<(&str, &str)> = version::DOC_PARAMS
                .iter()
                .filter_map(|&name| {
                    let def = params.get(name)?;
                    (!def.conditional).then_some((name, def.value.as_str()))
                })
                .collect();
            // compatibility_level came with Postfix 3.0: a main.cf that sets it runs on 3.0 or
            // later, and documentation paths of a 2.x release are a leftover (survey Y1).
            let compatibility_set = params
                .get("compatibility_level")
                .is_some_and(|d| !d.conditional);
            let before_3_0 = |r: &version::Release| {
                version::Release::parse("3.0").is_some_and(|three| *r < three)
            };
            // A parameter only Apple's builds of Postfix 2.8 and 2.9 know (`use_sacl_cache`,
            // Mac OS X Server) names that release as well.
            let apple = || {
                let first = names::APPLE_ONLY
                    .iter()
                    .filter_map(|name| params.get(name).filter(|d| !d.conditional))
                    .min_by_key(|d| (d.name_span.file, d.name_span.start))?;
                Some(version::Target {
                    asked: version::Release::new(2, 9),
                    origin: version::Origin::Documented(format!(
                        "Apple's parameter {}",
                        first.name
                    )),
                })
            };
            // The base image of the Dockerfile that builds this setup's image, when the
            // image's Postfix release is not known from it (image_target): its distribution's
            // package is the likely one. Not for an image known not to install it.
            let image_base = || {
                let (dockerfile, image) = options.image.as_ref()?;
                let known_elsewhere = image.packages.is_some()
                    && !image.has_postfix_package()
                    && !image.postfix_elsewhere;
                if known_elsewhere {
                    return None;
                }
                let why = match (image.unread_run, image.postfix_elsewhere) {
                    (Some(line), _) if image.installed_before_unread => format!(
                        "it installs the package, but the RUN on line {line}, after that, does \
                         what postlint does not read"
                    ),
                    (Some(line), _) => {
                        format!("the RUN on line {line} does what postlint does not read")
                    }
                    (None, true) => "it pins a version or picks another package source".into(),
                    (None, false) if image.edits_package_sources() => {
                        "a RUN edits the package sources".into()
                    }
                    (None, false) => "a RUN it cannot read".into(),
                };
                Some(version::Target {
                    asked: version::Release::parse(image.base_release()?)?,
                    origin: version::Origin::ImageBase {
                        dockerfile: crate::output::printable(
                            &crate::scripts::lexical(dockerfile).to_string_lossy(),
                        )
                        .into_owned(),
                        base: crate::output::printable(&image.base).into_owned(),
                        why,
                    },
                })
            };
            if let Some(documented) = version::documented(&written)
                .or_else(apple)
                .or_else(image_base)
                .filter(|d| !(compatibility_set && before_3_0(&d.asked)))
            {
                if documented.asked < target.asked {
                    // The image's release is the Dockerfile's to tell (main.cf may be the
                    // package's, which the repository does not hold).
                    let shown = match &documented.origin {
                        version::Origin::ImageBase { dockerfile, .. } => dockerfile,
                        _ => &loader.sources.get(main_cf).display_path,
                    };
                    loader
                        .problems
                        .push(format!("{shown}: {}", documented.hint(&target)));
                    documented_release = Some(documented);
                }
            }
        }
        params.settle_release_defaults(&target);
        loader.notes.insert(0, target.describe());
        loader.problems.extend(target.warning());
        let misread_domains = list_files::misread_words(&loader.list_files, |span| {
            loader.sources.slice(span).to_string()
        });
        Ok(Model {
            shell_references: std::mem::take(&mut loader.shell_references),
            postconf_shell_references: std::mem::take(&mut loader.postconf_shell_references),
            relay_verdicts: std::sync::OnceLock::new(),
            virtual_bypassed: std::sync::OnceLock::new(),
            nothing_leaves: std::sync::OnceLock::new(),
            unreferenced,
            cidr_rules: std::sync::OnceLock::new(),
            probe: None,
            resolved: std::sync::OnceLock::new(),
            missing_list_files: loader.missing_list_files,
            docker_master,
            master_amended: options.master_amended,
            master_whole: live || options.master_installed,
            script_spans: {
                script_spans.sort_unstable_by_key(|s| (s.file, s.start, s.end));
                script_spans
            },
            script_builds: options.script_builds.clone(),
            script_deprecated,
            script_params: unknown_params,
            network_lists: loader.network_lists,
            unknown_table_types: loader.unknown_table_types,
            built_map_types: options.built_map_types.clone(),
            image: options.image.as_ref().map(|(path, image)| {
                let shown = crate::scripts::lexical(path).to_string_lossy().into_owned();
                (shown, image.clone())
            }),
            published_smtp: options.published_smtp.clone(),
            main_cf_mode,
            main_cf_declared_mode,
            main_cf_chmod,
            db_file_declared,
            installed_db_files,
            milter_servers,
            script_sockets: options.script_sockets.clone(),
            db_file_access,
            target,
            documented: documented_release,
            misread_domains,
            list_files: loader.list_files,
            sources: loader.sources,
            locator: loader.locator,
            main_cf,
            main_cf_parts,
            params,
            main_cf_bad_lines,
            main_cf_placeholder_lines,
            tables: loader.tables,
            maps,
            classes,
            master,
            names: name_index,
            notes: loader.notes,
            timings,
            problems: loader.problems,
            templates: loader.templates,
        })
    }

    /// True when an address class may have members postlint cannot see (a database, a file
    /// outside the tree, a host name only the server knows).
    /// Whether main.cf or master.cf holds an installer placeholder (`{MTA_MAILBOX_UID}`,
    /// `PH_HOSTNAME`), as opposed to a template's expression: the file is one an installer
    /// completes, and it may edit more than the placeholders (i-MSCP adds
    /// permit_sasl_authenticated to main.cf's restriction lists when it sets up SASL).
    pub fn from_installer(&self) -> bool {
        self.names
            .placeholders
            .iter()
            .any(|p| self.sources.get(p.span.file).template.is_none())
    }

    pub fn classes_partial(&self) -> bool {
        self.classes.iter().any(|c| c.unknown_members)
    }

    /// True when a lookup in the tables `param` names may be answered by something postlint
    /// cannot see.
    pub fn maps_partial(&self, param: &str) -> bool {
        self.maps.get(param).is_some_and(|list| {
            list.unknown
                || list
                    .tables
                    .iter()
                    .any(|&t| self.tables.partial_reason(t).is_some())
        })
    }

    /// Where a finding about main.cf as a whole points (a parameter it should set): the start
    /// of the file, or in a script that writes main.cf with a here-document (read with
    /// everything else blanked) the start of the document, not the script's `#!` line.
    pub fn main_cf_start(&self) -> Span {
        let source = self.sources.get(self.main_cf);
        let heredoc = source
            .template
            .as_ref()
            .is_some_and(|t| t.engine == crate::template::heredoc::ENGINE);
        let start = match heredoc {
            true => source
                .text()
                .bytes()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(0),
            false => 0,
        };
        Span::new(self.main_cf, start, start)
    }

    /// $myorigin, in lower case, as Postfix completes an address without a domain. A value
    /// that starts with `/` names a file whose first line is the domain (Debian builds Postfix
    /// with MYORIGIN_FROM_FILE; its main.cf has `myorigin = /etc/mailname`): read when the file
    /// is in the linted tree or system image. None when postlint cannot know it.
    pub fn myorigin(&self) -> Option<String> {
        let value = restrictions::service_value(self, None, "myorigin")?;
        if !value.starts_with('/') {
            return Some(value.to_ascii_lowercase());
        }
        let paths::Location::Readable { path, .. } = self.locator.locate(&value) else {
            return None;
        };
        let text = crate::fsread::read_text(&path).ok()?;
        let domain = text.lines().next()?.trim_ascii();
        (!domain.is_empty()).then(|| domain.to_ascii_lowercase())
    }

    /// Whether a span lies in a main.cf definition a set-up script replaces, or is where a
    /// parameter only a script sets stands (`script_spans`). A binary search: findings ×
    /// script settings stays small however many a script writes.
    pub fn replaced_by_script(&self, span: crate::source::Span) -> bool {
        // The empty span at the start of a file anchors a finding about the whole file
        // (compatibility-level's missing line), not about the setting on its first line.
        if span.start == 0 && span.end == 0 {
            return false;
        }
        let at = self
            .script_spans
            .partition_point(|s| (s.file, s.start) <= (span.file, span.start));
        at.checked_sub(1)
            .map(|i| self.script_spans[i])
            .is_some_and(|s| s.file == span.file && s.start <= span.start && span.end <= s.end)
    }

    pub fn class(&self, kind: ClassKind) -> &AddressClass {
        &self.classes[kind as usize]
    }

    /// The tables a parameter names (empty when none).
    pub fn maps(&self, param: &str) -> MapsList {
        self.maps.get(param).cloned().unwrap_or_default()
    }

    /// Forgets what was worked out from the tables and classes (the class memo, the relay
    /// verdicts), after `--probe` has added answers to them.
    pub fn forget_derived(&mut self) {
        self.resolved = std::sync::OnceLock::new();
        self.relay_verdicts = std::sync::OnceLock::new();
    }

    /// The first class, in trivial-rewrite's order, that a domain resolves to.
    pub fn resolve_class(&self, domain: &str) -> Resolved {
        self.memoized_class(domain)
            .unwrap_or_else(|| self.resolve_class_uncached(domain))
    }

    /// What `resolve_class` answers for a domain the class lists name (as they name it:
    /// folded), worked out once per model; None for any other domain. Rules that ask for the
    /// domain of every address in a table keep their own memo for the domains this has not.
    pub fn memoized_class(&self, domain: &str) -> Option<Resolved> {
        self.resolved
            .get_or_init(|| resolved_memo::ResolvedMemo::build(self))
            .get(self, domain)
    }

    /// What `resolve_class` answers for the domain of a class's member slot (as
    /// `AddressClass::numbered_members` numbers them), from the memo; None when the member's
    /// table cannot be read.
    pub fn member_class(&self, kind: ClassKind, slot: usize) -> Option<Resolved> {
        let memo = self
            .resolved
            .get_or_init(|| resolved_memo::ResolvedMemo::build(self));
        match memo.member(kind as usize, slot) {
            Some(resolved) => Some(resolved),
            None => {
                let domain = self.class(kind).member_domain(&self.tables, slot)?;
                Some(self.resolve_class(domain))
            }
        }
    }

    /// Whether the class memo has been built (rules::WITHOUT_CLASS_MEMO is checked with it).
    #[cfg(test)]
    pub(crate) fn class_memo_built(&self) -> bool {
        self.resolved.get().is_some()
    }

    fn resolve_class_uncached(&self, domain: &str) -> Resolved {
        for kind in ClassKind::RESOLVE_ORDER {
            match self.class(kind).contains(&self.tables, domain) {
                classes::Membership::Yes { span, .. } => return Resolved::Class(kind, span),
                classes::Membership::Unknown => return Resolved::Unknown,
                classes::Membership::No => {}
            }
        }
        Resolved::NoClass
    }

    /// Whether a file is main.cf or a part of it a template includes.
    pub fn in_main_cf(&self, file: FileId) -> bool {
        file == self.main_cf || self.main_cf_parts.contains(&file)
    }

    pub fn is_live(&self) -> bool {
        self.locator.mode == Mode::Live
    }
}

/// The `[address]` literals resolve_local() accepts: inet_interfaces and proxy_interfaces.
fn add_interface_literals(params: &Params, class: &mut AddressClass) {
    for name in ["inet_interfaces", "proxy_interfaces"] {
        let expanded = params.expand(name);
        for range in split_list(&expanded.text) {
            let token = &expanded.text[range];
            match token {
                "all" => class.unknown_address_literals = true,
                "loopback-only" => {
                    class.address_literals.push("[127.0.0.1]".to_string());
                    class.address_literals.push("[ipv6:::1]".to_string());
                }
                _ => match token
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                {
                    Ok(IpAddr::V4(a)) => class.address_literals.push(format!("[{a}]")),
                    Ok(IpAddr::V6(a)) => class.address_literals.push(format!("[ipv6:{a}]")),
                    Err(_) => class.unknown_address_literals = true,
                },
            }
        }
    }
}

/// The template of a file that does not exist (`virtual.j2` for `virtual`), if there is one.
fn template_beside(path: &Path) -> Option<PathBuf> {
    if path.exists() {
        return None;
    }
    let name = path.file_name()?.to_string_lossy().into_owned();
    let found = template::names_for(&name)
        .map(|t| path.with_file_name(t))
        .find(|t| t.is_file());
    found
}
