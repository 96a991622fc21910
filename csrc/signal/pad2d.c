/*
 * pad2d.c -- a window of the boundary extension of an image (SciPy's
 * convolve2d boundaries 'fill', 'wrap' and 'symm').  Copies bytes, so one
 * function serves every element type.
 */
#include <string.h>

#include "fastconv.h"
#include "../util.h"

/*
 * Contract: see fc_pad2d in fastconv.h.  Rows and columns are mapped
 * independently; the middle of each row that lies inside x is one memcpy.
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
    if (boundary != FC_PAD_FILL && boundary != FC_PAD_WRAP && boundary != FC_PAD_SYMM) {
        return FC_ERR_BADARG;
    }
    if (boundary == FC_PAD_FILL && fill == NULL) {
        return FC_ERR_BADARG;
    }
    if (boundary != FC_PAD_FILL && (xr == 0 || xc == 0)) {
        return FC_ERR_BADARG;   /* nothing to wrap or reflect */
    }
    const char *xb = (const char *)x;
    char *out = (char *)dst;
    /* the columns j of dst whose x column j + c0 is inside x */
    const ptrdiff_t in_lo = fc_min(dc, fc_max(0, -c0));
    const ptrdiff_t in_hi = fc_max(in_lo, fc_min(dc, xc - c0));

    for (ptrdiff_t i = 0; i < dr; ++i) {
        char *orow = out + (size_t)(i * dc) * itemsize;
        const ptrdiff_t src_row = fc_extend_index(i + r0, xr, boundary);
        if (src_row < 0) {
            for (ptrdiff_t j = 0; j < dc; ++j) {
                memcpy(orow + (size_t)j * itemsize, fill, itemsize);
            }
            continue;
        }
        const char *xrow = xb + (size_t)(src_row * xc) * itemsize;
        for (ptrdiff_t j = 0; j < in_lo; ++j) {
            const ptrdiff_t c = fc_extend_index(j + c0, xc, boundary);
            memcpy(orow + (size_t)j * itemsize, c < 0 ? fill : xrow + (size_t)c * itemsize, itemsize);
        }
        if (in_hi > in_lo) {
            memcpy(orow + (size_t)in_lo * itemsize, xrow + (size_t)(in_lo + c0) * itemsize,
                   (size_t)(in_hi - in_lo) * itemsize);
        }
        for (ptrdiff_t j = in_hi; j < dc; ++j) {
            const ptrdiff_t c = fc_extend_index(j + c0, xc, boundary);
            memcpy(orow + (size_t)j * itemsize, c < 0 ? fill : xrow + (size_t)c * itemsize, itemsize);
        }
    }
    return FC_OK;
}
