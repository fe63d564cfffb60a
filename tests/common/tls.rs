//! Helpers for the TLS and SASL oracle (tests/oracle_tls.rs): a throwaway certificate, a fake
//! Dovecot auth server for smtpd's `smtpd_sasl_type = dovecot`, a fake SMTP relay that records
//! what Postfix's smtp client sends it (AUTH above all), `openssl s_client` runs with a
//! deadline, and the postlint binary's JSON findings.
//!
//! Measured here (Postfix 3.7.11, OpenSSL 3.0, as root):
//! - smtpd connects to the auth socket as the postfix user, once per smtpd process, when it
//!   first needs the mechanism list (at the first EHLO), and keeps the connection. A relative
//!   `smtpd_sasl_path` (`private/auth`) is taken from the queue directory (smtpd's working
//!   directory); the socket must be writable by postfix (mode 0666 here).
//! - The handshake smtpd needs: `VERSION\t1\t<minor>`, at least one `MECH` line before `SPID`
//!   (else "Connected to wrong auth socket"), and `DONE`. smtpd filters the `MECH` lines by
//!   smtpd_sasl_security_options against their flags (`plaintext`, `dictionary`, ...): with
//!   `noplaintext`, PLAIN and LOGIN disappear from the AUTH line and CRAM-MD5 stays.
//! - smtpd's request: `AUTH\t<id>\t<mech>\tservice=smtp\tnologin\tlip=..\trip=..` with
//!   `\tsecured` once TLS is on, then `\tresp=<base64>` for an initial response; `OK\t<id>\tuser=X`
//!   makes it answer `235 2.7.0 Authentication successful`.
//! - An EC (P-256) key takes milliseconds to make; an RSA one a good part of a second.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Whether `openssl` (the command) runs.
pub fn openssl_available() -> Result<(), String> {
    match Command::new("openssl").arg("version").output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "openssl version failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) => Err(format!("openssl is not installed: {e}")),
    }
}

/// A self-signed certificate for CN=localhost and its key (P-256), as DIR/cert.pem and
/// DIR/key.pem. Made by each test run, never kept.
pub fn self_signed(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:prime256v1")
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("openssl req: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok((cert, key))
}

// ---------------------------------------------------------------------------------------------
// base64, for SASL PLAIN (no dependency for a dozen lines).

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.trim().bytes().filter(|&c| c != b'=') {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// The fields of a SASL PLAIN response (`authzid\0authcid\0password`), or None when it is not
/// base64.
pub fn plain_fields(response_b64: &str) -> Option<Vec<String>> {
    let bytes = base64_decode(response_b64)?;
    Some(
        bytes
            .split(|&b| b == 0)
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect(),
    )
}

/// The user name of a SASL PLAIN response, or what it was.
pub fn plain_user(response_b64: &str) -> String {
    match plain_fields(response_b64) {
        Some(fields) => fields
            .get(1)
            .cloned()
            .unwrap_or_else(|| format!("?{fields:?}")),
        None => format!("?not base64: {response_b64}"),
    }
}

/// The password of a SASL PLAIN response, as the server decodes it.
pub fn plain_password(response_b64: &str) -> Option<String> {
    plain_fields(response_b64)?.get(2).cloned()
}

fn decoded(text: &str) -> String {
    base64_decode(text)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|| format!("?not base64: {text}"))
}

// ---------------------------------------------------------------------------------------------
// A fake Dovecot auth server.

/// A Dovecot auth-client socket that offers PLAIN and LOGIN (flagged `plaintext`) and CRAM-MD5
/// (flagged `dictionary`), and says OK to every AUTH request. Stops when dropped.
pub struct FakeDovecot {
    pub path: PathBuf,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeDovecot {
    pub fn start(path: &Path) -> io::Result<FakeDovecot> {
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)?;
        use std::os::unix::fs::PermissionsExt;
        // smtpd connects as the postfix user.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, connections, requests) =
                (stop.clone(), connections.clone(), requests.clone());
            std::thread::spawn(move || {
                let mut sessions = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::SeqCst);
                            let (stop, requests) = (stop.clone(), requests.clone());
                            sessions.push(std::thread::spawn(move || {
                                let _ = dovecot_session(stream, &stop, &requests);
                            }));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(5))
                        }
                        Err(_) => break,
                    }
                }
                for s in sessions {
                    let _ = s.join();
                }
            })
        };
        Ok(FakeDovecot {
            path: path.to_path_buf(),
            stop,
            connections,
            requests,
            thread: Some(thread),
        })
    }

    /// How many times smtpd connected.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Every line smtpd sent after the handshake (`AUTH\t...`, `CONT\t...`), in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeDovecot {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn dovecot_session(
    stream: UnixStream,
    stop: &AtomicBool,
    requests: &Mutex<Vec<String>>,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_millis(50)))?;
    let mut writer = stream.try_clone()?;
    let cookie = "0123456789abcdef0123456789abcdef";
    write!(
        writer,
        "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\nMECH\tCRAM-MD5\tdictionary\n\
         SPID\t{}\nCUID\t1\nCOOKIE\t{cookie}\nDONE\n",
        std::process::id()
    )?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while !stop.load(Ordering::SeqCst) {
        match reader.read_line(&mut line) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                if !line.ends_with('\n') {
                    continue; // the rest comes with the next read
                }
                let text = line.trim_end().to_string();
                line.clear();
                let fields: Vec<&str> = text.split('\t').collect();
                let id = fields.get(1).copied().unwrap_or("0");
                match fields[0] {
                    "AUTH" => {
                        requests.lock().unwrap().push(text.clone());
                        match fields.iter().find_map(|f| f.strip_prefix("resp=")) {
                            Some(resp) => writeln!(writer, "OK\t{id}\tuser={}", plain_user(resp))?,
                            // PLAIN without an initial response: an empty challenge.
                            None => writeln!(writer, "CONT\t{id}\t")?,
                        }
                    }
                    "CONT" => {
                        requests.lock().unwrap().push(text.clone());
                        let resp = fields.get(2).copied().unwrap_or("");
                        writeln!(writer, "OK\t{id}\tuser={}", plain_user(resp))?;
                    }
                    _ => {} // VERSION, CPID
                }
            }
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut => {
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A fake SMTP relay.

/// One SMTP session the fake relay served.
#[derive(Clone, Debug, Default)]
pub struct RelaySession {
    /// Every command line the client sent (message lines left out).
    pub commands: Vec<String>,
    /// `PLAIN alice` / `LOGIN alice`: the mechanism and user name of an AUTH command.
    pub auth: Option<String>,
    /// The password of that AUTH, decoded from what the client sent (the relay has no TLS:
    /// these are the bytes anyone on the path reads).
    pub password: Option<String>,
    /// Whether a message was sent to the end (the `.` after DATA).
    pub delivered: bool,
}

/// A plaintext SMTP server on 127.0.0.1:PORT offering `AUTH PLAIN LOGIN` and no STARTTLS (what
/// a STARTTLS-stripping attacker shows the client: the EHLO reply without its STARTTLS line),
/// that accepts every AUTH, MAIL, RCPT and message and records the sessions (`STARTTLS`, not
/// offered, gets 502). Stops when dropped.
pub struct FakeRelay {
    pub port: u16,
    stop: Arc<AtomicBool>,
    sessions: Arc<Mutex<Vec<RelaySession>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeRelay {
    pub fn start(port: u16) -> io::Result<FakeRelay> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let sessions = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, sessions) = (stop.clone(), sessions.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let mut session = RelaySession::default();
                            let _ = relay_session(stream, &stop, &mut session);
                            sessions.lock().unwrap().push(session);
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(5))
                        }
                        Err(_) => break,
                    }
                }
            })
        };
        Ok(FakeRelay {
            port,
            stop,
            sessions,
            thread: Some(thread),
        })
    }

    pub fn sessions(&self) -> Vec<RelaySession> {
        self.sessions.lock().unwrap().clone()
    }

    /// Waits (at most `timeout`) for a session that delivered a message.
    pub fn wait_for_delivery(&self, timeout: Duration) -> Option<RelaySession> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.sessions().into_iter().find(|s| s.delivered) {
                return Some(s);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for FakeRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn relay_session(
    stream: TcpStream,
    stop: &AtomicBool,
    session: &mut RelaySession,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_millis(50)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    writer.write_all(b"220 relay.test ESMTP fake\r\n")?;
    let started = Instant::now();
    let mut line = String::new();
    let mut in_data = false;
    // Lines still to come of an AUTH exchange: (mechanism, step).
    let mut auth_step: Option<(&str, u8)> = None;
    let mut login_user = String::new();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(30) {
        match reader.read_line(&mut line) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                if !line.ends_with('\n') {
                    continue;
                }
                let text = line.trim_end_matches(['\r', '\n']).to_string();
                line.clear();
                if in_data {
                    if text == "." {
                        in_data = false;
                        session.delivered = true;
                        writer.write_all(b"250 2.0.0 queued\r\n")?;
                    }
                    continue;
                }
                session.commands.push(text.clone());
                if let Some((mech, step)) = auth_step.take() {
                    match (mech, step) {
                        ("PLAIN", _) => {
                            session.auth = Some(format!("PLAIN {}", plain_user(&text)));
                            session.password = plain_password(&text);
                            writer.write_all(b"235 2.7.0 ok\r\n")?;
                        }
                        (_, 0) => {
                            login_user = decoded(&text);
                            auth_step = Some(("LOGIN", 1));
                            writer.write_all(b"334 UGFzc3dvcmQ6\r\n")?;
                        }
                        _ => {
                            session.auth = Some(format!("LOGIN {login_user}"));
                            session.password = Some(decoded(&text));
                            writer.write_all(b"235 2.7.0 ok\r\n")?;
                        }
                    }
                    continue;
                }
                let upper = text.to_ascii_uppercase();
                let words: Vec<&str> = text.split_whitespace().collect();
                if upper.starts_with("EHLO") {
                    writer
                        .write_all(b"250-relay.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")?;
                } else if upper.starts_with("AUTH PLAIN") {
                    match words.get(2) {
                        Some(resp) => {
                            session.auth = Some(format!("PLAIN {}", plain_user(resp)));
                            session.password = plain_password(resp);
                            writer.write_all(b"235 2.7.0 ok\r\n")?;
                        }
                        None => {
                            auth_step = Some(("PLAIN", 0));
                            writer.write_all(b"334 \r\n")?;
                        }
                    }
                } else if upper.starts_with("AUTH LOGIN") {
                    match words.get(2) {
                        Some(user) => {
                            login_user = decoded(user);
                            auth_step = Some(("LOGIN", 1));
                            writer.write_all(b"334 UGFzc3dvcmQ6\r\n")?;
                        }
                        None => {
                            auth_step = Some(("LOGIN", 0));
                            writer.write_all(b"334 VXNlcm5hbWU6\r\n")?;
                        }
                    }
                } else if upper.starts_with("STARTTLS") {
                    writer.write_all(b"502 5.5.1 STARTTLS not offered\r\n")?;
                } else if upper.starts_with("AUTH") {
                    writer.write_all(b"504 5.5.4 unrecognized mechanism\r\n")?;
                } else if upper.starts_with("DATA") {
                    in_data = true;
                    writer.write_all(b"354 go ahead\r\n")?;
                } else if upper.starts_with("QUIT") {
                    writer.write_all(b"221 2.0.0 bye\r\n")?;
                    return Ok(());
                } else {
                    writer.write_all(b"250 2.0.0 ok\r\n")?;
                }
            }
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut => {
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Postfix's log and queue.

/// A maillog line from the program name on (`postfix/smtp[123]: ...`), without the time stamp
/// and host name.
fn without_stamp(line: &str) -> &str {
    line.find(" postfix").map_or(line, |i| &line[i + 1..])
}

/// The maillog lines (without time stamp and host) that contain `needle`.
pub fn log_lines(maillog: &Path, needle: &str) -> Vec<String> {
    std::fs::read_to_string(maillog)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(needle))
        .map(|l| without_stamp(l).to_string())
        .collect()
}

/// Waits (at most `timeout`) for a maillog line that contains one of `needles`.
pub fn wait_for_log(maillog: &Path, needles: &[&str], timeout: Duration) -> Option<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let text = std::fs::read_to_string(maillog).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| needles.iter().any(|n| l.contains(n))) {
            return Some(without_stamp(line).to_string());
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `postqueue -c CONF -p` (at most 10 s): the queue listing, as `mailq` prints it.
pub fn postqueue_list(conf: &Path) -> Result<String, String> {
    let out = Command::new("timeout")
        .args(["10", "/usr/sbin/postqueue", "-c"])
        .arg(conf)
        .arg("-p")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("postqueue: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "postqueue -p failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---------------------------------------------------------------------------------------------
// openssl s_client.

/// What one `openssl s_client` run printed.
#[derive(Clone, Debug)]
pub struct SClient {
    pub args: Vec<String>,
    /// The exit status (None: killed by `timeout`, or did not run).
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl SClient {
    /// The cipher of the session, when a handshake completed (`Cipher is X`, not `(NONE)`).
    pub fn cipher(&self) -> Option<&str> {
        let (_, rest) = self.stdout.split_once("Cipher is ")?;
        let cipher = rest.split_whitespace().next()?;
        (cipher != "(NONE)").then_some(cipher)
    }

    /// The negotiated protocol (`Protocol  : TLSv1.2` in the session block; TLS 1.3 sessions
    /// may show only `New, TLSv1.3, Cipher is ...`).
    pub fn protocol(&self) -> Option<String> {
        self.cipher()?;
        let from_session = self.stdout.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            (name.trim() == "Protocol").then(|| value.trim().to_string())
        });
        from_session.or_else(|| {
            let (_, rest) = self.stdout.split_once("New, ")?;
            rest.split(',').next().map(|v| v.trim().to_string())
        })
    }

    /// Whether a TLS handshake completed.
    pub fn handshake_ok(&self) -> bool {
        self.status == Some(0) && self.cipher().is_some()
    }

    /// `TLSv1.2 ECDHE-...` or why not: the OpenSSL reason (`unsupported protocol`, `wrong
    /// version number`, `alert protocol version`, ...).
    pub fn summary(&self) -> String {
        if self.handshake_ok() {
            return format!(
                "ok {} {}",
                self.protocol().unwrap_or_default(),
                self.cipher().unwrap_or_default()
            );
        }
        let all = format!("{}\n{}", self.stderr, self.stdout);
        let reason = all
            .lines()
            .filter(|l| l.contains(":error:"))
            .filter_map(|l| {
                // 80...:error:0A000102:SSL routines:func:unsupported protocol:file:line:
                let fields: Vec<&str> = l.split(':').collect();
                let i = fields.iter().position(|f| *f == "error")?;
                fields.get(i + 4).map(|s| s.to_string())
            })
            .next();
        let reason = reason.or_else(|| {
            [
                "no peer certificate",
                "didn't found starttls",
                "Connection refused",
            ]
            .iter()
            .find(|p| all.contains(**p))
            .map(|p| p.to_string())
        });
        match (self.status, reason) {
            (None, r) => format!(
                "failed (timed out or killed){}",
                r.map(|r| format!(": {r}")).unwrap_or_default()
            ),
            (Some(code), Some(r)) => format!("failed ({r}, exit {code})"),
            (Some(0), None) => "failed (no cipher)".to_string(),
            (Some(code), None) => format!("failed (exit {code})"),
        }
    }

    /// The mechanisms of an `AUTH` line the server sent over TLS (for quiet runs that send
    /// EHLO), or None when there was none.
    pub fn auth_mechanisms(&self) -> Option<Vec<String>> {
        auth_mechanisms(self.stdout.lines())
    }
}

/// The mechanisms of the first `250-AUTH`/`250 AUTH` line among `lines`.
pub fn auth_mechanisms<'a>(lines: impl Iterator<Item = &'a str>) -> Option<Vec<String>> {
    lines.map(|l| l.trim_end_matches('\r')).find_map(|l| {
        let rest = l.strip_prefix("250-").or_else(|| l.strip_prefix("250 "))?;
        let mechs = rest
            .strip_prefix("AUTH ")
            .or_else(|| rest.strip_prefix("AUTH="))?;
        Some(mechs.split_whitespace().map(str::to_string).collect())
    })
}

/// Runs `openssl s_client -connect ADDR [-starttls smtp] -crlf ARGS` with `input` on stdin,
/// under `timeout 15`. With `-quiet` (or `-ign_eof`) in ARGS, s_client keeps reading after its
/// stdin ends, until the server closes (input should end with QUIT).
pub fn s_client(addr: &str, starttls: bool, args: &[&str], input: &str) -> SClient {
    let mut all: Vec<String> = vec!["s_client".into(), "-connect".into(), addr.into()];
    if starttls {
        all.extend(["-starttls".into(), "smtp".into()]);
    }
    all.push("-crlf".into());
    all.extend(args.iter().map(|a| a.to_string()));
    let child = Command::new("timeout")
        .arg("15")
        .arg("openssl")
        .args(&all)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return SClient {
                args: all,
                status: None,
                stdout: String::new(),
                stderr: format!("could not run openssl: {e}"),
            }
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let out = child.wait_with_output();
    match out {
        Ok(out) => SClient {
            args: all,
            // timeout(1) exits 124 when it killed the command.
            status: out.status.code().filter(|&c| c != 124),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        Err(e) => SClient {
            args: all,
            status: None,
            stdout: String::new(),
            stderr: e.to_string(),
        },
    }
}

/// Connects to 127.0.0.1:PORT and reads for `wait`: what the server sent first, unprompted (a
/// plaintext `220` banner, or nothing when it waits for a TLS ClientHello).
pub fn first_bytes(port: u16, wait: Duration) -> io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_millis(50)))?;
    let deadline = Instant::now() + wait;
    let mut got = Vec::new();
    while Instant::now() < deadline && !got.ends_with(b"\n") {
        let mut chunk = [0u8; 512];
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut => {
            }
            Err(e) => return Err(e),
        }
    }
    Ok(String::from_utf8_lossy(&got).trim_end().to_string())
}

// ---------------------------------------------------------------------------------------------
// postlint, the binary.

/// One finding of `postlint --format json`.
#[derive(Clone, Debug)]
pub struct Reported {
    pub rule: String,
    pub path: String,
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = Path::new(&self.path)
            .file_name()
            .map_or(self.path.clone(), |n| n.to_string_lossy().into_owned());
        write!(f, "{file}:{}: [{}] {}", self.line, self.rule, self.message)
    }
}

/// What postlint said about one directory for one rule.
#[derive(Clone, Debug)]
pub struct Lint {
    pub findings: Vec<Reported>,
    /// postlint said it could not decide the rule, for lack of what it cannot see (a silence
    /// that means nothing).
    pub undecided: bool,
    /// What it could not read (`--verbose`'s `unknown:` lines).
    pub unknown: Vec<String>,
}

/// `postlint --no-config --postfix-version 3.7 --select RULE --format json --verbose DIR`: the
/// findings and whether the rule was decided, or why there is nothing to read (exit 2, or
/// output that is not the JSON document).
pub fn postlint(dir: &Path, rule: &str) -> Result<Lint, String> {
    postlint_as(&[dir.as_os_str()], rule)
}

/// [`postlint`] on a sysroot tree (`--sysroot ROOT`).
#[allow(dead_code)]
pub fn postlint_sysroot(root: &Path, rule: &str) -> Result<Lint, String> {
    postlint_as(&["--sysroot".as_ref(), root.as_os_str()], rule)
}

fn postlint_as(target: &[&std::ffi::OsStr], rule: &str) -> Result<Lint, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(["--no-config", "--postfix-version", "3.7", "--select", rule])
        .args(["--format", "json", "--verbose"])
        .args(target)
        .output()
        .map_err(|e| format!("postlint did not run: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !matches!(out.status.code(), Some(0) | Some(1)) {
        return Err(format!(
            "postlint exited with {}: {}",
            out.status,
            stderr.trim()
        ));
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "postlint printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr
        )
    })?;
    let diagnostics = doc["diagnostics"]
        .as_array()
        .ok_or_else(|| format!("no diagnostics array in {doc}"))?;
    let findings = diagnostics
        .iter()
        .map(|d| Reported {
            rule: d["rule"].as_str().unwrap_or("?").to_string(),
            path: d["path"].as_str().unwrap_or("?").to_string(),
            line: d["line"].as_u64().unwrap_or(0),
            message: d["message"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    let undecided = stderr
        .lines()
        .filter_map(|l| l.split_once("could not decide, for lack of what it cannot see: "))
        .any(|(_, rules)| rules.split(", ").any(|r| r.trim() == rule));
    let unknown = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("postlint: unknown: "))
        .map(str::to_string)
        .collect();
    Ok(Lint {
        findings,
        undecided,
        unknown,
    })
}
