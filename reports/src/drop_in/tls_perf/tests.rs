//! tls-perf's layout pinned: the words and spacing of main.cc's output (commit
//! 4cf96f4d1800837ae077a3bc3df4a901bc2ff405), the numbers as C++ streams print them.

use super::*;

#[test]
fn doubles_print_as_cpp_streams_do() {
    assert_eq!(g6(1.5), "1.5");
    assert_eq!(g6(0.523), "0.523");
    assert_eq!(g6(12.0), "12");
    assert_eq!(g6(1234.5678), "1234.57");
    assert_eq!(g6(0.0), "0");
    assert_eq!(g6(2.0 / 3.0), "0.666667");
    assert_eq!(g6(1234567.0), "1.23457e+06");
}

#[test]
fn the_settings_block() {
    let s = Settings {
        host: "127.0.0.1",
        port: 443,
        version: "1.2",
        cipher: "ECDHE-ECDSA-AES128-GCM-SHA256",
        tickets: "off",
        duration_s: 10,
    };
    assert_eq!(
        settings(&s),
        "Running TLS benchmark with following settings:\n\
         Host:        127.0.0.1 : 443\n\
         TLS version: 1.2\n\
         Cipher:      ECDHE-ECDSA-AES128-GCM-SHA256\n\
         TLS tickets: off\n\
         Duration:    10\n\n"
    );
}

#[test]
fn the_final_block() {
    let f = Figures {
        seconds: 10,
        handshakes: 12345,
        rate: [1300, 1234, 1100, 1000],
        latency_ms: [0.523, 3.25, 5.5, 20.0],
    };
    assert_eq!(
        summary(&f),
        "========================================\n \
         TOTAL:           SECONDS 10; HANDSHAKES 12345\n \
         HANDSHAKES/sec:  MAX 1300; AVG 1234; 95P 1100; MIN 1000\n \
         LATENCY (ms):    MIN 0.523; AVG 3.25; 95P 5.5; MAX 20\n"
    );
}

#[test]
fn the_interval_line() {
    let mut snapshot = tfw_engine::stats::handshake::HsSnapshot::empty();
    snapshot.handshakes = 1500;
    snapshot.in_progress = 8;
    let iv = HsInterval { t_s: 3.0, snapshot };
    assert_eq!(
        interval_line(&iv, 1.0, 2),
        "TLS hs in progress 8 [1500 h/s], TCP open conns 8 [0 hs in progress], Errors 2\n"
    );
}
