//! The parameters postlint takes Debian 12's postfix package to write into main.cf
//! (`image::DEBIAN_12_MAIN_CF`) are those the installed package writes: the lines of
//! /usr/share/postfix/main.cf.debian and main.cf.tls, and the `postconf -e` settings of its
//! postinst (and postinst.functions). Runs where the installed package is Debian 12's (3.7);
//! elsewhere it says "skipped", unless POSTLINT_ORACLE=required.

mod common;

use std::collections::BTreeSet;

/// The parameter names a file's `name = value` lines set (comments and blanks skipped).
fn assigned(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains('='))
        .filter(|l| !l.starts_with([' ', '\t']))
        .map(|l| l.split('=').next().unwrap_or("").trim().to_string())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .collect()
}

/// The names a shell script sets with `postconf -e` or its `set_postconf` wrapper: every
/// `name=` word after either, on the command's line and its continuation lines.
fn postconf_names(text: &str) -> BTreeSet<String> {
    let word = regex::Regex::new(r#"^["']?([a-z_][a-z0-9_]*)="#).unwrap();
    let mut out = BTreeSet::new();
    let mut continued = false;
    for line in text.lines() {
        let code = line.trim();
        let starts = code.contains("postconf -e") || code.starts_with("set_postconf ");
        if starts || continued {
            for w in code.split_whitespace() {
                if let Some(c) = word.captures(w) {
                    out.insert(c[1].to_string());
                }
            }
        }
        continued = (starts || continued) && code.ends_with('\\');
    }
    out
}

#[test]
fn debian_12_package_main_cf_parameters_are_the_installed_packages() {
    if !common::postfix_available() {
        return;
    }
    let debian_12 = std::fs::read_to_string("/etc/debian_version")
        .is_ok_and(|v| v.trim().starts_with("12."))
        && common::installed_release().as_deref() == Some("3.7");
    let ready = match debian_12 {
        true => Ok(()),
        false => Err("the installed postfix package is not Debian 12's".to_string()),
    };
    if !common::runs_or_says_skipped(ready) {
        return;
    }
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let mut written = assigned(&read("/usr/share/postfix/main.cf.debian"));
    written.extend(assigned(&read("/usr/share/postfix/main.cf.tls")));
    written.extend(postconf_names(&read("/var/lib/dpkg/info/postfix.postinst")));
    written.extend(postconf_names(&read(
        "/usr/share/postfix/postinst.functions",
    )));
    assert!(written.len() > 20, "read too little: {written:?}");
    let known: BTreeSet<String> = postlint::image::DEBIAN_12_MAIN_CF
        .iter()
        .map(|s| s.to_string())
        .collect();
    println!(
        "the package writes {} parameters: {written:?}",
        written.len()
    );
    assert_eq!(
        written.difference(&known).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "written by the package, not in DEBIAN_12_MAIN_CF"
    );
    assert_eq!(
        known.difference(&written).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "in DEBIAN_12_MAIN_CF, not written by the package"
    );
}
