//! Map sources in the configuration directory that nothing names: files shaped like lookup
//! tables (compiled beside their source, regexp/pcre/cidr by name, database .cf files with a
//! query, or a Postfix map's usual name with entries in it) that no main.cf parameter and no
//! master.cf line names. Postfix never reads them, so editing them changes nothing.
//!
//! The survey looks at the configuration directory and the directories one level below it,
//! never follows a link out of the linted tree, and reads at most the first
//! [`HEAD_BYTES`] of a candidate: enough to tell a table from a note, and to point at its
//! first entry.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::source::{Sources, Span};

/// What makes a file look like a lookup table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// postmap or postalias compiled it: the compiled file beside it (`virtual.db`).
    Compiled(String),
    /// Its name says regexp, pcre or cidr table.
    Patterns(&'static str),
    /// A database lookup file: a `.cf` file with a query (or LDAP search) setting.
    Database,
    /// The usual name of a Postfix lookup table (`transport`, `sasl_passwd`), with entries.
    UsualName,
}

/// A map source nothing names.
#[derive(Clone, Debug)]
pub struct Unreferenced {
    /// The line the finding points at: the first entry (or the query setting).
    pub span: Span,
    pub shape: Shape,
}

/// How much of a candidate is read: its first entry is near the top.
pub const HEAD_BYTES: usize = 64 * 1024;
/// A directory with more entries than this is not a configuration directory to survey whole.
const MAX_ENTRIES: usize = 5_000;

/// Files compiled from a source by postmap/postalias, by suffix.
const COMPILED: &[&str] = &[".db", ".lmdb", ".cdb", ".dir", ".pag"];

/// Names Postfix's documentation and the tutorials give lookup tables.
const USUAL_NAMES: &[&str] = &[
    "access",
    "aliases",
    "body_checks",
    "canonical",
    "client_access",
    "generic",
    "header_checks",
    "helo_access",
    "recipient_access",
    "recipient_canonical",
    "relay_domains",
    "relay_recipients",
    "relocated",
    "sasl_passwd",
    "sender_access",
    "sender_canonical",
    "sender_dependent_relayhost",
    "sender_login_maps",
    "smtp_header_checks",
    "tls_policy",
    "transport",
    "virtual",
    "virtual_alias",
    "virtual_alias_maps",
    "virtual_domains",
    "virtual_mailbox",
    "virtual_mailbox_maps",
    "vmailbox",
];

/// Files of Postfix itself and of its packages that sit in the configuration directory.
const POSTFIX_FILES: &[&str] = &["main.cf", "master.cf", "dynamicmaps.cf", "postfix-files"];

/// Surveys `config_dir`. `named` holds the canonical paths of every file the setup names;
/// `root` confines reading to the linted tree. Candidates are added to `sources` (their head
/// only), so findings can show their first entry.
pub fn survey(
    config_dir: &Path,
    root: Option<&Path>,
    named: &HashSet<PathBuf>,
    sources: &mut Sources,
) -> Vec<Unreferenced> {
    let mut found = Vec::new();
    let Ok(top) = std::fs::canonicalize(config_dir) else {
        return found;
    };
    let mut dirs = vec![(config_dir.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        let Ok(listing) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<(String, std::fs::FileType)> = Vec::new();
        for entry in listing.flatten().take(MAX_ENTRIES + 1) {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            names.push((entry.file_name().to_string_lossy().into_owned(), kind));
        }
        if names.len() > MAX_ENTRIES {
            continue;
        }
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let present: HashSet<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        for (name, kind) in &names {
            if name.starts_with('.') {
                continue;
            }
            let path = dir.join(name);
            if kind.is_dir() {
                if depth == 0 {
                    dirs.push((path, 1));
                }
                continue;
            }
            if kind.is_symlink() && !path.is_file() {
                continue;
            }
            let Ok(real) = std::fs::canonicalize(&path) else {
                continue;
            };
            // Never read through a link that leaves the linted tree (or, live, the directory).
            if !real.starts_with(root.unwrap_or(&top)) || named.contains(&real) {
                continue;
            }
            let Some(shape) = shape_by_name(name, &present) else {
                continue;
            };
            let Some(head) = read_head(&path) else {
                continue;
            };
            let Some((start, end)) = first_entry(&head, &shape) else {
                continue;
            };
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            let display = path.to_string_lossy().into_owned();
            let secret = may_hold_secrets(name, &shape);
            let file = sources.add(path, display, head, modified);
            // A relay or database password is never shown: in a database file the values of
            // password-like settings, in a table whose name says credentials every value.
            if shape == Shape::Database {
                mark_values(sources, file, super::secrets::looks_like_secret_setting);
            } else if secret {
                mark_values(sources, file, |_| true);
            }
            found.push(Unreferenced {
                span: Span::new(file, start, end),
                shape,
            });
        }
    }
    found.sort_by_key(|u| u.span.file);
    found
}

/// The shape a file's name (and its neighbours) gives it, if any.
fn shape_by_name(name: &str, present: &HashSet<&str>) -> Option<Shape> {
    if POSTFIX_FILES.contains(&name)
        || name.ends_with(".proto")
        || COMPILED.iter().any(|s| name.ends_with(s))
        || is_template_or_sample(name)
    {
        return None;
    }
    for suffix in [".db", ".lmdb", ".cdb"] {
        let compiled = format!("{name}{suffix}");
        if present.contains(compiled.as_str()) {
            return Some(Shape::Compiled(compiled));
        }
    }
    if present.contains(format!("{name}.dir").as_str())
        && present.contains(format!("{name}.pag").as_str())
    {
        return Some(Shape::Compiled(format!("{name}.pag")));
    }
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    match extension {
        "regexp" | "regex" => return Some(Shape::Patterns("regexp")),
        "pcre" => return Some(Shape::Patterns("pcre")),
        "cidr" => return Some(Shape::Patterns("cidr")),
        "cf" => return Some(Shape::Database),
        _ => {}
    }
    // `virtual` or `transport.txt`, not `transport.sh` or `virtual.orig`.
    let usual = extension.is_empty() && USUAL_NAMES.contains(&name)
        || matches!(extension, "txt" | "map" | "maps") && USUAL_NAMES.contains(&stem);
    usual.then_some(Shape::UsualName)
}

/// Templates (`virtual.j2`) and samples are not what Postfix reads, whatever they name.
fn is_template_or_sample(name: &str) -> bool {
    [
        ".j2",
        ".jinja",
        ".jinja2",
        ".erb",
        ".tpl",
        ".tmpl",
        ".mustache",
        ".example",
        ".sample",
    ]
    .iter()
    .any(|s| name.ends_with(s))
}

/// The first [`HEAD_BYTES`] of a file, cut at the last whole line; None for a file that is not
/// text.
fn read_head(path: &Path) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::with_capacity(4096);
    file.take(HEAD_BYTES as u64).read_to_end(&mut bytes).ok()?;
    if bytes.len() == HEAD_BYTES {
        let end = bytes.iter().rposition(|&b| b == b'\n')? + 1;
        bytes.truncate(end);
    }
    // A binary file (a compiled map under another name, an image) is no map source.
    if bytes.contains(&0) {
        return None;
    }
    Some(crate::fsread::decode(bytes))
}

/// The key of the first entry (for a database file: the name of its query setting), as a byte
/// range of `text`; None when the file holds no entry, so it is no table anyone could use.
fn first_entry(text: &str, shape: &Shape) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_ascii_end();
        if body.is_empty() || body.starts_with('#') || body.starts_with(char::is_whitespace) {
            continue;
        }
        // A pattern may hold spaces: point at the whole rule.
        let key_len = match shape {
            Shape::Patterns(_) => body.len(),
            _ => body
                .find(|c: char| c.is_whitespace() || (*shape == Shape::Database && c == '='))
                .unwrap_or(body.len()),
        };
        if *shape == Shape::Database {
            let name = &body[..key_len];
            if matches!(
                name,
                "query" | "select_field" | "query_filter" | "search_base"
            ) {
                return Some((start, start + key_len));
            }
            continue;
        }
        return Some((start, start + key_len));
    }
    None
}

/// Whether every value of a table may be a password: its name says so
/// (`sasl_passwd`, `relay_credentials`).
fn may_hold_secrets(name: &str, shape: &Shape) -> bool {
    let name = name.to_ascii_lowercase();
    *shape != Shape::Database
        && [
            "pass", "pw", "secret", "cred", "auth", "sasl", "login", "token", "key",
        ]
        .iter()
        .any(|word| name.contains(word))
}

/// Masks the value (what follows the first word or `name =`) of every line whose first word
/// `secret` accepts.
fn mark_values(sources: &mut Sources, file: crate::source::FileId, secret: fn(&str) -> bool) {
    let text = sources.text(file).to_string();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let body = line.trim_ascii_end();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = body.len() - body.trim_ascii_start().len();
        let key = body[indent..]
            .find(|c: char| c.is_whitespace() || c == '=')
            .map_or(body.len(), |k| indent + k);
        if secret(&body[indent..key]) {
            sources.mark_secret(Span::new(file, line_start + key, line_start + body.len()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(name: &str, neighbours: &[&str]) -> Option<Shape> {
        let present: HashSet<&str> = neighbours.iter().copied().chain([name]).collect();
        shape_by_name(name, &present)
    }

    #[test]
    fn shapes_by_name() {
        assert_eq!(
            shape("old_virtual", &["old_virtual.db"]),
            Some(Shape::Compiled("old_virtual.db".into()))
        );
        assert_eq!(
            shape("x", &["x.dir", "x.pag"]),
            Some(Shape::Compiled("x.pag".into()))
        );
        assert_eq!(shape("x", &["x.dir"]), None);
        assert_eq!(shape("checks.pcre", &[]), Some(Shape::Patterns("pcre")));
        assert_eq!(shape("mysql-virtual.cf", &[]), Some(Shape::Database));
        assert_eq!(shape("transport", &[]), Some(Shape::UsualName));
        assert_eq!(shape("transport.txt", &[]), Some(Shape::UsualName));
        for no in [
            "main.cf",
            "master.cf",
            "dynamicmaps.cf",
            "main.cf.proto",
            "virtual.db",
            "virtual.j2",
            "transport.orig",
            "README",
            "postfix-script",
        ] {
            assert_eq!(shape(no, &[]), None, "{no}");
        }
    }

    #[test]
    fn first_entries() {
        let map = "# comment\n\n  continued\nkey value\n";
        assert_eq!(first_entry(map, &Shape::UsualName), Some((23, 26)));
        assert_eq!(first_entry("# only comments\n", &Shape::UsualName), None);
        let cf = "user = u\npassword = p\nquery = SELECT 1\n";
        let (s, e) = first_entry(cf, &Shape::Database).unwrap();
        assert_eq!(&cf[s..e], "query");
        assert_eq!(
            first_entry("inet_protocols = all\n", &Shape::Database),
            None
        );
    }
}
