//! Postfix is the judge of what `--probe` asks: with real MariaDB, PostgreSQL and SQLite
//! databases holding the samples of fixtures/probe (ISPmail, PostfixAdmin, a small SQLite
//! table), `postmap -q KEY TYPE:FILE.cf` answers what fixtures/probe/expected.txt says, for
//! every `hosts` form Postfix connects with (tests/common/db.rs), and refuses the forms and
//! passwords it does not connect with.

use std::path::Path;

mod common;
use common::db::{self, Answer, Expected};

/// The rows of expected.txt for one sample.
fn rows_of(case: &str) -> Vec<Expected> {
    let rows: Vec<Expected> = db::expected()
        .into_iter()
        .filter(|r| r.case() == case)
        .collect();
    assert!(
        rows.len() >= 8,
        "only {} rows for {case} in expected.txt",
        rows.len()
    );
    rows
}

/// Writes the sample with `hosts` into a fresh directory and asks postmap every row there;
/// returns the mismatches, one line each.
fn mismatches(case: &str, hosts: &str, dbpath: Option<&Path>, rows: &[Expected]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    db::write_case(case, dir.path(), hosts, dbpath);
    let mut wrong = Vec::new();
    for row in rows {
        let map = format!("{}:{}/{}", row.kind(), dir.path().display(), row.cf_name());
        let got = db::postmap_query(dir.path(), &map, &row.key);
        let want = match &row.answer {
            Some(v) => Answer::Found(v.clone()),
            None => Answer::NotFound,
        };
        if got != want {
            wrong.push(format!(
                "hosts = {}: {} {:?}: postmap {:?}, expected.txt {:?}",
                db::redact(hosts),
                row.map,
                row.key,
                got.text(),
                want.text()
            ));
        }
    }
    wrong
}

/// Every row for every `hosts` form; returns how many lookups agreed.
fn check_all_forms(case: &str, forms: &[String], dbpath: Option<&Path>) -> usize {
    let rows = rows_of(case);
    let results = common::on_threads(forms, 3, |_, hosts| mismatches(case, hosts, dbpath, &rows))
        .unwrap_or_else(|e| panic!("{e}"));
    let wrong: Vec<String> = results.into_iter().flatten().collect();
    assert!(
        wrong.is_empty(),
        "postmap disagrees with expected.txt:\n{}",
        wrong.join("\n")
    );
    rows.len() * forms.len()
}

/// A lookup Postfix must refuse: what it is, `hosts`, a change to the .cf text (from, to),
/// and the words postmap's error must hold.
struct Refusal {
    what: &'static str,
    hosts: String,
    change: (&'static str, &'static str),
    says: &'static str,
}

/// Asks `key` in `case`'s `cf` with each refusal's `hosts` and change (a few at a time:
/// Postfix sleeps a second after a fatal error), and checks postmap refused it with those
/// words; then that the unchanged file with `good_hosts` answers `found`.
/// What `postlint --probe` gets for the key from the .cf file in `dir`: Err with the problem,
/// Ok(None) for not found. None in a build without the probe.
#[cfg(feature = "probe")]
fn postlint_answer(dir: &Path, cf: &str, key: &str) -> Option<Result<Option<String>, String>> {
    let model = postlint::model::Model::load(&postlint::model::LoadOptions {
        config_dir: Some(dir.to_path_buf()),
        live: Some(true),
        ..Default::default()
    })
    .unwrap();
    let table = model
        .tables
        .iter()
        .find(|t| t.name.ends_with(&format!("/{cf}")))
        .unwrap_or_else(|| panic!("main.cf names no {cf}"));
    let options = postlint::probe::Options {
        progress: false,
        ..Default::default()
    };
    let (answers, report) =
        postlint::probe::ask_table(&model, table.id, &[key.to_string()], &options);
    if let Some(problem) = report.problems.first() {
        return Some(Err(db::redact(&problem.message)));
    }
    let answers = answers.expect("asked");
    let i = answers.get(&key.to_lowercase()).expect("the key was asked");
    Some(Ok(answers.answer(i).value.clone()))
}

#[cfg(not(feature = "probe"))]
fn postlint_answer(_: &Path, _: &str, _: &str) -> Option<Result<Option<String>, String>> {
    None
}

fn check_refusals(
    case: &str,
    cf: &str,
    key: &str,
    refusals: &[Refusal],
    good_hosts: &str,
    found: &str,
) {
    let kind = if cf.starts_with("pgsql") {
        "pgsql"
    } else {
        "mysql"
    };
    let lookup = |hosts: &str, (from, to): (&str, &str)| {
        let dir = tempfile::tempdir().unwrap();
        db::write_case(case, dir.path(), hosts, None);
        let path = dir.path().join(cf);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{cf} has no {from:?}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        common::backdate(dir.path());
        let ours = postlint_answer(dir.path(), cf, key);
        let theirs = db::postmap_query(dir.path(), &format!("{kind}:{}", path.display()), key);
        (theirs, ours)
    };
    let answers = common::on_threads(refusals, refusals.len(), |_, r| lookup(&r.hosts, r.change))
        .unwrap_or_else(|e| panic!("{e}"));
    for (r, (answer, ours)) in refusals.iter().zip(&answers) {
        // postlint --probe fails where Postfix fails.
        if let Some(ours) = ours {
            assert!(ours.is_err(), "{}: postlint answered {ours:?}", r.what);
        }
        assert!(
            !answer.text().contains(db::DB_PASSWORD),
            "{}: the password shown",
            r.what
        );
        match answer {
            Answer::Error(e) => assert!(
                e.contains(r.says),
                "{}: postmap said {e:?}, not {:?}",
                r.what,
                r.says
            ),
            other => panic!("{}: postmap answered {other:?}, not an error", r.what),
        }
    }
    let (theirs, ours) = lookup(good_hosts, ("", ""));
    if let Some(ours) = ours {
        assert_eq!(
            ours,
            Ok(Some(found.to_string())),
            "postlint, {case}/{cf} {key:?}"
        );
    }
    assert_eq!(
        theirs,
        Answer::Found(found.to_string()),
        "{case}/{cf} {key:?} with hosts = {}",
        db::redact(good_hosts)
    );
}

#[test]
fn mysql_answers_equal_expected_table() {
    if !common::postfix_has_types(&["mysql"]) {
        return;
    }
    let Some(server) = db::mariadb() else { return };
    let forms = server.hosts_forms();
    let agreed = check_all_forms("ispmail", &forms, None);
    assert!(agreed >= 60, "only {agreed} lookups compared");

    let wrong_password = (db::DB_PASSWORD, "wrong-password");
    let refusals = [
        Refusal {
            what: "hosts = SOCKET without unix: (a host name to the mysql client)",
            hosts: server.socket.display().to_string(),
            change: ("", ""),
            says: "Unknown server host",
        },
        Refusal {
            what: "a wrong password over the socket",
            hosts: forms[0].clone(),
            change: wrong_password,
            says: "Access denied for user 'mailro'@'localhost'",
        },
        Refusal {
            what: "a wrong password over TCP",
            hosts: forms[2].clone(),
            change: wrong_password,
            says: "Access denied for user 'mailro'@'127.0.0.1'",
        },
        Refusal {
            what: "a database the user may not read",
            hosts: forms[1].clone(),
            change: ("dbname = mailserver", "dbname = mysql"),
            says: "Access denied for user 'mailro'@'%' to database 'mysql'",
        },
    ];
    let cf = "mysql-virtual-alias-maps.cf";
    check_refusals(
        "ispmail",
        cf,
        "postmaster@example.org",
        &refusals,
        &forms[1],
        "john@example.org",
    );
}

#[test]
fn pgsql_answers_equal_expected_table() {
    if !common::postfix_has_types(&["pgsql"]) {
        return;
    }
    let Some(server) = db::postgres() else { return };
    let forms = server.hosts_forms();
    let agreed = check_all_forms("postfixadmin", &forms, None);
    assert!(agreed >= 120, "only {agreed} lookups compared");

    // `unix:DIR` has no port: libpq looks for DIR/.s.PGSQL.5432, never DIR/.s.PGSQL.PORT.
    let only_real = tempfile::tempdir().unwrap();
    let real = format!(".s.PGSQL.{}", server.port);
    std::os::unix::fs::symlink(server.socket_dir.join(&real), only_real.path().join(&real))
        .unwrap();
    // A table the user may not read (the grant is SELECT on the sample's tables only).
    server.sql(
        db::POSTGRES_DATABASE,
        "CREATE TABLE secret (address text, goto text, active boolean);\n",
    );
    let wrong_password = (db::DB_PASSWORD, "wrong-password");
    let refusals = [
        Refusal {
            what: "hosts = unix:DIR where DIR has the socket under its port's name only",
            hosts: format!("unix:{}", only_real.path().display()),
            change: ("", ""),
            says: ".s.PGSQL.5432",
        },
        Refusal {
            // Postfix hands a URI to libpq alone: the .cf file's password is not used.
            what: "hosts = a URI with a user and no password",
            hosts: format!(
                "postgresql://{}@127.0.0.1:{}/{}",
                db::DB_USER,
                server.port,
                db::POSTGRES_DATABASE
            ),
            change: ("", ""),
            says: "no password supplied",
        },
        Refusal {
            what: "a wrong password over the socket",
            hosts: forms[0].clone(),
            change: wrong_password,
            says: "password authentication failed for user \"mailro\"",
        },
        Refusal {
            what: "a wrong password over TCP",
            hosts: forms[3].clone(),
            change: wrong_password,
            says: "password authentication failed for user \"mailro\"",
        },
        Refusal {
            what: "a table without SELECT",
            hosts: forms[2].clone(),
            change: ("FROM alias WHERE", "FROM secret WHERE"),
            says: "permission denied for table secret",
        },
    ];
    let cf = "pgsql_virtual_alias_maps.cf";
    check_refusals(
        "postfixadmin",
        cf,
        "postmaster@example.com",
        &refusals,
        &forms[2],
        "john@example.com",
    );
}

#[test]
fn sqlite_answers_equal_expected_table() {
    if !common::postfix_has_types(&["sqlite"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(file) = db::sqlite(dir.path()) else {
        return;
    };
    let agreed = check_all_forms("sqlite", &["-".to_string()], Some(&file));
    assert!(agreed >= 8, "only {agreed} lookups compared");
}

/// expected.txt names only files the samples have, and every sample has rows.
#[test]
fn expected_table_names_sample_files() {
    let rows = db::expected();
    for (case, kind) in db::CASES {
        assert!(
            rows.iter().any(|r| r.case() == *case && r.kind() == *kind),
            "{case}"
        );
    }
    for row in &rows {
        let path = Path::new(db::FIXTURES).join(row.file());
        assert!(
            path.is_file(),
            "expected.txt names {}, which is missing",
            path.display()
        );
        assert!(row
            .map
            .starts_with(&format!("{}:{}/", row.kind(), row.case())));
    }
}
