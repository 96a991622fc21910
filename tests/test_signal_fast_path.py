"""The 2-D fast path (fastconv._signal._fast_2d, and for small calls
_ext.corr2d_small in C): the calls it takes give the full path's results bit
for bit, and every other call goes the full way."""
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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_2d_calls_run_in_c(dtype):
    """_ext.corr2d_fast (the C checks of 2-D calls) takes the calls of its
    domain, with the full path's bits; asks the chooser only above its
    multiply-add bounds; takes results of 256 KiB or more from the
    allocator it is given; refuses a -0.0 or bool fill, a non-finite
    kernel, a kernel too tall to run untransposed."""
    from fastconv import _block_cache, _isa
    from fastconv._ext import _signal as ext
    rng = np.random.default_rng(11)
    narrow, wide, edge_weight = _signal._fast_macs()
    limits = (narrow, wide, _signal._FAST_WIDE, edge_weight, _block_cache.LARGE_OUTPUT_BYTES,
              _signal._TALL_KERNEL_ROWS)

    asked, allocated = [], []

    def chooser(*args):
        asked.append(args)
        return True

    def allocate(shape, dtype):
        allocated.append(shape)
        return _block_cache.empty_output(shape, dtype)

    def small(x, w, mode, convolution, fill=0, limits=limits):
        return ext.corr2d_fast(x, w, mode, "fill", fill, convolution, _isa.current, 1, *limits,
                               chooser, allocate)

    for xs, ws in [((1, 1), (1, 1)), ((8, 8), (3, 3)), ((8, 8), (2, 4)), ((37, 29), (5, 4)),
                   ((9, 9), (9, 9)), ((5, 40), (1, 7)), ((40, 3), (6, 1))]:
        x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
        for mode, convolution in itertools.product(["full", "same", "valid"], [True, False]):
            got = small(x, w, mode, convolution)
            assert got is not None, (xs, ws, mode)
            function = fastconv.convolve2d if convolution else fastconv.correlate2d
            full = function(x, w, mode, fillvalue=np.float64(0), method="direct")
            assert got.dtype == full.dtype and got.shape == full.shape
            np.testing.assert_array_equal(got, full)
            assert not np.shares_memory(got, x) and not np.shares_memory(got, w)
    x, w = rng.standard_normal((8, 8)).astype(dtype), rng.standard_normal((3, 3)).astype(dtype)
    assert small(x, w, "same", True, fill=-0.0) is None
    assert small(x, w, "same", True, fill=False) is None
    assert small(x, w, "same", True, fill=0.0) is not None
    bad = w.copy()
    bad[1, 1] = np.nan
    assert small(x, bad, "same", True) is None
    assert not asked and not allocated
    assert small(x, w, "same", True, limits=(8 * 8 * 9, 0, 0, 1, 1 << 18, 9)) is not None
    assert not asked
    assert small(x, w, "same", True, limits=(8 * 8 * 9 - 1, 0, 0, 1, 1 << 18, 9)) is not None
    assert asked == [((8, 8), (3, 3), (8, 8), -1, -1, np.dtype(dtype), 1)]
    # 'same' 8x8 by 3x3: 36 outputs inside, 28 whose window passes an edge,
    # counted twice at edge weight 2 (92 x 9 multiply-adds)
    assert small(x, w, "same", True, limits=(92 * 9, 0, 0, 2, 1 << 18, 9)) is not None
    assert len(asked) == 1
    assert small(x, w, "same", True, limits=(92 * 9 - 1, 0, 0, 2, 1 << 18, 9)) is not None
    assert len(asked) == 2
    big = np.ones(((1 << 18) // np.dtype(dtype).itemsize, 1), dtype)
    got = small(big, np.ones((1, 1), dtype), "valid", False, limits=(1 << 30, 0, 0, 1, 1 << 18, 9))
    assert allocated == [big.shape] and got.ctypes.data % 64 == 0
    np.testing.assert_array_equal(got, big)
    assert small(big[:-1], np.ones((1, 1), dtype), "valid", False,
                 limits=(1 << 30, 0, 0, 1, 1 << 18, 9)) is not None
    assert allocated == [big.shape]
    tall = np.ones((10, 1), dtype)       # more rows than max_kernel_rows: transposed
    assert small(big[:-1], tall, "valid", False, limits=(1 << 30, 0, 0, 1, 1 << 18, 9)) is None

    def refuse(*args):
        return False
    assert ext.corr2d_fast(x, w, "same", "fill", 0, True, _isa.current, 1, 0, 0, 0, 1, 1 << 18,
                           9, refuse, allocate) is None
    with pytest.raises(ValueError, match="threads"):
        fastconv.convolve2d(x, w, "same", threads=0)


# --------------------------------------------------------------------------
# the 1-D fast path (_signal._fast_1d -> _ext.corr1d_small)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_1d_fast_path_equals_the_full_path(name, dtype):
    rng = np.random.default_rng(3)
    function = getattr(fastconv, name)
    for n, k, mode in itertools.product((1, 7, 300, 100_000), (1, 3, 31), ("full", "same", "valid")):
        if name == "correlate" and k > n:
            continue
        a, v = rng.standard_normal(n).astype(dtype), rng.standard_normal(k).astype(dtype)
        got = function(a, v, mode)
        full = function(a, v, mode, threads=-1)   # threads=-1: the full path, same kernel
        assert got.dtype == full.dtype == dtype
        np.testing.assert_array_equal(got, full)


def test_1d_fast_path_bounds():
    """A wide output may take the fast path up to the wide bound, a narrow
    one only up to the narrow bound, in multiply-adds with those of the
    outputs whose window passes an end counted `edge_weight` times; both
    bounds keep 'auto''s choice."""
    from fastconv import _method
    from fastconv._ext import _signal as ext
    narrow, wide, edge_weight = _signal._fast_macs()
    assert 0 <= narrow <= wide <= _signal._SERIAL_MACS and edge_weight >= 1
    dtype = np.dtype(np.float32)
    k = 3
    # 'full': n - k + 1 outputs inside, 2 (k - 1) at the ends
    n = wide // k + (k - 1) - 2 * (k - 1) * edge_weight
    a, v = np.ones(n, dtype), np.ones(k, dtype)
    args = (_signal._FAST_WIDE, edge_weight)
    assert ext.corr1d_small(a, v, "full", True, 0, narrow, wide, *args) is not None
    if (n - k + 1 + 2 * (k - 1) * edge_weight) * k > narrow:
        assert ext.corr1d_small(a, v, "full", True, 0, narrow, 0, 0, edge_weight) is None
    shapes = ((1, n), (1, k), (1, n + k - 1))
    assert _method.choose("correlate", shapes, dtype) == _method.Method.DIRECT
    too_big = np.ones(n + 1, dtype)
    assert ext.corr1d_small(too_big, v, "full", True, 0, narrow, wide, *args) is None
    # the same sizes without edges ('valid'): inside the bound
    assert ext.corr1d_small(too_big, v, "valid", True, 0, narrow, wide, *args) is not None
