//! Installer placeholders: markers that an installer or an entrypoint script replaces before
//! Postfix ever reads the file. They are holes in the text, not values: the model makes them
//! unknown, and rules stay silent about what depends on them.
//!
//! The spellings, from the installers that use them:
//! - `PH_NAME`: iRedMail's samples (`myhostname = PH_HOSTNAME`, a master.cf process limit of
//!   `PH_AMAVISD_MAX_SERVERS`), replaced with sed by its shell functions;
//! - `$NAME` and `${NAME}` with no lower-case letter, when main.cf defines no such name:
//!   envsubst, `perl -pe 's/\$\{(\w+)\}/$ENV{$1}/g'` and sed in container entrypoints. Postfix's
//!   own names are lower case, so such a reference is never one of them; a name the file does
//!   define is an ordinary parameter (the expander decides that, this module only names the
//!   shape);
//! - `%(name)s`: Python's `%` formatting (Fabric's `upload_template`), whose `%%` is `%`;
//! - `%{name}`: Modoboa's installer (`string.Template` with `%` as delimiter) and `.tpl` files;
//! - `@NAME@`: autoconf-style `sed -e 's|@NAME@|...|'`; and `@name@`, `@mailDomain@` in lower
//!   or mixed case: Nix's `substituteAll`/`replaceVars` (abbradar/mylittleserver's main.cf,
//!   which a NixOS module fills in with `domain = ...` and its own store path `@out@`). Only a
//!   word of its own, closed by `@` that no word character or dot follows: an address has a
//!   dot after its `@` (`@example.org`), and no Postfix value is a bare `@word@`;
//! - `__NAME__`, `_NAME_`: sed markers in Docker images and installers (MailAD's
//!   `message_size_limit = _MESSAGESIZE_`);
//! - `##NAME##`: the same, in container start scripts (`myhostname = ##HOSTNAME##`); a `#`
//!   inside a value is no comment to Postfix;
//! - `!NAME!`: Sentora's installer (`mynetworks = 127.0.0.0/8, !SERVER_IP!`);
//! - `@%@name@%@`: Univention's configuration registry;
//! - `%NAME%`: Makefiles and scripts that run `sed s/%DOMAIN%/.../` (Windows-style
//!   variables); Postfix's own `%` escapes (`%s`, `%d`, `%[1-9]`) are one letter and lower
//!   case, and the name here has at least two characters; also doubled, `%%NAME%%`
//!   (ad5oo2/postfix-dovecot-ms fills a whole table in for `%%DOMAINS%%`);
//! - `{=name}`: PHP TextTemplate (infracamp/viper-smtpd's `myhostname = {=myhostname}`, which
//!   its update script renders into the real main.cf); no Postfix brace group starts with `=`;
//! - `{NAME}` (not after `$` or `?`): i-MSCP's installer (`inet_protocols = {MTA_INET_PROTOCOLS}`,
//!   filled in by its `process()`). In Postfix a brace group holds lower-case words (`{ name =
//!   value }`, restriction and inline-table groups), never an upper-case name alone;
//! - `[MYHOSTNAME]`: an upper-case name in square brackets, a README's fill-in-here
//!   (chhsiao1981/docker-postfix's ConfigMap). Postfix's `[host]` holds a name with dots or
//!   an address;
//! - `<YOUR VMAIL UID>`, `<mail.hostname.example>`: words in angle brackets, the fill-in-here
//!   of tutorials and README-driven setups (`virtual_uid_maps = static:<YOUR VMAIL UID>`,
//!   `myhostname = <mail.hostname.domena.ovdje>`). Postfix has no use for `<` in a parameter
//!   value beyond the null address `<>`; an address in brackets (`<postmaster@example.com>`
//!   in a reply footer) has an `@` and is no marker.

use std::ops::Range;

/// A name that only an environment variable or installer variable would have: at least one
/// upper-case ASCII letter and no lower-case letter (`MAIL_DOMAIN`, `HOSTNAME`).
pub fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().any(|b| b.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_upper_name_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
}

/// The markers in literal text (not `$` references: the expander decides those), in order.
/// Linear in the text.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !is_word_byte(bytes[i - 1]);
        let end = match bytes[i] {
            b'P' if at_word_start && bytes[i..].starts_with(b"PH_") => {
                let end = upper_name_end(bytes, i + 3);
                (end > i + 3 && bytes.get(end).is_none_or(|&b| !is_word_byte(b))).then_some(end)
            }
            // `%%NAME%%`, the doubled form of `%NAME%` (`sed -i "s/%%DOMAINS%%/.../"`).
            b'%' if bytes.get(i + 1) == Some(&b'%')
                && bytes.get(i + 2).is_some_and(u8::is_ascii_uppercase) =>
            {
                let len = bytes[i + 2..]
                    .iter()
                    .take_while(|&&b| is_upper_name_byte(b))
                    .count();
                let end = i + 2 + len;
                (len >= 2
                    && is_placeholder_name(&text[i + 2..end])
                    && bytes[end..].starts_with(b"%%"))
                .then_some(end + 2)
            }
            b'%' if bytes.get(i + 1).is_some_and(u8::is_ascii_uppercase) => {
                let len = bytes[i + 1..]
                    .iter()
                    .take_while(|&&b| is_upper_name_byte(b))
                    .count();
                let end = i + 1 + len;
                (len >= 2
                    && is_placeholder_name(&text[i + 1..end])
                    && bytes.get(end) == Some(&b'%'))
                .then_some(end + 1)
            }
            // Python's `%(name)s` (Fabric's upload_template, `string % dict`).
            b'%' if bytes.get(i + 1) == Some(&b'(') => {
                let len = bytes[i + 2..]
                    .iter()
                    .take_while(|&&b| is_word_byte(b))
                    .count();
                let end = i + 2 + len;
                (len > 0
                    && bytes.get(end) == Some(&b')')
                    && bytes
                        .get(end + 1)
                        .is_some_and(|b| matches!(b, b's' | b'd' | b'i' | b'r' | b'f')))
                .then_some(end + 2)
            }
            b'%' if bytes.get(i + 1) == Some(&b'{') => {
                let len = bytes[i + 2..]
                    .iter()
                    .take_while(|&&b| is_word_byte(b) || b == b'.' || b == b'-')
                    .count();
                let end = i + 2 + len;
                (len > 0 && bytes.get(end) == Some(&b'}')).then_some(end + 1)
            }
            // Univention's `@%@mail/smtp/XVERP@%@`, before the `@NAME@` form.
            b'@' if bytes[i..].starts_with(b"@%@") => {
                let len = bytes[i + 3..]
                    .iter()
                    .take_while(|&&b| b != b'@' && !b.is_ascii_whitespace())
                    .count();
                let end = i + 3 + len;
                (len > 0 && bytes[end..].starts_with(b"@%@")).then_some(end + 3)
            }
            b'@' if at_word_start => {
                enclosed_name(text, i, b'@').or_else(|| substituted_name(bytes, i))
            }
            // TextTemplate's `{=myhostname}`, `{=mail.domain}` (PHP, infracamp/viper-smtpd):
            // Postfix's brace groups never start with `=`.
            b'{' if bytes.get(i + 1) == Some(&b'=') => {
                let len = bytes[i + 2..]
                    .iter()
                    .take_while(|&&b| is_word_byte(b) || matches!(b, b'.' | b'-' | b'|'))
                    .count();
                let end = i + 2 + len;
                (len > 0 && bytes.get(end) == Some(&b'}')).then_some(end + 1)
            }
            // Not `${NAME}` (a reference) nor the value of `${name?{VALUE}}`.
            b'{' if i == 0 || !matches!(bytes[i - 1], b'$' | b'?') => {
                let len = bytes[i + 1..]
                    .iter()
                    .take_while(|&&b| is_upper_name_byte(b))
                    .count();
                let end = i + 1 + len;
                (is_placeholder_name(&text[i + 1..end]) && bytes.get(end) == Some(&b'}'))
                    .then_some(end + 1)
            }
            b'<' => angle_bracketed(bytes, i),
            // `[MYHOSTNAME]`: a README's fill-in-here (a host in brackets has a dot or is an
            // address; `[RELAY]` would be a one-label host in upper case).
            b'[' => {
                let end = upper_name_end(bytes, i + 1);
                let name = &text[i + 1..end];
                // (`[__HOST__]` is a marker inside brackets.)
                (bytes.get(end) == Some(&b']')
                    && !name.starts_with('_')
                    && name.bytes().filter(u8::is_ascii_uppercase).count() >= 2
                    && is_placeholder_name(name))
                .then_some(end + 1)
            }
            // Sentora's `!SERVER_IP!` (not Postfix's negation: no name ends in `!`).
            b'!' => enclosed_name(text, i, b'!'),
            // `##HOSTNAME##`, replaced by sed in container start scripts.
            b'#' if at_word_start && bytes[i..].starts_with(b"##") => {
                let end = upper_name_end(bytes, i + 2);
                (is_placeholder_name(&text[i + 2..end]) && bytes[end..].starts_with(b"##"))
                    .then_some(end + 2)
            }
            b'_' if at_word_start && bytes[i..].starts_with(b"__") => {
                let end = upper_name_end(bytes, i + 2);
                let name = text[i + 2..end].trim_end_matches('_');
                let closed = text[i + 2..end].ends_with("__");
                (closed && is_placeholder_name(name)).then_some(end)
            }
            // MailAD's `_MESSAGESIZE_`, `_LDAPURI_` (its provision script runs `sed
            // s/_NAME_/value/g` over the files): a name of at least two letters, and no word
            // character after the closing `_`.
            b'_' if at_word_start => {
                let end = upper_name_end(bytes, i + 1);
                let name = &text[i + 1..end];
                let inner = name.strip_suffix('_').unwrap_or("");
                (name.ends_with('_')
                    && !inner.ends_with('_')
                    && inner.bytes().filter(u8::is_ascii_uppercase).count() >= 2
                    && is_placeholder_name(inner)
                    && bytes.get(end).is_none_or(|&b| !is_word_byte(b)))
                .then_some(end)
            }
            _ => None,
        };
        match end {
            Some(end) => {
                found.push(i..end);
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

/// Where the run of upper-case name bytes (`A-Z`, digits, `_`) from `start` ends.
fn upper_name_end(bytes: &[u8], start: usize) -> usize {
    start
        + bytes[start..]
            .iter()
            .take_while(|&&b| is_upper_name_byte(b))
            .count()
}

/// `@NAME@` or `!NAME!` starting at `i` (the delimiter): the offset just past it.
fn enclosed_name(text: &str, i: usize, delimiter: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let len = bytes[i + 1..]
        .iter()
        .take_while(|&&b| is_upper_name_byte(b))
        .count();
    let end = i + 1 + len;
    (is_placeholder_name(&text[i + 1..end]) && bytes.get(end) == Some(&delimiter))
        .then_some(end + 1)
}

/// Nix's `@name@` starting at `i`: a letter or `_`, then word characters, then `@` that no word
/// character or dot follows; the offset just past it.
fn substituted_name(bytes: &[u8], i: usize) -> Option<usize> {
    let first = *bytes.get(i + 1)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let len = bytes[i + 1..]
        .iter()
        .take_while(|&&b| is_word_byte(b))
        .count();
    let end = i + 1 + len;
    (bytes.get(end) == Some(&b'@')
        && bytes
            .get(end + 1)
            .is_none_or(|&b| !is_word_byte(b) && b != b'.' && b != b'@'))
    .then_some(end + 1)
}

/// `<YOUR VMAIL UID>` starting at `i`: upper-case words (letters, digits, `_ - .`) with single
/// spaces between them and at least one letter; the offset just past the `>`.
fn angle_bracketed(bytes: &[u8], i: usize) -> Option<usize> {
    const LONGEST: usize = 64;
    let inner = bytes.get(i + 1..)?;
    let len = inner
        .iter()
        .take(LONGEST + 1)
        .take_while(|&&b| is_word_byte(b) || matches!(b, b' ' | b'-' | b'.'))
        .count();
    let words = &inner[..len];
    // Upper-case words (`<YOUR VMAIL UID>`), or lower-case ones (`<your-domain>`,
    // `<mail.hostname.example>`, `<insert fqdn>`); mixed case reads as text (`<Your Name>`).
    let upper =
        words.iter().any(u8::is_ascii_uppercase) && !words.iter().any(u8::is_ascii_lowercase);
    let lower =
        words.iter().any(u8::is_ascii_lowercase) && !words.iter().any(u8::is_ascii_uppercase);
    let well_formed = len > 0
        && len <= LONGEST
        && inner.get(len) == Some(&b'>')
        && (upper || lower)
        && words.first() != Some(&b' ')
        && words.last() != Some(&b' ')
        && !words.windows(2).any(|w| w == b"  ");
    well_formed.then_some(i + 1 + len + 1)
}

/// True when a master.cf field where only `-`, `y`/`n` or digits belong (the private,
/// unpriv, chroot, wakeup and process limit fields) is filled in by an installer: a marker, or
/// a bare upper-case name (`AMAVIS_MAX_SERVERS`, replaced by an entrypoint's sed), which is no
/// value Postfix knows there. Short words a person may mean as a value (`NO`, `YES`, `NONE`)
/// are left to be reported.
pub fn fills_flag_or_number_field(text: &str) -> bool {
    is_whole(text)
        // A shell or template variable of whatever renders the file (`${chroot}` in a
        // heredoc), in any case: Postfix expands nothing in these fields.
        || variable_name(text).is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        || (is_placeholder_name(text)
            && text.starts_with(|c: char| c.is_ascii_uppercase())
            && (text.contains('_') || text.len() >= 4)
            && !matches!(text, "YES" | "TRUE" | "FALSE" | "NONE"))
}

/// The name of a whole `$name` or `${name}`.
fn variable_name(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('$')?;
    Some(
        rest.strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .unwrap_or(rest),
    )
}

/// True when the whole text is one marker (a master.cf field, a map key).
pub fn is_whole(text: &str) -> bool {
    let found = find(text);
    found.len() == 1 && found[0] == (0..text.len())
        || variable_name(text).is_some_and(is_placeholder_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markers(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn installer_spellings() {
        assert_eq!(markers("PH_HOSTNAME"), ["PH_HOSTNAME"]);
        assert_eq!(
            markers("hash:PH_POSTFIX_ROOT_DIR/virtual, mail.PH_DOMAIN"),
            ["PH_POSTFIX_ROOT_DIR", "PH_DOMAIN"]
        );
        assert_eq!(markers("%{hostname}.example.org"), ["%{hostname}"]);
        assert_eq!(markers("@MAIL_DOMAIN@, localhost"), ["@MAIL_DOMAIN@"]);
        assert_eq!(markers("pgsql:@out@/recipient_maps.cf"), ["@out@"]);
        assert_eq!(markers("@domain@, mail.@domain@"), ["@domain@", "@domain@"]);
        assert_eq!(markers("@mailDomain@"), ["@mailDomain@"]);
        assert_eq!(markers("__RELAYHOST__:587"), ["__RELAYHOST__"]);
        assert_eq!(markers("%%DOMAINS%%"), ["%%DOMAINS%%"]);
        assert!(is_whole("%%DOMAINS%%"));
        assert_eq!(markers("100%% %%s %%D%%"), Vec::<&str>::new());
        assert_eq!(markers("[__HOST__]"), ["__HOST__"]);
        assert_eq!(markers("127.0.0.0/8, !SERVER_IP!"), ["!SERVER_IP!"]);
        assert_eq!(
            markers("@%@mail/smtp/XVERP@%@, x"),
            ["@%@mail/smtp/XVERP@%@"]
        );
        assert_eq!(markers("mail.%DOMAIN%"), ["%DOMAIN%"]);
        assert_eq!(markers("[%RELAY_HOST%]:587"), ["%RELAY_HOST%"]);
        assert_eq!(markers("{MTA_INET_PROTOCOLS}"), ["{MTA_INET_PROTOCOLS}"]);
        assert_eq!(
            markers("hash:{MTA_VIRTUAL_DMN_HASH}, user={MTA_MAILBOX_UID_NAME}:{IMSCP_GROUP}"),
            [
                "{MTA_VIRTUAL_DMN_HASH}",
                "{MTA_MAILBOX_UID_NAME}",
                "{IMSCP_GROUP}"
            ]
        );
        assert_eq!(markers("##HOSTNAME##"), ["##HOSTNAME##"]);
        assert_eq!(markers("mail.##DOMAIN##, x"), ["##DOMAIN##"]);
        assert_eq!(markers("##hostname##"), Vec::<&str>::new());
        assert_eq!(markers("##HOSTNAME#"), Vec::<&str>::new());
        assert_eq!(markers("static:<YOUR VMAIL UID>"), ["<YOUR VMAIL UID>"]);
        assert_eq!(markers("_MESSAGESIZE_"), ["_MESSAGESIZE_"]);
        assert_eq!(markers("%(postfix_hostname)s"), ["%(postfix_hostname)s"]);
        assert_eq!(markers("ldap://_LDAPURI_, x"), ["_LDAPURI_"]);
        assert_eq!(
            markers("<mail.hostname.domena.ovdje>"),
            ["<mail.hostname.domena.ovdje>"]
        );
        assert_eq!(markers("$myhostname, <your-domain>"), ["<your-domain>"]);
        // A fill-in note of a template (DieKonsonanten/locator's main.cf.template).
        assert_eq!(markers("<insert fqdn>"), ["<insert fqdn>"]);
        assert_eq!(
            markers("mail.<DOMAIN>, <MY-IP.ADDR>"),
            ["<DOMAIN>", "<MY-IP.ADDR>"]
        );
        assert_eq!(markers("[MYHOSTNAME]"), ["[MYHOSTNAME]"]);
        assert_eq!(markers("smtp:[RELAY_HOST]:587"), ["[RELAY_HOST]"]);
        assert_eq!(markers("{=myhostname}"), ["{=myhostname}"]);
        assert_eq!(markers("mail.{=mail.domain}, x"), ["{=mail.domain}"]);
    }

    #[test]
    fn postfix_text_is_not_a_marker() {
        for text in [
            "GRAPH_X",      // PH_ inside a word
            "PH_",          // no name
            "PH_lower",     // not an installer name
            "@example.org", // an address
            "postmaster@EXAMPLE.ORG",
            "user@HOST@",        // an address then @: not upper-only between
            "@host@example.org", // a word goes on after the second `@`
            "@host@.example",    // a dot after it
            "@1abc@",            // not a name
            "@@",
            "@example.org@x",
            "%s %d %u %[1-9]", // lookup table escapes
            "%{}",
            "__init__", // lower case
            "_A_",      // one letter
            "_X_y",     // a word goes on
            "a_FOO_",   // inside a word
            "_FOO",     // not closed
            "a__B__",   // inside a word
            "__ONLY_OPEN",
            "${NAME}", // a reference: the expander decides
            "reject_unknown_client_hostname",
            "!192.168.1.0/24", // negation
            "!EXAMPLE.ORG",    // negation of a domain
            "@%@ x",
            "<>",                       // the null address
            "<postmaster@example.org>", // an address in a footer or banner
            "<Your Name>",              // mixed case
            "< YOUR >",                 // padded
            "<YOUR  NAME>",             // two spaces
            "<123>",                    // no letter
            "<UNCLOSED",
            "{ smtpd_tls_security_level = encrypt }", // a master.cf -o group
            "inline:{ KEY=value }",                   // an inline table
            "${name?{VALUE}}",                        // a value inside an expression: `?{`
            "{2,3}",                                  // a regex repeat
            "{NAME",
            "{=}",                    // no name
            "{=name",                 // not closed
            "{ =name }",              // padded
            "%D%",                    // one letter
            "LIKE '%s%'",             // a lookup escape
            "100%",                   // a number
            "%Domain%",               // mixed case
            "%(x)",                   // no conversion
            "%()s",                   // no name
            "[smtp.example.com]:587", // a host in brackets
            "[SMTP.EXAMPLE.COM]",     // a name with dots
            "[::1]/128",              // an address
            "[A]",                    // one letter
            "[12]",                   // no letter
            "[Relay]",                // mixed case
        ] {
            assert_eq!(markers(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn flag_and_number_fields() {
        for filled in [
            "AMAVIS_MAX_SERVERS",
            "MAXPROC",
            "PH_MAX",
            "${MAX_PROC}",
            "__N__",
            "${chroot}",
            "$maxproc",
            "${postfix_chroot_2}",
        ] {
            assert!(fills_flag_or_number_field(filled), "{filled}");
        }
        for value in [
            "NO",
            "YES",
            "NONE",
            "Y",
            "n",
            "10",
            "unlimited",
            "TRUE",
            "10PH_MAX",
            "$",
            "${}",
            "${chroot",
            "$1x-y",
            "${chroot}n",
        ] {
            assert!(!fills_flag_or_number_field(value), "{value}");
        }
    }

    #[test]
    fn whole_fields() {
        assert!(is_whole("PH_AMAVISD_MAX_SERVERS"));
        assert!(is_whole("${MAX_PROC}"));
        assert!(is_whole("$MAX_PROC"));
        assert!(is_whole("@MAXPROC@"));
        assert!(!is_whole("PH_X-1"));
        assert!(!is_whole("$max"));
        assert!(!is_whole("100"));
    }

    #[test]
    fn names() {
        assert!(is_placeholder_name("MAIL_DOMAIN"));
        assert!(is_placeholder_name("HOST1"));
        assert!(!is_placeholder_name("mydomain"));
        assert!(!is_placeholder_name("My_Domain"));
        assert!(!is_placeholder_name("123"));
        assert!(!is_placeholder_name("_"));
    }
}
