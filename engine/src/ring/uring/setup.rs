//! Setting up a ring: the best flags the kernel accepts, the operations and features the
//! backend relies on, the provided buffer ring and the sparse registered file table.

use super::config::UringConfig;
use super::{UringBackend, BGID};
use crate::buf::BufRing;
use crate::result::IoInfo;
use crate::ring::copies::Copies;
use crate::ring::sys;
use io_uring::{cqueue, opcode, squeue, IoUring};
use std::io;

impl UringBackend {
    /// Sets up a ring with the best flags the kernel accepts. Fails when io_uring or provided
    /// buffer rings are unavailable; the caller then falls back to epoll.
    pub fn new(cfg: &UringConfig) -> io::Result<UringBackend> {
        let mut info = IoInfo {
            backend: "io_uring",
            ..IoInfo::default()
        };
        let build = |single: bool| {
            let mut b = IoUring::<squeue::Entry, cqueue::Entry>::builder();
            b.setup_cqsize(cfg.cq_entries).setup_submit_all();
            if single {
                b.setup_single_issuer().setup_defer_taskrun();
            } else {
                b.setup_coop_taskrun();
            }
            b.build(cfg.sq_entries)
        };
        let ring = match build(true) {
            Ok(r) => {
                info.single_issuer = true;
                info.defer_taskrun = true;
                r
            }
            Err(_) => match build(false) {
                Ok(r) => r,
                Err(_) => {
                    let mut b = IoUring::<squeue::Entry, cqueue::Entry>::builder();
                    b.setup_cqsize(cfg.cq_entries);
                    b.build(cfg.sq_entries)?
                }
            },
        };
        if !ring.params().is_feature_ext_arg() || !ring.params().is_feature_nodrop() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring lacks EXT_ARG/NODROP (kernel older than 5.11)",
            ));
        }
        let mut probe = io_uring::Probe::new();
        ring.submitter().register_probe(&mut probe)?;
        for (code, name) in [
            (opcode::Connect::CODE, "connect"),
            (opcode::Send::CODE, "send"),
            (opcode::Recv::CODE, "recv"),
            (opcode::Accept::CODE, "accept"),
        ] {
            if !probe.is_supported(code) {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!("io_uring has no {name} operation"),
                ));
            }
        }
        let bufs = BufRing::new(cfg.buffers, cfg.buf_size, BGID)?;
        bufs.register(&ring.submitter()).map_err(|e| {
            io::Error::new(e.kind(), format!("provided buffer ring not available: {e}"))
        })?;
        info.buffer_ring = true;
        // A sparse registered file table, one entry per slot: operations then skip the
        // per-operation file lookup. Sockets keep their fd too (closing it is simpler than
        // ordering an asynchronous close of a fixed file against slot reuse).
        let fixed_files = match sys::nofile_limits() {
            Ok((soft, _)) if cfg.registered_files => {
                let n = (soft.min(65536) as u32).saturating_sub(64);
                if n > 0 && ring.submitter().register_files_sparse(n).is_ok() {
                    n
                } else {
                    0
                }
            }
            _ => 0,
        };
        info.registered_files = fixed_files > 0;
        let multishot = cfg.multishot && crate::ring::probe::multishot_recv_works();
        info.multishot_recv = multishot;
        if cfg.multishot && !multishot {
            info.fallback_reason = "multishot receive not supported by this kernel".into();
        }
        let skip_success = ring.params().is_feature_skip_cqe_on_success();
        let min_wait_supported = ring.params().is_feature_min_timeout();
        Ok(UringBackend {
            ring,
            bufs,
            payloads: Vec::new(),
            copies: Copies::default(),
            slots: Vec::new(),
            free: Vec::new(),
            listeners: Vec::new(),
            targets: Vec::new(),
            cqes: Vec::with_capacity(cfg.cq_entries as usize),
            fixed_files,
            pending_files: Vec::new(),
            info,
            multishot,
            skip_success,
            min_wait_supported,
        })
    }
}
