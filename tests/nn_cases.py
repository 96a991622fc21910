"""Generated CNN layer configurations for the fastconv.nn tests, and the
float64 reference values with their magnitudes (the inputs of
assert_scaled_close).

A configuration is a small valid layer: 1-D or 2-D, batch 0..3 or unbatched,
groups 1..3 (depthwise included), stride, dilation, padding as int, tuple,
'valid' or 'same', input extents from the smallest the kernel allows.
"""
from typing import NamedTuple

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from fastconv import _isa, reference

METHODS = ["direct", "im2col", "auto"]

# ISA levels whose kernel table has a dense row kernel (AVX2+FMA and
# AVX-512: csrc/nn/dense_row_avx2.template.c, dense_row_avx512.template.c).
# They fuse each multiply-add: within the accuracy bound, not the
# reference's bits, and the same bits at each of these levels.  Where the
# dense kernel does not run (dense_kernel_runs) these levels do the
# reference's arithmetic like the others.
FMA_DENSE_LEVELS = tuple(level for level in _isa.available() if level != "scalar")
# ISA levels at which the direct kernels do the reference's arithmetic (a
# rounding after every product and sum) for every layer: those without a
# dense row kernel.
EXACT_DIRECT_LEVELS = tuple(level for level in _isa.available() if level not in FMA_DENSE_LEVELS)
# ISA levels whose kernel table has the dense grad_weight kernel (AVX-512:
# csrc/nn/dense_gw_avx512.template.c): lane sums with fused multiply-adds.
GW_DENSE_LEVELS = tuple(level for level in _isa.available() if level == "avx512")
# ISA levels whose dense row kernel also takes stride 2 along the rows
# (forward; the table's row_max_stride_w): AVX-512.
ROW_STRIDE2_LEVELS = GW_DENSE_LEVELS


def same_kernel_level(op, level, stride_w=1):
    """The first ISA level that computes a dense layer's op ('forward',
    'grad_input', 'grad_weight'; stride stride_w along the rows) with the
    same direct kernel as `level`, so with the same bits: the dense row
    kernel's levels for forward and grad_input, the dense grad_weight
    kernel's for grad_weight, or the levels without the kernel."""
    if stride_w == 1:
        dense = GW_DENSE_LEVELS if op == "grad_weight" else FMA_DENSE_LEVELS
    elif stride_w == 2:
        dense = {"forward": ROW_STRIDE2_LEVELS, "grad_weight": GW_DENSE_LEVELS}.get(op, ())
    else:
        dense = ()
    levels = _isa.available()
    return (dense if level in dense else tuple(lv for lv in levels if lv not in dense))[0]
LAYOUTS = ["C", "F", "strided", "reversed", "readonly"]


class Conv(NamedTuple):
    nd: int
    batch: object          # int, or None for an unbatched input
    groups: int
    c_in: int
    c_out: int
    sizes: tuple           # input extents
    kernel: tuple
    stride: object         # as passed: int or tuple
    padding: object        # int, tuple, 'valid' or 'same'
    dilation: object

    @property
    def x_shape(self):
        lead = () if self.batch is None else (self.batch,)
        return lead + (self.c_in,) + self.sizes

    @property
    def w_shape(self):
        return (self.c_out, self.c_in // self.groups) + self.kernel

    @property
    def kwargs(self):
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation,
                    groups=self.groups)

    def out_sizes(self):
        stride, dilation = _per_axis(self.stride, self.nd), _per_axis(self.dilation, self.nd)
        if self.padding == "same":
            return self.sizes
        pad = (0,) * self.nd if self.padding == "valid" else _per_axis(self.padding, self.nd)
        return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in
                     zip(self.sizes, pad, dilation, self.kernel, stride))

    @property
    def y_shape(self):
        lead = () if self.batch is None else (self.batch,)
        return lead + (self.c_out,) + self.out_sizes()


class ConvT(NamedTuple):
    nd: int
    batch: object
    groups: int
    c_in: int
    c_out: int
    sizes: tuple
    kernel: tuple
    stride: object
    padding: object
    output_padding: object
    dilation: object

    @property
    def x_shape(self):
        lead = () if self.batch is None else (self.batch,)
        return lead + (self.c_in,) + self.sizes

    @property
    def w_shape(self):
        return (self.c_in, self.c_out // self.groups) + self.kernel

    @property
    def kwargs(self):
        return dict(stride=self.stride, padding=self.padding,
                    output_padding=self.output_padding, groups=self.groups,
                    dilation=self.dilation)


def _per_axis(value, nd):
    return (value,) * nd if isinstance(value, int) else tuple(value)


def _param(draw, nd, values):
    """An int or an nd-tuple (the two spellings the API accepts)."""
    per_axis = tuple(draw(values) for _ in range(nd))
    if all(v == per_axis[0] for v in per_axis) and draw(st.booleans()):
        return per_axis[0]
    return per_axis


@st.composite
def convs(draw, nd=None, max_batch=3, max_channels=3, max_extra=5):
    """A valid conv{nd}d configuration (nd drawn when None)."""
    nd = draw(st.sampled_from([1, 2])) if nd is None else nd
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    batch = draw(st.sampled_from([None] + list(range(max_batch + 1))))
    kernel = tuple(draw(st.integers(1, 3 if nd == 2 else 5)) for _ in range(nd))
    stride = _param(draw, nd, st.integers(1, 3))
    dilation = _param(draw, nd, st.integers(1, 3))
    strided = any(s != 1 for s in _per_axis(stride, nd))
    choice = draw(st.sampled_from(["int", "tuple", "valid", "same"]))
    if choice == "same" and strided:
        choice = "valid"
    if choice in ("valid", "same"):
        padding, pad = choice, (0,) * nd
    else:
        pad = tuple(draw(st.integers(0, 2)) for _ in range(nd))
        padding = pad[0] if choice == "int" and len(set(pad)) == 1 else pad
    dil = _per_axis(dilation, nd)
    sizes = []
    for k, d, p in zip(kernel, dil, pad):
        need = max(1, d * (k - 1) + 1 - 2 * p) if padding != "same" else 1
        sizes.append(draw(st.integers(need, need + max_extra)))
    return Conv(nd, batch, groups, cg * groups, og * groups, tuple(sizes), kernel, stride,
                padding, dilation)


@st.composite
def wide_convs(draw):
    """A configuration with stride 1 along the rows and an output row of up
    to 70 positions, up to 5 channels per group: it reaches every register
    tile of the direct kernels (4 channels x 2 vectors, 1 x 8, 1 x 2), the
    overlapping last tile and the edge columns around them."""
    nd = draw(st.sampled_from([1, 2]))
    groups = draw(st.integers(1, 2))
    cg, og = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    batch = draw(st.sampled_from([None, 1, 2]))
    kernel = tuple(draw(st.integers(1, 3 if nd == 2 else 5)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    stride = (draw(st.integers(1, 2)), 1) if nd == 2 else (1,)
    if all(s == 1 for s in stride) and draw(st.booleans()):
        padding, pad = "same", None
    else:
        pad = tuple(draw(st.integers(0, 2)) for _ in range(nd))
        padding = pad
    sizes = []
    for axis, (k, d) in enumerate(zip(kernel, dilation)):
        dk = d * (k - 1) + 1
        if axis == nd - 1:
            width = draw(st.sampled_from(range(1, 71)))
            p = 0 if pad is None else pad[axis]
            sizes.append(width if pad is None else max(1, width - 1 + dk - 2 * p))
        else:
            p = 0 if pad is None else pad[axis]
            sizes.append(draw(st.integers(max(1, dk - 2 * p), max(1, dk - 2 * p) + 2)))
    return Conv(nd, batch, groups, cg * groups, og * groups, tuple(sizes), kernel, stride,
                padding, dilation)


@st.composite
def conv_transposes(draw, nd=None, max_batch=3, max_channels=3):
    """A valid conv_transpose{nd}d configuration."""
    nd = draw(st.sampled_from([1, 2])) if nd is None else nd
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    batch = draw(st.sampled_from([None] + list(range(max_batch + 1))))
    kernel = tuple(draw(st.integers(1, 3 if nd == 2 else 5)) for _ in range(nd))
    stride = _param(draw, nd, st.integers(1, 3))
    dilation = _param(draw, nd, st.integers(1, 3))
    padding = _param(draw, nd, st.integers(0, 2))
    s, d = _per_axis(stride, nd), _per_axis(dilation, nd)
    output_padding = tuple(draw(st.integers(0, max(a, b) - 1)) for a, b in zip(s, d))
    sizes = tuple(draw(st.integers(1, 5)) for _ in range(nd))
    p = _per_axis(padding, nd)
    out = [(n - 1) * a - 2 * q + b * (k - 1) + op + 1
           for n, a, q, b, k, op in zip(sizes, s, p, d, kernel, output_padding)]
    assume(all(o > 0 for o in out))
    return ConvT(nd, batch, groups, cg * groups, og * groups, sizes, kernel, stride, padding,
                 output_padding, dilation)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def relayout(a, layout):
    """The same values in another memory layout (a new array)."""
    a = np.asarray(a)
    if layout == "C":
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":
        big = np.zeros(tuple(2 * n for n in a.shape), dtype=a.dtype)
        view = big[tuple(slice(None, None, 2) for _ in a.shape)]
        view[...] = a
        return view
    if layout == "reversed":
        flipped = np.ascontiguousarray(a[tuple(slice(None, None, -1) for _ in a.shape)])
        return flipped[tuple(slice(None, None, -1) for _ in a.shape)]
    if layout == "readonly":
        out = np.array(a)
        out.flags.writeable = False
        return out
    raise ValueError(layout)


def random(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def forward_exact(fn, x, w, b, **kwargs):
    """(exact, magnitude) of a reference forward layer on float64 copies:
    the layer itself and the layer of the absolute values."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    b = None if b is None else np.asarray(b, np.float64)
    exact = fn(x, w, b, **kwargs)
    magnitude = fn(np.abs(x), np.abs(w), None if b is None else np.abs(b), **kwargs)
    return exact, magnitude


def backward_exact(fn, gy, x, w, **kwargs):
    """(exact gradients, their magnitudes) from a reference backward."""
    gy, x, w = (np.asarray(a, np.float64) for a in (gy, x, w))
    exact = fn(gy, x, w, **kwargs)
    magnitude = fn(np.abs(gy), np.abs(x), np.abs(w), **kwargs)
    return exact, magnitude


def terms_forward(conv):
    """Multiply-adds per output of a forward layer (plus the bias)."""
    return conv.c_in // conv.groups * int(np.prod(conv.kernel)) + 1


def terms_backward(conv):
    """Upper bounds of the terms per element of (grad_input, grad_weight, grad_bias)."""
    out = conv.out_sizes()
    positions = max(conv.batch or 1, 1) * int(np.prod(out))
    return conv.c_out // conv.groups * int(np.prod(conv.kernel)), positions, positions


REFERENCE = {1: (reference.conv1d, reference.conv_transpose1d, reference.conv1d_backward),
             2: (reference.conv2d, reference.conv_transpose2d, reference.conv2d_backward)}


def dense_kernel_runs(op, conv, level):
    """True when method='direct' runs op ('forward' or 'grad_input') of conv
    on the dense row kernel at ISA level `level`: the conditions of
    csrc/nn/conv2d_direct.template.c (a level of FMA_DENSE_LEVELS,
    FC_DENSE_MIN_UNITS 2 channels computed per group, stride 1 along the
    rows -- forward at AVX-512: 1 or 2 --, at most FC_DENSE_MAX_KW 16 kernel
    columns; grad_input with every stride 1)."""
    stride = _per_axis(conv.stride, conv.nd)
    max_stride = 2 if level in ROW_STRIDE2_LEVELS else 1
    if level not in FMA_DENSE_LEVELS or conv.kernel[-1] > 16:
        return False
    if op == "forward":
        return conv.c_out // conv.groups >= 2 and stride[-1] <= max_stride
    return op == "grad_input" and conv.c_in // conv.groups >= 2 and all(s == 1 for s in stride)
