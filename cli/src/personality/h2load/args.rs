//! h2load's command line (nghttp2 src/h2load.cc `main`, tag v1.52.0, commit
//! be0491294a63d891bd12b6b1b7e372a45a5d0ffe, plus `--alpn-list` and `--sni` of later
//! versions): its options, defaults, value syntax and error words. Options whose effect
//! tfw-bench cannot give are refused by name here, before anything runs. Parsing only: the
//! values are checked against each other and turned into a plan in `plan.rs`.

use super::getopt::{self, Item, Spec};
use std::path::PathBuf;
use std::time::Duration;

/// The options, in `SPECS` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum O {
    Requests,
    Clients,
    Data,
    Threads,
    Streams,
    WindowBits,
    FrameSize,
    ConnWindowBits,
    InputFile,
    Header,
    NoTlsProto,
    Verbose,
    Help,
    Version,
    Ciphers,
    Rate,
    ActiveTimeout,
    InactivityTimeout,
    Duration,
    TimingScript,
    BaseUri,
    NpnList,
    RatePeriod,
    H1,
    HeaderTableSize,
    EncoderTableSize,
    WarmUp,
    LogFile,
    ConnectTo,
    Rps,
    Groups,
    Tls13Ciphers,
    NoUdpGso,
    QlogBase,
    MaxUdpPayload,
    Ktls,
    AlpnList,
    Sni,
    TfwJson,
}

const fn s(short: Option<char>, long: &'static str, takes_value: bool) -> Spec {
    Spec {
        short,
        long,
        takes_value,
    }
}

const OPTS: [(O, Spec); 39] = [
    (O::Requests, s(Some('n'), "requests", true)),
    (O::Clients, s(Some('c'), "clients", true)),
    (O::Data, s(Some('d'), "data", true)),
    (O::Threads, s(Some('t'), "threads", true)),
    (O::Streams, s(Some('m'), "max-concurrent-streams", true)),
    (O::WindowBits, s(Some('w'), "window-bits", true)),
    (O::FrameSize, s(Some('f'), "max-frame-size", true)),
    (
        O::ConnWindowBits,
        s(Some('W'), "connection-window-bits", true),
    ),
    (O::InputFile, s(Some('i'), "input-file", true)),
    (O::Header, s(Some('H'), "header", true)),
    (O::NoTlsProto, s(Some('p'), "no-tls-proto", true)),
    (O::Verbose, s(Some('v'), "verbose", false)),
    (O::Help, s(Some('h'), "help", false)),
    (O::Version, s(None, "version", false)),
    (O::Ciphers, s(None, "ciphers", true)),
    (O::Rate, s(Some('r'), "rate", true)),
    (
        O::ActiveTimeout,
        s(Some('T'), "connection-active-timeout", true),
    ),
    (
        O::InactivityTimeout,
        s(Some('N'), "connection-inactivity-timeout", true),
    ),
    (O::Duration, s(Some('D'), "duration", true)),
    (O::TimingScript, s(None, "timing-script-file", true)),
    (O::BaseUri, s(Some('B'), "base-uri", true)),
    (O::NpnList, s(None, "npn-list", true)),
    (O::RatePeriod, s(None, "rate-period", true)),
    (O::H1, s(None, "h1", false)),
    (O::HeaderTableSize, s(None, "header-table-size", true)),
    (
        O::EncoderTableSize,
        s(None, "encoder-header-table-size", true),
    ),
    (O::WarmUp, s(None, "warm-up-time", true)),
    (O::LogFile, s(None, "log-file", true)),
    (O::ConnectTo, s(None, "connect-to", true)),
    (O::Rps, s(None, "rps", true)),
    (O::Groups, s(None, "groups", true)),
    (O::Tls13Ciphers, s(None, "tls13-ciphers", true)),
    (O::NoUdpGso, s(None, "no-udp-gso", false)),
    (O::QlogBase, s(None, "qlog-file-base", true)),
    (O::MaxUdpPayload, s(None, "max-udp-payload-size", true)),
    (O::Ktls, s(None, "ktls", false)),
    (O::AlpnList, s(None, "alpn-list", true)),
    (O::Sni, s(None, "sni", true)),
    (O::TfwJson, s(None, "tfw-json", true)),
];

/// What h2load speaks on an http:// URI (`-p`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clear {
    H2c,
    Http11,
}

/// The command line, parsed and each value checked on its own.
#[derive(Clone, Debug)]
pub struct Args {
    /// `-n`; None: not given (default 1).
    pub requests: Option<u64>,
    pub clients: u64,
    pub threads: u64,
    pub streams: u64,
    pub window_bits: u32,
    pub conn_window_bits: u32,
    /// `-H` in order: name lowercased, value.
    pub headers: Vec<(String, String)>,
    pub data: Option<PathBuf>,
    pub input_file: Option<String>,
    pub clear: Clear,
    /// ALPN list (`--alpn-list`, `--npn-list`, `--h1`); None: h2load's default.
    pub alpn: Option<Vec<String>>,
    pub duration: Option<Duration>,
    pub warm_up: Option<Duration>,
    pub inactivity: Option<Duration>,
    pub base_uri: Option<String>,
    pub ciphers: Option<String>,
    pub tls13_ciphers: Option<String>,
    pub groups: Option<String>,
    pub sni: Option<String>,
    pub uris: Vec<String>,
    /// tfw-bench's own JSON document (`--tfw-json`, or TFW_BENCH_JSON).
    pub tfw_json: Option<PathBuf>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Args>),
    Help,
    Version,
}

/// `-n` style: decimal digits only (h2load's util::parse_uint).
fn uint(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// h2load's util::parse_uint_with_unit: digits with an optional K, M or G (powers of 1024).
pub fn uint_with_unit(s: &str) -> Option<u64> {
    let (digits, mul) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 1u64 << 10),
        b'm' | b'M' => (&s[..s.len() - 1], 1 << 20),
        b'g' | b'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    uint(digits)?.checked_mul(mul)
}

/// h2load's util::parse_duration_with_unit: digits with an optional h, m, s or ms (seconds
/// without one).
pub fn duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = uint(&s[..split])?;
    let secs = match s[split..].to_ascii_lowercase().as_str() {
        "" | "s" => n,
        "ms" => return Some(Duration::from_millis(n)),
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

/// An option h2load has that tfw-bench cannot honour: its one-line refusal.
fn refuse(name: &str, why: &str) -> String {
    format!("{name}: not supported by tfw-bench's h2load ({why})")
}

/// Parses h2load's command line; an error is the line to print (exit status 1).
pub fn parse(argv: &[String]) -> Result<Parsed, String> {
    let specs: Vec<Spec> = OPTS.iter().map(|(_, s)| *s).collect();
    let items = getopt::parse(argv, &specs).map_err(|e| format!("h2load: {e}"))?;
    let mut a = Args {
        requests: None,
        clients: 1,
        threads: 1,
        streams: 1,
        window_bits: 30,
        conn_window_bits: 30,
        headers: Vec::new(),
        data: None,
        input_file: None,
        clear: Clear::H2c,
        alpn: None,
        duration: None,
        warm_up: None,
        inactivity: None,
        base_uri: None,
        ciphers: None,
        tls13_ciphers: None,
        groups: None,
        sni: None,
        uris: Vec::new(),
        tfw_json: std::env::var_os("TFW_BENCH_JSON").map(PathBuf::from),
    };
    for item in items {
        let (k, v) = match item {
            Item::Operand(u) => {
                a.uris.push(u);
                continue;
            }
            Item::Opt(k, v) => (k, v.unwrap_or_default()),
        };
        let bad = |flag: &str| format!("{flag}: bad option value: {v}");
        match OPTS[k].0 {
            O::Help => return Ok(Parsed::Help),
            O::Version => return Ok(Parsed::Version),
            O::Requests => a.requests = Some(uint(&v).ok_or_else(|| bad("-n"))?),
            O::Clients => a.clients = uint(&v).ok_or_else(|| bad("-c"))?,
            O::Threads => a.threads = uint(&v).ok_or_else(|| bad("-t"))?,
            O::Streams => a.streams = uint(&v).ok_or_else(|| bad("-m"))?,
            O::Data => a.data = Some(PathBuf::from(v)),
            O::WindowBits | O::ConnWindowBits => {
                let c = if OPTS[k].0 == O::WindowBits { 'w' } else { 'W' };
                let n = uint(&v).filter(|&n| n <= 30).ok_or_else(|| {
                    format!("-{c}: specify the integer in the range [0, 30], inclusive")
                })?;
                if c == 'w' {
                    a.window_bits = n as u32;
                } else {
                    a.conn_window_bits = n as u32;
                }
            }
            O::FrameSize => {
                let n = uint_with_unit(&v)
                    .ok_or_else(|| format!("--max-frame-size: bad option value: {v}"))?;
                if n < 16384 {
                    return Err("--max-frame-size: minimum 16384".into());
                }
                if n > (1 << 24) - 1 {
                    return Err("--max-frame-size: maximum 16777215".into());
                }
                if n != 16384 {
                    return Err(refuse(
                        "--max-frame-size",
                        "tfw-bench announces the default 16384",
                    ));
                }
            }
            O::Header => a.headers.push(header(&v)?),
            O::InputFile => a.input_file = Some(v),
            O::NoTlsProto => {
                a.clear = if v.eq_ignore_ascii_case("h2c") {
                    Clear::H2c
                } else if v.eq_ignore_ascii_case("http/1.1") {
                    Clear::Http11
                } else {
                    return Err(format!("-p: unsupported protocol {v}"));
                }
            }
            O::H1 => {
                a.alpn = Some(vec!["http/1.1".into()]);
                a.clear = Clear::Http11;
            }
            O::NpnList | O::AlpnList => {
                if OPTS[k].0 == O::NpnList {
                    eprintln!("--npn-list: deprecated.  Use --alpn-list instead.");
                }
                a.alpn = Some(v.split(',').map(str::to_string).collect());
            }
            O::Duration => {
                a.duration = Some(duration(&v).ok_or_else(|| format!("-D: value error {v}"))?)
            }
            O::WarmUp => {
                a.warm_up =
                    Some(duration(&v).ok_or_else(|| format!("--warm-up-time: value error {v}"))?)
            }
            O::InactivityTimeout => {
                a.inactivity = Some(duration(&v).ok_or_else(|| {
                    format!("-N: bad value for the conn_inactivity_timeout wait time: {v}")
                })?)
            }
            O::BaseUri => {
                if v.len() >= 5 && v[..5].eq_ignore_ascii_case("unix:") {
                    return Err(refuse("--base-uri unix:", "no UNIX domain sockets"));
                }
                a.base_uri = Some(v);
            }
            O::HeaderTableSize | O::EncoderTableSize => {
                let name = OPTS[k].1.long;
                let n =
                    uint_with_unit(&v).ok_or_else(|| format!("--{name}: Bad option value: {v}"))?;
                if n > u64::from(u32::MAX) {
                    return Err(format!(
                        "--{name}: Value too large.  It should be less than or equal to {}",
                        u32::MAX
                    ));
                }
                if n != 4096 {
                    return Err(refuse(
                        &format!("--{name}"),
                        "tfw-bench's HPACK tables are the default 4096 bytes",
                    ));
                }
            }
            O::Ciphers => a.ciphers = Some(v),
            O::Tls13Ciphers => a.tls13_ciphers = Some(v),
            O::Groups => a.groups = Some(v),
            O::Sni => a.sni = Some(v),
            O::TfwJson => a.tfw_json = Some(PathBuf::from(v)),
            O::Verbose => return Err(refuse("-v", "no frame-by-frame debug output")),
            O::Rate | O::RatePeriod => {
                return Err(refuse(
                    &format!("--{}", OPTS[k].1.long),
                    "connections are not opened in bursts per period; \
                     tfw-bench stress --ramp-up opens them evenly",
                ))
            }
            O::ActiveTimeout => {
                return Err(refuse(
                    "-T",
                    "connections are not closed after a fixed time; -N is supported",
                ))
            }
            O::TimingScript => return Err(refuse("--timing-script-file", "no timing scripts")),
            O::LogFile => return Err(refuse("--log-file", "no per-request log")),
            O::ConnectTo => return Err(refuse("--connect-to", "connects to the URI's host")),
            O::Rps => {
                return Err(refuse(
                    "--rps",
                    "per-client rates; tfw-bench stress --rate paces the total",
                ))
            }
            O::NoUdpGso | O::QlogBase | O::MaxUdpPayload => {
                return Err(refuse(&format!("--{}", OPTS[k].1.long), "no HTTP/3 (QUIC)"))
            }
            O::Ktls => return Err(refuse("--ktls", "TLS is done in user space (rustls)")),
        }
    }
    Ok(Parsed::Run(Box::new(a)))
}

/// `-H NAME:VALUE` as h2load splits it: at the first ':' after the first character (so
/// ":method:PUT" is the pseudo-header), name lowercased, value without leading spaces.
fn header(h: &str) -> Result<(String, String), String> {
    let colon = h
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == ':')
        .map(|(i, _)| i);
    let Some(i) = colon.filter(|&i| !(h.starts_with(':') && i == 1)) else {
        return Err(format!("-H: invalid header: {h}"));
    };
    let value = h[i + 1..].trim_start();
    if value.is_empty() {
        return Err(format!("-H: invalid header - value missing: {h}"));
    }
    Ok((h[..i].to_ascii_lowercase(), value.to_string()))
}

#[cfg(test)]
mod tests;
