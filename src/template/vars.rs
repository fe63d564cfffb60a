//! `--template-vars FILE`: the default values a repository ships for its templates (an Ansible
//! role's `defaults/main.yml`, a Salt `pillar.example`, Puppet data in YAML or JSON), so that
//! simple expressions become known values. Only lookups are evaluated: a name, a path into
//! the data (`a.b`, `a['b']`, `.Values.a`, Salt's `pillar.get('a:b', 'x')` and
//! `pillar['a']['b']`), `default(...)`
//! and `join(...)`. Anything else stays a hole: postlint never runs template code.

use serde_json::Value;

/// The variables of every `--template-vars` file, later files winning key by key.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    root: serde_json::Map<String, Value>,
    /// What the user should know about how the files were read (a file read without its
    /// Jinja tags).
    pub notes: Vec<String>,
    /// Files left out: a Jinja template that is not YAML once its tags are left out.
    pub warnings: Vec<String>,
    /// A file was left out: a name the others do not give may be one it gives, so it is
    /// unknown rather than missing (`default('x')` does not apply).
    partial: bool,
}

impl Vars {
    /// Reads YAML or JSON files (JSON is read as YAML, which it is, save for edge cases
    /// serde_json settles: `.json` files go through serde_json). Each must hold a mapping.
    /// A file that is not YAML is an error, unless it is a Jinja template (a Salt pillar):
    /// Salt renders those before it reads them, and one postlint cannot read without its tags
    /// is left out with a warning.
    pub fn load(paths: &[std::path::PathBuf]) -> Result<Vars, String> {
        let mut vars = Vars::default();
        for path in paths {
            // As every file postlint reads: never blocking on a FIFO, never past the size limit.
            let text =
                crate::fsread::read_text(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let is_json = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            let value: Value = match is_json {
                true => {
                    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
                }
                false => match serde_norway::from_str(&yaml11_booleans(&text)) {
                    Ok(value) => value,
                    // Salt's defaults.yaml and pillar files are Jinja before they are YAML
                    // (`{% load_yaml as map %}`, `'{{ grains['fqdn'] }}': REJECT`).
                    Err(e) => {
                        let text = yaml11_booleans(&text);
                        let Some(read) = without_jinja(&text) else {
                            return Err(format!("{}: {e}", path.display()));
                        };
                        match read.value() {
                            Ok(value @ (Value::Object(_) | Value::Null)) => {
                                vars.notes.push(format!(
                                    "{}: read as YAML with its Jinja tags left out; the values \
                                     they make and the keys set inside their blocks stay unknown",
                                    path.display()
                                ));
                                value
                            }
                            Ok(_) => {
                                vars.skip(path, "it is not a mapping of names to values");
                                continue;
                            }
                            Err(why) => {
                                vars.skip(path, &why);
                                continue;
                            }
                        }
                    }
                },
            };
            match value {
                Value::Object(map) => vars.root.extend(map),
                // An empty YAML file.
                Value::Null => {}
                _ => {
                    return Err(format!(
                        "{}: template variables must be a mapping of names to values",
                        path.display()
                    ))
                }
            }
        }
        Ok(vars)
    }

    /// Leaves out a Jinja variables file postlint cannot read without its tags.
    fn skip(&mut self, path: &std::path::Path, why: &str) {
        self.warnings.push(format!(
            "{}: skipped: with its Jinja tags left out, {why}; the values it gives stay unknown",
            path.display()
        ));
        self.partial = true;
    }

    /// Vars from YAML text, for tests.
    pub fn from_yaml(text: &str) -> Vars {
        match serde_norway::from_str(&yaml11_booleans(text)) {
            Ok(Value::Object(root)) => Vars {
                root,
                ..Vars::default()
            },
            _ => Vars::default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    /// The value of an expression, when it is a lookup postlint can do and gives a scalar (or a
    /// list joined), on one line.
    pub fn eval(&self, open: &[u8], inner: &str) -> Option<String> {
        let inner = inner.trim();
        let value = match open {
            b"{{" | b"{{{" => self.eval_braces(inner),
            b"<%" => {
                let code = inner.strip_prefix('=')?.trim_start_matches('=').trim();
                self.eval_erb(code)
            }
            b"%" => self.lookup(&[inner]).and_then(scalar),
            _ => None,
        }?;
        // Ansible renders a variable's value as a template in turn; Go templates (Helm),
        // ERB and Hiera data do not, and there a `{{` stays text Postfix would get.
        let jinja = matches!(open, b"{{" | b"{{{") && !inner.starts_with('.');
        let value = self.nested(value, jinja)?;
        (!value.contains(['\n', '\r', '\0'])).then_some(value)
    }

    /// A value that is itself a template (an Ansible default `"{{ ansible_fqdn }}"`, a Hiera
    /// `"%{facts.fqdn}"`). In Jinja its `{{ name }}` lookups are done in turn, as Ansible
    /// resolves variables recursively, while they are lookups postlint can do (a fact or any
    /// other expression leaves the whole value unknown). None when template syntax remains:
    /// taken as text, it is a value Postfix never sees.
    fn nested(&self, mut value: String, jinja: bool) -> Option<String> {
        // Enough for chains of defaults; a variable that names itself stops here.
        const DEPTH: usize = 8;
        const LONGEST: usize = 4096;
        for _ in 0..if jinja { DEPTH } else { 0 } {
            let Some(open) = value.find("{{") else {
                break;
            };
            let close = open + value[open..].find("}}")?;
            let inner = self.eval_braces(value[open + 2..close].trim())?;
            value.replace_range(open..close + 2, &inner);
            if value.len() > LONGEST {
                return None;
            }
        }
        // `__JINJA1__`, `__JINJA__`: what tags `without_jinja` took out of the variables file
        // made.
        const SYNTAX: [&str; 7] = ["{{", "}}", "{%", "{#", "<%", "%{", JINJA_MARKER];
        (!SYNTAX.iter().any(|s| value.contains(s))).then_some(value)
    }

    /// Whether an `if` tag's condition holds with these values: `{% if name %}`, `{% if a.b
    /// %}`, `{% if name is defined %}`, Go's `{{ if .Values.x }}`, a lookup whose value is
    /// true whichever way YAML read it (`no`, `off`, `false` and `0` as text may be YAML 1.1's
    /// false, as Ansible reads them: not true here). False when the condition does not hold,
    /// is not such a lookup, or names what the files do not give.
    pub fn condition_holds(&self, open: &[u8], inner: &str) -> bool {
        if !matches!(open, b"{%" | b"{{") {
            return false;
        }
        let Some(condition) = inner.trim().strip_prefix("if ") else {
            return false;
        };
        let condition = condition.trim();
        let (expr, defined) = match condition.strip_suffix("is defined") {
            Some(expr) => (expr.trim(), true),
            None => (condition, false),
        };
        let Some(parts) = self.path_parts(expr) else {
            return false;
        };
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        match self.lookup_any(&parts) {
            None => false,
            // Set inside a block, or by an expression, of a Jinja variables file.
            Some(value) if made_by_jinja(value) => false,
            Some(_) if defined => true,
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_f64().is_some_and(|n| n != 0.0),
            Some(Value::String(text)) => {
                let text = text.trim();
                !text.is_empty()
                    && !["no", "n", "off", "false", "0"]
                        .iter()
                        .any(|f| text.eq_ignore_ascii_case(f))
                    && !["{{", "{%"].iter().any(|t| text.contains(t))
            }
            Some(Value::Array(items)) => !items.is_empty(),
            Some(Value::Object(map)) => !map.is_empty(),
            Some(Value::Null) => false,
        }
    }

    /// The path of a lookup (`a.b`, `a['b']`, `.Values.a`, `pillar['a']`), as the data holds it:
    /// Helm's `.Values` and Salt's `pillar` are the file's mapping itself.
    fn path_parts(&self, head: &str) -> Option<Vec<String>> {
        let mut parts = parse_path(head.strip_prefix('.').unwrap_or(head))?;
        if parts.len() > 1 && parts[0] == "pillar" && !self.root.contains_key("pillar") {
            parts.remove(0);
        }
        if parts.len() > 1
            && parts[0] == "Values"
            && head.starts_with('.')
            && !self.root.contains_key("Values")
        {
            parts.remove(0);
        }
        Some(parts)
    }

    /// `{{ name }}`, `{{ a.b }}`, `{{ a['b'] }}`, `{{ x | default('y') }}`, `{{ xs | join(', ') }}`,
    /// Go's `{{ .A.B }}`, Salt's `{{ salt['pillar.get']('a:b', 'x') }}`.
    fn eval_braces(&self, inner: &str) -> Option<String> {
        let mut stages = split_pipes(inner).into_iter();
        let head = stages.next()?.trim();
        let mut value = match salt_pillar_get(head) {
            Some((path, default)) => {
                let parts: Vec<&str> = path.split(':').collect();
                self.lookup_filled(&parts)?
                    .cloned()
                    .or(default.map(Value::String))
            }
            None => {
                // Salt's `pillar['postfix']['relayhost']` and Helm's `.Values.relayhost`: the
                // file's mapping is the pillar, the chart's values.
                let path = self.path_parts(head)?;
                let parts: Vec<&str> = path.iter().map(String::as_str).collect();
                self.lookup_filled(&parts)?.cloned()
            }
        };
        for stage in stages {
            let stage = stage.trim();
            let (filter, arg) = match stage.split_once('(') {
                Some((name, rest)) => (name.trim(), Some(string_literal(rest.strip_suffix(')')?)?)),
                None => (stage, None),
            };
            value = match filter {
                "default" | "d" => match value {
                    Some(Value::Null) | None => Some(Value::String(arg?)),
                    v => v,
                },
                "join" => match value? {
                    Value::Array(items) => Some(Value::String(
                        items
                            .iter()
                            .map(scalar)
                            .collect::<Option<Vec<String>>>()?
                            .join(&arg.unwrap_or_default()),
                    )),
                    _ => return None,
                },
                "string" | "trim" => Some(Value::String(scalar(&value?)?.trim().to_string())),
                "lower" => Some(Value::String(scalar(&value?)?.to_lowercase())),
                _ => return None,
            };
        }
        scalar(&value?)
    }

    /// `<%= @name %>`, `<%= name %>`, EPP's `<%= $name %>`, `<%= @list.join(', ') %>`.
    fn eval_erb(&self, code: &str) -> Option<String> {
        let code = code.trim();
        let (target, join) = match code.split_once(".join(") {
            Some((target, rest)) => (target, Some(string_literal(rest.strip_suffix(')')?)?)),
            None => (code, None),
        };
        let name = target
            .strip_prefix('@')
            .or_else(|| target.strip_prefix('$'))
            .unwrap_or(target);
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        // Puppet data is keyed `module::name`; a class parameter is the name alone.
        let value = self.lookup(&[name]).or_else(|| {
            let suffix = format!("::{name}");
            let mut found = self.root.iter().filter(|(k, _)| k.ends_with(&suffix));
            let first = found.next();
            // Two modules' keys of one name: which one is meant is unknown.
            first.filter(|_| found.next().is_none()).map(|(_, v)| v)
        })?;
        if is_placeholder(value) {
            return None;
        }
        match (value, join) {
            (Value::Array(items), Some(sep)) => Some(
                items
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<String>>>()?
                    .join(&sep),
            ),
            (value, None) => scalar(value),
            _ => None,
        }
    }

    /// The value at `path`. An empty text is a role's "required" placeholder
    /// (`postfix_myhostname: ""`, checked by an assert task) more often than the value the
    /// play runs with: unknown, as a missing name is. (An empty list is a value: `[]` joined
    /// is empty.)
    fn lookup(&self, path: &[&str]) -> Option<&Value> {
        self.lookup_filled(path).flatten()
    }

    /// [`Vars::lookup`] for an expression that filters its value (`| default('x')` applies
    /// to a missing name only): None when the value is an empty text, a placeholder whatever
    /// the filters do; Some(None) when the name is missing.
    fn lookup_filled(&self, path: &[&str]) -> Option<Option<&Value>> {
        match self.lookup_any(path) {
            Some(value) if is_placeholder(value) => None,
            // A file postlint left out may give it.
            None if self.partial => None,
            found => Some(found),
        }
    }

    fn lookup_any(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let mut value = self.root.get(*first)?;
        for part in rest {
            value = match value {
                Value::Object(map) => map.get(*part)?,
                Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
                // What is under a value Jinja made is unknown, not missing.
                value if made_by_jinja(value) => return Some(value),
                _ => return None,
            };
        }
        Some(value)
    }
}

/// What marks a value Jinja made in a variables file read without its tags: `__JINJA1__`
/// for an expression's output (numbered, so that two keys made by expressions stay two), and
/// [`SET_IN_A_BLOCK`]. An installer placeholder's shape: a value that holds one is unknown.
const JINJA_MARKER: &str = "__JINJA";

/// The value of a key set inside an `{% if %}` or `{% for %}` block, or on a line with a
/// statement tag: whether it is set, and to what, is unknown.
const SET_IN_A_BLOCK: &str = "__JINJA__";

/// Whether a value is, or holds, the output of a Jinja tag left out of a variables file.
fn made_by_jinja(value: &Value) -> bool {
    matches!(value, Value::String(text) if text.contains(JINJA_MARKER))
}

/// A YAML file that is a Jinja template too (a Salt pillar), read without its tags.
#[derive(Debug)]
struct WithoutJinja {
    /// The text with every tag left out: a statement (`{% if %}`, `{% set %}`, anywhere on
    /// its line) or a comment becomes nothing, an expression a marker of its own
    /// (`__JINJA1__`), and the body of a `macro` or of a `set` block, which is not output
    /// where it stands, blanks. Newlines are kept, so that YAML's errors keep their line
    /// numbers.
    text: String,
    /// `text` with the lines whose output is not certain blanked: those inside an `if`,
    /// `for` (or `call`, `filter`) block, and those that share their line with a statement
    /// tag (`size: {% if big %}50M{% else %}10M{% endif %}`). None when there is none.
    certain: Option<String>,
}

impl WithoutJinja {
    /// The file's values: what the lines not certain set is unknown ([`SET_IN_A_BLOCK`]). Err
    /// says why YAML cannot read it.
    fn value(&self) -> Result<Value, String> {
        let mut value: Value =
            serde_norway::from_str(&self.text).map_err(|e| format!("it is not YAML ({e})"))?;
        let Some(certain) = &self.certain else {
            return Ok(value);
        };
        let certain: Value = serde_norway::from_str(certain).map_err(|e| {
            format!("the lines outside its `if` and `for` blocks are not YAML alone ({e})")
        })?;
        if let Value::Object(all) = &mut value {
            let empty = serde_json::Map::new();
            let certain = match &certain {
                Value::Object(map) => map,
                _ => &empty,
            };
            unknown_unless_certain(all, certain);
        }
        Ok(value)
    }
}

/// Marks unknown each value of `all` that `certain` (the same file without its lines that
/// are not certain) lacks or gives otherwise: it is set, or set so, only by such lines (two
/// branches of an `if` setting one key read as that key twice, the last one winning). A
/// mapping both hold is compared key by key; any other value is marked whole, with all under
/// it. Each value is visited once.
fn unknown_unless_certain(
    all: &mut serde_json::Map<String, Value>,
    certain: &serde_json::Map<String, Value>,
) {
    for (key, value) in all.iter_mut() {
        match (value, certain.get(key)) {
            (Value::Object(inner), Some(Value::Object(sure))) => {
                unknown_unless_certain(inner, sure)
            }
            (value, Some(sure)) if value == sure => {}
            (value, _) => *value = Value::String(SET_IN_A_BLOCK.to_string()),
        }
    }
}

/// What a block's body is, read as part of a variables file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    /// Output once as written: `with`, `block`, `raw`, and Salt's `load_yaml`, in which a
    /// formula's defaults.yaml holds its data.
    AsWritten,
    /// Output or not, repeated (`if`, `for`) or changed (`call`, `filter`): what its lines
    /// set is unknown.
    Maybe,
    /// Not output where it stands: a `macro`, a `set` block.
    Hidden,
}

/// The body of the block a Jinja statement opens, None when it opens none.
fn body_opened(inner: &str) -> Option<Body> {
    use super::holes::{classify_jinja, first_word, Tag};
    match classify_jinja(inner) {
        Tag::Open(_) | Tag::Raw => Some(match first_word(inner) {
            "macro" | "set" => Body::Hidden,
            "load_yaml" | "load_json" | "load_text" | "with" | "block" | "autoescape" | "raw" => {
                Body::AsWritten
            }
            _ => Body::Maybe,
        }),
        _ => None,
    }
}

/// The two texts of [`WithoutJinja`], written a line at a time.
#[derive(Default)]
struct Writer {
    text: String,
    certain: String,
    /// Where the current line starts in `certain`.
    line_start: usize,
    /// The current line has output other than blanks.
    has_output: bool,
    /// The current line holds a statement tag.
    has_statement: bool,
    /// The current line has output inside a `Maybe` block.
    has_maybe: bool,
    any_blanked: bool,
}

impl Writer {
    /// Output of one line (no newline), inside a `Maybe` block or not.
    fn output(&mut self, piece: &str, maybe: bool) {
        self.text.push_str(piece);
        self.certain.push_str(piece);
        if piece.bytes().any(|b| !matches!(b, b' ' | b'\t' | b'\r')) {
            self.has_output = true;
            self.has_maybe |= maybe;
        }
    }

    /// Ends the current line: in `certain`, its output is taken out when it is not certain.
    fn end_line(&mut self) {
        if self.has_output && (self.has_statement || self.has_maybe) {
            self.certain.truncate(self.line_start);
            self.any_blanked = true;
        }
        self.has_output = false;
        self.has_statement = false;
        self.has_maybe = false;
    }

    fn newline(&mut self) {
        self.end_line();
        self.text.push('\n');
        self.certain.push('\n');
        self.line_start = self.certain.len();
    }

    /// Text as written, over any number of lines; only its newlines when `hidden`.
    fn lines(&mut self, text: &str, maybe: bool, hidden: bool) {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.newline();
            }
            if !hidden {
                self.output(line, maybe);
            }
        }
    }

    /// The newlines of a tag; `statement` marks each of its lines.
    fn tag(&mut self, tag: &str, statement: bool) {
        self.has_statement |= statement;
        for _ in memchr::memchr_iter(b'\n', tag.as_bytes()) {
            self.newline();
            self.has_statement |= statement;
        }
    }
}

/// A YAML file that is a Jinja template too, made readable ([`WithoutJinja`]). None when the
/// text has no Jinja tag, or a tag without its closer.
fn without_jinja(text: &str) -> Option<WithoutJinja> {
    let mut out = Writer::default();
    // The blocks open, and how many of them are `Maybe` and `Hidden`: one look per tag.
    let mut blocks: Vec<Body> = Vec::new();
    let (mut maybe, mut hidden) = (0usize, 0usize);
    let mut markers = 0;
    let mut rest = text;
    // Each byte is looked at a bounded number of times: the next `{` by memchr, the closer
    // once, the output once more for its blanks (a hostile file of one long line full of tags
    // stays linear).
    while let Some(open) = next_opener(rest) {
        let close = match &rest[open..open + 2] {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        let end = open + 2 + rest[open + 2..].find(close)? + 2;
        out.lines(&rest[..open], maybe > 0, hidden > 0);
        let tag = &rest[open..end];
        match close {
            "}}" if hidden == 0 => {
                markers += 1;
                out.output(&format!("{JINJA_MARKER}{markers}__"), maybe > 0);
                out.tag(tag, false);
            }
            "%}" => {
                out.tag(tag, true);
                let inner = super::holes::trim_control(&tag[2..tag.len() - 2]);
                if let Some(body) = body_opened(inner) {
                    blocks.push(body);
                    maybe += usize::from(body == Body::Maybe);
                    hidden += usize::from(body == Body::Hidden);
                } else if super::holes::first_word(inner).starts_with("end") {
                    // A closer without its opener closes nothing.
                    match blocks.pop() {
                        Some(Body::Maybe) => maybe -= 1,
                        Some(Body::Hidden) => hidden -= 1,
                        _ => {}
                    }
                }
            }
            // A comment, or an expression inside a macro: nothing.
            _ => out.tag(tag, false),
        }
        rest = &rest[end..];
        if out.text.len() > 4 * text.len() + 64 {
            return None;
        }
    }
    if rest.len() == text.len() {
        return None;
    }
    out.lines(rest, maybe > 0, hidden > 0);
    out.end_line();
    Some(WithoutJinja {
        certain: out.any_blanked.then_some(out.certain),
        text: out.text,
    })
}

/// The YAML 1.1 booleans PyYAML resolves a plain scalar to (Ansible and Salt read their
/// variables with it, Puppet's hiera with Ruby's Psych, alike here), which YAML 1.2 reads as
/// text: `enabled: yes` is True to Ansible, and `{{ enabled }}` prints `True`.
const YAML11_BOOLEANS: [(&str, bool); 12] = [
    ("yes", true),
    ("Yes", true),
    ("YES", true),
    ("on", true),
    ("On", true),
    ("ON", true),
    ("no", false),
    ("No", false),
    ("NO", false),
    ("off", false),
    ("Off", false),
    ("OFF", false),
];

/// YAML text with each unquoted YAML 1.1 boolean value of a block mapping or sequence
/// (`key: yes`, `- off`) written as YAML 1.2's `true` or `false`, so that the parser, which
/// reads YAML 1.2, gives what Ansible reads. Quoted values and the lines of block scalars
/// (`key: |`) are left as they are.
fn yaml11_booleans(text: &str) -> std::borrow::Cow<'_, str> {
    let indent_of = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let mut out = String::new();
    let mut copied = 0;
    // The indentation of the line that opened a block scalar: deeper lines are its text.
    let mut block: Option<usize> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            continue;
        }
        let indent = indent_of(content);
        match block {
            Some(opened) if indent > opened => continue,
            _ => block = None,
        }
        // The value: after `key: ` (a plain key) or after the `- ` of a sequence item.
        let mut rest = &content[indent..];
        while let Some(item) = rest.strip_prefix("- ") {
            rest = item.trim_start_matches(' ');
        }
        let value = match rest.find(": ") {
            Some(colon) if !rest[..colon].contains(['"', '\'', '#', '{', '[']) => {
                rest[colon + 2..].trim_start_matches(' ')
            }
            _ if rest.len() < content[indent..].len() => rest,
            _ => continue,
        };
        let value = match value.find(" #") {
            Some(comment) => &value[..comment],
            None => value,
        }
        .trim_end();
        if value.starts_with(['|', '>']) {
            block = Some(indent);
            continue;
        }
        let Some(&(_, truth)) = YAML11_BOOLEANS.iter().find(|(word, _)| *word == value) else {
            continue;
        };
        // The value's place in the text, written again as YAML 1.2 spells it.
        let offset = start + (value.as_ptr() as usize - line.as_ptr() as usize);
        out.push_str(&text[copied..offset]);
        out.push_str(if truth { "true" } else { "false" });
        copied = offset + value.len();
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Where the next Jinja tag opens (`{{`, `{%`, `{#`).
fn next_opener(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'{', bytes)
        .find(|&at| matches!(bytes.get(at + 1), Some(b'{' | b'%' | b'#')))
}

/// A value as a template prints it: strings as they are, numbers, booleans as Jinja does.
/// Lists, mappings and null are not one value.
/// An empty text: a "required" value the play fills in, not the value it runs with.
fn is_placeholder(value: &Value) -> bool {
    matches!(value, Value::String(s) if s.trim().is_empty())
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("True".to_string()),
        Value::Bool(false) => Some("False".to_string()),
        _ => None,
    }
}

/// The stages of a Jinja pipeline, `|` inside string literals kept.
fn split_pipes(text: &str) -> Vec<&str> {
    let mut stages = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '|') => {
                stages.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    stages.push(&text[start..]);
    stages
}

/// `a.b.c`, `a['b']["c"]`, `a[0]`: the parts, or None for anything else.
fn parse_path(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut rest = text;
    let word_len = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    let n = word_len(rest);
    if n == 0 {
        return None;
    }
    parts.push(rest[..n].to_string());
    rest = &rest[n..];
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let n = word_len(after);
            if n == 0 {
                return None;
            }
            parts.push(after[..n].to_string());
            rest = &after[n..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']')?;
            let index = after[..close].trim();
            parts.push(match string_literal(index) {
                Some(key) => key,
                None if index.chars().all(|c| c.is_ascii_digit()) && !index.is_empty() => {
                    index.to_string()
                }
                None => return None,
            });
            rest = &after[close + 1..];
        } else {
            return None;
        }
    }
    Some(parts)
}

/// `'text'` or `"text"` (no escapes), trimmed.
fn string_literal(text: &str) -> Option<String> {
    let text = text.trim();
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains('\\')).then(|| inner.to_string())
}

/// Salt's `salt['pillar.get']('a:b', 'default')` and `pillar.get('a:b')`: the path and the
/// default.
fn salt_pillar_get(text: &str) -> Option<(String, Option<String>)> {
    let args = text
        .strip_prefix("salt['pillar.get'](")
        .or_else(|| text.strip_prefix("salt[\"pillar.get\"]("))
        .or_else(|| text.strip_prefix("pillar.get("))?
        .strip_suffix(')')?;
    let mut args = args.splitn(2, ',');
    let path = string_literal(args.next()?)?;
    let default = match args.next() {
        Some(arg) => Some(string_literal(arg)?),
        None => None,
    };
    Some((path, default))
}

#[cfg(test)]
mod tests {
    #[test]
    fn yaml_1_1_booleans_are_read_as_ansible_reads_them() {
        let text = "a: yes\nb: 'yes'\nc: No # off\nd:\n  - on\n  - \"off\"\ne: |\n  f: yes\ng: yesterday\nh: [yes]\n";
        let read = yaml11_booleans(text);
        assert_eq!(
            read,
            "a: true\nb: 'yes'\nc: false # off\nd:\n  - true\n  - \"off\"\ne: |\n  f: yes\ng: yesterday\nh: [yes]\n"
        );
        let vars = Vars::from_yaml(text);
        assert_eq!(vars.root["a"], serde_json::Value::Bool(true));
        assert_eq!(vars.root["b"], serde_json::Value::String("yes".into()));
        assert_eq!(vars.root["e"], serde_json::Value::String("f: yes\n".into()));
        assert!(matches!(
            yaml11_booleans("a: 1\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    use super::*;

    fn vars() -> Vars {
        Vars::from_yaml(
            "postfix_hostname: mail.example.org\n\
             postfix_port: 587\n\
             postfix_tls: true\n\
             postfix_networks: ['127.0.0.0/8', '10.0.0.0/8']\n\
             postfix:\n  relay:\n    host: smtp.example.net\n\
             empty: null\n\
             mail::relayhost: '[smtp.example.net]:587'\n",
        )
    }

    /// A variable whose value is a template itself resolves through the variables it names,
    /// as Ansible does, and is unknown when it names a fact, an expression, or itself, or in
    /// templates that do not render their data (ERB, Go).
    #[test]
    fn values_that_are_templates_resolve_or_stay_unknown() {
        let v = Vars::from_yaml(
            "postfix_myhostname: '{{ ansible_fqdn }}'\n\
             mail_domain: example.org\n\
             mail_host: 'mail.{{ mail_domain }}'\n\
             postfix_hostname: '{{ mail_host | default(\"x\") }}'\n\
             loop: '{{ loop }}'\n\
             guarded: '{% if x %}a{% endif %}'\n\
             hiera: '%{facts.fqdn}'\n\
             size: '{{ 50 * 1024 * 1024 }}'\n\
             unclosed: 'a{{ mail_domain'\n\
             required: ''\n\
             blank: ' '\n\
             via_required: '{{ required }}'\n",
        );
        // An empty text is a placeholder, as null is.
        for empty in [
            "required",
            "blank",
            "via_required",
            "required | default('x')",
        ] {
            assert_eq!(v.eval(b"{{", empty), None, "{empty}");
        }
        let eval = |s: &str| v.eval(b"{{", s);
        assert_eq!(eval("postfix_myhostname"), None);
        assert_eq!(eval("mail_host").as_deref(), Some("mail.example.org"));
        assert_eq!(
            eval("postfix_hostname").as_deref(),
            Some("mail.example.org")
        );
        assert_eq!(eval("loop"), None);
        assert_eq!(eval("guarded"), None);
        assert_eq!(eval("hiera"), None);
        assert_eq!(eval("size"), None);
        assert_eq!(eval("unclosed"), None);
        assert_eq!(v.eval(b"<%", "= @hiera"), None);
        // Puppet does not render its data as Jinja; Helm does not render values.
        assert_eq!(v.eval(b"<%", "= @mail_host"), None);
        assert_eq!(
            v.eval(b"<%", "= @mail_domain").as_deref(),
            Some("example.org")
        );
        assert_eq!(v.eval(b"{{", " .mail_host "), None);
    }

    /// `{% if name %}` holds for a value true however YAML read it; anything else (false, a
    /// YAML 1.1 false as text, an empty value, a name the files do not give, an expression)
    /// does not.
    #[test]
    fn if_conditions_that_hold() {
        let v = Vars::from_yaml(
            "relay: smtp.example.com\non: true\noff: false\nno_text: 'no'\nzero: 0\n\
             empty: ''\nlist: [a]\nnone: []\nnested: {relay: x}\nfact: '{{ ansible_fqdn }}'\n",
        );
        let holds = |open: &[u8], inner: &str| v.condition_holds(open, inner);
        for inner in [
            "if relay",
            "if on",
            "if list",
            "if nested.relay",
            "if relay is defined",
            "if empty is defined",
        ] {
            assert!(holds(b"{%", inner), "{inner}");
        }
        assert!(holds(b"{{", "if .Values.relay"));
        assert!(holds(b"{{", "if .relay"));
        for inner in [
            "if off",
            "if no_text",
            "if zero",
            "if empty",
            "if none",
            "if missing",
            "if fact",
            "if missing is defined",
            "if not relay",
            "if relay and on",
            "for x in list",
            "relay",
        ] {
            assert!(!holds(b"{%", inner), "{inner}");
        }
        assert!(!holds(b"<%", "if relay"));
    }

    #[test]
    fn jinja_lookups_and_filters() {
        let v = vars();
        let eval = |s: &str| v.eval(b"{{", s);
        assert_eq!(
            eval(" postfix_hostname ").as_deref(),
            Some("mail.example.org")
        );
        assert_eq!(eval("postfix_port").as_deref(), Some("587"));
        assert_eq!(eval("postfix_tls").as_deref(), Some("True"));
        assert_eq!(
            eval("postfix.relay.host").as_deref(),
            Some("smtp.example.net")
        );
        assert_eq!(
            eval("postfix['relay'][\"host\"]").as_deref(),
            Some("smtp.example.net")
        );
        assert_eq!(
            eval("postfix_networks | join(', ')").as_deref(),
            Some("127.0.0.0/8, 10.0.0.0/8")
        );
        assert_eq!(eval("missing | default('x')").as_deref(), Some("x"));
        assert_eq!(eval("empty | d(\"y\")").as_deref(), Some("y"));
        assert_eq!(
            eval(".postfix.relay.host").as_deref(),
            Some("smtp.example.net")
        );
        assert_eq!(
            eval("salt['pillar.get']('postfix:relay:host', 'z')").as_deref(),
            Some("smtp.example.net")
        );
        assert_eq!(
            eval("salt['pillar.get']('postfix:nope', 'z')").as_deref(),
            Some("z")
        );
        // Salt's `pillar[...]`: the file's mapping is the pillar.
        assert_eq!(
            eval("pillar['postfix']['relay']['host']").as_deref(),
            Some("smtp.example.net")
        );
        assert_eq!(eval("pillar['postfix']['nope']"), None);
        // Helm's `.Values`: a chart's values.yaml is that mapping.
        assert_eq!(
            eval(".Values.postfix.relay.host").as_deref(),
            Some("smtp.example.net")
        );
        assert_eq!(eval(".Values"), None);
        assert_eq!(eval("Values.postfix.relay.host"), None);
        assert_eq!(eval("pillar"), None);
        // What is not a plain lookup stays unknown.
        for unknown in [
            "missing",
            "postfix_networks",
            "postfix",
            "postfix_hostname ~ '.x'",
            "postfix_hostname | upper_camel",
            "lookup('env', 'HOME')",
            "x if y else z",
            "empty",
        ] {
            assert_eq!(eval(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn erb_epp_and_percent() {
        let v = vars();
        assert_eq!(
            v.eval(b"<%", "= @postfix_hostname").as_deref(),
            Some("mail.example.org")
        );
        assert_eq!(v.eval(b"<%", "= $postfix_port").as_deref(), Some("587"));
        assert_eq!(
            v.eval(b"<%", "= @relayhost").as_deref(),
            Some("[smtp.example.net]:587")
        );
        assert_eq!(
            v.eval(b"<%", "= @postfix_networks.join(' ')").as_deref(),
            Some("127.0.0.0/8 10.0.0.0/8")
        );
        assert_eq!(v.eval(b"<%", " if @x "), None);
        assert_eq!(v.eval(b"<%", "= @x.upcase"), None);
        assert_eq!(
            v.eval(b"%", "postfix_hostname").as_deref(),
            Some("mail.example.org")
        );
    }

    #[test]
    fn files_must_hold_a_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("list.yml");
        std::fs::write(&list, "- a\n- b\n").unwrap();
        assert!(Vars::load(&[list])
            .unwrap_err()
            .contains("must be a mapping"));
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{").unwrap();
        assert!(Vars::load(&[bad]).is_err());
        let a = dir.path().join("a.yml");
        let b = dir.path().join("b.json");
        std::fs::write(&a, "x: 1\ny: 2\n").unwrap();
        std::fs::write(&b, "{\"y\": \"3\"}").unwrap();
        let v = Vars::load(&[a, b]).unwrap();
        assert_eq!(v.eval(b"{{", "x").as_deref(), Some("1"));
        assert_eq!(v.eval(b"{{", "y").as_deref(), Some("3"));
        assert!(v.notes.is_empty());
    }

    /// Salt's YAML is Jinja first: its tags are left out, and what they made stays unknown.
    #[test]
    fn yaml_with_jinja_tags_is_read_without_them() {
        let dir = tempfile::tempdir().unwrap();
        let defaults = dir.path().join("defaults.yaml");
        std::fs::write(
            &defaults,
            "{% load_yaml as rawmap %}\n\
             Debian:\n  relayhost: '[smtp.example.net]:587'\n\
             {% endload %}\n\
             {# a comment #}\n\
             sender:\n  '{{ grains['fqdn'] }}': REJECT You are not me\n  \
             '{{ grains['id'] }}': REJECT\n\
             origin: {{ grains['domain'] }}\n\
             size: {% if big %}50M{% else %}10M{% endif %}\n",
        )
        .unwrap();
        let v = Vars::load(std::slice::from_ref(&defaults)).unwrap();
        assert_eq!(
            v.eval(b"{{", "Debian.relayhost").as_deref(),
            Some("[smtp.example.net]:587")
        );
        assert_eq!(v.eval(b"{{", "origin"), None);
        assert_eq!(v.eval(b"{{", "size"), None);
        assert_eq!(v.notes.len(), 1, "{:?}", v.notes);
        // One long line full of tags (a hostile variables file): every tag becomes a marker.
        let line = format!("k: {}\n", "{{ x }} ".repeat(50_000));
        let read = without_jinja(&line).unwrap();
        assert_eq!(read.text.matches("__JINJA").count(), 50_000);
        assert!(read.certain.is_none());
        assert!(without_jinja("a: 1\n").is_none());
        assert!(without_jinja("a: {{ x\n").is_none());
    }

    /// Loads `text` as the variables file `name`, in a directory of its own.
    fn load_text(name: &str, text: &str) -> Result<Vars, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        Vars::load(&[path])
    }

    /// A tag in the middle of a line (survey AD3: `{% macro admin_user() %}petr{% endmacro
    /// %}`) stopped the run with YAML's error. It is left out as a tag alone on its line is,
    /// and what it makes stays unknown, never the text left around it.
    #[test]
    fn jinja_tags_inside_a_line_are_left_out() {
        let v = load_text(
            "data.sls",
            "{% macro domain() %}example.com{% endmacro %}\n\
             {% macro admin() %}\npetr\n{% endmacro %}\n\
             mailname: mx.{{ domain() }}\n\
             size: {% if big %}50M{% else %}10M{% endif %}\n\
             {% set x = 1 %}origin: example.org\n\
             relay: smtp.example.net {# why #}\n\
             {%- if big %}\n\
             {% endif -%}\n\
             postfix:\n  banner: {%- if x %} a {%- endif %}\n  myorigin: example.org\n\
             admin: {{ admin() }}\n",
        )
        .unwrap();
        assert_eq!(v.notes.len(), 1, "{:?}", v.notes);
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        for unknown in [
            "mailname",
            "size",
            "size | default('1M')",
            "origin",
            "postfix.banner",
            "admin",
        ] {
            assert_eq!(v.eval(b"{{", unknown), None, "{unknown}");
        }
        // A macro's body is not output where it is defined: nothing of it is a key.
        for name in ["petr", "example.com"] {
            assert!(!v.root.contains_key(name), "{:?}", v.root);
        }
        // Near-misses: a comment outputs nothing; tags alone on their lines change no key.
        assert_eq!(v.eval(b"{{", "relay").as_deref(), Some("smtp.example.net"));
        assert_eq!(
            v.eval(b"{{", "postfix.myorigin").as_deref(),
            Some("example.org")
        );
    }

    /// Two branches of an `if` setting one key read as that key twice, YAML keeping the last:
    /// the `else` value was taken as known (survey AD3). A key set inside a block (`if`,
    /// `elif`, `else`, `for`) is unknown, with all under it; one set outside any keeps its
    /// value.
    #[test]
    fn keys_set_inside_blocks_stay_unknown() {
        let v = load_text(
            "b.sls",
            "{% if grains['testmachine'] != 'OK' %}\n\
             mailname: mx.example.com\n\
             {% elif grains['id'] == 'b' %}\n\
             mailname: mx.example.net\n\
             {% else %}\n\
             mailname: mx.example.cz\n\
             {% endif %}\n\
             domain: example.org\n\
             relay: a.example.org\n\
             {% if x %}\n\
             relay: b.example.org\n\
             {% endif %}\n\
             postfix:\n  origin: example.org\n\
             {%- if tls %}\n  tls:\n    level: may\n{% endif %}\n  banner: ESMTP\n\
             {% for n in [1, 2] %}\n\
             deep:\n  a:\n    b: c\n\
             {% endfor %}\n\
             networks:\n  - 127.0.0.0/8\n\
             {% if lan %}\n  - 10.0.0.0/8\n{% endif %}\n\
             flag: true\n\
             {% if y %}\nflag: true\n{% endif %}\n",
        )
        .unwrap();
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        let eval = |s: &str| v.eval(b"{{", s);
        for unknown in [
            "mailname",
            "mailname | default('x')",
            "salt['pillar.get']('mailname', 'x')",
            "relay",
            "postfix.tls.level",
            "postfix.tls.level | default('x')",
            "deep.a.b",
            "deep.a.b | default('x')",
            "networks | join(' ')",
        ] {
            assert_eq!(eval(unknown), None, "{unknown}");
        }
        for unknown in [
            "if mailname",
            "if mailname is defined",
            "if deep.a is defined",
        ] {
            assert!(!v.condition_holds(b"{%", unknown), "{unknown}");
        }
        // Near-misses: keys outside any block, beside and around keys inside one, and a key
        // set to the same value inside and outside.
        assert_eq!(eval("domain").as_deref(), Some("example.org"));
        assert_eq!(eval("postfix.origin").as_deref(), Some("example.org"));
        assert_eq!(eval("postfix.banner").as_deref(), Some("ESMTP"));
        assert_eq!(eval("flag").as_deref(), Some("True"));
        assert!(v.condition_holds(b"{%", "if domain"));
        // Whole-line tags alone, without a key in their block, change nothing known.
        let plain = load_text(
            "plain.sls",
            "{% set fqdn = grains['fqdn'] %}\n{# note #}\nmailname: mx.example.org\n",
        )
        .unwrap();
        assert_eq!(
            plain.eval(b"{{", "mailname").as_deref(),
            Some("mx.example.org")
        );
    }

    /// A Jinja file YAML cannot read even without its tags is left out with a warning (Salt
    /// renders it first: it may well be a working pillar); a plain YAML file that YAML cannot
    /// read stays an error, as it was.
    #[test]
    fn a_jinja_file_yaml_cannot_read_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let broken = dir.path().join("broken.sls");
        std::fs::write(&broken, "{% if x %}\na: [1\n").unwrap();
        let listed = dir.path().join("listed.sls");
        std::fs::write(&listed, "{{ users() }}\nmailname: x\n").unwrap();
        let blocks = dir.path().join("blocks.sls");
        std::fs::write(&blocks, "a: 1\n{% if x %}\nb:\n{% endif %}\n  c: 2\n").unwrap();
        let other = dir.path().join("other.yml");
        std::fs::write(&other, "domain: example.org\n").unwrap();
        for skipped in [&broken, &listed, &blocks] {
            let v = Vars::load(&[other.clone(), skipped.clone()]).unwrap();
            assert_eq!(v.warnings.len(), 1, "{skipped:?}: {:?}", v.warnings);
            let shown = skipped.display().to_string();
            assert!(
                v.warnings[0].starts_with(&format!("{shown}: skipped: ")),
                "{:?}",
                v.warnings
            );
            assert_eq!(v.eval(b"{{", "domain").as_deref(), Some("example.org"));
            // The file left out may set any name: a default does not stand in for it.
            assert_eq!(v.eval(b"{{", "mailname | default('x')"), None);
            assert_eq!(v.eval(b"{{", "missing | default('x')"), None);
        }
        // Near-miss: without a file left out, a missing name takes its default.
        let v = Vars::load(std::slice::from_ref(&other)).unwrap();
        assert_eq!(
            v.eval(b"{{", "missing | default('x')").as_deref(),
            Some("x")
        );
        // Broken YAML without Jinja stays an error, with YAML's own words.
        let plain = dir.path().join("plain.yml");
        std::fs::write(&plain, "a: [1\n").unwrap();
        let error = Vars::load(&[plain]).unwrap_err();
        assert!(
            error.contains("plain.yml: did not find expected"),
            "{error}"
        );
    }
}
