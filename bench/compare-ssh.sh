#!/usr/bin/env bash
# Benchmark (not a test): SSH control of a host, `tfw-bench remote exec` vs Python paramiko
# (what tempesta-test's framework/helpers/remote.py uses) vs OpenSSH's `ssh`, against a local
# sshd, one command.
#
#   bench/compare-ssh.sh                       # ROUNDS=5 N=50, ~2 min on an idle machine
#   ROUNDS=1 N=5 NO_BUILD=1 bench/compare-ssh.sh   # smoke run
#
# It starts its own sshd (/usr/sbin/sshd -D -e -f CONFIG on 127.0.0.1 at a free port, host
# and user ed25519 keys made by ssh-keygen in a temp dir, never the machine's own) pinned to
# SERVER_CPU; a trap stops that sshd, by its pid, on exit. Each client batch runs pinned to
# CLIENT_CPU under /usr/bin/time (user + sys CPU of the batch and every child it waited
# for). Per round, in this order:
#   tfw-bench       N x `tfw-bench remote --testbed TB exec -- true`, one process each
#   paramiko        one python3 process, N x (SSHClient, load_host_keys(known_hosts),
#                   RejectPolicy, connect with key_filename, exec_command('true'), read, close)
#   ssh             N x `ssh -F none -i KEY -o UserKnownHostsFile=KH -o StrictHostKeyChecking=yes
#                   -o BatchMode=yes -o IdentitiesOnly=yes -p PORT USER@127.0.0.1 true`
#   ssh-c25519      the same with -o KexAlgorithms=curve25519-sha256: the key exchange the other
#                   two use (OpenSSH 9.x picks the costlier sntrup761x25519 hybrid by default)
#   paramiko-persistent  one python3 process, one connection, N x exec_command('true') (the
#                   pattern of tempesta-test; tfw-bench's CLI has no counterpart)
#   python-startup  python3 importing paramiko and doing nothing else (what the two
#                   paramiko batches pay once, not per operation)
# Host keys are verified by every client. sshd sets SHLVL=1 for the remote command, so that
# Debian's bash does not source the user's ~/.bashrc (see start_sshd). Writes bench/results/ssh-YYYY-MM-DD-HHMM.md.
#
# Env (defaults):
#   ROUNDS=5  N=50  SERVER_CPU=0  CLIENT_CPU=1  SETTLE=1
#   RESULTS_DIR=bench/results  OUT=bench/out/ssh-STAMP (raw files)
#   TFW=target/release/tfw-bench  NO_BUILD=1 skips cargo build
#   PIP_INSTALL=0 fails instead of `python3 -m pip install --quiet paramiko` when it is missing
#   NOTE="..."   a line for the results file (e.g. what else ran on the machine)
# Needs root (sshd's privilege separation), openssh-server, openssh-client, GNU time.
# Exit: 0 ok; 1 setup error or a failed batch (results are still written).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROUNDS="${ROUNDS:-5}"
N="${N:-50}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
SETTLE="${SETTLE:-1}"
NOTE="${NOTE:-}"
PIP_INSTALL="${PIP_INSTALL:-1}"
TFW="${TFW:-$ROOT/target/release/tfw-bench}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results}"
SSHD=/usr/sbin/sshd
WORKLOADS="tfw-bench paramiko ssh ssh-c25519 paramiko-persistent python-startup"
BENCH=compare-ssh
. "$ROOT/bench/lib/common.sh"
bench_stamp ssh

# ---------------------------------------------------------------- arguments
bench_uints SETTLE SERVER_CPU CLIENT_CPU
if ! [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || [ "$ROUNDS" -gt 100 ]; then die "ROUNDS=$ROUNDS: 1 to 100"; fi
if ! [[ "$N" =~ ^[1-9][0-9]*$ ]] || [ "$N" -gt 10000 ]; then die "N=$N: 1 to 10000"; fi

# ---------------------------------------------------------------- preflight
[ "$(id -u)" = 0 ] || die "needs root (sshd's privilege separation)"
[ -x "$SSHD" ] || die "$SSHD not found (apt-get install -y openssh-server)"
for c in ssh ssh-keygen; do command -v "$c" >/dev/null || die "$c not found (apt-get install -y openssh-client)"; done
command -v python3 >/dev/null || die "python3 not found (apt-get install -y python3)"
for c in taskset timeout; do command -v "$c" >/dev/null || die "$c not found (apt-get install -y util-linux coreutils)"; done
taskset -c "$CLIENT_CPU" true 2>/dev/null \
    || die "CLIENT_CPU=$CLIENT_CPU does not exist here (nproc $(nproc)); this benchmark needs 2 CPUs"
taskset -c "$SERVER_CPU" true 2>/dev/null || die "SERVER_CPU=$SERVER_CPU does not exist here (nproc $(nproc))"
[ "$CLIENT_CPU" != "$SERVER_CPU" ] || say "WARNING: client and server share CPU $CLIENT_CPU"
/usr/bin/time -f '%U %S %M' -o /dev/null true 2>/dev/null \
    || die "/usr/bin/time (GNU time) not found (apt-get install -y time)"
# The interpreter itself, not a wrapper (a pyenv shim is a shell script that would be timed too).
PY="$(python3 -c 'import sys; print(sys.executable)')" || die "python3 does not run"
if ! "$PY" -c 'import paramiko' 2>/dev/null; then
    [ "$PIP_INSTALL" = 1 ] || die "paramiko not installed ($PY -m pip install paramiko)"
    say "paramiko missing: $PY -m pip install --quiet paramiko"
    timeout 600 "$PY" -m pip install --quiet paramiko >&2 || die "could not install paramiko"
    "$PY" -c 'import paramiko' || die "paramiko still cannot be imported"
fi
bench_build_tfw
"$TFW" remote --help >/dev/null 2>&1 || die "$TFW has no 'remote' command"

# ---------------------------------------------------------------- sshd
SSH_DIR=""
SSHD_PID=""
stop_sshd() {
    if [ -n "$SSHD_PID" ]; then
        # Only the sshd we started, by its pid; its per-connection children end with it.
        kill -TERM "$SSHD_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SSHD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SSHD_PID" 2>/dev/null || true
        wait "$SSHD_PID" 2>/dev/null || true
        SSHD_PID=""
    fi
}
# shellcheck disable=SC2317  # run by the EXIT trap
ssh_cleanup() {
    local rc=$?
    stop_sshd
    if [ -n "$SSH_DIR" ]; then
        if [ -d "$OUT" ]; then cp "$SSH_DIR"/sshd-*.log "$OUT/" 2>/dev/null || true; fi
        rm -rf "$SSH_DIR"
    fi
    (exit "$rc")
    cleanup   # common.sh: a client still running, then exit with rc
}
bench_traps
trap ssh_cleanup EXIT

mkdir -p "$OUT"
SSH_DIR="$(mktemp -d /tmp/tfw-bench-ssh.XXXXXX)"
USER_NAME="$(id -un)"
KEY="$SSH_DIR/user_ed25519"
KH="$SSH_DIR/known_hosts"
TB="$SSH_DIR/testbed.toml"
ssh-keygen -t ed25519 -N '' -q -C tfw-bench-ssh-host -f "$SSH_DIR/host_ed25519" </dev/null
ssh-keygen -t ed25519 -N '' -q -C tfw-bench-ssh-user -f "$KEY" </dev/null
cp "$KEY.pub" "$SSH_DIR/authorized_keys"
mkdir -p /run/sshd "$SSH_DIR/work"

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_open() { "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; }

# SetEnv SHLVL=1: Debian's bash (built with SSH_SOURCE_BASHRC) sources the user's ~/.bashrc
# for every command sshd runs unless SHLVL says it is not the first shell; a heavy .bashrc
# (root's here runs `pyenv init`, ~250 ms) would otherwise swamp every figure, the same for
# every client. The benchmark measures the SSH clients, not the host's rc files.
# start_sshd NAME LOGLEVEL: sshd on SERVER_CPU at a free port (a few tries: a port can be
# taken between the probe and sshd's bind); sets PORT and SSHD_PID; log in SSH_DIR/sshd-NAME.log.
start_sshd() {
    local name="$1" level="$2" try i log
    log="$SSH_DIR/sshd-$name.log"
    for try in 1 2 3 4 5; do
        PORT="$(free_port)"
        cat > "$SSH_DIR/sshd_config" <<EOC
ListenAddress 127.0.0.1
Port $PORT
HostKey $SSH_DIR/host_ed25519
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
UseDNS no
MaxStartups 100:30:200
LogLevel $level
AllowUsers $USER_NAME
SetEnv SHLVL=1
EOC
        taskset -c "$SERVER_CPU" "$SSHD" -D -e -f "$SSH_DIR/sshd_config" </dev/null >/dev/null 2>>"$log" &
        SSHD_PID=$!
        for ((i = 0; i < 200; i++)); do
            kill -0 "$SSHD_PID" 2>/dev/null || break
            if port_open "$PORT"; then
                echo "[127.0.0.1]:$PORT $(cut -d' ' -f1-2 "$SSH_DIR/host_ed25519.pub")" > "$KH"
                return 0
            fi
            sleep 0.05
        done
        say "sshd did not come up on port $PORT (try $try)"
        stop_sshd
    done
    die "sshd did not start; its log: $(tail -n 5 "$log")"
}

write_testbed() {
    cat > "$TB" <<EOT
[general]
known_hosts = "$KH"

[tempesta]
ip = "127.0.0.1"
hostname = "127.0.0.1"
port = $PORT
user = "$USER_NAME"
ssh_key = "$KEY"
workdir = "$SSH_DIR/work"

[client]
hostname = "localhost"

[server]
hostname = "localhost"
EOT
}

CLIENT_PY="$ROOT/bench/scripts/compare_ssh.py"
# shellcheck disable=SC2016  # the loops' $1, $2... are bash -c's own arguments
cmd_of() {  # workload -> CMD (array) for a batch of N
    local w="$1" n="$2"
    case "$w" in
        tfw-bench) CMD=(bash -c 'for ((i = 0; i < $1; i++)); do "$2" remote --testbed "$3" exec -- true || exit 1; done' \
                        loop "$n" "$TFW" "$TB") ;;
        ssh|ssh-c25519)
            CMD=(bash -c 'n=$1; shift; for ((i = 0; i < n; i++)); do "$@" || exit 1; done' \
                 loop "$n" ssh -F none -i "$KEY" -o "UserKnownHostsFile=$KH" -o StrictHostKeyChecking=yes \
                 -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR)
            [ "$w" = ssh ] || CMD+=(-o KexAlgorithms=curve25519-sha256)
            CMD+=(-p "$PORT" "$USER_NAME@127.0.0.1" true) ;;
        paramiko) CMD=("$PY" "$CLIENT_PY" paramiko separate "$n" "$PORT" "$USER_NAME" "$KEY" "$KH") ;;
        paramiko-persistent) CMD=("$PY" "$CLIENT_PY" paramiko persistent "$n" "$PORT" "$USER_NAME" "$KEY" "$KH") ;;
        python-startup) CMD=("$PY" "$CLIENT_PY" paramiko startup "$n" "$PORT" "$USER_NAME" "$KEY" "$KH") ;;
    esac
}

# ---------------------------------------------------------------- what each client negotiates
# A short probe with sshd at LogLevel DEBUG1 (its log names the key exchange, host key and
# ciphers of each connection), one connection per client; then the measured sshd at INFO.
start_sshd probe DEBUG1
write_testbed
for w in tfw-bench paramiko ssh ssh-c25519; do
    cmd_of "$w" 1
    echo "== $w" >> "$SSH_DIR/sshd-probe.log"
    if ! timeout 60 "${CMD[@]}" > "$OUT/probe-$w.out" 2> "$OUT/probe-$w.err"; then
        die "$w could not run 'true' over SSH: $(tail -n 3 "$OUT/probe-$w.err")"
    fi
    sleep 0.3   # let sshd write its log lines of that connection
done
stop_sshd
awk '{ sub(/\r$/, ""); sub(/ \[preauth\]$/, "") }
     /^== / { w = $2; next }
     /kex: algorithm:/ { sub(/.*kex: algorithm: /, ""); k[w] = $0 }
     /kex: host key algorithm:/ { sub(/.*kex: host key algorithm: /, ""); h[w] = $0 }
     /kex: client->server cipher:/ { sub(/.*kex: client->server cipher: /, ""); c[w] = $0 }
     /Accepted publickey/ { a[w] = "publickey" }
     END { for (x in k) printf "%s\tkex %s; host key %s; cipher %s; auth %s\n", x, k[x], h[x], c[x], a[x] }' \
    "$SSH_DIR/sshd-probe.log" | sort > "$OUT/negotiated.tsv" || true

start_sshd bench INFO
write_testbed
say "sshd $SSHD_PID on 127.0.0.1:$PORT, CPU $SERVER_CPU; clients on CPU $CLIENT_CPU; raw output in $OUT"

cpu_busy_ticks() {  # busy + steal jiffies of the two CPUs
    awk -v a="cpu$SERVER_CPU" -v b="cpu$CLIENT_CPU" '$1 == a || $1 == b { u += $2 + $3 + $4 + $7 + $8 + $9 }
        END { print u + 0 }' /proc/stat
}
bg_busy() {  # % of the two CPUs busy over SETTLE s before a run (other load on the machine)
    local a b
    a="$(cpu_busy_ticks)"; sleep "$SETTLE"; b="$(cpu_busy_ticks)"
    awk -v d="$((b - a))" -v s="$SETTLE" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", 100 * d / (2 * s * hz) }'
}
sshd_ticks() {  # CPU of the sshd listener and of its reaped per-connection children (ticks)
    sed 's/.*) //' "/proc/$SSHD_PID/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }'
}

# ---------------------------------------------------------------- meta
{
    bench_meta_head
    echo "tfw_version=$("$TFW" --version 2>/dev/null | head -n 1)"
    echo "openssh_client=$(ssh -V 2>&1)"
    echo "openssh_server=$("$SSHD" -V 2>&1 | head -n 1 || true)"
    echo "python=$("$PY" -c 'import sys; print(sys.version.split()[0])') ($PY)"
    echo "paramiko=$("$PY" -c 'import paramiko; print(paramiko.__version__)')"
    echo "cryptography=$("$PY" -c 'import cryptography; print(cryptography.__version__)' 2>/dev/null || echo unknown)"
    echo "server_cpu=$SERVER_CPU"
    echo "client_cpu=$CLIENT_CPU"
    echo "rounds=$ROUNDS"
    echo "n=$N"
    echo "workloads=$WORKLOADS"
    echo "clk_tck=$(getconf CLK_TCK)"
    echo "note=$NOTE"
    echo "cmd_line=ROUNDS=$ROUNDS N=$N bench/compare-ssh.sh"
    echo "tfw_cmd=for i in \$(seq $N); do target/release/tfw-bench remote --testbed TB exec -- true; done"
    echo "ssh_cmd=for i in \$(seq $N); do ssh -F none -i KEY -o UserKnownHostsFile=KH -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR -p PORT $USER_NAME@127.0.0.1 true; done"
    echo "ssh_c25519_cmd=the same with -o KexAlgorithms=curve25519-sha256"
    echo "paramiko_cmd=python3 bench/scripts/compare_ssh.py paramiko separate|persistent|startup $N PORT $USER_NAME KEY KH"
    echo "out_dir_rel=${OUT#"$ROOT"/}"
} > "$OUT/meta.env"
while IFS=$'\t' read -r w desc; do echo "negotiated_$w=$desc" >> "$OUT/meta.env"; done < "$OUT/negotiated.tsv"
printf '# workload\tround\tn\trc\twall_s\tbase\tbg_busy_pct\tsshd_ticks\n' > "$OUT/runs.tsv"

# ---------------------------------------------------------------- runs
FAILED=0
for ((r = 1; r <= ROUNDS; r++)); do
    for w in $WORKLOADS; do
        kill -0 "$SSHD_PID" 2>/dev/null || die "sshd is no longer running (see $OUT/sshd-bench.log)"
        busy="$(bg_busy)"
        cmd_of "$w" "$N"
        base="$w-$r"
        say "round $r/$ROUNDS: $w x $N (CPUs ${busy}% busy before)"
        t0="$(sshd_ticks)"
        bench_run "$base" "$((N * 10 + 60))" 5 0 "${CMD[@]}"
        sleep 0.2   # let sshd reap the last connection's process
        t1="$(sshd_ticks)"
        [ "$RUN_RC" = 0 ] || { FAILED=1; say "WARNING: $w exited with status $RUN_RC; see $OUT/$base.err"; }
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$r" "$N" "$RUN_RC" "$(run_wall_s)" "$base" "$busy" \
            "$((${t1:-0} - ${t0:-0}))" >> "$OUT/runs.tsv"
    done
done
stop_sshd

# ---------------------------------------------------------------- results
mkdir -p "$RESULTS_DIR"
rc=0
python3 "$ROOT/bench/scripts/compare_ssh.py" report "$OUT" "$RESULTS_DIR" "$STAMP" || rc=$?
[ "$FAILED" = 0 ] || rc=1
exit "$rc"
