//! A certificate, key, chain, CA or DH parameter file that a TLS parameter names and that is
//! not there, is not PEM, holds no certificate or no private key where one is needed, holds a
//! key that does not match its certificate, or a certificate that has expired or is about to.

use std::collections::{HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Rule;
use crate::diagnostic::{Finding, Findings, Severity};
use crate::model::certs::{Pem, PemObject, PublicKey, TlsFile};
use crate::model::master::Service;
use crate::model::restrictions::expanded_in;
use crate::model::Model;
use crate::parse::list::split_list;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "tls-file-missing",
    severity: Severity::Error,
    summary: "a certificate, key, chain or CA file that a TLS parameter names is missing, unusable, mismatched or expired",
    doc: include_str!("../../rules/tls-file-missing.md"),
    // Outside the live system, certificates and keys are often written by the deployment.
    undecided: |model| !model.is_live() && names_unseen_tls_files(model),
    check,
};

/// A certificate expiring sooner than this is reported.
const SOON: u64 = 14 * 24 * 60 * 60;

/// One side of TLS: the prefix of its parameters and which file parameters it has.
struct Side {
    /// (certificate, key) parameters: RSA, DSA, ECDSA.
    pairs: &'static [(&'static str, &'static str)],
    chain: &'static str,
    ca_file: &'static str,
    dh_files: &'static [&'static str],
}

const SIDES: &[Side] = &[
    Side {
        pairs: &[
            ("smtpd_tls_cert_file", "smtpd_tls_key_file"),
            ("smtpd_tls_dcert_file", "smtpd_tls_dkey_file"),
            ("smtpd_tls_eccert_file", "smtpd_tls_eckey_file"),
        ],
        chain: "smtpd_tls_chain_files",
        ca_file: "smtpd_tls_CAfile",
        dh_files: &["smtpd_tls_dh1024_param_file", "smtpd_tls_dh512_param_file"],
    },
    Side {
        pairs: &[
            ("smtp_tls_cert_file", "smtp_tls_key_file"),
            ("smtp_tls_dcert_file", "smtp_tls_dkey_file"),
            ("smtp_tls_eccert_file", "smtp_tls_eckey_file"),
        ],
        chain: "smtp_tls_chain_files",
        ca_file: "smtp_tls_CAfile",
        dh_files: &[],
    },
    Side {
        pairs: &[
            ("lmtp_tls_cert_file", "lmtp_tls_key_file"),
            ("lmtp_tls_dcert_file", "lmtp_tls_dkey_file"),
            ("lmtp_tls_eccert_file", "lmtp_tls_eckey_file"),
        ],
        chain: "lmtp_tls_chain_files",
        ca_file: "lmtp_tls_CAfile",
        dh_files: &[],
    },
    Side {
        pairs: &[
            ("tlsproxy_tls_cert_file", "tlsproxy_tls_key_file"),
            ("tlsproxy_tls_dcert_file", "tlsproxy_tls_dkey_file"),
            ("tlsproxy_tls_eccert_file", "tlsproxy_tls_eckey_file"),
        ],
        chain: "tlsproxy_tls_chain_files",
        ca_file: "tlsproxy_tls_CAfile",
        dh_files: &[
            "tlsproxy_tls_dh1024_param_file",
            "tlsproxy_tls_dh512_param_file",
        ],
    },
    Side {
        pairs: &[
            ("tlsproxy_client_cert_file", "tlsproxy_client_key_file"),
            ("tlsproxy_client_dcert_file", "tlsproxy_client_dkey_file"),
            ("tlsproxy_client_eccert_file", "tlsproxy_client_eckey_file"),
        ],
        chain: "tlsproxy_client_chain_files",
        ca_file: "tlsproxy_client_CAfile",
        dh_files: &[],
    },
];

/// Whether a file that a TLS parameter names is one postlint cannot see or that is missing
/// (which, outside the live system, it reports only beside a file of a similar name).
fn names_unseen_tls_files(model: &Model) -> bool {
    let params: Vec<&'static str> = SIDES
        .iter()
        .flat_map(|side| {
            side.pairs
                .iter()
                .flat_map(|&(cert, key)| [cert, key])
                .chain([side.chain, side.ca_file])
                .chain(side.dh_files.iter().copied())
        })
        .collect();
    let scopes = std::iter::once(None).chain(model.master.running().map(Some));
    for scope in scopes {
        for &param in &params {
            for file in named(model, scope, param).unwrap_or_default() {
                if matches!(
                    model.tls_file(&file.path),
                    TlsFile::Unknown | TlsFile::Missing { .. }
                ) {
                    return true;
                }
            }
        }
    }
    false
}

/// A file named by a parameter, where the name was written.
#[derive(Clone)]
struct Named {
    param: &'static str,
    path: String,
    span: Span,
}

/// The files a parameter names in one scope (a list for chain files): None when the value is
/// unknown, empty when it names none. Items whose text comes from no written line (a built-in
/// default) and items that are not plain absolute paths are left out.
fn named(model: &Model, scope: Option<&Service>, param: &'static str) -> Option<Vec<Named>> {
    let expanded = expanded_in(model, scope, param)?;
    let mut out = Vec::new();
    for range in split_list(&expanded.text) {
        let path = &expanded.text[range.clone()];
        if !plain_path(path) {
            continue;
        }
        let Some(span) = expanded.origin_of(range) else {
            continue;
        };
        out.push(Named {
            param,
            path: path.to_string(),
            span,
        });
    }
    Some(out)
}

/// A file name that holds a private key by convention: Let's Encrypt's `privkey.pem`
/// (`privkey1.pem` in its archive), a `.key` file.
fn looks_like_key(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    (name.starts_with("privkey") && name.ends_with(".pem")) || name.ends_with(".key")
}

/// A file name that holds a certificate by convention: Let's Encrypt's `fullchain.pem`,
/// `cert.pem`, `chain.pem` (numbered in its archive), a `.crt` or `.cer` file.
fn looks_like_certificate(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name
        .strip_suffix(".pem")
        .map(|s| s.trim_end_matches(|c: char| c.is_ascii_digit()));
    matches!(stem, Some("fullchain" | "cert" | "chain"))
        || name.ends_with(".crt")
        || name.ends_with(".cer")
}

/// An absolute path with nothing a template or installer would fill in.
fn plain_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains(['{', '}', '<', '>', '%', '@', '*', '?', '[', ']', '$', '!'])
        && crate::parse::placeholder::find(path).is_empty()
}

struct Checker<'m> {
    model: &'m Model,
    out: &'m mut Findings,
    files: HashMap<String, TlsFile>,
    /// What was reported, so that a file named in several places is reported once.
    reported: HashSet<(&'static str, String)>,
    now: u64,
}

fn check(model: &Model, out: &mut Findings) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut checker = Checker {
        model,
        out,
        files: HashMap::new(),
        reported: HashSet::new(),
        now,
    };
    let scopes = std::iter::once(None).chain(model.master.running().map(Some));
    for scope in scopes {
        for side in SIDES {
            checker.side(scope, side);
        }
    }
    no_certificate(model, out);
}

/// The parameters that give smtpd a certificate (smtpd.c: `have_server_cert`).
const SERVER_CERTS: &[&str] = &[
    "smtpd_tls_cert_file",
    "smtpd_tls_eccert_file",
    "smtpd_tls_dcert_file",
    "smtpd_tls_chain_files",
];

/// smtpd services that turn TLS on with no certificate at all: smtpd logs "No server certs
/// available. TLS won't be enabled" when it starts, answers STARTTLS with 454, and in wrapper
/// mode drops every connection. One finding per line that turns TLS on.
///
/// Judged on a system image only (the live system, a sysroot with etc/passwd): in a repository
/// the deployment often adds the certificate itself (a container's entrypoint running
/// `postconf -e smtpd_tls_cert_file=...`, an installer), so a main.cf without one there is
/// not what runs.
fn no_certificate(model: &Model, out: &mut Findings) {
    use crate::model::tls::{flag, server_level, Level};
    if !model.locator.mode.is_system_image() {
        return;
    }
    let services: Vec<Option<&Service>> = if model.master.is_known() {
        model
            .master
            .running()
            .filter(|s| crate::model::values::program_of(&s.command) == "smtpd")
            .map(Some)
            .collect()
    } else {
        vec![None]
    };
    // (the line that turns TLS on, the level, the services reading it)
    let mut found: Vec<(Span, Level, &'static str, Vec<String>, bool)> = Vec::new();
    for service in services {
        let Some(decided) = server_level(model, service) else {
            continue;
        };
        let Some(span) = decided.span() else {
            continue;
        };
        if decided.level == Level::None {
            continue;
        }
        // Any certificate, or one postlint cannot know, or `none` (anonymous ciphers).
        let has_cert = SERVER_CERTS.iter().any(|param| {
            expanded_in(model, service, param).is_none_or(|v| {
                let text = v.text.trim_ascii();
                !text.is_empty() || v.text.contains('$')
            })
        });
        if has_cert {
            continue;
        }
        let label = service.map_or_else(|| "smtpd".to_string(), |s| s.label());
        let auth_only = flag(model, service, "smtpd_tls_auth_only") == Some(true);
        match found.iter_mut().find(|(s, ..)| *s == span) {
            Some((.., labels, any_auth_only)) => {
                labels.push(label);
                *any_auth_only |= auth_only;
            }
            None => found.push((span, decided.level, decided.param, vec![label], auth_only)),
        }
    }
    for (span, level, param, labels, auth_only) in found {
        let written = model.sources.slice(span);
        let outcome = match (param, level) {
            ("smtpd_tls_wrappermode", _) => {
                "every connection is dropped at once (\"Wrapper-mode request dropped ... TLS \
                 context initialization failed\"): mail programs set to SSL/TLS cannot connect"
                    .to_string()
            }
            (_, Level::May) => format!(
                "STARTTLS is answered with \"454 4.7.0 TLS not available due to local problem\", \
                 so mail arrives in clear{}",
                if auth_only {
                    ", and with smtpd_tls_auth_only = yes no client can log in"
                } else {
                    ""
                }
            ),
            _ => "STARTTLS is answered with \"454 4.7.0 TLS not available due to local \
                  problem\" and MAIL FROM with \"530 Must issue a STARTTLS command first\": no \
                  client can send mail"
                .to_string(),
        };
        let finding = out.report(
            span,
            format!(
                "{param} = {written} turns TLS on for {}, but no certificate is configured: {outcome}",
                labels.join(", ")
            ),
        );
        finding.subject(format!("{param} without a certificate"));
        finding.label("TLS on, no certificate");
        finding.help(
            "Name the certificate and its key: `smtpd_tls_chain_files = \
             /etc/letsencrypt/live/HOST/privkey.pem, /etc/letsencrypt/live/HOST/fullchain.pem` \
             (or smtpd_tls_cert_file and smtpd_tls_key_file). Without one smtpd logs \"No server \
             certs available. TLS won't be enabled\" when it starts.",
        );
    }
}

impl Checker<'_> {
    fn side(&mut self, scope: Option<&Service>, side: &Side) {
        if let Some(files) = named(self.model, scope, side.ca_file) {
            for file in files.iter().take(1) {
                self.ca_file(file);
            }
        }
        for &param in side.dh_files {
            if let Some(files) = named(self.model, scope, param) {
                for file in files.iter().take(1) {
                    self.file(file);
                }
            }
        }
        // smtpd_tls_chain_files, when set, replaces the certificate and key parameters.
        let Some(chain) = expanded_in(self.model, scope, side.chain) else {
            return;
        };
        if !chain.text.trim_ascii().is_empty() {
            if let Some(files) = named(self.model, scope, side.chain) {
                self.chain(&files);
            }
            return;
        }
        for &(cert_param, key_param) in side.pairs {
            let Some(cert) = named(self.model, scope, cert_param).and_then(single) else {
                continue;
            };
            let key = named(self.model, scope, key_param).and_then(single);
            self.pair(&cert, key.as_ref());
        }
    }

    /// Reads a file once per run; None when nothing can be said of it (and reports it when
    /// it is missing or unreadable).
    /// What postlint can read of a file, read once.
    fn cached(&mut self, path: &str) -> &TlsFile {
        if !self.files.contains_key(path) {
            let file = self.model.tls_file(path);
            self.files.insert(path.to_string(), file);
        }
        &self.files[path]
    }

    fn file(&mut self, named: &Named) -> Option<&Pem> {
        match self.cached(&named.path) {
            TlsFile::Unknown => None,
            TlsFile::Missing {
                display,
                similar,
                template_beside,
            } => {
                let (display, similar, template_beside) =
                    (display.clone(), similar.clone(), *template_beside);
                self.missing(named, &display, similar, template_beside);
                None
            }
            TlsFile::Unreadable { display, reason } => {
                let message = format!(
                    "{} names {display}, which Postfix cannot read: {reason}",
                    named.param
                );
                let key = format!("unreadable {}", named.path);
                if let Some(f) = self.report("unreadable", key, named.span, message) {
                    f.label("not a readable file");
                    f.help(
                        "Point the parameter at a regular file. Postfix logs \"cannot get ... \
                         from file\" and disables TLS (or, for a CAfile, \"cannot load \
                         Certification Authority data\").",
                    );
                }
                None
            }
            TlsFile::Read { pem, .. } if pem.objects.is_empty() => {
                let display = self.display(&named.path);
                let message = format!(
                    "{} names {display}, which holds no PEM data: Postfix reads certificates and keys only in PEM form",
                    named.param
                );
                if let Some(f) = self.report("not-pem", named.path.clone(), named.span, message) {
                    f.label("no -----BEGIN ...----- block in this file");
                    f.help(
                        "Convert the file to PEM (`openssl x509 -inform der -in FILE -out \
                         FILE.pem` for a DER certificate, `openssl pkey -inform der ...` for a \
                         key), or name the PEM file. Postfix logs \"No PEM data\" or \"cannot \
                         get ... certificate\" and disables TLS.",
                    );
                }
                None
            }
            TlsFile::Read { .. } => match &self.files[&named.path] {
                TlsFile::Read { pem, .. } => Some(pem),
                _ => None,
            },
        }
    }

    fn display(&self, path: &str) -> String {
        match self.files.get(path) {
            Some(TlsFile::Read { display, .. })
            | Some(TlsFile::Missing { display, .. })
            | Some(TlsFile::Unreadable { display, .. }) => display.clone(),
            _ => path.to_string(),
        }
    }

    /// Adds a finding unless the same fact was reported already.
    fn report(
        &mut self,
        kind: &'static str,
        key: String,
        span: Span,
        message: String,
    ) -> Option<&mut Finding> {
        if !self.reported.insert((kind, key.clone())) {
            return None;
        }
        let finding = self.out.report(span, message);
        finding.subject(format!("{kind} {key}"));
        Some(finding)
    }

    fn missing(
        &mut self,
        named: &Named,
        display: &str,
        similar: Option<String>,
        template_beside: bool,
    ) {
        // A template beside it is rendered into place; in a repository, certificates and keys
        // are written by the deployment (keys are never committed), so a missing file is a
        // mistake there only when a file of a similar name sits where it should be.
        if template_beside || (!self.model.is_live() && similar.is_none()) {
            return;
        }
        let message = format!("{} names {display}, which does not exist", named.param);
        let Some(f) = self.report("missing", named.path.clone(), named.span, message) else {
            return;
        };
        match similar {
            Some(other) => {
                f.label(format!("did you mean `{other}`?"));
                f.help(format!(
                    "{other} sits in the same directory. Postfix opens exactly the name written \
                     here; when it cannot, it logs \"cannot get ... from file\" and disables \
                     TLS, so STARTTLS is no longer offered (or the TLS handshake fails)."
                ));
            }
            None => {
                f.label("no such file");
                f.help(
                    "Install the file or correct the path (`ls -l` it as root). When Postfix \
                     cannot load a certificate or key it logs \"cannot get ... from file\" and \
                     disables TLS: STARTTLS is no longer offered, and clients that require TLS \
                     cannot deliver.",
                );
            }
        }
    }

    fn ca_file(&mut self, named: &Named) {
        let Some(pem) = self.file(named) else {
            return;
        };
        if pem.certificates().next().is_some() {
            return;
        }
        let display = self.display(&named.path);
        let message = format!(
            "{} names {display}, which holds no certificate",
            named.param
        );
        if let Some(f) = self.report("no-ca", named.path.clone(), named.span, message) {
            f.label("a CAfile holds the trusted CA certificates, in PEM");
            f.help(
                "Name a bundle of CA certificates (Debian: /etc/ssl/certs/ca-certificates.crt). \
                 Postfix logs \"cannot load Certification Authority data\" and disables TLS.",
            );
        }
    }

    /// A certificate parameter that names a key file by its name, and its key parameter a
    /// certificate (`smtpd_tls_cert_file = .../privkey.pem`, `smtpd_tls_key_file =
    /// .../fullchain.pem`), where postlint cannot read either file: Postfix logs "cannot get
    /// RSA certificate from file" and disables TLS.
    fn swapped(&mut self, cert: &Named, key: &Named) {
        if !matches!(self.cached(&cert.path), TlsFile::Unknown)
            || !matches!(self.cached(&key.path), TlsFile::Unknown)
        {
            return;
        }
        if !(looks_like_key(&cert.path) && looks_like_certificate(&key.path)) {
            return;
        }
        let message = format!(
            "{} names {} and {} names {}: the certificate and the key are swapped",
            cert.param, cert.path, key.param, key.path
        );
        if let Some(f) = self.report("swapped", cert.path.clone(), cert.span, message) {
            f.label("a key file, by its name");
            f.secondary(key.span, "a certificate file, by its name");
            f.help(format!(
                "Swap the two values: {} takes the certificate (with its chain), {} the \
                 private key. As written, Postfix logs \"cannot get RSA certificate from file\" \
                 and disables TLS: STARTTLS is answered with 454.",
                cert.param, key.param
            ));
        }
    }

    /// A certificate parameter and its key parameter.
    fn pair(&mut self, cert: &Named, key: Option<&Named>) {
        if let Some(key) = key {
            self.swapped(cert, key);
        }
        let same_file = key.is_some_and(|k| k.path == cert.path);
        let now = self.now;
        let (leaf_key, leaf_expiry, has_cert, issuer_expired) = match self.file(cert) {
            Some(pem) => {
                let leaf = if same_file {
                    pem.leaf()
                } else {
                    pem.certificates().next()
                };
                let facts = leaf.and_then(|c| c.decoded.as_ref());
                (
                    facts.and_then(|f| f.public_key.clone()),
                    facts.map(|f| (f.not_after, f.not_after_text.clone(), f.subject == f.issuer)),
                    Some(leaf.is_some()),
                    facts.and_then(|f| expired_issuer(pem, f, now)),
                )
            }
            None => (None, None, None, None),
        };
        if has_cert == Some(false) {
            let display = self.display(&cert.path);
            let message = format!("{} names {display}, which holds no certificate", cert.param);
            if let Some(f) = self.report("no-cert", cert.path.clone(), cert.span, message) {
                f.label("no -----BEGIN CERTIFICATE----- block");
                f.help(
                    "Name the file that holds the server certificate (and its chain). Postfix \
                     logs \"cannot get ... certificate from file\" and disables TLS.",
                );
            }
        }
        if let Some((not_after, text, self_signed)) = leaf_expiry {
            self.expiry(cert, not_after, &text, self_signed);
        }
        if let Some((subject, text)) = issuer_expired {
            let display = self.display(&cert.path);
            let message = format!(
                "the certificate in {display} ({}) is signed by an intermediate certificate that expired on {text} ({subject})",
                cert.param
            );
            if let Some(f) = self.report("chain-expiry", cert.path.clone(), cert.span, message) {
                f.label("expired intermediate certificate");
                f.help(
                    "Clients that verify certificates refuse a chain whose intermediate has \
                     expired, even when the server certificate itself is valid. Put the \
                     current intermediate of your CA after the certificate (certbot's \
                     fullchain.pem has it) and reload Postfix (`postfix reload`).",
                );
            }
        }
        let Some(key) = key else {
            return;
        };
        if has_cert.is_none() && same_file {
            return;
        }
        let Some(key_pem) = self.file(key) else {
            return;
        };
        let first_key = key_pem.private_keys().next().map(|k| k.public_key.clone());
        let encrypted = key_pem.has_encrypted_key();
        let holds_cert = key_pem.certificates().next().is_some();
        let display = self.display(&key.path);
        match first_key {
            None => {
                let (message, label) = if encrypted {
                    (
                        format!(
                            "{} names {display}, whose private key is encrypted: Postfix cannot ask for a pass-phrase",
                            key.param
                        ),
                        "an encrypted private key",
                    )
                } else if holds_cert {
                    (
                        format!(
                            "{} names {display}, which holds a certificate but no private key",
                            key.param
                        ),
                        "a certificate, not the private key",
                    )
                } else {
                    (
                        format!("{} names {display}, which holds no private key", key.param),
                        "no -----BEGIN PRIVATE KEY----- block",
                    )
                };
                if let Some(f) = self.report("no-key", key.path.clone(), key.span, message) {
                    f.label(label);
                    if key.span != cert.span {
                        f.secondary(cert.span, format!("the certificate, {}", cert.param));
                    }
                    f.help(if encrypted {
                        "Write the key without a pass-phrase (`openssl pkey -in KEY -out \
                         KEY.plain`, readable by root only) and name that file. Postfix logs \
                         \"cannot get ... private key from file\" and disables TLS."
                    } else {
                        "Name the private key file that belongs to the certificate (often \
                         privkey.pem or *.key), or put the key in the certificate file and \
                         leave the key parameter at its default. Postfix logs \"cannot get ... \
                         private key from file\" (or \"No private key found\") and disables TLS."
                    });
                }
            }
            Some(Some(key_public)) => {
                let Some(cert_public) = leaf_key else {
                    return;
                };
                if !key_public.same_kind(&cert_public) || key_public == cert_public {
                    return;
                }
                let cert_display = self.display(&cert.path);
                let message = format!(
                    "the private key in {display} ({}) does not match the certificate in {cert_display} ({})",
                    key.param, cert.param
                );
                let subject = format!("{} {}", key.path, cert.path);
                if let Some(f) = self.report("mismatch", subject, key.span, message) {
                    f.label("this key's public half is not the certificate's public key");
                    if key.span != cert.span {
                        f.secondary(cert.span, format!("the certificate, {}", cert.param));
                    }
                    f.help(
                        "Name the key the certificate was issued for (a renewal often writes a \
                         new key beside the new certificate). Compare `openssl x509 -noout \
                         -pubkey -in CERT` with `openssl pkey -pubout -in KEY`. Postfix logs \
                         \"private key in ... does not match public key in ...\" and disables \
                         TLS.",
                    );
                }
            }
            Some(None) => {}
        }
    }

    fn expiry(&mut self, cert: &Named, not_after: u64, text: &str, self_signed: bool) {
        let display = self.display(&cert.path);
        let which = match self_signed {
            true => "self-signed certificate",
            false => "certificate",
        };
        let (message, label) = if not_after <= self.now {
            (
                format!(
                    "the {which} in {display} ({}) expired on {text}",
                    cert.param
                ),
                "expired certificate".to_string(),
            )
        } else if not_after - self.now < SOON {
            // Rounded: a certificate made for five days is "in 5 days" a second later too.
            let days = (not_after - self.now + 43_200) / 86_400;
            let when = match days {
                0 => "in less than a day".to_string(),
                1 => "in 1 day".to_string(),
                n => format!("in {n} days"),
            };
            (
                format!(
                    "the {which} in {display} ({}) expires on {text}, {when}",
                    cert.param
                ),
                format!("expires {when}"),
            )
        } else {
            return;
        };
        if let Some(f) = self.report("expiry", cert.path.clone(), cert.span, message) {
            f.label(label);
            // A self-signed certificate (Debian's snakeoil, made when the package was
            // installed) loses nothing by its date: senders that do not verify take it
            // either way, and those that verify refuse it anyway.
            if self_signed {
                f.severity = Severity::Warning;
                f.help(
                    "A self-signed certificate serves opportunistic TLS, where senders do not \
                     verify it, expired or not; clients that verify (mail programs, MTA-STS) \
                     refuse it whatever its date, and DANE-EE (`3 1 1`) records ignore the \
                     dates (RFC 7671). Only a client that trusts this very certificate (its \
                     CA file names it) refuses it for its date. Make a new one \
                     (`make-ssl-cert generate-default-snakeoil --force-overwrite` on Debian), \
                     or use a certificate from a CA (`certbot`) where clients verify.",
                );
                return;
            }
            f.help(
                "Renew the certificate (`certbot renew`, or your CA's process) and reload \
                 Postfix (`postfix reload`): smtpd reads the file when it starts. Clients that \
                 verify certificates (MTA-STS, DANE, mail programs) refuse an expired one.",
            );
        }
    }

    /// smtpd_tls_chain_files: each private key, then its certificate and chain, across the
    /// files in order.
    fn chain(&mut self, files: &[Named]) {
        let mut pending_key: Option<(Named, Option<PublicKey>)> = None;
        let mut started = false;
        for file in files {
            let Some(pem) = self.file(file) else {
                return;
            };
            let objects: Vec<Object> = pem
                .objects
                .iter()
                .filter_map(|o| match o {
                    PemObject::PrivateKey(k) => Some(Object::Key(k.public_key.clone())),
                    PemObject::EncryptedKey => Some(Object::Encrypted),
                    PemObject::Certificate(c) if !c.trusted_form => {
                        Some(Object::Cert(c.decoded.as_ref().map(|d| {
                            (
                                d.public_key.clone(),
                                d.not_after,
                                d.not_after_text.clone(),
                                d.subject == d.issuer,
                            )
                        })))
                    }
                    _ => None,
                })
                .collect();
            for object in objects {
                match object {
                    Object::Encrypted => {
                        let display = self.display(&file.path);
                        let message = format!(
                            "{} names {display}, whose private key is encrypted: Postfix cannot ask for a pass-phrase",
                            file.param
                        );
                        if let Some(f) =
                            self.report("no-key", file.path.clone(), file.span, message)
                        {
                            f.label("an encrypted private key");
                            f.help(
                                "Write the key without a pass-phrase (`openssl pkey -in KEY`) \
                                 into the chain file, before its certificates.",
                            );
                        }
                        return;
                    }
                    Object::Key(public) => {
                        pending_key = Some((file.clone(), public));
                        started = true;
                    }
                    Object::Cert(facts) => {
                        if !started {
                            let display = self.display(&file.path);
                            let message = format!(
                                "{} names {display}, which starts with a certificate: each private key must come before its certificates",
                                file.param
                            );
                            if let Some(f) =
                                self.report("key-not-first", file.path.clone(), file.span, message)
                            {
                                f.label("no private key before the first certificate");
                                f.help(
                                    "Put the private key first, then the server certificate, \
                                     then the intermediate certificates (`cat privkey.pem \
                                     fullchain.pem > chain.pem`). Postfix logs \"error loading \
                                     chain from ...: key not first\" and disables TLS.",
                                );
                            }
                            return;
                        }
                        // The first certificate after a key is that key's certificate.
                        if let Some((key_file, key_public)) = pending_key.take() {
                            let Some((cert_public, not_after, text, self_signed)) = facts else {
                                continue;
                            };
                            self.expiry(file, not_after, &text, self_signed);
                            if let (Some(k), Some(c)) = (key_public, cert_public) {
                                if k.same_kind(&c) && k != c {
                                    let display = self.display(&key_file.path);
                                    let message = format!(
                                        "a private key in {display} ({}) does not match the certificate after it",
                                        key_file.param
                                    );
                                    if let Some(f) = self.report(
                                        "mismatch",
                                        key_file.path.clone(),
                                        key_file.span,
                                        message,
                                    ) {
                                        f.label("this key is not the certificate's key");
                                        f.help(
                                            "Each private key must be followed by its own \
                                             certificate. Postfix logs \"key at index N in ... \
                                             does not match next certificate\" and disables TLS.",
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

enum Object {
    Key(Option<PublicKey>),
    Encrypted,
    Cert(Option<(Option<PublicKey>, u64, String, bool)>),
}

/// The certificate in the same file that signed the leaf, when it has expired: its subject is
/// the leaf's issuer, and it is not self-signed (a root in the file is ignored by clients,
/// which use their own). Other expired certificates in a chain are left alone: an old
/// cross-signature (Let's Encrypt's "ISRG Root X1" signed by the expired "DST Root CA X3")
/// harms no client that can build another path.
fn expired_issuer(
    pem: &crate::model::certs::Pem,
    leaf: &crate::model::certs::CertificateFacts,
    now: u64,
) -> Option<(String, String)> {
    if leaf.issuer.is_empty() || leaf.issuer == leaf.subject {
        return None;
    }
    let issuers: Vec<_> = pem
        .certificates()
        .filter_map(|c| c.decoded.as_ref())
        .filter(|c| c.subject == leaf.issuer && c.subject != c.issuer)
        .collect();
    // Several certificates of the issuer's name (an old and a renewed intermediate): only
    // when every one has expired can the chain not be built from this file.
    if issuers.is_empty() || issuers.iter().any(|c| c.not_after > now) {
        return None;
    }
    let first = issuers[0];
    Some((
        crate::diagnostic::bounded(first.subject_text.clone(), 200),
        first.not_after_text.clone(),
    ))
}

/// The one file a certificate or key parameter names (Postfix takes the whole value as one
/// name: a value of several words is left alone).
fn single(mut files: Vec<Named>) -> Option<Named> {
    (files.len() == 1).then(|| files.remove(0))
}
