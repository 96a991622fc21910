"""Speed of fastconv.nn's Winograd method on the dense 3x3 layers of the CNN
grid (fastconv/bench/grid.py), against fastconv's im2col method and torch,
forward and grad_input, float32, one thread, minimum of repeated runs.

    python bench/winograd_speed.py [--repeat N] [--tiles 2,4,6]
"""
import argparse
import time

import numpy as np
import threadpoolctl

from fastconv import _config, _winograd, nn

# (batch, channels, spatial) of the grid's dense 3x3 layers, padding 1
LAYERS = [(16, 64, 56), (8, 256, 14), (16, 128, 28)]


def best_times(calls, repeat):
    """{name: minimum seconds} of each call, the calls interleaved round by
    round so that a busy spell of the machine hits all of them alike."""
    best = {name: float("inf") for name in calls}
    for _ in range(repeat + 1):          # the first round warms up
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _with_tile(call, tile):
    def run():
        old, _winograd.DEFAULT_TILE = _winograd.DEFAULT_TILE, tile
        try:
            call("winograd")
        finally:
            _winograd.DEFAULT_TILE = old
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--tiles", default="2,4,6")
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    with threadpoolctl.threadpool_limits(1):
        for n, c, h in LAYERS:
            x = rng.standard_normal((n, c, h, h)).astype(np.float32)
            w = rng.standard_normal((c, c, 3, 3)).astype(np.float32)
            dy = rng.standard_normal((n, c, h, h)).astype(np.float32)
            flops = 2 * n * c * c * 9 * h * h
            runs = {
                "forward": lambda m: nn.conv2d(x, w, padding=1, method=m),
                "grad_input": lambda m: nn.conv_transpose2d(dy, w, padding=1, method=m),
            }
            for op, call in runs.items():
                calls = {"im2col": lambda call=call: call("im2col")}
                for tile in map(int, args.tiles.split(",")):
                    calls[f"F{tile}"] = _with_tile(call, tile)
                if torch is not None:
                    tx, tw, tdy = (torch.from_numpy(a) for a in (x, w, dy))
                    calls["torch"] = (lambda: torch.nn.functional.conv2d(tx, tw, padding=1)) \
                        if op == "forward" else \
                        (lambda: torch.nn.functional.conv_transpose2d(tdy, tw, padding=1))
                times = best_times(calls, args.repeat)
                cells = "  ".join(f"{k} {v * 1e3:7.1f} ms" for k, v in times.items())
                ratios = ""
                if "torch" in times:
                    ratios = "  torch/F: " + " ".join(
                        f"{k} {times['torch'] / v:.2f}" for k, v in times.items()
                        if k.startswith("F"))
                print(f"{n}x{c}x{h}x{h} {op:<10} {cells}{ratios}  "
                      f"(direct-equivalent {flops / 1e9:.2f} GFLOP)", flush=True)


if __name__ == "__main__":
    main()
