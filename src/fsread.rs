//! Reading files that come from the linted tree: regular files only, opened without blocking,
//! and never more than [`MAX_FILE_SIZE`] bytes. A FIFO named main.cf, a link to /dev/zero or
//! a directory where a map should be is an error with a reason, not a hang.
//!
//! A source file's text ([`Text`]) is a String, or, for a file of [`MAP_FROM`] bytes or more
//! that is clean UTF-8, the file mapped read-only: an ISP's map of a million lines is then
//! read from the page cache where it already is, not copied into fresh memory that the kernel
//! must first zero (60 ms of the 1.8M-line benchmark's load, against 1 ms to map). The one
//! cost: a file truncated by another program while postlint reads it ends the run with SIGBUS
//! (and one rewritten in place may be read half old, half new), as with ripgrep and every
//! program that maps files. Editors and configuration management replace a large file rather
//! than truncate it, and postmap never writes its source.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// More than any Postfix file: spans are 32-bit offsets with one bit for a flag.
pub const MAX_FILE_SIZE: u64 = (1 << 31) - 1;

/// Reads a whole regular file. Opening with O_NONBLOCK makes a FIFO return at once (it is then
/// refused as not regular) instead of waiting for a writer.
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    let (file, len) = open_regular(path)?;
    read_opened(file, len)
}

/// Opens a regular file of at most [`MAX_FILE_SIZE`] bytes, and gives its length.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<(std::fs::File, u64)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "not a regular file ({})",
            kind_of(&meta.file_type())
        )));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_large(meta.len()));
    }
    Ok((file, meta.len()))
}

fn read_opened(file: std::fs::File, len: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(len as usize);
    huge_pages(&mut bytes);
    // The file may grow while it is read: never past the limit.
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Asks Linux to back a large buffer not yet written with huge pages, where the system leaves
/// that to the program (transparent_hugepage=madvise): a 50 MB map file then costs 25 page
/// faults instead of 12,000, each one a trip through the kernel that zeroes 4 KB.
fn huge_pages(buffer: &mut Vec<u8>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = buffer.as_mut_ptr() as usize;
        let aligned = start.next_multiple_of(HUGE);
        let end = start + buffer.capacity();
        if end > aligned + HUGE {
            let len = (end - aligned) / HUGE * HUGE;
            // SAFETY: the range lies inside the buffer's own allocation; MADV_HUGEPAGE changes
            // how its pages are backed, never their contents, and an error (a kernel without
            // THP) leaves the buffer as it was.
            unsafe {
                libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buffer;
}

/// Reads a regular file as text, decoded by [`decode`].
pub fn read_text(path: &Path) -> std::io::Result<String> {
    Ok(decode(read_regular(path)?))
}

/// Files of this many bytes or more are mapped ([`read_source_text`]). Below it, mapping
/// saves nothing worth its system calls.
pub const MAP_FROM: u64 = 1 << 20;

/// Reads a source file as text, decoded by [`decode`]: mapped when it is large and clean
/// UTF-8 (see the module's documentation), else read.
pub fn read_source_text(path: &Path) -> std::io::Result<Text> {
    let (file, len) = open_regular(path)?;
    if len >= MAP_FROM {
        // SAFETY: the mapping is read-only and private, and postlint never writes to the files
        // it reads. Another program changing or truncating the file while postlint runs is
        // the risk the module's documentation accepts.
        let mapped = unsafe { memmap2::MmapOptions::new().populate().map(&file) };
        // A file system that cannot map (some FUSE ones) is read instead.
        if let Ok(mapped) = mapped {
            // ASCII is UTF-8: one pass answers both for the usual map.
            let ascii = mapped.is_ascii();
            return Ok(
                if is_clean(&mapped) && (ascii || std::str::from_utf8(&mapped).is_ok()) {
                    Text {
                        repr: Repr::Mapped(mapped),
                        ascii,
                    }
                } else {
                    Text::from(decode(mapped.to_vec()))
                },
            );
        }
    }
    Ok(Text::from(decode(read_opened(file, len)?)))
}

/// The tool that encrypted a file, when its text starts the way that tool's output does:
/// git-crypt (`\0GITCRYPT\0`), `openssl enc` (`Salted__`, or `U2FsdGVkX1` in base64),
/// Ansible Vault, age and PGP. Nothing in such a file is readable, so it is not linted.
pub fn encrypted_by(text: &str) -> Option<&'static str> {
    let nul = raw_char(0);
    let git_crypt = format!("{nul}GITCRYPT{nul}");
    let tools = [
        (git_crypt.as_str(), "git-crypt"),
        ("Salted__", "openssl enc"),
        ("U2FsdGVkX1", "openssl enc"),
        ("$ANSIBLE_VAULT;", "Ansible Vault"),
        ("age-encryption.org/v1", "age"),
        ("-----BEGIN AGE ENCRYPTED FILE-----", "age"),
        ("-----BEGIN PGP MESSAGE-----", "PGP"),
    ];
    for (start, tool) in tools {
        if text.starts_with(start) {
            return Some(tool);
        }
    }
    None
}

/// A source file's text: read into memory, or mapped ([`read_source_text`]).
pub struct Text {
    repr: Repr,
    /// `str::is_ascii` of the text, worked out once when it was read.
    ascii: bool,
}

enum Repr {
    Owned(String),
    /// Checked as UTF-8 and [`is_clean`] when mapped.
    Mapped(memmap2::Mmap),
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        let ascii = text.is_ascii();
        Text {
            repr: Repr::Owned(text),
            ascii,
        }
    }
}

impl Text {
    /// Whether the text is all ASCII: `str::is_ascii`, without another pass over a large map.
    pub fn is_all_ascii(&self) -> bool {
        self.ascii
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.repr {
            Repr::Owned(text) => text,
            // SAFETY: checked as UTF-8 when it was mapped (read_source_text).
            Repr::Mapped(mapped) => unsafe { std::str::from_utf8_unchecked(mapped) },
        }
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

/// Whether valid UTF-8 bytes decode to themselves: no NUL and no character of the raw-byte
/// range (U+10FF00 and up, whose UTF-8 starts F4 8F).
fn is_clean(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes).is_none() && memchr::memmem::find(bytes, &[0xf4, 0x8f]).is_none()
}

/// The first of 256 characters that stand for one raw byte each (U+10FF00 + byte), at the end
/// of the last private-use plane.
const RAW_BYTE_BASE: u32 = 0x10_FF00;

/// Decodes a file's bytes without losing any: valid UTF-8 stays as it is, and each byte that is
/// not valid UTF-8, each NUL byte and each byte of a character that is itself in the raw-byte
/// range becomes the raw-byte character for it ([`raw_byte`]). Two different files therefore never
/// decode to the same text (two Latin-1 keys are not "duplicates"), and NUL, which postlint uses
/// inside for a value it cannot know, never comes from a file.
pub fn decode(bytes: Vec<u8>) -> String {
    let clean = is_clean(&bytes);
    let bytes = match String::from_utf8(bytes) {
        Ok(text) if clean => return text,
        Ok(text) => text.into_bytes(),
        Err(e) => e.into_bytes(),
    };
    let mut out = String::with_capacity(bytes.len() + 16);
    let raw = |out: &mut String, b: u8| out.push(raw_char(b));
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\0' || raw_byte(c).is_some() {
                let mut buf = [0u8; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    raw(&mut out, b);
                }
            } else {
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            raw(&mut out, b);
        }
    }
    out
}

fn raw_char(byte: u8) -> char {
    char::from_u32(RAW_BYTE_BASE + u32::from(byte)).expect("U+10FF00..=U+10FFFF are characters")
}

/// The byte a character of decoded text stands for, when it stands for a raw byte.
pub fn raw_byte(c: char) -> Option<u8> {
    (c as u32)
        .checked_sub(RAW_BYTE_BASE)
        .and_then(|b| u8::try_from(b).ok())
}

fn too_large(size: u64) -> std::io::Error {
    std::io::Error::other(format!(
        "{size} bytes, more than the {MAX_FILE_SIZE} any Postfix file could need"
    ))
}

/// What a file that is not regular is, in words.
pub fn kind_of(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_files_are_told_by_their_start() {
        let git_crypt = decode(b"\0GITCRYPT\0\x5e\x63\xb2 = x\n".to_vec());
        assert_eq!(encrypted_by(&git_crypt), Some("git-crypt"));
        assert_eq!(encrypted_by("Salted__\u{7f}x"), Some("openssl enc"));
        assert_eq!(encrypted_by("U2FsdGVkX1/0yez0tGYO\n"), Some("openssl enc"));
        assert_eq!(
            encrypted_by("$ANSIBLE_VAULT;1.1;AES256\n6131\n"),
            Some("Ansible Vault")
        );
        assert_eq!(
            encrypted_by("age-encryption.org/v1\n-> X25519 x\n"),
            Some("age")
        );
        assert_eq!(encrypted_by("-----BEGIN PGP MESSAGE-----\n"), Some("PGP"));
        // Postfix files, also ones that mention the tools.
        assert_eq!(encrypted_by("# GITCRYPT\nmyhostname = x\n"), None);
        assert_eq!(
            encrypted_by("smtp_sasl_password_maps = hash:/x # $ANSIBLE_VAULT;\n"),
            None
        );
        assert_eq!(encrypted_by(""), None);
    }

    #[test]
    fn large_files_are_mapped_and_read_as_small_ones_are() {
        let dir = tempfile::tempdir().unwrap();
        let line = "user@example.com  example.com/user/\n";
        let big = line.repeat(MAP_FROM as usize / line.len() + 1);
        // Clean UTF-8: mapped, the same text.
        let clean = dir.path().join("vmailbox");
        std::fs::write(&clean, &big).unwrap();
        let text = read_source_text(&clean).unwrap();
        assert!(matches!(text.repr, Repr::Mapped(_)));
        assert_eq!(&*text, big);
        assert!(text.is_all_ascii());
        // UTF-8 beyond ASCII: mapped too, and known not to be ASCII.
        let accented = dir.path().join("accented");
        std::fs::write(&accented, format!("{big}caf\u{e9}.example  x\n")).unwrap();
        let text = read_source_text(&accented).unwrap();
        assert!(matches!(text.repr, Repr::Mapped(_)));
        assert!(!text.is_all_ascii());
        // A Latin-1 byte or a NUL: decoded like any file, into memory.
        for odd in [&b"caf\xe9"[..], b"a\0b"] {
            let mut bytes = big.clone().into_bytes();
            bytes.extend_from_slice(odd);
            let path = dir.path().join("odd");
            std::fs::write(&path, &bytes).unwrap();
            let text = read_source_text(&path).unwrap();
            assert!(matches!(text.repr, Repr::Owned(_)));
            assert!(!text.is_all_ascii());
            assert_eq!(&*text, decode(bytes));
        }
        // Small files are read.
        let small = dir.path().join("small");
        std::fs::write(&small, line).unwrap();
        let text = read_source_text(&small).unwrap();
        assert!(matches!(text.repr, Repr::Owned(_)));
        assert!(text.is_all_ascii());
        assert_eq!(&*text, line);
        // A directory is refused before any mapping.
        assert!(read_source_text(dir.path()).is_err());
    }

    #[test]
    fn decoding_keeps_every_byte_apart() {
        assert_eq!(decode(b"a = b\n".to_vec()), "a = b\n");
        assert_eq!(decode("ö.example".into()), "ö.example");
        // Two Latin-1 bytes, a NUL, and the bytes of a real raw-byte character all stay distinct.
        let texts: Vec<String> = [
            &b"\xe9"[..],
            b"\xe8",
            b"\xef\xbf\xbd",
            b"\0",
            "\u{10ffe9}".as_bytes(),
        ]
        .iter()
        .map(|b| decode(b.to_vec()))
        .collect();
        for (i, a) in texts.iter().enumerate() {
            assert!(!a.contains('\0'), "{a:?}");
            for b in &texts[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(
            texts[0].chars().filter_map(raw_byte).collect::<Vec<_>>(),
            [0xe9]
        );
        assert_eq!(
            texts[4].chars().filter_map(raw_byte).collect::<Vec<_>>(),
            [0xf4, 0x8f, 0xbf, 0xa9]
        );
    }

    #[test]
    fn special_files_are_refused_at_once() {
        let dir = std::env::temp_dir().join(format!("postlint-fsread-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("main.cf");
        let c_path = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let e = read_regular(&fifo).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a FIFO)");
        let e = read_regular(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a device)");
        let e = read_regular(&dir).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        std::fs::write(dir.join("ok"), "a = b\n").unwrap();
        assert_eq!(read_text(&dir.join("ok")).unwrap(), "a = b\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
