"""Shapes of the CNN layers (fastconv.nn): parsing of stride / padding /
dilation / groups, validation of shapes and parameters with the rules of
torch.nn.functional, and every output-size formula, all in this one module.

Errors are ValueError (TypeError for arguments of the wrong type) with
PyTorch's wording where it has one, and always naming the shapes involved.
All arithmetic is on Python ints, so absurd parameters (padding 2**62, a
kernel of 2**40 taps through a zero-stride view) are caught here: every
extent and every index expression the C kernels compute stays below
INDEX_LIMIT, far from ptrdiff_t overflow.

A 1-D layer is described as the 2-D layer with one input row, one kernel
row and one output row, which is what the kernels run.
"""
import contextlib
import math
import operator
from typing import NamedTuple

INDEX_LIMIT = 2**61

_PADDING_STRINGS = ("valid", "same")


class Geometry(NamedTuple):
    """One 2-D convolution layer as the C kernels see it: the fields and field
    order of ``fc_conv2d_shape`` in csrc/fastconv.h.

    ``y[b, o, i, j] = sum_{c, r, q} w[o, c, r, q] *
    x[b, g*cg + c, i*stride_h - pad_h + r*dil_h, j*stride_w - pad_w + q*dil_w]``
    """
    n: int
    groups: int
    c_in: int
    h_in: int
    w_in: int
    c_out: int
    h_out: int
    w_out: int
    kh: int
    kw: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    dil_h: int
    dil_w: int

    @property
    def x_shape(self):
        return (self.n, self.c_in, self.h_in, self.w_in)

    @property
    def y_shape(self):
        return (self.n, self.c_out, self.h_out, self.w_out)

    @property
    def w_shape(self):
        return (self.c_out, self.c_in // self.groups, self.kh, self.kw)


class Layer(NamedTuple):
    """A validated call: the geometry the kernels run, whether the input had
    a batch dimension, and the public shape of the result."""
    geometry: Geometry
    batched: bool
    out_shape: tuple


# --------------------------------------------------------------------------
# the output-size formulas (the only place they are written)
# --------------------------------------------------------------------------

def dilated_kernel_size(k, dilation):
    """Extent covered by k taps spaced `dilation` apart: d*(k-1) + 1."""
    return dilation * (k - 1) + 1


def conv_output_size(size, k, stride, pad_before, pad_after, dilation):
    """Outputs of a convolution along one axis (torch's formula, with the
    padding split in two for 'same'):
    ``floor((L + p_before + p_after - d*(k-1) - 1) / s) + 1``."""
    return (size + pad_before + pad_after - dilated_kernel_size(k, dilation)) // stride + 1


def conv_transpose_output_size(size, k, stride, padding, output_padding, dilation):
    """Outputs of a transposed convolution along one axis:
    ``(L-1)*s - 2p + d*(k-1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1


def same_padding(k, dilation):
    """(before, after) zeros of padding='same' (stride 1): d*(k-1) in all,
    the extra one after (right / bottom) when that is odd, as torch does."""
    total = dilation * (k - 1)
    return total // 2, total - total // 2


# --------------------------------------------------------------------------
# argument parsing
# --------------------------------------------------------------------------

def fmt(shape):
    """A shape the way torch's messages print it: [1, 3, 28, 28]."""
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def _fmt_sizes(sizes):
    """Per-channel sizes as in torch's messages: (4) or (4 x 4)."""
    return "(" + " x ".join(str(s) for s in sizes) + ")"


def _as_int(v):
    """operator.index, refusing bools (True is not a size)."""
    if isinstance(v, bool):
        raise TypeError("bool is not an int here")
    return operator.index(v)


def int_tuple(value, nd, name, fname):
    """`value` (an int, or a sequence of 1 or nd ints) as a tuple of nd ints."""
    wrong_type = TypeError(f"{fname}: {name} must be an int or a tuple of {nd} ints, "
                           f"got {value!r}")
    try:
        return (_as_int(value),) * nd
    except TypeError:
        pass
    if isinstance(value, (str, bytes)):
        raise wrong_type
    try:
        items = tuple(_as_int(v) for v in value)
    except TypeError:
        raise wrong_type from None
    if len(items) == 1:
        return items * nd
    if len(items) != nd:
        raise ValueError(f"{fname}: expected {name} to be a single integer value or a list of "
                         f"{nd} values to match the convolution dimensions, but got "
                         f"{name}={list(items)}")
    return items


def _groups(groups, fname):
    try:
        groups = _as_int(groups)
    except TypeError:
        raise TypeError(f"{fname}: groups must be an int, got {groups!r}") from None
    if groups <= 0:
        raise ValueError(f"{fname}: non-positive groups is not supported (got groups={groups})")
    return groups


def _positive(values, name, fname):
    if any(v <= 0 for v in values):
        if name == "dilation":
            raise ValueError(f"{fname}: dilation should be greater than zero, but got "
                             f"dilation={values}")
        raise ValueError(f"{fname}: non-positive {name} is not supported (got {name}={values})")
    return values


def _padding(padding, nd, kernel, stride, dilation, fname, allow_strings=True):
    """(before, after) per axis for an int / tuple / 'valid' / 'same' padding."""
    if isinstance(padding, str):
        if not allow_strings:
            raise TypeError(f"{fname}: padding must be an int or a tuple of {nd} ints "
                            f"('valid' and 'same' are for conv{nd}d), got {padding!r}")
        if padding not in _PADDING_STRINGS:
            raise ValueError(f"{fname}: Invalid padding string {padding!r}, should be one of "
                             f"{{'valid', 'same'}}")
        if padding == "valid":
            return (0,) * nd, (0,) * nd
        if any(s != 1 for s in stride):
            raise ValueError(f"{fname}: padding='same' is not supported for strided "
                             f"convolutions (got stride={stride})")
        pairs = [same_padding(k, d) for k, d in zip(kernel, dilation)]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
    pads = int_tuple(padding, nd, "padding", fname)
    if any(p < 0 for p in pads):
        raise ValueError(f"{fname}: negative padding is not supported (got padding={pads})")
    return pads, pads


# --------------------------------------------------------------------------
# shape checks shared by the layers
# --------------------------------------------------------------------------

@contextlib.contextmanager
def _naming_shapes(x_shape, w_shape):
    """Append the input and weight shapes to the message of a ValueError or
    TypeError raised while parsing the layer's parameters."""
    try:
        yield
    except (ValueError, TypeError) as e:
        raise type(e)(f"{e} (input of size {fmt(x_shape)}, weight of size "
                      f"{fmt(w_shape)})") from None


def _check_ranks(fname, nd, x_shape, w_shape):
    if len(x_shape) not in (nd + 1, nd + 2):
        raise ValueError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                         f"{fname}, but got input of size: {fmt(x_shape)}")
    # torch's wording: it takes the layer's rank from the weight
    if len(w_shape) < 3:
        raise ValueError(f"weight should have at least three dimensions (weight of size "
                         f"{fmt(w_shape)}, input of size {fmt(x_shape)}, {fname})")
    if len(w_shape) != nd + 2:
        batched_shape = x_shape if len(x_shape) == nd + 2 else (1,) + tuple(x_shape)
        raise ValueError(f"Expected {len(w_shape)}-dimensional input for {len(w_shape)}-"
                         f"dimensional weight {fmt(w_shape)}, but got {nd + 2}-dimensional input "
                         f"of size {fmt(batched_shape)} instead ({fname})")
    kernel = tuple(w_shape[2:])
    if any(k == 0 for k in kernel):
        raise ValueError(f"{fname}: kernel size should be greater than zero, but got weight of "
                         f"size {fmt(w_shape)} (input of size {fmt(x_shape)})")
    return len(x_shape) == nd + 2


def _check_groups_dim0(fname, groups, w_shape, x_shape):
    if w_shape[0] < groups:
        raise ValueError(f"{fname}: Given groups={groups}, expected weight to be at least "
                         f"{groups} at dimension 0, but got weight of size {fmt(w_shape)} "
                         f"instead (input of size {fmt(x_shape)})")
    if w_shape[0] % groups != 0:
        raise ValueError(f"{fname}: Given groups={groups}, expected weight to be divisible by "
                         f"{groups} at dimension 0, but got weight of size {fmt(w_shape)} "
                         f"instead (input of size {fmt(x_shape)})")


def _check_bias(fname, b_shape, length, w_shape, x_shape, transposed):
    if b_shape is not None and tuple(b_shape) != (length,):
        given = "Given transposed=1, weight" if transposed else "Given weight"
        raise ValueError(f"{fname}: {given} of size {fmt(w_shape)}, expected bias to be "
                         f"1-dimensional with {length} elements, but got bias of size "
                         f"{fmt(b_shape)} instead (input of size {fmt(x_shape)})")


def _check_limits(fname, what, values, context):
    for v in values:
        if v > INDEX_LIMIT:
            raise ValueError(f"{fname}: {what} {v} is too large: sizes and padding must stay "
                             f"below 2**61 ({context})")


def _checked(fname, geometry, context):
    """The geometry, once every field is known to stay below INDEX_LIMIT
    (a stride of 2**70 with one output, or the dilation of a 1-tap kernel,
    changes nothing in the sums but does not fit the C index type)."""
    for name, value in geometry._asdict().items():
        if value > INDEX_LIMIT:
            raise ValueError(f"{fname}: {name} {value} is too large: sizes, strides, padding and "
                             f"dilations must stay below 2**61 ({context})")
    return geometry


def _check_output_size(fname, shape, itemsize, context):
    if math.prod(shape) * itemsize > 2**63 - 1:
        raise ValueError(f"{fname}: the output of shape {fmt(shape)} is too big to allocate "
                         f"({context})")


def _to_2d(nd, values, fill):
    """Per-axis values of an nd-D layer as the (h, w) pair of the 2-D one."""
    return (fill,) * (2 - nd) + tuple(values)


# --------------------------------------------------------------------------
# the layers
# --------------------------------------------------------------------------

def conv_layer(fname, nd, x_shape, w_shape, b_shape, stride, padding, dilation, groups,
               itemsize=8):
    """Validate a conv{nd}d call and return its Layer.

    x_shape: (N, C_in, *L) or (C_in, *L); w_shape: (C_out, C_in/groups, *k);
    b_shape: None or the bias shape.  Output extents by conv_output_size.
    """
    x_shape, w_shape = tuple(x_shape), tuple(w_shape)
    batched = _check_ranks(fname, nd, x_shape, w_shape)
    kernel = w_shape[2:]
    with _naming_shapes(x_shape, w_shape):
        stride = _positive(int_tuple(stride, nd, "stride", fname), "stride", fname)
        dilation = _positive(int_tuple(dilation, nd, "dilation", fname), "dilation", fname)
        groups = _groups(groups, fname)
        before, after = _padding(padding, nd, kernel, stride, dilation, fname)
    n, c_in = (x_shape[0], x_shape[1]) if batched else (1, x_shape[0])
    sizes = x_shape[-nd:]
    _check_groups_dim0(fname, groups, w_shape, x_shape)
    if c_in != w_shape[1] * groups:
        raise ValueError(f"{fname}: Given groups={groups}, weight of size {fmt(w_shape)}, "
                         f"expected input{fmt(x_shape)} to have {w_shape[1] * groups} channels, "
                         f"but got {c_in} channels instead")
    _check_bias(fname, b_shape, w_shape[0], w_shape, x_shape, transposed=False)

    context = (f"input of size {fmt(x_shape)}, weight of size {fmt(w_shape)}, "
               f"padding={padding!r}, stride={stride}, dilation={dilation}")
    padded = tuple(s + b + a for s, b, a in zip(sizes, before, after))
    dilated = tuple(dilated_kernel_size(k, d) for k, d in zip(kernel, dilation))
    _check_limits(fname, "padded input size", padded, context)
    _check_limits(fname, "dilated kernel size", dilated, context)
    if any(p < k for p, k in zip(padded, dilated)):
        raise ValueError(f"{fname}: Calculated padded input size per channel: "
                         f"{_fmt_sizes(padded)}. Kernel size: {_fmt_sizes(dilated)}. Kernel size "
                         f"can't be greater than actual input size ({context})")
    out = tuple(conv_output_size(s, k, st, b, a, d)
                for s, k, st, b, a, d in zip(sizes, kernel, stride, before, after, dilation))
    out_shape = ((n,) if batched else ()) + (w_shape[0],) + out
    _check_output_size(fname, out_shape, itemsize, context)

    geometry = Geometry(n, groups, c_in, *_to_2d(nd, sizes, 1), w_shape[0], *_to_2d(nd, out, 1),
                        *_to_2d(nd, kernel, 1), *_to_2d(nd, stride, 1), *_to_2d(nd, before, 0),
                        *_to_2d(nd, dilation, 1))
    return Layer(_checked(fname, geometry, context), batched, out_shape)


def conv_backward_layer(fname, nd, grad_output_shape, x_shape, w_shape, stride, padding,
                        dilation, groups, itemsize=8):
    """Validate a conv{nd}d_backward call: the forward checks, plus
    grad_output having exactly the forward output's shape."""
    layer = conv_layer(fname, nd, x_shape, w_shape, None, stride, padding, dilation, groups,
                       itemsize)
    if tuple(grad_output_shape) != layer.out_shape:
        raise ValueError(f"{fname}: grad_output of size {fmt(grad_output_shape)} does not match "
                         f"the output size {fmt(layer.out_shape)} of input {fmt(x_shape)} and "
                         f"weight {fmt(w_shape)} (stride={stride}, padding={padding!r}, "
                         f"dilation={dilation}, groups={groups})")
    return layer


def conv_transpose_layer(fname, nd, x_shape, w_shape, b_shape, stride, padding, output_padding,
                         groups, dilation, itemsize=8):
    """Validate a conv_transpose{nd}d call and return its Layer.

    x_shape: (N, C_in, *L) or (C_in, *L); w_shape: (C_in, C_out/groups, *k).
    The returned geometry is that of the convolution whose grad_input the
    transposed convolution is: its input is the (C_out-channel) result, its
    output the given x, its weight the given weight.
    """
    x_shape, w_shape = tuple(x_shape), tuple(w_shape)
    batched = _check_ranks(fname, nd, x_shape, w_shape)
    kernel = w_shape[2:]
    with _naming_shapes(x_shape, w_shape):
        stride = _positive(int_tuple(stride, nd, "stride", fname), "stride", fname)
        dilation = _positive(int_tuple(dilation, nd, "dilation", fname), "dilation", fname)
        groups = _groups(groups, fname)
        pads, _ = _padding(padding, nd, kernel, stride, dilation, fname, allow_strings=False)
        out_pads = int_tuple(output_padding, nd, "output_padding", fname)
        if any(p < 0 for p in out_pads):
            raise ValueError(f"{fname}: negative output_padding is not supported (got "
                             f"output_padding={out_pads})")
        if any(op >= max(s, d) for op, s, d in zip(out_pads, stride, dilation)):
            raise ValueError(f"{fname}: output padding must be smaller than either stride or "
                             f"dilation, but got output_padding={out_pads}, stride={stride}, "
                             f"dilation={dilation}")
    n, c_in = (x_shape[0], x_shape[1]) if batched else (1, x_shape[0])
    sizes = x_shape[-nd:]
    _check_groups_dim0(fname, groups, w_shape, x_shape)
    if c_in != w_shape[0]:
        raise ValueError(f"{fname}: Given transposed=1, weight of size {fmt(w_shape)}, expected "
                         f"input{fmt(x_shape)} to have {w_shape[0]} channels, but got {c_in} "
                         f"channels instead")
    c_out = w_shape[1] * groups
    _check_bias(fname, b_shape, c_out, w_shape, x_shape, transposed=True)

    context = (f"input of size {fmt(x_shape)}, weight of size {fmt(w_shape)}, "
               f"stride={stride}, padding={pads}, output_padding={out_pads}, "
               f"dilation={dilation}")
    if 0 in sizes:
        raise ValueError(f"{fname}: Only zero batch or zero channel inputs are supported, but "
                         f"got input of size {fmt(x_shape)} (weight of size {fmt(w_shape)})")
    out = tuple(conv_transpose_output_size(s, k, st, p, op, d)
                for s, k, st, p, op, d in zip(sizes, kernel, stride, pads, out_pads, dilation))
    if any(o <= 0 for o in out):
        raise ValueError(f"{fname}: Given input size per channel: {_fmt_sizes(sizes)}. "
                         f"Calculated output size per channel: {_fmt_sizes(out)}. Output size "
                         f"is too small ({context})")
    # index expressions of the gather: j*stride + q*dilation - padding, j < L
    _check_limits(fname, "output size", out, context)
    _check_limits(fname, "padding", pads, context)
    _check_limits(fname, "strided input extent", [max(s - 1, 0) * st for s, st in
                                                  zip(sizes, stride)], context)
    _check_limits(fname, "dilated kernel size",
                  [dilated_kernel_size(k, d) for k, d in zip(kernel, dilation)], context)
    out_shape = ((n,) if batched else ()) + (c_out,) + out
    _check_output_size(fname, out_shape, itemsize, context)

    geometry = Geometry(n, groups, c_out, *_to_2d(nd, out, 1), c_in, *_to_2d(nd, sizes, 1),
                        *_to_2d(nd, kernel, 1), *_to_2d(nd, stride, 1), *_to_2d(nd, pads, 0),
                        *_to_2d(nd, dilation, 1))
    return Layer(_checked(fname, geometry, context), batched, out_shape)
