//! PostgreSQL's TLS as libpq does it for Postfix's pgsql: tables (measured with libpq 15 and
//! Postfix 3.7, tests/probe.rs): `sslmode` disable, allow, prefer (the default), require,
//! verify-ca and verify-full; no check of the server's certificate unless there is a root
//! certificate file, and with one (`sslrootcert`) require and prefer check the chain as
//! verify-ca does; verify-full's host name by libpq's rule (the subjectAltNames, else the CN);
//! prefer tries again without TLS when the TLS attempt fails, allow with TLS when the plain one
//! is refused; none of it on a Unix socket. TLS is rustls with ring (what the mysql crate
//! already brings), through tokio-postgres-rustls.
//!
//! A `hosts` word that is not a URI has libpq's defaults. A URI's TLS parameters are read here,
//! as the postgres crate takes neither verify-* nor a certificate file; the files it names are
//! read where postlint finds them in the linted tree. What only postlint cannot do (a file it
//! cannot read, libpq's defaults in the home directory of the user Postfix runs as, what rustls
//! refuses and OpenSSL may take) is a limit of the probe, never a fault of the setup.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use zeroize::Zeroize;

use super::client::{pg_error, ConnectError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

/// The TLS parameters of one connection, as written.
#[derive(Debug)]
pub struct Settings {
    mode: SslMode,
    rootcert: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    /// `sslcrl` or `sslcrldir`, with its value.
    crl: Option<(String, String)>,
    sni: bool,
    /// The TLS versions allowed, from ssl_min_protocol_version and ssl_max_protocol_version.
    versions: Vec<&'static rustls::SupportedProtocolVersion>,
}

impl Default for Settings {
    /// libpq's defaults: prefer, SNI, TLS 1.2 and up.
    fn default() -> Settings {
        Settings {
            mode: SslMode::Prefer,
            rootcert: None,
            cert: None,
            key: None,
            crl: None,
            sni: true,
            versions: rustls::DEFAULT_VERSIONS.to_vec(),
        }
    }
}

/// Takes libpq's TLS parameters out of a `postgresql://` URI: the URI with the others, for
/// the postgres crate, and the settings. Err: a value libpq refuses.
pub fn split_uri(uri: &str) -> Result<(String, Settings), ConnectError> {
    let mut settings = Settings::default();
    let Some((base, query)) = uri.split_once('?') else {
        return Ok((uri.to_string(), settings));
    };
    let mut kept = Vec::new();
    let (mut mode, mut requiressl) = (None, false);
    let (mut min_version, mut max_version) = (String::new(), String::new());
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(key), Some(value)) = (percent_decode(key), percent_decode(value)) else {
            // The postgres crate says what is wrong with it.
            kept.push(pair);
            continue;
        };
        // The last of a parameter counts, as in libpq.
        let file = Some(value.clone()).filter(|v| !v.is_empty());
        match key.as_str() {
            "sslmode" => mode = Some(value),
            "requiressl" => requiressl = value == "1",
            "sslrootcert" => settings.rootcert = file,
            "sslcert" => settings.cert = file,
            "sslkey" => settings.key = file,
            "sslcrl" | "sslcrldir" => settings.crl = file.map(|f| (key, f)),
            "sslsni" => settings.sni = value != "0",
            "ssl_min_protocol_version" => min_version = value,
            "ssl_max_protocol_version" => max_version = value,
            // Compression is gone from OpenSSL; the password only opens an encrypted sslkey,
            // which postlint does not read anyway.
            "sslcompression" | "sslpassword" => {}
            _ => kept.push(pair),
        }
    }
    settings.mode = match mode {
        Some(text) => SslMode::parse(&text)
            .ok_or_else(|| ConnectError::fails(format!("invalid sslmode value: \"{text}\"")))?,
        None if requiressl => SslMode::Require,
        None => SslMode::Prefer,
    };
    settings.versions = versions(&min_version, &max_version)?;
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, settings))
}

/// The TLS versions libpq allows between `ssl_min_protocol_version` (default TLSv1.2) and
/// `ssl_max_protocol_version` (default none), of those rustls speaks (1.2 and 1.3).
fn versions(
    min: &str,
    max: &str,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, ConnectError> {
    let number = |param: &str, text: &str, default: u8| match text {
        "" => Ok(default),
        "TLSv1" => Ok(0),
        "TLSv1.1" => Ok(1),
        "TLSv1.2" => Ok(2),
        "TLSv1.3" => Ok(3),
        _ => Err(ConnectError::fails(format!(
            "invalid {param} value: \"{text}\""
        ))),
    };
    let min = number("ssl_min_protocol_version", min, 2)?;
    let max = number("ssl_max_protocol_version", max, 3)?;
    if min > max {
        return Err(ConnectError::fails("invalid SSL protocol version range"));
    }
    let allowed: Vec<_> = [(2, &rustls::version::TLS12), (3, &rustls::version::TLS13)]
        .into_iter()
        .filter(|(v, _)| (min..=max).contains(v))
        .map(|(_, version)| version)
        .collect();
    if allowed.is_empty() {
        return Err(ConnectError::limit(
            "ssl_max_protocol_version is below TLS 1.2, which postlint's TLS library (rustls) \
             does not speak",
        ));
    }
    Ok(allowed)
}

/// libpq's URI decoding: `%XX` is a byte; None for a bad escape or text that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&first, after)) = rest.split_first() {
        if first == b'%' {
            let hex = std::str::from_utf8(after.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &after[2..];
        } else {
            bytes.push(first);
            rest = after;
        }
    }
    String::from_utf8(bytes).ok()
}

/// What the certificate check refused, recorded in the handshake for the error message.
type Verdict = Arc<Mutex<Option<ConnectError>>>;

/// How one connection is opened: in which sslmode, with which TLS client (None: plain, with
/// sslmode=disable or on a Unix socket).
pub struct Tls {
    mode: SslMode,
    connector: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    verdict: Verdict,
}

impl Tls {
    /// The TLS client the settings call for on the hosts of `config`, which gets a host name
    /// for each bare `hostaddr` (rustls needs one to connect to; libpq checks none below
    /// verify-full). Err: what libpq refuses, or a limit of the probe.
    pub fn new(
        settings: &Settings,
        config: &mut postgres::Config,
        locate: &dyn Fn(&str) -> Option<PathBuf>,
    ) -> Result<Tls, ConnectError> {
        use postgres::config::Host;
        let mut tls = Tls {
            mode: SslMode::Disable,
            connector: None,
            verdict: Verdict::default(),
        };
        let sockets = config
            .get_hosts()
            .iter()
            .filter(|h| matches!(h, Host::Unix(_)))
            .count();
        // libpq does not use TLS on a Unix socket, whatever sslmode says.
        if settings.mode == SslMode::Disable
            || (sockets == config.get_hosts().len() && config.get_hostaddrs().is_empty())
        {
            return Ok(tls);
        }
        if sockets > 0 {
            return Err(ConnectError::limit(
                "the URI names socket directories and TCP hosts together, which postlint's \
                 client cannot connect to with TLS",
            ));
        }
        if config.get_hosts().is_empty() {
            if settings.mode == SslMode::VerifyFull {
                return Err(ConnectError::fails(
                    "host name must be specified for a verified SSL connection",
                ));
            }
            for address in config.get_hostaddrs().to_vec() {
                config.host(&address.to_string());
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain = match roots(settings, locate)? {
            Some((store, rootcert)) => {
                if let Some((param, value)) = &settings.crl {
                    // libpq reads it only when it checks the chain, and only if it is there.
                    if read_file(param, value, locate)?.is_some() {
                        return Err(ConnectError::limit(format!(
                            "{param} {value}: postlint does not check certificate revocation"
                        )));
                    }
                }
                let verifier =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                        .build()
                        .map_err(|e| ConnectError::limit(format!("sslrootcert {rootcert}: {e}")))?;
                Some((verifier, rootcert))
            }
            None => None,
        };
        let verifier = LibpqVerifier {
            chain,
            check_name: settings.mode == SslMode::VerifyFull,
            provider: provider.clone(),
            verdict: tls.verdict.clone(),
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&settings.versions)
            .map_err(|e| ConnectError::limit(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier));
        let mut client = match identity(settings, locate)? {
            Some((certs, key)) => builder.with_client_auth_cert(certs, key).map_err(|e| {
                ConnectError::limit(format!("sslcert and sslkey cannot be used by rustls: {e}"))
            })?,
            None => builder.with_no_client_auth(),
        };
        client.enable_sni = settings.sni;
        tls.mode = settings.mode;
        tls.connector = Some(tokio_postgres_rustls::MakeRustlsConnect::new(client));
        Ok(tls)
    }

    /// Opens the connection as libpq does in this sslmode. It waits: run it in the worker.
    pub fn connect(self, mut config: postgres::Config) -> Result<postgres::Client, ConnectError> {
        use postgres::config::SslMode as Wire;
        let Some(connector) = self.connector.clone() else {
            config.ssl_mode(Wire::Disable);
            return config
                .connect(postgres::NoTls)
                .map_err(|e| self.failure(&e));
        };
        let with_tls =
            |config: &mut postgres::Config, wire| config.ssl_mode(wire).connect(connector.clone());
        let plain =
            |config: &mut postgres::Config| config.ssl_mode(Wire::Disable).connect(postgres::NoTls);
        match self.mode {
            SslMode::Allow => match plain(&mut config) {
                // Refused by the server (pg_hba.conf): libpq tries again with TLS.
                Err(e) if e.as_db_error().is_some() => {
                    let first = self.failure(&e);
                    with_tls(&mut config, Wire::Require).map_err(|e| first.then(self.failure(&e)))
                }
                other => other.map_err(|e| self.failure(&e)),
            },
            SslMode::Prefer => match with_tls(&mut config, Wire::Prefer) {
                // The handshake failed, or the server refused the TLS session: libpq tries
                // again without TLS.
                Err(e) if e.as_db_error().is_some() || is_handshake(&e) => {
                    let first = self.failure(&e);
                    plain(&mut config).map_err(|e| first.then(self.failure(&e)))
                }
                other => other.map_err(|e| self.failure(&e)),
            },
            _ => with_tls(&mut config, Wire::Require).map_err(|e| self.failure(&e)),
        }
    }

    /// One attempt's error: the certificate check's verdict when it refused, a limit when
    /// rustls failed the handshake otherwise, else the server's or the network's error.
    fn failure(&self, e: &postgres::Error) -> ConnectError {
        if let Some(refused) = self.verdict.lock().ok().and_then(|mut v| v.take()) {
            return refused;
        }
        let text = pg_error(e);
        if is_handshake(e) && !text.contains("server does not support TLS") {
            // An old protocol, an algorithm or a name rustls takes differently from OpenSSL.
            ConnectError::limit(format!(
                "postlint's TLS library (rustls, not Postfix's OpenSSL) failed the handshake: \
                 {text}"
            ))
        } else {
            ConnectError::fails(text)
        }
    }
}

fn is_handshake(e: &postgres::Error) -> bool {
    e.to_string().starts_with("error performing TLS handshake")
}

/// The root certificates libpq checks the server's certificate against, with the name they
/// were written as: None when it checks nothing (no sslrootcert, or none there, below
/// verify-ca).
fn roots(
    settings: &Settings,
    locate: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<Option<(rustls::RootCertStore, String)>, ConnectError> {
    let Some(rootcert) = &settings.rootcert else {
        if settings.mode.verifies() {
            return Err(ConnectError::limit(
                "sslmode verify-ca and verify-full without sslrootcert read \
                 ~/.postgresql/root.crt of the user Postfix runs as, which postlint does not \
                 guess",
            ));
        }
        return Ok(None);
    };
    let Some(bytes) = read_file("sslrootcert", rootcert, locate)? else {
        if settings.mode.verifies() {
            return Err(ConnectError::fails(format!(
                "root certificate file \"{rootcert}\" does not exist"
            )));
        }
        return Ok(None);
    };
    let certs: Vec<CertificateDer> = CertificateDer::pem_slice_iter(&bytes)
        .map_while(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(ConnectError::fails(format!(
            "could not read root certificate file \"{rootcert}\": no certificate in it"
        )));
    }
    let mut store = rustls::RootCertStore::empty();
    if store.add_parsable_certificates(certs).0 == 0 {
        return Err(ConnectError::limit(format!(
            "postlint's TLS library (rustls) takes none of the certificates of sslrootcert \
             {rootcert}"
        )));
    }
    Ok(Some((store, rootcert.clone())))
}

/// A client certificate chain and its key.
type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// The client certificate and key libpq sends: none when sslcert is not given or not there.
fn identity(
    settings: &Settings,
    locate: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<Option<Identity>, ConnectError> {
    let Some(cert) = &settings.cert else {
        return Ok(None);
    };
    let Some(bytes) = read_file("sslcert", cert, locate)? else {
        return Ok(None);
    };
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .map_while(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(ConnectError::fails(format!(
            "could not read certificate file \"{cert}\": no certificate in it"
        )));
    }
    let Some(key) = &settings.key else {
        return Err(ConnectError::limit(
            "sslcert without sslkey: libpq then reads ~/.postgresql/postgresql.key of the user \
             Postfix runs as, which postlint does not guess",
        ));
    };
    let mut key_bytes = read_file("sslkey", key, locate)?.ok_or_else(|| {
        ConnectError::fails(format!(
            "certificate present, but not private key file \"{key}\""
        ))
    })?;
    let parsed = PrivateKeyDer::from_pem_slice(&key_bytes);
    key_bytes.zeroize();
    let parsed = parsed.map_err(|_| {
        ConnectError::limit(format!(
            "postlint cannot read the private key of sslkey {key} (an encrypted key needs \
             sslpassword, which it does not use)"
        ))
    })?;
    Ok(Some((certs, parsed)))
}

/// A file a URI names, read where Postfix would find it: None when it does not exist. Err
/// when postlint cannot read it (outside the linted tree, a relative path, no permission).
fn read_file(
    param: &str,
    written: &str,
    locate: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<Option<Vec<u8>>, ConnectError> {
    let path = locate(written).ok_or_else(|| {
        ConnectError::limit(format!(
            "{param} {written} cannot be read in the linted tree"
        ))
    })?;
    match crate::fsread::read_regular(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConnectError::limit(format!(
            "{param} {written} cannot be read: {e}"
        ))),
    }
}

/// libpq's check of the server's certificate: the chain against the root certificates when
/// there are any, the host name with verify-full. What it refuses is recorded in `verdict`,
/// as a failure Postfix shares or a limit of the probe.
#[derive(Debug)]
struct LibpqVerifier {
    /// webpki's verifier for the chain, and the sslrootcert it trusts.
    chain: Option<(Arc<WebPkiServerVerifier>, String)>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
    verdict: Verdict,
}

impl LibpqVerifier {
    fn refuse(
        &self,
        why: ConnectError,
        error: rustls::Error,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut verdict) = self.verdict.lock() {
            *verdict = Some(why);
        }
        Err(error)
    }
}

impl ServerCertVerifier for LibpqVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use CertificateError::*;
        if let Some((webpki, rootcert)) = &self.chain {
            match webpki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ) {
                // webpki checks the name after the chain: the chain is good, and the name is
                // libpq's business, below.
                Ok(_)
                | Err(rustls::Error::InvalidCertificate(
                    NotValidForName | NotValidForNameContext { .. },
                )) => {}
                Err(e) => {
                    // What OpenSSL refuses as well; anything else (an encoding, an extension,
                    // an algorithm webpki does not take) libpq may accept.
                    let shared = matches!(
                        &e,
                        rustls::Error::InvalidCertificate(
                            UnknownIssuer
                                | BadSignature
                                | Expired
                                | ExpiredContext { .. }
                                | NotValidYet
                                | NotValidYetContext { .. }
                                | Revoked
                                | InvalidPurpose
                                | InvalidPurposeContext { .. }
                        )
                    );
                    let why = if shared {
                        ConnectError::fails(format!(
                            "the server's certificate does not verify against sslrootcert \
                             {rootcert}: {e}"
                        ))
                    } else {
                        ConnectError::limit(format!(
                            "postlint's TLS library (rustls) refuses the server's certificate, \
                             which libpq's OpenSSL may accept: {e}"
                        ))
                    };
                    return self.refuse(why, e);
                }
            }
        }
        if self.check_name {
            let host = match server_name {
                ServerName::DnsName(name) => name.as_ref().to_string(),
                ServerName::IpAddress(ip) => IpAddr::from(*ip).to_string(),
                other => other.to_str().into_owned(),
            };
            if !libpq_name_matches(end_entity, &host) {
                let why = ConnectError::fails(format!(
                    "server certificate does not match host name \"{host}\""
                ));
                return self.refuse(why, rustls::Error::InvalidCertificate(NotValidForName));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// libpq's host name check (verify-full, fe-secure-openssl.c): a subjectAltName that names
/// the host (a DNS name, `*.` for one label, ignoring case; an IP address, byte for byte), or
/// the subject's CN when no subjectAltName is of the host's kind.
fn libpq_name_matches(end_entity: &[u8], host: &str) -> bool {
    use x509_cert::der::oid::ObjectIdentifier;
    use x509_cert::der::Decode;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::SubjectAltName;
    const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
    const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    let Ok(cert) = x509_cert::Certificate::from_der(end_entity) else {
        return false;
    };
    let tbs = &cert.tbs_certificate;
    let ip: Option<IpAddr> = host.parse().ok();
    let ip_bytes = ip.map(|ip| match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    });
    let names = tbs
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == SUBJECT_ALT_NAME)
        .filter_map(|e| SubjectAltName::from_der(e.extn_value.as_bytes()).ok())
        .flat_map(|san| san.0);
    let mut check_cn = true;
    for name in names {
        let (same_kind, matches) = match &name {
            GeneralName::DnsName(dns) => (ip.is_none(), name_matches(dns.as_str(), host)),
            GeneralName::IpAddress(octets) => {
                (ip.is_some(), ip_bytes.as_deref() == Some(octets.as_bytes()))
            }
            _ => continue,
        };
        if matches {
            return true;
        }
        check_cn &= !same_kind;
    }
    check_cn
        && tbs
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|attribute| attribute.oid == COMMON_NAME)
            .and_then(|attribute| std::str::from_utf8(attribute.value.value()).ok())
            .is_some_and(|cn| name_matches(cn, host))
}

/// libpq's comparison of a certificate name with the host: equal ignoring case, or `*.rest`
/// with one label before `.rest` in the host.
fn name_matches(pattern: &str, host: &str) -> bool {
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    let Some(suffix) = pattern
        .strip_prefix('*')
        .filter(|s| s.len() >= 2 && s.starts_with('.'))
    else {
        return false;
    };
    let Some(start) = host.len().checked_sub(suffix.len()).filter(|&s| s > 0) else {
        return false;
    };
    host.is_char_boundary(start)
        && host[start..].eq_ignore_ascii_case(suffix)
        && !host[..start].contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_parameters_as_libpq_reads_them() {
        let (rest, s) = split_uri(
            "postgresql://u@h/d?sslmode=verify-ca&sslrootcert=%2Fetc%2Fpostfix%2Fca.pem\
             &connect_timeout=3&sslmode=verify-full",
        )
        .unwrap();
        assert_eq!(rest, "postgresql://u@h/d?connect_timeout=3");
        assert_eq!(s.mode, SslMode::VerifyFull);
        assert_eq!(s.rootcert.as_deref(), Some("/etc/postfix/ca.pem"));
        let (_, s) = split_uri("postgresql://u@h/d?requiressl=1").unwrap();
        assert_eq!(s.mode, SslMode::Require);
        let (_, s) = split_uri("postgresql://u@h/d?requiressl=1&sslmode=prefer").unwrap();
        assert_eq!(s.mode, SslMode::Prefer);
        assert_eq!(
            split_uri("postgresql://u@h/d").unwrap().1.mode,
            SslMode::Prefer
        );
        let bad = split_uri("postgresql://u@h/d?sslmode=REQUIRE").unwrap_err();
        assert!(bad.postfix_fails && bad.message.contains("invalid sslmode"));
        let range = split_uri("postgresql://h/d?ssl_max_protocol_version=TLSv1.1").unwrap_err();
        assert!(range.postfix_fails, "{}", range.message);
        let (_, s) = split_uri("postgresql://h/d?ssl_min_protocol_version=TLSv1.3").unwrap();
        assert_eq!(s.versions.len(), 1);
    }

    #[test]
    fn names_as_libpq_matches_them() {
        assert!(name_matches("DB.example.org", "db.example.org"));
        assert!(name_matches("*.example.org", "db.example.org"));
        assert!(!name_matches("*.example.org", "a.db.example.org"));
        assert!(!name_matches("*.example.org", "example.org"));
        assert!(!name_matches("*.example.org", ".example.org"));
        assert!(!name_matches("db*.example.org", "db1.example.org"));
        // A host from a hostile .cf file: wide characters are compared, never split.
        assert!(name_matches("*.example", "é.example"));
        assert!(name_matches("*.example", "aé.example"));
        assert!(!name_matches("*.example", "é.b.example"));
        assert!(!name_matches("*.éxample", "a.example"));
    }
}
