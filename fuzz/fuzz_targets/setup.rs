//! A whole setup from fuzzed bytes: the input is split into main.cf, master.cf and the map
//! and list files main.cf may name (at `\0\0` boundaries), linted with every rule, and
//! rendered in every output format. No panic, no hang, in any of them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postlint::model::LoadOptions;
use postlint::output::{github, human, json, junit, sarif, short};

const HEADER: &[u8] = b"virtual_alias_maps = hash:/etc/postfix/virtual\n\
    virtual_mailbox_maps = hash:/etc/postfix/vmailbox\n\
    virtual_mailbox_domains = /etc/postfix/domains\n\
    alias_maps = hash:/etc/postfix/aliases\n\
    smtpd_client_restrictions = check_client_access cidr:/etc/postfix/access.cidr\n\
    relay_domains = mysql:/etc/postfix/mysql.cf\n";

const FILES: &[&str] = &[
    "main.cf",
    "master.cf",
    "virtual",
    "vmailbox",
    "domains",
    "aliases",
    "access.cidr",
    "mysql.cf",
];

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("postlint-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let mut parts = data.split(|&b| b == 0).filter(|p| !p.is_empty());
    for name in FILES {
        let _ = std::fs::write(dir.join(name), parts.next().unwrap_or(b""));
    }
    // main.cf names every file first; the fuzzed lines come after and may override it all.
    let mut main_cf = HEADER.to_vec();
    main_cf.extend_from_slice(&std::fs::read(dir.join("main.cf")).unwrap_or_default());
    let _ = std::fs::write(dir.join("main.cf"), main_cf);
    let options = LoadOptions {
        config_dir: Some(dir.clone()),
        live: Some(false),
        confine_to: Some(dir.clone()),
        ..LoadOptions::default()
    };
    let rules: Vec<_> = postlint::rules::RULES.iter().collect();
    let Ok(report) = postlint::lint(&options, &rules) else {
        return;
    };
    let (sources, findings) = (&report.model.sources, &report.findings);
    let _ = human::render(sources, findings, human::Style::Plain);
    let _ = short::render(sources, findings, report.silenced, &report.unseen, false);
    let _ = json::render(sources, findings);
    let _ = sarif::render(sources, findings);
    let _ = github::render(sources, findings);
    let _ = junit::render(sources, findings, &rules);
    let _ = postlint::output::config::render_text(&report.model);
    let _ = postlint::output::config::render_json(&report.model);
});
