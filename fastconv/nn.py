"""fastconv.nn: CNN convolution layers with the semantics of
`torch.nn.functional`, on NumPy arrays, forward and backward, and the
rectifier (`relu`, `relu_backward`) that a training loop puts between them.

Layouts are NCL (1-D) and NCHW (2-D); weights are (C_out, C_in/groups, k...)
for convolutions and (C_in, C_out/groups, k...) for transposed convolutions;
unbatched inputs (C, L) / (C, H, W) give unbatched results.  A layer is a
cross-correlation (no kernel flip, no conjugation):

    y[b, o, i, j] = bias[o] + sum_{c, r, q} w[o, c, r, q]
                    * x[b, g*C_in/groups + c, i*s_h - p_h + r*d_h, j*s_w - p_w + q*d_w]

with x zero outside its extent and g = o // (C_out/groups) the group of o.

Every function has two implementations, chosen by ``method``: 'direct'
(C loop nests over the defining sums, no workspace) and 'im2col' (column
matrix tiles in C, products by BLAS GEMM), plus 'auto'.  The C core knows
only three kernels: forward, grad_input and grad_weight of a 2-D layer;
conv1d is conv2d with H = 1, and conv_transpose is the grad_input of the
convolution it transposes, plus its bias.  Output sizes are computed in
fastconv/_nn_shapes.py and nowhere else.
"""
import numpy as np

from fastconv import _blas_threads  # noqa: F401 - one BLAS thread in the im2col loops
from fastconv import (_block_cache, _config, _dtypes, _isa, _method, _nn_shapes, _out, _threads,
                      _validation, _winograd)
from fastconv._ext import _nn as _ext

__all__ = [
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv1d_backward",
    "conv2d_backward",
    "relu",
    "relu_backward",
]

# the shared method names, plus Winograd for the 3x3 stride-1 layers
_NN_METHODS = _validation.METHODS + ("winograd",)


# --------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------

def _float_array(a, name, fname):
    """a as an ndarray, which must hold float16, float32 or float64."""
    a = np.asarray(a)
    if a.dtype.kind != "f" or a.dtype.itemsize not in (2, 4, 8):
        raise TypeError(f"{fname}: {name} has dtype {a.dtype}; fastconv.nn computes in "
                        f"float16 (as float32), float32 or float64")
    return a


def _plan(*arrays):
    """(result dtype, computation plan) of the arrays: NumPy's promotion,
    float16 computed in float32."""
    result = np.result_type(*arrays).newbyteorder("=")
    return result, _dtypes.plan(result)


def _kernel_input(a, shape, plan):
    """a as an aligned C-contiguous array of the compute dtype with the
    kernel's shape (a copy only when a is not already like that; never the
    caller's array made writeable)."""
    return np.require(a, dtype=plan.compute, requirements=["C", "A"]).reshape(shape)


def _output_array(out, kernel_shape, public_shape, result, plan, fname, *inputs):
    """The array a layer's kernel writes into: `out` itself (checked, seen in
    the kernel's shape) when it is C-contiguous, aligned, of the compute
    dtype and shares no memory with an input; otherwise a new array (the
    result is then copied into `out` by _out.deliver).  Returns (array,
    True when it is `out`)."""
    if out is not None:
        _out.check(out, public_shape, result, fname)
        if (out.dtype == plan.compute and out.flags.c_contiguous and out.flags.aligned
                and not _out.must_buffer(out, *inputs)):
            return out.reshape(kernel_shape), True
    return _block_cache.empty_output(kernel_shape, plan.compute), False


def _finish(out, result, shape):
    """The computed array in the result dtype and public shape (float16
    results that overflow become inf silently, as in torch and NumPy)."""
    if out.dtype != result:
        with np.errstate(over="ignore"):
            out = out.astype(result)
    return out if out.shape == shape else out.reshape(shape)


# --------------------------------------------------------------------------
# method choice
# --------------------------------------------------------------------------

def _nn_method(method):
    """Validated `method`: the shared names, plus 'winograd' for the layers."""
    if isinstance(method, str) and method in _NN_METHODS:
        return method
    raise ValueError(f"method must be one of {', '.join(map(repr, _NN_METHODS))} "
                     f"(got {method!r})")


def _choose_method(method, op, g, fname="conv2d"):
    """'direct', 'im2col' or 'winograd' for kernel op ('forward',
    'grad_input', 'grad_weight') on geometry g.

    'auto' is the rule of fastconv._method (the one module that chooses
    methods), measured on the CNN grid (docs/guide/cnn_performance.rst):
    the direct kernels for thin layers (up to 4 output channels per group:
    depthwise layers, 1-D filters, thin groups) and, at the AVX-512 level,
    for the forward and stride-1 grad_input of every layer its dense row
    kernel takes; im2col + GEMM otherwise; the direct grad_weight for one
    output channel per group.

    'auto' never picks 'winograd': its error exceeds the elementwise bound
    every other method meets (docs/guide/accuracy.rst) on inputs of mixed
    magnitude, for every tile size (docs/guide/winograd.rst);
    _winograd.faster_than_im2col holds its measured crossover.
    """
    method = _nn_method(method)
    if method == "winograd":
        _winograd.check_applicable(fname, g)
        if op == "grad_weight":     # no Winograd grad_weight: the rule of 'auto'
            return _choose_method("auto", op, g)
        return method
    if method != "auto":
        return method
    return _method.choose("nn_" + op, g, None).label


def _run(kernel, method, *args, nthreads=1):
    if method == "winograd":
        _winograd.run(kernel is _ext.conv2d_grad_input, *args, nthreads=nthreads)
        return
    kernel(*args, method == "im2col", _config.nn_tile_bytes(), nthreads, _isa.current)


# --------------------------------------------------------------------------
# forward
# --------------------------------------------------------------------------

def _layer_inputs(fname, x, weight, bias, method):
    """(x, weight, bias, result dtype, plan) of a layer's arguments, validated."""
    x = _float_array(x, "input", fname)
    weight = _float_array(weight, "weight", fname)
    arrays = [x, weight]
    if bias is not None:
        bias = _float_array(bias, "bias", fname)
        arrays.append(bias)
    _nn_method(method)
    result, plan = _plan(*arrays)
    return x, weight, bias, result, plan


def _conv(fname, nd, x, weight, bias, stride, padding, dilation, groups, method, out, threads):
    nthreads = _threads.resolve(threads)
    _out.check_array(out, fname)
    x, weight, bias, result, plan = _layer_inputs(fname, x, weight, bias, method)
    layer = _nn_shapes.conv_layer(fname, nd, x.shape, weight.shape,
                                  None if bias is None else bias.shape,
                                  stride, padding, dilation, groups, plan.compute.itemsize)
    g = layer.geometry
    y, into_out = _output_array(out, g.y_shape, layer.out_shape, result, plan, fname,
                                x, weight, bias)
    _run(_ext.conv2d_forward, _choose_method(method, "forward", g, fname),
         _kernel_input(x, g.x_shape, plan), _kernel_input(weight, g.w_shape, plan),
         None if bias is None else _kernel_input(bias, (g.c_out,), plan),
         y, tuple(g), plan.code, nthreads=nthreads)
    if into_out:
        return out
    return _out.deliver(_finish(y, result, layer.out_shape), out, fname)


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method="auto",
           out=None, threads=None):
    """1-D convolution layer (cross-correlation), like `torch.nn.functional.conv1d`.

    .. math::

        y[b, o, i] = \\mathrm{bias}[o] + \\sum_{c < C_{in}/G} \\sum_{k < K}
                     w[o, c, k] \\, x[b, g C_{in}/G + c, \\; i s - p + k d]

    where :math:`g = \\lfloor o / (C_{out}/G) \\rfloor` is the group of output
    channel o and x is zero outside ``0 <= index < L``.

    Parameters
    ----------
    x : array_like, shape (N, C_in, L) or (C_in, L)
        Input; an unbatched input gives an unbatched result.
    weight : array_like, shape (C_out, C_in / groups, K)
    bias : array_like, shape (C_out,), optional
    stride : int or 1-tuple, optional
    padding : int, 1-tuple, 'valid' or 'same', optional
        Zeros on both sides.  'valid' is 0; 'same' (stride 1 only) gives an
        output of length L with ``d*(K-1)`` zeros in all, the odd one on the
        right.
    dilation : int or 1-tuple, optional
        Spacing d between kernel taps.
    groups : int, optional
        C_in and C_out are split into this many groups, each convolved with
        its own slice of the weight (groups == C_in: depthwise).
    method : {'auto', 'direct', 'im2col'}, keyword-only
        Algorithm; all give the same result up to floating-point rounding.
    out : ndarray, keyword-only, optional
        Array to receive the result, returned instead of a new one: exactly
        the result's shape (else ValueError) and dtype (else TypeError; no
        casting), writeable.  A C-contiguous `out` that shares no memory
        with the inputs is written by the kernels directly; otherwise the
        result is computed first, then copied in (an `out` overlapping an
        input is allowed).
    threads : int or None, keyword-only
        OpenMP threads (None: ``fastconv``'s default, FASTCONV_NUM_THREADS or
        all cores; negative: counted back from the number of cores).  The
        result does not depend on it (docs/guide/cnn_performance.rst).

    Returns
    -------
    y : ndarray, shape (N, C_out, L_out) or (C_out, L_out)
        ``L_out = floor((L + 2p - d*(K-1) - 1) / s) + 1``.  dtype:
        ``numpy.result_type`` of the inputs (float16 is computed in float32).

    Raises
    ------
    ValueError
        Shapes or parameters torch rejects (the message names the shapes).
    TypeError
        Inputs that are not float16/32/64, parameters that are not ints.

    Examples
    --------
    >>> import numpy as np
    >>> from fastconv import nn
    >>> x = np.array([[[1.0, 2.0, 3.0, 4.0]]])          # (N=1, C=1, L=4)
    >>> nn.conv1d(x, np.array([[[1.0, -1.0]]]))           # differences
    array([[[-1., -1., -1.]]])
    >>> nn.conv1d(x, np.ones((1, 1, 3)), padding='same')
    array([[[3., 6., 9., 7.]]])
    """
    return _conv("conv1d", 1, x, weight, bias, stride, padding, dilation, groups, method, out,
                 threads)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method="auto",
           out=None, threads=None):
    """2-D convolution layer (cross-correlation), like `torch.nn.functional.conv2d`.

    .. math::

        y[b, o, i, j] = \\mathrm{bias}[o] + \\sum_{c, r, q} w[o, c, r, q]
                        \\, x[b, g C_{in}/G + c, \\; i s_h - p_h + r d_h, \\; j s_w - p_w + q d_w]

    summed over ``c < C_in/groups``, ``r < kH``, ``q < kW``; g is the group of
    output channel o and x is zero outside its extent.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or 2-tuple, optional
    padding : int, 2-tuple, 'valid' or 'same', optional
        'same' (stride 1 only) keeps H x W, the odd zero of an even effective
        kernel going to the bottom / right, as in torch.
    groups : int, optional
    method : {'auto', 'direct', 'im2col', 'winograd'}, keyword-only
        'winograd' (3x3 kernels, stride 1, dilation 1 only, else ValueError):
        Winograd's F(4x4, 3x3), fewer multiplications and a larger rounding
        error (docs/guide/winograd.rst); 'auto' never picks it.
    out : ndarray, keyword-only, optional
        See `conv1d`.
    threads : int or None, keyword-only
        See `conv1d`.

    Returns
    -------
    y : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = floor((H + 2p_h - d_h*(kH-1) - 1) / s_h) + 1``, likewise W_out.

    See Also
    --------
    conv2d_backward : the three gradients.
    conv_transpose2d : the adjoint layer.

    Examples
    --------
    >>> import numpy as np
    >>> from fastconv import nn
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.ones((2, 1, 2, 2))                         # two 2x2 box filters
    >>> nn.conv2d(x, w, bias=np.array([0.0, 100.0]), stride=2)
    array([[[[ 10.,  18.],
             [ 42.,  50.]],
    <BLANKLINE>
            [[110., 118.],
             [142., 150.]]]])
    """
    return _conv("conv2d", 2, x, weight, bias, stride, padding, dilation, groups, method, out,
                 threads)


# --------------------------------------------------------------------------
# transposed
# --------------------------------------------------------------------------

def _conv_transpose(fname, nd, x, weight, bias, stride, padding, output_padding, groups,
                    dilation, method, out, threads):
    nthreads = _threads.resolve(threads)
    _out.check_array(out, fname)
    x, weight, bias, result, plan = _layer_inputs(fname, x, weight, bias, method)
    layer = _nn_shapes.conv_transpose_layer(fname, nd, x.shape, weight.shape,
                                            None if bias is None else bias.shape, stride,
                                            padding, output_padding, groups, dilation,
                                            plan.compute.itemsize)
    g = layer.geometry   # the convolution this layer transposes: x is its output
    y, into_out = _output_array(out, g.x_shape, layer.out_shape, result, plan, fname,
                                x, weight, bias)
    _run(_ext.conv2d_grad_input, _choose_method(method, "grad_input", g, fname),
         _kernel_input(x, g.y_shape, plan), _kernel_input(weight, g.w_shape, plan),
         None if bias is None else _kernel_input(bias, (g.c_in,), plan),
         y, tuple(g), plan.code, nthreads=nthreads)
    if into_out:
        return out
    return _out.deliver(_finish(y, result, layer.out_shape), out, fname)


def conv_transpose1d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, *, method="auto", out=None,
                     threads=None):
    """1-D transposed convolution, like `torch.nn.functional.conv_transpose1d`.

    The adjoint of `conv1d` with the same weight, stride, padding, dilation
    and groups (what conv1d's grad_input computes), plus a bias.  Every input
    element scatters a scaled copy of its kernel:

    .. math::

        y[b, o, i s - p + k d] \\mathrel{+}= x[b, c, i] \\, w[c, o - g C_{out}/G, k]

    for every input channel c of group g, input position i and tap k, over
    ``0 <= i s - p + k d < L_out``; then ``y[b, o, :] += bias[o]``.

    Parameters
    ----------
    x : array_like, shape (N, C_in, L) or (C_in, L)
    weight : array_like, shape (C_in, C_out / groups, K)
    bias : array_like, shape (C_out,), optional
    stride, padding, dilation : int or 1-tuple, optional
        As in the conv1d being transposed; padding must be an int or tuple.
    output_padding : int or 1-tuple, optional
        Extra length at the end, to pick one of the stride's possible sizes;
        must be smaller than stride or dilation.
    groups : int, optional
    method : {'auto', 'direct', 'im2col'}, keyword-only
    out : ndarray, keyword-only, optional
        See `conv1d`.
    threads : int or None, keyword-only
        See `conv1d`.

    Returns
    -------
    y : ndarray, shape (N, C_out, L_out) or (C_out, L_out)
        ``L_out = (L - 1)*s - 2p + d*(K-1) + output_padding + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastconv import nn
    >>> nn.conv_transpose1d(np.array([[[1.0, 2.0]]]), np.array([[[1.0, 10.0, 100.0]]]))
    array([[[  1.,  12., 120., 200.]]])
    >>> nn.conv_transpose1d(np.array([[[1.0, 2.0]]]), np.array([[[1.0, 10.0]]]), stride=3)
    array([[[ 1., 10.,  0.,  2., 20.]]])
    """
    return _conv_transpose("conv_transpose1d", 1, x, weight, bias, stride, padding,
                           output_padding, groups, dilation, method, out, threads)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, *, method="auto", out=None,
                     threads=None):
    """2-D transposed convolution, like `torch.nn.functional.conv_transpose2d`.

    The adjoint of `conv2d` with the same weight and parameters (conv2d's
    grad_input), plus a bias:

    .. math::

        y[b, o, i s_h - p_h + r d_h, j s_w - p_w + q d_w] \\mathrel{+}=
        x[b, c, i, j] \\, w[c, o - g C_{out}/G, r, q]

    over the in-range output positions; then ``y[b, o] += bias[o]``.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_in, C_out / groups, kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or 2-tuple, optional
    groups : int, optional
    method : {'auto', 'direct', 'im2col', 'winograd'}, keyword-only
        'winograd': 3x3 kernels with stride 1 and dilation 1 only (see conv2d).
    out : ndarray, keyword-only, optional
        See `conv1d`.
    threads : int or None, keyword-only
        See `conv1d`.

    Returns
    -------
    y : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H - 1)*s_h - 2p_h + d_h*(kH-1) + output_padding_h + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastconv import nn
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])       # (1, 1, 2, 2)
    >>> nn.conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)   # nearest upsampling
    array([[[[1., 1., 2., 2.],
             [1., 1., 2., 2.],
             [3., 3., 4., 4.],
             [3., 3., 4., 4.]]]])
    """
    return _conv_transpose("conv_transpose2d", 2, x, weight, bias, stride, padding,
                           output_padding, groups, dilation, method, out, threads)


# --------------------------------------------------------------------------
# backward
# --------------------------------------------------------------------------

def _output_mask(output_mask, fname):
    """The three flags of `output_mask`, which must be a sequence of 3 bools
    (Python or NumPy bools; a string or numbers are refused, not read as
    truth values)."""
    wrong = TypeError(f"{fname}: output_mask must be a sequence of 3 bools (grad_input, "
                      f"grad_weight, grad_bias), got {output_mask!r}")
    if isinstance(output_mask, (str, bytes)):
        raise wrong
    try:
        mask = tuple(output_mask)
    except TypeError:
        raise wrong from None
    if len(mask) != 3:
        raise ValueError(f"{fname}: output_mask must have 3 entries (grad_input, grad_weight, "
                         f"grad_bias), got {len(mask)}")
    if not all(isinstance(m, (bool, np.bool_)) for m in mask):
        raise wrong
    return tuple(bool(m) for m in mask)


def _conv_backward(fname, nd, grad_output, x, weight, stride, padding, dilation, groups,
                   output_mask, method, threads):
    nthreads = _threads.resolve(threads)
    grad_output = _float_array(grad_output, "grad_output", fname)
    x = _float_array(x, "input", fname)
    weight = _float_array(weight, "weight", fname)
    want_input, want_weight, want_bias = _output_mask(output_mask, fname)
    _nn_method(method)
    result, plan = _plan(grad_output, x, weight)
    layer = _nn_shapes.conv_backward_layer(fname, nd, grad_output.shape, x.shape, weight.shape,
                                           stride, padding, dilation, groups,
                                           plan.compute.itemsize)
    g = layer.geometry
    grad_input = grad_weight = grad_bias = None
    if any((want_input, want_weight, want_bias)):
        dy = _kernel_input(grad_output, g.y_shape, plan)
    if want_input:
        dx = _block_cache.empty_output(g.x_shape, plan.compute)
        _run(_ext.conv2d_grad_input, _choose_method(method, "grad_input", g, fname),
             dy, _kernel_input(weight, g.w_shape, plan), None, dx, tuple(g), plan.code,
             nthreads=nthreads)
        grad_input = _finish(dx, result, x.shape)
    if want_weight:
        dw = np.empty(g.w_shape, dtype=plan.compute)
        _run(_ext.conv2d_grad_weight, _choose_method(method, "grad_weight", g, fname),
             _kernel_input(x, g.x_shape, plan), dy, dw, tuple(g), plan.code,
             nthreads=nthreads)
        grad_weight = _finish(dw, result, weight.shape)
    if want_bias:
        # sum over batch and positions, by NumPy in the compute dtype, on the
        # C-ordered copy so that the rounding does not depend on the layout
        grad_bias = _finish(dy.sum(axis=(0, 2, 3)), result, (g.c_out,))
    return grad_input, grad_weight, grad_bias


def conv1d_backward(grad_output, x, weight, stride=1, padding=0, dilation=1, groups=1, *,
                    output_mask=(True, True, True), method="auto",
                    threads=None):
    """Gradients of `conv1d` with respect to input, weight and bias.

    For ``y = conv1d(x, weight, bias, stride, padding, dilation, groups)`` and
    a loss with ``dL/dy = grad_output``:

    .. math::

        \\frac{\\partial L}{\\partial x} = \\mathrm{conv\\_transpose1d}(g_y, w), \\quad
        \\frac{\\partial L}{\\partial w[o, c, k]} = \\sum_{b, i} g_y[b, o, i]
            \\, x[b, g C_{in}/G + c, i s - p + k d], \\quad
        \\frac{\\partial L}{\\partial \\mathrm{bias}[o]} = \\sum_{b, i} g_y[b, o, i]

    (the bias does not change the gradients, so it is not an argument).

    Parameters
    ----------
    grad_output : array_like, shape of conv1d's output
    x, weight, stride, padding, dilation, groups
        As given to `conv1d`.
    output_mask : 3 bools, keyword-only
        Which of (grad_input, grad_weight, grad_bias) to compute; the others
        are returned as None and cost nothing.
    method : {'auto', 'direct', 'im2col'}, keyword-only
    threads : int or None, keyword-only
        See `conv1d`.

    Returns
    -------
    grad_input : ndarray of x's shape, or None
    grad_weight : ndarray of weight's shape, or None
    grad_bias : ndarray, shape (C_out,), or None
        All of ``numpy.result_type(grad_output, x, weight)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastconv import nn
    >>> x, w = np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1.0, -1.0]]])
    >>> gx, gw, gb = nn.conv1d_backward(np.ones((1, 1, 2)), x, w)
    >>> gx, gw, gb
    (array([[[ 1.,  0., -1.]]]), array([[[3., 5.]]]), array([2.]))
    """
    return _conv_backward("conv1d_backward", 1, grad_output, x, weight, stride, padding,
                          dilation, groups, output_mask, method, threads)


def conv2d_backward(grad_output, x, weight, stride=1, padding=0, dilation=1, groups=1, *,
                    output_mask=(True, True, True), method="auto",
                    threads=None):
    """Gradients of `conv2d` with respect to input, weight and bias.

    For ``y = conv2d(x, weight, bias, stride, padding, dilation, groups)``
    and ``dL/dy = grad_output``:

    .. math::

        \\frac{\\partial L}{\\partial x} = \\mathrm{conv\\_transpose2d}(g_y, w)
            \\ (\\text{cropped or zero-extended to } x\\text{'s size}),

        \\frac{\\partial L}{\\partial w[o, c, r, q]} = \\sum_{b, i, j} g_y[b, o, i, j]
            \\, x[b, g C_{in}/G + c, i s_h - p_h + r d_h, j s_w - p_w + q d_w],

        \\frac{\\partial L}{\\partial \\mathrm{bias}[o]} = \\sum_{b, i, j} g_y[b, o, i, j].

    Input positions that no output reads (stride larger than the kernel, or
    rows / columns cut off by the floor in the output size) get zero
    gradient.

    Parameters
    ----------
    grad_output : array_like, shape of conv2d's output
    x, weight, stride, padding, dilation, groups
        As given to `conv2d`.
    output_mask : 3 bools, keyword-only
        Which of (grad_input, grad_weight, grad_bias) to compute; the others
        are None and cost nothing.
    method : {'auto', 'direct', 'im2col', 'winograd'}, keyword-only
        'winograd' (3x3, stride 1, dilation 1 only) computes grad_input by
        Winograd; grad_weight then uses the method 'auto' would.
    threads : int or None, keyword-only
        See `conv1d`.

    Returns
    -------
    grad_input, grad_weight, grad_bias : ndarray or None
        Shapes of x, weight and (C_out,); dtype
        ``numpy.result_type(grad_output, x, weight)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastconv import nn
    >>> x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    >>> gx, gw, gb = nn.conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> gx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> gw[0, 0], gb
    (array([[4., 4.],
           [4., 4.]]), array([4.]))
    """
    return _conv_backward("conv2d_backward", 2, grad_output, x, weight, stride, padding,
                          dilation, groups, output_mask, method, threads)


# --------------------------------------------------------------------------
# the rectifier between layers
# --------------------------------------------------------------------------

def _writeable_input(a, name, fname):
    """The checks of an array written in place (inplace=True)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fname}: inplace=True needs {name} to be a numpy.ndarray, "
                        f"not {type(a).__name__}")
    if not a.flags.writeable:
        raise ValueError(f"{fname}: {name} array is read-only")


def _elementwise(kernel, target, inplace, arrays, result, plan, nthreads):
    """Run an elementwise kernel of the C core on `arrays` (validated, of one
    shape) into `target` (written in place when `inplace`) or a new array."""
    sources = [np.require(a, dtype=plan.compute, requirements=["C", "A"]) for a in arrays]
    if inplace and sources[0] is target and not _out.must_buffer(target, *arrays[1:]):
        into = target        # the kernel may write over its first source
    else:
        into = _block_cache.empty_output(target.shape, plan.compute)
    kernel(*sources, into, plan.code, nthreads)
    if not inplace:
        return _finish(into, result, into.shape)
    if into is not target:
        np.copyto(target, into, casting="same_kind")   # (float16 computed in float32)
    return target


def relu(input, inplace=False, *, threads=None):
    """The rectifier, elementwise, like `torch.nn.functional.relu`.

    ``y = input`` where ``input >= 0`` or is NaN, else 0 (torch's rule: only
    elements below zero are replaced, so NaN and -0.0 pass unchanged).
    With `relu_backward`, it is what a training loop puts between the
    layers, in a C loop over the array (NumPy's ``np.maximum(x, 0,
    out=x)`` takes several times longer on large arrays).

    Parameters
    ----------
    input : array_like
        float16 (computed in float32: exact), float32 or float64, any shape.
    inplace : bool
        Write the result into `input` (then a writeable numpy.ndarray) and
        return it, as torch's ``inplace=True``.
    threads : int or None, keyword-only
        See `conv1d`; the result does not depend on it.

    Returns
    -------
    ndarray
        Of input's shape and dtype (`input` itself when `inplace`).

    Examples
    --------
    >>> import numpy as np
    >>> from fastconv import nn
    >>> nn.relu(np.array([-1.5, 0.0, 2.0, np.nan]))
    array([ 0.,  0.,  2., nan])
    """
    nthreads = _threads.resolve(threads)
    x = _float_array(input, "input", "relu")
    if inplace:
        _writeable_input(input, "input", "relu")
    result, plan = _plan(x)
    return _elementwise(_ext.relu, x, inplace, [x], result, plan, nthreads)


def relu_backward(grad_output, output, *, inplace=False, threads=None):
    """Gradient of `relu`: `grad_output` where ``output > 0`` (or is NaN),
    else 0, like torch's ``threshold_backward(grad_output, output, 0)``,
    the backward pass of ``torch.nn.functional.relu``.

    Parameters
    ----------
    grad_output : array_like
        dL/dy, float16 (computed in float32), float32 or float64.
    output : array_like
        What `relu` returned (its input gives the same result), of
        grad_output's shape.
    inplace : bool, keyword-only
        Write the gradient into `grad_output` (then a writeable
        numpy.ndarray of the result's dtype) and return it.
    threads : int or None, keyword-only
        See `conv1d`; the result does not depend on it.

    Returns
    -------
    ndarray
        dL/d(input), of grad_output's shape; dtype
        ``numpy.result_type(grad_output, output)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastconv import nn
    >>> y = nn.relu(np.array([-1.0, 0.5, 2.0]))
    >>> nn.relu_backward(np.array([10.0, 20.0, 30.0]), y)
    array([ 0., 20., 30.])
    """
    fname = "relu_backward"
    nthreads = _threads.resolve(threads)
    g = _float_array(grad_output, "grad_output", fname)
    y = _float_array(output, "output", fname)
    if g.shape != y.shape:
        raise ValueError(f"{fname}: grad_output has shape {g.shape} and output has shape "
                         f"{y.shape}; they must be equal")
    result, plan = _plan(g, y)
    if inplace:
        _writeable_input(grad_output, "grad_output", fname)
        if g.dtype != result:
            raise TypeError(f"{fname}: inplace=True writes the {result} gradient into "
                            f"grad_output, whose dtype is {g.dtype}")
    return _elementwise(_ext.relu_backward, g, inplace, [g, y], result, plan, nthreads)
