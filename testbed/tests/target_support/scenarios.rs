//! Target scenarios, run over a real sshd (target_ssh.rs) and on localhost
//! (target_local.rs) through the same `Target`.

use super::*;
use tfw_testbed::counters::delta;
use tfw_testbed::kernel_log::{scan, Kind};
use tfw_testbed::perfstat;

/// Any request to nginx, from this machine, so its counters move.
fn hit(port: u16) {
    let (code, _) = tfw_testbed::target::probe::get(
        &format!("http://127.0.0.1:{port}/"),
        Duration::from_secs(10),
    )
    .unwrap();
    assert_eq!(code, 200);
}

/// nginx as a command target: start, status, counters, reload, stop, status.
pub fn run_nginx(t: &mut Target, nginx: &NginxTarget) {
    assert!(!t.status().unwrap().running, "nginx runs before start");
    let started = t.start(None).unwrap();
    assert_eq!(started.output.status, 0);
    let st = t.status().unwrap();
    assert!(st.running, "{}", st.detail);

    let before = t.counters().unwrap().expect("stats_url gives counters");
    assert_eq!(before.source, "stub_status");
    for _ in 0..3 {
        hit(nginx.http);
    }
    let after = t.counters().unwrap().unwrap();
    let d = delta(&before, &after);
    let requests = d.iter().find(|d| d.name == "requests").unwrap();
    // Three hits and the second status request itself.
    assert_eq!(requests.delta, Some(4), "{d:?}");
    let active = d.iter().find(|d| d.name == "active").unwrap();
    assert_eq!((active.counter, active.delta), (false, None));

    let reloaded = t.reload(None).unwrap();
    assert_eq!(reloaded.output.status, 0);
    assert!(t.status().unwrap().running);
    hit(nginx.http);

    t.stop().unwrap();
    let st = t.status().unwrap();
    assert!(!st.running, "{}", st.detail);
    // Stopping what is stopped is no error.
    t.stop().unwrap();
}

/// The Tempesta stand-in: start (ready line), counters from the recorded perfstat,
/// reload with a new config, stop.
pub fn run_standin(t: &mut Target, srcdir: &Path, work: &Path) {
    let _one_at_a_time = standin_lock();
    use_standin_paths(t, srcdir);
    let st = t.status().unwrap();
    assert!(!st.running);
    assert!(st.detail.contains("not loaded"), "{}", st.detail);
    t.stop().unwrap();

    let config = b"listen 80;\nsrv_group default { server 127.0.0.1:8000; }\n";
    let started = t.start(Some(config)).unwrap();
    let out = String::from_utf8_lossy(&started.output.stdout);
    assert!(out.contains("Starting Tempesta..."), "{out}");
    if let Some(tfw_testbed::file::TargetKind::Tempesta { interfaces, .. }) =
        &t.testbed.tempesta.kind
    {
        if !interfaces.is_empty() {
            // TFW_DEV reached the script.
            assert!(out.contains(&format!("TFW_DEV: '{interfaces}'")), "{out}");
        }
    }
    assert_eq!(std::fs::read(work.join("tempesta.conf")).unwrap(), config);
    // TFW_CFG_TMPL reached the script: it wrote the template copy there.
    assert_eq!(
        std::fs::read(work.join("tempesta_tmp.conf")).unwrap(),
        config
    );
    let st = t.status().unwrap();
    assert!(st.running, "{}", st.detail);

    let c = t.counters().unwrap().expect("perfstat");
    let sample = std::fs::read_to_string(srcdir.join("perfstat.sample")).unwrap();
    assert_eq!(c, perfstat::parse(&sample).counters());
    assert!(c.entries.len() > 30 && c.unknown.is_empty(), "{c:?}");

    let config2 = b"listen 81;\n";
    t.reload(Some(config2)).unwrap();
    assert_eq!(std::fs::read(work.join("tempesta.conf")).unwrap(), config2);

    let facts = t.facts().unwrap();
    let uname = std::process::Command::new("uname")
        .arg("-r")
        .output()
        .unwrap();
    assert_eq!(
        facts.kernel.as_deref(),
        Some(String::from_utf8_lossy(&uname.stdout).trim())
    );
    // The temporary srcdir is no git work tree.
    assert_eq!(facts.revision, None);

    // Restart: stop, then start with the config already there.
    t.restart(None).unwrap();
    assert!(t.status().unwrap().running);
    assert_eq!(std::fs::read(work.join("tempesta.conf")).unwrap(), config2);

    t.stop().unwrap();
    assert!(!t.status().unwrap().running);
}

/// The test-bed's config_file is uploaded when the run brings no config.
pub fn standin_config_file(t: &mut Target, srcdir: &Path, work: &Path) {
    let _one_at_a_time = standin_lock();
    use_standin_paths(t, srcdir);
    let file = temp_dir("config").join("tempesta_fw.conf");
    std::fs::write(&file, b"cache 0;\n").unwrap();
    if let Some(tfw_testbed::file::TargetKind::Tempesta { config_file, .. }) =
        &mut t.testbed.tempesta.kind
    {
        *config_file = Some(file.clone());
    }
    t.start(None).unwrap();
    assert_eq!(
        std::fs::read(work.join("tempesta.conf")).unwrap(),
        b"cache 0;\n"
    );
    t.stop().unwrap();
    std::fs::remove_file(&file).unwrap();
    let e = t.start(None).unwrap_err().to_string();
    assert!(e.contains("cannot read config_file"), "{e}");
}

/// A tempesta.sh that fails: one line with the exit status and its last output line.
pub fn standin_fails(t: &mut Target, srcdir: &Path) {
    let _one_at_a_time = standin_lock();
    use_standin_paths(t, srcdir);
    // No config anywhere: the script's own refusal, in one line.
    let e = t.start(None).unwrap_err().to_string();
    assert!(!e.contains('\n'), "one line: {e}");
    assert!(e.contains("tempesta.sh --start failed (exit 1)"), "{e}");
    assert!(e.contains("tempesta.conf does not exist"), "{e}");
    let e = t.start(Some(b"standin_fail;\n")).unwrap_err().to_string();
    assert!(!e.contains('\n'), "one line: {e}");
    assert!(e.contains("tempesta.sh --start failed (exit 1)"), "{e}");
    assert!(e.contains("ERROR: cannot start Tempesta FW"), "{e}");
}

/// No ready line: a bounded error naming the line and the timeout.
pub fn standin_never_ready(t: &mut Target, srcdir: &Path) {
    let _one_at_a_time = standin_lock();
    use_standin_paths(t, srcdir);
    t.testbed.general.ready_timeout = Duration::from_secs(1);
    let e = t
        .start(Some(b"standin_no_ready;\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"Tempesta FW is ready\" did not appear"), "{e}");
    assert!(e.contains("within 1s"), "{e}");
    t.stop().unwrap();
}

/// A WARNING written to the kernel log after a mark is found; one before it is not.
pub fn kernel_log_finding(t: &mut Target) {
    let tag = format!("tfw-bench-test-{}-{}", std::process::id(), free_port());
    let kmsg = |t: &mut Target, line: &str| {
        let out = t
            .exec(
                &tfw_testbed::host::Cmd::new("sh")
                    .arg("-c")
                    .arg("printf '%s\\n' \"$1\" > /dev/kmsg")
                    .arg("sh")
                    .arg(line),
            )
            .unwrap();
        assert_eq!(out.status, 0);
    };
    kmsg(t, &format!("WARNING: before the mark {tag}"));
    let mark = t.log_mark().unwrap();
    assert!(mark.0.starts_with("tfw-bench mark "));
    kmsg(t, &format!("WARNING: CPU: 0 PID: 1 at {tag}+0x0/0x0"));
    kmsg(t, &format!("[tempesta fw] Warning: not a finding {tag}"));
    let log = t.log_since(&mark).unwrap();
    assert!(!log.contains("before the mark"), "{log}");
    let ours: String = log
        .lines()
        .filter(|l| l.contains(&tag))
        .map(|l| format!("{l}\n"))
        .collect();
    let s = scan(&ours, &[]).unwrap();
    assert_eq!(s.findings.len(), 1, "{s:?}");
    assert_eq!(s.findings[0].kind, Kind::Warning);
    assert!(s.findings[0].line.contains(&format!("at {tag}+0x0/0x0")));
    let s = scan(&ours, std::slice::from_ref(&tag)).unwrap();
    assert_eq!((s.findings.len(), s.ignored), (0, 1));
    // The same through the target, with the test-bed's ignore list.
    let whole = t.log_scan(&mark).unwrap();
    assert!(
        whole.findings.iter().any(|f| f.line.contains(&tag)),
        "{whole:?}"
    );
    t.testbed.general.dmesg_ignore = vec![format!("at {tag}")];
    let whole = t.log_scan(&mark).unwrap();
    assert!(
        !whole.findings.iter().any(|f| f.line.contains(&tag)),
        "{whole:?}"
    );
    assert!(whole.ignored >= 1);
    // A mark that was never written is reported as such.
    let e = t
        .log_since(&tfw_testbed::target::LogMark("tfw-bench mark never".into()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not in dmesg"), "{e}");
}
