//! Postfix is the judge of regexp: and pcre: tables (src/model/patterns.rs). Each table, written
//! by hand or generated from a seeded grammar of the syntax both dialects share and some of what
//! they do not (classes, anchors, alternation, repetition, escapes, flags, negation, `if`/`endif`,
//! `$number` results, rules Postfix skips), is asked every key of its set with
//! `postmap -q - TYPE:FILE`. Every key postlint answers (found with a value, or not found) must
//! get the same answer from postmap; the keys postlint calls unknown are counted and must stay a
//! small minority. Every line postlint says Postfix skips, postmap must have warned about.
//!
//! Knobs: POSTLINT_PATTERN_ORACLE_SEED (default 1), POSTLINT_PATTERN_ORACLE_TABLES (generated
//! tables per dialect, default 400). Without Postfix (and its pcre plugin) the test is skipped,
//! unless POSTLINT_ORACLE=required.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use postlint::model::patterns::{Dialect, PatternAnswer, PatternTable, Substitution};
use postlint::source::FileId;

mod common;
use common::{backdate, env_number, Rng};

/// Hand-written tables: (dialect, table text, keys).
const HAND: &[(&str, &str, &str)] = &[
    (
        "regexp",
        "/^postmaster@/ pm\n/@example\\.com$/ catch\n/^(.*)@example\\.net$/ $1@example.org\n",
        "postmaster@example.com POSTMASTER@x ann@example.com ANN@EXAMPLE.COM bob@example.net \
         Bob.Smith+tag@example.net x@example.org @example.com example.com",
    ),
    (
        "pcre",
        "/^postmaster@/ pm\n/@example\\.com$/ catch\n/^(.*)@example\\.net$/ $1@example.org\n",
        "postmaster@example.com POSTMASTER@x ann@example.com ANN@EXAMPLE.COM bob@example.net \
         Bob.Smith+tag@example.net x@example.org @example.com example.com",
    ),
    (
        "regexp",
        "/^postmaster@/i pm\n/^Sales@/i sales\n/^[A-Z]+@/i upper\n/^[[:alpha:]]+[[:digit:]]+@/ alnum\n",
        "postmaster@x POSTMASTER@x Sales@x sales@x ABC@x abc@x abc12@x ABC12@x 12@x",
    ),
    (
        "pcre",
        "/^postmaster@/i pm\n/^Sales@/i sales\n/^[A-Z]+@/i upper\n/^\\d+@/ digits\n/^\\w+\\.\\w+@/ dotted\n",
        "postmaster@x POSTMASTER@x Sales@x sales@x ABC@x abc@x 12@x a.b@x a_b.c_d@x",
    ),
    (
        "regexp",
        "if /@example\\.com$/\nif !/^root@/\n/^(.*)@example\\.com$/ $1-box\nendif\n/^root@/ admin\nENDIF\n\
         /./ fallback\n",
        "ann@example.com root@example.com root@example.org ann@example.org x",
    ),
    (
        "pcre",
        "if /@example\\.com$/\nif !/^root@/\n/^(.*)@example\\.com$/ $1-box\nendif\n/^root@/ admin\nENDIF\n\
         /./ fallback\n",
        "ann@example.com root@example.com root@example.org ann@example.org x",
    ),
    (
        "regexp",
        "/@example/!/^root@/ not-root\n!/^a/ not-a\n#/x/ commented\n/^(a)(b)?(c)$/ [$1|$2|$3]\n",
        "x@example root@example abc ac a b",
    ),
    (
        "pcre",
        "/^(a)(b)?(c)$/ [$1|${2}|$(3)|$$]\n/^(?<user>[^@+]+)(?:\\+[^@]*)?@(?:x|y)\\.test$/ $1@z.test\n\
         /^\\x41\\.[\\x41-\\x43]$/ hex\n",
        "abc ac bob@x.test bob+tag@y.test bob@z.test A.A a.c a.d",
    ),
    (
        "regexp",
        "/abc def\n/[a/ x\n/(a/ x\n/*a/ x\n/a/q x\nfoo bar\n/a{2,1}/ x\n/[z-a]/ x\n\
         /[[:nope:]]/ x\n/(a)/ $2\n/(a)/ $x\n!/(a)/ $1\n/ok/ fine\n",
        "ok a aa z",
    ),
    (
        "pcre",
        "/abc def\n/[a/ x\n/(a/ x\n/a/q x\nfoo bar\n/(a)/ $2\n/(a)/ ${x}\n!/(a)/ $1\n/ok/ fine\n/b/!/c/ x\n",
        "ok a b bc",
    ),
    (
        "regexp",
        "/^[]a]+$/ bracket\n/^[a-]+$/ dash\n/^[\\.]+$/ backslash-or-dot\n/^a{,2}$/ upto2\n/^x**$/ stars\n\
         /^(y|yy)(y*)$/ $1:$2\n/^q+?$/ q\n/^w{2}$/ w2\n/^(p)(q)?$/ [$1$2]\n",
        "]a ]]] a- -- . \\ \\. aa aaa xxx yyy q qq ww w pq p",
    ),
    (
        "pcre",
        "/^a{x}$/ brace\n/^a{}$/ empty-brace\n/^(a|ab)(c|bcd)(d*)$/ [$1|$2|$3]\n/^(?:(a)|b)+$/ [$1]\n\
         /^(a+?)(a*)$/ [$1|$2]\n/^b+$/U [ungreedy]\n/^(c*)+$/ [$1]\n/^(?i)d(?-i)e$/i [mixed]\n",
        "a{x} a{} abcd ab aab bab aaa bbb ccc De dE de DE",
    ),
    (
        "regexp",
        "/^[[:upper:]]$/ upper\n/^[[:lower:]]+$/i lower\n/^\\w+$/ word\n/^\\s$/ space\n/\\bb/ wb\n\
         /^a\\.b$/ dot\n/^c\\@d$/ at\n/\\<e/ start\n/f\\>/ end\n",
        "A a ab_1 Ab ab-c a.b axb c@d xe e x.e fx f. _",
    ),
    (
        "pcre",
        "/^[[:upper:]]$/ upper\n/^[[:^alpha:]]+$/ not-alpha\n/^\\s$/ space\n/\\bb/ wb\n/^a\\.b$/ dot\n\
         /^[\\w.-]+$/ wordish\n/^[^\\d]+$/ nondigit\n/^x$/A anchored\n/x$/A anchored-tail\n",
        "A a 12 ab-c.d a.b axb b ax x zx",
    ),
];

/// A seeded pattern generator for one dialect.
struct Gen {
    rng: Rng,
    dialect: Dialect,
    groups: usize,
}

impl Gen {
    fn literal(&mut self) -> String {
        match *self
            .rng
            .pick(&["a", "b", "x", "A", "@", "\\.", ".", "-", "\\@", "y"])
        {
            "." if self.rng.chance(50) => "\\.".to_string(),
            l => l.to_string(),
        }
    }

    fn class(&mut self) -> String {
        let common = [
            "[ab]",
            "[^a]",
            "[a-c]",
            "[[:alpha:]]",
            "[[:upper:]]",
            "[[:lower:]]",
            "[[:digit:]]",
            "[.@]",
            "[^@]",
            "[a-]",
            "[x-z]",
        ];
        let regexp = ["[]a]", "[\\.]", "[^]a]", "[[:alpha:]-]"];
        let pcre = ["[\\d]", "[\\w.]", "[\\]a]", "[^\\s@]", "[[:^alpha:]]"];
        if self.rng.chance(25) {
            match self.dialect {
                Dialect::Regexp => self.rng.pick(&regexp).to_string(),
                Dialect::Pcre => self.rng.pick(&pcre).to_string(),
            }
        } else {
            self.rng.pick(&common).to_string()
        }
    }

    /// Word boundaries only outside groups: glibc's inside a repeated group are its own
    /// (`(\\ba){2}` matches "aa"), and postlint leaves those unknown.
    fn escape(&mut self, depth: usize) -> String {
        let common: &[&str] = if depth == 0 {
            &["\\w", "\\W", "\\s", "\\b", "\\B"]
        } else {
            &["\\w", "\\W", "\\s", "\\S"]
        };
        let regexp: &[&str] = if depth == 0 {
            &["\\<", "\\>"]
        } else {
            &["\\w"]
        };
        let pcre = ["\\d", "\\D", "\\x41", "\\S"];
        if self.rng.chance(30) {
            match self.dialect {
                Dialect::Regexp => self.rng.pick(regexp).to_string(),
                Dialect::Pcre => self.rng.pick(&pcre).to_string(),
            }
        } else {
            self.rng.pick(common).to_string()
        }
    }

    fn quantifier(&mut self) -> String {
        let common = ["*", "+", "?", "{1,2}", "{2}", "{0,1}", "{1,}"];
        let regexp = ["{,2}", "**", "+?"];
        let pcre = ["*?", "+?", "??"];
        if self.rng.chance(20) {
            match self.dialect {
                Dialect::Regexp => self.rng.pick(&regexp).to_string(),
                Dialect::Pcre => self.rng.pick(&pcre).to_string(),
            }
        } else {
            self.rng.pick(&common).to_string()
        }
    }

    fn atom(&mut self, depth: usize) -> String {
        let kind = *self.rng.weighted(&[
            (8, "literal"),
            (3, "dot"),
            (3, "class"),
            (2, "escape"),
            (if depth < 2 { 4 } else { 0 }, "group"),
        ]);
        match kind {
            "literal" => self.literal(),
            "dot" => ".".to_string(),
            "class" => self.class(),
            "escape" => self.escape(depth),
            _ => {
                self.groups += 1;
                let inner = self.alternation(depth + 1);
                if self.dialect == Dialect::Pcre && self.rng.chance(20) {
                    self.groups -= 1;
                    format!("(?:{inner})")
                } else {
                    format!("({inner})")
                }
            }
        }
    }

    fn concat(&mut self, depth: usize) -> String {
        let n = 1 + self.rng.below(4);
        let mut out = String::new();
        for _ in 0..n {
            let atom = self.atom(depth);
            out.push_str(&atom);
            let repeat = if atom.starts_with('(') { 45 } else { 30 };
            if self.rng.chance(repeat) && !atom.starts_with("\\b") && !atom.starts_with("\\B") {
                let q = self.quantifier();
                out.push_str(&q);
            }
        }
        out
    }

    fn alternation(&mut self, depth: usize) -> String {
        let mut out = self.concat(depth);
        if self.rng.chance(20) {
            out.push('|');
            let more = self.concat(depth);
            out.push_str(&more);
        }
        out
    }

    fn pattern(&mut self) -> String {
        self.groups = 0;
        let mut p = String::new();
        if self.rng.chance(50) {
            p.push('^');
        }
        let body = self.alternation(0);
        p.push_str(&body);
        if self.rng.chance(50) {
            p.push('$');
        }
        p
    }

    fn flags(&mut self) -> &'static str {
        let flags: &[(u32, &'static str)] = match self.dialect {
            Dialect::Regexp => &[(30, ""), (10, "i"), (2, "m"), (1, "x")],
            Dialect::Pcre => &[(12, ""), (4, "i"), (1, "s"), (1, "A"), (1, "U"), (1, "x")],
        };
        self.rng.weighted::<&str>(flags)
    }

    fn result(&mut self, n: usize) -> String {
        if self.groups == 0 || self.rng.chance(40) {
            return format!("r{n}");
        }
        let beyond = usize::from(self.rng.chance(10));
        let g = 1 + self.rng.below(self.groups + beyond);
        match self.rng.below(4) {
            0 => format!("${g}"),
            1 => format!("r{n}[${{{g}}}]"),
            2 => format!("$({g})-$1"),
            _ => "<$1>$$".to_string(),
        }
    }

    fn broken(&mut self) -> String {
        self.rng
            .pick(&[
                "/[ab/ bad",
                "/(a/ bad",
                "/a/q bad",
                "/abc bad",
                "/a)/ odd",
                "/*a/ bad",
                "/a{2,1}/ bad",
                "/[[:nope:]]/ bad",
                "/(a)/ $3",
                "/(a)/ $x",
                "!/(a)/ $1",
                "nonsense here",
                "endif",
            ])
            .to_string()
    }

    fn table(&mut self) -> String {
        let mut text = String::new();
        let rules = 2 + self.rng.below(5);
        let mut open = 0;
        for n in 0..rules {
            if self.rng.chance(8) {
                writeln!(text, "{}", self.broken()).unwrap();
                continue;
            }
            if self.rng.chance(10) && open < 2 {
                let negation = if self.rng.chance(30) { "!" } else { "" };
                let p = self.pattern();
                writeln!(text, "if {negation}/{p}/{}", self.flags()).unwrap();
                open += 1;
                continue;
            }
            if open > 0 && self.rng.chance(25) {
                writeln!(text, "endif").unwrap();
                open -= 1;
                continue;
            }
            let negation = if self.rng.chance(12) { "!" } else { "" };
            let p = self.pattern();
            let flags = self.flags();
            let delimiter = if self.rng.chance(15) { "#" } else { "/" };
            let p = if delimiter == "#" {
                p.replace('#', "")
            } else {
                p
            };
            let result = if negation.is_empty() {
                self.result(n)
            } else {
                format!("r{n}")
            };
            writeln!(text, "{negation}{delimiter}{p}{delimiter}{flags} {result}").unwrap();
        }
        while open > 0 && self.rng.chance(70) {
            writeln!(text, "endif").unwrap();
            open -= 1;
        }
        text
    }

    fn keys(&mut self) -> Vec<String> {
        let alphabet = [
            'a', 'b', 'x', 'A', 'B', '@', '.', '-', 'y', 'c', '1', '_', ' ',
        ];
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for _ in 0..40 {
            let len = self.rng.below(7);
            let key: String = (0..len).map(|_| *self.rng.pick(&alphabet)).collect();
            let key = key.trim().to_string();
            if !key.is_empty() {
                keys.insert(key);
            }
        }
        for fixed in [
            "a", "ab", "a@b", "x.y", "A@x.test", "aaa", "b@a.x", "@", "yyy",
        ] {
            keys.insert(fixed.to_string());
        }
        keys.into_iter().collect()
    }
}

/// postmap's answers: key to value, for the keys it found; and the lines it warned about.
fn postmap(
    dir: &Path,
    dialect: Dialect,
    file: &Path,
    keys: &[String],
) -> (BTreeMap<String, String>, BTreeSet<u32>) {
    let reference = format!("{}:{}", dialect.name(), file.display());
    let mut child = Command::new("postmap")
        .arg("-c")
        .arg(dir)
        .args(["-q", "-", &reference])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("postmap runs");
    {
        let mut stdin = child.stdin.take().unwrap();
        for k in keys {
            writeln!(stdin, "{k}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("fatal"),
        "postmap failed on {reference}: {stderr}"
    );
    let found = stdout
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let warned = stderr
        .lines()
        .filter_map(|l| l.split_once(", line "))
        .filter_map(|(_, rest)| rest.split_once(':'))
        .filter_map(|(n, _)| n.parse().ok())
        .collect();
    (found, warned)
}

#[derive(Default)]
struct Tally {
    tables: usize,
    keys: usize,
    known: usize,
    unknown: usize,
    found: usize,
    skipped_lines: usize,
    /// Unknown keys by the first unknown rule's reason.
    why: BTreeMap<String, usize>,
}

/// Compares one table; Err lists the disagreements.
fn compare(
    dir: &Path,
    index: usize,
    dialect: Dialect,
    text: &str,
    keys: &[String],
    tally: &mut Tally,
) -> Result<(), String> {
    let file = dir.join(format!("t{index}.{}", dialect.name()));
    std::fs::write(&file, text).unwrap();
    backdate(dir);
    let (theirs, warned) = postmap(dir, dialect, &file, keys);
    let table = PatternTable::parse(text, FileId(0), dialect, None);
    let mut problems = String::new();
    for s in &table.skipped {
        tally.skipped_lines += 1;
        if !warned.contains(&s.line) {
            writeln!(
                problems,
                "  line {}: postlint says Postfix skips it ({}); postmap did not warn",
                s.line, s.reason
            )
            .unwrap();
        }
    }
    for key in keys {
        tally.keys += 1;
        let ours = match table.lookup(key, Substitution::Allowed) {
            PatternAnswer::Found { value, .. } => Some(value.into_owned()),
            PatternAnswer::NotFound => None,
            PatternAnswer::Unknown => {
                tally.unknown += 1;
                let why = table.unknown_rule().map_or("substitution", |(_, why)| why);
                *tally.why.entry(why.to_string()).or_default() += 1;
                continue;
            }
        };
        tally.known += 1;
        tally.found += usize::from(ours.is_some());
        let their = theirs.get(key).cloned();
        if ours != their {
            writeln!(
                problems,
                "  key {key:?}: postlint {ours:?}, postmap {their:?}"
            )
            .unwrap();
        }
    }
    tally.tables += 1;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} table {index}:\n{}{problems}",
            dialect.name(),
            text.lines()
                .enumerate()
                .map(|(i, l)| format!("  {:>2}| {l}\n", i + 1))
                .collect::<String>()
        ))
    }
}

fn pcre_available(dir: &Path) -> bool {
    let file = dir.join("probe.pcre");
    std::fs::write(&file, "/a/ b\n").unwrap();
    let (ok, _, stderr) = common::run(
        "postmap",
        &[
            "-c",
            &dir.to_string_lossy(),
            "-q",
            "a",
            &format!("pcre:{}", file.display()),
        ],
    );
    ok && !stderr.contains("unsupported dictionary type")
}

#[test]
fn pattern_tables_answer_like_postmap() {
    if !common::postfix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cf"), "compatibility_level = 3.6\n").unwrap();
    backdate(dir.path());
    if !common::runs_or_says_skipped(if pcre_available(dir.path()) {
        Ok(())
    } else {
        Err("Postfix has no pcre: tables (apt-get install postfix-pcre)".to_string())
    }) {
        return;
    }
    let seed = env_number("POSTLINT_PATTERN_ORACLE_SEED", 1);
    let count = env_number("POSTLINT_PATTERN_ORACLE_TABLES", 400) as usize;
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for (i, (dialect, text, keys)) in HAND.iter().enumerate() {
        let dialect = if *dialect == "regexp" {
            Dialect::Regexp
        } else {
            Dialect::Pcre
        };
        let keys: Vec<String> = keys.split_whitespace().map(str::to_string).collect();
        if let Err(e) = compare(dir.path(), i, dialect, text, &keys, &mut tally) {
            failures.push(format!("hand-written {e}"));
        }
    }
    let hand = tally.keys;
    for (stream, dialect) in [(0u64, Dialect::Regexp), (1, Dialect::Pcre)] {
        for i in 0..count {
            let mut gen = Gen {
                rng: Rng::stream(seed, stream * 1_000_000 + i as u64),
                dialect,
                groups: 0,
            };
            let text = gen.table();
            let keys = gen.keys();
            if let Err(e) = compare(dir.path(), 1000 + i, dialect, &text, &keys, &mut tally) {
                failures.push(format!("generated (seed {seed}) {e}"));
            }
        }
    }
    let t = &tally;
    eprintln!(
        "oracle_patterns: {} tables, {} keys ({hand} hand-written): {} answered by postlint \
         ({} found), {} unknown ({:.1}%); {} skipped lines, each warned about by postmap; \
         {} tables disagree",
        t.tables,
        t.keys,
        t.known,
        t.found,
        t.unknown,
        100.0 * t.unknown as f64 / t.keys.max(1) as f64,
        t.skipped_lines,
        failures.len()
    );
    for (why, n) in &t.why {
        eprintln!("  unknown: {n} keys: {why}");
    }
    for f in failures.iter().take(12) {
        eprintln!("{f}");
    }
    assert!(
        failures.is_empty(),
        "{} tables disagree with postmap",
        failures.len()
    );
    assert!(t.keys > 10_000, "only {} keys compared", t.keys);
    assert!(
        t.unknown * 8 < t.keys,
        "{} of {} keys unknown: more than an eighth",
        t.unknown,
        t.keys
    );
}

/// The inline form `regexp:{ {rule}, {rule} }` in main.cf (`$$` for `$` there), asked through
/// the model postlint loads, against `postmap -q KEY 'TYPE:{...}'`.
#[test]
fn inline_pattern_tables_answer_like_postmap() {
    use postlint::model::tables::Answer;
    use postlint::model::{LoadOptions, Model};
    if !common::postfix_has_types(&["pcre"]) {
        return;
    }
    let cases: &[(&str, &str, &str)] = &[
        (
            "regexp",
            "{ {/^postmaster@/ pm}, { /^(.+)@old\\.example$/ $1@example.org }, {!/@/ bare} }",
            "postmaster@x ann@old.example ann@new.example local",
        ),
        (
            "pcre",
            "{{/^(\\w+)\\.(\\w+)@x$/ ${2}-$1}, {if /@y$/}, {/^a/ a-at-y}, {endif}, {/./ other}}",
            "first.last@x a@y b@y zz",
        ),
    ];
    let mut compared = 0;
    for (kind, inline, keys) in cases {
        let dir = tempfile::tempdir().unwrap();
        let in_main_cf = inline.replace('$', "$$");
        std::fs::write(
            dir.path().join("main.cf"),
            format!("compatibility_level = 3.6\nvirtual_alias_maps = {kind}:{in_main_cf}\n"),
        )
        .unwrap();
        backdate(dir.path());
        let model = Model::load(&LoadOptions {
            config_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        })
        .unwrap();
        let maps = model.maps("virtual_alias_maps");
        assert_eq!(maps.tables.len(), 1, "{kind}:{inline}");
        for key in keys.split_whitespace() {
            let ours = match maps.lookup(&model.tables, key) {
                Answer::Found(Some(hit)) => {
                    model.tables.hit_value(hit, key).map(|v| v.into_owned())
                }
                Answer::NotFound => None,
                other => panic!("{kind}:{inline} {key}: postlint {other:?}"),
            };
            let reference = format!("{kind}:{inline}");
            let config = dir.path().to_string_lossy().into_owned();
            let (_, stdout, stderr) =
                common::run("postmap", &["-c", &config, "-q", key, &reference]);
            if stderr.contains("unsupported dictionary type") {
                continue;
            }
            let theirs = stdout.strip_suffix('\n').map(str::to_string);
            assert_eq!(ours, theirs, "{reference} {key}: postmap said {stderr}");
            compared += 1;
        }
    }
    assert!(compared >= 8, "only {compared} keys compared");
}

/// invalid-syntax reports exactly the lines of a regexp: table that postmap warns about and
/// leaves out (fixtures/invalid-syntax/trigger-regexp-lines-postfix-skips).
#[test]
fn invalid_syntax_reports_the_lines_postmap_skips() {
    if !common::postfix_available() {
        return;
    }
    let fixture = Path::new("fixtures/invalid-syntax/trigger-regexp-lines-postfix-skips");
    let out = Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(["--select", "invalid-syntax", "--format", "json"])
        .arg(fixture)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours: Vec<usize> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"].as_str().unwrap().ends_with("/virtual_domains"))
        .map(|d| d["line"].as_u64().unwrap() as usize)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cf"), "").unwrap();
    let table = format!(
        "regexp:{}",
        std::fs::canonicalize(fixture.join("virtual_domains"))
            .unwrap()
            .display()
    );
    let (_, _, stderr) = common::run(
        "postmap",
        &[
            "-c",
            &dir.path().to_string_lossy(),
            "-q",
            "example.info",
            &table,
        ],
    );
    let theirs = common::warned_lines(stderr.lines());
    assert_eq!(ours, theirs, "{stderr}");
    assert_eq!(theirs, [1, 2]);
}
