"""Reuse of the large arrays that the FFT path allocates on every call (and
of the direct path's large results: `empty_output` below).

A call by FFT creates its transforms and its result anew each time
(scipy.fft returns new arrays): several MiB that the C library's malloc
gives back to the system when they are freed and that the next call faults
in again, page by page.  On a virtual machine a page fault costs 1-2 µs;
a 512 x 512 float32 correlation with a 31 x 31 kernel took 4.2 ms, 2.5 ms of
it in its 1460 faults (1.7 ms without them).

Inside `reusing()` NumPy takes the data of every array of 128 KiB or more
from a cache of freed blocks of exactly that size, and gives it back there
when the array dies (a NEP 49 memory handler, made current for the context
only: other code, other threads and asyncio tasks keep their own; the
cache itself is csrc/core/block_cache.c).  A result created inside keeps
using the cache when the caller frees it, which is what the next call
reuses.  At most `fastconv.block_cache_bytes()` bytes stay cached
(FASTCONV_BLOCK_CACHE_MB, default 64 MiB; `fastconv.set_block_cache_bytes`,
0 turns the cache off).
"""
import contextlib
import math

import numpy as np

from fastconv._ext import _block_cache as _ext


@contextlib.contextmanager
def reusing():
    """Run the body with NumPy's arrays allocated from the block cache."""
    previous = _ext.use()
    try:
        yield
    finally:
        _ext.restore(previous)


def set_limit(nbytes):
    """Keep at most nbytes of freed blocks (the oldest ones over it freed)."""
    _ext.set_limit(nbytes)


def cached_bytes():
    """Bytes the cache holds now."""
    return _ext.cached_bytes()


# Outputs of at least this many bytes start on a cache line and come from
# the block cache (empty_output); smaller ones stay in the caches, where a
# row's partial lines cost nothing measurable, and save the microseconds.
LARGE_OUTPUT_BYTES = 1 << 18


def empty_output(shape, dtype):
    """A new C-contiguous array like np.empty(shape, dtype), for a direct
    kernel's result.  When it holds at least LARGE_OUTPUT_BYTES:

    * its data starts on a 64-byte boundary (a cache line), so that an output
      whose rows are a whole number of lines long has every row on a line
      boundary: the kernels then write whole lines, the streaming
      (non-temporal) stores of large outputs included.  np.empty's data is
      only 16-byte aligned: on a row that starts mid-line the kernels'
      interior begins and ends mid-line, and the lines shared with the edge
      columns are written by ordinary stores, which read them from memory
      first (measured, 64 x 256² float32 5x5 'same', kernel alone: 2.3-2.8 ms
      at a 16 or 32-byte offset, 1.7-1.9 ms aligned);
    * its data comes from the block cache (`reusing`), so that a
      call after one whose result was freed writes to pages already mapped:
      a fresh 32 MiB output is zeroed page by page by the OS as the kernel
      first touches it (measured, 2048² float64 3x3 'same': 4.9 ms a call,
      2.2 ms with the cache).
    """
    dtype = np.dtype(dtype)
    count = math.prod(shape)
    spare = 64 // dtype.itemsize if 64 % dtype.itemsize == 0 else 0
    if count * dtype.itemsize < LARGE_OUTPUT_BYTES or spare == 0:
        return np.empty(shape, dtype=dtype)
    with reusing():
        buffer = np.empty(count + spare, dtype=dtype)
    start = (-buffer.ctypes.data % 64) // dtype.itemsize
    return buffer[start:start + count].reshape(shape)
