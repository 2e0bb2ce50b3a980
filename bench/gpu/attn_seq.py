#!/usr/bin/env python3
"""attn_seq.py FOLDER: bench/gpu/attn_seq.sh's exports as tables.

For TF32 and fp16, bert's whole-graph median with attn_tc over without,
per batch and sequence length; then every median (us) as CSV rows
engine,batch,seq,whole_us.
"""
import os
import sys

import whole_ratio

ENGINES = ["fc_lt", "fc_lt,attn_tc", "fp16,fc_lt", "fp16,fc_lt,attn_tc"]
SEQS = [8, 16, 32, 64, 128, 256]
BATCHES = [1, 2, 4, 6, 8, 10, 12, 16, 20, 24, 28, 32]


def whole(folder):
    """bert's whole-model median (us) of each (batch, seq) in an export."""
    rows = whole_ratio.whole(os.path.join(folder, "ops.csv"))
    return {(b, s): us for (_, b, s), us in rows.items()}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: attn_seq.py FOLDER")
    base = sys.argv[1]
    med = {}
    for e in ENGINES:
        n = e.replace(",", "_")
        med[e] = whole(os.path.join(base, n))
        med[e].update(whole(os.path.join(base, n + "_256")))
    for prec, off, on in (("tf32", ENGINES[0], ENGINES[1]), ("fp16", ENGINES[2], ENGINES[3])):
        print(f"{prec} attn_tc on / off (whole bert graph median)")
        print("batch " + " ".join(f"{s:7d}" for s in SEQS))
        for b in BATCHES:
            cells = []
            for s in SEQS:
                k = (b, s)
                cells.append(f"{med[on][k] / med[off][k]:7.3f}" if k in med[on] and k in med[off]
                             else f"{'-':>7}")
            print(f"{b:5d} " + " ".join(cells))
    print()
    print("raw: whole-graph medians in us, batch,seq,engine")
    print("engine,batch,seq,whole_us")
    for e in ENGINES:
        for (b, s), us in sorted(med[e].items()):
            print(f"{e},{b},{s},{us}")


if __name__ == "__main__":
    main()
