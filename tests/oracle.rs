//! Postfix is the judge: postlint's reading of main.cf, postmap sources and aliases files must
//! equal what postconf, postmap and postalias report for the same files.
//!
//! Needs Postfix installed. With POSTLINT_ORACLE=required (set by .ci/run) a missing Postfix fails
//! the suite; otherwise these tests say they were skipped and pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use postlint::model::expand::UNKNOWN;
use postlint::model::tables::{fold, Format};
use postlint::model::{LoadOptions, Model};

fn postfix_available() -> bool {
    let found = Command::new("postconf")
        .arg("-d")
        .arg("mail_version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("POSTLINT_ORACLE").as_deref() == Ok("required") {
            panic!("POSTLINT_ORACLE=required but postconf is not installed");
        }
        eprintln!("skipped: Postfix is not installed (apt-get install postfix; see .ci/run)");
    }
    found
}

/// Postfix re-reads files modified in the last second; back-date everything it will read.
fn backdate(dir: &Path) {
    let past =
        filetime::FileTime::from_unix_time(filetime::FileTime::now().unix_seconds() - 120, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            backdate(&path);
        } else {
            filetime::set_file_mtime(&path, past).unwrap();
        }
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

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

/// `postconf -c DIR -nx`: name to expanded value, or None when postconf refused the file.
fn postconf_nx(dir: &Path) -> Option<BTreeMap<String, String>> {
    let temp = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join("main.cf"), temp.path().join("main.cf")).unwrap();
    backdate(temp.path());
    let out = Command::new("postconf")
        .arg("-c")
        .arg(temp.path())
        .arg("-nx")
        .output()
        .unwrap();
    if !out.status.success() {
        return None;
    }
    // postconf -c sets config_directory to DIR; postlint keeps the deployed /etc/postfix.
    let text = String::from_utf8_lossy(&out.stdout)
        .replace(&*temp.path().to_string_lossy(), "/etc/postfix");
    Some(
        text.lines()
            .filter_map(|l| {
                l.split_once(" = ")
                    .or_else(|| l.strip_suffix(" =").map(|n| (n, "")))
            })
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .filter(|(n, _)| n != "config_directory")
            .collect(),
    )
}

#[test]
fn main_cf_expansion_equals_postconf() {
    if !postfix_available() {
        return;
    }
    let mut compared = 0;
    for dir in main_cf_dirs() {
        let model = Model::load(&LoadOptions {
            config_dir: Some(dir.clone()),
            ..Default::default()
        })
        .unwrap();
        let Some(postconf) = postconf_nx(&dir) else {
            let any_error = model
                .params
                .defined_names()
                .iter()
                .any(|n| !model.params.expand(n).errors.is_empty());
            assert!(
                any_error || !model.main_cf_bad_lines.is_empty(),
                "{}: postconf refused it, postlint did not",
                dir.display()
            );
            continue;
        };
        for (name, value) in &postconf {
            let ours = model.params.expand(name);
            if ours.text.contains(UNKNOWN) {
                continue; // host-dependent (myhostname ...): postconf used this machine's
            }
            assert_eq!(
                collapse(&ours.text),
                collapse(value),
                "{}: {name}",
                dir.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} values compared");
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
