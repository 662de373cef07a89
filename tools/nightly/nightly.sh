#!/usr/bin/env bash
# The nightly performance regression job, an example: runs `tfw-bench regress --testbed` over a
# matrix against the target of a test-bed file (a Tempesta host, or any `command` target),
# keeps each night's output directory (summary.md, report.html, the runs) under $OUT, prunes
# the oldest ones, and exits with regress's status (0 nothing regressed, 1 something
# regressed, 2 broken setup or a failed scenario, 130 interrupted).
#
# Settings (environment; the systemd unit reads them from an EnvironmentFile):
#   TESTBED    test-bed file (required; [tempesta] kind set, see docs/remote.md)
#   URL        what the load is sent to, e.g. https://192.0.2.10/ (required)
#   HISTORY    history database (default $OUT/history.db)
#   OUT        directory of the nightly outputs (default /var/lib/tfw-bench/nightly)
#   MATRIX     scenario matrix (default: tfw-bench's built-in matrix)
#   KEEP       how many nightly output directories to keep (default 30)
#   TFW_BENCH  the tfw-bench executable (default: tfw-bench from PATH)
# Arguments are passed on to `tfw-bench regress` (e.g. --target-config FILE,
# --reload-every 10s, --repeats 5, --export bmf FILE).
#
# Each night's directory is $OUT/<UTC date and time>; $OUT/latest points at the newest and
# $OUT/latest.html is its report.html. Only directories named like that are ever pruned.
set -euo pipefail

die() { echo "nightly: $*" >&2; exit 2; }

: "${TESTBED:?nightly: set TESTBED to the test-bed file}"
: "${URL:?nightly: set URL to the target URL the load goes to}"
OUT="${OUT:-/var/lib/tfw-bench/nightly}"
HISTORY="${HISTORY:-$OUT/history.db}"
MATRIX="${MATRIX:-}"
KEEP="${KEEP:-30}"
TFW_BENCH="${TFW_BENCH:-tfw-bench}"

case "$KEEP" in
    '' | *[!0-9]*) die "KEEP=$KEEP: expected a number of directories" ;;
esac
[ "$KEEP" -ge 1 ] || die "KEEP=$KEEP: keep at least the night that just ran"
[ -r "$TESTBED" ] || die "cannot read the test-bed file $TESTBED"
command -v "$TFW_BENCH" >/dev/null || die "no tfw-bench executable: $TFW_BENCH"
mkdir -p "$OUT" || die "cannot create $OUT"

# One job at a time: a night that overruns into the next one must not run beside it.
exec 9>"$OUT/.nightly.lock"
flock -n 9 || die "another nightly job holds $OUT/.nightly.lock"

stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
night="$OUT/$stamp"
n=1
while [ -e "$night" ]; do
    n=$((n + 1))
    night="$OUT/$stamp-$n"
done

args=(regress --testbed "$TESTBED" --url "$URL" --history "$HISTORY" --out "$night")
if [ -n "$MATRIX" ]; then
    args+=(--matrix "$MATRIX")
fi
echo "nightly: $TFW_BENCH ${args[*]} $*" >&2
status=0
"$TFW_BENCH" "${args[@]}" "$@" || status=$?

# Keep the HTML where a browser or a web server finds it every morning.
if [ -f "$night/report.html" ]; then
    ln -sfn "$(basename "$night")" "$OUT/latest"
    cp -f "$night/report.html" "$OUT/latest.html.tmp" && mv -f "$OUT/latest.html.tmp" "$OUT/latest.html"
else
    echo "nightly: no report.html in $night (status $status)" >&2
fi

# Prune: the oldest night directories beyond KEEP (names sort by time).
mapfile -t nights < <(find "$OUT" -mindepth 1 -maxdepth 1 -type d \
    -name '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z*' \
    -printf '%f\n' | LC_ALL=C sort)
excess=$((${#nights[@]} - KEEP))
for ((i = 0; i < excess; i++)); do
    echo "nightly: pruning $OUT/${nights[i]}" >&2
    rm -rf -- "${OUT:?}/${nights[i]}"
done

echo "nightly: $night: exit status $status" >&2
exit "$status"
