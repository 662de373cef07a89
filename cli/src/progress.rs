//! Live progress of a stress run on a terminal (indicatif): elapsed time, requests/s, errors
//! and the p99 of the last interval, redrawn once per interval. Nothing is drawn when stdout is
//! not a terminal or with `--quiet`, so logs and pipes get only the summary. The message is
//! `tfw_reports::banner::progress_message`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;
use tfw_engine::result::Interval;
use tfw_reports::banner::progress_message;

pub struct Progress {
    bar: Option<ProgressBar>,
    /// Length of the run in seconds (a bar over time), or None (a count bar or spinner).
    seconds: Option<f64>,
    /// Responses to reach (`-n`), counted as intervals arrive.
    count: Option<u64>,
    responses: u64,
    last_t: f64,
}

impl Progress {
    /// Shows progress if stdout is a terminal and not `quiet`. `duration` is the load phase
    /// (None: bounded by `requests` only).
    pub fn new(quiet: bool, duration: Option<Duration>, requests: Option<u64>) -> Progress {
        let show = !quiet && std::io::stdout().is_terminal();
        let bar = show.then(|| {
            let (len, template) = match (requests, duration) {
                (Some(n), _) => (
                    n,
                    "  {spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} responses  {msg}",
                ),
                (None, Some(d)) => (
                    d.as_millis() as u64,
                    "  {spinner} [{elapsed_precise}] {wide_bar} {msg}",
                ),
                (None, None) => (0, "  {spinner} [{elapsed_precise}] {msg}"),
            };
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(250));
            bar.set_message("connecting");
            bar
        });
        Progress {
            bar,
            seconds: duration.map(|d| d.as_secs_f64()),
            count: requests,
            responses: 0,
            last_t: 0.0,
        }
    }

    /// A merged interval completed.
    pub fn interval(&mut self, iv: &Interval) {
        let Some(bar) = &self.bar else {
            return;
        };
        let c = &iv.snapshot.counters;
        let len = (iv.t_s - self.last_t).max(1e-3);
        self.last_t = iv.t_s;
        self.responses += c.responses;
        let p99 = (!iv.snapshot.latency.is_empty())
            .then(|| iv.snapshot.latency.value_at_quantile(0.99) as f64);
        bar.set_message(progress_message(
            c.responses as f64 / len,
            c.total_errors(),
            p99,
        ));
        if self.count.is_some() {
            bar.set_position(self.responses);
        } else if let Some(s) = self.seconds {
            bar.set_position((iv.t_s.min(s) * 1000.0) as u64);
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
