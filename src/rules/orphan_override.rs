//! master.cf `-o` lines under a commented-out service line: master.cf has no block structure,
//! so they continue the service above and change it instead.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::Model;
use crate::parse::master::SERVICE_TYPES;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "orphan-override",
    severity: Severity::Warning,
    summary: "`-o` lines under a commented-out master.cf service attach to the service above it",
    doc: include_str!("../../rules/orphan-override.md"),
    undecided: super::always_decides,
    check,
};

/// `service/type` when a line (after its `#`) reads as a master.cf service entry.
fn commented_service(text: &str) -> Option<String> {
    let fields: Vec<&str> = text.trim_start_matches('#').split_whitespace().collect();
    if fields.len() < 8 || !SERVICE_TYPES.contains(&fields[1]) {
        return None;
    }
    let flag = |f: &str| matches!(f, "y" | "n" | "-");
    let number = |f: &str| f == "-" || f.trim_end_matches('?').chars().all(|c| c.is_ascii_digit());
    (flag(fields[2])
        && flag(fields[3])
        && flag(fields[4])
        && number(fields[5])
        && number(fields[6]))
    .then(|| format!("{}/{}", fields[0], fields[1]))
}

/// `submission/inet` of `127.0.0.1:submission/inet`: the port and type, which the "choose one"
/// lines of Postfix's master.cf share (`127.0.0.1:submission` above `#submission`).
fn port_and_type(label: &str) -> &str {
    label.rsplit_once(':').map_or(label, |(_, rest)| rest)
}

/// An orphaned block: the commented-out service, and the lines that continue the entry above.
pub(super) struct Orphans {
    commented: (Span, String),
    above: String,
    pub(super) lines: Vec<Span>,
}

/// The indented lines of master.cf that follow a commented-out service line, by block. The
/// service above gets them; this rule reports each block once, and override-unused leaves
/// their `-o` alone (one mistake, one finding).
pub(super) fn orphan_blocks(model: &Model) -> Vec<Orphans> {
    let Some(file) = model.master.file else {
        return Vec::new();
    };
    let text = model.sources.text(file);
    let mut blocks: Vec<Orphans> = Vec::new();
    let mut above: Option<String> = None;
    let mut commented: Option<(Span, String)> = None;
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_ascii_start();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('#') {
            if above.is_some() {
                if let Some(label) = commented_service(trimmed).filter(|label| {
                    above
                        .as_deref()
                        .is_none_or(|a| port_and_type(a) != port_and_type(label))
                }) {
                    let at = start + (body.len() - trimmed.len());
                    commented = Some((Span::new(file, at, start + body.len()), label));
                }
            }
            continue;
        }
        // Postfix's white space (a CR that a `sed` left at a line's start included) makes a
        // continuation line, as the master.cf parser reads it.
        let continues = body
            .bytes()
            .next()
            .is_some_and(crate::parse::logical::is_space);
        if !continues {
            let mut fields = body.split_whitespace();
            above = Some(format!(
                "{}/{}",
                fields.next().unwrap_or(""),
                fields.next().unwrap_or("")
            ));
            commented = None;
            continue;
        }
        let (Some(entry), Some(service)) = (&above, &commented) else {
            continue;
        };
        let at = start + (body.len() - trimmed.len());
        let span = Span::new(file, at, start + body.len());
        match blocks.last_mut() {
            Some(block) if block.commented.0 == service.0 => block.lines.push(span),
            _ => blocks.push(Orphans {
                commented: service.clone(),
                above: entry.clone(),
                lines: vec![span],
            }),
        }
    }
    blocks
}

fn check(model: &Model, out: &mut Findings) {
    for block in orphan_blocks(model) {
        let (commented_span, commented_label) = &block.commented;
        let count = block.lines.len();
        let lines = if count == 1 {
            "this line continues".to_string()
        } else {
            format!("these {count} lines continue")
        };
        let finding = out.report(
            block.lines[0],
            format!(
                "{lines} {} ({} is commented out): master.cf joins every indented line to the entry above, so {} gets these settings",
                block.above, commented_label, block.above
            ),
        );
        finding.subject(format!("{} under {}", block.above, commented_label));
        finding.label(format!("applies to {}", block.above));
        finding.secondary(
            *commented_span,
            "commented out: its options went to the service above",
        );
        finding.help(format!(
            "Comment these lines out together with the {commented_label} line, or uncomment \
             that line so they apply to it. Comment lines do not end a master.cf entry; only a \
             line that starts without white space does."
        ));
    }
}
