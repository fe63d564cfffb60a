//! `--format sarif`: SARIF 2.1.0, which GitHub code scanning and other dashboards import.
//! Every rule comes with its summary, its whole page as help and a link to it; every result
//! with its fingerprint, so a dashboard keeps a finding's state when lines move.

use serde::Serialize;

use super::position;
use crate::diagnostic::{Finding, Severity};
use crate::rules::{Rule, RULES};
use crate::source::{Sources, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where a rule's page is published: the repository's `rules/` folder.
pub fn help_uri(rule: &Rule) -> String {
    format!(
        "{}/blob/main/rules/{}.md",
        env!("CARGO_PKG_REPOSITORY"),
        rule.id
    )
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "postlint/v1")]
    postlint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path stays relative (code scanning resolves it against the checkout); an
/// absolute one becomes a file: URI. Characters a URI cannot hold are percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(sources: &Sources, span: Span, id: Option<usize>, message: Option<&str>) -> Location {
    let start = position(sources, span, false);
    let end = position(sources, span, true);
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri(&start.path),
            },
            region: Region {
                start_line: start.line,
                start_column: start.column,
                end_line: end.line,
                end_column: end.column,
            },
        },
        message: message.map(|m| Text {
            text: m.to_string(),
        }),
    }
}

pub fn render(sources: &Sources, findings: &[Finding]) -> String {
    let rules = RULES
        .iter()
        .map(|r| RuleDescriptor {
            id: r.id,
            short_description: Text {
                text: r.summary.to_string(),
            },
            full_description: Text {
                text: r.summary.to_string(),
            },
            help: Help {
                text: r.doc,
                markdown: r.doc,
            },
            help_uri: help_uri(r),
            default_configuration: Configuration {
                level: level(r.severity),
            },
        })
        .collect();
    let results = findings
        .iter()
        .map(|f| {
            let mut text = f.message.clone();
            if let Some(help) = &f.help {
                text.push_str("\n\n");
                text.push_str(help);
            }
            SarifResult {
                rule_id: f.rule,
                rule_index: RULES.iter().position(|r| r.id == f.rule).unwrap_or(0),
                level: level(f.severity),
                message: Text { text },
                locations: vec![location(sources, f.primary.span, None, None)],
                related_locations: f
                    .secondary
                    .iter()
                    .enumerate()
                    .map(|(i, l)| location(sources, l.span, Some(i), Some(&l.message)))
                    .collect(),
                partial_fingerprints: Fingerprints {
                    postlint: f.fingerprint.clone(),
                },
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "postlint",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            results,
        }],
    };
    let mut text = super::json_safe(serde_json::to_string_pretty(&log).expect("SARIF serializes"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uris() {
        assert_eq!(uri("etc/postfix/main.cf"), "etc/postfix/main.cf");
        assert_eq!(
            uri("/etc/postfix/a b%.cf"),
            "file:///etc/postfix/a%20b%25.cf"
        );
    }
}
