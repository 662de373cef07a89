//! `tfw-bench regress` on every kind of scenario (closed loop, fixed rate, a handshake storm
//! over TLS 1.3), none skipped, and on broken setups: exit 2 with one clear line.

mod common;

use common::regress::{regress, s, tmp_dir, verdict, write};
use common::{assert_setup_error, read_json, run};

/// Every kind of scenario runs: closed loop, fixed rate, and a handshake storm over TLS 1.3
/// against the built-in target; none is skipped, in the plan or in the summary.
#[test]
fn every_kind_of_scenario_runs() {
    let dir = tmp_dir("kinds");
    let m = write(
        &dir,
        "m.toml",
        "[defaults]\nconnections = 2\nduration = \"200ms\"\nrepeats = 1\n\
         [[scenario]]\nname = \"plain\"\n\
         [[scenario]]\nname = \"paced\"\nrate = 200\n\
         [[scenario]]\nname = \"hs\"\nkind = \"handshake\"\ntls = \"1.3\"\n",
    );

    // --dry-run shows the plan and runs nothing.
    let dry = regress(&dir, &m, "dry", &["--dry-run"]);
    assert_eq!(dry.code(), Some(0), "{}", dry.show());
    assert!(
        dry.stdout.contains("3 scenario(s); 1 s of load"),
        "{}",
        dry.stdout
    );
    for name in ["plain", "paced", "hs"] {
        assert!(
            dry.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(name)
                    && l.ends_with("1 x 0.2 s, built-in target")),
            "{name} in\n{}",
            dry.stdout
        );
    }
    assert!(!dry.stdout.contains("skipped: "), "{}", dry.stdout);
    assert!(!dir.join("dry").exists());

    let o = regress(&dir, &m, "out", &[]);
    assert_eq!(o.code(), Some(0), "{}", o.show());
    let summary = std::fs::read_to_string(dir.join("out/summary.md")).unwrap();
    assert_eq!(summary, o.stdout);
    for name in ["plain", "paced"] {
        assert_eq!(
            verdict(&summary, name, "requests/s"),
            "unchanged (no baseline)",
            "{summary}"
        );
        let doc = read_json(&dir.join(format!("out/runs/{name}-1.json")));
        assert!(doc["responses"].as_u64().unwrap() > 0, "{doc:#}");
    }
    let hs = read_json(&dir.join("out/runs/hs-1.json"));
    assert_eq!(hs["mode"], "handshake");
    assert!(hs["handshakes"].as_u64().unwrap() > 0, "{hs:#}");
    assert!(
        hs["negotiated"].as_str().unwrap().starts_with("TLSv1_3"),
        "{hs:#}"
    );
    assert!(
        summary.contains("0 scenario(s) skipped, 0 failed"),
        "{summary}"
    );
    assert!(!summary.contains("skipped: "), "{summary}");
    let html = std::fs::read_to_string(dir.join("out/report.html")).unwrap();
    assert!(!html.contains("skipped: "));
}

#[test]
fn broken_setups_exit_2_with_one_clear_line() {
    let dir = tmp_dir("bad");
    let good = write(
        &dir,
        "good.toml",
        "[[scenario]]\nname = \"a\"\nconnections = 1\nduration = \"100ms\"\nrepeats = 1\n",
    );
    let cases: Vec<(String, &str)> = vec![
        ("[[scenario]\nname = \"a\"\n".into(), "bad matrix"),
        (
            "[[scenario]]\nname = \"a\"\nconections = 5\n".into(),
            "unknown field `conections`",
        ),
        (
            "[[scenario]]\nname = \"a\"\nrepeats = 0\n".into(),
            "repeats",
        ),
        ("".into(), "no [[scenario]]"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let m = write(&dir, &format!("bad{i}.toml"), text);
        let o = regress(&dir, &m, "out", &[]);
        assert_setup_error(&o, want);
    }
    let o = regress(&dir, &dir.join("absent.toml"), "out", &[]);
    assert_setup_error(&o, "cannot read matrix");

    // A history path nothing can create (even root): under a regular file.
    let file = write(&dir, "plain-file", "x");
    let db = file.join("history.db");
    let out = dir.join("out");
    let o = run(&[
        "regress",
        "--matrix",
        s(&good),
        "--history",
        s(&db),
        "--out",
        s(&out),
    ]);
    assert_setup_error(&o, "cannot open history");
    // A history file that is not a database.
    let o = run(&[
        "regress",
        "--matrix",
        s(&good),
        "--history",
        s(&file),
        "--out",
        s(&out),
    ]);
    assert_setup_error(&o, "cannot open history");
    // An output directory that cannot be made.
    let o = run(&[
        "regress",
        "--matrix",
        s(&good),
        "--history",
        s(&dir.join("h.db")),
        "--out",
        s(&file.join("out")),
    ]);
    assert_setup_error(&o, "cannot create output directory");

    // Options.
    let bad_opts: [(&[&str], &str); 6] = [
        (&["--baseline", "yesterday"], "--baseline"),
        (&["--baseline", "42"], "no such invocation"),
        (&["--export", "csv", "x.csv"], "unknown format"),
        (&["--duration", "fast"], "--duration"),
        (&["--alpha", "1.5"], "--alpha"),
        (&["--url", "ftp://127.0.0.1/"], "url"),
    ];
    for (extra, want) in bad_opts {
        let o = regress(&dir, &good, "out", extra);
        assert_setup_error(&o, want);
    }

    // An unreachable real target: found before any run.
    let url = format!("http://127.0.0.1:{}/", common::closed_port());
    let o = regress(&dir, &good, "out", &["--url", &url]);
    assert_setup_error(&o, "unreachable");
    let list = run(&["history", "list", "--history", s(&dir.join("history.db"))]);
    assert_eq!(list.stdout.trim(), "no invocations", "{}", list.show());
}
