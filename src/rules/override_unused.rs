//! A master.cf `-o name=value` whose parameter the service's program never reads: the
//! override reaches only that service's process, which ignores it, so the setting the admin
//! believes in force is not.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::daemon_params::{self, Prefix, Readers};
use crate::model::master::Service;
use crate::model::names::{deprecation, NameStatus};
use crate::model::params::Definition;
use crate::model::values::program_of;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "override-unused",
    severity: Severity::Warning,
    summary: "a master.cf `-o` setting that the service's program never reads (`-o smtp_tls_security_level` on smtpd)",
    doc: include_str!("../../rules/override-unused.md"),
    undecided,
    check,
};

/// A master.cf template may hold services postlint cannot see; text postlint cannot see in
/// main.cf may refer to any name; a program postlint does not know may read any name.
fn undecided(model: &Model) -> bool {
    let with_overrides = || {
        model
            .master
            .services
            .iter()
            .filter(|s| !s.overrides.is_empty())
    };
    model.master.open_ended
        || (model.params.is_open_ended() && with_overrides().next().is_some())
        || with_overrides().any(|s| !is_decided(program_of(&s.command)))
}

/// Programs whose reads the data decides. bounce(8) expands `$name` in its templates
/// (bounce_template_file) with any parameter of its process.
fn is_decided(program: &str) -> bool {
    daemon_params::is_daemon(program) && program != "bounce"
}

fn check(model: &Model, out: &mut Findings) {
    // A main.cf postlint cannot see (a lone master.cf, a template) may refer to a name of its
    // own, never make a program read one of Postfix's names: those are still judged, below.
    if model.master.open_ended {
        return;
    }
    // Lines under a commented-out service: orphan-override reports them as one mistake.
    let orphaned: Vec<Span> = super::orphan_override::orphan_blocks(model)
        .into_iter()
        .flat_map(|block| block.lines)
        .collect();
    for (i, service) in model.master.services.iter().enumerate() {
        let program = program_of(&service.command);
        if !is_decided(program) {
            continue;
        }
        for def in service.effective_overrides() {
            // `-o name=` clears a setting: where the program never reads it, it is off there
            // anyway, which is what the line asks for (`-o smtpd_milters= -o
            // non_smtpd_milters=` on a re-injection smtpd). Only a value can mislead.
            if def.value.trim_ascii().is_empty()
                || orphaned.iter().any(|line| {
                    let at = def.name_span;
                    line.file == at.file && line.start <= at.start && at.end <= line.end
                })
            {
                continue;
            }
            let name = def.name.as_str();
            let derived = match model.names.status(name, Some(i)) {
                NameStatus::Builtin => false,
                NameStatus::Newer(added) if model.target.at_least(added) => false,
                NameStatus::Service => true,
                // Unknown names are unknown-parameter's; user names are used by definition.
                _ => continue,
            };
            // A name the target release no longer has: deprecated-parameter says so.
            if deprecation(name).is_some_and(|d| d.removed && model.target.at_least(d.since)) {
                continue;
            }
            if daemon_params::reads(program, &service.name, name) != Some(false)
                || model.names.is_referenced(name, i)
            {
                continue;
            }
            report(service, def, program, derived, out);
        }
    }
}

/// The prefixes that say which program a parameter is for, longest first.
const PROGRAM_PREFIXES: &[&str] = &[
    "tlsproxy_client_",
    "postscreen_",
    "tlsproxy_",
    "virtual_",
    "smtpd_",
    "local_",
    "smtp_",
    "lmtp_",
];

/// The prefixes of a program's own parameters.
fn own_prefixes(program: &str) -> &'static [&'static str] {
    match program {
        "smtpd" => &["smtpd_"],
        "smtp" => &["smtp_"],
        "lmtp" => &["lmtp_"],
        "postscreen" => &["postscreen_", "smtpd_"],
        "tlsproxy" => &["tlsproxy_", "tlsproxy_client_"],
        "virtual" => &["virtual_"],
        "local" => &["local_"],
        _ => &[],
    }
}

/// The same setting for this program, when another program's prefix was used
/// (`smtp_tls_security_level` on smtpd: `smtpd_tls_security_level`).
fn same_setting_here(program: &str, service: &str, name: &str) -> Option<String> {
    let rest = PROGRAM_PREFIXES.iter().find_map(|p| name.strip_prefix(p))?;
    own_prefixes(program)
        .iter()
        .map(|own| format!("{own}{rest}"))
        .find(|candidate| {
            candidate != name
                && deprecation(candidate).is_none()
                && daemon_params::reads(program, service, candidate) == Some(true)
        })
}

/// A program in words.
fn describe(program: &str) -> String {
    let what = match program {
        "smtpd" => "the SMTP server",
        "smtp" => "the SMTP client",
        "lmtp" => "the LMTP client",
        "local" => "local delivery",
        "virtual" => "virtual mailbox delivery",
        "cleanup" => "the cleanup server",
        "trivial-rewrite" => "the address resolver",
        "qmgr" | "oqmgr" => "the queue manager",
        "master" => return "the master daemon".to_string(),
        "postfix" | "sendmail" | "postdrop" | "postqueue" | "postmulti" | "postlock"
        | "postlog" | "postsuper" | "postmap" | "postalias" | "postcat" | "postkick"
        | "posttls-finger" => return format!("the {program} command"),
        _ => return program.to_string(),
    };
    format!("{what} ({program})")
}

/// "a, b and c", with at most three names.
fn in_words_at_most_three(mut names: Vec<String>) -> String {
    if names.len() > 3 {
        let more = names.len() - 2;
        names.truncate(2);
        names.push(format!("{more} other programs"));
    }
    super::in_words(&names)
}

/// Whose setting it is: the programs whose tables hold it (else those that read it through a
/// default).
fn owners(name: &str, readers: &Readers) -> Vec<&'static str> {
    let mut owners: Vec<&'static str> = readers.tables.clone();
    if owners.is_empty() {
        owners = readers.via.iter().map(|(d, _)| *d).collect();
        owners.sort_unstable();
        owners.dedup();
    }
    // The queue manager and its old variant are one role.
    if owners.contains(&"qmgr") {
        owners.retain(|p| *p != "oqmgr");
    }
    // The program the name is prefixed for owns it (`smtpd_tls_security_level` is smtpd's,
    // though postscreen and tlsproxy read it for their defaults).
    let prefixed = |p: &str| name.starts_with(&format!("{p}_"));
    if owners.iter().any(|p| prefixed(p)) {
        owners.retain(|p| prefixed(p));
    }
    // proxymap reads table parameters only to allow their tables: it is named last.
    owners.sort_by_key(|p| *p == "proxymap");
    owners
}

fn report(service: &Service, def: &Definition, program: &str, derived: bool, out: &mut Findings) {
    let name = def.name.as_str();
    let label = service.label();
    let (owners, whose) = if derived {
        let Some((prefix, suffix, readers)) = daemon_params::derived_readers(name) else {
            return;
        };
        let owners = owners(name, readers);
        let prefix_name = &name[..name.len() - suffix.len()];
        let whose = match prefix {
            Prefix::Transport => format!(
                "a setting of {} for the transport {prefix_name}",
                in_words_at_most_three(owners.iter().map(|p| describe(p)).collect())
            ),
            Prefix::OwnService => format!(
                "read only by the process of the service {prefix_name} (when it runs {})",
                owners.join(" or ")
            ),
        };
        (owners, whose)
    } else {
        let Some(readers) = daemon_params::readers(name) else {
            return;
        };
        let owners = owners(name, readers);
        let whose = if readers.tables.is_empty() {
            let via: Vec<String> = readers
                .via
                .iter()
                .map(|(d, p)| format!("`{p}` ({d})"))
                .collect();
            format!(
                "read only through the default of {}",
                in_words_at_most_three(via)
            )
        } else {
            format!(
                "a parameter of {}",
                in_words_at_most_three(owners.iter().map(|p| describe(p)).collect())
            )
        };
        (owners, whose)
    };
    let suggestion = same_setting_here(program, &service.name, name);
    // `-o smtp_tls_security_level=none -o smtpd_tls_security_level=none`: the right one is
    // there already.
    let (suggestion, beside) = match suggestion {
        Some(s) if service.override_of(&s).is_some() => (None, Some(s)),
        other => (other, None),
    };
    let span =
        if def.name_span.file == def.value_span.file && def.name_span.start <= def.value_span.end {
            Span::new(
                def.name_span.file,
                def.name_span.start as usize,
                def.value_span.end as usize,
            )
        } else {
            def.name_span
        };
    let finding = out.report(
        span,
        format!("`{name}` is {whose}; {program}, the program of {label}, never reads it"),
    );
    finding.subject(format!("{label} {name}"));
    match &suggestion {
        Some(s) => finding.label(format!("did you mean `{s}`?")),
        None => finding.label(format!("{program} ignores this")),
    };
    finding.secondary(service.command_span, format!("{label} runs {program}"));
    let mut help = format!(
        "master.cf hands `-o` settings to this service's own {program} process only, and \
         {program} has no use for `{name}`: the setting does nothing. "
    );
    if let Some(s) = &suggestion {
        help.push_str(&format!(
            "If you meant {program}'s own setting, write `-o {s}={}`.",
            def.value
        ));
    } else if let Some(s) = &beside {
        help.push_str(&format!(
            "{program}'s own setting, `{s}`, is set on this service as well: remove this line."
        ));
    } else if let Some(reader) = owners.iter().find(|p| matches!(**p, "qmgr" | "master")) {
        let reader = describe(reader);
        let mut chars = reader.chars();
        let reader: String = chars
            .next()
            .map(|c| c.to_ascii_uppercase())
            .into_iter()
            .chain(chars)
            .collect();
        help.push_str(&format!(
            "{reader} reads it from main.cf: set it there and run `postfix reload`, or remove \
             this line."
        ));
    } else if owners.contains(&"cleanup") && matches!(program, "smtpd" | "pickup" | "qmqpd") {
        match service.override_of("cleanup_service_name") {
            Some(cleanup) => help.push_str(&format!(
                "cleanup(8) reads it, after {program} hands the mail over: set it on the \
                 cleanup service this one uses, `{}`, or remove this line.",
                cleanup.value
            )),
            None => help.push_str(&format!(
                "cleanup(8) reads it, after {program} hands the mail over. For mail of this \
                 service only, give it a cleanup service of its own: \
                 `-o cleanup_service_name=NAME` here, and `NAME unix n - n - 0 cleanup -o \
                 {name}=...` in master.cf."
            )),
        }
    } else if let Some(owner) = owners.first() {
        help.push_str(&format!(
            "Set it in main.cf, or on a service that runs {owner}, if that is what you meant; \
             otherwise remove it."
        ));
    }
    finding.help(help);
}
