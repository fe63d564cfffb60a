//! Mode changes after an install: `chmod` in a script, Dockerfile or task, parsed into the
//! paths it touches and the bits it gives or takes from other users, and the test of whether
//! such a change reaches a file an install declared a mode for.

use std::path::PathBuf;

use super::without_prefix_words;

/// A Dockerfile's `chmod` that takes other users' access to the main.cf it installs.
#[derive(Clone, Debug, PartialEq)]
pub struct ChmodAt {
    pub script: PathBuf,
    /// The line it starts on (1-based), and the command as written.
    pub line: u32,
    pub command: String,
    pub effect: ChmodEffect,
}

/// What a `chmod` leaves of other users' access to /etc/postfix/main.cf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChmodEffect {
    /// Others can no longer read main.cf (`chmod 600 /etc/postfix/main.cf`, `chmod -R
    /// go-rwx /etc/postfix`).
    TakesRead,
    /// Others can no longer enter /etc/postfix (`chmod -R 644 /etc/postfix`, `chmod 750
    /// /etc/postfix`).
    TakesDirectory,
}

/// What one `chmod` sets of others' access: reading main.cf, searching /etc/postfix
/// (`Some(true)` given, `Some(false)` taken, None left alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChmodBits {
    pub read: Option<bool>,
    pub search: Option<bool>,
}

/// What one `chmod` command does to other users' access to /etc/postfix/main.cf: a mode for
/// main.cf itself, one that `-R` gives /etc/postfix with all it holds, or one for the
/// directory alone. Numeric modes (`640`, `0600`) and symbolic ones (`go-rwx`, `o=`,
/// `u=rw,g=r,o=`, `a+r`); None when the command touches neither or changes neither bit, or
/// when postlint cannot read the mode (a variable, `--reference`).
/// The paths a `chmod` command changes the mode of, as written (normalized when absolute);
/// empty for any other command.
pub(super) fn chmod_paths(command: &str) -> Vec<ModeChange> {
    // A Jinja expression is one word however it is spaced (`{{ sasl_dir }}/x`).
    let mut joined = String::new();
    let mut rest = command;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        joined.push_str(&rest[..open]);
        joined.push_str("{{}}");
        rest = &rest[open + close + 2..];
    }
    joined.push_str(rest);
    let Some(chmod) = Chmod::parse(&joined) else {
        return Vec::new();
    };
    let mode = octal_mode(chmod.mode);
    chmod
        .paths
        .iter()
        .map(|p| ModeChange {
            path: written_path(p),
            mode,
            recursive: chmod.recursive,
        })
        .collect()
}

/// A `chmod` command's words: whether it is recursive, the mode as written, and the paths
/// (quotes taken off).
struct Chmod<'c> {
    recursive: bool,
    mode: &'c str,
    paths: Vec<&'c str>,
}

impl<'c> Chmod<'c> {
    /// None for any other command, or a chmod without a mode.
    fn parse(command: &'c str) -> Option<Chmod<'c>> {
        let words: Vec<&str> = without_prefix_words(command).split_whitespace().collect();
        let (program, args) = words.split_first()?;
        if program.rsplit('/').next() != Some("chmod") {
            return None;
        }
        // Options: `-R`, `-v`, `-f`, `-c` and their groups (`-Rv`), long ones; a word like
        // `-w` is a mode.
        let option = |a: &&&str| {
            a.starts_with("--")
                || a.len() > 1
                    && a.starts_with('-')
                    && a[1..].bytes().all(|b| b"RvfcH".contains(&b))
        };
        let recursive = args
            .iter()
            .filter(option)
            .any(|a| *a == "--recursive" || !a.starts_with("--") && a.contains('R'));
        let mut rest = args
            .iter()
            .filter(|a| !option(a))
            .map(|a| a.trim_matches(['"', '\'']));
        Some(Chmod {
            recursive,
            mode: rest.next()?,
            paths: rest.collect(),
        })
    }
}

/// A change of mode a task or script makes after installing files.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeChange {
    /// The path as written (normalized when absolute and without variables).
    pub path: String,
    /// The mode it sets, when that is a plain octal number.
    pub mode: Option<u32>,
    /// It sets the mode on what a directory holds too.
    pub recursive: bool,
}

/// A mode of octal digits (`0600`, `640`); None for a symbolic mode or anything else.
/// One leading `0` more than four digits need is dropped (`00640`); more digits: None. Chef
/// and Puppet resources read their quoted modes with it too.
pub(super) fn octal_mode(mode: &str) -> Option<u32> {
    let digits = match mode.len() > 4 {
        true => mode.strip_prefix('0')?,
        false => mode,
    };
    (!digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| (b'0'..=b'7').contains(&b)))
        .then(|| u32::from_str_radix(digits, 8).ok())
        .flatten()
}

/// A path as a script writes it: normalized when it is absolute and holds no variable.
pub(super) fn written_path(path: &str) -> String {
    match path.starts_with('/') && !path.contains(['$', '{', '`']) {
        true => crate::model::paths::normalize(path),
        false => path.to_string(),
    }
}

/// Whether a change of mode a script makes (`Script::mode_changes`, as written) may be
/// one of the file installed at `dest`: the file itself, a directory above it (`chmod -R`),
/// a wildcard in its directory or above, or a path postlint cannot read (a variable, a
/// relative path).
pub fn mode_changed(changed: &str, dest: &str) -> bool {
    if !changed.starts_with('/') {
        return true;
    }
    // A variable after a written part (`/etc/opendkim/keys/{{ item }}`): the paths that start
    // with that part.
    if let Some(at) = changed.find(['$', '{', '`']) {
        return dest.starts_with(&changed[..at]);
    }
    let changed = changed.trim_end_matches('/');
    if changed.contains(['*', '?', '[']) {
        let dir = changed[..changed.find(['*', '?', '[']).unwrap_or(0)]
            .rsplit_once('/')
            .map_or("", |(d, _)| d);
        return is_under(dest, dir);
    }
    dest == changed || is_under(dest, changed)
}

/// Whether `path` lies in the directory `dir` or below it (`dir` without its final `/`).
pub fn is_under(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

pub(super) fn chmod_bits(command: &str) -> Option<ChmodBits> {
    let Chmod {
        recursive,
        mode,
        paths,
    } = Chmod::parse(command)?;
    let paths: Vec<String> = paths
        .iter()
        .map(|p| crate::model::paths::normalize(p))
        .collect();
    let main_cf = paths.iter().any(|p| p == "/etc/postfix/main.cf");
    let directory = paths.iter().any(|p| p == "/etc/postfix");
    let (read, search) = others_bits(mode)?;
    let bits = ChmodBits {
        read: read.filter(|_| main_cf || directory && recursive),
        search: search.filter(|_| directory),
    };
    (bits.read.is_some() || bits.search.is_some()).then_some(bits)
}

/// What a chmod mode does to the "others" read and search bits: `Some(true)` set,
/// `Some(false)` cleared, None left alone. `X` counts as search for a directory. None for a
/// mode postlint cannot read.
fn others_bits(mode: &str) -> Option<(Option<bool>, Option<bool>)> {
    if !mode.is_empty() && mode.len() <= 4 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let bits = u32::from_str_radix(mode, 8).ok()? & 0o7;
        return Some((Some(bits & 0o4 != 0), Some(bits & 0o1 != 0)));
    }
    let (mut read, mut search) = (None, None);
    for clause in mode.split(',') {
        let at = clause.find(['+', '-', '='])?;
        let (who, rest) = clause.split_at(at);
        if !who.bytes().all(|b| b"ugoa".contains(&b)) {
            return None;
        }
        // No `who` is `a` (less the umask, which never takes others' read from `+r`).
        if !(who.is_empty() || who.contains(['o', 'a'])) {
            continue;
        }
        let op = rest.as_bytes()[0];
        let perms = &rest[1..];
        if !perms.bytes().all(|b| b"rwxXst".contains(&b)) {
            return None;
        }
        let has_r = perms.contains('r');
        let has_x = perms.contains(['x', 'X']);
        match op {
            b'+' => {
                read = if has_r { Some(true) } else { read };
                search = if has_x { Some(true) } else { search };
            }
            b'-' => {
                read = if has_r { Some(false) } else { read };
                search = if has_x { Some(false) } else { search };
            }
            _ => {
                read = Some(has_r);
                search = Some(has_x);
            }
        }
    }
    Some((read, search))
}
