//! A pipe(8) service that can take one recipient per delivery while its transport gets
//! several: flag D or O (Delivered-To:, X-Original-To: for the one recipient; pipe(8) defers
//! every such delivery with "4.3.5 mail system configuration error"), a per-recipient macro
//! (`${recipient}`, which pipe repeats once per recipient) with fixed arguments after it, which
//! then shift, or a command that reads one recipient (Dovecot's LDA, maildrop, Mailman's
//! postfix-to-mailman.py, Schleuder, Sympa's queue).

use super::undefined_service::{transport_of, TABLES, TRANSPORTS};
use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::{service_definition, service_value};
use crate::model::values::program_of;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "pipe-recipient-limit",
    severity: Severity::Error,
    summary: "a pipe service that takes one recipient (flag D or O, its command's arguments) whose transport delivers several at once",
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

/// The macros pipe(8) expands once per recipient: an argument that holds one becomes as many
/// arguments as the delivery has recipients (pipe.c, `cmd_flags[]` and `expand_argv()`).
const PER_RECIPIENT: &[&str] = &[
    "recipient",
    "original_recipient",
    "user",
    "extension",
    "mailbox",
    "domain",
];

/// The per-recipient macro an argument names (`$user`, `${recipient}`, `$(mailbox)`,
/// `${extension?+$extension}`), if any.
fn per_recipient_macro(arg: &str) -> Option<&'static str> {
    let mut rest = arg;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let name_start = match rest.as_bytes().first() {
            Some(b'{' | b'(') => &rest[1..],
            Some(b'$') => {
                rest = &rest[1..]; // `$$` is a literal dollar
                continue;
            }
            _ => rest,
        };
        let len = name_start
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if let Some(&name) = PER_RECIPIENT.iter().find(|&&m| m == &name_start[..len]) {
            return Some(name);
        }
    }
    None
}

/// Commands that take one recipient per run, and the documentation that says to set the
/// transport's limit to 1: the command's path and its arguments (after `argv=`).
fn one_recipient_program(command: &str) -> Option<&'static str> {
    let program = program_of(command);
    match program {
        "dovecot-lda" => Some("Dovecot's LDA"),
        "deliver" if command.contains("dovecot") => Some("Dovecot's LDA"),
        "maildrop" => Some("maildrop"),
        "postfix-to-mailman.py" => Some("Mailman's postfix-to-mailman.py"),
        "schleuder" => Some("Schleuder"),
        "queue" | "bouncequeue" | "familyqueue" if command.contains("sympa") => {
            Some("Sympa's queue program")
        }
        _ => None,
    }
}

/// Why a pipe service can take only one recipient per delivery, and where.
enum OneOnly<'a> {
    /// flags= holds D or O.
    Flag {
        span: crate::source::Span,
        flag: char,
    },
    /// A per-recipient argument with a fixed one after it.
    Shift {
        span: crate::source::Span,
        macro_name: &'static str,
        after: &'a str,
    },
    /// A command that reads one recipient.
    Program {
        span: crate::source::Span,
        macro_name: &'static str,
        what: &'static str,
    },
}

/// What pipe(8)'s command line says of the service: the argv= argument and those after it.
fn from_command<'a>(model: &'a Model, args: &[crate::source::Span]) -> Option<OneOnly<'a>> {
    let (first, rest) = args.split_first()?;
    let command = model.sources.slice(*first).get("argv=".len()..)?;
    let texts: Vec<&str> = rest.iter().map(|a| model.sources.slice(*a)).collect();
    // A template hole may be any argument: nothing is known of the command line.
    if texts
        .iter()
        .chain([&command])
        .any(|t| !crate::parse::placeholder::find(t).is_empty())
    {
        return None;
    }
    let (at, macro_name) = texts
        .iter()
        .enumerate()
        .find_map(|(i, t)| Some((i, per_recipient_macro(t)?)))?;
    if let Some(after) = texts[at..]
        .iter()
        .find(|t| per_recipient_macro(t).is_none())
    {
        return Some(OneOnly::Shift {
            span: rest[at],
            macro_name,
            after,
        });
    }
    one_recipient_program(command).map(|what| OneOnly::Program {
        span: rest[at],
        macro_name,
        what,
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
        let argv = service
            .args
            .iter()
            .position(|a| has_prefix(a, "argv="))
            .unwrap_or(service.args.len());
        let flag = service.args[..argv]
            .iter()
            .filter(|a| has_prefix(a, "flags="))
            .find_map(|a| {
                let letters = &model.sources.slice(*a)["flags=".len()..];
                let flag = ['D', 'O'].into_iter().find(|&f| letters.contains(f))?;
                Some(OneOnly::Flag { span: *a, flag })
            });
        let Some(cause) = flag.or_else(|| from_command(model, &service.args[argv..])) else {
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
        let transport = &service.name;
        let fix = format!("Add `{param} = 1` to main.cf and run `postfix reload`.");
        let finding = match cause {
            OneOnly::Flag { span, flag } => {
                let header = if flag == 'D' {
                    "Delivered-To:"
                } else {
                    "X-Original-To:"
                };
                let finding = out.report(
                    span,
                    format!(
                        "pipe flag `{flag}` needs {param} = 1, but it is {shown}: a message with \
                         several recipients on transport {transport} is deferred (\"4.3.5 mail \
                         system configuration error\")"
                    ),
                );
                finding.subject(format!("{} {flag}", service.label()));
                finding.label(format!("flag {flag} adds one {header} header per delivery"));
                finding.help(format!(
                    "{fix} pipe(8) writes the {header} header for a single recipient; given \
                     several in one delivery, it logs \"pipe flag `{flag}' requires {param} = \
                     1\" and defers the message, again at every retry."
                ));
                finding
            }
            OneOnly::Shift {
                span,
                macro_name,
                after,
            } => {
                let finding = out.report(
                    span,
                    format!(
                        "pipe repeats this argument once per recipient, and `{after}` comes \
                         after it: with {param} at {shown}, a delivery to several recipients on \
                         transport {transport} shifts the command's arguments"
                    ),
                );
                finding.subject(format!("{} ${{{macro_name}}}", service.label()));
                finding.label(format!("${{{macro_name}}}: one argument per recipient"));
                finding.help(format!(
                    "{fix} pipe(8) expands an argument that holds ${{{macro_name}}} into as many \
                     arguments as the delivery has recipients, so with two the command reads the \
                     second recipient where it expects `{after}`; mail is misdelivered, bounced \
                     or lost for every recipient but the first. Single-recipient mail works, so \
                     tests pass. Alternatively put the per-recipient arguments last, if the \
                     command takes several recipients there."
                ));
                finding
            }
            OneOnly::Program {
                span,
                macro_name,
                what,
            } => {
                let finding = out.report(
                    span,
                    format!(
                        "{what} takes one recipient per run, but {param} is {shown}: a delivery \
                         to several recipients on transport {transport} hands it all of them"
                    ),
                );
                finding.subject(format!("{} ${{{macro_name}}}", service.label()));
                finding.label(format!("${{{macro_name}}}: one argument per recipient"));
                finding.help(format!(
                    "{fix} pipe(8) expands ${{{macro_name}}} into as many arguments as the \
                     delivery has recipients; this command reads the first and fails or ignores \
                     the rest, so mail is bounced or lost for every recipient but the first \
                     (its documentation sets the limit to 1). Single-recipient mail works, so \
                     tests pass."
                ));
                finding
            }
        };
        if let Some(d) = service_definition(model, qmgr, source) {
            finding.secondary(d.value_span, "the limit the queue manager uses");
        }
    }
}
