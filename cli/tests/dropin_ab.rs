//! `tfw-bench ab` next to the real ab (/usr/bin/ab) against the same nginx: the lines a script
//! reads (Complete requests, Failed requests, Non-2xx responses, Requests per second, Time per
//! request, Transfer rate, the percentage table) are there in both outputs, in the same shape,
//! with the same kind of figures; the request count reaches nginx exactly; the request bytes
//! are ab's. No timing thresholds: only counts and shapes are compared.

mod common;
mod dropin_ab_support;

use common::nginx::Nginx;
use dropin_ab_support::{figures, our_ab, real_ab, Recorder, PERCENTS};

/// Runs the real ab and `tfw-bench ab` with `args` + the URL, one after the other; returns
/// both outputs and how many requests nginx counted for each (tfw-bench's includes its one
/// probe request).
fn both(ng: &Nginx, args: &[&str], path: &str) -> [(common::Out, u64); 2] {
    let url = format!("http://127.0.0.1:{}{path}", ng.http);
    let mut all: Vec<&str> = args.to_vec();
    all.push(&url);
    let count = |f: &dyn Fn() -> common::Out| {
        let before = ng.requests();
        let out = f();
        // The stub_status request of `requests()` counts itself.
        (out, ng.requests() - before - 1)
    };
    [count(&|| real_ab(&all)), count(&|| our_ab(&all))]
}

#[test]
fn the_script_lines_read_the_same_from_ab_and_tfw_bench_with_and_without_keep_alive() {
    let ng = Nginx::start("ab-lines");
    for keepalive in [false, true] {
        let mut args = vec!["-n", "300", "-c", "4"];
        if keepalive {
            args.push("-k");
        }
        let [(real, real_n), (ours, our_n)] = both(&ng, &args, "/");
        for (who, out) in [("ab", &real), ("tfw-bench ab", &ours)] {
            assert_eq!(out.code(), Some(0), "{who}\n{}", out.show());
            let f = figures(out);
            assert_eq!(f.complete, 300, "{who}\n{}", out.show());
            assert_eq!(f.failed, 0, "{who}\n{}", out.show());
            assert_eq!(f.non2xx, None, "{who}\n{}", out.show());
            assert!(
                f.rps > 0.0 && f.transfer_rate > 0.0,
                "{who}\n{}",
                out.show()
            );
            assert!(
                f.time_per_request[0] >= f.time_per_request[1],
                "{who}: {f:?}"
            );
            let pcts: Vec<u32> = f.percentiles.iter().map(|p| p.0).collect();
            assert_eq!(pcts, PERCENTS, "{who}\n{}", out.show());
            assert!(
                f.percentiles.windows(2).all(|w| w[0].1 <= w[1].1),
                "{who}: {f:?}"
            );
            // With -k nginx keeps HTTP/1.0 connections open: every response is kept alive.
            if keepalive {
                assert!(f.keepalive.is_some_and(|k| k > 0), "{who}\n{}", out.show());
            } else {
                assert_eq!(f.keepalive, None, "{who}\n{}", out.show());
            }
        }
        let (fr, fo) = (figures(&real), figures(&ours));
        assert_eq!(fo.doc_len, fr.doc_len);
        assert_eq!(fo.server, fr.server);
        assert!(fr.server.starts_with("nginx"), "{fr:?}");
        assert_eq!(real_n, 300, "nginx's count for the real ab");
        assert_eq!(
            our_n, 301,
            "nginx's count for tfw-bench ab: -n and the probe"
        );
        // The banner and the lines around the run, as ab prints them.
        for out in [&real, &ours] {
            assert!(out.stdout.starts_with(
                "This is ApacheBench, Version 2.3 <$Revision$>\nCopyright 1996 Adam Twiss"
            ));
            assert!(out.stdout.contains("Benchmarking 127.0.0.1 (be patient)\n"));
            assert!(out.stderr.contains("Completed 100 requests\nCompleted 200 requests\nCompleted 300 requests\nFinished 300 requests\n"), "{}", out.show());
        }
    }
}

#[test]
fn a_missing_page_counts_as_non_2xx_in_both() {
    let ng = Nginx::start("ab-404");
    let [(real, _), (ours, our_n)] = both(&ng, &["-n", "50", "-c", "5", "-q"], "/missing");
    for (who, out) in [("ab", &real), ("tfw-bench ab", &ours)] {
        assert_eq!(out.code(), Some(0), "{who}\n{}", out.show());
        let f = figures(out);
        assert_eq!(
            (f.complete, f.failed, f.non2xx),
            (50, 0, Some(50)),
            "{who}\n{}",
            out.show()
        );
        // 50 requests: no progress lines; "..done" ends the Benchmarking line.
        assert!(
            out.stdout.contains("(be patient).....done\n"),
            "{who}\n{}",
            out.show()
        );
    }
    assert_eq!(our_n, 51);
    assert_eq!(figures(&ours).doc_len, figures(&real).doc_len);
}

#[test]
fn head_requests_have_no_document_in_both() {
    let ng = Nginx::start("ab-head");
    let [(real, _), (ours, _)] = both(&ng, &["-i", "-n", "40", "-c", "2"], "/1k.bin");
    for (who, out) in [("ab", &real), ("tfw-bench ab", &ours)] {
        assert_eq!(out.code(), Some(0), "{who}\n{}", out.show());
        let f = figures(out);
        assert_eq!((f.complete, f.failed), (40, 0), "{who}\n{}", out.show());
        assert_eq!(f.doc_len, "0 bytes", "{who}\n{}", out.show());
        assert_eq!(
            dropin_ab_support::field(&out.stdout, "HTML transferred:"),
            Some("0 bytes")
        );
    }
}

#[test]
fn a_static_file_transfers_the_same_document_bytes() {
    let ng = Nginx::start("ab-file");
    let [(real, _), (ours, _)] = both(&ng, &["-n", "20", "-c", "2", "-k"], "/64k.bin");
    for out in [&real, &ours] {
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(figures(out).doc_len, "65536 bytes", "{}", out.show());
        assert_eq!(
            dropin_ab_support::field(&out.stdout, "HTML transferred:"),
            Some("1310720 bytes"),
            "{}",
            out.show()
        );
    }
    // Same responses, same headers: the totals received are equal.
    assert_eq!(
        dropin_ab_support::field(&ours.stdout, "Total transferred:"),
        dropin_ab_support::field(&real.stdout, "Total transferred:")
    );
}

/// The requests of ab and of `tfw-bench ab` with the same options are the same bytes.
#[test]
fn requests_on_the_wire_are_abs() {
    let rec = Recorder::start();
    let body = common::tmp_file("ab-post", b"name=value&x=1");
    let body = body.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec!["-k"],
        vec!["-i"],
        vec!["-p", body, "-T", "application/x-www-form-urlencoded"],
        vec!["-u", body],
        vec!["-m", "DELETE", "-C", "sid=42", "-A", "user:secret"],
        vec![
            "-H",
            "Accept-Encoding: gzip",
            "-H",
            "Host: example.test",
            "-H",
            "User-Agent: me",
        ],
    ];
    for case in cases {
        let mut args = vec!["-n", "2", "-c", "1"];
        args.extend_from_slice(&case);
        let url = rec.url("/p?q=1");
        args.push(&url);
        let real = real_ab(&args);
        assert_eq!(real.code(), Some(0), "{case:?}\n{}", real.show());
        let want = rec.take();
        let ours = our_ab(&args);
        assert_eq!(ours.code(), Some(0), "{case:?}\n{}", ours.show());
        let got = rec.take();
        assert_eq!(want.len(), 2, "{case:?}");
        // Two requests and the probe, all the same bytes as ab's.
        assert_eq!(got.len(), 3, "{case:?}");
        for g in &got {
            assert_eq!(
                String::from_utf8_lossy(g),
                String::from_utf8_lossy(&want[0]),
                "{case:?}"
            );
        }
        if case.first() == Some(&"-p") {
            assert!(want[0].ends_with(b"\r\n\r\nname=value&x=1"));
            let f = figures(&ours);
            assert_eq!(f.complete, 2);
            assert!(ours.stdout.contains("Total body sent:"), "{}", ours.show());
            assert!(ours.stdout.contains(" kb/s sent\n"), "{}", ours.show());
        }
    }
}

/// https://: both connect over TLS, count the same, and show the TLS lines ab prints (no SNI
/// to an address, so no "TLS Server Name" line in either).
#[test]
fn https_runs_show_the_tls_lines_in_both() {
    let ng = Nginx::start("ab-tls");
    let url = format!("https://127.0.0.1:{}/", ng.tls);
    for extra in [vec![], vec!["-f", "TLS1.2"], vec!["-k"]] {
        let mut args = vec!["-n", "30", "-c", "3"];
        args.extend_from_slice(&extra);
        args.push(&url);
        let real = real_ab(&args);
        let ours = our_ab(&args);
        for (who, out) in [("ab", &real), ("tfw-bench ab", &ours)] {
            assert_eq!(out.code(), Some(0), "{who} {extra:?}\n{}", out.show());
            let f = figures(out);
            assert_eq!((f.complete, f.failed), (30, 0), "{who}\n{}", out.show());
            let proto = dropin_ab_support::field(&out.stdout, "SSL/TLS Protocol:")
                .unwrap_or_else(|| panic!("{who}\n{}", out.show()));
            assert!(proto.starts_with("TLSv1."), "{who}: {proto}");
            if extra.first() == Some(&"-f") {
                assert!(proto.starts_with("TLSv1.2,"), "{who}: {proto}");
            }
            assert!(
                dropin_ab_support::field(&out.stdout, "Server Temp Key:").is_some(),
                "{who}\n{}",
                out.show()
            );
            assert_eq!(
                dropin_ab_support::field(&out.stdout, "TLS Server Name:"),
                None,
                "{who}"
            );
            assert_eq!(
                dropin_ab_support::field(&out.stdout, "Server Port:"),
                Some(ng.tls.to_string().as_str())
            );
        }
        assert_eq!(figures(&ours).doc_len, figures(&real).doc_len);
        assert_eq!(figures(&ours).server, figures(&real).server);
    }
}
