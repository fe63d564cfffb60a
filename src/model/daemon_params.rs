//! Which main.cf parameters each Postfix daemon reads: data/postfix-daemon-params.tsv,
//! generated from Postfix's sources by scripts/gen-daemon-params.py (every daemon's parameter
//! tables, the global tables of mail_params.c, the TLS library's, names built from a transport
//! or service name, and `$name` in the defaults of what a daemon reads), as the union over the
//! releases postlint knows: a name some release's program reads counts as read.
//!
//! A master.cf `-o name=value` reaches only its own service's process, so it changes something
//! only when that program reads `name` (or a value in its scope refers to it, which
//! [`super::names::NameIndex::is_referenced`] knows).

use std::collections::HashMap;
use std::sync::OnceLock;

const TEXT: &str = include_str!("../../data/postfix-daemon-params.tsv");

/// Who reads one parameter.
#[derive(Debug)]
pub struct Readers {
    /// Programs whose tables hold it: daemons, the master daemon, commands (`sendmail`).
    /// Empty with `every`.
    pub tables: Vec<&'static str>,
    /// Every daemon reads it (the global tables of mail_params.c).
    pub every: bool,
    /// (daemon, parameter): the daemon reads it because that parameter's default refers to it
    /// (`*` for every daemon).
    pub via: Vec<(&'static str, &'static str)>,
}

impl Readers {
    /// Whether `program` reads the name.
    pub fn include(&self, program: &str) -> bool {
        self.every
            || self.tables.contains(&program)
            || self.via.iter().any(|(d, _)| *d == program || *d == "*")
    }
}

/// How a name built at run time is prefixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// Any transport the queue manager schedules (`relay_destination_concurrency_limit`).
    Transport,
    /// The reading process's own master.cf service name (`dovecot_time_limit` in pipe).
    OwnService,
}

struct Data {
    daemons: Vec<&'static str>,
    literal: HashMap<&'static str, Readers>,
    /// (prefix, suffix with its leading `_`, readers).
    derived: Vec<(Prefix, &'static str, Readers)>,
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let daemons = TEXT
            .lines()
            .find_map(|l| l.strip_prefix("# programs:\t"))
            .map(|list| list.split(' ').collect())
            .unwrap_or_default();
        let mut literal = HashMap::new();
        let mut derived = Vec::new();
        for mut row in super::data::rows(TEXT) {
            let (Some(name), Some(readers), Some(via)) = (row.next(), row.next(), row.next())
            else {
                continue;
            };
            let readers = Readers {
                every: readers == "*",
                tables: match readers {
                    "*" | "-" => Vec::new(),
                    list => list.split(',').collect(),
                },
                via: match via {
                    "-" => Vec::new(),
                    list => list.split(',').filter_map(|v| v.split_once(':')).collect(),
                },
            };
            if let Some(suffix) = name.strip_prefix("<transport>") {
                derived.push((Prefix::Transport, suffix, readers));
            } else if let Some(suffix) = name.strip_prefix("<service>") {
                derived.push((Prefix::OwnService, suffix, readers));
            } else {
                literal.insert(name, readers);
            }
        }
        Data {
            daemons,
            literal,
            derived,
        }
    })
}

/// Whether `program` is a Postfix daemon the data covers (a master.cf command).
pub fn is_daemon(program: &str) -> bool {
    data().daemons.contains(&program)
}

/// The daemons the data covers.
pub fn daemons() -> &'static [&'static str] {
    &data().daemons
}

/// Who reads a literal parameter name; None when no program's table holds it.
pub fn readers(name: &str) -> Option<&'static Readers> {
    data().literal.get(name)
}

/// Who reads a name built at run time (`<transport>_destination_recipient_limit`): the prefix
/// kind and its readers, for the longest suffix the name ends with after a non-empty prefix.
pub fn derived_readers(name: &str) -> Option<(Prefix, &'static str, &'static Readers)> {
    data()
        .derived
        .iter()
        .filter(|(_, suffix, _)| name.len() > suffix.len() && name.ends_with(suffix))
        .max_by_key(|(_, suffix, _)| suffix.len())
        .map(|(prefix, suffix, readers)| (*prefix, *suffix, readers))
}

/// Whether the daemon `program`, running as master.cf service `service`, reads `name`: None
/// when the data cannot say (an unknown program, a name no table holds).
pub fn reads(program: &str, service: &str, name: &str) -> Option<bool> {
    if !is_daemon(program) {
        return None;
    }
    if let Some(readers) = readers(name) {
        return Some(readers.include(program));
    }
    let (prefix, suffix, readers) = derived_readers(name)?;
    Some(match prefix {
        Prefix::Transport => readers.include(program),
        Prefix::OwnService => {
            readers.include(program) && name.strip_suffix(suffix) == Some(service)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_the_sources_say() {
        assert_eq!(
            reads("smtpd", "submission", "smtpd_tls_security_level"),
            Some(true)
        );
        assert_eq!(
            reads("smtpd", "submission", "smtp_tls_security_level"),
            Some(false)
        );
        assert_eq!(
            reads("smtp", "smtp", "smtpd_tls_security_level"),
            Some(false)
        );
        assert_eq!(reads("lmtp", "lmtp", "smtp_data_done_timeout"), Some(false));
        assert_eq!(reads("lmtp", "lmtp", "lmtp_data_done_timeout"), Some(true));
        // A global parameter, read by every daemon.
        assert_eq!(reads("pipe", "dovecot", "syslog_name"), Some(true));
        // tlsproxy_tls_cert_file defaults to $smtpd_tls_cert_file.
        assert_eq!(
            reads("tlsproxy", "tlsproxy", "smtpd_tls_cert_file"),
            Some(true)
        );
        // postscreen reads some smtpd_* names.
        assert_eq!(reads("postscreen", "smtp", "smtpd_banner"), Some(true));
        assert_eq!(reads("local", "local", "virtual_transport"), Some(false));
        // The queue manager reads per-transport names; pipe reads only its own time limit.
        assert_eq!(
            reads("pipe", "dovecot", "dovecot_destination_recipient_limit"),
            Some(false)
        );
        assert_eq!(
            reads("qmgr", "qmgr", "dovecot_destination_recipient_limit"),
            Some(true)
        );
        assert_eq!(reads("pipe", "dovecot", "dovecot_time_limit"), Some(true));
        assert_eq!(reads("pipe", "dovecot", "maildrop_time_limit"), Some(false));
        // Literal names win over the patterns.
        assert_eq!(
            reads("smtp", "smtp", "smtp_connection_cache_time_limit"),
            Some(true)
        );
        // What the data cannot say.
        assert_eq!(reads("my-filter", "filter", "smtpd_banner"), None);
        assert_eq!(reads("smtpd", "smtp", "no_such_parameter"), None);
    }

    #[test]
    fn every_daemon_is_listed() {
        for program in [
            "smtpd",
            "smtp",
            "lmtp",
            "local",
            "virtual",
            "pipe",
            "qmgr",
            "cleanup",
            "trivial-rewrite",
            "postscreen",
            "tlsproxy",
            "dnsblog",
            "anvil",
            "bounce",
            "discard",
            "error",
            "flush",
            "oqmgr",
            "pickup",
            "proxymap",
            "scache",
            "showq",
            "spawn",
            "verify",
            "postlogd",
        ] {
            assert!(is_daemon(program), "{program}");
        }
        assert!(!is_daemon("master") && !is_daemon("sendmail"));
    }
}
