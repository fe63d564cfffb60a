//! The virtual alias graph: the entries of the virtual_alias_maps tables postlint can read, as
//! edges from an address to the addresses it expands to, each address's step found the way
//! the resolver finds it (its own key, without its extension, the local part in a local domain,
//! then @domain). Checks over every address at once (loops, nesting depth) build it once and walk
//! it iteratively: linear in the entries.

use std::collections::HashMap;

use super::classes::ClassKind;
use super::restrictions::service_value;
use super::tables::fold;
use super::{Model, Resolved};
use crate::parse::list::split_list;
use crate::source::Span;

/// One entry: its targets (folded, `@myorigin` added) and where its key is.
struct Entry {
    targets: Vec<String>,
    /// A value that starts with `@` (`@example.net`): each address goes to its own local part
    /// at that domain (mail_addr_map() prepends it).
    domain_alias: Option<String>,
    span: Span,
    key: String,
}

pub struct Graph {
    /// Addresses, folded.
    pub names: Vec<String>,
    /// Each node's targets (node ids), and the entry that gave them.
    edges: Vec<Option<(Vec<usize>, usize)>>,
    /// Nodes that expand into themselves: Postfix never expands them again.
    fixed: Vec<bool>,
    entries: Vec<Entry>,
}

/// A loop: its addresses in order, and the entry (key and span) that leads from each to the
/// next.
pub struct Loop {
    pub steps: Vec<(String, String, Span)>,
}

impl Graph {
    /// The graph of a setup's virtual aliases; None when virtual_alias_maps holds a table
    /// postlint cannot read in full.
    pub fn build(model: &Model) -> Option<Graph> {
        let maps = model.maps("virtual_alias_maps");
        if maps.unknown {
            return None;
        }
        let tables = model.tables.exact_entry_tables(&maps.tables)?;
        let myorigin = fold(&service_value(model, None, "myorigin")?).into_owned();
        let delimiters = service_value(model, None, "recipient_delimiter")?;
        // Keys in table order: the first table that has a key answers it.
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut entries = Vec::new();
        for id in tables {
            let list = model.tables.get(id).entries()?;
            for (i, entry) in list.iter().enumerate() {
                let key = list.folded_key(i as u32);
                if by_key.contains_key(key) {
                    continue;
                }
                let targets = split_list(entry.value)
                    .into_iter()
                    .map(|r| {
                        let t = fold(&entry.value[r]).into_owned();
                        if t.contains('@') {
                            t
                        } else {
                            format!("{t}@{myorigin}")
                        }
                    })
                    .collect();
                by_key.insert(key.to_string(), entries.len());
                entries.push(Entry {
                    targets,
                    domain_alias: entry
                        .value
                        .starts_with('@')
                        .then(|| fold(entry.value).into_owned()),
                    span: entry.key_span,
                    key: entry.key.to_string(),
                });
            }
        }
        let mut local: HashMap<String, bool> = HashMap::new();
        // The bare local part is tried in $myorigin and the domains resolve_local() accepts.
        let mut is_local = |domain: &str| {
            *local.entry(domain.to_string()).or_insert_with(|| {
                domain == myorigin
                    || matches!(
                        model.resolve_class(domain),
                        Resolved::Class(ClassKind::Local, _)
                    )
            })
        };
        let mut graph = Graph {
            names: Vec::new(),
            edges: Vec::new(),
            fixed: Vec::new(),
            entries,
        };
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut work: Vec<usize> = Vec::new();
        let mut node = |name: &str, graph: &mut Graph, work: &mut Vec<usize>| -> usize {
            if let Some(&id) = ids.get(name) {
                return id;
            }
            let id = graph.names.len();
            graph.names.push(name.to_string());
            graph.edges.push(None);
            graph.fixed.push(false);
            ids.insert(name.to_string(), id);
            work.push(id);
            id
        };
        let starts: Vec<String> = by_key
            .keys()
            .filter(|k| k.contains('@') && !k.starts_with('@'))
            .cloned()
            .collect();
        for key in &starts {
            node(key, &mut graph, &mut work);
        }
        while let Some(id) = work.pop() {
            let address = graph.names[id].clone();
            let Some((local_part, domain)) = address.rsplit_once('@') else {
                continue;
            };
            let bare = local_part
                .find(|c| delimiters.contains(c))
                .filter(|&at| !delimiters.is_empty() && at > 0)
                .map(|at| &local_part[..at]);
            let mut keys = vec![address.clone()];
            if let Some(bare) = bare {
                keys.push(format!("{bare}@{domain}"));
            }
            if is_local(domain) {
                keys.push(local_part.to_string());
                if let Some(bare) = bare {
                    keys.push(bare.to_string());
                }
            }
            keys.push(format!("@{domain}"));
            let Some(&entry) = keys.iter().find_map(|k| by_key.get(k)) else {
                continue;
            };
            let targets = match &graph.entries[entry].domain_alias {
                Some(value) => {
                    let value = format!("{}{value}", bare.unwrap_or(local_part));
                    split_list(&value)
                        .into_iter()
                        .map(|r| value[r].to_string())
                        .map(|t| {
                            if t.contains('@') {
                                t
                            } else {
                                format!("{t}@{myorigin}")
                            }
                        })
                        .collect()
                }
                None => graph.entries[entry].targets.clone(),
            };
            let mut out = Vec::with_capacity(targets.len());
            for t in &targets {
                if *t == address {
                    graph.fixed[id] = true;
                } else {
                    out.push(node(t, &mut graph, &mut work));
                }
            }
            graph.edges[id] = Some((out, entry));
        }
        Some(graph)
    }

    /// Every loop of addresses that do not expand into themselves, once each: Postfix expands
    /// such mail until virtual_alias_recursion_limit and defers it. Tarjan's algorithm,
    /// iterative.
    pub fn loops(&self) -> Vec<Loop> {
        let n = self.names.len();
        let (mut index, mut low) = (vec![usize::MAX; n], vec![0usize; n]);
        let mut on_stack = vec![false; n];
        let (mut stack, mut next_index) = (Vec::new(), 0usize);
        let mut components: Vec<Vec<usize>> = Vec::new();
        let succ = |v: usize| -> &[usize] {
            if self.fixed[v] {
                return &[];
            }
            self.edges[v].as_ref().map_or(&[][..], |(t, _)| &t[..])
        };
        for root in 0..n {
            if index[root] != usize::MAX {
                continue;
            }
            let mut call: Vec<(usize, usize)> = vec![(root, 0)];
            index[root] = next_index;
            low[root] = next_index;
            next_index += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (v, ref mut i)) = call.last_mut() {
                let targets = succ(v);
                if *i < targets.len() {
                    let w = targets[*i];
                    *i += 1;
                    if self.fixed[w] {
                        continue;
                    }
                    if index[w] == usize::MAX {
                        index[w] = next_index;
                        low[w] = next_index;
                        next_index += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        call.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                } else {
                    call.pop();
                    if let Some(&(parent, _)) = call.last() {
                        low[parent] = low[parent].min(low[v]);
                    }
                    if low[v] == index[v] {
                        let mut component = Vec::new();
                        while let Some(w) = stack.pop() {
                            on_stack[w] = false;
                            component.push(w);
                            if w == v {
                                break;
                            }
                        }
                        if component.len() > 1 {
                            components.push(component);
                        }
                    }
                }
            }
        }
        components.into_iter().map(|c| self.cycle_in(&c)).collect()
    }

    /// One cycle through a strongly connected component, from its first-listed address.
    fn cycle_in(&self, component: &[usize]) -> Loop {
        let members: std::collections::HashSet<usize> = component.iter().copied().collect();
        let start = *component
            .iter()
            .min_by_key(|&&v| self.edges[v].as_ref().map(|(_, e)| self.entries[*e].span))
            .unwrap();
        // Breadth-first from start back to start, inside the component.
        let mut parent: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut end = None;
        'search: while let Some(v) = queue.pop_front() {
            for &w in self.edges[v].as_ref().map_or(&[][..], |(t, _)| &t[..]) {
                if w == start {
                    end = Some(v);
                    break 'search;
                }
                if members.contains(&w) && !parent.contains_key(&w) {
                    parent.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut path = vec![end.unwrap_or(start)];
        while let Some(&p) = parent.get(path.last().unwrap()) {
            path.push(p);
        }
        if *path.last().unwrap() != start {
            path.push(start);
        }
        path.reverse();
        let steps = path
            .iter()
            .map(|&v| {
                let (_, e) = self.edges[v].as_ref().expect("a cycle member has an entry");
                let entry = &self.entries[*e];
                (self.names[v].clone(), entry.key.clone(), entry.span)
            })
            .collect();
        Loop { steps }
    }
}
