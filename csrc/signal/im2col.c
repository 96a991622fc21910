/*
 * im2col.c -- the column (Toeplitz) matrix of the signal correlation, one tile
 * at a time.  Copies bytes, so one function serves every element type.
 */
#include <string.h>

#include "fastconv.h"
#include "../util.h"

/*
 * Contract: see fc_im2col2d in fastconv.h.  For every row of the tile the
 * taps are walked kernel row by kernel row; each run of consecutive taps is
 * one memcpy of the part inside x plus memsets of the parts outside.
 */
fc_status fc_im2col2d(size_t itemsize,
                      const void *x, ptrdiff_t xr, ptrdiff_t xc,
                      ptrdiff_t wc, ptrdiff_t ocols,
                      ptrdiff_t r0, ptrdiff_t c0,
                      ptrdiff_t p0, ptrdiff_t np, ptrdiff_t t0, ptrdiff_t nt,
                      void *cols)
{
    if (np < 0 || nt < 0 || p0 < 0 || t0 < 0 || xr < 0 || xc < 0) {
        return FC_ERR_BADARG;
    }
    if (np == 0 || nt == 0) {
        return FC_OK;
    }
    if (ocols <= 0 || wc <= 0 || itemsize == 0) {
        return FC_ERR_BADARG;
    }
    const char *xb = (const char *)x;
    char *dst = (char *)cols;

    for (ptrdiff_t pi = 0; pi < np; ++pi) {
        const ptrdiff_t p = p0 + pi;
        const ptrdiff_t i = p / ocols;
        const ptrdiff_t j = p % ocols;
        ptrdiff_t a = t0 / wc;       /* kernel row of the current tap    */
        ptrdiff_t b = t0 % wc;       /* kernel column of the current tap */
        ptrdiff_t done = 0;
        while (done < nt) {
            const ptrdiff_t run = fc_min(wc - b, nt - done);
            const ptrdiff_t row = i + r0 + a;
            const ptrdiff_t col = j + c0 + b;   /* x column of the run's first tap */
            if (row < 0 || row >= xr) {
                memset(dst, 0, (size_t)run * itemsize);
            } else {
                /* taps k in [0, run) read x[row, col + k]; inside for k in [lo, hi) */
                const ptrdiff_t lo = fc_min(run, fc_max(0, -col));
                const ptrdiff_t hi = fc_max(lo, fc_min(run, xc - col));
                memset(dst, 0, (size_t)lo * itemsize);
                if (hi > lo) {
                    memcpy(dst + (size_t)lo * itemsize,
                           xb + (size_t)(row * xc + col + lo) * itemsize,
                           (size_t)(hi - lo) * itemsize);
                }
                memset(dst + (size_t)hi * itemsize, 0, (size_t)(run - hi) * itemsize);
            }
            dst += (size_t)run * itemsize;
            done += run;
            b = 0;
            ++a;
        }
    }
    return FC_OK;
}
