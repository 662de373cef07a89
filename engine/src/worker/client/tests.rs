//! The pacing and the stop condition on their own: they are plain state machines, so their
//! answers at each point of a run are checked here without sockets (the loop with them is
//! tested end to end in `engine/tests` and the binary's load tests).

use super::pacing::Pacing;
use super::stop::Stop;
use crate::plan::{
    IoMode, LoadPlan, MixEntry, MixOrder, Pacing as PlanPacing, Protocol, RequestMix,
    RequestTemplate, StopCondition,
};
use crate::stats::Stats;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const MS: u64 = 1_000_000;

fn plan(pacing: PlanPacing, warmup_ms: u64, ramp_ms: u64) -> LoadPlan {
    LoadPlan {
        target_name: "http://127.0.0.1:1/".into(),
        target: "127.0.0.1:1".parse().expect("address"),
        conns: 2,
        cpus: vec![0],
        requests: RequestMix {
            entries: vec![MixEntry {
                name: "r".into(),
                template: RequestTemplate {
                    wire: Arc::from(&b"GET / HTTP/1.1\r\n\r\n"[..]),
                    head: false,
                },
                weight: 1,
            }],
            order: MixOrder::RoundRobin,
            cookies: false,
        },
        pipeline: 4,
        protocol: Protocol::Http1,
        tls: None,
        timeout: Duration::from_secs(3),
        stop: StopCondition {
            duration: Duration::from_secs(10),
            responses: None,
        },
        pacing,
        io: IoMode::Epoll,
        source_addrs: Vec::new(),
        connect_window: 8,
        interval: Duration::from_secs(1),
        warmup: Duration::from_millis(warmup_ms),
        ramp_up: Duration::from_millis(ramp_ms),
        script: None,
    }
}

fn closed() -> PlanPacing {
    PlanPacing::ClosedLoop {
        batch_wait: Duration::ZERO,
    }
}

#[test]
fn stop_counts_after_the_warmup_and_never_asks_past_the_quota() {
    let p = plan(closed(), 100, 0);
    let mut s = Stop::new(&p, Some(10));
    let (flag, abort) = (AtomicBool::new(false), AtomicBool::new(false));
    // Warmup: responses do not count towards the quota, and requests are not limited.
    s.answered(50);
    assert_eq!(s.may_ask(100, 0), 100);
    assert_eq!(s.reached(50 * MS, &flag, &abort), None);
    assert_eq!(s.next_check(), 100 * MS);
    assert!(s.warmup_ends(100 * MS));
    assert!(!s.warmup_ends(101 * MS));
    // Measuring: 10 responses at most, counting what is already asked.
    assert_eq!(s.may_ask(8, 4), 6);
    s.answered(7);
    assert_eq!(s.may_ask(8, 2), 1);
    assert_eq!(s.reached(200 * MS, &flag, &abort), None);
    s.answered(3);
    assert_eq!(s.reached(200 * MS, &flag, &abort), Some(false));
    s.drain(200 * MS, false);
    assert!(s.draining());
    assert_eq!(s.reached(300 * MS, &flag, &abort), None);
    assert!(!s.over(300 * MS, 1));
    assert!(s.over(300 * MS, 0));
    // The drain waits up to the request timeout for what is owed.
    assert!(s.over(3200 * MS, 1));
}

#[test]
fn stop_ends_the_load_at_its_duration_and_an_interrupt_drains_for_a_second_at_most() {
    let p = plan(closed(), 0, 0);
    let mut s = Stop::new(&p, None);
    let (flag, abort) = (AtomicBool::new(false), AtomicBool::new(false));
    assert_eq!(s.reached(9_999 * MS, &flag, &abort), None);
    // Another worker's script failed: a stop, not an interrupt.
    abort.store(true, Ordering::Relaxed);
    assert_eq!(s.reached(5 * MS, &flag, &abort), Some(false));
    abort.store(false, Ordering::Relaxed);
    assert_eq!(s.reached(10_000 * MS, &flag, &abort), Some(false));
    flag.store(true, Ordering::Relaxed);
    assert_eq!(s.reached(5 * MS, &flag, &abort), Some(true));
    s.drain(5 * MS, true);
    assert!(!s.over(1_004 * MS, 1));
    assert!(s.over(1_005 * MS, 1));
}

#[test]
fn closed_loop_holds_answered_connections_until_the_ramp_ends() {
    let p = plan(closed(), 0, 0);
    let mut pc = Pacing::new(&p, 0, 2, 4);
    assert!(!pc.corrected());
    assert!(pc.ramping());
    // Ramp phase: one request per new connection; an answered one holds.
    assert_eq!(pc.opened(0, || true), Some(1));
    assert_eq!(pc.ended(0, 1, true, || true), 0);
    assert_eq!(pc.finish_ramp(5 * MS), vec![0]);
    assert!(!pc.ramping());
    // Full load: a new connection fills its pipeline; each response is replaced at once.
    assert_eq!(pc.opened(1, || true), Some(4));
    assert_eq!(pc.ended(1, 3, false, || true), 3);
    assert_eq!(
        pc.take_due(6 * MS, u64::MAX, &mut Stats::new(), |_| true),
        None
    );
    pc.stop(7 * MS, u64::MAX);
    assert_eq!(pc.ended(1, 1, false, || true), 0);
    assert_eq!(pc.opened(0, || true), Some(0));
    assert_eq!(pc.unsent(), 0);
}

#[test]
fn closed_loop_ramp_up_opens_connections_one_after_another() {
    let p = plan(closed(), 0, 1000);
    let pc = Pacing::new(&p, 0, 4, 1);
    // No hold phase with a ramp-up.
    assert!(!pc.ramping());
    assert_eq!(pc.opens_at(0, false), Some(0));
    assert_eq!(pc.opens_at(2, false), Some(500 * MS));
    // A reconnect does not wait for its turn again.
    assert_eq!(pc.opens_at(2, true), None);
    assert_eq!(pc.wakeup(100 * MS, Some(500 * MS)), Some(500 * MS));
    assert_eq!(pc.wakeup(600 * MS, Some(500 * MS)), None);
}

#[test]
fn fixed_rate_sends_on_the_least_recently_used_free_connection() {
    // 1000 requests/s on one worker: one every millisecond from the ramp's end.
    let p = plan(PlanPacing::FixedRate { rate: 1000.0 }, 0, 0);
    let mut pc = Pacing::new(&p, 0, 3, 1);
    let mut stats = Stats::new();
    assert!(pc.corrected());
    assert_eq!(pc.batch_wait(), Duration::ZERO);
    // Open connections wait for the schedule.
    assert_eq!(pc.opened(0, || true), None);
    assert_eq!(pc.opened(1, || true), None);
    assert_eq!(pc.opened(2, || false), None);
    assert_eq!(pc.take_due(0, u64::MAX, &mut stats, |_| true), None);
    assert!(pc.finish_ramp(10 * MS).is_empty());
    assert_eq!(pc.wakeup(10 * MS, None), Some(10 * MS));
    assert_eq!(
        pc.take_due(10 * MS, u64::MAX, &mut stats, |_| true),
        Some((0, 10 * MS))
    );
    assert_eq!(pc.take_due(10 * MS, u64::MAX, &mut stats, |_| true), None);
    // Connection 1 is next; connection 0 goes to the back once it may take another.
    pc.requeue(0, || true);
    assert_eq!(
        pc.take_due(12 * MS, u64::MAX, &mut stats, |_| true),
        Some((1, 11 * MS))
    );
    assert_eq!(
        pc.take_due(12 * MS, u64::MAX, &mut stats, |_| true),
        Some((0, 12 * MS))
    );
    // Nothing free: the due request waits (schedule lag), and is counted unsent at the stop.
    assert_eq!(pc.take_due(14 * MS, u64::MAX, &mut stats, |_| true), None);
    // A connection that cannot take a request now is skipped.
    pc.requeue(1, || true);
    assert_eq!(pc.take_due(14 * MS, u64::MAX, &mut stats, |_| false), None);
    // Due at or after the load's end: not sent.
    pc.requeue(1, || true);
    assert_eq!(pc.take_due(14 * MS, 13 * MS, &mut stats, |_| true), None);
    pc.stop(15 * MS, u64::MAX);
    // Due before 15 ms: 10..=14 (5 requests), 3 sent.
    assert_eq!(pc.unsent(), 2);
    assert_eq!(pc.wakeup(15 * MS, None), None);
    pc.requeue(1, || true);
    assert_eq!(pc.take_due(20 * MS, u64::MAX, &mut stats, |_| true), None);
}
