//! `tfw-bench h2load` on what it refuses and how it is invoked: h2load's own exit status (1)
//! and words for bad options, bad numbers, no URI, a missing data file, and a refused
//! connection (one line on stderr); the options it cannot honour refused by name; the real
//! h2load refuses the same command lines with the same status; URIs after the first lend only
//! their paths (h2load's rule); `tfw-bench links DIR` then DIR/h2load; --help and --version;
//! the built-in target (`serve`) counts exactly the requests asked.

mod common;
mod dropin_support;

use common::{closed_port, serve, served_requests, stop_serve};
use dropin_support::{requests, run_tool, status_codes, strings, tfw_h2load};

/// Checks exit status 1, no panic, one line on stderr starting with `want`.
fn refused(out: &common::Out, want: &str) {
    assert_eq!(out.code(), Some(1), "{}", out.show());
    assert!(!out.stderr.contains("panicked"), "{}", out.show());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.show());
    assert!(
        out.stderr.starts_with(want),
        "want {want:?}\n{}",
        out.show()
    );
    assert!(out.stdout.is_empty(), "{}", out.show());
}

#[test]
fn bad_input_is_one_line_and_status_1_as_h2load() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            strings(&["--bogus", &url]),
            "h2load: unrecognized option '--bogus'",
        ),
        (strings(&["-n", "ten", &url]), "-n: bad option value: ten"),
        (strings(&["-c", "-1", &url]), "-c: bad option value: -1"),
        (
            strings(&["-w", "40", &url]),
            "-w: specify the integer in the range [0, 30], inclusive",
        ),
        (strings(&["-D", "1.5s", &url]), "-D: value error 1.5s"),
        (strings(&["-n", "5"]), "no URI or input file given"),
        (
            strings(&["-c", "0", &url]),
            "-c: the number of clients must be strictly greater than 0.",
        ),
        (
            strings(&["-n", "2", "-c", "3", &url]),
            "-n, -c: the number of requests must be greater than or equal to the clients.",
        ),
        (
            strings(&["-n", "4", "-c", "2", "-t", "3", &url]),
            "-c, -t: the number of clients must be greater than or equal to the number of threads.",
        ),
        (
            strings(&["-m", "0", &url]),
            "-m: the max concurrent streams must be strictly greater than 0.",
        ),
        (
            strings(&["-d", "/nonexistent/body", &url]),
            "-d: Could not open file /nonexistent/body",
        ),
        (
            strings(&["-i", "/nonexistent/uris"]),
            "cannot read input file: /nonexistent/uris",
        ),
        (
            strings(&["-H", "broken", &url]),
            "-H: invalid header: broken",
        ),
    ];
    for (args, want) in cases {
        refused(&tfw_h2load(&args), want);
        // The real h2load refuses the same command line with the same status.
        let theirs = run_tool("/usr/bin/h2load", &args);
        assert_eq!(theirs.code(), Some(1), "{args:?}\n{}", theirs.show());
    }
    // A scheme tfw-bench does not load (h2load would try port 80).
    refused(
        &tfw_h2load(&strings(&["ftp://127.0.0.1/"])),
        "invalid URI: ftp://127.0.0.1/",
    );
}

#[test]
fn what_cannot_be_honoured_is_refused_by_name() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    for (opt, name) in [
        (&["-r", "2", "-c", "2", "-n", "2"][..], "--rate"),
        (&["--rate-period=2s"][..], "--rate-period"),
        (&["-T", "5"][..], "-T"),
        (&["-v"][..], "-v"),
        (&["--log-file", "/tmp/x"][..], "--log-file"),
        (&["--rps", "10"][..], "--rps"),
        (&["--connect-to", "127.0.0.1:1"][..], "--connect-to"),
        (&["-f", "64K"][..], "--max-frame-size"),
        (
            &["--encoder-header-table-size", "64K"][..],
            "--encoder-header-table-size",
        ),
        (&["-H", ":path:/x"][..], "-H :path"),
    ] {
        let mut args = strings(opt);
        args.push(url.clone());
        let out = tfw_h2load(&args);
        refused(&out, name);
        assert!(out.stderr.contains("tfw-bench"), "{}", out.show());
    }
}

#[test]
fn a_refused_connection_is_one_line_and_no_hang() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let out = tfw_h2load(&strings(&["-n", "10", "-c", "2", &url]));
    assert_eq!(out.code(), Some(1), "{}", out.show());
    assert!(!out.stderr.contains("panicked"), "{}", out.show());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.show());
    assert!(out.stderr.contains("refused"), "{}", out.show());
}

#[test]
fn builtin_target_counts_what_was_asked_and_later_hosts_are_ignored() {
    let (srv, addr) = serve(&[]);
    // h2load uses the first URI's host and port; the second lends only its path.
    let args = strings(&[
        "-n",
        "300",
        "-c",
        "3",
        "-t",
        "2",
        "-m",
        "4",
        &format!("http://{addr}/a"),
        &format!("http://127.0.0.9:{}/b", closed_port()),
    ]);
    let out = tfw_h2load(&args);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(
        requests(&out.stdout),
        [300, 300, 300, 300, 0, 0, 0],
        "{}",
        out.stdout
    );
    assert_eq!(status_codes(&out.stdout), [300, 0, 0, 0]);
    assert!(
        out.stdout.starts_with(
            "starting benchmark...\nspawning thread #0: 2 total client(s). 150 total requests\n\
         spawning thread #1: 1 total client(s). 150 total requests\n"
        ),
        "{}",
        out.stdout
    );
    assert_eq!(served_requests(&stop_serve(srv)), 300);
}

#[test]
fn over_tls_to_the_builtin_target() {
    let (srv, addr) = common::serve_tls(&[]);
    let out = tfw_h2load(&strings(&[
        "-n",
        "100",
        "-c",
        "2",
        "-m",
        "8",
        &format!("https://{addr}/"),
    ]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(
        out.stdout.contains("Application protocol: h2\n"),
        "{}",
        out.stdout
    );
    assert_eq!(status_codes(&out.stdout), [100, 0, 0, 0]);
    assert_eq!(served_requests(&stop_serve(srv)), 100);
}

#[test]
fn invoked_by_a_link_named_h2load() {
    let dir = std::env::temp_dir().join(format!("tfw-h2load-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = common::run(&["links", dir.to_str().unwrap()]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let link = dir.join("h2load");
    let (srv, addr) = serve(&[]);
    let out = run_tool(
        link.to_str().unwrap(),
        &strings(&["--requests=40", "--clients=2", &format!("http://{addr}/")]),
    );
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(status_codes(&out.stdout), [40, 0, 0, 0], "{}", out.stdout);
    assert_eq!(served_requests(&stop_serve(srv)), 40);
    let out = run_tool(link.to_str().unwrap(), &strings(&["--bogus"]));
    refused(&out, "h2load: unrecognized option '--bogus'");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_and_version() {
    let out = tfw_h2load(&strings(&["--help"]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(
        out.stdout
            .starts_with("Usage: h2load [OPTIONS]... [URI]...\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("--max-concurrent-streams"));
    let out = tfw_h2load(&strings(&["--version"]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out.stdout.starts_with("h2load nghttp2/"), "{}", out.stdout);
}

#[test]
fn uris_from_an_input_file_and_a_base_uri() {
    let (srv, addr) = serve(&[]);
    // -i: one URI per line, used in turn; their host is the first's.
    let list = common::tmp_file(
        "h2load-uris",
        format!("http://{addr}/one\nhttp://{addr}/two?x=1\n").as_bytes(),
    );
    let out = tfw_h2load(&strings(&[
        "-n",
        "40",
        "-c",
        "2",
        "-i",
        list.to_str().unwrap(),
    ]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(status_codes(&out.stdout), [40, 0, 0, 0], "{}", out.stdout);
    // -B: the base URI's scheme, host and port for URIs naming another host.
    let other = format!("http://127.0.0.9:{}/three", closed_port());
    let out = tfw_h2load(&strings(&[
        "-n",
        "10",
        "-B",
        &format!("http://{addr}"),
        &other,
    ]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(status_codes(&out.stdout), [10, 0, 0, 0], "{}", out.stdout);
    assert_eq!(served_requests(&stop_serve(srv)), 50);
    let _ = std::fs::remove_file(&list);
}
