//! `tfw-bench remote` on bad input (one line, exit 2, before anything connects) and on a
//! target of this machine (`hostname = "localhost"`: the same interface without SSH): the
//! config given with `start --config` is uploaded where the test-bed says and the start
//! command sees it.

mod remote_support;

use remote_support::{remote, sshd::toml_str};
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tfw-remote-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A local command target in `dir`: start copies the uploaded config ($TFW_CONFIG) next to
/// it as `started.conf` and makes `up`; stop removes `up`; status tests it.
fn local_testbed(dir: &Path) -> PathBuf {
    let work = dir.join("work");
    let text = format!(
        "[tempesta]\nhostname = \"localhost\"\nworkdir = {}\nkind = \"command\"\n\
         config = \"app.conf\"\nstart = \"cp \\\"$TFW_CONFIG\\\" started.conf && touch up\"\n\
         stop = \"rm -f up\"\nstatus = \"test -e up\"\n",
        toml_str(&work.display().to_string())
    );
    let tb = dir.join("tb.toml");
    std::fs::write(&tb, text).unwrap();
    tb
}

fn one_error_line(out: &remote_support::Done) -> &str {
    let line = out.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.starts_with("tfw-bench: error: "), "{line}");
    line
}

#[test]
fn start_with_a_config_uploads_it_where_the_testbed_says() {
    let dir = temp_dir("local");
    let tb = local_testbed(&dir);
    let conf = dir.join("my.conf");
    std::fs::write(&conf, "listen 80;\n").unwrap();
    remote(&tb, &["status"]).expect(1, "status before start");
    remote(&tb, &["start", "--config", conf.to_str().unwrap()]).expect(0, "start --config");
    assert_eq!(
        std::fs::read_to_string(dir.join("work/app.conf")).unwrap(),
        "listen 80;\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("work/started.conf")).unwrap(),
        "listen 80;\n"
    );
    remote(&tb, &["status"]).expect(0, "status after start");
    let out = remote(&tb, &["reload"]).expect(2, "reload without a reload command");
    assert!(one_error_line(&out).contains("reload"), "{}", out.stderr);
    remote(&tb, &["stop"]).expect(0, "stop");
    remote(&tb, &["status"]).expect(1, "status after stop");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = temp_dir("bad");
    let tb = local_testbed(&dir);
    let missing = dir.join("missing.conf");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["start", "--config", missing.to_str().unwrap()],
            "--config",
        ),
        (vec!["dmesg", "--ignore", "(unclosed"], "ignore"),
        (vec!["dmesg", "--since", " "], "--since"),
        (
            vec!["upload", missing.to_str().unwrap(), "/tmp/x"],
            "upload",
        ),
        (
            vec!["upload", tb.to_str().unwrap(), "/tmp/x", "--mode", "0999"],
            "--mode",
        ),
        (
            vec!["download", "/etc/hostname", dir.to_str().unwrap()],
            "directory",
        ),
        (vec!["exec", "--timeout", "soon", "--", "true"], "timeout"),
        (
            vec!["perfstat", "--json", "--accept-new-host-key"],
            "no counters",
        ),
        (vec!["stop", "--json"], "--json"),
    ];
    for (args, want) in cases {
        let out = remote(&tb, &args);
        if want == "no counters" {
            // Not bad input: a target without counters is exit 1, JSON on stdout.
            assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
            assert!(out.stderr.contains(want), "{args:?}: {}", out.stderr);
            continue;
        }
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            one_error_line(&out).contains(want),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = remote(&dir.join("nope.toml"), &["status"]);
    assert_eq!(out.code, 2);
    assert!(one_error_line(&out).contains("nope.toml"), "{}", out.stderr);
    let out = remote_support::tfw(&["remote".into(), "status".into()]);
    assert_eq!(out.code, 2);
    assert!(one_error_line(&out).contains("--testbed"), "{}", out.stderr);
    // --testbed after the action is the same.
    let after = remote_support::tfw(&[
        "remote".into(),
        "status".into(),
        "--testbed".into(),
        tb.display().to_string(),
    ]);
    assert_eq!(after.code, 1, "{}", after.stderr);
    assert!(
        after.stdout.starts_with("target: not running"),
        "{}",
        after.stdout
    );
    // clap's own usage errors are exit 2 as well.
    assert_eq!(remote(&tb, &["exec"]).code, 2);
    assert_eq!(remote(&tb, &["dmesg", "--mark", "--since", "x"]).code, 2);
    let _ = std::fs::remove_dir_all(&dir);
}
