//! Postfix is the judge of sql-config and ldap-config: for each .cf file, postlint reports a
//! problem Postfix stops on exactly when `postmap -q` stops on the file before it connects, and
//! with Postfix's own words where postlint quotes them. The servers (127.0.0.1:1) never answer,
//! so a file Postfix accepts ends in a connection error instead.

use std::path::Path;

use postlint::model::LoadOptions;

mod common;
use common::{backdate, run};

/// (type, .cf text). `sqlite` is left out: Debian's postfix-sqlite is not installed here.
const CASES: &[(&str, &str)] = &[
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%s'\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%x'\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a LIKE '%s%'\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a LIKE '%s%%'\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT '%1|%9|%D|%U|%S'\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nqeury = SELECT 1\n"),
    ("mysql", "hosts = 127.0.0.1:1\nquery = SELECT 1 WHERE a='%s'\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\ntable = t\nselect_field = a\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\ntable = t\nselect_field = a\nwhere_field = b\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%s'\nexpansion_limit = abc\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%s'\nexpansion_limit = -3\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%s'\nrequire_result_set = maybe\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%s'\nrequire_result_set = NO\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%s'\nresult_format = %q\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%s'\nresult_format =\n"),
    ("mysql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%s'\ntls_verify_cert = 1\n"),
    ("pgsql", "hosts = 127.0.0.1:1\nquery = SELECT 1 WHERE a='%s'\n"),
    ("pgsql", "hosts = 127.0.0.1:1\ndbname = x\nselect_function = f\n"),
    ("pgsql", "hosts = 127.0.0.1:1\ndbname = x\nquery = SELECT 1 WHERE a='%u' AND b='%d'\nresult_format = %d/%u/\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nbind = maybe\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nbind = none\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nstart_tls = 1\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nversion = 1\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nversion = 3\ntimeout = soon\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nquery_filter = (mail=%z)\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nsasl_minssf = 5000\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nbind = sasl\nsasl_minssf = 5000\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nscope = subtree\n"),
    ("ldap", "server_host = 127.0.0.1:1\nsearch_base = dc=x\nscope = ONE\n"),
];

/// Postfix's fatal configuration message for the file, if any (not the connection failure).
fn postfix_fatal(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .find(|l| l.contains("fatal:") && !l.contains("query error"))
        .map(str::to_string)
}

#[test]
fn database_cf_verdicts_equal_postmap() {
    if !common::postfix_has_types(&["ldap", "mysql", "pgsql"]) {
        return;
    }
    let mut compared = 0;
    for (i, (kind, text)) in CASES.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let cf = dir.path().join(format!("t{i}.cf"));
        std::fs::write(&cf, text).unwrap();
        std::fs::write(
            dir.path().join("main.cf"),
            format!(
                "compatibility_level = 3.6\nvirtual_alias_maps = {kind}:{}\n",
                cf.display()
            ),
        )
        .unwrap();
        backdate(dir.path());
        let reference = format!("{kind}:{}", cf.display());
        let config = dir.path().to_string_lossy().into_owned();
        let (_, _, stderr) = run("postmap", &["-c", &config, "-q", "a@b.example", &reference]);
        if stderr.contains("unsupported dictionary type") {
            continue;
        }
        let fatal = postfix_fatal(&stderr);

        let options = LoadOptions {
            config_dir: Some(dir.path().to_path_buf()),
            live: Some(true),
            ..Default::default()
        };
        let rules: Vec<_> = ["sql-config", "ldap-config"]
            .iter()
            .map(|id| postlint::rules::find(id).unwrap())
            .collect();
        let report = postlint::lint(&options, &rules).expect("loads");
        // Findings about what Postfix stops on (not the advice: unknown keys, quotes, TLS).
        let stopping: Vec<&str> = report
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .filter(|m| {
                m.starts_with("bad ")
                    || m.starts_with("invalid ")
                    || m.starts_with("unsupported parameter value")
                    || m.contains("which Postfix does not know")
                    || m.contains("has no `dbname`")
                    || m.contains("has no `query`")
            })
            .collect();
        assert_eq!(
            fatal.is_some(),
            !stopping.is_empty(),
            "case {i} ({kind}): postmap said {stderr:?}, postlint {stopping:?}"
        );
        // Where postlint quotes Postfix's words, they are Postfix's.
        if let Some(fatal) = &fatal {
            for message in &stopping {
                if message.starts_with("bad ")
                    || message.starts_with("invalid ")
                    || message.starts_with("unsupported")
                {
                    assert!(
                        fatal.ends_with(message),
                        "case {i}: postmap said {fatal:?}, postlint {message:?}"
                    );
                }
            }
        }
        // A value Postfix replaces with its default is its warning, word for word, and not a
        // stop.
        for finding in &report.findings {
            if finding.message.starts_with("Unrecognized value") {
                assert!(
                    stderr
                        .lines()
                        .any(|l| l.contains("warning:") && l.ends_with(&finding.message)),
                    "case {i}: postmap said {stderr:?}, postlint {:?}",
                    finding.message
                );
            }
        }
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} cases compared");
    let _ = Path::new(".");
}
