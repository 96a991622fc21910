"""Backward passes of the signal API: the vector-Jacobian products of
`convolve`, `correlate`, `convolve2d` and `correlate2d` with respect to both
of their inputs.

Every forward call is one correlation (see _primitive.py),

    out[i, j] = sum_{p, q} X[i + r0 + p, j + c0 + q] * w[p, q],

of an image X (one input, zero outside its extent, or the window of its
boundary extension) with a kernel w (the other input, reversed for
convolution).  Given g, the gradient of a loss with respect to out:

    grad_w[p, q] = sum_{i, j} g[i, j] * X[i + r0 + p, j + c0 + q]
                 = the same correlation with g as the kernel and w's shape
                   as the output;

    grad_X[m, n] = sum_{p, q} g[m - r0 - p, n - c0 - q] * w[p, q]
                 = the correlation of g (zero outside) with w reversed, at
                   offset (-(r0 + wr - 1), -(c0 + wc - 1)), a transposed
                   convolution.

When X is the boundary extension of the image, the image's gradient is
grad_X folded back by the adjoint of the extension (fc_fold2d): each window
element sends its gradient to the image element it was copied from, and the
fill value, a constant, receives nothing.  A backward pass is therefore two
calls of the forward primitive plus, for 'wrap' and 'symm', one fold; the
modes, swaps and flips of the forward are undone on the way out.
"""
import numpy as np

from fastconv import _batch, _dtypes, _out, _threads, _validation
from fastconv._primitive import correlation_backward, finish
from fastconv._signal_shapes import numpy_lags, scipy_offsets, scipy_window

__all__ = ["convolve_backward", "correlate_backward",
           "convolve2d_backward", "correlate2d_backward"]


# --------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------

def _floating_plan(name, **inputs):
    """(result dtype, compute plan) of real floating inputs, or TypeError."""
    for arg, array in inputs.items():
        if array.dtype.kind != "f" or _dtypes.plan(array.dtype.newbyteorder("=")) is None:
            raise TypeError(
                f"{name}: {arg} has dtype {array.dtype}, but gradients are defined here for "
                f"real floating-point inputs only (float16, float32, float64)")
    result = np.result_type(*inputs.values())
    return result, _dtypes.plan(result)


def _grad_output(name, grad_output, shape, forward_call, plan):
    """grad_output as a C-contiguous array of the compute dtype, checked to
    have the forward's output `shape`."""
    g = np.asarray(grad_output)
    if g.dtype.kind not in "iuf":
        raise TypeError(f"{name}: grad_output has dtype {g.dtype}, but it must be real "
                        f"(integer or floating-point)")
    if g.shape != tuple(shape):
        raise ValueError(f"{name}: grad_output has shape {g.shape}, but {forward_call} "
                         f"returns shape {tuple(shape)}")
    return np.require(g, dtype=plan.compute, requirements=["C", "A"])


def _result(grad, shape, result_dtype):
    """A gradient as a new C-contiguous array of the input's shape and the
    forward's result dtype (float16 was computed in float32)."""
    return finish(np.ascontiguousarray(grad), result_dtype).reshape(shape)


# --------------------------------------------------------------------------
# numpy.convolve / numpy.correlate
# --------------------------------------------------------------------------

def convolve_backward(grad_output, a, v, mode="full", *, method="auto", axis=None, out=None,
                      threads=None):
    """Gradients of `fastconv.convolve` (`numpy.convolve`) with respect to
    both inputs: the vector-Jacobian products of ``convolve(a, v, mode)``.

    With ``out[t] = (a * v)[t + s] = sum_m a[m] v[t + s - m]``, where the
    mode's start is ``s = 0`` ('full'), ``(min(M, N) - 1) // 2`` ('same') or
    ``min(M, N) - 1`` ('valid'), and ``g = grad_output``:

    .. math::

        \\frac{\\partial L}{\\partial a_m} = \\sum_t g_t \\, v_{t + s - m},
        \\qquad
        \\frac{\\partial L}{\\partial v_k} = \\sum_t g_t \\, a_{t + s - k}

    (terms whose index falls outside `a` or `v` are absent).  Each is one
    correlation, computed by the C kernels of the forward pass.

    Parameters
    ----------
    grad_output : array_like
        Gradient of a scalar loss with respect to ``convolve(a, v, mode)``;
        must have that output's shape.  Real (integer or floating-point);
        converted to the forward's computation dtype.
    a, v : array_like
        The forward's inputs (1-D, or 0-d as length 1), real floating-point:
        float16, float32 or float64.
    mode : {'full', 'same', 'valid'} or {2, 1, 0}, optional
        The forward's mode.  As in the forward, whichever input is longer
        plays the signal.
    method : {'auto', 'direct', 'im2col', 'fft'}, keyword-only
        Algorithm of both correlations (see `fastconv.convolve`); all agree
        up to rounding.
    axis : int, keyword-only, optional
        The forward's `axis` (a batch of signals; see `fastconv.convolve`):
        `grad_output` has the forward's batched shape, and the gradient of
        an input broadcast over batch dimensions is summed over them, so
        each gradient has its input's shape.
    out : tuple of two (ndarray or None), keyword-only, optional
        Arrays to receive the two gradients (None: a new array for that
        one), each of exactly its gradient's shape and dtype and writeable;
        they may overlap the inputs.  The pair is returned, with `out`'s
        arrays in it.
    threads : int or None, keyword-only
        Threads of both correlations (see `fastconv.convolve`); results do
        not depend on it.

    Returns
    -------
    grad_a, grad_v : ndarray
        New C-contiguous arrays of the shapes of `a` and `v`, in
        ``numpy.result_type(a, v)`` (float16 is computed in float32).

    Raises
    ------
    TypeError
        An input that is not real floating-point (complex, integer, bool,
        object...), or a complex `grad_output`.
    ValueError
        `grad_output` of the wrong shape (the message gives both shapes), and
        every error of `fastconv.convolve` (empty input, bad mode or method).

    See Also
    --------
    fastconv.convolve : the forward pass.
    fastconv.reference.convolve_backward : the same, from the definition in
        plain Python.

    Examples
    --------
    The gradient of ``sum(convolve(a, v) * g)``:

    >>> import numpy as np, fastconv
    >>> a, v = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0])
    >>> g = np.array([1.0, 0.0, 0.0, 2.0])
    >>> grad_a, grad_v = fastconv.convolve_backward(g, a, v)
    >>> grad_a
    array([0., 0., 2.])
    >>> grad_v
    array([1., 6.])
    """
    nthreads = _threads.resolve(threads)
    if axis is not None:
        return _out.deliver_pair(_batch.numpy_backward(
            "convolve_backward", grad_output, a, v, _validation.numpy_mode(mode),
            _validation.method(method, _validation.SIGNAL_METHODS), axis, True,
            threads=nthreads), out, "convolve_backward")
    a, v = np.asarray(a), np.asarray(v)
    a_shape, v_shape = a.shape, v.shape
    a, v = np.atleast_1d(a), np.atleast_1d(v)
    if len(a) == 0:
        raise ValueError("a cannot be empty")
    if len(v) == 0:
        raise ValueError("v cannot be empty")
    mode_name = _validation.numpy_mode(mode)
    method = _validation.method(method, _validation.SIGNAL_METHODS)
    if a.ndim > 1 or v.ndim > 1:
        raise ValueError("object too deep for desired array")
    result, plan = _floating_plan("convolve_backward", a=a, v=v)

    # convolve(a, v) = correlation of the longer input with the shorter reversed
    swapped = len(v) > len(a)
    x, w = (v, a) if swapped else (a, v)
    k0, length = numpy_lags(mode_name, len(x), len(w))
    g = _grad_output("convolve_backward", grad_output, (length,),
                     f"convolve(a, v, mode={mode_name!r})", plan)
    grad_x, grad_w = correlation_backward(g.reshape(1, -1), x.reshape(1, -1),
                                           w[::-1].reshape(1, -1), 0, k0, plan, method,
                                           threads=nthreads)
    grad_x, grad_w = grad_x[0], grad_w[0, ::-1]
    grad_a, grad_v = (grad_w, grad_x) if swapped else (grad_x, grad_w)
    return _out.deliver_pair((_result(grad_a, a_shape, result), _result(grad_v, v_shape, result)),
                             out, "convolve_backward")


def correlate_backward(grad_output, a, v, mode="valid", *, method="auto", axis=None,
                       out=None, threads=None):
    """Gradients of `fastconv.correlate` (`numpy.correlate`) with respect to
    both inputs: the vector-Jacobian products of ``correlate(a, v, mode)``.

    With ``out[t] = c[k_t] = sum_n a[n + k_t] v[n]``, the lags ``k_t``
    increasing from the mode's first lag (see `fastconv.correlate`; for a
    shorter `a` in 'valid' mode they are ``-(N - M) .. 0``), and
    ``g = grad_output``:

    .. math::

        \\frac{\\partial L}{\\partial a_m} = \\sum_t g_t \\, v_{m - k_t},
        \\qquad
        \\frac{\\partial L}{\\partial v_n} = \\sum_t g_t \\, a_{n + k_t}

    (terms whose index falls outside `a` or `v` are absent).

    Parameters
    ----------
    grad_output : array_like
        Gradient of a scalar loss with respect to ``correlate(a, v, mode)``;
        must have that output's shape.  Real (integer or floating-point).
    a, v : array_like
        The forward's 1-D inputs, real floating-point (float16, float32 or
        float64).
    mode : {'valid', 'same', 'full'} or {0, 1, 2}, optional
        The forward's mode.
    method : {'auto', 'direct', 'im2col', 'fft'}, keyword-only
        See `convolve_backward`.
    axis : int, keyword-only, optional
        The forward's `axis` (a batch of signals; see `fastconv.correlate`):
        `grad_output` has the forward's batched shape, and the gradient of
        an input broadcast over batch dimensions is summed over them, so
        each gradient has its input's shape.
    out : tuple of two (ndarray or None), keyword-only, optional
        Arrays to receive the two gradients (None: a new array for that
        one), each of exactly its gradient's shape and dtype and writeable;
        they may overlap the inputs.  The pair is returned, with `out`'s
        arrays in it.
    threads : int or None, keyword-only
        See `convolve_backward`.

    Returns
    -------
    grad_a, grad_v : ndarray
        New C-contiguous arrays of the shapes of `a` and `v`, in
        ``numpy.result_type(a, v)`` (float16 is computed in float32).

    Raises
    ------
    TypeError, ValueError
        As for `convolve_backward`; 0-d inputs are rejected, as by
        `fastconv.correlate`.

    Examples
    --------
    >>> import numpy as np, fastconv
    >>> a, v = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0])
    >>> fastconv.correlate(a, v)              # lags 0 and 1
    array([-1., -1.])
    >>> grad_a, grad_v = fastconv.correlate_backward([1.0, 10.0], a, v)
    >>> grad_a
    array([  1.,   9., -10.])
    >>> grad_v
    array([21., 32.])
    """
    mode_name = _validation.numpy_mode(mode)
    method = _validation.method(method, _validation.SIGNAL_METHODS)
    nthreads = _threads.resolve(threads)
    if axis is not None:
        return _out.deliver_pair(_batch.numpy_backward(
            "correlate_backward", grad_output, a, v, mode_name, method, axis, False,
            threads=nthreads), out, "correlate_backward")
    a, v = np.asarray(a), np.asarray(v)
    for array in (a, v):
        if array.ndim < 1:
            raise ValueError("object of too small depth for desired array")
        if array.ndim > 1:
            raise ValueError("object too deep for desired array")
    if len(a) == 0:
        raise ValueError("first array argument cannot be empty")
    if len(v) == 0:
        raise ValueError("second array argument cannot be empty")
    result, plan = _floating_plan("correlate_backward", a=a, v=v)

    # correlate(a, v) correlates the longer input with the shorter; with a
    # shorter a, NumPy correlates v with a and reverses the output.
    swapped = len(a) < len(v)
    x, w = (v, a) if swapped else (a, v)
    k0, length = numpy_lags(mode_name, len(x), len(w))
    g = _grad_output("correlate_backward", grad_output, (length,),
                     f"correlate(a, v, mode={mode_name!r})", plan)
    if swapped:
        g = g[::-1]
    grad_x, grad_w = correlation_backward(g.reshape(1, -1), x.reshape(1, -1),
                                           w.reshape(1, -1), 0, k0, plan, method,
                                           threads=nthreads)
    grad_x, grad_w = grad_x[0], grad_w[0]
    grad_a, grad_v = (grad_w, grad_x) if swapped else (grad_x, grad_w)
    return _out.deliver_pair((_result(grad_a, a.shape, result), _result(grad_v, v.shape, result)),
                             out, "correlate_backward")


# --------------------------------------------------------------------------
# scipy.signal.convolve2d / correlate2d
# --------------------------------------------------------------------------

def _scipy_2d_backward(name, grad_output, in1, in2, mode, boundary, fillvalue, method,
                       convolution, axes, out, threads):
    forward = "convolve2d" if convolution else "correlate2d"
    nthreads = _threads.resolve(threads)
    if axes is not None:
        return _out.deliver_pair(_batch.scipy_backward(
            name, grad_output, in1, in2, mode, boundary, fillvalue, method, axes, convolution,
            threads=nthreads), out, name)
    in1, in2, swapped, mode_name, boundary_name, method = _validation.scipy_2d_arguments(
        forward, in1, in2, mode, boundary, method)
    result, plan = _floating_plan(name, in1=in1, in2=in2)
    fill = _validation.scipy_fill(boundary_name, fillvalue, result)

    # The image and kernel of the forward's correlation (_signal._scipy_2d, via _signal_shapes):
    # 'valid' mode lets the larger input play the image; convolution reverses
    # the kernel; a swapped correlation also reverses its output.
    x, w = (in2, in1) if swapped else (in1, in2)
    if convolution:
        w = w[::-1, ::-1]
    out_shape, r0, c0 = scipy_offsets(mode_name, x.shape, w.shape, convolution)
    window = scipy_window(mode_name, x.shape, w.shape, out_shape, boundary,
                                   boundary_name, fill)
    g = _grad_output(name, grad_output, out_shape,
                     f"{forward}(in1, in2, mode={mode_name!r})", plan)
    if swapped and not convolution:
        g = g[::-1, ::-1]
    grad_x, grad_w = correlation_backward(g, x, w, r0, c0, plan, method,
                                           window, boundary_name, fill, nthreads)
    if convolution:
        grad_w = grad_w[::-1, ::-1]
    grad1, grad2 = (grad_w, grad_x) if swapped else (grad_x, grad_w)
    return _out.deliver_pair((_result(grad1, in1.shape, result), _result(grad2, in2.shape, result)),
                             out, name)


def convolve2d_backward(grad_output, in1, in2, mode="full", boundary="fill", fillvalue=0,
                        *, method="auto", axes=None, out=None, threads=None):
    """Gradients of `fastconv.convolve2d` (`scipy.signal.convolve2d`) with
    respect to both inputs: the vector-Jacobian products of
    ``convolve2d(in1, in2, mode, boundary, fillvalue)``.

    With ``out[m, n] = sum_{j, k} in2[j, k] E(in1)[m + s0 - j, n + s1 - k]``,
    where ``E`` extends `in1` by the boundary rule and ``(s0, s1)`` is the
    mode's start (see `fastconv.reference.convolve2d`), and
    ``g = grad_output``:

    .. math::

        \\frac{\\partial L}{\\partial in2_{j,k}}
            = \\sum_{m,n} g_{m,n} \\, E(in1)_{m+s_0-j,\\,n+s_1-k},
        \\qquad
        \\frac{\\partial L}{\\partial in1}
            = E^T \\Big( \\sum_{j,k} g_{m-s_0+j,\\,n-s_1+k} \\, in2_{j,k} \\Big)_{m,n}

    where :math:`E^T`, the adjoint of the extension, adds the gradient of
    each element of the extended image onto the element of `in1` it was
    copied from: 'wrap' and 'symm' fold the gradient back onto `in1`;
    'fill' keeps only the part over `in1` itself.  `fillvalue` is a constant:
    it enters the gradient of `in2` through the padded values and receives
    no gradient.

    Parameters
    ----------
    grad_output : array_like
        Gradient of a scalar loss with respect to the forward's output; must
        have that output's shape.  Real (integer or floating-point).
    in1, in2 : array_like
        The forward's 2-D inputs, real floating-point (float16, float32 or
        float64).
    mode : {'full', 'valid', 'same'}, optional
    boundary : {'fill', 'wrap', 'symm'} (or 'pad', 'circular', 'symmetric'), optional
    fillvalue : scalar, optional
        The forward's arguments, with its rules (including the swap of the
        inputs in 'valid' mode when `in2` is the larger).
    method : {'auto', 'direct', 'im2col', 'fft'}, keyword-only
        See `convolve_backward`.
    axes : pair of int, keyword-only, optional
        The forward's `axes` (a batch of images; see `fastconv.convolve2d`):
        `grad_output` has the forward's batched shape, and the gradient of
        an input broadcast over batch dimensions (a kernel shared by a
        stack) is summed over them, so each gradient has its input's shape.
    out : tuple of two (ndarray or None), keyword-only, optional
        Arrays to receive the two gradients (None: a new array for that
        one), each of exactly its gradient's shape and dtype and writeable;
        they may overlap the inputs.  The pair is returned, with `out`'s
        arrays in it.
    threads : int or None, keyword-only
        See `convolve_backward`.

    Returns
    -------
    grad_in1, grad_in2 : ndarray
        New C-contiguous arrays of the shapes of `in1` and `in2`, in
        ``numpy.result_type(in1, in2)`` (float16 is computed in float32).

    Raises
    ------
    TypeError
        An input that is not real floating-point, or a complex `grad_output`.
    ValueError
        `grad_output` of the wrong shape (the message gives both shapes), and
        every error of `fastconv.convolve2d` (SciPy's messages).

    Examples
    --------
    With 'wrap', the gradient of the wrapped-around elements returns to the
    other edge of `in1`:

    >>> import numpy as np, fastconv
    >>> in1 = np.array([[1.0, 2.0, 3.0]])
    >>> in2 = np.array([[1.0, 1.0]])
    >>> g = np.array([[1.0, 0.0, 0.0]])        # d loss / d out[0, 0] only
    >>> fastconv.convolve2d(in1, in2, 'same', boundary='wrap')
    array([[4., 3., 5.]])
    >>> grad_in1, grad_in2 = fastconv.convolve2d_backward(g, in1, in2, 'same', 'wrap')
    >>> grad_in1                                 # out[0, 0] = in1[0, 0] + in1[0, 2]
    array([[1., 0., 1.]])
    >>> grad_in2
    array([[1., 3.]])
    """
    return _scipy_2d_backward("convolve2d_backward", grad_output, in1, in2, mode, boundary,
                              fillvalue, method, True, axes, out, threads)


def correlate2d_backward(grad_output, in1, in2, mode="full", boundary="fill", fillvalue=0,
                         *, method="auto", axes=None, out=None, threads=None):
    """Gradients of `fastconv.correlate2d` (`scipy.signal.correlate2d`) with
    respect to both inputs: the vector-Jacobian products of
    ``correlate2d(in1, in2, mode, boundary, fillvalue)``.

    With ``out[m, n] = sum_{j, k} E(in1)[m + l0 + j, n + l1 + k] in2[j, k]``,
    output ``(m, n)`` being lag ``(m + l0, n + l1)`` (see
    `fastconv.correlate2d`) and ``g = grad_output``:

    .. math::

        \\frac{\\partial L}{\\partial in2_{j,k}}
            = \\sum_{m,n} g_{m,n} \\, E(in1)_{m+l_0+j,\\,n+l_1+k},
        \\qquad
        \\frac{\\partial L}{\\partial in1}
            = E^T \\Big( \\sum_{j,k} g_{p-l_0-j,\\,q-l_1-k} \\, in2_{j,k} \\Big)_{p,q}

    with :math:`E^T` the adjoint of the boundary extension, as in
    `convolve2d_backward`.

    Parameters
    ----------
    grad_output, in1, in2, mode, boundary, fillvalue, method, axes, out
        As for `convolve2d_backward`, for the forward ``correlate2d``
        (including its 'valid' mode with the smaller `in1`, whose lags run
        from ``-(in2.shape - in1.shape)`` to 0).

    Returns
    -------
    grad_in1, grad_in2 : ndarray
        New C-contiguous arrays of the shapes of `in1` and `in2`, in
        ``numpy.result_type(in1, in2)``.

    Raises
    ------
    TypeError, ValueError
        As for `convolve2d_backward`.

    Examples
    --------
    >>> import numpy as np, fastconv
    >>> in1 = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> in2 = np.array([[1.0, -1.0]])
    >>> fastconv.correlate2d(in1, in2, 'valid')
    array([[-1.],
           [-1.]])
    >>> grad_in1, grad_in2 = fastconv.correlate2d_backward([[1.0], [2.0]], in1, in2, 'valid')
    >>> grad_in1
    array([[ 1., -1.],
           [ 2., -2.]])
    >>> grad_in2
    array([[ 7., 10.]])
    """
    return _scipy_2d_backward("correlate2d_backward", grad_output, in1, in2, mode, boundary,
                              fillvalue, method, False, axes, out, threads)
