"""What the formatters of the benchmark scripts (compare_wrk.py, compare_h2load.py,
compare_handshake.py) share: reading a run directory (meta.env, GNU time and perf stat
output), medians, the disturbance check, number formatting and Markdown tables (stdlib only).
"""

import os
import statistics


# ---------------------------------------------------------------------------
# parsing

def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


def read_meta(out_dir):
    meta = {}
    for line in (read(os.path.join(out_dir, "meta.env")) or "").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            meta[k.strip()] = v.strip()
    return meta


def parse_time(text):
    """Last line of /usr/bin/time -f '%U %S %M' (a failing command adds a
    'Command exited with non-zero status N' line before it)."""
    if not text:
        return None
    for line in reversed(text.strip().splitlines()):
        parts = line.split()
        if len(parts) == 3:
            try:
                return {"user_s": float(parts[0]), "sys_s": float(parts[1]),
                        "maxrss_kib": int(parts[2])}
            except ValueError:
                continue
    return None


def parse_perf(text):
    """perf stat -x, output: value,unit,event,run-time,pct,..."""
    if not text:
        return None
    res = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        f = line.split(",")
        if len(f) < 3:
            continue
        ev = f[2].split(":u")[0] if f[2].endswith(":u") else f[2]
        try:
            val = float(f[0])
        except ValueError:  # <not counted>, <not supported>
            continue
        if ev.startswith("raw_syscalls:sys_enter"):
            res["syscalls"] = int(val)
        elif ev.startswith("task-clock"):
            res["task_clock_ms"] = val
    return res or None


def sum_numbers(x):
    if isinstance(x, bool):
        return 0
    if isinstance(x, (int, float)):
        return x
    if isinstance(x, dict):
        return sum(sum_numbers(v) for v in x.values())
    if isinstance(x, list):
        return sum(sum_numbers(v) for v in x)
    return 0


# ---------------------------------------------------------------------------
# aggregation

BUSY_PCT = 10  # background load (% of a CPU) above which a run is flagged as disturbed


def disturbed(r):
    """Why a run's figures are not clean, or ''."""
    why = []
    if (r.get("bg_busy_pct") or 0) > BUSY_PCT:
        why.append("CPUs %d%% busy with other work before the run" % r["bg_busy_pct"])
    if (r.get("other_cpu_pct") or 0) > BUSY_PCT:
        why.append("other processes used %.0f%% of a CPU during the run" % r["other_cpu_pct"])
    if (r.get("steal_pct") or 0) > BUSY_PCT:
        why.append("hypervisor stole %.0f%% of a CPU during the run" % r["steal_pct"])
    return "; ".join(why)


def median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


# ---------------------------------------------------------------------------
# output

def f(v, fmt="%.2f"):
    return "n/a" if v is None else fmt % v


def fint(v):
    return "n/a" if v is None else "{:,}".format(int(round(v)))


def fmt(x, spec=",.0f"):
    """`x` with a format() spec, or n/a."""
    return "n/a" if x is None else format(x, spec)


def table(head, align, rows):
    """A Markdown table: the header cells, one alignment per column ("---", "---:"), and the
    rows (lists of cells, already formatted), as lines."""
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return lines
