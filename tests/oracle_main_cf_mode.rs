//! Real Postfix decides `main-cf-unreadable`: the commands that send mail into Postfix run as
//! the user who sends, and read main.cf first. postconf reads it the same way (mail_conf_read)
//! and, run as user `nobody`, stops with "open .../main.cf: Permission denied" on a main.cf of
//! mode 0600, and reads it at 0644. postlint, on the same directory as a system image's
//! etc/postfix, reports the first only.
//!
//! Needs Postfix and root (to run as `nobody`); without them it says "skipped", unless
//! POSTLINT_ORACLE=required.

use std::os::unix::fs::PermissionsExt;

mod common;

fn as_nobody_reads(config_dir: &std::path::Path) -> (bool, String) {
    let dir = config_dir.to_string_lossy().into_owned();
    let (ok, out, err) = common::run(
        "runuser",
        &[
            "-u",
            "nobody",
            "--",
            "postconf",
            "-c",
            &dir,
            "-h",
            "mail_version",
        ],
    );
    (ok && !out.trim().is_empty(), err)
}

#[test]
fn a_closed_main_cf_stops_every_user_but_root() {
    if !runs_here() {
        return;
    }
    let top = tempfile::tempdir().unwrap();
    let root = top.path();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let etc = root.join("etc");
    std::fs::create_dir_all(etc.join("postfix")).unwrap();
    std::fs::write(etc.join("passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
    let main_cf = etc.join("postfix/main.cf");
    std::fs::write(
        &main_cf,
        "compatibility_level = 3.6\nmydestination = localhost\n",
    )
    .unwrap();
    common::backdate(&etc.join("postfix"));
    let reported = |mode: u32| -> usize {
        std::fs::set_permissions(&main_cf, std::fs::Permissions::from_mode(mode)).unwrap();
        common::sysroot_diagnostics("main-cf-unreadable", root)
            .0
            .len()
    };
    for dir in [root.to_path_buf(), etc.clone(), etc.join("postfix")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let findings = reported(0o600);
    let (read, err) = as_nobody_reads(&etc.join("postfix"));
    println!(
        "mode 0600: nobody reads main.cf: {read} ({}); postlint: {findings}",
        err.trim()
    );
    assert!(!read && err.contains("Permission denied"), "{err}");
    assert_eq!(findings, 1);
    let findings = reported(0o644);
    let (read, err) = as_nobody_reads(&etc.join("postfix"));
    println!("mode 0644: nobody reads main.cf: {read}; postlint: {findings}");
    assert!(read, "{err}");
    assert_eq!(findings, 0);
}

/// Whether Postfix is here and the test runs as root (it runs commands as `nobody`).
fn runs_here() -> bool {
    common::postfix_and_root()
}

/// A Dockerfile's `chmod` that takes other users' access to main.cf, or to /etc/postfix
/// (RealmicNetwork/docker-postfix: `RUN chmod -R go-rwx /etc/postfix/`): each command is run
/// on a real /etc/postfix copy, and postconf run as `nobody` fails exactly where postlint
/// (`--discover`, a warning on the Dockerfile's line) reports it.
#[test]
fn a_dockerfile_chmod_decides_as_postconf_run_as_nobody() {
    if !runs_here() {
        return;
    }
    let cases = [
        "chmod -R go-rwx /etc/postfix/",
        "chmod -R 644 /etc/postfix",
        "chmod 600 /etc/postfix/main.cf",
        "chmod 750 /etc/postfix",
        "chmod u=rw,g=r,o= /etc/postfix/main.cf",
        "chmod -R o+rX /etc/postfix",
        "chmod 600 /etc/postfix/sasl_passwd",
        "chmod -R g-w /etc/postfix",
        "chmod 0644 /etc/postfix/main.cf",
    ];
    let mut failures = Vec::new();
    for command in cases {
        // The image: main.cf 0644 in a 0755 /etc/postfix, then the command.
        let top = tempfile::tempdir().unwrap();
        let root = top.path();
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let dir = root.join("etc/postfix");
        std::fs::create_dir_all(&dir).unwrap();
        for d in [root.join("etc"), dir.clone()] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let main_cf = dir.join("main.cf");
        std::fs::write(
            &main_cf,
            "compatibility_level = 3.6\nmydestination = localhost\n",
        )
        .unwrap();
        std::fs::write(dir.join("sasl_passwd"), "[smtp.example.net]:587 u:p\n").unwrap();
        std::fs::set_permissions(&main_cf, std::fs::Permissions::from_mode(0o644)).unwrap();
        let real = command.replace("/etc/postfix", &dir.to_string_lossy());
        let (ok, _, err) = common::run("sh", &["-c", &real]);
        assert!(ok, "{real}: {err}");
        let (read, _) = as_nobody_reads(&dir);
        // postlint on a repository whose Dockerfile runs the command after copying main.cf.
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join("conf")).unwrap();
        std::fs::write(
            repo.path().join("conf/main.cf"),
            "compatibility_level = 3.6\nmydestination = localhost\n",
        )
        .unwrap();
        std::fs::write(
            repo.path().join("Dockerfile"),
            format!("FROM debian:12\nRUN apt-get install -y postfix\nCOPY conf/ /etc/postfix/\nRUN {command}\n"),
        )
        .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_postlint"))
            .args([
                "--discover",
                "--select",
                "main-cf-unreadable",
                "--format",
                "short",
            ])
            .current_dir(repo.path())
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&out.stdout);
        let reported = out.contains("warning[main-cf-unreadable]");
        println!("{command}: nobody reads main.cf: {read}; postlint reports: {reported}");
        if reported == read {
            failures.push(format!(
                "{command}: nobody reads main.cf: {read}; postlint: {out}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
