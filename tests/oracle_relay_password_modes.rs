//! Real Postfix decides secret-readable on a relay password table: `postmap -q`, run as user
//! `nobody`, reads the relay login from `sasl_passwd.db` exactly when postlint reports the
//! table as readable. It also shows what the rule's help says of postmap: a new .db gets the
//! source's mode (0644 from the umask), an existing one keeps its own (a `chmod 600
//! sasl_passwd` after the first postmap leaves the .db readable).
//!
//! Needs Postfix and root (to run as `nobody`); without them it says "skipped", unless
//! POSTLINT_ORACLE=required.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

mod common;

const KEY: &str = "[smtp.example.net]:587";

/// Whether `nobody` gets the relay login out of the compiled table, as Postfix reads it.
fn nobody_reads(config_dir: &Path, table: &Path) -> bool {
    let (ok, out, _) = common::run(
        "runuser",
        &[
            "-u",
            "nobody",
            "--",
            "postmap",
            "-c",
            &config_dir.to_string_lossy(),
            "-q",
            KEY,
            &format!("hash:{}", table.display()),
        ],
    );
    ok && out.contains("mailer@example.org:")
}

fn postmap(config_dir: &Path, table: &Path) {
    let (ok, _, err) = common::run(
        "postmap",
        &[
            "-c",
            &config_dir.to_string_lossy(),
            &format!("hash:{}", table.display()),
        ],
    );
    assert!(ok, "postmap: {err}");
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_readable_relay_password_table_is_one_nobody_can_query() {
    if !common::postfix_and_root() {
        return;
    }
    if !common::postfix_has_types(&["hash"]) {
        return;
    }
    let top = tempfile::tempdir().unwrap();
    let root = top.path();
    let etc = root.join("etc");
    let dir = etc.join("postfix");
    std::fs::create_dir_all(&dir).unwrap();
    for d in [root, etc.as_path(), dir.as_path()] {
        set_mode(d, 0o755);
    }
    std::fs::write(etc.join("group"), "root:x:0:\npostfix:x:108:\n").unwrap();
    std::fs::write(
        dir.join("main.cf"),
        "compatibility_level = 3.6\nrelayhost = [smtp.example.net]:587\n\
         smtp_sasl_auth_enable = yes\n\
         smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n\
         smtp_tls_security_level = encrypt\n",
    )
    .unwrap();
    set_mode(&dir.join("main.cf"), 0o644);
    let table = dir.join("sasl_passwd");
    std::fs::write(&table, format!("{KEY} mailer@example.org:Ohg7ieX4quee\n")).unwrap();
    let db = dir.join("sasl_passwd.db");
    let reported = || -> usize {
        let (found, text) = common::sysroot_diagnostics("secret-readable", root);
        assert!(!text.contains("Ohg7ieX4quee"), "{text}");
        found.len()
    };
    let mode_of = |path: &Path| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).unwrap().mode() & 0o777
    };
    let mut failures = Vec::new();
    let mut check = |case: &str| {
        let (read, findings) = (nobody_reads(&dir, &table), reported());
        println!(
            "{case}: source {:o}, .db {:o}: nobody reads the login: {read}; postlint: {findings}",
            mode_of(&table),
            mode_of(&db)
        );
        if read != (findings == 1) {
            failures.push(case.to_string());
        }
        read
    };
    // A new .db gets the source's mode.
    set_mode(&table, 0o644);
    postmap(&dir, &table);
    assert_eq!(mode_of(&db), 0o644);
    assert!(check("built from a 0644 source"));
    // chmod 600 after postmap: the .db keeps 0644, and postmap again keeps it too.
    set_mode(&table, 0o600);
    postmap(&dir, &table);
    assert_eq!(mode_of(&db), 0o644);
    assert!(check("source made 0600 after the first postmap"));
    // Both 0600, as SASL_README sets them.
    set_mode(&db, 0o600);
    assert!(!check("both 0600"));
    // Rebuilt from a 0600 source: 0600.
    std::fs::remove_file(&db).unwrap();
    postmap(&dir, &table);
    assert_eq!(mode_of(&db), 0o600);
    assert!(!check("rebuilt from a 0600 source"));
    assert!(
        failures.is_empty(),
        "postlint and Postfix disagree: {failures:?}"
    );
}
