"""Values of convolve / correlate / convolve2d / correlate2d, every method:
against fastconv.reference on small generated cases (every dtype, integers
exact), and against NumPy/SciPy on larger ones (scaled float tolerance)."""
import numpy as np
import pytest
import scipy.signal
from arrays import FLOAT_DTYPES, KERNEL_DTYPES, METHODS, exact_and_magnitude, random_array
from helpers import assert_scaled_close
from hypothesis import given
from hypothesis import strategies as st

import fastconv
from fastconv import reference

MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]
seeds = st.integers(0, 2**32 - 1)


def _check(got, a, v, op, ref_op, n_terms, *args, what=""):
    """Integers/bool: bit-exact against the reference.  Floats: the scaled
    tolerance against the reference evaluated in double precision."""
    expected = ref_op(a, v, *args)
    assert got.dtype == expected.dtype, what
    assert got.shape == expected.shape, what
    assert got.flags.c_contiguous and got.flags.writeable
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected, err_msg=what)
    else:
        exact, magnitude = exact_and_magnitude(ref_op, a, v, *args)
        assert_scaled_close(got, exact, magnitude, n_terms, what=what)


@given(seeds, st.integers(1, 9), st.integers(1, 9), st.sampled_from(MODES),
       st.sampled_from(KERNEL_DTYPES), st.sampled_from(METHODS))
def test_1d_every_dtype_matches_reference(seed, na, nv, mode, dtype, method):
    rng = np.random.default_rng(seed)
    a, v = random_array(rng, na, dtype), random_array(rng, nv, dtype)
    k = min(na, nv)
    _check(fastconv.convolve(a, v, mode, method=method), a, v, None, reference.convolve, k,
           mode, what=f"convolve {method}")
    _check(fastconv.correlate(a, v, mode, method=method), a, v, None, reference.correlate, k,
           mode, what=f"correlate {method}")


@given(seeds, st.tuples(st.integers(1, 5), st.integers(1, 5)),
       st.tuples(st.integers(1, 4), st.integers(1, 4)), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.sampled_from(KERNEL_DTYPES), st.sampled_from(METHODS),
       st.sampled_from([0, 1]))
def test_2d_every_dtype_matches_reference(seed, s1, s2, mode, boundary, dtype, method, fill):
    rng = np.random.default_rng(seed)
    in1, in2 = random_array(rng, s1, dtype), random_array(rng, s2, dtype)
    if mode == "valid" and not (all(a >= b for a, b in zip(s1, s2))
                                or all(b >= a for a, b in zip(s1, s2))):
        return   # SciPy's ValueError; tested with the other bad inputs
    k = int(np.prod([min(a, b) for a, b in zip(s1, s2)])) if mode == "valid" else in2.size
    for name in ("convolve2d", "correlate2d"):
        got = getattr(fastconv, name)(in1, in2, mode, boundary, fill, method=method)
        _check(got, in1, in2, None, getattr(reference, name), max(k, in2.size), mode, boundary,
               fill, what=f"{name} {mode} {boundary} {method}")


@given(seeds, st.integers(1, 400), st.integers(1, 60), st.sampled_from(MODES),
       st.sampled_from(FLOAT_DTYPES[1:]), st.sampled_from(METHODS), st.booleans())
def test_1d_floats_match_numpy(seed, na, nv, mode, dtype, method, swap):
    rng = np.random.default_rng(seed)
    a, v = random_array(rng, na, dtype), random_array(rng, nv, dtype)
    if swap:
        a, v = v, a
    for name in ("convolve", "correlate"):
        got = getattr(fastconv, name)(a, v, mode, method=method)
        np_op = getattr(np, name)
        assert got.dtype == np_op(a, v, mode).dtype
        exact, magnitude = exact_and_magnitude(np_op, a, v, mode)
        assert_scaled_close(got, exact, magnitude, min(na, nv), what=f"{name} {mode} {method}")


@given(seeds, st.tuples(st.integers(1, 24), st.integers(1, 24)),
       st.tuples(st.integers(1, 9), st.integers(1, 9)), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.sampled_from([np.float32, np.float64, np.complex128]),
       st.sampled_from(METHODS), st.booleans())
def test_2d_floats_match_scipy(seed, s1, s2, mode, boundary, dtype, method, swap):
    rng = np.random.default_rng(seed)
    in1, in2 = random_array(rng, s1, dtype), random_array(rng, s2, dtype)
    if swap:
        in1, in2 = in2, in1
    for name in ("convolve2d", "correlate2d"):
        sp_op = getattr(scipy.signal, name)
        try:
            expected = sp_op(in1, in2, mode, boundary, 0.5)
        except ValueError as e:
            with pytest.raises(ValueError, match=str(e)):
                getattr(fastconv, name)(in1, in2, mode, boundary, 0.5, method=method)
            continue
        got = getattr(fastconv, name)(in1, in2, mode, boundary, 0.5, method=method)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        exact, magnitude = exact_and_magnitude(
            lambda x, w: sp_op(x, w, mode, boundary, 0.5), in1, in2)
        if name == "correlate2d" and mode == "valid" and in1.size < in2.size:
            exact = exact.conj()   # SciPy's valid-swap conjugation bug (README)
        assert_scaled_close(got, exact, magnitude, in2.size, what=f"{name} {mode} {boundary}")


@pytest.mark.parametrize("tile_bytes", [1, 40, 1000])
@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.complex128, np.bool_])
def test_im2col_tiling_splits_rows_and_taps_correctly(tile_bytes, dtype):
    """Tiny tile budgets force one-row tiles and kernels split across tap
    slices (accumulated with beta = 1); the result must not change."""
    rng = np.random.default_rng(7)
    a, v = random_array(rng, 300, dtype), random_array(rng, 37, dtype)
    img, ker = random_array(rng, (20, 17), dtype), random_array(rng, (5, 6), dtype)
    expected_1d = fastconv.convolve(a, v, method="direct")
    expected_2d = fastconv.correlate2d(img, ker, "same", "wrap", method="direct")
    old = fastconv.set_im2col_tile_bytes(tile_bytes)
    try:
        got_1d = fastconv.convolve(a, v, method="im2col")
        got_2d = fastconv.correlate2d(img, ker, "same", "wrap", method="im2col")
    finally:
        fastconv.set_im2col_tile_bytes(old)
    if np.dtype(dtype).kind in "biu":
        np.testing.assert_array_equal(got_1d, expected_1d)
        np.testing.assert_array_equal(got_2d, expected_2d)
    else:   # same sums, another order: within a few ulps of the output scale
        eps = np.finfo(dtype).eps
        for got, expected, k in ((got_1d, expected_1d, 37), (got_2d, expected_2d, 30)):
            scale = np.max(np.abs(expected))
            assert np.max(np.abs(got - expected)) <= 2 * k * eps * scale


def test_tile_budget_setting_is_validated():
    with pytest.raises(ValueError, match="positive"):
        fastconv.set_im2col_tile_bytes(0)
    old = fastconv.set_im2col_tile_bytes(12345)
    assert fastconv.im2col_tile_bytes() == 12345
    fastconv.set_im2col_tile_bytes(old)
    assert fastconv.im2col_tile_bytes() == old
