//! Hostile input: CI runs postlint on pull requests and publishes what it says, so a crafted
//! file must not crash it, hang it, or make its output act on the reader's terminal. Each case
//! plants an ordinary mistake beside the hostile part; the mistake must still be reported.

use std::path::Path;
use std::process::Command;

const FORMATS: &[&str] = &["human", "short", "json", "sarif", "github", "junit"];

fn write(path: &Path, text: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs postlint on `dir` in every format (and `--show-config`, `--verbose`); returns each
/// run's stdout and stderr after checking that it exited normally.
fn every_output(dir: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    every_output_of(&[], dir)
}

/// [`every_output`] with more arguments before the directory (`--sysroot`).
fn every_output_of(before: &[&str], dir: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut runs = Vec::new();
    let mut variants: Vec<Vec<&str>> = FORMATS.iter().map(|f| vec!["--format", f]).collect();
    variants.push(vec!["--show-config"]);
    variants.push(vec!["--verbose"]);
    for args in variants {
        let out = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
            .args(["--no-config", "--color", "never"])
            .args(&args)
            .args(before)
            .arg(dir)
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "{args:?}: exit {code:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        runs.push((args.join(" "), out.stdout, out.stderr));
    }
    runs
}

/// No byte that a terminal acts on: C0 controls other than LF and tab (so no ESC, no bare
/// CR), DEL, the C1 controls and the bidirectional overrides.
fn assert_printable(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (i, c) in text.char_indices() {
        let bad = (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(
            !bad,
            "{what}: raw {c:?} at byte {i}: {:?}",
            &text[i.saturating_sub(40)..(i + 40).min(text.len())]
        );
    }
}

#[test]
fn terminal_escapes_in_files_are_never_printed_raw() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // ESC sequences (clear screen, window title, a hidden hyperlink), a bare CR that would
    // overwrite the line with "No problems found.", C1 CSI, a bidi override, in a value, a
    // key, a parameter name and a file name.
    write(
        &root.join("main.cf"),
        "compatibility_level = 3.6\n\
         smtpd_banner = $myhostname \x1b[2J\x1b]0;owned\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\n\
         mydomain = example.com\rNo problems found.\x1b[K\n\
         myhostname\u{202e}x = mail\n\
         typo\x1b[31m_name = $undefined\u{9b}31m\n\
         virtual_alias_maps = hash:/etc/postfix/virt\x1bual\n"
            .as_bytes(),
    );
    write(
        &root.join("virt\x1bual"),
        "a\x1b[2J@example.com  x@example.net\na\x1b[2J@example.com  y@example.net\n".as_bytes(),
    );
    for (args, stdout, stderr) in every_output(root) {
        assert_printable(&format!("{args} stdout"), &stdout);
        assert_printable(&format!("{args} stderr"), &stderr);
        if args.starts_with("--format short") {
            // The planted mistakes are still found.
            let text = String::from_utf8_lossy(&stdout);
            assert!(text.contains("[duplicate-map-key]"), "{text}");
            assert!(text.contains("[undefined-reference]"), "{text}");
            assert!(text.contains("\\u{1b}"), "escapes are shown: {text}");
        }
    }
}

/// A tab from a file is shown as `\t` in a message: raw, it hides there (a value `bo<TAB>gus` reads
/// as a space) and cuts the line of a format that tools split at tabs; a no-break space is
/// shown as `\u{a0}`. Source lines keep theirs.
#[test]
fn tabs_in_values_are_shown_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        "compatibility_level = 3.6\nsmtpd_tls_security_level = bo\tgus\nmyhostname\u{a0}= x\n"
            .as_bytes(),
    );
    for (args, stdout, _) in every_output(root) {
        let text = String::from_utf8_lossy(&stdout);
        if args.starts_with("--format short") || args.starts_with("--format github") {
            assert!(!text.contains('\t'), "{args}: a raw tab: {text:?}");
            assert!(text.contains("bo\\tgus"), "{args}: {text}");
            // A no-break space after a name reads as a space; it is shown.
            assert!(text.contains("`myhostname\\u{a0}`"), "{args}: {text}");
        }
        if args == "--format human" {
            let message = text.lines().find(|l| l.contains("is not a valid")).unwrap();
            assert!(message.contains("`bo\\tgus`"), "{message}");
        }
    }
}

#[test]
fn an_idn_or_latin_1_domain_is_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut main_cf = b"compatibility_level = 3.6\n\
        relay_domains = \xc3\xb6.example, \xe4\xe4.example, \xff.example\n\
        virtual_mailbox_domains = \xc3\xb6.example\n\
        virtual_alias_domains = \xe4.example\n\
        parent_domain_matches_subdomains = relay_domains\n"
        .to_vec();
    main_cf.extend_from_slice(b"mydomian = example.net\n");
    write(&root.join("main.cf"), &main_cf);
    for (args, stdout, _) in every_output(root) {
        if args.starts_with("--format short") {
            let text = String::from_utf8_lossy(&stdout);
            assert!(text.contains("[unknown-parameter]"), "{text}");
        }
    }
}

/// Runs postlint with a deadline: a hang is a failure, not a stuck CI job.
fn run_with_deadline(args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
        .args(["--color", "never"])
        .args(if args.contains(&"--format") {
            &[][..]
        } else {
            &["--format", "short"][..]
        })
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes while waiting: a child blocked on a full pipe is no hang of its own.
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let stderr = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("postlint {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    (
        status.code(),
        stdout.join().unwrap(),
        stderr.join().unwrap(),
    )
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn fifos_and_devices_are_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A FIFO as a map, as a list file, as a regexp table and as master.cf; a link to /dev/zero
    // as another map. The planted typo is still found.
    write(
        &root.join("conf/main.cf"),
        b"compatibility_level = 3.6\n\
          virtual_alias_maps = hash:/etc/postfix/virtual, hash:/etc/postfix/zero\n\
          relay_domains = /etc/postfix/relay_domains\n\
          header_checks = regexp:/etc/postfix/header_checks\n\
          mydomian = example.com\n",
    );
    for name in ["virtual", "relay_domains", "header_checks", "master.cf"] {
        mkfifo(&root.join("conf").join(name));
    }
    std::os::unix::fs::symlink("/dev/zero", root.join("conf/zero")).unwrap();
    let (code, out, err) = run_with_deadline(&["--no-config", "conf"], root);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("[unknown-parameter]"), "{out}");
    assert!(
        err.contains("virtual: cannot read: not a regular file (a FIFO)"),
        "{err}"
    );
    // The link leaves the tree, so it is not even opened (fsread's unit test reads /dev/zero).
    assert!(!err.contains("zero"), "{err}");
    let (_, _, err) = run_with_deadline(&["--no-config", "--verbose", "conf"], root);
    assert!(
        err.contains("hash:/etc/postfix/zero: /etc/postfix/zero is outside the linted tree"),
        "{err}"
    );

    // A FIFO as main.cf: an error naming it, exit 2.
    mkfifo(&root.join("fifo-main.cf"));
    std::fs::create_dir_all(root.join("f")).unwrap();
    std::fs::rename(root.join("fifo-main.cf"), root.join("f/main.cf")).unwrap();
    let (code, _, err) = run_with_deadline(&["--no-config", "f"], root);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("main.cf: cannot read: not a regular file (a FIFO)"),
        "{err}"
    );
    // Repo mode says why it skipped it.
    let (_, _, err) = run_with_deadline(&["--no-config", "--discover", "--allow-empty", "f"], root);
    assert!(
        err.contains("main.cf: not a regular file (a FIFO)"),
        "{err}"
    );
    // A FIFO as postlint.toml.
    mkfifo(&root.join("conf/postlint.toml"));
    let (code, _, err) = run_with_deadline(&["--config", "conf/postlint.toml", "conf"], root);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a regular file (a FIFO)"), "{err}");
}

#[test]
fn nothing_outside_the_linted_tree_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A file outside the tree whose lines would be findings if read as a map or a list.
    let secret = "root:SECRET-HASH-4711:19000:0:99999:7:::";
    let outside = root.join("outside/shadow");
    write(&outside, format!("{secret}\n{secret}\n").as_bytes());
    let shadow = outside.to_string_lossy().into_owned();
    let tree = root.join("repo");
    std::fs::create_dir_all(tree.join(".git")).unwrap();
    let conf = tree.join("conf");
    // Through a link in the tree, through `..` in a table path and a list item, through a
    // main.cf that names its own checkout as config_directory (which must not make the run
    // live), and by absolute path.
    std::fs::create_dir_all(&conf).unwrap();
    std::os::unix::fs::symlink(&outside, conf.join("virtual")).unwrap();
    let ups = "/..".repeat(12);
    write(
        &conf.join("main.cf"),
        format!(
            "compatibility_level = 3.6\n\
             config_directory = {conf}\n\
             virtual_alias_maps = hash:{conf}/virtual, hash:/etc/postfix{ups}{shadow}\n\
             transport_maps = hash:{shadow}\n\
             relay_domains = /etc/postfix{ups}{shadow}\n\
             mydomian = example.com\n",
            conf = conf.display()
        )
        .as_bytes(),
    );
    let check = |args: &[&str], what: &str| {
        for format in FORMATS {
            let mut all = vec!["--format", format];
            all.extend_from_slice(args);
            let out = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
                .args(["--no-config", "--color", "never", "--verbose"])
                .args(&all)
                .current_dir(&tree)
                .output()
                .unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!text.contains("SECRET-HASH"), "{what} {format}: {text}");
            if *format == "short" && !args.contains(&"--sysroot") {
                assert!(text.contains("[unknown-parameter]"), "{what}: {text}");
            }
        }
    };
    check(&["conf"], "a checkout");
    check(&["--discover", "."], "repo mode");

    // An Ansible role whose tasks install, as the tables its main.cf names, a link out of the
    // tree and a file reached by climbing out of the role with `..`.
    let role = tree.join("roles/mail");
    write(
        &role.join("templates/main.cf.j2"),
        b"compatibility_level = 3.6\nmyhostname = {{ fqdn }}\n\
          virtual_alias_maps = hash:/etc/postfix/virtual\n\
          smtpd_sender_restrictions = check_sender_access hash:/etc/postfix/sender_access\n",
    );
    std::os::unix::fs::symlink(&outside, role.join("templates/virtual.j2")).unwrap();
    write(
        &role.join("tasks/main.yml"),
        b"- template: src=main.cf.j2 dest=/etc/postfix/main.cf\n\
          - template: src=virtual.j2 dest=/etc/postfix/virtual\n\
          - copy: src=../../../../outside/shadow dest=/etc/postfix/sender_access\n",
    );
    check(&["--discover", "."], "tables Ansible tasks install");

    // A Salt state that picks main.cf by a variable in a directory reached through a link
    // out of the tree.
    write(
        &root.join("outside/files/main.x.cf"),
        format!("compatibility_level = 3.6\nmyhostname = {secret}\n").as_bytes(),
    );
    std::os::unix::fs::symlink(root.join("outside"), tree.join("formula-link")).unwrap();
    write(
        &tree.join("salt/init.sls"),
        b"/etc/postfix/main.cf:\n  file.managed:\n    \
          - source: salt://postfix/formula-link/files/main.{{ kind }}.cf\n",
    );
    check(&["--discover", "."], "a Salt source through a link");

    // A sysroot: `/..` cannot climb out of it.
    let sysroot = tree.join("host");
    write(
        &sysroot.join("etc/postfix/main.cf"),
        format!(
            "compatibility_level = 3.6\nvirtual_alias_maps = hash:{ups}{shadow}\nrelay_domains = {ups}{shadow}\n"
        )
        .as_bytes(),
    );
    // A system image (etc/passwd), where unreferenced-table surveys etc/postfix: a link that
    // nothing names, with the name of a table, is never read to tell whether it is one.
    write(
        &sysroot.join("etc/passwd"),
        b"root:x:0:0:root:/root:/bin/sh\n",
    );
    std::os::unix::fs::symlink(&outside, sysroot.join("etc/postfix/transport")).unwrap();
    check(&["--sysroot", "host"], "a sysroot");

    // main.cf itself a link out of the tree: refused, not read.
    let linked = tree.join("linked");
    std::fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink(&outside, linked.join("main.cf")).unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
        .args(["--no-config", "linked"])
        .current_dir(&tree)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("a link to a file outside the linted tree"),
        "{err}"
    );
    assert!(!err.contains("SECRET-HASH"), "{err}");
}

#[test]
fn values_and_list_files_that_multiply_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A few hundred bytes whose expansion doubles 40 times, unused and used.
    let mut main_cf = String::from("compatibility_level = 3.6\n");
    for i in 0..40 {
        main_cf.push_str(&format!("m{i} = $m{n}$m{n}\n", n = i + 1));
    }
    main_cf.push_str("m40 = x\nsmtpd_banner = $m0\n");
    // List files that name each other many times over.
    main_cf.push_str("relay_domains = /etc/postfix/l0\nmydomian = example.com\n");
    write(&root.join("conf/main.cf"), main_cf.as_bytes());
    for i in 0..20 {
        let line = format!("/etc/postfix/l{} ", i + 1).repeat(50);
        write(
            &root.join(format!("conf/l{i}")),
            format!("{line}\nexample{i}.org\n").as_bytes(),
        );
    }
    write(&root.join("conf/l20"), b"example.net\n");
    let (code, out, err) = run_with_deadline(&["--no-config", "conf"], root);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("[unknown-parameter]"), "{out}");
    assert!(
        out.contains("grows past") || out.contains("macro references"),
        "the runaway value used by smtpd_banner is reported: {out}"
    );
}

#[test]
fn a_finding_past_column_65535_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let long = "x".repeat(70_000);
    write(
        &root.join("main.cf"),
        format!("compatibility_level = 3.6\nsmtpd_banner = {long} $mydomian\n").as_bytes(),
    );
    for (args, stdout, stderr) in every_output(root) {
        let text = String::from_utf8_lossy(&stdout);
        assert!(
            !String::from_utf8_lossy(&stderr).contains("panicked"),
            "{args}"
        );
        if args == "--format human" {
            assert!(text.contains("main.cf:2:70017"), "{text}");
            assert!(text.contains("did you mean `$mydomain`?"), "{text}");
        }
    }
}

#[test]
fn passwords_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let conf = root.join("conf");
    // A malformed line and a correct `password =` line of a mysql .cf file, an ldap bind_pw,
    // relay credentials listed twice and a malformed credentials line, a legacy main.cf
    // database password: each next to a finding whose snippet would show it.
    write(
        &conf.join("main.cf"),
        b"compatibility_level = 3.6\n\
          virtual_mailbox_domains = proxy:mysql:/etc/postfix/mysql-domains.cf\n\
          virtual_alias_maps = ldap:/etc/postfix/ldap-aliases.cf\n\
          relayhost = [smtp.example.net]:587\n\
          smtp_sasl_auth_enable = yes\n\
          smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n\
          transport_maps = mysql:legacy\n\
          legacy_password = Pw-Legacy-5\n\
          legacy_user = postfix\n\
          mydomian = example.com\n",
    );
    write(
        &conf.join("mysql-domains.cf"),
        b"user = postfix\npassword = Pw-Correct-1\nhosts = localhost\npassword Pw-Malformed-2\n\
          dbname = mail\nquery = SELECT 1 FROM domains WHERE name='%s'\n",
    );
    write(
        &conf.join("ldap-aliases.cf"),
        b"server_host = ldap.example.com\nbind_pw = Pw-Bind-3\nbind_dn cn=admin\n",
    );
    write(
        &conf.join("sasl_passwd"),
        b"[smtp.example.net]:587   relay@example.com:Pw-Sasl-4\n\
          [smtp.example.net]:587   relay@example.com:Pw-Sasl-6\n\
          [other.example.net]      \"relay@example.com:Pw-Sasl-7\n",
    );
    // Tables nothing names in a system image, shown by unreferenced-table: a credentials
    // file and a database file with the password above the line the finding points at.
    let image = root.join("image");
    write(
        &image.join("etc/passwd"),
        b"root:x:0:0:root:/root:/bin/sh\n",
    );
    write(
        &image.join("etc/postfix/main.cf"),
        b"compatibility_level = 3.6\nmydestination = localhost\n",
    );
    write(
        &image.join("etc/postfix/old_sasl_passwd"),
        b"[smtp.example.net]:587   relay@example.com:Pw-Unreferenced-8\n",
    );
    write(&image.join("etc/postfix/old_sasl_passwd.db"), b"");
    write(
        &image.join("etc/postfix/mysql-old.cf"),
        b"user = postfix\npassword = Pw-Unreferenced-9\nbind_pw Pw-Unreferenced-10\n\
          query = SELECT 1\n",
    );
    let image_runs = every_output_of(&["--sysroot"], &image);
    let unreferenced = image_runs
        .iter()
        .find(|(args, ..)| args == "--format short")
        .map(|(_, stdout, _)| {
            String::from_utf8_lossy(stdout)
                .matches("[unreferenced-table]")
                .count()
        });
    assert_eq!(unreferenced, Some(2), "{image_runs:?}");
    let baseline = root.join("baseline.json");
    let mut runs = every_output(&conf);
    runs.extend(
        image_runs
            .into_iter()
            .map(|(args, stdout, stderr)| (format!("image {args}"), stdout, stderr)),
    );
    let out = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
        .args(["--no-config", "--write-baseline"])
        .arg(&baseline)
        .arg(&conf)
        .output()
        .unwrap();
    runs.push((
        "baseline".to_string(),
        std::fs::read(&baseline).unwrap(),
        out.stderr,
    ));
    let mut found = false;
    for (args, stdout, stderr) in &runs {
        for bytes in [stdout, stderr] {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains("Pw-"), "{args}: a password in\n{text}");
        }
        if args == "--format short" {
            let text = String::from_utf8_lossy(stdout);
            found = text.contains("[invalid-syntax]")
                && text.contains("[duplicate-map-key]")
                && text.contains("[unknown-parameter]");
            assert!(found, "{text}");
        }
    }
    assert!(found);
}

/// Large but plausible inputs that once took minutes or gigabytes (a search per unknown name
/// against every name, quadratic work per `-o`, per suppression and per line of a long line,
/// a snippet from each finding to a line thousands of lines away). Each must finish well within
/// the deadline even in a debug build; the output of the text formats stays bounded.
#[test]
fn large_inputs_stay_linear_and_output_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut main_cf = String::from("compatibility_level = 3.6\n");
    for i in 0..4000 {
        main_cf.push_str(&format!("unknown_name_{i}_{} = 1\n", i * 7919 % 10007));
    }
    for i in 0..100 {
        main_cf.push_str(&format!("smtpd_{}{i} = 1\n", "x".repeat(5000)));
    }
    for i in 0..3000 {
        main_cf.push_str(&format!("myhostname = host{i}.example.com\n"));
    }
    for i in 0..10_000 {
        main_cf.push_str(&format!(
            "# postlint: disable=unknown-parameter\nsilenced_{i} = 1\n"
        ));
    }
    main_cf.push_str(&format!("#{}\n", " postlint: disable=x".repeat(50_000)));
    main_cf.push_str("virtual_alias_maps = hash:/etc/postfix/virtual\n");
    write(&root.join("main.cf"), main_cf.as_bytes());
    let mut master = String::from("smtp inet n - y - - smtpd\ncleanup unix n - y - 0 cleanup\n");
    for i in 0..20_000 {
        master.push_str(&format!("  -o smtpd_x{i}=$y{i}\n"));
    }
    write(&root.join("master.cf"), master.as_bytes());
    let virtual_map: String = (0..100_000)
        .map(|i| format!("dup@example.com  user{i}@example.net\n"))
        .collect();
    write(&root.join("virtual"), virtual_map.as_bytes());
    for format in ["short", "human"] {
        let (code, out, err) = run_with_deadline(&["--no-config", "--format", format, "."], root);
        assert_eq!(code, Some(1), "{err}");
        assert!(out.len() < 5_000_000, "{format}: {} bytes", out.len());
        assert!(
            out.contains("more duplicate-map-key findings in ./virtual"),
            "{format}"
        );
        if format == "short" {
            assert!(out.contains("[unknown-parameter]"), "{out}");
            assert!(out.contains("[overridden-parameter]"), "{out}");
            assert!(!out.contains("silenced_"), "suppressed");
        }
    }
}

/// Bytes that are not UTF-8 and NUL bytes are kept apart: two Latin-1 keys are two keys, and a
/// NUL in a value is a byte like any other, not "a value postlint cannot know".
#[test]
fn different_bytes_are_never_the_same_text() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        b"compatibility_level = 3.6\n\
          mydestination = localhost\n\
          virtual_alias_maps = hash:/etc/postfix/virtual\n\
          virtual_alias_domains = \xe9.example, n\x00l.example, same\xe9.example\n\
          relay_domains = \xe8.example, n\x00l.example, same\xe9.example\n",
    );
    write(
        &root.join("virtual"),
        b"caf\xe9@\xe9.example a@b.example\n\
          caf\xe8@\xe9.example a@b.example\n\
          twice\xe9@\xe9.example a@b.example\n\
          twice\xe9@\xe9.example c@b.example\n",
    );
    let (code, out, err) = run_with_deadline(&["--no-config", "."], root);
    assert_eq!(code, Some(1), "{out}\n{err}");
    let lines = |rule: &str| {
        out.lines()
            .filter(|l| l.contains(&format!("[{rule}]")))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let dups = lines("duplicate-map-key");
    assert_eq!(dups.len(), 1, "{out}");
    assert!(
        dups[0].contains("virtual:4:") && dups[0].contains(r"twice\xe9@\xe9.example"),
        "{out}"
    );
    let overlaps = lines("domain-in-multiple-classes");
    assert_eq!(overlaps.len(), 2, "{out}");
    assert!(
        overlaps.iter().any(|l| l.contains(r"n\x00l.example")),
        "{out}"
    );
    assert!(
        overlaps.iter().any(|l| l.contains(r"same\xe9.example")),
        "{out}"
    );
    assert_printable("short", out.as_bytes());
}

/// regexp and pcre tables from a pull request: thousands of rules, patterns that backtrack
/// without end in a backtracking engine, nesting and counts beyond the compile limits, terminal
/// escapes in a pattern and its result. postlint evaluates what it can in linear time, calls the
/// rest unknown, and prints no raw control character.
#[test]
fn hostile_pattern_tables_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        b"compatibility_level = 3.6\n\
          mydestination = localhost\n\
          virtual_alias_domains = example.com\n\
          virtual_mailbox_domains = example.org\n\
          virtual_mailbox_maps = hash:/etc/postfix/vmailbox\n\
          virtual_alias_maps = regexp:/etc/postfix/virtual.regexp, pcre:/etc/postfix/virtual.pcre\n",
    );
    let mut regexp = String::new();
    for i in 0..1000 {
        regexp.push_str(&format!("/^(a+)+b{i}$/ x{i}@example.net\n"));
    }
    regexp.push_str(&format!(
        "/{}a{}/ deep\n",
        "(".repeat(5000),
        ")".repeat(5000)
    ));
    regexp.push_str("/(x{1000}){1000}/ big\n");
    regexp.push_str(&format!("/{}/ long\n", "[a-z]?".repeat(20_000)));
    regexp.push_str("/(@example\\.com$)|\x1b/ evil\x1b[2J@example.net\n");
    write(&root.join("virtual.regexp"), regexp.as_bytes());
    let mut pcre = String::new();
    for i in 0..1000 {
        pcre.push_str(&format!("/^(?:a|a)*b{i}$/ y{i}@example.net\n"));
    }
    pcre.push_str("/(?=x)(?<=y)\\1/ unknown\n");
    pcre.push_str("/@example\\.org$/ catch@example.net\n");
    write(&root.join("virtual.pcre"), pcre.as_bytes());
    let mailboxes: String = (0..1000)
        .map(|i| format!("user{i}@example.org  example.org/user{i}/\n"))
        .collect();
    write(&root.join("vmailbox"), mailboxes.as_bytes());
    for (args, stdout, stderr) in every_output(root) {
        assert_printable(&format!("{args} stdout"), &stdout);
        assert_printable(&format!("{args} stderr"), &stderr);
        if args.starts_with("--format short") {
            let text = String::from_utf8_lossy(&stdout);
            assert!(text.contains("[catch-all-alias]"), "{text}");
        }
    }
    let mut trace = String::new();
    for address in [
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac@example.com",
        "user7@example.org",
    ] {
        let (code, out, err) =
            run_with_deadline(&["--format", "human", "--trace", address, "."], root);
        assert_eq!(code, Some(0), "{err}");
        assert_printable("--trace", out.as_bytes());
        trace.push_str(&out);
    }
    assert!(trace.contains("unknown"), "{trace}");
}

/// A regexp table of thousands of catch-all-like rules against thousands of hosted domains: to
/// decide which rule is a catch-all for which domain is a regex match per pair, minutes for a
/// table a pull request can write. Above a fixed number of pairs the catch-all rules say they
/// could not decide; the rest of the lint goes on.
#[test]
fn catch_all_search_over_many_rules_and_domains_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        b"compatibility_level = 3.6\n\
          virtual_mailbox_domains = hash:/etc/postfix/domains\n\
          virtual_mailbox_maps = hash:/etc/postfix/vmailbox\n\
          virtual_alias_maps = regexp:/etc/postfix/virtual.regexp\n\
          virtual_mailbox_base = /var/vmail\n\
          smtpd_tls_security_level = sometimes\n",
    );
    let rules: String = (0..3000)
        .map(|i| format!("/@d{i}\\.example$/ catch{i}@elsewhere.example\n"))
        .collect();
    write(&root.join("virtual.regexp"), rules.as_bytes());
    let domains: String = (0..1000).map(|d| format!("d{d}.example OK\n")).collect();
    write(&root.join("domains"), domains.as_bytes());
    let mailboxes: String = (0..1000)
        .map(|d| format!("user@d{d}.example d{d}/user/\n"))
        .collect();
    write(&root.join("vmailbox"), mailboxes.as_bytes());
    let (code, out, err) = run_with_deadline(&["--verbose", "."], root);
    assert_eq!(code, Some(1), "{err}");
    assert!(out.contains("[invalid-value]"), "{out}");
    let undecided = err
        .lines()
        .find(|l| l.contains("could not decide"))
        .unwrap_or_default();
    for rule in ["catch-all-alias", "catch-all-shadows-mailbox"] {
        assert!(undecided.contains(rule), "{rule}: {err}");
    }
}

/// `smtp_sasl_password_maps = static:user:password` holds the password in main.cf itself; the
/// snippet of a finding on the lines around it must not show it.
#[test]
fn a_static_password_table_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        b"compatibility_level = 3.6\n\
          relayhost = [smtp.example.net]:587\n\
          smtp_sasl_auth_enable = yes\n\
          smtp_sasl_password_maps = static:relay@example.com:Pw-Static-8\n\
          smtp_sasl_security_options = noanonymous\n\
          smtp_tls_security_level = may\n",
    );
    assert_never_printed(
        root,
        &["Pw-Static-8"],
        &["relay-credentials-in-clear", "password-in-main-cf"],
    );
}

/// A password table that takes its login from another parameter (`static:$relay_login`):
/// that parameter's line, shown above the finding's line, holds the password.
#[test]
fn a_password_behind_a_parameter_reference_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        b"compatibility_level = 3.6\n\
          relayhost = [smtp.example.net]:587\n\
          smtp_sasl_auth_enable = yes\n\
          relay_login = relayuser:Pw-Behind-9\n\
          smtp_sasl_password_maps = static:$relay_login\n",
    );
    assert_never_printed(root, &["Pw-Behind-9"], &["password-in-main-cf"]);
}

/// A Spamhaus Data Query Service key is the first label of its zones, in main.cf and in a
/// master.cf `-o` override: the code frames of the DNS list rules star it out in both.
#[test]
fn dqs_keys_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        b"compatibility_level = 3.6\n\
          mydestination = localhost\n\
          postscreen_dnsbl_sites = dqskeymaincf0001.zen.dq.spamhaus.net*3\n",
    );
    write(
        &root.join("master.cf"),
        b"smtp      inet  n       -       y       -       -       smtpd\n  \
          -o smtpd_client_restrictions=reject_rbl_client,dqskeymastercf02.dbl.dq.spamhaus.net\n",
    );
    assert_never_printed(
        root,
        &["dqskeymaincf0001", "dqskeymastercf02"],
        &["dnsbl-reply-filter", "dnsbl-wrong-kind"],
    );
}

/// Lints `root` in every output format: no password appears on stdout or stderr, and each of
/// `rules` (whose findings would show them) is reported.
fn assert_never_printed(root: &Path, passwords: &[&str], rules: &[&'static str]) {
    let mut reported: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for (args, stdout, stderr) in every_output(root) {
        let text = String::from_utf8_lossy(&stdout);
        reported.extend(rules.iter().copied().filter(|rule| text.contains(rule)));
        for pw in passwords {
            assert!(!text.contains(pw), "{args}: {pw} in {text}");
            assert!(!String::from_utf8_lossy(&stderr).contains(pw), "{args}");
        }
    }
    assert_eq!(
        reported.len(),
        rules.len(),
        "the findings that would show them are reported: {reported:?}"
    );
}

/// Passwords written in a password table's value, in the places no rule expects to quote:
/// an earlier main.cf line a later one overrides (overridden-parameter quotes it in its
/// help), and the words after a master.cf `-o` value cut at a space (invalid-syntax's line).
#[test]
fn passwords_in_overridden_lines_and_broken_overrides_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        b"compatibility_level = 3.6\n\
          smtp_sasl_password_maps = inline:{ [smtp.example.net]:587=user:Pw-Earlier-1 }\n\
          smtp_sasl_password_maps = inline:{ [smtp.example.net]:587=user:Pw-Later-2 }\n",
    );
    write(
        &root.join("master.cf"),
        b"smtp      inet  n       -       y       -       -       smtpd\n\
          relay2    unix  -       -       y       -       -       smtp\n  \
          -o smtp_sasl_password_maps=static:u:Pw-First-3, static:u2:Pw-Second-4\n  \
          -o smtp_sasl_auth_enable=yes\n",
    );
    assert_never_printed(
        root,
        &["Pw-Earlier-1", "Pw-Later-2", "Pw-First-3", "Pw-Second-4"],
        &["overridden-parameter", "invalid-syntax"],
    );
}

/// A password table's parameter misspelt (unknown-parameter quotes the line and the value in
/// its help), and a password table line without the space after its key (invalid-syntax
/// quotes the skipped line): neither shows the password.
#[test]
fn misspelt_password_parameters_and_broken_table_lines_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("main.cf"),
        b"compatibility_level = 3.6\n\
          relayhost = [smtp.example.net]:587\n\
          smtp_sasl_auth_enable = yes\n\
          smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n\
          smtp_sasl_pasword_maps = static:relayuser:Pw-Typo-5\n",
    );
    write(
        &root.join("sasl_passwd"),
        b"[smtp.example.net]:587 relayuser:Pw-Table-6\n\
          [smtp.example.net]:587:relayuser:Pw-Glued-7\n",
    );
    assert_never_printed(
        root,
        &["Pw-Typo-5", "Pw-Table-6", "Pw-Glued-7"],
        &["unknown-parameter", "invalid-syntax"],
    );
}

/// `--discover` parses the YAML of Ansible tasks: an alias bomb (each anchor repeating the
/// one before nine times) and a list nested 100,000 deep are refused by the parser, not
/// expanded; the configuration beside them is still linted.
#[test]
fn yaml_bombs_in_task_files_are_not_expanded() {
    let repo = tempfile::tempdir().unwrap();
    let role = repo.path().join("roles/x");
    write(
        &role.join("templates/main.cf.j2"),
        b"mydestination = localhost\n",
    );
    let mut bomb = String::from("a0: &a0 [\"main.cf\", \"main.cf\", \"main.cf\"]\n");
    for i in 1..16 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    bomb.push_str("tasks: [*a15]\n");
    write(&role.join("tasks/main.yml"), bomb.as_bytes());
    let deep = format!("{}main.cf{}", "[".repeat(100_000), "]".repeat(100_000));
    write(&role.join("tasks/deep.yml"), deep.as_bytes());
    // 40,000 names a block writes, each looked up for its line once, not the text per name;
    // and a loop whose items each fill in a long line.
    let mut block = String::from("- blockinfile:\n    path: /etc/postfix/main.cf\n    block: |\n");
    for i in 0..40_000 {
        block.push_str(&format!("      p{i} = x\n"));
    }
    write(&role.join("tasks/block.yml"), block.as_bytes());
    let mut looped = format!(
        "- lineinfile:\n    path: /etc/postfix/main.cf\n    line: '{{{{ item }}}} = {}'\n  loop:\n",
        "{{ item }}".repeat(6_000)
    );
    for i in 0..5_000 {
        looped.push_str(&format!("    - q{i}\n"));
    }
    write(&role.join("tasks/loop.yml"), looped.as_bytes());
    let (code, out, err) = run_with_deadline(&["--discover"], repo.path());
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(out.contains("[compatibility-level]"), "{out}\n{err}");
}

/// A Dockerfile's settings are shown where findings point, and in --verbose: never a password
/// a `static:` table holds or a Spamhaus DQS key, nor the rest of the file (an ENV with a
/// password, a RUN that writes sasl_passwd).
#[test]
fn secrets_in_a_dockerfile_are_never_printed() {
    let repo = tempfile::tempdir().unwrap();
    let image = repo.path().join("img");
    write(&image.join("master.cf"), b"smtp inet n - n - - smtpd\n");
    write(
        &image.join("Dockerfile"),
        b"FROM debian\nENV RELAY_PASSWORD=Env-Secret-1\nCOPY master.cf /etc/postfix/\n\
          RUN echo '[relay]:587 u:Echo-Secret-2' > /etc/postfix/sasl_passwd \\\n\
          \x20 && postconf -e 'smtp_sasl_password_maps = static:user:Static-Secret-3' \\\n\
          \x20   smtp_use_tls=yes 'smtp_sasl_auth_enable = yes' relayhost=relay.example.net \\\n\
          \x20   'postscreen_dnsbl_sites = dqskey4secret.zen.dq.spamhaus.net, dnsbl.sorbs.net'\n",
    );
    let mut runs = Vec::new();
    for args in [
        &["--format", "short"][..],
        &[],
        &["--verbose"],
        &["--format", "json"],
        &["--format", "sarif"],
    ] {
        let out = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
            .current_dir(repo.path())
            .args(["--no-config", "--color", "never", "--discover"])
            .args(args)
            .output()
            .unwrap();
        runs.push((
            args.join(" "),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        ));
    }
    // The settings were read (the findings are there), their secrets not shown.
    let short = &runs[0].1;
    assert!(short.contains("img/Dockerfile:6:"), "{short}");
    assert!(short.contains("[dead-dnsbl]"), "{short}");
    for (args, out) in &runs {
        for secret in [
            "Env-Secret-1",
            "Echo-Secret-2",
            "Static-Secret-3",
            "dqskey4secret",
        ] {
            assert!(!out.contains(secret), "{args}: {secret} shown\n{out}");
        }
    }
}

/// A weak password that is a word of postlint's own messages (`password = mail`, as public
/// repositories write it) leaves those words alone: "cannot hand ******** to it" says nothing
/// more and reads worse. (The tests above show every other password starred.)
#[test]
fn a_password_that_is_a_word_of_postlint_s_texts_does_not_star_out_that_word() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path();
    write(
        &conf.join("main.cf"),
        b"compatibility_level = 3.6\n\
          virtual_alias_maps = mysql:/etc/postfix/mysql-aliases.cf\n",
    );
    write(
        &conf.join("master.cf"),
        b"smtp inet n - n - - smtpd\n  -o content_filter=spamassassin\n\
          cleanup unix n - n - 0 cleanup\nqmgr unix n - n 300 1 qmgr\n",
    );
    write(
        &conf.join("mysql-aliases.cf"),
        b"user = mail\npassword = mail\nhosts = 127.0.0.1\ndbname = mail\n\
          query = SELECT destination FROM alias WHERE source='%s'\n",
    );
    let (code, out, err) = run_with_deadline(&["."], conf);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("cannot hand mail to it"), "{out}");
    assert!(!out.contains("********"), "{out}");
}

/// Many Dockerfiles of one directory that set Postfix parameters: each would read every
/// script of the directory again, so only the first 16 by name are linted and the others are
/// named in a note (the walk is in name order on every file system).
#[test]
fn many_dockerfiles_of_one_directory_are_bounded_and_named() {
    let repo = tempfile::tempdir().unwrap();
    for i in 1..=20 {
        write(
            &repo.path().join(format!("Dockerfile.{i}")),
            format!(
                "FROM debian:bookworm\nRUN apt-get install -y postfix && postconf -e \"mynetworks = 0.0.0.0/0\"\nCOPY run{i}.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n"
            )
            .as_bytes(),
        );
        write(
            &repo.path().join(format!("run{i}.sh")),
            format!(
                "#!/bin/sh\npostconf -e \"relayhost = [r{i}.example]\"\nexec postfix start-fg\n"
            )
            .as_bytes(),
        );
    }
    let (code, out, err) = run_with_deadline(&["--discover"], repo.path());
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert_eq!(out.matches("[mynetworks-too-broad]").count(), 16, "{out}");
    let skipped: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("more than 16 Dockerfiles of one directory"))
        .collect();
    assert_eq!(skipped.len(), 4, "{err}");
    for name in [
        "Dockerfile.6",
        "Dockerfile.7",
        "Dockerfile.8",
        "Dockerfile.9",
    ] {
        assert!(
            skipped
                .iter()
                .any(|l| l.contains(&format!("skipped {name}:"))),
            "{err}"
        );
        assert!(!out.contains(&format!("{name}:")), "{out}");
    }
}

/// A Dockerfile of thousands of `RUN postconf` lines whose references the shell expands:
/// at most 100 references are kept (50 lines of two), and a name its `ENV` sets is never one.
#[test]
fn shell_references_in_a_dockerfile_are_bounded() {
    let repo = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "FROM debian:bookworm\nRUN apt-get install -y postfix\nENV myhostname=x\nRUN postconf -e compatibility_level=3.6\n",
    );
    for _ in 0..14_000 {
        text.push_str("RUN postconf -e \"mydestination = $myhostname $mydomain $myorigin\"\n");
    }
    write(&repo.path().join("Dockerfile"), text.as_bytes());
    let (code, out, err) = run_with_deadline(&["--discover"], repo.path());
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert_eq!(
        out.matches("[shell-expanded-reference]").count(),
        50,
        "{out}"
    );
    assert!(!out.contains("`$myhostname`"), "{out}");
}

/// Puppet manifests built to make the `file` resources and defines costly: thousands of
/// defines never closed, defines of thousands of parameters, a define declared thousands of
/// times in many manifests, and titles that interpolate into each other. The run ends, well
/// before the deadline, with the main.cf linted.
#[test]
fn hostile_puppet_manifests_are_bounded() {
    let repo = tempfile::tempdir().unwrap();
    let module = repo.path().join("modules/postfix");
    write(
        &module.join("templates/main.cf.erb"),
        b"compatibility_level = 3.6\nmynetworks = 0.0.0.0/0\n",
    );
    let mut unclosed = String::new();
    for i in 0..20_000 {
        unclosed.push_str(&format!(
            "define postfix::d{i}($a, $b = '0644') {{\n  file {{ \"/etc/postfix/${{title}}\":\n"
        ));
    }
    write(&module.join("manifests/unclosed.pp"), unclosed.as_bytes());
    let params: Vec<String> = (0..20_000).map(|i| format!("$p{i} = 'x'")).collect();
    let mut wide = format!(
        "define postfix::wide({}) {{\n  $f = \"/etc/postfix/${{title}}${{title}}\"\n  file {{ $f: content => $p1, mode => $p2 }}\n}}\n",
        params.join(", ")
    );
    wide.push_str("class postfix { file { '/etc/postfix/main.cf': content => template('postfix/main.cf.erb') } }\n");
    write(&module.join("manifests/init.pp"), wide.as_bytes());
    for m in 0..30 {
        let mut declarations = String::new();
        for i in 0..5_000 {
            declarations.push_str(&format!(
                "postfix::wide {{ 't{i}': p1 => template('postfix/main.cf.erb'), p2 => '0644' }}\n"
            ));
        }
        write(
            &module.join(format!("manifests/many{m}.pp")),
            declarations.as_bytes(),
        );
    }
    let started = std::time::Instant::now();
    let (code, out, err) = run_with_deadline(&["--discover"], repo.path());
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(out.contains("error[mynetworks-too-broad]"), "{out}");
    eprintln!("hostile Puppet manifests: {:?}", started.elapsed());
}

/// Task files built to make matching the changes of mode against the installs costly: 300
/// roles of 100 installs with a mode and 100 chmods each (every pair of them would be 900
/// million). The run ends well before the deadline, and main.cf is still linted.
#[test]
fn many_installs_and_chmods_are_bounded() {
    let repo = tempfile::tempdir().unwrap();
    for r in 0..300 {
        let role = repo.path().join(format!("roles/r{r}"));
        write(
            &role.join("templates/main.cf.j2"),
            b"compatibility_level = 3.6\nmynetworks = 0.0.0.0/0\n",
        );
        let mut tasks = String::from(
            "- template:\n    src: main.cf.j2\n    dest: /etc/postfix/main.cf\n    mode: '0644'\n",
        );
        for i in 0..100 {
            tasks.push_str(&format!(
                "- template:\n    src: t{i}.j2\n    dest: /etc/postfix/d{r}/t{i}\n    mode: '0644'\n\
                 - shell: chmod 0600 /etc/postfix/d{r}/*/x{i} /etc/postfix/other{i}\n"
            ));
        }
        write(&role.join("tasks/main.yml"), tasks.as_bytes());
    }
    let started = std::time::Instant::now();
    let (code, out, err) = run_with_deadline(&["--discover"], repo.path());
    assert_eq!(code, Some(1), "{err}");
    assert!(out.contains("error[mynetworks-too-broad]"), "{out}");
    eprintln!("many installs and chmods: {:?}", started.elapsed());
}
