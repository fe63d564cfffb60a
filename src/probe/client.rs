//! Connections to the databases, made as Postfix's clients make them: the `hosts` forms of
//! mysql_table(5) and pgsql_table(5) tried in order, the credentials and TLS settings of the
//! .cf file, SQLite's `dbpath` opened read-only. Every session is read-only where the server
//! has such a thing, and every wait is bounded.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::expand::Quoting;

/// Where a MySQL or PostgreSQL client connects, from one word of `hosts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// TCP to a host, with its port when given.
    Inet { host: String, port: Option<u16> },
    /// A Unix socket: MySQL's socket file; PostgreSQL's socket directory.
    Unix(PathBuf),
    /// MySQL's `localhost`: the client library's default socket.
    DefaultSocket,
    /// A PostgreSQL connection URI (`postgresql://...`).
    Uri(String),
}

/// The endpoints of a `hosts` value, in order (empty: `localhost`), as dict_mysql.c and
/// dict_pgsql.c read it. Err for a port Postfix cannot read.
pub fn endpoints(kind: &str, hosts: &str) -> Result<Vec<Endpoint>, String> {
    let mut words: Vec<&str> = hosts
        .split([',', ' ', '\t', '\r', '\n'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        words.push("localhost");
    }
    let port = |text: &str| -> Result<u16, String> {
        text.parse::<u16>()
            .ok()
            .or_else(|| well_known_port(text))
            .ok_or_else(|| format!("unknown service: {text}/tcp"))
    };
    words
        .into_iter()
        .map(|word| match kind {
            "pgsql" => {
                if word.starts_with("postgresql://") || word.starts_with("postgres://") {
                    return Ok(Endpoint::Uri(word.to_string()));
                }
                let name = word
                    .strip_prefix("unix:")
                    .or_else(|| word.strip_prefix("inet:"))
                    .unwrap_or(word);
                if name.is_empty() || name.starts_with('/') {
                    return Ok(Endpoint::Unix(PathBuf::from(name)));
                }
                Ok(match name.rsplit_once(':') {
                    Some((host, p)) => Endpoint::Inet {
                        host: host.to_string(),
                        port: Some(port(p)?),
                    },
                    None => Endpoint::Inet {
                        host: name.to_string(),
                        port: None,
                    },
                })
            }
            _ => {
                let (unix, name) = match word.strip_prefix("unix:") {
                    Some(rest) => (true, rest),
                    None => (false, word.strip_prefix("inet:").unwrap_or(word)),
                };
                let (name, p) = match name.rsplit_once(':') {
                    Some((name, p)) => (name, Some(port(p)?)),
                    None => (name, None),
                };
                if name.eq_ignore_ascii_case("localhost") {
                    Ok(Endpoint::DefaultSocket)
                } else if unix {
                    Ok(Endpoint::Unix(PathBuf::from(name)))
                } else {
                    Ok(Endpoint::Inet {
                        host: name.to_string(),
                        port: p,
                    })
                }
            }
        })
        .collect()
}

/// The ports `find_inet_service()` knows by name that a database may listen on.
fn well_known_port(name: &str) -> Option<u16> {
    match name {
        "mysql" => Some(3306),
        "postgresql" | "postgres" => Some(5432),
        _ => None,
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Inet {
                host,
                port: Some(port),
            } => write!(f, "{host}:{port}"),
            Endpoint::Inet { host, port: None } => write!(f, "{host}"),
            Endpoint::Unix(path) => write!(f, "unix:{}", path.display()),
            Endpoint::DefaultSocket => write!(f, "localhost"),
            // A URI may hold a password.
            Endpoint::Uri(_) => write!(f, "a postgresql:// URI"),
        }
    }
}

/// What a client needs besides the endpoint.
pub struct Credentials<'a> {
    pub user: Option<&'a str>,
    pub password: Option<&'a str>,
    pub dbname: Option<&'a str>,
    pub settings: &'a HashMap<&'a str, &'a str>,
    /// Where the default MySQL socket is (under a sysroot, mapped into it).
    pub default_sockets: Vec<PathBuf>,
    /// TLS files of the .cf, already located (None: not readable in the tree).
    pub tls_files: HashMap<&'static str, Option<PathBuf>>,
    /// Where a file a PostgreSQL URI names is (None: not readable in the tree).
    pub locate: &'a dyn Fn(&str) -> Option<PathBuf>,
    pub timeout: Duration,
}

/// Why no session was opened.
#[derive(Debug)]
pub struct ConnectError {
    pub message: String,
    /// Whether Postfix fails the same way: false when only postlint's client cannot connect,
    /// a limit of the probe.
    pub postfix_fails: bool,
}

impl ConnectError {
    pub fn fails(message: impl Into<String>) -> ConnectError {
        ConnectError {
            message: message.into(),
            postfix_fails: true,
        }
    }

    pub fn limit(message: impl Into<String>) -> ConnectError {
        ConnectError {
            message: message.into(),
            postfix_fails: false,
        }
    }

    /// This attempt's failure, then the next one's, as libpq reports both.
    pub fn then(self, next: ConnectError) -> ConnectError {
        if self.message == next.message {
            return next;
        }
        ConnectError {
            message: format!("{}; then {}", self.message, next.message),
            postfix_fails: self.postfix_fails && next.postfix_fails,
        }
    }
}

impl From<String> for ConnectError {
    fn from(message: String) -> ConnectError {
        ConnectError::fails(message)
    }
}

/// An open, read-only session.
pub enum Session {
    /// With the timeout, for its messages.
    Mysql(mysql::Conn, Duration),
    /// The client lives in a thread of its own: postgres waits without a timeout, so every
    /// answer is waited for here with one.
    Pgsql(PgWorker),
    Sqlite(rusqlite::Connection),
}

/// The rows of a result, each a list of fields (NULL as None).
pub type Rows = Vec<Vec<Option<String>>>;

impl Session {
    /// Connects to the first endpoint that answers, as Postfix tries its hosts. Err: each
    /// endpoint's error, with no password in it; a limit of the probe if one of them is.
    pub fn connect(
        kind: &str,
        endpoints: &[Endpoint],
        credentials: &Credentials,
    ) -> Result<Session, ConnectError> {
        let mut errors = Vec::new();
        let mut postfix_fails = true;
        for endpoint in endpoints {
            let attempt = match kind {
                "mysql" => mysql_connect(endpoint, credentials),
                _ => pgsql_connect(endpoint, credentials),
            };
            match attempt {
                Ok(session) => return Ok(session),
                Err(e) => {
                    postfix_fails &= e.postfix_fails;
                    let message = scrub(&e.message, credentials.password);
                    errors.push(format!("{endpoint}: {message}"));
                }
            }
        }
        Err(ConnectError {
            message: errors.join("; "),
            postfix_fails,
        })
    }

    pub fn sqlite(path: &std::path::Path, timeout: Duration) -> Result<Session, String> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| e.to_string())?;
        // A database locked by a writer is waited for this long, then the query fails.
        conn.busy_timeout(timeout).map_err(|e| e.to_string())?;
        Ok(Session::Sqlite(conn))
    }

    /// How this server wants a key quoted.
    pub fn quoting(&mut self) -> Quoting {
        match self {
            Session::Mysql(conn, _) => {
                use mysql::prelude::Queryable;
                let mode: Option<String> =
                    conn.query_first("SELECT @@SESSION.sql_mode").ok().flatten();
                if mode.is_some_and(|m| m.contains("NO_BACKSLASH_ESCAPES")) {
                    Quoting::MysqlNoBackslash
                } else {
                    Quoting::MysqlBackslash
                }
            }
            Session::Pgsql(worker) => {
                let on = worker
                    .query("SHOW standard_conforming_strings")
                    .ok()
                    .and_then(|rows| rows.first()?.first()?.clone())
                    .is_none_or(|v| v == "on");
                if on {
                    Quoting::PgStandard
                } else {
                    Quoting::PgBackslash
                }
            }
            Session::Sqlite(_) => Quoting::Sqlite,
        }
    }

    /// Runs one query; the first result set's rows. SQLite answers with the first column only,
    /// as dict_sqlite.c reads it.
    pub fn query(&mut self, sql: &str) -> Result<Rows, String> {
        match self {
            Session::Mysql(conn, timeout) => {
                use mysql::prelude::Queryable;
                let timeout = *timeout;
                let mut result = conn.query_iter(sql).map_err(|e| mysql_error(e, timeout))?;
                let mut rows = Vec::new();
                if let Some(set) = result.iter() {
                    for row in set {
                        let row = row.map_err(|e| mysql_error(e, timeout))?;
                        rows.push(
                            (0..row.len())
                                .map(|i| row.as_ref(i).and_then(mysql_text))
                                .collect(),
                        );
                    }
                }
                // Drain the other result sets (a CALL), so that the next query can run.
                while result.iter().is_some() {
                    for row in result.iter().into_iter().flatten() {
                        row.map_err(|e| mysql_error(e, timeout))?;
                    }
                }
                Ok(rows)
            }
            Session::Pgsql(worker) => worker.query(sql),
            Session::Sqlite(conn) => {
                let mut statement = conn.prepare(sql).map_err(sqlite_error)?;
                let mut rows = statement.query([]).map_err(sqlite_error)?;
                let mut out = Vec::new();
                while let Some(row) = rows.next().map_err(sqlite_error)? {
                    use rusqlite::types::ValueRef;
                    let text = match row.get_ref(0).map_err(|e| e.to_string())? {
                        ValueRef::Null => None,
                        ValueRef::Integer(i) => Some(i.to_string()),
                        ValueRef::Real(r) => Some(r.to_string()),
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            Some(String::from_utf8_lossy(t).into_owned())
                        }
                    };
                    out.push(vec![text]);
                }
                Ok(out)
            }
        }
    }

    /// Ends the read-only transaction.
    pub fn close(mut self) {
        match &mut self {
            Session::Mysql(conn, _) => {
                use mysql::prelude::Queryable;
                let _ = conn.query_drop("ROLLBACK");
            }
            Session::Pgsql(worker) => {
                let _ = worker.query("ROLLBACK");
            }
            Session::Sqlite(_) => {}
        }
    }
}

/// SQLite's message, without the query it quotes (the key is in the finding already).
fn sqlite_error(e: rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg,
        other => other.to_string(),
    }
}

/// A MySQL client error in words: the server's message, or what went wrong on the way.
fn mysql_error(e: mysql::Error, timeout: Duration) -> String {
    let text = match &e {
        mysql::Error::MySqlError(server) => server.message.clone(),
        mysql::Error::DriverError(driver) => driver.to_string(),
        mysql::Error::IoError(io) => io.to_string(),
        other => other.to_string(),
    };
    let lower = text.to_ascii_lowercase();
    if lower.contains("temporarily unavailable")
        || lower.contains("timed out")
        || lower.contains("would block")
    {
        format!("no answer within {} s", timeout.as_secs())
    } else {
        text
    }
}

fn mysql_text(value: &mysql::Value) -> Option<String> {
    use mysql::Value;
    match value {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

fn mysql_connect(endpoint: &Endpoint, c: &Credentials) -> Result<Session, ConnectError> {
    use mysql::prelude::Queryable;
    let mut opts = mysql::OptsBuilder::new()
        .user(c.user)
        .pass(c.password)
        .db_name(c.dbname)
        .prefer_socket(false)
        .tcp_connect_timeout(Some(c.timeout))
        .read_timeout(Some(c.timeout))
        .write_timeout(Some(c.timeout))
        .stmt_cache_size(0);
    opts = match endpoint {
        Endpoint::Inet { host, port } => opts
            .ip_or_hostname(Some(host.as_str()))
            .tcp_port(port.unwrap_or(3306)),
        Endpoint::Unix(path) => opts.socket(Some(path.to_string_lossy())),
        Endpoint::DefaultSocket => {
            let socket = c
                .default_sockets
                .iter()
                .find(|p| p.exists())
                .ok_or_else(|| {
                    "no MySQL socket at the default places (/run/mysqld/mysqld.sock, \
                     /var/run/mysqld/mysqld.sock, /tmp/mysql.sock)"
                        .to_string()
                })?;
            opts.socket(Some(socket.to_string_lossy()))
        }
        Endpoint::Uri(_) => return Err("a URI is not a MySQL host".to_string().into()),
    };
    if let Some(ssl) = mysql_tls(c)? {
        opts = opts.ssl_opts(ssl);
    }
    let mut conn = mysql::Conn::new(opts).map_err(|e| mysql_error(e, c.timeout))?;
    let charset = c.settings.get("charset").copied().unwrap_or("utf8mb4");
    if charset
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    {
        conn.query_drop(format!("SET NAMES {charset}"))
            .map_err(|e| mysql_error(e, c.timeout))?;
    }
    conn.query_drop("START TRANSACTION READ ONLY")
        .map_err(|e| mysql_error(e, c.timeout))?;
    Ok(Session::Mysql(conn, c.timeout))
}

/// TLS as dict_mysql.c asks for it: on when a tls_* file is set or tls_verify_cert is yes;
/// the server's certificate checked only with tls_verify_cert = yes.
fn mysql_tls(c: &Credentials) -> Result<Option<mysql::SslOpts>, ConnectError> {
    let verify = c
        .settings
        .get("tls_verify_cert")
        .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let wanted = verify
        || ["tls_CAfile", "tls_cert_file", "tls_key_file", "tls_CApath"]
            .iter()
            .any(|k| c.settings.contains_key(k));
    if !wanted {
        return Ok(None);
    }
    // A file outside the tree is one postlint may not read, not one Postfix cannot.
    let file = |name: &str| -> Result<Option<PathBuf>, ConnectError> {
        match c.tls_files.get(name) {
            Some(Some(path)) => Ok(Some(path.clone())),
            Some(None) => Err(ConnectError::limit(format!(
                "{name} cannot be read in the linted tree"
            ))),
            None => Ok(None),
        }
    };
    let mut ssl = mysql::SslOpts::default()
        .with_danger_accept_invalid_certs(!verify)
        .with_danger_skip_domain_validation(!verify);
    if let Some(ca) = file("tls_CAfile")? {
        ssl = ssl.with_root_cert_path(Some(ca));
    }
    if let (Some(cert), Some(key)) = (file("tls_cert_file")?, file("tls_key_file")?) {
        ssl = ssl.with_client_identity(Some(mysql::ClientIdentity::new(
            std::borrow::Cow::Owned(cert),
            std::borrow::Cow::Owned(key),
        )));
    }
    Ok(Some(ssl))
}

fn pgsql_connect(endpoint: &Endpoint, c: &Credentials) -> Result<Session, ConnectError> {
    let (mut config, tls_settings) = match endpoint {
        // The postgres crate takes neither libpq's verify-* nor its certificate files: they are
        // read before it reads the rest.
        Endpoint::Uri(uri) => {
            let (rest, tls_settings) = super::pg_tls::split_uri(uri)?;
            let config = rest
                .parse::<postgres::Config>()
                .map_err(|e| format!("the URI cannot be read: {e}"))?;
            (config, tls_settings)
        }
        _ => {
            let mut config = postgres::Config::new();
            if let Some(user) = c.user.filter(|u| !u.is_empty()) {
                config.user(user);
            }
            if let Some(password) = c.password.filter(|p| !p.is_empty()) {
                config.password(password);
            }
            if let Some(dbname) = c.dbname {
                config.dbname(dbname);
            }
            (config, super::pg_tls::Settings::default())
        }
    };
    match endpoint {
        Endpoint::Inet { host, port } => {
            config.host(host).port(port.unwrap_or(5432));
        }
        Endpoint::Unix(path) if path.as_os_str().is_empty() => {
            config.host_path("/var/run/postgresql").port(5432);
        }
        Endpoint::Unix(path) => {
            config.host_path(path).port(5432);
        }
        _ => {}
    }
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        // libpq's default for a URI without a host: the socket directory it was built with.
        config.host_path("/var/run/postgresql");
    }
    if config.get_user().is_none() {
        // libpq's default: the name of the user running the client.
        if let Ok(user) = std::env::var("USER") {
            config.user(&user);
        }
    }
    config
        .connect_timeout(c.timeout)
        .application_name("postlint --probe")
        .options(&format!(
            "-c default_transaction_read_only=on -c statement_timeout={}",
            c.timeout.as_millis()
        ));
    let tls = super::pg_tls::Tls::new(&tls_settings, &mut config, c.locate)?;
    let mut worker = PgWorker::connect(config, tls, c.timeout)?;
    worker.query("BEGIN READ ONLY")?;
    Ok(Session::Pgsql(worker))
}

/// A PostgreSQL session in its own thread, asked through channels with a timeout. A server
/// that accepts the connection and never answers leaves the thread waiting, not postlint.
pub struct PgWorker {
    requests: std::sync::mpsc::Sender<String>,
    answers: std::sync::mpsc::Receiver<Result<Rows, String>>,
    timeout: Duration,
    /// After a timeout a late answer would be taken for the next query's: no more queries.
    dead: bool,
}

impl PgWorker {
    fn connect(
        config: postgres::Config,
        tls: super::pg_tls::Tls,
        timeout: Duration,
    ) -> Result<PgWorker, ConnectError> {
        let (requests, requested) = std::sync::mpsc::channel::<String>();
        let (answer, answers) = std::sync::mpsc::channel();
        let (connected, connection) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("postlint-pgsql".to_string())
            .spawn(move || {
                let mut client = match tls.connect(config) {
                    Ok(client) => {
                        let _ = connected.send(Ok(()));
                        client
                    }
                    Err(e) => {
                        let _ = connected.send(Err(e));
                        return;
                    }
                };
                for sql in requested {
                    let rows =
                        client
                            .simple_query(&sql)
                            .map_err(|e| pg_error(&e))
                            .map(|messages| {
                                messages
                                    .into_iter()
                                    .filter_map(|m| match m {
                                        postgres::SimpleQueryMessage::Row(row) => Some(
                                            (0..row.len())
                                                .map(|i| row.get(i).map(str::to_string))
                                                .collect(),
                                        ),
                                        _ => None,
                                    })
                                    .collect()
                            });
                    if answer.send(rows).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        // Every attempt of libpq's sslmode (prefer's second one too) within the one wait.
        match connection.recv_timeout(timeout + Duration::from_millis(500)) {
            Ok(Ok(())) => Ok(PgWorker {
                requests,
                answers,
                timeout,
                dead: false,
            }),
            Ok(Err(e)) => Err(e),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(ConnectError::fails(format!(
                "no answer within {} s",
                timeout.as_secs()
            ))),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err(ConnectError::fails("the connection ended"))
            }
        }
    }

    fn wait(&mut self) -> Result<Rows, String> {
        match self
            .answers
            .recv_timeout(self.timeout + Duration::from_millis(500))
        {
            Ok(answer) => answer,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                self.dead = true;
                Err(format!("no answer within {} s", self.timeout.as_secs()))
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err("the connection ended".to_string())
            }
        }
    }

    fn query(&mut self, sql: &str) -> Result<Rows, String> {
        if self.dead {
            return Err(format!("no answer within {} s", self.timeout.as_secs()));
        }
        self.requests
            .send(sql.to_string())
            .map_err(|_| "the connection ended".to_string())?;
        self.wait()
    }
}

/// The server's message when there is one: "db error" alone says nothing.
pub(super) fn pg_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

/// Removes the password from a client's message, should a client ever quote it.
pub fn scrub(message: &str, password: Option<&str>) -> String {
    match password {
        Some(p) if p.len() >= 3 => message.replace(p, "********"),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_hosts_forms() {
        let e = endpoints(
            "mysql",
            "unix:/run/mysqld/mysqld.sock inet:db1:3307, db2 localhost 127.0.0.1:mysql",
        )
        .unwrap();
        assert_eq!(
            e,
            vec![
                Endpoint::Unix("/run/mysqld/mysqld.sock".into()),
                Endpoint::Inet {
                    host: "db1".into(),
                    port: Some(3307)
                },
                Endpoint::Inet {
                    host: "db2".into(),
                    port: None
                },
                Endpoint::DefaultSocket,
                Endpoint::Inet {
                    host: "127.0.0.1".into(),
                    port: Some(3306)
                },
            ]
        );
        assert_eq!(
            endpoints("mysql", "").unwrap(),
            vec![Endpoint::DefaultSocket]
        );
        assert_eq!(
            endpoints("mysql", "localhost:3306").unwrap(),
            vec![Endpoint::DefaultSocket]
        );
        assert!(endpoints("mysql", "db:nosuchport").is_err());
    }

    #[test]
    fn pgsql_hosts_forms() {
        let e = endpoints(
            "pgsql",
            "unix:/var/run/postgresql inet:db:5433 /tmp localhost postgresql://u@h/d",
        )
        .unwrap();
        assert_eq!(
            e,
            vec![
                Endpoint::Unix("/var/run/postgresql".into()),
                Endpoint::Inet {
                    host: "db".into(),
                    port: Some(5433)
                },
                Endpoint::Unix("/tmp".into()),
                Endpoint::Inet {
                    host: "localhost".into(),
                    port: None
                },
                Endpoint::Uri("postgresql://u@h/d".into()),
            ]
        );
    }

    #[test]
    fn scrub_hides_the_password() {
        assert_eq!(
            scrub("bad pw s3cret here", Some("s3cret")),
            "bad pw ******** here"
        );
    }
}
