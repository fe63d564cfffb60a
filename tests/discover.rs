//! Repo mode: `postlint --discover` over a configuration-management repository.

use std::path::Path;

#[path = "common/run.rs"]
mod run;
use run::run;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The "Not checked: ..." line of a run's output (empty when there is none).
/// `--discover --format short` output of one rule on a repository.
fn short_of(repo: &Path, rule: &str) -> String {
    let select = format!("--select={rule}");
    run(repo, &["--discover", "--format", "short", &select]).1
}

fn not_checked(out: &str) -> &str {
    out.lines()
        .find(|l| l.starts_with("Not checked"))
        .unwrap_or_default()
}

/// A setup with one finding that every run would report, were it linted.
const BROKEN: &str = "compatibility_level = 3.6\nmydestination = example.com, localhost\nvirtual_mailbox_domains = example.com\nvirtual_transport = lmtp:unix:x\n";

/// fixtures/discover/repo copied to a temporary directory, with what our own repository must
/// not hold: a .gitignore, the build/ tree it ignores, and a hidden directory. There is no
/// .git: the .gitignore is honoured anyway.
fn sample_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new("fixtures/discover/repo") {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix("fixtures/discover/repo").unwrap();
        if entry.file_type().is_file() {
            write(
                &dir.path().join(rel),
                &std::fs::read_to_string(entry.path()).unwrap(),
            );
        }
    }
    write(&dir.path().join(".gitignore"), "build/\n");
    write(&dir.path().join("build/etc/postfix/main.cf"), BROKEN);
    write(&dir.path().join(".cache/postfix/main.cf"), BROKEN);
    // A diff's printout kept under the name of the file it compares: passed over, and said.
    write(&dir.path().join("saved_diffs/etc/postfix/main.cf"), BROKEN);
    // A seed main.cf that Augeas fills in on the server: passed over, and said.
    write(
        &dir.path().join("puppet/files/main.cf"),
        "# file managed by puppet\n\n",
    );
    // A Puppet module's rspec input and its master.cf: passed over, and said.
    write(
        &dir.path().join("spec/fixtures/augeas/etc/postfix/main.cf"),
        BROKEN,
    );
    write(
        &dir.path()
            .join("spec/fixtures/augeas/etc/postfix/master.cf"),
        "smtp inet n - y - - smtpd\n",
    );
    dir
}

#[test]
fn every_configuration_in_the_repository_is_linted_templates_too() {
    let repo = sample_repo();
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!("discover_short_stdout", out);
    insta::assert_snapshot!("discover_short_stderr", err);

    // The human format labels each configuration.
    let (code, out, _) = run(repo.path(), &["--discover", "."]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("discover_human", out);

    // --verbose says what was found, excluded and read.
    let (_, _, err) = run(
        repo.path(),
        &["--discover", "--verbose", "--format", "short"],
    );
    insta::assert_snapshot!("discover_verbose_stderr", err);

    // --quiet drops the notes.
    let (code, _, err) = run(repo.path(), &["--discover", "--quiet", "--format", "short"]);
    assert_eq!((code, err.as_str()), (1, ""));
}

#[test]
fn discovery_finds_the_same_findings_as_linting_each_directory() {
    let repo = sample_repo();
    let (_, discovered, _) = run(repo.path(), &["--discover", "--format", "short"]);
    let (_, plain, _) = run(repo.path(), &["roles/postfix/files", "--format", "short"]);
    let (_, sysroot, _) = run(
        repo.path(),
        &["--sysroot", "hosts/mx1", "--format", "short"],
    );
    let body = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                !l.starts_with("Found")
                    && !l.starts_with("No problems")
                    && !l.starts_with("Not checked")
                    && !l.starts_with("Could not decide")
                    && !l.starts_with("May have missed some")
            })
            .map(String::from)
            .collect()
    };
    // A template of main.cf by name, and a main.cf with template tags.
    let (_, relay, _) = run(
        repo.path(),
        &["roles/relay/templates/main.cf.j2", "--format", "short"],
    );
    let (_, salt, _) = run(repo.path(), &["salt/postfix", "--format", "short"]);
    let mut each = body(&sysroot);
    each.extend(body(&plain));
    each.extend(body(&relay));
    each.extend(body(&salt));
    assert_eq!(body(&discovered), each);
    assert_eq!(each.len(), 3, "{each:?}");
    assert!(
        each[2].starts_with("roles/relay/templates/main.cf.j2:4:1: warning[deprecated-parameter]"),
        "{each:?}"
    );
}

#[test]
fn a_directory_given_as_the_repository_works_from_anywhere() {
    let repo = sample_repo();
    let elsewhere = tempfile::tempdir().unwrap();
    let arg = repo.path().to_string_lossy().into_owned();
    let (code, out, _) = run(elsewhere.path(), &["--discover", &arg, "--format", "short"]);
    assert_eq!(code, 1);
    let expected = format!("{arg}/roles/postfix/files/virtual:3:1: warning[catch-all-alias]");
    assert!(out.contains(&expected), "{out}");
    assert!(!out.contains("build/"), "{out}");
}

#[test]
fn fingerprints_tell_two_configurations_of_one_repository_apart() {
    let repo = tempfile::tempdir().unwrap();
    for host in ["mx1", "mx2"] {
        write(&repo.path().join(format!("hosts/{host}/main.cf")), BROKEN);
    }
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let prints: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), 2, "{out}");
    assert_ne!(prints[0], prints[1]);

    // A baseline of the repository: clean until a third host brings the same finding.
    let (code, _, _) = run(
        repo.path(),
        &["--discover", "--write-baseline", "baseline.json"],
    );
    assert_eq!(code, 0);
    let (code, out, _) = run(repo.path(), &["--discover", "--baseline", "baseline.json"]);
    assert_eq!(code, 0);
    // No heading for a directory without findings.
    assert_eq!(
        out.lines().next(),
        Some("No problems found; 2 silenced (2 by the baseline).")
    );
    write(&repo.path().join("hosts/mx3/main.cf"), BROKEN);
    let (code, out, _) = run(
        repo.path(),
        &[
            "--discover",
            "--baseline",
            "baseline.json",
            "--format",
            "short",
        ],
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("hosts/mx3/main.cf:"), "{out}");
    assert!(out.contains("1 problem"), "{out}");
}

#[test]
fn a_repository_where_nothing_is_linted_fails_unless_allowed() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("postlint.toml"),
        "exclude = [\"vendor\"]\n",
    );
    write(&repo.path().join("vendor/postfix/main.cf"), BROKEN);
    // A CI gate that linted nothing must not pass green.
    let (code, out, err) = run(repo.path(), &["--discover"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "error: no Postfix configuration was linted: vendor/postfix/main.cf: excluded by"
        ),
        "{err}"
    );
    assert!(err.contains("--allow-empty"), "{err}");
    // Hooks in repositories that may have none.
    let (code, _, err) = run(repo.path(), &["--discover", "--allow-empty"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: no Postfix configuration was linted"),
        "{err}"
    );
    // The machine-readable formats still print their document, empty: a CI step uploads it
    // (GitHub's upload-sarif refuses an empty file; survey AH3).
    for format in ["json", "sarif", "junit"] {
        let (code, out, err) = run(
            repo.path(),
            &["--discover", "--allow-empty", "--format", format],
        );
        assert_eq!(code, 0, "{format}: {err}");
        match format {
            "junit" => assert!(
                out.contains("<testsuites") && out.contains("tests=\"0\""),
                "{out}"
            ),
            _ => {
                let doc: serde_json::Value =
                    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{format}: {e}: {out:?}"));
                let results = match format {
                    "json" => &doc["diagnostics"],
                    _ => &doc["runs"][0]["results"],
                };
                assert_eq!(results.as_array().map(Vec::len), Some(0), "{format}: {out}");
            }
        }
    }

    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(empty.path(), &["--discover"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("found no main.cf under ."), "{err}");
    assert!(!err.contains("main.cf settings"), "{err}");
    // Scripts that configure Postfix with values postlint cannot know are named.
    write(
        &empty.path().join("Dockerfile"),
        "FROM alpine\nRUN apk add postfix && postconf -e \"relayhost = $RELAY\"\n",
    );
    let (code, _, err) = run(empty.path(), &["--discover"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "; Dockerfile changes main.cf settings, but postlint cannot tell which values run"
        ),
        "{err}"
    );
    // A main.cf that is a template by its content is linted, with holes.
    let sample = sample_repo();
    let (code, out, err) = run(&sample.path().join("salt"), &["--discover"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn flags_go_in_any_order() {
    let repo = sample_repo();
    let (_, expected, _) = run(repo.path(), &["--discover", "--format", "short"]);
    let elsewhere = tempfile::tempdir().unwrap();
    let arg = repo.path().to_string_lossy().into_owned();
    let equals = format!("--discover={arg}");
    for args in [
        &["--discover", "--format", "short", &arg][..],
        &["--format", "short", "--discover", &arg][..],
        &[&arg, "--discover", "--format", "short"][..],
        &["--format", "short", &equals][..],
    ] {
        let (code, out, err) = run(elsewhere.path(), args);
        assert_eq!(code, 1, "{args:?}: {err}");
        // The same findings, under the repository's path.
        let shown = out.replace(&format!("{arg}/"), "");
        assert_eq!(shown, expected, "{args:?}");
    }
}

#[test]
fn wrong_targets_say_what_to_run() {
    let repo = sample_repo();
    // main.cf itself names its directory.
    let (_, by_file, _) = run(
        repo.path(),
        &["roles/postfix/files/main.cf", "--format", "short"],
    );
    let (_, by_dir, _) = run(repo.path(), &["roles/postfix/files", "--format", "short"]);
    assert_eq!(by_file, by_dir);
    assert!(by_file.contains("catch-all-alias"), "{by_file}");
    // A tree that mirrors /.
    let (code, _, err) = run(repo.path(), &["hosts/mx1"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "hosts/mx1/etc/postfix/main.cf exists: this tree mirrors /, so lint it with \
             `postlint --sysroot hosts/mx1`"
        ),
        "{err}"
    );
    // A repository.
    let (code, _, err) = run(repo.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("lint them all with `postlint --discover .`"),
        "{err}"
    );
    // A role's templates directory, whose main.cf is a template.
    let role = tempfile::tempdir().unwrap();
    write(
        &role.path().join("templates/main.cf.j2"),
        "myhostname = {{ host }}\n",
    );
    let (code, _, err) = run(role.path(), &["templates"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "main.cf.j2 is a template of main.cf: lint it with `postlint --discover templates`"
        ),
        "{err}"
    );
}

#[test]
fn discover_takes_no_directories_or_sysroot() {
    let repo = sample_repo();
    let (code, _, err) = run(repo.path(), &["--discover", ".", "roles/postfix/files"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--discover takes one repository"), "{err}");
    let (code, _, err) = run(repo.path(), &["--discover", "--sysroot", "hosts/mx1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
    let (code, _, err) = run(repo.path(), &["--discover", "no-such-dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-dir: not a directory"), "{err}");
}

#[test]
fn a_template_named_main_cf_is_read_with_holes_when_named_directly() {
    let repo = sample_repo();
    let (code, out, err) = run(repo.path(), &["salt/postfix", "--verbose"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("postlint: read salt/postfix/main.cf as a Jinja template; 2 expressions unknown (line 3 {{ grains['fqdn'] }}, line 4 {{ salt['pillar.get']"),
        "{err}"
    );
}

#[test]
fn a_file_git_tracks_is_linted_though_gitignore_names_it() {
    // An /etc snapshot: `.gitignore` is `*`, and the files wanted are added with `git add -f`.
    // git applies .gitignore to untracked files only; an untracked one stays passed over.
    let repo = tempfile::tempdir().unwrap();
    write(&repo.path().join(".gitignore"), "*\n");
    write(&repo.path().join("etc/postfix/main.cf"), BROKEN);
    write(&repo.path().join("old/postfix/main.cf"), BROKEN);
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", repo.path())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    // The suite runs in a git checkout: git is there.
    assert!(git(&["init", "-q"]), "git init");
    assert!(
        git(&["add", "-f", ".gitignore", "etc/postfix/main.cf"]),
        "git add"
    );
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("etc/postfix/main.cf:2:"), "{out}");
    assert!(!out.contains("old/postfix"), "{out}");
}

#[test]
fn a_deprecated_parameter_a_script_sets_is_reported_on_its_line() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("conf/main.cf"),
        "compatibility_level = 3.6\nmyhostname = mail.example.com\n",
    );
    write(
        &repo.path().join("Dockerfile"),
        "FROM example/postfix\nCOPY conf/main.cf /etc/postfix/main.cf\n\
         RUN postconf -e \"smtpd_use_tls=${USE_TLS}\" \\\n && postconf -X smtp_use_tls\n\
         COPY entrypoint.sh /\nCMD [\"/entrypoint.sh\"]\n",
    );
    write(
        &repo.path().join("entrypoint.sh"),
        "#!/bin/sh\npostconf -e smtpd_tls_dh1024_param_file=$DH_FILE\nexec postfix start-fg\n",
    );
    let (code, out, err) = run(
        repo.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--select",
            "deprecated-parameter",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    // The lines that set them, not the one that removes smtp_use_tls.
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("warning[")).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("Dockerfile:3:18: warning[deprecated-parameter]: `smtpd_use_tls`"),
        "{out}"
    );
    assert!(
        lines[1].starts_with(
            "entrypoint.sh:2:13: warning[deprecated-parameter]: `smtpd_tls_dh1024_param_file`"
        ),
        "{out}"
    );
}

#[test]
fn a_main_cf_of_no_postfix_parameter_and_an_excerpt_are_read_for_what_they_are() {
    let repo = tempfile::tempdir().unwrap();
    // An application's own key = value file that is called main.cf.
    write(
        &repo.path().join("app/main.cf"),
        "database_name = temps\nclient_uri = http://localhost\narduino_usb_port = /dev/ttyACM0\n",
    );
    // A README-style excerpt: the one line to change, the rest elided with dots.
    write(
        &repo.path().join("docs/main.cf"),
        "# in your main.cf:\n.....\nrelayhost = [relay.example.net]:9000\n.....\n",
    );
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short", "-v"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("skipped app/main.cf: none of its settings is a Postfix parameter"),
        "{err}"
    );
    assert!(err.contains("linting docs"), "{err}");
    assert!(out.starts_with("No problems found."), "{out}");
    // CFEngine's policy is called main.cf too: no line of it is a setting
    // (Normation/cfengine-promise-rust). Near-miss: a main.cf with one setting among broken
    // lines is Postfix's, and linted.
    write(
        &repo.path().join("policy/main.cf"),
        "bundle agent main\n{\n  vars:\n    \"x\" string => \"y\";\n}\n",
    );
    let (_, _, err) = run(repo.path(), &["--discover", "--format", "short", "-v"]);
    assert!(
        err.contains("skipped policy/main.cf: no line of it is a `name = value` setting"),
        "{err}"
    );
    write(
        &repo.path().join("policy/main.cf"),
        "bundle agent main\n{\nmyhostname = mail.example.com\n}\n",
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short", "-v"]);
    assert!(err.contains("linting policy"), "{err}");
    assert!(
        out.contains("policy/main.cf:1:1: error[invalid-syntax]"),
        "{out}"
    );
}

#[test]
fn one_unreadable_configuration_does_not_stop_the_others() {
    let repo = tempfile::tempdir().unwrap();
    write(&repo.path().join("a/main.cf"), BROKEN);
    write(&repo.path().join("shared/main.cf"), BROKEN);
    // A main.cf linked to a shared one is linted; a dangling link (a test tree's link to a
    // path its test fills in) and a link out of the repository hold no configuration postlint
    // may read: each is passed over with a note, and the run's status is the findings'.
    std::fs::create_dir_all(repo.path().join("b")).unwrap();
    std::os::unix::fs::symlink("../shared/main.cf", repo.path().join("b/main.cf")).unwrap();
    std::fs::create_dir_all(repo.path().join("c")).unwrap();
    std::os::unix::fs::symlink("../nowhere/main.cf", repo.path().join("c/main.cf")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("main.cf"), BROKEN);
    std::fs::create_dir_all(repo.path().join("d")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("main.cf"),
        repo.path().join("d/main.cf"),
    )
    .unwrap();
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        err,
        "postlint: note: skipped c/main.cf: a symbolic link to a file that does not exist\n\
         postlint: note: skipped d/main.cf: a symbolic link to a file outside the linted tree, \
         which postlint does not read\n"
    );
    assert!(!out.lines().any(|l| l.starts_with("d/main.cf")), "{out}");
    for dir in ["a", "b", "shared"] {
        assert!(
            out.contains(&format!("\n{dir}/main.cf:2:"))
                || out.starts_with(&format!("{dir}/main.cf:2:")),
            "{dir}: {out}"
        );
    }
}

#[test]
fn a_baseline_read_in_another_mode_says_so() {
    let repo = sample_repo();
    let (code, _, _) = run(
        repo.path(),
        &["--discover", "--write-baseline", "baseline.json"],
    );
    assert_eq!(code, 0);
    let written = std::fs::read_to_string(repo.path().join("baseline.json")).unwrap();
    assert!(written.contains("\"mode\": \"discover\""), "{written}");
    // The same kind of command: every finding is held, and nothing is said.
    let (code, _, err) = run(repo.path(), &["--discover", "--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("was written by"), "{err}");
    // Another kind: the fingerprints cannot match, and the warning says why.
    let (code, _, err) = run(
        repo.path(),
        &["roles/postfix/files", "--baseline", "baseline.json"],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "baseline.json was written by `postlint --discover` and this run is `postlint DIR`"
        ),
        "{err}"
    );
}

/// The near-misses beside fixtures/discover/variants/site/main.cf, each holding mistakes that
/// would be reported were it linted.
const NEAR_MISSES: &[&str] = &[
    "main.cf.bak",
    "main.cf.orig",
    "main.cf~",
    "main.cf.dpkg-dist",
    "main.cf.2021-03-04",
    "main.cf.default",
    "domain.cf",
    "main.cfg",
    "mymain.cf",
    "main.cf.md",
];

#[test]
fn plain_variants_of_main_cf_are_linted_and_backups_are_not() {
    let repo = Path::new("fixtures/discover/variants");
    for name in NEAR_MISSES {
        assert!(repo.join("site").join(name).is_file(), "{name}");
    }
    let (code, out, err) = run(repo, &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err, "");
    insta::assert_snapshot!("variants_short_stdout", out);

    // Which configurations were found, and which master.cf goes with each.
    let (_, _, err) = run(repo, &["--discover", "--format", "short", "--verbose"]);
    insta::assert_snapshot!("variants_verbose_stderr", err);
    for name in NEAR_MISSES.iter().chain(&["main.cf.ldap"]) {
        assert!(!err.contains(name), "{name}: {err}");
    }
    // A master.cf no main.cf goes with is linted alone, unless a samples/ directory holds it.
    assert!(err.contains("linting images/relay/master.cf\n"), "{err}");
    assert!(!err.contains("samples/postfix/master.cf"), "{err}");

    // main.cf and main.cf.production in one directory: two configurations, two headings.
    let (_, out, _) = run(repo, &["--discover"]);
    assert!(out.contains("==> site <==\n"), "{out}");
    assert!(out.contains("==> site/main.cf.production <==\n"), "{out}");
}

#[test]
fn a_plain_variant_named_on_the_command_line_is_read_as_discover_reads_it() {
    let repo = Path::new("fixtures/discover/variants");
    let (code, out, err) = run(
        repo,
        &[
            "roles/mx/files/postfix-main.cf",
            "--format",
            "short",
            "--verbose",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!("variant_named_short_stdout", out);
    assert!(
        err.contains("postlint: read roles/mx/files/postfix-master.cf\n"),
        "{err}"
    );
    let (_, discovered, _) = run(repo, &["--discover", "--format", "short"]);
    let finding = out.lines().next().unwrap();
    assert!(discovered.lines().any(|l| l == finding), "{discovered}");

    // A backup named on the command line is linted, as --discover's note that passes over it
    // says; a README is refused as no configuration, with what to name instead.
    let (code, out, err) = run(repo, &["site/main.cf.bak", "--format", "short"]);
    assert_ne!(code, 2, "{out}{err}");
    assert!(!err.contains("cannot read"), "{err}");
    let (code, out, err) = run(repo, &["README.md", "--format", "short"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("README.md is a file, not a configuration directory"),
        "{err}"
    );
}

#[test]
fn an_encrypted_main_cf_is_passed_over_with_a_note() {
    let repo = tempfile::tempdir().unwrap();
    // git-crypt's header, then ciphertext; an `openssl enc -a` file; a plain configuration.
    let secret = repo.path().join("private/etc/postfix/main.cf");
    std::fs::create_dir_all(secret.parent().unwrap()).unwrap();
    std::fs::write(
        &secret,
        b"\0GITCRYPT\0\x5e\x63\xb2\xb1\xe8\n\xe1\xf6 = \xde\n",
    )
    .unwrap();
    write(
        &repo.path().join("vault/postfix/main.cf"),
        "U2FsdGVkX1/0yez0tGYOnmD3kW9Z2c1wY3k=\nQm9ndXM=\n",
    );
    write(&repo.path().join("public/postfix/main.cf"), BROKEN);
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("note: skipped private/etc/postfix/main.cf: encrypted with git-crypt"),
        "{err}"
    );
    assert!(
        err.contains("note: skipped vault/postfix/main.cf: encrypted with openssl enc"),
        "{err}"
    );
    // Only the plain configuration is linted: nothing is said of the encrypted ones.
    assert!(out.contains("public/postfix/main.cf"), "{out}");
    assert!(
        !out.contains("private/") && !out.contains("vault/"),
        "{out}"
    );
    // Named directly, it is an error that says what to do.
    let (code, _, err) = run(&repo.path().join("private/etc/postfix"), &["."]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("encrypted with git-crypt; postlint lints the decrypted configuration"),
        "{err}"
    );
}

#[test]
fn a_run_that_finds_nothing_names_what_it_passed_over() {
    let repo = tempfile::tempdir().unwrap();
    // Git keeps a committed file under an ignored directory; the walk does not read it.
    write(&repo.path().join(".gitignore"), "/conf/\n!/conf/postfix/\n");
    write(&repo.path().join("conf/postfix/main.cf"), BROKEN);
    write(&repo.path().join("relay/main.cf.example"), BROKEN);
    // A FreeMarker template (its `${name}` is FreeMarker's), and a table named mydomain.cf.
    write(&repo.path().join("ftl/main.cf.ftl"), BROKEN);
    write(&repo.path().join("ftl/mydomain.cf"), "hosts = db\n");
    // A drop-in of a hidden directory a Dockerfile copies (nl2go/docker-postfix's .docker/).
    write(
        &repo.path().join(".docker/etc/postfix/main.cf.d/00-main.cf"),
        BROKEN,
    );
    let (code, _, err) = run(repo.path(), &["--discover"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ftl/main.cf.ftl (a template whose engine postlint does not read"),
        "{err}"
    );
    assert!(!err.contains("mydomain.cf"), "{err}");
    assert!(
        err.contains(
            "conf/postfix/main.cf (ignored by .gitignore or .ignore; lint it with `postlint \
             conf/postfix`)"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            ".docker/etc/postfix/main.cf.d/00-main.cf (in a hidden directory; lint it with \
             `postlint --discover .docker`)"
        ),
        "{err}"
    );
    // The command each names lints it.
    let (hidden_code, hidden_out, hidden_err) =
        run(repo.path(), &["--discover", ".docker", "--format", "short"]);
    assert_eq!(hidden_code, 1, "{hidden_out}{hidden_err}");
    assert!(
        err.contains("relay/main.cf.example (a sample, backup or other copy by its name"),
        "{err}"
    );
    // Named, each is linted.
    let (code, out, err) = run(repo.path(), &["conf/postfix", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
}

/// A script of the repository that adds master.cf services at start (here the postlog line an
/// entrypoint appends) makes the master.cf in the repository not the one that runs:
/// undefined-service cannot decide. Without the script, the missing postlog is reported.
#[test]
fn a_script_that_amends_master_cf_leaves_undefined_service_undecided() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("image");
    write(
        &image.join("main.cf"),
        "compatibility_level = 3.6\nmaillog_file = /dev/stdout\n",
    );
    write(
        &image.join("master.cf"),
        "smtp inet n - n - - smtpd\npickup unix n - n 60 1 pickup\n\
         cleanup unix n - n - 0 cleanup\nqmgr unix n - n 300 1 qmgr\n",
    );
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("error[undefined-service]: maillog_file is set"),
        "{out}"
    );
    write(
        &image.join("entrypoint.sh"),
        "#!/bin/sh\necho 'postlog unix-dgram n - n - 1 postlogd' >> /etc/postfix/master.cf\n\
         exec postfix start-fg\n",
    );
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!out.contains("undefined-service]"), "{out}");
    assert!(
        out.contains("undefined-service"),
        "not listed as undecided: {out}"
    );
}

/// A master.cf without Postfix's own services (cleanup, qmgr, ...) may be lines to add to a
/// master.cf; a Dockerfile that copies it to /etc/postfix/master.cf says it is the whole
/// file, and then the missing services are reported (a surveyed image had only smtp and
/// submission). A copy elsewhere, or from another build stage, says nothing.
#[test]
fn a_master_cf_a_dockerfile_installs_is_whole() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("postfix");
    write(
        &image.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n",
    );
    write(
        &image.join("master.cf"),
        "smtp inet n - n - - smtpd\nsubmission inet n - n - - smtpd\n  -o smtpd_tls_security_level=encrypt\n",
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]).1;
    let own =
        "master.cf:1:21: error[undefined-service]: master.cf has no `rewrite`, `cleanup`, `qmgr`";
    assert!(!short(repo.path()).contains("[undefined-service]"));
    for elsewhere in [
        "COPY master.cf /tmp/master.cf\n",
        "COPY --from=build /src/master.cf /etc/postfix/master.cf\n",
        "COPY main.cf /etc/postfix/main.cf\n",
        "COPY */*/master.cf /etc/postfix/\n",
        "COPY m*.cf /etc/postfix/main.cf\n",
    ] {
        write(
            &image.join("Dockerfile"),
            &format!("FROM debian\n{elsewhere}"),
        );
        let out = short(repo.path());
        assert!(!out.contains("[undefined-service]"), "{elsewhere}: {out}");
    }
    for installs in [
        ("postfix/Dockerfile", "COPY master.cf /etc/postfix/master.cf\n"),
        ("postfix/Dockerfile", "COPY *.cf /etc/postfix/\n"),
        ("Dockerfile.mail", "COPY postfix/ma[is]ter.cf /etc/postfix/\n"),
        ("postfix/Dockerfile", "COPY --chown=root:root main.cf master.cf /etc/postfix/\n"),
        ("postfix/Dockerfile", "ADD [\"./master.cf\", \"/etc/postfix\"]\n"),
        // The repository's top as the build context (a compose file's `context: .`).
        ("postfix/Dockerfile", "COPY postfix/ /etc/postfix/\n"),
        ("Dockerfile.mail", "COPY ./postfix/master.cf /etc/postfix/master.cf\n"),
        // A compose file's bind mount, short and long.
        (
            "compose.yaml",
            "services:\n  mx:\n    volumes:\n      - ./postfix/master.cf:/etc/postfix/master.cf:ro\n",
        ),
        (
            "compose.yaml",
            "services:\n  mx:\n    volumes:\n      - type: bind\n        source: ./postfix\n        target: /etc/postfix\n",
        ),
    ] {
        for old in ["postfix/Dockerfile", "Dockerfile.mail", "compose.yaml"] {
            let _ = std::fs::remove_file(repo.path().join(old));
        }
        let text = if installs.0.ends_with(".yaml") {
            installs.1.to_string()
        } else {
            format!("FROM debian\n{}", installs.1)
        };
        write(&repo.path().join(installs.0), &text);
        let out = short(repo.path());
        assert!(out.contains(own), "{installs:?}: {out}");
    }
}

/// A Dockerfile or entrypoint that sets main.cf parameters with `postconf -e`: with
/// `--discover`, what it sets is unknown (the main.cf in the repository is not the one that
/// runs), and a loop that sets names from variables leaves every unset parameter unknown.
#[test]
fn parameters_a_script_sets_are_unknown() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("image");
    write(
        &image.join("main.cf"),
        "myhostname = localhost # set at start\nmydestination = localhost\n",
    );
    write(
        &image.join("master.cf"),
        "smtp inet n - n - - smtpd\nsmtps inet n - n - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n",
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]).1;
    let out = short(repo.path());
    for rule in [
        "compatibility-level",
        "trailing-comment",
        "tls-wrappermode-missing",
    ] {
        assert!(out.contains(&format!("[{rule}]")), "{rule}: {out}");
    }
    // A query, an edit of another file, and a test's script change nothing.
    write(
        &image.join("Dockerfile"),
        "FROM debian\nRUN postconf -h myhostname && echo x >> /etc/postfix/transport\n",
    );
    write(
        &repo.path().join("tests/setup.sh"),
        "#!/bin/sh\npostconf -e compatibility_level=3.6 \"$line\"\n",
    );
    assert_eq!(short(repo.path()), out);
    // Settings by name: those findings go, the others stay.
    write(
        &image.join("Dockerfile"),
        "FROM debian\nRUN postconf -e compatibility_level=3.6 \\\n    \"myhostname = $HOSTNAME\"\n",
    );
    let out = short(repo.path());
    assert!(!out.contains("[compatibility-level]"), "{out}");
    assert!(!out.contains("[trailing-comment]"), "{out}");
    assert!(out.contains("[tls-wrappermode-missing]"), "{out}");
    assert!(
        out.contains("1 on settings a set-up script replaces"),
        "{out}"
    );
    // A name of its own that main.cf refers to: the script defines it.
    write(
        &image.join("main.cf"),
        "myhostname = localhost # set at start\nmydestination = localhost\n\
         smtpd_banner = $banner_text\n",
    );
    assert!(short(repo.path()).contains("[undefined-reference]"));
    write(
        &image.join("run.sh"),
        "#!/bin/sh\npostconf -e \"banner_text = $HOSTNAME ESMTP\"\n",
    );
    let out = short(repo.path());
    assert!(!out.contains("[undefined-reference]"), "{out}");
    let (_, _, err) = run(
        repo.path(),
        &["--discover", "--verbose", "--format", "short"],
    );
    assert!(
        err.contains("compatibility_level is set by image/Dockerfile:2"),
        "{err}"
    );
    // Names from variables: any parameter, smtpd_tls_wrappermode too.
    write(
        &image.join("entrypoint.sh"),
        "#!/bin/sh\nenv | grep ^POSTFIX_ | while read line; do postconf -e \"${line#POSTFIX_}\"; done\n",
    );
    let out = short(repo.path());
    assert!(!out.contains("[tls-wrappermode-missing]"), "{out}");
    // ... and says it could not decide.
    let undecided = not_checked(&out);
    assert!(undecided.contains("tls-wrappermode-missing"), "{out}");
}

/// What a finding says of a written name (deprecated, unknown, set twice) stays true when a
/// set-up script replaces the value; what it says of the value does not.
#[test]
fn findings_of_a_written_name_outlive_the_script_that_replaces_its_value() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("image");
    write(
        &image.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = $myhostname, localhost\nsmtpd_use_tls = yes\n\
         smtpd_tls_security_level = may # set at start\nsmtpd_tls_security_level = encrypt\n\
         myhostname = mail.example.com\n",
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]).1;
    let out = short(repo.path());
    for rule in [
        "deprecated-parameter",
        "overridden-parameter",
        "mandatory-tls-on-mx",
        "trailing-comment",
    ] {
        assert!(out.contains(&format!("[{rule}]")), "{rule}: {out}");
    }
    write(
        &image.join("Dockerfile"),
        "FROM debian\nRUN postconf -e smtpd_use_tls=no smtpd_tls_security_level=may\n",
    );
    let out = short(repo.path());
    for rule in ["deprecated-parameter", "overridden-parameter"] {
        assert!(out.contains(&format!("[{rule}]")), "{rule}: {out}");
    }
    for rule in ["mandatory-tls-on-mx", "trailing-comment"] {
        assert!(!out.contains(&format!("[{rule}]")), "{rule}: {out}");
    }
}

/// An image configured by its Dockerfile alone is linted when its start script only reads
/// main.cf (a backup copy, kernrj/postfix-docker), and passed over when the script may write
/// one (a copy to it, a redirection).
#[test]
fn a_start_script_that_reads_main_cf_keeps_the_image_setup() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian\nRUN postconf -e smtpd_use_tls=yes\nCOPY start.sh /bin/\n",
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short", "--allow-empty"]).1;
    for reads in [
        "#!/bin/sh\ncp /etc/postfix/main.cf /tmp/\npostfix start-fg\n",
        "#!/bin/sh\necho \"using /etc/postfix/main.cf\"\ncat /etc/postfix/main.cf\n",
    ] {
        write(&repo.path().join("start.sh"), reads);
        let out = short(repo.path());
        assert!(out.contains("[deprecated-parameter]"), "{reads}: {out}");
    }
    for writes in [
        "#!/bin/sh\ncp /config/main.cf /etc/postfix/main.cf\n",
        "#!/bin/sh\nenvsubst < /tmp/main.tpl > /etc/postfix/main.cf\n",
        "#!/bin/sh\nsed -i s/x/y/ /etc/postfix/main.cf\n",
    ] {
        write(&repo.path().join("start.sh"), writes);
        let out = short(repo.path());
        assert!(!out.contains("[deprecated-parameter]"), "{writes}: {out}");
    }
}

/// A master.cf that defines none of the services every Postfix runs is lines to add to one
/// (a blog post's additions, ikwattro/neo4j-email-postfix), and so is a main.cf that sets
/// none of a whole main.cf's parameters: no finding about services or defaults it cannot see.
/// Near-misses: the same master.cf with the services Postfix needs is whole, and a main.cf
/// that says who the server is is whole beside the fragment.
#[test]
fn lines_to_add_to_master_cf_and_main_cf_are_not_whole_files() {
    let repo = tempfile::tempdir().unwrap();
    let conf = repo.path().join("config/postfix");
    let fragment = "smtp inet n - y - - smtpd\n  -o content_filter=filterb:dummy\n\
                    pickup unix n - y 60 1 pickup\n  -o content_filter=filterb:dummy\n\
                    filterb unix - n n - - pipe\n  flags=Rq user=mailfilter argv=/usr/local/bin/hook -f ${sender} -- ${recipient}\n";
    write(&conf.join("main.cf"), "local_recipient_maps =\n");
    write(&conf.join("master.cf"), fragment);
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short", "-v"]);
    let (_, out, err) = short(repo.path());
    for rule in [
        "compatibility-level",
        "relay-check-missing",
        "undefined-service",
    ] {
        assert!(!out.contains(&format!("[{rule}]")), "{rule}: {out}");
    }
    assert!(
        err.contains("config/postfix/master.cf defines none of the services every Postfix runs"),
        "{err}"
    );
    // The services Postfix needs: a whole master.cf.
    write(
        &conf.join("master.cf"),
        &format!("{fragment}cleanup unix n - y - 0 cleanup\nqmgr unix n - n 300 1 qmgr\n"),
    );
    let (_, out, err) = short(repo.path());
    assert!(
        !err.contains("master.cf defines none of the services every Postfix runs"),
        "{err}"
    );
    // main.cf is still lines to add, whatever master.cf is.
    assert!(!out.contains("[compatibility-level]"), "{out}");
    assert!(
        err.contains("config/postfix/main.cf sets none of the parameters a whole main.cf sets"),
        "{err}"
    );
    // A whole main.cf beside the fragment is still linted whole.
    write(&conf.join("master.cf"), fragment);
    write(
        &conf.join("main.cf"),
        "myhostname = mail.example.com\nmydestination = localhost\n",
    );
    let (_, out, _) = short(repo.path());
    assert!(out.contains("[compatibility-level]"), "{out}");
    assert!(!out.contains("[undefined-service]"), "{out}");
}

/// A Dockerfile that empties the image's main.cf and writes it with `postconf -e` (the
/// discourse/mail-receiver image) has its whole main.cf in the repository: it is linted, with
/// every parameter it does not set at its default. Near-miss: one that copies another file
/// over main.cf first.
#[test]
fn an_image_whose_main_cf_is_emptied_then_written_is_linted() {
    let repo = tempfile::tempdir().unwrap();
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short", "--allow-empty"]).1;
    for empties in [
        ">/etc/postfix/main.cf",
        ": > /etc/postfix/main.cf",
        "truncate -s 0 /etc/postfix/main.cf",
    ] {
        write(
            &repo.path().join("Dockerfile"),
            &format!(
                "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y postfix\n\
                 RUN {empties} \\\n  && postconf -e compatibility_level=3.6 \\\n  \
                 && postconf -e mynetworks=0.0.0.0/0\n"
            ),
        );
        let out = short(repo.path());
        assert!(
            out.contains("Dockerfile:5:29: error[mynetworks-too-broad]"),
            "{empties}: {out}"
        );
    }
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y postfix\n\
         RUN cp /tmp/main.cf /etc/postfix/main.cf \\\n  && postconf -e compatibility_level=3.6 \\\n  \
         && postconf -e mynetworks=0.0.0.0/0\n",
    );
    let out = short(repo.path());
    assert!(!out.contains("[mynetworks-too-broad]"), "{out}");
}

/// A finding about the whole file, anchored at its start, stays when a script replaces the
/// setting on its first line (ditmer/the-phishing-server's install.sh edits myhostname, line 1).
#[test]
fn a_script_that_replaces_the_first_line_leaves_file_findings_alone() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("image");
    write(
        &image.join("main.cf"),
        "myhostname = mail.example.com\nmydestination = localhost\n",
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]).1;
    assert!(short(repo.path()).contains("[compatibility-level]"));
    write(
        &image.join("install.sh"),
        "#!/bin/sh\nsed -i \"s/^myhostname = .*/myhostname = $1/\" /etc/postfix/main.cf\n",
    );
    let out = short(repo.path());
    assert!(
        out.contains("main.cf:1:1: warning[compatibility-level]"),
        "{out}"
    );
}

/// A main.cf whose documentation paths name an old release (a CentOS 7 server's backup,
/// Jennas-Lee/webmail) is still linted for the newest release, as installers copy such files to
/// newer systems; the user is told which release the file names and how to lint for it, and
/// relay-check-missing ("smtpd stops", false of 2.x, which has no compatibility_level) waits.
#[test]
fn a_release_named_by_documentation_paths_is_a_hint() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("postfix/main.cf"),
        "mydestination = localhost\n\
         sample_directory = /usr/share/doc/postfix-2.10.1/samples\n\
         readme_directory = /usr/share/doc/postfix-2.10.1/README_FILES\n",
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!out.contains("[relay-check-missing]"), "{out}");
    assert!(out.contains("[compatibility-level]"), "{out}");
    assert!(
        err.contains("postfix/main.cf: sample_directory names Postfix 2.10")
            && err.contains("except relay-check-missing")
            && err.contains("--postfix-version to the release the server runs"),
        "{err}"
    );
    let (_, out, _) = run(
        repo.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--postfix-version",
            "3.11",
        ],
    );
    assert!(out.contains("[relay-check-missing]"), "{out}");
    let (_, _, err) = run(
        repo.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--postfix-version",
            "2.10",
        ],
    );
    assert!(!err.contains("sample_directory names"), "{err}");
    // compatibility_level came with 3.0: a main.cf that sets it runs on 3.0 or later, and its
    // 2.x documentation paths are a leftover, no hint (survey Y1, lorenzogirardi).
    write(
        &repo.path().join("postfix/main.cf"),
        "mydestination = localhost\ncompatibility_level = 2\n\
         sample_directory = /usr/share/doc/postfix-2.6.6/samples\n",
    );
    let (_, _, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!err.contains("sample_directory names"), "{err}");
}

/// An Ansible role that templates main.cf and then sets parameters with `lineinfile` or
/// `postconf -e` tasks: those parameters are unknown, as with a set-up script.
#[test]
fn parameters_ansible_tasks_set_are_unknown() {
    let repo = tempfile::tempdir().unwrap();
    let role = repo.path().join("roles/postfix");
    write(
        &role.join("templates/main.cf.j2"),
        "myhostname = {{ ansible_fqdn }}\nmydestination = localhost\nsmtpd_use_tls = yes\n",
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]).1;
    let out = short(repo.path());
    assert!(out.contains("[compatibility-level]"), "{out}");
    // Tasks that touch other files, or only ask, change nothing.
    write(
        &role.join("tasks/main.yml"),
        "- template: { src: main.cf.j2, dest: /etc/postfix/main.cf }\n\
         - lineinfile: { path: /etc/dovecot/dovecot.conf, line: 'compatibility_level = 3.6' }\n\
         - command: postconf -h compatibility_level\n",
    );
    assert_eq!(short(repo.path()), out);
    write(
        &role.join("tasks/main.yml"),
        "- template: { src: main.cf.j2, dest: /etc/postfix/main.cf }\n\
         - name: compatibility\n  ansible.builtin.lineinfile:\n    path: /etc/postfix/main.cf\n\
         \x20   regexp: '^compatibility_level'\n    line: 'compatibility_level = 3.6'\n",
    );
    let out = short(repo.path());
    assert!(!out.contains("[compatibility-level]"), "{out}");
    // What is found of a written name stays.
    assert!(out.contains("[deprecated-parameter]"), "{out}");
    let (_, _, err) = run(
        repo.path(),
        &["--discover", "--verbose", "--format", "short"],
    );
    assert!(
        err.contains("compatibility_level is set by roles/postfix/tasks/main.yml:5"),
        "{err}"
    );
}

/// A rule left silent by a value a script sets says so: plaintext-auth is listed as
/// undecided when the TLS level of a network smtpd that offers AUTH is set by a script.
#[test]
fn a_rule_silenced_by_a_script_value_is_undecided() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("image");
    write(
        &image.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = $myhostname, localhost\nsmtpd_sasl_auth_enable = yes\n\
         smtpd_tls_security_level = none\nsmtpd_tls_cert_file = /etc/ssl/mail.pem\n\
         smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nmyhostname = mail.example.com\n",
    );
    write(
        &image.join("master.cf"),
        "smtp inet n - n - - smtpd\nsmtp unix - - n - - smtp\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    for rule in [
        "plaintext-auth",
        "starttls-not-offered",
        "smtp-sasl-disabled",
    ] {
        assert!(out.contains(&format!("[{rule}]")), "{rule}: {out}");
        assert!(!not_checked(&out).contains(rule), "{rule}: {out}");
    }
    write(
        &image.join("Dockerfile"),
        "FROM debian\nCOPY main.cf master.cf /etc/postfix/\n\
         RUN postconf -e smtpd_tls_security_level=$TLS_LEVEL \\\n\
         && postconf -e \"smtp_sasl_password_maps = $MAPS\"\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    let undecided = not_checked(&out);
    for rule in [
        "plaintext-auth",
        "starttls-not-offered",
        "smtp-sasl-disabled",
    ] {
        assert!(!out.contains(&format!("[{rule}]")), "{rule}: {out}");
        assert!(undecided.contains(rule), "{rule}: {out}");
    }
    // The same level decides whether port 25 requires TLS.
    assert!(undecided.contains("mandatory-tls-on-mx"), "{out}");
    // The certificate unknown beside a port 25 smtpd without TLS.
    write(
        &image.join("Dockerfile"),
        "FROM debian\nCOPY main.cf master.cf /etc/postfix/\n\
         RUN postconf -e smtpd_tls_cert_file=$CERT\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(!out.contains("[starttls-not-offered]"), "{out}");
    assert!(not_checked(&out).contains("starttls-not-offered"), "{out}");
}

#[test]
fn a_dockerfile_setting_written_out_in_full_is_checked_where_it_is_written() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("image");
    write(
        &image.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\nsmtpd_sasl_auth_enable = yes\n\
         smtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes\n",
    );
    write(&image.join("master.cf"), "smtp inet n - n - - smtpd\n");
    let dockerfile = |run: &str| {
        write(
            &image.join("Dockerfile"),
            &format!(
                "FROM debian\nENV RELAY_PASSWORD=s3cret-pw\nCOPY main.cf master.cf /etc/postfix/\n{run}"
            ),
        )
    };
    let lint = |repo: &Path| run(repo, &["--discover", "--select", "plaintext-auth"]).1;
    // main.cf alone: AUTH only after STARTTLS.
    dockerfile("RUN apt-get install -y postfix\n");
    assert!(!lint(repo.path()).contains("plaintext-auth"));
    // The image turns it off when it is built: the finding names that line.
    dockerfile(
        "RUN apt-get install -y postfix \\\n    && postconf -e 'smtpd_tls_auth_only = no' \\\n    && echo \"[relay]:587 user:$RELAY_PASSWORD\" > /etc/postfix/sasl_passwd\n",
    );
    let out = lint(repo.path());
    assert!(
        !out.contains("s3cret") && !out.contains("RELAY_PASSWORD"),
        "{out}"
    );
    insta::assert_snapshot!("dockerfile_setting_human", out);
    let short = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(short.contains("error[plaintext-auth]"), "{short}");
    // No overridden-parameter: the image replaces main.cf's line on purpose.
    assert!(!short.contains("overridden-parameter"), "{short}");
    assert!(!not_checked(&short).contains("plaintext-auth"), "{short}");
    // Set before main.cf is copied in: the copy replaces it, main.cf's value holds.
    write(
        &image.join("Dockerfile"),
        "FROM debian\nRUN postconf -e smtpd_tls_auth_only=no\nCOPY main.cf master.cf /etc/postfix/\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(!out.contains("[plaintext-auth]"), "{out}");
    assert!(!not_checked(&out).contains("plaintext-auth"), "{out}");
    // Set twice, each time in full: the last setting is the one that runs.
    write(
        &image.join("Dockerfile"),
        "FROM debian\nCOPY main.cf master.cf /etc/postfix/\nRUN postconf -e smtpd_tls_auth_only=yes\nRUN postconf -e smtpd_tls_auth_only=no\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(out.contains("error[plaintext-auth]"), "{out}");
    assert!(!not_checked(&out).contains("plaintext-auth"), "{out}");
    // Where the value may not be the one that runs, it stays unknown: set under a condition,
    // twice with a variable last, from a variable, or with main.cf mounted at run time.
    for (file, run_line) in [
        (
            "image/Dockerfile",
            "FROM debian\nCOPY main.cf master.cf /etc/postfix/\nRUN if [ -n \"$CLEAR\" ]; then postconf -e smtpd_tls_auth_only=no; fi\n",
        ),
        (
            "image/Dockerfile",
            "FROM debian\nCOPY main.cf master.cf /etc/postfix/\nRUN postconf -e smtpd_tls_auth_only=no\nRUN postconf -e smtpd_tls_auth_only=$AUTH_ONLY\n",
        ),
        (
            "image/Dockerfile",
            "FROM debian\nCOPY main.cf master.cf /etc/postfix/\nRUN postconf -e smtpd_tls_auth_only=$AUTH_ONLY\n",
        ),
        (
            "compose.yaml",
            "services:\n  mx:\n    build: image\n    volumes:\n      - ./image/main.cf:/etc/postfix/main.cf:ro\n",
        ),
    ] {
        dockerfile("RUN postconf -e smtpd_tls_auth_only=no\n");
        let _ = std::fs::remove_file(repo.path().join("compose.yaml"));
        write(&repo.path().join(file), run_line);
        let out = run(repo.path(), &["--discover", "--format", "short"]).1;
        assert!(!out.contains("[plaintext-auth]"), "{run_line}: {out}");
        assert!(not_checked(&out).contains("plaintext-auth"), "{run_line}: {out}");
    }
}

#[test]
fn an_image_that_brings_only_master_cf_has_the_dockerfile_settings() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("img");
    write(&image.join("master.cf"), "smtp inet n - n - - smtpd\n");
    let settings =
        "RUN postconf -e smtpd_use_tls=yes \\\n    'postscreen_dnsbl_sites = dnsbl.sorbs.net'\n";
    write(
        &image.join("Dockerfile"),
        &format!("FROM debian\nCOPY master.cf /etc/postfix/\n{settings}"),
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]).1;
    let out = short(repo.path());
    assert!(
        out.contains("img/Dockerfile:3:17: warning[deprecated-parameter]"),
        "{out}"
    );
    assert!(
        out.contains("img/Dockerfile:4:31: warning[dead-dnsbl]"),
        "{out}"
    );
    // The image's main.cf may be replaced: by a copy that may hold one, or by a script that
    // names it.
    for (file, text) in [
        (
            "img/Dockerfile",
            format!("FROM debian\nCOPY master.cf /etc/postfix/\nCOPY conf/ /etc/postfix/\n{settings}"),
        ),
        (
            "img/Dockerfile",
            format!("FROM debian\nCOPY master.cf /etc/postfix/\n{settings}RUN cp /srv/main.cf /etc/postfix/main.cf\n"),
        ),
        (
            "img/entrypoint.sh",
            "#!/bin/sh\nenvsubst < /srv/main.cf.in > /etc/postfix/main.cf\nexec postfix start-fg\n".to_string(),
        ),
        // A compose file mounts the directory over the image's /etc/postfix.
        (
            "compose.yaml",
            "services:\n  mx:\n    build: img\n    volumes:\n      - ./img:/etc/postfix\n".to_string(),
        ),
    ] {
        write(
            &image.join("Dockerfile"),
            &format!("FROM debian\nCOPY master.cf /etc/postfix/\n{settings}"),
        );
        let _ = std::fs::remove_file(image.join("entrypoint.sh"));
        write(&repo.path().join(file), &text);
        let out = short(repo.path());
        // The values are unknown; the name a postconf command sets is the command's own, and
        // a deprecated one is reported on the command's line.
        assert!(!out.contains("[dead-dnsbl]"), "{text}: {out}");
        assert!(
            out.lines()
                .filter(|l| l.contains("[deprecated-parameter]"))
                .all(|l| l.starts_with("img/Dockerfile:") && l.contains("`smtpd_use_tls`")),
            "{text}: {out}"
        );
        assert!(out.contains("2 parameters set by set-up scripts"), "{text}: {out}");
    }
}

#[test]
fn an_image_configured_by_its_dockerfile_alone_is_linted_for_what_it_writes() {
    let repo = tempfile::tempdir().unwrap();
    let settings = "FROM debian\nRUN apt-get install -y postfix \\\n    && postconf -e 'mynetworks = 0.0.0.0/0' relayhost=$RELAY\n";
    write(&repo.path().join("mail/Dockerfile"), settings);
    write(&repo.path().join("web/Dockerfile"), "FROM nginx\n");
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short", "-v"]);
    assert!(
        out.contains("mail/Dockerfile:3:34: error[mynetworks-too-broad]"),
        "{out}{err}"
    );
    assert!(out.contains("1 parameter set by set-up scripts"), "{out}");
    assert!(err.contains("found ./mail/Dockerfile"), "{err}");
    assert!(!err.contains("web/Dockerfile"), "{err}");
    // A directory the image copies to /etc/postfix holds the tables the settings name.
    write(
        &repo.path().join("mail/postfix/virtual"),
        "info@example.com anna@example.net\ninfo@example.com bob@example.net\n",
    );
    write(
        &repo.path().join("mail/Dockerfile"),
        &format!(
            "{settings}ADD postfix /etc/postfix\nRUN postconf -e 'virtual_alias_domains = example.com' \\\n    'virtual_alias_maps = hash:/etc/postfix/virtual'\n"
        ),
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(
        out.contains("\nmail/postfix/virtual:2:1: warning[duplicate-map-key]"),
        "{out}"
    );
    assert!(
        out.contains("mail/Dockerfile:3:34: error[mynetworks-too-broad]"),
        "{out}"
    );
    std::fs::remove_dir_all(repo.path().join("mail/postfix")).unwrap();
    write(&repo.path().join("mail/Dockerfile"), settings);
    // A second Dockerfile beside it builds an image of its own: each is linted for what it
    // writes, the other's settings not among them.
    write(
        &repo.path().join("mail/Dockerfile.dev"),
        "FROM debian\nRUN apt-get install -y postfix\nRUN postconf -e 'smtpd_tls_auth_only = maybe'\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(
        out.contains("mail/Dockerfile:3:34: error[mynetworks-too-broad]"),
        "{out}"
    );
    assert!(
        out.contains("mail/Dockerfile.dev:3:") && out.contains("error[invalid-value]"),
        "{out}"
    );
    assert!(!out.contains("mail/Dockerfile.dev:3:34"), "{out}");
    std::fs::remove_file(repo.path().join("mail/Dockerfile.dev")).unwrap();
    // Near a configuration of the repository, or a script that may replace the image's
    // main.cf: not linted on its own.
    for (file, text) in [
        ("main.cf", "compatibility_level = 3.6\n"),
        (
            "mail/start.sh",
            "#!/bin/sh\ncp /conf/main.cf /etc/postfix/main.cf\nexec postfix start-fg\n",
        ),
    ] {
        for old in ["main.cf", "mail/start.sh"] {
            let _ = std::fs::remove_file(repo.path().join(old));
        }
        write(&repo.path().join(file), text);
        let out = run(repo.path(), &["--discover", "--format", "short"]).1;
        assert!(!out.contains("mail/Dockerfile"), "{file}: {out}");
    }
}

/// A Dockerfile that appends `name = value` lines to the package's main.cf with `echo` (one
/// by one, or a `{ ...; }` group), and edits a line by name with `sed -i`: linted for what it
/// writes out in full, for the release of the package it installs. Near-misses: a `sed` that
/// names no parameter (text anywhere in the file may change) and an `echo` that writes the
/// whole file are no edits of the package's main.cf.
#[test]
fn an_image_whose_dockerfile_appends_to_main_cf_is_linted() {
    let repo = tempfile::tempdir().unwrap();
    let dockerfile = "FROM debian:bookworm\nRUN apt-get install -y postfix && { \\\n    \
                      echo; echo '# relay'; \\\n    \
                      echo 'mynetworks = 0.0.0.0/0'; \\\n    \
                      echo \"myorigin = \\$mydomain\"; \\\n    \
                      } >> /etc/postfix/main.cf\n\
                      RUN echo 'smtp_use_tls = yes' >> /etc/postfix/main.cf \\\n    \
                      && sed -i 's/inet_interfaces = localhost/inet_interfaces = all/' /etc/postfix/main.cf\n";
    write(&repo.path().join("Dockerfile"), dockerfile);
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short", "-v"]);
    assert!(
        out.contains("Dockerfile:4:24: error[mynetworks-too-broad]"),
        "{out}{err}"
    );
    // Postfix 3.7 (bookworm's): smtp_use_tls is not yet deprecated.
    assert!(!out.contains("deprecated-parameter"), "{out}");
    assert!(
        err.contains("linting for Postfix 3.7 (the postfix package of debian:bookworm"),
        "{err}"
    );
    assert!(
        err.contains("Dockerfile configures the main.cf of an image FROM debian:bookworm"),
        "{err}"
    );
    assert!(out.contains("2 parameters set by set-up scripts"), "{out}");
    // A sed that fills in text the settings do not hold leaves them as written.
    write(
        &repo.path().join("Dockerfile"),
        &format!("{dockerfile}RUN sed -i 's/localhost/all/' /etc/postfix/main.cf\n"),
    );
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(out.contains("error[mynetworks-too-broad]"), "{out}");
    for edit in [
        // It changes the value (`.` is any character to sed), or the name.
        "sed -i 's/0.0.0.0/10.0.0.0/' /etc/postfix/main.cf",
        "sed -i 's/mynetworks/mynetworks_style/' /etc/postfix/main.cf",
        "echo 'inet_interfaces = all' > /etc/postfix/main.cf",
    ] {
        write(
            &repo.path().join("Dockerfile"),
            &format!("{dockerfile}RUN {edit}\n"),
        );
        let (status, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
        // Replaced whole: nothing is known of it.
        if edit.contains(" > ") {
            assert_eq!(status, 2, "{edit}: {out}");
        }
        assert!(!out.contains("mynetworks-too-broad"), "{edit}: {out}");
    }
}

/// A script the Dockerfile runs (its entrypoint) that sets a parameter to a value written out
/// in full, on a line that runs whenever it does: that value holds in the container, over the
/// package's main.cf (dotCMS/ses-postfix-relay) or the repository's main.cf the image copies
/// in. Near-misses: a script no Dockerfile names, a setting under `if`, one after `exec`.
#[test]
fn an_entrypoint_setting_written_out_in_full_is_checked_where_it_is_written() {
    let repo = tempfile::tempdir().unwrap();
    let dockerfile = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y postfix\n\
                      COPY startup.sh /usr/local/bin/startup.sh\nENTRYPOINT [\"/usr/local/bin/startup.sh\"]\n";
    write(&repo.path().join("Dockerfile"), dockerfile);
    let startup = "#!/bin/sh\npostconf -e \"mynetworks = 127.0.0.0/8 172.0.0.0/8\" \\\n  \"relayhost = [$RELAY]:587\"\nexec postfix start-fg\n";
    write(&repo.path().join("startup.sh"), startup);
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short", "-v"]);
    assert!(
        out.contains("startup.sh:2:39: error[mynetworks-too-broad]: mynetworks trusts 172.0.0.0/8"),
        "{out}{err}"
    );
    assert!(
        err.contains("mynetworks is set by startup.sh:2 when the image runs it"),
        "{err}"
    );
    assert!(
        err.contains("unknown: relayhost is set by startup.sh:2"),
        "{err}"
    );
    // The repository's main.cf, copied in: the entrypoint's value is the one that runs.
    write(
        &repo.path().join("main.cf"),
        "compatibility_level = 3.6\nmyhostname = mx.example.com\nmynetworks = 127.0.0.0/8\n",
    );
    write(
        &repo.path().join("Dockerfile"),
        &dockerfile.replace(
            "COPY startup.sh",
            "COPY main.cf /etc/postfix/main.cf\nCOPY startup.sh",
        ),
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(
        out.contains("startup.sh:2:39: error[mynetworks-too-broad]"),
        "{out}"
    );
    let near_misses = [
        // Under a condition, after `exec`, in a function.
        "#!/bin/sh\nif [ -z \"$NETS\" ]; then\n  postconf -e \"mynetworks = 172.0.0.0/8\"\nfi\n",
        "#!/bin/sh\nexec \"$@\"\npostconf -e \"mynetworks = 172.0.0.0/8\"\n",
        "#!/bin/sh\nsetup() {\n  postconf -e \"mynetworks = 172.0.0.0/8\"\n}\n",
    ];
    for startup in near_misses {
        write(&repo.path().join("startup.sh"), startup);
        let out = run(repo.path(), &["--discover", "--format", "short"]).1;
        assert!(!out.contains("mynetworks-too-broad"), "{startup}: {out}");
    }
    // A script no Dockerfile names may never run.
    write(
        &repo.path().join("startup.sh"),
        "#!/bin/sh\npostconf -e \"mynetworks = 172.0.0.0/8\"\n",
    );
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian:bookworm-slim\nRUN apt-get install -y postfix\nCOPY main.cf /etc/postfix/main.cf\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(!out.contains("mynetworks-too-broad"), "{out}");
}

/// `postconf -e '...' || exit 1` in an entrypoint or a `RUN`: the command before `||` runs
/// whenever the line does, and after a guard that stops the script or the build, an `&&`
/// chain before it ran in full (the applariat Kubernetes relay family). Near-misses: what
/// only the tail runs (`test -f x || postconf ...`), an `&&` chain before `|| true`, a tail
/// that opens a block on the next line.
#[test]
fn a_setting_guarded_by_or_exit_is_checked() {
    let repo = tempfile::tempdir().unwrap();
    let dockerfile = "FROM debian:bookworm-slim\nRUN apt-get install -y postfix\n\
                      COPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n";
    write(&repo.path().join("Dockerfile"), dockerfile);
    let triggers = [
        "postconf -e 'mynetworks = 0.0.0.0/0' || exit 1",
        "postconf -e 'mynetworks = 0.0.0.0/0' || { echo 'postconf failed' >&2; exit 1; }",
        "postconf -e 'mynetworks = 0.0.0.0/0' || true",
        "postconf -e 'relayhost = [r.example]' && postconf -e 'mynetworks = 0.0.0.0/0' || exit 1",
    ];
    for line in triggers {
        let script = format!("#!/bin/sh\n{line}\nexec /usr/sbin/postfix start-fg\n");
        write(&repo.path().join("entrypoint.sh"), &script);
        let out = run(repo.path(), &["--discover", "--format", "short"]).1;
        assert!(
            out.contains("entrypoint.sh:2:") && out.contains("[mynetworks-too-broad]"),
            "{line}: {out}"
        );
    }
    // In a `RUN`, the same.
    std::fs::remove_file(repo.path().join("entrypoint.sh")).unwrap();
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian:bookworm-slim\nRUN apt-get install -y postfix\n\
         RUN postconf -e 'mynetworks = 0.0.0.0/0' || exit 1\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(out.contains("Dockerfile:3:"), "{out}");
    let near_misses = [
        "test -f /etc/postfix/custom || postconf -e 'mynetworks = 0.0.0.0/0'",
        "[ -n \"$NETS\" ] || postconf -e 'mynetworks = 0.0.0.0/0'",
        "test -n \"$RELAY\" && postconf -e 'mynetworks = 0.0.0.0/0' || true",
        "postconf -e 'relayhost = [r.example]' || postconf -e 'mynetworks = 0.0.0.0/0'",
    ];
    for line in near_misses {
        write(
            &repo.path().join("Dockerfile"),
            &format!("FROM debian:bookworm-slim\nRUN apt-get install -y postfix\nRUN {line}\n"),
        );
        let out = run(repo.path(), &["--discover", "--format", "short"]).1;
        assert!(!out.contains("mynetworks-too-broad"), "RUN {line}: {out}");
        write(&repo.path().join("Dockerfile"), dockerfile);
        let script = format!("#!/bin/sh\n{line}\nexec /usr/sbin/postfix start-fg\n");
        write(&repo.path().join("entrypoint.sh"), &script);
        let out = run(repo.path(), &["--discover", "--format", "short"]).1;
        assert!(!out.contains("mynetworks-too-broad"), "{line}: {out}");
        std::fs::remove_file(repo.path().join("entrypoint.sh")).unwrap();
    }
    // `|| {` opening a block on the next line: what follows stays unread, as any block.
    write(&repo.path().join("Dockerfile"), dockerfile);
    write(
        &repo.path().join("entrypoint.sh"),
        "#!/bin/sh\npostconf -e 'relayhost = [r.example]' || {\n  exit 1\n}\npostconf -e 'mynetworks = 0.0.0.0/0'\nexec postfix start-fg\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(out.contains("entrypoint.sh:5:"), "{out}");
}

/// An Ansible role that edits the package's main.cf with `lineinfile` (a loop of lines) or
/// `command: postconf -e`, in tasks that always run: linted for what they write out in full,
/// at the task file's lines (NewErr0r, dgibbs64). Near-misses: a task under `when:`, a
/// handler, `backrefs`, a line put before another, a templated line, and a parameter two
/// tasks set.
#[test]
fn a_role_that_edits_main_cf_with_tasks_is_linted_for_what_they_write() {
    let repo = tempfile::tempdir().unwrap();
    let tasks = repo.path().join("roles/mail/tasks/main.yml");
    let base = "- name: Install Postfix\n  ansible.builtin.package:\n    name: postfix\n\
                - name: Edit main.cf\n  ansible.builtin.lineinfile:\n    dest: /etc/postfix/main.cf\n    \
                line: \"{{ item }}\"\n  loop:\n    - mynetworks = 0.0.0.0/0\n    - inet_interfaces = all\n\
                - name: Relay\n  ansible.builtin.command: postconf -e \"smtpd_tls_auth_only = maybe\"\n";
    write(&tasks, base);
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short", "-v"]);
    assert!(
        out.contains("roles/mail/tasks/main.yml:9:20: error[mynetworks-too-broad]"),
        "{out}{err}"
    );
    assert!(out.contains("roles/mail/tasks/main.yml:12:"), "{out}");
    assert!(out.contains("error[invalid-value]"), "{out}");
    assert!(
        err.contains("mynetworks is set by roles/mail/tasks/main.yml:9 when the task runs"),
        "{err}"
    );
    let edit =
        "- name: Edit main.cf\n  ansible.builtin.lineinfile:\n    dest: /etc/postfix/main.cf\n    \
                line: \"mynetworks = 0.0.0.0/0\"\n";
    let near_misses = [
        format!("{edit}  when: open_relay | bool\n"),
        format!(
            "- block:\n  {}\n  when: x\n",
            edit.replace('\n', "\n    ").trim_end()
        ),
        format!("{edit}    backrefs: true\n    regexp: '^#mynetworks'\n"),
        format!("{edit}    insertbefore: BOF\n"),
        edit.replace("0.0.0.0/0", "{{ networks }}"),
        format!("{edit}- command: postconf -e mynetworks=127.0.0.0/8\n"),
    ];
    for tasks_text in &near_misses {
        write(&tasks, tasks_text);
        let out = run(repo.path(), &["--discover", "--format", "short"]).1;
        assert!(!out.contains("mynetworks-too-broad"), "{tasks_text}: {out}");
    }
    std::fs::remove_file(&tasks).unwrap();
    write(&repo.path().join("roles/mail/handlers/main.yml"), edit);
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(!out.contains("mynetworks-too-broad"), "{out}");
    std::fs::remove_file(repo.path().join("roles/mail/handlers/main.yml")).unwrap();
    // A task file tasks/main.yml includes without a condition runs; one included under
    // `when:`, for one OS by a templated name, or by nothing, may not (survey W); nor a task
    // in a block's `rescue:`, one tagged `never`, or a role a play applies under `when:`.
    let relay = repo.path().join("roles/mail/tasks/relay.yml");
    write(&relay, edit);
    let includes = |main: &str| {
        write(&tasks, main);
        run(repo.path(), &["--discover", "--format", "short"]).1
    };
    let out = includes("- include_tasks: relay.yml\n");
    assert!(out.contains("roles/mail/tasks/relay.yml:4:"), "{out}");
    assert!(out.contains("mynetworks-too-broad"), "{out}");
    let out = includes("- import_tasks:\n    file: relay.yml\n");
    assert!(out.contains("mynetworks-too-broad"), "{out}");
    for main in [
        "- include_tasks: relay.yml\n  when: relay_enabled\n",
        "- block:\n    - import_tasks: relay.yml\n  when: relay_enabled\n",
        "- include_tasks: \"{{ ansible_os_family }}.yml\"\n",
        "- name: nothing includes relay.yml\n  debug: msg=hi\n",
    ] {
        let out = includes(main);
        assert!(!out.contains("mynetworks-too-broad"), "{main}: {out}");
    }
    std::fs::remove_file(&relay).unwrap();
    let rescued = format!(
        "- block:\n    - command: /bin/true\n  rescue:\n{}",
        edit.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    let never = format!("{edit}  tags: [never, legacy]\n");
    for main in [rescued.as_str(), never.as_str()] {
        let out = includes(main);
        assert!(!out.contains("mynetworks-too-broad"), "{main}: {out}");
    }
    let out = includes(edit);
    assert!(out.contains("mynetworks-too-broad"), "{out}");
    write(
        &repo.path().join("site.yml"),
        "- hosts: mail\n  roles:\n    - role: mail\n      when: enable_mail\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(!out.contains("mynetworks-too-broad"), "{out}");
}

/// A Dockerfile `RUN` that edits the package's main.cf before the `COPY` that puts the
/// repository's main.cf in place changes nothing that runs: the value stays the file's
/// (rfaircloth-splunk/splunk-connect-for-email-postfix). After the copy, it is unknown.
#[test]
fn a_dockerfile_edit_before_main_cf_is_copied_in_is_overwritten() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("etc/postfix/main.cf"),
        "compatibility_level = 3.6\nmyhostname = mx.example.com\nmynetworks = 0.0.0.0/0\n",
    );
    let edit = "RUN sed -i 's/mynetworks = 127.0.0.0\\/8/mynetworks = 10.0.0.0\\/8/' /etc/postfix/main.cf\n";
    let copy = "COPY etc/ /etc/\n";
    for (order, reported) in [
        (format!("{edit}{copy}"), true),
        (format!("{copy}{edit}"), false),
    ] {
        write(
            &repo.path().join("Dockerfile"),
            &format!("FROM debian:bookworm\nRUN apt-get install -y postfix\n{order}"),
        );
        let out = run(repo.path(), &["--discover", "--format", "short"]).1;
        assert_eq!(
            out.contains("mynetworks-too-broad"),
            reported,
            "{order}: {out}"
        );
    }
}

/// A task that only checks (`check_mode: true`, a Molecule scenario's verify.yml asserting a
/// line) sets nothing, and a Molecule scenario is a test of the role, not a deployment: the
/// template's mynetworks stays known (id-unibe-ch/ansible-role-postfix).
#[test]
fn tasks_that_only_check_set_nothing() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("tasks/main.yml"),
        "- name: Install main.cf\n  ansible.builtin.template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n",
    );
    write(
        &repo.path().join("templates/main.cf.j2"),
        "compatibility_level = 3.6\nmyhostname = mx.example.com\nmynetworks = 0.0.0.0/0\n",
    );
    let verify = "- name: Verify\n  hosts: all\n  tasks:\n    - name: mynetworks is set\n      \
                  ansible.builtin.lineinfile:\n        path: /etc/postfix/main.cf\n        \
                  regexp: \"^mynetworks = \"\n        state: absent\n      check_mode: CHECK\n      \
                  register: found\n";
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]).1;
    for (file, check) in [
        ("molecule/local/verify.yml", "true"),
        ("molecule/local/verify.yml", "false"),
        ("tasks/verify.yml", "yes"),
    ] {
        write(&repo.path().join(file), &verify.replace("CHECK", check));
        let out = short(repo.path());
        assert!(
            out.contains("error[mynetworks-too-broad]"),
            "{file} {check}: {out}"
        );
        std::fs::remove_file(repo.path().join(file)).unwrap();
    }
    // The same task without check_mode removes the line: mynetworks is then unknown.
    write(
        &repo.path().join("tasks/verify.yml"),
        &verify.replace("      check_mode: CHECK\n", ""),
    );
    let out = short(repo.path());
    assert!(!out.contains("mynetworks-too-broad"), "{out}");
}

#[test]
fn text_a_script_fills_in_in_main_cf_is_unknown() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("postfix/main.cf"),
        "compatibility_level = 3.6\nmyhostname = mx.dummy.example.test\n\
         mydestination = dummy.example.test, localhost\n\
         virtual_mailbox_domains = dummy.example.test\nvirtual_transport = lmtp:unix:private/dovecot-lmtp\n",
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]).1;
    let out = short(repo.path());
    assert!(out.contains("[virtual-domain-in-mydestination]"), "{out}");
    // The domain is a placeholder a deploy hook fills in.
    let hook = "#!/bin/sh\nsed -i 's/dummy.example.test/'\"$FQDN\"'/g' /etc/postfix/main.cf\n";
    write(&repo.path().join("hooks/deploy.sh"), hook);
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short", "-v"]);
    assert!(!out.contains("[virtual-domain-in-mydestination]"), "{out}");
    assert!(
        err.contains("postfix/main.cf:3: mydestination holds text hooks/deploy.sh:2 fills in"),
        "{err}"
    );
    // Brackets escaped for sed stand for themselves.
    write(
        &repo.path().join("postfix/main.cf"),
        "compatibility_level = 3.6\nmyhostname = [primaryhost]\n",
    );
    write(
        &repo.path().join("hooks/deploy.sh"),
        "#!/bin/sh\nsed -i -e \"s:\\[primaryhost\\]:${MAIL_HOSTNAME}:g\" /etc/postfix/main.cf\n",
    );
    let out = short(repo.path());
    assert!(!out.contains("[invalid-value]"), "{out}");
    std::fs::remove_file(repo.path().join("hooks/deploy.sh")).unwrap();
    let out = short(repo.path());
    assert!(out.contains("[invalid-value]"), "{out}");
    write(
        &repo.path().join("postfix/main.cf"),
        "compatibility_level = 3.6\nmyhostname = mx.dummy.example.test\n\
         mydestination = dummy.example.test, localhost\n\
         virtual_mailbox_domains = dummy.example.test\nvirtual_transport = lmtp:unix:private/dovecot-lmtp\n",
    );
    // A sed that fills in another file, or sets a parameter by name, leaves the domain known.
    for other in [
        "#!/bin/sh\nsed -i 's/dummy.example.test/'\"$FQDN\"'/g' /etc/dovecot/dovecot.conf\n",
        "#!/bin/sh\nsed -i 's/^myhostname = .*/myhostname = '\"$FQDN\"'/' /etc/postfix/main.cf\n",
    ] {
        write(&repo.path().join("hooks/deploy.sh"), other);
        let out = short(repo.path());
        assert!(
            out.contains("[virtual-domain-in-mydestination]"),
            "{other}: {out}"
        );
    }
}

/// An Ansible role that installs `templates/main.j2` as /etc/postfix/main.cf (a name that is
/// no main.cf's) and copies `files/master.cf` to /etc/postfix/master.cf: the template is linted
/// with that master.cf, which is then the whole file (a missing `local` is reported), and the
/// master.cf is not linted a second time alone. Near-misses: a task whose src is a variable,
/// one that installs elsewhere, one whose src climbs out of the role, and no task at all.
#[test]
fn a_main_cf_an_ansible_task_installs_under_another_name_is_linted() {
    let repo = tempfile::tempdir().unwrap();
    let role = repo.path().join("roles/postfix");
    write(
        &role.join("templates/main.j2"),
        "compatibility_level = 3.6\nmyhostname = {{ mail_fqdn }}\nmydestination = localhost\nsmtpd_use_tls = yes\n",
    );
    write(
        &role.join("files/master.cf"),
        "smtp inet n - y - - smtpd\npickup unix n - y 60 1 pickup\ncleanup unix n - y - 0 cleanup\n\
         qmgr unix n - n 300 1 qmgr\nrewrite unix - - y - - trivial-rewrite\nbounce unix - - y - 0 bounce\n\
         defer unix - - y - 0 bounce\ntrace unix - - y - 0 bounce\nsmtp unix - - y - - smtp\n",
    );
    let tasks = role.join("tasks/main.yml");
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]);
    let deprecated = "roles/postfix/templates/main.j2:4:1: warning[deprecated-parameter]";
    let local = "roles/postfix/files/master.cf:1:21: error[undefined-service]: mail for mydestination's domains";
    for installs in [
        "- name: main.cf\n  template:\n    src: main.j2\n    dest: /etc/postfix/main.cf\n\
         - name: master.cf\n  copy:\n    src: master.cf\n    dest: /etc/postfix/master.cf\n",
        // The role's own directories named in src, free-form arguments, the FQCN.
        "- ansible.builtin.template: src=templates/main.j2 dest=/etc/postfix/main.cf mode=0644\n\
         - ansible.builtin.copy:\n    src: files/master.cf\n    dest: \"{{ postfix_dir }}/master.cf\"\n",
        // One task over a loop.
        "- template:\n    src: \"{{ item.src }}\"\n    dest: \"/etc/postfix/{{ item.dest }}\"\n  loop:\n\
         \x20   - { src: main.j2, dest: main.cf }\n    - { src: ../files/master.cf, dest: master.cf }\n",
    ] {
        write(&tasks, installs);
        let (code, out, err) = short(repo.path());
        assert_eq!(code, 1, "{installs}\n{out}{err}");
        assert!(out.contains(deprecated), "{installs}\n{out}");
        // The loop's master.cf goes from templates/ to files/ with `..`, inside the role, as
        // Ansible finds it: installed, so judged whole.
        assert!(out.contains(local), "{installs}\n{out}");
        assert_eq!(out.matches("error[undefined-service]").count(), 1, "{out}");
    }
    write(
        &repo.path().join("shared/main.j2"),
        "compatibility_level = 3.6\nsmtpd_use_tls = yes\n",
    );
    for elsewhere in [
        "- template:\n    src: \"{{ postfix_main_template }}\"\n    dest: /etc/postfix/main.cf\n",
        "- template:\n    src: main.j2\n    dest: /etc/postfix/main.cf.d/10-local.cf\n",
        "- template:\n    src: ../../../main.j2\n    dest: /etc/postfix/main.cf\n",
        // Out of the role, to a file that is there: Ansible would not find it.
        "- template:\n    src: ../../../shared/main.j2\n    dest: /etc/postfix/main.cf\n",
        "- debug:\n    msg: main.j2 is /etc/postfix/main.cf\n",
    ] {
        write(&tasks, elsewhere);
        let (_, out, err) = short(repo.path());
        assert!(!out.contains("main.j2"), "{elsewhere}\n{out}{err}");
    }
}

/// A lookup table an Ansible task installs under another name (`template: src:
/// postfix-virtual.j2 dest: /etc/postfix/virtual`) is read from its source when main.cf
/// names it by the installed path: its entries are known, and its findings point into it.
/// A destination with a variable, a source that climbs out of the role with `..`, and a path
/// two tasks install different files at (one per platform) leave the table unknown, as before.
#[test]
fn a_table_an_ansible_task_installs_under_another_name_is_read() {
    let repo = tempfile::tempdir().unwrap();
    let role = repo.path().join("roles/postfix");
    write(
        &role.join("templates/main.cf.j2"),
        "compatibility_level = 3.6\nmyhostname = {{ mail_fqdn }}\nmydestination = localhost\n\
         virtual_mailbox_domains = example.org\n\
         virtual_mailbox_maps = hash:/etc/postfix/vmailbox\n\
         virtual_alias_maps = hash:$config_directory/virtual\n\
         virtual_transport = lmtp:unix:private/dovecot-lmtp\n",
    );
    write(
        &role.join("templates/postfix-virtual.j2"),
        "# {{ ansible_managed }}\n@example.org  catchall@example.org\n",
    );
    write(
        &role.join("templates/virtual-el8.j2"),
        "postmaster@example.org  anna@example.org\n",
    );
    write(
        &role.join("files/maps/vmailbox"),
        "anna@example.org  example.org/anna/\ncatchall@example.org  example.org/catchall/\n",
    );
    let tasks = role.join("tasks/main.yml");
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]);
    let shadows =
        "roles/postfix/templates/postfix-virtual.j2:2:1: error[catch-all-shadows-mailbox]";
    let main = "- template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n";
    let mailboxes = "- copy:\n    src: maps/vmailbox\n    dest: /etc/postfix/\n";
    for installs in [
        "- name: virtual\n  template:\n    src: postfix-virtual.j2\n    dest: /etc/postfix/virtual\n",
        "- ansible.builtin.template: src=templates/postfix-virtual.j2 dest=/etc/postfix/virtual\n",
        "- template:\n    src: \"postfix-{{ item }}.j2\"\n    dest: \"/etc/postfix/{{ item }}\"\n  loop: [virtual]\n",
    ] {
        write(&tasks, &format!("{main}{mailboxes}{installs}"));
        let (code, out, err) = short(repo.path());
        assert_eq!(code, 1, "{installs}\n{out}{err}");
        assert!(out.contains(shadows), "{installs}\n{out}{err}");
        assert!(!not_checked(&out).contains("catch-all-shadows-mailbox"), "{out}");
    }
    for unknown in [
        "- template:\n    src: postfix-virtual.j2\n    dest: \"{{ postfix_dir }}/virtual\"\n",
        "- template:\n    src: ../../../postfix-virtual.j2\n    dest: /etc/postfix/virtual\n",
        // One source per platform: which one the server has cannot be known.
        "- template:\n    src: postfix-virtual.j2\n    dest: /etc/postfix/virtual\n  when: ansible_os_family == 'Debian'\n\
         - template:\n    src: virtual-el8.j2\n    dest: /etc/postfix/virtual\n  when: ansible_os_family == 'RedHat'\n",
    ] {
        write(&tasks, &format!("{main}{mailboxes}{unknown}"));
        let (_, out, err) = short(repo.path());
        assert!(!out.contains("error[catch-all-shadows-mailbox]"), "{unknown}\n{out}{err}");
        assert!(not_checked(&out).contains("catch-all-shadows-mailbox"), "{unknown}\n{out}");
    }
}

/// What a container's set-up script does to the files of the repository: it builds the
/// compiled tables (`postmap`, `newaliases`), so a `.db` missing beside others that are
/// committed is no stale-map finding; and it fills in text in a database .cf (`sed -i
/// "s/HOST_IP/${HOST_IP}/g"`), so `server_host = HOST_IP` is no host ldap-config judges.
/// Without the script, both are reported.
#[test]
fn what_a_set_up_script_builds_and_fills_in_is_not_judged_as_written() {
    let repo = tempfile::tempdir().unwrap();
    let conf = repo.path().join("postfix_config");
    write(
        &conf.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         smtpd_helo_restrictions = check_helo_access hash:/etc/postfix/helo_check\n\
         virtual_alias_maps = hash:/etc/postfix/virtual, ldap:/etc/postfix/ldap-aliases.cf\n",
    );
    write(&conf.join("helo_check"), "example.com REJECT\n");
    write(&conf.join("helo_check.db"), "");
    write(&conf.join("virtual"), "info@example.org anna@example.org\n");
    write(
        &conf.join("ldap-aliases.cf"),
        "server_host = HOST_IP\nsearch_base = SEARCH_BASE\nquery_filter = (mail=%s)\n\
         result_attribute = mail\nbind = yes\nbind_dn = BIND_DN\nbind_pw = BIND_PW\n",
    );
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian\nCOPY postfix_config/ /etc/postfix/\nCOPY setup.sh /\nCMD /setup.sh\n",
    );
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short"]);
    let stale = "postfix_config/main.cf:4:22: warning[stale-map]";
    let bind =
        "error[ldap-config]: ldap:/etc/postfix/ldap-aliases.cf binds with a password to HOST_IP";
    let (_, out, err) = short(repo.path());
    assert!(out.contains(stale), "{out}{err}");
    assert!(out.contains(bind), "{out}{err}");
    assert!(!not_checked(&out).contains("ldap-config"), "{out}");
    for script in [
        "#!/bin/sh\nsed -i \"s/HOST_IP/${HOST_IP}/g\" /etc/postfix/ldap-aliases.cf\n\
         postmap /etc/postfix/virtual\nexec postfix start-fg\n",
        "#!/bin/sh\nfor f in /etc/postfix/*.cf; do sed -i \"s/HOST_IP/$HOST_IP/\" \"$f\"; done\n\
         for map in virtual helo_check; do postmap /etc/postfix/$map; done\n",
    ] {
        write(&repo.path().join("setup.sh"), script);
        let (_, out, err) = short(repo.path());
        assert!(!out.contains("warning[stale-map]"), "{script}\n{out}{err}");
        assert!(!out.contains("error[ldap-config]"), "{script}\n{out}{err}");
        // The bind is not judged: "could not decide", not a silent pass.
        assert!(not_checked(&out).contains("ldap-config"), "{script}\n{out}");
    }
    // A script that builds another table, and fills in another text: both still reported.
    write(
        &repo.path().join("setup.sh"),
        "#!/bin/sh\nsed -i \"s/DB_HOST/$DB_HOST/\" /etc/postfix/mysql.cf\npostmap /etc/postfix/transport\n",
    );
    let (_, out, err) = short(repo.path());
    assert!(out.contains(stale), "{out}{err}");
    assert!(out.contains(bind), "{out}{err}");
    // The filled-in text counts where it stands: another .cf file's server_host, written
    // out in full, is still judged.
    write(
        &repo.path().join("setup.sh"),
        "#!/bin/sh\nsed -i \"s/HOST_IP/${HOST_IP}/g\" /etc/postfix/ldap-aliases.cf\n",
    );
    write(
        &conf.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         virtual_alias_maps = ldap:/etc/postfix/ldap-aliases.cf\n\
         smtpd_sender_login_maps = ldap:/etc/postfix/ldap-senders.cf\n",
    );
    write(
        &conf.join("ldap-senders.cf"),
        "server_host = ldap.example.com\nsearch_base = dc=example, dc=com\n\
         query_filter = (mail=%s)\nresult_attribute = uid\nbind_pw = Quee7ahphooT\n",
    );
    let (_, out, err) = short(repo.path());
    assert!(!out.contains(bind), "{out}{err}");
    assert!(
        out.contains("ldap:/etc/postfix/ldap-senders.cf binds with a password to ldap.example.com"),
        "{out}{err}"
    );
}

/// A Dockerfile's `RUN <<EOF` (BuildKit's here-document) runs its body as a shell script:
/// a setting written out in full there is known, as on a `RUN` line, and checked where it
/// is written. A body with a condition anywhere in it, one run by another program, and a
/// here-document fed to a command (`cat <<EOF > file`) leave the setting unknown.
#[test]
fn a_run_here_document_is_read_as_the_shell_script_it_is() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("image");
    write(
        &image.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\nsmtpd_tls_auth_only = yes\n\
         smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem\nsmtpd_tls_key_file = /etc/ssl/private/ssl-cert-snakeoil.key\n\
         smtpd_tls_security_level = may\nsmtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth\n",
    );
    let known = "when the image is built: smtpd_tls_auth_only = no";
    for (instruction, read) in [
        ("RUN <<EOF\nset -e\npostconf -e \"smtpd_tls_auth_only = no\"\nEOF\n", true),
        ("RUN --mount=type=cache,target=/var/cache/apt <<-'EOT' bash\n\tpostconf -e smtpd_tls_auth_only=no\nEOT\n", true),
        ("RUN <<EOF\nif [ -z \"$STRICT\" ]; then\n  postconf -e smtpd_tls_auth_only=no\nfi\nEOF\n", false),
        ("RUN <<EOF python3\nimport os; os.system('postconf -e smtpd_tls_auth_only=no')\nEOF\n", false),
        ("RUN cat <<EOF > /usr/local/bin/tls.sh\npostconf -e smtpd_tls_auth_only=no\nEOF\n", false),
    ] {
        write(
            &image.join("Dockerfile"),
            &format!("FROM debian\nCOPY main.cf /etc/postfix/main.cf\n{instruction}RUN apt-get clean\n"),
        );
        let (_, out, err) = run(repo.path(), &["--discover", "--verbose", "--format", "short"]);
        assert_eq!(err.contains(known), read, "{instruction}\n{out}{err}");
        assert_eq!(
            out.contains("error[plaintext-auth]"),
            read,
            "{instruction}\n{out}{err}"
        );
    }
}

#[test]
fn a_main_cf_at_the_top_of_the_repository_is_named_dot() {
    let repo = tempfile::tempdir().unwrap();
    write(&repo.path().join("main.cf"), "compatibility_level = 3.6\n");
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.contains(&"postlint: found ."), "{err}");
    assert!(lines.contains(&"postlint: linting ."), "{err}");
    assert!(
        !err.lines().any(|l| l.trim_end() == "postlint: found"),
        "{err}"
    );
}

#[test]
fn templates_that_spell_it_main_cf_are_linted_with_their_master_cf() {
    // A Juju charm renders postfix_main_cf.tmpl and postfix_master_cf.tmpl; an Ansible role
    // picks main_cf_redhat.j2 with a first_found lookup. Near misses: a table template whose
    // name ends in `_cf`, and a script named after main.cf.
    let repo = tempfile::tempdir().unwrap();
    let charm = repo.path().join("charm/templates");
    write(&charm.join("postfix_main_cf.tmpl"), BROKEN);
    write(
        &charm.join("postfix_master_cf.tmpl"),
        "smtp inet n - y - - smtpd\n  -o smtpd_tls_security_level={{ tls_level }}\n\
         pickup unix n - y 60 1 pickup\ncleanup unix n - y - 0 cleanup\n\
         qmgr unix n - n 300 1 qmgr\nrewrite unix - - y - - trivial-rewrite\n\
         bounce unix - - y - 0 bounce\ndefer unix - - y - 0 bounce\ntrace unix - - y - 0 bounce\n\
         smtp unix - - y - - smtp\nlocal unix - n n - - local\n",
    );
    write(
        &repo.path().join("role/templates/main_cf_redhat.j2"),
        BROKEN,
    );
    write(&repo.path().join("role/templates/domain_cf.j2"), BROKEN);
    write(&repo.path().join("scripts/main_cf.py"), BROKEN);
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!("main_cf_spelling_short_stdout", out);
    assert!(
        !out.contains("domain_cf") && !out.contains("main_cf.py"),
        "{out}"
    );
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    assert!(
        err.contains("read charm/templates/postfix_master_cf.tmpl as a Jinja template"),
        "{err}"
    );
    // A fixtures/ directory holds test inputs, whatever the spelling.
    let inputs = tempfile::tempdir().unwrap();
    write(
        &inputs.path().join("spec/fixtures/postfix_main_cf.tmpl"),
        BROKEN,
    );
    let (code, out, err) = run(inputs.path(), &["--discover"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "skipped spec/fixtures/postfix_main_cf.tmpl: under a directory of test inputs"
        ),
        "{err}"
    );
}

#[test]
fn a_table_type_the_repository_builds_into_postfix_is_no_unsupported_type() {
    // A Dockerfile patches dict_redis.c into Postfix's sources: `redis:` tables open there.
    let main_cf = "compatibility_level = 3.6\nmydestination = localhost\n\
                   virtual_alias_maps = redis:/etc/postfix/redis-aliases.cf\n\
                   transport_maps = hsh:/etc/postfix/transport\n";
    let repo = tempfile::tempdir().unwrap();
    write(&repo.path().join("conf.d/main.cf"), main_cf);
    write(
        &repo.path().join("newfiles/dict_redis.c"),
        "/* dict_redis */\n",
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!out.contains("redis"), "{out}{err}");
    // Another unknown type is still reported.
    assert!(
        out.contains("conf.d/main.cf:4:18: error[unsupported-map-type]"),
        "{out}{err}"
    );
    // Near miss: without the source, or with only a header of it, `redis` is no type.
    let plain = tempfile::tempdir().unwrap();
    write(&plain.path().join("conf.d/main.cf"), main_cf);
    write(
        &plain.path().join("newfiles/dict_redis.h"),
        "/* dict_redis */\n",
    );
    let (_, out, err) = run(plain.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains(
            "conf.d/main.cf:3:22: error[unsupported-map-type]: Postfix has no `redis` table type"
        ),
        "{out}{err}"
    );
}

#[test]
fn parameters_a_postfix_fork_in_the_repository_registers_are_not_unknown() {
    // A fork of Postfix's sources with a daemon of its own, and the configuration it ships.
    let main_cf = "compatibility_level = 3.6\nmydestination = localhost\n\
                   postapi_access_config = /etc/postfix/postapi.cf\n\
                   auth_cred_cache_ttl = 300\n\
                   smtpd_tls_loglevl = 1\n";
    let master_cf = "smtp inet n - y - - smtpd\ncleanup unix n - y - 0 cleanup\n\
                     0.0.0.0:5025 inet n n n - - postapi\n  -o postapi_tls_security_level=encrypt\n";
    let fork = |repo: &Path, header: &str| {
        write(&repo.join("config/main.cf"), main_cf);
        write(&repo.join("config/master.cf"), master_cf);
        write(
            &repo.join(format!("postfix/src/global/{header}")),
            "#define VAR_MYHOSTNAME \"myhostname\"\n",
        );
        write(
            &repo.join("postfix/src/postapi/postapi.c"),
            "static const char cfg[] = \"postapi_access_config\"; /* don't */\n\
             static const char *p[] = { \"postapi_tls_security_level\", 0 };\n\
             msg_warn(\"%s: \\\"bad\\\" value\", \"auth_cred_cache_ttl\");\n",
        );
    };
    let repo = tempfile::tempdir().unwrap();
    fork(repo.path(), "mail_params.h");
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    for name in [
        "postapi_access_config",
        "postapi_tls_security_level",
        "auth_cred_cache_ttl",
    ] {
        assert!(!out.contains(name), "{name}: {out}{err}");
    }
    // A typo of a Postfix parameter is still one.
    assert!(
        out.contains("config/main.cf:5:1: warning[unknown-parameter]: `smtpd_tls_loglevl`"),
        "{out}{err}"
    );
    // Near miss: C files that are no Postfix source tree (no src/global/mail_params.h).
    let plain = tempfile::tempdir().unwrap();
    fork(plain.path(), "params.h");
    let (_, out, err) = run(plain.path(), &["--discover", "--format", "short"]);
    for (line, name) in [(3, "postapi_access_config"), (4, "auth_cred_cache_ttl")] {
        assert!(
            out.contains(&format!(
                "config/main.cf:{line}:1: warning[unknown-parameter]: `{name}`"
            )),
            "{name}: {out}{err}"
        );
    }
    assert!(
        out.contains(
            "config/master.cf:4:6: warning[unknown-parameter]: `postapi_tls_security_level`"
        ),
        "{out}{err}"
    );
}

/// A formula whose repository is the formula itself (`init.sls` at the top), installing
/// `salt://postfix/files/main.{{ postfix_type }}.cf`: each file the name matches is the
/// main.cf of one kind of host (andrekeller/postfix-formula). Near-miss: an expression in a
/// directory's name.
#[test]
fn a_salt_formula_that_picks_main_cf_by_a_variable_lints_each_variant() {
    let repo = tempfile::tempdir().unwrap();
    let state = "{%- set postfix_type = salt['pillar.get']('postfix_type', 'client') %}\n\
                 /etc/postfix/main.cf:\n  file.managed:\n    \
                 - source: salt://postfix/files/main.{{ postfix_type }}.cf\n    - template: jinja\n";
    write(&repo.path().join("init.sls"), state);
    for kind in ["mx", "backend"] {
        write(
            &repo.path().join(format!("files/main.{kind}.cf")),
            "compatibility_level = 3.6\nmyhostname = mx.example.com\nmynetworks = 0.0.0.0/0\n",
        );
    }
    write(
        &repo.path().join("files/master.cf.orig"),
        "# not a main.cf\n",
    );
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    for kind in ["mx", "backend"] {
        assert!(
            out.contains(&format!(
                "files/main.{kind}.cf:3:14: error[mynetworks-too-broad]"
            )),
            "{out}"
        );
    }
    // master.cf picked the same way: each main.cf goes with the master.cf of its kind.
    let master = "/etc/postfix/master.cf:\n  file.managed:\n    \
                  - source: salt://postfix/files/master.{{ postfix_type }}.cf\n";
    write(&repo.path().join("init.sls"), &format!("{state}{master}"));
    for kind in ["mx", "backend"] {
        std::fs::copy(
            "fixtures/probe/master.cf",
            repo.path().join(format!("files/master.{kind}.cf")),
        )
        .unwrap();
    }
    let err = run(repo.path(), &["--discover", "--format", "short", "-v"]).2;
    for kind in ["mx", "backend"] {
        let linting = format!("linting files/main.{kind}.cf\n");
        let at = err.find(&linting).unwrap_or_else(|| panic!("{err}"));
        let next = err[at..].find("read files/master.").map(|i| at + i);
        assert!(
            next.is_some_and(|i| err[i..].starts_with(&format!("read files/master.{kind}.cf"))),
            "{kind}: {err}"
        );
    }
    write(
        &repo.path().join("init.sls"),
        &state.replace(
            "files/main.{{ postfix_type }}.cf",
            "{{ postfix_type }}/main.cf",
        ),
    );
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 2, "{out}{err}");
}

#[test]
fn files_a_salt_state_installs_are_linted_as_what_they_become() {
    // A Salt state tree: main.cf, master.cf and a table installed by file.managed from files
    // of other names, in both spellings Salt reads, with Jinja in the state file.
    let repo = tempfile::tempdir().unwrap();
    let states = repo.path().join("salt");
    write(
        &states.join("postfix/init.sls"),
        "{% set relay = salt['pillar.get']('mail:relay', '') %}\n\
         postfix:\n  pkg.installed: []\n\n\
         /etc/postfix/main.cf:\n  file.managed:\n    - source: salt://postfix/files/main.jinja\n    \
         - template: jinja\n    - context:\n        relay: {{ relay }}\n\n\
         /etc/postfix/virtual:\n  file.managed:\n    - source:\n      - salt://postfix/files/virtual\n\n\
         postfix-master:\n  file:\n    - managed\n    - name: /etc/postfix/master.cf\n    \
         - source: salt://postfix/files/master.jinja\n\n\
         # Near misses: a source named by an expression, one that climbs out of the file roots.\n\
         /etc/postfix/sender_access:\n  file.managed:\n    - source: salt://postfix/files/{{ grains['id'] }}\n\n\
         /etc/postfix/transport:\n  file.managed:\n    - source: salt://../outside/transport\n",
    );
    write(
        &states.join("postfix/files/main.jinja"),
        "compatibility_level = 3.6\nmydestination = localhost\nmyhostname = mx.example.com\n\
         virtual_alias_domains = example.com\nvirtual_alias_maps = hash:/etc/postfix/virtual\n\
         relayhost = {{ relay }}\n\
         transport_maps = hash:/etc/postfix/transport\n\
         smtpd_sender_restrictions = check_sender_access hash:/etc/postfix/sender_access\n",
    );
    write(
        &repo.path().join("outside/transport"),
        "example.net error:no\n",
    );
    write(
        &states.join("postfix/files/mx1"),
        "spammer@example.net REJECT\n",
    );
    std::fs::copy(
        "fixtures/probe/master.cf",
        states.join("postfix/files/master.jinja"),
    )
    .unwrap();
    write(
        &states.join("postfix/files/virtual"),
        "postmaster@example.com abuse@example.com\nabuse@example.com postmaster@example.com\n",
    );
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!("salt_state_short_stdout", out);
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    assert!(
        err.contains(
            "found salt/postfix/files/main.jinja (salt/postfix/init.sls installs it as /etc/postfix/main.cf)"
        ),
        "{err}"
    );
    assert!(
        err.contains("read salt/postfix/files/master.jinja"),
        "{err}"
    );
    assert!(err.contains("read salt/postfix/files/virtual\n"), "{err}");
    // The near misses are not read: their tables stay unknown.
    assert!(
        !err.contains("outside/transport") && !err.contains("files/mx1"),
        "{err}"
    );
    assert!(
        err.contains("unknown: hash:/etc/postfix/transport"),
        "{err}"
    );
    assert!(
        err.contains("unknown: hash:/etc/postfix/sender_access"),
        "{err}"
    );

    // FreeBSD's /usr/local/etc/postfix, and a directory a variable names: Postfix's main.cf
    // and master.cf all the same. A table at a path with a variable is passed over.
    let bsd = tempfile::tempdir().unwrap();
    write(
        &bsd.path().join("mail/init.sls"),
        "{% from 'mail/map.jinja' import postfix with context %}\n\
         /usr/local/etc/postfix/main.cf:\n  file.managed:\n    - source: salt://mail/main.tmpl\n\n\
         {{ postfix.config_path }}/master.cf:\n  file.managed:\n    - source: salt://mail/master.tmpl\n\n\
         {{ postfix.config_path }}/virtual:\n  file.managed:\n    - source: salt://mail/virtual\n",
    );
    write(&bsd.path().join("mail/main.tmpl"), BROKEN);
    std::fs::copy(
        "fixtures/probe/master.cf",
        bsd.path().join("mail/master.tmpl"),
    )
    .unwrap();
    write(
        &bsd.path().join("mail/virtual"),
        "a@example.com b@example.com\n",
    );
    let (code, out, err) = run(
        bsd.path(),
        &["--discover", "--format", "short", "--verbose"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("found mail/main.tmpl (mail/init.sls installs it as /etc/postfix/main.cf)"),
        "{err}"
    );
    assert!(err.contains("read mail/master.tmpl"), "{err}");
    assert!(!err.contains("read mail/virtual"), "{err}");

    // A state file that names no path of /etc/postfix, only the variable's, is read too.
    let variable = tempfile::tempdir().unwrap();
    write(
        &variable.path().join("postfix/init.sls"),
        "{{ postfix.config_path }}/main.cf:\n  file.managed:\n    - source: salt://postfix/main.tmpl\n",
    );
    write(&variable.path().join("postfix/main.tmpl"), BROKEN);
    let (code, out, err) = run(variable.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("postfix/main.tmpl:"), "{out}{err}");
}

#[test]
fn a_docker_mailserver_postfix_master_cf_alone_is_checked() {
    // docker-mailserver's configuration directory with overrides for master.cf only.
    let repo = tempfile::tempdir().unwrap();
    let config = repo.path().join("docker-data/dms/config");
    write(
        &config.join("postfix-master.cf"),
        "# overrides\nsubmission/inet/smtpd_sasl_auth_enable=yes\n -o smtpd_tls_security_level=encrypt\n\
         smtps/inet/smtpd_tls_wrappermode\n",
    );
    write(&config.join("postfix-accounts.cf"), "");
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!("docker_master_alone_short_stdout", out);
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    assert!(
        err.contains("unknown: main.cf and master.cf are docker-mailserver's image's"),
        "{err}"
    );
    // Near misses: a postfix-master.cf that is a whole master.cf, and one beside a
    // postfix-main.cf (linted with it, once).
    let other = tempfile::tempdir().unwrap();
    write(
        &other.path().join("images/relay/postfix-master.cf"),
        "smtp inet n - y - - smtpd\n -o smtpd_tls_security_level=encrypt\n",
    );
    let (code, out, err) = run(other.path(), &["--discover"]);
    assert_eq!(code, 2, "{out}{err}");
    write(
        &config.join("postfix-main.cf"),
        "message_size_limit = 1000000\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &["--discover", "--verbose", "--format", "short"],
    );
    assert_eq!(err.matches("postlint: linting docker").count(), 1, "{err}");
    assert!(
        err.contains("linting docker-data/dms/config/postfix-main.cf"),
        "{err}"
    );
    assert!(
        out.contains("postfix-master.cf:3:1: error[invalid-syntax]"),
        "{out}"
    );
}

#[test]
fn files_outside_etc_postfix_of_a_tree_linted_from_inside_it_are_named_without_dot_slash() {
    // A server's /etc kept in git, linted from its top: /etc/mail/virtual is etc/mail/virtual,
    // as etc/postfix/main.cf is, in --discover and in --sysroot . alike.
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("etc/postfix/main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\nvirtual_alias_domains = example.com\n\
         virtual_alias_maps = hash:/etc/mail/virtual\n",
    );
    write(
        &repo.path().join("etc/mail/virtual"),
        "@example.com user@example.net\n",
    );
    for args in [&["--discover"][..], &["--sysroot", "."][..]] {
        let args: Vec<&str> = args.iter().copied().chain(["--format", "short"]).collect();
        let (_, out, err) = run(repo.path(), &args);
        assert!(
            out.contains("\netc/mail/virtual:1:1: warning[catch-all-alias]")
                || out.starts_with("etc/mail/virtual:1:1: warning[catch-all-alias]"),
            "{args:?}: {out}{err}"
        );
        assert!(!out.contains("./etc"), "{args:?}: {out}");
        let (_, _, err) = run(repo.path(), &[args.as_slice(), &["--verbose"]].concat());
        assert!(err.contains("read etc/mail/virtual\n"), "{args:?}: {err}");
    }
}

/// A Puppet module that assembles main.cf with concat: the base template is linted with the
/// other fragments as its parts (the SPF class's recipient restrictions may be there, so the
/// base is no smtpd that stops), the fragment is not linted alone, and a `postfix::config`
/// line per parameter leaves the parameters the base does not set unknown.
#[test]
fn a_main_cf_puppet_assembles_with_concat_is_linted_whole() {
    let repo = Path::new("fixtures/discover/puppet-concat");
    let (code, out, err) = run(repo, &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!("puppet_concat_short_stdout", out);
    assert!(
        err.contains(
            "skipped templates/spf/main.cf.erb: a fragment of the main.cf Puppet's concat \
             assembles (manifests/spf.pp): read as a part of templates/main.cf.erb"
        ),
        "{err}"
    );
    let (_, _, err) = run(repo, &["--discover", "--format", "short", "--verbose"]);
    assert!(
        err.contains(
            "read templates/spf/main.cf.erb as part of main.cf (a fragment Puppet's concat adds \
             to it, declared in manifests/spf.pp)"
        ),
        "{err}"
    );
    assert!(
        err.contains("what manifests/config.pp adds is no template"),
        "{err}"
    );

    // Near misses, in copies of the module. Without the line-per-parameter define, the
    // parameters the fragments do not set are known again: compatibility_level is not set.
    let copy = |drop: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        for entry in walkdir::WalkDir::new(repo) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(repo).unwrap();
            if entry.file_type().is_file() && !drop.iter().any(|d| rel.starts_with(d)) {
                write(
                    &dir.path().join(rel),
                    &std::fs::read_to_string(entry.path()).unwrap(),
                );
            }
        }
        dir
    };
    let without_define = copy(&["manifests/config.pp"]);
    let (_, out, _) = run(without_define.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("templates/main.cf.erb:1:1: warning[compatibility-level]"),
        "{out}"
    );
    assert!(!out.contains("relay-check-missing"), "{out}");
    assert!(!out.contains("templates/spf/main.cf.erb"), "{out}");
    // A define whose target is interpolated (ajacques/puppet-postfix): `"/etc/postfix/${f}"`
    // may be main.cf, so what it adds is unknown again; `"${dir}/master.cf"` is not main.cf.
    for (target, open) in [
        ("\"/etc/postfix/${filename}\"", true),
        ("\"${config_dir}/main.cf\"", true),
        ("$target", true),
        ("\"${config_dir}/master.cf\"", false),
        ("\"/etc/dovecot/${filename}\"", false),
    ] {
        write(
            &without_define.path().join("manifests/block.pp"),
            &format!(
                "define postfix::cf_block ($filename = '', $content = '') {{\n  \
                 concat::fragment {{ \"cf_block_${{name}}\":\n    target  => {target},\n    \
                 content => $content,\n  }}\n}}\n"
            ),
        );
        let (_, out, _) = run(without_define.path(), &["--discover", "--format", "short"]);
        assert_eq!(
            !out.contains("warning[compatibility-level]"),
            open,
            "{target}: {out}"
        );
    }
    // Without the manifests, each template is a main.cf of its own, as before: the base has
    // no relay check, and the fragment is linted alone.
    let without_manifests = copy(&["manifests"]);
    let (_, out, _) = run(
        without_manifests.path(),
        &["--discover", "--format", "short"],
    );
    assert!(
        out.contains("templates/main.cf.erb:1:1: error[relay-check-missing]"),
        "{out}"
    );
    // The fragment alone sets none of what a whole main.cf sets: lines to add, whose
    // defaults are not judged.
    assert!(
        !out.contains("templates/spf/main.cf.erb:1:1: warning[compatibility-level]"),
        "{out}"
    );
}

/// The walk reads the ignore files of the linted tree only. A `.gitignore` in a directory
/// above it (git never applies one from above a repository's root), git's global excludes
/// file, and the checkout's own `.git/info/exclude` are the machine's, not the tree's: none
/// hides main.cf, and the same tree lints the same on every machine. A `.gitignore` inside the
/// tree still does.
#[test]
fn ignore_files_outside_the_tree_hide_nothing() {
    let outer = tempfile::tempdir().unwrap();
    write(&outer.path().join(".gitignore"), "main.cf\n*.cf\n");
    write(&outer.path().join(".ignore"), "main.cf\n");
    let repo = outer.path().join("repo");
    write(&repo.join("main.cf"), BROKEN);
    write(&repo.join(".git/info/exclude"), "main.cf\n");
    write(&repo.join(".gitignore"), "old/\n");
    write(&repo.join("old/main.cf"), BROKEN);
    // A home whose git configuration ignores every main.cf.
    let home = outer.path().join("home");
    write(&home.join("excludes"), "main.cf\n");
    write(
        &home.join(".gitconfig"),
        &format!(
            "[core]\n\texcludesFile = {}\n",
            home.join("excludes").display()
        ),
    );
    write(&home.join(".config/git/ignore"), "main.cf\n");
    let out = assert_cmd::Command::cargo_bin("postlint")
        .unwrap()
        .current_dir(&repo)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .args(["--discover", "--format", "short", "--color", "never"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("main.cf:2:17: error[virtual-domain-in-mydestination]"),
        "{stdout}"
    );
    // The tree's own .gitignore still keeps old/ out.
    assert!(!stdout.contains("old/main.cf"), "{stdout}");
}

/// A Dockerfile that copies main.cf into an image of a distribution postlint knows says which
/// plugin packages the image has and where its daemons are (`crate::image`): a `mysql:` table
/// without postfix-mysql and another distribution's daemon_directory are reported; a base
/// image, a package list or a `RUN` postlint cannot read leaves both rules silent.
#[test]
fn the_image_a_dockerfile_builds_decides_plugins_and_daemon_directory() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("postfix");
    write(
        &image.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         daemon_directory = /usr/lib/postfix\n\
         virtual_alias_maps = mysql:/etc/postfix/mysql-aliases.cf\n\
         sender_canonical_maps = pcre:/etc/postfix/sender_canonical.pcre\n\
         alias_maps = hash:/etc/postfix/aliases\n",
    );
    let rules = "--select=unsupported-map-type,wrong-daemon-directory";
    let short = |repo: &Path| run(repo, &["--discover", "--format", "short", rules]).1;
    let dockerfile = |text: &str| write(&image.join("Dockerfile"), text);
    let copy = "COPY main.cf /etc/postfix/main.cf\n";
    // The s-soya2421/smtp-pop-container and GaluhIdam/mailserver mistakes, in one image.
    dockerfile(&format!(
        "FROM alpine:3.19\n\nRUN apk add --no-cache postfix postfix-pcre cyrus-sasl \\\n    rsyslog\n{copy}"
    ));
    let out = short(repo.path());
    insta::assert_snapshot!("discover__image_alpine", out);
    assert!(out.contains("[wrong-daemon-directory]") && out.contains("postfix-mysql"));
    assert!(!out.contains("postfix-pcre"), "{out}");
    // Alpine dropped Berkeley DB in 3.13: before it, `hash` was there.
    dockerfile(&format!("FROM alpine:3.12\nRUN apk add postfix\n{copy}"));
    let out = short(repo.path());
    assert!(
        !out.contains("`hash`") && out.contains("postfix-mysql"),
        "{out}"
    );
    let main_cf = std::fs::read_to_string(image.join("main.cf")).unwrap();
    let without_hash = main_cf.replace("alias_maps = hash:/etc/postfix/aliases\n", "");
    write(&image.join("main.cf"), &without_hash);
    dockerfile(&format!(
        "FROM debian:bookworm-slim\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix postfix-pcre\n{copy}"
    ));
    let out = short(repo.path());
    // /usr/lib/postfix was Debian's own directory before /usr/lib/postfix/sbin.
    assert!(
        !out.contains("[wrong-daemon-directory]") && out.contains("postfix-mysql"),
        "{out}"
    );
    let main_cf = std::fs::read_to_string(image.join("main.cf")).unwrap();
    write(
        &image.join("main.cf"),
        &main_cf.replace("/usr/lib/postfix\n", "/usr/libexec/postfix\n"),
    );
    let out = short(repo.path());
    assert!(
        out.contains("whose daemons are in /usr/lib/postfix/sbin"),
        "{out}"
    );
    // Which directory Debian's next release uses is not known.
    dockerfile(&format!(
        "FROM debian:latest\nRUN apt-get install -y postfix\n{copy}"
    ));
    let out = short(repo.path());
    assert!(!out.contains("[wrong-daemon-directory]"), "{out}");
    write(&image.join("main.cf"), &main_cf);
    // Near-misses: each leaves both rules silent.
    for silent in [
        // The packages are there, and so is the directory (a link the Dockerfile makes).
        "FROM alpine:3.19\nRUN apk add postfix postfix-mysql postfix-pcre && ln -s /usr/libexec/postfix /usr/lib/postfix\n",
        // A base image of another kind.
        "FROM boky/postfix:latest\nRUN apk add postfix\n",
        "ARG BASE=alpine:3.19\nFROM ${BASE}\nRUN apk add postfix\n",
        // Packages postlint cannot read.
        "FROM alpine:3.19\nRUN apk add postfix $EXTRA_PACKAGES\n",
        "FROM alpine:3.19\nRUN apk add postfix\nRUN /usr/local/bin/install-plugins.sh\n",
        "FROM debian:12\nRUN apt-get install -y postfix\nRUN if [ \"$DB\" = mysql ]; then apt-get install -y postfix-mysql; fi\n",
        // Postfix built from source, not the package.
        "FROM alpine:3.19\nRUN apk add build-base\n",
    ] {
        dockerfile(&format!("{silent}{copy}"));
        let out = short(repo.path());
        assert!(out.contains("No problems found"), "{silent}: {out}");
    }
    // Two Dockerfiles copy the same main.cf into different images: which one runs it is not
    // known.
    dockerfile(&format!("FROM alpine:3.19\nRUN apk add postfix\n{copy}"));
    write(
        &repo.path().join("Dockerfile.debian"),
        "FROM debian:12\nRUN apt-get install -y postfix\nCOPY postfix/main.cf /etc/postfix/main.cf\n",
    );
    let out = short(repo.path());
    assert!(out.contains("No problems found"), "{out}");
}

/// Caches main.cf puts in `btree:` tables, in an Alpine image whose Postfix has no Berkeley
/// DB (yottatsa/postfix-mail-gateway): reported where the daemon that opens them runs, an
/// error for verify(8) (it never completes, tests/oracle_cache_type.rs), a warning for the
/// others; `lmdb:`, an older Alpine, Debian, and caches no daemon opens stay silent.
#[test]
fn btree_caches_in_an_alpine_image_are_reported() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("postfix");
    let main_cf = "compatibility_level = 3.6\nmydestination = localhost\n\
                   smtpd_tls_session_cache_database = btree:${data_directory}/smtpd_scache\n\
                   smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache\n\
                   address_verify_map = btree:$data_directory/verify_cache\n\
                   postscreen_cache_map = btree:$data_directory/postscreen_cache\n\
                   smtpd_recipient_restrictions = reject_unverified_recipient\n";
    let master_cf = "smtp inet n - n - 1 postscreen\nsmtpd pass - - n - - smtpd\n";
    write(&image.join("main.cf"), main_cf);
    write(&image.join("master.cf"), master_cf);
    let copy = "COPY main.cf master.cf /etc/postfix/\n";
    let dockerfile = |from: &str| {
        write(
            &image.join("Dockerfile"),
            &format!("FROM {from}\nRUN apk add --no-cache postfix\n{copy}"),
        )
    };
    let short = |repo: &Path| short_of(repo, "unsupported-map-type");
    dockerfile("alpine:3.19");
    let out = short(repo.path());
    insta::assert_snapshot!("discover__image_alpine_btree_caches", out);
    assert_eq!(out.matches("[unsupported-map-type]").count(), 4, "{out}");
    assert!(
        out.contains("main.cf:5:22: error[unsupported-map-type]"),
        "{out}"
    );
    // Each near-miss leaves the rule silent.
    dockerfile("alpine:3.12");
    assert!(short(repo.path()).contains("No problems found"));
    write(
        &image.join("Dockerfile"),
        &format!("FROM debian:12\nRUN apt-get install -y postfix\n{copy}"),
    );
    assert!(short(repo.path()).contains("No problems found"));
    dockerfile("alpine:3.19");
    write(&image.join("main.cf"), &main_cf.replace("btree:", "lmdb:"));
    assert!(short(repo.path()).contains("No problems found"));
    // No reject_unverified_* and no postscreen: verify and postscreen never open their
    // caches; the TLS caches are still reported.
    write(
        &image.join("main.cf"),
        &main_cf.replace("reject_unverified_recipient", "reject_unauth_destination"),
    );
    write(&image.join("master.cf"), "smtp inet n - n - - smtpd\n");
    let out = short(repo.path());
    assert_eq!(out.matches("[unsupported-map-type]").count(), 2, "{out}");
    assert!(
        !out.contains("address_verify_map") && !out.contains("postscreen_cache_map"),
        "{out}"
    );
}

/// mynetworks that trusts a Docker bridge gateway in an image whose port 25 a compose file
/// publishes: docker-proxy hands outside clients in from the gateway (JanKoIT, sat640k). A
/// loopback-only or host-network mapping, no compose file, a container's own /32 or a LAN
/// range leave it silent.
#[test]
fn docker_bridge_networks_in_mynetworks_of_a_published_container() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("postfix");
    let main_cf = "compatibility_level = 3.6\nmydestination = localhost\n\
                   mynetworks = 127.0.0.0/8 172.16.0.0/12\n\
                   smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n";
    write(&image.join("main.cf"), main_cf);
    write(
        &image.join("Dockerfile"),
        "FROM debian:12\nRUN apt-get install -y postfix\nCOPY main.cf /etc/postfix/main.cf\n",
    );
    let compose = |ports: &str| {
        write(
            &repo.path().join("docker-compose.yml"),
            &format!("services:\n  mail:\n    build: ./postfix\n    ports:\n{ports}"),
        )
    };
    let short = |repo: &Path| short_of(repo, "mynetworks-too-broad");
    compose("      - \"25:25\"\n      - \"587:587\"\n");
    let out = short(repo.path());
    insta::assert_snapshot!("discover__docker_bridge_in_mynetworks", out);
    assert!(
        out.contains("postfix/main.cf:3:26: warning[mynetworks-too-broad]"),
        "{out}"
    );
    let explained = run(
        repo.path(),
        &["--discover", "--select=mynetworks-too-broad"],
    )
    .1;
    assert!(explained.contains("PERMIT_DOCKER"), "{explained}");
    // A compose network's gateway too.
    write(
        &image.join("main.cf"),
        &main_cf.replace("172.16.0.0/12", "172.18.0.0/16"),
    );
    assert!(short(repo.path())
        .contains("the gateways of Docker's bridge networks (172.18.0.1 among them)"));
    // A network the compose file gives a range of its own (survey AF4, D34DPlayer/CRHPi): its
    // gateway, the range's first address, unless the service joins another network only.
    write(
        &image.join("main.cf"),
        &main_cf.replace("172.16.0.0/12", "10.69.0.0/24"),
    );
    let networks =
        "networks:\n  default:\n    ipam:\n      config:\n        - subnet: 10.69.0.0/24\n  \
                    other:\n    driver: bridge\n";
    compose(&format!("      - \"25:25\"\n{networks}"));
    assert!(short(repo.path()).contains("the gateway 10.69.0.1 of the container's network"));
    compose(&format!(
        "      - \"25:25\"\n    networks: [other]\n{networks}"
    ));
    assert!(short(repo.path()).contains("No problems found"));
    write(&image.join("main.cf"), main_cf);
    // Near-misses.
    for (ports, mynetworks) in [
        ("      - \"127.0.0.1:25:25\"\n", "172.16.0.0/12"),
        ("      - \"587:587\"\n", "172.16.0.0/12"),
        ("      - \"25:25\"\n", "172.18.0.5/32"),
        ("      - \"25:25\"\n", "192.168.0.0/16"),
        (
            "      - \"25:25\"\n    network_mode: host\n",
            "172.16.0.0/12",
        ),
    ] {
        compose(ports);
        write(
            &image.join("main.cf"),
            &main_cf.replace("172.16.0.0/12", mynetworks),
        );
        let out = short(repo.path());
        assert!(
            out.contains("No problems found"),
            "{ports} {mynetworks}: {out}"
        );
    }
    // The relay check before permit_mynetworks: the gateway relays nothing.
    compose("      - \"25:25\"\n");
    write(
        &image.join("main.cf"),
        &main_cf.replace(
            "permit_mynetworks, reject_unauth_destination",
            "reject_unauth_destination, permit_mynetworks",
        ),
    );
    assert!(short(repo.path()).contains("No problems found"));
    // Nothing leaves the server (lazyfrosch/docker-maildebug, a test sink): what the gateway
    // relays is bounced, never sent on. A transport entry that sends some mail out still
    // counts.
    for (extra, transport, reported) in [
        ("default_transport = error:no mail leaves\n", None, false),
        (
            "transport_maps = texthash:/etc/postfix/transport\n",
            Some("sink.example.com local:\n* error:only local\n"),
            false,
        ),
        (
            "transport_maps = texthash:/etc/postfix/transport\n",
            Some("example.org smtp:[mx.example.org]\n* error:only local\n"),
            true,
        ),
        ("default_transport = smtp\n", None, true),
    ] {
        write(&image.join("main.cf"), &format!("{main_cf}{extra}"));
        if let Some(table) = transport {
            write(&image.join("transport"), table);
        }
        let out = short(repo.path());
        assert_eq!(
            out.contains("warning[mynetworks-too-broad]"),
            reported,
            "{extra}: {out}"
        );
    }
    std::fs::remove_file(repo.path().join("docker-compose.yml")).unwrap();
    write(&image.join("main.cf"), main_cf);
    assert!(short(repo.path()).contains("No problems found"));
}

/// Files a Dockerfile copies elsewhere into the image (`ADD ./sql /etc/postfix/sql`,
/// mahaupt/mail; `COPY aliases /etc/aliases`) are read where main.cf names them by those
/// paths: the database .cf files are checked. A source outside the repository is not read,
/// and without the Dockerfile the files stay outside the linted tree.
#[test]
fn files_a_dockerfile_copies_are_read_at_their_image_paths() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("postfix/main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         virtual_mailbox_domains = mysql:/etc/postfix/sql/domains.cf\n\
         virtual_mailbox_maps = mysql:/etc/postfix/sql/mailboxes.cf\n\
         virtual_transport = lmtp:unix:private/dovecot-lmtp\n\
         alias_maps = hash:/etc/aliases\n",
    );
    write(
        &root.join("sql/domains.cf"),
        "user = mail\npassword = x\nhosts = db\ndbname = mail\n\
         query = SELECT 1 FROM domains WHERE name='%s'\n",
    );
    write(
        &root.join("sql/mailboxes.cf"),
        "user = mail\npasword = x\nhosts = db\ndbname = mail\n\
         query = SELECT 1 FROM users WHERE email='%s'\n",
    );
    write(
        &root.join("aliases"),
        "postmaster: root\npostmaster: admin\n",
    );
    let dockerfile = "FROM debian:12\nRUN apt-get install -y postfix postfix-mysql\n\
                      ADD ./postfix/main.cf /etc/postfix/main.cf\nADD ./sql /etc/postfix/sql\n\
                      COPY aliases /etc/aliases\n";
    write(&root.join("Dockerfile"), dockerfile);
    let out = short_of(root, "sql-config,duplicate-map-key");
    insta::assert_snapshot!("discover__files_a_dockerfile_copies", out);
    assert!(
        out.contains("sql/mailboxes.cf:2:1: error[sql-config]"),
        "{out}"
    );
    assert!(out.contains("aliases:2:1:"), "{out}");
    // Without the copies, the same paths are outside the tree.
    write(
        &root.join("Dockerfile"),
        "FROM debian:12\nRUN apt-get install -y postfix postfix-mysql\n\
         ADD ./postfix/main.cf /etc/postfix/main.cf\n",
    );
    assert!(short_of(root, "sql-config,duplicate-map-key").contains("No problems found"));
    // A source outside the repository is never read.
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("sql/mailboxes.cf"), "pasword = x\n");
    let escape = format!(
        "{}\nADD ../{}/sql /etc/postfix/sql\n",
        dockerfile.lines().take(3).collect::<Vec<_>>().join("\n"),
        outside.path().file_name().unwrap().to_string_lossy()
    );
    write(&root.join("Dockerfile"), &escape);
    let out = short_of(root, "sql-config");
    assert!(out.contains("No problems found"), "{out}");
}

/// The release of the postfix package an image installs is the release a main.cf it holds is
/// linted for; one from elsewhere (backports, a pinned version) or of an untagged image is not
/// known, and the newest release is.
#[test]
fn the_postfix_release_of_the_image_is_the_target() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("postfix");
    write(
        &image.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n",
    );
    let target = |dockerfile: &str| {
        write(&image.join("Dockerfile"), dockerfile);
        let err = run(repo.path(), &["--discover", "--verbose"]).2;
        err.lines()
            .find(|l| l.contains("linting for Postfix"))
            .unwrap_or_default()
            .to_string()
    };
    let copy = "COPY main.cf /etc/postfix/main.cf\n";
    let line = target(&format!(
        "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y postfix\n{copy}"
    ));
    assert!(
        line.contains("linting for Postfix 3.8 (the postfix package of ubuntu:24.04, which postfix/Dockerfile installs"),
        "{line}"
    );
    let line = target(&format!(
        "FROM debian:bookworm-slim\nRUN apt-get install -y postfix\n{copy}"
    ));
    assert!(
        line.contains("Postfix 3.7 (the postfix package of debian:bookworm-slim"),
        "{line}"
    );
    for elsewhere in [
        "FROM debian:bookworm\nRUN apt-get install -y -t bookworm-backports postfix\n",
        "FROM debian:bookworm\nRUN apt-get install -y postfix=3.7.11-0+deb12u1\n",
        "FROM debian\nRUN apt-get install -y postfix\n",
        "FROM debian:bookworm\nRUN apt-get install -y $PACKAGES\n",
    ] {
        let line = target(&format!("{elsewhere}{copy}"));
        assert!(
            line.contains("the newest release postlint knows"),
            "{elsewhere}: {line}"
        );
    }
}

/// An m4 macro file named main.cf (rendered with `m4 define.m4 main.cf > /etc/postfix/main.cf`
/// when the container starts) is no Postfix file: skipped with a note, as other templates.
#[test]
fn an_m4_macro_file_named_main_cf_is_skipped() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("skel/postfix/main.cf"),
        "myhostname = __HOSTNAME__\nifelse(__USE_SPF__,[[yes]],[[dnl\nsmtpd_recipient_restrictions = check_policy_service unix:private/spf\n]])dnl\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &["--discover", "--format", "short", "--allow-empty"],
    );
    assert!(
        err.contains("skel/postfix/main.cf: an m4 macro file"),
        "{err}"
    );
    assert!(!out.contains("[invalid-syntax]"), "{out}");
}

/// A chrooted smtpd that names OpenDKIM's socket outside the queue directory, where the
/// opendkim.conf a Dockerfile copies into the image (or a tree that mirrors /) puts it
/// (fj0r/docker-mail): socket-outside-chroot reports it from the repository alone. Whatever
/// else may put the socket where smtpd looks (a bind mount or link into the queue directory
/// that a script or compose file makes) or start the milter elsewhere (`opendkim -p`, a
/// script that edits Socket) leaves it undecided.
#[test]
fn a_milter_socket_its_configuration_puts_outside_the_chroot_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let main_cf = "compatibility_level = 3.6\nmydestination = localhost\n\
                   smtpd_milters = unix:/run/opendkim/opendkim.sock\n";
    let master_cf = "smtp      inet  n       -       y       -       -       smtpd\n\
                     cleanup   unix  n       -       n       -       0       cleanup\n";
    let opendkim = "Syslog yes\nSocket local:/var/spool/postfix/opendkim/opendkim.sock\n\
                    socket  local:/run/opendkim/opendkim.sock # the last one wins\n";
    write(&root.join("postfix/main.cf"), main_cf);
    write(&root.join("postfix/master.cf"), master_cf);
    write(&root.join("opendkim.conf"), opendkim);
    let dockerfile = "FROM debian:12\nRUN apt-get install -y postfix opendkim\n\
                      COPY postfix /etc/postfix\nCOPY opendkim.conf /etc/opendkim.conf\n\
                      COPY entrypoint.sh /\n";
    write(&root.join("Dockerfile"), dockerfile);
    write(
        &root.join("entrypoint.sh"),
        "#!/bin/sh\nmkdir -p /run/opendkim\nservice opendkim start\nexec postfix start-fg\n",
    );
    let short = |root: &Path| short_of(root, "socket-outside-chroot");
    let out = short(root);
    insta::assert_snapshot!("discover__milter_socket_outside_chroot", out);
    assert!(
        out.contains("postfix/main.cf:3:17: error[socket-outside-chroot]"),
        "{out}"
    );
    let human = run(root, &["--discover", "--select=socket-outside-chroot"]).1;
    assert!(human.contains("OpenDKIM listens here"), "{human}");
    assert!(human.contains("opendkim.conf:3:9"), "{human}");
    // /var/run is /run.
    write(
        &root.join("opendkim.conf"),
        "Socket local:/var/run/opendkim/opendkim.sock\n",
    );
    assert!(short(root).contains("error[socket-outside-chroot]"));
    // An unchrooted smtpd that names the path a chrooted one would see.
    write(
        &root.join("postfix/main.cf"),
        &main_cf.replace("/run/opendkim/", "/opendkim/"),
    );
    write(
        &root.join("opendkim.conf"),
        "Socket local:/var/spool/postfix/opendkim/opendkim.sock\n",
    );
    write(
        &root.join("postfix/master.cf"),
        &master_cf.replace("  y  ", "  n  "),
    );
    let out = short(root);
    assert!(out.contains("does not run chrooted"), "{out}");
    write(&root.join("postfix/main.cf"), main_cf);
    write(&root.join("postfix/master.cf"), master_cf);
    // Near-misses, each from the broken setup: the socket where smtpd looks, TCP, no Socket
    // line postlint can read, an unchrooted smtpd, a bind mount into the queue directory
    // (entrypoint or compose), a socket the command line gives, a script that edits Socket.
    let broken_conf = "Socket local:/run/opendkim/opendkim.sock\n";
    let entrypoint = "#!/bin/sh\nservice opendkim start\nexec postfix start-fg\n";
    for (conf, master, script, compose) in [
        (
            "Socket local:/var/spool/postfix/run/opendkim/opendkim.sock\n",
            master_cf,
            entrypoint,
            None,
        ),
        ("Socket inet:8891@localhost\n", master_cf, entrypoint, None),
        ("Socket local:{{ socket_dir }}/opendkim.sock\n", master_cf, entrypoint, None),
        (
            "Socket local:/run/opendkim/opendkim.sock\nInclude /etc/opendkim.d/local.conf\n",
            master_cf,
            entrypoint,
            None,
        ),
        (broken_conf, &master_cf.replace("  y  ", "  n  "), entrypoint, None),
        (
            broken_conf,
            master_cf,
            "#!/bin/sh\nmkdir -p /var/spool/postfix/run/opendkim\n\
             mount --bind /run/opendkim /var/spool/postfix/run/opendkim\nexec postfix start-fg\n",
            None,
        ),
        (
            broken_conf,
            master_cf,
            entrypoint,
            Some("services:\n  mail:\n    build: .\n    volumes:\n      - dkim:/var/spool/postfix/run/opendkim\n"),
        ),
        (
            broken_conf,
            master_cf,
            "#!/bin/sh\n/usr/sbin/opendkim -x /etc/opendkim.conf -p local:/var/spool/postfix/run/opendkim/opendkim.sock\n",
            None,
        ),
        (
            broken_conf,
            master_cf,
            "#!/bin/sh\nsed -i 's|^Socket.*|Socket local:/var/spool/postfix/opendkim/opendkim.sock|' /etc/opendkim.conf\n",
            None,
        ),
    ] {
        write(&root.join("opendkim.conf"), conf);
        write(&root.join("postfix/master.cf"), master);
        write(&root.join("entrypoint.sh"), script);
        let compose_file = root.join("docker-compose.yml");
        match compose {
            Some(text) => write(&compose_file, text),
            None => {
                let _ = std::fs::remove_file(&compose_file);
            }
        }
        let out = short(root);
        assert!(
            !out.contains("error[socket-outside-chroot]"),
            "{conf} {master} {script} {compose:?}: {out}"
        );
    }
    // Without the copy into the image, opendkim.conf is no file of the server.
    write(&root.join("opendkim.conf"), broken_conf);
    write(&root.join("postfix/master.cf"), master_cf);
    write(&root.join("entrypoint.sh"), entrypoint);
    let _ = std::fs::remove_file(root.join("docker-compose.yml"));
    assert!(short(root).contains("error[socket-outside-chroot]"));
    write(
        &root.join("Dockerfile"),
        &dockerfile.replace("COPY opendkim.conf /etc/opendkim.conf\n", ""),
    );
    let out = short(root);
    assert!(!out.contains("error[socket-outside-chroot]"), "{out}");
    // A tree that mirrors / holds it at etc/opendkim.conf.
    let tree = tempfile::tempdir().unwrap();
    write(&tree.path().join("etc/postfix/main.cf"), main_cf);
    write(&tree.path().join("etc/postfix/master.cf"), master_cf);
    write(&tree.path().join("etc/opendkim.conf"), broken_conf);
    let out = short(tree.path());
    assert!(
        out.contains("etc/postfix/main.cf:3:17: error[socket-outside-chroot]"),
        "{out}"
    );
}

/// The mode the Ansible task or Salt state that installs main.cf gives it is the server's
/// (felixhummel, cfluegel, hugoShaka): one that other users cannot read is reported at the
/// task's mode. A mode Ansible reads in decimal, a symbolic or templated one, another task's
/// mode and tasks that disagree are not.
#[test]
fn a_main_cf_mode_a_task_declares_is_checked() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("templates/main.cf.j2"),
        "compatibility_level = 3.6\nmyhostname = {{ fqdn }}\nmydestination = localhost\n",
    );
    let task = |mode: &str| {
        format!(
            "- name: mailname\n  template:\n    src: mailname.j2\n    dest: /etc/mailname\n    mode: '0600'\n\
             - name: main.cf\n  ansible.builtin.template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n    owner: root\n    mode: {mode}\n"
        )
    };
    let tasks = root.join("tasks/main.yml");
    write(&tasks, &task("'0640'"));
    let short = |root: &Path| short_of(root, "main-cf-unreadable");
    let out = short(root);
    insta::assert_snapshot!("discover__main_cf_mode_declared", out);
    assert!(
        out.contains("tasks/main.yml:11:11: error[main-cf-unreadable]: Ansible installs main.cf with mode 0640"),
        "{out}"
    );
    for mode in ["0600", "\"0400\"", "0640 # hides the relay password"] {
        write(&tasks, &task(mode));
        assert!(short(root).contains("error[main-cf-unreadable]"), "{mode}");
    }
    // Decimal to Ansible: `640` is 0o1200, which other users cannot read.
    write(&tasks, &task("640"));
    let out = short(root);
    assert!(
        out.contains("mode 1200 (Ansible reads `640` as a decimal number)"),
        "{out}"
    );
    // Near-misses: readable (`644` is 0o1204 to Ansible), symbolic, a variable.
    for mode in [
        "'0644'",
        "0644",
        "644",
        "u=rw,g=r,o=r",
        "\"{{ postfix_main_cf_mode }}\"",
    ] {
        write(&tasks, &task(mode));
        let out = short(root);
        assert!(out.contains("No problems found"), "{mode}: {out}");
    }
    // Only the mailname task has a mode.
    write(&tasks, &task("'0640'").replace("    mode: '0640'\n", ""));
    assert!(short(root).contains("No problems found"));
    // Two tasks that install it with different modes.
    write(&tasks, &task("'0640'"));
    write(
        &root.join("tasks/other.yml"),
        "- template: src=main.cf.j2 dest=/etc/postfix/main.cf mode=0644\n",
    );
    assert!(short(root).contains("No problems found"));
    std::fs::remove_file(root.join("tasks/other.yml")).unwrap();
    // A Salt state.
    let salt = tempfile::tempdir().unwrap();
    write(
        &salt.path().join("postfix/files/main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n",
    );
    let state = "/etc/postfix/main.cf:\n  file.managed:\n    - source: salt://postfix/files/main.cf\n    - user: root\n    - mode: 600\n\n\
                 /etc/postfix/sasl_passwd:\n  file.managed:\n    - source: salt://postfix/files/sasl_passwd\n    - mode: 600\n";
    write(&salt.path().join("postfix/init.sls"), state);
    let out = short(salt.path());
    assert!(
        out.contains("postfix/init.sls:5:13: error[main-cf-unreadable]: Salt installs main.cf with mode 0600"),
        "{out}"
    );
    write(
        &salt.path().join("postfix/init.sls"),
        &state.replacen("- mode: 600", "- mode: 644", 1),
    );
    assert!(short(salt.path()).contains("No problems found"));
}

/// Two configurations that share a file (main.cf and a variant of it beside one master.cf,
/// ronron22/puppet-module-postfix) report what is wrong in that file once; what differs
/// between them is still reported for each.
#[test]
fn a_file_two_configurations_share_is_reported_once() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path().join("etc/postfix");
    write(
        &dir.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n",
    );
    write(&dir.join("main.cf-womilter"), "mydestination = localhost\n");
    write(
        &dir.join("master.cf"),
        "smtp inet n - y - - smtpd\nsmtp inet n - y - - smtpd\n",
    );
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(
        out.matches("etc/postfix/master.cf:1:1: warning[invalid-syntax]")
            .count(),
        1,
        "{out}"
    );
    assert!(
        out.contains("etc/postfix/main.cf-womilter:1:1: warning[compatibility-level]"),
        "{out}"
    );
}

/// A database .cf file with a password that the Ansible task installing it makes readable by
/// every user (`mode: '0644'`), or by a group other than root and postfix, is reported at its
/// password, with the task's mode beside it; 0640 for root or postfix, a mode Ansible reads in
/// decimal and no mode at all are not.
#[test]
fn a_password_file_a_task_makes_readable_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("templates/main.cf.j2"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         virtual_mailbox_domains = mysql:/etc/postfix/mysql-domains.cf\n",
    );
    write(
        &root.join("templates/mysql-domains.cf.j2"),
        "hosts = 127.0.0.1\nuser = mail\npassword = {{ db_password }}\ndbname = mail\n\
         query = SELECT 1 FROM domains WHERE name='%s'\n",
    );
    let tasks = |mode: &str, group: &str| {
        format!(
            "- name: main.cf\n  template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n    mode: '0644'\n\
             - name: domains\n  template:\n    src: mysql-domains.cf.j2\n    dest: /etc/postfix/mysql-domains.cf\n    \
             owner: root\n    group: {group}\n{mode}"
        )
    };
    let file = root.join("tasks/main.yml");
    write(&file, &tasks("    mode: '0644'\n", "root"));
    let short = |root: &Path| short_of(root, "secret-readable");
    let out = short(root);
    insta::assert_snapshot!("discover__password_file_mode_declared", out);
    assert!(
        out.contains("templates/mysql-domains.cf.j2:3:1: error[secret-readable]"),
        "{out}"
    );
    let human = run(root, &["--discover", "--select=secret-readable"]).1;
    assert!(
        human.contains("Ansible installs it with mode 0644"),
        "{human}"
    );
    assert!(!human.contains("db_password"), "{human}");
    // `mode: 644` is decimal to Ansible: 0o1204, which every user may read.
    write(&file, &tasks("    mode: 644\n", "root"));
    let out = short(root);
    assert!(
        out.contains("can read it (mode 1204, as the Ansible task that installs it says)"),
        "{out}"
    );
    // A group other than root and postfix may read it.
    write(&file, &tasks("    mode: '0640'\n", "www-data"));
    assert!(
        short(root).contains("the group www-data can read it"),
        "{}",
        short(root)
    );
    // Near-misses.
    for (mode, group) in [
        ("    mode: '0640'\n", "postfix"),
        ("    mode: '0640'\n", "root"),
        ("    mode: 0600\n", "www-data"),
        // Decimal to Ansible: 0o1130.
        ("    mode: 600\n", "root"),
        ("", "root"),
    ] {
        write(&file, &tasks(mode, group));
        let out = short(root);
        assert!(
            !out.contains("error[secret-readable]"),
            "{mode} {group}: {out}"
        );
    }
}

/// A relay password table (smtp_sasl_password_maps) that the Ansible task installing it makes
/// readable by every user is reported at its first `user:password` line, even though the
/// template's entries are unknown, and the password template's text is never shown; 0600,
/// 0640 for group postfix, a table of another parameter and a value without a password are
/// not.
#[test]
fn a_relay_password_table_a_task_makes_readable_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let main_cf = |param: &str| {
        format!(
            "compatibility_level = 3.6\nrelayhost = [{{{{ relay_host }}}}]:587\n\
             smtp_sasl_auth_enable = yes\n{param} = hash:/etc/postfix/sasl_passwd\n\
             smtp_tls_security_level = encrypt\n"
        )
    };
    write(
        &root.join("templates/main.cf.j2"),
        &main_cf("smtp_sasl_password_maps"),
    );
    let credentials = root.join("templates/sasl_passwd.j2");
    write(
        &credentials,
        "# relay credentials\n[{{ relay_host }}]:587 {{ relay_user }}:{{ relay_secret_var }}\n",
    );
    let tasks = |mode: &str, group: &str| {
        format!(
            "- name: main.cf\n  template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n    mode: '0644'\n\
             - name: credentials\n  template:\n    src: sasl_passwd.j2\n    dest: /etc/postfix/sasl_passwd\n    \
             owner: root\n    group: {group}\n    mode: '{mode}'\n  notify: postmap sasl_passwd\n"
        )
    };
    let file = root.join("tasks/main.yml");
    write(&file, &tasks("0644", "root"));
    let out = short_of(root, "secret-readable");
    insta::assert_snapshot!("discover__relay_password_table_mode_declared", out);
    assert!(
        out.contains("templates/sasl_passwd.j2:2:24: error[secret-readable]"),
        "{out}"
    );
    let human = run(root, &["--discover", "--select=secret-readable"]).1;
    assert!(
        human.contains("Ansible installs it with mode 0644"),
        "{human}"
    );
    assert!(human.contains("give it `mode: '0600'`"), "{human}");
    let json = run(root, &["--discover", "--format=json"]).1;
    for shown in [human, json] {
        assert!(!shown.contains("relay_secret_var"), "{shown}");
    }
    // Near-misses.
    for (mode, group) in [("0600", "root"), ("0640", "postfix")] {
        write(&file, &tasks(mode, group));
        let out = short_of(root, "secret-readable");
        assert!(!out.contains("error[secret-readable]"), "{mode}: {out}");
    }
    write(&file, &tasks("0644", "root"));
    write(
        &root.join("templates/main.cf.j2"),
        &main_cf("transport_maps"),
    );
    let out = short_of(root, "secret-readable");
    assert!(!out.contains("error[secret-readable]"), "{out}");
    write(
        &root.join("templates/main.cf.j2"),
        &main_cf("smtp_sasl_password_maps"),
    );
    write(&credentials, "[{{ relay_host }}]:587 {{ relay_login }}\n");
    let out = short_of(root, "secret-readable");
    assert!(!out.contains("error[secret-readable]"), "{out}");
}

/// The same password file when main.cf names its maps through variables postlint does not
/// know (`virtual_mailbox_domains = {{ postfix_domains_map }}`, an Ansible role's defaults):
/// the task still installs it readable, and it is reported at its password (SniperCZE's loop
/// of `template: ... mode=0644`, corpus set 233). Not a file without a password, one without
/// the keys of a database client, one installed outside a Postfix directory, a link out of the
/// repository, one installed 0640, or main.cf itself.
#[test]
fn a_password_file_no_table_names_is_reported_when_a_task_makes_it_readable() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("templates/etc/postfix/main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         virtual_mailbox_domains = {{ postfix_domains_map }}\n",
    );
    let cf = "hosts = 127.0.0.1\nuser = mail\npassword = {{ db_password }}\ndbname = mail\n\
              query = SELECT 1 FROM domains WHERE name='%s'\n";
    write(&root.join("templates/etc/postfix/mysql-domains.cf"), cf);
    write(
        &root.join("templates/etc/postfix/no-password.cf"),
        "hosts = 127.0.0.1\nuser = mail\ndbname = mail\nquery = SELECT 1\n",
    );
    write(
        &root.join("templates/etc/postfix/not-a-client.cf"),
        "password = {{ other }}\nname = x\n",
    );
    write(&root.join("templates/etc/app/db.cf"), cf);
    // A link out of the repository is never read.
    let elsewhere = tempfile::tempdir().unwrap();
    write(&elsewhere.path().join("secret.cf"), cf);
    std::os::unix::fs::symlink(
        elsewhere.path().join("secret.cf"),
        root.join("templates/etc/postfix/outside.cf"),
    )
    .unwrap();
    let file = root.join("tasks/main.yml");
    let tasks = |mode: &str| {
        format!(
            "- name: Configure postfix\n  template: src=\"etc/{{{{item}}}}\" dest=\"/etc/{{{{item}}}}\" \
             owner=root group=root mode={mode}\n  with_items:\n  - \"postfix/main.cf\"\n  \
             - \"postfix/mysql-domains.cf\"\n  - \"postfix/no-password.cf\"\n  \
             - \"postfix/not-a-client.cf\"\n  - \"app/db.cf\"\n  - \"postfix/outside.cf\"\n"
        )
    };
    write(&file, &tasks("0644"));
    let out = short_of(root, "secret-readable");
    insta::assert_snapshot!("discover__password_file_no_table_names", out);
    assert_eq!(out.matches("error[secret-readable]").count(), 1, "{out}");
    assert!(
        out.contains("templates/etc/postfix/mysql-domains.cf:3:1: error[secret-readable]"),
        "{out}"
    );
    let human = run(root, &["--discover", "--select=secret-readable"]).1;
    assert!(
        human.contains("Ansible installs it with mode 0644"),
        "{human}"
    );
    assert!(!human.contains("db_password"), "{human}");
    // Near-miss: the same loop installs them 0640 for root.
    write(&file, &tasks("0640"));
    let out = short_of(root, "secret-readable");
    assert!(!out.contains("error[secret-readable]"), "{out}");
}

/// A system image holds the files the Postfix package installs besides the configuration:
/// Postfix 2's `usr/lib/postfix/main.cf` prototype, Debian's `usr/share/postfix/main.cf.debian`
/// and `main.cf.tls`, the documentation's samples (cdn-img/gopanel). They are passed over, and
/// said; the image's etc/postfix is linted.
#[test]
fn the_postfix_packages_own_files_in_an_image_are_passed_over() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path().join("rootfs");
    write(&root.join("etc/postfix/main.cf"), BROKEN);
    for file in [
        "usr/lib/postfix/main.cf",
        "usr/lib/postfix/master.cf",
        "usr/share/postfix/main.cf.debian",
        "usr/share/postfix/main.cf.tls",
        "usr/share/doc/postfix/examples/main.cf",
    ] {
        write(&root.join(file), "smtpd_use_tls = yes\n");
    }
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(out.contains("rootfs/etc/postfix/main.cf:"), "{out}");
    assert!(!out.contains("rootfs/usr/"), "{out}");
    assert!(
        err.contains(
            "skipped rootfs/usr/share/postfix/main.cf.debian: a file the Postfix package installs"
        ),
        "{err}"
    );
}

/// A set-up script whose name says nothing (`run-postfix`, the Dockerfile's ENTRYPOINT,
/// benedekl/docker-postfix) is read by its `#!` line: the parameters it sets are unknown.
/// A file without one (a table named `transport`) is no script.
#[test]
fn a_script_named_without_extension_is_read_by_its_shebang() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("conf/main.cf"),
        "myhostname = mail.example.com\nmydestination =\n",
    );
    write(
        &root.join("Dockerfile"),
        "FROM alpine:3.13\nRUN apk add --no-cache bash postfix\nCOPY conf /etc/postfix\n\
         COPY run-postfix /run-postfix\nENTRYPOINT [\"/run-postfix\"]\n",
    );
    let short = |root: &Path| short_of(root, "compatibility-level");
    for shebang in [
        "#!/bin/bash",
        "#!/usr/bin/env sh",
        "#!/command/with-contenv bash",
    ] {
        write(
            &root.join("run-postfix"),
            &format!(
                "{shebang}\npostconf -e \"compatibility_level = $LEVEL\"\nexec postfix start-fg\n"
            ),
        );
        let out = short(root);
        assert!(out.contains("No problems found"), "{shebang}: {out}");
    }
    // Without a shell's `#!` line it is not read.
    for head in [
        "#!/usr/bin/python3",
        "# postconf -e compatibility_level=3.6",
    ] {
        write(
            &root.join("run-postfix"),
            &format!("{head}\npostconf -e \"compatibility_level = $LEVEL\"\n"),
        );
        let out = short(root);
        assert!(
            out.contains("warning[compatibility-level]"),
            "{head}: {out}"
        );
    }
}

/// A main.cf that the Dockerfile copies into the image and applies to the image's own main.cf
/// with postconf, line by line (ot-nemoto/docker-lib-postfix), holds settings to add: every
/// parameter it does not set is the package's, and unknown. Copied elsewhere and not read by
/// postconf, or read by another command, it is linted as a whole main.cf.
#[test]
fn a_main_cf_a_dockerfile_applies_with_postconf_is_a_dropin() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("config/main.cf"),
        "myhostname = mail.example.com\nrelayhost = [smtp.example.net]:587\n\
         smtp_tls_security_level = encrypt\n",
    );
    let dockerfile = |run: &str| {
        format!(
            "FROM ubuntu:20.04\nRUN apt-get update && apt-get install -y postfix\nWORKDIR /root\n\
             COPY config/main.cf main.cf\nRUN {run}\n"
        )
    };
    let short = |root: &Path| run(root, &["--discover", "--format", "short"]).1;
    for applied in [
        "cat main.cf | while read line; do postconf $(echo $line | tr -d ' ') ; done",
        "while read -r l; do postconf -e \"$l\"; done < /root/main.cf",
        "xargs -d '\\n' postconf -e < main.cf",
    ] {
        write(&root.join("Dockerfile"), &dockerfile(applied));
        let out = short(root);
        assert!(!out.contains("compatibility-level"), "{applied}: {out}");
        assert!(!out.contains("relay-check-missing"), "{applied}: {out}");
    }
    // Near-misses: postconf reads another file; the file is only copied.
    for run_line in [
        "postconf -e myhostname=mx.example.com && cat other.cf",
        "cat main.cf",
    ] {
        write(&root.join("Dockerfile"), &dockerfile(run_line));
        let out = short(root);
        assert!(
            out.contains("error[relay-check-missing]"),
            "{run_line}: {out}"
        );
    }
}

/// A file named main.cf that is another program's INI file (telegram-mailgate's own
/// configuration) is passed over, and said; a Postfix main.cf whose first line names a
/// host in brackets as a value is not.
#[test]
fn an_ini_file_named_main_cf_is_passed_over() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("main.cf"),
        "# telegram-mailgate\n[core]\nlogging_conf_file=/etc/telegram-mailgate/logging.cf\n\n[api]\nkey=\n",
    );
    let (code, _, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("an INI file (it starts with a `[section]` line)"),
        "{err}"
    );
    write(
        &repo.path().join("main.cf"),
        "relayhost = [smtp.example.net]:587\n[core]\n",
    );
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(out.contains("error[invalid-syntax]"), "{out}");
}

/// A system image in the repository says which Postfix it runs: the postfix package its
/// package database lists (dpkg's status file, apk's installed database) is the release the
/// image's main.cf is linted for (jasonschulte/pve-live-usb, Postfix 3.1.8, where an smtpd
/// without restrictions still starts).
#[test]
fn the_package_database_of_a_system_image_sets_the_release() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path().join("rootfs");
    write(
        &root.join("etc/postfix/main.cf"),
        "myhostname = pve.example.com\nmydestination = $myhostname, localhost\n",
    );
    let status = |version: &str| {
        format!(
            "Package: postfix\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\n"
        )
    };
    let dpkg = root.join("var/lib/dpkg/status");
    write(&dpkg, &status("3.1.8-0+deb9u1"));
    let (_, out, err) = run(
        repo.path(),
        &["--discover", "--format", "short", "--verbose"],
    );
    assert!(!out.contains("relay-check-missing"), "{out}");
    assert!(
        err.contains("linting for Postfix 3.1 (the postfix package 3.1.8 that rootfs/var/lib/dpkg/status lists"),
        "{err}"
    );
    write(&dpkg, &status("3.7.11-0+deb12u1"));
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(out.contains("error[relay-check-missing]"), "{out}");
    // Alpine's database.
    std::fs::remove_file(&dpkg).unwrap();
    write(
        &root.join("lib/apk/db/installed"),
        "P:postfix\nV:3.1.3-r0\n\n",
    );
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!out.contains("relay-check-missing"), "{out}");
}

/// The image's `chmod` that takes other users' access to main.cf is a warning on the
/// Dockerfile's line (tests/oracle_main_cf_mode.rs runs each command for real); a `COPY` of
/// main.cf after it, or a later chmod that gives read access back, undoes it; the directory's
/// mode stays whatever is copied into it.
#[test]
fn a_dockerfile_chmod_that_closes_main_cf_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("conf/main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n",
    );
    let short = |root: &Path| short_of(root, "main-cf-unreadable");
    let dockerfile = |lines: &str| {
        write(
            &root.join("Dockerfile"),
            &format!("FROM debian:12\nRUN apt-get install -y postfix\n{lines}"),
        )
    };
    dockerfile("COPY conf/ /etc/postfix/\nRUN chmod -R go-rwx /etc/postfix/\n");
    let out = short(root);
    insta::assert_snapshot!("discover__dockerfile_chmod_closes_main_cf", out);
    assert!(
        out.contains("Dockerfile:4:5: warning[main-cf-unreadable]"),
        "{out}"
    );
    for (lines, reported) in [
        ("RUN chmod 600 /etc/postfix/main.cf\nCOPY conf/ /etc/postfix/\n", false),
        ("RUN chmod 750 /etc/postfix\nCOPY conf/ /etc/postfix/\n", true),
        (
            "COPY conf/ /etc/postfix/\nRUN chmod -R go-rwx /etc/postfix && chmod 755 /etc/postfix && chmod 644 /etc/postfix/main.cf\n",
            false,
        ),
        ("COPY conf/ /etc/postfix/\nRUN chmod 600 /etc/postfix/sasl_passwd\n", false),
    ] {
        dockerfile(lines);
        let out = short(root);
        assert_eq!(out.contains("warning[main-cf-unreadable]"), reported, "{lines}: {out}");
    }
}

/// A Fabric deploy script's `sudo('postconf -e "name = %s"' % host)` sets the parameter
/// (thegogame/mail-submit-server): its value is unknown, not the empty one main.cf writes.
/// Another Python file is not read.
#[test]
fn a_fabric_deploy_script_sets_parameters() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("config/main.cf"),
        "compatibility_level = 3.6\nmyhostname =\nmydestination =\n",
    );
    let fabric = "from fabric.api import put, sudo, env\n\ndef deploy():\n    \
                  put('config/main.cf', '/etc/postfix', use_sudo=True)\n    \
                  sudo('postconf -e \"myhostname = %s\"' % env.host_string)\n";
    write(&root.join("fabfile.py"), fabric);
    let short = |root: &Path| short_of(root, "invalid-value");
    let out = short(root);
    assert!(out.contains("No problems found"), "{out}");
    std::fs::remove_file(root.join("fabfile.py")).unwrap();
    write(&root.join("deploy/tasks.py"), fabric);
    let out = short(root);
    assert!(out.contains("error[invalid-value]"), "{out}");
    write(&root.join("fabfile/__init__.py"), fabric);
    let out = short(root);
    assert!(out.contains("No problems found"), "{out}");
}

/// A script that writes main.cf with a here-document is a configuration of its own; one that
/// only appends to the image's main.cf, feeds a document to another program or names main.cf
/// in a here-string is not.
#[test]
fn here_documents_that_replace_main_cf_are_configurations() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("append-only.sh"),
        "#!/bin/sh\ncat >> /etc/postfix/main.cf <<'EOF'\nmynetworks = 0.0.0.0/0\nEOF\n\
         grep -q relay <<< \"main.cf\"\nmysql mail <<SQL > /tmp/main.cf.sql\nSELECT 1;\nSQL\n\
         cat /etc/postfix/main.cf <<EOF\nmynetworks = 0.0.0.0/0\nEOF\n",
    );
    let (code, _, err) = run(repo.path(), &["--discover"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("found no main.cf under ."), "{err}");

    // Two documents that replace main.cf (one per branch): two configurations, each named
    // by its command's line, each finding at the script's own line.
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("setup/install.sh"),
        "#!/bin/bash\nif [ \"$1\" = relay ]; then\n  cat > /etc/postfix/main.cf <<EOF\n\
         compatibility_level = 3.6\nmynetworks = 0.0.0.0/0\nEOF\nelse\n  \
         cat <<EOF | sudo tee /etc/postfix/main.cf >/dev/null\n\
         compatibility_level = 3.6\nsmtpd_use_tls = yes\nEOF\nfi\n",
    );
    let (code, out, err) = run(
        repo.path(),
        &["--discover", "--format", "short", "--verbose"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("postlint: found setup/install.sh:3\n"),
        "{err}"
    );
    assert!(
        err.contains("postlint: found setup/install.sh:8\n"),
        "{err}"
    );
    assert!(
        out.contains("setup/install.sh:5:14: error[mynetworks-too-broad]"),
        "{out}"
    );
    assert!(
        out.contains("setup/install.sh:10:1: warning[deprecated-parameter]"),
        "{out}"
    );
    assert!(out.contains("2 problems"), "{out}");

    // An Ansible `shell: |` block: YAML takes the block's indent out before the shell runs.
    let ansible = tempfile::tempdir().unwrap();
    write(
        &ansible.path().join("roles/mail/tasks/main.yml"),
        "- name: write main.cf\n  shell: |\n    cat > /etc/postfix/main.cf <<'EOF'\n    \
         compatibility_level = 3.6\n    mynetworks = 0.0.0.0/0\n    EOF\n",
    );
    let (code, out, err) = run(ansible.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("roles/mail/tasks/main.yml:5:18: error[mynetworks-too-broad]"),
        "{out}"
    );

    // A Dockerfile's `COPY <<EOF` (BuildKit): the image's main.cf.
    let docker = tempfile::tempdir().unwrap();
    write(
        &docker.path().join("Dockerfile"),
        "FROM debian:bookworm\nRUN apt-get install -y postfix\nCOPY <<EOF /etc/postfix/main.cf\n\
         compatibility_level = 3.6\nmynetworks = 0.0.0.0/0\nEOF\n",
    );
    let (code, out, err) = run(docker.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("Dockerfile:5:14: error[mynetworks-too-broad]"),
        "{out}"
    );
}

/// A container's `ENV` names are the variables of the scripts it runs: a `$myhostname` in the
/// entrypoint's main.cf document is that variable when a Dockerfile in or above the script's
/// directory sets it, and the shell's empty one otherwise.
#[test]
fn dockerfile_env_names_are_the_scripts_variables() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("assets/main.cf.sh"),
        "#!/bin/sh\ncat > /etc/postfix/main.cf <<EOF\ncompatibility_level = 3.6\n\
         myhostname = ${myhostname}\nmyorigin = $mydomain\nEOF\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--select",
            "shell-expanded-reference",
        ],
    );
    assert!(
        out.contains("assets/main.cf.sh:4:14: error[shell-expanded-reference]"),
        "{out}{err}"
    );
    assert!(
        out.contains("assets/main.cf.sh:5:12: error[shell-expanded-reference]"),
        "{out}{err}"
    );
    write(
        &repo.path().join("Dockerfile"),
        "FROM centos:7\nRUN yum -y install postfix\nENV myhostname=mail.example.com\n\
         ADD assets/main.cf.sh /opt/main.cf.sh\nCMD [\"/opt/main.cf.sh\"]\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--select",
            "shell-expanded-reference",
        ],
    );
    assert!(!out.contains("main.cf.sh:4:"), "{out}{err}");
    assert!(
        out.contains("assets/main.cf.sh:5:12: error[shell-expanded-reference]"),
        "{out}{err}"
    );
}

/// A main.cf that a Dockerfile copies into its image somewhere else (`ADD conf/main.cf /`,
/// which the entrypoint copies into place) is for that image's Postfix: it is linted for the
/// release of the image's package. Not for an image that installs no Postfix (`COPY . /app`).
#[test]
fn a_main_cf_copied_elsewhere_into_an_image_takes_its_release() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("conf/main.cf"),
        "compatibility_level = 2\nmyhostname = mail.example.com\nsmtpd_use_tls = yes\n",
    );
    write(
        &repo.path().join("conf/start.sh"),
        "#!/bin/sh\ncp /main.cf /etc/postfix/main.cf\nexec postfix start-fg\n",
    );
    write(
        &repo.path().join("Dockerfile"),
        "FROM ubuntu:20.04\nRUN apt-get update && apt-get install -y postfix\n\
         ADD conf/main.cf /\nADD conf/start.sh /start.sh\nCMD [\"/start.sh\"]\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &["--discover", "--format", "short", "--verbose"],
    );
    assert!(err.contains("linting for Postfix 3.4"), "{err}");
    assert!(!out.contains("deprecated-parameter"), "{out}");
    write(
        &repo.path().join("Dockerfile"),
        "FROM ubuntu:20.04\nRUN apt-get update && apt-get install -y php\nCOPY . /app\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &["--discover", "--format", "short", "--verbose"],
    );
    assert!(!err.contains("linting for Postfix 3.4"), "{err}");
    assert!(out.contains("deprecated-parameter"), "{out}");
}

/// A Dockerfile that copies a file of another name over main.cf (`COPY postfix.conf
/// /etc/postfix/main.cf`) makes it the image's main.cf: it is linted, with the image's
/// release; a file it copies elsewhere is not a main.cf.
#[test]
fn a_file_a_dockerfile_copies_over_main_cf_is_linted() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("relay/postfix.conf"),
        "compatibility_level = 2\nmyhostname = relay.example.com\nmynetworks = 0.0.0.0/0\n",
    );
    write(
        &repo.path().join("relay/other.conf"),
        "compatibility_level = 2\nmynetworks = 0.0.0.0/0\n",
    );
    write(
        &repo.path().join("relay/Dockerfile"),
        "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y postfix\n\
         COPY postfix.conf /etc/postfix/main.cf\nCOPY other.conf /etc/other.conf\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &["--discover", "--format", "short", "--verbose"],
    );
    assert!(
        err.contains(
            "found relay/postfix.conf (relay/Dockerfile installs it as /etc/postfix/main.cf)"
        ),
        "{err}"
    );
    assert!(err.contains("postfix package of ubuntu:22.04"), "{err}");
    assert!(
        out.contains("relay/postfix.conf:3:14: error[mynetworks-too-broad]"),
        "{out}"
    );
    assert!(!out.contains("other.conf"), "{out}");
}

/// An image of an old release (ubuntu:precise packages Postfix 2.9, centos:7 2.10) is linted
/// for that release, with postlint's warning that its data starts later: not as the newest
/// release, whose smtpd refuses to start without reject_unauth_destination in
/// smtpd_relay_restrictions, a parameter 2.9 does not have (yuanying/docker-postfix).
#[test]
fn an_image_of_an_old_release_is_linted_for_it() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("postfix/main.cf"),
        "myhostname = mail.example.com\nmydestination = localhost\nmynetworks = 127.0.0.0/8\n",
    );
    for (from, install, release) in [
        (
            "ubuntu:precise",
            "apt-get update && apt-get install -y postfix",
            "2.9",
        ),
        ("centos:7", "yum install -y postfix", "2.10"),
    ] {
        write(
            &repo.path().join("Dockerfile"),
            &format!("FROM {from}\nRUN {install}\nADD postfix/main.cf /etc/postfix/main.cf\n"),
        );
        let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
        assert!(!out.contains("relay-check-missing"), "{from}: {out}");
        assert!(
            err.contains(&format!("not {release} (the postfix package of {from}")),
            "{from}: {err}"
        );
    }
}

/// A role's `lineinfile` on main.cf where FreeBSD's package keeps it
/// (/usr/local/etc/postfix/main.cf) is read as one on /etc/postfix/main.cf
/// (vbotka/ansible-freebsd-mailserver). Near-miss: another instance's main.cf.
#[test]
fn a_role_that_edits_freebsd_s_main_cf_is_linted() {
    let repo = tempfile::tempdir().unwrap();
    let tasks = repo.path().join("tasks/main.yml");
    let task = |path: &str| {
        format!(
            "- name: Postfix main.cf\n  ansible.builtin.lineinfile:\n    dest: {path}\n    \
             regexp: ^mynetworks\n    line: \"mynetworks = 0.0.0.0/0\"\n"
        )
    };
    write(&tasks, &task("/usr/local/etc/postfix/main.cf"));
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(
        out.contains("tasks/main.yml:5:") && out.contains("[mynetworks-too-broad]"),
        "{out}"
    );
    write(&tasks, &task("/usr/local/etc/postfix-out/main.cf"));
    let out = run(repo.path(), &["--discover", "--format", "short"]).1;
    assert!(!out.contains("mynetworks-too-broad"), "{out}");
}

/// A Helm chart's ConfigMap that writes main.cf out: linted at the chart's lines, its
/// `{{ .Values.x }}` unknown (survey X2). A block with `{{- if }}` lines is read too: the lines
/// inside are conditional (their findings not reported as certain), the others linted, with
/// the `if` and `end` at any indentation.
#[test]
fn a_helm_config_map_is_linted_with_its_values_unknown() {
    let repo = tempfile::tempdir().unwrap();
    let chart = repo.path().join("chart/templates/configmap.yaml");
    let head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"postfix.fullname\" . }}\ndata:\n  main.cf: |\n    compatibility_level = 3.6\n    myhostname = {{ .Values.myhostname }}\n";
    write(
        &chart,
        &format!("{head}    mynetworks = 0.0.0.0/0\n    smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"),
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("chart/templates/configmap.yaml:9:18: error[mynetworks-too-broad]"),
        "{out}{err}"
    );
    assert!(out.contains("1 template expression"), "{out}");
    for (open, close) in [("    ", "    "), ("", ""), ("", "  ")] {
        write(
            &chart,
            &format!("{head}{open}{{{{- if .Values.open }}}}\n    mynetworks = 0.0.0.0/0\n{close}{{{{- end }}}}\n    smtpd_use_tls = yes\n"),
        );
        let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
        assert!(!out.contains("mynetworks-too-broad"), "{out}");
        assert!(
            out.contains("chart/templates/configmap.yaml:12:5: warning[deprecated-parameter]"),
            "{open:?} {close:?}: {out}{err}"
        );
    }
}

/// A Dockerfile's `RUN postconf -e mydestination="$myhostname localhost.$mydomain"`: the shell
/// empties Postfix's references before postconf sees them (survey X2, pylin). So does `RUN
/// echo "smtpd_banner = $myhostname ESMTP" >> /etc/postfix/main.cf` (survey AD). Near-misses:
/// an escaped `\$`, single quotes, a name the Dockerfile gives the shell (ENV, ARG, an
/// assignment), a variable that is no Postfix parameter, a password table's setting, an echo
/// into another file.
#[test]
fn a_postfix_reference_the_shell_expands_in_a_postconf_argument_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let head = "FROM debian:bookworm\nRUN apt-get install -y postfix\nRUN postconf -e compatibility_level=3.6\n";
    let dockerfile = repo.path().join("Dockerfile");
    write(
        &dockerfile,
        &format!("{head}RUN postconf -e mydestination=\"$myhostname localhost.$mydomain\"\n"),
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("Dockerfile:4:32: error[shell-expanded-reference]: `$myhostname` and `$mydomain` in mydestination are the shell's"),
        "{out}{err}"
    );
    write(
        &dockerfile,
        &format!("{head}RUN echo \"smtpd_banner = $myhostname ESMTP\" >> /etc/postfix/main.cf\n"),
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("Dockerfile:4:26: error[shell-expanded-reference]: `$myhostname` in smtpd_banner is the shell's: main.cf gets the text"),
        "{out}{err}"
    );
    let near_misses = [
        "RUN postconf -e mydestination=\"\\$myhostname localhost\"\n",
        "RUN postconf -e 'mydestination = $myhostname localhost'\n",
        "ENV myhostname=mail.example.com\nRUN postconf -e \"mydestination = $myhostname\"\n",
        "ARG myhostname\nRUN postconf -e \"mydestination = $myhostname\"\n",
        "RUN myhostname=$(hostname -f) && postconf -e \"mydestination = $myhostname\"\n",
        "RUN postconf -e \"relayhost = $relay_host\"\n",
        "RUN postconf -e \"smtp_sasl_password_maps = static:$myhostname:secretpw\"\n",
        "RUN echo 'smtpd_banner = $myhostname ESMTP' >> /etc/postfix/main.cf\n",
        "ENV myhostname=mail.example.com\nRUN echo \"smtpd_banner = $myhostname ESMTP\" >> /etc/postfix/main.cf\n",
        "RUN echo \"smtpd_banner = $myhostname ESMTP\" >> /tmp/main.cf.notes\n",
    ];
    for line in near_misses {
        write(&dockerfile, &format!("{head}{line}"));
        let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
        assert!(!out.contains("shell-expanded-reference"), "{line}: {out}");
        assert!(
            !out.contains("secretpw") && !err.contains("secretpw"),
            "{out}{err}"
        );
    }
}

/// The same in an image's start script: `postconf -e "smtpd_banner = $myhostname ESMTP"` in
/// entrypoint.sh gets the shell's empty `myhostname` (survey AE3, checked with postconf:
/// main.cf gets `smtpd_banner =  ESMTP`). Near-misses: a name the script gives a value or reads
/// itself, one the image sets with ENV, a script that sources its settings, and a setting that
/// names itself (`myhostname = $myhostname`, the container's variable on purpose).
#[test]
fn a_postfix_reference_the_shell_expands_in_a_start_script_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let dockerfile = repo.path().join("Dockerfile");
    let script = repo.path().join("entrypoint.sh");
    let image = |env: &str| {
        format!(
            "FROM debian:bookworm\nRUN apt-get install -y postfix\n{env}COPY entrypoint.sh /entrypoint.sh\n\
             ENTRYPOINT [\"/entrypoint.sh\"]\n"
        )
    };
    let head = "#!/bin/sh\npostconf -e compatibility_level=3.6\n";
    write(&dockerfile, &image(""));
    write(
        &script,
        &format!("{head}postconf -e \"smtpd_banner = $myhostname ESMTP\"\nexec postfix start-fg\n"),
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("entrypoint.sh:3:29: error[shell-expanded-reference]: `$myhostname` in smtpd_banner is the shell's: postconf gets the argument after the shell has replaced it with its variable `myhostname`, which the script never sets"),
        "{out}{err}"
    );
    let near_misses = [
        (
            "",
            "myhostname=$(hostname -f)\npostconf -e \"smtpd_banner = $myhostname ESMTP\"\n",
        ),
        (
            "",
            "[ -n \"$myhostname\" ] || exit 1\npostconf -e \"smtpd_banner = $myhostname ESMTP\"\n",
        ),
        (
            "ENV myhostname=mail.example.com\n",
            "postconf -e \"smtpd_banner = $myhostname ESMTP\"\n",
        ),
        (
            "",
            ". /etc/default/mail\npostconf -e \"smtpd_banner = $myhostname ESMTP\"\n",
        ),
        ("", "postconf -e \"myhostname = $myhostname\"\n"),
        ("", "postconf -e 'smtpd_banner = $myhostname ESMTP'\n"),
    ];
    for (env, lines) in near_misses {
        write(&dockerfile, &image(env));
        write(&script, &format!("{head}{lines}exec postfix start-fg\n"));
        let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
        assert!(
            !out.contains("shell-expanded-reference"),
            "{env}{lines}: {out}"
        );
    }
}

/// An Ansible role whose `copy` task installs a directory (`src: "{{ role_path
/// }}/files/postfix/"`, `dest: /etc/postfix/`) holding master.cf, beside a `template` task for
/// main.cf: the two are linted together (survey Z1, a port 465 service without wrapper mode
/// that only shows with main.cf). Near-misses: two master.cf installed (one per kind of host),
/// and a `src` without the trailing `/` (the directory lands as /etc/postfix/postfix/).
#[test]
fn a_master_cf_a_role_copies_with_its_directory_goes_with_the_roles_main_cf() {
    let repo = tempfile::tempdir().unwrap();
    let role = repo.path().join("roles/postfix");
    write(
        &role.join("templates/main.cf.j2"),
        "compatibility_level = 3.6\nmyhostname = {{ inventory_hostname }}\n",
    );
    write(
        &role.join("files/postfix/master.cf"),
        "smtp inet n - y - - smtpd\nsmtps inet n - y - - smtpd\n",
    );
    write(
        &role.join("files/postfix/header_checks"),
        "/^X-Spam:/ IGNORE\n",
    );
    let tasks = role.join("tasks/main.yml");
    let task = |src: &str| {
        format!("- name: files\n  copy:\n    src: \"{src}\"\n    dest: /etc/postfix/\n- name: main.cf\n  template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n")
    };
    for src in ["{{ role_path }}/files/postfix/", "postfix/"] {
        write(&tasks, &task(src));
        let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
        assert!(
            out.contains(
                "roles/postfix/files/postfix/master.cf:2:1: error[tls-wrappermode-missing]"
            ),
            "{src}: {out}{err}"
        );
        let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
        assert!(
            !err.contains("linting roles/postfix/files/postfix/master.cf\n"),
            "{err}"
        );
    }
    // Without the `/`, the directory itself is copied: /etc/postfix/postfix/master.cf, which
    // is linted alone.
    write(&tasks, &task("postfix"));
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    assert!(
        err.contains("linting roles/postfix/files/postfix/master.cf\n"),
        "{err}"
    );
    // Two master.cf installed: which one goes with main.cf is unknown.
    write(
        &role.join("files/other/master.cf"),
        "smtp inet n - y - - smtpd\n",
    );
    write(
        &tasks,
        &format!(
            "{}- name: other\n  copy:\n    src: other/\n    dest: /etc/postfix/\n",
            task("postfix/")
        ),
    );
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    assert!(
        err.contains("linting roles/postfix/files/postfix/master.cf\n"),
        "{err}"
    );
}

/// An entrypoint that wraps postconf in a function (`add_config_value "mynetworks" "..."`,
/// whose body runs `postconf -e "${key} = ${value}"`): each call is a setting (survey Z2,
/// four images); the wrapper's own postconf sets nothing by itself. Near-misses: a call with a
/// variable's value, and a function with two postconf commands (no one key and value).
#[test]
fn a_function_that_wraps_postconf_makes_settings() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian:bookworm\nRUN apt-get install -y postfix\nCOPY run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n",
    );
    let wrapper = "#!/bin/bash\nfunction add_config_value() {\n  local key=${1}\n  local value=${2}\n  echo \"Setting ${key} to ${value}\"\n  postconf -e \"${key} = ${value}\"\n}\n";
    let script = repo.path().join("run.sh");
    write(
        &script,
        &format!("{wrapper}add_config_value \"compatibility_level\" \"3.6\"\nadd_config_value \"mynetworks\" \"0.0.0.0/0\"\nexec postfix start-fg\n"),
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("run.sh:9:32: error[mynetworks-too-broad]"),
        "{out}{err}"
    );
    let (_, human, _) = run(
        repo.path(),
        &["--discover", "--select", "mynetworks-too-broad"],
    );
    assert!(
        human.contains("add_config_value \"mynetworks\" \"0.0.0.0/0\""),
        "{human}"
    );
    // The value from a variable, or a template's tag: unknown.
    for value in ["$NETWORKS", "0.0.0.0/0 {{ extra }}"] {
        write(
            &script,
            &format!("{wrapper}add_config_value \"compatibility_level\" \"3.6\"\nadd_config_value \"mynetworks\" \"{value}\"\nexec postfix start-fg\n"),
        );
        let (_, out, _) = run(
            repo.path(),
            &["--discover", "--format", "short", "--allow-empty"],
        );
        assert!(!out.contains("mynetworks-too-broad"), "{value}: {out}");
    }
    // Two postconf commands in the function: not a wrapper, and its names are unknown.
    let two = wrapper.replace(
        "  postconf -e \"${key} = ${value}\"\n",
        "  postconf -e \"${key} = ${value}\"\n  postconf -e \"${key}_extra = ${value}\"\n",
    );
    write(
        &script,
        &format!("{two}add_config_value \"mynetworks\" \"0.0.0.0/0\"\nexec postfix start-fg\n"),
    );
    let (_, out, _) = run(
        repo.path(),
        &["--discover", "--format", "short", "--allow-empty"],
    );
    assert!(!out.contains("mynetworks-too-broad"), "{out}");
}

/// The same password file installed by a Chef recipe's `template` resource with `mode
/// '0644'` (survey Z1, HearstAT/cf_tiered_chef): reported at its password, the recipe's mode
/// beside it, the help in Chef's words. Near-misses: 0640 for root, a mode Ruby reads in
/// decimal, none at all, and a `source` that is not the cookbook's file.
#[test]
fn a_password_file_a_chef_resource_makes_readable_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let cookbook = repo.path().join("cookbooks/mail");
    write(
        &cookbook.join("templates/default/main.cf.erb"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         virtual_mailbox_domains = mysql:/etc/postfix/mysql-domains.cf\n",
    );
    write(
        &cookbook.join("templates/default/mysql-domains.cf.erb"),
        "hosts = 127.0.0.1\nuser = mail\npassword = <%= node['mail']['db_password'] %>\n\
         dbname = mail\nquery = SELECT 1 FROM domains WHERE name='%s'\n",
    );
    let recipe = cookbook.join("recipes/default.rb");
    let resources = |mode: &str, source: &str| {
        format!(
            "package 'postfix'\n\ntemplate '/etc/postfix/main.cf' do\n  source 'main.cf.erb'\nend\n\n\
             template '/etc/postfix/mysql-domains.cf' do\n  source '{source}'\n  owner 'root'\n  \
             group 'root'\n{mode}end\n"
        )
    };
    write(
        &recipe,
        &resources("  mode '0644'\n", "mysql-domains.cf.erb"),
    );
    let out = short_of(repo.path(), "secret-readable");
    insta::assert_snapshot!("discover__password_file_mode_chef", out);
    assert!(
        out.contains(
            "cookbooks/mail/templates/default/mysql-domains.cf.erb:3:1: error[secret-readable]"
        ),
        "{out}"
    );
    let human = run(repo.path(), &["--discover", "--select=secret-readable"]).1;
    assert!(human.contains("Chef installs it with mode 0644"), "{human}");
    assert!(
        human.contains("`mode '0640'` and `group 'postfix'`"),
        "{human}"
    );
    assert!(!human.contains("db_password"), "{human}");
    for (mode, source) in [
        ("  mode '0640'\n", "mysql-domains.cf.erb"),
        ("  mode 644\n", "mysql-domains.cf.erb"),
        ("", "mysql-domains.cf.erb"),
        ("  mode '0644'\n", "other.cf.erb"),
    ] {
        write(&recipe, &resources(mode, source));
        let out = short_of(repo.path(), "secret-readable");
        assert!(
            !out.contains("error[secret-readable]"),
            "{mode} {source}: {out}"
        );
    }
}

/// A relay password table a Puppet `file` resource installs with `mode => '0644'` (survey
/// AB2, alphagov/govuk-puppet): reported at its password, the manifest's mode beside it, the
/// help in Puppet's words; the table is read where main.cf names its path. Also through a
/// define that wraps the resource (`postfix::postmapfile { 'sasl_passwd': content =>
/// template(...) }` with the mode in the define), the finding pointing at the define's mode.
/// Near-misses: 0600, a symbolic mode, no mode, `ensure => absent`, another module's template
/// that is not there, and a declaration whose title is a variable.
#[test]
fn a_password_file_a_puppet_resource_makes_readable_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let module = repo.path().join("modules/postfix");
    write(
        &module.join("templates/main.cf.erb"),
        "compatibility_level = 3.6\nmydestination = localhost\nrelayhost = [smtp.example.com]:587\n\
         smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n\
         smtp_sasl_security_options = noanonymous\nsmtp_tls_security_level = encrypt\n",
    );
    write(
        &module.join("templates/sasl_passwd.erb"),
        "[smtp.example.com]:587 relay-user:<%= @relay_password %>\n",
    );
    let manifest = module.join("manifests/init.pp");
    let resource = |attributes: &str| {
        format!(
            "class postfix {{\n  file {{ '/etc/postfix/main.cf':\n    content => template('postfix/main.cf.erb'),\n  }}\n\n  \
             file {{ '/etc/postfix/sasl_passwd':\n    owner   => 'root',\n{attributes}  }}\n}}\n"
        )
    };
    let content = "    content => template('postfix/sasl_passwd.erb'),\n";
    write(
        &manifest,
        &resource(&format!("{content}    mode    => '0644',\n")),
    );
    let out = short_of(repo.path(), "secret-readable");
    insta::assert_snapshot!("discover__password_file_mode_puppet", out);
    assert!(
        out.contains("modules/postfix/templates/sasl_passwd.erb:1:24: error[secret-readable]"),
        "{out}"
    );
    let human = run(repo.path(), &["--discover", "--select=secret-readable"]).1;
    assert!(
        human.contains("Puppet installs it with mode 0644"),
        "{human}"
    );
    assert!(human.contains("init.pp:9:16]"), "{human}");
    assert!(
        human.contains("`mode => '0600'` in the Puppet file resource"),
        "{human}"
    );
    assert!(!human.contains("relay_password"), "{human}");
    for attributes in [
        format!("{content}    mode    => '0600',\n"),
        format!("{content}    mode    => 'u=rw,go=r',\n"),
        content.to_string(),
        format!("{content}    mode    => '0644',\n    ensure  => absent,\n"),
        "    content => template('other/sasl_passwd.erb'),\n    mode    => '0644',\n".to_string(),
    ] {
        write(&manifest, &resource(&attributes));
        let out = short_of(repo.path(), "secret-readable");
        assert!(
            !out.contains("error[secret-readable]"),
            "{attributes}: {out}"
        );
    }
    // Through a define, as govuk-puppet's postfix::postmapfile.
    write(
        &module.join("manifests/postmapfile.pp"),
        "define postfix::postmapfile(\n  $content,\n) {\n  $filename = \"/etc/postfix/${title}\"\n\n  \
         file { $filename:\n    ensure  => present,\n    mode    => '0644',\n    content => $content,\n  }\n}\n",
    );
    let declare = |title: &str| {
        format!(
            "class postfix {{\n  file {{ '/etc/postfix/main.cf':\n    content => template('postfix/main.cf.erb'),\n  }}\n  \
             postfix::postmapfile {{ {title}:\n    content => template('postfix/sasl_passwd.erb'),\n  }}\n}}\n"
        )
    };
    write(&manifest, &declare("'sasl_passwd'"));
    let out = short_of(repo.path(), "secret-readable");
    assert!(
        out.contains("modules/postfix/templates/sasl_passwd.erb:1:24: error[secret-readable]"),
        "{out}"
    );
    let human = run(repo.path(), &["--discover", "--select=secret-readable"]).1;
    assert!(human.contains("postmapfile.pp:8:16]"), "{human}");
    write(&manifest, &declare("$table"));
    let out = short_of(repo.path(), "secret-readable");
    assert!(!out.contains("error[secret-readable]"), "{out}");
}

/// Scripts an image starts without naming them in the Dockerfile (survey Z2): supervisord's
/// `[program:postfix] command=/opt/postfix/postfix.sh`, runit's `run` script of a service
/// directory the Dockerfile copies to /etc/service, and an ENTRYPOINT found on PATH. Near-miss:
/// a supervisord program that runs another script.
#[test]
fn scripts_a_process_supervisor_starts_are_run_by_the_image() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let settings = "#!/bin/sh\npostconf -e compatibility_level=3.6\npostconf -e mynetworks=0.0.0.0/0\nexec postfix start-fg\n";
    let found = |root: &Path| run(root, &["--discover", "--format", "short", "--allow-empty"]).1;
    // supervisord.
    write(
        &root.join("Dockerfile"),
        "FROM debian:bookworm\nRUN apt-get install -y postfix supervisor\nADD opt /opt\nCMD [\"/usr/bin/supervisord\", \"-c\", \"/opt/supervisor/supervisord.conf\"]\n",
    );
    let conf = root.join("opt/supervisor/supervisord.conf");
    write(
        &conf,
        "[supervisord]\nnodaemon=true\n[program:postfix]\ncommand = /opt/postfix/postfix.sh\n",
    );
    write(&root.join("opt/postfix/postfix.sh"), settings);
    let out = found(root);
    assert!(
        out.contains("opt/postfix/postfix.sh:3:24: error[mynetworks-too-broad]"),
        "{out}"
    );
    write(
        &conf,
        "[supervisord]\nnodaemon=true\n[program:postfix]\ncommand = /opt/postfix/other.sh\n",
    );
    assert!(!found(root).contains("mynetworks-too-broad"));
    // runit.
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("Dockerfile"),
        "FROM debian:bookworm\nRUN apt-get install -y postfix runit\nCOPY service /etc/service\nENTRYPOINT [\"/usr/bin/runsvdir\", \"/etc/service\"]\n",
    );
    write(&root.join("service/postfix/run"), settings);
    assert!(found(root).contains("service/postfix/run:3:24: error[mynetworks-too-broad]"));
    // On PATH.
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("Dockerfile"),
        "FROM debian:bookworm\nRUN apt-get install -y postfix\nCOPY src /\nENTRYPOINT [\"postfix-entrypoint\"]\n",
    );
    write(&root.join("src/usr/local/bin/postfix-entrypoint"), settings);
    assert!(found(root)
        .contains("src/usr/local/bin/postfix-entrypoint:3:24: error[mynetworks-too-broad]"));
}

/// A Dockerfile that appends settings to the package's main.cf and then fills in a placeholder
/// with `sed -i "s|RELAY_HOST|...|g" /etc/postfix/main.cf` (eftechcombr/postfix, survey AA2):
/// the sed changes only the values that hold the text, so the other settings are linted (an
/// open relay's `mynetworks = 0.0.0.0/0`) and the value with the placeholder is unknown. A sed
/// that does more than fill in placeholders (deletes lines, writes elsewhere) still leaves
/// the image's main.cf unknown.
#[test]
fn a_dockerfile_sed_that_fills_in_a_placeholder_leaves_the_other_settings_known() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let dockerfile = |sed: &str| {
        format!(
            "FROM alpine:3.18\nRUN apk add --no-cache postfix\nRUN {{ \\\n\
             \techo 'inet_interfaces = all' ; \\\n\
             \techo 'mynetworks = 0.0.0.0/0' ; \\\n\
             \techo 'relayhost = [RELAY_HOST]:587' ; \\\n\
             \t}} >> /etc/postfix/main.cf\nEXPOSE 25\nRUN {sed}\n"
        )
    };
    let file = root.join("Dockerfile");
    write(
        &file,
        &dockerfile(r#"sed -i "s|RELAY_HOST|${RELAY_HOST}|g" /etc/postfix/main.cf"#),
    );
    let out = run(root, &["--discover", "--format", "short", "--verbose"]);
    let all = format!("{}{}", out.1, out.2);
    assert!(
        all.contains("Dockerfile:5:21: error[mynetworks-too-broad]"),
        "{all}"
    );
    assert!(
        all.contains(
            "relayhost is set by Dockerfile:3 when the image is built: its value is unknown"
        ),
        "{all}"
    );
    // Two placeholders, each its own expression.
    write(
        &file,
        &dockerfile("sed -i -e 's/RELAY_HOST/x/' -e 's/RELAY_USER/y/' /etc/postfix/main.cf"),
    );
    assert!(
        short_of(root, "mynetworks-too-broad").contains("error[mynetworks-too-broad]"),
        "{}",
        short_of(root, "mynetworks-too-broad")
    );
    // Near-misses: a sed that deletes lines too, or writes main.cf from elsewhere.
    for sed in [
        "sed -i -e 's/RELAY_HOST/x/' -e '/^mynetworks/d' /etc/postfix/main.cf",
        "sed 's/RELAY_HOST/x/' /tmp/main.cf > /etc/postfix/main.cf",
    ] {
        write(&file, &dockerfile(sed));
        let out = run(root, &["--discover", "--format", "short"]);
        let all = format!("{}{}", out.1, out.2);
        assert!(!all.contains("error[mynetworks-too-broad]"), "{sed}: {all}");
    }
}

/// An image's `postconf -e` lines that log in to a relayhost over opportunistic TLS, amending
/// the package's own main.cf: which service delivers (default_transport) and the TLS policy
/// settings are in a main.cf postlint cannot see, so relay-credentials-in-clear cannot decide,
/// and says so (fheinle/docker-postfix, survey AA2) instead of staying silent. With SASL
/// known off it has nothing to decide.
#[test]
fn relay_credentials_in_an_image_are_undecided_not_silent() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let dockerfile = |sasl: &str| {
        format!(
            "FROM debian:bookworm-slim\nRUN apt-get install -y postfix\n\
             RUN postconf -e \"relayhost = [smtp.example.com]:587\"\n\
             RUN postconf -e \"smtp_sasl_auth_enable = {sasl}\"\n\
             RUN postconf -e \"smtp_sasl_password_maps = hash:/etc/postfix/sasl_password\"\n\
             RUN postconf -e \"smtp_sasl_security_options = noanonymous\"\n\
             RUN postconf -e \"smtp_tls_security_level = may\"\n"
        )
    };
    write(&root.join("Dockerfile"), &dockerfile("yes"));
    let out = run(root, &["--discover", "--format", "short"]).1;
    assert!(!out.contains("error[relay-credentials-in-clear]"), "{out}");
    assert!(
        not_checked(&out).contains("relay-credentials-in-clear"),
        "{out}"
    );
    write(&root.join("Dockerfile"), &dockerfile("no"));
    let out = run(root, &["--discover", "--format", "short"]).1;
    assert!(out.contains("could not decide"), "{out}");
    assert!(!out.contains("relay-credentials-in-clear"), "{out}");
}

/// A script the entrypoint runs on a line that always runs (`/app/bin/setup-sasl.sh`, survey
/// AA2 marim01110/docker-postfix) sets what it writes out in full where the entrypoint runs:
/// the image is linted. Near-misses: a call under `if`, a script no running script calls,
/// and two scripts that call each other but that nothing the Dockerfile runs reaches.
#[test]
fn a_script_the_entrypoint_runs_sets_its_values() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("Dockerfile"),
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y postfix\n\
         ADD src /app\nENTRYPOINT [\"/app/entrypoint.sh\"]\n",
    );
    let setup = root.join("src/bin/setup-sasl.sh");
    write(
        &setup,
        "#!/bin/bash\npostconf -e smtpd_sasl_auth_enable=yes\npostconf -e mynetworks=0.0.0.0/0\n",
    );
    let entrypoint = root.join("src/entrypoint.sh");
    let lint = || {
        let out = run(root, &["--discover", "--format", "short"]);
        format!("{}{}", out.1, out.2)
    };
    write(
        &entrypoint,
        "#!/bin/bash\n/app/bin/setup-sasl.sh\nexec postfix start-fg\n",
    );
    let out = lint();
    assert!(
        out.contains("src/bin/setup-sasl.sh:3:24: error[mynetworks-too-broad]"),
        "{out}"
    );
    for entry in [
        "#!/bin/bash\nif [ -n \"$SASL\" ]; then\n  /app/bin/setup-sasl.sh\nfi\nexec postfix start-fg\n",
        "#!/bin/bash\nexec postfix start-fg\n",
    ] {
        write(&entrypoint, entry);
        let out = lint();
        assert!(!out.contains("mynetworks-too-broad"), "{entry}: {out}");
    }
    // A loop of calls nothing the image runs enters.
    write(&root.join("src/bin/a.sh"), "#!/bin/sh\n./b.sh\n");
    write(
        &root.join("src/bin/b.sh"),
        "#!/bin/sh\n./a.sh\n./setup-sasl.sh\n",
    );
    let out = lint();
    assert!(!out.contains("mynetworks-too-broad"), "{out}");
}

/// An image of Debian 12 that amends its package's main.cf and starts Postfix itself: the
/// package writes only the parameters of main.cf.debian, main.cf.tls and its postinst (read
/// from Debian 12's package), so every other parameter has its default, and rules that hang on
/// one decide (alias-loop: virtual_alias_maps is empty). Those the package may write stay
/// unknown (relay-credentials-in-clear: default_transport). Debian 11, whose package postlint
/// has not read, keeps every parameter unknown; so does an image whose entrypoint is a script
/// (it may source hooks postlint cannot see, survey AB1).
#[test]
fn a_debian_12_image_knows_what_its_package_main_cf_sets() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let start = std::cell::RefCell::new("CMD [\"postfix\", \"start-fg\"]\n");
    let dockerfile = |base: &str| {
        format!(
            "FROM {base}\nRUN apt-get update && apt-get install -y postfix\n\
             RUN postconf -e \"relayhost = [smtp.example.com]:587\" \
             \"smtp_sasl_auth_enable = yes\" \"smtp_sasl_security_options = noanonymous\"\n{}",
            start.borrow()
        )
    };
    let undecided = |base: &str| -> String {
        write(&root.join("Dockerfile"), &dockerfile(base));
        let out = run(root, &["--discover", "--format", "short"]).1;
        out.lines()
            .find(|l| l.contains("ould not decide"))
            .unwrap_or_default()
            .to_string()
    };
    let bookworm = undecided("debian:bookworm-slim");
    assert!(!bookworm.contains("alias-loop"), "{bookworm}");
    assert!(
        bookworm.contains("relay-credentials-in-clear"),
        "{bookworm}"
    );
    let bullseye = undecided("debian:bullseye-slim");
    assert!(bullseye.contains("alias-loop"), "{bullseye}");
    *start.borrow_mut() =
        "ENTRYPOINT [\"/usr/bin/tini\", \"--\"]\nCMD [\"/usr/sbin/postfix\", \"start-fg\"]\n";
    assert!(!undecided("debian:12").contains("alias-loop"));
    for other in [
        "ENTRYPOINT [\"/entrypoint.sh\"]\nCMD [\"postfix\", \"start-fg\"]\n",
        "CMD [\"supervisord\"]\n",
        "",
    ] {
        *start.borrow_mut() = other;
        let line = undecided("debian:bookworm");
        assert!(line.contains("alias-loop"), "{other}: {line}");
    }
}

/// An image whose Postfix release postlint cannot read from the Dockerfile (a `RUN` it cannot
/// read before the install, survey AB1 elcodedocle) is linted for the newest release, but its
/// base image's package is the likely one: a parameter deprecated only after that release
/// (`smtpd_use_tls`, 3.9, on Debian 11's 3.5) is not reported, and the rule says it could not
/// decide. On a base whose release postlint does not know (Alpine) it is reported as before.
#[test]
fn an_image_of_unknown_release_is_not_told_of_later_deprecations() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let dockerfile = |base: &str| {
        format!(
            "FROM {base}\nRUN apt-get update && \\\n    /bin/bash -c 'debconf-set-selections <<< \
             \"postfix postfix/main_mailer_type string Internet Site\"' && \\\n    \
             apt-get install -y postfix\nADD main.cf /etc/postfix/main.cf\n"
        )
    };
    write(
        &root.join("main.cf"),
        "compatibility_level = 2\nsmtpd_use_tls = yes\nmynetworks = 127.0.0.0/8\n",
    );
    write(
        &root.join("Dockerfile"),
        &dockerfile("debian:bullseye-slim"),
    );
    let (_, out, err) = run(root, &["--discover", "--format", "short"]);
    assert!(!out.contains("warning[deprecated-parameter]"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("ould not decide") && l.contains("deprecated-parameter")),
        "{out}"
    );
    // Said of the Dockerfile, with the RUN that leaves the package unknown.
    assert!(
        err.contains("Dockerfile: the image builds FROM debian:bullseye-slim, whose postfix package is Postfix 3.5")
            && err.contains("(the RUN on line 2 does what postlint does not read)"),
        "{err}"
    );
    write(&root.join("Dockerfile"), &dockerfile("alpine:3.19"));
    let out = run(root, &["--discover", "--format", "short"]).1;
    assert!(
        out.contains("main.cf:2:1: warning[deprecated-parameter]"),
        "{out}"
    );
    // A RUN it cannot read after the install is said to come after it (survey AF4).
    write(
        &root.join("Dockerfile"),
        "FROM debian:bullseye-slim\nRUN apt-get install -y postfix\nRUN ./setup.sh\n\
         ADD main.cf /etc/postfix/main.cf\n",
    );
    let err = run(root, &["--discover", "--format", "short"]).2;
    assert!(
        err.contains(
            "(it installs the package, but the RUN on line 3, after that, does what postlint \
             does not read)"
        ),
        "{err}"
    );
}

/// The relay password table of a role that writes its relay settings inside `{% if
/// relay_host %}`, and whose table template loops over the relays (`{% for r in relays %}`,
/// survey AB2 stavdem): whether main.cf names the table hangs on the condition, and each line
/// on the loop, but the file the task installs 0644 holds the passwords whenever they are
/// there. Reported at the first password line; 0600 is not; the password is never shown.
#[test]
fn a_relay_password_table_behind_template_conditions_is_checked() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("templates/main.cf.j2"),
        "compatibility_level = 3.6\n{% if relay_host %}\nrelayhost = [{{ relay_host }}]:587\n\
         smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n\
         smtp_tls_security_level = encrypt\n{% endif %}\n",
    );
    write(
        &root.join("templates/sasl_passwd.j2"),
        "{% for r in relays %}\n[{{ r.host }}]:587 {{ r.user }}:{{ r.secret_field }}\n{% endfor %}\n",
    );
    let tasks = |mode: &str| {
        format!(
            "- name: main.cf\n  template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n    mode: '0644'\n\
             - name: sasl_passwd\n  template:\n    src: sasl_passwd.j2\n    dest: /etc/postfix/sasl_passwd\n    mode: '{mode}'\n"
        )
    };
    let file = root.join("tasks/main.yml");
    write(&file, &tasks("0644"));
    let out = short_of(root, "secret-readable");
    assert!(
        out.contains("templates/sasl_passwd.j2:2:20: error[secret-readable]"),
        "{out}"
    );
    let human = run(root, &["--discover", "--select=secret-readable"]).1;
    assert!(!human.contains("secret_field"), "{human}");
    write(&file, &tasks("0600"));
    let out = short_of(root, "secret-readable");
    assert!(!out.contains("error[secret-readable]"), "{out}");
}

/// A main.cf line that is no setting but a placeholder an install script's `sed` turns into
/// one (`hostnamereplace`, with `sed -i "s/hostnamereplace/myhostname = $MAILNAME/g"`;
/// survey AC1, plastboks/Postquick): Postfix never reads it, so no invalid-syntax there, and
/// a note says why. Near-miss: another bare word on the next line is still reported.
#[test]
fn a_placeholder_line_a_script_fills_in_is_no_syntax_error() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("configs/postfix-main.cf"),
        "compatibility_level = 3.6\nhostnamereplace\nmydestination = localhost\n",
    );
    write(
        &repo.path().join("install.sh"),
        "#!/bin/sh\nsed -i \"s/hostnamereplace/myhostname = $MAILNAME/g\" configs/postfix-main.cf\ncp configs/postfix-main.cf /etc/postfix/main.cf\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--verbose",
            "--allow-empty",
        ],
    );
    assert!(!out.contains("invalid-syntax"), "{out}");
    assert!(
        err.contains("configs/postfix-main.cf:2: install.sh:2 fills in text on this line"),
        "{err}"
    );
    write(
        &repo.path().join("configs/postfix-main.cf"),
        "compatibility_level = 3.6\nhostnamereplace\nmydestinationlocalhost\n",
    );
    let out = short_of(repo.path(), "invalid-syntax");
    assert!(
        out.contains("configs/postfix-main.cf:3:1: error[invalid-syntax]"),
        "{out}"
    );
    assert!(!out.contains("postfix-main.cf:2:"), "{out}");
}

/// A relay password table an Ansible task installs with `mode: 0644` and a later task locks
/// down (`chmod 0600 /etc/postfix/sasl/sasl_passwd ...` in a shell task; survey AC2,
/// data-tangles/ansible), or a `file` task with a mode, in either form, or a chmod of a path
/// postlint cannot read: the declared mode is not the one the play leaves, so secret-readable
/// is undecided. Near-miss: a chmod of another file leaves the finding.
#[test]
fn a_later_chmod_of_an_installed_password_file_leaves_its_mode_undecided() {
    let repo = tempfile::tempdir().unwrap();
    let role = repo.path().join("roles/postfix");
    write(
        &role.join("templates/main.cf.j2"),
        "compatibility_level = 3.6\nrelayhost = [smtp.example.com]:587\nsmtp_sasl_auth_enable = yes\n\
         smtp_sasl_password_maps = hash:/etc/postfix/sasl/sasl_passwd\nsmtp_tls_security_level = encrypt\n",
    );
    write(
        &role.join("templates/sasl_passwd.j2"),
        "[smtp.example.com]:587 relay:{{ relay_password }}\n",
    );
    let tasks = role.join("tasks/main.yml");
    let install = "- name: main.cf\n  template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n\n\
                   - name: sasl_passwd\n  template:\n    src: sasl_passwd.j2\n    dest: /etc/postfix/sasl/sasl_passwd\n    mode: 0644\n\n";
    let with = |later: &str| format!("{install}{later}");
    write(&tasks, &with(""));
    assert!(short_of(repo.path(), "secret-readable").contains("error[secret-readable]"));
    for later in [
        "- name: lock down\n  ansible.builtin.shell: |\n    postmap /etc/postfix/sasl/sasl_passwd\n    chmod 0600 /etc/postfix/sasl/sasl_passwd /etc/postfix/sasl/sasl_passwd.db\n",
        "- name: lock down\n  ansible.builtin.file:\n    path: /etc/postfix/sasl/sasl_passwd\n    mode: '0600'\n",
        "- name: lock down\n  file: path=/etc/postfix/sasl/sasl_passwd mode=0600\n",
        "- name: lock down\n  command: chmod -R go-rwx /etc/postfix/sasl\n",
        "- name: lock down\n  shell: chmod 600 {{ sasl_dir }}/*\n",
        "- name: hide\n  file:\n    path: /etc/postfix/sasl\n    state: directory\n    mode: '0700'\n",
    ] {
        write(&tasks, &with(later));
        let out = short_of(repo.path(), "secret-readable");
        assert!(!out.contains("error[secret-readable]"), "{later}: {out}");
        assert!(out.contains("secret-readable"), "undecided: {later}: {out}");
    }
    // Near-misses: a chmod of another file, a later task that sets the same mode (over loop
    // items, as demmonx/ansible_role_postfix writes it), and a directory above made 0755
    // (others may still pass: the file's own mode decides).
    for later in [
        "- name: other\n  shell: chmod 0600 /etc/postfix/other_passwd\n",
        "- name: again\n  file:\n    path: '{{ item }}'\n    mode: 0644\n  with_items:\n    - /etc/postfix/sasl/sasl_passwd\n    - /etc/postfix/sasl/sasl_passwd.db\n",
        "- name: directory\n  file:\n    path: /etc/postfix/sasl\n    state: directory\n    mode: '0755'\n",
    ] {
        write(&tasks, &with(later));
        let out = short_of(repo.path(), "secret-readable");
        assert!(out.contains("error[secret-readable]"), "{later}: {out}");
    }
}

/// A provisioning script that installs Postfix's package and amends its main.cf with
/// `postconf -e` (a Vagrant provisioner, an install script; survey AC1: 7 such repositories
/// had "no Postfix configuration was linted"): its literal settings are linted over the
/// package's main.cf, every other parameter unknown. Near-misses: a script that installs no
/// Postfix (it may be run by anything, on a main.cf postlint cannot see), and one an image's
/// Dockerfile runs (the image is the setup).
#[test]
fn a_host_provisioning_script_is_linted_over_the_package_main_cf() {
    let repo = tempfile::tempdir().unwrap();
    let script = repo.path().join("provision.sh");
    let settings = "postconf -e 'compatibility_level = 3.6'\npostconf -e 'mydestination = example.com, localhost'\n\
                    postconf -e 'virtual_mailbox_domains = example.com'\n";
    write(
        &script,
        &format!("#!/bin/sh\nset -e\nDEBIAN_FRONTEND=noninteractive apt-get install -y \\\n    postfix postfix-mysql\n{settings}"),
    );
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("provision.sh:6:30: error[virtual-domain-in-mydestination]"),
        "{out}"
    );
    // Only `postconf -e`, no package: not linted.
    write(&script, &format!("#!/bin/sh\n{settings}"));
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 2, "{out}{err}");
    // Run by an image: linted as the image's, once.
    write(
        &script,
        &format!("#!/bin/sh\napt-get install -y postfix\n{settings}"),
    );
    write(
        &repo.path().join("docker/Dockerfile"),
        "FROM debian:bookworm\nCOPY provision.sh /provision.sh\nRUN /provision.sh\n",
    );
    let (_, out, err) = run(
        repo.path(),
        &["--discover", "--format", "short", "--allow-empty"],
    );
    assert!(
        out.matches("[virtual-domain-in-mydestination]").count() <= 1,
        "{out}{err}"
    );
}

/// A role with no main.cf of its own, whose tasks set main.cf's parameters (`lineinfile`) and
/// install a MySQL table from its `templates/`: the table is read where main.cf names it by
/// the installed path, as in a role that ships main.cf (ioggstream/postfix-mysql-tls: a
/// misspelt `query` went unseen). Near-miss: a source that is a variable leaves it unknown.
#[test]
fn a_table_the_tasks_of_a_role_without_main_cf_install_is_read() {
    let repo = tempfile::tempdir().unwrap();
    let role = repo.path().join("roles/postfix");
    write(
        &role.join("templates/mysql-aliases.cf"),
        "hosts = 127.0.0.1\nuser = postfix\ndbname = mail\nqeury = SELECT goto FROM alias WHERE address='%s'\n",
    );
    let tasks = role.join("tasks/main.yml");
    let set = "- lineinfile:\n    path: /etc/postfix/main.cf\n    regexp: '^alias_maps'\n    \
               line: alias_maps = mysql:/etc/postfix/mysql-aliases.cf\n";
    let typo = "roles/postfix/templates/mysql-aliases.cf:4:1: error[sql-config]: `qeury` is not";
    for src in ["mysql-aliases.cf", "templates/mysql-aliases.cf"] {
        write(
            &tasks,
            &format!("- template:\n    src: {src}\n    dest: /etc/postfix/mysql-aliases.cf\n{set}"),
        );
        let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
        assert_eq!(code, 1, "{src}\n{out}{err}");
        assert!(out.contains(typo), "{src}\n{out}");
    }
    write(
        &tasks,
        &format!("- template:\n    src: \"{{{{ table }}}}\"\n    dest: /etc/postfix/mysql-aliases.cf\n{set}"),
    );
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("sql-config"), "{out}");
}

/// A table a Dockerfile copies into /etc/postfix itself (`COPY sources/canon /etc/postfix/`)
/// is read where main.cf names it, /etc/postfix/canon, as Docker puts it (survey AD,
/// jimmy-ao/docker_smtp-relay). Near-miss: copied to another name, it is not that table.
#[test]
fn a_table_a_dockerfile_copies_into_the_postfix_directory_is_read() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("main.cf"),
        "compatibility_level = 3.6\nsender_canonical_maps = texthash:/etc/postfix/canon\n",
    );
    write(
        &repo.path().join("sources/canon"),
        "a@example.com b@example.com\na@example.com c@example.com\n",
    );
    let duplicate = "sources/canon:2:1: error[duplicate-map-key]";
    for copy in [
        "COPY sources/canon /etc/postfix/",
        "COPY sources/canon /etc/postfix",
        "ADD sources/canon /etc/postfix/",
    ] {
        write(
            &repo.path().join("Dockerfile"),
            &format!("FROM debian:12\nRUN apt-get update && apt-get install -y postfix\nCOPY main.cf /etc/postfix/main.cf\n{copy}\n"),
        );
        let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
        assert_eq!(code, 1, "{copy}\n{out}{err}");
        assert!(out.contains(duplicate), "{copy}\n{out}");
    }
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian:12\nRUN apt-get update && apt-get install -y postfix\nCOPY main.cf /etc/postfix/main.cf\nCOPY sources/canon /etc/postfix/canonical\n",
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!out.contains("duplicate-map-key"), "{out}{err}");
}

/// A parameter the Dockerfile sets while the image is built and the start script the image
/// runs sets again: the start script's setting holds (survey AD4). Near-miss: a script no
/// image runs leaves it unknown.
#[test]
fn a_start_script_setting_after_the_build_holds() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian:13\nRUN apt-get update && apt-get install -y postfix\n\
         RUN postconf -e \"mynetworks = 10.0.0.0/8\"\nCOPY entrypoint.sh /\nENTRYPOINT [\"/entrypoint.sh\"]\n",
    );
    write(
        &repo.path().join("entrypoint.sh"),
        "#!/bin/sh\npostconf -e \"myhostname = a.example.com\"\npostconf -e \"mynetworks = 0.0.0.0/0\"\nexec postfix start-fg\n",
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("entrypoint.sh:3:27: error[mynetworks-too-broad]"),
        "{out}{err}"
    );
    write(
        &repo.path().join("Dockerfile"),
        "FROM debian:13\nRUN apt-get update && apt-get install -y postfix\n\
         RUN postconf -e \"mynetworks = 10.0.0.0/8\"\nCMD [\"postfix\", \"start-fg\"]\n",
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!out.contains("mynetworks-too-broad"), "{out}{err}");
}

/// A main.cf that a NixOS configuration appends to the main.cf its services.postfix module
/// writes (abbradar/mylittleserver: `extraConfig = ''${builtins.readFile "${configs}/main.cf"}''`
/// after `substituteAllFiles { src = ./postfix; files = [ "main.cf" ]; }`), with master.cf
/// lines for extraMasterConf: every parameter it does not set, and master.cf, are NixOS's.
/// Named in another way, or by a .nix file that is no postfix module's, it is a whole main.cf.
#[test]
fn a_main_cf_a_nixos_configuration_appends_is_a_fragment() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("mail/postfix/main.cf"),
        "virtual_mailbox_domains = @domain@\nvirtual_mailbox_maps = pgsql:@out@/recipient_maps.cf\n\
         mua_client_restrictions = permit_sasl_authenticated, reject\n",
    );
    write(
        &root.join("mail/postfix/master.cf"),
        "submission inet n - n - - smtpd\n  -o smtpd_client_restrictions=$mua_client_restrictions\n  \
         -o smtpd_recipient_restrictions=reject_non_fqdn_recipient\n",
    );
    let short = |root: &Path| run(root, &["--discover", "--format", "short", "--verbose"]);
    for nix in [
        "{ pkgs, ... }: {\n  services.postfix = let\n    configs = pkgs.substituteAllFiles {\n      \
         src = ./postfix;\n      files = [ \"main.cf\" ];\n    };\n  in {\n    enable = true;\n    \
         extraConfig = ''\n      ${builtins.readFile \"${configs}/main.cf\"}\n    '';\n    \
         extraMasterConf = builtins.readFile ./postfix/master.cf;\n  };\n}\n",
        "{\n  services.postfix.extraConfig = builtins.readFile ./postfix/main.cf;\n}\n",
    ] {
        write(&root.join("mail/default.nix"), nix);
        let (_, out, err) = short(root);
        assert!(!out.contains("compatibility-level"), "{nix}: {out}");
        assert!(!out.contains("relay-check-missing"), "{nix}: {out}");
        assert!(
            err.contains("to the main.cf that NixOS's services.postfix writes"),
            "{nix}: {err}"
        );
    }
    // Near-misses: another file of the directory; a .nix file of no postfix module.
    for nix in [
        "{\n  services.postfix.extraConfig = builtins.readFile ./postfix/main.cf.extra;\n}\n",
        "{\n  services.nginx.extraConfig = builtins.readFile ./postfix/main.cf;\n}\n",
    ] {
        write(&root.join("mail/default.nix"), nix);
        let (_, out, _) = short(root);
        assert!(out.contains("compatibility-level"), "{nix}: {out}");
        assert!(out.contains("error[relay-check-missing]"), "{nix}: {out}");
    }
}

/// A comment in Shift_JIS or Latin-1 (bytes that are not UTF-8) does not hide a script, a
/// heredoc or a Dockerfile: each is read as main.cf is, and what it sets is linted
/// (useiichi/docker-versatile-postfix's entrypoint has Japanese comments in Shift_JIS).
#[test]
fn a_script_or_dockerfile_that_is_not_utf8_is_still_read() {
    // "設定" in Shift_JIS, and "é" in Latin-1.
    let not_utf8: &[u8] = b"# \x90\xdd\x92\xe8 r\xe9glage\n";
    let cases: [(&str, &[u8], &[u8]); 2] = [
        (
            "setup.sh",
            b"#!/bin/sh\n",
            b"cat > /etc/postfix/main.cf <<EOF\ncompatibility_level = 3.6\nmyhostname = mail.example.com\nmynetworks = 0.0.0.0/0\nEOF\n",
        ),
        (
            "Dockerfile",
            b"FROM debian:bookworm\n",
            b"RUN apt-get install -y postfix && postconf -e compatibility_level=3.6 mynetworks=0.0.0.0/0\n",
        ),
    ];
    for (name, head, body) in cases {
        let repo = tempfile::tempdir().unwrap();
        let mut text = head.to_vec();
        text.extend_from_slice(not_utf8);
        text.extend_from_slice(body);
        std::fs::write(repo.path().join(name), &text).unwrap();
        let out = short_of(repo.path(), "mynetworks-too-broad");
        assert!(
            out.contains("error[mynetworks-too-broad]") && out.contains(&format!("{name}:")),
            "{name}: {out}"
        );
    }
}

/// A main.cf an entrypoint writes with a here-document is the image's that runs the
/// entrypoint: linted for the release of its Dockerfile's Postfix package (Debian bookworm's
/// 3.7), not the newest (Pelentan/swarm-blackjack, survey AG1). An image that does not run
/// the script gives it nothing.
#[test]
fn a_heredoc_main_cf_takes_the_release_of_the_image_that_runs_it() {
    for (entrypoint, release) in [
        ("ENTRYPOINT [\"/entrypoint.sh\"]", "3.7"),
        ("CMD [\"/other.sh\"]", "3.11"),
    ] {
        let repo = tempfile::tempdir().unwrap();
        write(
            &repo.path().join("postfix/Dockerfile"),
            &format!(
                "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y postfix\n\
                 COPY entrypoint.sh /entrypoint.sh\n{entrypoint}\n"
            ),
        );
        write(
            &repo.path().join("postfix/entrypoint.sh"),
            "#!/bin/sh\ncat > /etc/postfix/main.cf <<EOF\ncompatibility_level = 3.6\n\
             myhostname = mail.example.com\nsmtp_use_tls = yes\nEOF\nexec postfix start-fg\n",
        );
        let (_, out, err) = run(
            repo.path(),
            &["--discover", "--format", "short", "--verbose"],
        );
        assert!(
            err.contains(&format!("linting for Postfix {release} ")),
            "{entrypoint}: {err}"
        );
        // smtp_use_tls is deprecated since 3.9.
        assert_eq!(
            out.contains("deprecated-parameter"),
            release == "3.11",
            "{entrypoint}: {out}"
        );
    }
}

/// The most common lineinfile pattern: `line: "{{ item.name }} = {{ item.value }}"` over a
/// loop of settings. Each item's value is read where the item writes it, on one line or
/// several; a value that is itself a template stays unknown (survey AG2).
#[test]
fn lineinfile_loop_items_give_their_values() {
    let repo = tempfile::tempdir().unwrap();
    write(
        &repo.path().join("roles/relay/tasks/main.yml"),
        "- name: Install postfix\n  apt:\n    name: postfix\n\
         - name: Update Postfix configuration.\n  lineinfile:\n    path: /etc/postfix/main.cf\n\
         \x20   regexp: \"^{{ item.name }} =\"\n    line: \"{{ item.name }} = {{ item.value }}\"\n\
         \x20 loop:\n    - { name: message_size_limit, value: 50MB }\n\
         \x20   - name: disable_vrfy_command\n      value: \"True\"\n\
         \x20   - { name: mailbox_size_limit, value: \"{{ mailbox_size }}\" }\n",
    );
    let out = short_of(repo.path(), "invalid-value");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("[invalid-value]"))
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("roles/relay/tasks/main.yml:10:42: error[invalid-value]: `50MB`"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("roles/relay/tasks/main.yml:12:15: error[invalid-value]: `True`"),
        "{out}"
    );
}

/// Two scripts that set a parameter to the same value written out in full (a Dockerfile's
/// `RUN postconf -e` lines, repeated in the package's postinst): whichever runs, the value
/// holds, and the image is linted with it, shown at the Dockerfile's line (survey AH4,
/// Intermesh's groupoffice image). Different values leave it unknown.
#[test]
fn the_same_value_set_by_two_scripts_holds() {
    for (postinst_value, known) in [("0.0.0.0/0", true), ("127.0.0.0/8", false)] {
        let repo = tempfile::tempdir().unwrap();
        write(
            &repo.path().join("Dockerfile"),
            "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y postfix\n\
             RUN postconf -e 'mynetworks = 0.0.0.0/0'\n",
        );
        write(
            &repo.path().join("debian/postinst"),
            &format!("#!/bin/sh\nset -e\npostconf -e 'mynetworks = {postinst_value}'\n"),
        );
        let out = short_of(repo.path(), "mynetworks-too-broad");
        assert_eq!(
            out.contains("Dockerfile:3:") && out.contains("error[mynetworks-too-broad]"),
            known,
            "{postinst_value}: {out}"
        );
    }
}
