"""Element conversions shared by the reference implementations."""
import numpy as np


def to_python(a):
    """Nested lists of Python numbers (bool, int, float or complex) from an array."""
    return np.asarray(a).tolist()


def zero_of(dtype):
    """The additive identity in the reference's Python arithmetic for dtype."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return False
    if dtype.kind in "iu":
        return 0
    if dtype.kind == "c":
        return 0j
    return 0.0


def mac(acc, a, b, dtype):
    """acc + a*b in the reference's arithmetic for dtype (OR of AND for bool)."""
    if np.dtype(dtype) == np.bool_:
        return acc or (bool(a) and bool(b))
    return acc + a * b


def to_dtype(values, dtype):
    """Array of dtype from nested Python numbers; integers wrap modulo 2**bits."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        bits = 8 * dtype.itemsize
        values = _map(values, lambda v: _wrap(v, bits, dtype.kind == "i"))
    return np.array(values, dtype=dtype)


def _wrap(v, bits, signed):
    v %= 2**bits
    if signed and v >= 2 ** (bits - 1):
        v -= 2**bits
    return v


def _map(values, f):
    if isinstance(values, list):
        return [_map(v, f) for v in values]
    return f(values)
