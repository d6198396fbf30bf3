#!/usr/bin/env python3
"""Two Switchboard binaries under the same SIPp load at the same time.

usage: pair.py BEFORE AFTER [--kind call|register] [--pairs N] [--rate R] [--count N]
               [--warmup N] [--out DIR]

On this kind of machine one proxy's CPU per call moves by tens of percent from one minute to
the next (other tenants, the hypervisor), more than most single changes save. Run at the same
time, on different ports, the two binaries meet the same moods, so the difference within a
pair is what the change did. Each pair starts both servers fresh (the same configuration as
compare.py's Switchboard side), with a SIPp UAS and client each; the binaries swap ports from
one pair to the next. Prints, per pair, each binary's CPU per call (or per REGISTER) by thread,
from /proc, over the measured load only.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from bench import LOOPBACK, SCEN, end_child, make_users  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")
CONFIG = os.path.join(HERE, "switchboard.toml")
SIPP_TIMEOUT_S = 600     # no SIPp run, and so no pair, lasts longer than this
SETTLE_S = 3             # after the warm-up, before the measured load


class Side:
    """One server with its UAS, on its own block of ports."""

    def __init__(self, binary, base, work):
        self.binary, self.base, self.work = binary, base, work
        self.port = base
        os.makedirs(os.path.join(work, "var"))
        self.server = subprocess.Popen(
            [binary, "run", "--listen", f"udp:{LOOPBACK}:{self.port}", "--log-level", "warn",
             "--data-dir", os.path.join(work, "var"), "--location-store", "sqlite",
             "--workers", "1", "--config", CONFIG],
            stdout=open(os.path.join(work, "server.log"), "w"), stderr=subprocess.STDOUT)
        self.uas = None

    def sipp(self, scenario, offset, extra, client=True):
        port = self.base + offset
        args = (["sipp", f"{LOOPBACK}:{self.port}"] if client else ["sipp"]) + [
            "-sf", os.path.join(SCEN, scenario), "-t", "u1", "-i", LOOPBACK, "-p", str(port),
            "-cp", str(port + 50), "-mp", str(port + 1000), "-mi", LOOPBACK, "-nostdin",
            "-buff_size", "4194304", "-timeout", f"{SIPP_TIMEOUT_S}s"] + extra
        return subprocess.Popen(args, cwd=self.work, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def start_uas(self):
        self.uas = self.sipp("uas.xml", 1, [], client=False)
        time.sleep(1)
        reg = self.sipp("register_uas.xml", 2, ["-m", "1", "-r", "1", "-key", "aor", "bench",
                                                "-key", "uas_port", str(self.base + 1)])
        if reg.wait(timeout=30) != 0:
            raise SystemExit(f"{self.binary}: the UAS could not register (see {self.work})")

    def threads(self):
        ticks = {}
        task_dir = f"/proc/{self.server.pid}/task"
        for tid in os.listdir(task_dir):
            try:
                with open(f"{task_dir}/{tid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue  # the thread ended meanwhile
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            ticks[name] = ticks.get(name, 0) + int(fields[11]) + int(fields[12])
        return ticks

    def stop(self):
        for p in (self.uas, self.server):
            if p is not None:
                end_child(p, grace_s=10)


def load_args(kind, side, tag, rate, count):
    if kind == "call":
        return "uac.xml", ["-m", str(count), "-r", str(rate), "-rp", "1000ms", "-l", "5000",
                           "-s", "bench", "-d", "0"]
    users = make_users(side.work, tag, count)
    return "reg.xml", ["-m", str(count), "-r", str(rate), "-rp", "1000ms", "-l", "5000",
                       "-inf", users]


def run_pair(a, sides):
    for s in sides:
        s.start_uas()
    # Both warm up at once, then both measured loads start together.
    if a.warmup:
        warm = []
        for s in sides:
            scen, extra = load_args(a.kind, s, "W", a.rate, a.warmup)
            warm.append(s.sipp(scen, 3, extra))
        for w in warm:
            w.wait(timeout=SIPP_TIMEOUT_S + 30)
        time.sleep(SETTLE_S)
    before = [s.threads() for s in sides]
    loads = []
    for s in sides:
        scen, extra = load_args(a.kind, s, "M", a.rate, a.count)
        loads.append(s.sipp(scen, 4, extra))
    codes = [p.wait(timeout=SIPP_TIMEOUT_S + 30) for p in loads]
    time.sleep(1)  # the last responses' work
    after = [s.threads() for s in sides]
    results = []
    for b, e, code in zip(before, after, codes):
        per = {name: (e[name] - b.get(name, 0)) * 1e6 / CLK / a.count for name in e}
        results.append((per, code))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--kind", choices=["call", "register"], default="call")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--rate", type=int, default=250, help="calls or REGISTERs a second, each side")
    ap.add_argument("--count", type=int, default=10000, help="measured calls or REGISTERs")
    ap.add_argument("--warmup", type=int, default=2000)
    ap.add_argument("--out", help="keep the servers' logs and data here")
    a = ap.parse_args()
    if a.pairs < 1 or a.pairs > 20 or a.rate < 1 or a.count < 1:
        ap.error("--pairs 1..20, --rate and --count at least 1")
    binaries = [os.path.abspath(a.before), os.path.abspath(a.after)]
    out = a.out or tempfile.mkdtemp(prefix="sb-pair-")
    unit = "call" if a.kind == "call" else "REGISTER"
    diffs = []
    for i in range(a.pairs):
        bases = [5300, 5400] if i % 2 == 0 else [5400, 5300]
        sides = []
        try:
            for label, binary, base in zip(("before", "after"), binaries, bases):
                sides.append(Side(binary, base, os.path.join(out, f"pair{i + 1}-{label}")))
            time.sleep(1)
            results = run_pair(a, sides)
        finally:
            for s in sides:
                s.stop()
        totals = []
        for label, (per, code) in zip(("before", "after"), results):
            total = sum(per.values())
            totals.append(total)
            threads = ", ".join(f"{n} {v:.0f}" for n, v in sorted(per.items()) if v >= 0.5)
            flag = "" if code == 0 else f" (SIPp exit {code}: some {unit}s failed)"
            print(f"pair {i + 1} {label}: {total:.0f} µs CPU a {unit} ({threads}){flag}",
                  flush=True)
        diffs.append(totals[1] - totals[0])
    print(f"after - before, µs a {unit}: " + ", ".join(f"{d:+.0f}" for d in diffs))
    if not a.out:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
