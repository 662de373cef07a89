//! ab's checked command line -> the engine's `LoadPlan` and the facts ab's results show:
//! ab's remaining checks (URL, concurrency against requests, the POST/PUT file, TLS options),
//! the address, the probe request, and the JSON document of `--tfw-json`.

use super::args::{AbArgs, Method, Refusal};
use super::probe::{probe, ProbeError};
use super::request::{self, AbUrl};
use std::net::{IpAddr, SocketAddr, TcpListener, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;
use tfw_engine::plan::{
    IoMode, LoadPlan, Pacing, Protocol, RequestMix, RequestTemplate, StopCondition,
};
use tfw_engine::proto::tls::{client_config, TlsSettings};
use tfw_engine::result::RunResult;
use tfw_reports::drop_in::ab::{AbFacts, AbTls};

/// What is known before connecting.
pub struct Prepared {
    pub url: AbUrl,
    pub wire: Vec<u8>,
    pub head: bool,
    pub tls: Option<TlsSettings>,
}

/// Ready to run: the plan and the facts for the results.
pub struct Ready {
    pub plan: LoadPlan,
    pub facts: AbFacts,
}

/// ab's checks after its options, and the request.
pub fn prepare(a: &AbArgs) -> Result<Prepared, Refusal> {
    let usage = |m: &str| Refusal {
        code: super::args::USAGE,
        message: m.to_string(),
        usage: true,
    };
    let url = request::parse_url(&a.url).ok_or_else(|| usage("ab: invalid URL"))?;
    if u64::from(a.concurrency) > a.requests {
        return Err(usage(
            "ab: Cannot use concurrency level greater than total number of requests",
        ));
    }
    let body = match &a.body_file {
        Some(p) => Some(std::fs::read(p).map_err(|e| {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            Refusal::err(format!(
                "ab: Could not open POST data file ({}): {text}",
                p.display()
            ))
        })?),
        None => None,
    };
    let tls = if url.https {
        let ciphers = a
            .ciphers
            .iter()
            .flat_map(|c| c.split([':', ',']))
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let tls = TlsSettings {
            versions: a.tls_versions,
            ciphers,
            curves: Vec::new(),
            // ab keeps no sessions: every connection makes a full handshake.
            tickets: false,
            server_name: url.host.clone(),
            roots: None,
            alpn: Vec::new(),
            keylog: None,
        };
        client_config(&tls).map_err(|e| {
            Refusal::err(format!(
                "error setting ciphersuite list [{}]: {e}",
                a.ciphers.as_deref().unwrap_or("")
            ))
        })?;
        Some(tls)
    } else {
        None
    };
    for path in a.csv.iter().chain(a.tfw_json.iter()) {
        std::fs::write(path, b"").map_err(|e| {
            Refusal::err(format!("Cannot open output file {}: {e}", path.display()))
        })?;
    }
    Ok(Prepared {
        wire: request::build(a, &url, body.as_deref()),
        head: a.method == Method::Head && a.method_name.is_none(),
        url,
        tls,
    })
}

fn resolve(url: &AbUrl) -> Result<SocketAddr, ProbeError> {
    let fail = || ProbeError {
        line: format!(
            "apr_sockaddr_info_get() for {}: Name or service not known (670002)",
            url.host
        ),
        code: 670002 & 0xff,
    };
    (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|_| fail())?
        .next()
        .ok_or_else(fail)
}

/// Resolves, checks `-B`, probes, and builds the plan.
pub fn connect_facts(a: &AbArgs, p: &Prepared) -> Result<Ready, ProbeError> {
    let addr = resolve(&p.url)?;
    if let Some(ip) = a.bind {
        if ip.is_ipv4() != addr.is_ipv4() {
            return Err(ProbeError {
                line: format!("bind: Address family not supported by protocol (97): -B {ip}"),
                code: 97,
            });
        }
        TcpListener::bind(SocketAddr::new(ip, 0)).map_err(|e| ProbeError {
            line: format!("bind: {e}"),
            code: e.raw_os_error().unwrap_or(1) & 0xff,
        })?;
    }
    let timeout = Duration::from_secs(a.timeout_s);
    let first = probe(addr, &p.wire, p.head, timeout, p.tls.as_ref())?;
    let server_software = first
        .response
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("server"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let tls = p
        .tls
        .as_ref()
        .map(|_| tls_facts(&p.url.host, first.negotiated.as_deref()));
    let facts = AbFacts {
        server_software,
        hostname: p.url.host.clone(),
        port: p.url.port,
        tls,
        path: p.url.path.clone(),
        doc_len: first.response.body.len() as u64,
        variable_length: a.variable_length,
        concurrency: a.concurrency,
        keepalive: a.keepalive,
        send_body: a.body_file.is_some(),
        confidence: a.confidence,
        percentiles: a.percentiles,
    };
    let plan = load_plan(a, p, addr).map_err(|e| ProbeError {
        line: format!("ab: {e}"),
        code: 1,
    })?;
    Ok(Ready { plan, facts })
}

fn load_plan(
    a: &AbArgs,
    p: &Prepared,
    addr: SocketAddr,
) -> Result<LoadPlan, tfw_engine::EngineError> {
    let allowed = tfw_engine::cpu::allowed_cpus();
    let mut cpus = tfw_engine::cpu::select(&allowed, None, None, &[])?;
    cpus.truncate(a.concurrency as usize);
    let workers = cpus.len().max(1) as u32;
    let duration = match a.tlimit {
        Some(t) if t > 0 => Duration::from_secs(t),
        // The count bounds the run; a day is only a backstop.
        _ => Duration::from_secs(86_400),
    };
    Ok(LoadPlan {
        target_name: a.url.clone(),
        target: addr,
        conns: a.concurrency,
        cpus,
        requests: RequestMix::single(RequestTemplate {
            wire: p.wire.clone().into(),
            head: p.head,
        }),
        pipeline: 1,
        protocol: Protocol::Http1,
        tls: p.tls.clone(),
        timeout: Duration::from_secs(a.timeout_s),
        stop: StopCondition {
            duration,
            responses: Some(a.requests),
        },
        pacing: Pacing::ClosedLoop {
            batch_wait: Duration::ZERO,
        },
        io: IoMode::Auto,
        source_addrs: a.bind.into_iter().collect::<Vec<IpAddr>>(),
        connect_window: (512 / workers).max(1),
        interval: Duration::from_secs(1),
        warmup: Duration::ZERO,
        ramp_up: Duration::ZERO,
        script: None,
    })
}

/// ab's TLS lines from the engine's "TLSv1_3 TLS13_AES_256_GCM_SHA384 X25519": the version and
/// suite in OpenSSL's spelling (ab's key and secret bit counts are not known here, so they are
/// left out), the key exchange as ab names it, and the SNI sent (none for an address).
fn tls_facts(host: &str, negotiated: Option<&str>) -> AbTls {
    let mut parts = negotiated.unwrap_or("").split_whitespace();
    let version = parts.next().map(|v| v.replace('_', "."));
    let suite = parts.next().map(openssl_suite);
    let group = parts.next();
    AbTls {
        protocol: version.map(|v| match suite {
            Some(s) => format!("{v},{s}"),
            None => v,
        }),
        temp_key: group.map(|g| match g.to_ascii_lowercase().as_str() {
            "x25519" => "X25519 253 bits".to_string(),
            "x448" => "X448 448 bits".to_string(),
            "secp256r1" => "ECDH prime256v1 256 bits".to_string(),
            "secp384r1" => "ECDH secp384r1 384 bits".to_string(),
            "secp521r1" => "ECDH secp521r1 521 bits".to_string(),
            _ => g.to_string(),
        }),
        server_name: host.parse::<IpAddr>().is_err().then(|| host.to_string()),
    }
}

/// rustls' suite name in OpenSSL's spelling.
fn openssl_suite(s: &str) -> String {
    if let Some(rest) = s.strip_prefix("TLS13_") {
        return format!("TLS_{rest}");
    }
    let Some(rest) = s.strip_prefix("TLS_") else {
        return s.to_string();
    };
    let mut o = rest
        .replace("_WITH_", "-")
        .replace("AES_128", "AES128")
        .replace("AES_256", "AES256")
        .replace('_', "-");
    if o.contains("CHACHA20") {
        o = o.trim_end_matches("-SHA256").to_string();
    }
    o
}

/// `--tfw-json`: tfw-bench's JSON run document, the settings in ab's terms.
pub fn write_json(
    path: &Path,
    a: &AbArgs,
    plan: &LoadPlan,
    r: &RunResult,
    started: std::time::SystemTime,
) -> Result<(), Refusal> {
    let settings = serde_json::json!({
            "personality": "ab",
            "url": a.url,
            "requests": a.requests,
            "concurrency": a.concurrency,
            "time_limit_s": a.tlimit,
            "timeout_s": a.timeout_s,
            "keepalive": a.keepalive,
            "method": super::request::method_name(a),
            "headers": a.headers,
            "threads": plan.cpus.len(),
            "cpus": plan.cpus,
    });
    let doc = crate::run_doc::load_doc(r, settings, started);
    crate::run_doc::write_doc(path, &doc)
        .map_err(|e| Refusal::err(format!("ab: cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_lines_in_abs_spelling() {
        let t = tls_facts("localhost", Some("TLSv1_3 TLS13_AES_256_GCM_SHA384 X25519"));
        assert_eq!(
            t.protocol.as_deref(),
            Some("TLSv1.3,TLS_AES_256_GCM_SHA384")
        );
        assert_eq!(t.temp_key.as_deref(), Some("X25519 253 bits"));
        assert_eq!(t.server_name.as_deref(), Some("localhost"));
        let t = tls_facts(
            "127.0.0.1",
            Some("TLSv1_2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 secp256r1"),
        );
        assert_eq!(
            t.protocol.as_deref(),
            Some("TLSv1.2,ECDHE-ECDSA-AES128-GCM-SHA256")
        );
        assert_eq!(t.temp_key.as_deref(), Some("ECDH prime256v1 256 bits"));
        assert_eq!(t.server_name, None);
        assert_eq!(
            openssl_suite("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
            "ECDHE-RSA-CHACHA20-POLY1305"
        );
    }
}
