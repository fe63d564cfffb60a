//! The files git tracks in a repository, read from its index (`.git/index`): git applies
//! `.gitignore` to untracked files only, so a file added with `git add -f` (an `/etc`
//! snapshot whose `.gitignore` is `*`) is part of the repository all the same.
//!
//! Only the index file of the linted tree's own `.git` directory is read (never a `gitdir:`
//! elsewhere), at most [`MAX_BYTES`]; index versions 2, 3 and 4 (path prefix compression).
//! A file that is not a readable index gives nothing: the tree is then walked as before.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The largest index read (a repository of a few hundred thousand files).
const MAX_BYTES: u64 = 64 << 20;

/// The paths, relative to `root`, that the index of `root/.git` lists; None when there is no
/// readable index there.
pub fn tracked(root: &Path) -> Option<HashSet<PathBuf>> {
    // `.git` itself a directory, not a link that would lead out of the tree.
    let git = root.join(".git");
    if !std::fs::symlink_metadata(&git).ok()?.is_dir() {
        return None;
    }
    let index = git.join("index");
    let meta = std::fs::symlink_metadata(&index).ok()?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(&index).ok()?;
    parse(&bytes).map(|paths| paths.into_iter().map(path_of).collect())
}

#[cfg(unix)]
fn path_of(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_of(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// The entries' paths of an index file (gitformat-index(5)): a 12-byte header (`DIRC`,
/// version, count), then per entry 62 bytes of stat data, object id and flags, 2 more flag
/// bytes when the extended flag is set (version 3 on), and the path: NUL-terminated and padded
/// to a multiple of 8 bytes in versions 2 and 3; in version 4 a varint of how many bytes to
/// drop from the previous path, then the rest of the path, NUL-terminated, unpadded.
fn parse(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let header = bytes.get(..12)?;
    if &header[..4] != b"DIRC" {
        return None;
    }
    let version = u32::from_be_bytes(header[4..8].try_into().ok()?);
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = u32::from_be_bytes(header[8..12].try_into().ok()?) as usize;
    // Each entry takes at least 63 bytes: a count beyond that is no index.
    if count > bytes.len() / 63 {
        return None;
    }
    let mut paths = Vec::with_capacity(count);
    let mut at = 12;
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at;
        let flags = u16::from_be_bytes(bytes.get(at + 60..at + 62)?.try_into().ok()?);
        at += 62;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            at += 2;
        }
        let path = if version == 4 {
            let (drop, used) = varint(bytes.get(at..)?)?;
            at += used;
            let keep = previous.len().checked_sub(drop)?;
            let end = at + memchr::memchr(0, bytes.get(at..)?)?;
            let mut path = previous[..keep].to_vec();
            path.extend_from_slice(&bytes[at..end]);
            at = end + 1;
            path
        } else {
            let end = at + memchr::memchr(0, bytes.get(at..)?)?;
            let path = bytes[at..end].to_vec();
            // The entry, path and at least one NUL, padded to 8 bytes.
            let len = end - start;
            at = start + (len + 8) / 8 * 8;
            path
        };
        // A path that climbs out, or is absolute, is no file of this tree.
        if path.is_empty()
            || path.starts_with(b"/")
            || path
                .split(|&b| b == b'/')
                .any(|part| part == b".." || part.is_empty())
        {
            return None;
        }
        previous.clone_from(&path);
        paths.push(path);
    }
    Some(paths)
}

/// git's offset varint (varint.c): 7 bits a byte, high bit set when more follow, each
/// continuation adding one before the shift.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        if i > 0 {
            value = value.checked_add(1)?.checked_shl(7)?;
        }
        value |= usize::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index git writes for these paths, in the given version.
    fn git_index(paths: &[&str], version: &str) -> Option<Vec<u8>> {
        let dir = tempfile::tempdir().ok()?;
        let run = |args: &[&str]| {
            std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .output()
                .ok()
                .filter(|o| o.status.success())
        };
        run(&["init", "-q"])?;
        std::fs::write(dir.path().join(".gitignore"), "*\n").ok()?;
        for path in paths {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent()?).ok()?;
            std::fs::write(&file, "x\n").ok()?;
            run(&["add", "-f", path])?;
        }
        run(&["update-index", "--index-version", version])?;
        std::fs::read(dir.path().join(".git/index")).ok()
    }

    #[test]
    fn reads_the_paths_of_every_index_version() {
        let paths = [
            "etc/postfix/main.cf",
            "etc/postfix/master.cf",
            "etc/postfix/sasl/smtpd.conf",
            "etc/postfix-other/a-rather-long-name-for-a-file.cf",
        ];
        for version in ["2", "3", "4"] {
            // The suite runs in a git checkout: git is there to write the index.
            let index = git_index(&paths, version).expect("git writes an index");
            let mut got: Vec<String> = parse(&index)
                .expect("an index")
                .into_iter()
                .map(|p| String::from_utf8(p).unwrap())
                .collect();
            got.sort();
            let mut want: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
            want.sort();
            assert_eq!(got, want, "version {version}");
        }
    }

    #[test]
    fn a_damaged_index_gives_nothing() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(b"DIRC\0\0\0\x02\0\0\0\x01"), None);
        assert_eq!(parse(b"XXXX\0\0\0\x02\0\0\0\0"), None);
        // A count far beyond what the bytes can hold.
        assert_eq!(parse(b"DIRC\0\0\0\x02\xff\xff\xff\xff"), None);
        // An entry whose path climbs out of the tree.
        let mut entry = vec![0u8; 62];
        entry.extend_from_slice(b"../x\0\0");
        let mut index = b"DIRC\0\0\0\x02\0\0\0\x01".to_vec();
        index.extend_from_slice(&entry);
        assert_eq!(parse(&index), None);
        // Truncated anywhere: no panic.
        let good = git_index(&["a/main.cf"], "4").expect("git writes an index");
        assert!(parse(&good).is_some());
        for cut in 0..good.len() {
            let _ = parse(&good[..cut]);
        }
    }
}
