//! Real Postfix decides `wrong-daemon-directory` on the live system: `postfix check` is run on
//! a scratch configuration with daemon_directory set to a directory that does not exist, one
//! that exists without Postfix's daemons, and the installed one. `postfix` writes its fatal
//! error to a terminal only (else to syslog), so it runs under `script`. postlint, linting the
//! same directory as the live configuration, reports exactly the directories Postfix stops at.
//!
//! Needs Postfix, root (the postfix command is reserved for the superuser) and `script`
//! (util-linux); without them it says "skipped", unless POSTLINT_ORACLE=required.

use std::process::Command;

use postlint::model::LoadOptions;

mod common;

fn ready() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("`postfix check` needs root".to_string());
    }
    let script = Command::new("script").arg("--version").output();
    if !script.is_ok_and(|o| o.status.success()) {
        return Err("`script` (util-linux) is not installed".to_string());
    }
    Ok(())
}

/// What `postfix check` says on a terminal for a main.cf with this daemon_directory, and
/// how many wrong-daemon-directory findings postlint reports on it as the live system.
fn check(daemon_directory: &str) -> (String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("queue");
    std::fs::create_dir(&queue).unwrap();
    let conf = dir.path().join("conf");
    std::fs::create_dir(&conf).unwrap();
    std::fs::write(
        conf.join("main.cf"),
        format!(
            "compatibility_level = 3.6\nqueue_directory = {}\ndaemon_directory = {daemon_directory}\n",
            queue.display()
        ),
    )
    .unwrap();
    std::fs::copy("/usr/share/postfix/master.cf.dist", conf.join("master.cf"))
        .or_else(|_| std::fs::copy("/etc/postfix/master.cf", conf.join("master.cf")))
        .unwrap();
    let command = format!("postfix -c {} check", conf.display());
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let options = LoadOptions {
        config_dir: Some(conf.clone()),
        live: Some(true),
        ..Default::default()
    };
    let rule = postlint::rules::find("wrong-daemon-directory").unwrap();
    let findings = postlint::lint(&options, &[rule]).unwrap().findings.len();
    (said, findings)
}

#[test]
fn postfix_stops_where_postlint_says() {
    if !common::postfix_available() || !common::runs_or_says_skipped(ready()) {
        return;
    }
    let installed = common::run("postconf", &["-dh", "daemon_directory"]).1;
    let installed = installed.trim().to_string();
    let missing = "/nonexistent/postfix-daemons".to_string();
    // A directory that exists and holds no postfix-script: the scratch directory's parent.
    let empty = tempfile::tempdir().unwrap();
    let empty = empty.path().display().to_string();
    let cases = [(missing, true), (empty, true), (installed.clone(), false)];
    for (daemon_directory, stops) in &cases {
        let (said, findings) = check(daemon_directory);
        let fatal = said.contains(&format!("fatal: chdir({daemon_directory})"))
            || said.contains(&format!("fatal: {daemon_directory}/postfix-script"));
        assert_eq!(
            fatal, *stops,
            "{daemon_directory}: postfix check said: {said}"
        );
        assert_eq!(
            findings,
            usize::from(*stops),
            "{daemon_directory}: postfix check said: {said}"
        );
    }
}
