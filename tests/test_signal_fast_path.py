"""The 2-D fast path (fastconv._signal._fast_2d): the calls it takes give
the full path's results bit for bit, and every other call goes the full way."""
import itertools

import numpy as np
import pytest
import scipy.signal

import fastconv
from fastconv import _signal

SHAPES = [((1, 1), (1, 1)), ((8, 8), (3, 3)), ((37, 29), (5, 4)), ((64, 70), (15, 2)),
          ((9, 9), (9, 9)), ((300, 200), (31, 31)), ((3, 500), (1, 101))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_fast_path_equals_the_full_path(name, mode, dtype):
    rng = np.random.default_rng(7)
    function = getattr(fastconv, name)
    for (xs, ws), method in itertools.product(SHAPES, ["auto", "direct"]):
        x = rng.standard_normal(xs).astype(dtype)
        w = rng.standard_normal(ws).astype(dtype)
        fast = _signal._fast_2d(x, w, mode, "fill", 0, method, None, name == "convolve2d")
        if method == "direct":
            assert fast is not None
        # np.float64(0) is not a Python scalar: the full path, same arithmetic
        full = function(x, w, mode, fillvalue=np.float64(0), method="direct")
        got = function(x, w, mode, method="direct")
        assert got.dtype == full.dtype == dtype and got.shape == full.shape
        np.testing.assert_array_equal(got, full)
        if fast is not None:
            np.testing.assert_array_equal(fast, full)
        expected = getattr(scipy.signal, name)(x.astype(np.float64), w.astype(np.float64), mode)
        np.testing.assert_allclose(got, expected, rtol=1e-3 if dtype == np.float32 else 1e-9,
                                   atol=1e-3 if dtype == np.float32 else 1e-9)


def _calls():
    x = np.ones((6, 5))
    w = np.ones((3, 2))
    yield (x.astype(np.float32), w, "same", "fill", 0, "auto")             # mixed dtypes
    yield (x, w, "same", "fill", 1, "auto")                                # non-zero fill
    yield (x, w, "same", "fill", -0.0, "auto")                             # -0.0 fill
    yield (x, w, "same", "fill", np.float64(0), "auto")                    # a NumPy scalar
    yield (x, w, "same", "symm", 0, "auto")
    yield (x, w, 1, "fill", 0, "auto")                                     # a mode code
    yield (x, w, "same", "fill", 0, "im2col")
    yield (x, w, "same", "fill", 0, "fft")
    yield (x[:, ::2], w, "same", "fill", 0, "auto")                        # not contiguous
    yield (x.astype(np.int64), w.astype(np.int64), "same", "fill", 0, "auto")
    yield (x.astype(np.complex128), w, "same", "fill", 0, "auto")
    yield (w, x, "full", "fill", 0, "auto")                                # a swap
    yield (x, np.full((3, 2), np.inf), "same", "fill", 0, "auto")          # non-finite kernel
    yield (x, np.ones((0, 2)), "same", "fill", 0, "auto")                  # empty kernel
    yield (x.tolist(), w, "same", "fill", 0, "auto")                       # not an ndarray
    yield (np.ones((600, 600)), np.ones((45, 45)), "same", "fill", 0, "auto")   # 'auto' -> fft


@pytest.mark.parametrize("call", list(_calls()), ids=lambda c: repr(c[2:]))
def test_other_calls_take_the_full_path(call):
    in1, in2, mode, boundary, fillvalue, method = call
    assert _signal._fast_2d(in1, in2, mode, boundary, fillvalue, method, None, True) is None
