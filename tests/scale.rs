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
