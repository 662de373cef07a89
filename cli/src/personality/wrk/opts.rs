//! wrk's command line, as wrk reads it (github:wg/wrk src/wrk.c `parse_args` and `longopts`,
//! src/units.c `scan_units`, commit a211dd5a7050b1f9e8a9870b95513060e72ac4a0): glibc
//! `getopt_long` with the option string `t:c:d:s:H:T:Lrv?` (arguments permuted, so options
//! may follow the URL; `-c10` and `-c 10`; `--connections=10`, `--connections 10` and
//! unambiguous prefixes such as `--conn`; `--` ends the options), getopt's messages on
//! stderr, wrk's numbers with SI suffixes (`1k`, `2M`) and times with time suffixes (`2s`,
//! `2m`, `2h`), its defaults (2 threads, 10 connections, 10 s, 2 s timeout) and its checks in
//! its order. Every refusal is a [`Refused`]: wrk prints its usage after it and exits 1.
//!
//! One option is tfw-bench's own: `--tfw-json FILE` writes tfw-bench's JSON run document.

use std::path::PathBuf;
use tfw_scenarios::Target;

/// wrk's usage text (stdout).
pub const USAGE: &str = "Usage: wrk <options> <url>                            \n\
\x20 Options:                                            \n\
\x20   -c, --connections <N>  Connections to keep open   \n\
\x20   -d, --duration    <T>  Duration of test           \n\
\x20   -t, --threads     <N>  Number of threads to use   \n\
\x20                                                     \n\
\x20   -s, --script      <S>  Load Lua script file       \n\
\x20   -H, --header      <H>  Add header to request      \n\
\x20       --latency          Print latency statistics   \n\
\x20       --timeout     <T>  Socket/request timeout     \n\
\x20   -v, --version          Print version details      \n\
\x20                                                     \n\
\x20 Numeric arguments may include a SI unit (1k, 1M, 1G)\n\
\x20 Time arguments may include a time unit (2s, 2m, 2h)\n";

/// What `-v` prints (wrk: `wrk VERSION [event API] Copyright ...`).
pub fn version_line() -> String {
    format!(
        "wrk tfw-bench-{} [io_uring/epoll] Copyright (C) 2012 Will Glozer\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// A command line wrk runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrkOpts {
    pub connections: u64,
    /// Seconds.
    pub duration: u64,
    pub threads: u64,
    /// Milliseconds.
    pub timeout_ms: u64,
    pub script: Option<String>,
    /// `-H` values as given, in order.
    pub headers: Vec<String>,
    pub latency: bool,
    pub url: String,
    /// The parsed URL (with `http` for a scheme other than http and https).
    pub target: Target,
    /// The URL's scheme when it is neither http nor https (wrk takes it; tfw-bench refuses).
    pub other_scheme: Option<String>,
    /// The arguments after the URL (the script's `init(args)`).
    pub script_args: Vec<String>,
    /// `--tfw-json FILE`.
    pub tfw_json: Option<PathBuf>,
}

/// A command line wrk refuses: the message it prints first on stderr, if any (the usage
/// follows on stdout, exit status 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(pub Option<String>);

/// What parsing produced: `-v`'s lines (printed as they come, before anything else) and the
/// options or the refusal.
#[derive(Debug)]
pub struct Parsed {
    pub stdout: String,
    pub result: Result<WrkOpts, Refused>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
}

/// wrk's `longopts` (and tfw-bench's `--tfw-json`): name, argument, the short letter it
/// stands for.
const LONG: [(&str, Arg, char); 10] = [
    ("connections", Arg::Required, 'c'),
    ("duration", Arg::Required, 'd'),
    ("threads", Arg::Required, 't'),
    ("script", Arg::Required, 's'),
    ("header", Arg::Required, 'H'),
    ("latency", Arg::None, 'L'),
    ("timeout", Arg::Required, 'T'),
    ("help", Arg::None, 'h'),
    ("version", Arg::None, 'v'),
    ("tfw-json", Arg::Required, 'J'),
];

/// The short options and whether each takes an argument (`t:c:d:s:H:T:Lrv?`).
fn short(c: char) -> Option<Arg> {
    match c {
        't' | 'c' | 'd' | 's' | 'H' | 'T' => Some(Arg::Required),
        'L' | 'r' | 'v' | '?' => Some(Arg::None),
        _ => None,
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(Some(msg.into())))
}

fn usage<T>() -> Result<T, Refused> {
    Err(Refused(None))
}

/// Parses wrk's arguments (without the program name).
pub fn parse(args: &[String]) -> Parsed {
    let mut stdout = String::new();
    let result = parse_into(args, &mut stdout);
    Parsed { stdout, result }
}

fn parse_into(args: &[String], stdout: &mut String) -> Result<WrkOpts, Refused> {
    let mut o = Raw {
        threads: 2,
        connections: 10,
        duration: 10,
        timeout_ms: 2000,
        ..Raw::default()
    };
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            positional.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let (long, kind, letter) = find_long(name, a)?;
            let value = match (kind, inline) {
                (Arg::None, Some(_)) => {
                    return err(format!("wrk: option '--{long}' doesn't allow an argument"))
                }
                (Arg::None, None) => None,
                (Arg::Required, Some(v)) => Some(v),
                (Arg::Required, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return err(format!("wrk: option '--{long}' requires an argument")),
                },
            };
            o.apply(letter, value, stdout)?;
        } else if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a.chars().skip(1).collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                match short(c) {
                    None => return err(format!("wrk: invalid option -- '{c}'")),
                    Some(Arg::None) => o.apply(c, None, stdout)?,
                    Some(Arg::Required) => {
                        let value = if k < chars.len() {
                            chars[k..].iter().collect()
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            return err(format!("wrk: option requires an argument -- '{c}'"));
                        };
                        o.apply(c, Some(value), stdout)?;
                        break;
                    }
                }
            }
        } else {
            positional.push(a.clone());
        }
    }
    if positional.is_empty() || o.threads == 0 || o.duration == 0 {
        return usage();
    }
    let url = positional.remove(0);
    let mut other_scheme = None;
    let target = match Target::parse(&url) {
        Ok(t) => t,
        // wrk takes any scheme (and speaks plain HTTP to it); refused later, by name.
        Err(tfw_scenarios::ScenarioError::UnsupportedScheme(s)) if valid_other_scheme(&url) => {
            other_scheme = Some(s);
            Target::parse(&format!("http{}", &url[url.find("://").unwrap_or(0)..]))
                .map_err(|_| Refused(Some(format!("invalid URL: {url}"))))?
        }
        Err(_) => return err(format!("invalid URL: {url}")),
    };
    if o.connections == 0 || o.connections < o.threads {
        return err("number of connections must be >= threads");
    }
    Ok(WrkOpts {
        connections: o.connections,
        duration: o.duration,
        threads: o.threads,
        timeout_ms: o.timeout_ms,
        script: o.script,
        headers: o.headers,
        latency: o.latency,
        url,
        target,
        other_scheme,
        script_args: positional,
        tfw_json: o.tfw_json,
    })
}

/// A URL with a scheme other than http(s) that is otherwise one (wrk would run it).
fn valid_other_scheme(url: &str) -> bool {
    url.split_once("://").is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// glibc's long option lookup: an exact name, or the one name that the text is a prefix of.
fn find_long(name: &str, arg: &str) -> Result<(&'static str, Arg, char), Refused> {
    if let Some(&(n, k, c)) = LONG.iter().find(|(n, _, _)| *n == name) {
        return Ok((n, k, c));
    }
    let matches: Vec<_> = LONG
        .iter()
        .filter(|(n, _, _)| n.starts_with(name))
        .collect();
    match matches.as_slice() {
        [] => err(format!("wrk: unrecognized option '{arg}'")),
        [&(n, k, c)] => Ok((n, k, c)),
        many => {
            let names: Vec<String> = many.iter().map(|(n, _, _)| format!(" '--{n}'")).collect();
            err(format!(
                "wrk: option '{arg}' is ambiguous; possibilities:{}",
                names.concat()
            ))
        }
    }
}

#[derive(Default)]
struct Raw {
    threads: u64,
    connections: u64,
    duration: u64,
    timeout_ms: u64,
    script: Option<String>,
    headers: Vec<String>,
    latency: bool,
    tfw_json: Option<PathBuf>,
}

impl Raw {
    fn apply(&mut self, c: char, v: Option<String>, stdout: &mut String) -> Result<(), Refused> {
        let v = v.unwrap_or_default();
        match c {
            't' => self.threads = scan_metric(&v).ok_or(Refused(None))?,
            'c' => self.connections = scan_metric(&v).ok_or(Refused(None))?,
            'd' => self.duration = scan_time(&v).ok_or(Refused(None))?,
            's' => self.script = Some(v),
            'H' => self.headers.push(v),
            'L' => self.latency = true,
            'T' => {
                self.timeout_ms = scan_time(&v).ok_or(Refused(None))?.wrapping_mul(1000);
            }
            'v' => stdout.push_str(&version_line()),
            'J' => self.tfw_json = Some(PathBuf::from(v)),
            // -h/--help, -?, -r (in wrk's option string, handled by no case): the usage.
            _ => return usage(),
        }
        Ok(())
    }
}

/// A unit table of `scan_units`: the unit of the plain number and the larger ones.
struct Scan {
    scale: u64,
    base: &'static str,
    units: &'static [&'static str],
}

/// `scan_metric`: `10`, `1k`, `2M`, `1G` (case-insensitive).
pub fn scan_metric(s: &str) -> Option<u64> {
    scan_units(
        s,
        &Scan {
            scale: 1000,
            base: "",
            units: &["k", "M", "G", "T", "P"],
        },
    )
}

/// `scan_time` in seconds: `10`, `10s`, `2m`, `1h` (case-insensitive).
pub fn scan_time(s: &str) -> Option<u64> {
    scan_units(
        s,
        &Scan {
            scale: 60,
            base: "s",
            units: &["m", "h"],
        },
    )
}

/// `sscanf(s, "%lu%2s")` and the unit lookup: a number (strtoul's leading blanks and sign,
/// a minus wrapping around), then up to two characters after any blanks naming a unit.
fn scan_units(s: &str, m: &Scan) -> Option<u64> {
    let t = s.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    // strtoul saturates on overflow.
    let mut base = t[..digits].parse::<u64>().unwrap_or(u64::MAX);
    if neg {
        base = base.wrapping_neg();
    }
    let rest = t[digits..].trim_start();
    let unit: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(2)
        .collect();
    let mut scale = 1u64;
    if !unit.is_empty() && !unit.eq_ignore_ascii_case(m.base) {
        let mut found = false;
        for u in m.units {
            scale = scale.wrapping_mul(m.scale);
            if unit.eq_ignore_ascii_case(u) {
                found = true;
                break;
            }
        }
        if !found {
            return None;
        }
    }
    Some(base.wrapping_mul(scale))
}

#[cfg(test)]
mod tests;
