//! `reject_unknown_client_hostname` (or `reject_unknown_reverse_client_hostname`) in an smtpd
//! that never looks client names up (`smtpd_peername_lookup = no`): every client is `unknown`
//! to it, so the restriction rejects each one that reaches it.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::{smtpd_processes, Smtpd, LIST_PARAMS};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "hostname-check-without-lookup",
    severity: Severity::Error,
    summary: "a client hostname check where smtpd_peername_lookup = no: every client that reaches it is rejected",
    doc: include_str!("../../rules/hostname-check-without-lookup.md"),
    undecided: super::always_decides,
    check,
};

/// The restrictions that reject a client whose name smtpd could not look up or verify.
const NAME_CHECKS: [&str; 3] = [
    "reject_unknown_client_hostname",
    "reject_unknown_reverse_client_hostname",
    // The name before Postfix 2.3, still accepted.
    "reject_unknown_client",
];

fn check(model: &Model, out: &mut Findings) {
    let mut seen: HashSet<Span> = HashSet::new();
    for smtpd in smtpd_processes(model) {
        if !smtpd
            .value(model, "smtpd_peername_lookup")
            .is_some_and(|v| v.eq_ignore_ascii_case("no"))
        {
            continue;
        }
        let lookup = smtpd.definition(model, "smtpd_peername_lookup");
        let lists = smtpd.lists_with(model, Smtpd::known_items);
        for (param, list) in &lists {
            for (i, word) in list.iter().enumerate() {
                let name = word.text.to_ascii_lowercase();
                if !NAME_CHECKS.contains(&name.as_str()) {
                    continue;
                }
                // `warn_if_reject reject_unknown_client_hostname` only logs.
                if i > 0 && list[i - 1].text.eq_ignore_ascii_case("warn_if_reject") {
                    continue;
                }
                let Some(span) = word.span else { continue };
                if !seen.insert(span) {
                    continue;
                }
                let code = smtpd
                    .value(model, "unknown_client_reject_code")
                    .unwrap_or_else(|| "450".to_string());
                let list_name = match LIST_PARAMS.contains(&param.as_str()) {
                    true => param.clone(),
                    false => format!("restriction class {param}"),
                };
                let whose = match smtpd.service {
                    Some(_) => format!(" ({})", smtpd.label()),
                    None => String::new(),
                };
                let finding = out.report(
                    span,
                    format!(
                        "{name} in {list_name}{whose} rejects every client that reaches it: smtpd_peername_lookup = no, so smtpd never looks client names up and each client is `unknown` (reply {code})"
                    ),
                );
                finding.subject(format!("{} {param} {name}", smtpd.label()));
                finding.label("every client's name is unknown here");
                if let Some(lookup) = lookup {
                    finding.secondary(lookup.value_span, "client names are not looked up");
                }
                finding.help(format!(
                    "With smtpd_peername_lookup = no, smtpd sets every client's name to \
                     `unknown` without asking DNS, and {name} rejects an unknown name: every \
                     client that no earlier entry permits is refused ({code}, \"cannot find \
                     your hostname\"), which on port 25 is all mail from other servers. Remove \
                     {name}, or look names up again (delete `smtpd_peername_lookup = no`)."
                ));
            }
        }
    }
}
