/*
 * fold2d.template.c -- the adjoint of the boundary extension of fc_pad2d, one
 * instantiation per real floating type (included by fold2d.c with FC_DT set;
 * see dtype_ops.h).
 *
 * fc_pad2d copies each element of a window of the extended image from one
 * image element (or from the fill value):  dst[i, j] = x[ext(i + r0), ext(j + c0)].
 * Its adjoint sends each element of a window-shaped gradient g back to that
 * image element and sums what arrives:
 *
 *     x = 0;   x[ext(i + r0), ext(j + c0)] += g[i, j]   for i < gr, j < gc
 *
 * skipping the positions where the extension is the fill value (a constant,
 * which receives no gradient).  For 'wrap' and 'symm' with a window larger
 * than the image, several window elements fold onto one image element.
 *
 * The loops mirror fc_pad2d: rows are mapped one at a time; in each row the
 * columns whose image column j + c0 lies inside x are one vectorizable add,
 * and only the columns beyond the edges go through the index mapping.  Every
 * image element accumulates its contributions in row-major window order.
 *
 * Contract: see fc_fold2d in fastconv.h.  Trusts the caller for contiguity,
 * extents and non-overlap; never touches memory outside g or x.
 */

#if FC_DT != FC_DT_F32 && FC_DT != FC_DT_F64
#  error "fold2d.template.c adds with +=: real floating types only"
#endif

static void FC_SFX(fold2d)(const FC_T *g, ptrdiff_t gr, ptrdiff_t gc,
                           FC_T *x, ptrdiff_t xr, ptrdiff_t xc,
                           ptrdiff_t r0, ptrdiff_t c0, fc_boundary boundary)
{
    for (ptrdiff_t k = 0; k < xr * xc; ++k) {
        FC_ZERO(x[k]);
    }
    if (gr == 0 || gc == 0) {
        return;
    }
    /* the columns j of g whose image column j + c0 is inside x */
    const ptrdiff_t in_lo = fc_min(gc, fc_max(0, -c0));
    const ptrdiff_t in_hi = fc_max(in_lo, fc_min(gc, xc - c0));

    for (ptrdiff_t i = 0; i < gr; ++i) {
        const ptrdiff_t row = fc_extend_index(i + r0, xr, boundary);
        if (row < 0) {
            continue;   /* a row of fill values */
        }
        const FC_T *grow = g + i * gc;
        FC_T *xrow = x + row * xc;
        for (ptrdiff_t j = 0; j < in_lo; ++j) {
            const ptrdiff_t c = fc_extend_index(j + c0, xc, boundary);
            if (c >= 0) {
                xrow[c] += grow[j];
            }
        }
        for (ptrdiff_t j = in_lo; j < in_hi; ++j) {
            xrow[j + c0] += grow[j];
        }
        for (ptrdiff_t j = in_hi; j < gc; ++j) {
            const ptrdiff_t c = fc_extend_index(j + c0, xc, boundary);
            if (c >= 0) {
                xrow[c] += grow[j];
            }
        }
    }
}
