//! `postlint --trace ADDRESS`: what the user sees for each address of each fixtures/trace case
//! (its `addresses` file), as text and JSON snapshots.

use std::path::Path;

use assert_cmd::Command;

fn trace(dir: &Path, address: &str, json: bool) -> String {
    let mut cmd = Command::cargo_bin("postlint").unwrap();
    cmd.arg("--trace").arg(address).arg(dir);
    if json {
        cmd.args(["--format", "json"]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}: {address}: {:?}",
        dir.display(),
        out
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn traces_of_each_case() {
    let mut cases: Vec<_> = std::fs::read_dir("fixtures/trace")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 2);
    for case in cases {
        let addresses = std::fs::read_to_string(case.join("addresses")).unwrap();
        let mut text = String::new();
        let mut json = String::new();
        for address in addresses
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            text.push_str(&format!("$ postlint --trace {address}\n"));
            text.push_str(&trace(&case, address, false));
            json.push_str(&trace(&case, address, true));
        }
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("{name}-text"), text);
        insta::assert_snapshot!(format!("{name}-json"), json);
    }
}

#[test]
fn trace_takes_one_directory_and_refuses_other_formats() {
    let out = Command::cargo_bin("postlint")
        .unwrap()
        .args([
            "--trace",
            "a@example.org",
            "--format",
            "sarif",
            "fixtures/trace/virtual-hosting",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trace has no"));
}

/// The README's `--trace` example is what postlint prints on the bundled example.
#[test]
fn readme_trace_example_is_current() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let mut shown = 0;
    let mut lines = readme.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(args) = line.strip_prefix("$ postlint --trace ") else {
            continue;
        };
        let (address, dir) = args.split_once(' ').unwrap();
        let mut expected = String::new();
        while let Some(next) = lines.peek() {
            if next.starts_with('$') || next.starts_with("```") {
                break;
            }
            expected.push_str(lines.next().unwrap());
            expected.push('\n');
        }
        assert_eq!(
            trace(Path::new(dir), address, false),
            expected,
            "README: {line}"
        );
        shown += 1;
    }
    assert!(shown >= 2, "the README shows {shown} traces");
}

/// --trace prints the model and runs no rule (on an ISP's maps the rules are most of the time);
/// --verbose, which lists each rule's time, shows none, while a plain --verbose run lists them.
#[test]
fn trace_runs_no_rule() {
    let run = |trace: bool| {
        let mut cmd = Command::cargo_bin("postlint").unwrap();
        cmd.arg("--verbose");
        if trace {
            cmd.args(["--trace", "a@example.org"]);
        }
        let out = cmd.arg("fixtures/trace/virtual-hosting").output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let rule_lines = |stderr: &str| stderr.lines().filter(|l| l.contains(" ms: rule ")).count();
    assert!(rule_lines(&run(false)) > 10, "{}", run(false));
    assert_eq!(rule_lines(&run(true)), 0, "{}", run(true));
}

/// `myorigin = /etc/mailname` (Debian's main.cf; Debian builds Postfix to read the domain from
/// the file): in a system image the file is read; in a configuration directory it is outside
/// the tree, and a name completed with it is unknown, never `name@/etc/mailname`.
#[test]
fn myorigin_from_a_file_is_read_in_a_system_image() {
    let root = tempfile::tempdir().unwrap();
    let etc = root.path().join("etc");
    std::fs::create_dir_all(etc.join("postfix")).unwrap();
    std::fs::write(etc.join("mailname"), "example.com\n").unwrap();
    std::fs::write(
        etc.join("postfix/main.cf"),
        "compatibility_level = 3.6\nmyorigin = /etc/mailname\n\
         mydestination = $myhostname, example.com, localhost\n\
         virtual_alias_maps = texthash:/etc/postfix/virtual\n",
    )
    .unwrap();
    std::fs::write(
        etc.join("postfix/virtual"),
        "postmaster@example.com admin\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("postlint")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let sysroot = root.path().to_str().unwrap();
    let image = run(&["--sysroot", sysroot, "--trace", "postmaster@example.com"]);
    assert!(image.contains("→ admin@example.com (virtual:1)"), "{image}");
    let dir = etc.join("postfix");
    let tree = run(&["--trace", "postmaster@example.com", dir.to_str().unwrap()]);
    assert!(
        tree.contains("unknown: admin is completed with $myorigin"),
        "{tree}"
    );
    assert!(!tree.contains("/etc/mailname"), "{tree}");
}
