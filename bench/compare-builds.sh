#!/usr/bin/env bash
# Benchmark (not a test): two tfw-bench builds against each other, alternating, against a
# local nginx: client CPU per response (user + sys of the client process / responses).
# For a refactor's "no regression" check, where the peer (wrk, h2load) would only add noise.
#
#   bench/compare-builds.sh BASE_BIN NEW_BIN [CASES]        # CASES: "h1 h2 h2c" (default)
#   ROUNDS=7 DURATION=4s CONNS=50 STREAMS=10 SERVER_CPU=0 CLIENT_CPU=1
#   HTTP_PORT=18981 TLS_PORT=18991 H2C_PORT=18971
#
# Prints one line per run ("case build round us_per_response") and a Markdown table of the
# medians; writes nothing else (raw files go to a temporary OUT, removed at the end).
# nginx and its cleanup trap come from bench/lib/common.sh, as for the other scripts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH=compare-builds
. "$ROOT/bench/lib/common.sh"

[ $# -ge 2 ] || die "usage: $0 BASE_BIN NEW_BIN [CASES]"
BASE="$1" NEW="$2" CASES="${3:-h1 h2 h2c}"
for b in "$BASE" "$NEW"; do [ -x "$b" ] || die "not executable: $b"; done
ROUNDS="${ROUNDS:-7}" DURATION="${DURATION:-4s}" CONNS="${CONNS:-50}" STREAMS="${STREAMS:-10}"
SERVER_CPU="${SERVER_CPU:-0}" CLIENT_CPU="${CLIENT_CPU:-1}"
HTTP_PORT="${HTTP_PORT:-18981}" TLS_PORT="${TLS_PORT:-18991}" H2C_PORT="${H2C_PORT:-18971}"
bench_uints ROUNDS CONNS STREAMS HTTP_PORT TLS_PORT H2C_PORT
OUT="$(mktemp -d "/tmp/tfw-bench-$BENCH-out.XXXXXX")"

bench_traps
trap 'rm -rf "$OUT"; cleanup' EXIT
bench_start_nginx H2C_PORT="$H2C_PORT"

run() { # case binary -> "us_per_response [errors=N]"
    local args
    case "$1" in
        h1)  args=("http://127.0.0.1:$HTTP_PORT/" --conns "$CONNS") ;;
        h2)  args=("https://127.0.0.1:$TLS_PORT/" --h2 -m "$STREAMS" --conns "$CONNS") ;;
        h2c) args=("http://127.0.0.1:$H2C_PORT/" --h2c -m "$STREAMS" --conns "$CONNS") ;;
        *) die "unknown case $1 (h1, h2, h2c)" ;;
    esac
    timeout 120 taskset -c "$CLIENT_CPU" /usr/bin/time -f '%U %S' -o "$OUT/time" \
        "$2" stress "${args[@]}" --duration "$DURATION" --quiet --json "$OUT/run.json" >/dev/null
    python3 - "$OUT/run.json" "$OUT/time" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
errors = sum(d["errors"].values())
print(f'{(u + s) / d["responses"] * 1e6:.3f}' + (f' errors={errors}' if errors else ''))
PY
}

for c in $CASES; do
    for r in $(seq 1 "$ROUNDS"); do
        for v in base new; do
            bin="$BASE"; [ "$v" = new ] && bin="$NEW"
            echo "$c $v $r $(run "$c" "$bin")" | tee -a "$OUT/all"
        done
    done
done
echo
PYTHONPATH="$ROOT/bench/scripts" python3 - "$OUT/all" <<'PY'
import sys
from benchlib import median, table
runs = {}
for line in open(sys.argv[1]):
    c, v, _, x = line.split()[:4]
    runs.setdefault((c, v), []).append(float(x))
rows = []
for c in dict.fromkeys(k[0] for k in runs):
    b, n = median(runs[(c, "base")]), median(runs[(c, "new")])
    rows.append([c, "%.3f" % b, "%.3f" % n, "%.3f" % (n / b)])
print("\n".join(table(["case", "base us/resp (median)", "new us/resp (median)", "new / base"],
                      ["---", "---:", "---:", "---:"], rows)))
PY
