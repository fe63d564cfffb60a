//! A parameter Postfix deprecates or has removed.

use super::Rule;
use crate::diagnostic::{Basis, Findings, Severity};
use crate::model::names::deprecation;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "deprecated-parameter",
    severity: Severity::Warning,
    summary: "a parameter that Postfix deprecates or has removed, with its replacement",
    doc: include_str!("../../rules/deprecated-parameter.md"),
    undecided: later_than_the_image,
    check,
};

/// Whether a deprecation came after the release the image's base packages, where the image's
/// release is only that hint (`version::Origin::ImageBase`): the image likely runs a release
/// that does not deprecate it.
fn deprecated_after_image_base(model: &Model, since: &str) -> bool {
    model.documented.as_ref().is_some_and(|doc| {
        matches!(doc.origin, crate::model::version::Origin::ImageBase { .. })
            && crate::model::version::Release::parse(since).is_some_and(|s| doc.asked < s)
    })
}

/// Undecided where a parameter set is deprecated only after the image base's release.
fn later_than_the_image(model: &Model) -> bool {
    let mut names = model
        .params
        .defined_names()
        .into_iter()
        .chain(model.script_deprecated.iter().map(|(n, _)| n.as_str()));
    names.any(|name| {
        deprecation(name).is_some_and(|d| {
            model.target.at_least(d.since) && deprecated_after_image_base(model, d.since)
        })
    })
}

fn check(model: &Model, out: &mut Findings) {
    for name in model.params.defined_names() {
        let def = model.params.get(name).expect("defined");
        report(model, &def.name, def.name_span, false, true, out);
    }
    for service in &model.master.services {
        let lmtp = crate::model::values::program_of(&service.command) == "lmtp";
        for def in &service.overrides {
            if let Some(finding) = report(model, &def.name, def.name_span, lmtp, false, out) {
                overridden_here(model, service, def, finding);
            }
        }
    }
    // `RUN postconf -e smtpd_use_tls=yes` in a Dockerfile, an entrypoint's postconf: the
    // line to change is the script's.
    for (name, span) in &model.script_deprecated {
        report(model, name, *span, false, false, out);
    }
}

/// An `-o` of a deprecated name whose replacement the service reads as set (its own `-o`, or
/// main.cf's line): the replacement wins, so the `-o` does nothing. For a TLS switch that asks
/// for more than the level that decides (`-o smtpd_enforce_tls=yes` under main.cf's
/// `smtpd_tls_security_level = may`, tine-groupware/mailstack), the service does not do what
/// its line says: the message says so.
fn overridden_here(
    model: &Model,
    service: &crate::model::master::Service,
    def: &crate::model::params::Definition,
    finding: &mut crate::diagnostic::Finding,
) {
    let Some(d) = deprecation(&def.name) else {
        return;
    };
    let (Some(r), since) = (d.replacement, d.since) else {
        return;
    };
    let (newer, place) = match service.override_of(r) {
        Some(own) => (own, "under this service"),
        None => match model.params.get(r) {
            Some(main) => (main, "in main.cf"),
            None => return,
        },
    };
    let level = newer.value.trim_ascii();
    if !set_for_sure(model, newer) || !set_for_sure(model, def) || level.contains('$') {
        return;
    }
    // In wrapper mode smtpd reads neither: TLS is required whatever they say.
    let wrapper_off = || {
        crate::model::restrictions::service_value(model, Some(service), "smtpd_tls_wrappermode")
            .is_some_and(|v| v.eq_ignore_ascii_case("no"))
    };
    if def.name.starts_with("smtpd_") && def.name.ends_with("_tls") && !wrapper_off() {
        return;
    }
    let enforce =
        def.name.ends_with("_enforce_tls") && def.value.trim().eq_ignore_ascii_case("yes");
    let weaker = matches!(level.to_ascii_lowercase().as_str(), "may" | "none");
    if enforce && weaker {
        finding.message = format!(
            "`{}` is deprecated since Postfix {since}, and has no effect here: `{r} = {level}` {place} decides, so {} does not require TLS",
            def.name,
            service.label()
        );
    } else {
        finding.message = format!(
            "`{}` is deprecated since Postfix {since}, and has no effect here: `{r}` is set {place}, and is read instead",
            def.name
        );
    }
    finding.secondary(newer.value_span, format!("`{r}` decides"));
    // The TLS switches' values map onto levels; other names have Postfix's own advice.
    let advice = match def.name.ends_with("_use_tls") || def.name.ends_with("_enforce_tls") {
        true => "(`yes` of the old switch is `encrypt`, `no` is `may`)".to_string(),
        false => format!("({})", d.note.trim_end_matches('.')),
    };
    finding.help(format!(
        "A `{r}` that is not empty takes the place of `{}` for this service: the `-o` line does \
         nothing. Write `-o {r}=...` under the service instead {advice}, and delete the old line.",
        def.name
    ));
}

/// Whether a definition is set for sure: not inside a template's `{% if %}`, to a value written
/// out (no template expression, which may be empty) and not empty.
fn set_for_sure(model: &Model, def: &crate::model::params::Definition) -> bool {
    !model
        .sources
        .get(def.name_span.file)
        .is_conditional(def.name_span.start)
        && !super::templated_line(model, def.value_span)
        && !def.value.trim_ascii().is_empty()
}

/// `in_main_cf`: the name is main.cf's own setting (not an `-o` or a script's). The finding,
/// when there is one.
fn report<'o>(
    model: &Model,
    name: &str,
    name_span: Span,
    lmtp: bool,
    in_main_cf: bool,
    out: &'o mut Findings,
) -> Option<&'o mut crate::diagnostic::Finding> {
    // What a later release deprecates is no concern of a setup for an earlier one.
    let d = deprecation(name).filter(|d| model.target.at_least(d.since))?;
    // Nor, likely, of an image whose base packages an earlier release.
    if deprecated_after_image_base(model, d.since) {
        return None;
    }
    // An lmtp(8) service reads the lmtp_ twin of an smtp_ replacement (`-o
    // disable_dns_lookups=yes` there becomes lmtp_dns_support_level, not smtp_...).
    let twin = d
        .replacement
        .filter(|_| lmtp)
        .and_then(|r| r.strip_prefix("smtp_"))
        .map(|rest| format!("lmtp_{rest}"))
        .filter(|t| crate::model::names::is_known_name(t));
    let replacement: Option<&str> = twin.as_deref().or(d.replacement);
    // "Renamed with Postfix 2.3." in Postfix's note: the old name has long been the old one.
    let renamed = d
        .note
        .split("Renamed with Postfix ")
        .nth(1)
        .map(|rest| {
            rest.trim_end_matches('.')
                .split_whitespace()
                .next()
                .unwrap_or("")
        })
        .filter(|v| !v.is_empty());
    // "This feature is not used as of Postfix 3.6": Postfix ignores the setting (it does not
    // warn about it either), which says more than "deprecated".
    // Our own notes say so as "silently ignore" (smtpd_tls_dh512_param_file).
    let unused = !d.removed
        && (d.note.starts_with("This feature is not used as of Postfix")
            || d.note.contains("silently ignore"));
    let message = match (d.removed, replacement, renamed) {
        _ if unused => format!("`{name}` has no effect since Postfix {}", d.since),
        (false, Some(r), Some(when)) => format!(
            "`{name}` was renamed `{r}` in Postfix {when} and is deprecated since Postfix {}; use `{r}` instead",
            d.since
        ),
        _ => plain_message(name, d.since, d.removed, replacement),
    };
    let finding = out.report(name_span, message);
    finding.basis(Basis::WrittenName);
    finding.label(match (d.removed, unused) {
        (true, _) => "removed",
        (false, true) => "no effect",
        (false, false) => "deprecated",
    });
    match (&twin, d.replacement) {
        (Some(twin), Some(r)) => finding.help(d.note.replace(r, twin)),
        _ => finding.help(d.note),
    };
    // The replacement set too (`smtpd_client_event_limit_exceptions` on the line above, survey
    // AF4): it wins (its default is the old name's value; a TLS level or policy table that is
    // not empty is read instead of the legacy setting), so the old line is the one to delete,
    // not to rename. An empty level leaves the legacy setting in force.
    if let Some((r, newer)) = replacement
        .filter(|_| in_main_cf)
        .and_then(|r| Some((r, model.params.get(r)?)))
        .filter(|(_, newer)| set_for_sure(model, newer))
    {
        finding.secondary(newer.name_span, format!("`{r}` is set here"));
        finding.help(format!(
            "main.cf already sets `{r}`, which takes the place of `{name}`: delete the `{name}` \
             line (its value is not used while `{r}` is set). {}",
            d.note
        ));
    }
    Some(finding)
}

fn plain_message(
    name: &str,
    since: impl std::fmt::Display,
    removed: bool,
    replacement: Option<&str>,
) -> String {
    match (removed, replacement) {
        (true, Some(r)) => format!("`{name}` was removed in Postfix {since}; use `{r}` instead"),
        (true, None) => format!("`{name}` was removed in Postfix {since}"),
        (false, Some(r)) => {
            format!("`{name}` is deprecated since Postfix {since}; use `{r}` instead")
        }
        (false, None) => format!("`{name}` is deprecated since Postfix {since}"),
    }
}
