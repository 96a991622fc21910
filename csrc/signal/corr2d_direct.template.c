/*
 * corr2d_direct.template.c -- direct 2-D correlation, one instantiation per
 * element type (included by corr2d_direct.c with FC_DT set; see dtype_ops.h).
 *
 *     out[i, j] = sum_{p < wr, q < wc}  ext(x)[i + r0 + p, j + c0 + q] * w[p, q]
 *
 The work is cut into tiles (bands of output rows x blocks of columns,
 * corr2d_direct.c) that threads share.  In a tile, two routines compute the
 * outputs: the kernel table's micro-kernel (corr_rows, float32 / float64)
 * where every tap reads a stored element, and corr_row, the portable loop,
 * for the other dtypes and for the outputs near the edges of x under the zero
 * extension, whose missing taps it skips (NumPy's rule).  They read the image
 * rows straight from x (zero extension), or from a ring of extended rows for
 * the fill / wrap / symm boundaries (each extended row of a tile built once).
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

    if (ocols <= FC_NARROW_COLS) {
        /* A few outputs (the edge columns of a row under the zero extension):
         * one output at a time over the taps that read x, in the same order
         * as the loop below -- the same sums, without its per-tap bounds. */
        for (ptrdiff_t j = 0; j < ocols; ++j) {
            const ptrdiff_t s = c0 + j;   /* x column of tap q = 0 */
            const ptrdiff_t q_lo = fc_max(0, -s), q_hi = fc_min(wc, xc - s);
            FC_ACC sum;
            FC_ZERO(sum);
            for (ptrdiff_t p = 0; p < wr; ++p) {
                const FC_T *xrow = rows[p];
                if (xrow == NULL) {
                    continue;
                }
                const FC_T *wrow = w + p * wc;
                for (ptrdiff_t q = q_lo; q < q_hi; ++q) {
                    FC_MAC(sum, wrow[q], xrow[s + q]);
                }
            }
            FC_STORE(orow[j], sum);
        }
        return;
    }
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
 * The micro-kernel of the kernel table for this dtype (signal_kernels.h), or
 * NULL: the type it is called through.
 */
typedef void (*FC_SFX(rows_kernel_fn))(const FC_T *const *rows, ptrdiff_t nrows,
                                       ptrdiff_t ncols, const FC_T *w, ptrdiff_t wr,
                                       ptrdiff_t wc, FC_T *out, ptrdiff_t ldo);

/* The edge kernel of the table for this dtype (signal_kernels.h), or NULL. */
typedef void (*FC_SFX(edge_kernel_fn))(const FC_T *const *rows, ptrdiff_t nrows,
                                       ptrdiff_t xc, const FC_T *w, ptrdiff_t wr,
                                       ptrdiff_t wc, FC_T *out, ptrdiff_t ldo,
                                       ptrdiff_t ocols, ptrdiff_t c0);

/* corr_rows_edge's contract (signal_kernels.h) by the table's kernel, or by
 * corr_row one row at a time. */
static void FC_SFX(edge_rows)(FC_SFX(edge_kernel_fn) edge, const FC_T *const *rows,
                              ptrdiff_t nrows, ptrdiff_t xc, const FC_T *w, ptrdiff_t wr,
                              ptrdiff_t wc, FC_T *out, ptrdiff_t ldo, ptrdiff_t ocols,
                              ptrdiff_t c0)
{
    if (ocols <= 0) {
        return;
    }
    if (edge != NULL) {
        edge(rows, nrows, xc, w, wr, wc, out, ldo, ocols, c0);
        return;
    }
    for (ptrdiff_t k = 0; k < nrows; ++k) {
        FC_SFX(corr_row)(rows + k, xc, w, wr, wc, out + k * ldo, ocols, c0);
    }
}

/* Prefetch the input rows (columns [c0 + a, c0 + b + wc - 1) inside x) that
 * the zero tile's block after the next one reads: the block at output row i
 * has n rows, `left` output rows of the tile remain from i; the first block
 * of a tile (`first`) also fetches the next one.  Short rows (small images)
 * do not train the hardware prefetcher. */
static void FC_SFX(prefetch_rows_ahead)(const fc_corr2d_problem *pb, ptrdiff_t i, int first,
                                        ptrdiff_t left, ptrdiff_t n, ptrdiff_t a, ptrdiff_t b)
{
    const FC_T *x = (const FC_T *)pb->x;
    const ptrdiff_t c_lo = fc_max(0, pb->c0 + a), c_hi = fc_min(pb->xc, pb->c0 + b + pb->wc - 1);
    if (c_hi <= c_lo) {
        return;
    }
    const ptrdiff_t bytes = (c_hi - c_lo) * (ptrdiff_t)sizeof(FC_T);
    const ptrdiff_t m_lo = (first ? n : n + FC_CORR_ROWS_BLOCK) + pb->wr - 1;
    const ptrdiff_t m_hi = fc_min(left, n + 2 * FC_CORR_ROWS_BLOCK) + pb->wr - 1;
    for (ptrdiff_t m = m_lo; m < m_hi; ++m) {
        const ptrdiff_t row = i + pb->r0 + m;
        if (row >= 0 && row < pb->xr) {
            fc_prefetch(x + row * pb->xc + c_lo, bytes);
        }
    }
}

/*
 * corr2d_zero_tile: output rows [i0, i1) x columns [a, b) of the zero
 * extension (products outside x skipped), FC_CORR_ROWS_BLOCK rows at a time.
 * Inside x (every tap of the output reads an element of x) the outputs go to
 * the table's micro-kernel (corr_rows); the band around the edges of x goes
 * to the table's edge kernel (corr_rows_edge) or, without one, to corr_row:
 * both skip the missing taps.  Each output is computed by one rule that
 * depends only on its position, so tiles never change a value.
 * rows: scratch for 2 (wr + FC_CORR_ROWS_BLOCK - 1) pointers.
 */
static void FC_SFX(corr2d_zero_tile)(const fc_corr2d_problem *pb, ptrdiff_t i0, ptrdiff_t i1,
                                     ptrdiff_t a, ptrdiff_t b, const FC_T **rows)
{
    const FC_T *x = (const FC_T *)pb->x, *w = (const FC_T *)pb->w;
    FC_T *out = (FC_T *)pb->out;
    const ptrdiff_t xr = pb->xr, xc = pb->xc, wr = pb->wr, wc = pb->wc;
    const ptrdiff_t r0 = pb->r0, c0 = pb->c0, ldo = pb->ldo;
    const FC_SFX(rows_kernel_fn) kernel = (FC_SFX(rows_kernel_fn))pb->kernel;
    const FC_SFX(edge_kernel_fn) edge = (FC_SFX(edge_kernel_fn))pb->edge;
    /* interior: 0 <= i + r0, i + r0 + wr <= xr; likewise for columns */
    const ptrdiff_t ilo = -r0, ihi = xr - wr - r0 + 1;
    ptrdiff_t ja = fc_max(a, -c0), jb = fc_min(b, xc - wc - c0 + 1);
    const int inner_cols = kernel != NULL && ja < jb;
    if (inner_cols && edge != NULL && pb->lanes > 0) {
        /* the edge kernel's vectors over a band left or right of the
         * interior are whole, whatever its width: the interior columns that
         * fill them go to it too (the same chains, so the same values) */
        const ptrdiff_t e = pb->lanes;
        ja = ja > a ? fc_min(jb, a + (ja - a + e - 1) / e * e) : ja;
        jb = jb < b ? fc_max(ja, b - (b - jb + e - 1) / e * e) : jb;
    }
    ptrdiff_t i = i0;
    while (i < i1) {
        /* the next rows of one kind: inside x's rows (with inner columns) or not */
        const int inner = inner_cols && i >= ilo && i < ihi;
        const ptrdiff_t end = inner ? fc_min(i1, ihi) : (inner_cols && i < ilo) ? fc_min(i1, ilo) : i1;
        const ptrdiff_t n = fc_min(FC_CORR_ROWS_BLOCK, end - i);
        for (ptrdiff_t m = 0; m < n + wr - 1; ++m) {
            const ptrdiff_t row = i + r0 + m;
            rows[m] = (row >= 0 && row < xr) ? x + row * xc : NULL;
        }
        FC_T *orows = out + i * ldo;
        FC_SFX(prefetch_rows_ahead)(pb, i, i == i0, i1 - i, n, a, b);
        if (inner) {
            const FC_T **inner_rows = rows + n + wr - 1;   /* the second half of the scratch */
            for (ptrdiff_t m = 0; m < n + wr - 1; ++m) {
                inner_rows[m] = rows[m] + c0 + ja;
            }
            if (ja < jb) {
                kernel(inner_rows, n, jb - ja, w, wr, wc, orows + ja, ldo);
            }
            FC_SFX(edge_rows)(edge, rows, n, xc, w, wr, wc, orows + a, ldo, ja - a, c0 + a);
            FC_SFX(edge_rows)(edge, rows, n, xc, w, wr, wc, orows + jb, ldo, b - jb, c0 + jb);
        } else {
            FC_SFX(edge_rows)(edge, rows, n, xc, w, wr, wc, orows + a, ldo, b - a, c0 + a);
        }
        i += n;
    }
}

/*
 * corr2d_extended_tile: output rows [i0, i1) x columns [a, b) of the fill /
 * wrap / symm extension.  The extended rows the tile reads (columns
 * [c0 + a, c0 + b + wc - 1) of extended rows r0 + i0 ..) are built once each
 * into a ring of wr + FC_CORR_ROWS_BLOCK - 1 rows of (b - a) + wc - 1
 * elements; every product is computed (there are no missing taps), by the
 * micro-kernel when the table has one, else by corr_row.  rows: scratch for
 * wr + FC_CORR_ROWS_BLOCK - 1 pointers; ring: the ring.
 */
static void FC_SFX(corr2d_extended_tile)(const fc_corr2d_problem *pb, ptrdiff_t i0,
                                         ptrdiff_t i1, ptrdiff_t a, ptrdiff_t b,
                                         const FC_T **rows, FC_T *ring)
{
    const FC_T *w = (const FC_T *)pb->w;
    FC_T *out = (FC_T *)pb->out;
    const ptrdiff_t wr = pb->wr, wc = pb->wc, ldo = pb->ldo;
    const FC_SFX(rows_kernel_fn) kernel = (FC_SFX(rows_kernel_fn))pb->kernel;
    const ptrdiff_t slots = wr + FC_CORR_ROWS_BLOCK - 1, width = (b - a) + wc - 1;
    ptrdiff_t built = i0;   /* next extended row to build */
    for (ptrdiff_t i = i0; i < i1; i += FC_CORR_ROWS_BLOCK) {
        const ptrdiff_t n = fc_min(FC_CORR_ROWS_BLOCK, i1 - i);
        for (; built < i + n + wr - 1; ++built) {
            const char *src = fc_extend_source_row((const char *)pb->x, pb->xr, pb->xc,
                                                   sizeof(FC_T), pb->r0 + built, pb->boundary);
            fc_extend_row(sizeof(FC_T), src, pb->xc, (char *)(ring + ((built - i0) % slots) * width),
                          width, pb->c0 + a, pb->boundary, (const char *)pb->fill);
        }
        for (ptrdiff_t m = 0; m < n + wr - 1; ++m) {
            rows[m] = ring + ((i + m - i0) % slots) * width;
        }
        if (kernel != NULL) {
            kernel(rows, n, b - a, w, wr, wc, out + i * ldo + a, ldo);
        } else {
            for (ptrdiff_t k = 0; k < n; ++k) {
                FC_SFX(corr_row)(rows + k, width, w, wr, wc, out + (i + k) * ldo + a, b - a, 0);
            }
        }
    }
}

/* The tile function of fc_corr2d_direct's loop (corr2d_direct.c). */
static void FC_SFX(corr2d_tile)(const fc_corr2d_problem *pb, ptrdiff_t i0, ptrdiff_t i1,
                                ptrdiff_t a, ptrdiff_t b, void *scratch)
{
    const FC_T **rows = (const FC_T **)scratch;
    if (pb->boundary == FC_PAD_ZERO) {
        FC_SFX(corr2d_zero_tile)(pb, i0, i1, a, b, rows);
    } else {
        FC_T *ring = (FC_T *)((char *)scratch + fc_rows_scratch_bytes(pb->wr));
        FC_SFX(corr2d_extended_tile)(pb, i0, i1, a, b, rows, ring);
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
