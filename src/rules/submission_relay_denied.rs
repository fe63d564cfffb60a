//! A submission port (587, 465) where users log in, whose relay or recipient list refuses them
//! mail for other domains: the relay check comes before any `permit_sasl_authenticated`, often
//! because the service takes main.cf's lists, written for port 25. Every message a user sends
//! to another domain gets "554 5.7.1 Relay access denied".

use std::collections::HashMap;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::listen::{port_of, reach, Reach};
use crate::model::relay::refuses_users_relaying;
use crate::model::restrictions::{smtpd_processes, starts};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "submission-relay-denied",
    severity: Severity::Error,
    summary: "a submission port where users log in refuses them mail for other domains (Relay access denied)",
    doc: include_str!("../../rules/submission-relay-denied.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    // The refusing restriction, the services it refuses users on, and whether only users
    // who come over IPv6 are refused there (mynetworks holds every IPv4 address).
    type Refused<'m> = (
        Span,
        String,
        String,
        Vec<&'m crate::model::master::Service>,
        bool,
    );
    let mut refused: Vec<Refused> = Vec::new();
    let mut at: HashMap<Span, usize> = HashMap::new();
    for smtpd in smtpd_processes(model) {
        let Some(service) = smtpd.service else {
            continue;
        };
        // Submission ports only: port 25 may offer AUTH and leave relaying to them.
        let port = port_of(service);
        if service.kind != "inet"
            || !matches!(port, "submission" | "587" | "submissions" | "smtps" | "465")
            || reach(model, Some(service)) == Reach::Local
        {
            continue;
        }
        if !smtpd
            .value(model, "smtpd_sasl_auth_enable")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"))
        {
            continue;
        }
        // A service that cannot start is relay-check-missing's.
        if !starts(model, &smtpd) {
            continue;
        }
        let Some(steps) = refuses_users_relaying(model, &smtpd) else {
            continue;
        };
        let Some(last) = steps.last() else {
            continue;
        };
        // A main.cf with installer placeholders is a template its installer completes, and
        // may add to: i-MSCP's puts permit_sasl_authenticated after permit_mynetworks in
        // main.cf's lists when it sets up SASL. Only a service's own list decides there.
        if service.override_of(&last.stage).is_none() && model.from_installer() {
            continue;
        }
        let span = last.span.unwrap_or(service.name_span);
        let v6 = crate::model::relay::outsiders_only_ipv6(model, &smtpd);
        match at.get(&span) {
            Some(&i) => {
                refused[i].3.push(service);
                refused[i].4 &= v6;
            }
            None => {
                at.insert(span, refused.len());
                refused.push((
                    span,
                    last.stage.clone(),
                    last.word.clone(),
                    vec![service],
                    v6,
                ));
            }
        }
    }
    for (span, stage, word, services, v6) in refused {
        let names: Vec<String> = services.iter().map(|s| s.label()).collect();
        let finding = out.report(
            span,
            format!(
                "users who log in on {}{} cannot send mail to other domains: {stage} reaches `{word}` before any permit_sasl_authenticated{}",
                names.join(" and "),
                if v6 { " over IPv6" } else { "" },
                if v6 { " (mynetworks holds every IPv4 address)" } else { "" },
            ),
        );
        finding.subject(names.join(", "));
        finding.label("refuses logged-in users: Relay access denied");
        for service in &services {
            let enabled = match service.override_of("smtpd_sasl_auth_enable") {
                Some(_) => "users log in here (-o smtpd_sasl_auth_enable=yes)",
                None => "users log in here (smtpd_sasl_auth_enable = yes)",
            };
            finding.secondary(service.name_span, enabled);
        }
        finding.help(format!(
            "smtpd evaluates {stage} for every recipient, and a user who logs in from home or a \
             phone is not in mynetworks: without permit_sasl_authenticated before `{word}`, each \
             message to another domain gets \"554 5.7.1 Relay access denied\". Give the service \
             its own list, as Postfix's sample master.cf does: \
             `-o smtpd_relay_restrictions=permit_sasl_authenticated,reject` under it (with \
             `-o smtpd_recipient_restrictions=` when main.cf's recipient list is the one that \
             refuses), or put permit_sasl_authenticated before `{word}` in the list."
        ));
    }
}
