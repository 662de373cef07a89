//! `--hdr-log`: the interval log reads back with the hdrhistogram crate's log reader, and
//! its intervals add up to the run's responses in the JSON.

mod common;

use common::*;
use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::Histogram;

#[test]
fn interval_log_reads_back_and_matches_the_json() {
    let json = tmp_json("hdrlog");
    let log = json.with_extension("hlog");
    let out = run(&[
        "stress",
        "-d",
        "2500ms",
        "-c",
        "20",
        "-q",
        "--json",
        json.to_str().unwrap(),
        "--hdr-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let v = read_json(&json);
    let text = std::fs::read(&log).unwrap();
    let mut de = Deserializer::new();
    let mut total: Option<Histogram<u64>> = None;
    let mut intervals = 0;
    let mut start_time = false;
    for entry in IntervalLogIterator::new(&text) {
        match entry.expect("a well-formed log entry") {
            LogEntry::StartTime(_) => start_time = true,
            LogEntry::BaseTime(_) => {}
            LogEntry::Interval(iv) => {
                let bytes = base64_decode(iv.encoded_histogram());
                let h: Histogram<u64> = de.deserialize(&mut &bytes[..]).expect("a histogram");
                intervals += 1;
                match &mut total {
                    Some(t) => t.add(&h).unwrap(),
                    None => total = Some(h),
                }
            }
        }
    }
    assert!(start_time, "the log carries its start time");
    let json_intervals = v["intervals"].as_array().unwrap().len();
    assert_eq!(intervals, json_intervals, "one histogram per JSON interval");
    let total = total.expect("at least one interval");
    assert_eq!(
        total.len(),
        count(&v, &["responses"]),
        "one sample per response"
    );
    let max_us = v["latency_us"]["max"].as_f64().unwrap();
    assert!(
        total.equivalent(total.max(), max_us as u64),
        "max {} vs {max_us}",
        total.max()
    );
}

/// Standard base64 (the log's encoding), without a crate for one test.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c) << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    out
}
