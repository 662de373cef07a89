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
BENCH=compare-h2load
. "$ROOT/bench/lib/common.sh"
bench_stamp h2load

# ---------------------------------------------------------------- arguments
bench_uints SETTLE SETTLE_MAX QUIET_WAIT HTTP_PORT TLS_PORT H2C_PORT
for v in ROUNDS CONNS STREAMS; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v=${!v} is not a positive integer"
done
[ "$ROUNDS" -le 100 ] || die "ROUNDS=$ROUNDS: at most 100"
[ "$CONNS" -le 10000 ] || die "CONNS=$CONNS: at most 10000"
[ "$STREAMS" -le 1000 ] || die "STREAMS=$STREAMS: at most 1000"
[ "$(printf '%s\n' "$HTTP_PORT" "$TLS_PORT" "$H2C_PORT" | sort -u | wc -l)" = 3 ] \
    || die "HTTP_PORT, TLS_PORT and H2C_PORT must differ"
# Duration in whole seconds: h2load -D takes seconds; the others get DURATION as is.
bench_duration_s
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
bench_preflight
if has_tool h2load; then command -v h2load >/dev/null || die "h2load not found (apt-get install -y nghttp2-client)"; fi
bench_perf
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "${NO_BUILD:-0}" != 1 ] && { has_tool tfw-bench || has_tool h2crate; }; then
    command -v cargo >/dev/null || die "cargo not found (install Rust: https://rustup.rs)"
fi
if has_tool tfw-bench; then
    bench_build_tfw
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

bench_traps

# ---------------------------------------------------------------- nginx
mkdir -p "$OUT"
loadavg_before="$(cat /proc/loadavg)"
bench_start_nginx H2C_PORT="$H2C_PORT"
say "nginx master $nginx_pid (http :$HTTP_PORT, tls :$TLS_PORT, h2c :$H2C_PORT), CPU $SERVER_CPU; raw output in $OUT"
curl -fsS --noproxy '*' --max-time 5 -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$H2C_PORT/" \
    || die "nginx does not answer h2c on 127.0.0.1:$H2C_PORT (does tools/peers/nginx-ctl.sh know H2C_PORT?)"

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
{
    bench_meta_head
    echo "clk_tck=$(getconf CLK_TCK)"
    echo "loadavg_before=$loadavg_before"
    echo "nginx_version=$(nginx_version)"
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
    local c="$1" tool="$2" r="$3" base rc before after settled=1
    base="$tool-$c-$r"
    client_cmd "$tool" "$c" "$OUT/$base.json" || return 0
    nginx_alive || die "nginx is no longer running (see $NGINX_RUN/error.log)"
    wait_idle || settled=0
    before="$(nginx_requests || echo x)"
    NGINX_WORKERS="$(nginx_workers)"
    local ng0 ng1 c0 c1
    ng0="$(nginx_ticks)"; c0="$(cpu_ticks)"
    say "$c round $r/$ROUNDS: $tool"
    # Bound every run: duration + 60 s.
    bench_run "$base" "$((dur_s + 60))" 10 "$PERF" "${CMD[@]}"
    rc=$RUN_RC
    ng1="$(nginx_ticks)"; c1="$(cpu_ticks)"
    after="$(nginx_requests || echo x)"
    if [ "$rc" != 0 ]; then
        say "WARNING: $tool exited with status $rc$([ "$rc" = 124 ] && echo ' (timeout)'); see $OUT/$base.err"
        tail -n 3 "$OUT/$base.err" >&2 || true
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$tool" "$r" "$rc" \
        "$(run_wall_s)" "$base" "$before" "$after" "$settled" \
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
