//! master.cf entries as `postconf` reads them (`pcf_parse_master_entry()` and
//! `pcf_normalize_daemon_args()` in postconf/postconf_master.c, master(5)).
//!
//! Each logical line is one service: at least eight fields separated by `" \t\r\n"` with `{}`
//! grouping, then the daemon's arguments. `-o name=value`, `-oname=value` and `-o { name = value }`
//! override main.cf parameters for that service; option parsing stops at the first argument that
//! does not start with `-`, or at `--`.

use std::ops::Range;

use super::assign::{split_name_value, BadLine};
use super::list::split_with;
use super::logical::{is_space, logical_lines, LogicalLine};
use super::placeholder;

/// The field names in postconf's error messages, in field order.
pub const FIELD_NAMES: [&str; 8] = [
    "service",
    "type",
    "private",
    "unprivileged",
    "chroot",
    "wakeup",
    "process_limit",
    "command",
];

/// Service types the master daemon knows.
pub const SERVICE_TYPES: &[&str] = &["unix", "fifo", "inet", "pass", "unix-dgram"];

/// One `-o` parameter override. Ranges index into the entry's `line.text`.
#[derive(Clone, Debug)]
pub struct Override {
    pub name: Range<usize>,
    pub value: Range<usize>,
    /// The whole argument that gave the value (`name=value` or `{ name = value }`).
    pub arg: Range<usize>,
}

/// An `-o` argument the daemon cannot use, with the reason.
#[derive(Clone, Debug)]
pub struct BadOption {
    pub arg: Range<usize>,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct MasterEntry<'a> {
    pub line: LogicalLine<'a>,
    /// Every field and argument, braces kept.
    pub fields: Vec<Range<usize>>,
    pub overrides: Vec<Override>,
    pub bad_options: Vec<BadOption>,
    /// The first argument that may set any parameter: an `-o` whose name is a template
    /// expression or installer marker (`-o {{ option }}`, `-o {{ k }}={{ v }}`), or an argument
    /// that is one (`{{ smtpd_args }}`). The overrides before it may be replaced by it.
    pub unknown_options: Option<Range<usize>>,
}

impl MasterEntry<'_> {
    pub fn field(&self, index: usize) -> &str {
        &self.line.text[self.fields[index].clone()]
    }
    pub fn service(&self) -> &str {
        self.field(0)
    }
    pub fn kind(&self) -> &str {
        self.field(1)
    }
    pub fn command(&self) -> &str {
        self.field(7)
    }
}

pub struct MasterFile<'a> {
    pub entries: Vec<MasterEntry<'a>>,
    pub bad_lines: Vec<BadLine<'a>>,
}

fn is_field_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The first field error postconf reports for an entry, in its words.
fn field_error(text: &str, fields: &[Range<usize>]) -> Option<String> {
    if fields.len() < 8 {
        return Some("bad field count".to_string());
    }
    let field = |i: usize| &text[fields[i].clone()];
    // A field an installer fills in (`PH_AMAVISD_MAX_SERVERS`) is unknown, not wrong.
    let filled_in = |i: usize| match i {
        2..=6 => placeholder::fills_flag_or_number_field(field(i)),
        _ => placeholder::is_whole(field(i)),
    };
    let invalid = |i: usize| {
        Some(format!(
            "invalid {} field \"{}\" in \"{}\"",
            FIELD_NAMES[i],
            field(i),
            text
        ))
    };
    if !SERVICE_TYPES.contains(&field(1)) && !filled_in(1) {
        return invalid(1);
    }
    for i in 2..=4 {
        if !matches!(field(i), "y" | "n" | "-") && !filled_in(i) {
            return invalid(i);
        }
    }
    let wakeup = field(5);
    let digits = wakeup.strip_suffix('?').unwrap_or(wakeup);
    let digits_ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if wakeup != "-" && !digits_ok && !filled_in(5) {
        return invalid(5);
    }
    let maxproc = field(6);
    let maxproc_ok = !maxproc.is_empty() && maxproc.bytes().all(|b| b.is_ascii_digit());
    if maxproc != "-" && !maxproc_ok && !filled_in(6) {
        return invalid(6);
    }
    None
}

/// Reads the `-o` value of one argument: `name=value` or `{ name = value }`.
fn parse_override(
    text: &str,
    arg: Range<usize>,
    overrides: &mut Vec<Override>,
    bad: &mut Vec<BadOption>,
    unknown: &mut Option<Range<usize>>,
) {
    let token = &text[arg.clone()];
    // A name that is a hole (the whole option, or the part before `=`) may be any name.
    let name_part = token.split('=').next().unwrap_or(token);
    if !crate::parse::placeholder::find(name_part).is_empty() {
        unknown.get_or_insert(arg);
        return;
    }
    if let Some(inner) = token.strip_prefix('{') {
        // extpar(): strip the braces and the whitespace inside them, then split_nameval().
        let (inner, closed) = match inner.strip_suffix('}') {
            Some(inner) => (inner, true),
            None => (inner, false),
        };
        let inner_start = arg.start + 1;
        let trimmed = inner.trim_matches(|c: char| c.is_ascii() && is_space(c as u8));
        let lead = inner.len()
            - inner
                .trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8))
                .len();
        if !closed {
            bad.push(BadOption {
                arg: arg.clone(),
                reason: format!("missing '}}' in \"{token}\""),
            });
        }
        match split_name_value(trimmed) {
            Ok((name, value)) => {
                let base = inner_start + lead;
                overrides.push(Override {
                    name: base + name.start..base + name.end,
                    value: base + value.start..base + value.end,
                    arg,
                });
            }
            Err(reason) => bad.push(BadOption {
                arg,
                reason: format!("{reason}: \"{trimmed}\""),
            }),
        }
        return;
    }
    match token.find('=') {
        Some(eq) if eq > 0 => overrides.push(Override {
            name: arg.start..arg.start + eq,
            value: arg.start + eq + 1..arg.end,
            arg,
        }),
        // postconf passes these over in silence; the daemon stops with
        // `invalid "-o ..." option value` (mail_conf_update via split_nameval()).
        Some(_) => bad.push(BadOption {
            arg,
            reason: format!("invalid \"-o {token}\" option value: missing attribute name"),
        }),
        None => bad.push(BadOption {
            arg,
            reason: format!(
                "invalid \"-o {token}\" option value: missing '=' after attribute name"
            ),
        }),
    }
}

/// The daemon arguments after the command field: the `-o` overrides and unusable options.
fn parse_options(
    text: &str,
    fields: &[Range<usize>],
) -> (Vec<Override>, Vec<BadOption>, Option<Range<usize>>) {
    let mut overrides = Vec::new();
    let mut bad = Vec::new();
    let mut unknown = None;
    let mut i = 8;
    while i < fields.len() {
        let arg = &text[fields[i].clone()];
        // An argument that is one hole may render as options (`-o a=b -o c=d`): the options
        // after it are still read.
        if crate::parse::placeholder::is_whole(arg) {
            unknown.get_or_insert(fields[i].clone());
            i += 1;
            continue;
        }
        if !arg.starts_with('-') || arg == "--" {
            break;
        }
        if let Some(rest) = arg.strip_prefix("-o") {
            if rest.is_empty() {
                match fields.get(i + 1) {
                    Some(value) => {
                        parse_override(text, value.clone(), &mut overrides, &mut bad, &mut unknown);
                        i += 1;
                    }
                    None => bad.push(BadOption {
                        arg: fields[i].clone(),
                        reason: "-o at the end of the entry has no value".to_string(),
                    }),
                }
            } else {
                let start = fields[i].start + 2;
                parse_override(
                    text,
                    start..fields[i].end,
                    &mut overrides,
                    &mut bad,
                    &mut unknown,
                );
            }
        }
        i += 1;
    }
    (overrides, bad, unknown)
}

/// Reads master.cf. Entries with field errors are bad lines (postconf stops at the first one;
/// we go on, so that one mistake does not hide the rest).
pub fn parse_master(text: &str) -> MasterFile<'_> {
    let mut entries = Vec::new();
    let mut bad_lines = Vec::new();
    for line in logical_lines(text) {
        if line.indented {
            bad_lines.push(BadLine::indented(line));
            continue;
        }
        let fields = split_with(&line.text, is_field_separator);
        if let Some(reason) = field_error(&line.text, &fields) {
            bad_lines.push(BadLine { line, reason });
            continue;
        }
        let (overrides, bad_options, unknown_options) = parse_options(&line.text, &fields);
        entries.push(MasterEntry {
            line,
            fields,
            overrides,
            bad_options,
            unknown_options,
        });
    }
    MasterFile { entries, bad_lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(line: &str) -> Vec<(String, String)> {
        let file = parse_master(line);
        assert!(file.bad_lines.is_empty(), "{:?}", file.bad_lines[0].reason);
        overrides_of(&file)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    // Each expectation is what `postconf -P` printed for the same line (Postfix 3.7).
    #[test]
    fn option_forms_as_postconf_reads_them() {
        assert_eq!(
            overrides("s1 inet n - y - - smtpd -osmtpd_a=1 -v -o smtpd_b=2 -D -o smtpd_c=3"),
            pairs(&[("smtpd_a", "1"), ("smtpd_b", "2"), ("smtpd_c", "3")])
        );
        assert_eq!(
            overrides("s2 inet n - y - - smtpd -o smtpd_d=4 foo -o smtpd_e=5"),
            pairs(&[("smtpd_d", "4")])
        );
        assert_eq!(
            overrides("s3 inet n - y - - smtpd -o smtpd_f=6 -- -o smtpd_g=7"),
            pairs(&[("smtpd_f", "6")])
        );
        assert_eq!(
            overrides("s4 inet n - y - - smtpd -o noequals -o smtpd_h= -o"),
            pairs(&[("smtpd_h", "")])
        );
        assert_eq!(
            overrides("s5 inet n - y - - smtpd -o {smtpd_i=a  b } -o { smtpd_j = x } -o {bad}"),
            pairs(&[("smtpd_i", "a  b"), ("smtpd_j", "x")])
        );
        assert_eq!(
            overrides("s6 inet n - y - - smtpd -e 5 -o smtpd_k=8"),
            pairs(&[])
        );
        assert_eq!(
            overrides("s7 inet n - y - - smtpd -o{smtpd_m=1}"),
            pairs(&[("smtpd_m", "1")])
        );
    }

    #[test]
    fn unusable_options_are_kept_with_reasons() {
        let file = parse_master("s inet n - y - - smtpd -o noequals -o {bad} -o =x -o {a=1\n");
        let reasons: Vec<&str> = file.entries[0]
            .bad_options
            .iter()
            .map(|b| b.reason.as_str())
            .collect();
        assert_eq!(
            reasons,
            [
                "invalid \"-o noequals\" option value: missing '=' after attribute name",
                "missing '=' after attribute name: \"bad\"",
                "invalid \"-o =x\" option value: missing attribute name",
                "missing '}' in \"{a=1\"",
            ]
        );
    }

    #[test]
    fn an_option_whose_name_is_a_hole_may_set_anything() {
        // `-o {{ x }}` and `-o {{ k }}={{ v }}` as the template reader leaves them; a whole
        // argument that is a hole; an override after it is still read.
        for line in [
            "s inet n - y - - smtpd -o a=1 -o !TTTTTTT! -o b=2\n",
            "s inet n - y - - smtpd -o a=1 -o !TTT!=!TTTT! -o b=2\n",
            "s inet n - y - - smtpd -o a=1 !TTTTTTTTT! -o b=2\n",
        ] {
            let file = parse_master(line);
            let entry = &file.entries[0];
            assert!(entry.bad_options.is_empty(), "{line}");
            let names: Vec<&str> = entry
                .overrides
                .iter()
                .map(|o| &entry.line.text[o.name.clone()])
                .collect();
            assert_eq!(names, ["a", "b"], "{line}");
            let hole = entry.unknown_options.clone().expect(line);
            assert!(entry.line.text[hole].contains("!TTT"), "{line}");
        }
        let file = parse_master("s inet n - y - - smtpd -o a=!TTTT! -o noequals\n");
        assert!(file.entries[0].unknown_options.is_none());
        assert_eq!(file.entries[0].bad_options.len(), 1);
    }

    #[test]
    fn field_errors_use_postconf_words() {
        let cases = [
            ("smtp inet n - y - -\n", "bad field count"),
            (
                "smtp tcp n - y - - smtpd\n",
                "invalid type field \"tcp\" in \"smtp tcp n - y - - smtpd\"",
            ),
            (
                "smtp inet yes - y - - smtpd\n",
                "invalid private field \"yes\" in \"smtp inet yes - y - - smtpd\"",
            ),
            (
                "pickup unix n - y 1x 1 pickup\n",
                "invalid wakeup field \"1x\" in \"pickup unix n - y 1x 1 pickup\"",
            ),
            (
                "smtp inet n - y - many smtpd\n",
                "invalid process_limit field \"many\" in \"smtp inet n - y - many smtpd\"",
            ),
        ];
        for (text, reason) in cases {
            let file = parse_master(text);
            assert_eq!(file.bad_lines.len(), 1, "{text}");
            assert_eq!(file.bad_lines[0].reason, reason);
        }
        let ok = parse_master("pickup unix n - y 60? 1 pickup\nqmgr unix n - n 300 1 qmgr\n");
        assert!(ok.bad_lines.is_empty());
        assert_eq!(ok.entries.len(), 2);
        // A type an installer or a template fills in (a service loop of a role) is unknown.
        for text in [
            "smtp PH_TYPE n - y - - smtpd\n",
            "smtp !TTTT! n - y - - smtpd\n",
        ] {
            assert!(parse_master(text).bad_lines.is_empty(), "{text}");
        }
    }

    #[test]
    fn continuation_lines_join_fields() {
        let file = parse_master("submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n# note\n  -o { smtpd_sasl_auth_enable = yes }\n");
        assert_eq!(
            overrides_of(&file),
            pairs(&[
                ("smtpd_tls_security_level", "encrypt"),
                ("smtpd_sasl_auth_enable", "yes")
            ])
        );
    }

    fn overrides_of(file: &MasterFile) -> Vec<(String, String)> {
        let entry = &file.entries[0];
        entry
            .overrides
            .iter()
            .map(|o| {
                (
                    entry.line.text[o.name.clone()].to_string(),
                    entry.line.text[o.value.clone()].to_string(),
                )
            })
            .collect()
    }
}
