//! `postlint.toml`: which rules run, at which severity, which files are left out, and when
//! the run fails. Found in the linted directory or the nearest parent, up to the repository
//! root (the first directory holding `.git`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::model::version::Release;
use crate::rules::{self, Rule, RULES};
use crate::source::LineIndex;

pub const FILE_NAME: &str = "postlint.toml";

/// The keys postlint.toml may hold.
const KEYS: &[&str] = &[
    "select",
    "ignore",
    "severity",
    "exclude",
    "per-file-ignores",
    "fail-on",
    "postfix-version",
];

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawConfig {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    per_file_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    fail_on: Option<Spanned<String>>,
    postfix_version: Option<Spanned<String>>,
}

/// When a run fails: at a finding of this severity or higher, or never.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FailOn {
    At(Severity),
    Never,
}

impl FailOn {
    pub fn parse(name: &str) -> Option<FailOn> {
        Some(match name {
            "never" => FailOn::Never,
            other => FailOn::At(severity(other)?),
        })
    }
}

fn severity(name: &str) -> Option<Severity> {
    Some(match name {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "info" => Severity::Info,
        _ => return None,
    })
}

/// A postlint.toml, checked.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from (None: no file, the defaults).
    pub path: Option<PathBuf>,
    /// Its directory, canonical: globs match paths relative to it.
    base: Option<PathBuf>,
    pub select: Option<Vec<&'static str>>,
    pub ignore: Vec<&'static str>,
    pub severity: Vec<(&'static str, Severity)>,
    exclude: Option<GlobSet>,
    per_file_ignores: Vec<(GlobSet, Vec<&'static str>)>,
    pub fail_on: Option<FailOn>,
    /// The Postfix release to lint for.
    pub postfix_version: Option<Release>,
}

/// What postlint.toml leaves out of one file's findings.
#[derive(Debug, Default)]
pub struct FileFilter {
    /// `exclude` matches the file or a directory above it: no finding is reported.
    pub excluded: bool,
    /// The rules `per-file-ignores` turns off here.
    pub ignored: Vec<&'static str>,
}

impl FileFilter {
    pub fn drops(&self, rule: &str) -> bool {
        self.excluded || self.ignored.contains(&rule)
    }
}

/// A mistake in postlint.toml: where, and what.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Line 0: about the file as a whole (it cannot be read, or TOML has no position).
        match self.line {
            0 => write!(f, "{}: {}", self.path.display(), self.message),
            line => write!(f, "{}:{line}: {}", self.path.display(), self.message),
        }
    }
}

impl Config {
    /// The postlint.toml that applies to `dir`: in it, or in the nearest parent directory, not
    /// above the repository root.
    pub fn find(dir: &Path) -> Option<PathBuf> {
        let start = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        for ancestor in start.ancestors() {
            let candidate = ancestor.join(FILE_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
            if ancestor.join(".git").exists() {
                return None;
            }
        }
        None
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = crate::fsread::read_text(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let lines = LineIndex::of(text.to_string());
        let error = |offset: usize, message: String| ConfigError {
            path: path.to_path_buf(),
            line: lines.line_of(offset) + 1,
            message,
        };
        // Unknown keys first, with a suggestion: serde would only list the known ones.
        let table = toml::de::DeTable::parse(text)
            .map_err(|e| error(e.span().map_or(0, |s| s.start), e.message().to_string()))?;
        for (key, _) in table.get_ref() {
            if !KEYS.contains(&key.get_ref().as_ref()) {
                let name = key.get_ref();
                let hint = match rules::closest(name, KEYS.iter().copied()) {
                    Some(k) => format!("; did you mean `{k}`?"),
                    None => format!(" (known keys: {})", KEYS.join(", ")),
                };
                return Err(error(
                    key.span().start,
                    format!("unknown key `{name}`{hint}"),
                ));
            }
        }
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| error(e.span().map_or(0, |s| s.start), e.message().to_string()))?;
        let rule = |name: &Spanned<String>| -> Result<&'static str, ConfigError> {
            match rules::find(name.get_ref()) {
                Some(r) => Ok(r.id),
                None => Err(error(
                    name.span().start,
                    rules::unknown_rule(name.get_ref()),
                )),
            }
        };
        let rule_list =
            |names: &[Spanned<String>]| names.iter().map(rule).collect::<Result<Vec<_>, _>>();
        let globs = |patterns: &[&Spanned<String>]| -> Result<GlobSet, ConfigError> {
            let mut set = GlobSetBuilder::new();
            for p in patterns {
                let glob = Glob::new(p.get_ref())
                    .map_err(|e| error(p.span().start, format!("bad glob: {e}")))?;
                set.add(glob);
            }
            set.build().map_err(|e| error(0, format!("bad glob: {e}")))
        };
        let mut config = Config {
            path: Some(path.to_path_buf()),
            // `--config postlint.toml` has the parent "", which is the current directory.
            base: std::fs::canonicalize(
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new(".")),
            )
            .ok(),
            select: raw.select.as_deref().map(rule_list).transpose()?,
            ignore: rule_list(&raw.ignore)?,
            ..Config::default()
        };
        for (name, level) in &raw.severity {
            let id = rule(name)?;
            let Some(s) = severity(level.get_ref()) else {
                return Err(error(
                    level.span().start,
                    format!(
                        "unknown severity `{}` (error, warning or info)",
                        level.get_ref()
                    ),
                ));
            };
            config.severity.push((id, s));
        }
        if !raw.exclude.is_empty() {
            config.exclude = Some(globs(&raw.exclude.iter().collect::<Vec<_>>())?);
        }
        for (pattern, names) in &raw.per_file_ignores {
            config
                .per_file_ignores
                .push((globs(&[pattern])?, rule_list(names)?));
        }
        if let Some(level) = &raw.fail_on {
            config.fail_on = Some(FailOn::parse(level.get_ref()).ok_or_else(|| {
                error(
                    level.span().start,
                    format!(
                        "unknown fail-on `{}` (error, warning, info or never)",
                        level.get_ref()
                    ),
                )
            })?);
        }
        if let Some(version) = &raw.postfix_version {
            config.postfix_version = Some(Release::parse(version.get_ref()).ok_or_else(|| {
                error(
                    version.span().start,
                    format!(
                        "`{}` is not a Postfix release like 3.7 or 3.10",
                        version.get_ref()
                    ),
                )
            })?);
        }
        Ok(config)
    }

    /// What `exclude` and `per-file-ignores` say of one file: matched once per file, its path
    /// taken relative to the directory of postlint.toml.
    pub fn file_filter(&self, file: &Path) -> FileFilter {
        let relative = self.base.as_ref().and_then(|base| {
            let file = std::fs::canonicalize(file).ok()?;
            file.strip_prefix(base).ok().map(Path::to_path_buf)
        });
        let Some(rel) = relative else {
            return FileFilter::default();
        };
        let excluded = self.exclude.as_ref().is_some_and(|set| {
            rel.ancestors()
                .any(|a| !a.as_os_str().is_empty() && set.is_match(a))
        });
        let ignored = self
            .per_file_ignores
            .iter()
            .filter(|(set, _)| set.is_match(&rel))
            .flat_map(|(_, rules)| rules.iter().copied())
            .collect();
        FileFilter { excluded, ignored }
    }

    /// The rules to run: `select` (else all) less `ignore`.
    pub fn rules(&self) -> Vec<&'static Rule> {
        RULES
            .iter()
            .filter(|r| self.select.as_ref().is_none_or(|s| s.contains(&r.id)))
            .filter(|r| !self.ignore.contains(&r.id))
            .collect()
    }
}
