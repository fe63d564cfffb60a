//! A TLS policy the smtp client refuses: an smtp_tls_policy_maps entry smtp_tls_policy.c
//! (tls_policy_lookup_one) marks invalid, or main.cf's fingerprint level with no fingerprints
//! to match (policy_create). Every message to the destinations it covers is deferred ("4.7.5
//! client TLS configuration problem") until someone reads the log. The tables are those the
//! running smtp and lmtp clients read, each with its own `-o` overrides.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::master::Service;
use crate::model::restrictions::{service_definition, service_value};
use crate::model::tables::TableId;
use crate::model::tls::Level;
use crate::model::values::program_of;
use crate::model::Model;
use crate::parse::list::list_items;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "tls-policy-invalid",
    severity: Severity::Error,
    summary: "a TLS policy the smtp client refuses (a policy table entry, or the fingerprint level with nothing to match): mail is deferred",
    doc: include_str!("../../rules/tls-policy-invalid.md"),
    undecided: super::always_decides,
    check,
};

/// The level names tls_level_lookup() accepts (`halfdane` is for output only).
const LEVELS: &[&str] = &[
    "none",
    "may",
    "encrypt",
    "dane",
    "dane-only",
    "fingerprint",
    "verify",
    "secure",
];

/// What each attribute may be given, as smtp_tls_policy.c reads it.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Once, not empty (`ciphers`).
    OnceNotEmpty,
    /// Once, any value (`protocols`, `exclude`).
    Once,
    /// Once, a valid hostname (`servername`).
    Hostname,
    /// Any number of times, not empty, at fingerprint, verify and secure only (`match`).
    Match,
    /// Any number of times, not empty, at verify and secure only (`tafile`).
    TaFile,
    /// `yes` or `no`, any case, the last one wins (`connection_reuse`, `enable_rpk`).
    Boolean,
    /// An attribute of an external (TLSRPT/MTA-STS plugin) policy: valid only beside
    /// `policy_type` (Postfix 3.10).
    External,
}

/// The attributes, the release that brought each, and what it takes.
const ATTRIBUTES: &[(&str, &str, Kind)] = &[
    ("ciphers", "2.3", Kind::OnceNotEmpty),
    ("protocols", "2.6", Kind::Once),
    ("exclude", "2.6", Kind::Once),
    ("match", "2.3", Kind::Match),
    ("tafile", "2.11", Kind::TaFile),
    ("servername", "3.4", Kind::Hostname),
    ("connection_reuse", "3.4", Kind::Boolean),
    ("enable_rpk", "3.9", Kind::Boolean),
    ("policy_type", "3.10", Kind::External),
    ("policy_ttl", "3.10", Kind::External),
    ("policy_domain", "3.10", Kind::External),
    ("policy_string", "3.10", Kind::External),
    ("mx_host_pattern", "3.10", Kind::External),
    ("policy_failure", "3.10", Kind::External),
];

/// The legacy smtp_tls_per_site actions that are no policy level, and the level that says the
/// same in a policy table (NONE and MAY are levels too).
const PER_SITE: &[(&str, &str)] = &[("must", "verify"), ("must_nopeermatch", "encrypt")];

/// Why Postfix refuses a policy, and what to write instead.
struct Refusal {
    /// The word of the value it is about.
    word: String,
    /// Where that word is in the value, when it is one.
    at: Option<std::ops::Range<usize>>,
    /// What the smtp client logs (after "example.com: ...").
    logged: String,
    help: String,
}

/// The range of `part`, a slice of `value`, in `value`.
fn within(value: &str, part: &str) -> std::ops::Range<usize> {
    let start = part.as_ptr() as usize - value.as_ptr() as usize;
    start..start + part.len()
}

/// `split_nameval()`: `name = value` with blanks around both trimmed.
fn split_nameval(token: &str) -> Result<(&str, &str), &'static str> {
    let token = token.trim_ascii_start();
    if token.is_empty() || token.starts_with('=') {
        return Err("missing attribute name");
    }
    let name_end = token
        .find(|c: char| c.is_ascii_whitespace() || c == '=')
        .unwrap_or(token.len());
    let rest = token[name_end..].trim_ascii_start();
    let Some(value) = rest.strip_prefix('=') else {
        return Err("missing '=' after attribute name");
    };
    Ok((&token[..name_end], value.trim_ascii()))
}

/// `balpar()`: the length of the `{...}` group a token starts with, None when it does not
/// close.
fn balanced_end(token: &str) -> Option<usize> {
    let mut level = 0usize;
    for (i, b) in token.bytes().enumerate() {
        match b {
            b'{' => level += 1,
            b'}' => {
                level -= 1;
                if level == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a policy may name certificate names to match (`TLS_MUST_MATCH` levels that
/// read `match=`).
fn takes_match(level: Level) -> bool {
    matches!(level, Level::Fingerprint | Level::Verify | Level::Secure)
}

/// Why the smtp client refuses a policy value, as tls_policy_lookup_one() reads it; None when
/// it takes it.
/// `fingerprints`: whether the client's `*_tls_fingerprint_cert_match` gives fingerprints to a
/// `fingerprint` policy without `match=`.
fn refusal(model: &Model, value: &str, fingerprints: bool) -> Option<Refusal> {
    // Braces keep a word together from Postfix 3.10 (mystrtokq); before, a policy is split
    // at every comma and space (mystrtok), braces or not.
    let braces = model.target.at_least("3.10");
    let mut tokens: Box<dyn Iterator<Item = &str>> = match braces {
        true => Box::new(list_items(value).map(|r| &value[r])),
        false => Box::new(
            value
                .split(|c: char| crate::parse::list::is_list_separator(c as u8) && c.is_ascii())
                .filter(|t| !t.is_empty()),
        ),
    };
    let Some(first) = tokens.next() else {
        return Some(Refusal {
            word: String::new(),
            at: None,
            logged: "invalid empty policy".to_string(),
            help: "Write a security level (`encrypt`, `verify`, ...) as the value.".to_string(),
        });
    };
    let Some(level) = Level::parse(first) else {
        let lower = first.to_ascii_lowercase();
        let instead = PER_SITE
            .iter()
            .find(|(old, _)| *old == lower)
            .map(|(_, new)| {
                format!(
                    "`{first}` is an action of the legacy smtp_tls_per_site table; in \
                     smtp_tls_policy_maps write `{new}`."
                )
            })
            .or_else(|| {
                super::closest(&lower, LEVELS.iter().copied())
                    .map(|level| format!("Did you mean `{level}`?"))
            })
            .unwrap_or_default();
        return Some(Refusal {
            word: first.to_string(),
            at: Some(within(value, first)),
            logged: format!("invalid security level \"{first}\""),
            help: format!(
                "{instead} The value starts with a TLS security level: {}.",
                super::backticked(LEVELS)
            )
            .trim_ascii_start()
            .to_string(),
        });
    };
    // With TLS off the client logs "ignoring attribute" for each and delivers.
    if level == Level::None {
        return None;
    }
    let level_name = first.to_ascii_lowercase();
    let mut seen: Vec<&str> = Vec::new();
    let mut external_type = false;
    let mut external_other: Option<String> = None;
    for token in tokens {
        let pair = match braces && token.starts_with('{') {
            true => match balanced_end(token) {
                Some(end) if end == token.len() => split_nameval(&token[1..end - 1]),
                Some(_) => Err("syntax error after '}'"),
                None => Err("missing '}'"),
            },
            false => split_nameval(token),
        };
        let (name, attr_value) = match pair {
            Ok(pair) => pair,
            Err(why) => {
                let help = if !braces && (token.starts_with('{') || token.ends_with('}')) {
                    format!(
                        "Braces around an attribute (`{{ name = value }}`) came with Postfix \
                         3.10; this setup is linted for Postfix {} ({}), which splits the value \
                         at every space. Write the attribute without spaces: `name=value`.",
                        model.target.release(),
                        model.target.origin_text()
                    )
                } else if token.starts_with('!') || token.contains(':') {
                    format!(
                        "The list of a policy's value is split at commas and spaces, so `{token}` \
                         is an attribute of its own. Separate the items of one attribute with \
                         colons, without spaces: `protocols=!SSLv2:!SSLv3`."
                    )
                } else {
                    format!("Write each attribute as `name=value`; `{token}` has no `=`.")
                };
                return Some(Refusal {
                    word: token.to_string(),
                    at: Some(within(value, token)),
                    logged: format!("malformed attribute/value pair \"{token}\": {why}"),
                    help,
                });
            }
        };
        let lower = name.to_ascii_lowercase();
        let known = ATTRIBUTES.iter().find(|(n, _, _)| *n == lower);
        let Some(&(_, since, kind)) = known.filter(|(_, since, _)| model.target.has(since)) else {
            let help = match known {
                Some((n, since, _)) => format!(
                    "`{n}` came with Postfix {since}; this setup is linted for Postfix {} ({}).",
                    model.target.release(),
                    model.target.origin_text()
                ),
                None => {
                    let names = ATTRIBUTES
                        .iter()
                        .filter(|(_, since, _)| model.target.has(since))
                        .map(|(n, _, _)| *n);
                    match super::closest(&lower, names) {
                        Some(n) => format!("Did you mean `{n}`?"),
                        None => "See \"TLS policy table\" in postconf(5) smtp_tls_policy_maps for \
                                 the attributes."
                            .to_string(),
                    }
                }
            };
            return Some(Refusal {
                word: token.to_string(),
                at: Some(within(value, token)),
                logged: format!("invalid attribute name: \"{name}\""),
                help,
            });
        };
        let _ = since;
        let once = matches!(
            kind,
            Kind::OnceNotEmpty | Kind::Once | Kind::Hostname | Kind::External
        ) && !matches!(lower.as_str(), "policy_string" | "mx_host_pattern");
        if once && seen.contains(&lower.as_str()) {
            return Some(Refusal {
                word: token.to_string(),
                at: Some(within(value, token)),
                logged: format!("attribute \"{name}\" is specified multiple times"),
                help: format!("Keep one `{lower}=` in the entry."),
            });
        }
        if let Some(&known_name) = ATTRIBUTES.iter().map(|(n, _, _)| n).find(|n| **n == lower) {
            seen.push(known_name);
        }
        let empty = attr_value.is_empty()
            && matches!(kind, Kind::OnceNotEmpty | Kind::Match | Kind::TaFile);
        if empty {
            return Some(Refusal {
                word: token.to_string(),
                at: Some(within(value, token)),
                logged: format!("attribute \"{name}\" has empty value"),
                help: format!("Give `{lower}` a value, or remove it."),
            });
        }
        match kind {
            Kind::Match if !takes_match(level) => {
                return Some(Refusal {
                    word: token.to_string(),
                    at: Some(within(value, token)),
                    logged: format!(
                        "attribute \"{name}\" invalid at security level \"{level_name}\""
                    ),
                    help: format!(
                        "`match` names the certificate names or fingerprints to check, which \
                         only `fingerprint`, `verify` and `secure` do. To check the server's \
                         name write `secure {token}` (or `verify`); for encryption without a \
                         name check remove `{token}`."
                    ),
                });
            }
            Kind::TaFile if !matches!(level, Level::Verify | Level::Secure) => {
                return Some(Refusal {
                    word: token.to_string(),
                    at: Some(within(value, token)),
                    logged: format!(
                        "attribute \"{name}\" invalid at security level \"{level_name}\""
                    ),
                    help: "`tafile` adds trust anchors for certificate verification: use it with \
                           `verify` or `secure`."
                        .to_string(),
                });
            }
            Kind::Hostname if !crate::model::relay::valid_hostname(attr_value) => {
                return Some(Refusal {
                    word: token.to_string(),
                    at: Some(within(value, token)),
                    logged: format!("\"{name}={attr_value}\" specifies an invalid hostname"),
                    help: "Write a host name (`servername=mail.example.com`), or \
                           `servername=hostname` for the name of the server connected to."
                        .to_string(),
                });
            }
            Kind::Boolean if crate::model::tls::boolean(attr_value).is_none() => {
                return Some(Refusal {
                    word: token.to_string(),
                    at: Some(within(value, token)),
                    logged: format!("attribute \"{name}\" has bad value: \"{attr_value}\""),
                    help: format!("`{lower}` takes `yes` or `no`."),
                });
            }
            Kind::External if lower == "policy_type" => external_type = true,
            Kind::External => external_other = Some(lower),
            _ => {}
        }
    }
    // smtp_tls_policy.c (policy_create): "configured at fingerprint security level, but with
    // no fingerprints to match".
    if level == Level::Fingerprint && !seen.contains(&"match") && !fingerprints {
        return Some(Refusal {
            word: first.to_string(),
            at: Some(within(value, first)),
            logged: "configured at fingerprint security level, but with no fingerprints to match"
                .to_string(),
            help: "Give the server certificate's fingerprints with `match=` \
                   (`fingerprint match=3D:95:34:...`), or set smtp_tls_fingerprint_cert_match."
                .to_string(),
        });
    }
    if let (false, Some(other)) = (external_type, external_other) {
        return Some(Refusal {
            word: other.clone(),
            at: None,
            logged: "built-in policy has unexpected attribute policy_ttl, policy_domain, \
                     policy_string, mx_host_pattern or policy_failure"
                .to_string(),
            help: format!(
                "`{other}` belongs to a policy an MTA-STS or TLSRPT plugin returns, with \
                 `policy_type`; a policy written in the table does not take it."
            ),
        });
    }
    None
}

/// The running smtp and lmtp clients (both when master.cf is not there: Postfix's own has
/// them), each with the prefix of the parameters it reads.
fn clients(model: &Model) -> Vec<(Option<&Service>, &'static str)> {
    if !model.master.is_known() {
        return vec![(None, "smtp"), (None, "lmtp")];
    }
    model
        .master
        .running()
        .filter_map(|s| match program_of(&s.command) {
            "smtp" => Some((Some(s), "smtp")),
            "lmtp" => Some((Some(s), "lmtp")),
            _ => None,
        })
        .collect()
}

/// A policy table and how its readers take it: the parameter that names it for the first
/// reader, and whether every reader has fallback fingerprints (`*_tls_fingerprint_cert_match`,
/// unknown counts as given).
struct Readers {
    table: TableId,
    param: String,
    fingerprints: bool,
}

fn check(model: &Model, out: &mut Findings) {
    let mut readers: Vec<Readers> = Vec::new();
    // The legacy per-site tables of the clients without a policy table.
    let mut per_site: Vec<(TableId, &'static str)> = Vec::new();
    // Each fingerprint level line without fingerprints, with the clients that read it: one
    // finding per line.
    let mut levels: Vec<(Span, &'static str, Vec<String>)> = Vec::new();
    for (service, prefix) in clients(model) {
        let fingerprints = service_value(
            model,
            service,
            &format!("{prefix}_tls_fingerprint_cert_match"),
        )
        .is_none_or(|v| !v.trim_ascii().is_empty());
        let param = format!("{prefix}_tls_policy_maps");
        let Some(value) = service_value(model, service, &param) else {
            continue;
        };
        // smtp_tls_per_site counts only without a policy table (policy_create()).
        if value.is_empty() {
            if let Some(sites) = service_value(model, service, &format!("{prefix}_tls_per_site")) {
                for id in model.tables.entry_tables_named(&sites) {
                    if !per_site.iter().any(|(t, _)| *t == id) {
                        per_site.push((id, prefix));
                    }
                }
            }
        }
        // Without a policy table the level is every destination's (with one, only the
        // fallback for the destinations the table does not list, which postlint cannot tell).
        if value.is_empty() && !fingerprints {
            if let Some(span) = fingerprint_level(model, service, prefix) {
                let label = service.map(|s| s.label());
                match levels
                    .iter_mut()
                    .find(|(s, p, _)| *s == span && *p == prefix)
                {
                    Some((.., labels)) => labels.extend(label),
                    None => levels.push((span, prefix, label.into_iter().collect())),
                }
            }
        }
        for id in model.tables.entry_tables_named(&value) {
            match readers.iter_mut().find(|r| r.table == id) {
                Some(seen) => seen.fingerprints &= fingerprints,
                None => readers.push(Readers {
                    table: id,
                    param: param.clone(),
                    fingerprints,
                }),
            }
        }
    }
    for (span, prefix, labels) in levels {
        report_level(span, prefix, &labels, out);
    }
    for readers in &readers {
        check_table(model, readers, out);
    }
    for (table, prefix) in per_site {
        check_per_site(model, table, prefix, out);
    }
}

/// The actions smtp_tls_per_site takes (tls_site_lookup(), any case).
const PER_SITE_ACTIONS: &[&str] = &["NONE", "MAY", "MUST_NOPEERMATCH", "MUST"];

/// Entries of a legacy smtp_tls_per_site table that are none of its four actions: most often a
/// policy table's level (`encrypt`, `verify`). The client logs "unknown TLS policy" and defers
/// the mail.
fn check_per_site(model: &Model, table: TableId, prefix: &str, out: &mut Findings) {
    let Some(entries) = model.tables.get(table).entries() else {
        return;
    };
    for entry in entries.iter() {
        let value = entry.value.trim_ascii();
        if value.contains('$')
            || !crate::parse::placeholder::find(value).is_empty()
            || PER_SITE_ACTIONS
                .iter()
                .any(|a| a.eq_ignore_ascii_case(value))
        {
            continue;
        }
        let key = super::shorten(entry.key);
        let shown = super::shorten(value);
        let instead = match value.to_ascii_lowercase().as_str() {
            "encrypt" => " (`encrypt` is `MUST_NOPEERMATCH` here)".to_string(),
            "verify" | "secure" => format!(" (`{value}` is close to `MUST` here)"),
            _ => String::new(),
        };
        let finding = out.report(
            entry.value_span,
            format!(
                "the {prefix}_tls_per_site entry for {key} is invalid (unknown TLS policy \
                 '{shown}'): the {prefix} client defers every message to {key}"
            ),
        );
        finding.subject(format!("per-site {} -> {value}", entry.key));
        finding.label(format!("`{shown}` is no per-site action"));
        finding.help(format!(
            "The legacy {prefix}_tls_per_site table takes only {}{instead}. The security \
             levels (`encrypt`, `verify`, `secure`, `dane`, ...) belong in \
             {prefix}_tls_policy_maps, which replaces it. For each message the client logs \
             `warning: {prefix}_tls_per_site: unknown TLS policy '{shown}' for next-hop \
             destination {key}` and defers it.",
            super::backticked(PER_SITE_ACTIONS)
        ));
    }
}

/// Where a client's `*_tls_security_level` is set to fingerprint (its `-o` or main.cf line).
fn fingerprint_level(model: &Model, service: Option<&Service>, prefix: &str) -> Option<Span> {
    let param = format!("{prefix}_tls_security_level");
    service_value(model, service, &param)?
        .eq_ignore_ascii_case("fingerprint")
        .then(|| service_definition(model, service, &param))
        .flatten()
        .map(|d| d.value_span)
}

/// `*_tls_security_level = fingerprint` with no fingerprints to match, for the clients named.
fn report_level(span: Span, prefix: &str, labels: &[String], out: &mut Findings) {
    let who = super::for_services(labels);
    let finding = out.report(
        span,
        format!(
            "{prefix}_tls_security_level is fingerprint{who}, but \
             {prefix}_tls_fingerprint_cert_match is empty: the TLS policy is invalid and the \
             {prefix} client defers every message"
        ),
    );
    finding.subject(format!("{prefix} fingerprint level without fingerprints"));
    finding.label("no fingerprints to match");
    finding.help(format!(
        "Set {prefix}_tls_fingerprint_cert_match to the fingerprints of the server \
         certificates (or public keys) you trust, as `openssl x509 -noout -fingerprint \
         -sha256` prints them, with {prefix}_tls_fingerprint_digest to match. For each message \
         the client logs `warning: nexthop domain example.com: configured at fingerprint \
         security level, but with no fingerprints to match.` and defers it (4.7.5 `client TLS \
         configuration problem`); postfix check says nothing."
    ));
}

/// Every entry of a policy table its readers refuse.
fn check_table(model: &Model, readers: &Readers, out: &mut Findings) {
    let param = readers.param.as_str();
    let Some(entries) = model.tables.get(readers.table).entries() else {
        return;
    };
    for entry in entries.iter() {
        let value = entry.value;
        // A value an installer or a template fills in is not known.
        if value.contains('$') || !crate::parse::placeholder::find(value).is_empty() {
            continue;
        }
        let Some(refusal) = refusal(model, value, readers.fingerprints) else {
            continue;
        };
        let key = super::shorten(entry.key);
        let destination = match key.strip_prefix('.') {
            Some(parent) => format!("the subdomains of {parent}"),
            None => key.to_string(),
        };
        let word = super::shorten(&refusal.word);
        // The word itself when the value is written as stored (no continuation lines).
        let verbatim = model.sources.slice(entry.value_span) == value;
        let span = match (&refusal.at, verbatim) {
            (Some(at), true) => Span {
                start: entry.value_span.start + at.start as u32,
                end: entry.value_span.start + at.end as u32,
                ..entry.value_span
            },
            _ => entry.value_span,
        };
        let finding = out.report(
            span,
            format!(
                "the TLS policy for {key} is invalid ({}): the {} client defers every message \
                 to {destination}",
                refusal.logged,
                if param.starts_with("lmtp") {
                    "lmtp"
                } else {
                    "smtp"
                }
            ),
        );
        finding.subject(format!("{} -> {}", entry.key, refusal.word));
        finding.label(match word.is_empty() {
            true => "no security level".to_string(),
            false => format!("`{word}` is refused"),
        });
        finding.help(format!(
            "{} For each message the client logs `warning: {param}, next-hop destination \
             \"{key}\": {}` and defers it (`client TLS configuration problem`); postmap and \
             postfix check say nothing.",
            refusal.help, refusal.logged
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(value: &str) -> Option<String> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("main.cf"), "").expect("main.cf written");
        let model = Model::load(&crate::model::LoadOptions {
            config_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        })
        .expect("an empty setup loads");
        refusal(&model, value, false).map(|r| r.logged)
    }

    #[test]
    fn reads_policies_as_the_smtp_client_does() {
        for ok in [
            "encrypt",
            "ENCRYPT",
            "secure match=.example.com:example.com",
            "verify match=hostname:nexthop tafile=/etc/ta.pem",
            "encrypt protocols=!SSLv2:!SSLv3 ciphers=high",
            "fingerprint match=AB:CD match=EF:01",
            "may { servername = mail.example.com }",
            "none ciphers=",
            "none match=x bogus",
            "encrypt connection_reuse=Yes",
            "dane-only",
        ] {
            assert_eq!(refused(ok), None, "{ok}");
        }
        for (bad, logged) in [
            ("encrpyt", "invalid security level \"encrpyt\""),
            ("MUST", "invalid security level \"MUST\""),
            ("encrypt match=.example.com", "attribute \"match\" invalid at security level \"encrypt\""),
            ("encrypt protocols=!SSLv2, !SSLv3", "malformed attribute/value pair \"!SSLv3\": missing '=' after attribute name"),
            ("encrypt protocols !SSLv2", "malformed attribute/value pair \"protocols\": missing '=' after attribute name"),
            ("encrypt ciphers=", "attribute \"ciphers\" has empty value"),
            ("encrypt ciphers=high ciphers=medium", "attribute \"ciphers\" is specified multiple times"),
            ("encrypt cipher=high", "invalid attribute name: \"cipher\""),
            ("encrypt servername=-bad", "\"servername=-bad\" specifies an invalid hostname"),
            ("encrypt connection_reuse=maybe", "attribute \"connection_reuse\" has bad value: \"maybe\""),
            ("encrypt tafile=/etc/ta.pem", "attribute \"tafile\" invalid at security level \"encrypt\""),
            ("encrypt policy_ttl=300", "built-in policy has unexpected attribute policy_ttl, policy_domain, policy_string, mx_host_pattern or policy_failure"),
            ("encrypt { ciphers = high", "malformed attribute/value pair \"{ ciphers = high\": missing '}'"),
            ("fingerprint", "configured at fingerprint security level, but with no fingerprints to match"),
            ("encrypt {ciphers=high}x", "malformed attribute/value pair \"{ciphers=high}x\": syntax error after '}'"),
        ] {
            assert_eq!(refused(bad).as_deref(), Some(logged), "{bad}");
        }
    }
}
