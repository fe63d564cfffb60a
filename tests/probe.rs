//! `--probe` against real servers: a throwaway MariaDB, PostgreSQL and SQLite database with the
//! samples of fixtures/probe (tests/common/db.rs starts them). Every answer postlint gets is
//! compared with what `postmap -q` gets from the same .cf file, for every `hosts` form; the
//! findings the planted mistakes make are snapshots; the password is in no output.
#![cfg(feature = "probe")]

use std::path::Path;
use std::process::Command;

use postlint::model::{LoadOptions, Model};
use postlint::probe;

mod common;
use common::db::{self, Answer};

fn load(dir: &Path) -> Model {
    Model::load(&LoadOptions {
        config_dir: Some(dir.to_path_buf()),
        live: Some(true),
        ..Default::default()
    })
    .unwrap()
}

fn options() -> probe::Options {
    probe::Options {
        timeout: std::time::Duration::from_secs(5),
        progress: false,
        ..Default::default()
    }
}

/// postlint's answer for one key of one .cf file, written as expected.txt writes answers.
fn postlint_answer(model: &Model, cf_name: &str, key: &str) -> String {
    let table = model
        .tables
        .iter()
        .find(|t| t.name.ends_with(&format!("/{cf_name}")))
        .unwrap_or_else(|| panic!("no table for {cf_name}"));
    let (answers, report) = probe::ask_table(model, table.id, &[key.to_string()], &options());
    if let Some(problem) = report.problems.first() {
        return format!("!{}", problem.message);
    }
    let answers = answers.unwrap_or_else(|| panic!("{cf_name} not asked: {:?}", report.skipped));
    let folded = key.to_lowercase();
    match answers.get(&folded).map(|i| answers.answer(i)) {
        Some(a) => a.value.clone().unwrap_or_else(|| "-".to_string()),
        None => format!("!not asked: {key}"),
    }
}

/// Compares postlint with Postfix (and with expected.txt) for every line of one case.
fn compare_case(case: &str, hosts: &str, dbpath: Option<&Path>) -> usize {
    let dir = tempfile::tempdir().unwrap();
    db::write_case(case, dir.path(), hosts, dbpath);
    let model = load(dir.path());
    let postfix = common::postfix_available();
    let mut compared = 0;
    for row in db::expected().iter().filter(|r| r.case() == case) {
        let ours = postlint_answer(&model, row.cf_name(), &row.key);
        let expected = row.answer.clone().unwrap_or_else(|| "-".to_string());
        assert_eq!(
            db::redact(&ours),
            expected,
            "{} {:?} with hosts = {}: postlint and expected.txt differ",
            row.map,
            row.key,
            db::redact(hosts)
        );
        if postfix {
            let map = format!(
                "{}:{}",
                row.kind(),
                dir.path().join(row.cf_name()).display()
            );
            let theirs = db::postmap_query(dir.path(), &map, &row.key);
            assert!(
                !matches!(theirs, Answer::Error(_)),
                "postmap failed: {}",
                theirs.text()
            );
            assert_eq!(
                ours,
                theirs.text(),
                "{} {:?}: postlint and postmap differ",
                row.map,
                row.key
            );
        }
        compared += 1;
    }
    assert!(compared > 0, "expected.txt has no line for {case}");
    compared
}

/// Runs the postlint binary on a directory; (stdout, stderr).
fn postlint(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "postlint {args:?}: {}",
        db::redact(&String::from_utf8_lossy(&out.stderr))
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The findings `--probe` adds on a case, in the short format, with the temporary directory
/// shown as CONFIG.
fn probe_findings(case: &str, hosts: &str) -> String {
    let dir = case_dir(case, hosts);
    let shown = dir.path().display().to_string();
    let (out, err) = postlint(&["--probe", "--format", "short", &shown]);
    assert!(!out.contains(db::DB_PASSWORD) && !err.contains(db::DB_PASSWORD));
    out.replace(&shown, "CONFIG").replace(hosts, "HOSTS")
}

#[test]
fn mariadb_answers_equal_postfix() {
    let Some(server) = db::mariadb() else { return };
    for hosts in server.hosts_forms() {
        compare_case("ispmail", &hosts, None);
    }
    // Several hosts: one that refuses connections, then the server. Postfix tries another
    // host when one fails, and so does postlint.
    let dead = db::free_port();
    compare_case(
        "ispmail",
        &format!("inet:127.0.0.1:{dead} {}", server.hosts_forms()[0]),
        None,
    );
    let findings = probe_findings("ispmail", &server.hosts_forms()[0]);
    insta::assert_snapshot!("ispmail_findings", findings);
    option_files_as_postfix_reads_them(&server);
    tls_as_postfix_uses_it(&server);

    // --trace follows the aliases the database answers, to the mailboxes it answers.
    let socket = &server.hosts_forms()[0];
    let dir = case_dir("ispmail", socket);
    let shown = dir.path().display().to_string();
    let (trace, _) = postlint(&["--probe", "--trace", "team@example.org", &shown]);
    insta::assert_snapshot!("ispmail_trace", trace.replace(&shown, "CONFIG"));
    let (unprobed, _) = postlint(&["--trace", "team@example.org", &shown]);
    assert!(unprobed.contains("unknown"), "{unprobed}");

    // A wrong password and a misspelt column: findings on the lines to fix, and no password
    // (the real one or the wrong one) in any output.
    let wrong = "wr0ng-probe-pw";
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = match path.file_name().unwrap().to_str().unwrap() {
            "mysql-virtual-mailbox-domains.cf" => text.replace(db::DB_PASSWORD, wrong),
            "mysql-virtual-alias-maps.cf" => text.replace("WHERE source=", "WHERE sorce="),
            _ => text,
        };
        std::fs::write(&path, text).unwrap();
    }
    let failures = probe_failures(dir.path(), &[], server.port);
    insta::assert_snapshot!(
        "ispmail_failures",
        failures.join("\n").replace(&socket[5..], "SOCKET")
    );
    for format in ["human", "short", "json", "sarif", "github", "junit"] {
        let (out, err) = postlint(&["--probe", "--verbose", "--format", format, &shown]);
        for secret in [db::DB_PASSWORD, wrong] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "--format {format} shows a password"
            );
        }
    }
    let (config, _) = postlint(&["--probe", "--show-config", &shown]);
    assert!(!config.contains(db::DB_PASSWORD) && !config.contains(wrong));
}

/// Writes each (name, .cf text) into `dir` as NAME.cf, names them all in main.cf as `kind:`
/// tables, and holds postlint's answer for `key` to postmap's; `fails` names the cases where
/// both must fail, `limits` those of them where postlint must say it cannot tell (a limit of
/// the probe, not a fault of the setup).
fn same_as_postfix(
    dir: &Path,
    (kind, key): (&str, &str),
    cases: &[(&str, String)],
    fails: &[&str],
    limits: &[&str],
) {
    let mut listed = Vec::new();
    for (name, text) in cases {
        std::fs::write(dir.join(format!("{name}.cf")), text).unwrap();
        listed.push(format!("{kind}:{}/{name}.cf", dir.display()));
    }
    std::fs::write(
        dir.join("main.cf"),
        format!("virtual_mailbox_domains = {}\n", listed.join(", ")),
    )
    .unwrap();
    common::backdate(dir);
    let model = load(dir);
    for (name, _) in cases {
        let ours = postlint_answer(&model, &format!("{name}.cf"), key);
        assert!(
            !ours.contains(db::DB_PASSWORD),
            "{name}: the password in {ours:?}"
        );
        if common::postfix_available() {
            let map = format!("{kind}:{}/{name}.cf", dir.display());
            let theirs = db::postmap_query(dir, &map, key);
            assert_eq!(
                ours.starts_with('!'),
                matches!(theirs, Answer::Error(_)),
                "{name}: postlint {}, postmap {}",
                db::redact(&ours),
                theirs.text()
            );
            if !ours.starts_with('!') {
                assert_eq!(ours, theirs.text(), "{name}");
            }
        }
        assert_eq!(
            ours.starts_with('!'),
            fails.contains(name),
            "{name}: {ours}"
        );
        assert_eq!(
            ours.starts_with("!not probed: "),
            limits.contains(name),
            "{name}: {ours}"
        );
    }
}

/// An option_file gives `localhost` its socket and a .cf file without `user` its user, but
/// never its password: postlint connects where Postfix connects and fails where it fails.
fn option_files_as_postfix_reads_them(server: &db::Mariadb) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("my.cnf"),
        format!(
            "[mysqld]\nsocket = /nowhere\n[client]\nuser = {}\npassword = {}\nsocket = {}\n",
            db::DB_USER,
            db::DB_PASSWORD,
            server.socket.display()
        ),
    )
    .unwrap();
    let query = "query = SELECT 1 FROM virtual_domains WHERE name='%s'\n";
    let base = format!(
        "option_file = {}/my.cnf\nhosts = localhost\ndbname = {}\n{query}",
        d.display(),
        db::MARIADB_DATABASE
    );
    let cases = [
        (
            "with-password",
            format!("{base}password = {}\n", db::DB_PASSWORD),
        ),
        ("without-password", base.clone()),
    ];
    same_as_postfix(
        d,
        ("mysql", "example.org"),
        &cases,
        &["without-password"],
        &[],
    );
}

/// The TLS settings of mysql_table(5), against a server whose user `mailtls` must use TLS:
/// without them both Postfix and postlint are refused; with the CA (checked or not) both
/// connect; a certificate checked against no CA fails or not for both alike.
fn tls_as_postfix_uses_it(server: &db::Mariadb) {
    let Some(ca) = &server.tls_ca else {
        if db::databases_required() {
            panic!("POSTLINT_DATABASES=required but openssl made no certificate for MariaDB");
        }
        eprintln!("skipped: MariaDB runs without TLS here (openssl is not installed)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let base = format!(
        "hosts = inet:127.0.0.1:{}\nuser = {}\npassword = {}\ndbname = {}\n\
         query = SELECT 1 FROM virtual_domains WHERE name='%s'\n",
        server.port,
        db::TLS_USER,
        db::DB_PASSWORD,
        db::MARIADB_DATABASE
    );
    let ca = ca.display();
    let cases = [
        ("plain", base.clone()),
        (
            "ca-checked",
            format!("{base}tls_CAfile = {ca}\ntls_verify_cert = yes\n"),
        ),
        ("ca-unchecked", format!("{base}tls_CAfile = {ca}\n")),
        ("checked-no-ca", format!("{base}tls_verify_cert = yes\n")),
    ];
    // With no CA, nothing can vouch for the test CA's certificate.
    same_as_postfix(
        dir.path(),
        ("mysql", "example.org"),
        &cases,
        &["plain", "checked-no-ca"],
        &[],
    );
}

#[test]
fn postgres_answers_equal_postfix() {
    let Some(server) = db::postgres() else { return };
    for hosts in server.hosts_forms() {
        compare_case("postfixadmin", &hosts, None);
    }
    let findings = probe_findings("postfixadmin", &server.hosts_forms()[0]);
    insta::assert_snapshot!("postfixadmin_findings", findings);
    postgres_tls_as_postfix_uses_it(&server);
}

/// libpq's sslmode as Postfix uses it, against a server whose user `mailtls` pg_hba.conf
/// admits over TCP with TLS only. Without a URI libpq prefers TLS, and takes any certificate;
/// disable is refused; allow is refused, then tries TLS; verify-ca checks the chain against
/// sslrootcert, and so do require and prefer when it is given (prefer then tries without TLS,
/// which is refused); verify-full checks the host name too. What libpq would read from the
/// home directory of the user Postfix runs as is a limit of the probe.
fn postgres_tls_as_postfix_uses_it(server: &db::Postgres) {
    let Some(ca) = &server.tls_ca else {
        if db::databases_required() {
            panic!("POSTLINT_DATABASES=required but openssl made no certificate for PostgreSQL");
        }
        eprintln!("skipped: PostgreSQL runs without TLS here (openssl is not installed)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(ca, d.join("ca.pem")).unwrap();
    // A CA that did not sign the server's certificate.
    let other = tempfile::tempdir().unwrap();
    let (other_ca, _, _) = db::tls_files(other.path()).expect("openssl makes a second CA");
    std::fs::copy(other_ca, d.join("other-ca.pem")).unwrap();
    let (user, password, port) = (db::TLS_USER, db::DB_PASSWORD, server.port);
    let database = db::POSTGRES_DATABASE;
    let query = "query = SELECT domain FROM domain WHERE domain='%s'\n";
    // Postfix wants dbname even when the URI names the database.
    let uri = |host: &str, parameters: &str| {
        format!(
            "hosts = postgresql://{user}:{password}@{host}:{port}/{database}?{parameters}\n\
             dbname = {database}\n{query}"
        )
    };
    let root = |file: &str| format!("sslrootcert={}/{file}", d.display());
    let cases = [
        (
            "default",
            format!(
                "hosts = 127.0.0.1:{port}\nuser = {user}\npassword = {password}\n\
                 dbname = {database}\n{query}"
            ),
        ),
        ("require", uri("127.0.0.1", "sslmode=require")),
        ("disable", uri("127.0.0.1", "sslmode=disable")),
        ("allow", uri("127.0.0.1", "sslmode=allow")),
        (
            "verify-ca",
            uri(
                "127.0.0.1",
                &format!("sslmode=verify-ca&{}", root("ca.pem")),
            ),
        ),
        (
            "verify-full",
            uri(
                "localhost",
                &format!("sslmode=verify-full&{}", root("ca.pem")),
            ),
        ),
        (
            "verify-full-wrong-host",
            uri(
                "wrong.example",
                &format!("hostaddr=127.0.0.1&sslmode=verify-full&{}", root("ca.pem")),
            ),
        ),
        (
            "verify-ca-other-ca",
            uri(
                "127.0.0.1",
                &format!("sslmode=verify-ca&{}", root("other-ca.pem")),
            ),
        ),
        (
            "require-other-ca",
            uri(
                "127.0.0.1",
                &format!("sslmode=require&{}", root("other-ca.pem")),
            ),
        ),
        (
            "prefer-other-ca",
            uri(
                "127.0.0.1",
                &format!("sslmode=prefer&{}", root("other-ca.pem")),
            ),
        ),
        (
            "require-missing-ca",
            uri(
                "127.0.0.1",
                &format!("sslmode=require&{}", root("missing.pem")),
            ),
        ),
        (
            "verify-ca-no-rootcert",
            uri("127.0.0.1", "sslmode=verify-ca"),
        ),
    ];
    same_as_postfix(
        d,
        ("pgsql", "example.com"),
        &cases,
        &[
            "disable",
            "verify-full-wrong-host",
            "verify-ca-other-ca",
            "require-other-ca",
            "prefer-other-ca",
            "verify-ca-no-rootcert",
        ],
        &["verify-ca-no-rootcert"],
    );
}

#[test]
fn sqlite_answers_equal_postfix() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = db::sqlite(dir.path()) else {
        return;
    };
    compare_case("sqlite", "", Some(&path));

    // The probe's limit of keys per table is a finding of its own, and the keys past it stay
    // unknown.
    let case = tempfile::tempdir().unwrap();
    db::write_case("sqlite", case.path(), "", Some(&path));
    let model = load(case.path());
    let table = model.tables.iter().find(|t| t.kind == "sqlite").unwrap();
    let keys = ["a@example.org".to_string(), "b@example.org".to_string()];
    let limited = probe::Options {
        max_keys: 1,
        ..options()
    };
    let (answers, report) = probe::ask_table(&model, table.id, &keys, &limited);
    let answers = answers.unwrap();
    assert!(answers.get("a@example.org").is_some());
    assert!(answers.get("b@example.org").is_none());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.contains("asked 1 of 2 keys")),
        "{:?}",
        report.problems
    );
}

/// Writes a sample with `hosts` as given, as a repository holds it: Postfix's own master.cf
/// (so that the transports main.cf names exist), and the .cf files named under /etc/postfix/,
/// which postlint finds in the linted directory.
fn case_dir(case: &str, hosts: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    db::write_case(case, dir.path(), hosts, None);
    std::fs::copy("fixtures/probe/master.cf", dir.path().join("master.cf")).unwrap();
    let shown = dir.path().display().to_string();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace(&format!("{shown}/"), "/etc/postfix/")).unwrap();
    }
    dir
}

/// The probe-failed findings of a run, with the directory and port made stable.
fn probe_failures(dir: &Path, extra: &[&str], port: u16) -> Vec<String> {
    let shown = dir.display().to_string();
    let mut args = vec!["--probe", "--format", "short", "--select", "probe-failed"];
    args.extend(extra);
    args.push(&shown);
    let (out, err) = postlint(&args);
    assert!(!out.contains(db::DB_PASSWORD) && !err.contains(db::DB_PASSWORD));
    out.lines()
        .filter(|l| l.contains("[probe-failed]"))
        .map(|l| {
            l.replace(&shown, "CONFIG")
                .replace(&port.to_string(), "PORT")
        })
        .collect()
}

#[test]
fn unreachable_server_is_a_finding_on_hosts() {
    // Nothing listens on a port that was free a moment ago.
    let port = db::free_port();
    let dir = case_dir("ispmail", &format!("127.0.0.1:{port}"));
    let failures = probe_failures(dir.path(), &[], port);
    // One per table (each .cf file connects on its own), each on its `hosts` line.
    assert_eq!(failures.len(), 4, "{failures:#?}");
    for f in &failures {
        assert!(f.contains(".cf:3:1: warning[probe-failed]"), "{f}");
        assert!(f.contains("127.0.0.1:PORT"), "{f}");
        assert!(f.to_lowercase().contains("refused"), "{f}");
    }
}

#[test]
fn a_server_that_never_answers_is_bounded_by_the_timeout() {
    // Accepts connections and says nothing: the MySQL client waits for the server's greeting.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(32) {
            open.push(stream);
        }
        std::thread::sleep(std::time::Duration::from_secs(60));
    });
    // MySQL waits for the server's greeting; PostgreSQL for the answer to its startup message.
    for (case, tables) in [("ispmail", 4), ("postfixadmin", 5)] {
        let dir = case_dir(case, &format!("127.0.0.1:{port}"));
        let started = std::time::Instant::now();
        let failures = probe_failures(dir.path(), &["--probe-timeout", "1"], port);
        // One second per table, with room for a slow machine: a hang would take minutes.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{case} took {:?}",
            started.elapsed()
        );
        assert_eq!(failures.len(), tables, "{failures:#?}");
        for f in &failures {
            assert!(
                f.contains("no answer within 1 s") || f.contains("timed out"),
                "{f}"
            );
        }
    }
    drop(held);
}

/// In a repository checkout, a MySQL TLS file outside the tree is one postlint may not read,
/// not one Postfix cannot: a limit of the probe ("not probed"), decided before connecting, so
/// no server is needed.
#[test]
fn mysql_tls_file_outside_the_tree_is_a_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("tls.cf"),
        "hosts = inet:127.0.0.1:9\nuser = mail\npassword = secret\ndbname = mail\n\
         tls_CAfile = /nowhere/outside/ca.pem\ntls_verify_cert = yes\n\
         query = SELECT 1 FROM domains WHERE name='%s'\n",
    )
    .unwrap();
    std::fs::write(
        d.join("main.cf"),
        "virtual_mailbox_domains = mysql:/etc/postfix/tls.cf\n",
    )
    .unwrap();
    let model = Model::load(&LoadOptions {
        config_dir: Some(d.to_path_buf()),
        live: Some(false),
        ..Default::default()
    })
    .unwrap();
    let answer = postlint_answer(&model, "tls.cf", "example.org");
    assert!(
        answer.starts_with("!not probed: ") && answer.contains("tls_CAfile"),
        "{answer}"
    );
}
