//! Jinja `{% include 'file' %}` in a template of main.cf (an Ansible role's
//! `{% include('main.cf.d/tls.j2') %}`, a Salt formula's `{% include "postfix/files/_relay.cf"
//! %}`): the included files the linted tree holds are read as parts of main.cf, each a source of
//! its own with its holes, and their settings count where the include stands. An include whose
//! file is not in the tree, or whose path is built from variables, stays text postlint cannot
//! see. An include inside an included file is followed the same way, a few levels deep.

use std::path::{Path, PathBuf};

use std::collections::HashMap;

use crate::parse::assign::{Assignment, AssignmentFile};
use crate::scripts::found_above as find;
use crate::source::{FileId, Sources};
use crate::template::{self, Holed};

use super::read;

/// How many includes of one main.cf are followed.
const MAX_INCLUDES: usize = 64;

/// An include whose file was found.
#[derive(Clone)]
pub struct Include {
    /// The line of the include in the file that holds it.
    pub line: u32,
    /// The include is on a line that may be absent from the rendered file.
    pub conditional: bool,
    pub path: PathBuf,
    /// How the part joins main.cf when no include in a file brings it (a fragment Puppet's
    /// concat adds), as the notes say it; None for an include.
    pub via: Option<String>,
}

/// A part of main.cf read from an included file, with the parts it includes in turn.
pub struct Part {
    /// The line of the include in the file that includes it.
    pub line: u32,
    /// The include, or one on the way to it from main.cf, is inside `{% if %}`.
    pub conditional: bool,
    pub file: FileId,
    /// The parts this one includes, in the order of their lines.
    pub parts: Vec<Part>,
}

impl Part {
    /// This part's file and those of the parts below it.
    pub fn files(&self, out: &mut Vec<FileId>) {
        if !out.contains(&self.file) {
            out.push(self.file);
        }
        for part in &self.parts {
            part.files(out);
        }
    }
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
                via: None,
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

/// How deep includes are followed: main.cf's own are the first level.
const MAX_DEPTH: usize = 8;

/// Where the included files are searched and read, and what reading them adds.
pub struct Reader<'a> {
    /// main.cf: a template loader searches every include from the same directories, whichever
    /// file holds it.
    pub main_cf: &'a Path,
    pub bound: &'a Path,
    pub root: Option<&'a Path>,
    pub sources: &'a mut Sources,
    pub notes: &'a mut Vec<String>,
    /// Set when a part may set parameters postlint cannot see.
    pub open_ended: &'a mut bool,
    pub vars: Option<&'a template::Vars>,
}

/// Each file read: its id and the includes in it whose files were found.
type ReadBefore = Vec<(PathBuf, FileId, Vec<Include>)>;

impl Reader<'_> {
    /// Reads the included files as templates of main.cf, each once, and the files they
    /// include in turn (up to [`MAX_DEPTH`] levels, [`MAX_INCLUDES`] includes in all; a file
    /// that includes itself is not followed again). A file only `{% if %}` blocks lead to has
    /// every line conditional. A file that cannot be read leaves main.cf open-ended.
    pub fn read(mut self, included: Vec<Include>) -> Vec<Part> {
        let mut read_before: ReadBefore = Vec::new();
        let mut count = 0;
        let parts = self.level(
            included,
            false,
            None,
            &mut Vec::new(),
            &mut read_before,
            &mut count,
        );
        // Files that some include reaches outside every `{% if %}` are certain.
        let mut certain: Vec<FileId> = Vec::new();
        fn collect(parts: &[Part], certain: &mut Vec<FileId>) {
            for part in parts {
                if !part.conditional && !certain.contains(&part.file) {
                    certain.push(part.file);
                }
                collect(&part.parts, certain);
            }
        }
        collect(&parts, &mut certain);
        for &(_, id, _) in &read_before {
            if !certain.contains(&id) {
                self.sources.mark_wholly_conditional(id);
            }
        }
        parts
    }

    fn level(
        &mut self,
        included: Vec<Include>,
        conditional: bool,
        parent: Option<&str>,
        stack: &mut Vec<PathBuf>,
        read_before: &mut ReadBefore,
        count: &mut usize,
    ) -> Vec<Part> {
        let mut parts = Vec::new();
        for include in included {
            if stack.contains(&include.path) || stack.len() >= MAX_DEPTH {
                let display = include.path.to_string_lossy();
                let why = match stack.len() >= MAX_DEPTH {
                    true => format!("more than {MAX_DEPTH} levels of includes deep"),
                    false => "it includes itself".to_string(),
                };
                self.notes.push(format!(
                    "unknown: {display}, included at line {} of {}, is not read there ({why}): \
                     what it adds there is unknown",
                    include.line,
                    parent.unwrap_or("main.cf"),
                ));
                *self.open_ended = true;
                continue;
            }
            if *count >= MAX_INCLUDES {
                // Said once: the levels above stop here too.
                if *count == MAX_INCLUDES {
                    *count += 1;
                    self.notes.push(format!(
                        "unknown: main.cf and its parts include more than {MAX_INCLUDES} files: \
                     the others are not read, and what they add is unknown"
                    ));
                }
                *self.open_ended = true;
                break;
            }
            *count += 1;
            let known = read_before
                .iter()
                .find(|(p, ..)| *p == include.path)
                .map(|(_, id, nested)| (*id, nested.clone()));
            let (file, nested) = match known {
                Some(known) => known,
                None => match self.read_file(&include, parent) {
                    Some((id, nested)) => {
                        read_before.push((include.path.clone(), id, nested.clone()));
                        (id, nested)
                    }
                    None => continue,
                },
            };
            let conditional = conditional || include.conditional;
            stack.push(include.path.clone());
            let display = include.path.to_string_lossy().into_owned();
            let below = self.level(
                nested,
                conditional,
                Some(&display),
                stack,
                read_before,
                count,
            );
            stack.pop();
            parts.push(Part {
                line: include.line,
                conditional,
                file,
                parts: below,
            });
        }
        parts
    }

    /// Reads one included file, and finds the files of its own includes.
    fn read_file(
        &mut self,
        include: &Include,
        parent: Option<&str>,
    ) -> Option<(FileId, Vec<Include>)> {
        let display = include.path.to_string_lossy().into_owned();
        let parent = parent.unwrap_or("main.cf");
        let mut nested = Vec::new();
        let id = match read::read_with_holes(&include.path, template::Kind::MainCf, self.vars) {
            Ok(read::ReadFile {
                lines,
                modified,
                holes: Some(holes),
                ..
            }) => {
                let (source, mut holed) = *holes;
                nested = resolve(self.main_cf, self.bound, self.root, &mut holed);
                self.notes
                    .extend(template::notes(&display, source.engine, &holed));
                *self.open_ended |= holed.is_open_ended();
                let id = self.sources.add_indexed(
                    include.path.clone(),
                    display.clone(),
                    lines,
                    modified,
                );
                self.sources.set_template(id, source);
                id
            }
            Ok(read::ReadFile {
                lines, modified, ..
            }) => self
                .sources
                .add_indexed(include.path.clone(), display.clone(), lines, modified),
            Err(e) => {
                let how = match &include.via {
                    Some(via) => via.clone(),
                    None => format!("which {parent} includes at line {}", include.line),
                };
                self.notes.push(format!(
                    "unknown: {display}, {how}, cannot be read ({e}): it may set parameters \
                     postlint cannot see"
                ));
                *self.open_ended = true;
                return None;
            }
        };
        let of = match parent {
            "main.cf" => String::new(),
            parent => format!(" of {parent}"),
        };
        self.notes.push(match &include.via {
            Some(via) => format!("read {display} as part of main.cf ({via})"),
            None => format!(
                "read {display} as part of main.cf (included at line {}{of})",
                include.line
            ),
        });
        Some((id, nested))
    }
}

/// Appends a file's assignments to `out` in the order Postfix reads them, with those of each
/// part it includes where the include stands (before the first assignment on a later line),
/// and so on down; `conditional` is carried with each.
pub fn interleave<'a>(
    assignments: &'a [Assignment<'a>],
    file: FileId,
    conditional: bool,
    parts: &[Part],
    parsed: &'a HashMap<FileId, AssignmentFile<'a>>,
    out: &mut Vec<(&'a Assignment<'a>, FileId, bool)>,
) {
    let mut next = 0;
    let mut take_parts = |before: u32, out: &mut Vec<_>| {
        while next < parts.len() && parts[next].line < before {
            let part = &parts[next];
            if let Some(own) = parsed.get(&part.file) {
                interleave(
                    &own.assignments,
                    part.file,
                    part.conditional,
                    &part.parts,
                    parsed,
                    out,
                );
            }
            next += 1;
        }
    };
    for a in assignments {
        take_parts(a.line.line, out);
        out.push((a, file, conditional));
    }
    take_parts(u32::MAX, out);
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
