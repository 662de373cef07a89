//! HPACK decoding speed on the header block nginx sends with every HTTP/2 response: the
//! client's `:status`-only path against the full decode.
//!
//! `cargo bench -p tfw-engine --bench hpack`
//!
//! Decodes the block 1,000,000 times with one `HeaderDecoder` (its dynamic table fills and
//! evicts as on a long connection) via `status()` and via `decode()`, and prints CPU and
//! wall time per block: CPU time from /proc/thread-self/schedstat, since on a shared machine
//! wall time also counts other processes' turns. Without `--bench` (as `cargo test
//! --benches` runs it) a few rounds only, as a smoke check. Figures, not verdicts.

use std::time::Instant;
use tfw_engine::proto::h2::HeaderDecoder;

/// nginx's response header block (`:status: 200`, server, date, content-type,
/// content-length; four fields added to the dynamic table), as in the hpack tests.
const NGINX_BLOCK: &str = "88 76 84aa6355e7 61 96d07abe94640a693f75040138a019b8005c1094c5a37f
                           5f 87497ca58ae819aa 5c 0132";

/// Name and value bytes of the block's fields.
const NGINX_FIELD_BYTES: usize = 7 + 3 + 6 + 5 + 4 + 29 + 12 + 10 + 14 + 1;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// This thread's time on a CPU so far (ns).
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    stat.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Runs `f` `rounds` times and prints the CPU and wall time per round.
fn time_per_round(what: &str, rounds: u32, mut f: impl FnMut()) {
    let (wall, cpu) = (Instant::now(), thread_cpu_ns());
    for _ in 0..rounds {
        f();
    }
    let (wall, cpu) = (wall.elapsed(), thread_cpu_ns() - cpu);
    println!(
        "{what}: {} ns CPU, {} ns wall per block ({rounds} blocks)",
        cpu / u64::from(rounds),
        wall.as_nanos() / u128::from(rounds)
    );
}

fn main() {
    let rounds: u32 = if std::env::args().any(|a| a == "--bench") {
        1_000_000
    } else {
        100
    };
    let block = hex(NGINX_BLOCK);
    let mut d = HeaderDecoder::default();
    time_per_round("nginx block via status()", rounds, || {
        assert_eq!(d.status(&block), Ok(Some(200)));
    });
    let mut d = HeaderDecoder::default();
    let mut bytes = 0;
    time_per_round("nginx block via decode()", rounds, || {
        d.decode(&block, |n, v| bytes += n.len() + v.len()).unwrap();
    });
    assert_eq!(
        bytes,
        rounds as usize * NGINX_FIELD_BYTES,
        "every field decoded"
    );
}
