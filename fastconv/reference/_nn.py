"""Reference definitions of the CNN layers (torch.nn.functional semantics):
conv1d / conv2d, their transposes and their gradients, each written from its
defining sum with Python loops and Python floats.

Conventions (as in torch): layouts NCL / NCHW; weight (C_out, C_in/G, k...)
for a convolution and (C_in, C_out/G, k...) for a transposed one; a 3-D
(2-D for 1-D layers) input has no batch axis and neither has its result.
Channel c of the input belongs to group c // (C_in/G), output channel o to
group o // (C_out/G).  A padding is an int, a tuple, 'valid' (no padding) or
'same' (stride 1; d*(k-1) zeros in all, the odd one at the end).

The 1-D functions are the 2-D ones applied to (N, C, 1, L) (one input row,
one kernel row, one output row), which is an identity of the definitions.
Arguments are assumed valid; validation is tested on the public functions.
"""
import numpy as np

from fastconv.reference._scalar import to_python


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _pads(padding, kernel, dilation):
    """((top, left), (bottom, right)) zeros of a 2-D padding argument."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple(t // 2 for t in totals), tuple(t - t // 2 for t in totals)
    pads = _pair(padding)
    return pads, pads


def _dtype(*arrays):
    return np.result_type(*[np.asarray(a) for a in arrays if a is not None]).newbyteorder("=")


def _batched(x, nd):
    """(nested lists with a batch axis, whether x had one) of an array."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == nd + 1:
        return [to_python(x)], False
    return to_python(x), True


def _array(values, shape, dtype, batched):
    out = np.array(values, dtype=np.float64).reshape(shape).astype(dtype)
    return out if batched else out[0]


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution layer, from the definition.

    With ``Cg = C_in/G`` input and ``Og = C_out/G`` output channels per group
    and zeros (top, left) before / (bottom, right) after the input::

        y[b, o, i, j] = bias[o] + sum_{c < Cg, r < kH, q < kW}
                        w[o, c, r, q] * x[b, (o // Og)*Cg + c, i*sh - top + r*dh, j*sw - left + q*dw]

    x taken as 0 outside 0 <= row < H, 0 <= column < W, and

        H_out = (H + top + bottom - dh*(kH - 1) - 1) // sh + 1   (W_out alike).
    """
    dtype = _dtype(x, weight, bias)
    xs, batched = _batched(x, 2)
    ws = to_python(np.asarray(weight, dtype=np.float64))
    bs = None if bias is None else to_python(np.asarray(bias, dtype=np.float64))
    n = len(xs)
    _, h, w = np.shape(x)[-3:]
    c_out, cg, kh, kw = np.shape(weight)
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    (top, left), (bottom, right) = _pads(padding, (kh, kw), (dh, dw))
    h_out = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    w_out = (w + left + right - dw * (kw - 1) - 1) // sw + 1
    og = c_out // groups

    out = []
    for b in range(n):
        for o in range(c_out):
            first = (o // og) * cg   # first input channel of o's group
            for i in range(h_out):
                for j in range(w_out):
                    acc = 0.0
                    for c in range(cg):
                        for r in range(kh):
                            for q in range(kw):
                                row, col = i * sh - top + r * dh, j * sw - left + q * dw
                                if 0 <= row < h and 0 <= col < w:
                                    acc += ws[o][c][r][q] * xs[b][first + c][row][col]
                    if bs is not None:
                        acc += bs[o]
                    out.append(acc)
    return _array(out, (n, c_out, h_out, w_out), dtype, batched)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution, from its definition as a scatter: every
    input element adds a scaled copy of its kernel to the output.

    With ``Cg = C_in/G`` and ``Og = C_out/G``, for every b, input channel c,
    input position (i, j) and tap (o', r, q) with o' < Og::

        y[b, (c // Cg)*Og + o', i*sh - ph + r*dh, j*sw - pw + q*dw] += x[b, c, i, j] * w[c, o', r, q]

    when that position is inside the output, which has

        H_out = (H - 1)*sh - 2*ph + dh*(kH - 1) + output_padding_h + 1   (W_out alike)

    rows; then ``y[b, o] += bias[o]``.
    """
    dtype = _dtype(x, weight, bias)
    xs, batched = _batched(x, 2)
    ws = to_python(np.asarray(weight, dtype=np.float64))
    bs = None if bias is None else to_python(np.asarray(bias, dtype=np.float64))
    n = len(xs)
    c_in, h, w = np.shape(x)[-3:]
    _, og, kh, kw = np.shape(weight)
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    oph, opw = _pair(output_padding)
    h_out = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    w_out = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    c_out, cg = og * groups, c_in // groups

    y = [[[[0.0] * w_out for _ in range(h_out)] for _ in range(c_out)] for _ in range(n)]
    for b in range(n):
        for c in range(c_in):
            first = (c // cg) * og   # first output channel of c's group
            for i in range(h):
                for j in range(w):
                    for o in range(og):
                        for r in range(kh):
                            for q in range(kw):
                                row, col = i * sh - ph + r * dh, j * sw - pw + q * dw
                                if 0 <= row < h_out and 0 <= col < w_out:
                                    y[b][first + o][row][col] += xs[b][c][i][j] * ws[c][o][r][q]
    if bs is not None:
        for b in range(n):
            for o in range(c_out):
                for row in range(h_out):
                    for col in range(w_out):
                        y[b][o][row][col] += bs[o]
    return _array(y, (n, c_out, h_out, w_out), dtype, batched)


def conv2d_backward(grad_output, x, weight, stride=1, padding=0, dilation=1, groups=1,
                    output_mask=(True, True, True)):
    """Gradients of conv2d(x, weight, bias, ...) for dL/dy = grad_output, from
    the chain rule on the definition of `conv2d`: every term
    ``w[o, c, r, q] * x[b, first + c, row, col]`` of ``y[b, o, i, j]`` gives::

        grad_input[b, first + c, row, col] += gy[b, o, i, j] * w[o, c, r, q]
        grad_weight[o, c, r, q]            += gy[b, o, i, j] * x[b, first + c, row, col]

    (row, col inside the input), and ``grad_bias[o] = sum_{b, i, j} gy[b, o, i, j]``.
    Returns (grad_input, grad_weight, grad_bias), None where output_mask is False.
    """
    dtype = _dtype(grad_output, x, weight)
    xs, batched = _batched(x, 2)
    gys, _ = _batched(grad_output, 2)
    ws = to_python(np.asarray(weight, dtype=np.float64))
    n = len(xs)
    c_in, h, w = np.shape(x)[-3:]
    c_out, cg, kh, kw = np.shape(weight)
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    (top, left), _ = _pads(padding, (kh, kw), (dh, dw))
    h_out, w_out = np.shape(grad_output)[-2:]
    og = c_out // groups

    gx = [[[[0.0] * w for _ in range(h)] for _ in range(c_in)] for _ in range(n)]
    gw = [[[[0.0] * kw for _ in range(kh)] for _ in range(cg)] for _ in range(c_out)]
    gb = [0.0] * c_out
    for b in range(n):
        for o in range(c_out):
            first = (o // og) * cg
            for i in range(h_out):
                for j in range(w_out):
                    g = gys[b][o][i][j]
                    gb[o] += g
                    for c in range(cg):
                        for r in range(kh):
                            for q in range(kw):
                                row, col = i * sh - top + r * dh, j * sw - left + q * dw
                                if 0 <= row < h and 0 <= col < w:
                                    gx[b][first + c][row][col] += g * ws[o][c][r][q]
                                    gw[o][c][r][q] += g * xs[b][first + c][row][col]
    want_input, want_weight, want_bias = output_mask
    grad_input = _array(gx, (n, c_in, h, w), dtype, batched) if want_input else None
    grad_weight = np.array(gw, dtype=np.float64).reshape(np.shape(weight)).astype(dtype) \
        if want_weight else None
    grad_bias = np.array(gb, dtype=np.float64).reshape(c_out).astype(dtype) \
        if want_bias else None
    return grad_input, grad_weight, grad_bias


# --------------------------------------------------------------------------
# 1-D: the 2-D definitions on one row
# --------------------------------------------------------------------------

def _row(a):
    """(N, C, L) -> (N, C, 1, L), or (C, L) -> (C, 1, L)."""
    a = np.asarray(a)
    return a.reshape(a.shape[:-1] + (1,) + a.shape[-1:])


def _unrow(a):
    return None if a is None else a.reshape(a.shape[:-2] + a.shape[-1:])


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution layer::

        y[b, o, i] = bias[o] + sum_{c < Cg, k < K} w[o, c, k] * x[b, (o // Og)*Cg + c, i*s - p + k*d]

    with ``L_out = (L + p_before + p_after - d*(K - 1) - 1) // s + 1``: `conv2d`
    on one row."""
    return _unrow(conv2d(_row(x), _row(weight), bias, (1, _int(stride)), _pad1(padding),
                         (1, _int(dilation)), groups))


def conv_transpose1d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution::

        y[b, (c // Cg)*Og + o', i*s - p + k*d] += x[b, c, i] * w[c, o', k]

    with ``L_out = (L - 1)*s - 2p + d*(K - 1) + output_padding + 1``, plus
    bias: `conv_transpose2d` on one row."""
    return _unrow(conv_transpose2d(_row(x), _row(weight), bias, (1, _int(stride)),
                                   (0, _int(padding)), (0, _int(output_padding)), groups,
                                   (1, _int(dilation))))


def conv1d_backward(grad_output, x, weight, stride=1, padding=0, dilation=1, groups=1,
                    output_mask=(True, True, True)):
    """Gradients of `conv1d`::

        grad_input[b, (o // Og)*Cg + c, i*s - p + k*d] += gy[b, o, i] * w[o, c, k]
        grad_weight[o, c, k] = sum_{b, i} gy[b, o, i] * x[b, (o // Og)*Cg + c, i*s - p + k*d]
        grad_bias[o]         = sum_{b, i} gy[b, o, i]

    `conv2d_backward` on one row."""
    gx, gw, gb = conv2d_backward(_row(grad_output), _row(x), _row(weight), (1, _int(stride)),
                                 _pad1(padding), (1, _int(dilation)), groups, output_mask)
    return _unrow(gx), _unrow(gw), gb


def _int(value):
    """The single value of a 1-D parameter given as int or 1-tuple."""
    return value if isinstance(value, int) else tuple(value)[0]


def _pad1(padding):
    return padding if isinstance(padding, str) else (0, _int(padding))


def relu(x):
    """The rectifier (`torch.nn.functional.relu`)::

        y[...] = 0 if x[...] < 0 else x[...]      (NaN and -0.0 pass)
    """
    x = np.asarray(x)
    values = [0.0 if v < 0 else v for v in (to_python(e) for e in x.ravel())]
    return np.array(values, dtype=x.dtype).reshape(x.shape)


def relu_backward(grad_output, output):
    """Gradient of `relu` (torch's threshold_backward at 0)::

        grad_input[...] = 0 if output[...] <= 0 else grad_output[...]
    """
    g, y = np.asarray(grad_output), np.asarray(output)
    dtype = np.result_type(g, y)
    values = [0.0 if to_python(b) <= 0 else to_python(a) for a, b in zip(g.ravel(), y.ravel())]
    return np.array(values, dtype=dtype).reshape(g.shape)
