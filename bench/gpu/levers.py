#!/usr/bin/env python3
"""A variant of the executor against a base variant and torch.compile.

usage: levers.py DIR BASE_SUFFIX LEVER_SUFFIX
  e.g. levers.py bench/results/h200/compile/6ca4dda -nhwc-add -nhwc-add-ws-lt-dw

For each precision (fp32: whole{S}.csv against torch.csv; fp16 and bf16:
whole-fp16{S}.csv against torch-fp16.csv, ...) prints per model and batch
the graph medians of the base and the lever variant, lever / base, and
each against torch.compile (mode "compile"); then the worst lever /
compile, the cases over 1.0, and the cases where the lever is slower than
the base by more than 2%.
"""
import csv
import os
import sys


def load(path, mode):
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            if r["mode"] == mode:
                out[(r["model"], int(r["batch"]))] = (float(r["median_ms"]), float(r["p99_over_median"]))
    return out


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    d, base, lever = sys.argv[1:]
    for prec, pre, torch in (("fp32", "", "torch.csv"), ("fp16", "-fp16", "torch-fp16.csv"),
                             ("bf16", "-bf16", "torch-bf16.csv")):
        fa, fb, fc = (os.path.join(d, f) for f in (f"whole{pre}{base}.csv", f"whole{pre}{lever}.csv", torch))
        if not all(os.path.exists(f) for f in (fa, fb, fc)):
            continue
        a, b, c = load(fa, "graph"), load(fb, "graph"), load(fc, "compile")
        print(f"== {prec}{base} against {prec}{lever}: ms, lever / base, each / torch.compile, lever p99 / median")
        print(f"{'model':13s} {'b':>3s} {'base':>8s} {'lever':>8s} {'l/b':>6s} {'b/tc':>6s} {'l/tc':>6s} {'p99/m':>6s}")
        over, slower, worst = [], [], (0.0, None)
        for k in sorted(a):
            if k not in b or k not in c:
                continue
            x, y, z = a[k][0], b[k][0], c[k][0]
            print(f"{k[0]:13s} {k[1]:3d} {x:8.3f} {y:8.3f} {y / x:6.3f} {x / z:6.3f} {y / z:6.3f} {b[k][1]:6.3f}")
            worst = max(worst, (y / z, k))
            if y / z > 1:
                over.append(f"{k[0]} b{k[1]} {y / z:.2f}")
            if y / x > 1.02:
                slower.append(f"{k[0]} b{k[1]} {y / x:.3f}")
        print(f"worst lever / torch.compile: {worst[0]:.3f} ({worst[1][0]} b{worst[1][1]}); over 1.0: {len(over)}: "
              + ", ".join(over))
        print("lever slower than base by more than 2%: " + (", ".join(slower) or "none"))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
