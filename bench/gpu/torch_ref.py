#!/usr/bin/env python3
"""PyTorch reference timings for the models abacus runs, to compare against.

Same models (torchvision's, and a BERT-base from transformers' BertConfig
with random weights), same batches, fp32 with TF32 allowed, cudnn.benchmark
on (with --channels-last, the CNNs and their inputs stored NHWC, to see
what cuDNN's layout costs). Each run is isolated (CUDA events around it, the GPU idle before it), as
bench_gpu's whole table; eager and CUDA-graph replay. Writes
model,batch,seq,mode,median_ms,p99_ms,p99_over_median,runs (bench_gpu's
whole.csv columns) to --out.

PyTorch is only a yardstick here; nothing in abacus uses it.
"""
import argparse
import math
import sys

import torch
import torchvision


def build(name):
    tv = torchvision.models
    if name == "bert":
        from transformers import BertConfig, BertModel

        cfg = BertConfig()  # BERT-base: 12 layers, 768 hidden, 12 heads
        return BertModel(cfg, add_pooling_layer=True)
    if name == "inception_v3":
        return tv.inception_v3(weights=None, aux_logits=False, init_weights=False)
    return getattr(tv, name)(weights=None)


def make_input(name, batch, seq, dev):
    if name == "bert":
        g = torch.Generator(device="cpu").manual_seed(1)
        return torch.randint(0, 30522, (batch, seq), generator=g).to(dev)
    size = 299 if name == "inception_v3" else 224
    return torch.rand(batch, 3, size, size, device=dev) * 2 - 1


def stats(v):
    v = sorted(v)
    n = len(v)
    med = v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])
    p99 = v[max(0, math.ceil(0.99 * n) - 1)]
    return med, p99


def time_runs(fn, runs):
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    out = []
    for _ in range(runs):
        start.record()
        fn()
        end.record()
        end.synchronize()
        out.append(start.elapsed_time(end))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument(
        "--models",
        default="resnet18,resnet50,resnet101,resnet152,inception_v3,vgg16,vgg19,mobilenet_v2,bert",
    )
    ap.add_argument("--batches", default="1,4,8,16")
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    print(f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, "
          f"{torch.cuda.get_device_name(0)}", flush=True)

    rows = []
    with open(a.out, "w") as f:
        f.write("model,batch,seq,mode,median_ms,p99_ms,p99_over_median,runs\n")
        for name in a.models.split(","):
            model = build(name).to(dev).eval()
            seq = a.seq if name == "bert" else 0
            nhwc = a.channels_last and name != "bert"
            if nhwc:
                model = model.to(memory_format=torch.channels_last)
            for b in [int(x) for x in a.batches.split(",")]:
                x = make_input(name, b, seq, dev)
                if nhwc:
                    x = x.contiguous(memory_format=torch.channels_last)
                with torch.inference_mode():
                    fn = lambda: model(x)
                    time_runs(fn, a.warmup)
                    med, p99 = stats(time_runs(fn, a.runs))
                    rows.append((name, b, seq, "eager", med, p99))
                    # graph: capture after warm-up on a side stream, as
                    # torch.cuda.graphs documents
                    s = torch.cuda.Stream()
                    s.wait_stream(torch.cuda.current_stream())
                    with torch.cuda.stream(s):
                        for _ in range(3):
                            model(x)
                    torch.cuda.current_stream().wait_stream(s)
                    g = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(g):
                        model(x)
                    time_runs(g.replay, a.warmup)
                    med_g, p99_g = stats(time_runs(g.replay, a.runs))
                    rows.append((name, b, seq, "graph", med_g, p99_g))
                    del g
                for r in rows[-2:]:
                    line = f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]:.4f},{r[5]:.4f},{r[5] / r[4]:.3f},{a.runs}"
                    f.write(line + "\n")
                    print(line, flush=True)
            del model
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
