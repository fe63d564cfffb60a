//! `--probe`: asks the databases behind the mysql:, pgsql: and sqlite: tables what Postfix
//! would ask them, and puts the answers on the model's tables (model/probed.rs), so that
//! every rule and `--trace` see SQL-backed domains and addresses as they see file tables.
//!
//! What is asked, and nothing else (only the .cf files' own queries, in read-only sessions):
//! - each table of a domain list (mydestination, virtual_alias_domains,
//!   virtual_mailbox_domains, relay_domains): every domain the model knows of;
//! - each table of virtual_alias_maps and virtual_mailbox_maps: `postmaster@`, `abuse@` and
//!   the catch-all `@` of every domain the server receives mail for (SQL members included);
//!   of alias_maps: `postmaster` and `abuse`.
//!
//! Keys Postfix would not send (the `domain` setting, a `%d` query and a key without a
//! domain) are answered "not found" without asking, as Postfix answers them.

pub mod client;
pub mod expand;
pub mod option_file;
mod pg_tls;

use std::collections::{BTreeSet, HashMap};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::model::classes::ClassKind;
use crate::model::dbcf::{self, DbKind};
use crate::model::paths::Location;
use crate::model::probed::{ProbeProblem, ProbeReport, ProbedAnswer, ProbedTable, Setting};
use crate::model::tables::{Content, TableId};
use crate::model::Model;
use client::{ConnectError, Credentials, Session};
use expand::QuerySpec;

/// How long and how much `--probe` may ask.
#[derive(Clone, Debug)]
pub struct Options {
    /// Each connection attempt and each query.
    pub timeout: Duration,
    /// The whole run: tables not probed by then stay unknown.
    pub budget: Duration,
    /// At most this many keys per table.
    pub max_keys: usize,
    /// A progress line on standard error (only when it is a terminal).
    pub progress: bool,
    /// `--trace ADDRESS`: its domain is asked of the domain lists, the address, its local
    /// part and `@domain` of the address maps.
    pub trace: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: Duration::from_secs(5),
            budget: Duration::from_secs(120),
            max_keys: 50_000,
            progress: std::io::stderr().is_terminal(),
            trace: None,
        }
    }
}

/// The domain lists whose tables are asked every known domain.
const DOMAIN_LISTS: [ClassKind; 4] = [
    ClassKind::Local,
    ClassKind::VirtualAlias,
    ClassKind::VirtualMailbox,
    ClassKind::Relay,
];

/// The address maps asked for the role addresses of every hosted domain.
const ADDRESS_MAPS: [&str; 2] = ["virtual_alias_maps", "virtual_mailbox_maps"];

/// Probes the model's SQL tables and records the answers on it.
pub fn run(model: &mut Model, options: &Options) {
    let started = Instant::now();
    let deadline = started + options.budget;
    let mut report = ProbeReport::default();
    let sql: Vec<TableId> = model
        .tables
        .iter()
        .filter(|t| DbKind::of(&t.kind).is_some_and(DbKind::is_sql) && t.source.is_some())
        .map(|t| t.id)
        .collect();
    if sql.is_empty() {
        model.probe = Some(report);
        return;
    }

    let leaves = |model: &Model, list: &[TableId]| -> Vec<TableId> {
        let mut out = model
            .tables
            .leaf_tables_of(list, |c| matches!(c, Content::Unknown(_)));
        out.retain(|t| sql.contains(t));
        out
    };
    let mut list_tables: Vec<TableId> = Vec::new();
    for kind in DOMAIN_LISTS {
        let listed: Vec<TableId> = model.class(kind).listed_tables().collect();
        for t in leaves(model, &listed) {
            if !list_tables.contains(&t) {
                list_tables.push(t);
            }
        }
    }
    let mut address_tables: Vec<TableId> = Vec::new();
    for param in ADDRESS_MAPS {
        for t in leaves(model, &model.maps(param).tables) {
            if !address_tables.contains(&t) {
                address_tables.push(t);
            }
        }
    }
    let alias_tables = leaves(model, &model.maps("virtual_alias_maps").tables);
    let local_alias_tables = leaves(model, &model.maps("alias_maps").tables);
    let asks = local_alias_tables
        .iter()
        .map(|&t| (t, vec!["postmaster".to_string(), "abuse".to_string()]))
        .collect();
    ask_and_merge(model, asks, options, deadline, &mut report);

    // Rounds: the domains known so far against the domain lists; the role addresses of the
    // hosted ones, the traced address and the addresses aliases lead to against the address
    // maps; the domains those answers name, in the next round.
    let traced = options
        .trace
        .as_deref()
        .map(|a| crate::model::tables::fold(a).into_owned());
    let mut known = known_domains(model);
    known.extend(
        traced
            .as_deref()
            .and_then(|a| a.rsplit_once('@'))
            .map(|(_, d)| d.to_string()),
    );
    // A domain query that compares with LIKE lists every domain for the key `%`: the one way
    // to learn the domains only the database holds without writing SQL of our own.
    for &t in &list_tables {
        if let Some(domains) = enumerate(model, t, options, deadline) {
            known.extend(domains);
        }
    }
    let mut domains_asked: BTreeSet<String> = BTreeSet::new();
    let mut roles_asked: BTreeSet<String> = BTreeSet::new();
    for round in 0..4 {
        let new_domains: Vec<String> = known.difference(&domains_asked).cloned().collect();
        domains_asked.extend(new_domains.iter().cloned());
        if !new_domains.is_empty() && !list_tables.is_empty() {
            let asks = list_tables
                .iter()
                .map(|&t| (t, new_domains.clone()))
                .collect();
            ask_and_merge(model, asks, options, deadline, &mut report);
            let tables = &model.tables;
            for class in &mut model.classes {
                class.add_probed_members(tables);
            }
        }
        let hosted = hosted_domains(model);
        let mut keys: Vec<String> = Vec::new();
        if round == 0 {
            if let Some(address) = &traced {
                keys.push(address.clone());
                if let Some((user, domain)) = address.rsplit_once('@') {
                    keys.extend([user.to_string(), format!("@{domain}")]);
                }
            }
        }
        for d in hosted.difference(&roles_asked) {
            keys.extend([
                format!("postmaster@{d}"),
                format!("abuse@{d}"),
                format!("@{d}"),
            ]);
        }
        roles_asked.extend(hosted.iter().cloned());
        // The targets of the aliases postlint reads from files, in the hosted domains: whether
        // a SQL mailbox or alias table has them is alias-target-unknown's question.
        keys.extend(file_alias_targets(model, &hosted));
        for t in &alias_tables {
            let Some(probed) = model.tables.probed.get(t) else {
                continue;
            };
            for (_, answer) in probed.found() {
                let value = answer.value.as_deref().unwrap_or("");
                for target in value.split([',', ' ', '\t']) {
                    let target = crate::model::tables::fold(target.trim_ascii()).into_owned();
                    let Some((_, domain)) = target.rsplit_once('@') else {
                        continue;
                    };
                    if crate::model::classes::is_domain_key(domain) {
                        known.insert(domain.to_string());
                    }
                    if hosted.contains(domain) {
                        keys.push(target);
                    }
                }
            }
        }
        let asks: Vec<(TableId, Vec<String>)> = address_tables
            .iter()
            .map(|&t| {
                let asked = model.tables.probed.get(&t);
                let mut new: Vec<String> = keys
                    .iter()
                    .filter(|k| asked.is_none_or(|p| p.get(k).is_none()))
                    .cloned()
                    .collect();
                new.dedup();
                (t, new)
            })
            .filter(|(_, keys)| !keys.is_empty())
            .collect();
        if asks.is_empty() && known.len() == domains_asked.len() {
            break;
        }
        ask_and_merge(model, asks, options, deadline, &mut report);
    }
    // Every other table is connected to once: a server Postfix cannot reach is worth knowing
    // even when no key was worth asking.
    for &t in &sql {
        let touched = model.tables.probed.contains_key(&t)
            || report.problems.iter().any(|p| p.table == t)
            || report.skipped.iter().any(|(id, _)| *id == t);
        if !touched {
            if let Some(answers) = probe_table(model, t, &[], options, deadline, &mut report) {
                model.tables.probed.insert(t, answers);
            }
        }
    }
    if options.progress {
        eprint!("\r\x1b[K");
    }
    let mut ids: Vec<&TableId> = model.tables.probed.keys().collect();
    ids.sort();
    let notes: Vec<String> = ids
        .into_iter()
        .map(|id| {
            let probed = &model.tables.probed[id];
            let first: Vec<&str> = probed
                .answers
                .iter()
                .take(3)
                .map(|a| a.key.as_str())
                .collect();
            let more = if probed.answers.len() > 3 {
                ", ..."
            } else {
                ""
            };
            format!(
                "--probe asked {}: {} keys ({}{more}), {} found",
                model.tables.get(*id).reference(),
                probed.answers.len(),
                first.join(", "),
                probed.found().count()
            )
        })
        .collect();
    model.notes.extend(notes);
    for (id, why) in &report.skipped {
        model.notes.push(format!(
            "--probe left {} alone: {why}",
            model.tables.get(*id).reference()
        ));
    }
    model.forget_derived();
    model.timings.push(("probe".to_string(), started.elapsed()));
    model.probe = Some(report);
}

/// The targets of the virtual aliases in the tables postlint reads, in `hosted` domains, as
/// alias-target-unknown looks them up: the address, and without its extension.
fn file_alias_targets(model: &Model, hosted: &BTreeSet<String>) -> Vec<String> {
    let aliases = model.maps("virtual_alias_maps");
    let delimiters = crate::model::restrictions::service_value(model, None, "recipient_delimiter")
        .unwrap_or_default();
    let mut keys = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |key: String| {
        if seen.insert(key.clone()) {
            keys.push(key);
        }
    };
    for id in model.tables.known_entry_tables_of(&aliases.tables) {
        let Some(entries) = model.tables.get(id).entries() else {
            continue;
        };
        for entry in entries.iter() {
            for target in crate::model::alias_graph::folded_targets(entry.value) {
                let Some((local, domain)) = crate::model::tables::split_address(&target) else {
                    continue;
                };
                if local.is_empty() || !hosted.contains(domain) {
                    continue;
                }
                if let Some(bare) = crate::model::alias_graph::without_extension(local, &delimiters)
                {
                    push(format!("{bare}@{domain}"));
                }
                push(target.into_owned());
            }
        }
    }
    keys
}

/// Asks one database table the keys, as `--probe` does, and returns its answers (None when
/// it could not be asked) with what went wrong. For tests and tools that compare with Postfix.
pub fn ask_table(
    model: &Model,
    id: TableId,
    keys: &[String],
    options: &Options,
) -> (Option<ProbedTable>, ProbeReport) {
    let mut report = ProbeReport::default();
    let answers = probe_table(
        model,
        id,
        keys,
        options,
        Instant::now() + options.budget,
        &mut report,
    );
    (answers, report)
}

/// The domains a LIKE query answers for `%`, when the table's query is one.
fn enumerate(
    model: &Model,
    id: TableId,
    options: &Options,
    deadline: Instant,
) -> Option<Vec<String>> {
    let table = model.tables.get(id);
    let query = dbcf::last_settings(table)
        .get("query")?
        .value
        .to_ascii_lowercase();
    let compact: String = query.split_whitespace().collect::<Vec<_>>().join(" ");
    if !(compact.contains("like '%s'") || compact.contains("like '%d'")) {
        return None;
    }
    // Its problems are the table's own and are reported by the rounds that follow.
    let answers = probe_table(
        model,
        id,
        &["%".to_string()],
        options,
        deadline,
        &mut ProbeReport::default(),
    );
    let value = answers?.answers.into_iter().next()?.value?;
    Some(
        value
            .split(',')
            .map(|d| crate::model::tables::fold(d.trim_ascii()).into_owned())
            .filter(|d| crate::model::classes::is_domain_key(d))
            .collect(),
    )
}

/// Asks each table its keys and adds the answers to what the table already has.
fn ask_and_merge(
    model: &mut Model,
    asks: Vec<(TableId, Vec<String>)>,
    options: &Options,
    deadline: Instant,
    report: &mut ProbeReport,
) {
    for (t, keys) in asks {
        if let Some(answers) = probe_table(model, t, &keys, options, deadline, report) {
            match model.tables.probed.get_mut(&t) {
                Some(existing) => {
                    for a in answers.answers {
                        existing.add(a);
                    }
                }
                None => {
                    model.tables.probed.insert(t, answers);
                }
            }
        }
    }
}

/// Every domain the model knows of: the members of the four classes, the domains of every
/// known table's keys and of the addresses in its values, and the machine's own names.
fn known_domains(model: &Model) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for kind in DOMAIN_LISTS {
        for member in model.class(kind).members(&model.tables) {
            if crate::model::classes::is_domain_key(member.domain) {
                out.insert(member.domain.to_string());
            }
        }
    }
    let mut add = |word: &str| {
        let domain = word.rsplit_once('@').map_or(word, |(_, d)| d);
        let domain = domain.trim_end_matches('.');
        if crate::model::classes::is_domain_key(domain) && !out.contains(domain) {
            out.insert(crate::model::tables::fold(domain).into_owned());
        }
    };
    for table in model.tables.iter() {
        let Some(entries) = table.entries() else {
            continue;
        };
        for i in 0..entries.len() as u32 {
            add(entries.folded_key(i));
            let value = entries.entry(i).value;
            if value.contains('@') {
                value
                    .split([',', ' ', '\t'])
                    .filter(|w| w.contains('@'))
                    .for_each(&mut add);
            }
        }
    }
    for param in ["myhostname", "mydomain", "myorigin"] {
        let value = model.params.expand(param).text;
        if !value.contains(crate::model::expand::UNKNOWN) {
            add(value.trim_ascii());
        }
    }
    out
}

/// The domains the server receives mail for that have virtual role addresses to check: the
/// virtual alias and virtual mailbox classes' members, SQL ones included.
fn hosted_domains(model: &Model) -> BTreeSet<String> {
    [ClassKind::VirtualAlias, ClassKind::VirtualMailbox]
        .iter()
        .flat_map(|&k| model.class(k).members(&model.tables))
        .map(|m| m.domain.to_string())
        .collect()
}

/// Asks one table the keys; None when it was not asked at all.
fn probe_table(
    model: &Model,
    id: TableId,
    keys: &[String],
    options: &Options,
    deadline: Instant,
    report: &mut ProbeReport,
) -> Option<ProbedTable> {
    // A table that failed once is not tried again in a later round.
    if report.problems.iter().any(|p| p.table == id) {
        return None;
    }
    let table = model.tables.get(id);
    let kind = DbKind::of(&table.kind)?;
    let file = table.source?;
    let shown = table
        .source_display
        .clone()
        .unwrap_or_else(|| table.name.clone());
    let problem = |report: &mut ProbeReport, setting, message: String, postfix_fails| {
        report.problems.push(ProbeProblem {
            table: id,
            setting,
            message,
            postfix_fails,
        })
    };
    let settings = dbcf::last_settings(table);
    if model.sources.get(file).template.is_some()
        || settings.values().any(|s| dbcf::has_placeholder(&s.value))
    {
        report
            .skipped
            .push((id, format!("{shown} is a template or holds a placeholder")));
        return None;
    }
    let settings: HashMap<&str, &str> = settings
        .iter()
        .map(|(k, s)| (*k, s.value.as_str()))
        .collect();
    let spec = match QuerySpec::from_settings(kind.name(), &settings) {
        Ok(spec) => spec,
        Err(why) => {
            report.skipped.push((id, format!("{shown}: {why}")));
            return None;
        }
    };
    if Instant::now() >= deadline {
        problem(
            report,
            Setting::Connection,
            format!(
                "not probed: the probe's time budget ({} s) ran out first",
                options.budget.as_secs()
            ),
            false,
        );
        return None;
    }
    let mut session = match connect(model, kind, &settings, options) {
        Ok(session) => session,
        Err(e) if e.postfix_fails => {
            problem(report, Setting::Connection, e.message, true);
            return None;
        }
        Err(e) => {
            // What only postlint's client cannot do is a limit of the probe, not a fault of
            // the setup.
            let message = format!("not probed: {}", e.message);
            problem(report, Setting::Connection, message, false);
            return None;
        }
    };
    let quoting = session.quoting();
    let mut out = ProbedTable::default();
    let mut last_progress = Instant::now();
    let total = keys.len().min(options.max_keys);
    if keys.len() > options.max_keys {
        problem(
            report,
            Setting::Query,
            format!(
                "asked {} of {} keys (the probe's limit per table); the rest are unknown",
                options.max_keys,
                keys.len()
            ),
            false,
        );
    }
    for (n, key) in keys.iter().take(options.max_keys).enumerate() {
        let key = crate::model::tables::fold(key).into_owned();
        if out.get(&key).is_some() {
            continue;
        }
        // A key Postfix does not send is "not found" without asking.
        let Some(sql) = spec.query(&key, quoting) else {
            out.add(ProbedAnswer {
                key,
                value: None,
                rows: 0,
            });
            continue;
        };
        if Instant::now() >= deadline {
            problem(
                report,
                Setting::Query,
                format!(
                    "the probe's time budget ({} s) ran out after {n} of {total} keys; the rest are unknown",
                    options.budget.as_secs()
                ),
                false,
            );
            break;
        }
        if options.progress && last_progress.elapsed() > Duration::from_millis(200) {
            eprint!(
                "\r\x1b[Kprobing {}: {n}/{total}",
                crate::output::printable(&shown)
            );
            let _ = std::io::stderr().flush();
            last_progress = Instant::now();
        }
        let rows = match session.query(&sql) {
            Ok(rows) => rows,
            Err(why) => {
                let why = client::scrub(&why, settings.get("password").copied());
                problem(
                    report,
                    Setting::Query,
                    format!("the query failed for {key}: {why}"),
                    true,
                );
                break;
            }
        };
        let fields = rows.iter().flat_map(|r| r.iter().map(|f| f.as_deref()));
        match spec.answer(&key, fields) {
            Ok(value) => out.add(ProbedAnswer {
                key,
                value,
                rows: rows.len(),
            }),
            Err(why) => problem(
                report,
                Setting::Query,
                format!("the lookup of {key} fails in Postfix: {why}"),
                true,
            ),
        }
    }
    session.close();
    Some(out)
}

/// The MySQL option files the client reads: `option_file`, else (unless `option_group` is
/// empty) the default ones, where postlint may read them; the groups `[client]` and
/// `option_group`.
fn mysql_options(
    settings: &HashMap<&str, &str>,
    locate: &dyn Fn(&str) -> Option<std::path::PathBuf>,
) -> option_file::ClientOptions {
    let group = settings.get("option_group").copied().unwrap_or("client");
    let files: Vec<&str> = match settings.get("option_file") {
        Some(file) => vec![file],
        None if group.is_empty() => Vec::new(),
        None => vec!["/etc/my.cnf", "/etc/mysql/my.cnf"],
    };
    let read_one = |path: &std::path::Path| crate::fsread::read_text(path).ok();
    let read = |target: &str| -> Option<Vec<String>> {
        let path = locate(target)?;
        if path.is_dir() {
            let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(&path)
                .ok()?
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "cnf"))
                .collect();
            names.sort();
            Some(names.iter().filter_map(|p| read_one(p)).collect())
        } else {
            Some(vec![read_one(&path)?])
        }
    };
    let mut out = option_file::ClientOptions::default();
    let groups = ["client", group];
    for file in files {
        for text in read(file).into_iter().flatten() {
            option_file::parse(&text, &groups, &read, 3, &mut out);
        }
    }
    out
}

/// Opens a session as the .cf file says.
fn connect(
    model: &Model,
    kind: DbKind,
    settings: &HashMap<&str, &str>,
    options: &Options,
) -> Result<Session, ConnectError> {
    let locate = |path: &str| -> Option<std::path::PathBuf> {
        match model.locator.locate(path) {
            Location::Readable { path, .. } => Some(path),
            _ => None,
        }
    };
    if kind == DbKind::Sqlite {
        let dbpath = settings.get("dbpath").copied().unwrap_or("");
        let path = locate(dbpath).ok_or_else(|| {
            format!("dbpath {dbpath} is not a file postlint may read from the linted tree")
        })?;
        if !path.is_file() {
            return Err(format!("dbpath {dbpath} does not exist").into());
        }
        return Ok(Session::sqlite(&path, options.timeout)?);
    }
    let hosts = settings.get("hosts").copied().unwrap_or("");
    let endpoints = client::endpoints(kind.name(), hosts)?
        .into_iter()
        .map(|e| match e {
            // A socket is not a file of the tree: under a sysroot it is the image's, else the
            // path as written.
            client::Endpoint::Unix(path) => {
                let text = path.to_string_lossy().into_owned();
                client::Endpoint::Unix(locate(&text).unwrap_or(path))
            }
            other => other,
        })
        .collect::<Vec<_>>();
    let my_cnf = match kind {
        DbKind::Mysql => mysql_options(settings, &locate),
        _ => option_file::ClientOptions::default(),
    };
    let mut default_sockets: Vec<std::path::PathBuf> = my_cnf
        .get("socket")
        .map(|s| locate(s).unwrap_or_else(|| s.into()))
        .into_iter()
        .collect();
    default_sockets.extend(
        [
            "/run/mysqld/mysqld.sock",
            "/var/run/mysqld/mysqld.sock",
            "/tmp/mysql.sock",
        ]
        .iter()
        .map(|p| locate(p).unwrap_or_else(|| p.into())),
    );
    let default_port = my_cnf.get("port").and_then(|p| p.parse().ok());
    let endpoints = endpoints
        .into_iter()
        .map(|e| match e {
            client::Endpoint::Inet { host, port: None } if kind == DbKind::Mysql => {
                client::Endpoint::Inet {
                    host,
                    port: default_port,
                }
            }
            other => other,
        })
        .collect::<Vec<_>>();
    let user =
        settings
            .get("user")
            .copied()
            .filter(|u| !u.is_empty())
            .or(if kind == DbKind::Mysql {
                my_cnf.get("user")
            } else {
                None
            });
    let tls_files = ["tls_CAfile", "tls_cert_file", "tls_key_file", "tls_CApath"]
        .into_iter()
        .filter_map(|name| Some((name, settings.get(name).map(|p| locate(p))?)))
        .collect();
    let credentials = Credentials {
        user,
        password: settings.get("password").copied(),
        dbname: settings.get("dbname").copied(),
        settings,
        default_sockets,
        tls_files,
        locate: &locate,
        timeout: options.timeout,
    };
    Session::connect(kind.name(), &endpoints, &credentials)
}
