//! ApacheBench's (`ab`) output, in its words and layout, from tfw-bench's figures: the
//! copyright banner, the usage text, the "Benchmarking" line and the results block. Taken from
//! apache/httpd support/ab.c on the 2.4.x branch (commit
//! f45abec1bd20396cea777a411bd5975abefad279: `copyright`, `usage`, `test`, `output_results`),
//! the ab 2.3 that Debian's apache2-utils 2.4 installs as /usr/bin/ab.
//!
//! How ab's figures map onto a tfw-bench run (every sample is in an HDR histogram, not in ab's
//! per-request array):
//! - Complete requests: responses (any status); Non-2xx responses: those outside 200..=299.
//! - Failed requests: Connect = connect errors; Receive = read, timeout, TLS and reset errors;
//!   Length = 0 (the engine does not compare body lengths: every run behaves as ab's `-l`);
//!   Exceptions = responses that could not be parsed. Send errors are ab's "Write errors".
//! - Keep-Alive requests (`-k`): responses not followed by a reconnect (responses minus
//!   connects beyond the first ones).
//! - HTML transferred: responses × the document length of the probe request (ab's own
//!   assumption when it checks lengths); Total transferred: every byte received.
//! - Connection Times: Connect is the TCP connect histogram, per request as ab counts it (a
//!   request on an already open connection counts 0 ms). Processing, Waiting and Total are all
//!   the response latency histogram (request sent → response complete): tfw-bench does not
//!   time the first byte separately, and its latency does not include the connect, so Total
//!   here is ab's Processing, not Connect + Processing.
//! - The percentage table is that latency histogram's quantiles.

mod times;

pub use times::{round_ms, served_within, Row};

use std::fmt::Write;
use tfw_engine::result::RunResult;
use tfw_engine::stats::{Counters, ErrorKind};

/// ab's version line as it prints it (`AP_AB_BASEREVISION " <$Revision$>"`).
pub const VERSION: &str = "2.3 <$Revision$>";

/// The percentages of ab's table.
pub const PERCENTS: [u32; 9] = [50, 66, 75, 80, 90, 95, 98, 99, 100];

/// The copyright banner printed before a run and by `-V`.
pub fn banner() -> String {
    format!(
        "This is ApacheBench, Version {VERSION}\n\
         Copyright 1996 Adam Twiss, Zeus Technology Ltd, http://www.zeustech.net/\n\
         Licensed to The Apache Software Foundation, http://www.apache.org/\n\n"
    )
}

/// ab's usage text (to stderr), `progname` as invoked.
pub fn usage(progname: &str) -> String {
    let mut s = format!("Usage: {progname} [options] [http[s]://]hostname[:port]/path\n");
    s.push_str(USAGE_OPTIONS);
    s
}

const USAGE_OPTIONS: &str = "Options are:
    -n requests     Number of requests to perform
    -c concurrency  Number of multiple requests to make at a time
    -t timelimit    Seconds to max. to spend on benchmarking
                    This implies -n 50000
    -s timeout      Seconds to max. wait for each response
                    Default is 30 seconds
    -b windowsize   Size of TCP send/receive buffer, in bytes
    -B address      Address to bind to when making outgoing connections
    -p postfile     File containing data to POST. Remember also to set -T
    -u putfile      File containing data to PUT. Remember also to set -T
    -T content-type Content-type header to use for POST/PUT data, eg.
                    'application/x-www-form-urlencoded'
                    Default is 'text/plain'
    -v verbosity    How much troubleshooting info to print
    -w              Print out results in HTML tables
    -i              Use HEAD instead of GET
    -x attributes   String to insert as table attributes
    -y attributes   String to insert as tr attributes
    -z attributes   String to insert as td or th attributes
    -C attribute    Add cookie, eg. 'Apache=1234'. (repeatable)
    -H attribute    Add Arbitrary header line, eg. 'Accept-Encoding: gzip'
                    Inserted after all normal header lines. (repeatable)
    -A attribute    Add Basic WWW Authentication, the attributes
                    are a colon separated username and password.
    -P attribute    Add Basic Proxy Authentication, the attributes
                    are a colon separated username and password.
    -X proxy:port   Proxyserver and port number to use
    -V              Print version number and exit
    -k              Use HTTP KeepAlive feature
    -d              Do not show percentiles served table.
    -S              Do not show confidence estimators and warnings.
    -q              Do not show progress when doing more than 150 requests
    -l              Accept variable document length (use this for dynamic pages)
    -g filename     Output collected data to gnuplot format file.
    -e filename     Output CSV file with percentages served
    -r              Don't exit on socket receive errors.
    -m method       Method name
    -h              Display usage information (this message)
    -I              Disable TLS Server Name Indication (SNI) extension
    -Z ciphersuite  Specify SSL/TLS cipher suite (See openssl ciphers)
    -f protocol     Specify SSL/TLS protocol
                    (SSL2, TLS1, TLS1.1, TLS1.2, TLS1.3 or ALL)
    -E certfile     Specify optional client certificate chain and private key
";

/// ab's progress step: a "Completed N requests" line every this many responses (10% of the
/// requests, at least 100), or 0 for none (`-q`, or 150 requests or fewer).
pub fn heartbeat(requests: u64, quiet: bool) -> u64 {
    if quiet || requests <= 150 {
        0
    } else {
        (requests / 10).max(100)
    }
}

/// "Benchmarking HOST (be patient)" and its end: a newline when progress lines follow, "..."
/// when they do not (ab then ends the line with "..done").
pub fn benchmarking(host: &str, heartbeat: u64) -> String {
    let end = if heartbeat > 0 { "\n" } else { "..." };
    format!("Benchmarking {host} (be patient){end}")
}

/// The "Completed N requests" lines for the multiples of `step` above `from` up to `to`.
pub fn completed_lines(step: u64, from: u64, to: u64) -> String {
    let mut s = String::new();
    if step == 0 {
        return s;
    }
    let mut k = from / step + 1;
    while k * step <= to {
        let _ = writeln!(s, "Completed {} requests", k * step);
        k += 1;
    }
    s
}

/// What the TLS lines show (https:// only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AbTls {
    /// "SSL/TLS Protocol:", e.g. "TLSv1.3,TLS_AES_256_GCM_SHA384".
    pub protocol: Option<String>,
    /// "Server Temp Key:", e.g. "X25519 253 bits".
    pub temp_key: Option<String>,
    /// "TLS Server Name:" (None when the host is an address: no SNI).
    pub server_name: Option<String>,
}

/// The facts of a run the results block shows besides the run's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AbFacts {
    /// The probe response's Server header (empty when it had none).
    pub server_software: String,
    pub hostname: String,
    pub port: u16,
    pub tls: Option<AbTls>,
    pub path: String,
    /// The probe response's body length.
    pub doc_len: u64,
    /// `-l`: "Document Length: Variable".
    pub variable_length: bool,
    pub concurrency: u32,
    /// `-k`.
    pub keepalive: bool,
    /// `-p`/`-u`: the sent lines.
    pub send_body: bool,
    /// Not `-S`: the mean[+/-sd] median table and its warnings.
    pub confidence: bool,
    /// Not `-d`: the percentage table.
    pub percentiles: bool,
}

fn class_non2xx(c: &Counters) -> u64 {
    c.status
        .iter()
        .filter(|&&(code, _)| !(200..300).contains(&code))
        .map(|&(_, n)| n)
        .sum()
}

/// ab's failure breakdown: (connect, receive, length, exceptions).
pub fn failures(c: &Counters) -> (u64, u64, u64, u64) {
    let e = |k| c.error(k);
    (
        e(ErrorKind::Connect),
        e(ErrorKind::Read) + e(ErrorKind::Timeout) + e(ErrorKind::Tls) + e(ErrorKind::Reset),
        0,
        e(ErrorKind::Parse),
    )
}

/// The results block ab prints after the run (from the two blank lines on).
pub fn results(r: &RunResult, f: &AbFacts) -> String {
    let c = &r.totals.counters;
    let mut s = String::from("\n\n");
    let w = &mut s;
    let _ = writeln!(w, "Server Software:        {}", f.server_software);
    let _ = writeln!(w, "Server Hostname:        {}", f.hostname);
    let _ = writeln!(w, "Server Port:            {}", f.port);
    if let Some(t) = &f.tls {
        if let Some(p) = &t.protocol {
            let _ = writeln!(w, "SSL/TLS Protocol:       {p}");
        }
        if let Some(k) = &t.temp_key {
            let _ = writeln!(w, "Server Temp Key:        {k}");
        }
        if let Some(n) = &t.server_name {
            let _ = writeln!(w, "TLS Server Name:        {n}");
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "Document Path:          {}", f.path);
    if f.variable_length {
        let _ = writeln!(w, "Document Length:        Variable");
    } else {
        let _ = writeln!(w, "Document Length:        {} bytes", f.doc_len);
    }
    let _ = writeln!(w);
    let t = r.elapsed.as_secs_f64();
    let done = c.responses;
    let (fc, fr, fl, fe) = failures(c);
    let bad = fc + fr + fl + fe;
    let _ = writeln!(w, "Concurrency Level:      {}", f.concurrency);
    let _ = writeln!(w, "Time taken for tests:   {t:.3} seconds");
    let _ = writeln!(w, "Complete requests:      {done}");
    let _ = writeln!(w, "Failed requests:        {bad}");
    if bad > 0 {
        let _ = writeln!(
            w,
            "   (Connect: {fc}, Receive: {fr}, Length: {fl}, Exceptions: {fe})"
        );
    }
    let epipe = c.error(ErrorKind::Write);
    if epipe > 0 {
        let _ = writeln!(w, "Write errors:           {epipe}");
    }
    let non2xx = class_non2xx(c);
    if non2xx > 0 {
        let _ = writeln!(w, "Non-2xx responses:      {non2xx}");
    }
    if f.keepalive {
        let reconnects = c.connects.saturating_sub(u64::from(r.conns_established));
        let _ = writeln!(
            w,
            "Keep-Alive requests:    {}",
            done.saturating_sub(reconnects)
        );
    }
    let _ = writeln!(w, "Total transferred:      {} bytes", c.bytes_read);
    if f.send_body {
        let _ = writeln!(w, "Total body sent:        {}", c.bytes_written);
    }
    let _ = writeln!(w, "HTML transferred:       {} bytes", done * f.doc_len);
    if t > 0.0 && done > 0 {
        let d = done as f64;
        let _ = writeln!(w, "Requests per second:    {:.2} [#/sec] (mean)", d / t);
        let _ = writeln!(
            w,
            "Time per request:       {:.3} [ms] (mean)",
            f64::from(f.concurrency) * t * 1000.0 / d
        );
        let _ = writeln!(
            w,
            "Time per request:       {:.3} [ms] (mean, across all concurrent requests)",
            t * 1000.0 / d
        );
        let _ = writeln!(
            w,
            "Transfer rate:          {:.2} [Kbytes/sec] received",
            c.bytes_read as f64 / 1024.0 / t
        );
        if f.send_body {
            let _ = writeln!(
                w,
                "                        {:.2} kb/s sent",
                c.bytes_written as f64 / 1024.0 / t
            );
            let _ = writeln!(
                w,
                "                        {:.2} kb/s total",
                (c.bytes_read + c.bytes_written) as f64 / 1024.0 / t
            );
        }
    }
    if done > 0 {
        times_table(w, r, f);
    }
    s
}

fn times_table(w: &mut String, r: &RunResult, f: &AbFacts) {
    let c = &r.totals.counters;
    let done = c.responses;
    let conn_hist = &r.totals.connect_latency;
    let zeros = done.saturating_sub(conn_hist.len());
    let empty = Row {
        min: 0,
        mean: 0,
        sd_ms: 0.0,
        median: 0,
        max: 0,
    };
    let connect = Row::from(conn_hist, zeros).unwrap_or(empty);
    let total = Row::from(&r.totals.latency, 0).unwrap_or(empty);
    let rows = [
        ("Connect:    ", connect, "the initial connection time"),
        ("Processing: ", total, "the processing time"),
        ("Waiting:    ", total, "the waiting time"),
        ("Total:      ", total, "the total time"),
    ];
    let _ = writeln!(w, "\nConnection Times (ms)");
    if f.confidence {
        let _ = writeln!(w, "              min  mean[+/-sd] median   max");
        for (label, row, _) in &rows {
            let (min, mean, sd, median, max) = row.ms();
            let _ = writeln!(w, "{label}{min:5} {mean:4} {sd:5.1} {median:6} {max:7}");
        }
        for (_, row, what) in &rows {
            if let Some(m) = row.sanity(what) {
                w.push_str(&m);
            }
        }
    } else {
        let _ = writeln!(w, "              min   avg   max");
        for (label, row, _) in &rows {
            let (min, mean, _, _, max) = row.ms();
            // ab's format has no space before max ("%5 %5%5").
            let _ = writeln!(w, "{label}{min:5} {mean:5}{max:5}");
        }
    }
    if f.percentiles && done > 1 {
        let _ = writeln!(
            w,
            "\nPercentage of the requests served within a certain time (ms)"
        );
        for p in PERCENTS {
            let v = round_ms(served_within(&r.totals.latency, p));
            if p >= 100 {
                let _ = writeln!(w, " 100%  {v:5} (longest request)");
            } else {
                let _ = writeln!(w, "  {p}%  {v:5}");
            }
        }
    }
}

/// The `-e` CSV file: "Percentage served,Time in ms" and a line for each of 0..=100.
pub fn csv_percentages(r: &RunResult) -> String {
    let mut s = String::from("Percentage served,Time in ms\n");
    let h = &r.totals.latency;
    for p in 0..=100u32 {
        let ms = if h.is_empty() {
            0.0
        } else {
            served_within(h, p) as f64 / 1000.0
        };
        let _ = writeln!(s, "{p},{ms:.3}");
    }
    s
}

#[cfg(test)]
mod tests;
