//! postlint: a configuration linter and static analyzer for Postfix.
//!
//! files on disk -> `parse` -> `model` -> `rules` -> findings -> `output`

pub mod diagnostic;
pub mod model;
pub mod output;
mod parallel;
pub mod parse;
pub mod rules;
pub mod source;

use diagnostic::Finding;
use model::{LoadError, LoadOptions, Model};
use rules::Rule;

pub struct Report {
    pub model: Model,
    pub findings: Vec<Finding>,
}

/// Loads the setup and runs the given rules over it.
pub fn lint(options: &LoadOptions, rules: &[&'static Rule]) -> Result<Report, LoadError> {
    let mut model = Model::load(options)?;
    let (mut findings, timings) = rules::run_timed(&model, rules);
    let root = match &model.locator.mode {
        model::paths::Mode::Sysroot(root) => root.clone(),
        _ => model.locator.config_dir.clone(),
    };
    diagnostic::set_fingerprints(&mut findings, &model.sources, &root);
    model.timings.extend(
        timings
            .into_iter()
            .map(|(id, took)| (format!("rule {id}"), took)),
    );
    Ok(Report { model, findings })
}
