#!/usr/bin/env python3
"""Results of bench/compare-handshake.sh: reads OUT (meta.env, runs.tsv, *.time, *.out,
*.json) and writes RESULTS_DIR/handshake-STAMP.{md,json}: per run, medians over rounds,
tfw-bench / s_time ratios per round, and the issue's targets.

usage: compare_handshake.py OUT RESULTS_DIR STAMP
"""
import json
import os
import re
import sys

from benchlib import fmt, median, parse_time, read, read_meta, table

# Client CPU per handshake of tls-perf, measured on this machine earlier (µs), and the
# target: tfw-bench at most 0.6 x that.
TLS_PERF_US = {"tls12": 534.0, "tls13": 683.0}
CPU_TARGET = 0.6
LABELS = {
    "tls12": "TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 P-256",
    "tls13": "TLS 1.3 TLS_AES_128_GCM_SHA256 X25519",
}


def read_time(path):
    t = parse_time(read(path))
    return (t["user_s"], t["sys_s"], t["maxrss_kib"]) if t else None


def run_figures(out, row):
    suite, tool, conns, rnd, rc, wall, base, busy = row[:8]
    r = {"suite": suite, "tool": tool, "conns": int(conns), "round": int(rnd), "rc": int(rc),
         "wall_s": float(wall), "bg_busy_pct": int(busy or 0), "raw": base,
         "handshakes": None, "hs_per_s": None, "errors": None}
    t = read_time(os.path.join(out, base + ".time"))
    if t:
        r["user_s"], r["sys_s"], r["max_rss_kb"] = t
    if tool == "s_time":
        text = open(os.path.join(out, base + ".out"), errors="replace").read()
        m = re.search(r"(\d+) connections in [\d.]+s;", text)
        if m:
            r["handshakes"] = int(m.group(1))
            r["hs_per_s"] = r["handshakes"] / r["wall_s"]
            r["errors"] = 0 if r["rc"] == 0 else None
    else:
        try:
            doc = json.load(open(os.path.join(out, base + ".json")))
            r["handshakes"] = doc["handshakes"]
            r["hs_per_s"] = doc["handshakes_per_s"]
            r["errors"] = doc["errors"]["total"]
            r["negotiated"] = doc["negotiated"]
            r["worker_us_per_hs"] = doc["cpu"]["us_per_handshake"]
        except (OSError, ValueError, KeyError):
            pass
    if r["handshakes"] and "user_s" in r:
        n = r["handshakes"]
        r["cpu_us_per_hs"] = (r["user_s"] + r["sys_s"]) * 1e6 / n
        r["user_us_per_hs"] = r["user_s"] * 1e6 / n
        r["sys_us_per_hs"] = r["sys_s"] * 1e6 / n
    return r


def main():
    out, results, stamp = sys.argv[1:4]
    meta = read_meta(out)
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "runs.tsv")) if not l.startswith("#")]
    runs = [run_figures(out, row) for row in rows]
    keys = []
    for r in runs:
        k = (r["suite"], r["tool"], r["conns"])
        if k not in keys:
            keys.append(k)
    medians = []
    for k in keys:
        rs = [r for r in runs if (r["suite"], r["tool"], r["conns"]) == k]
        medians.append({
            "suite": k[0], "tool": k[1], "conns": k[2], "rounds": len(rs),
            "hs_per_s": median([r["hs_per_s"] for r in rs]),
            "hs_per_s_min": min((r["hs_per_s"] for r in rs if r["hs_per_s"]), default=None),
            "hs_per_s_max": max((r["hs_per_s"] for r in rs if r["hs_per_s"]), default=None),
            "cpu_us_per_hs": median([r.get("cpu_us_per_hs") for r in rs]),
            "cpu_us_per_hs_min": min((r["cpu_us_per_hs"] for r in rs if r.get("cpu_us_per_hs")), default=None),
            "cpu_us_per_hs_max": max((r["cpu_us_per_hs"] for r in rs if r.get("cpu_us_per_hs")), default=None),
            "user_us_per_hs": median([r.get("user_us_per_hs") for r in rs]),
            "sys_us_per_hs": median([r.get("sys_us_per_hs") for r in rs]),
            "worker_us_per_hs": median([r.get("worker_us_per_hs") for r in rs]),
            "max_rss_kb": median([r.get("max_rss_kb") for r in rs]),
            "errors": sum(r["errors"] or 0 for r in rs),
            "failed_runs": sum(1 for r in rs if r["rc"] != 0 or r["handshakes"] is None),
        })
    # Per-round ratios tfw-bench / s_time.
    ratios = []
    for (suite, tool, conns) in keys:
        if tool != "tfw-bench":
            continue
        cpu, hs = [], []
        for r in runs:
            if (r["suite"], r["tool"], r["conns"]) != (suite, tool, conns):
                continue
            peer = [p for p in runs if p["suite"] == suite and p["tool"] == "s_time" and p["round"] == r["round"]]
            if peer and peer[0].get("cpu_us_per_hs") and r.get("cpu_us_per_hs"):
                cpu.append(r["cpu_us_per_hs"] / peer[0]["cpu_us_per_hs"])
            if peer and peer[0]["hs_per_s"] and r["hs_per_s"]:
                hs.append(r["hs_per_s"] / peer[0]["hs_per_s"])
        ratios.append({"suite": suite, "conns": conns, "cpu_per_hs": median(cpu), "hs_per_s": median(hs)})
    targets = []
    for suite in dict.fromkeys(k[0] for k in keys):
        peer = [m for m in medians if m["suite"] == suite and m["tool"] == "s_time"]
        best_peer = max((m["hs_per_s"] or 0 for m in peer), default=0)
        tfw = [m for m in medians if m["suite"] == suite and m["tool"] == "tfw-bench"]
        best_tfw = max(tfw, key=lambda m: m["hs_per_s"] or 0, default=None)
        if best_tfw:
            targets.append({"suite": suite, "target": "handshakes/s >= best peer's (s_time)",
                            "limit": best_peer, "value": best_tfw["hs_per_s"], "conns": best_tfw["conns"],
                            "met": (best_tfw["hs_per_s"] or 0) >= best_peer})
        lim = CPU_TARGET * TLS_PERF_US[suite]
        for m in tfw:
            targets.append({"suite": suite, "target": f"client CPU/handshake <= {CPU_TARGET} x tls-perf ({TLS_PERF_US[suite]:.0f} us)",
                            "limit": lim, "value": m["cpu_us_per_hs"], "conns": m["conns"],
                            "met": m["cpu_us_per_hs"] is not None and m["cpu_us_per_hs"] <= lim})
    disturbed = [r for r in runs if r["bg_busy_pct"] > 10]

    doc = {"meta": meta, "runs": runs, "medians": medians, "ratios": ratios, "targets": targets}
    base = os.path.join(results, f"handshake-{stamp}")
    with open(base + ".json", "w") as f:
        json.dump(doc, f, indent=2)

    L = []
    L.append(f"# tfw-bench handshake vs openssl s_time against nginx, {meta.get('date')}")
    L.append("")
    L.append(f"- git commit: `{meta.get('git_commit')}`")
    L.append(f"- machine: kernel `{meta.get('kernel')}`, CPU `{meta.get('cpu_model')}`, nproc {meta.get('nproc')}")
    L.append(f"- server: {meta.get('nginx_version')}, one worker pinned to CPU {meta.get('server_cpu')}, `{meta.get('target')}`, ECDSA P-256 certificate, no session resumption (every handshake is full)")
    L.append(f"- clients pinned to CPU {meta.get('client_cpu')}: {meta.get('openssl_version')} `s_time -new` (one connection at a time); {meta.get('tfw_version')} `handshake -t 1` at {meta.get('tfw_conns')} peers")
    L.append(f"- runs: {meta.get('rounds')} rounds of {meta.get('duration_s')} s per suite; in each round s_time, then tfw-bench")
    L.append(f"- commands: `{meta.get('stime_cmd')}` and `{meta.get('tfw_cmd')}`, each under `/usr/bin/time -f '%U %S %M'`")
    L.append(f"- raw output: `{meta.get('out_dir_rel')}`")
    if meta.get("note"):
        L.append(f"- note: {meta['note']}")
    for suite in dict.fromkeys(k[0] for k in keys):
        neg = os.path.join(out, f"openssl-negotiated-{suite}.txt")
        if os.path.exists(neg):
            got = "; ".join(l.strip() for l in open(neg) if l.strip())
            L.append(f"- openssl s_client with the same settings ({suite}): {got or 'n/a'}")
    L.append("")
    L.append("Client CPU per handshake = (user + sys CPU of the client process, GNU time) / handshakes. "
             "tfw-bench counts handshakes after its slow start only, so its figure slightly overstates; "
             "`workers` is tfw-bench's own figure (worker threads' CPU over the measured phase). "
             "s_time's handshakes/s = its connections / the process's wall time.")
    L.append("")
    if disturbed:
        L.append(f"**Warning: the machine was not idle**: before {len(disturbed)} of {len(runs)} runs the two CPUs were over 10 % busy with other work (column `bg`); those figures are disturbed.")
        L.append("")
    L.append("## Medians")
    L.append("")
    L += table(["suite", "tool", "peers", "rounds", "handshakes/s (min-max)", "client CPU us/hs (min-max)", "user",
                "sys", "workers", "peak RSS MB", "errors"], ["---", "---"] + ["---:"] * 9,
               [[m['suite'], m['tool'], m['conns'], m['rounds'],
                 f"{fmt(m['hs_per_s'])} ({fmt(m['hs_per_s_min'])}-{fmt(m['hs_per_s_max'])})",
                 f"{fmt(m['cpu_us_per_hs'], '.0f')} ({fmt(m['cpu_us_per_hs_min'], '.0f')}-{fmt(m['cpu_us_per_hs_max'], '.0f')})",
                 fmt(m['user_us_per_hs'], '.0f'), fmt(m['sys_us_per_hs'], '.0f'), fmt(m['worker_us_per_hs'], '.0f'),
                 fmt(m['max_rss_kb'] and m['max_rss_kb'] / 1024, '.1f'), m['errors']] for m in medians])
    L.append("")
    L.append("Ratios tfw-bench / s_time (median of the per-round ratios):")
    L.append("")
    L += table(["suite", "tfw-bench peers", "client CPU/hs", "handshakes/s"], ["---", "---:", "---:", "---:"],
               [[r['suite'], r['conns'], fmt(r['cpu_per_hs'], '.3f'), fmt(r['hs_per_s'], '.3f')] for r in ratios])
    L.append("")
    L.append("## Targets")
    L.append("")
    L += table(["suite", "target", "tfw-bench peers", "limit", "median", "status"],
               ["---", "---", "---:", "---:", "---:", "---"],
               [[t['suite'], t['target'], t['conns'], fmt(t['limit']), fmt(t['value']), 'met' if t['met'] else 'NOT met']
                for t in targets])
    L.append("")
    L.append("## Runs")
    L.append("")
    L += table(["suite", "tool", "peers", "round", "rc", "handshakes", "handshakes/s", "CPU us/hs", "bg %", "raw"],
               ["---", "---"] + ["---:"] * 7 + ["---"],
               [[r['suite'], r['tool'], r['conns'], r['round'], r['rc'], fmt(r['handshakes']), fmt(r['hs_per_s']),
                 fmt(r.get('cpu_us_per_hs'), '.0f'), r['bg_busy_pct'], f"`{r['raw']}`"] for r in runs])
    with open(base + ".md", "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L[: L.index("## Runs")]))
    print(f"written: {base}.md {base}.json")
    return 1 if any(m["failed_runs"] for m in medians) else 0


if __name__ == "__main__":
    sys.exit(main())
