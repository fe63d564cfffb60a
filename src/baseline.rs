//! Baselines: `--write-baseline FILE` records the current findings by fingerprint;
//! `--baseline FILE` then reports only findings it does not hold. For adopting postlint on a
//! setup with many old findings, and fixing them over time.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Finding;
use crate::output::position;
use crate::source::Sources;

pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    /// How the baseline's run was called ([`Mode`]): fingerprints name files relative to that
    /// run's root, so a run of another kind matches none of them. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mode: Option<Mode>,
    findings: Vec<Entry>,
}

/// The kind of command a baseline was written with; each has its own root for fingerprints.
#[derive(Serialize, Deserialize, Copy, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `postlint DIR` (or the live /etc/postfix): relative to DIR.
    Directory,
    /// `postlint --sysroot ROOT`: relative to ROOT.
    Sysroot,
    /// `postlint --discover REPO`: relative to REPO.
    Discover,
}

impl Mode {
    pub fn command(self) -> &'static str {
        match self {
            Mode::Directory => "postlint DIR",
            Mode::Sysroot => "postlint --sysroot ROOT",
            Mode::Discover => "postlint --discover",
        }
    }
}

/// One recorded finding. Only the fingerprint is matched; the rest is for the reader.
#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    rule: String,
    path: String,
    message: String,
}

/// The fingerprints of a baseline, each with how many findings it may still absorb.
#[derive(Debug, Default)]
pub struct Baseline {
    remaining: HashMap<String, usize>,
    /// The kind of command that wrote it, when the file says.
    pub mode: Option<Mode>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = crate::fsread::read_text(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let file: File = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}: not a postlint baseline: {e}",
                path.display(),
                e.line()
            )
        })?;
        if file.version != VERSION {
            return Err(format!(
                "{}: baseline version {} (this postlint reads version {VERSION})",
                path.display(),
                file.version
            ));
        }
        let mut remaining = HashMap::new();
        for entry in file.findings {
            *remaining.entry(entry.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline {
            remaining,
            mode: file.mode,
        })
    }

    /// Drops the findings the baseline holds (each entry absorbs one); returns how many.
    pub fn filter(&mut self, findings: &mut Vec<Finding>) -> usize {
        let before = findings.len();
        findings.retain(|f| match self.remaining.get_mut(&f.fingerprint) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
        before - findings.len()
    }
}

/// The baseline file for these findings, sorted so that it diffs well in review.
pub fn render(sources: &Sources, findings: &[Finding], mode: Mode) -> String {
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            fingerprint: f.fingerprint.clone(),
            rule: f.rule.to_string(),
            path: position(sources, f.primary.span, false).path,
            message: f.message.clone(),
        })
        .collect();
    entries.sort_by(|a, b| {
        (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
    });
    let mut text = crate::output::json_safe(
        serde_json::to_string_pretty(&File {
            version: VERSION,
            mode: Some(mode),
            findings: entries,
        })
        .expect("baseline serializes"),
    );
    text.push('\n');
    text
}
