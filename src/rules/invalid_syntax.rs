//! Lines Postfix rejects or skips: in main.cf, master.cf, map sources and database .cf files.

use std::collections::HashSet;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::{expand, parse_compat_level, references, Lookup, ParamLookup, ValueRef};
use crate::model::names::{is_raw, NameStatus};
use crate::model::params::Definition;
use crate::model::tables::Format;
use crate::model::{BadLine, Model};

pub const RULE: Rule = Rule {
    id: "invalid-syntax",
    severity: Severity::Error,
    summary: "a line Postfix rejects or skips: no `=`, leading whitespace, a macro error, a bad master.cf field",
    doc: include_str!("../../rules/invalid-syntax.md"),
    undecided: super::always_decides,
    check,
};

/// Treats every name as unknown, so that expanding a value finds the errors in its own text only
/// (an error in a referenced parameter is reported where that parameter is written).
struct OwnTextOnly;

impl ParamLookup for OwnTextOnly {
    fn lookup(&self, _name: &str) -> Lookup<'_> {
        Lookup::Unknown
    }
}

fn check(model: &Model, out: &mut Findings) {
    for line in &model.docker_master {
        report_docker_master_line(model, line, out);
    }
    for bad in &model.main_cf_bad_lines {
        report_line(
            bad,
            "main.cf",
            "Postfix stops with a fatal error on this line",
            out,
        );
    }
    // Values whose expansion multiplies without end, with their first error.
    let mut runaway: Vec<(&Definition, String)> = Vec::new();
    for name in model.params.defined_names() {
        let def = model.params.get(name).expect("defined");
        // A name nothing uses is never expanded (unknown-parameter reports it).
        if model.names.status(name, None) == NameStatus::Unused {
            continue;
        }
        check_value(def, out);
        // Errors that only show with the references followed: a value that refers to itself.
        if !is_raw(name) {
            let full = model.params.expand(name);
            if full.runaway {
                runaway.push((def, full.errors.first().cloned().unwrap_or_default()));
                continue;
            }
            for error in full.errors.iter().filter(|e| e.contains("nesting")) {
                report_value(def, error, out);
            }
        }
    }
    // One finding per chain, at its head: the runaway value no other runaway value refers to.
    let inner: std::collections::HashSet<&str> = runaway
        .iter()
        .flat_map(|(def, _)| {
            references(&def.value)
                .into_iter()
                .map(|r| &def.value[r.name])
        })
        .collect();
    for (def, error) in &runaway {
        if !inner.contains(def.name.as_str()) {
            let finding = out.report(def.value_span, format!("{}: {error}", def.name));
            finding.label("each reference here multiplies");
            finding.help(format!(
                "The values `{}` refers to refer to others several times over, so the expanded \
                 value doubles at each level. A Postfix program that reads it runs out of memory or \
                 time. Follow the references with `postconf -x {}` on a copy, and break the chain.",
                def.name, def.name
            ));
        }
    }
    if let Some(def) = model.params.get("compatibility_level") {
        let value = model.params.expand("compatibility_level");
        if value.errors.is_empty()
            && !value.has_unknown()
            && parse_compat_level(&value.text).is_none()
        {
            report_value(
                def,
                &format!("malformed compatibility level syntax: \"{}\"", value.text),
                out,
            );
        }
    }

    for glued in crate::model::params::glued_assignments(model) {
        let finding = out.report(
            glued.line,
            format!(
                "this line starts with white space, so Postfix reads `{} = ...` as more of {} \
                 (line {}): {} is not set",
                glued.name, glued.host, glued.host_line, glued.name
            ),
        );
        finding.label(format!("continues {}", glued.host));
        // Inside a template's `{% if %}`, the line is glued whenever it is rendered (Jinja
        // keeps its white space; a trimming tag is applied before this), to this setting or
        // to another the template renders above it (survey AC2, echristiaans/ansible).
        finding.basis(crate::diagnostic::Basis::WholeLine);
        finding.help(format!(
            "Start the line in the first column. In main.cf a line that starts with white \
             space continues the setting above it, even after blank lines, so {host} gets \
             the words `{name}`, `=` and the value as more of its own (smtpd refuses unknown \
             words in a restriction list with 451 4.3.5, a domain list takes them as names), \
             and {name} keeps its default.",
            host = glued.host,
            name = glued.name
        ));
    }

    if !report_main_cf_as_master_cf(model, out) {
        for bad in &model.master.bad_lines {
            report_line(bad, "master.cf", "postconf stops with a fatal error", out);
        }
    }
    for (i, service) in model.master.services.iter().enumerate() {
        for def in &service.overrides {
            if model.names.status(&def.name, Some(i)) != NameStatus::Unused {
                check_value(def, out);
            }
        }
        report_option_as_command(service, out);
        report_byte_order_mark(service, out);
        report_private_inet(model, service, out);
        // A bad option stops the daemon first (and is reported above).
        let bad_option = model
            .master
            .bad_lines
            .iter()
            .any(|b| b.line == service.line);
        if !service.disabled && !bad_option {
            report_stray_argument(model, service, out);
            report_pipe_attributes(model, service, out);
        }
    }

    let mut seen = HashSet::new();
    for table in model.tables.iter() {
        let Some(file) = table.source else {
            continue;
        };
        if !seen.insert((file, table.format)) {
            continue;
        }
        let tool = match table.format {
            Format::Postmap => "postmap",
            Format::Aliases => "postalias",
        };
        if let Some(entries) = table.entries() {
            if table.format == Format::Postmap && entries.has_slash_keys() {
                report_pattern_keys(table, entries, out);
            }
            report_map_byte_order_mark(model, entries, tool, out);
            for skipped in &entries.skipped {
                let line = model.sources.slice(skipped.span);
                let key = line.split_whitespace().next().unwrap_or("");
                if skipped.kept && table.format == Format::Postmap && key.ends_with(':') {
                    report_colon_key(key, skipped, out);
                    continue;
                }
                let what = if skipped.kept {
                    format!("{tool} warns and stores the entry as written")
                } else {
                    format!("{tool} skips this line")
                };
                let reason = match model.is_secret(skipped.span) {
                    true => without_quote(&skipped.reason),
                    false => skipped.reason.clone(),
                };
                let finding = out.report(skipped.span, format!("{what}: {reason}"));
                finding.label(if skipped.kept {
                    "stored as written"
                } else {
                    "skipped"
                });
                finding.help(format!(
                    "{tool} warns \"{}\" and {}. See `postlint --explain invalid-syntax`.",
                    reason,
                    if skipped.kept {
                        "keeps the entry, with the text exactly as written as its key"
                    } else {
                        "leaves the line out of the table"
                    }
                ));
            }
        }
        if let Some(patterns) = table.patterns() {
            report_skipped_rules(model, table, patterns, out);
        }
        for bad in &table.bad_settings {
            let hidden;
            let bad = if model.is_secret(bad.span) {
                hidden = BadLine {
                    reason: without_quote(&bad.reason),
                    ..bad.clone()
                };
                &hidden
            } else {
                bad
            };
            report_line(
                bad,
                &table.reference(),
                "the database client stops with a fatal error when it reads this file",
                out,
            );
        }
    }
}

/// The lines of a regexp: or pcre: table that the program opening it warns about and leaves
/// out (dict_regexp.c, dict_pcre.c): a line that starts with neither a delimiter nor
/// `if`/`endif`, an unknown flag, a pattern that does not compile, a bad `$number`.
fn report_skipped_rules(
    model: &Model,
    table: &crate::model::tables::Table,
    patterns: &crate::model::patterns::PatternTable,
    out: &mut Findings,
) {
    let reference = table.reference();
    for skipped in &patterns.skipped {
        let reason = match model.is_secret(skipped.span) {
            true => without_quote(&skipped.reason),
            false => skipped.reason.clone(),
        };
        let finding = out.report(
            skipped.span,
            format!("Postfix skips this line of {reference}: {reason}"),
        );
        finding.label("skipped");
        let shape = match reason.contains("unrecognized request") {
            true => format!(
                " A {} table's line is `/pattern/flags result` (any delimiter instead of `/`), \
                 `if /pattern/` or `endif`; `example.com OK` is a line of a hash: table.",
                table.kind
            ),
            false => String::new(),
        };
        finding.help(format!(
            "The program that opens {reference} logs \"warning: {} map {}, line {}: {reason}\" \
             and leaves the line out, so it matches nothing.{shape} `postmap -q KEY \
             {reference}` shows the warning. See `postlint --explain invalid-syntax`.",
            table.kind, table.name, skipped.line,
        ));
    }
}

/// Whether a key is written as a regexp: or pcre: pattern (`/^.*@example\.com$/`, with
/// flags after the closing `/`): slashes around it and a metacharacter inside.
fn is_pattern_key(key: &str) -> bool {
    let Some(body) = key.strip_prefix('/') else {
        return false;
    };
    let Some(close) = body.rfind('/') else {
        return false;
    };
    let (pattern, flags) = (&body[..close], &body[close + 1..]);
    // A path (`/home/a.b/`) has a `/` of its own inside; a pattern escapes it (`\/`).
    let bare_slash = pattern
        .as_bytes()
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'/' && (i == 0 || pattern.as_bytes()[i - 1] != b'\\'));
    !pattern.is_empty()
        && !bare_slash
        && flags.bytes().all(|b| b.is_ascii_alphabetic())
        && pattern.contains(['.', '*', '+', '?', '^', '$', '[', '(', '|', '\\'])
}

/// Keys of an indexed table (hash:, lmdb:, texthash: ...) written as regular expressions:
/// the table compares them as text, so `/.*/` matches only the text `/.*/`. One finding per
/// table, at the first such key.
fn report_pattern_keys(
    table: &crate::model::tables::Table,
    entries: &crate::model::tables::Entries,
    out: &mut Findings,
) {
    let mut patterns = entries.iter().filter(|e| is_pattern_key(e.key));
    let Some(first) = patterns.next() else {
        return;
    };
    let more = patterns.count();
    let others = match more {
        0 => String::new(),
        1 => " (and 1 more key)".to_string(),
        n => format!(" (and {n} more keys)"),
    };
    let finding = out.report(
        first.key_span,
        format!(
            "{} is a {} table, which compares keys as text: `{}` is no pattern there and \
             matches only itself{others}",
            table.reference(),
            table.kind,
            first.key
        ),
    );
    finding.subject(format!("{} pattern key", table.reference()));
    finding.label("a regular expression as a literal key");
    finding.help(format!(
        "A {} table finds a key only when the whole lookup string equals it. For patterns, \
         name a regexp: or pcre: table (`regexp:/etc/postfix/FILE`, no postmap needed), and \
         keep the literal keys in the {} table. `postmap -q '{}' {}:FILE` shows the key is \
         stored as written.",
        table.kind, table.kind, first.key, table.kind
    ));
}

/// `alice@example.com: bob@example.net` in a postmap source: the colon stays in the key.
fn report_colon_key(key: &str, skipped: &crate::model::tables::Skipped, out: &mut Findings) {
    let address = key.trim_end_matches(':');
    let finding = out.report(
        skipped.span,
        format!(
            "postmap stores the key `{key}` with its colon, so `{address}` never matches: {}",
            skipped.reason
        ),
    );
    finding.label("the colon is part of the key");
    finding.help(format!(
        "postmap warns \"{}\" and keeps the line with `{key}` as its key; lookups ask for \
         `{address}`, which does not match it. Write the entry as `{address} value` without the \
         colon and run postmap. If the file is an aliases(5) file, name it in alias_maps with \
         a type postalias builds (`hash:`, `lmdb:`; `texthash:` reads postmap's format) and \
         build it with postalias instead.",
        skipped.reason
    ));
}

/// An entry whose eighth field, the command, is an option: the command was left out
/// (`smtp inet n - n - - -o content_filter=spamassassin`). postconf takes `-o` as the command;
/// the master runs `$daemon_directory/-o`, the exec fails, and the service never works.
fn report_option_as_command(service: &crate::model::master::Service, out: &mut Findings) {
    if !service.command.starts_with('-') {
        return;
    }
    let finding = out.report(
        service.command_span,
        format!(
            "the {} service has no command: the master daemon takes `{}` as the program to \
             run, cannot start it, and the service never works",
            service.label(),
            service.command
        ),
    );
    finding.label("the command field (the 8th), not an option");
    let program = match service.kind.as_str() {
        "inet" | "pass" => "the program (smtpd for an SMTP port)",
        _ => "the program",
    };
    finding.help(format!(
        "Put {program} in the eighth field, before the options. The master logs `fatal: \
         master_spawn: exec $daemon_directory/{0}: No such file or directory` and \
         `$daemon_directory/{0}: bad command startup -- throttling` each time it tries.",
        service.command
    ));
}

/// An inet service whose private field is `y` or `-` (which means `y`): master(8) refuses it
/// when Postfix starts ("inet service cannot be private", master_ent.c), and no service runs.
/// postconf -M says nothing.
fn report_private_inet(model: &Model, service: &crate::model::master::Service, out: &mut Findings) {
    if service.kind != "inet"
        || !matches!(service.private.as_str(), "y" | "-")
        || super::templated_line(model, service.private_span)
    {
        return;
    }
    let label = service.label();
    let finding = out.report(
        service.private_span,
        format!(
            "{label} is an inet service with the private field `{}`: master stops when Postfix \
             starts (\"fatal: ... inet service cannot be private\"), and no mail is sent or \
             received",
            service.private
        ),
    );
    finding.subject(format!("{label} private"));
    finding.label(if service.private == "-" {
        "`-` means `y` here".to_string()
    } else {
        "must be `n` for inet".to_string()
    });
    finding.help(
        "The third field says whether the service listens only for Postfix's own programs \
         (private/, a unix socket): a network service cannot. Write `n` there, as Postfix's \
         own master.cf does for every inet line."
            .to_string(),
    );
}

/// A line of docker-mailserver's postfix-master.cf that never reaches master.cf: the start
/// script skips it, `postconf -P` refuses it, or it has no value.
fn report_docker_master_line(
    model: &Model,
    line: &crate::model::docker_mailserver::Override,
    out: &mut Findings,
) {
    use crate::model::docker_mailserver::Problem;
    let Some(problem) = line.problem else {
        return;
    };
    let text = model.sources.slice(line.span);
    let (message, label, help) = match problem {
        Problem::Skipped => (
            "docker-mailserver applies only the lines of postfix-master.cf that start with a \
             lowercase letter or a digit: it skips this one without a word, and the setting \
             never reaches master.cf"
                .to_string(),
            "skipped",
            "Write each setting at the start of its line as `service/type/parameter=value` \
             (`submission/inet/smtpd_sasl_auth_enable=yes`): the container runs `postconf -P` \
             with it, which changes that service's `-o` settings in the image's master.cf."
                .to_string(),
        ),
        Problem::NoValue => (
            "this line has no `=`: `postconf -P` with a setting's name only prints it, so \
             docker-mailserver changes nothing for it"
                .to_string(),
            "no value",
            "Write `service/type/parameter=value`; an empty value is written `parameter=`."
                .to_string(),
        ),
        Problem::Refused(why) => (
            format!(
                "`postconf -P` refuses this line (\"fatal: {why}\"): docker-mailserver logs the \
                 error at start and the setting never reaches master.cf"
            ),
            "refused",
            match why {
                "-Pe does not accept whitespace in parameter value" => {
                    "A -P value cannot hold a space: write lists without spaces \
                     (`permit_sasl_authenticated,reject`), and put a comment on a line of its \
                     own, starting with `#`."
                }
                "missing '=' after attribute name" => {
                    "Write `service/type/parameter=value` with no space before the `=` part \
                     (`submission/inet/smtpd_tls_auth_only=yes`)."
                }
                _ => {
                    "Name the service, its type and one parameter, separated by `/`: \
                     `submission/inet/smtpd_tls_auth_only=yes`."
                }
            }
            .to_string(),
        ),
    };
    let finding = out.report(line.span, message);
    finding.subject(format!(
        "postfix-master.cf line {}",
        super::shorten(text.trim_ascii())
    ));
    finding.label(label);
    finding.help(help);
}

/// A map source saved with a UTF-8 byte-order mark: postmap and postalias keep the three bytes
/// as the start of the first key, which then never matches (`postmap -s` shows
/// `\u{feff}info@example.com`). Only when the first entry is that line: a file whose first
/// line is a comment has the mark in the comment, which does no harm.
fn report_map_byte_order_mark(
    model: &Model,
    entries: &crate::model::tables::Entries,
    tool: &str,
    out: &mut Findings,
) {
    if entries.is_empty() {
        return;
    }
    let first = entries.entry(0);
    // A first line that is a comment is no comment after the mark either (`\u{feff}#` is a
    // key nothing looks up): no harm.
    let Some(key) = first
        .key
        .strip_prefix('\u{feff}')
        .filter(|k| !k.starts_with('#'))
    else {
        return;
    };
    // The mark itself, then the key as it was meant.
    let at = first.key_span;
    let finding = out.report(
        crate::source::Span {
            end: at.start + 3,
            ..at
        },
        format!(
            "the file starts with a byte-order mark: {tool} makes it part of the first key, so \
             `{}` never matches",
            super::shorten(key)
        ),
    );
    finding.subject(format!("byte-order mark before {key}"));
    finding.label("an invisible U+FEFF before the key");
    finding.help(format!(
        "An editor saved the file as \"UTF-8 with BOM\". {tool} reads the three bytes as part \
         of the first word (`{tool} -s` shows them), so a lookup of `{}` finds nothing{}. Save \
         the file as plain UTF-8 (or ASCII) and run {tool} again.",
        super::shorten(key),
        if model.is_secret(first.value_span) {
            ""
        } else {
            " and the mail goes on as if the line were not there"
        }
    ));
}

/// A master.cf saved with a UTF-8 byte-order mark: master(8) reads it as part of the first
/// service's name. For an inet service that is a port no system knows, and master stops at
/// start (`fatal: unknown service: \u{feff}smtp/tcp`): Postfix does not run at all.
fn report_byte_order_mark(service: &crate::model::master::Service, out: &mut Findings) {
    if !service.name.starts_with('\u{feff}') {
        return;
    }
    let name = service.name.trim_start_matches('\u{feff}');
    let consequence = match service.kind.as_str() {
        "inet" => format!(
            "master reads the first service as `\\u{{feff}}{name}`, a port no system knows, and \
             stops when Postfix starts"
        ),
        _ => format!(
            "master reads the first service as `\\u{{feff}}{name}`, so `{name}/{}` is not defined",
            service.kind
        ),
    };
    let finding = out.report(
        service.name_span,
        format!("master.cf starts with a byte-order mark: {consequence}"),
    );
    finding.label("an invisible U+FEFF before the name");
    finding.help(
        "An editor saved master.cf as \"UTF-8 with BOM\". Postfix reads the three bytes as \
         part of the first word. Save the file as plain UTF-8 (or ASCII)."
            .to_string(),
    );
}

/// A pipe(8) command-line macro (`${nexthop}`, `$user`): pipe.c expands these in its own
/// arguments; in another daemon's they are left over from a pipe entry.
fn is_pipe_macro(word: &str) -> bool {
    const MACROS: &[&str] = &[
        "client_address",
        "client_helo",
        "client_hostname",
        "client_port",
        "client_protocol",
        "domain",
        "extension",
        "mailbox",
        "nexthop",
        "original_recipient",
        "queue_id",
        "recipient",
        "sasl_method",
        "sasl_sender",
        "sasl_username",
        "sender",
        "size",
        "user",
    ];
    let name = word.trim_start_matches('$');
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    word.starts_with('$') && MACROS.contains(&name)
}

/// The texts of a master.cf entry's fields after its command.
fn arg_texts<'m>(model: &'m Model, service: &crate::model::master::Service) -> Vec<&'m str> {
    service
        .args
        .iter()
        .map(|&span| model.sources.slice(span))
        .collect()
}

/// Where a master.cf command's arguments start, as the daemons' getopt("+...") reads its
/// options, and the value of the last `-o` when it came right before that word.
fn after_options<'a>(args: &[&'a str]) -> (usize, Option<&'a str>) {
    let mut i = 0;
    // The value of the last `-o` before the word, when it came right before it.
    let mut o_value: Option<&str> = None;
    while i < args.len() {
        let arg = args[i];
        if arg == "--" {
            i += 1;
            o_value = None;
            break;
        }
        if !arg.starts_with('-') {
            break;
        }
        match arg.strip_prefix("-o") {
            Some("") if i + 1 < args.len() => {
                o_value = Some(args[i + 1]);
                i += 2;
            }
            Some(attached) if !attached.is_empty() => {
                o_value = Some(attached);
                i += 1;
            }
            // The other options that take a value (getopt "cdDi:lm:n:o:r:s:St:uvVz" of
            // multi_server.c and single_server.c): `-s 2`, `-t inet`.
            _ if matches!(arg, "-i" | "-m" | "-n" | "-r" | "-s" | "-t") => {
                o_value = None;
                i += 2;
            }
            _ => {
                o_value = None;
                i += 1;
            }
        }
    }
    (i, o_value)
}

/// The attributes pipe(8) reads before `argv=` (get_service_attr() in pipe.c, names compared
/// ignoring case).
const PIPE_ATTRIBUTES: &[&str] = &[
    "flags=",
    "user=",
    "directory=",
    "chroot=",
    "eol=",
    "null_sender=",
    "size=",
    "argv=",
];

/// A master.cf argument as the daemon gets it: master(5) strips `{ }` around an argument
/// (Postfix 3.0 and later), and the blanks just inside them.
fn unbraced(arg: &str) -> &str {
    match arg.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
        Some(inner) => inner.trim_ascii(),
        None => arg,
    }
}

/// The letters of pipe(8)'s `flags=` (case matters).
const PIPE_FLAGS: &str = "BDFORX.>hqu";

/// A pipe(8) entry whose attributes pipe refuses: get_service_attr() stops the delivery agent
/// with a `fatal:` at the first message (an unknown attribute name, such as an `-o` written
/// after `flags=`; an unknown flag letter; a missing `user=` or `argv=`; root or the mail
/// system owner as the user), and the mail waits in the queue. One finding per entry, for the
/// first thing pipe stops on.
fn report_pipe_attributes(
    model: &Model,
    service: &crate::model::master::Service,
    out: &mut Findings,
) {
    if crate::model::values::program_of(&service.command) != "pipe" {
        return;
    }
    let args = arg_texts(model, service);
    let (start, _) = after_options(&args);
    // A bare `pipe` line is a stub whose attribute lines were removed with the program
    // (Debian's maildrop and uucp entries): pipe refuses it too, but only if mail is ever sent
    // there, which a leftover entry never gets.
    if start >= args.len() {
        return;
    }
    let label = service.label();
    let fatal = |out: &mut Findings, span: crate::source::Span, fatal: String, help: String| {
        let finding = out.report(
            span,
            format!(
                "pipe(8) refuses this entry: {label} stops with \"fatal: {fatal}\" at its first \
                 message, which then waits in the queue"
            ),
        );
        finding.subject(format!("{label}: {fatal}"));
        finding.label("pipe stops here");
        finding.help(
            format!(
                "{help} pipe(8) reads its attributes (flags=, user=, directory=, chroot=, eol=, \
             null_sender=, size=) up to argv=, which takes the rest of the line as the command."
            )
            .trim_ascii_start()
            .to_string(),
        );
    };
    let mut user: Option<(usize, &str)> = None;
    let mut has_argv = false;
    let mut argv_at = 0;
    for i in start..args.len() {
        let word = unbraced(args[i]);
        let span = service.args[i];
        // A word a template or an installer fills in is not known.
        if word.contains('$')
            || !crate::parse::placeholder::find(word).is_empty()
            || super::templated_line(model, span)
        {
            return;
        }
        let attribute = PIPE_ATTRIBUTES.iter().find(|a| {
            word.get(..a.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(a))
        });
        let Some(&attribute) = attribute else {
            let shown = super::shorten(word);
            let help = if word.starts_with('-') {
                "master.cf reads a command's options (`-o name=value`) only before its first \
                 other word: after `flags=` they go to pipe as attributes. Move the `-o` lines \
                 up, right under the service line."
                    .to_string()
            } else if PIPE_ATTRIBUTES.iter().any(|a| {
                a.strip_suffix('=')
                    .is_some_and(|n| n.eq_ignore_ascii_case(word))
            }) {
                format!(
                    "An attribute needs its `=`, even with an empty value: `{}=`.",
                    word.to_ascii_lowercase()
                )
            } else if word.starts_with('/') {
                format!("Write `argv={shown}`: the command starts after `argv=`.")
            } else {
                match super::closest(
                    &word.split('=').next().unwrap_or(word).to_ascii_lowercase(),
                    PIPE_ATTRIBUTES.iter().map(|a| a.trim_end_matches('=')),
                ) {
                    Some(name) => format!("Did you mean `{name}=`?"),
                    None => String::new(),
                }
            };
            fatal(out, span, format!("unknown attribute name: {shown}"), help);
            return;
        };
        let value = &word[attribute.len()..];
        match attribute {
            "argv=" => {
                has_argv = true;
                argv_at = i;
                break;
            }
            "flags=" => {
                if let Some(bad) = value.chars().find(|c| !PIPE_FLAGS.contains(*c)) {
                    let help = match PIPE_FLAGS.chars().find(|c| c.eq_ignore_ascii_case(&bad)) {
                        Some(right) => {
                            format!("The letters are case-sensitive: `{right}`, not `{bad}`.")
                        }
                        None => format!("The flags are {}.", super::backticked(PIPE_FLAGS.chars())),
                    };
                    fatal(out, span, format!("unknown flag: {bad} (ignored)"), help);
                    return;
                }
            }
            "user=" => user = Some((i, value)),
            "size=" if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) => {
                fatal(
                    out,
                    span,
                    format!(
                        "get_service_attr: bad size= value: {}",
                        super::shorten(value)
                    ),
                    "size= takes a number of bytes, without a unit.".to_string(),
                );
                return;
            }
            _ => {}
        }
    }
    let Some((at, value)) = user else {
        fatal(
            out,
            service.command_span,
            "missing user= command-line attribute".to_string(),
            "Add `user=NAME` (the account the command runs as, such as vmail), before argv=."
                .to_string(),
        );
        return;
    };
    if !has_argv {
        fatal(
            out,
            service.command_span,
            "missing argv= command-line attribute".to_string(),
            "End the entry with `argv=COMMAND ARGS...`.".to_string(),
        );
        return;
    }
    let (name, group) = match value.split_once(':') {
        Some((name, group)) => (name, Some(group).filter(|g| !g.is_empty())),
        None => (value, None),
    };
    let owner = crate::model::restrictions::service_value(model, None, "mail_owner");
    let setgid = crate::model::restrictions::service_value(model, None, "setgid_group");
    let why = if name == "root" {
        Some("user= command-line attribute specifies root privileges".to_string())
    } else if owner.as_deref() == Some(name) {
        Some(format!(
            "user= command-line attribute specifies mail system owner {name}"
        ))
    } else if group == Some("root") {
        Some("user= command-line attribute specifies privileged group id 0".to_string())
    } else if group.is_some() && group == owner.as_deref() {
        // The mail owner's own group (Debian and the others name it after the user).
        Some(format!(
            "user= command-line attribute specifies mail system owner {} group id",
            group.unwrap_or_default()
        ))
    } else if group.is_some() && group == setgid.as_deref() {
        Some(format!(
            "user= command-line attribute specifies mail system {} group id",
            group.unwrap_or_default()
        ))
    } else {
        None
    };
    if let Some(why) = why {
        fatal(
            out,
            service.args[at],
            why,
            "Run the command as an account of its own (such as vmail, or nobody), not root \
             and not the mail system's owner or groups."
                .to_string(),
        );
        return;
    }
    if !report_pipe_macros(model, service, &args, argv_at, out) {
        report_options_after_argv(model, service, &args, argv_at, out);
    }
}

/// `-o name=value` written after `argv=` in a pipe(8) entry, with a Postfix parameter's name:
/// master.cf reads options only before the command's other words, so pipe hands both words to
/// the command as arguments and the setting never applies (a shape copied from a dspam
/// how-to). One finding per entry, at the first such pair. A `-o` with a word that is no
/// Postfix parameter may be the command's own option and is left alone.
fn report_options_after_argv(
    model: &Model,
    service: &crate::model::master::Service,
    args: &[&str],
    argv_at: usize,
    out: &mut Findings,
) {
    let is_setting = |k: usize| {
        args[k] == "-o"
            && args.get(k + 1).is_some_and(|next| {
                next.split_once('=')
                    .is_some_and(|(name, _)| crate::model::names::is_known_name(name.trim_ascii()))
            })
    };
    let mut pairs = (argv_at + 1..args.len()).filter(|&k| is_setting(k));
    let Some(first) = pairs.next() else {
        return;
    };
    let others = pairs.count();
    let (start, end) = (service.args[first], service.args[first + 1]);
    if start.file != end.file || super::templated_line(model, start) {
        return;
    }
    let label = service.label();
    let setting = super::shorten(args[first + 1]);
    let finding = out.report(
        crate::source::Span {
            end: end.end,
            ..start
        },
        format!(
            "`-o {setting}` comes after argv= in {label}: pipe passes it to the command as two \
             arguments{}, and Postfix never applies the setting",
            match others {
                0 => String::new(),
                1 => " (and 1 more -o after it)".to_string(),
                n => format!(" (and {n} more -o after it)"),
            }
        ),
    );
    finding.subject(format!("{label}: -o after argv"));
    finding.label("an argument of the command, not an option of the service");
    finding.help(
        "master.cf reads a service's `-o` options only before the first other word of its \
         command; pipe(8) takes everything after `argv=` as the command line. Move the `-o` \
         lines up, right under the service line (they then apply to pipe, which reads few \
         parameters), or set them on the service that should read them: smtpd_* settings \
         belong on an smtpd service, not on a pipe transport."
            .to_string(),
    );
}

/// The macros pipe(8) expands in its command (parse_callback() in pipe.c), with the release
/// that added each.
const PIPE_MACROS: &[(&str, &str)] = &[
    ("client_address", "3.7"),
    ("client_helo", "3.7"),
    ("client_hostname", "3.7"),
    ("client_port", "3.7"),
    ("client_protocol", "3.7"),
    ("domain", "3.7"),
    ("envid", "3.9"),
    ("extension", "3.7"),
    ("mailbox", "3.7"),
    ("nexthop", "3.7"),
    ("original_recipient", "3.7"),
    ("queue_id", "3.7"),
    ("recipient", "3.7"),
    ("sasl_method", "3.7"),
    ("sasl_sender", "3.7"),
    ("sasl_username", "3.7"),
    ("sender", "3.7"),
    ("size", "3.7"),
    ("user", "3.7"),
];

/// What mac_parse() finds wrong in one command word, as pipe(8) reads it: the first macro
/// name pipe does not know (`${recipent}`, `${recipient?x}`: pipe has no conditional
/// forms), an empty name (`$` before a character that cannot start one) or a `${` that is
/// never closed. None when every macro is known, or when a name is written in capitals only
/// (`${SPAMC}`): that is a shell or envsubst variable a deployment fills in, not something
/// postlint can judge.
fn pipe_macro_problem(word: &str, known: impl Fn(&str) -> bool) -> Option<MacroProblem<'_>> {
    let bytes = word.as_bytes();
    let mut at = 0;
    while let Some(dollar) = memchr::memchr(b'$', &bytes[at..]).map(|d| at + d) {
        let next = bytes.get(dollar + 1).copied();
        if next == Some(b'$') {
            at = dollar + 2;
            continue;
        }
        let (name, end) = match next {
            Some(open @ (b'{' | b'(')) => {
                let close = if open == b'{' { b'}' } else { b')' };
                let mut level = 1;
                let mut end = None;
                for (k, &b) in bytes.iter().enumerate().skip(dollar + 2) {
                    if b == open {
                        level += 1;
                    } else if b == close {
                        level -= 1;
                        if level == 0 {
                            end = Some(k);
                            break;
                        }
                    }
                }
                let Some(end) = end else {
                    return Some(MacroProblem::Truncated);
                };
                (&word[dollar + 2..end], end + 1)
            }
            _ => {
                let len = bytes[dollar + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                (&word[dollar + 1..dollar + 1 + len], dollar + 1 + len)
            }
        };
        if name.is_empty() {
            return Some(MacroProblem::Empty);
        }
        // A shell or envsubst variable, or a template expression inside the braces.
        if !name.bytes().any(|b| b.is_ascii_lowercase())
            || name.contains(['$', '{', '}', '(', ')', '%', '<', '>'])
        {
            return None;
        }
        if !known(name) {
            return Some(MacroProblem::Unknown(name));
        }
        at = end;
    }
    None
}

/// What [`pipe_macro_problem`] found.
#[derive(Debug, PartialEq)]
enum MacroProblem<'w> {
    Unknown(&'w str),
    Empty,
    Truncated,
}

/// A pipe(8) command with a macro pipe does not expand: pipe logs "unknown macro name" (or
/// an empty or truncated reference) and defers every message with 4.3.5 "mail system
/// configuration error". True when it reported one, or met a word it cannot judge (a
/// template's or an installer's): nothing more is said of the command then.
fn report_pipe_macros(
    model: &Model,
    service: &crate::model::master::Service,
    args: &[&str],
    argv_at: usize,
    out: &mut Findings,
) -> bool {
    let known = |name: &str| {
        PIPE_MACROS
            .iter()
            .any(|&(macro_name, since)| macro_name == name && model.target.has(since))
    };
    for (k, &arg) in args.iter().enumerate().skip(argv_at) {
        let span = service.args[k];
        let word = unbraced(arg);
        // The command starts after `argv=`.
        let word = if k == argv_at {
            word.get(5..).unwrap_or("")
        } else {
            word
        };
        if !crate::parse::placeholder::find(word).is_empty() || super::templated_line(model, span) {
            return true;
        }
        let Some(problem) = pipe_macro_problem(word, known) else {
            continue;
        };
        let label = service.label();
        let (warning, help) = match problem {
            MacroProblem::Unknown(name) => {
                let newer = PIPE_MACROS.iter().find(|(m, _)| *m == name);
                let help = match (newer, name.split(['?', ':']).next()) {
                    (Some((_, since)), _) => format!(
                        "${{{name}}} is expanded from Postfix {since} on; this setup is checked \
                         for {}.",
                        model.target.release()
                    ),
                    (None, Some(base)) if base != name && known(base) => format!(
                        "pipe(8) expands plain names only: write `${{{base}}}`, without the \
                         `{}` part (the conditional forms are main.cf's, not pipe's).",
                        &name[base.len()..]
                    ),
                    (None, _) => match super::closest(
                        name,
                        PIPE_MACROS
                            .iter()
                            .filter(|&&(_, since)| model.target.has(since))
                            .map(|&(m, _)| m),
                    ) {
                        Some(right) => format!("Did you mean `${{{right}}}`?"),
                        None => "Use one of the names pipe(8) documents.".to_string(),
                    },
                };
                (
                    format!("unknown macro name: {}", super::shorten(name)),
                    help,
                )
            }
            MacroProblem::Empty => (
                "empty macro name".to_string(),
                "Write `$$` for a `$` the command should see.".to_string(),
            ),
            MacroProblem::Truncated => (
                "truncated macro reference".to_string(),
                "Close the `${` (or `$(`) of the macro.".to_string(),
            ),
        };
        let finding = out.report(
            span,
            format!(
                "pipe(8) defers every message through {label}: \"{warning}\" in its command \
                 (4.3.5 \"mail system configuration error\")"
            ),
        );
        finding.subject(format!("{label}: {warning}"));
        finding.label("pipe cannot expand this");
        finding.help(format!(
            "{help} pipe(8) expands ${{recipient}}, ${{sender}}, ${{nexthop}}, ${{user}}, \
             ${{extension}}, ${{mailbox}}, ${{domain}}, ${{size}}, ${{original_recipient}}, \
             ${{queue_id}}, the client_* and sasl_* names{}; `$$` is a literal `$`.",
            if model.target.at_least("3.9") {
                " and ${envid}"
            } else {
                ""
            }
        ));
        return true;
    }
    false
}

/// An argument after a master.cf command's options that its daemon refuses. The daemons read
/// options with getopt("+..."), which stops at the first word that is no option: most often
/// the rest of a `-o` value with a space in it (`-o smtpd_recipient_restrictions=permit_sasl_
/// authenticated, reject`), which ends the value at the space, makes `reject` an argument, and
/// leaves the `-o` options after it unread.
fn report_stray_argument(
    model: &Model,
    service: &crate::model::master::Service,
    out: &mut Findings,
) {
    let program = crate::model::values::program_of(&service.command);
    let smtp_client = matches!(program, "smtp" | "lmtp");
    if !smtp_client && !crate::model::master::STOP_ON_ARGUMENTS.contains(&program) {
        return;
    }
    let args = arg_texts(model, service);
    let (mut i, mut o_value) = after_options(&args);
    // smtp(8) and lmtp(8) take `flags=...` attributes.
    let is_flags = |a: &&str| a.get(..6).is_some_and(|f| f.eq_ignore_ascii_case("flags="));
    while smtp_client && args.get(i).is_some_and(is_flags) {
        i += 1;
        o_value = None;
    }
    let Some(word) = args.get(i) else {
        return;
    };
    // `#...` is trailing-comment's; a word made by a template tag is not what Postfix sees,
    // and master does not expand `$name` in arguments: `${debug_flags}` there is an
    // installer's placeholder (NethServer's tmpl/master.cf), as is `@FLAGS@`. pipe(8)'s own
    // macros (`${nexthop} ${user}`) are a pipe line's leftover, and stray.
    let placeholder = word.contains('$') && !is_pipe_macro(word);
    if word.starts_with('#')
        || placeholder
        || !crate::parse::placeholder::find(word).is_empty()
        || super::templated_line(model, service.args[i])
    {
        return;
    }
    // The rest of a password table's value (`-o smtp_sasl_password_maps=static:user:pw`)
    // is never quoted.
    let secret = model.is_secret(service.args[i])
        || o_value.is_some_and(|v| {
            let name = v.split('=').next().unwrap_or(v);
            crate::model::secrets::is_secret_table_param(name)
        });
    if secret {
        o_value = o_value.map(|v| v.split('=').next().unwrap_or(""));
    }
    let shown = match secret {
        true => std::borrow::Cow::Borrowed("(the rest of a secret value)"),
        false => super::shorten(word),
    };
    let fatal = if smtp_client {
        format!("unknown attribute name: {shown}")
    } else {
        format!("unexpected command-line argument: {shown}")
    };
    let lost = args[i + 1..].iter().filter(|a| a.starts_with("-o")).count();
    let label = service.label();
    let finding = out.report(
        service.args[i],
        format!("`{shown}` is an argument {program} does not take: {label} stops with \"fatal: {fatal}\" when it is first used"),
    );
    let not_read = match lost {
        0 => String::new(),
        1 => " The `-o` option after it is not read either: the daemon stops reading options at this word.".to_string(),
        n => format!(" The {n} `-o` options after it are not read either: the daemon stops reading options at this word."),
    };
    match o_value {
        Some(value) => {
            let value = super::shorten(value);
            finding.label("the -o value before it ended at the space");
            finding.help(format!(
                "A master.cf field ends at whitespace, so `-o {value}` is the whole option and \
                 `{shown}` a separate word.{not_read} Write the value without spaces \
                 (`a,b`), or in braces with the spaces inside: `-o {{ name = value with \
                 spaces }}` (Postfix 3.0 and later), or set it in main.cf under a name of your \
                 own and write `-o name=$your_name`."
            ));
        }
        None => {
            finding.label("not an option");
            finding.help(format!(
                "Options come before any other word, and {program} takes no other word.{not_read} \
                 Remove it, or make it an option (`-o name=value`)."
            ));
        }
    }
}

fn check_value(def: &Definition, out: &mut Findings) {
    if is_raw(&def.name) {
        return;
    }
    let own = expand(
        &OwnTextOnly,
        ValueRef {
            text: &def.value,
            source: None,
        },
    );
    for error in &own.errors {
        report_value(def, error, out);
    }
}

fn report_value(def: &Definition, error: &str, out: &mut Findings) {
    let finding = out.report(def.value_span, format!("{}: {error}", def.name));
    finding.label("macro error");
    finding.help(format!(
        "Postfix stops with \"macro processing error\" when a program reads `{}`. \
         See `postlint --explain invalid-syntax` for the `$name` forms.",
        def.name
    ));
}

/// A reason that quotes the line (`missing '=' after attribute name: "password s3cret"`),
/// without the quote: the line holds a secret.
fn without_quote(reason: &str) -> String {
    match (reason.find('"'), reason.rfind('"')) {
        (Some(open), Some(close)) if open < close => {
            format!(
                "{}\"...\" (a secret: not shown){}",
                &reason[..open],
                &reason[close + 1..]
            )
        }
        _ => reason.to_string(),
    }
}

/// A master.cf that holds main.cf's lines (`myhostname = mail.example.com`) and no service:
/// main.cf saved under the other name. One finding for the file, at its first such line,
/// instead of one per line. True when reported.
fn report_main_cf_as_master_cf(model: &Model, out: &mut Findings) -> bool {
    let bad = &model.master.bad_lines;
    if !model.master.services.is_empty() || bad.len() < 3 {
        return false;
    }
    let setting = |b: &BadLine| {
        let text = model.sources.slice(b.span);
        let Some((name, _)) = text.split_once('=') else {
            return false;
        };
        let name = name.trim_ascii();
        !name.is_empty()
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            && crate::model::names::is_known_name(name)
    };
    let settings = bad.iter().filter(|b| setting(b)).count();
    if settings * 5 < bad.len() * 4 {
        return false;
    }
    let Some(first) = bad.iter().find(|b| setting(b)) else {
        return false;
    };
    let finding = out.report(
        first.span,
        format!(
            "this master.cf holds main.cf settings ({settings} of its {} lines are `name = \
             value`) and no service: postconf and master stop on the first one",
            bad.len()
        ),
    );
    finding.label("a main.cf line");
    finding.help(
        "master.cf lists services (`smtp inet n - y - - smtpd`); parameters go in main.cf. \
         This looks like main.cf saved as master.cf: put the distribution's master.cf back, \
         and these lines in main.cf.",
    );
    true
}

fn report_line(bad: &BadLine, file_kind: &str, consequence: &str, out: &mut Findings) {
    let finding = out.report(bad.span, bad.reason.clone());
    let reason = bad.reason.as_str();
    let advice = if reason.starts_with("logical line must not start with whitespace") {
        finding.label("skipped");
        format!(
            "Postfix skips this line. A line that starts with whitespace continues the line above \
             it, so this one has nothing to continue; start it at the beginning of the line, or \
             join it to the {file_kind} entry it belongs to."
        )
    } else if file_kind == "master.cf" && reason.starts_with("missing") {
        finding.label("the daemon cannot use this option");
        "Write `-o name=value` (no spaces) or `-o { name = value }` with both braces; postconf \
         warns about this option and the service does not get the setting you meant."
            .to_string()
    } else if reason.starts_with("missing") {
        finding.label("Postfix cannot read this line");
        format!(
            "{consequence}. Lines of {file_kind} are `name = value`; comments need `#` as the \
             first character that is not whitespace."
        )
    } else if reason.contains("is defined again on line") {
        // The master daemon only warns and uses the last entry: a setup that appends an
        // entry to override Postfix's own works, and this one's settings are what is lost.
        finding.severity = Severity::Warning;
        finding.label("replaced by a later entry");
        if reason.contains("the same endpoint") {
            "The master daemon names an inet service by the address and port it listens on \
             (`submission` is port 587, `smtp` port 25, `smtps` port 465), and runs the last \
             entry for each; remove one of them, or give the other a port \
             of its own, so that the settings you edit are the ones it runs."
                .to_string()
        } else {
            "The master daemon uses the last entry for a service name and type (it logs a \
             warning); remove or rename one of them, so that the settings you edit are the \
             ones it runs."
                .to_string()
        }
    } else if reason.starts_with("invalid \"-o") || reason.starts_with("-o at the end") {
        finding.label("the daemon cannot use this option");
        "The service's daemon stops with a fatal error at start-up. Write `-o name=value` \
         (no spaces) or `-o { name = value }`."
            .to_string()
    } else {
        finding.label("Postfix cannot read this entry");
        "postconf, and with it `postfix check` and `postfix start`, stops with a fatal error on \
         this entry. A master.cf entry has eight \
         fields (service type private unpriv chroot wakeup maxproc command) then the command's \
         arguments; see master(5)."
            .to_string()
    };
    finding.help(advice);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mac_parse() as pipe(8) calls it: `$name`, `${name}`, `$(name)`, `$$`; names in
    /// capitals are a deployment's variables and not judged.
    #[test]
    fn pipe_macros_are_read_as_mac_parse_reads_them() {
        let known = |n: &str| PIPE_MACROS.iter().any(|(m, _)| *m == n);
        let problem = |w| pipe_macro_problem(w, known);
        for fine in [
            "${recipient}",
            "$recipient",
            "$(sender)",
            "-f${sender}",
            "${user}@${nexthop}",
            "$recipient.x",
            "$$HOME",
            "cost$$",
            "/usr/bin/deliver",
            "${SPAMC_BIN}",
            "$HOME",
            "${recipient}${envid}",
            "{{ pipe_args }}",
        ] {
            assert_eq!(problem(fine), None, "{fine}");
        }
        assert_eq!(
            problem("${recipent}"),
            Some(MacroProblem::Unknown("recipent"))
        );
        assert_eq!(
            problem("-r${sender}x${Recipient}"),
            Some(MacroProblem::Unknown("Recipient"))
        );
        assert_eq!(
            problem("${recipient?x}"),
            Some(MacroProblem::Unknown("recipient?x"))
        );
        assert_eq!(problem("$rcpt"), Some(MacroProblem::Unknown("rcpt")));
        assert_eq!(problem("a$"), Some(MacroProblem::Empty));
        assert_eq!(problem("$-x"), Some(MacroProblem::Empty));
        assert_eq!(problem("${}"), Some(MacroProblem::Empty));
        assert_eq!(problem("${recipient"), Some(MacroProblem::Truncated));
        // Template characters inside the braces: not judged.
        assert_eq!(problem("${{ pipe_user }}"), None);
        assert_eq!(problem("$(user{)"), None);
    }

    #[test]
    fn pattern_keys_are_slashed_patterns_with_a_metacharacter() {
        for key in [
            "/.*/",
            "/.+/",
            "/^(.*)@example\\.com$/",
            "/^admin@/i",
            "/x|y/",
            "/^a\\/b$/",
        ] {
            assert!(is_pattern_key(key), "{key}");
        }
        for key in [
            "/",
            "//",
            "/var/mail/",
            "/home/a.b/",
            "user@example.com",
            "/abc/",
            "/.*/1",
        ] {
            assert!(!is_pattern_key(key), "{key}");
        }
    }
}
