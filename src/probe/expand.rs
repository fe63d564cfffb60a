//! The query Postfix sends for a key and the answer it makes of the rows, as db_common.c and
//! dict_mysql.c, dict_pgsql.c and dict_sqlite.c do it: the `%` template expansion
//! (`db_common_expand()`), the quoting of each database, the `domain` setting that skips a
//! lookup, and the joining of rows with commas under `expansion_limit`.

use std::collections::HashMap;

/// How a database client quotes a key for a `'...'` string of its SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quoting {
    /// mysql_real_escape_string(): a backslash before `\0 \n \r \\ ' " \x1a` (MySQL's and
    /// MariaDB's default).
    MysqlBackslash,
    /// mysql_real_escape_string() on a server in NO_BACKSLASH_ESCAPES mode: `'` doubled.
    MysqlNoBackslash,
    /// PQescapeStringConn() with standard_conforming_strings on (the default since
    /// PostgreSQL 9.1): `'` doubled.
    PgStandard,
    /// PQescapeStringConn() with standard_conforming_strings off: `'` and `\` doubled.
    PgBackslash,
    /// sqlite3_mprintf("%q"): `'` doubled.
    Sqlite,
}

impl Quoting {
    pub fn quote(self, text: &str, out: &mut String) {
        for c in text.chars() {
            match (self, c) {
                (Quoting::MysqlBackslash, '\0') => out.push_str("\\0"),
                (Quoting::MysqlBackslash, '\n') => out.push_str("\\n"),
                (Quoting::MysqlBackslash, '\r') => out.push_str("\\r"),
                (Quoting::MysqlBackslash, '\x1a') => out.push_str("\\Z"),
                (Quoting::MysqlBackslash, '\\' | '\'' | '"') => {
                    out.push('\\');
                    out.push(c);
                }
                (_, '\'') => out.push_str("''"),
                (Quoting::PgBackslash, '\\') => out.push_str("\\\\"),
                _ => out.push(c),
            }
        }
    }
}

/// The settings of one .cf file that decide what is asked and what comes back.
#[derive(Clone, Debug)]
pub struct QuerySpec {
    /// `query`, or the one the legacy settings build.
    pub query: String,
    pub result_format: String,
    /// `domain`: only keys in these domains are asked (literal names, folded). None: all.
    pub domains: Option<Vec<String>>,
    /// 0: no limit.
    pub expansion_limit: usize,
    /// The highest `%1`..`%9` of the query and result format.
    nparts: usize,
    /// Which parts of the key the templates use (db_common_parse()'s flags).
    key_user: bool,
    key_domain: bool,
    value_user: bool,
    value_domain: bool,
}

impl QuerySpec {
    /// The query as Postfix builds it from a .cf file's settings (the last of each name), or
    /// why it cannot be known.
    pub fn from_settings(kind: &str, settings: &HashMap<&str, &str>) -> Result<QuerySpec, String> {
        let get = |name: &str| settings.get(name).copied();
        let query = match get("query") {
            Some(query) => query.to_string(),
            None => match (kind, get("select_function")) {
                ("pgsql", Some(function)) => format!("SELECT {function}('%s')"),
                _ => match (get("table"), get("select_field"), get("where_field")) {
                    (Some(table), Some(select), Some(field)) if kind != "sqlite" => format!(
                        "SELECT {select} FROM {table} WHERE {field}='%s' {}",
                        get("additional_conditions").unwrap_or("")
                    ),
                    _ => return Err("the file has no query".to_string()),
                },
            },
        };
        let result_format = get("result_format").unwrap_or("%s").to_string();
        let domains = get("domain").map(|list| {
            list.split([',', ' ', '\t', '\r', '\n'])
                .filter(|d| !d.is_empty())
                .map(|d| d.to_ascii_lowercase())
                .collect::<Vec<_>>()
        });
        if domains
            .as_ref()
            .is_some_and(|list| list.iter().any(|d| d.contains(':') || d.starts_with('/')))
        {
            return Err("its `domain` setting names a table".to_string());
        }
        let expansion_limit = match get("expansion_limit") {
            Some(text) => text
                .trim_ascii()
                .parse()
                .map_err(|_| format!("expansion_limit = {text} is not a number"))?,
            None => 0,
        };
        let mut spec = QuerySpec {
            query,
            result_format,
            domains,
            expansion_limit,
            nparts: 0,
            key_user: false,
            key_domain: false,
            value_user: false,
            value_domain: false,
        };
        // db_common_parse(): the query template's %u/%d/%[1-9] are about the key; the result
        // format's lowercase ones about the value, its uppercase ones about the key.
        let query = spec.query.clone();
        spec.scan(&query, true)?;
        let format = spec.result_format.clone();
        spec.scan(&format, false)?;
        Ok(spec)
    }

    fn scan(&mut self, template: &str, is_query: bool) -> Result<(), String> {
        let mut chars = template.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                continue;
            }
            match chars.next() {
                Some('%' | 's' | 'S') => {}
                Some('u') if is_query => self.key_user = true,
                Some('u') => self.value_user = true,
                Some('d') if is_query => self.key_domain = true,
                Some('d') => self.value_domain = true,
                Some('U') => self.key_user = true,
                Some('D') => self.key_domain = true,
                Some(d @ '1'..='9') => {
                    self.key_domain = true;
                    self.nparts = self.nparts.max(d as usize - '0' as usize);
                }
                _ => return Err(format!("invalid template '{template}'")),
            }
        }
        Ok(())
    }

    /// Whether the `domain` setting lets the key through (a key without a domain never).
    fn in_domains(&self, key: &str) -> bool {
        let Some(domains) = &self.domains else {
            return true;
        };
        match key.rfind('@') {
            Some(at) if at > 0 => domains
                .iter()
                .any(|d| d.eq_ignore_ascii_case(&key[at + 1..])),
            _ => false,
        }
    }

    /// The SQL for a key, quoted as `quoting` says; None when Postfix skips the key (the
    /// `domain` setting, a query that needs parts the key lacks) and answers "not found".
    pub fn query(&self, key: &str, quoting: Quoting) -> Option<String> {
        if !self.in_domains(key) {
            return None;
        }
        let mut out = String::new();
        self.expand(&self.query, key, None, Some(quoting), &mut out)
            .then_some(out)
    }

    /// Postfix's answer from the rows' fields in order (NULL as None): each field through
    /// result_format, joined with commas. Err when the expansion limit is exceeded (Postfix's
    /// lookup fails); Ok(None) when nothing is left (not found).
    pub fn answer<'a>(
        &self,
        key: &str,
        fields: impl IntoIterator<Item = Option<&'a str>>,
    ) -> Result<Option<String>, String> {
        let mut out = String::new();
        let mut expansions = 0;
        for field in fields.into_iter().flatten() {
            if self.expand(&self.result_format, field, Some(key), None, &mut out) {
                expansions += 1;
                if self.expansion_limit > 0 && expansions > self.expansion_limit {
                    return Err(format!(
                        "more than expansion_limit = {} results",
                        self.expansion_limit
                    ));
                }
            }
        }
        Ok((!out.is_empty()).then_some(out))
    }

    /// db_common_expand(): `value` is the key for a query, a field for a result format (then
    /// `key` is the key). Returns false when Postfix skips the value.
    fn expand(
        &self,
        format: &str,
        value: &str,
        key: Option<&str>,
        quoting: Option<Quoting>,
        out: &mut String,
    ) -> bool {
        if value.is_empty() {
            return false;
        }
        let vsplit = domain_of(value);
        let (value_needs_domain, value_needs_user) = match key {
            Some(_) => (self.value_domain, self.value_user),
            None => (self.key_domain, self.key_user),
        };
        if (value_needs_domain && vsplit.is_none_or(|(_, d)| d.is_empty()))
            || (value_needs_user && vsplit.is_some_and(|(u, _)| u.is_empty()))
        {
            return false;
        }
        let ksplit = key.and_then(domain_of);
        if key.is_some()
            && ((self.key_domain && ksplit.is_none_or(|(_, d)| d.is_empty()))
                || (self.key_user && ksplit.is_some_and(|(u, _)| u.is_empty())))
        {
            return false;
        }
        let parts = if self.nparts > 0 {
            let parts = labels_of(if key.is_some() { ksplit } else { vsplit });
            if parts.len() < self.nparts {
                return false;
            }
            Some(parts)
        } else {
            None
        };
        if !out.is_empty() {
            out.push(',');
        }
        let push = |out: &mut String, text: &str| match quoting {
            Some(q) => q.quote(text, out),
            None => out.push_str(text),
        };
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('s') => push(out, value),
                Some('u') => push(out, vsplit.map_or(value, |(u, _)| u)),
                Some('d') => push(out, vsplit.map_or("", |(_, d)| d)),
                Some('S') => push(out, key.unwrap_or(value)),
                Some('U') => match key {
                    Some(key) => push(out, ksplit.map_or(key, |(u, _)| u)),
                    None => push(out, vsplit.map_or(value, |(u, _)| u)),
                },
                Some('D') => push(
                    out,
                    if key.is_some() { ksplit } else { vsplit }.map_or("", |(_, d)| d),
                ),
                Some(d @ '1'..='9') => {
                    let n = d as usize - '0' as usize;
                    if let Some(parts) = &parts {
                        push(out, parts[parts.len() - n]);
                    }
                }
                _ => {}
            }
        }
        true
    }
}

/// The local part and domain of an address, split at the last `@`.
fn domain_of(s: &str) -> Option<(&str, &str)> {
    s.rfind('@').map(|at| (&s[..at], &s[at + 1..]))
}

/// The labels of an address's domain; argv_split() drops empty fields.
fn labels_of<'a>(split: Option<(&'a str, &'a str)>) -> Vec<&'a str> {
    let domain = split.map_or("", |(_, d)| d);
    domain.split('.').filter(|l| !l.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(pairs: &[(&str, &str)]) -> QuerySpec {
        QuerySpec::from_settings("mysql", &pairs.iter().copied().collect()).unwrap()
    }

    #[test]
    fn quoting_follows_each_client() {
        let key = "o'brien\\x\"y";
        let mut out = String::new();
        Quoting::MysqlBackslash.quote(key, &mut out);
        assert_eq!(out, "o\\'brien\\\\x\\\"y");
        for (q, want) in [
            (Quoting::MysqlNoBackslash, "o''brien\\x\"y"),
            (Quoting::PgStandard, "o''brien\\x\"y"),
            (Quoting::PgBackslash, "o''brien\\\\x\"y"),
            (Quoting::Sqlite, "o''brien\\x\"y"),
        ] {
            let mut out = String::new();
            q.quote(key, &mut out);
            assert_eq!(out, want, "{q:?}");
        }
    }

    #[test]
    fn query_expands_key_parts() {
        let s = spec(&[(
            "query",
            "SELECT a FROM t WHERE u='%u' AND d='%d' AND x='%2.%1' %%",
        )]);
        assert_eq!(
            s.query("jane@mail.example.org", Quoting::Sqlite).unwrap(),
            "SELECT a FROM t WHERE u='jane' AND d='mail.example.org' AND x='example.org' %"
        );
        // %d needs a domain; %1/%2 need two labels.
        assert_eq!(s.query("jane", Quoting::Sqlite), None);
        assert_eq!(s.query("jane@localhost", Quoting::Sqlite), None);
        // %u with an empty local part is skipped.
        assert_eq!(s.query("@example.org", Quoting::Sqlite), None);
    }

    #[test]
    fn legacy_settings_build_the_query() {
        let s = spec(&[
            ("table", "aliases"),
            ("select_field", "goto"),
            ("where_field", "address"),
            ("additional_conditions", "AND active = 1"),
        ]);
        assert_eq!(
            s.query("a@b", Quoting::Sqlite).unwrap(),
            "SELECT goto FROM aliases WHERE address='a@b' AND active = 1"
        );
    }

    #[test]
    fn rows_join_with_commas_and_skip_empty_fields() {
        let s = spec(&[
            ("query", "SELECT 1 WHERE '%s'"),
            ("result_format", "%d/%u/"),
        ]);
        assert_eq!(
            s.answer("k", [Some("a@x.org"), None, Some(""), Some("b@y.org")])
                .unwrap()
                .as_deref(),
            Some("x.org/a/,y.org/b/")
        );
        // A field without a domain is skipped when the format needs one.
        assert_eq!(s.answer("k", [Some("nodomain")]).unwrap(), None);
        let limited = spec(&[("query", "SELECT '%s'"), ("expansion_limit", "1")]);
        assert!(limited.answer("k", [Some("a"), Some("b")]).is_err());
        assert_eq!(
            limited.answer("k", [Some("a")]).unwrap().as_deref(),
            Some("a")
        );
    }

    #[test]
    fn domain_setting_skips_other_keys() {
        let s = spec(&[
            ("query", "SELECT '%s'"),
            ("domain", "example.org, Example.NET"),
        ]);
        assert!(s.query("a@example.org", Quoting::Sqlite).is_some());
        assert!(s.query("a@example.net", Quoting::Sqlite).is_some());
        assert!(s.query("a@example.com", Quoting::Sqlite).is_none());
        assert!(s.query("@example.org", Quoting::Sqlite).is_none());
        assert!(s.query("example.org", Quoting::Sqlite).is_none());
    }
}
