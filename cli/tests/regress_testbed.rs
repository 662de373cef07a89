//! `regress --testbed` and the nightly job (tools/nightly/nightly.sh) over real things, on this
//! machine (`hostname = "localhost"`: no SSH): a real nginx (tools/peers/nginx-ctl.sh) as a
//! `command` target that every run restarts, reloads and counts (stub_status), and the
//! Tempesta stand-in (testbed/testdata/standin: the tempesta.sh interface, not Tempesta) in a
//! real git tree for the revision. The kernel log is the real one: lines other tests write
//! carry their tokens and are ignored here (`dmesg_ignore`); the findings test writes its own.
//!
//! Needs root (/dev/kmsg, dmesg) and Debian's nginx; without root the tests say "skipped",
//! except under CI, where that fails.

mod common;

use common::nginx::{free_port, Nginx};
use common::regress::{s, tmp_dir, write};
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tfw_reports::history::db::History;

/// Kernel-log tokens of the other tests that write /dev/kmsg (testbed's target tests, the
/// `--testbed` run tests) and of this file's clean runs.
const OTHERS: [&str; 2] = ["tfw-bench-test-", "tfw-h5-target-runs"];
/// The token of the line the findings test writes.
const TOKEN: &str = "tfw-h6-regress";

fn root_or_skip() -> bool {
    let uid = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set: the --testbed tests need root (/dev/kmsg, dmesg)"
    );
    println!("skipped: /dev/kmsg and dmesg need root");
    false
}

/// A TOML basic string.
fn toml_str(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn uname_r() -> String {
    let out = Command::new("uname").arg("-r").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The `[general]` section: the other tests' kernel-log lines ignored (and ours too when
/// `ignore_ours`).
fn general(dir: &Path, ignore_ours: bool) -> String {
    let mut ignore: Vec<String> = OTHERS.iter().map(|t| toml_str(t)).collect();
    if ignore_ours {
        ignore.push(toml_str(TOKEN));
    }
    format!(
        "[general]\nknown_hosts = {}\ndmesg_ignore = [{}]\n\n",
        toml_str(&dir.join("known_hosts").display().to_string()),
        ignore.join(", ")
    )
}

/// An nginx (not yet running) that a local `command` target starts, stops and reloads.
struct Bed {
    dir: PathBuf,
    run: PathBuf,
    http: u16,
    file: PathBuf,
}

impl Bed {
    /// `start_extra`: shell appended to the start command.
    fn new(name: &str, start_extra: &str, ignore_ours: bool) -> Bed {
        let dir = tmp_dir(&format!("tb-{name}"));
        let run = dir.join("nginx");
        let (http, tls) = (free_port(), free_port());
        let ctl = repo()
            .join("tools/peers/nginx-ctl.sh")
            .display()
            .to_string();
        let env = format!(
            "PEERS_RUN='{}' HTTP_PORT={http} TLS_PORT={tls} SERVER_CPU=0",
            run.display()
        );
        let start = format!(
            "{env} bash '{ctl}' start >/dev/null 2>'{0}/start.log' || {{ cat '{0}/start.log' >&2; exit 1; }}{start_extra}",
            dir.display()
        );
        let text = format!(
            "{}[tempesta]\nip = \"127.0.0.1\"\nhostname = \"localhost\"\nworkdir = {}\n\
             kind = \"command\"\nstart = {}\nstop = {}\nreload = {}\n\
             ready_url = \"http://127.0.0.1:{http}/\"\nstats_url = \"http://127.0.0.1:{http}/status\"\n\n\
             [client]\nhostname = \"localhost\"\n\n[server]\nhostname = \"localhost\"\n",
            general(&dir, ignore_ours),
            toml_str(&dir.join("work").display().to_string()),
            toml_str(&start),
            toml_str(&format!("{env} bash '{ctl}' stop >/dev/null 2>&1")),
            toml_str(&format!("{env} bash '{ctl}' reload >/dev/null")),
        );
        let file = write(&dir, "testbed.toml", &text);
        Bed {
            dir,
            run,
            http,
            file,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.http)
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        // Only this bed's nginx, by its pid file, should a run have left it running.
        let _ = Command::new("bash")
            .arg(repo().join("tools/peers/nginx-ctl.sh"))
            .arg("stop")
            .env("PEERS_RUN", &self.run)
            .stdin(Stdio::null())
            .output();
    }
}

/// One scenario, one repeat of one second.
const MATRIX: &str =
    "[[scenario]]\nname = \"tb\"\nconnections = 2\nduration = \"1s\"\nrepeats = 1\n";

fn regress_tb(bed: &Bed, extra: &[&str]) -> Out {
    let matrix = write(&bed.dir, "matrix.toml", MATRIX);
    let url = bed.url();
    let mut args = vec!["--testbed", s(&bed.file), "--url", url.as_str()];
    args.extend_from_slice(extra);
    common::regress::regress(&bed.dir, &matrix, "out", &args)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn regress_testbed_stores_the_target_kernel_and_each_run_its_counters_and_reloads() {
    if !root_or_skip() {
        return;
    }
    let bed = Bed::new("ok", "", true);
    let out = regress_tb(&bed, &["--reload-every", "300ms"]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let kernel = uname_r();
    assert!(
        out.stderr
            .contains(&format!("target: revision unknown, kernel {kernel}")),
        "{}",
        out.show()
    );

    // The history: the target's kernel (a command target has no revision).
    let h = History::open_existing(&bed.dir.join("history.db")).unwrap();
    let inv = h.invocation(1).unwrap();
    assert_eq!(inv.target.kernel.as_deref(), Some(kernel.as_str()));
    assert_eq!(inv.target.revision, None);
    assert_eq!(inv.runs, 1);
    let db = bed.dir.join("history.db");
    let show = run(&["history", "--history", s(&db), "show", "1"]);
    assert!(
        show.stdout
            .contains(&format!("target    -; kernel {kernel}")),
        "{}",
        show.show()
    );
    let list = run(&["history", "--history", s(&db), "list"]);
    assert!(list.stdout.contains(&kernel), "{}", list.show());

    // The run: the target's counters before and after (nginx's stub_status), the reloads.
    let doc = read_json(&bed.dir.join("out/runs/tb-1.json"));
    let t = &doc["target_control"];
    assert_eq!(t["kind"], "command", "{t}");
    assert_eq!(t["kernel"], kernel.as_str());
    let c = &t["counters"];
    assert_eq!(c["source"], "stub_status", "{c}");
    let responses = doc["responses"].as_u64().unwrap();
    assert!(responses > 0);
    let served = c["delta"]["requests"].as_i64().expect("a requests delta");
    assert!(
        served >= responses as i64,
        "nginx served {served}, the client counted {responses}"
    );
    let reloads = t["reloads"].as_array().unwrap();
    assert!(!reloads.is_empty(), "{t}");

    // The pages: the invocation's facts, the run's target box and reload marks.
    let summary = read(&bed.dir.join("out/summary.md"));
    assert!(
        summary.contains(&format!("Target kernel: {kernel}")),
        "{summary}"
    );
    let page = read(&bed.dir.join("out/report.html"));
    assert!(page.contains(&format!("<td>target kernel</td><td>{kernel}</td>")));
    let runs_page = read(&bed.dir.join("out/scenarios/tb/report.html"));
    for want in [
        "<h3>Target</h3>",
        "<h4>Counters (stub_status)</h4>",
        &format!("<td>kernel</td><td>{kernel}</td>"),
        &format!("<h4>Reloads ({})</h4>", reloads.len()),
        "target reload",
    ] {
        assert!(runs_page.contains(want), "the runs' page lacks {want}");
    }
}

#[test]
fn kernel_log_findings_fail_the_scenario_with_the_finding_not_a_regression() {
    if !root_or_skip() {
        return;
    }
    let line = format!(
        "WARNING: CPU: 0 PID: 1 at {TOKEN}-{}+0x0/0x0",
        std::process::id()
    );
    let bed = Bed::new(
        "findings",
        &format!("; printf '%s\\n' '{line}' > /dev/kmsg"),
        false,
    );
    // With reloads: as merged, a run without them loses its target in the session (reported
    // by helper H6), whereas this test is about the findings.
    let out = regress_tb(&bed, &["--reload-every", "400ms"]);
    assert_eq!(out.code(), Some(2), "{}", out.show());
    let row = common::regress::row(&out.stdout, "tb", "—");
    assert!(
        row[7].starts_with("failed: ") && row[7].contains("kernel-log finding(s) on the target"),
        "{row:?}"
    );
    assert!(out.stdout.contains(TOKEN), "{}", out.show());
    assert!(
        out.stdout
            .contains("0 regressed, 0 improved, 0 unchanged; 0 scenario(s) skipped, 1 failed"),
        "{}",
        out.show()
    );
    let h = History::open_existing(&bed.dir.join("history.db")).unwrap();
    assert_eq!(
        h.invocation(1).unwrap().runs,
        0,
        "a failed run is not stored"
    );
    // Its document is kept, with the finding.
    let doc = read_json(&bed.dir.join("out/runs/tb-1.json"));
    let findings = doc["target_control"]["kernel_log"]["findings"].to_string();
    assert!(findings.contains(TOKEN), "{findings}");
}

#[test]
fn regress_testbed_refuses_a_scenario_without_url_and_a_file_without_target() {
    let bed = Bed::new("bad", "", true);
    let matrix = write(&bed.dir, "matrix.toml", MATRIX);
    let out = common::regress::regress(&bed.dir, &matrix, "out", &["--testbed", s(&bed.file)]);
    assert_setup_error(&out, "scenario \"tb\" has no URL: with --testbed");
    assert!(!bed.dir.join("history.db").exists(), "nothing ran");

    let no_kind = write(
        &bed.dir,
        "nokind.toml",
        "[tempesta]\nip = \"127.0.0.1\"\nhostname = \"localhost\"\n",
    );
    let url = bed.url();
    let out = common::regress::regress(
        &bed.dir,
        &matrix,
        "out",
        &["--testbed", s(&no_kind), "--url", &url],
    );
    assert_setup_error(&out, "[tempesta] has no kind");

    let out = common::regress::regress(
        &bed.dir,
        &matrix,
        "out",
        &[
            "--testbed",
            s(&bed.file),
            "--url",
            &url,
            "--reload-every",
            "soon",
        ],
    );
    assert_setup_error(&out, "--reload-every \"soon\"");
}

/// The Tempesta stand-in's tree as a git repository tagged `tag`, its perfstat a recorded
/// one; returns the srcdir.
fn standin_tree(dir: &Path, tag: &str) -> PathBuf {
    let src = dir.join("tempesta");
    let testdata = repo().join("testbed/testdata");
    std::fs::create_dir_all(src.join("scripts")).unwrap();
    std::fs::copy(
        testdata.join("standin/scripts/tempesta.sh"),
        src.join("scripts/tempesta.sh"),
    )
    .unwrap();
    std::fs::copy(
        testdata.join("perfstat/procfs-d6519380-format.txt"),
        src.join("perfstat.sample"),
    )
    .unwrap();
    std::fs::write(src.join(".gitignore"), "run/\netc/\n").unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=tfw-bench test",
                "-c",
                "user.email=test@localhost",
            ])
            .arg("-C")
            .arg(&src)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "stand-in"]);
    git(&["tag", tag]);
    src
}

#[test]
fn the_nightly_script_runs_the_job_keeps_the_html_and_prunes_old_nights() {
    if !root_or_skip() {
        return;
    }
    let dir = tmp_dir("nightly");
    let src = standin_tree(&dir, "v0.8.0-nightly");
    let nginx = Nginx::start("nightly");
    let tb = format!(
        "{}[tempesta]\nip = \"127.0.0.1\"\nhostname = \"localhost\"\nworkdir = {}\n\
         kind = \"tempesta\"\nsrcdir = {}\nconfig = \"tempesta_fw.conf\"\n\
         perfstat = {}\nstate = {}\n\n[client]\nhostname = \"localhost\"\n\n\
         [server]\nhostname = \"localhost\"\n",
        general(&dir, true),
        toml_str(&dir.join("work").display().to_string()),
        toml_str(&src.display().to_string()),
        toml_str(&src.join("run/perfstat").display().to_string()),
        toml_str(&src.join("run/state").display().to_string()),
    );
    let testbed = write(&dir, "testbed.toml", &tb);
    let config = write(&dir, "tempesta_fw.conf", "listen 80;\n");
    let matrix = write(&dir, "matrix.toml", MATRIX);
    let out_dir = dir.join("nightly");
    let old = out_dir.join("2000-01-01T000000Z");
    let other = out_dir.join("keep-me");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::create_dir_all(&other).unwrap();

    let job = spawn_with(
        Command::new("bash")
            .arg(repo().join("tools/nightly/nightly.sh"))
            .args(["--target-config", s(&config), "--reload-every", "400ms"])
            .env("TESTBED", &testbed)
            .env("URL", format!("http://127.0.0.1:{}/", nginx.http))
            .env("OUT", &out_dir)
            .env("MATRIX", &matrix)
            .env("KEEP", "1")
            .env("TFW_BENCH", bin()),
    )
    .finish();
    assert_eq!(job.code(), Some(0), "{}", job.show());

    // The history: the stand-in tree's revision and this machine's kernel.
    let h = History::open_existing(&out_dir.join("history.db")).unwrap();
    let inv = h.invocation(1).unwrap();
    assert_eq!(inv.target.revision.as_deref(), Some("v0.8.0-nightly"));
    assert_eq!(inv.target.kernel.as_deref(), Some(uname_r().as_str()));
    assert_eq!(inv.target_version.as_deref(), Some("v0.8.0-nightly"));
    assert_eq!(inv.runs, 1);

    // The HTML kept, the old night pruned, what is not a night left alone.
    let latest = read(&out_dir.join("latest.html"));
    assert!(latest.contains("<td>target revision</td><td>v0.8.0-nightly</td>"));
    let night = std::fs::canonicalize(out_dir.join("latest")).unwrap();
    assert!(night.join("report.html").is_file());
    assert!(night.join("scenarios/tb/report.html").is_file());
    assert!(!old.exists(), "the oldest night beyond KEEP is pruned");
    assert!(other.exists(), "only night directories are pruned");
    // The run restarted the stand-in with the given config and read its perfstat.
    let doc = read_json(&night.join("runs/tb-1.json"));
    let t = &doc["target_control"];
    assert_eq!(t["kind"], "tempesta", "{t}");
    assert_eq!(t["revision"], "v0.8.0-nightly");
    assert_eq!(t["counters"]["source"], "perfstat", "{t}");
    assert_eq!(
        read(&dir.join("work/tempesta_fw.conf")),
        "listen 80;\n",
        "the config uploaded"
    );
}
