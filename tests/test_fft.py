"""method='fft': every function of the signal API and every backward pass,
checked against a float64 direct computation with the FFT error model.

A transform-based convolution has a rounding error bounded in norm,

    |fft result - exact|  <=  c * log2(N) * eps * ||X|| * ||w||     (every output)

with N the transform size, X the (extended) image and w the kernel; not the
elementwise K * eps * (|x| * |w|) of a direct sum (small outputs next to
large ones get an absolute error of the large ones' size).  The float64
direct result the tests compare with has its own error, at most
K * eps64 * ||X|| * ||w|| per output (Cauchy-Schwarz on the direct bound),
which is added to the tolerance.  The bound is sharp enough that an output
off by one position, a wrong boundary or a missing conjugate fails it by
orders of magnitude (test_the_bound_can_fail).
"""
import contextlib
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastconv
from fastconv import _fft, _method, _threads

C_FFT = 2.0   # observed c: 0.002-0.04 on random data

ONE_D = {"convolve": (fastconv.convolve, fastconv.convolve_backward),
         "correlate": (fastconv.correlate, fastconv.correlate_backward)}
TWO_D = {"convolve2d": (fastconv.convolve2d, fastconv.convolve2d_backward),
         "correlate2d": (fastconv.correlate2d, fastconv.correlate2d_backward)}
FLOATS = ("float32", "float64", "complex64", "complex128")


def _wide(dtype):
    return np.complex128 if np.dtype(dtype).kind == "c" else np.float64


def _copies(window, shape, boundary):
    """How often one element of x can appear in a window of its extension."""
    if boundary == "fill":
        return 1
    return math.prod(-(-w // max(s, 1)) + 1 for w, s in zip(window, shape))


def _norm(a):
    return float(np.linalg.norm(np.asarray(a, dtype=np.complex128).ravel()))


def assert_fft_close(got, exact, scale, log2n, dtype, n_terms, what=""):
    """|got - exact| <= (C * log2n * eps + 4 * K * eps64) * scale + eps * |exact|."""
    got, exact = np.asarray(got), np.asarray(exact)
    assert got.shape == exact.shape, f"{what}: shape {got.shape} != {exact.shape}"
    eps = np.finfo(np.dtype(dtype)).eps
    bound = ((C_FFT * log2n * eps + 4 * n_terms * np.finfo(np.float64).eps) * scale
             + eps * np.abs(exact) + np.finfo(np.float64).tiny)
    err = np.abs(got.astype(np.complex128) - exact.astype(np.complex128))
    if np.any(err > bound):
        idx = np.unravel_index(np.argmax(err - bound), err.shape)
        raise AssertionError(f"{what}: error {err[idx]:.3g} > bound {np.broadcast_to(bound, err.shape)[idx]:.3g} "
                             f"at {idx} (scale {scale:.3g}, log2 N {log2n:.1f})")


def _random(rng, shape, dtype):
    dtype = np.dtype(dtype)
    a = rng.standard_normal(shape)
    if dtype.kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


# how the output is cut into blocks: the cost model's choice, or small blocks
# in batches of at most 3 (many blocks, partial last blocks, several batches)
# with 'wrap' forced through the extension instead of the circular path
def _blocking(kind):
    if kind == "default":
        return contextlib.nullcontext()
    return mock.patch.multiple(_fft, BLOCK_OVERHEAD=0.0, BATCH_BYTES=1,
                               circular_work=lambda shape: math.inf)


_SIZES = st.integers(1, 70)


@settings(max_examples=150)
@given(name=st.sampled_from(sorted(ONE_D)), n=_SIZES, k=_SIZES,
       mode=st.sampled_from(["full", "same", "valid"]), dtype=st.sampled_from(FLOATS),
       blocking=st.sampled_from(["default", "small"]), seed=st.integers(0, 2**16))
def test_1d_forward_and_backward(name, n, k, mode, dtype, blocking, seed):
    rng = np.random.default_rng(seed)
    forward, backward = ONE_D[name]
    a, v = _random(rng, n, dtype), _random(rng, k, dtype)
    log2n = math.log2(4 * (n + k))
    with _blocking(blocking):
        got = forward(a, v, mode, method="fft")
    exact = forward(a.astype(_wide(dtype)), v.astype(_wide(dtype)), mode, method="direct")
    assert got.dtype == np.dtype(dtype)
    assert_fft_close(got, exact, _norm(a) * _norm(v), log2n, dtype, min(n, k), f"{name} {mode}")
    if np.dtype(dtype).kind == "c":
        return   # the backward passes are defined for real inputs
    g = _random(rng, exact.shape, dtype)
    with _blocking(blocking):
        ga, gv = backward(g, a, v, mode, method="fft")
    ea, ev = backward(g.astype(np.float64), a.astype(np.float64), v.astype(np.float64), mode,
                      method="direct")
    k_terms = max(n, k, len(g))
    assert_fft_close(ga, ea, _norm(g) * _norm(v), log2n, dtype, k_terms, f"{name} grad a")
    assert_fft_close(gv, ev, _norm(g) * _norm(a), log2n, dtype, k_terms, f"{name} grad v")


_SIDES = st.integers(1, 24)


@settings(max_examples=150)
@given(name=st.sampled_from(sorted(TWO_D)), s1=st.tuples(_SIDES, _SIDES),
       s2=st.tuples(st.integers(1, 12), st.integers(1, 12)),
       mode=st.sampled_from(["full", "same", "valid"]),
       boundary=st.sampled_from(["fill", "wrap", "symm"]), fillvalue=st.sampled_from([0, 1.5]),
       dtype=st.sampled_from(FLOATS), blocking=st.sampled_from(["default", "small"]),
       seed=st.integers(0, 2**16))
def test_2d_forward_and_backward(name, s1, s2, mode, boundary, fillvalue, dtype, blocking,
                                 seed):
    if mode == "valid" and not (all(a >= b for a, b in zip(s1, s2))
                                or all(a <= b for a, b in zip(s1, s2))):
        return
    rng = np.random.default_rng(seed)
    forward, backward = TWO_D[name]
    in1, in2 = _random(rng, s1, dtype), _random(rng, s2, dtype)
    with _blocking(blocking):
        got = forward(in1, in2, mode, boundary, fillvalue, method="fft")
    exact = forward(in1.astype(_wide(dtype)), in2.astype(_wide(dtype)), mode, boundary,
                    fillvalue, method="direct")
    assert got.dtype == np.dtype(dtype)
    window = tuple(o + k - 1 for o, k in zip(exact.shape, s2))
    copies = _copies(window, s1, boundary) if mode != "valid" else 1
    fill_norm = abs(fillvalue) * math.sqrt(math.prod(window)) if boundary == "fill" else 0.0
    image_norm = math.sqrt(copies) * _norm(in1) + fill_norm
    log2n = math.log2(4 * (s1[0] + s2[0]) * (s1[1] + s2[1]))
    k_terms = max(math.prod(s1), math.prod(s2))
    what = f"{name} {mode} {boundary}"
    assert_fft_close(got, exact, image_norm * _norm(in2), log2n, dtype, k_terms, what)
    if np.dtype(dtype).kind == "c":
        return
    g = _random(rng, exact.shape, dtype)
    with _blocking(blocking):
        g1, g2 = backward(g, in1, in2, mode, boundary, fillvalue, method="fft")
    e1, e2 = backward(g.astype(np.float64), in1.astype(np.float64), in2.astype(np.float64),
                      mode, boundary, fillvalue, method="direct")
    k_terms = max(k_terms, g.size)
    scale = _norm(g) * max(image_norm, _norm(in2)) * copies
    assert_fft_close(g1, e1, scale, log2n, dtype, k_terms, what + " grad in1")
    assert_fft_close(g2, e2, scale, log2n, dtype, k_terms, what + " grad in2")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n, k", [(20_000, 1_001), (50_000, 31), (3_001, 4_000)])
def test_long_1d_against_numpy(n, k, dtype):
    """Long inputs take many overlap-save blocks (and several batches)."""
    rng = np.random.default_rng(n + k)
    a, v = _random(rng, n, dtype), _random(rng, k, dtype)
    for mode in ("full", "same", "valid"):
        got = fastconv.convolve(a, v, mode, method="fft")
        exact = np.convolve(a.astype(np.float64), v.astype(np.float64), mode)
        assert_fft_close(got, exact, _norm(a) * _norm(v), math.log2(4 * (n + k)), dtype,
                         min(n, k), mode)


def test_large_image_builds_one_batch_of_extension_at_a_time():
    """A large image with 'symm': every window the FFT path asks for is at
    most one batch of blocks, never the whole extended image."""
    rng = np.random.default_rng(1)
    x, w = _random(rng, (400, 300), "float64"), _random(rng, (9, 7), "float64")
    expected = fastconv.correlate2d(x, w, "same", "symm", method="direct")
    from fastconv import _primitive
    windows = []
    real_extend = _primitive.extend

    def recording_extend(x, window, *args):
        windows.append(window)
        return real_extend(x, window, *args)

    with mock.patch.multiple(_fft, MAX_BLOCK_ELEMENTS=64 * 64, BATCH_BYTES=4 * 64 * 64 * 16), \
            mock.patch.object(_primitive, "extend", recording_extend):
        got = fastconv.correlate2d(x, w, "same", "symm", method="fft")
    assert len(windows) > 4
    assert max(r * c for r, c in windows) < x.size / 4
    assert_fft_close(got, expected, _norm(x) * 4 * _norm(w), math.log2(4 * x.size), "float64",
                     w.size)


# --------------------------------------------------------------------------
# _fft.correlate under hand-made block plans
# --------------------------------------------------------------------------

# (x shape, kernel shape, output shape, offset): windows inside x and
# leaving it, 1-row / 1-column images and kernels, odd sizes
_PRIMITIVE_CASES = [((13, 11), (4, 3), (15, 12), (-2, -1)),
                    ((13, 11), (4, 3), (10, 9), (0, 0)),
                    ((1, 20), (1, 5), (1, 23), (0, -3)),
                    ((9, 1), (3, 1), (11, 1), (-1, 0)),
                    ((7, 9), (1, 4), (7, 10), (0, -2)),
                    ((8, 6), (3, 1), (9, 7), (-2, 1))]


def _hand_plans(out_shape, w_shape, trim=(0, 0)):
    """Block plans of every kind for one call: one block or many, blocks that
    divide the output and blocks that leave a partial last one, transforms
    exactly the window's size (odd ones included) or larger than it (rows
    and columns of zero padding), and, for one block over an axis, as much
    shorter than its window as `trim` (_fft.zero_trim) allows."""
    (rows, cols), (wr, wc) = out_shape, w_shape

    def lengths(block, out_len, k, axis_trim):
        """Transform lengths for blocks of `block` outputs: the window, and
        the shortest one allowed for one block over the axis."""
        shortest = max(block + k - 1 - axis_trim, k) if block == out_len else block + k - 1
        return sorted({block + k - 1, shortest})

    for lr in sorted({rows, 1, max(1, rows // 2), max(1, (rows + 2) // 3)}):
        for lc in sorted({cols, 1, max(1, cols // 3), max(1, (cols + 1) // 2)}):
            for pad_r, pad_c in ((0, 0), (1, 2), (3, 1)):
                for nr in lengths(lr, rows, wr, trim[0]):
                    for nc in lengths(lc, cols, wc, trim[1]):
                        nr, nc = nr + pad_r, nc + pad_c
                        if rows == 1 and wr == 1:
                            nr = 1      # the 1-D layout: no transform along the rows
                        yield _fft.BlockPlan(lr, lc, nr, nc, -(-rows // lr), -(-cols // lc))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("boundary", ["zero", "fill", "wrap", "symm"])
@pytest.mark.parametrize("x_shape, w_shape, out_shape, offset", _PRIMITIVE_CASES)
def test_every_block_plan(x_shape, w_shape, out_shape, offset, boundary, dtype):
    """_fft.correlate against the direct primitive in float64 under many block
    plans and batch sizes, with the pruned row and column passes."""
    from fastconv import _dtypes, _primitive
    rng = np.random.default_rng(sum(x_shape) + sum(w_shape))
    x, w = _random(rng, x_shape, dtype), _random(rng, w_shape, dtype)
    plan = _dtypes.plan(np.dtype(dtype))
    fill = np.asarray(1.5, dtype=dtype) if boundary == "fill" else None
    extension = "fill" if boundary == "zero" else boundary
    wide = _dtypes.plan(np.dtype(_wide(dtype)))
    exact = _primitive.correlate_2d(x.astype(wide.compute), w.astype(wide.compute), out_shape,
                                    *offset, wide, "direct", boundary,
                                    None if fill is None else fill.astype(wide.compute))
    asked = []

    def window(shape, r, c):
        asked.append((shape, r, c))
        return _primitive.extend(x, shape, r, c, extension, fill, plan)

    window_size = tuple(o + k - 1 for o, k in zip(out_shape, w_shape))
    copies = _copies(window_size, x_shape, boundary)
    fill_norm = 1.5 * math.sqrt(math.prod(window_size)) if boundary == "fill" else 0.0
    scale = (math.sqrt(copies) * _norm(x) + fill_norm) * _norm(w)
    trim = _fft.zero_trim(x_shape, w_shape, out_shape, *offset) if boundary == "zero" else (0, 0)
    for hand in _hand_plans(out_shape, w_shape, trim):
        for batch_bytes in (1, 1 << 20):
            with mock.patch.multiple(_fft, block_plan=lambda *args, **kwargs: hand,
                                     BATCH_BYTES=batch_bytes,
                                     circular_work=lambda shape: math.inf):
                got = _fft.correlate(x, w, out_shape, *offset, boundary, window, 1)
            assert got.dtype == np.dtype(dtype)
            assert_fft_close(got, exact, scale, math.log2(4 * hand.nr * hand.nc), dtype,
                             math.prod(w_shape), f"{hand} batch {batch_bytes}")
    # windows inside x are read from x itself, never built
    for shape, r, c in asked:
        assert not (0 <= r and r + shape[0] <= x_shape[0] and 0 <= c
                    and c + shape[1] <= x_shape[1]), (shape, r, c)


@settings(max_examples=300)
@given(x_len=st.integers(0, 30), k=st.integers(1, 12), out_len=st.integers(1, 40),
       offset=st.integers(-45, 35), extra=st.integers(0, 3), seed=st.integers(0, 2**16))
def test_zero_trim_is_exact_and_tight(x_len, k, out_len, offset, extra, seed):
    """One block over an axis under the zero extension, its window's data
    alone in a transform `_fft.zero_trim` shorter than the window (or
    longer): every output is right, computed as _fft.correlate does.  One
    element shorter than that, some output wraps around: the trim is the
    largest there is (checked on random data, where a wrapped-around term
    shows)."""
    from fastconv import _dtypes, _primitive
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((1, x_len)), rng.standard_normal((1, k))
    plan = _dtypes.plan(np.dtype("float64"))
    exact = _primitive.correlate_2d(x, w, (1, out_len), 0, offset, plan, "direct")[0]
    (trim,) = _fft.zero_trim((x_len,), (k,), (out_len,), offset, 0)[:1]
    axis = _fft.BlockAxis(x_len, k, out_len, offset, out_len, 1, True)
    if axis.window == 0:
        assert trim == 0 and not exact.any()
        return
    data = x[0, axis.start:axis.start + axis.window]

    def by_transform(n):
        circular = np.fft.irfft(np.fft.rfft(data, n) * np.fft.rfft(w[0, ::-1], n), n)
        return circular[_fft.BlockAxis(x_len, k, out_len, offset, out_len, n, True).kept(
            out_len)]

    shortest = max(out_len + k - 1 - trim, k)
    tolerance = 1e-12 * (1 + np.abs(data).sum() * np.abs(w).sum())
    assert np.abs(by_transform(shortest + extra) - exact).max() <= tolerance
    if shortest - 1 >= max(k, axis.window):
        # (a shorter length that still holds the kernel and the data)
        assert np.abs(by_transform(shortest - 1) - exact).max() > tolerance


def test_same_mode_transforms_are_trimmed():
    """'same' of a 512 x 512 image with a 31 x 31 kernel, zero boundary: one
    block of 528 x 540 (the window is 542 x 542), read from the image in
    place; 'fill' with a non-zero value keeps the window's size."""
    x_shape, w_shape = (512, 512), (31, 31)
    trim = _fft.zero_trim(x_shape, w_shape, x_shape, -15, -15)
    assert trim == (15, 15)
    plan = _fft.block_plan(x_shape, w_shape, True, trim=trim)
    assert (plan.blocks, plan.nr, plan.nc) == (1, 528, 540)
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)

    def window(shape, r, c):
        raise AssertionError("a window of the zero extension was built")

    got = _fft.correlate(x, w, x_shape, -15, -15, "zero", window, 1)
    exact = fastconv.correlate2d(x, w, "same", method="direct")
    assert_fft_close(got, exact, _norm(x) * _norm(w), math.log2(4 * x.size), "float64", w.size)
    assert _fft.zero_trim(x_shape, w_shape, (482, 482), 0, 0) == (0, 0)       # 'valid'
    assert _fft.zero_trim(x_shape, w_shape, (542, 542), -30, -30) == (30, 30)  # 'full'
    assert _fft.zero_trim(x_shape, w_shape, (5, 5), 600, 0) == (0, 0)          # no data


def test_windows_inside_the_image_are_not_copied():
    """'valid' of a large image: the windows inside x are read in place; only
    the partial last blocks of a row or column (whose windows reach past
    the outputs, into the extension) are built."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((300, 280)), rng.standard_normal((9, 7))
    built = []

    def window(shape, r, c):
        built.append((shape, r, c))
        from fastconv import _dtypes, _primitive
        return _primitive.extend(x, shape, r, c, "symm", None, _dtypes.plan(x.dtype))

    out_shape = (292, 274)
    with mock.patch.multiple(_fft, MAX_BLOCK_ELEMENTS=64 * 64, BATCH_BYTES=4 * 64 * 64 * 16):
        plan = _fft.block_plan(out_shape, w.shape)
        batches = plan.br * -(-plan.bc // 4)
        got = _fft.correlate(x, w, out_shape, 0, 0, "symm", window, 1)
    exact = fastconv.correlate2d(x, w, "valid", method="direct")
    assert batches > 4 and len(built) < batches
    for shape, r, c in built:
        assert r + shape[0] > x.shape[0] or c + shape[1] > x.shape[1]
    assert_fft_close(got, exact, _norm(x) * _norm(w), math.log2(4 * x.size), "float64", w.size)


def test_reversed_image_windows_are_built():
    """A reversed (negative-stride) image, as the role swap passes, is not
    read in place; the result is the same."""
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((60, 50)), rng.standard_normal((5, 4))
    built = []

    def window(shape, r, c):
        built.append(shape)
        return np.ascontiguousarray(x[::-1, ::-1][r:r + shape[0], c:c + shape[1]])

    got = _fft.correlate(x[::-1, ::-1], w, (56, 47), 0, 0, "zero", window, 1)
    assert built
    exact = fastconv.correlate2d(x[::-1, ::-1], w, "valid", method="direct")
    assert_fft_close(got, exact, _norm(x) * _norm(w), math.log2(4 * x.size), "float64", w.size)


@pytest.mark.parametrize("shape, kernel, offset", [((8, 10), (3, 3), (-1, -1)),
                                                   ((5, 4), (7, 9), (-3, -4)),
                                                   ((6, 6), (2, 2), (2, 3))])
def test_circular_wrap_path(shape, kernel, offset):
    """'wrap' as one circular convolution, kernels larger than the image
    included (wrapped taps add onto the same element), outputs larger than
    the image (periodic)."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(shape), rng.standard_normal(kernel)
    out_shape = (shape[0] + 3, shape[1] + 5)
    got = _fft._circular(x, w, out_shape, *offset, workers=1)
    rows = (np.arange(out_shape[0])[:, None, None, None] + offset[0]
            + np.arange(kernel[0])[None, None, :, None]) % shape[0]
    cols = (np.arange(out_shape[1])[None, :, None, None] + offset[1]
            + np.arange(kernel[1])[None, None, None, :]) % shape[1]
    exact = np.einsum("ijpq,pq->ij", x[rows, cols], w)
    np.testing.assert_allclose(got, exact, rtol=0, atol=1e-12 * _norm(x) * _norm(w))


def test_the_bound_can_fail():
    """An output shifted by one position is far outside the bound."""
    rng = np.random.default_rng(3)
    a, v = rng.standard_normal(500), rng.standard_normal(40)
    got = fastconv.convolve(a, v, method="fft")
    exact = np.convolve(a, v)
    with pytest.raises(AssertionError):
        assert_fft_close(np.roll(got, 1), exact, _norm(a) * _norm(v), 10, "float64", 40)
    with pytest.raises(AssertionError):
        assert_fft_close(got.astype(np.float32), exact, _norm(a) * _norm(v), 10, "float64", 40)


_TRANSFORMS = ("rfft", "irfft", "fft", "ifft", "rfftn", "irfftn", "fftn", "ifftn")


@contextlib.contextmanager
def _spy_transforms():
    """Every scipy.fft transform the FFT path may call, wrapped: yields the
    list of (name, input array, keyword arguments) of the calls."""
    import scipy.fft
    calls = []

    def spy(name):
        real = getattr(scipy.fft, name)

        def wrapped(x, *args, **kwargs):
            calls.append((name, x, kwargs))
            return real(x, *args, **kwargs)
        return wrapped

    with contextlib.ExitStack() as stack:
        for name in _TRANSFORMS:
            stack.enter_context(mock.patch(f"scipy.fft.{name}", spy(name)))
        yield calls


_SINGLE_CASES = [("convolve", (100,), (10,)), ("convolve2d", (40, 30), (7, 5)),
                 ("convolve2d", (40, 1), (7, 1)), ("convolve2d", (1, 30), (1, 5))]


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
@pytest.mark.parametrize("name, s1, s2", _SINGLE_CASES)
@pytest.mark.parametrize("blocking", ["default", "small"])
def test_single_precision_is_computed_in_single_precision(name, s1, s2, dtype, blocking):
    rng = np.random.default_rng(0)
    a, v = _random(rng, s1, dtype), _random(rng, s2, dtype)
    with _blocking(blocking), _spy_transforms() as calls:
        got = getattr(fastconv, name)(a, v, method="fft")
    assert calls
    assert all(x.dtype in (np.float32, np.complex64) for _, x, _ in calls), \
        [(n, x.dtype) for n, x, _ in calls]
    assert got.dtype == np.dtype(dtype)


@pytest.mark.parametrize("shapes", [((1, 1000), (1, 20), (1, 981)),
                                    ((60, 50), (9, 7), (52, 44))])
def test_workers_from_threads(shapes):
    from fastconv import _primitive, _dtypes
    plan = _dtypes.plan(np.dtype(np.float64))
    x_shape, w_shape, out_shape = shapes
    x, w = np.ones(x_shape), np.ones(w_shape)
    with mock.patch.object(_fft, "PARALLEL_MIN_ELEMENTS", 0), _spy_transforms() as calls:
        _primitive.correlate_2d(x, w, out_shape, 0, 0, plan, "fft", threads=2)
    assert calls
    assert all(kwargs["workers"] == 2 for _, _, kwargs in calls)
    # calls smaller than PARALLEL_MIN_ELEMENTS run on one worker
    with _spy_transforms() as calls:
        _primitive.correlate_2d(x, w, out_shape, 0, 0, plan, "fft", threads=2)
    assert calls and all(kwargs["workers"] == 1 for _, _, kwargs in calls)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
@pytest.mark.parametrize("n, k", [(100_000, 1_001), (30_000, 2_000), (5_000, 300)])
def test_1d_blocks_are_transformed_in_whole_lane_groups(n, k, dtype, threads):
    """A 1-D plan's blocks (one row each) go to scipy.fft in batches of whole
    groups of _fft.LANES (pocketfft's SIMD lanes), one group per thread
    when the byte cap allows it, except the last batch."""
    rng = np.random.default_rng(n)
    a, v = _random(rng, n, dtype), _random(rng, k, dtype)
    forward = "rfft" if np.dtype(dtype).kind == "f" else "fft"
    for batch_bytes in (1, _fft.BATCH_BYTES):
        with mock.patch.object(_fft, "BATCH_BYTES", batch_bytes), _spy_transforms() as calls:
            got = fastconv.convolve(a, v, method="fft", threads=threads)
        batches = [x.shape[0] for name, x, _ in calls if name == forward][1:]   # [0]: kernel
        group = _fft.LANES * threads if batch_bytes == _fft.BATCH_BYTES else _fft.LANES
        assert batches and all(b % group == 0 for b in batches[:-1]), batches
        exact = np.convolve(a.astype(_wide(dtype)), v.astype(_wide(dtype)))
        assert_fft_close(got, exact, _norm(a) * _norm(v), math.log2(4 * (n + k)), dtype, k)


@pytest.mark.parametrize("dtype", FLOATS)
def test_thread_count_never_changes_an_fft_result(dtype):
    """Batches (1-D: lane groups per thread) and scipy.fft's workers depend on
    threads=; the result does not, bit for bit (docs/guide/threads_and_isa)."""
    rng = np.random.default_rng(7)
    for n, k in [(100_000, 1_001), (30_000, 2_000), (7_001, 33)]:
        a, v = _random(rng, n, dtype), _random(rng, k, dtype)
        results = [fastconv.convolve(a, v, method="fft", threads=t) for t in (1, 2, 3)]
        for other in results[1:]:
            np.testing.assert_array_equal(other, results[0])
    x, w = _random(rng, (300, 280), dtype), _random(rng, (31, 17), dtype)
    for boundary in ("fill", "symm"):
        results = [fastconv.convolve2d(x, w, "same", boundary, method="fft", threads=t)
                   for t in (1, 2, 3)]
        for other in results[1:]:
            np.testing.assert_array_equal(other, results[0])


@pytest.mark.parametrize("threads", [2, 3])
def test_2d_blocks_are_shared_between_threads(threads):
    """A 2-D plan of several blocks runs its batches on `threads` threads,
    each batch's transforms on one worker; the result is the one-thread
    result, bit for bit, for every boundary (windows built on the helpers;
    a non-zero fill: under the zero extension this is one trimmed block)."""
    import threading

    import scipy.fft
    rng = np.random.default_rng(threads)
    x, w = rng.standard_normal((600, 500)), rng.standard_normal((31, 31))
    assert _fft.block_plan((600, 500), (31, 31), True, 4096.0, lanes=True).blocks > 1
    for boundary, fillvalue in (("fill", 1.5), ("wrap", 0), ("symm", 0)):
        one = fastconv.correlate2d(x, w, "same", boundary, fillvalue, method="fft", threads=1)
        names = set()
        sharing, helper_ran, waited = threading.Event(), threading.Event(), threading.Event()
        shared_run = _threads.run_shared

        def run_shared(*args, **kwargs):
            sharing.set()
            return shared_run(*args, **kwargs)

        with _spy_transforms() as calls:
            recorded = scipy.fft.rfft

            def spy(*args, **kwargs):
                name = threading.current_thread().name
                names.add(name)
                if name.startswith("fastconv"):
                    helper_ran.set()
                elif sharing.is_set() and not waited.is_set():
                    # the calling thread waits (once, in its first batch) until
                    # a helper has taken a batch: on a loaded machine it could
                    # otherwise run them all before the pool's thread is
                    # scheduled (run_shared allows that), and this test would
                    # see no helper
                    waited.set()
                    helper_ran.wait(timeout=10)
                return recorded(*args, **kwargs)

            with mock.patch.object(scipy.fft, "rfft", spy), \
                    mock.patch.object(_threads, "run_shared", run_shared):
                shared = fastconv.correlate2d(x, w, "same", boundary, fillvalue, method="fft",
                                              threads=threads)
        np.testing.assert_array_equal(shared, one)
        assert calls and all(kwargs["workers"] == 1 for _, _, kwargs in calls)
        assert any(name.startswith("fastconv") for name in names), names


def test_1d_lane_work_counts_lane_groups():
    """BlockPlan.lane_work of a 1-D plan: whole lane groups at one transform
    per block, the rest and the kernel's transform at SCALAR_COST each; a
    2-D plan's is its work.  block_plan prices by it only when asked
    (correlate does; _method and the batched items of _batch do not)."""
    size, lanes, scalar = 4096, _fft.LANES, _fft.SCALAR_COST
    one = size * math.log2(size)
    grouped = _fft.BlockPlan(1, 4000, 1, size, 1, 2 * lanes)
    ragged = _fft.BlockPlan(1, 4000, 1, size, 1, 2 * lanes + 1)
    assert grouped.work == pytest.approx(2 * 2 * lanes * one)
    assert grouped.lane_work == pytest.approx((2 * 2 * lanes + scalar) * one)
    assert ragged.lane_work == pytest.approx((2 * (2 * lanes + scalar) + scalar) * one)
    two_d = _fft.BlockPlan(10, 10, 16, 16, 3, 5)
    assert two_d.lane_work == two_d.work == pytest.approx(2 * 15 * 256 * 8)
    # a signal of 4096 with 255 taps: one lone block of 4374 unpriced, whole
    # groups of shorter blocks when the lanes are priced
    assert _fft.block_plan((1, 4096), (1, 255)).blocks == 1
    assert _fft.block_plan((1, 4096), (1, 255), lanes=True).blocks % lanes == 0


# --------------------------------------------------------------------------
# exact dtypes never use FFT
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.bool_])
@pytest.mark.parametrize("name", ["convolve", "correlate", "convolve2d", "correlate2d"])
def test_fft_rejects_exact_dtypes(name, dtype):
    args = ([[1, 0, 1]], [[1, 1]]) if name.endswith("2d") else ([1, 0, 1], [1, 1])
    args = tuple(np.asarray(a, dtype=dtype) for a in args)
    with pytest.raises(ValueError, match=r"method='fft' is not available for .* results must "
                                         r"be exact"):
        getattr(fastconv, name)(*args, method="fft")


@pytest.mark.parametrize("dtype", [np.int16, np.int64, np.uint8, np.bool_])
def test_auto_never_takes_fft_for_exact_dtypes(dtype):
    for shapes in [((1, 10**6), (1, 10_001), (1, 10**6 + 10_000)),
                   ((2048, 2048), (31, 31), (2048, 2048))]:
        assert _method.choose("correlate", shapes, np.dtype(dtype)) != _method.Method.FFT
    rng = np.random.default_rng(0)
    a = rng.integers(0, 100, 3000).astype(dtype)
    v = rng.integers(0, 100, 2000).astype(dtype)
    np.testing.assert_array_equal(fastconv.convolve(a, v), np.convolve(a, v))


def test_auto_keeps_nonfinite_values_local():
    """Where the model picks FFT, a nan or inf in the input falls back to
    the direct sum, which puts them where NumPy does."""
    a = np.ones(200_000)
    a[5] = np.nan
    v = np.ones(2001)
    shapes = ((1, a.size), (1, v.size), (1, a.size + v.size - 1))
    assert _method.choose("correlate", shapes, a.dtype) == _method.Method.FFT
    got = fastconv.convolve(a, v)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(np.convolve(a, v)))
