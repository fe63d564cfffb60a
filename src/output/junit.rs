//! `--format junit`: a JUnit XML report for CI systems that show test results (GitLab,
//! Jenkins, Azure Pipelines). Each rule that ran is a test case; each finding is a failed case,
//! and a rule with no findings is one passed case.

use super::position;
use crate::diagnostic::Finding;
use crate::rules::Rule;
use crate::source::Sources;

pub fn render(sources: &Sources, findings: &[Finding], ran: &[&'static Rule]) -> String {
    let mut cases = String::new();
    let mut tests = 0;
    // At most SHOWN_PER_FILE failures of a rule in a file; the cut is noted as system output.
    let (shown, cut) = super::shown(sources, findings);
    for rule in ran {
        let mine: Vec<&Finding> = shown
            .iter()
            .copied()
            .filter(|f| f.rule == rule.id)
            .collect();
        if mine.is_empty() {
            tests += 1;
            cases.push_str(&format!(
                "    <testcase classname=\"postlint.{id}\" name=\"{id}\"/>\n",
                id = escape(rule.id)
            ));
        }
        for f in mine {
            tests += 1;
            let at = position(sources, f.primary.span, false);
            let mut text = format!("{}:{}:{}: {}", at.path, at.line, at.column, f.message);
            if let Some(help) = &f.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            cases.push_str(&format!(
                "    <testcase classname=\"postlint.{id}\" name=\"{path}:{line}: {message}\" \
                 file=\"{path}\" line=\"{line}\">\n      <failure type=\"{severity}\" \
                 message=\"{message}\">{text}</failure>\n    </testcase>\n",
                id = escape(f.rule),
                path = escape(&at.path),
                line = at.line,
                message = escape(&f.message),
                severity = f.severity.as_str(),
                text = escape(&text),
            ));
        }
    }
    let failures = shown.len();
    if !cut.is_empty() {
        cases.push_str(&format!(
            "    <system-out>{}</system-out>\n",
            escape(&cut.join("\n"))
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"postlint\" tests=\"{tests}\" failures=\"{failures}\">\n  \
         <testsuite name=\"postlint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" \
         skipped=\"0\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

/// Text and attribute values: the five XML specials, and control characters XML 1.0 cannot
/// carry (a Postfix file may hold any byte) as U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 => out.push('\u{fffd}'),
            // DEL, C1 controls and bidi overrides: legal in XML, but not raw on a terminal.
            c if super::is_unsafe_char(c) => out.push_str(&format!("&#x{:x};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\"\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot;\u{fffd}&#10;"
        );
    }
}
