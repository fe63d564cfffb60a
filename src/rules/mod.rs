//! The rules: plain data and a function each, in one registry sorted by id.

mod absolute_mailbox_path;
mod alias_loop;
mod alias_target_unknown;
mod backscatter_risk;
mod catch_all_alias;
mod catch_all_shadows_mailbox;
mod compatibility_level;
mod content_filter_to_self;
mod dane_without_dnssec;
mod dead_dnsbl;
mod dead_domain_pattern;
mod deprecated_parameter;
mod dnsbl_reply_filter;
mod dnsbl_wrong_kind;
mod domain_in_multiple_classes;
mod duplicate_map_key;
mod hostname_check_without_lookup;
mod invalid_syntax;
mod invalid_value;
mod invisible_character;
mod ldap_config;
mod list_file_looks_like_table;
mod mailbox_outside_domains;
mod maildir_trailing_slash;
mod main_cf_unreadable;
mod mandatory_tls_on_mx;
mod missing_role_alias;
mod missing_table;
mod mynetworks_host_bits;
mod mynetworks_too_broad;
mod open_relay;
mod orphan_override;
mod outbound_tls_mandatory;
mod overridden_parameter;
mod override_unused;
mod password_in_main_cf;
mod pipe_recipient_limit;
mod plaintext_auth;
mod postscreen_not_running;
mod postscreen_on_submission;
mod probe_failed;
mod quoted_value;
mod relay_check_missing;
mod relay_credentials_in_clear;
mod restriction_order;
mod sasl_password_key_mismatch;
mod secret_readable;
mod sender_login_maps_missing;
mod shell_expanded_reference;
mod size_limit_conflict;
mod smtp_sasl_disabled;
mod smuggling_protection_off;
mod socket_outside_chroot;
mod sql_catch_all;
mod sql_config;
mod stale_map;
mod starttls_not_offered;
mod submission_relay_denied;
mod tls_file_missing;
mod tls_policy_invalid;
mod tls_wrappermode_missing;
mod tls_wrappermode_on_starttls_port;
mod trailing_comment;
mod undefined_reference;
mod undefined_service;
mod unknown_parameter;
mod unknown_restriction;
mod unreferenced_table;
mod unsupported_map_type;
pub(crate) mod unused_suppression;
mod virtual_domain_in_mydestination;
mod virtual_without_mailbox_maps;
mod weak_tls_ciphers;
mod weak_tls_protocols;
mod wrong_daemon_directory;

use crate::diagnostic::{Finding, Findings, Severity};
use crate::model::Model;

pub struct Rule {
    /// The name users write in configuration and CI: a contract.
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's page, rules/<id>.md, printed by `postlint --explain`.
    pub doc: &'static str,
    pub check: fn(&Model, &mut Findings),
    /// Whether, on this model, the rule's silence may come from what this run cannot know
    /// (table contents, address classes, host names, compiled maps) rather than from a clean
    /// setup. `unused-suppression` then does not report the rule's suppressions: one needed on
    /// the server is not unused in a repository checkout that lacks /etc/aliases.
    pub undecided: fn(&Model) -> bool,
}

/// `undecided` for rules that read only what every run reads (main.cf, master.cf, the text of
/// a table file whose suppression comments are read with it).
pub fn always_decides(_: &Model) -> bool {
    false
}

/// Where a finding about a setting points: the value written, else (a default in force) the
/// compatibility_level line that picks the default, else the top of main.cf.
pub fn setting_span(model: &Model, written: Option<crate::source::Span>) -> crate::source::Span {
    written
        .or_else(|| {
            model
                .params
                .get("compatibility_level")
                .map(|d| d.value_span)
        })
        .unwrap_or(model.main_cf_start())
}

/// Whether the line of a span holds template syntax (its text as written differs from the
/// text the rules read).
pub fn templated_line(model: &Model, span: crate::source::Span) -> bool {
    let source = model.sources.get(span.file);
    if source.template.is_none() {
        return false;
    }
    let line_of = |text: &str, offset: usize| {
        let offset = offset.min(text.len());
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        text[start..end].to_string()
    };
    let read = line_of(source.text(), span.start as usize);
    let written = line_of(
        source.shown().text(),
        source.shown_offset(span.start) as usize,
    );
    read != written
}

/// The master.cf services a finding is about, as a message names them after what they read:
/// " for smtp/unix, relay/unix" (nothing when the setup has no master.cf).
pub fn for_services(labels: &[String]) -> String {
    match labels.is_empty() {
        true => String::new(),
        false => format!(" for {}", labels.join(", ")),
    }
}

/// Names as a help text lists them, each in backticks: "`a`, `b`, `c`".
pub fn backticked<T: std::fmt::Display>(names: impl IntoIterator<Item = T>) -> String {
    let mut out = String::new();
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('`');
        out.push_str(&name.to_string());
        out.push('`');
    }
    out
}

/// Items as a sentence lists them: "a", "a and b", "a, b and c".
pub fn in_words<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// Text from a file cut to a length a message can hold: the first 60 characters and `…`.
pub fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    // A value continued over lines reads as one line: each run of spaces and line ends is one
    // space. A tab stays, for the output to show as `\t` (it may be the mistake).
    let spaced = text.contains(['\n', '\r']) || text.contains("  ");
    let text: std::borrow::Cow<'_, str> = match spaced {
        true => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                let blank = matches!(c, ' ' | '\n' | '\r');
                if !(blank && out.ends_with(' ')) {
                    out.push(if blank { ' ' } else { c });
                }
            }
            out.into()
        }
        false => text.into(),
    };
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text,
    }
}

/// The same for a log line quoted whole: up to 200 characters.
pub fn shorten_long(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text.into(),
    }
}

/// Every rule, sorted by id.
pub static RULES: &[Rule] = &[
    absolute_mailbox_path::RULE,
    alias_loop::RULE,
    alias_target_unknown::RULE,
    backscatter_risk::RULE,
    catch_all_alias::RULE,
    catch_all_shadows_mailbox::RULE,
    compatibility_level::RULE,
    content_filter_to_self::RULE,
    dane_without_dnssec::RULE,
    dead_dnsbl::RULE,
    dead_domain_pattern::RULE,
    deprecated_parameter::RULE,
    dnsbl_reply_filter::RULE,
    dnsbl_wrong_kind::RULE,
    domain_in_multiple_classes::RULE,
    duplicate_map_key::RULE,
    hostname_check_without_lookup::RULE,
    invalid_syntax::RULE,
    invalid_value::RULE,
    invisible_character::RULE,
    ldap_config::RULE,
    list_file_looks_like_table::RULE,
    mailbox_outside_domains::RULE,
    maildir_trailing_slash::RULE,
    main_cf_unreadable::RULE,
    mandatory_tls_on_mx::RULE,
    missing_role_alias::RULE,
    missing_table::RULE,
    mynetworks_host_bits::RULE,
    mynetworks_too_broad::RULE,
    open_relay::RULE,
    orphan_override::RULE,
    outbound_tls_mandatory::RULE,
    overridden_parameter::RULE,
    override_unused::RULE,
    password_in_main_cf::RULE,
    pipe_recipient_limit::RULE,
    plaintext_auth::RULE,
    postscreen_not_running::RULE,
    postscreen_on_submission::RULE,
    probe_failed::RULE,
    quoted_value::RULE,
    relay_check_missing::RULE,
    relay_credentials_in_clear::RULE,
    restriction_order::RULE,
    sasl_password_key_mismatch::RULE,
    secret_readable::RULE,
    sender_login_maps_missing::RULE,
    shell_expanded_reference::RULE,
    size_limit_conflict::RULE,
    smtp_sasl_disabled::RULE,
    smuggling_protection_off::RULE,
    socket_outside_chroot::RULE,
    sql_catch_all::RULE,
    sql_config::RULE,
    stale_map::RULE,
    starttls_not_offered::RULE,
    submission_relay_denied::RULE,
    tls_file_missing::RULE,
    tls_policy_invalid::RULE,
    tls_wrappermode_missing::RULE,
    tls_wrappermode_on_starttls_port::RULE,
    trailing_comment::RULE,
    undefined_reference::RULE,
    undefined_service::RULE,
    unknown_parameter::RULE,
    unknown_restriction::RULE,
    unreferenced_table::RULE,
    unsupported_map_type::RULE,
    unused_suppression::RULE,
    virtual_domain_in_mydestination::RULE,
    virtual_without_mailbox_maps::RULE,
    weak_tls_ciphers::RULE,
    weak_tls_protocols::RULE,
    wrong_daemon_directory::RULE,
];

/// Where a finding about a class listing points: at the `$name` in the class parameter when the
/// domain came in through one (`mydestination = ..., $mydomain`: the line the user edits), with
/// the definition it expands to as the second span; else at the listing itself.
pub fn listing_spans(
    span: Option<crate::source::Span>,
    via: Option<crate::source::Span>,
) -> (Option<crate::source::Span>, Option<crate::source::Span>) {
    match via {
        Some(via) => (Some(via), span),
        None => (span, None),
    }
}

/// The candidate closest to a misspelt name, if one is close enough to be what was meant.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<Candidate> = candidates.into_iter().map(Candidate::new).collect();
    closest_scored(name, &candidates).map(|(_, c)| c)
}

/// [`closest`], and for a name no candidate comes near as a whole, the one candidate whose
/// words (split at `_`) match the name's word for word: the same word, or one that starts
/// the same way (`expand` for `expansion`: a common start of all but one letter of the
/// shorter, four letters at least) or that the shorter abbreviates (`fmt` for `format`: the
/// same first letter, the others in order). For small sets of setting names, as a database
/// client's keys: among the thousand Postfix parameters such matches would be too many.
pub fn closest_by_words<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    if let Some(found) = closest(name, candidates.clone()) {
        return Some(found);
    }
    let words: Vec<&str> = name.split('_').collect();
    let mut matches = candidates.into_iter().filter(|c| {
        let theirs: Vec<&str> = c.split('_').collect();
        theirs.len() == words.len() && words.iter().zip(&theirs).all(|(a, b)| word_matches(a, b))
    });
    let first = matches.next()?;
    matches.next().is_none().then_some(first)
}

/// Whether two words of setting names are the same word, written short or long.
fn word_matches(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() < 3 || !short.is_ascii() || !long.is_ascii() {
        return false;
    }
    let common = short
        .bytes()
        .zip(long.bytes())
        .take_while(|(x, y)| x == y)
        .count();
    if common >= 4 && common + 1 >= short.len() {
        return true;
    }
    // An abbreviation: the first letter, then the others in order.
    let mut rest = long.bytes();
    short.as_bytes()[0] == long.as_bytes()[0] && short.bytes().all(|c| rest.any(|l| l == c))
}

/// Names longer than this get no "did you mean": no Postfix name comes near, and the edit
/// distance grows with the product of the lengths.
const LONGEST_SUGGESTED: usize = 64;

/// A name to suggest, with what the cheap bounds need computed once.
struct Candidate<'a> {
    name: &'a str,
    chars: usize,
    letters: [u16; 64],
}

impl<'a> Candidate<'a> {
    fn new(name: &'a str) -> Candidate<'a> {
        Candidate {
            name,
            chars: name.chars().count(),
            letters: letter_counts(name),
        }
    }
}

/// Every built-in name as a [`Candidate`], made once.
fn builtin_candidates() -> &'static [Candidate<'static>] {
    static CANDIDATES: std::sync::OnceLock<Vec<Candidate<'static>>> = std::sync::OnceLock::new();
    CANDIDATES.get_or_init(|| {
        crate::model::names::builtin_names()
            .map(Candidate::new)
            .collect()
    })
}

fn closest_scored<'a>(name: &str, candidates: &[Candidate<'a>]) -> Option<(f64, &'a str)> {
    let len = name.chars().count();
    if len > LONGEST_SUGGESTED {
        return None;
    }
    // A score of 0.75 allows an edit distance of a quarter of the longer name. Two cheap lower
    // bounds of the distance skip most candidates before the costly computation: the difference
    // in length, and half the letters the two names do not share (an edit changes at most two).
    let letters = letter_counts(name);
    candidates
        .iter()
        .filter(|c| c.name != name && c.chars <= LONGEST_SUGGESTED)
        .filter(|c| {
            let most = len.max(c.chars);
            let unshared: usize = (0..letters.len())
                .map(|i| letters[i].abs_diff(c.letters[i]) as usize)
                .sum();
            4 * len.abs_diff(c.chars) <= most && 4 * unshared.div_ceil(2) <= most
        })
        .map(|c| (strsim::normalized_damerau_levenshtein(name, c.name), c.name))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
}

/// How often each character occurs, folded into 64 classes (the bound survives folding:
/// merging classes can only shrink the difference).
fn letter_counts(s: &str) -> [u16; 64] {
    let mut counts = [0u16; 64];
    for c in s.chars() {
        let class = (c as u32 & 63) as usize;
        counts[class] = counts[class].saturating_add(1);
    }
    counts
}

/// Suggestions for misspelt parameter names, made for one rule's run: the built-in names, and
/// the setup's own names the rule passes. After [`Suggestions::BUDGET`] suggestions, findings
/// come without one: a file of thousands of unknown names must not cost thousands of searches.
pub struct Suggestions<'m> {
    own: Vec<Candidate<'m>>,
    left: usize,
}

impl<'m> Suggestions<'m> {
    pub const BUDGET: usize = 200;

    pub fn new(own: impl Iterator<Item = &'m str>) -> Suggestions<'m> {
        Suggestions {
            own: own
                .filter(|n| n.len() <= LONGEST_SUGGESTED)
                .map(Candidate::new)
                .collect(),
            left: Self::BUDGET,
        }
    }

    /// The parameter name (built in, or used in this setup) a misspelt name most likely meant.
    pub fn suggest(&mut self, name: &str) -> Option<String> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let builtin = closest_scored(name, builtin_candidates());
        let own = closest_scored(name, &self.own);
        match (builtin, own) {
            (Some(b), Some(o)) if o.0 > b.0 => Some(o.1.to_string()),
            (Some(b), _) => Some(b.1.to_string()),
            (None, o) => o.map(|o| o.1.to_string()),
        }
    }
}

/// "unknown rule", with the closest rule id when one is close.
pub fn unknown_rule(name: &str) -> String {
    match closest(name, RULES.iter().map(|r| r.id)) {
        Some(id) => {
            format!("unknown rule `{name}`; did you mean `{id}`? (see postlint --list-rules)")
        }
        None => format!("unknown rule `{name}` (see postlint --list-rules)"),
    }
}

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The rules whose work grows with the number of domains or map entries: started first, so
/// the light ones fill the other cores. alias-target-unknown and alias-loop, the costliest,
/// are left out on purpose: started together, their memos are alive at once (4 MB more peak
/// RSS on the ISP benchmark, no time gained).
const HEAVY: &[&str] = &[
    "missing-role-alias",
    "domain-in-multiple-classes",
    "maildir-trailing-slash",
    "catch-all-alias",
];

/// Rules that never ask the class memo (`Model::memoized_class`): they run while it is built,
/// instead of waiting for it.
const WITHOUT_CLASS_MEMO: &[&str] = &[
    "maildir-trailing-slash",
    "catch-all-alias",
    "duplicate-map-key",
    "trailing-comment",
    "absolute-mailbox-path",
];

/// Heavy rules that ask the class memo late or only for some setups (alias-loop asks it when
/// virtual_alias_maps has bare keys): they start right after the rules that never ask it, so
/// that the core beside the memo's build works instead of waiting for it.
const MEMO_LATE: &[&str] = &["alias-loop"];

/// A piece of the rules' work: the class memo most of the table rules share, or a rule.
enum Job {
    ClassMemo,
    Rule(&'static Rule),
}

/// Runs the given rules over the model; findings come back sorted by file and offset.
pub fn run(model: &Model, rules: &[&'static Rule]) -> Vec<Finding> {
    run_timed(model, rules).0
}

/// Drops the findings on a main.cf line Postfix glues to the setting above it
/// (`params::Glued`): its words are not what the user meant for that setting, and
/// invalid-syntax says what happened to them.
pub(crate) fn drop_glued_lines(model: &Model, out: &mut Findings) {
    let glued = crate::model::params::glued_assignments(model);
    if glued.is_empty() {
        return;
    }
    out.list.retain(|f| {
        let at = f.primary.span;
        !glued
            .iter()
            .any(|g| g.line.file == at.file && g.line.start <= at.start && at.start < g.line.end)
    });
}

/// Runs the rules; the findings in (file, offset) order and how long each piece of work took
/// ("rule ID", "class memo").
pub fn run_timed(
    model: &Model,
    rules: &[&'static Rule],
) -> (Vec<Finding>, Vec<(String, std::time::Duration)>) {
    // Rules are independent: run them side by side, the heaviest first. The class memo is
    // built first, on a core of its own (with 100k domains it takes as long as a heavy rule),
    // while the rules that never ask it start on the others; built inside the first rule that
    // asks, it kept the rules that asked next waiting.
    let mut order: Vec<&'static Rule> = rules.to_vec();
    order.sort_by_key(|r| {
        (
            !WITHOUT_CLASS_MEMO.contains(&r.id),
            !MEMO_LATE.contains(&r.id),
            !HEAVY.contains(&r.id),
        )
    });
    let asks_memo = order.iter().any(|r| !WITHOUT_CLASS_MEMO.contains(&r.id));
    let jobs: Vec<Job> = (asks_memo && order.len() > 1)
        .then_some(Job::ClassMemo)
        .into_iter()
        .chain(order.iter().map(|&rule| Job::Rule(rule)))
        .collect();
    let results = crate::parallel::in_parallel(&jobs, |job| {
        let started = std::time::Instant::now();
        let findings = match job {
            Job::ClassMemo => {
                model.memoized_class("");
                Vec::new()
            }
            Job::Rule(rule) => {
                let mut findings = Findings::new(rule.id, rule.severity);
                (rule.check)(model, &mut findings);
                findings.list
            }
        };
        (findings, started.elapsed())
    });
    let mut timings = Vec::new();
    let mut all = Vec::new();
    for (job, (findings, took)) in jobs.iter().zip(results) {
        all.extend(findings);
        let label = match job {
            Job::ClassMemo => "class memo".to_string(),
            Job::Rule(rule) => format!("rule {}", rule.id),
        };
        timings.push((label, took));
    }
    crate::diagnostic::sort(&mut all);
    (all, timings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticked_lists_names_in_backticks() {
        assert_eq!(backticked(["a", "b", "c"]), "`a`, `b`, `c`");
        assert_eq!(backticked("DR".chars()), "`D`, `R`");
        assert_eq!(backticked(Vec::<String>::new()), "");
    }

    /// The rules started beside the class memo's build never ask it (if one did, it would
    /// wait for the build), and every other rule on these setups comes after the build.
    #[test]
    fn rules_without_the_class_memo_never_ask_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        // Every fixture of these rules and of the rules that read the same tables.
        let mut dirs = vec![root.join("fixtures/trace/virtual-hosting")];
        for rule in WITHOUT_CLASS_MEMO
            .iter()
            .chain(&["alias-loop", "mailbox-outside-domains"])
        {
            for case in std::fs::read_dir(root.join("fixtures").join(rule)).expect("fixtures") {
                let case = case.expect("readable").path();
                if case.join("main.cf").is_file() {
                    dirs.push(case);
                }
            }
        }
        assert!(dirs.len() > 20, "only {} setups", dirs.len());
        for dir in dirs {
            for id in WITHOUT_CLASS_MEMO {
                let rule = find(id).expect("a rule id");
                let model = Model::load(&crate::model::LoadOptions {
                    config_dir: Some(dir.clone()),
                    ..Default::default()
                })
                .expect("the setup loads");
                let mut findings = Findings::new(rule.id, rule.severity);
                (rule.check)(&model, &mut findings);
                assert!(
                    !model.class_memo_built(),
                    "{id} asked the class memo on {dir:?}"
                );
            }
        }
        // The memo is asked for at all on the first setup: the check above can fail.
        let model = Model::load(&crate::model::LoadOptions {
            config_dir: Some(root.join("fixtures/trace/virtual-hosting")),
            ..Default::default()
        })
        .expect("the setup loads");
        let rule = find("domain-in-multiple-classes").expect("a rule id");
        (rule.check)(&model, &mut Findings::new(rule.id, rule.severity));
        assert!(model.class_memo_built());
    }

    #[test]
    fn registry_is_sorted_and_unique() {
        let ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn every_rule_page_starts_with_its_id() {
        for rule in RULES {
            assert!(
                rule.doc.starts_with(&format!("# {}\n", rule.id)),
                "rules/{}.md must start with '# {}'",
                rule.id,
                rule.id
            );
        }
    }

    /// A database key written with a word shortened or lengthened finds the key; a name that
    /// matches two keys, or whose words differ, finds none.
    #[test]
    fn setting_names_are_matched_word_for_word() {
        let keys = [
            "hosts",
            "user",
            "password",
            "dbname",
            "query",
            "result_format",
            "expansion_limit",
            "domain",
            "tls_cert_file",
            "tls_key_file",
            "tls_ca_cert_file",
        ];
        let guess = |name| closest_by_words(name, keys.iter().copied());
        assert_eq!(guess("expand_limit"), Some("expansion_limit"));
        assert_eq!(guess("result_fmt"), Some("result_format"));
        assert_eq!(guess("qeury"), Some("query"));
        assert_eq!(guess("tls_crt_file"), Some("tls_cert_file"));
        // Two keys that both match word for word: no guess.
        assert_eq!(
            closest_by_words("res_frm", ["result_format", "result_formula"]),
            None
        );
        assert_eq!(
            closest_by_words("res_frm", ["result_format", "query"]),
            Some("result_format")
        );
        assert_eq!(guess("table"), None);
        assert_eq!(guess("select_field"), None);
        assert_eq!(guess("expansion"), None);
        assert_eq!(guess("ex_limit"), None);
    }

    /// The length and letter bounds only skip work: on misspellings of every built-in name
    /// (a letter dropped, doubled, changed, two swapped, and a non-ASCII letter), the choice
    /// equals that of scoring every candidate.
    #[test]
    fn suggestion_bounds_change_no_answer() {
        let names: Vec<&str> = crate::model::names::builtin_names().collect();
        let brute = |name: &str| {
            names
                .iter()
                .copied()
                .filter(|c| *c != name)
                .map(|c| (strsim::normalized_damerau_levenshtein(name, c), c))
                .filter(|(score, _)| *score >= 0.75)
                .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        };
        let mut checked = 0;
        for name in names.iter().step_by(7) {
            let chars: Vec<char> = name.chars().collect();
            let mid = chars.len() / 2;
            let edit = |f: &dyn Fn(&mut Vec<char>)| {
                let mut c = chars.clone();
                f(&mut c);
                c.into_iter().collect::<String>()
            };
            let typos = [
                edit(&|c| {
                    c.remove(mid);
                }),
                edit(&|c| c.insert(mid, c[mid])),
                edit(&|c| c[mid] = 'x'),
                edit(&|c| c.swap(mid - 1, mid)),
                edit(&|c| c[mid] = 'é'),
                edit(&|c| c.truncate(mid)),
            ];
            for typo in &typos {
                let got = closest_scored(typo, builtin_candidates());
                assert_eq!(got, brute(typo), "{typo}");
                checked += usize::from(got.is_some());
            }
        }
        assert!(checked > 100, "only {checked} typos had a suggestion");
    }
}
