//! `name = value` lines (`split_nameval()` in util/split_nameval.c), as main.cf and the
//! mysql/pgsql/sqlite/ldap/memcache .cf files are read.

use std::ops::Range;

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::{IResult, Parser};

use super::logical::{is_space, logical_lines, LogicalLine};

fn is_space_char(c: char) -> bool {
    c.is_ascii() && is_space(c as u8)
}

/// One `name = value` line. Ranges index into `line.text`.
#[derive(Clone, Debug)]
pub struct Assignment<'a> {
    pub line: LogicalLine<'a>,
    pub name: Range<usize>,
    pub value: Range<usize>,
}

impl Assignment<'_> {
    pub fn name(&self) -> &str {
        &self.line.text[self.name.clone()]
    }
    pub fn value(&self) -> &str {
        &self.line.text[self.value.clone()]
    }
}

/// A logical line Postfix rejects or skips, with its reason in Postfix's words.
#[derive(Clone, Debug)]
pub struct BadLine<'a> {
    pub line: LogicalLine<'a>,
    pub reason: String,
}

impl<'a> BadLine<'a> {
    /// A logical line that starts with whitespace: Postfix reports it and goes on.
    pub fn indented(line: LogicalLine<'a>) -> BadLine<'a> {
        let reason = logical_line_whitespace_reason(&line);
        BadLine { line, reason }
    }
}

pub struct AssignmentFile<'a> {
    pub assignments: Vec<Assignment<'a>>,
    pub bad_lines: Vec<BadLine<'a>>,
}

fn name_then_equals(input: &str) -> IResult<&str, (&str, &str)> {
    let (rest, _) = take_while(is_space_char).parse(input)?;
    let (rest, name) = take_while1(|c: char| !is_space_char(c) && c != '=').parse(rest)?;
    let (rest, _) = (take_while(is_space_char), tag("=")).parse(rest)?;
    Ok((rest, (name, rest)))
}

/// Splits one logical line like `split_nameval()`: the name runs to whitespace or `=`, the value
/// is trimmed of surrounding whitespace and keeps everything else (a `#` is part of it).
pub fn split_name_value(text: &str) -> Result<(Range<usize>, Range<usize>), &'static str> {
    let after_space = text.trim_start_matches(is_space_char);
    if after_space.is_empty() || after_space.starts_with('=') {
        return Err("missing attribute name");
    }
    let (_, (name, rest)) =
        name_then_equals(text).map_err(|_| "missing '=' after attribute name")?;
    let name_start = name.as_ptr() as usize - text.as_ptr() as usize;
    let rest_start = text.len() - rest.len();
    let value = rest.trim_matches(is_space_char);
    let value_start = rest_start + (rest.len() - rest.trim_start_matches(is_space_char).len());
    Ok((
        name_start..name_start + name.len(),
        value_start..value_start + value.len(),
    ))
}

/// Reads a whole file of `name = value` lines. Later duplicates are kept too; the caller decides
/// which one wins (the last, in main.cf).
pub fn parse_assignments(text: &str) -> AssignmentFile<'_> {
    let mut assignments = Vec::new();
    let mut bad_lines = Vec::new();
    for line in logical_lines(text) {
        if line.indented {
            bad_lines.push(BadLine::indented(line));
            continue;
        }
        match split_name_value(&line.text) {
            Ok((name, value)) => assignments.push(Assignment { line, name, value }),
            Err(reason) => {
                let reason = format!("{reason}: \"{}\"", line.text);
                bad_lines.push(BadLine { line, reason });
            }
        }
    }
    AssignmentFile {
        assignments,
        bad_lines,
    }
}

/// Postfix's warning for a logical line that starts with whitespace.
pub fn logical_line_whitespace_reason(line: &LogicalLine) -> String {
    let shown: String = line.text.chars().take(30).collect();
    let more = if line.text.chars().count() > 30 {
        "..."
    } else {
        ""
    };
    format!("logical line must not start with whitespace: \"{shown}{more}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Result<(String, String), &'static str> {
        split_name_value(text).map(|(n, v)| (text[n].to_string(), text[v].to_string()))
    }

    #[test]
    fn name_value_forms() {
        assert_eq!(split("a = b"), Ok(("a".into(), "b".into())));
        assert_eq!(split("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert_eq!(
            split("weird.name-x=  spaced   value  "),
            Ok(("weird.name-x".into(), "spaced   value".into()))
        );
        assert_eq!(split("empty ="), Ok(("empty".into(), "".into())));
        assert_eq!(
            split("x = value # not a comment"),
            Ok(("x".into(), "value # not a comment".into()))
        );
        assert_eq!(split("t = v\r"), Ok(("t".into(), "v".into())));
    }

    #[test]
    fn rejected_lines_use_postfix_reasons() {
        assert_eq!(
            split("noequals_here"),
            Err("missing '=' after attribute name")
        );
        assert_eq!(
            split("name value = x"),
            Err("missing '=' after attribute name")
        );
        assert_eq!(split("= value_without_name"), Err("missing attribute name"));
    }

    #[test]
    fn file_keeps_bad_lines_and_goes_on() {
        // The indented line after `broken` continues it, as in Postfix.
        let file = parse_assignments("  indented = 0\na = 1\nbroken\n  more = 2\nb = 2\n");
        let names: Vec<_> = file
            .assignments
            .iter()
            .map(|a| a.name().to_string())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(file.bad_lines.len(), 2);
        assert_eq!(file.bad_lines[0].line.line, 1);
        assert!(file.bad_lines[0]
            .reason
            .starts_with("logical line must not start with whitespace"));
        assert_eq!(
            file.bad_lines[1].reason,
            "missing '=' after attribute name: \"broken  more = 2\""
        );
    }
}
