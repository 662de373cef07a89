#!/usr/bin/env python3
"""Aggregate the raw runs of bench/compare-h2load.sh (stdlib only).

    compare_h2load.py OUT_DIR RESULTS_DIR STAMP

OUT_DIR holds meta.env (key=value lines), runs.tsv (one line per client run:
case, tool, round, ...) and, per run, BASE.out / BASE.err (client stdout/stderr),
BASE.time (/usr/bin/time -f '%U %S %M'), BASE.perf (perf stat -x, CSV, if perf
works) and, for tfw-bench and h2crate, BASE.json (their --json reports).

Writes RESULTS_DIR/h2load-STAMP.md and RESULTS_DIR/h2load-STAMP.json, prints the
median tables and the target check. Exit status: 0, or 1 if some run failed, or
3 if TARGETS_STRICT=1 and a target was not met. The parsing, median and table
helpers are benchlib.py's, shared with compare_wrk.py and compare_handshake.py.
"""

import json
import os
import re
import sys

from benchlib import (BUSY_PCT, disturbed, f, fint, median, parse_perf, parse_time, read,
                      read_meta, sum_numbers, table)

H2LOAD = "h2load"
TFW = "tfw-bench"
H2CRATE = "h2crate"
TOOLS = (H2LOAD, TFW, H2CRATE)
CASES = ("h2", "h1", "h2c")
CASE_TEXT = {"h2": "HTTP/2 over TLS", "h1": "HTTP/1.1 over TLS", "h2c": "h2c (prior knowledge)"}
# What tfw-bench's JSON must report as "protocol" for each case.
CASE_PROTOCOL = {"h2": "h2", "h1": "http/1.1", "h2c": "h2c"}
CPU_TARGET = 0.7  # tfw-bench / h2load client CPU per response


# ---------------------------------------------------------------------------
# parsing

def parse_h2load(text):
    if not text:
        return None
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
    if not m:
        return None
    total, started, done, ok, failed, errored, timeout = (int(x) for x in m.groups())
    res = {"responses": ok, "errors": {"failed": failed, "errored": errored, "timeout": timeout}}
    res["errors_total"] = failed + errored + timeout
    m = re.search(r"finished in ([\d.]+)(us|ms|s|m|h)?, ([\d.]+) req/s", text)
    if m:
        res["rps"] = float(m.group(3))
    m = re.search(r"Application protocol: (\S+)", text)
    res["protocol"] = m.group(1) if m else None
    return res


def parse_json_report(text, tool):
    if not text:
        return None
    try:
        j = json.loads(text)
    except ValueError:
        return None
    if not isinstance(j, dict) or not isinstance(j.get("responses"), (int, float)):
        return None
    errors = j.get("errors") or {}
    if tool == H2CRATE:
        total = errors.get("total", 0) + (j.get("non_2xx") or 0)
    else:
        total = sum_numbers(errors)
    res = {"responses": int(j["responses"]),
           "rps": float(j["rps"]) if isinstance(j.get("rps"), (int, float)) else None,
           "errors": errors, "errors_total": total, "protocol": j.get("protocol")}
    cpu = j.get("cpu")
    if isinstance(cpu, dict) and isinstance(cpu.get("us_per_response"), (int, float)):
        res["self_cpu_us"] = float(cpu["us_per_response"])  # the tool's own getrusage figure
    return res


CLK_TCK = 100


def load_runs(out_dir):
    runs = []
    for line in (read(os.path.join(out_dir, "runs.tsv")) or "").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t") + [""] * 3
        case, tool, rnd, rc, wall_s, base, srv_before, srv_after, idle, bg = fields[:10]
        busy_ticks, steal_ticks, nginx_ticks = fields[10:13]
        b = os.path.join(out_dir, base)
        run = {"case": case, "tool": tool, "round": int(rnd), "rc": int(rc), "wall_s": float(wall_s),
               "files": base, "ok": False, "problem": None}
        try:
            run["server_requests"] = int(srv_after) - int(srv_before) - 1
        except ValueError:
            run["server_requests"] = None
        run["settled_before"] = idle == "1"
        run["bg_busy_pct"] = int(bg) if bg.strip().isdigit() else None
        if tool == H2LOAD:
            client = parse_h2load(read(b + ".out"))
        else:
            client = parse_json_report(read(b + ".json"), tool)
        t = parse_time(read(b + ".time"))
        p = parse_perf(read(b + ".perf"))
        for part in (client, t, p):
            if part:
                run.update(part)
        resp = run.get("responses") or 0
        want = CASE_PROTOCOL.get(case)
        if run["rc"] != 0:
            run["problem"] = "exit status %d%s" % (run["rc"], " (timeout)" if run["rc"] in (124, 137) else "")
        elif client is None:
            run["problem"] = "no output to parse"
        elif t is None:
            run["problem"] = "no /usr/bin/time figures"
        elif resp <= 0:
            run["problem"] = "0 responses"
        elif tool != H2CRATE and run.get("protocol") and want and run["protocol"] != want:
            run["problem"] = "spoke %s, expected %s" % (run["protocol"], want)
        else:
            run["ok"] = True
        if resp > 0 and t:
            run["cpu_us"] = (t["user_s"] + t["sys_s"]) * 1e6 / resp
            run["user_us"] = t["user_s"] * 1e6 / resp
            run["sys_us"] = t["sys_s"] * 1e6 / resp
            run["rss_mb"] = t["maxrss_kib"] / 1024.0
        if resp > 0 and p and "syscalls" in p:
            run["syscalls_per_resp"] = p["syscalls"] / resp
        clk = float(CLK_TCK)
        if busy_ticks.strip().lstrip("-").isdigit() and nginx_ticks.strip().isdigit() and t and run["wall_s"] > 0:
            ngx_s = int(nginx_ticks) / clk
            run["nginx_cpu_s"] = ngx_s
            other = int(busy_ticks) / clk - ngx_s - (t["user_s"] + t["sys_s"])
            run["other_cpu_pct"] = max(0.0, other) * 100.0 / run["wall_s"]
            if run.get("server_requests"):
                run["nginx_cpu_us"] = ngx_s * 1e6 / run["server_requests"]
        if steal_ticks.strip().isdigit() and run["wall_s"] > 0:
            run["steal_pct"] = int(steal_ticks) / clk * 100.0 / run["wall_s"]
        if run.get("server_requests") is not None and resp > run["server_requests"]:
            run["overcount"] = resp - run["server_requests"]
        runs.append(run)
    return runs


# ---------------------------------------------------------------------------
# aggregation

METRICS = ("rps", "cpu_us", "user_us", "sys_us", "self_cpu_us", "syscalls_per_resp", "rss_mb",
           "responses", "errors_total", "nginx_cpu_us", "other_cpu_pct", "steal_pct")
RATIOS = (("cpu", "cpu_us"), ("user", "user_us"), ("rps", "rps"), ("rss", "rss_mb"),
          ("syscalls", "syscalls_per_resp"))
# (name, numerator tool, denominator tool)
PAIRS = (("tfw-bench/h2load", TFW, H2LOAD), ("tfw-bench/h2crate", TFW, H2CRATE),
         ("h2crate/h2load", H2CRATE, H2LOAD))


def aggregate(runs):
    cases = [c for c in CASES if any(r["case"] == c for r in runs)]
    tools = [t for t in TOOLS if any(r["tool"] == t for r in runs)]
    medians, ratio_rounds, ratio_medians = {}, {}, {}
    for c in cases:
        medians[c] = {}
        for tool in tools:
            ok = [r for r in runs if r["case"] == c and r["tool"] == tool and r["ok"]]
            if not any(r["case"] == c and r["tool"] == tool for r in runs):
                continue
            medians[c][tool] = {m: median([r.get(m) for r in ok]) for m in METRICS}
            medians[c][tool]["rounds_ok"] = len(ok)
        ratio_rounds[c], ratio_medians[c] = {}, {}
        for pair, num, den in PAIRS:
            rows = []
            for rnd in sorted({r["round"] for r in runs if r["case"] == c}):
                by = {r["tool"]: r for r in runs if r["case"] == c and r["round"] == rnd and r["ok"]}
                if num in by and den in by:
                    row = {"round": rnd}
                    for name, m in RATIOS:
                        a, b = by[num].get(m), by[den].get(m)
                        row[name] = a / b if a is not None and b else None
                    rows.append(row)
            if rows:
                ratio_rounds[c][pair] = rows
                ratio_medians[c][pair] = {name: median([row[name] for row in rows]) for name, _ in RATIOS}
    return cases, tools, medians, ratio_rounds, ratio_medians


def check_targets(cases, ratio_medians):
    out = []
    for c in cases:
        v = (ratio_medians[c].get("tfw-bench/h2load") or {}).get("cpu")
        status = "n/a" if v is None else ("met" if v <= CPU_TARGET else "NOT met")
        out.append({"target": "client CPU per response, tfw-bench/h2load", "case": c, "value": v,
                    "limit": CPU_TARGET, "status": status,
                    "value_text": "n/a" if v is None else "%.3fx" % v})
    return out


# ---------------------------------------------------------------------------
# output

def median_table(cases, medians):
    rows = []
    for c in cases:
        for tool, m in medians[c].items():
            rows.append([c, tool, "%d" % m["rounds_ok"], fint(m["rps"]), f(m["cpu_us"]), f(m["user_us"]),
                         f(m["sys_us"]), f(m["self_cpu_us"]), f(m["syscalls_per_resp"], "%.3f"),
                         f(m["rss_mb"], "%.1f"), fint(m["errors_total"])])
    return table(["case", "tool", "rounds", "req/s", "client CPU us/resp", "user", "sys", "own getrusage us/resp",
                  "syscalls/resp", "peak RSS MB", "errors"],
                 ["---", "---"] + ["---:"] * 9, rows)


def ratio_table(cases, ratio_medians):
    rows = []
    for c in cases:
        for pair, r in ratio_medians[c].items():
            rows.append([c, pair, f(r["cpu"], "%.3f"), f(r["user"], "%.3f"), f(r["rps"], "%.3f"),
                         f(r["rss"], "%.3f"), f(r["syscalls"], "%.3f")])
    return table(["case", "ratio", "CPU/resp", "user CPU/resp", "req/s", "peak RSS", "syscalls/resp"],
                 ["---", "---"] + ["---:"] * 5, rows)


def round_table(runs):
    rows = []
    order = {t: i for i, t in enumerate(TOOLS)}
    corder = {c: i for i, c in enumerate(CASES)}
    for r in sorted(runs, key=lambda r: (corder.get(r["case"], 9), r["round"], order.get(r["tool"], 9))):
        notes = []
        if r["problem"]:
            notes.append("FAILED: " + r["problem"])
        if r.get("overcount"):
            notes.append("client counted %d more responses than nginx served" % r["overcount"])
        if not r["settled_before"]:
            notes.append("nginx still had connections open at start")
        if disturbed(r):
            notes.append(disturbed(r))
        rows.append([r["case"], "%d" % r["round"], r["tool"], "%d" % r["rc"], fint(r.get("responses")),
                     fint(r.get("rps")), f(r.get("cpu_us")), f(r.get("user_us")), f(r.get("sys_us")),
                     f(r.get("syscalls_per_resp"), "%.3f"), f(r.get("rss_mb"), "%.1f"),
                     fint(r.get("errors_total")), fint(r.get("server_requests")), f(r.get("nginx_cpu_us")),
                     "; ".join(notes)])
    return table(["case", "round", "tool", "exit", "responses", "req/s", "CPU us/resp", "user", "sys",
                  "syscalls/resp", "peak RSS MB", "errors", "nginx reqs", "nginx CPU us/req", "note"],
                 ["---", "---:", "---"] + ["---:"] * 11 + ["---"], rows)


def target_table(targets):
    rows = [[t["target"], t["case"], "<= %gx" % t["limit"], t["value_text"], t["status"]] for t in targets]
    return table(["target", "case", "limit", "median", "status"], ["---", "---", "---", "---:", "---"], rows)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, results_dir, stamp = sys.argv[1:]
    meta = read_meta(out_dir)
    global CLK_TCK
    CLK_TCK = int(meta.get("clk_tck") or 100)
    runs = load_runs(out_dir)
    if not runs:
        print("compare_h2load.py: no runs recorded in %s/runs.tsv" % out_dir, file=sys.stderr)
        return 1
    cases, tools, medians, ratio_rounds, ratio_medians = aggregate(runs)
    targets = check_targets(cases, ratio_medians)
    failed = [r for r in runs if not r["ok"]]
    busy = [r for r in runs if disturbed(r)]

    os.makedirs(results_dir, exist_ok=True)
    md_path = os.path.join(results_dir, "h2load-%s.md" % stamp)
    json_path = os.path.join(results_dir, "h2load-%s.json" % stamp)
    g = meta.get
    cmds = sorted((k, v) for k, v in meta.items() if k.startswith("cmd_"))
    md = ["# tfw-bench vs h2load (and the h2 crate) against nginx, %s" % g("date", stamp), "",
          "- git commit: `%s`" % g("git_commit", "?"),
          "- machine: kernel `%s`, CPU `%s`, nproc %s -- a **shared 2-core VM**: other agents build and"
          " test on the same two CPUs, so absolute figures are noisy; compare within a round" % (
              g("kernel", "?"), g("cpu_model", "?"), g("nproc", "?")),
          "- load average (/proc/loadavg) before: `%s`, after: `%s`" % (
              g("loadavg_before", "?"), g("loadavg_after", "?")),
          "- server: %s, one worker pinned to CPU %s" % (g("nginx_version", "?"), g("server_cpu", "?")),
          "- clients pinned to CPU %s (taskset): %s" % (g("client_cpu", "?"), "; ".join(
              v for v in (g("h2load_version"), g("tfw_version"), g("h2crate_version")) if v)),
          "- runs: cases `%s`, %s connections, %s streams each (HTTP/2), %s rounds of %s, tools in each"
          " round: `%s`" % (g("cases", "?"), g("conns", "?"), g("streams", "?"), g("rounds", "?"),
                            g("duration", "?"), g("tools", "?")),
          "- commands:"] + ["  - %s: `%s`" % (k[4:], v) for k, v in cmds] + [
          ("- measured with: `%s` around `/usr/bin/time -f '%%U %%S %%M'`" % g("perf_cmd")
           if g("perf") == "1" else
           "- measured with: `/usr/bin/time -f '%U %S %M'`; syscalls n/a (perf not used)"),
          "- raw output: `%s`" % g("out_dir_rel", out_dir),
          "",
          "Client CPU per response = (user + sys CPU of the client process, /usr/bin/time) / responses"
          " (h2load: succeeded requests). `own getrusage` is the figure tfw-bench and h2crate report"
          " themselves (cross-check). Ratios are taken within a round; medians are over rounds."
          " `nginx reqs` = requests nginx counted (stub_status) during the run.", ""]
    if busy:
        md += ["**Warning: the machine was not idle**: in %d of %d runs other processes (or the"
               " hypervisor's steal) took more than %d%% of a CPU just before or during the run (see the"
               " note column); those figures are disturbed." % (len(busy), len(runs), BUSY_PCT), ""]
    md += ["## Medians", ""] + median_table(cases, medians)
    if any(ratio_medians.values()):
        md += ["", "## Ratios (median of the per-round ratios)", ""] + ratio_table(cases, ratio_medians)
    md += ["", "## Targets", ""]
    if TFW in tools and H2LOAD in tools:
        md += target_table(targets)
    else:
        md += ["n/a: both h2load and tfw-bench must run (TOOLS=%s)." % g("tools", "?")]
    md += ["", "## Per round", ""] + round_table(runs)
    if failed:
        md += ["", "**%d run(s) failed**; see the raw output." % len(failed)]
    with open(md_path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(md) + "\n")

    doc = {"date": g("date"), "commit": g("git_commit"),
           "machine": {"kernel": g("kernel"), "cpu": g("cpu_model"), "cores": g("nproc"),
                       "note": "shared 2-core VM (other agents build and test on it)",
                       "loadavg_before": g("loadavg_before"), "loadavg_after": g("loadavg_after")},
           "meta": meta, "runs": runs, "medians": medians, "ratios_per_round": ratio_rounds,
           "ratio_medians": ratio_medians, "targets": targets, "failed_runs": len(failed)}
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")

    print("\n".join(median_table(cases, medians)))
    if any(ratio_medians.values()):
        print()
        print("\n".join(ratio_table(cases, ratio_medians)))
    print()
    if TFW in tools and H2LOAD in tools:
        print("Targets (medians):")
        for t in targets:
            print("  %-8s %-42s %-4s <= %gx  median %s" % (
                t["status"], t["target"], t["case"], t["limit"], t["value_text"]))
    else:
        print("Targets: n/a (both h2load and tfw-bench must run; TOOLS=%s)" % g("tools", "?"))
    if busy:
        print("WARNING: machine not idle in %d of %d runs (other processes or steal > %d%% of a CPU"
              " just before or during the run); figures disturbed" % (len(busy), len(runs), BUSY_PCT))
    for r in failed:
        print("FAILED run: %s %s round %d: %s (files %s.*)" % (
            r["tool"], r["case"], r["round"], r["problem"], os.path.join(out_dir, r["files"])))
    print()
    print("results: %s" % md_path)
    print("         %s" % json_path)
    if failed:
        return 1
    if os.environ.get("TARGETS_STRICT") == "1" and any(t["status"] == "NOT met" for t in targets):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
