//! `--format json`: one versioned JSON document. Its serde types are the schema.

use serde::Serialize;

use super::position;
use crate::diagnostic::{Finding, Severity};
use crate::source::Sources;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
pub struct JsonReport {
    pub version: u32,
    pub diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Stable across line moves: what `--baseline` matches.
    pub fingerprint: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub related: Vec<JsonRelated>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

#[derive(Serialize)]
pub struct JsonRelated {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

pub fn report(sources: &Sources, findings: &[Finding]) -> JsonReport {
    let diagnostics = findings
        .iter()
        .map(|f| {
            let start = position(sources, f.primary.span, false);
            let end = position(sources, f.primary.span, true);
            JsonDiagnostic {
                rule: f.rule,
                severity: f.severity,
                message: f.message.clone(),
                fingerprint: f.fingerprint.clone(),
                path: start.path,
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                related: f
                    .secondary
                    .iter()
                    .map(|l| {
                        let p = position(sources, l.span, false);
                        JsonRelated {
                            path: p.path,
                            line: p.line,
                            column: p.column,
                            message: l.message.clone(),
                        }
                    })
                    .collect(),
                help: f.help.clone(),
            }
        })
        .collect();
    JsonReport {
        version: VERSION,
        diagnostics,
    }
}

pub fn render(sources: &Sources, findings: &[Finding]) -> String {
    let mut text = super::json_safe(
        serde_json::to_string_pretty(&report(sources, findings)).expect("findings serialize"),
    );
    text.push('\n');
    text
}
