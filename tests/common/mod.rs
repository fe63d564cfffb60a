//! Helpers shared by the test suites that ask real Postfix.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

pub mod db;

/// True when Postfix is installed. With POSTLINT_ORACLE=required (set by .ci/run) a missing
/// Postfix fails the test instead of skipping it.
pub fn postfix_available() -> bool {
    let found = Command::new("postconf")
        .arg("-d")
        .arg("mail_version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("POSTLINT_ORACLE").as_deref() == Ok("required") {
            panic!("POSTLINT_ORACLE=required but postconf is not installed");
        }
        eprintln!("skipped: Postfix is not installed (apt-get install postfix; see .ci/run)");
    }
    found
}

/// The installed Postfix's release, `3.7` of mail_version 3.7.11, to lint for it
/// (`--postfix-version`) where a check depends on the release; None without Postfix.
pub fn installed_release() -> Option<String> {
    let out = Command::new("postconf")
        .args(["-d", "-h", "mail_version"])
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&out.stdout);
    let mut parts = version.trim().split('.');
    Some(format!("{}.{}", parts.next()?, parts.next()?))
}

/// The lookup types Debian ships as plugins of their own (postfix-mysql, postfix-pcre, ...):
/// a machine can have Postfix without some of them.
pub const PLUGIN_TYPES: &[&str] = &["cdb", "ldap", "lmdb", "mysql", "pcre", "pgsql", "sqlite"];

/// True when Postfix is installed and the test runs as root, which it needs to run a command
/// as user `nobody` (`runuser`); says "skipped" otherwise, unless POSTLINT_ORACLE=required.
pub fn postfix_and_root() -> bool {
    if !postfix_available() {
        return false;
    }
    let root = run("id", &["-u"]).1.trim() == "0";
    runs_or_says_skipped(match root {
        true => Ok(()),
        false => Err("the test runs a command as user nobody, which needs root".to_string()),
    })
}

/// postlint's JSON diagnostics of one rule on the system image at `root` (`--sysroot`), and
/// the text it printed.
pub fn sysroot_diagnostics(rule: &str, root: &Path) -> (Vec<serde_json::Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(["--select", rule, "--format", "json", "--sysroot"])
        .arg(root)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = json["diagnostics"].as_array().cloned().unwrap_or_default();
    (found, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// True when Postfix is installed with every lookup type named (`postconf -m`). Otherwise says
/// `skipped: ...` with the packages to install, or fails under POSTLINT_ORACLE=required: a
/// suite that compares setups using them would fail on the missing plugin, not on postlint.
pub fn postfix_has_types(kinds: &[&str]) -> bool {
    if !postfix_available() {
        return false;
    }
    // postconf -m reads main.cf: an empty one, as /etc/postfix may have none.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cf"), "").unwrap();
    backdate(dir.path());
    let d = dir.path().to_string_lossy().into_owned();
    let (_, stdout, _) = run("postconf", &["-c", &d, "-m"]);
    let missing: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|kind| !stdout.lines().any(|l| l.trim() == *kind))
        .collect();
    runs_or_says_skipped(if missing.is_empty() {
        Ok(())
    } else {
        let packages: Vec<String> = missing.iter().map(|k| format!("postfix-{k}")).collect();
        Err(format!(
            "Postfix has no {} lookup type (apt-get install {}; see .ci/run)",
            missing.join(", "),
            packages.join(" ")
        ))
    })
}

/// Postfix re-reads files modified in the last second; back-date everything it will read.
pub fn backdate(dir: &Path) {
    let past =
        filetime::FileTime::from_unix_time(filetime::FileTime::now().unix_seconds() - 120, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            backdate(&path);
        } else {
            filetime::set_file_mtime(&path, past).unwrap();
        }
    }
}

pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs postconf/postmap/... and returns (success, stdout, stderr).
pub fn run(program: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(program).args(args).output().unwrap();
    if out.status.code().is_none() {
        // Killed by a signal: postconf 3.7 overflows its stack on some self-referring
        // relational values (`mydomain = ${{$mydomain} != {x} ? ...}`). No verdict.
        return (false, String::new(), "postconf: crashed".to_string());
    }
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

use std::collections::{BTreeMap, BTreeSet};

use postlint::model::names::{added_in, NameStatus};
use postlint::model::LoadOptions;
use postlint::output::config;

/// What postconf said about one configuration directory.
#[derive(Debug, Default)]
pub struct PostconfView {
    /// `line N: overriding earlier entry: NAME=...` in main.cf: (N, NAME).
    pub overrides: BTreeSet<(usize, String)>,
    /// `unused parameter: NAME=...`: ("main.cf" | "master.cf", NAME).
    pub unused: BTreeSet<(String, String)>,
    /// `undefined parameter: NAME`: ("main.cf" | "master.cf", NAME).
    pub undefined: BTreeSet<(String, String)>,
    /// The main.cf line of a fatal error, if postconf stopped on one.
    pub fatal_main_line: Option<usize>,
    /// postconf stopped on master.cf.
    pub fatal_master: bool,
    /// Any other fatal error.
    pub fatal_other: Option<String>,
}

fn file_kind(message: &str) -> &'static str {
    if message.contains("master.cf") {
        "master.cf"
    } else {
        "main.cf"
    }
}

pub fn parse_postconf_warnings(stderr: &str) -> PostconfView {
    let mut view = PostconfView::default();
    for line in stderr.lines() {
        let kind = file_kind(line).to_string();
        if let Some((head, rest)) = line.split_once(": overriding earlier entry: ") {
            let number = head.rsplit_once("line ").unwrap().1.parse().unwrap();
            let name = rest.split_once('=').unwrap().0.to_string();
            view.overrides.insert((number, name));
        } else if let Some((_, rest)) = line.split_once(": unused parameter: ") {
            let name = rest.split_once('=').map_or(rest, |p| p.0).to_string();
            view.unused.insert((kind, name));
        } else if let Some((_, name)) = line.split_once(": undefined parameter: ") {
            view.undefined.insert((kind, name.to_string()));
        } else if line.starts_with("postconf: fatal: ") {
            if line.contains("master.cf") || line.contains("field \"") {
                view.fatal_master = true;
            } else if let Some((_, rest)) = line.split_once("main.cf, line ") {
                let number = rest.split_once(':').unwrap().0.parse().unwrap();
                view.fatal_main_line = Some(number);
            } else {
                view.fatal_other = Some(line.to_string());
            }
        }
    }
    view
}

/// Copies main.cf and master.cf of `dir` to a fresh directory, back-dated, for postconf.
pub fn postconf_copy(dir: &Path) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    for name in ["main.cf", "master.cf"] {
        let from = dir.join(name);
        let to = temp.path().join(name);
        if from.exists() {
            std::fs::copy(&from, &to).unwrap();
        } else {
            std::fs::write(&to, "").unwrap();
        }
    }
    backdate(temp.path());
    temp
}

/// `postconf -x NAME...`: name to expanded value, for the names postconf printed; None when
/// postconf refused (a macro error in one of them).
fn postconf_values(dir: &Path, names: &[String]) -> Option<BTreeMap<String, String>> {
    let dir_text = dir.to_string_lossy().into_owned();
    let mut args = vec!["-c", &dir_text, "-x"];
    args.extend(names.iter().map(String::as_str));
    let (ok, stdout, _) = run("postconf", &args);
    if !ok {
        return None;
    }
    Some(
        postconf_pairs(&stdout.replace(&dir_text, "/etc/postfix"))
            .into_iter()
            .collect(),
    )
}

/// postconf's `name = value` lines (`name =` for an empty value), as pairs.
pub fn postconf_pairs(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            l.split_once(" = ")
                .or_else(|| l.strip_suffix(" =").map(|n| (n, "")))
        })
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// A name as postconf prints it in a warning: every byte that is not printable ASCII as `?`
/// (a byte-order mark is `???`).
fn as_postconf_prints(name: &str) -> String {
    name.bytes()
        .map(|b| if b.is_ascii_graphic() { b as char } else { '?' })
        .collect()
}

/// Compares postlint's reading of `dir` with postconf's; returns how many facts agreed, or
/// the first disagreement.
pub fn compare_with_postconf(dir: &Path) -> Result<usize, String> {
    let options = LoadOptions {
        config_dir: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let all: Vec<_> = postlint::rules::RULES.iter().collect();
    let report = postlint::lint(&options, &all).map_err(|e| e.to_string())?;
    let model = &report.model;
    // A value that multiplies without end: postconf -x would run until memory runs out, which
    // is what postlint reports instead (tests/hostile.rs and the invalid-syntax fixture).
    if model
        .params
        .defined_names()
        .into_iter()
        .any(|n| model.params.expand(n).runaway)
    {
        return Ok(0);
    }
    let temp = postconf_copy(dir);
    let t = temp.path().to_string_lossy().into_owned();
    let (_, _, stderr) = run("postconf", &["-c", &t, "-n"]);
    if stderr == "postconf: crashed" {
        return Ok(0);
    }
    let theirs = parse_postconf_warnings(&stderr);
    let mut agreed = 0;
    if let Some(fatal) = &theirs.fatal_other {
        // postconf expands the values of built-in parameters to find legacy database names;
        // a macro error in one of them stops it.
        if fatal.ends_with("macro processing error") {
            let refused = model.params.defined_names().into_iter().any(|n| {
                model.names.status(n, None) != NameStatus::Unused
                    && !model.params.expand(n).errors.is_empty()
            }) || report.findings.iter().any(|f| {
                f.rule == "invalid-syntax" && f.message.contains("malformed compatibility level")
            });
            return if refused {
                Ok(1)
            } else {
                Err("postconf: macro processing error; postlint expands every value".to_string())
            };
        }
        // A value postconf checks when it starts (inet_protocols) holds an installer
        // placeholder: the installer replaces it before Postfix reads the file.
        let on_placeholder = model
            .names
            .placeholders
            .iter()
            .any(|p| fatal.contains(&format!("\"{}\"", p.marker)));
        if on_placeholder {
            return Ok(1);
        }
        return Err(format!("postconf stopped: {fatal}"));
    }

    let main_bad: Vec<usize> = model
        .main_cf_bad_lines
        .iter()
        .filter(|b| !b.reason.starts_with("logical line must not start"))
        .map(|b| b.line as usize)
        .collect();
    if let Some(line) = theirs.fatal_main_line {
        // A line that is one installer placeholder: postconf stops on the unfilled file,
        // postlint takes it as lines it cannot see.
        let placeholder = model.main_cf_placeholder_lines.contains(&(line as u32));
        // A template's tag line (Smarty's `{if ...}`): postconf reads the unrendered file,
        // which Postfix never sees.
        let template = model.sources.get(model.main_cf).template.is_some();
        return if main_bad.first() == Some(&line) || placeholder || template {
            Ok(1)
        } else {
            Err(format!(
                "postconf stopped at main.cf line {line}; postlint's bad lines: {main_bad:?}"
            ))
        };
    }
    if !main_bad.is_empty() {
        return Err(format!(
            "postlint rejects main.cf lines {main_bad:?}; postconf did not"
        ));
    }
    let master_field_errors = model
        .master
        .bad_lines
        .iter()
        .any(|b| b.reason.starts_with("bad field count") || b.reason.contains(" field \""));
    // A field that is wholly an installer placeholder is unknown to postlint; postconf, reading
    // it before the installer ran, stops on it.
    let master_field_errors = master_field_errors || !model.master.placeholders.is_empty();
    // A master.cf template whose tag lines postconf reads unrendered (a line switched by a
    // shell variable): Postfix never sees them so.
    let master_template = model
        .sources
        .iter()
        .any(|(_, f)| f.template.is_some() && f.display_path.ends_with("master.cf"));
    let master_field_errors = master_field_errors || (master_template && theirs.fatal_master);
    if theirs.fatal_master != master_field_errors {
        return Err(format!(
            "master.cf: postconf fatal {}, postlint field errors {master_field_errors}",
            theirs.fatal_master
        ));
    }
    if theirs.fatal_master {
        return Ok(1);
    }

    // Which definitions override which.
    let ours_overrides: BTreeSet<(usize, String)> = report
        .findings
        .iter()
        .filter(|f| f.rule == "overridden-parameter")
        .filter(|f| f.primary.span.file == model.main_cf)
        .map(|f| {
            let line = model
                .sources
                .get(f.secondary[0].span.file)
                .line_col(f.secondary[0].span.start)
                .0;
            let name = f.message.split('`').nth(1).unwrap().to_string();
            (line, name)
        })
        .collect();
    if ours_overrides != theirs.overrides {
        return Err(format!(
            "overrides: postlint {ours_overrides:?}, postconf {:?}",
            theirs.overrides
        ));
    }
    agreed += ours_overrides.len();

    // Unused names.
    let mut ours_unused = BTreeSet::new();
    for name in model.params.defined_names() {
        if model.names.status(name, None) == NameStatus::Unused {
            ours_unused.insert(("main.cf".to_string(), as_postconf_prints(name)));
        }
    }
    for (i, service) in model.master.services.iter().enumerate() {
        for def in &service.overrides {
            if model.names.status(&def.name, Some(i)) == NameStatus::Unused {
                ours_unused.insert(("master.cf".to_string(), as_postconf_prints(&def.name)));
            }
        }
    }
    let theirs_unused: BTreeSet<(String, String)> = theirs
        .unused
        .iter()
        .filter(|(_, n)| added_in(n).is_none())
        // `virtual_maps = ldap:x` makes the daemons read `x_server_host`; postconf misses that.
        .filter(|(_, n)| !model.names.is_legacy_dbms(n))
        // Without master.cf postconf sees no services; postlint says "unknown" and is silent.
        .filter(|(_, n)| model.names.status(n, None) != NameStatus::Unknown)
        .cloned()
        .collect();
    if ours_unused != theirs_unused {
        return Err(format!(
            "unused: postlint {ours_unused:?}, postconf {theirs_unused:?}"
        ));
    }
    agreed += ours_unused.len();

    // Undefined references.
    let ours_undefined: BTreeSet<(String, String)> = model
        .names
        .undefined
        .iter()
        .map(|u| {
            let kind = if u.span.file == model.main_cf {
                "main.cf"
            } else {
                "master.cf"
            };
            (kind.to_string(), u.name.clone())
        })
        .collect();
    // `$MAIL_DOMAIN` that nothing defines is an installer placeholder to postlint (an unknown
    // value), where postconf, reading the file before the installer ran, calls it undefined.
    let theirs_undefined: BTreeSet<(String, String)> = theirs
        .undefined
        .iter()
        .filter(|(_, name)| !postlint::parse::placeholder::is_placeholder_name(name))
        .cloned()
        .collect();
    if ours_undefined != theirs_undefined {
        return Err(format!(
            "undefined: postlint {ours_undefined:?}, postconf {theirs_undefined:?}"
        ));
    }
    agreed += ours_undefined.len();

    // Every value --show-config prints.
    let view = config::view(model);
    let names: Vec<String> = view
        .parameters
        .keys()
        .filter(|n| *n != "config_directory" && added_in(n).is_none())
        .cloned()
        .collect();
    let batch = postconf_values(temp.path(), &names);
    for name in &names {
        let ours = &view.parameters[name];
        if ours.unknown {
            continue; // host-dependent (myhostname ...): postconf used this machine's
        }
        if ours.value.as_deref() == Some(postlint::output::config::SECRET) {
            continue; // a password, which postlint never shows
        }
        // postlint leaves out Debian's nis:mail.aliases on purpose (params.rs), also where a
        // default takes alias_maps in (local_recipient_maps, which backscatter-risk reads).
        if matches!(name.as_str(), "alias_maps" | "local_recipient_maps")
            && ours.origin == "default"
        {
            continue;
        }
        // Ok(None): postconf does not know the name (an unused one); Err: it refused the value.
        let theirs_value: Result<Option<String>, ()> = match &batch {
            Some(values) => Ok(values.get(name).cloned()),
            None => match postconf_values(temp.path(), std::slice::from_ref(name)) {
                Some(values) => Ok(values.get(name).cloned()),
                None => Err(()),
            },
        };
        match (&ours.value, theirs_value) {
            (Some(v), Ok(Some(t))) => {
                if collapse(v) != collapse(&t) {
                    return Err(format!("{name}: postlint `{v}`, postconf `{t}`"));
                }
            }
            (Some(v), Ok(None)) => {
                let status = model.names.status(name, None);
                let postconf_misses = model.names.is_legacy_dbms(name);
                if !matches!(status, NameStatus::Unused | NameStatus::Unknown) && !postconf_misses {
                    return Err(format!("{name}: postlint `{v}`, postconf printed nothing"));
                }
            }
            (Some(v), Err(())) => {
                return Err(format!(
                    "{name}: postlint `{v}`, postconf refused the value"
                ));
            }
            (None, Err(())) | (None, Ok(None)) => {}
            (None, Ok(Some(t))) => {
                return Err(format!(
                    "{name}: postlint refuses it ({:?}), postconf `{t}`",
                    ours.errors
                ))
            }
        }
        agreed += 1;
    }

    // Every master.cf `-o` value, expanded as the service sees it (`$service_name` included):
    // `postconf -Px` prints `service/type/name = value`.
    let dir_text = temp.path().to_string_lossy().into_owned();
    let (ok, stdout, _) = run("postconf", &["-c", &dir_text, "-Px"]);
    if ok {
        let theirs: BTreeMap<String, String> =
            postconf_pairs(&stdout.replace(&dir_text, "/etc/postfix"))
                .into_iter()
                .collect();
        for (service, overrides) in &view.services {
            for (name, ours) in overrides {
                let (Some(value), false) = (&ours.value, ours.unknown) else {
                    continue;
                };
                if value == postlint::output::config::SECRET {
                    continue; // a password or DQS key, which postlint never shows
                }
                let key = format!("{service}/{name}");
                // A name postconf does not print for the service (a later duplicate entry).
                let Some(t) = theirs.get(&key) else { continue };
                if collapse(value) != collapse(t) {
                    return Err(format!("{key}: postlint `{value}`, postconf -Px `{t}`"));
                }
                agreed += 1;
            }
        }
    }
    Ok(agreed)
}

use postlint::model::tables::{Format, Table};
use postlint::model::Model;

/// One map or aliases source as a setup of its own: main.cf names it, postlint loads it.
pub struct SourceCase {
    pub dir: tempfile::TempDir,
    pub model: Model,
}

impl SourceCase {
    /// The table of the source.
    pub fn table(&self) -> &Table {
        self.model
            .tables
            .iter()
            .find(|t| t.name == "/etc/postfix/source")
            .expect("main.cf names the source")
    }
}

pub fn source_case(text: &str, format: Format) -> SourceCase {
    let dir = tempfile::tempdir().unwrap();
    let param = if format == Format::Aliases {
        "alias_maps"
    } else {
        "virtual_alias_maps"
    };
    std::fs::write(
        dir.path().join("main.cf"),
        format!("{param} = hash:/etc/postfix/source\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("master.cf"), "").unwrap();
    std::fs::write(dir.path().join("source"), text).unwrap();
    backdate(dir.path());
    let model = Model::load(&LoadOptions {
        config_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .unwrap();
    SourceCase { dir, model }
}

pub fn warned_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut warned: Vec<usize> = lines
        .filter_map(|l| l.split_once(", line ").or_else(|| l.split_once(" line ")))
        .filter_map(|(_, rest)| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect();
    warned.sort();
    warned.dedup();
    warned
}

/// postmap/postalias -s after compiling DIR/source (folded key to value, whitespace collapsed),
/// the line numbers they warned about, and the keys they called duplicates.
pub fn postfix_view(
    dir: &Path,
    format: Format,
) -> (BTreeMap<String, String>, Vec<usize>, Vec<String>) {
    let tool = if format == Format::Aliases {
        "postalias"
    } else {
        "postmap"
    };
    let d = dir.to_string_lossy().into_owned();
    let table = format!("hash:{d}/source");
    let (ok, _, stderr) = run(tool, &["-c", &d, &table]);
    assert!(ok, "{tool} failed: {stderr}");
    // "logical line must not start with whitespace" has no line number: count those.
    let mut warned = warned_lines(stderr.lines().filter(|l| !l.contains("duplicate entry")));
    let indented = stderr
        .matches("logical line must not start with whitespace")
        .count();
    warned.extend(std::iter::repeat_n(0, indented));
    warned.sort();
    // postalias names the .db file, not the line: compare the keys.
    let mut duplicates: Vec<String> = stderr
        .lines()
        .filter_map(|l| l.split_once("duplicate entry: \""))
        .map(|(_, k)| k.trim_end_matches('"').to_string())
        .collect();
    duplicates.sort();
    duplicates.dedup();
    let (_, stdout, _) = run(tool, &["-c", &d, "-s", &table]);
    let entries = stdout
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| {
            let k = if format == Format::Aliases {
                k.strip_suffix(':').unwrap_or(k)
            } else {
                k
            };
            (k.to_string(), collapse(v))
        })
        .filter(|(k, _)| !(format == Format::Aliases && (k == "@" || k.starts_with("YP_"))))
        .collect();
    (entries, warned, duplicates)
}

/// Copies every file under `from` to `to`, keeping the layout.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// What trivial-rewrite's resolver says about `user@DOMAIN`: the reply's class flags and the
/// "do not list domain ... in BOTH ..." warnings, or None when it stopped on a fatal error.
pub struct Resolved {
    pub flags: u32,
    /// (domain, first parameter, second parameter), as logged.
    pub warnings: BTreeSet<(String, String, String)>,
}

/// One-shot trivial-rewrite (`-S`), reading main.cf from `dir`
/// (../shared/postfix-ground-truth.md section 3.4).
pub fn trivial_rewrite_resolve(dir: &Path, domain: &str) -> Result<Resolved, String> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new("timeout")
        .args([
            "10",
            "/usr/lib/postfix/sbin/trivial-rewrite",
            "-S",
            "-V",
            "-n",
            "rewrite",
            "-t",
            "unix",
        ])
        .env("MAIL_CONFIG", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let request = format!("request\0resolve\0sender\0\0address\0user@{domain}\0\0");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The reply's attributes: the last "flags" is the resolver's.
    let fields: Vec<&str> = stdout.split('\0').collect();
    let flags = fields
        .windows(2)
        .rev()
        .filter(|w| w[0] == "flags")
        .find_map(|w| w[1].parse::<u32>().ok())
        .ok_or_else(|| format!("trivial-rewrite gave no answer: {}", stderr.trim()))?;
    let warnings = stderr
        .lines()
        .filter_map(|l| l.split_once("do not list domain "))
        .filter_map(|(_, rest)| parse_both(rest))
        .collect();
    Ok(Resolved { flags, warnings })
}

/// `DOMAIN in BOTH A and B...` to (domain, A, B), the domain case-folded.
pub fn parse_both(text: &str) -> Option<(String, String, String)> {
    let (domain, rest) = text.split_once(" in BOTH ")?;
    let (a, rest) = rest.split_once(" and ")?;
    let b: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Some((domain.to_ascii_lowercase(), a.to_string(), b))
}

/// Runs `check` on every item on several threads (most of an oracle case's time is Postfix
/// sleeping a second after a fatal error) and adds up the counts. On failure, the error of the
/// first failing item in `items` order.
pub fn in_parallel<T: Sync>(
    items: &[T],
    check: impl Fn(&T) -> Result<usize, String> + Sync,
) -> Result<usize, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<usize, String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = check(item);
                results.lock().unwrap().push((i, result));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).sum()
}

/// A small seeded generator (xorshift64*), so that a seed names the same generated cases
/// forever. The suites seed it their own way.
pub struct Rng(pub u64);

impl Rng {
    /// A generator for one stream of a seed (splitmix64 of the two, never zero).
    pub fn stream(seed: u64, stream: u64) -> Rng {
        let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(z | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability percent/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn weighted<'a, T>(&mut self, items: &'a [(u32, T)]) -> &'a T {
        let total: u32 = items.iter().map(|i| i.0).sum();
        let mut n = (self.next() % total as u64) as u32;
        for (w, item) in items {
            if n < *w {
                return item;
            }
            n -= w;
        }
        unreachable!()
    }
}

/// A number from an environment knob (`POSTLINT_RELAY_ORACLE_JOBS=3`), else the default.
pub fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

/// Runs `f`, turning a panic into its message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".to_string())
    })
}

/// Runs `run` on every item on `jobs` threads (the oracle suites: a few Postfix instances at a
/// time) and returns the results in `items` order. After the first panic no further item is
/// started, and the error is that item's position and panic message.
pub fn on_threads<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    run: impl Fn(usize, &T) -> R + Sync,
) -> Result<Vec<R>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::new());
    let failed: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(items.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                if failed.lock().unwrap().is_some() {
                    break;
                }
                match catch(|| run(i, item)) {
                    Ok(r) => results.lock().unwrap().push((i, r)),
                    Err(e) => {
                        *failed.lock().unwrap() = Some(format!("item {i}: {e}"));
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().unwrap() {
        return Err(e);
    }
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Whether an oracle suite runs: with `ready` an error (what this machine lacks), it says
/// "skipped" on stderr and returns false, or fails under POSTLINT_ORACLE=required.
pub fn runs_or_says_skipped(ready: Result<(), String>) -> bool {
    match ready {
        Ok(()) => true,
        Err(why) => {
            if std::env::var("POSTLINT_ORACLE").as_deref() == Ok("required") {
                panic!("POSTLINT_ORACLE=required but {why}");
            }
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// A new CA (DIR/ca.pem, DIR/ca.key) and a certificate it signed for `subject` with the
/// X.509 extensions `extensions` (DIR/LEAF.pem, DIR/LEAF.key), all P-256, valid two days:
/// made by each test run, never kept.
pub fn ca_signed(dir: &Path, leaf: &str, subject: &str, extensions: &str) -> Result<(), String> {
    let openssl = |args: &[&str]| -> Result<(), String> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("openssl {}: {e}", args[0]))?;
        match out.status.success() {
            true => Ok(()),
            false => Err(format!(
                "openssl {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let (key, csr, cert) = (
        format!("{leaf}.key"),
        format!("{leaf}.csr"),
        format!("{leaf}.pem"),
    );
    std::fs::write(dir.join(format!("{leaf}.ext")), extensions).map_err(|e| e.to_string())?;
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &["-days", "2", "-subj", "/CN=postlint test CA"],
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    )?;
    openssl(
        &[
            &["req"][..],
            &ec,
            &["-subj", subject, "-keyout", &key, "-out", &csr],
        ]
        .concat(),
    )?;
    let ext = format!("{leaf}.ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &ext,
        "-out",
        &cert,
    ])
}
