//! postmap sources (hash, lmdb, cdb, ... tables) and the `type:name` references to them. No input may panic or take more than linear time. The text is
//! decoded as postlint decodes files (invalid UTF-8 and NUL kept as raw bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::parse;

fuzz_target!(|data: &[u8]| {
    let text = postlint::fsread::decode(data.to_vec());
    let text = text.as_str();
    parse::postmap::visit_postmap(text, |_| {});
    let _ = parse::postmap::parse_postmap(text);
    for token in text.split_whitespace() {
        if let Some(table) = parse::table_ref::TableRef::parse(token) {
            let _ = (table.braced(), table.members(), table.inline_entries(), table.is_indexed());
        }
    }
});
