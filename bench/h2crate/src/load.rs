//! The closed loop itself: per thread one current_thread tokio runtime with a LocalSet;
//! per connection one h2 `Connection` driver task plus M stream tasks, each sending
//! `GET url` again as soon as the previous response body has been read in full. At the
//! deadline everything is dropped; responses still in flight then are not counted.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use http::{Request, Uri};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Where to send the load, resolved once.
#[derive(Clone)]
pub struct Target {
    pub uri: Uri,
    pub addr: SocketAddr,
    pub tls: Option<(TlsConnector, rustls::pki_types::ServerName<'static>)>,
    pub window: u32,
}

impl Target {
    pub fn parse(url: &str, window: u32) -> Result<Self> {
        let uri: Uri = url.parse().with_context(|| format!("bad URL '{url}'"))?;
        let tls = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => bail!("URL must start with http:// (h2c) or https:// (h2 over TLS): {url}"),
        };
        let host = uri
            .host()
            .ok_or_else(|| anyhow!("URL has no host: {url}"))?;
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let host_ip = host.trim_start_matches('[').trim_end_matches(']');
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host_ip, port))
            .with_context(|| format!("cannot resolve {host}"))?
            .next()
            .ok_or_else(|| anyhow!("{host} resolves to nothing"))?;
        let tls = if tls {
            let name = rustls::pki_types::ServerName::try_from(host_ip.to_string())
                .map_err(|e| anyhow!("bad TLS server name {host}: {e}"))?;
            Some((TlsConnector::from(crate::tls::client_config()), name))
        } else {
            None
        };
        if window == 0 || window > 0x7fff_ffff {
            bail!("--window must be 1..2^31-1");
        }
        Ok(Self {
            uri,
            addr,
            tls,
            window,
        })
    }
}

/// Counters of one thread (summed at the end).
#[derive(Default, Debug)]
pub struct Stats {
    pub responses: u64,
    pub non_2xx: u64,
    pub body_bytes: u64,
    pub err_connect: u64,
    pub err_tls: u64,
    pub err_h2: u64,
    pub first_error: Option<String>,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.responses += o.responses;
        self.non_2xx += o.non_2xx;
        self.body_bytes += o.body_bytes;
        self.err_connect += o.err_connect;
        self.err_tls += o.err_tls;
        self.err_h2 += o.err_h2;
        if self.first_error.is_none() {
            self.first_error.clone_from(&o.first_error);
        }
    }

    pub fn error_count(&self) -> u64 {
        self.err_connect + self.err_tls + self.err_h2
    }

    fn note(&mut self, msg: String) {
        if self.first_error.is_none() {
            self.first_error = Some(msg);
        }
    }
}

type Shared = Rc<RefCell<Stats>>;

/// Run `conns` connections x `streams` streams on this thread until `deadline`.
pub fn run_thread(
    target: Target,
    conns: usize,
    streams: usize,
    deadline: Instant,
) -> Result<Stats> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let stats: Shared = Rc::new(RefCell::new(Stats::default()));
    let local = tokio::task::LocalSet::new();
    let target = Arc::new(target);
    local.block_on(&rt, async {
        let mut conn_tasks = Vec::with_capacity(conns);
        for _ in 0..conns {
            conn_tasks.push(tokio::task::spawn_local(connection(
                target.clone(),
                streams,
                stats.clone(),
            )));
        }
        let all = async {
            for t in conn_tasks {
                let _ = t.await;
            }
        };
        tokio::select! {
            _ = tokio::time::sleep_until(deadline.into()) => {}
            _ = all => {}
        }
    });
    // Dropping the LocalSet cancels the tasks still running (streams in flight).
    drop(local);
    drop(rt);
    let s = std::mem::take(&mut *stats.borrow_mut());
    Ok(s)
}

async fn connection(target: Arc<Target>, streams: usize, stats: Shared) {
    let tcp = match TcpStream::connect(target.addr).await {
        Ok(t) => t,
        Err(e) => {
            let mut s = stats.borrow_mut();
            s.err_connect += 1;
            s.note(format!("connect {}: {e}", target.addr));
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    match &target.tls {
        None => drive(tcp, target.clone(), streams, stats).await,
        Some((connector, name)) => match connector.connect(name.clone(), tcp).await {
            Ok(tls) if tls.get_ref().1.alpn_protocol() == Some(b"h2") => {
                drive(tls, target.clone(), streams, stats).await
            }
            Ok(_) => {
                let mut s = stats.borrow_mut();
                s.err_tls += 1;
                s.note("server did not select ALPN h2".into());
            }
            Err(e) => {
                let mut s = stats.borrow_mut();
                s.err_tls += 1;
                s.note(format!("TLS handshake: {e}"));
            }
        },
    }
}

async fn drive<T>(io: T, target: Arc<Target>, streams: usize, stats: Shared)
where
    T: AsyncRead + AsyncWrite + Unpin + 'static,
{
    let conn_window = (u64::from(target.window) * streams as u64).clamp(65_535, 0x7fff_ffff);
    let hs = h2::client::Builder::new()
        .initial_window_size(target.window)
        .initial_connection_window_size(conn_window as u32)
        .handshake::<_, Bytes>(io)
        .await;
    let (client, conn) = match hs {
        Ok(x) => x,
        Err(e) => {
            let mut s = stats.borrow_mut();
            s.err_h2 += 1;
            s.note(format!("h2 handshake: {e}"));
            return;
        }
    };
    let conn_stats = stats.clone();
    let driver = tokio::task::spawn_local(async move {
        if let Err(e) = conn.await {
            let mut s = conn_stats.borrow_mut();
            s.err_h2 += 1;
            s.note(format!("h2 connection: {e}"));
        }
    });
    let mut tasks = Vec::with_capacity(streams);
    for _ in 0..streams {
        let (c, t, s) = (client.clone(), target.clone(), stats.clone());
        tasks.push(tokio::task::spawn_local(async move {
            if let Err(e) = stream_loop(c, &t.uri, &s).await {
                let mut s = s.borrow_mut();
                s.err_h2 += 1;
                s.note(format!("h2 stream: {e}"));
            }
        }));
    }
    drop(client);
    for t in tasks {
        let _ = t.await;
    }
    let _ = driver.await;
}

async fn stream_loop(
    mut client: h2::client::SendRequest<Bytes>,
    uri: &Uri,
    stats: &Shared,
) -> Result<(), h2::Error> {
    loop {
        client = client.ready().await?;
        let req = Request::get(uri.clone())
            .body(())
            .expect("a GET with a valid URI is a valid request");
        let (resp, _) = client.send_request(req, true)?;
        let resp = resp.await?;
        let ok = resp.status().is_success();
        let mut body = resp.into_body();
        let mut n = 0u64;
        while let Some(chunk) = body.data().await {
            let chunk = chunk?;
            n += chunk.len() as u64;
            let _ = body.flow_control().release_capacity(chunk.len());
        }
        let mut s = stats.borrow_mut();
        s.responses += 1;
        s.body_bytes += n;
        if !ok {
            s.non_2xx += 1;
        }
    }
}
