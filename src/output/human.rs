//! Human output through miette: a source snippet per finding, labels in the same file inline,
//! labels in other files as related diagnostics with their own source.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostic::{Finding, Severity};
use crate::source::{FileId, LineIndex, Sources, Span};

#[derive(Debug)]
struct Rendered {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    source: NamedSource<IndexedSource>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

/// A file as miette reads it, but with the lines around a span found through the file's line
/// index: miette itself scans from the start of the file, which is slow for a finding on line
/// 900,000 of a map.
#[derive(Debug)]
struct IndexedSource {
    lines: Arc<LineIndex>,
    /// Ranges that hold secrets: shown as `*`.
    secrets: Vec<std::ops::Range<u32>>,
    /// The text with every unsafe character replaced byte for byte (spans stay valid), made
    /// only for a file whose shown lines hold one.
    printable: std::sync::OnceLock<Vec<u8>>,
}

/// The text with each character a terminal would act on replaced by as many `?` as it has
/// bytes, so that every offset stays where it was. A CR that ends a line (CRLF) is kept.
fn printable_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        let crlf = c == '\r' && chars.peek().is_some_and(|&(_, n)| n == '\n');
        if super::is_unsafe_char(c) && !crlf {
            out.extend(std::iter::repeat_n(b'?', c.len_utf8()));
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// Whether a window of whole lines holds a character `printable_bytes` replaces.
fn has_unsafe(window: &[u8]) -> bool {
    // Fast on the usual ASCII text: only a control byte or a non-ASCII byte needs a look.
    let suspicious = window
        .iter()
        .any(|&b| (b < 0x20 && b != b'\n' && b != b'\t') || b >= 0x7f);
    suspicious && std::str::from_utf8(window).map_or(true, |text| printable_bytes(text) != window)
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let lines = &self.lines;
        // A window with more lines on either side than miette shows, read by miette itself.
        let first = lines
            .line_of(span.offset())
            .saturating_sub(context_lines_before + 1);
        let after = lines.line_of(span.offset() + span.len()) + context_lines_after + 2;
        let start = lines.line_start(first).min(span.offset());
        let end = lines.line_start(after).max(start);
        let raw = &lines.text().as_bytes()[start..end];
        let secret = self
            .secrets
            .iter()
            .any(|r| (r.start as usize) < end && start < r.end as usize);
        let window = if secret || has_unsafe(raw) {
            &self.printable.get_or_init(|| {
                let mut bytes = printable_bytes(lines.text());
                // Secret spans start and end on character boundaries: the stars keep the text
                // valid UTF-8 and every offset in place.
                for r in &self.secrets {
                    let range = r.start as usize..(r.end as usize).min(bytes.len());
                    bytes[range].fill(b'*');
                }
                bytes
            })[start..end]
        } else {
            raw
        };
        let inner = SourceSpan::new((span.offset().saturating_sub(start)).into(), span.len());
        let contents = window.read_span(&inner, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + start).into(),
                contents.span().len(),
            ),
            contents.line() + first,
            contents.column(),
            contents.line_count() + first,
        )))
    }
}

fn named_source(sources: &Sources, file: FileId) -> NamedSource<IndexedSource> {
    let f = sources.get(file);
    NamedSource::new(
        super::printable(&f.display_path),
        IndexedSource {
            lines: f.shown().clone(),
            secrets: f.shown_secrets().collect(),
            printable: std::sync::OnceLock::new(),
        },
    )
}

/// A span as miette shows it, in the text as written (a template's own offsets).
fn source_span(sources: &Sources, span: Span) -> SourceSpan {
    let file = sources.get(span.file);
    let (start, end) = (file.shown_offset(span.start), file.shown_offset(span.end));
    SourceSpan::new((start as usize).into(), end.saturating_sub(start) as usize)
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn to_miette(sources: &Sources, finding: &Finding) -> Rendered {
    let file = finding.primary.span.file;
    let label_text = |m: &str| {
        if m.is_empty() {
            None
        } else {
            Some(super::printable(m).into_owned())
        }
    };
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        label_text(&finding.primary.message),
        source_span(sources, finding.primary.span),
    )];
    let mut related = Vec::new();
    // miette draws every line between the labels of one snippet: a label far from the primary
    // one gets a snippet of its own, so that a finding's output stays a few lines long.
    let lines = &sources.get(file).lines;
    let primary_line = lines.line_of(finding.primary.span.start as usize);
    let near = |span: Span| {
        span.file == file
            && lines.line_of(span.start as usize).abs_diff(primary_line) <= NEAR_LINES
            && lines.line_of(span.end as usize).abs_diff(primary_line) <= NEAR_LINES
    };
    for label in &finding.secondary {
        if near(label.span) {
            labels.push(LabeledSpan::new_with_span(
                label_text(&label.message),
                source_span(sources, label.span),
            ));
        } else {
            related.push(Rendered {
                message: super::printable(&label.message).into_owned(),
                code: None,
                severity: miette::Severity::Advice,
                source: named_source(sources, label.span.file),
                labels: vec![LabeledSpan::new_with_span(
                    None,
                    source_span(sources, label.span),
                )],
                help: None,
                related: Vec::new(),
            });
        }
    }
    Rendered {
        message: super::printable(&finding.message).into_owned(),
        code: Some(finding.rule.to_string()),
        severity: severity(finding.severity),
        source: named_source(sources, file),
        labels,
        help: finding
            .help
            .as_deref()
            .map(|h| super::printable_lines(h).into_owned()),
        related,
    }
}

/// How to draw: `Plain` (ASCII, no colour) is what tests snapshot.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Style {
    Color,
    NoColor,
    Plain,
}

/// The width tests render at.
pub const SNAPSHOT_WIDTH: usize = 100;

/// Renders one finding. `width` wraps messages and help at that many columns (a terminal's);
/// None does not wrap (a pipe or a file: the reader's tool wraps). Wrapping never splits a
/// word, so a path, a rule name or a flag stays whole.
pub fn render_one(
    sources: &Sources,
    finding: &Finding,
    style: Style,
    width: Option<usize>,
) -> String {
    let theme = match style {
        Style::Color => GraphicalTheme::unicode(),
        Style::NoColor => GraphicalTheme::unicode_nocolor(),
        Style::Plain => GraphicalTheme::none(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let handler = match width {
        Some(width) => handler.with_width(width),
        None => handler.with_wrap_lines(false),
    };
    if has_long_line(sources, finding) {
        return render_without_snippets(sources, finding);
    }
    let mut out = String::new();
    let rendered = to_miette(sources, finding);
    if handler.render_report(&mut out, &rendered).is_err() {
        out = format!("{}: {}\n", finding.rule, super::printable(&finding.message));
    }
    out
}

/// How far (in lines) a label may be from the primary one to share its snippet.
const NEAR_LINES: usize = 8;

/// Longer than any line worth showing in a snippet (and miette cannot draw a label past
/// column 65,535).
const LONG_LINE: usize = 4096;

/// Whether a line that a snippet of the finding would show (a label's lines and one line of
/// context on each side) is longer than [`LONG_LINE`].
fn has_long_line(sources: &Sources, finding: &Finding) -> bool {
    std::iter::once(&finding.primary)
        .chain(&finding.secondary)
        .any(|label| {
            let lines = &sources.get(label.span.file).lines;
            let first = lines.line_of(label.span.start as usize).saturating_sub(1);
            let last = lines.line_of(label.span.end as usize) + 1;
            (first..=last).any(|line| {
                let start = lines.line_start(line);
                lines.line_start(line + 1).saturating_sub(start) > LONG_LINE
            })
        })
}

/// A finding whose lines are too long to show: its message, where each label is, and the help.
fn render_without_snippets(sources: &Sources, finding: &Finding) -> String {
    let at = |span: Span| {
        let p = super::position(sources, span, false);
        format!("{}:{}:{}", super::printable(&p.path), p.line, p.column)
    };
    let mut out = format!(
        "{}\n\n  {}: {}\n",
        finding.rule,
        finding.severity.as_str(),
        super::printable(&finding.message)
    );
    for label in std::iter::once(&finding.primary).chain(&finding.secondary) {
        let message = super::printable(&label.message);
        match message.is_empty() {
            true => out.push_str(&format!("   at {}\n", at(label.span))),
            false => out.push_str(&format!("   at {}: {message}\n", at(label.span))),
        }
    }
    out.push_str(&format!(
        "   (a line here is longer than {LONG_LINE} characters: no snippet)\n"
    ));
    if let Some(help) = &finding.help {
        out.push_str(&format!("  help: {}\n", super::printable_lines(help)));
    }
    out
}

/// The findings and the summary line, at [`SNAPSHOT_WIDTH`] (what tests snapshot).
pub fn render(sources: &Sources, findings: &[Finding], style: Style) -> String {
    let mut out = render_findings(sources, findings, style, Some(SNAPSHOT_WIDTH));
    out.push_str(&super::summary(findings, crate::Silenced::default()));
    out.push('\n');
    out
}

/// The findings, each with its snippets, without the summary line.
pub fn render_findings(
    sources: &Sources,
    findings: &[Finding],
    style: Style,
    width: Option<usize>,
) -> String {
    let mut out = String::new();
    let (shown, cut) = super::shown(sources, findings);
    for finding in shown {
        out.push_str(&render_one(sources, finding, style, width));
        out.push('\n');
    }
    for line in cut {
        out.push_str(&line);
        out.push_str("\n\n");
    }
    out
}
