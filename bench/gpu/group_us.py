#!/usr/bin/env python3
"""group_us.py: the host time a group pays on the live device that the
simulator's profile leaves out (launch, the wait for its end), measured
from a live comparison's results.db (scenarios/batching.lua cuda ...,
bench/gpu/batching_live.sh's live.db).

  python3 bench/gpu/group_us.py LIVE.DB [LIVE.DB ...] [--label clockwork] [--load 0.8]

It takes the runs of one policy that runs one group at a time (clockwork:
each group one merged batch of one service, so no contention), at one
load, on both sides (tags side = sim and cuda), and matches their groups by
(pair, service, merged batch, sequence length): a group is the queries of
a run with the same service and start. For each match it takes the live
mean duration less the simulated one, weighted by the smaller count, and
prints the weighted median and the spread: that median is GROUP_US for
scenarios/batching.lua's simulated side (run option group_us). The other
policies' and loads' runs are left out of the fit, so that they can test
it."""
import argparse
import json
import sqlite3
import statistics
import sys


def groups(db, label, load):
    con = sqlite3.connect(db)
    out = {}
    for run_id, tags in con.execute("SELECT id, tags FROM runs"):
        try:
            t = json.loads(tags or "{}")
        except json.JSONDecodeError:
            continue
        if t.get("experiment") != "batching-live" or t.get("label") != label:
            continue
        if abs(float(t.get("load", -1)) - load) > 1e-9:
            continue
        side = t.get("side")
        rows = con.execute(
            "SELECT service, coalesce(seq, 0), sum(batch), max(end_ms) - start_ms FROM queries "
            "WHERE run_id = ? AND dropped = 0 AND start_ms IS NOT NULL "
            "GROUP BY service, start_ms", (run_id,))
        for svc, seq, b, d in rows:
            out.setdefault((t.get("pair"), svc, b, seq), {}).setdefault(side, []).append(d)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dbs", nargs="+")
    ap.add_argument("--label", default="clockwork")
    ap.add_argument("--load", type=float, default=0.8)
    ap.add_argument("--min", type=int, default=3, help="least groups a side per match")
    a = ap.parse_args()
    diffs = []  # (live - sim ms, weight)
    for db in a.dbs:
        for key, sides in groups(db, a.label, a.load).items():
            s, l = sides.get("sim", []), sides.get("cuda", [])
            if len(s) < a.min or len(l) < a.min:
                continue
            diffs.append((statistics.fmean(l) - statistics.fmean(s), min(len(s), len(l))))
    if not diffs:
        sys.exit(f"group_us.py: no {a.label} runs at {a.load} x C with both sides in {a.dbs}")
    diffs.sort()
    total = sum(w for _, w in diffs)
    acc, med = 0, diffs[-1][0]
    for d, w in diffs:
        acc += w
        if acc >= total / 2:
            med = d
            break
    q = lambda f: diffs[min(len(diffs) - 1, int(f * len(diffs)))][0]
    print(f"{a.label} at {a.load} x C: {len(diffs)} matched (pair, service, batch, seq) groups, "
          f"{total} groups a side at least")
    print(f"live - sim duration per group, ms: weighted median {med:.4f}, "
          f"quartiles {q(0.25):.4f} / {q(0.75):.4f}, range {diffs[0][0]:.4f} to {diffs[-1][0]:.4f}")
    print(f"GROUP_US={med * 1e3:.0f}")


if __name__ == "__main__":
    main()
