//! A word in an smtpd restriction list that smtpd cannot use: a name it does not know, one the
//! target release removed, a restriction without its argument, a restriction class without a
//! definition.

use std::collections::HashSet;

use super::{Rule, Suggestions};
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::UNKNOWN;
use crate::model::restrictions::{
    restriction, restriction_names, smtpd_processes, Smtpd, Word, LIST_PARAMS,
};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "unknown-restriction",
    severity: Severity::Error,
    summary: "a restriction smtpd does not know, that the target release removed, or that lacks its argument",
    doc: include_str!("../../rules/unknown-restriction.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    let release = model.target.release();
    let mut seen: HashSet<Span> = HashSet::new();
    for smtpd in smtpd_processes(model) {
        let mut suggestions = Suggestions::new(restriction_names());
        let mut lists: Vec<(String, Vec<Word>)> = LIST_PARAMS
            .iter()
            .filter_map(|p| smtpd.list(model, p).map(|l| (p.to_string(), l)))
            .collect();
        for (class, list) in &smtpd.classes {
            match list {
                Some(list) => lists.push((class.clone(), list.clone())),
                None => undefined_class(model, &smtpd, class, &mut seen, out),
            }
        }
        for (param, list) in &lists {
            check_list(
                model,
                &smtpd,
                param,
                list,
                release,
                &mut suggestions,
                &mut seen,
                out,
            );
        }
    }
    super::drop_glued_lines(model, out);
}

/// smtpd stops when a name of smtpd_restriction_classes has no value.
fn undefined_class(
    model: &Model,
    smtpd: &Smtpd,
    class: &str,
    seen: &mut HashSet<Span>,
    out: &mut Findings,
) {
    if smtpd.definition(model, class).is_some() {
        return; // defined, with a value postlint cannot know
    }
    let Some(def) = smtpd.definition(model, "smtpd_restriction_classes") else {
        return;
    };
    if !seen.insert(def.value_span) {
        return;
    }
    let finding = out.report(
        def.value_span,
        format!("restriction class `{class}` has no definition: smtpd stops when it starts"),
    );
    finding.subject(format!("class {class}"));
    finding.label(format!(
        "fatal: restriction class `{class}' needs a definition"
    ));
    finding.help(format!(
        "Each name in smtpd_restriction_classes needs a main.cf parameter of that name that holds \
         its restrictions: `{class} = check_sender_access hash:/etc/postfix/{class}`, for example."
    ));
}

#[allow(clippy::too_many_arguments)]
fn check_list(
    model: &Model,
    smtpd: &Smtpd,
    param: &str,
    list: &[Word],
    release: crate::model::version::Release,
    suggestions: &mut Suggestions,
    seen: &mut HashSet<Span>,
    out: &mut Findings,
) {
    let target = model.target.named();
    let mut i = 0;
    while i < list.len() {
        let word = &list[i];
        if word.text.contains(UNKNOWN) {
            return; // the rest depends on what postlint cannot know
        }
        let Some(span) = word.span else {
            i += 1;
            continue;
        };
        // A class, or a bare `type:table` (the access table of the list's own context).
        if smtpd.classes.contains_key(word.text.as_str())
            || word.text.contains(':')
            || word.text.starts_with('{')
        {
            i += 1;
            continue;
        }
        match restriction(&word.text, release) {
            Ok(known) => {
                if known.takes != "no" {
                    match list.get(i + 1) {
                        Some(arg) if !arg.text.contains(UNKNOWN) => {
                            bad_argument(word, arg, known.takes, param, seen, out)
                        }
                        Some(_) => {}
                        None => {
                            if seen.insert(span) {
                                let finding = out.report(
                                    span,
                                    format!(
                                        "`{}` needs an argument ({}), and the list ends here",
                                        word.text,
                                        what(known.takes)
                                    ),
                                );
                                finding.label(format!("in {param}"));
                                finding.help("smtpd takes the next word of the list as the argument; without one it answers \"451 4.3.5 Server configuration error\" when it reaches this restriction.");
                            }
                        }
                    }
                    i += 2;
                    continue;
                }
            }
            Err(Some(gone)) => {
                if seen.insert(span) {
                    let when = match gone.last {
                        Some(last) if release > last => format!("removed after Postfix {last}"),
                        _ => format!("new in Postfix {}", gone.first),
                    };
                    let finding = out.report(
                        span,
                        format!(
                            "Postfix {target} has no `{}` restriction ({when})",
                            word.text
                        ),
                    );
                    finding.subject(word.text.to_ascii_lowercase());
                    finding.label(format!("in {param}"));
                    finding.help(format!(
                        "smtpd logs that support for \"{}\" has been removed and answers \"451 4.3.5 \
                         Server configuration error\" when it reaches it. check_relay_domains becomes \
                         reject_unauth_destination; reject_maps_rbl becomes reject_rbl_client with a \
                         list; permit_naked_ip_address has no safe replacement (use \
                         permit_mynetworks or permit_sasl_authenticated). This setup is linted for \
                         Postfix {target} ({}).",
                        word.text,
                        model.target.origin_text()
                    ));
                }
            }
            Err(None) => {
                if seen.insert(span) {
                    let finding = out.report(
                        span,
                        format!(
                            "`{}` is not a restriction smtpd knows",
                            super::shorten(&word.text)
                        ),
                    );
                    finding.subject(word.text.to_ascii_lowercase());
                    match suggestions.suggest(&word.text) {
                        Some(s) => finding.label(format!("did you mean `{s}`? (in {param})")),
                        None => finding.label(format!("in {param}")),
                    };
                    // `permit_mynetworks,\` then an indented line: a shell habit.
                    let backslash = if word.text.contains('\\') {
                        " Postfix has no backslash line continuation: the `\\` is part of the \
                         word. Remove it; a line that starts with whitespace continues the one \
                         before."
                    } else {
                        ""
                    };
                    finding.help(format!(
                        "smtpd accepts the list when it starts and fails when a client reaches this \
                         word: it logs `unknown smtpd restriction: \"{}\"` and answers `451 4.3.5 \
                         Server configuration error`, so mail that gets this far is deferred. A \
                         restriction class must be listed in smtpd_restriction_classes.{backslash}",
                        super::shorten(&word.text)
                    ));
                }
            }
        }
        i += 1;
    }
}

fn what(takes: &str) -> &'static str {
    match takes {
        "table" => "a type:table",
        "service" => "a policy service endpoint",
        "domain" => "a DNS list domain",
        "number" => "a number of seconds",
        _ => "a word",
    }
}

/// An argument of the wrong shape: a table without `type:`, a number that is not one.
fn bad_argument(
    word: &Word,
    arg: &Word,
    takes: &str,
    param: &str,
    seen: &mut HashSet<Span>,
    out: &mut Findings,
) {
    let ok = match takes {
        "table" | "service" => arg.text.contains(':') || arg.text.starts_with('{'),
        "number" => arg.text.bytes().all(|b| b.is_ascii_digit()) && !arg.text.is_empty(),
        _ => true,
    };
    let Some(span) = arg.span.or(word.span) else {
        return;
    };
    if ok || !seen.insert(span) {
        return;
    }
    let finding = out.report(
        span,
        format!(
            "`{}` needs {} as its argument, not `{}`",
            word.text,
            what(takes),
            super::shorten(&arg.text)
        ),
    );
    finding.label(format!("in {param}"));
    finding.help(format!(
        "smtpd takes the word after {} as {}; this one cannot be, and smtpd answers \
         \"451 4.3.5 Server configuration error\" when it reaches the restriction.",
        word.text,
        what(takes)
    ));
}
