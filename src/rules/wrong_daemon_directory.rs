//! daemon_directory set to a directory where Postfix's daemons are not: `postfix start` changes
//! into it and runs its postfix-script, and stops when it cannot, so no service runs. Two cases
//! postlint can see: on the live system, a directory that does not exist or holds no
//! postfix-script; in a repository, a main.cf that a
//! Dockerfile copies into an image whose distribution's postfix package puts the daemons
//! elsewhere (a Debian main.cf, `/usr/lib/postfix/sbin`, in an Alpine image, whose daemons are
//! in /usr/libexec/postfix), as `crate::image` reads the Dockerfile.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    id: "wrong-daemon-directory",
    severity: Severity::Error,
    summary: "daemon_directory names a directory without Postfix's daemons (missing on this system, or another distribution's path in a Docker image): Postfix does not start",
    doc: include_str!("../../rules/wrong-daemon-directory.md"),
    undecided: super::always_decides,
    check,
};

/// Where the system whose Postfix runs this main.cf is: `/` for the live system, the sysroot
/// for a filesystem image that holds Postfix's programs (`usr/sbin/postconf`). A sysroot
/// of /etc alone (etckeeper, a backup) does not say where the daemons are.
fn installed_root(model: &Model) -> Option<std::path::PathBuf> {
    match &model.locator.mode {
        crate::model::paths::Mode::Live => Some(std::path::PathBuf::from("/")),
        crate::model::paths::Mode::Sysroot(root) => {
            let has_postfix = ["usr/sbin/postconf", "usr/local/sbin/postconf"]
                .iter()
                .any(|p| root.join(p).is_file());
            has_postfix.then(|| root.clone())
        }
        crate::model::paths::Mode::Tree => None,
    }
}

/// The daemon directories of the packages of Debian and Ubuntu (now and before), Alpine and
/// Red Hat's family, and of a build from source (FreeBSD's ports too).
const PACKAGED: &[&str] = &[
    "/usr/lib/postfix/sbin",
    "/usr/lib/postfix",
    "/usr/libexec/postfix",
    "/usr/local/libexec/postfix",
];

fn check(model: &Model, out: &mut Findings) {
    let param = model.params.param("daemon_directory");
    let Some(definition) = param.definition else {
        return;
    };
    if definition.conditional {
        return;
    }
    let Some(value) = param.known() else {
        return;
    };
    let value = value.trim();
    if value.is_empty() {
        return;
    }
    if let Some(root) = installed_root(model) {
        let relative = value.trim_start_matches('/');
        let dir = crate::model::paths::in_root(&root, &root.join(relative));
        let (what, fatal) = if !dir.is_dir() {
            (
                "which does not exist on this system",
                format!("fatal: chdir({value}): No such file or directory"),
            )
        } else if !dir.join("postfix-script").is_file() {
            (
                "which holds no postfix-script on this system",
                format!("fatal: {value}/postfix-script: No such file or directory"),
            )
        } else {
            return;
        };
        let finding = out.report(
            definition.value_span,
            format!("daemon_directory is {value}, {what}: Postfix does not start"),
        );
        finding.label("Postfix's daemons are not here");
        finding.help(format!(
            "`postfix start` (and `postfix check`) changes into daemon_directory and runs its \
             postfix-script, and stops with `{fatal}`: no service runs. Remove the line, so \
             that the directory this Postfix was built with applies (`postconf -d \
             daemon_directory` shows it), or write that directory."
        ));
        return;
    }
    let Some((dockerfile, image)) = &model.image else {
        return;
    };
    // Only another distribution's directory is reported: a path of one's own (a build
    // script's, say) may be there for reasons the Dockerfile does not show.
    let Some(own) = image.distro.daemon_directories(image.tag()) else {
        return;
    };
    let normalized = crate::model::paths::normalize(value);
    let normalized = normalized.trim_end_matches('/');
    if !PACKAGED.contains(&normalized)
        || own.contains(&normalized)
        || !image.has_postfix_package()
        || image.names(normalized)
    {
        return;
    }
    let expected = own[0];
    let finding = out.report(
        definition.value_span,
        format!(
            "daemon_directory is {value}, but the image installs Postfix from {}'s package, whose daemons are in {expected}: Postfix does not start",
            image.distro.name()
        ),
    );
    finding.label(format!("{dockerfile} builds FROM {}", image.base));
    finding.help(format!(
        "{dockerfile} copies this main.cf into an image built FROM {} (line {}) and installs \
         the postfix package there, which puts the daemons in {expected}. `postfix start` \
         changes into daemon_directory and runs its postfix-script, and stops with `fatal: \
         chdir({value}): No such file or directory` (or, where the directory exists, `fatal: \
         {value}/postfix-script: No such file or directory`): no service runs. Remove the line \
         (the package's own directory then applies), or write `daemon_directory = {expected}`.",
        image.base, image.from_line
    ));
}
