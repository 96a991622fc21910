"""fastconv on Dask arrays: signals and images larger than memory, or on a cluster.

`convolve`, `correlate`, `convolve2d` and `correlate2d` take a dask array
(or anything `dask.array.asarray` takes) as the signal / image and a small
in-memory kernel, and return a lazy dask array equal to what the in-memory
fastconv function returns for the computed input: same modes, boundaries,
fill values, dtype and shape.  `fastconv.dask.nn` has `conv1d` and `conv2d`.

How: one task per output chunk reads the exact window of the input it needs
(fastconv/dask/_halo.py): the neighbouring chunks' edges (only the halo moves
between workers), the boundary extension of SciPy's 'fill', 'wrap' and
'symm' computed from the input's own chunks (dask's ``map_overlap`` names
differ: its 'periodic' is SciPy's 'wrap', its 'reflect' is SciPy's 'symm',
and it only extends by one chunk; none of that is used here), any chunk size
(chunks smaller than the kernel included) and kernels larger than the image.
The kernel is one key of the graph, so each worker receives it once.  Each
task runs the in-memory C kernels with the same offsets as the in-memory
call, on one thread: the parallelism is Dask's (threads or processes), with
no oversubscription.

``axis=`` (1-D) and ``axes=`` (2-D), keyword-only, run the operation along
those axes of an N-D array for every index of the others (a stack of
signals or images sharing one kernel); without them the input must be
1-D / 2-D, as in NumPy and SciPy.

Requires the optional dependencies: ``pip install "fastconv[dask]"``.
"""
try:
    import dask.array as _da
except ImportError as error:   # pragma: no cover - exercised without dask
    raise ImportError("fastconv.dask needs Dask: pip install 'fastconv[dask]' "
                      "(dask[array] and distributed)") from error

import operator

import numpy as np

from fastconv import _dtypes, _validation
from fastconv._primitive import correlate_2d, finish
from fastconv._signal_shapes import numpy_lags, scipy_offsets, scipy_window
from fastconv.dask import _halo
from fastconv.dask import nn  # noqa: F401 - fastconv.dask.nn

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "nn"]


# --------------------------------------------------------------------------
# the task: one output chunk
# --------------------------------------------------------------------------

def _correlate_chunk(pieces, w, fill, out_shape, r0, c0, result, method, boundary, offsets):
    """One output chunk: the primitive's correlation of the window at
    (r0, c0) (shifted by the part of the window outside the input when it
    was clipped), for every index of the leading axes."""
    x = _halo.block(pieces)
    (top, _), (left, _) = offsets
    plan = _dtypes.plan(result)
    fill = None if fill is None else np.asarray(fill)
    lead = x.shape[:-2]
    with _halo.one_thread():
        if not lead:
            out = correlate_2d(x, w, tuple(out_shape), r0 - top, c0 - left, plan, method,
                               boundary, fill, threads=1)
        else:
            out = np.empty(lead + tuple(out_shape), dtype=plan.compute)
            for index in np.ndindex(*lead):
                out[index] = correlate_2d(x[index], w, tuple(out_shape), r0 - top, c0 - left,
                                          plan, method, boundary, fill, threads=1)
    return finish(out, result)


def _correlate(x, w, fill, out_shape, r0, c0, result, method, boundary):
    """The primitive ``out[i, j] = sum ext(x)[i + r0 + p, j + c0 + q] w[p, q]``
    over the last two axes of the dask array x (leading axes: batch);
    boundary 'zero' / 'fill' (x extended by zeros, or `fill`) or 'wrap' /
    'symm' (the window is gathered from x's chunks, then read at (0, 0))."""
    kh, kw = w.shape
    nlead = x.ndim - 2
    out_chunks = [_halo.regular_chunks(x.chunks[nlead + a], out_shape[a]) for a in range(2)]
    windows = []
    for a, origin in enumerate((r0, c0)):
        k = (kh, kw)[a]
        starts = _halo._bounds(out_chunks[a])
        windows.append([(origin + s, origin + e + k - 1) for s, e in zip(starts, starts[1:])])
    halo_boundary = "clip" if boundary in ("zero", "fill") else boundary
    # the task reads its window at (0, 0), shifted back by what a clipped
    # window lost before the input's start; a gathered window ('wrap',
    # 'symm') holds the extension itself, so nothing outside it is read
    chunk_boundary = boundary if halo_boundary == "clip" else "zero"
    block_args = {(i, j): ((out_chunks[0][i], out_chunks[1][j]), 0, 0, result, method,
                           chunk_boundary)
                  for i, j in np.ndindex(len(out_chunks[0]), len(out_chunks[1]))}
    return _halo.halo_map(
        x, 2, windows, out_chunks, x.chunks[:nlead], _correlate_chunk,
        (w, None if fill is None else np.asarray(fill)), block_args,
        result, halo_boundary, "fastconv-correlate")


def _in_memory(function, data, nd, *args, **kwargs):
    """`function` over the last nd axes of `data` (small: computed here),
    for every index of the leading axes, as a one-chunk dask array."""
    data = np.asarray(data.compute() if hasattr(data, "compute") else data)
    lead = data.shape[:data.ndim - nd]
    outs = [function(data[index], *args, **kwargs) for index in np.ndindex(*lead)]
    out = np.stack(outs).reshape(lead + outs[0].shape) if lead else outs[0]
    return _da.from_array(out, chunks=out.shape)


def _kernel(v):
    """A kernel argument as an in-memory array (a dask kernel is computed:
    kernels are small)."""
    if hasattr(v, "compute") and hasattr(v, "dask"):
        v = v.compute()
    return v


def _to_end(x, axes):
    """x with `axes` (normalized) moved to the end, and the inverse move."""
    axes = tuple(operator.index(a) for a in axes)
    normal = tuple(a % x.ndim if -x.ndim <= a < x.ndim else None for a in axes)
    if None in normal:
        raise np.exceptions.AxisError(f"axes {axes} out of bounds for an array of "
                                      f"dimension {x.ndim}")
    if len(set(normal)) != len(normal):
        raise ValueError(f"repeated axis in axes={axes}")
    destination = tuple(range(x.ndim - len(normal), x.ndim))
    return _da.moveaxis(x, normal, destination), (destination, normal)


def _from_end(out, move):
    destination, normal = move
    return _da.moveaxis(out, destination, normal)


# --------------------------------------------------------------------------
# numpy.convolve / numpy.correlate
# --------------------------------------------------------------------------

def _numpy_1d(name, a, v, mode, method, axis):
    convolution = name == "convolve"
    mode_name = _validation.numpy_mode(mode)
    method = _validation.method(method, _validation.SIGNAL_METHODS)
    a, v = _halo.known_chunks(_da.asarray(a)), np.asarray(_kernel(v))
    move = None
    if convolution and v.ndim == 0:   # numpy.convolve promotes 0-d inputs
        v = v.reshape(1)
    if axis is None:
        if convolution and a.ndim == 0:
            a = a.reshape(1)
        if a.ndim != 1 or v.ndim != 1:
            raise ValueError("object too deep for desired array" if a.ndim > 1 or v.ndim > 1
                             else "object of too small depth for desired array")
    else:
        if a.ndim == 0:
            raise ValueError("axis= needs an input with at least one dimension")
        if v.ndim != 1:
            raise ValueError(f"the kernel must be 1-D, got shape {v.shape}")
        a, move = _to_end(a, (axis,))
    n_a, n_v = a.shape[-1], len(v)
    if n_a == 0:
        raise ValueError("a cannot be empty" if convolution
                         else "first array argument cannot be empty")
    if n_v == 0:
        raise ValueError("v cannot be empty" if convolution
                         else "second array argument cannot be empty")
    result = _dtypes.result_dtype(np.empty(0, a.dtype), v)
    if result is None or _dtypes.plan(result) is None:
        raise TypeError(f"fastconv.dask.{name} computes bool, integer, float and complex "
                        f"inputs; got {a.dtype} and {v.dtype}")
    if n_v > n_a or 0 in a.shape:
        # the data is the shorter input (or there is none): small, in memory
        import fastconv
        out = _in_memory(getattr(fastconv, name), a, 1, v, mode, method=method)
    else:
        if convolution:
            w = v[::-1]
        else:
            w = np.conj(v) if v.dtype.kind == "c" else v
        k0, length = numpy_lags(mode_name, n_a, n_v)
        x = a[..., None, :]
        out = _correlate(x, w.reshape(1, -1), None, (1, length), 0, k0, result, method,
                         "zero")[..., 0, :]
    return out if move is None else _from_end(out, move)


def convolve(a, v, mode="full", *, method="auto", axis=None):
    """`fastconv.convolve` of a dask array `a` with an in-memory kernel `v`.

    Parameters
    ----------
    a : dask array or array_like
        The signal, chunked in any way (chunks may be smaller than `v`).
    v : array_like
        The kernel, 1-D (a dask array is computed: kernels are small).
    mode : {'full', 'same', 'valid'} or {2, 1, 0}, optional
        As in `numpy.convolve`.
    method : {'auto', 'direct', 'im2col', 'fft'}, keyword-only
        The in-memory method each chunk uses (see `fastconv.convolve`).
    axis : int, optional, keyword-only
        Convolve along this axis of an N-D `a`, for every index of the
        other axes (default: `a` must be 1-D, as in NumPy).

    Returns
    -------
    out : dask array
        Lazy; ``out.compute()`` equals ``fastconv.convolve(a.compute(), v,
        mode)`` (applied along `axis`) up to floating-point rounding of the
        method chosen per chunk (exactly, for integers and bool).  When `v`
        is longer than `a`, `a` is the small one and is computed in memory.

    Examples
    --------
    >>> import dask.array as da, numpy as np, fastconv.dask
    >>> a = da.arange(10.0, chunks=3)
    >>> fastconv.dask.convolve(a, [1.0, 1.0], 'valid').compute()
    array([ 1.,  3.,  5.,  7.,  9., 11., 13., 15., 17.])
    """
    return _numpy_1d("convolve", a, v, mode, method, axis)


def correlate(a, v, mode="valid", *, method="auto", axis=None):
    """`fastconv.correlate` of a dask array `a` with an in-memory kernel `v`:
    ``c_k = sum_n a[n + k] conj(v[n])``.

    Parameters and result as in `convolve` (default mode 'valid').

    Examples
    --------
    >>> import dask.array as da, fastconv.dask
    >>> fastconv.dask.correlate(da.arange(6.0, chunks=2), [1.0, 0.0, -1.0]).compute()
    array([-2., -2., -2., -2.])
    """
    return _numpy_1d("correlate", a, v, mode, method, axis)


# --------------------------------------------------------------------------
# scipy.signal.convolve2d / correlate2d
# --------------------------------------------------------------------------

def _scipy_2d(name, in1, in2, mode, boundary, fillvalue, method, axes):
    convolution = name == "convolve2d"
    in1, in2 = _halo.known_chunks(_da.asarray(in1)), np.asarray(_kernel(in2))
    move = None
    if axes is not None:
        if len(tuple(axes)) != 2:
            raise ValueError(f"axes must name two axes, got {axes!r}")
        if in1.ndim < 2:
            raise ValueError(f"axes= needs an input with at least two dimensions, "
                             f"got shape {in1.shape}")
        in1, move = _to_end(in1, axes)
    # SciPy's checks, in SciPy's order, on a stand-in of in1's shape and dtype
    stand_in = np.broadcast_to(np.zeros((), in1.dtype), in1.shape[-2:] if axes is not None
                               else in1.shape)
    stand_in, in2, swapped, mode_name, boundary_name, method = \
        _validation.scipy_2d_arguments(name, stand_in, in2, mode, boundary, method)
    result = _dtypes.result_dtype(stand_in, in2)
    if result is None or _dtypes.plan(result) is None:
        raise TypeError(f"fastconv.dask.{name} computes bool, integer, float and complex "
                        f"inputs; got {in1.dtype} and {in2.dtype}")
    fill = _validation.scipy_fill(boundary_name, fillvalue, result)
    if swapped or 0 in in1.shape or 0 in in2.shape:
        # in1 is the smaller input (or empty): small, in memory
        import fastconv
        out = _in_memory(getattr(fastconv, name), in1, 2, in2, mode, boundary, fillvalue,
                         method=method)
        return out if move is None else _from_end(out, move)
    if convolution:
        w = in2[::-1, ::-1]
    else:
        w = np.conj(in2) if in2.dtype.kind == "c" else in2
    out_shape, r0, c0 = scipy_offsets(mode_name, stand_in.shape, w.shape, convolution)
    kernel_finite = w.dtype.kind not in "fc" or bool(np.isfinite(w).all())
    window = scipy_window(mode_name, stand_in.shape, w.shape, out_shape, boundary,
                          boundary_name, fill, kernel_finite)
    if window is None:
        out = _correlate(in1, w, None, out_shape, r0, c0, result, method, "zero")
    else:
        out = _correlate(in1, w, fill, out_shape, r0, c0, result, method, boundary_name)
    return out if move is None else _from_end(out, move)


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0, *, method="auto",
               axes=None):
    """`fastconv.convolve2d` of a dask array `in1` with an in-memory kernel `in2`.

    Parameters
    ----------
    in1 : dask array or array_like
        The image, chunked in any way (chunks may be smaller than the kernel).
    in2 : array_like
        The 2-D kernel (a dask array is computed: kernels are small).
    mode : {'full', 'valid', 'same'}, optional
    boundary : {'fill', 'wrap', 'symm'} (aliases 'pad', 'circular', 'symmetric')
    fillvalue : scalar, optional
        As in `scipy.signal.convolve2d`: the extension of the whole image,
        whatever its chunking.
    method : {'auto', 'direct', 'im2col', 'fft'}, keyword-only
        The in-memory method each chunk uses.
    axes : pair of ints, optional, keyword-only
        Convolve over these two axes of an N-D `in1`, for every index of the
        others (default: `in1` must be 2-D, as in SciPy).

    Returns
    -------
    out : dask array
        Lazy; equal to ``fastconv.convolve2d(in1.compute(), in2, ...)`` up to
        the rounding of the method chosen per chunk (exactly for integers).
        'valid' with an `in1` smaller than `in2` computes the small `in1` in
        memory.

    Examples
    --------
    >>> import dask.array as da, numpy as np, fastconv.dask
    >>> image = da.ones((6, 6), chunks=2)
    >>> fastconv.dask.convolve2d(image, np.ones((3, 3)), 'same', 'symm').compute()[0]
    array([9., 9., 9., 9., 9., 9.])
    """
    return _scipy_2d("convolve2d", in1, in2, mode, boundary, fillvalue, method, axes)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0, *, method="auto",
                axes=None):
    """`fastconv.correlate2d` of a dask array `in1` with an in-memory kernel
    `in2`; parameters and result as in `convolve2d`.

    Examples
    --------
    >>> import dask.array as da, fastconv.dask
    >>> fastconv.dask.correlate2d(da.ones((4, 4), chunks=2), [[1, 2]], 'valid').compute()
    array([[3., 3., 3.],
           [3., 3., 3.],
           [3., 3., 3.],
           [3., 3., 3.]])
    """
    return _scipy_2d("correlate2d", in1, in2, mode, boundary, fillvalue, method, axes)
