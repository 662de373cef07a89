//! Thin, checked wrappers over the system calls the engine needs outside io_uring itself:
//! sockets, resource limits, CPU time. Each returns `io::Result` and never panics.

use std::io;
use std::mem;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::RawFd;

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A socket address in the C layout, kept alive while an operation references it.
#[derive(Clone, Copy)]
pub struct RawAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl RawAddr {
    pub fn new(addr: SocketAddr) -> RawAddr {
        // SAFETY: sockaddr_storage is plain old data (integers and byte arrays); all-zero is a
        // valid value.
        let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let len = match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
                unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
                mem::size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
                unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
                mem::size_of::<libc::sockaddr_in6>()
            }
        };
        RawAddr {
            storage,
            len: len as libc::socklen_t,
        }
    }

    pub fn as_ptr(&self) -> *const libc::sockaddr {
        &self.storage as *const _ as *const libc::sockaddr
    }

    pub fn len(&self) -> libc::socklen_t {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn to_socket_addr(self) -> io::Result<SocketAddr> {
        match self.storage.ss_family as libc::c_int {
            libc::AF_INET => {
                // SAFETY: the family says the storage holds a sockaddr_in.
                let a = unsafe { &*(self.as_ptr() as *const libc::sockaddr_in) };
                let ip = std::net::Ipv4Addr::from(a.sin_addr.s_addr.to_ne_bytes());
                Ok(SocketAddr::new(ip.into(), u16::from_be(a.sin_port)))
            }
            libc::AF_INET6 => {
                // SAFETY: the family says the storage holds a sockaddr_in6.
                let a = unsafe { &*(self.as_ptr() as *const libc::sockaddr_in6) };
                let ip = std::net::Ipv6Addr::from(a.sin6_addr.s6_addr);
                Ok(SocketAddr::new(ip.into(), u16::from_be(a.sin6_port)))
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "unknown address family",
            )),
        }
    }
}

fn family(ip: IpAddr) -> libc::c_int {
    match ip {
        IpAddr::V4(_) => libc::AF_INET,
        IpAddr::V6(_) => libc::AF_INET6,
    }
}

fn setsockopt_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    val: libc::c_int,
) -> io::Result<()> {
    // SAFETY: the option value points to `val`, a live c_int, and the length passed is its
    // size; setsockopt only reads it.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            &val as *const _ as *const libc::c_void,
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// A TCP socket for connecting to `target`, TCP_NODELAY set, bound to `source` (port chosen at
/// connect time, so ports are shared across destinations) if given.
pub fn tcp_client_socket(
    target: SocketAddr,
    source: Option<IpAddr>,
    nonblocking: bool,
) -> io::Result<RawFd> {
    let mut ty = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
    if nonblocking {
        ty |= libc::SOCK_NONBLOCK;
    }
    // SAFETY: socket(2) takes no pointers; a failure is a negative return, checked by cvt.
    let fd = cvt(unsafe { libc::socket(family(target.ip()), ty, 0) })?;
    let setup = || -> io::Result<()> {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)?;
        if let Some(src) = source {
            if src.is_ipv4() {
                setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_BIND_ADDRESS_NO_PORT, 1)?;
            }
            let a = RawAddr::new(SocketAddr::new(src, 0));
            // SAFETY: `a` is a live RawAddr: a.as_ptr() addresses an initialised sockaddr of
            // a.len() bytes, which bind only reads.
            cvt(unsafe { libc::bind(fd, a.as_ptr(), a.len()) })?;
        }
        Ok(())
    };
    if let Err(e) = setup() {
        close(fd);
        return Err(e);
    }
    Ok(fd)
}

/// A listening TCP socket with SO_REUSEADDR and SO_REUSEPORT; returns it and the bound address.
pub fn tcp_listener(
    addr: SocketAddr,
    backlog: u32,
    nonblocking: bool,
) -> io::Result<(RawFd, SocketAddr)> {
    let mut ty = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
    if nonblocking {
        ty |= libc::SOCK_NONBLOCK;
    }
    // SAFETY: socket(2) takes no pointers; a failure is a negative return, checked by cvt.
    let fd = cvt(unsafe { libc::socket(family(addr.ip()), ty, 0) })?;
    let setup = || -> io::Result<SocketAddr> {
        setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
        let a = RawAddr::new(addr);
        // SAFETY: `a` is a live RawAddr: a.as_ptr() addresses an initialised sockaddr of
        // a.len() bytes, which bind only reads.
        cvt(unsafe { libc::bind(fd, a.as_ptr(), a.len()) })?;
        // SAFETY: listen(2) takes no pointers; a failure is a negative return, checked by cvt.
        cvt(unsafe { libc::listen(fd, backlog.min(i32::MAX as u32) as libc::c_int) })?;
        local_addr(fd)
    };
    match setup() {
        Ok(bound) => Ok((fd, bound)),
        Err(e) => {
            close(fd);
            Err(e)
        }
    }
}

/// The address a socket is bound to.
pub fn local_addr(fd: RawFd) -> io::Result<SocketAddr> {
    // SAFETY: sockaddr_storage is plain old data (integers and byte arrays); all-zero is a
    // valid value.
    let storage = unsafe { mem::zeroed() };
    let mut raw = RawAddr {
        storage,
        len: mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
    };
    // SAFETY: both pointers address live locals: raw.storage is writable for raw.len bytes
    // (getsockname writes at most that many and updates raw.len).
    cvt(unsafe {
        libc::getsockname(
            fd,
            &mut raw.storage as *mut _ as *mut libc::sockaddr,
            &mut raw.len,
        )
    })?;
    raw.to_socket_addr()
}

/// Non-blocking connect(2); Ok(true) when connected at once, Ok(false) when in progress.
pub fn connect_nonblocking(fd: RawFd, target: &RawAddr) -> io::Result<bool> {
    // SAFETY: `target` borrows a live RawAddr: its pointer addresses an initialised sockaddr
    // of target.len() bytes, which connect only reads.
    let r = unsafe { libc::connect(fd, target.as_ptr(), target.len()) };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EINPROGRESS) {
        Ok(false)
    } else {
        Err(e)
    }
}

/// accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC as asked; Ok(None) when no connection is waiting.
pub fn accept(listener: RawFd, nonblocking: bool) -> io::Result<Option<RawFd>> {
    let mut flags = libc::SOCK_CLOEXEC;
    if nonblocking {
        flags |= libc::SOCK_NONBLOCK;
    }
    // SAFETY: accept4(2) allows null address and length pointers (the peer's address is not
    // wanted); no other pointer is passed.
    let r = unsafe { libc::accept4(listener, std::ptr::null_mut(), std::ptr::null_mut(), flags) };
    if r >= 0 {
        return Ok(Some(r));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::ECONNABORTED) | Some(libc::EINTR) => Ok(None),
        _ => Err(e),
    }
}

/// The pending error of a socket (SO_ERROR): None when the connect succeeded.
pub fn take_socket_error(fd: RawFd) -> io::Result<Option<io::Error>> {
    let mut val: libc::c_int = 0;
    let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the value pointer addresses `val`, a live, writable c_int, and `len` (also live)
    // holds its size, so getsockopt writes within it.
    cvt(unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            &mut val as *mut _ as *mut libc::c_void,
            &mut len,
        )
    })?;
    Ok(if val == 0 {
        None
    } else {
        Some(io::Error::from_raw_os_error(val))
    })
}

/// TCP_NODELAY on an accepted socket.
pub fn set_nodelay(fd: RawFd) -> io::Result<()> {
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)
}

/// SO_LINGER {on, 0}: the next close sends an RST.
pub fn set_linger_zero(fd: RawFd) -> io::Result<()> {
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the option value points to `l`, a live linger struct, and the length passed is
    // its size; setsockopt only reads it.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &l as *const _ as *const libc::c_void,
            mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// read(2) into `buf`: Ok(0) at EOF; Err(WouldBlock) when nothing is there.
pub fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is an exclusive borrow, writable for buf.len() bytes; read(2) writes at
    // most that many.
    let r = unsafe { libc::read(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// send(2) with MSG_NOSIGNAL: how many bytes the kernel took; Err(WouldBlock) when none.
pub fn send(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a live borrow, readable for buf.len() bytes; send(2) only reads it.
    let r = unsafe {
        libc::send(
            fd,
            buf.as_ptr() as *const libc::c_void,
            buf.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// shutdown(2) both ways; errors (e.g. not connected) are irrelevant to callers and ignored.
pub fn shutdown(fd: RawFd) {
    // SAFETY: shutdown(2) takes no pointers; on a stale fd it fails harmlessly (EBADF).
    unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
}

/// shutdown(2) of the receiving side only: wakes a pending receive without sending a FIN;
/// errors are ignored as for `shutdown`.
pub fn shutdown_read(fd: RawFd) {
    // SAFETY: shutdown(2) takes no pointers; on a stale fd it fails harmlessly (EBADF).
    unsafe { libc::shutdown(fd, libc::SHUT_RD) };
}

/// close(2); errors are ignored (the fd is gone either way on Linux).
pub fn close(fd: RawFd) {
    // SAFETY: close(2) takes no pointers. No Rust object (File, OwnedFd) owns `fd`, so none
    // will close it again; the caller owns it and does not use it afterwards.
    unsafe { libc::close(fd) };
}

/// Current (soft) and maximum (hard) RLIMIT_NOFILE.
pub fn nofile_limits() -> io::Result<(u64, u64)> {
    // SAFETY: rlimit is plain old data (two integers); all-zero is a valid value.
    let mut r: libc::rlimit = unsafe { mem::zeroed() };
    // SAFETY: `r` is a live, writable rlimit; getrlimit writes exactly one.
    cvt(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) })?;
    Ok((r.rlim_cur as u64, r.rlim_max as u64))
}

/// Sets the soft RLIMIT_NOFILE (not above the hard one).
pub fn set_nofile_soft(soft: u64) -> io::Result<()> {
    let (_, hard) = nofile_limits()?;
    let r = libc::rlimit {
        rlim_cur: soft.min(hard) as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: `r` is a live, initialised rlimit; setrlimit only reads it.
    cvt(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) }).map(drop)
}

fn tv_secs(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

/// (user s, sys s, max RSS KiB) of this process (`thread` false) or the calling thread.
pub fn rusage(thread: bool) -> (f64, f64, u64) {
    // SAFETY: rusage is plain old data (timevals and integers); all-zero is a valid value.
    let mut ru: libc::rusage = unsafe { mem::zeroed() };
    let who = if thread {
        libc::RUSAGE_THREAD
    } else {
        libc::RUSAGE_SELF
    };
    // SAFETY: `ru` is a live, writable rusage; getrusage writes exactly one.
    let r = unsafe { libc::getrusage(who, &mut ru) };
    if r != 0 {
        return (0.0, 0.0, 0);
    }
    (
        tv_secs(ru.ru_utime),
        tv_secs(ru.ru_stime),
        ru.ru_maxrss as u64,
    )
}

/// The local port range (net.ipv4.ip_local_port_range) as (low, high).
pub fn ephemeral_port_range() -> (u32, u32) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().filter_map(|x| x.parse().ok());
            Some((it.next()?, it.next()?))
        })
        .unwrap_or((32768, 60999))
}

/// accept4(2) for edge-triggered accept loops: non-blocking, close-on-exec. Ok(None) only when
/// the accept queue is empty (EAGAIN); connections aborted before they were taken (ECONNABORTED)
/// and interruptions (EINTR) are skipped, so a caller may stop at the first None.
pub fn accept_until_empty(listener: RawFd) -> io::Result<Option<RawFd>> {
    loop {
        // SAFETY: accept4(2) allows null address and length pointers (the peer's address is
        // not wanted); no other pointer is passed.
        let r = unsafe {
            libc::accept4(
                listener,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            )
        };
        if r >= 0 {
            return Ok(Some(r));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN) => return Ok(None),
            Some(libc::ECONNABORTED) | Some(libc::EINTR) => continue,
            _ => return Err(e),
        }
    }
}

/// epoll_create1(EPOLL_CLOEXEC).
pub fn epoll_create() -> io::Result<RawFd> {
    // SAFETY: epoll_create1(2) takes no pointers; a failure is a negative return, checked
    // by cvt.
    cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })
}

/// epoll_ctl(2) with `op` EPOLL_CTL_ADD, _MOD or _DEL; `token` comes back with `fd`'s events.
pub fn epoll_ctl(epfd: RawFd, op: i32, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
    let mut ev = libc::epoll_event { events, u64: token };
    // SAFETY: `ev` is a live epoll_event; epoll_ctl only reads it (and ignores it for DEL).
    cvt(unsafe { libc::epoll_ctl(epfd, op, fd, &mut ev) }).map(drop)
}

/// epoll_wait(2) for up to `ms` milliseconds, appending ready events to the spare capacity of
/// `out` (nothing is waited for when there is none); returns how many were added. EINTR is an
/// error of kind Interrupted.
pub fn epoll_wait(epfd: RawFd, out: &mut Vec<libc::epoll_event>, ms: i32) -> io::Result<usize> {
    let len = out.len();
    let free = out.spare_capacity_mut();
    let spare = free.len().min(i32::MAX as usize);
    if spare == 0 {
        return Ok(0);
    }
    let free = free.as_mut_ptr() as *mut libc::epoll_event;
    // SAFETY: `free` addresses `spare` allocated (uninitialised) slots past the initialised
    // ones; the kernel writes at most `spare` events there.
    let n = cvt(unsafe { libc::epoll_wait(epfd, free, spare as i32, ms) })? as usize;
    // SAFETY: epoll_wait returned n <= spare, having initialised the first n slots past
    // `len`, and len + n <= capacity.
    unsafe { out.set_len(len + n) };
    Ok(n)
}
