#!/usr/bin/env python3
"""Benchmark (not a test): latency accuracy of tfw-bench against wrk.

The built-in target answers every request after a fixed delay (default 1 ms), pinned to
SERVER_CPU; the clients run pinned to CLIENT_CPU at a moderate load. How far above the delay
do the reported p50 and p99 sit? The goal: tfw-bench adds less than 50 µs at p99, and no more
than wrk at the same load.

Runs per round, in this order (the same target process for all):
  wrk        closed loop, -t1 -c CONNS (wrk has no fixed-rate mode)
  tfw-closed closed loop, -c CONNS --batch-wait 0 (each response stamped as it arrives)
  tfw-rate   open loop at RATE requests/s (default: 90 % of wrk's measured rate, so the
             load matches), -c RATE_CONNS; latency from the intended send (corrected)

    python3 bench/accuracy.py                 # 3 rounds of 10 s, ~2 min
    ROUNDS=1 DURATION=3 python3 bench/accuracy.py   # smoke run

Env: DELAY=1ms CONNS=2 RATE=(auto) RATE_CONNS=16 ROUNDS=3 DURATION=10 SERVER_CPU=0
CLIENT_CPU=1 TFW=target/release/tfw-bench WRK=wrk RESULTS_DIR=bench/results
Writes RESULTS_DIR/accuracy-YYYY-MM-DD-HHMM.{md,json} (date, commit, machine, every run and
the medians) and prints the table.
"""

import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TFW = os.environ.get("TFW", os.path.join(ROOT, "target/release/tfw-bench"))
WRK = os.environ.get("WRK", "wrk")
DELAY = os.environ.get("DELAY", "1ms")
CONNS = int(os.environ.get("CONNS", "2"))
RATE = os.environ.get("RATE")
RATE_CONNS = int(os.environ.get("RATE_CONNS", "16"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("DURATION", "10"))
SERVER_CPU = os.environ.get("SERVER_CPU", "0")
CLIENT_CPU = os.environ.get("CLIENT_CPU", "1")
RESULTS_DIR = os.environ.get("RESULTS_DIR", os.path.join(ROOT, "bench/results"))
GOAL_P99_ADDED_US = 50.0


def die(msg):
    print(f"accuracy: ERROR: {msg}", file=sys.stderr)
    sys.exit(1)


def delay_us(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(us|ms|s)", text)
    if not m:
        die(f"DELAY={text}: use e.g. 1ms or 500us")
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]


def wrk_time_us(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"wrk time {text!r}")
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6, "m": 6e7}[m.group(2)]


def run_wrk(url):
    cmd = ["taskset", "-c", CLIENT_CPU, WRK, "-t1", f"-c{CONNS}", f"-d{DURATION}s",
           "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=DURATION + 60)
    if out.returncode != 0:
        die(f"wrk failed: {out.stderr.strip()}")
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out.stdout, re.M))
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out.stdout, re.M)
    if "50" not in pct or "99" not in pct or not rps:
        die(f"cannot read wrk's output:\n{out.stdout}")
    return {"p50_us": wrk_time_us(pct["50"]), "p99_us": wrk_time_us(pct["99"]),
            "rps": float(rps.group(1))}


def run_tfw(url, extra):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    cmd = [TFW, "stress", url, "-d", f"{DURATION}s", "--cpus", CLIENT_CPU, "-q",
           "--json", path] + extra
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=DURATION + 60)
    if out.returncode != 0:
        die(f"tfw-bench failed ({' '.join(cmd)}):\n{out.stdout}{out.stderr}")
    with open(path) as f:
        d = json.load(f)
    os.unlink(path)
    errors = sum(d["errors"].values())
    r = {"p50_us": d["latency_us"]["p50"], "p99_us": d["latency_us"]["p99"],
         "rps": d["rps"], "errors": errors}
    if "latency_uncorrected_us" in d:
        r["uncorrected_p50_us"] = d["latency_uncorrected_us"]["p50"]
        r["uncorrected_p99_us"] = d["latency_uncorrected_us"]["p99"]
        r["late"] = d["rate"]["late"]
    return r


def commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip() or None
    except OSError:
        return None


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            model = m.group(1) if m else ""
    except OSError:
        pass
    return {"kernel": platform.release(), "cpu": model, "cores": os.cpu_count()}


def main():
    for tool in ("taskset", WRK):
        if not shutil.which(tool):
            die(f"{tool} not found (apt-get install util-linux wrk)")
    if not os.access(TFW, os.X_OK):
        die(f"{TFW} not built (cargo build --release)")
    d_us = delay_us(DELAY)
    server = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, TFW, "serve", "--listen", "127.0.0.1:0", "--announce",
         "--delay", DELAY, "--cpus", SERVER_CPU],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("listening "):
            die(f"the built-in target did not start: {line!r}")
        url = f"http://{line.split()[1]}/"
        runs = {"wrk": [], "tfw-closed": [], "tfw-rate": []}
        for rnd in range(ROUNDS):
            w = run_wrk(url)
            runs["wrk"].append(w)
            runs["tfw-closed"].append(run_tfw(url, ["-c", str(CONNS), "--batch-wait", "0"]))
            rate = float(RATE) if RATE else max(10.0, round(w["rps"] * 0.9, -1))
            r = run_tfw(url, ["-R", str(rate), "-c", str(RATE_CONNS)])
            r["rate"] = rate
            runs["tfw-rate"].append(r)
            print(f"round {rnd + 1}/{ROUNDS}: " + ", ".join(
                f"{k} p50 {v[-1]['p50_us']:.0f}us p99 {v[-1]['p99_us']:.0f}us"
                for k, v in runs.items()), file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)

    med = {}
    for k, v in runs.items():
        med[k] = {m: statistics.median(x[m] for x in v) for m in ("p50_us", "p99_us", "rps")}
        med[k]["p50_added_us"] = med[k]["p50_us"] - d_us
        med[k]["p99_added_us"] = med[k]["p99_us"] - d_us
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    doc = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "commit": commit(),
           "machine": machine(), "delay_us": d_us, "conns": CONNS, "rate_conns": RATE_CONNS,
           "duration_s": DURATION, "rounds": ROUNDS, "server_cpu": SERVER_CPU,
           "client_cpu": CLIENT_CPU, "runs": runs, "medians": med,
           "goal": f"tfw-bench adds < {GOAL_P99_ADDED_US:.0f} us at p99"}
    lines = [
        f"# Latency accuracy, {doc['date']} (commit {doc['commit']})",
        "",
        f"Built-in target with a fixed {DELAY} delay on CPU {SERVER_CPU}, clients on CPU "
        f"{CLIENT_CPU}; {ROUNDS} round(s) of {DURATION} s; medians. Machine: "
        f"{doc['machine']['cpu']}, {doc['machine']['cores']} cores, kernel "
        f"{doc['machine']['kernel']}.",
        "",
        "| client | load | req/s | p50 | p99 | added at p50 | added at p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    loads = {"wrk": f"closed loop, {CONNS} conns", "tfw-closed": f"closed loop, {CONNS} conns",
             "tfw-rate": f"open loop {runs['tfw-rate'][0]['rate']:.0f}/s, {RATE_CONNS} conns"}
    for k, m in med.items():
        lines.append(f"| {k} | {loads[k]} | {m['rps']:.0f} | {m['p50_us']:.0f} µs | "
                     f"{m['p99_us']:.0f} µs | {m['p50_added_us']:.0f} µs | "
                     f"{m['p99_added_us']:.0f} µs |")
    best = min(med["tfw-closed"]["p99_added_us"], med["tfw-rate"]["p99_added_us"])
    lines += ["", f"Goal: tfw-bench adds < {GOAL_P99_ADDED_US:.0f} µs at p99: "
              f"{'met' if best < GOAL_P99_ADDED_US else 'NOT met'} "
              f"(best {best:.0f} µs; wrk {med['wrk']['p99_added_us']:.0f} µs)."]
    text = "\n".join(lines) + "\n"
    os.makedirs(RESULTS_DIR, exist_ok=True)
    base = os.path.join(RESULTS_DIR, f"accuracy-{stamp}")
    with open(base + ".json", "w") as f:
        json.dump(doc, f, indent=2)
    with open(base + ".md", "w") as f:
        f.write(text)
    print(text)
    print(f"written {base}.md and .json", file=sys.stderr)


if __name__ == "__main__":
    main()
