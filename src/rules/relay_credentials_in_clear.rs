//! SMTP AUTH towards the relayhost over opportunistic TLS: an attacker who strips STARTTLS
//! from the server's EHLO reply gets the password in clear.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::UNKNOWN;
use crate::model::restrictions::{service_definition, service_value};
use crate::model::tables::Answer;
use crate::model::tls::{
    client_level, default_delivery, flag, has_word, relayhost, Destination, Level,
};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "relay-credentials-in-clear",
    severity: Severity::Error,
    summary: "the smtp client logs in to the relayhost without mandatory TLS: a STARTTLS-stripping attacker reads the password",
    doc: include_str!("../../rules/relay-credentials-in-clear.md"),
    undecided: covered_by_unknown_policy,
    check,
};

/// Silence may come from a TLS policy table postlint cannot read, from a relayhost whose
/// value it cannot know (`relayhost = <%= @relayhost %>`: which relay, and whether any), or
/// from a setting the check needs whose value is unknown (the package's own main.cf that an
/// image's `postconf -e` lines amend, a template's unknown lines) where no known one already
/// keeps the password off the wire.
fn covered_by_unknown_policy(model: &Model) -> bool {
    unknown_setting(model)
        || model.maps_partial("smtp_tls_policy_maps")
        || (model.params.get("relayhost").is_some()
            && service_value(model, None, "relayhost").is_none()
            && !(templated_relayhost(model).is_some() && no_policy_table(model)))
}

/// Whether the gates stop at a setting whose value is unknown before any known value makes
/// the login safe ([`verdict`]).
fn unknown_setting(model: &Model) -> bool {
    matches!(verdict(model), Verdict::Unknown)
}

/// What the settings in front of the relay's login say, in the order the client applies them:
/// SASL off, wrapper mode, no password table, `noplaintext` or mandatory TLS make it safe; a
/// setting whose value is unknown before any of those leaves it unknown; else the client logs
/// in over opportunistic TLS, unless a per-destination policy says otherwise (`check` asks the
/// policy table per relay). One walk for `check` and for the rule's "could not decide".
enum Verdict<'m> {
    Safe,
    Unknown,
    Exposed {
        service: Option<&'m crate::model::master::Service>,
        level: crate::model::tls::Decided<'m>,
        /// smtp_tls_policy_maps, when set.
        policy: Option<crate::model::MapsList>,
    },
}

fn verdict(model: &Model) -> Verdict<'_> {
    // Which service delivers (default_transport, or the transport of a transport_maps `*`
    // entry that overrules the relayhost) unknown: SASL known off in main.cf is all that
    // keeps it decided.
    let Some(service) = delivery(model) else {
        return match flag(model, None, "smtp_sasl_auth_enable") {
            Some(false) => Verdict::Safe,
            _ => Verdict::Unknown,
        };
    };
    // The default transport is not an smtp service postlint can read, or no smtp client at
    // all (`default_transport = error`: nothing is relayed).
    if model.master.is_known()
        && service.is_none_or(|s| crate::model::values::program_of(&s.command) != "smtp")
    {
        return Verdict::Safe;
    }
    let flags = [
        ("smtp_sasl_auth_enable", true),
        ("smtp_tls_wrappermode", false),
    ];
    for (name, unsafe_when) in flags {
        match flag(model, service, name) {
            None => return Verdict::Unknown,
            Some(value) if value != unsafe_when => return Verdict::Safe,
            Some(_) => {}
        }
    }
    match service_value(model, service, "smtp_sasl_password_maps") {
        None => return Verdict::Unknown,
        Some(maps) if maps.is_empty() => return Verdict::Safe,
        Some(_) => {}
    }
    // noplaintext (the default): PLAIN and LOGIN are not used on an unencrypted session.
    match service_value(model, service, "smtp_sasl_security_options") {
        None => return Verdict::Unknown,
        Some(options) if has_word(&options, "noplaintext") => return Verdict::Safe,
        Some(_) => {}
    }
    let level = match client_level(model, service, "smtp") {
        None => return Verdict::Unknown,
        Some(level) if level.level.mandatory() => return Verdict::Safe,
        Some(level) => level,
    };
    // The legacy per-site table, set, may require TLS: postlint does not read it.
    match service_value(model, service, "smtp_tls_per_site") {
        Some(v) if v.is_empty() => {}
        _ => return Verdict::Unknown,
    }
    let policy = match service_value(model, service, "smtp_tls_policy_maps") {
        None => return Verdict::Unknown,
        Some(v) if v.is_empty() => None,
        // A service's own policy table (`-o smtp_tls_policy_maps=...`): not looked up.
        Some(_) if service.is_some_and(|s| s.override_of("smtp_tls_policy_maps").is_some()) => {
            return Verdict::Unknown
        }
        Some(_) => Some(model.maps("smtp_tls_policy_maps")),
    };
    Verdict::Exposed {
        service,
        level,
        policy,
    }
}

/// The service that takes remote mail to its next hop: the transport of a transport_maps `*`
/// entry that overrules the relayhost, else default_transport's ([`default_delivery`]).
fn delivery(model: &Model) -> Option<Option<&crate::model::master::Service>> {
    let Some((transport, _, _)) = crate::model::tls::relayhost_overruled(model) else {
        return default_delivery(model);
    };
    let name = match transport.as_str() {
        "" => service_value(model, None, "default_transport")?
            .split(':')
            .next()
            .unwrap_or("")
            .trim_ascii()
            .to_string(),
        name => name.to_string(),
    };
    match model.master.is_known() {
        true => crate::model::tls::transport_service(model, &name).map(Some),
        false => Some(None),
    }
}

/// A relayhost with unknown text that names one relay whatever the text holds: outside the
/// unknown parts it is `[`, `]` and a port (`[{{ relay_host }}]:587`, `[${RELAY}]`). Which
/// relay is unknown; that mail goes to one, with the login, is not.
fn templated_relayhost(model: &Model) -> Option<&crate::model::params::Definition> {
    let definition = model.params.get("relayhost")?;
    if service_value(model, None, "relayhost").is_some() {
        return None;
    }
    let expanded = model.params.expand("relayhost");
    let text = expanded.text.trim_ascii();
    let (host, after) = text.strip_prefix('[')?.split_once(']')?;
    let port = match after {
        "" => true,
        after => after.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == UNKNOWN)
        }),
    };
    let one = !host.is_empty() && !host.contains([' ', ',', '\t', '[', ']']);
    (port && one && expanded.errors.is_empty()).then_some(definition)
}

/// Whether smtp_tls_policy_maps is known to be empty: no policy entry can require TLS.
fn no_policy_table(model: &Model) -> bool {
    service_value(model, None, "smtp_tls_policy_maps").is_some_and(|v| v.is_empty())
}

fn check(model: &Model, out: &mut Findings) {
    let Verdict::Exposed {
        service,
        level,
        policy,
    } = verdict(model)
    else {
        return;
    };
    // A policy entry for the destination (or one postlint cannot read) decides.
    let has_policy = |dest: &Destination| {
        let Some(maps) = &policy else {
            return false;
        };
        let host = &dest.host;
        let mut keys = vec![dest.written.clone(), host.clone(), format!("[{host}]")];
        if let Some(port) = &dest.port {
            keys.push(format!("[{host}]:{port}"));
            keys.push(format!("{host}:{port}"));
        }
        keys.iter()
            .any(|k| maps.lookup(&model.tables, k) != Answer::NotFound)
    };
    let enable = service_definition(model, service, "smtp_sasl_auth_enable")
        .expect("smtp_sasl_auth_enable defaults to no");
    // A relayhost of unknown text that still names one relay (`[{{ relay_host }}]:587`):
    // without a policy table, which relay it is does not matter.
    let templated = match policy.is_none() {
        true => templated_relayhost(model).map(|definition| {
            let written = model
                .sources
                .slice(definition.value_span)
                .trim()
                .to_string();
            let dest = Destination {
                host: written.clone(),
                bracketed: true,
                port: None,
                written,
            };
            (dest, definition)
        }),
        false => None,
    };
    // A relay at a loopback address (a local stunnel or tunnel that wraps the connection in
    // TLS): the login never leaves the host. A name (`localhost`) is looked up in DNS first.
    let on_this_host = |dest: &Destination| {
        dest.host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
    };
    // A transport_maps `*` entry with a next hop overrules the relayhost: the login goes to
    // that next hop (when the entry names the default transport's smtp client) instead.
    // Where all remote mail goes: that next hop (`verdict` judged its transport's login), else
    // the relayhost. Each with what the finding calls it and the line that names it.
    let overruled = crate::model::tls::relayhost_overruled(model);
    let all_mail = match &overruled {
        Some((_, hop, span)) => Destination::parse(hop).map(|dest| {
            (
                dest,
                *span,
                "this next hop",
                "every next hop",
                "the next hop of every remote domain (transport_maps `*`, which overrules relayhost)",
            )
        }),
        None => relayhost(model).or(templated).map(|(dest, definition)| {
            (
                dest,
                definition.value_span,
                "the relayhost",
                "the relayhost",
                "the relayhost",
            )
        }),
    };
    if let Some((dest, named_at, towards, login_to, named)) = all_mail {
        if !has_policy(&dest) && !on_this_host(&dest) {
            let primary = level.span().unwrap_or(enable.value_span);
            let finding = report(out, primary, &dest, &level);
            finding.label(if level.span().is_some() {
                "TLS is not required here"
            } else {
                "SASL login turned on, TLS optional"
            });
            if primary != enable.value_span {
                finding.secondary(enable.value_span, format!("SASL login to {login_to}"));
            }
            finding.secondary(named_at, named);
            // A relayhost of template text: no policy line to suggest, made of its fragments.
            let key = match service_value(model, None, "relayhost").is_none() && overruled.is_none()
            {
                true => None,
                false => Some(dest.written.as_str()),
            };
            finding.help(help(key, Some(towards)));
        }
    }
    // The relays of sender_dependent_relayhost_maps: the client logs in to each the same way
    // (with the sender's credentials under smtp_sender_dependent_authentication). A `*`
    // transport entry with a next hop overrules them too.
    let relays = match overruled {
        Some(_) => Vec::new(),
        None => model.maps("sender_dependent_relayhost_maps").tables,
    };
    let mut seen = std::collections::HashSet::new();
    for table in relays
        .iter()
        .flat_map(|&id| model.tables.known_entry_tables(id))
    {
        let Some(entries) = model.tables.get(table).entries() else {
            continue;
        };
        for entry in entries.iter() {
            let Some(dest) = Destination::parse(entry.value) else {
                continue;
            };
            if !seen.insert(dest.written.clone()) || has_policy(&dest) || on_this_host(&dest) {
                continue;
            }
            let finding = report(out, entry.value_span, &dest, &level);
            finding.label(format!("the relay for {}", super::shorten(entry.key)));
            if let Some(span) = level.span() {
                finding.secondary(span, "TLS is not required here");
            }
            finding.secondary(enable.value_span, "SASL login to the relays");
            finding.help(help(Some(&dest.written), None));
        }
    }
}

/// The finding for one destination the client logs in to without mandatory TLS.
fn report<'f>(
    out: &'f mut Findings,
    primary: crate::source::Span,
    dest: &Destination,
    level: &crate::model::tls::Decided,
) -> &'f mut crate::diagnostic::Finding {
    let finding = out.report(
        primary,
        format!(
            "the smtp client logs in to {} {} ({}): {}",
            dest.written,
            if level.level == Level::None { "without TLS" } else { "with TLS optional" },
            level.describe(),
            if level.level == Level::None {
                "the password crosses the network in clear"
            } else {
                "an attacker on the path removes STARTTLS from the server's reply and reads the password"
            }
        ),
    );
    finding.subject(format!("{} credentials", dest.written));
    finding
}

/// `towards`: where all mail goes (the relayhost, a `*` next hop); None for one relay of
/// several.
/// `key`: the destination as a policy table key, None when the relayhost is template text.
fn help(key: Option<&str>, towards: Option<&str>) -> String {
    let all = match towards {
        Some(name) => format!(
            "Require TLS towards {name}: `smtp_tls_security_level = encrypt` (all mail goes \
             there)"
        ),
        None => "Require TLS towards this relay: `smtp_tls_security_level = encrypt` (for \
                 every destination)"
            .to_string(),
    };
    let entry = match key {
        Some(key) => format!("`{key} encrypt`"),
        None => "for the relayhost's next hop, as relayhost writes it, with `encrypt`".to_string(),
    };
    format!(
        "{all}, or an smtp_tls_policy_maps entry {entry}. With port 465 use \
         `smtp_tls_wrappermode = yes` and `smtp_tls_security_level = encrypt`."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict_of(main_cf: &str, master_cf: Option<&str>) -> &'static str {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.cf"), main_cf).unwrap();
        if let Some(master_cf) = master_cf {
            std::fs::write(dir.path().join("master.cf"), master_cf).unwrap();
        }
        let model = Model::load(&crate::model::LoadOptions {
            config_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        })
        .expect("the setup loads");
        match verdict(&model) {
            Verdict::Safe => "safe",
            Verdict::Unknown => "unknown",
            Verdict::Exposed { .. } => "exposed",
        }
    }

    /// One walk decides for `check` and for "could not decide": each gate that makes the
    /// login safe, each unknown that leaves it open, and the tables it does not read (the
    /// legacy per-site table, a service's own policy table) leave it undecided, not silent.
    #[test]
    fn the_gates_say_safe_unknown_or_exposed() {
        let base = "compatibility_level = 3.6\nmydestination = localhost\nrelayhost = [smtp.example.net]:587\n\
                    smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n\
                    smtp_sasl_security_options = noanonymous\n";
        let master = "smtp inet n - y - - smtpd\nsmtp unix - - y - - smtp\n";
        let master_own_policy = "smtp inet n - y - - smtpd\nsmtp unix - - y - - smtp\n  -o smtp_tls_policy_maps=hash:/etc/postfix/own\n";
        for (extra, master_cf, expected) in [
            ("smtp_tls_security_level = may\n", Some(master), "exposed"),
            ("smtp_tls_security_level = encrypt\n", Some(master), "safe"),
            ("smtp_tls_security_level = may\nsmtp_sasl_auth_enable = no\n", Some(master), "safe"),
            ("smtp_tls_security_level = may\nsmtp_sasl_security_options = noplaintext\n", Some(master), "safe"),
            ("smtp_tls_security_level = {{ level }}\n", Some(master), "unknown"),
            ("smtp_tls_security_level = may\nsmtp_tls_per_site = hash:/etc/postfix/tls_per_site\n", Some(master), "unknown"),
            ("smtp_tls_security_level = may\nsmtp_tls_policy_maps = hash:/etc/postfix/policy\n", Some(master_own_policy), "unknown"),
        ] {
            assert_eq!(
                verdict_of(&format!("{base}{extra}"), master_cf),
                expected,
                "{extra}"
            );
        }
    }
}
