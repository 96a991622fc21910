"""fastconv.nn.relu and relu_backward: against fastconv.reference (bit for
bit), torch when installed, in place and not, every float dtype, strided and
guarded inputs, threads, and bad arguments."""
import numpy as np
import pytest

from fastconv import nn, reference
from guards import assert_same_with_guards

FLOATS = (np.float16, np.float32, np.float64)
SPECIAL = [-1.5, -0.0, 0.0, 2.0, np.nan, -np.nan, -np.inf, np.inf, 1e-40, -1e-40]


def _values(rng, shape, dtype):
    """Random values of both signs, with the special ones mixed in."""
    a = rng.standard_normal(shape)
    flat = a.reshape(-1)
    flat[: min(flat.size, len(SPECIAL))] = SPECIAL[: flat.size]
    return a.astype(dtype)


def _identical(got, expected):
    """Same dtype, shape and bytes (-0.0 and NaN included)."""
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(np.ascontiguousarray(got).view(np.uint8),
                                  np.ascontiguousarray(expected).view(np.uint8))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (0,), (10,), (3, 4, 5), (2, 3, 7, 9)])
def test_relu_matches_the_reference(shape, dtype):
    rng = np.random.default_rng(len(shape))
    x = _values(rng, shape, dtype)
    before = x.copy()
    _identical(nn.relu(x), reference.relu(x))
    _identical(x, before)      # not in place: the input is untouched
    g = _values(rng, shape, dtype)
    y = nn.relu(x)
    _identical(nn.relu_backward(g, y), reference.relu_backward(g, y))
    _identical(nn.relu_backward(g, x), reference.relu_backward(g, y))   # input: same mask


@pytest.mark.parametrize("dtype", FLOATS)
def test_in_place(dtype):
    rng = np.random.default_rng(1)
    x = _values(rng, (4, 33), dtype)
    expected = reference.relu(x)
    assert nn.relu(x, inplace=True) is x
    _identical(x, expected)
    g = _values(rng, x.shape, dtype)
    expected = reference.relu_backward(g, x)
    assert nn.relu_backward(g, x, inplace=True) is g
    _identical(g, expected)
    # a strided view is written through
    base = _values(rng, (6, 40), dtype)
    view = base[::2, 1::3]
    expected, rest = reference.relu(view), base.copy()
    assert nn.relu(view, inplace=True) is view
    _identical(view, expected)
    rest[::2, 1::3] = expected
    _identical(base, rest)


def test_backward_when_grad_and_output_share_memory():
    """grad_output written in place while output is a view of it."""
    g = np.array([-1.0, 2.0, -3.0, 4.0, 0.5, -0.25])
    expected = reference.relu_backward(g, g[::-1].copy())
    assert nn.relu_backward(g, g[::-1], inplace=True) is g
    _identical(g, expected)


def test_mixed_dtypes_promote():
    g = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    y = np.array([0.0, 1.0, np.nan], dtype=np.float64)
    got = nn.relu_backward(g, y)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [0.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="inplace=True writes the float64 gradient"):
        nn.relu_backward(g, y, inplace=True)


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_read_or_write_outside_the_arguments(dtype, contiguous):
    rng = np.random.default_rng(2)
    x, g = _values(rng, (3, 17), dtype), _values(rng, (3, 17), dtype)
    assert_same_with_guards(nn.relu, [x], contiguous)
    assert_same_with_guards(nn.relu_backward, [g, x], contiguous)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threads_give_the_same_bits(dtype):
    """Large enough for the OpenMP threads (fc_relu's FC_RELU_PARALLEL_MIN)."""
    rng = np.random.default_rng(3)
    x, g = _values(rng, (3, 70_001), dtype), _values(rng, (3, 70_001), dtype)
    one = nn.relu(x, threads=1)
    _identical(one[:, :300], reference.relu(x[:, :300]))
    for threads in (2, 3, -1):
        _identical(nn.relu(x, threads=threads), one)
        _identical(nn.relu_backward(g, x, threads=threads), nn.relu_backward(g, x, threads=1))
    np.testing.assert_array_equal(one, np.where(x < 0, 0, x))
    np.testing.assert_array_equal(nn.relu_backward(g, x, threads=2), np.where(x <= 0, 0, g))


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    for dtype in (np.float32, np.float64):
        x = _values(rng, (2, 3, 8, 9), dtype)
        _identical(nn.relu(x), torch.nn.functional.relu(torch.from_numpy(x)).numpy())
        g = _values(rng, x.shape, dtype)
        tx = torch.from_numpy(x.copy()).requires_grad_(True)
        torch.nn.functional.relu(tx).backward(torch.from_numpy(g))
        _identical(nn.relu_backward(g, nn.relu(x)), tx.grad.numpy())


def test_bad_arguments():
    with pytest.raises(TypeError, match="relu: input has dtype int64"):
        nn.relu(np.arange(3))
    with pytest.raises(TypeError, match="relu_backward: output has dtype complex128"):
        nn.relu_backward(np.ones(3), np.ones(3, dtype=complex))
    with pytest.raises(ValueError, match="grad_output has shape \\(3,\\) and output has shape"):
        nn.relu_backward(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="inplace=True needs input to be a numpy.ndarray"):
        nn.relu([1.0, -1.0], inplace=True)
    frozen = np.ones(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="input array is read-only"):
        nn.relu(frozen, inplace=True)
    with pytest.raises(ValueError, match="grad_output array is read-only"):
        nn.relu_backward(frozen, np.ones(3), inplace=True)
    with pytest.raises(ValueError, match="threads"):
        nn.relu(np.ones(3), threads=0)
    # lists are accepted when not written in place
    np.testing.assert_array_equal(nn.relu([1.0, -1.0]), [1.0, 0.0])
