#!/usr/bin/env bash
# Benchmark (not a test): tfw-bench vs wrk against a local nginx, one command.
#
#   bench/compare-wrk.sh                                  # full run, ~4 min
#   TOOLS=wrk DURATION=2s ROUNDS=1 CONNS=50 bench/compare-wrk.sh   # smoke run
#
# nginx (tools/peers/nginx-ctl.sh) runs on SERVER_CPU, each client on
# CLIENT_CPU. For every connection count and round it runs wrk, then
# tfw-bench, each under perf stat (syscalls) and /usr/bin/time (user/sys CPU,
# peak RSS), then writes bench/results/wrk-YYYY-MM-DD-HHMM.{md,json} and
# prints the medians and the spec's targets (met / NOT met).
#
# Env (defaults):
#   CONNS="50 1000 10000"  ROUNDS=3  DURATION=10s  TOOLS="wrk tfw-bench"
#   HTTP_PORT=18080  TLS_PORT=18443  SERVER_CPU=0  CLIENT_CPU=1
#   URL_PATH=/          path requested (nginx serves /, /1k.bin, /64k.bin)
#   SETTLE=1            seconds of quiet between runs (after nginx has no
#                       client connections left, waited for up to SETTLE_MAX=30 s);
#                       CPU use by other processes is measured then (flagged > 10%)
#   QUIET_WAIT=0        wait up to this many seconds before each run for other
#                       load on the two CPUs to drop to <= 10% (shared machines)
#   RESULTS_DIR=bench/results   OUT=bench/out/wrk-STAMP (raw files)
#   TFW=target/release/tfw-bench   NO_BUILD=1 skips cargo build
#   REQUIRE_PERF=1      fail instead of recording syscalls as n/a
#   COUNT_SYSCALLS=0    run without perf (no syscall counts, no perf overhead)
#   TARGETS_STRICT=1    exit 3 if a target is not met
# Exit: 0 ok; 1 setup error or a failed run (results are still written); 3 see above.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CONNS="${CONNS:-50 1000 10000}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
TOOLS="${TOOLS:-wrk tfw-bench}"
HTTP_PORT="${HTTP_PORT:-18080}"
TLS_PORT="${TLS_PORT:-18443}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
URL_PATH="${URL_PATH:-/}"
SETTLE="${SETTLE:-1}"
SETTLE_MAX="${SETTLE_MAX:-30}"
QUIET_WAIT="${QUIET_WAIT:-0}"
TFW="${TFW:-$ROOT/target/release/tfw-bench}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results}"
# Two runs started in the same minute must not overwrite each other.
STAMP0="$(date +%Y-%m-%d-%H%M)"
STAMP="$STAMP0"
for i in $(seq 2 99); do
    [ -e "$RESULTS_DIR/wrk-$STAMP.md" ] || [ -e "$RESULTS_DIR/wrk-$STAMP.json" ] \
        || { [ -z "${OUT:-}" ] && [ -e "$ROOT/bench/out/wrk-$STAMP" ]; } || break
    STAMP="$STAMP0-$i"
done
OUT="${OUT:-$ROOT/bench/out/wrk-$STAMP}"
URL="http://127.0.0.1:$HTTP_PORT$URL_PATH"

say() { printf '[compare-wrk %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "compare-wrk: ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- arguments
for v in SETTLE SETTLE_MAX QUIET_WAIT HTTP_PORT TLS_PORT; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v=${!v} is not a non-negative integer"
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$ROUNDS is not a positive integer"
[ "$ROUNDS" -le 100 ] || die "ROUNDS=$ROUNDS: at most 100"
max_conns=0
for n in $CONNS; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "CONNS: '$n' is not a positive integer"
    [ "$n" -gt "$max_conns" ] && max_conns=$n
done
[ "$max_conns" -gt 0 ] || die "CONNS is empty"
# Duration in seconds, for the timeouts (wrk and tfw-bench get DURATION as is).
if [[ "$DURATION" =~ ^([0-9]+)(s?)$ ]]; then dur_s=${BASH_REMATCH[1]}
elif [[ "$DURATION" =~ ^([0-9]+)m$ ]]; then dur_s=$((BASH_REMATCH[1] * 60))
else die "DURATION=$DURATION: use N, Ns or Nm"; fi
[ "$dur_s" -ge 1 ] && [ "$dur_s" -le 3600 ] || die "DURATION=$DURATION: between 1s and 60m"
run_tools=()
for t in $TOOLS; do
    case "$t" in wrk|tfw-bench) run_tools+=("$t") ;; *) die "TOOLS: unknown tool '$t' (wrk, tfw-bench)" ;; esac
done
[ ${#run_tools[@]} -gt 0 ] || die "TOOLS is empty"
has_tool() { case " ${run_tools[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

# ---------------------------------------------------------------- preflight
command -v python3 >/dev/null || die "python3 not found (apt-get install -y python3)"
command -v taskset >/dev/null && command -v timeout >/dev/null \
    || die "taskset/timeout not found (apt-get install -y util-linux coreutils)"
command -v curl >/dev/null || die "curl not found (apt-get install -y curl)"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx not found (apt-get install -y nginx)"
if has_tool wrk; then command -v wrk >/dev/null || die "wrk not found (apt-get install -y wrk)"; fi
taskset -c "$CLIENT_CPU" true 2>/dev/null || die "CLIENT_CPU=$CLIENT_CPU does not exist here (nproc $(nproc)); this benchmark needs 2 CPUs"
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

PERF=0
if [ "${COUNT_SYSCALLS:-1}" = 0 ]; then
    msg="COUNT_SYSCALLS=0: perf not used"
elif ! command -v perf >/dev/null; then
    msg="perf not found (apt-get install -y linux-perf)"
elif ! perf_err="$(timeout 20 perf stat -e raw_syscalls:sys_enter true 2>&1 >/dev/null)"; then
    msg="perf cannot count raw_syscalls:sys_enter (needs root or kernel.perf_event_paranoid<=-1, and tracefs): $(echo "$perf_err" | head -n 3)"
else
    PERF=1; msg=""
fi
if [ "$PERF" = 0 ]; then
    [ "${REQUIRE_PERF:-0}" = 1 ] && [ "${COUNT_SYSCALLS:-1}" != 0 ] && die "$msg"
    if [ "${COUNT_SYSCALLS:-1}" = 0 ]; then say "$msg; syscalls per response will be n/a"
    else say "WARNING: $msg; syscalls per response will be n/a"; fi
fi

# Every client gets the hard fd limit; 10,000 connections need ~10,050 fds.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile="$(ulimit -n)"
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((max_conns + 100)) ]; then
    die "RLIMIT_NOFILE is $nofile, too low for $max_conns connections"
fi
tw_reuse="$(cat /proc/sys/net/ipv4/tcp_tw_reuse 2>/dev/null || echo '?')"
if [ "$max_conns" -ge 5000 ] && [ "$tw_reuse" = 0 ]; then
    say "WARNING: net.ipv4.tcp_tw_reuse=0: back-to-back runs with $max_conns connections may run out of ephemeral ports"
fi

if has_tool tfw-bench; then
    if [ "${NO_BUILD:-0}" != 1 ]; then
        command -v cargo >/dev/null || die "cargo not found (install Rust: https://rustup.rs)"
        say "cargo build --release"
        timeout 1800 cargo build --release >&2 || die "cargo build --release failed"
    fi
    [ -x "$TFW" ] || die "$TFW not found (cargo build --release)"
    timeout 10 "$TFW" stress --help >/dev/null 2>&1 \
        || die "'$TFW stress' does not work yet; run with TOOLS=wrk to measure wrk alone"
fi

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
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- nginx
mkdir -p "$OUT"
NGINX_RUN="$(mktemp -d /tmp/tfw-bench-compare-wrk.XXXXXX)/nginx"
chmod 755 "$(dirname "$NGINX_RUN")"   # the www-data worker must reach the docroot
nginx_pid="$(PEERS_RUN="$NGINX_RUN" HTTP_PORT="$HTTP_PORT" TLS_PORT="$TLS_PORT" SERVER_CPU="$SERVER_CPU" \
    "$ROOT/tools/peers/nginx-ctl.sh" start)" || die "could not start nginx (ports $HTTP_PORT/$TLS_PORT busy?)"
say "nginx master $nginx_pid on 127.0.0.1:$HTTP_PORT, CPU $SERVER_CPU; raw output in $OUT"

status_page() { curl -fsS --noproxy '*' --max-time 5 "http://127.0.0.1:$HTTP_PORT/status"; }
# requests counter of stub_status (third number of its third line)
nginx_requests() { status_page | awk 'NR == 3 { print $3 }'; }
nginx_active() { status_page | awk '/^Active connections:/ { print $3 }'; }

# nginx worker pids (of our master) and their CPU time in clock ticks.
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
# on the machine disturbs the run).
BG_BUSY=""
NGINX_WORKERS=""
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

nginx_alive() { PEERS_RUN="$NGINX_RUN" "$ROOT/tools/peers/nginx-ctl.sh" status >/dev/null; }

# ---------------------------------------------------------------- meta
git_commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
if [ "$git_commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    git_commit="$git_commit (working tree has uncommitted changes)"
fi
cpu_model="$(grep -m1 -E '^(model name|Model|cpu model)' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
[ -n "$cpu_model" ] || cpu_model="$(lscpu 2>/dev/null | awk -F: '/Model name/ { sub(/^ */, "", $2); print $2; exit }')"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
perf_cmd="perf stat -x, -e raw_syscalls:sys_enter,task-clock"
{
    echo "date=$(date '+%Y-%m-%d %H:%M %Z')"
    echo "stamp=$STAMP"
    echo "git_commit=$git_commit"
    echo "kernel=$(uname -r)"
    echo "cpu_model=${cpu_model:-unknown}"
    echo "nproc=$(nproc)"
    echo "clk_tck=$(getconf CLK_TCK)"
    echo "nofile=$nofile"
    echo "tcp_tw_reuse=$tw_reuse"
    echo "nginx_version=$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')"
    has_tool wrk && echo "wrk_version=$(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2, $3}')"
    has_tool tfw-bench && echo "tfw_version=$(timeout 10 "$TFW" --version 2>/dev/null | head -n 1 || echo 'tfw-bench (version unknown)')"
    echo "server_cpu=$SERVER_CPU"
    echo "client_cpu=$CLIENT_CPU"
    echo "url=$URL"
    echo "conns=$CONNS"
    echo "rounds=$ROUNDS"
    echo "duration=$DURATION"
    echo "tools=${run_tools[*]}"
    echo "perf=$PERF"
    [ "$PERF" = 1 ] && echo "perf_cmd=$perf_cmd"
    has_tool wrk && echo "wrk_cmd=taskset -c $CLIENT_CPU wrk -t1 -c\$N -d$DURATION $URL"
    has_tool tfw-bench && echo "tfw_cmd=taskset -c $CLIENT_CPU target/release/tfw-bench stress $URL --conns \$N --duration $DURATION --json OUT/tfw-\$N-\$r.json --quiet"
    echo "out_dir_rel=${OUT#"$ROOT"/}"
} > "$OUT/meta.env"
printf '# tool\tconns\tround\trc\twall_s\tbase\tnginx_req_before\tnginx_req_after\tsettled\tbg_busy_pct\tcpus_busy_ticks\tcpus_steal_ticks\tnginx_ticks\n' > "$OUT/runs.tsv"

# ---------------------------------------------------------------- runs
run_one() {
    local tool="$1" n="$2" r="$3" tag base cmd full rc=0 t0 t1 before after settled=1
    case "$tool" in
        wrk)       tag=wrk; cmd=(wrk -t1 "-c$n" "-d$DURATION" "$URL") ;;
        tfw-bench) tag=tfw; cmd=("$TFW" stress "$URL" --conns "$n" --duration "$DURATION"
                                 --json "$OUT/tfw-$n-$r.json" --quiet) ;;
    esac
    base="$tag-$n-$r"
    nginx_alive || die "nginx is no longer running (see $NGINX_RUN/error.log)"
    wait_idle || settled=0
    # Bound every run: duration + 60 s (+1 s per 500 connections for connecting/closing).
    full=(taskset -c "$CLIENT_CPU" timeout -k 10 "$((dur_s + 60 + n / 500))")
    [ "$PERF" = 1 ] && full+=(perf stat "-x," -e "raw_syscalls:sys_enter,task-clock" -o "$OUT/$base.perf" --)
    full+=(/usr/bin/time -f '%U %S %M' -o "$OUT/$base.time" -- "${cmd[@]}")
    before="$(nginx_requests || echo x)"
    NGINX_WORKERS="$(nginx_workers)"
    local ng0 ng1 c0 c1
    ng0="$(nginx_ticks)"; c0="$(cpu_ticks)"
    say "conns $n round $r/$ROUNDS: $tool"
    t0="$(date +%s.%N)"
    "${full[@]}" > "$OUT/$base.out" 2> "$OUT/$base.err" &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || rc=$?
    CLIENT_PID=""
    t1="$(date +%s.%N)"
    ng1="$(nginx_ticks)"; c1="$(cpu_ticks)"
    after="$(nginx_requests || echo x)"
    if [ "$rc" != 0 ]; then
        say "WARNING: $tool exited with status $rc$([ "$rc" = 124 ] && echo ' (timeout)'); see $OUT/$base.err"
        tail -n 3 "$OUT/$base.err" >&2 || true
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$n" "$r" "$rc" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$base" "$before" "$after" "$settled" \
        "${BG_BUSY:-}" \
        "$(( ${c1% *} - ${c0% *} ))" "$(( ${c1#* } - ${c0#* } ))" "$((ng1 - ng0))" \
        >> "$OUT/runs.tsv"
}

total=0
for n in $CONNS; do total=$((total + ROUNDS * ${#run_tools[@]})); done
say "$total runs of $DURATION: conns [$CONNS] x $ROUNDS rounds x [${run_tools[*]}], clients on CPU $CLIENT_CPU"
for n in $CONNS; do
    for ((r = 1; r <= ROUNDS; r++)); do
        for tool in "${run_tools[@]}"; do
            run_one "$tool" "$n" "$r"
        done
    done
done

# ---------------------------------------------------------------- results
mkdir -p "$RESULTS_DIR"
echo
rc=0
python3 "$ROOT/bench/scripts/compare_wrk.py" "$OUT" "$RESULTS_DIR" "$STAMP" || rc=$?
exit "$rc"
