/*
 * pad2d.c -- a window of the boundary extension of an image (SciPy's
 * convolve2d boundaries 'fill', 'wrap' and 'symm').  Copies bytes, so one
 * function serves every element type.
 */
#include <string.h>

#include "fastconv.h"
#include "../util.h"
#include "extend.h"

/* n copies of the fill element (zeros for FC_PAD_ZERO) at dst. */
static void put_fill(size_t itemsize, char *dst, ptrdiff_t n, fc_boundary boundary,
                     const char *fill)
{
    if (n <= 0) {
        return;
    }
    if (boundary == FC_PAD_ZERO) {
        memset(dst, 0, (size_t)n * itemsize);
        return;
    }
    for (ptrdiff_t j = 0; j < n; ++j) {
        memcpy(dst + (size_t)j * itemsize, fill, itemsize);
    }
}


void fc_extend_row(size_t itemsize, const char *xrow, ptrdiff_t xc,
                   char *dst, ptrdiff_t dc, ptrdiff_t c0,
                   fc_boundary boundary, const char *fill)
{
    if (xrow == NULL) {
        put_fill(itemsize, dst, dc, boundary, fill);
        return;
    }
    /* the columns j of dst whose x column j + c0 is inside the row: one memcpy */
    const ptrdiff_t in_lo = fc_min(dc, fc_max(0, -c0));
    const ptrdiff_t in_hi = fc_max(in_lo, fc_min(dc, xc - c0));
    if (boundary == FC_PAD_ZERO || boundary == FC_PAD_FILL) {
        put_fill(itemsize, dst, in_lo, boundary, fill);
        if (in_hi > in_lo) {
            memcpy(dst + (size_t)in_lo * itemsize, xrow + (size_t)(in_lo + c0) * itemsize,
                   (size_t)(in_hi - in_lo) * itemsize);
        }
        put_fill(itemsize, dst + (size_t)in_hi * itemsize, dc - in_hi, boundary, fill);
        return;
    }
    for (ptrdiff_t j = 0; j < in_lo; ++j) {
        const ptrdiff_t c = fc_extend_index(j + c0, xc, boundary);
        memcpy(dst + (size_t)j * itemsize, c < 0 ? fill : xrow + (size_t)c * itemsize, itemsize);
    }
    if (in_hi > in_lo) {
        memcpy(dst + (size_t)in_lo * itemsize, xrow + (size_t)(in_lo + c0) * itemsize,
               (size_t)(in_hi - in_lo) * itemsize);
    }
    for (ptrdiff_t j = in_hi; j < dc; ++j) {
        const ptrdiff_t c = fc_extend_index(j + c0, xc, boundary);
        memcpy(dst + (size_t)j * itemsize, c < 0 ? fill : xrow + (size_t)c * itemsize, itemsize);
    }
}


const char *fc_extend_source_row(const char *x, ptrdiff_t xr, ptrdiff_t xc, size_t itemsize,
                                 ptrdiff_t k, fc_boundary boundary)
{
    const ptrdiff_t row = fc_extend_index(k, xr, boundary);
    return row < 0 ? NULL : x + (size_t)(row * xc) * itemsize;
}


/*
 * Contract: see fc_pad2d in fastconv.h.  Rows and columns are mapped
 * independently (fc_extend_source_row, fc_extend_row).
 */
fc_status fc_pad2d(size_t itemsize,
                   const void *x, ptrdiff_t xr, ptrdiff_t xc,
                   void *dst, ptrdiff_t dr, ptrdiff_t dc,
                   ptrdiff_t r0, ptrdiff_t c0,
                   fc_boundary boundary, const void *fill)
{
    if (xr < 0 || xc < 0 || dr < 0 || dc < 0 || itemsize == 0) {
        return FC_ERR_BADARG;
    }
    if (dr == 0 || dc == 0) {
        return FC_OK;
    }
    if (boundary != FC_PAD_FILL && boundary != FC_PAD_WRAP && boundary != FC_PAD_SYMM
        && boundary != FC_PAD_ZERO) {
        return FC_ERR_BADARG;
    }
    if (boundary == FC_PAD_FILL && fill == NULL) {
        return FC_ERR_BADARG;
    }
    if ((boundary == FC_PAD_WRAP || boundary == FC_PAD_SYMM) && (xr == 0 || xc == 0)) {
        return FC_ERR_BADARG;   /* nothing to wrap or reflect */
    }
    for (ptrdiff_t i = 0; i < dr; ++i) {
        const char *xrow = fc_extend_source_row((const char *)x, xr, xc, itemsize, i + r0, boundary);
        fc_extend_row(itemsize, xrow, xc, (char *)dst + (size_t)(i * dc) * itemsize, dc, c0,
                      boundary, (const char *)fill);
    }
    return FC_OK;
}
