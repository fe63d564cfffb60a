//! Chef recipes: the `template` and `cookbook_file` resources that install Postfix's files
//! from the cookbook (`template '/etc/postfix/mysql-domains.cf' do source '...'; mode '0644';
//! end`). What they install, and the mode and group they give it, are read as an Ansible
//! task's are: a main.cf or master.cf goes with the cookbook's other, a table file is read
//! where main.cf names its path, and a mode lets `secret-readable` judge a password file.
//!
//! Only resources written out: a literal absolute path (or one whose file name is main.cf or
//! master.cf), a literal `source` (else Chef's default, the path's file name, with `.erb` for
//! a template), a quoted mode or one with a leading 0 (Ruby reads `0644` in octal; Chef takes
//! `644` as a decimal number). Nothing of the recipe runs.

use std::path::{Path, PathBuf};

use super::{lexical, DeclaredMode, Script};

/// At most this many resources are read of one recipe.
const MAX_RESOURCES: usize = 256;

/// A resource's block longer than this is not read.
const MAX_BLOCK_LINES: usize = 60;

/// What a recipe at `path` installs, added to `out`.
pub(super) fn scan_recipe(text: &str, path: &Path, out: &mut Script) {
    // The cookbook: the recipe's directory's parent (`cookbook/recipes/default.rb`).
    let Some(cookbook) = path.parent().and_then(Path::parent) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut read = 0;
    let mut i = 0;
    while i < lines.len() && read < MAX_RESOURCES {
        let Some((kind, dest)) = resource_start(lines[i]) else {
            i += 1;
            continue;
        };
        let indent = lines[i].len() - lines[i].trim_start().len();
        let Some(end) = lines[i + 1..]
            .iter()
            .take(MAX_BLOCK_LINES)
            .position(|l| l.trim() == "end" && l.len() - l.trim_start().len() <= indent)
            .map(|n| i + 1 + n)
        else {
            i += 1;
            continue;
        };
        read += 1;
        let mut source = None;
        let mut mode = None;
        let mut group = None;
        for (k, line) in lines.iter().enumerate().take(end).skip(i + 1) {
            let code = line.trim();
            if let Some(value) = attribute(code, "source") {
                source = quoted(value).map(str::to_string);
            } else if let Some(value) = attribute(code, "mode") {
                mode = octal_mode(value).map(|m| (m, k as u32 + 1));
            } else if let Some(value) = attribute(code, "group") {
                group = quoted(value)
                    .filter(|g| {
                        !g.is_empty()
                            && g.bytes().all(|b| {
                                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
                            })
                    })
                    .map(str::to_string);
            }
        }
        i = end + 1;
        let name = dest.rsplit('/').next().unwrap_or("");
        let source = source.unwrap_or_else(|| match kind {
            Kind::Template => format!("{name}.erb"),
            Kind::File => name.to_string(),
        });
        let Some(file) = cookbook_source(cookbook, kind, &source) else {
            continue;
        };
        let file = lexical(&file);
        if let Some((mode, line)) = mode {
            if out.file_modes.len() < super::MAX_ITEMS {
                out.file_modes.push(DeclaredMode {
                    file: file.clone(),
                    script: path.to_path_buf(),
                    line,
                    mode,
                    group: group.clone(),
                });
            }
        }
        match name {
            "main.cf" => out.add_install(file, "main.cf"),
            "master.cf" => out.add_install(file, "master.cf"),
            _ if dest.starts_with('/') && !dest.contains("#{") => {
                out.add_installed_file(crate::model::paths::normalize(dest), file)
            }
            _ => {}
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Template,
    File,
}

/// `template '/etc/postfix/main.cf' do`, `cookbook_file "/etc/postfix/x" do`: the resource's
/// kind and path.
fn resource_start(line: &str) -> Option<(Kind, &str)> {
    let code = line.trim();
    let (kind, rest) = match code.split_once(char::is_whitespace)? {
        ("template", rest) => (Kind::Template, rest),
        ("cookbook_file", rest) => (Kind::File, rest),
        _ => return None,
    };
    let rest = rest.trim().strip_suffix("do")?.trim_end();
    Some((kind, quoted(rest)?))
}

/// The value of `name value` on a line of a resource's block.
fn attribute<'l>(code: &'l str, name: &str) -> Option<&'l str> {
    let rest = code.strip_prefix(name)?;
    rest.starts_with(char::is_whitespace)
        .then(|| rest.split(" #").next().unwrap_or(rest).trim())
}

/// A Ruby string literal's text (`'x'`, `"x"` without `#{}`): None for anything else.
fn quoted(value: &str) -> Option<&str> {
    let value = value.trim();
    let inner = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))?;
    (!inner.contains("#{") && !inner.contains(['\'', '"'])).then_some(inner)
}

/// `'0644'`, `"640"`, `0640`, `00640`: the mode. A bare number without a leading 0 is decimal
/// to Ruby, so not read.
fn octal_mode(value: &str) -> Option<u32> {
    super::octal_mode(quoted(value).or_else(|| value.starts_with('0').then_some(value))?)
}

/// The cookbook's file a resource's `source` names: `templates/default/` or `templates/`
/// (`files/` for a `cookbook_file`), never outside the cookbook.
fn cookbook_source(cookbook: &Path, kind: Kind, source: &str) -> Option<PathBuf> {
    let source = Path::new(source);
    if source.is_absolute()
        || source
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    let dir = match kind {
        Kind::Template => "templates",
        Kind::File => "files",
    };
    [cookbook.join(dir).join("default"), cookbook.join(dir)]
        .into_iter()
        .map(|base| base.join(source))
        .find(|path| crate::discover::regular_file(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_and_their_modes() {
        assert_eq!(
            resource_start("template '/etc/postfix/main.cf' do"),
            Some((Kind::Template, "/etc/postfix/main.cf"))
        );
        assert_eq!(
            resource_start("  cookbook_file \"/etc/postfix/master.cf\" do"),
            Some((Kind::File, "/etc/postfix/master.cf"))
        );
        assert_eq!(resource_start("template node['x'] do"), None);
        assert_eq!(resource_start("template '/etc/x'"), None);
        assert_eq!(octal_mode("'0644'"), Some(0o644));
        assert_eq!(octal_mode("\"640\""), Some(0o640));
        assert_eq!(octal_mode("0600"), Some(0o600));
        assert_eq!(octal_mode("00640"), Some(0o640));
        assert_eq!(octal_mode("644"), None);
        assert_eq!(octal_mode("node['mode']"), None);
        assert_eq!(quoted("\"#{dir}/main.cf\""), None);
    }
}
