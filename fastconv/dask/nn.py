"""`fastconv.nn.conv1d` / `conv2d` on dask arrays.

The input is a dask array of shape (N, C_in, *L) (or (C_in, *L)) chunked in
any way along the batch and the spatial axes; the channel axis is joined
into one chunk (every output channel reads every input channel of its
group).  When the spatial axes are whole, each task is the in-memory layer
on a slice of the batch, with the call's own padding.  When they are
chunked, each output chunk reads the input window it needs (the halo:
``d*(K-1) + 1 - s`` more positions than its stride covers, from the
neighbouring chunks, or zeros past the edge for the padding), and runs the
layer on it without padding.  The weight and bias are graph keys, sent once
to each worker; each task runs on one thread.
"""
import numpy as np

import dask.array as _da

from fastconv import _nn_shapes
from fastconv import nn as _nn
from fastconv.dask import _halo

__all__ = ["conv1d", "conv2d"]


def _layer_chunk(pieces, weight, bias, stride, padding, dilation, groups, method, offsets):
    """One output chunk: the in-memory layer on the window, zero-extended by
    `offsets` (the part of the window past the input's edges)."""
    x = _halo.block(pieces)
    pads = [(0, 0), (0, 0)] + list(offsets)
    if any(before or after for before, after in offsets):
        x = np.pad(x, pads)
    with _halo.one_thread():
        layer = _nn.conv1d if len(offsets) == 1 else _nn.conv2d
        return layer(x, weight, bias, stride, padding, dilation, groups, method=method,
                     threads=1)


def _conv(fname, nd, x, weight, bias, stride, padding, dilation, groups, method):
    x = _halo.known_chunks(_da.asarray(x))
    weight = np.asarray(weight.compute() if hasattr(weight, "dask") else weight)
    if bias is not None:
        bias = np.asarray(bias.compute() if hasattr(bias, "dask") else bias)
    # torch's checks, on a stand-in of x's shape and dtype (nothing computed)
    stand_in = np.broadcast_to(np.zeros((), x.dtype), x.shape)
    stand_in, weight, bias, result, plan = _nn._layer_inputs(fname, stand_in, weight, bias,
                                                             method)
    layer = _nn_shapes.conv_layer(fname, nd, x.shape, weight.shape,
                                  None if bias is None else bias.shape, stride, padding,
                                  dilation, groups, plan.compute.itemsize)
    g = layer.geometry
    if not layer.batched:
        x = x[None]
    x = x.rechunk({1: -1})   # every output channel reads all channels of its group
    sizes = x.shape[2:]
    stride_, pad_, dil_, kernel = ((g.stride_w,), (g.pad_w,), (g.dil_w,), (g.kw,)) if nd == 1 \
        else ((g.stride_h, g.stride_w), (g.pad_h, g.pad_w), (g.dil_h, g.dil_w), (g.kh, g.kw))
    out_sizes = (g.w_out,) if nd == 1 else (g.h_out, g.w_out)
    whole = all(len(c) == 1 for c in x.chunks[2:])
    windows, out_chunks = [], []
    for a in range(nd):
        if whole:
            # each task is the in-memory call on a slice of the batch
            out_chunks.append((out_sizes[a],))
            windows.append([(0, sizes[a])])
        else:
            per = max(1, max(x.chunks[2 + a]) // stride_[a])
            chunks = _halo.regular_chunks((per,), out_sizes[a]) if out_sizes[a] else (0,)
            out_chunks.append(chunks)
            starts = _halo._bounds(chunks)
            extent = dil_[a] * (kernel[a] - 1) + 1
            windows.append([(o0 * stride_[a] - pad_[a], (o1 - 1) * stride_[a] - pad_[a] + extent)
                            for o0, o1 in zip(starts, starts[1:])])
    if whole:
        call = (stride, padding, dilation, groups, method)
    else:
        call = (stride, 0, dilation, groups, method)
    block_args = {index: call for index in np.ndindex(*[len(c) for c in out_chunks])}
    out = _halo.halo_map(x, nd, windows, out_chunks, (x.chunks[0], (g.c_out,)), _layer_chunk,
                         (weight, bias), block_args, result, "clip", f"fastconv-{fname}")
    return out if layer.batched else out[0]


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method="auto"):
    """`fastconv.nn.conv1d` of a dask array `x` of shape (N, C_in, L) or (C_in, L).

    Parameters and result as in `fastconv.nn.conv1d`; `x` may be chunked
    along the batch and the length (the channel axis is joined into one
    chunk); the weight and bias are in memory (a dask weight is computed).
    The result is a lazy dask array chunked along the batch like `x`.

    Examples
    --------
    >>> import dask.array as da, numpy as np, fastconv.dask.nn
    >>> x = da.ones((4, 1, 10), chunks=(2, 1, 3))
    >>> fastconv.dask.nn.conv1d(x, np.ones((1, 1, 3)), padding=1).compute()[0, 0]
    array([2., 3., 3., 3., 3., 3., 3., 3., 3., 2.])
    """
    return _conv("conv1d", 1, x, weight, bias, stride, padding, dilation, groups, method)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method="auto"):
    """`fastconv.nn.conv2d` of a dask array `x` of shape (N, C_in, H, W) or (C_in, H, W).

    Parameters and result as in `fastconv.nn.conv2d`; `x` may be chunked
    along the batch and both spatial axes (the channel axis is joined into
    one chunk).  The result is a lazy dask array chunked along the batch
    like `x`.

    Examples
    --------
    >>> import dask.array as da, numpy as np, fastconv.dask.nn
    >>> x = da.ones((2, 3, 8, 8), chunks=(1, 3, 4, 4))
    >>> y = fastconv.dask.nn.conv2d(x, np.ones((5, 3, 3, 3)), stride=2, padding='valid')
    >>> y.shape, float(y[0, 0, 0, 0].compute())
    ((2, 5, 3, 3), 27.0)
    """
    return _conv("conv2d", 2, x, weight, bias, stride, padding, dilation, groups, method)
