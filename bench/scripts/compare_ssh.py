#!/usr/bin/env python3
"""bench/compare-ssh.sh's paramiko client and its formatter.

usage: compare_ssh.py paramiko separate|persistent|startup N PORT USER KEY KNOWN_HOSTS
       compare_ssh.py report OUT RESULTS_DIR STAMP

`paramiko separate`: N connections one after another, each: SSHClient, load_host_keys(
KNOWN_HOSTS), RejectPolicy (an unknown or changed host key is refused, as tfw-bench and ssh
do), connect with key_filename (no agent, no other keys), exec_command('true'), read stdout and
stderr, the exit status, close. `persistent`: one such connection, then N exec_command('true')
on it: the pattern of tempesta-test (framework/helpers/remote.py, one SSHClient per host).
`startup`: imports paramiko and exits, what the two batches above pay once.

`report` reads OUT (meta.env, runs.tsv, *.time) and writes RESULTS_DIR/ssh-STAMP.md.
"""
import os
import sys


def run_cmd(client):
    _, out_f, err_f = client.exec_command("true", timeout=30)
    out_f.read()
    err_f.read()
    st = out_f.channel.recv_exit_status()
    if st != 0:
        raise SystemExit("remote 'true' exited with status %d" % st)


def connect(paramiko, port, user, key, kh):
    c = paramiko.SSHClient()
    c.load_host_keys(kh)
    c.set_missing_host_key_policy(paramiko.RejectPolicy())
    c.connect("127.0.0.1", port=port, username=user, key_filename=key,
              allow_agent=False, look_for_keys=False, timeout=10)
    return c


def paramiko_main(mode, n, port, user, key, kh):
    import paramiko  # noqa: timed on purpose: the batches pay it once
    if mode == "startup":
        return 0
    if mode == "separate":
        for _ in range(n):
            c = connect(paramiko, port, user, key, kh)
            run_cmd(c)
            c.close()
    elif mode == "persistent":
        c = connect(paramiko, port, user, key, kh)
        for _ in range(n):
            run_cmd(c)
        c.close()
    else:
        raise SystemExit("unknown mode %r" % mode)
    return 0


# ---------------------------------------------------------------------------
# report

LABELS = {
    "tfw-bench": "tfw-bench: a process per operation (connect, host key, auth, exec)",
    "paramiko": "paramiko: one python process, a new connection per operation",
    "ssh": "OpenSSH ssh: a process per operation (its default key exchange)",
    "ssh-c25519": "OpenSSH ssh, -o KexAlgorithms=curve25519-sha256",
    "paramiko-persistent": "paramiko: one python process, one connection, N exec_command",
    "python-startup": "python3 + import paramiko only (per batch, not per operation)",
    "paramiko-net": "paramiko, python-startup of the same round subtracted (a running python program's cost)",
    "paramiko-persistent-net": "paramiko-persistent, python-startup of the same round subtracted",
}


def report(out, results, stamp):
    from benchlib import fmt, median, parse_time, read, read_meta, table

    meta = read_meta(out)
    hz = float(meta.get("clk_tck") or 100)
    runs = []
    for line in open(os.path.join(out, "runs.tsv")):
        if line.startswith("#") or not line.strip():
            continue
        w, rnd, n, rc, wall, base, busy, sticks = line.rstrip("\n").split("\t")[:8]
        r = {"workload": w, "round": int(rnd), "n": int(n), "rc": int(rc), "wall_s": float(wall),
             "base": base, "bg_busy_pct": int(busy or 0), "sshd_s": int(sticks or 0) / hz}
        t = parse_time(read(os.path.join(out, base + ".time")))
        if t and r["rc"] == 0:
            r["cpu_s"] = t["user_s"] + t["sys_s"]
            r["user_s"], r["sys_s"], r["rss_kib"] = t["user_s"], t["sys_s"], t["maxrss_kib"]
            per = 1 if w == "python-startup" else r["n"]
            r["wall_ms"] = r["wall_s"] * 1e3 / per
            r["cpu_ms"] = r["cpu_s"] * 1e3 / per
            r["user_ms"] = r["user_s"] * 1e3 / per
            r["sys_ms"] = r["sys_s"] * 1e3 / per
            r["sshd_ms"] = r["sshd_s"] * 1e3 / per
        runs.append(r)
    batches = list(runs)
    # What a python program that already runs (tempesta-test) pays: the batch minus the
    # interpreter's start and `import paramiko` measured in the same round.
    for r in batches:
        if r["workload"] in ("paramiko", "paramiko-persistent") and "cpu_s" in r:
            st = [x for x in batches if x["workload"] == "python-startup" and x["round"] == r["round"] and "cpu_s" in x]
            if st:
                runs.append({"workload": r["workload"] + "-net", "round": r["round"], "n": r["n"], "rc": 0,
                             "bg_busy_pct": r["bg_busy_pct"],
                             "wall_ms": (r["wall_s"] - st[0]["wall_s"]) * 1e3 / r["n"],
                             "cpu_ms": (r["cpu_s"] - st[0]["cpu_s"]) * 1e3 / r["n"],
                             "user_ms": (r["user_s"] - st[0]["user_s"]) * 1e3 / r["n"],
                             "sys_ms": (r["sys_s"] - st[0]["sys_s"]) * 1e3 / r["n"],
                             "sshd_ms": r["sshd_ms"]})
    order = [w for w in LABELS if any(r["workload"] == w for r in runs)]

    def col(w, k):
        return [r.get(k) for r in runs if r["workload"] == w]

    med = {}
    for w in order:
        ok = [r for r in runs if r["workload"] == w and "cpu_ms" in r]
        ok = [r for r in ok if r.get("cpu_ms") is not None]
        med[w] = {k: median(col(w, k)) for k in ("wall_ms", "cpu_ms", "user_ms", "sys_ms", "sshd_ms")}
        med[w]["min_wall"] = min((r["wall_ms"] for r in ok), default=None)
        med[w]["max_wall"] = max((r["wall_ms"] for r in ok), default=None)
        med[w]["min_cpu"] = min((r["cpu_ms"] for r in ok), default=None)
        med[w]["max_cpu"] = max((r["cpu_ms"] for r in ok), default=None)
        med[w]["rss_mb"] = median([r["rss_kib"] / 1024 for r in ok if r.get("rss_kib")])
        med[w]["ok"] = len(ok)
        med[w]["rounds"] = len([r for r in runs if r["workload"] == w])
        med[w]["ok"] = min(med[w]["ok"], med[w]["rounds"])

    def ratio(a, b, k):  # median over rounds of a/b within each round
        vals = []
        for ra in runs:
            if ra["workload"] != a or k not in ra:
                continue
            rb = [x for x in runs if x["workload"] == b and x["round"] == ra["round"] and x.get(k)]
            if rb:
                vals.append(ra[k] / rb[0][k])
        return median(vals)

    ratios = []
    for peer in ("paramiko", "paramiko-net", "ssh", "ssh-c25519", "paramiko-persistent", "paramiko-persistent-net"):
        if "tfw-bench" in med and peer in med:
            ratios.append((peer, ratio("tfw-bench", peer, "wall_ms"), ratio("tfw-bench", peer, "cpu_ms")))

    n = runs[0]["n"] if runs else 0
    L = []
    L.append(f"# SSH control: tfw-bench remote exec vs paramiko and OpenSSH ssh, {meta.get('date')}")
    L.append("")
    L.append(f"- git commit: `{meta.get('git_commit')}`")
    L.append(f"- machine: kernel `{meta.get('kernel')}`, CPU `{meta.get('cpu_model')}`, nproc {meta.get('nproc')}")
    L.append(f"- server: {meta.get('openssh_server') or 'OpenSSH sshd'} (`/usr/sbin/sshd -D`, own config, "
             f"127.0.0.1, ed25519 host and user keys made for the run, UsePAM no, `SetEnv SHLVL=1` so that the remote `bash -c true` does not source `~/.bashrc`), pinned to CPU {meta.get('server_cpu')}")
    L.append(f"- clients pinned to CPU {meta.get('client_cpu')}: {meta.get('tfw_version')}; "
             f"paramiko {meta.get('paramiko')} (cryptography {meta.get('cryptography')}, Python {meta.get('python')}); "
             f"{meta.get('openssh_client')}")
    for w in ("tfw-bench", "paramiko", "ssh", "ssh-c25519"):
        if meta.get("negotiated_" + w):
            L.append(f"- negotiated by {w} (sshd's DEBUG1 log of a probe connection): {meta['negotiated_' + w]}")
    L.append(f"- runs: {meta.get('rounds')} rounds; in each, in this order: {', '.join(w for w in order if not w.endswith('-net'))}; "
             f"N = {n} operations per batch; every client verifies the host key against a known_hosts file")
    L.append(f"- command: `{meta.get('cmd_line')}`")
    L.append(f"- batches, each under `taskset -c {meta.get('client_cpu')} /usr/bin/time -f '%U %S %M'`: "
             f"`{meta.get('tfw_cmd')}`; `{meta.get('ssh_cmd')}` (ssh-c25519: {meta.get('ssh_c25519_cmd')}); "
             f"`{meta.get('paramiko_cmd')}`")
    L.append(f"- raw output: `{meta.get('out_dir_rel')}`")
    if meta.get("note"):
        L.append(f"- note: {meta['note']}")
    L.append("")
    L.append("An operation is one remote `true` with its exit status read. Wall ms/op = the batch's wall "
             "time / N; client CPU ms/op = user + sys CPU of the batch's processes and all their children "
             "(GNU time) / N; sshd ms/op = CPU of the sshd and its per-connection processes (reaped "
             "children's utime + stime) / N. The two paramiko batches pay the interpreter's start and "
             "`import paramiko` once per batch (row `python-startup`, per batch), not per operation; "
             "tfw-bench and ssh pay their process start on every operation.")
    L.append("")
    disturbed = [r for r in batches if r["bg_busy_pct"] > 10]
    if disturbed:
        L.append(f"**Warning: the machine was not idle**: before {len(disturbed)} of {len(batches)} batches the two "
                 "CPUs were over 10 % busy with other work (column `bg %` below); those figures are disturbed.")
        L.append("")
    L.append("## Medians")
    L.append("")
    L += table(["workload", "what", "rounds ok", "wall ms/op (min-max)", "client CPU ms/op (min-max)",
                "user", "sys", "sshd CPU ms/op", "client peak RSS MB"],
               ["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"],
               [[w, LABELS[w], f"{med[w]['ok']}/{med[w]['rounds']}",
                 f"{fmt(med[w]['wall_ms'], '.2f')} ({fmt(med[w]['min_wall'], '.2f')}-{fmt(med[w]['max_wall'], '.2f')})",
                 f"{fmt(med[w]['cpu_ms'], '.2f')} ({fmt(med[w]['min_cpu'], '.2f')}-{fmt(med[w]['max_cpu'], '.2f')})",
                 fmt(med[w]['user_ms'], '.2f'), fmt(med[w]['sys_ms'], '.2f'), fmt(med[w]['sshd_ms'], '.2f'),
                 fmt(med[w]['rss_mb'], '.1f')] for w in order])
    L.append("")
    L.append("Ratios tfw-bench / peer (median of the per-round ratios; below 1: tfw-bench takes less):")
    L.append("")
    L += table(["peer", "wall per op", "client CPU per op", "note"], ["---", "---:", "---:", "---"],
               [[p, fmt(w, ".3f"), fmt(c, ".3f"),
                 "not a like-for-like pair: tfw-bench's CLI has no persistent multi-command mode; "
                 "a reference for what a kept connection saves" if p.startswith("paramiko-persistent")
                 else "same operation, python's start not counted" if p == "paramiko-net" else "same operation"]
                for p, w, c in ratios])
    L.append("")
    L.append("## Batches")
    L.append("")
    L += table(["workload", "round", "rc", "wall s", "client CPU s", "wall ms/op", "CPU ms/op", "sshd CPU s", "bg %", "raw"],
               ["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"],
               [[r["workload"], r["round"], r["rc"], fmt(r["wall_s"], ".3f"), fmt(r.get("cpu_s"), ".2f"),
                 fmt(r.get("wall_ms"), ".2f"), fmt(r.get("cpu_ms"), ".2f"), fmt(r["sshd_s"], ".2f"),
                 r["bg_busy_pct"], f"`{r['base']}`"] for r in batches])
    path = os.path.join(results, f"ssh-{stamp}.md")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L[: L.index("## Batches")]))
    print(f"written: {path}")
    return 1 if any(med[w]["ok"] < med[w]["rounds"] for w in order) else 0


def main():
    if len(sys.argv) == 8 and sys.argv[1] == "paramiko":
        _, _, mode, n, port, user, key, kh = sys.argv
        return paramiko_main(mode, int(n), int(port), user, key, kh)
    if len(sys.argv) == 5 and sys.argv[1] == "report":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        return report(*sys.argv[2:5])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
