//! main.cf written by a set-up script's here-document: `cat > /etc/postfix/main.cf <<EOF`,
//! `cat <<'EOF' | sudo tee /etc/postfix/main.cf`, a Dockerfile's `COPY <<EOF
//! /etc/postfix/main.cf`. This module finds a script's documents and reads the script as the
//! main.cf they write, with holes, as a template is read (`holes`):
//! - every byte outside the documents is blanked, so that line numbers and spans stay the
//!   script's and findings land on the lines the user edits;
//! - a document that replaces main.cf (`>`, `tee`) starts a configuration; those appended
//!   after it (`>>`, `tee -a`), up to the next that replaces it, are its lines too, conditional
//!   (findings there not certain) when the shell may skip them: nested deeper in `if`, `case`
//!   or a loop than the first, or after `&&` or `||`;
//! - in a document whose delimiter is not quoted the shell expands `$VAR`, `${VAR:-x}`,
//!   `$(cmd)`, `$((n))` and `` `cmd` ``: each is a hole (unknown), and the `\` of `\$`, `` \` ``
//!   and `\\` is taken out (`smtpd_banner = \$myhostname ESMTP` is Postfix's `$myhostname`); a
//!   quoted delimiter (`<<'EOF'`) leaves the text as written;
//! - `<<-` takes the tabs at the head of each line out, and in a YAML file (an Ansible `shell:
//!   |` block) the block's indentation is taken out, as the shell and YAML do.
//!
//! Nothing is run. One pass over the script; each document's delimiter is looked for once,
//! and after a few documents without one (the rest of the file would be their body) the
//! script is not looked at further.

use std::ops::Range;

use super::holes::{self, Holed, Kind};

/// At most this many documents are kept of one script.
const MAX_DOCUMENTS: usize = 256;

/// After this many here-documents without their delimiter, the rest of a script is passed
/// over (each one's search reads to the end of the file).
const MAX_UNCLOSED: usize = 8;

/// The engine name of a script read this way (`template::described`).
pub const ENGINE: &str = "here-document";

/// A here-document that writes main.cf or master.cf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// What it writes: `main.cf` or `master.cf`.
    pub file: &'static str,
    /// The line of the command (1-based).
    pub command: u32,
    /// The body's lines, 1-based, up to the delimiter's line (excluded).
    pub body: Range<u32>,
    /// The delimiter is quoted (`<<'EOF'`, `<<"EOF"`, `<<\EOF`): the body is literal.
    pub quoted: bool,
    /// `<<-`: the tabs at the head of each line are taken out.
    pub strip_tabs: bool,
    /// Appended to main.cf (`>>`, `tee -a`) instead of replacing it.
    pub appends: bool,
    /// How deep the command sits in `if`, `case` and loops.
    depth: u32,
    /// The command runs after `&&` or `||`.
    guarded: bool,
    /// The line of the shell function whose body holds the command, if any.
    function: Option<u32>,
    /// The YAML block indentation taken out of each line.
    indent: usize,
}

/// What a line's here-document operator says.
struct Opener {
    delimiter: String,
    quoted: bool,
    strip_tabs: bool,
    /// Where the document goes when that is main.cf or master.cf: which, and whether it is
    /// appended.
    target: Option<(&'static str, bool)>,
    /// Where else `cat` writes the document (`cat > /etc/postfix/main-new.cf <<EOF`): a file
    /// a later `mv` may put in main.cf's place.
    elsewhere: Option<String>,
    guarded: bool,
}

/// The here-documents of a script that write main.cf or master.cf, in order. `yaml`: the script is a YAML
/// file, whose block indentation YAML takes out of each line before the shell reads it.
pub fn documents(text: &str, yaml: bool) -> Vec<Document> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::new();
    let mut depth: u32 = 0;
    let mut unclosed = 0;
    // The shell functions open at this line: their line and indent.
    let mut functions: Vec<(u32, usize)> = Vec::new();
    // Documents written to another file, by its path, until a `mv` puts it in place.
    let mut elsewhere: Vec<(String, Document)> = Vec::new();
    let mut i = 0;
    while i < lines.len() && out.len() < MAX_DOCUMENTS {
        let line = lines[i].trim_end_matches('\r');
        let code = line.trim_start();
        let indent = line.len() - code.len();
        i += 1;
        // `mv /etc/postfix/main-new.cf /etc/postfix/main.cf`: the document written there is
        // main.cf (homeserverhq/mail-relay).
        if !elsewhere.is_empty() {
            if let Some((source, file)) = renamed(code) {
                if let Some(at) = elsewhere.iter().position(|(path, _)| *path == source) {
                    let (_, mut document) = elsewhere.remove(at);
                    document.file = file;
                    out.push(document);
                    continue;
                }
            }
        }
        if is_function(code) {
            functions.push((i as u32, indent));
        } else if matches!(code.trim_end(), "}" | "};")
            && functions.last().is_some_and(|&(_, at)| indent <= at)
        {
            functions.pop();
        }
        if code.starts_with('#') || !code.contains("<<") && !nests(code) {
            continue;
        }
        let (opens, closes) = nesting(code);
        let here = depth + opens;
        depth = here.saturating_sub(closes);
        let Some(op) = opener(code) else {
            continue;
        };
        let indent = match yaml {
            true => indent,
            false => 0,
        };
        let end = (i..lines.len()).find(|&j| {
            let l = strip_indent(lines[j].trim_end_matches('\r'), indent);
            let l = match op.strip_tabs {
                true => l.trim_start_matches('\t'),
                false => l,
            };
            l == op.delimiter
        });
        let Some(end) = end else {
            unclosed += 1;
            if unclosed >= MAX_UNCLOSED {
                break;
            }
            continue;
        };
        let start = i;
        i = end + 1;
        let document = |file, appends| Document {
            file,
            command: start as u32,
            body: start as u32 + 1..end as u32 + 1,
            quoted: op.quoted,
            strip_tabs: op.strip_tabs,
            appends,
            depth: here,
            guarded: op.guarded,
            function: functions.last().map(|&(line, _)| line),
            indent,
        };
        if let Some((file, appends)) = op.target {
            out.push(document(file, appends));
        } else if let Some(path) = op.elsewhere.filter(|_| elsewhere.len() < MAX_DOCUMENTS) {
            elsewhere.retain(|(p, _)| *p != path);
            elsewhere.push((path, document("main.cf", false)));
        }
    }
    out
}

/// At most this many configurations are read of one script: each is a whole lint.
const MAX_REPLACING: usize = 16;

/// The lines of a script's commands whose document replaces `file` (`main.cf`, `master.cf`):
/// each starts one (the first [`MAX_REPLACING`]).
pub fn replacing(text: &str, yaml: bool, file: &str) -> Vec<u32> {
    replacing_in(&documents(text, yaml), file)
}

/// [`replacing`] of the documents [`documents`] found, for a caller that asks for both files.
pub fn replacing_in(docs: &[Document], file: &str) -> Vec<u32> {
    docs.iter()
        .filter(|d| !d.appends && d.file == file)
        .map(|d| d.command)
        .take(MAX_REPLACING)
        .collect()
}

/// The script read as the file (main.cf, or master.cf for `Kind::MasterCf`) that the
/// document of the command on line `command` writes, with the documents appended to that file
/// after it. None when no document replacing it starts there.
pub fn read_as(text: &str, command: u32, yaml: bool, kind: Kind) -> Option<Holed> {
    read_as_with(text, command, yaml, kind, &[])
}

/// [`read_as`] for a script whose environment sets `environment` (a container's `ENV`
/// names): a reference to one of them in a document is the script's variable.
pub fn read_as_with(
    text: &str,
    command: u32,
    yaml: bool,
    kind: Kind,
    environment: &[String],
) -> Option<Holed> {
    let file = match kind {
        Kind::MasterCf => "master.cf",
        _ => "main.cf",
    };
    let all = documents(text, yaml);
    let docs: Vec<&Document> = all.iter().filter(|d| d.file == file).collect();
    let first = docs
        .iter()
        .position(|d| d.command == command && !d.appends)?;
    let base = docs[first];
    let mut chosen = vec![(base, false)];
    for &doc in &docs[first + 1..] {
        if !doc.appends {
            break;
        }
        // A document in another shell function than the first runs when that function is
        // called, if it is: in an order postlint does not follow.
        let maybe = doc.guarded || doc.depth > base.depth || doc.function != base.function;
        chosen.push((doc, maybe));
    }
    let bytes = text.as_bytes();
    let line_starts = holes::line_starts(bytes);
    let line_end = |l: usize| match line_starts.get(l + 1) {
        Some(&next) => next - 1,
        None => bytes.len(),
    };
    let mut out = bytes.to_vec();
    let mut holed = Holed::empty(kind);
    let mut conditional = vec![false; line_starts.len()];
    let mut kept: Vec<Range<usize>> = Vec::new();
    let bodies: Vec<Range<usize>> = all
        .iter()
        .map(|d| line_starts[d.body.start as usize - 1]..line_starts[d.body.end as usize - 1])
        .collect();
    let assigned = assigned(text, &bodies).map(|mut names| {
        names.extend(environment.iter().map(String::as_str));
        names
    });
    for (doc, maybe) in chosen {
        let start = line_starts[doc.body.start as usize - 1];
        let end = line_starts[doc.body.end as usize - 1];
        kept.push(start..end);
        // Where each line starts once its indent and tabs are taken out.
        let mut heads = Vec::new();
        for l in doc.body.start as usize - 1..doc.body.end as usize - 1 {
            conditional[l] |= maybe;
            let (s, e) = (line_starts[l], line_end(l));
            let mut n = bytes[s..e]
                .iter()
                .take(doc.indent)
                .take_while(|&&b| b == b' ')
                .count();
            if doc.strip_tabs {
                n += bytes[s + n..e].iter().take_while(|&&b| b == b'\t').count();
            }
            if n > 0 {
                holed.removed.push(s..s + n);
            }
            heads.push(s + n);
        }
        if !doc.quoted {
            expansions(text, start..end, &heads, &mut out, &mut holed, &line_starts);
            if let Some(assigned) = &assigned {
                shell_references(text, &mut holed, start..end, assigned);
            }
        }
    }
    holes::blank_outside(&mut out, &kept);
    // Only ASCII was written, over whole characters: the text stays UTF-8.
    Some(holed.finish(out, conditional))
}

/// The shell's expansions in `range` of an unquoted document: each a hole, each `\` that
/// quotes `$`, `` ` `` or `\` taken out (and `\` with its newline). `heads`: where each line
/// of the range starts once its indent is taken out.
fn expansions(
    text: &str,
    range: Range<usize>,
    heads: &[usize],
    out: &mut [u8],
    holed: &mut Holed,
    line_starts: &[usize],
) {
    let bytes = text.as_bytes();
    let line_of = |at: usize| line_starts.partition_point(|&s| s <= at);
    let mut k = range.start;
    while k < range.end {
        match bytes[k] {
            b'\\' if k + 1 < range.end => match bytes[k + 1] {
                b'$' | b'`' | b'\\' => {
                    holed.removed.push(k..k + 1);
                    k += 2;
                }
                b'\n' => {
                    holed.removed.push(k..k + 2);
                    k += 2;
                }
                _ => k += 1,
            },
            b'$' | b'`' => {
                let Some(end) = expansion_end(bytes, k, range.end) else {
                    k += 1;
                    continue;
                };
                let line = line_of(k) as u32;
                // An expansion alone on its line (`${postscreen_master_cf}`) may output any
                // number of lines, as a template's expression alone on its line does: lines
                // postlint cannot see (in master.cf too, where a hole would be one field).
                let starts_line = heads.binary_search(&k).is_ok();
                let line_end =
                    memchr::memchr(b'\n', &bytes[end..range.end]).map_or(range.end, |i| end + i);
                if starts_line
                    && bytes[end..line_end]
                        .iter()
                        .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
                {
                    holed.inserts.push((line, holes::shorten(&text[k..end])));
                    holes::blank(out, k..end);
                    k = end;
                    continue;
                }
                holed
                    .expressions
                    .push((line, holes::shorten(&text[k..end])));
                // A line that starts with an expansion may set any parameter, or several
                // (or, in master.cf, define any service).
                if starts_line {
                    holed.dynamic_names.push(line);
                }
                let upper_name = end == k + 2 && bytes[k + 1].is_ascii_uppercase();
                if end - k >= 3 {
                    holes::fill_hole(out, k..end);
                } else if !upper_name {
                    // `$1`, `$@`, `$x`: too short for a marker in place. `$X` is left as it
                    // is: the expander reads an upper-case name as a placeholder.
                    holed.substitutions.push((k..end, "!T!".to_string()));
                }
                k = end;
            }
            _ => k += 1,
        }
    }
}

/// Of the expansions `expansions` found in `range`, the plain references to a lower-case name
/// the script does not assign: `$name`, `${name}`.
fn shell_references(
    text: &str,
    holed: &mut Holed,
    range: Range<usize>,
    assigned: &std::collections::HashSet<&str>,
) {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut k = range.start;
    while k < range.end {
        match bytes[k] {
            b'\\' => k += 2,
            b'$' => {
                let braced = bytes.get(k + 1) == Some(&b'{');
                let from = k + 1 + braced as usize;
                let len = bytes[from..range.end]
                    .iter()
                    .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || **b == b'_')
                    .count();
                let end = from + len;
                let closed = !braced || bytes.get(end) == Some(&b'}');
                let name = &text[from..end];
                // `$myhostname_x` is the shell's `myhostname_x`, as written: no name has an
                // upper-case letter after the lower-case ones (`$hostnameX` is another word).
                let word_ends = bytes
                    .get(end)
                    .is_none_or(|b| braced || !b.is_ascii_alphanumeric());
                // A comment line of main.cf or master.cf: whatever the shell writes there,
                // Postfix ignores it.
                let line_start = memchr::memrchr(b'\n', &bytes[range.start..k])
                    .map_or(range.start, |i| range.start + i + 1);
                let comment = bytes[line_start..k]
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    == Some(&b'#');
                if len > 0
                    && closed
                    && word_ends
                    && bytes[from].is_ascii_lowercase()
                    && !assigned.contains(name)
                    && !comment
                {
                    found.push((k..end + braced as usize, name.to_string()));
                }
                k = end.max(k + 1);
            }
            _ => k += 1,
        }
    }
    holed.shell_references.extend(found);
}

/// The lines of a script outside the documents that write main.cf or master.cf (`bodies`,
/// byte ranges), without their newlines: the shell's own code.
fn code_lines<'t>(text: &'t str, bodies: &'t [Range<usize>]) -> impl Iterator<Item = &'t str> + 't {
    let mut start = 0;
    // The bodies are in the script's order: one cursor over them keeps the walk linear
    // (a script of thousands of tiny documents is not lines times documents).
    let mut body = 0;
    std::iter::from_fn(move || {
        while start < text.len() {
            let end =
                memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
            let line = &text[start..end];
            while bodies.get(body).is_some_and(|b| b.end <= start) {
                body += 1;
            }
            let inside = bodies
                .get(body)
                .is_some_and(|b| b.start <= start && start < b.end);
            start = end + 1;
            if !inside {
                return Some(line);
            }
        }
        None
    })
}

/// The shell variables a script gives a value (`name=`, `read name`, `for name in`, `local`,
/// `export`, `declare`, `readonly`, `typeset`, `getopts`) outside its main.cf and master.cf
/// documents (`bodies`, where `smtpd_use_tls=yes` is Postfix's): a reference to one in a
/// document is the script's own. None when the script may set variables postlint cannot see:
/// it sources another file (`. ./vars`, `source`), runs `eval`, exports all it sets (`set -a`)
/// or a file's lines (`export $(cat .env)`).
pub(crate) fn assigned<'t>(
    text: &'t str,
    bodies: &'t [Range<usize>],
) -> Option<std::collections::HashSet<&'t str>> {
    let mut names = std::collections::HashSet::new();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    // The names commands give values to.
    const GIVERS: &[&str] = &[
        "read", "for", "local", "export", "declare", "readonly", "typeset", "getopts", "select",
    ];
    for line in code_lines(text, bodies) {
        let code = line.trim_start();
        let first = code.split_whitespace().next().unwrap_or("");
        if matches!(first, "." | "source" | "eval")
            || code.starts_with("set -a")
            || code.contains("export $(")
            || code.contains("export `")
        {
            return None;
        }
        let bytes = line.as_bytes();
        // `name=`: a word that ends at `=` (also `name+=`, `name[0]=`).
        for (at, _) in line.match_indices('=') {
            let mut end = at;
            if end > 0 && bytes[end - 1] == b'+' {
                end -= 1;
            }
            if end > 0 && bytes[end - 1] == b']' {
                end = line[..end].rfind('[').unwrap_or(end);
            }
            let start = line[..end]
                .bytes()
                .rev()
                .take_while(|&b| is_name(b))
                .count();
            if start > 0 {
                names.insert(&line[end - start..end]);
            }
        }
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ';')
            .filter(|w| !w.is_empty())
            .collect();
        for (i, word) in words.iter().enumerate() {
            if GIVERS.contains(word) {
                for next in &words[i + 1..] {
                    if next.starts_with('-') {
                        continue;
                    }
                    if next.bytes().all(is_name) {
                        names.insert(*next);
                        if *word == "for" || *word == "select" {
                            break;
                        }
                        continue;
                    }
                    break;
                }
            }
        }
    }
    read_outside(text, bodies, &mut names);
    Some(names)
}

/// Adds the lower-case names the script reads as its own variables outside the documents
/// that write main.cf or master.cf (`[ -n "$mydomain" ]`, `${mydomain:-example.com}`, `echo
/// $mydomain`): a script that reads `$mydomain` itself expects it from its environment (a
/// container's `-e mydomain=...`), and the same reference in a document means the same
/// variable. Not read: comment lines, single-quoted text, `\$`, and lines that name
/// `postconf` or main.cf/master.cf, where `$mydomain` is more likely the same mistake again
/// (`postconf -e "myorigin = $mydomain"`) than a variable of the script's.
fn read_outside<'t>(
    text: &'t str,
    bodies: &'t [Range<usize>],
    names: &mut std::collections::HashSet<&'t str>,
) {
    for line in code_lines(text, bodies) {
        if line.trim_start().starts_with('#')
            || line.contains("postconf")
            || line.contains("main.cf")
            || line.contains("master.cf")
        {
            continue;
        }
        let bytes = line.as_bytes();
        let (mut quoted, mut double) = (false, false);
        let mut k = 0;
        while k < bytes.len() {
            match bytes[k] {
                b'\\' if !quoted => k += 1,
                b'\'' if !double => quoted = !quoted,
                b'"' if !quoted => double = !double,
                b'$' if !quoted => {
                    let from =
                        (k + 1 + (bytes.get(k + 1) == Some(&b'{')) as usize).min(bytes.len());
                    let len = bytes[from..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                        .count();
                    if len > 0 && bytes[from].is_ascii_lowercase() {
                        names.insert(&line[from..from + len]);
                    }
                }
                _ => {}
            }
            k += 1;
        }
    }
}

/// Where the expansion that starts at `at` (a `$` or a backquote) ends, at most at `limit`;
/// None for a `$` the shell leaves as it is (`$ `, `$.`).
fn expansion_end(bytes: &[u8], at: usize, limit: usize) -> Option<usize> {
    let line_end =
        |from: usize| memchr::memchr(b'\n', &bytes[from..limit]).map_or(limit, |i| from + i);
    if bytes[at] == b'`' {
        let close = bytes[at + 1..limit]
            .iter()
            .position(|&b| b == b'`')
            .map(|p| at + 1 + p + 1);
        return Some(close.unwrap_or_else(|| line_end(at)));
    }
    let next = *bytes.get(at + 1).filter(|_| at + 1 < limit)?;
    match next {
        b'{' | b'(' => {
            let (open, close) = match next {
                b'{' => (b'{', b'}'),
                _ => (b'(', b')'),
            };
            let mut depth = 0usize;
            for (i, &b) in bytes[at + 1..limit].iter().enumerate() {
                if b == open {
                    depth += 1;
                } else if b == close {
                    depth -= 1;
                    if depth == 0 {
                        return Some(at + 1 + i + 1);
                    }
                }
            }
            // Unclosed: the shell stops with a syntax error; the line is unknown.
            Some(line_end(at))
        }
        b if b.is_ascii_alphabetic() || b == b'_' => Some(
            at + 1
                + bytes[at + 1..limit]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count(),
        ),
        b if b.is_ascii_digit() || b"@*#?$!-".contains(&b) => Some(at + 2),
        _ => None,
    }
}

/// Whether a line defines a shell function: `name() {`, `name ()`, `function name {`.
fn is_function(code: &str) -> bool {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.');
    if let Some(rest) = code.strip_prefix("function ") {
        return rest.trim_start().starts_with(name_char);
    }
    let Some(open) = code.find('(') else {
        return false;
    };
    let name = code[..open].trim_end();
    let after = code[open + 1..].trim_start();
    let Some(after) = after.strip_prefix(')') else {
        return false;
    };
    let after = after.trim_start();
    !name.is_empty() && name.chars().all(name_char) && (after.is_empty() || after.starts_with('{'))
}

/// `text` without up to `indent` spaces at its head.
fn strip_indent(text: &str, indent: usize) -> &str {
    let n = text.bytes().take(indent).take_while(|&b| b == b' ').count();
    &text[n..]
}

/// Whether a line may open or close a compound command.
fn nests(code: &str) -> bool {
    let (opens, closes) = nesting(code);
    opens + closes > 0
}

/// Whether a line opens a compound command (`if`, `case`, a loop) and whether it closes one
/// (`fi`, `esac`, `done`): `if ...; then ...; fi` on one line does both.
fn nesting(code: &str) -> (u32, u32) {
    let mut words = code
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty());
    let mut first = words.next().unwrap_or("");
    // A Dockerfile's `RUN if ...`, a negated `! while`.
    if first.eq_ignore_ascii_case("RUN") || first == "!" {
        first = words.next().unwrap_or("");
    }
    let opens = matches!(first, "if" | "case" | "for" | "while" | "until" | "select");
    // A closing word counts where a command starts: first on the line or after `;`, `&`, `|`
    // (`echo done` closes nothing).
    let closes = code.split([';', '&', '|']).any(|command| {
        matches!(
            command.split_whitespace().next(),
            Some("fi" | "esac" | "done")
        )
    });
    (opens as u32, closes as u32)
}

/// The here-document operator of a command line, and where the document goes when that is
/// main.cf. None when the line has none (or only a here-string, `<<<`).
fn opener(code: &str) -> Option<Opener> {
    let bytes = code.as_bytes();
    let mut quote: Option<u8> = None;
    let mut at = None;
    let mut k = 0;
    while k + 1 < bytes.len() {
        let b = bytes[k];
        match quote {
            Some(q) if b == q => quote = None,
            Some(b'"') if b == b'\\' => k += 1,
            Some(_) => {}
            None => match b {
                b'\\' => k += 1,
                b'\'' | b'"' => quote = Some(b),
                b'#' if k == 0 || bytes[k - 1].is_ascii_whitespace() => return None,
                b'<' if bytes[k + 1] == b'<' => {
                    if bytes.get(k + 2) == Some(&b'<') {
                        return None;
                    }
                    at = Some(k);
                    break;
                }
                _ => {}
            },
        }
        k += 1;
    }
    let at = at?;
    let mut rest = &code[at + 2..];
    let strip_tabs = rest.starts_with('-');
    if strip_tabs {
        rest = &rest[1..];
    }
    let rest = rest.trim_start_matches([' ', '\t']);
    // The delimiter: a shell word, quoted in part or whole.
    let mut len = 0;
    let mut delimiter = String::new();
    let mut quoted = false;
    let mut q: Option<char> = None;
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        len = i + c.len_utf8();
        match (q, c) {
            (Some(open), c) if c == open => q = None,
            (Some(_), c) => delimiter.push(c),
            (None, '\'' | '"') => {
                quoted = true;
                q = Some(c);
            }
            (None, '\\') => {
                quoted = true;
                if let Some((j, n)) = chars.next() {
                    len = j + n.len_utf8();
                    delimiter.push(n);
                }
            }
            (None, c) if c.is_whitespace() || ";|&<>()".contains(c) => {
                len = i;
                break;
            }
            (None, c) => delimiter.push(c),
        }
    }
    if delimiter.is_empty() || delimiter.contains('$') || q.is_some() {
        return None;
    }
    let before = &code[..at];
    let after = &rest[len..];
    let words: Vec<&str> = before
        .split_whitespace()
        .chain(after.split_whitespace())
        .collect();
    Some(Opener {
        delimiter,
        quoted,
        strip_tabs,
        target: target(&words),
        elsewhere: written_elsewhere(&words),
        guarded: before.contains("&&") || before.contains("||"),
    })
}

/// Where a command with a here-document writes it when that is main.cf or master.cf: which,
/// and whether it appends. `cat` redirected to it (`> main.cf`, `>>main.cf`), `tee [-a]
/// main.cf`, a Dockerfile's `COPY <<EOF /etc/postfix/main.cf`.
fn target(words: &[&str]) -> Option<(&'static str, bool)> {
    // A command a shell runs from a quoted string (`sudo bash -c "cat > /etc/postfix/main.cf"
    // <<EOF`: the outer shell feeds the document to the inner one) is read by its words.
    let words: Vec<&str> = words
        .iter()
        .map(|w| w.trim_matches(['"', '\'']))
        .filter(|w| !w.is_empty())
        .collect();
    let words = words.as_slice();
    let first = words.first()?;
    if first.eq_ignore_ascii_case("COPY") || first.eq_ignore_ascii_case("ADD") {
        return postfix_file(words.last()?).map(|f| (f, false));
    }
    let program = |w: &str, name: &str| w == name || w.ends_with(&format!("/{name}"));
    let mut tee: Option<bool> = None;
    let mut cat = false;
    for (n, word) in words.iter().enumerate() {
        if program(word, "cat") {
            cat = true;
            continue;
        }
        if program(word, "tee") {
            tee = Some(false);
            continue;
        }
        let redirect = [
            (">>", true),
            (">|", false),
            ("&>", false),
            ("1>", false),
            (">", false),
        ]
        .iter()
        .find_map(|(op, appends)| word.strip_prefix(op).map(|rest| (rest, *appends)));
        if let Some((rest, appends)) = redirect {
            tee = None;
            if rest.starts_with('&') {
                continue;
            }
            let path = match rest.is_empty() {
                true => words.get(n + 1).copied().unwrap_or(""),
                false => rest,
            };
            if let Some(file) = postfix_file(path).filter(|_| cat) {
                return Some((file, appends));
            }
            continue;
        }
        if matches!(*word, "|" | "&&" | "||" | ";") {
            tee = None;
            continue;
        }
        if let Some(appends) = &mut tee {
            if matches!(*word, "-a" | "--append") {
                *appends = true;
            } else if let Some(file) = postfix_file(word).filter(|_| !word.starts_with('-')) {
                return Some((file, *appends));
            }
        }
    }
    None
}

/// The file a `cat` with a here-document writes (replacing it) when it is no main.cf or
/// master.cf: `cat > /etc/postfix/main-new.cf`, `cat <<EOF > "$TMP"`. A path written out,
/// without variables.
fn written_elsewhere(words: &[&str]) -> Option<String> {
    let words: Vec<&str> = words.iter().map(|w| w.trim_matches(['"', '\''])).collect();
    if !words.iter().any(|w| *w == "cat" || w.ends_with("/cat")) {
        return None;
    }
    let at = words.iter().position(|w| w.starts_with('>'))?;
    let path = match words[at].strip_prefix('>')? {
        "" => words.get(at + 1)?,
        rest if !rest.starts_with(['>', '&', '|']) => rest,
        _ => return None,
    };
    (path.starts_with('/') && !path.contains(['$', '`', '*', '?']) && postfix_file(path).is_none())
        .then(|| path.to_string())
}

/// A `mv` (or `cp`) that puts a file in main.cf's or master.cf's place: the file's path, and
/// which.
fn renamed(code: &str) -> Option<(String, &'static str)> {
    let words: Vec<&str> = code
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']))
        .take_while(|w| !matches!(*w, "&&" | "||" | ";" | "|"))
        .collect();
    let words = match words.first() {
        Some(&"sudo") => &words[1..],
        _ => &words[..],
    };
    let (program, rest) = words.split_first()?;
    if !matches!(*program, "mv" | "cp" | "/bin/mv" | "/bin/cp") {
        return None;
    }
    let paths: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    let [source, dest] = paths.as_slice() else {
        return None;
    };
    Some((source.to_string(), postfix_file(dest)?))
}

/// `main.cf` or `master.cf` for a path to one (`/etc/postfix/main.cf`, `"$CONF/main.cf"`,
/// `master.cf`).
fn postfix_file(word: &str) -> Option<&'static str> {
    let path = word.trim_matches(['"', '\'']);
    let name = path.rsplit('/').next()?;
    ["main.cf", "master.cf"].into_iter().find(|f| *f == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(holed: &Holed) -> Vec<String> {
        holed
            .text
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect()
    }

    #[test]
    fn a_replacing_document_is_main_cf_with_the_script_blanked() {
        let script = "#!/bin/sh\nset -e\ncat > /etc/postfix/main.cf <<EOF\nmyhostname = ${HOST}\nsmtpd_banner = \\$myhostname ESMTP\nEOF\npostfix start\n";
        assert_eq!(replacing(script, false, "main.cf"), vec![3]);
        let holed = read_as(script, 3, false, Kind::MainCf).unwrap();
        let (text, _) = crate::template::substitute(&holed.text, &holed.replacements());
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        assert_eq!(
            lines,
            [
                "",
                "",
                "",
                "myhostname = !TTTTT!",
                "smtpd_banner = $myhostname ESMTP",
                "",
                ""
            ]
        );
        assert_eq!(holed.expressions, vec![(4, "${HOST}".to_string())]);
        assert!(holed.conditional.is_empty() && holed.dynamic_names.is_empty());
    }

    #[test]
    fn a_quoted_delimiter_leaves_the_text_as_written() {
        let script = "cat <<'EOF' | sudo tee /etc/postfix/main.cf > /dev/null\nmyorigin = $mydomain\nrelayhost = ${RELAY}\nEOF\n";
        let holed = read_as(script, 1, false, Kind::MainCf).unwrap();
        assert_eq!(
            lines_of(&holed),
            ["", "myorigin = $mydomain", "relayhost = ${RELAY}", ""]
        );
        assert!(holed.expressions.is_empty());
    }

    #[test]
    fn appended_documents_follow_and_those_under_a_condition_are_conditional() {
        let script = "\
cat > /etc/postfix/main.cf << EOF
a = 1
EOF
cat >> /etc/postfix/main.cf << EOF
b = 2
EOF
if [ -n \"$TLS\" ]; then
  cat >> /etc/postfix/main.cf <<EOF
c = 3
EOF
fi
[ -n \"$X\" ] && cat >>/etc/postfix/main.cf <<EOF
d = 4
EOF
cat > /etc/postfix/main.cf <<EOF
e = 5
EOF
";
        assert_eq!(replacing(script, false, "main.cf"), vec![1, 15]);
        let holed = read_as(script, 1, false, Kind::MainCf).unwrap();
        let kept = |holed: &Holed| -> Vec<String> {
            lines_of(holed)
                .into_iter()
                .filter(|l| !l.is_empty())
                .collect()
        };
        assert_eq!(kept(&holed), ["a = 1", "b = 2", "c = 3", "d = 4"]);
        assert_eq!(holed.conditional, vec![9..10, 13..14]);
        let second = read_as(script, 15, false, Kind::MainCf).unwrap();
        assert_eq!(kept(&second), ["e = 5"]);
        assert!(
            read_as(script, 4, false, Kind::MainCf).is_none(),
            "an append starts nothing"
        );
    }

    #[test]
    fn documents_in_other_functions_are_conditional() {
        let script = "\
write_main() {
    cat > /etc/postfix/main.cf <<EOF
a = 1
EOF
    cat >> /etc/postfix/main.cf <<EOF
b = 2
EOF
}

function add_tls {
    cat >> /etc/postfix/main.cf <<EOF
c = 3
EOF
}
add_tls
write_main
";
        let holed = read_as(script, 2, false, Kind::MainCf).unwrap();
        assert_eq!(holed.conditional, vec![12..13]);
        assert!(is_function("configure_postfix() {") && is_function("f ()"));
        assert!(!is_function("echo (x)") && !is_function("if [ x ]; then"));
    }

    #[test]
    fn lower_case_names_the_script_does_not_set_are_shell_references() {
        let script = "\
#!/bin/sh
relayhost=\"[$1]:587\"
read -r mydomain_in
for origin in a b; do :; done
cat > /etc/postfix/main.cf <<EOF
myorigin = $mydomain
mydestination = ${myhostname}, \\$mydomain, \\\\$mydomain, $HOST, ${mydomain:-x}
relayhost = $relayhost
x = $mydomain_in $origin $mydomainX
EOF
";
        let holed = read_as(script, 5, false, Kind::MainCf).unwrap();
        let names: Vec<(u32, &str)> = holed
            .shell_references
            .iter()
            .map(|(r, n)| {
                let line = script[..r.start].matches('\n').count() as u32 + 1;
                assert_eq!(&script[r.clone()].trim_matches(['$', '{', '}']), n);
                (line, n.as_str())
            })
            .collect();
        // `\\$mydomain` is a backslash, then the shell's `$mydomain`.
        assert_eq!(names, [(6, "mydomain"), (7, "myhostname"), (7, "mydomain")]);
        // A script that sources another may set any variable.
        let sourcing = format!(". ./settings\n{script}");
        let holed = read_as(&sourcing, 6, false, Kind::MainCf).unwrap();
        assert!(holed.shell_references.is_empty());
    }

    #[test]
    fn tabs_of_a_dash_document_and_yaml_indent_are_taken_out() {
        let script =
            "\tcat <<- EOF > /etc/postfix/main.cf\n\tmyhostname = x\n\t  continued\n\tEOF\n";
        let holed = read_as(script, 1, false, Kind::MainCf).unwrap();
        let (text, _) = crate::template::substitute(&holed.text, &holed.replacements());
        assert_eq!(text.lines().nth(1), Some("myhostname = x"));
        assert_eq!(text.lines().nth(2), Some("  continued"));
        let yaml =
            "- shell: |\n    cat > /etc/postfix/main.cf <<EOF\n    myhostname = y\n    EOF\n";
        let holed = read_as(yaml, 2, true, Kind::MainCf).unwrap();
        let (text, _) = crate::template::substitute(&holed.text, &holed.replacements());
        assert_eq!(text.lines().nth(2), Some("myhostname = y"));
    }

    /// An expansion alone on its line inserts lines postlint cannot see (in master.cf too:
    /// survey Z2, `${postscreen_master_cf}` was "bad field count"); one at the head of a line
    /// with more after it is a name that may be any parameter.
    #[test]
    fn expansions_at_a_line_head_may_set_anything() {
        let script = "cat >/etc/postfix/main.cf <<EOF\n${EXTRA}\n$(cat extra.cf) \n${NAME} = x\nmynetworks = $1\nEOF\n";
        let holed = read_as(script, 1, false, Kind::MainCf).unwrap();
        let inserted: Vec<u32> = holed.inserts.iter().map(|(l, _)| *l).collect();
        assert_eq!(inserted, vec![2, 3]);
        assert_eq!(holed.dynamic_names, vec![4]);
        assert_eq!(holed.substitutions.len(), 1);
        assert!(holed.is_open_ended());
        let text = crate::template::substitute(&holed.text, &holed.replacements()).0;
        assert_eq!(text.lines().nth(1).map(str::trim), Some(""));
        let master = "cat >/etc/postfix/master.cf <<EOF\n${SMTP_LINES}\npickup unix n - n 60 1 pickup\nEOF\n";
        let holed = read_as(master, 1, false, Kind::MasterCf).unwrap();
        assert_eq!(holed.inserts.len(), 1);
        assert!(holed.is_open_ended());
    }

    #[test]
    fn a_document_moved_into_place_is_main_cf() {
        let script = "\
cat <<EOF2 > /etc/postfix/main-new.cf
myhostname = a.example
EOF2
cat > /etc/postfix/other.cf <<EOF
x = 1
EOF
mv /etc/postfix/main-new.cf /etc/postfix/main.cf
cat > /tmp/master.new <<EOF
smtp inet n - n - - smtpd
EOF
sudo cp -f /tmp/master.new /etc/postfix/master.cf
";
        let docs = documents(script, false);
        let found: Vec<(&str, u32)> = docs.iter().map(|d| (d.file, d.command)).collect();
        assert_eq!(found, [("main.cf", 1), ("master.cf", 8)], "{docs:?}");
        assert_eq!(replacing(script, false, "main.cf"), vec![1]);
        // A file moved elsewhere, or a path with a variable, is not.
        let script = "cat > /tmp/a.cf <<EOF\nx = 1\nEOF\nmv /tmp/a.cf /etc/postfix/a.cf\n\
                      cat > \"$T\" <<EOF\ny = 1\nEOF\nmv \"$T\" /etc/postfix/main.cf\n";
        assert!(documents(script, false).is_empty());
    }

    #[test]
    fn other_documents_and_here_strings_are_not_main_cf() {
        let script = "\
cat > /etc/postfix/virtual <<EOF
cat > /etc/postfix/main.cf <<X
EOF
grep x <<< \"main.cf\"
cat /etc/postfix/main.cf <<EOF
a = b
EOF
mysql <<SQL > main.cf
SQL
echo '<<EOF' > /etc/postfix/main.cf
COPY <<EOF /etc/postfix/main.cf
z = 1
EOF
";
        let docs = documents(script, false);
        assert_eq!(docs.len(), 1, "{docs:?}");
        assert_eq!(docs[0].command, 11);
    }

    #[test]
    fn a_master_cf_document_is_read_as_master_cf() {
        let script = "cat > /etc/postfix/master.cf <<EOF\nsmtp inet n - y - - smtpd\n  -o x=\\$y\nEOF\ncat > /etc/postfix/main.cf <<EOF\na = 1\nEOF\n";
        assert_eq!(replacing(script, false, "master.cf"), vec![1]);
        assert_eq!(replacing(script, false, "main.cf"), vec![5]);
        let holed = read_as(script, 1, false, Kind::MasterCf).unwrap();
        let (text, _) = crate::template::substitute(&holed.text, &holed.replacements());
        assert_eq!(text.lines().nth(2), Some("  -o x=$y"));
        assert_eq!(text.lines().nth(5).map(str::trim), Some(""));
        assert!(read_as(script, 1, false, Kind::MainCf).is_none());
    }

    /// The names a script reads itself are its environment's; a comment, single quotes, `\$`,
    /// a postconf line and the documents themselves are no reading.
    #[test]
    fn names_read_outside_the_documents_are_the_scripts() {
        let script = concat!(
            ": \"${myhostname:?}\"\n",
            "[ -n \"$mydomain\" ] && echo $relayhost\n",
            "# $myorigin\n",
            "echo '$mynetworks' \\$inet_interfaces\n",
            "postconf -e \"alias_maps = $alias_maps\"\n",
            "echo \"$HOSTNAME\"\n",
            "cat > /etc/postfix/main.cf <<EOF\n",
            "smtpd_banner = $smtpd_banner\n",
            "EOF\n",
        );
        let body = script.find("smtpd_banner").unwrap();
        let mut names = std::collections::HashSet::new();
        let body = body..body + 30;
        let bodies = std::slice::from_ref(&body);
        read_outside(script, bodies, &mut names);
        let mut names: Vec<&str> = names.into_iter().collect();
        names.sort_unstable();
        assert_eq!(names, ["mydomain", "myhostname", "relayhost"]);
        // In the script read as main.cf, only the document's own reference is left.
        let holed = read_as(script, 7, false, Kind::MainCf).unwrap();
        let left: Vec<&str> = holed
            .shell_references
            .iter()
            .map(|(_, n)| n.as_str())
            .collect();
        assert_eq!(left, ["smtpd_banner"]);
    }

    /// The script's own lines, between and around document bodies (in order).
    #[test]
    fn code_lines_skip_every_body() {
        let text = "a\nb\nc\nd\ne\nf\n";
        let bodies = [2..4, 6..10];
        let lines: Vec<&str> = code_lines(text, &bodies).collect();
        assert_eq!(lines, ["a", "c", "f"]);
        let lines: Vec<&str> = code_lines(text, &[]).collect();
        assert_eq!(lines, ["a", "b", "c", "d", "e", "f"]);
    }

    /// `name=value` in a main.cf document is Postfix's setting, not a shell variable: a
    /// `$name` reference to it is still the shell's.
    #[test]
    fn settings_in_a_document_are_no_shell_variables() {
        let script =
            "cat > /etc/postfix/main.cf <<EOF\nsmtpd_use_tls=yes\nx = $smtpd_use_tls\nEOF\n";
        let holed = read_as(script, 1, false, Kind::MainCf).unwrap();
        assert_eq!(holed.shell_references.len(), 1);
        let script = format!("smtpd_use_tls=no\n{script}");
        let holed = read_as(&script, 2, false, Kind::MainCf).unwrap();
        assert!(holed.shell_references.is_empty());
    }

    /// Only a word where a command starts closes a compound command.
    #[test]
    fn closing_words_count_where_commands_start() {
        assert_eq!(nesting("echo done"), (0, 0));
        assert_eq!(nesting("echo 'all; done' fi"), (0, 0));
        assert_eq!(nesting("done"), (0, 1));
        assert_eq!(nesting("if true; then x; fi"), (1, 1));
        assert_eq!(nesting("for a in b; do c; done"), (1, 1));
        assert_eq!(nesting("true && fi"), (0, 1));
        assert_eq!(nesting("case $a in x) y;; esac"), (1, 1));
    }

    /// `bash -c "cat > /etc/postfix/main.cf" <<EOF`: the document goes to the inner shell's
    /// cat (timoelan/Postfix-Mail-Installer).
    #[test]
    fn a_redirect_inside_a_shell_string_writes_the_file() {
        for script in [
            "sudo bash -c \"cat > /etc/postfix/main.cf\" <<EOF\na = 1\nEOF\n",
            "sh -c 'cat >/etc/postfix/main.cf' <<'EOF'\na = 1\nEOF\n",
        ] {
            assert_eq!(replacing(script, false, "main.cf"), vec![1], "{script}");
        }
        assert!(replacing("echo \"cat\" <<EOF\na = 1\nEOF\n", false, "main.cf").is_empty());
    }

    #[test]
    fn a_script_starts_at_most_sixteen_configurations() {
        let script = "cat > main.cf <<E\na = 1\nE\n".repeat(100);
        assert_eq!(documents(&script, false).len(), 100);
        assert_eq!(replacing(&script, false, "main.cf").len(), MAX_REPLACING);
    }

    #[test]
    fn unclosed_documents_stop_the_search() {
        let mut script = String::new();
        for _ in 0..10_000 {
            script.push_str("cat > main.cf <<NOPE\n");
        }
        assert!(documents(&script, false).is_empty());
    }
}
