//! A value the Postfix program that reads it refuses when it starts: a boolean that is not
//! yes or no, a number out of its table's range, a time with an unknown unit, an empty string
//! where the program needs text, a word outside a parameter's list of choices.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::Expanded;
use crate::model::params::{expand_param, Definition};
use crate::model::values::{self, Rejection, Value};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "invalid-value",
    severity: Severity::Error,
    summary: "a value that the Postfix program reading it refuses when it starts",
    doc: include_str!("../../rules/invalid-value.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    let release = model.target.release();
    // Parameters set in main.cf, and the empty defaults a program of this setup refuses (a
    // default that is not empty is one the program accepts).
    let names = values::names(release).filter(|name| {
        model.params.is_set(name)
            || crate::model::params::default_value(name)
                .or_else(|| crate::model::names::newer_default(name))
                .is_some_and(|d| d.is_empty())
    });
    // Each refused value, then reported unless it only refers to another refused one
    // (`myorigin = $myhostname` with a bad myhostname: that line is myhostname's to mend).
    let mut refused = Vec::new();
    for name in names {
        let param = model.params.param(name);
        let mut value = Value {
            written: param.raw.as_deref().unwrap_or(""),
            expanded: param.known(),
        };
        let several;
        if name == "myorigin" && value.expanded.is_none() {
            several = several_words(&param.expanded);
            value.expanded = several.as_deref();
        }
        // A value the user wrote with a trailing comment is trailing-comment's; an empty
        // install parameter is one postfix-install fills in (Postfix's own sample main.cf).
        if let Some(def) = param.definition {
            if has_trailing_comment(&def.value)
                || (def.value.trim_ascii().is_empty() && INSTALL_PARAMS.contains(&name))
            {
                continue;
            }
        }
        let Some(rejection) = values::rejection(model, name, value, None) else {
            continue;
        };
        refused.push((name, param, rejection));
    }
    let refused_names: Vec<&str> = refused.iter().map(|(name, ..)| *name).collect();
    for (name, param, rejection) in refused {
        let cascade = param.definition.is_some_and(|def| {
            refused_names.iter().any(|other| {
                *other != name
                    && crate::model::expand::references(&def.value)
                        .iter()
                        .any(|r| &def.value[r.name.clone()] == *other)
            })
        });
        if cascade {
            continue;
        }
        match param.definition {
            Some(def) => report_set(model, def, &param.expanded, &rejection, None, out),
            // virtual(8) without mailbox maps is a main.cf the deployment completes (it finds no
            // mailbox either way): its default base is no mistake postlint can see.
            None if rejection.daemons == "virtual"
                && !model.params.is_set("virtual_mailbox_maps") => {}
            None => report_default(
                model,
                name,
                param.raw.as_deref().unwrap_or(""),
                &rejection,
                out,
            ),
        }
    }
    report_milters(model, out);
    report_next_hops(model, out);
    report_sasl_types(model, out);
    // A service master_service_disable turns off never starts.
    for service in model.master.running() {
        let scoped = model.params.scoped(service);
        for def in service.effective_overrides() {
            if has_trailing_comment(&def.value) {
                continue;
            }
            let expanded = expand_param(&scoped, &def.name, def.value_ref());
            let known = (!expanded.has_unknown()).then_some(expanded.text.as_str());
            let value = Value {
                written: &def.value,
                expanded: known,
            };
            let Some(rejection) =
                values::rejection(model, &def.name, value, Some(&service.command))
            else {
                continue;
            };
            report_set(
                model,
                def,
                &expanded,
                &rejection,
                Some(&service.label()),
                out,
            );
        }
    }
}

/// A value with unknown parts that is several words whatever they are (a part postlint
/// cannot know adds text, and never takes a separator away): two or more words with known
/// text (`$SENDER_DOMAIN" >> /etc/postfix/main.cf`, a here-document's slip), shown with `…`
/// for each unknown part. None otherwise.
fn several_words(expanded: &crate::model::expand::Expanded) -> Option<String> {
    use crate::model::expand::UNKNOWN;
    let text = &expanded.text;
    if !expanded.errors.is_empty() {
        return None;
    }
    let certain = crate::parse::list::split_list(text)
        .into_iter()
        .filter(|r| text[r.clone()].chars().any(|c| c != UNKNOWN))
        .count();
    (certain >= 2).then(|| text.replace(UNKNOWN, "…"))
}

/// The SASL server implementations Postfix has (xsasl_server.c); a build may have fewer.
const SASL_SERVER_TYPES: [&str; 2] = ["cyrus", "dovecot"];

/// smtpd_sasl_type as each smtpd with SASL on reads it: smtpd looks the name up (case
/// matters) when it starts (smtpd.c, smtpd_sasl_initialize()) and stops on one it does not
/// have ("unsupported SASL server implementation", then "SASL per-process initialization
/// failed"). Reported once where the value is written; silent where SASL is off or the
/// value unknown.
fn report_sasl_types(model: &Model, out: &mut Findings) {
    let mut seen = std::collections::HashSet::new();
    for smtpd in crate::model::restrictions::smtpd_processes(model) {
        if !smtpd
            .value(model, "smtpd_sasl_auth_enable")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"))
        {
            continue;
        }
        let Some(kind) = smtpd.value(model, "smtpd_sasl_type") else {
            continue;
        };
        if SASL_SERVER_TYPES.contains(&kind.as_str()) {
            continue;
        }
        let Some(def) = smtpd.definition(model, "smtpd_sasl_type") else {
            continue;
        };
        if has_trailing_comment(&def.value) || !seen.insert(def.value_span) {
            continue;
        }
        let expanded = match smtpd.service {
            Some(service) => {
                expand_param(&model.params.scoped(service), &def.name, def.value_ref())
            }
            None => model.params.expand("smtpd_sasl_type"),
        };
        let rejection = Rejection {
            daemons: "smtpd".to_string(),
            log_line: format!(
                "warning: unsupported SASL server implementation: {kind}; fatal: SASL per-process initialization failed"
            ),
        };
        let place = smtpd
            .service
            .filter(|s| s.override_of("smtpd_sasl_type").is_some());
        report_set(
            model,
            def,
            &expanded,
            &rejection,
            place.map(|s| s.label()).as_deref(),
            out,
        );
    }
}

/// The next-hop lists the smtp client parses each time it tries one of their destinations
/// (smtp_connect.c): relayhost, the next hop trivial-rewrite gives the mail of other domains,
/// and smtp_fallback_relay, which the client tries after the others fail. A destination it
/// cannot parse stops the client with a fatal error (tests/oracle_next_hop.rs): master
/// throttles the smtp service and the mail waits in the queue. Values with quotes are
/// quoted-value's; relayhost only where mail for other domains goes to an smtp client.
fn report_next_hops(model: &Model, out: &mut Findings) {
    use crate::model::restrictions::{expanded_in, service_definition, service_value};
    if values::nothing_leaves(model) {
        return;
    }
    let mut places: Vec<(Option<&crate::model::master::Service>, &str)> = Vec::new();
    let to_smtp = ["default_transport", "relay_transport"].iter().any(|p| {
        service_value(model, None, p)
            .is_some_and(|t| values::transport_program(model, &t) == Some("smtp"))
    });
    if to_smtp {
        places.push((None, "relayhost"));
    }
    for client in values::smtp_clients(model) {
        places.push((client, "smtp_fallback_relay"));
    }
    let mut seen = std::collections::HashSet::new();
    for (service, param) in places {
        let Some(def) = service_definition(model, service, param) else {
            continue;
        };
        if has_trailing_comment(&def.value)
            || model.is_secret(def.value_span)
            || !seen.insert(def.value_span)
        {
            continue;
        }
        // Unknown (a template expression, a `$name` postlint cannot expand), or quoted.
        let Some(expanded) = expanded_in(model, service, param) else {
            continue;
        };
        let value = expanded.text.trim_ascii();
        if expanded.has_unknown() || value.contains(['"', '\'', crate::model::expand::UNKNOWN]) {
            continue;
        }
        // A list since Postfix 3.5; before, the whole value is one destination.
        let destinations: Vec<&str> = if model.target.at_least("3.5") {
            value
                .split([',', ' ', '\t', '\r', '\n'])
                .filter(|d| !d.is_empty())
                .collect()
        } else {
            Some(value).filter(|v| !v.is_empty()).into_iter().collect()
        };
        for (i, destination) in destinations.iter().enumerate() {
            let Some(log_line) = values::next_hop_refusal(destination) else {
                continue;
            };
            let when = match (param, i) {
                ("relayhost", 0) => "at every delivery to another domain",
                ("relayhost", _) => "whenever the destinations before it fail",
                _ => "whenever it falls back to it",
            };
            let place = service
                .filter(|s| s.override_of(param).is_some())
                .map_or(String::new(), |s| format!(" (in {})", s.label()));
            let finding = out.report(
                def.value_span,
                format!(
                    "`{}` in {param}{place} is no destination the smtp client can parse: it \
                     stops {when} (\"fatal: {}\"), master throttles the smtp service, and \
                     the mail waits in the queue",
                    super::shorten(destination),
                    super::shorten_long(&log_line)
                ),
            );
            finding.subject(format!("{param} {destination}"));
            finding.label("no host, host:port, [host] or [host]:port");
            finding.help(next_hop_help(destination));
        }
    }
}

/// How to write a destination the smtp client refuses, for the usual mistakes.
fn next_hop_help(destination: &str) -> String {
    let general = "Write each destination as `host`, `host:port`, `[host]` or `[host]:port` \
                   (brackets: no MX lookup), separated by commas or spaces: \
                   `relayhost = [smtp.example.com]:587`.";
    if let Some(inner) = destination
        .strip_prefix('[')
        .and_then(|d| d.strip_suffix(']'))
    {
        if let Some((host, port)) = inner.rsplit_once(':') {
            if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !host.contains(':') {
                return format!("The port goes after the brackets: `[{host}]:{port}`. {general}");
            }
        }
    }
    if destination.contains("://") {
        return format!("A destination has no scheme (`smtp://`). {general}");
    }
    if destination.contains('/') {
        return format!(
            "A destination is one host, not a network (networks are for mynetworks). {general}"
        );
    }
    if destination.bytes().all(|b| b.is_ascii_digit()) {
        return format!(
            "A port alone is a host name to the smtp client (a comma or space separates \
             destinations): write `host:{destination}`. {general}"
        );
    }
    general.to_string()
}

/// The milter lists: the parameter, the program that reads it, and how messages name it.
const MILTER_LISTS: [(&str, &str, &str); 2] = [
    ("smtpd_milters", "smtpd", "smtpd"),
    (
        "non_smtpd_milters",
        "cleanup",
        "cleanup (for mail submitted with sendmail)",
    ),
];

/// A milter list entry that is no `transport:endpoint` (milter8.c: `inet:`, `unix:` or
/// `local:` before the first `:`): `''`, which a container template writes for "no milters"
/// and Postfix keeps with its quotes, or a bare host. The program logs "Milter service needs
/// transport:endpoint" and applies the entry's default action to every message: with
/// `tempfail` (the default) or `reject` no mail gets through; with `accept` (a warning) all of
/// it does, and the milter sees none. Read in main.cf and in each running service's `-o`;
/// silent where the value or the default action is unknown.
fn report_milters(model: &Model, out: &mut Findings) {
    let services = std::iter::once(None).chain(model.master.running().map(Some));
    for service in services {
        for (param, reader, program) in MILTER_LISTS {
            // An `-o` counts only on the program that reads the list (smtpd, cleanup); on
            // another it does nothing (override-unused says so).
            let def = match service {
                None => model.params.get(param),
                Some(s) if values::program_of(&s.command) == reader => s.override_of(param),
                Some(_) => None,
            };
            let Some(def) = def else {
                continue;
            };
            if has_trailing_comment(&def.value) {
                continue;
            }
            let Some(value) = crate::model::restrictions::service_value(model, service, param)
            else {
                continue;
            };
            let Some(default_action) =
                crate::model::restrictions::service_value(model, service, "milter_default_action")
            else {
                continue;
            };
            for (name, own_action) in values::milter_entries(&value) {
                let action = own_action.unwrap_or(&default_action);
                let transport = name.split_once(':').map(|(t, _)| t);
                if matches!(transport, Some("inet" | "unix" | "local")) || name.is_empty() {
                    continue;
                }
                let place = service.map_or(String::new(), |s| format!(" (in {})", s.label()));
                let smtpd = param == "smtpd_milters";
                let effect = match action.to_ascii_lowercase().as_str() {
                    "tempfail" if smtpd => "answers every message with 451 (the sender retries)",
                    "tempfail" => "defers every message",
                    "reject" if smtpd => "rejects every message with 550",
                    "reject" => "rejects every message",
                    "quarantine" => "puts every message on hold",
                    // Mail flows, but the milter never sees any (no DKIM signature, no spam
                    // check): a warning, not a stop.
                    // `''` means "no milters" (a container template's): with accept, nothing
                    // meant is lost.
                    "accept" if name == "''" || name == "\"\"" => continue,
                    "accept" => "passes every message on as if the milter were not there",
                    _ => continue,
                };
                let finding = out.report(
                    def.value_span,
                    format!(
                        "`{}` in {param}{place} is no milter address (`inet:host:port`, \
                         `unix:/path`): {program} logs \"Milter service needs \
                         transport:endpoint\" and, by milter_default_action = {action}, {effect}",
                        super::shorten(name)
                    ),
                );
                if action.eq_ignore_ascii_case("accept") {
                    finding.severity = crate::diagnostic::Severity::Warning;
                }
                finding.subject(format!("{param} {name}"));
                finding.label("no transport:endpoint");
                finding.help(if name == "''" || name == "\"\"" {
                    "Postfix takes quotes literally: for no milters, leave the value empty \
                     (`smtpd_milters =`)."
                        .to_string()
                } else {
                    "Write each milter as `inet:host:port` (`inet:127.0.0.1:11332`) or \
                     `unix:/path/to/socket`, relative to the queue directory for smtpd \
                     in a chroot."
                        .to_string()
                });
            }
        }
    }
}

/// The parameters Postfix's own sample main.cf leaves empty for postfix-install to write.
const INSTALL_PARAMS: &[&str] = &[
    "html_directory",
    "mailq_path",
    "manpage_directory",
    "meta_directory",
    "newaliases_path",
    "readme_directory",
    "sample_directory",
    "sendmail_path",
    "setgid_group",
    "shlib_directory",
];

fn has_trailing_comment(value: &str) -> bool {
    crate::parse::list::split_list(value)
        .into_iter()
        .skip(1)
        .any(|w| value[w].starts_with('#'))
}

fn report_set(
    model: &Model,
    def: &Definition,
    expanded: &Expanded,
    rejection: &Rejection,
    service: Option<&str>,
    out: &mut Findings,
) {
    let name = &def.name;
    let place = service.map_or(String::new(), |s| format!(" (in {s})"));
    let secret = model.is_secret(def.value_span);
    let shown = if secret {
        "this value".to_string()
    } else if def.value.trim_ascii().is_empty() {
        "an empty value".to_string()
    } else {
        // ASCII white space only, as Postfix trims: a no-break space stays in sight.
        format!("`{}`", super::shorten(def.value.trim_ascii()))
    };
    let finding = out.report(
        def.value_span,
        format!(
            "{shown} is not a valid {name}{place}: {} {}",
            rejection.daemons,
            stop_verb(&rejection.daemons)
        ),
    );
    let log_line = if secret {
        "fatal: ... (the line names the value)".to_string()
    } else {
        rejection.log_line.clone()
    };
    finding.label(super::shorten_long(&log_line).into_owned());
    // The definition a `$name` brought the bad text from, when it is elsewhere.
    if let Some(origin) = expanded.origin_of(0..expanded.text.len()) {
        let inside = origin.file == def.value_span.file
            && origin.start >= def.value_span.start
            && origin.end <= def.value_span.end;
        if !inside {
            finding.secondary(origin, "the value comes from here");
        }
    }
    finding.help(HELP);
}

fn report_default(
    model: &Model,
    name: &str,
    value: &str,
    rejection: &Rejection,
    out: &mut Findings,
) {
    // Point at what makes the program run: the line that routes mail to it, else main.cf.
    let span = rejection
        .daemons
        .split([',', ' '])
        .find_map(|program| values::trigger_of(model, program))
        .unwrap_or(model.main_cf_start());
    let shown = if value.is_empty() {
        "empty".to_string()
    } else {
        format!("`{}`", super::shorten(value))
    };
    let finding = out.report(
        span,
        format!(
            "{name} is not set, and with its default ({shown}) {} {}",
            rejection.daemons,
            stop_verb(&rejection.daemons)
        ),
    );
    finding.subject(name.to_string());
    finding.label(super::shorten_long(&rejection.log_line).into_owned());
    finding.help(format!("Set {name} in main.cf. {HELP}"));
}

/// "stops when it starts", or "stop when they start" for several programs.
fn stop_verb(daemons: &str) -> &'static str {
    if daemons.contains(" and ") {
        "stop when they start"
    } else {
        "stops when it starts"
    }
}

const HELP: &str = "The program logs this line and exits each time master starts it, so no mail \
    passes through it until the value is fixed. `postconf` accepts any value: only the program \
    that reads one checks it.";
