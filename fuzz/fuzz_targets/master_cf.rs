//! master.cf: service lines, their fields and `-o` options. No input may panic or take more than linear time. The text is
//! decoded as postlint decodes files (invalid UTF-8 and NUL kept as raw bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::parse;

fuzz_target!(|data: &[u8]| {
    let text = postlint::fsread::decode(data.to_vec());
    let text = text.as_str();
    let file = parse::master::parse_master(text);
    for line in &file.entries {
        let _ = (line.service(), line.kind(), line.command());
    }
});
