"""Is a result right?  Compared with the case's float64 reference, within a
tolerance scaled to the problem (docs/guide/accuracy.rst, taken normwise):

    max |got - ref|  <=  C * K * eps(dtype) * max(|x| * |w|)

K is the number of multiply-adds per output, ``|x| * |w|`` the same
operation on the absolute values of the operands (its maximum bounds every
partial sum), and C = 4.  A wrong index, a missing tap or a wrong boundary
gives errors of the order of the values themselves, K * eps times larger
than this bound allows; rounding, in any summation order, FFT included, stays
inside it.  The shape and the dtype must match exactly.
"""
from dataclasses import dataclass

import numpy as np

SAFETY = 4.0


@dataclass(frozen=True)
class Verdict:
    """Outcome of one check: `ok`, the error and the bound, and why it failed."""

    ok: bool
    error: float
    bound: float
    reason: str = ""

    def describe(self):
        if self.ok:
            return f"pass (err {self.error:.1e} <= {self.bound:.1e})"
        return f"FAIL: {self.reason}"


def tolerance(dtype, taps, magnitude):
    """The bound above, for a result of `dtype`."""
    return SAFETY * taps * float(np.finfo(dtype).eps) * magnitude


def check(got, expected, *, dtype, taps, magnitude):
    """Compare `got` (any array-like) with the float64 `expected`.

    Parameters
    ----------
    got : array_like
        A contender's result.
    expected : ndarray
        The float64 reference.
    dtype : str or numpy.dtype
        The dtype the result must have.
    taps : int
        Multiply-adds per output (K).
    magnitude : float
        ``max(|x| * |w|)``.

    Returns
    -------
    Verdict
    """
    got = np.asarray(got)
    bound = tolerance(dtype, taps, magnitude)
    if got.shape != expected.shape:
        return Verdict(False, float("nan"), bound, f"shape {got.shape}, expected {expected.shape}")
    if got.dtype != np.dtype(dtype):
        return Verdict(False, float("nan"), bound, f"dtype {got.dtype}, expected {np.dtype(dtype)}")
    if got.size == 0:
        return Verdict(True, 0.0, bound)
    diff = np.abs(got.astype(np.float64) - expected)
    error = float(np.max(diff))
    if not np.isfinite(error):
        return Verdict(False, error, bound, "non-finite values in the result")
    if error > bound:
        where = np.unravel_index(int(np.argmax(diff)), diff.shape)
        return Verdict(False, error, bound,
                       f"max error {error:.3g} > bound {bound:.3g} at index {tuple(map(int, where))}")
    return Verdict(True, error, bound)
