//! Configuration-management templates (Jinja, ERB, ...): recognised by name and by syntax, so
//! that postlint skips them with a note instead of reading them as Postfix files.
//!
//! Postfix itself has no `{{ }}`, `{% %}` or `<% %>`: a file whose non-comment lines hold one of
//! them is an unrendered template (Ansible and Salt often keep the plain name, `main.cf`). Such
//! syntax only in comment lines (`# {{ ansible_managed }}`) changes nothing Postfix reads, so the
//! file is linted.

pub mod embedded;
pub mod heredoc;
pub mod holes;
pub mod vars;

pub use holes::{holes, Holed, Kind};
pub use vars::Vars;

/// A substituted value in a text read with holes: where it is in the text the parsers read,
/// and where its tag is in the template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    pub new: u32,
    pub new_len: u32,
    pub old: u32,
    pub old_len: u32,
}

/// Replaces each substituted tag of `text` (same offsets as the template) by its value.
/// Returns the text the parsers read and where each value came from.
pub fn substitute(
    text: &str,
    substitutions: &[(std::ops::Range<usize>, String)],
) -> (String, Vec<Shift>) {
    let mut out = String::with_capacity(text.len());
    let mut shifts = Vec::with_capacity(substitutions.len());
    let mut pos = 0;
    for (range, value) in substitutions {
        let inside = range.start >= pos && range.end <= text.len();
        if !inside || !text.is_char_boundary(range.start) || !text.is_char_boundary(range.end) {
            continue;
        }
        out.push_str(&text[pos..range.start]);
        shifts.push(Shift {
            new: out.len() as u32,
            new_len: value.len() as u32,
            old: range.start as u32,
            old_len: range.len() as u32,
        });
        out.push_str(value);
        pos = range.end;
    }
    out.push_str(&text[pos..]);
    (out, shifts)
}

/// An offset of the substituted text as an offset of the template: inside a value, the
/// matching place in its tag (its end at most).
pub fn unshift(shifts: &[Shift], offset: u32) -> u32 {
    let at = shifts.partition_point(|s| s.new <= offset);
    match at.checked_sub(1).map(|i| shifts[i]) {
        None => offset,
        Some(s) if offset < s.new + s.new_len => s.old + (offset - s.new).min(s.old_len),
        Some(s) => s.old + s.old_len + (offset - s.new - s.new_len),
    }
}

/// An offset of the template as an offset of the substituted text (`unshift`'s inverse): a
/// place inside a substituted tag is the start of its value.
pub fn shift(shifts: &[Shift], offset: u32) -> u32 {
    let at = shifts.partition_point(|s| s.old <= offset);
    match at.checked_sub(1).map(|i| shifts[i]) {
        None => offset,
        Some(s) if offset < s.old + s.old_len => s.new,
        Some(s) => s.new + s.new_len + (offset - s.old - s.old_len),
    }
}

/// What `--verbose` says of a template read with holes: what was read, what stays unknown,
/// which lines may be absent.
pub fn notes(display: &str, engine: &str, holed: &Holed) -> Vec<String> {
    let mut notes = Vec::new();
    let mut read = match (engine, holed.kind) {
        (heredoc::ENGINE, Kind::MasterCf) => {
            format!("read {display} as the master.cf its here-documents write")
        }
        (embedded::ENGINE, Kind::MasterCf) => {
            format!("read {display} as the master.cf its YAML block holds")
        }
        (embedded::ENGINE, _) => format!("read {display} as the main.cf its YAML block holds"),
        _ => format!("read {display} as {}", described(engine)),
    };
    let count = holed.expressions.len();
    if count > 0 {
        let first: Vec<String> = holed
            .expressions
            .iter()
            .take(3)
            .map(|(line, tag)| format!("line {line} {tag}"))
            .collect();
        let more = if count > 3 { ", ..." } else { "" };
        read.push_str(&format!(
            "; {count} expression{} unknown ({}{more})",
            if count == 1 { "" } else { "s" },
            first.join(", ")
        ));
    }
    if !holed.conditional.is_empty() {
        let mut lines: Vec<String> = holed
            .conditional
            .iter()
            .take(12)
            .map(|r| match r.end - r.start {
                1 => r.start.to_string(),
                _ => format!("{}-{}", r.start, r.end - 1),
            })
            .collect();
        if holed.conditional.len() > 12 {
            lines.push("...".to_string());
        }
        read.push_str(&format!(
            "; conditional lines {} (findings there are not reported)",
            lines.join(", ")
        ));
    }
    // A here-document's short expansions (`$1`) are substituted with a marker, not a value.
    if !holed.substitutions.is_empty() && engine != heredoc::ENGINE {
        let n = holed.substitutions.len();
        read.push_str(&format!(
            "; {n} expression{} given {} by --template-vars",
            if n == 1 { "" } else { "s" },
            if n == 1 { "its value" } else { "their values" }
        ));
    }
    notes.push(read);
    for (line, tag) in &holed.inserts {
        notes.push(format!(
            "unknown: {display}:{line}: {tag} inserts text postlint cannot see"
        ));
    }
    for line in &holed.dynamic_names {
        notes.push(format!(
            "unknown: {display}:{line}: the parameter name is a template expression: it may \
             set any parameter"
        ));
    }
    if holed.is_open_ended() {
        notes.push(match holed.kind {
            Kind::MainCf => format!(
                "unknown: {display} may set parameters postlint cannot see: those it does not \
                 write are unknown instead of their defaults; those it writes are linted as written"
            ),
            Kind::MasterCf => format!(
                "unknown: {display} may define services postlint cannot see: rules that need \
                 every service stay silent"
            ),
            Kind::Table => format!(
                "unknown: {display} may hold entries postlint cannot see: lookups it does not \
                 answer are unknown"
            ),
        });
    }
    if let Some(line) = holed.unbalanced {
        notes.push(format!(
            "{display}:{line}: a closing tag without its opener; every line after it is taken \
             as conditional"
        ));
    }
    notes
}

/// Extensions of template files, and the engine each one says.
const EXTENSIONS: &[(&str, &str)] = &[
    ("j2", "Jinja"),
    ("jinja", "Jinja"),
    ("jinja2", "Jinja"),
    ("erb", "ERB"),
    ("epp", "Puppet EPP"),
    ("tmpl", "Go"),
    ("gotmpl", "Go"),
    ("ctmpl", "consul-template"),
    ("tpl", "template"),
    // `main.cf.template`, filled in by envsubst or sed when the container starts.
    ("template", "template"),
    ("mustache", "Mustache"),
    ("hbs", "Handlebars"),
];

/// The template engine a file name says, as in `main.cf.j2` or `virtual.erb`.
pub fn engine_by_name(file_name: &str) -> Option<&'static str> {
    let (_, ext) = file_name.rsplit_once('.')?;
    EXTENSIONS
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map(|&(_, engine)| engine)
}

/// Where `main.cf` sits in the name of a template of main.cf: `main.cf.j2`,
/// `etc_postfix_main.cf.j2` (a flattened path), `main.cf-el8.erb` and `main.cf.debian.erb` (one
/// variant per platform). A template may also spell it `main_cf` (`postfix_main_cf.tmpl`,
/// `main_cf_redhat.j2`, as Ansible roles and charms name theirs), as a word of its own in the
/// same way. None for any other name.
pub fn main_cf_in(file_name: &str) -> Option<usize> {
    engine_by_name(file_name)?;
    let (stem, _) = file_name.rsplit_once('.')?;
    main_cf_word(stem).or_else(|| word_at(stem, "main_cf"))
}

/// Where `main.cf` sits in `name` as a word of its own: its last occurrence, at the start or
/// after `_`, `-` or `.`, and at the end or before one of them (`etc_postfix_main.cf`,
/// `main.cf-el8`; not `domain.cf` or `main.cfg`). Shared by templates and plain variants.
pub fn main_cf_word(name: &str) -> Option<usize> {
    word_at(name, "main.cf")
}

/// Where `word` sits in `name` as a word of its own (its last occurrence), as
/// [`main_cf_word`] says it.
fn word_at(name: &str, word: &str) -> Option<usize> {
    let at = name.rfind(word)?;
    let before_ok = at == 0 || name[..at].ends_with(['_', '-', '.']);
    let after = &name[at + word.len()..];
    let after_ok = after.is_empty() || after.starts_with(['_', '-', '.']);
    (before_ok && after_ok).then_some(at)
}

/// The name of the master.cf template that goes with a main.cf template's name: `master.cf`
/// for its `main.cf` (or `master_cf` for `main_cf`); None for a name that is no template of
/// main.cf.
pub fn master_cf_name(main_cf_name: &str) -> Option<String> {
    let at = main_cf_in(main_cf_name)?;
    let (prefix, rest) = main_cf_name.split_at(at);
    let master = match rest.starts_with("main_cf") {
        true => "master_cf",
        false => "master.cf",
    };
    Some(format!("{prefix}{master}{}", &rest["main.cf".len()..]))
}

/// Whether a file name is that of a master.cf template paired by name with a template of
/// main.cf (`master.cf.j2`, `postfix_master_cf.tmpl`).
pub fn is_master_cf_template(file_name: &str) -> bool {
    [("master.cf", "main.cf"), ("master_cf", "main_cf")]
        .iter()
        .any(|(master, main)| {
            file_name.contains(master) && main_cf_in(&file_name.replace(master, main)).is_some()
        })
}

/// The master.cf that goes with a template of main.cf in `dir`: the same name with `master.cf`
/// for `main.cf`, else the variant-less template, else any master.cf template, else a plain
/// master.cf beside it.
pub fn master_cf_for(dir: &std::path::Path, main_cf_name: &str) -> Option<std::path::PathBuf> {
    let paired = master_cf_name(main_cf_name)?;
    let at = main_cf_in(main_cf_name)?;
    let (prefix, _) = main_cf_name.split_at(at);
    let master = &paired[at..at + "master.cf".len()];
    let ext = main_cf_name.rsplit_once('.').map_or("", |(_, e)| e);
    let candidates = [
        paired.clone(),
        format!("{prefix}{master}.{ext}"),
        format!("master.cf.{ext}"),
    ];
    candidates
        .into_iter()
        .chain(names_for("master.cf"))
        .chain(std::iter::once("master.cf".to_string()))
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// The directories of a role that hold the plain files beside its templates: for
/// `R/templates/etc/postfix`, `R/files/etc/postfix` and `R/files` (Ansible and Chef roles
/// keep `templates/` and `files/` side by side), those that exist.
pub fn files_beside(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let parts: Vec<_> = dir.components().collect();
    let Some(at) = parts.iter().rposition(|c| c.as_os_str() == "templates") else {
        return Vec::new();
    };
    let role: std::path::PathBuf = parts[..at].iter().collect();
    let below: std::path::PathBuf = parts[at + 1..].iter().collect();
    let mut dirs = vec![role.join("files").join(&below)];
    if !below.as_os_str().is_empty() {
        dirs.push(role.join("files"));
    }
    dirs.retain(|d| d.is_dir());
    dirs
}

/// The file names a template of `file_name` may have (`virtual.j2`, `virtual.erb`, ...).
pub fn names_for(file_name: &str) -> impl Iterator<Item = String> + '_ {
    EXTENSIONS
        .iter()
        .map(move |(ext, _)| format!("{file_name}.{ext}"))
}

/// Where a text shows template syntax: the first such line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// 1-based line number.
    pub line: u32,
    /// The engine the syntax is typical of ("Jinja", "ERB").
    pub engine: &'static str,
    /// The tag as written, trimmed to a readable length.
    pub tag: String,
}

impl std::fmt::Display for Hit {
    /// "a Jinja template ({{ domain }} at line 3)", as the notes say it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} at line {})",
            described(self.engine),
            self.tag,
            self.line
        )
    }
}

/// "a Jinja template", "an ERB template", "a template" (for a `.tpl` file of no one engine).
pub fn described(engine: &str) -> String {
    match engine {
        "template" => "a template".to_string(),
        "m4" => "an m4 macro file".to_string(),
        "envsubst" => "a template of shell variables (envsubst)".to_string(),
        heredoc::ENGINE => "the main.cf its here-documents write".to_string(),
        e if e.starts_with(['A', 'E', 'I', 'O', 'U']) => format!("an {e} template"),
        e => format!("a {e} template"),
    }
}

/// The largest file looked at for line-based template tags (`line_head_tags`).
const LINE_HEAD_TAGS_MAX: usize = 4 << 20;

/// Openers looked at per line before the rest of the line is passed over: keeps a long line
/// of `{{` without closers linear.
const TRIES_PER_LINE: u32 = 8;
/// How far a tag written across lines is looked for: bytes, and line breaks inside it.
const MULTI_LINE_WINDOW: usize = 512;
const MULTI_LINE_LINES: usize = 4;

/// The first non-comment line of `text` holding a template tag: `{{ }}`, `{% %}`, `{# #}` or
/// `<% %>`, opened and closed on that line. One pass over the text, skipping quickly to each
/// `{` or `<`; each line's bounds are found once, when its first opener is met.
pub fn find(text: &str) -> Option<Hit> {
    let bytes = text.as_bytes();
    // The current line: where it starts and ends, whether it is a comment, openers tried.
    let (mut line_start, mut line_end, mut comment, mut tries) = (0, 0, false, 0);
    let mut pos = 0;
    let univention = univention_block(text);
    let before_univention = univention.as_ref().map_or(bytes.len(), |(at, _)| *at);
    while let Some(offset) = memchr::memchr3(b'{', b'<', b'[', &bytes[pos..before_univention]) {
        let at = pos + offset;
        pos = at + 1;
        let (close, mut engine): (&[u8], _) = match (bytes[at], bytes.get(at + 1)) {
            (b'{', Some(b'{')) => (b"}}", "Jinja"),
            (b'{', Some(b'%')) => (b"%}", "Jinja"),
            (b'{', Some(b'#')) => (b"#}", "Jinja"),
            (b'<', Some(b'%')) => (b"%>", "ERB"),
            (b'[', Some(b'%')) => (b"%]", "Template Toolkit"),
            _ => continue,
        };
        // Postfix's own `{{`: `${name?{{...}}}`, nested groups. (`inline:{{a=b}}` below.)
        if bytes[at] == b'{' && at > 0 && matches!(bytes[at - 1], b'{' | b'?') {
            continue;
        }
        if at >= line_end {
            line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
            line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            comment = text[line_start..line_end].trim_start().starts_with('#');
            tries = 0;
        }
        tries += 1;
        if comment || tries > TRIES_PER_LINE {
            pos = line_end;
            continue;
        }
        let mut rest = &bytes[at + 2..line_end];
        let end = match memchr::memmem::find(rest, close) {
            Some(end) => end,
            // `{{ "%-15s %s" | format(` with its closer lines below: a Jinja tag written
            // across lines, looked for over a few lines only (a blank after the opener, as
            // Jinja is written; Postfix's braces never have one and a closer so far off).
            None if bytes[at] == b'{'
                && matches!(bytes.get(at + 2), Some(b' ' | b'-' | b'\n'))
                && line_end < bytes.len() =>
            {
                let window = (at + 2 + MULTI_LINE_WINDOW).min(bytes.len());
                rest = &bytes[at + 2..window];
                let Some(end) = memchr::memmem::find(rest, close) else {
                    continue;
                };
                if memchr::memchr_iter(b'\n', &rest[..end]).count() > MULTI_LINE_LINES {
                    continue;
                }
                end
            }
            None => continue,
        };
        // A template expression holds no braces of its own; `{{a=b}, {c=d}}` is a Postfix
        // inline table, whatever precedes it.
        if bytes[at] == b'{' && rest[..end].iter().any(|&b| b == b'{' || b == b'}') {
            continue;
        }
        // `inline:{{a=b}}` is a table; `static:user:{{ password }}` is an expression, and so
        // is `hash:<%= @alias_maps %>`.
        if bytes[at] == b'{' && at > 0 && bytes[at - 1] == b':' && rest[..end].contains(&b'=') {
            continue;
        }
        // `cidr:{{0.0.0.0/0 OK}}` and `pcre:{{/^x/ REJECT}}` are inline pattern tables: a
        // network or a `/pattern/` right after the braces, which no template expression is.
        if bytes[at] == b'{' && bytes[at + 1] == b'{' && inline_pattern_table(bytes, at) {
            continue;
        }
        // `{{ .Env.X }}`: Go's text/template (gucci, dockerize, consul-template).
        let inner = text[at + 2..at + 2 + end]
            .trim_start_matches('-')
            .trim_start();
        if bytes[at] == b'{' && bytes[at + 1] == b'{' && inner.starts_with('.') {
            engine = "Go";
        }
        let tag_end = at + 2 + end + close.len();
        let mut tag = text[at..tag_end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if tag.chars().count() > 60 {
            tag = tag.chars().take(57).collect::<String>() + "...";
        }
        let line_no = memchr::memchr_iter(b'\n', &bytes[..line_start]).count() + 1;
        return Some(Hit {
            line: u32::try_from(line_no).unwrap_or(u32::MAX),
            engine,
            tag,
        });
    }
    univention
        .map(|(at, line)| Hit {
            line,
            engine: "Univention",
            tag: text[at..at + 3].to_string(),
        })
        .or_else(|| m4_directive(text))
        .or_else(|| line_head_tags(text))
}

/// The line-based tags: Smarty's block tags, Mako's control lines, shell variables that switch
/// a line, each found by its first byte at a line's head (one memmem pass each). Files over
/// [`LINE_HEAD_TAGS_MAX`] are not looked at: these engines render main.cf, master.cf and
/// database .cf files, and a map of a million lines is data (the passes cost the ISP
/// benchmark 2%).
fn line_head_tags(text: &str) -> Option<Hit> {
    let bytes = text.as_bytes();
    if bytes.len() > LINE_HEAD_TAGS_MAX {
        return None;
    }
    smarty_block(text)
        .or_else(|| {
            // Mako's `% if x:` ... `% endif` (BundleWrap), with a `%` line at the head.
            line_heads(bytes, b'%').next()?;
            let (first, _) = holes::mako_lines(text).into_iter().next()?;
            Some(Hit {
                line: line_number(bytes, first.start),
                engine: "Mako",
                tag: text[first].trim().chars().take(60).collect(),
            })
        })
        .or_else(|| {
            let first = holes::line_switches(text).into_iter().next()?;
            Some(Hit {
                line: line_number(bytes, first.start),
                engine: "envsubst",
                tag: text[first].to_string(),
            })
        })
}

/// The first line that is a Smarty block tag alone (`{if isset($MTA_SSL)}`, `{/if}`): PHP
/// panels render main.cf with Smarty, whose `{$NAME}` are read as installer placeholders.
/// Only lines that start with `{` are looked at (found with memchr: map files are large).
fn smarty_block(text: &str) -> Option<Hit> {
    let bytes = text.as_bytes();
    line_heads(bytes, b'{')
        .find(|&at| holes::smarty_control(bytes, at))
        .map(|at| {
            let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            Hit {
                line: line_number(bytes, at),
                engine: "Smarty",
                tag: text[at..end].trim().chars().take(60).collect(),
            }
        })
}

/// The offsets of the lines that start with `byte`, in order.
pub(crate) fn line_heads(bytes: &[u8], byte: u8) -> impl Iterator<Item = usize> + '_ {
    let first = (bytes.first() == Some(&byte)).then_some(0);
    let finder = memchr::memmem::Finder::new(&[b'\n', byte]).into_owned();
    let mut pos = 0;
    first.into_iter().chain(std::iter::from_fn(move || {
        let at = pos + finder.find(&bytes[pos..])? + 1;
        pos = at;
        Some(at)
    }))
}

fn line_number(bytes: &[u8], at: usize) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', &bytes[..at]).count() + 1).unwrap_or(u32::MAX)
}

/// The first line of an m4 macro file: a line that starts with a builtin macro call
/// (`ifelse(`, `define(`, ...) or `dnl`, or ends with `)dnl`, none of which a Postfix file
/// can hold (an `m4 define.m4 main.cf > /etc/postfix/main.cf` at start renders it).
fn m4_directive(text: &str) -> Option<Hit> {
    const CALLS: &[&str] = &[
        "ifelse(",
        "ifdef(",
        "define(",
        "divert(",
        "changequote(",
        "include(",
        "sinclude(",
        "undefine(",
        "esyscmd(",
        "syscmd(",
    ];
    let bytes = text.as_bytes();
    // The first directive line among the lines holding `at` (in file order): each line once.
    let first = |positions: &mut dyn Iterator<Item = usize>| -> Option<(usize, usize)> {
        let mut checked_to = 0;
        for at in positions {
            if at < checked_to {
                continue;
            }
            let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
            let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            checked_to = line_end;
            let trimmed = text[line_start..line_end].trim();
            let directive = !trimmed.starts_with('#')
                && (CALLS.iter().any(|c| trimmed.starts_with(c))
                    || trimmed == "dnl"
                    || trimmed.starts_with("dnl ")
                    || trimmed.ends_with(")dnl")
                    || trimmed.ends_with("]dnl"));
            if directive {
                return Some((line_start, line_end));
            }
        }
        None
    };
    // Every such line holds a `(` or `dnl`: look at those lines only (a map of a million
    // lines has neither).
    let parens = first(&mut memchr::memchr_iter(b'(', bytes));
    let dnls = first(&mut memchr::memmem::find_iter(bytes, b"dnl"));
    let (line_start, line_end) = match (parens, dnls) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    let line = memchr::memchr_iter(b'\n', &bytes[..line_start]).count() + 1;
    Some(Hit {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        engine: "m4",
        tag: text[line_start..line_end].trim().chars().take(57).collect(),
    })
}

/// Whether the `{{` at `at` opens a Postfix inline pattern table: `cidr:` before it and a
/// network (a digit, `[` or `!`) right after, or `regexp:`/`pcre:` before it and a `/` after.
fn inline_pattern_table(bytes: &[u8], at: usize) -> bool {
    let before = &bytes[..at];
    let first = bytes.get(at + 2).copied();
    let cidr = matches!(first, Some(b'0'..=b'9' | b'[' | b'!'));
    let pattern = first == Some(b'/');
    (cidr && before.ends_with(b"cidr:"))
        || (pattern && (before.ends_with(b"regexp:") || before.ends_with(b"pcre:")))
}

/// Univention's configuration registry runs the Python between two lines of `@!@` and puts
/// its output there: the offset and line of the first such line.
fn univention_block(text: &str) -> Option<(usize, u32)> {
    let bytes = text.as_bytes();
    // Addresses fill map files with `@`; `!` is rare: look for it, then at its neighbours.
    let markers = memchr::memchr_iter(b'!', bytes)
        .filter(|&bang| bang > 0 && bytes[bang - 1] == b'@' && bytes.get(bang + 1) == Some(&b'@'))
        .map(|bang| bang - 1);
    markers.into_iter().find_map(|at| {
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        (text[start..end].trim() == "@!@").then(|| {
            let line = memchr::memchr_iter(b'\n', &bytes[..start]).count() + 1;
            (at, u32::try_from(line).unwrap_or(u32::MAX))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expression_after_a_colon_is_a_tag_and_an_inline_table_is_not() {
        let hit = find("x = static:user:{{ relay_password }}\n").unwrap();
        assert_eq!(hit.tag, "{{ relay_password }}");
        assert_eq!(find("x = inline:{{a=b}}\n"), None);
        assert_eq!(find("x = inline:{{ a = b }}\n"), None);
        // Inline pattern tables: a network or a `/pattern/` right after the braces.
        assert_eq!(
            find("x = check_client_access cidr:{{0.0.0.0/0 OK}}\n"),
            None
        );
        assert_eq!(
            find("x = cidr:{{[2001:db8::]/32 REJECT}, {10.0.0.0/8 OK}}\n"),
            None
        );
        assert_eq!(find("x = pcre:{{/^From:.*spam/ REJECT}}\n"), None);
        assert_eq!(find("x = regexp:{{/^x/ DISCARD}}\n"), None);
        // A variable there is still a tag.
        let hit = find("x = cidr:{{ cidr_file }}\n").unwrap();
        assert_eq!(hit.tag, "{{ cidr_file }}");
        assert!(find("x = pcre:{{postfix_dir}}/checks.pcre\n").is_some());
        // An ERB output tag starts with `<%=`: after `hash:` it is still a tag.
        let hit = find("alias_maps = hash:<%= @alias_maps %>\n").unwrap();
        assert_eq!(hit.tag, "<%= @alias_maps %>");
    }

    #[test]
    fn main_cf_template_names() {
        assert_eq!(main_cf_in("main.cf.j2"), Some(0));
        assert_eq!(main_cf_in("etc_postfix_main.cf.j2"), Some(12));
        assert_eq!(main_cf_in("main.cf-el8.erb"), Some(0));
        assert_eq!(main_cf_in("main.cf.debian.erb"), Some(0));
        assert_eq!(main_cf_in("main.cf.tpl"), Some(0));
        // envsubst fills it in when the container starts (KormilitsinES/Phishing_Stand).
        assert_eq!(main_cf_in("main.cf.template"), Some(0));
        assert_eq!(
            master_cf_name("main.cf.template").as_deref(),
            Some("master.cf.template")
        );
        assert_eq!(main_cf_in("main.cf"), None);
        assert_eq!(main_cf_in("domain.cf.j2"), None);
        assert_eq!(main_cf_in("master.cf.j2"), None);
        assert_eq!(main_cf_in("main.cfg.j2"), None);
        assert_eq!(main_cf_in("main.cf.orig"), None);
        // The underscore spelling, in templates only.
        assert_eq!(main_cf_in("postfix_main_cf.tmpl"), Some(8));
        assert_eq!(main_cf_in("main_cf_redhat.j2"), Some(0));
        assert_eq!(main_cf_in("main_cf.j2"), Some(0));
        assert_eq!(main_cf_in("domain_cf.j2"), None);
        assert_eq!(main_cf_in("main_cfg.j2"), None);
        assert_eq!(main_cf_in("main_cf"), None);
        assert_eq!(main_cf_in("main_cf.py"), None);
        assert_eq!(
            master_cf_name("postfix_main_cf.tmpl").as_deref(),
            Some("postfix_master_cf.tmpl")
        );
        assert_eq!(
            master_cf_name("main.cf-el8.erb").as_deref(),
            Some("master.cf-el8.erb")
        );
        assert!(is_master_cf_template("postfix_master_cf.tmpl"));
        assert!(is_master_cf_template("master.cf.j2"));
        assert!(!is_master_cf_template("master_cf.py"));
        assert!(!is_master_cf_template("master.cf"));
    }

    #[test]
    fn names() {
        assert_eq!(engine_by_name("main.cf.j2"), Some("Jinja"));
        assert_eq!(engine_by_name("main.cf.ERB"), Some("ERB"));
        assert_eq!(engine_by_name("main.cf"), None);
        assert_eq!(engine_by_name("virtual"), None);
        assert_eq!(engine_by_name("main.cf.orig"), None);
        assert!(names_for("virtual").any(|n| n == "virtual.j2"));
    }

    #[test]
    fn syntax_on_a_value_line_is_a_template() {
        let text = "# {{ ansible_managed }}\nmyhostname = mail\nmydomain = {{ domain }}\n";
        let hit = find(text).expect("a template");
        assert_eq!(hit.line, 3);
        assert_eq!(hit.engine, "Jinja");
        assert_eq!(hit.tag, "{{ domain }}");

        let hit = find("a = b\n{% for d in domains %}\n{{ d }} OK\n{% endfor %}\n").unwrap();
        assert_eq!((hit.line, hit.tag.as_str()), (2, "{% for d in domains %}"));

        let hit = find("relayhost = <%= @relayhost %>\n").unwrap();
        assert_eq!((hit.line, hit.engine), (1, "ERB"));
        assert_eq!(
            hit.to_string(),
            "an ERB template (<%= @relayhost %> at line 1)"
        );

        let hit = find("myhostname = {{ .Env.HOSTNAME }}\n").unwrap();
        assert_eq!(hit.engine, "Go");
        let hit = find("a = b\n[% IF relay %]\nrelayhost = x\n[% END %]\n").unwrap();
        assert_eq!((hit.line, hit.engine), (2, "Template Toolkit"));
        let hit = find("a = b\n@!@\nprint 'relayhost = x'\n@!@\n").unwrap();
        assert_eq!(
            (hit.line, hit.engine, hit.tag.as_str()),
            (2, "Univention", "@!@")
        );
        // The earlier of a Univention block and a tag.
        let hit = find("@!@\nprint 'x'\n@!@\na = {{ b }}\n").unwrap();
        assert_eq!(hit.line, 1);
    }

    #[test]
    fn postfix_syntax_and_comments_are_not_templates() {
        // Only in comments, indented comments included.
        assert_eq!(
            find("# {{ ansible_managed }}\n  # {% raw %}\nmyhostname = mail\n"),
            None
        );
        // Postfix's own braces: ${name?{value}}, master.cf -o { name = value }, regexp counts.
        assert_eq!(find("a = ${b?{c}} ${d:{e}} ${f?{{g=h}}}\n"), None);
        // Inline tables, as the corpus writes them.
        assert_eq!(
            find("canonical_maps = inline:{{@a.onion=@a.com}, {@b=@c}}\n"),
            None
        );
        assert_eq!(
            find("x = check_sender_access inline:{{<> = REJECT}}, permit\n"),
            None
        );
        assert_eq!(find("x = pipemap:{ {a=b}, {{c=d}, {e=f}} }\n"), None);
        assert_eq!(
            find("smtp inet n - n - - smtpd\n  -o { smtpd_tls_security_level = none }\n"),
            None
        );
        assert_eq!(find("/^x{2,3}$/ REJECT\n/<a/ OK\n"), None);
        assert_eq!(find("/^[%]x$/ REJECT\n"), None);
        // `@!@` inside a line is no block marker.
        assert_eq!(find("a = b@!@c\n"), None);
        // An opener whose closer is lines away, or that holds braces (an inline table).
        assert_eq!(find("a = {{ b\n\n\n\n\n\n}}\n"), None);
        assert_eq!(find("a = inline:{{ a=b },\n  { c=d }}\n"), None);
        assert_eq!(find("a = {{b\n}}\n"), None);
        assert_eq!(find(""), None);
    }

    #[test]
    fn smarty_block_tags_alone_on_their_line_are_a_template() {
        let text = "myhostname = {$MTA_HOSTNAME}\n{if isset($MTA_SSL) && $MTA_SSL == true}\n\
                    smtpd_tls_security_level = may\n{else}\n{/if}\n";
        let hit = find(text).unwrap();
        assert_eq!((hit.engine, hit.line), ("Smarty", 2));
        assert_eq!(find("{* a comment *}\nx = y\n").unwrap().engine, "Smarty");
        // Indented, the line would be a continuation to Postfix: a tag is looked for at the
        // head of a line only.
        assert_eq!(find("  {* a comment *}\nx = y\n"), None);
        let holed = holes::holes(text, holes::Kind::MainCf, false, None).unwrap();
        assert_eq!(holed.conditional, vec![3..4]);
        // Not alone on the line, no keyword, or a Postfix brace group: no Smarty.
        for text in [
            "x = y {if $a}\n",
            "{iffy}\n",
            "{if $a} x = y\n",
            "  { smtpd_tls_security_level = none }\n",
            "{ a = b }\n",
            "{* unclosed\n",
            "{/if\n",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }

    #[test]
    fn mako_control_lines_and_expressions_make_a_template() {
        let text = "mynetworks = ${' '.join(mynetworks)}\nmyhostname = ${myhostname}\n\
                    % if rspamd:\nsmtpd_milters = inet:localhost:11332\n  % else:\n\
                    smtpd_milters =\n% endif\nsmtpd_tls_session_cache_database = \
                    btree:${data_directory}/smtpd_scache\n";
        let hit = find(text).unwrap();
        assert_eq!((hit.engine, hit.line), ("Mako", 3));
        let holed = holes::holes(text, holes::Kind::MainCf, false, None).unwrap();
        assert_eq!(holed.conditional, vec![4..5, 6..7]);
        assert_eq!(holed.expressions.len(), 3);
        // Without a closing line, a `%` line is no proof; Postfix's `${name}` stays Postfix's.
        assert_eq!(find("% if x:\na = ${b}\n"), None);
        assert_eq!(find("a = ${data_directory}/x\n%s\n"), None);
    }

    #[test]
    fn shell_variables_that_switch_lines_make_a_template() {
        let master = "submission inet n - n - - smtpd\n\
                      ${tmpl_sasl_commentout}    -o smtpd_sasl_auth_enable=yes\n\
                      $SWITCH\t-o smtpd_tls_security_level=encrypt\n";
        let hit = find(master).unwrap();
        assert_eq!((hit.engine, hit.line), ("envsubst", 2));
        let holed = holes::holes(master, holes::Kind::MasterCf, false, None).unwrap();
        // The entry's lines, widened to the whole logical line.
        assert_eq!(holed.conditional, vec![1..4]);
        assert!(holed
            .text
            .lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("-o smtpd_sasl"));
        // Postfix's own `$` is never at a line's head, nor is a variable alone on its line.
        for text in [
            "x = $y z\n",
            "  $indented -o a=b\n",
            "$alone\n",
            "${unclosed -o a=b\n",
            "$1 -o a=b\n",
            "$name=value\n",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }

    #[test]
    fn a_tag_written_across_lines_is_found() {
        let hit = find("a = b\n{{ \"%-15s %s\" | format(\n  \"smtp\", \"inet\") }}\n").unwrap();
        assert_eq!(hit.line, 2);
        assert_eq!(hit.tag, "{{ \"%-15s %s\" | format( \"smtp\", \"inet\") }}");
    }

    #[test]
    fn m4_macro_files_are_templates() {
        let hit = find("myhostname = __HOST__\nifelse(__USE_SPF__,[[yes]],[[dnl\nx = y\n]])dnl\n")
            .unwrap();
        assert_eq!((hit.engine, hit.line), ("m4", 2));
        assert!(find("# ifelse(x) in a comment\nmyhostname = mail.example.com\n").is_none());
        assert!(find("smtpd_banner = $myhostname ESMTP dnl\n").is_none());
        // The first directive line wins, whichever of `(` and `dnl` it holds; lines with
        // a `(` that is no directive before it do not hide it.
        let text = "a = b (c)\nd = e\ndnl a comment\ndefine(`X', `y')\n";
        let hit = find(text).unwrap();
        assert_eq!((hit.line, hit.tag.as_str()), (3, "dnl a comment"));
        let hit = find("x = (y) dnl\n  define(`X', `y')dnl\ndnl\n").unwrap();
        assert_eq!((hit.line, hit.tag.as_str()), (2, "define(`X', `y')dnl"));
    }

    #[test]
    fn many_openers_on_one_line_are_passed_over() {
        // 200k unclosed openers on one line, then a tag on the next: found, without looking
        // for a closer 200k times along the whole line.
        let text = format!("a = {}\nb = {{{{ c }}}}\n", "x{{".repeat(200_000));
        let hit = find(&text).unwrap();
        assert_eq!((hit.line, hit.tag.as_str()), (2, "{{ c }}"));
        assert_eq!(hit.to_string(), "a Jinja template ({{ c }} at line 2)");
    }
}
