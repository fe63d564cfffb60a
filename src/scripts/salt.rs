//! Salt states: what a state file installs under /etc/postfix (`file.managed` with a
//! `salt://` source, its mode) and the `cmd.run` postconf it runs, with Salt's file server
//! search for the source. Nothing is rendered or run.

use std::path::{Path, PathBuf};

use super::ansible::installed_path;
use super::{lexical, Script};

/// What a Salt state file installs under /etc/postfix with `file.managed` from a file of the
/// repository (`source: salt://postfix/main.jinja2`, `name: /etc/postfix/main.cf`, or the
/// state's id as the path), in both spellings Salt reads: `file.managed:` with a list of
/// arguments, and the older `file:` list that holds `managed`. A state file is YAML rendered
/// by Jinja first: a file that is not YAML as written is read without its `{% %}` and `{# #}`
/// lines and with each `{{ }}` as a word; a source or path with a template expression is
/// passed over.
pub(super) fn scan_sls(text: &str, path: &Path, root: &Path) -> Script {
    let mut out = Script {
        path: path.to_path_buf(),
        ..Script::default()
    };
    let parsed = serde_norway::from_str::<serde_json::Value>(text).or_else(|_| {
        let plain: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("{%") && !l.trim_start().starts_with("{#"))
            .map(|l| without_expressions(l) + "\n")
            .collect();
        serde_norway::from_str::<serde_json::Value>(&plain)
    });
    let Ok(serde_json::Value::Object(states)) = parsed else {
        return out;
    };
    for (id, body) in states.iter().take(10_000) {
        let serde_json::Value::Object(body) = body else {
            continue;
        };
        for (function, args) in body {
            let serde_json::Value::Array(args) = args else {
                continue;
            };
            let managed = function == "file.managed"
                || (function == "file" && args.iter().any(|a| a.as_str() == Some("managed")));
            if !managed {
                continue;
            }
            let arg = |name: &str| {
                args.iter().find_map(|a| {
                    let value = a.as_object()?.get(name)?;
                    // `source:` may list alternatives: Salt takes the first that exists.
                    match value {
                        serde_json::Value::Array(list) => list.first()?.as_str(),
                        other => other.as_str(),
                    }
                })
            };
            let dest = arg("name").unwrap_or(id);
            let Some(source) = arg("source") else {
                continue;
            };

            // main.cf or master.cf in a directory named postfix (`/etc/postfix`,
            // `/usr/local/etc/postfix`), or in one a variable names (`{{ postfix.config_path
            // }}/main.cf`): Postfix's. Another file's path must be written out.
            let (dir, file_name) = dest
                .trim_end_matches('/')
                .rsplit_once('/')
                .unwrap_or(("", dest));
            let variable_dir = (dir == "JINJA" || dir.starts_with("{{") && dir.ends_with("}}"))
                && dir.matches("{{").count() <= 1;
            let postfix_dir = dir.ends_with("/postfix") || variable_dir;
            let which = match file_name {
                "main.cf" if postfix_dir => Some("main.cf"),
                "master.cf" if postfix_dir => Some("master.cf"),
                _ => None,
            };
            if which.is_none() && (dest.contains("{{") || dest.contains("JINJA")) {
                continue;
            }
            let files = salt_sources(path, root, source);
            // A file chosen by a template expression is read only as main.cf or master.cf.
            let chosen = source.contains("{{") || source.contains("JINJA");
            if chosen && which.is_none() {
                continue;
            }
            for file in files {
                let file = lexical(&file);
                let state_arg = |name: &str| args.iter().find_map(|a| a.as_object()?.get(name));
                let (mode, group) = (state_arg("mode"), state_arg("group"));
                match which {
                    Some(which) => {
                        if which == "main.cf" {
                            out.add_file_mode(file.clone(), source, mode, group, (text, true));
                        }
                        out.add_install(file, which)
                    }
                    _ => {
                        let Some(name) = file.file_name().map(|n| n.to_string_lossy().into_owned())
                        else {
                            continue;
                        };
                        let Some(dest) = installed_path(&name, dest) else {
                            continue;
                        };
                        out.add_file_mode(file.clone(), source, mode, group, (text, true));
                        out.add_installed_file(dest, file);
                    }
                }
            }
        }
    }
    out
}

/// A line with each `{{ ... }}` replaced by the word `JINJA`.
fn without_expressions(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        out.push_str("JINJA");
        rest = match rest[at..].find("}}") {
            Some(end) => &rest[at + end + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// The repository file a Salt `salt://DIR/FILE` source names: DIR/FILE under the state file's
/// directory or one of the directories above it, up to the repository (Salt's file roots hold
/// the states, and `salt://` paths start there). None for another scheme, a path that climbs
/// with `..`, or one that is no regular file.
fn salt_source(state: &Path, root: &Path, source: &str) -> Option<PathBuf> {
    let relative = source.strip_prefix("salt://")?;
    let (dir, bound) = (lexical(state.parent()?), lexical(root));
    found_above(&dir, &bound, relative).or_else(|| {
        // A formula whose repository is the formula's directory itself (`init.sls` at the
        // top, cloned as `postfix` into the file roots): `salt://postfix/files/main.cf` is
        // the repository's `files/main.cf`.
        let (formula, within) = relative.split_once('/')?;
        let named = !formula.is_empty() && formula != "." && formula != "..";
        named.then(|| found_above(&dir, &bound, within)).flatten()
    })
}

/// At most this many files a `source:` with a template expression in its file name matches.
const MAX_VARIANTS: usize = 8;

/// The files of the repository a Salt `source:` may name: the one file of a source written
/// out in full (`salt_source`), or, when a template expression stands in the file's name
/// (`salt://postfix/files/main.{{ postfix_type }}.cf`, read as `main.JINJA.cf` where the
/// state is no YAML as written), each file of that directory the name matches with the
/// expression as any text (`main.mx.cf`, `main.backend.cf`: the file each kind of host gets).
/// Nothing when an expression stands in a directory's name.
fn salt_sources(state: &Path, root: &Path, source: &str) -> Vec<PathBuf> {
    let templated = |s: &str| s.contains("{{") || s.contains("JINJA");
    if !templated(source) {
        return salt_source(state, root, source).into_iter().collect();
    }
    let Some((dir, name)) = source.rsplit_once('/') else {
        return Vec::new();
    };
    if templated(dir) || name.matches("{{").count() + name.matches("JINJA").count() > 2 {
        return Vec::new();
    }
    // The name as a pattern: each expression any text, the rest as written.
    let mut pattern = String::from("^");
    let mut rest = name;
    while !rest.is_empty() {
        let next = [rest.find("{{"), rest.find("JINJA")]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = next else {
            pattern.push_str(&regex::escape(rest));
            break;
        };
        pattern.push_str(&regex::escape(&rest[..at]));
        pattern.push_str(".+");
        rest = match rest[at..].starts_with("{{") {
            true => rest[at..]
                .find("}}")
                .map_or("", |end| &rest[at + end + 2..]),
            false => &rest[at + "JINJA".len()..],
        };
    }
    pattern.push('$');
    let Ok(re) = regex::Regex::new(&pattern) else {
        return Vec::new();
    };
    // The directory, found as a file of it would be (`salt_source`).
    let found = || {
        let (dir_path, bound) = (lexical(state.parent()?), lexical(root));
        let relative = dir.strip_prefix("salt://")?;
        let plain = |r: &str| {
            Path::new(r)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        };
        let within = relative
            .split_once('/')
            .filter(|(formula, _)| !formula.is_empty() && *formula != "." && *formula != "..")
            .map(|(_, w)| w);
        let candidates = [Some(relative), within];
        candidates
            .into_iter()
            .flatten()
            .filter(|r| !r.is_empty() && plain(r))
            .find_map(|relative| {
                dir_path
                    .ancestors()
                    .take_while(|d| d.starts_with(&bound))
                    .map(|d| d.join(relative))
                    .find(|d| d.is_dir() && !d.is_symlink())
            })
    };
    let Some(directory) = found() else {
        return Vec::new();
    };
    // Never a directory a link leads out of the repository to.
    let inside = match (directory.canonicalize(), root.canonicalize()) {
        (Ok(real), Ok(top)) => real.starts_with(top),
        _ => false,
    };
    if !inside {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(&directory) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .take(1000)
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| re.is_match(n))
                && crate::discover::regular_file(p)
        })
        .collect();
    out.sort();
    out.truncate(MAX_VARIANTS);
    out
}

/// The regular file (not a link) `relative` names under `dir` or a directory above it, up to
/// `bound` (both resolved lexically), as a template loader or Salt's file server with those
/// directories on its search path finds it. None for a path that is empty, absolute or climbs
/// with `..`.
pub(crate) fn found_above(dir: &Path, bound: &Path, relative: &str) -> Option<PathBuf> {
    let relative = Path::new(relative);
    if relative.as_os_str().is_empty()
        || relative
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    dir.ancestors()
        .take_while(|d| d.starts_with(bound))
        .map(|d| d.join(relative))
        .find(|path| crate::discover::regular_file(path))
}
