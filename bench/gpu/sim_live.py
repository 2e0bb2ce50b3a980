#!/usr/bin/env python3
"""sim_live.py: simulated against live runs of one scenario, per partition size.

    python3 bench/gpu/sim_live.py SIM.db LIVE.db
    python3 bench/gpu/sim_live.py SIM.db sim-vs-live.txt   (its live column)

Both results databases hold runs of the same scenario (scenarios/paper/
mig.lua: names paper-mig-1in4, -2in4, -4in4) with the same seeds, loads
and queries, one on sim and one on cuda. Runs are matched by (name,
policy, seed, load tag); only runs done on both sides count. Prints each
pair's p99/QoS and goodput, then per partition size (1in4: quarters,
2in4: halves, 4in4: the whole GPU) the means and the mean absolute
differences of p99/QoS and of goodput.
"""
import json
import sqlite3
import sys

SIZE = {"1in4": "quarter", "2in4": "half", "4in4": "whole"}


def runs(path):
    out = {}
    con = sqlite3.connect(path)
    for name, pol, seed, tags, tail, good, gpu in con.execute(
            "SELECT name, policy, seed, tags, p99_qos, throughput_qps, gpu_name FROM runs "
            "WHERE status = 'done'"):
        t = json.loads(tags or "{}")
        out[(name, pol, seed, t.get("load", ""))] = (tail, good, gpu or "")
    return out


def runs_txt(path):
    """The live side of a table this script printed before (a committed
    sim-vs-live.txt), its figures rounded as printed there."""
    out, gpu = {}, ""
    for line in open(path):
        f = line.split()
        if line.startswith("live on: "):
            gpu = line[len("live on: "):].strip()
        elif len(f) == 8 and f[0].startswith("paper-mig-") and f[3].isdigit():
            out[(f[0], f[2], int(f[3]), f[1])] = (float(f[5]), float(f[7]), gpu)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: sim_live.py SIM.db LIVE.db|LIVE.txt (a table printed by this script)")
    sim = runs(sys.argv[1])
    live = runs_txt(sys.argv[2]) if sys.argv[2].endswith(".txt") else runs(sys.argv[2])
    keys = sorted(k for k in live if k in sim)
    if not keys:
        sys.exit("sim_live.py: no run done on both sides")
    print("live on: " + live[keys[0]][2].split(" (")[0])
    print(f"{'run':16} {'load':4} {'policy':6} {'seed':>4} {'p99/QoS sim':>11} {'live':>6} "
          f"{'goodput sim':>11} {'live':>6}")
    for k in keys:
        s, l = sim[k], live[k]
        print(f"{k[0]:16} {k[3]:4} {k[1]:6} {k[2]:4d} {s[0]:11.2f} {l[0]:6.2f} {s[1]:11.1f} {l[1]:6.1f}")
    print()
    print(f"{'size':8} {'load':4} {'runs':>4} {'p99/QoS sim':>11} {'live':>6} {'|diff|':>6} "
          f"{'goodput sim':>11} {'live':>6} {'|diff|':>6}")
    for cfg, size in SIZE.items():
        for load in sorted({k[3] for k in keys}):
            ks = [k for k in keys if k[0].endswith(cfg) and k[3] == load]
            if not ks:
                continue
            n = len(ks)
            mean = lambda d, i: sum(d[k][i] for k in ks) / n
            diff = sum(abs(sim[k][0] - live[k][0]) for k in ks) / n
            gdiff = sum(abs(sim[k][1] - live[k][1]) for k in ks) / n
            print(f"{size:8} {load:4} {n:4d} {mean(sim, 0):11.2f} {mean(live, 0):6.2f} {diff:6.2f} "
                  f"{mean(sim, 1):11.1f} {mean(live, 1):6.1f} {gdiff:6.1f}")


if __name__ == "__main__":
    main()
