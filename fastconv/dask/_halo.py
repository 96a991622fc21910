"""The halo exchange behind fastconv.dask: one task per output chunk, fed by
the exact window of the (extended) input that the chunk reads.

A sliding-window operation along the last `nd` axes of a chunked array
reads, for an output chunk covering positions [o0, o1) of an axis, the
positions [start, stop) of the input extended beyond its edges by a
boundary rule.  This module turns such windows into a dask graph:

- per axis, the window is split into *runs* of input indices: ascending for
  the input itself and for 'wrap' (periodic) copies, descending for the
  mirrored copies of 'symm' (half-sample symmetric, period 2n), and clipped
  to the input for 'clip' (zero or constant extension: the task is told how
  far the window hangs over each edge and extends it itself);
- each run is split at chunk boundaries into *pieces*, each a slice of one
  input chunk; the pieces smaller than their chunk are cut out by one export
  task per input chunk, which runs where the chunk lives, so that only the
  halo moves between workers;
- the output task receives the nested list of pieces (np.block joins them),
  the shared operands (the kernel: one graph key, so each worker receives it
  once) and the per-chunk geometry, and runs the in-memory kernel on one
  thread.

Nothing here depends on the size of a chunk relative to the kernel: a window
may span any number of chunks (chunks smaller than the kernel work), and
'wrap' / 'symm' repeat the input as often as a kernel larger than the input
needs.  The leading axes (batch, channels) map chunk to chunk.
"""
import contextlib
import itertools
from bisect import bisect_right

import numpy as np

BOUNDARIES = ("clip", "wrap", "symm")


def runs(start, stop, n, boundary):
    """Input indices of positions [start, stop) of an axis of length n
    extended by `boundary`, as runs ``(lo, hi, descending)``: indices lo..hi-1,
    in decreasing order when `descending`.  'clip' keeps the part inside the
    input (at most one run)."""
    if boundary == "clip":
        lo, hi = max(start, 0), min(stop, n)
        return [(lo, hi, False)] if lo < hi else []
    if n <= 0:
        raise ValueError(f"boundary {boundary!r} cannot extend an empty axis")
    out, pos = [], start
    while pos < stop:
        if boundary == "wrap":
            r = pos % n
            length = min(stop - pos, n - r)
            out.append((r, r + length, False))
        else:   # 'symm': x[0..n-1], then x[n-1..0], period 2n
            r = pos % (2 * n)
            if r < n:
                length = min(stop - pos, n - r)
                out.append((r, r + length, False))
            else:
                top = 2 * n - 1 - r           # index at pos; decreasing from there
                length = min(stop - pos, top + 1)
                out.append((top - length + 1, top + 1, True))
        pos += length
    return out


def pieces(axis_runs, bounds):
    """The runs split at chunk boundaries: ``(chunk, local slice, whole)``
    in window order; `bounds` are the chunk offsets [0, c0, c0 + c1, ..., n];
    `whole` is True when the piece is its chunk, unchanged."""
    out = []
    for lo, hi, descending in axis_runs:
        first, last = bisect_right(bounds, lo) - 1, bisect_right(bounds, hi - 1) - 1
        chunks = range(first, last + 1)
        for b in (reversed(chunks) if descending else chunks):
            s, e = max(lo, bounds[b]) - bounds[b], min(hi, bounds[b + 1]) - bounds[b]
            if e <= s:
                continue
            if descending:
                out.append((b, slice(e - 1, s - 1 if s > 0 else None, -1), False))
            else:
                out.append((b, slice(s, e), s == 0 and e == bounds[b + 1] - bounds[b]))
    return out


def _bounds(chunks):
    return [0] + list(itertools.accumulate(chunks))


def block(nested):
    """np.block of a nested list of pieces joined along the last axes (a
    lone piece is returned as it is)."""
    while isinstance(nested, list) and len(nested) == 1:
        nested = nested[0]
    if not isinstance(nested, list):
        return nested
    return np.block(nested)


_controller = None


@contextlib.contextmanager
def one_thread():
    """Run the enclosed fastconv call on one OpenMP thread in this thread
    only (the count is per calling thread in OpenMP), so that a worker with k
    threads runs k single-threaded tasks, never k x cores threads.  The
    tasks also pass ``threads=1`` to fastconv (the C loops and scipy.fft's
    workers), and SciPy's BLAS is kept on one thread by fastconv itself
    (fastconv._blas_threads); this guard covers what does not take
    ``threads=``."""
    global _controller
    if _controller is None:
        import threadpoolctl
        _controller = threadpoolctl.ThreadpoolController()
    with _controller.limit(limits=1, user_api="openmp"):
        yield


def known_chunks(x):
    """x, after checking that its chunk sizes are known (not nan)."""
    if any(c != c for axis in x.chunks for c in axis):
        raise ValueError("the input's chunk sizes are unknown (nan): call "
                         "x.compute_chunk_sizes() first; the halo needs them")
    return x


def halo_map(x, nd, windows, out_spatial_chunks, out_lead_chunks, func, shared, block_args,
             dtype, boundary, name):
    """A dask array whose chunk (lead..., o_1, ..., o_nd) is
    ``func(window, *shared, *block_args[o_1, ..., o_nd], clip_offsets)``.

    x : dask array; its last `nd` axes are the spatial ones.
    windows : per spatial axis, a list over the output chunks of that axis
        of (start, stop), the extended input positions the chunk reads.
    out_spatial_chunks, out_lead_chunks : chunks of the result (the leading
        axes map chunk to chunk: same number of chunks as x's).
    shared : arrays every task receives (kernel, bias...): one graph key
        each, so each worker gets them once.
    block_args : dict from the spatial chunk index tuple to a tuple of
        extra arguments of that chunk (picklable, small).
    boundary : 'clip', 'wrap' or 'symm' (module docstring).  With 'clip',
        `clip_offsets` is, per spatial axis, (before, after): how many
        positions of the window lie before / after the input (the task
        extends the window itself); otherwise all zeros.
    """
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph
    import dask.array as da

    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")
    known_chunks(x)
    nlead = x.ndim - nd
    token = tokenize(x, nd, windows, out_spatial_chunks, out_lead_chunks, func, shared,
                     block_args, dtype, boundary)
    out_name = f"{name}-{token}"
    piece_name = f"{name}-halo-{token}"
    shared_keys = []
    layer = {}
    for i, value in enumerate(shared):
        key = f"{name}-shared{i}-{token}"
        layer[key] = value
        shared_keys.append(key)

    spatial_sizes = x.shape[nlead:]
    spatial_bounds = [_bounds(c) for c in x.chunks[nlead:]]
    axis_pieces, axis_offsets = [], []
    for axis in range(nd):
        per_chunk, per_offsets = [], []
        n = spatial_sizes[axis]
        for start, stop in windows[axis]:
            per_chunk.append(pieces(runs(start, stop, n, boundary), spatial_bounds[axis]))
            if boundary == "clip":
                per_offsets.append((max(0, min(stop, 0) - start), max(0, stop - max(start, n))))
            else:
                per_offsets.append((0, 0))
        axis_pieces.append(per_chunk)
        axis_offsets.append(per_offsets)

    # Every slice a chunk lends to its neighbours comes out of one export
    # task per chunk (a list of views), run where the chunk lives; the
    # output tasks pick their pieces from the exports.  One small task per
    # input chunk, not one per (chunk, neighbour) pair: fewer tasks for the
    # scheduler, and only the halo strips travel.
    exports = {}        # source chunk key -> {slice signature: position}
    lead_ranges = [range(len(c)) for c in x.chunks[:nlead]]
    for lead in itertools.product(*lead_ranges):
        for spatial in itertools.product(*[range(len(w)) for w in windows]):
            per_axis = [axis_pieces[a][spatial[a]] for a in range(nd)]
            sources, picks = [], []
            for combo in itertools.product(*per_axis):
                source = (x.name, *lead, *(b for b, _, _ in combo))
                if all(whole for _, _, whole in combo):
                    sources.append(source)
                    picks.append(None)
                else:
                    slices = tuple(s for _, s, _ in combo)
                    wanted = exports.setdefault(source, {})
                    signature = tuple((s.start, s.stop, s.step) for s in slices)
                    position = wanted.setdefault(signature, len(wanted))
                    sources.append((piece_name, *source[1:]))
                    picks.append(position)
            offsets = tuple(axis_offsets[a][spatial[a]] for a in range(nd))
            layer[(out_name, *lead, *spatial)] = (
                _run_chunk, func, sources, picks, [len(p) for p in per_axis],
                *shared_keys, *block_args[spatial], offsets)
    for source, wanted in exports.items():
        indices = [(slice(None),) * nlead + tuple(slice(*s) for s in signature)
                   for signature in wanted]       # dicts keep insertion order
        layer[(piece_name, *source[1:])] = (_export, source, indices)

    graph = HighLevelGraph.from_collections(out_name, layer, dependencies=[x])
    chunks = tuple(out_lead_chunks) + tuple(out_spatial_chunks)
    meta = np.empty((0,) * len(chunks), dtype=dtype)
    return da.Array(graph, out_name, chunks, dtype=dtype, meta=meta)


def _nest(items, counts):
    """items (row-major over the per-axis piece counts) as a nested list of
    depth len(counts), for np.block."""
    if len(counts) == 1:
        return list(items)
    step = len(items) // counts[0]
    return [_nest(items[i * step:(i + 1) * step], counts[1:]) for i in range(counts[0])]


def _export(chunk, indices):
    """The slices of one input chunk that its neighbours' windows need, as
    contiguous copies: a strided view (a column strip) would be sent to
    another worker with most of its chunk's buffer."""
    return [np.ascontiguousarray(chunk[index]) for index in indices]


def _run_chunk(func, sources, picks, counts, *args):
    """An output task: its window's pieces (whole chunks, or slices picked
    from the neighbours' exports) nested for np.block, then func."""
    pieces = [source if pick is None else source[pick] for source, pick in zip(sources, picks)]
    return func(_nest(pieces, counts), *args)


def regular_chunks(like, length):
    """Chunks for an output axis of `length` positions: the input's chunks
    when the lengths agree, else chunks of the input's largest chunk size."""
    like = tuple(like)
    if sum(like) == length:
        return like
    size = max(max(like, default=1), 1)
    full, rest = divmod(length, size)
    return (size,) * full + ((rest,) if rest else ()) or (0,)
