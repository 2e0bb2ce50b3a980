#!/usr/bin/env python3
"""paper_engines.py: the paper's §7.2 (qos load) and §7.3 (thr load) runs of
several results databases side by side, per policy, over the combinations
every database finished.

    python3 bench/paper_engines.py [--beyond] [--error LIVE:SIM ...] LABEL=DB[@ENGINE] ...

DB@ENGINE takes the database's runs tagged engine = ENGINE ("eager": the
scenarios' word `eager`, live without CUDA graphs; "eager+threads" with
the word `threads` too), DB alone those without an engine tag.
DB may also be a CSV of its runs table (bench/results keeps those: `sqlite3
-csv -header DB "SELECT * FROM runs"`). A database is what scenarios/paper/qos.lua and throughput.lua stored (live
or simulated, with CUDA graphs or `eager`); runs are matched by the tags
`combo`, `load` and `policy` (the newest done run of each). Printed per load
and policy, means over the shared combinations: p99 over the QoS target,
violation ratio (drops count), completed queries, goodput (queries within
QoS per second) and the serial capacity the load was set from; then each
policy's completed count and goodput over fcfs's. --error LIVE:SIM (two
labels) adds, per load, |SIM - LIVE| / LIVE of goodput and of p99 over the
QoS target, mean and largest over the shared runs, and the abacus policy's
alone. --beyond reads §7.4's runs instead (scenarios/paper/beyond.lua: Fig
18 at the qos load, Fig 19 at the thr load).
"""
import csv
import json
import sqlite3
import sys

POLICIES = ("fcfs", "sjf", "edf", "abacus")
LOADS = (("qos", "§7.2, Figs 14-15"), ("thr", "§7.3, Fig 17"))
BEYOND = (("qos", "§7.4, Fig 18"), ("thr", "§7.4, Fig 19"))


def read_csv(path, engine, figures):
    """The same rows from a CSV of the runs table (its columns name, policy,
    status, p99_qos, violation_ratio, completed, throughput_qps, tags), as
    bench/results keeps them."""
    out = {}
    with open(path) as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["id"]))
    for r in rows:
        t = json.loads(r["tags"] or "{}")
        if r["status"] != "done" or t.get("figure") not in figures or \
                t.get("engine", "") != engine:
            continue
        out[(t["combo"], t["load"], r["policy"])] = (
            float(r["p99_qos"]), float(r["violation_ratio"]), int(r["completed"]),
            float(r["throughput_qps"]), float(t["capacity"]))
    return out


def read(path, engine, figures):
    if path.endswith(".csv"):
        return read_csv(path, engine, figures)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT json_extract(tags, '$.combo'), json_extract(tags, '$.load'), policy, "
        "p99_qos, violation_ratio, completed, throughput_qps, json_extract(tags, '$.capacity') "
        "FROM runs WHERE status = 'done' AND json_extract(tags, '$.figure') IN (?, ?) "
        "AND coalesce(json_extract(tags, '$.engine'), '') = ? ORDER BY id",
        (*figures, engine)).fetchall()
    con.close()
    out = {}
    for combo, load, pol, p99q, viol, done, gput, cap in rows:
        out[(combo, load, pol)] = (p99q, viol, done, gput, cap)  # the newest wins
    return out


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def errors(dbs, pairs, load, combos):
    for live, sim in pairs:
        d = dict(dbs)
        if live not in d or sim not in d:
            sys.exit(f"paper_engines.py: --error {live}:{sim}: no database of that label")
        for pols, what in ((POLICIES, "every policy"), (("abacus",), "abacus")):
            g, p = [], []
            for c in combos:
                for pol in pols:
                    a, b = d[live][(c, load, pol)], d[sim][(c, load, pol)]
                    if a[3]:
                        g.append(abs(b[3] - a[3]) / a[3] * 100)
                    if a[0]:
                        p.append(abs(b[0] - a[0]) / a[0] * 100)
            print(f"  {sim} against {live}, {what} ({len(g)} runs): goodput {mean(g):.1f}% "
                  f"(max {max(g):.1f}%), p99/QoS {mean(p):.1f}% (max {max(p):.1f}%)")


def main():
    args = sys.argv[1:]
    figures, loads = ("14-15", "17"), LOADS  # the figure tags read, per load
    if args[:1] == ["--beyond"]:
        figures, loads, args = ("18", "19"), BEYOND, args[1:]
    pairs = []
    while len(args) >= 2 and args[0] == "--error":
        if ":" not in args[1]:
            sys.exit("paper_engines.py: --error takes LIVE:SIM")
        pairs.append(tuple(args[1].split(":", 1)))
        args = args[2:]
    if not args or any("=" not in a for a in args):
        sys.exit("usage: paper_engines.py [--beyond] [--error LIVE:SIM ...] LABEL=DB[@ENGINE] ...")
    dbs = []
    for a in args:
        label, path = a.split("=", 1)
        engine = ""
        if "@" in path:
            path, engine = path.rsplit("@", 1)
        try:
            dbs.append((label, read(path, engine, figures)))
        except (sqlite3.Error, OSError, KeyError, ValueError) as e:
            sys.exit(f"paper_engines.py: {path}: {e}")
    for load, what in loads:
        combos = None
        for _, d in dbs:
            have = {c for (c, l, p) in d if l == load and
                    all((c, l, q) in d for q in POLICIES)}
            combos = have if combos is None else combos & have
        combos = sorted(combos)
        print(f"\n{load} load ({what}): {len(combos)} combinations in every database")
        if not combos:
            continue
        print(f"  {', '.join(combos)}")
        print(f"{'database':14s} {'policy':7s} {'p99/QoS':>8s} {'viol':>6s} {'done':>6s} "
              f"{'goodput':>8s} {'capacity':>9s} {'done/fcfs':>9s} {'gput/fcfs':>9s}")
        for label, d in dbs:
            base = [d[(c, load, "fcfs")] for c in combos]
            for pol in POLICIES:
                r = [d[(c, load, pol)] for c in combos]
                done_x = mean([x[2] / b[2] for x, b in zip(r, base) if b[2]])
                gput_x = mean([x[3] / b[3] for x, b in zip(r, base) if b[3]])
                print(f"{label:14s} {pol:7s} {mean([x[0] for x in r]):8.3f} "
                      f"{mean([x[1] for x in r]):6.3f} {mean([x[2] for x in r]):6.1f} "
                      f"{mean([x[3] for x in r]):8.1f} {mean([x[4] for x in r]):9.1f} "
                      f"{done_x:9.3f} {gput_x:9.3f}")
        errors(dbs, pairs, load, combos)


if __name__ == "__main__":
    main()
