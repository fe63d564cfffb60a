//! A repository from fuzzed bytes, as `postlint --discover` meets one in a pull request: the
//! input is split (at `\0` bytes) into a main.cf and its templates, master.cf, and the
//! files that install or edit them (Ansible tasks, a Dockerfile, a shell script, a Salt state,
//! Puppet manifests, a compose file) and a milter's configuration. Discovery reads them all; each setup it finds is linted
//! with every rule and rendered. No panic, no hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::output::short;

const FILES: &[&str] = &[
    "templates/main.cf.j2",
    "roles/mail/tasks/main.yml",
    "Dockerfile",
    "docker/entrypoint.sh",
    "manifests/init.pp",
    "templates/main.cf.erb",
    "salt/postfix/init.sls",
    "etc/postfix/main.cf",
    "etc/postfix/master.cf",
    "docker-compose.yml",
    "manifests/config.pp",
    "templates/virtual.j2",
    "etc/opendkim.conf",
];

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("postlint-fuzz-repo-{}", std::process::id()));
    let mut parts = data
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .into_iter();
    for name in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, parts.next().unwrap_or(b""));
    }
    let Ok(found) = postlint::discover::discover(&dir) else {
        return;
    };
    let rules: Vec<_> = postlint::rules::RULES.iter().collect();
    for setup in found.setups {
        let Ok(report) = postlint::lint(&setup.load, &rules) else {
            continue;
        };
        let _ = short::render(
            &report.model.sources,
            &report.findings,
            report.silenced,
            &report.unseen,
            false,
        );
    }
});
