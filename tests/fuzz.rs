//! The fuzz targets in fuzz/ (cargo-fuzz: one per parser on random bytes, one for whole
//! setups linted and rendered in every format, and one for repositories as --discover reads
//! them) run for a bounded time each; a crash, a timeout of one input or
//! running out of memory fails the test, and libFuzzer's report names the input it saved under
//! fuzz/artifacts/.
//!
//! Needs cargo-fuzz (`cargo install cargo-fuzz`; .ci/run installs it). libFuzzer is built on the
//! stable toolchain: RUSTC_BOOTSTRAP lets cargo-fuzz pass its flags, and no sanitizer is used
//! (Rust's own checks catch what matters here: panics, hangs, memory). With
//! POSTLINT_FUZZ=required (as in CI) a missing cargo-fuzz fails; otherwise the test says it was
//! skipped. POSTLINT_FUZZ_SECONDS sets the time per target (default 60); the targets are built
//! once and run side by side, one per core.

use std::process::Command;

const TARGETS: &[&str] = &[
    "main_cf",
    "master_cf",
    "map_source",
    "aliases",
    "lists",
    "expansion",
    "templates",
    "patterns",
    "setup",
    "repository",
];

/// The optimisation of the targets this test builds (the run must ask the same, or cargo
/// builds them again): a short run looks for crashes, not for speed, and opt-level 1 builds
/// in 180 s where 3 takes 250 (2026-12-06), on CI's 30 minutes. `cargo fuzz run` by hand
/// builds its own, at 3.
const OPT_LEVEL: &str = "1";

fn cargo_fuzz_available() -> bool {
    Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn fuzz_targets_find_nothing() {
    if !cargo_fuzz_available() {
        assert_ne!(
            std::env::var("POSTLINT_FUZZ").as_deref(),
            Ok("required"),
            "POSTLINT_FUZZ=required, but cargo-fuzz is not installed"
        );
        eprintln!("SKIPPED: cargo-fuzz is not installed (cargo install cargo-fuzz)");
        return;
    }
    let seconds = std::env::var("POSTLINT_FUZZ_SECONDS").unwrap_or_else(|_| "60".to_string());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // One build of every target first; then the targets run side by side, one per core.
    let build = Command::new("cargo")
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", OPT_LEVEL)
        .args(["fuzz", "build", "--sanitizer", "none"])
        .output()
        .expect("cargo fuzz builds");
    assert!(
        build.status.success(),
        "cargo fuzz build failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(TARGETS.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(target) =
                    TARGETS.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    if let Err(failure) = fuzz(root, target, &seconds) {
                        failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs one target for `seconds`: Err with libFuzzer's report when it found a problem or ran
/// too few inputs.
fn fuzz(root: &std::path::Path, target: &str, seconds: &str) -> Result<(), String> {
    // New inputs go to fuzz/target/grown/TARGET; the seeds in fuzz/corpus stay as committed.
    let grown = root.join("fuzz/target/grown").join(target);
    std::fs::create_dir_all(&grown).unwrap();
    // The parser targets share one set of seed files: every parser sees every kind of file.
    let seeds = root.join("fuzz/corpus").join(match target {
        "setup" | "repository" => target,
        _ => "text",
    });
    // The setup and repository targets write their files under the temporary directory: one
    // of our own, removed after the run, so that runs leave nothing behind in /tmp.
    let scratch = root.join("fuzz/target/tmp").join(target);
    std::fs::create_dir_all(&scratch).unwrap();
    let out = Command::new("cargo")
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", OPT_LEVEL)
        .env("TMPDIR", &scratch)
        .args(["fuzz", "run", "--sanitizer", "none", target])
        .arg(&grown)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .args(["-rss_limit_mb=2048", "-timeout=10", "-print_final_stats=1"])
        .output()
        .expect("cargo fuzz runs");
    let _ = std::fs::remove_dir_all(&scratch);
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "fuzz target {target} found a problem:\n{}",
            tail.join("\n")
        ));
    }
    let runs = log
        .lines()
        .find_map(|l| {
            l.strip_prefix("Done ")?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .unwrap_or(0);
    if runs <= 100 {
        return Err(format!(
            "fuzz target {target} ran only {runs} inputs:\n{log}"
        ));
    }
    eprintln!("fuzz target {target}: {runs} inputs in {seconds} s, nothing found");
    Ok(())
}
