"""Reference definitions of the backward passes of the signal API.

Each forward output is a sum of products, out[t] = sum x * w over the terms
of the defining sum (see _signal.py beside this file).  With g the gradient
of a loss L with respect to out, the chain rule gives

    dL/dx = sum over every term (t, x, w) of g[t] * w,
    dL/dw = sum over every term (t, x, w) of g[t] * x,

and that is all these functions do: they enumerate the forward's terms with
the forward's own index arithmetic and send g[t] times the partner factor to
each factor's gradient.  Where the factor is a boundary value of
convolve2d/correlate2d, the gradient goes to the element of in1 it was
copied from ('wrap', 'symm'), or nowhere (the 'fill' value is a constant).

Inputs are real floating-point and assumed valid; sums are Python floats
(double precision), cast once to numpy.result_type of the inputs.
"""
import numpy as np

from fastconv.reference._scalar import to_python
from fastconv.reference._signal import _lag_range, _result_dtype, _convolve_window


def _floats(array, dtype):
    """Flat list of Python floats of `array` as `dtype` (its shape aside)."""
    return to_python(np.asarray(array).astype(dtype).ravel())


def _as_result(values, shape, dtype):
    return np.array(values, dtype=np.float64).reshape(shape).astype(dtype)


def convolve_backward(grad_output, a, v, mode="full"):
    """Gradients of numpy.convolve(a, v, mode) with respect to a and v.

    The forward is out[t] = sum_m a[m] * v[n - m] with n = t + s (s the
    mode's start, see convolve), so

        grad_a[m] = sum_t g[t] * v[t + s - m],
        grad_v[k] = sum_t g[t] * a[t + s - k],

    each sum over the indices inside the arrays.  Returns (grad_a, grad_v)
    of the shapes of a and v.
    """
    dtype = _result_dtype(a, v)
    av, vv, g = _floats(a, dtype), _floats(v, dtype), _floats(grad_output, np.float64)
    na, nv = len(av), len(vv)
    start, length = _convolve_window(mode, na, nv)
    grad_a, grad_v = [0.0] * na, [0.0] * nv
    for t in range(length):
        n = t + start
        for m in range(na):
            if 0 <= n - m < nv:   # the term a[m] * v[n - m]
                grad_a[m] += g[t] * vv[n - m]
                grad_v[n - m] += g[t] * av[m]
    return (_as_result(grad_a, np.shape(a), dtype),
            _as_result(grad_v, np.shape(v), dtype))


def correlate_backward(grad_output, a, v, mode="valid"):
    """Gradients of numpy.correlate(a, v, mode) with respect to a and v.

    The forward is out[t] = c_k = sum_n a[n + k] * v[n], k the t-th lag of
    the mode (see correlate), so

        grad_a[m] = sum_t g[t] * v[m - k_t],
        grad_v[n] = sum_t g[t] * a[n + k_t],

    each sum over the indices inside the arrays.
    """
    dtype = _result_dtype(a, v)
    av, vv, g = _floats(a, dtype), _floats(v, dtype), _floats(grad_output, np.float64)
    grad_a, grad_v = [0.0] * len(av), [0.0] * len(vv)
    for t, k in enumerate(_lag_range(mode, len(av), len(vv))):
        for n in range(len(vv)):
            if 0 <= n + k < len(av):   # the term a[n + k] * v[n]
                grad_a[n + k] += g[t] * vv[n]
                grad_v[n] += g[t] * av[n + k]
    return (_as_result(grad_a, np.shape(a), dtype),
            _as_result(grad_v, np.shape(v), dtype))


def _source(i, j, rows, cols, boundary):
    """The element (i', j') of in1 that position (i, j) of its boundary
    extension copies, or None where the extension is the fill value."""
    if 0 <= i < rows and 0 <= j < cols:
        return i, j
    if boundary in ("fill", "pad"):
        return None
    if boundary in ("wrap", "circular"):
        return i % rows, j % cols

    def reflect(k, n):   # 'symm': half-sample reflection, period 2n
        k %= 2 * n
        return k if k < n else 2 * n - 1 - k
    return reflect(i, rows), reflect(j, cols)


def _scipy_2d_backward(grad_output, in1, in2, mode, boundary, fillvalue, convolution):
    """Both 2-D backward passes, over the terms of reference._signal._scipy_2d:

    convolution:  full[m'] = sum_j in2[j] * ext(in1)[m' - j]
    correlation:  full[m'] = sum_j ext(in1)[m' - (K - 1) + j] * in2[j]

    (per axis), output m being full index m + start.
    """
    in1, in2 = np.asarray(in1), np.asarray(in2)
    dtype = _result_dtype(in1, in2)
    s1, s2 = in1.shape, in2.shape
    in1_smaller = mode == "valid" and not all(a >= b for a, b in zip(s1, s2))
    swapped = in1_smaller and convolution
    if swapped:
        # convolution is commutative: the larger input plays the image
        in1, in2, s1, s2 = in2, in1, s2, s1
        in1_smaller = False
    if mode == "valid":
        boundary, fillvalue = "fill", 0   # 'valid' never reaches past the data
    x = to_python(in1.astype(dtype))
    w = to_python(in2.astype(dtype))
    g = to_python(np.asarray(grad_output, dtype=np.float64))
    fill = float(np.asarray(fillvalue).astype(dtype)) if boundary in ("fill", "pad") else None

    if mode == "full":
        shape, start = (s1[0] + s2[0] - 1, s1[1] + s2[1] - 1), (0, 0)
    elif mode == "same":
        shape = s1
        if convolution:
            start = ((s2[0] - 1) // 2, (s2[1] - 1) // 2)
        else:
            start = (s2[0] // 2, s2[1] // 2)
    elif in1_smaller:   # correlation with the smaller in1: lags -(s2 - s1) .. 0
        shape, start = (s2[0] - s1[0] + 1, s2[1] - s1[1] + 1), (s1[0] - 1, s1[1] - 1)
    else:
        shape, start = (s1[0] - s2[0] + 1, s1[1] - s2[1] + 1), (s2[0] - 1, s2[1] - 1)

    grad1 = [[0.0] * s1[1] for _ in range(s1[0])]
    grad2 = [[0.0] * s2[1] for _ in range(s2[0])]
    for m in range(shape[0]):
        for n in range(shape[1]):
            fm, fn = m + start[0], n + start[1]
            for j in range(s2[0]):
                for k in range(s2[1]):
                    if convolution:
                        i1, j1 = fm - j, fn - k
                    else:
                        i1, j1 = fm - (s2[0] - 1) + j, fn - (s2[1] - 1) + k
                    # the term ext(in1)[i1, j1] * in2[j, k]
                    src = _source(i1, j1, s1[0], s1[1], boundary)
                    grad2[j][k] += g[m][n] * (fill if src is None else x[src[0]][src[1]])
                    if src is not None:
                        grad1[src[0]][src[1]] += g[m][n] * w[j][k]
    if swapped:
        grad1, grad2, s1, s2 = grad2, grad1, s2, s1
    return _as_result(grad1, s1, dtype), _as_result(grad2, s2, dtype)


def convolve2d_backward(grad_output, in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Gradients of scipy.signal.convolve2d with respect to in1 and in2.

    The forward is out[m, n] = sum_{j, k} in2[j, k] * ext(in1)[m + s0 - j, n + s1 - k]
    (see convolve2d), so

        grad_in2[j, k] = sum_{m, n} g[m, n] * ext(in1)[m + s0 - j, n + s1 - k],
        grad_in1[p, q] = sum of g[m, n] * in2[j, k] over the terms whose
                         ext(in1) element is a copy of in1[p, q],

    the fill value being a constant that receives no gradient.
    """
    return _scipy_2d_backward(grad_output, in1, in2, mode, boundary, fillvalue,
                              convolution=True)


def correlate2d_backward(grad_output, in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Gradients of scipy.signal.correlate2d (fastconv's lag convention) with
    respect to in1 and in2.

    The forward is out[m, n] = sum_{j, k} ext(in1)[m + l0 + j, n + l1 + k] * in2[j, k]
    (see correlate2d), so

        grad_in2[j, k] = sum_{m, n} g[m, n] * ext(in1)[m + l0 + j, n + l1 + k],
        grad_in1[p, q] = sum of g[m, n] * in2[j, k] over the terms whose
                         ext(in1) element is a copy of in1[p, q].
    """
    return _scipy_2d_backward(grad_output, in1, in2, mode, boundary, fillvalue,
                              convolution=False)
