//! `--format github`: GitHub Actions workflow commands, which the runner turns into annotations
//! on the pull request's changed lines.
//! <https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions>

use super::position;
use crate::diagnostic::{Finding, Severity};
use crate::source::Sources;

pub fn render(sources: &Sources, findings: &[Finding]) -> String {
    let mut out = String::new();
    let (shown, cut) = super::shown(sources, findings);
    for line in cut {
        out.push_str(&format!("::notice title=postlint::{}\n", data(&line)));
    }
    for f in shown {
        let start = position(sources, f.primary.span, false);
        let end = position(sources, f.primary.span, true);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\n\n");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&start.path),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&format!("postlint {}", f.rule)),
            data(&message)
        ));
    }
    out
}

/// The message part of a workflow command: `%`, CR and LF are escaped, and every other
/// character a terminal would act on is shown as `\u{..}` (the runner's log is a terminal).
fn data(text: &str) -> String {
    super::printable_lines(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A `key=value` property: also `:` and `,`, which end properties.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_ends_a_command() {
        assert_eq!(data("50% of a\nb\u{1b}[2J"), "50%25 of a%0Ab\\u{1b}[2J");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
