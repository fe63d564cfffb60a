//! Runs every case in fixtures/<rule>/<case>/ with only that rule and snapshots what the user
//! sees (human output, then JSON) in <case>/findings.snap.
//!
//! A case is a config directory (main.cf there), a set-up script (`install.sh`, read as the
//! main.cf its here-documents write) or a sysroot tree (etc/postfix/main.cf there).
//! A case with an `mtimes` file (`<path> <seconds from now>` lines) is copied to a temporary
//! directory first and those files get those modification times, since git keeps none; one
//! with a `modes` file (`<path> <octal mode>` lines), those file modes, for the same reason.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use postlint::model::version::{Origin, Target};
use postlint::model::LoadOptions;
use postlint::output::{human, json};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn apply_mtimes(dir: &Path) {
    let spec = std::fs::read_to_string(dir.join("mtimes")).unwrap();
    let now = SystemTime::now();
    for line in spec
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (path, seconds) = line
            .rsplit_once(' ')
            .expect("mtimes lines are `<path> <seconds>`");
        let seconds: i64 = seconds.trim().parse().expect("seconds are a whole number");
        let when = if seconds < 0 {
            now - Duration::from_secs((-seconds) as u64)
        } else {
            now + Duration::from_secs(seconds as u64)
        };
        filetime::set_file_mtime(
            dir.join(path.trim()),
            filetime::FileTime::from_system_time(when),
        )
        .unwrap();
    }
}

/// Sets the file modes a case's `modes` file lists (`<path> <octal mode>` lines), which git
/// does not keep, on the case's copy outside the repository (where modes are the server's).
fn apply_modes(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let spec = std::fs::read_to_string(dir.join("modes")).unwrap();
    for line in spec
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (path, mode) = line
            .rsplit_once(' ')
            .expect("modes lines are `<path> <octal mode>`");
        let mode = u32::from_str_radix(mode.trim(), 8).expect("an octal mode");
        std::fs::set_permissions(dir.join(path.trim()), std::fs::Permissions::from_mode(mode))
            .unwrap();
    }
}

/// Lints one case with one rule; returns the text to snapshot.
fn run_case(case: &Path, rule_id: &str) -> String {
    let rule = postlint::rules::find(rule_id)
        .unwrap_or_else(|| panic!("fixtures/{rule_id}: no such rule"));
    let shown = case.to_string_lossy().into_owned();
    let temp;
    let probe_sql = case.join("probe.sql");
    let copied = ["mtimes", "modes"].iter().any(|f| case.join(f).exists());
    let dir: PathBuf = if copied || probe_sql.exists() {
        temp = tempfile::tempdir().unwrap();
        copy_tree(case, temp.path());
        if case.join("mtimes").exists() {
            apply_mtimes(temp.path());
        }
        if case.join("modes").exists() {
            apply_modes(temp.path());
        }
        temp.path().to_path_buf()
    } else {
        case.to_path_buf()
    };
    let script = dir.join("install.sh");
    let mut options = if dir.join("main.cf").exists() {
        LoadOptions {
            config_dir: Some(dir.clone()),
            ..Default::default()
        }
    } else if script.exists() {
        // A set-up script that writes main.cf (and master.cf) with here-documents, read as
        // --discover reads it: the first document that replaces each file.
        let text = std::fs::read_to_string(&script).unwrap();
        let first = |file| {
            postlint::template::heredoc::replacing(&text, false, file)
                .first()
                .copied()
        };
        let master = first("master.cf");
        LoadOptions {
            config_dir: Some(dir.clone()),
            main_cf: Some(script.clone()),
            main_cf_heredoc: Some(first("main.cf").expect("install.sh writes main.cf")),
            master_cf: master.map(|_| script.clone()),
            master_cf_heredoc: master,
            master_installed: master.is_some(),
            main_installed: true,
            ..Default::default()
        }
    } else {
        LoadOptions {
            sysroot: Some(dir.clone()),
            ..Default::default()
        }
    };
    // A case's postlint.toml may name the Postfix release it is linted for.
    let toml = dir.join("postlint.toml");
    if toml.exists() {
        let config = postlint::config::Config::load(&toml).expect("the case's postlint.toml");
        options.target = config.postfix_version.map(|asked| Target {
            asked,
            origin: Origin::Config,
        });
    }
    // unused-suppression knows a suppression silenced nothing only when its rule ran: its
    // cases run every rule and show only its findings.
    let rules: Vec<&'static postlint::rules::Rule> = if rule_id == "unused-suppression" {
        postlint::rules::RULES.iter().collect()
    } else {
        vec![rule]
    };
    let mut report = if probe_sql.exists() {
        lint_probed(&dir, options, rules)
    } else {
        postlint::lint(&options, &rules).expect("the case loads")
    };
    report.findings.retain(|f| f.rule == rule_id);
    let text = format!(
        "{}\n---- json ----\n{}",
        human::render(&report.model.sources, &report.findings, human::Style::Plain),
        json::render(&report.model.sources, &report.findings)
    );
    text.replace(&dir.to_string_lossy().into_owned(), &shown)
}

/// A case with a `probe.sql` runs with `--probe`: the SQL is loaded into `mail.sqlite` beside
/// main.cf (when it is not empty), which the case's sqlite: tables name as
/// /etc/postfix/mail.sqlite. SQLite needs no server, so every rule that reads probed answers
/// has fixtures here; tests/probe.rs runs MariaDB and PostgreSQL.
#[cfg(feature = "probe")]
fn lint_probed(
    dir: &Path,
    load: LoadOptions,
    rules: Vec<&'static postlint::rules::Rule>,
) -> postlint::Report {
    let sql = std::fs::read_to_string(dir.join("probe.sql")).unwrap();
    if !sql.trim().is_empty() {
        let db = rusqlite::Connection::open(dir.join("mail.sqlite")).unwrap();
        db.execute_batch(&sql).expect("probe.sql loads");
    }
    postlint::lint_with(&postlint::LintOptions {
        load,
        rules,
        config: &postlint::config::Config::default(),
        inline_suppressions: true,
        fingerprint_root: None,
        probe: Some(postlint::probe::Options {
            progress: false,
            ..Default::default()
        }),
    })
    .expect("the case loads")
}

#[cfg(not(feature = "probe"))]
fn lint_probed(
    _: &Path,
    _: LoadOptions,
    _: Vec<&'static postlint::rules::Rule>,
) -> postlint::Report {
    unreachable!("cases with probe.sql are skipped without the probe feature")
}

/// Cases that need `--probe` cannot run in a build without it.
fn skipped(case: &Path) -> bool {
    let skip = !cfg!(feature = "probe") && case.join("probe.sql").exists();
    if skip {
        eprintln!("skipped: {} needs the probe feature", case.display());
    }
    skip
}

#[test]
fn rule_fixtures() {
    let root = Path::new("fixtures");
    let mut cases = 0;
    let mut rule_dirs: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    rule_dirs.sort();
    let mut failures = Vec::new();
    for rule_dir in rule_dirs {
        let rule_id = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        if postlint::rules::find(&rule_id).is_none() {
            continue; // parser fixtures and other folders
        }
        let mut case_dirs: Vec<_> = std::fs::read_dir(&rule_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        case_dirs.sort();
        for case in case_dirs {
            if skipped(&case) {
                continue;
            }
            cases += 1;
            let text = run_case(&case, &rule_id);
            let case_abs = std::env::current_dir().unwrap().join(&case);
            let result = std::panic::catch_unwind(|| {
                insta::with_settings!({
                    snapshot_path => case_abs.clone(),
                    prepend_module_to_snapshot => false,
                    omit_expression => true,
                    description => format!("postlint --select {rule_id} {}", case.display()),
                }, {
                    insta::assert_snapshot!("findings", text);
                });
            });
            if result.is_err() {
                failures.push(case.display().to_string());
            }
        }
    }
    assert!(cases > 0, "no fixture cases found");
    assert!(failures.is_empty(), "snapshots differ for: {failures:#?}");
}

/// Case names say what they expect: trigger-* cases report, ok-* cases do not.
#[test]
fn case_names_match_their_snapshots() {
    for rule in postlint::rules::RULES {
        let dir = Path::new("fixtures").join(rule.id);
        let mut triggers = 0;
        let mut oks = 0;
        for entry in
            std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("{} has no fixtures folder", rule.id))
        {
            let case = entry.unwrap().path();
            if skipped(&case) {
                continue;
            }
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let text = run_case(&case, rule.id);
            let found_none = text.contains("No problems found.");
            if name.starts_with("trigger-") {
                triggers += 1;
                assert!(!found_none, "{} should report something", case.display());
            } else if name.starts_with("ok-") {
                oks += 1;
                assert!(
                    found_none,
                    "{} should report nothing:\n{text}",
                    case.display()
                );
            } else {
                panic!("{}: case names start with trigger- or ok-", case.display());
            }
        }
        assert!(
            triggers > 0 && oks > 0,
            "{} needs trigger- and ok- cases",
            rule.id
        );
    }
}
