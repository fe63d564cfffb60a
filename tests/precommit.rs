//! The pre-commit hook, run the way users run it: pre-commit from PyPI builds postlint from this
//! repository (`language: rust`) and runs it on a sample configuration-management repository.
//!
//! pre-commit must be importable by `python3` (`pip install pre-commit`); without it the test
//! says so and passes, unless POSTLINT_PRECOMMIT=required (as in CI), where it fails. The
//! release build pre-commit makes goes to a target directory under target/, so a second run
//! only rebuilds postlint itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn required() -> bool {
    std::env::var("POSTLINT_PRECOMMIT").is_ok_and(|v| v == "required")
}

fn pre_commit_available() -> bool {
    Command::new("python3")
        .args(["-m", "pre_commit", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=postlint tests",
            "-c",
            "user.email=tests@postlint.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn git_output(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// This project as it is on disk (committed or not, less what .gitignore ignores), committed
/// to a new git repository: what pre-commit clones and builds.
fn hook_repo(into: &Path) -> PathBuf {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = git_output(project, &["ls-files", "-z", "-co", "--exclude-standard"]);
    for file in files.split('\0').filter(|f| !f.is_empty()) {
        let from = project.join(file);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let to = into.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    git(into, &["init", "-q"]);
    git(into, &["add", "-A"]);
    git(into, &["commit", "-q", "-m", "postlint as tested"]);
    into.to_path_buf()
}

/// A repository with one Postfix configuration: broken (a virtual domain also in
/// mydestination) or clean.
fn write_sample(repo: &Path, broken: bool) {
    let dir = repo.join("roles/postfix/files");
    std::fs::create_dir_all(&dir).unwrap();
    let main_cf = if broken {
        "compatibility_level = 3.6\nmydestination = example.com, localhost\nvirtual_mailbox_domains = example.com\n"
    } else {
        "compatibility_level = 3.6\nmydestination = example.com, localhost\n"
    };
    std::fs::write(dir.join("main.cf"), main_cf).unwrap();
    std::fs::write(repo.join("README.md"), "Mail server configuration.\n").unwrap();
}

/// The environment of every pre-commit run: its store, the build's target directory kept
/// under target/ (so reruns are incremental), no colours in the way of the assertions. The
/// hook's `cargo install` makes a release build; the test checks that the hook builds and runs,
/// not how fast postlint is, so the build skips optimisation (a third of the time, and CI has
/// thirty minutes).
fn hook_env<'c>(command: &'c mut Command, repo: &Path, home: &Path) -> &'c mut Command {
    command
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", home)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target"),
        )
        .env("PRE_COMMIT_COLOR", "never")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env_remove("RUSTFLAGS")
}

/// Runs pre-commit in `repo` with the given arguments.
fn pre_commit(repo: &Path, home: &Path, args: &[&str]) -> Output {
    hook_env(&mut Command::new("python3"), repo, home)
        .args(["-m", "pre_commit"])
        .args(args)
        .output()
        .expect("python3 runs")
}

/// The `.pre-commit-config.yaml` the README shows: its yaml block that starts with `repos:`.
fn readme_pre_commit_config() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split_once("```").map(|(yaml, _)| yaml))
        .find(|yaml| yaml.starts_with("repos:"))
        .expect("the README shows a .pre-commit-config.yaml")
        .to_string()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_pre_commit_hook_fails_on_a_bad_configuration_and_passes_on_a_good_one() {
    if !pre_commit_available() {
        assert!(
            !required(),
            "POSTLINT_PRECOMMIT=required but `python3 -m pre_commit` does not run: pip install pre-commit"
        );
        eprintln!("skipped: pre-commit is not installed (pip install pre-commit)");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let hooks = hook_repo(&work.path().join("postlint"));
    let home = work.path().join("pre-commit-home");
    let sample = work.path().join("sample");
    std::fs::create_dir_all(&sample).unwrap();
    git(&sample, &["init", "-q"]);
    write_sample(&sample, true);
    git(&sample, &["add", "-A"]);
    let hooks_arg = hooks.to_string_lossy().into_owned();

    // `pre-commit try-repo`, as the hook's authors try it.
    let out = pre_commit(
        &sample,
        &home,
        &["try-repo", &hooks_arg, "postlint", "--all-files"],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("postlint") && said.contains("Failed"),
        "{said}"
    );
    assert!(
        said.contains("roles/postfix/files/main.cf")
            && said.contains("virtual-domain-in-mydestination"),
        "{said}"
    );

    // postlint-system runs the postlint on PATH: here, the one this test suite built.
    let bin = Path::new(env!("CARGO_BIN_EXE_postlint")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = hook_env(&mut Command::new("python3"), &sample, &home)
        .args([
            "-m",
            "pre_commit",
            "try-repo",
            &hooks_arg,
            "postlint-system",
        ])
        .arg("--all-files")
        .env("PATH", path)
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("virtual-domain-in-mydestination"), "{said}");

    write_sample(&sample, false);
    git(&sample, &["add", "-A"]);
    let out = pre_commit(
        &sample,
        &home,
        &["try-repo", &hooks_arg, "postlint", "--all-files"],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("Passed"), "{said}");

    // The README's .pre-commit-config.yaml, pointed at this work tree instead of GitHub: a
    // commit that breaks the configuration is refused.
    let rev = git_output(&hooks, &["rev-parse", "HEAD"]);
    let config = readme_pre_commit_config()
        .replace("https://github.com/postlint/postlint", &hooks_arg)
        .replace("v0.1.0", rev.trim());
    assert!(
        config.contains(rev.trim()) && config.contains(&hooks_arg),
        "{config}"
    );
    std::fs::write(sample.join(".pre-commit-config.yaml"), config).unwrap();
    git(&sample, &["add", "-A"]);
    let out = pre_commit(&sample, &home, &["install"]);
    assert!(out.status.success(), "{}", text(&out));
    git(&sample, &["commit", "-q", "-m", "a good configuration"]);
    write_sample(&sample, true);
    git(&sample, &["add", "-A"]);
    let refused = hook_env(&mut Command::new("git"), &sample, &home)
        .args(["-c", "user.name=t", "-c", "user.email=t@postlint.invalid"])
        .args(["commit", "-m", "a broken configuration"])
        .output()
        .unwrap();
    let said = text(&refused);
    assert!(!refused.status.success(), "the commit went through: {said}");
    assert!(said.contains("virtual-domain-in-mydestination"), "{said}");
}
