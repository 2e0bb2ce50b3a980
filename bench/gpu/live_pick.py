#!/usr/bin/env python3
"""live_pick.py: one sim-against-live table from the rows of several, each
pair taken from the file named for it.

  python3 bench/gpu/live_pick.py [--section S] FILE=PAIR,PAIR ...

FILE is a table batching_live.sh (summary.txt) or bench/gpu/regroup.sh
printed; with --section S (regroup.sh's "stored" or "new") only the rows
after its "=== S" line, up to the next "===", are read. Prints the chosen
rows, then per policy the runs, how many are within both bounds (goodput
within 5%, p99 within 10%) and the mean absolute differences, as
batching_live.sh's summary does. For a live comparison some of whose pairs
were run again (another binary, another call)."""
import argparse
import sys


def rows_of(path, section):
    out, on = [], section is None
    with open(path) as f:
        for line in f:
            if line.startswith("=== "):
                on = section is not None and line.split()[1] == section
                continue
            p = line.split()
            if on and len(p) == 11 and p[-1] in ("yes", "no"):
                out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--section")
    ap.add_argument("picks", nargs="+", metavar="FILE=PAIR,PAIR")
    a = ap.parse_args()
    chosen = []
    for pick in a.picks:
        path, _, pairs = pick.partition("=")
        want = set(pairs.split(","))
        got = [r for r in rows_of(path, a.section) if r[0] in want]
        missing = want - {r[0] for r in got}
        if missing:
            sys.exit(f"live_pick.py: {path} has no rows of {', '.join(sorted(missing))}")
        chosen += got
    print("pair x_C policy QoS_ms live_goodput sim_goodput goodput_% live_p99 sim_p99 p99_% within")
    for r in chosen:
        print(" ".join(r))
    print()
    print(f"{'policy':16}  runs  within both  mean |goodput diff| %  mean |p99 diff| %")
    order = []
    for r in chosen:
        if r[2] not in order:
            order.append(r[2])
    for pol in order:
        rs = [r for r in chosen if r[2] == pol]
        within = sum(abs(float(r[6])) <= 5 and abs(float(r[9])) <= 10 for r in rs)
        g = sum(abs(float(r[6])) for r in rs) / len(rs)
        p = sum(abs(float(r[9])) for r in rs) / len(rs)
        print(f"{pol:16}  {len(rs):4}  {within:11}  {g:20.1f}  {p:17.1f}")


if __name__ == "__main__":
    main()
