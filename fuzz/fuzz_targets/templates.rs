//! Template tags and installer placeholders in a file, and the file read with holes (a
//! script, as the main.cf its here-documents write). No input may panic or take more than linear time. The text is
//! decoded as postlint decodes files (invalid UTF-8 and NUL kept as raw bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::parse;

fuzz_target!(|data: &[u8]| {
    let text = postlint::fsread::decode(data.to_vec());
    let text = text.as_str();
    let _ = postlint::template::find(text);
    let _ = parse::placeholder::find(text);
    let _ = parse::placeholder::is_whole(text);
    // Read with holes: the same length and the same lines, whatever the tags.
    for kind in [
        postlint::template::Kind::MainCf,
        postlint::template::Kind::MasterCf,
        postlint::template::Kind::Table,
    ] {
        for percent in [false, true] {
            if let Some(holed) = postlint::template::holes(text, kind, percent, None) {
                assert_eq!(holed.text.len(), text.len());
                assert_eq!(holed.text.matches('\n').count(), text.matches('\n').count());
                let lines = text.matches('\n').count() as u32 + 1;
                assert!(holed.conditional.iter().all(|r| r.start >= 1 && r.end <= lines + 1));
            }
            // With values for some names, and the tags at the start of a line that output
            // nothing taken out: the lines stay, and every offset maps back into
            // the template, in order.
            let vars = postlint::template::Vars::from_yaml("a: x\nb: [1, 2]\nc: {d: long value}\n");
            if let Some(holed) = postlint::template::holes(text, kind, percent, Some(&vars)) {
                let (out, shifts) = postlint::template::substitute(&holed.text, &holed.replacements());
                assert_eq!(out.matches('\n').count(), text.matches('\n').count());
                maps_back_in_order(&shifts, out.len(), text.len());
            }
        }
    }
    // A YAML file read as the main.cf or master.cf its literal blocks hold (with and without
    // values for some names): the same length and lines before the block's indent is taken
    // out, every offset mapping back in order, conditional lines within the file.
    let vars = postlint::template::Vars::from_yaml("a: x\nb: [1, 2]\nc: {d: long value}\n");
    for file in ["main.cf", "master.cf"] {
        for line in postlint::template::embedded::blocks(text, file).into_iter().take(4) {
            let kind = match file {
                "main.cf" => postlint::template::Kind::MainCf,
                _ => postlint::template::Kind::MasterCf,
            };
            for vars in [None, Some(&vars)] {
                let holed = postlint::template::embedded::read_as(text, line, kind, vars)
                    .expect("a block blocks() found is read");
                assert_eq!(holed.text.len(), text.len());
                let lines = text.matches('\n').count() as u32 + 1;
                assert!(holed.conditional.iter().all(|r| r.start >= 1 && r.end <= lines + 1));
                let (out, shifts) =
                    postlint::template::substitute(&holed.text, &holed.replacements());
                assert_eq!(out.matches('\n').count(), text.matches('\n').count());
                maps_back_in_order(&shifts, out.len(), text.len());
            }
        }
    }
    // A script read as the main.cf or master.cf its here-documents write: the same length
    // and lines before the shell's escapes are taken out, every offset mapping back in order.
    for yaml in [false, true] {
        for doc in postlint::template::heredoc::documents(text, yaml).iter().take(4) {
            for kind in [postlint::template::Kind::MainCf, postlint::template::Kind::MasterCf] {
                let Some(holed) = postlint::template::heredoc::read_as(text, doc.command, yaml, kind) else {
                    continue;
                };
                assert_eq!(holed.text.len(), text.len());
                assert_eq!(holed.text.matches('\n').count(), text.matches('\n').count());
                let (out, shifts) = postlint::template::substitute(&holed.text, &holed.replacements());
                maps_back_in_order(&shifts, out.len(), text.len());
            }
        }
    }
});

/// Every offset of the substituted text maps back into the template, in order.
fn maps_back_in_order(shifts: &[postlint::template::Shift], out_len: usize, text_len: usize) {
    let mut last = 0;
    for offset in 0..=out_len as u32 {
        let back = postlint::template::unshift(shifts, offset);
        assert!(back >= last && back as usize <= text_len);
        last = back;
    }
}
