#!/usr/bin/env python3
"""sim_vs_live_summary.py CSV: bench/sim_vs_live.sh's table in a few lines.

For each load of scenarios/pairs.lua (runs named pairs-LOAD-PAIR) or of
scenarios/paper/'s qos.lua and throughput.lua (paper-LOAD-COMBO), the
mean and the largest |sim - live| / live of goodput and of p99 over the
load's runs, then the abacus policy's goodput and p99 differences alone.
"""
import csv
import statistics
import sys


PREFIXES = ("pairs-", "paper-")


def err(sim, live):
    return abs(float(sim) - float(live)) / float(live) * 100


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: sim_vs_live_summary.py SIM_VS_LIVE.csv")
    rows = list(csv.DictReader(open(sys.argv[1])))
    loads = []
    for r in rows:
        load = r["run"].split("-")[1] if r["run"].startswith(PREFIXES) else r["run"]
        if load not in loads:
            loads.append(load)
    print("load    runs  goodput mean %  max %  p99 mean %  max %  abacus goodput %, p99 %")
    for load in loads:
        rs = [r for r in rows if r["run"].split("-")[1:2] == [load] and r["run"].startswith(PREFIXES)
              or r["run"] == load]
        g = [err(r["sim_goodput"], r["live_goodput"]) for r in rs]
        p = [err(r["sim_p99_ms"], r["live_p99_ms"]) for r in rs]
        ab = [r for r in rs if r["policy"] == "abacus"]
        ag = " ".join(f"{err(r['sim_goodput'], r['live_goodput']):.1f}" for r in ab)
        ap = " ".join(f"{err(r['sim_p99_ms'], r['live_p99_ms']):.1f}" for r in ab)
        print(f"{load:6} {len(rs):5d}  {statistics.mean(g):14.1f} {max(g):6.1f}"
              f"  {statistics.mean(p):10.1f} {max(p):6.1f}  {ag}; {ap}")


if __name__ == "__main__":
    main()
