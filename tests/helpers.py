"""Test helpers: the scaled floating-point tolerance of docs/guide/accuracy.rst.

A correct convolution of K multiply-adds per output, accumulated in a type
with machine epsilon eps, is within about K * eps * (|x| * |w|) of the exact
value, where (|x| * |w|) is the same convolution of the absolute values.  A
fixed rtol/atol would fail on correct code once K is a few hundred, or pass
wrong code on small outputs; this bound does neither.
"""
import numpy as np


def accumulation_eps(dtype):
    """Machine epsilon of the type fastconv accumulates `dtype` in."""
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        return np.finfo(np.float32).eps
    if dtype.kind in "fc":
        return np.finfo(dtype).eps
    return 0.0


def assert_scaled_close(got, exact, magnitude, n_terms, dtype=None, c=4.0, what=""):
    """Assert |got - exact| <= c * n_terms * eps * magnitude (+ final rounding).

    got:       the result under test (any float/complex dtype, or integer/bool,
               which must then match exactly).
    exact:     the same quantity computed in float64/complex128 (or exactly).
    magnitude: the operation applied to |inputs| (same shape as exact).
    n_terms:   multiply-adds per output (K).
    """
    got = np.asarray(got)
    exact = np.asarray(exact)
    dtype = np.dtype(dtype or got.dtype)
    assert got.shape == exact.shape, f"{what}: shape {got.shape} != {exact.shape}"
    if dtype.kind in "biu":
        np.testing.assert_array_equal(got, exact, err_msg=what)
        return
    eps = accumulation_eps(dtype)
    out_eps = np.finfo(dtype).eps
    err = np.abs(got.astype(np.complex128) - exact.astype(np.complex128))
    mag = np.abs(np.asarray(magnitude, dtype=np.float64))
    bound = c * max(n_terms, 1) * eps * mag + out_eps * np.abs(exact) + np.finfo(np.float64).tiny
    both_nan = np.isnan(got) & np.isnan(exact) if got.dtype.kind in "fc" else False
    same_inf = (got == exact) | both_nan
    bad = ~((err <= bound) | same_inf)
    if np.any(bad):
        idx = tuple(np.argwhere(bad)[0])
        raise AssertionError(
            f"{what}: {int(np.sum(bad))} of {bad.size} outputs outside the scaled "
            f"tolerance; first at {idx}: got {got[idx]!r}, exact {exact[idx]!r}, "
            f"error {err[idx]:.3g} > bound {bound[idx]:.3g} (K={n_terms})")
