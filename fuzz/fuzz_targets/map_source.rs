//! postmap sources (hash, lmdb, cdb, ... tables) and the `type:name` references to them. No input may panic or take more than linear time. The text is
//! decoded as postlint decodes files (invalid UTF-8 and NUL kept as raw bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::parse;

fuzz_target!(|data: &[u8]| {
    let text = postlint::fsread::decode(data.to_vec());
    let text = text.as_str();
    // The short path for plain lines reads the text as the general reader does.
    let mut general = Vec::new();
    parse::postmap::visit_postmap(text, |e| general.push(seen(e)));
    let short = std::cell::RefCell::new(Vec::new());
    let samples = parse::postmap::visit_postmap_plain(
        text,
        2,
        |k, v| short.borrow_mut().push((text[k.clone()].to_string(), k.start, text[v.clone()].to_string(), v.start, 0)),
        |e| short.borrow_mut().push(seen(e)),
    );
    assert_eq!(short.into_inner(), general);
    // The line samples the short path finds on its way are where the lines start.
    assert_eq!(samples, postlint::source::line_samples(text.as_bytes(), 2));
    let _ = parse::postmap::parse_postmap(text);
    for token in text.split_whitespace() {
        if let Some(table) = parse::table_ref::TableRef::parse(token) {
            let _ = (table.braced(), table.members(), table.inline_entries(), table.is_indexed());
        }
    }
});

/// An event as (key or reason, file offset of the key, value, file offset of the value, line of
/// a skipped line).
fn seen(event: parse::postmap::PostmapEvent) -> (String, usize, String, usize, u32) {
    use parse::postmap::PostmapEvent;
    let file = postlint::source::FileId(0);
    match event {
        PostmapEvent::Entry { line, key, value } => (
            line.text[key.clone()].to_string(),
            line.span(file, key).start as usize,
            line.text[value.clone()].to_string(),
            line.span(file, value).start as usize,
            0,
        ),
        PostmapEvent::Skipped { line, reason, kept } => (reason, 0, kept.to_string(), 0, line.line),
    }
}
