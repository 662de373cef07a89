#!/usr/bin/env python3
"""Aggregate the raw runs of bench/compare-wrk.sh (stdlib only).

    compare_wrk.py OUT_DIR RESULTS_DIR STAMP

OUT_DIR holds meta.env (key=value lines), runs.tsv (one line per client run)
and, per run, BASE.out / BASE.err (client stdout/stderr), BASE.time
(/usr/bin/time -f '%U %S %M'), BASE.perf (perf stat -x, CSV, if perf works)
and, for tfw-bench, BASE.json (its --json report).

Writes RESULTS_DIR/wrk-STAMP.md and RESULTS_DIR/wrk-STAMP.json, prints the
median table and the target check. Exit status: 0, or 1 if some run failed,
or 3 if TARGETS_STRICT=1 and a target was not met.
"""

import json
import os
import re
import sys

from benchlib import (BUSY_PCT, disturbed, f, fint, median, parse_perf, parse_time, read,
                      read_meta, sum_numbers, table)

WRK = "wrk"
TFW = "tfw-bench"


# ---------------------------------------------------------------------------
# parsing

def parse_wrk(text):
    if not text:
        return None
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)\b", text)
    if not m:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[m.group(3)]
    res = {"responses": int(m.group(1)), "elapsed_s": float(m.group(2)) * scale}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    res["rps"] = float(m.group(1)) if m else (
        res["responses"] / res["elapsed_s"] if res["elapsed_s"] else None)
    errors = {}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors.update({k: int(v) for k, v in zip(("connect", "read", "write", "timeout"), m.groups())})
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors["non_2xx_3xx"] = int(m.group(1))
    res["errors"] = errors
    res["errors_total"] = sum(errors.values())
    return res


def parse_tfw(text):
    if not text:
        return None
    try:
        j = json.loads(text)
    except ValueError:
        return None
    if not isinstance(j, dict) or not isinstance(j.get("responses"), (int, float)):
        return None
    errors = j.get("errors") or {}
    return {"responses": int(j["responses"]),
            "rps": float(j["rps"]) if isinstance(j.get("rps"), (int, float)) else None,
            "errors": errors, "errors_total": sum_numbers(errors)}


CLK_TCK = 100


def load_runs(out_dir):
    runs = []
    tsv = read(os.path.join(out_dir, "runs.tsv")) or ""
    for line in tsv.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t") + [""] * 3
        tool, conns, rnd, rc, wall_s, base, srv_before, srv_after, idle, bg = fields[:10]
        busy_ticks, steal_ticks, nginx_ticks = fields[10:13]
        b = os.path.join(out_dir, base)
        run = {"tool": tool, "conns": int(conns), "round": int(rnd), "rc": int(rc),
               "wall_s": float(wall_s), "files": base, "ok": False, "problem": None}
        try:
            run["server_requests"] = int(srv_after) - int(srv_before) - 1
        except ValueError:
            run["server_requests"] = None
        run["settled_before"] = idle == "1"
        # % of the busier of the two CPUs used by other processes just before the run
        run["bg_busy_pct"] = int(bg) if bg.strip().isdigit() else None
        client = parse_wrk(read(b + ".out")) if tool == WRK else parse_tfw(read(b + ".json"))
        t = parse_time(read(b + ".time"))
        p = parse_perf(read(b + ".perf"))
        if client:
            run.update(client)
        if t:
            run.update(t)
        if p:
            run.update(p)
        resp = run.get("responses") or 0
        if run["rc"] != 0:
            run["problem"] = "exit status %d%s" % (run["rc"], " (timeout)" if run["rc"] in (124, 137) else "")
        elif client is None:
            run["problem"] = "no output to parse"
        elif t is None:
            run["problem"] = "no /usr/bin/time figures"
        elif resp <= 0:
            run["problem"] = "0 responses"
        else:
            run["ok"] = True
        if resp > 0 and t:
            run["cpu_us"] = (t["user_s"] + t["sys_s"]) * 1e6 / resp
            run["user_us"] = t["user_s"] * 1e6 / resp
            run["sys_us"] = t["sys_s"] * 1e6 / resp
            run["rss_mb"] = t["maxrss_kib"] / 1024.0
        if resp > 0 and p and "syscalls" in p:
            run["syscalls_per_resp"] = p["syscalls"] / resp
        # CPU time on the two CPUs during the run that was neither the client's
        # nor nginx's (other processes), and time the hypervisor stole, both in
        # % of one CPU; nginx's own CPU per request it served.
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
            # A client must not report more responses than nginx served.
            run["overcount"] = resp - run["server_requests"]
        runs.append(run)
    return runs


# ---------------------------------------------------------------------------
# aggregation

METRICS = ("rps", "cpu_us", "user_us", "sys_us", "syscalls_per_resp", "rss_mb", "responses", "errors_total",
           "nginx_cpu_us", "other_cpu_pct", "steal_pct")
RATIOS = (("cpu", "cpu_us"), ("user", "user_us"), ("rps", "rps"), ("rss", "rss_mb"),
          ("syscalls", "syscalls_per_resp"))


def aggregate(runs):
    conns_list = sorted({r["conns"] for r in runs})
    tools = [t for t in (WRK, TFW) if any(r["tool"] == t for r in runs)]
    medians, ratio_rounds, ratio_medians = {}, {}, {}
    for n in conns_list:
        medians[n] = {}
        for tool in tools:
            ok = [r for r in runs if r["conns"] == n and r["tool"] == tool and r["ok"]]
            medians[n][tool] = {m: median([r.get(m) for r in ok]) for m in METRICS}
            medians[n][tool]["rounds_ok"] = len(ok)
        rounds = sorted({r["round"] for r in runs if r["conns"] == n})
        ratio_rounds[n] = []
        for rnd in rounds:
            by = {r["tool"]: r for r in runs if r["conns"] == n and r["round"] == rnd and r["ok"]}
            if WRK in by and TFW in by:
                row = {"round": rnd}
                for name, m in RATIOS:
                    a, b = by[TFW].get(m), by[WRK].get(m)
                    row[name] = a / b if a is not None and b else None
                ratio_rounds[n].append(row)
        ratio_medians[n] = {name: median([row[name] for row in ratio_rounds[n]]) for name, _ in RATIOS}
    return conns_list, tools, medians, ratio_rounds, ratio_medians


def check_targets(conns_list, tools, medians, ratio_medians):
    """The spec's targets, judged on medians over rounds."""
    out = []

    def add(name, n, value, limit, ok_fn, fmt):
        if value is None:
            status = "n/a"
        else:
            status = "met" if ok_fn(value, limit) else "NOT met"
        out.append({"target": name, "conns": n, "value": value, "limit": limit, "status": status,
                    "value_text": "n/a" if value is None else fmt % value})

    have_tfw = TFW in tools
    have_both = have_tfw and WRK in tools
    for n in conns_list:
        rm = ratio_medians.get(n, {}) if have_both else {}
        tm = medians[n].get(TFW, {}) if have_tfw else {}
        limit = 0.7 if n < 1000 else 0.55
        add("client CPU per response, tfw-bench/wrk", n, rm.get("cpu"), limit,
            lambda v, l: v <= l, "%.3fx")
        add("syscalls per response (tfw-bench)", n, tm.get("syscalls_per_resp"), 0.05,
            lambda v, l: v <= l, "%.4f")
        add("user CPU per response, us (tfw-bench)", n, tm.get("user_us"), 0.3,
            lambda v, l: v <= l, "%.3f")
        add("req/s, tfw-bench/wrk", n, rm.get("rps"), 1.0, lambda v, l: v >= l, "%.3fx")
        if n == 10000:
            add("peak RSS, tfw-bench/wrk", n, rm.get("rss"), 1.0, lambda v, l: v <= l, "%.3fx")
    return out


# ---------------------------------------------------------------------------
# output

def limit_text(t):
    op = ">=" if t["target"].startswith("req/s") else "<="
    unit = "x" if "/wrk" in t["target"] else ""
    return "%s %g%s" % (op, t["limit"], unit)


def median_table(conns_list, tools, medians, ratio_medians):
    rows = []
    for n in conns_list:
        for tool in tools:
            m = medians[n][tool]
            rows.append(["{:,}".format(n), tool, "%d" % m["rounds_ok"], fint(m["rps"]), f(m["cpu_us"]),
                         f(m["user_us"]), f(m["sys_us"]), f(m["syscalls_per_resp"], "%.3f"),
                         f(m["rss_mb"], "%.1f"), fint(m["errors_total"])])
    lines = table(["conns", "tool", "rounds", "req/s", "client CPU us/resp", "user", "sys", "syscalls/resp",
                   "peak RSS MB", "errors"],
                  ["---:", "---"] + ["---:"] * 8, rows)
    if TFW in tools and WRK in tools:
        rows = []
        for n in conns_list:
            r = ratio_medians[n]
            rows.append(["{:,}".format(n), f(r["cpu"], "%.3f"), f(r["user"], "%.3f"), f(r["rps"], "%.3f"),
                         f(r["rss"], "%.3f"), f(r["syscalls"], "%.3f")])
        lines += ["", "Ratios tfw-bench / wrk (median of the per-round ratios):", ""]
        lines += table(["conns", "CPU/resp", "user CPU/resp", "req/s", "peak RSS", "syscalls/resp"],
                       ["---:"] * 6, rows)
    return lines


def round_table(runs):
    rows = []
    for r in sorted(runs, key=lambda r: (r["conns"], r["round"], r["tool"] != WRK)):
        notes = []
        if r["problem"]:
            notes.append("FAILED: " + r["problem"])
        if r.get("overcount"):
            notes.append("client counted %d more responses than nginx served" % r["overcount"])
        if not r["settled_before"]:
            notes.append("nginx still had connections open at start")
        if disturbed(r):
            notes.append(disturbed(r))
        rows.append(["{:,}".format(r["conns"]), "%d" % r["round"], r["tool"], "%d" % r["rc"],
                     fint(r.get("responses")), fint(r.get("rps")), f(r.get("cpu_us")), f(r.get("user_us")),
                     f(r.get("sys_us")), f(r.get("syscalls_per_resp"), "%.3f"), f(r.get("rss_mb"), "%.1f"),
                     fint(r.get("errors_total")), fint(r.get("server_requests")), f(r.get("nginx_cpu_us")),
                     "; ".join(notes)])
    return table(["conns", "round", "tool", "exit", "responses", "req/s", "CPU us/resp", "user", "sys",
                  "syscalls/resp", "peak RSS MB", "errors", "nginx reqs", "nginx CPU us/req", "note"],
                 ["---:", "---:", "---"] + ["---:"] * 11 + ["---"], rows)


def ratio_round_table(ratio_rounds):
    rows = []
    for n in sorted(ratio_rounds):
        for row in ratio_rounds[n]:
            rows.append(["{:,}".format(n), "%d" % row["round"], f(row["cpu"], "%.3f"), f(row["user"], "%.3f"),
                         f(row["rps"], "%.3f"), f(row["rss"], "%.3f"), f(row["syscalls"], "%.3f")])
    return table(["conns", "round", "CPU/resp", "user CPU/resp", "req/s", "peak RSS", "syscalls/resp"],
                 ["---:"] * 7, rows)


def target_table(targets):
    rows = [[t["target"], "{:,}".format(t["conns"]), limit_text(t), t["value_text"], t["status"]]
            for t in targets]
    return table(["target", "conns", "limit", "median", "status"], ["---", "---:", "---", "---:", "---"], rows)


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
        print("compare_wrk.py: no runs recorded in %s/runs.tsv" % out_dir, file=sys.stderr)
        return 1
    conns_list, tools, medians, ratio_rounds, ratio_medians = aggregate(runs)
    targets = check_targets(conns_list, tools, medians, ratio_medians)
    failed = [r for r in runs if not r["ok"]]

    os.makedirs(results_dir, exist_ok=True)
    md_path = os.path.join(results_dir, "wrk-%s.md" % stamp)
    json_path = os.path.join(results_dir, "wrk-%s.json" % stamp)

    g = meta.get
    md = ["# tfw-bench vs wrk against nginx, %s" % g("date", stamp), "",
          "- git commit: `%s`" % g("git_commit", "?"),
          "- machine: kernel `%s`, CPU `%s`, nproc %s, RLIMIT_NOFILE %s, tcp_tw_reuse %s" % (
              g("kernel", "?"), g("cpu_model", "?"), g("nproc", "?"), g("nofile", "?"), g("tcp_tw_reuse", "?")),
          "- server: %s, one worker pinned to CPU %s, `%s`" % (g("nginx_version", "?"), g("server_cpu", "?"), g("url", "?")),
          "- clients pinned to CPU %s: %s; %s" % (g("client_cpu", "?"), g("wrk_version", "n/a"), g("tfw_version", "n/a")),
          "- runs: conns `%s`, %s rounds of %s, tools in each round: `%s`" % (
              g("conns", "?"), g("rounds", "?"), g("duration", "?"), g("tools", "?")),
          "- commands: %s" % " and ".join("`%s`" % c for c in (g("wrk_cmd"), g("tfw_cmd")) if c),
          ("- measured with: `%s` around `/usr/bin/time -f '%%U %%S %%M'`" % g("perf_cmd")
           if g("perf") == "1" else
           "- measured with: `/usr/bin/time -f '%U %S %M'`; syscalls n/a (perf could not count them)"),
          "- raw output: `%s`" % g("out_dir_rel", out_dir),
          "",
          "Client CPU per response = (user + sys CPU of the client process) / responses."
          " Ratios are tfw-bench / wrk within a round; medians are over rounds."
          " `nginx reqs` = requests nginx counted (stub_status) during the run: a client may"
          " show fewer (requests in flight when it stopped), never more.", "",
          ]
    busy = [r for r in runs if disturbed(r)]
    if busy:
        md += ["**Warning: the machine was not idle**: in %d of %d runs other processes (or the"
               " hypervisor's steal) took more than %d%% of a CPU just before or during the run (see the"
               " note column); those figures are disturbed." % (len(busy), len(runs), BUSY_PCT), ""]
    md += ["## Medians", ""]
    md += median_table(conns_list, tools, medians, ratio_medians)
    md += ["", "## Targets", ""]
    if TFW in tools and WRK in tools:
        md += target_table(targets)
    else:
        md += ["n/a: both wrk and tfw-bench must run (TOOLS=%s)." % g("tools", "?")]
    md += ["", "## Per round", ""] + round_table(runs)
    if any(ratio_rounds.values()):
        md += ["", "Ratios tfw-bench / wrk per round:", ""] + ratio_round_table(ratio_rounds)
    if failed:
        md += ["", "**%d run(s) failed**; see the raw output." % len(failed)]
    with open(md_path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(md) + "\n")

    doc = {"meta": meta, "runs": runs,
           "medians": {str(n): medians[n] for n in conns_list},
           "ratios_per_round": {str(n): ratio_rounds[n] for n in conns_list},
           "ratio_medians": {str(n): ratio_medians[n] for n in conns_list},
           "targets": targets, "failed_runs": len(failed)}
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")

    print("\n".join(median_table(conns_list, tools, medians, ratio_medians)))
    print()
    if TFW in tools and WRK in tools:
        print("Targets (medians):")
        for t in targets:
            print("  %-8s %-42s conns %6s  %-8s median %s" % (
                t["status"], t["target"], "{:,}".format(t["conns"]), limit_text(t), t["value_text"]))
    else:
        print("Targets: n/a (both wrk and tfw-bench must run; TOOLS=%s)" % g("tools", "?"))
    if busy:
        print("WARNING: machine not idle in %d of %d runs (other processes or steal > %d%% of a CPU"
              " just before or during the run); figures disturbed" % (len(busy), len(runs), BUSY_PCT))
    for r in failed:
        print("FAILED run: %s conns %d round %d: %s (files %s.*)" % (
            r["tool"], r["conns"], r["round"], r["problem"], os.path.join(out_dir, r["files"])))
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
