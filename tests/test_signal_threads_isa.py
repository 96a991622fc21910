"""The signal API under every kernel-table level the CPU has and several
thread counts (issue 8).

- Every level ('scalar', 'avx2', 'avx512'; a level the CPU lacks is skipped)
  agrees with `fastconv.reference` within the scaled tolerance of
  docs/guide/accuracy.rst, for every dtype, mode and boundary, on shapes that reach each
  part of the micro-kernels (4-row blocks, 1-row blocks, masked tails, the
  edge bands of the zero extension).
- threads=1, 2 and 3 give bitwise identical results, forward and backward,
  at every level (a call above the parallel threshold really splits).
- threads= is validated with scikit-learn's rules.
- A long call stops on Ctrl-C (one subprocess test; more are slow-marked).
"""
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastconv
from fastconv import _isa, reference

from helpers import assert_scaled_close

LEVELS = [pytest.param(level, marks=pytest.mark.skipif(
    level not in _isa.available(), reason=f"this CPU has no {level}"))
    for level in _isa.LEVELS]


@pytest.fixture(params=LEVELS)
def isa_level(request):
    old = _isa.set_isa(request.param)
    yield request.param
    _isa.set_isa(old)


def _random(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        return rng.integers(-50 if dtype.kind == "i" else 0, 50, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


_REFERENCE_CACHE = {}


def _exact(name, args, extra):
    """fastconv.reference's result in float64 / complex128 (exact for
    integers) and of the absolute values, computed once for all levels."""
    key = (name, extra) + tuple((a.dtype.str, a.shape, a.tobytes()) for a in args)
    if key not in _REFERENCE_CACHE:
        function = getattr(reference, name)
        if args[0].dtype.kind in "biu":
            _REFERENCE_CACHE[key] = (np.asarray(function(*args, *extra)), None)
        else:
            wide = [a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
                    for a in args]
            _REFERENCE_CACHE[key] = (np.asarray(function(*wide, *extra)),
                                     np.abs(np.asarray(function(*map(np.abs, wide), *extra))))
    return _REFERENCE_CACHE[key]


def _check(got, name, args, extra, n_terms, what):
    """got against the reference within the scaled tolerance."""
    exact, magnitude = _exact(name, args, extra)
    if magnitude is None:
        np.testing.assert_array_equal(got, exact, err_msg=what)
    else:
        assert_scaled_close(got, exact, magnitude, n_terms, got.dtype, what=what)


DTYPES = [np.float32, np.float64, np.complex64, np.complex128, np.int32, np.bool_,
          np.float16]

# (in1 shape, in2 shape): wide enough for the 4-row x 3-vector AVX2 blocks,
# the 4-row x 4-vector AVX-512 ones and their masked tails; odd sizes; a
# kernel wider than the image; one row and one column.
SHAPES_2D = [((13, 75), (3, 4)), ((6, 41), (5, 3)), ((4, 5), (6, 7)), ((1, 70), (1, 9)),
             ((30, 1), (4, 1)), ((9, 9), (1, 1)),
             # the small-kernel specializations (3x3, 5x5, 1x3, 1x5): row blocks,
             # single rows, masked tails; and images narrower than them
             ((14, 75), (3, 3)), ((13, 83), (5, 5)), ((3, 70), (1, 3)), ((2, 51), (1, 5)),
             ((4, 2), (3, 3)), ((2, 3), (5, 5))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", SHAPES_2D)
def test_2d_every_level_matches_reference(isa_level, dtype, shapes):
    rng = np.random.default_rng(sum(shapes[0] + shapes[1]))
    in1, in2 = _random(rng, shapes[0], dtype), _random(rng, shapes[1], dtype)
    k = in2.size
    for mode in ("full", "same", "valid"):
        for boundary in ("fill", "wrap", "symm"):
            if mode == "valid" and not (all(a >= b for a, b in zip(in1.shape, in2.shape))
                                        or all(a <= b for a, b in zip(in1.shape, in2.shape))):
                continue
            for name in ("convolve2d", "correlate2d"):
                got = getattr(fastconv, name)(in1, in2, mode, boundary, method="direct")
                _check(got, name, (in1, in2), (mode, boundary), k,
                       f"{name} {isa_level} {np.dtype(dtype)} {shapes} {mode} {boundary}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, k", [(300, 5), (257, 31), (7, 7), (40, 1), (5, 12)])
def test_1d_every_level_matches_reference(isa_level, dtype, n, k):
    rng = np.random.default_rng(n * 100 + k)
    a, v = _random(rng, n, dtype), _random(rng, k, dtype)
    for mode in ("full", "same", "valid"):
        for name in ("convolve", "correlate"):
            got = getattr(fastconv, name)(a, v, mode, method="direct")
            _check(got, name, (a, v), (mode,), min(n, k),
                   f"{name} {isa_level} {np.dtype(dtype)} {n} {k} {mode}")


def test_fill_value_and_non_finite_taps(isa_level):
    """The ring of a non-zero fill, and inf / nan kept where the definition
    puts them (no product with the zero extension is computed)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((11, 50))
    w = rng.standard_normal((3, 3))
    x[5, 25] = np.inf
    w[0, 0] = np.nan
    for boundary in ("fill", "symm"):
        got = fastconv.correlate2d(x, w, "same", boundary, fillvalue=2.5, method="direct")
        exact = reference.correlate2d(x, w, "same", boundary, fillvalue=2.5)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(exact))
        finite = np.isfinite(exact)
        np.testing.assert_allclose(got[finite], exact[finite], rtol=1e-12, atol=1e-12)
    a = np.ones(100)
    a[50] = np.inf
    got = fastconv.convolve(a, [1.0, 2.0, 3.0], method="direct")
    np.testing.assert_array_equal(got, np.convolve(a, [1.0, 2.0, 3.0]))


def _assert_same_non_finite(got, exact, tolerance, what):
    """nan and inf in got exactly where they are in exact, the finite values
    within `tolerance` (relative and absolute)."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(exact), err_msg=what)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(exact), err_msg=what)
    finite = np.isfinite(exact)
    np.testing.assert_allclose(got[finite], exact[finite], rtol=tolerance, atol=tolerance,
                               err_msg=what)


def test_zero_extension_edges_skip_missing_taps(isa_level):
    """The edge kernel (corr_rows_edge) leaves the products with the zero
    extension out: a nan tap makes nan only where it meets the image."""
    rng = np.random.default_rng(11)
    for dtype in (np.float32, np.float64):
        for wshape in ((3, 3), (5, 5), (4, 6)):
            x = rng.standard_normal((23, 70)).astype(dtype)
            w = rng.standard_normal(wshape).astype(dtype)
            w[0, 0] = np.nan
            w[-1, -1] = np.inf
            x[0, 1] = np.inf
            for mode in ("full", "same", "valid"):
                got = fastconv.correlate2d(x, w, mode, method="direct")
                exact = reference.correlate2d(x.astype(np.float64), w.astype(np.float64), mode)
                _assert_same_non_finite(got, exact, 1e-4,
                                        f"{isa_level} {np.dtype(dtype)} {wshape} {mode}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("wshape", [(3, 3), (5, 5), (1, 3), (1, 5)])
def test_small_kernels_equal_the_generic_kernel(isa_level, dtype, wshape):
    """The specializations sum each output in the generic kernel's order: a
    kernel padded with a row of zeros (which adds exact zeros to finite sums,
    through the generic kernel) gives the same bits."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((41, 203)).astype(dtype)
    w = rng.standard_normal(wshape).astype(dtype)
    padded = np.vstack([w, np.zeros((1, wshape[1]), dtype)])
    small = fastconv.correlate2d(x, w, "valid", method="direct")
    generic = fastconv.correlate2d(x, padded, "valid", method="direct")
    np.testing.assert_array_equal(small[:generic.shape[0]], generic)


@pytest.mark.parametrize("dtype, rows", [(np.float32, 2100), (np.float64, 1100)])
@pytest.mark.parametrize("wshape", [(3, 3), (5, 5)])
def test_large_outputs_stream_the_same_values(isa_level, dtype, rows, wshape):
    """Outputs of 8 MiB or more are written with non-temporal stores
    (corr_rows_stream, 64-byte aligned rows only: 1024 columns here); their
    interior equals the 'valid' result, whose rows (1022 or 1020 columns) the
    ordinary kernel writes."""
    rng = np.random.default_rng(13)
    x = rng.standard_normal((rows, 1024)).astype(dtype)
    w = rng.standard_normal(wshape).astype(dtype)
    h = wshape[0] // 2
    same = fastconv.correlate2d(x, w, "same", method="direct", threads=1)
    valid = fastconv.correlate2d(x, w, "valid", method="direct", threads=1)
    np.testing.assert_array_equal(same[h:-h, h:-h], valid)
    for threads in (2, 3):
        np.testing.assert_array_equal(
            fastconv.correlate2d(x, w, "same", method="direct", threads=threads), same)
    exact = reference.correlate2d(x[:3 * h + 3].astype(np.float64), w.astype(np.float64), "same")
    assert_scaled_close(same[:2 * h + 1], exact[:2 * h + 1],
                        np.abs(reference.correlate2d(np.abs(x[:3 * h + 3]).astype(np.float64),
                                                     np.abs(w).astype(np.float64),
                                                     "same"))[:2 * h + 1],
                        w.size, dtype, what=f"{isa_level} top edge")


def _guarded(array, at_end):
    """A copy of array placed against an inaccessible page: its last byte
    just before one (at_end) or its first byte just after one, so that a read
    outside it faults (masked vector loads must not touch those bytes)."""
    import ctypes
    import mmap
    page = mmap.PAGESIZE
    nbytes = array.nbytes
    npages = -(-nbytes // page)
    region = mmap.mmap(-1, (npages + 2) * page)
    base = ctypes.addressof(ctypes.c_char.from_buffer(region))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    for start in (base, base + (npages + 1) * page):
        assert libc.mprotect(start, page, 0) == 0   # PROT_NONE
    offset = page + (npages * page - nbytes if at_end else 0)
    copy = np.frombuffer(region, array.dtype, count=array.size, offset=offset)
    copy = copy.reshape(array.shape)
    copy[...] = array
    return copy, region


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mprotect")
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_no_read_outside_the_arrays(isa_level, dtype):
    """Every part of the direct kernel (small kernels with their last masked
    load, edge kernel, masked tails) on inputs that end at, or start right
    after, an inaccessible page: a read outside them would crash."""
    rng = np.random.default_rng(14)
    keep = []
    for xshape, wshape in (((37, 61), (3, 3)), ((21, 83), (5, 5)), ((9, 40), (1, 3)),
                           ((6, 35), (1, 5)), ((17, 50), (4, 6)), ((3, 17), (3, 3)),
                           ((5, 70), (3, 66)), ((4, 3), (6, 70))):
        x0 = rng.standard_normal(xshape).astype(dtype)
        w0 = rng.standard_normal(wshape).astype(dtype)
        for at_end in (True, False):
            x, rx = _guarded(x0, at_end)
            w, rw = _guarded(w0, at_end)
            keep += [rx, rw]
            for mode in ("full", "same", "valid"):
                got = fastconv.correlate2d(x, w, mode, method="direct")
                np.testing.assert_array_equal(
                    got, fastconv.correlate2d(x0, w0, mode, method="direct"))
            a, ra = _guarded(x0[0], at_end)
            v, rv = _guarded(w0[0], at_end)
            keep += [ra, rv]
            for mode in ("full", "same", "valid"):
                np.testing.assert_array_equal(
                    fastconv.correlate(a, v, mode, method="direct"),
                    fastconv.correlate(x0[0], w0[0], mode, method="direct"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mprotect")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dot_kernel_gradients_read_nothing_outside(isa_level, dtype):
    """The dot-product kernel's masked chunks at the ends of rows, on a
    kernel gradient whose image and output gradient end at, or start right
    after, an inaccessible page."""
    rng = np.random.default_rng(18)
    keep = []
    x0, w = rng.standard_normal((9, 131)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    for mode in ("same", "full"):
        g0 = rng.standard_normal(fastconv.correlate2d(x0, w, mode).shape).astype(dtype)
        want = fastconv.correlate2d_backward(g0, x0, w, mode, method="direct")[1]
        for at_end in (True, False):
            x, rx = _guarded(x0, at_end)
            g, rg = _guarded(g0, at_end)
            keep += [rx, rg]
            np.testing.assert_array_equal(
                fastconv.correlate2d_backward(g, x, w, mode, method="direct")[1], want)


def test_levels_differ_only_by_rounding():
    """Every level agrees with the scalar reference within the tolerance on a
    problem large enough to use every block shape."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((70, 300)).astype(np.float32)
    w = rng.standard_normal((5, 6)).astype(np.float32)
    old = _isa.set_isa("scalar")
    try:
        base = fastconv.correlate2d(x.astype(np.float64), w.astype(np.float64), "same",
                                    method="direct")
        mag = fastconv.correlate2d(np.abs(x).astype(np.float64), np.abs(w).astype(np.float64),
                                   "same", method="direct")
        for level in _isa.available():
            _isa.set_isa(level)
            got = fastconv.correlate2d(x, w, "same", method="direct")
            assert_scaled_close(got, base, mag, w.size, np.float32, what=level)
    finally:
        _isa.set_isa(old)


# -------------------------------------------------------------------------
# the dot-product kernel (corr_dot): few output columns, long kernel rows
# -------------------------------------------------------------------------

# (in1, in2, mode) whose output is a few columns wide over kernel rows of at
# least 4 x 64 bytes (corr2d_dot_pays): one or two rows of output, blocks of
# outputs and their remainders, kernel rows ending in a partial chunk,
# inputs narrower or shorter than the kernel (taps outside x's rows and
# columns skipped), and the kernel gradient of a 3 x 3 filter.
DOT_CASES = [((5, 70), (3, 66), "valid"), ((7, 129), (5, 128), "valid"),
             ((3, 65), (3, 64), "valid"), ((4, 77), (2, 64), "valid"),
             ((9, 300), (9, 297), "valid"), ((2, 130), (1, 90), "valid"),
             ((1, 200), (1, 195), "valid"), ((10, 140), (8, 136), "valid"),
             ((5, 130), (3, 128), "valid"), ((4, 3), (6, 70), "same"),
             ((2, 8), (3, 140), "same"), ((1, 5), (1, 300), "same")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", DOT_CASES)
def test_dot_products_match_reference(isa_level, dtype, case):
    shape1, shape2, mode = case
    rng = np.random.default_rng(sum(shape1 + shape2))
    in1, in2 = _random(rng, shape1, dtype), _random(rng, shape2, dtype)
    for name in ("correlate2d", "convolve2d"):
        got = getattr(fastconv, name)(in1, in2, mode, method="direct")
        _check(got, name, (in1, in2), (mode, "fill"), in2.size,
               f"{name} {isa_level} {np.dtype(dtype)} {case}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["correlate2d_backward", "convolve2d_backward"])
def test_dot_kernel_gradients_match_reference(isa_level, dtype, name):
    """The kernel gradient of a small filter over a wide image: a few
    outputs whose sums run along rows of the output gradient, where the
    'same' and 'full' offsets leave taps outside the image at both ends of
    every row (masked chunks)."""
    rng = np.random.default_rng(17)
    for xshape, wshape in (((12, 70), (3, 3)), ((7, 131), (2, 5)), ((5, 300), (4, 9))):
        x, w = _random(rng, xshape, dtype), _random(rng, wshape, dtype)
        for mode in ("same", "full", "valid"):
            forward = getattr(fastconv, name.removesuffix("_backward"))
            g = _random(rng, forward(x, w, mode).shape, dtype)
            grad_w = getattr(fastconv, name)(g, x, w, mode, method="direct")[1]
            wide = [a.astype(np.float64) for a in (g, x, w)]
            exact = getattr(reference, name)(*wide, mode)[1]
            magnitude = getattr(reference, name)(*map(np.abs, wide), mode)[1]
            assert_scaled_close(grad_w, exact, magnitude, g.size, dtype,
                                what=f"{name} {isa_level} {np.dtype(dtype)} {xshape} {mode}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dot_product_of_an_output_does_not_depend_on_its_block(isa_level, dtype):
    """Each output of a 'valid' call equals, bit for bit, the 1 x 1 output of
    its own window (which corr_dot computes alone, not in a block)."""
    rng = np.random.default_rng(15)
    x = rng.standard_normal((9, 305)).astype(dtype)
    w = rng.standard_normal((6, 300)).astype(dtype)
    whole = fastconv.correlate2d(x, w, "valid", method="direct")
    assert whole.shape == (4, 6)
    for i, j in np.ndindex(whole.shape):
        alone = fastconv.correlate2d(x[i:i + 6, j:j + 300], w, "valid", method="direct")
        np.testing.assert_array_equal(alone[0, 0], whole[i, j], err_msg=f"{i}, {j}")


def test_dot_products_skip_missing_taps(isa_level):
    """A nan or inf tap that meets only the zero extension stays out of the
    sum; where it meets the image it makes the output nan / inf."""
    rng = np.random.default_rng(16)
    for dtype in (np.float32, np.float64):
        for xshape, wshape, mode in (((4, 3), (6, 70), "same"), ((2, 8), (3, 140), "same"),
                                     ((5, 70), (3, 66), "valid")):
            x = rng.standard_normal(xshape).astype(dtype)
            w = rng.standard_normal(wshape).astype(dtype)
            w[0, 0] = np.nan
            w[-1, -1] = np.inf
            w[1, wshape[1] // 2] = -np.inf
            x[0, 1] = np.inf
            got = fastconv.correlate2d(x, w, mode, method="direct")
            exact = reference.correlate2d(x.astype(np.float64), w.astype(np.float64), mode)
            _assert_same_non_finite(got, exact, 1e-3,
                                    f"{isa_level} {np.dtype(dtype)} {xshape} {wshape} {mode}")


# -------------------------------------------------------------------------
# threads: bitwise identical results
# -------------------------------------------------------------------------

# above the kernel's parallel threshold (2**21 multiply-adds), so threads split
THREAD_CASES_2D = [((300, 350), (5, 5), "same", "fill"), ((220, 500), (7, 3), "full", "symm"),
                   ((1200, 250), (3, 3), "valid", "wrap"), ((700, 600), (3, 3), "same", "fill"),
                   ((150, 900), (4, 5), "full", "fill"),
                   # the dot-product kernel: a 3 x 3 kernel gradient (2.4e6 multiply-adds)
                   ((514, 514), (512, 512), "valid", "fill")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128, np.int16])
@pytest.mark.parametrize("case", THREAD_CASES_2D)
def test_2d_threads_bitwise_identical(isa_level, dtype, case):
    shape1, shape2, mode, boundary = case
    rng = np.random.default_rng(5)
    in1, in2 = _random(rng, shape1, dtype), _random(rng, shape2, dtype)
    # 'auto' prices threads, so it may pick another method at another count:
    # the guarantee is per method
    outs = [fastconv.convolve2d(in1, in2, mode, boundary, method="direct", threads=t)
            for t in (1, 2, 3)]
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_1d_threads_bitwise_identical(isa_level, dtype):
    rng = np.random.default_rng(6)
    a, v = _random(rng, 200_001, dtype), _random(rng, 13, dtype)
    for name in ("convolve", "correlate"):
        for mode in ("full", "valid"):
            outs = [getattr(fastconv, name)(a, v, mode, method="direct", threads=t)
                    for t in (1, 2, 3)]
            for out in outs[1:]:
                np.testing.assert_array_equal(out, outs[0])


def test_backward_threads_bitwise_identical(isa_level):
    rng = np.random.default_rng(7)
    in1, in2 = rng.standard_normal((400, 300)), rng.standard_normal((5, 4))
    g = rng.standard_normal((400, 300))
    for name in ("convolve2d_backward", "correlate2d_backward"):
        outs = [getattr(fastconv, name)(g, in1, in2, "same", "symm", method="direct", threads=t)
                for t in (1, 2, 3)]
        for grads in outs[1:]:
            for got, first in zip(grads, outs[0]):
                np.testing.assert_array_equal(got, first)
    a, v = rng.standard_normal(300_000), rng.standard_normal(9)
    g1 = rng.standard_normal(300_008)
    outs = [fastconv.convolve_backward(g1, a, v, method="direct", threads=t) for t in (1, 2, 3)]
    for grads in outs[1:]:
        for got, first in zip(grads, outs[0]):
            np.testing.assert_array_equal(got, first)
    g2 = rng.standard_normal(300_000 - 9 + 1)
    outs = [fastconv.correlate_backward(g2, a, v, method="direct", threads=t) for t in (1, 2)]
    for got, first in zip(outs[1], outs[0]):
        np.testing.assert_array_equal(got, first)


# -------------------------------------------------------------------------
# threads= validation
# -------------------------------------------------------------------------

CALLS = [
    lambda **kw: fastconv.convolve([1.0, 2.0], [3.0], **kw),
    lambda **kw: fastconv.correlate([1.0, 2.0], [3.0], **kw),
    lambda **kw: fastconv.convolve2d([[1.0, 2.0]], [[3.0]], **kw),
    lambda **kw: fastconv.correlate2d([[1.0, 2.0]], [[3.0]], **kw),
    lambda **kw: fastconv.convolve_backward([1.0, 1.0], [1.0, 2.0], [3.0], **kw),
    lambda **kw: fastconv.correlate_backward([1.0, 1.0], [1.0, 2.0], [3.0], **kw),
    lambda **kw: fastconv.convolve2d_backward([[1.0, 1.0]], [[1.0, 2.0]], [[3.0]], **kw),
    lambda **kw: fastconv.correlate2d_backward([[1.0, 1.0]], [[1.0, 2.0]], [[3.0]], **kw),
]


@pytest.mark.parametrize("call", CALLS)
def test_threads_argument(call):
    def arrays(result):
        return list(result) if isinstance(result, tuple) else [result]

    first = arrays(call())
    for threads in (None, 1, 2, 5, -1, -2, np.int64(2)):
        for got, want in zip(arrays(call(threads=threads)), first):
            np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="threads=0"):
        call(threads=0)
    for bad in (1.5, "2", True):
        with pytest.raises(TypeError, match="threads"):
            call(threads=bad)


# -------------------------------------------------------------------------
# Ctrl-C
# -------------------------------------------------------------------------

_INTERRUPT_SCRIPT = textwrap.dedent("""
    import os, signal, sys, threading, time
    import numpy as np, fastconv
    a, v = np.random.rand(4_000_000), np.random.rand(4000)
    def fire():
        time.sleep(0.5)
        globals()["sent"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=fire).start()
    try:
        fastconv.{call}
        print("FINISHED")
    except KeyboardInterrupt:
        print("INTERRUPTED", time.perf_counter() - sent)
    print(fastconv.convolve([1.0, 2.0], [3.0, 4.0]).tolist())
""")


def _run_interrupt(call, threads):
    env = dict(os.environ, FASTCONV_ISA="scalar")   # the slowest level: a long call
    script = _INTERRUPT_SCRIPT.format(call=call.format(threads=threads))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env)
    lines = done.stdout.split("\n")
    assert lines[0].startswith("INTERRUPTED"), done.stdout + done.stderr
    assert float(lines[0].split()[1]) < 0.5, lines[0]
    assert lines[1] == "[3.0, 10.0, 8.0]"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to self")
def test_ctrl_c_stops_a_long_direct_call():
    _run_interrupt("convolve(a, v, method='direct', threads={threads})", 2)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to self")
@pytest.mark.parametrize("call", [
    "convolve(a, v, method='direct', threads={threads})",
    "correlate2d(a.reshape(2000, 2000), v.reshape(40, 100), 'same', 'symm', "
    "method='direct', threads={threads})",
    "convolve_backward(np.ones(4_003_999), a, v, method='direct', threads={threads})",
])
@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_every_signal_op(call, threads):
    _run_interrupt(call, threads)


@pytest.mark.slow
@pytest.mark.parametrize("shape", [(1, 5000), (700, 900), (2, 100_003)])
def test_threads_sweep_bitwise(isa_level, shape):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((min(shape[0], 7), 11)).astype(np.float32)
    outs = [fastconv.correlate2d(x, w, "full", method="direct", threads=t) for t in range(1, 9)]
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])


# -------------------------------------------------------------------------
# the per-call fast path of small 1-D calls
# -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, k", [(1000, 3), (3, 1000), (7, 7), (1, 1), (50, 49)])
def test_fast_path_matches_full_path(dtype, n, k):
    """threads=-1 takes the full path; the default takes the fast one."""
    rng = np.random.default_rng(n + k)
    a, v = _random(rng, n, dtype), _random(rng, k, dtype)
    for mode in ("full", "same", "valid", 0, 2):
        for name in ("convolve", "correlate"):
            fast = getattr(fastconv, name)(a, v, mode)
            full = getattr(fastconv, name)(a, v, mode, threads=-1)
            assert fast.dtype == full.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(fast, full)
            np.testing.assert_allclose(fast, getattr(np, name)(a, v, mode),
                                       rtol=1e-5 if dtype == np.float32 else 1e-12,
                                       atol=1e-5 if dtype == np.float32 else 1e-12)


def test_fast_path_declines_unusual_arguments():
    a = np.arange(10.0)
    ro = a.copy()
    ro.flags.writeable = False
    swapped = a.astype(">f8")
    np.testing.assert_array_equal(fastconv.convolve(ro, [1.0, 2.0]), np.convolve(a, [1, 2.0]))
    np.testing.assert_array_equal(fastconv.convolve(swapped, a[:3]), np.convolve(a, a[:3]))
    np.testing.assert_array_equal(fastconv.convolve(a[::2], a[:3]), np.convolve(a[::2], a[:3]))
    np.testing.assert_array_equal(fastconv.correlate(a[:2], a), np.correlate(a[:2], a))
    assert fastconv.convolve(a.astype(np.float32), a).dtype == np.float64
    for bad, error in (("bogus", ValueError), (np.str_("full"), None), (True, TypeError)):
        if error is None:
            np.testing.assert_array_equal(fastconv.convolve(a, a, bad), np.convolve(a, a, bad))
        else:
            with pytest.raises(error):
                fastconv.convolve(a, a, bad)
    with pytest.raises(ValueError, match="a cannot be empty"):
        fastconv.convolve(np.array([]), a)
    with pytest.raises(ValueError, match="second array argument cannot be empty"):
        fastconv.correlate(a, np.array([]))
    with pytest.raises(ValueError, match="method"):
        fastconv.convolve(a, a, method="bogus")


def _assert_avx2_equals_avx512(compute):
    """compute() (a tuple of arrays) gives the same bits at both levels."""
    results = {}
    old = _isa.current
    try:
        for level in ("avx2", "avx512"):
            _isa.set_isa(level)
            results[level] = compute()
    finally:
        _isa.set_isa(_isa.LEVELS[old])
    for got, want in zip(results["avx512"], results["avx2"], strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.skipif("avx512" not in _isa.available(), reason="this CPU has no avx512")
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_avx2_and_avx512_complex_bitwise_identical(dtype):
    """The complex kernels run the same operations lane by lane (full
    blocks, single rows, masked last vectors)."""
    rng = np.random.default_rng(19)
    x, w = _random(rng, (37, 301), dtype), _random(rng, (5, 7), dtype)
    a, v = _random(rng, 5003, dtype), _random(rng, 17, dtype)
    _assert_avx2_equals_avx512(lambda: (
        fastconv.correlate2d(x, w, "full", "symm", method="direct"),
        fastconv.convolve2d(x, w, "same", method="direct"),
        fastconv.convolve2d(x[:7, :23], w[:3, :3], "valid", method="direct"),
        fastconv.convolve(a, v, method="direct")))


def test_complex_non_finite_where_the_reference_puts_them(isa_level):
    """The complex kernels add the four real products' sums separately (not
    tap by tap): an inf or nan still lands in the same real and imaginary
    parts as in the reference's sums."""
    rng = np.random.default_rng(20)
    for trial in range(40):
        dtype = (np.complex64, np.complex128)[trial % 2]
        x, w = _random(rng, (6, 40), dtype), _random(rng, (2, 3), dtype)
        for _ in range(2):
            x[rng.integers(0, 6), rng.integers(0, 40)] = complex(
                rng.choice([np.inf, -np.inf, np.nan, 1.0]), rng.choice([np.inf, -np.inf, 0.0, np.nan]))
        w[rng.integers(0, 2), rng.integers(0, 3)] = complex(rng.choice([np.inf, 0.0, 1.0]),
                                                            rng.choice([0.0, -np.inf, 1.0]))
        got = fastconv.convolve2d(x, w, "valid", method="direct")
        exact = np.asarray(reference.convolve2d(x.astype(np.complex128), w.astype(np.complex128),
                                                "valid"))
        for part in (np.real, np.imag):
            np.testing.assert_array_equal(np.isnan(part(got)), np.isnan(part(exact)))
            np.testing.assert_array_equal(np.isinf(part(got)), np.isinf(part(exact)))


@pytest.mark.skipif("avx512" not in _isa.available(), reason="this CPU has no avx512")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_avx2_and_avx512_bitwise_identical(dtype):
    """Both use fused multiply-adds in the same order for every output."""
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((37, 301)).astype(dtype), rng.standard_normal((5, 7)).astype(dtype)
    a, v = rng.standard_normal(5003).astype(dtype), rng.standard_normal(17).astype(dtype)
    _assert_avx2_equals_avx512(lambda: (
        fastconv.correlate2d(x, w, "full", "symm", method="direct"),
        fastconv.convolve2d(x, w, "same", method="direct"),
        fastconv.convolve(a, v, method="direct"),
        fastconv.convolve2d(x, w[:3, :3], "full", method="direct"),
        fastconv.convolve2d(x, w[:5, :5], "same", method="direct"),
        fastconv.convolve(a, v[:3], method="direct"),
        # corr_dot: 3 and 9 columns over kernel rows of 200 taps
        fastconv.correlate2d(x[:12, :202], x[:9, :200], "valid", method="direct"),
        fastconv.correlate(a, a[:4995], method="direct")))
