//! Our own corpus: real setups from public repositories (corpus/NNN-*) and the setups the
//! tutorials in ../shared/seeds teach (corpus/seeds/NNN-*), each linted as a user would
//! (`postlint --discover SET`). postlint must not crash or hang on any of them, and every finding
//! must be in corpus/expected.txt with a reviewer's verdict, so that a new finding is a diff a
//! person reads.
//!
//! expected.txt holds each finding's `--format short` line, followed by an indented verdict:
//! `  right: ...` (a mistake the setup's author would want to know about) or
//! `  debatable: ...` (defensible, and why). False alarms are not recorded: they are fixed.
//!
//! After a change that alters findings, `POSTLINT_CORPUS=update cargo test --test corpus`
//! rewrites the file, keeping the verdicts of unchanged findings and marking new ones
//! `  UNREVIEWED`; the test fails until each is reviewed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EXPECTED: &str = "corpus/expected.txt";
/// Far beyond any set's run (milliseconds each): a hang, not a slow machine.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The sets, as paths relative to corpus/ (`101-x`, `seeds/000-y`), sorted.
fn sets() -> Vec<String> {
    let mut sets = Vec::new();
    for (dir, prefix) in [("corpus", ""), ("corpus/seeds", "seeds/")] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() && name.starts_with(|c: char| c.is_ascii_digit())
            {
                sets.push(format!("{prefix}{name}"));
            }
        }
    }
    sets.sort();
    sets
}

/// Lints one set; returns its finding lines, or why the run failed.
fn lint(set: &str) -> Result<Vec<String>, String> {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
        .current_dir("corpus")
        .args([
            "--no-config",
            "--allow-empty",
            "--format",
            "short",
            "--discover",
            set,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            return Err(format!("{set}: no answer after {TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match status.code() {
        Some(0 | 1) => {}
        code => return Err(format!("{set}: exit {code:?}\n{stderr}{stdout}")),
    }
    if stderr.contains("panicked") {
        return Err(format!("{set}: {stderr}"));
    }
    Ok(stdout
        .lines()
        .filter(|l| {
            !(l.starts_with("Found ")
                || l.starts_with("No problems")
                || l.starts_with("Not checked")
                || l.starts_with("Could not decide")
                || l.starts_with("May have missed some"))
        })
        .map(String::from)
        .collect())
}

/// expected.txt: each finding line with its verdict (None when it has none).
fn read_expected(text: &str) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(verdict) = line.strip_prefix("  ") {
            if let Some(last) = out.last_mut() {
                last.1 = Some(verdict.trim().to_string());
            }
        } else {
            out.push((line.to_string(), None));
        }
    }
    out
}

fn render_expected(
    sets: &[String],
    found: &[(String, Vec<String>)],
    old: &HashMap<String, String>,
) -> String {
    let mut text = String::from(
        "# Every finding postlint reports on corpus/ (postlint --discover SET --format short, run in\n\
         # corpus/), each followed by its review: `  right: why` or `  debatable: why`.\n\
         # Written by `POSTLINT_CORPUS=update cargo test --test corpus`; verdicts are kept by hand.\n",
    );
    for set in sets {
        let lines = &found
            .iter()
            .find(|(s, _)| s == set)
            .expect("every set linted")
            .1;
        text.push_str(&format!("\n## {set}: {} finding(s)\n", lines.len()));
        for line in lines {
            text.push_str(line);
            text.push('\n');
            let verdict = old.get(line).map_or("UNREVIEWED", String::as_str);
            text.push_str(&format!("  {verdict}\n"));
        }
    }
    text
}

#[test]
fn every_corpus_finding_is_reviewed() {
    let sets = sets();
    assert!(sets.len() >= 40, "only {} sets in corpus/", sets.len());
    let found: Vec<(String, Vec<String>)> = postlint::parallel::in_parallel(&sets, |set| {
        lint(set)
            .map(|lines| (set.clone(), lines))
            .unwrap_or_else(|e| panic!("{e}"))
    });
    let actual: Vec<&String> = found.iter().flat_map(|(_, lines)| lines).collect();

    let text = std::fs::read_to_string(EXPECTED).unwrap_or_default();
    let expected = read_expected(&text);
    if std::env::var("POSTLINT_CORPUS").as_deref() == Ok("update") {
        let old: HashMap<String, String> = expected
            .into_iter()
            .filter_map(|(line, verdict)| Some((line, verdict?)))
            .collect();
        std::fs::write(EXPECTED, render_expected(&sets, &found, &old)).unwrap();
        eprintln!("corpus: wrote {EXPECTED}; review every UNREVIEWED line");
        return;
    }

    let recorded: Vec<&String> = expected.iter().map(|(line, _)| line).collect();
    let new: Vec<&&String> = actual.iter().filter(|l| !recorded.contains(l)).collect();
    let gone: Vec<&&String> = recorded.iter().filter(|l| !actual.contains(l)).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "the corpus findings changed.\nnew:\n{}\ngone:\n{}\n\
         Run `POSTLINT_CORPUS=update cargo test --test corpus` and review {EXPECTED}.",
        new.iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        gone.iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let unreviewed: Vec<&String> = expected
        .iter()
        .filter(|(_, verdict)| {
            !verdict
                .as_deref()
                .is_some_and(|v| v.starts_with("right: ") || v.starts_with("debatable: "))
        })
        .map(|(line, _)| line)
        .collect();
    assert!(
        unreviewed.is_empty(),
        "findings without a verdict (`  right: why` or `  debatable: why`) in {EXPECTED}:\n{}",
        unreviewed
            .iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_corpus_file_has_its_provenance() {
    let sources = std::fs::read_to_string("corpus/SOURCES.tsv").expect("corpus/SOURCES.tsv");
    let mut listed = std::collections::HashSet::new();
    for line in sources.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            fields.len(),
            6,
            "set, repo, commit, path, local file, licence: {line}"
        );
        assert_eq!(fields[2].len(), 40, "a full commit: {line}");
        assert!(!fields[5].is_empty(), "a licence: {line}");
        listed.insert(PathBuf::from("corpus").join(fields[4]));
    }
    for set in sets().iter().filter(|s| !s.starts_with("seeds/")) {
        let root = Path::new("corpus").join(set);
        assert!(
            root.join("LICENSE.upstream").is_file(),
            "{set}: LICENSE.upstream"
        );
        for entry in walkdir::WalkDir::new(&root) {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_file() && name != "LICENSE.upstream" {
                assert!(
                    listed.contains(entry.path()),
                    "{} is not in corpus/SOURCES.tsv",
                    entry.path().display()
                );
            }
        }
    }
}
