#!/usr/bin/env python3
"""batching_resim.py: a live batching comparison's GPU runs against its
simulated side run again (on a newer profile, say), from two results.db.

  python3 bench/gpu/batching_resim.py LIVE.DB --units
  python3 bench/gpu/batching_resim.py LIVE.DB SIM.DB

LIVE.DB is bench/gpu/batching_live.sh's live.db (live-db.tgz): runs of
scenarios/batching.lua cuda ..., tagged experiment = "batching-live".
--units prints each pair's load unit C and QoS target as the live runs
had them, for scenarios/batching.lua's LIVE_UNITS, so that the simulated
side runs the same arrivals against the same target:

  LIVE_UNITS="$(python3 bench/gpu/batching_resim.py live.db --units)" \\
    MAX_BATCH=16 abacus --db sim.db run scenarios/batching.lua sim h200 500 PAIR...

With SIM.DB (that run's database) it matches the live runs (side cuda) with
the simulated ones (side sim) by pair, load and policy label, the newest
of each, and prints the table batching_live.sh prints (sim/live - 1 in %,
within 5% for goodput and 10% for p99), then per policy how many runs fall
within both bounds and the mean size of each difference. With --skip-first
(after SIM.DB) each pair's first live run is left out: batching_live.sh runs
a pair in one process, and a process's later runs run every kernel slower
than its first (bench/gpu/timeline.py --by-run).

  python3 bench/gpu/batching_resim.py LIVE.DB SIM.DB --by-model PAIR LOAD LABEL

prints, for one run of each side, each model's p50 and p99 of latency, of
its wait (arrival to start) and of its service (start to end), ms: where
a difference in p99 comes from.

  python3 bench/gpu/batching_resim.py LIVE.DB --spread

prints, per live run, how far its p99 could move on the luck of which
queries it got: the 90% interval of the p99 of its served queries'
latencies resampled with replacement (400 times, seeded), as a half-width
in % of the p99, then the median and quartiles over the runs. A run of a
few hundred queries has a p99 of its three or so slowest: the 10% bound
is to be read beside that."""
import json
import random
import sqlite3
import statistics
import sys


def runs(path, side):
    con = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
    out = {}
    for rid, tags, config, good, p99 in con.execute(
            "SELECT id, tags, config, throughput_qps, p99_ms FROM runs "
            "WHERE status = 'done' ORDER BY id"):
        t = json.loads(tags or "{}")
        if t.get("experiment") != "batching-live" or t.get("side") != side:
            continue
        qos = json.loads(config)["services"][0]["qos_ms"]
        out[(t["pair"], float(t["load"]), t["label"])] = (good, p99, qos, t["capacity"], rid)
    if not out:
        sys.exit(f"batching_resim.py: {path} holds no {side} run of scenarios/batching.lua's live comparison")
    return out


def by_model(live_db, sim_db, pair, load, label):
    def q(xs, p):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(p * len(xs)))]

    print(f"{pair} at {load} x C, {label}: ms")
    print("side  model           queries  latency p50  p99  wait p50  p99  service p50  p99")
    for side, db in (("live", live_db), ("sim", sim_db)):
        key = (pair, load, label)
        r = runs(db, "cuda" if side == "live" else "sim")
        if key not in r:
            sys.exit(f"batching_resim.py: {db} has no {side} run of {pair} at {load} x C under {label}")
        con = sqlite3.connect("file:" + db + "?mode=ro", uri=True)
        rows = con.execute(
            "SELECT model, latency_ms, start_ms - arrival_ms, end_ms - start_ms FROM queries "
            "WHERE run_id = ? AND latency_ms IS NOT NULL", (r[key][4],)).fetchall()
        for m in sorted({x[0] for x in rows}):
            lat, wait, svc = zip(*[x[1:] for x in rows if x[0] == m])
            print(f"{side:<5} {m:<15} {len(lat):7d}  {q(lat, .5):11.2f} {q(lat, .99):5.2f} "
                  f"{q(wait, .5):9.2f} {q(wait, .99):5.2f} {q(svc, .5):12.2f} {q(svc, .99):5.2f}")


def spread(live_db):
    def p99(xs):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(0.99 * len(xs)))]

    con = sqlite3.connect("file:" + live_db + "?mode=ro", uri=True)
    rng = random.Random(1)
    print("pair                    x C           policy  queries  p99 ms  90% half-width %")
    widths = []
    for (pair, load, label), v in sorted(runs(live_db, "cuda").items(), key=lambda kv: kv[1][4]):
        lat = [r[0] for r in con.execute(
            "SELECT latency_ms FROM queries WHERE run_id = ? AND latency_ms IS NOT NULL", (v[4],))]
        if len(lat) < 20:
            continue
        base = p99(lat)
        bs = sorted(p99(rng.choices(lat, k=len(lat))) for _ in range(400))
        w = (bs[379] - bs[20]) / 2 / base * 100
        widths.append(w)
        print(f"{pair:<22}  {load:4.2f}  {label:>15}  {len(lat):7d}  {base:6.2f}  {w:16.1f}")
    widths.sort()
    n = len(widths)
    print(f"\n{n} runs: p99's 90% half-width median {statistics.median(widths):.1f}%, quartiles "
          f"{widths[n // 4]:.1f}% to {widths[(3 * n) // 4]:.1f}%, largest {widths[-1]:.1f}%")


def main():
    args = sys.argv[1:]
    if args[1:] == ["--spread"]:
        spread(args[0])
        return
    if len(args) == 6 and args[2] == "--by-model":
        by_model(args[0], args[1], args[3], float(args[4]), args[5])
        return
    skip_first = args[2:] == ["--skip-first"]
    if len(args) != 2 and not skip_first:
        sys.exit(__doc__)
    live = runs(args[0], "cuda")
    if args[1] == "--units":
        units = {}
        for (pair, _, _), (_, _, qos, cap, _) in sorted(live.items(), key=lambda kv: kv[1][4]):
            units.setdefault(pair, f"{pair}:{cap!r}:{qos!r}")
        print(" ".join(units.values()))
        return
    sim = runs(args[1], "sim")
    if skip_first:
        first = {}
        for key, v in live.items():
            if key[0] not in first or v[4] < live[first[key[0]]][4]:
                first[key[0]] = key
        for key in first.values():
            del live[key]
    missing = [k for k in live if k not in sim]
    if missing:
        sys.exit(f"batching_resim.py: {args[1]} has no simulated run of {missing[0]}")
    print("pair                    x C           policy  QoS ms  live goodput  sim goodput  sim/live-1 %"
          "  live p99 ms  sim p99 ms  sim/live-1 %  within 5%/10%")
    per, order = {}, []
    for key in sorted(live, key=lambda k: live[k][4]):
        pair, load, label = key
        lg, lp, qos, _, _ = live[key]
        sg, sp, sqos, _, _ = sim[key]
        if abs(sqos - qos) > 1e-6 * qos:
            sys.exit(f"batching_resim.py: {pair}: the simulated runs' QoS target {sqos} is not the live "
                     f"runs' {qos} (run them with LIVE_UNITS from --units)")
        dg = (sg / lg - 1) * 100 if lg > 0 else None
        dp = (sp / lp - 1) * 100 if lp > 0 else None
        ok = dg is not None and dp is not None and abs(dg) <= 5 and abs(dp) <= 10
        print(f"{pair:<22}  {load:4.2f}  {label:>15}  {qos:6.2f}  {lg:12.1f}  {sg:11.1f}  "
              f"{'' if dg is None else format(dg, '+.1f'):>12}  {lp:11.2f}  {sp:10.2f}  "
              f"{'' if dp is None else format(dp, '+.1f'):>12}  {'yes' if ok else 'no':>13}")
        if label not in per:
            per[label] = [0, 0, 0.0, 0.0]
            order.append(label)
        s = per[label]
        s[0] += 1
        s[1] += ok
        s[2] += abs(dg or 0)
        s[3] += abs(dp or 0)
    print()
    print(f"{'policy':<16} {'runs':>5} {'within both':>12} {'mean |goodput diff| %':>22} {'mean |p99 diff| %':>18}")
    for label in order:
        n, ok, g, p = per[label]
        print(f"{label:<16} {n:5d} {ok:12d} {g / n:22.1f} {p / n:18.1f}")
    n, ok, g, p = (sum(v[i] for v in per.values()) for i in range(4))
    print(f"{'all':<16} {n:5d} {ok:12d} {g / n:22.2f} {p / n:18.2f}")


if __name__ == "__main__":
    main()
