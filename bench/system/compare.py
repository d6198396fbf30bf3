#!/usr/bin/env python3
"""Runs the SIP benchmark (run.sh) on Kamailio and on Switchboard in one go, with the same
load, and prints both columns, the ratio and the goal for each figure.

usage: compare.py [--quick] [--switchboard BINARY] [--floor BINARY] [--out DIR] [-- extra run.sh options]

With --floor (make bench builds it), a third column shows floor/udp_floor.c under the same fixed
loads, without the ladders: a process that only relays each datagram, the kernel's share of
every figure, which neither proxy can go under.

The goals (bench/README.md): CPU per call and per REGISTER at most half of Kamailio's, the
highest clean call rate at least Kamailio's, INVITE→180 p99 at most Kamailio's.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# metric, label, source record, goal as (comparison, factor) of switchboard vs kamailio
ROWS = [
    ("cpu_us_per_call", "proxy CPU-µs per call @fixed rate", "summary", ("<=", 0.5)),
    ("cpu_us_per_register", "proxy CPU-µs per REGISTER @fixed rate", "summary", ("<=", 0.5)),
    ("max_clean_cps", "max clean calls/s (ladder)", "summary", (">=", 1.0)),
    ("invite_to_180_p50_ms", "INVITE→180 p50 ms", "summary", None),
    ("invite_to_180_p99_ms", "INVITE→180 p99 ms", "summary", ("<=", 1.0)),
    ("invite_to_200_p99_ms", "INVITE→200 p99 ms", "summary", None),
    ("register_p99_ms", "REGISTER→200 p99 ms", "summary", None),
    ("max_clean_reg_per_s", "max clean REGISTER/s (ladder)", "summary", None),
    ("pss_kb_after_fixed_loads", "memory (PSS KiB) after fixed loads", "summary", None),
    ("pss_kb_end", "memory (PSS KiB) at end", "summary", None),
]


def load(path):
    by = {}
    with open(os.path.join(path, "results.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                o = json.loads(line)
                by.setdefault(o.get("metric"), o)
    return by


def run(name, port, command, out, extra):
    path = os.path.join(out, name)
    cmd = [os.path.join(HERE, "run.sh"), "--name", name, "--port", str(port), "--out", path] + extra + ["--"] + command
    print("== %s: %s" % (name, " ".join(cmd)), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return load(path)


def verdict(goal, kam, sb):
    if goal is None or not isinstance(kam, (int, float)) or not isinstance(sb, (int, float)) or kam == 0:
        return ""
    op, factor = goal
    ok = sb <= kam * factor if op == "<=" else sb >= kam * factor
    return "%s %s× Kamailio: %s" % (op, factor, "met" if ok else "NOT met")


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float):
        return "%.3f" % v if abs(v) < 10 else "%.0f" % v
    return str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="short loads, no ladders (a few minutes)")
    ap.add_argument("--switchboard", default=os.path.join(ROOT, "build-release/apps/switchboard/switchboard"))
    ap.add_argument("--store", default="sqlite", choices=["sqlite", "memory"])
    ap.add_argument("--workers", default="0")
    ap.add_argument("--floor", default=None, help="udp_floor binary: adds the floor column")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results", time.strftime("%Y%m%d-%H%M%S")))
    ap.add_argument("extra", nargs="*")
    args = ap.parse_args()
    extra = list(args.extra)
    if args.quick:
        extra += ["--warmup-calls", "1000", "--cpu-calls", "5000", "--reg-calls", "5000", "--skip", "ladder,regladder"]
    os.makedirs(args.out, exist_ok=True)
    kam = run("kamailio", 5060, [os.path.join(HERE, "kamailio/start.sh")], args.out, extra)
    sb_cmd = [args.switchboard, "run", "--listen", "udp:127.0.0.1:{PORT}", "--log-level", "warn",
              "--data-dir", "{WORK}/var", "--location-store", args.store, "--workers", args.workers,
              "--config", os.path.join(HERE, "switchboard.toml")]
    sb = run("switchboard", 5062, sb_cmd, args.out, extra)
    floor = {}
    if args.floor:
        # The ladders measure the load generators more than a relay; the fixed loads suffice.
        floor = run("floor", 5064, [args.floor, "{PORT}", "5101"], args.out,
                    extra + ["--skip", "ladder,regladder"])

    rows = []
    for key, label, src, goal in ROWS:
        k = kam.get(src, {}).get(key)
        s = sb.get(src, {}).get(key)
        ratio = s / k if isinstance(k, (int, float)) and isinstance(s, (int, float)) and k else None
        row = (label, fmt(k), fmt(s), fmt(ratio), verdict(goal, k, s))
        if args.floor:
            row += (fmt(floor.get(src, {}).get(key)),)
        rows.append(row)
    header = "| figure | Kamailio 5.6 | Switchboard | ratio | goal |"
    if args.floor:
        header += " floor |"
    text = [header, "|---" * header.count(" | ") + "|---|"]
    text += ["| %s |" % " | ".join(r) for r in rows]
    text.append("")
    text.append("Switchboard: store=%s, workers=%s. Results: %s" % (args.store, args.workers, args.out))
    print("\n".join(text))
    with open(os.path.join(args.out, "comparison.md"), "w") as f:
        f.write("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
