//! HTTP/1.1 response parser throughput: the client's hot path, with and without head cache
//! hits.
//!
//! `cargo bench -p tfw-engine --bench h1_response`
//!
//! Feeds 2,000,000 nginx responses (100 back to back per round) to one `ResponseParser` and
//! prints the time per response for four cases: as a connection receives them into 4 KiB
//! buffers (most heads whole, one split per feed); one response per feed; the `Date`
//! changing at every response; every head different (no cache hit). Without `--bench` (as
//! `cargo test --benches` runs it) each case runs a few rounds only, as a smoke check.
//! Figures, not verdicts: nothing here fails on a slow machine.

use std::hint::black_box;
use std::time::Instant;
use tfw_engine::proto::h1::{ResponseDone, ResponseParser, ResponseSink};

const NGINX_OK: &[u8] = include_bytes!("../testdata/h1/resp_nginx_ok.http");

/// Counts responses and body bytes; no response answers a HEAD request.
struct Count(u64, u64);

impl ResponseSink for Count {
    fn next_is_head(&mut self) -> bool {
        false
    }

    fn response(&mut self, done: ResponseDone) -> bool {
        self.0 += 1;
        self.1 += done.body_len;
        true
    }
}

/// Parses `rounds` times the responses of `wire`, fed `feed` bytes at a time (`None`: one
/// response per feed); returns ns per response.
fn bench(wire: &[Vec<u8>], feed: Option<usize>, rounds: usize) -> f64 {
    let all = wire.concat();
    let mut p = ResponseParser::new();
    let mut count = Count(0, 0);
    let start = Instant::now();
    for _ in 0..rounds {
        match feed {
            Some(size) => {
                for chunk in all.chunks(size) {
                    p.feed(black_box(chunk), &mut count).unwrap();
                }
            }
            None => {
                for one in wire {
                    p.feed(black_box(one), &mut count).unwrap();
                }
            }
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(
        count.0,
        (rounds * wire.len()) as u64,
        "every response parsed"
    );
    assert!(p.is_idle());
    elapsed.as_nanos() as f64 / count.0 as f64
}

fn main() {
    let rounds = if std::env::args().any(|a| a == "--bench") {
        20_000
    } else {
        10
    };
    let same = vec![NGINX_OK.to_vec(); 100];
    let per = bench(&same, Some(4096), rounds);
    println!(
        "{per:.1} ns per response ({} byte responses, 4 KiB feeds)",
        NGINX_OK.len()
    );
    let per = bench(&same, None, rounds);
    println!("{per:.1} ns per response, one response per feed");

    let text = String::from_utf8(NGINX_OK.to_vec()).unwrap();
    let dates: Vec<Vec<u8>> = (0..100)
        .map(|i| {
            let date = format!("10:{:02}:{:02}", i / 60, i % 60);
            text.replace("10:00:00", &date).into_bytes()
        })
        .collect();
    let per = bench(&dates, Some(4096), rounds);
    println!("{per:.1} ns per response, a new Date at every response");

    let distinct: Vec<Vec<u8>> = (0..100)
        .map(|i| {
            let body = ["ok", "ko"][i % 2];
            let etag = format!("ETag: \"{i:08x}\"\r\nContent-Length");
            text.replace("Content-Length", &etag)
                .replace("ok", body)
                .into_bytes()
        })
        .collect();
    let per = bench(&distinct, Some(4096), rounds);
    println!("{per:.1} ns per response, every head different (ETag)");
}
