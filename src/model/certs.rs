//! Certificate, key, chain and CA files named by TLS parameters: where such a file is (through
//! the [`Locator`](super::paths::Locator)), whether postlint may read it, and what its PEM
//! objects are: certificates with their notAfter time and public key, private keys with the
//! public key they imply. Only facts leave this module: no key material, no file text. A
//! file is read with [`crate::fsread`] (regular files only, never blocking) and is never added to
//! the sources a finding can quote.

use std::path::Path;

use base64ct::{Base64, Encoding};
use x509_cert::der::Decode;
use zeroize::Zeroize;

use super::paths::{Location, Mode};
use super::Model;

/// More than any certificate bundle (Mozilla's holds about 150 certificates in 220 KB).
pub const MAX_CERT_FILE: u64 = 16 << 20;

/// What postlint knows of a file a TLS parameter names.
#[derive(Debug)]
pub enum TlsFile {
    /// Outside the linted tree, a relative path, a root-only file postlint may not read, or a
    /// link it cannot follow: nothing to say.
    Unknown,
    /// No such file where Postfix would look.
    Missing {
        display: String,
        /// A file beside it whose name differs only a little (`mail.crt` for `mail.cert`).
        similar: Option<String>,
        /// A template of it sits beside it (`mail.pem.j2`): the deployment renders it.
        template_beside: bool,
    },
    /// There, but not a file Postfix can read (a directory, a FIFO, too large).
    Unreadable {
        display: String,
        reason: String,
    },
    Read {
        display: String,
        pem: Pem,
    },
}

/// The PEM objects of a file, in file order.
#[derive(Debug, Default)]
pub struct Pem {
    pub objects: Vec<PemObject>,
}

#[derive(Debug)]
pub enum PemObject {
    Certificate(Certificate),
    PrivateKey(PrivateKey),
    /// `ENCRYPTED PRIVATE KEY`, or a legacy key with `Proc-Type: 4,ENCRYPTED`: Postfix has no
    /// way to ask for the pass-phrase.
    EncryptedKey,
    /// A block postlint does not look into (`DH PARAMETERS`, `X509 CRL`, ...): its label.
    Other(String),
}

#[derive(Debug)]
pub struct Certificate {
    /// Whether the block is `TRUSTED CERTIFICATE` (OpenSSL's form with trust settings), which
    /// a CAfile may hold but Postfix's key-and-chain loader does not take.
    pub trusted_form: bool,
    /// The DER decoded: None when this decoder refused it (OpenSSL may still take it, so
    /// nothing more is said about it).
    pub decoded: Option<CertificateFacts>,
}

#[derive(Debug)]
pub struct CertificateFacts {
    /// notAfter, in seconds since 1970.
    pub not_after: u64,
    /// notAfter as `2025-06-01 12:00 UTC`.
    pub not_after_text: String,
    pub public_key: Option<PublicKey>,
    /// The subject and issuer names, DER-encoded (compared byte for byte, as a certificate's
    /// issuer field copies its issuer's subject field), and the subject as text.
    pub subject: Vec<u8>,
    pub issuer: Vec<u8>,
    pub subject_text: String,
}

#[derive(Debug)]
pub struct PrivateKey {
    /// The public half, where it can be read from the key's encoding without computing it.
    pub public_key: Option<PublicKey>,
}

/// A public key in a form two encodings of one key agree on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// Modulus and exponent, without leading zero bytes.
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// The x coordinate of the point: uncompressed (`04 x y`) and compressed (`02/03 x`)
    /// forms of one point share it.
    Ec { x: Vec<u8> },
    /// Another algorithm's raw public key (Ed25519, Ed448), with its OID.
    Raw { algorithm: String, key: Vec<u8> },
}

impl PublicKey {
    /// Whether the two keys can be compared: same kind. Keys of different kinds do not match
    /// either, but an RSA key beside an EC certificate is not something to second-guess here.
    pub fn same_kind(&self, other: &PublicKey) -> bool {
        matches!(
            (self, other),
            (PublicKey::Rsa { .. }, PublicKey::Rsa { .. })
                | (PublicKey::Ec { .. }, PublicKey::Ec { .. })
                | (PublicKey::Raw { .. }, PublicKey::Raw { .. })
        )
    }
}

impl Pem {
    pub fn certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.objects.iter().filter_map(|o| match o {
            PemObject::Certificate(c) => Some(c),
            _ => None,
        })
    }

    pub fn private_keys(&self) -> impl Iterator<Item = &PrivateKey> {
        self.objects.iter().filter_map(|o| match o {
            PemObject::PrivateKey(k) => Some(k),
            _ => None,
        })
    }

    pub fn has_encrypted_key(&self) -> bool {
        self.objects
            .iter()
            .any(|o| matches!(o, PemObject::EncryptedKey))
    }

    /// The first certificate in the forms Postfix's loaders take.
    pub fn leaf(&self) -> Option<&Certificate> {
        self.certificates().find(|c| !c.trusted_form)
    }
}

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

impl Model {
    /// Reads the file a TLS parameter names, as Postfix would find it.
    pub fn tls_file(&self, written: &str) -> TlsFile {
        let (path, display) = match self.locator.locate(written) {
            Location::Readable { path, display } => (path, display),
            Location::Outside | Location::Relative => return TlsFile::Unknown,
        };
        inspect(&path, display, self.locator.mode == Mode::Live)
    }
}

/// Reads and decodes one file.
pub fn inspect(path: &Path, display: String, live: bool) -> TlsFile {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A link whose absolute target lies outside the tree says nothing about the
            // machine, where the target may well exist.
            if !live {
                if let Ok(target) = std::fs::read_link(path) {
                    if target.is_absolute() {
                        return TlsFile::Unknown;
                    }
                }
            }
            return missing(path, display);
        }
        // Permission denied: Postfix reads keys as root, postlint need not be root.
        Err(_) => return TlsFile::Unknown,
    };
    if meta.is_file() && meta.len() > MAX_CERT_FILE {
        return TlsFile::Unreadable {
            display,
            reason: format!(
                "{} bytes, more than any certificate or key file holds",
                meta.len()
            ),
        };
    }
    match crate::fsread::read_regular(path) {
        Ok(mut bytes) => {
            let pem = parse_pem(&bytes);
            // In a repository, a certificate or key left out on purpose is often committed as
            // an empty file or a line of text ("put the key here"): a placeholder for a
            // secret, as unknown as an absent one. A binary file (DER) is still no PEM.
            let placeholder = !live
                && pem.objects.is_empty()
                && memchr::memmem::find(&bytes, b"-----BEGIN").is_none()
                && bytes
                    .iter()
                    .all(|&b| b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
            bytes.zeroize();
            if placeholder {
                return TlsFile::Unknown;
            }
            TlsFile::Read { display, pem }
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => TlsFile::Unknown,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing(path, display),
        Err(e) => TlsFile::Unreadable {
            display,
            reason: e.to_string(),
        },
    }
}

fn missing(path: &Path, display: String) -> TlsFile {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let template_beside = crate::template::names_for(&name).any(|t| dir.join(t).is_file());
    TlsFile::Missing {
        display,
        similar: super::paths::similar_file(dir, &name),
        template_beside,
    }
}

/// The PEM objects of a file, read as OpenSSL's PEM reader reads them: text outside
/// `-----BEGIN X-----` ... `-----END X-----` is skipped, RFC 1421 headers (`Proc-Type: ...`)
/// are allowed, and a block without its END line ends the file.
pub fn parse_pem(bytes: &[u8]) -> Pem {
    let mut pem = Pem::default();
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii_end())
        .peekable();
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix(b"-----BEGIN ")
            .and_then(|l| l.strip_suffix(b"-----"))
        else {
            continue;
        };
        let label = String::from_utf8_lossy(label).into_owned();
        let end = format!("-----END {label}-----");
        let mut body = Vec::new();
        let mut encrypted = false;
        let mut ended = false;
        let mut in_headers = lines.peek().is_some_and(|l| l.contains(&b':'));
        for line in lines.by_ref() {
            if line == end.as_bytes() {
                ended = true;
                break;
            }
            if in_headers {
                if line.trim_ascii().is_empty() {
                    in_headers = false;
                } else if line.starts_with(b"Proc-Type:")
                    && line.windows(9).any(|w| w == b"ENCRYPTED")
                {
                    encrypted = true;
                }
                continue;
            }
            body.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        }
        if !ended {
            body.zeroize();
            break;
        }
        pem.objects.push(decode_object(&label, &body, encrypted));
        body.zeroize();
    }
    pem
}

fn decode_object(label: &str, body: &[u8], encrypted: bool) -> PemObject {
    let der = Base64::decode_vec(&String::from_utf8_lossy(body)).ok();
    let object = match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
            PemObject::Certificate(Certificate {
                trusted_form: label == "TRUSTED CERTIFICATE",
                decoded: der.as_deref().and_then(certificate_facts),
            })
        }
        "ENCRYPTED PRIVATE KEY" => PemObject::EncryptedKey,
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY" if encrypted => {
            PemObject::EncryptedKey
        }
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY" => {
            let public_key = der.as_deref().and_then(|der| match label {
                "PRIVATE KEY" => pkcs8_public_key(der),
                "RSA PRIVATE KEY" => pkcs1_public_key(der),
                "EC PRIVATE KEY" => sec1_public_key(der),
                _ => None,
            });
            PemObject::PrivateKey(PrivateKey { public_key })
        }
        other => PemObject::Other(other.to_string()),
    };
    if let Some(mut der) = der {
        der.zeroize();
    }
    object
}

fn certificate_facts(der: &[u8]) -> Option<CertificateFacts> {
    use x509_cert::der::Encode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let tbs = &cert.tbs_certificate;
    let not_after = tbs.validity.not_after;
    let when = not_after.to_date_time();
    let spki = &tbs.subject_public_key_info;
    let key = spki.subject_public_key.as_bytes();
    let public_key = match (spki.algorithm.oid.to_string().as_str(), key) {
        (RSA_ENCRYPTION, Some(key)) => pkcs1::RsaPublicKey::from_der(key)
            .ok()
            .map(|k| rsa(k.modulus.as_bytes(), k.public_exponent.as_bytes())),
        (EC_PUBLIC_KEY, Some(point)) => ec(point),
        (oid, Some(key)) => Some(PublicKey::Raw {
            algorithm: oid.to_string(),
            key: key.to_vec(),
        }),
        (_, None) => None,
    };
    Some(CertificateFacts {
        not_after: not_after.to_unix_duration().as_secs(),
        not_after_text: format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            when.year(),
            when.month(),
            when.day(),
            when.hour(),
            when.minutes()
        ),
        public_key,
        subject: tbs.subject.to_der().unwrap_or_default(),
        issuer: tbs.issuer.to_der().unwrap_or_default(),
        subject_text: tbs.subject.to_string(),
    })
}

fn rsa(modulus: &[u8], exponent: &[u8]) -> PublicKey {
    let strip = |b: &[u8]| {
        let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
        b[first..].to_vec()
    };
    PublicKey::Rsa {
        modulus: strip(modulus),
        exponent: strip(exponent),
    }
}

/// The x coordinate of an encoded EC point (None for the point at infinity or a hybrid form).
fn ec(point: &[u8]) -> Option<PublicKey> {
    let (&tag, rest) = point.split_first()?;
    let x = match tag {
        0x04 if rest.len() % 2 == 0 && !rest.is_empty() => &rest[..rest.len() / 2],
        0x02 | 0x03 if !rest.is_empty() => rest,
        _ => return None,
    };
    Some(PublicKey::Ec { x: x.to_vec() })
}

fn pkcs1_public_key(der: &[u8]) -> Option<PublicKey> {
    let key = pkcs1::RsaPrivateKey::from_der(der).ok()?;
    Some(rsa(key.modulus.as_bytes(), key.public_exponent.as_bytes()))
}

fn sec1_public_key(der: &[u8]) -> Option<PublicKey> {
    let key = sec1::EcPrivateKey::from_der(der).ok()?;
    ec(key.public_key?)
}

fn pkcs8_public_key(der: &[u8]) -> Option<PublicKey> {
    let info = pkcs8::PrivateKeyInfo::from_der(der).ok()?;
    match info.algorithm.oid.to_string().as_str() {
        RSA_ENCRYPTION => pkcs1_public_key(info.private_key),
        EC_PUBLIC_KEY => sec1_public_key(info.private_key),
        // Ed25519 and the like: the public key only when the encoding carries it (PKCS#8 v2);
        // computing it from the private key would need the curve arithmetic.
        oid => info.public_key.map(|key| PublicKey::Raw {
            algorithm: oid.to_string(),
            key: key.to_vec(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_around_blocks_and_headers_are_skipped() {
        let text = b"Bag Attributes\n  localKeyID: 01\nsubject=CN = x\n\
            -----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n\
            -----BEGIN DH PARAMETERS-----\r\nAAAA\r\n-----END DH PARAMETERS-----\r\n\
            -----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n\
            -----BEGIN CERTIFICATE-----\nAAAA\n";
        let pem = parse_pem(text);
        assert_eq!(pem.objects.len(), 3, "{pem:?}");
        assert!(matches!(pem.objects[0], PemObject::EncryptedKey));
        assert!(matches!(&pem.objects[1], PemObject::Other(l) if l == "DH PARAMETERS"));
        assert!(matches!(
            &pem.objects[2],
            PemObject::Certificate(Certificate { decoded: None, .. })
        ));
    }

    #[test]
    fn binary_and_empty_files_hold_no_objects() {
        assert!(parse_pem(b"").objects.is_empty());
        assert!(parse_pem(&[0x30, 0x82, 0xff, 0x00, 0xba, 0xad])
            .objects
            .is_empty());
        assert!(
            parse_pem(b"-----BEGIN -----\n-----END -----\n")
                .objects
                .len()
                == 1
        );
    }

    #[test]
    fn ec_points_compare_by_x() {
        let x = [7u8; 32];
        let y = [9u8; 32];
        let uncompressed: Vec<u8> = [&[4u8][..], &x, &y].concat();
        let compressed: Vec<u8> = [&[3u8][..], &x].concat();
        assert_eq!(ec(&uncompressed), ec(&compressed));
        assert_eq!(ec(&[0]), None);
        assert_eq!(ec(&[]), None);
        assert_eq!(
            rsa(&[0, 0, 1, 2], &[0, 1, 0, 1]),
            PublicKey::Rsa {
                modulus: vec![1, 2],
                exponent: vec![1, 0, 1]
            }
        );
    }
}
