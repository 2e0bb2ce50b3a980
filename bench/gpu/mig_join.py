#!/usr/bin/env python3
"""mig_join.py: simulated against live §7.5, per partition size.

    python3 bench/gpu/mig_join.py SIM.txt LIVE.txt

SIM.txt and LIVE.txt are the output of `abacus run scenarios/paper/mig.lua
sim|cuda GPU quick` with the same seeds and queries. Prints, per load,
placement and policy, p99/QoS and goodput of each side, and per partition
size (1in4: quarters, 2in4: halves, 4in4: the whole GPU) the mean of each
and the mean absolute difference of p99/QoS.
"""
import re
import sys

SIZE = {"1in4": "quarter (32 SMs)", "2in4": "half (64 SMs)", "4in4": "whole (132 SMs)"}


def read(path):
    rows, fig = {}, None
    for line in open(path, encoding="utf-8"):
        if line.startswith("Fig 20"):
            fig = "qos"
        elif line.startswith("Fig 21"):
            fig = "thr"
        m = re.match(r"^(1in4|2in4|4in4)\s+(.+?)\s+(fcfs|sjf|edf|abacus)\s+(\S+) \+- \S+\s", line)
        if not m or not fig:
            continue
        goodput = float(line.split()[-1])
        rows[(fig, m.group(1), m.group(2).strip(), m.group(3))] = (float(m.group(4)), goodput)
    return rows


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mig_join.py SIM.txt LIVE.txt")
    sim, live = read(sys.argv[1]), read(sys.argv[2])
    keys = [k for k in sim if k in live]
    if not keys:
        sys.exit("mig_join.py: no row in both files")
    print(f"{'load':4} {'config':6} {'partitions':38} {'policy':6} "
          f"{'p99/QoS sim':>11} {'live':>6} {'goodput sim':>11} {'live':>6}")
    for k in keys:
        s, l = sim[k], live[k]
        print(f"{k[0]:4} {k[1]:6} {k[2]:38} {k[3]:6} {s[0]:11.2f} {l[0]:6.2f} {s[1]:11.1f} {l[1]:6.1f}")
    print()
    print(f"{'load':4} {'partition size':18} {'runs':>4} {'p99/QoS sim':>11} {'live':>6} "
          f"{'|diff|':>6} {'goodput sim':>11} {'live':>6}")
    for load in ("qos", "thr"):
        for cfg in ("1in4", "2in4", "4in4"):
            ks = [k for k in keys if k[0] == load and k[1] == cfg]
            if not ks:
                continue
            n = len(ks)
            ts = sum(sim[k][0] for k in ks) / n
            tl = sum(live[k][0] for k in ks) / n
            d = sum(abs(sim[k][0] - live[k][0]) for k in ks) / n
            gs = sum(sim[k][1] for k in ks) / n
            gl = sum(live[k][1] for k in ks) / n
            print(f"{load:4} {SIZE[cfg]:18} {n:4d} {ts:11.2f} {tl:6.2f} {d:6.2f} {gs:11.1f} {gl:6.1f}")


if __name__ == "__main__":
    main()
