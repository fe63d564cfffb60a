//! TLS and SASL settings as each service reads them: the smtpd TLS level (with the legacy
//! smtpd_use_tls/smtpd_enforce_tls and wrapper mode, as smtpd.c combines them), the smtp
//! client's level, relayhost destinations, and protocol lists as tls_proto_mask_lims() reads
//! them.

use super::master::Service;
use super::params::Definition;
use super::restrictions::{service_definition, service_value};
use super::Model;
use crate::source::Span;

/// A TLS security level (postconf(5) smtp_tls_security_level).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    May,
    Dane,
    Encrypt,
    DaneOnly,
    Fingerprint,
    Verify,
    Secure,
}

impl Level {
    /// A level name as tls_level_lookup() reads it (case-insensitive).
    pub fn parse(text: &str) -> Option<Level> {
        Some(match text.to_ascii_lowercase().as_str() {
            "none" => Level::None,
            "may" => Level::May,
            "dane" => Level::Dane,
            "encrypt" => Level::Encrypt,
            "dane-only" => Level::DaneOnly,
            "fingerprint" => Level::Fingerprint,
            "verify" => Level::Verify,
            "secure" => Level::Secure,
            _ => return None,
        })
    }

    /// True when a session without TLS is refused.
    pub fn mandatory(self) -> bool {
        !matches!(self, Level::None | Level::May | Level::Dane)
    }
}

/// A Postfix boolean (`yes`/`no`, any case); None for anything else.
pub fn boolean(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if text.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

/// A boolean parameter as a service reads it; None when unknown or not a boolean.
pub fn flag(model: &Model, service: Option<&Service>, param: &str) -> Option<bool> {
    boolean(&service_value(model, service, param)?)
}

/// What decides a level: the parameter, and its definition when written.
#[derive(Clone, Copy)]
pub struct Decided<'m> {
    pub level: Level,
    pub param: &'static str,
    pub definition: Option<&'m Definition>,
}

impl Decided<'_> {
    /// `smtpd_tls_security_level = may`, as the user reads the deciding setting.
    pub fn describe(&self) -> String {
        match self.definition {
            Some(d) => format!("{} = {}", self.param, d.value),
            // The legacy `*_use_tls` decides only when the level is empty: name the setting
            // the user would write today, not an obsolete one never written.
            None if self.param.ends_with("_use_tls") => format!(
                "{} empty, the default",
                self.param.replace("_use_tls", "_tls_security_level")
            ),
            None => format!(
                "{} = {}, the default",
                self.param,
                super::params::default_value(self.param).unwrap_or("")
            ),
        }
    }

    pub fn span(&self) -> Option<Span> {
        self.definition.map(|d| d.value_span)
    }
}

/// The TLS level an smtpd service enforces, as smtpd.c derives it: wrapper mode means
/// encrypt; else smtpd_tls_security_level; when that is empty, the legacy smtpd_enforce_tls
/// and smtpd_use_tls. None when unknown (or a value smtpd refuses to start with).
pub fn server_level<'m>(model: &'m Model, service: Option<&'m Service>) -> Option<Decided<'m>> {
    let decided = |level, param: &'static str| Decided {
        level,
        param,
        definition: service_definition(model, service, param),
    };
    if flag(model, service, "smtpd_tls_wrappermode")? {
        return Some(decided(Level::Encrypt, "smtpd_tls_wrappermode"));
    }
    let level = service_value(model, service, "smtpd_tls_security_level")?;
    if !level.is_empty() {
        let parsed = match Level::parse(&level)? {
            Level::Fingerprint | Level::Verify | Level::Secure => Level::Encrypt,
            Level::Dane | Level::DaneOnly => return None,
            other => other,
        };
        return Some(decided(parsed, "smtpd_tls_security_level"));
    }
    if flag(model, service, "smtpd_enforce_tls")? {
        return Some(decided(Level::Encrypt, "smtpd_enforce_tls"));
    }
    let used = flag(model, service, "smtpd_use_tls")?;
    Some(decided(
        if used { Level::May } else { Level::None },
        "smtpd_use_tls",
    ))
}

/// Whether an smtpd service asks a STARTTLS client for its certificate and verifies it, as
/// smtpd.c decides: TLS offered, and `smtpd_tls_ask_ccert = yes` (or `smtpd_tls_req_ccert =
/// yes` at level encrypt). None when unknown.
pub fn verifies_client_certs(model: &Model, service: Option<&Service>) -> Option<bool> {
    let level = server_level(model, service)?.level;
    if level == Level::None {
        return Some(false);
    }
    if flag(model, service, "smtpd_tls_ask_ccert")? {
        return Some(true);
    }
    Some(level == Level::Encrypt && flag(model, service, "smtpd_tls_req_ccert")?)
}

/// The CA files and directories of the operating systems' public CA bundles (Debian, Ubuntu,
/// Alpine, Arch, RHEL and Fedora, SUSE, the BSDs, macOS): every CA browsers trust, which
/// sell certificates to anyone.
const PUBLIC_CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/tls/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ca-certificates/extracted/tls-ca-bundle.pem",
    "/usr/lib/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
    "/usr/local/etc/ssl/cert.pem",
];
const PUBLIC_CA_DIRS: &[&str] = &[
    "/etc/ssl/certs",
    "/usr/lib/ssl/certs",
    "/etc/pki/tls/certs",
    "/etc/openssl/certs",
    "/var/lib/ca-certificates/openssl",
    "/usr/local/share/certs",
];

/// Why an smtpd service trusts the public CAs to sign client certificates: the setting, as
/// the user wrote it, and where.
pub struct PublicTrust<'m> {
    /// `smtpd_tls_CApath = /etc/ssl/certs`, `tls_append_default_CA = yes`.
    pub setting: String,
    pub definition: Option<&'m Definition>,
}

/// Whether an smtpd service's CA list holds the public CAs (tls_set_ca_certificate_info():
/// smtpd_tls_CAfile and smtpd_tls_CApath, and OpenSSL's default CAs when
/// tls_append_default_CA = yes and either is set). None when it does not, or postlint cannot
/// know (a CA file of the setup's own may hold anything).
pub fn public_trust<'m>(model: &'m Model, service: Option<&'m Service>) -> Option<PublicTrust<'m>> {
    let mut set = false;
    for (param, public) in [
        ("smtpd_tls_CAfile", PUBLIC_CA_FILES),
        ("smtpd_tls_CApath", PUBLIC_CA_DIRS),
    ] {
        // One of the two written as a template expression: the other may still decide.
        let Some(value) = service_value(model, service, param) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        set = true;
        let path = value.trim_end_matches('/');
        if public.contains(&path) {
            return Some(PublicTrust {
                setting: format!("{param} = {value}"),
                definition: service_definition(model, service, param),
            });
        }
    }
    if set && flag(model, service, "tls_append_default_CA")? {
        return Some(PublicTrust {
            setting: "tls_append_default_CA = yes".to_string(),
            definition: service_definition(model, service, "tls_append_default_CA"),
        });
    }
    None
}

/// The TLS level an smtp (or lmtp, by prefix) client service uses by default, as smtp.c
/// derives it: smtp_tls_security_level, else the legacy smtp_enforce_tls and smtp_use_tls.
pub fn client_level<'m>(
    model: &'m Model,
    service: Option<&'m Service>,
    prefix: &str,
) -> Option<Decided<'m>> {
    let (level_param, enforce_param, use_param) = match prefix {
        "lmtp" => (
            "lmtp_tls_security_level",
            "lmtp_enforce_tls",
            "lmtp_use_tls",
        ),
        _ => (
            "smtp_tls_security_level",
            "smtp_enforce_tls",
            "smtp_use_tls",
        ),
    };
    let decided = |level, param: &'static str| Decided {
        level,
        param,
        definition: service_definition(model, service, param),
    };
    let level = service_value(model, service, level_param)?;
    if !level.is_empty() {
        return Some(decided(Level::parse(&level)?, level_param));
    }
    if flag(model, service, enforce_param)? {
        return Some(decided(Level::Encrypt, enforce_param));
    }
    let used = flag(model, service, use_param)?;
    Some(decided(
        if used { Level::May } else { Level::None },
        use_param,
    ))
}

/// Whether a program reads its `*_tls_mandatory_*` settings (protocols, cipher grade,
/// exclusions) anywhere in this setup: smtpd where a service enforces TLS (smtpd.c uses the
/// mandatory settings only with enforce_tls: level encrypt or above, wrapper mode, the legacy
/// smtpd_enforce_tls), the smtp and lmtp clients where a service runs at a level above `may`
/// or a TLS policy table may raise the level for some destinations, tlsproxy where its own
/// level (by default smtpd's) enforces TLS. Unknown values count as reading.
pub fn mandatory_settings_read(model: &Model, program: &str) -> bool {
    use super::values::program_of;
    match program {
        "smtpd" => super::restrictions::smtpd_processes(model)
            .iter()
            .any(|smtpd| {
                server_level(model, smtpd.service).is_none_or(|d| d.level >= Level::Encrypt)
            }),
        "smtp" | "lmtp" => {
            let services: Vec<Option<&Service>> = match model.master.is_known() {
                true => model
                    .master
                    .running()
                    .filter(|s| program_of(&s.command) == program)
                    .map(Some)
                    .collect(),
                false => vec![None],
            };
            let policy = format!("{program}_tls_policy_maps");
            services.iter().any(|&service| {
                client_level(model, service, program)
                    .is_none_or(|d| !matches!(d.level, Level::None | Level::May))
                    || service_value(model, service, &policy).is_none_or(|p| !p.is_empty())
            })
        }
        // tlsproxy's server side (for postscreen) follows its own level, by default smtpd's.
        "tlsproxy" => match service_value(model, None, "tlsproxy_tls_security_level").as_deref() {
            None => true,
            Some("") => flag(model, None, "tlsproxy_enforce_tls") != Some(false),
            Some(level) => Level::parse(level).is_none_or(|l| l >= Level::Encrypt),
        },
        _ => true,
    }
}

/// The master.cf service a transport name runs (`smtp` of `smtp:[relay]`), if master.cf has
/// it as a unix service.
pub fn transport_service<'m>(model: &'m Model, transport: &str) -> Option<&'m Service> {
    model
        .master
        .services
        .iter()
        .find(|s| s.name == transport && s.kind == "unix")
}

/// The service that delivers mail for remote domains by default (default_transport's), with
/// whether postlint knows it: None inside when master.cf is absent or does not define it.
pub fn default_delivery(model: &Model) -> Option<Option<&Service>> {
    let transport = service_value(model, None, "default_transport")?;
    let name = transport.split(':').next().unwrap_or("").trim_ascii();
    if !model.master.is_known() {
        return Some(None);
    }
    transport_service(model, name).map(Some)
}

/// A next-hop destination as written: `[smtp.example.net]:587`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub host: String,
    /// Written in brackets: no MX lookup, the name is the host connected to.
    pub bracketed: bool,
    pub port: Option<String>,
    pub written: String,
}

impl Destination {
    /// Reads `host`, `host:port`, `[host]`, `[host]:port` (and `[ipv6]:port`); None for anything
    /// else (a list, an empty value).
    pub fn parse(text: &str) -> Option<Destination> {
        let text = text.trim_ascii();
        if text.is_empty() || text.contains([' ', ',', '\t']) {
            return None;
        }
        let (host, bracketed, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?.to_string()),
            };
            (host.to_string(), true, port)
        } else {
            match text.split_once(':') {
                Some((host, port)) => (host.to_string(), false, Some(port.to_string())),
                None => (text.to_string(), false, None),
            }
        };
        if host.is_empty() || port.as_deref() == Some("") {
            return None;
        }
        Some(Destination {
            host,
            bracketed,
            port,
            written: text.to_string(),
        })
    }
}

/// main.cf's relayhost as one destination, with its definition; None when unset, unknown,
/// not one destination, or never used because a transport_maps `*` next hop overrules it
/// ([`relayhost_overruled`]).
pub fn relayhost(model: &Model) -> Option<(Destination, &Definition)> {
    let definition = model.params.get("relayhost")?;
    let value = service_value(model, None, "relayhost")?;
    let destination = Destination::parse(&value)?;
    relayhost_overruled(model).is_none().then_some(())?;
    Some((destination, definition))
}

/// A transport_maps `*` entry with a next hop, where no other entry leaves a domain that is not
/// local or virtual to the default next hop: every remote domain then gets the entry's next
/// hop, and the relayhost is never used (postconf(5), relayhost: "overruled ... with the
/// transport(5) table"). Gives the entry's transport, next hop and value. None when some
/// transport table cannot be read.
pub fn relayhost_overruled(model: &Model) -> Option<(String, String, Span)> {
    use super::classes::{ClassKind, Membership};
    let maps = model.maps("transport_maps");
    if maps.unknown || maps.tables.is_empty() {
        return None;
    }
    let mut tables = Vec::new();
    for &id in &maps.tables {
        let known = model.tables.known_entry_tables(id);
        if known.is_empty() || model.tables.partial_reason(id).is_some() {
            return None;
        }
        tables.extend(known);
    }
    // trivial-rewrite asks every table for a key before the next key: `*` is the first table's
    // that has it.
    let star = tables.iter().find_map(|&t| {
        let entries = model.tables.get(t).entries()?;
        let i = entries.get("*")?;
        let entry = entries.entry(i);
        Some((entry.value, entry.value_span))
    })?;
    let (transport, hop) = star.0.split_once(':')?;
    if hop.trim_ascii().is_empty() {
        return None;
    }
    let smtp_client = |name: &str| match model.master.is_known() {
        true => transport_service(model, name)
            .is_none_or(|s| super::values::program_of(&s.command) == "smtp"),
        false => matches!(name, "smtp" | "relay"),
    };
    let local_or_virtual = |domain: &str| {
        [
            ClassKind::Local,
            ClassKind::VirtualAlias,
            ClassKind::VirtualMailbox,
        ]
        .iter()
        .any(|&k| {
            matches!(
                model.class(k).contains(&model.tables, domain),
                Membership::Yes { .. }
            )
        })
    };
    for &t in &tables {
        let entries = model.tables.get(t).entries()?;
        for entry in entries.iter() {
            let (name, next) = entry.value.split_once(':').unwrap_or((entry.value, ""));
            if !next.trim_ascii().is_empty() {
                continue;
            }
            // Another delivery agent (local, virtual, lmtp to a socket, error, discard, a
            // pipe) takes it: no relayhost. An smtp client (or the class's default
            // transport, `:`) with no next hop uses the relayhost for a remote domain.
            let name = name.trim_ascii();
            let smtp = match name.is_empty() {
                // The class's own transport: for a remote domain relay_transport or
                // default_transport.
                true => ["relay_transport", "default_transport"].iter().any(|p| {
                    service_value(model, None, p)
                        .is_none_or(|t| smtp_client(t.split(':').next().unwrap_or("").trim_ascii()))
                }),
                false => smtp_client(name),
            };
            let domain = entry
                .key
                .rsplit('@')
                .next()
                .unwrap_or("")
                .trim_start_matches('.');
            if smtp && (domain.is_empty() || !local_or_virtual(domain)) {
                return None;
            }
        }
    }
    Some((
        transport.trim_ascii().to_string(),
        hop.trim_ascii().to_string(),
        star.1,
    ))
}

/// The relayhost, with its wrapper mode as the smtp client of the default transport reads
/// `smtp_tls_wrappermode` (None: not known). None when there is no relayhost, or when the
/// default transport is a master.cf service postlint cannot read as an smtp client.
pub fn relayhost_wrappermode(model: &Model) -> Option<(Destination, &Definition, Option<bool>)> {
    let (dest, definition) = relayhost(model)?;
    let service = default_delivery(model)?;
    if model.master.is_known() && service.is_none() {
        return None;
    }
    Some((
        dest,
        definition,
        flag(model, service, "smtp_tls_wrappermode"),
    ))
}

/// Whether a list parameter (`noanonymous, noplaintext`) holds a word, any case.
pub fn has_word(value: &str, word: &str) -> bool {
    value
        .split([',', ' ', '\t', '\n'])
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// Protocol versions in the order of tls_misc.c's protocol_table.
pub const PROTOCOLS: [&str; 6] = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/// The wire version numbers of PROTOCOLS, for `>=`/`<=` bounds.
const WIRE: [u32; 6] = [0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304];

/// What a protocol list allows, as tls_proto_mask_lims() and OpenSSL's min/max read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolList {
    /// Bit i set: PROTOCOLS[i] allowed.
    Allows(u8),
    /// A word Postfix does not know: the whole list is invalid and TLS is turned off.
    Invalid(String),
}

/// Reads a protocol list: names to include, `!name` to exclude, `>=version`/`<=version`
/// bounds (names, `None` or hex wire versions); separators comma, white space and colon.
/// `>=`/`<=` need Postfix 3.6 (`bounds`).
pub fn parse_protocols(text: &str, bounds: bool) -> ProtocolList {
    let index = |name: &str| PROTOCOLS.iter().position(|p| p.eq_ignore_ascii_case(name));
    let version = |tok: &str| -> Option<u32> {
        if tok.eq_ignore_ascii_case("none") {
            return Some(0);
        }
        if let Some(i) = index(tok).filter(|&i| i > 0) {
            return Some(WIRE[i]);
        }
        let hex = tok
            .strip_prefix("0x")
            .or_else(|| tok.strip_prefix("0X"))
            .unwrap_or(tok);
        u32::from_str_radix(hex, 16)
            .ok()
            .filter(|&v| v <= i32::MAX as u32)
    };
    let (mut include, mut exclude) = (0u8, 0u8);
    let (mut floor, mut ceiling) = (0u32, 0u32);
    for tok in text
        .split([',', ' ', '\t', '\r', '\n', ':'])
        .filter(|t| !t.is_empty())
    {
        let ok = if let (true, Some(v)) = (bounds, tok.strip_prefix(">=")) {
            version(v).map(|v| floor = v)
        } else if let (true, Some(v)) = (bounds, tok.strip_prefix("<=")) {
            version(v).map(|v| ceiling = v)
        } else if let Some(name) = tok.strip_prefix('!') {
            index(name).map(|i| exclude |= 1 << i)
        } else {
            index(tok).map(|i| include |= 1 << i)
        };
        if ok.is_none() {
            return ProtocolList::Invalid(tok.to_string());
        }
    }
    let all = (1u8 << PROTOCOLS.len()) - 1;
    let mut allowed = all & !exclude;
    if include != 0 {
        allowed &= include;
    }
    for (i, wire) in WIRE.iter().enumerate() {
        if (floor != 0 && *wire < floor) || (ceiling != 0 && *wire > ceiling) {
            allowed &= !(1 << i);
        }
    }
    ProtocolList::Allows(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(text: &str) -> Vec<&'static str> {
        match parse_protocols(text, true) {
            ProtocolList::Allows(mask) => PROTOCOLS
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, p)| *p)
                .collect(),
            ProtocolList::Invalid(word) => vec![Box::leak(format!("invalid {word}").into())],
        }
    }

    #[test]
    fn protocol_lists_read_as_postfix_reads_them() {
        assert_eq!(allows("TLSv1"), ["TLSv1"]);
        assert_eq!(allows("!SSLv2, !SSLv3, TLSv1"), ["TLSv1"]);
        assert_eq!(allows("!SSLv2, !SSLv3"), &PROTOCOLS[2..]);
        assert_eq!(allows(">=TLSv1.2"), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(allows(">=0x0303"), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(allows("<=TLSv1.1"), ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"]);
        assert_eq!(allows("tlsv1.2:TLSV1.3"), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(allows(""), PROTOCOLS);
        assert_eq!(allows(">=TLSv1 !TLSv1.3"), ["TLSv1", "TLSv1.1", "TLSv1.2"]);
        assert_eq!(allows("TLSv1.2 TLSv13"), ["invalid TLSv13"]);
        assert_eq!(
            allows("!SSLv2 !SSLv3 !TLSv1 !TLSv1.1 !TLSv1.2 !TLSv1.3"),
            [] as [&str; 0]
        );
        assert_eq!(
            parse_protocols(">=TLSv1.2", false),
            ProtocolList::Invalid(">=TLSv1.2".into())
        );
    }

    #[test]
    fn destinations() {
        let d = Destination::parse("[smtp.example.net]:587").unwrap();
        assert_eq!(
            (d.host.as_str(), d.bracketed, d.port.as_deref()),
            ("smtp.example.net", true, Some("587"))
        );
        let d = Destination::parse("smtp.example.net:587").unwrap();
        assert_eq!((d.host.as_str(), d.bracketed), ("smtp.example.net", false));
        assert_eq!(Destination::parse("[::1]:25").unwrap().host, "::1");
        assert!(Destination::parse("[a]:").is_none());
        assert!(Destination::parse("a, b").is_none());
    }
}
