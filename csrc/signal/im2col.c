/*
 * im2col.c -- the column (Toeplitz) matrix of the signal correlation, one tile
 * at a time.  Copies bytes, so one function serves every element type.
 */
#include "fastconv.h"
#include "../util.h"
#include "extend.h"

/*
 * Contract: see fc_im2col2d in fastconv.h.  For every row of the tile the
 * taps are walked kernel row by kernel row; each run of consecutive taps is a
 * piece of one extended image row (fc_extend_row: a memcpy of the part inside
 * x, the boundary rule for the rest).
 */
fc_status fc_im2col2d(size_t itemsize,
                      const void *x, ptrdiff_t xr, ptrdiff_t xc,
                      ptrdiff_t wc, ptrdiff_t ocols,
                      ptrdiff_t r0, ptrdiff_t c0,
                      ptrdiff_t p0, ptrdiff_t np, ptrdiff_t t0, ptrdiff_t nt,
                      void *cols, fc_boundary boundary, const void *fill)
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
    if ((boundary == FC_PAD_FILL && fill == NULL)
        || ((boundary == FC_PAD_WRAP || boundary == FC_PAD_SYMM) && (xr == 0 || xc == 0))) {
        return FC_ERR_BADARG;
    }
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
            const char *xrow = fc_extend_source_row((const char *)x, xr, xc, itemsize,
                                                    i + r0 + a, boundary);
            fc_extend_row(itemsize, xrow, xc, dst, run, j + c0 + b, boundary,
                          (const char *)fill);
            dst += (size_t)run * itemsize;
            done += run;
            b = 0;
            ++a;
        }
    }
    return FC_OK;
}
