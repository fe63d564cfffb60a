//! Every output format, as users see it, on the bundled example; SARIF checked against the
//! SARIF 2.1.0 schema (tests/data/sarif-schema-2.1.0.json, the OASIS file).

use assert_cmd::Command;

fn lint_example(format: &str) -> String {
    let out = Command::cargo_bin("postlint")
        .unwrap()
        .args(["--sysroot", "example", "--format", format])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn short_format() {
    insta::assert_snapshot!(lint_example("short"));
}

#[test]
fn github_format() {
    insta::assert_snapshot!(lint_example("github"));
}

#[test]
fn junit_format() {
    insta::assert_snapshot!(lint_example("junit"));
}

#[test]
fn json_format() {
    insta::assert_snapshot!(lint_example("json"));
}

/// The rule pages are long and have their own tests: the snapshot names them instead.
#[test]
fn sarif_format() {
    let mut doc: serde_json::Value = serde_json::from_str(&lint_example("sarif")).unwrap();
    for rule in doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let id = rule["id"].as_str().unwrap().to_string();
        let page = std::fs::read_to_string(format!("rules/{id}.md")).unwrap();
        assert_eq!(rule["help"]["markdown"], page.as_str());
        rule["help"]["text"] = format!("<rules/{id}.md>").into();
        rule["help"]["markdown"] = format!("<rules/{id}.md>").into();
    }
    insta::assert_json_snapshot!(doc, {".runs[0].tool.driver.version" => "[version]"});
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    // The OASIS schema's language tag patterns have a bare `]`: a literal in ECMA-262 regexes,
    // rejected by the validator's stricter syntax. Escaping it keeps the same meaning.
    let text = include_str!("data/sarif-schema-2.1.0.json");
    let bare = "[a-zA-Z]{2}]?$";
    assert!(text.contains(bare));
    let schema: serde_json::Value =
        serde_json::from_str(&text.replace(bare, r"[a-zA-Z]{2}\\]?$")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&lint_example("sarif")).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator catches a document that breaks the schema.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

/// The fingerprint names rule, file and subject, not the line: adding lines above a finding
/// keeps it, and the two role findings of one domain get different ones.
#[test]
fn fingerprints_survive_moved_lines() {
    let dir = tempfile::tempdir().unwrap();
    let main_cf = "compatibility_level = 3.6\nmydestination = example.com, localhost\nvirtual_mailbox_domains = example.com\nvirtual_transport = lmtp:unix:private/dovecot-lmtp\nvirtual_alias_domains = example.net\n";
    let fingerprints = |text: &str| {
        std::fs::write(dir.path().join("main.cf"), text).unwrap();
        let out = Command::cargo_bin("postlint")
            .unwrap()
            .arg(dir.path())
            .args(["--format", "json"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut found: Vec<(String, String, u64)> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["rule"].as_str().unwrap().to_string(),
                    d["fingerprint"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                )
            })
            .collect();
        found.sort();
        found
    };
    let before = fingerprints(main_cf);
    let after = fingerprints(&format!(
        "# a comment\n\nmyhostname = mx.example.com\n{main_cf}"
    ));
    assert!(before.len() >= 3, "{before:?}");
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1), (&a.0, &a.1));
        assert_eq!(b.2 + 3, a.2, "the line moved");
    }
    let roles: Vec<&String> = before
        .iter()
        .filter(|f| f.0 == "missing-role-alias")
        .map(|f| &f.1)
        .collect();
    assert_eq!(roles.len(), 2);
    assert_ne!(roles[0], roles[1]);
}
