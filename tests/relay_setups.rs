//! The well-made setups the relay issue names (Debian's defaults, ISPmail, docker-mailserver,
//! a mailcow-style submission port) give no finding from any rule about restrictions: an
//! admin who followed these guides must not be told their server is an open relay.

use std::path::Path;

use postlint::model::LoadOptions;

const RULES: &[&str] = &[
    "open-relay",
    "mynetworks-too-broad",
    "relay-check-missing",
    "unknown-restriction",
    "restriction-order",
    "backscatter-risk",
];

const SETUPS: &[&str] = &[
    "fixtures/open-relay/ok-debian-defaults",
    "fixtures/open-relay/ok-ispmail-style",
    "fixtures/open-relay/ok-docker-mailserver-style",
    "fixtures/open-relay/ok-mailcow-style-submission",
];

#[test]
fn well_made_setups_give_no_restriction_finding() {
    let rules: Vec<&'static postlint::rules::Rule> = RULES
        .iter()
        .map(|id| postlint::rules::find(id).unwrap_or_else(|| panic!("no rule {id}")))
        .collect();
    for setup in SETUPS {
        let dir = Path::new(setup);
        assert!(dir.join("main.cf").exists(), "{setup} is missing");
        let options = LoadOptions {
            config_dir: Some(dir.to_path_buf()),
            ..Default::default()
        };
        let report = postlint::lint(&options, &rules).expect("the setup loads");
        let found: Vec<String> = report
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect();
        assert!(found.is_empty(), "{setup}: {found:#?}");
        // And each service's relay verdict is known to be closed, not merely undecided.
        for smtpd in postlint::model::restrictions::smtpd_processes(&report.model) {
            let verdict = postlint::model::relay::verdict(&report.model, &smtpd);
            assert!(
                matches!(verdict, postlint::model::relay::Verdict::Closed),
                "{setup} {}: {verdict:?}",
                smtpd.label()
            );
        }
    }
}
