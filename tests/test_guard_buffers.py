"""Guard-buffer tests (issue 11): every op, every method and every ISA level
the CPU has, with each input and grad_output placed inside a larger buffer
of sentinels (tests/guards.py), must give exactly the result of tight
copies, and write nothing outside its output.  Shapes are generated where
padding, kernel and dilation exceed the input and output extents, where a
kernel's boundary arithmetic is most likely to step outside an argument
(issue 11, defect 1 was such a read past the end of grad_output).

The methods come from fastconv itself (tests/methods.py) and the ISA levels
from fastconv._isa.available(), so new ones are covered without edits here;
each method draws only cases it computes (method='fft' no integers,
method='winograd' only 3x3 stride-1 layers: elsewhere they raise ValueError,
which their own test files check).  The default run tries a few examples of
every (op, method, ISA level); `pytest -m slow` runs the *_sweep twins with
100-200 each.
"""
import contextlib

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import fastconv
from fastconv import _isa, nn
from guards import assert_same_with_guards
from methods import nn_methods, signal_method_accepts, signal_methods

# Examples per (op, method, ISA level): a few in the default run, where every
# combination still runs; many more in the sweep (pytest -m slow).
EXAMPLES = 4
SWEEP_EXAMPLES = 100
ISA_LEVELS = _isa.available()


def guard_test(examples, **strategies):
    """@settings(max_examples=examples) @given(data=st.data(), **strategies):
    the test draws its case from a strategy that depends on the method."""
    def decorate(test):
        return settings(max_examples=examples)(given(data=st.data(), **strategies)(test))
    return decorate


@contextlib.contextmanager
def kernels_of(isa_level):
    old = fastconv.set_isa(isa_level)
    try:
        yield
    finally:
        fastconv.set_isa(old)


def _data(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return rng.integers(-50 if dtype.kind == "i" else 0, 50, shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


# --------------------------------------------------------------------------
# signal API
# --------------------------------------------------------------------------

SIGNAL_DTYPES = [np.float64, np.float32, np.complex128, np.int32, np.uint8, np.float16]
SIGNAL_2D_DTYPES = SIGNAL_DTYPES[:5]    # float16 is not a scipy.signal.convolve2d type
SIGNAL_1D = {"convolve": ("full", fastconv.convolve), "correlate": ("valid", fastconv.correlate)}
SIGNAL_2D = {"convolve2d": fastconv.convolve2d, "correlate2d": fastconv.correlate2d}


def dtypes_of(method, dtypes):
    """The dtypes among `dtypes` that `method` computes (method='fft'
    refuses integers with a ValueError: test_fft.py checks that)."""
    return st.sampled_from([d for d in dtypes if signal_method_accepts(method, d)])


@st.composite
def signal_1d_cases(draw):
    n, k = draw(st.integers(1, 7)), draw(st.integers(1, 9))
    return (n,), (k,), draw(st.sampled_from(["full", "same", "valid"]))


@st.composite
def signal_2d_cases(draw):
    a = (draw(st.integers(1, 4)), draw(st.integers(1, 5)))
    w = (draw(st.integers(1, 6)), draw(st.integers(1, 7)))
    mode = draw(st.sampled_from(["full", "same", "valid"]))
    if mode == "valid":
        assume(all(p >= q for p, q in zip(a, w)) or all(q >= p for p, q in zip(a, w)))
    boundary = draw(st.sampled_from(["fill", "wrap", "symm"]))
    return a, w, mode, boundary


def _forward_1d(op, mode, method):
    return lambda a, v: SIGNAL_1D[op][1](a, v, mode, method=method)


def _forward_2d(op, mode, boundary, method):
    return lambda a, v: SIGNAL_2D[op](a, v, mode, boundary, 2, method=method)


def _backward_1d(op, mode, method):
    backward = getattr(fastconv, op + "_backward")
    return lambda g, a, v: backward(g, a, v, mode, method=method)


def _backward_2d(op, mode, boundary, method):
    backward = getattr(fastconv, op + "_backward")
    return lambda g, a, v: backward(g, a, v, mode, boundary, 2, method=method)


def check_signal_1d(op, method, isa_level, data, seed, contiguous):
    case = data.draw(signal_1d_cases(), label="case")
    dtype = data.draw(dtypes_of(method, SIGNAL_DTYPES), label="dtype")
    with kernels_of(isa_level):
        rng = np.random.default_rng(seed)
        a_shape, v_shape, mode = case
        a, v = _data(rng, a_shape, dtype), _data(rng, v_shape, dtype)
        assert_same_with_guards(_forward_1d(op, mode, method), [a, v], contiguous)
        if dtype in (np.float64, np.float32):
            g = _data(rng, SIGNAL_1D[op][1](a, v, mode).shape, dtype)
            assert_same_with_guards(_backward_1d(op, mode, method), [g, a, v], contiguous)


def check_signal_2d(op, method, isa_level, data, seed, contiguous):
    case = data.draw(signal_2d_cases(), label="case")
    dtype = data.draw(dtypes_of(method, SIGNAL_2D_DTYPES), label="dtype")
    with kernels_of(isa_level):
        rng = np.random.default_rng(seed)
        a_shape, w_shape, mode, boundary = case
        a, w = _data(rng, a_shape, dtype), _data(rng, w_shape, dtype)
        assert_same_with_guards(_forward_2d(op, mode, boundary, method), [a, w], contiguous)
        if dtype in (np.float64, np.float32):
            g = _data(rng, SIGNAL_2D[op](a, w, mode, boundary, 2).shape, dtype)
            assert_same_with_guards(_backward_2d(op, mode, boundary, method), [g, a, w], contiguous)


SIGNAL_CASE = dict(seed=st.integers(0, 2**16), contiguous=st.booleans())


@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("method", signal_methods())
@pytest.mark.parametrize("op", sorted(SIGNAL_1D))
@guard_test(EXAMPLES, **SIGNAL_CASE)
def test_signal_1d(op, method, isa_level, data, seed, contiguous):
    check_signal_1d(op, method, isa_level, data, seed, contiguous)


@pytest.mark.slow
@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("method", signal_methods())
@pytest.mark.parametrize("op", sorted(SIGNAL_1D))
@guard_test(SWEEP_EXAMPLES, **SIGNAL_CASE)
def test_signal_1d_sweep(op, method, isa_level, data, seed, contiguous):
    check_signal_1d(op, method, isa_level, data, seed, contiguous)


@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("method", signal_methods())
@pytest.mark.parametrize("op", sorted(SIGNAL_2D))
@guard_test(EXAMPLES, **SIGNAL_CASE)
def test_signal_2d(op, method, isa_level, data, seed, contiguous):
    check_signal_2d(op, method, isa_level, data, seed, contiguous)


@pytest.mark.slow
@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("method", signal_methods())
@pytest.mark.parametrize("op", sorted(SIGNAL_2D))
@guard_test(SWEEP_EXAMPLES, **SIGNAL_CASE)
def test_signal_2d_sweep(op, method, isa_level, data, seed, contiguous):
    check_signal_2d(op, method, isa_level, data, seed, contiguous)


@st.composite
def kernel_gradient_cases(draw):
    """A small filter over rows of 64 to 140 elements: the kernel gradient
    is a few outputs over long rows of grad_output, which the direct method
    computes as dot products (corr_dot, masked at the ends of the rows)."""
    a = (draw(st.integers(1, 6)), draw(st.integers(64, 140)))
    w = (draw(st.integers(1, min(4, a[0]))), draw(st.integers(1, 5)))
    return a, w, draw(st.sampled_from(["full", "same", "valid"]))


@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("op", sorted(SIGNAL_2D))
@guard_test(EXAMPLES, dtype=st.sampled_from([np.float32, np.float64]), **SIGNAL_CASE)
def test_signal_kernel_gradients_direct(op, isa_level, data, dtype, seed, contiguous):
    a_shape, w_shape, mode = data.draw(kernel_gradient_cases(), label="case")
    with kernels_of(isa_level):
        rng = np.random.default_rng(seed)
        a, w = _data(rng, a_shape, dtype), _data(rng, w_shape, dtype)
        g = _data(rng, SIGNAL_2D[op](a, w, mode).shape, dtype)
        backward = getattr(fastconv, op + "_backward")   # fill 0: the zero extension
        assert_same_with_guards(lambda g, a, w: backward(g, a, w, mode, method="direct"),
                                [g, a, w], contiguous)
        a1, w1 = a[0], w[0]
        g1 = _data(rng, SIGNAL_1D["correlate"][1](a1, w1, mode).shape, dtype)
        assert_same_with_guards(_backward_1d("correlate", mode, "direct"), [g1, a1, w1],
                                contiguous)


# --------------------------------------------------------------------------
# fastconv.nn
# --------------------------------------------------------------------------

# Layers a method is restricted to (it raises ValueError on any other):
# nd, kernel extent, stride and dilation fixed at these values.
NN_METHOD_LIMITS = {"winograd": dict(nd=2, kernel=3, stride=1, dilation=1)}


def _axis_values(draw, nd, fixed, low, high):
    if fixed is not None:
        return (fixed,) * nd
    return tuple(draw(st.integers(low, high)) for _ in range(nd))


@st.composite
def overhanging_convs(draw, nd=None, kernel=None, stride=None, dilation=None):
    """(nd, x_shape, w_shape, kwargs) of a valid layer whose padding, kernel
    and dilation are large next to the input: the input is as small as the
    layer allows, or a little larger.  A keyword fixes that parameter."""
    nd = draw(st.sampled_from([1, 2])) if nd is None else nd
    groups = draw(st.integers(1, 2))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 2]))
    kernel = _axis_values(draw, nd, kernel, 1, 4 if nd == 2 else 7)
    dilation = _axis_values(draw, nd, dilation, 1, 3)
    stride = _axis_values(draw, nd, stride, 1, 3)
    if all(s == 1 for s in stride) and draw(st.booleans()):
        padding, pad = "same", (0,) * nd
    else:
        pad = tuple(draw(st.integers(0, 5)) for _ in range(nd))
        padding = pad
    sizes = []
    for k, d, p in zip(kernel, dilation, pad):
        need = 1 if padding == "same" else max(1, d * (k - 1) + 1 - 2 * p)
        sizes.append(draw(st.integers(need, need + 2)))
    lead = () if batch is None else (batch,)
    x_shape = lead + (cg * groups,) + tuple(sizes)
    w_shape = (og * groups, cg) + kernel
    return nd, x_shape, w_shape, dict(stride=stride, padding=padding, dilation=dilation,
                                      groups=groups)


@st.composite
def overhanging_conv_transposes(draw, nd=None, kernel=None, stride=None, dilation=None):
    nd = draw(st.sampled_from([1, 2])) if nd is None else nd
    groups = draw(st.integers(1, 2))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    batch = draw(st.sampled_from([None, 1, 2]))
    kernel = _axis_values(draw, nd, kernel, 1, 4 if nd == 2 else 7)
    dilation = _axis_values(draw, nd, dilation, 1, 3)
    stride = _axis_values(draw, nd, stride, 1, 3)
    padding = tuple(draw(st.integers(0, 5)) for _ in range(nd))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    sizes = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    out = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1
           for n, s, p, d, k, op in zip(sizes, stride, padding, dilation, kernel, output_padding)]
    assume(all(o > 0 for o in out))
    lead = () if batch is None else (batch,)
    return nd, lead + (cg * groups,) + sizes, (cg * groups, og) + kernel, dict(
        stride=stride, padding=padding, output_padding=output_padding, groups=groups,
        dilation=dilation)


NN_DTYPES = [np.float64, np.float32]


def check_nn_conv_and_backward(method, isa_level, data, dtype, seed, contiguous, bias):
    case = data.draw(overhanging_convs(**NN_METHOD_LIMITS.get(method, {})), label="case")
    with kernels_of(isa_level):
        nd, x_shape, w_shape, kwargs = case
        rng = np.random.default_rng(seed)
        x, w, b = _data(rng, x_shape, dtype), _data(rng, w_shape, dtype), _data(rng, w_shape[:1], dtype)
        conv = {1: nn.conv1d, 2: nn.conv2d}[nd]
        backward = {1: nn.conv1d_backward, 2: nn.conv2d_backward}[nd]
        arrays = [x, w, b] if bias else [x, w]
        assert_same_with_guards(lambda *a: conv(*a, **kwargs, method=method), arrays, contiguous)
        g = _data(rng, conv(x, w, **kwargs).shape, dtype)
        assert_same_with_guards(lambda *a: backward(*a, **kwargs, method=method), [g, x, w],
                                contiguous)


def check_nn_conv_transpose(method, isa_level, data, dtype, seed, contiguous, bias):
    case = data.draw(overhanging_conv_transposes(**NN_METHOD_LIMITS.get(method, {})), label="case")
    with kernels_of(isa_level):
        nd, x_shape, w_shape, kwargs = case
        rng = np.random.default_rng(seed)
        c_out = w_shape[1] * kwargs["groups"]
        x, w, b = _data(rng, x_shape, dtype), _data(rng, w_shape, dtype), _data(rng, (c_out,), dtype)
        conv_t = {1: nn.conv_transpose1d, 2: nn.conv_transpose2d}[nd]
        arrays = [x, w, b] if bias else [x, w]
        assert_same_with_guards(lambda *a: conv_t(*a, **kwargs, method=method), arrays, contiguous)


NN_CASE = dict(dtype=st.sampled_from(NN_DTYPES), seed=st.integers(0, 2**16),
               contiguous=st.booleans(), bias=st.booleans())


@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("method", nn_methods())
@guard_test(2 * EXAMPLES, **NN_CASE)
def test_nn_conv_and_backward(method, isa_level, data, dtype, seed, contiguous, bias):
    check_nn_conv_and_backward(method, isa_level, data, dtype, seed, contiguous, bias)


@pytest.mark.slow
@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("method", nn_methods())
@guard_test(2 * SWEEP_EXAMPLES, **NN_CASE)
def test_nn_conv_and_backward_sweep(method, isa_level, data, dtype, seed, contiguous, bias):
    check_nn_conv_and_backward(method, isa_level, data, dtype, seed, contiguous, bias)


@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("method", nn_methods())
@guard_test(EXAMPLES, **NN_CASE)
def test_nn_conv_transpose(method, isa_level, data, dtype, seed, contiguous, bias):
    check_nn_conv_transpose(method, isa_level, data, dtype, seed, contiguous, bias)


@pytest.mark.slow
@pytest.mark.parametrize("isa_level", ISA_LEVELS)
@pytest.mark.parametrize("method", nn_methods())
@guard_test(SWEEP_EXAMPLES, **NN_CASE)
def test_nn_conv_transpose_sweep(method, isa_level, data, dtype, seed, contiguous, bias):
    check_nn_conv_transpose(method, isa_level, data, dtype, seed, contiguous, bias)


@pytest.mark.parametrize("method", [m for m in nn_methods() if m not in NN_METHOD_LIMITS])
def test_issue_11_defect_1(method):
    """The issue's example: grad_weight read past the end of grad_output
    when the left padding is wider than the output."""
    x = np.array([[[1.0, 2.0]]])
    w = np.ones((1, 1, 7))
    buf = np.array([1.0, 1.0, 100.0, 1000.0])
    gy = buf[:2].reshape(1, 1, 2)
    got = nn.conv1d_backward(gy, x, w, padding="same", method=method)[1]
    np.testing.assert_array_equal(got, [[[0, 0, 1, 3, 2, 0, 0]]])
    assert_same_with_guards(lambda g, a, k: nn.conv1d_backward(g, a, k, padding="same",
                                                               method=method),
                            [gy, x, w])


@pytest.mark.parametrize("contiguous", [True, False])
def test_the_guards_catch_a_read_past_the_end(contiguous):
    """The harness itself: a function that reads one element past its
    argument's end (as defect 1 did) fails the check, for both layouts."""
    def reads_past_the_end(a):
        full = np.lib.stride_tricks.as_strided(a, shape=(a.size + 1,), strides=a.strides)
        return full.sum(keepdims=True)
    with pytest.raises(AssertionError):
        assert_same_with_guards(reads_past_the_end, [np.ones(4)], contiguous)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 2, 3, 4)])
def test_the_guards_catch_a_stray_write(shape):
    """... and so does one that writes one element before its argument
    (only when that argument is a view into a buffer, i.e. never before a
    tight copy's own allocation)."""
    def writes_before(a):
        if a.base is None:
            return a.copy()
        before = np.lib.stride_tricks.as_strided(a, shape=(2,), strides=(-a.strides[-1],))
        before[1] = 7
        return a.copy()
    for contiguous in (True, False):
        with pytest.raises(AssertionError, match="buffer written"):
            assert_same_with_guards(writes_before, [np.ones(shape)], contiguous)
