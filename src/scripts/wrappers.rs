//! Shell functions that set one main.cf parameter from their arguments: container entrypoints
//! wrap postconf (`add_config_value "relayhost" "[smtp.example.com]:587"`, whose body runs
//! `postconf -e "${key} = ${value}"`). Such a function's call is a setting as `postconf -e
//! 'relayhost = ...'` is; its body, a postconf of names postlint cannot see, sets nothing by
//! itself.
//!
//! A wrapper is a function (`name() {`, `function name {`, `function name() {`) whose body
//! ends at a line of its own `}` within [`MAX_BODY_LINES`], and runs exactly one postconf with
//! `-e` (or none) whose one argument is `KEY = VALUE` (or `KEY=VALUE`), each a positional
//! parameter (`$1`, `${2}`) or a variable the body sets from one (`local key=${1}`). Nothing
//! else is read as one.

use std::collections::HashMap;

use super::shell_words;

/// A wrapper's body longer than this is no small helper: not read as one.
const MAX_BODY_LINES: usize = 40;

/// At most this many wrappers are kept of one script.
const MAX_WRAPPERS: usize = 16;

/// The wrappers of one script.
#[derive(Debug, Default)]
pub(super) struct Wrappers {
    /// Each function's name, and the positions of the key and the value among its arguments
    /// (1-based).
    by_name: HashMap<String, (usize, usize)>,
    /// The lines of their bodies, the definition's line to the `}` line (1-based, inclusive).
    bodies: Vec<(u32, u32)>,
}

/// One call of a wrapper: the key and value as the function gets them (None: not written
/// out in full), and each as written in the script.
#[derive(Debug, PartialEq)]
pub(super) struct Call<'c> {
    pub key: Option<String>,
    pub value: Option<String>,
    pub key_raw: &'c str,
    pub value_raw: &'c str,
}

impl Wrappers {
    /// The wrappers defined in `lines` (line number, text).
    pub(super) fn find(lines: &[(u32, String)]) -> Wrappers {
        let mut out = Wrappers::default();
        for (name, start, end) in functions(lines, MAX_BODY_LINES) {
            if out.by_name.len() >= MAX_WRAPPERS {
                break;
            }
            if let Some(positions) = wrapped_postconf(&lines[start..end]) {
                out.by_name.insert(name.to_string(), positions);
                out.bodies.push((lines[start - 1].0, lines[end].0));
            }
        }
        out
    }

    /// Whether line `line` is in a wrapper's definition.
    pub(super) fn in_body(&self, line: u32) -> bool {
        self.bodies.iter().any(|&(a, b)| a <= line && line <= b)
    }

    /// The call `command` makes of a wrapper, if it is one.
    pub(super) fn call<'c>(&self, command: &'c str) -> Option<Call<'c>> {
        if self.by_name.is_empty() {
            return None;
        }
        let words = shell_words(command.trim());
        let ((first, _), args) = words.split_first()?;
        let &(key, value) = self.by_name.get(*first)?;
        let key = args.get(key - 1)?;
        let value = args.get(value - 1)?;
        Some(Call {
            key: key.1.clone().filter(|k| super::is_setting_name(k)),
            value: value.1.clone(),
            key_raw: key.0,
            value_raw: value.0,
        })
    }
}

/// The shell functions of `lines` whose body ends at a line of its own `}` within
/// `max_lines`: each function's name, the index of its first body line and that of its `}`.
/// One pass: the search for a function's end starts after the one before.
pub(super) fn functions(
    lines: &[(u32, String)],
    max_lines: usize,
) -> impl Iterator<Item = (&str, usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < lines.len() {
            let Some(name) = function_name(&lines[i].1) else {
                i += 1;
                continue;
            };
            let Some(end) = lines[i + 1..]
                .iter()
                .take(max_lines)
                .position(|(_, l)| matches!(l.trim(), "}" | "};"))
                .map(|n| i + 1 + n)
            else {
                i += 1;
                continue;
            };
            let found = (name, i + 1, end);
            i = end + 1;
            return Some(found);
        }
        None
    })
}

/// The function a line defines with its `{` on the line: `name() {`, `name () {`, `function
/// name {`, `function name() {`.
fn function_name(line: &str) -> Option<&str> {
    let code = line.trim();
    let code = code.strip_suffix('{')?.trim_end();
    let (code, keyword) = match code.strip_prefix("function ") {
        Some(rest) => (rest.trim_start(), true),
        None => (code, false),
    };
    let (name, parens) = match code.strip_suffix("()") {
        Some(name) => (name.trim_end(), true),
        None => (code, false),
    };
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    (valid && (keyword || parens)).then_some(name)
}

/// The positions of the key and the value in a wrapper's body: its one `postconf -e`
/// command's one argument `KEY = VALUE`, each a positional parameter or a variable set from
/// one.
fn wrapped_postconf(body: &[(u32, String)]) -> Option<(usize, usize)> {
    let mut from_position: HashMap<String, usize> = HashMap::new();
    let mut found = None;
    for (_, line) in body {
        let code = line.trim();
        for command in code.split([';', '&', '|']) {
            let command = command.trim();
            // `local key=${1}`, `key="$1"`, `local -r value=$2`, `declare key=$1`.
            for word in command.split_whitespace() {
                if let Some((name, value)) = word.split_once('=') {
                    if let Some(n) = positional(value.trim_matches('"')) {
                        from_position.insert(name.to_string(), n);
                    }
                }
            }
            let words = shell_words(command);
            let Some(at) = words
                .iter()
                .position(|(w, _)| *w == "postconf" || w.ends_with("/postconf"))
            else {
                continue;
            };
            let args = &words[at + 1..];
            if !args.iter().any(|(w, _)| *w == "-e") || found.is_some() {
                return None;
            }
            let [(setting, _)] = args
                .iter()
                .filter(|(w, _)| !w.starts_with('-'))
                .collect::<Vec<_>>()[..]
            else {
                return None;
            };
            let setting = setting.trim_matches(['"', '\'']);
            let (key, value) = setting.split_once('=')?;
            let position = |text: &str| {
                let text = text.trim();
                positional(text).or_else(|| {
                    let name = text
                        .strip_prefix("${")
                        .and_then(|t| t.strip_suffix('}'))
                        .or_else(|| text.strip_prefix('$'))?;
                    from_position.get(name).copied()
                })
            };
            found = Some((position(key)?, position(value)?));
        }
    }
    found
}

/// `$1`, `${2}`: the position (1 to 9).
fn positional(text: &str) -> Option<usize> {
    let digit = text
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .or_else(|| text.strip_prefix('$'))?;
    match digit.as_bytes() {
        [d @ b'1'..=b'9'] => Some((d - b'0') as usize),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u32, String)> {
        text.lines()
            .enumerate()
            .map(|(i, l)| (i as u32 + 1, l.to_string()))
            .collect()
    }

    #[test]
    fn wrappers_of_postconf_are_found() {
        let script = "\
#!/bin/bash
function add_config_value() {
  local key=${1}
  local value=${2}
  local config_file=${3:-/etc/postfix/main.cf}
  [ \"${key}\" == \"\" ] && echo \"ERROR: No key set !!\" && exit 1
  echo \"Setting configuration option ${key} with value: ${value}\"
  postconf -e \"${key} = ${value}\"
}
set_value() {
  postconf -e \"$1=$2\"
}
other() {
  postconf -e \"$1\"
}
add_config_value \"relayhost\" \"[smtp.example.com]:587\"
";
        let w = Wrappers::find(&lines(script));
        assert_eq!(w.by_name.get("add_config_value"), Some(&(1, 2)));
        assert_eq!(w.by_name.get("set_value"), Some(&(1, 2)));
        assert!(!w.by_name.contains_key("other"));
        assert!(w.in_body(2) && w.in_body(9) && w.in_body(11) && !w.in_body(16));
        let call = w
            .call("add_config_value \"relayhost\" \"[smtp.example.com]:587\"")
            .unwrap();
        assert_eq!(call.key.as_deref(), Some("relayhost"));
        assert_eq!(call.value.as_deref(), Some("[smtp.example.com]:587"));
        assert_eq!(call.key_raw, "\"relayhost\"");
        let call = w.call("set_value \"$NAME\" x").unwrap();
        assert_eq!(call.key, None);
        let call = w.call("set_value mynetworks \"$NETS\"").unwrap();
        assert_eq!(call.value, None);
        assert!(w.call("other mynetworks").is_none());
        assert!(w.call("add_config_value").is_none());
    }

    #[test]
    fn other_functions_are_no_wrappers() {
        for body in [
            // Two postconf commands: which sets what is not one key and value.
            "f() {\n  postconf -e \"$1 = $2\"\n  postconf -e \"x = $2\"\n}\n",
            // A name of its own.
            "f() {\n  postconf -e \"myhostname = $1\"\n}\n",
            // Not -e.
            "f() {\n  postconf -X \"$1\"\n}\n",
            // No end within the bound.
            "f() {\n  postconf -e \"$1 = $2\"\n",
        ] {
            let w = Wrappers::find(&lines(body));
            assert!(w.by_name.is_empty(), "{body}");
            assert!(!w.in_body(2), "{body}");
        }
    }
}
