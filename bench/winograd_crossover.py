"""Where fastconv.nn's Winograd method beats its im2col method: forward
passes of 3x3 'same' layers, C in = C out channels and H = W extents swept,
float32, one thread; prints the time ratio im2col / Winograd per tile
(> 1: Winograd faster), calls interleaved, minimum of the rounds.

    python bench/winograd_crossover.py [--repeat N]
"""
import argparse
import time

import numpy as np
import threadpoolctl

from fastconv import _winograd, nn

CHANNELS = (4, 8, 16, 32, 64, 128, 256)
EXTENTS = (7, 14, 28, 56)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("C \\ HxW " + "".join(f"{h:>22}" for h in EXTENTS) + "    (im2col / F2, F4, F6)")
    with threadpoolctl.threadpool_limits(1):
        for c in CHANNELS:
            row = []
            for h in EXTENTS:
                n = max(1, int(2e8 // (18 * c * c * h * h)))   # about 0.2 GFLOP a call
                x = rng.standard_normal((n, c, h, h)).astype(np.float32)
                w = rng.standard_normal((c, c, 3, 3)).astype(np.float32)
                best = {}
                for _ in range(args.repeat + 1):
                    for name in ("im2col", 2, 4, 6):
                        if name != "im2col":
                            _winograd.DEFAULT_TILE = name
                        start = time.perf_counter()
                        nn.conv2d(x, w, padding=1,
                                  method="im2col" if name == "im2col" else "winograd")
                        best[name] = min(best.get(name, 1e9), time.perf_counter() - start)
                row.append(",".join(f"{best['im2col'] / best[m]:.2f}" for m in (2, 4, 6)))
            print(f"{c:<8}" + "".join(f"{r:>22}" for r in row), flush=True)


if __name__ == "__main__":
    main()
