#!/usr/bin/env bash
# Benchmark (not a test): TLS handshakes, `tfw-bench handshake` vs `openssl s_time -new`,
# against a local nginx, one command.
#
#   bench/compare-handshake.sh                          # full run, ~5 min
#   ROUNDS=1 DURATION=2 TFW_CONNS=1 bench/compare-handshake.sh   # smoke run
#
# nginx (tools/peers/nginx-ctl.sh: one worker, ECDSA P-256 certificate, no session
# resumption) runs on SERVER_CPU; each client on CLIENT_CPU. For each suite (TLS 1.2
# ECDHE-ECDSA-AES128-GCM-SHA256 on P-256, TLS 1.3 TLS_AES_128_GCM_SHA256 on X25519) and
# round it runs openssl s_time -new (one connection at a time), then tfw-bench handshake
# -t 1 at each of TFW_CONNS peers, each under /usr/bin/time (user/sys CPU, peak RSS); every
# handshake is a full one. Writes bench/results/handshake-YYYY-MM-DD-HHMM.{md,json}.
#
# Env (defaults):
#   ROUNDS=3  DURATION=10 (seconds)  TFW_CONNS="1 32"  SUITES="tls12 tls13"
#   HTTP_PORT=18081  TLS_PORT=18444  SERVER_CPU=0  CLIENT_CPU=1  SETTLE=1
#   RESULTS_DIR=bench/results  OUT=bench/out/handshake-STAMP (raw files)
#   TFW=target/release/tfw-bench  NO_BUILD=1 skips cargo build
#   NOTE="..."   a line for the results file (e.g. what else ran on the machine)
# Exit: 0 ok; 1 setup error or a failed run (results are still written).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
TFW_CONNS="${TFW_CONNS:-1 32}"
SUITES="${SUITES:-tls12 tls13}"
HTTP_PORT="${HTTP_PORT:-18081}"
TLS_PORT="${TLS_PORT:-18444}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
SETTLE="${SETTLE:-1}"
NOTE="${NOTE:-}"
TFW="${TFW:-$ROOT/target/release/tfw-bench}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results}"
BENCH=compare-handshake
. "$ROOT/bench/lib/common.sh"
bench_stamp handshake

# ---------------------------------------------------------------- arguments
bench_uints SETTLE HTTP_PORT TLS_PORT
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] && [ "$ROUNDS" -le 100 ] || die "ROUNDS=$ROUNDS: 1 to 100"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] && [ "$DURATION" -le 600 ] || die "DURATION=$DURATION: whole seconds, 1 to 600"
for n in $TFW_CONNS; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "TFW_CONNS: '$n' is not a positive integer"; done
for s in $SUITES; do case "$s" in tls12|tls13) ;; *) die "SUITES: unknown '$s' (tls12, tls13)" ;; esac; done

# ---------------------------------------------------------------- preflight
bench_preflight
command -v openssl >/dev/null || die "openssl not found (apt-get install -y openssl)"
bench_build_tfw
bench_traps

# ---------------------------------------------------------------- nginx
mkdir -p "$OUT"
bench_start_nginx
say "nginx master $nginx_pid on 127.0.0.1:$TLS_PORT, CPU $SERVER_CPU; raw output in $OUT"
TARGET="127.0.0.1:$TLS_PORT"

# openssl s_time has no option for the key exchange group: an OpenSSL config per suite.
for g in P-256 X25519; do
    cat > "$OUT/openssl-$g.cnf" <<EOC
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Groups = $g
EOC
done

suite_args() {  # suite -> group, s_time args, tfw-bench args, label
    case "$1" in
        tls12) GROUP=P-256; LABEL="TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 P-256"
               STIME=(-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)
               TFWA=(--tls 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 --curves P-256) ;;
        tls13) GROUP=X25519; LABEL="TLS 1.3 TLS_AES_128_GCM_SHA256 X25519"
               STIME=(-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256)
               TFWA=(--tls 1.3 --ciphers TLS13_AES_128_GCM_SHA256 --curves X25519) ;;
    esac
}

# What openssl negotiates with each config (recorded, so the suites are known to match).
for s in $SUITES; do
    suite_args "$s"
    OPENSSL_CONF="$OUT/openssl-$GROUP.cnf" timeout 10 openssl s_client -connect "$TARGET" "${STIME[@]}" \
        </dev/null 2>/dev/null | grep -E '^(Server Temp Key|New, |    Protocol|    Cipher)' \
        > "$OUT/openssl-negotiated-$s.txt" || true
done

cpu_busy_ticks() {  # busy + steal jiffies of the two CPUs
    awk -v a="cpu$SERVER_CPU" -v b="cpu$CLIENT_CPU" '$1 == a || $1 == b { u += $2 + $3 + $4 + $7 + $8 + $9 }
        END { print u + 0 }' /proc/stat
}
bg_busy() {  # % of the two CPUs busy over SETTLE s before a run (other load on the machine)
    local a b
    a="$(cpu_busy_ticks)"; sleep "$SETTLE"; b="$(cpu_busy_ticks)"
    awk -v d="$((b - a))" -v s="$SETTLE" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", 100 * d / (2 * s * hz) }'
}

# ---------------------------------------------------------------- meta
{
    bench_meta_head
    echo "nginx_version=$(nginx_version)"
    echo "openssl_version=$(openssl version)"
    echo "tfw_version=$("$TFW" --version 2>/dev/null | head -n 1)"
    echo "server_cpu=$SERVER_CPU"
    echo "client_cpu=$CLIENT_CPU"
    echo "target=$TARGET"
    echo "rounds=$ROUNDS"
    echo "duration_s=$DURATION"
    echo "tfw_conns=$TFW_CONNS"
    echo "suites=$SUITES"
    echo "note=$NOTE"
    echo "stime_cmd=OPENSSL_CONF=openssl-\$GROUP.cnf taskset -c $CLIENT_CPU openssl s_time -connect $TARGET -new -time $DURATION \$SUITE_ARGS"
    echo "tfw_cmd=taskset -c $CLIENT_CPU target/release/tfw-bench handshake $TARGET -t 1 -c \$N -d ${DURATION}s -q --json OUT/\$RUN.json \$SUITE_ARGS"
    echo "out_dir_rel=${OUT#"$ROOT"/}"
} > "$OUT/meta.env"
printf '# suite\ttool\tconns\tround\trc\twall_s\tbase\tbg_busy_pct\targs\n' > "$OUT/runs.tsv"

# ---------------------------------------------------------------- runs
run_one() {
    local suite="$1" tool="$2" n="$3" r="$4" base cmd rc busy
    suite_args "$suite"
    base="$suite-$tool-$n-$r"
    nginx_alive || die "nginx is no longer running (see $NGINX_RUN/error.log)"
    busy="$(bg_busy)"
    case "$tool" in
        s_time) cmd=(env "OPENSSL_CONF=$OUT/openssl-$GROUP.cnf"
                     openssl s_time -connect "$TARGET" -new -time "$DURATION" "${STIME[@]}") ;;
        tfw-bench) cmd=("$TFW" handshake "$TARGET" -t 1 -c "$n" -d "${DURATION}s" -q
                        --json "$OUT/$base.json" "${TFWA[@]}") ;;
    esac
    say "$LABEL round $r/$ROUNDS: $tool (conns $n; CPUs ${busy}% busy before)"
    bench_run "$base" "$((DURATION + 60))" 5 0 "${cmd[@]}"
    rc=$RUN_RC
    [ "$rc" = 0 ] || say "WARNING: $tool exited with status $rc; see $OUT/$base.err"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$suite" "$tool" "$n" "$r" "$rc" \
        "$(run_wall_s)" "$base" "$busy" \
        "${cmd[*]}" >> "$OUT/runs.tsv"
}

for suite in $SUITES; do
    for ((r = 1; r <= ROUNDS; r++)); do
        run_one "$suite" s_time 1 "$r"
        for n in $TFW_CONNS; do run_one "$suite" tfw-bench "$n" "$r"; done
    done
done

# ---------------------------------------------------------------- results
mkdir -p "$RESULTS_DIR"
python3 "$ROOT/bench/scripts/compare_handshake.py" "$OUT" "$RESULTS_DIR" "$STAMP"
