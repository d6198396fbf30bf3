#!/usr/bin/env python3
"""Memory per registered contact and per call in progress, for any proxy the harness runs.

usage: memory.py --name NAME --port PORT [--users N] [--reg-rate R] [--calls C] [--call-rate R]
                 [--out DIR] -- PROXY COMMAND...

1. Starts the proxy and reads its footprint (PSS summed over its processes).
2. Registers N distinct users (default 100000) and reads it again, right away (completed
   transactions still absorbing retransmissions) and once they have ended (--settle): the
   difference over N is the memory per registered contact.
3. Starts the SIPp callee, then calls at a steady rate with a long hold between ACK and BYE,
   so C calls (default 10000) are up at once, and reads it once they are: the difference over
   the calls in progress (the caller SIPp's CurrentCall) is the memory per active call.

Uses the harness in lib/bench.py for the proxy, SIPp, ports and /proc accounting; every SIPp
run is bounded by count and time. One JSON line per reading on stdout and in OUT/memory.jsonl.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import bench  # noqa: E402


def main():
    argv = sys.argv[1:]
    cmd = []
    if "--" in argv:
        i = argv.index("--")
        argv, cmd = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--users", type=int, default=100000)
    ap.add_argument("--reg-rate", type=int, default=4000)
    ap.add_argument("--calls", type=int, default=10000, help="calls up at once")
    ap.add_argument("--call-rate", type=int, default=400)
    ap.add_argument("--settle", type=float, default=40,
                    help="seconds after the registrations before the second reading (transactions end)")
    ap.add_argument("--sipp-base", type=int, default=5100)
    ap.add_argument("--max-seconds", type=int, default=600)
    a = ap.parse_args(argv)
    if not cmd:
        ap.error("give the proxy command after --")
    a.out = os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)
    hold_s = a.calls / a.call_rate
    # What lib/bench.Bench reads from its options.
    a.pidfile = None
    a.startup_timeout = 20
    a.startup_grace = 1.0
    a.sipp_buff = 1048576
    a.aor = "bob"
    a.call_limit_s = hold_s + 10
    a.hold_ms = int(hold_s * 1000)

    b = bench.Bench(a, cmd)
    out = open(os.path.join(a.out, "memory.jsonl"), "w")

    def emit(obj):
        line = json.dumps({"name": a.name, **obj})
        print(line, flush=True)
        out.write(line + "\n")

    caller = None
    rc = 0
    try:
        b.start_proxy()
        time.sleep(1)
        base = bench.mem_kb(b.proxy_pids())
        emit({"metric": "memory_idle", **base})

        users = bench.make_users(a.out, "M", a.users)
        rc_reg, last, _, _, _ = b.run_sipp("mem_reg", "reg", "reg.xml", a.reg_rate, a.users, ["-inf", users])
        os.remove(users)
        ok = bench.num(last, "SuccessfulCall(C)")
        time.sleep(2)
        loaded = bench.mem_kb(b.proxy_pids())
        emit({"metric": "memory_registering", "users": a.users, "ok": ok, "sipp_rc": rc_reg, **loaded,
              "bytes_per_contact": round((loaded["pss_kb_sum"] - base["pss_kb_sum"]) * 1024 / max(ok, 1))})
        # Completed transactions linger 64*T1 (32 s) to absorb retransmissions; then only the
        # bindings are left.
        time.sleep(a.settle)
        registered = bench.mem_kb(b.proxy_pids())
        emit({"metric": "memory_registered", "users": a.users, "ok": ok, "settle_s": a.settle, **registered,
              "bytes_per_contact": round((registered["pss_kb_sum"] - base["pss_kb_sum"]) * 1024 / max(ok, 1))})

        b.start_uas()
        b.register_uas()
        total = a.calls + a.call_rate * 5  # keeps the level up while it is read
        stf = os.path.join(a.out, "mem_calls_stat.csv")
        args = b.sipp_args("uac", "uac.xml", [
            "-s", a.aor, "-d", str(a.hold_ms), "-m", str(total), "-r", str(a.call_rate), "-rp", "1000ms",
            "-l", str(a.calls + a.call_rate * 10), "-timeout", f"{int(total / a.call_rate + hold_s + 60)}s",
            "-recv_timeout", "20000ms", "-trace_stat", "-stf", stf, "-fd", "1"])
        log = open(os.path.join(a.out, "mem_calls.log"), "w")
        caller = subprocess.Popen(args, cwd=a.out, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        # The level is reached after hold_s; read it a few seconds later, while it holds.
        deadline = time.time() + hold_s + 4
        while time.time() < deadline and caller.poll() is None:
            time.sleep(0.5)
        rows = bench.read_stat_csv(stf) if os.path.exists(stf) else []
        up = bench.num(rows[-1], "CurrentCall") if rows else 0
        failed = bench.num(rows[-1], "FailedCall(C)") if rows else None
        calls = bench.mem_kb(b.proxy_pids())
        emit({"metric": "memory_calls", "calls_up": up, "failed_so_far": failed, **calls,
              "bytes_per_call": round((calls["pss_kb_sum"] - registered["pss_kb_sum"]) * 1024 / max(up, 1))})
    except bench.Abort as e:
        emit({"metric": "error", "error": str(e)})
        rc = 2
    finally:
        if caller is not None:
            bench.end_child(caller)
        b.stop_uas()
        b.stop_proxy()
    return rc


if __name__ == "__main__":
    sys.exit(main())
