#!/usr/bin/env python3
"""Compact summary of a bench/gpu/run.sh result folder.

usage: summary.py DIR   (DIR holds whole.csv, torch.csv, overlap.csv,
                         ops.csv, whichever exist)

Prints, per model and batch, the median whole-model time of abacus (eager
and graphs) and PyTorch (eager and graph replay) with the ratios
abacus / PyTorch (below 1: abacus is faster), then the overlap table's
range and the op profile's size.
"""
import csv
import os
import sys


def load(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def targets(whole, torch, keys, med, p99r):
    """The benchmark's targets, for abacus as it runs by default (replayed
    from CUDA graphs): the worst ratio of each, with where it is."""
    def worst(pairs):
        pairs = [p for p in pairs if p[0] is not None]
        return max(pairs) if pairs else None

    def ratio(a, t):
        return a / t if a and t else None

    rows = [
        ("abacus / PyTorch eager, every model and batch", 1.0,
         worst((ratio(med(whole, m, b, "graph"), med(torch, m, b, "eager")), m, b) for m, b in keys)),
        ("abacus / PyTorch eager, batch 1", 0.7,
         worst((ratio(med(whole, m, b, "graph"), med(torch, m, b, "eager")), m, b)
               for m, b in keys if b == 1)),
        ("abacus / PyTorch CUDA-graph replay (aim)", 1.1,
         worst((ratio(med(whole, m, b, "graph"), med(torch, m, b, "graph")), m, b) for m, b in keys)),
        ("abacus p99 / median", 1.05,
         worst((p99r(whole, m, b, "graph"), m, b) for m, b in keys)),
    ]
    print("targets (abacus replays CUDA graphs; worst case of each):")
    for name, limit, w in rows:
        if w is None:
            print(f"  {name:46s}      -  (not measured)")
            continue
        v, m, b = w
        verdict = "ok" if v <= limit else "MISSED"
        print(f"  {name:46s} {v:6.3f}  {m} b{b}  target <= {limit:g}  {verdict}")


def main():
    d = sys.argv[1]
    whole = {(r["model"], int(r["batch"]), r["mode"]): r for r in load(os.path.join(d, "whole.csv"))}
    torch = {(r["model"], int(r["batch"]), r["mode"]): r for r in load(os.path.join(d, "torch.csv"))}
    keys = sorted({(m, b) for (m, b, _) in whole} | {(m, b) for (m, b, _) in torch},
                  key=lambda k: (k[0], k[1]))

    def med(t, m, b, mode):
        r = t.get((m, b, mode))
        return float(r["median_ms"]) if r else None

    def p99r(t, m, b, mode):
        r = t.get((m, b, mode))
        return float(r["p99_over_median"]) if r else None

    def f(v, w=8, p=3):
        return f"{v:{w}.{p}f}" if v is not None else " " * (w - 1) + "-"

    if keys:
        print("whole model, median ms (p99/median of abacus graph); ratio = abacus / pytorch")
        print(f"{'model':14s} {'b':>3s} {'ab eager':>8s} {'ab graph':>8s} {'pt eager':>8s} "
              f"{'pt graph':>8s} {'eager x':>8s} {'graph x':>8s} {'best x':>8s} {'p99/med':>8s}")
        for m, b in keys:
            ae, ag = med(whole, m, b, "eager"), med(whole, m, b, "graph")
            te, tg = med(torch, m, b, "eager"), med(torch, m, b, "graph")
            rx = lambda a, t: a / t if a and t else None
            best_a = min(x for x in (ae, ag) if x) if (ae or ag) else None
            best_t = min(x for x in (te, tg) if x) if (te or tg) else None
            print(f"{m:14s} {b:3d} {f(ae)} {f(ag)} {f(te)} {f(tg)} {f(rx(ae, te))} "
                  f"{f(rx(ag, tg))} {f(rx(best_a, best_t))} {f(p99r(whole, m, b, 'graph'))}")
        targets(whole, torch, keys, med, p99r)
    ov = load(os.path.join(d, "overlap.csv"))
    if ov:
        sp = sorted((float(r["overlap_speedup"]), r["model_a"], r["model_b"]) for r in ov)
        print(f"overlap (batch 4, {len(ov)} pairs): sequential/together from {sp[0][0]:.2f} "
              f"({sp[0][1]}+{sp[0][2]}) to {sp[-1][0]:.2f} ({sp[-1][1]}+{sp[-1][2]}), "
              f"median {sp[len(sp) // 2][0]:.2f}")
    ops = load(os.path.join(d, "ops.csv"))
    if ops:
        models = sorted({r["model"] for r in ops})
        print(f"op profile: {len(ops)} rows, {len(models)} models: {', '.join(models)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
