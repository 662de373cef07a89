//! `tfw-bench ab`'s command line: bad input gets ab's message and exit code (compared with the
//! real /usr/bin/ab where ab refuses it too), every option of ab's usage runs against the
//! built-in target or is refused by name, `-n` is exact at the server, -t bounds a run, -e and
//! --tfw-json write their files, and the `ab` link made by `tfw-bench links` runs it.

mod common;
mod dropin_ab_support;

use dropin_ab_support::{figures, our_ab, real_ab};

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// ab prints its argv[0] in some messages; ours says "ab".
fn as_ab(s: &str) -> String {
    s.replace("/usr/bin/ab:", "ab:")
}

#[test]
fn bad_input_gets_abs_message_and_exit_code() {
    let refused = format!("http://127.0.0.1:{}/", common::closed_port());
    let missing = "/nonexistent/ab-post-file";
    let cases: Vec<Vec<&str>> = vec![
        vec!["-n", "abc", "http://127.0.0.1/"],
        vec!["-n", "0", "http://127.0.0.1/"],
        vec!["-n", "5", "http://127.0.0.1"],
        vec!["-c", "10", "-n", "5", "http://127.0.0.1/"],
        vec![],
        vec!["-n"],
        vec!["http://127.0.0.1/", "-n", "5"],
        vec!["-i", "-p", "/etc/hostname", "http://127.0.0.1/"],
        vec!["-p", missing, "http://127.0.0.1/"],
        vec!["-n", "1", refused.as_str()],
    ];
    for args in cases {
        let real = real_ab(&args);
        let ours = our_ab(&args);
        assert!(
            !ours.stderr.contains("panicked"),
            "{args:?}\n{}",
            ours.show()
        );
        assert_eq!(
            ours.code(),
            real.code(),
            "{args:?}\n{}\n{}",
            real.show(),
            ours.show()
        );
        assert_ne!(ours.code(), Some(0), "{args:?}");
        // ab's error line: the last line of stderr when no usage follows, else the first.
        let pick = |s: &str| -> String {
            let s = as_ab(s);
            let l = if s.contains("Usage:") {
                s.lines()
                    .find(|l| !l.starts_with("Usage:"))
                    .unwrap_or("")
                    .to_string()
            } else {
                s.lines().rfind(|l| !l.is_empty()).unwrap_or("").to_string()
            };
            l
        };
        assert_eq!(
            pick(&ours.stderr),
            pick(&real.stderr),
            "{args:?}\n{}\n{}",
            real.show(),
            ours.show()
        );
    }
}

#[test]
fn an_unknown_option_is_named_with_abs_usage() {
    let out = our_ab(&["-Q", "http://127.0.0.1/"]);
    assert_eq!(out.code(), Some(22), "{}", out.show());
    assert_eq!(first_line(&out.stderr), "ab: illegal option -- Q");
    assert!(out
        .stderr
        .contains("\nUsage: ab [options] [http[s]://]hostname[:port]/path\n"));
    // ab names the option the same way (it then goes on with the rest).
    let real = real_ab(&[
        "-Q",
        "-n",
        "1",
        &format!("http://127.0.0.1:{}/", common::closed_port()),
    ]);
    assert_eq!(first_line(&real.stderr), "ab: illegal option -- Q");
}

#[test]
fn version_and_help_as_ab() {
    let (real, ours) = (real_ab(&["-V"]), our_ab(&["-V"]));
    assert_eq!(
        (ours.code(), ours.stdout.as_str()),
        (real.code(), real.stdout.as_str())
    );
    let (real, ours) = (real_ab(&["-h"]), our_ab(&["-h"]));
    assert_eq!(ours.code(), real.code());
    assert_eq!(ours.code(), Some(22));
    // The same options, line for line (after the program name).
    assert_eq!(
        as_ab(&ours.stderr.replacen("Usage: ab", "Usage: /usr/bin/ab", 1)),
        as_ab(&real.stderr)
    );
}

/// Every option of ab's usage, with a value of the right shape: runs against the built-in
/// target or is refused with one line naming it.
#[test]
fn every_option_of_abs_usage_runs_or_is_refused_by_name() {
    let (srv, addr) = common::serve(&[]);
    let url = format!("http://{addr}/x");
    let post = common::tmp_file("ab-opt-post", b"a=1");
    let post = post.to_str().unwrap();
    let csv = common::tmp_file("ab-opt-csv", b"");
    let csv = csv.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["-n", "20"],
        vec!["-n", "20", "-c", "4"],
        vec!["-n", "20", "-s", "5"],
        vec!["-n", "20", "-B", "127.0.0.1"],
        vec![
            "-n",
            "20",
            "-p",
            post,
            "-T",
            "application/x-www-form-urlencoded",
        ],
        vec!["-n", "20", "-u", post],
        vec!["-n", "20", "-v", "1"],
        vec!["-n", "20", "-i"],
        vec!["-n", "20", "-C", "Apache=1234"],
        vec!["-n", "20", "-H", "Accept-Encoding: gzip"],
        vec!["-n", "20", "-A", "user:pass"],
        vec!["-n", "20", "-k"],
        vec!["-n", "20", "-d"],
        vec!["-n", "20", "-S"],
        vec!["-n", "200", "-q"],
        vec!["-n", "20", "-l"],
        vec!["-n", "20", "-e", csv],
        vec!["-n", "20", "-r"],
        vec!["-n", "20", "-m", "GET"],
    ];
    for args in runs {
        let mut all = args.clone();
        all.push(&url);
        let out = our_ab(&all);
        assert_eq!(out.code(), Some(0), "{args:?}\n{}", out.show());
        let n: u64 = args[1].parse().unwrap();
        assert_eq!(figures(&out).complete, n, "{args:?}\n{}", out.show());
    }
    let csv_text = std::fs::read_to_string(csv).unwrap();
    assert_eq!(
        csv_text.lines().next(),
        Some("Percentage served,Time in ms")
    );
    assert_eq!(csv_text.lines().count(), 102);
    let refused: Vec<(Vec<&str>, &str)> = vec![
        (vec!["-w"], "-w"),
        (vec!["-x", "border=1"], "-x"),
        (vec!["-y", "a"], "-y"),
        (vec!["-z", "a"], "-z"),
        (vec!["-X", "127.0.0.1:3128"], "-X"),
        (vec!["-P", "u:p"], "-P"),
        (vec!["-b", "65536"], "-b"),
        (vec!["-g", "plot.tsv"], "-g"),
        (vec!["-E", "cert.pem"], "-E"),
        (vec!["-I"], "-I"),
        (vec!["-v", "4"], "-v 4"),
        (vec!["-f", "SSL3"], "-f SSL3"),
    ];
    for (args, name) in refused {
        let mut all = vec!["-n", "5"];
        all.extend_from_slice(&args);
        all.push(&url);
        let out = our_ab(&all);
        assert_ne!(out.code(), Some(0), "{args:?}\n{}", out.show());
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}\n{}", out.show());
        assert!(out.stderr.contains(name), "{args:?}\n{}", out.show());
        assert!(out.stdout.is_empty(), "{args:?}\n{}", out.show());
    }
    common::stop_serve(srv);
}

#[test]
fn the_count_is_exact_at_the_built_in_target_with_and_without_keep_alive() {
    for ka in [false, true] {
        let (srv, addr) = common::serve(&[]);
        let url = format!("http://{addr}/");
        let json = common::tmp_json("ab-count");
        let js = json.to_str().unwrap();
        let mut args = vec!["-n", "1000", "-c", "8", "--tfw-json", js];
        if ka {
            args.push("-k");
        }
        args.push(&url);
        let out = our_ab(&args);
        assert_eq!(out.code(), Some(0), "{}", out.show());
        let f = figures(&out);
        assert_eq!((f.complete, f.failed), (1000, 0), "{}", out.show());
        let served = common::stop_serve(srv);
        // -n responses and the probe.
        assert_eq!(common::served_requests(&served), 1001, "{}", served.show());
        let doc = common::read_json(&json);
        assert_eq!(common::count(&doc, &["responses"]), 1000);
        assert_eq!(common::count(&doc, &["requests"]), 1000);
        assert_eq!(common::errors_total(&doc), 0, "{doc}");
        let connects = common::count(&doc, &["connections", "connects"]);
        if ka {
            // One connection per -c, kept: every response is a keep-alive one.
            assert_eq!(connects, 8, "{doc}");
            assert_eq!(f.keepalive, Some(1000), "{}", out.show());
        } else {
            // A new connection for each request (the server closes after an HTTP/1.0 answer).
            assert!(connects >= 1000, "{doc}");
        }
    }
}

#[test]
fn a_time_limit_bounds_the_run() {
    let (srv, addr) = common::serve(&[]);
    let url = format!("http://{addr}/");
    let out = our_ab(&["-t", "1", "-c", "2", "-k", &url]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let f = figures(&out);
    assert!(f.complete > 0 && f.complete <= 50_000, "{}", out.show());
    assert_eq!(f.failed, 0, "{}", out.show());
    // -t implies -n 50000: progress every 5000.
    let served = common::stop_serve(srv);
    assert_eq!(common::served_requests(&served), f.complete + 1);
}

#[test]
fn the_ab_link_runs_the_personality() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ab-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let made = common::run(&["links", dir.to_str().unwrap()]);
    assert_eq!(made.code(), Some(0), "{}", made.show());
    let (srv, addr) = common::serve(&[]);
    let url = format!("http://{addr}/");
    let out = common::spawn_with(
        std::process::Command::new(dir.join("ab")).args(["-n", "10", "-c", "2", &url]),
    )
    .finish();
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(figures(&out).complete, 10);
    let bad = common::spawn_with(
        std::process::Command::new(dir.join("ab")).args(["-n", "10", "http://x"]),
    )
    .finish();
    assert_eq!(bad.code(), Some(22));
    assert_eq!(first_line(&bad.stderr), "ab: invalid URL");
    common::stop_serve(srv);
    let _ = std::fs::remove_dir_all(&dir);
}
