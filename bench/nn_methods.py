"""Time fastconv.nn's two methods (and torch, when installed) on a few
typical layer shapes: the measurement behind fastconv.nn's 'auto' rule.

    python bench/nn_methods.py [--dtype float32|float64] [--repeat 5] [--quick] [--threads N]

Prints, per shape and op (forward, grad_input, grad_weight), the best wall
time of `repeat` calls of each method and the GFLOP/s it reaches (2 flops per
multiply-add of the defining sum), and which method 'auto' picks.  The direct
kernels run on one core; --threads sets the BLAS (and torch) thread count,
--threads 1 compares everything on one core.
"""
import argparse
import os
import sys
import time

if "--threads" in sys.argv:   # must be set before BLAS is loaded
    _n = sys.argv[sys.argv.index("--threads") + 1]
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = _n

import numpy as np  # noqa: E402

from fastconv import nn  # noqa: E402
from fastconv._nn_shapes import conv_layer  # noqa: E402

# name, x shape, weight shape, conv kwargs
SHAPES = [
    ("resnet 3x3 64ch 56x56", (8, 64, 56, 56), (64, 64, 3, 3), dict(padding=1)),
    ("resnet 3x3 256ch 14x14", (8, 256, 14, 14), (256, 256, 3, 3), dict(padding=1)),
    ("3x3 stride 2 128ch 28x28", (8, 128, 28, 28), (128, 128, 3, 3), dict(stride=2, padding=1)),
    ("first layer 7x7/2 3->64 224x224", (8, 3, 224, 224), (64, 3, 7, 7), dict(stride=2, padding=3)),
    ("1x1 64->256 56x56", (8, 64, 56, 56), (256, 64, 1, 1), {}),
    ("depthwise 3x3 128ch 56x56", (8, 128, 56, 56), (128, 1, 3, 3), dict(padding=1, groups=128)),
    ("dilated 3x3 d=2 32ch 64x64", (8, 32, 64, 64), (32, 32, 3, 3), dict(padding=2, dilation=2)),
    ("few channels 5x5 4->8 128x128", (8, 4, 128, 128), (8, 4, 5, 5), dict(padding=2)),
    ("conv1d k=9 16->32 L=4096", (8, 16, 4096), (32, 16, 9), dict(padding=4)),
    ("conv1d k=31 1->1 L=100000", (4, 1, 100_000), (1, 1, 31), {}),
]

QUICK = {"resnet 3x3 64ch 56x56", "depthwise 3x3 128ch 56x56", "conv1d k=9 16->32 L=4096"}


def best(f, repeat):
    f()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def sweep(dtype, repeat):
    """The crossover behind 'auto': time of direct / time of im2col for the
    three kernels of 3x3 and 1-D layers over channels per group (og = cg),
    at a fixed number of outputs."""
    rng = np.random.default_rng(1)
    print(f"direct time / im2col time (< 1: direct faster), dtype {dtype}")
    print(f"{'layer':28s} {'K':>5s} {'og':>4s} {'forward':>8s} {'grad_in':>8s} {'grad_w':>8s}")
    for nd, k in ((2, 3), (1, 9)):
        for c in (1, 2, 4, 8, 16, 32, 64):
            xs = (4, c, 64, 64) if nd == 2 else (4, c, 4096)
            ws = (c, c, k, k) if nd == 2 else (c, c, k)
            conv = nn.conv1d if nd == 1 else nn.conv2d
            backward = nn.conv1d_backward if nd == 1 else nn.conv2d_backward
            x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
            gy = conv(x, w, padding=k // 2)
            ratios = []
            for mask in (None, (1, 0, 0), (0, 1, 0)):
                t = {}
                for m in ("direct", "im2col"):
                    if mask is None:
                        t[m] = best(lambda: conv(x, w, padding=k // 2, method=m), repeat)
                    else:
                        t[m] = best(lambda: backward(gy, x, w, padding=k // 2,
                                                     output_mask=mask, method=m), repeat)
                ratios.append(t["direct"] / t["im2col"])
            name = f"{'conv2d 3x3' if nd == 2 else 'conv1d k=9'} C={c}"
            taps = c * k ** nd
            print(f"{name:28s} {taps:5d} {c:4d} {ratios[0]:8.2f} {ratios[1]:8.2f} "
                  f"{ratios[2]:8.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="three shapes only")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and torch threads (default: their own defaults)")
    parser.add_argument("--sweep", action="store_true",
                        help="print the direct/im2col crossover grid instead")
    args = parser.parse_args()
    if args.sweep:
        sweep(np.dtype(args.dtype), args.repeat)
        return
    dtype = np.dtype(args.dtype)
    try:
        import torch
        torch_version = torch.__version__
        if args.threads:
            torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    print(f"dtype {dtype}, best of {args.repeat}; GFLOP/s in brackets; BLAS threads "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')}"
          + (f"; torch {torch_version} with {torch.get_num_threads()} threads" if torch else ""))
    print(f"{'shape':34s} {'op':12s} {'direct':>16s} {'im2col':>16s} {'torch':>16s}  auto")
    for name, xs, ws, kwargs in SHAPES:
        if args.quick and name not in QUICK:
            continue
        nd = len(xs) - 2
        conv = nn.conv1d if nd == 1 else nn.conv2d
        backward = nn.conv1d_backward if nd == 1 else nn.conv2d_backward
        x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
        layer = conv_layer("conv", nd, xs, ws, None, **{"stride": 1, "padding": 0,
                                                         "dilation": 1, "groups": 1, **kwargs})
        g = layer.geometry
        flops = 2 * g.n * g.c_out * g.h_out * g.w_out * (g.c_in // g.groups) * g.kh * g.kw
        gy = rng.standard_normal(layer.out_shape).astype(dtype)
        ops = {
            "forward": lambda m: conv(x, w, **kwargs, method=m),
            "grad_input": lambda m: backward(gy, x, w, **kwargs, output_mask=(1, 0, 0), method=m),
            "grad_weight": lambda m: backward(gy, x, w, **kwargs, output_mask=(0, 1, 0), method=m),
        }
        if torch is not None:
            tf = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d}[nd]
            tg = {1: (torch.nn.grad.conv1d_input, torch.nn.grad.conv1d_weight),
                  2: (torch.nn.grad.conv2d_input, torch.nn.grad.conv2d_weight)}[nd]
            tx, tw, tgy = (torch.from_numpy(a) for a in (x, w, gy))
            torch_ops = {
                "forward": lambda: tf(tx, tw, **kwargs),
                "grad_input": lambda: tg[0](xs, tw, tgy, **kwargs),
                "grad_weight": lambda: tg[1](tx, ws, tgy, **kwargs),
            }
        for op, run in ops.items():
            cells = []
            for method in ("direct", "im2col"):
                t = best(lambda: run(method), args.repeat)
                cells.append(f"{t * 1e3:8.2f}ms [{flops / t / 1e9:4.1f}]")
            if torch is not None:
                with torch.no_grad():
                    t = best(torch_ops[op], args.repeat)
                cells.append(f"{t * 1e3:8.2f}ms [{flops / t / 1e9:4.1f}]")
            else:
                cells.append(f"{'-':>16s}")
            auto = nn._choose_method("auto", op, g)
            print(f"{name:34s} {op:12s} {cells[0]:>16s} {cells[1]:>16s} {cells[2]:>16s}  {auto}",
                  flush=True)


if __name__ == "__main__":
    main()
