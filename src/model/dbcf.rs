//! What Postfix's database clients read from their .cf files (mysql_table(5), pgsql_table(5),
//! sqlite_table(5), ldap_table(5)): the keys of each type with their types, defaults and the
//! release that added them (from dict_mysql.c, dict_pgsql.c, dict_sqlite.c, dict_ldap.c and
//! db_common.c of Postfix 3.11), the checks cfg_parser.c makes on numbers and booleans, the `%`
//! templates of db_common_parse(), where a MySQL client connects, and who may read a .cf file
//! that holds a password. Rules ask here; nothing here reports.

use std::collections::HashMap;

use super::tables::{Content, Table, TableId};
use super::Model;
use crate::source::FileId;

/// The database table types whose .cf files this module knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Mysql,
    Pgsql,
    Sqlite,
    Ldap,
}

impl DbKind {
    pub fn of(kind: &str) -> Option<DbKind> {
        match kind {
            "mysql" => Some(DbKind::Mysql),
            "pgsql" => Some(DbKind::Pgsql),
            "sqlite" => Some(DbKind::Sqlite),
            "ldap" => Some(DbKind::Ldap),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DbKind::Mysql => "mysql",
            DbKind::Pgsql => "pgsql",
            DbKind::Sqlite => "sqlite",
            DbKind::Ldap => "ldap",
        }
    }

    /// The manual page that documents the file.
    pub fn manual(self) -> &'static str {
        match self {
            DbKind::Mysql => "mysql_table(5)",
            DbKind::Pgsql => "pgsql_table(5)",
            DbKind::Sqlite => "sqlite_table(5)",
            DbKind::Ldap => "ldap_table(5)",
        }
    }

    pub fn is_sql(self) -> bool {
        self != DbKind::Ldap
    }

    /// Every key the client reads.
    pub fn keys(self) -> &'static [KeySpec] {
        match self {
            DbKind::Mysql => MYSQL,
            DbKind::Pgsql => PGSQL,
            DbKind::Sqlite => SQLITE,
            DbKind::Ldap => LDAP,
        }
    }

    pub fn key(self, name: &str) -> Option<&'static KeySpec> {
        self.keys().iter().find(|k| k.name == name)
    }
}

/// What a key's value must be, as cfg_parser.c checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// Text; when set, at least this many characters (`bad string length 0 < 1`).
    Text { min_len: usize },
    /// A `%` template, read by db_common_parse() (query, result_format, ...).
    Template { min_len: usize },
    /// A decimal integer (strtol, all of the value); 0 bounds are no bound, as in cfg_get_int().
    Int { min: i64, max: i64 },
    /// `yes` or `no`, in any case.
    Bool,
    /// One of these words, in any case.
    Choice(&'static [&'static str]),
    /// One of these words, in any case; the client replaces any other value with the default,
    /// with a warning, and goes on (dict_ldap's `scope`).
    Fallback(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    pub name: &'static str,
    pub ty: KeyType,
    /// The default as the manual states it ("" for none or empty).
    pub default: &'static str,
    /// The first release that reads the key, when later than 3.7.
    pub since: Option<&'static str>,
}

const fn text(name: &'static str, min_len: usize, default: &'static str) -> KeySpec {
    KeySpec {
        name,
        ty: KeyType::Text { min_len },
        default,
        since: None,
    }
}

const fn template(name: &'static str, min_len: usize, default: &'static str) -> KeySpec {
    KeySpec {
        name,
        ty: KeyType::Template { min_len },
        default,
        since: None,
    }
}

const fn int(name: &'static str, min: i64, max: i64, default: &'static str) -> KeySpec {
    KeySpec {
        name,
        ty: KeyType::Int { min, max },
        default,
        since: None,
    }
}

const fn boolean(name: &'static str, default: &'static str) -> KeySpec {
    KeySpec {
        name,
        ty: KeyType::Bool,
        default,
        since: None,
    }
}

const fn since(mut spec: KeySpec, release: &'static str) -> KeySpec {
    spec.since = Some(release);
    spec
}

/// db_common.c: the legacy query parts (used when `query` is not set) and `domain`.
const DB_COMMON_SQL: [KeySpec; 5] = [
    text("domain", 0, ""),
    text("table", 1, ""),
    template("select_field", 1, ""),
    template("where_field", 1, ""),
    template("additional_conditions", 0, ""),
];

const fn with_common<const N: usize, const M: usize>(own: [KeySpec; N]) -> [KeySpec; M] {
    let mut all = [text("", 0, ""); M];
    let mut i = 0;
    while i < N {
        all[i] = own[i];
        i += 1;
    }
    let mut j = 0;
    while j < DB_COMMON_SQL.len() {
        all[N + j] = DB_COMMON_SQL[j];
        j += 1;
    }
    all
}

static MYSQL: &[KeySpec] = &with_common::<19, 24>([
    text("hosts", 0, ""),
    text("user", 0, ""),
    text("password", 0, ""),
    text("dbname", 1, ""),
    since(text("charset", 1, "utf8mb4"), "3.9"),
    since(int("retry_interval", 1, 0, "60"), "3.9"),
    since(int("idle_interval", 1, 0, "60"), "3.9"),
    template("query", 0, ""),
    template("result_format", 1, "%s"),
    int("expansion_limit", 0, 0, "0"),
    text("option_file", 0, ""),
    text("option_group", 0, "client"),
    text("tls_key_file", 0, ""),
    text("tls_cert_file", 0, ""),
    text("tls_CAfile", 0, ""),
    text("tls_CApath", 0, ""),
    text("tls_ciphers", 0, ""),
    boolean("tls_verify_cert", "no"),
    boolean("require_result_set", "yes"),
]);

static PGSQL: &[KeySpec] = &with_common::<11, 16>([
    text("hosts", 0, ""),
    text("user", 0, ""),
    text("password", 0, ""),
    text("dbname", 0, ""),
    since(text("encoding", 1, "UTF8"), "3.8"),
    since(int("retry_interval", 1, 0, "60"), "3.9"),
    since(int("idle_interval", 1, 0, "60"), "3.9"),
    template("query", 0, ""),
    template("result_format", 1, "%s"),
    int("expansion_limit", 0, 0, "0"),
    text("select_function", 0, ""),
]);

static SQLITE: &[KeySpec] = &with_common::<4, 9>([
    text("dbpath", 1, ""),
    template("query", 0, ""),
    template("result_format", 1, "%s"),
    int("expansion_limit", 0, 0, "0"),
]);

static LDAP: &[KeySpec] = &[
    text("server_host", 1, "localhost"),
    int("server_port", 0, 0, "389"),
    int("version", 2, 0, "2"),
    KeySpec {
        name: "scope",
        ty: KeyType::Fallback(&["sub", "one", "base"]),
        default: "sub",
        since: None,
    },
    template("search_base", 0, ""),
    int("timeout", 0, 0, "10"),
    template("query_filter", 0, "(mailacceptinggeneralid=%s)"),
    template("result_format", 0, "%s"),
    template("result_filter", 1, "%s"),
    text("terminal_result_attribute", 0, ""),
    text("leaf_result_attribute", 0, ""),
    text("result_attribute", 0, "maildrop"),
    text("special_result_attribute", 0, ""),
    KeySpec {
        name: "bind",
        ty: KeyType::Choice(&["yes", "no", "none", "simple", "sasl"]),
        default: "yes",
        since: None,
    },
    text("bind_dn", 0, ""),
    text("bind_pw", 0, ""),
    boolean("cache", "no"),
    int("cache_expiry", 0, 0, ""),
    int("cache_size", 0, 0, ""),
    int("recursion_limit", 1, 0, "1000"),
    int("expansion_limit", 0, 0, "0"),
    int("size_limit", 0, 0, "$expansion_limit"),
    int("dereference", 0, 0, "0"),
    boolean("chase_referrals", "no"),
    text("sasl_mechs", 0, ""),
    text("sasl_realm", 0, ""),
    text("sasl_authz_id", 0, ""),
    int("sasl_minssf", 0, 4096, "0"),
    boolean("start_tls", "no"),
    boolean("tls_require_cert", "no"),
    text("tls_ca_cert_file", 0, ""),
    text("tls_ca_cert_dir", 0, ""),
    text("tls_cert", 0, ""),
    text("tls_key", 0, ""),
    text("tls_random_file", 0, ""),
    text("tls_cipher_suite", 0, ""),
    int("debuglevel", 0, 0, "0"),
    text("domain", 0, ""),
];

/// What the client says about a value it cannot use (cfg_parser.c and dict_ldap.c wording),
/// or None when the value is fine. The value is quoted: never pass a secret's value.
pub fn value_problem(spec: &KeySpec, value: &str) -> Option<String> {
    match spec.ty {
        KeyType::Text { min_len } | KeyType::Template { min_len } => {
            (value.len() < min_len).then(|| {
                format!(
                    "bad string length {} < {min_len}: {} = {value}",
                    value.len(),
                    spec.name
                )
            })
        }
        KeyType::Int { min, max } => {
            // strtol: optional leading whitespace and sign, then digits, and nothing after.
            let digits = value.trim_ascii_start();
            let parsed = digits
                .parse::<i64>()
                .ok()
                .filter(|n| i32::try_from(*n).is_ok());
            match parsed {
                None => Some(format!(
                    "bad numerical configuration: {} = {value}",
                    spec.name
                )),
                Some(n) if min != 0 && n < min => {
                    Some(format!("invalid {} parameter value {n} < {min}", spec.name))
                }
                Some(n) if max != 0 && n > max => {
                    Some(format!("invalid {} parameter value {n} > {max}", spec.name))
                }
                Some(_) => None,
            }
        }
        KeyType::Bool => (!value.eq_ignore_ascii_case("yes") && !value.eq_ignore_ascii_case("no"))
            .then(|| format!("bad boolean configuration: {} = {value}", spec.name)),
        KeyType::Choice(words) => (!words.iter().any(|w| value.eq_ignore_ascii_case(w)))
            .then(|| format!("unsupported parameter value: {} = {value}", spec.name)),
        KeyType::Fallback(words) => {
            (!words.iter().any(|w| value.eq_ignore_ascii_case(w))).then(|| {
                format!(
                    "Unrecognized value {value} specified for {}; using {}",
                    spec.name, spec.default
                )
            })
        }
    }
}

/// A `%` template as db_common_parse() reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Template {
    /// It has an escape that depends on the key (`%s %u %d %S %U %D %1`..`%9`).
    pub dynamic: bool,
    /// The first escape Postfix rejects ("Invalid query template"): `%x`, or `%` at the end.
    pub invalid: Option<String>,
}

/// Reads a template the way db_common_parse() does: `%%` is a literal `%`; `%s %u %d %S %U %D`
/// and `%1`..`%9` are expansions; any other character after `%` is fatal.
pub fn parse_template(text: &str) -> Template {
    let mut template = Template::default();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('%') => {}
            Some('s' | 'u' | 'd' | 'S' | 'U' | 'D' | '1'..='9') => template.dynamic = true,
            other => {
                if template.invalid.is_none() {
                    template.invalid = Some(match other {
                        Some(c) => format!("%{c}"),
                        None => "%".to_string(),
                    });
                }
                break;
            }
        }
    }
    template
}

/// Typographic quotes (from a web page or a word processor) in SQL: the server reads them as
/// part of a name, not as string quotes.
pub fn typographic_quote(text: &str) -> Option<char> {
    text.chars().find(|c| {
        matches!(
            c,
            '\u{2018}'
                | '\u{2019}'
                | '\u{201A}'
                | '\u{201B}'
                | '\u{201C}'
                | '\u{201D}'
                | '\u{201E}'
                | '\u{2032}'
                | '\u{00B4}'
        )
    })
}

/// A key expansion written between double quotes (`"%s"`), as the template writes it.
pub fn double_quoted_expansion(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(3)).find_map(|i| {
        let window = &bytes[i..i + 4];
        (window[0] == b'"'
            && window[1] == b'%'
            && matches!(
                window[2],
                b's' | b'u' | b'd' | b'S' | b'U' | b'D' | b'1'..=b'9'
            )
            && window[3] == b'"')
            .then(|| &text[i..i + 4])
    })
}

/// A WHERE that looks up `@domain` (`'@%d'`, `CONCAT('@', '%d')`, `'@' || '%d'`): the SQL
/// spelling of a virtual(5) catch-all entry.
pub fn catch_all_lookup(query: &str) -> bool {
    let squeezed: String = query
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if squeezed.contains("'@%d'") || squeezed.contains("\"@%d\"") {
        return true;
    }
    ["'@',", "\"@\",", "'@'||", "\"@\"||"].iter().any(|joint| {
        squeezed.match_indices(joint).any(|(at, _)| {
            let rest = &squeezed[at + joint.len()..];
            rest.starts_with("'%d'") || rest.starts_with("\"%d\"") || rest.starts_with("%d")
        })
    })
}

/// True when a value is (or holds) an installer placeholder: it is not the value Postfix reads.
/// Besides the shapes of main.cf, `[NAME]` (`hosts = [MYSQL_HOST]:[MYSQL_PORT]`, filled in by
/// container entrypoints with sed): square brackets mean nothing in these values.
pub fn has_placeholder(value: &str) -> bool {
    // `$NAME` and `${NAME}` of envsubst (`ldap-users.cf.template`): a database .cf file
    // expands no `$` of its own.
    let env_reference = value.split('$').skip(1).any(|rest| {
        let name = match rest.strip_prefix('{') {
            Some(braced) => braced.split_once('}').map_or("", |(name, _)| name),
            None => rest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or(""),
        };
        crate::parse::placeholder::is_placeholder_name(name)
    });
    env_reference
        || !crate::parse::placeholder::find(value).is_empty()
        || (value.starts_with("{{") && value.ends_with("}}"))
        || (value.starts_with('@') && value.ends_with('@') && value.len() > 2)
        || value.split('[').skip(1).any(|rest| {
            rest.split_once(']')
                .is_some_and(|(name, _)| crate::parse::placeholder::is_placeholder_name(name))
        })
}

/// The hosts of a mysql `hosts` value that are the server's default UNIX socket: an empty
/// value means `localhost`, and dict_mysql.c's host_init() turns `localhost` (with or without
/// `inet:` and a port) into the socket. True when every host is that socket.
pub fn mysql_only_default_socket(hosts: Option<&str>) -> bool {
    let hosts: Vec<&str> = hosts
        .unwrap_or("")
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|h| !h.is_empty())
        .collect();
    hosts.iter().all(|h| {
        if h.starts_with("unix:") {
            return false;
        }
        let h = h.strip_prefix("inet:").unwrap_or(h);
        let name = h.rsplit_once(':').map_or(h, |(name, _)| name);
        name.eq_ignore_ascii_case("localhost")
    })
}

/// The last setting of each name (Postfix's reader keeps the last one).
pub fn last_settings(table: &Table) -> HashMap<&str, &super::DbSetting> {
    table
        .settings
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect()
}

/// True when `use_index` of `table` comes through a `proxy:` wrapper (proxymap opens the table
/// outside any chroot, as its own user).
pub fn use_is_proxied(model: &Model, table: TableId, use_index: usize) -> bool {
    let Some(the_use) = model.tables.get(table).uses.get(use_index) else {
        return false;
    };
    model.tables.iter().any(|outer| {
        matches!(outer.content, Content::Proxy(inner) if inner == table)
            && outer
                .uses
                .iter()
                .any(|u| u.param == the_use.param && u.span == the_use.span)
    })
}

/// The database tables worth checking: of a known kind, with a .cf file read, each file once.
pub fn db_tables(model: &Model) -> Vec<(DbKind, &Table, FileId)> {
    let mut seen = std::collections::HashSet::new();
    model
        .tables
        .iter()
        .filter_map(|t| Some((DbKind::of(&t.kind)?, t, t.source?)))
        .filter(|(_, _, file)| seen.insert(*file))
        .collect()
}

/// Who may read a file that holds a password, as the filesystem says (live, or a sysroot
/// image).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileAccess {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// The group's name from the system's (or the image's) /etc/group, when listed there.
    pub group: Option<String>,
    /// The files postmap built from the table (`sasl_passwd.db`), as shown, and who may read
    /// them: postmap gives a new one the source's mode, and keeps an old one's.
    pub compiled: Vec<(String, FileAccess)>,
}

/// Reads the mode and owner of the files that hold a password ([`secret_line`]), and of the
/// files postmap built from a relay password table (`sasl_passwd.db`, which Postfix reads).
/// Only on the live system or a sysroot that is a filesystem image (it has etc/group or
/// etc/passwd): a checkout's file modes are git's (644), not the server's.
pub fn file_access(
    sources: &crate::source::Sources,
    tables: &super::tables::Tables,
    mode: &super::paths::Mode,
) -> HashMap<FileId, FileAccess> {
    use std::os::unix::fs::MetadataExt;
    // A copy of /etc/postfix in a repository has git's modes, not the server's.
    if !mode.modes_are_real() {
        return HashMap::new();
    }
    let group_file = match mode {
        super::paths::Mode::Sysroot(root) => root.join("etc/group"),
        _ => std::path::PathBuf::from("/etc/group"),
    };
    let mut found = HashMap::new();
    let mut groups: Option<HashMap<u32, String>> = None;
    let mut access = |meta: std::fs::Metadata| {
        let groups = groups.get_or_insert_with(|| read_groups(&group_file));
        FileAccess {
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            group: groups.get(&meta.gid()).cloned(),
            compiled: Vec::new(),
        }
    };
    for table in tables.iter() {
        let Some(file) = table.source else { continue };
        if found.contains_key(&file) || secret_line(table).is_none() {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&sources.get(file).real_path) else {
            continue;
        };
        let mut file_access = access(meta);
        // The compiled files are where the source is, in the tree: a link among them is
        // not followed.
        for compiled in table.compiled.iter().flat_map(|(files, _)| files) {
            if let Ok(meta) = std::fs::symlink_metadata(&compiled.path) {
                if meta.is_file() {
                    let at = access(meta);
                    file_access.compiled.push((compiled.display.clone(), at));
                }
            }
        }
        found.insert(file, file_access);
    }
    found
}

/// What kind of secret a lookup file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// `password` of a mysql, pgsql or sqlite .cf file.
    DatabasePassword,
    /// `bind_pw` of an ldap .cf file.
    BindPassword,
    /// The `user:password` values of a relay password table (smtp_sasl_password_maps).
    RelayPasswords,
}

impl SecretKind {
    /// The words for it after "holds" ("the database password", "relay passwords").
    pub fn words(self) -> &'static str {
        match self {
            SecretKind::DatabasePassword => "the database password",
            SecretKind::BindPassword => "the LDAP bind password",
            SecretKind::RelayPasswords => "relay passwords",
        }
    }
}

/// The line of a lookup file that shows it holds a secret.
#[derive(Clone, Debug)]
pub struct SecretLine {
    pub kind: SecretKind,
    /// The password setting (its last one: Postfix's reader keeps it), or the first entry of
    /// a relay password table whose value is `user:password` with a password.
    pub span: crate::source::Span,
    /// What the span's label calls it (`password`, `bind_pw`, `the password`).
    pub name: String,
    /// The parameter that names a relay password table (`smtp_sasl_password_maps`).
    pub param: Option<String>,
}

/// Where a lookup file shows it holds a password: a database .cf file's `password` or
/// `bind_pw`, or a table of entries that a `*password*_maps` parameter names (main.cf or a
/// master.cf `-o`) with a `user:password` value. A value without a password after its `:`
/// (or without a `:`, as a template tag `{{ credentials }}` may be) shows nothing.
pub fn secret_line(table: &Table) -> Option<SecretLine> {
    if DbKind::of(&table.kind).is_some() {
        let setting = table.settings.iter().rev().find(|s| holds_password(s))?;
        let kind = if setting.name == "bind_pw" {
            SecretKind::BindPassword
        } else {
            SecretKind::DatabasePassword
        };
        return Some(SecretLine {
            kind,
            span: setting.span,
            name: setting.name.clone(),
            param: None,
        });
    }
    let param = table
        .uses
        .iter()
        .find(|u| super::secrets::is_secret_table_param(&u.param))?;
    let entries = table.entries().or(table.template_entries.as_deref())?;
    let entry = entries.iter().find(|e| {
        e.value
            .split_once(':')
            .is_some_and(|(_, password)| !password.trim_ascii().is_empty())
    })?;
    Some(SecretLine {
        kind: SecretKind::RelayPasswords,
        span: entry.value_span,
        name: "the password".to_string(),
        param: Some(param.param.clone()),
    })
}

/// A `password` (SQL) or `bind_pw` (LDAP) setting with a value.
pub fn holds_password(setting: &super::DbSetting) -> bool {
    matches!(setting.name.as_str(), "password" | "bind_pw") && !setting.value.is_empty()
}

fn read_groups(path: &std::path::Path) -> HashMap<u32, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let gid = fields.nth(1)?.trim_ascii().parse().ok()?;
            Some((gid, name.to_string()))
        })
        .collect()
}

/// The password setting of a database client's lookup file, on one line of it.
#[derive(Debug, PartialEq, Eq)]
pub struct PasswordLine {
    /// `password` or `bind_pw`.
    pub name: String,
    /// The line's index (0-based).
    pub index: usize,
    /// From the name to the end of the value, on the line.
    pub on_line: std::ops::Range<usize>,
    /// The value's length in bytes.
    pub value_len: usize,
}

/// The keys of the database clients' files (mysql, pgsql, sqlite, ldap) besides the password.
const CLIENT_KEYS: &[&str] = &[
    "hosts",
    "user",
    "dbname",
    "query",
    "table",
    "select_field",
    "where_field",
    "result_format",
    "server_host",
    "search_base",
    "query_filter",
    "bind_dn",
    "result_attribute",
    "dbpath",
];

/// Where the (last) password of a file that reads as a database client's lookup file is: a
/// `name = value` file with a non-empty `password` or `bind_pw` and at least two other keys of
/// a client (`hosts`, `dbname`, `query`, `server_host`, ...). None for any other file, and for
/// a password whose setting goes on over more than one line.
pub fn client_password_line(text: &str) -> Option<PasswordLine> {
    let parsed = crate::parse::assign::parse_assignments(text);
    let client_keys = parsed
        .assignments
        .iter()
        .filter(|a| CLIENT_KEYS.contains(&a.name()))
        .count();
    let password = parsed
        .assignments
        .iter()
        .rev()
        .find(|a| matches!(a.name(), "password" | "bind_pw") && !a.value().is_empty())?;
    if client_keys < 2 {
        return None;
    }
    let index = password.line.line.checked_sub(1)? as usize;
    let line_start: usize = text.split_inclusive('\n').take(index).map(str::len).sum();
    let line_len = text[line_start..].lines().next().map_or(0, str::len);
    let name_at = password.line.span(FileId(0), password.name.clone()).start as usize;
    let value_end = password.line.span(FileId(0), password.value.clone()).end as usize;
    let on_line = name_at.checked_sub(line_start)?..value_end.checked_sub(line_start)?;
    (on_line.end <= line_len).then(|| PasswordLine {
        name: password.name().to_string(),
        index,
        on_line,
        value_len: password.value().len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_as_db_common_parse_reads_them() {
        assert!(parse_template("SELECT 1 WHERE a='%s'").dynamic);
        assert!(!parse_template("SELECT 1").dynamic);
        assert_eq!(parse_template("100%% '%3'").invalid, None);
        assert_eq!(parse_template("a=%x").invalid.as_deref(), Some("%x"));
        assert_eq!(parse_template("a=%").invalid.as_deref(), Some("%"));
        assert_eq!(parse_template("%0").invalid.as_deref(), Some("%0"));
        assert_eq!(parse_template("%é").invalid.as_deref(), Some("%é"));
        assert!(parse_template("%D").dynamic);
    }

    #[test]
    fn installer_placeholders_in_cf_values() {
        for value in [
            "[DB_NAME]",
            "[MYSQL_HOST]:[MYSQL_PORT]",
            "PH_DB_PASSWORD",
            "{{ db_host }}",
            "{DB_USER}",
            "${LDAP_URI}",
            "ou=users,${LDAP_BASE_DN}",
            "$DB_PASSWORD",
        ] {
            assert!(has_placeholder(value), "{value}");
        }
        for value in [
            "mail",
            "[::1]:3306",
            "SELECT goto FROM alias WHERE address='%s' AND name REGEXP '[a-z]'",
            "[Mixed_Case]",
            "[]",
            "inet:[127.0.0.1]:3306",
            "pa$$word",
            "secret$1",
            "x${lower}",
        ] {
            assert!(!has_placeholder(value), "{value}");
        }
    }

    #[test]
    fn values_as_cfg_parser_reads_them() {
        let limit = DbKind::Mysql.key("expansion_limit").unwrap();
        assert!(value_problem(limit, "abc").is_some());
        assert!(value_problem(limit, "10").is_none());
        assert!(value_problem(limit, "-3").is_none());
        assert!(value_problem(limit, "99999999999").is_some());
        let retry = DbKind::Mysql.key("retry_interval").unwrap();
        assert!(value_problem(retry, "0").is_some());
        let flag = DbKind::Mysql.key("require_result_set").unwrap();
        assert!(value_problem(flag, "YES").is_none());
        assert!(value_problem(flag, "1").is_some());
        let version = DbKind::Ldap.key("version").unwrap();
        assert!(value_problem(version, "1").is_some());
        assert!(value_problem(version, "3").is_none());
    }

    #[test]
    fn key_lists_have_no_blank_names() {
        for kind in [DbKind::Mysql, DbKind::Pgsql, DbKind::Sqlite, DbKind::Ldap] {
            assert!(kind.keys().iter().all(|k| !k.name.is_empty()));
        }
    }

    #[test]
    fn catch_all_spellings() {
        assert!(catch_all_lookup("SELECT d FROM a WHERE source = '@%d'"));
        assert!(catch_all_lookup(
            "SELECT d FROM a WHERE source = CONCAT('@', '%d')"
        ));
        assert!(catch_all_lookup(
            "SELECT d FROM a WHERE source = '@' || '%d'"
        ));
        assert!(!catch_all_lookup("SELECT d FROM a WHERE source = '%s'"));
        assert!(!catch_all_lookup("SELECT d FROM a WHERE source = '%u@%d'"));
    }

    #[test]
    fn mysql_sockets() {
        assert!(mysql_only_default_socket(None));
        assert!(mysql_only_default_socket(Some("localhost")));
        assert!(mysql_only_default_socket(Some("inet:localhost:3306")));
        assert!(!mysql_only_default_socket(Some("127.0.0.1")));
        assert!(!mysql_only_default_socket(Some("localhost 192.0.2.1")));
        assert!(!mysql_only_default_socket(Some(
            "unix:/var/run/mysqld/mysqld.sock"
        )));
    }

    #[test]
    fn a_clients_password_line_is_found_on_its_line() {
        let text = "hosts = 127.0.0.1\nuser = mail\npassword = s3cret  \ndbname = mail\n";
        let found = client_password_line(text).expect("a client's file");
        assert_eq!((found.name.as_str(), found.index), ("password", 2));
        let line = text.lines().nth(2).unwrap();
        assert_eq!(&line[found.on_line.clone()], "password = s3cret");
        assert_eq!(found.value_len, 6);
        // Not a client's file, no password, an empty one, one over two lines.
        assert_eq!(client_password_line("password = x\nname = y\n"), None);
        assert_eq!(
            client_password_line("hosts = h\nuser = u\ndbname = d\n"),
            None
        );
        assert_eq!(
            client_password_line("hosts = h\nuser = u\npassword =\n"),
            None
        );
        assert_eq!(
            client_password_line("hosts = h\nuser = u\npassword = a\n  b\n"),
            None
        );
    }
}
