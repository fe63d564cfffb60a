//! The same setup linted three ways: as the live configuration (absolute paths read as they
//! are, host name from the machine), as a repository checkout (only config_directory maps into
//! the tree), and as a sysroot tree.

use std::path::Path;

use postlint::model::LoadOptions;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// ROOT/etc/postfix/main.cf naming ROOT/etc/aliases by its absolute path, with a virtual domain
/// equal to the machine's host name (so the default mydestination makes it local).
fn server(root: &Path) {
    let config = root.join("etc/postfix");
    write(
        &config.join("main.cf"),
        &format!(
            "config_directory = {config}\ncompatibility_level = 3.6\nalias_maps = hash:{root}/etc/aliases\nalias_database = $alias_maps\n\
             virtual_mailbox_domains = mail.example.com, example.org\nvirtual_transport = lmtp:unix:private/dovecot-lmtp\n\
             virtual_alias_maps = hash:{config}/virtual\n",
            config = config.display(),
            root = root.display()
        ),
    );
    write(&config.join("virtual"), "postmaster@example.org  admin@example.net\nabuse@example.org  admin@example.net\npostmaster@mail.example.com  admin@example.net\nabuse@mail.example.com  admin@example.net\n");
    write(&root.join("etc/aliases"), "root: admin\n");
}

fn findings(options: &LoadOptions) -> Vec<(String, String, usize)> {
    let report =
        postlint::lint(options, &postlint::rules::RULES.iter().collect::<Vec<_>>()).unwrap();
    report
        .findings
        .iter()
        .map(|f| {
            let file = report.model.sources.get(f.primary.span.file);
            let (line, _) = file.line_col(f.primary.span.start);
            (
                f.rule.to_string(),
                file.display_path.rsplit('/').next().unwrap().to_string(),
                line,
            )
        })
        .collect()
}

#[test]
fn live_configuration_reads_absolute_paths_and_the_host_name() {
    let root = tempfile::tempdir().unwrap();
    server(root.path());
    // How postlint is called makes it live (`postlint /etc/postfix` on the server); main.cf's
    // config_directory never does.
    let live = LoadOptions {
        config_dir: Some(root.path().join("etc/postfix")),
        hostname: Some("mail.example.com".into()),
        live: Some(true),
        // Whatever Postfix this machine has: the release is not what this test is about.
        target: Some(postlint::model::version::Target::newest()),
        ..Default::default()
    };
    let mut found = findings(&live);
    found.sort();
    assert_eq!(
        found,
        [
            // Dovecot delivers the virtual domains, and smtpd has no mailbox table to ask.
            ("backscatter-risk".to_string(), "main.cf".to_string(), 5),
            // /etc/aliases is read on the live system, and it has no postmaster.
            ("missing-role-alias".to_string(), "main.cf".to_string(), 3),
            // The default mydestination holds the machine's name, which is also a virtual domain.
            (
                "virtual-domain-in-mydestination".to_string(),
                "main.cf".to_string(),
                5
            ),
        ]
    );
}

#[test]
fn a_checkout_of_the_same_files_is_silent_about_what_it_cannot_see() {
    let root = tempfile::tempdir().unwrap();
    server(root.path());
    // The same files somewhere else: config_directory no longer names the linted directory.
    let checkout = tempfile::tempdir().unwrap();
    for name in ["main.cf", "virtual"] {
        std::fs::copy(
            root.path().join("etc/postfix").join(name),
            checkout.path().join(name),
        )
        .unwrap();
    }
    let text = std::fs::read_to_string(checkout.path().join("main.cf")).unwrap();
    let text = text.replace(
        &format!("config_directory = {}/etc/postfix\n", root.path().display()),
        "",
    );
    let text = text.replace(
        &format!("{}/etc/postfix/", root.path().display()),
        "/etc/postfix/",
    );
    std::fs::write(checkout.path().join("main.cf"), text).unwrap();
    let options = LoadOptions {
        config_dir: Some(checkout.path().to_path_buf()),
        hostname: Some("mail.example.com".into()),
        ..Default::default()
    };
    // The host name and /etc/aliases are unknown here: no finding depends on them.
    assert_eq!(findings(&options), []);
    let report = postlint::lint(&options, &[]).unwrap();
    assert!(
        report
            .model
            .tables
            .iter()
            .any(|t| t.name == "/etc/postfix/virtual" && t.entries().is_some()),
        "virtual is read from the checkout"
    );
}

#[test]
fn stale_aliases_on_the_live_system_name_the_postalias_command() {
    let root = tempfile::tempdir().unwrap();
    server(root.path());
    let aliases = root.path().join("etc/aliases");
    std::fs::write(root.path().join("etc/aliases.db"), "").unwrap();
    let old =
        filetime::FileTime::from_unix_time(filetime::FileTime::now().unix_seconds() - 3600, 0);
    filetime::set_file_mtime(root.path().join("etc/aliases.db"), old).unwrap();
    let live = LoadOptions {
        config_dir: Some(root.path().join("etc/postfix")),
        hostname: Some("other.example.net".into()),
        live: Some(true),
        ..Default::default()
    };
    let report = postlint::lint(&live, &[postlint::rules::find("stale-map").unwrap()]).unwrap();
    assert_eq!(
        report.findings.len(),
        2,
        "aliases.db is stale and virtual.db is missing"
    );
    let help: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| f.help.clone())
        .collect();
    assert!(
        help.iter()
            .any(|h| h.contains(&format!("postalias hash:{}", aliases.display()))),
        "{help:?}"
    );
    assert!(
        help.iter()
            .any(|h| h.contains("postmap hash:") && h.contains("/etc/postfix/virtual")),
        "{help:?}"
    );
}

/// On the live configuration the target release is the installed Postfix (`mail_version`);
/// elsewhere, the newest release postlint knows.
#[test]
fn the_live_configuration_is_linted_for_the_installed_postfix() {
    use postlint::model::version::{Origin, Release, NEWEST};
    let root = tempfile::tempdir().unwrap();
    server(root.path());
    let load = |live| {
        let options = LoadOptions {
            config_dir: Some(root.path().join("etc/postfix")),
            hostname: Some("mail.example.com".into()),
            live: Some(live),
            ..Default::default()
        };
        postlint::model::Model::load(&options).unwrap().target
    };
    assert_eq!(load(false).origin, Origin::Newest);
    assert_eq!(load(false).asked, NEWEST);
    let installed = std::process::Command::new("postconf")
        .args(["-d", "-h", "mail_version"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match installed {
        Some(version) => {
            let target = load(true);
            assert_eq!(target.origin, Origin::Installed(version.clone()));
            assert_eq!(Some(target.asked), Release::parse(&version));
        }
        None => {
            assert_ne!(
                std::env::var("POSTLINT_ORACLE").as_deref(),
                Ok("required"),
                "POSTLINT_ORACLE=required, but postconf is not installed"
            );
            eprintln!("SKIPPED (installed-version half): postconf is not installed");
            assert_eq!(load(true).origin, Origin::Newest);
        }
    }
}

/// A main.cf that sets every parameter Postfix 3.11's tables hold is no unknown-parameter noise
/// for 3.11; for 3.7 exactly the names added after 3.7 are reported.
#[test]
fn a_setup_for_3_11_knows_every_3_11_name() {
    use postlint::model::version::{Origin, Release, Target};
    let data = std::fs::read_to_string("data/postfix-params.tsv").unwrap();
    // Each name in 3.11, with the first release that had it.
    let mut first_seen = std::collections::BTreeMap::new();
    let mut in_3_11 = std::collections::BTreeSet::new();
    for line in data
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        let (first, last) = f[6].split_once('-').unwrap_or((f[6], f[6]));
        let first = Release::parse(first).unwrap();
        let entry = first_seen.entry(f[0].to_string()).or_insert(first);
        *entry = (*entry).min(first);
        if last.is_empty() || last == "3.11" {
            in_3_11.insert(f[0].to_string());
        }
    }
    let names: std::collections::BTreeMap<String, Release> = first_seen
        .into_iter()
        .filter(|(n, _)| in_3_11.contains(n))
        .collect();
    assert!(names.len() > 850, "only {} names", names.len());
    let dir = tempfile::tempdir().unwrap();
    let main_cf: String = names.keys().map(|n| format!("{n} = x\n")).collect();
    std::fs::write(dir.path().join("main.cf"), main_cf).unwrap();
    let rule = postlint::rules::find("unknown-parameter").unwrap();
    let reported = |release: Release| -> Vec<String> {
        let options = LoadOptions {
            config_dir: Some(dir.path().to_path_buf()),
            target: Some(Target {
                asked: release,
                origin: Origin::Flag,
            }),
            ..Default::default()
        };
        let report = postlint::lint(&options, &[rule]).unwrap();
        let mut out: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                f.message
                    .split('`')
                    .nth(1)
                    .unwrap_or(&f.message)
                    .to_string()
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(reported(Release::new(3, 11)), Vec::<String>::new());
    let added: Vec<String> = names
        .iter()
        // service_name: postconf 3.7 knew it, a program table holds it only from 3.11.
        .filter(|(n, first)| {
            **first > Release::new(3, 7) && !postlint::model::params::is_builtin(n)
        })
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(reported(Release::new(3, 7)), added);
}

/// On the live configuration, a table type the installed Postfix does not list in `postconf -m`
/// is reported with its package; in a repository it is not (the server may have the package).
#[test]
fn a_plugin_type_the_installed_postfix_lacks_is_reported_only_live() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("main.cf"), "").unwrap();
    let listed = std::process::Command::new("postconf")
        .arg("-c")
        .arg(empty.path())
        .arg("-m")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
    let Some(listed) = listed else {
        assert_ne!(
            std::env::var("POSTLINT_ORACLE").as_deref(),
            Ok("required"),
            "POSTLINT_ORACLE=required, but postconf is not installed"
        );
        eprintln!("SKIPPED: postconf is not installed");
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("etc/postfix");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         virtual_alias_maps = sqlite:/etc/postfix/a.cf, mysql:/etc/postfix/b.cf, hash:/etc/postfix/c\n",
    )
    .unwrap();
    let rule = postlint::rules::find("unsupported-map-type").unwrap();
    let reported = |live| -> Vec<String> {
        let options = LoadOptions {
            config_dir: Some(dir.clone()),
            live: Some(live),
            target: Some(postlint::model::version::Target::newest()),
            ..Default::default()
        };
        postlint::lint(&options, &[rule])
            .unwrap()
            .findings
            .iter()
            .map(|f| f.message.clone())
            .collect()
    };
    let expected: Vec<String> = ["sqlite", "mysql"]
        .iter()
        .filter(|t| !listed.iter().any(|l| l == *t))
        .map(|t| format!("`{t}` tables need the postfix-{t} package, which is not installed"))
        .collect();
    assert_eq!(reported(true), expected);
    assert_eq!(reported(false), Vec::<String>::new());
}

/// A master.cf of two smtpd lines: as the live configuration it is the whole file master(8)
/// reads, and Postfix's own services and the default transports are missing; the same file in a checkout may be lines
/// to add to a master.cf, and is not judged.
#[test]
fn a_cut_down_master_cf_is_judged_whole_only_live() {
    let root = tempfile::tempdir().unwrap();
    server(root.path());
    let config = root.path().join("etc/postfix");
    write(
        &config.join("master.cf"),
        "smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n\
         lmtp unix - - n - - lmtp\n",
    );
    let options = |live| LoadOptions {
        config_dir: Some(config.clone()),
        hostname: Some("mail.example.com".into()),
        live: Some(live),
        target: Some(postlint::model::version::Target::newest()),
        ..Default::default()
    };
    let own = |found: Vec<(String, String, usize)>| {
        found
            .into_iter()
            .filter(|(rule, file, _)| rule == "undefined-service" && file == "master.cf")
            .map(|(_, _, line)| line)
            .collect::<Vec<_>>()
    };
    // Postfix's own services (rewrite, cleanup, ...), and the `local` and `smtp` services
    // that mydestination's domains and every other domain go to by default: all at line 1.
    assert_eq!(own(findings(&options(true))), [1, 1, 1]);
    assert_eq!(own(findings(&options(false))), Vec::<usize>::new());
}
