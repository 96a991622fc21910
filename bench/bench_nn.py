"""CNN layers (float32 NCHW / NCL): fastconv.nn conv1d/conv2d forward and
conv*_backward (grad_input, grad_weight), every method, against torch
(torch.nn.functional.conv1d/conv2d, torch.nn.grad.conv*_input/_weight).
fastconv.nn cases are skipped while fastconv.nn is not importable; torch
ones when torch is not installed.

Run as a script for a quick side-by-side table at 1 and 2 threads
(``python bench/bench_nn.py [--cpu]``): the best of 7 runs of each op, in
wall-clock time, or in CPU time of the process with ``--cpu`` (one thread
only: the figure a loaded machine cannot spoil by descheduling).
"""
import sys
import time

import pytest

if __name__ != "__main__":
    pytest.importorskip("pytest_benchmark")

FAMILY = "cnn"


def test_layer(run_case, case, contender):
    run_case(case, contender)


# the quick table: (name, x shape, weight shape, conv2d keyword arguments)
QUICK_CASES = [
    ("dense 3x3 64ch 56x56 b4", (4, 64, 56, 56), (64, 64, 3, 3), dict(padding=1)),
    ("dense 3x3 256ch 14x14 b8", (8, 256, 14, 14), (256, 256, 3, 3), dict(padding=1)),
    ("depthwise 3x3 64ch 56x56 b8", (8, 64, 56, 56), (64, 1, 3, 3), dict(padding=1, groups=64)),
    ("depthwise 3x3 s2 64ch 56x56 b8", (8, 64, 56, 56), (64, 1, 3, 3),
     dict(padding=1, stride=2, groups=64)),
    ("1x1 64->128 28x28 b8", (8, 64, 28, 28), (128, 64, 1, 1), {}),
]


def _best(call, clock, repeats=7):
    call()
    times = []
    for _ in range(repeats):
        t0 = clock()
        call()
        times.append(clock() - t0)
    return min(times) * 1e3


def quick_table(cpu=False):
    import numpy as np

    from fastconv import nn
    try:
        import torch
    except ImportError:
        torch = None
    clock = time.process_time if cpu else time.perf_counter
    rng = np.random.default_rng(0)
    for threads in (1,) if cpu else (1, 2):
        if torch is not None:
            torch.set_num_threads(threads)
        for name, xs, ws, kw in QUICK_CASES:
            x = rng.standard_normal(xs).astype(np.float32)
            w = rng.standard_normal(ws).astype(np.float32)
            g = rng.standard_normal(nn.conv2d(x, w, **kw).shape).astype(np.float32)
            ours = [_best(lambda: nn.conv2d(x, w, **kw, threads=threads), clock),
                    _best(lambda: nn.conv2d_backward(g, x, w, **kw, threads=threads,
                                                     output_mask=(True, False, False)), clock),
                    _best(lambda: nn.conv2d_backward(g, x, w, **kw, threads=threads,
                                                     output_mask=(False, True, False)), clock)]
            line = f"{name:32s} threads={threads}  fastconv " + " ".join(
                f"{op} {t:7.2f}" for op, t in zip(("fwd", "gi", "gw"), ours))
            if torch is not None:
                tx, tw, tg = (torch.from_numpy(a) for a in (x, w, g))
                with torch.no_grad():
                    theirs = [
                        _best(lambda: torch.nn.functional.conv2d(tx, tw, **kw), clock),
                        _best(lambda: torch.nn.grad.conv2d_input(tx.shape, tw, tg, **kw), clock),
                        _best(lambda: torch.nn.grad.conv2d_weight(tx, tw.shape, tg, **kw), clock)]
                line += "  torch " + " ".join(f"{t:7.2f}" for t in theirs)
                line += "  speedup " + " ".join(f"{b / a:5.2f}x" for a, b in zip(ours, theirs))
            print(line + "  (ms)", flush=True)


if __name__ == "__main__":
    quick_table(cpu="--cpu" in sys.argv)
