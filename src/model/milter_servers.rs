//! Where the milters whose own configuration file the linted tree holds listen: OpenDKIM's
//! /etc/opendkim.conf and OpenDMARC's /etc/opendmarc.conf, where a Dockerfile copies them into
//! the image or a tree that mirrors / holds them. A repository holds no socket, but these
//! files say where the milter puts it: `socket-outside-chroot` asks here when the sockets
//! themselves cannot be looked at.
//!
//! The files are read as both milters read them (config.c of OpenDKIM, which OpenDMARC
//! shares): `#` starts a comment anywhere on a line, a keyword is the line's first word,
//! without case, its value the rest of the line trimmed, and the last `Socket` wins (each
//! setting is put in front of the list `config_get` searches). A socket that a command line's
//! `-p` gives instead, or that set-up scripts edit, is the scripts' to tell
//! (`scripts::ScriptSockets`). tests/oracle_milter_socket.rs starts both milters on the cases.

use crate::source::{FileId, Span};

/// The milters looked for: their name, for messages, and where their configuration file is.
pub const MILTERS: &[(&str, &str)] = &[
    ("OpenDKIM", "/etc/opendkim.conf"),
    ("OpenDMARC", "/etc/opendmarc.conf"),
];

/// A milter's configuration file and where it listens.
#[derive(Clone, Debug)]
pub struct MilterServer {
    pub name: &'static str,
    pub file: FileId,
    /// The UNIX socket of its `Socket` setting, written out in full.
    pub socket: Listen,
}

/// A `Socket local:/run/opendkim/opendkim.sock` line.
#[derive(Clone, Debug)]
pub struct Listen {
    /// The socket's absolute path.
    pub path: String,
    /// The value on the line.
    pub span: Span,
}

/// The UNIX socket a milter's configuration text listens at: the last `Socket` line's, when
/// it is `local:PATH`, `unix:PATH` or `/PATH` with an absolute path of plain characters. None
/// when it listens on TCP, when there is no Socket line, when the value holds anything a
/// template or shell may fill in, or when the file includes others (`Include`), which may set
/// it too. Gives the path, the line's index and where the value is on the line.
pub fn unix_socket(text: &str) -> Option<(String, usize, std::ops::Range<usize>)> {
    let mut last = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let body = line.split(['#', '\r', '\n']).next().unwrap_or_default();
        let trimmed = body.trim_start_matches([' ', '\t']);
        let Some(keyword) = trimmed.split([' ', '\t']).next() else {
            continue;
        };
        if keyword.eq_ignore_ascii_case("include") {
            return None;
        }
        if !keyword.eq_ignore_ascii_case("socket") {
            continue;
        }
        let value = trimmed[keyword.len()..].trim_matches([' ', '\t']);
        // `value` is a part of `line`: where it starts on it.
        let at = value.as_ptr() as usize - line.as_ptr() as usize;
        last = Some((value, index, at..at + value.len()));
    }
    let (value, index, range) = last?;
    let path = value
        .strip_prefix("local:")
        .or_else(|| value.strip_prefix("unix:"))
        .unwrap_or(value);
    let plain = path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'));
    plain.then(|| (path.to_string(), index, range))
}

/// The same socket for a process on the system: `/var/run` is a link to `/run` on every
/// system with systemd, and on Alpine and in Debian's images.
pub fn same_socket(a: &str, b: &str) -> bool {
    let canonical = |p: &str| match p.strip_prefix("/var/run/") {
        Some(rest) => format!("/run/{rest}"),
        None => p.to_string(),
    };
    canonical(a) == canonical(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn socket(text: &str) -> Option<(String, String)> {
        unix_socket(text).map(|(path, index, range)| {
            let line = text.split_inclusive('\n').nth(index).unwrap();
            (path, line[range].to_string())
        })
    }

    #[test]
    fn the_last_socket_line_as_opendkim_reads_it() {
        assert_eq!(
            socket("Syslog yes\nSocket\t\tlocal:/run/opendkim/opendkim.sock\n"),
            Some((
                "/run/opendkim/opendkim.sock".into(),
                "local:/run/opendkim/opendkim.sock".into()
            ))
        );
        // Keywords without case; the last line wins; comments anywhere.
        assert_eq!(
            socket("Socket inet:8891@localhost\nSOCKET unix:/run/a.sock # the milter's\n"),
            Some(("/run/a.sock".into(), "unix:/run/a.sock".into()))
        );
        assert_eq!(
            socket("  socket /run/b.sock\r\n"),
            Some(("/run/b.sock".into(), "/run/b.sock".into()))
        );
    }

    #[test]
    fn no_unix_socket_postlint_can_know() {
        // TCP, none, commented out, a template's or shell's value, an include.
        assert_eq!(socket("Socket inet:8891@localhost\n"), None);
        assert_eq!(socket("Syslog yes\n"), None);
        assert_eq!(socket("#Socket local:/run/a.sock\n"), None);
        assert_eq!(socket("Socket local:{{ dir }}/opendkim.sock\n"), None);
        assert_eq!(socket("Socket local:$RUNDIR/opendkim.sock\n"), None);
        assert_eq!(socket("Socket local:relative.sock\n"), None);
        assert_eq!(
            socket("Socket local:/run/a.sock\nInclude /etc/opendkim.d/x.conf\n"),
            None
        );
        // A keyword that only starts like one.
        assert_eq!(socket("SocketX local:/run/a.sock\n"), None);
    }

    #[test]
    fn var_run_is_run() {
        assert!(same_socket(
            "/var/run/opendkim/opendkim.sock",
            "/run/opendkim/opendkim.sock"
        ));
        assert!(!same_socket("/var/spool/postfix/run/x.sock", "/run/x.sock"));
    }
}
