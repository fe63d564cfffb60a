//! Virtual alias targets in a domain this server hosts that are no mailbox and no alias:
//! Postfix accepts the mail for the alias, then cannot deliver it and bounces it to the
//! (often forged) sender.

use std::borrow::Cow;

use hashbrown::HashMap;

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::alias_graph::{folded_targets, without_extension};
use crate::model::classes::ClassKind;
use crate::model::restrictions::service_value;
use crate::model::tables::BATCH;
use crate::model::tables::{split_address, Answer, Hit};
use crate::model::{Model, Resolved};

pub const RULE: Rule = Rule {
    id: "alias-target-unknown",
    severity: Severity::Warning,
    summary: "a virtual alias points at an address of a hosted domain that is no mailbox and no alias: accepted, then bounced",
    doc: include_str!("../../rules/alias-target-unknown.md"),
    undecided: |model| {
        model.classes_partial()
            || model.maps_partial("virtual_alias_maps")
            || model.maps_partial("virtual_mailbox_maps")
            || crate::model::values::mailbox_users_unseen(model)
    },
    check,
};

/// The address a target is looked up as: its local part, without the extension, and its
/// domain, and whether the domain is $myorigin (None: $myorigin is unknown, so it may be).
struct Target<'t> {
    full: &'t str,
    local: &'t str,
    bare: Option<&'t str>,
    domain: &'t str,
    origin: Option<bool>,
}

/// What a list of tables says for the keys mail_addr_find() looks an address up with, in its
/// order: the address, without its extension; in the domain of $myorigin the local part,
/// without its extension (MA_FIND_LOCALPART_IF_LOCAL); @domain. Stops at the first found. A
/// local-part key found where the domain may be $myorigin is Unknown.
fn listed(model: &Model, maps: &crate::model::MapsList, target: &Target) -> Answer {
    let mut answer = maps.lookup(&model.tables, target.full);
    if answer != Answer::NotFound {
        return answer;
    }
    if let Some(bare) = target.bare {
        answer = maps.lookup_partial(&model.tables, &format!("{bare}@{}", target.domain));
        if answer != Answer::NotFound {
            return answer;
        }
    }
    if target.origin != Some(false) {
        for key in [Some(target.local), target.bare].into_iter().flatten() {
            answer = maps.lookup_partial(&model.tables, key);
            if answer != Answer::NotFound {
                return match target.origin {
                    Some(true) => answer,
                    _ => Answer::Unknown,
                };
            }
        }
    }
    maps.lookup_partial(&model.tables, &format!("@{}", target.domain))
}

/// Whether an alias answer for `target` maps it only to itself: an identity line
/// (`bob@example.com bob@example.com`), or a catch-all asked for its own target (`@example.com
/// root@example.com`, asked for root@example.com). Postfix stops expanding there, so the
/// address still needs a mailbox (`postlint --trace` shows it).
fn only_itself(
    model: &Model,
    answer: Answer,
    target: &str,
    bare: Option<&str>,
    domain: &str,
) -> bool {
    let Answer::Found(Some(hit)) = answer else {
        return false;
    };
    let Some(value) = model.tables.hit_value(hit, target) else {
        return false;
    };
    let mut targets = folded_targets(&value);
    let (Some(first), None) = (targets.next(), targets.next()) else {
        return false;
    };
    first == target
        || bare.is_some_and(|b| {
            first.len() == b.len() + 1 + domain.len()
                && first.starts_with(b)
                && first[b.len()..].starts_with('@')
                && first.ends_with(domain)
        })
}

fn check(model: &Model, out: &mut Findings) {
    let aliases = model.maps("virtual_alias_maps");
    if aliases.unknown {
        return;
    }
    let mailboxes = model.maps("virtual_mailbox_maps");
    let Some(tables) = model.tables.exact_entry_tables(&aliases.tables) else {
        return;
    };
    let Some(delimiters) = service_value(model, None, "recipient_delimiter") else {
        return;
    };
    // An empty virtual_mailbox_maps: smtpd takes every address of a virtual mailbox domain and
    // the transport decides which exist (Dovecot's users, which postlint cannot see).
    let every_mailbox = crate::model::values::virtual_mailbox_maps_empty(model);
    // SQL tables of both lists that --probe asked: a finding names those that answered.
    let probed_mailbox_and_alias: Vec<_> = {
        let mut ids = model.tables.probed_tables_of(&mailboxes.tables);
        ids.extend(model.tables.probed_tables_of(&aliases.tables));
        ids
    };
    // The class of a domain the class lists do not name (the model knows the others), by the
    // domain borrowed from the tables' text. A target with capitals (folded into a copy) is
    // resolved without it.
    let mut classes: HashMap<&str, Resolved> = HashMap::new();
    // Tables list a domain's aliases together: the last domain's class is usually the answer.
    let mut last: Option<(Cow<'_, str>, Resolved)> = None;
    // Most targets are mailboxes of the first mailbox table, which answers for them whatever
    // their domain's class: they are looked up there in batches, whose memory reads overlap
    // (`Entries::get_batch`), and only the others go the whole way.
    let first_mailboxes = mailboxes
        .tables
        .first()
        .and_then(|&id| model.tables.first_entries(id));
    // What a bare target is completed with (trivial-rewrite, append_at_myorigin): None when
    // unknown or when nothing is appended.
    let appends = service_value(model, None, "append_at_myorigin")
        .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let origin: Option<String> = match appends {
        true => model
            .myorigin()
            .filter(|o| !o.is_empty() && !o.contains(['$', '{', ' ', '/'])),
        false => None,
    };
    // $myorigin (None: unknown), where mail_addr_find() also looks up the bare local part.
    let myorigin = model.myorigin();
    let mut batch: Vec<(u32, Cow<'_, str>)> = Vec::with_capacity(BATCH);
    let mut found: Vec<Option<u32>> = Vec::with_capacity(BATCH);
    for id in tables {
        let Some(entries) = model.tables.get(id).entries() else {
            continue;
        };
        let mut targets = (0..entries.len() as u32)
            .flat_map(|i| folded_targets(entries.value(i)).map(move |t| (i, t)))
            .filter(|(_, target)| {
                // Not `@domain` values or expressions.
                let bytes = target.as_bytes();
                bytes.first() != Some(&b'@') && memchr::memchr3(b'$', b'{', b'%', bytes).is_none()
            });
        loop {
            batch.clear();
            batch.extend(targets.by_ref().take(BATCH));
            if batch.is_empty() {
                break;
            }
            found.clear();
            if let Some(first) = first_mailboxes {
                let mut keys = [""; BATCH];
                for (key, (_, target)) in keys.iter_mut().zip(&batch) {
                    *key = target.as_ref();
                }
                first.get_batch(&keys[..batch.len()], &mut found);
            }
            for (k, (i, target)) in batch.drain(..).enumerate() {
                if found.get(k).is_some_and(Option::is_some) {
                    continue;
                }
                // A bare name (`bob`, `/dev/null`): Postfix appends @$myorigin, and the
                // address is looked up there like any other.
                // The bare name as written, kept for the finding's label.
                let (target, bare_name) = match (target.contains('@'), &origin) {
                    (true, _) => (target, None),
                    (false, Some(origin)) => {
                        (Cow::Owned(format!("{target}@{origin}")), Some(target))
                    }
                    (false, None) => continue,
                };
                let Some((local, domain)) = split_address(&target) else {
                    continue;
                };
                let class = match &last {
                    Some((d, c)) if d == domain => *c,
                    _ => {
                        let (key, c) = match (&target, model.memoized_class(domain)) {
                            (Cow::Borrowed(t), None) => {
                                let borrowed: &str = &t[t.len() - domain.len()..];
                                let c = *classes
                                    .entry(borrowed)
                                    .or_insert_with(|| model.resolve_class(domain));
                                (Cow::Borrowed(borrowed), c)
                            }
                            (Cow::Borrowed(t), Some(c)) => {
                                (Cow::Borrowed(&t[t.len() - domain.len()..]), c)
                            }
                            (Cow::Owned(_), c) => (
                                Cow::Owned(domain.to_string()),
                                c.unwrap_or_else(|| model.resolve_class(domain)),
                            ),
                        };
                        last = Some((key, c));
                        c
                    }
                };
                // Only the domains this server hosts as virtual domains are checked.
                if !matches!(
                    class,
                    Resolved::Class(ClassKind::VirtualMailbox | ClassKind::VirtualAlias, _)
                ) {
                    continue;
                }
                let bare = without_extension(local, &delimiters);
                let looked_up = Target {
                    full: &target,
                    local,
                    bare,
                    domain,
                    origin: myorigin.as_deref().map(|o| o == domain),
                };
                // An alias that maps the target only to itself is no alias for it.
                let mut to_itself = false;
                let mut alias = || {
                    let answer = listed(model, &aliases, &looked_up);
                    // The entry that names the target is its own alias (`dora@x dora@x,
                    // anna@x`): Postfix keeps the address as it is, as for an identity line.
                    let itself = answer == Answer::Found(Some(Hit::Entry(id, i)));
                    match itself || only_itself(model, answer, &target, bare, domain) {
                        true => {
                            to_itself = true;
                            Answer::NotFound
                        }
                        false => answer,
                    }
                };
                let answer = match class {
                    Resolved::Class(ClassKind::VirtualMailbox, _) if every_mailbox => continue,
                    Resolved::Class(ClassKind::VirtualMailbox, _) => {
                        match listed(model, &mailboxes, &looked_up) {
                            Answer::NotFound => alias(),
                            found => found,
                        }
                    }
                    // A mailbox in a domain that resolves as a virtual alias domain is the
                    // class conflict domain-in-multiple-classes reports, not a typo here.
                    Resolved::Class(ClassKind::VirtualAlias, _) => match alias() {
                        Answer::NotFound => listed(model, &mailboxes, &looked_up),
                        found => found,
                    },
                    _ => continue,
                };
                if answer != Answer::NotFound {
                    continue;
                }
                let Resolved::Class(kind, _) = class else {
                    continue;
                };
                let (what, bounce) = match (kind == ClassKind::VirtualMailbox, to_itself) {
                    (true, false) => (
                        "no mailbox (virtual_mailbox_maps) and no alias",
                        "it bounces as an unknown user",
                    ),
                    (true, true) => (
                        "no mailbox (virtual_mailbox_maps), only an alias to itself",
                        "it bounces as an unknown user",
                    ),
                    (false, false) => (
                        "no alias of its own in this virtual alias domain",
                        "it bounces with \"User unknown in virtual alias table\"",
                    ),
                    (false, true) => (
                        "only an alias to itself in this virtual alias domain, which delivers nowhere",
                        "it bounces with \"User unknown in virtual alias table\"",
                    ),
                };
                let shown = super::shorten(&target);
                let entry = entries.entry(i);
                // A catch-all's mail is that of every address of its domain.
                let mail_to = match entry.key.strip_prefix('@') {
                    Some(domain) => format!("any address at {}", super::shorten(domain)),
                    None => super::shorten(entry.key).into_owned(),
                };
                let finding = out.report(
                    entry.value_span,
                    format!(
                        "{} forwards to {shown}, which has {what}: mail to {mail_to} is accepted, then {bounce} to the sender",
                        super::shorten(entry.key),
                    ),
                );
                finding.subject(format!("{} -> {target}", entry.key));
                match &bare_name {
                    None => finding.label(format!("{shown} does not exist here")),
                    Some(written) if written.starts_with(['/', '|']) => finding.label(format!(
                        "a virtual alias delivers to addresses only: `{}` is read as {shown}",
                        super::shorten(written)
                    )),
                    Some(written) => finding.label(format!(
                        "`{}` is {shown} (Postfix appends @$myorigin), which does not exist here",
                        super::shorten(written)
                    )),
                };
                // The database tables --probe asked for it, each at its query.
                for &id in &probed_mailbox_and_alias {
                    let asked = model.tables.probed[&id].get(&target).is_some();
                    if let (true, Some(span)) = (asked, model.tables.query_span(id)) {
                        finding.secondary(
                            span,
                            format!(
                                "no row for {shown} (asked by --probe: {})",
                                model.tables.get(id).reference()
                            ),
                        );
                    }
                }
                finding.help(format!(
                    "Correct the target, add a mailbox (or an alias) for {shown}, or remove the \
                     alias. smtpd accepts mail for the alias itself, so the failure comes later, \
                     as a bounce: to forged senders that is backscatter. `postlint --trace {}` \
                     shows the whole path.",
                    super::shorten(entry.key)
                ));
            }
        }
    }
}
