#!/usr/bin/env python3
"""The peer of bench/compare-check.sh: a deproxy-style functional checker in plain Python
(blocking sockets, a recording backend thread, the way tempesta-test's deproxy works), doing
the same exchanges as the generated check file: send a request through the proxy, wait for
the response, check its status and body, and check the request the backend recorded
(method, target, X-Forwarded-For). Prints one line: `exchanges=N failed=N wall_s=S`.

    check_baseline.py --proxy 127.0.0.1:18081 --backend 127.0.0.1:18090 --count 2000
"""
import argparse
import socket
import threading
import time


def read_head(sock, buf):
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise ConnectionError("closed")
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def fields(head):
    out = {}
    for line in head.split(b"\r\n")[1:]:
        k, v = line.split(b":", 1)
        out[k.strip().lower()] = v.strip()
    return out


class Backend(threading.Thread):
    """Answers `200 ok` and records each request head, keyed by its x-bench marker."""

    def __init__(self, addr):
        super().__init__(daemon=True)
        host, port = addr.rsplit(":", 1)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, int(port)))
        self.sock.listen(128)
        self.seen = {}
        self.lock = threading.Lock()

    def run(self):
        while True:
            c, _ = self.sock.accept()
            threading.Thread(target=self.conn, args=(c,), daemon=True).start()

    def conn(self, c):
        buf = b""
        try:
            while True:
                head, buf = read_head(c, buf)
                f = fields(head)
                with self.lock:
                    self.seen[f.get(b"x-bench", b"")] = (head.split(b"\r\n")[0], f)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except (ConnectionError, OSError, ValueError):
            c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--backend", required=True)
    ap.add_argument("--count", type=int, default=2000)
    a = ap.parse_args()
    be = Backend(a.backend)
    be.start()
    host, port = a.proxy.rsplit(":", 1)
    cl = socket.create_connection((host, int(port)))
    cl.settimeout(5)
    failed = 0
    buf = b""
    t0 = time.monotonic()
    for i in range(a.count):
        marker = b"b%d" % i
        target = b"/bench/%d" % i
        cl.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: bench\r\nx-bench: " + marker + b"\r\n\r\n")
        head, buf = read_head(cl, buf)
        n = int(fields(head).get(b"content-length", b"0"))
        while len(buf) < n:
            buf += cl.recv(65536)
        body, buf = buf[:n], buf[n:]
        ok = head.startswith(b"HTTP/1.1 200") and body == b"ok"
        # The backend's record is there once the response is: the proxy got it from there.
        with be.lock:
            line, f = be.seen.pop(marker, (b"", {}))
        ok = ok and line == b"GET " + target + b" HTTP/1.1" and f.get(b"x-forwarded-for") == b"127.0.0.1"
        failed += 0 if ok else 1
    wall = time.monotonic() - t0
    print("exchanges=%d failed=%d wall_s=%.3f" % (a.count, failed, wall))


if __name__ == "__main__":
    main()
