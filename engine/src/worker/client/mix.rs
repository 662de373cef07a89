//! The entries of the plan's [`RequestMix`] as a client worker sends them: each registered
//! with the backend once (repeated `pipeline` times, so a run of the same request goes out in
//! one send), and the picker choosing among them round-robin, by smooth weighted round-robin,
//! or as a per-connection sequence. Nothing here allocates per request.

use crate::plan::{MixOrder, RequestMix};
use crate::ring::{Backend, PayloadId};
use std::sync::Arc;

/// One mix entry as the worker sends it.
pub(super) struct EntryWire {
    /// One request on the wire (put together again when a `Cookie` field goes in, or
    /// encrypted on TLS).
    pub wire: Arc<[u8]>,
    /// The request `pipeline` times, registered.
    pub payload: PayloadId,
    /// Length of one request on the wire.
    pub len: usize,
    /// Length of the head up to and including the CRLF of its last header line (where a
    /// `Cookie` header is inserted).
    pub head_end: usize,
    /// HEAD: its response has no body.
    pub head: bool,
}

/// The worker's picker.
pub(super) struct Picker {
    order: MixOrder,
    n: usize,
    next_rr: usize,
    weights: Vec<i64>,
    current: Vec<i64>,
    total: i64,
}

/// Registers every entry of `mix` with `io`, each repeated `pipeline` times. Fails when the
/// backend cannot hold them all (more than `PayloadId::LIMIT`).
pub(super) fn register<B: Backend>(
    io: &mut B,
    mix: &RequestMix,
    pipeline: u32,
) -> std::io::Result<Vec<EntryWire>> {
    mix.entries
        .iter()
        .map(|e| {
            let one = &e.template.wire;
            let mut wire = Vec::with_capacity(one.len() * pipeline as usize);
            for _ in 0..pipeline {
                wire.extend_from_slice(one);
            }
            let head_end = one
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| i + 2)
                .unwrap_or(one.len());
            Ok(EntryWire {
                wire: one.clone(),
                payload: io.register_payload(wire.into())?,
                len: one.len(),
                head_end,
                head: e.template.head,
            })
        })
        .collect()
}

impl Picker {
    pub fn new(mix: &RequestMix) -> Picker {
        let weights: Vec<i64> = mix.entries.iter().map(|e| e.weight.max(1) as i64).collect();
        Picker {
            order: mix.order,
            n: mix.entries.len().max(1),
            next_rr: 0,
            total: weights.iter().sum(),
            current: vec![0; weights.len()],
            weights,
        }
    }

    /// The entry of the next request on a connection whose sequence position is `*seq`.
    #[inline]
    pub fn pick(&mut self, seq: &mut u32) -> usize {
        if self.n == 1 {
            return 0;
        }
        match self.order {
            MixOrder::RoundRobin => {
                let e = self.next_rr;
                self.next_rr = (e + 1) % self.n;
                e
            }
            MixOrder::Sequence => {
                let e = *seq as usize % self.n;
                *seq = seq.wrapping_add(1);
                e
            }
            MixOrder::Weighted => {
                // nginx's smooth weighted round-robin: exact shares over every cycle of
                // `total` picks, spread out rather than in bursts.
                let mut best = 0;
                for i in 0..self.n {
                    self.current[i] += self.weights[i];
                    if self.current[i] > self.current[best] {
                        best = i;
                    }
                }
                self.current[best] -= self.total;
                best
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{MixEntry, RequestTemplate};
    use std::sync::Arc;

    fn mix(order: MixOrder, weights: &[u32]) -> RequestMix {
        RequestMix {
            entries: weights
                .iter()
                .enumerate()
                .map(|(i, &w)| MixEntry {
                    name: format!("r{i}"),
                    template: RequestTemplate {
                        wire: Arc::from(&b"GET / HTTP/1.1\r\n\r\n"[..]),
                        head: false,
                    },
                    weight: w,
                })
                .collect(),
            order,
            cookies: false,
        }
    }

    #[test]
    fn weighted_shares_are_exact_per_cycle() {
        let mut p = Picker::new(&mix(MixOrder::Weighted, &[5, 1, 2]));
        let mut counts = [0; 3];
        let mut seq = 0;
        let picks: Vec<usize> = (0..80).map(|_| p.pick(&mut seq)).collect();
        for &e in &picks {
            counts[e] += 1;
        }
        assert_eq!(counts, [50, 10, 20]);
        // Spread out: the heavy entry never runs more than three times in a row.
        assert!(picks.windows(4).all(|w| !w.iter().all(|&e| e == 0)));
    }

    #[test]
    fn round_robin_and_sequence() {
        let mut p = Picker::new(&mix(MixOrder::RoundRobin, &[1, 1, 1]));
        let (mut a, mut b) = (0, 0);
        let picks: Vec<usize> = (0..6)
            .map(|i| p.pick(if i % 2 == 0 { &mut a } else { &mut b }))
            .collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2]);
        let mut p = Picker::new(&mix(MixOrder::Sequence, &[1, 1, 1]));
        let (mut a, mut b) = (0, 0);
        let picks: Vec<usize> = (0..6)
            .map(|i| p.pick(if i % 2 == 0 { &mut a } else { &mut b }))
            .collect();
        // Each connection walks the list on its own.
        assert_eq!(picks, [0, 0, 1, 1, 2, 2]);
    }
}
