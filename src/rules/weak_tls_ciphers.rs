//! Mandatory TLS with a cipher grade that lets weak ciphers in (`null`, and before Postfix
//! 3.8 `export` and `low`), and hand-made cipher lists with names OpenSSL does not know,
//! which it skips without a word.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::ciphers;
use crate::model::master::Service;
use crate::model::restrictions::expanded_in;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "weak-tls-ciphers",
    severity: Severity::Warning,
    summary: "mandatory TLS that allows NULL, export or low-grade ciphers, or a cipher list with a name OpenSSL does not know",
    doc: include_str!("../../rules/weak-tls-ciphers.md"),
    undecided: super::always_decides,
    check,
};

const MANDATORY_GRADES: &[&str] = &[
    "smtpd_tls_mandatory_ciphers",
    "smtp_tls_mandatory_ciphers",
    "lmtp_tls_mandatory_ciphers",
    "tlsproxy_tls_mandatory_ciphers",
];

/// Cipher strings handed to OpenSSL as they are.
const CIPHER_LISTS: &[&str] = &[
    "tls_high_cipherlist",
    "tls_medium_cipherlist",
    "tls_low_cipherlist",
    "tls_export_cipherlist",
    "tls_null_cipherlist",
];

/// Lists of names Postfix appends to the cipher string as `:!name` each.
const EXCLUSIONS: &[&str] = &[
    "smtpd_tls_exclude_ciphers",
    "smtpd_tls_mandatory_exclude_ciphers",
    "smtp_tls_exclude_ciphers",
    "smtp_tls_mandatory_exclude_ciphers",
    "lmtp_tls_exclude_ciphers",
    "lmtp_tls_mandatory_exclude_ciphers",
    "tlsproxy_tls_exclude_ciphers",
    "tlsproxy_tls_mandatory_exclude_ciphers",
];

fn check(model: &Model, out: &mut Findings) {
    let mut seen: HashSet<(Span, String)> = HashSet::new();
    let scopes: Vec<Option<&Service>> = std::iter::once(None)
        .chain(model.master.services.iter().map(Some))
        .collect();
    // Postfix 3.8 reads `export` and `low` as `medium`, and no longer has their lists.
    let old_grades = !model.target.at_least("3.8");
    // Mandatory settings that no program reads change nothing (everything at level may).
    // Asked once per program, not per service and parameter.
    let read_by: std::collections::HashMap<&str, bool> = ["smtpd", "smtp", "lmtp", "tlsproxy"]
        .into_iter()
        .map(|p| (p, crate::model::tls::mandatory_settings_read(model, p)))
        .collect();
    let read = |param: &str| {
        let program = param.split("_tls_").next().unwrap_or("");
        !param.contains("_mandatory_") || read_by.get(program).copied().unwrap_or(true)
    };
    let grades: Vec<&str> = MANDATORY_GRADES
        .iter()
        .copied()
        .filter(|p| read(p))
        .collect();
    let lists: Vec<&str> = CIPHER_LISTS
        .iter()
        .chain(EXCLUSIONS)
        .copied()
        .filter(|p| read(p))
        .collect();
    for &scope in &scopes {
        for &param in &grades {
            grade(model, scope, param, old_grades, &mut seen, out);
        }
        for &param in &lists {
            if !old_grades && matches!(param, "tls_low_cipherlist" | "tls_export_cipherlist") {
                continue;
            }
            names(model, scope, param, &mut seen, out);
        }
    }
}

fn grade(
    model: &Model,
    scope: Option<&Service>,
    param: &'static str,
    old_grades: bool,
    seen: &mut HashSet<(Span, String)>,
    out: &mut Findings,
) {
    let Some(expanded) = expanded_in(model, scope, param) else {
        return;
    };
    let value = expanded.text.trim_ascii();
    let start = expanded.text.len() - expanded.text.trim_ascii_start().len();
    // A default has no line to point at, and Postfix's defaults are `medium`.
    let Some(span) = expanded.origin_of(start..start + value.len()) else {
        return;
    };
    let (why, lets_in, harm) = match value {
        "null" => (
            "the null grade offers only ciphers without encryption",
            "NULL ciphers",
            "do not encrypt at all",
        ),
        "export" if old_grades => (
            "the export grade lets in 40- and 56-bit export ciphers",
            "EXPORT ciphers",
            "are broken in hours",
        ),
        "low" if old_grades => (
            "the low grade lets in single-DES and other 56- and 64-bit ciphers",
            "LOW ciphers",
            "are broken",
        ),
        _ => return,
    };
    // tlsproxy_tls_mandatory_ciphers is $smtpd_tls_mandatory_ciphers by default: one line.
    if !seen.insert((span, "grade".to_string())) {
        return;
    }
    let f = out.report(
        span,
        format!("{param} = {value}: {why}, where TLS is mandatory"),
    );
    f.label(format!("allows {lets_in} on mandatory TLS"));
    f.help(format!(
        "Set {param} = medium (Postfix's default) or high. Mandatory TLS (security level \
         encrypt and above, submission with smtpd_tls_auth_only) exists to keep the session \
         confidential; {lets_in} {harm}."
    ));
}

fn names(
    model: &Model,
    scope: Option<&Service>,
    param: &'static str,
    seen: &mut HashSet<(Span, String)>,
    out: &mut Findings,
) {
    let Some(expanded) = expanded_in(model, scope, param) else {
        return;
    };
    let exclusion = EXCLUSIONS.contains(&param);
    for element in ciphers::elements(&expanded.text) {
        // Postfix refuses `!`, `+`, `-` and `@` at the start of an exclusion; that is another
        // problem than a name OpenSSL does not know.
        if exclusion && expanded.text[element.range.clone()].starts_with(['!', '+', '-', '@']) {
            continue;
        }
        for range in element.unknown {
            let name = &expanded.text[range.clone()];
            let Some(span) = expanded.origin_of(range.clone()) else {
                continue;
            };
            if !seen.insert((span, name.to_string())) {
                continue;
            }
            // Written in another parameter's value that this one takes with `$name`
            // (`smtpd_tls_exclude_ciphers = $smtp_tls_exclude_ciphers`): the message names
            // the parameter of the line it points at.
            let param = written_in(model, span, exclusion).unwrap_or(param);
            let shown = crate::output::printable(name);
            let message = if exclusion {
                format!(
                    "`{shown}` in {param} matches no cipher OpenSSL knows: the exclusion does nothing"
                )
            } else {
                format!(
                    "`{shown}` in {param} matches no cipher OpenSSL knows: OpenSSL skips it without a word"
                )
            };
            let f = out.report(span, message);
            f.subject(format!("{param} {name}"));
            match super::closest(name, ciphers::known_names()) {
                Some(meant) => f.label(format!("did you mean `{meant}`?")),
                None => f.label("not an OpenSSL cipher name or keyword"),
            };
            f.help(
                "Correct the name (`openssl ciphers -v 'NAME'` lists what a name selects, and \
                 fails on a name it does not know) or remove it. OpenSSL ignores names it does \
                 not know, so a misspelt exclusion leaves the ciphers it meant to remove \
                 enabled.",
            );
        }
    }
}

/// The cipher list (or exclusion list, as `exclusion` says) of main.cf whose value holds
/// `span`.
fn written_in(model: &Model, span: Span, exclusion: bool) -> Option<&'static str> {
    let lists: &[&'static str] = match exclusion {
        true => EXCLUSIONS,
        false => CIPHER_LISTS,
    };
    model.params.definitions().iter().find_map(|d| {
        let inside = d.value_span.file == span.file
            && d.value_span.start <= span.start
            && span.end <= d.value_span.end;
        inside
            .then(|| lists.iter().copied().find(|&p| p == d.name))
            .flatten()
    })
}
