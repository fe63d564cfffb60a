//! What a repository's own Postfix build adds to the releases postlint knows, found by
//! `--discover`: table types (a `dict_TYPE.c` source beside the configuration, as a Dockerfile
//! that patches in `dict_redis.c` has) and parameters (a Postfix source tree, a fork that
//! registers `postapi_*` settings of its own daemon). A name such a build may know is not
//! reported as unknown: postlint cannot tell what the patched Postfix accepts.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The table type whose source file this is, as Postfix names them (`dict_redis.c` holds
/// the `redis` type); None for Postfix's own files that are no table type (`dict_open.c`).
pub fn map_type(file_name: &str) -> Option<&str> {
    let kind = file_name.strip_prefix("dict_")?.strip_suffix(".c")?;
    let word = !kind.is_empty()
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    (word
        && !matches!(
            kind,
            "open" | "alloc" | "debug" | "surrogate" | "stream" | "thread"
        ))
    .then_some(kind)
}

/// The `src` directory of a Postfix source tree, when `path` is its `src/global/mail_params.h`
/// (where Postfix declares its parameters' names).
pub fn source_tree(path: &Path) -> Option<&Path> {
    if path.file_name()? != "mail_params.h" {
        return None;
    }
    let global = path.parent()?;
    let src = global.parent()?;
    (global.file_name()? == "global" && src.file_name()? == "src").then_some(src)
}

/// How much of a source tree is read: Postfix's own `src` is 1,200 files and 16 MB. The walk
/// itself stops after MAX_ENTRIES directory entries, C or not.
const MAX_ENTRIES: usize = 100_000;
const MAX_FILES: usize = 5_000;
const MAX_FILE_BYTES: u64 = 4 << 20;
const MAX_TOTAL_BYTES: u64 = 64 << 20;

/// The names a Postfix source tree may register as parameters: every C string literal of its
/// `.c` and `.h` files that is a lower-case word (`"postapi_access_config"`), as both
/// `#define VAR_X "x"` in mail_params.h and a fork's `static const char x[] = "x"` write them.
/// A word that is no parameter costs nothing: it only matters when main.cf sets a parameter of
/// that name. Links are not followed; the walk is bounded in files and bytes.
pub fn parameters(trees: &[PathBuf]) -> HashSet<String> {
    let mut names = HashSet::new();
    let (mut files, mut bytes, mut entries) = (0usize, 0u64, 0usize);
    for tree in trees {
        let walker = ignore::WalkBuilder::new(tree)
            .standard_filters(false)
            .follow_links(false)
            .max_depth(Some(8))
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker.filter_map(Result::ok) {
            entries += 1;
            if files >= MAX_FILES || bytes >= MAX_TOTAL_BYTES || entries > MAX_ENTRIES {
                return names;
            }
            let path = entry.path();
            let is_c = path.extension().is_some_and(|e| e == "c" || e == "h");
            if !is_c || !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.len() > MAX_FILE_BYTES {
                continue;
            }
            let Ok(text) = crate::fsread::read_regular(path) else {
                continue;
            };
            files += 1;
            bytes += text.len() as u64;
            words_in_literals(&text, &mut names);
        }
    }
    names
}

/// Adds each string literal of C text that is a lower-case word of 2 to 64 characters. A
/// literal never spans a line, so a quote the scan misreads (in a comment) costs one line.
fn words_in_literals(text: &[u8], out: &mut HashSet<String>) {
    let mut i = 0;
    while let Some(at) = memchr::memchr3(b'"', b'\'', b'\n', &text[i..]) {
        let at = i + at;
        match text[at] {
            b'\n' => i = at + 1,
            // A character literal: `'"'` or `'\"'` holds no string.
            b'\'' => {
                let skip = match text.get(at + 1) {
                    Some(b'\\') => 4,
                    _ => 3,
                };
                i = match text.get(at + skip - 1) {
                    Some(b'\'') => at + skip,
                    _ => at + 1,
                };
            }
            _ => {
                let start = at + 1;
                let mut j = start;
                let end = loop {
                    match memchr::memchr3(b'"', b'\\', b'\n', &text[j..]) {
                        Some(k) if text[j + k] == b'\\' => j += k + 2,
                        Some(k) if text[j + k] == b'"' => break Some(j + k),
                        _ => break None,
                    }
                    if j >= text.len() {
                        break None;
                    }
                };
                let Some(end) = end else {
                    // No closing quote on this line: go on after it.
                    i = match memchr::memchr(b'\n', &text[start..]) {
                        Some(n) => start + n + 1,
                        None => return,
                    };
                    continue;
                };
                let word = &text[start..end];
                let is_word = (2..=64).contains(&word.len())
                    && word[0].is_ascii_lowercase()
                    && word
                        .iter()
                        .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if is_word {
                    out.insert(String::from_utf8_lossy(word).into_owned());
                }
                i = end + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_type_sources() {
        assert_eq!(map_type("dict_redis.c"), Some("redis"));
        assert_eq!(map_type("dict_mongodb.c"), Some("mongodb"));
        assert_eq!(map_type("dict_open.c"), None);
        assert_eq!(map_type("dict_redis.h"), None);
        assert_eq!(map_type("dict_.c"), None);
        assert_eq!(map_type("my_dict_redis.c"), None);
        assert_eq!(map_type("dict_Redis.c"), None);
    }

    #[test]
    fn source_trees_by_their_parameter_header() {
        let src = Path::new("fork/postfix/src");
        assert_eq!(source_tree(&src.join("global/mail_params.h")), Some(src));
        assert_eq!(source_tree(Path::new("src/util/mail_params.h")), None);
        assert_eq!(source_tree(Path::new("lib/global/mail_params.h")), None);
        assert_eq!(source_tree(Path::new("src/global/mail_params.c")), None);
    }

    #[test]
    fn words_of_string_literals() {
        let text = br#"
static const char postapi_config_param[] = "postapi_access_config";
#define VAR_MY_HOSTNAME "myhostname"
    msg_warn("%s: bad value", "Not_A_Word");
    c = '"'; x = "postapi_tls_loglevel";
    y = "a"; z = "two words" "auth_cred_cache_ttl";
"#;
        let mut out = HashSet::new();
        words_in_literals(text, &mut out);
        let mut got: Vec<&str> = out.iter().map(String::as_str).collect();
        got.sort();
        assert_eq!(
            got,
            [
                "auth_cred_cache_ttl",
                "myhostname",
                "postapi_access_config",
                "postapi_tls_loglevel"
            ]
        );
    }

    #[test]
    fn any_bytes_are_scanned_without_a_panic() {
        for text in [
            &b"\""[..],
            b"\"\\",
            b"\"abc\\",
            b"'",
            b"'\\",
            b"x = \"open",
            b"\"\n\"",
            b"\"a\\\"b\" \"word\"",
        ] {
            let mut out = HashSet::new();
            words_in_literals(text, &mut out);
            assert!(
                out.len() <= 1,
                "{:?}: {out:?}",
                String::from_utf8_lossy(text)
            );
        }
        // A pseudo-random walk over the bytes that matter to the scan.
        let alphabet = b"\"'\\\nab_ ";
        let mut state = 0x2545_f491_u32;
        for _ in 0..2000 {
            let text: Vec<u8> = (0..24)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    alphabet[state as usize % alphabet.len()]
                })
                .collect();
            words_in_literals(&text, &mut HashSet::new());
        }
    }
}
