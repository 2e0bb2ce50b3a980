#!/usr/bin/env python3
"""PyTorch reference timings for the models abacus runs, to compare against.

Same models (torchvision's, and a BERT-base from transformers' BertConfig
with random weights), same batches. --dtype fp32 (TF32 allowed), fp16 or
bf16 (the whole model and its input cast); cudnn.benchmark on; with
--channels-last the CNNs and their inputs are stored NHWC. Each run is
isolated (CUDA events around it, the GPU idle before it), as bench_gpu's
whole table. Modes (--modes, comma list):
  eager       the module called as it is
  graph       one CUDA graph captured by hand and replayed
  compile     torch.compile(mode="reduce-overhead"): inductor and CUDA graphs
  compile-ma  torch.compile(mode="max-autotune"): inductor's searched
              templates and CUDA graphs; compiles for minutes per model
Writes model,batch,seq,mode,median_ms,p99_ms,p99_over_median,runs (bench_gpu's
whole.csv columns) to --out.

Compile time: with --dynamic the batch dimension of the input is marked
dynamic (torch._dynamo.maybe_mark_dynamic), so one compile serves every
batch above 1 and a second one batch 1 (size 1 is always specialised);
without it every batch compiles on its own. The CUDA graphs are recorded
per batch either way. --lock FILE holds an exclusive flock on FILE while
timing (not while compiling), so several processes can compile at once on
a many-core host and still time the GPU one at a time; --timing-cpus pins
the timing thread to those cores (the compiling ones can be kept off them
with taskset). --kernels B also writes the top kernels of one compiled run
at batch B (torch.profiler) to --kernels-out.

PyTorch is only a yardstick here; nothing in abacus uses it.
"""
import argparse
import contextlib
import fcntl
import math
import os
import sys
import time

import torch
import torchvision

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def build(name):
    tv = torchvision.models
    if name == "bert":
        from transformers import BertConfig, BertModel

        cfg = BertConfig()  # BERT-base: 12 layers, 768 hidden, 12 heads
        return BertModel(cfg, add_pooling_layer=True)
    if name == "inception_v3":
        return tv.inception_v3(weights=None, aux_logits=False, init_weights=False)
    return getattr(tv, name)(weights=None)


def make_input(name, batch, seq, dev, dtype, nhwc):
    if name == "bert":
        g = torch.Generator(device="cpu").manual_seed(1)
        return torch.randint(0, 30522, (batch, seq), generator=g).to(dev)
    size = 299 if name == "inception_v3" else 224
    x = (torch.rand(batch, 3, size, size, device=dev) * 2 - 1).to(dtype)
    return x.contiguous(memory_format=torch.channels_last) if nhwc else x


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


def capture(model, x):
    """A hand-made CUDA graph of one forward pass: captured after warm-up
    on a side stream, as torch.cuda.graphs documents."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            model(x)
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        model(x)
    return g


def compiled_call(cm, x):
    def fn():
        # each call is a new step for CUDA-graph trees: the last run's
        # outputs may be overwritten
        torch.compiler.cudagraph_mark_step_begin()
        return cm(x)

    return fn


@contextlib.contextmanager
def gpu_turn(path, cpus):
    """Exclusive use of the GPU among processes sharing `path`, the timing
    thread on `cpus`."""
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        old = os.sched_getaffinity(0)
        if cpus:
            os.sched_setaffinity(0, cpus)
        try:
            yield
        finally:
            if cpus:
                os.sched_setaffinity(0, old)
            fcntl.flock(f, fcntl.LOCK_UN)


def top_kernels(fn, out, title, n=25):
    from torch.profiler import ProfilerActivity, profile

    fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    ev = [e for e in prof.key_averages() if e.device_type.name == "CUDA"]
    tot = sum(e.self_device_time_total for e in ev)
    ev.sort(key=lambda e: -e.self_device_time_total)
    with open(out, "a") as f:
        f.write(f"== {title}: {len(ev)} kernel names, {tot / 1e3:.3f} ms of kernels\n")
        f.write("us_total,calls,share,kernel\n")
        for e in ev[:n]:
            share = e.self_device_time_total / tot if tot else 0
            f.write(f"{e.self_device_time_total:.1f},{e.count},{share:.3f},{e.key[:160]}\n")


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
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="fp32")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--modes", default="eager,graph")
    ap.add_argument("--dynamic", action="store_true")
    ap.add_argument("--lock", default="")
    ap.add_argument("--timing-cpus", default="")
    ap.add_argument("--kernels", type=int, default=0)
    ap.add_argument("--kernels-out", default="")
    a = ap.parse_args()
    modes = a.modes.split(",")
    for m in modes:
        if m not in ("eager", "graph", "compile", "compile-ma"):
            print(f"torch_ref.py: unknown mode {m}", file=sys.stderr)
            return 2
    cpus = {int(c) for c in a.timing_cpus.split(",") if c}

    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    dtype = DTYPES[a.dtype]
    print(f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, "
          f"{torch.cuda.get_device_name(0)}, {a.dtype}"
          f"{', channels-last' if a.channels_last else ''}", flush=True)

    batches = [int(x) for x in a.batches.split(",")]
    with open(a.out, "w") as f:
        f.write("model,batch,seq,mode,median_ms,p99_ms,p99_over_median,runs\n")

        def put(r):
            line = f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]:.4f},{r[5]:.4f},{r[5] / r[4]:.3f},{a.runs}"
            f.write(line + "\n")
            f.flush()
            print(line, flush=True)

        for name in a.models.split(","):
            model = build(name).to(dev).eval()
            if dtype != torch.float32:
                model = model.to(dtype)
            seq = a.seq if name == "bert" else 0
            nhwc = a.channels_last and name != "bert"
            if nhwc:
                model = model.to(memory_format=torch.channels_last)
            inputs = {b: make_input(name, b, seq, dev, dtype, nhwc) for b in batches}
            compiled = {}
            with torch.inference_mode():
                # compile first, outside the GPU turn: the batches above 1
                # first, so that with --dynamic one graph takes them all
                for mode in [m for m in modes if m.startswith("compile")]:
                    cm = torch.compile(model, mode="reduce-overhead" if mode == "compile"
                                       else "max-autotune", dynamic=None if a.dynamic else False)
                    t0 = time.time()
                    for b in sorted(batches, key=lambda b: (b == 1, b)):
                        x = inputs[b]
                        if a.dynamic and b > 1:
                            torch._dynamo.maybe_mark_dynamic(x, 0)
                        cm(x)
                    torch.cuda.synchronize()
                    print(f"# {name} {a.dtype} {mode}: compiled in {time.time() - t0:.1f} s",
                          flush=True)
                    compiled[mode] = cm
                with gpu_turn(a.lock, cpus):
                    for b in batches:
                        x = inputs[b]
                        for mode in modes:
                            g = None
                            if mode == "eager":
                                fn = lambda: model(x)
                            elif mode == "graph":
                                g = capture(model, x)
                                fn = g.replay
                            else:
                                fn = compiled_call(compiled[mode], x)
                            time_runs(fn, a.warmup)
                            med, p99 = stats(time_runs(fn, a.runs))
                            put((name, b, seq, mode, med, p99))
                            if a.kernels == b and mode == modes[-1] and a.kernels_out:
                                top_kernels(fn, a.kernels_out, f"torch {name} b{b} {a.dtype} "
                                            f"{'NHWC' if nhwc else 'NCHW'} {mode}")
                            del g, fn
            del model, compiled, inputs
            torch._dynamo.reset()
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
