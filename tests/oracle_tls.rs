//! Real Postfix decides the TLS, SASL and master.cf service rules of issue 16:
//! `plaintext-auth`, `tls-wrappermode-missing`, `weak-tls-protocols`,
//! `sasl-password-key-mismatch`, `relay-credentials-in-clear`, `mandatory-tls-on-mx`,
//! `undefined-service`, `orphan-override`, `tls-policy-invalid`, `dane-without-dnssec` on
//! TLS policy entries, and `tls-file-missing`'s TLS without a certificate.
//!
//! Each case is a small configuration (main.cf lines, `-o` overrides on one smtpd service, at
//! times a second service, master.cf lines after it, a table).
//! A whole Postfix runs it on loopback from a scratch directory (tests/common/smtp.rs), with a
//! certificate made for the run (`openssl req -x509`, never kept), and the test looks at what
//! Postfix does:
//! - plaintext-auth: the EHLO reply before STARTTLS (does AUTH list PLAIN or LOGIN, and does
//!   `AUTH PLAIN` then succeed, passing the password to the auth server without `secured`?),
//!   and the EHLO reply after TLS. SASL is `smtpd_sasl_type = dovecot` with a fake Dovecot
//!   auth server (tests/common/tls.rs) on `private/auth` in the queue directory. With
//!   `smtpd_delay_reject = no` and a client list that rejects the test client, the greeting
//!   is the rejection and EHLO gets 503: no AUTH, which the case expects.
//! - tls-wrappermode-missing: does a port 465 listener complete a TLS handshake from the first
//!   byte (`openssl s_client` without `-starttls`), or send a plaintext `220` banner?
//! - tls-wrappermode-on-starttls-port: a service linted as the submission port (587): does a
//!   client that waits for the `220` greeting, as a STARTTLS client does, get one, or nothing
//!   within a second (and then TLS from the first byte works: wrapper mode)?
//! - weak-tls-protocols: with `smtpd_tls_security_level = encrypt` and
//!   `smtpd_tls_mandatory_protocols` set, which of TLS 1.0, 1.1, 1.2, 1.3 `openssl s_client
//!   -starttls smtp` can negotiate; for the smtp client's list, the version `posttls-finger
//!   -p LIST` (Postfix's TLS client library, as smtp(8) uses it) establishes with the case's
//!   smtpd, which allows TLS 1.0 to 1.3.
//! - sasl-password-key-mismatch: one message relayed through `relayhost = [localhost]:PORT` to
//!   a fake SMTP server offering `AUTH PLAIN LOGIN`: did Postfix's smtp client send AUTH, with
//!   the user of the one key in `smtp_sasl_password_maps`?
//! - relay-credentials-in-clear: the same relaying, with the password under `[localhost]:PORT`.
//!   The fake relay offers `AUTH PLAIN LOGIN` and no STARTTLS, which is what a client sees
//!   when an attacker strips STARTTLS from the EHLO reply. The problem: the client sent AUTH on
//!   that session, and the relay decoded the password from it (a test password, printed as
//!   the proof). Else the smtp client's `status=deferred` line says why it did not log in.
//! - mandatory-tls-on-mx: a plaintext client's `MAIL FROM` on the port 25 stand-in: `530 5.7.0
//!   Must issue a STARTTLS command first` is the problem (and the same MAIL after STARTTLS
//!   gets 250, so TLS was what smtpd wanted), 250 is not. A near-miss has a second,
//!   submission-style service with `-o smtpd_tls_security_level=encrypt`, which must give 530.
//! - undefined-service: `content_filter = smtp-amavis:[127.0.0.1]:PORT` and one message. The
//!   problem: qmgr logs `connect to transport private/smtp-amavis: No such file or directory`
//!   and the message stays in the queue (the queue directory, `postqueue -p`); with the
//!   `smtp-amavis unix ... smtp` service the fake relay gets the message.
//! - tls-policy-invalid: one message relayed to the fake relay (`relayhost =
//!   [localhost]:PORT`) with an smtp_tls_policy_maps (texthash) entry `[localhost]:PORT VALUE`.
//!   The problem: the smtp client refuses the policy and defers the message without
//!   connecting (`status=deferred (client TLS configuration problem)`); else the relay gets
//!   it. The relay offers no STARTTLS, so the valid values are `may` and `none` ones.
//! - tls-policy-invalid on main.cf's level (no policy table): `smtp_tls_security_level =
//!   fingerprint` with no smtp_tls_fingerprint_cert_match is refused (4.7.5, client TLS
//!   configuration problem); with fingerprints the client takes it and defers because the relay
//!   offers no STARTTLS ("TLS is required, but was not offered").
//! - tls-policy-invalid on a legacy smtp_tls_per_site entry (no policy table): `ENCRYPT` and
//!   `verify` are no per-site actions (4.7.5, "unknown TLS policy"); `MUST_NOPEERMATCH` asks
//!   for STARTTLS, `may` delivers in clear.
//! - orphan-override: the service, then `#submission inet ...` and an indented
//!   `-o smtpd_tls_security_level=encrypt`: a plaintext `MAIL FROM` on the service gets 530,
//!   so the `-o` continued the service above the comment (the near-miss comments the `-o` out
//!   too, and gets 250).
//!
//! Each case says what Postfix should do, and the test checks that Postfix did it (so the
//! cases are facts about Postfix 3.7, not guesses); then it runs the postlint binary
//! (`--select RULE --format json --verbose`) and checks that postlint reports the rule exactly
//! when Postfix showed the problem, and that a silence is a decision (postlint did not say it
//! "could not decide" the rule). Every observation is printed (and written to
//! `$CARGO_TARGET_TMPDIR/oracle_tls-observations.txt`). The test fails when Postfix did not do
//! what a case expects (a harness or environment problem, or a wrong case), else when postlint
//! disagrees with Postfix, listing every such case with what Postfix did and what postlint said.
//!
//! Files are named through `${config_directory}` (the certificate, the password and TLS
//! policy tables, texthash: no postmap):
//! Postfix finds them in the scratch configuration directory (`master -c` sets it), postlint in
//! the directory it lints (its default /etc/postfix maps there; an absolute path elsewhere is
//! outside the linted tree and unread).
//!
//! Loopback: `plaintext-auth` exempts services that listen only on loopback, and Postfix here
//! must listen on loopback. So postlint reads a copy of the configuration in which the
//! service's `127.0.0.1:PORT` is `192.0.2.1:587` (a documentation address, the submission
//! port) and inet_interfaces is `all`, while Postfix runs the 127.0.0.1 original; postlint
//! must also stay silent on the original (the exemption). `mandatory-tls-on-mx` is about the
//! public port 25 only: its copy names the port 25 stand-in `192.0.2.1:smtp` (and the
//! submission-style service `192.0.2.1:submission`), with inet_interfaces `all`, while Postfix
//! runs them on 127.0.0.1:PORT and the next port; on the original postlint must be silent too.
//! The plaintext-auth copy names port 587, not the test's port, because the rule takes `-o
//! smtpd_tls_auth_only=no` on a port that is no mail port (a webmail container's, say) as
//! deliberate: an intent Postfix cannot judge, so the copy is the setup as it would be
//! deployed, a submission service. The other rules read the live configuration itself.
//!
//! Port 465: those cases take turns on 127.0.0.1:465 (master, as root, can bind it) and
//! postlint reads that exact configuration; if 465 cannot be bound, the case runs on its own
//! port and postlint reads a copy naming the service as the case writes it.
//!
//! Knobs:
//! - POSTLINT_TLS_ORACLE_JOBS: Postfix instances run at once (default 3).
//! - POSTLINT_TLS_ORACLE_PORT: the first of the loopback ports used, two per case (the smtpd
//!   service, then the fake relay or the submission-style service; default
//!   29000; keep them below /proc/sys/net/ipv4/ip_local_port_range, 32768 here).
//! - POSTLINT_TLS_ORACLE_ONLY: run only the cases whose names contain this text.
//!
//! Needs Postfix 3.7, openssl and root. Without them the test is skipped, unless
//! POSTLINT_ORACLE=required.
//!
//! What was measured to build this (Postfix 3.7.11, OpenSSL 3.0.19, 2 cores), beyond
//! tests/common/tls.rs:
//! - Before TLS, smtpd lists AUTH (PLAIN LOGIN CRAM-MD5 from the fake server) with
//!   smtpd_sasl_auth_enable = yes and a TLS level of may or none, and with the legacy
//!   `smtpd_use_tls = yes` alone; it lists none with smtpd_tls_auth_only = yes, level encrypt,
//!   or the legacy `smtpd_use_tls = yes` with `smtpd_enforce_tls = yes` (all three list it
//!   after STARTTLS). `noplaintext` leaves `AUTH CRAM-MD5`, before TLS and after. When PLAIN is
//!   offered in clear, `AUTH PLAIN` gets `235 2.7.0 Authentication successful`, the password
//!   having gone to the auth server without `secured`.
//! - OpenSSL 3's client refuses TLS 1.0 and 1.1 at its default security level (`legacy sigalg
//!   disallowed or unsupported` with this P-256 certificate); with `-cipher DEFAULT@SECLEVEL=0`
//!   it does them, and smtpd (Postfix's cipher lists carry no @SECLEVEL) then completes TLS 1.0
//!   and 1.1 when its protocols allow them (`>=TLSv1`, `!SSLv2, !SSLv3`).
//!   `smtpd_tls_mandatory_protocols = TLSv1` (or `!SSLv2, !SSLv3, TLSv1`) pins TLS 1.0: 1.1, 1.2
//!   and 1.3 fail; `<=TLSv1.1` allows 1.0 and 1.1 only. An unknown name (`TLSv1.9`) makes smtpd
//!   log `Invalid TLS protocol list "TLSv1.9": disabling TLS support`; EHLO still lists STARTTLS,
//!   which gets `454 4.7.0 TLS not available due to local problem` (and at level encrypt MAIL
//!   gets `530 5.7.0 Must issue a STARTTLS command first`, and postmaster gets a notice).
//!   `!SSLv2, !SSLv3, !TLSv1.2` leaves smtpd 1.0, 1.1 and 1.3: a client that stops at TLS 1.2
//!   fails.
//! - The smtp client (posttls-finger) with `!SSLv2, !TLSv1.2, !TLSv1.1` or `!SSLv2, !SSLv3,
//!   !TLSv1.1` establishes TLSv1 with an smtpd that has TLS 1.3: OpenSSL's client takes the
//!   lowest unbroken run of the versions left. At level `may` Postfix's client runs OpenSSL at
//!   security level 0 (tls_client.c), so TLS 1.0 completes with Postfix's smtpd (level 0 too);
//!   an OpenSSL 3 server at its default level 1 refuses it ("no suitable signature
//!   algorithm", measured with `openssl s_server`).
//! - Postfix's smtp client looks the password up by the server's name (`localhost`), then by
//!   the next hop as written in relayhost (`[localhost]:PORT`); `localhost:PORT` and
//!   `[localhost]` match nothing and the mail goes out without AUTH. texthash: needs no
//!   postmap. smtp_host_lookup = native, so that `localhost` comes from /etc/hosts (this
//!   machine has no DNS).
//! - Towards a relay that offers AUTH and no STARTTLS, with `smtp_sasl_security_options =
//!   noanonymous`: at level may or none, and with the legacy `smtp_use_tls = yes` and an empty
//!   level, the client sends `AUTH PLAIN` with the password right after EHLO and delivers. At
//!   level encrypt, or may with an smtp_tls_policy_maps (texthash) entry `[localhost]:PORT
//!   encrypt`, it sends EHLO and QUIT only: `status=deferred (TLS is required, but was not
//!   offered by host localhost[127.0.0.1])`, dsn 4.7.4. With the default security options
//!   (noplaintext) it logs `warning: SASL authentication failure: No worthy mechs found`, sends
//!   EHLO and QUIT, and defers: `SASL authentication failed; cannot authenticate to server
//!   localhost[127.0.0.1]: no mechanism available`, dsn 4.7.0. Everything within 0.1 s.
//! - smtpd at level encrypt (or the legacy `smtpd_use_tls` + `smtpd_enforce_tls`, or `-o
//!   smtpd_tls_security_level=encrypt`) still lists STARTTLS and answers a plaintext `MAIL
//!   FROM` with `530 5.7.0 Must issue a STARTTLS command first`; after STARTTLS, `250 2.1.0 Ok`.
//! - A content_filter naming no master.cf service: at once, qmgr logs `warning: connect to
//!   transport private/smtp-amavis: No such file or directory`, and the error agent logs
//!   `status=deferred (mail transport unavailable)` (dsn 4.3.0); the message waits in
//!   `deferred/` and `postqueue -p` lists it with that reason.
//! - A TLS policy entry the smtp client refuses: at once it logs `warning:
//!   smtp_tls_policy_maps, next-hop destination "[localhost]:PORT": invalid security level
//!   "mya"` (or `malformed attribute/value pair "!SSLv3": missing '=' after attribute name`,
//!   `attribute "match" invalid at security level "may"`, `attribute "ciphers" is specified
//!   multiple times`, ...), then `warning: TLS policy lookup for [localhost]:PORT/localhost:
//!   client TLS configuration problem`, and defers: dsn 4.7.5, `status=deferred (client TLS
//!   configuration problem)`, relay=none. Postfix 3.7 splits the value at every comma and
//!   space: `may { servername = localhost }` is refused at `{` (braces came with 3.10); `none`
//!   with a malformed attribute delivers.
//! - smtpd with TLS on (`-o smtpd_tls_security_level=may` or `encrypt`) and the certificate
//!   blanked (`-o smtpd_tls_cert_file=`, `-o smtpd_tls_key_file=`): it logs `warning: No
//!   server certs available. TLS won't be enabled`, still lists STARTTLS, and answers it `454
//!   4.7.0 TLS not available due to local problem`; with the certificate, or with
//!   `smtpd_tls_cert_file=none` (anonymous TLS), `220 2.0.0 Ready to start TLS`. postlint
//!   judges this on a system image only, so it reads a `--sysroot` copy with etc/passwd.
//! - dane-without-dnssec on a policy entry (`smtp_host_lookup = native` here): `dane-only`
//!   logs `warning: [localhost]:PORT: dane-only configured with dnssec lookups disabled` and
//!   defers like an invalid policy; `dane`, with `smtp_dns_support_level = dnssec` but native
//!   host lookups, logs the same warning for `dane` and delivers without TLS (the relay offers
//!   none), as `may` does.
//! - dane-without-dnssec on main.cf's `dane`, read by a transport with `-o
//!   smtp_dns_support_level=disabled` (a content filter's, in real setups): the same warning
//!   for `dane`, and delivery without TLS; with `-o smtp_tls_security_level=may` as well, no
//!   warning.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod common;
use common::{env_number, on_threads};
#[path = "common/smtp.rs"]
mod smtp;
#[path = "common/tls.rs"]
mod tls;

use smtp::{plain_ehlo, Postfix, Scratch};
use tls::{FakeDovecot, FakeRelay, Lint, RelaySession, SClient};

const MYHOSTNAME: &str = "mx.example.org";
const FIRST_PORT: u16 = 29000;
/// Every SMTP read gives up after this.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a relayed message may take to reach the fake relay.
const DELIVERY_WAIT: Duration = Duration::from_secs(20);
/// `\0alice\0secret`, the PLAIN response the test client sends smtpd.
const PLAIN_ALICE: &str = "AGFsaWNlAHNlY3JldA==";
/// alice's password in the smtp_sasl_password_maps tables (a test password, nothing else).
const PASSWORD: &str = "secret";

/// The port 465 cases share 127.0.0.1:465: one at a time.
static PORT_465: Mutex<()> = Mutex::new(());

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    PlaintextAuth,
    Wrappermode,
    /// tls-wrappermode-on-starttls-port: the case's service runs on its own port and is
    /// linted as the submission port (587), where clients expect a plaintext greeting.
    WrapperStarttls,
    Protocols(Versions),
    /// weak-tls-protocols on the smtp client's list: `posttls-finger -p LIST` against the
    /// case's smtpd, which allows TLS 1.0 to 1.3 (`main` sets smtp_tls_protocols to LIST).
    ClientProtocols(&'static str),
    SaslKey,
    RelayClear,
    MandatoryMx,
    UndefinedService,
    OrphanOverride,
    TlsPolicy,
    /// tls-policy-invalid on main.cf's own level (the case's main.cf lines come after
    /// RELAY_LEVEL's; no policy table).
    TlsLevel,
    /// tls-policy-invalid on a legacy smtp_tls_per_site entry for the fake relay (`key` is its
    /// value; main.cf's lines come after RELAY_LEVEL's).
    PerSite,
    /// dane-without-dnssec, on a TLS policy entry (the case's main.cf lines come after
    /// RELAY_POLICY's).
    DanePolicy,
    /// dane-without-dnssec on main.cf's level, read by a transport whose `-o` turns DNS off
    /// (main.cf is the case's `main` alone; the transport is in `master_extra`).
    DaneLevel,
    /// tls-file-missing: TLS turned on with no certificate (the case's `-o` overrides blank
    /// the shared one).
    NoCert,
}

/// What a protocols case expects from the handshakes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Versions {
    /// TLS 1.2 and 1.3 complete.
    Modern,
    /// Only TLS 1.0 (for a client at SECLEVEL=0): 1.1, 1.2 and 1.3 fail.
    Only10,
    /// TLS 1.0 and 1.1 (for a client at SECLEVEL=0), not 1.2 or 1.3.
    Upto11,
    /// TLS 1.0 and 1.1 (for a client at SECLEVEL=0) and 1.3, not 1.2: a client without TLS
    /// 1.3 gets 1.1 at best.
    No12,
    /// smtpd lists STARTTLS but answers it `454 4.7.0 TLS not available due to local
    /// problem` (it logged `Invalid TLS protocol list`).
    NoTls,
    /// TLS is off (level none): EHLO lists no STARTTLS, whatever the protocol lists say.
    Off,
}

struct Case {
    name: &'static str,
    kind: Kind,
    /// main.cf lines after the shared ones.
    main: &'static str,
    /// The tested smtpd service's master.cf name; None: `127.0.0.1:PORT`.
    service: Option<&'static str>,
    /// Its `-o name=value` overrides.
    overrides: &'static [&'static str],
    /// SaslKey, RelayClear: the key of the one smtp_sasl_password_maps entry (`@RELAY@` is
    /// the fake relay's port).
    key: &'static str,
    /// MandatoryMx: the `-o` overrides of a second, submission-style smtpd service (on the
    /// case's second port; postlint reads it as `192.0.2.1:submission`). Empty: no such
    /// service.
    submission: &'static [&'static str],
    /// master.cf lines after the tested service's entry (`@RELAY@` is the second port).
    master_extra: &'static str,
    /// Other files of the configuration directory: (name, text with `@RELAY@`).
    files: &'static [(&'static str, &'static str)],
    /// Whether Postfix shows the problem (and so postlint must report the rule).
    problem: bool,
}

/// What a case leaves out.
const BASE: Case = Case {
    name: "",
    kind: Kind::PlaintextAuth,
    main: "",
    service: None,
    overrides: &[],
    key: "",
    submission: &[],
    master_extra: "",
    files: &[],
    problem: false,
};

impl Case {
    fn rule(&self) -> &'static str {
        match self.kind {
            Kind::PlaintextAuth => "plaintext-auth",
            Kind::Wrappermode => "tls-wrappermode-missing",
            Kind::WrapperStarttls => "tls-wrappermode-on-starttls-port",
            Kind::Protocols(_) | Kind::ClientProtocols(_) => "weak-tls-protocols",
            Kind::SaslKey => "sasl-password-key-mismatch",
            Kind::RelayClear => "relay-credentials-in-clear",
            Kind::MandatoryMx => "mandatory-tls-on-mx",
            Kind::UndefinedService => "undefined-service",
            Kind::OrphanOverride => "orphan-override",
            Kind::TlsPolicy | Kind::TlsLevel | Kind::PerSite => "tls-policy-invalid",
            Kind::DanePolicy | Kind::DaneLevel => "dane-without-dnssec",
            Kind::NoCert => "tls-file-missing",
        }
    }
}

const fn auth(
    name: &'static str,
    main: &'static str,
    overrides: &'static [&'static str],
    problem: bool,
) -> Case {
    Case {
        name,
        kind: Kind::PlaintextAuth,
        main,
        overrides,
        problem,
        ..BASE
    }
}

const fn wrapper(
    name: &'static str,
    service: &'static str,
    overrides: &'static [&'static str],
    problem: bool,
) -> Case {
    Case {
        name,
        kind: Kind::Wrappermode,
        main: "smtpd_tls_security_level = may\n",
        service: Some(service),
        overrides,
        problem,
        ..BASE
    }
}

const fn wrapper_starttls(
    name: &'static str,
    overrides: &'static [&'static str],
    problem: bool,
) -> Case {
    Case {
        name,
        kind: Kind::WrapperStarttls,
        main: "smtpd_tls_security_level = may\n",
        overrides,
        problem,
        ..BASE
    }
}

const fn client_protocols(
    name: &'static str,
    main: &'static str,
    list: &'static str,
    problem: bool,
) -> Case {
    Case {
        name,
        kind: Kind::ClientProtocols(list),
        main,
        problem,
        ..BASE
    }
}

const fn protocols(name: &'static str, main: &'static str, versions: Versions) -> Case {
    Case {
        name,
        kind: Kind::Protocols(versions),
        main,
        problem: !matches!(versions, Versions::Modern | Versions::Off),
        ..BASE
    }
}

/// The smtp client's SASL login of the sasl-password-key-mismatch cases, after their relayhost.
macro_rules! sasl_client {
    () => {
        "smtp_sasl_auth_enable = yes\n\
         smtp_sasl_password_maps = texthash:${config_directory}/sasl_passwd\n\
         smtp_sasl_security_options = noanonymous\n\
         smtp_tls_security_level = none\n\
         smtp_host_lookup = native\n\
         mynetworks = 127.0.0.0/8\n"
    };
}

const fn sasl_key(name: &'static str, key: &'static str, problem: bool) -> Case {
    Case {
        name,
        kind: Kind::SaslKey,
        main: concat!("relayhost = [localhost]:@RELAY@\n", sasl_client!()),
        key,
        problem,
        ..BASE
    }
}

/// As [`sasl_key`], with a relayhost where nothing listens and a transport_maps `*` entry that
/// overrules it with the fake relay as next hop: the client logs in there, with its key.
const fn sasl_key_star(name: &'static str, key: &'static str, problem: bool) -> Case {
    Case {
        main: concat!(
            "relayhost = [localhost]:1\n\
             transport_maps = texthash:${config_directory}/transport\n",
            sasl_client!()
        ),
        files: &[("transport", "* smtp:[localhost]:@RELAY@\n")],
        ..sasl_key(name, key, problem)
    }
}

/// As [`sasl_key`], with the relayhost written without brackets (`localhost:PORT`). DNS is
/// off, so the client looks up no MX and connects to `localhost` itself, the name a real MX
/// host would have: a key in brackets is never that name, nor the destination as written.
const fn sasl_key_unbracketed(name: &'static str, key: &'static str, problem: bool) -> Case {
    Case {
        name,
        kind: Kind::SaslKey,
        main: concat!(
            "relayhost = localhost:@RELAY@\nsmtp_dns_support_level = disabled\n",
            sasl_client!()
        ),
        key,
        problem,
        ..BASE
    }
}

/// The main.cf lines every relay-credentials-in-clear case shares: SASL login to the
/// relayhost, the fake relay, with the password under `[localhost]:PORT`.
const RELAY_SASL: &str = "relayhost = [localhost]:@RELAY@\n\
                          smtp_sasl_auth_enable = yes\n\
                          smtp_sasl_password_maps = texthash:${config_directory}/sasl_passwd\n\
                          smtp_host_lookup = native\n\
                          mynetworks = 127.0.0.0/8\n";

/// `main` comes after RELAY_SASL.
const fn relay_clear(
    name: &'static str,
    main: &'static str,
    files: &'static [(&'static str, &'static str)],
    problem: bool,
) -> Case {
    Case {
        name,
        kind: Kind::RelayClear,
        main,
        key: "[localhost]:@RELAY@",
        files,
        problem,
        ..BASE
    }
}

const fn mx(
    name: &'static str,
    main: &'static str,
    overrides: &'static [&'static str],
    submission: &'static [&'static str],
    problem: bool,
) -> Case {
    Case {
        name,
        kind: Kind::MandatoryMx,
        main,
        overrides,
        submission,
        problem,
        ..BASE
    }
}

/// The content filter transport of the undefined-service cases.
const FILTER: &str = "smtp-amavis";

const fn undefined(name: &'static str, master_extra: &'static str, problem: bool) -> Case {
    Case {
        name,
        kind: Kind::UndefinedService,
        main: "content_filter = smtp-amavis:[127.0.0.1]:@RELAY@\nmynetworks = 127.0.0.0/8\n",
        master_extra,
        problem,
        ..BASE
    }
}

const fn orphan(name: &'static str, master_extra: &'static str, problem: bool) -> Case {
    Case {
        name,
        kind: Kind::OrphanOverride,
        main: "smtpd_tls_security_level = may\n",
        master_extra,
        problem,
        ..BASE
    }
}

/// The main.cf lines every tls-policy-invalid case shares: mail relayed to the fake relay,
/// with a TLS policy entry for it (the case's `key` is the entry's value).
const RELAY_POLICY: &str = "relayhost = [localhost]:@RELAY@\n\
                            smtp_host_lookup = native\n\
                            mynetworks = 127.0.0.0/8\n\
                            smtp_tls_security_level = may\n\
                            smtp_tls_policy_maps = texthash:${config_directory}/tls_policy\n";

/// The main.cf lines of the tls-policy-invalid cases on main.cf's level: mail relayed to the
/// fake relay, with no policy table.
const RELAY_LEVEL: &str = "relayhost = [localhost]:@RELAY@\n\
                           smtp_host_lookup = native\n\
                           mynetworks = 127.0.0.0/8\n";

/// main.cf's TLS level settings for mail to the fake relay, which offers no STARTTLS: a valid
/// fingerprint level defers the mail because TLS is not offered, an invalid one because the
/// policy is refused.
const fn level(name: &'static str, main: &'static str, problem: bool) -> Case {
    Case {
        name,
        kind: Kind::TlsLevel,
        main,
        problem,
        ..BASE
    }
}

/// A legacy smtp_tls_per_site entry for the fake relay, `localhost VALUE` (the client looks up
/// the next-hop destination, then the server's host name).
const fn per_site(name: &'static str, value: &'static str, problem: bool) -> Case {
    Case {
        name,
        kind: Kind::PerSite,
        main: "smtp_tls_per_site = texthash:${config_directory}/tls_per_site\n",
        key: value,
        problem,
        ..BASE
    }
}

/// A policy entry for the fake relay, `[localhost]:PORT VALUE`; the relay offers no
/// STARTTLS, so the valid values are those that do not require TLS.
const fn policy(name: &'static str, value: &'static str, problem: bool) -> Case {
    Case {
        name,
        kind: Kind::TlsPolicy,
        key: value,
        problem,
        ..BASE
    }
}

/// A DANE policy entry for the fake relay; `main` comes after RELAY_POLICY (which has
/// `smtp_host_lookup = native`: this machine has no DNS).
const fn dane_policy(
    name: &'static str,
    main: &'static str,
    value: &'static str,
    problem: bool,
) -> Case {
    Case {
        name,
        kind: Kind::DanePolicy,
        main,
        key: value,
        problem,
        ..BASE
    }
}

/// main.cf asks for DANE with DNSSEC lookups and sends remote mail through the `scan`
/// transport (a content filter's, in real setups) to the fake relay; `master_extra` defines
/// `scan` with DNS turned off.
const fn dane_level(name: &'static str, master_extra: &'static str, problem: bool) -> Case {
    Case {
        name,
        kind: Kind::DaneLevel,
        main: "relayhost = [localhost]:@RELAY@\n\
               mynetworks = 127.0.0.0/8\n\
               smtp_dns_support_level = dnssec\n\
               smtp_tls_security_level = dane\n\
               default_transport = scan\n",
        master_extra,
        problem,
        ..BASE
    }
}

/// A service with TLS turned on by `overrides`; `problem`: they also blank the certificate.
const fn no_cert(name: &'static str, overrides: &'static [&'static str], problem: bool) -> Case {
    Case {
        name,
        kind: Kind::NoCert,
        overrides,
        problem,
        ..BASE
    }
}

const CASES: &[Case] = &[
    // plaintext-auth
    auth(
        "auth, level may",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = may\n",
        &[],
        true,
    ),
    auth(
        "auth, level may, auth_only",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes\n",
        &[],
        false,
    ),
    auth(
        "auth, level encrypt",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = encrypt\n",
        &[],
        false,
    ),
    auth(
        "auth, no TLS at all",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = none\n",
        &[],
        true,
    ),
    auth(
        "auth, legacy use_tls + enforce_tls",
        "smtpd_sasl_auth_enable = yes\nsmtpd_use_tls = yes\nsmtpd_enforce_tls = yes\n",
        &[],
        false,
    ),
    // A non-empty smtpd_tls_security_level wins over the obsolete names, also over a
    // service's `-o smtpd_enforce_tls=yes` (setiseta/docker-mailstack's submission).
    auth(
        "auth, level may, -o enforce_tls=yes",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = may\n",
        &["smtpd_enforce_tls=yes"],
        true,
    ),
    auth(
        "auth, legacy use_tls alone",
        "smtpd_sasl_auth_enable = yes\nsmtpd_use_tls = yes\n",
        &[],
        true,
    ),
    auth(
        "auth, -o wrappermode",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = may\n",
        &["smtpd_tls_wrappermode=yes"],
        false,
    ),
    auth(
        "auth, noplaintext",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = may\n\
         smtpd_sasl_security_options = noanonymous, noplaintext\n",
        &[],
        false,
    ),
    auth(
        "safe main.cf, -o auth_only=no -o sasl_auth_enable=yes",
        "smtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes\n",
        &["smtpd_tls_auth_only=no", "smtpd_sasl_auth_enable=yes"],
        true,
    ),
    auth(
        "unsafe main.cf, -o level=encrypt",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = may\n",
        &["smtpd_tls_security_level=encrypt"],
        false,
    ),
    auth(
        "submission style: -o level=encrypt -o sasl_auth_enable=yes",
        "smtpd_tls_security_level = may\n",
        &[
            "smtpd_tls_security_level=encrypt",
            "smtpd_sasl_auth_enable=yes",
        ],
        false,
    ),
    auth(
        "submission without encrypt: -o sasl_auth_enable=yes",
        "smtpd_tls_security_level = may\n",
        &["smtpd_sasl_auth_enable=yes"],
        true,
    ),
    // smtpd_delay_reject = no runs the client list as the client connects: the test client
    // (127.0.0.1, outside this mynetworks) gets a 554 greeting and 503 for EHLO, no AUTH.
    auth(
        "auth, outsiders refused at connect (delay_reject = no)",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = may\n\
         mynetworks = 192.0.2.0/24\nsmtpd_delay_reject = no\n\
         smtpd_client_restrictions = permit_mynetworks, reject\n",
        &[],
        false,
    ),
    auth(
        "auth, the same client list run at RCPT (delay_reject = yes)",
        "smtpd_sasl_auth_enable = yes\nsmtpd_tls_security_level = may\n\
         mynetworks = 192.0.2.0/24\nsmtpd_client_restrictions = permit_mynetworks, reject\n",
        &[],
        true,
    ),
    // tls-wrappermode-missing
    wrapper(
        "submissions with wrappermode",
        "submissions",
        &["smtpd_tls_wrappermode=yes"],
        false,
    ),
    wrapper("smtps without wrappermode", "smtps", &[], true),
    wrapper(
        "127.0.0.1:465 with wrappermode",
        "127.0.0.1:465",
        &["smtpd_tls_wrappermode=yes"],
        false,
    ),
    wrapper("127.0.0.1:465 without wrappermode", "127.0.0.1:465", &[], true),
    // tls-wrappermode-on-starttls-port
    wrapper_starttls(
        "submission with wrappermode",
        &["smtpd_tls_wrappermode=yes"],
        true,
    ),
    wrapper_starttls("submission without wrappermode", &[], false),
    // weak-tls-protocols
    protocols(
        "mandatory TLSv1",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = TLSv1\n",
        Versions::Only10,
    ),
    protocols(
        "mandatory !SSLv2, !SSLv3, TLSv1",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, TLSv1\n",
        Versions::Only10,
    ),
    protocols(
        "mandatory <=TLSv1.1",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = <=TLSv1.1\n",
        Versions::Upto11,
    ),
    protocols(
        "mandatory TLSv1.9 (unknown)",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = TLSv1.9\n",
        Versions::NoTls,
    ),
    protocols(
        "mandatory >=TLSv1.2",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = >=TLSv1.2\n",
        Versions::Modern,
    ),
    protocols(
        "mandatory !SSLv2, !SSLv3",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = !SSLv2, !SSLv3\n",
        Versions::Modern,
    ),
    protocols(
        "mandatory TLSv1.2, TLSv1.3",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = TLSv1.2, TLSv1.3\n",
        Versions::Modern,
    ),
    protocols(
        "mandatory !SSLv2, !SSLv3, !TLSv1.2 (a gap)",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1.2\n",
        Versions::No12,
    ),
    protocols(
        "mandatory !SSLv2, !SSLv3, !TLSv1.1 (a gap below TLS 1.2)",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1.1\n",
        Versions::Modern,
    ),
    // The smtp client takes the lowest unbroken run of the versions its list allows.
    client_protocols(
        "client !SSLv2, !TLSv1.2, !TLSv1.1 (TLS 1.3 above the gap)",
        "smtpd_tls_security_level = may\nsmtp_tls_protocols = !SSLv2, !TLSv1.2, !TLSv1.1\n",
        "!SSLv2, !TLSv1.2, !TLSv1.1",
        true,
    ),
    client_protocols(
        "client !SSLv2, !SSLv3, !TLSv1.1 (TLS 1.2 and 1.3 above the gap)",
        "smtpd_tls_security_level = may\nsmtp_tls_protocols = !SSLv2, !SSLv3, !TLSv1.1\n",
        "!SSLv2, !SSLv3, !TLSv1.1",
        true,
    ),
    client_protocols(
        "client !SSLv2, !SSLv3, !TLSv1 (no gap)",
        "smtpd_tls_security_level = may\nsmtp_tls_protocols = !SSLv2, !SSLv3, !TLSv1\n",
        "!SSLv2, !SSLv3, !TLSv1",
        false,
    ),
    client_protocols(
        "client >=TLSv1.2, !TLSv1.1 (an exclusion below the floor)",
        "smtpd_tls_security_level = may\nsmtp_tls_protocols = >=TLSv1.2, !TLSv1.1\n",
        ">=TLSv1.2, !TLSv1.1",
        false,
    ),
    // At level may smtpd reads smtpd_tls_protocols, not the mandatory list: the same
    // lists change nothing there, and postlint says nothing.
    protocols(
        "mandatory TLSv1 at level may (not read)",
        "smtpd_tls_security_level = may\nsmtpd_tls_mandatory_protocols = TLSv1\n",
        Versions::Modern,
    ),
    protocols(
        "mandatory TLSv1.9 (unknown) at level may (not read)",
        "smtpd_tls_security_level = may\nsmtpd_tls_mandatory_protocols = TLSv1.9\n",
        Versions::Modern,
    ),
    // With TLS off smtpd sets no TLS up and never reads its lists: an unknown name, which
    // at level may makes smtpd answer STARTTLS with 454, changes nothing.
    protocols(
        "TLSv1.9 (unknown) and SSLv3 with TLS off (not read)",
        "smtpd_tls_security_level = none\nsmtpd_tls_protocols = TLSv1.9\nsmtpd_tls_mandatory_protocols = SSLv3\n",
        Versions::Off,
    ),
    Case {
        overrides: &[
            "smtpd_tls_security_level=none",
            "smtpd_tls_protocols=TLSv1.9",
        ],
        ..protocols(
            "TLSv1.9 (unknown) in -o beside -o smtpd_tls_security_level=none (not read)",
            "smtpd_tls_security_level = may\n",
            Versions::Off,
        )
    },
    protocols(
        "mandatory >=TLSv1 (the default, written)",
        "smtpd_tls_security_level = encrypt\nsmtpd_tls_mandatory_protocols = >=TLSv1\n",
        Versions::Modern,
    ),
    // sasl-password-key-mismatch
    sasl_key("key localhost", "localhost", false),
    sasl_key("key [localhost]:PORT", "[localhost]:@RELAY@", false),
    sasl_key("key localhost:PORT", "localhost:@RELAY@", true),
    sasl_key("key [localhost]", "[localhost]", true),
    // A transport_maps `*` entry with a next hop overrules the relayhost (which here names a
    // port nothing listens on): the client logs in to the entry's next hop, with its key.
    sasl_key_star("transport `*` overrules relayhost, key of the `*` next hop", "[localhost]:@RELAY@", false),
    sasl_key_star("transport `*` overrules relayhost, key [localhost]", "[localhost]", true),
    sasl_key_unbracketed("relayhost localhost:PORT, key [localhost]:PORT", "[localhost]:@RELAY@", true),
    sasl_key_unbracketed("relayhost localhost:PORT, key [localhost]", "[localhost]", true),
    sasl_key_unbracketed("relayhost localhost:PORT, key localhost:PORT", "localhost:@RELAY@", false),
    sasl_key_unbracketed("relayhost localhost:PORT, key localhost (the host's name)", "localhost", false),
    // relay-credentials-in-clear: the fake relay offers no STARTTLS (as a stripping attacker
    // shows it) and AUTH PLAIN LOGIN.
    relay_clear(
        "client level may, noanonymous",
        "smtp_tls_security_level = may\nsmtp_sasl_security_options = noanonymous\n",
        &[],
        true,
    ),
    // The relayhost (a port nothing listens on, written again after RELAY_SASL's) is
    // overruled by a transport_maps `*` next hop: the login goes there, in clear.
    relay_clear(
        "client level may, transport `*` overrules relayhost",
        "relayhost = [localhost]:1\n\
         transport_maps = texthash:${config_directory}/transport\n\
         smtp_tls_security_level = may\nsmtp_sasl_security_options = noanonymous\n",
        &[("transport", "* smtp:[localhost]:@RELAY@\n")],
        true,
    ),
    relay_clear(
        "client level encrypt, noanonymous",
        "smtp_tls_security_level = encrypt\nsmtp_sasl_security_options = noanonymous\n",
        &[],
        false,
    ),
    relay_clear(
        "client level none, noanonymous",
        "smtp_tls_security_level = none\nsmtp_sasl_security_options = noanonymous\n",
        &[],
        true,
    ),
    relay_clear(
        "client level may, default security options (noplaintext)",
        "smtp_tls_security_level = may\n",
        &[],
        false,
    ),
    relay_clear(
        "client level may, noanonymous, policy [localhost]:PORT encrypt",
        "smtp_tls_security_level = may\nsmtp_sasl_security_options = noanonymous\n\
         smtp_tls_policy_maps = texthash:${config_directory}/tls_policy\n",
        &[("tls_policy", "[localhost]:@RELAY@ encrypt\n")],
        false,
    ),
    relay_clear(
        "legacy smtp_use_tls = yes, empty level, noanonymous",
        "smtp_tls_security_level =\nsmtp_use_tls = yes\nsmtp_sasl_security_options = noanonymous\n",
        &[],
        true,
    ),
    // mandatory-tls-on-mx
    mx(
        "port 25, level encrypt",
        "smtpd_tls_security_level = encrypt\n",
        &[],
        &[],
        true,
    ),
    mx(
        "port 25, legacy use_tls + enforce_tls",
        "smtpd_use_tls = yes\nsmtpd_enforce_tls = yes\n",
        &[],
        &[],
        true,
    ),
    mx(
        "port 25, -o level=encrypt",
        "smtpd_tls_security_level = may\n",
        &["smtpd_tls_security_level=encrypt"],
        &[],
        true,
    ),
    mx(
        "port 25, level may",
        "smtpd_tls_security_level = may\n",
        &[],
        &[],
        false,
    ),
    mx(
        "port 25 may, submission -o level=encrypt",
        "smtpd_tls_security_level = may\n",
        &[],
        &["smtpd_tls_security_level=encrypt"],
        false,
    ),
    // undefined-service
    undefined("content_filter to an undefined service", "", true),
    undefined(
        "content_filter to a defined service",
        "smtp-amavis unix - - n - 2 smtp\n",
        false,
    ),
    // orphan-override
    orphan(
        "-o under a commented-out #submission",
        "#submission inet n - n - - smtpd\n  -o smtpd_tls_security_level=encrypt\n",
        true,
    ),
    orphan(
        "-o commented out with #submission",
        "#submission inet n - n - - smtpd\n#  -o smtpd_tls_security_level=encrypt\n",
        false,
    ),
    // tls-policy-invalid
    policy("policy may", "may", false),
    policy("policy MAY, colon list, ciphers", "MAY protocols=!SSLv2:!SSLv3 ciphers=high", false),
    policy("policy may, servername", "may servername=localhost", false),
    // Braces in a policy came with 3.10: 3.7 reads `{` as an attribute without `=`.
    policy("policy may, braced servername", "may { servername = localhost }", true),
    policy("policy none, attributes ignored", "none match=x protocols !SSLv2", false),
    policy("policy misspelt level", "mya", true),
    policy("policy legacy per-site action", "MUST_NOPEERMATCH", true),
    policy("policy protocol list with a space", "may protocols=!SSLv2, !SSLv3", true),
    policy("policy unknown attribute", "may cipher=high", true),
    policy("policy match at may", "may match=localhost", true),
    policy("policy ciphers twice", "may ciphers=high ciphers=medium", true),
    policy("policy connection_reuse=true", "may connection_reuse=true", true),
    policy("policy invalid servername", "may servername=-localhost", true),
    policy("policy fingerprint without match", "fingerprint", true),
    per_site("per-site ENCRYPT", "ENCRYPT", true),
    per_site("per-site verify", "verify", true),
    per_site("per-site MUST_NOPEERMATCH", "MUST_NOPEERMATCH", false),
    per_site("per-site may", "may", false),
    level(
        "main.cf fingerprint level, no fingerprints",
        "smtp_tls_security_level = fingerprint\n",
        true,
    ),
    level(
        "main.cf fingerprint level with fingerprints",
        "smtp_tls_security_level = fingerprint\n\
         smtp_tls_fingerprint_cert_match = 3D:95:34:51:24:66:33:B9:D2:40:99:C0:C1:17:0B:D1:EC:C6:BF:8A:4E:D8:52:4C:2B:8B:9F:3F:E4:D9:F1:9E\n",
        false,
    ),
    // dane-without-dnssec on policy entries
    dane_policy("policy dane-only, dns level unset", "", "dane-only", true),
    dane_policy(
        "policy dane, dnssec with native host lookup",
        "smtp_dns_support_level = dnssec\n",
        "dane",
        true,
    ),
    dane_policy("policy may, dns level unset", "", "may", false),
    dane_level(
        "main.cf dane, a transport with -o smtp_dns_support_level=disabled",
        "scan unix - - n - - smtp\n  -o smtp_dns_support_level=disabled\n",
        true,
    ),
    dane_level(
        "main.cf dane, a transport with DNS off and a level of its own",
        "scan unix - - n - - smtp\n  -o smtp_dns_support_level=disabled\n  -o smtp_tls_security_level=may\n",
        false,
    ),
    // tls-file-missing: TLS on, no certificate
    no_cert(
        "level may, no certificate",
        &[
            "smtpd_tls_security_level=may",
            "smtpd_tls_cert_file=",
            "smtpd_tls_key_file=",
        ],
        true,
    ),
    no_cert(
        "level encrypt, no certificate",
        &[
            "smtpd_tls_security_level=encrypt",
            "smtpd_tls_cert_file=",
            "smtpd_tls_key_file=",
        ],
        true,
    ),
    no_cert("level may, certificate", &["smtpd_tls_security_level=may"], false),
    no_cert(
        "level may, cert_file none (anonymous)",
        &[
            "smtpd_tls_security_level=may",
            "smtpd_tls_cert_file=none",
            "smtpd_tls_key_file=",
        ],
        false,
    ),
];

// ---------------------------------------------------------------------------------------------
// Running one case.

/// What one case showed.
struct Outcome {
    index: usize,
    /// What Postfix did, one fact a line.
    observed: Vec<String>,
    /// Whether Postfix showed the problem the rule is about.
    problem: Option<bool>,
    /// What Postfix did that the case did not expect.
    unexpected: Vec<String>,
    /// postlint's findings of the rule on the configuration it reads (see `lint_dir`).
    postlint: Result<Lint, String>,
    /// plaintext-auth and mandatory-tls-on-mx: postlint on the live loopback configuration
    /// (must be silent).
    postlint_loopback: Option<Result<Lint, String>>,
    /// Which configuration postlint read.
    lint_note: String,
    maillog_tail: String,
    seconds: f64,
}

fn first_port() -> u16 {
    let first = env_number("POSTLINT_TLS_ORACLE_PORT", FIRST_PORT as u64);
    assert!(
        (1024..=63000).contains(&first),
        "POSTLINT_TLS_ORACLE_PORT must be in 1024..=63000"
    );
    first as u16
}

/// The master.cf entry of the tested service.
fn service_entry(name: &str, syslog_port: u16, overrides: &[&str]) -> String {
    let mut entry =
        format!("{name} inet n - n - - smtpd\n  -o syslog_name=postfix/s{syslog_port}\n");
    for o in overrides {
        writeln!(entry, "  -o {o}").unwrap();
    }
    entry
}

/// master.cf: Postfix's own services, the tested smtpd service `name` (syslog name after
/// `port`), the case's submission-style service as `submission` (on `second_port`), and the
/// case's extra lines.
fn master_cf(case: &Case, name: &str, port: u16, submission: &str, second_port: u16) -> String {
    let mut text = smtp::base_master_cf();
    text.push_str(&service_entry(name, port, case.overrides));
    if !case.submission.is_empty() {
        text.push_str(&service_entry(submission, second_port, case.submission));
    }
    text.push_str(
        &case
            .master_extra
            .replace("@RELAY@", &second_port.to_string()),
    );
    text
}

fn main_cf(scratch: &Scratch, case: &Case, relay_port: u16) -> String {
    let mut text = scratch.infrastructure(MYHOSTNAME);
    // Files named by $config_directory: Postfix reads them in the scratch configuration
    // directory (master -c sets it), postlint in the directory it lints (its default
    // /etc/postfix maps there; a path elsewhere would be outside the linted tree, unread).
    text.push_str(
        "compatibility_level = 3.6\n\
         alias_maps =\n\
         alias_database =\n\
         smtpd_tls_cert_file = ${config_directory}/cert.pem\n\
         smtpd_tls_key_file = ${config_directory}/key.pem\n",
    );
    if case.kind == Kind::PlaintextAuth {
        // Relative: smtpd takes it from the queue directory, as Dovecot setups write it.
        text.push_str("smtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth\n");
    }
    let relay = relay_port.to_string();
    if case.kind == Kind::RelayClear {
        text.push_str(&RELAY_SASL.replace("@RELAY@", &relay));
    }
    if matches!(case.kind, Kind::TlsPolicy | Kind::DanePolicy) {
        text.push_str(&RELAY_POLICY.replace("@RELAY@", &relay));
    }
    if matches!(case.kind, Kind::TlsLevel | Kind::PerSite) {
        text.push_str(&RELAY_LEVEL.replace("@RELAY@", &relay));
    }
    text.push_str(&case.main.replace("@RELAY@", &relay));
    text
}

/// The key of a SaslKey case's password table, as written.
fn table_key(case: &Case, relay_port: u16) -> String {
    case.key.replace("@RELAY@", &relay_port.to_string())
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| format!("    {l}\n"))
        .collect()
}

fn run_case(index: usize, case: &Case) -> Outcome {
    let begun = Instant::now();
    let port = first_port() + 2 * index as u16;
    let relay_port = port + 1;
    let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-tls-");
    let mut outcome = Outcome {
        index,
        observed: Vec::new(),
        problem: None,
        unexpected: Vec::new(),
        postlint: Err("not run".into()),
        postlint_loopback: None,
        lint_note: String::new(),
        maillog_tail: String::new(),
        seconds: 0.0,
    };
    let conf = scratch.conf();
    if let Err(e) = tls::self_signed(&conf) {
        outcome.unexpected.push(e);
        return outcome;
    }
    std::fs::write(conf.join("main.cf"), main_cf(&scratch, case, relay_port)).unwrap();
    if matches!(case.kind, Kind::TlsPolicy | Kind::DanePolicy) {
        std::fs::write(
            conf.join("tls_policy"),
            format!("[localhost]:{relay_port} {}\n", case.key),
        )
        .unwrap();
    } else if case.kind == Kind::PerSite {
        std::fs::write(
            conf.join("tls_per_site"),
            format!("localhost {}\n", case.key),
        )
        .unwrap();
    } else if !case.key.is_empty() {
        std::fs::write(
            conf.join("sasl_passwd"),
            format!("{} alice:{PASSWORD}\n", table_key(case, relay_port)),
        )
        .unwrap();
    }
    for (name, text) in case.files {
        let text = text.replace("@RELAY@", &relay_port.to_string());
        std::fs::write(conf.join(name), text).unwrap();
    }

    // The 465 cases take the port in turn; the guard lives until Postfix has stopped.
    let _guard = (case.kind == Kind::Wrappermode)
        .then(|| PORT_465.lock().unwrap_or_else(|e| e.into_inner()));
    let mut live_name = case
        .service
        .map_or_else(|| format!("127.0.0.1:{port}"), str::to_string);
    let lint_name = match case.kind {
        Kind::PlaintextAuth => "192.0.2.1:587".to_string(),
        Kind::MandatoryMx => "192.0.2.1:smtp".to_string(),
        Kind::WrapperStarttls => "127.0.0.1:submission".to_string(),
        _ => live_name.clone(),
    };
    let live_submission = format!("127.0.0.1:{relay_port}");
    let mut listen_port = if case.kind == Kind::Wrappermode {
        465
    } else {
        port
    };

    let write_master = |name: &str, syslog_port: u16| {
        let master = master_cf(case, name, syslog_port, &live_submission, relay_port);
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
    };

    // Fakes the case talks to, started before Postfix.
    let dovecot = match case.kind {
        Kind::PlaintextAuth => match FakeDovecot::start(&scratch.queue().join("private/auth")) {
            Ok(d) => Some(d),
            Err(e) => {
                outcome.unexpected.push(format!("fake Dovecot: {e}"));
                return outcome;
            }
        },
        _ => None,
    };
    let relay = match case.kind {
        Kind::SaslKey
        | Kind::RelayClear
        | Kind::UndefinedService
        | Kind::TlsPolicy
        | Kind::TlsLevel
        | Kind::PerSite
        | Kind::DanePolicy
        | Kind::DaneLevel => match FakeRelay::start(relay_port) {
            Ok(r) => Some(r),
            Err(e) => {
                outcome
                    .unexpected
                    .push(format!("fake relay on 127.0.0.1:{relay_port}: {e}"));
                return outcome;
            }
        },
        _ => None,
    };

    write_master(&live_name, listen_port);
    let mut postfix = match Postfix::start(&conf, &scratch.queue(), &scratch.maillog()) {
        Ok(p) => Some(p),
        Err(e) if case.kind == Kind::Wrappermode => {
            // 465 taken (or not ours to bind): the same service on the case's own port.
            outcome.observed.push(format!(
                "could not listen on port 465, ran on {port} ({})",
                e.lines().next().unwrap_or("")
            ));
            live_name = format!("127.0.0.1:{port}");
            listen_port = port;
            write_master(&live_name, listen_port);
            match Postfix::start(&conf, &scratch.queue(), &scratch.maillog()) {
                Ok(p) => Some(p),
                Err(e) => {
                    outcome.unexpected.push(e);
                    None
                }
            }
        }
        Err(e) => {
            outcome.unexpected.push(e);
            None
        }
    };
    if postfix.is_some() {
        let syslog_name = format!("postfix/s{listen_port}");
        match case.kind {
            Kind::PlaintextAuth => observe_auth(
                &mut outcome,
                listen_port,
                &scratch,
                &syslog_name,
                dovecot.as_ref().unwrap(),
            ),
            Kind::Wrappermode => observe_wrapper(&mut outcome, case, listen_port),
            Kind::WrapperStarttls => observe_starttls_port(&mut outcome, listen_port),
            Kind::Protocols(versions) => {
                observe_protocols(&mut outcome, versions, listen_port, &scratch, &syslog_name)
            }
            Kind::ClientProtocols(list) => {
                observe_client_protocols(&mut outcome, list, listen_port, &scratch)
            }
            Kind::SaslKey => observe_relay(
                &mut outcome,
                case,
                listen_port,
                &scratch,
                &syslog_name,
                relay.as_ref().unwrap(),
            ),
            Kind::RelayClear => observe_relay_clear(
                &mut outcome,
                listen_port,
                &scratch,
                &syslog_name,
                relay.as_ref().unwrap(),
            ),
            Kind::MandatoryMx | Kind::OrphanOverride => {
                let submission = (!case.submission.is_empty()).then_some(relay_port);
                let label = match case.kind {
                    Kind::MandatoryMx => "port 25 stand-in",
                    _ => "the service above the comment",
                };
                observe_mail_tls(&mut outcome, label, listen_port, submission, &scratch)
            }
            Kind::UndefinedService => observe_undefined(
                &mut outcome,
                listen_port,
                &scratch,
                &syslog_name,
                relay.as_ref().unwrap(),
            ),
            Kind::NoCert => observe_starttls(&mut outcome, listen_port, &scratch, &syslog_name),
            Kind::TlsPolicy
            | Kind::TlsLevel
            | Kind::PerSite
            | Kind::DanePolicy
            | Kind::DaneLevel => observe_policy(
                &mut outcome,
                case.kind,
                listen_port,
                &scratch,
                &syslog_name,
                relay.as_ref().unwrap(),
            ),
        }
        if let Some(problem) = outcome.problem {
            if problem != case.problem {
                outcome.unexpected.push(format!(
                    "the case expects {} from Postfix, which {}",
                    if case.problem {
                        "the problem"
                    } else {
                        "no problem"
                    },
                    if problem {
                        "showed it"
                    } else {
                        "did not show it"
                    }
                ));
            }
        }
    }
    outcome.maillog_tail = tail(&scratch.maillog(), 12);
    if let Some(mut p) = postfix.take() {
        p.stop();
    }
    drop(_guard);

    // postlint: on the live configuration, or on a copy naming what Postfix could not run.
    let needs_copy = lint_name != live_name;
    if needs_copy {
        let copy = tempfile::Builder::new()
            .prefix("postlint-tls-lint-")
            .tempdir()
            .unwrap();
        common::copy_tree(&conf, copy.path());
        let master = master_cf(
            case,
            &lint_name,
            listen_port,
            "192.0.2.1:submission",
            relay_port,
        );
        std::fs::write(copy.path().join("master.cf"), master).unwrap();
        if matches!(case.kind, Kind::PlaintextAuth | Kind::MandatoryMx) {
            let main = std::fs::read_to_string(copy.path().join("main.cf")).unwrap();
            let main = main.replace("inet_interfaces = 127.0.0.1", "inet_interfaces = all");
            std::fs::write(copy.path().join("main.cf"), main).unwrap();
        }
        outcome.lint_note = format!("a copy naming {lint_name} (Postfix ran {live_name})");
        outcome.postlint = tls::postlint(copy.path(), case.rule());
    } else if case.kind == Kind::NoCert {
        // Judged on a system image only: a sysroot copy with etc/passwd.
        let root = tempfile::Builder::new()
            .prefix("postlint-tls-sysroot-")
            .tempdir()
            .unwrap();
        common::copy_tree(&conf, &root.path().join("etc/postfix"));
        std::fs::write(
            root.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\n",
        )
        .unwrap();
        outcome.lint_note =
            format!("a system image (--sysroot) of the configuration ({live_name})");
        // The run's certificate is made to expire in days: only the finding about a missing
        // certificate is this case's.
        outcome.postlint = tls::postlint_sysroot(root.path(), case.rule()).map(|mut lint| {
            lint.findings
                .retain(|f| f.message.contains("no certificate is configured"));
            lint
        });
    } else {
        outcome.lint_note = format!("the live configuration ({live_name})");
        outcome.postlint = tls::postlint(&conf, case.rule());
    }
    if matches!(case.kind, Kind::PlaintextAuth | Kind::MandatoryMx) {
        outcome.postlint_loopback = Some(tls::postlint(&conf, case.rule()));
    }
    drop(dovecot);
    drop(relay);
    outcome.seconds = begun.elapsed().as_secs_f64();
    outcome
}

fn mechanisms(list: &Option<Vec<String>>) -> String {
    match list {
        Some(m) => format!("AUTH {}", m.join(" ")),
        None => "no AUTH".to_string(),
    }
}

fn offers_plaintext(list: &Option<Vec<String>>) -> bool {
    list.as_ref().is_some_and(|m| {
        m.iter()
            .any(|m| m.eq_ignore_ascii_case("PLAIN") || m.eq_ignore_ascii_case("LOGIN"))
    })
}

fn observe_auth(
    outcome: &mut Outcome,
    port: u16,
    scratch: &Scratch,
    syslog_name: &str,
    dovecot: &FakeDovecot,
) {
    let addr = format!("127.0.0.1:{port}");
    let input = "EHLO client.test\nQUIT\n";
    // A wrappermode port waits for a ClientHello: no banner within a second.
    let plain = match plain_ehlo(port, scratch, syslog_name, Duration::from_secs(1)) {
        Ok(p) => p,
        Err(e) => {
            outcome.unexpected.push(e);
            return;
        }
    };
    let (before, after);
    // A client the client list rejects as it connects (smtpd_delay_reject = no) is greeted
    // with the rejection and gets 503 for EHLO: it is never offered AUTH, by design.
    let mut refused = false;
    match plain {
        Some((mut client, banner, ehlo)) => {
            refused = !banner.starts_with("220");
            let starttls = ehlo.iter().any(|l| l.ends_with("STARTTLS"));
            before = tls::auth_mechanisms(ehlo.iter().map(String::as_str));
            outcome.observed.push(format!(
                "plaintext banner `{banner}`; EHLO before TLS: {}, {}",
                mechanisms(&before),
                if starttls { "STARTTLS" } else { "no STARTTLS" }
            ));
            if offers_plaintext(&before) {
                let requests_before = dovecot.requests().len();
                match client.command(&format!("AUTH PLAIN {PLAIN_ALICE}")) {
                    Ok(reply) => {
                        let sent: Vec<String> = dovecot
                            .requests()
                            .into_iter()
                            .skip(requests_before)
                            .collect();
                        let secured = sent.iter().any(|r| r.split('\t').any(|f| f == "secured"));
                        outcome.observed.push(format!(
                            "AUTH PLAIN before TLS: `{}`; the auth server got {} request(s){}",
                            reply.last(),
                            sent.len(),
                            if secured {
                                ", marked secured"
                            } else {
                                ", not marked secured"
                            }
                        ));
                        if reply.code != 235 || sent.is_empty() || secured {
                            outcome.unexpected.push(
                                "AUTH PLAIN was offered in clear but did not authenticate in clear"
                                    .into(),
                            );
                        }
                    }
                    Err(e) => outcome.unexpected.push(format!("AUTH PLAIN: {e}")),
                }
            }
            let _ = client.command("QUIT");
            if starttls {
                let s = tls::s_client(&addr, true, &["-quiet"], input);
                after = s.auth_mechanisms();
                outcome
                    .observed
                    .push(format!("EHLO after STARTTLS: {}", mechanisms(&after)));
                if s.stdout.trim().is_empty() {
                    outcome
                        .unexpected
                        .push(format!("STARTTLS session failed: {}", s.stderr.trim()));
                }
            } else {
                after = None;
            }
        }
        None => {
            before = None;
            let s = tls::s_client(&addr, false, &["-quiet"], input);
            let banner = s.stdout.lines().next().unwrap_or("").to_string();
            after = s.auth_mechanisms();
            outcome.observed.push(format!(
                "no plaintext banner within 1 s; TLS from the first byte: banner `{banner}`, EHLO {}",
                mechanisms(&after)
            ));
            if !banner.starts_with("220 ") {
                outcome
                    .unexpected
                    .push(format!("no banner over TLS either: {}", s.stderr.trim()));
            }
        }
    }
    if before.is_none() && after.is_none() && !refused {
        outcome.unexpected.push(format!(
            "smtpd never offered AUTH (fake Dovecot connections: {}): SASL does not work here",
            dovecot.connections()
        ));
    }
    outcome.problem = Some(offers_plaintext(&before));
}

/// What a STARTTLS client of the submission port meets: the problem is a connection on which
/// smtpd says nothing (it waits for a TLS handshake), where the client waits for `220`.
fn observe_starttls_port(outcome: &mut Outcome, port: u16) {
    let Some(first) = first_bytes(outcome, port) else {
        return;
    };
    outcome.observed.push(format!(
        "a client that waits for the greeting gets: {}",
        shown_first(&first)
    ));
    if first.is_empty() {
        // Wrapper mode, not a server that is just slow: TLS from the first byte works.
        let s = tls::s_client(&format!("127.0.0.1:{port}"), false, &["-ign_eof"], "QUIT\n");
        outcome
            .observed
            .push(format!("TLS client from the first byte: {}", s.summary()));
        if !s.handshake_ok() {
            outcome
                .unexpected
                .push("no greeting, and no TLS handshake either".to_string());
        }
        outcome.problem = Some(true);
    } else if first.starts_with("220 ") {
        outcome.problem = Some(false);
    } else {
        outcome
            .unexpected
            .push("neither a greeting nor silence".to_string());
    }
}

/// What a plain client that connects to `port` gets within a second, before it says anything;
/// None (noted as unexpected) when it cannot connect.
fn first_bytes(outcome: &mut Outcome, port: u16) -> Option<String> {
    match tls::first_bytes(port, Duration::from_secs(1)) {
        Ok(f) => Some(f),
        Err(e) => {
            outcome
                .unexpected
                .push(format!("connect to port {port}: {e}"));
            None
        }
    }
}

/// [`first_bytes`] as the observations show it.
fn shown_first(first: &str) -> String {
    match first.is_empty() {
        true => "nothing within 1 s".to_string(),
        false => format!("`{first}`"),
    }
}

fn observe_wrapper(outcome: &mut Outcome, case: &Case, port: u16) {
    let Some(first) = first_bytes(outcome, port) else {
        return;
    };
    let s = tls::s_client(&format!("127.0.0.1:{port}"), false, &["-ign_eof"], "QUIT\n");
    let tls_banner = s
        .stdout
        .lines()
        .find(|l| l.starts_with("220 "))
        .unwrap_or("");
    outcome.observed.push(format!(
        "plain connect: {}; TLS client from the first byte: {}{}",
        shown_first(&first),
        s.summary(),
        if tls_banner.is_empty() {
            String::new()
        } else {
            format!(", banner `{tls_banner}`")
        }
    ));
    let tls_works = s.handshake_ok() && !tls_banner.is_empty();
    let problem = !tls_works && first.starts_with("220 ");
    if !tls_works && !problem {
        outcome
            .unexpected
            .push("neither TLS nor a plaintext banner".to_string());
    }
    if !case.problem && !first.is_empty() {
        outcome
            .unexpected
            .push("a wrappermode port sent something before the handshake".to_string());
    }
    outcome.problem = Some(problem);
}

fn observe_protocols(
    outcome: &mut Outcome,
    versions: Versions,
    port: u16,
    scratch: &Scratch,
    syslog_name: &str,
) {
    let addr = format!("127.0.0.1:{port}");
    // Whether EHLO lists STARTTLS, and smtpd's answer to it (then the connection is dropped).
    let (listed, answer) = match plain_ehlo(port, scratch, syslog_name, TIMEOUT) {
        Ok(Some((mut client, _, ehlo))) => {
            let listed = ehlo.iter().any(|l| l.ends_with("STARTTLS"));
            match client.command("STARTTLS") {
                Ok(reply) => (listed, reply),
                Err(e) => {
                    outcome.unexpected.push(format!("STARTTLS: {e}"));
                    return;
                }
            }
        }
        Ok(None) => {
            outcome.unexpected.push("no banner".into());
            return;
        }
        Err(e) => {
            outcome.unexpected.push(e);
            return;
        }
    };
    let run = |flag: &str, seclevel0: bool| -> SClient {
        let mut args = vec![flag, "-ign_eof"];
        if seclevel0 {
            args.extend(["-cipher", "DEFAULT@SECLEVEL=0"]);
        }
        tls::s_client(&addr, true, &args, "QUIT\n")
    };
    let tls10 = run("-tls1", false);
    let tls10_0 = run("-tls1", true);
    let tls11 = run("-tls1_1", false);
    let tls11_0 = run("-tls1_1", true);
    let tls12 = run("-tls1_2", false);
    let tls13 = run("-tls1_3", false);
    outcome.observed.push(format!(
        "EHLO: {}; STARTTLS: `{}`",
        if listed {
            "STARTTLS listed"
        } else {
            "no STARTTLS"
        },
        answer.last()
    ));
    let starttls = listed && answer.code == 220;
    for (label, s) in [
        ("TLS 1.0", &tls10),
        ("TLS 1.0 @SECLEVEL=0", &tls10_0),
        ("TLS 1.1", &tls11),
        ("TLS 1.1 @SECLEVEL=0", &tls11_0),
        ("TLS 1.2", &tls12),
        ("TLS 1.3", &tls13),
    ] {
        outcome.observed.push(format!("{label}: {}", s.summary()));
    }
    let modern = (tls12.handshake_ok(), tls13.handshake_ok());
    let old = (tls10_0.handshake_ok(), tls11_0.handshake_ok());
    let expected = match versions {
        Versions::Modern => starttls && modern == (true, true),
        Versions::Only10 => starttls && modern == (false, false) && old == (true, false),
        Versions::Upto11 => starttls && modern == (false, false) && old == (true, true),
        Versions::No12 => starttls && modern == (false, true) && old == (true, true),
        Versions::NoTls => {
            listed && answer.code == 454 && modern == (false, false) && old == (false, false)
        }
        Versions::Off => !listed && answer.code != 220,
    };
    if !expected {
        outcome
            .unexpected
            .push(format!("the case expects {versions:?} handshakes"));
    }
    // A client that has TLS 1.2 and not 1.3 (many mail servers still) cannot complete a
    // handshake, unless the list is a deliberate TLS 1.3 alone (no older version either).
    // Where smtpd offers no STARTTLS, no protocol list is in use: no problem of this rule.
    outcome.problem = Some(listed && !modern.0 && (!modern.1 || old.0 || old.1));
}

/// What `posttls-finger -p LIST` establishes with the case's smtpd (which allows TLS 1.0 to
/// 1.3), at Postfix's default ciphers and with them lowered to `@SECLEVEL=0` (where TLS 1.0
/// completes too, so that the version the client offers shows).
fn observe_client_protocols(outcome: &mut Outcome, list: &str, port: u16, scratch: &Scratch) {
    let finger = |lowered: bool| -> Result<String, String> {
        let mut cmd = std::process::Command::new("timeout");
        cmd.args(["20", "posttls-finger", "-c", "-l", "may", "-p", list]);
        if lowered {
            cmd.args(["-o", "tls_medium_cipherlist=DEFAULT@SECLEVEL=0"]);
        }
        cmd.arg(format!("[127.0.0.1]:{port}"));
        cmd.env("MAIL_CONFIG", scratch.conf());
        let out = cmd
            .output()
            .map_err(|e| format!("could not run posttls-finger: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        // "posttls-finger: Anonymous TLS connection established to 127.0.0.1[...]:PORT:
        // TLSv1.3 with cipher ..."
        Ok(text
            .lines()
            .find_map(|l| {
                let (_, rest) = l.split_once("TLS connection established to ")?;
                rest.split(": ")
                    .nth(1)?
                    .split_whitespace()
                    .next()
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "no TLS connection".to_string()))
    };
    let (default, lowered) = match (finger(false), finger(true)) {
        (Ok(d), Ok(l)) => (d, l),
        (Err(e), _) | (_, Err(e)) => {
            outcome.unexpected.push(e);
            return;
        }
    };
    outcome.observed.push(format!(
        "posttls-finger -p '{list}': {default}; with ciphers at SECLEVEL=0: {lowered}"
    ));
    let modern = |v: &str| matches!(v, "TLSv1.2" | "TLSv1.3");
    if modern(&default) != modern(&lowered) {
        outcome
            .unexpected
            .push("the version depends on the cipher level".into());
    }
    outcome.problem = Some(!modern(&lowered));
}

/// Sends smtpd one message from a mynetworks client, for rcpt@remote.example.
fn inject(port: u16, scratch: &Scratch, syslog_name: &str) -> Result<(), String> {
    let mut client = match plain_ehlo(port, scratch, syslog_name, TIMEOUT)? {
        Some((client, _, _)) => client,
        None => return Err("no banner".into()),
    };
    let mut send = || -> std::io::Result<u16> {
        client.command("MAIL FROM:<sender@example.com>")?;
        client.command("RCPT TO:<rcpt@remote.example>")?;
        client.command("DATA")?;
        let reply = client.command("Subject: oracle_tls\r\n\r\nhello\r\n.")?;
        let _ = client.command("QUIT");
        Ok(reply.code)
    };
    match send() {
        Ok(250) => Ok(()),
        Ok(_) | Err(_) => Err(format!(
            "Postfix did not take the message: {}",
            client.transcript.join(" | ")
        )),
    }
}

fn observe_relay(
    outcome: &mut Outcome,
    case: &Case,
    port: u16,
    scratch: &Scratch,
    syslog_name: &str,
    relay: &FakeRelay,
) {
    if let Err(e) = inject(port, scratch, syslog_name) {
        outcome.unexpected.push(e);
        return;
    }
    let waited = Instant::now();
    match relay.wait_for_delivery(DELIVERY_WAIT) {
        Some(session) => {
            outcome.observed.push(format!(
                "key `{}`: the relay got the message after {:.2} s, {}",
                table_key(case, relay.port),
                waited.elapsed().as_secs_f64(),
                match &session.auth {
                    Some(a) => format!("after AUTH {a}"),
                    None => "without AUTH".to_string(),
                }
            ));
            if session.auth.is_some() && session.auth.as_deref() != Some("PLAIN alice") {
                outcome
                    .unexpected
                    .push("AUTH with another user than the table's".into());
            }
            outcome.problem = Some(session.auth.is_none());
        }
        None => {
            outcome.unexpected.push(format!(
                "the message did not reach the fake relay within {} s (sessions: {:?})",
                DELIVERY_WAIT.as_secs(),
                relay.sessions()
            ));
        }
    }
}

/// What the fake relay saw of one session, for the observations.
fn session_summary(session: &RelaySession) -> String {
    let commands: Vec<String> = session
        .commands
        .iter()
        .map(|c| {
            // An AUTH line's initial response is the credentials: shown decoded below.
            let words: Vec<&str> = c.split_whitespace().collect();
            if words.len() > 2 && words[0].eq_ignore_ascii_case("AUTH") {
                format!("{} {} <response>", words[0], words[1])
            } else {
                c.clone()
            }
        })
        .collect();
    format!(
        "commands {}{}",
        commands.join(", "),
        match (&session.auth, &session.password) {
            (Some(auth), Some(password)) => {
                format!("; AUTH {auth}, password decoded by the relay: `{password}`")
            }
            (Some(auth), None) => format!("; AUTH {auth}, no password"),
            _ => String::new(),
        }
    )
}

/// relay-credentials-in-clear: one message through the relayhost, which offers AUTH and no
/// STARTTLS. The problem: the client sent AUTH (PLAIN or LOGIN) on that session, so the
/// relay (anyone on the path) decoded the password.
/// Sends one message through smtpd and waits until the fake relay has it, or the smtp
/// client deferred (or bounced) it: whichever comes first. None when it could not be sent.
fn relay_one(
    outcome: &mut Outcome,
    port: u16,
    scratch: &Scratch,
    syslog_name: &str,
    relay: &FakeRelay,
) -> Option<(Option<RelaySession>, Option<String>, f64)> {
    if let Err(e) = inject(port, scratch, syslog_name) {
        outcome.unexpected.push(e);
        return None;
    }
    let waited = Instant::now();
    let deadline = waited + DELIVERY_WAIT;
    let mut status = None;
    let delivered = loop {
        if let Some(session) = relay.sessions().into_iter().find(|s| s.delivered) {
            break Some(session);
        }
        status = tls::wait_for_log(
            &scratch.maillog(),
            &[" status=deferred", " status=bounced"],
            Duration::ZERO,
        );
        if status.is_some() || Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Some((delivered, status, waited.elapsed().as_secs_f64()))
}

/// tls-file-missing's TLS without a certificate: the reply to STARTTLS. The problem: `454
/// 4.7.0 TLS not available due to local problem` (smtpd found no certificate when it started);
/// else `220` (the test hangs up without the handshake).
fn observe_starttls(outcome: &mut Outcome, port: u16, scratch: &Scratch, syslog_name: &str) {
    let mut client = match plain_ehlo(port, scratch, syslog_name, TIMEOUT) {
        Ok(Some((client, _, _))) => client,
        Ok(None) => {
            outcome.unexpected.push("no banner".into());
            return;
        }
        Err(e) => {
            outcome.unexpected.push(e);
            return;
        }
    };
    let listed = client
        .transcript
        .iter()
        .any(|l| l.starts_with("S: 250") && l.ends_with("STARTTLS"));
    match client.command("STARTTLS") {
        Ok(reply) => {
            outcome.observed.push(format!(
                "EHLO {} STARTTLS; STARTTLS: `{}`",
                if listed { "lists" } else { "does not list" },
                reply.last()
            ));
            match reply.code {
                454 => outcome.problem = Some(true),
                220 => outcome.problem = Some(false),
                _ => outcome
                    .unexpected
                    .push("STARTTLS got neither 454 nor 220".into()),
            }
        }
        Err(e) => outcome.unexpected.push(format!("STARTTLS: {e}")),
    }
    for warning in tls::log_lines(&scratch.maillog(), "smtpd[")
        .into_iter()
        .filter(|l| l.contains("warning:") && l.contains("cert"))
    {
        outcome.observed.push(format!("smtpd log: `{warning}`"));
    }
}

/// tls-policy-invalid: one message relayed under the case's policy entry. The problem: the
/// smtp client refuses the policy, says why in a warning, and defers the message without
/// talking to the relay ("client TLS configuration problem"); else the relay gets it.
/// dane-without-dnssec: the problem is the smtp client's warning "dane configured with
/// dnssec lookups disabled" (then `dane` delivers as `may`, `dane-only` defers).
fn observe_policy(
    outcome: &mut Outcome,
    kind: Kind,
    port: u16,
    scratch: &Scratch,
    syslog_name: &str,
    relay: &FakeRelay,
) {
    let Some((delivered, status, seconds)) = relay_one(outcome, port, scratch, syslog_name, relay)
    else {
        return;
    };
    for warning in tls::log_lines(&scratch.maillog(), "/smtp[")
        .into_iter()
        .filter(|l| l.contains("warning:"))
    {
        outcome.observed.push(format!("smtp log: `{warning}`"));
    }
    if let Some(session) = &delivered {
        outcome.observed.push(format!(
            "the relay got the message after {seconds:.2} s; {}",
            session_summary(session)
        ));
    }
    if matches!(kind, Kind::DanePolicy | Kind::DaneLevel) {
        let warned = tls::log_lines(&scratch.maillog(), "/smtp[")
            .iter()
            .any(|l| l.contains("configured with dnssec lookups disabled"));
        if let Some(status) = &status {
            let shown = status.split_once("]: ").map_or(status.as_str(), |(_, s)| s);
            outcome
                .observed
                .push(format!("not delivered after {seconds:.2} s: `{shown}`"));
        }
        if delivered.is_none() && status.is_none() {
            outcome.unexpected.push(format!(
                "the message neither reached the fake relay nor was deferred within {} s",
                DELIVERY_WAIT.as_secs()
            ));
            return;
        }
        outcome.problem = Some(warned);
        return;
    }
    if delivered.is_some() {
        outcome.problem = Some(false);
        return;
    }
    let Some(status) = status else {
        outcome.unexpected.push(format!(
            "the message neither reached the fake relay nor was deferred within {} s",
            DELIVERY_WAIT.as_secs()
        ));
        return;
    };
    let shown = status.split_once("]: ").map_or(status.as_str(), |(_, s)| s);
    outcome
        .observed
        .push(format!("not delivered after {seconds:.2} s: `{shown}`"));
    if status.contains("TLS configuration problem") {
        outcome.problem = Some(true);
    } else if matches!(kind, Kind::TlsLevel | Kind::PerSite)
        && status.contains("TLS is required, but was not offered")
    {
        // The policy was taken: the client connected and asked for STARTTLS.
        outcome.problem = Some(false);
    } else {
        outcome
            .unexpected
            .push("the message was deferred for another reason than its TLS policy".into());
    }
}

fn observe_relay_clear(
    outcome: &mut Outcome,
    port: u16,
    scratch: &Scratch,
    syslog_name: &str,
    relay: &FakeRelay,
) {
    let Some((delivered, status, seconds)) = relay_one(outcome, port, scratch, syslog_name, relay)
    else {
        return;
    };
    if let Some(session) = delivered {
        outcome.observed.push(format!(
            "the relay got the message after {seconds:.2} s; {}",
            session_summary(&session)
        ));
        let sent_password = session.password.is_some();
        if sent_password && session.password.as_deref() != Some(PASSWORD) {
            outcome
                .unexpected
                .push("the relay decoded another password than the table's".into());
        }
        outcome.problem = Some(sent_password);
        return;
    }
    let Some(status) = status else {
        outcome.unexpected.push(format!(
            "the message neither reached the fake relay nor was deferred within {} s \
             (sessions: {:?})",
            DELIVERY_WAIT.as_secs(),
            relay.sessions()
        ));
        return;
    };
    outcome.observed.push(format!(
        "not delivered after {seconds:.2} s: `{}`",
        status.split_once("]: ").map_or(status.as_str(), |(_, s)| s)
    ));
    for warning in tls::log_lines(&scratch.maillog(), "/smtp[")
        .into_iter()
        .filter(|l| l.contains("warning:"))
    {
        outcome.observed.push(format!("smtp log: `{warning}`"));
    }
    // The session is recorded when the client closes it, which may follow the log line.
    let until = Instant::now() + Duration::from_secs(3);
    let mut sessions = relay.sessions();
    while sessions.is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
        sessions = relay.sessions();
    }
    if sessions.is_empty() {
        outcome
            .unexpected
            .push("the smtp client never talked to the fake relay".into());
        return;
    }
    for session in &sessions {
        outcome
            .observed
            .push(format!("relay session: {}", session_summary(session)));
    }
    outcome.problem = Some(sessions.iter().any(|s| s.password.is_some()));
}

/// The reply to `MAIL FROM` after `EHLO` over TLS (`openssl s_client -starttls smtp`).
fn mail_over_tls(port: u16) -> String {
    let s = tls::s_client(
        &format!("127.0.0.1:{port}"),
        true,
        &["-quiet"],
        "EHLO client.test\nMAIL FROM:<sender@example.com>\nQUIT\n",
    );
    // The EHLO reply ends with a `250 ` line; the next line answers MAIL.
    let lines: Vec<&str> = s.stdout.lines().map(|l| l.trim_end_matches('\r')).collect();
    lines
        .iter()
        .position(|l| l.starts_with("250 "))
        .and_then(|i| lines.get(i + 1))
        .map_or_else(|| format!("no reply ({})", s.summary()), |l| l.to_string())
}

/// mandatory-tls-on-mx, orphan-override: does the service on `port` answer a plaintext
/// client's `MAIL FROM` with `530 5.7.0 Must issue a STARTTLS command first` (the problem),
/// or with 250? After a 530 the same MAIL over STARTTLS must get 250 (TLS was what it
/// wanted). A submission-style service on `submission` must give the 530.
fn observe_mail_tls(
    outcome: &mut Outcome,
    label: &str,
    port: u16,
    submission: Option<u16>,
    scratch: &Scratch,
) {
    let mut mail_reply = |port: u16, label: &str| -> Option<u16> {
        let syslog_name = format!("postfix/s{port}");
        let mut client = match plain_ehlo(port, scratch, &syslog_name, TIMEOUT) {
            Ok(Some((client, _, _))) => client,
            Ok(None) => {
                outcome.unexpected.push(format!("{label}: no banner"));
                return None;
            }
            Err(e) => {
                outcome.unexpected.push(format!("{label}: {e}"));
                return None;
            }
        };
        let starttls = client
            .transcript
            .iter()
            .any(|l| l.starts_with("S: 250") && l.ends_with("STARTTLS"));
        let reply = match client.command("MAIL FROM:<sender@example.com>") {
            Ok(r) => r,
            Err(e) => {
                outcome.unexpected.push(format!("{label}: MAIL: {e}"));
                return None;
            }
        };
        let _ = client.command("QUIT");
        let mut line = format!(
            "{label}: EHLO {}; plaintext MAIL FROM: `{}`",
            if starttls {
                "lists STARTTLS"
            } else {
                "lists no STARTTLS"
            },
            reply.last()
        );
        if reply.code == 530 {
            let over_tls = mail_over_tls(port);
            write!(line, "; MAIL FROM after STARTTLS: `{over_tls}`").unwrap();
            if !over_tls.starts_with("250") {
                outcome
                    .unexpected
                    .push(format!("{label}: MAIL over TLS was not accepted either"));
            }
        } else if reply.code != 250 {
            outcome
                .unexpected
                .push(format!("{label}: MAIL got neither 250 nor 530"));
        }
        outcome.observed.push(line);
        Some(reply.code)
    };
    let main = mail_reply(port, label);
    if let Some(sub) = submission {
        if mail_reply(sub, "submission stand-in") != Some(530) {
            outcome
                .unexpected
                .push("the submission-style service did not require TLS".into());
        }
    }
    if let Some(code) = main {
        outcome.problem = Some(code == 530);
    }
}

/// undefined-service: one message with `content_filter = smtp-amavis:[127.0.0.1]:RELAY`.
/// The problem: qmgr logs `connect to transport private/smtp-amavis: No such file or
/// directory` and the message stays in the queue, never reaching the fake relay.
fn observe_undefined(
    outcome: &mut Outcome,
    port: u16,
    scratch: &Scratch,
    syslog_name: &str,
    relay: &FakeRelay,
) {
    if let Err(e) = inject(port, scratch, syslog_name) {
        outcome.unexpected.push(e);
        return;
    }
    let waited = Instant::now();
    let needle = format!("connect to transport private/{FILTER}");
    let deadline = waited + DELIVERY_WAIT;
    let (delivered, logged) = loop {
        let delivered = relay.sessions().into_iter().find(|s| s.delivered);
        let logged = tls::wait_for_log(&scratch.maillog(), &[&needle], Duration::ZERO);
        if delivered.is_some() || logged.is_some() || Instant::now() > deadline {
            break (delivered, logged);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = waited.elapsed().as_secs_f64();
    if let Some(session) = &delivered {
        outcome.observed.push(format!(
            "the filter transport delivered the message to the fake relay after {seconds:.2} s \
             ({})",
            session_summary(session)
        ));
    }
    if let Some(line) = &logged {
        outcome
            .observed
            .push(format!("after {seconds:.2} s: `{line}`"));
        // qmgr then defers the message; give it the moment it takes to say so.
        if let Some(deferred) = tls::wait_for_log(
            &scratch.maillog(),
            &[" status=deferred"],
            Duration::from_secs(3),
        ) {
            outcome.observed.push(format!("`{deferred}`"));
        }
        let queued = scratch.queue_leftovers();
        let listing = match tls::postqueue_list(&scratch.conf()) {
            Ok(text) => text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("-Queue ID-"))
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" | "),
            Err(e) => e,
        };
        outcome.observed.push(format!(
            "queue: {} file(s) ({}); postqueue -p: {listing}",
            queued.len(),
            queued
                .iter()
                .filter_map(|p| {
                    let dir = p.parent()?.file_name()?.to_string_lossy().into_owned();
                    Some(format!("{dir}/{}", p.file_name()?.to_string_lossy()))
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if queued.is_empty() {
            outcome
                .unexpected
                .push("the message is not in the queue".into());
        }
    }
    match (delivered.is_some(), logged.is_some()) {
        (true, false) => outcome.problem = Some(false),
        (false, true) => outcome.problem = Some(true),
        (true, true) => outcome
            .unexpected
            .push("delivered, yet the transport was missing".into()),
        (false, false) => outcome.unexpected.push(format!(
            "the message neither reached the fake relay nor was held for a missing transport \
             within {} s",
            DELIVERY_WAIT.as_secs()
        )),
    }
}

// ---------------------------------------------------------------------------------------------

fn describe(case: &Case, o: &Outcome) -> String {
    let mut out = String::new();
    writeln!(out, "[{}] {} ({:.1} s)", case.rule(), case.name, o.seconds).unwrap();
    for line in case.main.lines() {
        writeln!(out, "    main.cf: {line}").unwrap();
    }
    if let Some(s) = case.service {
        writeln!(out, "    master.cf service: {s}").unwrap();
    }
    for ov in case.overrides {
        writeln!(out, "    master.cf: -o {ov}").unwrap();
    }
    if matches!(case.kind, Kind::TlsPolicy | Kind::DanePolicy) {
        writeln!(out, "    tls_policy: [localhost]:PORT {}", case.key).unwrap();
    } else if case.kind == Kind::PerSite {
        writeln!(out, "    tls_per_site: localhost {}", case.key).unwrap();
    } else if !case.key.is_empty() {
        writeln!(out, "    sasl_passwd key: {}", case.key).unwrap();
    }
    for ov in case.submission {
        writeln!(out, "    master.cf submission-style service: -o {ov}").unwrap();
    }
    for line in case.master_extra.lines() {
        writeln!(out, "    master.cf, after the service: {line}").unwrap();
    }
    for (name, text) in case.files {
        for line in text.lines() {
            writeln!(out, "    {name}: {line}").unwrap();
        }
    }
    for line in &o.observed {
        writeln!(out, "  Postfix: {line}").unwrap();
    }
    writeln!(
        out,
        "  Postfix showed the problem: {}",
        match o.problem {
            Some(true) => "yes",
            Some(false) => "no",
            None => "(not observed)",
        }
    )
    .unwrap();
    for u in &o.unexpected {
        writeln!(out, "  UNEXPECTED: {u}").unwrap();
    }
    write_lint(
        &mut out,
        &format!("postlint on {}", o.lint_note),
        &o.postlint,
    );
    if let Some(loopback) = &o.postlint_loopback {
        write_lint(&mut out, "postlint on the loopback original", loopback);
    }
    out
}

fn write_lint(out: &mut String, label: &str, lint: &Result<Lint, String>) {
    match lint {
        Ok(lint) => {
            let undecided = if lint.undecided {
                " (could not decide the rule)"
            } else {
                ""
            };
            if lint.findings.is_empty() {
                writeln!(out, "  {label}: nothing{undecided}").unwrap();
            } else {
                writeln!(out, "  {label}:{undecided}").unwrap();
            }
            for f in &lint.findings {
                writeln!(out, "    {f}").unwrap();
            }
            for u in &lint.unknown {
                writeln!(out, "    unknown to postlint: {u}").unwrap();
            }
        }
        Err(e) => writeln!(out, "  {label}: {e}").unwrap(),
    }
}

/// postlint's disagreements with what Postfix showed, for one case.
fn disagreements(case: &Case, o: &Outcome) -> Vec<String> {
    let mut out = Vec::new();
    let Some(problem) = o.problem else {
        return out;
    };
    match &o.postlint {
        Ok(lint) if lint.undecided => out.push(format!(
            "postlint could not decide {} (its silence would mean nothing)",
            case.rule()
        )),
        Ok(lint) => {
            let reported = lint.findings.iter().any(|f| f.rule == case.rule());
            if reported != problem {
                out.push(format!(
                    "postlint {} {} but Postfix {} the problem",
                    if reported {
                        "reports"
                    } else {
                        "does not report"
                    },
                    case.rule(),
                    if problem { "showed" } else { "did not show" }
                ));
            }
        }
        Err(e) => out.push(format!("postlint failed: {e}")),
    }
    match &o.postlint_loopback {
        Some(Ok(lint)) if lint.findings.iter().any(|f| f.rule == case.rule()) => out.push(format!(
            "postlint reports {} for a service that listens only on 127.0.0.1",
            case.rule()
        )),
        Some(Err(e)) => out.push(format!("postlint failed on the loopback original: {e}")),
        _ => {}
    }
    out
}

fn can_run() -> Result<(), String> {
    smtp::can_run_postfix()?;
    tls::openssl_available()
}

#[test]
fn postfix_decides_tls_and_sasl_rules() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(can_run()) {
        return;
    }
    let begun = Instant::now();
    let jobs = env_number("POSTLINT_TLS_ORACLE_JOBS", 3).max(1) as usize;
    let only = std::env::var("POSTLINT_TLS_ORACLE_ONLY").ok();
    let indexes: Vec<usize> = (0..CASES.len())
        .filter(|&i| only.as_deref().is_none_or(|o| CASES[i].name.contains(o)))
        .collect();
    assert!(
        !indexes.is_empty(),
        "POSTLINT_TLS_ORACLE_ONLY matches no case"
    );

    // The port 465 cases wait for each other; start them first so they overlap the rest.
    let mut order = indexes.clone();
    order.sort_by_key(|&i| CASES[i].kind != Kind::Wrappermode);
    let mut outcomes = on_threads(&order, jobs, |_, &index| run_case(index, &CASES[index]))
        .unwrap_or_else(|e| panic!("the harness failed (not a disagreement): {e}"));
    outcomes.sort_by_key(|o| o.index);

    let mut report = String::new();
    let mut postfix_failures = Vec::new();
    let mut postlint_failures = Vec::new();
    for o in &outcomes {
        let case = &CASES[o.index];
        let text = describe(case, o);
        report.push_str(&text);
        let disagree = disagreements(case, o);
        for d in &disagree {
            writeln!(report, "  DISAGREEMENT: {d}").unwrap();
        }
        report.push('\n');
        if !o.unexpected.is_empty() || o.problem.is_none() {
            postfix_failures.push(format!("{text}  maillog tail:\n{}", o.maillog_tail));
        }
        if !disagree.is_empty() {
            postlint_failures.push(format!(
                "{text}{}",
                disagree
                    .iter()
                    .map(|d| format!("  DISAGREEMENT: {d}\n"))
                    .collect::<String>()
            ));
        }
    }
    smtp::conclude(
        "oracle_tls",
        &report,
        &format!(
            "{} cases in {:.1} s ({jobs} at once)",
            outcomes.len(),
            begun.elapsed().as_secs_f64()
        ),
        &postfix_failures,
        &postlint_failures,
    );
}

/// The helpers that need no Postfix: base64 as SASL PLAIN uses it, the s_client readers.
#[test]
fn helpers_read_what_they_should() {
    assert_eq!(tls::base64_encode(b"\0alice\0secret"), PLAIN_ALICE);
    assert_eq!(tls::plain_user(PLAIN_ALICE), "alice");
    assert_eq!(tls::plain_password(PLAIN_ALICE).as_deref(), Some(PASSWORD));
    for text in ["", "a", "ab", "abc", "abcd"] {
        let encoded = tls::base64_encode(text.as_bytes());
        assert_eq!(
            tls::base64_decode(&encoded).as_deref(),
            Some(text.as_bytes())
        );
    }
    let lines = ["250-mx", "250-AUTH PLAIN LOGIN", "250 CHUNKING"];
    assert_eq!(
        tls::auth_mechanisms(lines.into_iter()),
        Some(vec!["PLAIN".to_string(), "LOGIN".to_string()])
    );
    assert_eq!(tls::auth_mechanisms(["250 mx"].into_iter()), None);
    let ok = SClient {
        args: vec![],
        status: Some(0),
        stdout: "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384\n".into(),
        stderr: String::new(),
    };
    assert!(ok.handshake_ok());
    assert_eq!(ok.protocol().as_deref(), Some("TLSv1.3"));
    let failed = SClient {
        args: vec![],
        status: Some(1),
        stdout: "New, (NONE), Cipher is (NONE)\n".into(),
        stderr: "40C7:error:0A000102:SSL routines:tls_process_server_hello:unsupported protocol:../ssl/x.c:1:\n"
            .into(),
    };
    assert!(!failed.handshake_ok());
    assert_eq!(failed.summary(), "failed (unsupported protocol, exit 1)");
}

/// open-relay's `permit_tls_all_clientcerts`: smtpd relays for a client whose certificate a CA
/// of its trust list signed, when it asks for certificates (smtpd_tls_ask_ccert = yes), and
/// not without one or when it does not ask. postlint reports it when that list holds the
/// public CAs (here tls_append_default_CA = yes adds OpenSSL's default CAs to the setup's
/// CA file: a certificate any of them sold relays), and stays silent when smtpd does not ask
/// or the list is the setup's own CA file alone (what the feature is for).
#[test]
fn permit_tls_all_clientcerts_relays_for_certificates_the_trusted_cas_signed() {
    if !common::postfix_available() {
        return;
    }
    if !common::runs_or_says_skipped(can_run()) {
        return;
    }
    // (settings, whether smtpd relays for the certificate, whether postlint reports it)
    let cases: [(&str, bool, bool); 3] = [
        (
            "smtpd_tls_ask_ccert = yes\ntls_append_default_CA = yes\n",
            true,
            true,
        ),
        (
            "smtpd_tls_ask_ccert = no\ntls_append_default_CA = yes\n",
            false,
            false,
        ),
        (
            "smtpd_tls_ask_ccert = yes\ntls_append_default_CA = no\n",
            true,
            false,
        ),
    ];
    let port = first_port() + 900;
    let mut failures = Vec::new();
    for (i, (settings, relays, reported)) in cases.into_iter().enumerate() {
        let port = port + i as u16;
        let scratch = Scratch::new_in(Path::new("/tmp"), "postlint-ccert-");
        let conf = scratch.conf();
        tls::self_signed(&conf).unwrap();
        common::ca_signed(
            &conf,
            "client",
            "/CN=client.example",
            "extendedKeyUsage = clientAuth\n",
        )
        .unwrap();
        let main = format!(
            "{}compatibility_level = 3.6\n\
             alias_maps =\n\
             alias_database =\n\
             mynetworks = 127.0.0.0/8\n\
             smtpd_tls_cert_file = ${{config_directory}}/cert.pem\n\
             smtpd_tls_key_file = ${{config_directory}}/key.pem\n\
             smtpd_tls_security_level = may\n\
             smtpd_tls_CAfile = ${{config_directory}}/ca.pem\n\
             smtpd_relay_restrictions = permit_tls_all_clientcerts, reject_unauth_destination\n\
             {settings}",
            scratch.infrastructure(MYHOSTNAME)
        );
        std::fs::write(conf.join("main.cf"), main).unwrap();
        let mut master = smtp::base_master_cf();
        master.push_str(&service_entry(&format!("127.0.0.1:{port}"), port, &[]));
        std::fs::write(conf.join("master.cf"), master).unwrap();
        common::backdate(&conf);
        let mut postfix = Postfix::start(&conf, &scratch.queue(), &scratch.maillog())
            .unwrap_or_else(|e| panic!("{settings}: Postfix did not start: {e}"));
        // The outsider (127.0.0.1 is in mynetworks, which the list does not ask), with and
        // without the certificate.
        let rcpt = |cert: bool| {
            let conf_dir = conf.display().to_string();
            let (c, k) = (
                format!("{conf_dir}/client.pem"),
                format!("{conf_dir}/client.key"),
            );
            let mut args = vec!["-quiet"];
            if cert {
                args.extend(["-cert", c.as_str(), "-key", k.as_str()]);
            }
            let out = tls::s_client(
                &format!("127.0.0.1:{port}"),
                true,
                &args,
                "EHLO client.example\nMAIL FROM:<someone@sender.example>\n\
                 RCPT TO:<someone@elsewhere.example>\nQUIT\n",
            );
            out.stdout
                .lines()
                .rev()
                .find(|l| l.starts_with("250 2.1.5") || l.starts_with("554 5.7.1"))
                .map(str::to_string)
                .unwrap_or_else(|| format!("no RCPT reply: {}{}", out.stdout, out.stderr))
        };
        let with = rcpt(true);
        let without = rcpt(false);
        postfix.stop();
        let trusted = tls::log_lines(&scratch.maillog(), "Trusted TLS connection");
        if with.starts_with("250") != relays || !without.starts_with("554") {
            failures.push(format!(
                "{settings}: with the certificate `{with}`, without `{without}` (expected {} \
                 and 554); log: {trusted:?}",
                if relays { "250" } else { "554" }
            ));
        }
        let found = smtp::postlint_findings(&conf, "open-relay");
        let named = found.iter().any(|d| {
            d["message"]
                .as_str()
                .unwrap_or_default()
                .contains("certificate from a public CA")
        });
        if named != reported || found.len() != usize::from(reported) {
            failures.push(format!("{settings}: postlint reports {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
