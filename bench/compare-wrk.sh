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
BENCH=compare-wrk
. "$ROOT/bench/lib/common.sh"
bench_stamp wrk
URL="http://127.0.0.1:$HTTP_PORT$URL_PATH"

# ---------------------------------------------------------------- arguments
bench_uints SETTLE SETTLE_MAX QUIET_WAIT HTTP_PORT TLS_PORT
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$ROUNDS is not a positive integer"
[ "$ROUNDS" -le 100 ] || die "ROUNDS=$ROUNDS: at most 100"
max_conns=0
for n in $CONNS; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "CONNS: '$n' is not a positive integer"
    [ "$n" -gt "$max_conns" ] && max_conns=$n
done
[ "$max_conns" -gt 0 ] || die "CONNS is empty"
# Duration in seconds, for the timeouts (wrk and tfw-bench get DURATION as is).
bench_duration_s
run_tools=()
for t in $TOOLS; do
    case "$t" in wrk|tfw-bench) run_tools+=("$t") ;; *) die "TOOLS: unknown tool '$t' (wrk, tfw-bench)" ;; esac
done
[ ${#run_tools[@]} -gt 0 ] || die "TOOLS is empty"
has_tool() { case " ${run_tools[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

# ---------------------------------------------------------------- preflight
bench_preflight
if has_tool wrk; then command -v wrk >/dev/null || die "wrk not found (apt-get install -y wrk)"; fi
bench_perf

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
    bench_build_tfw
    timeout 10 "$TFW" stress --help >/dev/null 2>&1 \
        || die "'$TFW stress' does not work yet; run with TOOLS=wrk to measure wrk alone"
fi
bench_traps

# ---------------------------------------------------------------- nginx
mkdir -p "$OUT"
bench_start_nginx
say "nginx master $nginx_pid on 127.0.0.1:$HTTP_PORT, CPU $SERVER_CPU; raw output in $OUT"

# ---------------------------------------------------------------- meta
{
    bench_meta_head
    echo "clk_tck=$(getconf CLK_TCK)"
    echo "nofile=$nofile"
    echo "tcp_tw_reuse=$tw_reuse"
    echo "nginx_version=$(nginx_version)"
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
    local tool="$1" n="$2" r="$3" tag base cmd rc before after settled=1
    case "$tool" in
        wrk)       tag=wrk; cmd=(wrk -t1 "-c$n" "-d$DURATION" "$URL") ;;
        tfw-bench) tag=tfw; cmd=("$TFW" stress "$URL" --conns "$n" --duration "$DURATION"
                                 --json "$OUT/tfw-$n-$r.json" --quiet) ;;
    esac
    base="$tag-$n-$r"
    nginx_alive || die "nginx is no longer running (see $NGINX_RUN/error.log)"
    wait_idle || settled=0
    before="$(nginx_requests || echo x)"
    NGINX_WORKERS="$(nginx_workers)"
    local ng0 ng1 c0 c1
    ng0="$(nginx_ticks)"; c0="$(cpu_ticks)"
    say "conns $n round $r/$ROUNDS: $tool"
    # Bound every run: duration + 60 s (+1 s per 500 connections for connecting/closing).
    bench_run "$base" "$((dur_s + 60 + n / 500))" 10 "$PERF" "${cmd[@]}"
    rc=$RUN_RC
    ng1="$(nginx_ticks)"; c1="$(cpu_ticks)"
    after="$(nginx_requests || echo x)"
    if [ "$rc" != 0 ]; then
        say "WARNING: $tool exited with status $rc$([ "$rc" = 124 ] && echo ' (timeout)'); see $OUT/$base.err"
        tail -n 3 "$OUT/$base.err" >&2 || true
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$n" "$r" "$rc" \
        "$(run_wall_s)" "$base" "$before" "$after" "$settled" \
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
