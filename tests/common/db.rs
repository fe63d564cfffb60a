//! Throwaway database servers for the tests of `--probe`: a MariaDB and a PostgreSQL, each in
//! a temporary directory of its own, listening on a Unix socket there and on 127.0.0.1 at a
//! free port, loaded with a sample schema from fixtures/probe, and stopped when dropped.
//!
//! - `mariadb()`: database `mailserver` with the ISPmail schema (fixtures/probe/ispmail).
//! - `postgres()`: database `postfix` with PostfixAdmin's tables (fixtures/probe/postfixadmin).
//! - `sqlite(dir)`: fixtures/probe/sqlite loaded into a database file.
//!
//! Each server has a read-only user `DB_USER` with the password `DB_PASSWORD` (SELECT on the
//! sample database, over the socket and over TCP, password checked on both); `sql()` runs SQL
//! as the administrator (MariaDB's root over the socket, PostgreSQL's `postgres` over the
//! socket, both without a password). When openssl is there, both servers have a TLS
//! certificate from a CA of their own (`tls_ca`) and a user `TLS_USER` that must use TLS.
//!
//! A missing server program skips the test (`skipped: ...` on stderr, None), or fails it when
//! POSTLINT_DATABASES=required (set by .ci/run). Starting takes about 3 s for MariaDB (most of
//! it mariadb-install-db) and under 1 s for PostgreSQL, on 2 cores.
//!
//! Lifetime: a server lives as long as its value. Hold it in the test function: Drop stops it
//! (MariaDB: SIGTERM and a wait; PostgreSQL: SIGQUIT, the `pg_ctl stop -m immediate` signal)
//! and removes its directory. As a safety net for a test process that is killed, every server
//! gets PR_SET_PDEATHSIG, so it also dies with the *thread* that started it: do not start one
//! on a helper thread (or in a `OnceLock` on the first test's thread) and use it after that
//! thread ends.
//!
//! How Postfix 3.7 reads `hosts` (dict_mysql.c, dict_pgsql.c host_init), which `hosts_forms`
//! follows:
//! - mysql: `unix:/path/to/socket` is a socket; anything else is TCP (`inet:` optional,
//!   `:port` optional, split at the last colon). A bare `/path/to/socket` is a host name
//!   ("Unknown server host"), and `localhost` (with `inet:` or a port too) is the client
//!   library's default socket, /run/mysqld/mysqld.sock, whatever port is given.
//! - pgsql: `postgresql:...` is a libpq URI (the .cf's user, password and dbname are then NOT
//!   used: the URI must carry them); else `unix:` and `inet:` are stripped and a name starting
//!   with `/` is a socket *directory*, with no port: libpq connects to DIR/.s.PGSQL.5432 (or
//!   $PGPORT). The server here listens on DIR/.s.PGSQL.PORT, so DIR also holds a symbolic link
//!   `.s.PGSQL.5432` to it, which makes `unix:DIR` and `DIR` work.
#![allow(dead_code)]

use std::fs::File;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The read-only user every server has.
pub const DB_USER: &str = "mailro";
/// Its password. Never print it: `redact` a text before showing it.
pub const DB_PASSWORD: &str = "s3cret-probe-pw";
/// MariaDB's database (the ISPmail guide's name).
pub const MARIADB_DATABASE: &str = "mailserver";
/// PostgreSQL's database (PostfixAdmin's name).
pub const POSTGRES_DATABASE: &str = "postfix";
/// The sample data, relative to the repository.
pub const FIXTURES: &str = "fixtures/probe";
/// (fixture directory, server) of each sample: ispmail for MariaDB, postfixadmin for
/// PostgreSQL, sqlite for SQLite.
pub const CASES: &[(&str, &str)] = &[
    ("ispmail", "mysql"),
    ("postfixadmin", "pgsql"),
    ("sqlite", "sqlite"),
];

/// How long a server may take to accept connections.
const START_DEADLINE: Duration = Duration::from_secs(30);

/// Whether POSTLINT_DATABASES=required (set by .ci/run): then a missing server fails the test.
pub fn databases_required() -> bool {
    std::env::var("POSTLINT_DATABASES").as_deref() == Ok("required")
}

/// Says why a test skips, or fails it under POSTLINT_DATABASES=required.
fn skip<T>(why: &str) -> Option<T> {
    if databases_required() {
        panic!("POSTLINT_DATABASES=required but {why}");
    }
    eprintln!("skipped: {why}");
    None
}

/// The text with the sample password replaced, for messages.
pub fn redact(text: &str) -> String {
    text.replace(DB_PASSWORD, "<password>")
}

/// The first of `names` found in `dirs` or on PATH.
fn find_program(names: &[&str], dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut all: Vec<PathBuf> = dirs.iter().map(PathBuf::from).collect();
    all.extend(std::env::split_paths(&path));
    for name in names {
        for dir in &all {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// (uid, gid) of a user in /etc/passwd.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = text.lines().find(|l| l.split(':').next() == Some(name))?;
    let fields: Vec<&str> = line.split(':').collect();
    Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?))
}

/// The server dies with the thread that started it, should the test process be killed.
fn die_with_parent(command: &mut Command) {
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec here.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
            Ok(())
        });
    }
}

/// Runs a setup command to the end, its output in `log`; panics with the log on failure.
fn run_logged(command: &mut Command, log: &Path, what: &str) {
    let file = File::create(log).unwrap();
    let status = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if !status.success() {
        panic!(
            "{what} failed ({status}):\n{}",
            redact(&std::fs::read_to_string(log).unwrap_or_default())
        );
    }
}

/// Runs a client with `input` on stdin; its stdout, or a panic with its stderr.
fn run_client(command: &mut Command, input: &str, what: &str) -> String {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    if !out.status.success() {
        panic!(
            "{what} failed ({}): {}",
            out.status,
            redact(&String::from_utf8_lossy(&out.stderr))
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stops a server: `signal`, then up to 10 s for it to end, then SIGKILL.
fn stop(child: &mut Child, signal: libc::c_int) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    // SAFETY: kill has no memory-safety preconditions; the pid is our child's, not reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Polls `ready` every 50 ms until it holds. Err("exited") when the server ended first,
/// Err("timeout") after START_DEADLINE.
fn wait_until(child: &mut Child, mut ready: impl FnMut() -> bool) -> Result<(), &'static str> {
    let deadline = Instant::now() + START_DEADLINE;
    loop {
        if ready() {
            return Ok(());
        }
        if let Ok(Some(_)) = child.try_wait() {
            return Err("exited");
        }
        if Instant::now() > deadline {
            return Err("timeout");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------------
// MariaDB

/// A running MariaDB (mariadbd) with the ISPmail sample loaded.
pub struct Mariadb {
    /// The Unix socket.
    pub socket: PathBuf,
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The admin client (`mariadb` or `mysql`).
    client: PathBuf,
    child: Child,
    /// Data, socket and logs; removed after the server has stopped.
    pub dir: tempfile::TempDir,
    /// The CA that signed the server's TLS certificate (for 127.0.0.1), when openssl made
    /// one; the user `mailtls` must then connect with TLS.
    pub tls_ca: Option<PathBuf>,
}

/// A user that may only connect with TLS, with the same password and rights as DB_USER: in
/// MariaDB `REQUIRE SSL`; in PostgreSQL pg_hba.conf admits it over TCP with `hostssl` only.
pub const TLS_USER: &str = "mailtls";

/// A CA and a server certificate for 127.0.0.1 and localhost signed by it, in `dir`: (ca.pem,
/// server.pem, server.key). None when openssl is not there.
pub fn tls_files(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    crate::common::ca_signed(
        dir,
        "server",
        "/CN=localhost",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .ok()?;
    Some((
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    ))
}

/// Settings for a small, fast, throwaway server; the same for install-db and the server.
const MARIADB_TUNING: &[&str] = &[
    "--innodb-log-file-size=4M",
    "--innodb-buffer-pool-size=16M",
    "--innodb-doublewrite=0",
    "--innodb-flush-log-at-trx-commit=0",
    "--skip-name-resolve",
];

/// Starts a MariaDB with the ISPmail sample (fixtures/probe/ispmail/schema.sql) in database
/// `mailserver`, the read-only user, and returns it ready; None (with `skipped: ...`) when
/// MariaDB is not installed.
pub fn mariadb() -> Option<Mariadb> {
    let sbin = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];
    let (Some(server), Some(install), Some(client)) = (
        find_program(&["mariadbd", "mysqld"], &sbin),
        find_program(&["mariadb-install-db", "mysql_install_db"], &sbin),
        find_program(&["mariadb", "mysql"], &sbin),
    ) else {
        return skip(
            "MariaDB is not installed (mariadbd, mariadb-install-db, mariadb; \
             apt-get install mariadb-server, see .ci/run)",
        );
    };
    let mut dir = tempfile::Builder::new()
        .prefix("postlint-mariadb")
        .tempdir()
        .unwrap();
    let data = dir.path().join("data");
    let socket = dir.path().join("mysqld.sock");
    let user = if is_root() {
        vec!["--user=root"]
    } else {
        vec![]
    };
    run_logged(
        Command::new(&install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(&user)
            .args(["--auth-root-authentication-method=socket", "--skip-test-db"])
            .args(MARIADB_TUNING)
            .current_dir(dir.path()),
        &dir.path().join("install-db.log"),
        "mariadb-install-db",
    );
    let log = dir.path().join("mariadbd.log");
    let tls = tls_files(dir.path());
    // A port that was free may be taken by the time the server binds it: try again.
    for attempt in 1.. {
        let port = free_port();
        let mut command = Command::new(&server);
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!(
                "--pid-file={}",
                dir.path().join("mysqld.pid").display()
            ))
            .arg(format!("--log-error={}", log.display()))
            .arg(format!("--tmpdir={}", dir.path().display()))
            .args(&user)
            .args(MARIADB_TUNING)
            .args(tls.iter().flat_map(|(ca, cert, key)| {
                [
                    format!("--ssl-ca={}", ca.display()),
                    format!("--ssl-cert={}", cert.display()),
                    format!("--ssl-key={}", key.display()),
                ]
            }))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        die_with_parent(&mut command);
        let child = command.spawn().expect("mariadbd starts");
        let mut db = Mariadb {
            socket: socket.clone(),
            port,
            client: client.clone(),
            child,
            dir,
            tls_ca: tls.as_ref().map(|(ca, _, _)| ca.clone()),
        };
        let ready = {
            let mut probe = db.admin_command(None);
            probe.args(["-e", "SELECT 1"]);
            wait_until(&mut db.child, || {
                probe
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            })
        };
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        match ready {
            Ok(()) => {
                db.setup();
                return Some(db);
            }
            Err("exited") if attempt < 5 && text.contains("already in use") => {
                dir = take_dir(db);
                continue;
            }
            Err(why) => {
                stop(&mut db.child, libc::SIGKILL);
                panic!("mariadbd {why} before accepting connections; its log:\n{text}");
            }
        }
    }
    unreachable!()
}

/// The directory of a server that did not start, to start again in.
fn take_dir(mut db: Mariadb) -> tempfile::TempDir {
    stop(&mut db.child, libc::SIGKILL);
    let placeholder = tempfile::tempdir().unwrap();
    std::mem::replace(&mut db.dir, placeholder)
}

impl Mariadb {
    /// The admin client on the socket (root, socket authentication), in `database`.
    fn admin_command(&self, database: Option<&str>) -> Command {
        let mut command = Command::new(&self.client);
        command
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.socket.display()))
            .args(["--user=root", "--batch", "--skip-column-names"]);
        if let Some(database) = database {
            command.arg(format!("--database={database}"));
        }
        command.env_remove("MYSQL_PWD").env_remove("MYSQL_HOST");
        command
    }

    /// Runs SQL as root in `database` (None: no database selected); its output, tab-separated
    /// rows without column names. Panics with the client's error.
    pub fn sql(&self, database: Option<&str>, sql: &str) -> String {
        run_client(&mut self.admin_command(database), sql, "mariadb (admin)")
    }

    /// The database, the read-only user, the sample data.
    fn setup(&self) {
        let schema = std::fs::read_to_string(Path::new(FIXTURES).join("ispmail/schema.sql"))
            .expect("fixtures/probe/ispmail/schema.sql");
        self.sql(
            None,
            &format!(
                "CREATE DATABASE {MARIADB_DATABASE};\n\
                 CREATE USER '{DB_USER}'@'localhost' IDENTIFIED BY '{DB_PASSWORD}';\n\
                 CREATE USER '{DB_USER}'@'%' IDENTIFIED BY '{DB_PASSWORD}';\n\
                 GRANT SELECT ON {MARIADB_DATABASE}.* TO '{DB_USER}'@'localhost';\n\
                 GRANT SELECT ON {MARIADB_DATABASE}.* TO '{DB_USER}'@'%';\n\
                 CREATE USER '{TLS_USER}'@'%' IDENTIFIED BY '{DB_PASSWORD}' REQUIRE SSL;\n\
                 GRANT SELECT ON {MARIADB_DATABASE}.* TO '{TLS_USER}'@'%';\n"
            ),
        );
        self.sql(Some(MARIADB_DATABASE), &schema);
    }

    /// `hosts` values Postfix's mysql client connects to this server with: the socket, TCP
    /// with and without `inet:`.
    pub fn hosts_forms(&self) -> Vec<String> {
        vec![
            format!("unix:{}", self.socket.display()),
            format!("inet:127.0.0.1:{}", self.port),
            format!("127.0.0.1:{}", self.port),
        ]
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mariadbd.log")).unwrap_or_default()
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        stop(&mut self.child, libc::SIGTERM);
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/// A running PostgreSQL (postgres, the postmaster) with the PostfixAdmin sample loaded.
pub struct Postgres {
    /// The directory of the Unix socket: DIR/.s.PGSQL.PORT, and DIR/.s.PGSQL.5432 linked to
    /// it (for `hosts = unix:DIR`, which has no port).
    pub socket_dir: PathBuf,
    /// The TCP port on 127.0.0.1 (and the socket's name).
    pub port: u16,
    /// psql.
    client: PathBuf,
    child: Child,
    /// Data, socket and log; removed after the server has stopped.
    pub dir: tempfile::TempDir,
    /// The CA that signed the server's TLS certificate (for 127.0.0.1 and localhost), when
    /// openssl made one: the server then has `ssl = on`, and TLS_USER must use it over TCP.
    pub tls_ca: Option<PathBuf>,
}

/// Where Debian's PostgreSQL programs are: the newest /usr/lib/postgresql/N/bin holding
/// initdb, else PATH.
fn postgres_bin_dirs() -> Vec<String> {
    let mut versions: Vec<(u32, String)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((n, format!("{}/bin", e.path().display())))
        })
        .collect();
    versions.sort();
    versions.into_iter().rev().map(|(_, d)| d).collect()
}

/// Starts a PostgreSQL with PostfixAdmin's tables (fixtures/probe/postfixadmin/schema.sql) in
/// database `postfix`, the read-only user, and returns it ready; None (with `skipped: ...`)
/// when PostgreSQL is not installed. As root, the server runs as the `postgres` user.
pub fn postgres() -> Option<Postgres> {
    let bins = postgres_bin_dirs();
    let bins: Vec<&str> = bins.iter().map(String::as_str).collect();
    let (Some(initdb), Some(server), Some(client)) = (
        find_program(&["initdb"], &bins),
        find_program(&["postgres"], &bins),
        find_program(&["psql"], &bins),
    ) else {
        return skip(
            "PostgreSQL is not installed (initdb, postgres, psql; apt-get install postgresql, \
             see .ci/run)",
        );
    };
    let ids = if is_root() {
        match user_ids("postgres") {
            Some(ids) => Some(ids),
            None => return skip("there is no `postgres` user to run PostgreSQL as (root may not)"),
        }
    } else {
        None
    };
    let as_server_user = |command: &mut Command| {
        if let Some((uid, gid)) = ids {
            command.uid(uid).gid(gid);
        }
        command.env("LC_ALL", "C").env_remove("PGDATA");
    };
    let mut dir = tempfile::Builder::new()
        .prefix("postlint-pgsql")
        .tempdir()
        .unwrap();
    if let Some((uid, gid)) = ids {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
    }
    let data = dir.path().join("data");
    let mut command = Command::new(&initdb);
    command
        .arg("--pgdata")
        .arg(&data)
        .args([
            "--username=postgres",
            "--encoding=UTF8",
            "--locale=C",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
            "--no-instructions",
        ])
        .current_dir(dir.path());
    as_server_user(&mut command);
    run_logged(&mut command, &dir.path().join("initdb.log"), "initdb");
    // The administrator without a password on the socket; everyone else with one, on the
    // socket too, so that a wrong password is refused whichever way Postfix connects; TLS_USER
    // over TCP with TLS only.
    std::fs::write(
        data.join("pg_hba.conf"),
        format!(
            "local all postgres trust\n\
             local all all scram-sha-256\n\
             hostssl all {TLS_USER} 127.0.0.1/32 scram-sha-256\n\
             host all {TLS_USER} 127.0.0.1/32 reject\n\
             host all all 127.0.0.1/32 scram-sha-256\n"
        ),
    )
    .unwrap();
    // The server reads its key only if no one else may (as its own user, mode 0600).
    let tls = tls_files(dir.path());
    if let Some((_, cert, key)) = &tls {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o600)).unwrap();
        if let Some((uid, gid)) = ids {
            for file in [cert, key] {
                std::os::unix::fs::chown(file, Some(uid), Some(gid)).unwrap();
            }
        }
    }
    let log = dir.path().join("postgres.log");
    for attempt in 1.. {
        let port = free_port();
        let log_file = File::create(&log).unwrap();
        let mut command = Command::new(&server);
        command
            .arg("-D")
            .arg(&data)
            .arg("-p")
            .arg(port.to_string())
            .arg("-c")
            .arg("listen_addresses=127.0.0.1")
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.path().display()))
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .args([
                "-c",
                "synchronous_commit=off",
                "-c",
                "logging_collector=off",
            ])
            .args(["-c", "shared_buffers=16MB", "-c", "max_connections=30"])
            .args(tls.iter().flat_map(|(_, cert, key)| {
                [
                    "-c".to_string(),
                    "ssl=on".to_string(),
                    "-c".to_string(),
                    format!("ssl_cert_file={}", cert.display()),
                    "-c".to_string(),
                    format!("ssl_key_file={}", key.display()),
                ]
            }))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file);
        as_server_user(&mut command);
        die_with_parent(&mut command);
        let child = command.spawn().expect("postgres starts");
        let mut db = Postgres {
            socket_dir: dir.path().to_path_buf(),
            port,
            client: client.clone(),
            child,
            dir,
            tls_ca: tls.as_ref().map(|(ca, _, _)| ca.clone()),
        };
        let ready = {
            let mut probe = db.admin_command("postgres");
            probe.args(["-c", "SELECT 1"]);
            wait_until(&mut db.child, || {
                probe
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            })
        };
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        match ready {
            Ok(()) => {
                db.setup();
                return Some(db);
            }
            Err("exited") if attempt < 5 && text.contains("already in use") => {
                stop(&mut db.child, libc::SIGKILL);
                let placeholder = tempfile::tempdir().unwrap();
                dir = std::mem::replace(&mut db.dir, placeholder);
                continue;
            }
            Err(why) => {
                stop(&mut db.child, libc::SIGKILL);
                panic!("postgres {why} before accepting connections; its log:\n{text}");
            }
        }
    }
    unreachable!()
}

impl Postgres {
    /// psql as `postgres` on the socket, in `database`, stopping at the first error.
    fn admin_command(&self, database: &str) -> Command {
        let mut command = Command::new(&self.client);
        command
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .arg("-h")
            .arg(&self.socket_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-U", "postgres", "-d", database]);
        for name in [
            "PGPASSWORD",
            "PGPASSFILE",
            "PGSERVICE",
            "PGOPTIONS",
            "PGHOST",
            "PGPORT",
        ] {
            command.env_remove(name);
        }
        command
    }

    /// Runs SQL as `postgres` in `database`; its output (unaligned rows, `|` between
    /// columns). Panics with psql's error.
    pub fn sql(&self, database: &str, sql: &str) -> String {
        let mut command = self.admin_command(database);
        command.args(["-f", "-"]);
        run_client(&mut command, sql, "psql (admin)")
    }

    /// The database, the read-only user, the sample data, the socket's default-port link.
    fn setup(&self) {
        let schema = std::fs::read_to_string(Path::new(FIXTURES).join("postfixadmin/schema.sql"))
            .expect("fixtures/probe/postfixadmin/schema.sql");
        self.sql(
            "postgres",
            &format!(
                "CREATE ROLE {DB_USER} LOGIN PASSWORD '{DB_PASSWORD}';\n\
                 CREATE ROLE {TLS_USER} LOGIN PASSWORD '{DB_PASSWORD}';\n\
                 CREATE DATABASE {POSTGRES_DATABASE};\n"
            ),
        );
        self.sql(POSTGRES_DATABASE, &schema);
        self.sql(
            POSTGRES_DATABASE,
            &format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {DB_USER}, {TLS_USER};\n"),
        );
        let link = self.socket_dir.join(".s.PGSQL.5432");
        if self.port != 5432 {
            std::os::unix::fs::symlink(format!(".s.PGSQL.{}", self.port), link).unwrap();
        }
    }

    /// `hosts` values Postfix's pgsql client connects to this server with: the socket
    /// directory with and without `unix:` (through the .s.PGSQL.5432 link), TCP with and
    /// without `inet:`, and libpq URIs over TCP and over the socket (which carry the user and
    /// password themselves: Postfix then ignores `user`, `password` and `dbname`).
    pub fn hosts_forms(&self) -> Vec<String> {
        let dir = self.socket_dir.display();
        let port = self.port;
        vec![
            format!("unix:{dir}"),
            format!("{dir}"),
            format!("inet:127.0.0.1:{port}"),
            format!("127.0.0.1:{port}"),
            format!("postgresql://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{port}/{POSTGRES_DATABASE}"),
            format!(
                "postgresql:///{POSTGRES_DATABASE}?host={dir}&port={port}&user={DB_USER}\
                 &password={DB_PASSWORD}"
            ),
        ]
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGQUIT: immediate shutdown, what `pg_ctl stop -m immediate` sends.
        stop(&mut self.child, libc::SIGQUIT);
    }
}

// ---------------------------------------------------------------------------------------------
// SQLite

/// fixtures/probe/sqlite/schema.sql loaded into `dir/aliases.sqlite` with sqlite3(1), every
/// file in `dir` back-dated; None (with `skipped: ...`) when sqlite3 is not installed.
pub fn sqlite(dir: &Path) -> Option<PathBuf> {
    let Some(sqlite3) = find_program(&["sqlite3"], &["/usr/bin", "/usr/local/bin"]) else {
        return skip("sqlite3 is not installed (apt-get install sqlite3, see .ci/run)");
    };
    let schema = std::fs::read_to_string(Path::new(FIXTURES).join("sqlite/schema.sql"))
        .expect("fixtures/probe/sqlite/schema.sql");
    let path = dir.join("aliases.sqlite");
    let mut command = Command::new(sqlite3);
    command.arg("-bail").arg(&path);
    run_client(&mut command, &schema, "sqlite3");
    // Postfix waits before it reads a file modified in the last second or so.
    super::backdate(dir);
    Some(path)
}

// ---------------------------------------------------------------------------------------------
// Configuration directories and the expected answers

/// Writes fixtures/probe/CASE (main.cf, the .cf files and the tables beside them, not the
/// schema) into `dir` the way the Postfix of a
/// test reads it: `/etc/postfix/` becomes `dir/`, `@HOSTS@` becomes `hosts`, `@DBPATH@`
/// becomes `dbpath`; adds an empty master.cf and back-dates everything.
pub fn write_case(case: &str, dir: &Path, hosts: &str, dbpath: Option<&Path>) {
    let from = Path::new(FIXTURES).join(case);
    let prefix = format!("{}/", dir.display());
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".sql") || name.ends_with(".snap") {
            continue;
        }
        let mut text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("/etc/postfix/", &prefix)
            .replace("@HOSTS@", hosts);
        if let Some(dbpath) = dbpath {
            text = text.replace("@DBPATH@", &dbpath.display().to_string());
        }
        std::fs::write(dir.join(&name), text).unwrap();
    }
    if !dir.join("master.cf").exists() {
        std::fs::write(dir.join("master.cf"), "").unwrap();
    }
    super::backdate(dir);
}

/// One row of fixtures/probe/expected.txt: what Postfix answers for `key` in `map`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// `TYPE:CASE/FILE.cf`, e.g. `mysql:ispmail/mysql-virtual-alias-maps.cf`.
    pub map: String,
    pub key: String,
    /// None: not found.
    pub answer: Option<String>,
}

impl Expected {
    /// The lookup type: mysql, pgsql or sqlite.
    pub fn kind(&self) -> &str {
        self.map.split_once(':').unwrap().0
    }
    /// The fixture directory: ispmail, postfixadmin or sqlite.
    pub fn case(&self) -> &str {
        self.file().split_once('/').unwrap().0
    }
    /// `CASE/FILE.cf`.
    pub fn file(&self) -> &str {
        self.map.split_once(':').unwrap().1
    }
    /// The .cf file's name.
    pub fn cf_name(&self) -> &str {
        self.file().split_once('/').unwrap().1
    }
}

/// fixtures/probe/expected.txt: `TYPE:CASE/FILE.cf<TAB>KEY<TAB>ANSWER` lines, `-` for not
/// found, `#` comments. Keys and answers are as Postfix sees them (a backslash is one
/// backslash; nothing is escaped).
pub fn expected() -> Vec<Expected> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("expected.txt"))
        .expect("fixtures/probe/expected.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                fields.len(),
                3,
                "expected.txt: not three tab-separated fields: {l:?}"
            );
            Expected {
                map: fields[0].to_string(),
                key: fields[1].to_string(),
                answer: (fields[2] != "-").then(|| fields[2].to_string()),
            }
        })
        .collect()
}

/// What `postmap -q` answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Found(String),
    NotFound,
    /// Postfix could not ask (connection, query or configuration error): its stderr, with
    /// the password redacted.
    Error(String),
}

impl Answer {
    /// As expected.txt writes it: the value, `-` for not found, `!` and the error.
    pub fn text(&self) -> String {
        match self {
            Answer::Found(v) => v.clone(),
            Answer::NotFound => "-".to_string(),
            Answer::Error(e) => format!("!{}", e.trim()),
        }
    }
}

/// `postmap -c CONFIG_DIR -q KEY MAP` with no PG* or MYSQL_* variable to change where it
/// connects.
pub fn postmap_query(config_dir: &Path, map: &str, key: &str) -> Answer {
    let mut command = Command::new("postmap");
    command
        .arg("-c")
        .arg(config_dir)
        .args(["-q", key, map])
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if n.starts_with("PG") || n.starts_with("MYSQL_") {
            command.env_remove(&name);
        }
    }
    let out = command.output().expect("postmap runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        Answer::Found(stdout.trim_end_matches('\n').to_string())
    } else if out.status.code() == Some(1) && stdout.is_empty() && stderr.trim().is_empty() {
        Answer::NotFound
    } else {
        Answer::Error(redact(&format!("({}) {stderr}", out.status)))
    }
}
