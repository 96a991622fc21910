/*
 * corr2d_direct.template.c -- direct 2-D correlation, one instantiation per
 * element type (included by corr2d_direct.c with FC_DT set; see dtype_ops.h).
 *
 *     out[i, j] = sum_{p < wr, q < wc}  ext(x)[i + r0 + p, j + c0 + q] * w[p, q]
 *
 * One routine computes an output row from the wr image rows it reads
 * (corr_row); two drivers hand it those rows: straight from x for the zero
 * extension (rows outside x are skipped, and columns outside x are skipped
 * tap by tap, so no padded copy is made), or from a ring of extended rows
 * for the fill / wrap / symm boundaries (each extended row built once).
 */

/*
 * corr_row: orow[j] = sum_{p < wr, q < wc} rows[p][j + c0 + q] * w[p, q] for
 * j < ocols, where rows[p] holds xc elements (zero outside [0, xc)) or is
 * NULL (a zero row, skipped).
 *
 * Loop order: block of FC_COL_BLOCK outputs (kept in a local accumulator
 * array that stays in L1) -> kernel row -> kernel column -> output.  The
 * innermost loop is an axpy over independent outputs, which the compiler
 * vectorizes without reassociating any sum; each output is still accumulated
 * in tap order.
 */
static void FC_SFX(corr_row)(const FC_T *const *rows, ptrdiff_t xc,
                             const FC_T *w, ptrdiff_t wr, ptrdiff_t wc,
                             FC_T *orow, ptrdiff_t ocols, ptrdiff_t c0)
{
    FC_ACC acc[FC_COL_BLOCK];

    for (ptrdiff_t j0 = 0; j0 < ocols; j0 += FC_COL_BLOCK) {
        const ptrdiff_t nj = fc_min(FC_COL_BLOCK, ocols - j0);
        for (ptrdiff_t j = 0; j < nj; ++j) {
            FC_ZERO(acc[j]);
        }
        for (ptrdiff_t p = 0; p < wr; ++p) {
            const FC_T *xrow = rows[p];
            if (xrow == NULL) {
                continue;
            }
            const FC_T *wrow = w + p * wc;
            for (ptrdiff_t q = 0; q < wc; ++q) {
                /* outputs j in [j0, j0 + nj) with 0 <= j + s < xc */
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

/*
 * corr2d_zero: the zero extension.  rows is scratch for wr pointers.
 * Contract: see fc_corr2d_direct (boundary FC_PAD_ZERO).
 */
static void FC_SFX(corr2d_zero)(const FC_T *x, ptrdiff_t xr, ptrdiff_t xc,
                                const FC_T *w, ptrdiff_t wr, ptrdiff_t wc,
                                FC_T *out, ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t ldo,
                                ptrdiff_t r0, ptrdiff_t c0, const FC_T **rows)
{
    for (ptrdiff_t i = 0; i < orows; ++i) {
        for (ptrdiff_t p = 0; p < wr; ++p) {
            const ptrdiff_t k = i + r0 + p;
            rows[p] = (k >= 0 && k < xr) ? x + k * xc : NULL;
        }
        FC_SFX(corr_row)(rows, xc, w, wr, wc, out + i * ldo, ocols, c0);
    }
}

/*
 * corr2d_extended: fill / wrap / symm.  Extended row r0 + m (the row output
 * row i reads with kernel row p when m = i + p) lives in ring slot m % wr, a
 * row of ocols + wc - 1 elements starting at extended column c0; each output
 * row after the first builds one new extended row.  ring: wr such rows;
 * rows: wr pointers.  Contract: see fc_corr2d_direct.
 */
static void FC_SFX(corr2d_extended)(const FC_T *x, ptrdiff_t xr, ptrdiff_t xc,
                                    const FC_T *w, ptrdiff_t wr, ptrdiff_t wc,
                                    FC_T *out, ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t ldo,
                                    ptrdiff_t r0, ptrdiff_t c0,
                                    fc_boundary boundary, const FC_T *fill,
                                    FC_T *ring, const FC_T **rows)
{
    const ptrdiff_t width = ocols + wc - 1;
    for (ptrdiff_t i = 0; i < orows; ++i) {
        for (ptrdiff_t m = (i == 0 ? 0 : i + wr - 1); m < i + wr; ++m) {
            const char *src = fc_extend_source_row((const char *)x, xr, xc, sizeof(FC_T),
                                                   r0 + m, boundary);
            fc_extend_row(sizeof(FC_T), src, xc, (char *)(ring + (m % wr) * width), width, c0,
                          boundary, (const char *)fill);
        }
        for (ptrdiff_t p = 0; p < wr; ++p) {
            rows[p] = ring + ((i + p) % wr) * width;
        }
        FC_SFX(corr_row)(rows, width, w, wr, wc, out + i * ldo, ocols, 0);
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
