"""Batches (axis= / axes=) and lag windows (lags=) against what a NumPy /
SciPy user has today.  Run: ``python bench/batch_lags.py [--quick]``.

Cases (issue 12):

* 1000 signals of 4096 samples, one 31-tap kernel, 'same' (float32, float64):
  fastconv.convolve(axis=-1), a Python loop of numpy.convolve, a loop of the
  1-D fastconv.convolve, scipy.signal.fftconvolve(axes=-1),
  scipy.ndimage.convolve1d(axis=-1, mode='constant');
* the same stack with one kernel per signal (no C fold: the per-item loop);
* 64 images of 256 x 256, one 5 x 5 kernel, 'same': fastconv.convolve2d(axes=),
  a loop of fastconv.convolve2d, a loop of cv2.filter2D when installed,
  scipy.signal.fftconvolve(axes=(1, 2)), scipy.ndimage.convolve with a
  (1, 5, 5) kernel;
* correlate of two 1e6-sample signals at |lag| <= 100: fastconv.correlate
  (lags=100), scipy.signal.correlate(a, v, 'full') then the slice,
  fastconv.correlate(a, v, 'full') then the slice.

Each timing is the best of `repeat` runs, at 1 thread and at all cores, or
at the counts of ``--threads`` (fastconv.set_num_threads, threadpoolctl for
scipy.fft's workers / BLAS, cv2.setNumThreads).  The last line of a case is
the batched call's speed-up over the fastest anchor of the same run (issue
12's goal: 3x for the two batch cases, 5x for the lags).
"""
import argparse
import os
import platform
import time

import numpy as np
import scipy.ndimage
import scipy.signal
from threadpoolctl import threadpool_limits

import fastconv


def best(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def signals_case(dtype, per_signal=False, n_signals=1000, n=4096, k=31):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n_signals, n)).astype(dtype)
    v = rng.standard_normal((n_signals, k) if per_signal else k).astype(dtype)
    vv = v if per_signal else np.broadcast_to(v, (n_signals, k))
    contenders = {
        "fastconv.convolve(axis=-1)": lambda: fastconv.convolve(a, v, "same", axis=-1),
        "loop fastconv.convolve": lambda: [fastconv.convolve(x, y, "same") for x, y in zip(a, vv)],
        "loop numpy.convolve": lambda: [np.convolve(x, y, "same") for x, y in zip(a, vv)],
        "scipy fftconvolve(axes=-1)": lambda: scipy.signal.fftconvolve(
            a, v if per_signal else v[None, :], "same", axes=-1),
    }
    if not per_signal:
        contenders["scipy ndimage.convolve1d"] = lambda: scipy.ndimage.convolve1d(
            a, v, axis=-1, mode="constant")
    title = (f"{n_signals} x {n} {np.dtype(dtype).name} signals, {k} taps "
             f"({'one per signal' if per_signal else 'one kernel'}), 'same'")
    anchors = ["loop numpy.convolve", "scipy fftconvolve(axes=-1)", "scipy ndimage.convolve1d"]
    return title, contenders, "fastconv.convolve(axis=-1)", anchors


def images_case(dtype, n_images=64, size=256, k=5):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n_images, size, size)).astype(dtype)
    w = rng.standard_normal((k, k)).astype(dtype)
    contenders = {
        "fastconv.convolve2d(axes=)": lambda: fastconv.convolve2d(x, w, "same", axes=(1, 2)),
        "loop fastconv.convolve2d": lambda: [fastconv.convolve2d(i, w, "same") for i in x],
        "scipy fftconvolve(axes=(1,2))": lambda: scipy.signal.fftconvolve(
            x, w[None], "same", axes=(1, 2)),
        "scipy ndimage.convolve (1,k,k)": lambda: scipy.ndimage.convolve(
            x, w[None], mode="constant"),
    }
    try:
        import cv2
        # cv2.filter2D correlates: the flipped kernel is the convolution's
        # (its anchor, the kernel centre, matches 'same' for odd sizes)
        flipped = np.ascontiguousarray(w[::-1, ::-1])
        contenders["loop cv2.filter2D"] = lambda: [
            cv2.filter2D(i, -1, flipped, borderType=cv2.BORDER_CONSTANT) for i in x]
    except ImportError:
        pass
    anchors = ["loop cv2.filter2D", "scipy fftconvolve(axes=(1,2))",
               "scipy ndimage.convolve (1,k,k)"]
    return ((f"{n_images} images {size} x {size} {np.dtype(dtype).name}, {k} x {k} kernel, "
             f"'same'"), contenders, "fastconv.convolve2d(axes=)", anchors)


def lags_case(n=1_000_000, maxlag=100):
    rng = np.random.default_rng(2)
    a = rng.standard_normal(n)
    v = np.roll(a, 17) + 0.1 * rng.standard_normal(n)
    centre = n - 1
    contenders = {
        "fastconv.correlate(lags=100)": lambda: fastconv.correlate(a, v, "full", lags=maxlag),
        "scipy.signal.correlate full + slice": lambda: scipy.signal.correlate(a, v, "full")[
            centre - maxlag:centre + maxlag + 1],
        "fastconv.correlate full + slice": lambda: fastconv.correlate(a, v, "full")[
            centre - maxlag:centre + maxlag + 1],
    }
    return (f"correlate two {n}-sample float64 signals, |lag| <= {maxlag}", contenders,
            "fastconv.correlate(lags=100)", ["scipy.signal.correlate full + slice"])


def _limit_threads(threads):
    """fastconv's threads, and those of scipy.fft / BLAS (threadpoolctl) and
    OpenCV, set to `threads`; returns the restore function."""
    previous = fastconv.set_num_threads(threads)
    limits = threadpool_limits(threads)
    try:
        import cv2
        cv2_previous = cv2.getNumThreads()
        cv2.setNumThreads(threads)
    except ImportError:
        cv2 = None

    def restore():
        fastconv.set_num_threads(previous)
        limits.unregister()
        if cv2 is not None:
            cv2.setNumThreads(cv2_previous)
    return restore


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--skip-slow-loops", action="store_true",
                        help="skip the loop of numpy.convolve (several seconds)")
    parser.add_argument("--threads", type=int, nargs="+", default=None,
                        help="thread counts to time (default: 1 and all cores)")
    parser.add_argument("--cases", default="signals,images,lags",
                        help="comma-separated subset of: signals, per-signal, images, lags")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    cores = os.cpu_count() or 1
    thread_counts = args.threads or sorted({1, cores})
    print(f"# {platform.processor() or platform.machine()}, {cores} cores, "
          f"ISA level {fastconv.isa()}, numpy {np.__version__}")
    chosen = set(args.cases.split(","))
    cases = []
    if "signals" in chosen:
        cases += [signals_case(np.float32), signals_case(np.float64)]
    if "per-signal" in chosen:
        cases += [signals_case(np.float32, per_signal=True)]
    if "images" in chosen:
        cases += [images_case(np.float32), images_case(np.float64)]
    if "lags" in chosen:
        cases += [lags_case()]
    for title, contenders, subject, anchors in cases:
        print(f"\n## {title}")
        print(f"{'contender':40s} " + " ".join(f"{f'{t} thr (ms)':>12s}" for t in thread_counts))
        times = {}
        for name, function in contenders.items():
            if args.skip_slow_loops and name == "loop numpy.convolve":
                continue
            row = []
            for threads in thread_counts:
                restore = _limit_threads(threads)
                try:
                    function()   # warm-up (plans, caches)
                    row.append(best(function, repeat))
                finally:
                    restore()
            times[name] = row
            print(f"{name:40s} " + " ".join(f"{t * 1e3:12.2f}" for t in row))
        present = [a for a in anchors if a in times]
        if subject in times and present:
            ratios = []
            for i in range(len(thread_counts)):
                fastest = min(present, key=lambda a: times[a][i])
                ratios.append(f"{times[fastest][i] / times[subject][i]:.2f}x ({fastest})")
            print(f"{'speed-up vs the fastest anchor':40s} " + "; ".join(
                f"{t} thr: {r}" for t, r in zip(thread_counts, ratios)))


if __name__ == "__main__":
    main()
