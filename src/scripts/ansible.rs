//! Ansible tasks: what the YAML task files of a role or playbook change in Postfix's files.
//! `lineinfile`, `blockinfile` and `replace` on main.cf or master.cf, `command`/`shell` tasks
//! that run `postconf` (their `loop`/`with_items` items put in for `{{ item }}`), `template`
//! and `copy` tasks that install main.cf, master.cf or a table from the role, the modes they
//! declare, and `file` tasks or `chmod`s that change a mode later. Nothing is run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::modes::written_path;
use super::{
    assignment, chmod_paths, command_names, commands, grouped_commands, has_template_tag,
    kept_words, lexical, octal_mode, postconf_literals, resolved, sed_in_place, setting_line,
    table_builds, Edited, Literal, ModeChange, Script, MASTER_AMENDMENTS, MAX_COPIES, MAX_ITEMS,
};

/// The paths an Ansible task changes the mode of: a `file` task with a `mode` (its `path`,
/// `dest` or `name`), or a `chmod` in a `shell`, `command` or `raw` task. Whether the task
/// runs under a condition does not matter: the mode it may set makes the one the install
/// declares no longer sure.
pub(super) fn task_mode_changes(
    map: &serde_json::Map<String, serde_json::Value>,
    out: &mut Script,
) {
    // `loop:` / `with_items:` items, put in for `{{ item }}`.
    let items: Option<&Vec<serde_json::Value>> = ["loop", "with_items", "with_list"]
        .iter()
        .find_map(|k| map.get(*k)?.as_array());
    let mut changed = Vec::new();
    // The mode a `file` task sets: a string in octal, a YAML number by its digits (`0600`);
    // a number Ansible may read in decimal compares unequal to any mode declared in octal.
    let file_mode = |args: &serde_json::Map<String, serde_json::Value>| match args.get("mode") {
        Some(serde_json::Value::String(m)) => octal_mode(m.trim()),
        Some(serde_json::Value::Number(n)) => octal_mode(&n.to_string()),
        _ => None,
    };
    for (key, value) in map {
        let module = key
            .strip_prefix("ansible.builtin.")
            .or_else(|| key.strip_prefix("ansible.legacy."))
            .unwrap_or(key);
        match (module, value) {
            ("file", serde_json::Value::Object(args)) if args.contains_key("mode") => {
                let path = ["path", "dest", "name"]
                    .iter()
                    .find_map(|k| args.get(*k).and_then(|v| v.as_str()));
                if let Some(path) = path {
                    let mode = file_mode(args);
                    let recursive = match args.get("recurse") {
                        Some(serde_json::Value::Bool(b)) => *b,
                        Some(serde_json::Value::String(r)) => {
                            !matches!(r.trim().to_ascii_lowercase().as_str(), "no" | "false")
                        }
                        _ => false,
                    };
                    for path in with_items(path, items) {
                        changed.push(ModeChange {
                            path: written_path(path.trim()),
                            mode,
                            recursive,
                        });
                    }
                }
            }
            ("file", serde_json::Value::String(free)) if free.contains("mode=") => {
                let path = free.split_whitespace().find_map(|w| {
                    ["path=", "dest=", "name="]
                        .iter()
                        .find_map(|k| w.strip_prefix(k))
                });
                let mode = free
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("mode="))
                    .and_then(|m| octal_mode(m.trim_matches(['"', '\''])));
                let recursive = free.split_whitespace().any(|w| {
                    w.strip_prefix("recurse=")
                        .is_some_and(|r| !matches!(r.to_ascii_lowercase().as_str(), "no" | "false"))
                });
                if let Some(path) = path {
                    for path in with_items(path.trim_matches(['"', '\'']), items) {
                        changed.push(ModeChange {
                            path: written_path(&path),
                            mode,
                            recursive,
                        });
                    }
                }
            }
            ("shell" | "command" | "raw", _) => {
                let command = match value {
                    serde_json::Value::String(c) => Some(c.as_str()),
                    serde_json::Value::Object(args) => args.get("cmd").and_then(|c| c.as_str()),
                    _ => None,
                };
                let Some(command) = command.filter(|c| c.contains("chmod")) else {
                    continue;
                };
                for command in with_items(command, items) {
                    if changed.len() >= MAX_ITEMS {
                        break;
                    }
                    for line in command.lines().take(MAX_ITEMS) {
                        for part in grouped_commands(line) {
                            changed.extend(chmod_paths(part.as_ref()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.note_mode_changes(changed);
}

/// What the Ansible tasks of one YAML file change: `lineinfile`, `blockinfile` and `replace`
/// on main.cf or master.cf, and `command`/`shell` tasks that run `postconf` (with their
/// `loop`/`with_items` items put in for `{{ item }}`). A file that is no YAML changes nothing
/// postlint can read.
pub(super) fn scan_yaml(text: &str, path: &Path) -> Script {
    let mut out = Script {
        path: path.to_path_buf(),
        ..Script::default()
    };
    let Ok(root) = serde_norway::from_str::<serde_json::Value>(text) else {
        return out;
    };
    let mut names: Vec<String> = Vec::new();
    // The settings tasks that always run write out in full: name, value, and the text that
    // holds them in the file.
    let mut candidates: Vec<Candidate> = Vec::new();
    // Iteratively (a hostile file may nest deeply), in the order of the file: the tasks that
    // put lines into a value one after the other go together. Each value with whether a
    // task or block around it runs under a condition (`when:`) or on another host.
    let mut pending = vec![(&root, false)];
    // A handler runs only when a task notifies it.
    let handlers = path.components().any(|c| c.as_os_str() == "handlers");
    while let Some((value, conditional)) = pending.pop() {
        match value {
            serde_json::Value::Array(items) => {
                pending.extend(items.iter().rev().map(|item| (item, conditional)))
            }
            serde_json::Value::Object(map) => {
                // `tags: never` runs only when asked for by tag.
                let never = match map.get("tags") {
                    Some(serde_json::Value::String(t)) => t.split(',').any(|t| t.trim() == "never"),
                    Some(serde_json::Value::Array(t)) => {
                        t.iter().any(|t| t.as_str() == Some("never"))
                    }
                    _ => false,
                };
                let conditional = conditional
                    || never
                    || ["when", "delegate_to", "local_action"]
                        .iter()
                        .any(|k| map.contains_key(*k));
                let always = (!conditional && !handlers).then_some(&mut candidates);
                task_mode_changes(map, &mut out);
                task_names(map, &mut out, &mut names, text, always);
                task_structure(map, conditional, &mut out);
                // A compose file's long-form bind mount.
                let text = |k: &str| map.get(k).and_then(|v| v.as_str());
                if let (Some(source), Some(target)) = (text("source"), text("target")) {
                    add_mount(&mut out, source, target);
                }
                // A block's `rescue:` runs only when a task of it fails.
                pending.extend(
                    map.iter()
                        .rev()
                        .map(|(k, v)| (v, conditional || k == "rescue")),
                );
            }
            // A compose file's `- ./postfix/master.cf:/etc/postfix/master.cf:ro`.
            serde_json::Value::String(volume) => {
                let mut parts = volume.split(':');
                if let (Some(source), Some(target)) = (parts.next(), parts.next()) {
                    add_mount(&mut out, source, target);
                }
            }
            _ => {}
        }
    }
    // Each name once, with the first line that holds it as a word (for --verbose), found in
    // one pass over the text.
    let mut first_line: std::collections::HashMap<&str, u32> =
        names.iter().map(|n| (n.as_str(), 0)).collect();
    for (i, line) in text.lines().enumerate() {
        for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if let Some(at) = first_line.get_mut(word) {
                if *at == 0 {
                    *at = i as u32 + 1;
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    for name in &names {
        if seen.insert(name.as_str()) {
            let line = first_line.get(name.as_str()).copied().unwrap_or(0).max(1);
            out.main_params.push((name.clone(), line));
        }
    }
    out.literals = task_literals(text, &names, candidates);
    if !out.literals.is_empty() {
        let words: Vec<std::ops::Range<usize>> =
            out.literals.iter().map(|l| l.word.clone()).collect();
        out.text = kept_words(text, &words);
        if out.text.is_none() {
            out.literals.clear();
        }
    }
    out
}

/// What a YAML map says of how Ansible reaches tasks: a task file it includes or imports
/// (`include_tasks: relay.yml`, `import_tasks:`, the old `include:`; with whether under a
/// condition), a role it applies under a condition (`- role: mail` with `when:`,
/// `include_role` under `when:`), and whether it is a play (`hosts:`).
fn task_structure(
    map: &serde_json::Map<String, serde_json::Value>,
    conditional: bool,
    out: &mut Script,
) {
    if map.contains_key("hosts") {
        out.playbook = true;
    }
    let modules = |names: &[&str]| -> Option<&serde_json::Value> {
        names.iter().find_map(|n| {
            map.get(*n)
                .or_else(|| map.get(&format!("ansible.builtin.{n}")))
        })
    };
    if let Some(include) = modules(&["include_tasks", "import_tasks", "include"]) {
        let file = include
            .as_str()
            .or_else(|| include.get("file").and_then(|f| f.as_str()));
        // A name from a template (`{{ ansible_os_family }}.yml`) includes no file known here.
        if let Some(file) = file.filter(|f| !has_template_tag(f)) {
            if out.task_includes.len() < MAX_ITEMS {
                out.task_includes
                    .push((file.trim().to_string(), conditional));
            }
        }
    }
    if !conditional {
        return;
    }
    let role = map.get("role").and_then(|r| r.as_str()).or_else(|| {
        modules(&["include_role", "import_role"])?
            .get("name")?
            .as_str()
    });
    if let Some(role) = role {
        if out.conditional_roles.len() < MAX_ITEMS {
            let name = role.rsplit('/').next().unwrap_or(role);
            out.conditional_roles.push(name.to_string());
        }
    }
}

/// A setting a task that always runs writes out in full: name, value, the text that holds
/// them in the file, and whether a loop item's fields hold them instead (`{ name:
/// message_size_limit, value: 50MB }` for `line: "{{ item.name }} = {{ item.value }}"`).
type Candidate = (String, String, String, bool);

/// The literals of an Ansible task file: each candidate whose parameter the file sets once,
/// whose text stands once in the file (where it is found, and so shown).
fn task_literals(text: &str, names: &[String], candidates: Vec<Candidate>) -> Vec<Literal> {
    let mut out = Vec::new();
    for (name, value, needle, from_item) in candidates.into_iter().take(MAX_ITEMS) {
        if names.iter().filter(|n| **n == name).count() != 1 || needle.is_empty() {
            continue;
        }
        let mut found = text.match_indices(needle.as_str()).map(|(at, _)| at);
        let (Some(at), None) = (found.next(), found.next()) else {
            // Not written out as the line (`{ name: x, value: y }`): where the item's
            // fields stand.
            if from_item && !text.contains(needle.as_str()) {
                out.extend(item_literal(text, name, value));
            }
            continue;
        };
        let Some(eq) = needle.find('=') else {
            continue;
        };
        let (Some(name_at), Some(value_at)) = (
            needle.find(name.as_str()),
            needle[eq + 1..].find(value.as_str()),
        ) else {
            continue;
        };
        let (name_at, value_at) = (at + name_at, at + eq + 1 + value_at);
        let stands = |at: usize, word: &str| text.get(at..at + word.len()) == Some(word);
        if name_at < at + eq && stands(name_at, &name) && stands(value_at, &value) {
            let line = memchr::memchr_iter(b'\n', &text.as_bytes()[..at]).count() as u32 + 1;
            out.push(Literal {
                name,
                value,
                line,
                name_at,
                value_at,
                word: at..at + needle.len(),
            });
        }
    }
    out
}

/// A setting a loop item's fields hold: the name as a word that stands once in the file, and
/// the value as a word after it, within the item (its line or the three after it). None when
/// either is not found so.
fn item_literal(text: &str, name: String, value: String) -> Option<Literal> {
    if value.is_empty() {
        return None;
    }
    let word = |at: usize, len: usize| {
        let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        !text[..at].ends_with(part) && !text[at + len..].starts_with(part)
    };
    let mut names = text
        .match_indices(name.as_str())
        .map(|(at, _)| at)
        .filter(|&at| word(at, name.len()));
    let (Some(name_at), None) = (names.next(), names.next()) else {
        return None;
    };
    let after = name_at + name.len();
    let end = memchr::memchr_iter(b'\n', &text.as_bytes()[after..])
        .nth(3)
        .map_or(text.len(), |n| after + n);
    let value_at = text[after..end]
        .match_indices(value.as_str())
        .map(|(at, _)| after + at)
        .find(|&at| word(at, value.len()))?;
    let line = memchr::memchr_iter(b'\n', &text.as_bytes()[..name_at]).count() as u32 + 1;
    // The item as written, from its first word to the end of the value's line, is what a
    // finding shows.
    let line_start = memchr::memrchr(b'\n', &text.as_bytes()[..name_at]).map_or(0, |n| n + 1);
    let first = line_start
        + (text[line_start..name_at].len() - text[line_start..name_at].trim_start().len());
    let value_end = value_at + value.len();
    let last =
        memchr::memchr(b'\n', &text.as_bytes()[value_end..]).map_or(text.len(), |n| value_end + n);
    let word = first..text[..last].trim_end().len().max(value_end);
    Some(Literal {
        name,
        value,
        line,
        name_at,
        value_at,
        word,
    })
}

/// A bind mount of a repository file or directory into the container (compose `volumes:`):
/// for master.cf, what a Dockerfile's COPY is.
fn add_mount(out: &mut Script, source: &str, target: &str) {
    let target = target.trim_end_matches('/');
    let into_postfix = matches!(
        target,
        "/etc/postfix" | "/etc/postfix/master.cf" | "/etc/postfix/main.cf"
    );
    let in_repository = !source.is_empty() && !source.starts_with(['/', '$', '~']);
    if into_postfix && in_repository && out.copies.len() < MAX_COPIES {
        out.copies.push((source.to_string(), target.to_string()));
        out.copied_at.push(0);
    }
}

/// The module of an Ansible task (`lineinfile`, `ansible.builtin.lineinfile`) and its
/// arguments, for the modules that can change Postfix's files.
fn task_module(
    map: &serde_json::Map<String, serde_json::Value>,
) -> Option<(&str, &serde_json::Value)> {
    map.iter().find_map(|(key, args)| {
        let module = key
            .strip_prefix("ansible.builtin.")
            .or_else(|| key.strip_prefix("ansible.legacy."))
            .unwrap_or(key);
        matches!(
            module,
            "lineinfile"
                | "blockinfile"
                | "replace"
                | "command"
                | "shell"
                | "raw"
                | "template"
                | "copy"
        )
        .then_some((module, args))
    })
}

/// The `key=value` words of an Ansible module's free-form arguments (`path=/etc/postfix/main.cf
/// line="smtpd_banner = $myhostname ESMTP"`), as Ansible's parse_kv splits them: at spaces
/// outside quotes and `{{ }}`, each value without its quotes. Words that are no `key=value`
/// are left out.
pub(super) fn key_values(text: &str) -> serde_json::Map<String, serde_json::Value> {
    let mut words = Vec::new();
    let (mut word, mut quote, mut depth) = (String::new(), None, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') => {
                if let Some(&next) = chars.peek() {
                    word.push(match next {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                    chars.next();
                }
                continue;
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') if depth == 0 => quote = Some(c),
            (None, '{') if chars.peek() == Some(&'{') => {
                depth += 1;
                word.push_str("{{");
                chars.next();
            }
            (None, '}') if depth > 0 && chars.peek() == Some(&'}') => {
                depth -= 1;
                word.push_str("}}");
                chars.next();
            }
            (None, c) if c.is_whitespace() && depth == 0 => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, c) => word.push(c),
        }
    }
    words.push(word);
    words
        .into_iter()
        .filter_map(|w| {
            let (key, value) = w.split_once('=')?;
            let key_like =
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            key_like.then(|| {
                (
                    key.to_string(),
                    serde_json::Value::String(value.to_string()),
                )
            })
        })
        .collect()
}

/// What one Ansible task changes, added to `out` (main.cf names to `names`).
fn task_names(
    map: &serde_json::Map<String, serde_json::Value>,
    out: &mut Script,
    names: &mut Vec<String>,
    text: &str,
    mut always: Option<&mut Vec<Candidate>>,
) {
    let Some((module, args)) = task_module(map) else {
        return;
    };
    // `check_mode: true`: the task only tells whether it would change something (a Molecule
    // scenario's verify.yml asserting a line is there).
    if ansible_true(map.get("check_mode")) {
        return;
    }
    // The free-form `lineinfile: path=/etc/postfix/main.cf line="name = value"`, and the
    // task's `args:`, read as the arguments they spell.
    let free_form;
    let args = match (args, map.get("args")) {
        (serde_json::Value::String(text), extra)
            if !matches!(module, "command" | "shell" | "raw") =>
        {
            let mut parsed = key_values(text);
            if let Some(serde_json::Value::Object(extra)) = extra {
                parsed.extend(extra.clone());
            }
            free_form = serde_json::Value::Object(parsed);
            &free_form
        }
        (serde_json::Value::Null, Some(extra @ serde_json::Value::Object(_))) => extra,
        _ => args,
    };
    // `loop:` / `with_items:`: each item, for `{{ item }}` and `{{ item.key }}`.
    let items: Option<&Vec<serde_json::Value>> = ["loop", "with_items", "with_list"]
        .iter()
        .find_map(|k| map.get(*k)?.as_array());
    let arg = |name: &str| args.get(name).and_then(|v| v.as_str());
    if matches!(module, "template" | "copy") {
        // A file of the repository installed whole as main.cf or master.cf; a `copy` with
        // `content:` installs no file of the repository.
        let (Some(src), Some(dest)) = (arg("src"), arg("dest")) else {
            return;
        };
        let written_src = src;
        // `{{ role_path }}/files/postfix/`: the role's own directory.
        let src = src
            .strip_prefix("{{ role_path }}/")
            .or_else(|| src.strip_prefix("{{role_path}}/"))
            .unwrap_or(src);
        if module == "copy" && items.is_none() {
            if let Some(dir) = ansible_source_dir(&out.path, src) {
                copied_directory(out, &dir, src, dest);
                return;
            }
        }
        for_each_item(items, |item| {
            let (src, dest) = (fill_item(src, item), fill_item(dest, item));
            let file = dest.trim_end_matches(['"', '\'', ' ']).rsplit('/').next();
            let which = match file {
                Some("main.cf") => "main.cf",
                Some("master.cf") => "master.cf",
                _ => {
                    let installed = installed_path(&src, &dest).and_then(|dest| {
                        let file = ansible_source(&out.path, &src)?;
                        Some((dest, lexical(&file)))
                    });
                    if let Some((dest, file)) = installed {
                        let (mode, group) = (args.get("mode"), args.get("group"));
                        out.add_file_mode(file.clone(), written_src, mode, group, (text, false));
                        out.add_installed_file(dest, file);
                    }
                    return;
                }
            };
            let file = (!src.contains("{{"))
                .then(|| ansible_source(&out.path, &src))
                .flatten()
                .map(|file| lexical(&file));
            if let Some(file) = file {
                if which == "main.cf" {
                    let (mode, group) = (args.get("mode"), args.get("group"));
                    out.add_file_mode(file.clone(), written_src, mode, group, (text, false));
                }
                out.add_install(file, which);
            }
        });
        return;
    }
    if matches!(module, "command" | "shell" | "raw") {
        let Some(command) = args.as_str().or_else(|| arg("cmd")) else {
            return;
        };
        for line in with_items(command, items) {
            for command in commands(&line) {
                // `postconf -e "mynetworks = 10.0.0.0/8"` in a task that always runs.
                if let Some(always) = always.as_deref_mut() {
                    always.extend(
                        postconf_literals(command)
                            .into_iter()
                            .map(|(name, value, raw)| (name, value, raw.to_string(), false)),
                    );
                }
                table_builds(command, &mut out.builds);
                match command_names(command) {
                    None => out.main_open = true,
                    Some(found) => names.extend(found),
                }
                if let Some((Edited::MasterCf, _)) = sed_in_place(command) {
                    out.master = true;
                }
            }
            if MASTER_AMENDMENTS.iter().any(|m| line.contains(m)) {
                out.master = true;
            }
        }
        return;
    }
    // Arguments without a file: what they change cannot be read here.
    let Some(target) = ["path", "dest", "destfile", "name"]
        .iter()
        .find_map(|k| arg(k))
    else {
        if args.as_str().is_some_and(|a| a.contains("main.cf")) {
            out.main_open = true;
        } else if args.as_str().is_some_and(|a| a.contains("master.cf")) {
            out.master = true;
        }
        return;
    };
    let target = target.trim_end_matches(['"', '\'', ' ']);
    if target.ends_with("master.cf") {
        out.master = true;
        return;
    }
    if !target.ends_with("main.cf") || arg("state") == Some("absent") && module == "blockinfile" {
        return;
    }
    // The parameter a text sets: `name = value` lines (a continuation line of a value sets
    // nothing by itself), or the `^name` of a pattern.
    let assigned = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with([' ', '\t', '#']))
            .filter_map(|l| {
                assignment()
                    .captures(&format!(" {l}"))
                    .map(|c| c[1].to_string())
            })
            .collect()
    };
    let pattern_name = |pattern: &str| -> Option<String> {
        let name: String = pattern
            .trim_start_matches('^')
            .trim_start_matches("#?")
            .trim_start_matches("(#)?")
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        name.starts_with(|c: char| c.is_ascii_lowercase())
            .then_some(name)
    };
    let mut found = Vec::new();
    let mut open = false;
    // A line lineinfile writes for certain: put in place of the line its pattern finds, or
    // else at the end, where it is the one Postfix uses (not `backrefs`, which changes
    // nothing when the pattern finds no line, nor a line put before another).
    // main.cf where a package puts it: /etc/postfix, /usr/local/etc/postfix (FreeBSD), ...
    let system_main_cf = {
        let target = crate::model::paths::normalize(target);
        crate::model::paths::KNOWN_CONFIG_DIRS
            .iter()
            .any(|dir| target.strip_prefix(dir) == Some("/main.cf"))
    };
    let written = module == "lineinfile"
        && system_main_cf
        && arg("state").is_none_or(|s| s == "present")
        && !ansible_true(args.get("backrefs"))
        && arg("insertbefore").is_none()
        && arg("insertafter").is_none_or(|a| a == "EOF");
    for_each_item(items, |item| {
        let fill = |text: &str| fill_item(text, item);
        match module {
            "lineinfile" => {
                let line = arg("line").map(&fill);
                let regexp = arg("regexp").map(&fill);
                let anchor = arg("insertafter")
                    .or_else(|| arg("insertbefore"))
                    .map(&fill);
                if let (true, Some(always), Some(line)) =
                    (written, always.as_deref_mut(), line.as_deref())
                {
                    if let Some((name, value)) = setting_line(line) {
                        // Written from a loop item's fields (`{{ item.name }} = {{
                        // item.value }}`): the item holds them, not the line.
                        let from_item =
                            item.is_some() && arg("line").is_some_and(|l| l.contains("item"));
                        always.push((name, value, line.to_string(), from_item));
                    }
                }
                let named = line.as_deref().map(assigned).unwrap_or_default();
                if !named.is_empty() {
                    found.extend(named);
                } else if let Some(name) = regexp.as_deref().and_then(pattern_name) {
                    // A line removed or written by its pattern alone.
                    found.push(name);
                } else if line.as_deref().is_some_and(|l| l.starts_with([' ', '\t'])) {
                    // A line put into a value (`reject_rbl_client x,` after
                    // `smtpd_recipient_restrictions =`, or after the line a task before put
                    // there).
                    let anchored = anchor.as_deref().filter(|a| !a.starts_with([' ', '\t']));
                    match anchored
                        .and_then(pattern_name)
                        .or_else(|| names.last().cloned())
                    {
                        Some(name) => found.push(name),
                        None => open = true,
                    }
                } else if line.is_some() || regexp.is_some() {
                    open = true;
                }
            }
            "blockinfile" => {
                if let Some(block) = arg("block").or_else(|| arg("content")).map(&fill) {
                    let named = assigned(&block);
                    if named.is_empty() && !block.trim().is_empty() {
                        open = true;
                    }
                    found.extend(named);
                }
            }
            _ => {
                // replace: the pattern's name, or the names the replacement writes (a
                // placeholder filled in sets nothing).
                let regexp = arg("regexp").map(&fill);
                if let Some(name) = regexp.as_deref().and_then(pattern_name) {
                    found.push(name);
                }
                found.extend(
                    arg("replace")
                        .map(&fill)
                        .as_deref()
                        .map(assigned)
                        .unwrap_or_default(),
                );
            }
        }
    });
    // A name from a template (`{{ item.key }} = ...` without items) is no name (the text is
    // then `open`).
    names.extend(found);
    out.main_open |= open;
}

/// The repository file an Ansible task of the YAML file at `tasks` reads as `src`, found as
/// Ansible finds it: in a role (the directory above `tasks/`), under the role's `templates/`
/// (for `template`) or `files/` (for `copy`), then the role itself and `tasks/`; in a
/// playbook's directory, under its `templates/` and `files/`, then itself. `..` may lead
/// from one of these to another (`../files/master.cf` from `templates/`), never out of the
/// role (or the playbook's directory). None when it is not a regular file there, or `src`
/// is absolute.
pub fn ansible_source(tasks: &Path, src: &str) -> Option<PathBuf> {
    let src = Path::new(src);
    if src.is_absolute()
        || src.components().any(|c| {
            !matches!(
                c,
                std::path::Component::Normal(_)
                    | std::path::Component::CurDir
                    | std::path::Component::ParentDir
            )
        })
    {
        return None;
    }
    let dir = tasks.parent()?;
    let role = role_of(dir);
    let mut bases: Vec<PathBuf> = Vec::new();
    for top in role.into_iter().chain([dir]) {
        bases.extend([top.join("templates"), top.join("files"), top.to_path_buf()]);
    }
    bases.push(dir.to_path_buf());
    let bound = lexical(role.unwrap_or(dir));
    bases
        .into_iter()
        .filter_map(|base| climbing_within(&base.join(src), &bound))
        .find(|path| crate::discover::regular_file(path))
}

/// The role a task file's directory is in: the directory above its `tasks/` or `handlers/`.
fn role_of(dir: &Path) -> Option<&Path> {
    dir.ancestors()
        .find(|d| {
            d.file_name()
                .is_some_and(|n| n == "tasks" || n == "handlers")
        })
        .and_then(Path::parent)
}

/// The directory an Ansible `copy` task's `src` names (`files/postfix/`), found as
/// [`ansible_source`] finds a file: None when it is no directory there (a link is not
/// followed).
fn ansible_source_dir(tasks: &Path, src: &str) -> Option<PathBuf> {
    let src_path = Path::new(src.trim_end_matches('/'));
    if src.contains("{{") || src_path.as_os_str().is_empty() || src_path.is_absolute() {
        return None;
    }
    let dir = tasks.parent()?;
    let role = role_of(dir);
    let bound = lexical(role.unwrap_or(dir));
    role.into_iter()
        .chain([dir])
        .flat_map(|top| [top.join("files"), top.to_path_buf()])
        .filter_map(|base| climbing_within(&base.join(src_path), &bound))
        .find(|path| std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()))
}

/// At most this many files of a directory an Ansible `copy` task installs are looked at.
const MAX_COPIED_FILES: usize = 256;

/// A `copy` task that installs a directory of the repository (`src: files/postfix/`, `dest:
/// /etc/postfix/`): each regular file at its top lands at `dest` under its own name (with
/// the directory's name in between when `src` does not end in `/`, as Ansible does), as
/// main.cf or master.cf (in a directory Postfix reads them from), or another file main.cf may
/// name.
fn copied_directory(out: &mut Script, dir: &Path, src: &str, dest: &str) {
    let dest = dest.trim_matches(['"', '\'', ' ']).trim_end_matches('/');
    if !dest.starts_with('/') || dest.contains("{{") {
        return;
    }
    let into = match src.ends_with('/') {
        true => dest.to_string(),
        false => match dir.file_name() {
            Some(name) => format!("{dest}/{}", name.to_string_lossy()),
            None => return,
        },
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .take(MAX_COPIED_FILES)
        .map(|e| e.path())
        .filter(|p| crate::discover::regular_file(p))
        .collect();
    files.sort();
    for file in files {
        let Some(name) = file.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let at = crate::model::paths::normalize(&format!("{into}/{name}"));
        let file = lexical(&file);
        // main.cf and master.cf only where a Postfix build reads them (a second instance's
        // /etc/postfix-out too), not in a directory below (`src: postfix` without the `/`).
        let config_dir = crate::model::paths::KNOWN_CONFIG_DIRS.contains(&into.as_str())
            || into
                .strip_prefix("/etc/postfix-")
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
        match name.as_str() {
            "main.cf" if config_dir => out.add_install(file, "main.cf"),
            "master.cf" if config_dir => out.add_install(file, "master.cf"),
            _ => out.add_installed_file(at, file),
        }
    }
}

/// `path` with `.` and `..` resolved lexically, when it stays under `bound` (itself
/// resolved) and no `..` climbs above the start of a relative path.
pub(super) fn climbing_within(path: &Path, bound: &Path) -> Option<PathBuf> {
    let (out, climbed_out) = resolved(path);
    (!climbed_out && out.starts_with(bound)).then_some(out)
}

/// The absolute path a `template`/`copy` task installs its source at (a `dest` ending in `/`
/// keeps the source's file name, as Ansible does); None when either holds a variable or the
/// destination is no absolute path.
pub(super) fn installed_path(src: &str, dest: &str) -> Option<String> {
    let dest = dest.trim_matches(['"', '\'', ' ']);
    if src.contains("{{") || dest.contains("{{") || !dest.starts_with('/') || src.is_empty() {
        return None;
    }
    let dest = match dest.ends_with('/') {
        true => format!("{dest}{}", src.rsplit('/').next()?),
        false => dest.to_string(),
    };
    Some(crate::model::paths::normalize(&dest))
}

/// Calls `f` once per loop item (`None`: no loop).
fn for_each_item(
    items: Option<&Vec<serde_json::Value>>,
    mut f: impl FnMut(Option<&serde_json::Value>),
) {
    match items {
        Some(items) if !items.is_empty() => items.iter().take(MAX_ITEMS).for_each(|i| f(Some(i))),
        _ => f(None),
    }
}

/// `text` with `{{ item }}` and `{{ item.NAME }}` (or `item['NAME']`) put in from a loop item;
/// a lookup the item does not answer stays as it is (a template name: unknown).
fn fill_item(text: &str, item: Option<&serde_json::Value>) -> String {
    // A text too long to copy once per item is left as it is: its names stay unknown.
    let Some(item) = item.filter(|_| text.len() <= 64 * 1024) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        let Some(end) = rest[at..].find("}}") else {
            break;
        };
        let inner = rest[at + 2..at + end].trim();
        let value = match inner.strip_prefix("item") {
            Some("") => item.as_str().map(str::to_string),
            Some(field) => {
                let field = field
                    .trim_start_matches('.')
                    .trim_start_matches("['")
                    .trim_start_matches("[\"")
                    .trim_end_matches("']")
                    .trim_end_matches("\"]");
                item.get(field).and_then(|v| match v {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    serde_json::Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                })
            }
            None => None,
        };
        out.push_str(&rest[..at]);
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[at..at + end + 2]),
        }
        rest = &rest[at + end + 2..];
    }
    out.push_str(rest);
    out
}

/// `command` once per loop item when it uses `{{ item }}`, else once.
pub(super) fn with_items(command: &str, items: Option<&Vec<serde_json::Value>>) -> Vec<String> {
    let mut out = Vec::new();
    if command.contains("item") {
        for_each_item(items, |item| out.push(fill_item(command, item)));
    } else {
        out.push(command.to_string());
    }
    out
}

/// Whether an Ansible argument is true as Ansible reads a boolean (`true`, `yes`, `on`).
fn ansible_true(value: Option<&serde_json::Value>) -> bool {
    match value {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => {
            matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "on")
        }
        _ => false,
    }
}
