//! Every parser on the same bytes: main.cf and .cf settings, master.cf, postmap and aliases
//! sources, match lists, `$` expansion, template and placeholder detection. None may panic or
//! take more than linear time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::model::expand::{expand_text, Lookup, ParamLookup, ValueRef};
use postlint::parse;

/// Every name refers to the input itself, so expansion recurses as deep as Postfix lets it.
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
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let _ = parse::assign::parse_assignments(text);
    let _ = parse::master::parse_master(text);
    parse::postmap::visit_postmap(text, |_| {});
    let _ = parse::aliases::alias_lines(text).count();
    let _ = parse::list::match_list_items(text);
    let _ = parse::logical::logical_lines(text).count();
    let _ = parse::placeholder::find(text);
    let _ = parse::placeholder::is_whole(text);
    let _ = postlint::template::find(text);
    let _ = expand_text(&Itself(text), text);
});
