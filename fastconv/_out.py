"""The ``out=`` argument shared by the signal functions and the nn layers.

A result is delivered into a caller's array only when that array is exactly
what the function would have returned: an ndarray of the result's shape and
dtype (no casting, no broadcasting), and writeable.  The messages are worded
after NumPy's ufunc ``out`` errors.  When ``out`` overlaps an input, the
result is computed into a temporary first and copied, so the inputs are
read unmodified (`must_buffer` says when).
"""
import numpy as np


def check_array(out, fname):
    """The checks that need no result (made before computing): `out` is None
    or a writeable ndarray."""
    if out is None:
        return None
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{fname}: out must be a numpy.ndarray, not {type(out).__name__}")
    if not out.flags.writeable:
        raise ValueError(f"{fname}: output array is read-only")
    return out


def check(out, shape, dtype, fname):
    """`out` checked against the result's `shape` and `dtype` (exactly)."""
    check_array(out, fname)
    shape, dtype = tuple(shape), np.dtype(dtype)
    if out.dtype != dtype:
        raise TypeError(f"{fname}: out has dtype {out.dtype}, but the result has dtype "
                        f"{dtype}; out must have exactly the result's dtype (no casting)")
    if out.shape != shape:
        raise ValueError(f"{fname}: out has shape {out.shape}, but the result has shape "
                         f"{shape}; out must have exactly the result's shape")
    return out


def must_buffer(out, *inputs):
    """True when `out` may share memory with one of the inputs (ndarrays;
    other objects were converted to new arrays and cannot overlap): the
    result then goes through a temporary."""
    return any(isinstance(a, np.ndarray) and np.may_share_memory(out, a) for a in inputs)


def deliver(result, out, fname):
    """`result` itself when out is None; otherwise `result` copied into the
    checked `out`, and `out` returned.  (The result was computed into its
    own array, so an `out` overlapping the inputs is handled.)"""
    if out is None:
        return result
    check(out, result.shape, result.dtype, fname)
    np.copyto(out, result, casting="no")
    return out


def deliver_pair(results, out, fname):
    """`deliver` for the two gradients of a backward pass: `out` is None or
    a pair whose entries are each None or an array for that gradient."""
    if out is None:
        return results
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{fname}: out must be None or a tuple of two entries "
                        f"(each None or an ndarray), not {type(out).__name__}")
    return tuple(r if o is None else deliver(r, o, fname) for r, o in zip(results, out))
