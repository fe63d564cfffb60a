//! The command line: flags, output and exit codes, all in one place.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, ValueEnum};

use postlint::baseline::{self, Baseline};
use postlint::config::{self as settings, Config};
use postlint::diagnostic::{Finding, Severity};
use postlint::discover;
use postlint::model::version::{Origin, Release, Target};
use postlint::model::{LoadError, LoadOptions};
use postlint::output::{config as show, github, human, json, junit, sarif, short, trace};
use postlint::rules::{self, Rule, RULES};
use postlint::source::Sources;
use postlint::{LintOptions, Silenced, Unseen};

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

impl FailOn {
    fn to_config(self) -> settings::FailOn {
        match self {
            FailOn::Error => settings::FailOn::At(Severity::Error),
            FailOn::Warning => settings::FailOn::At(Severity::Warning),
            FailOn::Info => settings::FailOn::At(Severity::Info),
            FailOn::Never => settings::FailOn::Never,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Lint a Postfix configuration: main.cf, master.cf and every lookup table main.cf names.
#[derive(Parser, Debug)]
#[command(
    name = "postlint",
    version,
    about,
    long_about = None,
    after_help = "Exit status: 0 when no finding reaches --fail-on (or with --exit-zero), 1 when one does, \
                  2 for a usage error, a mistake in postlint.toml or a baseline, or an unreadable main.cf."
)]
struct Cli {
    /// Postfix configuration directories [default: /etc/postfix, or ROOT/etc/postfix with --sysroot]
    #[arg(value_name = "DIR")]
    dirs: Vec<PathBuf>,

    /// Resolve every absolute path under ROOT (for repositories that mirror /)
    #[arg(long, value_name = "ROOT")]
    sysroot: Option<PathBuf>,

    /// Values for template variables (YAML or JSON, repeatable, later files win): an Ansible
    /// role's defaults/main.yml, a Salt pillar.example. Simple expressions ({{ var }},
    /// <%= @var %>, {{ .Var }}) take them; nothing is executed.
    #[arg(long = "template-vars", value_name = "FILE")]
    template_vars: Vec<PathBuf>,

    /// Lint every configuration in a repository (REPO, or the DIR given, or the current
    /// directory): each directory holding a main.cf, and each X/etc/postfix as with --sysroot X.
    /// Templates (main.cf.j2, main.cf.erb, ...) are read with holes for their expressions;
    /// backups, samples and encrypted files are passed over. Honours .gitignore
    #[arg(
        long,
        value_name = "REPO",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ".",
        conflicts_with_all = ["sysroot", "show_config"]
    )]
    discover: Option<PathBuf>,

    /// Exit 0 when there is no configuration to lint (for hooks in repositories that may have
    /// none); without it, linting nothing is an error (exit 2)
    #[arg(long)]
    allow_empty: bool,

    /// The Postfix release to lint for, like 3.7 or 3.10 [default: the installed Postfix for the
    /// live configuration, else the newest release postlint knows; or postfix-version in postlint.toml]
    #[arg(long, value_name = "X.Y", value_parser = parse_release)]
    postfix_version: Option<Release>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Exit with status 1 when a finding of this severity or higher is reported [default: warning, or fail-on in postlint.toml]
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,

    /// Exit with status 0 even when there are findings (errors still exit 2)
    #[arg(long)]
    exit_zero: bool,

    /// Run only these rules (may be repeated or comma-separated)
    #[arg(long, value_name = "RULE", value_delimiter = ',', value_parser = RuleName, hide_possible_values = true)]
    select: Vec<String>,

    /// Do not run this rule (may be repeated or comma-separated)
    #[arg(long, value_name = "RULE", value_delimiter = ',', value_parser = RuleName, hide_possible_values = true)]
    ignore: Vec<String>,

    /// Read this postlint.toml instead of looking for one
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,

    /// Ignore every postlint.toml (for audits)
    #[arg(long)]
    no_config: bool,

    /// Ignore `# postlint: disable` comments (for audits)
    #[arg(long)]
    no_inline_suppressions: bool,

    /// Report only findings this baseline (from --write-baseline) does not hold
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record the current findings in FILE as a baseline, and exit 0
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,

    /// When to use colour in human output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,

    /// Print nothing when there are no findings, and no summary line
    #[arg(long, short, conflicts_with = "verbose")]
    quiet: bool,

    /// Say which files were read and which were skipped, and how long each step took
    #[arg(long, short)]
    verbose: bool,

    /// Print the documentation of a rule and exit
    #[arg(long, value_name = "RULE", value_parser = RuleName, hide_possible_values = true)]
    explain: Option<String>,

    /// List the rules and exit (with --format json: as JSON)
    #[arg(long)]
    list_rules: bool,

    /// Print what postlint understood (parameters, address classes, tables) instead of findings
    #[arg(long)]
    show_config: bool,

    /// Print where mail for ADDRESS goes (address class, virtual aliases, the mailbox or
    /// transport that takes it, each with its file and line) instead of findings
    #[arg(long, value_name = "ADDRESS", conflicts_with_all = ["show_config", "discover"])]
    trace: Option<String>,

    /// Ask the databases behind mysql:, pgsql: and sqlite: tables what Postfix would ask them
    /// (their own queries, read-only), so that rules and --trace see SQL-backed domains and
    /// addresses
    #[arg(long)]
    probe: bool,

    /// Seconds each connection and query of --probe may take
    #[arg(long, value_name = "SECONDS", default_value_t = 5, requires = "probe")]
    probe_timeout: u64,

    /// Print a completion script for this shell and exit
    #[arg(long, value_enum, value_name = "SHELL")]
    completions: Option<clap_complete::Shell>,

    /// Print the man page (roff) and exit
    #[arg(long)]
    man: bool,
}

/// A rule id argument: any text is accepted here (postlint answers an unknown one with the
/// closest id), while shell completions offer the rule ids.
#[derive(Clone)]
struct RuleName;

impl clap::builder::TypedValueParser for RuleName {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(RULES.iter().map(|r| {
            clap::builder::PossibleValue::new(r.id).help(r.summary)
        })))
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
    say(&format!("postlint: error: {message}"));
    ExitCode::from(EXIT_USAGE)
}

/// A line on stderr. Notes and errors quote paths and values from the linted files: nothing in
/// them may act on the terminal. A closed stderr (`postlint -v 2>&1 | head`) is not an error.
fn say(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", postlint::output::printable_lines(line));
}

/// glibc raises its mmap threshold to the size of each large block freed (up to 32 MB): the
/// blocks of a few MB that follow (map indexes, the rules' memos) then come from the heap, and
/// their pages stay with the process after they are freed (about 8 MB of peak RSS on an ISP's
/// 1.8M-line maps). A fixed threshold keeps each large block in a mapping of its own, given
/// back when it is freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_blocks_mapped() {
    // SAFETY: mallopt changes one malloc setting and reads no memory of ours; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_blocks_mapped() {}

fn main() -> ExitCode {
    keep_large_blocks_mapped();
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();

    if let Some(shell) = cli.completions {
        clap_complete::generate(shell, &mut Cli::command(), "postlint", &mut stdout);
        return ExitCode::from(EXIT_OK);
    }
    if cli.man {
        return match clap_mangen::Man::new(Cli::command()).render(&mut stdout) {
            Ok(()) => ExitCode::from(EXIT_OK),
            Err(e) => usage_error(&e.to_string()),
        };
    }
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
            None => usage_error(&rules::unknown_rule(name)),
        };
    }
    match run(&cli, &mut stdout) {
        Ok(code) => ExitCode::from(code),
        Err(message) => usage_error(&message),
    }
}

/// The rules to run: postlint.toml's choice, then --select replaces it and --ignore removes.
fn chosen_rules(cli: &Cli, config: &Config) -> Result<Vec<&'static Rule>, String> {
    for name in cli.select.iter().chain(&cli.ignore) {
        if rules::find(name).is_none() {
            return Err(rules::unknown_rule(name));
        }
    }
    let configured = config.rules();
    Ok(RULES
        .iter()
        .filter(|r| {
            if cli.select.is_empty() {
                configured.iter().any(|c| c.id == r.id)
            } else {
                cli.select.iter().any(|s| s == r.id)
            }
        })
        .filter(|r| !cli.ignore.iter().any(|i| i == r.id))
        .collect())
}

/// The postlint.toml for a linted directory, as the flags say.
fn parse_release(text: &str) -> Result<Release, String> {
    Release::parse(text)
        .ok_or_else(|| format!("`{text}` is not a Postfix release like 3.7 or 3.10"))
}

fn config_for(cli: &Cli, dir: &Path) -> Result<Config, String> {
    if cli.no_config {
        return Ok(Config::default());
    }
    let path = match &cli.config {
        Some(path) => Some(path.clone()),
        None => Config::find(dir),
    };
    match path {
        Some(path) => Config::load(&path).map_err(|e| e.to_string()),
        None => Ok(Config::default()),
    }
}

/// One configuration to lint, its postlint.toml, and the name its findings are shown under.
struct Job {
    load: LoadOptions,
    config: Config,
    label: String,
    /// With --discover, the repository: fingerprints are relative to it.
    fingerprint_root: Option<PathBuf>,
}

/// What was found to lint, and, for an empty repository, why nothing is there.
struct Jobs {
    jobs: Vec<Job>,
    /// What discovery saw besides configurations: templates, exclusions.
    passed_over: Vec<String>,
}

/// A DIR argument as the user meant it: `path/to/main.cf` names its directory.
fn config_dir_arg(dir: &Path) -> PathBuf {
    if dir.file_name().is_some_and(|n| n == "main.cf") && dir.is_file() {
        return match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
    }
    dir.to_path_buf()
}

/// A DIR written as the system sees it (`--sysroot . /usr/local/etc/postfix`, FreeBSD's
/// place): ROOT/DIR when it is there, as --sysroot resolves every absolute path; a DIR that
/// already names a place in the tree stays as it is.
fn under_sysroot(root: Option<&Path>, dir: &Path) -> PathBuf {
    match root {
        Some(root) if dir.is_absolute() => {
            let inside = root.join(dir.strip_prefix("/").unwrap_or(dir));
            match inside.exists() {
                true => inside,
                false => dir.to_path_buf(),
            }
        }
        _ => dir.to_path_buf(),
    }
}

/// The configurations to lint: the DIRs (or the default), or what --discover finds. Notes
/// what discovery skipped.
fn jobs(cli: &Cli) -> Result<Jobs, String> {
    let Some(flag) = &cli.discover else {
        let dirs: Vec<Option<PathBuf>> = if cli.dirs.is_empty() {
            vec![None]
        } else {
            cli.dirs
                .iter()
                .map(|d| Some(config_dir_arg(&under_sysroot(cli.sysroot.as_deref(), d))))
                .collect()
        };
        let jobs = dirs
            .into_iter()
            .map(|dir| {
                // A main.cf by its name named on the command line (a template, `main.cf.j2`,
                // or a plain variant, `postfix-main.cf`) is read as --discover reads it.
                let named = dir
                    .as_deref()
                    .filter(|d| d.is_file())
                    .and_then(discover::named_setup);
                if let Some(file) = dir.as_deref().filter(|d| d.is_file() && named.is_none()) {
                    return Err(format!(
                        "{} is a file, not a configuration directory: name the directory that \
                         holds main.cf, or a file named like main.cf (main.cf.orig, \
                         main.cf.j2, postfix-main.cf)",
                        file.display()
                    ));
                }
                let load = match named {
                    Some(setup) => LoadOptions {
                        sysroot: cli.sysroot.clone(),
                        ..setup.load
                    },
                    None => LoadOptions {
                        config_dir: dir,
                        sysroot: cli.sysroot.clone(),
                        ..LoadOptions::default()
                    },
                };
                let dir = load.resolved_config_dir();
                Ok(Job {
                    config: config_for(cli, &dir)?,
                    label: dir.display().to_string(),
                    load,
                    fingerprint_root: None,
                })
            })
            .collect::<Result<Vec<Job>, String>>()?;
        return Ok(Jobs {
            jobs,
            passed_over: Vec::new(),
        });
    };
    // `--discover=REPO`, or `--discover REPO` (the repository as the DIR argument).
    let repo = match (flag == Path::new("."), cli.dirs.as_slice()) {
        (true, []) => PathBuf::from("."),
        (true, [dir]) => dir.clone(),
        (false, []) => flag.clone(),
        _ => return Err("--discover takes one repository".to_string()),
    };
    let repo = &repo;
    let found = discover::discover(repo)?;
    let note = |path: &Path, reason: &str| {
        say(&format!(
            "postlint: note: skipped {}: {reason}",
            path.display()
        ));
    };
    for skipped in &found.skipped {
        if !cli.quiet {
            note(&skipped.path, &skipped.reason);
        }
    }
    let mut jobs = Vec::new();
    let mut passed_over: Vec<String> = found
        .skipped
        .iter()
        .map(|s| format!("{}: {}", s.path.display(), s.reason))
        .collect();
    for setup in found.setups {
        let config = config_for(cli, &setup.load.resolved_config_dir())?;
        if config.file_filter(&setup.main_cf).excluded {
            let by = config.path.as_deref().unwrap_or(Path::new("postlint.toml"));
            passed_over.push(format!(
                "{}: excluded by {}",
                setup.main_cf.display(),
                by.display()
            ));
            if cli.verbose {
                let by = config.path.as_deref().unwrap_or(Path::new("postlint.toml"));
                note(&setup.main_cf, &format!("excluded by {}", by.display()));
            }
            continue;
        }
        // A template of main.cf is named by its file: one directory may hold several
        // (`main.cf.erb`, `main.cf-el8.erb`).
        let dir = match (&setup.load.main_cf, setup.load.main_cf_absent) {
            (Some(template), _) => template.clone(),
            // A master.cf template linted alone.
            (None, true) => setup.main_cf.clone(),
            (None, false) => setup.load.resolved_config_dir(),
        };
        // main.cf at the top of the repository postlint runs in: `.`, not an empty name.
        let dir = match dir.as_os_str().is_empty() {
            true => PathBuf::from("."),
            false => dir,
        };
        let label = match (&setup.load.sysroot, setup.load.main_cf_heredoc) {
            (Some(root), _) => format!("{} (--sysroot {})", dir.display(), root.display()),
            // A script may write main.cf with several here-documents.
            (None, Some(line)) => format!("{}:{line}", dir.display()),
            (None, None) => dir.display().to_string(),
        };
        if cli.verbose {
            match &setup.installed_by {
                Some(tasks) => say(&format!(
                    "postlint: found {label} ({} installs it as /etc/postfix/main.cf)",
                    tasks.display()
                )),
                None => say(&format!("postlint: found {label}")),
            }
        }
        jobs.push(Job {
            load: setup.load,
            config,
            label,
            fingerprint_root: Some(found.root.clone()),
        });
    }
    if jobs.is_empty() && passed_over.is_empty() {
        // Say what was passed over: a committed main.cf under a .gitignored directory, a
        // repository of samples (main.cf.example).
        let seen: Vec<String> = postlint::discover::passed_over(repo, 5)
            .iter()
            .map(|s| format!("{} ({})", s.path.display(), s.reason))
            .collect();
        let seen = match seen.is_empty() {
            true => String::new(),
            false => format!("; passed over: {}", seen.join(", ")),
        };
        // Scripts that configure Postfix all the same: what they set is unknown, so no
        // configuration is made of them alone.
        let scripts: Vec<String> = found
            .configuring
            .iter()
            .map(|p| postlint::output::printable(&p.to_string_lossy()).into_owned())
            .collect();
        let scripts = match scripts.is_empty() {
            true => String::new(),
            false => format!(
                "; {} {} main.cf settings, but postlint cannot tell which values run \
                 (values from variables or under conditions, or a main.cf the repository does \
                 not hold)",
                scripts.join(", "),
                if scripts.len() == 1 {
                    "changes"
                } else {
                    "change"
                }
            ),
        };
        passed_over.push(format!(
            "found no main.cf under {} (.gitignored and hidden paths are not read){seen}{scripts}",
            repo.display()
        ));
    }
    Ok(Jobs { jobs, passed_over })
}

fn run(cli: &Cli, stdout: &mut impl Write) -> Result<u8, String> {
    if cli.probe && !cfg!(feature = "probe") {
        return Err(
            "--probe: this postlint was built without the database clients (cargo feature `probe`)"
                .to_string(),
        );
    }
    let Jobs {
        mut jobs,
        mut passed_over,
    } = jobs(cli)?;
    if !cli.template_vars.is_empty() {
        let vars = std::sync::Arc::new(postlint::template::Vars::load(&cli.template_vars)?);
        for note in &vars.notes {
            say(&format!("postlint: note: {note}"));
        }
        for warning in &vars.warnings {
            say(&format!("postlint: warning: {warning}"));
        }
        for job in &mut jobs {
            job.load.template_vars = Some(vars.clone());
        }
    }
    if cli.show_config && jobs.len() > 1 {
        return Err("--show-config takes one directory".to_string());
    }
    if cli.trace.is_some() && jobs.len() > 1 {
        return Err("--trace takes one directory".to_string());
    }
    let mode = if cli.discover.is_some() {
        baseline::Mode::Discover
    } else if cli.sysroot.is_some() {
        baseline::Mode::Sysroot
    } else {
        baseline::Mode::Directory
    };
    let mut baseline = match &cli.baseline {
        Some(path) => Some(Baseline::load(path)?),
        None => None,
    };
    if let (Some(written), Some(path)) = (baseline.as_ref().and_then(|b| b.mode), &cli.baseline) {
        if written != mode {
            // Its fingerprints name files relative to another root: none would match.
            say(&format!(
                "postlint: warning: {} was written by `{}` and this run is `{}`; fingerprints \
                 name files relative to each command's root, so its findings do not match. \
                 Write and read a baseline with the same kind of command.",
                path.display(),
                written.command(),
                mode.command()
            ));
        }
    }
    let mut sources = Sources::default();
    let mut findings: Vec<Finding> = Vec::new();
    let mut silenced = Silenced::default();
    let mut unseen = Unseen::default();
    let mut ran: Vec<&'static Rule> = Vec::new();
    let mut fail_on = cli.fail_on.map(FailOn::to_config);
    // Configurations that could not be loaded: reported, the others still linted.
    let mut load_failures = 0;
    // For human output of several directories: each one's findings, under its name.
    let mut groups: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    let mut reported = std::collections::HashSet::new();
    let several_jobs = jobs.len() > 1;
    for job in jobs {
        let config = job.config;
        let rules = chosen_rules(cli, &config)?;
        if fail_on.is_none() {
            fail_on = config.fail_on;
        }
        let mut load = job.load;
        load.target = match (cli.postfix_version, config.postfix_version) {
            (Some(asked), _) => Some(Target {
                asked,
                origin: Origin::Flag,
            }),
            (None, Some(asked)) => Some(Target {
                asked,
                origin: Origin::Config,
            }),
            (None, None) => None,
        };
        // --trace and --show-config print the model, not findings: no rule needs to run.
        let model_only = cli.trace.is_some() || cli.show_config;
        let result = postlint::lint_with(&LintOptions {
            load,
            rules: if model_only {
                Vec::new()
            } else {
                rules.clone()
            },
            config: &config,
            inline_suppressions: !cli.no_inline_suppressions,
            fingerprint_root: job.fingerprint_root,
            #[cfg(feature = "probe")]
            probe: cli.probe.then(|| postlint::probe::Options {
                timeout: std::time::Duration::from_secs(cli.probe_timeout.max(1)),
                trace: cli.trace.clone(),
                progress: !cli.quiet && std::io::stderr().is_terminal(),
                ..Default::default()
            }),
        });
        let mut report = match result {
            Ok(report) => report,
            // A main.cf full of template tags: skipped like the templates found by name.
            Err(LoadError::MainCfTemplate(path, hit)) if cli.discover.is_some() => {
                let skipped = format!("{}: {hit}, not a Postfix file", path.display());
                if !cli.quiet {
                    say(&format!("postlint: note: skipped {skipped}"));
                }
                passed_over.push(skipped);
                continue;
            }
            // An encrypted main.cf (git-crypt in a public repository): nothing to lint.
            Err(LoadError::MainCfEncrypted(path, tool)) if cli.discover.is_some() => {
                let skipped = format!("{}: encrypted with {tool}", path.display());
                if !cli.quiet {
                    say(&format!("postlint: note: skipped {skipped}"));
                }
                passed_over.push(skipped);
                continue;
            }
            Err(e) => {
                say(&format!("postlint: error: {e}"));
                load_failures += 1;
                continue;
            }
        };
        if cli.verbose {
            say(&format!("postlint: linting {}", job.label));
            if let Some(path) = &config.path {
                say(&format!("postlint: configuration {}", path.display()));
            }
            for note in &report.model.notes {
                say(&format!("postlint: {note}"));
            }
            for (step, took) in &report.model.timings {
                say(&format!(
                    "postlint: {:.1} ms: {step}",
                    took.as_secs_f64() * 1000.0
                ));
            }
        }
        for problem in &report.model.problems {
            say(&format!("postlint: warning: {problem}"));
        }
        if !cli.quiet {
            for skipped in &report.model.templates {
                say(&format!("postlint: note: {skipped}"));
            }
        }
        if let Some(address) = &cli.trace {
            let text = match cli.format {
                Format::Json => trace::render_json(&report.model, address),
                Format::Human => trace::render_text(&report.model, address),
                other => return Err(format!("--trace has no {other:?} format")),
            };
            let _ = stdout.write_all(text.as_bytes());
            return Ok(EXIT_OK);
        }
        if cli.show_config {
            let text = match cli.format {
                Format::Json => show::render_json(&report.model),
                Format::Human => show::render_text(&report.model),
                other => return Err(format!("--show-config has no {other:?} format")),
            };
            let _ = stdout.write_all(text.as_bytes());
            return Ok(EXIT_OK);
        }
        if let Some(b) = &mut baseline {
            report.silenced.baseline = b.filter(&mut report.findings);
        }
        silenced += report.silenced;
        unseen += &report.unseen;
        if cli.verbose && !report.unseen.undecided.is_empty() {
            say(&format!(
                "postlint: could not decide, for lack of what it cannot see: {}",
                report.unseen.undecided.join(", ")
            ));
        }
        if cli.verbose && !report.unseen.partial.is_empty() {
            say(&format!(
                "postlint: reported findings, but may have missed some in what it cannot see: {}",
                report.unseen.partial.join(", ")
            ));
        }
        for r in rules {
            if !ran.iter().any(|o| o.id == r.id) {
                ran.push(r);
            }
        }
        let offset = sources.absorb(report.model.sources);
        let start = findings.len();
        for mut finding in report.findings {
            finding.shift_files(offset);
            // Configurations that share a file (main.cf and a variant of it beside one
            // master.cf) find the same things in it: each is reported once.
            // One configuration: nothing to compare.
            if !several_jobs {
                findings.push(finding);
                continue;
            }
            let span = finding.primary.span;
            let key = (
                sources.get(span.file).real_path.clone(),
                span.start,
                span.end,
                finding.rule,
                finding.message.clone(),
            );
            if reported.insert(key) {
                findings.push(finding);
            }
        }
        groups.push((job.label, start..findings.len()));
    }
    ran.sort_by_key(|r| r.id);
    if groups.is_empty() && load_failures == 0 {
        // A gate that linted nothing must not pass as if it had checked something.
        let mut why = passed_over
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        if passed_over.len() > 3 {
            why.push_str(&format!("; and {} more", passed_over.len() - 3));
        }
        if cli.allow_empty {
            if !cli.quiet {
                say(&format!(
                    "postlint: warning: no Postfix configuration was linted: {why}"
                ));
            }
            // A machine-readable format still gets its document, empty: a CI step reads or
            // uploads it (GitHub's upload-sarif refuses an empty file).
            let empty = match cli.format {
                Format::Json => Some(json::render(&sources, &[])),
                Format::Sarif => Some(sarif::render(&sources, &[])),
                Format::Junit => Some(junit::render(&sources, &[], &ran)),
                Format::Short | Format::Github | Format::Human => None,
            };
            if let Some(text) = empty {
                let _ = stdout.write_all(text.as_bytes());
            }
            return Ok(EXIT_OK);
        }
        say(&format!(
            "postlint: error: no Postfix configuration was linted: {why}\n\
             postlint: pass --allow-empty where a repository may have none"
        ));
        return Ok(EXIT_USAGE);
    }
    if load_failures > 0 && (groups.is_empty() || cli.write_baseline.is_some()) {
        // Nothing was linted, or a baseline would miss what could not be read.
        return Ok(EXIT_USAGE);
    }

    if let Some(path) = &cli.write_baseline {
        std::fs::write(path, baseline::render(&sources, &findings, mode))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        if !cli.quiet {
            say(&format!(
                "postlint: wrote {} finding{} to {}",
                findings.len(),
                if findings.len() == 1 { "" } else { "s" },
                path.display()
            ));
        }
        return Ok(EXIT_OK);
    }

    let text = match cli.format {
        Format::Json => json::render(&sources, &findings),
        Format::Short => short::render(&sources, &findings, silenced, &unseen, cli.quiet),
        Format::Sarif => sarif::render(&sources, &findings),
        Format::Github => github::render(&sources, &findings),
        Format::Junit => junit::render(&sources, &findings, &ran),
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
            // A terminal's width; no wrapping into a pipe or a file.
            let width = std::io::stdout()
                .is_terminal()
                .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
                .flatten();
            let mut text = String::new();
            for (name, range) in &groups {
                // A directory without findings gets no heading; the summary covers it.
                if groups.len() > 1 && !range.is_empty() {
                    text.push_str(&format!("==> {name} <==\n"));
                }
                text.push_str(&human::render_findings(
                    &sources,
                    &findings[range.clone()],
                    style,
                    width,
                ));
            }
            if !(cli.quiet && findings.is_empty()) {
                text.push_str(&postlint::output::summary(&findings, silenced));
                text.push('\n');
                if let Some(line) = postlint::output::unseen_line(&unseen) {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            text
        }
    };
    let _ = stdout.write_all(text.as_bytes());

    let failed = match fail_on.unwrap_or(settings::FailOn::At(Severity::Warning)) {
        settings::FailOn::At(t) => findings.iter().any(|f| f.severity >= t),
        settings::FailOn::Never => false,
    };
    Ok(if load_failures > 0 {
        EXIT_USAGE
    } else if failed && !cli.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
