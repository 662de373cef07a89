//! The built-in target's stall: it stops answering for a while and answers what arrived
//! meanwhile when the stall ends. A request that arrives during the stall cannot be answered
//! before the stall is over, so the slowest response took most of the stall: logic, not timing.

mod common;

use common::*;
use std::time::Duration;
use tfw_engine::plan::IoMode;

#[test]
fn stalled_target_answers_after_the_stall() {
    for io in [IoMode::Auto, IoMode::Epoll] {
        let mut sp = serve_plan(io, b"ok");
        let stall = Duration::from_millis(800);
        sp.stall = Some((Duration::from_millis(300), stall));
        let server = tfw_engine::start_server(&sp).expect("server");
        let plan = load_plan(server.addr, 4, Duration::from_millis(1500), io);
        let r = run_bounded(&plan).expect("run");
        let served = server.stop();
        assert_eq!(
            r.totals.counters.total_errors(),
            0,
            "{io:?}: {}",
            errors(&r)
        );
        assert_eq!(r.totals.counters.responses, served.requests, "{io:?}");
        // Each connection had a request waiting when the stall began (the client keeps one
        // in flight), and none of them could be answered until the stall's end.
        let max_us = r.totals.latency.max();
        assert!(
            max_us >= stall.as_micros() as u64 / 2,
            "{io:?}: slowest response {max_us} µs, stall {stall:?}"
        );
    }
}
