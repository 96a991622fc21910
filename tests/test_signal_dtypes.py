"""Result dtypes: for every pair of input dtypes (and Python scalars and
lists), fastconv's result dtype is NumPy's (1-D) / SciPy's (2-D)."""
import itertools

import numpy as np
import pytest
import scipy.signal

import fastconv

DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
          np.uint64, np.float16, np.float32, np.float64, np.complex64, np.complex128]


def _sample(dtype, shape):
    return (np.arange(int(np.prod(shape))) % 3).astype(dtype).reshape(shape)


@pytest.mark.parametrize("d1, d2", list(itertools.product(DTYPES, repeat=2)))
def test_1d_result_dtype_and_values_match_numpy(d1, d2):
    a, v = _sample(d1, (7,)), _sample(d2, (3,))
    for name in ("convolve", "correlate"):
        got, expected = getattr(fastconv, name)(a, v, "full"), getattr(np, name)(a, v, "full")
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("d1, d2", list(itertools.product(DTYPES, repeat=2)))
def test_2d_result_dtype_matches_scipy(d1, d2):
    in1, in2 = _sample(d1, (4, 5)), _sample(d2, (2, 3))
    expected_dtype = np.result_type(in1, in2)
    for name in ("convolve2d", "correlate2d"):
        got = getattr(fastconv, name)(in1, in2)
        assert got.dtype == expected_dtype
        if expected_dtype not in (np.bool_, np.float16):   # SciPy refuses these two
            expected = getattr(scipy.signal, name)(in1, in2)
            assert expected.dtype == got.dtype
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("a, v", [
    (np.ones(4, np.float32), 2.0), (np.ones(4, np.float32), [1.0, 2.0]),
    (np.ones(4, np.int8), 300), (np.ones(4, np.int8), 2), (np.ones(4, np.float16), 1),
    (3, 2), ([1, 2, 3], [1.5]), ([True, False], [True]), ([1j, 2], [3]),
    (np.ones(4, np.uint64), np.ones(2, np.int64)),
])
def test_python_scalars_and_lists_are_not_weak(a, v):
    """NumPy's convolve converts Python scalars to arrays first, so they take
    part in promotion with their default dtypes (not NEP 50 'weak' scalars)."""
    for name in ("convolve", "correlate"):
        theirs = getattr(np, name)
        try:
            expected = theirs(a, v)
        except ValueError as e:   # np.correlate rejects 0-d inputs
            with pytest.raises(ValueError, match=str(e)):
                getattr(fastconv, name)(a, v)
            continue
        got = getattr(fastconv, name)(a, v)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("byteorder", [">", "<"])
def test_byteswapped_inputs_give_native_results(byteorder):
    a = np.arange(6, dtype=f"{byteorder}f8")
    v = np.array([1, 2], dtype=f"{byteorder}i4")
    got = fastconv.convolve(a, v)
    assert got.dtype == np.dtype("f8") and got.dtype.isnative
    np.testing.assert_array_equal(got, np.convolve(a.astype("f8"), v.astype("i4")))
    got2 = fastconv.convolve2d(a.reshape(2, 3), v.reshape(1, 2))
    assert got2.dtype.isnative
    np.testing.assert_array_equal(got2, scipy.signal.convolve2d(a.reshape(2, 3), v.reshape(1, 2)))


def test_integer_overflow_wraps_like_numpy():
    a = np.array([100, 100, 100], np.int8)
    np.testing.assert_array_equal(fastconv.convolve(a, a[:2]), [16, 32, 32, 16])
    big = np.array([2**62], np.int64)
    assert fastconv.convolve(big, [2])[0] == np.convolve(big, [2])[0] == -(2**63)
    u = np.array([2**64 - 1, 3], np.uint64)
    np.testing.assert_array_equal(fastconv.correlate(u, u, "full"), np.correlate(u, u, "full"))
    i32 = np.full((3, 3), 2**30, np.int32)
    np.testing.assert_array_equal(fastconv.convolve2d(i32, i32), scipy.signal.convolve2d(i32, i32))


def test_float16_accumulates_in_float32():
    """1 + 1e-4 * 3000 is 1.3 in float32 accumulation; summing in float16
    would stall at 1 (1e-4 is below half an ulp of 1 in float16)."""
    a = np.concatenate([[1.0], np.full(3000, 1e-4)]).astype(np.float16)
    got = fastconv.correlate(a, np.ones(3001, np.float16))
    assert got.dtype == np.float16
    assert got[0] == np.correlate(a, np.ones(3001, np.float16))[0]
    assert abs(float(got[0]) - 1.2998) < 2e-3


def test_nonfinite_values_stay_local():
    np.testing.assert_array_equal(fastconv.convolve([1, np.inf, 1], [1, 0]),
                                  np.convolve([1, np.inf, 1], [1, 0]))
    got = fastconv.convolve2d([[1, np.nan, 1]], [[1, 0]])
    np.testing.assert_array_equal(np.isnan(got), [[False, True, True, False]])


@pytest.mark.parametrize("method", ["direct", "im2col", "auto"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_nonfinite_kernel_never_meets_the_zero_padding_in_1d(mode, method):
    """NumPy only multiplies overlapping elements: an inf tap gives inf, never
    the nan of inf * 0, also for the im2col method (whose column matrix holds
    zeros at the edges; the border outputs are recomputed directly)."""
    a = np.arange(1.0, 9.0)
    v = np.array([1.0, np.inf, 2.0, -np.inf])
    for name in ("convolve", "correlate"):
        got = getattr(fastconv, name)(a, v, mode, method=method)
        np.testing.assert_array_equal(got, getattr(np, name)(a, v, mode))
        got = getattr(fastconv, name)(v, a, mode, method=method)
        np.testing.assert_array_equal(got, getattr(np, name)(v, a, mode))


@pytest.mark.parametrize("mode", ["full", "same"])
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_nonfinite_kernel_meets_the_fill_value_like_scipy(name, mode):
    """SciPy multiplies the kernel by the fill value over the edge: inf * 0 is nan."""
    img = np.arange(1.0, 13.0).reshape(3, 4)
    ker = np.array([[1.0, np.inf], [2.0, -np.inf]])
    for method in ("direct", "im2col"):
        got = getattr(fastconv, name)(img, ker, mode, method=method)
        expected = getattr(scipy.signal, name)(img, ker, mode)
        np.testing.assert_array_equal(got, expected)


def test_signed_zero_like_numpy():
    assert not np.signbit(fastconv.convolve([-0.0], [0.0])[0])
    assert not np.signbit(np.convolve([-0.0], [0.0])[0])


def test_dtype_codes_are_read_from_the_c_core():
    """fastconv._dtypes takes the fc_dtype codes from the compiled enum (one
    list in csrc/dtype_list.h): 0 .. FC_NDTYPES - 1, one per constant, and
    every plan's kernel type has the code of its name."""
    from fastconv import _dtypes
    from fastconv._ext import _runtime
    codes = _runtime.DTYPE_CODES
    assert sorted(codes.values()) == list(range(_runtime.NDTYPES))
    for name, code in codes.items():
        assert getattr(_dtypes, name) == code
    names = {np.bool_: "FC_BOOL", np.uint8: "FC_U8", np.uint16: "FC_U16", np.uint32: "FC_U32",
             np.uint64: "FC_U64", np.float32: "FC_F32", np.float64: "FC_F64",
             np.complex64: "FC_C64", np.complex128: "FC_C128"}
    for dtype in DTYPES:
        plan = _dtypes.plan(dtype)
        assert plan.code == codes[names[plan.view.type]]
