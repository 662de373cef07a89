//! tls-perf's command line (github tempesta-tech/tls-perf, main.cc `do_getopt`, commit
//! 4cf96f4d1800837ae077a3bc3df4a901bc2ff405): short options -h -d -q -l -n -t -T -c -C, long
//! options --help --debug --quiet --to --tls --tickets --keylogfile --sni (tls-perf's
//! getopt string has no short -V -K -F -s), and no operand (127.0.0.1 443) or two (address,
//! port). tls-perf reads numbers with atoi (anything not a number is 0); tfw-bench refuses them
//! instead, in one line. What it cannot honour (-d, --tickets advertise) is refused by name.

use super::super::h2load::getopt::{self, Item, Spec};
use std::net::IpAddr;
use std::path::PathBuf;

/// tls-perf's return value for a bad argument (-EINVAL): exit status 234.
pub const EINVAL: i32 = 234;

const fn s(short: Option<char>, long: &'static str, takes_value: bool) -> Spec {
    Spec {
        short,
        long,
        takes_value,
    }
}

const SPECS: [Spec; 14] = [
    s(Some('h'), "help", false),
    s(Some('d'), "debug", false),
    s(Some('q'), "quiet", false),
    s(Some('l'), "", true),
    s(Some('n'), "", true),
    s(Some('t'), "", true),
    s(Some('T'), "to", true),
    s(Some('c'), "", true),
    s(Some('C'), "", true),
    s(None, "tls", true),
    s(None, "tickets", true),
    s(None, "keylogfile", true),
    s(None, "sni", true),
    s(None, "tfw-json", true),
];

/// The command line, checked.
#[derive(Clone, Debug)]
pub struct Args {
    /// Peers per thread (-l).
    pub peers: u32,
    pub threads: u32,
    /// -n: total handshakes.
    pub handshakes: Option<u64>,
    /// -T: seconds (0: no limit).
    pub duration_s: u64,
    pub cipher: Option<String>,
    pub curve: Option<String>,
    /// "1.2", "1.3" or "any".
    pub version: &'static str,
    pub tickets: bool,
    pub keylog: Option<PathBuf>,
    pub sni: Option<String>,
    pub quiet: bool,
    pub ip: IpAddr,
    pub port: u16,
    pub tfw_json: Option<PathBuf>,
}

/// What the command line asks for; an error is (exit status, the line to print).
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Args>),
    Help,
}

fn number(flag: &str, v: &str) -> Result<u64, (i32, String)> {
    v.parse::<u64>()
        .map_err(|_| (EINVAL, format!("ERROR: {flag}: '{v}' is not a number")))
}

pub fn parse(argv: &[String]) -> Result<Parsed, (i32, String)> {
    let items = getopt::parse(argv, &SPECS).map_err(|e| (1, format!("tls-perf: {e}")))?;
    let mut a = Args {
        peers: 1,
        threads: 1,
        handshakes: None,
        duration_s: 0,
        cipher: None,
        curve: None,
        version: "1.2",
        tickets: false,
        keylog: None,
        sni: None,
        quiet: false,
        ip: IpAddr::from([127, 0, 0, 1]),
        port: 443,
        tfw_json: std::env::var_os("TFW_BENCH_JSON").map(PathBuf::from),
    };
    let mut operands = Vec::new();
    for item in items {
        let (k, v) = match item {
            Item::Operand(o) => {
                operands.push(o);
                continue;
            }
            Item::Opt(k, v) => (k, v.unwrap_or_default()),
        };
        match k {
            0 => return Ok(Parsed::Help),
            1 => {
                return Err((
                    1,
                    "ERROR: -d: not supported by tfw-bench's tls-perf (no debug trace)".into(),
                ))
            }
            2 => a.quiet = true,
            3 => {
                a.peers = u32::try_from(number("-l", &v)?)
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or((EINVAL, format!("ERROR: -l: '{v}': at least 1 peer")))?
            }
            4 => {
                let n = number("-n", &v)?;
                if n == 0 {
                    return Err((EINVAL, "ERROR: -n: at least 1 handshake".into()));
                }
                a.handshakes = Some(n);
            }
            5 => {
                let n = number("-t", &v)?;
                if n > 512 {
                    return Err((2, "ERROR: too many threads requested".into()));
                }
                if n == 0 {
                    return Err((EINVAL, "ERROR: -t: at least 1 thread".into()));
                }
                a.threads = n as u32;
            }
            6 => a.duration_s = number("-T", &v)?,
            7 => a.cipher = Some(v),
            8 => a.curve = Some(v),
            9 => {
                a.version = match v.as_str() {
                    "1.2" => "1.2",
                    "1.3" => "1.3",
                    "any" => "any",
                    _ => {
                        return Err((
                            EINVAL,
                            format!("ERROR: --tls '{v}': expected 1.2, 1.3 or any"),
                        ))
                    }
                }
            }
            10 => {
                a.tickets =
                    match v.as_str() {
                        "on" => true,
                        "off" => false,
                        "advertise" => return Err((
                            1,
                            "ERROR: --tickets advertise: not supported by tfw-bench's tls-perf \
                             (rustls resumes what it advertises; use on or off)"
                                .into(),
                        )),
                        _ => {
                            return Err((
                                EINVAL,
                                format!("ERROR: --tickets '{v}': expected on, off or advertise"),
                            ))
                        }
                    }
            }
            11 => a.keylog = Some(PathBuf::from(v)),
            12 => a.sni = Some(v),
            _ => a.tfw_json = Some(PathBuf::from(v)),
        }
    }
    match operands.as_slice() {
        [] => {}
        [addr, port] => {
            a.ip = addr
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map_err(|_| {
                    (
                        EINVAL,
                        format!("ERROR: can't parse ip address from string '{addr}'"),
                    )
                })?;
            a.port = port.parse().ok().filter(|&p| p > 0).ok_or((
                EINVAL,
                format!("ERROR: can't parse port from string '{port}'"),
            ))?;
        }
        _ => return Err((
            EINVAL,
            "ERROR: either 0 or 2 arguments are allowed: none for defaults or address and port."
                .into(),
        )),
    }
    Ok(Parsed::Run(Box::new(a)))
}

/// tls-perf's usage text (its options; what tfw-bench does not take is said).
pub const USAGE: &str = "
./tls-perf [options] <ip> <port>
  -h,--help            Print this help and exit
  -d,--debug           Run in debug mode (refused by tfw-bench)
  -q,--quiet           Show less statistics in the run time
  -l <N>               Limit parallel connections for each thread (default: 1)
  -n <N>               Total number of handshakes to establish
  -t <N>               Number of threads (default: 1).
  -T,--to              Duration of the test (in seconds)
  -c <cipher>          Force cipher choice (OpenSSL names of the suites rustls has)
  -C <curve>           Force specific curve for elliptic curve algorithms
                       (prime256v1/P-256, secp384r1/P-384, X25519)
  --tls <version>      Set TLS version for handshake:
                       '1.2', '1.3' or 'any' for both (default: '1.2')
  --tickets <mode>     Process TLS Session tickets and session resumption,
                       'on' or 'off' (default: 'off'; 'advertise' is refused)
  --keylogfile <f>     File to dump keys for traffic analysers
  --sni <servernameindicator>  SNI to use for the given <ip>
  --tfw-json <f>       Also write tfw-bench's JSON document (or env TFW_BENCH_JSON)

127.0.0.1:443 address is used by default.
";
