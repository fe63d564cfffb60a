//! postscreen on a submission port (587, 465): its tests are for MTAs on port 25, and mail
//! programs on dynamic addresses fail them.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::listen::port_of;
use crate::model::values::program_of;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "postscreen-on-submission",
    severity: Severity::Warning,
    summary: "postscreen on a submission port (587, 465): it screens MTAs, and turns away users' mail programs",
    doc: include_str!("../../rules/postscreen-on-submission.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    for service in model.master.running() {
        if service.kind != "inet" || program_of(&service.command) != "postscreen" {
            continue;
        }
        let port = port_of(service);
        if !matches!(port, "submission" | "587" | "submissions" | "smtps" | "465") {
            continue;
        }
        let finding = out.report(
            service.command_span,
            format!(
                "{} runs postscreen on a submission port ({port}): postscreen is for other mail servers on port 25; users' mail programs on dynamic addresses fail its DNSBL and pregreet tests",
                service.label()
            ),
        );
        finding.subject(service.label());
        finding.label("postscreen here screens your own users");
        finding.help(
            "Run smtpd on submission ports (`submission inet n - y - - smtpd`) with SASL \
             authentication, and keep postscreen on port 25 only (POSTSCREEN_README: \
             \"postscreen(8) should not be used on SMTP ports that receive mail from \
             end-user clients (MUAs)\").",
        );
    }
}
