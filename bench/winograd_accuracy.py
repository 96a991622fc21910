"""Rounding error of fastconv.nn's Winograd method, per tile size, in units
of eps, for docs/guide/winograd.rst and the bounds of
tests/test_nn_winograd.py.

    python bench/winograd_accuracy.py [--cases N] [--seed S]

For generated 3x3 stride-1 layers (input channels K/9 in 1..256, spatial
extents 1..40, padding 0, 1, 2 or 'same') with values of mixed magnitude
(each element a standard normal times 10**u, u uniform in [-2, 2]), forward
and grad_input, it compares F(2x2), F(4x4), F(6x6) and the im2col method
with the exact result (float64 of the same float32 inputs; for float64
results, extended precision) and prints, per tile and dtype, the largest
over cases of

    elementwise  max |err| / (K eps (|x| * |w|))     the docs/guide/accuracy.rst ratio
    tile         max |err| / (K eps tmag)             tmag: fastconv._winograd.tile_magnitude,
                                                      (|x| * |w|) with each input replaced by
                                                      the largest |input| of its input tile

with K = 9 * input channels, the multiply-adds per output.  The scaled bound
of docs/guide/accuracy.rst passes when the elementwise ratio is below c = 4.
"""
import argparse

import numpy as np

from fastconv import _winograd, nn
from fastconv._dtypes import plan as _plan


def exact_forward(x, w, pad, dtype):
    """sum_{c, r, q} w[o, c, r, q] x[c, i - pad + r, j - pad + q], in float64,
    or in extended precision (longdouble) for the float64 comparison."""
    acc = np.longdouble if dtype == np.float64 else np.float64
    (pt, pb), (pl, pr) = pad
    xp = np.pad(x.astype(acc), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3))
    return np.einsum("nchwrq,ocrq->nohw", win, w.astype(acc))


def random_layer(rng, dtype, mixed=True):
    c = int(rng.choice([1, 2, 3, 8, 16, 32, 64, 128, 256]))
    o = int(rng.integers(1, 9))
    pad = int(rng.choice([0, 1, 2, 3]))   # 3 means 'same'
    low = 1 if pad == 3 else max(1, 3 - 2 * pad)
    h, wd = (int(v) for v in rng.integers(low, 41, size=2))
    scale_x = 10.0 ** rng.uniform(-2, 2, size=(1, c, h, wd)) if mixed else 1.0
    scale_w = 10.0 ** rng.uniform(-2, 2, size=(o, c, 3, 3)) if mixed else 1.0
    x = (rng.standard_normal((1, c, h, wd)) * scale_x).astype(dtype)
    w = (rng.standard_normal((o, c, 3, 3)) * scale_w).astype(dtype)
    return x, w, ("same" if pad == 3 else pad)


def ratios(got, exact, mag, tmag, k, eps):
    err = np.abs(got.astype(np.float64) - exact.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        elem = np.where(err > 0, err / (k * eps * mag.astype(np.float64)), 0.0)
        tile = np.where(err > 0, err / (k * eps * tmag), 0.0)
    return float(np.nanmax(elem)), float(np.nanmax(tile))


def run_case(x, w, padding, dtype, what):
    """{method: (elementwise, normwise)} for one layer, forward or grad_input."""
    eps = np.finfo(dtype).eps
    pad = ((1, 1), (1, 1)) if padding == "same" else ((padding,) * 2,) * 2
    y_exact = exact_forward(x, w, pad, dtype)
    k = 9 * x.shape[1]
    results = {}
    if what == "forward":
        mag = exact_forward(np.abs(x), np.abs(w), pad, np.float32)
        ref, args = y_exact, (x, w)
        call = lambda m, **kw: nn.conv2d(x, w, padding=padding, method=m, **kw)
    else:
        # grad_input: dy of y's shape, dx = conv_transpose of dy; exact by the
        # forward formula with the flipped, transposed weight
        rng = np.random.default_rng(x.size)
        dy = (rng.standard_normal(y_exact.shape)
              * 10.0 ** rng.uniform(-2, 2, size=y_exact.shape)).astype(dtype)
        wt = np.ascontiguousarray(w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
        gpad = tuple((2 - a, 2 - b) for a, b in pad)
        ref = exact_forward(dy, wt, gpad, dtype)[:, :, :x.shape[2], :x.shape[3]]
        mag = exact_forward(np.abs(dy), np.abs(wt), gpad, np.float32)[:, :, :x.shape[2], :x.shape[3]]
        k = 9 * w.shape[0]
        call = lambda m, **kw: nn.conv2d_backward(dy, x, w, padding=padding, method=m,
                                                  output_mask=(True, False, False), **kw)[0]
    for tile in _winograd.TILE_SIZES:
        tmag = _winograd.tile_magnitude(x if what == "forward" else dy, w, pad, tile,
                                        grad_input=what != "forward")
        if tile == 2:   # im2col against the F(2x2) tile scale, for comparison
            results["im2col"] = ratios(call("im2col"), ref, mag, tmag, k, eps)
        old = _winograd.DEFAULT_TILE
        _winograd.DEFAULT_TILE = tile
        try:
            results[f"F({tile}x{tile})"] = ratios(call("winograd"), ref, mag, tmag, k, eps)
        finally:
            _winograd.DEFAULT_TILE = old
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--uniform", action="store_true",
                        help="standard normal values instead of mixed magnitudes")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for dtype in (np.float32, np.float64):
        for what in ("forward", "grad_input"):
            worst = {}
            for _ in range(args.cases):
                x, w, padding = random_layer(rng, dtype, mixed=not args.uniform)
                for name, (e, n) in run_case(x, w, padding, dtype, what).items():
                    we, wn = worst.get(name, (0.0, 0.0))
                    worst[name] = (max(we, e), max(wn, n))
            print(f"{np.dtype(dtype).name} {what}: max over {args.cases} layers "
                  f"(elementwise / tile, units of K eps)")
            for name, (e, n) in worst.items():
                print(f"  {name:<10} {e:10.3g} {n:10.3g}")


if __name__ == "__main__":
    main()
