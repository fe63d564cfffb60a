//! postlint never writes to the files it reads: after linting every fixture and corpus set in
//! every format (and --show-config, --discover, --verbose), no byte, mode or modification time
//! of any file there has changed, and no file was added or removed.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Path to (content hash, mode, mtime in ns) for every file below the roots.
fn state(roots: &[&str]) -> BTreeMap<PathBuf, (u64, u32, i128)> {
    let mut out = BTreeMap::new();
    for root in roots {
        for entry in walkdir::WalkDir::new(root) {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let meta = entry.metadata().unwrap();
            let bytes = std::fs::read(entry.path()).unwrap();
            let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
            });
            let mtime = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
            out.insert(entry.path().to_path_buf(), (hash, meta.mode(), mtime));
        }
    }
    out
}

fn run(args: &[&str]) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
        .args(["--no-config", "--color", "never"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn linting_changes_no_file_it_reads() {
    let roots = ["fixtures", "corpus", "example"];
    let before = state(&roots);
    assert!(before.len() > 500, "only {} files", before.len());
    // Every run is its own process: they go side by side, one per core.
    let mut runs: Vec<Vec<String>> = Vec::new();
    for format in ["human", "short", "json", "sarif", "github", "junit"] {
        for root in roots {
            runs.push(
                ["--format", format, "--allow-empty", "--discover", root]
                    .map(String::from)
                    .to_vec(),
            );
        }
    }
    let mut dirs: Vec<&Path> = before
        .keys()
        .filter(|p| p.file_name().is_some_and(|n| n == "main.cf"))
        .filter_map(|p| p.parent())
        .collect();
    dirs.dedup();
    for dir in &dirs {
        let dir = dir.to_string_lossy().into_owned();
        runs.push(vec!["--verbose".into(), dir.clone()]);
        runs.push(vec!["--show-config".into(), dir]);
    }
    runs.push(
        ["--sysroot", "example", "--format", "json"]
            .map(String::from)
            .to_vec(),
    );
    postlint::parallel::in_parallel(&runs, |args| {
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    });
    let after = state(&roots);
    let changed: Vec<&PathBuf> = before
        .iter()
        .filter(|(p, s)| after.get(*p) != Some(s))
        .map(|(p, _)| p)
        .chain(after.keys().filter(|p| !before.contains_key(*p)))
        .collect();
    assert!(changed.is_empty(), "changed by linting: {changed:?}");
}
