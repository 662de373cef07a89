# Shared set-up of the benchmark scripts (bench/compare-*.sh), sourced by each:
#
#   ROOT=...; BENCH=compare-wrk; . "$ROOT/bench/lib/common.sh"
#
# It gives: say/die; stamping of results files (bench_stamp); checks of numbers and
# durations; preflight checks (commands, CPUs, GNU time, perf); the cargo build of
# tfw-bench; nginx (tools/peers/nginx-ctl.sh) start and stop with the EXIT/INT/TERM/HUP trap
# that also stops a client still running; nginx's counters and CPU time; the quiet wait
# before each run (wait_idle); the perf/time wrapper around a client (bench_run); and the
# first lines of meta.env. Each script keeps its own options, runs and results format.
#
# Expects ROOT and BENCH set; SERVER_CPU, CLIENT_CPU, SETTLE, SETTLE_MAX, QUIET_WAIT as the
# functions that use them say.

say() { printf '[%s %s] %s\n' "$BENCH" "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "$BENCH: ERROR: $*" >&2; exit 1; }

# bench_stamp KIND: STAMP (YYYY-MM-DD-HHMM, -2, -3... when a run of the same minute left
# results or raw output) and OUT (raw files, default bench/out/KIND-STAMP). Needs RESULTS_DIR.
bench_stamp() {
    local kind="$1" i
    local stamp0; stamp0="$(date +%Y-%m-%d-%H%M)"
    STAMP="$stamp0"
    # Two runs started in the same minute must not overwrite each other.
    for i in $(seq 2 99); do
        [ -e "$RESULTS_DIR/$kind-$STAMP.md" ] || [ -e "$RESULTS_DIR/$kind-$STAMP.json" ] \
            || { [ -z "${OUT:-}" ] && [ -e "$ROOT/bench/out/$kind-$STAMP" ]; } || break
        STAMP="$stamp0-$i"
    done
    OUT="${OUT:-$ROOT/bench/out/$kind-$STAMP}"
}

# bench_uints VAR...: each variable holds a non-negative integer.
bench_uints() {
    local v
    for v in "$@"; do
        [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v=${!v} is not a non-negative integer"
    done
}

# bench_duration_s: dur_s from DURATION (N, Ns or Nm; 1 s to 60 min).
bench_duration_s() {
    if [[ "$DURATION" =~ ^([0-9]+)(s?)$ ]]; then dur_s=${BASH_REMATCH[1]}
    elif [[ "$DURATION" =~ ^([0-9]+)m$ ]]; then dur_s=$((BASH_REMATCH[1] * 60))
    else die "DURATION=$DURATION: use N, Ns or Nm"; fi
    [ "$dur_s" -ge 1 ] && [ "$dur_s" -le 3600 ] || die "DURATION=$DURATION: between 1s and 60m"
}

# bench_preflight: python3, taskset, timeout, curl, nginx, GNU time, and the two CPUs.
bench_preflight() {
    command -v python3 >/dev/null || die "python3 not found (apt-get install -y python3)"
    command -v taskset >/dev/null && command -v timeout >/dev/null \
        || die "taskset/timeout not found (apt-get install -y util-linux coreutils)"
    command -v curl >/dev/null || die "curl not found (apt-get install -y curl)"
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx not found (apt-get install -y nginx)"
    taskset -c "$CLIENT_CPU" true 2>/dev/null \
        || die "CLIENT_CPU=$CLIENT_CPU does not exist here (nproc $(nproc)); this benchmark needs 2 CPUs"
    taskset -c "$SERVER_CPU" true 2>/dev/null || die "SERVER_CPU=$SERVER_CPU does not exist here (nproc $(nproc))"
    [ "$CLIENT_CPU" != "$SERVER_CPU" ] || say "WARNING: client and server share CPU $CLIENT_CPU"
    if [ ! -x /usr/bin/time ]; then
        [ "$(id -u)" = 0 ] || die "/usr/bin/time (GNU time) not found (apt-get install -y time)"
        say "installing Debian package 'time' (GNU /usr/bin/time)"
        DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q time </dev/null >&2 \
            || die "could not install 'time' (apt-get install -y time)"
    fi
    /usr/bin/time -f '%U %S %M' -o /dev/null true 2>/dev/null \
        || die "/usr/bin/time is not GNU time (apt-get install -y time)"
}

# bench_perf: PERF=1 when perf can count syscalls (COUNT_SYSCALLS=0: not used; REQUIRE_PERF=1:
# fail without it), and perf_cmd for meta.env.
bench_perf() {
    local msg perf_err
    PERF=0
    perf_cmd="perf stat -x, -e raw_syscalls:sys_enter,task-clock"
    if [ "${COUNT_SYSCALLS:-1}" = 0 ]; then
        msg="COUNT_SYSCALLS=0: perf not used"
    elif ! command -v perf >/dev/null; then
        msg="perf not found (apt-get install -y linux-perf)"
    elif ! perf_err="$(timeout 20 perf stat -e raw_syscalls:sys_enter true 2>&1 >/dev/null)"; then
        msg="perf cannot count raw_syscalls:sys_enter (needs root or kernel.perf_event_paranoid<=-1, and tracefs): $(echo "$perf_err" | head -n 3)"
    else
        PERF=1; return 0
    fi
    [ "${REQUIRE_PERF:-0}" = 1 ] && [ "${COUNT_SYSCALLS:-1}" != 0 ] && die "$msg"
    if [ "${COUNT_SYSCALLS:-1}" = 0 ]; then say "$msg; syscalls per response will be n/a"
    else say "WARNING: $msg; syscalls per response will be n/a"; fi
}

# bench_build_tfw: cargo build --release of tfw-bench unless NO_BUILD=1; TFW must then exist.
bench_build_tfw() {
    if [ "${NO_BUILD:-0}" != 1 ]; then
        command -v cargo >/dev/null || die "cargo not found (install Rust: https://rustup.rs)"
        say "cargo build --release -p tfw-bench"
        timeout 1800 cargo build --release -p tfw-bench >&2 || die "cargo build --release failed"
    fi
    [ -x "$TFW" ] || die "$TFW not found (cargo build --release -p tfw-bench)"
}

# ---------------------------------------------------------------- cleanup
NGINX_RUN=""
CLIENT_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$CLIENT_PID" ] && kill -0 "$CLIENT_PID" 2>/dev/null; then
        say "stopping client run (pid $CLIENT_PID)"
        # CLIENT_PID is the `timeout` we started; it passes TERM on to its child.
        kill -TERM "$CLIENT_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$CLIENT_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$CLIENT_PID" 2>/dev/null || true
    fi
    if [ -n "$NGINX_RUN" ]; then
        if PEERS_RUN="$NGINX_RUN" "$ROOT/tools/peers/nginx-ctl.sh" stop >/dev/null 2>&1; then
            if [ -s "$NGINX_RUN/error.log" ]; then cp "$NGINX_RUN/error.log" "$OUT/nginx-error.log" 2>/dev/null || true; fi
            rm -rf "$(dirname "$NGINX_RUN")"
        else
            say "WARNING: could not stop nginx in $NGINX_RUN (PEERS_RUN=$NGINX_RUN tools/peers/nginx-ctl.sh stop)"
        fi
    fi
    exit "$rc"
}
bench_traps() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

# bench_start_nginx [VAR=VALUE...]: nginx on SERVER_CPU with the HTTP_PORT/TLS_PORT (and
# whatever else is given, e.g. H2C_PORT=...) of tools/peers/nginx-ctl.sh; sets NGINX_RUN and
# nginx_pid. Needs OUT to exist.
bench_start_nginx() {
    NGINX_RUN="$(mktemp -d "/tmp/tfw-bench-$BENCH.XXXXXX")/nginx"
    chmod 755 "$(dirname "$NGINX_RUN")"   # the www-data worker must reach the docroot
    nginx_pid="$(env PEERS_RUN="$NGINX_RUN" HTTP_PORT="$HTTP_PORT" TLS_PORT="$TLS_PORT" \
        SERVER_CPU="$SERVER_CPU" "$@" "$ROOT/tools/peers/nginx-ctl.sh" start)" \
        || die "could not start nginx (ports $HTTP_PORT/$TLS_PORT${*:+ $*} busy?)"
}
nginx_alive() { PEERS_RUN="$NGINX_RUN" "$ROOT/tools/peers/nginx-ctl.sh" status >/dev/null; }

status_page() { curl -fsS --noproxy '*' --max-time 5 "http://127.0.0.1:$HTTP_PORT/status"; }
# requests counter of stub_status (third number of its third line); counts all ports
nginx_requests() { status_page | awk 'NR == 3 { print $3 }'; }
nginx_active() { status_page | awk '/^Active connections:/ { print $3 }'; }

# nginx worker pids (of our master) and their CPU time in clock ticks.
NGINX_WORKERS=""
nginx_workers() { cat "/proc/$nginx_pid/task/$nginx_pid/children" 2>/dev/null || true; }
nginx_ticks() {
    local w t=0 v
    for w in $NGINX_WORKERS; do
        # fields after the ") " that ends comm: utime is the 12th, stime the 13th
        v="$(sed 's/.*) //' "/proc/$w/stat" 2>/dev/null | awk '{ print $12 + $13 }')" || v=0
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
# Busy (user+nice+system+irq+softirq) and steal jiffies, summed over the server
# and client CPUs (tasks' utime/stime include the softirq work done for them).
cpu_ticks() {
    awk -v a="cpu$SERVER_CPU" -v b="cpu$CLIENT_CPU" '$1 == a || $1 == b { u += $2 + $3 + $4 + $7 + $8; st += $9 }
        END { print u + 0, st + 0 }' /proc/stat
}
# Per-CPU (idle, total) jiffies of the server and client CPUs.
cpu_snapshot() {
    awk -v a="cpu$SERVER_CPU" -v b="cpu$CLIENT_CPU" '$1 == a || $1 == b {
        t = 0; for (i = 2; i <= 9 && i <= NF; i++) t += $i; print $1, $5 + $6, t }' /proc/stat
}

# Wait (bounded) until nginx has only our status connection open, then stay
# quiet for SETTLE s while measuring how busy the two CPUs are without us
# (BG_BUSY: % of the busier CPU; anything above a few % means other load
# on the machine disturbs the run). False when nginx did not settle.
BG_BUSY=""
wait_idle() {
    local a i s1 s2 quiet_until=$((SECONDS + QUIET_WAIT))
    BG_BUSY=""
    for ((i = 0; i < SETTLE_MAX * 5; i++)); do
        a="$(nginx_active 2>/dev/null || echo x)"
        [ "$a" = 1 ] && break
        sleep 0.2
    done
    [ "$a" = 1 ] || say "WARNING: nginx still reports $a active connections after ${SETTLE_MAX}s"
    while :; do
        s1="$(cpu_snapshot)"; sleep "$SETTLE"; s2="$(cpu_snapshot)"
        BG_BUSY="$(printf '%s\n%s\n' "$s1" "$s2" | awk '
            { if ($1 in idle) { dt = $3 - tot[$1]; b = dt > 0 ? 100 * (1 - ($2 - idle[$1]) / dt) : 0; if (b > m) m = b }
              else { idle[$1] = $2; tot[$1] = $3 } }
            END { printf "%.0f", m }')"
        [ "${BG_BUSY:-0}" -le 10 ] && break
        # QUIET_WAIT > 0: wait (bounded) for the other load to go away.
        [ "$SECONDS" -lt "$quiet_until" ] || break
    done
    if [ "${BG_BUSY:-0}" -gt 10 ]; then
        say "WARNING: CPU $SERVER_CPU/$CLIENT_CPU ${BG_BUSY}% busy with other work before this run: figures will be disturbed"
    fi
    [ "$a" = 1 ]
}

# bench_run BASE LIMIT_S KILL_S PERF CMD...: runs CMD pinned to CLIENT_CPU under
# `timeout -k KILL_S LIMIT_S`, perf stat (when PERF=1; counts in OUT/BASE.perf) and
# /usr/bin/time (user, sys, peak RSS in OUT/BASE.time), stdout and stderr in OUT/BASE.out
# and .err. Sets RUN_RC, RUN_T0 and RUN_T1 (wall clock, s). The client is stopped by the
# trap when the script is.
bench_run() {
    local base="$1" limit="$2" kill_s="$3" perf="$4" full
    shift 4
    full=(taskset -c "$CLIENT_CPU" timeout -k "$kill_s" "$limit")
    [ "$perf" = 1 ] && full+=(perf stat "-x," -e "raw_syscalls:sys_enter,task-clock" -o "$OUT/$base.perf" --)
    full+=(/usr/bin/time -f '%U %S %M' -o "$OUT/$base.time" -- "$@")
    RUN_RC=0
    RUN_T0="$(date +%s.%N)"
    "${full[@]}" > "$OUT/$base.out" 2> "$OUT/$base.err" &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || RUN_RC=$?
    CLIENT_PID=""
    RUN_T1="$(date +%s.%N)"
}
# Seconds between RUN_T0 and RUN_T1, 3 decimals.
run_wall_s() { awk -v a="$RUN_T0" -v b="$RUN_T1" 'BEGIN { printf "%.3f", b - a }'; }

# bench_meta_head: the first lines of meta.env (date, stamp, commit, machine).
bench_meta_head() {
    local git_commit cpu_model
    git_commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
    if [ "$git_commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        git_commit="$git_commit (working tree has uncommitted changes)"
    fi
    cpu_model="$(grep -m1 -E '^(model name|Model|cpu model)' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    [ -n "$cpu_model" ] || cpu_model="$(lscpu 2>/dev/null | awk -F: '/Model name/ { sub(/^ */, "", $2); print $2; exit }')"
    echo "date=$(date '+%Y-%m-%d %H:%M %Z')"
    echo "stamp=$STAMP"
    echo "git_commit=$git_commit"
    echo "kernel=$(uname -r)"
    echo "cpu_model=${cpu_model:-unknown}"
    echo "nproc=$(nproc)"
}
nginx_version() { "$(command -v nginx || echo /usr/sbin/nginx)" -v 2>&1 | sed 's/^nginx version: //'; }
