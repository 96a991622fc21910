/* util.h -- small helpers shared by the C kernels (internal, not for Cython). */
#ifndef FASTCONV_UTIL_H
#define FASTCONV_UTIL_H

#include <stddef.h>

static inline ptrdiff_t fc_min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }
static inline ptrdiff_t fc_max(ptrdiff_t a, ptrdiff_t b) { return a > b ? a : b; }

/* a mod m in [0, m) for any sign of a; m > 0. */
static inline ptrdiff_t fc_mod(ptrdiff_t a, ptrdiff_t m)
{
    ptrdiff_t r = a % m;
    return r < 0 ? r + m : r;
}

#endif
