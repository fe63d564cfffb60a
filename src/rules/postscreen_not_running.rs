//! postscreen settings in main.cf while master.cf runs no postscreen: port 25 goes straight to
//! smtpd, and the DNSBL, access list and greeting tests the settings describe never run.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::params::Definition;
use crate::model::values::program_of;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "postscreen-not-running",
    severity: Severity::Warning,
    summary:
        "postscreen is configured in main.cf, but master.cf runs no postscreen: its tests never run",
    doc: include_str!("../../rules/postscreen-not-running.md"),
    undecided: super::always_decides,
    check,
};

/// Whether a postscreen setting turns a test on (the defaults turn none on): DNSBL sites, an
/// action other than `ignore` for the greeting test, and the deep protocol tests. An access
/// list alone is not counted: it is what stays behind when postscreen was turned off on
/// purpose (a survey found one beside the commented-out postscreen entry).
fn turns_a_test_on(def: &Definition) -> bool {
    let value = def.value.trim_ascii();
    match def.name.as_str() {
        "postscreen_dnsbl_sites" => !value.is_empty(),
        "postscreen_greet_action" => !value.eq_ignore_ascii_case("ignore"),
        "postscreen_pipelining_enable"
        | "postscreen_non_smtp_command_enable"
        | "postscreen_bare_newline_enable" => value.eq_ignore_ascii_case("yes"),
        _ => false,
    }
}

fn check(model: &Model, out: &mut Findings) {
    // Without master.cf postlint cannot tell what runs.
    if !model.master.is_known() {
        return;
    }
    if model
        .master
        .services
        .iter()
        .any(|s| program_of(&s.command) == "postscreen" && !s.disabled)
    {
        return;
    }
    // A command a template or an installer fills in (`{{ smtp_cmd }}`) may be postscreen.
    if model.master.services.iter().any(|s| {
        s.command.contains(['{', '$', '<', '%', '@'])
            || !crate::parse::placeholder::find(&s.command).is_empty()
            || super::templated_line(model, s.command_span)
    }) {
        return;
    }
    let defs = model.params.definitions();
    // The last definition of each name is the one in effect; a template's conditional line
    // may be absent.
    let in_effect = |d: &&Definition| {
        !d.conditional
            && model
                .params
                .get(&d.name)
                .is_some_and(|last| std::ptr::eq(last, *d))
    };
    let set: Vec<&Definition> = defs
        .iter()
        .filter(|d| d.name.starts_with("postscreen_"))
        .filter(in_effect)
        .collect();
    let Some(first) = set.iter().find(|d| turns_a_test_on(d)) else {
        return;
    };
    // A value postlint cannot know (a template expression, a placeholder) is no decision.
    if first.value.contains('$') || !crate::parse::placeholder::find(&first.value).is_empty() {
        return;
    }
    let on: Vec<&str> = set
        .iter()
        .filter(|d| turns_a_test_on(d))
        .map(|d| d.name.as_str())
        .collect();
    let listed = match on.len() {
        1 => format!("{} is set", on[0]),
        2 => format!("{} and {} are set", on[0], on[1]),
        n => format!("{}, {} and {} more are set", on[0], on[1], n - 2),
    };
    let turned_off = model
        .master
        .services
        .iter()
        .any(|s| program_of(&s.command) == "postscreen");
    let port25 = model.master.services.iter().find(|s| {
        !s.disabled
            && s.kind == "inet"
            && program_of(&s.command) == "smtpd"
            && matches!(crate::model::listen::port_of(s), "smtp" | "25")
    });
    let finding = out.report(
        first.value_span,
        format!(
            "{listed}, but master.cf runs no postscreen: {}, and none of these tests runs",
            match (port25, turned_off) {
                (_, true) => "master_service_disable turns its entry off",
                (Some(_), false) => "port 25 goes straight to smtpd",
                (None, false) => "no service reads these settings",
            }
        ),
    );
    finding.subject("postscreen settings without postscreen");
    finding.label("postscreen is not running");
    if let Some(service) = port25 {
        finding.secondary(service.command_span, "port 25 is smtpd, not postscreen");
    }
    finding.help(
        "Run postscreen on port 25 and hand the clients that pass to smtpd, as \
         POSTSCREEN_README describes: replace `smtp inet n - y - - smtpd` with `smtp inet n - \
         y - 1 postscreen`, `smtpd pass - - y - - smtpd`, `dnsblog unix - - y - 0 dnsblog` and \
         `tlsproxy unix - - y - 0 tlsproxy`. Or, if the tests are not wanted, remove the \
         postscreen_ settings (smtpd's own checks are reject_rbl_client in \
         smtpd_recipient_restrictions).",
    );
}
