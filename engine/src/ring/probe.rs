//! Functional probes of kernel features no flag advertises: multishot receive is tried on a
//! socket pair with a throwaway ring, once per process.

use crate::buf::BufRing;
use io_uring::{cqueue, opcode, types, IoUring};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;

static MULTISHOT: OnceLock<bool> = OnceLock::new();

/// Whether a multishot receive into a provided buffer ring delivers data and stays armed.
pub fn multishot_recv_works() -> bool {
    *MULTISHOT.get_or_init(|| try_multishot().unwrap_or(false))
}

fn try_multishot() -> std::io::Result<bool> {
    let mut ring: IoUring = IoUring::new(8)?;
    let bufs = BufRing::new(8, 64, 7)?;
    bufs.register(&ring.submitter())?;
    let (a, mut b) = UnixStream::pair()?;
    let entry = opcode::RecvMulti::new(types::Fd(a.as_raw_fd()), 7)
        .build()
        .user_data(1);
    // SAFETY: the entry references no memory but the registered buffer ring (group 7), which
    // outlives the ring (`bufs` is dropped after `ring`, below); the kernel takes its own
    // reference to the socket at submission.
    unsafe { ring.submission().push(&entry) }
        .map_err(|_| std::io::Error::other("probe queue full"))?;
    b.write_all(b"x")?;
    let ts = types::Timespec::new().sec(1);
    let args = types::SubmitArgs::new().timespec(&ts);
    let _ = ring.submitter().submit_with_args(1, &args);
    let ok = match ring.completion().next() {
        Some(c) => c.result() == 1 && cqueue::more(c.flags()),
        None => false,
    };
    drop(b);
    drop(a);
    drop(ring);
    drop(bufs);
    Ok(ok)
}
