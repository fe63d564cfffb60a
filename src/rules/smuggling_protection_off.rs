//! SMTP smuggling defences turned off: bare newlines accepted by smtpd, stray CR/LF kept by
//! cleanup, unauthorized pipelining allowed, on the Postfix releases that have the defence.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::params::Definition;
use crate::model::values::program_of;
use crate::model::version::Release;
use crate::model::Model;
use crate::parse::list::split_list;

pub const RULE: Rule = Rule {
    id: "smuggling-protection-off",
    severity: Severity::Warning,
    summary: "a defence against SMTP smuggling is turned off (bare newlines, stray CR/LF, unauthorized pipelining)",
    doc: include_str!("../../rules/smuggling-protection-off.md"),
    undecided: super::always_decides,
    check,
};

/// smtpd_forbid_bare_newline became "normalize" by default with 3.9; the 3.5 to 3.8 patch
/// releases that have it default to "no".
const DEFAULT_ON: Release = Release::new(3, 9);

const ADVICE: &str =
    "See https://www.postfix.org/smtp-smuggling.html. smtpd_forbid_bare_newline = normalize \
    (Postfix 3.9 and later, and 3.8.5, 3.7.10, 3.6.14, 3.5.24; `yes` on the patch releases \
    before them) makes smtpd require <CR><LF>.<CR><LF> to end a message; a client that needs \
    bare newlines can be listed in smtpd_forbid_bare_newline_exclusions (default $mynetworks).";

fn check(model: &Model, out: &mut Findings) {
    let mut bare_newline_set = false;
    if let Some(def) = model.params.get("smtpd_forbid_bare_newline") {
        bare_newline_set = true;
        bare_newline(model, def, None, out);
    }
    if let Some(def) = model.params.get("cleanup_replace_stray_cr_lf") {
        stray_cr_lf(model, def, None, out);
    }
    if let Some(def) = model.params.get("smtpd_forbid_unauth_pipelining") {
        pipelining(model, def, None, out);
    }
    if let Some(def) = model.params.get("smtpd_forbid_bare_newline_exclusions") {
        exclusions(def, None, out);
    }
    let mut smtpd_services = 0;
    for service in model.master.running() {
        let label = service.label();
        match program_of(&service.command) {
            "smtpd" => {
                smtpd_services += 1;
                if let Some(def) = service.override_of("smtpd_forbid_bare_newline") {
                    bare_newline_set = true;
                    bare_newline(model, def, Some(&label), out);
                }
                // Pipelining matters where strangers connect (port 25, postscreen's smtpd); a
                // submission port may allow it for its own users' clients.
                if matches!(service.name.as_str(), "smtp" | "smtpd" | "25") {
                    if let Some(def) = service.override_of("smtpd_forbid_unauth_pipelining") {
                        pipelining(model, def, Some(&label), out);
                    }
                }
                if let Some(def) = service.override_of("smtpd_forbid_bare_newline_exclusions") {
                    exclusions(def, Some(&label), out);
                }
            }
            "cleanup" => {
                if let Some(def) = service.override_of("cleanup_replace_stray_cr_lf") {
                    stray_cr_lf(model, def, Some(&label), out);
                }
            }
            _ => {}
        }
    }
    // Before 3.9 the defence is there but off unless main.cf turns it on.
    let smtpd_runs = !model.master.is_known() || smtpd_services > 0;
    // Before 3.5 no release has the defence: nothing in main.cf can turn it on.
    // A distribution's package of an older line may have the option all the same (Ubuntu
    // backported it to 20.04's Postfix 3.4, USN-6591), or not: the release of an image's
    // package says too little either way, and a dump's postfix-files only that it is before
    // 3.0.
    let packaged = matches!(
        model.target.origin,
        crate::model::version::Origin::Image { .. }
            | crate::model::version::Origin::Package { .. }
            | crate::model::version::Origin::PostfixFiles(_)
    );
    if packaged && model.target.asked < Release::new(3, 5) {
        return;
    }
    if !bare_newline_set && smtpd_runs && model.target.asked < Release::new(3, 5) {
        let asked = model.target.asked;
        let finding = out.report(
            model.main_cf_start(),
            format!(
                "SMTP smuggling protection is not available: Postfix {asked} predates \
                 smtpd_forbid_bare_newline, and no setting turns it on"
            ),
        );
        finding.label("the setup is linted for a release without smtpd_forbid_bare_newline");
        finding.subject("smtpd_forbid_bare_newline default");
        finding.help(format!(
            "Upgrade Postfix (this setup is linted for Postfix {asked}: {}); then set \
             smtpd_forbid_bare_newline as below. Setting it on {asked} only makes Postfix warn \
             of an unknown parameter. {ADVICE}",
            model.target.origin_text()
        ));
    } else if !bare_newline_set && smtpd_runs && model.target.release() < DEFAULT_ON {
        // The patch releases of 3.5 and 3.6 have the same default: the release asked for is
        // named, not the oldest postlint has data for.
        let target = model.target.asked.max(Release::new(3, 5));
        let finding = out.report(
            model.main_cf_start(),
            format!(
                "SMTP smuggling protection is off: Postfix {target} leaves smtpd_forbid_bare_newline at `no` unless main.cf sets it"
            ),
        );
        finding.label("smtpd_forbid_bare_newline is not set in main.cf or master.cf");
        finding.subject("smtpd_forbid_bare_newline default");
        finding.help(format!(
            "Add `smtpd_forbid_bare_newline = normalize` to main.cf (this setup is linted for Postfix {target}: {}). {ADVICE}",
            model.target.origin_text()
        ));
    }
}

/// Whether a definition sets `no` (after expansion; a value postlint cannot know is not).
fn sets_no(model: &Model, def: &Definition) -> bool {
    // A master.cf override is read as written: `-o` values rarely use `$`.
    let value = match model.in_main_cf(def.file) {
        true => model.params.param(&def.name).known().map(str::to_string),
        false => (!def.value.contains('$')).then(|| def.value.clone()),
    };
    value.is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case("no"))
}

fn place(service: Option<&str>) -> String {
    service.map_or(String::new(), |s| format!(" for {s}"))
}

fn bare_newline(model: &Model, def: &Definition, service: Option<&str>, out: &mut Findings) {
    if !sets_no(model, def) {
        return;
    }
    let finding = out.report(
        def.value_span,
        format!(
            "SMTP smuggling protection is off{}: smtpd accepts a bare newline as the end of a line",
            place(service)
        ),
    );
    finding.label("smtpd_forbid_bare_newline = no");
    finding.help(format!(
        "A sender can hide a second message inside the first one (\"SMTP smuggling\") and have it \
         delivered as if it came from another domain. Use `normalize`. {ADVICE}"
    ));
}

fn stray_cr_lf(model: &Model, def: &Definition, service: Option<&str>, out: &mut Findings) {
    if !sets_no(model, def) {
        return;
    }
    let finding = out.report(
        def.value_span,
        format!(
            "cleanup keeps stray <CR> and <LF> characters in messages{}: a smuggled message passes on to the next server",
            place(service)
        ),
    );
    finding.label("cleanup_replace_stray_cr_lf = no");
    finding.help(
        "cleanup_replace_stray_cr_lf = yes (the default) replaces a <CR> or <LF> that is not part \
         of <CR><LF> with a space, so that a message Postfix accepted cannot smuggle another one \
         to a server downstream. Remove the line.",
    );
}

fn pipelining(model: &Model, def: &Definition, service: Option<&str>, out: &mut Findings) {
    // Before 3.9 `no` is the default, and the setting merely repeats it.
    if model.target.release() < DEFAULT_ON {
        return;
    }
    if !sets_no(model, def) {
        return;
    }
    let finding = out.report(
        def.value_span,
        format!(
            "smtpd accepts commands a client sends before it may pipeline them{}",
            place(service)
        ),
    );
    finding.label("smtpd_forbid_unauth_pipelining = no");
    finding.help(
        "smtpd_forbid_unauth_pipelining = yes (the default since Postfix 3.9) disconnects a client \
         that sends commands ahead of time without PIPELINING, as spambots and SMTP smuggling \
         attempts do. Remove the line.",
    );
}

fn exclusions(def: &Definition, service: Option<&str>, out: &mut Findings) {
    // A literal item matches every client whatever the rest of the list expands to.
    let v = &def.value;
    let everyone = split_list(v)
        .into_iter()
        .map(|r| &v[r])
        .find(|item: &&str| matches!(*item, "0.0.0.0/0" | "[::]/0" | "::/0" | "static:all"));
    let Some(item) = everyone else {
        return;
    };
    let finding = out.report(
        def.value_span,
        format!(
            "every client is exempt from the SMTP smuggling defence{}: smtpd_forbid_bare_newline_exclusions lists {item}",
            place(service)
        ),
    );
    finding.label(format!("{item} matches every client"));
    finding.help(
        "List only the clients that cannot send <CR><LF> (old devices and scripts in your own \
         network): the default is $mynetworks.",
    );
}
