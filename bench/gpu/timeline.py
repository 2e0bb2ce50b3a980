#!/usr/bin/env python3
"""timeline.py: where a live group's time goes, from the rows the CUDA
device writes with ABACUS_TIMELINE=FILE (runtime/cuda_dev.c, "the
timeline").

  python3 bench/gpu/timeline.py TIMELINE.csv [--db LIVE.DB] [--ops data/h100/ops.csv]

Per run (one device open), medians over its groups, in microseconds:
  turn     the run loop's time between one group's end and the next launch,
           over the groups that followed another at once (gap under 1 ms:
           the policy's choice and the loop's bookkeeping, not an idle wait)
  launch   launch's own time (checks and the launch calls)
  beyond   host time past the kernels: from launch's start to the host
           seeing the end, less the GPU span (launch latency, the wait)
  gpu/prof the GPU span of a group of one segment over the profile's time
           for it (ops.csv: the whole-model row of an uncut query, else the
           sum of its ops), the kernels' own slowdown live
  excess   turn + beyond + (span - profile): what each group adds beyond
           what the simulator charges for it
With --db the runs are named by the results database's live runs (device
cuda, in id order, which is the order they opened the device). With
--groups OUT.csv the groups of two or more segments are written as a
measured-groups file (data/<gpu>/groups.csv's columns, the GPU span as
median and p99, and seg_us: each segment's end from the group's start),
for `abacus calibrate --check --groups OUT.csv`: the contention model's
error on groups that ran live, and for `abacus calibrate --segments
OUT.csv`, which chooses the model's share on those ends. With --by-batch PREFIX
(and --ops, --db) the groups of one whole query of a model whose name starts
with PREFIX are listed instead, per model, batch and policy: how many, and
the median and largest GPU span over the profile's time (a batch size the
executor runs slower than its profile stands out). With --by-run (and
--db, whose runs' pids tell the processes apart) each run's groups of one
segment are set against the same segments in the first run of its process
that ran them: the median difference in GPU span per model and run; with
--ops too, a whole query's span in first and later runs against the
profile's time for it. With --slowdown (and --ops) the groups of two
segments that start together are read for the slowdown each model's
segment met beside the other: the shorter runs wholly beside the longer,
so its span over its solo time is the GPU's slowdown of it there."""
import argparse
import csv
import json
import sqlite3
import statistics
import sys


def load_ops(path):
    ops, whole = {}, {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            k = (r["model"], int(r["batch"]), int(r["seq"]))
            op = int(r["op"])
            ops.setdefault(k, {})[op] = float(r["median_us"])
    for k, by_op in ops.items():
        whole[k] = max(by_op)  # the whole-model row has op = n_ops
    return ops, whole


def prof_us(ops, whole, seg):
    k = (seg["model"], seg["batch"], seg["seq"])
    by_op = ops.get(k)
    if by_op is None:
        return None
    if seg["start"] == 0 and seg["end"] == whole[k]:
        return by_op[whole[k]]
    if any(i not in by_op for i in range(seg["start"], seg["end"])):
        return None
    return sum(by_op[i] for i in range(seg["start"], seg["end"]))


def parse_segs(text):
    out = []
    for s in text.split(";"):
        svc, model, batch, seq, rng, q, st, en = s.split(":")
        a, b = rng.split("-")
        out.append(dict(service=int(svc), model=model, batch=int(batch), seq=int(seq),
                        start=int(a), end=int(b), queries=int(q), st=float(st),
                        en=float(en)))
    return out


def live_runs(db):
    """The live runs (id, name, policy, tags, pid) in id order; db may be a
    CSV of the runs table (sqlite3 -csv -header DB "SELECT * FROM runs"),
    as bench/results keeps them."""
    if db.endswith(".csv"):
        with open(db, newline="") as f:
            rows = [(int(r["id"]), r["name"], r["policy"], r["tags"], r["pid"])
                    for r in csv.DictReader(f) if r["device"] == "cuda"]
        rows.sort()
        return rows
    return sqlite3.connect(db).execute(
        "SELECT id, name, policy, tags, pid FROM runs WHERE device = 'cuda' ORDER BY id").fetchall()


def run_names(db):
    """The live runs' names, id:label@load."""
    names = []
    for rid, name, policy, tags, _ in live_runs(db):
        try:
            t = json.loads(tags or "{}")
        except json.JSONDecodeError:
            t = {}
        load = t.get("load")
        label = t.get("label") or policy
        names.append(f"{rid}:{label}" + (f"@{load}" if load is not None else ""))
    return names


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def write_groups(runs, path):
    with open(path, "w") as f:
        f.write("combo,segments,median_us,p99_us,seg_us\n")
        for rows in runs.values():
            for r in rows:
                segs = sorted(parse_segs(r["segs"]), key=lambda s: s["service"])
                if len(segs) < 2:
                    continue
                combo = "+".join(s["model"] for s in segs)
                sg = ";".join(f"{s['model']}:{s['batch']}:{s['seq']}:{s['start']}:{s['end']}"
                              for s in segs)
                ends = ";".join(f"{s['en']:.3f}" for s in segs)
                f.write(f"{combo},{sg},{r['span_us']},{r['span_us']},{ends}\n")


def by_batch(runs, names, ops, whole, prefix):
    by = {}
    for i, key in enumerate(sorted(runs)):
        policy = names[i].split(":", 1)[1].split("@")[0]
        for r in runs[key]:
            segs = parse_segs(r["segs"])
            if len(segs) != 1 or not segs[0]["model"].startswith(prefix):
                continue
            s = segs[0]
            k = (s["model"], s["batch"], s["seq"])
            if k not in whole or s["start"] != 0 or s["end"] != whole[k]:
                continue
            by.setdefault((s["model"], s["batch"], policy), []).append(
                float(r["span_us"]) / ops[k][whole[k]])
    print("| model | batch | policy | groups | span/profile, median | max |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (m, b, p), v in sorted(by.items()):
        print(f"| {m} | {b} | {p} | {len(v)} | {med(v):.3f} | {max(v):.3f} |")


def by_run(runs, names, pids, ops, whole):
    """Each run's single-segment groups against the same (model, batch, seq,
    ops) in the first run of its process that ran them: the median
    difference in GPU span, us, per model (over the keys with 3 groups or
    more). A process's later runs can run every kernel a little slower than
    its first (bench/gpu/NOTES.md, twelfth sitting); with ops, which of the
    two states the profile was measured in shows."""
    first = {}  # (pid, model) -> {(batch, seq, start, end): median span}
    cells = {}  # (run name, model) -> median difference, None for a first run
    whole_q = {}  # (model, batch, seq) -> ([first runs' medians], [later runs' medians])
    for i, key in enumerate(sorted(runs)):
        spans = {}
        for r in runs[key]:
            segs = parse_segs(r["segs"])
            if len(segs) == 1:
                s = segs[0]
                spans.setdefault(s["model"], {}).setdefault(
                    (s["batch"], s["seq"], s["start"], s["end"]), []).append(float(r["span_us"]))
        for model, by in spans.items():
            base = first.get((pids[i], model))
            for (b, sq, st, en), v in by.items():
                if st == 0 and en == whole.get((model, b, sq)) and len(v) >= 3:
                    whole_q.setdefault((model, b, sq), ([], []))[base is not None].append(med(v))
            if base is None:
                first[(pids[i], model)] = {k: med(v) for k, v in by.items()}
                cells[(names[i], model)] = None
                continue
            diff = [med(v) - base[k] for k, v in by.items() if k in base and len(v) >= 3]
            if diff:
                cells[(names[i], model)] = med(diff)
    models = sorted({m for _, m in cells})
    print("| model | first runs of a process | later runs | span - first's, median us (min, max) |")
    print("| --- | --- | --- | --- |")
    for m in models:
        firsts = [n for (n, mm), d in cells.items() if mm == m and d is None]
        rest = [d for (n, mm), d in cells.items() if mm == m and d is not None]
        span = f"{med(rest):+.1f} ({min(rest):+.1f}, {max(rest):+.1f})" if rest else "-"
        print(f"| {m} | {', '.join(firsts)} | {len(rest)} | {span} |")
    print()
    print("| run | " + " | ".join(models) + " |")
    print("|" + " --- |" * (len(models) + 1))

    def cell(n, m):
        if (n, m) not in cells:
            return ""
        return "first" if cells[(n, m)] is None else f"{cells[(n, m)]:+.1f}"

    for n in names:
        if any((n, m) in cells for m in models):
            print(f"| {n} | " + " | ".join(cell(n, m) for m in models) + " |")
    if not ops:
        return
    # with --ops: a whole query's GPU span in first and later runs (median
    # of the runs' medians) against the profile's time for it
    print()
    print("| model | batch | seq | profile us | first runs | later runs | first / profile | later / profile |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (m, b, sq), (f, later) in sorted(whole_q.items()):
        if not f or not later:
            continue
        p = ops[(m, b, sq)][whole[(m, b, sq)]]
        print(f"| {m} | {b} | {sq} | {p:.1f} | {med(f):.1f} | {med(later):.1f} | "
              f"{med(f) / p:.3f} | {med(later) / p:.3f} |")


def slowdown(runs, ops, whole):
    """Groups of two segments that start together (within 20 us): the
    shorter one (by profile) runs wholly beside the longer, so its span
    over its solo time is the slowdown the GPU gave it there. Per (model,
    partner), the median over the groups (10 or more)."""
    by = {}
    for rows in runs.values():
        for r in rows:
            segs = parse_segs(r["segs"])
            if len(segs) != 2 or max(s["st"] for s in segs) > 20:
                continue
            solo = [prof_us(ops, whole, s) for s in segs]
            if not all(solo):
                continue
            i = 0 if solo[0] < solo[1] else 1
            s, o = segs[i], segs[1 - i]
            by.setdefault((s["model"], o["model"]), []).append((s["en"] - s["st"]) / solo[i])
    print("| model (the shorter) | beside | groups | span / solo, median |")
    print("| --- | --- | --- | --- |")
    for (m, o), v in sorted(by.items()):
        if len(v) >= 10:
            print(f"| {m} | {o} | {len(v)} | {med(v):.3f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("timeline")
    ap.add_argument("--db")
    ap.add_argument("--ops")
    ap.add_argument("--groups")
    ap.add_argument("--by-batch", metavar="PREFIX")
    ap.add_argument("--by-run", action="store_true")
    ap.add_argument("--slowdown", action="store_true")
    a = ap.parse_args()
    runs = {}
    with open(a.timeline, newline="") as f:
        for r in csv.DictReader(f):
            runs.setdefault(int(r["open_ns"]), []).append(r)
    if not runs:
        sys.exit(f"timeline.py: {a.timeline} has no groups")
    names = run_names(a.db) if a.db else []
    if names and len(names) != len(runs):
        print(f"# {len(runs)} device opens against {len(names)} live runs in {a.db}: "
              "runs numbered instead", file=sys.stderr)
        names = []
    ops, whole = load_ops(a.ops) if a.ops else ({}, {})
    if a.by_batch is not None:
        if not ops or not names:
            sys.exit("timeline.py: --by-batch needs --ops and --db")
        by_batch(runs, names, ops, whole, a.by_batch)
        return
    if a.slowdown:
        if not ops:
            sys.exit("timeline.py: --slowdown needs --ops")
        slowdown(runs, ops, whole)
        return
    if a.by_run:
        if not names:
            sys.exit("timeline.py: --by-run needs --db")
        by_run(runs, names, [r[4] for r in live_runs(a.db)], ops, whole)
        return
    if a.groups:
        write_groups(runs, a.groups)
    cols = ["run", "groups", "segs", "turn", "launch", "beyond", "gpu/prof", "excess"]
    print("| " + " | ".join(cols) + " |")
    print("|" + " --- |" * len(cols))
    for i, key in enumerate(sorted(runs)):
        rows = runs[key]
        turn, launch, beyond, ratio, extra, nseg = [], [], [], [], [], []
        for r in rows:
            segs = parse_segs(r["segs"])
            nseg.append(len(segs))
            span = float(r["span_us"])
            launch.append(float(r["launch_us"]))
            beyond.append(float(r["host_us"]) - span)
            gap = float(r["gap_us"]) if r["gap_us"] else None
            if gap is not None and gap < 1000:
                turn.append(gap)
            if len(segs) == 1 and ops:
                p = prof_us(ops, whole, segs[0])
                if p:
                    ratio.append(span / p)
                    extra.append(span - p)
        exc = med(turn) + med(beyond) + (med(extra) if extra else 0.0)
        name = names[i] if names else str(i + 1)
        print(f"| {name} | {len(rows)} | {statistics.mean(nseg):.2f} | {med(turn):.1f} | "
              f"{med(launch):.1f} | {med(beyond):.1f} | "
              f"{med(ratio):.3f} | {exc:.1f} |")


if __name__ == "__main__":
    main()
