//! main.cf and master.cf written out in a YAML file as a literal block scalar: a Kubernetes
//! ConfigMap's `data:` (`main.cf: |`), an Ansible `copy` task's `content: |` beside `dest:
//! /etc/postfix/main.cf`, a cloud-init `write_files` item's `content: |` beside `path:`. The
//! YAML file is read as that file with holes, as a template is (`holes`): every byte outside
//! the block blanked and the block's indentation taken out, so that findings land on the YAML
//! file's own lines. A literal block has no escapes: its lines are the file's.
//!
//! A Helm chart's or an Ansible task's block may hold template tags: the block is read by the
//! template engine of `holes`, as a template file is (`{{ .Values.x }}` a value postlint
//! cannot know, the lines inside `{{ if }}` or `{% for %}` lines that may not be there). A line
//! of one tag belongs to the block whatever its indentation (Helm renders the text before YAML
//! reads it). A folded block (`>`) is not read.

use std::ops::Range;

use super::holes::{self, Holed, Kind};
use super::vars::Vars;

/// The engine name of a file read this way (`template::notes`).
pub const ENGINE: &str = "YAML block";

/// At most this many blocks are kept of one file: each is a whole lint.
const MAX_BLOCKS: usize = 16;

/// How far above and below a `content: |` key its task's `dest:` or `path:` is looked for.
const SIBLING_LINES: usize = 40;

/// A literal block that holds `file`.
struct Block {
    /// The key's line (0-based).
    key: usize,
    /// The block's lines (0-based, end exclusive) and their indentation.
    lines: Range<usize>,
    indent: usize,
}

/// The lines (1-based) of the keys whose literal block holds `file` (`main.cf`, `master.cf`).
pub fn blocks(text: &str, file: &str) -> Vec<u32> {
    let lines: Vec<&str> = text.lines().collect();
    (0..lines.len())
        .filter_map(|i| block_at(&lines, i, file))
        // A block of tags only (`{{ .Files.Get "main.cf" | nindent 4 }}`) has nothing to read.
        .filter(|b| {
            lines[b.lines.clone()]
                .iter()
                .any(|l| !l.trim().is_empty() && !is_tag_line(l))
        })
        .map(|b| b.key as u32 + 1)
        .take(MAX_BLOCKS)
        .collect()
}

/// The file read as the main.cf (or master.cf, by `kind`) whose block's key is on `line`.
///
/// The block is read as a file of its own (its lines without the block's indentation) with
/// the template engine of `holes` when it holds template tags, and put back in place: the
/// text outside the block blanked, the indentation taken out (`Holed::removed`), each line's
/// tags replaced as that engine replaced them, line numbers the YAML file's.
pub fn read_as(text: &str, line: u32, kind: Kind, vars: Option<&Vars>) -> Option<Holed> {
    let file = match kind {
        Kind::MasterCf => "master.cf",
        _ => "main.cf",
    };
    let lines: Vec<&str> = text.lines().collect();
    let block = block_at(&lines, (line as usize).checked_sub(1)?, file)?;
    let bytes = text.as_bytes();
    let line_starts = holes::line_starts(bytes);
    let (start, end) = block_range(text, &line_starts, &block.lines);
    // The block as a file of its own, and where each of its lines is in the YAML file: the
    // line's start there and the indentation taken out.
    let mut own = String::with_capacity(end - start);
    let mut own_starts = Vec::with_capacity(block.lines.len() + 1);
    let mut cuts = Vec::with_capacity(block.lines.len());
    for l in block.lines.clone() {
        let s = line_starts[l];
        let e = line_starts.get(l + 1).copied().unwrap_or(bytes.len());
        let n = bytes[s..e]
            .iter()
            .take(block.indent)
            .take_while(|&&b| b == b' ')
            .count();
        own_starts.push(own.len());
        own.push_str(&text[s + n..e]);
        cuts.push((s, n));
    }
    own_starts.push(own.len());
    let mut out = bytes.to_vec();
    holes::blank_outside(&mut out, std::slice::from_ref(&(start..end)));
    let mut holed = Holed::empty(kind);
    holed.removed = cuts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|&(s, n)| s..s + n)
        .collect();
    let mut conditional = vec![false; line_starts.len()];
    // A Helm chart's or an Ansible task's tags: `{{ .Values.x }}` is a value postlint cannot
    // know, the lines inside `{{ if }}`/`{% for %}` may or may not be there.
    if let Some(read) = holes::holes(&own, kind, false, vars) {
        if read.text.len() != own.len() {
            return None;
        }
        // The own file's offsets and lines in the YAML file.
        let place = |at: usize| {
            let i = own_starts.partition_point(|&s| s <= at).saturating_sub(1);
            let (s, n) = cuts[i.min(cuts.len() - 1)];
            s + n + (at - own_starts[i])
        };
        let first = block.lines.start as u32;
        for (i, &(s, n)) in cuts.iter().enumerate() {
            let line = &read.text.as_bytes()[own_starts[i]..own_starts[i + 1]];
            out[s + n..s + n + line.len()].copy_from_slice(line);
        }
        for range in &read.conditional {
            for l in range.clone() {
                if let Some(flag) = conditional.get_mut((l + first) as usize - 1) {
                    *flag = true;
                }
            }
        }
        holed.removed.extend(
            read.removed
                .iter()
                .map(|r| place(r.start)..place(r.start) + r.len()),
        );
        holed.expressions = read
            .expressions
            .into_iter()
            .map(|(l, tag)| (l + first, tag))
            .collect();
        holed.inserts = read
            .inserts
            .into_iter()
            .map(|(l, tag)| (l + first, tag))
            .collect();
        holed.inserted_expressions = read.inserted_expressions;
        // The values `--template-vars` gives, for tags on one line (a tag over two lines has
        // the next line's indentation inside it, which is taken out).
        holed.substitutions = read
            .substitutions
            .into_iter()
            .filter(|(r, _)| r.is_empty() || place(r.end - 1) + 1 - place(r.start) == r.len())
            .map(|(r, value)| (place(r.start)..place(r.start) + r.len(), value))
            .collect();
        holed.include_paths = read.include_paths;
        holed.dynamic_names = read.dynamic_names.iter().map(|l| l + first).collect();
        holed.unbalanced = read.unbalanced.map(|l| l + first);
    }
    // Only what the engine wrote and blanks, over whole characters: the text stays UTF-8.
    Some(holed.finish(out, conditional))
}

/// Whether the line is one template tag and nothing else (`{{- if .Values.relay }}`,
/// `{% endfor %}`): Helm renders the text before YAML reads it, so such a line belongs to the
/// block whatever its indentation.
fn is_tag_line(line: &str) -> bool {
    let t = line.trim();
    (t.starts_with("{{") && t.ends_with("}}")) || (t.starts_with("{%") && t.ends_with("%}"))
}

/// The byte range in `text` of the block's `lines`.
fn block_range(text: &str, line_starts: &[usize], lines: &Range<usize>) -> (usize, usize) {
    let start = line_starts[lines.start];
    let end = line_starts.get(lines.end).copied().unwrap_or(text.len());
    (start, end)
}

/// The literal block of the key on line `i` when it holds `file`.
fn block_at(lines: &[&str], i: usize, file: &str) -> Option<Block> {
    let line = lines[i];
    let indent = indent_of(line);
    let code = &line[indent..];
    let item = code.starts_with("- ");
    let code = code.strip_prefix("- ").unwrap_or(code);
    let (key, value) = code.split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    let value = value.trim();
    // `|`, `|-`, `|+`, `|2`: a literal block; a comment may follow.
    let indicator = value.split('#').next().unwrap_or("").trim();
    if !indicator.starts_with('|')
        || !indicator[1..]
            .bytes()
            .all(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'))
    {
        return None;
    }
    let holds = match key {
        k if k == file => true,
        "content" => {
            let column = indent + if item { 2 } else { 0 };
            // `blockinfile`'s content is lines added to the file, not the file (its task
            // literals are read as such).
            !in_blockinfile(lines, i, column) && sibling_names(lines, i, column, item, file)
        }
        _ => false,
    };
    if !holds {
        return None;
    }
    // The block: the lines after the key more indented than it, blank lines and lines of one
    // template tag among them (a tag line less indented than the block at its end is the
    // YAML file's own: `{{- end }}` of an `if` around the whole ConfigMap).
    let first =
        (i + 1..lines.len()).find(|&j| !lines[j].trim().is_empty() && !is_tag_line(lines[j]))?;
    let block_indent = indent_of(lines[first]);
    if block_indent <= indent {
        return None;
    }
    let mut end = first + 1;
    for (j, line) in lines.iter().enumerate().skip(first + 1) {
        if line.trim().is_empty() || (is_tag_line(line) && indent_of(line) < block_indent) {
            continue;
        }
        if indent_of(line) < block_indent {
            break;
        }
        end = j + 1;
    }
    Some(Block {
        key: i,
        lines: i + 1..end,
        indent: block_indent,
    })
}

/// Whether the mapping of the key at `column` on line `i` (`first`: the key starts a list item)
/// has a `dest:` or `path:` that names `file`: the Ansible task or cloud-init item the block is
/// the content of.
/// Whether the key on line `i` (at `column`) belongs to an Ansible `blockinfile` task: the
/// nearest shallower key above it is the module's.
fn in_blockinfile(lines: &[&str], i: usize, column: usize) -> bool {
    lines[i.saturating_sub(SIBLING_LINES)..i]
        .iter()
        .rev()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .find(|l| {
            let indent = indent_of(l);
            let item = l[indent..].starts_with("- ");
            indent + if item { 2 } else { 0 } < column
        })
        .and_then(|l| l.trim().trim_start_matches("- ").split_once(':'))
        .is_some_and(|(key, _)| key.trim().ends_with("blockinfile"))
}

fn sibling_names(lines: &[&str], i: usize, column: usize, first: bool, file: &str) -> bool {
    let names = |line: &str| {
        let indent = indent_of(line);
        let code = &line[indent..];
        let item = code.starts_with("- ");
        let code = code.strip_prefix("- ").unwrap_or(code);
        let key_column = indent + if item { 2 } else { 0 };
        let named = code.split_once(':').is_some_and(|(key, value)| {
            let value = value.split(" #").next().unwrap_or("").trim();
            let value = value.trim_matches(['"', '\'']);
            matches!(key.trim(), "dest" | "path")
                && (value == file || value.ends_with(&format!("/{file}")))
        });
        (key_column, item, named)
    };
    // Upwards to the item's first key (none when the key is the first), downwards to the next
    // item or a shallower line.
    let above = match first {
        true => i..i,
        false => i.saturating_sub(SIBLING_LINES)..i,
    };
    for j in above.rev() {
        if lines[j].trim().is_empty() || lines[j].trim_start().starts_with('#') {
            continue;
        }
        let (key_column, item, named) = names(lines[j]);
        if key_column < column {
            return false;
        }
        if key_column == column && named {
            return true;
        }
        if key_column == column && item {
            break;
        }
    }
    for line in lines.iter().skip(i + 1).take(SIBLING_LINES) {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (key_column, item, named) = names(line);
        if key_column < column || item {
            return false;
        }
        if key_column == column && named {
            return true;
        }
    }
    false
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, line: u32, kind: Kind) -> Vec<String> {
        let holed = read_as(text, line, kind, None).unwrap();
        let (text, _) = crate::template::substitute(&holed.text, &holed.replacements());
        text.lines()
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// The text the parsers read.
    fn parsed(holed: &Holed) -> String {
        crate::template::substitute(&holed.text, &holed.replacements()).0
    }

    #[test]
    fn a_config_map_holds_main_cf_and_master_cf() {
        let yaml = "\
apiVersion: v1
kind: ConfigMap
data:
  main.cf: |
    myhostname = mx.example.com
    mydestination = $myhostname,
        localhost

    mynetworks = 127.0.0.0/8
  master.cf: |-
    smtp inet n - n - - smtpd
  other: x
";
        assert_eq!(blocks(yaml, "main.cf"), vec![4]);
        assert_eq!(blocks(yaml, "master.cf"), vec![10]);
        assert_eq!(
            read(yaml, 4, Kind::MainCf),
            [
                "myhostname = mx.example.com",
                "mydestination = $myhostname,",
                "    localhost",
                "mynetworks = 127.0.0.0/8"
            ]
        );
        assert_eq!(
            read(yaml, 10, Kind::MasterCf),
            ["smtp inet n - n - - smtpd"]
        );
        assert!(read_as(yaml, 4, Kind::MasterCf, None).is_none());
    }

    #[test]
    fn content_goes_with_its_tasks_dest_or_path() {
        let yaml = "\
- name: main.cf
  copy:
    dest: /etc/postfix/main.cf
    mode: '0644'
    content: |
      relayhost = [smtp.example.net]:587
- name: another file
  copy:
    content: |
      not = postfix
    dest: /etc/motd
write_files:
  - path: /etc/postfix/master.cf
    content: |
      smtp inet n - n - - smtpd
  - content: |
      x = 1
    path: /etc/postfix/main.cf
";
        assert_eq!(blocks(yaml, "main.cf"), vec![5, 16]);
        assert_eq!(blocks(yaml, "master.cf"), vec![14]);
        // `blockinfile` adds its content to the file: no main.cf of its own.
        let added = "- name: limit\n  blockinfile:\n    path: /etc/postfix/main.cf\n    \
                     content: |\n      message_size_limit = 1\n";
        assert!(blocks(added, "main.cf").is_empty());
        assert_eq!(read(yaml, 16, Kind::MainCf), ["x = 1"]);
    }

    /// A Helm chart's ConfigMap: its `{{ .Values.x }}` are unknown values (holes, noted as
    /// expressions); a tag outside the block is not read; a block with a control tag, a tag
    /// that trims white space or pipes into nindent, or a Jinja statement is not read.
    #[test]
    fn a_helm_config_map_is_read_with_its_values_unknown() {
        let yaml = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include \"postfix.fullname\" . }}
data:
  main.cf: |
    myhostname = {{ .Values.myhostname }}
    mynetworks = 127.0.0.0/8 {{ .Values.extraNetworks }}
";
        assert_eq!(blocks(yaml, "main.cf"), vec![6]);
        let holed = read_as(yaml, 6, Kind::MainCf, None).unwrap();
        assert_eq!(holed.expressions.len(), 2);
        assert_eq!(holed.expressions[0].0, 7);
        let lines = read(yaml, 6, Kind::MainCf);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("myhostname = !T"), "{lines:?}");
        assert!(
            lines[1].starts_with("mynetworks = 127.0.0.0/8 !T"),
            "{lines:?}"
        );
    }

    /// A block with control tags is read by the template engine: the lines inside `{{ if }}`,
    /// `{{ range }}` or `{% for %}` may be absent, a tag that inserts lines sets what postlint
    /// cannot see, and a line of one tag belongs to the block at any indentation.
    #[test]
    fn a_block_with_control_tags_has_conditional_lines() {
        let read_block = |block: &str| {
            let yaml = format!("data:\n  main.cf: |\n    a = 1\n{block}  other: x\n");
            assert_eq!(blocks(&yaml, "main.cf"), vec![2], "{block}");
            read_as(&yaml, 2, Kind::MainCf, None).unwrap()
        };
        for block in [
            "    {{- if .Values.open }}\n    mynetworks = 0.0.0.0/0\n    {{- end }}\n",
            "    {{ if .Values.open }}\n    mynetworks = 0.0.0.0/0\n    {{ end }}\n",
            "{{- if .Values.open }}\n    mynetworks = 0.0.0.0/0\n{{- end }}\n",
            "    {% for n in nets %}\n    mynetworks = {{ n }}\n    {% endfor %}\n",
        ] {
            let holed = read_block(block);
            // Line 5 (mynetworks) may be absent; line 3 (a = 1) is there.
            assert!(
                holed.conditional.iter().any(|r| r.contains(&5)),
                "{block}: {:?}",
                holed.conditional
            );
            assert!(!holed.conditional.iter().any(|r| r.contains(&3)), "{block}");
            let text = parsed(&holed);
            assert!(text.contains("\nmynetworks = "), "{block}: {text:?}");
            assert!(text.contains("\na = 1\n"), "{block}: {text:?}");
        }
        // A tag that trims the white space after a value, and one over two lines: holes.
        for block in [
            "    mynetworks = {{ .Values.nets -}}\n",
            "    myhostname = {{ .Values.name\n    }}\n",
        ] {
            let holed = read_block(block);
            assert_eq!(holed.expressions.len(), 1, "{block}");
            assert_eq!(holed.expressions[0].0, 4, "{block}");
        }
        // A tag that inserts lines: the block may set what postlint cannot see.
        let holed = read_block("    {{ .Values.extra | nindent 4 }}\n");
        assert!(holed.is_open_ended());
        assert_eq!(holed.inserts[0].0, 4);
        // An `if` around the whole ConfigMap: its `end` under the block is the YAML file's.
        let yaml = "{{- if .Values.enabled }}\ndata:\n  main.cf: |\n    a = 1\n{{- end }}\n";
        let holed = read_as(yaml, 3, Kind::MainCf, None).unwrap();
        assert!(holed.unbalanced.is_none() && holed.conditional.is_empty());
        assert_eq!(parsed(&holed).trim(), "a = 1");
        // A block of tags only has nothing to read.
        let yaml = "data:\n  main.cf: |\n    {{ .Files.Get \"main.cf\" | nindent 4 }}\n";
        assert!(blocks(yaml, "main.cf").is_empty());
    }

    #[test]
    fn folded_blocks_and_plain_values_are_not_read() {
        let yaml = "main.cf: >\n  a = 1\nmain.cf: a = 1\nmain.cf: |\nnext: 1\n";
        assert!(blocks(yaml, "main.cf").is_empty());
    }
}
