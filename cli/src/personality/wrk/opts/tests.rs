//! wrk's command lines and what wrk 4.1.0 (Debian's /usr/bin/wrk) says about them.

use super::*;

fn p(line: &str) -> Parsed {
    let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    parse(&args)
}

fn ok(line: &str) -> WrkOpts {
    let r = p(line);
    r.result
        .unwrap_or_else(|e| panic!("{line:?} refused: {e:?}"))
}

fn refused(line: &str) -> Option<String> {
    match p(line).result {
        Ok(o) => panic!("{line:?} accepted: {o:?}"),
        Err(Refused(m)) => m,
    }
}

#[test]
fn defaults_are_wrks() {
    let o = ok("http://127.0.0.1:8080/");
    assert_eq!(
        (o.threads, o.connections, o.duration, o.timeout_ms),
        (2, 10, 10, 2000)
    );
    assert!(!o.latency && o.script.is_none() && o.headers.is_empty());
    assert!(o.script_args.is_empty() && o.tfw_json.is_none() && o.other_scheme.is_none());
}

#[test]
fn short_long_joined_and_abbreviated_forms() {
    let o = ok("-t12 -c400 -d30s http://127.0.0.1:8080/index.html");
    assert_eq!((o.threads, o.connections, o.duration), (12, 400, 30));
    let o = ok("--threads=3 --connections 30 --duration=2m --timeout 5 http://h/");
    assert_eq!(
        (o.threads, o.connections, o.duration, o.timeout_ms),
        (3, 30, 120, 5000)
    );
    let o = ok("--conn 7 --dur 1 --lat --time=1m http://h/");
    assert_eq!(
        (o.connections, o.duration, o.latency, o.timeout_ms),
        (7, 1, true, 60_000)
    );
    // -L is --latency in wrk's option string; -T is --timeout; clustered.
    let o = ok("-Lc5 -t1 -T3 http://h/");
    assert_eq!(
        (o.latency, o.connections, o.threads, o.timeout_ms),
        (true, 5, 1, 3000)
    );
    let o = ok("-H a -H b --header=c -s x.lua --tfw-json out.json http://h/");
    assert_eq!(o.headers, ["a", "b", "c"]);
    assert_eq!(o.script.as_deref(), Some("x.lua"));
    assert_eq!(o.tfw_json, Some(PathBuf::from("out.json")));
}

#[test]
fn options_may_follow_the_url_and_the_rest_goes_to_the_script() {
    let o = ok("http://h/ -c 20 one two");
    assert_eq!(o.connections, 20);
    assert_eq!(o.url, "http://h/");
    assert_eq!(o.script_args, ["one", "two"]);
    let o = ok("-c 4 -- http://h/ -c 9");
    assert_eq!(o.connections, 4);
    assert_eq!(o.script_args, ["-c", "9"]);
}

#[test]
fn numbers_and_times_with_units() {
    assert_eq!(scan_metric("10"), Some(10));
    assert_eq!(scan_metric("1k"), Some(1000));
    assert_eq!(scan_metric("1K"), Some(1000));
    assert_eq!(scan_metric("2M"), Some(2_000_000));
    assert_eq!(scan_metric("2m"), Some(2_000_000));
    assert_eq!(scan_metric("1G"), Some(1_000_000_000));
    assert_eq!(scan_metric(" 7 "), Some(7));
    assert_eq!(scan_metric("abc"), None);
    assert_eq!(scan_metric("10kb"), None);
    assert_eq!(scan_metric("1.5k"), None);
    assert_eq!(scan_metric("-1"), Some(u64::MAX));
    assert_eq!(scan_time("10"), Some(10));
    assert_eq!(scan_time("10s"), Some(10));
    assert_eq!(scan_time("1S"), Some(1));
    assert_eq!(scan_time("2m"), Some(120));
    assert_eq!(scan_time("2h"), Some(7200));
    assert_eq!(scan_time("1ms"), None);
    assert_eq!(scan_time("1x"), None);
    assert_eq!(scan_time(""), None);
}

#[test]
fn refusals_say_what_wrk_says() {
    // Bad numbers, a zero thread count or duration, no URL, -h/-?/-r/--help: the usage alone.
    for line in [
        "-c abc http://h/",
        "-t 0 http://h/",
        "-d 0 http://h/",
        "-d 1x http://h/",
        "-d 1ms http://h/",
        "",
        "-c 10",
        "--help",
        "-? http://h/",
        "-r http://h/",
    ] {
        assert_eq!(refused(line), None, "{line:?}");
    }
    let cases = [
        ("-x http://h/", "wrk: invalid option -- 'x'"),
        ("-h", "wrk: invalid option -- 'h'"),
        ("--nope http://h/", "wrk: unrecognized option '--nope'"),
        ("-c", "wrk: option requires an argument -- 'c'"),
        (
            "http://h/ --connections",
            "wrk: option '--connections' requires an argument",
        ),
        (
            "--latency=1 http://h/",
            "wrk: option '--latency' doesn't allow an argument",
        ),
        (
            "--t 1 http://h/",
            "wrk: option '--t' is ambiguous; possibilities: '--threads' '--timeout' '--tfw-json'",
        ),
        ("-c 0 http://h/", "number of connections must be >= threads"),
        (
            "--connections=5 -t 6 http://h/",
            "number of connections must be >= threads",
        ),
        (
            "-c5k -t 5M http://h/",
            "number of connections must be >= threads",
        ),
        (
            "-t -5 http://h/",
            "number of connections must be >= threads",
        ),
        ("-d1s http://", "invalid URL: http://"),
        ("-d1s localhost:80", "invalid URL: localhost:80"),
    ];
    for (line, want) in cases {
        assert_eq!(refused(line).as_deref(), Some(want), "{line:?}");
    }
}

#[test]
fn the_url_is_checked_before_the_connection_count() {
    assert_eq!(
        refused("-c 1 -t 2 nope").as_deref(),
        Some("invalid URL: nope")
    );
}

#[test]
fn version_is_printed_and_parsing_goes_on() {
    let r = p("-v");
    assert!(r.stdout.starts_with("wrk "), "{}", r.stdout);
    assert!(r.stdout.ends_with("Copyright (C) 2012 Will Glozer\n"));
    assert_eq!(r.result, Err(Refused(None)));
    let r = p("-v -c 3 -t 1 http://h/");
    assert!(r.stdout.starts_with("wrk "));
    assert_eq!(r.result.unwrap().connections, 3);
}

#[test]
fn other_schemes_parse_and_are_marked() {
    let o = ok("ftp://127.0.0.1/x");
    assert_eq!(o.other_scheme.as_deref(), Some("ftp"));
    assert_eq!(o.target.path_and_query, "/x");
}

#[test]
fn usage_is_wrks_text() {
    // wrk pads every line of its usage to the same width.
    let lines: Vec<&str> = USAGE.lines().collect();
    assert_eq!(lines.len(), 14);
    assert_eq!(
        lines[0],
        "Usage: wrk <options> <url>                            "
    );
    assert_eq!(
        lines[2],
        "    -c, --connections <N>  Connections to keep open   "
    );
    assert_eq!(
        lines[13],
        "  Time arguments may include a time unit (2s, 2m, 2h)"
    );
}
