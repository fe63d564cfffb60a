//! smtpd restriction lists as each smtpd service sees them: main.cf's lists with the service's
//! `-o` overrides, `$name` expanded, split as smtpd_check.c splits them (commas and white space,
//! `{ }` keeping a word together), and the restriction classes of smtpd_restriction_classes.

use std::collections::HashMap;

use super::expand::{ParamLookup, UNKNOWN};
use super::master::Service;
use super::params::expand_param;
use super::values::program_of;
use super::Model;
use crate::parse::list::split_list;
use crate::source::Span;

/// One word of a restriction list (a restriction, or its argument).
#[derive(Clone, Debug)]
pub struct Word {
    pub text: String,
    /// Where it was written, when it comes from one place.
    pub span: Option<Span>,
}

/// A restriction list of one service; None where postlint cannot know it.
pub type List = Option<Vec<Word>>;

/// One smtpd process: a master.cf service that runs smtpd, or (without master.cf) the one
/// Postfix's default master.cf has.
pub struct Smtpd<'m> {
    pub service: Option<&'m Service>,
    /// Restriction classes by name (case-sensitive, as smtpd stores them).
    pub classes: HashMap<String, List>,
}

impl<'m> Smtpd<'m> {
    /// `smtp/inet`, or `smtpd` for the default service.
    pub fn label(&self) -> String {
        self.service.map_or("smtpd".to_string(), |s| s.label())
    }

    /// A restriction list parameter as this service reads it.
    pub fn list(&self, model: &Model, param: &str) -> List {
        let written = self.definition(model, param).map(|d| d.value_ref());
        match self.service {
            Some(service) => words(&model.params.scoped(service), param, written),
            None => words(&model.params, param, written),
        }
    }

    /// The items of a list postlint knows, when some are unknown (a template expression, an
    /// installer placeholder): for rules about one item that is wrong whatever the others
    /// are. None when Postfix refuses the value.
    pub fn known_items(&self, model: &Model, param: &str) -> List {
        let written = self.definition(model, param).map(|d| d.value_ref());
        let expanded = match self.service {
            Some(service) => expanded_value(&model.params.scoped(service), param, written),
            None => expanded_value(&model.params, param, written),
        }?;
        if !expanded.errors.is_empty() {
            return None;
        }
        let mut items = words_of(&expanded);
        items.retain(|w| !w.text.contains(super::expand::UNKNOWN));
        Some(items)
    }

    /// Every restriction list this smtpd reads: the `smtpd_*_restrictions` of [`LIST_PARAMS`]
    /// as `read` gives them (`Smtpd::list`, or `Smtpd::known_items` for rules about one item),
    /// then its restriction classes, each with its name. Lists `read` cannot give are left out.
    pub fn lists_with(
        &self,
        model: &Model,
        read: impl Fn(&Self, &Model, &str) -> List,
    ) -> Vec<(String, Vec<Word>)> {
        let mut lists: Vec<(String, Vec<Word>)> = LIST_PARAMS
            .iter()
            .filter_map(|p| read(self, model, p).map(|l| (p.to_string(), l)))
            .collect();
        for (class, list) in &self.classes {
            if let Some(list) = list {
                lists.push((class.clone(), list.clone()));
            }
        }
        lists
    }

    /// A parameter's value as this service reads it, expanded (None when postlint cannot know
    /// it).
    pub fn value(&self, model: &Model, param: &str) -> Option<String> {
        service_value(model, self.service, param)
    }

    /// The definition a list comes from here: the `-o` override, else main.cf (None: the
    /// default).
    pub fn definition<'a>(
        &self,
        model: &'a Model,
        param: &str,
    ) -> Option<&'a super::params::Definition>
    where
        'm: 'a,
    {
        self.service
            .and_then(|s| s.override_of(param))
            .or_else(|| model.params.get(param))
    }
}

/// A parameter's value as a master.cf service reads it (`None`: as main.cf alone has it),
/// expanded, else its built-in default; None when postlint cannot know it.
pub fn service_value(model: &Model, service: Option<&Service>, param: &str) -> Option<String> {
    let expanded = expanded_in(model, service, param)?;
    Some(expanded.text.trim_ascii().to_string())
}

/// A parameter's expanded value as a master.cf service reads it (None: as main.cf and the
/// defaults give it), with where each part was written; None when postlint cannot know it.
pub fn expanded_in(
    model: &Model,
    service: Option<&Service>,
    param: &str,
) -> Option<super::expand::Expanded> {
    if service.is_some_and(|s| s.override_unknown(param)) {
        return None;
    }
    let written = service_definition(model, service, param).map(|d| d.value_ref());
    match service {
        Some(service) => expanded(&model.params.scoped(service), param, written),
        None => expanded(&model.params, param, written),
    }
}

/// The definition a service's value comes from: its `-o` override, else main.cf (None: the
/// default).
pub fn service_definition<'a>(
    model: &'a Model,
    service: Option<&'a Service>,
    param: &str,
) -> Option<&'a super::params::Definition> {
    service
        .and_then(|s| s.override_of(param))
        .or_else(|| model.params.get(param))
}

/// A list's words after expansion: the value written, else the built-in default (None when a
/// name has neither, or the value holds what postlint cannot know).
fn words<L: ParamLookup>(
    lookup: &L,
    param: &str,
    written: Option<super::expand::ValueRef<'_>>,
) -> List {
    Some(words_of(&expanded(lookup, param, written)?))
}

/// The items of an expanded list, with where each was written.
fn words_of(expanded: &super::expand::Expanded) -> Vec<Word> {
    split_list(&expanded.text)
        .into_iter()
        .map(|r| Word {
            text: expanded.text[r.clone()].to_string(),
            span: expanded.origin_of(r),
        })
        .collect()
}

/// A parameter's expanded value: as written, else its built-in default (None when a name has
/// neither, or the value holds what postlint cannot know).
fn expanded<L: ParamLookup>(
    lookup: &L,
    param: &str,
    written: Option<super::expand::ValueRef<'_>>,
) -> Option<super::expand::Expanded> {
    let expanded = expanded_value(lookup, param, written)?;
    if expanded.has_unknown() || !expanded.errors.is_empty() {
        return None;
    }
    Some(expanded)
}

/// A parameter's expanded value, as written else its built-in default, unknown parts and all.
fn expanded_value<L: ParamLookup>(
    lookup: &L,
    param: &str,
    written: Option<super::expand::ValueRef<'_>>,
) -> Option<super::expand::Expanded> {
    match written {
        Some(value) => Some(expand_param(lookup, param, value)),
        // A main.cf that may set parameters postlint cannot see leaves the default unknown.
        // Else the default, as the lookup gives it: a release's own (`Params` settles those of
        // releases before 3.0), or the built-in one.
        None => match lookup.lookup(param) {
            super::expand::Lookup::Unknown => Some(super::expand::Expanded::unknown()),
            super::expand::Lookup::Value(value) => Some(expand_param(lookup, param, value)),
            super::expand::Lookup::Undefined => None,
        },
    }
}

/// Every smtpd process the setup runs, with its restriction classes.
pub fn smtpd_processes(model: &Model) -> Vec<Smtpd<'_>> {
    let services: Vec<Option<&Service>> = if model.master.is_known() {
        model
            .master
            .running()
            .filter(|s| program_of(&s.command) == "smtpd")
            .map(Some)
            .collect()
    } else if model.master.disables("smtp", "inet") {
        // Postfix's own master.cf runs smtpd as smtp/inet only.
        Vec::new()
    } else {
        vec![None]
    };
    services
        .into_iter()
        .map(|service| {
            let mut smtpd = Smtpd {
                service,
                classes: HashMap::new(),
            };
            let names = smtpd
                .list(model, "smtpd_restriction_classes")
                .unwrap_or_default();
            for name in names {
                let list = smtpd.list(model, &name.text);
                smtpd.classes.insert(name.text, list);
            }
            smtpd
        })
        .collect()
}

/// What postlint can say of a question about a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Unknown,
}

/// The restrictions that make a relay or recipient list "working" (`rcpt_required` in
/// smtpd_check.c, the same in 3.7 to 3.11).
pub const RELAY_REQUIRED: &[&str] = &[
    "reject_unauth_destination",
    "defer_unauth_destination",
    "reject",
    "defer",
    "defer_if_permit",
    "check_relay_domains",
];

/// `has_required()` in smtpd_check.c: whether a list holds one of `required` before any
/// `permit`, looking into restriction classes, skipping the word after `warn_if_reject`.
/// Also returns the `permit` that ended the search, if one did.
pub fn has_required(smtpd: &Smtpd, list: &[Word], required: &[&str]) -> (Answer, Option<Span>) {
    has_required_at(smtpd, list, required, 0)
}

fn has_required_at(
    smtpd: &Smtpd,
    list: &[Word],
    required: &[&str],
    depth: usize,
) -> (Answer, Option<Span>) {
    // smtpd would recurse without end on classes that name each other; postlint gives up.
    if depth > 64 {
        return (Answer::Unknown, None);
    }
    let mut i = 0;
    while i < list.len() {
        let word = &list[i].text;
        if word.contains(UNKNOWN) {
            return (Answer::Unknown, None);
        }
        if word.eq_ignore_ascii_case("warn_if_reject") && i + 1 < list.len() {
            i += 2;
            continue;
        }
        if word.eq_ignore_ascii_case("permit") {
            return (Answer::No, list[i].span);
        }
        if required.iter().any(|r| word.eq_ignore_ascii_case(r)) {
            return (Answer::Yes, None);
        }
        if let Some(class) = smtpd.classes.get(word.as_str()) {
            let Some(class) = class else {
                return (Answer::Unknown, None);
            };
            match has_required_at(smtpd, class, required, depth + 1) {
                (Answer::Yes, _) => return (Answer::Yes, None),
                (Answer::Unknown, _) => return (Answer::Unknown, None),
                (Answer::No, _) => {}
            }
        }
        i += 1;
    }
    (Answer::No, None)
}

/// Whether smtpd can start with this service's relay and recipient lists (`has_required()`
/// finds a working relay check in one of them); true when postlint cannot tell.
pub fn starts(model: &Model, smtpd: &Smtpd) -> bool {
    let (Some(relay), Some(recipient)) = (
        smtpd.list(model, "smtpd_relay_restrictions"),
        smtpd.list(model, "smtpd_recipient_restrictions"),
    ) else {
        return true;
    };
    has_required(smtpd, &relay, RELAY_REQUIRED).0 != Answer::No
        || has_required(smtpd, &recipient, RELAY_REQUIRED).0 != Answer::No
}

const RESTRICTIONS_TEXT: &str = include_str!("../../data/postfix-restrictions.tsv");

/// A restriction smtpd knows: what argument it takes (`no`, `table`, `domain`, `service`,
/// `number`) and the releases that have it.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    pub takes: &'static str,
    pub first: super::version::Release,
    pub last: Option<super::version::Release>,
}

fn restriction_table() -> &'static HashMap<&'static str, Vec<Known>> {
    static TABLE: std::sync::OnceLock<HashMap<&'static str, Vec<Known>>> =
        std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<Known>> = HashMap::new();
        for mut row in super::data::rows(RESTRICTIONS_TEXT) {
            let (Some(name), Some(takes), Some(range)) = (row.next(), row.next(), row.next())
            else {
                continue;
            };
            if let Some((first, last)) = super::data::release_range(range) {
                map.entry(name)
                    .or_default()
                    .push(Known { takes, first, last });
            }
        }
        map
    })
}

/// What smtpd of `release` makes of a restriction name (any case): known (with its argument),
/// known to a release but not this one (the range it had), or not a restriction at all.
pub fn restriction(name: &str, release: super::version::Release) -> Result<Known, Option<Known>> {
    let lower = name.to_ascii_lowercase();
    let Some(list) = restriction_table().get(lower.as_str()) else {
        return Err(None);
    };
    list.iter()
        .find(|k| k.first <= release && k.last.is_none_or(|l| release <= l))
        .copied()
        .ok_or_else(|| list.last().copied())
}

/// Every restriction name smtpd has ever known, for suggestions.
pub fn restriction_names() -> impl Iterator<Item = &'static str> {
    restriction_table().keys().copied()
}

/// The restriction lists smtpd reads.
pub const LIST_PARAMS: &[&str] = &[
    "smtpd_client_restrictions",
    "smtpd_helo_restrictions",
    "smtpd_sender_restrictions",
    "smtpd_relay_restrictions",
    "smtpd_recipient_restrictions",
    "smtpd_data_restrictions",
    "smtpd_end_of_data_restrictions",
    "smtpd_etrn_restrictions",
];
