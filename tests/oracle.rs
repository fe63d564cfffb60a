//! Postfix is the judge: postlint's reading of main.cf, postmap sources and aliases files must
//! equal what postconf, postmap and postalias report for the same files.
//!
//! Needs Postfix installed. With POSTLINT_ORACLE=required (set by .ci/run) a missing Postfix fails
//! the suite; otherwise these tests say they were skipped and pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use postlint::model::tables::{fold, Format};
use postlint::model::{LoadOptions, Model};

mod common;
use common::{collapse, postfix_available, postfix_view, source_case};

/// Every main.cf the tests have: the corpus and the fixtures.
fn main_cf_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let corpus = Path::new("../shared/corpus");
    for root in [corpus, Path::new("fixtures")] {
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.join("main.cf").exists() {
                dirs.push(path.clone());
            }
            if let Ok(cases) = std::fs::read_dir(&path) {
                for case in cases {
                    let case = case.unwrap().path();
                    for dir in [case.clone(), case.join("etc/postfix")] {
                        if dir.join("main.cf").exists() {
                            dirs.push(dir);
                        }
                    }
                }
            }
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn every_fixture_and_corpus_set_reads_as_postconf_reads_it() {
    if !postfix_available() {
        return;
    }
    let mut agreed = 0;
    let mut failures = Vec::new();
    for dir in main_cf_dirs() {
        match common::compare_with_postconf(&dir) {
            Ok(n) => agreed += n,
            Err(e) => failures.push(format!("{}: {e}", dir.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(agreed > 500, "only {agreed} facts compared");
}

/// Every postmap and postalias source the corpus and fixtures have, with the format postlint
/// reads it in.
fn map_sources() -> Vec<(PathBuf, Format)> {
    let mut out = Vec::new();
    for dir in main_cf_dirs() {
        let model = Model::load(&LoadOptions {
            config_dir: Some(dir.clone()),
            ..Default::default()
        })
        .unwrap();
        for table in model.tables.iter() {
            if let (Some(file), true) = (
                table.source,
                matches!(
                    table.kind.as_str(),
                    "hash" | "lmdb" | "cdb" | "btree" | "texthash"
                ),
            ) {
                out.push((model.sources.get(file).real_path.clone(), table.format));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn map_entries_equal_postmap_and_postalias() {
    if !postfix_available() {
        return;
    }
    let sources = map_sources();
    assert!(
        sources.len() >= 10,
        "only {} map sources found",
        sources.len()
    );
    for (path, format) in sources {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let case = source_case(&text, format);
        let ours: BTreeMap<String, String> = case
            .table()
            .entries()
            .unwrap()
            .entries
            .iter()
            .map(|e| (fold(&e.key).into_owned(), collapse(&e.value)))
            .collect();
        let (theirs, _, _) = postfix_view(case.dir.path(), format);
        assert_eq!(ours, theirs, "{}", path.display());
    }
}
