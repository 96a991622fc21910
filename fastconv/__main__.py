"""python -m fastconv: a short demo.

Runs each signal function on a small real-looking signal and image, checks
the result of every method against NumPy/SciPy and prints the time of each
method next to NumPy's/SciPy's; then checks a backward pass and a CNN layer
(forward and backward) against the correlations that define them, and points
to the example gallery.  Takes a few seconds.
"""
import time

import numpy as np
import scipy.signal

import fastconv

METHODS = ("direct", "im2col", "auto")


def _best_time(f, repeat=5):
    """Best wall time of `repeat` calls of f (after one warm-up call)."""
    f()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def _signal(n=50_000, seed=0):
    """A noisy chirp with a few spikes: something one would filter."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n)
    x = np.sin(2 * np.pi * (5 + 40 * t) * t) + 0.3 * rng.standard_normal(n)
    x[rng.integers(0, n, 10)] += 4.0
    return x


def _image(size=256, seed=1):
    """Smooth shapes plus noise: a small synthetic photograph."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = (np.sin(6 * xx) * np.cos(4 * yy) + ((xx - 0.5) ** 2 + (yy - 0.4) ** 2 < 0.05))
    return img + 0.1 * rng.standard_normal((size, size))


def _gaussian_kernel(size=7, sigma=1.5):
    ax = np.arange(size) - (size - 1) / 2
    g = np.exp(-(ax[:, None] ** 2 + ax[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


def _agree(got, expected):
    """Integers exactly; floats to a tolerance scaled by the output's size
    (the tests use the sharper per-element bound of docs/guide/accuracy.rst)."""
    if expected.dtype.kind in "biu":
        return np.array_equal(got, expected)
    eps = np.finfo(expected.dtype).eps
    return np.max(np.abs(got - expected), initial=0) <= 1e3 * eps * np.max(np.abs(expected), initial=1)


def _row(name, anchor_name, anchor, ours):
    expected = anchor()
    t_anchor = _best_time(anchor)
    cells = []
    for method in METHODS:
        got = ours(method)
        ok = got.shape == expected.shape and got.dtype == expected.dtype and _agree(got, expected)
        if not ok:
            raise SystemExit(f"{name} method={method}: result differs from {anchor_name}")
        t = _best_time(lambda: ours(method))
        cells.append(f"{t * 1e3:8.3f} ms")
    print(f"{name:<44} {anchor_name:<28} {t_anchor * 1e3:8.3f} ms   " + "   ".join(cells))


def _report(claim, ok):
    """Print a checked claim; a false one ends the demo with an error."""
    if not ok:
        raise SystemExit(f"{claim.strip()}: False")
    print(f"{claim}: True")


def main():
    x = _signal()
    taps = scipy.signal.firwin(31, 0.1)            # a 31-tap low-pass FIR filter
    img = _image()
    blur = _gaussian_kernel()
    edges = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)   # Sobel

    print(f"fastconv {fastconv.__version__}: 1-D and 2-D convolution / cross-correlation (NumPy's and "
          "SciPy's functions), their backward passes, and CNN layers (fastconv.nn).\n"
          "Timings: every result checked against NumPy/SciPy; best of 5 runs\n")
    print(f"{'case':<44} {'anchor':<28} {'anchor':>11}   " + "   ".join(f"{m:>11}" for m in METHODS))
    _row("convolve: 50k-sample signal, 31-tap FIR", "numpy.convolve",
         lambda: np.convolve(x, taps, "same"),
         lambda m: fastconv.convolve(x, taps, "same", method=m))
    _row("correlate: matched filter, 'valid'", "numpy.correlate",
         lambda: np.correlate(x, x[1000:1200]),
         lambda m: fastconv.correlate(x, x[1000:1200], method=m))
    xi = (x * 100).astype(np.int16)
    _row("convolve: int16 signal (wraps like NumPy)", "numpy.convolve",
         lambda: np.convolve(xi, np.array([1, 2, 1], np.int16)),
         lambda m: fastconv.convolve(xi, np.array([1, 2, 1], np.int16), method=m))
    _row("convolve2d: 256x256 image, 7x7 Gaussian", "scipy.signal.convolve2d",
         lambda: scipy.signal.convolve2d(img, blur, "same", "symm"),
         lambda m: fastconv.convolve2d(img, blur, "same", "symm", method=m))
    img32 = img.astype(np.float32)
    _row("correlate2d: float32 image, Sobel, 'valid'", "scipy.signal.correlate2d",
         lambda: scipy.signal.correlate2d(img32, edges.astype(np.float32), "valid"),
         lambda m: fastconv.correlate2d(img32, edges.astype(np.float32), "valid", method=m))

    smoothed = fastconv.convolve2d(img, blur, "same", "symm")
    print(f"\nGaussian blur keeps the mean: {img.mean():.6f} -> {smoothed.mean():.6f}")
    peaks = fastconv.correlate(x, [-1, 1, -1]).argsort()[-3:] + 1
    print(f"a [-1, 1, -1] kernel finds the largest spikes at samples {sorted(peaks.tolist())}")

    # backward: for loss = sum(g * convolve(x, taps)), d loss / d x is
    # correlate(g, taps, 'valid') and d loss / d taps is correlate(g, x, 'valid')
    g = np.random.default_rng(2).standard_normal(len(x) + len(taps) - 1)
    grad_x, grad_taps = fastconv.convolve_backward(g, x, taps)
    ok = (_agree(grad_x, np.correlate(g, taps, "valid"))
          and _agree(grad_taps, np.correlate(g, x, "valid")))
    _report("\nconvolve_backward gives correlate(g, taps) and correlate(g, x)", ok)

    # a CNN layer: nn.conv2d is cross-correlation, one output channel per filter
    batch = np.stack([img[:128, :128], img[128:, 128:]])[:, None]      # (N=2, C=1, H, W)
    filters = np.stack([blur[2:5, 2:5] / blur[2:5, 2:5].sum(), edges])[:, None]   # (K=2, 1, 3, 3)
    y = fastconv.nn.conv2d(batch, filters, padding=1)
    ok = all(_agree(y[n, k], scipy.signal.correlate2d(batch[n, 0], filters[k, 0], "same"))
             for n in range(2) for k in range(2))
    _report("nn.conv2d (a CNN layer, 2 images x 2 filters) equals correlate2d per filter", ok)
    gy = np.ones_like(y)
    _, grad_w, grad_b = fastconv.nn.conv2d_backward(gy, batch, filters, padding=1)
    padded = np.pad(batch[:, 0], ((0, 0), (1, 1), (1, 1)))
    expected_w = sum(scipy.signal.correlate2d(padded[n], gy[n, 0], "valid") for n in range(2))
    ok = _agree(grad_w[0, 0], expected_w) and _agree(grad_b, gy.sum(axis=(0, 2, 3)))
    _report("nn.conv2d_backward's weight gradient is correlate2d(input, grad_output)", ok)

    print("\nMore, with pictures: the example gallery (examples/*.py, each runnable with python; "
          "built into the docs by sphinx-gallery: docs/auto_examples), and the user guide in docs/.")


if __name__ == "__main__":
    main()
