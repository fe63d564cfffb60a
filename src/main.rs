//! The command line: flags, output and exit codes, all in one place.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};

use postlint::diagnostic::Severity;
use postlint::model::LoadOptions;
use postlint::output::{config, github, human, json, junit, sarif, short};
use postlint::rules::{self, Rule, RULES};

/// Exit status when no finding reaches --fail-on.
const EXIT_OK: u8 = 0;
/// Exit status when a finding reaches --fail-on.
const EXIT_FINDINGS: u8 = 1;
/// Exit status for usage errors and an unreadable main.cf.
const EXIT_USAGE: u8 = 2;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Source snippets with labels and help (the default)
    Human,
    /// One line per finding: path:line:col: severity[rule]: message
    Short,
    /// The versioned JSON document
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other dashboards
    Sarif,
    /// GitHub Actions annotations (workflow commands)
    Github,
    /// JUnit XML, for CI systems that show test reports
    Junit,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Lint a Postfix configuration: main.cf, master.cf and every lookup table main.cf names.
#[derive(Parser, Debug)]
#[command(name = "postlint", version, about, long_about = None)]
struct Cli {
    /// The Postfix configuration directory [default: /etc/postfix, or ROOT/etc/postfix with --sysroot]
    dir: Option<PathBuf>,

    /// Resolve every absolute path under ROOT (for repositories that mirror /)
    #[arg(long, value_name = "ROOT")]
    sysroot: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Exit with status 1 when a finding of this severity or higher is reported
    #[arg(long, value_enum, default_value_t = FailOn::Warning, value_name = "SEVERITY")]
    fail_on: FailOn,

    /// Do not run this rule (may be repeated)
    #[arg(long, value_name = "RULE")]
    ignore: Vec<String>,

    /// When to use colour in human output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,

    /// Say which files were read and which were skipped
    #[arg(long, short)]
    verbose: bool,

    /// Print the documentation of a rule and exit
    #[arg(long, value_name = "RULE")]
    explain: Option<String>,

    /// List the rules and exit
    #[arg(long)]
    list_rules: bool,

    /// Print what postlint understood (parameters, address classes, tables) instead of findings
    #[arg(long)]
    show_config: bool,
}

fn unknown_rule(name: &str) -> String {
    match rules::closest(name, RULES.iter().map(|r| r.id)) {
        Some(id) => {
            format!("unknown rule `{name}`; did you mean `{id}`? (see postlint --list-rules)")
        }
        None => format!("unknown rule `{name}` (see postlint --list-rules)"),
    }
}

/// `--list-rules --format json`: id, default severity, summary and the page's address.
fn list_rules_json() -> String {
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "severity": r.severity,
                "summary": r.summary,
                "help_uri": sarif::help_uri(r),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&rules).expect("rules serialize");
    text.push('\n');
    text
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("postlint: error: {message}");
    ExitCode::from(EXIT_USAGE)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();

    if cli.list_rules {
        let text = match cli.format {
            Format::Json => list_rules_json(),
            Format::Human | Format::Short => RULES
                .iter()
                .map(|r| format!("{:<34} {:<8} {}\n", r.id, r.severity.as_str(), r.summary))
                .collect(),
            other => return usage_error(&format!("--list-rules has no {other:?} format")),
        };
        let _ = stdout.write_all(text.as_bytes());
        return ExitCode::from(EXIT_OK);
    }
    if let Some(name) = &cli.explain {
        return match rules::find(name) {
            Some(rule) => {
                let _ = stdout.write_all(rule.doc.as_bytes());
                ExitCode::from(EXIT_OK)
            }
            None => usage_error(&unknown_rule(name)),
        };
    }
    for name in &cli.ignore {
        if rules::find(name).is_none() {
            return usage_error(&unknown_rule(name));
        }
    }
    let selected: Vec<&'static Rule> = RULES
        .iter()
        .filter(|r| !cli.ignore.iter().any(|i| i == r.id))
        .collect();

    let options = LoadOptions {
        config_dir: cli.dir.clone(),
        sysroot: cli.sysroot.clone(),
        hostname: None,
    };
    let report = match postlint::lint(&options, &selected) {
        Ok(report) => report,
        Err(e) => return usage_error(&e.to_string()),
    };
    if cli.verbose {
        for note in &report.model.notes {
            eprintln!("postlint: {note}");
        }
        for (step, took) in &report.model.timings {
            eprintln!("postlint: {:.1} ms: {step}", took.as_secs_f64() * 1000.0);
        }
    }
    for problem in &report.model.problems {
        eprintln!("postlint: warning: {problem}");
    }

    if cli.show_config {
        let text = match cli.format {
            Format::Json => config::render_json(&report.model),
            Format::Human => config::render_text(&report.model),
            other => return usage_error(&format!("--show-config has no {other:?} format")),
        };
        let _ = stdout.write_all(text.as_bytes());
        return ExitCode::from(EXIT_OK);
    }

    let sources = &report.model.sources;
    let text = match cli.format {
        Format::Json => json::render(sources, &report.findings),
        Format::Short => short::render(sources, &report.findings),
        Format::Sarif => sarif::render(sources, &report.findings),
        Format::Github => github::render(sources, &report.findings),
        Format::Junit => junit::render(sources, &report.findings, &selected),
        Format::Human => {
            let color = match cli.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            let style = if color {
                human::Style::Color
            } else {
                human::Style::NoColor
            };
            human::render(&report.model.sources, &report.findings, style)
        }
    };
    let _ = stdout.write_all(text.as_bytes());

    let threshold = match cli.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    ExitCode::from(if failed { EXIT_FINDINGS } else { EXIT_OK })
}
