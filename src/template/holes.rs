//! Templates read as Postfix files with holes. Each template tag is replaced, byte for byte, by
//! what postlint can say of its output, so that every span and line number stays the template's
//! own and findings land on the lines the user edits:
//! - an expression (`{{ domain }}`, `<%= @relayhost %>`, `{{ .Env.HOST }}`) becomes a hole, an
//!   installer-style marker (`!TTTTTT!`, see `parse::placeholder`) that the model already reads
//!   as an unknown value: one mechanism for installer placeholders and templates;
//! - a comment or a control tag (`{% if %}`, `<% end %>`, `{{/each}}`) becomes blanks (Postfix
//!   skips a blank line without ending the logical line it sits in, as a rendered tag line is);
//! - the lines between a control block's opener and its closer may or may not be there: they are
//!   listed in `Holed::conditional`, widened to whole logical lines. The model takes a value
//!   set there as unknown (`params::Definition::conditional`), and findings on those lines are
//!   not reported as certain (`lib.rs` drops them).
//!
//! Nothing is executed. One pass over the text: each tag's closer is looked for only up to the
//! next opener of its kind, so a text full of unclosed openers stays linear.

use std::ops::Range;

use super::vars::Vars;

/// What the file is, for what a conditional line means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `name = value` lines, where a line whose name is an expression may set anything.
    MainCf,
    /// Services and their `-o name=value`.
    MasterCf,
    /// Map lines.
    Table,
}

/// A template with its tags replaced.
#[derive(Clone, Debug)]
pub struct Holed {
    /// The text Postfix-readable, as long as the template and with its newlines in place.
    pub text: String,
    /// Expressions whose output is unknown: (line, tag as written, shortened).
    pub expressions: Vec<(u32, String)>,
    /// Lines that may or may not be in the rendered file, as 1-based `start..end` ranges.
    pub conditional: Vec<Range<u32>>,
    /// Tags that insert text postlint cannot see (`{% include %}`, `{{> partial}}`, a
    /// Univention block): (line, tag).
    pub inserts: Vec<(u32, String)>,
    /// Of `inserts`, the expressions alone on their lines (`{{ set_parameter('biff', 'no')
    /// }}`): template expressions too, counted as such in the summary.
    pub inserted_expressions: usize,
    /// The inserts that are a Jinja `{% include 'path' %}` with a literal path: the index in
    /// `inserts`, the path, and whether the tag is on a line that may be absent.
    pub include_paths: Vec<(usize, String, bool)>,
    /// main.cf lines whose parameter name is an expression: they may set any parameter.
    pub dynamic_names: Vec<u32>,
    /// A closer without its opener: the lines after it are all taken as conditional.
    pub unbalanced: Option<u32>,
    /// Expressions `--template-vars` gives a value: the tag's range and the value (one line).
    pub substitutions: Vec<(Range<usize>, String)>,
    /// Tags that output nothing and start their line with text after them
    /// (`{% set x = 1 %}myhostname = ...`): taken out of the text, so that the text after them
    /// starts its line as rendered instead of continuing the line above.
    pub removed: Vec<Range<usize>>,
    /// A script's here-document (`heredoc`): the `$name` and `${name}` the shell expands whose
    /// name is lower case, as Postfix's own names are, and that the script gives no value
    /// (`smtpd_banner = $myhostname ESMTP` without its `\\`): each range, in the script, with
    /// the name.
    pub shell_references: Vec<(Range<usize>, String)>,
    /// What the file was read as.
    pub kind: Kind,
}

impl Holed {
    /// What replaces what in the text the parsers read: the values `--template-vars` gives,
    /// and nothing for the tags taken out, in order (for `template::substitute`).
    /// Nothing found yet, in a file read as `kind`.
    pub fn empty(kind: Kind) -> Holed {
        Holed {
            text: String::new(),
            expressions: Vec::new(),
            conditional: Vec::new(),
            inserts: Vec::new(),
            inserted_expressions: 0,
            include_paths: Vec::new(),
            dynamic_names: Vec::new(),
            unbalanced: None,
            substitutions: Vec::new(),
            removed: Vec::new(),
            shell_references: Vec::new(),
            kind,
        }
    }

    pub fn replacements(&self) -> Vec<(Range<usize>, String)> {
        let mut all = self.substitutions.clone();
        all.extend(self.removed.iter().map(|r| (r.clone(), String::new())));
        all.sort_by_key(|(r, _)| r.start);
        all
    }

    /// Finishes a file read by blanking and holing `out` (a copy of its bytes with only ASCII
    /// written over whole characters): the text, the removed and substituted ranges in order,
    /// the conditional lines (`conditional`, one flag per line) widened to logical lines, and
    /// the main.cf lines whose name is a hole.
    pub fn finish(mut self, out: Vec<u8>, mut conditional: Vec<bool>) -> Holed {
        let text = String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        self.removed.sort_by_key(|r| r.start);
        self.substitutions.sort_by_key(|(r, _)| r.start);
        widen(
            &text,
            &mut conditional,
            self.kind,
            &mut self.dynamic_names,
            &self.removed,
        );
        self.dynamic_names.sort_unstable();
        self.dynamic_names.dedup();
        self.conditional = ranges(&conditional);
        self.text = text;
        self
    }

    /// Whether the rendered file may hold lines postlint cannot see: an insert, or a line whose
    /// name is an expression.
    pub fn is_open_ended(&self) -> bool {
        !self.inserts.is_empty() || !self.dynamic_names.is_empty()
    }
}

/// The file of a Jinja `include` with one literal path: `include 'main.cf.d/alias.j2'`,
/// `include("x")`, with `ignore missing` or `with context` after it. None for a path built
/// from variables, a list of paths, or another tag.
fn include_path(inner: &str) -> Option<String> {
    let rest = inner.trim().strip_prefix("include")?.trim_start();
    let rest = rest.strip_prefix('(').unwrap_or(rest).trim_start();
    let quote = rest.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let body = &rest[1..];
    let end = body.find(quote)?;
    let path = &body[..end];
    let after = body[end + 1..].trim_start();
    let after = after.strip_prefix(')').unwrap_or(after).trim();
    let known_tail = [
        "",
        "ignore missing",
        "with context",
        "without context",
        "ignore missing with context",
        "ignore missing without context",
    ]
    .contains(&after);
    let plain = !path.is_empty() && !path.contains(['{', '}', '%', '\\', '\0']);
    (known_tail && plain).then(|| path.to_string())
}

/// What a tag is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    /// Outputs nothing: comments, assignments, imports.
    Silent,
    /// Outputs a value postlint does not know.
    Expression,
    /// Opens a block; `true` when its body may be left out or repeated (`if`, `for`), `false`
    /// when it is always output once (`block`, `with`, `filter`).
    Open(bool),
    /// `else`, `elif`: the block goes on.
    Middle,
    Close,
    /// Outputs text postlint cannot see (`include`, partials).
    Insert,
    /// Jinja's `{% raw %}`: the text up to `{% endraw %}` is output as written.
    Raw,
}

/// The tag syntaxes: opener, closer.
const SYNTAXES: &[(&[u8], &[u8])] = &[
    (b"{{{", b"}}}"),
    (b"{{", b"}}"),
    (b"{%", b"%}"),
    (b"{#", b"#}"),
    (b"<%", b"%>"),
    (b"[%", b"%]"),
    // Smarty's block tags (`{if $X}`, `{/if}`, `{foreach ...}`, `{* comment *}`), taken only
    // alone on their line (`smarty_control`): a single brace is Postfix's own elsewhere.
    (b"{", b"}"),
];

/// Reads `text` as a template of `kind`; `percent` for an installer's `.tpl` file, whose
/// `%name` and `%{name}` are placeholders, and whose `%{name}` at the start of a line is
/// replaced by `#` or nothing to leave the line out or in (Modoboa's installer). Returns None
/// when it holds no tag at all.
pub fn holes(text: &str, kind: Kind, percent: bool, vars: Option<&Vars>) -> Option<Holed> {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut holed = Holed::empty(kind);
    // One flag per physical line (index 0 = line 1): output there may be absent or repeated.
    let line_count = memchr::memchr_iter(b'\n', bytes).count() + 1;
    let mut conditional = vec![false; line_count];
    // The open blocks: whether each may leave its body out.
    let mut blocks: Vec<bool> = Vec::new();
    let maybe = |blocks: &Vec<bool>, unbalanced: bool| unbalanced || blocks.iter().any(|&c| c);
    let mut unbalanced = false;
    let mut tags = 0usize;
    // Where the text not yet looked at starts, and the line it is on.
    let (mut pos, mut line) = (0usize, 0usize);
    // Closers known to be absent from some offset on: none is looked for again.
    let mut no_closer_after = [usize::MAX; SYNTAXES.len()];
    // Tags that are whole lines, in order: Univention blocks, shell variables that switch a
    // line, Mako control lines (a Mako template, as BundleWrap renders main.cf, also has
    // `${...}` expressions, which are Postfix's own syntax in any other file).
    let mako = mako_lines(text);
    let mut line_tags: Vec<(Range<usize>, LineTag)> = univention_blocks(text)
        .into_iter()
        .map(|r| (r, LineTag::Univention))
        .chain(
            line_switches(text)
                .into_iter()
                .map(|r| (r, LineTag::Switch)),
        )
        .chain(mako.iter().map(|(r, tag)| (r.clone(), LineTag::Mako(*tag))))
        .collect();
    line_tags.sort_by_key(|(r, _)| r.start);
    let mut next_line_tag = line_tags.iter().peekable();
    // The end of the last tag taken out at the start of its line: a tag right after it starts
    // the line too.
    let mut removed_end = None;

    // Marks the lines of a range that hold anything but blanks as conditional.
    let mark = |conditional: &mut Vec<bool>, range: Range<usize>, first_line: usize| {
        let mut l = first_line;
        let mut has_text = false;
        for &b in &bytes[range] {
            match b {
                b'\n' => {
                    if has_text {
                        conditional[l] = true;
                    }
                    l += 1;
                    has_text = false;
                }
                b' ' | b'\t' | b'\r' => {}
                _ => has_text = true,
            }
        }
        if has_text {
            conditional[l] = true;
        }
    };

    let mut at = 0usize;
    while at < bytes.len() {
        // A text of whole lines: a Univention block, a line-head switch, a Mako control line.
        if let Some((range, what)) = next_line_tag.next_if(|(r, _)| r.start <= at) {
            if range.start < pos {
                continue;
            }
            let (start, end) = (range.start, range.end);
            if maybe(&blocks, unbalanced) {
                mark(&mut conditional, pos..start, line);
            }
            line += count_lines(&bytes[pos..start]);
            blank(&mut out, start..end);
            match what {
                LineTag::Univention => {
                    holed
                        .inserts
                        .push((line as u32 + 1, "@!@ (a Univention block)".to_string()));
                    line += count_lines(&bytes[start..end]);
                }
                LineTag::Switch => {
                    conditional[line] = true;
                    holed
                        .expressions
                        .push((line as u32 + 1, shorten(&text[start..end])));
                    holed.removed.push(start..end);
                    removed_end = Some(end);
                }
                LineTag::Mako(Tag::Open(may_leave_out)) => blocks.push(*may_leave_out),
                LineTag::Mako(Tag::Close) => {
                    let closed = blocks.pop().is_some();
                    if !closed && !unbalanced {
                        unbalanced = true;
                        holed.unbalanced = Some(line as u32 + 1);
                    }
                }
                LineTag::Mako(_) => {}
            }
            pos = end;
            at = end;
            tags += 1;
            continue;
        }
        let limit = next_line_tag.peek().map_or(bytes.len(), |(r, _)| r.start);
        let Some(offset) = memchr::memchr3(b'{', b'<', b'[', &bytes[at..limit]) else {
            at = limit;
            continue;
        };
        let start = at + offset;
        at = start + 1;
        // A Mako expression, `${name}` or `${ value | h }`, on one line: a hole.
        if !mako.is_empty() && bytes[start] == b'{' && start > pos && bytes[start - 1] == b'$' {
            if let Some(close) = mako_expression_end(bytes, start) {
                let (start, tag_end) = (start - 1, close + 1);
                if maybe(&blocks, unbalanced) {
                    mark(&mut conditional, pos..tag_end, line);
                }
                line += count_lines(&bytes[pos..start]);
                fill_hole(&mut out, start..tag_end);
                holed
                    .expressions
                    .push((line as u32 + 1, shorten(&text[start..tag_end])));
                pos = tag_end;
                at = tag_end;
                tags += 1;
                continue;
            }
        }
        let Some(syntax) = SYNTAXES
            .iter()
            .position(|(open, _)| bytes[start..].starts_with(open))
        else {
            continue;
        };
        // Postfix's own braces: `${name?{{...}}}`, nested groups. (`inline:{{a=b}}` below.)
        if bytes[start] == b'{' && start > 0 && matches!(bytes[start - 1], b'{' | b'?') {
            continue;
        }
        if start >= no_closer_after[syntax] {
            continue;
        }
        if SYNTAXES[syntax].0 == b"{" && !smarty_control(bytes, start) {
            continue;
        }
        let (open, close) = SYNTAXES[syntax];
        let end = match closer(bytes, start + open.len(), open, close) {
            Ok(end) => end,
            Err(Stop::End) => {
                no_closer_after[syntax] = start;
                continue;
            }
            Err(Stop::Opener) => continue,
        };
        // `inline:{{a=b}}` is a table; `static:user:{{ password }}` is an expression, and so
        // is `hash:<%= @alias_maps %>`.
        if bytes[start] == b'{'
            && start > 0
            && bytes[start - 1] == b':'
            && bytes[start..end].contains(&b'=')
        {
            continue;
        }
        let tag_end = end + close.len();
        let inner = trim_control(&text[start + open.len()..end]);
        let tag = classify(open, inner);
        tags += 1;
        // The text before the tag is output as written.
        if maybe(&blocks, unbalanced) {
            mark(&mut conditional, pos..start, line);
        }
        line += count_lines(&bytes[pos..start]);
        let tag_line = line as u32 + 1;
        let shown = shorten(&text[start..tag_end]);
        // An expression alone on its line may output any number of lines. One that takes the
        // blanks before it (`{{-`, `<%-`, `[%-`) starts wherever the output before it ends, so
        // its indent says nothing: taken as whole lines too.
        let chomps = bytes.get(start + open.len()) == Some(&b'-');
        let tag = match tag {
            // Ansible's `{{ ansible_managed | comment }}` outputs `#` lines only.
            Tag::Expression if alone_on_its_lines(bytes, start, tag_end, chomps) => {
                match open == b"{{" && comment_filter(inner) {
                    true => Tag::Silent,
                    false => {
                        holed.inserted_expressions += 1;
                        Tag::Insert
                    }
                }
            }
            tag => tag,
        };
        // A tag that outputs nothing, at the start of its line with text after it: the text
        // starts the line as rendered. (`{%-`, `{{-` and `[%-` take the line break before them
        // too, joining the text to the line above: blanks say the same.)
        // ERB's `<%-` takes the blanks before it on its line: an indented `<%- if x -%>name`
        // starts its line too.
        // (Only the blanks right before a tag are looked at: linear on a line of many tags.)
        let starts_line = |at: usize| at == 0 || bytes[at - 1] == b'\n';
        let head = match open[0] == b'<' && chomps {
            true => {
                let blanks = bytes[..start]
                    .iter()
                    .rev()
                    .take_while(|b| matches!(b, b' ' | b'\t'))
                    .count();
                match starts_line(start - blanks) {
                    true => start - blanks,
                    false => start,
                }
            }
            false => start,
        };
        let outputs_nothing = matches!(tag, Tag::Silent | Tag::Open(_) | Tag::Middle | Tag::Close);
        if outputs_nothing
            && (starts_line(head) || removed_end == Some(start))
            && (open[0] == b'<' || !chomps)
            && text_follows(bytes, tag_end)
            // Line numbers are the template's: only a tag on one line is taken out.
            && memchr::memchr(b'\n', &bytes[head..tag_end]).is_none()
        {
            holed.removed.push(head..tag_end);
            removed_end = Some(tag_end);
        }
        // `{% if x -%}` alone on its line takes the blanks after it, the line break and the
        // next line's indent too: that line's text starts a line as rendered
        // (`  compatibility_level = 3.6` under it is no continuation).
        // (Jinja's; ERB's `-%>` takes the line break only.)
        let right_chomp = open[0] == b'{' && end > start + open.len() && bytes[end - 1] == b'-';
        if outputs_nothing && right_chomp && starts_line(head) {
            let rest = &bytes[tag_end..];
            let blanks = rest
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\r'))
                .count();
            if rest.get(blanks) == Some(&b'\n') {
                let next = tag_end + blanks + 1;
                let indent = bytes[next..]
                    .iter()
                    .take_while(|b| matches!(b, b' ' | b'\t'))
                    .count();
                if indent > 0
                    && bytes
                        .get(next + indent)
                        .is_some_and(|b| !matches!(b, b'\n' | b'\r'))
                {
                    holed.removed.push(next..next + indent);
                    removed_end = Some(next + indent);
                }
            }
        }
        match tag {
            Tag::Expression => {
                // Every line of the tag: its marker may sit on any of them.
                if maybe(&blocks, unbalanced) {
                    mark(&mut conditional, start..tag_end, line);
                }
                fill_hole(&mut out, start..tag_end);
                let one_line = !bytes[start..tag_end].contains(&b'\n');
                match vars.filter(|_| one_line).and_then(|v| v.eval(open, inner)) {
                    Some(value) => holed.substitutions.push((start..tag_end, value)),
                    None => holed.expressions.push((tag_line, shown)),
                }
            }
            Tag::Silent => blank(&mut out, start..tag_end),
            Tag::Open(may_leave_out) => {
                blank(&mut out, start..tag_end);
                // `{% if relay %}` with `--template-vars` giving `relay` a true value: the
                // body is there (its `else` is not, and stays "maybe").
                let holds = may_leave_out && vars.is_some_and(|v| v.condition_holds(open, inner));
                blocks.push(may_leave_out && !holds);
            }
            Tag::Middle => {
                blank(&mut out, start..tag_end);
                // `else`, `elif`: the branch after it may be left out, whatever the first was.
                if let Some(top) = blocks.last_mut() {
                    *top = true;
                }
            }
            Tag::Close => {
                blank(&mut out, start..tag_end);
                if blocks.pop().is_none() && !unbalanced {
                    unbalanced = true;
                    holed.unbalanced = Some(tag_line);
                }
            }
            Tag::Insert => {
                blank(&mut out, start..tag_end);
                holed.inserts.push((tag_line, shown));
                if let Some(path) = (open == b"{%").then(|| include_path(inner)).flatten() {
                    let at = holed.inserts.len() - 1;
                    let conditional = maybe(&blocks, unbalanced);
                    holed.include_paths.push((at, path, conditional));
                }
            }
            Tag::Raw => {
                blank(&mut out, start..tag_end);
                // The text up to `{% endraw %}` is literal; the closing tag is blanked.
                let after = tag_end;
                let (literal_end, resume) = match memchr::memmem::find(&bytes[after..], b"endraw") {
                    Some(i) => {
                        let word = after + i;
                        let open_at =
                            memchr::memrchr(b'{', &bytes[after..word]).map_or(word, |j| after + j);
                        let close_at = memchr::memmem::find(&bytes[word..], b"%}")
                            .map_or(bytes.len(), |j| word + j + 2);
                        (open_at, close_at)
                    }
                    None => (bytes.len(), bytes.len()),
                };
                line += count_lines(&bytes[start..after]);
                if maybe(&blocks, unbalanced) {
                    mark(&mut conditional, after..literal_end, line);
                }
                line += count_lines(&bytes[after..literal_end]);
                blank(&mut out, literal_end..resume);
                line += count_lines(&bytes[literal_end..resume]);
                pos = resume;
                at = resume;
                continue;
            }
        }
        line += count_lines(&bytes[start..tag_end]);
        pos = tag_end;
        at = tag_end;
    }
    if maybe(&blocks, unbalanced) {
        mark(&mut conditional, pos..bytes.len(), line);
    }
    if percent {
        tags += percent_markers(&mut out, &mut conditional, &mut holed, vars);
    }
    if tags == 0 {
        return None;
    }
    // Tags are replaced by ASCII and blanks only where they were, so the text stays UTF-8.
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    widen(
        &text,
        &mut conditional,
        kind,
        &mut holed.dynamic_names,
        &holed.removed,
    );
    holed.substitutions.sort_by_key(|(r, _)| r.start);
    holed.conditional = ranges(&conditional);
    holed.text = text;
    Some(holed)
}

/// The longest string literal looked through inside a `{{ }}` tag.
const MAX_STRING: usize = 4096;

/// Why a tag has no closer.
enum Stop {
    /// The text ends first: no later opener of this kind has one either.
    End,
    /// Another opener (or, in `{{ }}`, a brace) comes first.
    Opener,
}

/// `%{name}` at the start of a line: removed (the line shifted left, blanks at its end) and the
/// line conditional. `%name` elsewhere: a hole. Returns how many were found.
fn percent_markers(
    out: &mut [u8],
    conditional: &mut [bool],
    holed: &mut Holed,
    vars: Option<&Vars>,
) -> usize {
    let expressions = &mut holed.expressions;
    let substitutions = &mut holed.substitutions;
    let removed = &mut holed.removed;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = 0;
    let mut line_start = 0;
    for (line, flag) in conditional.iter_mut().enumerate() {
        let line_end =
            memchr::memchr(b'\n', &out[line_start..]).map_or(out.len(), |i| line_start + i);
        let l = &mut out[line_start..line_end];
        // The toggle at the start of the line.
        if l.starts_with(b"%{") {
            let name_len = l[2..].iter().take_while(|&&b| is_word(b)).count();
            if name_len > 0 && l.get(2 + name_len) == Some(&b'}') {
                let len = 3 + name_len;
                expressions.push((
                    line as u32 + 1,
                    shorten(&String::from_utf8_lossy(&l[..len])),
                ));
                l.copy_within(len.., 0);
                // The line moved: values found on it before no longer sit at their tags. It
                // is conditional, so its values stay holes.
                substitutions.retain(|(r, _)| r.end <= line_start || r.start >= line_end);
                removed.retain(|r| r.end <= line_start || r.start >= line_end);
                let n = l.len();
                l[n - len..].fill(b' ');
                *flag = true;
                found += 1;
            }
        }
        // `%name` in the line: a hole. (`%{name}` is an installer placeholder as it is.)
        let mut i = 0;
        while i < l.len() {
            if l[i] == b'%' && (i == 0 || !is_word(l[i - 1])) {
                let name_len = l[i + 1..].iter().take_while(|&&b| is_word(b)).count();
                let starts_alpha = l
                    .get(i + 1)
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
                if starts_alpha && name_len >= 2 {
                    let range = i..i + 1 + name_len;
                    let name = String::from_utf8_lossy(&l[i + 1..range.end]).into_owned();
                    match vars.and_then(|v| v.eval(b"%", &name)) {
                        Some(value) => substitutions
                            .push((line_start + range.start..line_start + range.end, value)),
                        None => expressions.push((
                            line as u32 + 1,
                            shorten(&String::from_utf8_lossy(&l[range.clone()])),
                        )),
                    }
                    write_marker(l, range);
                    found += 1;
                    i += 1 + name_len;
                    continue;
                }
            }
            i += 1;
        }
        line_start = line_end + 1;
        if line_start > out.len() {
            break;
        }
    }
    found
}

/// The offset of the closer of a tag whose inner text starts at `from`, if it comes before the
/// next opener of the same kind. `{{` holds no braces of its own (as `template::find` says).
fn closer(bytes: &[u8], from: usize, open: &[u8], close: &[u8]) -> Result<usize, Stop> {
    let braces = open.starts_with(b"{{");
    let mut i = from;
    loop {
        let found = match braces {
            true => memchr::memchr3(b'{', b'}', b'\'', &bytes[i..])
                .into_iter()
                .chain(memchr::memchr(b'"', &bytes[i..]))
                .min(),
            false => memchr::memchr2(close[0], open[0], &bytes[i..]),
        };
        let j = i + found.ok_or(Stop::End)?;
        if bytes[j..].starts_with(close) {
            return Ok(j);
        }
        // A Jinja string may hold braces: `{{ "{:<8}".format(x) }}`. A quote left open
        // within a short distance makes no tag.
        if braces && matches!(bytes[j], b'\'' | b'"') {
            let window = &bytes[j + 1..bytes.len().min(j + 1 + MAX_STRING)];
            match memchr::memchr(bytes[j], window) {
                Some(k) => {
                    i = j + 1 + k + 1;
                    continue;
                }
                None => return Err(Stop::Opener),
            }
        }
        if braces || bytes[j..].starts_with(open) {
            return Err(Stop::Opener);
        }
        i = j + 1;
    }
}

/// The inner text of a tag without whitespace control (`{%-`, `-%}`, `{{~`, `<%-`, `-%>`).
pub(crate) fn trim_control(inner: &str) -> &str {
    inner
        .trim_start_matches(['-', '+', '~'])
        .trim_end_matches(['-', '+', '~'])
        .trim()
}

/// The first word of a tag's code.
pub(crate) fn first_word(code: &str) -> &str {
    let end = code
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(code.len());
    &code[..end]
}

/// Whether a Jinja expression ends in Ansible's `comment` filter with its default style
/// (`x | comment`, `x | comment()`, `x | comment('plain')`): every line it outputs starts with
/// `#`. Other styles (`'c'`: `//`) or decorations are not main.cf comments.
fn comment_filter(inner: &str) -> bool {
    let Some((_, last)) = inner.rsplit_once('|') else {
        return false;
    };
    let last: String = last.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        last.as_str(),
        "comment"
            | "comment()"
            | "comment('plain')"
            | "comment(\"plain\")"
            | "comment(style='plain')"
            | "comment(style=\"plain\")"
    )
}

fn classify(open: &[u8], inner: &str) -> Tag {
    match open {
        b"{#" => Tag::Silent,
        b"{{{" => Tag::Expression,
        b"{{" => classify_braces(inner),
        b"{%" => classify_jinja(inner),
        b"<%" => classify_erb(inner),
        b"{" => classify_smarty(inner),
        _ => classify_toolkit(inner),
    }
}

/// Smarty's block tags, the only single-brace tags read (PHP panels such as EasySCP render
/// main.cf with them): the opener's keyword right after the brace.
const SMARTY_KEYWORDS: &[&str] = &[
    "if ",
    "elseif ",
    "else}",
    "/if}",
    "foreach ",
    "foreachelse}",
    "/foreach}",
    "section ",
    "sectionelse}",
    "/section}",
    "*",
];

/// Whether the `{` at `start` opens a Smarty block tag alone on its line: blanks before it,
/// a keyword after it, and its `}` the last thing on the line but blanks. Postfix's braces
/// (`-o { name = value }`, `inline:{ ... }`, `${name?{value}}`) never start so.
pub(crate) fn smarty_control(bytes: &[u8], start: usize) -> bool {
    // The cheap tests first, so that a line of many braces stays linear: the keyword, then
    // only blanks back to the line's start, then the line's end (once per line).
    let after = &bytes[start + 1..];
    if !SMARTY_KEYWORDS
        .iter()
        .any(|k| after.starts_with(k.as_bytes()))
    {
        return false;
    }
    let blanks = bytes[..start]
        .iter()
        .rev()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    if start - blanks != 0 && bytes[start - blanks - 1] != b'\n' {
        return false;
    }
    let line_end = memchr::memchr(b'\n', after).unwrap_or(after.len());
    let line = &after[..line_end];
    let trimmed = line.trim_ascii_end();
    trimmed.ends_with(b"}") && (!line.starts_with(b"*") || trimmed.ends_with(b"*}"))
}

/// `{if ...}`, `{/if}` and the like (see `smarty_control`).
fn classify_smarty(inner: &str) -> Tag {
    match first_word(inner.trim_start_matches('/')) {
        _ if inner.starts_with('*') => Tag::Silent,
        _ if inner.starts_with('/') => Tag::Close,
        "if" | "foreach" | "section" => Tag::Open(true),
        _ => Tag::Middle,
    }
}

/// `{{ }}`: a Jinja or Mustache expression, Go's actions, Mustache and Handlebars sections.
fn classify_braces(inner: &str) -> Tag {
    match inner.as_bytes().first() {
        Some(b'!') => return Tag::Silent,
        Some(b'#' | b'^') => return Tag::Open(true),
        Some(b'/') if inner.starts_with("/*") => return Tag::Silent,
        Some(b'/') => return Tag::Close,
        Some(b'>') => return Tag::Insert,
        Some(b'&') => return Tag::Expression,
        _ => {}
    }
    let word = first_word(inner);
    // Go's actions are keywords followed by a pipeline; a Jinja expression is never one.
    let keyword = inner.len() > word.len() || matches!(word, "else" | "end");
    match word {
        "if" | "range" | "with" if keyword => Tag::Open(word != "with"),
        "define" if keyword => Tag::Open(true),
        "block" if keyword => Tag::Open(false),
        "else" if keyword => Tag::Middle,
        "end" if keyword => Tag::Close,
        "template" if keyword => Tag::Insert,
        _ => Tag::Expression,
    }
}

/// `{% %}`: Jinja and Salt statements.
pub(crate) fn classify_jinja(inner: &str) -> Tag {
    let word = first_word(inner);
    match word {
        "if" | "for" | "macro" | "call" | "load_yaml" | "load_json" | "load_text" | "trans" => {
            Tag::Open(true)
        }
        // `{% set x %}...{% endset %}` captures; `{% set x = 1 %}` does not open.
        "set" if !inner.contains('=') => Tag::Open(true),
        "block" | "with" | "filter" | "autoescape" => Tag::Open(false),
        "elif" | "else" | "empty" | "pluralize" => Tag::Middle,
        "raw" => Tag::Raw,
        "include" | "extends" => Tag::Insert,
        w if w.starts_with("end") => Tag::Close,
        _ => Tag::Silent,
    }
}

/// `<% %>`: ERB's Ruby and Puppet's EPP.
fn classify_erb(inner: &str) -> Tag {
    // `<%#` comment, `<%=` / `<%==` output, `<%%` a literal `<%`.
    match inner.as_bytes().first() {
        Some(b'#') | Some(b'%') => return Tag::Silent,
        Some(b'=') => return Tag::Expression,
        _ => {}
    }
    let code = inner.trim();
    // EPP: `<% } %>`, `<% } else { %>`, `<% if $x { %>`, `<% $a.each |$x| { %>`.
    if let Some(rest) = code.strip_prefix('}') {
        return match rest.trim_end().ends_with('{') {
            true => Tag::Middle,
            false => Tag::Close,
        };
    }
    let word = first_word(code);
    let last = code
        .rsplit(|c: char| c.is_whitespace() || c == ';')
        .next()
        .unwrap_or("");
    match word {
        // A one-line `if x then y end` closes itself.
        "if" | "unless" | "case" | "while" | "until" | "for" | "begin" if last != "end" => {
            Tag::Open(true)
        }
        "else" | "elsif" | "when" | "rescue" | "ensure" => Tag::Middle,
        "end" => Tag::Close,
        _ if code.ends_with('{') => Tag::Open(true),
        _ if ends_with_do(code) => Tag::Open(true),
        _ => Tag::Silent,
    }
}

/// Ruby's `x.each do`, `x.each do |y|`, `x.each_with_index do |y, i|`.
fn ends_with_do(code: &str) -> bool {
    let code = match code.strip_suffix('|') {
        Some(before) => match before.rfind('|') {
            Some(i) => before[..i].trim_end(),
            None => return false,
        },
        None => code,
    };
    code == "do" || code.ends_with(" do") || code.ends_with(")do")
}

/// `[% %]`: Template Toolkit.
fn classify_toolkit(inner: &str) -> Tag {
    if inner.starts_with('#') {
        return Tag::Silent;
    }
    let word = first_word(inner).to_ascii_uppercase();
    match word.as_str() {
        "IF" | "UNLESS" | "FOREACH" | "FOR" | "WHILE" | "SWITCH" | "MACRO" => Tag::Open(true),
        "BLOCK" | "WRAPPER" | "FILTER" => Tag::Open(false),
        "ELSIF" | "ELSE" | "CASE" => Tag::Middle,
        "END" => Tag::Close,
        "INCLUDE" | "PROCESS" | "INSERT" => Tag::Insert,
        "SET" | "CALL" | "DEFAULT" | "USE" => Tag::Silent,
        _ if inner.contains('=') && !inner.contains("==") => Tag::Silent,
        _ => Tag::Expression,
    }
}

/// Whether `start..end` starts its line and only blanks follow it: what it outputs is whole
/// lines. (Indented, it continues the logical line before it, unless `indent_taken`: the tag
/// takes the blanks before it.)
fn alone_on_its_lines(bytes: &[u8], start: usize, end: usize, indent_taken: bool) -> bool {
    let line_end = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |i| end + i);
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let indent = match indent_taken {
        true => bytes[..start]
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count(),
        false => 0,
    };
    let head = start - indent;
    (head == 0 || bytes[head - 1] == b'\n') && bytes[end..line_end].iter().all(blank)
}

/// Whether the line goes on after `at` with anything but blanks.
fn text_follows(bytes: &[u8], at: usize) -> bool {
    bytes[at..]
        .iter()
        .take_while(|&&b| b != b'\n')
        .any(|b| !matches!(b, b' ' | b'\t' | b'\r'))
}

/// Univention's `@!@` ... `@!@` blocks: byte ranges from the first marker line's start to the
/// end of the closing marker line (or of the text).
fn univention_blocks(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut blocks = Vec::new();
    let mut open: Option<usize> = None;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.trim() == "@!@" {
            match open.take() {
                Some(from) => blocks.push(from..start + line.len()),
                None => open = Some(start),
            }
        }
        start += line.len();
    }
    if let Some(from) = open {
        blocks.push(from..bytes.len());
    }
    blocks
}

/// A tag of whole lines (see `holes`).
enum LineTag {
    /// `@!@` ... `@!@`: Python whose output postlint cannot see.
    Univention,
    /// `${VAR}` at a line's head: the line may be commented out.
    Switch,
    /// `% if x:`, `% endif`: what it does to a block.
    Mako(Tag),
}

/// Mako's control lines (`% if rspamd:`, `% endif`, `%for x in y:`; blanks may come before
/// the `%`), with what each does to a block; none when the text has no `% endif`/`% endfor`
/// (`%` at the head of a line is no Postfix text, but one such line alone is not proof).
pub(crate) fn mako_lines(text: &str) -> Vec<(Range<usize>, Tag)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut closers = 0;
    let mut heads = super::line_heads(bytes, b'%').collect::<Vec<_>>();
    // Indented control lines too: `\n  %`, rarer, looked for the same way.
    heads.extend(super::line_heads(bytes, b' ').filter(|&at| {
        let blanks = bytes[at..].iter().take_while(|b| **b == b' ').count();
        bytes.get(at + blanks) == Some(&b'%')
    }));
    heads.sort_unstable();
    heads.dedup();
    for at in heads {
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        let line = text[at..end].trim_start();
        let Some(code) = line.strip_prefix('%') else {
            continue;
        };
        let word: String = code
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let tag = match word.as_str() {
            "if" | "for" | "while" | "try" => Tag::Open(true),
            "elif" | "else" | "except" | "finally" => Tag::Middle,
            "endif" | "endfor" | "endwhile" | "endtry" => {
                closers += 1;
                Tag::Close
            }
            _ => continue,
        };
        found.push((at..end, tag));
    }
    if closers == 0 {
        found.clear();
    }
    found
}

/// The `}` that closes the Mako expression whose `{` is at `open` (nested braces counted), on
/// the same line, within 200 bytes.
fn mako_expression_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open).take(200) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            b'\n' => return None,
            _ => {}
        }
    }
    None
}

/// Shell variables at the head of a line, before blanks and text (`${tmpl_sasl_commentout}
/// -o smtpd_sasl_auth_enable=yes` in a master.cf that envsubst renders, the variable empty or
/// `#`): each switches its line on or off. Postfix has no `$` at the head of a line, in main.cf
/// (a name) or master.cf (a service). Their ranges, in order.
pub(crate) fn line_switches(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    super::line_heads(bytes, b'$')
        .filter_map(|at| {
            let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            line_switch(&text[at..end]).map(|len| at..at + len)
        })
        .collect()
}

/// The length of a `${name}`, `$(name)` or `$name` at the head of `line`, when blanks and
/// text follow it.
fn line_switch(line: &str) -> Option<usize> {
    let rest = line.strip_prefix('$')?;
    let word = |s: &str| {
        s.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count()
    };
    let len = match rest.as_bytes().first()? {
        b'{' | b'(' => {
            let close = if rest.starts_with('{') { '}' } else { ')' };
            let n = word(&rest[1..]);
            (n > 0 && rest[1 + n..].starts_with(close)).then_some(1 + n + 2)?
        }
        _ => {
            let n = word(rest);
            (n > 0 && !rest.as_bytes()[0].is_ascii_digit()).then_some(1 + n)?
        }
    };
    let after = &line[len..];
    let text = after.trim_start_matches([' ', '\t']);
    (after.len() > text.len() && !text.trim().is_empty()).then_some(len)
}

fn count_lines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// Where each line of a text starts (0 first), newline by newline.
pub(super) fn line_starts(bytes: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1))
        .collect()
}

/// Blanks everything outside the kept ranges (in order, not overlapping), newlines kept: a
/// file read out of a script or a YAML file keeps only its own lines, at their places.
pub(super) fn blank_outside(out: &mut [u8], kept: &[Range<usize>]) {
    let mut pos = 0;
    for range in kept {
        blank(out, pos..range.start);
        pos = range.end;
    }
    let len = out.len();
    blank(out, pos..len);
}

/// Blanks a range, newlines kept.
pub(super) fn blank(out: &mut [u8], range: Range<usize>) {
    for b in &mut out[range] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
}

/// Puts a hole marker over a range: on its longest line, the rest blanked.
pub(super) fn fill_hole(out: &mut [u8], range: Range<usize>) {
    let mut best = range.start..range.start;
    let mut from = range.start;
    for i in range.clone() {
        if out[i] == b'\n' {
            if i - from > best.len() {
                best = from..i;
            }
            from = i + 1;
        }
    }
    if range.end - from > best.len() {
        best = from..range.end;
    }
    // Blanks before the marker keep a continuation line one, when the tag continues the text
    // before it. A tag that starts its line starts a logical line as rendered (its output is
    // one line): the marker then starts its line too, whatever the tag's own indent inside.
    let lead = out[best.clone()]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let starts_its_line = range.start == 0 || out[range.start - 1] == b'\n';
    // A tag that continues the text before it and spans lines outputs one piece of that line:
    // the marker goes on its first line, and its other lines are blank (the text after it,
    // on its last line, continues the logical line, as rendered).
    let first_end =
        memchr::memchr(b'\n', &out[range.clone()]).map_or(range.end, |i| range.start + i);
    if !starts_its_line && first_end < range.end && first_end - range.start >= 3 {
        blank(out, range.clone());
        write_marker(out, range.start..first_end);
        return;
    }
    let from = if best.start == range.start || starts_its_line {
        best.start
    } else {
        best.start + lead
    };
    blank(out, range);
    write_marker(out, from..best.end);
}

/// A text for the user with each hole marker (`!TTT!`, what a template expression became)
/// written as the tag it stands for (`shape`, such as `{{…}}`): a service named by an
/// expression reads `smtpd ({{…}}/inet)`, not the marker. None when the text has no marker.
pub fn unmask(text: &str, shape: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'!', &bytes[i..]).map(|o| i + o) {
        let ts = bytes[at + 1..].iter().take_while(|&&b| b == b'T').count();
        let end = at + 1 + ts;
        if ts > 0 && bytes.get(end) == Some(&b'!') {
            out.push_str(&text[copied..at]);
            out.push_str(shape);
            copied = end + 1;
            i = end + 1;
        } else {
            i = at + 1;
        }
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// Whether `text` is one hole marker as [`write_marker`] writes it (`!TTT!`): a template
/// expression, whatever it renders.
pub fn is_marker(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 3
        && b[0] == b'!'
        && b[b.len() - 1] == b'!'
        && b[1..b.len() - 1].iter().all(|&c| c == b'T')
}

/// `!TTT!`: an installer placeholder shape (`parse::placeholder`), at least 3 bytes.
fn write_marker(out: &mut [u8], range: Range<usize>) -> bool {
    if range.len() < 3 {
        return false;
    }
    out[range.start] = b'!';
    out[range.start + 1..range.end - 1].fill(b'T');
    out[range.end - 1] = b'!';
    true
}

/// The flags as 1-based line ranges.
pub(super) fn ranges(flags: &[bool]) -> Vec<Range<u32>> {
    let mut out: Vec<Range<u32>> = Vec::new();
    for (i, _) in flags.iter().enumerate().filter(|(_, &f)| f) {
        let line = i as u32 + 1;
        match out.last_mut() {
            Some(r) if r.end == line => r.end = line + 1,
            _ => out.push(line..line + 1),
        }
    }
    out
}

/// Widens the conditional lines to the whole logical lines they are part of (a service with
/// one conditional `-o` is itself uncertain), and finds main.cf lines whose name is a hole.
pub(super) fn widen(
    text: &str,
    conditional: &mut [bool],
    kind: Kind,
    dynamic: &mut Vec<u32>,
    removed: &[Range<usize>],
) {
    let bytes = text.as_bytes();
    // Where a line starts once the tags at its head are taken out (`Holed::removed`, in
    // order).
    let mut removed = removed.iter().peekable();
    let mut head = |mut start: usize| {
        while let Some(r) = removed.next_if(|r| r.start <= start) {
            if r.start == start {
                start = r.end;
            }
        }
        start
    };
    // The physical lines: (start, end) offsets.
    let mut lines = Vec::with_capacity(conditional.len());
    let mut start = 0;
    for i in memchr::memchr_iter(b'\n', bytes) {
        lines.push((head(start), i));
        start = i + 1;
    }
    lines.push((head(start), bytes.len()));
    let is_content = |(s, e): (usize, usize)| {
        let first = bytes[s..e]
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\r'));
        first.is_some_and(|&b| b != b'#')
    };
    let starts_blank = |(s, _): (usize, usize)| matches!(bytes.get(s), Some(b' ' | b'\t'));
    let mut i = 0;
    while i < lines.len() {
        if !is_content(lines[i]) || starts_blank(lines[i]) {
            i += 1;
            continue;
        }
        // A logical line: this line and the content lines after it that start with blanks.
        let mut members = vec![i];
        let mut j = i + 1;
        while j < lines.len() {
            if is_content(lines[j]) {
                if !starts_blank(lines[j]) {
                    break;
                }
                members.push(j);
            }
            j += 1;
        }
        if kind == Kind::MainCf {
            let (s, e) = lines[i];
            let name_end = bytes[s..e]
                .iter()
                .position(|b| matches!(b, b' ' | b'\t' | b'='))
                .map_or(e, |p| s + p);
            // `{{ k }} = ...`, `<%= m %>_maps = ...`: a name with a hole in it.
            if !crate::parse::placeholder::find(&text[s..name_end]).is_empty() {
                dynamic.push(i as u32 + 1);
            }
        }
        if members.iter().any(|&m| conditional[m]) {
            for &m in &members {
                conditional[m] = true;
            }
        }
        i = j;
    }
}

/// A tag as notes show it: at most 60 characters, on one line.
pub(super) fn shorten(tag: &str) -> String {
    // A tag written across lines reads as one line, its indents as one blank.
    let one_line = match tag.contains('\n') {
        true => tag.split_whitespace().collect::<Vec<_>>().join(" "),
        false => tag.to_string(),
    };
    let one_line: String = one_line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.chars().count() > 60 {
        true => one_line.chars().take(57).collect::<String>() + "...",
        false => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_paths_are_literal_strings_only() {
        use super::include_path;
        assert_eq!(
            include_path("include 'main.cf.d/tls.j2'").as_deref(),
            Some("main.cf.d/tls.j2")
        );
        assert_eq!(
            include_path("include(\"x/y.cf\")").as_deref(),
            Some("x/y.cf")
        );
        assert_eq!(
            include_path("include 'a.j2' ignore missing with context").as_deref(),
            Some("a.j2")
        );
        assert_eq!(include_path("include part_var"), None);
        assert_eq!(include_path("include 'parts/' ~ name"), None);
        assert_eq!(include_path("include ['a.j2', 'b.j2']"), None);
        assert_eq!(include_path("include '{{ x }}.j2'"), None);
        assert_eq!(include_path("extends 'base.j2'"), None);
    }

    #[test]
    fn markers_are_shown_as_tags() {
        assert_eq!(
            unmask("smtpd (!TTTTT!/inet) stops", "{{…}}").as_deref(),
            Some("smtpd ({{…}}/inet) stops")
        );
        assert_eq!(
            unmask("!TTT! !T! x!", "<%= … %>").as_deref(),
            Some("<%= … %> <%= … %> x!")
        );
        // Negations and installer markers stay.
        assert_eq!(unmask("!192.168.0.0/16 !SERVER_IP! !! !TT", "{{…}}"), None);
    }

    fn lines(h: &Holed) -> Vec<u32> {
        h.conditional.iter().flat_map(|r| r.clone()).collect()
    }

    #[test]
    fn expressions_become_holes_of_the_same_length() {
        let text = "# {{ ansible_managed }}\nmyhostname = {{ host }}\nmydomain = example.org\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(h.text.len(), text.len());
        assert_eq!(
            h.text,
            "# !TTTTTTTTTTTTTTTTTTT!\nmyhostname = !TTTTTTTT!\nmydomain = example.org\n"
        );
        assert_eq!(h.expressions.len(), 2);
        assert_eq!(h.expressions[1], (2, "{{ host }}".to_string()));
        assert!(h.conditional.is_empty());
    }

    #[test]
    fn jinja_blocks_make_their_lines_conditional() {
        let text = "a = b\n{% if tls %}\nsmtpd_tls_auth_only = no\n{% else %}\nx = 1\n{% endif %}\nc = d\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(lines(&h), [3, 5]);
        assert_eq!(
            h.text,
            "a = b\n            \nsmtpd_tls_auth_only = no\n          \nx = 1\n           \nc = d\n"
        );
        assert!(lines(&h).contains(&3) && !lines(&h).contains(&4) && !lines(&h).contains(&7));
    }

    #[test]
    fn whitespace_control_and_multi_line_tags() {
        let text = "a = b\n{%- if x -%}\nc = {{\n  d }}\n{%- endif %}\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(lines(&h), [3, 4]);
        assert!(h.text.starts_with("a = b\n"));
        assert_eq!(h.text.len(), text.len());
        assert_eq!(h.text.matches('\n').count(), 5);
    }

    #[test]
    fn an_indented_expression_that_takes_its_indent_is_whole_lines() {
        // amtega/ansible_role_postfix: every line of main.cf is `{{- name ~ ' = ' ~ value }}`.
        let text = "{% for p, v in params %}\n  {% if p %}\n      {{- p ~ ' = ' ~ v }} \n  {% endif %}\n{% endfor %}\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(h.inserts.len(), 1, "{h:?}");
        assert!(h.is_open_ended());
        // Without `-` the indent stays: the output continues the line above.
        let text = "a = b\n    {{ more }}\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert!(h.inserts.is_empty() && h.expressions.len() == 1, "{h:?}");
        // With text before it on its line, it is a value.
        let text = "a = {{- b }}\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert!(h.inserts.is_empty() && h.expressions.len() == 1, "{h:?}");
    }

    /// An expression alone on its line (a macro call that writes parameters) inserts lines
    /// postlint cannot see, and is a template expression too: the summary's count has it
    /// (survey AD3 said "2 template expressions" of a main.cf made of 5). An include and
    /// Ansible's `comment` filter are not expressions left unknown.
    #[test]
    fn expressions_alone_on_their_lines_are_counted() {
        let text = "{% macro set(p, v) -%}\n{{ p }} = {{ v }}\n{%- endmacro -%}\n\
                    {{ set('biff', 'no') }}\n{{ set('smtpd_use_tls', 'yes') }}\n\
                    {% include 'extra.cf' %}\n{{ ansible_managed | comment }}\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(h.expressions.len(), 2, "{h:?}");
        assert_eq!(h.inserts.len(), 3, "{h:?}");
        assert_eq!(h.inserted_expressions, 2, "{h:?}");
    }

    /// The text the parsers read: the holed text with the removed tags taken out.
    fn read_as(h: &Holed) -> String {
        let removed: Vec<_> = h
            .removed
            .iter()
            .map(|r| (r.clone(), String::new()))
            .collect();
        crate::template::substitute(&h.text, &removed).0
    }

    #[test]
    fn tags_that_output_nothing_at_the_start_of_a_line_are_taken_out() {
        let text = "a = 3.6\n{% set x = 1 %}{# note #}myhostname = mail.example.com\n\
                    b = c\n    {% if y %}indented = 1{% endif %}\n{%- if z %}joined = 1\n\
                    {% endif %}\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(h.text.len(), text.len());
        let read = read_as(&h);
        assert!(read.contains("\nmyhostname = mail.example.com\n"), "{read}");
        // Indented, the tag's line continues the one above, as rendered; `{%-` joins it too.
        assert!(read.contains("\n    "), "{read}");
        assert!(read.contains("\n           joined = 1\n"), "{read}");
        assert_eq!(h.removed.len(), 2);
        // ERB's `<%-` takes its indent: the name that follows is the line's.
        let text = "<% @p.each do |k, v| -%>\n  <%- if v -%><%= k %> = <%= v %>\n  <%- end -%>\n<% end -%>\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(h.dynamic_names, [2]);
        assert!(
            read_as(&h).contains("\n!TTTTTT! = !TTTTTT!\n"),
            "{}",
            read_as(&h)
        );
    }

    #[test]
    fn a_tag_across_lines_after_text_puts_its_marker_on_its_first_line() {
        let text =
            "# {{ \"%-16s %s\" | format(\n  \"service\", \"type\") }}\nsmtp inet n - y - - smtpd\n";
        let h = holes(text, Kind::MasterCf, false, None).unwrap();
        let mut lines = h.text.lines();
        assert!(lines.next().unwrap().starts_with("# !TTT"));
        assert_eq!(lines.next().unwrap().trim(), "");
        assert_eq!(lines.next(), Some("smtp inet n - y - - smtpd"));
    }

    #[test]
    fn a_conditional_continuation_makes_the_logical_line_conditional() {
        let text =
            "mynetworks = 127.0.0.0/8\n{% for n in nets %}\n    {{ n }}\n{% endfor %}\nx = y\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(lines(&h), [1, 3]);
        assert!(h.text.starts_with("mynetworks = 127.0.0.0/8\n"));
        assert!(h.text.contains("\n    !TTTTT!\n"));
    }

    #[test]
    fn erb_and_epp() {
        let text = "relayhost = <%= @relay %>\n<% if @tls -%>\nsmtpd_tls_cert_file = /x\n<% end -%>\n<% @maps.each do |m| -%>\n<%= m %> OK\n<% end -%>\n<% if $x { -%>\ny = z\n<% } -%>\nlast = 1\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(lines(&h), [3, 6, 9]);
        assert!(h.text.starts_with("relayhost = !TTTTTTTTTTT!\n"));
        assert!(!lines(&h).contains(&11));
        // A one-line conditional closes itself; a modifier `if` opens nothing.
        let h = holes(
            "<% if a then b end %>\n<% x if y %>\nc = d\n",
            Kind::MainCf,
            false,
            None,
        )
        .unwrap();
        assert!(h.conditional.is_empty());
    }

    #[test]
    fn go_mustache_and_toolkit() {
        let text = "a = {{ .Env.X }}\n{{ if .TLS }}\nb = c\n{{ else }}\nb = d\n{{ end }}\n{{#relay}}\nrelayhost = {{relay}}\n{{/relay}}\n{{! comment }}\n[% IF x %]\ne = f\n[% END %]\ng = h\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(lines(&h), [3, 5, 8, 12]);
        assert!(!lines(&h).contains(&14));
        assert_eq!(h.expressions.len(), 2);
    }

    #[test]
    fn a_right_chomping_tag_takes_the_next_lines_indent() {
        let text = "{% if a -%}\n  compatibility_level = 3.6\n{% endif %}\n\
                    {%- if b %}\n  x = y\n{% endif %}\n";
        let holed = holes(text, Kind::MainCf, false, None).unwrap();
        let (rendered, _) = crate::template::substitute(&holed.text, &holed.replacements());
        let lines: Vec<&str> = rendered.lines().collect();
        // The line under `-%}` starts its line; the one under a tag that keeps the line
        // break stays a continuation, as Jinja renders it.
        assert_eq!(lines[1], "compatibility_level = 3.6", "{rendered:?}");
        assert_eq!(lines[4], "  x = y", "{rendered:?}");
        assert_eq!(holed.conditional, vec![2..3, 5..6]);
    }

    /// Ansible's header idiom outputs comment lines only; another style, or the filter in the
    /// middle of a pipeline, may output anything.
    #[test]
    fn the_comment_filter_outputs_comments() {
        for header in [
            "{{ ansible_managed | comment }}",
            "{{ansible_managed|comment()}}",
            "{{ ansible_managed | comment('plain') }}",
            "{{- ansible_managed | comment -}}",
        ] {
            let h = holes(
                &format!("{header}\nmyhostname = a\n"),
                Kind::MainCf,
                false,
                None,
            )
            .unwrap();
            assert!(
                h.inserts.is_empty() && h.expressions.is_empty(),
                "{header}: {h:?}"
            );
            assert!(!h.is_open_ended(), "{header}");
            assert!(h.text.contains("myhostname = a"), "{header}");
        }
        for other in [
            "{{ ansible_managed | comment('c') }}",
            "{{ ansible_managed | comment | indent(2) }}",
            "{{ extra_settings }}",
        ] {
            let h = holes(
                &format!("{other}\nmyhostname = a\n"),
                Kind::MainCf,
                false,
                None,
            )
            .unwrap();
            assert_eq!(h.inserts.len(), 1, "{other}: {h:?}");
        }
    }

    #[test]
    fn inserts_raw_and_postfix_braces() {
        let text = "{% include 'extra.cf' %}\nx = inline:{{a=b}}\n{% raw %}y = {{ literal }}{% endraw %}\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(h.inserts, [(1, "{% include 'extra.cf' %}".to_string())]);
        assert!(h.text.contains("x = inline:{{a=b}}\n"));
        assert!(h.text.contains("y = {{ literal }}"));
        assert!(h.expressions.is_empty());
        // `hash:<%= @x %>`: the `=` of ERB's output tag makes no inline table.
        let h = holes("a = hash:<%= @x %>\n", Kind::MainCf, false, None).unwrap();
        assert_eq!(h.expressions.len(), 1);
        assert!(!h.text.contains("<%"), "{}", h.text);
    }

    #[test]
    fn dynamic_names_and_unbalanced_closers() {
        let text = "{% for k, v in opts.items() %}\n{{ k }} = {{ v }}\n{% endfor %}\n";
        let h = holes(text, Kind::MainCf, false, None).unwrap();
        assert_eq!(h.dynamic_names, [2]);
        let h = holes("a = b\n{% endif %}\nc = d\n", Kind::MainCf, false, None).unwrap();
        assert_eq!(h.unbalanced, Some(2));
        assert_eq!(lines(&h), [3]);
    }

    #[test]
    fn master_cf_overrides_in_a_block_make_the_service_conditional() {
        let text = "submission inet n - y - - smtpd\n{% if auth %}\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_tls_auth_only=no\n{% endif %}\n";
        let h = holes(text, Kind::MasterCf, false, None).unwrap();
        assert_eq!(lines(&h), [1, 3, 4]);
        assert!(h.text.contains("-o smtpd_sasl_auth_enable=yes\n"));
    }

    #[test]
    fn a_toggled_line_keeps_its_values_as_holes() {
        // Found by the fuzzer: the toggle moves the line left, so a value found on it no longer
        // sits at its tag.
        let vars = Vars::from_yaml("d: ö-value\n");
        let text = "%{flag}x = ö {{ d }} y\nz = {{ d }}\n";
        let h = holes(text, Kind::MainCf, true, Some(&vars)).unwrap();
        assert_eq!(h.substitutions.len(), 1);
        assert_eq!(h.substitutions[0].0.start, text.find("{{ d }}\n").unwrap());
        let (out, _) = crate::template::substitute(&h.text, &h.substitutions);
        assert!(out.ends_with("z = ö-value\n"), "{out}");
    }

    #[test]
    fn plain_text_is_no_template_and_unclosed_openers_stay_linear() {
        assert!(holes("a = b\n", Kind::MainCf, false, None).is_none());
        let text = format!("a = {}\n", "x{{ {".repeat(100_000));
        assert!(holes(&text, Kind::MainCf, false, None).is_none());
        let text = format!("a = {}\n", "{%x".repeat(100_000));
        assert!(holes(&text, Kind::MainCf, false, None).is_none());
        // Tags that output nothing, 100k on one line: each looks back only at its blanks.
        for tag in ["{% set x %} ", "<%- x %>  "] {
            let text = format!("{}a = b\n", tag.repeat(100_000));
            let h = holes(&text, Kind::MainCf, false, None).unwrap();
            assert_eq!(h.text.len(), text.len());
        }
    }
}
