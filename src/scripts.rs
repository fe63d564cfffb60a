//! What a repository's set-up scripts change in the Postfix configuration it holds: a
//! Dockerfile's `RUN postconf -e ...`, an entrypoint that appends the postlog service to
//! master.cf or sets `myhostname` from the environment. With `--discover`, the configuration
//! in the repository is then not the one that runs: what the scripts set is unknown. A
//! Dockerfile that copies a master.cf to /etc/postfix/master.cf says that file is the whole
//! master.cf, not a fragment to add to one.
//!
//! Read: shell scripts, Dockerfiles, entrypoints, `run` files and the YAML files of Ansible
//! tasks that git sees (regular files of at most 1 MB, at most 5,000 of them and 32 MB in
//! all), outside directories of tests, examples, samples and backups
//! (`discover::NOT_DEPLOYED`, `fixtures/`). Nothing is run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What a script writes when it adds master.cf services at set-up time.
const MASTER_AMENDMENTS: &[&str] = &[
    "postconf -Me",
    "postconf -M -e",
    "postconf -e -M",
    "postlogd",
    "upgrade-configuration",
    ">> /etc/postfix/master.cf",
    ">>/etc/postfix/master.cf",
    "-a /etc/postfix/master.cf",
];

/// At most this many files are read (and 32 MB in all).
const MAX_FILES: usize = 5000;

/// At most this many items of an Ansible task's loop are read, and this many texts a `sed`
/// fills in main.cf are kept of one script (and of the scripts of one configuration).
const MAX_ITEMS: usize = 100;

/// At most this many `COPY`/`ADD` sources are kept of one Dockerfile.
const MAX_COPIES: usize = 64;

/// What one script changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Script {
    pub path: PathBuf,
    /// It adds master.cf services.
    pub master: bool,
    /// main.cf parameters it sets, removes or comments out (`postconf -e name=value`,
    /// `postconf name=value`, `postconf -X name`, `echo "name = value" >> main.cf`,
    /// `sed -i 's/^name = .*/.../' main.cf`), each with the first line that does.
    pub main_params: Vec<(String, u32)>,
    /// Of `main_params`, those `postconf` sets (`postconf -e name=value`, `postconf
    /// name=value`), not removes: each with the first line that sets it.
    pub postconf_sets: Vec<(String, u32)>,
    /// It sets main.cf parameters whose names it computes (`postconf -e "$line"`, a loop over
    /// environment variables), or appends to main.cf what postlint cannot read: any
    /// parameter may be set.
    pub main_open: bool,
    /// Settings it replaces with `sed -i 's/^key .*/key = $VALUE/'` in other files (the
    /// database .cf files an entrypoint fills in from the environment).
    pub file_keys: BTreeSet<String>,
    /// Text it fills in in main.cf with `sed -i 's/dummy.example.org/'"$FQDN"'/g' main.cf`,
    /// as a pattern that finds it (`dummy\.example\.org` is `dummy.example.org`, with `.`
    /// any character as sed reads it), with the line: a value that holds it is not the one
    /// that runs.
    pub main_placeholders: Vec<(String, u32)>,
    /// The same for the other files it edits with `sed -i` (`s/HOST_IP/${HOST_IP}/g` on a
    /// database .cf file): a setting whose value holds such text is not the one that runs.
    pub file_placeholders: Vec<String>,
    /// A Dockerfile's `COPY`/`ADD` (or a compose file's mount) to where /etc/postfix/main.cf
    /// or master.cf may come from (`/`, `/etc`, `/etc/postfix`): each source as written, and
    /// where it goes.
    pub copies: Vec<(String, String)>,
    /// The line of each of `copies` (0: a compose file's mount, in place when the container
    /// runs).
    pub copied_at: Vec<u32>,
    /// A Dockerfile's `COPY`/`ADD` of files to other absolute paths (`ADD ./sql
    /// /etc/postfix/sql`, `COPY aliases /etc/aliases`): each source as written, and where it
    /// goes. main.cf names such files by those paths (`Script::copied_files`).
    pub file_copies: Vec<(String, String)>,
    /// The main.cf parameters a Dockerfile's `RUN postconf -e` sets to a value written out in
    /// full, outside any shell condition, and sets once.
    pub literals: Vec<Literal>,
    /// The script's text, kept when it has literals or shell references (their spans point
    /// into it): only their words, every other byte a blank.
    pub text: Option<std::sync::Arc<str>>,
    /// A Dockerfile's `RUN postconf` arguments that hold a Postfix `$name` the shell expands
    /// (`postconf -e mydestination="$myhostname, localhost"`).
    pub shell_references: Vec<ShellReference>,
    /// It may replace the image's main.cf, whose settings then are not the Dockerfile's: its
    /// text names main.cf (`cp /conf/main.cf /etc/postfix/`, `cat > .../main.cf`), or a
    /// Dockerfile's `COPY`/`ADD` may bring one (to /etc/postfix/main.cf, from another stage or
    /// a URL, or one of `main_cf_copies` that holds one in the repository, as `scan` finds).
    pub replaces_main_cf: bool,
    /// A Dockerfile's `RUN` that empties the image's main.cf (`>/etc/postfix/main.cf`) before
    /// its `postconf -e` lines write the whole file: the line.
    pub empties_main_cf: Option<u32>,
    /// Its `COPY`/`ADD` sources that may hold a main.cf for the image, and where they go (`/`,
    /// `/etc`, `/etc/postfix`): the repository's files tell whether they do
    /// (`brings_main_cf`).
    pub main_cf_copies: Vec<(String, String)>,
    /// The files its Ansible `template` and `copy` tasks install as main.cf or master.cf
    /// (`src: main.j2`, `dest: /etc/postfix/main.cf`): the repository file of the `src`
    /// (found once, as Ansible finds it, by `ansible_source`), and which of the two it
    /// becomes. A Salt state's `file.managed` (`source: salt://postfix/main.jinja2`) fills
    /// it too (`salt_source`).
    pub ansible_installs: Vec<(PathBuf, &'static str)>,
    /// The other files its Ansible `template` and `copy` tasks install at an absolute path
    /// (`src: postfix-virtual.j2`, `dest: /etc/postfix/virtual`): the path it is installed
    /// at, and the repository file of the `src` (found once, by `ansible_source`). A table
    /// main.cf names by that path is read from the file (`Amendments::installed_files`).
    pub ansible_files: Vec<(String, PathBuf)>,
    /// The lookup tables it builds (`postmap`, `postalias`, `newaliases`).
    pub builds: Builds,
    /// A Dockerfile's final image, when its distribution is known (`crate::image`).
    pub image: Option<crate::image::Image>,
    /// The sockets of milters it may move, and the paths inside Postfix's queue directory it
    /// names (`milter_sockets`).
    pub sockets: ScriptSockets,
    /// A Dockerfile's `ENV` names with a lower-case letter (`ENV myhostname=...`): variables
    /// the container's shell scripts see (`template::heredoc::read_as_with`).
    pub env_names: Vec<String>,
    /// A Dockerfile's `chmod` commands that change who may read /etc/postfix/main.cf, in
    /// order: the line, the command, and whether it takes other users' access
    /// ([`main_cf_chmod`]).
    pub main_cf_chmods: Vec<(u32, String, ChmodBits)>,
    /// The sources of a Dockerfile's copies that a `RUN` applies to the image's main.cf with
    /// postconf (`postconf_inputs`): settings to add, not a whole main.cf.
    pub postconf_inputs: Vec<String>,
    /// The lines of its commands whose here-document replaces main.cf (`cat >
    /// /etc/postfix/main.cf <<EOF`), or in a YAML file the keys of literal blocks that hold
    /// one (`main.cf: |`): each is linted as a main.cf (`template::heredoc`,
    /// `template::embedded`).
    pub main_cf_heredocs: Vec<u32>,
    /// Of `main_cf_heredocs`, those are YAML blocks: lines to install as main.cf or add to
    /// one, which the file itself does not say.
    pub main_cf_blocks: bool,
    /// The same for master.cf: read as the master.cf of the main.cf the same script writes.
    pub master_cf_heredocs: Vec<u32>,
    /// A Dockerfile's: the file names its `RUN`, `ENTRYPOINT` and `CMD` instructions name
    /// (`docker-entrypoint.sh` of `ENTRYPOINT ["/docker-entrypoint.sh"]`): the scripts of its
    /// directory it runs (`Amendments::runs`).
    pub mentions: Vec<String>,
    /// A shell script's: the file names of the scripts it runs on lines that run whenever it
    /// does (`/app/bin/setup-sasl.sh`, `bash ./relay.sh`, `. /opt/env.sh`), so that what they
    /// set holds where this script runs (`Amendments::runs`).
    pub calls: Vec<String>,
    /// A supervisord configuration's (`[program:postfix]`, `command=/opt/postfix.sh`): the
    /// directory whose scripts its `command`s run, that of the nearest Dockerfile above it
    /// (its `mentions` are those commands' file names).
    pub supervisor_dir: Option<PathBuf>,
    /// An Ansible file's: the task files it includes or imports (`include_tasks: relay.yml`),
    /// as written, each with whether it does so under a condition.
    pub task_includes: Vec<(String, bool)>,
    /// An Ansible file's: the roles it applies under a condition (`- role: mail` with `when:`).
    pub conditional_roles: Vec<String>,
    /// An Ansible playbook (a play with `hosts:`): its tasks run when it is run.
    pub playbook: bool,
    /// The file modes its Ansible `template`/`copy` tasks and Salt `file.managed` states give
    /// the files they install as main.cf or at another absolute path (`mode: '0640'`), each
    /// with the file and the line of the mode; a mode postlint cannot read is left out.
    pub file_modes: Vec<DeclaredMode>,
    /// The paths whose mode it changes after installing files (`chmod 0600
    /// /etc/postfix/sasl_passwd`, an Ansible `file` task with a `mode`), as written: one with
    /// a variable or a relative path may be any file ([`mode_changed`]).
    /// Each with the mode it sets when that is a plain octal number, and whether it sets it
    /// on what a directory holds too (`chmod -R`, a `file` task with `recurse: yes`).
    pub mode_changes: Vec<ModeChange>,
    /// A shell script that installs Postfix's package (`apt-get install -y postfix`): one
    /// that sets up a host (a Vagrant or install script) rather than one another runs.
    pub installs_postfix: bool,
}

/// The mode a task or state gives a file it installs.
#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredMode {
    /// The repository file installed.
    pub file: PathBuf,
    /// The task's file, and the line of its mode (1-based).
    pub script: PathBuf,
    pub line: u32,
    pub mode: u32,
    /// The group the task gives the file, when it writes one out (`group: www-data`).
    pub group: Option<String>,
}

/// The mode an Ansible task or Salt state writes on line `line` of its file, as the tool reads
/// it: the value of a `mode:` key (`mode: 0640`, `- mode: '600'`) or of a free-form `mode=0640`
/// argument. Ansible reads an unquoted YAML number without a leading 0 in decimal, as the
/// file module hands an integer to chmod (`mode: 644` is 0o1204, `mode: 600` 0o1130), and a
/// string (quoted, or a free-form argument) in octal; Salt reads every mode in octal.
/// Symbolic modes, variables and anything else: None.
fn written_mode(line: &str, salt: bool) -> Option<u32> {
    let free_form = line.find("mode=").is_some()
        && !line
            .trim_start()
            .trim_start_matches("- ")
            .starts_with("mode:");
    let value = match line.find("mode=") {
        Some(at)
            if !line
                .trim_start()
                .trim_start_matches("- ")
                .starts_with("mode:") =>
        {
            line[at + 5..].split_ascii_whitespace().next()?
        }
        _ => {
            let rest = line
                .trim_start()
                .strip_prefix("- ")
                .unwrap_or(line.trim_start());
            rest.strip_prefix("mode:")?.split('#').next()?.trim()
        }
    };
    let quoted = value.len() >= 2
        && (value.starts_with('"') && value.ends_with('"')
            || value.starts_with('\'') && value.ends_with('\''));
    let digits = value.trim_matches(['"', '\'']);
    let octal = !digits.is_empty()
        && digits.len() <= 4
        && digits.bytes().all(|b| (b'0'..=b'7').contains(&b));
    if octal && (salt || quoted || free_form || digits.starts_with('0')) {
        return u32::from_str_radix(digits, 8).ok();
    }
    // An integer to Ansible: chmod takes its bits as they are.
    let decimal = !salt
        && !quoted
        && !digits.is_empty()
        && digits.len() <= 5
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    decimal
        .then(|| digits.parse::<u32>().ok().map(|n| n & 0o7777))
        .flatten()
}

/// Whether the mode text of a task's line (`644`, `'0644'`) is one Ansible reads as a decimal
/// number: unquoted digits without a leading 0, on a `mode:` key.
pub fn ansible_decimal_mode(written: &str) -> bool {
    !written.is_empty() && !written.starts_with('0') && written.bytes().all(|b| b.is_ascii_digit())
}

/// The line (1-based) of the mode a task or state that installs `src` gives it: a line whose
/// mode is `mode` in the block of the first line that names `src` and has one. The block is
/// the YAML list item (an Ansible task) or top-level key (a Salt state, whose arguments are
/// items of one list) that holds that line: from the nearest line above it, or itself, that
/// starts an item (`- `) less indented (Ansible) or a key at the top, to the next line as
/// little indented.
fn mode_line(text: &str, src: &str, mode: u32, salt: bool) -> Option<u32> {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start_matches([' ', '\t']).len();
    let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    let starts_block = |l: &str, below: usize| {
        !blank(l)
            && (indent(l) == 0 || !salt && l.trim_start().starts_with("- ") && indent(l) < below)
    };
    // A hostile file may name `src` on every line, in blocks of any length: the first few
    // lines that name it, and blocks of a task's length, are looked at.
    const ANCHORS: usize = 16;
    const BLOCK: usize = 200;
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains(src))
        .take(ANCHORS)
        .find_map(|(anchor, line)| {
            // A Salt state's arguments are items of one list: the state is the block.
            let item = line.trim_start().starts_with("- ") && !salt;
            let start = match item || indent(line) == 0 {
                true => anchor,
                false => (anchor.saturating_sub(BLOCK)..anchor)
                    .rev()
                    .find(|&i| starts_block(lines[i], indent(line)))?,
            };
            let depth = indent(lines[start]);
            let last = lines.len().min(anchor + BLOCK);
            let end = (anchor + 1..last)
                .find(|&i| !blank(lines[i]) && indent(lines[i]) <= depth)
                .unwrap_or(last);
            (start..end).find(|&i| written_mode(lines[i], salt) == Some(mode))
        })
        .map(|i| i as u32 + 1)
}

/// What scripts, units, fstab and compose files say that may put a milter's socket somewhere
/// its own configuration file does not show, or make it appear inside Postfix's chroot: the
/// repository's files cannot show the sockets themselves, so `socket-outside-chroot` decides
/// from the milter's configuration only where nothing here may change the answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScriptSockets {
    /// Words naming a path inside a Postfix queue directory (`/var/spool/postfix/run/opendkim`,
    /// a bind mount's or a link's end), kept from `/spool/postfix` on, up to [`MAX_ITEMS`].
    pub spool_paths: Vec<String>,
    /// A milter is started with a socket of its own (`opendkim -p local:/run/x.sock`), or its
    /// Socket setting is edited or given elsewhere (`sed -i 's/^Socket.*/.../'
    /// /etc/opendkim.conf`, `SOCKET=` in /etc/default/opendkim).
    pub milter_socket: bool,
}

impl ScriptSockets {
    pub fn is_empty(&self) -> bool {
        self.spool_paths.is_empty() && !self.milter_socket
    }

    pub fn add(&mut self, other: &ScriptSockets) {
        self.milter_socket |= other.milter_socket;
        for path in &other.spool_paths {
            if self.spool_paths.len() < MAX_ITEMS && !self.spool_paths.contains(path) {
                self.spool_paths.push(path.clone());
            }
        }
    }
}

/// The milters whose socket `milter_sockets` looks for (as a command's name, in a file's name).
const MILTERS: &[&str] = &["opendkim", "opendmarc"];

/// What a file's text says of milter sockets and of paths inside Postfix's queue directory
/// ([`ScriptSockets`]). Read as words: a word holding `/spool/postfix` is such a path (as a
/// compose file's `- /run/opendkim:/var/spool/postfix/run/opendkim` or a `mount --bind`
/// writes it); a line that runs a milter (a word whose last part is its name) with `-p`, or
/// that names a milter and its `Socket` (any case: `SOCKET=` of /etc/default/opendkim), sets
/// the socket.
pub fn milter_sockets(text: &str) -> ScriptSockets {
    let mut out = ScriptSockets::default();
    for line in text.lines() {
        let words = || {
            line.split(|c: char| c.is_ascii_whitespace() || matches!(c, '"' | '\'' | ';' | '='))
                .filter(|w| !w.is_empty())
        };
        if line.contains("/spool/postfix") {
            for word in words().flat_map(|w| w.split(':')) {
                if let Some(at) = word.find("/spool/postfix") {
                    let path = word[at..]
                        .trim_end_matches([',', ')', ']', '}'])
                        .to_string();
                    if out.spool_paths.len() < MAX_ITEMS && !out.spool_paths.contains(&path) {
                        out.spool_paths.push(path);
                    }
                }
            }
        }
        let lower = line.to_ascii_lowercase();
        if !MILTERS.iter().any(|m| lower.contains(m)) {
            continue;
        }
        let runs_milter = words().skip_while(|w| {
            let name = w.rsplit('/').next().unwrap_or(w).to_ascii_lowercase();
            !MILTERS.contains(&name.as_str())
        });
        if runs_milter.skip(1).any(|w| w.starts_with("-p")) || lower.contains("socket") {
            out.milter_socket = true;
        }
    }
    out
}

/// The lookup tables set-up scripts build with `postmap`, `postalias` or `newaliases` when
/// the container or host is set up: their compiled files need not be in the repository.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Builds {
    /// The files named (`postmap /etc/postfix/virtual`, `postmap lmdb:/etc/postfix/x`):
    /// absolute paths normalized, relative ones as written (`cd /etc/postfix && postmap
    /// virtual`), matched by their end.
    pub paths: BTreeSet<String>,
    /// `newaliases`, or `postalias` without a file: the alias_database tables.
    pub aliases: bool,
    /// Tables whose names postlint cannot read (`postmap $f`, `postmap /etc/postfix/*`).
    pub any: bool,
}

impl Builds {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.aliases && !self.any
    }

    pub fn add(&mut self, other: &Builds) {
        self.aliases |= other.aliases;
        self.any |= other.any;
        let room = MAX_ITEMS.saturating_sub(self.paths.len());
        self.paths.extend(other.paths.iter().take(room).cloned());
    }

    /// Whether a script builds the table at `path` (as main.cf names it, after `type:`),
    /// an alias table (`postalias`'s format) or not.
    pub fn builds(&self, path: &str, alias_table: bool) -> bool {
        if self.any || (alias_table && self.aliases) {
            return true;
        }
        let path = crate::model::paths::normalize(path);
        self.paths.iter().any(|p| match p.starts_with('/') {
            true => *p == path,
            false => path.ends_with(p.as_str()) && path[..path.len() - p.len()].ends_with('/'),
        })
    }
}

/// A command without the words that run it in a loop, a condition or as another user
/// (`do sed -i ...`, `then postmap ...`, `sudo postmap ...`).
fn without_prefix_words(command: &str) -> &str {
    let mut command = command.trim_start();
    loop {
        let (first, rest) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        match first {
            "sudo" | "exec" | "command" | "do" | "then" | "else" | "xargs" => {
                command = rest.trim_start()
            }
            _ => return command,
        }
    }
}

/// The tables one shell command builds, added to `out`: `postmap FILE...` and `postalias
/// FILE...` (not with `-q`, `-d` or `-s`, which read or delete), `newaliases`.
fn table_builds(command: &str, out: &mut Builds) {
    let words = shell_words(without_prefix_words(command));
    let Some(((program, _), args)) = words.split_first() else {
        return;
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    match program {
        "newaliases" => {
            out.aliases = true;
            return;
        }
        "postmap" | "postalias" => {}
        _ => return,
    }
    let mut files = 0;
    let mut args = args.iter();
    while let Some((raw, unquoted)) = args.next() {
        if raw.starts_with('-') {
            // Options that query, delete or dump: nothing is built.
            if raw.contains(['q', 'd', 's']) {
                return;
            }
            // `-c config_dir` takes the next word.
            if raw.contains('c') {
                args.next();
            }
            continue;
        }
        // A redirection, or the end of the command's words.
        if raw.starts_with(['>', '<']) || raw.starts_with("2>") {
            break;
        }
        files += 1;
        let Some(word) = unquoted else {
            out.any = true;
            continue;
        };
        // `hash:/etc/postfix/virtual`: the file after the type.
        let file = match word.split_once(':') {
            Some((kind, file)) if kind.bytes().all(|b| b.is_ascii_alphanumeric()) => file,
            _ => word.as_str(),
        };
        if file.is_empty() {
            continue;
        }
        if out.paths.len() < MAX_ITEMS {
            out.paths.insert(match file.starts_with('/') {
                true => crate::model::paths::normalize(file),
                false => file.trim_start_matches("./").to_string(),
            });
        } else {
            out.any = true;
        }
    }
    // Without a file: postalias builds alias_database; a postmap reads its files from
    // elsewhere (`xargs postmap`).
    match (files, program) {
        (0, "postalias") => out.aliases = true,
        (0, _) => out.any = true,
        _ => {}
    }
}

/// A main.cf parameter a Dockerfile sets to a value written out in full: `RUN postconf -e
/// 'smtpd_tls_auth_only = no'`.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub name: String,
    pub value: String,
    /// The line of the `RUN` (1-based).
    pub line: u32,
    /// Where the name and the value stand in the Dockerfile (byte offsets).
    pub name_at: usize,
    pub value_at: usize,
    /// The shell word that holds them (`'name = value'`, quotes included).
    pub word: std::ops::Range<usize>,
}

/// A Postfix `$name` (or `${name}`) in a Dockerfile's `RUN postconf` argument, in double
/// quotes or none, that the Dockerfile gives no shell value: the shell replaces it with an
/// empty text before postconf sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ShellReference {
    /// The line of the `RUN` (1-based).
    pub line: u32,
    /// The reference (`$myhostname`) and the shell word that holds it, as byte ranges.
    pub at: std::ops::Range<usize>,
    pub word: std::ops::Range<usize>,
    /// The parameter referred to, and the one the argument sets.
    pub name: String,
    pub setting: String,
    /// Written by `echo "name = ..." >> main.cf`, not given to postconf.
    pub echo: bool,
}

/// The `$name` and `${name}` of one shell word that the shell expands (outside single quotes,
/// not after a `\`) and that name a Postfix parameter: offset, length and name.
fn shell_expanded_names(word: &str) -> Vec<(usize, usize, String)> {
    let b = word.as_bytes();
    let mut out = Vec::new();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'\\' if !single => i += 1,
            b'$' if !single => {
                let braced = b.get(i + 1) == Some(&b'{');
                let start = i + 1 + usize::from(braced);
                let len = b[start..]
                    .iter()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || **c == b'_')
                    .count();
                let after = b.get(start + len).copied();
                let end = match braced {
                    true if after == Some(b'}') => Some(start + len + 1),
                    true => None,
                    false if after.is_some_and(|c| c.is_ascii_alphanumeric()) => None,
                    false => Some(start + len),
                };
                let name = &word[start..start + len];
                if let Some(end) = end.filter(|_| {
                    name.starts_with(|c: char| c.is_ascii_lowercase())
                        && crate::model::names::is_known_name(name)
                }) {
                    out.push((i, end - i, name.to_string()));
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The shell variables a Dockerfile gives a value: `ARG`/`ENV` names, and those a command
/// assigns (`name=...`, `export name=...`), reads or loops over. Found in one pass.
fn dockerfile_shell_variables(text: &str) -> std::collections::HashSet<&str> {
    let mut out = std::collections::HashSet::new();
    fn assigned(w: &str) -> Option<&str> {
        w.split_once('=').map(|(name, _)| name)
    }
    for line in text.lines() {
        let trimmed = line.trim_start();
        let first = trimmed.split_whitespace().next().unwrap_or("");
        if first.eq_ignore_ascii_case("ARG") || first.eq_ignore_ascii_case("ENV") {
            out.extend(
                trimmed
                    .split(|c: char| c.is_whitespace() || c == '=')
                    .skip(1)
                    .filter(|w| !w.is_empty()),
            );
            continue;
        }
        for command in commands(line) {
            let mut words = command.split_whitespace().peekable();
            // The instruction itself (`RUN name=value && ...`).
            if words.peek().is_some_and(|w| w.eq_ignore_ascii_case("RUN")) {
                words.next();
            }
            match words.next().unwrap_or("") {
                "export" | "local" | "declare" | "readonly" => {
                    out.extend(words.filter_map(assigned))
                }
                "read" => out.extend(words.filter(|w| !w.starts_with('-'))),
                "for" => out.extend(words.next()),
                first => out.extend(assigned(first)),
            }
        }
    }
    out
}

/// A literal setting of the Dockerfile at `path`, with that file's text.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptValue {
    pub literal: Literal,
    pub path: PathBuf,
    pub text: std::sync::Arc<str>,
}

impl Script {
    /// Whether this is a Dockerfile (or Containerfile).
    pub fn is_dockerfile(&self) -> bool {
        self.path
            .file_name()
            .is_some_and(|n| is_dockerfile_name(&n.to_string_lossy()))
    }

    /// Notes the paths a command changes the mode of, up to [`MAX_ITEMS`].
    fn note_mode_changes(&mut self, paths: Vec<ModeChange>) {
        for path in paths {
            if self.mode_changes.len() < MAX_ITEMS && !self.mode_changes.contains(&path) {
                self.mode_changes.push(path);
            }
        }
    }

    fn changes_something(&self) -> bool {
        !self.mode_changes.is_empty()
            || !self.ansible_installs.is_empty()
            || !self.ansible_files.is_empty()
            || !self.builds.is_empty()
            || self.master
            || self.main_open
            || !self.main_params.is_empty()
            || !self.file_keys.is_empty()
            || !self.main_placeholders.is_empty()
            || !self.file_placeholders.is_empty()
            || !self.copies.is_empty()
            || !self.file_copies.is_empty()
            || self.replaces_main_cf
            || !self.main_cf_copies.is_empty()
            || !self.sockets.is_empty()
            || !self.file_modes.is_empty()
            || !self.main_cf_chmods.is_empty()
            || !self.main_cf_heredocs.is_empty()
            || !self.task_includes.is_empty()
            || !self.conditional_roles.is_empty()
            || (self.supervisor_dir.is_some() && !self.mentions.is_empty())
            || !self.calls.is_empty()
    }

    /// Whether this Dockerfile copies `file` (a path in the repository at `root`) to
    /// `target` in the image: a source is read from the Dockerfile's directory or the
    /// repository's top (the two usual build contexts); a directory copies what it holds
    /// (`COPY rootfs/ /`), a file into a directory keeps its name (`COPY master.cf
    /// /etc/postfix/`).
    pub fn installs(&self, root: &Path, file: &Path, target: &str) -> bool {
        !self.install_lines(root, file, target).is_empty()
    }

    /// Notes that a task or state installs `file` as `which` (`main.cf`, `master.cf`), once,
    /// up to [`MAX_ITEMS`].
    fn add_install(&mut self, file: PathBuf, which: &'static str) {
        let installed = (file, which);
        if self.ansible_installs.len() < MAX_ITEMS && !self.ansible_installs.contains(&installed) {
            self.ansible_installs.push(installed);
        }
    }

    /// Notes the mode a task or state that installs `file` (written `src` in it) gives it
    /// (`written`, as YAML parsed it), with the group it writes out, where the mode's line is
    /// found: the line's text, read as the tool reads it (`written_mode`), must give the same
    /// mode. Each file's first install only, up to [`MAX_ITEMS`]: a hostile file of thousands
    /// of tasks makes as many lookups as a real one.
    fn add_file_mode(
        &mut self,
        file: PathBuf,
        src: &str,
        written: Option<&serde_json::Value>,
        group: Option<&serde_json::Value>,
        (text, salt): (&str, bool),
    ) {
        // Called before the install is noted: one already noted was looked up.
        let noted = self.ansible_installs.iter().any(|(f, _)| *f == file)
            || self.ansible_files.iter().any(|(_, f)| *f == file);
        let full = self.ansible_installs.len() >= MAX_ITEMS
            || self.ansible_files.len() >= MAX_ITEMS
            || self.file_modes.len() >= MAX_ITEMS;
        if noted || full {
            return;
        }
        // A string is octal to Ansible and Salt; a YAML number may be written `0644` (octal)
        // or, to Ansible, `644` (decimal: 0o1204): the line tells which (`written_mode`).
        let candidates: Vec<u32> = match written {
            Some(serde_json::Value::String(s)) => {
                u32::from_str_radix(s.trim_matches(['"', '\'']), 8)
                    .into_iter()
                    .collect()
            }
            Some(serde_json::Value::Number(n)) => {
                let digits = n.to_string();
                let octal = u32::from_str_radix(&digits, 8).ok();
                let decimal = (!salt)
                    .then(|| digits.parse::<u32>().ok().map(|d| d & 0o7777))
                    .flatten();
                octal.into_iter().chain(decimal).collect()
            }
            _ => return,
        };
        let group = group
            .and_then(|g| g.as_str())
            .filter(|g| {
                !g.is_empty()
                    && g.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            })
            .map(str::to_string);
        let found = candidates
            .into_iter()
            .find_map(|mode| Some((mode, mode_line(text, src, mode, salt)?)));
        if let Some((mode, line)) = found {
            self.file_modes.push(DeclaredMode {
                file,
                script: self.path.clone(),
                line,
                mode,
                group,
            });
        }
    }

    /// Notes that a task or state installs `file` at the absolute path `dest`, once, up to
    /// [`MAX_ITEMS`].
    fn add_installed_file(&mut self, dest: String, file: PathBuf) {
        let installed = (dest, file);
        if self.ansible_files.len() < MAX_ITEMS && !self.ansible_files.contains(&installed) {
            self.ansible_files.push(installed);
        }
    }

    /// The repository files an Ansible task of this file installs as `which` (`main.cf`,
    /// `master.cf`) in /etc/postfix.
    pub fn ansible_installed_as<'s>(
        &'s self,
        which: &'static str,
    ) -> impl Iterator<Item = &'s PathBuf> + 's {
        self.ansible_installs
            .iter()
            .filter(move |(_, w)| *w == which)
            .map(|(file, _)| file)
    }

    /// Whether an Ansible task of this file installs `file` (a path in the repository) as
    /// `which` (`main.cf`, `master.cf`) in /etc/postfix.
    pub fn ansible_installs_file(&self, file: &Path, which: &str) -> bool {
        let file = lexical(file);
        self.ansible_installs
            .iter()
            .any(|(installed, w)| *w == which && *installed == file)
    }

    /// The repository's files and directories this Dockerfile's `file_copies` put at absolute
    /// paths in the image, by those paths (a directory's path ends in `/`): a source read
    /// from the Dockerfile's directory or the repository's top, as `installs` reads them, and
    /// never outside `root`. Wildcard sources and sources that are not there are left out.
    pub fn copied_files(&self, root: &Path) -> Vec<(String, PathBuf)> {
        let mut out = Vec::new();
        for (source, dest) in &self.file_copies {
            let Some(found) = self.context_path(root, source) else {
                continue;
            };
            let dest = crate::model::paths::normalize(dest);
            if crate::discover::regular_file(&found) {
                let into_dir = self.file_copies_into_dir(&dest, source);
                let at = match (into_dir, found.file_name()) {
                    (true, Some(name)) => format!("{dest}/{}", name.to_string_lossy()),
                    _ => dest,
                };
                out.push((at, found));
            } else {
                out.push((format!("{}/", dest.trim_end_matches('/')), found));
            }
        }
        // A table copied into /etc/postfix itself (`COPY sources/canon /etc/postfix/`): Docker
        // puts it at /etc/postfix/canon. A directory copied there, and main.cf or master.cf,
        // are the configuration directory's, read as such.
        for (source, dest) in &self.main_cf_copies {
            if crate::model::paths::normalize(dest) != "/etc/postfix" {
                continue;
            }
            let Some(found) = self.context_path(root, source) else {
                continue;
            };
            let name = found.file_name().map(|n| n.to_string_lossy().into_owned());
            if let Some(name) = name.filter(|n| n != "main.cf" && n != "master.cf") {
                if crate::discover::regular_file(&found) && out.len() < MAX_COPIES {
                    out.push((format!("/etc/postfix/{name}"), found));
                }
            }
        }
        out
    }

    /// The repository file or directory a `COPY`/`ADD` source names: read from the
    /// Dockerfile's directory or the repository's top (the two usual build contexts), never
    /// outside `root`. None for a wildcard or variable, or a source that is not there.
    fn context_path(&self, root: &Path, source: &str) -> Option<PathBuf> {
        if source.contains(['*', '?', '[', '$']) {
            return None;
        }
        let root = lexical(root);
        let bases = [
            self.path.parent().unwrap_or(&root).to_path_buf(),
            root.clone(),
        ];
        bases
            .iter()
            .map(|base| lexical(&base.join(source)))
            .find(|p| p.starts_with(&root) && (crate::discover::regular_file(p) || p.is_dir()))
    }

    /// Whether this Dockerfile copies `file` (a path in the repository at `root`) into the
    /// image and applies it to the image's main.cf with postconf (`postconf_inputs`).
    pub fn applies_with_postconf(&self, root: &Path, file: &Path) -> bool {
        let file = lexical(file);
        self.postconf_inputs
            .iter()
            .any(|source| self.context_path(root, source).is_some_and(|p| p == file))
    }

    /// Whether a file copied to `dest` goes into a directory of that name: the destination
    /// was written with a trailing `/`, or several sources go there.
    fn file_copies_into_dir(&self, dest: &str, source: &str) -> bool {
        self.file_copies.iter().any(|(s, d)| {
            crate::model::paths::normalize(d) == dest && (d.ends_with('/') || s != source)
        })
    }

    /// The `chmod` of this Dockerfile that leaves main.cf (`file`, which it installs)
    /// unreadable to other users in the image: the last one that changes their access, when
    /// it takes it, and no `COPY` of main.cf comes after one that takes read access (a copied
    /// file keeps the build context's mode; the directory's mode stays).
    pub fn main_cf_chmod(&self, root: &Path, file: &Path) -> Option<(u32, &str, ChmodEffect)> {
        let copies = self.install_lines(root, file, "/etc/postfix/main.cf");
        // Who may read main.cf and enter /etc/postfix after each chmod, in order, with the
        // chmod that last took each; a COPY of main.cf after one gives read access back.
        let mut read: Option<(u32, &str)> = None;
        let mut search: Option<(u32, &str)> = None;
        for (line, command, bits) in &self.main_cf_chmods {
            if read.is_some_and(|(at, _)| copies.iter().any(|&c| c > at && c < *line)) {
                read = None;
            }
            match bits.read {
                Some(false) => read = Some((*line, command.as_str())),
                Some(true) => read = None,
                None => {}
            }
            match bits.search {
                Some(false) => search = Some((*line, command.as_str())),
                Some(true) => search = None,
                None => {}
            }
        }
        if read.is_some_and(|(at, _)| copies.iter().any(|&c| c > at)) {
            read = None;
        }
        match (search, read) {
            (Some((line, command)), _) => Some((line, command, ChmodEffect::TakesDirectory)),
            (None, Some((line, command))) => Some((line, command, ChmodEffect::TakesRead)),
            (None, None) => None,
        }
    }

    /// The lines of the `COPY`/`ADD` instructions that install `file` at `target` (0 for a
    /// mount), as `installs` finds them.
    /// Whether this Dockerfile copies `file` into the image anywhere (`ADD conf/main.cf /`,
    /// which an entrypoint then copies into place): the file is for that image's Postfix.
    pub fn copies_into_image(&self, root: &Path, file: &Path) -> bool {
        let file = lexical(file);
        let bases = [self.path.parent().unwrap_or(root), root];
        self.copies.iter().any(|(source, dest)| {
            copy_destinations(&bases, &file, source, dest)
                .next()
                .is_some()
        })
    }

    pub fn install_lines(&self, root: &Path, file: &Path, target: &str) -> Vec<u32> {
        let file = lexical(file);
        let bases = [self.path.parent().unwrap_or(root), root];
        let lines = self.copied_at.iter().copied().chain(std::iter::repeat(0));
        let copies = self.copies.iter().zip(lines);
        copies
            .filter(|((source, dest), _)| copy_installs(&bases, &file, source, dest, target))
            .map(|(_, line)| line)
            .collect()
    }
}

/// Whether one `COPY source dest` (read from one of `bases`) installs `file` at `target`.
fn copy_installs(bases: &[&Path; 2], file: &Path, source: &str, dest: &str, target: &str) -> bool {
    copy_destinations(bases, file, source, dest).any(|installed| installed == target)
}

/// Where one `COPY source dest` (read from one of `bases`) puts `file` in the image, for each
/// base it is read from (normalised paths).
fn copy_destinations<'a>(
    bases: &'a [&Path; 2],
    file: &'a Path,
    source: &'a str,
    dest: &'a str,
) -> impl Iterator<Item = String> + 'a {
    bases.iter().filter_map(move |base| {
        // A wildcard source (`COPY conf/*.cf /etc/postfix/`) copies each file it matches as a
        // file of its own (Go's filepath.Match: `*` stays within a path's part), matched
        // below the build context.
        let matched = source.contains(['*', '?', '['])
            && file.strip_prefix(lexical(base)).is_ok_and(|inside| {
                globset::GlobBuilder::new(&lexical(Path::new(source)).to_string_lossy())
                    .literal_separator(true)
                    .build()
                    .is_ok_and(|glob| glob.compile_matcher().is_match(inside))
            });
        let source = lexical(&base.join(source));
        let installed = if file == source || matched {
            let into_dir = dest.ends_with('/')
                || matches!(
                    crate::model::paths::normalize(dest).as_str(),
                    "/" | "/etc/postfix"
                );
            match (into_dir, file.file_name()) {
                (true, Some(name)) => format!("{dest}/{}", name.to_string_lossy()),
                _ => dest.to_string(),
            }
        } else if let Ok(inside) = file.strip_prefix(&source) {
            format!("{dest}/{}", inside.to_string_lossy())
        } else {
            return None;
        };
        Some(crate::model::paths::normalize(&installed))
    })
}

/// `path` with `.` and `..` resolved by its words alone (the repository's files are compared
/// as the Dockerfile names them).
pub(crate) fn lexical(path: &Path) -> PathBuf {
    resolved(path).0
}

/// `path` with `.` and `..` resolved lexically, and whether a `..` climbed above its start
/// (and was dropped).
fn resolved(path: &Path) -> (PathBuf, bool) {
    let mut out = PathBuf::new();
    let mut climbed_out = false;
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                climbed_out |= !matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                );
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    (out, climbed_out)
}

/// A Dockerfile's `COPY src... dest` / `ADD src... dest` (either form, options left out) to
/// /etc/postfix/master.cf, /etc/postfix, /etc or /: the sources and the destination. None for
/// other lines, a copy from another build stage (`--from=`) or a URL. Sources are taken as
/// written (`Script::installs` matches a wildcard such as `*.cf`).
/// The directory of a Dockerfile's `WORKDIR`.
fn dockerfile_workdir(code: &str) -> Option<&str> {
    let (word, rest) = code.split_once(char::is_whitespace)?;
    let dir = rest.trim().trim_matches('"');
    (word.eq_ignore_ascii_case("WORKDIR") && !dir.is_empty()).then_some(dir)
}

/// A shell-form `COPY`/`ADD` whose destination is relative (`COPY config .`): the
/// instruction without its destination, and the destination.
fn relative_copy_dest(code: &str) -> Option<(&str, &str)> {
    let (word, _) = code.split_once(char::is_whitespace)?;
    if !word.eq_ignore_ascii_case("COPY") && !word.eq_ignore_ascii_case("ADD") {
        return None;
    }
    let code = code.trim_end();
    if code.ends_with(']') {
        return None;
    }
    let (head, dest) = code.rsplit_once(char::is_whitespace)?;
    let relative = !dest.starts_with('/') && !dest.contains('$') && !dest.starts_with("--");
    (relative && head.trim() != word).then(|| (head.trim_end(), dest))
}

/// The sources and destination of a `COPY`/`ADD` from the build context (options left out):
/// None for other lines, a copy from another build stage (`--from=`) or a URL.
fn copy_words(code: &str) -> Option<(Vec<String>, String)> {
    let (word, rest) = code.split_once(char::is_whitespace)?;
    if !word.eq_ignore_ascii_case("COPY") && !word.eq_ignore_ascii_case("ADD") {
        return None;
    }
    let rest = rest.trim();
    let mut words: Vec<String> = if rest.starts_with('[') {
        serde_json::from_str(rest).ok()?
    } else {
        rest.split_whitespace().map(str::to_string).collect()
    };
    if words.iter().any(|w| w.starts_with("--from")) {
        return None;
    }
    words.retain(|w| !w.starts_with("--"));
    let dest = words.pop()?;
    if words.is_empty() || words.iter().any(|w| w.contains("://")) {
        return None;
    }
    Some((words, dest))
}

/// A `COPY`/`ADD` of files to an absolute path other than where main.cf and master.cf come
/// from (`dockerfile_copy`): `ADD ./sql /etc/postfix/sql`, `COPY aliases /etc/aliases`. An
/// `ADD` of an archive (unpacked in the image) and a destination with a variable are left
/// out.
fn dockerfile_file_copy(code: &str) -> Option<(Vec<String>, String)> {
    let (sources, dest) = copy_words(code)?;
    let normal = crate::model::paths::normalize(&dest);
    let whole_tree = matches!(
        normal.as_str(),
        "/" | "/etc" | "/etc/postfix" | "/etc/postfix/master.cf" | "/etc/postfix/main.cf"
    );
    let archive = code.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("ADD"))
        && sources.iter().any(|s| {
            [".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst"]
                .iter()
                .any(|e| s.contains(e))
        });
    (dest.starts_with('/') && !dest.contains('$') && !whole_tree && !archive)
        .then_some((sources, dest))
}

fn dockerfile_copy(code: &str) -> Option<(Vec<String>, String)> {
    let (words, dest) = copy_words(code)?;
    // Only where /etc/postfix/master.cf may come from.
    let into_postfix = dest.starts_with('/')
        && matches!(
            crate::model::paths::normalize(&dest).as_str(),
            "/" | "/etc" | "/etc/postfix" | "/etc/postfix/master.cf" | "/etc/postfix/main.cf"
        );
    into_postfix.then_some((words, dest))
}

/// What a Dockerfile line may do to the image's main.cf.
#[derive(Debug, PartialEq)]
enum MainCfCopy {
    /// Nothing: no `COPY`/`ADD`, or one elsewhere (`COPY master.cf /etc/postfix/`).
    None,
    /// It may replace it, whatever the repository holds: to /etc/postfix/main.cf, or from
    /// another build stage or a URL into `/`, `/etc` or `/etc/postfix`.
    Replaces,
    /// It copies these sources (a directory, a wildcard, a main.cf) into this directory: the
    /// repository's files tell (`Script::main_cf_copies`).
    Sources(Vec<String>, String),
}

/// What a Dockerfile `COPY`/`ADD` line may do to the image's main.cf.
fn copies_over_main_cf(code: &str) -> MainCfCopy {
    let words: Vec<&str> = code
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '[', ']', ',']))
        .filter(|w| !w.is_empty())
        .collect();
    let Some((first, rest)) = words.split_first() else {
        return MainCfCopy::None;
    };
    if !first.eq_ignore_ascii_case("COPY") && !first.eq_ignore_ascii_case("ADD") {
        return MainCfCopy::None;
    }
    let Some((dest, sources)) = rest.split_last() else {
        return MainCfCopy::None;
    };
    let dest = crate::model::paths::normalize(dest);
    if dest == "/etc/postfix/main.cf" {
        return MainCfCopy::Replaces;
    }
    if !matches!(dest.as_str(), "/" | "/etc" | "/etc/postfix") {
        return MainCfCopy::None;
    }
    if sources
        .iter()
        .any(|s| s.starts_with("--from") || s.contains("://"))
    {
        return MainCfCopy::Replaces;
    }
    let sources: Vec<String> = sources
        .iter()
        .filter(|s| !s.starts_with("--"))
        .filter(|source| {
            let name = source.rsplit('/').next().unwrap_or_default();
            source.ends_with('/')
                || name == "main.cf"
                || name == "."
                || !name.contains('.')
                || name.contains(['*', '?', '['])
        })
        .map(|s| s.to_string())
        .collect();
    match sources.is_empty() {
        true => MainCfCopy::None,
        false => MainCfCopy::Sources(sources, dest),
    }
}

/// Whether copying `source` (read from one of `bases`) into `dest` (`/`, `/etc` or
/// `/etc/postfix`) brings a main.cf to /etc/postfix/main.cf: a main.cf into /etc/postfix, or
/// a directory that holds one where the copy puts it there. A wildcard is matched against
/// the directory it names; a source that is in neither base may be anything.
fn brings_main_cf(bases: &[&Path], source: &str, dest: &str) -> bool {
    let inside = match dest {
        "/etc/postfix" => "main.cf",
        "/etc" => "postfix/main.cf",
        _ => "etc/postfix/main.cf",
    };
    let brings = |found: &Path| {
        if found.is_dir() {
            found.join(inside).is_file()
        } else {
            dest == "/etc/postfix" && found.file_name().is_some_and(|n| n == "main.cf")
        }
    };
    let mut seen = false;
    for base in bases {
        let path = base.join(source);
        if source.contains(['*', '?', '[']) {
            let (Some(parent), Some(pattern)) = (path.parent(), path.file_name()) else {
                return true;
            };
            let Ok(glob) = globset::Glob::new(&pattern.to_string_lossy()) else {
                return true;
            };
            let matcher = glob.compile_matcher();
            let Ok(entries) = std::fs::read_dir(parent) else {
                continue;
            };
            seen = true;
            for entry in entries.filter_map(Result::ok).take(10_000) {
                if matcher.is_match(entry.file_name()) && brings(&entry.path()) {
                    return true;
                }
            }
        } else if path.symlink_metadata().is_ok() {
            seen = true;
            if brings(&path) {
                return true;
            }
        }
    }
    !seen
}

/// What the scripts that go with one configuration change, together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Amendments {
    pub master: bool,
    /// Each parameter once, with the script and line that sets it first.
    pub main_params: Vec<(String, PathBuf, u32)>,
    pub main_open: bool,
    /// The first script that makes `main_open`.
    pub main_open_by: Option<PathBuf>,
    pub file_keys: BTreeSet<String>,
    /// Text scripts fill in in main.cf (`Script::main_placeholders`), with the script and line.
    pub main_placeholders: Vec<(String, PathBuf, u32)>,
    /// Text scripts fill in in other files (`Script::file_placeholders`).
    pub file_placeholders: Vec<String>,
    /// The names in `main_params`.
    named: BTreeSet<String>,
    /// Parameters `postconf` sets (`Script::postconf_sets`), each once, with the script and
    /// line.
    pub postconf_sets: Vec<(String, PathBuf, u32)>,
    /// The settings Dockerfiles write out in full (`Script::literals`), and how many scripts
    /// set each parameter.
    pub literals: Vec<ScriptValue>,
    pub set_by: std::collections::BTreeMap<String, u32>,
    /// The parameters a Dockerfile sets while the image is built.
    set_when_built: BTreeSet<String>,
    /// A script may replace the image's main.cf (`Script::replaces_main_cf`).
    may_replace_main_cf: bool,
    /// The files Ansible tasks install (`Script::ansible_files`), by the path they are
    /// installed at: the file of the repository, or None when tasks install different
    /// files there (one per platform, say) and which one is read cannot be known.
    installed: std::collections::BTreeMap<String, Option<PathBuf>>,
    /// The tables scripts build (`Script::builds`).
    pub builds: Builds,
    /// The Dockerfiles' directories and the file names they mention (`Script::mentions`).
    runners: Vec<(PathBuf, Vec<String>)>,
    /// Shell scripts and the scripts they run whenever they run (`Script::calls`).
    callers: Vec<(PathBuf, Vec<String>)>,
    /// Of `callers`, those that run, by the file name of each script they call: worked out
    /// on the first `runs` after the last `add`.
    running_calls: std::cell::OnceCell<std::collections::HashMap<String, Vec<usize>>>,
}

impl Amendments {
    /// Whether a Dockerfile in the directory of the shell script at `script`, or above it,
    /// runs it (`ENTRYPOINT ["/docker-entrypoint.sh"]`, `RUN /setup.sh`), or a script that
    /// runs calls it (`Script::calls`). A script nothing runs may be run by hand, or never.
    fn runs(&self, script: &Path) -> bool {
        let Some(name) = script.file_name().map(|n| n.to_string_lossy()) else {
            return false;
        };
        if self.runs_directly(script, &name) {
            return true;
        }
        // Or a script that runs calls it on a line that always runs (`/app/bin/setup.sh` in
        // the entrypoint), both under a runner's directory.
        let running = self.running_calls.get_or_init(|| self.find_running_calls());
        running.get(name.as_ref()).is_some_and(|callers| {
            callers.iter().any(|&i| {
                let caller = &self.callers[i].0;
                caller.as_path() != script && self.share_runner(caller, script)
            })
        })
    }

    /// Whether a Dockerfile (or supervisord) in a directory above `script` names it.
    fn runs_directly(&self, script: &Path, name: &str) -> bool {
        self.runners
            .iter()
            .any(|(dir, mentions)| script.starts_with(dir) && mentions.iter().any(|m| m == name))
    }

    /// Whether one runner's directory holds both scripts.
    fn share_runner(&self, a: &Path, b: &Path) -> bool {
        self.runners
            .iter()
            .any(|(dir, _)| a.starts_with(dir) && b.starts_with(dir))
    }

    /// The callers that run: those a runner names, then those a running caller calls (in a
    /// runner's directory that holds both), each once; by the name of each script they call.
    fn find_running_calls(&self) -> std::collections::HashMap<String, Vec<usize>> {
        let file_name = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let mut by_name: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, (path, _)) in self.callers.iter().enumerate() {
            by_name.entry(file_name(path)).or_default().push(i);
        }
        let mut running = vec![false; self.callers.len()];
        let mut queue: Vec<usize> = Vec::new();
        for (i, (path, _)) in self.callers.iter().enumerate() {
            if self.runs_directly(path, &file_name(path)) {
                running[i] = true;
                queue.push(i);
            }
        }
        while let Some(i) = queue.pop() {
            let (caller, calls) = &self.callers[i];
            for called in calls {
                for &j in by_name.get(called).map(Vec::as_slice).unwrap_or_default() {
                    if !running[j] && self.share_runner(caller, &self.callers[j].0) {
                        running[j] = true;
                        queue.push(j);
                    }
                }
            }
        }
        let mut out: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, (_, calls)) in self.callers.iter().enumerate() {
            if running[i] {
                for called in calls {
                    out.entry(called.clone()).or_default().push(i);
                }
            }
        }
        out
    }

    /// Takes `script` as one that runs (`Amendments::runs`): the script that sets up a host.
    pub fn add_entry_script(&mut self, script: &Path) {
        let dir = script.parent().unwrap_or(Path::new("")).to_path_buf();
        let name = script.file_name().map(|n| n.to_string_lossy().into_owned());
        self.runners.push((dir, name.into_iter().collect()));
        self.running_calls = Default::default();
    }

    pub fn add(&mut self, script: &Script) {
        if script.is_dockerfile() && !script.mentions.is_empty() {
            let dir = script.path.parent().unwrap_or(Path::new("")).to_path_buf();
            self.runners.push((dir, script.mentions.clone()));
        }
        if let Some(dir) = script
            .supervisor_dir
            .as_ref()
            .filter(|_| !script.mentions.is_empty())
        {
            self.runners.push((dir.clone(), script.mentions.clone()));
        }
        self.running_calls = Default::default();
        if !script.calls.is_empty() && self.callers.len() < MAX_ITEMS {
            self.callers
                .push((script.path.clone(), script.calls.clone()));
        }
        self.master |= script.master;
        self.main_open |= script.main_open;
        if script.main_open && self.main_open_by.is_none() {
            self.main_open_by = Some(script.path.clone());
        }
        self.file_keys.extend(script.file_keys.iter().cloned());
        for pattern in &script.file_placeholders {
            if self.file_placeholders.len() < MAX_ITEMS && !self.file_placeholders.contains(pattern)
            {
                self.file_placeholders.push(pattern.clone());
            }
        }
        let room = MAX_ITEMS.saturating_sub(self.main_placeholders.len());
        self.main_placeholders.extend(
            script
                .main_placeholders
                .iter()
                .take(room)
                .map(|(pattern, line)| (pattern.clone(), script.path.clone(), *line)),
        );
        self.may_replace_main_cf |= script.replaces_main_cf;
        self.builds.add(&script.builds);
        for (dest, file) in &script.ansible_files {
            self.installed
                .entry(dest.clone())
                .and_modify(|known| {
                    if known.as_ref() != Some(file) {
                        *known = None;
                    }
                })
                .or_insert(Some(file.clone()));
        }
        if let Some(text) = &script.text {
            self.literals
                .extend(script.literals.iter().map(|literal| ScriptValue {
                    literal: literal.clone(),
                    path: script.path.clone(),
                    text: text.clone(),
                }));
        }
        for (name, line) in &script.postconf_sets {
            if self.postconf_sets.len() < MAX_ITEMS
                && !self.postconf_sets.iter().any(|(n, ..)| n == name)
            {
                self.postconf_sets
                    .push((name.clone(), script.path.clone(), *line));
            }
        }
        for (name, line) in &script.main_params {
            *self.set_by.entry(name.clone()).or_default() += 1;
            if script.is_dockerfile() {
                self.set_when_built.insert(name.clone());
            }
            if self.named.insert(name.clone()) {
                self.main_params
                    .push((name.clone(), script.path.clone(), *line));
            }
        }
    }

    /// The files of the repository Ansible tasks install at a path (`/etc/postfix/virtual`),
    /// by that path: where a table main.cf names by the path is read from. A path tasks
    /// install different files at is left out.
    pub fn installed_files(&self) -> Vec<(String, PathBuf)> {
        self.installed
            .iter()
            .filter_map(|(dest, file)| Some((dest.clone(), file.clone()?)))
            .collect()
    }

    /// Whether a setting written out in full is the one that holds: the only script that sets
    /// the parameter sets it, or a script the image runs when the container starts sets it
    /// after the Dockerfile did while the image was built (the start script's comes last).
    ///
    /// Or every script that sets it writes the same value out in full (a Dockerfile's `RUN
    /// postconf -e` lines repeated in the package's postinst, Intermesh's groupoffice image):
    /// whichever runs, that value holds; the first of them, a Dockerfile's when one writes it,
    /// is the one shown.
    fn holds(&self, v: &ScriptValue) -> bool {
        let setters = self.set_by.get(&v.literal.name).copied().unwrap_or(0);
        let the_same = || {
            let mut same = self
                .literals
                .iter()
                .filter(|o| o.literal.name == v.literal.name);
            let count = same.clone().count();
            let shown = same
                .clone()
                .find(|o| is_dockerfile_path(&o.path))
                .or_else(|| same.next());
            count as u32 >= setters
                && self
                    .literals
                    .iter()
                    .filter(|o| o.literal.name == v.literal.name)
                    .all(|o| o.literal.value == v.literal.value)
                && shown.is_some_and(|o| std::ptr::eq(o, v))
        };
        match setters {
            1 => true,
            2 if !is_dockerfile_path(&v.path)
                && self.set_when_built.contains(&v.literal.name)
                && self.runs(&v.path) =>
            {
                true
            }
            n if n >= 2 => the_same(),
            _ => false,
        }
    }

    /// [`Amendments::known_values`] without a main.cf in the repository: the settings made in
    /// the image's own main.cf, unless a script may replace it or a compose file mounts one
    /// over it (`mounted`, [`main_cf_mounted`]).
    pub fn known_image_values(&self, mounted: bool) -> Vec<ScriptValue> {
        if self.main_open || self.literals.is_empty() || mounted || self.may_replace_main_cf {
            return Vec::new();
        }
        self.literals
            .iter()
            .filter(|v| self.holds(v))
            .filter(|v| is_dockerfile_path(&v.path) || is_task_file(&v.path) || self.runs(&v.path))
            .cloned()
            .collect()
    }

    /// The settings that are known to hold in the image built with `main_cf` (a path in the
    /// repository at `root`): a Dockerfile copies that main.cf to /etc/postfix/main.cf, then
    /// a later `RUN` sets the parameter to a value written out in full, and no other script
    /// sets it, names computed parameters, or mounts a main.cf over it when the container
    /// runs. Without a main.cf (None), the image's own main.cf, when no script names main.cf
    /// or copies anything over it.
    pub fn known_values(
        &self,
        scripts: &[Script],
        root: &Path,
        main_cf: Option<&Path>,
    ) -> Vec<ScriptValue> {
        const TARGET: &str = "/etc/postfix/main.cf";
        if self.main_open || self.literals.is_empty() {
            return Vec::new();
        }
        // No main.cf in the repository (a master.cf linted alone): the settings are made in
        // the image's own main.cf, which no script may replace, and no compose file may
        // mount a directory or file over.
        let Some(main_cf) = main_cf else {
            return self.known_image_values(main_cf_mounted(scripts));
        };
        let installed: Vec<(&Path, Vec<u32>)> = scripts
            .iter()
            .map(|s| (s.path.as_path(), s.install_lines(root, main_cf, TARGET)))
            .filter(|(_, lines)| !lines.is_empty())
            .collect();
        if installed.iter().any(|(_, lines)| lines.contains(&0)) {
            return Vec::new();
        }
        self.literals
            .iter()
            .filter(|v| self.holds(v))
            .filter(|v| match is_dockerfile_path(&v.path) {
                // Set after the Dockerfile installs main.cf.
                true => installed.iter().any(|(path, lines)| {
                    *path == v.path.as_path() && lines.iter().any(|&l| l < v.literal.line)
                }),
                // A script the image runs when the container starts, after it is built.
                false => {
                    self.runs(&v.path) && installed.iter().any(|(path, _)| is_dockerfile_path(path))
                }
            })
            .cloned()
            .collect()
    }
}

/// Whether a compose file (or another script that copies when the container runs) mounts a
/// directory or file over the image's /etc/postfix/main.cf.
pub fn main_cf_mounted(scripts: &[Script]) -> bool {
    scripts.iter().any(|s| {
        s.copies.iter().zip(&s.copied_at).any(|((_, dest), &line)| {
            line == 0
                && matches!(
                    crate::model::paths::normalize(dest).as_str(),
                    "/etc/postfix" | "/etc/postfix/main.cf"
                )
        })
    })
}

/// Which of the configurations in `dirs` a script at `script` goes with: those whose
/// directory shares the most leading path components with the script's (an image's
/// Dockerfile and the `rootfs/etc/postfix/` it copies; a repository-wide script goes with
/// every configuration, as none shares more with it than the others).
pub fn goes_with(script: &Path, dirs: &[&Path]) -> Vec<usize> {
    // `./a/b` and `a/b` are the same place: `.` components are left out.
    let parts = |p: &Path| -> Vec<std::ffi::OsString> {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .map(|c| c.as_os_str().to_os_string())
            .collect()
    };
    let from = parts(script.parent().unwrap_or(Path::new("")));
    let shared = |dir: &Path| {
        from.iter()
            .zip(parts(dir))
            .take_while(|(a, b)| *a == b)
            .count()
    };
    let scores: Vec<usize> = dirs.iter().map(|d| shared(d)).collect();
    let best = scores.iter().copied().max().unwrap_or(0);
    (0..dirs.len()).filter(|&i| scores[i] == best).collect()
}

/// A parameter name followed by `=`, after a blank, a quote or the start of a sed address.
fn assignment() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // A per-service name may hold a `-` of its service's (`policy-spf_time_limit`).
        regex::Regex::new(r#"(?:^|[\s'"^])([a-z_][A-Za-z0-9_-]*)\s*="#).expect("a valid pattern")
    })
}

/// A Dockerfile's exec form (`["postconf", "-e", "name=value"]`) as a shell command, each
/// word quoted again where the shell would read it otherwise; None when it is no JSON array
/// of strings.
pub(crate) fn exec_form_command(code: &str) -> Option<String> {
    let words = serde_json::from_str::<Vec<String>>(code).ok()?;
    let quoted: Vec<String> = words
        .iter()
        .map(|w| {
            if w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect();
    Some(quoted.join(" "))
}

/// The shell lines of a script (or the instructions of a Dockerfile, `dockerfile`), each with
/// its 1-based first line: lines continued with a trailing backslash are joined.
/// Whether a shell command empties or removes the image's main.cf: `>/etc/postfix/main.cf`,
/// `: > ...`, `echo -n > ...`, `truncate -s 0 ...`, `cp /dev/null ...`. (Not `rm`: postconf -e
/// stops on a main.cf that is not there, "open ... for reading: No such file".)
fn empties_main_cf(command: &str) -> bool {
    let command = command.trim();
    let target = |word: &str| {
        crate::model::paths::normalize(word.trim_matches(['"', '\''])) == "/etc/postfix/main.cf"
    };
    if let Some((before, after)) = command.split_once('>') {
        let before = before.trim();
        let nothing = matches!(
            before,
            "" | ":" | "true" | "echo -n" | "printf ''" | "printf \"\"" | "cat /dev/null"
        );
        return !after.starts_with('>')
            && nothing
            && after.split_whitespace().count() == 1
            && target(after.trim());
    }
    let words: Vec<&str> = command.split_whitespace().collect();
    match words.as_slice() {
        ["truncate", "-s", "0", file]
        | ["truncate", "-s0", file]
        | ["truncate", "--size=0", file]
        | ["cp", "/dev/null", file] => target(file),
        _ => false,
    }
}

/// Whether every line of a Dockerfile that names main.cf only empties it (`RUN
/// >/etc/postfix/main.cf && postconf -e ...`), appends to it (`RUN echo "a = b" >> main.cf`)
/// or edits the lines of parameters it names (`sed -i 's/inet_interfaces = localhost/...'`).
fn only_extends_main_cf(text: &str) -> bool {
    logical_lines(text, true)
        .iter()
        .filter(|(_, line)| line.contains("main.cf") && !line.trim_start().starts_with('#'))
        .all(|(_, line)| extends_main_cf(line, true))
}

/// Whether each command of a line that names main.cf empties it (a Dockerfile's only),
/// appends to it or edits the lines of parameters it names.
/// A Dockerfile `RUN` that writes a start script with a group of `echo`s (`{ echo '#!/bin/sh';
/// echo 'sed -i s/HOST/$HOST/g /etc/postfix/main.cf'; echo 'postfix start-fg'; } >
/// /entrypoint.sh`): the RUN's commands with the script's lines in place of the group, so
/// that what the script does to main.cf is read (a sed that fills in a placeholder, the
/// parameters it sets), and the RUN itself is not taken for one that rewrites main.cf. The
/// script runs when the container starts, after every RUN, if at all: what it sets has no
/// value postlint takes as known (`written_run` in [`scan_text`]). Each line must be one
/// `echo` of a single-quoted argument (the text as written); None otherwise.
fn written_script(code: &str) -> Option<String> {
    let pieces = commands(code);
    let open = pieces.iter().position(|c| {
        c.strip_prefix('{')
            .is_some_and(|r| r.is_empty() || r.starts_with(char::is_whitespace))
    })?;
    let close = open + pieces[open..].iter().position(|c| c.starts_with('}'))?;
    let redirect = pieces[close][1..].trim();
    let target = redirect.trim_start_matches('>').trim();
    if !redirect.starts_with('>')
        || target.is_empty()
        || target.contains(char::is_whitespace)
        || is_main_cf(target)
        || target.trim_matches(['"', '\'']).ends_with("master.cf")
        || target.starts_with("/dev/")
    {
        return None;
    }
    let mut lines = Vec::new();
    for (k, piece) in pieces[open..close].iter().enumerate() {
        let piece = match k {
            0 => piece[1..].trim(),
            _ => piece.trim(),
        };
        if piece.is_empty() {
            continue;
        }
        match shell_words(piece).as_slice() {
            // An empty line.
            [("echo", _)] => {}
            [("echo", _), (raw, Some(line))] if raw.starts_with('\'') => {
                // The shebang, and comments: no command.
                if !line.trim_start().starts_with('#') && !line.trim().is_empty() {
                    lines.push(line.clone());
                }
            }
            _ => return None,
        }
    }
    let mut out: Vec<String> = pieces[..open].iter().map(|p| p.to_string()).collect();
    out.extend(lines);
    out.extend(pieces[close + 1..].iter().map(|p| p.to_string()));
    Some(out.join(" ; "))
}

fn extends_main_cf(line: &str, dockerfile: bool) -> bool {
    let code = line.trim_start();
    let code = code
        .get(..4)
        .filter(|w| dockerfile && w.eq_ignore_ascii_case("RUN "))
        .map_or(code, |_| &code[4..]);
    let unwrapped = written_script(code).filter(|_| dockerfile);
    let code = unwrapped.as_deref().unwrap_or(code);
    grouped_commands(code)
        .iter()
        .filter(|c| c.contains("main.cf"))
        .all(|c| {
            (dockerfile && empties_main_cf(c))
                || appends_to_main_cf(c)
                || edits_named_parameters(c)
                || fills_placeholders(c)
        })
}

/// Whether a command is a `sed -i` on /etc/postfix/main.cf whose every expression fills in a
/// placeholder (`sed -i "s|RELAY_HOST|$RELAY_HOST|g" /etc/postfix/main.cf`): it changes the
/// values that hold the text (`sed_placeholders`), which are then unknown, and nothing else.
fn fills_placeholders(command: &str) -> bool {
    let command = without_prefix_words(command);
    let words: Vec<&str> = command.split_whitespace().collect();
    let Some((file, middle)) = words.split_last() else {
        return false;
    };
    let on_main_cf =
        crate::model::paths::normalize(file.trim_matches(['"', '\''])) == "/etc/postfix/main.cf";
    if !on_main_cf
        || !matches!(sed_in_place(command), Some((Edited::MainCf, _)))
        || outside_quotes(command).any(|(_, c)| c == '>' || c == ';' || c == '|')
    {
        return false;
    }
    // `sed`, its options, and expressions that are each one word.
    let expressions: Vec<&str> = middle
        .iter()
        .skip(1)
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    let placeholders = sed_placeholders(command);
    !expressions.is_empty() && placeholders.len() == expressions.len()
}

/// The last line of a shell script that may replace main.cf: one that names it and neither
/// only reads it (`only_reads_main_cf`) nor only adds to it (`extends_main_cf`).
fn last_main_cf_replacement(lines: &[(u32, String)]) -> Option<u32> {
    lines
        .iter()
        .rev()
        .filter(|(_, line)| line.contains("main.cf") && !line.trim_start().starts_with('#'))
        .find(|(_, line)| !only_reads_main_cf(line) && !extends_main_cf(line, false))
        .map(|(line_no, _)| *line_no)
}

/// Whether every line of a shell script that names main.cf only reads it: a backup copy
/// (`cp /etc/postfix/main.cf /tmp/`), `cat`, `grep`, a message. Anything else (a redirection,
/// `tee`, `sed`, `mv`, `ln`, a copy to it, a command postlint does not know) may replace it.
fn only_reads_main_cf(text: &str) -> bool {
    const READERS: &[&str] = &[
        "cat",
        "grep",
        "egrep",
        "fgrep",
        "diff",
        "head",
        "tail",
        "less",
        "more",
        "ls",
        "test",
        "[",
        "[[",
        "md5sum",
        "sha256sum",
        "stat",
        "wc",
        "echo",
        "printf",
        "cp",
        // Times, modes and owners change; the text does not.
        "touch",
        "chmod",
        "chown",
        "chgrp",
    ];
    logical_lines(text, false).iter().all(|(_, line)| {
        let line = line.trim_start();
        if !line.contains("main.cf") || line.starts_with('#') {
            return true;
        }
        if line.contains(['>', '|', ';', '&', '`']) || line.contains("$(") {
            return false;
        }
        let mut words = line.split_ascii_whitespace();
        let mut command = words.next().unwrap_or("");
        if command == "sudo" {
            command = words.next().unwrap_or("");
        }
        let args: Vec<&str> = words.filter(|w| !w.starts_with('-')).collect();
        match command {
            // A copy writes its last argument only (a backup, `main.cf.orig`, is another
            // file).
            "cp" => args.len() >= 2 && !is_main_cf(args[args.len() - 1]),
            command => READERS.contains(&command),
        }
    })
}

pub(crate) fn logical_lines(text: &str, dockerfile: bool) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = Vec::new();
    let mut continued = false;
    for (i, line) in text.lines().enumerate() {
        // Docker drops comment lines, and blank ones inside an instruction, before it joins
        // the lines a `\` continues (and takes blanks after the `\`).
        let trimmed = line.trim_start();
        if dockerfile && (trimmed.starts_with('#') || (continued && trimmed.is_empty())) {
            continue;
        }
        let end = match dockerfile {
            true => line.trim_end(),
            false => line,
        };
        let (body, continues) = match end.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (line, false),
        };
        match (continued, out.last_mut()) {
            (true, Some((_, last))) => {
                last.push(' ');
                last.push_str(body);
            }
            _ if dockerfile && trimmed.is_empty() => {}
            _ => out.push((i as u32 + 1, body.to_string())),
        }
        continued = continues;
    }
    out
}

/// The characters of a shell line that stand outside quotes, with their offsets, up to its
/// comment ([`code_end`]).
fn outside_quotes(line: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quote = None;
    line[..code_end(line)]
        .char_indices()
        .filter(move |&(_, c)| match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                false
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                false
            }
            None => true,
        })
}

/// Where a shell line's comment starts (a `#` that starts a word outside quotes:
/// `postconf -e "..." # l'option`, whose apostrophe opens no quote), or its end.
fn code_end(line: &str) -> usize {
    let mut quote = None;
    let mut escaped = false;
    let mut previous: Option<char> = None;
    for (i, c) in line.char_indices() {
        let word_start =
            previous.is_none_or(|p| p.is_whitespace() || matches!(p, ';' | '&' | '|' | '(' | ')'));
        previous = Some(c);
        match quote {
            _ if escaped => escaped = false,
            Some('"') | None if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && word_start => return i,
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {}
        }
    }
    line.len()
}

/// The commands of one shell line: split at `|`, `;`, `&` and `(`/`)` outside quotes (a
/// redirection stays with its command).
pub(crate) fn commands(line: &str) -> Vec<&str> {
    split_outside_quotes(line, &['|', ';', '&', '(', ')', '`'])
}

/// The parameters a sed command's expressions name as settings (`name =`, `name=`), those
/// Postfix knows: `s/inet_interfaces = localhost/inet_interfaces = all/` names
/// `inet_interfaces`.
fn sed_named_parameters(command: &str) -> Vec<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re =
        RE.get_or_init(|| regex::Regex::new(r"\b([a-z][a-z0-9_]*)\s*=").expect("a valid pattern"));
    let mut names: Vec<String> = Vec::new();
    for c in re.captures_iter(command) {
        let name = &c[1];
        if crate::model::names::is_known_name(name) && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// Whether a shell command is a `sed -i` on /etc/postfix/main.cf whose expressions name the
/// parameters they change: an edit of the image's main.cf, not a new one.
fn edits_named_parameters(command: &str) -> bool {
    let words: Vec<&str> = without_prefix_words(command).split_whitespace().collect();
    let on_main_cf = words.last().is_some_and(|w| {
        crate::model::paths::normalize(w.trim_matches(['"', '\''])) == "/etc/postfix/main.cf"
    });
    on_main_cf
        && matches!(sed_in_place(command), Some((Edited::MainCf, _)))
        && !outside_quotes(command).any(|(_, c)| c == '>')
        && command_names(command).is_some_and(|names| !names.is_empty())
}

/// Which file a `sed -i` edits.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Edited {
    MainCf,
    MasterCf,
    /// Another file: a database .cf an entrypoint fills in (`"/etc/postfix/$f"`).
    Other,
}

/// A `sed -i` command: the file it edits, and the keys its `^key` addresses name
/// (`s/^dbname .*/dbname = $DB/`: `dbname`).
fn sed_in_place(command: &str) -> Option<(Edited, Vec<String>)> {
    let command = without_prefix_words(command);
    let words: Vec<&str> = command.split_whitespace().collect();
    // `sed 's/DOMAIN_PLACEHOLDER/x/' main.cf.template > /etc/postfix/main.cf` writes main.cf
    // from a copy of it, as `sed -i` edits it in place (Leopixel1/temp-mail).
    let writes_main_cf = words.windows(2).any(|w| w[0] == ">" && is_main_cf(w[1]))
        || words.iter().any(|w| {
            w.strip_prefix('>')
                .is_some_and(|p| !p.starts_with('>') && is_main_cf(p))
        });
    if words.first() != Some(&"sed")
        || !(writes_main_cf || words.iter().any(|w| w.starts_with("-i")))
    {
        return None;
    }
    let edited = if writes_main_cf || words.iter().any(|w| is_main_cf(w)) {
        Edited::MainCf
    } else if words
        .iter()
        .any(|w| w.trim_matches(['"', '\'']).ends_with("master.cf"))
    {
        Edited::MasterCf
    } else {
        Edited::Other
    };
    let keys = command
        .split('^')
        .skip(1)
        .filter_map(|rest| {
            let key: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            key.starts_with(|c: char| c.is_ascii_lowercase())
                .then_some(key)
        })
        .collect();
    Some((edited, keys))
}

/// The patterns a `sed -i` on main.cf replaces that are no `^name` (the text of a
/// placeholder: `s/dummy.float.i.ng/'"$FQDN"'/g`), as regular expressions: letters, digits
/// and `_-@%{}:` stand for themselves, `.` for any character, `\.` for a dot, `\[` for a
/// bracket (and so `\]`, `\*`, `\^`, `\$`, `\/`). Patterns with other syntax are left out.
fn sed_placeholders(command: &str) -> Vec<String> {
    sed_placeholders_in(command, Edited::MainCf)
}

/// `sed_placeholders` for a `sed -i` on the files `edited` says. For other files, only a
/// `sed` that may edit Postfix's (a path under a `postfix` directory, a `.cf` file, a
/// variable such as `"$f"`, a relative path): not `/etc/dovecot/dovecot-sql.conf.ext`.
fn sed_placeholders_in(command: &str, edited: Edited) -> Vec<String> {
    // A `sed -i` on files a variable names (`$@` in a shell function that main.cf is passed
    // to, `"$f"` in a loop) may edit main.cf too.
    let on_variables = || {
        let files: Vec<&str> = without_prefix_words(command)
            .split_whitespace()
            .skip(1)
            .filter(|w| !w.starts_with('-') && !w.trim_matches(['"', '\'']).starts_with('s'))
            .map(|w| w.trim_matches(['"', '\'']))
            .collect();
        files.last().is_some_and(|f| f.starts_with('$'))
    };
    match sed_in_place(command) {
        Some((e, _)) if e == edited => {}
        Some((Edited::Other, _)) if edited == Edited::MainCf && on_variables() => {}
        _ => return Vec::new(),
    }
    if edited == Edited::Other {
        let paths: Vec<&str> = without_prefix_words(command)
            .split_whitespace()
            .skip(1)
            .map(|w| w.trim_matches(['"', '\'']))
            .filter(|w| w.starts_with(['/', '$']))
            .collect();
        let elsewhere = !paths.is_empty()
            && paths
                .iter()
                .all(|p| !p.starts_with('$') && !p.contains("postfix") && !p.ends_with(".cf"));
        if elsewhere {
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    for word in command.split_whitespace() {
        let word: String = word.chars().filter(|c| !matches!(c, '\'' | '"')).collect();
        let mut chars = word.chars();
        let (Some('s'), Some(delimiter)) = (chars.next(), chars.next()) else {
            continue;
        };
        if delimiter.is_alphanumeric() || delimiter.is_whitespace() || delimiter == '\\' {
            continue;
        }
        let mut pattern = String::new();
        let mut escaped = false;
        let mut simple = true;
        for c in chars {
            match (escaped, c) {
                // `\.`, `\[primaryhost\]`, an escaped delimiter: the character itself.
                (true, c) if ".[]*^$/".contains(c) || c == delimiter => {
                    pattern.push_str(&regex::escape(&c.to_string()));
                    escaped = false;
                }
                (true, _) => {
                    simple = false;
                    break;
                }
                (false, '\\') => escaped = true,
                (false, c) if c == delimiter => break,
                (false, '.') => pattern.push('.'),
                // Characters that stand for themselves in sed's basic and extended regular
                // expressions alike (`<domaincontroller>`, `#HOSTNAME#`).
                (false, c) if c.is_alphanumeric() || "_-@%{}:<>#!=,~".contains(c) => {
                    pattern.push_str(&regex::escape(&c.to_string()))
                }
                _ => {
                    simple = false;
                    break;
                }
            }
        }
        // At least a few characters that stand for themselves: `s/./x/` is no placeholder.
        let literal = pattern.chars().filter(|c| c.is_alphanumeric()).count();
        if simple && literal >= 4 {
            out.push(pattern);
        }
    }
    out
}

/// The command a `bash -c '...'` or `sh -c "..."` runs, when it is one quoted word.
fn shell_c_argument(command: &str) -> Option<&str> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let at = words.windows(2).position(|w| {
        let shell = w[0].rsplit('/').next().unwrap_or(w[0]);
        matches!(shell, "sh" | "bash" | "dash" | "ash" | "zsh") && w[1] == "-c"
    })?;
    let after = command.find(&format!("{} -c", words[at]))? + words[at].len() + 3;
    let rest = command[after..].trim();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = rest[1..].strip_suffix(quote)?;
    (!inner.contains(quote)).then_some(inner)
}

/// Whether a shell word names main.cf (`/etc/postfix/main.cf`, `"$CONF/main.cf"`).
fn is_main_cf(word: &str) -> bool {
    word.trim_matches(['"', '\'']).ends_with("main.cf")
}

/// The main.cf parameters one shell command sets; None when it changes main.cf in a way
/// whose names postlint cannot read; Some(empty) when it does not touch main.cf.
/// The main.cf parameters a `postconf` command sets to a value (`postconf -e name=value`,
/// `postconf name=value`): not those it removes (`-X`) or comments out (`-#`), nor master.cf's
/// (`-M`, `-P`, `-F`) or another instance's (`-c`).
fn postconf_sets(command: &str) -> Vec<String> {
    let command = shell_c_argument(command).unwrap_or(command);
    let words: Vec<&str> = command.split_whitespace().collect();
    let Some(at) = words.iter().position(|w| w.ends_with("postconf")) else {
        return Vec::new();
    };
    // What `-X` and `-#` name is removed or commented out; master.cf's and another
    // instance's settings `command_names` leaves out itself.
    if words[at + 1..].iter().any(|w| *w == "-X" || *w == "-#") {
        return Vec::new();
    }
    command_names(command).unwrap_or_default()
}

fn command_names(command: &str) -> Option<Vec<String>> {
    // `sudo bash -c "cat conf/main.cf >> /etc/postfix/main.cf"`: the quoted command is the
    // one that runs.
    if let Some(inner) = shell_c_argument(command) {
        return command_names(inner);
    }
    let names = |text: &str| -> Vec<String> {
        assignment()
            .captures_iter(text)
            .map(|c| c[1].to_string())
            .collect()
    };
    let words: Vec<&str> = command.split_whitespace().collect();
    // The text before an output redirection (a `>` outside quotes), and where it goes.
    let redirect = outside_quotes(command).find_map(|(i, c)| (c == '>').then_some(i));
    let (body, target) = match redirect {
        Some(at) => {
            let rest = command[at..].trim_start_matches('>').trim();
            (&command[..at], rest.split_whitespace().next())
        }
        None => (command, None),
    };
    if let Some(at) = words.iter().position(|w| w.ends_with("postconf")) {
        let args = &words[at + 1..];
        // Master.cf edits, and anything for another instance, are not main.cf's (`-c
        // /etc/postfix` is the default instance).
        let other = args.iter().enumerate().any(|(i, w)| {
            w.starts_with('-')
                && !w.starts_with("--")
                && w[1..].contains(['M', 'P', 'F', 'c'])
                && !(*w == "-c" && args.get(i + 1).is_some_and(|d| is_default_config_dir(d)))
        });
        if other {
            return Some(Vec::new());
        }
        // `postconf -X name` removes it, `postconf -# name` comments it out.
        if args.iter().any(|w| *w == "-X" || *w == "-#") {
            return Some(
                args.iter()
                    .filter(|w| !w.starts_with('-'))
                    .map(|w| w.trim_matches(['"', '\'']).to_string())
                    .filter(|w| {
                        !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    })
                    .collect(),
            );
        }
        let text = body.split_once("postconf").map_or("", |(_, rest)| rest);
        let found = names(text);
        if !args.contains(&"-e") && found.is_empty() {
            return Some(Vec::new()); // a query
        }
        // `postconf -e "$line"`, `postconf -e "${key}=${value}"`: names from variables.
        if found.is_empty() {
            // Unless each computed name is a transport's own setting
            // (`${SERVICE}_destination_recipient_limit=1`, bitbone/yaffas): it sets no
            // parameter of main.cf's own.
            return per_transport_only(text).then(Vec::new);
        }
        return Some(found);
    }
    // `echo "name = value" >> main.cf`, `... | tee -a main.cf` (a `tee` without `-a` writes
    // the whole file, as `>` does).
    let tee_appends = words.first() == Some(&"tee")
        && words.iter().any(|w| {
            *w == "--append" || (w.starts_with('-') && !w.starts_with("--") && w.contains('a'))
        });
    let appends = (command.contains(">>") && target.is_some_and(is_main_cf))
        || (tee_appends && words.iter().any(|w| is_main_cf(w)));
    if appends {
        // `echo -e "a = b\nc = d" >> main.cf`: the settings of its lines.
        if let Some(settings) = escaped_settings(body) {
            return Some(settings.into_iter().map(|(name, _, _)| name).collect());
        }
        let found = names(body);
        return match found.is_empty() && !echoes_nothing(body) {
            true => None,
            false => Some(found),
        };
    }
    // `sed -i 's/^name = .*/name = value/' main.cf` sets `name`; `sed -i 's/CHANGEME_DOMAIN/x/'`
    // fills in a placeholder, which postlint already reads as unknown.
    // `sed -e "/mydestination/amynetworks = $NET" main.cf > /tmp/x; cat /tmp/x > main.cf`:
    // a line sed appends (`a`), inserts (`i`) or puts in place (`c`), in place or not.
    let mut inserted = sed_inserted_names(command);
    if let Some((Edited::MainCf, keys)) = sed_in_place(command) {
        // And the parameters its expressions name (`s/inet_interfaces = localhost/
        // inet_interfaces = all/`): the lines it may change.
        for key in keys.into_iter().chain(sed_named_parameters(command)) {
            if !inserted.contains(&key) {
                inserted.push(key);
            }
        }
        return Some(inserted);
    }
    Some(inserted)
}

/// Whether every setting of a postconf command's arguments is a variable's name followed by
/// a per-transport suffix (`${SERVICE}_destination_recipient_limit=1`,
/// `$svc_time_limit=3600`), and there is at least one.
fn per_transport_only(args: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r#"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?([a-z0-9_]*)\s*="#)
            .expect("a valid pattern")
    });
    let settings = args.matches('=').count();
    let suffixes: Vec<&str> = re
        .captures_iter(args)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
        .collect();
    !suffixes.is_empty()
        && suffixes.len() == settings
        && suffixes.iter().all(|suffix| {
            crate::model::names::per_transport_service(&format!("service{suffix}"))
                .is_some_and(|(service, _)| service == "service")
        })
}

/// The parameters whose `name = value` lines a sed command over main.cf adds with its `a`, `i`
/// or `c` commands (`/re/aname = value`, `$a\name = value`, `1i name = value`).
fn sed_inserted_names(command: &str) -> Vec<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let words: Vec<&str> = command.split_whitespace().collect();
    let is_sed = words
        .first()
        .is_some_and(|w| *w == "sed" || w.ends_with("/sed"));
    if !is_sed || !words.iter().skip(1).any(|w| is_main_cf(w)) {
        return Vec::new();
    }
    let re = RE.get_or_init(|| {
        regex::Regex::new(r#"(?:^|[/$0-9'"\s])[aic]\\?\s*([a-z_][a-z0-9_]*)\s*="#)
            .expect("a valid pattern")
    });
    let mut names: Vec<String> = re
        .captures_iter(command)
        .map(|c| c[1].to_string())
        .filter(|n| crate::model::names::is_known_name(n))
        .collect();
    names.dedup();
    names
}

/// The variables of a shell script that hold a path, each assigned once with a literal
/// (`conf=/etc/postfix/main.cf`, `export DIR="/etc/postfix"`). A name assigned twice, or from
/// anything but a plain absolute path, is left as written.
#[derive(Default)]
struct ShellVars {
    known: std::collections::HashMap<String, Option<String>>,
}

impl ShellVars {
    const MAX: usize = 256;

    /// Notes the assignment a command is, if it is one.
    fn note(&mut self, command: &str) {
        let command = command.trim();
        let command = ["export ", "readonly ", "local ", "declare "]
            .iter()
            .find_map(|p| command.strip_prefix(p))
            .unwrap_or(command)
            .trim_start();
        let Some((name, value)) = command.split_once('=') else {
            return;
        };
        let is_name = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !is_name {
            return;
        }
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        let path = unquoted.starts_with('/')
            && unquoted
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'));
        let room = self.known.len() < Self::MAX;
        match self.known.get_mut(name) {
            // Assigned again: no one value.
            Some(known) => *known = None,
            None if room => {
                self.known
                    .insert(name.to_string(), path.then(|| unquoted.to_string()));
            }
            None => {}
        }
    }

    /// The command with the known variables put in (`$name`, `${name}`); None when it uses
    /// none.
    fn fill(&self, command: &str) -> Option<String> {
        if !command.contains('$') || self.known.is_empty() {
            return None;
        }
        let bytes = command.as_bytes();
        let mut out = String::with_capacity(command.len());
        let mut changed = false;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'$' {
                let braced = bytes.get(i + 1) == Some(&b'{');
                let start = i + 1 + usize::from(braced);
                let end = start
                    + bytes[start..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                        .count();
                let closed = !braced || bytes.get(end) == Some(&b'}');
                if end > start && closed {
                    if let Some(Some(value)) = self.known.get(&command[start..end]) {
                        out.push_str(value);
                        changed = true;
                        i = end + usize::from(braced);
                        continue;
                    }
                }
            }
            let c = command[i..].chars().next().expect("a character boundary");
            out.push(c);
            i += c.len_utf8();
        }
        changed.then_some(out)
    }
}

/// A shell line `HEAD || TAIL` whose tail is one simple command or a `{ ...; }` group on the
/// line: the commands of the head run whenever the line does (the tail is what may not), and
/// whether the tail stops the script (or the build) on failure: `postconf -e 'a = b' || exit
/// 1`, `|| { echo failed; exit 1; }`, `|| false`. After such a stop, the head's `&&` chain ran
/// in full; after `|| true` only its first command surely did. None for a line without `||`
/// or with a tail that opens a block or a subshell (`|| {` that continues on the next line).
fn or_guard(code: &str) -> Option<(&str, bool)> {
    let at = outside_quotes(code)
        .zip(outside_quotes(code).skip(1))
        .find_map(|((i, a), (j, b))| (a == '|' && b == '|' && j == i + 1).then_some(i))?;
    let (head, tail) = (&code[..at], code[at + 2..].trim());
    let stops = |command: &str| {
        let mut words = command.split_whitespace();
        match words.next() {
            Some("exit" | "return") => {
                matches!(words.next(), Some(n) if n != "0" && n.bytes().all(|b| b.is_ascii_digit()))
            }
            Some("false") => words.next().is_none(),
            _ => false,
        }
    };
    let structure = |text: &str| text.contains(['{', '}', '(', ')', '`', '|', '&', '<', '>']);
    let stopped = match tail.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        // `{ echo failed >&2; exit 1; }`: the group's last command.
        Some(group) => {
            let commands = split_outside_quotes(group, &[';']);
            let mut commands = commands.iter().map(|c| c.trim()).filter(|c| !c.is_empty());
            let last = commands.next_back();
            // `>&2` only redirects.
            if group
                .replace(">&", ">")
                .contains(['{', '}', '(', ')', '`', '|', '&'])
            {
                return None;
            }
            last.is_some_and(stops) && !commands.any(|c| c.starts_with("exit"))
        }
        None if structure(tail) || tail.contains(';') || tail.is_empty() => return None,
        None => stops(tail),
    };
    (!head.trim().is_empty() && !head.contains("||")).then_some((head, stopped))
}

/// Whether a shell line runs its commands under a condition or in a loop (`if`, `case`,
/// `for`, `while`, `||`): what it sets may not be set.
fn conditional(code: &str) -> bool {
    // `A && B || true` in a `RUN`: when A fails, the build goes on without B.
    let code = match or_guard(code) {
        Some((head, true)) => head,
        Some((head, false)) if !head.contains("&&") => head,
        _ => code,
    };
    code.contains("||")
        || code.split_whitespace().any(|w| {
            matches!(
                w.trim_start_matches(['(', '{']),
                "if" | "then" | "else" | "elif" | "case" | "for" | "while" | "until" | "do"
            )
        })
}

/// The words of a shell command, each as written and, when it stands for itself alone (no
/// variable, command substitution, escape or wildcard), without its quotes. A `[` after an
/// unquoted `=` (`relayhost=[smtp.example.com]:587`) makes a pattern that would have to match
/// a file named `relayhost=...` in the working directory; matching none, the shell leaves the
/// word as written, so it stands for itself.
pub(crate) fn shell_words(command: &str) -> Vec<(&str, Option<String>)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut word = String::new();
    let mut literal = true;
    let mut assignment = false;
    let mut quote: Option<char> = None;
    for (i, c) in command.char_indices() {
        if quote.is_none() && c.is_whitespace() {
            if let Some(from) = start.take() {
                out.push((
                    &command[from..i],
                    literal.then(|| std::mem::take(&mut word)),
                ));
                word.clear();
                literal = true;
                assignment = false;
            }
            continue;
        }
        // A `#` that starts a word starts a comment.
        if start.is_none() && c == '#' {
            return out;
        }
        start.get_or_insert(i);
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (Some('\''), c) => word.push(c),
            (_, '$' | '`' | '\\') => literal = false,
            (None, '[') if assignment => word.push('['),
            (None, '*' | '?' | '[' | '~') => literal = false,
            (None, '=') => {
                assignment = true;
                word.push('=');
            }
            (_, c) => word.push(c),
        }
    }
    if let Some(from) = start {
        out.push((
            &command[from..],
            (literal && quote.is_none()).then_some(word),
        ));
    }
    out
}

/// The `name = value` settings of one `postconf` command (`postconf -e name=value`,
/// `postconf 'name = value'`) written out in full: name, value, and the word as written.
/// Nothing for another instance's or master.cf's settings, or for options other than `-e`.
fn postconf_literals(command: &str) -> Vec<(String, String, &str)> {
    let words = shell_words(command);
    let Some(((program, _), args)) = words.split_first() else {
        return Vec::new();
    };
    if *program != "postconf" && !program.ends_with("/postconf") {
        return Vec::new();
    }
    // `-e`, and `-v` (logging) beside it, alone or together (`-ev`).
    let edits = |raw: &str| {
        raw.strip_prefix('-')
            .is_some_and(|flags| !flags.is_empty() && flags.bytes().all(|b| b == b'e' || b == b'v'))
    };
    // `-c /etc/postfix`: the default instance, as without it.
    let default_dir = |i: usize| {
        args.get(i + 1)
            .and_then(|(_, dir)| dir.as_deref())
            .is_some_and(is_default_config_dir)
    };
    let mut skip = vec![false; args.len()];
    for (i, (raw, _)) in args.iter().enumerate() {
        if *raw == "-c" && default_dir(i) {
            skip[i] = true;
            skip[i + 1] = true;
        }
    }
    let args: Vec<&(&str, Option<String>)> = args
        .iter()
        .zip(&skip)
        .filter(|(_, skip)| !**skip)
        .map(|(arg, _)| arg)
        .collect();
    if args
        .iter()
        .any(|(raw, _)| raw.starts_with('-') && !edits(raw))
    {
        return Vec::new();
    }
    args.into_iter()
        .filter_map(|(raw, unquoted)| {
            let (name, value) = unquoted.as_deref()?.split_once('=')?;
            let (name, value) = (name.trim(), value.trim());
            let valid = is_setting_name(name) && !has_template_tag(value);
            valid.then(|| (name.to_string(), value.to_string(), *raw))
        })
        .collect()
}

/// `/etc/postfix` (quoted or not, with or without its `/`): `postconf -c` of the default
/// instance.
fn is_default_config_dir(dir: &str) -> bool {
    matches!(
        dir.trim_matches(['"', '\'']).trim_end_matches('/'),
        "/etc/postfix"
    )
}

/// A script's text with only the words of its literals kept: the rest (an `ENV` with a
/// password, a `RUN echo` that writes sasl_passwd) is no Postfix setting whose secrets
/// postlint knows, and a finding shows the lines around its own. Spaces keep every offset
/// and line.
fn kept_words(text: &str, words: &[std::ops::Range<usize>]) -> Option<std::sync::Arc<str>> {
    let mut kept = vec![false; text.len()];
    for word in words {
        kept.get_mut(word.clone())?.fill(true);
    }
    let shown: Vec<u8> = text
        .bytes()
        .zip(&kept)
        .map(|(b, &keep)| match (keep, b) {
            (true, _) | (_, b'\n') => b,
            _ => b' ',
        })
        .collect();
    // The words are whole characters, and a blank is one byte.
    String::from_utf8(shown).ok().map(std::sync::Arc::from)
}

/// Whether a text holds a template engine's tag (`{{ relay }}` of a `Dockerfile.j2` or an
/// Ansible task, `{% %}`, ERB's `<%`): a value filled in later, not written out in full.
fn has_template_tag(text: &str) -> bool {
    ["{{", "{%", "<%", "[%"]
        .iter()
        .any(|tag| text.contains(tag))
}

/// The `name = value` setting one `echo` appends to /etc/postfix/main.cf, written out in full
/// (`echo "relayhost = [smtp.example.com]:587" >> /etc/postfix/main.cf`): name, value, and
/// the words as written. Nothing for `echo -n` (the next line would join it), for words that
/// do not stand for themselves, or for a line main.cf would read as a continuation (leading
/// white space).
fn echo_literals(command: &str) -> Vec<(String, String, &str)> {
    if !appends_to_main_cf(command) {
        return Vec::new();
    }
    let Some(at) = outside_quotes(command).find_map(|(i, c)| (c == '>').then_some(i)) else {
        return Vec::new();
    };
    let words = shell_words(&command[..at]);
    let Some(((program, _), args)) = words.split_first() else {
        return Vec::new();
    };
    let args = match args {
        [(flag, _), rest @ ..] if matches!(*flag, "-e" | "-E") => rest,
        args => args,
    };
    if let ("echo", [(raw, Some(line))]) = (*program, args) {
        return setting_line(line)
            .map(|(name, value)| (name, value, *raw))
            .into_iter()
            .collect();
    }
    // `echo mynetworks = 172.0.0.0/8, 10.0.0.0/8 >> /etc/postfix/main.cf`: words the shell
    // joins with one space, each standing for itself.
    let joined: Option<Vec<&str>> = args.iter().map(|(_, word)| word.as_deref()).collect();
    match (*program, joined, args.first(), args.last()) {
        ("echo", Some(words), Some((first, _)), Some((last, _))) if words.len() > 1 => {
            let base = command.as_ptr() as usize;
            let start = first.as_ptr() as usize - base;
            let end = last.as_ptr() as usize - base + last.len();
            setting_line(&words.join(" "))
                .map(|(name, value)| (name, value, &command[start..end]))
                .into_iter()
                .collect()
        }
        _ => escaped_settings(&command[..at]).unwrap_or_default(),
    }
}

/// The settings an `echo -e` or `printf` writes with `\n` escapes between its lines (`echo
/// -e "\n# TLS\nsmtpd_tls_security_level = may\nsmtpd_tls_protocols = >=TLSv1.2"`): name,
/// value and the line as written. Its one argument is quoted text with no expansion and no
/// other escape; each line is blank, a comment or a setting (a line that may continue one, or
/// anything else: None).
fn escaped_settings(command: &str) -> Option<Vec<(String, String, &str)>> {
    let words = shell_words(command);
    let ((program, _), args) = words.split_first()?;
    let args = match (*program, args) {
        ("echo", [(flag, _), rest @ ..]) if *flag == "-e" => rest,
        ("printf", args) => args,
        _ => return None,
    };
    let [(raw, _)] = args else {
        return None;
    };
    let quote = raw.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let inner = raw.strip_prefix(quote)?.strip_suffix(quote)?;
    if inner.contains(['$', '`', quote]) || !inner.contains("\\n") || inner.contains('%') {
        return None;
    }
    let mut out = Vec::new();
    for piece in inner.split("\\n") {
        let line = piece.trim_end();
        if line.contains('\\') {
            return None;
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = setting_line(line)?;
        out.push((name, value, line));
    }
    Some(out)
}

/// A main.cf line that sets a parameter to a value written out in full (`name = value`):
/// the name and the value. None for a continuation line (leading white space), more than one
/// line, a template tag, or anything that is no parameter's name.
fn setting_line(line: &str) -> Option<(String, String)> {
    if line.contains('\n') || line.starts_with([' ', '\t']) || has_template_tag(line) {
        return None;
    }
    let (name, value) = line.split_once('=')?;
    let name = name.trim_end();
    is_setting_name(name).then(|| (name.to_string(), value.trim().to_string()))
}

/// Whether a word can be a main.cf parameter's name: a lower-case letter, then letters,
/// digits and `_`.
fn is_setting_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether an `echo` writes a blank line or a comment (`echo`, `echo '# TLS'`): no setting.
fn echoes_nothing(command: &str) -> bool {
    let words = shell_words(command);
    let Some(((program, _), args)) = words.split_first() else {
        return false;
    };
    let line: Option<Vec<&str>> = args.iter().map(|(_, word)| word.as_deref()).collect();
    *program == "echo"
        && line.is_some_and(|words| {
            let line = words.join(" ");
            line.trim().is_empty() || line.trim_start().starts_with('#')
        })
}

/// Whether a shell command appends to /etc/postfix/main.cf: `... >> /etc/postfix/main.cf`
/// (its first redirection), `... | tee -a /etc/postfix/main.cf`.
fn appends_to_main_cf(command: &str) -> bool {
    let target = |word: &str| {
        crate::model::paths::normalize(word.trim_matches(['"', '\''])) == "/etc/postfix/main.cf"
    };
    if let Some(at) = outside_quotes(command).find_map(|(i, c)| (c == '>').then_some(i)) {
        return command[at..]
            .strip_prefix(">>")
            .is_some_and(|rest| rest.split_whitespace().next().is_some_and(target));
    }
    let words: Vec<&str> = command.split_whitespace().collect();
    matches!(words.as_slice(), ["tee", "-a", file] | ["tee", "--append", file] if target(file))
}

/// The commands of one shell line, as `commands` splits them, with those of a `{ ...; }`
/// group whose output is appended to main.cf (`{ echo "a = b"; echo "c = d"; } >>
/// /etc/postfix/main.cf`) each given the group's redirection, and the group's closing `}`
/// left out. Other groups, and groups inside groups, are left as they are.
fn grouped_commands(line: &str) -> Vec<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;
    let commands = commands(line);
    let mut out = Vec::with_capacity(commands.len());
    let mut i = 0;
    while i < commands.len() {
        let opening = commands[i]
            .strip_prefix('{')
            .filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
        let group = opening.and_then(|first| {
            let end = i + 1 + commands[i + 1..].iter().position(|c| c.starts_with('}'))?;
            let redirect = commands[end][1..].trim();
            let nested = commands[i + 1..end].iter().any(|c| c.starts_with('{'));
            (!nested && redirect.starts_with(">>") && appends_to_main_cf(redirect)).then_some((
                first.trim(),
                end,
                redirect,
            ))
        });
        let Some((first, end, redirect)) = group else {
            out.push(Cow::Borrowed(commands[i]));
            i += 1;
            continue;
        };
        for inner in std::iter::once(first).chain(commands[i + 1..end].iter().copied()) {
            if !inner.is_empty() {
                out.push(Cow::Owned(format!("{inner} {redirect}")));
            }
        }
        i = end + 1;
    }
    out
}

/// At most this many file names are kept of one Dockerfile's instructions.
const MAX_MENTIONS: usize = 256;

/// Where runit and s6 look for services, each a directory with its `run` script.
const SERVICE_DIRS: &[&str] = &[
    "/etc/service",
    "/etc/sv",
    "/etc/runit",
    "/etc/services.d",
    "/etc/s6-overlay/s6-rc.d",
];

/// Where phusion's baseimage and s6-overlay run every script at start.
const INIT_DIRS: &[&str] = &["/etc/my_init.d", "/etc/cont-init.d"];

/// Programs an image runs that are no script of the repository, whatever the repository
/// names a file (`CMD ["postfix", "start-fg"]`, `CMD ["supervisord"]`).
const KNOWN_PROGRAMS: &[&str] = &[
    "postfix",
    "sh",
    "bash",
    "ash",
    "dash",
    "exec",
    "tini",
    "dumb-init",
    "supervisord",
    "runsvdir",
    "runit",
    "s6-svscan",
    "rsyslogd",
    "syslogd",
    "syslog-ng",
    "cron",
    "crond",
    "sleep",
    "tail",
    "true",
    "env",
    "python",
    "python3",
    "perl",
    "node",
    "master",
    "dovecot",
    "opendkim",
    "saslauthd",
    "nginx",
    "httpd",
    "apache2",
    "start-stop-daemon",
    "service",
];

/// The file names a Dockerfile's `RUN`, `ENTRYPOINT` and `CMD` instructions name: the last
/// part of each word with a `.` or a `/` (`docker-entrypoint.sh`, `start` of
/// `/usr/local/bin/start`), without quotes, brackets and commas. Not `COPY` or `ADD`: a
/// script copied in may never run (uneidel/docker-mail's `#CMD /install.sh`).
fn dockerfile_mentions(lines: &[(u32, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // The single-file `COPY`s and `ADD`s (source, destination), for copies under another name.
    let mut copies: Vec<(&str, &str)> = Vec::new();
    let mention = |name: &str, out: &mut Vec<String>| {
        if !name.is_empty()
            && name.len() <= 128
            && !out.iter().any(|n| n == name)
            && out.len() < MAX_MENTIONS
        {
            out.push(name.to_string());
        }
    };
    for (_, line) in lines {
        let mut words = line.split_whitespace();
        let instruction = words.next().unwrap_or("").to_ascii_uppercase();
        // What a process supervisor starts: runit's and s6's `run` scripts of the service
        // directories a `COPY` fills (`COPY service /etc/service`), and the start scripts
        // copied into phusion's or s6's init directories.
        if matches!(instruction.as_str(), "COPY" | "ADD") {
            let args: Vec<&str> = line
                .split_whitespace()
                .skip(1)
                .filter(|w| !w.starts_with("--"))
                .collect();
            if let [source, dest] = args.as_slice() {
                copies.push((*source, *dest));
            }
            if let [sources @ .., dest] = args.as_slice() {
                let dest = dest.trim_end_matches('/');
                if SERVICE_DIRS
                    .iter()
                    .any(|d| dest == *d || dest.starts_with(&format!("{d}/")))
                {
                    mention("run", &mut out);
                }
                if INIT_DIRS
                    .iter()
                    .any(|d| dest == *d || dest.starts_with(&format!("{d}/")))
                {
                    for source in sources {
                        mention(
                            source
                                .trim_end_matches('/')
                                .rsplit('/')
                                .next()
                                .unwrap_or(""),
                            &mut out,
                        );
                    }
                }
            }
            continue;
        }
        if !matches!(instruction.as_str(), "RUN" | "ENTRYPOINT" | "CMD") {
            continue;
        }
        // The program an ENTRYPOINT or CMD runs, found on PATH (`ENTRYPOINT
        // ["postfix-entrypoint"]`, a script the image copies to /usr/local/bin).
        if instruction != "RUN" {
            let program = line
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .trim_start_matches('[');
            let program = program.trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | ']'));
            if !program.contains(['.', '/', '$'])
                && program.len() >= 3
                && !KNOWN_PROGRAMS.contains(&program)
            {
                mention(program, &mut out);
            }
        }
        for word in words.flat_map(|w| w.split([';', '&', '|', '(', ')'])) {
            let word = word.trim_matches(|c: char| matches!(c, '"' | '\'' | '[' | ']' | ','));
            if !word.contains(['.', '/']) || word.contains('$') {
                continue;
            }
            mention(word.rsplit('/').next().unwrap_or(""), &mut out);
        }
    }
    // A script copied in under another name that a command runs (`COPY entrypoint.sh
    // /usr/local/bin/postfix-entrypoint.sh`, `ENTRYPOINT ["postfix-entrypoint.sh"]`): the
    // repository's file is what runs.
    let base = |path: &str| path.rsplit('/').next().unwrap_or("").to_string();
    for (source, dest) in copies {
        let (source, dest) = (base(source), base(dest));
        if !dest.is_empty() && source != dest && out.contains(&dest) {
            mention(&source, &mut out);
        }
    }
    out
}

/// [`unconditional_lines`], and the lines of a shell function the script calls once, from a
/// line that runs whenever the script does (`configure() { postconf -e ...; }` then
/// `configure`): those of its body that run whenever the function does.
fn running_lines(lines: &[(u32, String)]) -> Vec<bool> {
    let mut top = unconditional_lines(lines);
    // The functions (at most 64), each with the index of its first body line and its `}`.
    let functions: Vec<(&str, usize, usize)> = wrappers::functions(lines, MAX_FUNCTION_LINES)
        .take(64)
        .collect();
    if functions.is_empty() {
        return top;
    }
    // Where each is called: every command whose first word is its name.
    let mut calls: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (j, (_, line)) in lines.iter().enumerate() {
        let code = line.trim();
        if code.starts_with('#') {
            continue;
        }
        for command in split_outside_quotes(code, &[';', '&', '|']) {
            let first = command.split_whitespace().next().unwrap_or("");
            if let Some((name, ..)) = functions.iter().find(|(n, ..)| *n == first) {
                calls.entry(name).or_default().push(j);
            }
        }
    }
    for &(name, start, end) in &functions {
        let once = match calls.get(name).map(Vec::as_slice) {
            Some([call]) => *call,
            _ => continue,
        };
        // Called after its definition, from a line that always runs.
        if once < end || !top[once] {
            continue;
        }
        let body = unconditional_lines(&lines[start..end]);
        for (k, runs) in body.into_iter().enumerate() {
            top[start + k] |= runs;
        }
    }
    top
}

/// The file names of the scripts a shell script runs on its lines that always run (`top`):
/// a command whose program is a path to a file (`/app/bin/setup.sh`, `./relay.sh`), or a
/// `.sh` file, or such a file after `bash`, `sh`, `.` or `source`. At most
/// [`MAX_MENTIONS`].
fn script_calls(lines: &[(u32, String)], top: &[bool]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ((_, line), &runs) in lines.iter().zip(top) {
        let code = line.trim();
        if !runs || code.starts_with('#') {
            continue;
        }
        for command in split_outside_quotes(code, &[';', '&', '|']) {
            let mut words = command
                .split_whitespace()
                .map(|w| w.trim_matches(['"', '\'']));
            let mut program = words.next().unwrap_or("");
            if matches!(program, "bash" | "sh" | "." | "source") {
                program = words.find(|w| !w.starts_with('-')).unwrap_or("");
            }
            let path_like = program.contains('/') || program.ends_with(".sh");
            if !path_like || program.contains(['$', '`', '*', '?', '=']) {
                continue;
            }
            let name = program.rsplit('/').next().unwrap_or("");
            if !name.is_empty()
                && name.len() <= 128
                && !out.iter().any(|n| n == name)
                && out.len() < MAX_MENTIONS
            {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// A shell function's body longer than this is not followed into (`running_lines`).
const MAX_FUNCTION_LINES: usize = 400;

/// Which logical lines of a shell script run each time the script runs, in order and
/// unconditionally: at the top level (in no `if`, `case`, loop, `{ }` group or shell function),
/// on a line with no `&&` or `||` and not continued from one that ends in them or in `|`,
/// outside here-documents, and before the first top-level `exec COMMAND`, `exit` or `return`.
/// A line postlint cannot follow (a quote left open, a closer with no opener, parentheses that
/// do not pair on a top-level line) ends them.
fn unconditional_lines(lines: &[(u32, String)]) -> Vec<bool> {
    let mut out = vec![false; lines.len()];
    let mut depth: u32 = 0;
    let mut document: Option<String> = None;
    let mut continued = false;
    for (i, (_, line)) in lines.iter().enumerate() {
        if let Some(end) = &document {
            if line.trim() == end.as_str() {
                document = None;
            }
            continue;
        }
        let code = line.trim();
        if code.is_empty() || code.starts_with('#') {
            continue;
        }
        // `postconf -e 'a = b' || exit 1`: the commands before the guard run whenever the
        // line does; when the guard stops the script, the head's `&&` chain ran in full.
        let guard = or_guard(code);
        let stopped = guard.is_some_and(|(_, stops)| stops);
        let code = guard.map_or(code, |(head, _)| head.trim());
        // A quote that runs on to the next line: what follows is not read. A comment's
        // apostrophe (`# l'option`) opens none.
        let mut quote = None;
        let mut escaped = false;
        for c in code[..code_end(code)].chars() {
            match (quote, c) {
                (_, _) if escaped => escaped = false,
                (Some('"') | None, '\\') => escaped = true,
                (Some(q), c) if c == q => quote = None,
                (None, '\'' | '"') => quote = Some(c),
                _ => {}
            }
        }
        if quote.is_some() {
            break;
        }
        let was_continued = std::mem::replace(
            &mut continued,
            code.ends_with("&&") || code.ends_with("||") || code.ends_with('|'),
        );
        let (mut opens, mut closes) = (0u32, 0u32);
        let mut stop = false;
        for (command, conditional) in command_list(code) {
            // Inside an `if`, `case` or group opened earlier on this line (`if [ -z "$X" ];
            // then echo unset; exit 1; fi`), an `exit` is that block's.
            let nested = opens > closes;
            let mut words = command.split_whitespace();
            let first = words.next().unwrap_or("");
            match first {
                "if" | "case" | "for" | "while" | "until" | "select" | "{" => opens += 1,
                "fi" | "esac" | "done" | "}" | "};" => closes += 1,
                "exec" if depth == 0 => {
                    // `exec >/dev/null 2>&1` only redirects; `exec "$@"` ends the script.
                    stop |= words.any(|w| {
                        !w.contains(['<', '>']) && !w.starts_with(|c: char| c.is_ascii_digit())
                    });
                }
                "exit" | "return" if depth == 0 && !nested && !conditional => stop = true,
                // Runs until the container stops: what follows does not run before.
                "postfix" if depth == 0 && command.contains("start-fg") => stop = true,
                "tail" if depth == 0 && words.any(|w| w == "-f" || w == "-F") => stop = true,
                // `name() {`, `function name {`: the function's body; `name()` alone waits for
                // the `{` of the next line.
                _ if (first == "function" || command.contains("()")) && command.contains('{') => {
                    opens += 1
                }
                _ => {}
            }
        }
        let parens = outside_quotes(code).fold(0i64, |n, (_, c)| match c {
            '(' => n + 1,
            ')' => n - 1,
            _ => n,
        });
        if depth == 0 && parens != 0 {
            break;
        }
        if closes > depth + opens {
            break;
        }
        let flat = opens == 0 && closes == 0;
        out[i] = depth == 0
            && flat
            && !was_continued
            && (stopped || !code.contains("&&"))
            && !code.contains("||")
            && !stop;
        depth = depth + opens - closes;
        if let Some(end) = document_delimiter(code) {
            out[i] = false;
            document = Some(end);
        }
        if stop {
            out[i] = false;
            break;
        }
    }
    out
}

/// Parts of a shell line split at `separators` outside quotes.
/// The commands of a line, split at `;`, `&` and `|` outside quotes, each with whether it
/// follows `&&` or `||`: such a command runs only when the one before it succeeds or fails
/// (`[ -z "$X" ] && exit 1` is a guard).
fn command_list(line: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let (mut start, mut last, mut after_test) = (0, None, false);
    for (i, c) in outside_quotes(line) {
        if matches!(c, ';' | '&' | '|') {
            let command = line[start..i].trim();
            if !command.is_empty() {
                out.push((command, after_test));
                after_test = false;
            }
            // The second character of `&&` or `||`, right after the first.
            if matches!(c, '&' | '|') && i > 0 && last == Some((i - 1, c)) {
                after_test = true;
            }
            last = Some((i, c));
            start = i + 1;
        }
    }
    let command = line[start..].trim();
    if !command.is_empty() {
        out.push((command, after_test));
    }
    out
}

fn split_outside_quotes<'a>(line: &'a str, separators: &[char]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in outside_quotes(line) {
        if separators.contains(&c) {
            out.push(&line[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&line[start..code_end(line).max(start)]);
    out.into_iter()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// The delimiter of a here-document a shell line starts (`<<EOF`, `<<-'END'`): the line its
/// body ends at. None for a here-string (`<<<`) or no here-document.
fn document_delimiter(code: &str) -> Option<String> {
    let at = outside_quotes(code)
        .map(|(i, _)| i)
        .find(|&i| code[i..].starts_with("<<") && !code[i..].starts_with("<<<"))?;
    let rest = code[at + 2..].trim_start_matches('-').trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '|' | '&' | '>' | ')'))
        .filter(|c| !matches!(c, '\'' | '"' | '\\'))
        .collect();
    (!word.is_empty()).then_some(word)
}

/// What the text of one script changes.
fn scan_text(text: &str, path: &Path) -> Script {
    let mut out = Script {
        path: path.to_path_buf(),
        installs_postfix: installs_postfix_package(text),
        ..Script::default()
    };
    if MASTER_AMENDMENTS.iter().any(|m| text.contains(m)) {
        out.master = true;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let dockerfile = is_dockerfile(&name);
    if !dockerfile
        && ![
            "postconf",
            "main.cf",
            "master.cf",
            "sed ",
            "postmap",
            "postalias",
            "newaliases",
        ]
        .iter()
        .any(|w| text.contains(w))
    {
        // A script that changes nothing of Postfix's may still run one that does (an
        // entrypoint that runs `/app/bin/setup-sasl.sh`).
        let lines = logical_lines(text, false);
        out.calls = script_calls(&lines, &running_lines(&lines));
        return out;
    }
    let lines = logical_lines(text, dockerfile);
    // A shell script's last command that may replace main.cf: what it sets before is lost.
    let replaced_last = match dockerfile {
        true => None,
        false => last_main_cf_replacement(&lines),
    };
    out.replaces_main_cf = text.contains("main.cf")
        && match dockerfile {
            // A Dockerfile that only empties it (the postconf lines after write it whole).
            true => !only_extends_main_cf(text),
            false => replaced_last.is_some(),
        };
    // The lines of a shell script that run whenever it runs (for the settings it writes out
    // in full); none in a script that writes main.cf whole with a here-document.
    let top = match dockerfile {
        true => Vec::new(),
        false => running_lines(&lines),
    };
    if dockerfile {
        out.mentions = dockerfile_mentions(&lines);
    } else {
        out.calls = script_calls(&lines, &top);
    }
    // Functions that wrap postconf (`add_config_value "relayhost" "..."`): their calls are
    // settings, their bodies none.
    let wrappers = match dockerfile {
        true => wrappers::Wrappers::default(),
        false => wrappers::Wrappers::find(&lines),
    };
    let mut seen = BTreeSet::new();
    // A shell script's variables that name a path (`file=/etc/postfix/main.cf`), put in for
    // `$file` when a command is read (`cat frag >> $file`); the offsets of the settings found
    // come from the text as written, never from a command read this way.
    let mut shell_vars = ShellVars::default();
    let mut heredoc: Option<(String, Vec<String>)> = None;
    // A here-document that replaces main.cf, and those appended after it, are the main.cf
    // linted from this script (`template::heredoc`), not settings added to another: their
    // commands and bodies are passed over.
    let documents: Vec<_> = crate::template::heredoc::documents(text, false)
        .into_iter()
        .filter(|d| d.file == "main.cf")
        .collect();
    let replaced_at = documents.iter().find(|d| !d.appends).map(|d| d.command);
    let mut linted_to = 0;
    // A Dockerfile's working directory (`WORKDIR`), for relative `COPY` destinations: known
    // once the stage sets it (a base image may set its own, `/app`).
    let mut workdir = String::from("/");
    let mut workdir_known = false;
    // Where each physical line starts, for the literals' offsets.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect();
    // How many times each parameter is set, and the settings written out in full.
    let mut set_count: std::collections::HashMap<String, u32> = Default::default();
    // Of a parameter set more than once, the line of its last setting, and whether any of
    // them is not certain to run in the order it is written (under a condition, in a
    // function, in a here-document appended to main.cf).
    let mut last_set: std::collections::HashMap<String, u32> = Default::default();
    let mut uncertain_sets: std::collections::HashSet<String> = Default::default();
    // How many times each parameter is set on each line: of several on one line (`postconf
    // -e a=1 && postconf -X a`), the last literal is the last setting only when every one of
    // them is a literal.
    let mut sets_on_line: std::collections::HashMap<(String, u32), u32> = Default::default();
    // The lines of a shell script at its top level, outside any block or function.
    let plain_top = match dockerfile {
        true => Vec::new(),
        false => unconditional_lines(&lines),
    };
    let mut literals: Vec<Literal> = Vec::new();
    // The shell variables a Dockerfile gives a value, found the first time a reference asks.
    let mut shell_variables: Option<Option<std::collections::HashSet<String>>> = None;
    // The body of a Dockerfile's `RUN <<EOF` (BuildKit's here-document), a shell script run
    // as the RUN's command: its terminator, and whether any line of it is under a shell
    // condition (then none of its settings is written out for certain).
    let mut run_body: Option<(String, bool)> = None;
    // A Dockerfile's `RUN` commands that run postconf, with the working directory then: a
    // file they read settings from is applied to the image's main.cf (`postconf_inputs`).
    let mut postconf_runs: Vec<(String, String)> = Vec::new();
    for (index, (line_no, line)) in lines.iter().enumerate() {
        let line_no = *line_no;
        if line_no <= linted_to {
            continue;
        }
        if replaced_at.is_some_and(|at| at <= line_no) {
            if let Some(d) = documents.iter().find(|d| d.command == line_no) {
                linted_to = d.body.end;
                continue;
            }
        }
        // The body of a here-document appended to main.cf: its `name = value` lines, up to
        // the terminator (none: any parameter may be set).
        if let Some((end, names)) = &mut heredoc {
            if line.trim() == end.as_str() {
                let names = std::mem::take(names);
                if names.is_empty() {
                    out.main_open = true;
                }
                for name in names {
                    *set_count.entry(name.clone()).or_default() += 1;
                    uncertain_sets.insert(name.clone());
                    if seen.insert(name.clone()) {
                        out.main_params.push((name, line_no));
                    }
                }
                heredoc = None;
            } else if let Some(c) = assignment().captures(&format!(" {}", line.trim_start())) {
                if line.trim_start().starts_with(&c[1]) {
                    names.push(c[1].to_string());
                }
            }
            continue;
        }
        let mut code = line.trim_start();
        if code.starts_with('#') || wrappers.in_body(line_no) {
            continue;
        }
        if let Some(end) = heredoc_to_main_cf(code) {
            heredoc = Some((end, Vec::new()));
            continue;
        }
        if dockerfile {
            // `WORKDIR /etc/postfix` then `COPY config .`: a relative destination is the
            // working directory's.
            if code
                .split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
            {
                workdir_known = false;
            }
            if let Some(dir) = dockerfile_workdir(code) {
                workdir_known = match dir.starts_with('/') {
                    true => true,
                    false => workdir_known,
                } && !dir.contains('$');
                workdir = crate::model::paths::normalize(&match dir.starts_with('/') {
                    true => dir.to_string(),
                    false => format!("{workdir}/{dir}"),
                });
                continue;
            }
            let absolute;
            let code = match relative_copy_dest(code) {
                Some((head, dest)) if workdir_known => {
                    absolute = format!(
                        "{head} {}",
                        crate::model::paths::normalize(&format!("{workdir}/{dest}"))
                    );
                    absolute.as_str()
                }
                _ => code,
            };
            match copies_over_main_cf(code) {
                MainCfCopy::None => {}
                MainCfCopy::Replaces => out.replaces_main_cf = true,
                MainCfCopy::Sources(sources, dest) => {
                    let room = MAX_COPIES.saturating_sub(out.main_cf_copies.len());
                    out.main_cf_copies
                        .extend(sources.into_iter().take(room).map(|s| (s, dest.clone())));
                }
            }
            if let Some((sources, dest)) = dockerfile_file_copy(code) {
                let room = MAX_COPIES.saturating_sub(out.file_copies.len());
                out.file_copies
                    .extend(sources.into_iter().take(room).map(|s| (s, dest.clone())));
                continue;
            }
            if let Some((sources, dest)) = dockerfile_copy(code) {
                // A few in any real Dockerfile; a bound for a hostile one.
                let room = MAX_COPIES.saturating_sub(out.copies.len());
                out.copies
                    .extend(sources.into_iter().take(room).map(|s| (s, dest.clone())));
                out.copied_at.resize(out.copies.len(), line_no);
                continue;
            }
        }
        // A Dockerfile's `RUN`, in the shell form or the exec form (`RUN ["postconf", "-e",
        // "name=value"]`, each word quoted again for the shell reading below).
        let exec_form;
        let written;
        let mut written_run = false;
        let mut run = false;
        let mut body_conditional = false;
        if let Some((end, conditional)) = &run_body {
            if code.trim_end() == end.as_str() {
                run_body = None;
                continue;
            }
            run = true;
            body_conditional = *conditional;
        }
        // Instructions are read whatever their case (`run postconf -e ...`).
        let instruction = code
            .get(..4)
            .filter(|w| w.eq_ignore_ascii_case("RUN ") && run_body.is_none());
        if let Some(end) = instruction
            .and_then(|_| run_heredoc(&code[4..]))
            .filter(|_| dockerfile)
        {
            let body = lines[index + 1..]
                .iter()
                .map(|(_, l)| l.trim())
                .take_while(|l| *l != end.as_str());
            let conditional = body
                .filter(|l| !l.starts_with('#'))
                .any(|l| conditional(l) || l.starts_with(['(', '{']));
            run_body = Some((end, conditional));
            continue;
        }
        if let Some(rest) = instruction.map(|w| &code[w.len()..]).filter(|_| dockerfile) {
            if rest.contains("postconf") && postconf_runs.len() < 16 {
                postconf_runs.push((rest.to_string(), workdir.clone()));
            }
            code = rest.trim_start();
            if let Some(script) = written_script(code) {
                written = script;
                code = &written;
                written_run = true;
            }
            run = !code.starts_with('[');
            if code.starts_with('[') {
                if let Some(command) = exec_form_command(code) {
                    exec_form = command;
                    code = &exec_form;
                }
            }
        }
        for command in grouped_commands(code) {
            let command = command.as_ref();
            let filled;
            let command = match dockerfile {
                true => command,
                false => {
                    shell_vars.note(command);
                    filled = shell_vars.fill(command);
                    filled.as_deref().unwrap_or(command)
                }
            };
            if dockerfile && out.main_cf_chmods.len() < MAX_ITEMS {
                if let Some(bits) = chmod_bits(command) {
                    out.main_cf_chmods
                        .push((line_no, command.trim().to_string(), bits));
                }
            }
            table_builds(command, &mut out.builds);
            out.note_mode_changes(chmod_paths(command));
            if dockerfile && run && empties_main_cf(command) {
                out.empties_main_cf.get_or_insert(line_no);
            }
            // A bound for a hostile script: each is matched against every main.cf value.
            let room = MAX_ITEMS.saturating_sub(out.file_placeholders.len());
            for pattern in sed_placeholders_in(command, Edited::Other)
                .into_iter()
                .take(room)
            {
                if !out.file_placeholders.contains(&pattern) {
                    out.file_placeholders.push(pattern);
                }
            }
            let room = MAX_ITEMS.saturating_sub(out.main_placeholders.len());
            out.main_placeholders.extend(
                sed_placeholders(command)
                    .into_iter()
                    .take(room)
                    .map(|pattern| (pattern, line_no)),
            );
            match sed_in_place(command) {
                // Uncommenting a service, changing a field: master.cf is amended.
                Some((Edited::MasterCf, _)) => out.master = true,
                // A database .cf, often `"/etc/postfix/$f"` in a loop.
                Some((Edited::Other, keys)) => out.file_keys.extend(keys),
                _ => {}
            }
            let names = match wrappers.call(command) {
                Some(call) => call.key.map(|key| vec![key]),
                None => command_names(command),
            };
            match names {
                None => out.main_open = true,
                Some(names) => {
                    // Whether this setting runs, in the order it is written, whenever the
                    // script or image build does.
                    let in_order = match dockerfile {
                        true => run && !body_conditional && !conditional(code),
                        false => plain_top.get(index).copied().unwrap_or(false),
                    };
                    for name in names {
                        *set_count.entry(name.clone()).or_default() += 1;
                        last_set.insert(name.clone(), line_no);
                        *sets_on_line.entry((name.clone(), line_no)).or_default() += 1;
                        // A start script a RUN writes runs when the container starts, if
                        // at all: after every RUN, and maybe never.
                        if !in_order || written_run {
                            uncertain_sets.insert(name.clone());
                        }
                        if seen.insert(name.clone()) {
                            out.main_params.push((name, line_no));
                        }
                    }
                }
            }
            for name in postconf_sets(command) {
                if !out.postconf_sets.iter().any(|(n, _)| *n == name) {
                    out.postconf_sets.push((name, line_no));
                }
            }
        }
        // A Dockerfile's `RUN postconf` (or a shell script's postconf) whose argument holds a
        // Postfix `$name` the shell expands: whenever the line runs, postconf gets the shell's
        // (empty) variable.
        if (run || !dockerfile) && out.shell_references.len() < MAX_ITEMS && code.contains('$') {
            let first = line_starts[(line_no - 1) as usize];
            let last = lines
                .get(index + 1)
                .map_or(text.len(), |(next, _)| line_starts[(*next - 1) as usize]);
            let mut from = first;
            for command in grouped_commands(code) {
                let command = command.as_ref();
                // `echo "smtpd_banner = $myhostname ESMTP" >> /etc/postfix/main.cf`: the
                // text main.cf gets is the shell's too.
                let echo = appends_to_main_cf(command)
                    && matches!(command.split_whitespace().next(), Some("echo"));
                if postconf_sets(command).is_empty() && !echo {
                    continue;
                }
                for (raw, _) in shell_words(command) {
                    let names = shell_expanded_names(raw);
                    if names.is_empty() {
                        continue;
                    }
                    let Some(at) = text[from..last].find(raw).map(|at| from + at) else {
                        continue;
                    };
                    from = at + raw.len();
                    // `echo -e "a = $x\nb = $y"`: which setting each reference is in is not
                    // read.
                    if echo && raw.contains("\\n") {
                        continue;
                    }
                    let unquoted: String =
                        raw.chars().filter(|c| !matches!(c, '"' | '\'')).collect();
                    let Some(setting) = unquoted
                        .split_once('=')
                        .map(|(n, _)| n.trim().to_string())
                        .filter(|n| is_setting_name(n))
                    else {
                        continue;
                    };
                    // A password table's setting is never shown.
                    if crate::model::secrets::is_secret_table_param(&setting) {
                        continue;
                    }
                    // The names the Dockerfile (ARG, ENV, assignments) or the script gives a
                    // value, or reads as its own; None for a script that may set variables
                    // postlint cannot see (it sources a file, runs eval).
                    let variables = shell_variables.get_or_insert_with(|| match dockerfile {
                        true => Some(
                            dockerfile_shell_variables(text)
                                .into_iter()
                                .map(str::to_string)
                                .collect(),
                        ),
                        false => crate::template::heredoc::assigned(text, &[])
                            .map(|names| names.into_iter().map(str::to_string).collect()),
                    });
                    let Some(variables) = variables else {
                        continue;
                    };
                    for (offset, len, name) in names {
                        // `myhostname = $myhostname` names itself: the shell's variable on
                        // purpose (from the container's environment), no Postfix reference.
                        if name == setting {
                            continue;
                        }
                        if out.shell_references.len() < MAX_ITEMS && !variables.contains(&name) {
                            out.shell_references.push(ShellReference {
                                line: line_no,
                                at: at + offset..at + offset + len,
                                word: at..at + raw.len(),
                                name,
                                setting: setting.clone(),
                                echo,
                            });
                        }
                    }
                }
            }
        }
        // A Dockerfile's `RUN postconf -e name=value` outside any shell condition, or a
        // shell script's on a line that runs whenever the script does, after the script's
        // last command that may replace main.cf: the values written out in full, found in
        // the lines of this instruction.
        let script_runs = !dockerfile
            && replaced_at.is_none()
            && top.get(index).copied().unwrap_or(false)
            && replaced_last.is_none_or(|last| line_no > last);
        if (dockerfile && run && !body_conditional && !conditional(code) && !written_run)
            || script_runs
        {
            let first = line_starts[(line_no - 1) as usize];
            let last = lines
                .get(index + 1)
                .map_or(text.len(), |(next, _)| line_starts[(*next - 1) as usize]);
            // The words stand in the file in the order they are read: each is looked for
            // after the one before, so an instruction is searched once.
            let mut from = first;
            // Of `HEAD || TAIL`, only the head runs whenever the line does.
            let code = or_guard(code).map_or(code, |(head, _)| head);
            for command in grouped_commands(code) {
                let command = command.as_ref();
                // A wrapper's call: the key and value as written, each found in the text.
                if let Some(call) = wrappers.call(command) {
                    let (Some(name), Some(value)) = (call.key, call.value) else {
                        continue;
                    };
                    // As for postconf's own arguments: a template's tag is no value yet.
                    if has_template_tag(&value) {
                        continue;
                    }
                    let Some(key_at) = text[from..last].find(call.key_raw).map(|i| from + i) else {
                        continue;
                    };
                    // The word shown starts at the function's name (the line reads as the
                    // setting it makes).
                    let function = command.split_whitespace().next().unwrap_or("");
                    let shown_from = text[from..key_at]
                        .rfind(function)
                        .map_or(key_at, |i| from + i);
                    let after = key_at + call.key_raw.len();
                    let Some(value_word) =
                        text[after..last].find(call.value_raw).map(|i| after + i)
                    else {
                        continue;
                    };
                    from = value_word + call.value_raw.len();
                    let (Some(name_at), Some(value_at)) = (
                        call.key_raw.find(name.as_str()).map(|i| key_at + i),
                        call.value_raw.find(value.as_str()).map(|i| value_word + i),
                    ) else {
                        continue;
                    };
                    literals.push(Literal {
                        name,
                        value,
                        line: line_no,
                        name_at,
                        value_at,
                        word: shown_from..from,
                    });
                    continue;
                }
                let found = match echo_literals(command) {
                    found if !found.is_empty() => found,
                    _ => postconf_literals(command),
                };
                for (name, value, raw) in found {
                    let Some(at) = text[from..last].find(raw) else {
                        continue;
                    };
                    let at = from + at;
                    from = at + raw.len();
                    let Some(eq) = raw.find('=') else {
                        continue;
                    };
                    let (Some(name_at), Some(value_at)) =
                        (raw.find(name.as_str()), raw[eq + 1..].find(value.as_str()))
                    else {
                        continue;
                    };
                    let (name_at, value_at) = (at + name_at, at + eq + 1 + value_at);
                    let stands =
                        |at: usize, word: &str| text.get(at..at + word.len()) == Some(word);
                    if stands(name_at, &name) && stands(value_at, &value) {
                        literals.push(Literal {
                            name,
                            value,
                            line: line_no,
                            name_at,
                            value_at,
                            word: at..at + raw.len(),
                        });
                    }
                }
            }
        }
    }
    // A parameter set more than once has the value of its last setting (`postconf -e`
    // writes over the one before): when every setting runs in the order it is written and the
    // last is written out in full. Else (one under a condition, or the last from a variable)
    // it has no one value.
    let mut literals_on_line: std::collections::HashMap<(&str, u32), u32> = Default::default();
    for l in &literals {
        *literals_on_line
            .entry((l.name.as_str(), l.line))
            .or_default() += 1;
    }
    let keep: Vec<bool> = {
        let mut kept: std::collections::HashSet<&str> = Default::default();
        let mut keep: Vec<bool> = literals
            .iter()
            .rev()
            .map(|l| match set_count.get(&l.name) {
                Some(1) => true,
                Some(_) => {
                    let on_line = sets_on_line.get(&(l.name.clone(), l.line)).copied();
                    !uncertain_sets.contains(&l.name)
                        && last_set.get(&l.name) == Some(&l.line)
                        && on_line == literals_on_line.get(&(l.name.as_str(), l.line)).copied()
                        && kept.insert(l.name.as_str())
                }
                None => false,
            })
            .collect();
        keep.reverse();
        keep
    };
    let mut keep = keep.into_iter();
    literals.retain(|_| keep.next().unwrap_or(false));
    let words: Vec<std::ops::Range<usize>> = literals
        .iter()
        .map(|l| l.word.clone())
        .chain(out.shell_references.iter().map(|r| r.word.clone()))
        .collect();
    if !words.is_empty() {
        match kept_words(text, &words) {
            Some(shown) => {
                out.literals = literals;
                out.text = Some(shown);
            }
            None => out.shell_references.clear(),
        }
    }
    // A here-document that never ends: what it appends is unknown.
    if heredoc.is_some() {
        out.main_open = true;
    }
    out.postconf_inputs = postconf_inputs(&out.file_copies, &postconf_runs);
    out
}

/// Whether a shell script installs Postfix's package with a package manager
/// (`apt-get install -y postfix`, `yum -y install postfix`, `apk add postfix`), a command
/// continued over lines with `\` read as one.
fn installs_postfix_package(text: &str) -> bool {
    static INSTALL: OnceLock<regex::Regex> = OnceLock::new();
    if !text.contains("postfix") {
        return false;
    }
    let install = INSTALL.get_or_init(|| {
        regex::Regex::new(
            r"(?m)\b(?:apt-get|apt|aptitude|yum|dnf|zypper|apk|pacman)\b[^\n;&|]*\s(?:install|add|in|-S|-Sy)\s(?:[^\n;&|]*\s)?postfix(?:\s|$)",
        )
        .expect("a valid pattern")
    });
    install.is_match(&text.replace("\\\n", " "))
}

/// The sources of a Dockerfile's copies (`COPY config/main.cf main.cf`) that a `RUN` running
/// postconf reads (`cat main.cf | while read line; do postconf $line; done`, `xargs postconf
/// -e < /tmp/main.cf`): it names the copy's destination, or its file name in the directory it
/// runs in.
fn postconf_inputs(copies: &[(String, String)], runs: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (source, dest) in copies {
        let (dir, name) = dest.rsplit_once('/').unwrap_or(("", dest));
        let dir = if dir.is_empty() { "/" } else { dir };
        let read = runs.iter().any(|(run, workdir)| {
            run.split(|c: char| c.is_whitespace() || matches!(c, '<' | '|' | ';' | '"' | '\''))
                .any(|word| {
                    word == dest
                        || word == name
                            && workdir.trim_end_matches('/') == dir.trim_end_matches('/')
                })
        });
        if read && !out.contains(source) {
            out.push(source.clone());
        }
    }
    out
}

/// A Dockerfile or Containerfile by its (lower-cased) name: `Dockerfile`, `Dockerfile.alpine`,
/// `mail.dockerfile`.
/// The names a Dockerfile's `ENV` instructions set that have a lower-case letter (`ENV
/// myhostname=mail.example.com`, `ENV mydomain example.com`, several `a=b c=d` on one line):
/// the only ones a Postfix parameter's name could be. At most 256.
pub fn dockerfile_env_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    // An instruction continues on the next line after a `\` (`ENV a=1 \` then `b=2`).
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    for line in joined.lines() {
        let mut words = line.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("ENV")) {
            continue;
        }
        let rest: Vec<&str> = words.collect();
        let pairs = rest.first().is_some_and(|w| w.contains('='));
        let candidates: Vec<&str> = match pairs {
            true => rest
                .iter()
                .filter_map(|w| w.split_once('='))
                .map(|(n, _)| n)
                .collect(),
            false => rest.first().copied().into_iter().collect(),
        };
        for name in candidates {
            let is_name = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && name.bytes().any(|b| b.is_ascii_lowercase());
            if is_name && names.len() < 256 && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Whether a file name is a Dockerfile's (`Dockerfile`, `Dockerfile.dev`, `Containerfile`,
/// `web.dockerfile`), whatever its case.
/// An Ansible task file (or playbook): its tasks run when the play runs.
pub fn is_task_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

pub fn is_dockerfile_path(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| is_dockerfile_name(&n.to_string_lossy()))
}

pub fn is_dockerfile_name(name: &str) -> bool {
    is_dockerfile(&name.to_ascii_lowercase())
}

fn is_dockerfile(name: &str) -> bool {
    name.starts_with("dockerfile")
        || name.starts_with("containerfile")
        || name.ends_with(".dockerfile")
}

/// The terminator of a Dockerfile's `RUN <<EOF` (options may come first): the instruction's
/// command is the here-document's body, a shell script. None for a here-document fed to a
/// command (`RUN cat <<EOF > file`) or run by another program.
fn run_heredoc(rest: &str) -> Option<String> {
    // `RUN --mount=... <<EOF`: the options go first.
    let mut words = rest.split_whitespace().skip_while(|w| w.starts_with("--"));
    let word = words.next()?.strip_prefix("<<")?;
    // `<<EOF bash`: the body run by another program (python) is no shell script; `<<EOF
    // sh` or `bash` is.
    if let Some(program) = words.next() {
        if !matches!(program, "sh" | "bash" | "/bin/sh" | "/bin/bash") {
            return None;
        }
    }
    let word = word.trim_start_matches('-').trim_matches(['"', '\'']);
    (!word.is_empty() && !word.contains("<<")).then(|| word.to_string())
}

/// For `cat <<EOF >> /etc/postfix/main.cf` (or `| tee -a main.cf`): the terminator word.
fn heredoc_to_main_cf(code: &str) -> Option<String> {
    let at = code.find("<<")?;
    let appends = code.contains(">>") || code.contains("tee -a");
    if !appends || !code.split_whitespace().any(is_main_cf) {
        return None;
    }
    let word = code[at + 2..]
        .trim_start_matches('-')
        .split_whitespace()
        .next()?
        .trim_matches(['"', '\'']);
    (!word.is_empty()).then(|| word.to_string())
}

/// The scripts of the repository at `root` that change something.
/// Words of which a YAML or Salt state file that changes Postfix's files names one.
const POSTFIX_WORDS: &[&str] = &[
    "main.cf",
    "master.cf",
    "postconf",
    "/etc/postfix",
    "postmap",
    "newaliases",
];

/// A Fabric deploy script (`fabfile.py`, or a module of a `fabfile/` package): its `run()` and
/// `sudo()` calls hold shell commands (`sudo('postconf -e "myhostname = %s"' % host)`), read
/// as a script's lines.
fn is_fabric_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase());
    name.as_deref() == Some("fabfile.py")
        || name.as_deref().is_some_and(|n| n.ends_with(".py"))
            && path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d.eq_ignore_ascii_case("fabfile"))
}

/// Whether a file of the repository is where a system image keeps its distribution's programs
/// (`usr/bin`, `usr/sbin`, `usr/lib/postfix`, `etc/init.d`, ...): the package's own scripts
/// (post-install, postmulti-script, Debian's postfix-add-filter) set up no deployment, and
/// read as one they would make every parameter unknown. `usr/local` is the admin's.
fn distribution_owned(path: &Path) -> bool {
    let dirs: Vec<String> = path
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .filter_map(|c| match c {
            std::path::Component::Normal(n) => Some(n.to_string_lossy().to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    dirs.windows(2).any(|w| {
        matches!(
            (w[0].as_str(), w[1].as_str()),
            (
                "usr",
                "bin" | "sbin" | "lib" | "lib64" | "libexec" | "share"
            ) | (
                "etc",
                "init.d" | "network" | "ppp" | "rc.d" | "cron.daily" | "cron.weekly"
            )
        )
    })
}

/// Files read only for what they say of milter sockets ([`milter_sockets`]): fstab, systemd
/// units and supervisord's programs (`command=/usr/sbin/opendkim -p ...`).
fn is_unit_or_mounts(name: &str) -> bool {
    name == "fstab"
        || name.ends_with(".mount")
        || name.ends_with(".service")
        || (name.contains("supervisor") && (name.ends_with(".conf") || name.ends_with(".ini")))
}

pub fn scan(root: &Path) -> Vec<Script> {
    let mut out = Vec::new();
    let mut budget: u64 = 32 << 20;
    let walker = crate::discover::tree_walker(root)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            // A script whose name has no extension (`run-postfix`, named by a Dockerfile's
            // ENTRYPOINT) is one by its `#!` line.
            let bare_script = || {
                !name.contains('.')
                    && !distribution_owned(e.path().strip_prefix(root).unwrap_or(e.path()))
                    && crate::discover::is_shell_script(e.path())
            };
            name.ends_with(".sh")
                || name.ends_with(".bash")
                || name.ends_with(".sls")
                || is_chef_recipe(e.path())
                || name.ends_with(".pp")
                || is_supervisor_conf_name(&name, e.path())
                || name.ends_with(".yml")
                || name.ends_with(".yaml")
                || is_dockerfile(&name)
                || name.contains("entrypoint")
                || name == "run"
                || is_unit_or_mounts(&name)
                || is_fabric_file(e.path())
                || bare_script()
        })
        // Scripts of tests, examples and backups set up no server that runs.
        .filter(|e| {
            let inside = e.path().strip_prefix(root).unwrap_or(e.path());
            !crate::discover::set_aside_by_directory(inside)
                && !crate::discover::under_test_inputs(inside)
        })
        .take(MAX_FILES);
    // Puppet manifests that may install Postfix's files, read together after the walk: a
    // define in one may wrap the `file` resource another's declarations install with.
    let mut manifests: Vec<(PathBuf, String)> = Vec::new();
    for entry in walker {
        let Some(text) = crate::discover::small_text(entry.path()) else {
            continue;
        };
        budget = budget.saturating_sub(text.len() as u64);
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        // Most YAML and state files (variables, CI, other services) name nothing of
        // Postfix's and are not parsed.
        let names_postfix = || POSTFIX_WORDS.iter().any(|w| text.contains(w));
        if name.ends_with(".pp") {
            if names_postfix() || text.contains("define") {
                manifests.push((entry.path().to_path_buf(), text));
            }
            if budget == 0 {
                break;
            }
            continue;
        }
        let supervisor = is_supervisor_conf_name(&name, entry.path());
        let mut script = if is_unit_or_mounts(&name) || supervisor {
            // Read for what they say of sockets, and, supervisord's, for the scripts its
            // programs' commands run.
            Script {
                path: entry.path().to_path_buf(),
                mentions: match supervisor {
                    true => supervisor_mentions(&text),
                    false => Vec::new(),
                },
                supervisor_dir: supervisor.then(|| dockerfile_dir_above(entry.path(), root)),
                ..Script::default()
            }
        } else if name.ends_with(".sls") {
            // Salt states.
            match names_postfix() {
                true => scan_sls(&text, entry.path(), root),
                false => Script::default(),
            }
        } else if name.ends_with(".rb") {
            // Chef recipes (`is_chef_recipe`).
            let mut script = Script {
                path: entry.path().to_path_buf(),
                ..Script::default()
            };
            if names_postfix() {
                chef::scan_recipe(&text, entry.path(), &mut script);
            }
            script
        } else if name.ends_with(".yml") || name.ends_with(".yaml") {
            // Ansible tasks and compose files; and, for which task files run, the Ansible
            // files that include tasks or apply roles.
            let structure = [
                "include_tasks",
                "import_tasks",
                "include:",
                "include_role",
                "import_role",
                "role:",
            ];
            if names_postfix() || structure.iter().any(|w| text.contains(w)) {
                scan_yaml(&text, entry.path())
            } else {
                Script::default()
            }
        } else {
            let mut script = scan_text(&text, entry.path());
            if is_dockerfile(&name) {
                script.image = crate::image::read(&text);
            }
            // What a Dockerfile copies over /etc/postfix: the repository's files tell whether
            // it brings a main.cf.
            let bases = [entry.path().parent().unwrap_or(root), root];
            script.replaces_main_cf |= script
                .main_cf_copies
                .iter()
                .any(|(source, dest)| brings_main_cf(&bases, source, dest));
            // A file of another name copied over main.cf or master.cf (`COPY postfix.conf
            // /etc/postfix/main.cf`): the repository's main.cf, linted as the ones Ansible
            // tasks install are (`discover::ansible_setups`).
            if is_dockerfile(&name) {
                let bound = lexical(root);
                let copied: Vec<(PathBuf, &'static str)> = script
                    .copies
                    .iter()
                    .filter(|(source, _)| !source.contains(['*', '?', '[']))
                    .filter_map(|(source, dest)| {
                        let which = match crate::model::paths::normalize(dest).as_str() {
                            "/etc/postfix/main.cf" => "main.cf",
                            "/etc/postfix/master.cf" => "master.cf",
                            _ => return None,
                        };
                        bases
                            .iter()
                            .filter_map(|base| climbing_within(&base.join(source), &bound))
                            .find(|path| crate::discover::regular_file(path))
                            .map(|path| (path, which))
                    })
                    .collect();
                for (file, which) in copied {
                    script.add_install(file, which);
                }
            }
            script
        };
        script.sockets = milter_sockets(&text);
        if script.is_dockerfile() {
            script.env_names = dockerfile_env_names(&text);
        }
        // A script that writes main.cf with a here-document. Not a template of a script
        // (`{{ }}` in it: its documents are no shell text yet), nor Python (Fabric).
        let yaml = [".yml", ".yaml", ".sls"].iter().any(|e| name.ends_with(e));
        if text.contains("<<")
            && text.contains("main.cf")
            && !is_unit_or_mounts(&name)
            && !name.ends_with(".py")
            && !["{{", "{%", "<%"].iter().any(|t| text.contains(t))
        {
            use crate::template::heredoc::{documents, replacing_in};
            let docs = documents(&text, yaml);
            script.main_cf_heredocs = replacing_in(&docs, "main.cf");
            script.master_cf_heredocs = replacing_in(&docs, "master.cf");
        }
        // A YAML file that writes main.cf out in a literal block (a ConfigMap's `main.cf: |`,
        // an Ansible `copy` task's `content: |`), a Helm template of one too: its
        // `{{ .Values.x }}` are unknown values (`template::embedded`).
        if yaml && name != "docker-compose.yml" && text.contains("main.cf") {
            let embedded = crate::template::embedded::blocks;
            script.main_cf_heredocs.extend(embedded(&text, "main.cf"));
            script
                .master_cf_heredocs
                .extend(embedded(&text, "master.cf"));
            script.main_cf_blocks = !script.main_cf_heredocs.is_empty();
        }
        if script.path.as_os_str().is_empty() {
            script.path = entry.path().to_path_buf();
        }
        if script.changes_something() {
            out.push(script);
        }
        if budget == 0 {
            break;
        }
    }
    out.extend(puppet::scan(&manifests, root));
    out
}

mod ansible;
mod chef;
mod modes;
mod puppet;
mod salt;
mod wrappers;

use ansible::{climbing_within, scan_yaml};
use modes::{chmod_bits, chmod_paths, octal_mode, ChmodBits};
pub use modes::{is_under, mode_changed, ChmodAt, ChmodEffect, ModeChange};
pub(crate) use salt::found_above;
use salt::scan_sls;

/// A supervisord configuration by its name: `supervisord.conf`, or a `.conf`/`.ini` file with
/// `supervisor` in its name or its directory's (`supervisor/conf.d/postfix.conf`).
fn is_supervisor_conf_name(name: &str, path: &Path) -> bool {
    (name.ends_with(".conf") || name.ends_with(".ini"))
        && (name.contains("supervisor")
            || path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d.to_string_lossy().contains("supervisor"))
            || path
                .parent()
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .is_some_and(|d| d.to_string_lossy().contains("supervisor")))
}

/// The file names a supervisord configuration's `command` lines run (`command =
/// /opt/postfix/postfix.sh`), in its `[program:...]` sections.
fn supervisor_mentions(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_program = false;
    for line in text.lines() {
        let code = line.trim();
        if code.starts_with('[') {
            in_program = code.starts_with("[program:");
            continue;
        }
        let Some(command) = code
            .strip_prefix("command")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
            .filter(|_| in_program)
        else {
            continue;
        };
        for word in command
            .split_whitespace()
            .flat_map(|w| w.split([';', '&', '|']))
        {
            let word = word.trim_matches(|c: char| matches!(c, '"' | '\''));
            if !word.contains(['.', '/']) || word.contains(['$', '%']) {
                continue;
            }
            let name = word.rsplit('/').next().unwrap_or("");
            if !name.is_empty() && name.len() <= 128 && !out.iter().any(|n| n == name) {
                if out.len() >= MAX_MENTIONS {
                    return out;
                }
                out.push(name.to_string());
            }
        }
    }
    out
}

/// The directory of the nearest Dockerfile at or above `path`'s directory, inside `root`
/// (else `path`'s own directory): the image whose supervisord reads a configuration.
fn dockerfile_dir_above(path: &Path, root: &Path) -> PathBuf {
    let own = path.parent().unwrap_or(Path::new(""));
    own.ancestors()
        .take_while(|dir| dir.starts_with(root))
        .take(16)
        .find(|dir| crate::discover::regular_file(&dir.join("Dockerfile")))
        .unwrap_or(own)
        .to_path_buf()
}

/// A Chef recipe: a `.rb` file in a cookbook's `recipes/` directory.
fn is_chef_recipe(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rb")
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == "recipes")
}

#[cfg(test)]
mod tests {
    use super::ansible::key_values;
    use super::*;

    #[test]
    fn a_script_that_installs_the_postfix_package() {
        use super::installs_postfix_package as installs;
        assert!(installs("apt-get install -y postfix\n"));
        assert!(installs(
            "DEBIAN_FRONTEND=noninteractive apt-get -y install mailutils postfix\n"
        ));
        assert!(installs("apt-get install -y \\\n  postfix postfix-mysql\n"));
        assert!(installs("yum -y install postfix cyrus-sasl"));
        assert!(installs("apk add --no-cache postfix"));
        assert!(!installs("apt-get install -y postfix-mysql\n"));
        assert!(!installs(
            "apt-get install -y mailutils\npostconf -e 'x = postfix'\n"
        ));
        assert!(!installs("apt-get remove postfix\n"));
        assert!(!installs("echo apt-get install; postfix start\n"));
    }

    #[test]
    fn chmod_paths_and_the_installed_files_they_may_change() {
        use super::{chmod_paths, mode_changed};
        let paths =
            |c: &str| -> Vec<String> { chmod_paths(c).into_iter().map(|p| p.path).collect() };
        let change = |path: &str, mode, recursive| super::ModeChange {
            path: path.to_string(),
            mode,
            recursive,
        };
        assert_eq!(
            chmod_paths("sudo chmod -R 0600 /etc/postfix//sasl/ 'x'"),
            [
                change("/etc/postfix/sasl", Some(0o600), true),
                change("x", Some(0o600), true)
            ]
        );
        assert_eq!(chmod_paths("chmod go-rwx /x"), [change("/x", None, false)]);
        assert_eq!(paths("chown root /etc/postfix/x"), Vec::<String>::new());
        assert_eq!(paths("chmod 600 $DIR/x"), ["$DIR/x"]);
        assert_eq!(
            paths("chmod 600 {{ dir }}/x /etc/{{ a }}{{ b }}"),
            ["{{}}/x", "/etc/{{}}{{}}"]
        );
        let dest = "/etc/postfix/sasl/sasl_passwd";
        assert!(mode_changed("/etc/postfix/sasl/sasl_passwd", dest));
        assert!(mode_changed("/etc/postfix/sasl", dest));
        assert!(mode_changed("/etc/postfix/sasl/*", dest));
        assert!(mode_changed("/etc/postfix/*/x", dest));
        assert!(mode_changed("$DIR/x", dest));
        assert!(mode_changed("/etc/postfix/{{ item }}", dest));
        assert!(mode_changed("/etc/postfix/sasl/sasl_${x}", dest));
        assert!(!mode_changed("/etc/opendkim/keys/{{ item }}", dest));
        assert!(mode_changed("sasl_passwd", dest));
        assert!(!mode_changed("/etc/postfix/sasl/sasl_passwd.db", dest));
        assert!(!mode_changed("/etc/postfix/sas", dest));
        assert!(!mode_changed("/etc/dovecot/*", dest));
    }

    #[test]
    fn an_or_guard_splits_the_head_from_the_tail() {
        let head = "postconf -e 'a = b'";
        for (tail, stops) in [
            ("exit 1", true),
            ("exit", false),
            ("exit 0", false),
            ("return 2", true),
            ("false", true),
            ("true", false),
            ("echo failed", false),
            ("{ echo failed >&2; exit 1; }", true),
            ("{ echo failed; }", false),
            ("{ exit 1; echo never; }", false),
        ] {
            assert_eq!(
                or_guard(&format!("{head} || {tail}")),
                Some((format!("{head} ").as_str(), stops)),
                "{tail}"
            );
        }
        for line in [
            "postconf -e 'a = b'",
            "postconf -e 'a || b'",
            "postconf -e 'a = b' || {",
            "postconf -e 'a = b' || exit 1; postconf -e 'c = d'",
            "postconf -e 'a = b' || (exit 1)",
            "postconf -e 'a = b' || echo $(date)",
            "a || b || exit 1",
            " || exit 1",
        ] {
            assert_eq!(or_guard(line), None, "{line}");
        }
    }

    #[test]
    fn the_shell_expands_postfix_references_outside_single_quotes() {
        let names = |word: &str| -> Vec<String> {
            shell_expanded_names(word)
                .into_iter()
                .map(|(at, len, name)| {
                    assert!(word[at..at + len].contains(&name));
                    name
                })
                .collect()
        };
        assert_eq!(
            names("mydestination=\"$myhostname localhost.${mydomain}\""),
            ["myhostname", "mydomain"]
        );
        assert_eq!(names("a=$myhostname"), ["myhostname"]);
        for word in [
            "'mydestination = $myhostname'",
            "\"mydestination = \\$myhostname\"",
            "\"relayhost = $relay_host\"",
            "\"x = $MYHOSTNAME\"",
            "\"x = $myhostnameX\"",
            "\"x = ${myhostname:-a}\"",
            "\"x = $1\"",
        ] {
            assert!(names(word).is_empty(), "{word}");
        }
    }

    /// A per-service parameter of a service whose name holds a `-` is a name postconf sets,
    /// not a computed one that would make every parameter unknown (MickaelBergem).
    #[test]
    fn a_service_name_with_a_hyphen_is_a_setting_name() {
        assert_eq!(
            command_names("postconf -e policy-spf_time_limit=3600s"),
            Some(vec!["policy-spf_time_limit".to_string()])
        );
        assert!(is_setting_name("policy-spf_time_limit"));
        assert_eq!(command_names("postconf -e \"$NAME=x\""), None);
    }

    #[test]
    fn postconf_sets_only_what_it_sets() {
        assert_eq!(
            postconf_sets("postconf -e smtpd_use_tls=yes"),
            ["smtpd_use_tls"]
        );
        assert_eq!(
            postconf_sets("postconf -e \"a_b=${X}\" 'c = d' > /dev/null"),
            ["a_b", "c"]
        );
        assert_eq!(
            postconf_sets("sh -c 'postconf myhostname=$H'"),
            ["myhostname"]
        );
        for command in [
            "postconf -X smtpd_use_tls",
            "postconf -# smtpd_use_tls",
            "postconf -Me submission/inet='submission inet n - n - - smtpd'",
            "postconf -c /etc/postfix-out -e smtpd_use_tls=yes",
            "postconf -h smtpd_use_tls",
            "echo smtpd_use_tls=yes",
        ] {
            assert!(postconf_sets(command).is_empty(), "{command}");
        }
    }

    #[test]
    fn distribution_programs_are_no_set_up_scripts() {
        for path in [
            "rootfs/usr/lib/postfix/post-install",
            "rootfs/usr/sbin/postfix-add-filter",
            "rootfs/etc/init.d/postfix",
            "usr/share/postfix/make-ssl-cert",
        ] {
            assert!(distribution_owned(Path::new(path)), "{path}");
        }
        for path in [
            "rootfs/usr/local/bin/startup",
            "usr/local/bin/load_env",
            "run-postfix",
            "bin/start",
            "rootfs/etc/cont-init.d/10-postfix",
        ] {
            assert!(!distribution_owned(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn modes_as_ansible_and_salt_read_them() {
        let ansible = |l: &str| written_mode(l, false);
        assert_eq!(ansible("    mode: 0640"), Some(0o640));
        assert_eq!(ansible("    mode: '0600' # secret"), Some(0o600));
        assert_eq!(ansible("  - mode: \"640\""), Some(0o640));
        assert_eq!(
            ansible("- template: src=a dest=/etc/postfix/main.cf mode=0600"),
            Some(0o600)
        );
        // Decimal to Ansible, as chmod gets the integer: 640 is 0o1200, 644 is 0o1204.
        assert_eq!(ansible("    mode: 640"), Some(0o1200));
        assert_eq!(ansible("    mode: 644 # rw-r--r--?"), Some(0o1204));
        // A free-form argument is a string: octal.
        assert_eq!(
            ansible("- copy: src=a dest=/etc/postfix/x mode=640"),
            Some(0o640)
        );
        // Symbolic, a variable, another key, not digits.
        assert_eq!(ansible("    mode: 64a"), None);
        assert_eq!(ansible("    mode: u=rw,g=r,o="), None);
        assert_eq!(ansible("    mode: \"{{ postfix_mode }}\""), None);
        assert_eq!(ansible("    filemode: '0600'"), None);
        assert_eq!(written_mode("    - mode: 600", true), Some(0o600));
    }

    #[test]
    fn the_mode_of_the_task_that_installs_the_file() {
        let tasks = "- name: mailname\n  template:\n    src: mailname.j2\n    dest: /etc/mailname\n    mode: '0600'\n\
                     - name: main.cf\n  template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n    mode: '0600'\n\
                     - name: master.cf\n  template: src=master.cf.j2 dest=/etc/postfix/master.cf mode=0644\n";
        assert_eq!(mode_line(tasks, "main.cf.j2", 0o600, false), Some(10));
        assert_eq!(mode_line(tasks, "master.cf.j2", 0o644, false), Some(12));
        // A mode of another task only.
        let other = "- template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n- file:\n    path: /x\n    mode: '0600'\n";
        assert_eq!(mode_line(other, "main.cf.j2", 0o600, false), None);
        let salt = "/etc/postfix/main.cf:\n  file.managed:\n    - source: salt://postfix/main.cf\n    - mode: 600\n\n/etc/postfix/sasl_passwd:\n  file.managed:\n    - mode: 600\n";
        assert_eq!(
            mode_line(salt, "salt://postfix/main.cf", 0o600, true),
            Some(4)
        );
        assert_eq!(mode_line(salt, "salt://postfix/main.cf", 0o644, true), None);
    }

    #[test]
    fn what_scripts_say_of_milter_sockets() {
        let s = milter_sockets(
            "mkdir -p /var/spool/postfix/run/opendkim\n\
             mount --bind /run/opendkim \"/var/spool/postfix/run/opendkim/\"\n\
             chown -R postfix /var/spool/postfix\n\
             mkdir -p /etc/opendkim/keys && service opendkim start\n",
        );
        assert_eq!(
            s.spool_paths,
            [
                "/spool/postfix/run/opendkim",
                "/spool/postfix/run/opendkim/",
                "/spool/postfix"
            ]
        );
        assert!(!s.milter_socket);
        // A compose file's volume.
        let s = milter_sockets("    volumes:\n      - dkim:/var/spool/postfix/opendkim:rw\n");
        assert_eq!(s.spool_paths, ["/spool/postfix/opendkim"]);
        // The milter started with a socket of its own, or its Socket edited.
        for line in [
            "/usr/sbin/opendkim -x /etc/opendkim.conf -p local:/x.sock",
            "command=opendmarc -f -plocal:/x.sock",
            "sed -i 's/^Socket.*/Socket inet:8891/' /etc/opendkim.conf",
            "echo 'SOCKET=local:/x.sock' >> /etc/default/opendkim",
        ] {
            assert!(milter_sockets(line).milter_socket, "{line}");
        }
        for line in [
            "opendkim-genkey -D /etc/opendkim/keys -d example.com -s mail",
            "mkdir -p /run/opendkim && chown opendkim:opendkim /run/opendkim",
            "postconf -e smtpd_milters=unix:/run/opendkim/opendkim.sock",
        ] {
            assert!(!milter_sockets(line).milter_socket, "{line}");
        }
    }

    /// The main.cf names a shell line sets, as scan_text reads its commands.
    fn names(line: &str) -> Option<Vec<String>> {
        let mut all = Vec::new();
        for command in commands(line) {
            all.extend(command_names(command)?);
        }
        Some(all)
    }

    /// A computed name that is a transport's own setting sets no parameter of main.cf's own
    /// (bitbone/yaffas); any other computed name may be any parameter.
    #[test]
    fn computed_per_transport_names() {
        assert_eq!(
            names("postconf -e ${SERVICE_NAME}_destination_recipient_limit=1"),
            Some(Vec::new())
        );
        assert_eq!(
            names("postconf -e ${svc}_time_limit=3600"),
            Some(Vec::new())
        );
        assert_eq!(names("postconf -e ${KEY}=1"), None);
        assert_eq!(names("postconf -e ${P}_banner=x"), None);
    }

    /// sed's `a`, `i` and `c` add lines (jcheca/FIWARE-Big-Bang's entrypoint adds
    /// mynetworks after mydestination); a substitution or another file's sed sets nothing.
    #[test]
    fn lines_sed_adds_to_main_cf() {
        let s = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            names(
                r#"sed -e "/mydestination/amynetworks = $NETWORK" /etc/postfix/main.cf > /tmp/main.cf"#
            ),
            s(&["mynetworks"])
        );
        assert_eq!(
            names(r#"sed -i '$a\relayhost = [mail.example.net]:587' /etc/postfix/main.cf"#),
            s(&["relayhost"])
        );
        assert_eq!(
            names(r#"sed -i '1i compatibility_level = 3.6' main.cf"#),
            s(&["compatibility_level"])
        );
        assert_eq!(
            names(r#"sed -e "/mydestination/amynetworks = $NETWORK" /etc/dovecot/x.conf"#),
            s(&[])
        );
        assert_eq!(
            names(r#"sed -n '/^a_b = 1/p' /etc/postfix/main.cf"#),
            s(&[])
        );
    }

    #[test]
    fn settings_a_script_makes() {
        let s = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            names("RUN /usr/sbin/postconf compatibility_level=3.7"),
            s(&["compatibility_level"])
        );
        // A parameter of the setup's own, named with a leading `_` (filegarden/mail), set
        // without -e (not needed since Postfix 2.8).
        assert_eq!(
            names(r#"postconf "_postmaster_address = $POSTMASTER_ADDRESS""#),
            s(&["_postmaster_address"])
        );
        assert_eq!(
            names(r#"postconf -e "myhostname = $HOST" 'relayhost=[smtp.example.net]:587'"#),
            s(&["myhostname", "relayhost"])
        );
        assert_eq!(
            names("postconf -X smtpd_tls_cert_file"),
            s(&["smtpd_tls_cert_file"])
        );
        assert_eq!(
            names(r#"echo "maillog_file = /dev/stdout" >> /etc/postfix/main.cf"#),
            s(&["maillog_file"])
        );
        assert_eq!(
            names(r#"sed -i "s/^myhostname = .*/myhostname = $H/" /etc/postfix/main.cf"#),
            s(&["myhostname"])
        );
        // Names from variables: any parameter.
        assert_eq!(names(r#"postconf -e "$line""#), None);
        assert_eq!(names(r#"postconf -e "${key}=${value}""#), None);
        // Not main.cf's: master.cf edits, queries.
        assert_eq!(names("postconf -Me submission/inet='...'"), s(&[]));
        assert_eq!(
            names("postconf -P 'smtp/inet/smtpd_tls_wrappermode=yes'"),
            s(&[])
        );
        assert_eq!(names("postconf -h myhostname"), s(&[]));
        assert_eq!(names("postconf -n"), s(&[]));
        assert_eq!(names("cp main.cf /etc/postfix/"), s(&[]));
        assert_eq!(
            names("dataDir=$(postconf | grep 'data_directory = ' | cut -d= -f2)"),
            s(&[])
        );
        assert_eq!(
            names(r#"sed -i "s/CHANGEME_DOMAIN/$domain/" /etc/postfix/main.cf"#),
            s(&[])
        );
        assert_eq!(names("cat extra.cf >> /etc/postfix/main.cf"), None);
        assert_eq!(
            names(r#"sudo bash -c "cat $HOME_DIR/conf/main.cf >> /etc/postfix/main.cf""#),
            None
        );
        assert_eq!(
            names("sh -c 'echo \"maillog_file = /dev/stdout\" >> /etc/postfix/main.cf'"),
            s(&["maillog_file"])
        );
        assert_eq!(names(r#"bash -c "echo done > /tmp/log""#), s(&[]));
        assert_eq!(
            names("postconf -e 'smtp_tls_CAfile = /etc/ssl/certs/ca-bundle.crt'"),
            s(&["smtp_tls_CAfile"])
        );
        // Commands of one line apart: the append goes to another file.
        assert_eq!(
            names(
                r#"sed -i "s|_HOST_|$H|g" /etc/postfix/main.cf && echo '* discard:' >> /etc/postfix/transport"#
            ),
            s(&[])
        );
        assert_eq!(names("postconf -c /etc/postfix-out -e relayhost=x"), s(&[]));
        // A `>` inside quotes is no redirection.
        assert_eq!(
            names(r#"postconf -e "smtpd_banner = <mx>" 'relayhost = [r]' > /dev/null"#),
            s(&["smtpd_banner", "relayhost"])
        );
    }

    /// A script that names main.cf through a variable (b1tw0rker/virtualXS, survey N:
    /// `file_postfix001=/etc/postfix/main.cf`, then `cat frag >>$file_postfix001`) appends to
    /// it as one that writes the path out; a variable assigned twice, or not from a plain
    /// path, is left as written.
    #[test]
    fn a_variable_that_holds_main_cfs_path_is_put_in() {
        let text = "#!/bin/bash\nconf_dir=/etc/postfix\nfile_postfix001=/etc/postfix/main.cf\n\
                    cat $u_path/files/postfix/main.cf >>$file_postfix001\n\
                    postconf -c \"$conf_dir\" -e 'virtual_transport = lmtp:unix:private/x'\n";
        let out = scan_text(text, Path::new("lib_postfix.sh"));
        assert!(out.main_open, "{out:?}");
        let unknown = "#!/bin/bash\nf=/etc/postfix/main.cf\nf=/tmp/x\ncat frag >>$f\n";
        assert!(!scan_text(unknown, Path::new("s.sh")).main_open);
        let mut vars = ShellVars::default();
        vars.note("export A=\"/etc/postfix\"");
        vars.note("B=$(pwd)");
        vars.note("C='/x y'");
        assert_eq!(
            vars.fill("cat ${A}/main.cf $A $B $C $AB").as_deref(),
            Some("cat /etc/postfix/main.cf /etc/postfix $B $C $AB")
        );
        assert_eq!(vars.fill("echo nothing"), None);
    }

    #[test]
    fn lines_continue_and_comments_do_nothing() {
        let text = "#!/bin/sh\n# postconf -e a=1\npostconf -e \\\n  b=2 \\\n  c=3\nFOO=1 postconf -e d=4\n";
        let out = scan_text(text, Path::new("entrypoint.sh"));
        assert_eq!(named_lines(&out), [("b", 3), ("c", 3), ("d", 6)]);
        assert!(!out.main_open && !out.master);
        let heredoc = "cat <<EOF >> /etc/postfix/main.cf\nsmtpd_tls_cert_file = ${CERT}\n\
                       smtpd_tls_key_file = ${KEY}\nEOF\npostconf -e a=1\n";
        let out = scan_text(heredoc, Path::new("entrypoint.sh"));
        let got: Vec<&str> = out.main_params.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(got, ["smtpd_tls_cert_file", "smtpd_tls_key_file", "a"]);
        assert!(!out.main_open);
        let fill = "for f in *.cf; do\n  sed -i \"s/^dbname .*$/dbname = $DB/g\" \"/etc/postfix/$f\"\ndone\n";
        let keys = scan_text(fill, Path::new("entrypoint.sh")).file_keys;
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), ["dbname"]);
        let sed = "RUN sed -i 's/^#submission/submission/' /etc/postfix/master.cf\n";
        assert!(scan_text(sed, Path::new("Dockerfile")).master);
    }

    #[test]
    fn a_bracket_after_an_equals_sign_stands_for_itself() {
        // `relayhost=[smtp.gmail.com]:587` unquoted: a pattern no file matches (survey AE3).
        let words = shell_words("postconf -e relayhost=[smtp.gmail.com]:587");
        assert_eq!(
            words[2].1.as_deref(),
            Some("relayhost=[smtp.gmail.com]:587")
        );
        // A pattern that may match files stays unknown.
        assert_eq!(shell_words("ls [ab]*.cf")[1].1, None);
        assert_eq!(shell_words("cp x=[a]* /tmp")[1].1, None);
        let text = "#!/bin/sh\npostconf -e relayhost=[smtp.gmail.com]:587\n";
        let out = scan_text(text, Path::new("entrypoint.sh"));
        assert_eq!(settings(&out), [("relayhost", "[smtp.gmail.com]:587")]);
    }

    #[test]
    fn an_echo_of_unquoted_words_appends_their_line() {
        // The shell joins the words with one space (survey AE1, alezzandro/postfix-docker).
        let text =
            "FROM centos\nRUN echo mynetworks = 172.0.0.0/8, 10.0.0.0/8 >> /etc/postfix/main.cf\n\
                    RUN echo relayhost = * >> /etc/postfix/main.cf\n";
        let out = scan_text(text, Path::new("Dockerfile"));
        assert_eq!(settings(&out), [("mynetworks", "172.0.0.0/8, 10.0.0.0/8")]);
    }

    /// The main.cf parameters a script sets, with the line of each.
    fn named_lines(script: &Script) -> Vec<(&str, u32)> {
        script
            .main_params
            .iter()
            .map(|(n, l)| (n.as_str(), *l))
            .collect()
    }

    /// The settings a script writes out in full: name and value.
    fn settings(script: &Script) -> Vec<(&str, &str)> {
        script
            .literals
            .iter()
            .map(|l| (l.name.as_str(), l.value.as_str()))
            .collect()
    }

    #[test]
    fn a_comment_after_a_command_opens_no_quote() {
        // The apostrophe of `l'option` is in a comment: the script goes on (survey AE1).
        let text = "#!/bin/sh\npostconf -e \"smtp_use_tls = yes\" # l'option\n\
                    postconf -e 'relayhost = [smtp.example.com]:587' # l'envoi; d'auth\n\
                    echo \"a # b\" ; postconf -e c=1 # x\npostfix start-fg\n";
        let out = scan_text(text, Path::new("entrypoint.sh"));
        assert_eq!(
            named_lines(&out),
            [("smtp_use_tls", 2), ("relayhost", 3), ("c", 4)]
        );
        // A `#` inside a word, quoted or escaped is no comment.
        assert_eq!(code_end("a#b 'c # d' \\# e"), 16);
        assert_eq!(code_end("echo ${#x} $# # n"), 14);
        assert_eq!(code_end("x;# y"), 2);
    }

    #[test]
    fn a_comment_line_inside_a_dockerfile_run_is_dropped_as_docker_drops_it() {
        let text = "FROM debian\nCOPY main.cf /etc/postfix/main.cf\nRUN apt-get update \\\n    # the relay\n\n    && postconf -e relayhost=[smtp.example.com]:587\n";
        let out = scan_text(text, Path::new("Dockerfile"));
        let names: Vec<&str> = out.main_params.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["relayhost"]);
        assert_eq!(out.main_params[0].1, 3);
    }

    #[test]
    fn a_sed_on_files_a_variable_names_may_fill_main_cf() {
        let text = "updatefile() {\n  sed -i \"s@<domaincontroller>@$ADCONTROLLER@g\" $@\n}\nupdatefile main.cf\n";
        let out = scan_text(text, Path::new("init.sh"));
        let patterns: Vec<&str> = out
            .main_placeholders
            .iter()
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(patterns, ["<domaincontroller>"]);
        // A named file other than main.cf is not main.cf.
        let out = scan_text(
            "sed -i 's/DOMAINCONTROLLER/x/' /etc/dovecot/dovecot.conf\n",
            Path::new("init.sh"),
        );
        assert!(out.main_placeholders.is_empty());
    }

    #[test]
    fn a_relative_copy_goes_to_the_working_directory_the_stage_sets() {
        let copies = |text: &str| scan_text(text, Path::new("Dockerfile")).copies;
        let text = "FROM alpine\nWORKDIR /etc\nWORKDIR postfix\nCOPY config .\n";
        assert_eq!(
            copies(text),
            [("config".to_string(), "/etc/postfix".to_string())]
        );
        // No WORKDIR of its own, or one from a variable: the base image's is unknown.
        assert!(copies("FROM alpine\nCOPY config etc/postfix/\n").is_empty());
        assert!(copies("FROM alpine\nWORKDIR $DIR\nCOPY config .\n").is_empty());
        assert!(
            copies("FROM alpine\nWORKDIR /etc/postfix\nFROM debian\nCOPY config .\n").is_empty()
        );
    }

    #[test]
    fn a_dockerfile_copies_and_runs_in_either_form() {
        let file = "FROM debian\nCOPY --chown=0:0 rootfs/ /\nADD [\"a b.cf\", \"/etc/postfix/\"]\n\
                    COPY --from=build /out/master.cf /etc/postfix/\nCOPY app /srv/app\n\
                    RUN [\"postconf\", \"-e\", \"relayhost = [smtp.example.net]:587\"]\n";
        let out = scan_text(file, Path::new("/r/img/Dockerfile"));
        let copies: Vec<(&str, &str)> = out
            .copies
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(copies, [("rootfs/", "/"), ("a b.cf", "/etc/postfix/")]);
        let params: Vec<&str> = out.main_params.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(params, ["relayhost"]);
        let root = Path::new("/r");
        let target = "/etc/postfix/master.cf";
        assert!(out.installs(
            root,
            Path::new("/r/img/rootfs/etc/postfix/master.cf"),
            target
        ));
        assert!(!out.installs(root, Path::new("/r/img/rootfs/master.cf"), target));
        assert!(!out.installs(root, Path::new("/r/img/master.cf"), target));
        // A wildcard copies each file it matches, within one directory.
        let globs = scan_text(
            "COPY conf/*.cf /etc/postfix/\nCOPY other/m?ster.cf /etc/postfix/master.cf\n",
            Path::new("/r/img/Dockerfile"),
        );
        assert!(globs.installs(root, Path::new("/r/img/conf/master.cf"), target));
        assert!(globs.installs(root, Path::new("/r/conf/master.cf"), target));
        assert!(globs.installs(root, Path::new("/r/other/master.cf"), target));
        assert!(!globs.installs(root, Path::new("/r/img/conf/old/master.cf"), target));
        assert!(!globs.installs(root, Path::new("/r/img/conf/main.cf"), target));
        // Not a Dockerfile: a shell script's `COPY` is no instruction.
        let script = scan_text("COPY rootfs/ /\n", Path::new("/r/img/setup.sh"));
        assert!(script.copies.is_empty());
    }

    #[test]
    fn a_dockerfile_sets_values_written_out_in_full() {
        let file = "FROM debian\nENV RELAY_PASSWORD=s3cret\nCOPY main.cf /etc/postfix/\n\
                    RUN apt-get install -y postfix && \\\n    postconf -e \"smtpd_tls_auth_only = no\" \\\n\
                    \x20     'smtpd_banner = $myhostname ESMTP' relayhost= \\\n\
                    \x20     myhostname=$HOST \"mydomain=${DOMAIN}\" 'x'=y\n\
                    RUN postconf -e inet_protocols=ipv4 && postconf -e inet_protocols=all\n\
                    RUN postconf -e myorigin=example.com # not mydomain=example.com\n\
                    RUN if [ -n \"$TLS\" ]; then postconf -e smtpd_tls_security_level=may; fi\n\
                    RUN postconf -c /etc/postfix-out -e message_size_limit=0\n\
                    RUN [\"postconf\", \"-e\", \"mailbox_size_limit=0\"]\n";
        let out = scan_text(
            &file.replace("RUN apt", "run apt"),
            Path::new("/r/Dockerfile"),
        );
        let text = out.text.as_deref().expect("the text is kept");
        let got: Vec<(&str, &str, u32, &str, &str)> = out
            .literals
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.value.as_str(),
                    l.line,
                    &text[l.name_at..l.name_at + l.name.len()],
                    &text[l.value_at..l.value_at + l.value.len()],
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("smtpd_tls_auth_only", "no", 4, "smtpd_tls_auth_only", "no"),
                (
                    "smtpd_banner",
                    "$myhostname ESMTP",
                    4,
                    "smtpd_banner",
                    "$myhostname ESMTP"
                ),
                ("relayhost", "", 4, "relayhost", ""),
                // Set twice in order: the last setting is the one that holds.
                ("inet_protocols", "all", 8, "inet_protocols", "all"),
                ("myorigin", "example.com", 9, "myorigin", "example.com"),
            ]
        );
        // Line and offsets are those of the file; all else is blanked.
        assert_eq!(text.len(), file.len());
        assert_eq!(text.lines().count(), file.lines().count());
        assert!(!text.contains("s3cret") && !text.contains("apt-get"));
        assert!(text.contains("\"smtpd_tls_auth_only = no\""));
        // Not a Dockerfile: an entrypoint runs at start, often under conditions.
        let script = scan_text(
            "#!/bin/sh\n[ -n \"$X\" ] && postconf -e smtpd_tls_auth_only=no\n",
            Path::new("/r/entrypoint.sh"),
        );
        assert!(script.literals.is_empty() && script.text.is_none());
        assert_eq!(script.main_params.len(), 1);
    }

    #[test]
    fn a_dockerfile_appends_settings_with_echo() {
        let file = "FROM alpine\nRUN apk add postfix && { \\\n\
                    \x20 echo; echo '# relay' ; \\\n\
                    \x20 echo \"relayhost = [smtp.example.com]:587\"; \\\n\
                    \x20 echo \"myorigin = \\$mydomain\"; \\\n\
                    \x20 echo -n 'mydomain = example.com'; \\\n\
                    \x20 echo ' smtpd_banner = x'; \\\n\
                    \x20 } >> /etc/postfix/main.cf\n\
                    RUN echo 'maillog_file=/dev/stdout' >> /etc/postfix/main.cf\n\
                    RUN echo 'inet_protocols = ipv4' > /tmp/main.cf\n\
                    RUN { echo 'inet_interfaces = all'; } > /etc/postfix/main.cf.new\n";
        let out = scan_text(file, Path::new("/r/Dockerfile"));
        let got: Vec<(&str, &str, u32)> = out
            .literals
            .iter()
            .map(|l| (l.name.as_str(), l.value.as_str(), l.line))
            .collect();
        assert_eq!(
            got,
            [
                ("relayhost", "[smtp.example.com]:587", 2),
                ("maillog_file", "/dev/stdout", 9),
            ]
        );
        // `$mydomain` escaped for the shell, `echo -n`: set, to values not read.
        let names: Vec<&str> = out.main_params.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"myorigin") && names.contains(&"relayhost"));
        // Appended, not replaced (a file of another name in the same image is not known).
        assert!(!out.main_open, "{out:?}");
        // Blank lines and comments set nothing.
        let quiet =
            "FROM alpine\nRUN { echo; echo '# TLS'; echo 'smtpd_tls_security_level = may'; \
                     } >> /etc/postfix/main.cf\n";
        let out = scan_text(quiet, Path::new("/r/Dockerfile"));
        assert!(!out.main_open && !out.replaces_main_cf);
        assert_eq!(out.literals.len(), 1);
        // A group written over main.cf replaces it.
        let over = "FROM alpine\nRUN { echo 'relayhost = x'; } > /etc/postfix/main.cf\n";
        let out = scan_text(over, Path::new("/r/Dockerfile"));
        assert!(out.replaces_main_cf && out.literals.is_empty());
    }

    /// A RUN that writes a start script with echos is read for what the script does: its
    /// `sed` that fills a placeholder in main.cf (fametec/postfix), not a rewrite of main.cf.
    #[test]
    fn a_start_script_a_dockerfile_writes_is_read_for_what_it_does() {
        let run = "{ echo '#!/bin/sh' ; echo ; echo 'sed -i s/RELAY_HOST/$RELAY_HOST/g /etc/postfix/main.cf' ; \
                   echo 'postfix start-fg' ; } > /entrypoint.sh && chmod +x /entrypoint.sh";
        assert_eq!(
            written_script(run).as_deref(),
            Some(
                "sed -i s/RELAY_HOST/$RELAY_HOST/g /etc/postfix/main.cf ; postfix start-fg ; \
                 chmod +x /entrypoint.sh"
            )
        );
        let text = format!(
            "FROM alpine:3.11\nRUN apk add --no-cache postfix\n\
             RUN {{ echo 'mynetworks = 0.0.0.0/0' ; echo 'relayhost = [RELAY_HOST]:587' ; }} \
             >> /etc/postfix/main.cf\nRUN {run}\nCMD [\"/entrypoint.sh\"]\n"
        );
        let out = scan_text(&text, Path::new("/r/Dockerfile"));
        assert!(!out.replaces_main_cf && !out.main_open, "{out:?}");
        assert_eq!(out.main_placeholders.len(), 1, "{out:?}");
        // Near-misses: written over main.cf, or with a line postlint cannot read as written.
        for other in [
            "{ echo 'mynetworks = 0.0.0.0/0' ; } > /etc/postfix/main.cf",
            "{ echo \"sed -i s/X/$X/ /etc/postfix/main.cf\" ; } > /entrypoint.sh",
            "{ cat /tmp/x ; echo 'postfix start-fg' ; } > /entrypoint.sh",
        ] {
            assert_eq!(written_script(other), None, "{other}");
        }
    }

    /// A parameter a script sets twice has the value of the last setting, when both run in
    /// the order they are written and the last is written out in full (fragaria's relay
    /// image). One under a condition, in a function or from a variable last: no one value.
    #[test]
    fn the_last_of_two_settings_is_the_one_that_runs() {
        let value = |text: &str| -> Vec<(String, u32)> {
            scan_text(text, Path::new("/r/entrypoint.sh"))
                .literals
                .iter()
                .map(|l| (l.value.clone(), l.line))
                .collect()
        };
        let last = "#!/bin/sh\npostconf -e \"mynetworks = ${NETS}\"\n\
                    postconf -e 'mynetworks = 0.0.0.0/0'\n";
        assert_eq!(value(last), [("0.0.0.0/0".to_string(), 3)]);
        let both = "#!/bin/sh\npostconf -e 'mynetworks = 0.0.0.0/0'\n\
                    postconf -e 'mynetworks = 127.0.0.0/8'\n";
        assert_eq!(value(both), [("127.0.0.0/8".to_string(), 3)]);
        // Set and removed on one line: the removal is last (survey AD4).
        let dockerfile = |text: &str| -> Vec<String> {
            scan_text(text, Path::new("/r/Dockerfile"))
                .literals
                .iter()
                .map(|l| l.value.clone())
                .collect()
        };
        let removed =
            "FROM debian\nRUN postconf -e mynetworks=0.0.0.0/0 && postconf -X mynetworks\n";
        assert_eq!(dockerfile(removed), Vec::<String>::new());
        // A start script a RUN writes runs when the container starts: after the RUNs, if at
        // all. What it sets, and what a RUN sets too, is unknown.
        let written =
            "FROM debian\nRUN { echo '#!/bin/sh' ; echo 'postconf -e mynetworks=0.0.0.0/0' ; } \
                       > /start.sh\nRUN postconf -e mynetworks=127.0.0.0/8\n";
        assert_eq!(dockerfile(written), Vec::<String>::new());
        for unknown in [
            "#!/bin/sh\npostconf -e 'mynetworks = 0.0.0.0/0'\npostconf -e \"mynetworks = $NETS\"\n",
            "#!/bin/sh\npostconf -e 'mynetworks = 0.0.0.0/0'\n\
             if [ -n \"$N\" ]; then postconf -e 'mynetworks = 10.0.0.0/8'; fi\n",
            "#!/bin/sh\nset_net() {\n  postconf -e 'mynetworks = 10.0.0.0/8'\n}\n\
             postconf -e 'mynetworks = 0.0.0.0/0'\nset_net\n",
            "#!/bin/sh\npostconf -e 'mynetworks = 0.0.0.0/0'\n\
             cat >> /etc/postfix/main.cf <<EOF\nmynetworks = 10.0.0.0/8\nEOF\n",
        ] {
            assert_eq!(value(unknown), [], "{unknown}");
        }
    }

    /// `touch`, `chmod` and `chown` of main.cf leave its settings as they are: what the
    /// script sets before and after them is what runs (FreakyBytes/postfix-relay-docker).
    #[test]
    fn touching_main_cf_does_not_replace_it() {
        for keep in [
            "touch /etc/postfix/main.cf",
            "chmod 644 /etc/postfix/main.cf",
            "sudo chown root:root /etc/postfix/main.cf",
        ] {
            let text = format!("#!/bin/sh\n{keep}\npostconf -e 'mynetworks = 0.0.0.0/0'\n");
            let out = scan_text(&text, Path::new("/r/entrypoint.sh"));
            assert!(!out.replaces_main_cf && !out.main_open, "{keep}: {out:?}");
            assert_eq!(out.literals.len(), 1, "{keep}");
        }
        // A backup copy of it is another file (survey AD4).
        let text =
            "#!/bin/sh\ncp /etc/postfix/main.cf /etc/postfix/main.cf.orig\npostconf -e 'a = b'\n";
        assert!(!scan_text(text, Path::new("/r/entrypoint.sh")).replaces_main_cf);
        // Near-miss: a copy over it replaces it.
        let text = "#!/bin/sh\ncp /conf/main.cf /etc/postfix/main.cf\npostconf -e 'a = b'\n";
        assert!(scan_text(text, Path::new("/r/entrypoint.sh")).replaces_main_cf);
    }

    #[test]
    fn lines_that_run_whenever_the_script_runs() {
        let script = "#!/bin/sh\n\
                      set -e\n\
                      exec >/dev/null 2>&1\n\
                      postconf -e a=1\n\
                      if [ -n \"$X\" ]; then\n\
                      \x20 postconf -e b=2\n\
                      fi\n\
                      setup() {\n\
                      \x20 postconf -e c=3\n\
                      }\n\
                      [ -n \"$X\" ] && postconf -e d=4\n\
                      [ -n \"$X\" ] ||\n\
                      \x20 postconf -e e=5\n\
                      cat > /tmp/x <<'EOF'\n\
                      postconf -e f=6\n\
                      EOF\n\
                      for i in 1 2; do postconf -e g=7; done\n\
                      postconf -e h=8 \\\n\
                      \x20 i=9\n\
                      exec postfix start-fg\n\
                      postconf -e j=10\n";
        let lines = logical_lines(script, false);
        let top = unconditional_lines(&lines);
        let running: Vec<u32> = lines
            .iter()
            .zip(&top)
            .filter(|(_, &t)| t)
            .map(|((n, _), _)| *n)
            .collect();
        assert_eq!(running, [2, 3, 4, 18]);
        // A quote left open, or a closer without an opener: nothing after it is known.
        for broken in [
            "postconf -e a=1\necho \"x\npostconf -e b=2\n",
            "postconf -e a=1\nfi\npostconf -e b=2\n",
        ] {
            let lines = logical_lines(broken, false);
            assert_eq!(
                unconditional_lines(&lines),
                [true, false, false],
                "{broken}"
            );
        }
        // A separator that starts the line (a case's `;;`, a `&&` chain's next line).
        for line in [";;", "&& postconf -e a=1", "| tee x", ";"] {
            let lines = logical_lines(line, false);
            assert_eq!(unconditional_lines(&lines).len(), lines.len(), "{line}");
        }
        // Guards that stop the script only when a variable is missing: what follows runs
        // whenever the script goes on (ptr727/Postfix-Relay). An `exit` of its own stops it.
        let guarded = "#!/bin/sh\n\
                       if [ -z \"$A\" ]; then echo 'A is not set'; exit 1; fi\n\
                       [ -z \"$B\" ] && echo 'B is not set' && exit 1\n\
                       [ -n \"$C\" ] || { echo 'C is not set'; exit 1; }\n\
                       postconf -e a=1\n\
                       echo done; exit 0\n\
                       postconf -e b=2\n";
        let lines = logical_lines(guarded, false);
        assert_eq!(
            unconditional_lines(&lines),
            [false, false, false, true, true, false, false]
        );
        // A case's patterns close no parenthesis of the top level.
        let cased = "case $1 in\n  start) postconf -e a=1 ;;\nesac\npostconf -e b=2\n";
        let lines = logical_lines(cased, false);
        assert_eq!(unconditional_lines(&lines), [false, false, false, true]);
    }

    #[test]
    fn an_entrypoint_sets_values_written_out_in_full() {
        let script = "#!/bin/sh\npostconf -e 'mynetworks = 0.0.0.0/0' relayhost=$RELAY\n\
                      if [ -n \"$TLS\" ]; then postconf -e smtpd_tls_security_level=may; fi\n\
                      echo 'maillog_file = /dev/stdout' >> /etc/postfix/main.cf\n";
        let out = scan_text(script, Path::new("/r/entrypoint.sh"));
        let got: Vec<(&str, &str, u32)> = out
            .literals
            .iter()
            .map(|l| (l.name.as_str(), l.value.as_str(), l.line))
            .collect();
        assert_eq!(
            got,
            [
                ("mynetworks", "0.0.0.0/0", 2),
                ("maillog_file", "/dev/stdout", 4)
            ]
        );
        assert!(!out.replaces_main_cf);
        // Settings made before the script replaces main.cf are lost; those after hold.
        let replaced = format!(
            "{script}cp /conf/main.cf /etc/postfix/main.cf\npostconf -e inet_protocols=ipv4\n"
        );
        let out = scan_text(&replaced, Path::new("/r/entrypoint.sh"));
        let names: Vec<&str> = out.literals.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["inet_protocols"]);
        assert!(out.replaces_main_cf);
        // A Dockerfile names the files it copies and runs.
        let dockerfile = "FROM debian\nCOPY ./scripts/entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"/usr/local/bin/entrypoint.sh\", \"run.sh\"]\nENV X=a.b\n";
        let out = scan_text(dockerfile, Path::new("/r/Dockerfile"));
        assert_eq!(out.mentions, ["entrypoint.sh", "run.sh"]);
        // A copy is no run, nor a commented-out command.
        let copied = "FROM debian\nCOPY install.sh /\n#CMD /install.sh\nCMD [\"supervisord\"]\n";
        let out = scan_text(copied, Path::new("/r/Dockerfile"));
        assert!(out.mentions.is_empty(), "{:?}", out.mentions);
        // The shell form: commands one after the other.
        let chained = "FROM debian\nCMD /opt/install.sh;/usr/bin/supervisord -c /etc/s.conf\n";
        let out = scan_text(chained, Path::new("/r/Dockerfile"));
        assert_eq!(out.mentions, ["install.sh", "supervisord", "s.conf"]);
        // A program on PATH (survey Z2, mhzawadi), not Postfix's or a known daemon's.
        let on_path = "FROM alpine\nCOPY src /\nENTRYPOINT [\"postfix-entrypoint\"]\nCMD [\"postfix\", \"start-fg\"]\n";
        let out = scan_text(on_path, Path::new("/r/Dockerfile"));
        assert_eq!(out.mentions, ["postfix-entrypoint"]);
        // A script copied in under the name a command runs (survey AE1, edkas07-oss).
        let renamed = "FROM alpine\nCOPY entrypoint.sh /usr/local/bin/postfix-entrypoint.sh\nCOPY --chmod=755 x.sh /opt/\nENTRYPOINT [\"/usr/local/bin/postfix-entrypoint.sh\"]\n";
        let out = scan_text(renamed, Path::new("/r/Dockerfile"));
        assert_eq!(out.mentions, ["postfix-entrypoint.sh", "entrypoint.sh"]);
        // runit's service directories and phusion's init directory (survey Z2, dnknth).
        let runit = "FROM alpine\nCOPY service /etc/service\nCOPY --chmod=755 setup.sh /etc/my_init.d/\nENTRYPOINT [\"/sbin/runsvdir\", \"/etc/service\"]\n";
        let out = scan_text(runit, Path::new("/r/Dockerfile"));
        assert_eq!(out.mentions, ["run", "setup.sh", "runsvdir", "service"]);
    }

    #[test]
    fn groups_appended_to_main_cf() {
        let got = |line: &str| -> Vec<String> {
            grouped_commands(line)
                .into_iter()
                .map(|c| c.into_owned())
                .collect()
        };
        assert_eq!(
            got("{ echo a; echo b; } >> /etc/postfix/main.cf 2>&1"),
            [
                "echo a >> /etc/postfix/main.cf 2>",
                "echo b >> /etc/postfix/main.cf 2>",
                "1"
            ]
        );
        // Another file, a nested group, no end: as written.
        assert_eq!(got("{ echo a; } >> /tmp/x"), ["{ echo a", "} >> /tmp/x"]);
        assert_eq!(
            got("{ { echo a; }; } >> /etc/postfix/main.cf"),
            ["{ { echo a", "}", "} >> /etc/postfix/main.cf"]
        );
        assert_eq!(got("{ echo a"), ["{ echo a"]);
        assert!(appends_to_main_cf("tee -a /etc/postfix//main.cf"));
        assert!(!appends_to_main_cf("echo x > /etc/postfix/main.cf"));
    }

    #[test]
    fn placeholders_a_sed_fills_in_main_cf() {
        let placeholders = |command: &str| sed_placeholders(command);
        assert_eq!(
            placeholders(r#"sed -i 's/dummy.float.i.ng/'"$FQDN"'/g' /etc/postfix/main.cf"#),
            ["dummy.float.i.ng"]
        );
        assert_eq!(
            placeholders(
                r#"sed -i -e "s|mail\.example\.org|$HOST|" -e 's/^relayhost.*/x/' main.cf"#
            ),
            ["mail\\.example\\.org"]
        );
        // Brackets escaped for sed stand for themselves (timHerman/docker-postfix-dovecot).
        assert_eq!(
            placeholders(
                r#"sed -i -e "s:\[primaryhost\]:${MAIL_HOSTNAME}:g" /etc/postfix/main.cf"#
            ),
            ["\\[primaryhost\\]"]
        );
        assert_eq!(
            placeholders(r#"sed -i 's/\/srv\/PATH_X/\/y/' /etc/postfix/main.cf"#),
            ["/srv/PATH_X"]
        );
        for not_one in [
            r#"sed -i 's/^myhostname = .*/myhostname = x/' /etc/postfix/main.cf"#,
            r#"sed -i 's/#\(inet_interfaces =\) localhost/\1 all/' /etc/postfix/main.cf"#,
            r#"sed -i 's/dummy.float.i.ng/x/' /etc/dovecot/dovecot.conf"#,
            r#"sed -i 's/a.b/x/' /etc/postfix/main.cf"#,
            // Reads main.cf, writes another file.
            r#"sed 's/DOMAIN_PLACEHOLDER/x/' /etc/postfix/main.cf > /tmp/main.txt"#,
            r#"sed 's/DOMAIN_PLACEHOLDER/x/' main.cf.template >> /etc/postfix/main.cf"#,
        ] {
            assert!(placeholders(not_one).is_empty(), "{not_one}");
        }
        // A sed that writes main.cf from a template copy of it.
        assert_eq!(
            placeholders(
                r#"sed "s/DOMAIN_PLACEHOLDER/${DOMAIN}/g" /etc/postfix/main.cf.template > /etc/postfix/main.cf"#
            ),
            ["DOMAIN_PLACEHOLDER"]
        );
        let script = scan_text(
            "#!/bin/sh\nsed -i 's/dummy.float.i.ng/'\"$FQDN\"'/g' /etc/postfix/main.cf\n",
            Path::new("/r/deploy-hook.sh"),
        );
        assert_eq!(
            script.main_placeholders,
            [("dummy.float.i.ng".to_string(), 2)]
        );
    }

    /// `..` in an Ansible `src` may move between the role's directories, never out of it.
    #[test]
    fn ansible_sources_stay_in_their_role() {
        let bound = Path::new("roles/mail");
        let within = |p: &str| climbing_within(Path::new(p), bound);
        assert_eq!(
            within("roles/mail/templates/../files/master.cf"),
            Some(PathBuf::from("roles/mail/files/master.cf"))
        );
        assert_eq!(within("roles/mail/templates/../../other/main.j2"), None);
        assert_eq!(within("roles/mail/../../../../etc/passwd"), None);
        assert_eq!(
            climbing_within(Path::new("tasks/../../x"), Path::new("")),
            None
        );
        assert_eq!(
            climbing_within(Path::new("./templates/./main.j2"), Path::new("")),
            Some(PathBuf::from("templates/main.j2"))
        );
    }

    /// Text a `sed -i` fills in in other files (a database .cf) is kept apart from main.cf's.
    #[test]
    fn placeholders_a_sed_fills_in_other_files() {
        let script = scan_text(
            "#!/bin/sh\nif [ -n \"${HOST_IP}\" ]; then\n sed -i \"s/HOST_IP/${HOST_IP}/g\" /etc/postfix/ldap-users.cf\nfi\n\
             sed -i 's/dummy.float.i.ng/'\"$FQDN\"'/g' /etc/postfix/main.cf\n",
            Path::new("/r/setup.sh"),
        );
        assert_eq!(script.file_placeholders, ["HOST_IP"]);
        // Dovecot's files are not Postfix's.
        let dovecot = scan_text(
            "#!/bin/sh\nsed -i \"s/DB_HOST/$DB_HOST/\" /etc/dovecot/dovecot-sql.conf.ext\n",
            Path::new("/r/setup.sh"),
        );
        assert!(dovecot.file_placeholders.is_empty());
        let any = scan_text(
            "#!/bin/sh\nfor f in /etc/postfix/sql/*; do sed -i \"s/DB_HOST/$DB_HOST/\" \"$f\"; done\n",
            Path::new("/r/setup.sh"),
        );
        assert_eq!(any.file_placeholders, ["DB_HOST"]);
        assert_eq!(
            script.main_placeholders,
            [("dummy.float.i.ng".to_string(), 5)]
        );
    }

    /// `postmap` and `postalias` name the tables they build, in any spelling; `newaliases`
    /// builds the alias tables; a variable or a wildcard may be any table; `-q`, `-d` and
    /// `-s` build nothing.
    #[test]
    fn tables_a_script_builds() {
        let builds = |text: &str| scan_text(text, Path::new("/r/entrypoint.sh")).builds;
        let built = builds(
            "postmap /etc/postfix/virtual && postmap lmdb:/etc/postfix/./transport\n\
             sudo /usr/sbin/postalias -c /etc/postfix hash:/etc/aliases 2>/dev/null\n\
             cd /etc/postfix; postmap sender_access\n",
        );
        assert_eq!(
            built.paths.iter().map(String::as_str).collect::<Vec<_>>(),
            [
                "/etc/aliases",
                "/etc/postfix/transport",
                "/etc/postfix/virtual",
                "sender_access"
            ]
        );
        assert!(!built.any && !built.aliases);
        assert!(built.builds("/etc/postfix/virtual", false));
        assert!(built.builds("/etc/postfix/sender_access", false));
        assert!(!built.builds("/etc/postfix/my_sender_access", false));
        assert!(!built.builds("/etc/postfix/canonical", false));
        assert!(!built.builds("/etc/postfix/aliases", true));

        assert!(builds("newaliases\n").aliases);
        assert!(builds("newaliases\n").builds("/etc/aliases", true));
        assert!(!builds("newaliases\n").builds("/etc/postfix/virtual", false));
        assert!(builds("postalias\n").aliases);
        for any in [
            "for f in $MAPS; do postmap $f; done\n",
            "postmap /etc/postfix/*\n",
        ] {
            assert!(builds(any).any, "{any}");
        }
        for nothing in [
            "postmap -q anna@example.org /etc/postfix/virtual\n",
            "postmap -d key hash:/etc/postfix/virtual\n",
            "postmap -s /etc/postfix/virtual\n",
            "echo postmap /etc/postfix/virtual\n",
        ] {
            assert!(builds(nothing).is_empty(), "{nothing}");
        }
        // Ansible `command:` and handler tasks.
        let yaml = scan_yaml(
            "- name: postmap virtual\n  command: postmap /etc/postfix/virtual\n\
             - name: aliases\n  ansible.builtin.shell: newaliases\n",
            Path::new("/r/roles/mail/handlers/main.yml"),
        );
        assert!(yaml.builds.builds("/etc/postfix/virtual", false));
        assert!(yaml.builds.aliases);
    }

    #[test]
    fn copies_that_may_bring_a_main_cf() {
        for line in [
            "COPY main.cf /etc/postfix/main.cf",
            "COPY --from=build /etc/postfix/ /etc/postfix/",
            "ADD https://example.org/postfix.tar /etc",
        ] {
            assert_eq!(copies_over_main_cf(line), MainCfCopy::Replaces, "{line}");
        }
        for (line, sources, dest) in [
            (
                "COPY conf/main.cf /etc/postfix/",
                &["conf/main.cf"][..],
                "/etc/postfix",
            ),
            ("ADD rootfs /", &["rootfs"], "/"),
            (
                "COPY [\"postfix\", \"/etc/postfix\"]",
                &["postfix"],
                "/etc/postfix",
            ),
            (
                "COPY *.cf master.cf /etc/postfix/",
                &["*.cf"],
                "/etc/postfix",
            ),
        ] {
            let want = MainCfCopy::Sources(
                sources.iter().map(|s| s.to_string()).collect(),
                dest.to_string(),
            );
            assert_eq!(copies_over_main_cf(line), want, "{line}");
        }
        for line in [
            "COPY master.cf /etc/postfix/",
            "COPY master.cf header_checks.pcre /etc/postfix/",
            "COPY main.cf /srv/main.cf",
            "RUN cp a b",
        ] {
            assert_eq!(copies_over_main_cf(line), MainCfCopy::None, "{line}");
        }
        // The repository's files tell what a directory or wildcard brings.
        let repo = tempfile::tempdir().unwrap();
        let at = |p: &str| repo.path().join(p);
        std::fs::create_dir_all(at("postfix")).unwrap();
        std::fs::write(at("postfix/virtual"), "").unwrap();
        std::fs::create_dir_all(at("rootfs/etc/postfix")).unwrap();
        std::fs::write(at("rootfs/etc/postfix/main.cf"), "").unwrap();
        std::fs::write(at("main.cf"), "").unwrap();
        let bases = [repo.path()];
        assert!(!brings_main_cf(&bases, "postfix", "/etc/postfix"));
        assert!(brings_main_cf(&bases, "rootfs", "/"));
        assert!(!brings_main_cf(&bases, "rootfs", "/etc"));
        assert!(brings_main_cf(&bases, "*.cf", "/etc/postfix"));
        assert!(!brings_main_cf(&bases, "p*", "/etc/postfix"));
        assert!(brings_main_cf(&bases, "r*", "/"));
        // Not in the repository: it may be anything.
        assert!(brings_main_cf(&bases, "generated/", "/etc/postfix"));
    }

    #[test]
    fn free_form_arguments_split_as_ansible_does() {
        let parsed = key_values(
            "path=/etc/postfix/main.cf line='a = b c' junk regexp=\"^x\\ty\" \
             mode={{ m | default('0644') }} =no",
        );
        let got: Vec<(&str, &str)> = parsed
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("line", "a = b c"),
                ("mode", "{{ m | default('0644') }}"),
                ("path", "/etc/postfix/main.cf"),
                ("regexp", "^x\ty"),
            ]
        );
    }

    #[test]
    fn ansible_tasks_that_change_main_cf_and_master_cf() {
        let tasks = r#"
- name: settings by line
  ansible.builtin.lineinfile:
    path: /etc/postfix/main.cf
    regexp: '^relayhost'
    line: 'relayhost = [smtp.example.net]:587'
- lineinfile:
    dest: "{{ postfix_dir }}/main.cf"
    regexp: '^#?inet_protocols'
    state: absent
- name: settings from a loop
  lineinfile:
    path: /etc/postfix/main.cf
    regexp: '^{{ item.key }} ='
    line: '{{ item.key }} = {{ item.value }}'
  loop:
    - { key: smtpd_tls_security_level, value: may }
    - { key: "smtp_tls_security_level", value: encrypt }
- blockinfile:
    path: /etc/postfix/main.cf
    block: |
      # milter_default_action = accept
      milter_protocol = 6
      smtpd_milters = inet:localhost:8891,
        inet:localhost:8892
- name: restrictions put into a value, one after the other
  lineinfile:
    path: /etc/postfix/main.cf
    line: '    reject_rbl_client zen.spamhaus.org,'
    insertafter: 'smtpd_recipient_restrictions ='
- lineinfile:
    path: /etc/postfix/main.cf
    line: '    reject_rbl_client bl.spamcop.net,'
    insertafter: '    reject_rbl_client zen.spamhaus.org,'
- name: a placeholder filled in sets nothing
  replace:
    path: /etc/postfix/main.cf
    regexp: 'CHANGEME_DOMAIN'
    replace: '{{ domain }}'
- command: postconf -e "{{ item }}"
  with_items:
    - "mydomain = example.org"
    - message_size_limit=0
- shell: postconf -h myhostname
- name: free-form arguments
  lineinfile: path=/etc/postfix/main.cf regexp='^myorigin' line="myorigin = {{ ansible_fqdn }}"
- lineinfile: dest={{ postfix_dir }}/main.cf line="smtpd_banner = $myhostname ESMTP"
- name: arguments under args
  lineinfile:
  args:
    path: /etc/postfix/main.cf
    line: mailbox_size_limit = 0
- user: { name: vmail, shell: /sbin/nologin }
- lineinfile: { path: /etc/dovecot/dovecot.conf, line: "protocols = imap" }
"#;
        let out = scan_yaml(tasks, Path::new("/r/roles/mail/tasks/main.yml"));
        let got: Vec<&str> = out.main_params.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            got,
            [
                "relayhost",
                "inet_protocols",
                "smtpd_tls_security_level",
                "smtp_tls_security_level",
                "milter_protocol",
                "smtpd_milters",
                "smtpd_recipient_restrictions",
                "mydomain",
                "message_size_limit",
                "myorigin",
                "smtpd_banner",
                "mailbox_size_limit",
            ]
        );
        assert!(!out.main_open && !out.master, "{out:?}");
        // Names from what postlint cannot read: any parameter.
        let open = "- lineinfile:\n    path: /etc/postfix/main.cf\n    line: '{{ setting }}'\n";
        assert!(scan_yaml(open, Path::new("t.yml")).main_open);
        let open = "- command: postconf -e \"{{ item.key }}={{ item.value }}\"\n  loop: \"{{ settings | dict2items }}\"\n";
        assert!(scan_yaml(open, Path::new("t.yml")).main_open);
        let open = "- lineinfile: path=/etc/postfix/main.cf line={{ setting }}\n";
        assert!(scan_yaml(open, Path::new("t.yml")).main_open);
        let master = "- lineinfile: dest=/etc/postfix/master.cf line='  -o syslog_name=x'\n";
        assert!(scan_yaml(master, Path::new("t.yml")).master);
        let master = "- replace:\n    path: /etc/postfix/master.cf\n    regexp: '^#submission'\n    replace: submission\n";
        assert!(scan_yaml(master, Path::new("t.yml")).master);
        // Not YAML, or no task: nothing.
        assert!(!scan_yaml("{{ broken: [", Path::new("t.yml")).changes_something());
        assert!(!scan_yaml(
            "postfix_main_cf: /etc/postfix/main.cf\n",
            Path::new("t.yml")
        )
        .changes_something());
    }

    #[test]
    fn a_script_goes_with_the_configurations_nearest_to_it() {
        let dirs = [
            Path::new("/r/images/relay"),
            Path::new("/r/images/mx/rootfs/etc/postfix"),
            Path::new("/r/hosts/a"),
        ];
        assert_eq!(
            goes_with(Path::new("/r/images/relay/Dockerfile"), &dirs),
            [0]
        );
        assert_eq!(
            goes_with(Path::new("/r/images/mx/rootfs/entrypoint.sh"), &dirs),
            [1]
        );
        assert_eq!(
            goes_with(Path::new("/r/scripts/setup.sh"), &dirs),
            [0, 1, 2]
        );
    }

    #[test]
    fn dockerfile_env_names_with_a_lower_case_letter() {
        let text = "FROM debian\nENV myhostname=mail.example.com mydomain=example.com\n\
                    env relayhost [smtp.example.com]:587\nENV RELAY_PASSWORD=x\n\
                    RUN echo ENV mynetworks=0.0.0.0/0\nENV myorigin=example.com \\\n    \
                    inet_interfaces=all\n";
        assert_eq!(
            dockerfile_env_names(text),
            [
                "myhostname",
                "mydomain",
                "relayhost",
                "myorigin",
                "inet_interfaces"
            ]
        );
    }

    /// The scripts a shell script runs on lines that always run: by path, as a `.sh` file,
    /// after `bash`, `sh`, `.` or `source`; not under `if`, after `exit`, or named by a
    /// variable or a glob.
    #[test]
    fn the_scripts_a_script_runs() {
        let calls = |text: &str| {
            let lines = logical_lines(text, false);
            script_calls(&lines, &running_lines(&lines))
        };
        assert_eq!(
            calls(
                "#!/bin/sh\n/app/bin/setup-sasl.sh\nbash ./relay.sh --quiet\n. /opt/env.sh\n\
                 source lib.sh; sh -e /x/y.sh\necho hi | ./filter\n"
            ),
            [
                "setup-sasl.sh",
                "relay.sh",
                "env.sh",
                "lib.sh",
                "y.sh",
                "filter"
            ]
        );
        assert!(calls(
            "if [ -n \"$X\" ]; then\n  /app/a.sh\nfi\n$DIR/b.sh\n/app/*.sh\nexit 0\n/app/c.sh\n"
        )
        .is_empty());
        assert!(calls("echo done\npostfix start-fg\n").is_empty());
    }

    /// A function the script calls once, from a line that always runs: its body's lines run
    /// whenever the script does (survey Z2, classcat). Not for two calls, a call under a
    /// condition, or the lines of the body under one.
    #[test]
    fn a_function_called_once_runs_its_body() {
        let lines = |text: &str| -> Vec<(u32, String)> {
            text.lines()
                .enumerate()
                .map(|(i, l)| (i as u32 + 1, l.to_string()))
                .collect()
        };
        let body = "configure() {\n  postconf -e a=b\n  if [ -n \"$X\" ]; then\n    postconf -e c=d\n  fi\n}\n";
        let top = running_lines(&lines(&format!("{body}configure\nexec postfix start-fg\n")));
        assert_eq!(&top[..7], [false, true, false, false, false, false, true]);
        for calls in [
            "configure\nconfigure\n",
            "if [ -n \"$Y\" ]; then configure; fi\n",
            "[ -n \"$Y\" ] && configure\n",
        ] {
            let top = running_lines(&lines(&format!("{body}{calls}")));
            assert!(!top[1], "{calls}");
        }
        let top = running_lines(&lines(&format!("configure\n{body}")));
        assert!(!top[2]);
    }

    /// `echo -e` and `printf` with `\n` between lines (survey Z2, instrumentisto): each line a
    /// setting, a comment or blank; anything else, an expansion or another escape: none.
    #[test]
    fn settings_an_echo_e_writes() {
        let names = |c: &str| -> Option<Vec<String>> {
            escaped_settings(c).map(|s| s.into_iter().map(|(n, v, _)| format!("{n}={v}")).collect())
        };
        assert_eq!(
            names("echo -e \"\\n        \\n# TLS        \\nsmtpd_tls_security_level = may  \\nsmtpd_tls_protocols = SSLv3    \""),
            Some(vec!["smtpd_tls_security_level=may".to_string(), "smtpd_tls_protocols=SSLv3".to_string()])
        );
        assert_eq!(
            names("printf 'a = b\\nc = d\\n'"),
            Some(vec!["a=b".to_string(), "c=d".to_string()])
        );
        for none in [
            "echo -e \"a = $B\\nc = d\"",
            "echo -e \"a = b\\n  continued\"",
            "echo -e \"a = b\\tc\\nd = e\"",
            "printf '%s\\n' 'a = b'",
            "echo \"a = b\\nc = d\"",
            "echo -e \"a = b\" \"c = d\"",
        ] {
            assert_eq!(names(none), None, "{none}");
        }
        assert_eq!(
            command_names("echo -e \"\\nsmtpd_tls_security_level = may\\nsmtpd_use_tls = yes\" >> /etc/postfix/main.cf"),
            Some(vec!["smtpd_tls_security_level".to_string(), "smtpd_use_tls".to_string()])
        );
    }

    /// What supervisord starts (survey Z2, rafacouto, sdelements): the file names of its
    /// programs' commands, not another section's.
    #[test]
    fn supervisor_programs_name_their_scripts() {
        let conf = "[supervisord]\nnodaemon=true\nlogfile=/var/log/supervisord.log\n\
                    [program:rsyslog]\ncommand = /usr/sbin/rsyslogd -n\n\
                    [program:postfix]\ncommand=/opt/postfix/postfix.sh --start\n";
        assert_eq!(supervisor_mentions(conf), ["rsyslogd", "postfix.sh"]);
        assert!(is_supervisor_conf_name(
            "supervisord.conf",
            Path::new("a/supervisord.conf")
        ));
        assert!(is_supervisor_conf_name(
            "postfix.conf",
            Path::new("etc/supervisor/conf.d/postfix.conf")
        ));
        assert!(!is_supervisor_conf_name(
            "postfix.conf",
            Path::new("etc/nginx/postfix.conf")
        ));
    }

    #[test]
    fn postconf_edit_flags_together() {
        let names = |c: &str| -> Vec<String> {
            postconf_literals(c)
                .into_iter()
                .map(|(n, _, _)| n)
                .collect()
        };
        assert_eq!(
            names("postconf -ev 'inet_interfaces = all'"),
            ["inet_interfaces"]
        );
        assert_eq!(names("postconf -v -e smtp_use_tls=yes"), ["smtp_use_tls"]);
        assert!(names("postconf -c /etc/postfix-out -e a=b").is_empty());
        // The default instance's directory named (survey Z2, crashvb).
        assert_eq!(names("postconf -c /etc/postfix -e a=b"), ["a"]);
        assert_eq!(names("postconf -e -c \"/etc/postfix/\" a=b"), ["a"]);
        assert_eq!(
            command_names("postconf -c /etc/postfix -e a=b"),
            Some(vec!["a".to_string()])
        );
        assert_eq!(
            command_names("postconf -c /etc/postfix-out -e a=b"),
            Some(Vec::new())
        );
        assert!(names("postconf -c $DIR -e a=b").is_empty());
        assert!(names("postconf -eP 'smtp/inet/a=b'").is_empty());
    }
}
