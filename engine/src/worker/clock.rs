//! The workers' common time base (nanoseconds since the run's start instant), and their
//! own CPU time.

use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    pub fn new(start: Instant) -> Clock {
        Clock { start }
    }

    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    pub fn start(&self) -> Instant {
        self.start
    }
}

pub fn ns(d: Duration) -> u64 {
    d.as_nanos().min(u64::MAX as u128) as u64
}

/// The calling thread's CPU time so far (user + sys), in seconds.
pub fn thread_cpu_s() -> f64 {
    let (user, sys, _) = crate::ring::sys::rusage(true);
    user + sys
}
