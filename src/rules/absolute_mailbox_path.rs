//! virtual_mailbox_maps values that start with `/` while virtual(8) delivers: virtual(8) puts
//! virtual_mailbox_base in front of every value, so the mail lands under the base again.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::restrictions::service_value;
use crate::model::values::virtual_delivers;
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "absolute-mailbox-path",
    severity: Severity::Warning,
    summary: "a virtual_mailbox_maps value starting with `/`: virtual(8) still puts virtual_mailbox_base in front of it",
    doc: include_str!("../../rules/absolute-mailbox-path.md"),
    undecided: super::always_decides,
    check,
};

fn check(model: &Model, out: &mut Findings) {
    if virtual_delivers(model) != Some(true) {
        return;
    }
    let Some(base) = service_value(model, None, "virtual_mailbox_base") else {
        return;
    };
    let base = base.trim_end_matches('/');
    if base.is_empty() {
        return; // `/` or empty: an absolute value is the path itself
    }
    let listed = model.maps("virtual_mailbox_maps").tables;
    for id in model.tables.known_entry_tables_of(&listed) {
        let Some(entries) = model.tables.get(id).entries() else {
            continue;
        };
        let mut absolute = (0..entries.len() as u32).filter(|&i| entries.value(i).starts_with('/'));
        let Some(first) = absolute.next().map(|i| entries.entry(i)) else {
            continue;
        };
        let more = absolute.count();
        let value = super::shorten(first.value);
        let finding = out.report(
            first.value_span,
            format!(
                "virtual(8) puts virtual_mailbox_base in front of this path: mail for {} goes to {base}/{value}, not {value}",
                super::shorten(first.key)
            ),
        );
        finding.subject(format!("{} absolute", model.tables.get(id).reference()));
        finding.label(if more == 0 {
            "an absolute path".to_string()
        } else {
            format!("an absolute path, and {more} more in this table")
        });
        if let Some(d) = model.params.get("virtual_mailbox_base") {
            finding.secondary(d.value_span, "the base virtual(8) prefixes");
        }
        finding.help(format!(
            "Write the path relative to virtual_mailbox_base ({base}): `{}`. virtual(8) \
             joins `$virtual_mailbox_base/` and the value whatever the value starts with \
             (virtual(8): \"A prefix that the virtual(8) delivery agent prepends to all \
             pathname results from $virtual_mailbox_maps table lookups\").",
            value
                .trim_start_matches(&format!("{base}/"))
                .trim_start_matches('/')
        ));
    }
    check_probed_mailboxes(model, out, &listed, base);
}

/// The same for the paths `--probe` got from the databases of virtual_mailbox_maps: one
/// finding per query, at the query, naming the first address.
fn check_probed_mailboxes(
    model: &Model,
    out: &mut Findings,
    listed: &[crate::model::tables::TableId],
    base: &str,
) {
    for id in model.tables.probed_tables_of(listed) {
        let Some(span) = model.tables.query_span(id) else {
            continue;
        };
        let mut absolute = model.tables.probed[&id]
            .found()
            .filter_map(|(_, a)| Some((a.key.as_str(), a.value.as_deref()?)))
            .filter(|(_, path)| path.starts_with('/'));
        let Some((key, path)) = absolute.next() else {
            continue;
        };
        let more = absolute.count();
        let table = model.tables.get(id);
        let path = super::shorten(path);
        let finding = out.report(
            span,
            format!(
                "the query of {} answers mailbox path {path} for {}: virtual(8) puts \
                 virtual_mailbox_base in front of it, so the mail goes to {base}/{path}{}",
                table.reference(),
                super::shorten(key),
                match more {
                    0 => String::new(),
                    n => format!(" ({n} more of the addresses --probe asked)"),
                }
            ),
        );
        finding.subject(format!("{} absolute", table.reference()));
        finding.label("returns absolute mailbox paths");
        if let Some(d) = model.params.get("virtual_mailbox_base") {
            finding.secondary(d.value_span, "the base virtual(8) prefixes");
        }
        finding.help(format!(
            "Store the paths relative to virtual_mailbox_base ({base}), or make the query \
             return them so (for example with SUBSTR or REPLACE of the `{base}/` prefix). \
             virtual(8) joins `$virtual_mailbox_base/` and the value whatever the value starts \
             with."
        ));
    }
}
