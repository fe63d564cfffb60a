//! `type:name` table references, as `dict_open()` splits them: the type runs to the first `:`.

use super::assign::split_name_value;
use super::list::split_list;

/// Every lookup table type Postfix 3.7 knows (`postconf -m`), plus dbm/sdbm and the older
/// nisplus/netinfo, which other builds have.
pub const TABLE_TYPES: &[&str] = &[
    "btree",
    "cdb",
    "cidr",
    "dbm",
    "environ",
    "fail",
    "hash",
    "inline",
    "internal",
    "ldap",
    "lmdb",
    "memcache",
    "mongodb",
    "mysql",
    "netinfo",
    "nis",
    "nisplus",
    "pcre",
    "pgsql",
    "pipemap",
    "proxy",
    "randmap",
    "regexp",
    "sdbm",
    "socketmap",
    "sqlite",
    "static",
    "tcp",
    "texthash",
    "unionmap",
    "unix",
];

/// A table reference as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRef<'a> {
    pub kind: &'a str,
    pub name: &'a str,
}

impl<'a> TableRef<'a> {
    /// Parses `type:name` when `type` is a lookup table type. `unix:` counts only for the two
    /// tables it has (`unix:passwd.byname`, `unix:group.byname`), so a `unix:/path` socket of a
    /// milter or policy server is not mistaken for a table.
    pub fn parse(token: &'a str) -> Option<TableRef<'a>> {
        let (kind, name) = token.split_once(':')?;
        if !TABLE_TYPES.contains(&kind) {
            return None;
        }
        if kind == "unix" && !matches!(name, "passwd.byname" | "group.byname") {
            return None;
        }
        Some(TableRef { kind, name })
    }

    /// The text between the braces of `{...}`, for inline, static and composite tables.
    pub fn braced(&self) -> Option<&'a str> {
        let inner = self.name.trim_ascii().strip_prefix('{')?;
        Some(inner.strip_suffix('}').unwrap_or(inner))
    }

    /// The member tables of `unionmap:{...}`, `pipemap:{...}` and `randmap:{...}`, or the one
    /// table behind `proxy:`.
    pub fn members(&self) -> Vec<&'a str> {
        match self.kind {
            "proxy" => vec![self.name],
            "unionmap" | "pipemap" => match self.braced() {
                Some(inner) => split_list(inner).into_iter().map(|r| &inner[r]).collect(),
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The entries of `inline:{k=v, {k = v w}}` (Postfix needs the braces), or None when the
    /// syntax is one Postfix rejects.
    pub fn inline_entries(&self) -> Option<Vec<(&'a str, &'a str)>> {
        let inner = self.braced()?;
        let mut entries = Vec::new();
        for range in split_list(inner) {
            let mut item = &inner[range];
            if let Some(grouped) = item.strip_prefix('{') {
                item = grouped.strip_suffix('}').unwrap_or(grouped);
            }
            let (name, value) = split_name_value(item).ok()?;
            entries.push((&item[name], &item[value]));
        }
        Some(entries)
    }

    /// True for the types whose source postmap or postalias compiles into a file of its own.
    pub fn is_indexed(&self) -> bool {
        is_indexed_kind(self.kind)
    }

    /// The files postmap writes for an indexed table, from the table's path name.
    pub fn compiled_files(&self, path: &str) -> Vec<String> {
        match self.kind {
            "hash" | "btree" => vec![format!("{path}.db")],
            "lmdb" => vec![format!("{path}.lmdb")],
            "cdb" => vec![format!("{path}.cdb")],
            "dbm" | "sdbm" => vec![format!("{path}.dir"), format!("{path}.pag")],
            _ => Vec::new(),
        }
    }
}

/// The rules of an inline pattern table (`cidr:{ {rule}, {rule} }`, `pcre:{...}`, Postfix
/// 3.7), from the text between its outer braces: each rule's range in `inner` (with its braces)
/// and its text without them and the white space around it. Err names an item without braces,
/// which stops the daemon that opens the table.
pub fn inline_rules(inner: &str) -> Result<Vec<(std::ops::Range<usize>, &str)>, String> {
    split_list(inner)
        .into_iter()
        .map(|range| {
            let item = &inner[range.clone()];
            let body = item
                .strip_prefix('{')
                .and_then(|i| i.strip_suffix('}'))
                .ok_or_else(|| format!("{item} is not a {{rule}}"))?;
            let body =
                body.trim_matches(|c: char| c.is_ascii() && super::logical::is_space(c as u8));
            Ok((range, body))
        })
        .collect()
}

/// Table types that postmap compiles into a file beside the source.
pub fn is_indexed_kind(kind: &str) -> bool {
    matches!(kind, "hash" | "btree" | "lmdb" | "cdb" | "dbm" | "sdbm")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_references() {
        assert_eq!(
            TableRef::parse("hash:/etc/postfix/virtual"),
            Some(TableRef {
                kind: "hash",
                name: "/etc/postfix/virtual"
            })
        );
        let proxy = TableRef::parse("proxy:mysql:/etc/postfix/m.cf").unwrap();
        assert_eq!(proxy.members(), ["mysql:/etc/postfix/m.cf"]);
        assert_eq!(TableRef::parse("lmtp:unix:private/dovecot-lmtp"), None);
        assert_eq!(TableRef::parse("unix:/run/milter.sock"), None);
        assert!(TableRef::parse("unix:passwd.byname").is_some());
        assert_eq!(TableRef::parse("[mail.example.com]:587"), None);
    }

    #[test]
    fn composite_and_inline() {
        let union = TableRef::parse("unionmap:{hash:/a, inline:{x=y, z=w}}").unwrap();
        assert_eq!(union.members(), ["hash:/a", "inline:{x=y, z=w}"]);
        let inline = TableRef::parse("inline:{a=1, { b = two words }}").unwrap();
        assert_eq!(
            inline.inline_entries().unwrap(),
            [("a", "1"), ("b", "two words")]
        );
        assert_eq!(
            TableRef::parse("inline:{a=1 b}").unwrap().inline_entries(),
            None
        );
        assert_eq!(
            TableRef::parse("inline:a=1").unwrap().inline_entries(),
            None
        );
    }
}
