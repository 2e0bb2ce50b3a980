#!/usr/bin/env python3
"""overlap_gain.py: how much a data folder's measured groups gained from
running their segments at once, against one after the other.

    python3 bench/overlap_gain.py DIR [DIR ...]
    python3 bench/overlap_gain.py --bound EAGER_DIR GRAPHS_DIR

DIR is a GPU's data folder (ops.csv, groups.csv). For every group sample of
two or more segments (segments "model:batch:seq:start:end;..."), the serial
time is the sum of its segments' solo times (each segment's ops' medians in
ops.csv at its batch and sequence length) and the gain that over the
group's measured median. Printed per folder: the median gain and its 10th
and 90th percentiles, over all groups and per combination size.

--bound: what launching each segment from a thread of its own could give
an engine without CUDA graphs at most (EAGER_DIR measured without graphs,
GRAPHS_DIR with them; the profiler draws the same segments for a sample
index in both). Per group: the eager serial time over the longest of
(each eager segment alone, the same segments' measured group time with
graphs): the segments' launches in parallel cannot end the group before
its slowest segment alone, nor its kernels before they end when launched
without any host delay.
"""
import csv
import os
import statistics
import sys


def ops(path):
    t = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            t[(r["model"], int(r["op"]), int(r["batch"]), int(r["seq"]))] = float(r["median_us"])
    return t


def serial_us(t, segs):
    total = 0.0
    for s in segs.split(";"):
        m, b, q, a, e = s.split(":")
        for op in range(int(a), int(e)):
            total += t[(m, op, int(b), int(q))]
    return total


def group_bound(te, gt, combo, segments):
    """The least time a group of segments could take launched from a thread
    each: its slowest segment alone (te, the engine without graphs) or the
    same segments' group time with graphs (gt), whichever is larger; None
    for a single segment or segments gt lacks."""
    segs = segments.split(";")
    if len(segs) < 2 or (combo, segments) not in gt:
        return None
    return max(max(serial_us(te, x) for x in segs), gt[(combo, segments)])


def graph_groups(folder):
    with open(os.path.join(folder, "groups.csv")) as f:
        return {(r["combo"], r["segments"]): float(r["median_us"]) for r in csv.DictReader(f)}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def summary(label, by):
    every = [g for v in by.values() for g in v]
    if not every:
        sys.exit(f"overlap_gain.py: {label}: no group of two or more segments")
    print(f"{label}: {len(every)} groups, median {statistics.median(every):.3f} "
          f"(p10 {pct(every, 0.1):.3f}, p90 {pct(every, 0.9):.3f})")
    for n in sorted(by):
        v = by[n]
        print(f"  {n} segments: {len(v)} groups, median {statistics.median(v):.3f} "
              f"(p10 {pct(v, 0.1):.3f}, p90 {pct(v, 0.9):.3f})")


def bound(eager, graphs):
    try:
        te = ops(os.path.join(eager, "ops.csv"))
        gt = graph_groups(graphs)
        by = {}
        with open(os.path.join(eager, "groups.csv")) as f:
            for r in csv.DictReader(f):
                b = group_bound(te, gt, r["combo"], r["segments"])
                if b is not None:
                    by.setdefault(r["segments"].count(";") + 1, []).append(
                        serial_us(te, r["segments"]) / b)
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"overlap_gain.py: {e}")
    summary(f"{eager} with a launch thread per service, at most (serial / bound)", by)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--bound":
        return bound(sys.argv[2], sys.argv[3])
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: overlap_gain.py DIR [DIR ...] | --bound EAGER_DIR GRAPHS_DIR")
    for d in sys.argv[1:]:
        try:
            t = ops(os.path.join(d, "ops.csv"))
            by = {}
            with open(os.path.join(d, "groups.csv")) as f:
                for r in csv.DictReader(f):
                    n = r["segments"].count(";") + 1
                    if n < 2:
                        continue
                    g = serial_us(t, r["segments"]) / float(r["median_us"])
                    by.setdefault(n, []).append(g)
        except (OSError, KeyError, ValueError) as e:
            sys.exit(f"overlap_gain.py: {d}: {e}")
        summary(f"{d}: serial / overlapped", by)


if __name__ == "__main__":
    main()
