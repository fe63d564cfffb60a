//! secret-readable reads real modes in a sysroot image: 640 root:postfix is fine, o+r and a
//! foreign group are not, and the password is never shown.

use std::os::unix::fs::PermissionsExt;

use postlint::model::LoadOptions;

fn findings_with_mode(mode: u32, group_name: &str) -> Vec<String> {
    findings_in_tree(mode, group_name, false).0
}

/// The findings, and whether the rule said it could not decide; `in_git` puts the image in
/// a git working tree (a `.git` above it), as a repository of a server's /etc is.
fn findings_in_tree(mode: u32, group_name: &str, in_git: bool) -> (Vec<String>, bool) {
    findings_linted(mode, group_name, in_git, false)
}

/// The same, `discovered` as --discover lints a repository (confined to it).
fn findings_linted(
    mode: u32,
    group_name: &str,
    in_git: bool,
    discovered: bool,
) -> (Vec<String>, bool) {
    let top = tempfile::tempdir().unwrap();
    let root = if in_git {
        std::fs::create_dir(top.path().join(".git")).unwrap();
        top.path().join("servers/mx1")
    } else {
        top.path().to_path_buf()
    };
    let etc = root.join("etc");
    std::fs::create_dir_all(etc.join("postfix")).unwrap();
    std::fs::write(
        etc.join("postfix/main.cf"),
        "virtual_alias_maps = mysql:/etc/postfix/m.cf\n",
    )
    .unwrap();
    let cf = etc.join("postfix/m.cf");
    std::fs::write(
        &cf,
        "dbname = d\npassword = Zoo3ahTh9ohB\nquery = SELECT '%s'\n",
    )
    .unwrap();
    std::fs::set_permissions(&cf, std::fs::Permissions::from_mode(mode)).unwrap();
    // Name the file's own group as the test asks.
    use std::os::unix::fs::MetadataExt;
    let gid = std::fs::metadata(&cf).unwrap().gid();
    std::fs::write(etc.join("group"), format!("{group_name}:x:{gid}:\n")).unwrap();
    let options = LoadOptions {
        sysroot: Some(root.clone()),
        confine_to: discovered.then(|| top.path().to_path_buf()),
        ..Default::default()
    };
    let rule = postlint::rules::find("secret-readable").unwrap();
    let report = postlint::lint(&options, &[rule]).unwrap();
    let text = postlint::output::json::render(&report.model.sources, &report.findings);
    assert!(!text.contains("Zoo3ahTh9ohB"), "{text}");
    let undecided = report.unseen.undecided.contains(&"secret-readable");
    (
        report.findings.iter().map(|f| f.message.clone()).collect(),
        undecided,
    )
}

/// A whole /etc kept in git (etckeeper, a server backup repository) is an image of the
/// system, but its checkout has git's modes (644 whatever the server has): the rule cannot
/// decide there.
#[test]
fn an_image_in_a_git_working_tree_has_no_real_modes() {
    let (outside, undecided) = findings_in_tree(0o644, "postfix", false);
    assert_eq!((outside.len(), undecided), (1, false), "{outside:?}");
    assert_eq!(findings_in_tree(0o644, "postfix", true), (Vec::new(), true));
}

/// A repository linted with --discover has its checkout's or export's modes (an archive
/// extracted without .git, 0664 by its umask), never the server's, image or not.
#[test]
fn a_discovered_repository_has_no_real_modes() {
    assert_eq!(
        findings_linted(0o664, "postfix", false, true),
        (Vec::new(), true)
    );
}

#[test]
fn modes_decide() {
    assert_eq!(findings_with_mode(0o640, "postfix"), Vec::<String>::new());
    assert_eq!(findings_with_mode(0o600, "www-data"), Vec::<String>::new());
    assert_eq!(findings_with_mode(0o604, "postfix").len(), 1);
    let foreign = findings_with_mode(0o640, "www-data");
    // gid 0 is root whatever the name: only a non-root gid is a foreign group.
    let gid_is_root = {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x");
        std::fs::write(&f, "").unwrap();
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&f).unwrap().gid() == 0
    };
    assert_eq!(foreign.len(), usize::from(!gid_is_root), "{foreign:?}");
}

/// main-cf-unreadable reads main.cf's real mode in a system image: 0600 and 0640 are
/// reported, 0644 is not, and neither is anything in a git working tree or a repository
/// linted with --discover (git's modes, not the server's).
#[test]
fn main_cf_without_read_access_for_others() {
    let linted = |mode: u32, in_git: bool, discovered: bool| -> Vec<String> {
        let top = tempfile::tempdir().unwrap();
        if in_git {
            std::fs::create_dir(top.path().join(".git")).unwrap();
        }
        let root = top.path().join("mx1");
        std::fs::create_dir_all(root.join("etc/postfix")).unwrap();
        std::fs::write(root.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        let main_cf = root.join("etc/postfix/main.cf");
        std::fs::write(&main_cf, "compatibility_level = 3.6\n").unwrap();
        std::fs::set_permissions(&main_cf, std::fs::Permissions::from_mode(mode)).unwrap();
        let options = LoadOptions {
            sysroot: Some(root.clone()),
            confine_to: discovered.then(|| top.path().to_path_buf()),
            ..Default::default()
        };
        let rule = postlint::rules::find("main-cf-unreadable").unwrap();
        let report = postlint::lint(&options, &[rule]).unwrap();
        report.findings.iter().map(|f| f.message.clone()).collect()
    };
    let closed = linted(0o600, false, false);
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert!(closed[0].contains("(mode 0600)"), "{closed:?}");
    assert_eq!(linted(0o640, false, false).len(), 1);
    assert!(linted(0o644, false, false).is_empty());
    assert!(linted(0o600, true, false).is_empty());
    assert!(linted(0o600, false, true).is_empty());
}

/// A copy of /etc that etckeeper keeps says the modes git does not keep in `.etckeeper`: a
/// `maybe chmod` line for each file of another mode than 0644 (ajmitchelson/mainman). A
/// password file with no line there is 0644 on the server; `640` with group postfix is
/// fine, with group www-data it is not. A metadata file that lists 0644 modes too lists
/// every file, and a file missing from it is undecided.
#[test]
fn etckeeper_metadata_says_the_modes() {
    let linted = |metadata: &str| -> (Vec<String>, bool) {
        let top = tempfile::tempdir().unwrap();
        std::fs::create_dir(top.path().join(".git")).unwrap();
        let etc = top.path().join("etc");
        std::fs::create_dir_all(etc.join("postfix")).unwrap();
        std::fs::write(
            etc.join("postfix/main.cf"),
            "virtual_alias_maps = mysql:/etc/postfix/m.cf\n",
        )
        .unwrap();
        std::fs::write(
            etc.join("postfix/m.cf"),
            "dbname = d\npassword = Zoo3ahTh9ohB\nquery = SELECT '%s'\n",
        )
        .unwrap();
        std::fs::write(etc.join(".etckeeper"), metadata).unwrap();
        let options = LoadOptions {
            sysroot: Some(top.path().to_path_buf()),
            confine_to: Some(top.path().to_path_buf()),
            ..Default::default()
        };
        let rule = postlint::rules::find("secret-readable").unwrap();
        let report = postlint::lint(&options, &[rule]).unwrap();
        let text = postlint::output::json::render(&report.model.sources, &report.findings);
        assert!(!text.contains("Zoo3ahTh9ohB"), "{text}");
        (
            report.findings.iter().map(|f| f.message.clone()).collect(),
            report.unseen.undecided.contains(&"secret-readable"),
        )
    };
    let header = "# Generated by etckeeper.  Do not edit.\n\n";
    let (found, undecided) = linted(&format!("{header}maybe chmod 600 './ssh/key'\n"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("mode 0644, as etckeeper's metadata of this /etc records it"),
        "{found:?}"
    );
    assert!(!undecided);
    let fine =
        format!("{header}maybe chgrp postfix './postfix/m.cf'\nmaybe chmod 640 './postfix/m.cf'\n");
    assert_eq!(linted(&fine), (Vec::new(), false));
    let foreign = fine.replace("chgrp postfix", "chgrp www-data");
    assert_eq!(linted(&foreign).0.len(), 1);
    // Every mode listed, this file's not: not known.
    let every = format!("{header}maybe chmod 0644 './aliases'\n");
    assert_eq!(linted(&every), (Vec::new(), true));
    // Not etckeeper's file.
    assert_eq!(linted("maybe chmod 600 './x'\n"), (Vec::new(), true));
}
