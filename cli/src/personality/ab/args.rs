//! ab's command line as ab 2.3 reads it (apache/httpd support/ab.c, 2.4.x branch, commit
//! f45abec1bd20396cea777a411bd5975abefad279, `main`): apr_getopt's rules (`-n100` and `-n 100`,
//! grouped flags `-kq`, options end at the first argument that is not one, exactly one URL
//! after them), its checks and messages, and its exit codes: 22 (EINVAL) after the usage
//! text, 1 for ab's `err()` checks. Options tfw-bench cannot honour are refused by name.

use std::net::IpAddr;
use std::path::PathBuf;
use tfw_engine::proto::tls::TlsVersions;

/// ab's usage exit code (EINVAL).
pub const USAGE: i32 = 22;

/// Why the command line cannot run: what to print on stderr and the exit code.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: i32,
    /// The message line(s), without ab's usage text.
    pub message: String,
    /// Print the usage text after the message.
    pub usage: bool,
}

impl Refusal {
    fn usage(message: impl Into<String>) -> Refusal {
        Refusal {
            code: USAGE,
            message: message.into(),
            usage: true,
        }
    }

    /// ab's `err()`: the message and exit 1.
    pub fn err(message: impl Into<String>) -> Refusal {
        Refusal {
            code: 1,
            message: message.into(),
            usage: false,
        }
    }
}

/// How the request's method was chosen (ab refuses mixing -i, -p and -u).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    Default,
    Head,
    Post,
    Put,
    Custom(String),
}

/// A checked ab command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbArgs {
    pub requests: u64,
    pub concurrency: u32,
    /// `-t`: seconds (0: no limit, as ab).
    pub tlimit: Option<u64>,
    /// `-s`: seconds.
    pub timeout_s: u64,
    pub bind: Option<IpAddr>,
    pub method: Method,
    /// `-m` given: its name replaces GET/POST/PUT/HEAD on the request line.
    pub method_name: Option<String>,
    /// `-p`/`-u`: the file's path (read when the plan is made).
    pub body_file: Option<PathBuf>,
    pub content_type: Option<String>,
    pub verbosity: i64,
    /// `-C`: the last one given (ab 2.3 keeps only the last).
    pub cookie: Option<String>,
    pub headers: Vec<String>,
    /// `-A`: user:password.
    pub auth: Option<String>,
    pub keepalive: bool,
    pub percentiles: bool,
    pub confidence: bool,
    pub quiet: bool,
    pub variable_length: bool,
    pub recv_err_ok: bool,
    pub csv: Option<PathBuf>,
    pub tls_versions: TlsVersions,
    pub ciphers: Option<String>,
    pub url: String,
    /// `--tfw-json FILE` (tfw-bench's own option): the run as tfw-bench's JSON document.
    pub tfw_json: Option<PathBuf>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Box<AbArgs>),
    /// `-V`: the banner, exit 0.
    Version,
    /// `-h`: the usage, exit 22 (as ab).
    Help,
}

/// ab's option letters and whether each takes an argument.
const OPTS: &str = "n:c:t:s:b:T:p:u:v:lrkVhwiIx:y:z:C:H:P:A:g:X:de:SqB:m:Z:f:E:";

fn takes_arg(c: char) -> Option<bool> {
    let i = OPTS.find(c).filter(|_| c != ':')?;
    Some(OPTS[i + 1..].starts_with(':'))
}

/// Options ab has that tfw-bench does not honour, with what they do.
fn refused(c: char) -> Option<&'static str> {
    Some(match c {
        'b' => "TCP window size",
        'w' | 'x' | 'y' | 'z' => "HTML output",
        'X' => "proxy",
        'P' => "proxy authentication",
        'g' => "gnuplot output of every request's times",
        'E' => "client certificate",
        'I' => "disabling SNI",
        _ => return None,
    })
}

fn number(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

fn base() -> AbArgs {
    AbArgs {
        requests: 1,
        concurrency: 1,
        tlimit: None,
        timeout_s: 30,
        bind: None,
        method: Method::Default,
        method_name: None,
        body_file: None,
        content_type: None,
        verbosity: 0,
        cookie: None,
        headers: Vec::new(),
        auth: None,
        keepalive: false,
        percentiles: true,
        confidence: true,
        quiet: false,
        variable_length: false,
        recv_err_ok: false,
        csv: None,
        tls_versions: TlsVersions::Both,
        ciphers: None,
        url: String::new(),
        tfw_json: std::env::var_os("TFW_BENCH_JSON").map(PathBuf::from),
    }
}

/// Parses ab's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Parsed, Refusal> {
    let mut a = base();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if let Some(v) = arg.strip_prefix("--tfw-json") {
            let path = match v.strip_prefix('=') {
                Some(p) => p.to_string(),
                None if v.is_empty() => {
                    i += 1;
                    args.get(i).cloned().ok_or_else(|| {
                        Refusal::usage("ab: option requires an argument -- tfw-json")
                    })?
                }
                None => return Err(Refusal::usage(format!("ab: illegal option -- {arg}"))),
            };
            a.tfw_json = Some(PathBuf::from(path));
            i += 1;
            continue;
        }
        if !arg.starts_with('-') || arg.len() == 1 {
            break;
        }
        let letters: Vec<char> = arg[1..].chars().collect();
        let mut j = 0;
        while j < letters.len() {
            let c = letters[j];
            let Some(has_arg) = takes_arg(c) else {
                return Err(Refusal::usage(format!("ab: illegal option -- {c}")));
            };
            if !has_arg {
                if let Some(r) = flag(&mut a, c)? {
                    return Ok(r);
                }
                j += 1;
                continue;
            }
            let rest: String = letters[j + 1..].iter().collect();
            let value = if rest.is_empty() {
                i += 1;
                args.get(i).cloned().ok_or_else(|| {
                    Refusal::usage(format!("ab: option requires an argument -- {c}"))
                })?
            } else {
                rest
            };
            option(&mut a, c, &value)?;
            break;
        }
        i += 1;
    }
    if args.len() != i + 1 {
        return Err(Refusal::usage("ab: wrong number of arguments"));
    }
    a.url = args[i].clone();
    Ok(Parsed::Run(Box::new(a)))
}

/// A flag (no argument); Some when it ends parsing (-V, -h).
fn flag(a: &mut AbArgs, c: char) -> Result<Option<Parsed>, Refusal> {
    match c {
        'k' => a.keepalive = true,
        'q' => a.quiet = true,
        'd' => a.percentiles = false,
        'S' => a.confidence = false,
        'l' => a.variable_length = true,
        'r' => a.recv_err_ok = true,
        'i' => {
            if a.method != Method::Default {
                return Err(Refusal::err("Cannot mix HEAD with other methods\n"));
            }
            a.method = Method::Head;
        }
        'V' => return Ok(Some(Parsed::Version)),
        'h' => return Ok(Some(Parsed::Help)),
        _ => return Err(refusal(c)),
    }
    Ok(None)
}

fn refusal(c: char) -> Refusal {
    let what = refused(c).unwrap_or("this option");
    Refusal {
        code: USAGE,
        message: format!("ab: option -{c} ({what}) is not supported by tfw-bench"),
        usage: false,
    }
}

fn option(a: &mut AbArgs, c: char, v: &str) -> Result<(), Refusal> {
    match c {
        'n' => match number(v) {
            Some(n) if n > 0 => a.requests = n as u64,
            _ => return Err(Refusal::err("Invalid number of requests\n")),
        },
        'c' => match number(v) {
            Some(n) if (1..=20_000).contains(&n) => a.concurrency = n as u32,
            _ => return Err(Refusal::usage("ab: Invalid Concurrency [Range 0..20000]")),
        },
        't' => match number(v) {
            Some(n) if n >= 0 => {
                a.tlimit = Some(n as u64);
                // "This implies -n 50000" (a later -n still overrides it, as in ab).
                a.requests = 50_000;
            }
            _ => return Err(Refusal::err(format!("ab: -t {v}: expected seconds"))),
        },
        's' => match number(v) {
            Some(n) if n > 0 => a.timeout_s = n as u64,
            _ => return Err(Refusal::err(format!("ab: -s {v}: expected seconds (1 or more)"))),
        },
        'v' => match number(v) {
            Some(n) if n <= 1 => a.verbosity = n,
            Some(n) => {
                return Err(Refusal::err(format!(
                    "ab: -v {n}: verbosity 2 and above (per-request logs) is not supported by tfw-bench; use -v 1 or less"
                )))
            }
            None => return Err(Refusal::err(format!("ab: -v {v}: expected a number"))),
        },
        'p' | 'u' => {
            let (m, name) = if c == 'p' {
                (Method::Post, "POST")
            } else {
                (Method::Put, "PUT")
            };
            if a.method != Method::Default {
                return Err(Refusal::err(format!("Cannot mix {name} with other methods\n")));
            }
            a.method = m;
            a.body_file = Some(PathBuf::from(v));
        }
        'T' => a.content_type = Some(v.to_string()),
        'C' => a.cookie = Some(v.to_string()),
        'H' => a.headers.push(v.to_string()),
        'A' => a.auth = Some(v.trim_start().to_string()),
        'e' => a.csv = Some(PathBuf::from(v)),
        'm' => {
            a.method_name = Some(v.to_string());
            if a.method == Method::Default {
                a.method = Method::Custom(v.to_string());
            }
        }
        'B' => match v.parse::<IpAddr>() {
            Ok(ip) => a.bind = Some(ip),
            Err(_) => {
                return Err(Refusal::err(format!(
                    "ab: -B {v}: tfw-bench binds to an IP address, not a name"
                )))
            }
        },
        'f' => a.tls_versions = tls_protocol(v)?,
        'Z' => a.ciphers = Some(v.to_string()),
        _ => return Err(refusal(c)),
    }
    Ok(())
}

/// `-f`: ab compares prefixes, case-insensitively (TLS1.1 before TLS1).
fn tls_protocol(v: &str) -> Result<TlsVersions, Refusal> {
    let u = v.to_ascii_uppercase();
    if u.starts_with("ALL") {
        Ok(TlsVersions::Both)
    } else if u.starts_with("TLS1.2") {
        Ok(TlsVersions::Tls12)
    } else if u.starts_with("TLS1.3") {
        Ok(TlsVersions::Tls13)
    } else if u.starts_with("TLS1") || u.starts_with("SSL") {
        Err(Refusal::err(format!(
            "ab: -f {v}: tfw-bench speaks TLS 1.2 and 1.3 only (TLS1.2, TLS1.3 or ALL)"
        )))
    } else {
        // ab ignores an unknown name and keeps its default (all versions).
        Ok(TlsVersions::Both)
    }
}

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
