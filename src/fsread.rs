//! Reading files that come from the linted tree: regular files only, opened without blocking,
//! and never more than [`MAX_FILE_SIZE`] bytes. A FIFO named main.cf, a link to /dev/zero or
//! a directory where a map should be is an error with a reason, not a hang.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// More than any Postfix file: spans are 32-bit offsets with one bit for a flag.
pub const MAX_FILE_SIZE: u64 = (1 << 31) - 1;

/// Reads a whole regular file. Opening with O_NONBLOCK makes a FIFO return at once (it is then
/// refused as not regular) instead of waiting for a writer.
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
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
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never past the limit.
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads a regular file as text (invalid UTF-8 replaced).
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = read_regular(path)?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
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
