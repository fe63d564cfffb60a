//! The rules: plain data and a function each, in one registry sorted by id.

mod catch_all_alias;
mod domain_in_multiple_classes;
mod maildir_trailing_slash;
mod missing_role_alias;
mod stale_map;
mod virtual_domain_in_mydestination;

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
}

/// Every rule, sorted by id.
pub static RULES: &[Rule] = &[
    catch_all_alias::RULE,
    domain_in_multiple_classes::RULE,
    maildir_trailing_slash::RULE,
    missing_role_alias::RULE,
    stale_map::RULE,
    virtual_domain_in_mydestination::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Runs the given rules over the model; findings come back sorted by file and offset.
pub fn run(model: &Model, rules: &[&'static Rule]) -> Vec<Finding> {
    let mut all = Vec::new();
    for rule in rules {
        let mut findings = Findings::new(rule.id, rule.severity);
        (rule.check)(model, &mut findings);
        all.extend(findings.list);
    }
    all.sort_by(|a, b| {
        (
            a.primary.span.file,
            a.primary.span.start,
            a.rule,
            &a.message,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                b.rule,
                &b.message,
            ))
    });
    all
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
