//! `tfw-bench h2load` against a real nginx side by side with the real h2load
//! (/usr/bin/h2load, nghttp2 1.52): tempesta-test's command lines (the long forms it passes:
//! --clients --threads --max-concurrent-streams --duration, --data, -H ":method:PUT",
//! --header ":authority: ...", several URIs with --h1; commit
//! a646d14218f6097b172f339beb083909a5442d84, tests/stress/test_stress.py,
//! tests/stress/test_clickhouse.py, tests/reconf/reconf_stress.py) read the same kinds of
//! figures from both, and tfw-bench's status code counts equal nginx's own request count;
//! count-based runs give both tools the same request and status figures; the output has
//! h2load's layout line by line; the examples of h2load's how-to run (bounded).

mod common;
mod dropin_support;

use common::nginx::Nginx;
use dropin_support::{requests, shape, status_codes, strings, tfw_h2load};

const H2LOAD: &str = "/usr/bin/h2load";

fn real(args: &[String]) -> common::Out {
    dropin_support::run_tool(H2LOAD, args)
}

/// tempesta-test's h2load client args (reconf_stress.py et al.) for `url`.
fn tempesta_args(url: &str, extra: &[&str]) -> Vec<String> {
    let mut a = strings(&[
        url,
        "--clients",
        "4",
        "--threads",
        "2",
        "--max-concurrent-streams",
        "10",
        "--duration",
        "2",
    ]);
    a.extend(strings(extra));
    a
}

/// What tempesta-test asserts of a run: status 0, some 2xx; the figures it reads.
fn tempesta_reads(out: &common::Out) -> [u64; 4] {
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(!out.stdout.contains(" 0 2xx, "), "{}", out.show());
    requests(&out.stdout);
    status_codes(&out.stdout)
}

/// tfw-bench's figures agree with each other (the real h2load's need not in a timing-based
/// run: it counts status codes and successes at different points).
fn consistent(out: &common::Out) {
    let s = status_codes(&out.stdout);
    let r = requests(&out.stdout);
    // succeeded are the 2xx and 3xx; done are succeeded and failed.
    assert_eq!(r[3], s[0] + s[1], "{}", out.stdout);
    assert_eq!(r[2], r[3] + r[4], "{}", out.stdout);
}

#[test]
fn tempesta_tests_h2_command_reads_alike_and_counts_match_nginx() {
    let ng = Nginx::start("dropin-h2load-tls");
    let url = format!("https://127.0.0.1:{}/", ng.tls);
    let args = tempesta_args(&url, &[]);
    let theirs = real(&args);
    let t = tempesta_reads(&theirs);
    assert!(t[0] > 0);
    let before = ng.requests();
    let ours = tfw_h2load(&args);
    let after = ng.requests();
    let s = tempesta_reads(&ours);
    consistent(&ours);
    assert!(
        ours.stdout.contains("Application protocol: h2\n"),
        "{}",
        ours.stdout
    );
    // test_clickhouse.py: the status code sum equals the server's count of requests.
    assert_eq!(s.iter().sum::<u64>(), after - before - 1, "{}", ours.stdout);
    assert_eq!(s[1..], [0, 0, 0]);
}

#[test]
fn tempesta_tests_h1_command_with_several_uris_and_h2c() {
    let ng = Nginx::start("dropin-h2load-h1");
    // test_stress.py: several URIs on one host, --h1 before the long options.
    let uris = format!(
        "http://127.0.0.1:{p}/ http://127.0.0.1:{p}/index.html",
        p = ng.http
    );
    let mut args: Vec<String> = uris.split(' ').map(str::to_string).collect();
    args.push("--h1".into());
    args.extend(tempesta_args(&args[0].clone(), &[]).into_iter().skip(1));
    tempesta_reads(&real(&args));
    let ours = tfw_h2load(&args);
    tempesta_reads(&ours);
    consistent(&ours);
    assert!(
        ours.stdout.contains("Application protocol: http/1.1\n"),
        "{}",
        ours.stdout
    );
    // h2c by prior knowledge on an http:// URI.
    let args = tempesta_args(&format!("http://127.0.0.1:{}/", ng.h2c), &[]);
    tempesta_reads(&real(&args));
    let ours = tfw_h2load(&args);
    tempesta_reads(&ours);
    consistent(&ours);
    assert!(
        ours.stdout.contains("Application protocol: h2c\n"),
        "{}",
        ours.stdout
    );
}

#[test]
fn count_runs_give_both_tools_the_same_figures_and_layout() {
    let ng = Nginx::start("dropin-h2load-count");
    let body = common::tmp_file("h2load-body", &[b'x'; 3000]);
    let body = body.to_str().unwrap();
    let cases: Vec<Vec<String>> = vec![
        strings(&[
            "-n",
            "200",
            "-c",
            "4",
            "-m",
            "5",
            &format!("http://127.0.0.1:{}/", ng.h2c),
        ]),
        strings(&[
            "-n100",
            "-c2",
            "-t2",
            &format!("https://127.0.0.1:{}/", ng.tls),
        ]),
        strings(&[
            "-n",
            "60",
            "-c",
            "3",
            "-m",
            "4",
            "--h1",
            &format!("http://127.0.0.1:{}/", ng.http),
        ]),
        // test_stress.py's POST and -H ":method:PUT" (nginx answers 405 to both).
        strings(&[
            "-n",
            "30",
            "-c",
            "3",
            &format!("--data={body}"),
            &format!("https://127.0.0.1:{}/", ng.tls),
        ]),
        strings(&[
            "-n",
            "30",
            "-c",
            "3",
            "-H",
            ":method:PUT",
            &format!("https://127.0.0.1:{}/", ng.tls),
        ]),
        // tests/reconf/test_stress_sticky.py's :authority override.
        strings(&[
            "-n",
            "20",
            "-c",
            "2",
            "--header",
            ":authority: app.com",
            &format!("https://127.0.0.1:{}/", ng.tls),
        ]),
    ];
    for args in cases {
        let theirs = real(&args);
        let ours = tfw_h2load(&args);
        assert_eq!(theirs.code(), Some(0), "{}", theirs.show());
        assert_eq!(ours.code(), Some(0), "{args:?}\n{}", ours.show());
        let (rt, ro) = (requests(&theirs.stdout), requests(&ours.stdout));
        // total, started, done, succeeded, failed: the same requests, the same answers.
        assert_eq!(
            rt[..5],
            ro[..5],
            "{args:?}\n{}\n{}",
            theirs.stdout,
            ours.stdout
        );
        assert_eq!(
            status_codes(&theirs.stdout),
            status_codes(&ours.stdout),
            "{args:?}"
        );
        // The layout: h2load's lines in h2load's order (its TLS lines aside).
        let tls = ["TLS Protocol:", "Cipher:", "Server Temp Key:"];
        let theirs_shape: Vec<String> = shape(&theirs.stdout)
            .into_iter()
            .filter(|l| !tls.iter().any(|t| l.starts_with(t)))
            .collect();
        assert_eq!(
            theirs_shape,
            shape(&ours.stdout),
            "{args:?}\n{}",
            ours.stdout
        );
    }
}

#[test]
fn the_how_to_examples_run_bounded() {
    let ng = Nginx::start("dropin-h2load-howto");
    let url = format!("https://127.0.0.1:{}", ng.tls);
    // doc/sources/h2load-howto.rst (nghttp2 v1.52.0): `h2load -n100000 -c100 -m10
    // https://localhost`, with a tenth of the requests, and the timing-based example with
    // shorter phases.
    let out = tfw_h2load(&strings(&["-n10000", "-c100", "-m10", &url]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(requests(&out.stdout)[..5], [10000, 10000, 10000, 10000, 0]);
    assert!(
        out.stdout.contains("progress: 100% done\n"),
        "{}",
        out.stdout
    );
    let out = tfw_h2load(&strings(&[
        "-c100",
        "-m100",
        "--duration=2",
        "--warm-up-time=1",
        &url,
    ]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(status_codes(&out.stdout)[0] > 0, "{}", out.stdout);
    assert!(out.stdout.contains(
        "spawning thread #0: 100 total client(s). Timing-based test with 1s of warm-up time and 2s of main duration for measurements.\n"
    ), "{}", out.stdout);
    assert!(out
        .stdout
        .contains("Main benchmark duration is over for thread #0. Stopping all clients.\n"));
    // Its UNIX domain socket example is refused by name.
    let out = tfw_h2load(&strings(&["--base-uri=unix:/tmp/nghttpx.sock", &url]));
    assert_eq!(out.code(), Some(1), "{}", out.show());
    assert!(
        out.stderr.starts_with("--base-uri unix:: not supported"),
        "{}",
        out.show()
    );
}

#[test]
fn tfw_json_is_written_beside() {
    let ng = Nginx::start("dropin-h2load-json");
    let json = common::tmp_json("h2load-json");
    let url = format!("http://127.0.0.1:{}/", ng.h2c);
    let out = tfw_h2load(&strings(&[
        "-n",
        "50",
        "-c",
        "2",
        "--tfw-json",
        json.to_str().unwrap(),
        &url,
    ]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let doc = common::read_json(&json);
    assert_eq!(common::count(&doc, &["responses"]), 50, "{doc}");
    assert_eq!(doc["protocol"], "h2c");
    let _ = std::fs::remove_file(&json);
    // The same by the environment variable.
    let out = common::spawn_with(
        std::process::Command::new(common::bin())
            .args(["h2load", "-n", "10", &url])
            .env("TFW_BENCH_JSON", &json),
    )
    .finish();
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(common::count(&common::read_json(&json), &["responses"]), 10);
    let _ = std::fs::remove_file(&json);
}
