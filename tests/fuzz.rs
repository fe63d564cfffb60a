//! The fuzz targets in fuzz/ (cargo-fuzz: one per parser on random bytes, and one for whole
//! setups linted and rendered in every format) run for a bounded time each; a crash, a timeout of one input or
//! running out of memory fails the test, and libFuzzer's report names the input it saved under
//! fuzz/artifacts/.
//!
//! Needs cargo-fuzz (`cargo install cargo-fuzz`; .ci/run installs it). libFuzzer is built on the
//! stable toolchain: RUSTC_BOOTSTRAP lets cargo-fuzz pass its flags, and no sanitizer is used
//! (Rust's own checks catch what matters here: panics, hangs, memory). With
//! POSTLINT_FUZZ=required (as in CI) a missing cargo-fuzz fails; otherwise the test says it was
//! skipped. POSTLINT_FUZZ_SECONDS sets the time per target (default 60).

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
];

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
    for target in TARGETS {
        // New inputs go to fuzz/target/grown/TARGET; the seeds in fuzz/corpus stay as committed.
        let grown = root.join("fuzz/target/grown").join(target);
        std::fs::create_dir_all(&grown).unwrap();
        // The parser targets share one set of seed files: every parser sees every kind of file.
        let seeds =
            root.join("fuzz/corpus")
                .join(if *target == "setup" { "setup" } else { "text" });
        let out = Command::new("cargo")
            .current_dir(root)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "--sanitizer", "none", target])
            .arg(&grown)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .args(["-rss_limit_mb=2048", "-timeout=10", "-print_final_stats=1"])
            .output()
            .expect("cargo fuzz runs");
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "fuzz target {target} found a problem:\n{}",
            log.lines()
                .rev()
                .take(60)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        );
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
        assert!(
            runs > 100,
            "fuzz target {target} ran only {runs} inputs:\n{log}"
        );
        eprintln!("fuzz target {target}: {runs} inputs in {seconds} s, nothing found");
    }
}
