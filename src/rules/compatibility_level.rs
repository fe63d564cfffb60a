//! compatibility_level missing or below the level the target release ships, named by the
//! legacy defaults it keeps in force for this setup.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::expand::{expand_text, parse_compat_level, Lookup, ParamLookup, ValueRef};
use crate::model::params::{default_value, Params};
use crate::model::version::Release;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "compatibility-level",
    severity: Severity::Warning,
    summary: "compatibility_level is missing or below the level of the target Postfix release, keeping legacy defaults",
    doc: include_str!("../../rules/compatibility-level.md"),
    undecided: super::always_decides,
    check,
};

/// Defaults 3.11 made depend on the compatibility level (RELEASE_NOTES of 3.11); the others
/// are in Postfix 3.7's own defaults.
const LEVEL_3_11_DEFAULTS: &[(&str, &str)] = &[
    (
        "smtp_tls_security_level",
        "${{$compatibility_level} <level {3.11} ? {} : {may}}",
    ),
    (
        "smtp_tlsrpt_skip_reused_handshakes",
        "${{$compatibility_level} <level {3.11} ? {yes} : {no}}",
    ),
];

/// The parameters whose default depends on the compatibility level, with that default.
fn level_defaults(release: Release) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = [
        "append_dot_mydomain",
        "mynetworks_style",
        "relay_domains",
        "smtpd_relay_restrictions",
        "smtpd_relay_before_recipient_restrictions",
        "smtputf8_enable",
        "smtpd_tls_fingerprint_digest",
        "smtp_tls_fingerprint_digest",
        "lmtp_tls_fingerprint_digest",
    ]
    .iter()
    .filter_map(|n| default_value(n).map(|d| (*n, d)))
    .filter(|(_, d)| d.contains("compatibility_level"))
    .collect();
    if release >= Release::new(3, 11) {
        out.extend(LEVEL_3_11_DEFAULTS.iter().copied());
    }
    out
}

/// main.cf's parameters with compatibility_level set to one value.
struct AtLevel<'a> {
    params: &'a Params,
    level: &'a str,
}

impl ParamLookup for AtLevel<'_> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        if name == "compatibility_level" {
            return Lookup::Value(ValueRef {
                text: self.level,
                source: None,
            });
        }
        self.params.lookup(name)
    }
}

/// What a legacy default does, in words, for the ones that matter on this setup; None for a
/// default that changes nothing here.
fn meaning(model: &Model, name: &str, legacy: &str) -> Option<String> {
    let set_to = |n: &str, v: &str| {
        model
            .params
            .param(n)
            .known()
            .is_some_and(|x| x.trim_ascii().eq_ignore_ascii_case(v))
    };
    let text = match name {
        // An explicit mynetworks makes the style irrelevant.
        "mynetworks_style" if model.params.is_set("mynetworks") => return None,
        // Only this host's programs reach an smtpd (inet_interfaces = loopback-only): they are
        // in mynetworks whatever the style.
        "mynetworks_style" if only_local_clients(model) => return None,
        "mynetworks_style" => "mynetworks_style = subnet: every host on the server's own subnets is in mynetworks, and permit_mynetworks lets each of them relay".to_string(),
        "relay_domains" => format!("relay_domains = {legacy}: Postfix relays mail for the domains of mydestination and all their subdomains"),
        "smtpd_relay_restrictions" => "smtpd_relay_restrictions is empty: only smtpd_recipient_restrictions stands between the server and an open relay".to_string(),
        "append_dot_mydomain" => "append_dot_mydomain = yes: mail to user@host goes to user@host.$mydomain".to_string(),
        "smtputf8_enable" => "smtputf8_enable = no: Postfix does not offer SMTPUTF8, so mail with non-ASCII addresses is refused or bounced".to_string(),
        "smtp_tls_security_level" => "smtp_tls_security_level is empty: mail to other servers goes without opportunistic TLS".to_string(),
        "smtp_tlsrpt_skip_reused_handshakes" if set_to("smtp_tlsrpt_enable", "yes") => {
            "smtp_tlsrpt_skip_reused_handshakes = yes: TLSRPT reports leave out reused TLS sessions".to_string()
        }
        n if n.ends_with("_fingerprint_digest") => {
            // Only a program that compares certificate fingerprints depends on its digest.
            if !compares_fingerprints(model, n.trim_end_matches("_tls_fingerprint_digest")) {
                return None;
            }
            format!("{n} = md5: certificate fingerprints are compared as MD5")
        }
        _ => return None,
    };
    Some(text)
}

/// Whether every smtpd that runs listens on this host only (a loopback address or socket);
/// false when there is none, or when postlint cannot know where one listens.
fn only_local_clients(model: &Model) -> bool {
    use crate::model::listen::{reach, Reach};
    let smtpds = crate::model::restrictions::smtpd_processes(model);
    !smtpds.is_empty()
        && smtpds
            .iter()
            .all(|smtpd| reach(model, smtpd.service) == Reach::Local)
}

/// Whether `program` (smtpd, smtp or lmtp) compares certificate fingerprints with its
/// `*_tls_fingerprint_digest`: smtpd for a relay_clientcerts table that is set to something
/// (an empty one names no certificate) and for check_ccert_access written anywhere; the
/// clients for the `fingerprint` security level, in main.cf or in a policy table's entries.
fn compares_fingerprints(model: &Model, program: &str) -> bool {
    let written = |needle: &str| {
        model
            .params
            .definitions()
            .iter()
            .map(|d| d.value.as_str())
            .chain(
                model
                    .master
                    .services
                    .iter()
                    .flat_map(|s| s.overrides.iter().map(|d| d.value.as_str())),
            )
            .any(|v| v.to_ascii_lowercase().contains(needle))
    };
    match program {
        "smtpd" => {
            let certs = model.params.param("relay_clientcerts");
            let named = certs.known().is_none_or(|v| !v.trim_ascii().is_empty());
            (model.params.is_set("relay_clientcerts") && named) || written("check_ccert_access")
        }
        _ => {
            let level = model.params.param(&format!("{program}_tls_security_level"));
            level
                .known()
                .is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case("fingerprint"))
                || policy_says_fingerprint(model, &format!("{program}_tls_policy_maps"))
        }
    }
}

/// Whether a TLS policy table postlint can read holds a `fingerprint` entry (one it cannot
/// read is not taken to).
fn policy_says_fingerprint(model: &Model, param: &str) -> bool {
    let maps = model.maps(param);
    let known = model.tables.known_entry_tables_of(&maps.tables);
    known.into_iter().any(|id| {
        model.tables.get(id).entries().is_some_and(|entries| {
            entries.values().any(|v| {
                v.trim_ascii_start()
                    .to_ascii_lowercase()
                    .starts_with("fingerprint")
            })
        })
    })
}

fn check(model: &Model, out: &mut Findings) {
    // Postfix 2.x has no compatibility_level: its defaults are the legacy ones.
    if model.target.asked < Release::new(3, 0) {
        return;
    }
    let release = model.target.release();
    // Without a release asked for or installed, only what 3.7 to 3.11 agree on: level 3.6.
    let asked = model.target.origin != crate::model::version::Origin::Newest;
    // A release asked for before 3.6 knows levels 0 to 2 only (Postfix 3.0 to 3.5 ship 2).
    let wanted = if asked && release >= Release::new(3, 11) {
        "3.11"
    } else if asked && model.target.asked < Release::new(3, 6) {
        "2"
    } else {
        "3.6"
    };
    let param = model.params.param("compatibility_level");
    let Some(level) = param.known().map(|l| l.trim_ascii().to_string()) else {
        return;
    };
    let (Some(current), Some(target_level)) =
        (parse_compat_level(&level), parse_compat_level(wanted))
    else {
        return; // a malformed level is invalid-value's
    };
    if current >= target_level {
        return;
    }
    let legacy_at = AtLevel {
        params: &model.params,
        level: &level,
    };
    let new_at = AtLevel {
        params: &model.params,
        level: wanted,
    };
    let mut in_force = Vec::new();
    for (name, default) in level_defaults(if wanted == "3.11" {
        release
    } else {
        Release::new(3, 7)
    }) {
        if model.params.is_set(name) {
            continue;
        }
        // Before 3.3 the relay list's default was the safe one at every level
        // (mail_params.h of 3.0 to 3.2).
        if name == "smtpd_relay_restrictions" && model.target.asked < Release::new(3, 3) {
            continue;
        }
        let legacy = expand_text(&legacy_at, default);
        let new = expand_text(&new_at, default);
        if legacy.has_unknown() || legacy.text == new.text {
            continue;
        }
        if let Some(text) = meaning(model, name, legacy.text.trim_ascii()) {
            in_force.push((name, text, new.text.trim_ascii().to_string()));
        }
    }
    // Below level 1, `-` in master.cf's chroot column means y (master_ent.c): not a parameter,
    // so not in the defaults above.
    if current < (1, 0, 0) {
        let chrooted: Vec<String> = model
            .master
            .running()
            .filter(|s| s.chroot == "-")
            .map(|s| s.label())
            .collect();
        if let Some(first) = chrooted.first() {
            let more = match chrooted.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            in_force.push((
                "chroot",
                format!(
                    "`-` in master.cf's chroot column means y: {first}{more} run chrooted to \
                     the queue directory, where a daemon that is not set up for it cannot \
                     reach /etc, the DNS resolver's files or local sockets"
                ),
                "n".to_string(),
            ));
        }
    }
    if in_force.is_empty() {
        return;
    }
    let target = model.target.named();
    let (span, what) = match param.definition {
        Some(def) => (def.value_span, format!("compatibility_level is {level}")),
        None => (
            model.main_cf_start(),
            "compatibility_level is not set (level 0)".to_string(),
        ),
    };
    let names: Vec<&str> = in_force.iter().map(|(n, _, _)| *n).collect();
    let finding = out.report(
        span,
        format!(
            "{what}, below {wanted}: {} legacy default{} in force ({})",
            in_force.len(),
            if in_force.len() == 1 { "" } else { "s" },
            names.join(", ")
        ),
    );
    finding.subject("compatibility_level".to_string());
    finding.label(format!("set compatibility_level = {wanted}"));
    let mut help = String::from("With this level, this setup keeps:");
    for (name, text, new) in &in_force {
        let new = if new.is_empty() {
            "empty".to_string()
        } else {
            format!("`{new}`")
        };
        let keep = match *name {
            "chroot" => "write y or n in the column to choose".to_string(),
            _ => format!("set `{name}` to keep the old value on purpose"),
        };
        help.push_str(&format!("\n- {text} (at {wanted}: {new}; {keep})"));
    }
    let ships = if wanted == "3.11" {
        format!("Postfix {target} ships level 3.11")
    } else if wanted == "2" {
        "Postfix 3.0 to 3.5 ship level 2".to_string()
    } else {
        "Postfix 3.6 to 3.10 ship level 3.6".to_string()
    };
    help.push_str(&format!(
        "\n{ships}. Postfix logs \"using backwards-compatible default setting\" when one of \
         these takes effect. Set compatibility_level = {wanted} once each is what you want (see \
         COMPATIBILITY_README)."
    ));
    // The release is postlint's guess: an older one stops on a level it cannot read.
    if model.target.origin == crate::model::version::Origin::Newest && wanted != "2" {
        help.push_str(&format!(
            "\nThe release that runs this main.cf is not known here (linted for {target}): \
             Postfix 3.0 to 3.5 take whole numbers only and stop on `{wanted}` (\"bad \
             numerical configuration\"), so set 2 there (`postconf mail_version` tells; \
             `--postfix-version` lints for it)."
        ));
    }
    if let Some(documented) = model
        .documented
        .as_ref()
        .filter(|_| model.release_in_doubt())
    {
        help.push_str(&format!(
            "\nThis main.cf was written for Postfix {} ({}): if the server runs that \
             release, which has no compatibility levels, lint with `--postfix-version {}` and \
             this is not reported.",
            documented.asked,
            documented.origin_text(),
            documented.asked
        ));
    }
    finding.help(help);
}
