//! Findings: what a rule reports, before any output format sees it.

use serde::Serialize;

use crate::source::Span;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
}

impl Finding {
    /// The text of the primary label.
    pub fn label(&mut self, message: impl Into<String>) -> &mut Finding {
        self.primary.message = message.into();
        self
    }

    /// A related location, in this file or another one.
    pub fn secondary(&mut self, span: Span, message: impl Into<String>) -> &mut Finding {
        let label = Label {
            span,
            message: message.into(),
        };
        if label.span != self.primary.span && !self.secondary.contains(&label) {
            self.secondary.push(label);
        }
        self
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Finding {
        self.help = Some(help.into());
        self
    }
}

/// Collects one rule's findings, stamping each with the rule's id and severity.
pub struct Findings {
    rule: &'static str,
    severity: Severity,
    pub list: Vec<Finding>,
}

impl Findings {
    pub fn new(rule: &'static str, severity: Severity) -> Findings {
        Findings {
            rule,
            severity,
            list: Vec::new(),
        }
    }

    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Finding {
        self.list.push(Finding {
            rule: self.rule,
            severity: self.severity,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
        });
        self.list.last_mut().expect("just pushed")
    }
}
