"""Batches: axis= on convolve / correlate, axes= on convolve2d / correlate2d,
and their backward passes, against a Python loop of the 1-D / 2-D functions
over the broadcast batch."""
import itertools

import numpy as np
import pytest

import fastconv
from arrays import random_array
from helpers import assert_scaled_close
from methods import signal_methods

MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]


def _items(arrays, axes):
    """Per-item views of the broadcast inputs (core axes last), the batch
    shape, for the reference loop."""
    ndim = max(a.ndim for a in arrays)
    k = len(axes)
    axes = tuple(ax % ndim for ax in axes)
    moved = [np.moveaxis(a.reshape((1,) * (ndim - a.ndim) + a.shape), axes,
                         tuple(range(ndim - k, ndim))) for a in arrays]
    shape = np.broadcast_shapes(*(m.shape[:ndim - k] for m in moved))
    moved = [np.broadcast_to(m, shape + m.shape[ndim - k:]) for m in moved]
    return moved, shape, axes, ndim


def loop(function, arrays, axes, *args, **kwargs):
    """The reference: `function` on every item of the batch, results put
    back with their core axes at `axes`."""
    moved, shape, axes, ndim = _items(arrays, axes)
    k = len(axes)
    results = [function(*(m[idx] for m in moved), *args, **kwargs)
               for idx in np.ndindex(*shape)]
    core = results[0].shape if results else None
    stacked = np.stack(results).reshape(shape + core)
    return np.moveaxis(stacked, tuple(range(ndim - k, ndim)), axes)


def wide(a):
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def assert_batch_close(got, function, arrays, axes, n_terms, *args, **kwargs):
    """got against the loop, exactly for exact dtypes, else within the scaled
    tolerance of a float64 loop (magnitudes: the loop on |inputs|)."""
    dtype = got.dtype
    if dtype.kind in "biu" or dtype == object:
        expected = loop(function, arrays, axes, *args, **kwargs)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        return
    expected = loop(function, [wide(a) for a in arrays], axes, *args, **kwargs)
    magnitude = loop(function, [np.abs(wide(a)).astype(np.float64) for a in arrays], axes,
                     *args, **kwargs)
    single = loop(function, arrays, axes, *args, **kwargs)
    assert got.dtype == single.dtype
    assert_scaled_close(got, expected, magnitude, n_terms, dtype=dtype)


# (a shape, v shape, axis): stacks with one kernel, a kernel per signal,
# kernels longer than the signals, broadcasting both ways, other axes
CASES_1D = [
    ((4, 17), (5,), -1),
    ((4, 17), (4, 5), 1),
    ((3, 4), (9,), -1),
    ((3, 1, 12), (1, 2, 5), -1),
    ((12, 3), (5, 1), 0),
    ((2, 11, 3), (4, 1), -2),
    ((12,), (3, 5), -1),
    ((1, 6), (3, 6), 1),
]


@pytest.mark.parametrize("a_shape, v_shape, axis", CASES_1D)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_1d_matches_loop(name, mode, a_shape, v_shape, axis):
    rng = np.random.default_rng(1)
    a, v = rng.standard_normal(a_shape), rng.standard_normal(v_shape)
    function = getattr(fastconv, name)
    for method in signal_methods():
        got = function(a, v, mode, method=method, axis=axis)
        assert got.flags.c_contiguous
        if method == "fft":   # the FFT's error is norm-wise (test_fft.py), not per output
            expected = loop(lambda x, y: function(x, y, mode, method="direct"),
                            [wide(a), wide(v)], (axis,))
            assert_fft_items_close(got, expected, [a, v], (axis,), got.dtype)
            continue
        assert_batch_close(got, lambda x, y: function(x, y, mode, method=method), [a, v],
                           (axis,), max(a.shape[axis], v.shape[axis]))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint16, np.int32, np.int64,
                                   np.float16, np.float32, np.complex64, np.complex128])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_1d_dtypes(name, dtype):
    rng = np.random.default_rng(2)
    function = getattr(fastconv, name)
    for a_shape, v_shape in [((3, 16), (4,)), ((3, 16), (3, 4)), ((3, 4), (7,))]:
        a, v = random_array(rng, a_shape, dtype), random_array(rng, v_shape, dtype)
        for mode in MODES:
            got = function(a, v, mode, axis=-1)
            assert_batch_close(got, lambda x, y: getattr(np, name)(x, y, mode), [a, v], (-1,),
                               16)


def test_1d_mixed_dtypes_and_object():
    a = np.arange(12, dtype=np.int16).reshape(3, 4)
    v = np.array([0.5, 1.0], dtype=np.float32)
    got = fastconv.convolve(a, v, axis=-1)
    assert got.dtype == np.result_type(a, v)
    np.testing.assert_allclose(got, loop(np.convolve, [a, v], (-1,)))
    obj = np.array([[1, 2, 3], [4, 5, 6]], dtype=object)
    got = fastconv.correlate(obj, np.array([1, 2], dtype=object), "full", axis=1)
    np.testing.assert_array_equal(got, loop(np.correlate, [obj, np.array([1, 2])], (1,),
                                            "full"))


# (in1 shape, in2 shape, axes)
CASES_2D = [
    ((3, 7, 6), (3, 2), (-2, -1)),
    ((3, 7, 6), (3, 3, 2), (1, 2)),
    ((7, 3, 6), (3, 1, 2), (0, 2)),
    ((2, 7, 1, 6), (1, 3, 4, 2), (1, 3)),
    ((3, 6, 7), (2, 3), (2, 1)),
]


@pytest.mark.parametrize("in1_shape, in2_shape, axes", CASES_2D)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_2d_matches_loop(name, mode, boundary, in1_shape, in2_shape, axes):
    rng = np.random.default_rng(3)
    in1, in2 = rng.standard_normal(in1_shape), rng.standard_normal(in2_shape)
    function = getattr(fastconv, name)
    for method in signal_methods():
        got = function(in1, in2, mode, boundary, 0.5, method=method, axes=axes)
        assert_batch_close(got, lambda x, y: function(x, y, mode, boundary, 0.5, method=method),
                           [in1, in2], axes, 6)


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int32, np.float16, np.float32,
                                   np.complex128])
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_2d_dtypes_and_valid_swap(name, dtype):
    """Every dtype, and 'valid' with the larger in2 (complex correlate2d:
    the right answer, as fastconv's 2-D function gives)."""
    rng = np.random.default_rng(4)
    function = getattr(fastconv, name)
    for in1_shape, in2_shape in [((2, 5, 6), (3, 2)), ((2, 2, 3), (2, 5, 4))]:
        in1, in2 = random_array(rng, in1_shape, dtype), random_array(rng, in2_shape, dtype)
        for mode, boundary in itertools.product(MODES, ["fill", "symm"]):
            got = function(in1, in2, mode, boundary, axes=(-2, -1))
            assert_batch_close(got, lambda x, y: function(x, y, mode, boundary), [in1, in2],
                               (-2, -1), 20)


def test_2d_nonfinite_kernel_and_fill():
    in1 = np.arange(2 * 4 * 5, dtype=float).reshape(2, 4, 5)
    in2 = np.array([[1.0, np.inf], [0.0, 1.0]])
    for fill in (0.0, np.nan, -0.0):
        got = fastconv.correlate2d(in1, in2, "same", "fill", fill, axes=(1, 2))
        expected = loop(fastconv.correlate2d, [in1, in2], (1, 2), "same", "fill", fill)
        np.testing.assert_array_equal(got, expected)


def test_empty_batch_and_shapes():
    out = fastconv.convolve(np.ones((0, 10)), np.ones(3), axis=-1)
    assert out.shape == (0, 12)
    out = fastconv.correlate2d(np.ones((2, 0, 5, 5)), np.ones((2, 2)), "valid", axes=(-2, -1))
    assert out.shape == (2, 0, 4, 4)
    # axis of a 0-d input of convolve: treated as length 1, as NumPy does
    np.testing.assert_array_equal(fastconv.convolve(2.0, [[1.0, 2.0]], axis=-1), [[2.0, 4.0]])


def test_errors():
    a, v = np.ones((3, 8)), np.ones((3, 3))
    with pytest.raises(np.exceptions.AxisError):
        fastconv.convolve(a, v, axis=2)
    with pytest.raises(np.exceptions.AxisError):
        fastconv.correlate(a, v, axis=-3)
    with pytest.raises(TypeError, match="axis must be an integer"):
        fastconv.convolve(a, v, axis=1.0)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        fastconv.convolve(np.ones((3, 8)), np.ones((2, 3)), axis=-1)
    with pytest.raises(ValueError, match="a cannot be empty"):
        fastconv.convolve(np.ones((3, 0)), v, axis=-1)
    with pytest.raises(ValueError, match="second array argument cannot be empty"):
        fastconv.correlate(a, np.ones((3, 0)), axis=-1)
    with pytest.raises(ValueError, match="too small depth"):
        fastconv.correlate(a, 1.0, axis=-1)
    with pytest.raises(ValueError, match="Acceptable mode"):
        fastconv.convolve2d(np.ones((2, 4, 4)), np.ones((2, 2)), "bad", axes=(1, 2))
    images = np.ones((2, 5, 5))
    with pytest.raises(ValueError, match="repeated axis"):
        fastconv.convolve2d(images, np.ones((2, 2)), axes=(1, -2))
    with pytest.raises(ValueError, match="exactly 2 axes"):
        fastconv.convolve2d(images, np.ones((2, 2)), axes=(0, 1, 2))
    with pytest.raises(TypeError, match="pair of integers"):
        fastconv.convolve2d(images, np.ones((2, 2)), axes=1)
    with pytest.raises(np.exceptions.AxisError):
        fastconv.correlate2d(images, np.ones((2, 2)), axes=(1, 3))
    with pytest.raises(ValueError, match="at least as large"):
        fastconv.convolve2d(np.ones((2, 5, 3)), np.ones((3, 5)), "valid", axes=(1, 2))
    # without axis / axes, NumPy's and SciPy's errors for N-D input stay
    with pytest.raises(ValueError, match="object too deep"):
        fastconv.convolve(a, np.ones(3))
    with pytest.raises(ValueError, match="must both be 2-D"):
        fastconv.convolve2d(images, np.ones((2, 2)))


# --------------------------------------------------------------------------
# backward
# --------------------------------------------------------------------------

def _loop_backward(function, grad, arrays, axes, *args):
    """Per-item gradients of the broadcast batch, summed back to each
    input's shape (the adjoint of broadcasting)."""
    moved, shape, axes_n, ndim = _items(arrays, axes)
    k = len(axes_n)
    g = np.moveaxis(grad, axes_n, tuple(range(ndim - k, ndim)))
    totals = []
    for i, a in enumerate(arrays):
        padded = a.reshape((1,) * (ndim - a.ndim) + a.shape)
        acc = np.zeros(np.moveaxis(padded, axes_n, tuple(range(ndim - k, ndim))).shape)
        totals.append(acc)
    for idx in np.ndindex(*shape):
        grads = function(g[idx], *(m[idx] for m in moved), *args)
        for acc, gi in zip(totals, grads):
            target = tuple(0 if acc.shape[d] == 1 else j for d, j in enumerate(idx))
            acc[target] += gi
    return [np.moveaxis(acc, tuple(range(ndim - k, ndim)), axes_n).reshape(a.shape)
            for acc, a in zip(totals, arrays)]


@pytest.mark.parametrize("a_shape, v_shape, axis", CASES_1D)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_1d_backward_matches_loop(name, mode, a_shape, v_shape, axis):
    rng = np.random.default_rng(5)
    a, v = rng.standard_normal(a_shape), rng.standard_normal(v_shape)
    forward = getattr(fastconv, name)
    backward = getattr(fastconv, name + "_backward")
    g = rng.standard_normal(forward(a, v, mode, axis=axis).shape)
    expected = _loop_backward(lambda gi, x, y: backward(gi, x, y, mode), g, [a, v], (axis,))
    for method in signal_methods():
        got = backward(g, a, v, mode, method=method, axis=axis)
        for gi, ei in zip(got, expected):
            assert gi.shape == ei.shape and gi.dtype == np.float64
            np.testing.assert_allclose(gi, ei, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("in1_shape, in2_shape, axes", CASES_2D)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_2d_backward_matches_loop(name, mode, boundary, in1_shape, in2_shape, axes):
    rng = np.random.default_rng(6)
    in1, in2 = rng.standard_normal(in1_shape), rng.standard_normal(in2_shape)
    forward = getattr(fastconv, name)
    backward = getattr(fastconv, name + "_backward")
    g = rng.standard_normal(forward(in1, in2, mode, boundary, axes=axes).shape)
    expected = _loop_backward(lambda gi, x, y: backward(gi, x, y, mode, boundary), g,
                              [in1, in2], axes)
    got = backward(g, in1, in2, mode, boundary, axes=axes)
    for gi, ei in zip(got, expected):
        assert gi.shape == ei.shape
        np.testing.assert_allclose(gi, ei, rtol=1e-10, atol=1e-10)


def test_backward_float32_and_errors():
    rng = np.random.default_rng(7)
    a, v = rng.standard_normal((3, 10)).astype(np.float32), np.ones(3, np.float32)
    g = np.ones((3, 12), np.float32)
    grad_a, grad_v = fastconv.convolve_backward(g, a, v, axis=-1)
    assert grad_a.dtype == grad_v.dtype == np.float32 and grad_v.shape == (3,)
    np.testing.assert_allclose(grad_v, [a.sum()] * 3, rtol=1e-5)
    with pytest.raises(ValueError, match=r"grad_output has shape \(3, 11\)"):
        fastconv.convolve_backward(np.ones((3, 11)), a, v, axis=-1)
    with pytest.raises(TypeError, match="real floating-point"):
        fastconv.correlate_backward(np.ones((3, 8)), a.astype(int), v, axis=-1)
    with pytest.raises(np.exceptions.AxisError):
        fastconv.convolve2d_backward(np.ones((3, 3)), np.ones((2, 2)), np.ones((2, 2)),
                                     axes=(0, 2))


def test_core_only_input_is_shared_at_any_axes():
    """A 1-D kernel (or one 2-D image / kernel) serves the whole batch
    whatever the axes: its dimensions go to the axes, in their order."""
    rng = np.random.default_rng(8)
    columns, taps = rng.standard_normal((12, 3)), rng.standard_normal(4)
    got = fastconv.convolve(columns, taps, "same", axis=0)
    np.testing.assert_allclose(got, loop(fastconv.convolve, [columns, taps[:, None]], (0,),
                                         "same"), rtol=1e-13, atol=1e-13)
    images, kernel = rng.standard_normal((6, 2, 5)), rng.standard_normal((3, 2))
    for axes in [(0, 2), (2, 0)]:
        got = fastconv.correlate2d(images, kernel, "full", "wrap", axes=axes)
        expected = loop(fastconv.correlate2d, [images, kernel[:, None, :]], axes, "full", "wrap")
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)
        g = rng.standard_normal(got.shape)
        grad_images, grad_kernel = fastconv.correlate2d_backward(g, images, kernel, "full",
                                                                 "wrap", axes=axes)
        expected = _loop_backward(lambda gi, x, y: fastconv.correlate2d_backward(
            gi, x, y, "full", "wrap"), g, [images, kernel[:, None, :]], axes)
        assert grad_kernel.shape == kernel.shape
        np.testing.assert_allclose(grad_images, expected[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(grad_kernel, expected[1][:, 0, :], rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------
# the C batch: bit for bit the unbatched calls, whatever the threads
# --------------------------------------------------------------------------

EXACT_DTYPES = [np.bool_, np.uint8, np.int16, np.int32, np.uint64, np.float16, np.float32,
                np.float64, np.complex64, np.complex128]

# (a shape, v shape, axis): one kernel, a kernel per signal, kernels longer
# than the signals, a batch of 1
BITWISE_1D = [((5, 40), (7,), -1), ((5, 40), (5, 7), -1), ((4, 6), (4, 9), -1),
              ((1, 33), (1, 4), -1), ((9, 3), (4, 1), 0)]


def assert_identical(got, expected):
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    # the same bits: -0.0 against 0.0 and nan payloads included
    assert got.tobytes() == np.ascontiguousarray(expected).tobytes()


@pytest.mark.parametrize("dtype", EXACT_DTYPES)
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_1d_direct_is_the_unbatched_call_bit_for_bit(name, dtype):
    rng = np.random.default_rng(20)
    function = getattr(fastconv, name)
    for (a_shape, v_shape, axis), mode in itertools.product(BITWISE_1D, MODES):
        a, v = random_array(rng, a_shape, dtype), random_array(rng, v_shape, dtype)
        got = function(a, v, mode, method="direct", axis=axis)
        expected = loop(lambda x, y: function(x, y, mode, method="direct"), [a, v], (axis,))
        assert_identical(got, np.ascontiguousarray(expected))


BITWISE_2D = [((3, 9, 8), (3, 2), (1, 2)), ((3, 9, 8), (3, 3, 2), (1, 2)),
              ((2, 3, 4), (2, 7, 6), (1, 2)), ((1, 7, 5), (2, 2), (1, 2)),
              ((4, 6, 3), (2, 3, 1), (0, 1)),
              ((2, 2, 2), (9, 9), (1, 2))]   # a kernel covering the image (role swap)


@pytest.mark.parametrize("dtype", EXACT_DTYPES)
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_2d_direct_is_the_unbatched_call_bit_for_bit(name, dtype):
    rng = np.random.default_rng(21)
    function = getattr(fastconv, name)
    for (s1, s2, axes), mode, boundary in itertools.product(BITWISE_2D, MODES,
                                                            BOUNDARIES + ["fill"]):
        in1, in2 = random_array(rng, s1, dtype), random_array(rng, s2, dtype)
        fill = 0 if boundary == "fill" and mode == "full" else 1
        got = function(in1, in2, mode, boundary, fill, method="direct", axes=axes)
        expected = loop(lambda x, y: function(x, y, mode, boundary, fill, method="direct"),
                        [in1, in2], axes)
        assert_identical(got, np.ascontiguousarray(expected))


def test_nonfinite_and_signed_zeros_bit_for_bit():
    values = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 1.0, -1.0])
    rng = np.random.default_rng(22)
    a = rng.choice(values, (6, 11))
    v = rng.choice(values, (6, 3))
    for mode in MODES:
        got = fastconv.correlate(a, v, mode, method="direct", axis=-1)
        expected = loop(lambda x, y: fastconv.correlate(x, y, mode, method="direct"),
                        [a, v], (-1,))
        assert_identical(got, expected)
    images = rng.choice(values, (3, 5, 6))
    got = fastconv.convolve2d(images, v[:3], "same", "fill", -0.0, method="direct", axes=(1, 2))
    expected = loop(lambda x, y: fastconv.convolve2d(x, y, "same", "fill", -0.0,
                                                     method="direct"), [images, v[:3]], (1, 2))
    assert_identical(got, expected)


def test_non_contiguous_and_strided_batches():
    rng = np.random.default_rng(23)
    base = rng.standard_normal((8, 30, 20))
    kernels = rng.standard_normal((4, 5, 3))
    cases = [(base[::2, ::3, 1::2], kernels),                    # (4, 10, 10), per item
             (base.transpose(2, 1, 0)[:, ::-1], kernels[0]),      # (20, 30, 8), shared
             (base[:, 2:-3, ::4], kernels[:1, ::2, ::-1]),        # (8, 25, 5), (1, 3, 3)
             (base[::2, ::3, 1::2], kernels[:, ::-1, ::2])]       # reversed, strided kernels
    for x, w in cases:
        for mode in MODES:
            got = fastconv.correlate2d(x, w, mode, method="direct", axes=(1, 2))
            expected = loop(lambda p, q: fastconv.correlate2d(p, q, mode, method="direct"),
                            [x, w], (1, 2))
            assert_identical(got, np.ascontiguousarray(expected))
    signals = base[:, :, 0].T[::2]          # rows with a stride
    got = fastconv.convolve(signals, kernels[0, :, 0], "full", method="direct", axis=-1)
    expected = loop(lambda p, q: fastconv.convolve(p, q, "full", method="direct"),
                    [signals, kernels[0, :, 0]], (-1,))
    assert_identical(got, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.int32])
def test_thread_counts_give_identical_results(dtype):
    """Batches large enough for several threads: over the items (many small
    images), and over the row bands of an item (two large images)."""
    rng = np.random.default_rng(24)
    cases = [((40, 64, 64), (5, 5)), ((24, 64, 64), (24, 5, 5)), ((2, 300, 310), (5, 5)),
             ((300, 4096), (31,)), ((100, 4096), (100, 31))]
    for x_shape, w_shape in cases:
        x, w = random_array(rng, x_shape, dtype), random_array(rng, w_shape, dtype)
        if len(x_shape) == 2:
            def call(threads):
                return fastconv.convolve(x, w, "same", method="direct", axis=-1,
                                         threads=threads)
            single = loop(lambda p, q: fastconv.convolve(p, q, "same", method="direct",
                                                         threads=1), [x, w], (-1,))
        else:
            def call(threads):
                return fastconv.correlate2d(x, w, "same", "symm", method="direct",
                                            axes=(-2, -1), threads=threads)
            single = loop(lambda p, q: fastconv.correlate2d(p, q, "same", "symm",
                                                            method="direct", threads=1),
                          [x, w], (-2, -1))
        for threads in (1, 2, 3):
            assert_identical(call(threads), np.ascontiguousarray(single))


def test_tall_kernel_runs_transposed_as_unbatched():
    rng = np.random.default_rng(25)
    x = rng.standard_normal((2, 70_010, 2)).astype(np.float32)
    w = rng.standard_normal((70_000, 1)).astype(np.float32)
    got = fastconv.correlate2d(x, w, "valid", method="direct", axes=(1, 2))
    expected = loop(lambda p, q: fastconv.correlate2d(p, q, "valid", method="direct"), [x, w],
                    (1, 2))
    assert_identical(got, expected)


def test_empty_batch_every_method():
    for method in signal_methods():
        out = fastconv.correlate(np.ones((0, 10)), np.ones((0, 3)), "valid", method=method,
                                 axis=-1)
        assert out.shape == (0, 8)
        out = fastconv.convolve2d(np.ones((0, 5, 5)), np.ones((0, 2, 2)), "same",
                                  method=method, axes=(1, 2))
        assert out.shape == (0, 5, 5)
        grads = fastconv.convolve2d_backward(np.ones((0, 5, 5)), np.ones((0, 5, 5)),
                                             np.ones((2, 2)), "same", method=method,
                                             axes=(1, 2))
        assert grads[0].shape == (0, 5, 5) and grads[1].shape == (2, 2)
        np.testing.assert_array_equal(grads[1], 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_per_item_inputs_bit_for_bit(dtype):
    """With an input per item (no sum over the batch), each item's gradient
    is the unbatched backward pass's, bit for bit."""
    rng = np.random.default_rng(26)
    a, v = rng.standard_normal((5, 30)).astype(dtype), rng.standard_normal((5, 6)).astype(dtype)
    for name, mode in itertools.product(["convolve", "correlate"], MODES):
        forward = getattr(fastconv, name)
        backward = getattr(fastconv, name + "_backward")
        g = rng.standard_normal(forward(a, v, mode, axis=-1).shape).astype(dtype)
        got = backward(g, a, v, mode, method="direct", axis=-1)
        for i, gi in enumerate(got):
            expected = np.stack([backward(g[b], a[b], v[b], mode, method="direct")[i]
                                 for b in range(5)])
            assert_identical(gi, expected)
    x = rng.standard_normal((3, 9, 8)).astype(dtype)
    w = rng.standard_normal((3, 3, 2)).astype(dtype)
    for name, mode, boundary in itertools.product(["convolve2d", "correlate2d"], MODES,
                                                  BOUNDARIES):
        forward = getattr(fastconv, name)
        backward = getattr(fastconv, name + "_backward")
        g = rng.standard_normal(forward(x, w, mode, boundary, axes=(1, 2)).shape).astype(dtype)
        got = backward(g, x, w, mode, boundary, method="direct", axes=(1, 2))
        for i, gi in enumerate(got):
            expected = np.stack([backward(g[b], x[b], w[b], mode, boundary, method="direct")[i]
                                 for b in range(3)])
            assert_identical(gi, expected)


def test_auto_prices_the_batch():
    """'auto' prices one item times the batch: the direct kernel's fixed cost
    is paid once per batch, the other methods' once per item."""
    from fastconv import _method
    shapes = ((1, 4096), (1, 31), (1, 4096))
    f32 = np.dtype(np.float32)
    for method in (_method.Method.DIRECT, _method.Method.IM2COL, _method.Method.FFT):
        one = _method.cost(method, "correlate", shapes, f32, "zero", 1)
        many = _method.cost(method, "correlate", shapes, f32, "zero", 1, batch=1000)
        assert one < many <= 1000 * one * (1 + 1e-12)
    assert _method.choose("correlate", shapes, f32, batch=1) == _method.choose(
        "correlate", shapes, f32)


@pytest.mark.skipif(__import__("sys").platform == "win32", reason="SIGINT to self")
def test_ctrl_c_stops_a_long_batch():
    import os
    import subprocess
    import sys
    import textwrap
    script = textwrap.dedent("""
        import os, signal, threading, time
        import numpy as np, fastconv
        a, v = np.random.rand(1000, 40_000), np.random.rand(1000, 400)
        def fire():
            time.sleep(0.5)
            globals()["sent"] = time.perf_counter()
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=fire).start()
        try:
            fastconv.convolve(a, v, method='direct', axis=-1, threads=2)
            print("FINISHED")
        except KeyboardInterrupt:
            print("INTERRUPTED", time.perf_counter() - sent)
    """)
    env = dict(os.environ, FASTCONV_ISA="scalar")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env)
    line = done.stdout.split("\n")[0]
    assert line.startswith("INTERRUPTED"), done.stdout + done.stderr
    assert float(line.split()[1]) < 0.5, line


def assert_fft_items_close(got, expected, arrays, axes, dtype):
    """Each item of got within the FFT's norm-wise error (docs/guide/accuracy.rst:
    about c * log2(N) * eps * ||x|| * ||w||, here with log2(N) <= 20) of the
    same item of the per-item loop."""
    moved, shape, _, ndim = _items(arrays, axes)
    k = len(axes)
    got_items = np.moveaxis(got, tuple(a % ndim for a in axes), tuple(range(ndim - k, ndim)))
    expected_items = np.moveaxis(expected, tuple(a % ndim for a in axes),
                                 tuple(range(ndim - k, ndim)))
    eps = np.finfo(np.dtype(dtype)).eps
    for idx in np.ndindex(*shape):
        scale = np.prod([np.linalg.norm(m[idx].astype(np.complex128).ravel()) for m in moved])
        err = np.abs(got_items[idx].astype(np.complex128) - expected_items[idx])
        assert np.all(err <= 8 * 20 * eps * scale), (idx, err.max(), scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
def test_fft_batched_transforms_match_the_loop(dtype):
    """method='fft' with a kernel per item: batched transforms (one block per
    item), and item by item when an item needs several blocks."""
    rng = np.random.default_rng(27)
    for a_shape, v_shape in [((6, 300), (6, 41)), ((4, 1), (4, 5)), ((3, 40_000), (3, 700))]:
        a, v = random_array(rng, a_shape, dtype), random_array(rng, v_shape, dtype)
        for mode in MODES:
            got = fastconv.convolve(a, v, mode, method="fft", axis=-1)
            assert got.dtype == np.dtype(dtype)
            expected = loop(lambda x, y: fastconv.convolve(x, y, mode, method="direct"),
                            [wide(a), wide(v)], (-1,))
            assert_fft_items_close(got, expected, [a, v], (-1,), dtype)
    images = random_array(rng, (5, 30, 20), dtype)
    kernels = random_array(rng, (5, 9, 7), dtype)
    shared_image = random_array(rng, (1, 30, 20), dtype)
    for x, w in [(images, kernels), (shared_image, kernels), (images, kernels[0])]:
        for mode in MODES:
            got = fastconv.correlate2d(x, w, mode, method="fft", axes=(1, 2))
            expected = loop(lambda p, q: fastconv.correlate2d(p, q, mode, method="direct"),
                            [wide(x), wide(w)], (1, 2))
            assert_fft_items_close(got, expected, [x, w], (1, 2), dtype)


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("isa_level", __import__("fastconv")._isa.available())
def test_batches_read_and_write_only_their_arrays(isa_level, contiguous):
    """Stacks inside buffers of sentinels (NaN / the extreme integer), at every
    ISA level: the batched result is the unguarded one, bit for bit, and no
    sentinel is read or written -- shared and per-item kernels, every
    boundary, forward and backward."""
    from guards import assert_same_with_guards
    rng = np.random.default_rng(28)
    previous = fastconv.set_isa(isa_level)
    try:
        for dtype in (np.float32, np.float64, np.int16, np.complex64):
            a = random_array(rng, (5, 37), dtype)
            for v_shape in [(6,), (5, 6), (5, 50)]:
                v = random_array(rng, v_shape, dtype)
                for mode in MODES:
                    assert_same_with_guards(
                        lambda x, y: fastconv.convolve(x, y, mode, method="direct", axis=-1),
                        [a, v], contiguous)
            x = random_array(rng, (3, 11, 9), dtype)
            for w_shape in [(4, 3), (3, 2, 5)]:
                w = random_array(rng, w_shape, dtype)
                for mode, boundary in itertools.product(MODES, BOUNDARIES):
                    assert_same_with_guards(
                        lambda p, q: fastconv.correlate2d(p, q, mode, boundary, 2,
                                                          method="direct", axes=(1, 2)),
                        [x, w], contiguous)
                    if dtype in (np.float32, np.float64):
                        g = random_array(rng, fastconv.correlate2d(
                            x, w, mode, boundary, axes=(1, 2)).shape, dtype)
                        assert_same_with_guards(
                            lambda h, p, q: fastconv.correlate2d_backward(
                                h, p, q, mode, boundary, 2, method="direct", axes=(1, 2)),
                            [g, x, w], contiguous)
    finally:
        fastconv.set_isa(previous)
