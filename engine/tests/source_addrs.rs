//! `source_addrs` spreads connections over local addresses: a raw HTTP responder records
//! the peer address of every connection it accepts.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tfw_engine::plan::{IoMode, LoadPlan, Pacing, RequestMix, RequestTemplate, StopCondition};
use tfw_engine::proto::h1::build_request;

/// Answers every request head with an empty 200; records peers. Stops when `stop` is set.
fn responder(stop: Arc<AtomicBool>, peers: Arc<Mutex<BTreeSet<IpAddr>>>) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    l.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let Ok((mut s, peer)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            peers.lock().unwrap().insert(peer.ip());
            let stop = stop.clone();
            std::thread::spawn(move || {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_millis(200)))
                    .unwrap();
                let mut buf = [0u8; 4096];
                let mut pending = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match s.read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => pending.extend_from_slice(&buf[..n]),
                        Err(e)
                            if e.kind() == std::io::ErrorKind::WouldBlock
                                || e.kind() == std::io::ErrorKind::TimedOut =>
                        {
                            continue
                        }
                        Err(_) => return,
                    }
                    while let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..i + 4);
                        if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn connections_come_from_every_source_address() {
    let stop = Arc::new(AtomicBool::new(false));
    let peers = Arc::new(Mutex::new(BTreeSet::new()));
    let target = responder(stop.clone(), peers.clone());
    let sources: Vec<IpAddr> = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    let cpu = tfw_engine::cpu::allowed_cpus()[0];
    for io in [IoMode::Auto, IoMode::Epoll] {
        peers.lock().unwrap().clear();
        let plan = LoadPlan {
            target_name: format!("http://{target}/"),
            target,
            conns: 6,
            cpus: vec![cpu],
            requests: RequestMix::single(RequestTemplate {
                wire: Arc::from(build_request("GET", "/", &target.to_string(), &[], b"")),
                head: false,
            }),
            pipeline: 1,
            protocol: Default::default(),
            tls: None,
            timeout: Duration::from_secs(5),
            stop: StopCondition {
                duration: Duration::from_millis(500),
                responses: None,
            },
            pacing: Pacing::ClosedLoop {
                batch_wait: Duration::ZERO,
            },
            io,
            source_addrs: sources.clone(),
            connect_window: 8,
            interval: Duration::from_secs(1),
            warmup: Duration::ZERO,
            ramp_up: Duration::ZERO,
            script: None,
        };
        let r = tfw_engine::run_load(&plan, Arc::new(AtomicBool::new(false)), &mut |_| {}).unwrap();
        assert_eq!(r.conns_established, 6, "{io:?}");
        assert_eq!(r.totals.counters.total_errors(), 0, "{io:?}");
        assert!(r.totals.counters.responses > 0, "{io:?}");
        let seen = peers.lock().unwrap().clone();
        // The preflight connect comes from the default address; every load connection from
        // one of the source addresses, round-robin.
        for s in &sources {
            assert!(seen.contains(s), "{io:?}: no connection from {s}: {seen:?}");
        }
    }
    stop.store(true, Ordering::Relaxed);
}
