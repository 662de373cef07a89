//! h2load's command line: its value syntax, its error words, and the refusals by name.

use super::*;

fn p(a: &[&str]) -> Result<Parsed, String> {
    parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn run(a: &[&str]) -> Args {
    match p(a).unwrap() {
        Parsed::Run(a) => *a,
        other => panic!("{other:?}"),
    }
}

#[test]
fn tempesta_tests_long_forms() {
    let a = run(&[
        "https://127.0.0.1/",
        "--clients",
        "4",
        "--threads",
        "2",
        "--max-concurrent-streams",
        "10",
        "--duration",
        "3",
        "--data=/tmp/x",
        "-H",
        ":method:PUT",
        "--header",
        ":authority: app.com",
    ]);
    assert_eq!((a.clients, a.threads, a.streams), (4, 2, 10));
    assert_eq!(a.duration, Some(Duration::from_secs(3)));
    assert_eq!(a.data, Some(PathBuf::from("/tmp/x")));
    assert_eq!(
        a.headers,
        vec![
            (":method".into(), "PUT".into()),
            (":authority".into(), "app.com".into())
        ]
    );
    assert_eq!(a.uris, vec!["https://127.0.0.1/".to_string()]);
}

#[test]
fn values_as_h2load_reads_them() {
    assert_eq!(duration("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(duration("2m"), Some(Duration::from_secs(120)));
    assert_eq!(duration("1h"), Some(Duration::from_secs(3600)));
    assert_eq!(duration("7"), Some(Duration::from_secs(7)));
    assert_eq!(duration("1.5s"), None);
    assert_eq!(uint_with_unit("4K"), Some(4096));
    assert_eq!(uint_with_unit("16k"), Some(16384));
    let a = run(&[
        "-n100",
        "-c",
        "10",
        "-m2",
        "-w",
        "16",
        "-W20",
        "--h1",
        "http://x/",
    ]);
    assert_eq!((a.requests, a.clients, a.streams), (Some(100), 10, 2));
    assert_eq!((a.window_bits, a.conn_window_bits), (16, 20));
    assert_eq!(a.clear, Clear::Http11);
    assert_eq!(a.alpn, Some(vec!["http/1.1".to_string()]));
}

#[test]
fn errors_in_h2loads_words() {
    assert_eq!(p(&["-n", "x"]).unwrap_err(), "-n: bad option value: x");
    assert_eq!(
        p(&["-w", "31"]).unwrap_err(),
        "-w: specify the integer in the range [0, 30], inclusive"
    );
    assert_eq!(p(&["-D", "1.5"]).unwrap_err(), "-D: value error 1.5");
    assert_eq!(
        p(&["-H", "novalue:"]).unwrap_err(),
        "-H: invalid header - value missing: novalue:"
    );
    assert_eq!(
        p(&["-H", "nocolon"]).unwrap_err(),
        "-H: invalid header: nocolon"
    );
    assert_eq!(
        p(&["-p", "spdy"]).unwrap_err(),
        "-p: unsupported protocol spdy"
    );
    assert_eq!(
        p(&["--bogus"]).unwrap_err(),
        "h2load: unrecognized option '--bogus'"
    );
}

#[test]
fn what_cannot_be_honoured_is_refused_by_name() {
    for (args, name) in [
        (&["-r", "2"][..], "--rate"),
        (&["--rate-period", "1s"][..], "--rate-period"),
        (&["-T", "1"][..], "-T"),
        (&["-v"][..], "-v"),
        (&["--log-file", "/tmp/l"][..], "--log-file"),
        (&["--timing-script-file", "f"][..], "--timing-script-file"),
        (&["--rps", "1"][..], "--rps"),
        (&["-f", "32K"][..], "--max-frame-size"),
        (&["--header-table-size", "8K"][..], "--header-table-size"),
        (&["-B", "unix:/tmp/s"][..], "--base-uri"),
        (&["--ktls"][..], "--ktls"),
    ] {
        let e = p(args).unwrap_err();
        assert!(
            e.starts_with(name) && e.contains("not supported"),
            "{args:?}: {e}"
        );
    }
    // The defaults are what tfw-bench does: accepted.
    run(&["-f", "16K", "--header-table-size", "4K", "http://x/"]);
}

#[test]
fn help_and_version() {
    assert!(matches!(p(&["-h"]).unwrap(), Parsed::Help));
    assert!(matches!(p(&["--version"]).unwrap(), Parsed::Version));
}
