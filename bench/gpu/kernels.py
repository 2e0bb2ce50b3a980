#!/usr/bin/env python3
"""Kernel times of one run, from Nsight Compute's CSV report.

usage: kernels.py NCU_CSV TITLE   (ncu --csv --metrics gpu__time_duration.sum
                                   --log-file NCU_CSV ...)

Prints the total, the kernels grouped by name (most time first, the share
of the run each takes) and then every kernel in launch order, so a layer's
kernels (cuDNN's, a layout transpose around it, our epilogues) can be read
beside bench_gpu --kernels' list of how each conv runs.
"""
import csv
import sys

UNIT = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3}


def main():
    path, title = sys.argv[1], sys.argv[2]
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith('"ID"')), None)
    if start is None:
        print(f"== {title}: no ncu report in {path}")
        return 1
    ks = []
    for r in csv.DictReader(lines[start:]):
        if r.get("Metric Name") != "gpu__time_duration.sum":
            continue
        v = float(r["Metric Value"].replace(",", "")) * UNIT.get(r["Metric Unit"], 1.0)
        ks.append((r["Kernel Name"], v, r.get("Grid Size", ""), r.get("Block Size", "")))
    tot = sum(v for _, v, _, _ in ks)
    print(f"== {title}: {len(ks)} kernels, {tot:.1f} us of kernels")
    by = {}
    for n, v, _, _ in ks:
        c = by.setdefault(n, [0.0, 0])
        c[0] += v
        c[1] += 1
    print("us_total,calls,share,kernel")
    for n, (v, c) in sorted(by.items(), key=lambda kv: -kv[1][0])[:30]:
        print(f"{v:.1f},{c},{v / tot if tot else 0:.3f},{n[:150]}")
    print("-- in launch order: us,grid,block,kernel")
    for n, v, g, b in ks:
        print(f"{v:.1f},{g},{b},{n[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
