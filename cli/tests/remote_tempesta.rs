//! `tfw-bench remote` with a `tempesta` target over real SSH (the test's own sshd), against
//! the STAND-IN for scripts/tempesta.sh in testbed/testdata/standin: real Tempesta needs its
//! own kernel and cannot run here, so nothing here claims it was tested. What is tested is
//! tfw-bench's side: the config uploaded to workdir, the script run from srcdir with its
//! environment, the ready line awaited in the kernel log, the state and perfstat read (a
//! perfstat file of testbed/testdata/perfstat, see its README for where it comes from), a
//! failing script reported in one line. The stand-in's state and perfstat files stand for
//! /proc/sys/net/tempesta/state and /proc/tempesta/perfstat through a test hook of the binary
//! (`TFW_BENCH_TEST_TEMPESTA_RUN`, compiled only into the tests' build).

mod remote_support;

use remote_support::{remote_env, sshd::toml_str, sshd::Sshd, testbed, Done};
use std::path::{Path, PathBuf};

/// A copy of the stand-in in `dir/srcdir` with a perfstat sample.
fn standin(dir: &Path) -> PathBuf {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testbed/testdata");
    let src = dir.join("srcdir");
    std::fs::create_dir_all(src.join("scripts")).unwrap();
    std::fs::copy(
        data.join("standin/scripts/tempesta.sh"),
        src.join("scripts/tempesta.sh"),
    )
    .unwrap();
    std::fs::copy(
        data.join("perfstat/procfs-d6519380-format.txt"),
        src.join("perfstat.sample"),
    )
    .unwrap();
    src
}

#[test]
fn a_tempesta_standin_over_ssh_starts_counts_reloads_and_stops() {
    let Some(sshd) = Sshd::start_or_skip() else {
        return;
    };
    let src = standin(&sshd.dir);
    let tb = testbed(
        &sshd,
        "tb.toml",
        "",
        &format!(
            "kind = \"tempesta\"\nsrcdir = {}\nconfig = \"tempesta.conf\"\n",
            toml_str(&src.display().to_string())
        ),
    );
    let run = src.join("run").display().to_string();
    let env = [("TFW_BENCH_TEST_TEMPESTA_RUN", run.as_str())];
    let r = |args: &[&str]| -> Done { remote_env(&tb, args, &env) };

    let st = r(&["status"]).expect(1, "status before start");
    assert!(st.stdout.contains("not running"), "{}", st.stdout);

    let conf = sshd.dir.join("my-tempesta.conf");
    std::fs::write(&conf, "listen 80;\nserver 127.0.0.1:8000;\n").unwrap();
    let out = r(&["start", "--config", conf.to_str().unwrap()]).expect(0, "start");
    // The script's own output is passed through.
    assert!(
        out.stdout.contains("Starting Tempesta..."),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("target started"), "{}", out.stdout);
    assert_eq!(
        std::fs::read(sshd.dir.join("work/tempesta.conf")).unwrap(),
        std::fs::read(&conf).unwrap()
    );

    let j = r(&["status", "--json"]).expect(0, "status --json").json();
    assert_eq!(j["running"], true);
    assert!(j["detail"].as_str().unwrap().contains("start"), "{j}");

    let j = r(&["perfstat", "--json"])
        .expect(0, "perfstat --json")
        .json();
    assert_eq!(j["source"], "perfstat");
    // testbed/testdata/perfstat/procfs-d6519380-format.txt: "Cache hits : 120".
    assert_eq!(j["values"]["cache_hits"], 120, "{j}");
    let text = r(&["perfstat"]).expect(0, "perfstat");
    assert!(
        text.stdout.starts_with("target counters (perfstat):"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("cache_hits"), "{}", text.stdout);

    let out = r(&["reload"]).expect(0, "reload");
    assert!(
        out.stdout.contains("live reconfiguration"),
        "{}",
        out.stdout
    );

    r(&["stop"]).expect(0, "stop");
    r(&["status"]).expect(1, "status after stop");

    // A failing tempesta.sh: one line naming the script's error, exit 2.
    std::fs::write(&conf, "standin_fail;\n").unwrap();
    let out = r(&["start", "--config", conf.to_str().unwrap()]).expect(2, "failing start");
    let line = out.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.starts_with("tfw-bench: error: "), "{line}");
    assert!(line.contains("ERROR: cannot start Tempesta FW"), "{line}");
    r(&["status"]).expect(1, "status after a failed start");
}
