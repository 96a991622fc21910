"""Winograd, im2col and torch on the dense 3x3 layers of the CNN grid (and the
training step's 3x3 layer) at 1 and 2 threads: forward and grad_input,
float32, best of N wall-clock calls, the contenders interleaved call by call
so that a load change hits them alike; also the process CPU time of
Winograd at each thread count (the same at 1 and 2 threads when no work is
repeated).

    python bench/winograd_threads.py [--repeats 15] [--threads 1 2]

Prints one line per (layer, op, threads): times in ms and torch / fastconv.
"""
import argparse
import time

import numpy as np

from fastconv import nn

# (name, x shape, weight shape): padding 1, stride 1
LAYERS = (
    ("resnet3x3 64ch 56x56 N16", (16, 64, 56, 56), (64, 64, 3, 3)),
    ("deep3x3 256ch 14x14 N8", (8, 256, 14, 14), (256, 256, 3, 3)),
    ("train step 32->64 32x32 N32", (32, 32, 32, 32), (64, 32, 3, 3)),
)


def interleaved_best(calls, repeats):
    """{name: (best wall ms, best CPU ms)} of zero-argument calls, run in turn."""
    wall = {name: [] for name in calls}
    cpu = {name: [] for name in calls}
    for call in calls.values():
        call()
    for _ in range(repeats):
        for name, call in calls.items():
            w0, c0 = time.perf_counter(), time.process_time()
            call()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    return {name: (min(wall[name]) * 1e3, min(cpu[name]) * 1e3) for name in calls}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args(argv)
    import torch

    rng = np.random.default_rng(0)
    for name, xs, ws in LAYERS:
        x = rng.standard_normal(xs).astype(np.float32)
        w = (rng.standard_normal(ws) * np.sqrt(2.0 / (9 * ws[1]))).astype(np.float32)
        g = rng.standard_normal((xs[0], ws[0], *xs[2:])).astype(np.float32)
        tx, tw, tg = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(g)
        for threads in options.threads:
            torch.set_num_threads(threads)

            def ours(method, op):
                if op == "forward":
                    return lambda: nn.conv2d(x, w, padding=1, method=method, threads=threads)
                return lambda: nn.conv2d_backward(g, x, w, padding=1, method=method,
                                                  output_mask=(True, False, False),
                                                  threads=threads)

            def theirs(op):
                def call():
                    with torch.no_grad():
                        if op == "forward":
                            return torch.nn.functional.conv2d(tx, tw, padding=1)
                        return torch.nn.grad.conv2d_input(tx.shape, tw, tg, padding=1)
                return call

            for op in ("forward", "grad_input"):
                got = interleaved_best({"winograd": ours("winograd", op),
                                        "im2col": ours("im2col", op),
                                        "torch": theirs(op)}, options.repeats)
                t = got["torch"][0]
                print(f"{name:28s} {op:10s} threads={threads}  winograd {got['winograd'][0]:7.2f} "
                      f"(cpu {got['winograd'][1]:7.2f})  im2col {got['im2col'][0]:7.2f}  "
                      f"torch {t:7.2f}  torch/winograd {t / got['winograd'][0]:5.2f}  "
                      f"torch/im2col {t / got['im2col'][0]:5.2f}  (ms)", flush=True)


if __name__ == "__main__":
    main()
