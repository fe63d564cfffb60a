//! A UNIX socket named by an absolute path that the daemon using it cannot see: a chrooted
//! smtpd, cleanup or lmtp looks for `/run/opendkim/opendkim.sock` inside the queue directory,
//! where it is not, while the milter, Dovecot's auth service or its LMTP server listens at that
//! path outside; or an unchrooted daemon names a socket that only exists inside the queue
//! directory (`unix:/opendkim/opendkim.sock`, written for a chrooted one).
//!
//! Decided only where the files are the server's (the live system, or a `--sysroot` image):
//! the sockets exist while their daemons run, and nothing in a repository says where they are.

use std::path::PathBuf;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::master::Service;
use crate::model::milter_servers::{same_socket, Listen, MilterServer};
use crate::model::paths::Location;
use crate::model::restrictions::{service_definition, service_value, smtpd_processes, LIST_PARAMS};
use crate::model::values::program_of;
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "socket-outside-chroot",
    severity: Severity::Error,
    summary: "a milter, Dovecot SASL or LMTP socket a chrooted daemon cannot reach (or a path inside the chroot named by an unchrooted one): every connection fails",
    doc: include_str!("../../rules/socket-outside-chroot.md"),
    undecided,
    check,
};

/// A socket a daemon connects to.
struct SocketUse<'m> {
    service: &'m Service,
    /// What listens there, for the message: "milter", "Dovecot SASL", "LMTP".
    what: &'static str,
    param: &'static str,
    path: String,
    span: Span,
}

/// Outside a system image the sockets cannot be looked at: undecided when some absolute one
/// is named that no milter configuration of the repository answers for.
fn undecided(model: &Model) -> bool {
    if model.locator.mode.is_system_image() {
        return false;
    }
    let queue = queue_directory(model);
    let default = crate::model::master::chroot_default(model);
    socket_uses(model).iter().any(|socket| {
        let chrooted = socket.service.chrooted(default);
        match (queue.as_deref(), chrooted) {
            (Some(queue), Some(chrooted)) => {
                matches!(
                    by_milter_config(model, queue, socket, chrooted),
                    Judged::Unknown
                )
            }
            _ => true,
        }
    })
}

/// What a milter's own configuration file says of a socket a daemon connects to.
enum Judged<'m> {
    /// The milter listens where the daemon does not look.
    Broken(&'m MilterServer, &'m Listen),
    /// The milter listens where the daemon looks.
    Fine,
    Unknown,
}

/// Judges a milter socket by the configuration of the milter that the repository installs
/// (`model::milter_servers`), with `--discover` only: its scripts, units and compose files
/// then tell whether anything else moves the socket or makes it appear inside the chroot
/// (`scripts::ScriptSockets`).
fn by_milter_config<'m>(
    model: &'m Model,
    queue: &str,
    socket: &SocketUse,
    chrooted: bool,
) -> Judged<'m> {
    let Some(scripts) = model.script_sockets.as_deref() else {
        return Judged::Unknown;
    };
    if socket.what != "milter" || scripts.milter_socket {
        return Judged::Unknown;
    }
    let inside = format!("{queue}{}", socket.path);
    for server in &model.milter_servers {
        let listen = &server.socket;
        let (looks_at, elsewhere) = match chrooted {
            true => (&inside, &socket.path),
            false => (&socket.path, &inside),
        };
        if same_socket(&listen.path, looks_at) {
            return Judged::Fine;
        }
        if same_socket(&listen.path, elsewhere) {
            // A bind mount, a link or a copy into the chroot that a script or compose file
            // makes may put the socket where a chrooted daemon looks.
            if chrooted && spool_named(queue, &socket.path, &scripts.spool_paths) {
                return Judged::Unknown;
            }
            return Judged::Broken(server, listen);
        }
    }
    Judged::Unknown
}

/// Whether a script names a path inside the queue directory on the way to `path` or below it
/// (`/var/spool/postfix/run`, `/var/spool/postfix/run/opendkim`), or one it cannot read
/// (`/var/spool/postfix/$DIR`). The queue directory itself (`chown -R postfix
/// /var/spool/postfix`) puts nothing there. Only for the usual queue directory: the words are
/// kept from `/spool/postfix` on.
fn spool_named(queue: &str, path: &str, spool_paths: &[String]) -> bool {
    if !queue.ends_with("/spool/postfix") {
        return true;
    }
    let alternative = match path.strip_prefix("/var/run/") {
        Some(rest) => format!("/run/{rest}"),
        None => match path.strip_prefix("/run/") {
            Some(rest) => format!("/var/run/{rest}"),
            None => path.to_string(),
        },
    };
    spool_paths.iter().any(|named| {
        let rest = named
            .strip_prefix("/spool/postfix")
            .unwrap_or(named)
            .trim_end_matches('/');
        if rest.is_empty() {
            return false;
        }
        rest.contains(['$', '*', '{', '%'])
            || [path, alternative.as_str()].iter().any(|p| {
                p.starts_with(rest) && p[rest.len()..].starts_with('/')
                    || p == &rest
                    || rest.starts_with(&format!("{p}/"))
            })
    })
}

fn queue_directory(model: &Model) -> Option<String> {
    let queue = model.params.expand("queue_directory");
    let queue = queue.text.trim_ascii().trim_end_matches('/');
    (queue.starts_with('/') && !queue.contains(crate::model::expand::UNKNOWN))
        .then(|| queue.to_string())
}

/// The UNIX socket paths of a milter list's entries (`unix:/run/x.sock`, or `local:`, which
/// milter8.c takes alike), absolute ones only.
fn milter_paths(value: &str) -> Vec<String> {
    crate::model::values::milter_entries(value)
        .into_iter()
        .filter_map(|(name, _)| name.strip_prefix("unix:").or(name.strip_prefix("local:")))
        .filter(|path| path.starts_with('/'))
        .map(str::to_string)
        .collect()
}

/// The path of an LMTP next hop (`unix:/run/dovecot/lmtp`), from a transport value
/// `lmtp:unix:/run/dovecot/lmtp`: the transport's name and the path.
fn lmtp_path(value: &str) -> Option<(&str, &str)> {
    let (transport, nexthop) = value.trim_ascii().split_once(':')?;
    let path = nexthop.strip_prefix("unix:")?;
    path.starts_with('/').then_some((transport, path))
}

/// The master.cf service a transport name runs, when it runs lmtp.
fn lmtp_service<'m>(model: &'m Model, transport: &str) -> Option<&'m Service> {
    model
        .master
        .running()
        .find(|s| s.name == transport && s.kind == "unix" && program_of(&s.command) == "lmtp")
}

fn socket_uses<'m>(model: &'m Model) -> Vec<SocketUse<'m>> {
    let mut uses = Vec::new();
    if !model.master.is_known() {
        return uses;
    }
    let mut add = |what: &'static str, param: &'static str, path: String, s: &'m Service| {
        if let Some(def) = service_definition(model, Some(s), param) {
            uses.push(SocketUse {
                service: s,
                what,
                param,
                path,
                span: def.value_span,
            });
        }
    };
    for service in model.master.running() {
        match program_of(&service.command) {
            "smtpd" => {
                if let Some(value) = service_value(model, Some(service), "smtpd_milters") {
                    for path in milter_paths(&value) {
                        add("milter", "smtpd_milters", path, service);
                    }
                }
                let sasl = service_value(model, Some(service), "smtpd_sasl_auth_enable")
                    .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
                let dovecot = service_value(model, Some(service), "smtpd_sasl_type")
                    .is_some_and(|v| v.eq_ignore_ascii_case("dovecot"));
                if sasl && dovecot {
                    if let Some(path) = service_value(model, Some(service), "smtpd_sasl_path") {
                        if path.starts_with('/') {
                            add("Dovecot SASL", "smtpd_sasl_path", path, service);
                        }
                    }
                }
            }
            "cleanup" => {
                if let Some(value) = service_value(model, Some(service), "non_smtpd_milters") {
                    for path in milter_paths(&value) {
                        add("milter", "non_smtpd_milters", path, service);
                    }
                }
            }
            _ => {}
        }
    }
    // Policy servers (`check_policy_service unix:/run/policyd/socket`), in each smtpd
    // service's lists.
    for smtpd in smtpd_processes(model) {
        let Some(service) = smtpd.service else {
            continue;
        };
        for &param in LIST_PARAMS {
            let Some(words) = smtpd.list(model, param) else {
                continue;
            };
            for pair in words.windows(2) {
                if !pair[0].text.eq_ignore_ascii_case("check_policy_service") {
                    continue;
                }
                let server = pair[1]
                    .text
                    .trim_start_matches(['{', ' ', '\t'])
                    .split(|c: char| c == ',' || c.is_ascii_whitespace() || c == '}')
                    .next()
                    .unwrap_or("");
                let (Some(path), Some(span)) = (server.strip_prefix("unix:"), pair[1].span) else {
                    continue;
                };
                if path.starts_with('/') {
                    uses.push(SocketUse {
                        service,
                        what: "policy server",
                        param,
                        path: path.to_string(),
                        span,
                    });
                }
            }
        }
    }
    // The transports main.cf names for whole address classes: an lmtp service of master.cf
    // connects to the path.
    for param in [
        "virtual_transport",
        "mailbox_transport",
        "fallback_transport",
    ] {
        let Some(def) = model.params.get(param) else {
            continue;
        };
        let value = model.params.expand(param);
        if value.has_unknown() {
            continue;
        }
        let Some((transport, path)) = lmtp_path(&value.text) else {
            continue;
        };
        if let Some(service) = lmtp_service(model, transport) {
            uses.push(SocketUse {
                service,
                what: "LMTP",
                param,
                path: path.to_string(),
                span: def.value_span,
            });
        }
    }
    // And transport_maps entries (`example.com lmtp:unix:/run/dovecot/lmtp`), in the tables
    // postlint reads.
    // An ISP's table may send 100k domains to one socket: each (transport, path) is taken
    // once, at its first entry.
    let transports = model.maps("transport_maps");
    let mut met: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for id in model.tables.known_entry_tables_of(&transports.tables) {
        let Some(entries) = model.tables.get(id).entries() else {
            continue;
        };
        for i in entries.values_holding(b':') {
            let entry = entries.entry(i);
            let Some((transport, path)) = lmtp_path(entry.value) else {
                continue;
            };
            if !met.insert((transport, path)) {
                continue;
            }
            if let Some(service) = lmtp_service(model, transport) {
                uses.push(SocketUse {
                    service,
                    what: "LMTP",
                    param: "transport_maps",
                    path: path.to_string(),
                    span: entry.value_span,
                });
            }
        }
    }
    uses
}

/// Where a path of the server is on this machine (under the sysroot for an image); None when
/// postlint may not look there.
fn located(model: &Model, path: &str) -> Option<PathBuf> {
    match model.locator.locate(path) {
        Location::Readable { path, .. } => Some(path),
        _ => None,
    }
}

fn exists(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Whether the socket exists outside the chroot and inside it, where a system image's files
/// can be looked at.
fn on_disk(model: &Model, path: &str, inside_name: &str) -> Option<(bool, bool)> {
    if !model.locator.mode.is_system_image() {
        return None;
    }
    let outside = located(model, path)?;
    let inside = located(model, inside_name)?;
    Some((exists(&outside), exists(&inside)))
}

fn check(model: &Model, out: &mut Findings) {
    let Some(queue) = queue_directory(model) else {
        return;
    };
    let queue = queue.as_str();
    let default = crate::model::master::chroot_default(model);
    let mut seen = std::collections::HashSet::new();
    for socket in socket_uses(model) {
        let Some(chrooted) = socket.service.chrooted(default) else {
            continue;
        };
        let inside_name = format!("{queue}{}", socket.path);
        // The sockets on disk, in a system image; else what the milter's configuration in
        // the repository says.
        let (exists_outside, exists_inside, server) =
            match on_disk(model, &socket.path, &inside_name) {
                Some((outside, inside)) if outside != inside => (outside, inside, None),
                _ => match by_milter_config(model, queue, &socket, chrooted) {
                    Judged::Broken(server, listen) => (chrooted, !chrooted, Some((server, listen))),
                    _ => continue,
                },
            };
        let label = socket.service.label();
        // One finding per daemon and socket: main.cf's line and each -o override that names
        // the same socket say the same.
        if !seen.insert((socket.path.clone(), label.clone())) {
            continue;
        }
        let what = socket.what;
        let path = &socket.path;
        // Where the socket is: on disk, or where the milter's configuration puts it.
        let (there, not_there) = match server {
            Some((server, _)) => (
                format!(
                    "{} listens there ({})",
                    server.name,
                    model.sources.get(server.file).display_path
                ),
                "nothing in the repository puts a socket",
            ),
            None => (String::new(), ""),
        };
        let (message, seen_from, fix) = match (chrooted, exists_outside, exists_inside) {
            (true, true, false) => (
                match server {
                    Some(_) => format!(
                        "{label} runs chrooted in {queue}: the {what} socket {path} is outside it; {there}, and {not_there} at {inside_name}"
                    ),
                    None => format!(
                        "{label} runs chrooted in {queue}: the {what} socket {path} is outside it, and {inside_name} does not exist"
                    ),
                },
                "runs chrooted: sees only the queue directory",
                format!(
                    "Let the other server put its socket inside the queue directory and name it \
                     relative to it (Dovecot: `unix_listener /var/spool/postfix/private/auth`, \
                     then `smtpd_sasl_path = private/auth`; OpenDKIM: `Socket \
                     local:/var/spool/postfix/opendkim/opendkim.sock`, then `smtpd_milters = \
                     unix:opendkim/opendkim.sock`), or set the chroot column of {label} to n."
                ),
            ),
            (false, false, true) => (
                match server {
                    Some(_) => format!(
                        "{label} does not run chrooted: the {what} socket {path} is looked up from /, but {} listens at {inside_name}, for a chrooted daemon",
                        server.map_or("", |(s, _)| s.name)
                    ),
                    None => format!(
                        "{label} does not run chrooted: the {what} socket {path} does not exist ({inside_name} does, for a chrooted daemon)"
                    ),
                },
                "runs unchrooted: sees the whole file system",
                format!(
                    "A path with a leading / is looked up from the root of the daemon's file \
                     system: the queue directory for a chrooted daemon, / for this one. Name \
                     the socket relative to the queue directory instead (`{path}` without its \
                     leading /): Postfix daemons run there, chrooted or not."
                ),
            ),
            _ => continue,
        };
        let finding = out.report(socket.span, message);
        finding.subject(format!("{} {path}", socket.param));
        finding.label(format!("{label} cannot reach this socket"));
        finding.secondary(socket.service.name_span, seen_from);
        if let Some((server, listen)) = server {
            finding.secondary(listen.span, format!("{} listens here", server.name));
        }
        finding.help(format!(
            "Every connection fails with \"No such file or directory\"{}. {fix}",
            consequence(what)
        ));
    }
}

fn consequence(what: &str) -> &'static str {
    match what {
        "milter" => ", and milter_default_action (tempfail by default) decides every message",
        "Dovecot SASL" => ": no user can log in",
        "policy server" => {
            ": smtpd answers 451 \"Server configuration problem\" to every request the list checks"
        }
        _ => ", and the mail it should deliver is deferred",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_unix_endpoints_of_milter_lists() {
        assert_eq!(
            milter_paths("unix:/run/opendkim/opendkim.sock, inet:localhost:8891"),
            ["/run/opendkim/opendkim.sock"]
        );
        assert_eq!(
            milter_paths("{ unix:/run/a.sock, default_action=accept } unix:relative/b.sock"),
            ["/run/a.sock"]
        );
        assert!(milter_paths("inet:127.0.0.1:11332").is_empty());
        assert_eq!(milter_paths("local:/run/b.sock"), ["/run/b.sock"]);
    }

    #[test]
    fn lmtp_next_hops_with_absolute_paths() {
        assert_eq!(
            lmtp_path("lmtp:unix:/run/dovecot/lmtp"),
            Some(("lmtp", "/run/dovecot/lmtp"))
        );
        assert_eq!(lmtp_path("lmtp:unix:private/dovecot-lmtp"), None);
        assert_eq!(lmtp_path("lmtp:inet:127.0.0.1:24"), None);
        assert_eq!(lmtp_path("virtual"), None);
    }
}
