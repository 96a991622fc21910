"""correlate(..., lags=) and correlation_lags: a window of lags against the
slice of the full result; the lag of each output against SciPy."""
import numpy as np
import pytest
import scipy.signal

import fastconv
from arrays import random_array
from methods import signal_methods

MODES = ["full", "same", "valid"]


def _scipy_lags_wrong(m, n, mode):
    """SciPy's correlation_lags is one too high in 'same' mode for odd in1
    and even in2 (its own correlate disagrees); fastconv gives the lags of
    the outputs."""
    return mode == "same" and m % 2 == 1 and n % 2 == 0 and n > 0


@pytest.mark.parametrize("mode", MODES)
def test_correlation_lags_matches_scipy(mode):
    for m in range(0, 10):
        for n in range(0, 10):
            got = fastconv.correlation_lags(m, n, mode)
            expected = scipy.signal.correlation_lags(m, n, mode)
            if _scipy_lags_wrong(m, n, mode):
                np.testing.assert_array_equal(got, expected - 1)
            else:
                np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("mode", MODES)
def test_correlation_lags_describe_the_outputs(mode):
    """out[i] is the correlation at lag lags[i], for scipy.signal.correlate
    and (with len(a) >= len(v), or any lengths outside 'same') for
    fastconv.correlate."""
    rng = np.random.default_rng(0)
    for m in range(1, 9):
        for n in range(1, 9):
            a, v = rng.standard_normal(m), rng.standard_normal(n)
            lags = fastconv.correlation_lags(m, n, mode)
            full = np.correlate(a, v, "full")
            at_lags = full[lags + n - 1]
            np.testing.assert_allclose(scipy.signal.correlate(a, v, mode, method="direct"),
                                       at_lags, rtol=1e-12, atol=1e-12)
            if m >= n or mode != "same":
                np.testing.assert_allclose(fastconv.correlate(a, v, mode), at_lags,
                                           rtol=1e-12, atol=1e-12)


def test_correlation_lags_errors():
    with pytest.raises(ValueError, match="Mode nope is invalid"):
        fastconv.correlation_lags(3, 2, "nope")
    with pytest.raises(TypeError, match="in1_len must be an integer"):
        fastconv.correlation_lags(3.0, 2)
    with pytest.raises(ValueError, match="in2_len must be non-negative"):
        fastconv.correlation_lags(3, -1)
    assert fastconv.correlation_lags(np.int64(3), 2).dtype.kind == "i"


def _window(lags):
    if isinstance(lags, range):
        return lags.start, lags.stop - 1
    return -lags, lags


def _numpy_lags(mode, m, n):
    """Lags of numpy.correlate's outputs (any lengths)."""
    full = np.arange(-(n - 1), m)
    out = np.correlate(np.arange(1, m + 1) * 0 + 1.0, np.ones(n), mode)   # only its length
    if mode == "full":
        return full
    if mode == "valid":
        return np.arange(m - n + 1) if m >= n else np.arange(m - n, 1)
    if m >= n:
        return np.arange(-(n // 2), -(n // 2) + len(out))
    return -np.arange(-(m // 2), -(m // 2) + len(out))[::-1]


@pytest.mark.parametrize("m, n", [(40, 7), (7, 40), (25, 25), (1, 9), (9, 1), (30, 8)])
@pytest.mark.parametrize("mode", MODES)
def test_lags_window_is_the_slice(mode, m, n):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    v = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    reference = np.correlate(a, v, mode)
    ref_lags = _numpy_lags(mode, m, n)
    assert len(ref_lags) == len(reference)
    lo_all, hi_all = ref_lags[0], ref_lags[-1]
    windows = [range(lo_all, hi_all + 1), range(lo_all, lo_all + 1),
               range(hi_all, hi_all + 1), range((lo_all + hi_all) // 2, hi_all + 1)]
    if lo_all <= -2 and hi_all >= 2:
        windows += [2, 0]
    for lags in windows:
        lo, hi = _window(lags)
        expected = reference[(ref_lags >= lo) & (ref_lags <= hi)]
        for method in signal_methods():
            got = fastconv.correlate(a, v, mode, lags=lags, method=method)
            assert got.shape == (hi - lo + 1,)
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10,
                                       err_msg=f"{lags} {method}")


@pytest.mark.parametrize("dtype", [np.bool_, np.int16, np.uint32, np.float16, np.float32,
                                   np.complex64])
def test_lags_dtypes_exact(dtype):
    rng = np.random.default_rng(2)
    a, v = random_array(rng, 50, dtype), random_array(rng, 9, dtype)
    full = fastconv.correlate(a, v, "full")
    for lags in (3, range(-8, -2), range(40, 50)):
        lo, hi = _window(lags)
        got = fastconv.correlate(a, v, "full", lags=lags)
        assert got.dtype == full.dtype
        expected = full[lo + 8:hi + 9]
        if np.dtype(dtype).kind in "biu":
            np.testing.assert_array_equal(got, expected)
        else:
            tol = 1e-2 if dtype == np.float16 else 1e-4
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def test_lags_long_signals():
    """Two long signals, |lag| <= 100: the same as slicing SciPy's FFT result."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal(20000)
    v = np.roll(a, 37) + 0.1 * rng.standard_normal(20000)
    got = fastconv.correlate(a, v, "full", lags=100)
    full = scipy.signal.correlate(a, v, "full")
    expected = full[len(v) - 1 - 100:len(v) - 1 + 101]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-8)
    assert np.argmax(got) - 100 == -37


def test_lags_with_axis():
    rng = np.random.default_rng(4)
    a, v = rng.standard_normal((3, 30)), rng.standard_normal((3, 6))
    got = fastconv.correlate(a, v, "full", axis=-1, lags=range(-2, 4))
    expected = np.stack([np.correlate(x, y, "full")[5 - 2:5 + 4] for x, y in zip(a, v)])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    got = fastconv.correlate(a.T, v[0][:, None], "full", axis=0, lags=3)
    expected = np.stack([np.correlate(x, v[0], "full")[5 - 3:5 + 4] for x in a], axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_lags_errors():
    a, v = np.ones(10), np.ones(4)
    with pytest.raises(ValueError, match=r"lags -5..5 are not all outputs of mode 'valid'"):
        fastconv.correlate(a, v, lags=5)
    with pytest.raises(ValueError, match="step 1"):
        fastconv.correlate(a, v, "full", lags=range(-3, 3, 2))
    with pytest.raises(ValueError, match="empty"):
        fastconv.correlate(a, v, "full", lags=range(3, 3))
    with pytest.raises(ValueError, match="non-negative"):
        fastconv.correlate(a, v, "full", lags=-1)
    for bad in (True, 1.5, (0, 3), "3"):
        with pytest.raises(TypeError, match="lags must be"):
            fastconv.correlate(a, v, "full", lags=bad)
    # NumPy's own errors come first
    with pytest.raises(ValueError, match="second array argument cannot be empty"):
        fastconv.correlate(a, [], "full", lags=1)
    with pytest.raises(ValueError, match="object too deep"):
        fastconv.correlate(np.ones((2, 3)), v, "full", lags=1)


def test_threads_reach_the_lag_window(monkeypatch):
    """correlate(..., lags=m, threads=n) runs on n threads (the window goes
    through the batch code, which must receive the count)."""
    from fastconv import _batch
    seen = []
    original = _batch.correlate

    def spy(*args, **kwargs):
        seen.append(kwargs.get("threads"))
        return original(*args, **kwargs)

    monkeypatch.setattr(_batch, "correlate", spy)
    a = np.arange(50.0)
    fastconv.correlate(a, a[::-1], "full", lags=3, threads=1)
    fastconv.correlate(a, a[::-1], "full", lags=3, threads=2)
    assert seen == [1, 2]
