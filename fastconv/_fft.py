"""The FFT method of the primitive (see _primitive.py),

    out[i, j] = sum_{p, q} ext(x)[i + r0 + p, j + c0 + q] * w[p, q],

through scipy.fft: real transforms (rfft / irfft along the last axis) for
real input, complex ones for complex input, single precision kept single (scipy.fft computes
float32 / complex64 input in that precision).

Overlap-save, in correlation form.  The output is cut into blocks of
Lr x Lc outputs; a block reads the (Lr + wr - 1) x (Lc + wc - 1) window of
ext(x) starting at its own offset, and its outputs are the part of the
circular convolution of that window with the reversed kernel (FFT size
Nr x Nc >= the window) that does not wrap around: entries wr - 1 ..
wr - 2 + Lr of each axis.  One block covering the whole output is the plain
FFT convolution; long signals and large images use many blocks, whose sizes
`block_plan` chooses by cost among scipy.fft.next_fast_len sizes.  Blocks of
one block row are transformed together (one batched scipy.fft call, which
spreads its transforms over `workers` threads), in batches capped at
BATCH_BYTES: only one batch's windows of the extension exist at a time, so
a large image is never copied whole, whatever its boundary.  scipy.fft
(pocketfft) transforms the rows of a batch LANES at a time with SIMD, and a
row without partners about SCALAR_COST times slower: a 1-D plan (one row per
block) is batched in whole groups of LANES blocks, one group per worker
thread when BATCH_BYTES allows it (pocketfft gives a thread whole groups
only), a call under PARALLEL_MIN_ELEMENTS runs on one worker, and
`block_plan(..., lanes=True)` prices its blocks so (`BlockPlan.lane_work`),
which favours block counts in whole groups.

The 2-D transforms are pruned (`_Transforms`): the forward transform runs
along the last axis first, on the rows that exist only (a window or the
kernel shorter than Nr rows is zero below; the kernel's wr rows cost wr/Nr
of that pass), then along the rows; the inverse runs along the rows first,
then along the last axis on the Lr rows that are kept only.  (scipy.fft's
rfftn / irfftn would pad to Nr rows and transform every row; irfftn's
overwrite_x is also slower than these separate passes.)

Under the zero extension, a plan with one block over an axis transforms
the data of its window only, without the zeros around it, in a transform
that may be shorter than the window by the fewer of those zeros on either
side (`zero_trim`; `BlockAxis` says where the outputs then are): the
length of a linear convolution ('full': out_len, not out_len + k - 1).

Boundaries: a window inside x is read from x in place (ext(x) is x there;
x's rows contiguous and forward);
any other is built by `window(shape, r, c)` (fc_pad2d, which makes any
window of the zero, 'fill', 'wrap' or 'symm' extension at any offset).
'wrap' is a circular convolution of the image itself when that is cheaper:
the kernel is folded onto an image-sized array (taps that wrap land on the
same element and add) and one transform of the image's own size gives every
output.

Error model: a transform-based result has a rounding error bounded in norm,
about  c * log2(N) * eps * ||ext(x)|| * ||w||  (N the transform size),
spread over all outputs, not per output as the direct sum's
K * eps * (|x| * |w|): outputs much smaller than the norms of the inputs
(tiny values next to huge ones, exact zeros, integer-valued results) carry
an absolute error of the size of the largest ones.  A non-finite input
element makes every output of its blocks non-finite.
"""
import functools
import math
from typing import NamedTuple

import numpy as np
import scipy.fft

from fastconv import _block_cache, _threads

#: Bytes of windows (and of their spectra) transformed in one batched call.
#: (Measured on glibc: at 8 MiB a call's temporaries were often returned to
#: the system and page-faulted anew on every call -- 4000-5000 faults, a
#: quarter to a third of the time of 1e6 x 10001 float32 or 2048² x 31²
#: float32; at 6 MiB none, and no case of issue 9 measurably slower.)
BATCH_BYTES = 6 << 20

#: scipy.fft (pocketfft) runs the one-dimensional transforms of a batch
#: LANES at a time, one per SIMD lane (x86 builds: 4 in single precision, 2 in
#: double); a transform left without partners runs alone, about SCALAR_COST
#: times slower (measured 2.7x float32, 1.8x float64, 16000-216000 points).
#: Rows of a 2-D block have partners enough; the blocks of a 1-D plan (one row
#: each) are batched by whole groups of LANES and priced per group.
LANES = 4
SCALAR_COST = 2.5

#: Transform elements of one scipy.fft call below which it runs on one
#: worker whatever the call's threads: pocketfft's threads cost more than
#: they save there (measured: 8 rows of 4096 float32, 39 µs on one worker,
#: 85 µs on two; 64 rows, 0.28 ms against 0.21 ms).
PARALLEL_MIN_ELEMENTS = 1 << 17

#: Per-block cost, in units of one element-log2 of transform work: the
#: Python and copying overhead that makes very small blocks a loss.
BLOCK_OVERHEAD = 4096.0

#: Largest transform, in elements, used for one block when the kernel does
#: not need more (a large image is split, its extension built block-wise).
MAX_BLOCK_ELEMENTS = 1 << 20


class BlockPlan(NamedTuple):
    """How an output of shape (rows, cols) is cut: blocks of (lr, lc) outputs,
    transforms of shape (nr, nc), (br, bc) blocks along each axis."""
    lr: int
    lc: int
    nr: int
    nc: int
    br: int
    bc: int

    @property
    def work(self):
        """Transform work of the whole call, in element-log2 units (one
        forward and one inverse transform per block)."""
        size = self.nr * self.nc
        return 2.0 * self.br * self.bc * size * max(math.log2(size), 1.0)

    @property
    def lane_work(self):
        """`work` as one call runs it: a 1-D plan (nr = 1) counts its blocks
        in lane groups, a block outside a whole group and the kernel's
        transform (alone) SCALAR_COST times; a 2-D plan's rows fill the
        lanes."""
        if self.nr > 1:
            return self.work
        size = self.nc
        blocks = self.bc // LANES * LANES + self.bc % LANES * SCALAR_COST
        return (2.0 * self.br * blocks + SCALAR_COST) * size * max(math.log2(size), 1.0)

    @property
    def blocks(self):
        return self.br * self.bc


def _axis_candidates(out_len, k, real, trim=0):
    """(L, N) choices along one axis: N a fast transform length holding the
    window of L outputs (L + k - 1 <= N), from the smallest sensible block
    up to one block for the whole axis, which needs only
    N >= L + k - 1 - trim (and >= k; see `zero_trim`)."""
    full_n = scipy.fft.next_fast_len(max(out_len + k - 1 - trim, k), real)
    choices = {(out_len, full_n)}
    n = scipy.fft.next_fast_len(max(2 * k, 16), real)
    while n < full_n:
        length = n - k + 1
        choices.add((length, n))
        n = scipy.fft.next_fast_len(int(n * 1.2) + 1, real)
    return sorted(choices, key=lambda c: c[1])


@functools.lru_cache(maxsize=512)
def _axis_candidates_cached(out_len, k, real, trim):
    return tuple(_axis_candidates(out_len, k, real, trim))


def _axis_zeros(x_len, k, out_len, offset):
    """(zeros before, zeros after, data) along one axis of the window of
    ext(x) that out_len outputs at `offset` read (offset .. offset +
    out_len + k - 2), under the zero extension."""
    window = out_len + k - 1
    before = min(max(-offset, 0), window)
    after = min(max(offset + window - x_len, 0), window - before)
    return before, after, window - before - after


def zero_trim(x_shape, w_shape, out_shape, r0, c0):
    """(rows, columns) by which one block holding a whole axis of the output
    may be shorter than its window, under the zero extension.

    Along an axis whose window has z_lo zeros before x's data and z_hi after
    it (D elements of data), a circular transform of length
    N >= D + max(z_lo, z_hi) = window - min(z_lo, z_hi) holding the data
    only gives every output without wrap-around: an output reads the zeros
    on one side of the data, which land in the N - D positions after it.
    So 'full' needs out_len (not out_len + k - 1) and 'same' about
    x_len + k - 1, as a linear convolution does; 0 where the window holds
    no data."""
    trims = []
    for x_len, k, out_len, offset in zip(x_shape, w_shape, out_shape, (r0, c0)):
        before, after, data = _axis_zeros(x_len, k, out_len, offset)
        trims.append(min(before, after) if data > 0 else 0)
    return tuple(trims)


def block_plan(out_shape, w_shape, real=True, overhead=None, lanes=False, trim=(0, 0)):
    """The cheapest `BlockPlan` for an output of `out_shape` and a kernel of
    `w_shape`: cost = `BlockPlan.work` (`BlockPlan.lane_work` if `lanes`:
    the blocks of one call, as `correlate` runs them; not for the items of
    a batch, which fill the lanes) + blocks * overhead, the overhead
    (default BLOCK_OVERHEAD; _method passes the fitted one) in
    element-log2 units; blocks no larger than MAX_BLOCK_ELEMENTS unless the
    kernel needs it.  `trim` (`zero_trim`, for the zero extension) shortens
    the transforms of a plan with one block along an axis."""
    overhead = BLOCK_OVERHEAD if overhead is None else overhead
    return _block_plan(tuple(out_shape), tuple(w_shape), bool(real), float(overhead),
                       bool(lanes), tuple(int(t) for t in trim))


@functools.lru_cache(maxsize=512)
def _block_plan(out_shape, w_shape, real, overhead, lanes, trim):
    (rows, cols), (wr, wc) = out_shape, w_shape
    best, best_cost = None, math.inf
    row_choices = _axis_candidates_cached(rows, wr, False, trim[0])
    col_choices = _axis_candidates_cached(cols, wc, real, trim[1])
    for lr, nr in row_choices:
        br = -(-rows // lr)
        for lc, nc in col_choices:
            size = nr * nc
            if size > MAX_BLOCK_ELEMENTS and best is not None:
                continue   # candidates grow: the first one is the smallest possible
            plan = BlockPlan(lr, lc, nr, nc, br, -(-cols // lc))
            cost = (plan.lane_work if lanes else plan.work) + plan.blocks * overhead
            if cost < best_cost:
                best, best_cost = plan, cost
    return best


def circular_work(x_shape):
    """Transform work of 'wrap' as one circular convolution of x's shape
    (three transforms; sizes that are not fast lengths cost about 3x)."""
    size = x_shape[0] * x_shape[1]
    fast = all(scipy.fft.next_fast_len(n) == n for n in x_shape)
    return 3.0 * size * max(math.log2(size), 1.0) * (1.0 if fast else 3.0)


def correlate(x, w, out_shape, r0, c0, boundary, window, workers, overhead=None):
    """The primitive by FFT, its arrays (transforms, windows, the result)
    from the block cache (_block_cache.reusing).

    Parameters
    ----------
    x, w : ndarray
        2-D, of one floating or complex dtype (the result's).
    out_shape : tuple of int
    r0, c0 : int
        Offset of output (0, 0) in ext(x).
    boundary : str
        'zero', 'fill', 'wrap' or 'symm' ('wrap' may take the circular path).
    window : callable
        ``window(shape, r, c)``: the `shape` window of ext(x) starting at
        row r, column c, as a new C-contiguous array of x's dtype (asked
        only for windows that leave x's extent: inside it, ext(x) is x).
    workers : int
        Threads of scipy.fft.
    overhead : float, optional
        Per-block cost for `block_plan`.

    Returns
    -------
    ndarray of x's dtype and shape `out_shape`.
    """
    with _block_cache.reusing():
        return _correlate(x, w, out_shape, r0, c0, boundary, window, workers, overhead)


def _correlate(x, w, out_shape, r0, c0, boundary, window, workers, overhead):
    rows, cols = out_shape
    wr, wc = w.shape
    real = x.dtype.kind == "f"
    if rows * cols == 0 or wr * wc == 0:
        return np.zeros(out_shape, dtype=x.dtype)
    overhead = BLOCK_OVERHEAD if overhead is None else overhead
    zero = boundary == "zero"
    if zero and any(_axis_zeros(*axis)[2] == 0 for axis in
                    zip(x.shape, w.shape, out_shape, (r0, c0))):
        return np.zeros(out_shape, dtype=x.dtype)    # every window is zeros
    trim = zero_trim(x.shape, w.shape, out_shape, r0, c0) if zero else (0, 0)
    plan = block_plan(out_shape, w.shape, real, overhead, lanes=True, trim=trim)
    if (boundary == "wrap" and x.size > 0
            and circular_work(x.shape) <= plan.work + plan.blocks * overhead):
        return _circular(x, w, out_shape, r0, c0, workers)
    # 2-D plans with several batches: the batches shared out between
    # `workers` threads, each running its transforms on one (the blocks of a
    # 2-D plan fill pocketfft's lanes on their own, and a thread per batch
    # also runs its products, copies and windows in parallel)
    per_batch = max(1, BATCH_BYTES // (2 * plan.nr * plan.nc * x.itemsize))
    batch_threads = 1
    if plan.nr == 1:
        # whole lane groups, one per worker (pocketfft gives each thread
        # whole groups only: a batch of one group runs on one thread), within
        # the byte cap (a larger batch is page-faulted anew on every call:
        # 1e6 x 10001 float32 ran 2x slower on 2 threads with 8-row batches)
        group = LANES * max(1, workers)
        if per_batch >= group:
            per_batch = per_batch // group * group
        else:
            per_batch = max(LANES, per_batch // LANES * LANES)
    elif workers > 1 and plan.blocks > 1:
        rows_of_batches = -(-workers // plan.br)        # batches a block row needs
        per_batch = min(per_batch, -(-plan.bc // rows_of_batches))
        batch_threads = workers
    transforms = _Transforms(plan, real, 1 if batch_threads > 1 else workers)
    # (a reversed view is transformed at about half speed: copy it first)
    spectrum = transforms.forward(np.ascontiguousarray(w[None, ::-1, ::-1]))[0]
    out = np.empty(out_shape, dtype=x.dtype)    # the blocks cover it
    # Along each axis, where a block's window starts in ext(x), its length,
    # and where its outputs are in the inverse transform: outputs wr - 1 ..
    # of a window read whole (the part that does not wrap around), or, for
    # one block over the axis under the zero extension, the window's data
    # alone (zeros before it, `zero_trim`), its outputs from
    # wr - 1 - zeros before, modulo the transform length.
    row_axis = BlockAxis(x.shape[0], wr, rows, r0, plan.lr, plan.nr,
                          zero and plan.br == 1)
    col_axis = BlockAxis(x.shape[1], wc, cols, c0, plan.lc, plan.nc,
                          zero and plan.bc == 1)

    def run(batch):
        """Blocks [first, first + count) of block row bi, into out."""
        bi, first = batch
        top = bi * plan.lr
        height = min(plan.lr, rows - top)
        count = min(per_batch, plan.bc - first)
        left = first * plan.lc
        strip = _strip(x, window, (row_axis.window, (count - 1) * plan.lc + col_axis.window),
                       row_axis.start + top, col_axis.start + left)
        blocks = np.lib.stride_tricks.sliding_window_view(
            strip, col_axis.window, axis=1)[:, ::plan.lc]
        product = transforms.forward(blocks.transpose(1, 0, 2))   # (count, m, k) in
        product *= spectrum
        # outputs that do not wrap around: rows, then columns
        valid = transforms.inverse(product, row_axis.kept(height))
        # (count, height, lc) straight into place: the whole blocks through a
        # (height, whole, lc) view of out, then the partial last one
        whole = min(count, (cols - left) // plan.lc)
        target = out[top:top + height, left:left + whole * plan.lc]
        target.reshape(height, whole, plan.lc)[...] = (
            valid[:whole, :, col_axis.kept(plan.lc)].transpose(1, 0, 2))
        start = left + whole * plan.lc
        if whole < count and start < cols:
            out[top:top + height, start:] = valid[whole, :, col_axis.kept(cols - start)]

    batches = [(bi, first) for bi in range(plan.br) for first in range(0, plan.bc, per_batch)]
    _threads.run_shared(run, batches, min(batch_threads, len(batches)), _block_cache.reusing)
    return out


class BlockAxis:
    """One axis of a block plan in `_correlate`: `start` (for block 0) and
    `window`, the part of ext(x) a block transforms; `kept(n)`, the index of
    a block's first n outputs in its inverse transform.  Blocks read their
    whole window (outputs from k - 1 on), except one block over the axis
    under the zero extension (`data_only`), which reads the data of its
    window only: the zeros before it move its outputs back by their count,
    modulo the transform length (`zero_trim` says why none wraps)."""

    def __init__(self, x_len, k, out_len, offset, block_len, transform_len, data_only):
        self.transform_len = transform_len
        before, _, data = _axis_zeros(x_len, k, out_len, offset)
        if data_only:
            self.start, self.window, self.first = offset + before, data, k - 1 - before
        else:
            self.start, self.window, self.first = offset, block_len + k - 1, k - 1

    def kept(self, n):
        first = self.first % self.transform_len
        if first + n <= self.transform_len:
            return slice(first, first + n)
        return (first + np.arange(n)) % self.transform_len


def _strip(x, window, shape, r, c):
    """The `shape` window of ext(x) at (r, c): a view of x where it lies
    inside x (ext(x) is x there, whatever the boundary) and x's rows are
    contiguous, forward (a reversed view, as the role swap of _primitive
    passes, transforms at about half speed), else window()."""
    xr, xc = x.shape
    if (0 <= r and r + shape[0] <= xr and 0 <= c and c + shape[1] <= xc
            and x.strides[1] == x.itemsize and x.strides[0] > 0):
        return x[r:r + shape[0], c:c + shape[1]]
    return window(shape, r, c)


class _Transforms:
    """The forward and inverse transforms of a plan's blocks, on stacks of
    (count, rows, cols) arrays, pruned where the zeros are known.

    Along the last axis first, along the rows (axis -2) second: the forward
    transform of a (count, m, cols) stack with m < nr rows transforms the
    last axis of its m rows only (the nr - m rows of zero padding have a zero
    transform), then each column with n=nr; this is what makes the kernel's
    spectrum (wr rows) cheap.  The inverse transforms the columns, then only
    the rows the caller keeps.  A plan with nr = 1 (1-D) has no row pass.
    """

    def __init__(self, plan, real, workers):
        self.nr, self.nc, self.workers = plan.nr, plan.nc, workers
        self.last, self.last_inverse = ((scipy.fft.rfft, scipy.fft.irfft) if real
                                        else (scipy.fft.fft, scipy.fft.ifft))

    def _workers(self, count):
        """scipy.fft's workers for a call on `count` transforms of the plan:
        one below PARALLEL_MIN_ELEMENTS elements, where a second thread costs
        more than it saves."""
        return self.workers if count * self.nr * self.nc >= PARALLEL_MIN_ELEMENTS else 1

    def forward(self, stack):
        """Spectra (count, nr, nc or nc // 2 + 1) of a (count, m <= nr, k <= nc)
        stack, zero-padded to nr x nc."""
        workers = self._workers(len(stack))
        half = self.last(stack, n=self.nc, axis=-1, workers=workers)
        if self.nr == 1:
            return half
        return scipy.fft.fft(half, n=self.nr, axis=-2, workers=workers, overwrite_x=True)

    def inverse(self, spectra, rows):
        """Rows `rows` (a slice) of the inverse transforms of `spectra`
        (overwritten), all nc columns: (count, len(rows), nc)."""
        workers = self._workers(len(spectra))
        if self.nr > 1:
            spectra = scipy.fft.ifft(spectra, axis=-2, workers=workers,
                                     overwrite_x=True)[:, rows]
        return self.last_inverse(spectra, n=self.nc, axis=-1, workers=workers)


def _circular(x, w, out_shape, r0, c0, workers):
    """'wrap' as one circular convolution: out[i, j] = (x (*) h)[i mod xr,
    j mod xc], h the kernel folded onto x's shape at the offset."""
    xr, xc = x.shape
    wr, wc = w.shape
    folded = np.zeros(x.shape, dtype=x.dtype)
    rows_at = (-(r0 + np.arange(wr))) % xr
    cols_at = (-(c0 + np.arange(wc))) % xc
    np.add.at(folded, (rows_at[:, None], cols_at[None, :]), w)
    axes = (-2, -1) if xr > 1 else (-1,)
    shape = x.shape[-len(axes):]
    if x.dtype.kind == "f":
        product = scipy.fft.rfftn(x, axes=axes, workers=workers)
        product *= scipy.fft.rfftn(folded, axes=axes, workers=workers)
        circular = scipy.fft.irfftn(product, shape, axes=axes, workers=workers,
                                    overwrite_x=True)
    else:
        product = scipy.fft.fftn(x, axes=axes, workers=workers)
        product *= scipy.fft.fftn(folded, axes=axes, workers=workers)
        circular = scipy.fft.ifftn(product, axes=axes, workers=workers, overwrite_x=True)
    rows, cols = out_shape
    if rows <= xr and cols <= xc:
        return np.ascontiguousarray(circular[:rows, :cols])
    return circular[(np.arange(rows) % xr)[:, None], np.arange(cols) % xc]
