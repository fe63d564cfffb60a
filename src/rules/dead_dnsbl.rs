//! A DNS blocklist or allowlist that has shut down, still queried.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::dnsbl::{queries, shown, zone, Status};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "dead-dnsbl",
    severity: Severity::Warning,
    summary: "a DNS blocklist or allowlist that has shut down is still queried",
    doc: include_str!("../../rules/dead-dnsbl.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    // One finding per list in one setting: `dnsbl.sorbs.net=127.0.0.10*8
    // dnsbl.sorbs.net=127.0.0.5*6 ...` (one weight per reply code) is one list to remove, and
    // the other entries are shown with the first (survey AF1, cybergate-services/openemail).
    let mut groups: Vec<Vec<crate::model::dnsbl::Query>> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    for query in queries(model) {
        let key = format!(
            "{}\0{}\0{}\0{}",
            shown(&query.zone).to_ascii_lowercase(),
            query.via,
            query.param,
            query.span.file.0
        );
        match index.get(&key) {
            Some(&i) => groups[i].push(query),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![query]);
            }
        }
    }
    for group in groups {
        let query = &group[0];
        let Some(z) = zone(&query.zone).filter(|z| z.status == Status::Dead) else {
            continue;
        };
        let now = match z.behaviour {
            "lists-everything" => {
                if query.via.starts_with("permit_") {
                    "it answers every query as listed, so this accepts every client"
                } else {
                    "it answers every query as listed, which rejects all mail"
                }
            }
            "no-answer" => {
                "its name servers do not answer, so every query waits for the DNS timeout"
            }
            "nxdomain" => "the zone is gone and lists nothing",
            _ => "what it answers now is not known",
        };
        let finding = out.report(
            query.span,
            format!("{} has shut down ({}): {now}", shown(&query.zone), z.since),
        );
        finding.subject(shown(&query.zone).to_ascii_lowercase());
        finding.label(query.label());
        for again in &group[1..] {
            finding.secondary(again.span, "the same list again");
        }
        let replacement = z
            .replacement
            .strip_prefix("remove")
            .unwrap_or(z.replacement);
        let hint = replacement.trim_start_matches(';').trim_ascii();
        let entries = match group.len() {
            1 => "this list",
            _ => "this list (every entry of it here)",
        };
        finding.help(format!(
            "Remove {entries}{}. Source: {}",
            if hint.is_empty() {
                String::new()
            } else {
                format!(" ({hint})")
            },
            z.source
        ));
    }
}
