"""Lags of a 1-D cross-correlation: which lag each output of `correlate`
holds, and the ``lags=`` window that computes only some of them.

`correlate(a, v)` (NumPy's) defines, for lengths M = len(a), N = len(v),

    c_k = sum_n a[n + k] * conj(v[n]),      k = -(N - 1) .. M - 1,

and each mode returns a run of consecutive lags: 'full' all of them,
'valid' ``0 .. M - N`` (``M - N .. 0`` when a is the shorter), 'same'
``max(M, N)`` of them around the middle.  A window of lags ``lo .. hi`` is
one call of the primitive with the output starting at lag lo, so it costs
``(hi - lo + 1) * min(M, N)`` multiply-adds whatever M and N are.
"""
import operator

import numpy as np

from fastconv._signal_shapes import numpy_lags

__all__ = ["correlation_lags"]


def correlation_lags(in1_len, in2_len, mode="full"):
    """Lag of each output of a 1-D cross-correlation; like
    `scipy.signal.correlation_lags`.

    For ``out = fastconv.correlate(in1, in2, mode)`` (with ``len(in1) >=
    len(in2)`` in 'same' mode), ``out[i]`` is the correlation at lag
    ``lags[i]``: :math:`c_k = \\sum_n in1_{n+k} \\overline{in2_n}`.  The
    same holds for ``scipy.signal.correlate``.

    Parameters
    ----------
    in1_len, in2_len : int
        Lengths of the first and second input (non-negative integers).
    mode : {'full', 'valid', 'same'}, optional
        The correlation's mode (scipy.signal.correlate's meaning):
        'full' gives ``-(in2_len - 1) .. in1_len - 1``; 'valid' gives
        ``0 .. in1_len - in2_len``, or ``in1_len - in2_len .. 0`` when in1 is
        the shorter; 'same' gives ``in1_len`` lags centred on the 'full' ones.

    Returns
    -------
    lags : ndarray of int
        Increasing consecutive lags, one per output.

    Raises
    ------
    ValueError
        An unknown mode, or a negative length.
    TypeError
        A length that is not an integer.

    Notes
    -----
    Equal to `scipy.signal.correlation_lags` for 'full' and 'valid', and for
    'same' except when `in1_len` is odd and `in2_len` even: there SciPy's
    lags are one more than those of the outputs that
    ``scipy.signal.correlate(in1, in2, 'same')`` (and NumPy's correlate)
    actually return; fastconv gives the lags of the actual outputs (for
    ``correlation_lags(5, 2, 'same')``, ``[-1, 0, 1, 2, 3]``, where SciPy says
    ``[0, 1, 2, 3, 4]``).  For 'same' with ``in1_len < in2_len``,
    `fastconv.correlate` follows `numpy.correlate` and returns ``in2_len``
    outputs, whose lags are given by ``correlate``'s ``lags=`` description,
    not by this function (SciPy returns ``in1_len`` of them).

    Examples
    --------
    >>> import fastconv
    >>> fastconv.correlation_lags(4, 2)
    array([-1,  0,  1,  2,  3])
    >>> fastconv.correlation_lags(4, 2, 'valid')
    array([0, 1, 2])
    """
    lengths = []
    for name, n in (("in1_len", in1_len), ("in2_len", in2_len)):
        try:
            n = operator.index(n)
        except TypeError:
            raise TypeError(f"{name} must be an integer, not {type(n).__name__}") from None
        if n < 0:
            raise ValueError(f"{name} must be non-negative, got {n}")
        lengths.append(n)
    m, n = lengths
    if mode == "full":
        return np.arange(-n + 1, m)
    if mode == "valid":
        return np.arange(m - n + 1) if m >= n else np.arange(m - n, 1)
    if mode == "same":
        full = np.arange(-n + 1, m)
        if m % 2 == 1 and n % 2 == 0 and n > 0:
            # in1_len outputs of the full ones from full index (n - 1) // 2, as
            # scipy.signal.correlate's _centered takes them (and numpy's -(n // 2)
            # window for m >= n); scipy.signal.correlation_lags starts one later
            start = (n - 1) // 2
            return full[start:start + m]
        mid, half = full.size // 2, m // 2     # scipy.signal.correlation_lags
        return full[mid - half:mid + half + (m % 2)]
    raise ValueError(f"Mode {mode} is invalid")


def numpy_window(mode_name, m, n):
    """(first lag, count) of numpy.correlate(a, v, mode) for len(a) = m,
    len(v) = n: its outputs are the lags first .. first + count - 1."""
    if m >= n:
        return numpy_lags(mode_name, m, n)
    # NumPy correlates v with a and reverses the output: c_k = r_{-k}
    k0, count = numpy_lags(mode_name, n, m)
    return -(k0 + count - 1), count


def window(lags, mode_name, m, n):
    """(first lag, count) of the outputs `correlate` returns: the mode's own
    window when `lags` is None, else the requested window, checked to lie
    within the mode's."""
    first, count = numpy_window(mode_name, m, n)
    if lags is None:
        return first, count
    if isinstance(lags, range):
        if lags.step != 1:
            raise ValueError(f"lags must be a range of step 1, got step {lags.step}")
        lo, hi = lags.start, lags.stop - 1
    else:
        if isinstance(lags, (bool, np.bool_)):
            raise TypeError("lags must be None, an int (the maximum |lag|) or a range")
        try:
            maxlag = operator.index(lags)
        except TypeError:
            raise TypeError("lags must be None, an int (the maximum |lag|) or a range, "
                            f"not {type(lags).__name__}") from None
        if maxlag < 0:
            raise ValueError(f"lags must be a non-negative maximum lag, got {maxlag}")
        lo, hi = -maxlag, maxlag
    if hi < lo:
        raise ValueError(f"lags {lags!r} is empty")
    if lo < first or hi > first + count - 1:
        raise ValueError(
            f"lags {lo}..{hi} are not all outputs of mode {mode_name!r}, whose lags are "
            f"{first}..{first + count - 1} for inputs of lengths {m} and {n} "
            f"(mode='full' has every lag, {-(n - 1)}..{m - 1})")
    return lo, hi - lo + 1
