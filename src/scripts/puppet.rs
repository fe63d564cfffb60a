//! Puppet manifests: the `file` resources that install Postfix's files from a module
//! (`file { '/etc/postfix/sasl_passwd': content => template('postfix/sasl_passwd.erb'),
//! mode => '0600' }`). What they install, and the mode and group they give it, are read as an
//! Ansible task's are: a main.cf or master.cf goes with the module's other, a table file is
//! read where main.cf names its path, and a mode lets `secret-readable` judge a password file.
//!
//! A `define` that wraps such a resource is read for each declaration of it with a literal
//! title (`postfix::postmapfile { 'sasl_passwd': content => template('postfix/x.erb') }`
//! with `define postfix::postmapfile($content) { file { "/etc/postfix/${title}": content =>
//! $content, mode => '0644' } }`): the define's `$title`, `$name` and parameters take the
//! declaration's literals (or the parameters' literal defaults), and its variables set to a
//! string of those are read too.
//!
//! Only resources written out: a path that is a literal (after that substitution), content
//! from one `template()`/`epp()` or a `puppet:///modules/` source, a quoted octal mode. A
//! resource with `ensure => absent` installs nothing. Nothing of the manifests runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{lexical, DeclaredMode, Script};
use crate::puppet::{
    attributes, closing, code_bytes, literal, resolve, resource_bodies, template_of, unquote,
    variable_name,
};

/// At most this many `file` resources and declarations of defines are read, in all.
const MAX_RESOURCES: usize = 1_000;

/// At most this many bytes of manifests are searched for the declarations of defines.
const MAX_SCANNED: usize = 64 << 20;

/// At most this many defines are read, in all.
const MAX_DEFINES: usize = 256;

/// A `define` that declares `file` resources.
struct Define<'t> {
    /// Its name, as declarations write it (`postfix::postmapfile`).
    name: &'t str,
    manifest: usize,
    /// Its parameters and their literal defaults (with where the default is written).
    params: Vec<(&'t str, Option<(&'t str, usize)>)>,
    /// Its `file` resources.
    files: Vec<FileResource<'t>>,
    /// Its variables set to a double-quoted string (`$filename = "/etc/postfix/${title}"`).
    variables: HashMap<&'t str, &'t str>,
}

/// One `file` resource as written: the title and each attribute's value, with where the
/// value starts in the manifest.
struct FileResource<'t> {
    title: &'t str,
    attributes: Vec<(&'t str, &'t str, usize)>,
}

/// What the manifests at `manifests` (path and text) install, as one [`Script`] per manifest
/// that installs something.
pub(super) fn scan(manifests: &[(PathBuf, String)], root: &Path) -> Vec<Script> {
    let mut defines: Vec<Define> = Vec::new();
    let mut budget = MAX_RESOURCES;
    // Each manifest's `file` resources outside defines, and its defines.
    let mut plain: Vec<Vec<FileResource>> = Vec::new();
    for (m, (_, text)) in manifests.iter().enumerate() {
        let found = defines_in(text);
        let mut own = Vec::new();
        for body in resource_bodies(text, "file") {
            for resource in resources(text, body) {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let at = body.as_ptr() as usize - text.as_ptr() as usize;
                match found.iter().position(|(_, range, _)| range.contains(&at)) {
                    Some(d) if defines.len() < MAX_DEFINES => {
                        let (name, _, params) = &found[d];
                        let index = match defines
                            .iter()
                            .position(|def| def.manifest == m && def.name == *name)
                        {
                            Some(i) => i,
                            None => {
                                let range = found[d].1.clone();
                                defines.push(Define {
                                    name,
                                    manifest: m,
                                    params: params.clone(),
                                    files: Vec::new(),
                                    variables: string_variables(&text[range]),
                                });
                                defines.len() - 1
                            }
                        };
                        defines[index].files.push(resource);
                    }
                    Some(_) => {}
                    None => own.push(resource),
                }
            }
        }
        plain.push(own);
    }
    let mut out: Vec<Script> = manifests
        .iter()
        .map(|(path, _)| Script {
            path: path.clone(),
            ..Script::default()
        })
        .collect();
    for (m, resources) in plain.iter().enumerate() {
        for resource in resources {
            let vars = Vars::default();
            install(root, manifests, m, resource, &vars, &mut out[m]);
        }
    }
    // Each define's declarations are looked for in every manifest: at most MAX_SCANNED bytes
    // in all, whatever the number of defines.
    let mut scanned = 0usize;
    for define in &defines {
        for (m, (_, text)) in manifests.iter().enumerate() {
            scanned += text.len();
            if scanned > MAX_SCANNED || !text.contains(define.name) {
                continue;
            }
            for body in resource_bodies(text, define.name) {
                for declaration in resources(text, body) {
                    if budget == 0 {
                        break;
                    }
                    budget -= 1;
                    let Some(title) = literal(declaration.title) else {
                        continue;
                    };
                    let vars = Vars {
                        title: Some(title),
                        given: &declaration.attributes,
                        given_in: m,
                        define: Some(define),
                    };
                    for resource in &define.files {
                        install(
                            root,
                            manifests,
                            define.manifest,
                            resource,
                            &vars,
                            &mut out[m],
                        );
                    }
                }
            }
        }
    }
    out.retain(|s| !s.ansible_installs.is_empty() || !s.ansible_files.is_empty());
    out
}

/// What a define's `$title` and parameters are for one declaration of it.
#[derive(Default)]
struct Vars<'v, 't> {
    title: Option<&'t str>,
    /// The declaration's attributes, and the manifest they are written in.
    given: &'v [(&'t str, &'t str, usize)],
    given_in: usize,
    define: Option<&'v Define<'t>>,
}

impl<'t> Vars<'_, 't> {
    /// A variable's value as written (a quoted literal, `template(...)`), and where it is
    /// written (manifest and offset): the declaration's attribute, else the parameter's
    /// default. `$title` and `$name` are the declaration's title.
    fn value(&self, name: &str) -> Option<(&'t str, Option<(usize, usize)>)> {
        let define = self.define?;
        if matches!(name, "title" | "name") {
            return self.title.map(|t| (t, None));
        }
        let (_, default) = define.params.iter().find(|(p, _)| *p == name)?;
        match self.given.iter().find(|(k, ..)| *k == name) {
            Some(&(_, value, at)) => Some((value, Some((self.given_in, at)))),
            None => default.map(|(value, at)| (value, Some((define.manifest, at)))),
        }
    }

    /// A title or path as written, with the define's variables put in: a literal, a variable
    /// (`$filename`, a parameter or one set in the define's body), or a double-quoted string
    /// of those (`"/etc/postfix/${title}"`). None for anything else.
    fn text(&self, written: &str) -> Option<String> {
        let written = written.trim();
        if let Some(name) = variable_name(written) {
            let define = self.define?;
            if let Some(set) = define.variables.get(name) {
                return self.text(set);
            }
            let (value, _) = self.value(name)?;
            return literal(value).map(str::to_string);
        }
        if let Some(found) = literal(written) {
            return Some(found.to_string());
        }
        let inner = written.strip_prefix('"')?.strip_suffix('"')?;
        let mut out = String::new();
        let mut rest = inner;
        while let Some(dollar) = rest.find('$') {
            out.push_str(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            let (name, len) = match after.strip_prefix('{') {
                Some(braced) => {
                    let end = braced.find('}')?;
                    (&braced[..end], end + 2)
                }
                None => {
                    let end = after
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(after.len());
                    (&after[..end], end)
                }
            };
            let (value, _) = self.value(name)?;
            out.push_str(literal(value).or(matches!(name, "title" | "name").then_some(value))?);
            rest = &after[len..];
        }
        out.push_str(rest);
        (!out.contains(['$', '"', '\\'])).then_some(out)
    }

    /// An attribute's value as written, through a parameter when it names one (`content =>
    /// $content`), with where that value is written.
    fn attribute(
        &self,
        resource: &FileResource<'t>,
        manifest: usize,
        name: &str,
    ) -> Option<(&'t str, (usize, usize))> {
        let &(_, value, at) = resource.attributes.iter().find(|(k, ..)| *k == name)?;
        match variable_name(value) {
            Some(var) => match self.value(var)? {
                (value, Some(place)) => Some((value, place)),
                (_, None) => None,
            },
            None => Some((value, (manifest, at))),
        }
    }
}

/// Notes what one `file` resource (of manifest `m`, or of a define declared there) installs.
fn install(
    root: &Path,
    manifests: &[(PathBuf, String)],
    m: usize,
    resource: &FileResource,
    vars: &Vars,
    out: &mut Script,
) {
    let path = match vars.attribute(resource, m, "path") {
        Some((path, _)) => vars.text(path),
        None => vars.text(resource.title),
    };
    let Some(dest) = path.filter(|p| p.starts_with('/')) else {
        return;
    };
    if vars
        .attribute(resource, m, "ensure")
        .and_then(|(v, _)| literal(v).or(Some(v)))
        .is_some_and(|v| matches!(v, "absent" | "directory" | "link"))
    {
        return;
    }
    let content = match vars.attribute(resource, m, "content") {
        Some((value, (at, _))) => {
            template_of(value).and_then(|t| resolve(root, &manifests[at].0, t, "templates"))
        }
        None => vars
            .attribute(resource, m, "source")
            .and_then(|(value, (at, _))| {
                literal(value)
                    .and_then(|s| s.strip_prefix("puppet:///modules/"))
                    .and_then(|s| resolve(root, &manifests[at].0, s, "files"))
            }),
    };
    let Some(file) = content.map(|f| lexical(&f)) else {
        return;
    };
    if let Some((value, (at, offset))) = vars.attribute(resource, m, "mode") {
        if let Some(mode) = octal_mode(value) {
            let text = &manifests[at].1;
            let line = text[..offset.min(text.len())].matches('\n').count() as u32 + 1;
            let group = vars
                .attribute(resource, m, "group")
                .and_then(|(g, _)| literal(g))
                .filter(|g| {
                    !g.is_empty()
                        && g.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                })
                .map(str::to_string);
            if out.file_modes.len() < super::MAX_ITEMS
                && !out.file_modes.iter().any(|d| d.file == file)
            {
                out.file_modes.push(DeclaredMode {
                    file: file.clone(),
                    script: manifests[at].0.clone(),
                    line,
                    mode,
                    group,
                });
            }
        }
    }
    let dest = crate::model::paths::normalize(&dest);
    match dest.rsplit('/').next() {
        Some("main.cf") => out.add_install(file, "main.cf"),
        Some("master.cf") => out.add_install(file, "master.cf"),
        _ => out.add_installed_file(dest, file),
    }
}

/// A quoted mode of octal digits (`'0644'`, `"640"`): Puppet takes a mode as a string. A
/// symbolic mode (`'u=rw,go=r'`), a number or a variable: None.
fn octal_mode(value: &str) -> Option<u32> {
    super::octal_mode(unquote(value)?)
}

/// The resources of one resource body (`'a': x => 1; 'b': x => 2`), each with its title as
/// written and its attributes with where their values start in `text`. A title that is an
/// array is left out.
fn resources<'t>(text: &'t str, body: &'t str) -> Vec<FileResource<'t>> {
    let mut out = Vec::new();
    for part in split_top_level(body, b';') {
        let Some(colon) = title_end(part) else {
            continue;
        };
        let title = part[..colon].trim();
        if title.starts_with('[') {
            continue;
        }
        let attributes = attributes(&part[colon + 1..])
            .into_iter()
            .map(|(k, v)| (k, v, v.as_ptr() as usize - text.as_ptr() as usize))
            .collect();
        out.push(FileResource { title, attributes });
    }
    out
}

/// Where a resource's title ends: the first `:` outside quotes that is not half of `::`.
fn title_end(part: &str) -> Option<usize> {
    let mut code = code_bytes(part, 0, false).peekable();
    while let Some((at, b)) = code.next() {
        match b {
            b':' if code
                .peek()
                .is_some_and(|&(next, c)| c == b':' && next == at + 1) =>
            {
                code.next();
            }
            b':' => return Some(at),
            b'=' => return None,
            _ => {}
        }
    }
    None
}

/// `text` split at each `sep` outside quotes, brackets, braces and parentheses.
fn split_top_level(text: &str, sep: u8) -> Vec<&str> {
    let (mut out, mut start, mut depth) = (Vec::new(), 0, 0usize);
    for (at, b) in code_bytes(text, 0, false) {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ if b == sep && depth == 0 => {
                out.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// A define found in a manifest: its name, the range of its body, and its parameters.
type FoundDefine<'t> = (
    &'t str,
    std::ops::Range<usize>,
    Vec<(&'t str, Option<(&'t str, usize)>)>,
);

/// The defines of a manifest (`define postfix::file($content, $mode = '0644') { ... }`).
fn defines_in(text: &str) -> Vec<FoundDefine<'_>> {
    static DEFINE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let pattern = DEFINE.get_or_init(|| {
        regex::Regex::new(r"(?m)^[ \t]*define[ \t]+([a-z][a-z0-9_:]*)[ \t]*([({])")
            .expect("a valid pattern")
    });
    let mut out = Vec::new();
    // Defines do not nest: the next one is looked for after the body of the last, so that
    // each byte is scanned once; one never closed ends the search.
    let mut from = 0;
    while let Some(found) = pattern.captures_at(text, from) {
        if out.len() >= MAX_DEFINES {
            break;
        }
        let (Some(name), Some(open)) = (found.get(1), found.get(2)) else {
            break;
        };
        let mut params = Vec::new();
        let mut body = open.start();
        if open.as_str() == "(" {
            let Some(end) = closing(text, open.start()) else {
                break;
            };
            let list = &text[open.start() + 1..end - 1];
            for param in split_top_level(list, b',') {
                let Some(dollar) = param.find('$') else {
                    continue;
                };
                let rest = &param[dollar + 1..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let default = rest[len..].trim_start().strip_prefix('=').map(|d| {
                    let d = d.trim();
                    (d, d.as_ptr() as usize - text.as_ptr() as usize)
                });
                params.push((&rest[..len], default));
            }
            let Some(brace) = text[end..].find(|c: char| !c.is_whitespace()) else {
                break;
            };
            body = end + brace;
        }
        let Some(close) = closing(text, body) else {
            break;
        };
        from = close;
        out.push((name.as_str(), body..close, params));
    }
    out
}

/// The variables a define's body sets to a double-quoted or literal string, each once.
fn string_variables(body: &str) -> HashMap<&str, &str> {
    static ASSIGNMENT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let assignment = ASSIGNMENT.get_or_init(|| {
        regex::Regex::new(
            r#"(?m)^[ \t]*\$([A-Za-z0-9_]+)[ \t]*=[ \t]*("[^"\n]*"|'[^'\n]*')[ \t]*$"#,
        )
        .expect("a valid pattern")
    });
    let mut out = HashMap::new();
    let mut twice = Vec::new();
    for found in assignment.captures_iter(body) {
        let (Some(name), Some(value)) = (found.get(1), found.get(2)) else {
            continue;
        };
        if out.insert(name.as_str(), value.as_str()).is_some() {
            twice.push(name.as_str());
        }
    }
    for name in twice {
        out.remove(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_titles_and_defines() {
        assert_eq!(octal_mode("'0644'"), Some(0o644));
        assert_eq!(octal_mode("\"600\""), Some(0o600));
        assert_eq!(octal_mode("'00640'"), Some(0o640));
        assert_eq!(octal_mode("0644"), None);
        assert_eq!(octal_mode("'u=rw,go=r'"), None);
        assert_eq!(octal_mode("$mode"), None);
        assert_eq!(title_end("'/etc/postfix/x': mode => '1'"), Some(16));
        assert_eq!(title_end("$filename: ensure => present"), Some(9));
        assert_eq!(title_end("$::dir: x => 1"), Some(6));
        assert_eq!(title_end("ensure => present"), None);
        assert_eq!(
            split_top_level("'a': x => 'p;q'; 'b': y => f(1;2)", b';'),
            vec!["'a': x => 'p;q'", " 'b': y => f(1;2)"]
        );
        let text = "define a::b(\n  $content,\n  $mode = '0600',\n) {\n  file { \"/etc/postfix/${title}\": content => $content, mode => $mode }\n}\n";
        let found = defines_in(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "a::b");
        assert_eq!(found[0].2.len(), 2);
        assert_eq!(found[0].2[0], ("content", None));
        assert_eq!(found[0].2[1].0, "mode");
        assert_eq!(found[0].2[1].1.map(|d| d.0), Some("'0600'"));
        assert!(text[found[0].1.clone()].starts_with('{'));
        assert!(text[found[0].1.clone()].ends_with('}'));
        // Broken manifests: no panic, nothing found.
        for broken in [
            "define a(",
            "define a($x) {",
            "define a { file { '/x':",
            "file { ;;: }",
        ] {
            assert!(defines_in(broken).is_empty() || broken.contains('{'));
            let _ = resources(broken, broken);
        }
    }
}
