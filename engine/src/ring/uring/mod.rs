//! The io_uring backend: one ring per worker, created on the worker's own thread.
//!
//! Fast path (kernel 6.0+): multishot receive into the worker's provided buffer ring, sends
//! that ask for no completion on success (IOSQE_CQE_SKIP_SUCCESS), SINGLE_ISSUER and
//! DEFER_TASKRUN so completions are only processed when the worker enters the kernel, and
//! batched waits for several completions. Plain path: one-shot poll-first receives (a receive
//! that finds no data costs more than epoll, so it polls first), still from the buffer ring.
//! A connection's operations carry (op, generation, slot) in user_data; completions of a
//! closed slot are recognised by generation and dropped (their buffers go back to the ring).
//!
//! The settings are in `config`, set-up is in `setup`, the slots and their registered files
//! in `slots`, what completions mean in `complete`; this file issues the operations.

use super::copies::Copies;
use super::sys::{self, RawAddr};
use super::{Backend, Completion, PayloadId, Slot};
use crate::buf::BufRing;
use crate::result::IoInfo;
use io_uring::{opcode, squeue, types, IoUring};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

mod complete;
mod config;
mod setup;
mod slots;

pub use config::UringConfig;

const OP_CONNECT: u64 = 1;
const OP_RECV: u64 = 2;
const OP_SEND: u64 = 3;
const OP_ACCEPT: u64 = 4;
/// A `send_copy`: user_data holds the copy buffer's index instead of (generation, slot).
const OP_SEND_COPY: u64 = 5;
const GEN_MASK: u32 = 0x00ff_ffff;
/// IORING_RECVSEND_POLL_FIRST: arm poll before trying the receive.
const RECVSEND_POLL_FIRST: u16 = 1;
const BGID: u16 = 0;

/// Builds an opcode on a slot's socket: the registered (fixed) file where the slot has one,
/// the plain fd otherwise.
macro_rules! on_socket {
    ($s:expr, $slot:expr, |$t:ident| $build:expr) => {
        if $s.fixed {
            let $t = types::Fixed($slot);
            $build
        } else {
            let $t = types::Fd($s.fd);
            $build
        }
    };
}

fn user_data(op: u64, gen: u32, slot: u32) -> u64 {
    (op << 56) | (((gen & GEN_MASK) as u64) << 32) | slot as u64
}

fn decode(ud: u64) -> (u64, u32, u32) {
    (ud >> 56, ((ud >> 32) as u32) & GEN_MASK, ud as u32)
}

#[derive(Clone, Copy)]
struct SlotState {
    fd: RawFd,
    gen: u32,
    /// The socket is also in the ring's registered file table at index `slot`.
    fixed: bool,
    /// The listener that accepted it (`NO_LISTENER` for outgoing connections).
    accepted_by: u32,
}

/// `SlotState::accepted_by` of a connection no listener accepted.
const NO_LISTENER: u32 = u32::MAX;

pub struct UringBackend {
    // Field order matters: the ring is dropped (and with it the kernel's references to the
    // buffer ring and payloads) before the memory it used.
    ring: IoUring,
    bufs: BufRing,
    payloads: Vec<Arc<[u8]>>,
    /// Bytes of `send_copy` sends until their completions arrive.
    copies: Copies,
    slots: Vec<SlotState>,
    free: Vec<Slot>,
    listeners: Vec<RawFd>,
    targets: Vec<(SocketAddr, Box<RawAddr>)>,
    cqes: Vec<(u64, i32, u32)>,
    /// Size of the registered (sparse) file table; 0 when files are not registered.
    fixed_files: u32,
    /// (slot, fd) registrations not yet made.
    pending_files: Vec<(Slot, RawFd)>,
    info: IoInfo,
    multishot: bool,
    skip_success: bool,
    min_wait_supported: bool,
}

impl UringBackend {
    fn push(&mut self, entry: &squeue::Entry) {
        loop {
            // SAFETY: every entry built here references memory that outlives the operation:
            // payload bytes (kept in `self.payloads`), copied bytes (kept unmoved in
            // `self.copies` until the operation's completion arrives), target addresses
            // (boxed in `self.targets`, copied by the kernel at submission), or the buffer
            // ring.
            let pushed = unsafe { self.ring.submission().push(entry).is_ok() };
            if pushed {
                return;
            }
            // The submission queue is full: hand it to the kernel and retry.
            self.flush_files();
            if let Err(e) = self.ring.submit() {
                if e.raw_os_error() != Some(libc::EBUSY) && e.raw_os_error() != Some(libc::EINTR) {
                    // Nothing sensible can be done with the entry; the operation's timeout or
                    // the run's end will surface the lost work.
                    return;
                }
            }
        }
    }

    fn arm_recv(&mut self, slot: Slot) {
        let s = self.slots[slot as usize];
        let ud = user_data(OP_RECV, s.gen, slot);
        let buf_size = self.bufs.buf_size();
        let entry = if self.multishot {
            on_socket!(s, slot, |t| opcode::RecvMulti::new(t, BGID).build())
        } else {
            on_socket!(s, slot, |t| opcode::Recv::new(
                t,
                std::ptr::null_mut(),
                buf_size
            )
            .buf_group(BGID)
            .ioprio(RECVSEND_POLL_FIRST)
            .build()
            .flags(squeue::Flags::BUFFER_SELECT))
        };
        self.push(&entry.user_data(ud));
    }

    fn arm_accept(&mut self, idx: usize) {
        let entry = opcode::AcceptMulti::new(types::Fd(self.listeners[idx]))
            .flags(libc::SOCK_CLOEXEC)
            .build()
            .user_data(user_data(OP_ACCEPT, 0, idx as u32));
        self.push(&entry);
    }

    #[inline]
    fn current(&self, slot: u32, gen: u32) -> bool {
        self.slots
            .get(slot as usize)
            .is_some_and(|s| s.fd >= 0 && s.gen == gen)
    }
}

impl Backend for UringBackend {
    fn info(&self) -> IoInfo {
        self.info.clone()
    }

    fn register_payload(&mut self, bytes: Arc<[u8]>) -> io::Result<PayloadId> {
        let id = PayloadId::at(self.payloads.len())?;
        self.payloads.push(bytes);
        Ok(id)
    }

    fn connect(&mut self, target: SocketAddr, source: Option<IpAddr>) -> io::Result<Slot> {
        let fd = sys::tcp_client_socket(target, source, false)?;
        let slot = self.alloc_slot(fd);
        let ti = match self.targets.iter().position(|(a, _)| *a == target) {
            Some(i) => i,
            None => {
                self.targets.push((target, Box::new(RawAddr::new(target))));
                self.targets.len() - 1
            }
        };
        let addr = &self.targets[ti].1;
        let (ptr, len) = (addr.as_ptr(), addr.len());
        let s = self.slots[slot as usize];
        let entry = on_socket!(s, slot, |t| opcode::Connect::new(t, ptr, len).build())
            .user_data(user_data(OP_CONNECT, self.slots[slot as usize].gen, slot));
        self.push(&entry);
        Ok(slot)
    }

    fn listen(&mut self, addr: SocketAddr, backlog: u32) -> io::Result<SocketAddr> {
        let (fd, bound) = sys::tcp_listener(addr, backlog, false)?;
        self.listeners.push(fd);
        self.arm_accept(self.listeners.len() - 1);
        Ok(bound)
    }

    fn send(&mut self, slot: Slot, id: PayloadId, offset: usize, len: usize, ack: bool) {
        let Some(s) = self.slots.get(slot as usize).copied() else {
            return;
        };
        if s.fd < 0 {
            return;
        }
        let payload = &self.payloads[id.0 as usize];
        let end = (offset + len).min(payload.len());
        let start = offset.min(end);
        let ptr = payload[start..].as_ptr();
        let len = (end - start) as u32;
        let mut entry = on_socket!(s, slot, |t| opcode::Send::new(t, ptr, len)
            .flags(libc::MSG_NOSIGNAL | libc::MSG_WAITALL)
            .build())
        .user_data(user_data(OP_SEND, s.gen, slot));
        if !ack && self.skip_success {
            entry = entry.flags(squeue::Flags::SKIP_SUCCESS);
        }
        self.push(&entry);
    }

    /// Always asks for a completion (success included): it is what frees the copy.
    fn send_copy(&mut self, slot: Slot, bytes: &[u8], ack: bool) {
        let Some(s) = self.slots.get(slot as usize).copied() else {
            return;
        };
        if s.fd < 0 {
            return;
        }
        let (idx, copy) = self.copies.take(bytes, slot, s.gen, ack);
        let (ptr, len) = (copy.as_ptr(), copy.len() as u32);
        let entry = on_socket!(s, slot, |t| opcode::Send::new(t, ptr, len)
            .flags(libc::MSG_NOSIGNAL | libc::MSG_WAITALL)
            .build())
        .user_data(OP_SEND_COPY << 56 | u64::from(idx));
        self.push(&entry);
    }

    fn close(&mut self, slot: Slot, reset: bool) {
        let Some(s) = self.slots.get(slot as usize).copied() else {
            return;
        };
        if s.fd < 0 {
            return;
        }
        // Queued operations name the socket by fd number or fixed slot, both of which a new
        // socket may take at once: let the kernel pick up the queued ones with this socket
        // before it goes.
        if !self.ring.submission().is_empty() {
            self.flush_files();
            let _ = self.ring.submit();
        }
        if reset {
            let _ = sys::set_linger_zero(s.fd);
            // Wakes the pending receive (it returns 0 and drops its file reference) without
            // sending a FIN, so the last close sends the RST.
            sys::shutdown_read(s.fd);
        } else {
            sys::shutdown(s.fd);
        }
        sys::close(s.fd);
        self.release_slot(slot);
    }

    fn accepted_by(&self, slot: Slot) -> Option<usize> {
        let s = self.slots.get(slot as usize).filter(|s| s.fd >= 0)?;
        (s.accepted_by != NO_LISTENER).then_some(s.accepted_by as usize)
    }

    /// Shutting the listening socket down stops it listening (the kernel refuses new
    /// connections) and ends its pending multishot accept, which holds its own reference to
    /// the socket, so closing the fd alone would not.
    fn close_listener(&mut self, listener: usize) {
        let Some(fd) = self.listeners.get_mut(listener) else {
            return;
        };
        if *fd < 0 {
            return;
        }
        sys::shutdown_read(*fd);
        sys::close(*fd);
        *fd = -1;
    }

    fn local_addr(&self, slot: Slot) -> Option<SocketAddr> {
        let s = self.slots.get(slot as usize).filter(|s| s.fd >= 0)?;
        sys::local_addr(s.fd).ok()
    }

    fn wait(&mut self, want: usize, batch_wait: Duration, timeout: Duration) -> io::Result<()> {
        let ready = self.ring.completion().len();
        // Waiting for several completions needs the kernel's min-wait (6.12+): without it a
        // batch could hold the first completion until the whole timeout passed.
        let min_wait_us = batch_wait.as_micros().min(u32::MAX as u128) as u32;
        let batched = self.min_wait_supported && min_wait_us > 0;
        let want = if ready > 0 {
            0
        } else if batched {
            want.max(1)
        } else {
            1
        };
        let ts = types::Timespec::new()
            .sec(timeout.as_secs())
            .nsec(timeout.subsec_nanos());
        let mut args = types::SubmitArgs::new().timespec(&ts);
        if want > 1 {
            args = args.min_wait_usec(min_wait_us);
        }
        self.flush_files();
        match self.ring.submitter().submit_with_args(want, &args) {
            Ok(_) => Ok(()),
            Err(e) => match e.raw_os_error() {
                Some(libc::ETIME) | Some(libc::EINTR) | Some(libc::EBUSY) | Some(libc::EAGAIN) => {
                    Ok(())
                }
                _ => Err(e),
            },
        }
    }

    fn drain<F: FnMut(Completion<'_>, &mut Self)>(&mut self, mut f: F) {
        let mut batch = std::mem::take(&mut self.cqes);
        batch.clear();
        batch.extend(
            self.ring
                .completion()
                .map(|c| (c.user_data(), c.result(), c.flags())),
        );
        for &(ud, res, flags) in &batch {
            self.handle(ud, res, flags, &mut f);
        }
        self.bufs.publish();
        self.cqes = batch;
    }
}

impl Drop for UringBackend {
    fn drop(&mut self) {
        // Close sockets through the ring: thousands of closes in a few kernel entries. The
        // ring's teardown (next) releases what its pending operations still hold.
        let close = opcode::Close::CODE;
        let mut probe = io_uring::Probe::new();
        let ring_close =
            self.ring.submitter().register_probe(&mut probe).is_ok() && probe.is_supported(close);
        for i in 0..self.slots.len() {
            let fd = self.slots[i].fd;
            if fd < 0 {
                continue;
            }
            if ring_close {
                let mut entry = opcode::Close::new(types::Fd(fd)).build();
                if self.skip_success {
                    entry = entry.flags(squeue::Flags::SKIP_SUCCESS);
                }
                self.push(&entry);
            } else {
                sys::close(fd);
            }
        }
        if ring_close {
            let _ = self.ring.submit();
        }
        for &fd in self.listeners.iter().filter(|&&fd| fd >= 0) {
            sys::close(fd);
        }
    }
}

impl UringBackend {
    /// `send_copy` sends whose completion has not arrived yet (their copies are held).
    pub fn copies_in_flight(&self) -> usize {
        self.copies.in_flight()
    }

    #[cfg(test)]
    pub(crate) fn copy_buffers(&self) -> usize {
        self.copies.allocated()
    }
}

impl AsRawFd for UringBackend {
    fn as_raw_fd(&self) -> RawFd {
        self.ring.as_raw_fd()
    }
}
