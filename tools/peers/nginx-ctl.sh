#!/usr/bin/env bash
# Start/stop a peer nginx for tfw-bench tests and benchmarks (loopback only,
# CPU-pinned, one worker). Several instances can run side by side: give each
# its own PEERS_RUN and ports.
#
#   tools/peers/nginx-ctl.sh start    # render conf, make cert + files, start nginx;
#                                     # prints the master pid (only that) on stdout
#   tools/peers/nginx-ctl.sh stop     # stop ONLY the nginx of this PEERS_RUN (pid file
#                                     # + command-line check), never by name
#   tools/peers/nginx-ctl.sh status   # master/worker pids and ports; exit 1 if not running
#   tools/peers/nginx-ctl.sh reload   # SIGHUP to the master of this PEERS_RUN (new workers)
#
# Env: PEERS_RUN   runtime dir (default /tmp/peers-nginx); holds nginx.conf, pid,
#                  error.log, cert.pem/key.pem (server), ca.pem (its CA), www/{1k,64k}.bin,
#                  instance.env
#      HTTP_PORT   plain HTTP/1.1 port on 127.0.0.1 (default 8080)
#      TLS_PORT    TLS 1.2/1.3 + HTTP/2 port on 127.0.0.1 (default 8443)
#      TLS_TICKETS_PORT  optional: a TLS port with session tickets and cache on
#      TLS13_PORT  optional: a TLS 1.3-only port (refuses TLS 1.2)
#      H2C_PORT    optional: HTTP/2 over plain TCP (prior knowledge), same docroot
#      RSA_PORT    optional: TLS 1.2/1.3 + HTTP/2 with an RSA 2048 certificate (rsa-cert.pem,
#                  signed by the same CA)
#      BACKEND     optional: host:port; also runs nginx as a reverse proxy to it (the
#                  functional checker's `--profile nginx`), from nginx-proxy.conf, rendered
#                  into proxy-servers.conf. The benchmark ports above are served as well.
#      PROXY_PORT      with BACKEND: plain HTTP/1.1 proxy port (default 8081)
#      PROXY_TLS_PORT  with BACKEND: TLS proxy port, ALPN h2 and http/1.1 (default 8444)
#      SERVER_CPU  CPU list for taskset (default 0)
#      NGINX       nginx binary (default: nginx from PATH, else /usr/sbin/nginx)
#
# Locations (both ports): /  -> 200, 2-byte body "ok";  /1k.bin, /64k.bin static
# files (1024 x 'a', 65536 x 'b');  /status  stub_status.  Proxy ports: everything to BACKEND
# (which need not be up at start: nothing is sent to it before a client does).
# Needs Debian packages: nginx openssl curl util-linux (taskset, flock, runuser).
# Diagnostics go to stderr; stdout carries only the master pid (start) or the
# status line (status), so callers can capture it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="${PEERS_RUN:-/tmp/peers-nginx}"
HTTP_PORT="${HTTP_PORT:-8080}"
TLS_PORT="${TLS_PORT:-8443}"
SERVER_CPU="${SERVER_CPU:-0}"

die() { echo "nginx-ctl: $*" >&2; exit 1; }
say() { echo "nginx-ctl: $*" >&2; }

# Absolute runtime dir (nginx -p and the pid-file check need one).
case "$RUN" in
    /*) ;;
    *) RUN="$PWD/$RUN" ;;
esac
RUN="${RUN%/}"
PIDFILE="$RUN/nginx.pid"
CONF="$RUN/nginx.conf"

find_nginx() {
    if [ -n "${NGINX:-}" ]; then echo "$NGINX"; return; fi
    command -v nginx 2>/dev/null && return
    [ -x /usr/sbin/nginx ] && { echo /usr/sbin/nginx; return; }
    return 1
}

# Master pid, only if the pid file names a live nginx master that runs OUR conf.
our_master() {
    [ -s "$PIDFILE" ] || return 1
    local pid cmd
    pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    cmd="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ " $cmd " == *" -c $CONF "* ]] || return 1
    echo "$pid"
}

workers_of() { cat "/proc/$1/task/$1/children" 2>/dev/null || true; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_port() {
    [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || die "$1=$2 is not a port number"
}

# Serialise start/stop of the same runtime dir (bounded wait).
lock_run() {
    exec 9>"$RUN/.ctl.lock"
    flock -w 30 9 || die "another nginx-ctl.sh is busy with $RUN (lock held > 30 s)"
}

start() {
    local nginx; nginx="$(find_nginx)" || die "nginx not installed (apt-get install -y nginx)"
    command -v openssl >/dev/null || die "openssl not installed (apt-get install -y openssl)"
    command -v curl >/dev/null || die "curl not installed (apt-get install -y curl)"
    command -v taskset >/dev/null || die "taskset not installed (apt-get install -y util-linux)"
    check_port HTTP_PORT "$HTTP_PORT"
    check_port TLS_PORT "$TLS_PORT"
    [ "$HTTP_PORT" != "$TLS_PORT" ] || die "HTTP_PORT and TLS_PORT are both $HTTP_PORT"
    taskset -c "$SERVER_CPU" true 2>/dev/null || die "SERVER_CPU=$SERVER_CPU is not a usable CPU list here (nproc: $(nproc))"

    mkdir -p "$RUN"
    lock_run
    if our_master >/dev/null; then die "already running in $RUN (pid $(cat "$PIDFILE"))"; fi
    local extra_ports=""
    [ -z "${TLS_TICKETS_PORT:-}" ] || { check_port TLS_TICKETS_PORT "$TLS_TICKETS_PORT"; extra_ports+=" $TLS_TICKETS_PORT"; }
    [ -z "${TLS13_PORT:-}" ] || { check_port TLS13_PORT "$TLS13_PORT"; extra_ports+=" $TLS13_PORT"; }
    local proxy_port="" proxy_tls_port=""
    if [ -n "${BACKEND:-}" ]; then
        [[ "$BACKEND" =~ ^[A-Za-z0-9.:_-]+:[0-9]+$|^\[[0-9A-Fa-f:.]+\]:[0-9]+$ ]] \
            || die "BACKEND=$BACKEND is not host:port"
        proxy_port="${PROXY_PORT:-8081}"
        proxy_tls_port="${PROXY_TLS_PORT:-8444}"
        check_port PROXY_PORT "$proxy_port"
        check_port PROXY_TLS_PORT "$proxy_tls_port"
        [ "$proxy_port" != "$proxy_tls_port" ] || die "PROXY_PORT and PROXY_TLS_PORT are both $proxy_port"
        extra_ports+=" $proxy_port $proxy_tls_port"
    fi
    for p in "$HTTP_PORT" "$TLS_PORT" $extra_ports; do
        port_busy "$p" && die "127.0.0.1:$p is already in use by something else"
    done
    mkdir -p "$RUN"/www "$RUN"/tmp
    chmod 755 "$RUN" "$RUN/www"
    rm -f "$RUN/error.log"
    # ECDSA P-256: a throw-away CA (ca.pem) and a server certificate for localhost and
    # 127.0.0.1 signed by it (cert.pem), made fresh at every start. `--verify --cacert ca.pem`
    # can verify the server; clients that do not verify are unaffected.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$RUN/ca.key" -out "$RUN/ca.pem" -days 30 -subj "/CN=tfw-bench test CA" 2>/dev/null \
        || die "openssl could not make the CA certificate"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' \
        > "$RUN/leaf.ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$RUN/key.pem" -out "$RUN/leaf.csr" -subj "/CN=localhost" 2>/dev/null \
        && openssl x509 -req -in "$RUN/leaf.csr" -CA "$RUN/ca.pem" -CAkey "$RUN/ca.key" \
            -CAcreateserial -CAserial "$RUN/ca.srl" -out "$RUN/cert.pem" -days 30 \
            -extfile "$RUN/leaf.ext" 2>/dev/null \
        || die "openssl could not make the server certificate"
    if [ -n "${RSA_PORT:-}" ]; then
        openssl req -new -newkey rsa:2048 -nodes \
            -keyout "$RUN/rsa-key.pem" -out "$RUN/rsa.csr" -subj "/CN=localhost" 2>/dev/null \
            && openssl x509 -req -in "$RUN/rsa.csr" -CA "$RUN/ca.pem" -CAkey "$RUN/ca.key" \
                -CAcreateserial -CAserial "$RUN/ca.srl" -out "$RUN/rsa-cert.pem" -days 30 \
                -extfile "$RUN/leaf.ext" 2>/dev/null \
            || die "openssl could not make the RSA server certificate"
        chmod 600 "$RUN/rsa-key.pem"
    fi
    chmod 600 "$RUN/ca.key"
    chmod 600 "$RUN/key.pem"
    head -c 1024  /dev/zero | tr '\0' 'a' > "$RUN/www/1k.bin"
    head -c 65536 /dev/zero | tr '\0' 'b' > "$RUN/www/64k.bin"
    chmod 644 "$RUN"/www/*.bin

    local user_line="" affinity_line="" rlimit=65536 hard
    if [ "$(id -u)" = 0 ]; then
        user_line="user www-data www-data;"
        # The worker must be able to read the docroot. If PEERS_RUN sits under
        # a directory www-data cannot enter (e.g. /root/...), run it as root.
        if ! id www-data >/dev/null 2>&1 || \
           ! runuser -u www-data -- test -r "$RUN/www/1k.bin" 2>/dev/null; then
            user_line="user root root;"
            say "www-data cannot read $RUN/www; the worker runs as root"
        fi
    fi
    # A single CPU also gets worker_cpu_affinity (the mask's rightmost bit is CPU 0).
    if [[ "$SERVER_CPU" =~ ^[0-9]+$ ]]; then
        affinity_line="worker_cpu_affinity 1$(printf '%*s' "$SERVER_CPU" '' | tr ' ' 0);"
    fi
    # worker_rlimit_nofile 65536; if this process cannot go above its hard limit
    # (no CAP_SYS_RESOURCE, as in some sandboxes) use the hard limit so nginx
    # does not log a setrlimit alert.
    hard="$(ulimit -Hn)"
    if [ "$hard" != unlimited ] && [ "$hard" -lt 65536 ] && ! (ulimit -n 65536) 2>/dev/null; then
        rlimit="$hard"
    fi
    sed -e "s|@RUN@|$RUN|g" -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@TLS_PORT@|$TLS_PORT|g" \
        -e "s|@USER_LINE@|$user_line|" -e "s|@AFFINITY_LINE@|$affinity_line|" \
        -e "s|@RLIMIT@|$rlimit|" "$HERE/nginx.conf" > "$CONF"
    : > "$RUN/extra-servers.conf"
    if [ -n "${TLS_TICKETS_PORT:-}" ]; then
        cat >> "$RUN/extra-servers.conf" <<EOC
    server {
        listen 127.0.0.1:$TLS_TICKETS_PORT ssl backlog=4096;
        ssl_certificate     $RUN/cert.pem;
        ssl_certificate_key $RUN/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:tickets:1m;
        ssl_session_tickets on;
        location = / { return 200 "ok"; }
    }
EOC
    fi
    if [ -n "${TLS13_PORT:-}" ]; then
        cat >> "$RUN/extra-servers.conf" <<EOC
    server {
        listen 127.0.0.1:$TLS13_PORT ssl backlog=4096;
        ssl_certificate     $RUN/cert.pem;
        ssl_certificate_key $RUN/key.pem;
        ssl_protocols TLSv1.3;
        location = / { return 200 "ok"; }
    }
EOC
    fi
    if [ -n "${RSA_PORT:-}" ]; then
        cat >> "$RUN/extra-servers.conf" <<EOC
    server {
        listen 127.0.0.1:$RSA_PORT ssl http2 backlog=4096;
        ssl_certificate     $RUN/rsa-cert.pem;
        ssl_certificate_key $RUN/rsa-key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $RUN/www;
        location = / { return 200 "ok"; }
        location / { }
    }
EOC
    fi
    if [ -n "${H2C_PORT:-}" ]; then
        cat >> "$RUN/extra-servers.conf" <<EOC
    server {
        listen 127.0.0.1:$H2C_PORT http2 backlog=4096;
        root $RUN/www;
        location = / { return 200 "ok"; }
        location / { }
    }
EOC
    fi
    : > "$RUN/proxy-servers.conf"
    if [ -n "$proxy_port" ]; then
        sed -e "s|@RUN@|$RUN|g" -e "s|@BACKEND@|$BACKEND|g" -e "s|@PROXY_PORT@|$proxy_port|g" \
            -e "s|@PROXY_TLS_PORT@|$proxy_tls_port|g" "$HERE/nginx-proxy.conf" > "$RUN/proxy-servers.conf"
    fi
    ulimit -n "$rlimit" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    "$nginx" -t -q -p "$RUN" -e "$RUN/error.log" -c "$CONF" 9>&- \
        || die "nginx -t failed for $CONF"
    # 9>&-: the daemon must not inherit (and hold for ever) the lock fd.
    if ! taskset -c "$SERVER_CPU" "$nginx" -p "$RUN" -e "$RUN/error.log" -c "$CONF" 9>&-; then
        tail -n 5 "$RUN/error.log" >&2 2>/dev/null || true
        die "nginx did not start; see $RUN/error.log"
    fi
    local m="" ws=""
    for _ in $(seq 50); do
        if m="$(our_master)"; then
            ws="$(workers_of "$m")"
            [ -n "$ws" ] && break
        fi
        sleep 0.1
    done
    [ -n "$m" ] && [ -n "$ws" ] || die "nginx did not start within 5 s; see $RUN/error.log"
    local c=(curl -fsS --noproxy '*' --max-time 5 -o /dev/null)
    if ! "${c[@]}" "http://127.0.0.1:$HTTP_PORT/"; then
        stop_master "$m"; die "127.0.0.1:$HTTP_PORT not answering; nginx stopped again"
    fi
    if ! "${c[@]}" -k --http2 "https://127.0.0.1:$TLS_PORT/"; then
        stop_master "$m"; die "127.0.0.1:$TLS_PORT not answering; nginx stopped again"
    fi
    # The proxy ports accept connections (no request: it would reach the backend).
    local p
    for p in $proxy_port $proxy_tls_port; do
        if ! port_busy "$p"; then
            stop_master "$m"; die "127.0.0.1:$p not accepting connections; nginx stopped again"
        fi
    done
    printf 'HTTP_PORT=%s\nTLS_PORT=%s\nSERVER_CPU=%s\nMASTER_PID=%s\n' \
        "$HTTP_PORT" "$TLS_PORT" "$SERVER_CPU" "$m" > "$RUN/instance.env"
    if [ -n "$proxy_port" ]; then
        printf 'BACKEND=%s\nPROXY_PORT=%s\nPROXY_TLS_PORT=%s\n' \
            "$BACKEND" "$proxy_port" "$proxy_tls_port" >> "$RUN/instance.env"
    fi
    local w1; w1="$(echo "$ws" | awk '{print $1}')"
    say "started master $m workers $(echo "$ws" | xargs) affinity $(taskset -pc "$w1" | awk '{print $NF}')" \
        "http 127.0.0.1:$HTTP_PORT tls 127.0.0.1:$TLS_PORT" \
        "${proxy_port:+proxy 127.0.0.1:$proxy_port proxy-tls 127.0.0.1:$proxy_tls_port -> $BACKEND }run $RUN"
    echo "$m"
}

# Stop master $1 (ours: checked by the caller) and the workers it had.
stop_master() {
    local m="$1" ws; ws="$(workers_of "$m")"
    kill -TERM "$m" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$m" ] || break; sleep 0.1; done
    if [ -d "/proc/$m" ]; then kill -KILL "$m" 2>/dev/null || true; fi
    # Workers of OUR master only (pids captured above), in case any outlived it.
    for w in $ws; do
        if [ -d "/proc/$w" ] && [ "$(cat "/proc/$w/comm" 2>/dev/null)" = nginx ]; then
            kill -KILL "$w" 2>/dev/null || true
        fi
    done
    rm -f "$PIDFILE"
}

stop() {
    [ -d "$RUN" ] || { say "not running ($RUN does not exist)"; return 0; }
    lock_run
    local m; m="$(our_master)" || { say "not running"; rm -f "$PIDFILE"; return 0; }
    stop_master "$m"
    say "stopped master $m ($RUN)"
}

status() {
    local m; m="$(our_master)" || { echo "not running ($RUN)"; return 1; }
    local ports=""
    if [ -r "$RUN/instance.env" ]; then
        ports="$(. "$RUN/instance.env"; echo "http 127.0.0.1:$HTTP_PORT tls 127.0.0.1:$TLS_PORT ${PROXY_PORT:+proxy 127.0.0.1:$PROXY_PORT proxy-tls 127.0.0.1:$PROXY_TLS_PORT -> $BACKEND }cpu $SERVER_CPU ")"
    fi
    echo "master $m workers $(workers_of "$m" | tr '\n' ' ')${ports}run $RUN"
}

# Re-read the configuration (SIGHUP to our master; nginx starts new workers and retires the
# old ones gracefully), as `nginx -s reload` does; the master pid stays.
reload() {
    local m; m="$(our_master)" || die "not running ($RUN)"
    kill -HUP "$m"
    say "reloaded master $m ($RUN)"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    reload) reload ;;
    *) echo "usage: $0 start|stop|status|reload   (env: PEERS_RUN HTTP_PORT TLS_PORT SERVER_CPU BACKEND PROXY_PORT PROXY_TLS_PORT)" >&2; exit 2 ;;
esac
