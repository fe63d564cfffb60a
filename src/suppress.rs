//! Inline suppressions: `# postlint: disable=rule-a,rule-b -- reason` on its own line silences
//! those rules for the next logical line (inside a value continued over lines, the next line of
//! the value); `# postlint: disable-file=rule` anywhere silences them for the whole file. Postfix has no trailing comments (a `#` after a value is part of the
//! value), so a suppression is always a comment line of its own, which Postfix skips.

use std::collections::HashMap;

use crate::diagnostic::{Finding, Findings};
use crate::rules::{self, Rule};
use crate::source::{FileId, Sources, Span};

const MARK: &str = "postlint:";

#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    /// The logical line after the comment: `start..end` of the file.
    Next {
        start: u32,
        end: u32,
    },
    /// A comment line inside a value continued over lines (Postfix skips it and goes on with
    /// the value): the next line of the value, `start..end` of the file.
    Within {
        start: u32,
        end: u32,
    },
    File,
}

#[derive(Clone, Debug)]
pub struct Suppression {
    /// The comment line.
    pub span: Span,
    pub scope: Scope,
    /// Each rule name, where it is written, and whether it silenced something.
    pub names: Vec<(String, Span)>,
    pub reason: Option<String>,
}

/// A `# postlint:` comment postlint cannot read.
#[derive(Clone, Debug)]
pub struct Malformed {
    pub span: Span,
    pub message: String,
}

/// Every `# postlint:` comment of every file read. Linear in the text: each line is looked at
/// once, however many marks it holds, and the next logical line of each comment comes from
/// one index of the file's logical lines.
pub fn collect(sources: &Sources) -> (Vec<Suppression>, Vec<Malformed>) {
    let mut found = Vec::new();
    let mut malformed = Vec::new();
    for (file, source) in sources.iter() {
        let text: &str = source.text();
        let bytes = text.as_bytes();
        let mut logical: Option<Vec<(usize, usize)>> = None;
        let mut pos = 0;
        // Only a comment line of its own holds a mark: blanks, `#`, blanks, then the mark. A
        // `#` is rare in map files, so each is a place to look (one vectorised byte search,
        // faster than searching the text for the mark itself).
        while let Some(found_at) = memchr::memchr(b'#', &bytes[pos..]) {
            let hash = pos + found_at;
            let line_start = memchr::memrchr(b'\n', &bytes[..hash]).map_or(0, |i| i + 1);
            let line_end = memchr::memchr(b'\n', &bytes[hash..]).map_or(text.len(), |i| hash + i);
            // The rest of this line is done with, whatever it holds.
            pos = line_end;
            if !text[line_start..hash].trim_matches([' ', '\t']).is_empty() {
                continue;
            }
            let blanks = bytes[hash + 1..line_end]
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            let hit = hash + 1 + blanks;
            if !bytes[hit..line_end].starts_with(MARK.as_bytes()) {
                continue;
            }
            let span = Span::new(file, line_start, line_end);
            match parse(text, file, hit + MARK.len(), line_end) {
                Ok((file_wide, names, reason)) => {
                    let scope = if file_wide {
                        Scope::File
                    } else {
                        let lines = logical.get_or_insert_with(|| logical_lines(text));
                        match next_line_within(lines, text, line_end) {
                            Some((start, end)) => Scope::Within {
                                start: start as u32,
                                end: end as u32,
                            },
                            None => {
                                let (start, end) = next_logical_line(lines, line_end, text.len());
                                Scope::Next {
                                    start: start as u32,
                                    end: end as u32,
                                }
                            }
                        }
                    };
                    found.push(Suppression {
                        span,
                        scope,
                        names,
                        reason,
                    });
                }
                Err(message) => malformed.push(Malformed { span, message }),
            }
        }
    }
    (found, malformed)
}

type Parsed = (bool, Vec<(String, Span)>, Option<String>);

/// `disable=a,b -- reason` or `disable-file=a`, from `at` to the end of the line.
fn parse(text: &str, file: FileId, at: usize, end: usize) -> Result<Parsed, String> {
    let rest = &text[at..end];
    let (directive, reason) = match rest.find("--") {
        Some(i) => (&rest[..i], Some(rest[i + 2..].trim().to_string())),
        None => (rest, None),
    };
    let trimmed = directive.trim_start();
    let offset = at + (directive.len() - trimmed.len());
    let Some((word, list)) = trimmed.split_once('=') else {
        return Err(format!(
            "`# postlint: {}` is not a suppression; write `# postlint: disable=RULE`",
            trimmed.trim_end()
        ));
    };
    let file_wide = match word.trim() {
        "disable" => false,
        "disable-file" => true,
        other => {
            let hint = rules::closest(other, ["disable", "disable-file"])
                .map(|d| format!("; did you mean `{d}`?"))
                .unwrap_or_default();
            return Err(format!(
                "unknown directive `{other}` (`disable` or `disable-file`){hint}"
            ));
        }
    };
    let list_at = offset + word.len() + 1;
    let mut names = Vec::new();
    let mut pos = list_at;
    for part in list.split(',') {
        let name = part.trim();
        if !name.is_empty() {
            let start = pos + (part.len() - part.trim_start().len());
            names.push((name.to_string(), Span::new(file, start, start + name.len())));
        }
        pos += part.len() + 1;
    }
    if names.is_empty() {
        return Err(format!("`{}=` names no rule", word.trim()));
    }
    Ok((file_wide, names, reason.filter(|r| !r.is_empty())))
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t', '\r', '\n']);
    t.is_empty() || t.starts_with('#')
}

/// The file's logical lines, `(start, end)` in order: a line that is neither blank nor a
/// comment nor indented, with its continuation lines (lines that start with white space; blank
/// and comment lines between them do not end it, as in Postfix).
fn logical_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        if is_blank_or_comment(line) {
            continue;
        }
        let end = start + line.trim_end_matches('\n').len();
        match out.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

/// The logical line that follows offset `from` (the end of the comment line).
fn next_logical_line(lines: &[(usize, usize)], from: usize, len: usize) -> (usize, usize) {
    let i = lines.partition_point(|&(start, _)| start <= from);
    lines.get(i).copied().unwrap_or((len, len))
}

/// For a comment line inside a logical line (a value continued over lines, the comment ending
/// at `from`): the next line of that value that is not blank or a comment.
fn next_line_within(lines: &[(usize, usize)], text: &str, from: usize) -> Option<(usize, usize)> {
    let i = lines.partition_point(|&(start, _)| start <= from);
    let &(_, end) = lines[..i].last()?;
    if end <= from {
        return None;
    }
    let mut pos = from + 1;
    for line in text.get(pos..end)?.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        if !is_blank_or_comment(line) {
            return Some((start, start + line.trim_end_matches('\n').len()));
        }
    }
    None
}

/// Line suppressions by file, each `(start, end, index)`, sorted.
type ByLine = HashMap<FileId, Vec<(u32, u32, usize)>>;

/// The line suppressions of `by` that cover offset `at` of `file`. Logical lines do not
/// overlap, nor do the lines of a value: the suppressions of the last line starting at or
/// before `at` are the only ones that can cover it.
fn covering(by: &ByLine, file: FileId, at: u32) -> impl Iterator<Item = usize> + '_ {
    let lines = by.get(&file).map_or(&[][..], |lines| {
        let upto = lines.partition_point(|&(start, _, _)| start <= at);
        let first = lines[..upto].last().map_or(upto, |&(start, _, _)| {
            lines[..upto].partition_point(|&(s, _, _)| s < start)
        });
        &lines[first..upto]
    });
    lines
        .iter()
        .filter(move |&&(start, end, _)| (start..end).contains(&at))
        .map(|&(_, _, i)| i)
}

/// Drops the findings a suppression covers. Returns the kept findings, how many were dropped,
/// and the `unused-suppression` findings (when that rule runs): names that silenced nothing
/// although their rule ran and could decide on this model (`Rule::undecided`), names that are
/// not rules, and comments postlint cannot read.
pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    malformed: &[Malformed],
    ran: &[&'static Rule],
    model: &crate::model::Model,
) -> (Vec<Finding>, usize, Vec<Finding>) {
    // File-wide suppressions by file; line suppressions by file, sorted by the line they
    // cover, so that a finding looks only at those of its own logical line (and, inside a
    // value continued over lines, of its own line of the value).
    let mut whole_file: HashMap<FileId, Vec<usize>> = HashMap::new();
    let mut by_line: ByLine = HashMap::new();
    let mut within_line: ByLine = HashMap::new();
    for (i, s) in suppressions.iter().enumerate() {
        match s.scope {
            Scope::File => whole_file.entry(s.span.file).or_default().push(i),
            Scope::Next { start, end } => {
                by_line
                    .entry(s.span.file)
                    .or_default()
                    .push((start, end.max(start + 1), i))
            }
            Scope::Within { start, end } => {
                within_line
                    .entry(s.span.file)
                    .or_default()
                    .push((start, end.max(start + 1), i))
            }
        }
    }
    for lines in by_line.values_mut().chain(within_line.values_mut()) {
        lines.sort_unstable();
    }
    let mut used: Vec<Vec<bool>> = suppressions
        .iter()
        .map(|s| vec![false; s.names.len()])
        .collect();
    let silence = |f: &Finding, used: &mut Vec<Vec<bool>>| {
        let mut hit = false;
        let at = f.primary.span.start;
        let file = f.primary.span.file;
        let candidates = whole_file
            .get(&file)
            .into_iter()
            .flatten()
            .copied()
            .chain(covering(&by_line, file, at))
            .chain(covering(&within_line, file, at));
        for i in candidates {
            let s = &suppressions[i];
            for (j, (name, _)) in s.names.iter().enumerate() {
                if name == f.rule {
                    used[i][j] = true;
                    hit = true;
                }
            }
        }
        hit
    };
    let before = findings.len();
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| !silence(f, &mut used))
        .collect();
    let dropped = before - kept.len();

    let rule = crate::rules::unused_suppression::RULE;
    if !ran.iter().any(|r| r.id == rule.id) {
        return (kept, dropped, Vec::new());
    }
    // Rules whose silence here may be for lack of knowledge: asked once each.
    let decided: Vec<&str> = ran
        .iter()
        .filter(|r| !(r.undecided)(model))
        .map(|r| r.id)
        .collect();
    let mut out = Findings::new(rule.id, rule.severity);
    for m in malformed {
        out.report(m.span, m.message.clone())
            .label("postlint cannot read this suppression")
            .help("A suppression is `# postlint: disable=RULE -- reason` (the next line) or `# postlint: disable-file=RULE` (the whole file), on a line of its own.");
    }
    for (i, s) in suppressions.iter().enumerate() {
        for (j, (name, span)) in s.names.iter().enumerate() {
            if rules::find(name).is_none() {
                out.report(*span, rules::unknown_rule(name))
                    .label("not a postlint rule")
                    .subject(name.clone());
            } else if !used[i][j] && name != rule.id && decided.contains(&name.as_str()) {
                let place = match s.scope {
                    Scope::File => "in this file",
                    Scope::Next { .. } | Scope::Within { .. } => "on the next line",
                };
                out.report(*span, format!("`{name}` reports nothing {place}"))
                    .label("this suppression silences nothing")
                    .subject(name.clone())
                    .help("Delete the suppression, or move it to the line above the finding it is meant for: a stale suppression would hide the next problem there.");
            }
        }
    }
    // The new findings can be silenced too, file-wide (`disable-file=unused-suppression`).
    let unused: Vec<Finding> = out
        .list
        .into_iter()
        .filter(|f| !silence(f, &mut used))
        .collect();
    (kept, dropped, unused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(text: &str) -> Sources {
        let mut s = Sources::default();
        s.add("main.cf".into(), "main.cf".into(), text.to_string(), None);
        s
    }

    fn scopes(text: &str) -> Vec<(Scope, Vec<String>, Option<String>)> {
        let (found, bad) = collect(&sources(text));
        assert!(bad.is_empty(), "{bad:?}");
        found
            .into_iter()
            .map(|s| {
                (
                    s.scope,
                    s.names.into_iter().map(|n| n.0).collect(),
                    s.reason,
                )
            })
            .collect()
    }

    #[test]
    fn next_line_covers_continuations_and_skips_comments() {
        let text =
            "# postlint: disable=a, b -- old setup\n\n# other\nx = 1\n  2\n# c\n  3\ny = 4\n";
        let found = scopes(text);
        let Scope::Next { start, end } = found[0].0 else {
            panic!()
        };
        assert_eq!(&text[start as usize..end as usize], "x = 1\n  2\n# c\n  3");
        assert_eq!(found[0].1, ["a", "b"]);
        assert_eq!(found[0].2.as_deref(), Some("old setup"));
    }

    #[test]
    fn inside_a_value_the_next_line_of_the_value() {
        let text = "x =\n  a,\n# postlint: disable=r\n\n  b,\n  c\n# postlint: disable=s\nx = 1\n";
        let found = scopes(text);
        let Scope::Within { start, end } = found[0].0 else {
            panic!("{:?}", found[0].0)
        };
        assert_eq!(&text[start as usize..end as usize], "  b,");
        // A comment after the value's last line is above the next logical line.
        let Scope::Next { start, end } = found[1].0 else {
            panic!("{:?}", found[1].0)
        };
        assert_eq!(&text[start as usize..end as usize], "x = 1");
    }

    #[test]
    fn file_wide_and_not_a_comment_of_its_own() {
        let text = "x = a # postlint: disable=b\n  # postlint: disable-file=c\n";
        let found = scopes(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, Scope::File);
        assert_eq!(found[0].1, ["c"]);
    }

    #[test]
    fn malformed_comments_are_reported() {
        let (_, bad) = collect(&sources(
            "# postlint: disabel=a\n# postlint: disable=\n# postlint: hello\n",
        ));
        let messages: Vec<&str> = bad.iter().map(|m| m.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(
            messages[0].contains("did you mean `disable`"),
            "{messages:?}"
        );
    }
}
