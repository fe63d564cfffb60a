//! `--trace ADDRESS`: where mail for one address goes, one line per address the virtual alias
//! expansion ends with, each step with the file and line that decides it.

use serde::Serialize;

use super::config::origin;
use crate::model::classes::ClassKind;
use crate::model::resolve::{expand, Delivery, Expansion, Node, Stop, Via};
use crate::model::{Model, Resolved};

fn class_text(model: &Model, class: &Resolved) -> String {
    match class {
        Resolved::Class(kind, span) => {
            let name = match kind {
                ClassKind::Local => "local domain",
                ClassKind::VirtualAlias => "virtual alias domain",
                ClassKind::VirtualMailbox => "virtual mailbox domain",
                ClassKind::Relay => "relay domain",
            };
            match span {
                Some(span) => format!("{name} ({}, {})", kind.param(), origin(model, *span)),
                None => format!("{name} ({})", kind.param()),
            }
        }
        Resolved::NoClass => "no address class (mail for other domains)".to_string(),
        Resolved::Unknown => "address class unknown".to_string(),
    }
}

fn at(model: &Model, via: &Via) -> String {
    match via.span {
        Some(span) => origin(model, span),
        None => via.param.to_string(),
    }
}

fn delivery_text(model: &Model, delivery: &Delivery) -> String {
    match delivery {
        Delivery::Local { user, alias } => match alias {
            Some((via, value)) => format!(
                "local(8) user {user}: alias `{}` ({})",
                crate::rules::shorten(value),
                at(model, via)
            ),
            None => {
                format!("local(8) user {user} (local_recipient_maps and the passwd file decide)")
            }
        },
        Delivery::Mailbox {
            path,
            via,
            transport,
        } => format!(
            "mailbox {} ({}), delivered by {transport}",
            crate::rules::shorten(path),
            at(model, via)
        ),
        Delivery::Transport {
            transport,
            why,
            via,
        } => match via {
            Some(via) => format!("transport {transport} ({why}, {})", at(model, via)),
            None => format!("transport {transport} ({why})"),
        },
        Delivery::Rejected {
            reason,
            after_alias: false,
        } => format!("rejected at RCPT: 550 5.1.1 {reason}"),
        Delivery::Rejected {
            reason,
            after_alias: true,
        } => format!("accepted, then bounced: {reason} (backscatter to the sender)"),
        Delivery::Unknown(why) => format!("unknown: {why}"),
    }
}

/// The path from the address asked about to a node, first to last.
fn path(expansion: &Expansion, node: usize) -> Vec<&Node> {
    let mut out = vec![&expansion.nodes[node]];
    let mut at = expansion.nodes[node].parent;
    while let Some(p) = at {
        out.push(&expansion.nodes[p]);
        at = expansion.nodes[p].parent;
    }
    out.reverse();
    out
}

pub fn render_text(model: &Model, address: &str) -> String {
    let expansion = expand(model, address);
    let root = &expansion.nodes[0];
    let root_class = model.resolve_class(domain_of(&root.address));
    let head = format!("{}: {}", root.address, class_text(model, &root_class));
    let mut out = String::new();
    match &expansion.stop {
        Some(Stop::Deferred { reason, cycle }) => {
            let shown: Vec<&str> = cycle
                .iter()
                .map(|&n| expansion.nodes[n].address.as_str())
                .collect();
            out.push_str(&head);
            if !shown.is_empty() {
                out.push_str(&format!(" → aliases {}", shown.join(" → ")));
            }
            out.push_str(&format!(
                " → deferred, \"4.6.0 Alias expansion error\": {reason}\n"
            ));
        }
        // The steps known before the lookup postlint cannot answer: `postmaster → root
        // (virtual:1)`, then the table it cannot read.
        Some(Stop::Unknown(why)) => {
            let nodes = path(&expansion, expansion.unknown_at.unwrap_or(0));
            out.push_str(&format!(
                "{head}{} → unknown: {why}\n",
                alias_steps(model, &nodes)
            ))
        }
        None => {
            for &f in &expansion.finals {
                let nodes = path(&expansion, f);
                let mut line = head.clone();
                line.push_str(&alias_steps(model, &nodes));
                let node = &expansion.nodes[f];
                if let (true, Some(class)) = (nodes.len() > 1, &node.class) {
                    if *class != root_class {
                        line.push_str(&format!(", {}", class_text(model, class)));
                    }
                }
                if let Some(delivery) = &node.delivery {
                    line.push_str(&format!(" → {}", delivery_text(model, delivery)));
                }
                out.push_str(&line);
                out.push('\n');
                // Other routes to the same recipient: shown, since a list member a catch-all
                // takes ends here too, and a user asks why that member got nothing.
                for &r in &expansion.repeats {
                    if !expansion.nodes[r]
                        .address
                        .eq_ignore_ascii_case(&node.address)
                    {
                        continue;
                    }
                    let nodes = path(&expansion, r);
                    out.push_str(&format!(
                        "{head}{} → {} again: cleanup(8) writes each recipient once\n",
                        alias_steps(model, &nodes),
                        node.address
                    ));
                }
            }
        }
    }
    let out: String = out
        .chars()
        .map(|c| if super::is_unsafe_char(c) { '?' } else { c })
        .collect();
    crate::diagnostic::bounded(out, 64 * 1024)
}

/// The alias steps of a path from the address traced: ` → alias KEY → TARGET (where)` each,
/// or ` → alias KEY to itself (where)`.
fn alias_steps(model: &Model, nodes: &[&Node]) -> String {
    let mut line = String::new();
    for pair in nodes.windows(2) {
        let (from, node) = (pair[0], pair[1]);
        let Some(via) = &node.via else {
            continue;
        };
        if node.address.eq_ignore_ascii_case(&from.address) {
            line.push_str(&format!(
                " → alias {} to itself ({})",
                via.key,
                at(model, via)
            ));
        } else {
            line.push_str(&format!(
                " → alias {} → {} ({})",
                via.key,
                node.address,
                at(model, via)
            ));
        }
    }
    line
}

fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, d)| d)
}

#[derive(Serialize)]
struct JsonNode<'a> {
    address: &'a str,
    parent: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<String>,
}

#[derive(Serialize)]
struct JsonTrace<'a> {
    address: &'a str,
    class: String,
    nodes: Vec<JsonNode<'a>>,
    finals: &'a [usize],
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<String>,
}

pub fn render_json(model: &Model, address: &str) -> String {
    let expansion = expand(model, address);
    let root = &expansion.nodes[0];
    let trace = JsonTrace {
        address: &root.address,
        class: class_text(model, &model.resolve_class(domain_of(&root.address))),
        nodes: expansion
            .nodes
            .iter()
            .map(|n| JsonNode {
                address: &n.address,
                parent: n.parent,
                alias_key: n.via.as_ref().map(|v| v.key.as_str()),
                alias_at: n.via.as_ref().map(|v| at(model, v)),
                class: n.class.as_ref().map(|c| class_text(model, c)),
                delivery: n.delivery.as_ref().map(|d| delivery_text(model, d)),
            })
            .collect(),
        finals: &expansion.finals,
        stopped: expansion.stop.as_ref().map(|s| match s {
            Stop::Deferred { reason, .. } => format!("deferred: {reason}"),
            Stop::Unknown(why) => format!("unknown: {why}"),
        }),
    };
    let mut text = serde_json::to_string_pretty(&trace).unwrap_or_default();
    text.push('\n');
    text
}
