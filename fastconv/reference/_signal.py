"""Reference definitions of the signal API (numpy.convolve / correlate,
scipy.signal.convolve2d / correlate2d semantics)."""
import numpy as np

from fastconv.reference._scalar import mac, to_dtype, to_python, zero_of


def _result_dtype(a, b):
    return np.result_type(a, b).newbyteorder("=")


def _lag_range(mode, na, nv):
    """Lags k, in output order, of numpy.correlate(a, v, mode) for lengths na, nv.

    'full': every k with an overlap, -(nv-1) .. na-1.
    'same': max(na, nv) lags; NumPy crops the full range in the orientation
    where the longer input comes first, dropping (shorter // 2) lags at the
    start of that orientation.
    'valid': the lags where the shorter input overlaps the longer one fully.
    """
    if mode == "full":
        return range(-(nv - 1), na)
    if mode == "same":
        if na >= nv:
            start = -(nv // 2)
        else:
            # longer-first orientation has lags -(na-1)..nv-1 of the reversed
            # sequence; dropping na // 2 of them there leaves these here
            start = na // 2 - nv + 1
        return range(start, start + max(na, nv))
    if na >= nv:
        return range(0, na - nv + 1)
    return range(-(nv - na), 1)


def correlate(a, v, mode="valid"):
    """numpy.correlate: c_k = sum_n a[n + k] * conj(v[n]), lags per `_lag_range`.

    a[i] is zero outside 0 <= i < len(a).
    """
    dtype = _result_dtype(a, v)
    av, vv = to_python(np.asarray(a).astype(dtype)), to_python(np.asarray(v).astype(dtype))
    vv = [x.conjugate() if isinstance(x, complex) else x for x in vv]
    out = []
    for k in _lag_range(mode, len(av), len(vv)):
        acc = zero_of(dtype)
        for n in range(len(vv)):
            if 0 <= n + k < len(av):
                acc = mac(acc, av[n + k], vv[n], dtype)
        out.append(acc)
    return to_dtype(out, dtype)


def _convolve_window(mode, na, nv):
    """(s, length) of numpy.convolve's output: output t is full index t + s."""
    short, long_ = min(na, nv), max(na, nv)
    if mode == "full":
        return 0, na + nv - 1
    if mode == "same":
        return (short - 1) // 2, long_
    return short - 1, long_ - short + 1


def convolve(a, v, mode="full"):
    """numpy.convolve: (a * v)[n] = sum_m a[m] * v[n - m].

    Output index t is n = t + s with s = 0 ('full'), (min(M, N) - 1) // 2
    ('same', length max(M, N)) or min(M, N) - 1 ('valid', length
    max(M, N) - min(M, N) + 1).
    """
    dtype = _result_dtype(a, v)
    av, vv = to_python(np.asarray(a).astype(dtype)), to_python(np.asarray(v).astype(dtype))
    na, nv = len(av), len(vv)
    start, length = _convolve_window(mode, na, nv)
    out = []
    for n in range(start, start + length):
        acc = zero_of(dtype)
        for m in range(na):
            if 0 <= n - m < nv:
                acc = mac(acc, av[m], vv[n - m], dtype)
        out.append(acc)
    return to_dtype(out, dtype)


def _extended(image, i, j, boundary, fill):
    """image[i][j] extended beyond its edges by SciPy's boundary rule."""
    rows, cols = len(image), len(image[0]) if image else 0
    if boundary in ("fill", "pad"):
        if 0 <= i < rows and 0 <= j < cols:
            return image[i][j]
        return fill
    if boundary in ("wrap", "circular"):
        return image[i % rows][j % cols]
    # 'symm' / 'symmetric': half-sample reflection, period 2n
    def reflect(k, n):
        k %= 2 * n
        return k if k < n else 2 * n - 1 - k
    return image[reflect(i, rows)][reflect(j, cols)]


def _scipy_2d(in1, in2, mode, boundary, fillvalue, convolution):
    """Both 2-D functions, written over the index m' of the 'full' output.

    convolution:  full[m'] = sum_j in2[j] * ext(in1)[m' - j]
    correlation:  full[m'] = sum_j ext(in1)[m' - (K - 1) + j] * conj(in2[j])
                  (lag m' - (K - 1), as numpy.correlate)

    (per axis; K is in2's extent).  Output m is full index m + start.
    """
    in1, in2 = np.asarray(in1), np.asarray(in2)
    dtype = _result_dtype(in1, in2)
    s1, s2 = in1.shape, in2.shape
    in1_smaller = mode == "valid" and not all(a >= b for a, b in zip(s1, s2))
    if in1_smaller and convolution:
        # convolution is commutative: let the larger input play the image
        in1, in2, s1, s2 = in2, in1, s2, s1
        in1_smaller = False
    if mode == "valid":
        boundary, fillvalue = "fill", 0   # 'valid' never reaches past the data
    x = to_python(in1.astype(dtype))
    w = to_python(in2.astype(dtype))
    fill = to_python(np.asarray(fillvalue).astype(dtype)) if boundary in ("fill", "pad") else None
    if not convolution:
        w = [[v.conjugate() if isinstance(v, complex) else v for v in row] for row in w]

    if mode == "full":
        shape = (s1[0] + s2[0] - 1, s1[1] + s2[1] - 1)
        start = (0, 0)
    elif mode == "same":
        shape = s1
        if convolution:
            start = ((s2[0] - 1) // 2, (s2[1] - 1) // 2)
        else:
            start = (s2[0] // 2, s2[1] // 2)
    elif in1_smaller:   # correlation with the smaller in1: lags -(s2 - s1) .. 0
        shape = (s2[0] - s1[0] + 1, s2[1] - s1[1] + 1)
        start = (s1[0] - 1, s1[1] - 1)
    else:
        shape = (s1[0] - s2[0] + 1, s1[1] - s2[1] + 1)
        start = (s2[0] - 1, s2[1] - 1)

    out = np.empty(shape, dtype=dtype)
    for m in range(shape[0]):
        for n in range(shape[1]):
            fm, fn = m + start[0], n + start[1]
            acc = zero_of(dtype)
            for j in range(s2[0]):
                for k in range(s2[1]):
                    if convolution:
                        a = _extended(x, fm - j, fn - k, boundary, fill)
                    else:
                        a = _extended(x, fm - (s2[0] - 1) + j, fn - (s2[1] - 1) + k,
                                      boundary, fill)
                    acc = mac(acc, a, w[j][k], dtype)
            out[m, n] = to_dtype(acc, dtype)
    return out


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """scipy.signal.convolve2d:

        out[m, n] = sum_{j, k} in2[j, k] * ext(in1)[m + s0 - j, n + s1 - k]

    with (s0, s1) = 0 ('full'), ((K - 1) // 2) per axis ('same', shape of in1),
    K - 1 ('valid', where in2 fits inside in1; the inputs are swapped when in2
    is the larger one).  ext extends in1 by `boundary`: 'fill' with
    `fillvalue`, 'wrap' periodically, 'symm' by half-sample reflection.
    """
    return _scipy_2d(in1, in2, mode, boundary, fillvalue, convolution=True)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """scipy.signal.correlate2d, with the lag convention of numpy.correlate:

        out[m, n] = sum_{j, k} ext(in1)[m + l0 + j, n + l1 + k] * conj(in2[j, k])

    where output (m, n) is lag (m + l0, n + l1), per axis l = -(K - 1)
    ('full'), -((K - 1) // 2) ('same', shape of in1; SciPy's centre for
    correlate2d) or 0 ('valid').  When in1 is the smaller input in 'valid'
    mode the lags run from -(in2.shape - in1.shape) to 0: the mathematically
    right answer (SciPy returns its complex conjugate).
    """
    return _scipy_2d(in1, in2, mode, boundary, fillvalue, convolution=False)
