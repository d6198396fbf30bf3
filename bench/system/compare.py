#!/usr/bin/env python3
"""Runs the SIP benchmark (run.sh) on Kamailio and on Switchboard in one go, with the same
load, and prints both columns, the ratio and the goal for each figure.

usage: compare.py [--quick] [--rounds N] [--switchboard BINARY] [--floor BINARY] [--out DIR]
                  [-- extra run.sh options]

The fixed loads run --rounds times, the proxies taking turns (Kamailio, Switchboard, floor,
then Switchboard first in the next round), each on a fresh process; then each proxy climbs the
ladders once. On a shared machine one proxy's figure moves from run to run by more than the
difference being measured, and neighbours in time see the same machine: each round's ratio
pairs figures taken minutes apart, and the table shows the medians, with every round below it.
A fixed load's CPU is read once the proxy's own transactions have ended (SETTLE_S).

With --floor (make bench builds it), a third column shows floor/udp_floor.c under the same fixed
loads, without the ladders: a process that only relays each datagram, the kernel's share of
every figure, which neither proxy can go under.

The goals (bench/README.md): CPU per call and per REGISTER at most half of Kamailio's, the
highest clean call rate at least Kamailio's, INVITE→180 p99 at most Kamailio's.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# metric, label, phase (fixed loads or ladders), goal as (comparison, factor) of switchboard vs
# kamailio
ROWS = [
    ("cpu_us_per_call", "proxy CPU-µs per call @fixed rate", "fixed", ("<=", 0.5)),
    ("cpu_us_per_register", "proxy CPU-µs per REGISTER @fixed rate", "fixed", ("<=", 0.5)),
    ("max_clean_cps", "max clean calls/s (ladder)", "ladder", (">=", 1.0)),
    ("invite_to_180_p50_ms", "INVITE→180 p50 ms", "fixed", None),
    ("invite_to_180_p99_ms", "INVITE→180 p99 ms", "fixed", ("<=", 1.0)),
    ("invite_to_200_p99_ms", "INVITE→200 p99 ms", "fixed", None),
    ("register_p99_ms", "REGISTER→200 p99 ms", "fixed", None),
    ("max_clean_reg_per_s", "max clean REGISTER/s (ladder)", "ladder", None),
    ("pss_kb_after_fixed_loads", "memory (PSS KiB) after fixed loads", "fixed", None),
    ("pss_kb_end", "memory (PSS KiB) after the ladders", "ladder", None),
]
FIXED_PHASES = ["calls", "reg"]
# Seconds each proxy's transactions outlive the load that made them, plus a margin: a fixed
# load's CPU is read that long after it ends (and it starts that long after the warm-up), so
# that its window holds the end of every transaction it made and none of an earlier load's.
# Kamailio's tm keeps a finished transaction wait_timeout (5 s by default); Switchboard keeps
# them as RFC 3261 says for UDP, 64*T1 = 32 s (Timers J, L and M); the floor keeps nothing.
SETTLE_S = {"kamailio": 8, "switchboard": 36, "floor": 2}
LADDER_PHASES = ["ladder", "regladder"]


def load(path):
    by = {}
    with open(os.path.join(path, "results.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                o = json.loads(line)
                by.setdefault(o.get("metric"), o)
    return by


def split_skip(extra):
    """`extra` without its --skip options, and the phases they name."""
    out, skip = [], []
    i = 0
    while i < len(extra):
        if extra[i] == "--skip" and i + 1 < len(extra):
            skip += extra[i + 1].split(",")
            i += 2
            continue
        if extra[i].startswith("--skip="):
            skip += extra[i][len("--skip="):].split(",")
        else:
            out.append(extra[i])
        i += 1
    return out, [p for p in skip if p]


def with_skip(extra, phases):
    """`extra` with `phases` added to its --skip list: run.sh reads only the last --skip given."""
    out, skip = split_skip(extra)
    skip = list(dict.fromkeys(skip + list(phases)))
    return out + ["--skip", ",".join(skip)]


def run(name, port, command, out, extra):
    path = os.path.join(out, name)
    cmd = [os.path.join(HERE, "run.sh"), "--name", name, "--port", str(port), "--out", path] + extra + ["--"] + command
    print("== %s: %s" % (name, " ".join(cmd)), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return load(path).get("summary", {})


def number(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(kam, sb):
    return sb / kam if kam is not None and sb is not None and kam else None


def verdict(goal, r):
    if goal is None or r is None:
        return ""
    op, factor = goal
    ok = r <= factor if op == "<=" else r >= factor
    return "%s %s× Kamailio: %s" % (op, factor, "met" if ok else "NOT met")


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float):
        return "%.3f" % v if abs(v) < 10 else "%.0f" % v
    return str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="short loads, no ladders (about two minutes a round)")
    ap.add_argument("--switchboard", default=os.path.join(ROOT, "build-release/apps/switchboard/switchboard"))
    ap.add_argument("--store", default="sqlite", choices=["sqlite", "memory"])
    ap.add_argument("--workers", default="0")
    ap.add_argument("--rounds", type=int, default=3,
                    help="times the fixed loads run, the proxies taking turns (medians shown)")
    ap.add_argument("--floor", default=None, help="udp_floor binary: adds the floor column")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results", time.strftime("%Y%m%d-%H%M%S")))
    ap.add_argument("extra", nargs="*", help="run.sh options (a --settle here replaces the per-proxy one)")
    args = ap.parse_args()
    extra = list(args.extra)
    if args.quick:
        extra += ["--warmup-calls", "1000", "--cpu-calls", "5000", "--reg-calls", "5000", "--skip", "ladder,regladder"]
    os.makedirs(args.out, exist_ok=True)
    sb_cmd = [args.switchboard, "run", "--listen", "udp:127.0.0.1:{PORT}", "--log-level", "warn",
              "--data-dir", "{WORK}/var", "--location-store", args.store, "--workers", args.workers,
              "--config", os.path.join(HERE, "switchboard.toml")]
    proxies = [("kamailio", 5060, [os.path.join(HERE, "kamailio/start.sh")]),
               ("switchboard", 5062, sb_cmd)]
    if args.floor:
        proxies.append(("floor", 5064, [args.floor, "{PORT}", "5101"]))

    fixed = {name: [] for name, _, _ in proxies}
    for r in range(1, args.rounds + 1):
        order = proxies if r % 2 else [proxies[1], proxies[0]] + proxies[2:]
        for name, port, command in order:
            fixed[name].append(run("%s-r%d" % (name, r), port, command, args.out,
                                   ["--settle", str(SETTLE_S[name])] + with_skip(extra, LADDER_PHASES)))
    # The ladders measure the load generators more than a relay: the floor has none.
    ladder = {}
    if not set(LADDER_PHASES) <= set(split_skip(extra)[1]):
        ladder = {name: run(name + "-ladders", port, command, args.out, with_skip(extra, FIXED_PHASES))
                  for name, port, command in proxies[:2]}

    def values(name, key, phase):
        if phase == "ladder":
            return [number(ladder.get(name, {}).get(key))]
        return [number(o.get(key)) for o in fixed[name]]

    rows, rounds = [], []
    for key, label, phase, goal in ROWS:
        k, s = values("kamailio", key, phase), values("switchboard", key, phase)
        # Paired: each round's ratio compares figures taken minutes apart.
        r = median([ratio(a, b) for a, b in zip(k, s)])
        row = (label, fmt(median(k)), fmt(median(s)), fmt(r), verdict(goal, r))
        if args.floor:
            row += (fmt(median(values("floor", key, phase))) if phase == "fixed" else "",)
        rows.append(row)
        if phase == "fixed" and args.rounds > 1:
            f = values("floor", key, phase) if args.floor else [None] * len(k)
            rounds.append("- %s: %s" % (label, "; ".join(
                "%s / %s%s (%s)" % (fmt(a), fmt(b), " / " + fmt(c) if args.floor else "", fmt(ratio(a, b)))
                for a, b, c in zip(k, s, f))))
    header = "| figure | Kamailio 5.6 | Switchboard | ratio | goal |"
    if args.floor:
        header += " floor |"
    text = [header, "|---" * header.count(" | ") + "|---|"]
    text += ["| %s |" % " | ".join(r) for r in rows]
    text.append("")
    if rounds:
        text.append("Medians of %d rounds of the fixed loads; the ratio is the median of the rounds' "
                    "ratios. Each round, Kamailio / Switchboard%s (ratio):" %
                    (args.rounds, " / floor" if args.floor else ""))
        text += rounds
        text.append("")
    text.append("Switchboard: store=%s, workers=%s. Results: %s" % (args.store, args.workers, args.out))
    print("\n".join(text))
    with open(os.path.join(args.out, "comparison.md"), "w") as f:
        f.write("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
