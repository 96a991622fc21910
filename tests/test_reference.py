"""fastconv.reference is the specification: prove it against NumPy and SciPy
on small cases first (exactly, with integer-valued data so that rounding
order cannot matter), then the C kernels are proven against it elsewhere."""
import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from fastconv import reference

MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]


def _ints(draw, shape, dtype=np.int64):
    n = int(np.prod(shape))
    values = draw(st.lists(st.integers(-6, 6), min_size=n, max_size=n))
    return np.array(values, dtype=dtype).reshape(shape)


@given(st.data(), st.integers(1, 7), st.integers(1, 7), st.sampled_from(MODES),
       st.booleans())
def test_reference_1d_equals_numpy(data, na, nv, mode, complex_):
    a = _ints(data.draw, (na,)).astype(float)
    v = _ints(data.draw, (nv,)).astype(float)
    if complex_:
        a = a + 1j * _ints(data.draw, (na,))
        v = v - 1j * _ints(data.draw, (nv,))
    np.testing.assert_array_equal(reference.convolve(a, v, mode), np.convolve(a, v, mode))
    np.testing.assert_array_equal(reference.correlate(a, v, mode), np.correlate(a, v, mode))


@given(st.data(), st.tuples(st.integers(1, 5), st.integers(1, 5)),
       st.tuples(st.integers(1, 5), st.integers(1, 5)), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.sampled_from([0, 2]))
def test_reference_2d_equals_scipy(data, s1, s2, mode, boundary, fillvalue):
    in1 = _ints(data.draw, s1).astype(float)
    in2 = _ints(data.draw, s2).astype(float)
    for name in ("convolve2d", "correlate2d"):
        try:
            expected = getattr(scipy.signal, name)(in1, in2, mode, boundary, fillvalue)
        except ValueError:
            continue   # 'valid' with neither input larger: validation, tested elsewhere
        got = getattr(reference, name)(in1, in2, mode, boundary, fillvalue)
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("mode", MODES)
def test_reference_complex_correlate2d_equals_scipy_except_its_valid_swap_bug(mode):
    rng = np.random.default_rng(0)
    small = rng.integers(-4, 4, (2, 3)) + 1j * rng.integers(-4, 4, (2, 3))
    big = rng.integers(-4, 4, (4, 5)) + 1j * rng.integers(-4, 4, (4, 5))
    np.testing.assert_array_equal(reference.correlate2d(big, small, mode),
                                  scipy.signal.correlate2d(big, small, mode))
    expected = scipy.signal.correlate2d(small, big, mode)
    if mode == "valid":
        # SciPy swaps and flips without conjugating; the definition (and
        # numpy.correlate / scipy.signal.correlate in 1-D) conjugates.
        expected = expected.conj()
        np.testing.assert_array_equal(
            reference.correlate2d(small[:1], big[:1], "valid")[0],
            np.correlate(small[0], big[0], "valid"))
    np.testing.assert_array_equal(reference.correlate2d(small, big, mode), expected)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint64, np.bool_])
def test_reference_integer_wraparound_and_bool_match_numpy(dtype):
    rng = np.random.default_rng(1)
    if dtype == np.bool_:
        a, v = rng.integers(0, 2, 9).astype(bool), rng.integers(0, 2, 4).astype(bool)
    else:
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, 9, endpoint=True, dtype=dtype)
        v = rng.integers(info.min, info.max, 4, endpoint=True, dtype=dtype)
    for mode in MODES:
        np.testing.assert_array_equal(reference.convolve(a, v, mode), np.convolve(a, v, mode))
        np.testing.assert_array_equal(reference.correlate(a, v, mode), np.correlate(a, v, mode))
        assert reference.convolve(a, v, mode).dtype == np.convolve(a, v, mode).dtype
