//! The command line as users and CI call it: exit codes, formats, rule documentation.

use std::path::Path;

use assert_cmd::Command;

fn postlint() -> Command {
    Command::cargo_bin("postlint").unwrap()
}

/// A config directory with one error finding (a virtual domain left in mydestination).
fn broken_setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cf"),
        "compatibility_level = 3.6\nmydestination = example.com, localhost\nvirtual_mailbox_domains = example.com\nvirtual_transport = lmtp:unix:private/dovecot-lmtp\n",
    )
    .unwrap();
    dir
}

fn clean_setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n",
    )
    .unwrap();
    dir
}

#[test]
fn exit_codes() {
    let broken = broken_setup();
    postlint().arg(broken.path()).assert().code(1);
    postlint()
        .arg(broken.path())
        .args(["--fail-on", "error"])
        .assert()
        .code(1);
    postlint()
        .arg(broken.path())
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
    postlint().arg(clean_setup().path()).assert().code(0);
    // Ignoring the rule that reports the problem makes the run clean.
    postlint()
        .arg(broken.path())
        .args(["--ignore", "virtual-domain-in-mydestination"])
        .assert()
        .code(0);
}

#[test]
fn warnings_fail_by_default_but_not_with_fail_on_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\nhome_mailbox = Maildir\n",
    )
    .unwrap();
    postlint().arg(dir.path()).assert().code(1);
    postlint()
        .arg(dir.path())
        .args(["--fail-on", "error"])
        .assert()
        .code(0);
}

/// A backup or sample of main.cf that --discover passes over ("lint it by naming it") is
/// linted when named (survey N); a file of another kind named on the command line is refused
/// with a word on what to name (exit 2), not read as a directory.
#[test]
fn a_copy_of_main_cf_is_linted_by_naming_it_and_a_script_is_not() {
    let dir = broken_setup();
    let copy = dir.path().join("main.cf.orig");
    std::fs::rename(dir.path().join("main.cf"), &copy).unwrap();
    let out = postlint()
        .args(["--format", "short"])
        .arg(&copy)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("main.cf.orig:2:") && out.contains("virtual-domain-in-mydestination"),
        "{out}"
    );
    let script = dir.path().join("10-generate-main.cf.sh");
    std::fs::write(&script, "#!/bin/sh\npostconf -e relayhost=x\n").unwrap();
    let err = postlint()
        .arg(&script)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("is a file, not a configuration directory") && !err.contains("os error"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let empty = tempfile::tempdir().unwrap();
    let out = postlint()
        .arg(empty.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("main.cf: no such file"), "{err}");
    postlint()
        .args(["--explain", "no-such-rule"])
        .assert()
        .code(2);
    let out = postlint()
        .args(["--ignore", "stale-maps"])
        .arg(clean_setup().path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("did you mean `stale-map`?"));
    postlint().args(["--format", "xml"]).assert().code(2);
}

#[test]
fn json_output_follows_the_schema() {
    let broken = broken_setup();
    let out = postlint()
        .arg(broken.path())
        .args(["--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["rule"], "virtual-domain-in-mydestination");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        d["path"],
        broken.path().join("main.cf").to_string_lossy().as_ref()
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(17))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(2), Some(28))
    );
    assert_eq!(d["related"][0]["line"], 3);
    assert_eq!(
        d["related"][0]["message"],
        "also listed in virtual_mailbox_domains"
    );
    let clean = postlint()
        .arg(clean_setup().path())
        .args(["--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&clean).unwrap();
    assert_eq!(doc["diagnostics"].as_array().map(Vec::len), Some(0));
}

#[test]
fn human_output_has_no_colour_when_piped_or_no_color_is_set() {
    let broken = broken_setup();
    let out = postlint()
        .arg(broken.path())
        .env("NO_COLOR", "1")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains('\u{1b}'), "escape codes in piped output");
    assert!(text.contains("example.com is listed in mydestination and in virtual_mailbox_domains"));
    assert!(text.contains("Found 1 problem (1 error, 0 warnings)."));
    let out = postlint()
        .arg(broken.path())
        .args(["--color", "always"])
        .assert()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(out).unwrap().contains('\u{1b}'));
}

#[test]
fn explain_prints_every_rule_page_and_list_rules_lists_them() {
    let listing = postlint()
        .arg("--list-rules")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let listing = String::from_utf8(listing).unwrap();
    for rule in postlint::rules::RULES {
        let out = postlint()
            .args(["--explain", rule.id])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let page = String::from_utf8(out).unwrap();
        assert!(page.starts_with(&format!("# {}\n", rule.id)));
        assert!(
            listing
                .lines()
                .any(|l| l.starts_with(rule.id) && l.contains(rule.summary)),
            "{} missing from --list-rules",
            rule.id
        );
    }
}

/// A test fails when a rule has no page, or a page no rule.
#[test]
fn rule_pages_and_rules_match() {
    let mut pages: Vec<String> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    let ids: Vec<String> = postlint::rules::RULES
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(pages, ids);
    for rule in postlint::rules::RULES {
        let on_disk =
            std::fs::read_to_string(Path::new("rules").join(format!("{}.md", rule.id))).unwrap();
        assert_eq!(on_disk, rule.doc, "{} embeds a stale page", rule.id);
    }
}

#[test]
fn verbose_says_what_was_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cf"),
        "compatibility_level = 3.6\nalias_maps = hash:/etc/aliases\nmydestination = localhost\n",
    )
    .unwrap();
    let out = postlint()
        .arg(dir.path())
        .arg("--verbose")
        .assert()
        .code(0)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(
        err.contains("skipped /etc/aliases: outside the linted tree"),
        "{err}"
    );
}

#[test]
fn an_unreadable_map_is_reported_and_the_rest_is_linted() {
    let dir = broken_setup();
    std::fs::write(dir.path().join("main.cf"), "compatibility_level = 3.6\nmydestination = example.com\nvirtual_mailbox_domains = example.com\nvirtual_alias_maps = hash:/etc/postfix/virtual\nvirtual_transport = lmtp:unix:x\n").unwrap();
    std::fs::create_dir(dir.path().join("virtual")).unwrap();
    let assert = postlint().arg(dir.path()).assert().code(1);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("virtual: cannot read"), "{err}");
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(out.contains("virtual-domain-in-mydestination"));
}

fn short(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = postlint()
        .current_dir(dir)
        .args(["--format", "short"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A repository with one setup and three findings: one silenced in postlint.toml, one inline,
/// one by a baseline. Each silence shows in the summary, and an audit run sees all three.
#[test]
fn a_finding_can_be_silenced_three_ways_and_an_audit_sees_them() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let pf = repo.path().join("postfix");
    std::fs::create_dir(&pf).unwrap();
    std::fs::write(
        pf.join("main.cf"),
        "compatibility_level = 3.6\n\
         # postlint: disable=virtual-domain-in-mydestination -- moving it, ticket 42\n\
         mydestination = example.com, localhost\n\
         virtual_mailbox_domains = example.com\n\
         virtual_transport = lmtp:unix:private/dovecot-lmtp\n\
         virtual_alias_domains = example.net\n\
         myhostnme = mail.example.net\n",
    )
    .unwrap();
    std::fs::write(
        repo.path().join("postlint.toml"),
        "[per-file-ignores]\n\"postfix/main.cf\" = [\"unknown-parameter\"]\n",
    )
    .unwrap();
    let (code, out, _) = short(&["postfix"], repo.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing-role-alias"), "{out}");
    assert!(
        out.ends_with(
            "; 2 silenced (1 inline, 1 by postlint.toml).\n\
             Not checked: 1 table postlint cannot read; could not decide: alias-target-unknown, \
             stale-map, unreferenced-table; may have missed some: missing-role-alias (--verbose \
             lists them).\n"
        ),
        "{out}"
    );

    let (code, _, err) = short(
        &["postfix", "--write-baseline", "baseline.json"],
        repo.path(),
    );
    assert_eq!(code, 0);
    assert!(err.contains("wrote 2 findings"), "{err}");
    // Lines moved above the findings: the baseline still holds them.
    let main_cf = std::fs::read_to_string(pf.join("main.cf")).unwrap();
    std::fs::write(pf.join("main.cf"), format!("# moved\n\n{main_cf}")).unwrap();
    let (code, out, _) = short(&["postfix", "--baseline", "baseline.json"], repo.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "No problems found; 4 silenced (1 inline, 1 by postlint.toml, 2 by the baseline).\n\
         Not checked: 1 table postlint cannot read; could not decide: alias-target-unknown, \
         stale-map, unreferenced-table; may have missed some: missing-role-alias (--verbose \
         lists them).\n"
    );

    // The audit: no config, no inline suppressions, no baseline.
    let (code, out, _) = short(
        &["postfix", "--no-config", "--no-inline-suppressions"],
        repo.path(),
    );
    assert_eq!(code, 1);
    for rule in [
        "virtual-domain-in-mydestination",
        "unknown-parameter",
        "missing-role-alias",
    ] {
        assert!(out.contains(&format!("[{rule}]")), "{rule}: {out}");
    }
    assert!(
        out.contains("(1 error, 3 warnings).\nNot checked: 1 table"),
        "{out}"
    );
}

#[test]
fn select_ignore_exit_zero_and_quiet() {
    let broken = broken_setup();
    let dir = broken.path();
    let (code, out, _) = short(&["--select", "unknown-parameter", "."], dir);
    assert_eq!((code, out.as_str()), (0, "No problems found.\n"));
    let (code, out, _) = short(&["--quiet", "--select", "unknown-parameter", "."], dir);
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, _, _) = short(&["--exit-zero", "."], dir);
    assert_eq!(code, 0);
    let (code, out, _) = short(
        &[
            ".",
            "--select",
            "virtual-domain-in-mydestination,missing-role-alias",
            "--ignore",
            "missing-role-alias",
        ],
        dir,
    );
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 2, "{out}");
    let (code, _, err) = short(&[".", "--select", "catch-all-alais"], dir);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `catch-all-alias`"), "{err}");
}

#[test]
fn postlint_toml_mistakes_name_the_line_and_suggest() {
    let dir = clean_setup();
    let cases = [
        (
            "selct = []\n",
            "postlint.toml:1: unknown key `selct`; did you mean `select`?",
        ),
        (
            "ignore = [\n  \"catch-all-alias\",\n  \"stale-mpa\",\n]\n",
            "postlint.toml:3: unknown rule `stale-mpa`; did you mean `stale-map`?",
        ),
        (
            "[severity]\nstale-map = \"fatal\"\n",
            "postlint.toml:2: unknown severity `fatal`",
        ),
        (
            "fail-on = \"sometimes\"\n",
            "postlint.toml:1: unknown fail-on `sometimes`",
        ),
        ("exclude = \"x\"\n", "postlint.toml:1: invalid type"),
    ];
    for (text, expected) in cases {
        std::fs::write(dir.path().join("postlint.toml"), text).unwrap();
        let (code, _, err) = short(&["."], dir.path());
        assert_eq!(code, 2, "{text}");
        assert!(err.contains(expected), "{text}: {err}");
        // --no-config ignores it, --config names another.
        assert_eq!(short(&[".", "--no-config"], dir.path()).0, 0);
    }
    std::fs::write(dir.path().join("other.toml"), "fail-on = \"never\"\n").unwrap();
    let (code, _, err) = short(&[".", "--config", "other.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
    // A relative --config: its globs match paths relative to the current directory.
    std::fs::write(
        dir.path().join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\nmyhostnme = mail.example.net\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("other.toml"),
        "[per-file-ignores]\n\"main.cf\" = [\"unknown-parameter\"]\n",
    )
    .unwrap();
    let (code, out, _) = short(&[".", "--config", "other.toml"], dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 silenced (1 by postlint.toml)"), "{out}");
}

#[test]
fn completions_and_man_page_come_from_the_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = postlint()
            .args(["--completions", shell])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("write-baseline"), "{shell}");
        // --select, --ignore and --explain complete to rule ids (clap's elvish and
        // powershell scripts complete flags only).
        if matches!(shell, "bash" | "zsh" | "fish") {
            for rule in postlint::rules::RULES {
                assert!(text.contains(rule.id), "{shell}: {}", rule.id);
            }
        }
        if shell == "bash" {
            let dir = tempfile::tempdir().unwrap();
            let script = dir.path().join("postlint.bash");
            std::fs::write(&script, &text).unwrap();
            let check = std::process::Command::new("bash")
                .arg("-n")
                .arg(&script)
                .status()
                .unwrap();
            assert!(check.success(), "bash -n rejects the completion script");
        }
    }
    let out = postlint()
        .arg("--man")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let man = String::from_utf8(out).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH postlint 1"),
        "{man}"
    );
    for flag in ["no\\-inline\\-suppressions", "Exit status"] {
        assert!(man.contains(flag), "{flag} missing from the man page");
    }
    postlint().args(["--completions", "tcsh"]).assert().code(2);
}

/// Human output wraps at a terminal's width without splitting a path, and not at all into a
/// pipe. The terminal is a pseudo-terminal from util-linux's `script`.
#[test]
fn human_output_follows_the_terminal_width_and_keeps_paths_whole() {
    let case = "fixtures/list-file-looks-like-table/trigger-virtual-domains-file-with-ok";
    let piped = postlint()
        .args([
            "--no-config",
            "--color",
            "never",
            "--select",
            "list-file-looks-like-table",
            case,
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let piped = String::from_utf8(piped).unwrap();
    let help = piped.lines().find(|l| l.contains("help:")).unwrap();
    assert!(
        help.ends_with("2 of 2 lines have this shape."),
        "not wrapped into a pipe: {piped}"
    );

    let binary = assert_cmd::cargo::cargo_bin("postlint");
    let command = format!(
        "stty rows 40 cols 60; {} --no-config --color never --select list-file-looks-like-table {case}",
        binary.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output();
    let Ok(out) = out else {
        panic!("util-linux's script(1) is needed for this test");
    };
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let help: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("help:"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(help.len() > 3, "wrapped at 60 columns: {text}");
    for line in &help {
        assert!(line.chars().count() <= 60, "{line:?} in {text}");
    }
    // Each path is one word of the wrapped help: no line ends inside it.
    let words: Vec<&str> = help.iter().flat_map(|l| l.split_whitespace()).collect();
    for whole in [
        "hash:/etc/postfix/virtual_domains`",
        "/etc/postfix/virtual_domains`.",
    ] {
        assert!(words.contains(&whole), "{whole} split in {text}");
    }
}

/// The target release comes from the flag, else postlint.toml, else the newest known; the flag
/// wins, `--verbose` says which, and a bad release is an error naming its line.
#[test]
fn the_postfix_version_comes_from_the_flag_then_postlint_toml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\nforce_mime_input_conversion = no\n",
    )
    .unwrap();
    let newer = "`force_mime_input_conversion` is a parameter of Postfix 3.9 and later";
    let (code, out, err) = short(&["--verbose", "."], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("linting for Postfix 3.11 (the newest release"),
        "{err}"
    );
    let (code, out, _) = short(&["--postfix-version", "3.8", "."], dir.path());
    assert_eq!(code, 1);
    assert!(out.contains(newer), "{out}");
    std::fs::write(
        dir.path().join("postlint.toml"),
        "postfix-version = \"3.8.2\"\n",
    )
    .unwrap();
    let (code, out, err) = short(&["--verbose", "."], dir.path());
    assert_eq!(code, 1);
    assert!(out.contains(newer), "{out}");
    assert!(
        err.contains("linting for Postfix 3.8 (postfix-version in postlint.toml)"),
        "{err}"
    );
    let (code, out, _) = short(&["--postfix-version", "3.9", "."], dir.path());
    assert_eq!(code, 0, "{out}");
    std::fs::write(
        dir.path().join("postlint.toml"),
        "\npostfix-version = \"latest\"\n",
    )
    .unwrap();
    let (code, _, err) = short(&["."], dir.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("postlint.toml:2: `latest` is not a Postfix release"),
        "{err}"
    );
    let (code, _, err) = short(&["--postfix-version", "3", "."], dir.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("`3` is not a Postfix release like 3.7 or 3.10"),
        "{err}"
    );
}

/// A release older than postlint's data (CentOS 7's 2.10) is linted as the oldest it knows:
/// a warning says so on every run, and no finding says of it what is true only of 3.7 (that
/// 3.7 leaves smtpd_forbid_bare_newline off: 2.10 has no such parameter to turn on).
#[test]
fn a_release_older_than_the_data_is_named_as_linted() {
    let out = postlint()
        .args([
            "--postfix-version",
            "2.10",
            "--format",
            "short",
            "fixtures/smuggling-protection-off/trigger-not-set-on-3-7",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: postlint's parameter data covers Postfix 3.7 to 3.11, not 2.10 \
             (--postfix-version): parameter names and defaults are taken from 3.7"
        ) && stderr.contains("judge 2.10 itself"),
        "{stderr}"
    );
    assert!(
        stdout.contains("Postfix 2.10 predates smtpd_forbid_bare_newline"),
        "{stdout}"
    );
    assert!(!stdout.contains("Postfix 3.7"), "{stdout}");
    // A release postlint knows: no warning.
    let out = postlint()
        .args([
            "--postfix-version",
            "3.8",
            "fixtures/smuggling-protection-off/trigger-not-set-on-3-7",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("postlint knows"));
}

/// `--sysroot ROOT /usr/local/etc/postfix`: the directory as the system names it (FreeBSD's
/// place) is found under ROOT, as every absolute path is with --sysroot.
#[test]
fn an_absolute_directory_is_found_under_the_sysroot() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("usr/local/etc/postfix");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = example.com, localhost\nvirtual_mailbox_domains = example.com\nvirtual_transport = lmtp:unix:private/dovecot-lmtp\n",
    )
    .unwrap();
    let out = postlint()
        .args([
            "--sysroot",
            ".",
            "/usr/local/etc/postfix",
            "--format",
            "short",
        ])
        .current_dir(root.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("virtual-domain-in-mydestination"),
        "{stdout}"
    );
}

/// A name of the user's own whose value is a table prefix (`indexed =
/// ${default_database_type}:${config_directory}`, used as `${indexed}/aliases`) is not opened as
/// a table: no program reads it. Reading it warned about the configuration directory.
#[test]
fn a_parameter_of_the_users_own_is_no_table() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cf"),
        "compatibility_level = 3.6\n\
         indexed = ${default_database_type}:${config_directory}\n\
         alias_maps = ${indexed}/aliases\n\
         alias_database = $alias_maps\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("aliases"), "postmaster: root\n").unwrap();
    let out = postlint()
        .arg(dir.path())
        .args(["--format", "short", "--verbose"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("cannot read"), "{err}");
    assert!(err.contains("read ") && err.contains("aliases"), "{err}");
}

/// In a system image, an absolute link resolves inside the image (zPanel links
/// /etc/postfix/main.cf to /etc/zpanel/main.cf), for main.cf and for the tables it names.
#[test]
fn sysroot_links_resolve_inside_the_image() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc/postfix")).unwrap();
    std::fs::create_dir_all(root.join("etc/zpanel")).unwrap();
    std::fs::write(
        root.join("etc/zpanel/main.cf"),
        "compatibility_level = 3.6\nvirtual_alias_maps = hash:/etc/postfix/virtual\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/zpanel/virtual"),
        "a@example.com b@example.net\na@example.com c@example.net\n",
    )
    .unwrap();
    symlink("/etc/zpanel/main.cf", root.join("etc/postfix/main.cf")).unwrap();
    symlink("/etc/zpanel/virtual", root.join("etc/postfix/virtual")).unwrap();
    let out = postlint()
        .args([
            "--no-config",
            "--format",
            "short",
            "--select",
            "duplicate-map-key",
        ])
        .arg("--sysroot")
        .arg(root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("etc/postfix/virtual:2:1"), "{text}");
}

/// A cidr table smtpd's access checks evaluate (its file, or inline rules) is not counted
/// among the tables postlint cannot read; one with `if`/`endif`, which they do not, is.
#[test]
fn cidr_tables_the_relay_check_reads_are_not_counted_unread() {
    let dir = tempfile::tempdir().unwrap();
    let main = |client: &str| {
        format!(
            "compatibility_level = 3.6\nmydestination = localhost\nalias_maps =\nalias_database =\n\
             smtpd_client_restrictions = check_client_access {client}\n"
        )
    };
    let unread = |dir: &Path| {
        let (_, out, _) = short(&["."], dir);
        out.lines()
            .find(|l| l.starts_with("Not checked"))
            .unwrap_or_default()
            .contains("postlint cannot read")
    };
    std::fs::write(dir.path().join("clients.cidr"), "192.0.2.0/24 REJECT\n").unwrap();
    for readable in [
        "cidr:{ {192.0.2.0/24 REJECT} }",
        "cidr:${config_directory}/clients.cidr",
    ] {
        std::fs::write(dir.path().join("main.cf"), main(readable)).unwrap();
        assert!(!unread(dir.path()), "{readable}");
    }
    let blocks = "cidr:{ {if 192.0.2.0/24}, {192.0.2.0/25 REJECT}, {endif} }";
    std::fs::write(dir.path().join("main.cf"), main(blocks)).unwrap();
    assert!(unread(dir.path()), "{blocks}");
}

/// `--show-config` says a closed relay holds only as far as postlint can see, naming the tables
/// on the restriction lists it cannot read or list (a database, a pcre table); with only
/// tables it reads, the verdict stands alone.
#[test]
fn a_closed_relay_names_the_tables_postlint_cannot_see() {
    let dir = tempfile::tempdir().unwrap();
    let main = |extra: &str| {
        format!(
            "compatibility_level = 3.6\nmydestination = localhost, example.com\n\
             smtpd_relay_restrictions = permit_mynetworks, {extra}reject_unauth_destination\n"
        )
    };
    let closed_line = |dir: &Path| {
        let out = postlint()
            .current_dir(dir)
            .args(["--show-config", "."])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .find(|l| l.contains(": relay closed"))
            .unwrap_or_else(|| panic!("no closed verdict: {text}"))
            .to_string()
    };
    std::fs::write(
        dir.path().join("main.cf"),
        main("check_client_access mysql:/etc/postfix/clients.cf, "),
    )
    .unwrap();
    let line = closed_line(dir.path());
    assert!(
        line.contains("as far as postlint can see")
            && line.contains("mysql:/etc/postfix/clients.cf"),
        "{line}"
    );
    std::fs::write(
        dir.path().join("main.cf"),
        main("check_client_access inline:{ {192.0.2.1 = REJECT} }, "),
    )
    .unwrap();
    let line = closed_line(dir.path());
    assert!(!line.contains("as far as"), "{line}");
}
