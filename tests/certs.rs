//! tls-file-missing on certificates and keys made for the test by `openssl` in a temporary
//! directory: throwaway self-signed RSA, EC and Ed25519 pairs, a certificate that expired in
//! 2020 (`openssl ca -startdate/-enddate`, which OpenSSL 3.0 has; `x509 -not_after` is 3.4+)
//! and one that expires in five days from now, so nothing depends on when the test runs. No
//! key or certificate is kept in the repository.

use std::path::PathBuf;
use std::process::Command;

use postlint::model::LoadOptions;

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("conf")).unwrap();
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn at(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// NAME.key (PKCS#8) and NAME.crt, self-signed, valid for `days` from now.
    fn pair(&self, name: &str, algorithm: &str, days: u32) {
        let key_type: Vec<&str> = match algorithm {
            "rsa" => vec!["-newkey", "rsa:2048"],
            "ec" => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "ed25519" => vec!["-newkey", "ed25519"],
            other => panic!("{other}"),
        };
        let key = format!("{name}.key");
        let crt = format!("{name}.crt");
        let days = days.to_string();
        let subject = format!("/CN={name}.test");
        let mut args = vec!["req", "-x509", "-nodes", "-keyout", &key, "-out", &crt];
        args.extend(key_type);
        args.extend(["-subj", &subject, "-days", &days]);
        self.openssl(&args);
    }

    /// NAME.key and NAME.crt valid for January 2020 only.
    fn expired_pair(&self, name: &str) {
        std::fs::write(
            self.path("ca.cnf"),
            "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = index.txt\nnew_certs_dir = .\n\
             serial = serial\ndefault_md = sha256\npolicy = anything\nunique_subject = no\n\
             [anything]\ncommonName = supplied\n",
        )
        .unwrap();
        std::fs::write(self.path("index.txt"), "").unwrap();
        std::fs::write(self.path("serial"), "01\n").unwrap();
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let subject = format!("/CN={name}.test");
        self.openssl(&[
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-subj",
            &subject,
        ]);
        let crt = format!("{name}.crt");
        self.openssl(&[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-selfsign",
            "-keyfile",
            &key,
            "-in",
            &csr,
            "-out",
            &crt,
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20200201000000Z",
            "-notext",
        ]);
    }

    /// NAME.key and NAME.crt for /CN=NAME.test, signed by ISSUER (ISSUER.crt, ISSUER.key), a
    /// CA certificate when `ca` (else a server's), valid from `start` to `end` (openssl ca's
    /// YYYYMMDDHHMMSSZ), or for `days` from now.
    fn signed(&self, name: &str, issuer: &str, ca: bool, dates: Result<(&str, &str), u32>) {
        std::fs::write(
            self.path("ca.cnf"),
            "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = index.txt\nnew_certs_dir = .\n\
             serial = serial\ndefault_md = sha256\npolicy = anything\nunique_subject = no\n\
             [anything]\ncommonName = supplied\n\
             [ext_ca]\nbasicConstraints = critical,CA:true\nkeyUsage = critical,keyCertSign\n\
             [ext_leaf]\nbasicConstraints = CA:false\n",
        )
        .unwrap();
        if !self.path("index.txt").exists() {
            std::fs::write(self.path("index.txt"), "").unwrap();
            std::fs::write(self.path("serial"), "01\n").unwrap();
        }
        let (key, csr, crt) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.crt"),
        );
        let subject = format!("/CN={name}.test");
        self.openssl(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            &subject,
        ]);
        let (issuer_crt, issuer_key) = (format!("{issuer}.crt"), format!("{issuer}.key"));
        let mut args = vec![
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            &issuer_crt,
            "-keyfile",
            &issuer_key,
            "-in",
            &csr,
            "-out",
            &crt,
            "-notext",
            "-extensions",
            if ca { "ext_ca" } else { "ext_leaf" },
        ];
        let days;
        match dates {
            Ok((start, end)) => args.extend(["-startdate", start, "-enddate", end]),
            Err(d) => {
                days = d.to_string();
                args.extend(["-days", &days]);
            }
        }
        self.openssl(&args);
    }

    fn concat(&self, to: &str, parts: &[&str]) {
        let mut text = Vec::new();
        for part in parts {
            text.extend(std::fs::read(self.path(part)).unwrap());
        }
        std::fs::write(self.path(to), text).unwrap();
    }

    /// Lints conf/ as the live configuration (absolute paths read as they are) with only
    /// tls-file-missing; the report with the temporary directory and dates made stable.
    fn lint(&self, main_cf: &str, master_cf: Option<&str>) -> String {
        let conf = self.path("conf");
        std::fs::write(conf.join("main.cf"), main_cf).unwrap();
        if let Some(master) = master_cf {
            std::fs::write(conf.join("master.cf"), master).unwrap();
        }
        let options = LoadOptions {
            config_dir: Some(conf),
            live: Some(true),
            hostname: Some("mx.example.org".into()),
            ..Default::default()
        };
        let rule = postlint::rules::find("tls-file-missing").unwrap();
        let report = postlint::lint(&options, &[rule]).expect("the setup loads");
        // Findings as plain lines (not the rendered report, whose wrapping would depend on
        // the length of the temporary directory's name).
        let sources = &report.model.sources;
        let place = |span: postlint::source::Span| {
            let file = sources.get(span.file);
            let name = file
                .real_path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let (line, column) = file.line_col(span.start);
            format!("{name}:{line}:{column}")
        };
        let mut text = String::new();
        for f in &report.findings {
            text.push_str(&format!(
                "{} {}: {}\n  label: {}\n",
                f.severity.as_str(),
                place(f.primary.span),
                f.message,
                f.primary.message
            ));
            for label in &f.secondary {
                text.push_str(&format!(
                    "  also {}: {}\n",
                    place(label.span),
                    label.message
                ));
            }
            text.push_str(&format!("  help: {}\n", f.help.clone().unwrap_or_default()));
        }
        if report.findings.is_empty() {
            text.push_str("No problems found.\n");
        }
        text.replace(&self.dir.path().to_string_lossy().into_owned(), "[tmp]")
    }
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "[date]");
    settings.set_prepend_module_to_snapshot(true);
    settings
}

#[test]
fn matching_pairs_in_every_encoding_are_fine() {
    let pki = Pki::new();
    pki.pair("rsa", "rsa", 365);
    pki.pair("ec", "ec", 365);
    pki.pair("ed", "ed25519", 365);
    // PKCS#1 and SEC1 encodings of the same keys.
    pki.openssl(&["pkey", "-in", "rsa.key", "-traditional", "-out", "rsa1.key"]);
    pki.openssl(&["ec", "-in", "ec.key", "-out", "ec1.key"]);
    assert!(std::fs::read_to_string(pki.path("rsa1.key"))
        .unwrap()
        .contains("BEGIN RSA PRIVATE KEY"));
    assert!(std::fs::read_to_string(pki.path("ec1.key"))
        .unwrap()
        .contains("BEGIN EC PRIVATE KEY"));
    // Key and certificate in one file, in either order; a chain file with the key first.
    pki.concat("both.pem", &["rsa.crt", "rsa.key"]);
    pki.concat("chain.pem", &["ec.key", "ec.crt"]);
    let main_cf = format!(
        "smtpd_tls_cert_file = {rsa_crt}\nsmtpd_tls_key_file = {rsa1}\n\
         smtpd_tls_eccert_file = {ec_crt}\nsmtpd_tls_eckey_file = {ec1}\n\
         smtp_tls_cert_file = {both}\n\
         lmtp_tls_cert_file = {ed_crt}\nlmtp_tls_key_file = {ed_key}\n\
         lmtp_tls_eccert_file = {ec_crt}\nlmtp_tls_eckey_file = {ec_key}\n\
         tlsproxy_client_chain_files = {chain}\n\
         smtpd_tls_CAfile = {rsa_crt}\n",
        rsa_crt = pki.at("rsa.crt"),
        rsa1 = pki.at("rsa1.key"),
        ec_crt = pki.at("ec.crt"),
        ec1 = pki.at("ec1.key"),
        ec_key = pki.at("ec.key"),
        both = pki.at("both.pem"),
        ed_crt = pki.at("ed.crt"),
        ed_key = pki.at("ed.key"),
        chain = pki.at("chain.pem"),
    );
    let text = pki.lint(&main_cf, None);
    assert!(text.contains("No problems found."), "{text}");
}

#[test]
fn keys_that_do_not_match_their_certificates() {
    let pki = Pki::new();
    pki.pair("rsa", "rsa", 365);
    pki.pair("other", "rsa", 365);
    pki.pair("ec", "ec", 365);
    pki.pair("ec2", "ec", 365);
    pki.openssl(&["ec", "-in", "ec2.key", "-out", "ec2-sec1.key"]);
    pki.concat("chain.pem", &["other.key", "rsa.crt"]);
    let main_cf = format!(
        "smtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\n\
         smtpd_tls_eccert_file = {}\nsmtpd_tls_eckey_file = {}\n\
         smtp_tls_chain_files = {}\n",
        pki.at("rsa.crt"),
        pki.at("other.key"),
        pki.at("ec.crt"),
        pki.at("ec2-sec1.key"),
        pki.at("chain.pem"),
    );
    let text = pki.lint(&main_cf, None);
    settings().bind(|| insta::assert_snapshot!(text));
}

#[test]
fn expired_and_expiring_certificates() {
    let pki = Pki::new();
    // Self-signed (a warning: opportunistic TLS takes them at any date).
    pki.expired_pair("old");
    pki.pair("soon", "ec", 5);
    pki.pair("fine", "ec", 30);
    // Signed by a CA (an error: clients that verify refuse them).
    pki.pair("root", "ec", 3650);
    pki.signed(
        "caold",
        "root",
        false,
        Ok(("20200101000000Z", "20200201000000Z")),
    );
    pki.signed("casoon", "root", false, Err(5));
    let main_cf = format!(
        "smtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\n\
         smtpd_tls_eccert_file = {}\nsmtpd_tls_eckey_file = {}\n\
         smtp_tls_eccert_file = {}\nsmtp_tls_eckey_file = {}\n\
         lmtp_tls_cert_file = {}\nlmtp_tls_key_file = {}\n\
         tlsproxy_tls_cert_file = {}\ntlsproxy_tls_key_file = {}\n",
        pki.at("old.crt"),
        pki.at("old.key"),
        pki.at("soon.crt"),
        pki.at("soon.key"),
        pki.at("fine.crt"),
        pki.at("fine.key"),
        pki.at("caold.crt"),
        pki.at("caold.key"),
        pki.at("casoon.crt"),
        pki.at("casoon.key"),
    );
    let text = pki.lint(&main_cf, None);
    settings().bind(|| insta::assert_snapshot!(text));
    let warnings = text.lines().filter(|l| l.starts_with("warning ")).count();
    let errors = text.lines().filter(|l| l.starts_with("error ")).count();
    assert_eq!((warnings, errors), (2, 2), "{text}");
}

#[test]
fn files_without_the_key_postfix_needs() {
    let pki = Pki::new();
    pki.pair("rsa", "rsa", 365);
    pki.pair("ec", "ec", 365);
    pki.openssl(&[
        "pkey",
        "-in",
        "rsa.key",
        "-aes128",
        "-passout",
        "pass:test",
        "-out",
        "rsa-enc.key",
    ]);
    pki.concat("chain.pem", &["ec.crt", "ec.key"]);
    let main_cf = format!(
        "# The key parameter names the certificate.\n\
         smtpd_tls_cert_file = {rsa_crt}\nsmtpd_tls_key_file = {rsa_crt}\n\
         # A pass-phrase on the key.\n\
         smtp_tls_cert_file = {rsa_crt}\nsmtp_tls_key_file = {enc}\n\
         # The key parameter left at its default ($lmtp_tls_cert_file) with a certificate only.\n\
         lmtp_tls_eccert_file = {ec_crt}\n\
         # The chain file starts with the certificate.\n\
         tlsproxy_tls_chain_files = {chain}\n",
        rsa_crt = pki.at("rsa.crt"),
        enc = pki.at("rsa-enc.key"),
        ec_crt = pki.at("ec.crt"),
        chain = pki.at("chain.pem"),
    );
    let text = pki.lint(&main_cf, None);
    settings().bind(|| insta::assert_snapshot!(text));
}

#[test]
fn missing_files_on_the_live_system_and_in_master_cf() {
    let pki = Pki::new();
    pki.pair("rsa", "rsa", 365);
    let main_cf = format!(
        "smtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\nsmtpd_tls_CAfile = {}\n",
        pki.at("rsa.crt"),
        pki.at("rsa.key"),
        pki.at("no-such-ca.pem"),
    );
    let master_cf = format!(
        "smtp      inet  n       -       y       -       -       smtpd\n\
         submission inet n       -       y       -       -       smtpd\n  \
         -o smtpd_tls_cert_file={}\n  -o smtpd_tls_key_file={}\n",
        pki.at("submission.crt"),
        pki.at("rsa.key"),
    );
    let text = pki.lint(&main_cf, Some(&master_cf));
    settings().bind(|| insta::assert_snapshot!(text));
}

#[test]
fn hostile_files_are_findings_not_panics() {
    let pki = Pki::new();
    std::fs::create_dir(pki.path("a-directory")).unwrap();
    std::fs::write(
        pki.path("binary"),
        [0x30u8, 0x82, 0xff, 0xff, 0, 1, 2, 0xfe],
    )
    .unwrap();
    std::fs::write(pki.path("empty"), "").unwrap();
    std::fs::write(
        pki.path("broken.pem"),
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n\
         -----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let fifo = pki.path("fifo");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let main_cf = format!(
        "smtpd_tls_cert_file = {}\nsmtp_tls_cert_file = {}\nlmtp_tls_cert_file = {}\n\
         tlsproxy_tls_cert_file = {}\nsmtpd_tls_CAfile = {}\nsmtp_tls_CAfile = {}\n",
        pki.at("a-directory"),
        pki.at("binary"),
        pki.at("empty"),
        pki.at("broken.pem"),
        pki.at("fifo"),
        pki.at("broken.pem"),
    );
    let text = pki.lint(&main_cf, None);
    settings().bind(|| insta::assert_snapshot!(text));
}

/// A fullchain file whose intermediate (the leaf's issuer) has expired is reported, though the
/// server certificate is valid. Near misses: the same leaf with a valid intermediate plus an
/// expired cross-signature (Let's Encrypt's old chain), and the root itself in the file.
/// `openssl verify`, with the root trusted, is the client that agrees.
#[test]
fn expired_intermediate_certificates() {
    let pki = Pki::new();
    pki.pair("root", "ec", 3650);
    // An old root that cross-signed "root.test" until 2020.
    pki.pair("oldroot", "ec", 3650);
    pki.signed(
        "int",
        "root",
        true,
        Ok(("20200101000000Z", "20200201000000Z")),
    );
    pki.signed("leaf", "int", false, Err(30));
    pki.signed("int2", "root", true, Err(365));
    pki.signed("leaf2", "int2", false, Err(30));
    pki.signed(
        "cross",
        "oldroot",
        true,
        Ok(("20200101000000Z", "20200201000000Z")),
    );
    // `cross` stands for the expired cross-signature: a CA certificate in the file that is
    // not the leaf's issuer.
    pki.concat("fullchain.pem", &["leaf.crt", "int.crt"]);
    pki.concat("fullchain2.pem", &["leaf2.crt", "int2.crt", "cross.crt"]);
    pki.concat("fullchain3.pem", &["leaf2.crt", "int2.crt", "root.crt"]);
    let main_cf = format!(
        "# The intermediate that signed the server certificate expired in 2020.\n\
         smtpd_tls_eccert_file = {}\nsmtpd_tls_eckey_file = {}\n\
         # A valid intermediate, then an expired cross-signature.\n\
         smtp_tls_eccert_file = {}\nsmtp_tls_eckey_file = {}\n\
         # A valid intermediate, then the root.\n\
         lmtp_tls_eccert_file = {}\nlmtp_tls_eckey_file = {}\n",
        pki.at("fullchain.pem"),
        pki.at("leaf.key"),
        pki.at("fullchain2.pem"),
        pki.at("leaf2.key"),
        pki.at("fullchain3.pem"),
        pki.at("leaf2.key"),
    );
    // A client's verdict, as `openssl verify` with root.test trusted gives it.
    let verifies = |chain: &str, leaf: &str| {
        Command::new("openssl")
            .args(["verify", "-CAfile", "root.crt", "-untrusted", chain, leaf])
            .current_dir(pki.path(""))
            .output()
            .expect("openssl is installed")
            .status
            .success()
    };
    assert!(!verifies("fullchain.pem", "leaf.crt"));
    assert!(verifies("fullchain2.pem", "leaf2.crt"));
    assert!(verifies("fullchain3.pem", "leaf2.crt"));
    let text = pki.lint(&main_cf, None);
    assert_eq!(
        text.matches("signed by an intermediate").count(),
        1,
        "{text}"
    );
    settings().bind(|| insta::assert_snapshot!(text));
}
