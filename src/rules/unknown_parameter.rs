//! A parameter Postfix does not know and nothing uses: postconf's "unused parameter".

use super::{Rule, Suggestions};
use crate::diagnostic::{Basis, Findings, Severity};
use crate::model::names::APPLE_ONLY as APPLE;
use crate::model::names::{deprecation, NameStatus};
use crate::model::params::Definition;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "unknown-parameter",
    severity: Severity::Warning,
    summary:
        "a parameter Postfix does not know and nothing refers to (a typo, or a removed feature)",
    doc: include_str!("../../rules/unknown-parameter.md"),
    undecided: unseen_text,
    check,
};

/// A template that may hold text postlint cannot see may refer to any name.
fn unseen_text(model: &Model) -> bool {
    model.params.is_open_ended() || model.master.open_ended
}

fn check(model: &Model, out: &mut Findings) {
    let unused_is_known = !unseen_text(model);
    // A definition may misspell a name the setup refers to.
    let mut suggestions = Suggestions::new(model.names.undefined.iter().map(|u| u.name.as_str()));
    let overridden = overridden_references(model);
    for name in model.params.defined_names() {
        let def = model.params.get(name).expect("defined");
        match model.names.status(name, None) {
            NameStatus::Unused if unused_is_known => {
                report(model, &mut suggestions, &overridden, def, None, None, out)
            }
            // Text postlint cannot see (an image's own main.cf, a template's include) may
            // refer to a name of one's own, but not to a misspelt Postfix name: `relay_host`
            // set by an entrypoint's `postconf -e` is no parameter whatever else main.cf holds.
            // Only where the name is written: a script's setting with a value postlint cannot
            // read stands with no text of its own.
            NameStatus::Unused
                if def.name_span.start < def.name_span.end
                    && misspelt_builtin(&mut suggestions, name) =>
            {
                report(model, &mut suggestions, &overridden, def, None, None, out)
            }
            NameStatus::Newer(added) => too_new(model, def, added, None, out),
            _ => {}
        }
    }
    for (i, service) in model.master.services.iter().enumerate() {
        let mut seen = std::collections::HashSet::new();
        for def in service.overrides.iter().rev() {
            if !seen.insert(def.name.as_str()) {
                continue;
            }
            match model.names.status(&def.name, Some(i)) {
                NameStatus::Unused if unused_is_known => report(
                    model,
                    &mut suggestions,
                    &overridden,
                    def,
                    Some(&service.label()),
                    Some(service),
                    out,
                ),
                NameStatus::Newer(added) => too_new(model, def, added, Some(&service.label()), out),
                _ => {}
            }
        }
    }
}

/// The `$name` references of `-o` overrides that a later `-o` of the same name in their
/// service overrides, by name: the first such override, with the one that overrides it. One
/// pass over master.cf, whatever the number of unknown names.
type OverriddenRefs<'m> = std::collections::HashMap<&'m str, (&'m Definition, &'m Definition)>;

fn overridden_references(model: &Model) -> OverriddenRefs<'_> {
    let mut out = OverriddenRefs::new();
    for service in &model.master.services {
        // The last override of each name: the one that holds.
        let mut last: std::collections::HashMap<&str, &Definition> = Default::default();
        for d in &service.overrides {
            last.insert(d.name.as_str(), d);
        }
        for used in &service.overrides {
            let by = last[used.name.as_str()];
            if std::ptr::eq(by, used) {
                continue;
            }
            for name in referenced_names(&used.value) {
                out.entry(name).or_insert((used, by));
            }
        }
    }
    out
}

/// The names a value refers to as `$name` or `${name...}`.
fn referenced_names(value: &str) -> impl Iterator<Item = &str> {
    value.match_indices('$').filter_map(move |(at, _)| {
        let rest = &value[at + 1..];
        let rest = rest.strip_prefix(['{', '(']).unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    })
}

/// A name two edits or fewer from a Postfix parameter's (`relay_host`, `virtual_alias_map`),
/// and no per-transport setting (`smtp2_destination_rate_delay` is `smtp2`'s).
fn misspelt_builtin(suggestions: &mut Suggestions, name: &str) -> bool {
    if crate::model::names::per_transport_service(name).is_some()
        || crate::model::restrictions::restriction(name, crate::model::version::NEWEST).is_ok()
    {
        return false;
    }
    suggestions.suggest(name).is_some_and(|s| {
        crate::model::names::is_known_name(&s) && strsim::damerau_levenshtein(name, &s) <= 2
    })
}

/// A parameter of a later release than the one the setup is linted for: that Postfix does not
/// know it, and ignores it.
fn too_new(
    model: &Model,
    def: &Definition,
    added: &str,
    service: Option<&str>,
    out: &mut Findings,
) {
    if model.target.at_least(added) {
        return;
    }
    let name = &def.name;
    let target = model.target.named();
    let place = service.map_or(String::new(), |label| format!(" (in {label})"));
    let finding = out.report(
        def.name_span,
        format!("`{name}`{place} is a parameter of Postfix {added} and later; Postfix {target} does not know it and ignores it"),
    );
    finding.label(format!("added in Postfix {added}"));
    finding.basis(Basis::WrittenName);
    finding.help(format!(
        "This setup is linted for Postfix {target} ({}). Upgrade Postfix to {added} or later for this setting to take effect, or remove it; if the server runs a newer Postfix, say so with --postfix-version or postfix-version in postlint.toml.",
        model.target.origin_text()
    ));
}

#[allow(clippy::too_many_arguments)]
fn report(
    model: &Model,
    suggestions: &mut Suggestions,
    overridden: &OverriddenRefs,
    def: &Definition,
    service: Option<&str>,
    reader: Option<&crate::model::master::Service>,
    out: &mut Findings,
) {
    // deprecated-parameter says more about these.
    if deprecation(&def.name).is_some() {
        return;
    }
    let name = &def.name;
    // For an `-o` override, only a name the service's program reads: `-o
    // smtpd_bind_address=127.0.0.1` on an smtpd is not meant as smtp_bind_address, which
    // only the smtp client reads (survey AF1).
    let suggestion = suggestions.suggest(name).filter(|s| {
        reader.is_none_or(|service| {
            let program = crate::model::values::program_of(&service.command);
            crate::model::daemon_params::reads(program, &service.name, s) != Some(false)
        })
    });
    // Without a master.cf in the tree, the one that runs (the distribution's, or one the
    // deployment edits) may refer to a name of one's own (`-o
    // smtpd_client_restrictions=$mua_client_restrictions`): only a misspelling (two edits
    // or fewer from a known name), a character that is no space, or a name of Apple's build
    // is reported.
    let master_unseen = service.is_none() && !model.master.is_known();
    // Two edits or fewer, or a name cut short by up to three characters (`home_mail` for
    // home_mailbox).
    let typo = suggestion.as_deref().is_some_and(|s| {
        strsim::damerau_levenshtein(name, s) <= 2
            || (name.len() >= 6 && s.starts_with(name.as_str()) && s.len() - name.len() <= 3)
    });
    // A restriction's name (`permit_sasl_authenticated = ...`, a list pasted apart) is no
    // name of one's own: smtpd reads the word as the restriction wherever it is listed.
    let restriction = crate::model::restrictions::restriction(name, model.target.release()).is_ok();
    if master_unseen
        && !typo
        && !restriction
        && !APPLE.contains(&name.as_str())
        && !VDA.contains(&name.as_str())
        && !name.chars().any(crate::output::looks_like_nothing_or_space)
    {
        return;
    }
    let message = match service {
        // Short output shows the message alone: it says whose parameter this was.
        None if APPLE.contains(&name.as_str()) => format!(
            "`{name}` is a parameter of Apple's Mac OS X Server build only, which other builds ignore"
        ),
        None if VDA.contains(&name.as_str()) => format!(
            "`{name}` is a parameter of the VDA quota patch only, which stock Postfix ignores"
        ),
        // Where text postlint cannot see may hold a reference, it does not claim there is none.
        None if unseen_text(model) => format!("`{name}` is not a Postfix parameter"),
        // Referred to only by an `-o` that a later `-o` of its service overrides (`-o
        // smtpd_milters=${spf_milter}`, then `-o smtpd_milters=${dmarc_milter}`): the author
        // meant it to be used; say where, and what replaces it.
        None if overridden.contains_key(name.as_str()) => {
            let (used, by) = overridden[name.as_str()];
            let file = model.sources.get(used.value_span.file);
            let at = |d: &Definition| file.line_col(d.value_span.start).0;
            format!(
                "`{name}` is not a Postfix parameter, and only {}:{}, an `-o {}` that line {} \
                 overrides, refers to it",
                file.display_path,
                at(used),
                used.name,
                at(by)
            )
        }
        None => format!("`{name}` is not a Postfix parameter, and nothing refers to it"),
        Some(label) => {
            format!("`{name}` is not a Postfix parameter, and nothing in {label} refers to it")
        }
    };
    // The short and CI formats show the message alone: the likely meaning goes in it.
    let message = match (&suggestion, typo) {
        (Some(s), true) => format!("{message}: did you mean `{s}`?"),
        _ => message,
    };

    let finding = out.report(def.name_span, message);
    // A misspelling of a Postfix name is wrong on any line, a conditional template line too.
    // A name of one's own may be what a conditional line elsewhere refers to (a restriction
    // class declared in a block, whose value postlint reads as unknown), and
    // `policyd-spf_time_limit` is right wherever its service is defined, which a template may
    // do in the same block.
    let misspelt =
        (typo || restriction) && crate::model::names::per_transport_service(name).is_none();
    finding.basis(match misspelt {
        true => Basis::NoSuchName,
        false => Basis::WrittenName,
    });
    // `dovecot_destination_recipient_limit` with no `dovecot` service: a setting for a
    // transport master.cf does not define, not a misspelt parameter.
    if let Some((transport, suffix)) =
        crate::model::names::per_transport_service(name).filter(|_| model.master.is_known())
    {
        finding.label(format!("master.cf defines no service named `{transport}`"));
        let services: Vec<&str> = model
            .master
            .services
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let near = services
            .iter()
            .filter(|s| strsim::levenshtein(s, transport) <= 2)
            .min_by_key(|s| strsim::levenshtein(s, transport));
        let fix = match near {
            Some(s) => format!(" If it is meant for the `{s}` service, write `{s}{suffix}`."),
            None => String::new(),
        };
        finding.help(format!(
            "Postfix reads `{name}` only for a master.cf service named `{transport}` (a \
             per-transport setting), and master.cf defines none, so the setting does nothing \
             (postconf says \"unused parameter\").{fix} If the program it is meant for is \
             reached through a service of another name, use that name; else remove the line."
        ));
        return;
    }
    // Apple's Mac OS X Server builds (Postfix 2.8 and 2.9, Apple's postfix-229 to 252) added
    // these; Apple's later builds, and every other, ignore them.
    if APPLE.contains(&name.as_str()) {
        finding.label("a parameter of Apple's Mac OS X Server build");
        finding.help(format!(
            "Only Apple's Mac OS X Server builds of Postfix 2.8 and 2.9 read `{name}`; Apple's \
             later builds (2.11 on) and every other build ignore it (postconf says \"unused \
             parameter\"). A leftover of an older server: remove it."
        ));
        return;
    }
    if VDA.contains(&name.as_str()) {
        finding.label("a parameter of the VDA quota patch");
        finding.help(format!(
            "Only a Postfix built with the VDA maildir quota patch (vda.sourceforge.net, no \
             longer maintained; its last port was for Postfix 2.11) reads `{name}`; stock \
             Postfix and the distributions' packages ignore it (postconf says \"unused \
             parameter\"), so no quota is enforced by it. Enforce quotas in the delivery agent \
             (Dovecot's LDA or LMTP with its quota plugin) and remove the patch's settings."
        ));
        return;
    }
    // A space that is no space to Postfix (a no-break space pasted from a web page or typed
    // with Alt+Space) or an invisible character: the name looks right and is not.
    let odd = name
        .chars()
        .find(|&c| crate::output::looks_like_nothing_or_space(c))
        .filter(|_| !name.starts_with('\u{feff}'));
    if let Some(odd) = odd {
        let meant: String = name
            .chars()
            .filter(|&c| !crate::output::looks_like_nothing_or_space(c))
            .collect();
        let what = crate::output::odd_char_name(odd);
        let (label, holds) = match name.ends_with(odd) {
            true => ("ends", "ends with"),
            false => ("is inside", "holds"),
        };
        finding.label(format!("{what} {label} this name"));
        let effect = if crate::model::names::is_known_name(&meant) {
            format!(", and `{meant}` keeps its default or earlier value")
        } else {
            String::new()
        };
        finding.help(format!(
            "`{meant}` {holds} {what}, which Postfix does not take for white space: it reads \
             the name as `{name}` and ignores the setting (postconf says \"unused \
             parameter\"){effect}. An editor, or a page the line was copied from, put it there: \
             retype the name and the spaces around `=`."
        ));
        return;
    }
    if restriction && !typo {
        finding.label("a restriction, not a parameter");
        let shortened = super::shorten_long(&def.value);
        let value = crate::output::printable(&shortened);
        // A restriction that takes an argument (`reject_rbl_client = zen.spamhaus.org`): the
        // value is its argument, which the list must keep.
        let takes = crate::model::restrictions::restriction(name, model.target.release())
            .map(|known| known.takes)
            .unwrap_or("no");
        let fix = match (takes, def.value.split_whitespace().next()) {
            ("no", _) | (_, None) => format!(
                "If the line is a list that lost its name, give it back \
                 (`smtpd_relay_restrictions = {name}, ...`)."
            ),
            (_, Some(argument)) => format!(
                "`{name}` takes its {takes} as the next word of the list: write it into the \
                 list where it belongs, with that argument (`smtpd_recipient_restrictions = \
                 ..., reject_unauth_destination, {name} {}`).",
                crate::output::printable(argument)
            ),
        };
        let list = match takes {
            "no" => "smtpd_relay_restrictions",
            _ => "smtpd_recipient_restrictions",
        };
        finding.help(format!(
            "`{name}` is a restriction: it belongs in a restriction list such as {list}, not \
             on a line of its own, and Postfix ignores this line (postconf says \"unused \
             parameter: {name}={value}\"). {fix}"
        ));
        return;
    }
    match &suggestion {
        Some(s) => finding.label(format!("did you mean `{s}`?")),
        None => finding.label("unknown name"),
    };
    // What the meant parameter is meanwhile, when main.cf sets it nowhere else and its value
    // is known (the default, expanded).
    let meanwhile = suggestion
        .as_deref()
        .filter(|s| service.is_none() && model.params.get(s).is_none())
        .and_then(|s| model.params.param(s).known().map(str::to_string))
        .map(|value| match value.trim_ascii().is_empty() {
            true => " Until then it keeps its default, which is empty.".to_string(),
            false => format!(
                " Until then it keeps its default, `{}`.",
                crate::output::printable(&super::shorten_long(&value))
            ),
        })
        .unwrap_or_default();
    let fix = match suggestion {
        Some(s) => format!("If you meant `{s}`, fix the spelling.{meanwhile} "),
        None => String::new(),
    };
    if name.starts_with('\u{feff}') {
        finding.help(format!(
            "The file starts with a UTF-8 byte-order mark (an editor wrote it), and Postfix reads it \
             as part of the first name, so `{}` is ignored (postconf says \"unused parameter\"). \
             Save the file without the byte-order mark.",
            name.trim_start_matches('\u{feff}')
        ));
        return;
    }
    finding.help(format!(
        "Postfix ignores this setting (postconf says \"unused parameter: {name}={}\"). {fix}\
         A name of your own is fine when some value refers to it as `${name}`.",
        def.value
    ));
}

/// The parameters of the VDA maildir quota patch (the `mail_params.h` part of FreeBSD's
/// ports patch for Postfix 2.11, the last one), and `virtual_create_maildirsize` of its
/// earlier versions.
const VDA: &[&str] = &[
    "virtual_create_maildirsize",
    "virtual_mailbox_limit_inbox",
    "virtual_mailbox_limit_maps",
    "virtual_mailbox_limit_override",
    "virtual_maildir_extended",
    "virtual_maildir_filter",
    "virtual_maildir_filter_maps",
    "virtual_maildir_limit_message",
    "virtual_maildir_limit_message_maps",
    "virtual_maildir_suffix",
    "virtual_overquota_bounce",
    "virtual_trash_count",
    "virtual_trash_name",
];
