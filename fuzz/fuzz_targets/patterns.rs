//! regexp and pcre tables (model/patterns.rs): parsing every rule, translating its pattern,
//! a lookup with and without `$number` substitution, and the catch-all analysis. No input may
//! panic or take more than bounded time. The first line, when it looks like an address, is
//! also the key asked; the text is decoded as postlint decodes files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::model::patterns::{Dialect, PatternTable, Substitution};
use postlint::source::FileId;

fuzz_target!(|data: &[u8]| {
    let text = postlint::fsread::decode(data.to_vec());
    let key = text.lines().next().unwrap_or("").trim();
    for dialect in [Dialect::Regexp, Dialect::Pcre] {
        let table = PatternTable::parse(&text, FileId(0), dialect, None);
        let _ = table.unknown_rule();
        for key in [key, "postmaster@example.org", "User+ext@Example.COM"] {
            let _ = table.lookup(key, Substitution::Allowed);
            let _ = table.lookup(key, Substitution::Skipped);
        }
        for rule in 0..table.rules.len().min(8) as u32 {
            let _ = table.literal_domains(rule);
            let _ = table.matches_every_address(rule, &["example.org", "example.com"]);
            let _ = table.value_of(rule, key);
        }
    }
});
