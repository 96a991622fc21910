/* util.h -- small helpers shared by the C kernels (internal, not for Cython). */
#ifndef FASTCONV_UTIL_H
#define FASTCONV_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "fastconv.h"

/* Multiply-adds between two interrupt polls of a call's calling thread
 * (about a millisecond of work): the callback takes the GIL, which costs
 * about as much as a small work unit (a 28x28 depthwise plane). */
#define FC_POLL_MACS ((ptrdiff_t)1 << 22)

static inline ptrdiff_t fc_min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }
static inline ptrdiff_t fc_max(ptrdiff_t a, ptrdiff_t b) { return a > b ? a : b; }

/* bits [lo, hi) of a 32-bit lane mask, lo and hi clipped to [0, 32] */
static inline uint32_t fc_lane_bits(ptrdiff_t lo, ptrdiff_t hi)
{
    lo = lo < 0 ? 0 : lo;
    hi = hi > 32 ? 32 : hi;
    if (hi <= lo) {
        return 0;
    }
    const uint32_t below_hi = hi >= 32 ? 0xffffffffu : (1u << hi) - 1u;
    return below_hi & ~((1u << lo) - 1u);
}

/* Ask for every cache line of the `bytes` bytes from p (a hint: never faults,
 * may be ignored; nothing without GCC / Clang).  The empty volatile asm
 * gives the caller a side effect: GCC's pure-const analysis counts a
 * prefetch as none, so it found a function that only prefetches (the signal
 * tiles' prefetch_rows_ahead) "const" and deleted every call to it (GCC 12,
 * -O3: not one prefetch instruction was left in the signal tiles).  Its
 * memory clobber keeps the prefetches where they are written, between the
 * caller's loads and stores (measured, 5x5 over images 192-512 wide read
 * from memory: 0.45-0.7 ns an output with it, 0.6-0.9 without, 0.9-1.4
 * with no prefetch). */
static inline void fc_prefetch(const void *p, ptrdiff_t bytes)
{
#if defined(__GNUC__)
    /* every line the bytes touch: from p's line, which a p not on a line
     * boundary shares with the bytes before it, to the line of the last byte */
    const uintptr_t first = (uintptr_t)p & ~(uintptr_t)63, end = (uintptr_t)p + (uintptr_t)bytes;
    for (uintptr_t line = first; line < end; line += 64) {
        __builtin_prefetch((const void *)line, 0, 3);
    }
    __asm__ __volatile__("" ::: "memory");
#else
    (void)p;
    (void)bytes;
#endif
}

/* a mod m in [0, m) for any sign of a; m > 0. */
static inline ptrdiff_t fc_mod(ptrdiff_t a, ptrdiff_t m)
{
    ptrdiff_t r = a % m;
    return r < 0 ? r + m : r;
}

/*
 * Index in [0, n) of position k of the boundary extension of a length-n axis
 * (fc_pad2d's rules), or -1 where the extension is the fill value.  n > 0
 * unless boundary is FC_PAD_FILL.  Shared by fc_pad2d and its adjoint
 * fc_fold2d, so the two use one mapping.
 */
static inline ptrdiff_t fc_extend_index(ptrdiff_t k, ptrdiff_t n, fc_boundary boundary)
{
    if (k >= 0 && k < n) {
        return k;
    }
    switch (boundary) {
        case FC_PAD_WRAP:
            return fc_mod(k, n);
        case FC_PAD_SYMM: {
            /* period 2n: x0 .. x(n-1), x(n-1) .. x0, x0 .. */
            const ptrdiff_t r = fc_mod(k, 2 * n);
            return r < n ? r : 2 * n - 1 - r;
        }
        default:
            return -1;
    }
}

#endif
