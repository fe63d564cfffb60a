//! Postfix is the judge: postlint's reading of main.cf, postmap sources and aliases files must
//! equal what postconf, postmap and postalias report for the same files.
//!
//! Needs Postfix installed. With POSTLINT_ORACLE=required (set by .ci/run) a missing Postfix fails
//! the suite; otherwise these tests say they were skipped and pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use postlint::model::tables::{fold, Format};
use postlint::model::{LoadOptions, Model};

mod common;
use common::{backdate, collapse, postfix_available};

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

/// `postmap -s` / `postalias -s` after compiling the file: folded key to value.
fn postfix_dump(source: &Path, format: Format) -> BTreeMap<String, String> {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("main.cf"), "").unwrap();
    let copy = temp.path().join("source");
    std::fs::copy(source, &copy).unwrap();
    backdate(temp.path());
    let tool = if format == Format::Aliases {
        "postalias"
    } else {
        "postmap"
    };
    let table = format!("hash:{}", copy.display());
    let status = Command::new(tool)
        .arg("-c")
        .arg(temp.path())
        .arg(&table)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{tool} {table}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let out = Command::new(tool)
        .arg("-c")
        .arg(temp.path())
        .arg("-s")
        .arg(&table)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| {
            (
                k.strip_suffix(':')
                    .filter(|_| format == Format::Aliases)
                    .unwrap_or(k)
                    .to_string(),
                v.to_string(),
            )
        })
        .filter(|(k, _)| !(format == Format::Aliases && (k == "@" || k.starts_with("YP_"))))
        .collect()
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
        let model_dir = tempfile::tempdir().unwrap();
        let param = if format == Format::Aliases {
            "alias_maps"
        } else {
            "virtual_alias_maps"
        };
        std::fs::write(
            model_dir.path().join("main.cf"),
            format!("{param} = hash:/etc/postfix/source\n"),
        )
        .unwrap();
        std::fs::copy(&path, model_dir.path().join("source")).unwrap();
        let model = Model::load(&LoadOptions {
            config_dir: Some(model_dir.path().to_path_buf()),
            ..Default::default()
        })
        .unwrap();
        let table = model
            .tables
            .iter()
            .find(|t| t.name == "/etc/postfix/source")
            .unwrap();
        let ours: BTreeMap<String, String> = table
            .entries()
            .unwrap()
            .entries
            .iter()
            .map(|e| (fold(&e.key).into_owned(), collapse(&e.value)))
            .collect();
        let theirs: BTreeMap<String, String> = postfix_dump(&path, format)
            .into_iter()
            .map(|(k, v)| (k, collapse(&v)))
            .collect();
        assert_eq!(ours, theirs, "{}", path.display());
    }
}
