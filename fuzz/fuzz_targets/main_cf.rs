//! main.cf and database .cf files: logical lines (continuations) and `name = value` assignments. No input may panic or take more than linear time. The text is
//! decoded as postlint decodes files (invalid UTF-8 and NUL kept as raw bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::parse;

fuzz_target!(|data: &[u8]| {
    let text = postlint::fsread::decode(data.to_vec());
    let text = text.as_str();
    let _ = parse::logical::logical_lines(text).count();
    let file = parse::assign::parse_assignments(text);
    for a in &file.assignments {
        let _ = (a.name(), a.value());
    }
});
