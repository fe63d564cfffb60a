//! The generated ISP setup (examples/gen-isp.rs): postlint finds exactly the problems the
//! generator planted, no more and no fewer. Speed and memory are measured by
//! scripts/bench-isp.sh, not here.

#[path = "../examples/gen-isp.rs"]
mod gen_isp;

use std::collections::BTreeSet;

use postlint::model::LoadOptions;

fn findings_of(
    shape: &gen_isp::Shape,
) -> (BTreeSet<(String, String, usize)>, Vec<gen_isp::Planted>) {
    let dir = tempfile::tempdir().unwrap();
    let planted = gen_isp::generate(dir.path(), shape).unwrap();
    let options = LoadOptions {
        config_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let all: Vec<_> = postlint::rules::RULES.iter().collect();
    let report = postlint::lint(&options, &all).unwrap();
    let found = report
        .findings
        .iter()
        .map(|f| {
            let file = report.model.sources.get(f.primary.span.file);
            let name = file
                .real_path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let line = file.line_col(f.primary.span.start).0;
            (f.rule.to_string(), name, line)
        })
        .collect();
    (found, planted)
}

#[test]
fn the_planted_problems_are_found_and_nothing_else() {
    for domains in [gen_isp::Shape::SMALLEST, 500] {
        let shape = gen_isp::Shape {
            domains,
            ..Default::default()
        };
        let (found, planted) = findings_of(&shape);
        let expected: BTreeSet<(String, String, usize)> = planted
            .iter()
            .map(|p| (p.rule.to_string(), p.file.to_string(), p.line))
            .collect();
        assert_eq!(planted.len(), 12, "the generator plants twelve problems");
        assert_eq!(found, expected, "{domains} domains");
    }
}

/// The typo hint of mailbox-outside-domains (an alias key outside every class is reported only
/// with one) is the same whether the hosted domains are few (a set of their own) or many (the
/// model's class memo answers instead): the same finding with 50 and with 5,000 domains.
#[test]
fn the_typo_hint_is_the_same_for_few_and_many_domains() {
    let mut seen = Vec::new();
    for domains in [50, 5000] {
        let dir = tempfile::tempdir().unwrap();
        let listed: String = (0..domains)
            .map(|i| format!("shop{i}.example OK\n"))
            .collect();
        std::fs::write(dir.path().join("virtual_domains"), listed).unwrap();
        std::fs::write(
            dir.path().join("virtual"),
            "postmaster@shop7.example root@shop1.example\nsales@shop7.exmaple root@shop1.example\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("main.cf"),
            "compatibility_level = 3.6\nmydestination = localhost\n\
             virtual_alias_domains = hash:/etc/postfix/virtual_domains\n\
             virtual_alias_maps = hash:/etc/postfix/virtual\n",
        )
        .unwrap();
        let options = LoadOptions {
            config_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let rule = postlint::rules::RULES
            .iter()
            .find(|r| r.id == "mailbox-outside-domains")
            .unwrap();
        let report = postlint::lint(&options, &[rule]).unwrap();
        let messages: Vec<String> = report
            .findings
            .iter()
            .map(|f| format!("{} | {}", f.message, f.primary.message))
            .collect();
        assert_eq!(messages.len(), 1, "{domains} domains: {messages:?}");
        assert!(messages[0].contains("shop7.example"), "{messages:?}");
        seen.push(messages);
    }
    assert_eq!(seen[0], seen[1]);
}
