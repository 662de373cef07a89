//! The run's interval series as an HdrHistogram interval log: the text format Gil Tene's
//! HistogramLogProcessor (and every HdrHistogram port) reads, one V2-compressed histogram per
//! interval. Values are microseconds; the "max" column is in milliseconds (divisor 1000), so
//! give HistogramLogProcessor `-outputValueUnitRatio 1000` for millisecond output.

use hdrhistogram::serialization::interval_log::IntervalLogWriterBuilder;
use hdrhistogram::serialization::V2DeflateSerializer;
use std::time::{Duration, SystemTime};
use tfw_engine::result::RunResult;

/// The interval log of `r`, whose load started at `start` (wall clock).
pub fn interval_log(r: &RunResult, start: SystemTime) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut ser = V2DeflateSerializer::new();
    let mut w = IntervalLogWriterBuilder::new()
        .add_comment(&format!(
            "tfw-bench {} {}",
            env!("CARGO_PKG_VERSION"),
            r.target
        ))
        .add_comment("latency in microseconds; max column in milliseconds")
        .with_start_time(start)
        .with_base_time(start)
        .with_max_value_divisor(1000.0)
        .begin_log_with(&mut out, &mut ser)?;
    let mut from = 0.0f64;
    for iv in &r.intervals {
        let len = (iv.t_s - from).max(0.0);
        w.write_histogram(
            &iv.snapshot.latency,
            Duration::from_secs_f64(from),
            Duration::from_secs_f64(len),
            None,
        )
        .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
        from = iv.t_s;
    }
    drop(w);
    Ok(out)
}
