//! aliases(5) sources: `name: value, value` lines with quotes and comments. No input may panic or take more than linear time. The text is
//! decoded as postlint decodes files (invalid UTF-8 and NUL kept as raw bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::parse;

fuzz_target!(|data: &[u8]| {
    let text = postlint::fsread::decode(data.to_vec());
    let text = text.as_str();
    let _ = parse::aliases::parse_aliases(text);
    let _ = parse::aliases::alias_lines(text).count();
    for line in text.lines() {
        let _ = parse::aliases::split_alias(line);
    }
});
