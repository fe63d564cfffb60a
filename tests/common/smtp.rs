//! A whole Postfix on loopback, for oracle tests that talk SMTP to it: a scratch directory
//! (configuration, queue, data), master(8) run in the foreground as a child of the test, and an
//! SMTP client whose every read has a deadline.
//!
//! Measured here (Postfix 3.7.11, as root, 2 cores): `master -c CONF -w` returns, listening,
//! after about 20 ms (`postfix start` takes about 1.5 s, mostly postfix-script and `postfix
//! check`); SIGTERM to master ends it and its children in a few ms. master needs the queue's subdirectories
//! (`pid/` at least, or it exits 1 without a word); `postfix start` makes them through
//! post-install, this module makes them itself.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const MASTER: &str = "/usr/lib/postfix/sbin/master";
pub const MASTER_CF_DIST: &str = "/usr/share/postfix/master.cf.dist";

/// Whether this machine can run a private Postfix: the master program, its master.cf sample,
/// and root (master must start as root).
pub fn can_run_postfix() -> Result<(), String> {
    for path in [MASTER, MASTER_CF_DIST] {
        if !Path::new(path).exists() {
            return Err(format!("{path} is missing"));
        }
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("master must run as root".to_string());
    }
    Ok(())
}

/// A user's or group's numeric id from /etc/passwd or /etc/group.
fn numeric_id(file: &str, name: &str) -> u32 {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .find_map(|l| {
            let mut fields = l.split(':');
            (fields.next() == Some(name)).then(|| fields.nth(1).unwrap().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no {name} in {file}"))
}

/// A scratch Postfix directory: ROOT/conf (main.cf, master.cf, tables), ROOT/queue, ROOT/data,
/// ROOT/maillog. Removed when dropped unless kept.
pub struct Scratch {
    pub root: PathBuf,
    pub keep: bool,
}

impl Scratch {
    /// A new directory under `parent` (which the postfix user must be able to traverse).
    pub fn new_in(parent: &Path, prefix: &str) -> Scratch {
        let root = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(parent)
            .unwrap()
            .keep();
        let scratch = Scratch { root, keep: false };
        let postfix = numeric_id("/etc/passwd", "postfix");
        let postdrop = numeric_id("/etc/group", "postdrop");
        use std::os::unix::fs::{chown, PermissionsExt};
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        // The postfix user must traverse it (master.lock in data_directory).
        mode(&scratch.root, 0o755);
        std::fs::create_dir(scratch.conf()).unwrap();
        std::fs::create_dir(scratch.data()).unwrap();
        chown(scratch.data(), Some(postfix), None).unwrap();
        let queue = scratch.queue();
        std::fs::create_dir(&queue).unwrap();
        std::fs::create_dir(queue.join("pid")).unwrap();
        for dir in [
            "incoming", "active", "deferred", "defer", "bounce", "trace", "flush", "hold",
            "corrupt", "saved", "private",
        ] {
            let path = queue.join(dir);
            std::fs::create_dir(&path).unwrap();
            chown(&path, Some(postfix), None).unwrap();
            mode(&path, 0o700);
        }
        for (dir, m) in [("public", 0o710), ("maildrop", 0o730)] {
            let path = queue.join(dir);
            std::fs::create_dir(&path).unwrap();
            chown(&path, Some(postfix), Some(postdrop)).unwrap();
            mode(&path, m);
        }
        scratch
    }

    pub fn conf(&self) -> PathBuf {
        self.root.join("conf")
    }
    pub fn queue(&self) -> PathBuf {
        self.root.join("queue")
    }
    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }
    pub fn maillog(&self) -> PathBuf {
        self.root.join("maillog")
    }

    /// The main.cf lines that make a Postfix run here, on loopback only, logging to a file,
    /// accepting XCLIENT from anyone (smtpd checks XCLIENT's authorization again after each
    /// XCLIENT, against the address it just set). inet_protocols = all, not ipv4: with ipv4 only,
    /// smtpd answers `XCLIENT ADDR=IPV6:...` with `501 5.5.4 Bad ADDR syntax`. It still listens
    /// on 127.0.0.1 only, and mynetworks_style still gives 127.0.0.1/32 (host) or 127.0.0.0/8.
    pub fn infrastructure(&self, myhostname: &str) -> String {
        Scratch::infrastructure_of(&self.root, myhostname)
    }

    /// The same for a scratch directory at `root`.
    pub fn infrastructure_of(root: &Path, myhostname: &str) -> String {
        let r = root.display();
        format!(
            "queue_directory = {r}/queue\n\
             data_directory = {r}/data\n\
             myhostname = {myhostname}\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = all\n\
             smtpd_authorized_xclient_hosts = 0.0.0.0/0, [::]/0\n\
             maillog_file = {r}/maillog\n\
             maillog_file_prefixes = {r}\n"
        )
    }

    /// Files (other than subdirectories) left in the queue: there must be none.
    pub fn queue_leftovers(&self) -> Vec<PathBuf> {
        let mut left = Vec::new();
        for dir in [
            "incoming", "active", "deferred", "hold", "corrupt", "maildrop",
        ] {
            if let Ok(entries) = std::fs::read_dir(self.queue().join(dir)) {
                left.extend(entries.flatten().map(|e| e.path()));
            }
        }
        left
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// master.cf.dist without its `smtp inet` service and with chroot off everywhere (a chroot
/// would need copies of /etc files in the scratch queue), for smtpd services to be appended.
pub fn base_master_cf() -> String {
    let dist = std::fs::read_to_string(MASTER_CF_DIST).unwrap();
    let mut out = String::new();
    for line in dist.lines() {
        let starts_entry = line
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '#');
        let fields: Vec<&str> = line.split_whitespace().collect();
        if starts_entry && fields.len() >= 8 && fields[0] == "smtp" && fields[1] == "inet" {
            continue;
        }
        push_unchrooted(&mut out, line, starts_entry);
    }
    out
}

/// A master.cf line into `out`: an entry (`starts_entry`, 8 fields or more) with its chroot
/// field set to `n`, any other line as it is.
fn push_unchrooted(out: &mut String, line: &str, starts_entry: bool) {
    let mut fields: Vec<&str> = line.split_whitespace().collect();
    if starts_entry && fields.len() >= 8 {
        fields[4] = "n";
        out.push_str(&fields.join(" "));
    } else {
        out.push_str(line);
    }
    out.push('\n');
}

/// base_master_cf() with `entries` (master.cf text) added: a service `entries` defines
/// replaces Postfix's own of the same name and type, and every entry of `entries` runs
/// without chroot, as in base_master_cf().
pub fn master_cf_with(entries: &str) -> String {
    let starts_entry = |line: &str| {
        line.chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '#')
    };
    let key = |line: &str| -> Option<(String, String)> {
        let mut fields = line.split_whitespace();
        Some((fields.next()?.to_string(), fields.next()?.to_string()))
    };
    let defined: Vec<(String, String)> = entries
        .lines()
        .filter(|l| starts_entry(l))
        .filter_map(key)
        .collect();
    let mut out = String::new();
    let mut skipping = false;
    for line in base_master_cf().lines() {
        // An entry's continuation lines go with it.
        if starts_entry(line) {
            skipping = key(line).is_some_and(|k| defined.contains(&k));
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    for line in entries.lines() {
        push_unchrooted(&mut out, line, starts_entry(line));
    }
    out
}

/// Whether a process exists and is not a zombie.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `PID (comm) STATE ...`: the state follows the last `)`.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Waits (at most 10 s) until postlogd writes the maillog, when main.cf logs there. master
/// starts postlogd when the first line reaches the postlog socket, and postlogd sends its own
/// start-up lines to that socket until it has opened the file. A daemon that fills the socket
/// first (smtpd -v, whose lines come by the hundred) leaves it blocked in sendto(), and every
/// process that logs blocks behind it: smtpd never greets. Postfix 3.7 here did that in about
/// one run of oracle_dnsbl in twenty. master's "daemon started" line in the file says
/// postlogd is past that point.
fn wait_for_postlogd(conf: &Path, maillog: &Path) {
    let main_cf = std::fs::read_to_string(conf.join("main.cf")).unwrap_or_default();
    let logs_there = main_cf.lines().any(|l| {
        l.starts_with("maillog_file") && l.trim_end().ends_with(&*maillog.to_string_lossy())
    });
    if !logs_there {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(maillog).map_or(true, |m| m.len() == 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A running master(8), started with `-w`: the command returns once the daemon has opened its
/// service sockets (or failed), so no polling for the ports is needed (reading /proc/net/tcp
/// for them got slow: every test connection leaves a TIME_WAIT line there for a minute).
/// master then leads its own session and process group. Dropping it stops it: SIGTERM, which
/// master passes on to its process group, and SIGKILL to the group after 3 s.
pub struct Postfix {
    pid: i32,
    stopped: bool,
}

impl Postfix {
    /// Starts master on `conf` (queue directory `queue`), at most 10 s.
    pub fn start(conf: &Path, queue: &Path, maillog: &Path) -> Result<Postfix, String> {
        // master's complaints before its logging works (a port in use) go to stderr.
        let stderr_path = maillog.with_extension("stderr");
        let stderr = std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?;
        let mut child = Command::new(MASTER)
            .arg("-c")
            .arg(conf)
            .arg("-w")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("{MASTER}: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err("master -w did not return within 10 s".to_string());
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let pid = std::fs::read_to_string(queue.join("pid/master.pid"))
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok());
        match (status.success(), pid) {
            (true, Some(pid)) => {
                wait_for_postlogd(conf, maillog);
                Ok(Postfix {
                    pid,
                    stopped: false,
                })
            }
            (_, pid) => {
                if let Some(pid) = pid.filter(|&p| alive(p)) {
                    // SAFETY: the master we started, and its process group.
                    unsafe { libc::kill(-pid, libc::SIGKILL) };
                }
                let log = std::fs::read_to_string(maillog).unwrap_or_default();
                let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                Err(format!("master -w failed ({status}):\n{stderr}{log}"))
            }
        }
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// What a test that got no banner shows: whether master lives, the processes of its
    /// group (command and state, from /proc), and what master wrote to stderr.
    pub fn diagnosis(&self, maillog: &Path) -> String {
        let mut group = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // `PID (comm) STATE PPID PGRP ...`
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            if fields.get(2) == Some(&self.pid.to_string().as_str()) {
                // The system call it waits in, when it waits in one (number and arguments).
                let syscall =
                    std::fs::read_to_string(entry.path().join("syscall")).unwrap_or_default();
                group.push(format!(
                    "{}) {} in syscall {}",
                    head,
                    fields.first().unwrap_or(&"?"),
                    syscall
                        .split_whitespace()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
        }
        let stderr = std::fs::read_to_string(maillog.with_extension("stderr")).unwrap_or_default();
        let maillog_size = std::fs::metadata(maillog).map(|m| m.len());
        format!(
            "master {} alive: {}; its process group: [{}]; master's stderr: {:?}; maillog size: {:?}",
            self.pid,
            alive(self.pid),
            group.join(", "),
            stderr,
            maillog_size
        )
    }

    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let pid = self.pid;
        // SAFETY: signalling the master we started and the process group it leads.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(3);
        while alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        // master has sent SIGTERM to its group; anything still there goes now.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One SMTP reply: its code and lines (without CRLF).
#[derive(Clone, Debug)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// The last line, which carries the text that matters for a one-line reply.
    pub fn last(&self) -> &str {
        self.lines.last().map_or("", String::as_str)
    }
}

/// What happened when a client connected.
pub enum Greeting {
    Banner(Client, Reply),
    /// smtpd logged this `fatal:` line instead of greeting.
    Fatal(String),
}

/// An SMTP client connection; every read has a deadline.
pub struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
    pub timeout: Duration,
    /// Every line sent and received, for reports.
    pub transcript: Vec<String>,
}

/// `fatal:` lines of one syslog name (`postfix/s20001/smtpd[PID]: fatal: ...`) in a maillog.
pub fn fatal_line(maillog: &Path, syslog_name: &str) -> Option<String> {
    let log = std::fs::read_to_string(maillog).ok()?;
    let marker = format!(" {syslog_name}/smtpd[");
    log.lines()
        .find(|l| l.contains(&marker) && l.contains("]: fatal: "))
        .map(|l| l.split_once("]: ").map_or(l, |(_, rest)| rest).to_string())
}

impl Client {
    /// Connects to 127.0.0.1:port and reads the banner. While no banner comes, the maillog is
    /// watched for a `fatal:` line of `syslog_name` (a smtpd that cannot start never greets).
    pub fn connect(
        port: u16,
        maillog: &Path,
        syslog_name: &str,
        timeout: Duration,
    ) -> io::Result<Greeting> {
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(timeout))?;
        let mut client = Client {
            stream,
            buffer: Vec::new(),
            timeout,
            transcript: Vec::new(),
        };
        let deadline = Instant::now() + timeout;
        // Short reads while waiting, so that the maillog is checked often.
        client
            .stream
            .set_read_timeout(Some(Duration::from_millis(20)))?;
        loop {
            match client.try_reply()? {
                Some(reply) => {
                    client.stream.set_read_timeout(Some(timeout))?;
                    return Ok(Greeting::Banner(client, reply));
                }
                None => {
                    if let Some(line) = fatal_line(maillog, syslog_name) {
                        return Ok(Greeting::Fatal(line));
                    }
                    if Instant::now() > deadline {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "no banner and no fatal: line",
                        ));
                    }
                }
            }
        }
    }

    /// Reads until one whole reply is buffered; None when a short read timed out first.
    fn try_reply(&mut self) -> io::Result<Option<Reply>> {
        loop {
            if let Some(reply) = self.parse_reply() {
                return Ok(Some(reply));
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "connection closed by server",
                    ))
                }
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes one complete reply (all its lines) off the buffer.
    fn parse_reply(&mut self) -> Option<Reply> {
        let mut lines = Vec::new();
        let mut pos = 0;
        while let Some(end) = self.buffer[pos..].iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&self.buffer[pos..pos + end])
                .trim_end_matches('\r')
                .to_string();
            pos += end + 1;
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                let code = lines[0].get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
                self.buffer.drain(..pos);
                for l in &lines {
                    self.transcript.push(format!("S: {l}"));
                }
                return Some(Reply { code, lines });
            }
        }
        None
    }

    /// Reads one reply, failing after the client's timeout.
    pub fn reply(&mut self) -> io::Result<Reply> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(reply) = self.try_reply()? {
                return Ok(reply);
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no reply"));
            }
        }
    }

    /// Sends one command line and reads its reply.
    pub fn command(&mut self, line: &str) -> io::Result<Reply> {
        self.transcript.push(format!("C: {line}"));
        self.stream.write_all(format!("{line}\r\n").as_bytes())?;
        self.reply()
    }
}

/// Connects in plaintext and says EHLO: the banner, the EHLO lines, and the client.
pub fn plain_ehlo(
    port: u16,
    scratch: &Scratch,
    syslog_name: &str,
    wait: Duration,
) -> Result<Option<(Client, String, Vec<String>)>, String> {
    match Client::connect(port, &scratch.maillog(), syslog_name, wait) {
        Ok(Greeting::Banner(mut client, banner)) => {
            let ehlo = client
                .command("EHLO client.test")
                .map_err(|e| format!("EHLO: {e}"))?;
            Ok(Some((client, banner.last().to_string(), ehlo.lines)))
        }
        Ok(Greeting::Fatal(line)) => Err(format!("smtpd: {line}")),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Ok(None),
        Err(e) => Err(format!("connect: {e}")),
    }
}

/// xtext (RFC 3461), as XCLIENT wants its attribute values.
pub fn xtext(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if (33..=126).contains(&b) && b != b'+' && b != b'=' {
            out.push(b as char);
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

/// Sends one message from sender@example.com to every recipient in `rcpts`, over SMTP on
/// `port` as a mynetworks client; Err with the transcript when Postfix does not take it.
pub fn send_message(
    port: u16,
    scratch: &Scratch,
    rcpts: &[&str],
    subject: &str,
) -> Result<(), String> {
    let mut client =
        match Client::connect(port, &scratch.maillog(), "postfix", Duration::from_secs(10)) {
            Ok(Greeting::Banner(client, _)) => client,
            Ok(Greeting::Fatal(line)) => return Err(format!("smtpd: {line}")),
            Err(e) => return Err(format!("connect: {e}")),
        };
    let mut talk = || -> io::Result<u16> {
        client.command("EHLO client.test")?;
        client.command("MAIL FROM:<sender@example.com>")?;
        for rcpt in rcpts {
            let reply = client.command(&format!("RCPT TO:<{rcpt}>"))?;
            if reply.code != 250 {
                return Ok(reply.code);
            }
        }
        client.command("DATA")?;
        let reply = client.command(&format!("Subject: {subject}\r\n\r\nhello\r\n."))?;
        let _ = client.command("QUIT");
        Ok(reply.code)
    };
    match talk() {
        Ok(250) => Ok(()),
        other => Err(format!(
            "Postfix did not take the message for {} ({other:?}): {}",
            rcpts.join(", "),
            client.transcript.join(" | ")
        )),
    }
}

/// The end of a loopback oracle: writes the observations to `target/tmp/NAME-observations.txt`,
/// prints them and `summary`, and fails on any case where Postfix did not do what the case
/// expects (the harness, the environment or the case is wrong) or postlint disagrees with it.
pub fn conclude(
    name: &str,
    report: &str,
    summary: &str,
    postfix_failures: &[String],
    postlint_failures: &[String],
) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-observations.txt"));
    let _ = std::fs::write(&path, report);
    eprintln!("{report}");
    eprintln!("{name}: {summary}; observations in {}", path.display());
    assert!(
        postfix_failures.is_empty(),
        "{} case(s) where Postfix did not do what the case expects (a harness or environment \
         problem, or a wrong case):\n\n{}",
        postfix_failures.len(),
        postfix_failures.join("\n")
    );
    assert!(
        postlint_failures.is_empty(),
        "{} case(s) where postlint disagrees with Postfix:\n\n{}",
        postlint_failures.len(),
        postlint_failures.join("\n")
    );
}

/// The cases of a loopback oracle as they are judged, for [`conclude`]: what Postfix did in
/// each, and the cases where it did not do what the case expects or postlint disagrees.
#[derive(Default)]
pub struct Verdicts {
    report: String,
    cases: usize,
    postfix_failures: Vec<String>,
    postlint_failures: Vec<String>,
}

impl Verdicts {
    /// One case: its name, what Postfix did (a log line, a reply), whether that is what the
    /// case expects, whether it shows the problem the rule is about, and whether postlint
    /// reports the rule.
    pub fn judge(&mut self, case: &str, seen: &str, expected: bool, problem: bool, reported: bool) {
        self.cases += 1;
        self.report.push_str(&format!(
            "{case}\n  Postfix: {seen}\n  postlint reports it: {reported}\n"
        ));
        if !expected {
            self.postfix_failures
                .push(format!("{case}: unexpected: {seen}"));
        }
        if reported != problem {
            self.postlint_failures.push(format!(
                "{case}: postlint {}; Postfix: {seen}",
                if reported { "reports it" } else { "is silent" }
            ));
        }
    }

    /// [`conclude`] on the cases judged.
    pub fn conclude(self, name: &str) {
        conclude(
            name,
            &self.report,
            &format!("{} cases", self.cases),
            &self.postfix_failures,
            &self.postlint_failures,
        );
    }
}

/// What postlint's `rule` reports on `conf`, as its JSON output's diagnostics.
pub fn postlint_findings(conf: &Path, rule: &str) -> Vec<serde_json::Value> {
    postlint_findings_with(conf, rule, &[])
}

/// [`postlint_findings`] with more options (`--postfix-version 3.7`).
pub fn postlint_findings_with(conf: &Path, rule: &str, options: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_postlint"))
        .args(["--select", rule, "--format", "json"])
        .args(options)
        .arg(conf)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["diagnostics"].as_array().cloned().unwrap_or_default()
}

/// The lines of those findings, in order.
pub fn postlint_lines(conf: &Path, rule: &str) -> Vec<u64> {
    postlint_findings(conf, rule)
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect()
}

/// A client of the smtpd on `port`, past its banner; panics with the reason it has none.
pub fn client(port: u16, scratch: &Scratch) -> Client {
    match Client::connect(port, &scratch.maillog(), "postfix", Duration::from_secs(10)) {
        Ok(Greeting::Banner(client, _)) => client,
        Ok(Greeting::Fatal(line)) => panic!("smtpd: {line}"),
        Err(e) => panic!("connect: {e}"),
    }
}

/// Starts the Postfix whose configuration `scratch` holds, sends `commands` to
/// 127.0.0.1:`port` in one session, then QUIT, and stops Postfix: each command's reply code
/// (0: no reply within `timeout`) and the maillog. Panics when Postfix does not start or the
/// connection fails.
pub fn session(
    scratch: &Scratch,
    port: u16,
    commands: &[&str],
    timeout: Duration,
) -> (Vec<u16>, String) {
    let mut postfix = Postfix::start(&scratch.conf(), &scratch.queue(), &scratch.maillog())
        .unwrap_or_else(|e| panic!("Postfix did not start: {e}"));
    let mut client = match Client::connect(port, &scratch.maillog(), "postfix", timeout) {
        Ok(Greeting::Banner(client, _)) => client,
        Ok(Greeting::Fatal(line)) => panic!("fatal: {line}"),
        Err(e) => {
            let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            panic!(
                "connect: {e}; {}; the maillog ends:\n{}",
                postfix.diagnosis(&scratch.maillog()),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )
        }
    };
    let codes = commands
        .iter()
        .map(|line| client.command(line).map_or(0, |r| r.code))
        .collect();
    let _ = client.command("QUIT");
    // postlogd writes the maillog a moment after smtpd logs: wait (a few seconds at most)
    // for smtpd's last line of the session, so that a test never reads the log before its
    // reject is in it.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
        if log.contains("disconnect from") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    postfix.stop();
    let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
    (codes, log)
}

/// One RCPT TO:<`rcpt`> from the client `client_addr` (set with XCLIENT), to a Postfix on
/// 127.0.0.1:`port` whose main.cf is the scratch infrastructure, `compatibility_level = 3.6`,
/// no local_recipient_maps and `main_lines`: the RCPT reply code, the maillog, and the lines of
/// postlint's findings of `rule` on that configuration.
pub fn rcpt_from(
    port: u16,
    prefix: &str,
    main_lines: &str,
    client_addr: &str,
    rcpt: &str,
    rule: &str,
) -> (u16, String, Vec<u64>) {
    let scratch = Scratch::new_in(Path::new("/tmp"), prefix);
    let conf = scratch.conf();
    let mut main = scratch.infrastructure("mail.example.com");
    main.push_str("compatibility_level = 3.6\nlocal_recipient_maps =\n");
    main.push_str(main_lines);
    std::fs::write(conf.join("main.cf"), &main).unwrap();
    let mut master = base_master_cf();
    master.push_str(&format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
    std::fs::write(conf.join("master.cf"), master).unwrap();
    crate::common::backdate(&conf);
    let lines = postlint_lines(&conf, rule);
    let xclient = format!("XCLIENT ADDR={client_addr} NAME=[UNAVAILABLE]");
    let rcpt = format!("RCPT TO:<{rcpt}>");
    let commands = [
        "EHLO client.example",
        xclient.as_str(),
        "EHLO client.example",
        "MAIL FROM:<sender@client.example>",
        rcpt.as_str(),
    ];
    let (codes, log) = session(&scratch, port, &commands, Duration::from_secs(10));
    assert_eq!(codes[1], 220, "XCLIENT refused:\n{log}");
    (codes[4], log, lines)
}

/// Ends a session and waits (at most 10 s) until smtpd has logged its end, so that the
/// maillog holds everything the session logged; returns the maillog.
pub fn quit_and_read_log(mut client: Client, scratch: &Scratch) -> String {
    let _ = client.command("QUIT");
    drop(client);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(scratch.maillog()).unwrap_or_default();
        if log.contains("disconnect from") || Instant::now() > deadline {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends one message from `from` to `to` through the smtpd on `port` (EHLO, MAIL, RCPT, and
/// DATA when RCPT is taken); the RCPT reply's code (0: no reply).
#[allow(dead_code)]
pub fn send_one(port: u16, scratch: &Scratch, from: &str, to: &str, subject: &str) -> u16 {
    let mut client = client(port, scratch);
    let mut say = |line: &str| client.command(line).map_or(0, |r| r.code);
    say("EHLO client.test");
    say(&format!("MAIL FROM:<{from}>"));
    let rcpt = say(&format!("RCPT TO:<{to}>"));
    if rcpt == 250 {
        say("DATA");
        say(&format!("Subject: {subject}\r\n\r\nhello\r\n."));
    }
    say("QUIT");
    rcpt
}

/// The first maillog line `wanted` takes, waiting up to `seconds` for it.
#[allow(dead_code)]
pub fn wait_for_line(
    maillog: &Path,
    seconds: u64,
    wanted: impl Fn(&str) -> bool,
) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let found = std::fs::read_to_string(maillog)
            .unwrap_or_default()
            .lines()
            .find(|l| wanted(l))
            .map(str::to_string);
        if found.is_some() || Instant::now() >= deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
