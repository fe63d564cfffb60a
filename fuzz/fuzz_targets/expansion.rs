//! `$name`, `${name}`, `${name?x}`, `${name:x}` and `${name==x?y:z}` expansion, where every name
//! refers to the input itself so that expansion recurses as deep and grows as large as Postfix
//! lets it. It must stop at the limits, never hang or run out of memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::model::expand::{expand_text, Lookup, ParamLookup, ValueRef};

struct Itself<'a>(&'a str);

impl ParamLookup for Itself<'_> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        match name.len() % 3 {
            0 => Lookup::Undefined,
            1 => Lookup::Unknown,
            _ => Lookup::Value(ValueRef {
                text: self.0,
                source: None,
            }),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = postlint::fsread::decode(data.to_vec());
    let _ = expand_text(&Itself(&text), &text);
});
