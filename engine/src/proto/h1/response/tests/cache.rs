//! The head cache: hits only when a head repeats but for its Date value, and results equal
//! an uncached parser's. (The parser's throughput figures: `engine/benches/h1_response.rs`.)

use super::*;

#[test]
fn head_cache_over_every_testdata_file() {
    let files: [(&[u8], &[bool], bool); 17] = [
        (testdata!("resp_100_continue.http"), &[], true),
        (testdata!("resp_204.http"), &[], true),
        (testdata!("resp_304.http"), &[], true),
        (testdata!("resp_bad_chunk_size.http"), &[], true),
        (testdata!("resp_bad_cl_conflict.http"), &[], false),
        (testdata!("resp_bad_cl_garbage.http"), &[], false),
        (testdata!("resp_bad_cl_negative.http"), &[], false),
        (testdata!("resp_bad_status_line.http"), &[], false),
        (testdata!("resp_chunked_ext_trailers.http"), &[], true),
        (testdata!("resp_head_content_length.http"), &[true], true),
        (testdata!("resp_head_content_length.http"), &[false], true),
        (testdata!("resp_http10_close.http"), &[], true),
        (testdata!("resp_nginx_ok.http"), &[], true),
        (testdata!("resp_nginx_date_changes.http"), &[], true),
        // No two consecutive heads are the same.
        (testdata!("resp_pipelined_10.http"), &[], false),
        (testdata!("resp_truncated_body.http"), &[], true),
        (testdata!("resp_until_close.http"), &[], true),
    ];
    for (wire, heads, cacheable) in files {
        let name = String::from_utf8_lossy(&wire[..wire.len().min(40)]).into_owned();
        let want = run_on(&mut uncached(), [wire], heads);
        let mut p = ResponseParser::new();
        assert_eq!(run_on(&mut p, [wire], heads), want, "cold: {name}");
        let cold = hits(&mut p);
        assert_eq!(run_on(&mut p, [wire], heads), want, "warm: {name}");
        assert_eq!(hits(&mut p) > cold, cacheable, "hits: {name}");
        // The same with a fresh parser per response, where the file has several.
        assert_eq!(check_splits(wire, heads), want, "{name}");
    }
    // Consecutive nginx heads that differ only in their Date: all but the first hit.
    let wire = testdata!("resp_nginx_date_changes.http");
    let mut p = ResponseParser::new();
    let got = run_on(&mut p, [wire], &[]);
    assert_eq!(got, ok(vec![done(200, false, 2); 5]));
    assert_eq!(hits(&mut p), 4);
}

/// The nginx head of `resp_nginx_ok.http` with a 10-byte body; `edit` rewrites the head.
fn nginx(edit: impl FnOnce(String) -> String) -> Vec<u8> {
    let head = "HTTP/1.1 200 OK\r\n\
                Server: nginx/1.24.0\r\n\
                Date: Mon, 04 May 2026 10:00:00 GMT\r\n\
                Content-Type: text/plain\r\n\
                Content-Length: 10\r\n\
                Connection: keep-alive\r\n\r\n";
    let mut wire = edit(head.to_string()).into_bytes();
    wire.extend_from_slice(b"0123456789");
    wire
}

/// A `Date` value of IMF-fixdate length (29 bytes), made of `s` padded with `pad`.
fn date29(s: &str, pad: char) -> String {
    let mut v = s.to_string();
    while v.len() < 29 {
        v.push(pad);
    }
    assert_eq!(v.len(), 29, "{s:?}");
    v
}

/// What fresh parsers report for `responses` fed one per parser, up to the first that fails,
/// closes, or ends at eof; `heads[i]` answers the `i`th response's HEAD question. A response
/// that did not end cleanly on its own is fed again with all that follows it (which its body
/// may take in, or fail on).
fn fresh_each(responses: &[&[u8]], heads: &[bool]) -> Outcome {
    let mut all = ok(vec![]);
    for (i, r) in responses.iter().enumerate() {
        let heads = &heads[i.min(heads.len())..];
        let mut o = run([*r], &heads[..heads.len().min(1)]);
        if o.end != Ok(None) && i + 1 < responses.len() {
            o = run([&responses[i..].concat()[..]], heads);
        }
        all.done.extend(&o.done);
        all.asked += o.asked;
        if o.end != Ok(None) || o.done.last().is_some_and(|d| d.close) {
            all.end = o.end;
            break;
        }
    }
    all
}

#[test]
fn head_cache_hits_only_when_just_the_date_changed() {
    let base = nginx(|h| h);
    let same_date = |v: &str| {
        let v = v.to_string();
        nginx(move |h| h.replace("Mon, 04 May 2026 10:00:00 GMT", &v))
    };
    // (what, response after `base`, hits for `base`, it, `base`)
    let variants: Vec<(&str, Vec<u8>, usize)> = vec![
        ("identical", base.clone(), 2),
        ("next second", same_date("Mon, 04 May 2026 10:00:01 GMT"), 2),
        ("next day", same_date("Tue, 05 May 2026 23:59:59 GMT"), 2),
        (
            "not a date",
            same_date(&date29("whatever, it is not read", '~')),
            2,
        ),
        ("all spaces", same_date(&date29("", ' ')), 2),
        (
            "Content-Length 20",
            {
                let mut w = nginx(|h| h.replace("Length: 10", "Length: 20"));
                w.extend_from_slice(b"abcdefghij");
                w
            },
            0,
        ),
        (
            "Content-Length 09",
            {
                let mut w = nginx(|h| h.replace("Length: 10", "Length: 09"));
                w.pop();
                w
            },
            0,
        ),
        ("status 201", nginx(|h| h.replace("200 OK", "201 OK")), 0),
        (
            "status 404",
            nginx(|h| h.replace("200 OK", "404 Not Found")),
            0,
        ),
        (
            "status 304",
            nginx(|h| h.replace("200 OK", "304 OK"))[..base.len() - 10].to_vec(),
            0,
        ),
        ("reason", nginx(|h| h.replace("200 OK", "200 Ok")), 0),
        ("HTTP/1.0 keep-alive", nginx(|h| h.replace("1.1", "1.0")), 0),
        (
            "HTTP/1.0",
            nginx(|h| h.replace("1.1", "1.0").replace("Connection", "Connexion")),
            0,
        ),
        (
            "Connection: close",
            nginx(|h| h.replace("keep-alive", "close")),
            0,
        ),
        (
            "Connection: clos",
            nginx(|h| h.replace("keep-alive", "clos")),
            0,
        ),
        (
            "Connection case",
            nginx(|h| h.replace("keep-alive", "Keep-Alive")),
            0,
        ),
        (
            "header order",
            nginx(|h| {
                h.replace("Server: nginx/1.24.0\r\n", "")
                    .replace("Connection:", "Server: nginx/1.24.0\r\nConnection:")
            }),
            0,
        ),
        (
            "name case",
            nginx(|h| h.replace("Content-Length", "content-length")),
            0,
        ),
        ("Date name case", nginx(|h| h.replace("Date:", "date:")), 0),
        (
            "extra header",
            nginx(|h| h.replace("\r\n\r\n", "\r\nX-Extra: 1\r\n\r\n")),
            0,
        ),
        (
            "no Date",
            nginx(|h| h.replace("Date: Mon, 04 May 2026 10:00:00 GMT\r\n", "")),
            0,
        ),
        ("shorter Date", same_date("Mon, 4 May 2026 10:00:00 GMT"), 0),
        (
            "longer Date",
            same_date("Mon, 04 May 2026 10:00:000 GMT"),
            0,
        ),
        (
            "trailing space",
            same_date("Mon, 04 May 2026 10:00:00 GMT "),
            0,
        ),
        (
            "Date with a tab",
            same_date("Mon, 04 May 2026\t10:00:00 GMT"),
            1, // changed back: a visible Date in place of the cached one
        ),
        (
            "Date with obs-text",
            nginx(|h| {
                h.replace(
                    "Mon, 04 May 2026 10:00:00 GMT",
                    "Mon, 04 May 2026 10:00:0\u{e9}GMT",
                )
            }),
            1,
        ),
        (
            "Date with DEL",
            same_date("Mon, 04 May 2026 10:00:00\x7fGMT"),
            0,
        ),
        (
            "Date hiding a Content-Length",
            same_date(&date29("x\r\nContent-Length: 5\r\nX: ", 'y')),
            0,
        ),
        (
            "Date hiding a close",
            same_date(&date29("x\r\nConnection: close\r\nX: ", 'y')),
            0,
        ),
        (
            "Date hiding chunked",
            same_date(&date29("x\nTransfer-Encoding:  chunked", 'y')),
            0,
        ),
        (
            "Date hiding a coding",
            same_date(&date29("x\nTransfer-Encoding: gzip", 'y')),
            0,
        ),
        (
            "Date ending the head",
            same_date(&date29("x\r\n\r\n", 'y')),
            0,
        ),
    ];
    // What some variants mean on their own (a fresh parser).
    let alone = |what: &str| {
        let (_, v, _) = variants.iter().find(|v| v.0 == what).unwrap();
        run([&v[..]], &[])
    };
    assert_eq!(alone("Content-Length 20"), ok(vec![done(200, false, 20)]));
    assert_eq!(alone("status 304"), ok(vec![done(304, false, 0)]));
    assert_eq!(alone("HTTP/1.0 keep-alive"), ok(vec![done(200, false, 10)]));
    assert_eq!(alone("HTTP/1.0"), ok(vec![done(200, true, 10)]));
    assert_eq!(alone("Date hiding a close"), ok(vec![done(200, true, 10)]));
    assert_eq!(
        alone("Date with DEL").end,
        Err(ParseError::BadHead(httparse::Error::HeaderValue))
    );
    assert_eq!(
        alone("Date hiding a Content-Length").end,
        Err(ParseError::BadContentLength)
    );
    assert_eq!(
        alone("Date hiding a coding").end,
        Ok(Some(done(200, true, 10)))
    );
    for (what, v, expect) in variants {
        // Unchanged, changed, and changed back.
        let responses = [&base[..], &v, &base];
        let wire = responses.concat();
        let want = fresh_each(&responses, &[]);
        assert_eq!(check_splits(&wire, &[]), want, "{what}");
        let mut p = ResponseParser::new();
        assert_eq!(run_on(&mut p, [&wire[..]], &[]), want, "{what}");
        assert_eq!(hits(&mut p), expect, "{what}: {want:?}");
        // The variant first, then the nginx head.
        let responses = [&v[..], &base];
        let want = fresh_each(&responses, &[]);
        assert_eq!(
            check_splits(&responses.concat(), &[]),
            want,
            "{what}, first"
        );
    }
}

#[test]
fn head_cache_leaves_head_requests_to_the_sink() {
    let with_body = nginx(|h| h);
    let head_only = &with_body[..with_body.len() - 10];
    for (responses, heads) in [
        ([head_only, &with_body], [true, false]),
        ([&with_body[..], head_only], [false, true]),
        ([head_only, head_only], [true, true]),
    ] {
        let wire = responses.concat();
        let want = fresh_each(&responses, &heads);
        assert_eq!(want.done.len(), 2);
        assert_eq!(check_splits(&wire, &heads), want);
        let mut p = ResponseParser::new();
        assert_eq!(run_on(&mut p, [&wire[..]], &heads), want);
        assert_eq!(hits(&mut p), 1);
    }
}

#[test]
fn head_cache_skips_interim_and_large_heads() {
    // An interim response is never cached: it would evict the final head after it.
    let final_head = nginx(|h| h);
    let one = [&b"HTTP/1.1 100 Continue\r\n\r\n"[..], &final_head].concat();
    let wire = [&one[..], &one, &one].concat();
    let mut p = ResponseParser::new();
    let got = run_on(&mut p, [&wire[..]], &[]);
    assert_eq!(got, ok(vec![done(200, false, 10); 3]));
    assert_eq!(hits(&mut p), 2);
    assert_eq!(check_splits(&wire, &[]), got);

    // Heads longer than MAX_CACHED_HEAD are parsed every time.
    let long = nginx(|h| {
        h.replace(
            "\r\n\r\n",
            &format!("\r\nX-Pad: {}\r\n\r\n", "p".repeat(512)),
        )
    });
    let wire = [&long[..], &long].concat();
    let mut p = ResponseParser::new();
    let got = run_on(&mut p, [&wire[..]], &[]);
    assert_eq!(got, ok(vec![done(200, false, 10); 2]));
    assert_eq!(hits(&mut p), 0);
    assert_eq!(p.stream.head_cache().capacity(), 0, "nothing cached");
}

#[test]
fn head_cache_rests_while_heads_keep_changing() {
    use crate::proto::h1::head::{CACHE_MISSES, CACHE_REST};
    // 20 heads that each differ from the one before, then 200 of one head.
    let a = nginx(|h| h);
    let b = nginx(|h| h.replace("200 OK", "201 OK"));
    let mut responses: Vec<&[u8]> = (0..20).map(|i| [&a[..], &b][i % 2]).collect();
    responses.extend(std::iter::repeat_n(&a[..], 200));
    let wire = responses.concat();
    let want = run_on(&mut uncached(), [&wire[..]], &[]);
    assert_eq!(want.done.len(), 220);
    let mut p = ResponseParser::new();
    assert_eq!(run_on(&mut p, [&wire[..]], &[]), want);
    // The first head finds the cache empty, the next CACHE_MISSES miss, CACHE_REST pass by
    // (the last of them is cached again), and all the others hit.
    let passed = 1 + usize::from(CACHE_MISSES) + usize::from(CACHE_REST);
    assert_eq!(hits(&mut p), 220 - passed);
    // Fed one response at a time, too.
    let mut p = ResponseParser::new();
    assert_eq!(run_on(&mut p, responses.iter().copied(), &[]), want);
    assert_eq!(hits(&mut p), 220 - passed);
}

#[test]
fn head_cache_keeps_its_buffer() {
    let mut p = ResponseParser::new();
    let mut sink = Collect::default();
    let base = nginx(|h| h);
    assert_eq!(
        p.stream.head_cache().capacity(),
        0,
        "allocated on first use"
    );
    let mut cap = 0;
    for round in 0..3 {
        for status in ["201 OK", "404 Not Found", "200 OK"] {
            let wire = nginx(|h| h.replace("200 OK", status));
            for _ in 0..3 {
                p.feed(&wire, &mut sink).unwrap();
            }
        }
        p.reset();
        p.feed(&base, &mut sink).unwrap();
        if round == 0 {
            cap = p.stream.head_cache().capacity();
            assert!(cap >= base.len() - 10);
        }
        assert_eq!(p.stream.head_cache().capacity(), cap, "reused");
    }
    assert_eq!(sink.done.len(), 30);
    assert_eq!(hits(&mut p), 3 * 7);
}
