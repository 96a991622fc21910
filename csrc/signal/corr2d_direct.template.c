/*
 * corr2d_direct.template.c -- direct 2-D correlation, one instantiation per
 * element type (included by corr2d_direct.c with FC_DT set; see dtype_ops.h).
 *
 *     out[i, j] = sum_{p < wr, q < wc}  x[i + r0 + p, j + c0 + q] * w[p, q]
 *
 * x is zero outside its extent: for each output row the kernel rows that fall
 * outside x are skipped, and for each tap the output columns whose input
 * column falls outside are skipped, so no padded copy is ever made.
 *
 * Loop order: output row -> block of FC_COL_BLOCK output columns (kept in a
 * local accumulator array that stays in L1) -> kernel row -> kernel column ->
 * output column.  The innermost loop is an axpy over independent outputs, which
 * the compiler vectorizes without reassociating any sum; each output is still
 * accumulated in tap order.
 *
 * Contract: see fc_corr2d_direct in fastconv.h.  Trusts the caller for
 * contiguity, extents and non-overlap; never reads outside x or w.
 */

static void FC_SFX(corr2d_direct)(const FC_T *x, ptrdiff_t xr, ptrdiff_t xc,
                                  const FC_T *w, ptrdiff_t wr, ptrdiff_t wc,
                                  FC_T *out, ptrdiff_t orows, ptrdiff_t ocols,
                                  ptrdiff_t r0, ptrdiff_t c0)
{
    FC_ACC acc[FC_COL_BLOCK];

    for (ptrdiff_t i = 0; i < orows; ++i) {
        /* kernel rows p with 0 <= i + r0 + p < xr */
        const ptrdiff_t top = i + r0;
        const ptrdiff_t p_lo = fc_max(0, -top);
        const ptrdiff_t p_hi = fc_min(wr, xr - top);
        FC_T *orow = out + i * ocols;

        for (ptrdiff_t j0 = 0; j0 < ocols; j0 += FC_COL_BLOCK) {
            const ptrdiff_t nj = fc_min(FC_COL_BLOCK, ocols - j0);
            for (ptrdiff_t j = 0; j < nj; ++j) {
                FC_ZERO(acc[j]);
            }
            for (ptrdiff_t p = p_lo; p < p_hi; ++p) {
                const FC_T *xrow = x + (top + p) * xc;
                const FC_T *wrow = w + p * wc;
                for (ptrdiff_t q = 0; q < wc; ++q) {
                    /* output columns j in [j0, j0 + nj) with 0 <= j + s < xc */
                    const ptrdiff_t s = c0 + q;
                    const ptrdiff_t j_lo = fc_max(j0, -s);
                    const ptrdiff_t j_hi = fc_min(j0 + nj, xc - s);
                    const FC_T wv = wrow[q];
                    const FC_T *xs = xrow + s;
                    FC_ACC *a = acc - j0;
                    for (ptrdiff_t j = j_lo; j < j_hi; ++j) {
                        FC_MAC(a[j], wv, xs[j]);
                    }
                }
            }
            for (ptrdiff_t j = 0; j < nj; ++j) {
                FC_STORE(orow[j0 + j], acc[j]);
            }
        }
    }
}

/*
 * matvec: y[p] (+)= sum_t cols[p][t] * w[t]; the GEMV of the im2col method for
 * the dtypes BLAS has no routine for.  Contract: see fc_matvec in fastconv.h.
 */
static void FC_SFX(matvec)(const FC_T *cols, ptrdiff_t np, ptrdiff_t nt,
                           const FC_T *w, FC_T *y, int accumulate)
{
    for (ptrdiff_t p = 0; p < np; ++p) {
        const FC_T *row = cols + p * nt;
        FC_ACC acc;
        if (accumulate) {
            acc = y[p];          /* widening assignment; same type for complex */
        } else {
            FC_ZERO(acc);
        }
        for (ptrdiff_t t = 0; t < nt; ++t) {
            FC_MAC(acc, w[t], row[t]);
        }
        FC_STORE(y[p], acc);
    }
}
