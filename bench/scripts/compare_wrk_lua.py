#!/usr/bin/env python3
"""Aggregate the raw runs of bench/compare-wrk-lua.sh (stdlib only).

    compare_wrk_lua.py OUT_DIR RESULTS_DIR STAMP

OUT_DIR holds meta.env, runs.tsv (one line per client run: tool, case, round, rc, wall_s,
base, bg_busy_pct) and per run BASE.out (wrk's output, from either tool), BASE.time
(/usr/bin/time -f '%U %S %M') and BASE.perf (perf stat -x, if perf works).

Both tools print wrk's output, so one parser reads both: responses from `N requests in`.
Client CPU per response = (user + sys) / responses. Writes RESULTS_DIR/wrk-lua-STAMP.md and
.json with the medians per case and tool and the ratio tfw-bench / wrk, and prints the table.
Exit status: 0, or 1 if some run failed.
"""

import json
import os
import re
import sys

from benchlib import f, fint, median, parse_perf, parse_time, read, read_meta, table

TOOLS = ("wrk", "tfw-bench")


def parse_out(text):
    if not text:
        return None
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", text)
    if not m:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(3)]
    return {"responses": int(m.group(1)), "elapsed_s": float(m.group(2)) * scale}


def load_runs(out_dir):
    runs = []
    for line in (read(os.path.join(out_dir, "runs.tsv")) or "").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        tool, case, rnd, rc, wall_s, base, bg = (line.split("\t") + [""] * 7)[:7]
        r = {"tool": tool, "case": case, "round": int(rnd), "rc": int(rc), "base": base,
             "bg_busy_pct": int(bg) if bg.isdigit() else None}
        out = parse_out(read(os.path.join(out_dir, base + ".out")))
        t = parse_time(read(os.path.join(out_dir, base + ".time")))
        p = parse_perf(read(os.path.join(out_dir, base + ".perf")))
        r["ok"] = r["rc"] == 0 and out is not None and out["responses"] > 0 and t is not None
        if r["ok"]:
            cpu_s = t["user_s"] + t["sys_s"]
            r["responses"] = out["responses"]
            r["rps"] = out["responses"] / out["elapsed_s"] if out["elapsed_s"] else None
            r["cpu_us_per_response"] = cpu_s * 1e6 / out["responses"]
            r["maxrss_kib"] = t["maxrss_kib"]
            if p and "syscalls" in p:
                r["syscalls_per_response"] = p["syscalls"] / out["responses"]
        runs.append(r)
    return runs


def summarise(runs, cases):
    rows = []
    for case in cases:
        per_tool = {}
        for tool in TOOLS:
            ok = [r for r in runs if r["case"] == case and r["tool"] == tool and r["ok"]]
            all_ = [r for r in runs if r["case"] == case and r["tool"] == tool]
            if not all_:
                continue
            per_tool[tool] = {
                "runs": len(all_), "ok": len(ok),
                "cpu_us_per_response": median([r["cpu_us_per_response"] for r in ok]),
                "rps": median([r.get("rps") for r in ok]),
                "syscalls_per_response": median([r.get("syscalls_per_response") for r in ok]),
                "maxrss_kib": median([r.get("maxrss_kib") for r in ok]),
            }
        w = per_tool.get("wrk", {}).get("cpu_us_per_response")
        t = per_tool.get("tfw-bench", {}).get("cpu_us_per_response")
        rows.append({"case": case, "tools": per_tool,
                     "cpu_ratio_tfw_over_wrk": (t / w) if (w and t) else None})
    return rows


def main():
    out_dir, results_dir, stamp = sys.argv[1:4]
    meta = read_meta(out_dir)
    runs = load_runs(out_dir)
    cases = meta.get("cases", "static request response").split()
    rows = summarise(runs, cases)
    lines = ["# wrk Lua scripts: tfw-bench wrk vs wrk (%s)" % meta.get("date", stamp), "",
             "Commit %s; %s (%s CPUs), kernel %s; %s; %s." % (
                 meta.get("git_commit"), meta.get("cpu_model"), meta.get("nproc"),
                 meta.get("kernel"), meta.get("wrk_version"), meta.get("tfw_version")),
             "nginx %s on CPU %s, client on CPU %s; %s connections, %s per run, %s rounds "
             "alternating the tools." % (meta.get("nginx_version"), meta.get("server_cpu"),
                                         meta.get("client_cpu"), meta.get("conns"),
                                         meta.get("duration"), meta.get("rounds")),
             "Command: `%s`." % meta.get("cmd"), "",
             "Medians over the successful rounds; CPU = user + sys of the client process.", ""]
    body = []
    for row in rows:
        for tool, s in row["tools"].items():
            body.append([row["case"], tool, "%d/%d" % (s["ok"], s["runs"]),
                         f(s["cpu_us_per_response"], "%.3f"), fint(s["rps"]),
                         f(s["syscalls_per_response"], "%.3f"), fint(s["maxrss_kib"])])
        body.append([row["case"], "**tfw-bench / wrk**", "", f(row["cpu_ratio_tfw_over_wrk"]),
                     "", "", ""])
    lines += table(["case", "tool", "ok runs", "CPU µs/response", "responses/s",
                    "syscalls/response", "peak RSS KiB"],
                   ["---", "---", "---:", "---:", "---:", "---:", "---:"], body)
    failed = [r["base"] for r in runs if not r["ok"]]
    if failed:
        lines += ["", "Failed runs (see %s): %s" % (meta.get("out_dir_rel"), ", ".join(failed))]
    text = "\n".join(lines) + "\n"
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, "wrk-lua-%s.md" % stamp), "w", encoding="utf-8") as fh:
        fh.write(text)
    with open(os.path.join(results_dir, "wrk-lua-%s.json" % stamp), "w", encoding="utf-8") as fh:
        json.dump({"meta": meta, "summary": rows, "runs": runs}, fh, indent=2)
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
