#!/usr/bin/env python3
"""Merge exported ops.csv files into one profile's ops.csv.

    python3 bench/gpu/merge_ops.py OUT NEW.csv [NEW.csv ...] [--keep OLD.csv]

Rows are keyed by (model, op, batch, seq). A NEW file's rows take the
place of any earlier file's with the same key, except that a later NEW
file only adds keys no earlier one had (so list the most specific
measurement first: bench/gpu/profile.sh's sizes/cnn, sizes/bert,
sizes/bert256, then groups/ops.csv). --keep OLD.csv adds OLD's rows for
models no NEW file measured. The result is sorted as abacus writes it:
zoo order of the models, then batch, seq and op.

How data/h100/ops.csv was made (README, GPU data):
    python3 bench/gpu/merge_ops.py data/h100/ops.csv sizes/cnn/ops.csv \
        sizes/bert/ops.csv sizes/bert256/ops.csv groups/ops.csv \
        --keep data/h100/ops.csv
"""
import csv
import sys

ZOO = ["resnet18", "resnet50", "resnet101", "resnet152", "inception_v3",
       "vgg16", "vgg19", "mobilenet_v2", "bert"]


def read(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        return next(r), [row for row in r if row]


def main(argv):
    keep = None
    if "--keep" in argv:
        i = argv.index("--keep")
        keep = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out, news = argv[0], argv[1:]
    header, rows = None, {}
    for path in news:
        h, body = read(path)
        if header is None:
            header = h
        elif h != header:
            print(f"merge_ops.py: {path}: header {h} is not {header}", file=sys.stderr)
            return 1
        for row in body:
            rows.setdefault(tuple(row[:4]), row)
    measured = {k[0] for k in rows}
    if keep:
        h, body = read(keep)
        if h != header:
            print(f"merge_ops.py: {keep}: header {h} is not {header}", file=sys.stderr)
            return 1
        for row in body:
            if row[0] not in measured:
                rows.setdefault(tuple(row[:4]), row)
    for k in rows:
        if k[0] not in ZOO:
            print(f"merge_ops.py: unknown model {k[0]}", file=sys.stderr)
            return 1
    order = sorted(rows, key=lambda k: (ZOO.index(k[0]), int(k[2]), int(k[3]), int(k[1])))
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for k in order:
            w.writerow(rows[k])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
