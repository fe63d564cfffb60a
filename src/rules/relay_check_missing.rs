//! An smtpd service whose relay and recipient restrictions both lack a working
//! reject_unauth_destination (or defer_unauth_destination, reject, defer, defer_if_permit):
//! smtpd refuses to start (`has_required()` in smtpd_check.c).

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::{has_required, smtpd_processes, Answer, RELAY_REQUIRED};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "relay-check-missing",
    severity: Severity::Error,
    summary: "neither the relay nor the recipient restrictions of an smtpd service stop relaying: smtpd refuses to start",
    doc: include_str!("../../rules/relay-check-missing.md"),
    undecided: |model| model.release_in_doubt() && !stops_before_2_10(model),
    check,
};

const FATAL: &str =
    "fatal: in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, \
    specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, \
    reject, defer, defer_if_permit or check_relay_domains";

/// main.cf is documented for a release before 2.10, which has no smtpd_relay_restrictions, and
/// writes smtpd_recipient_restrictions: where that list lacks the check, smtpd stops on that
/// release as on Postfix 3 at level 0.
fn stops_before_2_10(model: &Model) -> bool {
    model.params.get("smtpd_recipient_restrictions").is_some()
        && model
            .documented
            .as_ref()
            .is_some_and(|d| d.asked < crate::model::version::Release::new(2, 10))
}

fn check(model: &Model, out: &mut Findings) {
    // Postfix 2.x reads these lists with its own defaults (before 2.10,
    // `smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination`; in 2.10
    // and 2.11 a safe smtpd_relay_restrictions whatever the level): postlint's are 3.x's.
    if model.target.asked < crate::model::version::Release::new(3, 0) {
        return;
    }
    // Services that fail with the same lists, from the same lines, get one finding.
    let mut reported: Vec<(Option<Span>, Option<Span>)> = Vec::new();
    for smtpd in smtpd_processes(model) {
        // A service inside a template's `{% if %}` or `{% for %}` may not be there.
        if smtpd.service.is_some_and(|s| {
            model
                .sources
                .get(s.name_span.file)
                .is_conditional(s.name_span.start)
        }) {
            continue;
        }
        let (Some(relay), Some(recipient)) = (
            smtpd.list(model, "smtpd_relay_restrictions"),
            smtpd.list(model, "smtpd_recipient_restrictions"),
        ) else {
            continue;
        };
        let (relay_answer, relay_permit) = has_required(&smtpd, &relay, RELAY_REQUIRED);
        let (recipient_answer, recipient_permit) = has_required(&smtpd, &recipient, RELAY_REQUIRED);
        if relay_answer != Answer::No || recipient_answer != Answer::No {
            continue;
        }
        let relay_def = smtpd.definition(model, "smtpd_relay_restrictions");
        let recipient_def = smtpd.definition(model, "smtpd_recipient_restrictions");
        // Before 3.3 an unset smtpd_relay_restrictions is `permit_mynetworks,
        // permit_sasl_authenticated, defer_unauth_destination` at every level (mail_params.h
        // of 3.0 to 3.2; 3.3 made it depend on compatibility_level): smtpd starts.
        // Postfix 2.x (asked for, or named by main.cf's documentation paths) has a relay list
        // by default and no compatibility_level.
        // Before 2.10 there is no smtpd_relay_restrictions: a written smtpd_recipient_restrictions
        // without the check stops smtpd there too (smtpd_check.c of 2.6 to 2.9), so a main.cf
        // documented for such a release stops whichever Postfix runs it (survey AF3).
        use crate::model::version::Release;
        if relay_def.is_none()
            && (model.target.asked < Release::new(3, 3)
                || (model.release_in_doubt()
                    && !(recipient_def.is_some() && stops_before_2_10(model))))
        {
            continue;
        }
        let key = (
            relay_def.map(|d| d.value_span),
            recipient_def.map(|d| d.value_span),
        );
        if reported.contains(&key) {
            continue;
        }
        let primary = super::setting_span(model, relay_def.or(recipient_def).map(|d| d.value_span));
        let label = smtpd.label();
        let who = match smtpd.service {
            Some(_) => format!("smtpd ({label})"),
            None => "smtpd".to_string(),
        };
        let finding = out.report(
            primary,
            format!(
                "{who} stops when it starts: neither smtpd_relay_restrictions nor smtpd_recipient_restrictions has a working reject_unauth_destination"
            ),
        );
        finding.subject(format!("{label} relay check"));
        finding.label(FATAL);
        if let (Some(def), true) = (recipient_def, relay_def.is_some()) {
            finding.secondary(
                def.value_span,
                "smtpd_recipient_restrictions has none either",
            );
        }
        for (permit, list) in [
            (relay_permit, "smtpd_relay_restrictions"),
            (recipient_permit, "smtpd_recipient_restrictions"),
        ] {
            if let Some(span) = permit {
                finding.secondary(
                    span,
                    format!("`permit` ends {list} here: nothing after it counts"),
                );
            }
        }
        // A list whose next lines lost their indent (`smtpd_recipient_restrictions =
        // permit_mynetworks,`, then `reject_unauth_destination,` in column 1): the check is
        // there, but Postfix reads that line as a setting of its own and stops at it.
        if let Some(bad) = unindented_continuation(model, [relay_def, recipient_def]) {
            finding.secondary(
                bad.span,
                "starts in column 1: a new setting to Postfix, not part of the list",
            );
            finding.help(format!(
                "Line {} goes on with the list but starts in column 1. Postfix reads a line \
                 that starts with a letter as a new setting and stops at it (\"missing '=' \
                 after attribute name\"), so the list ends before it. Indent every line that \
                 continues the list (a space or a tab first); the reject_unauth_destination \
                 on it then counts.",
                bad.line
            ));
            reported.push(key);
            continue;
        }
        if relay_def.is_none() {
            // Neither list written, and no release named: a main.cf of Postfix 2.x, whose
            // defaults stopped relaying, that meets Postfix 3's. Say how to lint it for 2.x.
            let legacy = match (recipient_def, &model.target.origin) {
                (None, crate::model::version::Origin::Newest) => {
                    " This main.cf sets neither list, as one written for Postfix 2.x may: there \
                     the defaults stopped relaying, and Postfix 3 stops instead. If the server \
                     still runs Postfix 2.x, lint it for that release (--postfix-version 2.11)."
                        .to_string()
                }
                _ => String::new(),
            };
            // Postfix 3.3 to 3.5 read the level as a whole number.
            let level = match model.target.asked < crate::model::version::Release::new(3, 6) {
                true => "2",
                false => "3.6",
            };
            finding.help(format!(
                "Below compatibility level 1, smtpd_relay_restrictions is empty by default, so \
                 smtpd_recipient_restrictions must stop relaying. Add \
                 `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, \
                 defer_unauth_destination`, or set compatibility_level = {level}. \
                 smtpd checks this because a list without it makes the server an open relay.\
                 {legacy}"
            ));
        } else {
            finding.help(
                "Add reject_unauth_destination after the permits that should relay (usually \
                 `permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination`). \
                 smtpd checks this when it starts because a list without it makes the server an \
                 open relay; until it is fixed, the service accepts no mail.",
            );
        }
        reported.push(key);
    }
}

/// The first of the lines right after one of the lists' definitions that Postfix could not
/// read (one after the other, nothing between them) that holds a relay check: the list's
/// next lines, written without their indent.
fn unindented_continuation<'m>(
    model: &'m Model,
    defs: [Option<&crate::model::params::Definition>; 2],
) -> Option<&'m crate::model::BadLine> {
    defs.into_iter().flatten().find_map(|def| {
        let file = def.value_span.file;
        let text = model.sources.text(file);
        let mut end = def.value_span.end as usize;
        // main.cf's bad lines, in file order: the first after the definition is found by a
        // binary search, so that many services with failing lists cost no walk each.
        let bad_lines = &model.main_cf_bad_lines;
        let first = bad_lines.partition_point(|b| (b.span.start as usize) < end);
        for bad in bad_lines[first..].iter().filter(|b| b.span.file == file) {
            let start = bad.span.start as usize;
            let next = text
                .get(end..start)
                .is_some_and(|between| between.trim().is_empty() && between.contains('\n'));
            if !next {
                return None;
            }
            let checks = model
                .sources
                .slice(bad.span)
                .split([',', ' ', '\t'])
                .any(|w| RELAY_REQUIRED.contains(&w.trim()));
            if checks {
                return Some(bad);
            }
            end = bad.span.end as usize;
        }
        None
    })
}
