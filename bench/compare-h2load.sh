#!/usr/bin/env bash
# Benchmark (not a test): tfw-bench vs h2load (and the h2-crate client) against a
# local nginx, one command.
#
#   bench/compare-h2load.sh                                      # full run, ~6 min
#   TOOLS=h2load DURATION=2s ROUNDS=1 bench/compare-h2load.sh    # smoke run
#
# nginx (tools/peers/nginx-ctl.sh) runs on SERVER_CPU, each client on CLIENT_CPU
# (taskset). Cases, each with CONNS connections:
#   h2    HTTP/2 over TLS (ALPN h2), STREAMS concurrent streams per connection
#   h1    HTTP/1.1 over TLS (h2load --h1), one request at a time per connection
#   h2c   HTTP/2 over plain TCP with prior knowledge, STREAMS streams per connection
# Tools: h2load (`h2load -c N -m M -t 1 -D S URL`), tfw-bench
# (`stress URL [--h2|--h2c -m M] -c N --cpus CLIENT_CPU -d DURATION --json`) and
# h2crate (bench/h2crate, the `h2` crate on tokio; HTTP/2 cases only). Every run is
# under perf stat (syscalls) and /usr/bin/time (user/sys CPU, peak RSS); the results go
# to bench/results/h2load-YYYY-MM-DD-HHMM.{md,json}: medians over rounds, ratios
# tfw-bench/h2load (target: client CPU per response <= 0.7x) and tfw-bench/h2crate.
#
# Env (defaults):
#   CASES="h2 h1 h2c"  TOOLS="h2load tfw-bench h2crate"  ROUNDS=3  DURATION=10s
#   CONNS=50  STREAMS=10
#   HTTP_PORT=18080  TLS_PORT=18443  H2C_PORT=18082  SERVER_CPU=0  CLIENT_CPU=1
#   URL_PATH=/          path requested (nginx serves /, /1k.bin, /64k.bin)
#   SETTLE=1  SETTLE_MAX=30  QUIET_WAIT=0   as in bench/compare-wrk.sh
#   RESULTS_DIR=bench/results   OUT=bench/out/h2load-STAMP (raw files)
#   TFW=target/release/tfw-bench   H2CRATE=bench/h2crate/target/release/h2crate-client
#   NO_BUILD=1          skips cargo build (of tfw-bench and of bench/h2crate)
#   COUNT_SYSCALLS=0    run without perf;  REQUIRE_PERF=1 fail if perf cannot count
#   TARGETS_STRICT=1    exit 3 if a target is not met
# Exit: 0 ok; 1 setup error or a failed run (results are still written); 3 see above.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CASES="${CASES:-h2 h1 h2c}"
TOOLS="${TOOLS:-h2load tfw-bench h2crate}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-50}"
STREAMS="${STREAMS:-10}"
HTTP_PORT="${HTTP_PORT:-18080}"
TLS_PORT="${TLS_PORT:-18443}"
H2C_PORT="${H2C_PORT:-18082}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
URL_PATH="${URL_PATH:-/}"
SETTLE="${SETTLE:-1}"
SETTLE_MAX="${SETTLE_MAX:-30}"
QUIET_WAIT="${QUIET_WAIT:-0}"
TFW="${TFW:-$ROOT/target/release/tfw-bench}"
H2CRATE_DIR="$ROOT/bench/h2crate"
H2CRATE="${H2CRATE:-$H2CRATE_DIR/target/release/h2crate-client}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results}"
# Two runs started in the same minute must not overwrite each other.
STAMP0="$(date +%Y-%m-%d-%H%M)"
STAMP="$STAMP0"
for i in $(seq 2 99); do
    [ -e "$RESULTS_DIR/h2load-$STAMP.md" ] || [ -e "$RESULTS_DIR/h2load-$STAMP.json" ] \
        || { [ -z "${OUT:-}" ] && [ -e "$ROOT/bench/out/h2load-$STAMP" ]; } || break
    STAMP="$STAMP0-$i"
done
OUT="${OUT:-$ROOT/bench/out/h2load-$STAMP}"

say() { printf '[compare-h2load %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "compare-h2load: ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- arguments
for v in SETTLE SETTLE_MAX QUIET_WAIT HTTP_PORT TLS_PORT H2C_PORT; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v=${!v} is not a non-negative integer"
done
for v in ROUNDS CONNS STREAMS; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v=${!v} is not a positive integer"
done
[ "$ROUNDS" -le 100 ] || die "ROUNDS=$ROUNDS: at most 100"
[ "$CONNS" -le 10000 ] || die "CONNS=$CONNS: at most 10000"
[ "$STREAMS" -le 1000 ] || die "STREAMS=$STREAMS: at most 1000"
[ "$(printf '%s\n' "$HTTP_PORT" "$TLS_PORT" "$H2C_PORT" | sort -u | wc -l)" = 3 ] \
    || die "HTTP_PORT, TLS_PORT and H2C_PORT must differ"
# Duration in whole seconds: h2load -D takes seconds; the others get DURATION as is.
if [[ "$DURATION" =~ ^([0-9]+)(s?)$ ]]; then dur_s=${BASH_REMATCH[1]}
elif [[ "$DURATION" =~ ^([0-9]+)m$ ]]; then dur_s=$((BASH_REMATCH[1] * 60))
else die "DURATION=$DURATION: use N, Ns or Nm"; fi
[ "$dur_s" -ge 1 ] && [ "$dur_s" -le 3600 ] || die "DURATION=$DURATION: between 1s and 60m"
DURATION="${dur_s}s"
run_cases=()
for c in $CASES; do
    case "$c" in h2|h1|h2c) run_cases+=("$c") ;; *) die "CASES: unknown case '$c' (h2, h1, h2c)" ;; esac
done
[ ${#run_cases[@]} -gt 0 ] || die "CASES is empty"
run_tools=()
for t in $TOOLS; do
    case "$t" in h2load|tfw-bench|h2crate) run_tools+=("$t") ;;
        *) die "TOOLS: unknown tool '$t' (h2load, tfw-bench, h2crate)" ;; esac
done
[ ${#run_tools[@]} -gt 0 ] || die "TOOLS is empty"
has_tool() { case " ${run_tools[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

# ---------------------------------------------------------------- preflight
command -v python3 >/dev/null || die "python3 not found (apt-get install -y python3)"
command -v taskset >/dev/null && command -v timeout >/dev/null \
    || die "taskset/timeout not found (apt-get install -y util-linux coreutils)"
command -v curl >/dev/null || die "curl not found (apt-get install -y curl)"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx not found (apt-get install -y nginx)"
if has_tool h2load; then command -v h2load >/dev/null || die "h2load not found (apt-get install -y nghttp2-client)"; fi
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
    say "WARNING: $msg; syscalls per response will be n/a"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "${NO_BUILD:-0}" != 1 ] && { has_tool tfw-bench || has_tool h2crate; }; then
    command -v cargo >/dev/null || die "cargo not found (install Rust: https://rustup.rs)"
fi
if has_tool tfw-bench; then
    if [ "${NO_BUILD:-0}" != 1 ]; then
        say "cargo build --release"
        timeout 1800 cargo build --release >&2 || die "cargo build --release failed"
    fi
    [ -x "$TFW" ] || die "$TFW not found (cargo build --release)"
    # tfw-bench must know HTTP/2 for the h2/h2c cases.
    if [ "${run_cases[*]}" != h1 ] && ! timeout 10 "$TFW" stress --help 2>/dev/null | grep -q -- '--h2c'; then
        die "'$TFW stress' has no --h2/--h2c yet; run with TOOLS=h2load (or CASES=h1)"
    fi
fi
if has_tool h2crate; then
    if [ "${NO_BUILD:-0}" != 1 ]; then
        say "cargo build --release in bench/h2crate (not a workspace member)"
        (cd "$H2CRATE_DIR" && timeout 1800 cargo build --release >&2) || die "building bench/h2crate failed"
    fi
    [ -x "$H2CRATE" ] || die "$H2CRATE not found (cd bench/h2crate && cargo build --release)"
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
loadavg_before="$(cat /proc/loadavg)"
NGINX_RUN="$(mktemp -d /tmp/tfw-bench-compare-h2load.XXXXXX)/nginx"
chmod 755 "$(dirname "$NGINX_RUN")"   # the www-data worker must reach the docroot
nginx_pid="$(PEERS_RUN="$NGINX_RUN" HTTP_PORT="$HTTP_PORT" TLS_PORT="$TLS_PORT" H2C_PORT="$H2C_PORT" \
    SERVER_CPU="$SERVER_CPU" "$ROOT/tools/peers/nginx-ctl.sh" start)" \
    || die "could not start nginx (ports $HTTP_PORT/$TLS_PORT/$H2C_PORT busy?)"
say "nginx master $nginx_pid (http :$HTTP_PORT, tls :$TLS_PORT, h2c :$H2C_PORT), CPU $SERVER_CPU; raw output in $OUT"
curl -fsS --noproxy '*' --max-time 5 -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$H2C_PORT/" \
    || die "nginx does not answer h2c on 127.0.0.1:$H2C_PORT (does tools/peers/nginx-ctl.sh know H2C_PORT?)"

status_page() { curl -fsS --noproxy '*' --max-time 5 "http://127.0.0.1:$HTTP_PORT/status"; }
# requests counter of stub_status (third number of its third line); counts all ports
nginx_requests() { status_page | awk 'NR == 3 { print $3 }'; }
nginx_active() { status_page | awk '/^Active connections:/ { print $3 }'; }
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
# Busy and steal jiffies summed over the server and client CPUs.
cpu_ticks() {
    awk -v a="cpu$SERVER_CPU" -v b="cpu$CLIENT_CPU" '$1 == a || $1 == b { u += $2 + $3 + $4 + $7 + $8; st += $9 }
        END { print u + 0, st + 0 }' /proc/stat
}
cpu_snapshot() {
    awk -v a="cpu$SERVER_CPU" -v b="cpu$CLIENT_CPU" '$1 == a || $1 == b {
        t = 0; for (i = 2; i <= 9 && i <= NF; i++) t += $i; print $1, $5 + $6, t }' /proc/stat
}

# Wait (bounded) until nginx has only our status connection open, then stay quiet
# for SETTLE s measuring how busy the two CPUs are without us (BG_BUSY, % of the
# busier CPU).
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
        [ "$SECONDS" -lt "$quiet_until" ] || break
    done
    if [ "${BG_BUSY:-0}" -gt 10 ]; then
        say "WARNING: CPU $SERVER_CPU/$CLIENT_CPU ${BG_BUSY}% busy with other work before this run: figures will be disturbed"
    fi
    [ "$a" = 1 ]
}
nginx_alive() { PEERS_RUN="$NGINX_RUN" "$ROOT/tools/peers/nginx-ctl.sh" status >/dev/null; }

case_url() {
    case "$1" in
        h2|h1) echo "https://127.0.0.1:$TLS_PORT$URL_PATH" ;;
        h2c)   echo "http://127.0.0.1:$H2C_PORT$URL_PATH" ;;
    esac
}
# The client command of TOOL for CASE (into the array CMD); false if TOOL has no such case.
client_cmd() {
    local tool="$1" c="$2" json="$3" url; url="$(case_url "$c")"
    case "$tool" in
        h2load)
            CMD=(h2load -c "$CONNS" -t 1 -D "$dur_s")
            if [ "$c" = h1 ]; then CMD+=(--h1); else CMD+=(-m "$STREAMS"); fi
            CMD+=("$url") ;;
        tfw-bench)
            CMD=("$TFW" stress "$url")
            case "$c" in h2) CMD+=(--h2 -m "$STREAMS") ;; h2c) CMD+=(--h2c -m "$STREAMS") ;; esac
            # --cpus CPU = one worker pinned there (tfw-bench refuses -t together with --cpus).
            CMD+=(-c "$CONNS" --cpus "$CLIENT_CPU" -d "$DURATION" --json "$json" --quiet) ;;
        h2crate)
            [ "$c" != h1 ] || return 1
            CMD=("$H2CRATE" "$url" -c "$CONNS" -m "$STREAMS" -t 1 -d "$DURATION" --json "$json") ;;
    esac
}

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
    echo "loadavg_before=$loadavg_before"
    echo "nginx_version=$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')"
    has_tool h2load && echo "h2load_version=$(h2load --version 2>&1 | head -n 1)"
    has_tool tfw-bench && echo "tfw_version=$(timeout 10 "$TFW" --version 2>/dev/null | head -n 1 || echo 'tfw-bench (version unknown)')"
    has_tool h2crate && echo "h2crate_version=h2crate-client (h2 $(awk '/^name = "h2"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$H2CRATE_DIR/Cargo.lock" 2>/dev/null || echo '?'), tokio current_thread)"
    echo "server_cpu=$SERVER_CPU"
    echo "client_cpu=$CLIENT_CPU"
    echo "cases=${run_cases[*]}"
    echo "tools=${run_tools[*]}"
    echo "conns=$CONNS"
    echo "streams=$STREAMS"
    echo "rounds=$ROUNDS"
    echo "duration=$DURATION"
    echo "perf=$PERF"
    [ "$PERF" = 1 ] && echo "perf_cmd=$perf_cmd"
    for c in "${run_cases[@]}"; do
        echo "url_$c=$(case_url "$c")"
        for t in "${run_tools[@]}"; do
            client_cmd "$t" "$c" "OUT/$t-$c-\$r.json" || continue
            echo "cmd_${c}_${t//-/_}=taskset -c $CLIENT_CPU ${CMD[*]#"$ROOT"/}"
        done
    done
    echo "out_dir_rel=${OUT#"$ROOT"/}"
} > "$OUT/meta.env"
printf '# case\ttool\tround\trc\twall_s\tbase\tnginx_req_before\tnginx_req_after\tsettled\tbg_busy_pct\tcpus_busy_ticks\tcpus_steal_ticks\tnginx_ticks\n' > "$OUT/runs.tsv"

# ---------------------------------------------------------------- runs
run_one() {
    local c="$1" tool="$2" r="$3" base rc=0 t0 t1 before after settled=1 full
    base="$tool-$c-$r"
    client_cmd "$tool" "$c" "$OUT/$base.json" || return 0
    nginx_alive || die "nginx is no longer running (see $NGINX_RUN/error.log)"
    wait_idle || settled=0
    # Bound every run: duration + 60 s.
    full=(taskset -c "$CLIENT_CPU" timeout -k 10 "$((dur_s + 60))")
    [ "$PERF" = 1 ] && full+=(perf stat "-x," -e "raw_syscalls:sys_enter,task-clock" -o "$OUT/$base.perf" --)
    full+=(/usr/bin/time -f '%U %S %M' -o "$OUT/$base.time" -- "${CMD[@]}")
    before="$(nginx_requests || echo x)"
    NGINX_WORKERS="$(nginx_workers)"
    local ng0 ng1 c0 c1
    ng0="$(nginx_ticks)"; c0="$(cpu_ticks)"
    say "$c round $r/$ROUNDS: $tool"
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
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$tool" "$r" "$rc" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$base" "$before" "$after" "$settled" \
        "${BG_BUSY:-}" \
        "$(( ${c1% *} - ${c0% *} ))" "$(( ${c1#* } - ${c0#* } ))" "$((ng1 - ng0))" \
        >> "$OUT/runs.tsv"
}

say "cases [${run_cases[*]}] x $ROUNDS rounds x [${run_tools[*]}], $CONNS conns, $STREAMS streams, $DURATION each; clients on CPU $CLIENT_CPU"
for c in "${run_cases[@]}"; do
    for ((r = 1; r <= ROUNDS; r++)); do
        for tool in "${run_tools[@]}"; do
            run_one "$c" "$tool" "$r"
        done
    done
done
echo "loadavg_after=$(cat /proc/loadavg)" >> "$OUT/meta.env"

# ---------------------------------------------------------------- results
mkdir -p "$RESULTS_DIR"
echo
rc=0
python3 "$ROOT/bench/scripts/compare_h2load.py" "$OUT" "$RESULTS_DIR" "$STAMP" || rc=$?
exit "$rc"
