//! A domain in more than one of the virtual alias, virtual mailbox and relay classes.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::{ClassKind, Membership, SeenDomains};
use crate::model::{Model, Resolved};
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "domain-in-multiple-classes",
    severity: Severity::Error,
    summary: "a domain is listed in more than one of the virtual alias, virtual mailbox and relay classes",
    doc: include_str!("../../rules/domain-in-multiple-classes.md"),
    undecided: Model::classes_partial,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    let virtual_classes = [ClassKind::VirtualAlias, ClassKind::VirtualMailbox];
    let mut seen = SeenDomains::for_classes(&model.classes, &model.tables, &virtual_classes);
    let candidates = virtual_classes.into_iter().flat_map(|class| {
        model
            .class(class)
            .numbered_members(&model.tables)
            .map(move |(slot, member)| (class, slot, member))
    });
    for (class, slot, member) in candidates {
        if !seen.first(class, slot, member.domain) || model.misread_domains.contains(member.domain)
        {
            continue;
        }
        // The first class that holds the domain, from the model's memo: the classes before it
        // need no matching. Local domains are rule virtual-domain-in-mydestination's; an
        // unknown class on the way (the local one included) means Postfix might resolve the
        // domain otherwise, so nothing can be said.
        // A virtual mailbox domain behind a virtual alias class postlint cannot read in full
        // (an SQL table): whichever class Postfix finds it in first, it is listed in both the
        // mailbox and the relay class, and Postfix warns of a pair that holds it.
        let mut alias_unknown = false;
        let later = match model.member_class(class, slot) {
            Some(Resolved::Class(ClassKind::VirtualAlias, _)) => 0,
            Some(Resolved::Class(ClassKind::VirtualMailbox, _)) => 1,
            Some(Resolved::Class(ClassKind::Relay, _)) => 2,
            Some(Resolved::Unknown)
                if class == ClassKind::VirtualMailbox
                    && behind_unknown_aliases(model, member.domain) =>
            {
                alias_unknown = true;
                1
            }
            Some(Resolved::Class(ClassKind::Local, _) | Resolved::Unknown | Resolved::NoClass)
            | None => continue,
        };
        // The class the memo names holds the domain: there is a finding only when a later
        // one holds it too (nearly never; the listings are then worked out in full).
        let kinds = [
            ClassKind::VirtualAlias,
            ClassKind::VirtualMailbox,
            ClassKind::Relay,
        ];
        let in_later = kinds[later + 1..].iter().any(|&kind| {
            matches!(
                model.class(kind).contains(&model.tables, member.domain),
                Membership::Yes { .. }
            )
        });
        if !in_later {
            continue;
        }
        // trivial-rewrite: the first class that matches decides which pairs it warns about.
        let mut listings: Vec<(ClassKind, Option<Span>, Option<Span>)> = Vec::new();
        let mut unknown = false;
        let mut relay_parent = false;
        for kind in kinds.into_iter().skip(later) {
            match model.class(kind).contains(&model.tables, member.domain) {
                Membership::Yes { span, via, parent } => {
                    relay_parent |= kind == ClassKind::Relay && parent;
                    listings.push((kind, span, via));
                }
                Membership::Unknown if listings.is_empty() => {
                    unknown = true;
                    break;
                }
                _ => {}
            }
        }
        // Below virtual alias, only the relay pair is checked (mailbox + relay).
        if unknown || listings.len() < 2 {
            continue;
        }
        let names: Vec<&str> = listings.iter().map(|(k, _, _)| k.param()).collect();
        let message = if relay_parent {
            format!(
                "{} is listed in {} and matches relay_domains through a parent domain",
                member.written,
                names[..names.len() - 1].join(" and ")
            )
        } else {
            format!(
                "{} is listed in both {}",
                member.written,
                names.join(" and ")
            )
        };
        let (first_kind, first_span, first_via) = listings[0];
        let (first_primary, definition) = super::listing_spans(first_span, first_via);
        let primary = first_primary
            .or(listings.iter().find_map(|(_, s, _)| *s))
            .unwrap_or(model.main_cf_start());
        let finding = out.report(primary, message);
        // The domain, not the text at the primary span: moving the finding from a definition to
        // the reference that brings it in keeps the fingerprint.
        finding.subject(member.domain);
        match first_via {
            Some(_) => finding.label(format!(
                "{} includes it through this reference",
                first_kind.param()
            )),
            None => finding.label(format!("listed in {}", first_kind.param())),
        };
        if let Some(definition) = definition {
            finding.secondary(definition, format!("{} comes from here", member.written));
        }
        for (kind, span, via) in &listings[1..] {
            if let Some(span) = span {
                let label = if *kind == ClassKind::Relay && relay_parent {
                    "relay_domains matches its subdomains too".to_string()
                } else {
                    format!("also listed in {}", kind.param())
                };
                finding.secondary(*span, label);
            }
            if let Some(via) = via {
                finding.secondary(
                    *via,
                    format!("{} includes it through this reference", kind.param()),
                );
            }
        }
        let pairs: Vec<String> = listings[1..]
            .iter()
            .map(|(k, _, _)| {
                format!(
                    "\"do not list domain {} in BOTH {} and {}\"",
                    member.written,
                    first_kind.param(),
                    k.param()
                )
            })
            .collect();
        let treats = match alias_unknown {
            true => format!(
                "Unless virtual_alias_domains lists it too (postlint cannot read all of it), \
                 Postfix treats {} as a {} domain",
                member.written,
                first_kind.name().replace('_', " ")
            ),
            false => format!(
                "Postfix treats {} as a {} domain",
                member.written,
                first_kind.name().replace('_', " ")
            ),
        };
        finding.help(format!(
            "A domain belongs to exactly one address class. {treats} (it checks {} first) and \
             logs {} at run time. Remove it from all but the one class you mean.",
            first_kind.param(),
            pairs.join(" and ")
        ));
    }
}

/// Whether a domain's class is unknown only because the virtual alias class may hold it: the
/// local class (mydestination) is known not to, the alias class cannot be read in full.
fn behind_unknown_aliases(model: &Model, domain: &str) -> bool {
    matches!(
        model
            .class(ClassKind::Local)
            .contains(&model.tables, domain),
        Membership::No
    ) && matches!(
        model
            .class(ClassKind::VirtualAlias)
            .contains(&model.tables, domain),
        Membership::Unknown
    )
}
