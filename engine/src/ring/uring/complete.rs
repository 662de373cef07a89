//! Completions: what each finished operation means for its slot, told to the worker.

use super::{decode, UringBackend, OP_ACCEPT, OP_CONNECT, OP_RECV, OP_SEND, OP_SEND_COPY};
use crate::ring::{sys, Completion};
use io_uring::cqueue;
use std::io;

impl UringBackend {
    /// Handles one completion (`user_data`, result, flags), telling `f` what it means.
    pub(super) fn handle<F: FnMut(Completion<'_>, &mut Self)>(
        &mut self,
        ud: u64,
        res: i32,
        flags: u32,
        f: &mut F,
    ) {
        let (op, gen, slot) = decode(ud);
        match op {
            OP_RECV => {
                let bid = cqueue::buffer_select(flags);
                let live = self.current(slot, gen);
                if live {
                    if res > 0 {
                        if let Some(bid) = bid {
                            let ptr = self.bufs.buf_ptr(bid);
                            // SAFETY: `ptr` addresses buffer `bid` of the ring, `buf_size`
                            // bytes that live as long as `self.bufs`; the kernel wrote `res`
                            // (> 0, at most the buffer's length) bytes there and handed the
                            // buffer to us. It is recycled only after the callback returns,
                            // and nothing writes to a buffer user space holds.
                            let data = unsafe { std::slice::from_raw_parts(ptr, res as usize) };
                            f(Completion::Data { slot, data }, self);
                        }
                    } else if res == 0 {
                        f(Completion::Closed { slot, error: None }, self);
                    } else if res != -libc::ENOBUFS {
                        let error = Some(io::Error::from_raw_os_error(-res));
                        f(Completion::Closed { slot, error }, self);
                    }
                }
                if let Some(bid) = bid {
                    self.bufs.recycle(bid);
                }
                // A receive that ended (one-shot, or a multishot the kernel stopped) is armed
                // again while the connection lives and the peer has not closed.
                if !cqueue::more(flags)
                    && (res > 0 || res == -libc::ENOBUFS)
                    && self.current(slot, gen)
                {
                    if res == -libc::ENOBUFS {
                        self.bufs.publish();
                    }
                    self.arm_recv(slot);
                }
            }
            OP_SEND => {
                if !self.current(slot, gen) {
                    return;
                }
                if res < 0 {
                    let error = io::Error::from_raw_os_error(-res);
                    f(Completion::SendFailed { slot, error }, self);
                } else {
                    f(Completion::Sent { slot }, self);
                }
            }
            OP_SEND_COPY => {
                // `slot` is the copy buffer's index here; the buffer is free from now on.
                let Some(sent) = self.copies.release(slot) else {
                    return;
                };
                let slot = sent.slot;
                if !self.current(slot, sent.gen) {
                    return;
                }
                if res < 0 {
                    let error = io::Error::from_raw_os_error(-res);
                    f(Completion::SendFailed { slot, error }, self);
                } else if (res as usize) < sent.len {
                    // MSG_WAITALL sends the rest unless the connection failed meanwhile.
                    let error = io::Error::new(io::ErrorKind::WriteZero, "short send");
                    f(Completion::SendFailed { slot, error }, self);
                } else if sent.ack {
                    f(Completion::Sent { slot }, self);
                }
            }
            OP_CONNECT => {
                if !self.current(slot, gen) {
                    return;
                }
                if res == 0 {
                    self.arm_recv(slot);
                    f(
                        Completion::Connected {
                            slot,
                            result: Ok(()),
                        },
                        self,
                    );
                } else {
                    sys::close(self.slots[slot as usize].fd);
                    self.release_slot(slot);
                    let result = Err(io::Error::from_raw_os_error(-res));
                    f(Completion::Connected { slot, result }, self);
                }
            }
            OP_ACCEPT => {
                let idx = slot as usize;
                if res >= 0 {
                    let fd = res;
                    let _ = sys::set_nodelay(fd);
                    let new = self.alloc_slot(fd);
                    self.slots[new as usize].accepted_by = idx as u32;
                    self.arm_recv(new);
                    f(Completion::Accepted { slot: new }, self);
                }
                if !cqueue::more(flags) && idx < self.listeners.len() && self.listeners[idx] >= 0 {
                    self.arm_accept(idx);
                }
            }
            _ => {}
        }
    }
}
