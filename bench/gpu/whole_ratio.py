#!/usr/bin/env python3
"""whole_ratio.py OLD_OPS NEW_OPS: two profiles' whole-model rows side by side.

Each (model, batch, seq) unit both ops.csv files measure: its whole-model
median (the row whose op is one past the model's last) in each, in ms, and
new over old, as CSV on stdout; per model, the range and geometric mean of
the ratio on stderr.
"""
import collections
import csv
import statistics
import sys


def whole(path):
    rows = list(csv.DictReader(open(path)))
    last = collections.defaultdict(int)
    for r in rows:
        k = (r["model"], int(r["batch"]), int(r["seq"]))
        last[k] = max(last[k], int(r["op"]))
    return {(r["model"], int(r["batch"]), int(r["seq"])): float(r["median_us"])
            for r in rows if int(r["op"]) == last[(r["model"], int(r["batch"]), int(r["seq"]))]}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: whole_ratio.py OLD_OPS NEW_OPS")
    old, new = whole(sys.argv[1]), whole(sys.argv[2])
    by = collections.defaultdict(list)
    print("model,batch,seq,default_engine_ms,fast_engine_ms,fast_over_default")
    for k in sorted(k for k in old if k in new):
        r = new[k] / old[k]
        by[k[0]].append(r)
        print("%s,%d,%d,%.3f,%.3f,%.3f" % (k[0], k[1], k[2], old[k] / 1000, new[k] / 1000, r))
    every = [r for v in by.values() for r in v]
    for m, v in sorted(by.items()):
        print(f"{m}: {min(v):.2f} to {max(v):.2f}, geometric mean {statistics.geometric_mean(v):.3f}",
              file=sys.stderr)
    print(f"all {len(every)}: {min(every):.3f} to {max(every):.3f}, geometric mean "
          f"{statistics.geometric_mean(every):.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
