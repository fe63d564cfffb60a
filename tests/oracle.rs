//! Postfix is the judge: postlint's reading of main.cf, postmap sources and aliases files must
//! equal what postconf, postmap and postalias report for the same files.
//!
//! Needs Postfix installed. With POSTLINT_ORACLE=required (set by .ci/run) a missing Postfix fails
//! the suite; otherwise these tests say they were skipped and pass.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use postlint::model::classes::{ClassKind, Membership};
use postlint::model::names;
use postlint::model::tables::{fold, Format};
use postlint::model::{LoadOptions, Model};

mod common;
use common::{collapse, postfix_available, postfix_view, source_case};

/// Every main.cf the tests have: the corpus and the fixtures.
fn main_cf_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let corpus = Path::new("../shared/corpus");
    for root in [corpus, Path::new("fixtures")] {
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.join("main.cf").exists() {
                dirs.push(path.clone());
            }
            if let Ok(cases) = std::fs::read_dir(&path) {
                for case in cases {
                    let case = case.unwrap().path();
                    for dir in [case.clone(), case.join("etc/postfix")] {
                        if dir.join("main.cf").exists() {
                            dirs.push(dir);
                        }
                    }
                }
            }
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn every_fixture_and_corpus_set_reads_as_postconf_reads_it() {
    if !postfix_available() {
        return;
    }
    let agreed = common::in_parallel(&main_cf_dirs(), |dir| {
        common::compare_with_postconf(dir).map_err(|e| format!("{}: {e}", dir.display()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(agreed > 500, "only {agreed} facts compared");
}

/// Every postmap and postalias source the corpus and fixtures have, with the format postlint
/// reads it in.
fn map_sources() -> Vec<(PathBuf, Format)> {
    let mut out = Vec::new();
    for dir in main_cf_dirs() {
        let model = Model::load(&LoadOptions {
            config_dir: Some(dir.clone()),
            ..Default::default()
        })
        .unwrap();
        for table in model.tables.iter() {
            if let (Some(file), true) = (
                table.source,
                matches!(
                    table.kind.as_str(),
                    "hash" | "lmdb" | "cdb" | "btree" | "texthash"
                ),
            ) {
                // A template (`sender_access.j2`) is no postmap source until rendered.
                if model.sources.get(file).template.is_none() {
                    out.push((model.sources.get(file).real_path.clone(), table.format));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn map_entries_equal_postmap_and_postalias() {
    if !postfix_available() {
        return;
    }
    let sources = map_sources();
    assert!(
        sources.len() >= 10,
        "only {} map sources found",
        sources.len()
    );
    for (path, format) in sources {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let case = source_case(&text, format);
        // An installer's table template (a line that is one placeholder, `%%DOMAINS%%`) is
        // unknown to postlint: postmap skips the line, the set-up fills it in first.
        let Some(entries) = case.table().entries() else {
            let why = format!("{:?}", case.table().content);
            assert!(why.contains("placeholder"), "{}: {why}", path.display());
            continue;
        };
        let ours: BTreeMap<String, String> = entries
            .iter()
            .map(|e| (fold(e.key).into_owned(), collapse(e.value)))
            .collect();
        let (theirs, _, _) = postfix_view(case.dir.path(), format);
        assert_eq!(ours, theirs, "{}", path.display());
    }
}

/// The class trivial-rewrite's flags name: 256 local, 512 virtual alias, 1024 virtual mailbox,
/// 2048 relay, 4096 none of them (the default transport).
fn class_of_flags(flags: u32) -> Option<Option<ClassKind>> {
    match flags & (256 | 512 | 1024 | 2048 | 4096) {
        256 => Some(Some(ClassKind::Local)),
        512 => Some(Some(ClassKind::VirtualAlias)),
        1024 => Some(Some(ClassKind::VirtualMailbox)),
        2048 => Some(Some(ClassKind::Relay)),
        4096 => Some(None),
        _ => None,
    }
}

/// The parameters trivial-rewrite compares a domain of each class with, in its order
/// (resolve_addr() in trivial-rewrite/resolve.c).
fn checked_after(class: ClassKind) -> &'static [ClassKind] {
    match class {
        ClassKind::Local => &[ClassKind::VirtualAlias, ClassKind::VirtualMailbox],
        ClassKind::VirtualAlias => &[ClassKind::VirtualMailbox, ClassKind::Relay],
        ClassKind::VirtualMailbox => &[ClassKind::Relay],
        ClassKind::Relay => &[],
    }
}

/// A copy of a setup that trivial-rewrite can run on: paths under /etc/postfix point into the
/// copy, `proxy:` is dropped (no proxymap runs), the hashed maps are compiled.
fn resolvable_copy(dir: &Path) -> (tempfile::TempDir, Model) {
    let temp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(temp.path()).unwrap();
    common::copy_tree(dir, &root);
    let main_cf = root.join("main.cf");
    let text = String::from_utf8_lossy(&std::fs::read(&main_cf).unwrap())
        .replace("/etc/postfix", &root.to_string_lossy())
        .replace("proxy:", "");
    // Settings of this machine that stop trivial-rewrite before it resolves anything; they
    // have no part in the address classes: postfix's own group, and myorigin read from a file
    // (/etc/mailname) that is not here.
    let myorigin_file = text
        .lines()
        .any(|l| l.starts_with("myorigin") && l.contains("= /"));
    let myorigin = if myorigin_file {
        "myorigin = $myhostname\n"
    } else {
        ""
    };
    std::fs::write(
        &main_cf,
        format!(
            "{text}\nconfig_directory = {}\nsetgid_group = postdrop\n{myorigin}",
            root.display()
        ),
    )
    .unwrap();
    if !root.join("master.cf").exists() {
        std::fs::write(root.join("master.cf"), "").unwrap();
    }
    // A case that --probe runs on (fixtures/*/*/probe.sql): its SQLite database, which the
    // .cf files name under /etc/postfix, here; trivial-rewrite then asks it as postlint does.
    let probe_sql = root.join("probe.sql");
    if probe_sql.exists() {
        for entry in std::fs::read_dir(&root).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "cf") && path != main_cf {
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, text.replace("/etc/postfix", &root.to_string_lossy()))
                    .unwrap();
            }
        }
        #[cfg(feature = "probe")]
        {
            let sql = std::fs::read_to_string(&probe_sql).unwrap();
            if !sql.trim().is_empty() {
                let db = rusqlite::Connection::open(root.join("mail.sqlite")).unwrap();
                db.execute_batch(&sql).unwrap();
            }
        }
    }
    let load = || {
        #[allow(unused_mut)]
        let mut model = Model::load(&LoadOptions {
            config_dir: Some(root.clone()),
            ..Default::default()
        })
        .unwrap();
        #[cfg(feature = "probe")]
        if probe_sql.exists() {
            postlint::probe::run(
                &mut model,
                &postlint::probe::Options {
                    progress: false,
                    ..Default::default()
                },
            );
        }
        model
    };
    common::backdate(&root); // postmap re-reads a main.cf written in the last second
    let model = load();
    let r = root.to_string_lossy().into_owned();
    for table in model.tables.iter() {
        let Some(file) = table.source else { continue };
        if !matches!(table.kind.as_str(), "hash" | "lmdb" | "cdb" | "btree") {
            continue;
        }
        let path = model.sources.get(file).real_path.clone();
        if !path.starts_with(&root) {
            continue; // never write outside the copy
        }
        let tool = if table.format == Format::Aliases {
            "postalias"
        } else {
            "postmap"
        };
        let name = format!("{}:{}", table.kind, path.display());
        common::run(tool, &["-c", &r, &name]);
    }
    common::backdate(&root);
    let model = load();
    (temp, model)
}

/// Compares the class postlint gives every domain it knows, and the overlap findings, with
/// trivial-rewrite's answer for that domain. Returns how many domains and warnings were compared.
fn compare_classes(dir: &Path) -> Result<(usize, usize), String> {
    // A case for --probe has its database only in a build that probes.
    if !cfg!(feature = "probe") && dir.join("probe.sql").exists() {
        return Ok((0, 0));
    }
    let (temp, model) = resolvable_copy(dir);
    let all: Vec<_> = postlint::rules::RULES.iter().collect();
    let findings = postlint::rules::run(&model, &all);
    // The warnings the overlap rules predict, from the text they quote.
    let mut predicted: BTreeSet<(String, String, String)> = BTreeSet::new();
    for finding in &findings {
        if finding.rule == "virtual-domain-in-mydestination"
            || finding.rule == "domain-in-multiple-classes"
        {
            let help = finding.help.as_deref().unwrap_or_default();
            predicted.extend(
                help.split("do not list domain ")
                    .skip(1)
                    .filter_map(common::parse_both),
            );
        }
    }
    let warns = model.params.expand("helpful_warnings").text != "no";

    let mut domains = BTreeSet::new();
    for kind in ClassKind::RESOLVE_ORDER {
        for member in model.class(kind).members(&model.tables) {
            // `.example.com`, `*.example.com` and `{example.com}` are patterns that match no
            // domain (dead-domain-pattern): ask about the domain they seem to name.
            let name = member.domain.trim_matches(['.', '{', '}', '*']);
            domains.insert(member.domain.to_string());
            domains.insert(name.to_string());
            domains.insert(format!("sub.{name}"));
        }
    }
    // Only names an address can carry.
    domains.retain(|d| {
        !d.is_empty()
            && !d.starts_with('.')
            && d.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
    });
    domains.insert("unlisted.example".to_string());
    let (mut compared, mut warnings) = (0, 0);
    for domain in &domains {
        // postlint's class: the first that contains it, if every earlier answer is known.
        let memberships: Vec<(ClassKind, Membership)> = ClassKind::RESOLVE_ORDER
            .iter()
            .map(|&k| (k, model.class(k).contains(&model.tables, domain)))
            .collect();
        let mut ours = Some(None);
        for (kind, membership) in &memberships {
            match membership {
                Membership::Yes { .. } => {
                    ours = Some(Some(*kind));
                    break;
                }
                Membership::Unknown => {
                    ours = None;
                    break;
                }
                Membership::No => {}
            }
        }
        let Some(ours) = ours else { continue };
        let theirs = match common::trivial_rewrite_resolve(temp.path(), domain) {
            Ok(theirs) => theirs,
            // trivial-rewrite stops on the errors invalid-syntax reports.
            Err(_) if findings.iter().any(|f| f.rule == "invalid-syntax") => return Ok((0, 0)),
            // An empty value where Postfix needs one (the source samples' `shlib_directory =`):
            // not modelled yet, and no part of the classes.
            Err(e) if e.contains("bad string length 0 < 1") => {
                eprintln!("skipped {}: {e}", dir.display());
                return Ok((0, 0));
            }
            // The copy's paths as the case writes them, for predicted_fatal to compare.
            Err(e) => {
                let root = std::fs::canonicalize(temp.path()).unwrap();
                return Err(e.replace(&*root.to_string_lossy(), "/etc/postfix"));
            }
        };
        // Flag 8 (a lookup failure, say of a transport map) comes with the class it found.
        if class_of_flags(theirs.flags) != Some(ours) {
            return Err(format!(
                "{domain}: postlint says class {ours:?}, trivial-rewrite flags {}",
                theirs.flags
            ));
        }
        compared += 1;
        // The warnings, when every class trivial-rewrite compares with is known.
        let Some(class) = ours else { continue };
        let known = checked_after(class).iter().all(|k| {
            memberships
                .iter()
                .any(|(kind, m)| kind == k && *m != Membership::Unknown)
        });
        if !known || !warns {
            continue;
        }
        let ours_warnings: BTreeSet<_> = predicted
            .iter()
            .filter(|(d, _, _)| d == domain)
            .cloned()
            .collect();
        if ours_warnings != theirs.warnings {
            return Err(format!(
                "{domain}: postlint predicts {ours_warnings:?}, trivial-rewrite logged {:?}",
                theirs.warnings
            ));
        }
        warnings += theirs.warnings.len();
    }
    Ok((compared, warnings))
}

/// Whether postlint, linting `dir` for the installed 3.7 with every rule, reports the fatal
/// line in `log` (`postfix/trivial-rewrite: fatal: ...`) in a finding's message or label.
fn predicted_fatal(dir: &Path, log: &str) -> bool {
    let Some(fatal) = log
        .lines()
        .find_map(|l| l.split_once(" fatal: ").map(|(_, f)| f))
    else {
        return false;
    };
    // mail_params.c names the file first: `file /tmp/x/main.cf: parameter ...`.
    let fatal = fatal
        .split_once("main.cf: ")
        .map_or(fatal, |(_, rest)| rest);
    // cfg_parser.c names a database .cf file first: `/tmp/x/ldap.cf: invalid version ...`.
    let fatal = fatal.split_once(".cf: ").map_or(fatal, |(_, rest)| rest);
    let options = LoadOptions {
        config_dir: Some(dir.to_path_buf()),
        target: Some(postlint::model::version::Target {
            asked: postlint::model::version::Release::new(3, 7),
            origin: postlint::model::version::Origin::Flag,
        }),
        ..Default::default()
    };
    let all: Vec<_> = postlint::rules::RULES.iter().collect();
    let Ok(report) = postlint::lint(&options, &all) else {
        return false;
    };
    report
        .findings
        .iter()
        .any(|f| f.message.contains(fatal) || f.primary.message.contains(fatal))
}

#[test]
fn address_classes_equal_trivial_rewrite() {
    // The fixtures use every lookup type.
    if !common::postfix_has_types(common::PLUGIN_TYPES) {
        return;
    }
    let warnings = std::sync::atomic::AtomicUsize::new(0);
    let dirs = main_cf_dirs();
    let compared = common::in_parallel(&dirs, |dir| {
        let (domains, logged) = match compare_classes(dir) {
            Ok(found) => found,
            // trivial-rewrite stopped on a value, as a postlint finding says it would.
            Err(e) if predicted_fatal(dir, &e) => (0, 0),
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        };
        warnings.fetch_add(logged, std::sync::atomic::Ordering::Relaxed);
        Ok(domains)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let warnings = warnings.into_inner();
    assert!(compared > 500, "only {compared} domains compared");
    assert!(warnings > 15, "only {warnings} warnings compared");
}

/// "3.11" to (3, 11).
fn release(version: &str) -> (u32, u32) {
    let (major, minor) = version.split_once('.').unwrap_or((version, "0"));
    (major.parse().unwrap(), minor.parse().unwrap())
}

/// Postfix 3.7 cannot say what 3.9 and later deprecate, but it can judge the data: a name
/// removed by 3.7 is unknown to its postconf, a name deprecated later was still known to it,
/// and every replacement exists.
#[test]
fn deprecation_data_agrees_with_postconf() {
    if !postfix_available() {
        return;
    }
    let (_, version, _) = common::run("postconf", &["-d", "-h", "mail_version"]);
    let installed = release(
        version
            .trim()
            .rsplit_once('.')
            .map_or(version.trim(), |p| p.0),
    );
    let deprecations: Vec<_> = names::all_deprecations().collect();
    let mut asked: Vec<&str> = deprecations.iter().map(|d| d.name).collect();
    asked.extend(deprecations.iter().filter_map(|d| d.replacement));
    let mut args = vec!["-d"];
    args.extend(&asked);
    let (_, stdout, _) = common::run("postconf", &args);
    let known: BTreeSet<&str> = stdout
        .lines()
        .filter_map(|l| l.split_once(" =").map(|p| p.0))
        .collect();
    let exists = |name: &str| known.contains(name) || names::added_in(name).is_some();
    let mut checked = 0;
    for d in &deprecations {
        if d.removed && release(d.since) <= installed {
            assert!(
                !known.contains(d.name),
                "{} is marked removed in {}, but postconf {installed:?} knows it",
                d.name,
                d.since
            );
        } else if !d.removed && release(d.since) > installed {
            assert!(
                exists(d.name),
                "{} is deprecated in {}, but postconf {installed:?} never knew it",
                d.name,
                d.since
            );
        }
        if let Some(replacement) = d.replacement {
            assert!(
                exists(replacement),
                "{}: the replacement {replacement} is no Postfix parameter",
                d.name
            );
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} deprecations checked");
}

/// Every name the installed postconf prints with `-d`, every name a later release adds, and
/// every old name Postfix's own defaults refer to, is known to every rule: setting one is no
/// `unknown-parameter`, referring to one is no `undefined-reference`, and postconf agrees that
/// no reference is undefined.
#[test]
fn every_name_postfix_knows_is_known_to_every_rule() {
    if !postfix_available() {
        return;
    }
    // An empty configuration: the machine's master.cf would add its services' names.
    let empty = tempfile::tempdir().unwrap();
    for name in ["main.cf", "master.cf"] {
        std::fs::write(empty.path().join(name), "").unwrap();
    }
    let empty_dir = empty.path().to_string_lossy().into_owned();
    let (_, stdout, _) = common::run("postconf", &["-c", &empty_dir, "-d"]);
    let installed = common::postconf_pairs(&stdout);
    assert!(
        installed.len() > 800,
        "postconf -d printed {}",
        installed.len()
    );
    let newer = std::fs::read_to_string("data/postfix-newer.txt").unwrap();
    let newer: Vec<(String, String)> = newer
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (_, rest) = l.split_once(' ')?;
            let (name, value) = rest.split_once(" =")?;
            Some((name.to_string(), value.trim().to_string()))
        })
        .collect();
    assert!(newer.len() > 30, "only {} newer names", newer.len());
    // Old names: the `$name`s of the defaults that are no parameter of their own.
    let legacy: BTreeSet<String> = installed
        .iter()
        .chain(&newer)
        // Raw parameters hold delivery-time attributes (`$home`, `$rbl_code`), not names.
        .filter(|(n, _)| !names::is_raw(n))
        .flat_map(|(_, v)| {
            postlint::model::expand::references(v)
                .into_iter()
                .map(|r| v[r.name].to_string())
                .collect::<Vec<_>>()
        })
        .filter(|n| !installed.iter().chain(&newer).any(|(m, _)| m == n))
        .collect();
    assert!(
        legacy.contains("smtpd_client_connection_limit_exceptions"),
        "{legacy:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    // Each name set (empty: the rules checked here read names, not values) and referred to.
    let mut main_cf = String::from("compatibility_level = 3.6\n");
    for (name, _) in installed.iter().chain(&newer) {
        main_cf.push_str(&format!("{name} =\n"));
    }
    let references: Vec<String> = installed
        .iter()
        .chain(&newer)
        .map(|(n, _)| format!("${{{n}}}"))
        .chain(legacy.iter().map(|n| format!("${{{n}:x}}")))
        .collect();
    main_cf.push_str(&format!("smtpd_banner = {}\n", references.join(" ")));
    std::fs::write(dir.path().join("main.cf"), &main_cf).unwrap();
    std::fs::write(dir.path().join("master.cf"), "").unwrap();
    common::backdate(dir.path());
    let rules: Vec<_> = ["unknown-parameter", "undefined-reference"]
        .iter()
        .map(|id| postlint::rules::find(id).unwrap())
        .collect();
    let options = LoadOptions {
        config_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let report = postlint::lint(&options, &rules).unwrap();
    let said: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(
        said.is_empty(),
        "{} findings: {:?}",
        said.len(),
        &said[..said.len().min(10)]
    );

    // postconf 3.7 itself: no reference to a name it knows, or to an old name its defaults
    // use, is "undefined" (the newer names are not its to know).
    let mut only_37 = String::from("smtpd_banner = ");
    for (name, _) in &installed {
        only_37.push_str(&format!("${{{name}}} "));
    }
    for name in &legacy {
        only_37.push_str(&format!("${{{name}:x}} "));
    }
    only_37.push('\n');
    std::fs::write(dir.path().join("main.cf"), only_37).unwrap();
    common::backdate(dir.path());
    let d = dir.path().to_string_lossy().into_owned();
    let (_, _, stderr) = common::run("postconf", &["-c", &d, "-n"]);
    let undefined: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("undefined parameter"))
        .collect();
    assert!(undefined.is_empty(), "{undefined:?}");
}

/// What postconf (`-n`, and `-M` for master.cf) and postmap (`-s` of every map file) read from
/// a directory.
fn what_postfix_reads(dir: &Path) -> Vec<String> {
    let d = dir.to_string_lossy().into_owned();
    let mut seen = Vec::new();
    for args in [vec!["-c", &d, "-n"], vec!["-c", &d, "-M"]] {
        let (ok, stdout, stderr) = common::run("postconf", &args);
        seen.push(format!("postconf {args:?} {ok}\n{stdout}{stderr}"));
    }
    // The two copies differ only in their directory's name.
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !matches!(
                p.file_name().unwrap().to_str(),
                Some("main.cf" | "master.cf" | "findings.snap" | "mtimes")
            )
        })
        .filter(|p| p.extension().is_none_or(|e| e != "db"))
        .collect();
    files.sort();
    for file in files {
        let table = format!("hash:{}", file.display());
        let (ok, _, stderr) = common::run("postmap", &["-c", &d, &table]);
        let (_, stdout, _) = common::run("postmap", &["-c", &d, "-s", &table]);
        let mut entries: Vec<&str> = stdout.lines().collect();
        entries.sort();
        seen.push(format!(
            "{} {ok}\n{}\n{stderr}",
            file.file_name().unwrap().to_string_lossy(),
            entries.join("\n")
        ));
    }
    seen.into_iter().map(|s| s.replace(&d, "DIR")).collect()
}

/// `# postlint:` comments are comments to Postfix: every fixture that holds one reads the same
/// to postconf and postmap with and without them.
#[test]
fn suppression_comments_change_nothing_postfix_reads() {
    if !common::postfix_available() {
        return;
    }
    let mut checked = 0;
    for entry in walkdir::WalkDir::new("fixtures").min_depth(2).max_depth(2) {
        let case = entry.unwrap().into_path();
        if !case.join("main.cf").exists() {
            continue;
        }
        let holds_one = std::fs::read_dir(&case).unwrap().any(|e| {
            std::fs::read_to_string(e.unwrap().path()).is_ok_and(|t| t.contains("# postlint:"))
        });
        if !holds_one {
            continue;
        }
        let with = tempfile::tempdir().unwrap();
        let without = tempfile::tempdir().unwrap();
        common::copy_tree(&case, with.path());
        common::copy_tree(&case, without.path());
        for entry in std::fs::read_dir(without.path()).unwrap() {
            let path = entry.unwrap().path();
            if let Ok(text) = std::fs::read_to_string(&path) {
                let kept: String = text
                    .split_inclusive('\n')
                    .filter(|l| !l.trim_start().starts_with("# postlint:"))
                    .collect();
                assert_ne!(kept.len(), 0, "{}", path.display());
                std::fs::write(&path, kept).unwrap();
            }
        }
        for dir in [with.path(), without.path()] {
            if !dir.join("master.cf").exists() {
                std::fs::write(dir.join("master.cf"), "").unwrap();
            }
            common::backdate(dir);
        }
        let a = what_postfix_reads(with.path());
        let b = what_postfix_reads(without.path());
        assert_eq!(a, b, "{}", case.display());
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} fixtures hold a suppression");
}

/// The version data generated from Postfix's sources (scripts/gen-version-data.py) agrees with
/// the installed Postfix: the same parameter names and table types for 3.7, and smtpd's fatal
/// lines for a few bad values are the ones the data predicts (scripts/check-version-data.sh).
#[test]
fn version_data_agrees_with_the_installed_postfix() {
    if !postfix_available() {
        return;
    }
    let out = std::process::Command::new("bash")
        .arg("scripts/check-version-data.sh")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OK: 3.7 data agrees"), "{stdout}");
}

/// Each table `missing-table` and `unsupported-map-type` report fails in Postfix as the rule
/// pages say: `postmap -q` on it stops with "No such file or directory" or "unsupported
/// dictionary type: TYPE" (the installed 3.7 has no `mongodb` either).
#[test]
fn reported_tables_fail_in_postmap_as_the_rules_say() {
    // The fixtures use every lookup type.
    if !common::postfix_has_types(common::PLUGIN_TYPES) {
        return;
    }
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("main.cf"), "").unwrap();
    let conf = empty.path().to_string_lossy().into_owned();
    let mut checked = 0;
    for rule_id in ["missing-table", "unsupported-map-type"] {
        let rule = postlint::rules::find(rule_id).unwrap();
        let mut cases: Vec<PathBuf> = std::fs::read_dir(Path::new("fixtures").join(rule_id))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("trigger-")
            })
            .collect();
        cases.sort();
        for case in cases {
            // Linted for the installed release, which is the judge.
            let options = LoadOptions {
                config_dir: Some(case.clone()),
                target: Some(postlint::model::version::Target {
                    asked: postlint::model::version::Release::new(3, 7),
                    origin: postlint::model::version::Origin::Flag,
                }),
                ..Default::default()
            };
            let report = postlint::lint(&options, &[rule]).unwrap();
            for f in &report.findings {
                // Tables newaliases cannot build are judged by postalias, in
                // alias_database_types_postalias_cannot_build_are_reported.
                if f.message.contains("newaliases cannot build") {
                    continue;
                }
                let token = report.model.sources.slice(f.primary.span).to_string();
                // A table without a type: the daemon that opens it stops. trivial-rewrite,
                // which opens transport_maps, is asked with the fixture's main.cf (cleanup,
                // which opens header_checks, has no one-shot mode to ask).
                if f.message.contains("has no table type") {
                    if !f.message.contains("in transport_maps") {
                        continue;
                    }
                    let dir = tempfile::tempdir().unwrap();
                    let case_dir = std::fs::canonicalize(&case).unwrap();
                    let main = std::fs::read_to_string(case.join("main.cf"))
                        .unwrap()
                        .replace("/etc/postfix/", &format!("{}/", case_dir.display()));
                    std::fs::write(dir.path().join("main.cf"), main).unwrap();
                    let answer = common::trivial_rewrite_resolve(dir.path(), "example.com");
                    let expected = format!(
                        "fatal: open dictionary: expecting \"type:name\" form instead of \"{}/",
                        case_dir.display()
                    );
                    assert!(
                        answer.as_ref().is_err_and(|e| e.contains(&expected)),
                        "{}: {}: trivial-rewrite did not stop with {expected:?}",
                        case.display(),
                        f.message
                    );
                    checked += 1;
                    continue;
                }
                // Only `type:name` tables go through postmap (a list file is no table).
                let Some((kind, name)) = token.split_once(':') else {
                    continue;
                };
                // An absolute path: postmap reads a relative mysql:name as main.cf settings.
                let dir = std::fs::canonicalize(&case).unwrap();
                let name = name.replace("/etc/postfix/", &format!("{}/", dir.display()));
                let table = format!("{kind}:{name}");
                let (ok, _, stderr) = common::run("postmap", &["-c", &conf, "-q", "x", &table]);
                let expected = match rule_id {
                    "missing-table" => "No such file or directory".to_string(),
                    // unix: has two tables; any other name is unknown.
                    _ if kind == "unix" => format!("unknown table: {table}"),
                    _ => format!("unsupported dictionary type: {kind}"),
                };
                assert!(
                    !ok && stderr.contains(&expected),
                    "{}: {}: postmap -q x {table} said {stderr:?}, not {expected:?}",
                    case.display(),
                    f.message
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "only {checked} tables checked");
}

/// postlint's findings on a fixture, as JSON diagnostics.
fn diagnostics(rule: &str, dir: &Path) -> Vec<serde_json::Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(["--select", rule, "--format", "json"])
        .args(
            (!dir.join("main.cf").exists() && dir.join("etc/postfix/main.cf").exists())
                .then_some("--sysroot"),
        )
        .arg(dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: postlint JSON: {e}", dir.display()));
    json["diagnostics"].as_array().cloned().unwrap_or_default()
}

fn case_dirs(rule: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(Path::new("fixtures").join(rule))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    dirs
}

/// `orphan-override`: where postlint says indented lines continue the service above a
/// commented-out one, `postconf -P` lists each of their `-o` settings under that service.
#[test]
fn orphaned_overrides_attach_where_postconf_says() {
    if !postfix_available() {
        return;
    }
    let mut checked = 0;
    for dir in case_dirs("orphan-override") {
        let conf = dir.to_str().unwrap();
        let (ok, settings, err) = common::run("postconf", &["-c", conf, "-P"]);
        assert!(ok, "{conf}: postconf -P: {err}");
        let master = std::fs::read_to_string(dir.join("master.cf")).unwrap();
        let lines: Vec<&str> = master.lines().collect();
        let found = diagnostics("orphan-override", &dir);
        assert_eq!(
            found.is_empty(),
            dir.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("ok-"),
            "{conf}: {found:?}"
        );
        for d in found {
            // "these 3 lines continue smtp/inet (...": the service postlint attaches them to.
            let message = d["message"].as_str().unwrap();
            let above = message
                .split_whitespace()
                .skip_while(|w| !w.starts_with("continue"))
                .nth(1)
                .unwrap_or_else(|| panic!("{conf}: {message}"));
            let first = d["line"].as_u64().unwrap() as usize - 1;
            for line in lines[first..]
                .iter()
                .take_while(|l| l.starts_with([' ', '\t']) || l.starts_with('#'))
            {
                let Some(setting) = line.trim().strip_prefix("-o ") else {
                    continue;
                };
                let (name, value) = setting.split_once('=').unwrap();
                let expected = format!("{above}/{name} = {value}");
                assert!(
                    settings.lines().any(|l| l.trim_end() == expected),
                    "{conf}: postconf -P does not show `{expected}`:\n{settings}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "only {checked} orphaned settings checked");
}

/// `undefined-service`: every transport postlint says master.cf lacks, `postconf -M
/// NAME/unix` does not list; the services the near-misses rely on, it does.
#[test]
fn undefined_transports_are_missing_from_postconf_m() {
    if !postfix_available() {
        return;
    }
    let listed_as = |dir: &Path, service: &str| {
        let (_, out, _) = common::run("postconf", &["-c", dir.to_str().unwrap(), "-M", service]);
        !out.trim().is_empty()
    };
    let listed = |dir: &Path, name: &str| listed_as(dir, &format!("{name}/unix"));
    let mut missing = 0;
    for dir in case_dirs("undefined-service") {
        for d in diagnostics("undefined-service", &dir) {
            let message = d["message"].as_str().unwrap();
            // A service master_service_disable turns off is listed; master does not run it
            // (tests/oracle_service_disable.rs).
            if message.contains("master_service_disable turns off") {
                continue;
            }
            // postscreen's helpers: postconf -M lists no private NAME/pass (or NAME/unix for
            // dnsblog); a public one (private field `n`) is not where postscreen connects
            // (tests/oracle_postscreen.rs runs postscreen on these setups).
            if message.starts_with("postscreen on") {
                let name = message
                    .split('`')
                    .nth(1)
                    .unwrap_or_else(|| panic!("{}: {message}", dir.display()));
                let kind = match message.contains("pass service") {
                    true => "pass",
                    false => "unix",
                };
                let service = format!("{name}/{kind}");
                let (_, out, _) =
                    common::run("postconf", &["-c", dir.to_str().unwrap(), "-M", &service]);
                let private = out.split_whitespace().nth(2);
                assert!(
                    private.is_none() || private == Some("n"),
                    "{}: postconf -M lists a private {service}, postlint says postscreen lacks it",
                    dir.display()
                );
                missing += 1;
                continue;
            }
            // Postfix's own services: postconf -M lists none of that name and type in the
            // socket class clients use (public/ for cleanup and qmgr, private/ for the others).
            if message.starts_with("master.cf has no") {
                let names = message
                    .split(" service")
                    .next()
                    .unwrap_or_default()
                    .split('`')
                    .skip(1)
                    .step_by(2);
                for name in names {
                    let public = matches!(name, "cleanup" | "qmgr");
                    for kind in ["unix", "fifo"] {
                        let (_, out, _) = common::run(
                            "postconf",
                            &["-c", dir.to_str().unwrap(), "-M", &format!("{name}/{kind}")],
                        );
                        let private = out.split_whitespace().nth(2);
                        let usable = match private {
                            None => false,
                            Some("n") => public,
                            Some(_) => !public,
                        };
                        assert!(
                            !usable || (kind == "fifo" && name != "qmgr"),
                            "{}: postconf -M lists a usable {name}/{kind}, postlint says it is missing",
                            dir.display()
                        );
                    }
                    missing += 1;
                }
                continue;
            }
            // maillog_file without postlog: postfix-script's check-fatal asks exactly this
            // (tests/oracle_master_services.rs runs `postfix check` on it).
            if message.starts_with("maillog_file is set") {
                assert!(
                    !listed_as(&dir, "postlog/unix-dgram"),
                    "{}: postconf -M lists postlog/unix-dgram, postlint says it is missing",
                    dir.display()
                );
                missing += 1;
                continue;
            }
            // "... its default `local:$myhostname` names the `local` service, which master.cf
            // does not define" (a class's default transport) or "... names the transport `x`".
            let name = message
                .split("the transport `")
                .nth(1)
                .or_else(|| message.split("names the `").nth(1))
                .and_then(|rest| rest.split('`').next())
                .unwrap_or_else(|| panic!("{}: {message}", dir.display()));
            assert!(
                !listed(&dir, name),
                "{}: postconf -M lists {name}/unix, postlint says it is undefined",
                dir.display()
            );
            missing += 1;
        }
    }
    assert!(missing >= 5, "only {missing} undefined transports checked");
    let near = Path::new("fixtures/undefined-service/ok-debian-master-cf-with-amavis-and-dovecot");
    for name in ["smtp-amavis", "lmtp", "relay", "smtp"] {
        assert!(listed(near, name), "postconf -M does not list {name}/unix");
    }
}

/// `unreferenced-table`: no file postlint calls unreferenced appears in what postconf shows of
/// the setup with every `$name` expanded (`-n -x`, `-P -x`, `-M -x`); every table file of the
/// near-misses that name theirs through expansion, proxy: or master.cf does.
#[test]
fn unreferenced_tables_are_absent_from_postconf() {
    if !postfix_available() {
        return;
    }
    // The cases are system images (etc/passwd, etc/postfix), but for the repository one.
    let conf_of = |case: &Path| -> PathBuf {
        let image = case.join("etc/postfix");
        if image.is_dir() {
            image
        } else {
            case.to_path_buf()
        }
    };
    let shown = |dir: &Path| -> String {
        let conf = dir.to_str().unwrap();
        let mut all = String::new();
        for flags in [["-n", "-x"], ["-P", "-x"], ["-M", "-x"]] {
            if flags[0] != "-n" && !dir.join("master.cf").exists() {
                continue;
            }
            let (ok, out, err) = common::run("postconf", &["-c", conf, flags[0], flags[1]]);
            assert!(ok, "{conf}: postconf {flags:?}: {err}");
            all.push_str(&out);
        }
        all
    };
    // postconf -c DIR sets $config_directory to DIR: a path is written under either.
    let named = |all: &str, dir: &Path, rel: &str| {
        let paths = [
            format!("/etc/postfix/{rel}"),
            format!("{}/{rel}", dir.display()),
        ];
        all.split(|c: char| c.is_whitespace() || ",={}".contains(c))
            .any(|token| {
                paths
                    .iter()
                    .any(|p| token.rsplit(':').next() == Some(p.as_str()))
            })
    };
    let mut unreferenced = 0;
    for case in case_dirs("unreferenced-table") {
        let dir = conf_of(&case);
        let all = shown(&dir);
        for d in diagnostics("unreferenced-table", &case) {
            let path = d["path"].as_str().unwrap();
            let rel = path.strip_prefix(&format!("{}/", dir.display())).unwrap();
            assert!(!named(&all, &dir, rel), "{path}: postconf names it:\n{all}");
            unreferenced += 1;
        }
    }
    assert!(unreferenced >= 4, "only {unreferenced} files checked");
    for case in [
        "ok-named-through-expansion-and-proxy",
        "ok-master-cf-names-it",
    ] {
        let dir = conf_of(&Path::new("fixtures/unreferenced-table").join(case));
        let all = shown(&dir);
        for rel in [
            "maps/virtual",
            "maps/virtual.pcre",
            "transport",
            "sender_access",
            "sender_login",
            "filter.regexp",
        ] {
            if dir.join(rel).exists() {
                assert!(
                    named(&all, &dir, rel),
                    "{case}: postconf does not name {rel}:\n{all}"
                );
            }
        }
    }
}

/// unsupported-map-type reports an alias_database table exactly when postalias, which
/// newaliases runs on each of them, cannot build it: for every type this Postfix lists
/// (`postconf -m`), and a proxy: table.
#[test]
fn alias_database_types_postalias_cannot_build_are_reported() {
    // The fixtures use every lookup type.
    if !common::postfix_has_types(common::PLUGIN_TYPES) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.cf"), "compatibility_level = 3.6\n").unwrap();
    let listed = std::process::Command::new("postconf")
        .arg("-c")
        .arg(d)
        .arg("-m")
        .output()
        .unwrap();
    let mut types: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .map(String::from)
        .collect();
    assert!(types.len() > 10, "postconf -m lists {types:?}");
    types.push("proxy:hash".to_string());
    // Tables whose name is no file: postalias stops at opening the name as its input.
    types.extend([
        "inline:{root=admin}".to_string(),
        "static:admin".to_string(),
    ]);
    // One setup per type, each with alias_database naming a table of it.
    let cases: Vec<(tempfile::TempDir, String)> = types
        .iter()
        .map(|kind| {
            let case = tempfile::tempdir().unwrap();
            let c = case.path();
            std::fs::write(c.join("aliases"), "root: admin\n").unwrap();
            // unix: tables have two names only (postlint reads `unix:/path` as a socket);
            // postalias opens the name as its input file first, in the current directory,
            // where newaliases finds no passwd.byname either.
            let table = match kind.as_str() {
                "unix" => "unix:passwd.byname".to_string(),
                _ if kind.contains(['{', ':']) && !kind.starts_with("proxy") => kind.clone(),
                _ => format!("{kind}:{}", c.join("aliases").display()),
            };
            std::fs::write(
                c.join("main.cf"),
                format!(
                    "compatibility_level = 3.6\nmyhostname = mail.example.com\n\
                     alias_maps = {table}\nalias_database = {table}\n"
                ),
            )
            .unwrap();
            // Postfix waits out files modified in the last second.
            common::backdate(c);
            (case, table)
        })
        .collect();
    // postalias side by side: each fatal error costs it a second's sleep.
    let built: Vec<(bool, String)> = std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|(case, table)| {
                scope.spawn(move || {
                    let out = std::process::Command::new("postalias")
                        .current_dir(case.path())
                        .arg("-c")
                        .arg(case.path())
                        .arg(table)
                        .output()
                        .unwrap();
                    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
                    (out.status.success(), stderr)
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let rule = postlint::rules::find("unsupported-map-type").unwrap();
    let (mut buildable, mut refused) = (0, 0);
    for ((case, table), (ok, stderr)) in cases.iter().zip(built) {
        let model = Model::load(&LoadOptions {
            config_dir: Some(case.path().to_path_buf()),
            ..Default::default()
        })
        .unwrap();
        let mut findings = postlint::diagnostic::Findings::new(rule.id, rule.severity);
        (rule.check)(&model, &mut findings);
        let finding = findings
            .list
            .iter()
            .find(|f| f.message.contains("newaliases cannot build"));
        let reported = finding.is_some();
        // What postlint quotes of postalias is what postalias says.
        if let Some(quoted) = finding
            .and_then(|f| f.message.split_once("stops with \""))
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(quoted, _)| quoted)
        {
            assert!(
                stderr.contains(quoted),
                "{table}: postlint quotes {quoted:?}, postalias said {stderr:?}"
            );
        }
        assert_eq!(
            reported,
            !ok,
            "{table}: postalias said {stderr:?}; postlint {}",
            if reported { "reported it" } else { "did not" }
        );
        if reported {
            refused += 1;
        } else {
            buildable += 1;
        }
    }
    assert!(
        buildable >= 3 && refused >= 10,
        "{buildable} built, {refused} refused"
    );
}

/// The installed Postfix's own postfix-files lists `$meta_directory` files: postlint reads it
/// as a release from 3.0 on, never as the pre-3.0 postfix-files that makes it lint a dump of
/// /etc/postfix for 2.11 (`version::postfix_files_before_3_0`).
#[test]
fn the_installed_postfix_files_is_one_from_3_0_on() {
    if !common::postfix_available() {
        return;
    }
    // The built-in default: this machine may have no main.cf of its own.
    let (ok, out, err) = common::run("postconf", &["-d", "-h", "meta_directory"]);
    assert!(ok, "{err}");
    let path = std::path::Path::new(out.trim()).join("postfix-files");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.contains("$config_directory/main.cf"),
        "{}",
        path.display()
    );
    assert!(!postlint::model::version::postfix_files_before_3_0(&text));
}

/// trailing-comment says a map value that starts with `#` is the whole value: `postmap -q` on
/// the fixture's table prints that text for the key (survey AH4).
#[test]
fn a_map_value_that_is_a_comment_is_what_postmap_stores() {
    if !postfix_available() {
        return;
    }
    let case = Path::new("fixtures/trailing-comment/trigger-map-value-that-is-a-comment");
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("main.cf"), "").unwrap();
    let conf = empty.path().to_string_lossy().into_owned();
    let findings = diagnostics("trailing-comment", case);
    let mut checked = 0;
    for f in findings {
        let message = f["message"].as_str().unwrap_or_default();
        let Some((value, rest)) = message
            .strip_prefix('`')
            .and_then(|m| m.split_once("` is the whole value of `"))
        else {
            continue;
        };
        let key = rest.split('`').next().unwrap();
        let table = format!("texthash:{}", case.join("virtual").display());
        let (ok, out, err) = common::run("postmap", &["-c", &conf, "-q", key, &table]);
        assert!(ok, "postmap -q {key} {table}: {err}");
        assert_eq!(out.trim(), value, "{message}");
        checked += 1;
    }
    assert_eq!(checked, 1, "the fixture's one finding");
}
