//! Thousands of generated configurations, each read by postlint and by real Postfix, which must
//! agree: expanded values, which definition overrides which, unused and undefined names, the
//! lines Postfix rejects; map and alias sources entry by entry, with the lines postmap and
//! postalias warn about.
//!
//! The generator is seeded, so a failure names the seed that reproduces it:
//! `POSTLINT_ORACLE_SEED=123 cargo test --test oracle_generated`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use postlint::model::tables::{fold, Format};

mod common;
use common::{
    backdate, collapse, compare_with_postconf, in_parallel, postfix_available, postfix_view,
    source_case,
};

const MAIN_CF_CASES: u64 = 500;
const MAP_CASES: u64 = 150;

use common::Rng;

/// xorshift64*, seeded: small, and enough to mix the cases.
fn rng(seed: u64) -> Rng {
    Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
}

/// Names the generated values set and refer to: built-in ones, user-defined ones, and one that
/// is never defined.
/// Not myhostname: postconf works out mydomain's default from myhostname before the built-in
/// defaults are in place, so `myhostname = ${mail_name?...}` reads differently there than in
/// the daemons. The generated files set it to a plain name instead.
const SET_NAMES: &[&str] = &[
    "mydomain",
    "myorigin",
    "mydestination",
    "relay_domains",
    "virtual_alias_domains",
    "smtpd_banner",
    "relayhost",
    "smtp_tls_security_level",
    "smtpd_helo_required",
    "owner_request_special",
    "u_alpha",
    "u_beta",
    "u_gamma",
    "u_delta",
    "myhostnme",
];
const REFERENCED: &[&str] = &[
    "myhostname",
    "mydomain",
    "mail_name",
    "u_alpha",
    "u_beta",
    "u_gamma",
    "u_delta",
    "nosuch",
    "compatibility_level",
    "relay_domains",
];
const WORDS: &[&str] = &[
    "example.com",
    "mail.example.org",
    "localhost",
    "[10.0.0.1]:587",
    "foo",
    "a,b",
    "x y",
    "0",
    "12",
    "3.6",
    "yes",
    "",
];
const COMPAT_LEVELS: &[&str] = &["0", "1", "2", "3.6", "3.6.1", "3.10", "9", "3.x", "-1"];

fn reference(rng: &mut Rng) -> String {
    let name = *rng.pick(REFERENCED);
    match rng.below(3) {
        0 => format!("${name}"),
        1 => format!("${{{name}}}"),
        _ => format!("$({name})"),
    }
}

/// A piece of a value: text, a reference, a conditional or relational form, `$$`.
fn piece(rng: &mut Rng, depth: usize) -> String {
    let inner = |rng: &mut Rng| {
        if depth < 2 && rng.chance(40) {
            piece(rng, depth + 1)
        } else {
            rng.pick(WORDS).to_string()
        }
    };
    match rng.below(if depth == 0 { 12 } else { 8 }) {
        0..=2 => rng.pick(WORDS).to_string(),
        3 | 4 => reference(rng),
        5 => format!("${{{}?{}}}", *rng.pick(REFERENCED), inner(rng)),
        6 => format!("${{{}:{}}}", *rng.pick(REFERENCED), inner(rng)),
        7 => {
            let name = *rng.pick(REFERENCED);
            let (a, b) = (inner(rng), inner(rng));
            match rng.below(3) {
                0 => format!("${{{name}?{{{a}}}:{{{b}}}}}"),
                1 => format!("${{{name} ? {{{a}}} : {b}}}"),
                _ => format!("${{{name}:{{{a}}}}}"),
            }
        }
        8 => {
            let op = *rng.pick(&["==", "!=", "<", "<=", ">=", ">"]);
            let (l, r) = (inner(rng), inner(rng));
            let (a, b) = (inner(rng), inner(rng));
            format!("${{{{{l}}} {op} {{{r}}} ? {{{a}}} : {{{b}}}}}")
        }
        9 => {
            let op = *rng.pick(&["<level", "<=level", ">=level", ">level", "==level"]);
            let level = *rng.pick(&["2", "3.6", "1", "3.10"]);
            format!(
                "${{{{$compatibility_level}} {op} {{{level}}} ? {{{}}} : {{{}}}}}",
                inner(rng),
                inner(rng)
            )
        }
        10 => "$$".to_string(),
        _ => match rng.below(6) {
            // Mistakes Postfix rejects.
            0 => "${u_alpha".to_string(),
            1 => "$ u_alpha".to_string(),
            2 => "${my-host}".to_string(),
            _ => format!("{}$$x", *rng.pick(WORDS)),
        },
    }
}

fn value(rng: &mut Rng) -> String {
    let n = 1 + rng.below(4);
    let sep = [" ", ", ", ",", "  ", "\t"];
    (0..n)
        .map(|_| piece(rng, 0))
        .collect::<Vec<_>>()
        .join(sep[rng.below(sep.len())])
}

/// Breaks a value over continuation lines, with comment lines in between now and then.
fn continued(rng: &mut Rng, value: &str) -> String {
    let mut out = String::new();
    for (i, word) in value.split(' ').enumerate() {
        if i > 0 {
            if rng.chance(30) {
                out.push('\n');
                if rng.chance(30) {
                    out.push_str(rng.pick::<&str>(&[
                        "# a comment\n",
                        "   # indented comment\n",
                        "\n",
                    ]));
                }
                out.push_str(rng.pick::<&str>(&[" ", "\t", "    "]));
            } else {
                out.push(' ');
            }
        }
        out.push_str(word);
    }
    out
}

fn main_cf(seed: u64) -> String {
    let mut rng = rng(seed);
    let mut out = String::new();
    if rng.chance(50) {
        let _ = writeln!(out, "compatibility_level = {}", *rng.pick(COMPAT_LEVELS));
    }
    // Always set: without it both take this machine's name, which postlint does not know
    // for a directory that is not the live one (the corpus and fixtures cover that case).
    let _ = writeln!(out, "myhostname = mail.example.com");
    for _ in 0..3 + rng.below(10) {
        if rng.chance(10) {
            out.push_str(rng.pick::<&str>(&["# comment\n", "\n", "  # indented comment\n"]));
        }
        let name = *rng.pick(SET_NAMES);
        let value = value(&mut rng);
        let eq = *rng.pick(&[" = ", "=", " =", "= ", "\t=\t", " =  "]);
        let _ = writeln!(out, "{name}{eq}{}", continued(&mut rng, &value));
        if rng.chance(3) {
            // Lines Postfix rejects or skips.
            out.push_str(rng.pick::<&str>(&["noequals_here\n", " indented = 1\n", "= no_name\n"]));
        }
    }
    out
}

fn case_dir(text: &str, master: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cf"), text).unwrap();
    std::fs::write(dir.path().join("master.cf"), master.unwrap_or("")).unwrap();
    backdate(dir.path());
    dir
}

fn seeds(count: u64) -> Vec<u64> {
    match std::env::var("POSTLINT_ORACLE_SEED") {
        Ok(seed) => vec![seed.parse().expect("a number")],
        Err(_) => (1..=count).collect(),
    }
}

#[test]
fn generated_main_cf_files_read_as_postconf_reads_them() {
    if !postfix_available() {
        return;
    }
    let agreed = in_parallel(&seeds(MAIN_CF_CASES), |&seed| {
        let text = main_cf(seed);
        let dir = case_dir(&text, None);
        compare_with_postconf(dir.path()).map_err(|e| {
            format!("seed {seed} (POSTLINT_ORACLE_SEED={seed}): {e}\n--- main.cf ---\n{text}")
        })
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(agreed > 2000, "only {agreed} facts compared");
}

const SERVICES: &[&str] = &[
    "smtp      inet  n       -       y       -       -       smtpd",
    "submission inet n       -       y       -       -       smtpd",
    "relay     unix  -       -       n       -       -       smtp",
    "pickup    unix  n       -       y       60      1       pickup",
    "maildrop  unix  -       n       n       -       -       pipe flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}",
    "spamd     unix  -       n       n       -       -       spawn",
];
const OPTIONS: &[&str] = &[
    "-o smtpd_tls_security_level=encrypt",
    "-o { smtpd_sasl_auth_enable = yes }",
    "-o smtpd_client_restrictions=$u_alpha",
    "-o syslog_name=postfix/$service_name",
    "-o smtpd_bogus=1",
    "-o u_beta=permit",
    "-o smtpd_banner=$nosuch",
    // Not `-osmtpd_helo_required=yes`: postconf 3.7 splits that into `-o smtpd_hel -o
    // _required=yes` (the daemons' getopt reads it right; postlint follows the daemons).
    "-o relay_destination_recipient_limit=1",
];

fn master_cf(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(4) {
        out.push_str(rng.pick::<&str>(SERVICES));
        for _ in 0..rng.below(4) {
            out.push_str(if rng.chance(50) { "\n  " } else { " " });
            out.push_str(rng.pick::<&str>(OPTIONS));
        }
        out.push('\n');
        if rng.chance(3) {
            out.push_str(rng.pick::<&str>(&["smtp tcp n - y - - smtpd\n", "broken inet n -\n"]));
        }
    }
    out
}

#[test]
fn generated_master_cf_files_read_as_postconf_reads_them() {
    if !postfix_available() {
        return;
    }
    let agreed = in_parallel(&seeds(MAIN_CF_CASES / 5), |&seed| {
        let mut rng = rng(seed ^ 0xA5A5);
        let mut text = String::from("myhostname = mail.example.com\n");
        for name in [
            "u_alpha",
            "u_gamma",
            "relay_destination_recipient_limit",
            "spamd_time_limit",
        ] {
            if rng.chance(50) {
                let _ = writeln!(text, "{name} = {}", value(&mut rng).replace('$', "$$"));
            }
        }
        let master = master_cf(&mut rng);
        let dir = case_dir(&text, Some(&master));
        compare_with_postconf(dir.path()).map_err(|e| {
            format!("seed {seed}: {e}\n--- main.cf ---\n{text}--- master.cf ---\n{master}")
        })
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(agreed > 400, "only {agreed} facts compared");
}

const KEYS: &[&str] = &[
    "user@example.com",
    "User@Example.COM",
    "@example.com",
    "example.com",
    "postmaster",
    "\"odd name\"@example.com",
    "a\\ b",
    "key:",
    "x",
];
const VALUES: &[&str] = &[
    "target@example.org",
    "one, two",
    "\"|/usr/bin/procmail -m\"",
    "/var/mail/archive",
    "DUNNO",
    "a\\ b",
    "",
    "tab\tseparated",
];

fn map_source(rng: &mut Rng, aliases: bool) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(12) {
        match rng.below(20) {
            0 => out.push_str("# comment\n"),
            1 => out.push('\n'),
            2 => out.push_str("  indented continuation or stray\n"),
            3 => out.push_str("lonely_key_without_value\n"),
            _ => {
                let key = *rng.pick(KEYS);
                let mut value = *rng.pick(VALUES);
                if aliases && value.contains('\\') {
                    // postalias re-writes such values in RFC 822 form (`a\ b` becomes `"a b"`);
                    // postlint keeps them as written. Known gap, see CHANGELOG.
                    value = "target@example.org";
                }
                let sep = if aliases {
                    *rng.pick(&[": ", ":", " : ", "\t:\t", " "])
                } else {
                    *rng.pick(&[" ", "\t", "   ", ": "])
                };
                let _ = write!(out, "{key}{sep}{value}");
                if rng.chance(15) {
                    let more = *rng.pick(VALUES);
                    let more = if aliases && more.contains('\\') {
                        "x@example.org"
                    } else {
                        more
                    };
                    let _ = write!(out, "\n    {more}");
                }
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn generated_map_and_alias_sources_read_as_postmap_and_postalias_read_them() {
    if !postfix_available() {
        return;
    }
    let compared = in_parallel(&seeds(MAP_CASES), |&seed| {
        let mut compared = 0;
        for format in [Format::Postmap, Format::Aliases] {
            let mut rng = rng(seed ^ 0x5EED);
            let source = map_source(&mut rng, format == Format::Aliases);
            let case = source_case(&source, format);
            let table = case.table();
            let entries = table.entries().unwrap();
            let ours: BTreeMap<String, String> = entries
                .iter()
                .map(|e| (fold(e.key).into_owned(), collapse(e.value)))
                .collect();
            let mut ours_warned: Vec<usize> = entries
                .skipped
                .iter()
                .filter(|s| !s.reason.starts_with("logical line must not start"))
                .map(|s| s.line as usize)
                .collect();
            ours_warned.sort();
            ours_warned.dedup();
            let indented = entries.skipped.len()
                - entries
                    .skipped
                    .iter()
                    .filter(|s| !s.reason.starts_with("logical line must not start"))
                    .count();
            ours_warned.extend(std::iter::repeat_n(0, indented));
            ours_warned.sort();
            let mut ours_duplicates: Vec<String> = entries
                .duplicates()
                .map(|d| fold(d.entry.key).into_owned())
                .collect();
            ours_duplicates.sort();
            ours_duplicates.dedup();
            let (theirs, theirs_warned, theirs_duplicates) = postfix_view(case.dir.path(), format);
            // postalias stores values re-written in RFC 822 form (`key: : x` gives `:x`);
            // postlint keeps them as written, so alias values compare without whitespace.
            let squeeze = |m: BTreeMap<String, String>| -> BTreeMap<String, String> {
                if format == Format::Aliases {
                    m.into_iter()
                        .map(|(k, v)| (k, v.split_whitespace().collect()))
                        .collect()
                } else {
                    m
                }
            };
            let (ours, theirs) = (squeeze(ours), squeeze(theirs));
            let context = format!("seed {seed}, {format:?}\n--- source ---\n{source}");
            if ours != theirs {
                return Err(format!("entries differ: postlint {ours:?}, Postfix {theirs:?}; {context}"));
            }
            if ours_warned != theirs_warned {
                return Err(format!(
                    "warned lines differ: postlint {ours_warned:?}, Postfix {theirs_warned:?}; {context}"
                ));
            }
            if ours_duplicates != theirs_duplicates {
                return Err(format!(
                    "duplicates differ: postlint {ours_duplicates:?}, Postfix {theirs_duplicates:?}; {context}"
                ));
            }
            compared += ours.len() + ours_warned.len();
        }
        Ok(compared)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(compared > 500, "only {compared} entries compared");
}
