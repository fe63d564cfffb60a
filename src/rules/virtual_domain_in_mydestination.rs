//! A domain that is both local (mydestination) and virtual.

use hashbrown::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::classes::{ClassKind, Membership};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "virtual-domain-in-mydestination",
    severity: Severity::Error,
    summary: "a domain is listed both in mydestination and as a virtual domain",
    doc: include_str!("../../rules/virtual-domain-in-mydestination.md"),
    undecided: Model::classes_partial,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    let local = model.class(ClassKind::Local);
    let mut seen = HashSet::new();
    for member in local.members(&model.tables) {
        if !seen.insert(member.domain) || model.misread_domains.contains(member.domain) {
            continue;
        }
        // The member must really be local (an earlier negation could exclude it).
        let Membership::Yes {
            span: local_span,
            via: local_via,
            ..
        } = local.contains(&model.tables, member.domain)
        else {
            continue;
        };
        let mut virtual_listings = Vec::new();
        for kind in [ClassKind::VirtualAlias, ClassKind::VirtualMailbox] {
            if let Membership::Yes { span, via, .. } =
                model.class(kind).contains(&model.tables, member.domain)
            {
                virtual_listings.push((kind, span, via));
            }
        }
        if virtual_listings.is_empty() {
            continue;
        }
        let names: Vec<&str> = virtual_listings.iter().map(|(k, _, _)| k.param()).collect();
        let message = format!(
            "{} is listed in mydestination and in {}",
            member.written,
            names.join(" and ")
        );
        let (local_primary, definition) = super::listing_spans(local_span, local_via);
        let primary = local_primary
            .or(virtual_listings.iter().find_map(|(_, s, _)| *s))
            .unwrap_or(model.main_cf_start());
        let finding = out.report(primary, message);
        // The domain, not the text at the primary span: moving the finding from a definition to
        // the reference that brings it in keeps the fingerprint.
        finding.subject(member.domain);
        match local_via {
            Some(_) => finding.label(format!(
                "mydestination includes {} through this reference",
                member.written
            )),
            None => finding.label(format!(
                "{} is a local domain (mydestination)",
                member.written
            )),
        };
        if let Some(definition) = definition {
            finding.secondary(definition, format!("{} comes from here", member.written));
        }
        for (kind, span, via) in &virtual_listings {
            if let Some(span) = span {
                finding.secondary(*span, format!("also listed in {}", kind.param()));
            }
            if let Some(via) = via {
                finding.secondary(
                    *via,
                    format!("{} includes it through this reference", kind.param()),
                );
            }
        }
        let effect = if virtual_listings
            .iter()
            .any(|(k, _, _)| *k == ClassKind::VirtualMailbox)
        {
            "mail for the virtual mailboxes goes to the local delivery agent and bounces as \
             \"User unknown in local recipient table\""
        } else {
            "every system account and /etc/aliases entry becomes a valid address in it"
        };
        let logged: Vec<String> = names
            .iter()
            .map(|v| {
                format!(
                    "\"do not list domain {} in BOTH mydestination and {v}\"",
                    member.written
                )
            })
            .collect();
        // virtual_alias_domains left at its default, `$virtual_alias_maps`: a catch-all key or
        // pattern there makes every domain a virtual alias domain, mydestination's too. The
        // setting to change is then virtual_alias_domains, not mydestination.
        let by_default = virtual_listings
            .iter()
            .any(|(k, _, _)| *k == ClassKind::VirtualAlias)
            && model.params.get("virtual_alias_domains").is_none();
        let d = &member.written;
        let fix = match by_default {
            true => format!(
                "virtual_alias_domains is not set, so it is `$virtual_alias_maps`, and that \
                 table answers for {d}. If {d} is meant to be a virtual alias domain, remove it \
                 from mydestination. If it is meant to stay a local domain, set \
                 `virtual_alias_domains` to the domains that are only aliases (empty when there \
                 are none): virtual_alias_maps still rewrites addresses in every domain."
            ),
            false => format!(
                "Remove {d} from mydestination (for a host that only serves virtual domains, \
                 mydestination = localhost is enough)."
            ),
        };
        finding.help(format!(
            "Postfix checks mydestination first, so {d} is treated as a local domain: {effect}. \
             trivial-rewrite logs {logged}. {fix}",
            logged = logged.join(" and ")
        ));
    }
}
