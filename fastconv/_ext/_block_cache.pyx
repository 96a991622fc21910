# cython: language_level=3
"""A NumPy memory handler (NEP 49) over the C core's cache of large freed
blocks (fc_block_cache, csrc/core/block_cache.c): arrays created while it is
the context's handler take their data from the cache and give it back when
they die.  fastconv/_block_cache.py scopes it to the calls that need it."""
from cpython.pycapsule cimport PyCapsule_New
from libc.stdlib cimport realloc
from libc.string cimport memset, strncpy

cimport numpy as cnp

from fastconv._ext.cfastconv cimport (fc_block_cache, fc_block_cache_calloc,
                                      fc_block_cache_free, fc_block_cache_malloc,
                                      fc_block_cache_set_limit)

cnp.import_array()

cdef fc_block_cache cache   # zeroed: empty, limit 0 until set_limit


cdef void *cache_malloc(void *ctx, size_t size) noexcept nogil:
    return fc_block_cache_malloc(<fc_block_cache *>ctx, size)


cdef void *cache_calloc(void *ctx, size_t count, size_t size) noexcept nogil:
    return fc_block_cache_calloc(<fc_block_cache *>ctx, count, size)


cdef void *cache_realloc(void *ctx, void *block, size_t size) noexcept nogil:
    return realloc(block, size)   # every block is the C library's


cdef void cache_free(void *ctx, void *block, size_t size) noexcept nogil:
    fc_block_cache_free(<fc_block_cache *>ctx, block, size)


cdef cnp.PyDataMem_Handler handler
memset(&handler, 0, sizeof(handler))
strncpy(handler.name, b"fastconv_block_cache", 126)
handler.version = 1
handler.allocator.ctx = &cache
handler.allocator.malloc = cache_malloc
handler.allocator.calloc = cache_calloc
handler.allocator.realloc = cache_realloc
handler.allocator.free = cache_free

# NumPy keeps a reference to the capsule in every array it allocates
_capsule = PyCapsule_New(&handler, b"mem_handler", NULL)


def use():
    """Make the cache the current context's NumPy memory handler; returns
    the previous handler (for `restore`)."""
    return cnp.PyDataMem_SetHandler(_capsule)


def restore(previous):
    """Make `previous` (what `use` returned) the handler again."""
    cnp.PyDataMem_SetHandler(previous)


def set_limit(size_t nbytes):
    """Keep at most `nbytes` bytes of freed blocks (0: none)."""
    with nogil:
        fc_block_cache_set_limit(&cache, nbytes)


def cached_bytes():
    """Bytes of the blocks the cache holds now."""
    return cache.bytes
