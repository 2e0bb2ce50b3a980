#!/usr/bin/env python3
"""Compact summary of a bench/gpu result folder.

usage: summary.py DIR   (DIR holds whichever exist of: whole.csv and
                         torch.csv (fp32 with TF32), whole-fp16.csv and
                         torch-fp16.csv, whole-bf16.csv and torch-bf16.csv,
                         the executor's layout variants of each precision
                         (whole[-fp16|-bf16]-nhwc.csv, -nhwc-add.csv,
                         -add.csv, -nhwc-add-cg0.csv, -dw.csv,
                         -nhwc-add-dw.csv: ratio.sh's VARIANTS),
                         overlap.csv, ops.csv)

Per precision, per model and batch: the median whole-model time of abacus
(replayed from CUDA graphs, as it runs; eager too where measured) and of
PyTorch in each mode its file holds (eager, graph = hand-captured CUDA
graph, compile = torch.compile reduce-overhead, compile-ma = max-autotune),
with the ratios abacus / PyTorch (below 1: abacus is faster); then the
targets, each with its worst case. Where a precision has several executor
variants (NCHW, NHWC, with the residual add fused), each gets its table and
targets, then one table sets the variants side by side with the fastest per
model and batch and the targets of that choice (a layout chosen per model
and batch). Then the overlap table's range and the op profile's size.
"""
import csv
import os
import sys

TORCH_MODES = ("eager", "graph", "compile", "compile-ma")
PRECISIONS = (("fp32", ""), ("fp16", "-fp16"), ("bf16", "-bf16"))
LAYOUTS = (("nchw", ""), ("nchw+add", "-add"), ("nhwc", "-nhwc"), ("nhwc+add", "-nhwc-add"),
           ("nhwc+a-cg0", "-nhwc-add-cg0"), ("nchw+find", "-find"),
           ("nhwc+a+find", "-nhwc-add-find"), ("nchw+dw", "-dw"), ("nhwc+a+dw", "-nhwc-add-dw"))
# fc layers through cuBLASLt (ratio.sh's +lt)
LAYOUTS += (("nchw+lt", "-lt"), ("nhwc+a+lt", "-nhwc-add-lt"))
# every lever (ratio.sh's +nhwc+add+ws+lt+dw), and with the register-tiled
# attention kernel (+rt)
LAYOUTS += (("levers", "-nhwc-add-ws-lt-dw"), ("levers+rt", "-nhwc-add-ws-lt-dw-rt"))
# the tensor-core attention kernel (+tc) beside what bert runs without it
LAYOUTS += (("ws+lt", "-ws-lt"), ("ws+lt+tc", "-ws-lt-tc"), ("nhwc+a+ws+lt", "-nhwc-add-ws-lt"),
            ("nhwc+a+ws+lt+tc", "-nhwc-add-ws-lt-tc"), ("levers+tc", "-nhwc-add-ws-lt-dw-tc"))
# and with every convolution's algorithm timed at load (ratio.sh's +find)
LAYOUTS += (("levers+find+tc", "-nhwc-add-find-ws-lt-dw-tc"),)


def load(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {(r["model"], int(r["batch"]), r["mode"]): r for r in csv.DictReader(f)}


def med(t, m, b, mode):
    r = t.get((m, b, mode))
    return float(r["median_ms"]) if r else None


def p99r(t, m, b, mode):
    r = t.get((m, b, mode))
    return float(r["p99_over_median"]) if r else None


def ratio(a, t):
    return a / t if a and t else None


def fmt(v, w=8, p=3):
    return f"{v:{w}.{p}f}" if v is not None else " " * (w - 1) + "-"


def targets(prec, whole, torch, keys):
    """The targets for abacus as it runs (replayed from CUDA graphs), the
    worst case of each, with where it is."""
    def worst(pairs):
        pairs = [p for p in pairs if p[0] is not None]
        return max(pairs) if pairs else None

    def vs(mode, only_b1=False):
        return worst((ratio(med(whole, m, b, "graph"), med(torch, m, b, mode)), m, b)
                     for m, b in keys if b == 1 or not only_b1)

    rows = [("abacus / torch.compile reduce-overhead", 1.0, vs("compile"))]
    if any(k[2] == "compile-ma" for k in torch):
        rows.append(("abacus / torch.compile max-autotune (where run)", 1.0, vs("compile-ma")))
    if prec.startswith("fp32"):
        rows += [
            ("abacus / PyTorch eager, every model and batch", 1.0, vs("eager")),
            ("abacus / PyTorch eager, batch 1", 0.7, vs("eager", True)),
            ("abacus / PyTorch CUDA-graph replay (aim)", 1.1, vs("graph")),
        ]
    rows.append(("abacus p99 / median", 1.05,
                 worst((p99r(whole, m, b, "graph"), m, b) for m, b in keys)))
    print(f"targets, {prec} (abacus replays CUDA graphs; worst case of each):")
    for name, limit, w in rows:
        if w is None:
            print(f"  {name:48s}      -  (not measured)")
            continue
        v, m, b = w
        verdict = "ok" if v <= limit else "MISSED"
        print(f"  {name:48s} {v:6.3f}  {m} b{b}  target <= {limit:g}  {verdict}")
    over = sorted(((ratio(med(whole, m, b, "graph"), med(torch, m, b, "compile")), m, b)
                   for m, b in keys), key=lambda r: -(r[0] or 0))
    over = [f"{m} b{b} {v:.2f}" for v, m, b in over if v and v > 1.0]
    if over:
        print(f"  above 1.0x torch.compile ({len(over)}): {', '.join(over)}")


def table(prec, whole, torch):
    keys = sorted({(m, b) for (m, b, _) in whole} | {(m, b) for (m, b, _) in torch})
    if not keys:
        return
    modes = [md for md in TORCH_MODES if any(k[2] == md for k in torch)]
    print(f"\n{prec}: whole model, median ms; x = abacus graph / PyTorch mode")
    head = f"{'model':14s} {'b':>3s} {'ab eager':>8s} {'ab graph':>8s}"
    head += "".join(f" {'pt ' + md:>10s}" for md in modes)
    head += "".join(f" {'x ' + md:>10s}" for md in modes) + f" {'p99/med':>8s}"
    print(head)
    for m, b in keys:
        ae, ag = med(whole, m, b, "eager"), med(whole, m, b, "graph")
        line = f"{m:14s} {b:3d} {fmt(ae)} {fmt(ag)}"
        line += "".join(f" {fmt(med(torch, m, b, md), 10)}" for md in modes)
        line += "".join(f" {fmt(ratio(ag, med(torch, m, b, md)), 10)}" for md in modes)
        line += f" {fmt(p99r(whole, m, b, 'graph'))}"
        print(line)
    targets(prec, whole, torch, keys)


def best_of(prec, variants, torch):
    """The variants side by side, the fastest per model and batch, and the
    targets of running each case in its fastest variant."""
    names = [n for n, _ in variants]
    keys = sorted({(m, b) for _, w in variants for (m, b, _) in w})
    print(f"\n{prec}: abacus variants, graph median ms (best: the fastest; "
          "x compile = best / torch.compile)")
    print(f"{'model':14s} {'b':>3s}" + "".join(f" {n:>9s}" for n in names)
          + f" {'best':>9s} {'x compile':>9s}")
    best = {}
    for m, b in keys:
        vals = [(med(w, m, b, "graph"), n, w) for n, w in variants]
        have = [v for v in vals if v[0] is not None]
        line = f"{m:14s} {b:3d}" + "".join(f" {fmt(v[0], 9)}" for v in vals)
        if have:
            t, n, w = min(have, key=lambda v: v[0])
            best[(m, b, "graph")] = w[(m, b, "graph")]
            line += f" {n:>9s} {fmt(ratio(t, med(torch, m, b, 'compile')), 9)}"
        print(line)
    if best and torch:
        print(f"best variant per model and batch, {prec}:")
        targets(prec, best, torch, keys)


def main():
    d = sys.argv[1]
    for prec, suffix in PRECISIONS:
        torch = load(os.path.join(d, f"torch{suffix}.csv"))
        variants = []
        for name, lay in LAYOUTS:
            whole = load(os.path.join(d, f"whole{suffix}{lay}.csv"))
            if whole:
                variants.append((f"{name}", whole))
        if not variants:
            table(prec, {}, torch)
            continue
        for name, whole in variants:
            table(f"{prec} {name}" if len(variants) > 1 or name != "nchw" else prec, whole,
                  torch)
        if len(variants) > 1:
            best_of(prec, variants, torch)
    ov = os.path.join(d, "overlap.csv")
    if os.path.exists(ov):
        with open(ov) as f:
            rows = list(csv.DictReader(f))
        sp = sorted((float(r["overlap_speedup"]), r["model_a"], r["model_b"]) for r in rows)
        if sp:
            print(f"overlap (batch 4, {len(sp)} pairs): sequential/together from {sp[0][0]:.2f} "
                  f"({sp[0][1]}+{sp[0][2]}) to {sp[-1][0]:.2f} ({sp[-1][1]}+{sp[-1][2]}), "
                  f"median {sp[len(sp) // 2][0]:.2f}")
    ops = os.path.join(d, "ops.csv")
    if os.path.exists(ops):
        with open(ops) as f:
            rows = list(csv.DictReader(f))
        models = sorted({r["model"] for r in rows})
        print(f"op profile: {len(rows)} rows, {len(models)} models: {', '.join(models)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
