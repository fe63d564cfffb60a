//! Templates read as Postfix files with holes: each case in fixtures/templates/ is a small
//! repository linted as a CI gate lints one (`postlint --discover`). A mistake on a plain line
//! is found at its template line; one inside `{% if %}` is not reported as certain; what the
//! template leaves unknown is said under --verbose.

use std::path::Path;

use assert_cmd::Command;

#[path = "common/run.rs"]
mod run;
use run::run;

#[test]
fn each_template_case_is_linted_at_its_own_lines() {
    let mut cases: Vec<_> = std::fs::read_dir("fixtures/templates")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "{cases:?}");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (code, out, err) = run(&case, &["--discover", "--format", "short", "--verbose"]);
        assert_ne!(code, 2, "{name}: {out}{err}");
        let notes: String = err
            .lines()
            .filter(|l| l.contains(" read ") || l.contains("unknown: ") || l.contains("skipped"))
            .map(|l| format!("{l}\n"))
            .collect();
        insta::assert_snapshot!(format!("templates__{name}"), format!("{out}\n{notes}"));
    }
}

#[test]
fn snippets_show_the_template_as_written() {
    let (code, out, _) = run(
        Path::new("fixtures/templates/ansible-role"),
        &["--discover", "--select", "mynetworks-too-broad"],
    );
    assert_eq!(code, 1, "{out}");
    // The line as the user wrote it, tags and all, not the holes postlint read.
    assert!(
        out.contains(
            "mynetworks = 127.0.0.0/8, {{ postfix_trusted_networks | join(', ') }}, 0.0.0.0/0"
        ),
        "{out}"
    );
    assert!(!out.contains("!TTT"), "{out}");
    insta::assert_snapshot!("templates__human", out);
}

#[test]
fn a_mistake_inside_a_block_is_not_reported_as_certain() {
    let dir = tempfile::tempdir().unwrap();
    let plain = "compatibility_level = 3.6\nmessage_size_limit = 10M\n";
    std::fs::write(dir.path().join("main.cf"), plain).unwrap();
    let (code, out, _) = run(dir.path(), &[".", "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("main.cf:2:22: error[invalid-value]"), "{out}");

    // The same line inside a block: the value is unknown and nothing is reported.
    let block = "compatibility_level = 3.6\n{% if big %}\nmessage_size_limit = 10M\n{% endif %}\n";
    std::fs::write(dir.path().join("main.cf"), block).unwrap();
    let (code, out, _) = run(dir.path(), &[".", "--format", "short"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("invalid-value"), "{out}");

    // A finding on a block's line is dropped, and the summary counts it.
    let old = "compatibility_level = 3.6\n{% if a %}\nsmtpd_use_tls = yes\n{% endif %}\n";
    std::fs::write(dir.path().join("main.cf"), old).unwrap();
    let (code, out, _) = run(dir.path(), &[".", "--format", "short"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("deprecated-parameter"), "{out}");
    assert!(
        out.contains("No problems found; 1 silenced (1 on conditional template lines)."),
        "{out}"
    );

    // A name no Postfix release knows is wrong whenever its line is there: reported. The
    // deprecated name beside it may be in a block for older releases: still dropped.
    let typo = "compatibility_level = 3.6\n{% if a %}\nsmtpd_use_tls = yes\n\
                myhostnme = mail.example.com\n{% endif %}\n";
    std::fs::write(dir.path().join("main.cf"), typo).unwrap();
    let (code, out, _) = run(dir.path(), &[".", "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "main.cf:4:1: warning[unknown-parameter]: `myhostnme` is not a Postfix parameter"
        ),
        "{out}"
    );
    assert!(!out.contains("deprecated-parameter"), "{out}");
    assert!(
        out.contains("1 silenced (1 on conditional template lines)"),
        "{out}"
    );
}

#[test]
fn a_template_named_on_the_command_line_is_read_as_discover_reads_it() {
    let case = Path::new("fixtures/templates/puppet-erb");
    let (code, direct, _) = run(case, &["templates/main.cf.erb", "--format", "short"]);
    assert_eq!(code, 1, "{direct}");
    let (_, discovered, _) = run(case, &["--discover", "--format", "short"]);
    assert_eq!(direct, discovered);
}

#[test]
fn template_vars_give_simple_expressions_their_values() {
    let case = Path::new("fixtures/templates/ansible-role");
    let (code, without, _) = run(case, &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{without}");
    assert!(!without.contains("invalid-value"), "{without}");

    let vars = ["--template-vars", "roles/mail/defaults/main.yml"];
    let (code, with, err) = run(
        case,
        &[&["--discover", "--format", "short", "--verbose"][..], &vars].concat(),
    );
    assert_eq!(code, 1, "{with}{err}");
    // The value came from defaults/main.yml, through a second variable; the finding points at
    // the tag that held it.
    assert!(
        with.contains("roles/mail/templates/etc/postfix/main.cf.j2:8:22: error[invalid-value]: `50MB` is not a valid mailbox_size_limit"),
        "{with}"
    );
    assert!(
        err.contains("given their values by --template-vars"),
        "{err}"
    );
    // `postfix_hostname: "{{ ansible_fqdn }}"`: a fact, whose value postlint cannot know; taken
    // as text it made "`{{ ansible_fqdn }}` is not a valid myhostname".
    assert!(!with.contains("main.cf.j2:3:"), "{with}");
    // Findings after a substituted value on its line keep their columns.
    assert!(
        with.contains("main.cf.j2:6:72: error[mynetworks-too-broad]"),
        "{with}"
    );
    let (_, human, _) = run(
        case,
        &[&["--discover", "--select", "invalid-value"][..], &vars].concat(),
    );
    assert!(
        human.contains("mailbox_size_limit = {{ postfix_mailbox_size_limit }}"),
        "{human}"
    );

    // A file that is not a mapping, or not there, stops the run with a clear error.
    let (code, _, err) = run(case, &["--discover", "--template-vars", "no-such.yml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no-such.yml"), "{err}");

    // A FIFO (a pull request can commit one) is refused, not waited on.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("main.yml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let fifo = fifo.to_string_lossy().into_owned();
    let out = Command::cargo_bin("postlint")
        .unwrap()
        .current_dir(case)
        .args(["--discover", "--template-vars", &fifo])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
}

/// A Salt pillar is Jinja before it is YAML: `--template-vars` reads it with the tags left
/// out, says so, and lints (it stopped the run with a YAML error).
#[test]
fn template_vars_read_a_salt_pillar_with_jinja() {
    let case = Path::new("fixtures/templates/salt-include");
    let (code, out, err) = run(
        case,
        &[
            "--discover",
            "--format",
            "short",
            "--template-vars",
            "pillar.example",
        ],
    );
    assert_ne!(code, 2, "{out}{err}");
    assert!(
        err.contains("pillar.example: read as YAML with its Jinja tags left out"),
        "{err}"
    );
    // The pillar gave the banner's `salt['pillar.get']('postfix:banner', '')` its value: one
    // expression fewer is unknown than without it.
    assert!(out.contains("Not checked: 1 template expression;"), "{out}");
    let (_, plain, _) = run(case, &["--discover", "--format", "short"]);
    assert!(
        plain.contains("Not checked: 2 template expressions;"),
        "{plain}"
    );
}

/// Salt pillars with Jinja tags in the middle of a line, and with one key set in both
/// branches of an `if` (survey AD3): the first stopped the run with YAML's error, the second
/// gave the key its last branch's value as known. Now what tags make and what blocks set stay
/// unknown, and a pillar YAML cannot read even without its tags is left out with a warning.
/// The near-miss in each: `message_size`, set outside any tag or block, is known.
#[test]
fn template_vars_leave_what_a_pillars_jinja_makes_unknown() {
    let case = Path::new("fixtures/templates/salt-pillar-jinja-statements");
    let lint = |pillar: &str| {
        run(
            case,
            &[
                "--discover",
                "--format",
                "short",
                "--template-vars",
                &format!("pillar/{pillar}.sls"),
            ],
        )
    };
    let known = "salt/postfix/main.cf:5:22: error[invalid-value]: `10MB` is not a valid \
                 message_size_limit";
    for pillar in ["inline-tags", "branches"] {
        let (code, out, err) = lint(pillar);
        assert_eq!(code, 1, "{pillar}: {out}{err}");
        assert!(
            err.contains(&format!(
                "postlint: note: pillar/{pillar}.sls: read as YAML with its Jinja tags left out"
            )),
            "{pillar}: {err}"
        );
        assert!(out.contains(known), "{pillar}: {out}");
        // `mailbox_size: {% if %}50MB{% else %}10MB{% endif %}`, or set in both branches.
        assert!(!out.contains("main.cf:4:"), "{pillar}: {out}");
        assert!(out.contains("Found 1 problem"), "{pillar}: {out}");
    }
    // The `else` branch's mailname is not known: mx.example.cz is not a local domain.
    let (_, trace, _) = run(
        case,
        &[
            "salt/postfix",
            "--template-vars",
            "pillar/branches.sls",
            "--trace",
            "postmaster@mx.example.cz",
        ],
    );
    assert!(!trace.contains("local domain"), "{trace}");

    let (code, out, err) = lint("unreadable");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains(
            "postlint: warning: pillar/unreadable.sls: skipped: with its Jinja tags left out, \
             it is not YAML"
        ),
        "{err}"
    );
    assert!(out.contains("No problems found."), "{out}");
    // A plain YAML file YAML cannot read still stops the run.
    let dir = tempfile::tempdir().unwrap();
    put(&dir.path().join("main.cf"), "compatibility_level = 3.6\n");
    put(&dir.path().join("vars.yml"), "message_size: [10MB\n");
    let (code, _, err) = run(dir.path(), &[".", "--template-vars", "vars.yml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("postlint: error: vars.yml: "), "{err}");
}

/// A main.cf made of macro calls, each alone on its line: the summary counts them with the
/// other expressions (it said "2 template expressions", those of the macro's body).
#[test]
fn expressions_alone_on_their_lines_are_counted_as_unknown() {
    let case = Path::new("fixtures/templates/jinja-macro-calls");
    let (code, out, err) = run(case, &[".", "--format", "short"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Not checked: 5 template expressions;"),
        "{out}"
    );
}

#[test]
fn a_master_cf_template_without_a_main_cf_is_linted_alone() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path().join("templates");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("master.cf.j2"),
        "# {{ ansible_managed }}\n\
         submission inet n - y - - smtpd\n  \
         -o smtpd_use_tls=yes\n  \
         -o smtpd_recipient_restrictions=$mua_recipient_restrictions\n\
         {% for s in extra %}\n{{ s }}\n{% endfor %}\n",
    )
    .unwrap();
    let (code, out, err) = run(
        repo.path(),
        &["--discover", "--format", "short", "--verbose"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("postlint: found templates/master.cf.j2"),
        "{err}"
    );
    // A plain line of master.cf is linted as usual...
    assert!(
        out.contains("templates/master.cf.j2:3:6: warning[deprecated-parameter]"),
        "{out}"
    );
    // ...while what main.cf would say (here, where $mua_recipient_restrictions is defined) is
    // unknown, not missing.
    assert!(!out.contains("[undefined-reference]"), "{out}");
    assert!(!out.contains("[compatibility-level]"), "{out}");
    assert!(out.contains("Found 1 problem"), "{out}");
}

#[test]
fn a_secret_from_template_vars_is_never_shown() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join("t")).unwrap();
    std::fs::write(
        repo.path().join("t/main.cf.j2"),
        "compatibility_level = 3.6\n\
         smtp_sasl_auth_enable = yes\n\
         smtp_sasl_password_maps = static:relayuser:{{ relay_password }}\n\
         relayhost = [smtp.example.net]:587 {{ relay_password }}\n",
    )
    .unwrap();
    std::fs::write(
        repo.path().join("vars.yml"),
        "relay_password: Sup3rS3cretPW\n",
    )
    .unwrap();
    for format in ["human", "short", "json", "sarif", "github", "junit"] {
        let (_, out, err) = run(
            repo.path(),
            &[
                "--discover",
                "--template-vars",
                "vars.yml",
                "--verbose",
                "--format",
                format,
            ],
        );
        assert!(
            !out.contains("Sup3rS3cret") && !err.contains("Sup3rS3cret"),
            "{format}: {out}{err}"
        );
    }
}

/// Writes `text` at `path`, making its directories.
fn put(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn files_a_template_includes_are_read_as_parts_of_main_cf() {
    // An Ansible role whose main.cf.j2 includes a part per topic, and a Salt formula that
    // names its parts from the file roots.
    let repo = tempfile::tempdir().unwrap();
    let role = repo.path().join("roles/mail/templates");
    put(
        &role.join("main.cf.j2"),
        "compatibility_level = 3.6\nmydestination = localhost\nmessage_size_limit = 10240000\n\
         {% include 'main.cf.d/tls.j2' %}\n\
         {% if postfix_relay %}\n{%- include('main.cf.d/relay.j2') -%}\n{% endif %}\n\
         {% include postfix_extra_part %}\n\
         {% include 'main.cf.d/missing.j2' ignore missing %}\n",
    );
    put(
        &role.join("main.cf.d/tls.j2"),
        "smtpd_use_tls = yes\nmessage_size_limit = {{ size }}\nsmtpd_tls_cert_file = /etc/ssl/{{ cert }}\n",
    );
    put(
        &role.join("main.cf.d/relay.j2"),
        "relayhost = [smtp.example.net]:587\nsmtp_sasl_auth_enable = yes\n\
         smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_use_tls = yes\n",
    );
    let (code, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    // Included inside `{% if %}`: what is found there is not certain (the deprecated
    // smtp_use_tls of relay.j2 is silenced, not reported).
    insta::assert_snapshot!("include_parts_short_stdout", out);
    assert!(
        out.contains("1 silenced (1 on conditional template lines)"),
        "{out}"
    );
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    for expected in [
        "read roles/mail/templates/main.cf.d/tls.j2 as part of main.cf (included at line 4)",
        "read roles/mail/templates/main.cf.d/relay.j2 as part of main.cf (included at line 6)",
        // A path from a variable, and a file the tree does not hold: unknown.
        "unknown: roles/mail/templates/main.cf.j2:8: {% include postfix_extra_part %} inserts text",
        "unknown: roles/mail/templates/main.cf.j2:9: {% include 'main.cf.d/missing.j2' ignore missing %} inserts text",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }

    // Salt: the part's path starts at the file roots, above main.cf's directory.
    let salt = tempfile::tempdir().unwrap();
    put(
        &salt.path().join("postfix/files/main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n{%- include \"postfix/files/_tls.cf\" %}\n",
    );
    put(
        &salt.path().join("postfix/files/_tls.cf"),
        "smtpd_tls_security_level = may\nsmtpd_use_tls = yes\n",
    );
    let (_, out, err) = run(salt.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("postfix/files/_tls.cf:2:1: warning[deprecated-parameter]"),
        "{out}{err}"
    );
    // Never above the linted tree: linted as a directory, main.cf's own directory bounds it.
    let (_, out, err) = run(
        &salt.path().join("postfix/files"),
        &["--format", "short", "--verbose", "."],
    );
    assert!(!out.contains("_tls.cf"), "{out}{err}");
    assert!(err.contains("inserts text postlint cannot see"), "{err}");

    // Nor through a linked directory that leads out of the tree.
    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        put(
            &outside.path().join("secret.j2"),
            "smtpd_use_tls = yes
# OUTSIDE-THE-TREE
",
        );
        let linked = tempfile::tempdir().unwrap();
        put(
            &linked.path().join("main.cf.j2"),
            "compatibility_level = 3.6
mydestination = localhost
{% include 'parts/secret.j2' %}
",
        );
        std::os::unix::fs::symlink(outside.path(), linked.path().join("parts")).unwrap();
        let (_, out, err) = run(
            linked.path(),
            &["--discover", "--format", "short", "--verbose"],
        );
        assert!(
            !out.contains("secret.j2") && !err.contains("read parts/secret.j2"),
            "{out}{err}"
        );
        assert!(err.contains("inserts text postlint cannot see"), "{err}");
    }
}

#[test]
fn a_part_also_included_outside_an_if_is_certain() {
    // The same part inside `{% if %}` first and then on its own: its lines are in every
    // rendering of main.cf, so what is found there is reported.
    let repo = tempfile::tempdir().unwrap();
    let templates = repo.path().join("templates");
    let main_cf = |first: &str, second: &str| {
        format!(
            "compatibility_level = 3.6\nmydestination = localhost\n\
             {{% if tls %}}\n{first}\n{{% endif %}}\nmyhostname = mail.example.com\n{second}\n"
        )
    };
    put(
        &templates.join("main.cf.j2"),
        &main_cf("{% include 'tls.j2' %}", "{% include 'tls.j2' %}"),
    );
    put(&templates.join("tls.j2"), "smtpd_use_tls = yes\n");
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("templates/tls.j2:1:1: warning[deprecated-parameter]: `smtpd_use_tls`"),
        "{out}{err}"
    );
    // Near miss: both includes inside `{% if %}`: the lines may be absent, and are silenced.
    put(
        &templates.join("main.cf.j2"),
        &main_cf(
            "{% include 'tls.j2' %}",
            "{% if tls2 %}{% include 'tls.j2' %}{% endif %}",
        ),
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!out.contains("deprecated-parameter"), "{out}{err}");
    assert!(
        out.contains("1 silenced (1 on conditional template lines)"),
        "{out}{err}"
    );
}

#[test]
fn parts_that_include_parts_are_read_down_the_chain() {
    // A Salt formula's main.cf includes a part that includes another, each named from the
    // file roots; a part that includes itself is not followed again.
    let repo = tempfile::tempdir().unwrap();
    let files = repo.path().join("postfix/files");
    put(
        &files.join("main.cf"),
        "compatibility_level = 3.6\nmydestination = localhost\n\
         {% include 'postfix/files/_virtual.cf' %}\nmyhostname = mail.example.com\n\
         {% if relay %}{% include 'postfix/files/_relay.cf' %}{% endif %}\n",
    );
    put(
        &files.join("_virtual.cf"),
        "virtual_alias_maps = hash:/etc/postfix/virtual\n{% include 'postfix/files/_ssl.cf' %}\n",
    );
    put(
        &files.join("_ssl.cf"),
        "smtpd_use_tls = yes\nsmtpd_tls_loglevl = 1\n",
    );
    put(
        &files.join("_relay.cf"),
        "relayhost = [smtp.example.net]\n{% include 'postfix/files/_relay_tls.cf' %}\n",
    );
    put(&files.join("_relay_tls.cf"), "smtp_use_tls = yes\n");
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    // Two levels down, on a plain chain: certain, and main.cf knows every name it may set.
    for expected in [
        "postfix/files/_ssl.cf:1:1: warning[deprecated-parameter]: `smtpd_use_tls`",
        "postfix/files/_ssl.cf:2:1: warning[unknown-parameter]: `smtpd_tls_loglevl`",
        // Below an include inside `{% if %}`: silenced.
        "1 silenced (1 on conditional template lines)",
    ] {
        assert!(out.contains(expected), "{expected}: {out}{err}");
    }
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    assert!(
        err.contains(
            "read postfix/files/_ssl.cf as part of main.cf (included at line 2 of \
             postfix/files/_virtual.cf)"
        ),
        "{err}"
    );
    // Near miss: a part that includes itself is read once, and what it would add again is
    // unknown (main.cf may set names postlint cannot see, and refer to names of one's own:
    // a misspelt Postfix name is still reported, with no claim that nothing refers to it).
    put(
        &files.join("_ssl.cf"),
        "smtpd_use_tls = yes\nsmtpd_tls_loglevl = 1\n{% include 'postfix/files/_virtual.cf' %}\n",
    );
    let (_, out, err) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(
        out.contains("postfix/files/_ssl.cf:1:1: warning[deprecated-parameter]"),
        "{out}{err}"
    );
    assert!(
        out.contains(
            "warning[unknown-parameter]: `smtpd_tls_loglevl` is not a Postfix parameter: \
             did you mean `smtpd_tls_loglevel`?"
        ),
        "{out}{err}"
    );
    assert!(!out.contains("nothing refers to it"), "{out}{err}");
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    assert!(
        err.contains(
            "unknown: postfix/files/_virtual.cf, included at line 3 of postfix/files/_ssl.cf, \
             is not read there (it includes itself)"
        ),
        "{err}"
    );
}

#[test]
fn includes_are_followed_eight_levels_deep_and_sixty_four_in_all() {
    // A chain of ten parts: the ninth is not read, and main.cf may set anything.
    let repo = tempfile::tempdir().unwrap();
    let t = repo.path().join("templates");
    put(
        &t.join("main.cf.j2"),
        "compatibility_level = 3.6\nmydestination = localhost\n{% include 'p1.j2' %}\n",
    );
    for n in 1..10 {
        put(
            &t.join(format!("p{n}.j2")),
            &format!("# part {n}\n{{% include 'p{}.j2' %}}\n", n + 1),
        );
    }
    put(&t.join("p10.j2"), "smtpd_use_tls = yes\n");
    let (_, _, err) = run(repo.path(), &["--discover", "--verbose"]);
    assert!(
        err.contains(
            "read templates/p8.j2 as part of main.cf (included at line 2 of templates/p7.j2)"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "unknown: templates/p9.j2, included at line 2 of templates/p8.j2, is not read there \
             (more than 8 levels of includes deep)"
        ),
        "{err}"
    );
    assert!(!err.contains("read templates/p9.j2"), "{err}");
    // Eight parts that include ten each, 88 in all: 64 are read, and the rest said once.
    let fan = tempfile::tempdir().unwrap();
    let t = fan.path().join("templates");
    let includes: String = (0..8)
        .map(|n| format!("{{% include 'f{n}.j2' %}}\n"))
        .collect();
    put(
        &t.join("main.cf.j2"),
        &format!("compatibility_level = 3.6\n{includes}"),
    );
    for n in 0..8 {
        let leaves: String = (0..10)
            .map(|m| format!("{{% include 'f{n}-{m}.j2' %}}\n"))
            .collect();
        put(&t.join(format!("f{n}.j2")), &leaves);
        for m in 0..10 {
            put(
                &t.join(format!("f{n}-{m}.j2")),
                &format!("# leaf {n}-{m}\n"),
            );
        }
    }
    let (_, _, err) = run(fan.path(), &["--discover", "--verbose"]);
    assert_eq!(err.matches("as part of main.cf").count(), 64, "{err}");
    assert_eq!(
        err.matches("include more than 64 files").count(),
        1,
        "{err}"
    );
}

/// A relay login whose password is a template expression (`static:{{ user }}:{{ pass }}`,
/// SafetyCulture/ansible-postfix-relay): the rendered main.cf holds the password, whatever it
/// is, and password-in-main-cf says so. A whole login in one expression, a table file named by
/// an expression, and a file that is no template stay as they were.
#[test]
fn a_password_a_template_writes_into_main_cf_is_reported() {
    let repo = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = repo.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let short = |repo: &Path| {
        run(
            repo,
            &[
                "--discover",
                "--format",
                "short",
                "--select=password-in-main-cf",
            ],
        )
        .1
    };
    write(
        "templates/main.cf.j2",
        "compatibility_level = 3.6\nrelayhost = [{{ relay_host }}]:587\n\
         smtp_sasl_auth_enable = yes\n\
         smtp_sasl_password_maps = static:{{ relay_user }}:{{ relay_password }}\n",
    );
    write(
        "puppet/templates/main.cf.erb",
        "compatibility_level = 3.6\n\
         smtp_sasl_password_maps = inline:{ [<%= @relay %>]:587=<%= @user %>:<%= @password %> }\n",
    );
    let out = short(repo.path());
    insta::assert_snapshot!("templates__password_written_by_a_template", out);
    assert_eq!(
        out.matches("the template writes the relay password")
            .count(),
        2,
        "{out}"
    );
    for silent in [
        "smtp_sasl_password_maps = static:{{ relay_login }}\n",
        "smtp_sasl_password_maps = hash:{{ postfix_dir }}/sasl_passwd\n",
        "smtp_sasl_password_maps = {{ sasl_maps }}\n",
    ] {
        std::fs::remove_dir_all(repo.path().join("puppet")).ok();
        write(
            "templates/main.cf.j2",
            &format!("compatibility_level = 3.6\n{silent}"),
        );
        let out = short(repo.path());
        assert!(out.contains("No problems found"), "{silent}: {out}");
    }
}

/// The oracle for here-documents is the shell: each script is run by bash, writing main.cf
/// into a temporary directory, and the main.cf postlint reads from the script (its lines
/// that are not blank) must be what bash wrote, line for line.
#[test]
fn here_documents_read_as_bash_writes_them() {
    use postlint::template::{heredoc, substitute, Kind};
    let bash = std::process::Command::new("bash").arg("--version").output();
    assert!(bash.is_ok(), "bash is needed to check here-documents");
    let cases = [
        // Escapes in an unquoted document: `\$`, `\\`, `` \` `` lose their backslash, another
        // backslash stays, a `$` before a blank stays, `\` and a newline join two lines.
        "cat > \"$OUT/main.cf\" <<EOF\nsmtpd_banner = \\$myhostname ESMTP \\$mail_name\n\
         a = c:\\\\dir \\`x\\` \\q $ 5\nmydestination = \\$myhostname, \\\n    localhost\nEOF\n",
        // A quoted delimiter: nothing is expanded or taken out.
        "cat <<'EOF' > \"$OUT/main.cf\"\nsmtpd_banner = \\$myhostname $x ${y} $(z)\nEOF\n",
        "cat <<\"EOF\" > \"$OUT/main.cf\"\nb = $x\nEOF\n",
        "cat <<\\EOF > \"$OUT/main.cf\"\nb = $x `y`\nEOF\n",
        // `<<-`: the tabs at each line's head go, the blanks after them stay.
        "\tcat <<-EOF >\"$OUT/main.cf\"\n\tmyhostname = a\n\t\t  continued\n\tEOF\n",
        // A document through tee, then one appended after it, and one appended under `if`.
        "cat <<'EOF' | tee \"$OUT/main.cf\" > /dev/null\na = 1\nEOF\n\
         cat >> \"$OUT/main.cf\" <<EOF\nb = \\$a\nEOF\n\
         if true; then\n  cat >>\"$OUT/main.cf\" <<EOF\nc = 3\nEOF\nfi\n",
    ];
    for script in cases {
        let dir = tempfile::tempdir().unwrap();
        let run = std::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("OUT", dir.path())
            .output()
            .unwrap();
        assert!(run.status.success(), "{script}: {run:?}");
        let written = std::fs::read_to_string(dir.path().join("main.cf")).unwrap();
        let command = heredoc::replacing(script, false, "main.cf");
        assert_eq!(command.len(), 1, "{script}");
        let holed = heredoc::read_as(script, command[0], false, Kind::MainCf).unwrap();
        let (text, _) = substitute(&holed.text, &holed.replacements());
        let ours: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::trim_end)
            .collect();
        let theirs: Vec<&str> = written.lines().map(str::trim_end).collect();
        assert_eq!(ours, theirs, "{script}");
    }
}

/// shell-expanded-reference's premise, shown by bash: in an unquoted document, `$mydomain`
/// and `${myhostname}` are written as the shell's (unset, so empty) variables, and after `\\`
/// a backslash is written before the empty text; `\$mydomain` is written as `$mydomain`.
/// postlint reports exactly the references bash emptied.
#[test]
fn the_references_bash_empties_are_the_ones_reported() {
    let body = "myorigin = $mydomain\nmydestination = ${myhostname}, localhost.\\$mydomain\n\
                smtpd_banner = \\\\$myhostname ESMTP\nmyhostname = mail.example.com\n";
    let dir = tempfile::tempdir().unwrap();
    let script =
        format!("#!/bin/sh\ncat > \"$OUT/main.cf\" <<EOF\ncompatibility_level = 3.6\n{body}EOF\n");
    let bash = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("OUT", dir.path())
        .env_remove("mydomain")
        .env_remove("myhostname")
        .output()
        .expect("bash runs");
    assert!(bash.status.success(), "{bash:?}");
    let written = std::fs::read_to_string(dir.path().join("main.cf")).unwrap();
    assert_eq!(
        written,
        "compatibility_level = 3.6\nmyorigin = \nmydestination = , localhost.$mydomain\n\
         smtpd_banner = \\ ESMTP\nmyhostname = mail.example.com\n"
    );
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("install.sh"), &script).unwrap();
    let (code, out, err) = run(
        repo.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--select",
            "shell-expanded-reference",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    let found: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("error[shell-expanded-reference]"))
        .map(|l| l.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        found,
        ["install.sh:4:12", "install.sh:5:17", "install.sh:6:18"]
    );
}

/// `--template-vars` gives values to the tags of a YAML block that writes main.cf (an Ansible
/// `copy` task's `content: |`), as it does to a template file's: the finding is at the tag,
/// at the task file's line and column.
#[test]
fn template_vars_give_a_yaml_blocks_expressions_their_values() {
    let repo = tempfile::tempdir().unwrap();
    put(
        &repo.path().join("tasks/main.yml"),
        "- name: main.cf\n  copy:\n    dest: /etc/postfix/main.cf\n    content: |\n      \
         compatibility_level = 3.6\n      mailbox_size_limit = {{ limit }}\n      \
         {% if relay %}\n      relayhost = {{ relay }}\n      {% endif %}\n",
    );
    put(
        &repo.path().join("vars.yml"),
        "limit: 50MB\nrelay: smtp.example.net\n",
    );
    let (_, without, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!without.contains("invalid-value"), "{without}");
    let (code, with, err) = run(
        repo.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--template-vars",
            "vars.yml",
        ],
    );
    assert_eq!(code, 1, "{with}{err}");
    assert!(
        with.contains(
            "tasks/main.yml:6:28: error[invalid-value]: `50MB` is not a valid mailbox_size_limit"
        ),
        "{with}{err}"
    );
    // A Helm chart's ConfigMap with the chart's values.yaml: `.Values.x` is its `x`.
    let chart = repo.path().join("chart");
    put(
        &chart.join("templates/configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  main.cf: |\n    compatibility_level = 3.6\n    \
         {{- if .Values.limit }}\n    mailbox_size_limit = {{ .Values.limit }}\n    {{- end }}\n",
    );
    put(&chart.join("values.yaml"), "limit: 50MB\n");
    let (_, without, _) = run(&chart, &["--discover", "--format", "short"]);
    assert!(!without.contains("invalid-value"), "{without}");
    let (_, with, err) = run(
        &chart,
        &[
            "--discover",
            "--format",
            "short",
            "--template-vars",
            "values.yaml",
        ],
    );
    // Inside `{{- if .Values.limit }}`, which holds with these values: linted as certain.
    assert!(
        with.contains("templates/configmap.yaml:7:26: error[invalid-value]: `50MB` is not a valid mailbox_size_limit"),
        "{with}{err}"
    );
    put(
        &chart.join("templates/configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  main.cf: |\n    compatibility_level = 3.6\n    \
         mailbox_size_limit = {{ .Values.limit }}\n",
    );
    let (_, with, err) = run(
        &chart,
        &[
            "--discover",
            "--format",
            "short",
            "--template-vars",
            "values.yaml",
        ],
    );
    assert!(
        with.contains("templates/configmap.yaml:6:26: error[invalid-value]: `50MB` is not a valid mailbox_size_limit"),
        "{with}{err}"
    );
}

/// `{% if var %}` with `--template-vars` giving `var` a true value: the lines inside are there,
/// and linted as certain (survey Z1: a relay password in main.cf, behind `{% if
/// postfix_smtp_server %}`); the `else` lines stay "maybe". Near-misses: no vars file, a false
/// value, and YAML's `no` as text.
#[test]
fn template_vars_decide_if_blocks_whose_condition_holds() {
    let repo = tempfile::tempdir().unwrap();
    put(
        &repo.path().join("templates/main.cf.j2"),
        "compatibility_level = 3.6\n{% if relay %}\nrelayhost = [{{ relay }}]:587\nmynetworks = 0.0.0.0/0\n{% else %}\nsmtpd_use_tls = yes\n{% endif %}\n",
    );
    let lint = |vars: &str| {
        put(&repo.path().join("vars.yml"), vars);
        run(
            repo.path(),
            &[
                "--discover",
                "--format",
                "short",
                "--template-vars",
                "vars.yml",
            ],
        )
        .1
    };
    let out = lint("relay: smtp.example.com\n");
    assert!(
        out.contains("templates/main.cf.j2:4:14: error[mynetworks-too-broad]"),
        "{out}"
    );
    // The else branch is not linted as certain.
    assert!(!out.contains("main.cf.j2:6:"), "{out}");
    for vars in [
        "relay: ''\n",
        "relay: false\n",
        "relay: 'no'\n",
        "other: x\n",
    ] {
        let out = lint(vars);
        assert!(!out.contains("mynetworks-too-broad"), "{vars}: {out}");
    }
    let (_, out, _) = run(repo.path(), &["--discover", "--format", "short"]);
    assert!(!out.contains("mynetworks-too-broad"), "{out}");
}

/// `--show-config` names a parameter or service a template expression gives as the template
/// writes it (`{{…}}`), in text and in JSON, never as the marker postlint reads it as.
#[test]
fn show_config_shows_a_templated_name_as_its_tag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cf.j2"),
        "compatibility_level = 3.6\n{% for k, v in postfix_extra.items() %}\n{{ k }} = {{ v }}\n{% endfor %}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("master.cf.j2"),
        "smtp inet n - n - - smtpd\n{{ port }} inet n - n - - smtpd\n  -o {{ name }}=yes\n\
         pickup unix n - n 60 1 pickup\ncleanup unix n - n - 0 cleanup\n\
         qmgr unix n - n 300 1 qmgr\nrewrite unix - - n - - trivial-rewrite\n\
         bounce unix - - n - 0 bounce\n",
    )
    .unwrap();
    let (_, text, _) = run(dir.path(), &["--show-config", "main.cf.j2"]);
    assert!(text.contains("main.cf.j2:3  {{…}} = <unknown>"), "{text}");
    assert!(!text.contains("!T"), "{text}");
    let (_, json, _) = run(
        dir.path(),
        &["--show-config", "--format", "json", "main.cf.j2"],
    );
    assert!(json.contains("\"{{…}}\""), "{json}");
    assert!(!json.contains("!T"), "{json}");
}

/// A finding about main.cf as a whole (a parameter it should set) points, in a script that
/// writes main.cf with a here-document, at the document's first line: not at the script's
/// `#!` line, where a Postfix line does not go.
#[test]
fn a_whole_main_cf_finding_points_into_the_here_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("install.sh"),
        "#!/bin/sh\n# set up\napt-get install -y postfix\ncat > /etc/postfix/main.cf <<EOF\n\
         myhostname = mail.example.com\nmydestination =\nEOF\npostfix start-fg\n",
    )
    .unwrap();
    let (_, out, err) = run(
        dir.path(),
        &[
            "--discover",
            "--format",
            "short",
            "--select",
            "compatibility-level",
        ],
    );
    assert!(
        out.starts_with("install.sh:5:1: warning[compatibility-level]"),
        "{out}{err}"
    );
}

/// `--template-vars` reads YAML as Ansible does (YAML 1.1): an unquoted `yes` is a boolean,
/// which Jinja prints `True`, a value Postfix's booleans refuse; a quoted 'yes' stays text.
#[test]
fn template_vars_read_yaml_1_1_booleans() {
    let dir = tempfile::tempdir().unwrap();
    let role = dir.path().join("roles/mail");
    std::fs::create_dir_all(role.join("defaults")).unwrap();
    std::fs::create_dir_all(role.join("templates")).unwrap();
    std::fs::write(role.join("defaults/main.yml"), "vrfy: yes\nhelo: 'yes'\n").unwrap();
    std::fs::write(
        role.join("templates/main.cf.j2"),
        "compatibility_level = 3.6\ndisable_vrfy_command = {{ vrfy }}\nsmtpd_helo_required = {{ helo }}\n",
    )
    .unwrap();
    let (_, out, err) = run(
        dir.path(),
        &[
            "--discover",
            "--template-vars",
            "roles/mail/defaults/main.yml",
            "--format",
            "short",
            "--select",
            "invalid-value",
        ],
    );
    assert!(
        out.contains(
            "main.cf.j2:2:24: error[invalid-value]: `True` is not a valid disable_vrfy_command"
        ),
        "{out}{err}"
    );
    assert!(!out.contains("smtpd_helo_required"), "{out}{err}");
}

/// Template cases that real Postfix cannot read as written (the oracle tests run every
/// fixture's main.cf and master.cf through Postfix): invalid-value on a myorigin that is
/// several words whatever its expressions render, and invalid-syntax on master.cf services
/// named by expressions (surveys AG3 and AG4).
#[test]
fn template_values_and_service_names_are_judged_for_what_they_can_be() {
    let lint = |main: &str, master: Option<&str>, rule: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.cf"),
            format!("compatibility_level = 3.6\nmyhostname = mail.example.com\nmydestination = localhost\n{main}"),
        )
        .unwrap();
        if let Some(master) = master {
            std::fs::write(dir.path().join("master.cf"), master).unwrap();
        }
        run(dir.path(), &["--format", "short", "--select", rule, "."]).1
    };
    // Whatever {{ sender_domain }} renders, the words after it stay: several values.
    let out = lint(
        "myorigin = {{ sender_domain }}\" >> /etc/postfix/main.cf\n",
        None,
        "invalid-value",
    );
    assert!(
        out.contains("main.cf:4:12: error[invalid-value]: `{{…}}\" >> /etc/postfix/main.cf` is not a valid myorigin"),
        "{out}"
    );
    // One word whatever they render, or only expressions (which may render one word or none).
    for main in [
        "myorigin = {{ origin_prefix }}{{ domain }}\n",
        "myorigin = mail.{{ domain }}\n",
        "myorigin = {{ a }} {{ b }}\n",
    ] {
        let out = lint(main, None, "invalid-value");
        assert!(out.contains("No problems found"), "{main}: {out}");
    }
    // Two listeners whose ports are role variables: two services, whatever the ports are.
    let master =
        "{{ smtpd_port_1 }} inet n - y - - smtpd\n{{ smtpd_port_2 }} inet n - y - - smtpd\n  \
                  -o smtpd_tls_wrappermode=yes\npickup unix n - y 60 1 pickup\n\
                  cleanup unix n - y - 0 cleanup\nqmgr unix n - n 300 1 qmgr\n\
                  rewrite unix - - y - - trivial-rewrite\nbounce unix - - y - 0 bounce\n";
    let out = lint("", Some(master), "invalid-syntax");
    assert!(out.contains("No problems found"), "{out}");
    // The same expression twice is no more known: still silent.
    let out = lint(
        "",
        Some(&master.replace("smtpd_port_2", "smtpd_port_1")),
        "invalid-syntax",
    );
    assert!(out.contains("No problems found"), "{out}");
}
