//! Times rules on one loaded setup, without the noise of loading it again for each run: the
//! setup is loaded once, then each rule runs ROUNDS times on one thread, and the fastest and
//! the median run are printed. The memos rules share (the class memo) are built before the
//! first round, so each rule is timed for its own work; the other shared results (the relay
//! verdicts) are built in a rule's first round, printed apart.
//!
//! ```text
//! cargo run --release --example rule-bench -- DIR [RULE ...] [--rounds N] [--load-rounds N]
//! ```
//!
//! With `--load-rounds N` the setup is loaded N times, and the fastest and median loads are
//! printed too (each load from fresh memory, as a run of postlint does).

use std::time::{Duration, Instant};

use postlint::model::{LoadOptions, Model};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .expect("usage: rule-bench DIR [RULE ...] [--rounds N]");
    let mut ids: Vec<String> = Vec::new();
    let mut rounds = 9;
    let mut load_rounds = 1;
    while let Some(arg) = args.next() {
        if arg == "--load-rounds" {
            load_rounds = args
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--load-rounds N");
        } else if arg == "--rounds" {
            rounds = args
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--rounds N");
        } else {
            ids.push(arg);
        }
    }
    let load = || {
        Model::load(&LoadOptions {
            config_dir: Some(dir.clone().into()),
            ..Default::default()
        })
        .expect("the setup loads")
    };
    if load_rounds > 1 {
        let mut times: Vec<Duration> = (0..load_rounds)
            .map(|_| {
                let started = Instant::now();
                drop(std::hint::black_box(load()));
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "loads: min {:.1} ms, median {:.1} ms",
            ms(times[0]),
            ms(times[times.len() / 2])
        );
    }
    let started = Instant::now();
    let model = load();
    println!("load: {:.1} ms", ms(started.elapsed()));
    let started = Instant::now();
    let _ = model.memoized_class("");
    println!("class memo: {:.1} ms", ms(started.elapsed()));
    let rules: Vec<&'static postlint::rules::Rule> = if ids.is_empty() {
        postlint::rules::RULES.iter().collect()
    } else {
        ids.iter()
            .map(|id| postlint::rules::find(id).expect("a rule id"))
            .collect()
    };
    let (mut total, mut total_first) = (Duration::ZERO, Duration::ZERO);
    for rule in rules {
        let mut times: Vec<Duration> = (0..rounds.max(1))
            .map(|_| {
                let started = Instant::now();
                let mut findings = postlint::diagnostic::Findings::new(rule.id, rule.severity);
                (rule.check)(&model, &mut findings);
                std::hint::black_box(findings.list.len());
                started.elapsed()
            })
            .collect();
        // The first round also builds what the rules share besides the class memo (the relay
        // verdicts): a cost every run pays once, which min and median leave out.
        let first = times[0];
        total_first += first;
        times.sort();
        total += times[times.len() / 2];
        if first > Duration::from_millis(1) {
            println!(
                "{}: first {:.1} ms, min {:.1} ms, median {:.1} ms",
                rule.id,
                ms(first),
                ms(times[0]),
                ms(times[times.len() / 2])
            );
        }
    }
    println!(
        "all rules (sum of medians): {:.1} ms; of first rounds, as one run pays: {:.1} ms",
        ms(total),
        ms(total_first)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
