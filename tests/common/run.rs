//! Running postlint in a directory the way the repository-mode tests do (included with
//! `#[path]` by tests/discover.rs and tests/templates.rs, which need nothing else of common/).

use std::path::Path;

use assert_cmd::Command;

/// Runs postlint in `dir` without colours; returns the exit code, stdout and stderr, with the
/// timing lines of --verbose dropped and `dir`'s own path written `[REPO]` (a temporary
/// directory's name changes from run to run).
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("postlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .args(["--color", "never"])
        .output()
        .unwrap();
    let root = std::fs::canonicalize(dir)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let clean = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .filter(|l| !l.contains(" ms: "))
            .map(|l| l.replace(&root, "[REPO]") + "\n")
            .collect::<String>()
    };
    (
        out.status.code().unwrap(),
        clean(&out.stdout),
        clean(&out.stderr),
    )
}
