//! Shared helpers for the engine's integration tests: plans against loopback targets, a
//! bounded `run_load`, checks that hold for every clean run, and raw-socket fault servers.
//!
//! Everything listens on 127.0.0.1 port 0 (test binaries run in parallel). Every wait is
//! bounded; nothing here asserts on timing.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tfw_engine::plan::{
    IoMode, LoadPlan, Pacing, RequestMix, RequestTemplate, ServePlan, StopCondition,
};
use tfw_engine::proto::h1::{build_request, build_response};
use tfw_engine::result::RunResult;
use tfw_engine::stats::{Counters, ErrorKind};
use tfw_engine::{run_load, EngineError};

/// A run that has not returned after this long is a hang: the test fails.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// All three I/O modes, for tests that run each.
pub const IO_MODES: [IoMode; 3] = [IoMode::Auto, IoMode::UringPlain, IoMode::Epoll];

/// Runs each named test (`fn name(io: IoMode)`) once per I/O mode, as `auto::name`,
/// `uring_plain::name` and `epoll::name`. (Not every test file uses it.)
#[allow(unused_macros)]
macro_rules! per_io_mode {
    ($($name:ident),* $(,)?) => {
        mod auto {
            $( #[test] fn $name() { super::$name(tfw_engine::plan::IoMode::Auto) } )*
        }
        mod uring_plain {
            $( #[test] fn $name() { super::$name(tfw_engine::plan::IoMode::UringPlain) } )*
        }
        mod epoll {
            $( #[test] fn $name() { super::$name(tfw_engine::plan::IoMode::Epoll) } )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use per_io_mode;

/// The backend name a mode must end up on (this host has io_uring).
pub fn backend_name(io: IoMode) -> &'static str {
    match io {
        IoMode::Auto | IoMode::UringPlain => "io_uring",
        IoMode::Epoll => "epoll",
    }
}

pub fn allowed() -> Vec<usize> {
    let cpus = tfw_engine::cpu::allowed_cpus();
    assert!(!cpus.is_empty(), "no allowed CPU");
    cpus
}

/// The CPU the in-process built-in target runs on.
pub fn server_cpu() -> usize {
    allowed()[0]
}

/// The CPU a one-worker client runs on: the second allowed CPU where there is one.
pub fn client_cpu() -> usize {
    let a = allowed();
    a[a.len().min(2) - 1]
}

/// The first two allowed CPUs (one when only one is allowed).
pub fn two_cpus() -> Vec<usize> {
    allowed().into_iter().take(2).collect()
}

/// Request wire bytes for `method` to `target`, with `body`.
pub fn request(method: &str, target: SocketAddr, body: &[u8]) -> RequestTemplate {
    RequestTemplate {
        wire: Arc::from(build_request(method, "/", &target.to_string(), &[], body)),
        head: method == "HEAD",
    }
}

/// A one-worker closed-loop GET plan (pipeline 1, 5 s timeout, 250 ms intervals, each
/// completion handled as it arrives).
pub fn load_plan(target: SocketAddr, conns: u32, duration: Duration, io: IoMode) -> LoadPlan {
    LoadPlan {
        target_name: format!("http://{target}/"),
        target,
        conns,
        cpus: vec![client_cpu()],
        requests: RequestMix::single(request("GET", target, b"")),
        pipeline: 1,
        protocol: Default::default(),
        tls: None,
        timeout: Duration::from_secs(5),
        stop: StopCondition {
            duration,
            responses: None,
        },
        pacing: Pacing::ClosedLoop {
            batch_wait: Duration::ZERO,
        },
        io,
        source_addrs: Vec::new(),
        connect_window: 64,
        interval: Duration::from_millis(250),
        warmup: Duration::ZERO,
        ramp_up: Duration::ZERO,
        script: None,
    }
}

/// The built-in target on 127.0.0.1:0, one worker, answering 200 with `body`.
pub fn serve_plan(io: IoMode, body: &[u8]) -> ServePlan {
    ServePlan {
        listen: "127.0.0.1:0".parse().unwrap(),
        cpus: vec![server_cpu()],
        response: Arc::from(build_response(200, &[], body, false)),
        response_close: Arc::from(build_response(200, &[], body, true)),
        delay: Duration::ZERO,
        close_after: 0,
        stall: None,
        io,
        set_cookie: None,
        tls: None,
        h2_max_streams: 128,
    }
}

/// `run_load` on its own thread, failing the test if it does not return within `RUN_LIMIT`
/// (the stop flag is raised first, so a run that still honours it ends).
pub fn run_bounded(plan: &LoadPlan) -> Result<RunResult, EngineError> {
    run_with_stop(plan, Arc::new(AtomicBool::new(false)))
}

pub fn run_with_stop(plan: &LoadPlan, stop: Arc<AtomicBool>) -> Result<RunResult, EngineError> {
    watch_worker_panics();
    let (tx, rx) = mpsc::channel();
    let p = plan.clone();
    let s = stop.clone();
    let h = std::thread::spawn(move || {
        let mut seen = 0usize;
        let r = run_load(&p, s, &mut |_| seen += 1);
        let _ = tx.send((r, seen));
    });
    match rx.recv_timeout(RUN_LIMIT) {
        Ok((r, seen)) => {
            h.join().expect("run thread panicked");
            assert_no_worker_panics();
            if let Ok(res) = &r {
                // Shown when the test fails (or with --nocapture).
                eprintln!("{}", summary(res));
                // on_interval saw every interval the result holds.
                assert_eq!(seen, res.intervals.len(), "on_interval calls vs intervals");
            }
            r
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let e = h.join().err();
            panic!("run_load panicked: {e:?}");
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            stop.store(true, Ordering::Relaxed);
            let late = rx.recv_timeout(Duration::from_secs(10)).is_ok();
            panic!(
                "run_load did not return within {RUN_LIMIT:?} (after raising stop it {})",
                if late { "returned" } else { "still hangs" }
            );
        }
    }
}

/// One line of what a run counted, for failure output.
pub fn summary(r: &RunResult) -> String {
    let c = &r.totals.counters;
    format!(
        "run: {} established of {}, {} connects, {} requests, {} responses, {} unanswered, \
         read {} B, written {} B, errors [{}], status {:?}, io {} (multishot {}), \
         {} intervals, interrupted {}",
        r.conns_established,
        r.conns_requested,
        c.connects,
        c.requests,
        c.responses,
        r.unanswered,
        c.bytes_read,
        c.bytes_written,
        errors(r),
        c.status,
        r.io.backend,
        r.io.multishot_recv,
        r.intervals.len(),
        r.interrupted
    )
}

/// The counters of all intervals added up.
pub fn interval_sum(r: &RunResult) -> Counters {
    let mut c = Counters::default();
    for iv in &r.intervals {
        c.add(&iv.snapshot.counters);
    }
    c
}

pub fn errors(r: &RunResult) -> String {
    ErrorKind::ALL
        .iter()
        .map(|k| format!("{} {}", k.name(), r.totals.counters.error(*k)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn status_count(r: &RunResult, code: u16) -> u64 {
    r.totals
        .counters
        .status
        .iter()
        .find(|&&(c, _)| c == code)
        .map_or(0, |&(_, n)| n)
}

/// Checks that hold for every run in which nothing went wrong.
pub fn assert_clean(r: &RunResult, conns: u32) {
    let c = &r.totals.counters;
    assert_eq!(c.total_errors(), 0, "errors: {}", errors(r));
    assert_eq!(r.conns_requested, conns);
    assert_eq!(r.conns_established, conns, "established");
    assert!(
        c.connects >= conns as u64,
        "connects {} < conns",
        c.connects
    );
    assert!(c.responses > 0, "no responses");
    assert_eq!(c.requests, c.responses, "requests vs responses (drain)");
    assert_eq!(r.unanswered, 0, "unanswered");
    assert!(!r.interrupted);
    assert_eq!(status_count(r, 200), c.responses, "status: {:?}", c.status);
    assert_eq!(
        r.totals.latency.len(),
        c.responses,
        "one latency sample per response"
    );
    assert_eq!(&interval_sum(r), c, "intervals add up to the totals");
    assert_eq!(
        r.workers.iter().map(|w| w.conns).sum::<u32>(),
        conns,
        "workers' conns"
    );
    assert!(r.rps() > 0.0);
}

/// A raw TCP server on 127.0.0.1:0 that hands every accepted connection to `handler` on its
/// own thread. Stops accepting when dropped. Handlers must end by themselves (EOF, or the
/// 5 s read/write timeouts set on every stream).
pub struct FaultServer {
    pub addr: SocketAddr,
    /// Connections accepted so far (the engine's preflight connect included).
    pub accepted: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FaultServer {
    pub fn start<F>(handler: F) -> FaultServer
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let handler = Arc::new(handler);
        let (s, a) = (stop.clone(), accepted.clone());
        let thread = std::thread::spawn(move || {
            // Bounded: the owner raises `stop` on drop; RUN_LIMIT is a backstop.
            let end = Instant::now() + RUN_LIMIT + Duration::from_secs(30);
            while !s.load(Ordering::Relaxed) && Instant::now() < end {
                match listener.accept() {
                    Ok((stream, _)) => {
                        a.fetch_add(1, Ordering::Relaxed);
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
                        let h = handler.clone();
                        std::thread::spawn(move || h(stream));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FaultServer {
            addr,
            accepted,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A client connection to `addr` whose reads and writes give up after 5 s (a hang fails the
/// test instead of stalling it).
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Reads one request head (up to and including the blank line; the tests' requests have no
/// body). None on EOF, error, timeout, or a head over 64 KiB.
pub fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while buf.len() < 64 * 1024 {
        match s.read(&mut byte) {
            Ok(1) => {
                buf.push(byte[0]);
                if buf.ends_with(b"\r\n\r\n") {
                    return Some(buf);
                }
            }
            _ => return None,
        }
    }
    None
}

/// Reads until EOF (or error/timeout), discarding.
pub fn read_to_eof(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    for _ in 0..100_000 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Sends `bytes`, then a FIN, then waits for the peer to close (so no RST is sent).
pub fn send_and_close(s: &mut TcpStream, bytes: &[u8]) {
    let _ = s.write_all(bytes);
    let _ = s.shutdown(Shutdown::Write);
    read_to_eof(s);
}

static WORKER_PANICS: AtomicU64 = AtomicU64::new(0);
static WATCH: std::sync::Once = std::sync::Once::new();

/// Counts panics on the engine's own threads (`tfw-worker-N`, `tfw-serve-N`): the coordinator
/// joins them and ignores how they ended, so a panic there would otherwise go unnoticed.
/// Process-wide; call at the start of a test.
pub fn watch_worker_panics() {
    WATCH.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let engine = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("tfw-"));
            if engine {
                WORKER_PANICS.fetch_add(1, Ordering::Relaxed);
            }
            prev(info);
        }));
    });
}

/// No engine thread of this test binary has panicked so far.
pub fn assert_no_worker_panics() {
    assert_eq!(
        WORKER_PANICS.load(Ordering::Relaxed),
        0,
        "an engine worker thread panicked (see the test output)"
    );
}
