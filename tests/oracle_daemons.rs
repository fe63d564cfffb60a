//! Postfix's daemons are the judge of `invalid-value`, `size-limit-conflict`,
//! `relay-check-missing`, the fatal cases of `trailing-comment` and `unknown-restriction`, and
//! master.cf arguments `invalid-syntax` reports as refused: a daemon checks
//! its parameters when it starts, and a value it cannot use stops it with a `fatal:` line before it
//! reads any input. The same makes them the judge of `override-unused`: a number, boolean or time
//! set to `bogus` stops a daemon that reads it, and one that never reads it starts clean.
//!
//! Every case under those rules' fixtures that holds an `oracle.txt` (all of them for the first
//! three rules) lists, one line per daemon run: `DAEMON<TAB>EXPECTED`. DAEMON is a program in
//! daemon_directory (`smtpd`, `local`, ...) run as the service of the same name, or `NAME/TYPE`, a
//! master.cf service of the case, run with that entry's command and its `-o` options. EXPECTED is a
//! text the daemon's `fatal:` line must contain, or `-` for a clean start. A line starting with
//! `# level: unset` keeps compatibility_level out of what the copy gets (below), for a case about
//! a main.cf that does not set it.
//!
//! Each daemon runs offline in its one-shot mode: `-S` (the session is stdin), `-V` (log to
//! stderr), `MAIL_CONFIG` pointing at a copy of the case. The copy gets what the daemon needs to
//! run there (a scratch queue_directory ...) appended, never a parameter the case sets.
//!
//! Needs Postfix installed. With POSTLINT_ORACLE=required (set by .ci/run) a missing Postfix fails
//! the suite; otherwise the test says it was skipped and passes.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

mod common;

/// The rules whose cases this test runs.
const RULE_DIRS: [&str; 7] = [
    "fixtures/invalid-value",
    "fixtures/size-limit-conflict",
    "fixtures/relay-check-missing",
    "fixtures/trailing-comment",
    "fixtures/unknown-restriction",
    "fixtures/override-unused",
    // Only its master.cf cases with an argument a daemon refuses have an oracle.txt.
    "fixtures/invalid-syntax",
];

/// A daemon that has not finished by then is killed and the run fails: no case may hang.
const DEADLINE: Duration = Duration::from_secs(10);

/// Postfix runs at most this many daemons at once here (most of a fatal run is Postfix sleeping a
/// second before it exits).
const THREADS: usize = 2;

/// How one daemon program runs offline.
struct Daemon {
    program: &'static str,
    /// The master.cf service name it has by default (`-n`).
    service: &'static str,
    /// The one session on stdin; empty: stdin is an empty pipe.
    input: &'static [u8],
    /// Parameters it needs to start offline, appended unless the case sets them.
    needs: &'static [(&'static str, &'static str)],
    /// A stderr text that shows it got past its startup checks into the session (when the exit
    /// status cannot show it).
    reached: Option<&'static str>,
    /// A `panic:` that its one-shot mode prints after the session, not about the configuration.
    after_session: Option<&'static str>,
}

/// Every daemon this test knows how to run offline. Each exits by itself within a few
/// milliseconds of reading its session, or one second after a fatal error.
const DAEMONS: &[Daemon] = &[
    // smtpd greets, reads EOF ("lost connection after CONNECT") and exits 0. The default
    // local_recipient_maps asks proxymap, which is not running: smtpd would wait on it forever.
    daemon("smtpd", "smtpd", b"", &[("local_recipient_maps", "")]),
    // The delivery agents announce themselves, see EOF instead of a request, and exit 0.
    daemon("local", "local", b"", &[]),
    daemon("virtual", "virtual", b"", &[]),
    daemon("smtp", "smtp", b"", &[]),
    daemon("lmtp", "lmtp", b"", &[]),
    daemon("pipe", "pipe", b"", &[]),
    daemon("error", "error", b"", &[]),
    daemon("discard", "discard", b"", &[]),
    // cleanup creates a queue file in incoming/, reads EOF, removes it and exits 0.
    daemon("cleanup", "cleanup", b"", &[]),
    daemon("bounce", "bounce", b"", &[]),
    daemon("flush", "flush", b"", &[]),
    daemon("showq", "showq", b"", &[]),
    daemon("verify", "verify", b"", &[]),
    daemon("scache", "scache", b"", &[]),
    daemon("proxymap", "proxymap", b"", &[]),
    daemon("tlsproxy", "tlsproxy", b"", &[]),
    // The trigger servers need one trigger (`W`, wake up); EOF alone is `fatal: read`.
    daemon("pickup", "pickup", b"W", &[]),
    daemon("qmgr", "qmgr", b"W", &[]),
    daemon("oqmgr", "qmgr", b"W", &[]),
    // The multi-server skeleton panics after a session that ended early; one resolve request
    // lets it finish and exit 0.
    daemon(
        "trivial-rewrite",
        "rewrite",
        b"request\0resolve\0sender\0\0address\0user@example.com\0\0",
        &[],
    ),
    // postscreen wants a TCP peer on stdin: it drops the pipe after startup, then its one-shot
    // mode panics on the stream it already closed.
    Daemon {
        program: "postscreen",
        service: "smtp",
        input: b"",
        needs: &[],
        reached: Some("-- dropping this connection"),
        after_session: Some("panic: vstream_fflush_some: read-only stream"),
    },
];

const fn daemon(
    program: &'static str,
    service: &'static str,
    input: &'static [u8],
    needs: &'static [(&'static str, &'static str)],
) -> Daemon {
    Daemon {
        program,
        service,
        input,
        needs,
        reached: None,
        after_session: None,
    }
}

fn daemon_named(program: &str) -> Option<&'static Daemon> {
    DAEMONS.iter().find(|d| d.program == program)
}

/// Parameters every daemon needs offline. compatibility_level: without it smtpd's default relay
/// restrictions are empty and it stops on "specify at least one working instance of
/// reject_unauth_destination", whatever the case says.
const EVERY_DAEMON_NEEDS: &[(&str, &str)] = &[("compatibility_level", "3.7")];

/// One daemon run: a case (None: an empty main.cf) and a line of its oracle.txt.
struct Run {
    case: Option<PathBuf>,
    /// As written in oracle.txt: a program or `NAME/TYPE`.
    target: String,
    /// None: a clean start.
    fatal: Option<String>,
    /// A line of oracle.txt starts with `# level: unset`: compatibility_level stays unset (the built-in level 0)
    /// instead of getting EVERY_DAEMON_NEEDS' level, for a case about what an unset level does.
    level_unset: bool,
}

impl Run {
    fn name(&self) -> String {
        let case = match &self.case {
            Some(case) => case.display().to_string(),
            None => "(empty main.cf)".to_string(),
        };
        format!("{case}, {}", self.target)
    }
}

/// Every case directory with an oracle.txt.
fn case_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for root in RULE_DIRS {
        let entries = std::fs::read_dir(root).unwrap_or_else(|e| panic!("{root}: {e}"));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.join("oracle.txt").exists() {
                dirs.push(path);
            }
        }
    }
    dirs.sort();
    dirs
}

fn oracle_lines(case: &Path) -> Vec<Run> {
    let text = std::fs::read_to_string(case.join("oracle.txt")).unwrap();
    let level_unset = text
        .lines()
        .any(|l| l.trim_start().starts_with("# level: unset"));
    let runs: Vec<Run> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (target, expected) = line.split_once('\t').unwrap_or_else(|| {
                panic!(
                    "{}/oracle.txt: `{line}` is not DAEMON<TAB>EXPECTED",
                    case.display()
                )
            });
            let expected = expected.trim();
            assert!(
                !expected.is_empty(),
                "{}: empty expectation",
                case.display()
            );
            Run {
                case: Some(case.to_path_buf()),
                target: target.trim().to_string(),
                fatal: (expected != "-").then(|| expected.to_string()),
                level_unset,
            }
        })
        .collect();
    assert!(
        !runs.is_empty(),
        "{}/oracle.txt names no daemon",
        case.display()
    );
    runs
}

/// The names main.cf defines (a line that starts a logical line and holds `=`).
fn defined_names(main_cf: &str) -> Vec<String> {
    main_cf
        .lines()
        .filter(|l| !l.starts_with(|c: char| c.is_whitespace() || c == '#'))
        .filter_map(|l| l.split_once('='))
        .map(|(name, _)| name.trim().to_string())
        .collect()
}

/// master.cf's logical lines, split into fields.
fn master_entries(master_cf: &str) -> Vec<Vec<String>> {
    let mut entries: Vec<Vec<String>> = Vec::new();
    for line in master_cf.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let fields = line.split_whitespace().map(str::to_string);
        if line.starts_with(char::is_whitespace) {
            entries
                .last_mut()
                .expect("master.cf starts with a continuation line")
                .extend(fields);
        } else {
            entries.push(fields.collect());
        }
    }
    entries
}

/// What to run: the daemon, its `-n` and `-t`, and the master.cf arguments.
fn command_for(
    run: &Run,
    conf: &Path,
) -> Result<(&'static Daemon, String, String, Vec<String>), String> {
    let Some((name, kind)) = run.target.split_once('/') else {
        let daemon = daemon_named(&run.target)
            .ok_or_else(|| format!("no offline recipe for the daemon `{}`", run.target))?;
        return Ok((
            daemon,
            daemon.service.to_string(),
            "unix".to_string(),
            Vec::new(),
        ));
    };
    let master_cf = std::fs::read_to_string(conf.join("master.cf"))
        .map_err(|e| format!("`{}` needs a master.cf: {e}", run.target))?;
    let entry = master_entries(&master_cf)
        .into_iter()
        .find(|fields| fields.len() >= 8 && fields[0] == name && fields[1] == kind)
        .ok_or_else(|| format!("master.cf has no service {name} of type {kind}"))?;
    let program = entry[7].rsplit('/').next().unwrap();
    let daemon = daemon_named(program)
        .ok_or_else(|| format!("no offline recipe for the daemon `{program}` of {name}/{kind}"))?;
    let args = entry[8..].to_vec();
    if args.iter().any(|a| a.starts_with('{')) {
        return Err(format!(
            "{name}/{kind}: `-o {{ ... }}` is not supported here"
        ));
    }
    Ok((daemon, name.to_string(), kind.to_string(), args))
}

fn daemon_directory() -> PathBuf {
    let (ok, stdout, stderr) = common::run("postconf", &["-dh", "daemon_directory"]);
    assert!(ok, "postconf -dh daemon_directory: {stderr}");
    PathBuf::from(stdout.trim())
}

/// What a daemon did: its stderr, and how it ended (None: killed at the deadline).
struct Outcome {
    stderr: String,
    status: Option<ExitStatus>,
}

/// Runs `program` with a deadline; kills it when the deadline passes.
fn run_with_deadline(mut command: Command, input: &[u8]) -> Result<Outcome, String> {
    command
        .stdin(Stdio::piped())
        // The delivery agents wait for their request by polling the session's write side: on
        // /dev/null that returns at once, on a pipe it would wait forever.
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let mut stdin = child.stdin.take().unwrap();
    // A daemon that stopped on a fatal error reads nothing: a broken pipe is an answer too.
    let _ = stdin.write_all(input);
    drop(stdin);
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stderr = reader.join().unwrap();
    Ok(Outcome { stderr, status })
}

/// Runs one daemon on a copy of the case and checks what it printed.
fn check(run: &Run, daemon_dir: &Path) -> Result<usize, String> {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    // local and virtual switch to the postfix user for a while: it must see into the copy.
    std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let conf = root.join("conf");
    let queue = root.join("queue");
    let data = root.join("data");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    for dir in [
        "incoming", "active", "deferred", "bounce", "defer", "trace", "flush", "hold", "corrupt",
        "maildrop", "saved", "public", "private", "pid",
    ] {
        std::fs::create_dir_all(queue.join(dir)).unwrap();
    }
    match &run.case {
        Some(case) => common::copy_tree(case, &conf),
        None => std::fs::write(conf.join("main.cf"), "").unwrap(),
    }
    let _ = std::fs::remove_file(conf.join("oracle.txt"));

    let (daemon, service, kind, master_args) = command_for(run, &conf)?;

    // What the daemon needs to run here, after the case's own text, for every name the case
    // leaves alone: an addition never replaces a value the case sets.
    let main_cf_path = conf.join("main.cf");
    let mut main_cf = std::fs::read_to_string(&main_cf_path).unwrap();
    let defined = defined_names(&main_cf);
    let queue_text = queue.to_string_lossy().into_owned();
    let data_text = data.to_string_lossy().into_owned();
    let scratch = [
        ("queue_directory", queue_text.as_str()),
        ("data_directory", data_text.as_str()),
    ];
    main_cf.push_str("\n# Added by tests/oracle_daemons.rs to run offline.\n");
    let every = match run.level_unset {
        true => &[][..],
        false => EVERY_DAEMON_NEEDS,
    };
    for (name, value) in scratch.iter().chain(every).chain(daemon.needs) {
        if !defined.iter().any(|d| d == name) {
            main_cf.push_str(&format!("{name} = {value}\n"));
        }
    }
    std::fs::write(&main_cf_path, main_cf).unwrap();
    common::backdate(&conf);

    let mut command = Command::new(daemon_dir.join(daemon.program));
    command
        .args(["-S", "-V", "-n", &service, "-t", &kind])
        .args(&master_args)
        .env("MAIL_CONFIG", &conf)
        .current_dir(root);
    let outcome = run_with_deadline(command, daemon.input)?;
    let stderr = outcome.stderr.trim_end();
    let shown = if stderr.is_empty() {
        "(nothing)"
    } else {
        stderr
    };
    let Some(status) = outcome.status else {
        return Err(format!(
            "no verdict within {} s (killed); stderr:\n{shown}",
            DEADLINE.as_secs()
        ));
    };
    let is_failure_line = |l: &&str| {
        (l.contains(" fatal: ") || l.contains(" panic: "))
            && !daemon.after_session.is_some_and(|a| l.contains(a))
    };
    let failures: Vec<&str> = stderr.lines().filter(is_failure_line).collect();
    match &run.fatal {
        Some(expected) => {
            let matched = failures
                .iter()
                .any(|l| l.contains(" fatal: ") && l.contains(expected.as_str()));
            if !matched {
                return Err(format!(
                    "expected a fatal line containing `{expected}`; {status}; stderr:\n{shown}"
                ));
            }
            if status.success() {
                return Err(format!(
                    "printed the fatal line but exited 0; stderr:\n{shown}"
                ));
            }
        }
        None => {
            if !failures.is_empty() {
                return Err(format!("expected a clean start; stderr:\n{shown}"));
            }
            let clean = match daemon.reached {
                Some(marker) => stderr.contains(marker),
                None => status.success(),
            };
            if !clean {
                return Err(format!(
                    "expected a clean start, but it ended with {status}; stderr:\n{shown}"
                ));
            }
        }
    }
    Ok(1)
}

/// Runs `check` on every run with THREADS threads; every failure, in `runs` order.
fn run_all(runs: &[Run], daemon_dir: &Path) -> (usize, Vec<String>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<usize, String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(run) = runs.get(i) else { break };
                let result = check(run, daemon_dir);
                results.lock().unwrap().push((i, result));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    let mut passed = 0;
    let mut failures = Vec::new();
    for (i, result) in results {
        match result {
            Ok(n) => passed += n,
            Err(e) => failures.push(format!("{}: {e}", runs[i].name())),
        }
    }
    (passed, failures)
}

/// Postfix's daemon_directory, when the daemons are installed; else None after saying the test
/// is skipped (a failure under POSTLINT_ORACLE=required).
fn installed_daemons() -> Option<PathBuf> {
    let dir = common::postfix_available().then(daemon_directory);
    match dir {
        Some(dir) if dir.join("smtpd").exists() => Some(dir),
        _ => {
            if std::env::var("POSTLINT_ORACLE").as_deref() == Ok("required") {
                panic!("POSTLINT_ORACLE=required but the Postfix daemons are not installed");
            }
            eprintln!("SKIPPED: Postfix is not installed");
            None
        }
    }
}

#[test]
fn every_case_stops_or_starts_the_daemons_as_its_oracle_says() {
    let Some(daemon_dir) = installed_daemons() else {
        return;
    };

    // First every daemon on an empty main.cf: the recipe itself must give a clean start, or no
    // `-` in a case would mean anything. virtual(8) is left out: it has no default
    // virtual_mailbox_base and always stops (trigger-empty-virtual-mailbox-base).
    let mut runs: Vec<Run> = DAEMONS
        .iter()
        .filter(|d| d.program != "virtual")
        .map(|d| Run {
            case: None,
            target: d.program.to_string(),
            fatal: None,
            level_unset: false,
        })
        .collect();
    let cases = case_dirs();
    for root in RULE_DIRS {
        assert!(
            cases.iter().any(|c| c.starts_with(root)),
            "{root} holds no case with an oracle.txt"
        );
    }
    for case in &cases {
        runs.extend(oracle_lines(case));
    }

    let (passed, failures) = run_all(&runs, &daemon_dir);
    assert!(
        failures.is_empty(),
        "{} of {} daemon runs disagree with their oracle.txt:\n\n{}",
        failures.len(),
        runs.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{passed} daemon runs over {} cases agree with their oracle.txt",
        cases.len()
    );
}

/// postlint predicts what the daemons do: in a case where a daemon stops, the case's rule
/// reports a finding whose message or label holds that daemon's fatal text (without the
/// `fatal: ` prefix) and names the daemon; where every daemon starts, the rule reports nothing.
/// This half needs no Postfix: the other test proves the oracle lines on the real daemons.
#[test]
fn postlint_predicts_each_fatal_line_and_each_clean_start() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in case_dirs() {
        let rule_id = case
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let rule = postlint::rules::find(&rule_id).expect("a rule of this name");
        let options = postlint::model::LoadOptions {
            config_dir: Some(case.clone()),
            // The daemons that judge the cases are the installed 3.7.
            target: Some(postlint::model::version::Target {
                asked: postlint::model::version::Release::new(3, 7),
                origin: postlint::model::version::Origin::Flag,
            }),
            ..Default::default()
        };
        let report = postlint::lint(&options, &[rule]).expect("the case loads");
        if rule_id == "override-unused" {
            failures.extend(override_unused_predictions(&case, &report.findings));
            checked += 1;
            continue;
        }
        let said: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.rule == rule_id && f.severity == postlint::diagnostic::Severity::Error)
            .map(|f| format!("{} | {}", f.message, f.primary.message))
            .collect();
        let runs = oracle_lines(&case);
        let fatal: Vec<&Run> = runs.iter().filter(|r| r.fatal.is_some()).collect();
        if fatal.is_empty() && !said.is_empty() {
            failures.push(format!(
                "{}: every daemon starts, but postlint says {said:#?}",
                case.display()
            ));
        }
        for run in fatal {
            let expected = run.fatal.as_deref().unwrap();
            let text = expected
                .strip_prefix("fatal: ")
                .unwrap_or(expected)
                .trim_end();
            let program = run.target.split('/').next().unwrap();
            let found = said.iter().any(|s| {
                s.contains(text)
                    && (s.contains(program)
                        || s.contains("every daemon")
                        || run.target.contains('/'))
            });
            if !found {
                failures.push(format!(
                    "{}: {} logs `{expected}`, but postlint says {said:#?}",
                    case.display(),
                    run.target
                ));
            }
        }
        checked += 1;
    }
    assert!(checked > 50, "only {checked} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// override-unused's cases run master.cf services, each with one `-o NAME=bogus` (a number,
/// boolean or time): the rule must say the service's program never reads NAME exactly when
/// the daemon starts clean, and the daemon's fatal line must name NAME.
fn override_unused_predictions(
    case: &Path,
    findings: &[postlint::diagnostic::Finding],
) -> Vec<String> {
    let master_cf = std::fs::read_to_string(case.join("master.cf")).unwrap();
    let entries = master_entries(&master_cf);
    let mut failures = Vec::new();
    for run in oracle_lines(case) {
        let at = format!("{}, {}", case.display(), run.target);
        let Some((name, kind)) = run.target.split_once('/') else {
            failures.push(format!(
                "{at}: override-unused cases run master.cf services (NAME/TYPE)"
            ));
            continue;
        };
        let Some(entry) = entries
            .iter()
            .find(|f| f.len() >= 8 && f[0] == name && f[1] == kind)
        else {
            failures.push(format!("{at}: no such service in master.cf"));
            continue;
        };
        let bogus: Vec<&str> = entry
            .windows(2)
            .filter(|w| w[0] == "-o")
            .filter_map(|w| w[1].strip_suffix("=bogus"))
            .collect();
        let [param] = bogus[..] else {
            failures.push(format!(
                "{at}: the service needs exactly one `-o NAME=bogus`, not {bogus:?}"
            ));
            continue;
        };
        let reported = findings.iter().any(|f| {
            f.rule == "override-unused"
                && f.message.starts_with(&format!("`{param}`"))
                && f.message
                    .contains(&format!("the program of {}", run.target))
        });
        match (&run.fatal, reported) {
            (None, false) => failures.push(format!(
                "{at}: starts clean with {param}=bogus (its program never reads it), but postlint does not say so"
            )),
            (Some(_), true) => failures.push(format!(
                "{at}: stops on {param}=bogus (its program reads it), but postlint says it never does"
            )),
            (Some(fatal), false) if !fatal.contains(param) => failures.push(format!(
                "{at}: the expected fatal line `{fatal}` does not name {param}"
            )),
            _ => {}
        }
    }
    failures
}

/// The programs whose reads `daemons_read_what_the_data_says` puts to the test, with the
/// main.cf each needs to start offline beyond the recipe of [`DAEMONS`].
const READ_TESTED: &[(&str, &str)] = &[
    ("smtpd", ""),
    ("smtp", ""),
    ("local", ""),
    ("virtual", "virtual_mailbox_base = /var/mail/vhosts\n"),
    ("pipe", ""),
    ("cleanup", ""),
    ("qmgr", ""),
];

/// How many parameters each program's sample of what it reads holds.
const READ_SAMPLE: usize = 5;

/// The number, boolean and time parameters of Postfix 3.7 (data/postfix-params.tsv), each with
/// the programs whose 3.7 tables hold it (empty: the global table, every program).
fn checkable_parameters() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string("data/postfix-params.tsv").unwrap();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, kind, _, _, _, programs, versions, ..] = fields[..] else {
            continue;
        };
        let checked = matches!(kind, "bool" | "nbool" | "int" | "nint" | "long" | "time");
        if !checked || !versions.starts_with("3.7") {
            continue;
        }
        let programs = match programs {
            "*" => Vec::new(),
            list => list.split(',').map(str::to_string).collect(),
        };
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, known)) => known.extend(programs),
            None => out.push((name.to_string(), programs)),
        }
    }
    out.sort();
    out
}

/// A case directory for one service of `program` with `-o NAME=bogus` for each name.
fn bogus_case(program: &str, main_cf: &str, names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let service = daemon_named(program).unwrap().service;
    let mut master_cf = format!("{service} unix - - n - - {program}\n");
    for name in names {
        master_cf.push_str(&format!("  -o {name}=bogus\n"));
    }
    std::fs::write(dir.path().join("main.cf"), main_cf).unwrap();
    std::fs::write(dir.path().join("master.cf"), master_cf).unwrap();
    dir
}

/// The data behind override-unused (data/postfix-daemon-params.tsv) on the real daemons: for
/// smtpd, smtp, local, virtual, pipe, cleanup and qmgr, every number, boolean and time
/// parameter of Postfix 3.7 that the data says the program never reads is set to `bogus`, all
/// at once on one service, which must start clean (a daemon stops on the first such value it
/// reads); and a sample of those the data says it reads (its 3.7 tables hold them), one per
/// run, must each stop it with a fatal line that names the parameter.
#[test]
fn daemons_read_what_the_data_says() {
    let Some(daemon_dir) = installed_daemons() else {
        return;
    };
    // Names the installed Postfix knows: the sample of read names must exist in its release.
    let (ok, installed, stderr) = common::run("postconf", &["-d"]);
    assert!(ok, "postconf -d: {stderr}");
    let installed: std::collections::HashSet<&str> = installed
        .lines()
        .filter_map(|l| l.split(" = ").next())
        .collect();

    let parameters = checkable_parameters();
    let mut cases = Vec::new();
    let mut runs = Vec::new();
    let mut never_read = 0;
    for (program, main_cf) in READ_TESTED {
        let service = daemon_named(program).unwrap().service;
        let reads = |name: &str| postlint::model::daemon_params::reads(program, service, name);
        let unread: Vec<&str> = parameters
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| reads(name) == Some(false))
            .collect();
        assert!(unread.len() > 50, "{program}: only {} unread", unread.len());
        never_read += unread.len();
        let case = bogus_case(program, main_cf, &unread);
        runs.push(Run {
            case: Some(case.path().to_path_buf()),
            target: format!("{service}/unix"),
            fatal: None,
            level_unset: false,
        });
        cases.push(case);

        let read: Vec<&str> = parameters
            .iter()
            .filter(|(name, tables)| {
                (tables.is_empty() || tables.iter().any(|t| t == program))
                    && installed.contains(name.as_str())
                    && reads(name) == Some(true)
            })
            .map(|(name, _)| name.as_str())
            .collect();
        // Every k-th name, for a sample that changes only when the data does.
        let step = (read.len() / READ_SAMPLE).max(1);
        for name in read.iter().step_by(step).take(READ_SAMPLE) {
            let case = bogus_case(program, main_cf, &[name]);
            runs.push(Run {
                case: Some(case.path().to_path_buf()),
                target: format!("{service}/unix"),
                fatal: Some(name.to_string()),
                level_unset: false,
            });
            cases.push(case);
        }
    }

    let (passed, failures) = run_all(&runs, &daemon_dir);
    assert!(
        failures.is_empty(),
        "{} of {} runs disagree with data/postfix-daemon-params.tsv:\n\n{}",
        failures.len(),
        runs.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{passed} daemon runs agree with data/postfix-daemon-params.tsv ({never_read} unread \
         parameters set to bogus, {} read ones)",
        runs.len() - READ_TESTED.len()
    );
}
