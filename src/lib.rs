//! postlint: a configuration linter and static analyzer for Postfix.
//!
//! files on disk -> `parse` -> `model` -> `rules` -> findings -> `output`

pub mod baseline;
pub mod compose;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod fsread;
pub mod git_index;
pub mod image;
pub mod model;
pub mod output;
pub mod own_build;
pub mod parallel;
pub mod parse;
#[cfg(feature = "probe")]
pub mod probe;
pub mod puppet;
pub mod rules;
pub mod scripts;
pub mod source;
pub mod suppress;
pub mod template;

use config::Config;
use diagnostic::Finding;
use model::{LoadError, LoadOptions, Model};
use rules::Rule;

/// What a run is asked to do beyond loading: the rules, postlint.toml, inline suppressions.
pub struct LintOptions<'a> {
    pub load: LoadOptions,
    pub rules: Vec<&'static Rule>,
    pub config: &'a Config,
    /// Honour `# postlint: disable` comments (off for audits).
    pub inline_suppressions: bool,
    /// Fingerprints name files relative to this directory; by default the linted directory
    /// (or the sysroot). Repo mode passes the repository, so that two configurations in one
    /// repository never share a fingerprint.
    pub fingerprint_root: Option<std::path::PathBuf>,
    /// `--probe`: ask the SQL databases before the rules run.
    #[cfg(feature = "probe")]
    pub probe: Option<probe::Options>,
}

/// How many findings each kind of silence took away.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silenced {
    pub inline: usize,
    pub config: usize,
    pub baseline: usize,
    /// Findings on template lines that may be absent from the rendered file.
    pub conditional: usize,
    /// Findings on main.cf settings a set-up script replaces.
    pub scripted: usize,
}

impl std::ops::AddAssign for Silenced {
    fn add_assign(&mut self, other: Silenced) {
        self.inline += other.inline;
        self.config += other.config;
        self.baseline += other.baseline;
        self.conditional += other.conditional;
        self.scripted += other.scripted;
    }
}

/// What a run could not see, so that "No problems found" is not read as more than it is.
#[derive(Clone, Debug, Default)]
pub struct Unseen {
    /// Tables whose answers postlint cannot know: SQL and LDAP, files outside the linted tree
    /// or missing, templates, patterns it does not evaluate.
    pub tables: usize,
    /// Installer placeholders (`PH_HOSTNAME`, `$MAIL_DOMAIN`) in main.cf and master.cf.
    pub placeholders: usize,
    /// Template expressions (`{{ domain }}`) in values of main.cf and master.cf.
    pub expressions: usize,
    /// main.cf parameters set-up scripts set (`--discover`: `RUN postconf -e name=value`).
    pub scripted: usize,
    /// Rules whose silence may come from what could not be seen, sorted.
    pub undecided: Vec<&'static str>,
    /// Rules that reported findings but may have missed some in what could not be seen,
    /// sorted: they are not "undecided", which would read as if they had said nothing.
    pub partial: Vec<&'static str>,
    /// Of the unread tables, those `--probe` asked some keys, and how many keys in all.
    pub probed_tables: usize,
    pub probed_keys: usize,
}

impl Unseen {
    /// `reported`: the rules that reported findings, silenced or not.
    fn of(
        model: &Model,
        rules: &[&'static Rule],
        reported: &std::collections::HashSet<&'static str>,
    ) -> Unseen {
        let tables = model
            .tables
            .list
            .iter()
            .filter(|t| match &t.content {
                // A cidr table is read for smtpd's access checks (the open-relay check).
                model::tables::Content::Unknown(_) if t.kind == "cidr" => {
                    !model::relay::cidr_evaluated(model, t.id)
                }
                model::tables::Content::Unknown(_) => true,
                model::tables::Content::Patterns(p) => p.unknown_rule().is_some(),
                _ => false,
            })
            .count();
        let probed_tables = model.tables.probed.len();
        let probed_keys = model.tables.probed.values().map(|p| p.answers.len()).sum();
        let mut undecided: Vec<&'static str> = rules
            .iter()
            .filter(|r| (r.undecided)(model))
            .map(|r| r.id)
            .collect();
        undecided.sort_unstable();
        let (partial, undecided) = undecided.into_iter().partition(|id| reported.contains(id));
        let in_template = |file: Option<source::FileId>| {
            file.is_some_and(|f| model.sources.get(f).template.is_some())
        };
        // A template's holes are counted as its expressions, once each.
        let placeholders = model
            .names
            .placeholders
            .iter()
            .filter(|p| !in_template(Some(p.span.file)))
            .count()
            + match in_template(model.master.file) {
                true => 0,
                false => model.master.placeholders.len(),
            };
        let expressions = model
            .sources
            .iter()
            .filter_map(|(_, f)| f.template.as_ref())
            .map(|t| t.expressions)
            .sum();
        Unseen {
            tables,
            placeholders,
            expressions,
            scripted: model.script_params,
            undecided,
            partial,
            probed_tables,
            probed_keys,
        }
    }

    /// Nothing unseen mattered: no rule that ran was left undecided and no value was a
    /// placeholder (a table nobody's rule needs is not worth a line).
    pub fn is_empty(&self) -> bool {
        self.placeholders == 0
            && self.expressions == 0
            && self.scripted == 0
            && self.undecided.is_empty()
            && self.partial.is_empty()
    }
}

impl std::ops::AddAssign<&Unseen> for Unseen {
    fn add_assign(&mut self, other: &Unseen) {
        self.tables += other.tables;
        self.placeholders += other.placeholders;
        self.expressions += other.expressions;
        self.scripted += other.scripted;
        self.probed_tables += other.probed_tables;
        self.probed_keys += other.probed_keys;
        for (list, others) in [
            (&mut self.undecided, &other.undecided),
            (&mut self.partial, &other.partial),
        ] {
            for id in others {
                if let Err(at) = list.binary_search(id) {
                    list.insert(at, id);
                }
            }
        }
        // A rule that reported findings in one setup decided something.
        let partial = &self.partial;
        self.undecided
            .retain(|id| partial.binary_search(id).is_err());
    }
}

pub struct Report {
    pub model: Model,
    pub findings: Vec<Finding>,
    pub silenced: Silenced,
    pub unseen: Unseen,
}

/// Lints with no postlint.toml, honouring inline suppressions.
pub fn lint(load: &LoadOptions, rules: &[&'static Rule]) -> Result<Report, LoadError> {
    lint_with(&LintOptions {
        load: load.clone(),
        rules: rules.to_vec(),
        config: &Config::default(),
        inline_suppressions: true,
        fingerprint_root: None,
        #[cfg(feature = "probe")]
        probe: None,
    })
}

/// Loads the setup, runs the rules over it, and applies inline suppressions and
/// postlint.toml (`exclude`, `per-file-ignores`, `[severity]`).
pub fn lint_with(options: &LintOptions) -> Result<Report, LoadError> {
    let mut model = Model::load(&options.load)?;
    #[cfg(feature = "probe")]
    if let Some(probe) = &options.probe {
        probe::run(&mut model, probe);
    }
    // The suppression comments depend on the files alone: they are read beside the rules,
    // whose last one to finish often leaves a core idle.
    let ((mut findings, timings), comments) = std::thread::scope(|scope| {
        let comments = options.inline_suppressions.then(|| {
            scope.spawn(|| {
                let started = std::time::Instant::now();
                (suppress::collect(&model.sources), started.elapsed())
            })
        });
        let results = rules::run_timed(&model, &options.rules);
        let comments = comments.map(|c| match c.join() {
            Ok(collected) => collected,
            Err(panic) => std::panic::resume_unwind(panic),
        });
        (results, comments)
    });
    // Whether a rule said something, before any of it is silenced.
    let reported: std::collections::HashSet<&'static str> =
        findings.iter().map(|f| f.rule).collect();
    let root = match (&options.fingerprint_root, &model.locator.mode) {
        (Some(root), _) => root.clone(),
        (None, model::paths::Mode::Sysroot(root)) => root.clone(),
        (None, _) => model.locator.config_dir.clone(),
    };
    diagnostic::scrub_secrets(&mut findings, &model.sources);
    diagnostic::set_fingerprints(&mut findings, &model.sources, &root);
    model.timings.extend(timings);
    show_template_tags(&mut findings, &model);
    let mut silenced = Silenced::default();
    if let Some(((found, malformed), collecting)) = comments {
        let started = std::time::Instant::now();
        let (kept, dropped, mut unused) =
            suppress::apply(findings, &found, &malformed, &options.rules, &model);
        diagnostic::set_fingerprints(&mut unused, &model.sources, &root);
        findings = kept;
        findings.extend(unused);
        diagnostic::sort(&mut findings);
        silenced.inline = dropped;
        model.timings.push((
            "inline suppressions".to_string(),
            collecting + started.elapsed(),
        ));
    }
    // A master.cf linted alone has no main.cf to point at: what a rule says of main.cf's
    // defaults there is not about this setup.
    if options.load.main_cf_absent {
        findings.retain(|f| f.primary.span.file != model.main_cf);
    }
    // A template line inside `{% if %}` or `{% for %}` may be absent: what is found there, or
    // on the lines it is part of, is not certain. A setting overridden by later lines that
    // are all certain has no effect whether or not its own line is there. A name no Postfix
    // release knows is wrong whenever its line is there.
    let before = findings.len();
    let conditional = |span: source::Span| model.sources.get(span.file).is_conditional(span.start);
    findings.retain(|f| {
        let certain = |labels: &[diagnostic::Label]| labels.iter().all(|l| !conditional(l.span));
        (f.basis == diagnostic::Basis::NoSuchName && f.primary.span.start < f.primary.span.end)
            || (f.basis == diagnostic::Basis::Overridden
                && !f.secondary.is_empty()
                && certain(&f.secondary))
            || (f.basis == diagnostic::Basis::FileMode && certain(&f.secondary))
            || (f.basis == diagnostic::Basis::WholeLine && certain(&f.secondary))
            || (certain(std::slice::from_ref(&f.primary)) && certain(&f.secondary))
    });
    silenced.conditional = before - findings.len();
    // A definition a script replaces at set-up, or one only a script makes (standing, with
    // no text, at the end of main.cf): what is found there is not what runs. What is found of
    // a written name (deprecated, unknown, set twice) stays true whatever the script sets.
    if !model.script_spans.is_empty() {
        let before = findings.len();
        findings.retain(|f| {
            let of_the_name = matches!(
                f.basis,
                diagnostic::Basis::WrittenName
                    | diagnostic::Basis::NoSuchName
                    | diagnostic::Basis::Overridden
            );
            if of_the_name && f.primary.span.start < f.primary.span.end {
                return true;
            }
            std::iter::once(&f.primary)
                .chain(&f.secondary)
                .all(|label| !model.replaced_by_script(label.span))
        });
        silenced.scripted = before - findings.len();
    }
    let config = options.config;
    let before = findings.len();
    let mut filters = std::collections::HashMap::new();
    findings.retain(|f| {
        let file = f.primary.span.file;
        !filters
            .entry(file)
            .or_insert_with(|| config.file_filter(&model.sources.get(file).real_path))
            .drops(f.rule)
    });
    silenced.config = before - findings.len();
    for f in &mut findings {
        if let Some((_, level)) = config.severity.iter().find(|(id, _)| *id == f.rule) {
            f.severity = *level;
        }
    }
    let unseen = Unseen::of(&model, &options.rules, &reported);
    Ok(Report {
        model,
        findings,
        silenced,
        unseen,
    })
}

/// Template expressions are hole markers (`!TTT!`) in the text the rules read; a message that
/// quotes one (a service named by an expression) shows the tag instead, in the templates'
/// own syntax when they share one. The fingerprints, made before, keep the marker.
fn show_template_tags(findings: &mut [diagnostic::Finding], model: &model::Model) {
    let Some(shape) = tag_shape(model) else {
        return;
    };
    let unmask = |text: &mut String| {
        if let Some(shown) = template::holes::unmask(text, shape) {
            *text = shown;
        }
    };
    for f in findings {
        unmask(&mut f.message);
        unmask(&mut f.primary.message);
        for label in &mut f.secondary {
            unmask(&mut label.message);
        }
        if let Some(help) = &mut f.help {
            unmask(help);
        }
    }
}

/// How a text for the user shows a template expression (a hole marker): the tag of the
/// setup's template engine (`{{…}}`), `…` when it has several; None when nothing is a template.
pub(crate) fn tag_shape(model: &model::Model) -> Option<&'static str> {
    let mut engines = model
        .sources
        .iter()
        .filter_map(|(_, s)| s.template.as_ref().map(|t| t.engine));
    let first = engines.next()?;
    Some(match (first, engines.all(|e| e == first)) {
        ("Jinja" | "Go", true) => "{{…}}",
        ("ERB", true) => "<%= … %>",
        ("Template Toolkit", true) => "[% … %]",
        _ => "…",
    })
}
