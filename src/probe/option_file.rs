//! MySQL option files (my.cnf) as Postfix's mysql client reads them: `option_file`, else the
//! default files, in the groups `[client]` and `option_group`. Measured with Postfix 3.7 and
//! MariaDB 10.11 (tests/probe.rs): the file's `socket` is where `localhost` connects, its `port`
//! serves a host without one, its `user` serves a .cf file without one; its `password` is never
//! used (Postfix passes the .cf file's password, empty when unset).

use std::collections::HashMap;

/// The settings an option file gives the client, by option name (`-` and `_` alike).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientOptions {
    pub values: HashMap<String, String>,
}

impl ClientOptions {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// Reads the options of `groups` from the file `text` (later values win), following
/// `!include FILE` and `!includedir DIR` through `read` (which returns None for what may not
/// be read), at most `depth` levels deep.
pub fn parse(
    text: &str,
    groups: &[&str],
    read: &dyn Fn(&str) -> Option<Vec<String>>,
    depth: usize,
    out: &mut ClientOptions,
) {
    let mut in_group = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("!include") {
            if depth == 0 {
                continue;
            }
            // `!includedir DIR` reads DIR's *.cnf files; `!include FILE` one file. `read`
            // gives the texts.
            let target = rest.trim_start_matches("dir").trim();
            for included in read(target).into_iter().flatten() {
                parse(&included, groups, read, depth - 1, out);
            }
            continue;
        }
        if let Some(group) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_group = groups.iter().any(|g| g.eq_ignore_ascii_case(group.trim()));
            continue;
        }
        if !in_group {
            continue;
        }
        let (name, value) = match line.split_once('=') {
            Some((name, value)) => (name.trim(), value.trim()),
            None => (line, ""),
        };
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        out.values.insert(
            name.replace('_', "-").to_ascii_lowercase(),
            value.to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_includes_and_quotes() {
        let main = "[mysqld]\nsocket = /wrong\n[client]\nsocket=/run/a.sock\n!includedir /etc/mysql/conf.d/\n[postfix]\nuser = \"mail\"\n";
        let read = |target: &str| -> Option<Vec<String>> {
            (target == "/etc/mysql/conf.d/").then(|| vec!["[client]\nport = 3307\n".to_string()])
        };
        let mut out = ClientOptions::default();
        parse(main, &["client", "postfix"], &read, 2, &mut out);
        assert_eq!(out.get("socket"), Some("/run/a.sock"));
        assert_eq!(out.get("port"), Some("3307"));
        assert_eq!(out.get("user"), Some("mail"));
        let mut only_client = ClientOptions::default();
        parse(main, &["client"], &read, 0, &mut only_client);
        assert_eq!(only_client.get("user"), None);
        assert_eq!(only_client.get("port"), None);
    }
}
