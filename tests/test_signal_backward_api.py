"""The backward passes as an API: argument checking (the forward's errors,
dtype and shape errors of their own), memory layouts, outputs, and the C
adjoint of the boundary extension (fc_fold2d) on its own."""
import doctest

import numpy as np
import pytest

import fastconv
from fastconv import _dtypes, _signal_backward, reference
from fastconv._ext import _signal as _ext

ONE_D = [(fastconv.convolve, fastconv.convolve_backward),
         (fastconv.correlate, fastconv.correlate_backward)]
TWO_D = [(fastconv.convolve2d, fastconv.convolve2d_backward),
         (fastconv.correlate2d, fastconv.correlate2d_backward)]
ALL = ONE_D + TWO_D


def _ids(pairs):
    return [backward.__name__ for _, backward in pairs]


def _example(forward, rng=None):
    """Inputs and a matching grad_output for a small call of `forward`."""
    rng = rng or np.random.default_rng(0)
    if forward in (fastconv.convolve, fastconv.correlate):
        x1, x2 = rng.standard_normal(7), rng.standard_normal(4)
    else:
        x1, x2 = rng.standard_normal((5, 6)), rng.standard_normal((2, 3))
    return rng.standard_normal(forward(x1, x2).shape), x1, x2


# ---------------------------------------------------------------------------
# shapes and dtypes of grad_output and the inputs
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("forward, backward", ALL, ids=_ids(ALL))
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_grad_output_of_the_wrong_shape(forward, backward, mode):
    g, x1, x2 = _example(forward)
    expected = forward(x1, x2, mode).shape
    for wrong in (expected[:-1] + (expected[-1] + 1,), expected[::-1] + (1,), ()):
        with pytest.raises(ValueError) as info:
            backward(np.zeros(wrong), x1, x2, mode)
        message = str(info.value)
        assert str(wrong) in message and str(expected) in message, message


@pytest.mark.parametrize("forward, backward", ALL, ids=_ids(ALL))
@pytest.mark.parametrize("bad", [np.complex128, np.complex64, np.int64, np.int8, np.uint16,
                                 np.bool_, object, np.longdouble])
def test_inputs_that_are_not_real_floating_point(forward, backward, bad):
    if np.dtype(bad) == np.float64:   # longdouble is double on some platforms
        pytest.skip("longdouble is float64 here")
    g, x1, x2 = _example(forward)
    for args in ((x1.astype(bad), x2), (x1, x2.astype(bad))):
        with pytest.raises(TypeError, match="real floating-point inputs only") as info:
            backward(g, *args)
        assert str(np.dtype(bad)) in str(info.value)


@pytest.mark.parametrize("forward, backward", ALL, ids=_ids(ALL))
@pytest.mark.parametrize("bad", [np.complex128, np.bool_, object, "U3"])
def test_grad_output_that_is_not_real(forward, backward, bad):
    g, x1, x2 = _example(forward)
    with pytest.raises(TypeError, match="grad_output has dtype"):
        backward(g.astype(bad), x1, x2)


@pytest.mark.parametrize("forward, backward", ALL, ids=_ids(ALL))
def test_integer_and_list_grad_output(forward, backward):
    g, x1, x2 = _example(forward)
    g_int = np.arange(g.size, dtype=np.int16).reshape(g.shape) - 3
    expected = backward(g_int.astype(np.float64), x1, x2)
    for other in (g_int, g_int.tolist()):
        for got, want in zip(backward(other, x1, x2), expected):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("forward, backward", ALL, ids=_ids(ALL))
@pytest.mark.parametrize("dtypes, result", [
    ((np.float16, np.float16), np.float16),
    ((np.float16, np.float32), np.float32),
    ((np.float32, np.float32), np.float32),
    ((np.float64, np.float32), np.float64),
    ((">f8", "<f4"), np.float64),
])
def test_result_dtype_is_the_forward_result_dtype(forward, backward, dtypes, result):
    g, x1, x2 = _example(forward)
    x1, x2 = x1.astype(dtypes[0]), x2.astype(dtypes[1])
    assert forward(x1, x2).dtype == result
    for grad in backward(g, x1, x2):
        assert grad.dtype == result


# ---------------------------------------------------------------------------
# the forward's own errors, word for word
# ---------------------------------------------------------------------------

_F = np.ones(3)
_FORWARD_ERRORS_1D = [
    ((_F, _F, "bogus"), {}), ((_F, _F, "VALID"), {}), ((_F, _F, 3), {}), ((_F, _F, None), {}),
    ((_F, _F, True), {}), ((_F, _F), {"method": "overlap-add"}), ((np.ones(0), _F), {}),
    ((_F, np.ones(0)), {}), ((np.ones((2, 2)), _F), {}), ((_F, np.ones((2, 2))), {}),
]
_G = np.ones((3, 3))
_FORWARD_ERRORS_2D = [
    ((_G, _G, "bogus"), {}), ((_G, _G, "full", "reflect"), {}), ((_G, _G), {"method": None}),
    ((_F, _G), {}), ((_G, np.ones((2, 2, 2))), {}),
    ((np.ones((3, 2)), np.ones((2, 3)), "valid"), {}),           # neither is larger
    ((_G, _G, "full", "fill", 1 + 2j), {}),                      # complex fillvalue
    ((_G, _G, "full", "fill", [1.0, 2.0]), {}),                  # two fill values
    ((_G, _G, "full", "fill", []), {}),
    ((np.ones((0, 3)), _G, "full", "wrap"), {}),                 # nothing to wrap
]


def _same_error(forward, backward, args, kwargs, g=np.zeros(1)):
    with pytest.raises(Exception) as expected:
        forward(*args, **kwargs)
    with pytest.raises(expected.type) as got:
        backward(g, *args, **kwargs)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("forward, backward", ONE_D, ids=_ids(ONE_D))
@pytest.mark.parametrize("args, kwargs", _FORWARD_ERRORS_1D)
def test_forward_errors_1d(forward, backward, args, kwargs):
    _same_error(forward, backward, args, kwargs)


def test_correlate_rejects_0d_like_the_forward():
    _same_error(fastconv.correlate, fastconv.correlate_backward, (np.float64(1.0), _F), {})


@pytest.mark.parametrize("forward, backward", TWO_D, ids=_ids(TWO_D))
@pytest.mark.parametrize("args, kwargs", _FORWARD_ERRORS_2D)
def test_forward_errors_2d(forward, backward, args, kwargs):
    _same_error(forward, backward, args, kwargs)


# ---------------------------------------------------------------------------
# layouts, inputs untouched, fresh outputs
# ---------------------------------------------------------------------------

def _layouts(x):
    """The same values in other memory layouts."""
    yield "strided", np.repeat(x, 2, axis=-1)[..., ::2]
    yield "reversed", np.ascontiguousarray(x[..., ::-1])[..., ::-1]
    yield "fortran", np.asfortranarray(x)
    yield "byteswapped", x.astype(x.dtype.newbyteorder())
    read_only = x.copy()
    read_only.flags.writeable = False
    yield "read-only", read_only
    buffer = np.zeros(x.nbytes + 1, dtype=np.uint8)
    misaligned = buffer[1:].view(x.dtype).reshape(x.shape)
    misaligned[...] = x
    yield "misaligned", misaligned


@pytest.mark.parametrize("forward, backward", ALL, ids=_ids(ALL))
@pytest.mark.parametrize("mode, extra", [("same", ()), ("full", ("wrap",)), ("valid", ())])
def test_layouts_give_identical_results_and_inputs_are_untouched(forward, backward, mode, extra):
    if extra and forward in (fastconv.convolve, fastconv.correlate):
        extra = ()
    g, x1, x2 = _example(forward)
    g = np.zeros(forward(x1, x2, mode, *extra).shape) + g.ravel()[0]
    expected = backward(g, x1, x2, mode, *extra)
    for (name1, y1), (name2, y2), (name3, h) in zip(_layouts(x1), _layouts(x2), _layouts(g)):
        copies = [a.copy() for a in (y1, y2, h)]
        got = backward(h, y1, y2, mode, *extra)
        for grad, want in zip(got, expected):
            np.testing.assert_array_equal(grad, want, err_msg=name1)
        for a, copy in zip((y1, y2, h), copies):
            np.testing.assert_array_equal(a, copy, err_msg=f"{name1}: input modified")


@pytest.mark.parametrize("forward, backward", ALL, ids=_ids(ALL))
def test_outputs_are_new_c_contiguous_arrays_of_the_input_shapes(forward, backward):
    g, x1, x2 = _example(forward)
    grads = backward(g, x1, x2)
    for grad, x in zip(grads, (x1, x2)):
        assert grad.shape == x.shape
        assert grad.flags.c_contiguous and grad.flags.writeable
        for other in (g, x1, x2):
            assert not np.shares_memory(grad, other)
    assert not np.shares_memory(*grads)


def test_convolve_0d_inputs_give_0d_gradients():
    grad_a, grad_v = fastconv.convolve_backward([2.0, 3.0], np.float64(1.5), np.array([1.0, 4.0]))
    assert grad_a.shape == () and grad_v.shape == (2,)
    np.testing.assert_array_equal(grad_a, 2.0 * 1.0 + 3.0 * 4.0)
    np.testing.assert_array_equal(grad_v, [3.0, 4.5])


@pytest.mark.parametrize("forward, backward", TWO_D, ids=_ids(TWO_D))
@pytest.mark.parametrize("s1, s2, mode, boundary", [
    ((0, 3), (2, 2), "full", "fill"), ((0, 3), (2, 2), "same", "fill"),
    ((3, 3), (0, 2), "same", "wrap"), ((3, 3), (0, 2), "full", "symm"),
    ((3, 4), (0, 0), "valid", "fill"), ((2, 0), (1, 1), "same", "wrap"),
])
def test_empty_2d_inputs(forward, backward, s1, s2, mode, boundary):
    x1, x2 = np.ones(s1), np.ones(s2)
    g = np.ones(forward(x1, x2, mode, boundary, 2.0).shape)
    got = backward(g, x1, x2, mode, boundary, 2.0)
    ref = getattr(reference, backward.__name__)(g, x1, x2, mode, boundary, 2.0)
    for grad, want, x in zip(got, ref, (x1, x2)):
        assert grad.shape == x.shape
        np.testing.assert_array_equal(grad, want)


def test_fillvalue_reaches_only_the_kernel_gradient():
    """d/d in2 of the padded values is the fill value; in1 gets nothing from it."""
    in1, in2 = np.zeros((2, 2)), np.zeros((3, 3))
    g = np.ones((4, 4))
    grad_in1, grad_in2 = fastconv.correlate2d_backward(g, in1, in2, "full", "fill", 3.0)
    # each kernel tap sees a 4 x 4 window of the extended in1, of which 2 x 2 is in1
    np.testing.assert_array_equal(grad_in2, np.full((3, 3), 3.0 * (16 - 4)))
    np.testing.assert_array_equal(grad_in1, np.full((2, 2), 0.0))


def test_docstring_examples():
    failures, tried = doctest.testmod(_signal_backward, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


# ---------------------------------------------------------------------------
# fc_fold2d, the adjoint of fc_pad2d
# ---------------------------------------------------------------------------

_CODES = {np.float32: _dtypes.FC_F32, np.float64: _dtypes.FC_F64}   # fc_dtype codes


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fold2d_is_the_adjoint_of_pad2d(boundary, dtype):
    """<pad2d(x), g> == <x, fold2d(g)> exactly (integer data), for windows
    inside, around, beside and many times larger than the image."""
    rng = np.random.default_rng(8)
    for _ in range(300):
        xr, xc = rng.integers(1, 6, 2)
        dr, dc = rng.integers(0, 24, 2)
        r0, c0 = rng.integers(-30, 30, 2)
        x = rng.integers(-4, 5, (xr, xc)).astype(dtype)
        g = rng.integers(-4, 5, (dr, dc)).astype(dtype)
        padded = np.empty((dr, dc), dtype)
        _ext.pad2d(x, padded, r0, c0, boundary, np.zeros((), dtype))
        folded = np.full((xr, xc), np.nan, dtype)   # fold2d must overwrite every element
        _ext.fold2d(g, folded, r0, c0, boundary, _CODES[dtype])
        assert np.sum(padded.astype(np.float64) * g) == np.sum(x.astype(np.float64) * folded), \
            (xr, xc, dr, dc, r0, c0)


def test_fold2d_errors():
    g = np.ones((2, 2))
    with pytest.raises(ValueError, match="invalid sizes"):      # nothing to wrap onto
        _ext.fold2d(g, np.empty((0, 3)), 0, 0, "wrap", _CODES[np.float64])
    _ext.fold2d(np.ones((0, 2)), np.empty((0, 3)), 0, 0, "wrap", _CODES[np.float64])
    with pytest.raises(TypeError, match="no kernel for this dtype"):
        _ext.fold2d(g.astype(np.complex128), np.empty((2, 2), np.complex128), 0, 0, "wrap",
                    _dtypes.FC_C128)
    with pytest.raises(ValueError, match="2-D"):
        _ext.fold2d(np.ones(3), np.empty((2, 2)), 0, 0, "wrap", _CODES[np.float64])
    with pytest.raises(TypeError, match="itemsize"):
        _ext.fold2d(g.astype(np.float32), np.empty((2, 2)), 0, 0, "wrap", _CODES[np.float64])
