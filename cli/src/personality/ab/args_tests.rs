//! ab's option parsing: apr_getopt's shapes, ab's checks and exit codes.

use super::*;

fn p(v: &[&str]) -> Result<Parsed, Refusal> {
    parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn run(v: &[&str]) -> AbArgs {
    match p(v) {
        Ok(Parsed::Run(a)) => *a,
        other => panic!("{v:?}: {other:?}"),
    }
}

#[test]
fn values_attached_or_apart_and_grouped_flags() {
    let a = run(&[
        "-n100",
        "-c",
        "10",
        "-kqd",
        "-Hx: 1",
        "-H",
        "y: 2",
        "http://h/p",
    ]);
    assert_eq!((a.requests, a.concurrency), (100, 10));
    assert!(a.keepalive && a.quiet && !a.percentiles && a.confidence);
    assert_eq!(a.headers, vec!["x: 1", "y: 2"]);
    assert_eq!(a.url, "http://h/p");
    // A flag group ending in an option that takes the rest of the word.
    let a = run(&["-kn5", "http://h/"]);
    assert!(a.keepalive);
    assert_eq!(a.requests, 5);
}

#[test]
fn time_limit_implies_50000_requests_unless_n_comes_after() {
    let a = run(&["-n", "10", "-t", "3", "http://h/"]);
    assert_eq!((a.requests, a.tlimit), (50_000, Some(3)));
    let a = run(&["-t", "3", "-n", "10", "http://h/"]);
    assert_eq!((a.requests, a.tlimit), (10, Some(3)));
}

#[test]
fn abs_errors_and_exit_codes() {
    let e = p(&["-Q", "http://h/"]).unwrap_err();
    assert_eq!(
        (e.code, e.usage, e.message.as_str()),
        (22, true, "ab: illegal option -- Q")
    );
    let e = p(&["-n"]).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (22, "ab: option requires an argument -- n")
    );
    for bad in ["0", "abc", "-3"] {
        let e = p(&["-n", bad, "http://h/"]).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (1, "Invalid number of requests\n")
        );
    }
    let e = p(&["-c", "x", "http://h/"]).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (22, "ab: Invalid Concurrency [Range 0..20000]")
    );
    let e = p(&["http://h/", "-n", "3"]).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (22, "ab: wrong number of arguments")
    );
    assert_eq!(p(&[]).unwrap_err().code, 22);
    let e = p(&["-i", "-p", "f", "http://h/"]).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (1, "Cannot mix POST with other methods\n")
    );
    let e = p(&["-m", "PUT", "-i", "http://h/"]).unwrap_err();
    assert_eq!(e.message, "Cannot mix HEAD with other methods\n");
    assert_eq!(p(&["-V"]).unwrap(), Parsed::Version);
    assert_eq!(p(&["-k", "-h"]).unwrap(), Parsed::Help);
}

#[test]
fn options_not_honoured_are_refused_by_name() {
    for (opt, word) in [
        ("-w", "HTML"),
        ("-X", "proxy"),
        ("-g", "gnuplot"),
        ("-b", "window"),
        ("-E", "certificate"),
        ("-I", "SNI"),
        ("-P", "proxy authentication"),
    ] {
        let mut v = vec![opt];
        if takes_arg(opt.chars().nth(1).unwrap()) == Some(true) {
            v.push("x");
        }
        v.push("http://h/");
        let e = p(&v).unwrap_err();
        assert!(e.message.contains(opt) && e.message.contains(word), "{e:?}");
        assert!(e.message.contains("not supported"), "{e:?}");
    }
    let e = p(&["-v", "2", "http://h/"]).unwrap_err();
    assert!(e.message.contains("-v 2"), "{e:?}");
    let e = p(&["-f", "TLS1.1", "http://h/"]).unwrap_err();
    assert!(e.message.contains("TLS 1.2 and 1.3 only"), "{e:?}");
    assert_eq!(
        run(&["-f", "tls1.3", "https://h/"]).tls_versions,
        TlsVersions::Tls13
    );
}

#[test]
fn tfw_json_is_taken_anywhere_before_the_url() {
    let a = run(&["--tfw-json", "/tmp/x.json", "-n", "2", "http://h/"]);
    assert_eq!(a.tfw_json, Some(PathBuf::from("/tmp/x.json")));
    let a = run(&["-n", "2", "--tfw-json=/tmp/y.json", "http://h/"]);
    assert_eq!(a.tfw_json, Some(PathBuf::from("/tmp/y.json")));
}
