#!/usr/bin/env bash
# Benchmark (not a test): the CPU cost of wrk's Lua scripting in `tfw-bench wrk -s` against
# the real wrk, same nginx, one command.
#
#   bench/compare-wrk-lua.sh                              # full run, ~4 min
#   ROUNDS=1 DURATION=2s bench/compare-wrk-lua.sh         # smoke run
#
# nginx (tools/peers/nginx-ctl.sh) runs on SERVER_CPU, each client on CLIENT_CPU
# (taskset), one thread. Cases:
#   static    no script: the request built once (`wrk -t1 -cN -dD URL`)
#   request   a script whose request() returns a fresh wrk.format() per request
#   response  a script whose response() counts statuses (the request stays static)
# Tools: wrk (/usr/bin/wrk) and tfw-bench (`tfw-bench wrk`, the same command line).
# Rounds alternate the tools (wrk, tfw-bench, wrk, ...) case by case. Every run is under
# /usr/bin/time (user/sys CPU, peak RSS) and perf stat (syscalls) when perf works. The
# results go to bench/results/wrk-lua-YYYY-MM-DD-HHMM.{md,json}: per case and tool the
# medians of client CPU per response and responses/s, and the ratio tfw-bench / wrk.
#
# Needs the Lua scripting of `tfw-bench wrk -s` (tfw-wrklua) and the engine's script
# hooks; without them the script cases of tfw-bench fail and are reported as failed.
#
# Env (defaults):
#   CASES="static request response"  TOOLS="wrk tfw-bench"  ROUNDS=5  DURATION=10s
#   CONNS=50  HTTP_PORT=18080  TLS_PORT=18443  SERVER_CPU=0  CLIENT_CPU=1
#   SETTLE=1  SETTLE_MAX=30  QUIET_WAIT=0   as in bench/compare-wrk.sh
#   RESULTS_DIR=bench/results   OUT=bench/out/wrk-lua-STAMP (raw files)
#   TFW=target/release/tfw-bench   NO_BUILD=1 skips cargo build
#   COUNT_SYSCALLS=0    run without perf;  REQUIRE_PERF=1 fail if perf cannot count
# Exit: 0 ok; 1 setup error or a failed run (results are still written).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CASES="${CASES:-static request response}"
TOOLS="${TOOLS:-wrk tfw-bench}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-50}"
HTTP_PORT="${HTTP_PORT:-18080}"
TLS_PORT="${TLS_PORT:-18443}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
SETTLE="${SETTLE:-1}"
SETTLE_MAX="${SETTLE_MAX:-30}"
QUIET_WAIT="${QUIET_WAIT:-0}"
TFW="${TFW:-$ROOT/target/release/tfw-bench}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results}"
BENCH=compare-wrk-lua
. "$ROOT/bench/lib/common.sh"
bench_stamp wrk-lua
URL="http://127.0.0.1:$HTTP_PORT/"

# ---------------------------------------------------------------- arguments
bench_uints SETTLE SETTLE_MAX QUIET_WAIT HTTP_PORT TLS_PORT CONNS
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] && [ "$ROUNDS" -le 100 ] || die "ROUNDS=$ROUNDS: 1 to 100"
[ "$CONNS" -ge 1 ] || die "CONNS=$CONNS: at least 1"
bench_duration_s
for c in $CASES; do
    case "$c" in static|request|response) ;; *) die "CASES: unknown case '$c' (static, request, response)" ;; esac
done
for t in $TOOLS; do
    case "$t" in wrk|tfw-bench) ;; *) die "TOOLS: unknown tool '$t' (wrk, tfw-bench)" ;; esac
done
[ -n "$CASES" ] && [ -n "$TOOLS" ] || die "CASES and TOOLS must not be empty"

# ---------------------------------------------------------------- preflight
bench_preflight
case " $TOOLS " in *" wrk "*) command -v wrk >/dev/null || die "wrk not found (apt-get install -y wrk)" ;; esac
bench_perf
case " $TOOLS " in *" tfw-bench "*) bench_build_tfw ;; esac
bench_traps

# ---------------------------------------------------------------- scripts and nginx
mkdir -p "$OUT"
cat > "$OUT/request.lua" <<'LUA'
-- A new request per call: request() runs for every request sent.
request = function()
   return wrk.format(nil, "/")
end
LUA
cat > "$OUT/response.lua" <<'LUA'
-- Every response handed to response(): status, headers, body.
local statuses = {}
response = function(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end
LUA
bench_start_nginx
say "nginx master $nginx_pid on 127.0.0.1:$HTTP_PORT, CPU $SERVER_CPU; raw output in $OUT"

{
    bench_meta_head
    echo "nginx_version=$(nginx_version)"
    echo "wrk_version=$(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2, $3}')"
    echo "tfw_version=$(timeout 10 "$TFW" --version 2>/dev/null | head -n 1 || echo unknown)"
    echo "server_cpu=$SERVER_CPU"
    echo "client_cpu=$CLIENT_CPU"
    echo "url=$URL"
    echo "conns=$CONNS"
    echo "rounds=$ROUNDS"
    echo "duration=$DURATION"
    echo "cases=$CASES"
    echo "tools=$TOOLS"
    echo "perf=$PERF"
    echo "cmd=taskset -c $CLIENT_CPU {wrk | tfw-bench wrk} -t1 -c$CONNS -d$DURATION [-s OUT/CASE.lua] $URL"
    echo "out_dir_rel=${OUT#"$ROOT"/}"
} > "$OUT/meta.env"
printf '# tool\tcase\tround\trc\twall_s\tbase\tbg_busy_pct\n' > "$OUT/runs.tsv"

# ---------------------------------------------------------------- runs
run_one() {
    local tool="$1" kase="$2" r="$3" base cmd script=()
    [ "$kase" = static ] || script=(-s "$OUT/$kase.lua")
    case "$tool" in
        wrk)       cmd=(wrk) ;;
        tfw-bench) cmd=("$TFW" wrk) ;;
    esac
    cmd+=(-t1 "-c$CONNS" "-d$DURATION" "${script[@]}" "$URL")
    base="${tool}-${kase}-${r}"
    nginx_alive || die "nginx is no longer running (see $NGINX_RUN/error.log)"
    wait_idle || true
    say "round $r/$ROUNDS, $kase: $tool"
    bench_run "$base" "$((dur_s + 60))" 10 "$PERF" "${cmd[@]}"
    [ "$RUN_RC" = 0 ] || say "WARNING: $tool ($kase) exited with status $RUN_RC; see $OUT/$base.err"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$kase" "$r" "$RUN_RC" "$(run_wall_s)" \
        "$base" "${BG_BUSY:-}" >> "$OUT/runs.tsv"
}

for ((r = 1; r <= ROUNDS; r++)); do
    for kase in $CASES; do
        for tool in $TOOLS; do
            run_one "$tool" "$kase" "$r"
        done
    done
done

# ---------------------------------------------------------------- results
mkdir -p "$RESULTS_DIR"
echo
python3 "$ROOT/bench/scripts/compare_wrk_lua.py" "$OUT" "$RESULTS_DIR" "$STAMP"
