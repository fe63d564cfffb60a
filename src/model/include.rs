//! Jinja `{% include 'file' %}` in a template of main.cf (an Ansible role's
//! `{% include('main.cf.d/tls.j2') %}`, a Salt formula's `{% include "postfix/files/_relay.cf"
//! %}`): the included files the linted tree holds are read as parts of main.cf, each a source of
//! its own with its holes, and their settings count where the include stands. An include whose
//! file is not in the tree, or whose path is built from variables, stays text postlint cannot
//! see. One level is followed: an include inside an included file is such text.

use std::path::{Path, PathBuf};

use crate::scripts::found_above as find;
use crate::source::{FileId, Sources};
use crate::template::{self, Holed};

use super::read;

/// How many includes of one main.cf are followed.
const MAX_INCLUDES: usize = 64;

/// An include whose file was found.
pub struct Include {
    /// The line of the include in main.cf.
    pub line: u32,
    /// The include is on a line that may be absent from the rendered file.
    pub conditional: bool,
    pub path: PathBuf,
}

/// A part of main.cf read from an included file.
pub struct Part {
    pub line: u32,
    pub conditional: bool,
    pub file: FileId,
}

/// Finds the file of each include with a literal path, as a template loader with the role's
/// or the file roots' directory on its search path finds it: beside main.cf, else in each
/// directory above it up to `bound` (never above it, never through a link). The includes
/// found are taken out of `holed.inserts`: they are no longer unknown. `root` (canonical) is
/// where postlint may read: a file a linked directory on the way puts elsewhere is not read.
pub fn resolve(
    main_cf: &Path,
    bound: &Path,
    root: Option<&Path>,
    holed: &mut Holed,
) -> Vec<Include> {
    let bound = crate::scripts::lexical(bound);
    let Some(dir) = main_cf.parent() else {
        return Vec::new();
    };
    let dir = crate::scripts::lexical(dir);
    let mut found = Vec::new();
    let mut resolved = Vec::new();
    for (at, path, conditional) in std::mem::take(&mut holed.include_paths) {
        let Some(line) = holed.inserts.get(at).map(|(line, _)| *line) else {
            continue;
        };
        if found.len() >= MAX_INCLUDES {
            break;
        }
        let inside = |file: &Path| root.is_none_or(|root| super::paths::is_inside(root, file));
        if let Some(path) = find(&dir, &bound, &path).filter(|file| inside(file)) {
            found.push(Include {
                line,
                conditional,
                path,
            });
            resolved.push(at);
        }
    }
    // The inserts found are no longer unknown.
    let mut index = 0;
    holed.inserts.retain(|_| {
        let keep = !resolved.contains(&index);
        index += 1;
        keep
    });
    found
}

/// Reads the included files as templates of main.cf, each once, adding them to `sources`
/// and what is unknown in them to `notes` (and `open_ended` when one may set parameters
/// postlint cannot see). A file that cannot be read leaves main.cf open-ended.
pub fn read(
    included: Vec<Include>,
    sources: &mut Sources,
    notes: &mut Vec<String>,
    open_ended: &mut bool,
    vars: Option<&template::Vars>,
) -> Vec<Part> {
    let mut read_before: Vec<(PathBuf, FileId)> = Vec::new();
    let mut parts = Vec::new();
    // A file also included outside any `{% if %}` is in the rendered main.cf whatever the
    // conditions: its lines are certain, whichever include comes first.
    let always: Vec<PathBuf> = included
        .iter()
        .filter(|i| !i.conditional)
        .map(|i| i.path.clone())
        .collect();
    for include in included {
        let whole_file_conditional = include.conditional && !always.contains(&include.path);
        let known = read_before
            .iter()
            .find(|(p, _)| *p == include.path)
            .map(|&(_, id)| id);
        let file = match known {
            Some(id) => id,
            None => {
                let display = include.path.to_string_lossy().into_owned();
                let id = match read::read_with_holes(&include.path, template::Kind::MainCf, vars) {
                    Ok(read::ReadFile {
                        lines,
                        modified,
                        holes: Some(holes),
                        ..
                    }) => {
                        let (mut source, holed) = *holes;
                        if whole_file_conditional {
                            source.conditional = std::iter::once(1..u32::MAX).collect();
                        }
                        notes.extend(template::notes(&display, source.engine, &holed));
                        *open_ended |= holed.is_open_ended();
                        let id = sources.add_indexed(
                            include.path.clone(),
                            display.clone(),
                            lines,
                            modified,
                        );
                        sources.set_template(id, source);
                        id
                    }
                    Ok(read::ReadFile {
                        lines, modified, ..
                    }) => {
                        let id = sources.add_indexed(
                            include.path.clone(),
                            display.clone(),
                            lines.clone(),
                            modified,
                        );
                        // Included inside `{% if %}` only: every line of it may be absent.
                        if whole_file_conditional {
                            sources.set_template(
                                id,
                                crate::source::TemplateSource {
                                    engine: "Jinja",
                                    written: lines,
                                    conditional: std::iter::once(1..u32::MAX).collect(),
                                    expressions: 0,
                                    open_ended: false,
                                    leaves_unknown: true,
                                    shifts: Vec::new(),
                                },
                            );
                        }
                        id
                    }
                    Err(e) => {
                        notes.push(format!(
                            "unknown: {display}, which main.cf includes at line {}, cannot be \
                             read ({e}): it may set parameters postlint cannot see",
                            include.line
                        ));
                        *open_ended = true;
                        continue;
                    }
                };
                notes.push(format!(
                    "read {display} as part of main.cf (included at line {})",
                    include.line
                ));
                read_before.push((include.path.clone(), id));
                id
            }
        };
        parts.push(Part {
            line: include.line,
            conditional: include.conditional,
            file,
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn an_include_is_found_in_the_tree_only() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        let dir = root.join("roles/mail/templates");
        std::fs::create_dir_all(dir.join("parts")).unwrap();
        std::fs::write(dir.join("parts/tls.j2"), "x = 1\n").unwrap();
        std::fs::create_dir_all(root.join("postfix/files")).unwrap();
        std::fs::write(root.join("postfix/files/_relay.cf"), "x = 1\n").unwrap();
        // Beside main.cf, or from a directory above it (a file root).
        assert_eq!(
            find(&dir, root, "parts/tls.j2"),
            Some(dir.join("parts/tls.j2"))
        );
        assert_eq!(
            find(&dir, root, "postfix/files/_relay.cf"),
            Some(root.join("postfix/files/_relay.cf"))
        );
        // Not above the bound, not by `..` or an absolute path, not a missing file.
        assert_eq!(find(&dir, &dir, "postfix/files/_relay.cf"), None);
        assert_eq!(find(&dir, root, "../templates/parts/tls.j2"), None);
        assert_eq!(find(&dir, root, "/etc/passwd"), None);
        assert_eq!(find(&dir, root, "parts/none.j2"), None);
        // Nor through a link.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/passwd", dir.join("parts/link.j2")).unwrap();
            assert_eq!(find(&dir, root, "parts/link.j2"), None);
        }
    }
}
