"""Stress tests (issue 11): many Python threads at once, many calls in a row,
and sizes beyond what memory or 64-bit index arithmetic can hold.

- 8 Python threads call every op with every method at once (the signal API
  forward and backward in 1-D and 2-D, fastconv.nn forward, transposed and
  backward): each result is bitwise the one of the same call made alone, and
  the thread settings of BLAS (threadpoolctl), of OpenMP and of fastconv are
  what they were before.
- Repeated calls, error paths included, do not grow memory (tracemalloc for
  Python-visible allocations, the resident set size for the C core's).
- Sizes whose bytes or index arithmetic overflow raise MemoryError or
  ValueError, and the interpreter goes on working.

Kept short for the default run; .ci/sanitize.sh also runs this file under
AddressSanitizer + UBSan.
"""
import gc
import os
import threading
import tracemalloc

import numpy as np
import pytest
import threadpoolctl
from numpy.lib.stride_tricks import as_strided

import fastconv
from fastconv import nn
from fastconv._ext import _runtime
from methods import nn_methods, signal_method_accepts, signal_methods

N_THREADS = 8

# --------------------------------------------------------------------------
# the calls: every op, every method, sizes large enough for the threaded
# (OpenMP) and BLAS paths, small enough for a quick test
# --------------------------------------------------------------------------

SIGNAL_DTYPES = (np.float64, np.float32, np.complex128, np.int32)

# Layers a method is restricted to (it raises ValueError on any other).
NN_METHOD_LIMITS = {"winograd": "3x3 stride 1"}


def _data(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return rng.integers(-20, 20, shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def signal_calls(rng):
    """{name: zero-argument call} for every signal op x method x dtype."""
    calls = {}
    for method in signal_methods():
        for dtype in SIGNAL_DTYPES:
            if not signal_method_accepts(method, dtype):
                continue
            a, v = _data(rng, 3000, dtype), _data(rng, 41, dtype)
            x, w = _data(rng, (48, 40), dtype), _data(rng, (5, 6), dtype)
            tag = f"{method}-{np.dtype(dtype).name}"
            calls[f"convolve-{tag}"] = lambda a=a, v=v, m=method: fastconv.convolve(
                a, v, "same", method=m)
            calls[f"correlate-{tag}"] = lambda a=a, v=v, m=method: fastconv.correlate(
                a, v, "full", method=m)
            calls[f"convolve2d-{tag}"] = lambda x=x, w=w, m=method: fastconv.convolve2d(
                x, w, "same", "symm", method=m)
            calls[f"correlate2d-{tag}"] = lambda x=x, w=w, m=method: fastconv.correlate2d(
                x, w, "full", "fill", 1, method=m)
            if np.dtype(dtype).kind != "f":
                continue
            g1 = _data(rng, a.size + v.size - 1, dtype)
            g2 = _data(rng, x.shape, dtype)
            calls[f"convolve_backward-{tag}"] = lambda g=g1, a=a, v=v, m=method: (
                fastconv.convolve_backward(g, a, v, "full", method=m))
            calls[f"correlate_backward-{tag}"] = lambda g=g1, a=a, v=v, m=method: (
                fastconv.correlate_backward(g, a, v, "full", method=m))
            calls[f"convolve2d_backward-{tag}"] = lambda g=g2, x=x, w=w, m=method: (
                fastconv.convolve2d_backward(g, x, w, "same", "wrap", method=m))
            calls[f"correlate2d_backward-{tag}"] = lambda g=g2, x=x, w=w, m=method: (
                fastconv.correlate2d_backward(g, x, w, "same", method=m))
    return calls


def nn_calls(rng):
    """{name: zero-argument call} for every fastconv.nn op x method x dtype."""
    calls = {}
    for method in nn_methods():
        for dtype in (np.float32, np.float64):
            tag = f"{method}-{np.dtype(dtype).name}"
            x2, w2 = _data(rng, (2, 6, 20, 18), dtype), _data(rng, (8, 3, 3, 3), dtype)
            b2 = _data(rng, 8, dtype)
            g2 = _data(rng, (2, 8, 20, 18), dtype)
            calls[f"conv2d-{tag}"] = lambda m=method, x=x2, w=w2, b=b2: nn.conv2d(
                x, w, b, padding=1, groups=2, method=m)
            calls[f"conv2d_backward-{tag}"] = lambda m=method, g=g2, x=x2, w=w2: (
                nn.conv2d_backward(g, x, w, padding="same", groups=2, method=m))
            calls[f"conv_transpose2d-{tag}"] = lambda m=method, x=g2, w=w2: (
                nn.conv_transpose2d(x, w, padding=1, method=m))
            if method in NN_METHOD_LIMITS:
                continue
            x1, w1 = _data(rng, (3, 4, 200), dtype), _data(rng, (4, 4, 7), dtype)
            g1 = _data(rng, (3, 4, 64), dtype)
            calls[f"conv1d-{tag}"] = lambda m=method, x=x1, w=w1: nn.conv1d(
                x, w, stride=3, padding=2, dilation=2, method=m)
            calls[f"conv1d_backward-{tag}"] = lambda m=method, g=g1, x=x1, w=w1: (
                nn.conv1d_backward(g, x, w, stride=3, padding=2, dilation=2, method=m))
            calls[f"conv_transpose1d-{tag}"] = lambda m=method, x=g1, w=w1: (
                nn.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1, method=m))
            calls[f"conv2d_strided-{tag}"] = lambda m=method, x=x2, w=w2: nn.conv2d(
                x, w[:, :, :2], stride=(2, 3), dilation=(1, 2), groups=2, method=m)
    return calls


def every_call():
    rng = np.random.default_rng(11)
    return {**signal_calls(rng), **nn_calls(rng)}


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def _assert_bitwise_equal(got, expected, name):
    got, expected = _as_tuple(got), _as_tuple(expected)
    assert len(got) == len(expected), name
    for g, e in zip(got, expected):
        if e is None:
            assert g is None, name
            continue
        assert g.dtype == e.dtype and g.shape == e.shape, name
        assert g.tobytes() == e.tobytes(), f"{name}: differs from the serial result"


def thread_settings():
    """Every thread setting a call could leave changed."""
    blas = sorted((info["internal_api"], info["filepath"], info["num_threads"])
                  for info in threadpoolctl.threadpool_info())
    return blas, _runtime.openmp_max_threads(), fastconv.blas_threads()


# --------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------

def test_every_call_is_covered():
    """The table really holds every op x method (a method added later is
    picked up through tests/methods.py)."""
    names = every_call()
    ops = {name.split("-")[0] for name in names}
    assert ops == {"convolve", "correlate", "convolve2d", "correlate2d", "convolve_backward",
                   "correlate_backward", "convolve2d_backward", "correlate2d_backward",
                   "conv1d", "conv2d", "conv2d_strided", "conv_transpose1d",
                   "conv_transpose2d", "conv1d_backward", "conv2d_backward"}
    for method in signal_methods():
        assert f"convolve2d_backward-{method}-float32" in names
    for method in nn_methods():
        assert f"conv2d_backward-{method}-float32" in names


def test_threads_give_the_serial_results():
    """8 Python threads, each making every call (in its own order, all
    starting together), get bitwise the results of the calls made alone."""
    calls = every_call()
    names = sorted(calls)
    settings_before = thread_settings()
    serial = {name: calls[name]() for name in names}
    results = [dict() for _ in range(N_THREADS)]
    errors = []
    start = threading.Barrier(N_THREADS)

    def work(index):
        try:
            first = index * len(names) // N_THREADS
            order = names[first:] + names[:first]
            if index % 2:
                order.reverse()
            start.wait()
            for name in order:
                results[index][name] = calls[name]()
        except BaseException as error:   # reported by the main thread
            errors.append((index, error))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for per_thread in results:
        assert set(per_thread) == set(names)
        for name in names:
            _assert_bitwise_equal(per_thread[name], serial[name], name)
    assert thread_settings() == settings_before


# --------------------------------------------------------------------------
# repeated calls: no memory growth
# --------------------------------------------------------------------------

# Under AddressSanitizer (.ci/sanitize.sh) freed memory waits in a
# quarantine of up to 256 MB before reuse, so the resident set grows by
# design; only tracemalloc's count is checked there.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


def _rss_bytes():
    """The resident set size (0 where /proc is missing or under ASan)."""
    if UNDER_ASAN:
        return 0
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _bad_calls():
    """Calls that raise, on every layer's error path (argument checks,
    method checks, shape checks after arrays were made)."""
    one, two = np.ones(5), np.ones((4, 4))
    return [
        (ValueError, lambda: fastconv.convolve([], one)),
        (ValueError, lambda: fastconv.convolve(one, one, mode="bogus")),
        (ValueError, lambda: fastconv.correlate(one, one, method="bogus")),
        (ValueError, lambda: fastconv.convolve2d(two, np.ones((5, 3)), "valid")),
        (ValueError, lambda: fastconv.correlate2d(two, two, boundary="nope")),
        (ValueError, lambda: fastconv.convolve(np.ones(5, np.int32), one[:2].astype(np.int32),
                                               method="fft")),
        (ValueError, lambda: fastconv.convolve_backward(np.ones(3), one, one)),
        (ValueError, lambda: nn.conv2d(np.ones((1, 2, 4, 4)), np.ones((3, 3, 3, 3)))),
        (ValueError, lambda: nn.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 5, 5)),
                                       method="winograd")),
        (ValueError, lambda: nn.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)), padding=2**62)),
        (ValueError, lambda: nn.conv1d_backward(np.ones((1, 1, 9)), np.ones((1, 1, 4)),
                                                np.ones((1, 1, 3)))),
        (TypeError, lambda: nn.conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 4, 4)),
                                               np.ones((1, 1, 3, 3)), output_mask="abc")),
        (MemoryError, lambda: fastconv.convolve(_huge(2**41), np.ones(3))),
    ]


def _huge(n, dtype=np.float64, ndim=1):
    """A zero-strided view of n**ndim elements (no memory behind it)."""
    return as_strided(np.zeros(1, dtype), (n,) * ndim, (0,) * ndim)


def _one_round(calls, bad):
    for call in calls:
        call()
    for error, call in bad:
        with pytest.raises(error):
            call()


def test_repeated_calls_do_not_grow_memory():
    """Every call (the same table as the thread test, errors included)
    repeated: Python-visible allocations stay flat (tracemalloc) and so does
    the resident set (the C core's workspaces).  A leak of one workspace per
    call would grow it by megabytes; the bounds allow allocator noise."""
    calls = list(every_call().values())
    bad = _bad_calls()
    for _ in range(1):       # warm up: caches, FFT plans, thread pools, arenas
        _one_round(calls, bad)
    gc.collect()
    rss_before = _rss_bytes()
    tracemalloc.start()
    try:
        _one_round(calls, bad)
        gc.collect()
        traced_before, _ = tracemalloc.get_traced_memory()
        for _ in range(4):
            _one_round(calls, bad)
        gc.collect()
        traced_after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = _rss_bytes() - rss_before
    assert traced_after - traced_before < 256 * 1024, traced_after - traced_before
    assert rss_growth < 48 * 2**20, rss_growth


def test_repeated_error_paths_do_not_grow_memory():
    """Only the error paths, many times: they raise after validation, after
    an allocation failed, or out of the C core, and free what they made."""
    bad = _bad_calls()
    for _ in range(10):
        _one_round([], bad)
    gc.collect()
    rss_before = _rss_bytes()
    tracemalloc.start()
    try:
        for _ in range(10):
            _one_round([], bad)
        gc.collect()
        traced_before, _ = tracemalloc.get_traced_memory()
        for _ in range(100):
            _one_round([], bad)
        gc.collect()
        traced_after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert traced_after - traced_before < 64 * 1024, traced_after - traced_before
    assert _rss_bytes() - rss_before < 16 * 2**20


# --------------------------------------------------------------------------
# sizes beyond memory and beyond 64-bit index arithmetic
# --------------------------------------------------------------------------

# Zero-strided views stand for inputs too large to exist; every size is far
# beyond any machine's memory (>= 2**40 bytes), so a call that wrongly tried
# to allocate would fail rather than swap.
HUGE_CALLS = {
    # output bytes beyond memory
    "convolve 2**41": lambda: fastconv.convolve(_huge(2**41), np.ones(3)),
    "convolve both 2**40": lambda: fastconv.convolve(_huge(2**40), _huge(2**40)),
    "convolve2d fill 2**20 x 2**20": lambda: fastconv.convolve2d(
        _huge(2**20, ndim=2), np.ones((3, 3)), "same", "wrap"),
    "convolve_backward 2**40": lambda: fastconv.convolve_backward(
        _huge(2**40 + 2), _huge(2**40), np.ones(3)),
    "conv2d 2**40 channels": lambda: nn.conv2d(
        as_strided(np.zeros(1), (1, 2**40, 2, 2), (0,) * 4),
        as_strided(np.zeros(1), (1, 2**40, 1, 1), (0,) * 4)),
    "conv1d_backward 2**40": lambda: nn.conv1d_backward(
        as_strided(np.zeros(1), (1, 1, 2**40), (0,) * 3),
        as_strided(np.zeros(1), (1, 1, 2**40 + 2), (0,) * 3), np.ones((1, 1, 3))),
    # element counts and byte counts beyond 2**63
    "correlate 2**62": lambda: fastconv.correlate(_huge(2**62), np.ones(3), "valid"),
    "convolve2d 2**31 x 2**31": lambda: fastconv.convolve2d(_huge(2**31, ndim=2),
                                                            np.ones((2, 2))),
    "convolve2d (2**62, 4)": lambda: fastconv.convolve2d(
        as_strided(np.zeros(1), (2**62, 4), (0, 0)), np.ones((2, 2))),
    "correlate2d kernel 2**31 x 2**31": lambda: fastconv.correlate2d(
        np.ones((2, 2)), _huge(2**31, ndim=2), "full"),
    "conv2d 2**20 x 2**20 batch 2**20": lambda: nn.conv2d(
        as_strided(np.zeros(1), (2**20, 1, 2**20, 2**20), (0,) * 4), np.ones((1, 1, 1, 1))),
    # geometry whose index arithmetic overflows
    "conv1d padding 2**62": lambda: nn.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)),
                                              padding=2**62),
    "conv1d padding 2**70": lambda: nn.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)),
                                              padding=2**70),
    "conv1d dilation 2**62": lambda: nn.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)),
                                               dilation=2**62),
    "conv1d stride 2**63": lambda: nn.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)),
                                             stride=2**63),
    "conv2d padding 2**31": lambda: nn.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)),
                                              padding=2**31),
    "conv2d padding 2**40": lambda: nn.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)),
                                              padding=2**40),
    "conv_transpose1d output 2**64": lambda: nn.conv_transpose1d(
        np.ones((1, 1, 4)), np.ones((1, 1, 3)), stride=2**62, output_padding=2**62 - 1),
    "conv_transpose2d stride 2**40": lambda: nn.conv_transpose2d(
        np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2**40),
    "conv2d groups 2**64": lambda: nn.conv2d(np.ones((1, 2, 4, 4)), np.ones((2, 1, 3, 3)),
                                             groups=2**64),
    "set_nn_tile_bytes 2**64": lambda: fastconv.set_nn_tile_bytes(2**64),
    "set_im2col_tile_bytes 2**64": lambda: fastconv.set_im2col_tile_bytes(2**64),
}


@pytest.mark.parametrize("name", sorted(HUGE_CALLS))
def test_huge_sizes_fail_cleanly(name):
    """MemoryError or ValueError (never OverflowError, a crash or a hang),
    and the next call works."""
    nn_tile, im2col_tile = fastconv.nn_tile_bytes(), fastconv.im2col_tile_bytes()
    with pytest.raises((MemoryError, ValueError)):
        HUGE_CALLS[name]()
    assert fastconv.nn_tile_bytes() == nn_tile and fastconv.im2col_tile_bytes() == im2col_tile
    np.testing.assert_array_equal(fastconv.convolve([1, 2], [1, 1]), [1, 3, 2])
    y = nn.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(y, np.full((1, 1, 2, 2), 4.0))
