//! OpenDKIM and OpenDMARC decide where `socket-outside-chroot` looks for a milter's socket in
//! a repository: postlint reads their configuration file (`milter_servers::unix_socket`) and
//! here each milter is started on the same file, and the UNIX socket it creates must be the
//! one postlint names. The cases are those the reader claims: the last `Socket` line wins,
//! keywords are read without case, `#` starts a comment after the value, `local:`, `unix:` and
//! a bare path are the same socket, and a last line on TCP leaves no UNIX socket.
//!
//! Needs opendkim and opendmarc (Debian's packages); without them it says "skipped", unless
//! POSTLINT_ORACLE=required.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use postlint::model::milter_servers::unix_socket;

mod common;

/// How a milter is started on a configuration file, and the lines it needs besides `Socket`.
struct Milter {
    program: &'static str,
    config_flag: &'static str,
    extra: &'static str,
}

const MILTERS: [Milter; 2] = [
    Milter {
        program: "opendkim",
        config_flag: "-x",
        // Verifying only: no key is needed.
        extra: "Mode v\n",
    },
    Milter {
        program: "opendmarc",
        config_flag: "-c",
        extra: "",
    },
];

/// Configuration texts, with `DIR` for the test's directory. Each is given to both milters.
const CASES: &[&str] = &[
    "Socket local:DIR/first.sock\nSocket local:DIR/second.sock\n",
    "socket local:DIR/lower.sock\nSOCKET\tunix:DIR/upper.sock\n",
    "Socket\t\tlocal:DIR/commented.sock # where postfix connects\n",
    "Socket DIR/bare.sock\n",
    "Socket local:DIR/unix.sock\nSocket inet:PORT@127.0.0.1\n",
    "Socket inet:PORT@127.0.0.1\nSocket local:DIR/after-inet.sock\n",
];

fn installed(program: &str) -> bool {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .any(|dir| Path::new(dir).join(program).is_file())
}

/// The UNIX sockets in `dir` once the milter has had time to listen (or none after 5 s).
fn sockets_made(dir: &Path, wait_for_one: bool) -> Vec<PathBuf> {
    use std::os::unix::fs::FileTypeExt;
    let started = Instant::now();
    loop {
        let found: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_socket()))
            .map(|e| e.path())
            .collect();
        let waited = started.elapsed();
        if (!found.is_empty() && wait_for_one) || waited > Duration::from_secs(5) {
            return found;
        }
        if !wait_for_one && waited > Duration::from_millis(1500) {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_milters_listen_where_postlint_reads_their_socket() {
    let missing: Vec<&str> = MILTERS
        .iter()
        .map(|m| m.program)
        .filter(|p| !installed(p))
        .collect();
    let ready = match missing.is_empty() {
        true => Ok(()),
        false => Err(format!("{} not installed", missing.join(" and "))),
    };
    if !common::runs_or_says_skipped(ready) {
        return;
    }
    let mut failures = Vec::new();
    for milter in &MILTERS {
        for case in CASES {
            let top = tempfile::tempdir().unwrap();
            let dir = top.path();
            let port = common::db::free_port().to_string();
            let socket_lines = case
                .replace("DIR", &dir.to_string_lossy())
                .replace("PORT", &port);
            let text = format!(
                "Syslog no\nPidFile {}/milter.pid\n{}{socket_lines}",
                dir.display(),
                milter.extra
            );
            let conf = dir.join("milter.conf");
            std::fs::write(&conf, &text).unwrap();
            let read = unix_socket(&text).map(|(path, _, _)| PathBuf::from(path));
            let mut child = std::process::Command::new(milter.program)
                .arg("-f")
                .arg(milter.config_flag)
                .arg(&conf)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{}: {e}", milter.program));
            let made = sockets_made(dir, read.is_some());
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            println!(
                "{} {case:?}: listens at {made:?}; postlint reads {read:?}",
                milter.program
            );
            let expected: Vec<PathBuf> = read.into_iter().collect();
            if made != expected {
                failures.push(format!(
                    "{} on {case:?}: made {made:?}, postlint reads {expected:?} ({})",
                    milter.program,
                    stderr.trim()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
