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
        "mydestination = localhost\nhome_mailbox = Maildir\n",
    )
    .unwrap();
    postlint().arg(dir.path()).assert().code(1);
    postlint()
        .arg(dir.path())
        .args(["--fail-on", "error"])
        .assert()
        .code(0);
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
        "alias_maps = hash:/etc/aliases\nmydestination = localhost\n",
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
