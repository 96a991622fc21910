"""Bad input: fastconv raises what NumPy / SciPy raise, with the same type and
message (reliability.md section 5 A-E), and its own clear errors for its own
arguments.  Each case calls both libraries, so a change in either shows up."""
import numpy as np
import pytest
import scipy.signal

import fastconv


class _Index:
    def __index__(self):
        return 1


def _outcome(f, *args, **kwargs):
    """('ok', result) or (exception type, message) of a call."""
    try:
        return "ok", f(*args, **kwargs)
    except Exception as e:   # noqa: BLE001 - the exception is the outcome under test
        return type(e), str(e)


def _assert_same_outcome(ours, theirs):
    if theirs[0] == "ok":
        assert ours[0] == "ok", f"fastconv raised {ours}, reference library returned"
        np.testing.assert_array_equal(ours[1], theirs[1])
        assert ours[1].dtype == theirs[1].dtype
    else:
        assert ours == theirs


ONE_D_CASES = [
    # (a, v, mode) -- empty inputs (A1, A2)
    ([], [1], "full"), ([1], [], "full"), ([], [], "full"),
    (np.zeros((0, 3)), [1], "full"), (np.zeros((3, 0)), [1], "full"),
    # 0-d and too-deep inputs (A3, A4)
    (3, 2, "full"), (3, [1, 2], "full"), ([1, 2], 3, "full"),
    (np.ones((2, 2)), [1, 2], "full"), ([1, 2], [[1, 2]], "full"), (np.ones((2, 2)), 3, "full"),
    ([], np.ones((2, 2)), "full"),
    # mode strings (B7, B8)
    ([1, 2, 3], [1, 1], "f"), ([1, 2, 3], [1, 1], "FULL"), ([1, 2, 3], [1, 1], "Valid"),
    ([1, 2, 3], [1, 1], "full "), ([1, 2, 3], [1, 1], "bogus"), ([1, 2, 3], [1, 1], ""),
    ([1, 2, 3], [1, 1], " full"), ([1, 2, 3], [1, 1], "it's"), ([1, 2, 3], [1, 1], np.str_("x")),
    # mode integers and other objects (B9, B10)
    ([1, 2, 3], [1, 1], 0), ([1, 2, 3], [1, 1], 1), ([1, 2, 3], [1, 1], 2),
    ([1, 2, 3], [1, 1], np.int64(1)), ([1, 2, 3], [1, 1], np.uint8(2)), ([1, 2, 3], [1, 1], _Index()),
    ([1, 2, 3], [1, 1], -1), ([1, 2, 3], [1, 1], 3), ([1, 2, 3], [1, 1], 2**31 - 1),
    ([1, 2, 3], [1, 1], 2**31), ([1, 2, 3], [1, 1], -(2**31) - 1),
    ([1, 2, 3], [1, 1], None), ([1, 2, 3], [1, 1], 1.0), ([1, 2, 3], [1, 1], True),
    ([1, 2, 3], [1, 1], np.True_), ([1, 2, 3], [1, 1], b"full"), ([1, 2, 3], [1, 1], ["full"]),
    # errors that come first: empty before mode, depth before mode-independent checks
    ([], [1], "bogus"), (np.ones((2, 2)), [1], "bogus"),
    # dtypes NumPy handles itself or rejects (A6, D28, D29)
    (["a", "b"], ["c"], "full"), (np.array([1, None, 3], dtype=object), [1, 2], "full"),
    (np.zeros(3, "i4,f4"), [1], "full"),
    (np.array([1, 2], "m8[s]"), np.array([1, 1], "m8[s]"), "full"),
    (np.array([1, 2], "M8[s]"), np.array([1, 1], "M8[s]"), "full"),
    # valid inputs whose output NumPy computes: short first argument, 'same' swap (C13-C16)
    ([1, 2], [1, 2, 3], "valid"), ([1, 2], [1, 10, 100], "same"), ([1j, 2], [1, 2j, 3], "same"),
    ([1, 2, 3, 4, 5], [1, 10], "same"),
]


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("a, v, mode", ONE_D_CASES)
def test_1d_outcome_matches_numpy(name, a, v, mode):
    _assert_same_outcome(_outcome(getattr(fastconv, name), a, v, mode),
                         _outcome(getattr(np, name), a, v, mode))


def test_1d_object_dtype_is_numpy_result():
    from fractions import Fraction
    a = np.array([Fraction(1, 2), Fraction(1, 3)], dtype=object)
    got = fastconv.convolve(a, [1, 2])
    assert got.dtype == object and list(got) == [Fraction(1, 2), Fraction(4, 3), Fraction(2, 3)]


TWO_D = np.arange(12.0).reshape(3, 4)
TWO_D_CASES = [
    # (in1, in2, kwargs) -- ranks (B19)
    (np.ones((2, 2, 2)), np.ones((2, 2, 2)), {}), (np.ones(3), np.ones(3), {}),
    (np.float64(3), np.float64(2), {}), (TWO_D, np.ones(2), {}),
    # modes and boundaries (B11)
    (TWO_D, np.ones((2, 2)), {"mode": "bogus"}), (TWO_D, np.ones((2, 2)), {"mode": 1}),
    (TWO_D, np.ones((2, 2)), {"mode": None}), (TWO_D, np.ones((2, 2)), {"mode": "FULL"}),
    (TWO_D, np.ones((2, 2)), {"boundary": "bogus"}), (TWO_D, np.ones((2, 2)), {"boundary": None}),
    (TWO_D, np.ones((2, 2)), {"boundary": "reflect"}),
    (TWO_D, np.ones((2, 2)), {"boundary": "circular"}), (TWO_D, np.ones((2, 2)), {"boundary": "pad"}),
    (TWO_D, np.ones((2, 2)), {"boundary": "symmetric"}),
    # neither input larger in 'valid' (C17), and its place before the mode check
    (np.ones((2, 3)), np.ones((3, 2)), {"mode": "valid"}),
    (np.ones((2, 3)), np.ones((3, 2)), {"mode": "valid", "boundary": "bogus"}),
    (np.ones((0, 3)), np.ones((2, 2)), {"mode": "valid"}),
    # fillvalue (B12)
    ([[1]], [[1, 2]], {"fillvalue": 1j}), ([[1]], [[1, 2]], {"fillvalue": [1, 2]}),
    ([[1]], [[1, 2]], {"fillvalue": []}), ([[1]], [[1, 2]], {"fillvalue": "a"}),
    ([[1, 2]], [[1, 2]], {"fillvalue": np.nan}), ([[1.0]], [[1, 2]], {"fillvalue": np.nan}),
    ([[1]], [[1, 2]], {"fillvalue": 1.7}), ([[1]], [[1, 2]], {"fillvalue": [[3]]}),
    ([[1]], [[1, 2]], {"fillvalue": 1j, "boundary": "wrap"}),
    ([[1]], [[1, 2]], {"fillvalue": [1, 2], "boundary": "symm"}),
    ([[1.0, 2.0]], [[1, 2]], {"fillvalue": 2**70}),
    # empty inputs (C20): SciPy computes these without an error
    (np.ones((0, 3)), np.ones((2, 2)), {}), (np.ones((0, 3)), np.ones((2, 2)), {"fillvalue": 2}),
    (np.ones((0, 3)), np.ones((2, 2)), {"mode": "same"}), (np.ones((2, 3)), np.ones((0, 2)), {}),
    (np.ones((2, 3)), np.ones((0, 2)), {"mode": "same"}),
    (np.ones((2, 3)), np.ones((0, 2)), {"mode": "valid"}),
    (np.ones((0, 3)), np.ones((0, 2)), {}), (np.ones((0, 0)), np.ones((0, 0)), {"mode": "valid"}),
    (np.ones((3, 3)), np.ones((0, 0)), {"mode": "same", "boundary": "symm"}),
    (np.ones((2, 3)), np.ones((0, 2)), {"boundary": "wrap"}),
    # kernel much larger than the image with wrap / symm (G43)
    (np.arange(6.0).reshape(2, 3), np.ones((9, 11)), {"mode": "same", "boundary": "wrap"}),
    (np.arange(6.0).reshape(2, 3), np.ones((9, 11)), {"mode": "full", "boundary": "symm"}),
    # dtypes SciPy handles (longdouble) or rejects (object), handed to SciPy
    (np.ones((2, 2), np.longdouble), np.ones((2, 2)), {}),
    (np.ones((2, 2), object), np.ones((2, 2)), {}),
]


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("in1, in2, kwargs", TWO_D_CASES)
def test_2d_outcome_matches_scipy(name, in1, in2, kwargs):
    with np.errstate(invalid="ignore"), pytest.warns() if False else _no_warning_check():
        theirs = _outcome(getattr(scipy.signal, name), in1, in2, **kwargs)
    ours = _outcome(getattr(fastconv, name), in1, in2, **kwargs)
    _assert_same_outcome(ours, theirs)


class _no_warning_check:
    """Context that lets SciPy's ComplexWarning / RuntimeWarning pass silently."""

    def __enter__(self):
        import warnings
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


@pytest.mark.parametrize("boundary", ["wrap", "symm"])
def test_2d_empty_image_with_wrap_or_symm_is_a_clear_error(boundary):
    """SciPy divides by zero (the interpreter dies) here; fastconv raises."""
    with pytest.raises(ValueError, match=f"boundary='{boundary}' cannot extend an empty in1"):
        fastconv.convolve2d(np.ones((0, 3)), np.ones((2, 2)), boundary=boundary)
    # nothing to extend when the output is empty: no error
    assert fastconv.convolve2d(np.ones((0, 3)), np.ones((2, 2)), "same", boundary).shape == (0, 3)


@pytest.mark.parametrize("bad", ["overlap-add", "FFT", "DIRECT", "", None, 1, "im2col "])
@pytest.mark.parametrize("name", ["convolve", "correlate", "convolve2d", "correlate2d"])
def test_bad_method_lists_the_choices(name, bad):
    args = ([[1.0, 2.0]], [[1.0]]) if name.endswith("2d") else ([1.0, 2.0], [1.0])
    with pytest.raises(ValueError,
                       match=r"method must be one of 'auto', 'direct', 'im2col', 'fft' \(got "):
        getattr(fastconv, name)(*args, method=bad)


def test_method_is_keyword_only():
    with pytest.raises(TypeError):
        fastconv.convolve([1.0], [1.0], "full", "direct")
    with pytest.raises(TypeError):
        fastconv.convolve2d([[1.0]], [[1.0]], "full", "fill", 0, "direct")
