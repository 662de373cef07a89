#!/usr/bin/env bash
# Benchmark (not a test): two tfw-bench builds against each other, alternating, against a
# local nginx: client CPU per response (user + sys of the client process / responses).
# For a refactor's "no regression" check, where the peer (wrk, h2load) would only add noise.
#
#   bench/compare-builds.sh BASE_BIN NEW_BIN [CASES]        # CASES: "h1 h2 h2c" (default)
#   ROUNDS=7 DURATION=4s CONNS=50 STREAMS=10 SERVER_CPU=0 CLIENT_CPU=1
#
# Prints one line per run ("case build round us_per_response") and the medians; writes
# nothing else. nginx runs from tools/peers/nginx-ctl.sh in its own runtime dir and is
# stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ $# -ge 2 ] || { echo "usage: $0 BASE_BIN NEW_BIN [CASES]" >&2; exit 1; }
BASE="$1" NEW="$2" CASES="${3:-h1 h2 h2c}"
for b in "$BASE" "$NEW"; do [ -x "$b" ] || { echo "compare-builds: not executable: $b" >&2; exit 1; }; done
ROUNDS="${ROUNDS:-7}" DURATION="${DURATION:-4s}" CONNS="${CONNS:-50}" STREAMS="${STREAMS:-10}"
CLIENT_CPU="${CLIENT_CPU:-1}"
export PEERS_RUN="${PEERS_RUN:-/tmp/peers-builds}" HTTP_PORT="${HTTP_PORT:-18981}"
export TLS_PORT="${TLS_PORT:-18991}" H2C_PORT="${H2C_PORT:-18971}" SERVER_CPU="${SERVER_CPU:-0}"
tools/peers/nginx-ctl.sh start >/dev/null
trap 'tools/peers/nginx-ctl.sh stop >/dev/null' EXIT
tmp="$(mktemp -d)"; trap 'tools/peers/nginx-ctl.sh stop >/dev/null; rm -rf "$tmp"' EXIT

run() { # case binary -> us per response
    local args
    case "$1" in
        h1)  args=(http://127.0.0.1:$HTTP_PORT/ --conns "$CONNS") ;;
        h2)  args=(https://127.0.0.1:$TLS_PORT/ --h2 -m "$STREAMS" --conns "$CONNS") ;;
        h2c) args=(http://127.0.0.1:$H2C_PORT/ --h2c -m "$STREAMS" --conns "$CONNS") ;;
        *) echo "compare-builds: unknown case $1 (h1, h2, h2c)" >&2; exit 1 ;;
    esac
    timeout 120 taskset -c "$CLIENT_CPU" /usr/bin/time -f '%U %S' -o "$tmp/time" \
        "$2" stress "${args[@]}" --duration "$DURATION" --quiet --json "$tmp/run.json" >/dev/null
    python3 - "$tmp/run.json" "$tmp/time" <<'PY'
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
            echo "$c $v $r $(run "$c" "$bin")" | tee -a "$tmp/all"
        done
    done
done
python3 - "$tmp/all" <<'PY'
import sys, statistics
runs = {}
for line in open(sys.argv[1]):
    c, v, _, x = line.split()[:4]
    runs.setdefault((c, v), []).append(float(x))
print("\n| case | base us/resp (median) | new us/resp (median) | new / base |")
print("|---|---:|---:|---:|")
for c in dict.fromkeys(k[0] for k in runs):
    b, n = statistics.median(runs[(c, "base")]), statistics.median(runs[(c, "new")])
    print(f"| {c} | {b:.3f} | {n:.3f} | {n / b:.3f} |")
PY
