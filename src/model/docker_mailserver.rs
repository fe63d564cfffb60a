//! docker-mailserver's `postfix-master.cf`: the `postconf -P` lines its start script applies to
//! the image's master.cf (target/scripts/startup/setup.d/postfix.sh). The script drops blank
//! lines and comments (`grep -v '^\s*$|^\s*#'`, after turning CRLF into LF), runs `postconf -P
//! "$LINE"` for each line that starts with a lowercase letter or a digit, and skips the others
//! without a word. postconf (postconf_edit.c, 3.7) then refuses, with a fatal error that stops
//! only that line, a pattern that is not `service/type/parameter`, white space inside the
//! pattern or the value, and a wild-card parameter name; a line without `=` only prints the
//! setting. Those lines never reach master.cf: this module finds them. Which services the
//! image's master.cf has is not known here, so a line naming another service is not judged.

use crate::source::{FileId, Span};

/// One line the start script reads.
#[derive(Clone, Debug)]
pub struct Override {
    /// 1-based line number in postfix-master.cf.
    pub line: u32,
    /// The line's text, without its line ending.
    pub span: Span,
    /// Why the setting never reaches master.cf; None when postconf applies it (to a service
    /// of that name and type, if the image has one).
    pub problem: Option<Problem>,
}

/// Why a line of postfix-master.cf changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// It does not start with `[0-9a-z]`: the script skips it.
    Skipped,
    /// No `=`: `postconf -P service/type/name` prints the setting and changes nothing.
    NoValue,
    /// postconf's fatal error for it, as postconf words it.
    Refused(&'static str),
}

/// The lines of a postfix-master.cf, as the start script and `postconf -P` read them.
pub fn parse(file: FileId, text: &str) -> Vec<Override> {
    let mut out = Vec::new();
    let mut start = 0usize;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let line_start = start;
        start += raw.len();
        let body = raw.strip_suffix('\n').unwrap_or(raw);
        let body = body.strip_suffix('\r').unwrap_or(body);
        let trimmed = body.trim_start_matches(is_space);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let span = Span {
            file,
            start: line_start as u32,
            end: (line_start + body.len()) as u32,
        };
        out.push(Override {
            line: index as u32 + 1,
            span,
            problem: problem(body),
        });
    }
    out
}

/// grep's `\s` and postconf's blanks (" \t\r\n"), and the other ASCII spaces.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0b' | '\x0c')
}

fn problem(line: &str) -> Option<Problem> {
    // A template's expression (Jinja, ERB) fills the line before the container reads it.
    if ["{{", "{%", "<%"].iter().any(|m| line.contains(m)) {
        return None;
    }
    if !line.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some(Problem::Skipped);
    }
    // split_nameval(): the name runs to white space or `=`; then only white space before `=`.
    let Some(eq) = line.find('=') else {
        return Some(Problem::NoValue);
    };
    let (pattern, value) = (&line[..eq], &line[eq + 1..]);
    if pattern.trim_end_matches(is_space).contains(is_space) {
        return Some(Problem::Refused("missing '=' after attribute name"));
    }
    let pattern = pattern.trim_end_matches(is_space);
    let parts: Vec<&str> = pattern.split('/').collect();
    // pcf_parse_service_pattern(pattern, 3, 3): three non-empty parts; a wild-card parameter
    // name is refused as well.
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) || parts[2].contains('*') {
        return Some(Problem::Refused(
            "-Pe or -PX requires service_name/type/parameter",
        ));
    }
    if value.trim_matches(is_space).contains(is_space) {
        return Some(Problem::Refused(
            "-Pe does not accept whitespace in parameter value",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(u32, Option<Problem>)> {
        parse(FileId(0), text)
            .into_iter()
            .map(|o| (o.line, o.problem))
            .collect()
    }

    #[test]
    fn lines_postconf_applies_and_refuses() {
        let text = "# comment\n\n  # indented comment\r\n\
                    submission/inet/smtpd_sasl_auth_enable=yes\r\n\
                    submission/inet/smtpd_tls_security_level = encrypt\t\n\
                    smtp/inet/postscreen_upstream_proxy_protocol=haproxy\n\
                    submission/inet/smtpd_recipient_restrictions=permit_sasl_authenticated, reject\n\
                    submission/inet/smtpd_sasl_auth_enable=yes # on\n\
                    submission/inet/smtpd_tls_auth_only\n\
                    submission/smtpd_tls_auth_only=yes\n\
                    submission/inet/ smtpd_tls_auth_only=yes\n\
                    submission/inet/smtpd_*=yes\n\
                    \x20 -o smtpd_tls_auth_only=yes\n\
                    Submission/inet/smtpd_tls_auth_only=yes\n\
                    submission/inet/smtpd_tls_security_level={{ level | default('may') }}";
        let refused = |why| Some(Problem::Refused(why));
        assert_eq!(
            problems(text),
            [
                (4, None),
                (5, None),
                (6, None),
                (
                    7,
                    refused("-Pe does not accept whitespace in parameter value")
                ),
                (
                    8,
                    refused("-Pe does not accept whitespace in parameter value")
                ),
                (9, Some(Problem::NoValue)),
                (
                    10,
                    refused("-Pe or -PX requires service_name/type/parameter")
                ),
                (11, refused("missing '=' after attribute name")),
                (
                    12,
                    refused("-Pe or -PX requires service_name/type/parameter")
                ),
                (13, Some(Problem::Skipped)),
                (14, Some(Problem::Skipped)),
                (15, None),
            ]
        );
    }
}
