/*
 * block_cache.c -- the cache of large freed blocks (contract in fastconv.h).
 *
 * A few dozen slots searched linearly: a call reuses a handful of sizes, and
 * one search costs nothing next to the page faults it saves.
 */
#include <stdlib.h>
#include <string.h>

#include "fastconv.h"

#if defined(__GNUC__) || defined(__clang__)
#define FC_CACHE_ENABLED 1
static void fc_cache_lock(fc_block_cache *c)
{
    while (__atomic_test_and_set(&c->lock, __ATOMIC_ACQUIRE)) {
        /* held for a few dozen instructions at most */
    }
}

static void fc_cache_unlock(fc_block_cache *c)
{
    __atomic_clear(&c->lock, __ATOMIC_RELEASE);
}
#else
#define FC_CACHE_ENABLED 0
#endif

#if FC_CACHE_ENABLED
/* Remove slot k (the later ones move down a place); the cache is locked. */
static void *fc_cache_take(fc_block_cache *c, int k)
{
    void *block = c->block[k];
    c->bytes -= c->size[k];
    for (int m = k + 1; m < c->count; ++m) {
        c->block[m - 1] = c->block[m];
        c->size[m - 1] = c->size[m];
    }
    c->count -= 1;
    return block;
}

/* A cached block of exactly `size` bytes (the most recent one), or NULL. */
static void *fc_cache_find(fc_block_cache *c, size_t size)
{
    void *block = NULL;
    fc_cache_lock(c);
    for (int k = c->count - 1; k >= 0; --k) {
        if (c->size[k] == size) {
            block = fc_cache_take(c, k);
            break;
        }
    }
    fc_cache_unlock(c);
    return block;
}
#endif

void *fc_block_cache_malloc(fc_block_cache *cache, size_t size)
{
#if FC_CACHE_ENABLED
    if (size >= FC_BLOCK_CACHE_MIN_BYTES) {
        void *block = fc_cache_find(cache, size);
        if (block != NULL) {
            return block;
        }
    }
#else
    (void)cache;
#endif
    return malloc(size);
}

void *fc_block_cache_calloc(fc_block_cache *cache, size_t count, size_t size)
{
#if FC_CACHE_ENABLED
    if (size != 0 && count <= (size_t)-1 / size && count * size >= FC_BLOCK_CACHE_MIN_BYTES) {
        void *block = fc_cache_find(cache, count * size);
        if (block != NULL) {
            return memset(block, 0, count * size);
        }
    }
#else
    (void)cache;
#endif
    return calloc(count, size);
}

void fc_block_cache_free(fc_block_cache *cache, void *block, size_t size)
{
    if (block == NULL) {
        return;
    }
#if FC_CACHE_ENABLED
    void *evicted[FC_BLOCK_CACHE_SLOTS];
    int nevicted = 0;
    int kept = 0;
    fc_cache_lock(cache);
    if (size >= FC_BLOCK_CACHE_MIN_BYTES && size <= cache->limit) {
        while (cache->count == FC_BLOCK_CACHE_SLOTS || cache->bytes + size > cache->limit) {
            evicted[nevicted++] = fc_cache_take(cache, 0);
        }
        cache->block[cache->count] = block;
        cache->size[cache->count] = size;
        cache->count += 1;
        cache->bytes += size;
        kept = 1;
    }
    fc_cache_unlock(cache);
    for (int k = 0; k < nevicted; ++k) {   /* outside the lock */
        free(evicted[k]);
    }
    if (kept) {
        return;
    }
#else
    (void)cache;
    (void)size;
#endif
    free(block);
}

void fc_block_cache_set_limit(fc_block_cache *cache, size_t limit)
{
#if FC_CACHE_ENABLED
    void *evicted[FC_BLOCK_CACHE_SLOTS];
    int nevicted = 0;
    fc_cache_lock(cache);
    cache->limit = limit;
    while (cache->count > 0 && cache->bytes > limit) {
        evicted[nevicted++] = fc_cache_take(cache, 0);
    }
    fc_cache_unlock(cache);
    for (int k = 0; k < nevicted; ++k) {
        free(evicted[k]);
    }
#else
    cache->limit = limit;
#endif
}
