//! Size limits that stop a delivery agent or waste its queue: a message limit above the mailbox
//! limit of local(8) or virtual(8), an unlimited message size with a limited mailbox, and
//! queue_minfree below 1.5 times the message limit.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::ParamLookup;
use crate::model::params::expand_param;
use crate::model::values::{program_of, programs_in_use, trigger_of};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "size-limit-conflict",
    severity: Severity::Error,
    summary: "message_size_limit conflicts with a mailbox size limit or with queue_minfree",
    doc: include_str!("../../rules/size-limit-conflict.md"),
    undecided: super::always_decides,
    check,
};

/// A size parameter's value as one service sees it, and the definition it came from.
struct Size {
    value: i64,
    span: Option<Span>,
}

fn size<L: ParamLookup>(
    model: &Model,
    lookup: &L,
    name: &str,
    service: Option<&crate::model::master::Service>,
) -> Option<Size> {
    let def = service
        .and_then(|s| s.override_of(name))
        .or_else(|| model.params.get(name));
    let value = match def {
        Some(def) => {
            let expanded = expand_param(lookup, name, def.value_ref());
            if expanded.has_unknown() {
                return None;
            }
            expanded.text.trim_ascii().parse().ok()?
        }
        None => {
            let param = model.params.param(name);
            param.known()?.trim_ascii().parse().ok()?
        }
    };
    Some(Size {
        value,
        span: def.map(|d| d.value_span),
    })
}

fn check(model: &Model, out: &mut Findings) {
    let in_use = programs_in_use(model);
    let mut reported = std::collections::HashSet::new();
    for (program, limit_name) in [
        ("local", "mailbox_size_limit"),
        ("virtual", "virtual_mailbox_limit"),
    ] {
        if !in_use.contains(program) {
            continue;
        }
        // Each master.cf service that runs the agent sees main.cf and its own -o overrides.
        let services: Vec<Option<&crate::model::master::Service>> = if model.master.is_known() {
            model
                .master
                .services
                .iter()
                .filter(|s| program_of(&s.command) == program)
                .map(Some)
                .collect()
        } else {
            vec![None]
        };
        for service in services {
            let (message, limit) = match service {
                Some(s) => {
                    let scoped = model.params.scoped(s);
                    (
                        size(model, &scoped, "message_size_limit", Some(s)),
                        size(model, &scoped, limit_name, Some(s)),
                    )
                }
                None => (
                    size(model, &model.params, "message_size_limit", None),
                    size(model, &model.params, limit_name, None),
                ),
            };
            let (Some(message), Some(limit)) = (message, limit) else {
                continue;
            };
            // local(8) and virtual(8): 0 is no limit; a message limit of 0 or less is none.
            let problem = if limit.value == 0 {
                continue;
            } else if message.value <= 0 {
                format!("{limit_name} is limited but message_size_limit is unlimited")
            } else if message.value > limit.value {
                format!("{limit_name} is smaller than message_size_limit")
            } else {
                continue;
            };
            let primary = message
                .span
                .or(limit.span)
                .or_else(|| trigger_of(model, program))
                .unwrap_or(model.main_cf_start());
            if !reported.insert((primary, limit.span, program)) {
                continue;
            }
            let who = service.map_or(program.to_string(), |s| {
                format!("{program} ({})", s.label())
            });
            let finding =
                out.report(
                    primary,
                    format!(
                    "{who} stops when it starts: message_size_limit is {}, {limit_name} is {}{}",
                    shown(message.value),
                    limit.value,
                    if limit.span.is_none() { " (its default)" } else { "" }
                ),
                );
            finding.subject(format!("{program} {limit_name}"));
            finding.label(format!("fatal: configuration error: {problem}"));
            if let (Some(span), true) = (limit.span, limit.span != Some(primary)) {
                finding.secondary(span, format!("{limit_name} is set here"));
            }
            finding.help(format!(
                "{program}(8) refuses to start when a message may be larger than a mailbox may \
                 grow: no mail is delivered through it. Raise {limit_name} above \
                 message_size_limit (or set it to 0 for no limit), or lower message_size_limit."
            ));
        }
    }
    queue_minfree(model, out);
}

/// smtpd warns at start when queue_minfree is below 1.5 times message_size_limit: a full
/// disk then rejects messages it could have taken.
fn queue_minfree(model: &Model, out: &mut Findings) {
    let (Some(message), Some(minfree)) = (
        size(model, &model.params, "message_size_limit", None),
        size(model, &model.params, "queue_minfree", None),
    ) else {
        return;
    };
    if message.value <= 0
        || minfree.value <= 0
        || minfree.value as f64 >= 1.5 * message.value as f64
    {
        return;
    }
    let Some(span) = minfree.span else {
        return;
    };
    let finding = out.report(
        span,
        format!(
            "queue_minfree ({}) is less than 1.5 times message_size_limit ({})",
            minfree.value, message.value
        ),
    );
    finding.severity = Severity::Warning;
    finding.subject("queue_minfree".to_string());
    finding.label(format!(
        "smtpd logs \"warning: queue_minfree({}) should be at least 1.5*message_size_limit({})\"",
        minfree.value, message.value
    ));
    if let Some(m) = message.span {
        finding.secondary(m, "message_size_limit is set here");
    }
    finding.help(
        "smtpd refuses mail when the queue file system has less than queue_minfree bytes free; \
         below 1.5 times the largest message, a message it accepted may not fit. Set \
         queue_minfree to at least 1.5 times message_size_limit, or 0 for no check.",
    );
}

fn shown(value: i64) -> String {
    if value <= 0 {
        format!("{value} (unlimited)")
    } else {
        value.to_string()
    }
}
