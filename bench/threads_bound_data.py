#!/usr/bin/env python3
"""threads_bound_data.py: a what-if data folder for the engine without CUDA
graphs launched from a host thread per service, at the bound
overlap_gain.py --bound computes, for the simulator to run.

    python3 bench/threads_bound_data.py EAGER_DIR GRAPHS_DIR OUT_DIR

OUT_DIR gets EAGER_DIR's ops.csv (each segment alone is the eager engine's)
and its groups.csv with each group's median and p99 set to the bound: the
larger of its slowest segment alone (eager) and the same segments' group
time measured with graphs (the p99 scaled by the same factor as the
median), and engine.txt naming EAGER_DIR's engine with launch_threads.
Groups whose segments the graphs profile lacks keep their measured times.
Then `ABACUS_DATA=PARENT abacus calibrate --gpu GPU --write` and `train`
there. It is a bound, not a measurement: what scheduling on that engine
would give if launches from several threads never waited on one another.
"""
import csv
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from overlap_gain import graph_groups, group_bound, ops  # noqa: E402


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: threads_bound_data.py EAGER_DIR GRAPHS_DIR OUT_DIR")
    eager, graphs, out = sys.argv[1:]
    try:
        te = ops(os.path.join(eager, "ops.csv"))
        gt = graph_groups(graphs)
        with open(os.path.join(eager, "groups.csv")) as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(eager, "engine.txt")) as f:
            engine = f.read().strip()
        os.makedirs(out, exist_ok=True)
        shutil.copy(os.path.join(eager, "ops.csv"), os.path.join(out, "ops.csv"))
        bounded = 0
        with open(os.path.join(out, "groups.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["combo", "segments", "median_us", "p99_us"])
            for r in rows:
                med, p99 = float(r["median_us"]), float(r["p99_us"])
                b = group_bound(te, gt, r["combo"], r["segments"])
                if b is not None and b < med:
                    p99, med = p99 * b / med, b
                    bounded += 1
                w.writerow([r["combo"], r["segments"], f"{med:.3f}", f"{p99:.3f}"])
        words = engine.split(",") if engine and engine != "default" else []
        if "launch_threads" not in words:
            words.append("launch_threads")
        with open(os.path.join(out, "engine.txt"), "w") as f:
            f.write(",".join(words) + "\n")
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"threads_bound_data.py: {e}")
    print(f"{out}: {len(rows)} groups, {bounded} set to the bound; engine {','.join(words)}")


if __name__ == "__main__":
    main()
