"""Reuse of the large arrays that the FFT path allocates on every call.

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
