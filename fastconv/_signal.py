"""The signal API: drop-ins for numpy.convolve / numpy.correlate and
scipy.signal.convolve2d / correlate2d.

Every function reduces its call to one primitive, a 2-D correlation of a
zero-extended image with a kernel at an offset (1-D is one row):

    out[i, j] = sum_{p, q} x[i + r0 + p, j + c0 + q] * w[p, q]

Convolution is correlation with the kernel reversed; complex correlation
conjugates the second input; the modes choose (r0, c0) and the output shape;
SciPy's 'wrap' and 'symm' boundaries (and a non-zero 'fill') first build the
extended window of the image.  The C kernels then know nothing of modes,
swaps or conjugation.
"""
import math

import numpy as np

from fastconv import (_batch, _block_cache, _dtypes, _fft, _isa, _lags, _method, _out, _threads,
                      _validation)
from fastconv._ext import _signal as _ext
from fastconv._primitive import _TALL_KERNEL_ROWS, correlate_1d, correlate_2d, finish
from fastconv._signal_shapes import numpy_lags, scipy_offsets, scipy_window

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d"]


# --------------------------------------------------------------------------
# the fast path of small 1-D calls
# --------------------------------------------------------------------------

# The C kernel runs a call below this many multiply-adds on one thread
# (FC_PARALLEL_MIN_MACS in csrc/signal/corr2d_direct.c).
_SERIAL_MACS = 1 << 21
#: Output rows at least this long count as wide for the fast path's bound.
_FAST_WIDE = 256
_fast_bound = (None, (0, 0, 1))   # ((the cost model, ISA level) they hold for, bounds)


def _fast_macs():
    """(bound, wide bound, edge weight): the largest call (in multiply-adds,
    those of an output whose window passes an edge of x counted `edge
    weight` times) for which 'auto' surely picks the direct method under the
    cost model in use, at the ISA level in use, for any output row, and for
    output rows of at least _FAST_WIDE elements: its direct cost is below
    the fixed cost of im2col and of the FFT.  Such calls may skip the
    chooser (and run on one thread, as they would: both bounds are at most
    _SERIAL_MACS)."""
    global _fast_bound
    model = _method.model()
    if _fast_bound[0] is None or _fast_bound[0][0] is not model or _fast_bound[0][1] != _isa.current:
        bounds, weight = [_SERIAL_MACS, _SERIAL_MACS], 1
        try:
            for key in ("float32", "float64"):
                floor = min(model["im2col"][key]["a"], model["fft"][key]["a"])
                c = _method._direct_constants(key)   # those of the ISA level in use
                edge = max(c.get("b_edge_1d", c["b"]), c.get("b_edge_2d", c["b"]))
                weight = max(weight, math.ceil(edge / c["b"]))
                for i, width in enumerate((1, _FAST_WIDE)):   # the narrowest row
                    slope = c["b"] * (1.0 + c["v"] / width)
                    bounds[i] = min(bounds[i], int(max(floor - c["a"], 0.0) / slope))
        except (KeyError, TypeError, ZeroDivisionError, ValueError, OverflowError):
            bounds = [0, 0]
        _fast_bound = ((model, _isa.current), (bounds[0], bounds[1], weight))
    return _fast_bound[1]


def _fast_1d(a, v, mode, method, threads, convolution):
    """The result of a small float32 / float64 1-D call by the direct kernel,
    or None when the call needs the full path (any unusual argument, or a
    size where 'auto' might choose another method).  Same values, dtype and
    shape as the full path for the calls it accepts."""
    if method != "auto" and method != "direct":
        return None
    if threads is not None and not (type(threads) is int and threads > 0):
        return None   # (a positive count changes nothing: such calls run on one thread)
    limit, wide_limit, edge_weight = (_fast_macs() if method == "auto"
                                      else (_SERIAL_MACS, _SERIAL_MACS, 1))
    return _ext.corr1d_small(a, v, mode, convolution, _isa.current, limit, wide_limit,
                             _FAST_WIDE, edge_weight)


def _fast_2d(in1, in2, mode, boundary, fillvalue, method, threads, convolution):
    """The result of a 2-D call by the direct kernel with the least Python
    work, or None when the call needs the full path: only float32 / float64
    aligned C-contiguous 2-D arrays of one dtype, in1 at least as large as
    in2 along both axes (no swap), a string mode, boundary 'fill' with a
    zero fillvalue and a finite kernel (the zero extension), threads None
    or a positive count, and a call for which 'auto' picks the direct
    method.  Same values, dtype and shape as the full path for the calls it
    accepts.  The checks run in C (_ext.corr2d_fast); the chooser is asked
    only above the bounds of `_fast_macs`, and results of 256 KiB or more
    come from `_block_cache.empty_output` (on a cache line)."""
    if (method != "auto" and method != "direct") or not (
            threads is None or (type(threads) is int and threads > 0)):
        return None
    limit, wide_limit, edge_weight = (_fast_macs() if method == "auto"
                                      else (_SERIAL_MACS, _SERIAL_MACS, 1))
    return _ext.corr2d_fast(in1, in2, mode, boundary, fillvalue, convolution, _isa.current,
                            _threads.resolve(threads), limit, wide_limit, _FAST_WIDE,
                            edge_weight, _block_cache.LARGE_OUTPUT_BYTES, _TALL_KERNEL_ROWS,
                            _direct_chosen if method == "auto" else None,
                            _block_cache.empty_output)


def _direct_chosen(x_shape, w_shape, out_shape, r0, c0, dtype, nthreads):
    """True when 'auto' runs the direct method on this zero-extension call of
    the primitive (as _primitive.correlate_2d would choose)."""
    trim = _fft.zero_trim(x_shape, w_shape, out_shape, r0, c0)
    return _method.choose("correlate", (x_shape, w_shape, out_shape), dtype, "zero",
                          nthreads, trim=trim) == _method.Method.DIRECT


# --------------------------------------------------------------------------
# numpy.convolve / numpy.correlate
# --------------------------------------------------------------------------

def convolve(a, v, mode="full", *, method="auto", axis=None, out=None, threads=None):
    """Discrete linear convolution of two 1-D sequences; a drop-in for
    `numpy.convolve`.

    .. math:: (a * v)_n = \\sum_m a_m \\, v_{n - m}

    Parameters
    ----------
    a, v : array_like
        1-D inputs (0-d inputs are treated as length 1, as NumPy does).
    mode : {'full', 'same', 'valid'} or {2, 1, 0}, optional
        'full' (default): every overlap, length ``M + N - 1``.
        'same': length ``max(M, N)``, centred on the full output (the extra
        element of an even-length shorter input goes to the start).
        'valid': only complete overlaps, length ``max(M, N) - min(M, N) + 1``.
    method : {'auto', 'direct', 'im2col', 'fft'}, keyword-only
        Algorithm: the direct kernel; the column (Toeplitz) matrix times
        the kernel through BLAS GEMV (a C loop for bool and integers); or
        overlap-save FFT convolution through `scipy.fft` (floating-point
        and complex inputs only; its error is bounded relative to the
        inputs' norms, not per output: force 'direct' for exact outputs or
        tiny values next to huge ones).  'auto' picks the fastest by a
        fitted cost model.
    axis : int, keyword-only, optional
        Convolve a batch along this axis.  `a` and `v` may then have any
        number of dimensions: all but `axis` (the batch dimensions) are
        broadcast against each other as NumPy broadcasts (length-1
        dimensions prepended to the input with fewer), so one kernel serves
        a whole stack of signals, or each signal has its own; a 1-D input
        is one signal (kernel) for the whole batch, at any `axis`.  `axis`
        counts in the broadcast number of dimensions (``-1``: the last).
        The result has the broadcast batch shape and the output's length
        along `axis`; each output is ``convolve(a_i, v_i, mode)``.  None
        (default): NumPy's 1-D function, which rejects N-D input.
    out : ndarray, keyword-only, optional
        Array to receive the result, returned instead of a new one: it must
        have exactly the result's shape (else ValueError) and dtype (else
        TypeError; no casting) and be writeable.  It may overlap the inputs:
        the result is computed first, then copied in.
    threads : int or None, keyword-only
        Threads of the direct kernel (and workers of the FFT): None (default)
        for the package's setting (`fastconv.set_num_threads`,
        FASTCONV_NUM_THREADS, else OpenMP's default: every core); a negative
        count counts back from the number of cores (-1: all).  Results do
        not depend on it.

    Returns
    -------
    out : ndarray
        ``numpy.result_type(a, v)`` of the inputs as arrays.  Integers wrap
        around like NumPy's; bool is the OR of ANDs; float16 is accumulated in
        float32.

    Raises
    ------
    ValueError
        Empty input, input of more than one dimension (without `axis`), bad
        mode or method (NumPy's messages); batch dimensions that do not
        broadcast; a bad `out`.
    numpy.exceptions.AxisError
        `axis` out of range.
    TypeError
        A mode NumPy does not understand.

    Examples
    --------
    >>> import fastconv
    >>> fastconv.convolve([1, 0.5, 1, 1], [1, 0.5, 0.25])
    array([1.   , 1.   , 1.5  , 1.625, 0.75 , 0.25 ])
    >>> fastconv.convolve([1, 2, 3], [0, 1, 0.5], 'same')
    array([1. , 2.5, 4. ])

    A stack of signals (one per row) with one kernel:

    >>> fastconv.convolve([[1, 2, 3], [0, 1, 0]], [1, 1], axis=-1)
    array([[1, 3, 5, 3],
           [0, 1, 1, 0]])
    """
    if axis is None and out is None:
        fast = _fast_1d(a, v, mode, method, threads, True)
        if fast is not None:
            return fast
    _out.check_array(out, "convolve")
    nthreads = _threads.resolve(threads)
    if axis is not None:
        return _out.deliver(_batch.convolve(
            a, v, _validation.numpy_mode(mode),
            _validation.method(method, _validation.SIGNAL_METHODS), axis, threads=nthreads),
            out, "convolve")
    a, v = np.array(a, copy=None, ndmin=1), np.array(v, copy=None, ndmin=1)
    if len(a) == 0:
        raise ValueError("a cannot be empty")
    if len(v) == 0:
        raise ValueError("v cannot be empty")
    mode_name = _validation.numpy_mode(mode)
    method = _validation.method(method, _validation.SIGNAL_METHODS)
    if a.ndim > 1 or v.ndim > 1:
        return np.convolve(a, v, mode)   # raises NumPy's "object too deep" error
    result = _dtypes.result_dtype(a, v)
    plan = _dtypes.plan(result) if result is not None else None
    if plan is None:   # object, longdouble, timedelta64, strings...: NumPy's own loop or error
        return _out.deliver(np.convolve(a, v, mode), out, "convolve")
    if len(v) > len(a):
        a, v = v, a
    k0, length = numpy_lags(mode_name, len(a), len(v))
    return _out.deliver(finish(correlate_1d(a, v[::-1], k0, length, plan, method, nthreads), result),
                        out, "convolve")


def correlate(a, v, mode="valid", *, method="auto", axis=None, lags=None, out=None,
              threads=None):
    """Cross-correlation of two 1-D sequences; a drop-in for `numpy.correlate`.

    .. math:: c_k = \\sum_n a_{n+k} \\, \\overline{v_n}

    Parameters
    ----------
    a, v : array_like
        1-D inputs (NumPy rejects 0-d inputs here, and so does fastconv).
    mode : {'valid', 'same', 'full'} or {0, 1, 2}, optional
        'valid' (default), 'same' or 'full', as in `convolve`.  The output
        always follows the definition above, lag k increasing, whichever
        input is longer (for 'valid' with a shorter `a` the lags are
        ``-(N - M) .. 0``).
    method : {'auto', 'direct', 'im2col', 'fft'}, keyword-only
        See `convolve`.
    axis : int, keyword-only, optional
        Correlate a batch along this axis.  `a` and `v` may then have any
        number of dimensions: all but `axis` (the batch dimensions) are
        broadcast against each other as NumPy broadcasts (length-1
        dimensions prepended to the input with fewer), so one kernel serves
        a whole stack of signals, or each signal has its own; a 1-D input
        is one signal (kernel) for the whole batch, at any `axis`.  `axis`
        counts in the broadcast number of dimensions (``-1``: the last).
        The result has the broadcast batch shape and the output's length
        along `axis`; each output is ``correlate(a_i, v_i, mode)``.  None
        (default): NumPy's 1-D function, which rejects N-D input.
    lags : int or range, keyword-only, optional
        Compute only these lags of `mode`'s output: an int ``m`` asks for
        ``-m .. m`` (MATLAB's ``maxlag``), a ``range(lo, hi)`` of step 1 for
        ``lo .. hi - 1``.  The lags must be outputs of `mode` (ValueError
        otherwise; 'full' has every lag ``-(N - 1) .. M - 1``).  The result
        is ``correlate(a, v, mode)`` at those lags only, in increasing order,
        and costs ``min(M, N)`` multiply-adds per lag: ``|lag| <= m`` of two
        long signals is about ``N / (2m + 1)`` times less work than 'full'.
        `correlation_lags` gives the lag of each output of a mode.
    out : ndarray, keyword-only, optional
        Array to receive the result, returned instead of a new one: it must
        have exactly the result's shape (else ValueError) and dtype (else
        TypeError; no casting) and be writeable.  It may overlap the inputs:
        the result is computed first, then copied in.
    threads : int or None, keyword-only
        See `convolve`.

    Returns
    -------
    out : ndarray
        Of ``numpy.result_type(a, v)``; `v` is conjugated when complex.

    Examples
    --------
    >>> import fastconv
    >>> fastconv.correlate([1, 2, 3], [0, 1, 0.5])
    array([3.5])
    >>> fastconv.correlate([1, 2, 3], [0, 1, 0.5], 'full')
    array([0.5, 2. , 3.5, 3. , 0. ])

    Only the lags -1, 0 and 1 of the 'full' output:

    >>> fastconv.correlate([1, 2, 3, 4, 5], [1, 2], 'full', lags=1)
    array([2, 5, 8])
    """
    if axis is None and lags is None and out is None:
        fast = _fast_1d(a, v, mode, method, threads, False)
        if fast is not None:
            return fast
    nthreads = _threads.resolve(threads)
    mode_name = _validation.numpy_mode(mode)
    method = _validation.method(method, _validation.SIGNAL_METHODS)
    _out.check_array(out, "correlate")
    if axis is not None:
        return _out.deliver(_batch.correlate(a, v, mode_name, method, axis, lags,
                                             threads=nthreads), out, "correlate")
    try:
        a_arr, v_arr = np.asarray(a), np.asarray(v)
    except Exception:   # ragged sequences etc.: NumPy's own conversion error
        a_arr = v_arr = None
    if a_arr is None or a_arr.ndim != 1 or v_arr.ndim != 1:
        # NumPy words depth errors differently for lists and arrays: let it speak
        return np.correlate(a, v, mode)
    a, v = a_arr, v_arr
    if len(a) == 0:
        raise ValueError("first array argument cannot be empty")
    if len(v) == 0:
        raise ValueError("second array argument cannot be empty")
    result = _dtypes.result_dtype(a, v)
    plan = _dtypes.plan(result) if result is not None else None
    if lags is not None:   # a window of lags: the batch code, on a batch of one
        return _out.deliver(_batch.correlate(a, v, mode_name, method, -1, lags,
                                             threads=nthreads), out, "correlate")
    if plan is None:
        return _out.deliver(np.correlate(a, v, mode), out, "correlate")
    v = np.conj(v) if v.dtype.kind == "c" else v
    if len(a) >= len(v):
        k0, length = numpy_lags(mode_name, len(a), len(v))
        result_array = correlate_1d(a, v, k0, length, plan, method, nthreads)
    else:
        # NumPy's order: correlate the longer (conjugated) v with a, then
        # reverse; c_k = r_{-k}, so the lags come out increasing.
        k0, length = numpy_lags(mode_name, len(v), len(a))
        result_array = np.ascontiguousarray(correlate_1d(v, a, k0, length, plan, method, nthreads)[::-1])
    return _out.deliver(finish(result_array, result), out, "correlate")


# --------------------------------------------------------------------------
# scipy.signal.convolve2d / correlate2d
# --------------------------------------------------------------------------

def _scipy_2d(in1, in2, mode, boundary, fillvalue, method, convolution, axes, out, threads):
    if axes is None and out is None:
        fast = _fast_2d(in1, in2, mode, boundary, fillvalue, method, threads, convolution)
        if fast is not None:
            return fast
    name = "convolve2d" if convolution else "correlate2d"
    _out.check_array(out, name)
    nthreads = _threads.resolve(threads)
    if axes is not None:
        return _out.deliver(_batch.scipy_2d(name, in1, in2, mode, boundary, fillvalue, method,
                                            axes, convolution, threads=nthreads), out, name)
    in1, in2, swapped, mode_name, boundary_name, method = _validation.scipy_2d_arguments(
        name, in1, in2, mode, boundary, method)
    result = _dtypes.result_dtype(in1, in2)
    plan = _dtypes.plan(result) if result is not None else None
    if plan is None:   # longdouble, object, ...: SciPy's own loop or error
        import scipy.signal
        return _out.deliver(getattr(scipy.signal, name)(in1, in2, mode, boundary, fillvalue),
                            out, name)
    fill = _validation.scipy_fill(boundary_name, fillvalue, result)

    flip_output = False
    if swapped:
        in1, in2 = in2, in1
    if convolution:
        x, w = in1, in2[::-1, ::-1]
    elif swapped:
        # c_k = sum_n in1[n + k] conj(in2[n]) with the original (smaller) in1:
        # correlate conj(larger) with the smaller, then reverse both axes.
        # (SciPy returns the conjugate of this; see README, known differences.)
        x, w = (np.conj(in1) if in1.dtype.kind == "c" else in1), in2
        flip_output = True
    else:
        x, w = in1, (np.conj(in2) if in2.dtype.kind == "c" else in2)

    out_shape, r0, c0 = scipy_offsets(mode_name, x.shape, w.shape, convolution)
    kernel_finite = w.dtype.kind not in "fc" or bool(np.isfinite(w).all())
    window = scipy_window(mode_name, x.shape, w.shape, out_shape, boundary, boundary_name, fill,
                           kernel_finite)
    if window is None:
        result_array = correlate_2d(x, w, out_shape, r0, c0, plan, method, threads=nthreads)
    else:   # the kernels read the extension through a few extended rows at a time
        result_array = correlate_2d(x, w, out_shape, r0, c0, plan, method, boundary_name, fill,
                                    threads=nthreads)
    if flip_output:
        result_array = np.ascontiguousarray(result_array[::-1, ::-1])
    return _out.deliver(finish(result_array, result), out, name)


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0, *, method="auto",
               axes=None, out=None, threads=None):
    """Two-dimensional convolution; a drop-in for `scipy.signal.convolve2d`.

    .. math:: out_{m,n} = \\sum_{j,k} in2_{j,k} \\, in1^{ext}_{m-j,\\,n-k}

    where :math:`in1^{ext}` is `in1` extended by the boundary rule.

    Parameters
    ----------
    in1, in2 : array_like
        2-D inputs.
    mode : {'full', 'valid', 'same'}, optional
        'full' (default): shape ``in1.shape + in2.shape - 1``.
        'valid': complete overlaps only; either input may be the larger one
        (it must be at least as large as the other in every dimension).
        'same': the shape of `in1`, centred on the 'full' output.
    boundary : {'fill', 'wrap', 'symm'}, optional
        How `in1` is extended: 'fill' (alias 'pad') with `fillvalue`, 'wrap'
        (alias 'circular') periodically, 'symm' (alias 'symmetric') by
        half-sample reflection, repeated for kernels larger than the image.
    fillvalue : scalar, optional
        The value of the 'fill' extension, cast to the output dtype (SciPy's
        rules and messages).
    method : {'auto', 'direct', 'im2col', 'fft'}, keyword-only
        See `fastconv.convolve`.
    axes : pair of int, keyword-only, optional
        Run on a batch of images: the two axes holding each image's rows and
        columns (in each input).  All other dimensions (the batch) broadcast
        as NumPy broadcasts (length-1 dimensions prepended to the input with
        fewer): one kernel for a stack of images, or one per image; a 2-D
        input is one image (kernel) for the whole batch, at any `axes`.  The
        axes count in the broadcast number of dimensions; the result has
        the broadcast batch shape and each output's shape along `axes`.
        None (default): SciPy's 2-D function, which rejects other ranks.
    out : ndarray, keyword-only, optional
        Array to receive the result, returned instead of a new one: it must
        have exactly the result's shape (else ValueError) and dtype (else
        TypeError; no casting) and be writeable.  It may overlap the inputs:
        the result is computed first, then copied in.
    threads : int or None, keyword-only
        See `fastconv.convolve`.

    Returns
    -------
    out : ndarray
        Of ``numpy.result_type(in1, in2)``.  Unlike SciPy, bool and float16
        inputs are computed too (float16 accumulated in float32).

    Examples
    --------
    >>> import numpy as np, fastconv
    >>> fastconv.convolve2d([[1, 2], [3, 4]], [[1, 1]])
    array([[1, 3, 2],
           [3, 7, 4]])

    A stack of images, shape (N, H, W), with one kernel:

    >>> fastconv.convolve2d(np.ones((5, 8, 8)), np.ones((3, 3)), 'valid', axes=(-2, -1)).shape
    (5, 6, 6)
    """
    return _scipy_2d(in1, in2, mode, boundary, fillvalue, method, True, axes, out, threads)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0, *, method="auto",
                axes=None, out=None, threads=None):
    """Two-dimensional cross-correlation; a drop-in for `scipy.signal.correlate2d`.

    .. math:: out_{m,n} = \\sum_{j,k} in1^{ext}_{m+j-c_0,\\,n+k-c_1} \\, \\overline{in2_{j,k}}

    Parameters are those of `convolve2d`.  In 'same' mode the window is
    centred at ``c = (K - 1) // 2`` of the kernel (SciPy's convention for
    correlate2d, which differs from `numpy.correlate` for even K).

    Returns
    -------
    out : ndarray
        Of ``numpy.result_type(in1, in2)``.  In 'valid' mode with an `in1`
        smaller than `in2`, the output is the correlation at lags
        ``-(in2.shape - in1.shape) .. 0``, the mathematically right answer;
        for complex inputs SciPy returns its complex conjugate.

    Examples
    --------
    >>> import fastconv
    >>> fastconv.correlate2d([[1, 2, 3]], [[1, 1]], 'valid')
    array([[3, 5]])
    """
    return _scipy_2d(in1, in2, mode, boundary, fillvalue, method, False, axes, out, threads)
