//! Puppet's `concat`: a main.cf a module assembles from fragments (`concat {
//! '/etc/postfix/main.cf': }` and `concat::fragment { ...: target => '/etc/postfix/main.cf',
//! content => template('postfix/dkim/main.cf.erb'), order => 10 }`). The fragment of lowest
//! order among those that are templates of main.cf by name is the base, linted as main.cf;
//! the other fragments are read as parts of it, conditional (the classes that declare them
//! may not be included), before or after it by their order, and are not linted on their own:
//! a fragment that adds the milter settings is no main.cf. A fragment whose content postlint
//! cannot read (a variable, a `postfix::config` line per parameter, a template outside the
//! tree) leaves main.cf open-ended: any parameter it does not set may be set there.

use std::path::{Path, PathBuf};

/// The main.cf paths a concat target names.
const TARGETS: &[&str] = &["/etc/postfix/main.cf", "/usr/local/etc/postfix/main.cf"];

/// Manifests read at most (each of at most 1 MB, as `discover::small_text` reads them).
const MAX_MANIFESTS: usize = 5_000;
/// Bytes of manifests read at most, in all.
const MAX_TOTAL_BYTES: u64 = 64 << 20;

/// One `concat::fragment` whose target is main.cf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// The manifest that declares it.
    pub manifest: PathBuf,
    /// The template or file in the tree its content comes from; None when postlint cannot
    /// read it.
    pub content: Option<PathBuf>,
    /// Its `order`, as concat sorts it ([`compare_order`]).
    pub order: String,
    /// The concat resource of main.cf sorts its fragments by number (`order => 'numeric'`),
    /// not as text (concat's default, `'alpha'`: `10` before `9`).
    pub numeric: bool,
}

/// main.cf as concat assembles it: the base and the other fragments, by order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assembly {
    /// The other fragments that come before the base, and after it, with the manifest that
    /// declares each.
    pub before: Vec<(PathBuf, PathBuf)>,
    pub after: Vec<(PathBuf, PathBuf)>,
    /// Manifests of fragments postlint cannot read.
    pub unread: Vec<PathBuf>,
}

/// The main.cf fragments the repository's manifests (`*.pp`, as the walk of `--discover`
/// found them) declare.
pub fn fragments(root: &Path, manifests: &[PathBuf]) -> Vec<Fragment> {
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut numeric = false;
    for path in manifests.iter().take(MAX_MANIFESTS) {
        let path = path.as_path();
        // A regular file of at most 1 MB, read once (`small_text`).
        let Some(text) = crate::discover::small_text(path) else {
            continue;
        };
        total += text.len() as u64;
        if total > MAX_TOTAL_BYTES {
            break;
        }
        if !text.contains("concat") {
            continue;
        }
        // The concat resource of main.cf, for how it sorts its fragments.
        for body in resource_bodies(&text, "concat") {
            let title = title_of(body).or_else(|| {
                let attrs = attributes(body);
                let path = attrs.iter().find(|(k, _)| *k == "path")?.1;
                literal(path)
            });
            if title.is_some_and(|t| TARGETS.contains(&t)) {
                numeric |= attributes(body)
                    .iter()
                    .any(|(k, v)| *k == "order" && literal(v) == Some("numeric"));
            }
        }
        // The manifest's variables, read when a target names one.
        let mut variables = None;
        for body in resource_bodies(&text, "concat::fragment") {
            let attrs = attributes(body);
            let target = attrs.iter().find(|(k, _)| *k == "target").map(|(_, v)| *v);
            // A literal, or a variable the manifest sets to one (`$config_file =
            // '/etc/postfix/main.cf'` in the define that declares the fragment).
            let known = target.and_then(|t| {
                literal(t).or_else(|| {
                    variable(variables.get_or_insert_with(|| literal_variables(&text)), t)
                })
            });
            // A target postlint cannot read may still be main.cf: `"${config_dir}/main.cf"`
            // is, in some directory; `"/etc/postfix/${filename}"` or `$target` (a define's
            // parameter) may be, and its content then is no part postlint can place.
            let (readable, maybe) = match (known, target) {
                (Some(known), _) => (TARGETS.contains(&known), false),
                (None, Some(raw)) => match unread_target(raw) {
                    Some(Unread::MainCf) => (true, false),
                    Some(Unread::Maybe) => (false, true),
                    None => (false, false),
                },
                (None, None) => (false, false),
            };
            if !readable && !maybe {
                continue;
            }
            let order = attrs
                .iter()
                .find(|(k, _)| *k == "order")
                .and_then(|(_, v)| literal(v).or(Some(v)))
                .unwrap_or("10")
                .to_string();
            let content = attrs.iter().find_map(|(k, v)| match *k {
                "content" => Some(template_of(v).and_then(|t| resolve(root, path, t, "templates"))),
                "source" => Some(
                    literal(v)
                        .and_then(|s| s.strip_prefix("puppet:///modules/"))
                        .and_then(|s| resolve(root, path, s, "files")),
                ),
                _ => None,
            });
            out.push(Fragment {
                manifest: path.to_path_buf(),
                content: content.flatten().filter(|_| readable),
                order,
                numeric: false,
            });
        }
    }
    for fragment in &mut out {
        fragment.numeric = numeric;
    }
    out
}

/// How main.cf is assembled when `base` (a template of main.cf by name) is one of the
/// fragments: None when it is none, or when another fragment of lower order is a main.cf
/// template too (that one is the base).
pub fn assembly(
    fragments: &[Fragment],
    base: &Path,
    is_main_cf: impl Fn(&Path) -> bool,
) -> Option<Assembly> {
    let own = fragments
        .iter()
        .filter(|f| f.content.as_deref() == Some(base))
        .min_by(|a, b| compare_order(&a.order, &b.order, a.numeric))?;
    let lower_base = fragments.iter().any(|f| {
        f.content
            .as_deref()
            .is_some_and(|c| c != base && is_main_cf(c))
            && compare_order(&f.order, &own.order, own.numeric).is_lt()
    });
    if lower_base {
        return None;
    }
    let mut others: Vec<&Fragment> = fragments
        .iter()
        .filter(|f| f.content.as_deref() != Some(base))
        .collect();
    others.sort_by(|a, b| compare_order(&a.order, &b.order, own.numeric));
    let mut assembly = Assembly::default();
    for f in others {
        match &f.content {
            None if assembly.unread.contains(&f.manifest) => {}
            None => assembly.unread.push(f.manifest.clone()),
            Some(content) => {
                let side = match compare_order(&f.order, &own.order, own.numeric).is_lt() {
                    true => &mut assembly.before,
                    false => &mut assembly.after,
                };
                if !side.iter().any(|(c, _)| c == content) {
                    side.push((content.clone(), f.manifest.clone()));
                }
            }
        }
    }
    Some(assembly)
}

/// concat's order: as text (its default, `'alpha'`), or numbers by value when the concat
/// resource says `'numeric'` and both are numbers.
fn compare_order(a: &str, b: &str, numeric: bool) -> std::cmp::Ordering {
    match (numeric, a.parse::<u64>(), b.parse::<u64>()) {
        (true, Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// The bodies of the resources of one type (`concat::fragment { 'title': ... }`) in a
/// manifest: from the title to the closing brace (quotes and nested braces skipped). The type
/// is a whole word: `concat` is not `concat::fragment` or `myconcat`.
pub(crate) fn resource_bodies<'t>(text: &'t str, kind: &str) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(kind) {
        let hit = from + at;
        let start = hit + kind.len();
        from = start;
        let before = text[..hit].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        // Not in a comment.
        let line_start = text[..hit].rfind('\n').map_or(0, |n| n + 1);
        if text[line_start..hit].contains('#') {
            continue;
        }
        let rest = &text[start..];
        let Some(open) = rest.find(|c: char| !c.is_whitespace()) else {
            break;
        };
        if !rest[open..].starts_with('{') {
            continue;
        }
        let body_start = start + open + 1;
        // A body never closed runs to the end of the text: the resources after it are
        // inside it, and scanning again from each would make a broken manifest quadratic.
        let Some(end) = closing(text, start + open) else {
            break;
        };
        out.push(&text[body_start..end - 1]);
        from = end;
    }
    out
}

/// The bytes of `text` from `from` on that are code, with their offsets: outside quotes
/// (inside them a backslash escapes the next byte) and, with `comments`, outside `#` comments.
pub(crate) fn code_bytes(
    text: &str,
    from: usize,
    comments: bool,
) -> impl Iterator<Item = (usize, u8)> + '_ {
    let bytes = text.as_bytes();
    let (mut i, mut quote) = (from, None::<u8>);
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let (at, b) = (i, bytes[i]);
            i += 1;
            match quote {
                Some(_) if b == b'\\' => i += 1,
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'\'' || b == b'"' => quote = Some(b),
                None if comments && b == b'#' => {
                    i = text[at..].find('\n').map_or(bytes.len(), |n| at + n);
                }
                None => return Some((at, b)),
            }
        }
        None
    })
}

/// The byte after the bracket (`(` or `{`) that closes the one at `open`, quotes and comments
/// skipped; None when it is never closed.
pub(crate) fn closing(text: &str, open: usize) -> Option<usize> {
    let (opener, closer) = match text.as_bytes().get(open)? {
        b'(' => (b'(', b')'),
        b'{' => (b'{', b'}'),
        _ => return None,
    };
    let mut depth = 0usize;
    for (at, b) in code_bytes(text, open, true) {
        if b == opener {
            depth += 1;
        } else if b == closer {
            depth -= 1;
            if depth == 0 {
                return Some(at + 1);
            }
        }
    }
    None
}

/// A resource body's title when it is one literal string (`'/etc/postfix/main.cf':`).
pub(crate) fn title_of(body: &str) -> Option<&str> {
    let body = body.trim_start();
    let quote = body.chars().next().filter(|&c| c == '\'' || c == '"')?;
    let end = body[1..].find(quote)? + 1;
    let after = body[end + 1..].trim_start();
    if !after.starts_with(':') {
        return None;
    }
    literal(&body[..=end])
}

/// The `name => value` attributes of a resource body, after its title; values as written.
pub(crate) fn attributes(body: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(arrow) = rest.find("=>") {
        let name = rest[..arrow]
            .rsplit(|c: char| c.is_whitespace() || c == ',' || c == ':' || c == ';')
            .find(|w| !w.is_empty())
            .unwrap_or("");
        let after = &rest[arrow + 2..];
        // The value runs to the next attribute's name: up to the last `,` before the next
        // `=>`, or the end.
        let end = match after.find("=>") {
            Some(next) => after[..next].rfind(',').unwrap_or(next),
            None => after.len(),
        };
        out.push((name, after[..end].trim().trim_end_matches(',').trim()));
        rest = &after[end..];
    }
    out
}

/// The variables a manifest sets to a literal string, each once (`$config_file =
/// '/etc/postfix/main.cf'`): one pass over the text. A variable set twice is left out.
fn literal_variables(text: &str) -> std::collections::HashMap<&str, Option<&str>> {
    static ASSIGNMENT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let assignment = ASSIGNMENT.get_or_init(|| {
        regex::Regex::new(
            r#"(?m)^[ \t]*\$([A-Za-z0-9_]+)[ \t]*=[ \t]*('[^'\n]*'|"[^"\n]*")[ \t]*(?:#.*)?$"#,
        )
        .expect("a valid pattern")
    });
    let mut out = std::collections::HashMap::new();
    for found in assignment.captures_iter(text) {
        let (Some(name), Some(value)) = (found.get(1), found.get(2)) else {
            continue;
        };
        out.entry(name.as_str())
            .and_modify(|v| *v = None)
            .or_insert_with(|| literal(value.as_str()));
    }
    out
}

/// What a concat target with interpolation says of the file.
#[derive(Debug, PartialEq)]
enum Unread {
    /// main.cf in a directory a variable names (`"${config_dir}/main.cf"`).
    MainCf,
    /// A file a variable names, which may be main.cf (`"/etc/postfix/${filename}"`, `$target`).
    Maybe,
}

/// A target that names a variable: main.cf in a directory it names, or a file it names whose
/// written part leads to a directory main.cf is in (`/etc/postfix/`, or nothing). None when
/// the written part rules main.cf out (`"${dir}/master.cf"`, `"/etc/dovecot/${f}"`).
fn unread_target(raw: &str) -> Option<Unread> {
    let v = raw.trim();
    let text = unquote(v).unwrap_or(v);
    if !text.contains('$') {
        return None;
    }
    if text.ends_with("/main.cf") {
        return Some(Unread::MainCf);
    }
    // The written part before the last variable, which must end the target.
    let last = text.rfind('$')?;
    let tail = &text[last + 1..];
    let name = tail
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(tail);
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
    {
        return None;
    }
    let written = &text[..last];
    let leads_to_main_cf = !written.contains('$')
        && TARGETS.iter().any(|t| {
            t.strip_suffix("main.cf")
                .is_some_and(|dir| dir.starts_with(written))
        });
    leads_to_main_cf.then_some(Unread::Maybe)
}

/// The literal a variable (`$name` or `${name}`) is set to, from [`literal_variables`].
fn variable<'t>(
    variables: &std::collections::HashMap<&str, Option<&'t str>>,
    value: &str,
) -> Option<&'t str> {
    variables.get(variable_name(value)?).copied().flatten()
}

/// `$name` or `${name}` alone: the name.
pub(crate) fn variable_name(value: &str) -> Option<&str> {
    let v = value.trim();
    let name = v
        .strip_prefix("${")
        .and_then(|n| n.strip_suffix('}'))
        .or_else(|| v.strip_prefix('$'))?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// A quoted string, unquoted (interpolations kept).
pub(crate) fn unquote(value: &str) -> Option<&str> {
    let v = value.trim();
    v.strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| v.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
}

/// A quoted string without interpolation, unquoted.
pub(crate) fn literal(value: &str) -> Option<&str> {
    unquote(value).filter(|inner| !inner.contains('$'))
}

/// The path `template('mod/path')` or `epp('mod/path', {...})` names
/// (`${module_name}/path` too); None for several templates joined (`template('a', 'b')`).
pub(crate) fn template_of(value: &str) -> Option<&str> {
    let v = value.trim();
    let (args, epp) = match v.strip_prefix("template(") {
        Some(args) => (args, false),
        None => (v.strip_prefix("epp(")?, true),
    };
    let args = args.strip_suffix(')')?;
    let mut parts = args.splitn(2, ',');
    let first = parts.next()?.trim();
    if !epp && parts.next().is_some() {
        return None;
    }
    unquote(first)
}

/// The file `module/path` names under the module's `dir` (`templates`, `files`): the
/// manifest's own module (`MODULE/manifests/x.pp`), when the name is `${module_name}` or
/// that module's (its directory, `puppet-MODULE`, or the repository when it is the module),
/// else `modules/`, `site/` or `site-modules/` of the repository. Only a file inside the
/// repository, reached without a link.
pub(crate) fn resolve(root: &Path, manifest: &Path, named: &str, dir: &str) -> Option<PathBuf> {
    let (module, rest) = match named.strip_prefix("${module_name}/") {
        Some(rest) => (None, rest),
        None => {
            let (module, rest) = named.split_once('/')?;
            (Some(module), rest)
        }
    };
    if rest.contains("..")
        || rest.contains('$')
        || rest.starts_with('/')
        || module.is_some_and(|m| m.is_empty() || m.contains('$'))
    {
        return None;
    }
    let mut candidates = Vec::new();
    let own_module = manifest
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "manifests"))
        .and_then(Path::parent);
    if let Some(own) = own_module {
        let name = own
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let plain = crate::scripts::lexical;
        let ours = module.is_none_or(|m| {
            plain(own) == plain(root) || name == m || name.ends_with(&format!("-{m}"))
        });
        if ours {
            candidates.push(own.join(dir).join(rest));
        }
    }
    if let Some(module) = module {
        for base in ["modules", "site", "site-modules"] {
            candidates.push(root.join(base).join(module).join(dir).join(rest));
        }
    }
    let real_root = std::fs::canonicalize(root).ok()?;
    candidates.into_iter().find(|c| {
        c.symlink_metadata().is_ok_and(|m| m.is_file())
            && crate::model::paths::is_inside(&real_root, c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_with_interpolation_that_may_be_main_cf() {
        assert_eq!(
            unread_target("\"${config_dir}/main.cf\""),
            Some(Unread::MainCf)
        );
        assert_eq!(
            unread_target("\"/etc/postfix/${filename}\""),
            Some(Unread::Maybe)
        );
        assert_eq!(
            unread_target("\"/etc/postfix/$filename\""),
            Some(Unread::Maybe)
        );
        assert_eq!(unread_target("$target"), Some(Unread::Maybe));
        assert_eq!(
            unread_target("$postfix::params::main_cf"),
            Some(Unread::Maybe)
        );
        assert_eq!(unread_target("\"${config_dir}/master.cf\""), None);
        assert_eq!(unread_target("\"/etc/dovecot/${filename}\""), None);
        assert_eq!(unread_target("\"/etc/postfix/${name}.cf.bak\""), None);
        assert_eq!(unread_target("'/etc/postfix/main.cf'"), None);
    }

    #[test]
    fn fragments_and_their_attributes() {
        let text = "class postfix::dkim {\n\
            concat::fragment{'main.cf_dkim':\n    target  => '/etc/postfix/main.cf',\n\
            content => template('postfix/dkim/main.cf.erb'),\n    order   => 10,\n  }\n\
            # concat::fragment { 'x': target => '/etc/postfix/main.cf' }\n\
            concat::fragment { \"postfix_maincf_${title}\":\n target => '/etc/postfix/main.cf',\n\
            content => $use_line,\n order => $title,\n}\n}\n";
        let bodies = resource_bodies(text, "concat::fragment");
        assert_eq!(bodies.len(), 2, "{bodies:?}");
        let first = attributes(bodies[0]);
        assert_eq!(
            first,
            vec![
                ("target", "'/etc/postfix/main.cf'"),
                ("content", "template('postfix/dkim/main.cf.erb')"),
                ("order", "10"),
            ]
        );
        assert_eq!(template_of(first[1].1), Some("postfix/dkim/main.cf.erb"));
        let second = attributes(bodies[1]);
        assert_eq!(second[1], ("content", "$use_line"));
        assert_eq!(template_of(second[1].1), None);
        assert_eq!(
            literal("'/etc/postfix/main.cf'"),
            Some("/etc/postfix/main.cf")
        );
        assert_eq!(literal("\"${dir}/main.cf\""), None);
        assert_eq!(
            template_of("template(\"${module_name}/main.cf.erb\")"),
            Some("${module_name}/main.cf.erb")
        );
    }

    #[test]
    fn a_target_in_a_variable_set_once() {
        let text = "define postfix::config ($value = '') {\n    $config_file = '/etc/postfix/main.cf'\n}\n";
        let vars = literal_variables(text);
        assert_eq!(
            variable(&vars, "$config_file"),
            Some("/etc/postfix/main.cf")
        );
        assert_eq!(
            variable(&vars, "${config_file}"),
            Some("/etc/postfix/main.cf")
        );
        assert_eq!(variable(&vars, "$other"), None);
        let twice = format!("{text}$config_file = '/etc/postfix/other.cf'\n");
        assert_eq!(variable(&literal_variables(&twice), "$config_file"), None);
        let interpolated = literal_variables("$f = \"${dir}/main.cf\"\n");
        assert_eq!(variable(&interpolated, "$f"), None);
    }

    /// A template is found in the manifest's module or the repository's modules/, never
    /// outside the tree, through `..` or through a link.
    #[test]
    fn templates_resolve_inside_the_tree_only() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        let write = |rel: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "myhostname = x\n").unwrap();
        };
        write("modules/postfix/templates/main.cf.erb");
        write("modules/postfix/manifests/init.pp");
        write("site/profile/manifests/mail.pp");
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.erb"), "x").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.erb"),
            root.join("modules/postfix/templates/link.erb"),
        )
        .unwrap();
        let own = root.join("modules/postfix/manifests/init.pp");
        let profile = root.join("site/profile/manifests/mail.pp");
        let found = root.join("modules/postfix/templates/main.cf.erb");
        assert_eq!(
            resolve(root, &own, "postfix/main.cf.erb", "templates"),
            Some(found.clone())
        );
        assert_eq!(
            resolve(root, &own, "${module_name}/main.cf.erb", "templates"),
            Some(found.clone())
        );
        // From another module: by its name, under modules/.
        assert_eq!(
            resolve(root, &profile, "postfix/main.cf.erb", "templates"),
            Some(found)
        );
        assert_eq!(
            resolve(root, &profile, "${module_name}/main.cf.erb", "templates"),
            None
        );
        for named in [
            "postfix/../../../etc/passwd",
            "postfix/link.erb",
            "/etc/passwd",
            "$m/x.erb",
        ] {
            assert_eq!(resolve(root, &own, named, "templates"), None, "{named}");
        }
    }

    /// Manifests that are cut short, unbalanced or not ASCII are read without a panic.
    #[test]
    fn broken_manifests_are_read_without_a_panic() {
        let cases = [
            "concat::fragment",
            "concat::fragment {",
            "concat::fragment { 'x': target => '/etc/postfix/main.cf', content => 'é\\",
            "concat::fragment { \"ü\": target => \"/etc/postfix/main.cf\", order => 'ß' } }}}",
            "concat::fragment {{{{ '#': target => '/etc/postfix/main.cf' # }\n}",
            "# concat::fragment { 'x': target => '/etc/postfix/main.cf' }",
            "concat::fragment { 'x': => => , target => $ , content => template( }",
            "concat::fragment { 'x': target => ${}, content => epp('') }",
        ];
        for text in cases {
            for body in resource_bodies(text, "concat::fragment") {
                for (name, value) in attributes(body) {
                    let _ = (
                        name,
                        literal(value),
                        template_of(value),
                        variable(&literal_variables(text), value),
                    );
                }
            }
        }
        // Unclosed bodies, many of them: one scan to the end, not one per resource.
        let unclosed = "concat::fragment { 'x': content => '{'\n".repeat(20_000);
        assert!(resource_bodies(&unclosed, "concat::fragment").is_empty());
        // Every prefix of a real fragment, cut anywhere (also inside a multi-byte character).
        let real = "concat::fragment { 'ä': target => '/etc/postfix/main.cf', content => template('m/ö.erb'), order => 1 }";
        for end in 0..=real.len() {
            let Some(text) = real.get(..end) else {
                continue;
            };
            for body in resource_bodies(text, "concat::fragment") {
                let _ = attributes(body);
            }
        }
    }

    #[test]
    fn orders_compare_as_concat_sorts_them() {
        // concat's default sorts as text; `order => 'numeric'` by value.
        assert!(compare_order("10", "9", false).is_lt());
        assert!(compare_order("9", "10", true).is_lt());
        assert!(compare_order("00", "10", false).is_lt());
        assert!(compare_order("a", "b", true).is_lt());
        let text = "concat { '/etc/postfix/main.cf':\n  order => 'numeric',\n}\n\
                    concat { 'other': order => 'alpha' }\n\
                    concat::fragment { 'x': target => 'other' }\n";
        let bodies = resource_bodies(text, "concat");
        assert_eq!(bodies.len(), 2, "{bodies:?}");
        assert_eq!(title_of(bodies[0]), Some("/etc/postfix/main.cf"));
        assert_eq!(title_of(bodies[1]), Some("other"));
    }
}
