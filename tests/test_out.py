"""out=: results written into a given array of exactly the result's shape
and dtype, returned; clear errors otherwise; an out that overlaps an input
gives the same values as a new array."""
import numpy as np
import pytest

import fastconv
from fastconv import nn

rng = np.random.default_rng(0)
A, V = rng.standard_normal(12), rng.standard_normal(12)
IMG, KER = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))

# (name, function, args, kwargs): every signal function, one batch call
SIGNAL_CALLS = [
    ("convolve", fastconv.convolve, (A, V[:4]), {}),
    ("correlate", fastconv.correlate, (A, V[:4], "full"), {}),
    ("correlate", fastconv.correlate, (A, V[:4], "full"), {"lags": 2}),
    ("convolve2d", fastconv.convolve2d, (IMG, KER, "same", "wrap"), {}),
    ("correlate2d", fastconv.correlate2d, (IMG, KER), {}),
    ("convolve", fastconv.convolve, (IMG, KER[0]), {"axis": -1}),
    ("correlate2d", fastconv.correlate2d, (np.stack([IMG, IMG]), KER, "valid"),
     {"axes": (1, 2)}),
]


@pytest.mark.parametrize("name, function, args, kwargs", SIGNAL_CALLS)
def test_signal_out(name, function, args, kwargs):
    expected = function(*args, **kwargs)
    out = np.full(expected.shape, np.nan, expected.dtype)
    assert function(*args, **kwargs, out=out) is out
    np.testing.assert_array_equal(out, expected)
    # a non-contiguous out (every other element of a larger array)
    big = np.zeros(tuple(2 * n for n in expected.shape), expected.dtype)
    view = big[tuple(slice(None, None, 2) for _ in expected.shape)]
    assert function(*args, **kwargs, out=view) is view
    np.testing.assert_array_equal(view, expected)


@pytest.mark.parametrize("name, function, args, kwargs", SIGNAL_CALLS)
def test_signal_out_errors(name, function, args, kwargs):
    expected = function(*args, **kwargs)
    with pytest.raises(ValueError, match=rf"{name}: out has shape .* but the result has shape"):
        function(*args, **kwargs, out=np.empty(expected.shape + (1,), expected.dtype))
    with pytest.raises(TypeError, match=rf"{name}: out has dtype float32, but the result has "
                                        rf"dtype float64"):
        function(*args, **kwargs, out=np.empty(expected.shape, np.float32))
    readonly = np.empty(expected.shape, expected.dtype)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="output array is read-only"):
        function(*args, **kwargs, out=readonly)
    with pytest.raises(TypeError, match="out must be a numpy.ndarray, not list"):
        function(*args, **kwargs, out=expected.tolist())


def test_signal_out_overlaps_input():
    """The result goes to a temporary first: out may be an input itself."""
    a = rng.standard_normal(20)
    expected = fastconv.convolve(a, [0.25, 0.5, 0.25], "same")
    assert fastconv.convolve(a, [0.25, 0.5, 0.25], "same", out=a) is a
    np.testing.assert_array_equal(a, expected)
    # an out that is a shifted view of the input
    buf = rng.standard_normal(30)
    x = buf[:25]
    expected = fastconv.correlate(x, [1.0, -1.0, 2.0], "full")[:25]
    fastconv.correlate(x, [1.0, -1.0, 2.0], "full", lags=range(-2, 23), out=buf[5:30])
    np.testing.assert_array_equal(buf[5:30], expected)
    # 2-D, in place, and a batch in place
    img = rng.standard_normal((7, 7))
    expected = fastconv.correlate2d(img, KER, "same", "symm")
    fastconv.correlate2d(img, KER, "same", "symm", out=img)
    np.testing.assert_array_equal(img, expected)
    stack = rng.standard_normal((3, 9))
    expected = fastconv.convolve(stack, [1.0, 2.0, 1.0], "same", axis=-1)
    fastconv.convolve(stack, [1.0, 2.0, 1.0], "same", axis=-1, out=stack)
    np.testing.assert_array_equal(stack, expected)


def test_backward_out():
    g = rng.standard_normal(15)
    expected = fastconv.convolve_backward(g, A, V[:4])
    out_a = np.empty_like(A)
    got = fastconv.convolve_backward(g, A, V[:4], out=(out_a, None))
    assert got[0] is out_a
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    a = A.copy()
    got = fastconv.correlate_backward(np.ones(9), a, V[:4], out=(a, np.empty(4)))
    np.testing.assert_array_equal(a, fastconv.correlate_backward(np.ones(9), A, V[:4])[0])
    expected = fastconv.correlate2d_backward(np.ones((8, 8)), IMG, KER)
    outs = (np.empty((6, 6)), np.empty((3, 3)))
    got = fastconv.correlate2d_backward(np.ones((8, 8)), IMG, KER, out=outs)
    assert got[0] is outs[0] and got[1] is outs[1]
    np.testing.assert_array_equal(outs[1], expected[1])
    with pytest.raises(TypeError, match="tuple of two"):
        fastconv.convolve_backward(g, A, V[:4], out=out_a)
    with pytest.raises(ValueError, match="out has shape"):
        fastconv.convolve2d_backward(np.ones((8, 8)), IMG, KER, out=(None, np.empty(3)))


NN_CALLS = [
    ("conv1d", nn.conv1d, (rng.standard_normal((2, 3, 10)), rng.standard_normal((4, 3, 3)))),
    ("conv2d", nn.conv2d, (rng.standard_normal((2, 3, 6, 6)),
                           rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4))),
    ("conv_transpose1d", nn.conv_transpose1d, (rng.standard_normal((3, 10)),
                                               rng.standard_normal((3, 2, 3)))),
    ("conv_transpose2d", nn.conv_transpose2d, (rng.standard_normal((1, 3, 5, 5)),
                                               rng.standard_normal((3, 2, 2, 2)))),
]


@pytest.mark.parametrize("name, function, args", NN_CALLS)
def test_nn_out(name, function, args):
    expected = function(*args)
    out = np.full(expected.shape, np.nan)
    assert function(*args, out=out) is out
    np.testing.assert_array_equal(out, expected)
    view = np.zeros(expected.shape[:-1] + (2 * expected.shape[-1],))[..., ::2]
    assert function(*args, out=view) is view
    np.testing.assert_array_equal(view, expected)
    # float16 inputs: computed in float32, delivered as float16
    half = [a.astype(np.float16) for a in args]
    out16 = np.empty(expected.shape, np.float16)
    assert function(*half, out=out16) is out16
    np.testing.assert_array_equal(out16, function(*half))
    with pytest.raises(TypeError, match=rf"{name}: out has dtype float32"):
        function(*args, out=np.empty(expected.shape, np.float32))
    with pytest.raises(ValueError, match=rf"{name}: out has shape"):
        function(*args, out=np.empty(expected.shape[1:]))
    readonly = np.empty(expected.shape)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        function(*args, out=readonly)


def test_nn_out_overlaps_input():
    """A 1x1 layer written over its own input, and an out that is a shifted
    view of the input's buffer."""
    x = rng.standard_normal((2, 3, 5, 5))
    w = rng.standard_normal((3, 3, 1, 1))
    expected = nn.conv2d(x, w)
    assert nn.conv2d(x, w, out=x) is x
    np.testing.assert_array_equal(x, expected)
    buf = rng.standard_normal(2 * 3 * 12 + 6)
    x = buf[:72].reshape(2, 3, 12)
    w = rng.standard_normal((3, 3, 3))
    expected = nn.conv1d(x, w, padding=1)
    out = buf[6:].reshape(2, 3, 12)
    nn.conv1d(x, w, padding=1, out=out)
    np.testing.assert_array_equal(out, expected)
