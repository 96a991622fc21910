"""Batches: the signal API over stacks of signals or images.

With ``axis=`` (convolve, correlate and their backward passes) or ``axes=``
(convolve2d, correlate2d and theirs), the inputs are broadcast against each
other as NumPy broadcasts (length-1 dimensions prepended to the input with
fewer), except along the operation's axes, where each keeps its own length;
the 1-D / 2-D operation then runs along those axes for every index of the
other (batch) dimensions, and the result has its own lengths along them.
The axes are counted in the common number of dimensions.  An input with
only the operation's dimensions (one 1-D kernel, one 2-D image) is one item
for the whole batch, whatever the axes: its dimensions are placed at the
axes, in their order.

How it runs: the axes are moved to the end and each input becomes a C stack
of shape (B, rows, cols) -- B the batch size, or 1 for an input shared by
the whole batch (a stack of signals with one kernel), never copied B times.
Validation, dtypes, modes and the method are settled once for the batch
('auto' priced per item times the batch); `correlate_stack` and
`correlation_backward_stack` then run the primitive of _primitive.py for
every item: the direct method in one C call with the GIL released
(fc_corr2d_direct_batch, threaded over the items and their tiles, every item
bit for bit the unbatched call's), the FFT as batched scipy.fft transforms
when that fits, im2col and the rest item by item.
"""
import operator

import numpy as np
import scipy.fft

from fastconv import (_block_cache, _config, _dtypes, _fft, _isa, _lags, _method, _primitive,
                      _threads, _validation)
from fastconv._ext import _signal as _ext
from fastconv._method import Method
from fastconv._primitive import as_kernel_input, correlate_2d, extend, finish
from fastconv._signal_shapes import numpy_lags, scipy_offsets, scipy_window


# --------------------------------------------------------------------------
# axes and broadcasting
# --------------------------------------------------------------------------

class Stacks:
    """Inputs brought to stacks: `arrays[i]` has shape (B_i, *core_i) with
    B_i = 1 (shared) or `size`; `shape` is the broadcast batch shape, `axes`
    the operation's axes (normalized, in `ndim` dimensions), `padded[i]`
    input i's batch shape with its prepended 1s (to reduce gradients)."""

    def __init__(self, arrays, shape, axes, ndim, padded):
        self.arrays, self.shape, self.axes, self.ndim, self.padded = \
            arrays, shape, axes, ndim, padded
        self.size = int(np.prod(shape, dtype=np.int64))

    def result(self, stack, core_shape):
        """A (size, *core_shape) stack as the public result: batch shape
        restored, the core axes moved back to `axes`, C-contiguous."""
        k = len(self.axes)
        out = stack.reshape(self.shape + tuple(core_shape))
        out = np.moveaxis(out, tuple(range(self.ndim - k, self.ndim)), self.axes)
        return np.ascontiguousarray(out)

    def public_shape(self, core_shape):
        """Shape of the public result whose core has `core_shape`."""
        shape = list(self.shape)
        for ax, n in sorted(zip(self.axes, core_shape)):
            shape.insert(ax, n)
        return tuple(shape)

    def gradient(self, i, stack, input_shape):
        """A gradient stack (B_i, *core) of input i reduced to that input's
        own shape: summed over the batch dimensions it was broadcast along."""
        k = len(self.axes)
        core = stack.shape[1:]
        if stack.shape[0] == 1:   # shared input: the per-item gradients are already summed
            grad = stack.reshape((1,) * len(self.shape) + core)
        else:
            grad = stack.reshape(self.shape + core)
            along = tuple(d for d, (n, p) in enumerate(zip(self.shape, self.padded[i]))
                          if p == 1 and n != 1)
            if along:
                grad = grad.sum(axis=along, keepdims=True)
        grad = np.moveaxis(grad, tuple(range(self.ndim - k, self.ndim)), self.axes)
        return np.ascontiguousarray(grad.reshape(input_shape))


def _axis_index(axis, ndim, argname):
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{argname} must be an integer, not {type(axis).__name__}") from None
    return np.lib.array_utils.normalize_axis_index(axis, ndim)


def normalize_axes(axes, ndim, count):
    """`axes` (an int when count is 1, a pair of ints when 2) as
    non-negative axes of an ndim-dimensional array: NumPy's AxisError when
    out of range, ValueError when repeated or of the wrong length."""
    if count == 1:
        return (_axis_index(axes, ndim, "axis"),)
    if isinstance(axes, (str, bytes)) or not hasattr(axes, "__len__"):
        raise TypeError(f"axes must be a pair of integers, not {type(axes).__name__}")
    if len(axes) != count:
        raise ValueError(f"axes must hold exactly {count} axes, got {len(axes)}")
    normalized = tuple(_axis_index(ax, ndim, "axes") for ax in axes)
    if len(set(normalized)) != len(normalized):
        raise ValueError("repeated axis in `axes` argument")
    return normalized


def stacks(fname, arrays, axes, count):
    """The arrays (ndarrays) broadcast over everything but their `count`
    core axes, as `Stacks`.  An array of `count` dimensions is one item for
    the whole batch (its dimensions go to `axes`, in their order); others get
    length-1 dimensions prepended (NumPy's rule), and the batch dimensions
    must broadcast.  The core axes keep each array's own lengths."""
    ndim = max(a.ndim for a in arrays)
    axes = normalize_axes(axes, ndim, count)
    moved, batch_shapes = [], []
    batch_axes = [d for d in range(ndim) if d not in axes]
    for a in arrays:
        if a.ndim == count:   # one signal / image / kernel for the whole batch
            a = np.expand_dims(a, batch_axes)
        else:
            a = a.reshape((1,) * (ndim - a.ndim) + a.shape)
        a = np.moveaxis(a, axes, tuple(range(ndim - count, ndim)))
        moved.append(a)
        batch_shapes.append(a.shape[:ndim - count])
    try:
        shape = tuple(np.broadcast_shapes(*batch_shapes))
    except ValueError:
        hint = ""
        if len({a.ndim for a in arrays}) > 1:
            hint = ("; the input with fewer dimensions got length-1 dimensions prepended "
                    "before the axes were counted: add its batch dimensions explicitly "
                    "(e.g. kernel[:, None]) when the axes are not the last ones")
        raise ValueError(
            f"{fname}: the batch dimensions of the inputs (all but axes {axes}) cannot be "
            f"broadcast together: shapes {' and '.join(map(str, batch_shapes))}{hint}") from None
    size = int(np.prod(shape, dtype=np.int64))
    out = []
    for a, batch in zip(moved, batch_shapes):
        core = a.shape[ndim - count:]
        if all(n == 1 for n in batch):
            out.append(a.reshape((1,) + core))
        else:
            # np.reshape copies only when the moved array is not contiguous
            out.append(np.broadcast_to(a, shape + core).reshape((size,) + core))
    return Stacks(out, shape, axes, ndim, batch_shapes)


# --------------------------------------------------------------------------
# the batched primitive and its backward pass
# --------------------------------------------------------------------------

def _item(stack, b):
    """Item b of a stack of 1 (shared) or B items."""
    return stack[b if len(stack) > 1 else 0]


def _foldable_rows(x, w, out_shape, r0, boundary):
    """True when the items are the rows of one 2-D problem: 1-D signals (one
    row each, offset r0 = 0, zero extension) sharing one kernel are the rows
    of a (B, xc) image correlated with a one-row kernel (rows never mix: the
    kernel has one row and the zero extension holds between rows)."""
    return (len(w) == 1 and x.shape[1] == 1 and w.shape[1] == 1 and out_shape[0] == 1
            and r0 == 0 and boundary == "zero")


def correlate_stack(x, w, out_shape, r0, c0, plan, method, boundary="zero", fill=None, *,
                    op="correlate", threads=None):
    """_primitive.correlate_2d for every item of a batch:

        out[b, i, j] = sum_{p, q} ext(x[b])[i + r0 + p, j + c0 + q] * w[b][p, q]

    x of shape (Bx, xr, xc), w of shape (Bw, wr, wc), Bx and Bw each 1 (the
    same array for every item) or B; `method` a validated name ('auto' is
    resolved once, for the whole batch: `_method.choose` prices one item
    times the batch).  Returns a new (B, *out_shape) array of plan.compute
    dtype.

    The direct method runs the whole batch in one C call, threaded over the
    items (and over row bands of an item when the batch is small), each item
    bit for bit what correlate_2d computes for it with method='direct'.
    im2col runs item by item; fft runs as one 2-D problem when the items
    are rows of it (`_foldable_rows`), as batched transforms under the zero
    extension when an item's output is one transform block (`_fft_stack`),
    otherwise item by item.
    """
    out_shape = tuple(out_shape)
    batch = max(len(x), len(w)) if min(len(x), len(w)) > 0 else 0
    (xr, xc), (wr, wc) = x.shape[1:], w.shape[1:]
    if (boundary == "zero" and wr >= xr and wc >= xc and 0 < xr * xc
            and wr * wc >= _primitive._COVERING_KERNEL_RATIO * xr * xc):
        # correlate_2d's role swap (a kernel covering the image), for every item
        return correlate_stack(w[:, ::-1, ::-1], x[:, ::-1, ::-1], out_shape,
                               r0 + wr - xr, c0 + wc - xc, plan, method, boundary, fill,
                               op=op, threads=threads)
    nthreads = _threads.resolve(threads)
    requested = _method.code(method)
    foldable = batch > 0 and _foldable_rows(x, w, out_shape, r0, boundary)
    if foldable:   # priced as what runs: one 2-D problem of `batch` rows
        chosen = _method.resolve(requested, op, ((batch, xc), w.shape[1:],
                                                 (batch, out_shape[1])),
                                 plan.compute, boundary, nthreads)
    else:
        trim = (_fft.zero_trim(x.shape[1:], w.shape[1:], out_shape, r0, c0)
                if boundary == "zero" else (0, 0))
        chosen = _method.resolve(requested, op, (x.shape[1:], w.shape[1:], out_shape),
                                 plan.compute, boundary, nthreads, batch=max(batch, 1),
                                 trim=trim)
    if batch == 0:
        return np.empty((0,) + out_shape, dtype=plan.compute)
    if (chosen == Method.FFT and requested == Method.AUTO
            and not (np.isfinite(x).all() and np.isfinite(w).all()
                     and (fill is None or np.isfinite(fill)))):
        chosen = Method.DIRECT   # as correlate_2d: keep a non-finite value where it belongs
    if chosen == Method.FFT:
        if foldable:
            rows = np.broadcast_to(x.reshape(len(x), xc), (batch, xc))
            out = correlate_2d(rows, w[0], (batch, out_shape[1]), 0, c0, plan, chosen.label,
                               op=op, threads=threads)
            return out.reshape((batch,) + out_shape)
        if boundary == "zero":
            out = _fft_stack(x, w, out_shape, r0, c0, plan, batch, nthreads)
            if out is not None:
                return out
        out = np.empty((batch,) + out_shape, dtype=plan.compute)
        for b in range(batch):
            out[b] = correlate_2d(_item(x, b), _item(w, b), out_shape, r0, c0, plan,
                                  chosen.label, boundary, fill, op=op, threads=threads)
        return out
    if chosen == Method.DIRECT and wr > _primitive._TALL_KERNEL_ROWS and wr > wc:
        # correlate_2d's transposition of a tall, thin kernel, for every item
        transposed = correlate_stack(x.transpose(0, 2, 1), w.transpose(0, 2, 1), out_shape[::-1],
                                     c0, r0, plan, Method.DIRECT.label, boundary, fill, op=op,
                                     threads=threads)
        return np.ascontiguousarray(transposed.transpose(0, 2, 1))

    # the C kernels on the converted stacks (each made contiguous once),
    # writing straight into the output stack
    out = _block_cache.empty_output((batch,) + out_shape, plan.compute)
    im2col = chosen == Method.IM2COL
    if im2col and fill is not None and fill.dtype.kind == "c" and not np.isfinite(fill):
        im2col = False   # see correlate_2d (issue 11, defect 6)
    if fill is not None:
        fill = np.require(fill.astype(plan.compute), requirements=["C", "A"]).view(plan.view)
    xs, ws, outs = as_kernel_input(x, plan), as_kernel_input(w, plan), out.view(plan.view)
    if not im2col:
        if foldable and len(x) == batch:
            # one image of B rows: the micro-kernel takes several rows at a time
            xs, outs = xs.reshape(1, batch, xc), outs.reshape(1, batch, out_shape[1])
        _ext.corr2d_batch(xs, ws, outs, r0, c0, plan.code, boundary, fill, nthreads,
                          _isa.current)
        return out
    kernel_finite = (boundary != "zero" or w.dtype.kind not in "fc"
                     or bool(np.isfinite(w).all()))
    tile_bytes = _config.im2col_tile_bytes()
    for b in range(batch):
        _ext.corr2d(_item(xs, b), _item(ws, b), outs[b], r0, c0, plan.code, True, tile_bytes,
                    boundary, fill, kernel_finite, nthreads, _isa.current)
    return out


def _fft_stack(x, w, out_shape, r0, c0, plan, batch, workers):
    """The zero-extension primitive by FFT for every item, when one transform
    block holds an item's whole output (_fft.block_plan): the items' windows
    and kernels transformed together by scipy.fft (batched transforms over
    `workers` threads), in groups of at most _fft.BATCH_BYTES.  The same
    transforms as _fft.correlate's for one item.  Returns the (batch,
    *out_shape) result, or None when an item needs several blocks (the
    caller then runs the items one by one).  Its arrays come from the block
    cache (_block_cache.reusing)."""
    with _block_cache.reusing():
        return _fft_stack_blocks(x, w, out_shape, r0, c0, plan, batch, workers)


def _fft_stack_blocks(x, w, out_shape, r0, c0, plan, batch, workers):
    rows, cols = out_shape
    (xr, xc), (wr, wc) = x.shape[1:], w.shape[1:]
    dtype = plan.compute
    if rows * cols == 0 or wr * wc == 0:
        return np.zeros((batch,) + tuple(out_shape), dtype=dtype)
    real = dtype.kind == "f"
    trim = _fft.zero_trim((xr, xc), (wr, wc), out_shape, r0, c0)
    blocks = _fft.block_plan(out_shape, (wr, wc), real, _method.block_overhead(dtype),
                             trim=trim)
    if blocks.blocks != 1:
        return None
    # each item's window of ext(x), its data only (as _fft.correlate's one block)
    row_axis = _fft.BlockAxis(xr, wr, rows, r0, rows, blocks.nr, True)
    col_axis = _fft.BlockAxis(xc, wc, cols, c0, cols, blocks.nc, True)
    if row_axis.window == 0 or col_axis.window == 0:
        return np.zeros((batch,) + tuple(out_shape), dtype=dtype)   # no data: zeros
    forward, inverse = ((scipy.fft.rfftn, scipy.fft.irfftn) if real
                        else (scipy.fft.fftn, scipy.fft.ifftn))
    shape, axes = (((blocks.nr, blocks.nc), (-2, -1)) if blocks.nr > 1
                   else ((blocks.nc,), (-1,)))
    spectra = forward(np.asarray(w[:, ::-1, ::-1], dtype=dtype), shape, axes=axes,
                      workers=workers)
    data = (slice(row_axis.start, row_axis.start + row_axis.window),
            slice(col_axis.start, col_axis.start + col_axis.window))
    kept_rows, kept_cols = row_axis.kept(rows), col_axis.kept(cols)
    group = max(1, _fft.BATCH_BYTES // (2 * blocks.nr * blocks.nc * dtype.itemsize))
    out = np.empty((batch,) + tuple(out_shape), dtype=dtype)
    for first in range(0, batch, group):
        last = min(batch, first + group)
        items = x[first:last] if len(x) > 1 else x[:1]
        product = forward(np.asarray(items[(slice(None),) + data], dtype=dtype), shape,
                          axes=axes, workers=workers)
        kernels = spectra[first:last] if len(w) > 1 else spectra
        if len(product) < len(kernels):
            product = product * kernels     # one image, a kernel per item
        else:
            product *= kernels
        result = inverse(product, shape, axes=axes, workers=workers, overwrite_x=True)
        out[first:last] = result[:, kept_rows][:, :, kept_cols]
    return out


def _extend_stack(x, window, r0, c0, boundary, fill, plan):
    """_primitive.extend for every item of the stack x: (len(x), *window)."""
    out = np.empty((len(x),) + tuple(window), dtype=plan.compute)
    for b in range(len(x)):
        out[b] = extend(x[b], window, r0, c0, boundary, fill, plan)
    return out


def _summed_to(stack, count):
    """A (B, ...) gradient stack of an input that holds `count` items (1:
    shared by the batch, then summed over it; else B)."""
    if len(stack) == count:
        return stack
    return stack.sum(axis=0, keepdims=True)


def correlation_backward_stack(g, x, w, r0, c0, plan, method, window=None, boundary="fill",
                               fill=None, threads=None):
    """_primitive.correlation_backward for every item of a batch: g of shape
    (B, orows, ocols), x (Bx, ...) and w (Bw, ...) with Bx, Bw each 1 or B.
    Returns (grad_x, grad_w) of shapes (Bx, ...) and (Bw, ...): the gradient
    of a shared input is the sum of the items' gradients.  Each of the two
    correlations is one `correlate_stack` (one C call by the direct method),
    so every item's gradient is computed as correlation_backward computes it."""
    batch = len(g)
    wr, wc = w.shape[1:]
    if window is None:
        image, ir0, ic0 = x, r0, c0
    else:
        image, ir0, ic0 = _extend_stack(x, window, r0, c0, boundary, fill, plan), 0, 0
    grad_w = correlate_stack(image, g, w.shape[1:], ir0, ic0, plan, method, op="kernel_grad",
                             threads=threads)
    w_reversed = w[:, ::-1, ::-1]
    if window is None or boundary == "fill":
        # only x's own elements receive a gradient (see correlation_backward)
        grad_x = correlate_stack(g, w_reversed, x.shape[1:], -(r0 + wr - 1), -(c0 + wc - 1),
                                 plan, method, threads=threads)
    else:
        grad_window = correlate_stack(g, w_reversed, window, -(wr - 1), -(wc - 1), plan, method,
                                      threads=threads)
        grad_x = np.empty((batch,) + x.shape[1:], dtype=plan.compute)
        for b in range(batch):
            _ext.fold2d(grad_window[b].view(plan.view), grad_x[b].view(plan.view), r0, c0,
                        boundary, plan.code)
    if batch == 0:
        return (np.zeros(x.shape, dtype=plan.compute), np.zeros(w.shape, dtype=plan.compute))
    return _summed_to(grad_x, len(x)), _summed_to(grad_w, len(w))


# --------------------------------------------------------------------------
# numpy.convolve / numpy.correlate along an axis
# --------------------------------------------------------------------------

def _per_item(function, st, *args):
    """Dtypes fastconv has no kernel for (object, longdouble...): the NumPy /
    SciPy function on every item, results stacked."""
    results = [function(*(s[b if len(s) > 1 else 0] for s in st.arrays), *args)
               for b in range(st.size)]
    if not results:
        raise TypeError(f"{function.__name__}: no fastconv kernel for this dtype")
    return np.stack(results)


def _one_row(stack):
    """A (B, n) stack of 1-D items as (B, 1, n)."""
    return stack.reshape(len(stack), 1, stack.shape[-1])


def convolve(a, v, mode_name, method, axis, *, threads=None):
    """fastconv.convolve(a, v, mode, axis=axis, threads=threads)."""
    a, v = np.array(a, copy=None, ndmin=1), np.array(v, copy=None, ndmin=1)
    st = stacks("convolve", [a, v], axis, 1)
    sa, sv = st.arrays
    if sa.shape[-1] == 0:
        raise ValueError("a cannot be empty")
    if sv.shape[-1] == 0:
        raise ValueError("v cannot be empty")
    result = _dtypes.result_dtype(a, v)
    plan = _dtypes.plan(result) if result is not None else None
    if plan is None:
        out = _per_item(np.convolve, st, mode_name)
        return st.result(out, out.shape[1:])
    if sv.shape[-1] > sa.shape[-1]:
        sa, sv = sv, sa
    k0, length = numpy_lags(mode_name, sa.shape[-1], sv.shape[-1])
    out = correlate_stack(_one_row(sa), _one_row(sv[:, ::-1]), (1, length), 0, k0, plan, method,
                          threads=threads)
    return st.result(finish(out, result), (length,))


def correlate(a, v, mode_name, method, axis, lags=None, *, threads=None):
    """fastconv.correlate(a, v, mode, axis=axis, lags=lags, threads=threads)."""
    a, v = np.asarray(a), np.asarray(v)
    if a.ndim == 0 or v.ndim == 0:
        raise ValueError("object of too small depth for desired array")
    st = stacks("correlate", [a, v], axis, 1)
    sa, sv = st.arrays
    m, n = sa.shape[-1], sv.shape[-1]
    if m == 0:
        raise ValueError("first array argument cannot be empty")
    if n == 0:
        raise ValueError("second array argument cannot be empty")
    first, count = _lags.window(lags, mode_name, m, n)
    result = _dtypes.result_dtype(a, v)
    plan = _dtypes.plan(result) if result is not None else None
    if plan is None:
        full_first = _lags.numpy_window(mode_name, m, n)[0]
        out = _per_item(np.correlate, st, mode_name)[:, first - full_first:][:, :count]
        return st.result(out, (count,))
    if sv.dtype.kind == "c":
        sv = np.conj(sv)
    if m >= n:
        out = correlate_stack(_one_row(sa), _one_row(sv), (1, count), 0, first, plan, method,
                              threads=threads)
    else:   # c_k = r_{-k}, r the correlation of conj(v) with a: cost min(M, N) per lag
        out = correlate_stack(_one_row(sv), _one_row(sa), (1, count), 0, -(first + count - 1),
                              plan, method, threads=threads)[..., ::-1]
    return st.result(finish(out, result), (count,))


# --------------------------------------------------------------------------
# scipy.signal.convolve2d / correlate2d over two axes
# --------------------------------------------------------------------------

def _scipy_arguments(name, in1, in2, mode, boundary, method, axes):
    """The arguments of a batched convolve2d / correlate2d checked in SciPy's
    order, on the items' shapes: (Stacks, swapped, mode, boundary, method)."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    st = stacks(name, [in1, in2], axes, 2)
    s1, s2 = st.arrays
    swapped = _validation.scipy_valid_swap(mode, s1.shape[1:], s2.shape[1:])
    return (st, swapped, _validation.scipy_mode(mode), _validation.scipy_boundary(boundary),
            _validation.method(method, _validation.SIGNAL_METHODS))


def scipy_2d(name, in1, in2, mode, boundary, fillvalue, method, axes, convolution, *,
             threads=None):
    """fastconv.convolve2d / correlate2d(..., axes=axes, threads=threads)."""
    st, swapped, mode_name, boundary_name, method = _scipy_arguments(
        name, in1, in2, mode, boundary, method, axes)
    s1, s2 = st.arrays
    result = _dtypes.result_dtype(s1, s2)
    plan = _dtypes.plan(result) if result is not None else None
    if plan is None:
        import scipy.signal
        out = _per_item(getattr(scipy.signal, name), st, mode, boundary, fillvalue)
        return st.result(out, out.shape[1:])
    fill = _validation.scipy_fill(boundary_name, fillvalue, result)

    flip_output = False
    if swapped:
        s1, s2 = s2, s1
    if convolution:
        x, w = s1, s2[:, ::-1, ::-1]
    elif swapped:   # as _signal._scipy_2d: the right answer, not SciPy's conjugate
        x, w = (np.conj(s1) if s1.dtype.kind == "c" else s1), s2
        flip_output = True
    else:
        x, w = s1, (np.conj(s2) if s2.dtype.kind == "c" else s2)

    out_shape, r0, c0 = scipy_offsets(mode_name, x.shape[1:], w.shape[1:], convolution)
    kernel_finite = w.dtype.kind not in "fc" or bool(np.isfinite(w).all())
    window = scipy_window(mode_name, x.shape[1:], w.shape[1:], out_shape, boundary,
                          boundary_name, fill, kernel_finite)
    if window is None:
        out = correlate_stack(x, w, out_shape, r0, c0, plan, method, threads=threads)
    else:
        out = correlate_stack(x, w, out_shape, r0, c0, plan, method, boundary_name, fill,
                              threads=threads)
    if flip_output:
        out = out[:, ::-1, ::-1]
    return st.result(finish(out, result), out_shape)


# --------------------------------------------------------------------------
# backward passes
# --------------------------------------------------------------------------

def _grad_output(name, grad_output, st, core_shape, forward_call, plan):
    """grad_output checked to have the forward's shape, as a (B, *core) stack
    of the compute dtype."""
    g = np.asarray(grad_output)
    if g.dtype.kind not in "iuf":
        raise TypeError(f"{name}: grad_output has dtype {g.dtype}, but it must be real "
                        f"(integer or floating-point)")
    expected = st.public_shape(core_shape)
    if g.shape != expected:
        raise ValueError(f"{name}: grad_output has shape {g.shape}, but {forward_call} "
                         f"returns shape {expected}")
    k = len(st.axes)
    g = np.moveaxis(g, st.axes, tuple(range(st.ndim - k, st.ndim)))
    g = g.reshape((st.size,) + tuple(core_shape))
    return np.require(g, dtype=plan.compute, requirements=["C", "A"])


def _floating_plan(name, **inputs):
    from fastconv._signal_backward import _floating_plan as plan_of
    return plan_of(name, **inputs)


def numpy_backward(name, grad_output, a, v, mode_name, method, axis, convolution, *,
                   threads=None):
    """convolve_backward / correlate_backward(..., axis=axis)."""
    forward = "convolve" if convolution else "correlate"
    a, v = np.asarray(a), np.asarray(v)
    a_shape, v_shape = a.shape, v.shape
    if convolution:
        a, v = np.atleast_1d(a), np.atleast_1d(v)
    elif a.ndim == 0 or v.ndim == 0:
        raise ValueError("object of too small depth for desired array")
    st = stacks(name, [a, v], axis, 1)
    sa, sv = st.arrays
    if sa.shape[-1] == 0:
        raise ValueError("a cannot be empty" if convolution
                         else "first array argument cannot be empty")
    if sv.shape[-1] == 0:
        raise ValueError("v cannot be empty" if convolution
                         else "second array argument cannot be empty")
    result, plan = _floating_plan(name, a=a, v=v)
    swapped = sv.shape[-1] > sa.shape[-1] if convolution else sa.shape[-1] < sv.shape[-1]
    x, w = (sv, sa) if swapped else (sa, sv)
    if convolution:
        w = w[:, ::-1]
    k0, length = numpy_lags(mode_name, x.shape[-1], w.shape[-1])
    g = _grad_output(name, grad_output, st, (length,),
                     f"{forward}(a, v, mode={mode_name!r}, axis={st.axes[0]})", plan)
    if swapped and not convolution:
        g = g[:, ::-1]
    grad_x, grad_w = correlation_backward_stack(_one_row(g), _one_row(x), _one_row(w), 0, k0,
                                                plan, method, threads=threads)
    grad_x, grad_w = grad_x[:, 0], grad_w[:, 0]
    if convolution:
        grad_w = grad_w[:, ::-1]
    grad_a, grad_v = (grad_w, grad_x) if swapped else (grad_x, grad_w)
    return (finish(st.gradient(0, grad_a, a_shape), result),
            finish(st.gradient(1, grad_v, v_shape), result))


def scipy_backward(name, grad_output, in1, in2, mode, boundary, fillvalue, method, axes,
                   convolution, *, threads=None):
    """convolve2d_backward / correlate2d_backward(..., axes=axes)."""
    forward = "convolve2d" if convolution else "correlate2d"
    in1, in2 = np.asarray(in1), np.asarray(in2)
    st, swapped, mode_name, boundary_name, method = _scipy_arguments(
        forward, in1, in2, mode, boundary, method, axes)
    s1, s2 = st.arrays
    result, plan = _floating_plan(name, in1=in1, in2=in2)
    fill = _validation.scipy_fill(boundary_name, fillvalue, result)

    x, w = (s2, s1) if swapped else (s1, s2)
    if convolution:
        w = w[:, ::-1, ::-1]
    out_shape, r0, c0 = scipy_offsets(mode_name, x.shape[1:], w.shape[1:], convolution)
    window = scipy_window(mode_name, x.shape[1:], w.shape[1:], out_shape, boundary,
                          boundary_name, fill)
    g = _grad_output(name, grad_output, st, out_shape,
                     f"{forward}(in1, in2, mode={mode_name!r}, axes={st.axes})", plan)
    if swapped and not convolution:
        g = g[:, ::-1, ::-1]
    grad_x, grad_w = correlation_backward_stack(g, x, w, r0, c0, plan, method, window,
                                                boundary_name, fill, threads)
    if convolution:
        grad_w = grad_w[:, ::-1, ::-1]
    grad1, grad2 = (grad_w, grad_x) if swapped else (grad_x, grad_w)
    return (finish(st.gradient(0, grad1, in1.shape), result),
            finish(st.gradient(1, grad2, in2.shape), result))
