//! A pipe(8) service with flag D or O (Delivered-To:, X-Original-To: for the one recipient)
//! whose transport gets several recipients per delivery: pipe(8) defers every such delivery
//! with "4.3.5 mail system configuration error", so mail with several recipients on that
//! transport never leaves the queue.

use super::undefined_service::{transport_of, TABLES, TRANSPORTS};
use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::{service_definition, service_value};
use crate::model::values::program_of;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "pipe-recipient-limit",
    severity: Severity::Error,
    summary: "a pipe service with flag D or O whose transport delivers several recipients at once: pipe defers that mail",
    doc: include_str!("../../rules/pipe-recipient-limit.md"),
    undecided: super::always_decides,
    check,
};

/// Transports local(8) hands its mail to, one recipient per request (`deliver_pass()` in
/// local/mailbox.c and local/unknown.c): there the limit is never reached.
const ONE_AT_A_TIME: &[&str] = &[
    "mailbox_transport",
    "mailbox_transport_maps",
    "fallback_transport",
    "fallback_transport_maps",
];

/// Whether the configuration is seen to use the transport `name` for several recipients at
/// once (not only through local(8), [`ONE_AT_A_TIME`]): a transport parameter (its
/// default included) in main.cf or in a master.cf `-o`, or a value of a transport table
/// postlint can read. A pipe service named nowhere (Debian's stock `maildrop`, with flag D)
/// carries no mail, and one named only where postlint cannot look is left alone. Asked only
/// for a service that would be reported, so the tables are walked only then, and stop at the
/// first use.
fn is_used(model: &Model, name: &str) -> bool {
    let names = |value: Option<&str>| value.and_then(transport_of) == Some(name);
    let several = |param: &str| !ONE_AT_A_TIME.contains(&param);
    TRANSPORTS
        .iter()
        .filter(|p| several(p))
        .any(|param| names(service_value(model, None, param).as_deref()))
        || model.master.services.iter().any(|service| {
            service
                .effective_overrides()
                .filter(|d| TRANSPORTS.contains(&d.name.as_str()) && several(&d.name))
                .any(|d| names(service_value(model, Some(service), &d.name).as_deref()))
        })
        || TABLES.iter().filter(|p| several(p)).any(|param| {
            let listed = model.maps(param).tables;
            model
                .tables
                .known_entry_tables_of(&listed)
                .into_iter()
                .filter_map(|id| model.tables.get(id).entries())
                .any(|entries| entries.iter().any(|e| names(Some(e.value))))
        })
}

fn check(model: &Model, out: &mut Findings) {
    // The queue manager decides how many recipients a delivery gets, with its own settings:
    // main.cf, and its own `-o` overrides.
    let qmgr = model
        .master
        .services
        .iter()
        .find(|s| matches!(program_of(&s.command), "qmgr" | "oqmgr"));
    for service in model.master.running() {
        if service.kind != "unix" || program_of(&service.command) != "pipe" {
            continue;
        }
        // pipe(8)'s attributes come before argv=; what follows is the command's. Each
        // flags= adds its letters (pipe.c), and attribute names are matched in any case.
        let has_prefix = |span: &crate::source::Span, prefix: &str| {
            model
                .sources
                .slice(*span)
                .get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        };
        let Some((flags, flag)) = service
            .args
            .iter()
            .take_while(|a| !has_prefix(a, "argv="))
            .filter(|a| has_prefix(a, "flags="))
            .find_map(|a| {
                let letters = &model.sources.slice(*a)["flags=".len()..];
                let flag = ['D', 'O'].into_iter().find(|&f| letters.contains(f))?;
                Some((a, flag))
            })
        else {
            continue;
        };
        let param = format!("{}_destination_recipient_limit", service.name);
        // Unset, it is $default_destination_recipient_limit (postconf_service.c).
        let written = service_definition(model, qmgr, &param).is_some();
        let source = if written {
            param.as_str()
        } else {
            "default_destination_recipient_limit"
        };
        let Some(limit) = service_value(model, qmgr, source) else {
            continue; // unknown
        };
        let Ok(limit) = limit.parse::<u64>() else {
            continue; // invalid-value's business
        };
        if limit == 1 || !is_used(model, &service.name) {
            continue;
        }
        let shown = if limit == 0 {
            "0 (no limit)".to_string()
        } else {
            limit.to_string()
        };
        let header = if flag == 'D' {
            "Delivered-To:"
        } else {
            "X-Original-To:"
        };
        let finding = out.report(
            *flags,
            format!(
                "pipe flag `{flag}` needs {param} = 1, but it is {shown}: a message with several \
                 recipients on transport {} is deferred (\"4.3.5 mail system configuration error\")",
                service.name
            ),
        );
        finding.subject(format!("{} {flag}", service.label()));
        finding.label(format!("flag {flag} adds one {header} header per delivery"));
        if let Some(d) = service_definition(model, qmgr, source) {
            finding.secondary(d.value_span, "the limit the queue manager uses");
        }
        finding.help(format!(
            "Add `{param} = 1` to main.cf and run `postfix reload`. pipe(8) writes the {header} \
             header for a single recipient; given several in one delivery, it logs \"pipe flag \
             `{flag}' requires {param} = 1\" and defers the message, again at every retry."
        ));
    }
}
