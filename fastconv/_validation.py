"""Argument validation shared by the public functions.

Each parser reproduces the exception type and message of the library whose
semantics the public function copies (NumPy for the 1-D API, SciPy for the
2-D API), so that code written against them sees the same errors.
"""
import operator

import numpy as np

# every op has these; the signal API also has 'fft' (the codes: _method.Method)
METHODS = ("auto", "direct", "im2col")
SIGNAL_METHODS = METHODS + ("fft",)

# numpy.convolve / numpy.correlate mode codes (PyArray_CorrelatemodeConverter)
NUMPY_MODES = {"valid": 0, "same": 1, "full": 2}
NUMPY_MODE_NAMES = {0: "valid", 1: "same", 2: "full"}
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1

# scipy.signal.convolve2d / correlate2d (`_modedict`, `_boundarydict`)
SCIPY_MODES = {"valid": 0, "same": 1, "full": 2}
SCIPY_BOUNDARIES = {"fill": "fill", "pad": "fill", "wrap": "wrap", "circular": "wrap",
                    "symm": "symm", "symmetric": "symm",
                    # SciPy's table lists 'reflect', but its C code rejects it later
                    # ("Incorrect boundary value."); see `scipy_boundary_supported`
                    "reflect": "reflect"}


def numpy_mode(mode):
    """Mode name ('valid', 'same' or 'full') of a numpy.convolve `mode` argument.

    Accepts exactly what NumPy accepts (the three names and the integers 0, 1,
    2, including NumPy integers and objects with ``__index__``) and raises
    NumPy's exception, with NumPy's message, for everything else.
    """
    if isinstance(mode, str):
        if mode in NUMPY_MODES:
            return mode
        if mode[:1] in ("v", "V", "s", "S", "f", "F"):
            raise ValueError("Use one of 'valid', 'same', or 'full' for convolve/correlate mode")
        raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
    if isinstance(mode, (bool, np.bool_)):
        raise TypeError("convolve/correlate mode not understood")
    try:
        number = operator.index(mode)
    except TypeError:
        raise TypeError("convolve/correlate mode not understood") from None
    if not _INT32_MIN <= number <= _INT32_MAX:
        # NumPy converts to a C int first; an overflow is "not understood"
        raise TypeError("convolve/correlate mode not understood")
    if number not in NUMPY_MODE_NAMES:
        raise ValueError("integer convolve/correlate mode must be 0, 1, or 2")
    return NUMPY_MODE_NAMES[number]


def scipy_mode(mode):
    """Mode name of a scipy.signal.convolve2d `mode` argument (SciPy's message)."""
    try:
        SCIPY_MODES[mode]
    except KeyError as e:
        raise ValueError("Acceptable mode flags are 'valid', 'same', or 'full'.") from e
    return str(mode)


def scipy_boundary(boundary):
    """Canonical boundary name ('fill', 'wrap' or 'symm') of a SciPy `boundary`."""
    try:
        return SCIPY_BOUNDARIES[boundary]
    except KeyError as e:
        raise ValueError("Acceptable boundary flags are 'fill', 'circular' "
                         "(or 'wrap'), and 'symmetric' (or 'symm').") from e


def scipy_boundary_supported(boundary_name):
    """SciPy's late rejection of the 'reflect' boundary its table accepts
    (raised after the dtype is resolved, before `fillvalue` is read)."""
    if boundary_name == "reflect":
        raise ValueError("Incorrect boundary value.")


def scipy_2d_arguments(name, in1, in2, mode, boundary, method_name):
    """The arguments of scipy.signal.convolve2d / correlate2d checked in SciPy's
    order (ranks, the 'valid' swap, mode, boundary; then `method`):
    returns (in1, in2 as arrays, swapped, mode name, canonical boundary, method)."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    if not in1.ndim == in2.ndim == 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")
    swapped = scipy_valid_swap(mode, in1.shape, in2.shape)
    return (in1, in2, swapped, scipy_mode(mode), scipy_boundary(boundary),
            method(method_name, SIGNAL_METHODS))


def scipy_fill(boundary_name, fillvalue, dtype):
    """SciPy's checks once the result dtype is known: the late rejection of
    'reflect', then `fillvalue` as a 0-d array of dtype ('fill' only; else None)."""
    scipy_boundary_supported(boundary_name)
    if boundary_name != "fill":
        return None
    return scipy_fillvalue(fillvalue, dtype)


def method(name, choices=METHODS):
    """Validated `method` argument: one of `choices` (by default the methods
    of every op, 'auto', 'direct', 'im2col'; the signal API passes
    SIGNAL_METHODS, which adds 'fft')."""
    if isinstance(name, str) and name in choices:
        return name
    raise ValueError(f"method must be one of {', '.join(map(repr, choices))} (got {name!r})")


def scipy_valid_swap(mode, shape1, shape2):
    """scipy's `_inputs_swap_needed`: True when 'valid' mode must swap the
    inputs (in2 at least as large as in1 in every dimension, in1 not), and
    SciPy's ValueError when neither input is at least as large as the other."""
    if mode != "valid":
        return False
    if not shape1:
        return False
    ok1 = all(a >= b for a, b in zip(shape1, shape2))
    ok2 = all(b >= a for a, b in zip(shape1, shape2))
    if not (ok1 or ok2):
        raise ValueError("For 'valid' mode, one must be at least "
                         "as large as the other in every dimension")
    return not ok1


def scipy_fillvalue(fillvalue, dtype):
    """`fillvalue` as a 0-d array of `dtype`, converted as scipy's convolve2d does.

    A value that NumPy cannot convert to `dtype` directly is tried through
    complex first; if that works, SciPy still refuses it with a ValueError
    saying so (and so do we).  Arrays must hold exactly one element.
    """
    try:
        value = np.asarray(fillvalue, dtype=dtype)
    except Exception:
        as_complex = np.asarray(fillvalue, dtype=np.complex128)
        with np.errstate(invalid="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
                as_complex.astype(dtype)
        raise ValueError("could not cast `fillvalue` directly to the output "
                         "type (it was first converted to complex).") from None
    if value.size != 1:
        if value.size == 0:
            raise ValueError("`fillvalue` cannot be an empty array.")
        raise ValueError("`fillvalue` must be scalar or an array with one element.")
    return value.reshape(()).copy()
