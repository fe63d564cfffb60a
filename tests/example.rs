//! The bundled example (the README's first command) reports exactly its planted mistakes.

use assert_cmd::Command;

#[test]
fn the_example_reports_its_planted_mistakes() {
    let out = Command::cargo_bin("postlint")
        .unwrap()
        .args(["--sysroot", "example", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let found: Vec<(String, String, u64)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("open-relay", "example/etc/postfix/main.cf", 45),
        (
            "virtual-domain-in-mydestination",
            "example/etc/postfix/main.cf",
            56,
        ),
        ("size-limit-conflict", "example/etc/postfix/main.cf", 60),
        ("missing-role-alias", "example/etc/postfix/main.cf", 69),
        (
            "domain-in-multiple-classes",
            "example/etc/postfix/main.cf",
            77,
        ),
        ("maildir-trailing-slash", "example/etc/postfix/vmailbox", 11),
        ("catch-all-alias", "example/etc/postfix/virtual", 24),
    ];
    let expected: Vec<(String, String, u64)> = expected
        .iter()
        .map(|(r, p, l)| (r.to_string(), p.to_string(), *l))
        .collect();
    assert_eq!(found, expected);
}
