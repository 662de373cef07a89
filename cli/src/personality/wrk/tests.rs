//! The plan a wrk command line becomes, and the wording of the failures.

use super::*;

fn opts(line: &str) -> WrkOpts {
    let args: Vec<&str> = line.split_whitespace().collect();
    opts_of(&args)
}

fn opts_of(args: &[&str]) -> WrkOpts {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    opts::parse(&args).result.expect("accepted")
}

fn addr() -> SocketAddr {
    "127.0.0.1:8080".parse().unwrap()
}

#[test]
fn the_plan_of_a_command_line() {
    let o = opts_of(&[
        "-t",
        "3",
        "-c",
        "10",
        "-d",
        "2",
        "--timeout",
        "5",
        "-H",
        "User-Agent: x",
        "http://127.0.0.1:8080/a",
    ]);
    let (headers, _) = request::headers(&o.headers);
    let p = plan(&o, addr(), &headers, None).unwrap();
    let allowed = cpu::allowed_cpus();
    let want: Vec<usize> = (0..3).map(|i| allowed[i % allowed.len()]).collect();
    assert_eq!(p.cpus, want);
    // wrk's -c / -t per thread.
    assert_eq!(p.conns, 9);
    assert_eq!(p.pipeline, 1);
    assert_eq!(p.interval, Duration::from_millis(100));
    assert_eq!(p.timeout, Duration::from_secs(5));
    assert_eq!(p.stop.duration, Duration::from_secs(2));
    assert!(p.tls.is_none() && p.script.is_none());
    assert_eq!(p.target_name, "http://127.0.0.1:8080/a");
    assert_eq!(p.requests.entries.len(), 1);
    assert_eq!(
        &p.requests.entries[0].template.wire[..],
        b"GET /a HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: x\r\n\r\n"
    );
}

#[test]
fn https_gets_tls_without_verification_or_alpn() {
    let o = opts("https://localhost:8443/");
    let p = plan(&o, addr(), &[], None).unwrap();
    let tls = p.tls.expect("TLS settings");
    assert!(tls.roots.is_none() && tls.alpn.is_empty());
    assert_eq!(tls.server_name, "localhost");
}

#[test]
fn what_cannot_be_honoured_is_named() {
    let cases = [
        ("ftp://127.0.0.1/", "ftp://"),
        ("--timeout 0 http://h/", "--timeout 0"),
        ("-d 99999999 http://h/", "-d 99999999s"),
        ("-c 5G -t 1 http://h/", "-c 5000000000"),
    ];
    for (line, want) in cases {
        let e = refusals(&opts(line)).expect_err(line).to_string();
        assert!(e.starts_with("tfw-bench wrk: ") && e.contains(want), "{e}");
    }
    assert!(refusals(&opts("-d 1h --timeout 1m http://h/")).is_ok());
}

#[test]
fn c_messages_lose_rusts_suffix() {
    let e = std::io::Error::from_raw_os_error(libc::ECONNREFUSED);
    assert_eq!(c_message(&e), "Connection refused");
}
