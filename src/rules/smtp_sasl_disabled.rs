//! smtp_sasl_password_maps holds credentials, but no smtp client of the setup has SASL on
//! (`smtp_sasl_auth_enable` defaults to `no`): the client never logs in, and a relay that
//! wants a login refuses the mail.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::service_value;
use crate::model::values::smtp_clients;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "smtp-sasl-disabled",
    severity: Severity::Warning,
    summary: "smtp_sasl_password_maps is set but smtp_sasl_auth_enable is off for every smtp client: it never logs in",
    doc: include_str!("../../rules/smtp-sasl-disabled.md"),
    // The password maps or a client's flag unknown (a template expression, a set-up script):
    // the client may never log in.
    undecided: |model| verdict(model) == Verdict::Unknown,
    check,
};

#[derive(PartialEq)]
enum Verdict {
    /// Credentials no smtp client reads.
    NeverRead,
    /// A client logs in, or there is nothing to log in with (or nothing to report).
    Fine,
    /// What it depends on is unknown.
    Unknown,
}

fn verdict(model: &Model) -> Verdict {
    if model.params.get("smtp_sasl_password_maps").is_none() {
        return Verdict::Fine;
    }
    // `smtp_sasl_auth_enable = no` written out is a choice (the credentials kept for later,
    // a relay that trusts the address): only the forgotten setting is reported.
    if model.params.get("smtp_sasl_auth_enable").is_some() {
        return Verdict::Fine;
    }
    match service_value(model, None, "smtp_sasl_password_maps") {
        None => return Verdict::Unknown,
        Some(v) if v.is_empty() => return Verdict::Fine,
        Some(_) => {}
    }
    // Every smtp client, as it reads the flag (its -o overrides included). None at all:
    // nothing delivers over SMTP.
    if smtp_clients(model).is_empty() {
        return Verdict::Fine;
    }
    match crate::model::values::smtp_sasl_on(model) {
        Some(true) => Verdict::Fine,
        Some(false) => Verdict::NeverRead,
        None => Verdict::Unknown,
    }
}

fn check(model: &Model, out: &mut Findings) {
    if verdict(model) != Verdict::NeverRead {
        return;
    }
    let Some(maps) = model.params.get("smtp_sasl_password_maps") else {
        return;
    };
    let finding = out.report(
        maps.name_span,
        "smtp_sasl_password_maps is set, but smtp_sasl_auth_enable is not: the smtp client never \
         logs in with these credentials"
            .to_string(),
    );
    finding.subject("smtp_sasl_password_maps without smtp_sasl_auth_enable");
    finding.label("never read: smtp_sasl_auth_enable is not set, and defaults to no");
    finding.help(
        "The smtp client reads smtp_sasl_password_maps only with `smtp_sasl_auth_enable = yes` \
         (the default is no). A relay that wants a login then refuses each message (`530 5.7.0 \
         Authentication required`, `554 Relay access denied`), and the mail stays in the queue \
         or bounces. Add `smtp_sasl_auth_enable = yes` (and `smtp_tls_security_level = encrypt`, \
         so that the password is not sent in clear), or remove smtp_sasl_password_maps if no \
         relay needs it.",
    );
}
