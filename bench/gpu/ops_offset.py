#!/usr/bin/env python3
"""ops_offset.py: a what-if profile: each named model's whole query made
longer by a fixed number of microseconds, in place, in a copy of a data
folder's ops.csv.

  python3 bench/gpu/ops_offset.py COPY/h100/ops.csv bert=56.8,resnet50=27.8

The whole-model row (op = n_ops) gains the offset and every op row of the
model an equal share of it (offset / n_ops), at every batch and seq, so a
query cut anywhere gains its share too. Median and p99 move alike. For
the later-run slowdown timeline.py --by-run measures (a process's runs
after its first run every kernel slower), to see how much of a live
comparison's gap it explains (bench/gpu/batching_resim.py on the copy).
Never run it on the shipped data/."""
import csv
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path = sys.argv[1]
    off = {}
    for item in sys.argv[2].split(","):
        model, _, us = item.partition("=")
        try:
            off[model] = float(us)
        except ValueError:
            sys.exit(f"ops_offset.py: '{item}' is not MODEL=MICROSECONDS")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"ops_offset.py: {path} has no rows")
    n_ops = {}
    for r in rows:
        n_ops[r["model"]] = max(n_ops.get(r["model"], 0), int(r["op"]))
    unknown = sorted(set(off) - set(n_ops))
    if unknown:
        sys.exit(f"ops_offset.py: {path} has no rows of {unknown[0]}")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        for r in rows:
            o = off.get(r["model"], 0.0)
            n = n_ops[r["model"]]
            add = o if int(r["op"]) == n else o / n
            for k in ("median_us", "p99_us"):
                r[k] = f"{float(r[k]) + add:.3f}"
            w.writerow(r)


if __name__ == "__main__":
    main()
