//! The perfstat parser on recorded Tempesta output (testdata/perfstat/README.md says where
//! each file comes from).

use std::path::Path;
use tfw_testbed::perfstat;

fn sample(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/perfstat")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn readme_2017_sample_is_fully_typed() {
    let p = perfstat::parse(&sample("readme-53bd41cc.txt"));
    assert!(p.unknown.is_empty(), "{:?}", p.unknown);
    assert_eq!(p.get("ss_pfl_hits"), Some(5836412));
    assert_eq!(p.get("client_messages_received"), Some(2918206));
    assert_eq!(p.get("client_connections_active"), Some(0));
    assert_eq!(p.get("server_connections_schedulable"), Some(32));
    assert_eq!(p.get("server_rx_bytes"), Some(11494813434));
    assert_eq!(p.values.len(), 25);
    assert_eq!(p.response_time, perfstat::ResponseTime::default());
}

#[test]
fn issue_2250_sample_is_fully_typed() {
    let p = perfstat::parse(&sample("issue-2250.txt"));
    assert!(p.unknown.is_empty(), "{:?}", p.unknown);
    assert_eq!(p.response_time.max_ms, Some(0));
    let iths: Vec<u32> = p.percentiles.iter().map(|p| p.ith).collect();
    assert_eq!(iths, [50, 75, 90, 95, 99]);
    assert_eq!(p.ss_work_queue_sizes, Some(vec![0; 6]));
    assert_eq!(p.ss_backlog_sizes, Some(vec![0; 6]));
    assert_eq!(p.get("cache_misses"), Some(1));
    assert_eq!(p.get("server_connection_attempts"), Some(128));
    assert_eq!(p.get("server_tls_handshakes_ok"), Some(1));
    assert_eq!(p.get("server_tls_handshakes_failed"), Some(1));
    let c = p.counters();
    let e = |n: &str| {
        c.entries
            .iter()
            .find(|e| e.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert!(!e("response_time_p95_ms").counter);
    assert!(!e("ss_backlog_size_cpu5").counter);
    assert!(!e("server_connections_active").counter);
    assert!(e("client_rx_bytes").counter);
    assert_eq!(e("client_rx_bytes").value, 29);
}

#[test]
fn current_format_is_fully_typed() {
    let p = perfstat::parse(&sample("procfs-d6519380-format.txt"));
    assert!(p.unknown.is_empty(), "{:?}", p.unknown);
    // Every scalar line of the current format is one of the known ones, none twice.
    assert_eq!(
        p.values.len(),
        perfstat::KNOWN.len() - 2,
        "all but the old SS pfl lines"
    );
    assert_eq!(p.response_time.avg_ms, Some(4));
    assert_eq!(p.get("client_window_update_frames_exceeded"), Some(0));
    assert_eq!(p.get("cache_bytes"), Some(61440));
    assert_eq!(p.health, vec![(200, 150), (502, 0)]);
}

#[test]
fn unexpected_lines_are_kept() {
    let p = perfstat::parse(&sample("unexpected.txt"));
    assert_eq!(
        p.unknown,
        vec![
            "Cache evictions\t\t\t\t: 12",
            "Client RX bytes\t\t\t\t: 29 bytes",
            "\tHTTP '5xx' code\t: 0",
            "--- truncated ---",
        ]
    );
    assert_eq!(p.get("client_rx_bytes"), None, "a bad value is no zero");
    assert_eq!(p.get("cache_hits"), Some(0));
    assert_eq!(p.health, vec![(200, 1)]);
    assert_eq!(p.counters().unknown.len(), 4);
}
