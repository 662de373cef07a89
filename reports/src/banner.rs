//! The lines `stress` and `serve` print around a run: the stress header ("Running 10s test @
//! URL" and the settings under it), the live progress message, the built-in target's start and
//! counts, and `serve`'s
//! banners and its final "served ..." line. Pure functions, so that the exact text is pinned by
//! tests here; the binary only prints them.
//!
//! The "served ..." line and the "listening ADDR" announcement are also read back by the
//! parent `stress` (and by tests): [`Served::from_line`] parses what [`served_line`] prints.

use crate::units::format_time_us;
use std::fmt::Write;
use std::net::SocketAddr;

/// What the stress header shows: the plan's settings, partly in the user's words.
#[derive(Clone, Debug, PartialEq)]
pub struct StressHeader<'a> {
    /// What the summary calls the target (the URL as given).
    pub target: &'a str,
    /// `--duration` as the user wrote it ("10s"); with `requests`, what bounds the run.
    pub duration: Option<&'a str>,
    /// `--requests`.
    pub requests: Option<u64>,
    /// Total connections.
    pub conns: u32,
    /// HTTP/2 (else HTTP/1.1).
    pub http2: bool,
    /// HTTP/1.1 pipelining depth or HTTP/2 concurrent streams, per connection.
    pub pipeline: u32,
    /// TLS, if the connections use it.
    pub tls: Option<TlsLine<'a>>,
    /// CPUs the workers are pinned to, one worker each.
    pub cpus: &'a [usize],
    /// Requests/s of an open-loop run; None: closed loop.
    pub rate: Option<f64>,
    /// `--warmup` and `--ramp-up` as the user wrote them.
    pub warmup: Option<&'a str>,
    pub ramp_up: Option<&'a str>,
}

/// The TLS part of the stress header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TlsLine<'a> {
    /// The versions offered as the user asked ("1.2", "1.3", "1.2+1.3").
    pub versions: &'a str,
    /// Certificates are verified (`--verify`).
    pub verified: bool,
}

/// "Running 10s test @ URL" and "  N connections, PROTOCOL, N worker(s) on CPU LIST, PACING".
pub fn stress_header(h: &StressHeader) -> String {
    let length = match (h.duration, h.requests) {
        (Some(d), Some(n)) => format!("{n} requests / {d}"),
        (None, Some(n)) => format!("{n} requests"),
        (Some(d), None) => d.to_string(),
        (None, None) => "10s".to_string(),
    };
    let cpus: Vec<String> = h.cpus.iter().map(|c| c.to_string()).collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Running {length} test @ {}\n  {} connections{}, {} worker(s) on CPU {}{}",
        h.target,
        h.conns,
        protocol_phrase(h),
        h.cpus.len(),
        cpus.join(","),
        pacing_phrase(h)
    );
    s
}

/// ", HTTP/2, 10 streams each, TLS 1.3 (certificates not verified)" and the like.
fn protocol_phrase(h: &StressHeader) -> String {
    let mut s = match (h.http2, h.pipeline) {
        (false, p) if p > 1 => format!(", HTTP/1.1 pipelined x{p}"),
        (false, _) => ", HTTP/1.1".to_string(),
        (true, p) => format!(", HTTP/2, {p} streams each"),
    };
    match &h.tls {
        Some(t) => {
            let _ = write!(s, ", TLS {}", t.versions);
            if !t.verified {
                s.push_str(" (certificates not verified)");
            }
        }
        None if h.http2 => s.push_str(" (h2c)"),
        None => {}
    }
    s
}

/// ", open loop at 1000 requests/s, 2s warmup, 1s ramp-up"; empty for a plain closed loop.
fn pacing_phrase(h: &StressHeader) -> String {
    let mut s = String::new();
    if let Some(r) = h.rate {
        let _ = write!(s, ", open loop at {r} requests/s");
    }
    if let Some(w) = h.warmup {
        let _ = write!(s, ", {w} warmup");
    }
    if let Some(r) = h.ramp_up {
        let _ = write!(s, ", {r} ramp-up");
    }
    s
}

/// The message of `stress`'s live progress bar after an interval: its responses/s, its errors
/// and its p99 latency in µs (None: no response in the interval).
pub fn progress_message(rps: f64, errors: u64, p99_us: Option<f64>) -> String {
    let p99 = p99_us.map_or("-".to_string(), format_time_us);
    format!("{rps:>10.0} req/s  {errors:>6} errors  p99 {p99:>8}")
}

/// What a built-in target counted: `serve`'s final line, read back by the parent `stress`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Served {
    pub requests: u64,
    pub responses: u64,
    pub connections: u64,
    pub parse_errors: u64,
}

impl Served {
    /// The counts of a "served requests=N ..." line; None for any other line. A count that is
    /// missing or not a number is 0; unknown keys are ignored.
    pub fn from_line(line: &str) -> Option<Served> {
        let rest = line.trim().strip_prefix("served ")?;
        let mut served = Served::default();
        for kv in rest.split_whitespace() {
            if let Some((k, v)) = kv.split_once('=') {
                let v = v.parse().unwrap_or(0);
                match k {
                    "requests" => served.requests = v,
                    "responses" => served.responses = v,
                    "connections" => served.connections = v,
                    "parse_errors" => served.parse_errors = v,
                    _ => {}
                }
            }
        }
        Some(served)
    }
}

/// `serve`'s last line: "served requests=N responses=N connections=N parse_errors=N".
pub fn served_line(s: &Served) -> String {
    format!(
        "served requests={} responses={} connections={} parse_errors={}\n",
        s.requests, s.responses, s.connections, s.parse_errors
    )
}

/// The line `serve --announce` prints for a parent to read: "listening ADDR".
pub fn announce_line(addr: SocketAddr) -> String {
    format!("listening {addr}\n")
}

/// `serve`'s banner for a person: where it listens, on which CPUs, with which I/O backend
/// ("io_uring", "epoll"), and a second line when it speaks TLS.
pub fn serve_banner(addr: SocketAddr, cpus: &[usize], backend: &str, tls: bool) -> String {
    let list: Vec<String> = cpus.iter().map(|c| c.to_string()).collect();
    let mut s = format!(
        "tfw-bench serve: listening on {addr} ({} worker(s) on CPU {}, {backend})\n",
        cpus.len(),
        list.join(",")
    );
    if tls {
        s.push_str("tfw-bench serve: HTTPS (TLS 1.2 and 1.3, ALPN h2, http/1.1)\n");
    }
    s
}

/// `stress` started its built-in target (printed on stderr).
pub fn builtin_target_started(addr: SocketAddr, cpu: usize) -> String {
    format!("built-in target on {addr} (CPU {cpu})\n")
}

/// Under the stress summary: what the built-in target counted on its side.
pub fn builtin_target_counted(s: &Served) -> String {
    format!(
        "  Built-in target counted {} requests, {} responses, {} connections\n",
        s.requests, s.responses, s.connections
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>() -> StressHeader<'a> {
        StressHeader {
            target: "http://127.0.0.1:8080/",
            duration: None,
            requests: None,
            conns: 100,
            http2: false,
            pipeline: 1,
            tls: None,
            cpus: &[1],
            rate: None,
            warmup: None,
            ramp_up: None,
        }
    }

    #[test]
    fn stress_header_closed_loop_http1() {
        assert_eq!(
            stress_header(&header()),
            "Running 10s test @ http://127.0.0.1:8080/\n  \
             100 connections, HTTP/1.1, 1 worker(s) on CPU 1\n"
        );
        let h = StressHeader {
            requests: Some(500),
            pipeline: 4,
            cpus: &[2, 3, 5],
            ..header()
        };
        assert_eq!(
            stress_header(&h),
            "Running 500 requests test @ http://127.0.0.1:8080/\n  \
             100 connections, HTTP/1.1 pipelined x4, 3 worker(s) on CPU 2,3,5\n"
        );
    }

    #[test]
    fn stress_header_h2_tls_open_loop() {
        let h = StressHeader {
            target: "https://127.0.0.1:40795/",
            duration: Some("1s"),
            conns: 4,
            http2: true,
            pipeline: 1,
            tls: Some(TlsLine {
                versions: "1.2+1.3",
                verified: false,
            }),
            rate: Some(100.0),
            warmup: Some("300ms"),
            ramp_up: Some("200ms"),
            ..header()
        };
        assert_eq!(
            stress_header(&h),
            "Running 1s test @ https://127.0.0.1:40795/\n  \
             4 connections, HTTP/2, 1 streams each, TLS 1.2+1.3 (certificates not verified), \
             1 worker(s) on CPU 1, open loop at 100 requests/s, 300ms warmup, 200ms ramp-up\n"
        );
        let verified = StressHeader {
            tls: Some(TlsLine {
                versions: "1.3",
                verified: true,
            }),
            rate: Some(2500.5),
            warmup: None,
            ramp_up: None,
            ..h
        };
        assert_eq!(
            stress_header(&verified),
            "Running 1s test @ https://127.0.0.1:40795/\n  \
             4 connections, HTTP/2, 1 streams each, TLS 1.3, 1 worker(s) on CPU 1, \
             open loop at 2500.5 requests/s\n"
        );
    }

    #[test]
    fn stress_header_h2c_with_both_bounds() {
        let h = StressHeader {
            duration: Some("2s"),
            requests: Some(500),
            conns: 2,
            http2: true,
            pipeline: 3,
            ..header()
        };
        assert_eq!(
            stress_header(&h),
            "Running 500 requests / 2s test @ http://127.0.0.1:8080/\n  \
             2 connections, HTTP/2, 3 streams each (h2c), 1 worker(s) on CPU 1\n"
        );
    }

    #[test]
    fn progress() {
        assert_eq!(
            progress_message(181_234.4, 3, Some(1830.0)),
            "    181234 req/s       3 errors  p99   1.83ms"
        );
        assert_eq!(
            progress_message(0.0, 0, None),
            "         0 req/s       0 errors  p99        -"
        );
    }

    #[test]
    fn serve_lines() {
        let addr: SocketAddr = "127.0.0.1:8000".parse().unwrap();
        assert_eq!(announce_line(addr), "listening 127.0.0.1:8000\n");
        assert_eq!(
            serve_banner(addr, &[0], "io_uring", false),
            "tfw-bench serve: listening on 127.0.0.1:8000 (1 worker(s) on CPU 0, io_uring)\n"
        );
        assert_eq!(
            serve_banner(addr, &[2, 3], "epoll", true),
            "tfw-bench serve: listening on 127.0.0.1:8000 (2 worker(s) on CPU 2,3, epoll)\n\
             tfw-bench serve: HTTPS (TLS 1.2 and 1.3, ALPN h2, http/1.1)\n"
        );
        assert_eq!(
            builtin_target_started("127.0.0.1:40683".parse().unwrap(), 0),
            "built-in target on 127.0.0.1:40683 (CPU 0)\n"
        );
    }

    #[test]
    fn served_line_round_trips() {
        let s = Served {
            requests: 123_456,
            responses: 123_450,
            connections: 100,
            parse_errors: 6,
        };
        let line = served_line(&s);
        assert_eq!(
            line,
            "served requests=123456 responses=123450 connections=100 parse_errors=6\n"
        );
        assert_eq!(Served::from_line(&line), Some(s));
        assert_eq!(
            builtin_target_counted(&s),
            "  Built-in target counted 123456 requests, 123450 responses, 100 connections\n"
        );
        assert_eq!(Served::from_line("listening 127.0.0.1:8000"), None);
        assert_eq!(
            Served::from_line("served requests=x responses=7 other=1"),
            Some(Served {
                responses: 7,
                ..Served::default()
            })
        );
    }
}
