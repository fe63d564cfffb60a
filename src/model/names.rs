//! Which parameter names Postfix knows, as postconf decides what is "unused" and what is an
//! "undefined parameter" (postconf/postconf_user.c, postconf_service.c, postconf_dbms.c):
//!
//! - built-in names (3.7 from `postconf -d`, plus the names later releases added);
//! - service-derived names: `<service>_<suffix>` for each master.cf service whose command is a
//!   delivery agent;
//! - user-defined names: set in main.cf or with `-o`, and either referenced as `$name` in a value
//!   postconf scans (main.cf values, `-o` values, built-in defaults; raw parameters are not
//!   scanned) or listed in `smtpd_restriction_classes`;
//! - legacy database settings: `NAME_hosts` and the like for a `mysql:NAME` (no `/` or `.`) in
//!   the expanded value of a built-in parameter.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::expand::{expand, references};
use super::master::MasterCf;
use super::params::{default_value, is_builtin, Definition, Params};
use crate::parse::list::split_list;
use crate::parse::placeholder::{self, is_placeholder_name};
use crate::source::Span;

/// Parameters Postfix never `$`-expands as a whole (the programs expand their own `$` attributes
/// at delivery time). Measured: `postconf -nx` leaves `$name` in exactly these on Postfix 3.7.
pub const RAW_PARAMS: &[&str] = &[
    "command_execution_directory",
    "default_rbl_reply",
    "forward_path",
    "luser_relay",
    "mailbox_command",
    "postscreen_expansion_filter",
    "postscreen_reject_footer",
    "smtpd_expansion_filter",
    "smtpd_reject_footer",
];

pub fn is_raw(name: &str) -> bool {
    RAW_PARAMS.contains(&name)
}

/// The suffixes postconf derives for delivery-agent services (postconf_service.c).
const DELIVERY_SUFFIXES: &[&str] = &[
    "_delivery_slot_cost",
    "_delivery_slot_discount",
    "_delivery_slot_loan",
    "_destination_concurrency_failed_cohort_limit",
    "_destination_concurrency_limit",
    "_destination_concurrency_negative_feedback",
    "_destination_concurrency_positive_feedback",
    "_destination_rate_delay",
    "_destination_recipient_limit",
    "_extra_recipient_limit",
    "_initial_destination_concurrency",
    "_minimum_delivery_slots",
    "_recipient_limit",
    "_recipient_refill_delay",
    "_recipient_refill_limit",
    "_transport_rate_delay",
];
const TIME_LIMIT_SUFFIX: &str = "_time_limit";

/// The suffixes a service with this command gets (exact command names, as postconf compares).
fn service_suffixes(command: &str) -> (&'static [&'static str], bool) {
    match command {
        "local" | "error" | "virtual" | "smtp" | "lmtp" => (DELIVERY_SUFFIXES, false),
        "pipe" => (DELIVERY_SUFFIXES, true),
        "spawn" => (&[], true),
        _ => (&[], false),
    }
}

/// The service a per-transport parameter is for (`dovecot` of
/// `dovecot_destination_recipient_limit`), when the name has such a suffix.
pub fn per_transport_service(name: &str) -> Option<(&str, &'static str)> {
    DELIVERY_SUFFIXES
        .iter()
        .chain(std::iter::once(&TIME_LIMIT_SUFFIX))
        .filter(|s| name.len() > s.len() && name.ends_with(*s))
        // `_destination_recipient_limit` before `_recipient_limit`.
        .max_by_key(|s| s.len())
        .map(|s| (&name[..name.len() - s.len()], *s))
}

/// True when a name could be service-derived for some service (used when master.cf is unknown).
fn has_service_suffix(name: &str) -> bool {
    DELIVERY_SUFFIXES
        .iter()
        .chain(std::iter::once(&TIME_LIMIT_SUFFIX))
        .any(|s| name.len() > s.len() && name.ends_with(s))
}

/// Legacy database client settings, `NAME_<suffix>` for `type:NAME`. Measured with postconf 3.7:
/// every word of each *_table(5) page tried as a suffix, kept when postconf did not call it unused.
const DBMS_SUFFIXES: &[(&str, &[&str])] = &[
    (
        "ldap",
        &[
            "bind",
            "bind_dn",
            "bind_pw",
            "cache",
            "cache_expiry",
            "cache_size",
            "chase_referrals",
            "debuglevel",
            "dereference",
            "domain",
            "expansion_limit",
            "leaf_result_attribute",
            "query_filter",
            "recursion_limit",
            "result_attribute",
            "result_filter",
            "result_format",
            "sasl_authz_id",
            "sasl_mechs",
            "sasl_minssf",
            "sasl_realm",
            "scope",
            "search_base",
            "server_host",
            "server_port",
            "size_limit",
            "special_result_attribute",
            "start_tls",
            "terminal_result_attribute",
            "timeout",
            "tls_ca_cert_dir",
            "tls_ca_cert_file",
            "tls_cert",
            "tls_cipher_suite",
            "tls_key",
            "tls_random_file",
            "tls_require_cert",
            "version",
        ],
    ),
    (
        "mysql",
        &[
            "additional_conditions",
            "dbname",
            "domain",
            "expansion_limit",
            "hosts",
            "option_file",
            "option_group",
            "password",
            "query",
            "require_result_set",
            "result_format",
            "select_field",
            "table",
            "tls_CAfile",
            "tls_CApath",
            "tls_cert_file",
            "tls_key_file",
            "tls_verify_cert",
            "user",
            "where_field",
        ],
    ),
    (
        "pgsql",
        &[
            "additional_conditions",
            "dbname",
            "domain",
            "expansion_limit",
            "hosts",
            "password",
            "query",
            "result_format",
            "select_field",
            "select_function",
            "table",
            "user",
            "where_field",
        ],
    ),
    (
        "sqlite",
        &[
            "additional_conditions",
            "dbpath",
            "domain",
            "expansion_limit",
            "query",
            "result_format",
            "select_field",
            "table",
            "where_field",
        ],
    ),
    (
        "memcache",
        &[
            "backup",
            "data_size_limit",
            "domain",
            "flags",
            "key_format",
            "line_size_limit",
            "max_try",
            "memcache",
            "retry_pause",
            "timeout",
            "ttl",
        ],
    ),
];

/// Parameters added after Postfix 3.7: `VERSION name = default` lines.
const NEWER_TEXT: &str = include_str!("../../data/postfix-newer.txt");

fn newer() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static NEWER: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    NEWER.get_or_init(|| {
        NEWER_TEXT
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim_ascii().is_empty())
            .filter_map(|l| {
                let (version, rest) = l.split_once(' ')?;
                let (name, value) = rest
                    .split_once(" =")
                    .map(|(n, v)| (n, v.trim_ascii_start()))?;
                Some((name, (version, value)))
            })
            .collect()
    })
}

/// The release that added a parameter postlint knows but Postfix 3.7 does not.
pub fn added_in(name: &str) -> Option<&'static str> {
    newer().get(name).map(|(v, _)| *v)
}

/// The default of a parameter added after 3.7.
pub fn newer_default(name: &str) -> Option<&'static str> {
    newer().get(name).map(|(_, d)| *d)
}

/// Built into some Postfix release postlint knows (3.7 or later).
pub fn is_known_builtin(name: &str) -> bool {
    is_builtin(name) || newer().contains_key(name)
}

/// Names that built-in defaults refer to without being parameters themselves: the old names of
/// renamed parameters (`virtual_alias_maps = $virtual_maps`,
/// `${smtpd_client_connection_limit_exceptions:$mynetworks}`). Postfix knows them: postconf
/// never calls a reference to one "undefined parameter" (measured with 3.7), and the new
/// parameter takes the old one's value.
fn legacy_names() -> &'static HashSet<&'static str> {
    static LEGACY: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LEGACY.get_or_init(|| {
        let defaults = super::params::builtin_names()
            .filter(|name| !is_raw(name))
            .filter_map(default_value)
            .chain(newer().values().map(|(_, value)| *value));
        defaults
            .flat_map(|value| references(value).into_iter().map(move |r| &value[r.name]))
            .filter(|name| !is_known_builtin(name))
            .collect()
    })
}

/// A name Postfix knows: built into 3.7 or a later release, or the old name of a renamed one.
pub fn is_known_name(name: &str) -> bool {
    is_known_builtin(name) || legacy_names().contains(name)
}

/// Every built-in name, for suggestions.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    super::params::builtin_names().chain(newer().keys().copied())
}

/// Parameters Postfix deprecates or has removed, generated from Postfix's own tables and pages.
const DEPRECATED_TEXT: &str = include_str!("../../data/postfix-deprecated.txt");

/// A deprecated or removed parameter and what Postfix says to use instead.
#[derive(Clone, Copy, Debug)]
pub struct Deprecation {
    pub name: &'static str,
    /// The release that deprecated or removed it.
    pub since: &'static str,
    pub removed: bool,
    pub replacement: Option<&'static str>,
    /// Postfix's advice, in its words.
    pub note: &'static str,
}

fn deprecations() -> &'static HashMap<&'static str, Deprecation> {
    static TABLE: OnceLock<HashMap<&'static str, Deprecation>> = OnceLock::new();
    TABLE.get_or_init(|| {
        super::data::rows(DEPRECATED_TEXT)
            .filter_map(|mut f| {
                let name = f.next()?;
                let since = f.next()?;
                let removed = f.next()? == "removed";
                let replacement = f.next().filter(|r| *r != "-");
                let note = f.next().unwrap_or("");
                Some((
                    name,
                    Deprecation {
                        name,
                        since,
                        removed,
                        replacement,
                        note,
                    },
                ))
            })
            .collect()
    })
}

/// The deprecation of a parameter name, if Postfix deprecates or removed it.
pub fn deprecation(name: &str) -> Option<&'static Deprecation> {
    deprecations().get(name)
}

/// Every deprecated or removed name postlint knows, in no order.
pub fn all_deprecations() -> impl Iterator<Item = &'static Deprecation> {
    deprecations().values()
}

/// How Postfix classifies a name set in main.cf or with `-o`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NameStatus {
    Builtin,
    /// Added after Postfix 3.7, in this release.
    Newer(&'static str),
    /// Derived from a master.cf service (`relay_destination_recipient_limit`, ...).
    Service,
    /// User-defined and used (`$name` somewhere, or a restriction class).
    User,
    /// A legacy database client setting (`NAME_hosts` for `mysql:NAME`).
    Dbms,
    /// postconf calls it "unused parameter".
    Unused,
    /// Could be service-derived, but master.cf was not read.
    Unknown,
}

/// A `$name` that names nothing defined and nothing built in.
#[derive(Clone, Debug)]
pub struct UndefinedRef {
    pub name: String,
    /// The `$name` expression.
    pub span: Span,
    /// The parameter whose value holds it.
    pub in_param: String,
}

/// An installer placeholder in a main.cf value or a master.cf `-o` value: the value is
/// unknown until the installer fills it in.
#[derive(Clone, Debug)]
pub struct Placeholder {
    /// The marker as written: `PH_HOSTNAME`, `$MAIL_DOMAIN`, `%{domain}`.
    pub marker: String,
    pub span: Span,
    pub line: u32,
    pub in_param: String,
}

#[derive(Default)]
pub struct NameIndex {
    service_names: HashSet<String>,
    master_known: bool,
    /// User-defined names validated in main.cf's name space.
    valid_main: HashSet<String>,
    /// User-defined names validated in each service's name space (index into services).
    valid_service: Vec<HashSet<String>>,
    /// The `-o` names of each service that a written value refers to (main.cf, the service's
    /// own `-o` values, restriction classes); built-in defaults are left out.
    written_refs: Vec<HashSet<String>>,
    dbms: HashSet<String>,
    /// Names the repository's own Postfix build may register (`LoadOptions::built_params`).
    pub built: std::sync::Arc<HashSet<String>>,
    /// Database settings that only a renamed parameter's table uses (`virtual_maps =
    /// ldap:x`): used by the daemons, though postconf calls them unused.
    legacy_dbms: HashSet<String>,
    pub undefined: Vec<UndefinedRef>,
    pub placeholders: Vec<Placeholder>,
}

/// The class names of an smtpd_restriction_classes value; not those with unknown text (a
/// template's `{{ classes }}`), which may be any names.
fn class_names(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' ', '\t', '\r', '\n'])
        .filter(|s| !s.is_empty() && !s.contains(super::expand::UNKNOWN))
}

impl NameIndex {
    pub fn build(params: &Params, master: &MasterCf) -> NameIndex {
        let mut index = NameIndex {
            master_known: master.is_known(),
            valid_service: vec![HashSet::new(); master.services.len()],
            written_refs: vec![HashSet::new(); master.services.len()],
            ..NameIndex::default()
        };
        for service in &master.services {
            let (suffixes, time_limit) = service_suffixes(&service.command);
            for suffix in suffixes {
                index
                    .service_names
                    .insert(format!("{}{suffix}", service.name));
            }
            if time_limit {
                index
                    .service_names
                    .insert(format!("{}{TIME_LIMIT_SUFFIX}", service.name));
            }
        }

        // Global restriction classes: main.cf's smtpd_restriction_classes, expanded.
        // A class list on a template line that may be absent names classes of some rendering.
        let main_classes = match params.get("smtpd_restriction_classes") {
            Some(def) => possible_value(params, def),
            None => params.expand("smtpd_restriction_classes").text,
        };
        let global_classes: HashSet<&str> = class_names(&main_classes).collect();

        // Each service's -o name space.
        for (i, service) in master.services.iter().enumerate() {
            let scoped = params.scoped(service);
            if let Some(def) = service.override_of("smtpd_restriction_classes") {
                let classes = possible_value(&scoped, def);
                for name in class_names(&classes) {
                    index.flag(params, master, Some(i), name, None, None);
                }
            }
            for def in service.effective_overrides() {
                if global_classes.contains(def.name.as_str()) {
                    index.valid_service[i].insert(def.name.clone());
                    index.written_refs[i].insert(def.name.clone());
                }
                if is_raw(&def.name) {
                    continue;
                }
                index.scan(params, master, Some(i), def);
                if index.is_system_name(&def.name) {
                    index.register_dbms(&expand(&scoped, def.value_ref()).text);
                }
            }
        }

        // Built-in defaults that main.cf leaves alone: their `$names` validate user settings
        // (this is how renamed parameters keep working), but are never "undefined".
        for name in super::params::builtin_names() {
            if params.is_set(name) || is_raw(name) {
                continue;
            }
            if let Some(value) = default_value(name) {
                for r in references(value) {
                    index.flag_quietly(params, master, &value[r.name]);
                }
            }
        }

        // main.cf itself.
        for name in class_names(&main_classes) {
            let span = params
                .get("smtpd_restriction_classes")
                .map(|d| d.value_span);
            index.flag(
                params,
                master,
                None,
                name,
                span,
                Some("smtpd_restriction_classes"),
            );
        }
        let defined = params.defined_names();
        for name in defined {
            let def = params.get(name).expect("defined");
            if is_raw(name) {
                continue;
            }
            index.scan(params, master, None, def);
            if index.is_system_name(name) {
                index.register_dbms(&params.expand(name).text);
            } else if legacy_names().contains(name) {
                // `virtual_maps = ldap:x`: postconf calls `x_server_host` unused, but the daemons
                // read it, since the new name's default is `$virtual_maps`.
                let before: HashSet<String> = index.dbms.clone();
                index.register_dbms(&params.expand(name).text);
                let added: Vec<String> = index.dbms.difference(&before).cloned().collect();
                index.legacy_dbms.extend(added);
            }
        }
        index
    }

    /// Built in, added later, or derived from a service.
    fn is_system_name(&self, name: &str) -> bool {
        is_known_builtin(name) || self.service_names.contains(name)
    }

    fn scan(&mut self, params: &Params, master: &MasterCf, scope: Option<usize>, def: &Definition) {
        let span_of = |r: std::ops::Range<usize>| {
            def.map.span(
                def.file,
                def.value_offset + r.start..def.value_offset + r.end,
            )
        };
        for r in references(&def.value) {
            let name = &def.value[r.name.clone()];
            let span = span_of(r.expr.clone());
            if is_placeholder_name(name) && !self.validate(params, master, scope, name, true) {
                self.placeholder(def, &def.value[r.expr], span);
                continue;
            }
            self.flag(params, master, scope, name, Some(span), Some(&def.name));
        }
        for r in placeholder::find(&def.value) {
            self.placeholder(def, &def.value[r.clone()], span_of(r));
        }
        if let Some(r) = placeholder::find(&def.name).into_iter().next() {
            self.placeholder(def, &def.name[r], def.name_span);
        }
    }

    fn placeholder(&mut self, def: &Definition, marker: &str, span: Span) {
        self.placeholders.push(Placeholder {
            marker: marker.to_string(),
            span,
            line: def.line,
            in_param: def.name.clone(),
        });
    }

    /// `flag_user_parameter()`: validates a referenced name that has a `name=value`, and records
    /// a reference to a name that has neither a value nor a built-in default.
    fn flag(
        &mut self,
        params: &Params,
        master: &MasterCf,
        scope: Option<usize>,
        name: &str,
        span: Option<Span>,
        in_param: Option<&str>,
    ) {
        let supplied = self.validate(params, master, scope, name, true);
        // Without master.cf a service-derived name cannot be ruled out: say nothing.
        let maybe_service = !self.master_known && has_service_suffix(name);
        let known = self.is_system_name(name) || legacy_names().contains(name);
        if !supplied && !known && !self.dbms.contains(name) && !maybe_service {
            if let (Some(span), Some(in_param)) = (span, in_param) {
                self.undefined.push(UndefinedRef {
                    name: name.to_string(),
                    span,
                    in_param: in_param.to_string(),
                });
            }
        }
    }

    fn flag_quietly(&mut self, params: &Params, master: &MasterCf, name: &str) {
        self.validate(params, master, None, name, false);
    }

    /// Records `name` as referred to in `scope` (None: main.cf, which every service sees);
    /// `written`: by a value in the files, not a built-in default.
    fn validate(
        &mut self,
        params: &Params,
        master: &MasterCf,
        scope: Option<usize>,
        name: &str,
        written: bool,
    ) -> bool {
        let mut supplied = false;
        if let Some(i) = scope {
            if master.services[i].override_of(name).is_some() {
                self.valid_service[i].insert(name.to_string());
                if written {
                    self.written_refs[i].insert(name.to_string());
                }
                return true;
            }
        }
        if params.is_set(name) {
            supplied = true;
            self.valid_main.insert(name.to_string());
        }
        if scope.is_none() {
            for (i, service) in master.services.iter().enumerate() {
                if service.override_of(name).is_some() {
                    supplied = true;
                    self.valid_service[i].insert(name.to_string());
                    if written {
                        self.written_refs[i].insert(name.to_string());
                    }
                }
            }
        }
        supplied
    }

    /// `pcf_register_dbms_helper()`: `type:NAME` tokens (through `proxy:` and `{...}`).
    fn register_dbms(&mut self, text: &str) {
        self.register_dbms_depth(text, 0);
    }

    fn register_dbms_depth(&mut self, text: &str, depth: usize) {
        if depth > 10 {
            return;
        }
        for range in split_list(text) {
            let token = &text[range];
            if let Some(inner) = token.strip_prefix('{') {
                self.register_dbms_depth(inner.strip_suffix('}').unwrap_or(inner), depth + 1);
                continue;
            }
            let mut rest = token;
            let (mut kind, mut prefix) = match rest.split_once(':') {
                Some(pair) => pair,
                None => continue,
            };
            while kind == "proxy" {
                rest = prefix;
                match rest.split_once(':') {
                    Some((k, p)) => {
                        kind = k;
                        prefix = p;
                    }
                    None => break,
                }
            }
            if kind == "proxy" || prefix.starts_with('/') || prefix.starts_with('.') {
                continue;
            }
            if let Some(inner) = prefix.strip_prefix('{') {
                if !matches!(kind, "regexp" | "pcre") {
                    self.register_dbms_depth(inner.strip_suffix('}').unwrap_or(inner), depth + 1);
                }
                continue;
            }
            if let Some((_, suffixes)) = DBMS_SUFFIXES.iter().find(|(t, _)| *t == kind) {
                for suffix in *suffixes {
                    self.dbms.insert(format!("{prefix}_{suffix}"));
                }
            }
        }
    }

    /// A database setting that only the table of a renamed parameter uses: postconf 3.7 calls
    /// it unused, the daemons read it.
    pub fn is_legacy_dbms(&self, name: &str) -> bool {
        self.legacy_dbms.contains(name)
    }

    /// Whether a value written in the configuration refers to an `-o` name of a service (the
    /// index into master.cf's services): `$name` in main.cf or in that service's `-o` values, or
    /// a restriction class main.cf or the service lists. Built-in defaults do not count here:
    /// which program expands them is scripts/gen-daemon-params.py's business.
    pub fn is_referenced(&self, name: &str, service: usize) -> bool {
        self.written_refs
            .get(service)
            .is_some_and(|refs| refs.contains(name))
    }

    /// How postconf classifies a main.cf name (`service` None) or an `-o` name of a service.
    pub fn status(&self, name: &str, service: Option<usize>) -> NameStatus {
        if is_builtin(name) {
            return NameStatus::Builtin;
        }
        // `%{dovecot_enabled}virtual_transport`: the installer decides what the line becomes.
        if !placeholder::find(name).is_empty() {
            return NameStatus::Unknown;
        }
        if let Some(version) = added_in(name) {
            return NameStatus::Newer(version);
        }
        if self.service_names.contains(name) {
            return NameStatus::Service;
        }
        let valid = match service {
            None => self.valid_main.contains(name),
            Some(i) => self.valid_service.get(i).is_some_and(|v| v.contains(name)),
        };
        if valid {
            return NameStatus::User;
        }
        if self.dbms.contains(name) {
            return NameStatus::Dbms;
        }
        if self.built.contains(name) {
            return NameStatus::Unknown;
        }
        if !self.master_known && has_service_suffix(name) {
            return NameStatus::Unknown;
        }
        // The old name of a renamed parameter is known to postconf even where nothing refers to
        // it any more (the new name set too): never "unused" (measured with 3.7).
        if legacy_names().contains(name) {
            return NameStatus::Builtin;
        }
        NameStatus::Unused
    }
}

/// The value of `def` expanded, or on a template line that may be absent, what it is when
/// the line is there.
fn possible_value<L: super::expand::ParamLookup>(lookup: &L, def: &Definition) -> String {
    match def.conditional {
        true => super::expand::expand_text(lookup, &def.value).text,
        false => expand(lookup, def.value_ref()).text,
    }
}

/// The parameters Apple added to its Mac OS X Server build (mail_params.h of
/// apple-oss-distributions/postfix, tags postfix-229 to postfix-252: Postfix 2.8.0 to 2.9.2);
/// the tags before and after have none of them.
pub const APPLE_ONLY: &[&str] = &[
    "check_for_od_forward",
    "enable_server_options",
    "imap_submit_cred_file",
    "minimum_valid_uid",
    "mydomain_fallback",
    "sacl_cache_disabled_expire_time",
    "sacl_cache_negative_expire_time",
    "sacl_cache_positive_expire_time",
    "sacl_cache_service_name",
    "smtpd_pw_server_security_options",
    "smtpd_use_pw_server",
    "use_getpwnam_ext",
    "use_od_delivery_path",
    "use_sacl_cache",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_transport_settings_name_their_service() {
        assert_eq!(
            per_transport_service("dovecot_destination_recipient_limit"),
            Some(("dovecot", "_destination_recipient_limit"))
        );
        assert_eq!(
            per_transport_service("relay_recipient_limit"),
            Some(("relay", "_recipient_limit"))
        );
        assert_eq!(
            per_transport_service("spamd_time_limit"),
            Some(("spamd", "_time_limit"))
        );
        assert_eq!(per_transport_service("myhostname"), None);
        assert_eq!(per_transport_service("_recipient_limit"), None);
    }
    use crate::parse::assign::parse_assignments;

    #[test]
    fn every_renamed_parameter_has_a_deprecation() {
        // A built-in default that refers to a name Postfix does not have is the compatibility
        // path of a renamed parameter: `virtual_alias_maps = $virtual_maps`.
        for name in super::super::params::builtin_names() {
            if is_raw(name) {
                continue;
            }
            let value = default_value(name).unwrap();
            for r in references(value) {
                let old = &value[r.name];
                if is_known_builtin(old) || old.ends_with('_') {
                    continue;
                }
                let d = deprecation(old).unwrap_or_else(|| {
                    panic!("{old} (in {name}) is not in data/postfix-deprecated.txt")
                });
                assert_eq!(d.replacement, Some(name), "{old}");
            }
        }
        for d in deprecations().values() {
            let since: Vec<u32> = d.since.split('.').map(|p| p.parse().unwrap()).collect();
            let before_3_8 = since < vec![3, 8];
            assert!(
                !(d.removed && before_3_8 && is_builtin(d.name)),
                "{} was removed in {} but is built into 3.7",
                d.name,
                d.since
            );
            if let Some(r) = d.replacement {
                assert!(
                    is_known_builtin(r),
                    "{}: replacement {r} is not a parameter",
                    d.name
                );
            }
        }
    }
    use crate::source::FileId;

    fn index(main_cf: &str, master_cf: Option<&str>) -> (Params, MasterCf, NameIndex) {
        let mut params = Params::default();
        for a in parse_assignments(main_cf).assignments {
            params.add(Definition::from_assignment(&a, FileId(0)));
        }
        params.settle_host_values(None);
        let master = match master_cf {
            Some(text) => MasterCf::parse(FileId(1), text),
            None => MasterCf::default(),
        };
        let index = NameIndex::build(&params, &master);
        (params, master, index)
    }

    // Each case was run through `postconf -n` (3.7); the names it called unused are Unused here.
    #[test]
    fn user_names_as_postconf_sees_them() {
        let (_, _, ix) = index(
            "a = $b\nb = $c\nc = x\nd = ${e?x}\ne = 1\nf = ${{$g} == {1}?y}\ng=1\n\
             smtpd_restriction_classes = h, $i\nh = permit\ni=j\nj=permit\n\
             mysql_table = mysql:foo\nfoo_hosts = x\n\
             mailbox_command = /bin/p $myvar\nmyvar = x\nvirtual_maps = hash:/x\n",
            Some(""),
        );
        for used in ["b", "c", "e", "g", "h", "i", "j", "virtual_maps"] {
            assert_eq!(ix.status(used, None), NameStatus::User, "{used}");
        }
        for unused in ["a", "d", "f", "mysql_table", "foo_hosts", "myvar"] {
            assert_eq!(ix.status(unused, None), NameStatus::Unused, "{unused}");
        }
        assert_eq!(ix.status("mydestination", None), NameStatus::Builtin);
        // An old name that the new one, set too, no longer refers to: postconf knows it.
        let (_, _, ix) = index(
            "smtpd_client_event_limit_exceptions = $mynetworks
\
             smtpd_client_connection_limit_exceptions = $mynetworks
",
            Some(""),
        );
        assert_eq!(
            ix.status("smtpd_client_connection_limit_exceptions", None),
            NameStatus::Builtin
        );
    }

    #[test]
    fn database_prefixes_follow_expanded_builtin_values() {
        let (_, _, ix) = index(
            "virtual_alias_maps = proxy:mysql:aa, $vv\naa_user = 1\nvv = mysql:bb\nbb_user = 1\n\
             bb_bogus = 1\nmy_maps = mysql:rr\nrr_user = 2\n\
             smtpd_restriction_classes = h\nh = check_recipient_access mysql:qq\nqq_user=1\ncc_user=1\n",
            Some("s1 inet n - y - - smtpd -o smtpd_sender_restrictions=mysql:cc\n"),
        );
        for used in ["aa_user", "bb_user", "cc_user"] {
            assert_eq!(ix.status(used, None), NameStatus::Dbms, "{used}");
        }
        for unused in ["bb_bogus", "rr_user", "qq_user", "my_maps"] {
            assert_eq!(ix.status(unused, None), NameStatus::Unused, "{unused}");
        }
    }

    #[test]
    fn services_and_overrides() {
        let (_, _, ix) = index(
            "mine = permit\nfoo_bar = x\nrelay_destination_recipient_limit = 1\n",
            Some(
                "relay unix - - n - - smtp\nee unix - - n - - spawn\nhh unix - - n - - /usr/lib/postfix/sbin/smtp\n\
                 smtp inet n - y - - smtpd -o smtpd_bogus=1 -o myhostname=$foo_bar\n  -o smtpd_client_restrictions=$mine\n",
            ),
        );
        assert_eq!(
            ix.status("relay_destination_recipient_limit", None),
            NameStatus::Service
        );
        assert_eq!(ix.status("ee_time_limit", None), NameStatus::Service);
        assert_eq!(ix.status("ee_recipient_limit", None), NameStatus::Unused);
        assert_eq!(ix.status("hh_recipient_limit", None), NameStatus::Unused);
        assert_eq!(ix.status("mine", None), NameStatus::User);
        assert_eq!(ix.status("foo_bar", None), NameStatus::User);
        assert_eq!(ix.status("smtpd_bogus", Some(3)), NameStatus::Unused);
    }

    #[test]
    fn written_references_are_told_from_builtin_defaults() {
        let (_, _, ix) = index(
            "smtpd_banner = $myhostname $smtp_helo_name\n",
            Some(
                "s1 inet n - y - - smtpd -o smtp_helo_name=x -o smtp_tls_security_level=encrypt \
                 -o smtp_sasl_auth_enable=yes -o smtpd_client_restrictions=$smtp_sasl_auth_enable\n\
                 s2 unix - - y - - smtp -o smtp_sasl_auth_enable=yes\n",
            ),
        );
        // main.cf's value, and the service's own -o value.
        assert!(ix.is_referenced("smtp_helo_name", 0));
        assert!(ix.is_referenced("smtp_sasl_auth_enable", 0));
        // Another service's -o value does not reach s2.
        assert!(!ix.is_referenced("smtp_sasl_auth_enable", 1));
        // Only built-in defaults refer to it (smtp_tls_dane_insecure_mx_policy and
        // tlsproxy_client_security_level): which program expands those is not known here.
        assert!(!ix.is_referenced("smtp_tls_security_level", 0));
    }

    #[test]
    fn without_master_cf_service_names_are_unknown() {
        let (_, _, ix) = index("relay_destination_recipient_limit = 1\n", None);
        assert_eq!(
            ix.status("relay_destination_recipient_limit", None),
            NameStatus::Unknown
        );
        assert_eq!(ix.status("relayhostt", None), NameStatus::Unused);
        let (_, _, ix) = index("x = $relay_destination_recipient_limit $relayhostt\n", None);
        let undefined: Vec<&str> = ix.undefined.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(undefined, ["relayhostt"]);
    }

    #[test]
    fn undefined_references_name_the_expression() {
        let (_, _, ix) = index(
            "smtpd_banner = $nosuch ${c?$nosuch2} ${{$nosuch3}=={}?x}\nmailbox_command = $nosuch4\n\
             my_x = $nosuch5\nsmtpd_restriction_classes = $nosuch6\nvirtual_alias_maps = $virtual_maps\n",
            Some("s1 inet n - y - - smtpd -o smtpd_banner=$nosuch7\n"),
        );
        let mut names: Vec<&str> = ix.undefined.iter().map(|u| u.name.as_str()).collect();
        names.sort();
        assert_eq!(
            names,
            ["c", "nosuch", "nosuch2", "nosuch3", "nosuch5", "nosuch6", "nosuch7",]
        );
    }
}

#[cfg(test)]
mod deprecation_data {
    use super::deprecation;
    use crate::model::version::Release;

    /// Every parameter postconf itself warns about as deprecated (pcf_depr_param_info[] of
    /// 3.9 to 3.11, data/postfix-deprecation-warnings.tsv from scripts/gen-version-data.py) is
    /// in postlint's deprecation data, deprecated no later than the release that warns.
    #[test]
    fn every_name_postconf_warns_about_is_deprecated_here() {
        let text = include_str!("../../data/postfix-deprecation-warnings.tsv");
        let mut checked = 0;
        for mut row in crate::model::data::rows(text) {
            let name = row.next().unwrap();
            let warns = Release::parse(row.next().unwrap()).unwrap();
            let d = deprecation(name)
                .unwrap_or_else(|| panic!("{name}: not in postfix-deprecated.txt"));
            let since = Release::parse(d.since).unwrap();
            assert!(
                since <= warns,
                "{name}: deprecated since {since} here, postconf warns from {warns}"
            );
            checked += 1;
        }
        assert!(checked > 30, "only {checked} names");
    }

    /// A parameter no program of the newest release reads any more (its rows in
    /// data/postfix-params.tsv all end before it) is in the deprecation data as removed.
    #[test]
    fn every_parameter_the_tables_dropped_is_removed_here() {
        let text = include_str!("../../data/postfix-params.tsv");
        let mut open_ended = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for mut row in crate::model::data::rows(text) {
            let name = row.next().unwrap();
            let range = row.nth(5).unwrap();
            names.insert(name);
            if crate::model::data::release_range(range)
                .unwrap()
                .1
                .is_none()
            {
                open_ended.insert(name);
            }
        }
        for name in names.difference(&open_ended) {
            let d = deprecation(name)
                .unwrap_or_else(|| panic!("{name}: dropped, but not deprecated here"));
            assert!(
                d.removed,
                "{name}: dropped from the tables, but only deprecated here"
            );
        }
    }
}
