#!/usr/bin/env python3
"""Formats a bench/compare-check.sh run: reads OUT (meta.env, runs.tsv, each run's .out and
GNU time .time) and writes RESULTS_DIR/check-STAMP.{md,json}: checked exchanges per second of
`tfw-bench check` and of the Python deproxy-style baseline (and their ratio), CPU per
exchange, and the smoke pack's wall time over http:// and https://, medians over the rounds,
against issue 11's targets (3,000 exchanges/s on one core; smoke pack under 2 s).

    compare_check.py OUT RESULTS_DIR STAMP
"""

import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def summary(text):
    """(passed, failed, skipped) of check's last summary line, or None."""
    for line in reversed((text or "").splitlines()):
        m = re.match(r"(\d+) passed, (\d+) failed(?:, (\d+) skipped)?", line.strip())
        if m:
            return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    return None


def baseline_line(text):
    m = re.search(r"exchanges=(\d+) failed=(\d+) wall_s=([\d.]+)", text or "")
    return (int(m.group(1)), int(m.group(2)), float(m.group(3))) if m else None


def main():
    out_dir, results_dir, stamp = sys.argv[1:4]
    meta = benchlib.read_meta(out_dir)
    total = int(meta.get("total", "0"))
    runs = []
    for line in (benchlib.read(os.path.join(out_dir, "runs.tsv")) or "").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        tool, rnd, rc, wall, base, bg = (line.split("\t") + [""] * 6)[:6]
        out = benchlib.read(os.path.join(out_dir, base + ".out"))
        t = benchlib.parse_time(benchlib.read(os.path.join(out_dir, base + ".time")))
        run = {"tool": tool, "round": int(rnd), "rc": int(rc), "wall_s": float(wall),
               "bg_busy_pct": int(bg) if bg.isdigit() else None, "time": t}
        if tool == "baseline":
            b = baseline_line(out)
            run["failed"] = b[1] if b else None
            run["exchanges"] = b[0] if b else 0
        else:
            s = summary(out)
            run["passed"], run["failed"], run["skipped"] = s if s else (None, None, None)
            run["exchanges"] = total if tool == "check" else None
        if run["exchanges"]:
            run["exchanges_per_s"] = run["exchanges"] / run["wall_s"]
            if t:
                run["cpu_us_per_exchange"] = (t["user_s"] + t["sys_s"]) * 1e6 / run["exchanges"]
        runs.append(run)

    def med(tool, key):
        vals = [r[key] for r in runs if r["tool"] == tool and r.get(key) is not None]
        return statistics.median(vals) if vals else None

    ok = lambda tool: all(r["rc"] == 0 and not r.get("failed") for r in runs if r["tool"] == tool)
    check_rate, base_rate = med("check", "exchanges_per_s"), med("baseline", "exchanges_per_s")
    ratio = check_rate / base_rate if check_rate and base_rate else None
    smoke_http, smoke_https = med("smoke-http", "wall_s"), med("smoke-https", "wall_s")
    targets = {
        "check_exchanges_per_s_ge_3000": bool(check_rate and check_rate >= 3000 and ok("check")),
        "smoke_http_wall_lt_2s": bool(smoke_http and smoke_http < 2 and ok("smoke-http")),
        "smoke_https_wall_lt_2s": bool(smoke_https and smoke_https < 2 and ok("smoke-https")),
    }
    doc = {"meta": meta, "runs": runs, "medians": {
        "check_exchanges_per_s": check_rate, "baseline_exchanges_per_s": base_rate,
        "ratio_check_over_baseline": ratio,
        "check_cpu_us_per_exchange": med("check", "cpu_us_per_exchange"),
        "baseline_cpu_us_per_exchange": med("baseline", "cpu_us_per_exchange"),
        "smoke_http_wall_s": smoke_http, "smoke_https_wall_s": smoke_https}, "targets": targets}
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, f"check-{stamp}.json"), "w") as f:
        json.dump(doc, f, indent=2)

    fmt = lambda v, d=0: "n/a" if v is None else f"{v:,.{d}f}"
    smoke_counts = lambda tool: next((f"{r['passed']} passed, {r['failed']} failed, {r['skipped']} skipped"
                                      for r in runs if r["tool"] == tool and r.get("passed") is not None), "n/a")
    md = [f"# tfw-bench check through nginx as a reverse proxy, {meta.get('date', '')}", "",
          f"- git commit: `{meta.get('git_commit', 'unknown')}`",
          f"- machine: kernel `{meta.get('kernel', '')}`, CPU `{meta.get('cpu_model', '')}`, nproc {meta.get('nproc', '')}",
          f"- proxy: {meta.get('nginx_version', '')}, one worker on CPU {meta.get('server_cpu', '')}, "
          f"`{meta.get('proxy', '')}` (TLS `{meta.get('proxy_tls', '')}`) -> backend `{meta.get('backend', '')}` "
          "(tools/peers/nginx-proxy.conf)",
          f"- clients on CPU {meta.get('client_cpu', '')}: {meta.get('tfw_version', '')} (one worker, `--cpu`); "
          f"baseline {meta.get('python_version', '')} bench/scripts/check_baseline.py",
          f"- exchanges: {meta.get('cases', '')} cases x {meta.get('exch', '')} = {total} per run "
          f"(send, response status and body, `expect = \"forwarded\"` with profile nginx); "
          f"`--parallel {meta.get('parallel', '')}`; {meta.get('rounds', '')} rounds",
          f"- commands: `{meta.get('tfw_cmd', '')}`; `{meta.get('baseline_cmd', '')}`; `{meta.get('smoke_cmd', '')}`",
          f"- raw output: `{meta.get('out_dir_rel', '')}`"]
    if meta.get("note"):
        md.append(f"- note: {meta['note']}")
    md += ["", "Exchanges/s = exchanges / the process's wall time (start-up included). CPU = user + sys "
           "of the process (GNU time) per exchange.", "",
           "| run | rounds | exchanges/s | CPU us/exchange | wall s | result |", "|---|---:|---:|---:|---:|---|"]
    for tool in ["check", "baseline", "smoke-http", "smoke-https"]:
        rs = [r for r in runs if r["tool"] == tool]
        if not rs:
            continue
        res = "ok" if ok(tool) else "FAILED (see raw output)"
        if tool.startswith("smoke"):
            res = f"{smoke_counts(tool)}; {res}"
        md.append(f"| {tool} | {len(rs)} | {fmt(med(tool, 'exchanges_per_s'))} | "
                  f"{fmt(med(tool, 'cpu_us_per_exchange'))} | {fmt(med(tool, 'wall_s'), 3)} | {res} |")
    md += ["", f"Ratio check / baseline (exchanges/s): **{fmt(ratio, 1)}x**", "", "Targets (issue 11):"]
    for k, v in targets.items():
        md.append(f"- {k}: {'met' if v else 'NOT met'}")
    busy = [r for r in runs if (r.get("bg_busy_pct") or 0) > 10]
    if busy:
        md += ["", f"**Warning: the machine was not idle** before {len(busy)} of {len(runs)} runs (other work over 10 % of a CPU)."]
    text = "\n".join(md) + "\n"
    with open(os.path.join(results_dir, f"check-{stamp}.md"), "w") as f:
        f.write(text)
    print(text)
    bad = [t for t in ["check", "baseline", "smoke-http", "smoke-https"] if not ok(t)]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
