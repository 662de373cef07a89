//! The open-loop send schedule: when each request of a fixed-rate run is meant to go out.
//!
//! A worker's k-th request is due at a time fixed before the run, whatever happens to earlier
//! requests: latency is measured from that intended time, so a stalled target shows up as
//! latency of every request that could not be sent (coordinated-omission correction, as in
//! wrk2). The schedule is per worker, not per connection: a worker sends its due requests on
//! whichever of its connections can take one, so any rate works with any number of workers and
//! connections, including rates below the number of workers. Workers interleave: worker `w` of
//! `W` is offset by `w / rate`, so the merged stream is evenly spaced at the total rate.
//!
//! With a ramp-up the rate rises linearly from 0 to the full rate over the ramp: the number of
//! requests due by `t` is `r t² / 2D` during the ramp and grows by `r` per second after it.

/// One worker's schedule. Times are nanoseconds on the worker clock.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// This worker's rate (requests per nanosecond).
    rate_per_ns: f64,
    /// Ramp-up length in nanoseconds (0: full rate at once).
    ramp_ns: f64,
    /// When request 0 is due, before the phase offset.
    start: u64,
    /// This worker's offset in requests (w / W of one request).
    phase: f64,
    /// Index of the next request to send.
    next: u64,
}

impl Schedule {
    /// `rate` requests per second in total over `workers` workers; this is worker `worker`;
    /// request 0 is due at `start` (plus this worker's phase); the rate ramps up over `ramp_ns`.
    pub fn new(rate: f64, workers: usize, worker: usize, start: u64, ramp_ns: u64) -> Schedule {
        let workers = workers.max(1) as f64;
        Schedule {
            rate_per_ns: rate / workers / 1e9,
            ramp_ns: ramp_ns as f64,
            start,
            phase: worker as f64 / workers,
            next: 0,
        }
    }

    /// When request `k` of this worker is due.
    pub fn due(&self, k: u64) -> u64 {
        let n = k as f64 + self.phase;
        let r = self.rate_per_ns;
        let in_ramp = r * self.ramp_ns / 2.0;
        let t = if n < in_ramp {
            // n = r t² / 2D  =>  t = sqrt(2 D n / r)
            (2.0 * self.ramp_ns * n / r).sqrt()
        } else {
            self.ramp_ns + (n - in_ramp) / r
        };
        self.start
            .saturating_add(t.round().min(u64::MAX as f64 / 2.0) as u64)
    }

    /// When the next request to send is due.
    pub fn next_due(&self) -> u64 {
        self.due(self.next)
    }

    /// The next request has been sent; returns the time it was due.
    pub fn advance(&mut self) -> u64 {
        let t = self.next_due();
        self.next += 1;
        t
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u64 {
        self.next
    }

    /// How many requests are due strictly before `t` (sent or not).
    pub fn due_before(&self, t: u64) -> u64 {
        if t <= self.start {
            return 0;
        }
        let el = (t - self.start) as f64;
        let r = self.rate_per_ns;
        let n = if el < self.ramp_ns {
            r * el * el / (2.0 * self.ramp_ns)
        } else {
            r * self.ramp_ns / 2.0 + r * (el - self.ramp_ns)
        };
        // Request k is due before t when k + phase < n.
        let k = (n - self.phase).ceil();
        if k <= 0.0 {
            0
        } else {
            k as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn evenly_spaced_at_full_rate() {
        let s = Schedule::new(1000.0, 1, 0, 5 * S, 0);
        assert_eq!(s.due(0), 5 * S);
        assert_eq!(s.due(1), 5 * S + 1_000_000);
        assert_eq!(s.due(1000), 6 * S);
        assert_eq!(s.due_before(6 * S), 1000);
        assert_eq!(s.due_before(6 * S + 1), 1001);
        assert_eq!(s.due_before(5 * S), 0);
    }

    #[test]
    fn workers_interleave_into_one_even_stream() {
        let a = Schedule::new(1000.0, 2, 0, 0, 0);
        let b = Schedule::new(1000.0, 2, 1, 0, 0);
        let mut all: Vec<u64> = (0..500).flat_map(|k| [a.due(k), b.due(k)]).collect();
        all.sort_unstable();
        for (i, w) in all.windows(2).enumerate() {
            let gap = w[1] - w[0];
            assert!((999_999..=1_000_001).contains(&gap), "gap {gap} at {i}");
        }
        assert_eq!(a.due_before(S) + b.due_before(S), 1000);
    }

    #[test]
    fn a_rate_below_the_worker_count_still_sends() {
        // 1 request/s over 4 workers: each worker sends one every 4 s, offset by 1 s.
        let ws: Vec<Schedule> = (0..4).map(|w| Schedule::new(1.0, 4, w, 0, 0)).collect();
        let mut first: Vec<u64> = ws.iter().map(|s| s.due(0)).collect();
        first.sort_unstable();
        assert_eq!(first, vec![0, S, 2 * S, 3 * S]);
        assert_eq!(ws[1].due(1), 5 * S);
        let total: u64 = ws.iter().map(|s| s.due_before(10 * S)).sum();
        assert_eq!(total, 10);
    }

    #[test]
    fn ramp_up_is_linear_in_rate() {
        // 1000/s reached after 2 s: 1000 requests due during the ramp, then 1000 per second.
        let s = Schedule::new(1000.0, 1, 0, 0, 2 * S);
        assert_eq!(s.due_before(2 * S), 1000);
        assert_eq!(s.due_before(S), 250);
        assert_eq!(s.due_before(3 * S), 2000);
        assert!(s.due(1000) >= 2 * S && s.due(1000) < 2 * S + 1000);
        // Gaps shrink during the ramp.
        assert!(s.due(10) - s.due(9) > s.due(900) - s.due(899));
        let mut m = s.clone();
        for k in 0..2000u64 {
            assert_eq!(m.advance(), s.due(k));
        }
        assert_eq!(m.sent(), 2000);
    }
}
