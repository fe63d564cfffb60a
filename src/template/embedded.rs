//! main.cf and master.cf written out in a YAML file as a literal block scalar: a Kubernetes
//! ConfigMap's `data:` (`main.cf: |`), an Ansible `copy` task's `content: |` beside `dest:
//! /etc/postfix/main.cf`, a cloud-init `write_files` item's `content: |` beside `path:`. The
//! YAML file is read as that file with holes, as a template is (`holes`): every byte outside
//! the block blanked and the block's indentation taken out, so that findings land on the YAML
//! file's own lines. A literal block has no escapes: its lines are the file's.
//!
//! A Helm chart's or an Ansible task's block may hold `{{ expression }}` tags, each a value
//! postlint cannot know (a hole, as a template's); a block with a control tag (`{{ if }}`,
//! `{% for %}`) or a tag that trims white space is left alone: which lines it has is not
//! known. A folded block (`>`) is not read.

use std::ops::Range;

use super::holes::{self, Holed, Kind};

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
        // A block whose tags change which lines it has is not read.
        .filter(|b| value_tags(&lines[b.lines.clone()].join("\n")).is_some())
        .map(|b| b.key as u32 + 1)
        .take(MAX_BLOCKS)
        .collect()
}

/// The file read as the main.cf (or master.cf, by `kind`) whose block's key is on `line`.
pub fn read_as(text: &str, line: u32, kind: Kind) -> Option<Holed> {
    let file = match kind {
        Kind::MasterCf => "master.cf",
        _ => "main.cf",
    };
    let lines: Vec<&str> = text.lines().collect();
    let block = block_at(&lines, (line as usize).checked_sub(1)?, file)?;
    let bytes = text.as_bytes();
    let line_starts = holes::line_starts(bytes);
    let start = line_starts[block.lines.start];
    let end = line_starts
        .get(block.lines.end)
        .copied()
        .unwrap_or(bytes.len());
    let mut out = bytes.to_vec();
    holes::blank_outside(&mut out, std::slice::from_ref(&(start..end)));
    let mut holed = Holed::empty(kind);
    // A Helm chart's or an Ansible task's `{{ expression }}` in the block: a value postlint
    // cannot know. Only tags that output one value on their line: a control tag (`{{ if }}`,
    // `{% for %}`), a tag that trims the text around it (`{{-`, `-}}`) or runs on to another
    // line changes which lines the file has, and the block is left alone.
    for (at, tag) in value_tags(&text[start..end])? {
        let range = start + at..start + at + tag.len();
        let line = line_starts.partition_point(|&s| s <= range.start) as u32;
        holes::fill_hole(&mut out, range);
        holed.expressions.push((line, holes::shorten(tag)));
    }
    for l in block.lines.clone() {
        let s = line_starts[l];
        let n = lines[l]
            .bytes()
            .take(block.indent)
            .take_while(|&b| b == b' ')
            .count();
        if n > 0 {
            holed.removed.push(s..s + n);
        }
    }
    // Only blanks were written, over whole characters: the text stays UTF-8.
    Some(holed.finish(out, vec![false; line_starts.len()]))
}

/// The `{{ ... }}` tags of a block's text, each with its offset: None when one of them is
/// not a plain expression on its line (a control word, a `-` that trims white space, no
/// `}}` on the line), or the text holds another engine's tag (`{%`, `<%`).
fn value_tags(text: &str) -> Option<Vec<(usize, &str)>> {
    if ["{%", "<%", "{#"].iter().any(|t| text.contains(t)) {
        return None;
    }
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("{{").map(|i| from + i) {
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let close = text[at..line_end].find("}}")? + at + 2;
        let tag = &text[at..close];
        let inner = tag[2..tag.len() - 2].trim();
        let first = inner.split_whitespace().next().unwrap_or("");
        let control = matches!(
            first,
            "if" | "else"
                | "end"
                | "range"
                | "with"
                | "define"
                | "template"
                | "block"
                | "include"
                | "tpl"
                | "toYaml"
                | "nindent"
                | "indent"
        ) || inner.contains("nindent")
            || inner.contains("toYaml");
        if tag.starts_with("{{-") || tag.ends_with("-}}") || control || inner.starts_with("/*") {
            return None;
        }
        out.push((at, tag));
        from = close;
        if out.len() > 1_000 {
            return None;
        }
    }
    Some(out)
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
    // The block: the lines after the key more indented than it, blank lines among them.
    let first = (i + 1..lines.len()).find(|&j| !lines[j].trim().is_empty())?;
    let block_indent = indent_of(lines[first]);
    if block_indent <= indent {
        return None;
    }
    let end = (first..lines.len())
        .find(|&j| !lines[j].trim().is_empty() && indent_of(lines[j]) < block_indent)
        .unwrap_or(lines.len());
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
        let holed = read_as(text, line, kind).unwrap();
        let (text, _) = crate::template::substitute(&holed.text, &holed.replacements());
        text.lines()
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect()
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
        assert!(read_as(yaml, 4, Kind::MasterCf).is_none());
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
        let holed = read_as(yaml, 6, Kind::MainCf).unwrap();
        assert_eq!(holed.expressions.len(), 2);
        assert_eq!(holed.expressions[0].0, 7);
        let lines = read(yaml, 6, Kind::MainCf);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("myhostname = !T"), "{lines:?}");
        assert!(
            lines[1].starts_with("mynetworks = 127.0.0.0/8 !T"),
            "{lines:?}"
        );
        for block in [
            "    {{- if .Values.open }}\n    mynetworks = 0.0.0.0/0\n    {{- end }}\n",
            "    {{ if .Values.open }}\n    mynetworks = 0.0.0.0/0\n    {{ end }}\n",
            "    mynetworks = {{ .Values.nets -}}\n",
            "    {{ .Values.extra | nindent 4 }}\n",
            "    {% for n in nets %}\n    mynetworks = {{ n }}\n    {% endfor %}\n",
            "    myhostname = {{ .Values.name\n    }}\n",
        ] {
            let yaml = format!("data:\n  main.cf: |\n    a = 1\n{block}");
            assert!(blocks(&yaml, "main.cf").is_empty(), "{block}");
            assert!(read_as(&yaml, 2, Kind::MainCf).is_none(), "{block}");
        }
    }

    #[test]
    fn folded_blocks_and_plain_values_are_not_read() {
        let yaml = "main.cf: >\n  a = 1\nmain.cf: a = 1\nmain.cf: |\nnext: 1\n";
        assert!(blocks(yaml, "main.cf").is_empty());
    }
}
