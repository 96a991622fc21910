/*
 * conv2d_direct.template.c -- the direct CNN layer kernels (forward,
 * grad_input, grad_weight), one instantiation per floating type (included by
 * conv2d_direct.c with FC_DT set; see dtype_ops.h).  The formulas and the
 * contract are in fastconv.h ("nn kernels").
 *
 * No padded copy and no workspace beyond a stack block of FC_NN_BLOCK
 * accumulators: for every tap, the range of outputs whose input index falls
 * inside the data is computed once (fc_inside), and only those terms are
 * summed.  The innermost loops run over independent outputs (contiguous
 * output positions for forward and grad_input, contiguous taps for
 * grad_weight), so they vectorize without reassociating any sum; each output
 * receives its terms in the documented order.  Three code paths compute the
 * same sums and give the same bits: register tiles over the interior of a
 * stride-1 row, one scalar sum per edge column, and blocked segments for
 * everything else.
 */

/*
 * Register tiles (conv2d_tile.template.c).  With GCC / Clang the tiles use
 * their vector extension: 16-byte vectors (the baseline ISA; FC_LANES
 * elements), element-wise + and * with the same IEEE rounding as the scalar
 * code (and no contraction into FMA in ISO C mode), loads and stores by
 * memcpy (no alignment assumed).  Other compilers get the same tiles with
 * one-element "vectors".  Three shapes for forward and grad_input: 4
 * channels x 2 vectors of positions, 1 channel x 8 vectors (depthwise
 * layers and thin groups), 1 channel x 2 vectors (rows too narrow for 8);
 * and three for grad_weight (conv2d_gw_tile.template.c, below).
 */
#if defined(__GNUC__)
typedef FC_T FC_SFX(fc_vector) __attribute__((vector_size(16)));
#  define FC_TILE_ACC FC_SFX(fc_vector)
#  define FC_LANES ((ptrdiff_t)(16 / sizeof(FC_T)))
#  if FC_DT == FC_DT_F32
#    define FC_VSPLAT(a) ((FC_TILE_ACC){(a), (a), (a), (a)})
#  else
#    define FC_VSPLAT(a) ((FC_TILE_ACC){(a), (a)})
#  endif
#  define FC_VLOAD(v, p) memcpy(&(v), (p), sizeof(FC_TILE_ACC))
#  define FC_VSTORE(p, v) memcpy((p), &(v), sizeof(FC_TILE_ACC))
#else
#  define FC_TILE_ACC FC_T
#  define FC_LANES ((ptrdiff_t)1)
#  define FC_VSPLAT(a) (a)
#  define FC_VLOAD(v, p) ((v) = *(p))
#  define FC_VSTORE(p, v) (*(p) = (v))
#endif
#define FC_VZERO FC_VSPLAT((FC_T)0)
#define FC_VMAC(acc, w, x) ((acc) + (w) * (x))
#define FC_VADD(a, b) ((a) + (b))

#define FC_TILE_C 4
#define FC_TILE_V 2
#include "conv2d_tile.template.c"
#undef FC_TILE_C
#undef FC_TILE_V

#define FC_TILE_C 1
#define FC_TILE_V 8
#include "conv2d_tile.template.c"
#undef FC_TILE_V

#define FC_TILE_V 2
#include "conv2d_tile.template.c"
#undef FC_TILE_C
#undef FC_TILE_V

/* Positions per tile: 2 vectors (both shapes of 2), 8 vectors. */
#define FC_P2 (2 * FC_LANES)
#define FC_P8 (8 * FC_LANES)

/* The depthwise row kernel of the kernel table (nn_kernels.h) for this type. */
#if FC_DT == FC_DT_F32
#  define FC_DW_ROW fc_dw_row_f32
#  define FC_DW_GW fc_dw_gw_f32
#  define FC_DW_PLANE fc_dw_plane_f32
#  define FC_DW_FLAT fc_dw_flat_f32
#  define FC_DENSE_ROW fc_dense_row_f32
#  define FC_DENSE_GW fc_dense_gw_f32
#  define FC_DENSE_PW_GW fc_dense_pw_gw_f32
#  define FC_DENSE_GW_LANES FC_DENSE_GW_LANES_F32
#else
#  define FC_DW_ROW fc_dw_row_f64
#  define FC_DW_GW fc_dw_gw_f64
#  define FC_DW_PLANE fc_dw_plane_f64
#  define FC_DW_FLAT fc_dw_flat_f64
#  define FC_DENSE_ROW fc_dense_row_f64
#  define FC_DENSE_GW fc_dense_gw_f64
#  define FC_DENSE_PW_GW fc_dense_pw_gw_f64
#  define FC_DENSE_GW_LANES FC_DENSE_GW_LANES_F64
#endif

/*
 * Whether the flat depthwise kernel (nn_kernels.h) beats the plane kernel
 * on geometry p: where it fits and the plane kernel's vectors of 2 x lanes
 * columns would be less than 80 % full.  Measured (AVX-512, float32, 3x3,
 * 2048 planes): the flat kernel takes 1.1-1.2 cycles an output at any row
 * width (its unaligned loads, one per tap and vector, bound it); the plane
 * kernel 1.05 on 28- and 56-wide rows (88 % full), 2.8 on 14-wide ones
 * (44 %), 7 on 7-wide ones (22 %).
 */
static int FC_SFX(depthwise_flat_pays)(const fc_dw_plane *p)
{
    const ptrdiff_t span = 2 * FC_DW_FLAT_VECTOR_BYTES / (ptrdiff_t)sizeof(FC_T);
    if (!fc_dw_flat_fits(p, sizeof(FC_T))) {
        return 0;
    }
    return 10 * p->w_out < 8 * ((p->w_out + span - 1) / span * span);
}

/*
 * depthwise_planes: the kernel table's plane kernel (nn_kernels.h) on every
 * (image, channel) plane of a depthwise layer, on ex's threads: plane pl
 * of `in` (in_plane elements each) with channel pl % groups's taps (and
 * bias) into plane pl of `out` (out_plane elements each).  Its flat kernel
 * instead (same bits) where it fits and pays (depthwise_flat_pays), on runs
 * of planes (its masks are computed once per run).
 */
static fc_status FC_SFX(depthwise_planes)(FC_DW_PLANE dw_plane, FC_DW_FLAT dw_flat,
                                          const fc_dw_plane *geom, ptrdiff_t planes,
                                          ptrdiff_t groups, const FC_T *in, ptrdiff_t in_plane,
                                          const FC_T *w, ptrdiff_t taps, const FC_T *bias,
                                          FC_T *out, ptrdiff_t out_plane, const fc_exec *ex)
{
    const int nthreads = fc_exec_threads(ex);
    const ptrdiff_t plane_macs = out_plane * taps;
    const int flat = dw_flat != NULL && FC_SFX(depthwise_flat_pays)(geom);
    /* flat: runs of at most FC_POLL_MACS multiply-adds, at least 4 per thread */
    const ptrdiff_t run = flat ? fc_max(1, fc_min(FC_POLL_MACS / fc_max(plane_macs, 1),
                                                  planes / (4 * nthreads)))
                               : 1;
    const ptrdiff_t runs = (planes + run - 1) / run;
    ptrdiff_t since_poll = 0;
    int stop = 0;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1)
    for (ptrdiff_t k = 0; k < runs; ++k) {
        const ptrdiff_t pl0 = k * run, pl1 = fc_min(planes, pl0 + run);
        if (fc_nn_stopped_after(ex, &stop, (pl1 - pl0) * plane_macs, &since_poll)) {
            continue;
        }
        if (flat) {
            dw_flat(geom, in, w, bias, out, pl0, pl1, groups);
            continue;
        }
        for (ptrdiff_t pl = pl0; pl < pl1; ++pl) {
            const ptrdiff_t g = pl % groups;
            dw_plane(geom, in + pl * in_plane, w + g * taps, bias ? bias + g : NULL,
                     out + pl * out_plane);
        }
    }
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

/*
 * Dense layers with stride 1 along the rows (forward: up to the level's
 * row_max_stride_w), at the levels whose kernel table has a dense row
 * kernel (nn_kernels.h): the weights are packed by blocks of
 * FC_DENSE_UNITS channels (dense_pack), then every row band of every
 * (image, group) -- FC_DENSE_ROWS rows, or about FC_DENSE_FLAT_BAND
 * positions of flattened rows -- is one work unit of the parallel loop,
 * and within it each run of rows that have the same kernel rows inside the
 * data is one kernel call per block of units.  Each output gets the terms
 * of the generic loops in their order, added by fused multiply-adds: the
 * same bits at every thread count and at both levels' kernels.
 *
 * dense_pack: wp[((g*nblk + blk)*nsum + c)*taps*U + t*U + u] = the weight of
 * unit blk*U + u, summed channel c, tap t of group g (zero for the units
 * past the group's nunits), where weight (unit, c, t) of group g is
 * w[g*gstride + unit*ustride + c*cstride + t].  NULL if out of memory.
 */
static FC_T *FC_SFX(dense_pack)(const FC_T *w, ptrdiff_t groups, ptrdiff_t nunits,
                                ptrdiff_t nsum, ptrdiff_t taps, ptrdiff_t gstride,
                                ptrdiff_t ustride, ptrdiff_t cstride)
{
    const ptrdiff_t U = FC_DENSE_UNITS, nblk = (nunits + U - 1) / U;
    FC_T *wp = (FC_T *)malloc((size_t)(groups * nblk * nsum * taps * U) * sizeof(FC_T));
    if (wp == NULL) {
        return NULL;
    }
    FC_T *dst = wp;
    for (ptrdiff_t g = 0; g < groups; ++g) {
        for (ptrdiff_t blk = 0; blk < nblk; ++blk) {
            for (ptrdiff_t c = 0; c < nsum; ++c) {
                for (ptrdiff_t t = 0; t < taps; ++t) {
                    for (ptrdiff_t u = 0; u < U; ++u) {
                        const ptrdiff_t unit = blk * U + u;
                        *dst++ = unit < nunits
                                     ? w[g * gstride + unit * ustride + c * cstride + t]
                                     : (FC_T)0;
                    }
                }
            }
        }
    }
    return wp;
}

/* the kernel rows r of a dense band row: [r_lo, r_hi) with input (or dy)
 * row first + r*step inside [0, rows) */
static inline void FC_SFX(dense_taps)(ptrdiff_t first, ptrdiff_t step, ptrdiff_t rows,
                                      ptrdiff_t kh, ptrdiff_t *r_lo, ptrdiff_t *r_hi)
{
    if (step > 0) {
        fc_inside(first, step, rows, kh, r_lo, r_hi);
    } else {   /* first - r*|step| in [0, rows) */
        *r_lo = fc_min(kh, fc_max(0, fc_ceil_div(first - rows + 1, -step)));
        *r_hi = fc_max(*r_lo, fc_min(kh, first >= 0 ? first / -step + 1 : 0));
    }
}

/*
 * dense_rows: every band of the layer.  Band row e (output row `row`) reads
 * input row first + r*rstep for kernel row r, first = row*row_mul + row_add,
 * from planes of `in_rows` rows of in_w columns; p holds the column
 * geometry and strides (nsum, in_plane, kw, col0, col_step, n, w_sum,
 * w_row, out_plane, rows_out_step).
 */
static fc_status FC_SFX(dense_rows)(FC_DENSE_ROW dense_row, int row_flat,
                                    const fc_dense_row *geom, const FC_T *in, const FC_T *wp,
                                    const FC_T *bias, FC_T *out, ptrdiff_t images,
                                    ptrdiff_t groups, ptrdiff_t nunits, ptrdiff_t units_total,
                                    ptrdiff_t sum_total, ptrdiff_t rows_out, ptrdiff_t in_rows,
                                    ptrdiff_t in_w, ptrdiff_t kh, ptrdiff_t row_mul,
                                    ptrdiff_t row_add, ptrdiff_t rstep, const fc_exec *ex)
{
    const int nthreads = fc_exec_threads(ex);
    int stop = 0;
    /* flattened rows (nn_kernels.h): consecutive input and output rows both
     * n elements apart; bands of about FC_DENSE_FLAT_BAND positions then, or
     * fewer rows to fit FC_DENSE_BAND_L1_BYTES (conv2d_direct.c) */
    const int flat = row_flat && geom->stride_w == 1 && row_mul * in_w == geom->n
                     && geom->rows_out_step == geom->n && geom->n > 0;
    ptrdiff_t R = flat ? fc_max(FC_DENSE_ROWS, (FC_DENSE_FLAT_BAND + geom->n - 1) / geom->n)
                       : FC_DENSE_ROWS;
    if (flat) {   /* rows a band whose input rows fit FC_DENSE_BAND_L1_BYTES */
        const ptrdiff_t row_bytes = geom->nsum * in_w * (ptrdiff_t)sizeof(FC_T);
        const ptrdiff_t fit = FC_DENSE_BAND_L1_BYTES / fc_max(row_bytes, 1) - (kh - 1);
        if (fit >= FC_DENSE_ROWS && fit < R) {
            R = fit;
        }
    }
    const ptrdiff_t U = FC_DENSE_UNITS, nblk = (nunits + U - 1) / U;
    const ptrdiff_t bands = (rows_out + R - 1) / R, items = images * groups * bands;
    const ptrdiff_t out_plane = geom->out_plane, w_blk = geom->nsum * geom->w_sum;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1)
    for (ptrdiff_t item = 0; item < items; ++item) {
        if (fc_nn_stopped(ex, &stop)) {
            continue;
        }
        const ptrdiff_t band = item % bands, g = item / bands % groups;
        const ptrdiff_t b = item / bands / groups;
        const FC_T *ing = in + (b * sum_total + g * geom->nsum) * geom->in_plane;
        FC_T *outg = out + (b * units_total + g * nunits) * out_plane;
        /* from this item's input to the next item's, at the same place of
         * its band: block 0 prefetches the next band (fc_dense_row) */
        ptrdiff_t shift = 0;
        if (item + 1 < items) {
            const ptrdiff_t nband = (item + 1) % bands, ng = (item + 1) / bands % groups;
            const ptrdiff_t nb = (item + 1) / bands / groups;
            shift = ((nb - b) * sum_total + (ng - g) * geom->nsum) * geom->in_plane
                    + (nband - band) * R * row_mul * in_w;
        }
        const ptrdiff_t end = fc_min(rows_out, band * R + R);
        ptrdiff_t row = band * R;
        while (row < end) {
            ptrdiff_t r_lo, r_hi, m = 1;
            const ptrdiff_t first = row * row_mul + row_add;
            FC_SFX(dense_taps)(first, rstep, in_rows, kh, &r_lo, &r_hi);
            for (; row + m < end; ++m) {   /* the next rows with the same kernel rows */
                ptrdiff_t lo, hi;
                FC_SFX(dense_taps)(first + m * row_mul, rstep, in_rows, kh, &lo, &hi);
                if (lo != r_lo || hi != r_hi) {
                    break;
                }
            }
            fc_dense_row p = *geom;
            p.nrows = fc_max(0, r_hi - r_lo);
            p.row_step = rstep * in_w;
            p.rows_in_step = row_mul * in_w;
            ptrdiff_t nr_out = m;
            if (flat && m > 1) {   /* the run's m rows as one row of m*n positions */
                p.flat = p.n;
                p.n *= m;
                nr_out = 1;
            }
            const FC_T *in0 = p.nrows > 0 ? ing + (first + r_lo * rstep) * in_w : ing;
            for (ptrdiff_t blk = 0; blk < nblk; ++blk) {
                const ptrdiff_t u0 = blk * U;
                p.prefetch_shift = blk == 0 ? shift : 0;
                dense_row(&p, fc_min(U, nunits - u0), nr_out, in0,
                          wp + (g * nblk + blk) * w_blk + r_lo * geom->w_row,
                          bias != NULL ? bias + g * nunits + u0 : NULL,
                          outg + u0 * out_plane + row * geom->rows_out_step);
            }
            row += m;
        }
    }
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

/* forward by the dense row kernel (stride_w up to the level's
 * row_max_stride_w); FC_ERR_NOMEM (nothing computed) when the packed
 * weights do not fit in memory */
static fc_status FC_SFX(forward_dense)(const fc_conv2d_shape *s, const FC_T *x, const FC_T *w,
                                       const FC_T *bias, FC_T *y, const fc_exec *ex,
                                       FC_DENSE_ROW dense_row, int row_flat)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kw = s->kw, taps = s->kh * kw, U = FC_DENSE_UNITS;
    FC_T *wp = FC_SFX(dense_pack)(w, s->groups, og, cg, taps, og * cg * taps, cg * taps, taps);
    if (wp == NULL) {
        return FC_ERR_NOMEM;
    }
    const fc_dense_row geom = {.nsum = cg, .in_plane = s->h_in * s->w_in, .w_in = s->w_in,
                               .kw = kw, .col0 = -s->pad_w, .col_step = s->dil_w,
                               .stride_w = s->stride_w, .n = s->w_out, .w_sum = taps * U,
                               .w_row = kw * U, .out_plane = s->h_out * s->w_out,
                               .rows_out_step = s->w_out};
    /* output row i, kernel row r reads input row i*sh - ph + r*dh */
    const fc_status status = FC_SFX(dense_rows)(dense_row, row_flat, &geom, x, wp, bias, y,
                                                s->n, s->groups, og, s->c_out, s->c_in,
                                                s->h_out, s->h_in, s->w_in, s->kh, s->stride_h,
                                                -s->pad_h, s->dil_h, ex);
    free(wp);
    return status;
}

/* grad_input by the dense row kernel (strides 1), as the correlation of dy
 * with the flipped, transposed weights; FC_ERR_NOMEM as forward_dense */
static fc_status FC_SFX(grad_input_dense)(const fc_conv2d_shape *s, const FC_T *dy,
                                          const FC_T *w, const FC_T *bias, FC_T *dx,
                                          const fc_exec *ex, FC_DENSE_ROW dense_row,
                                          int row_flat)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kw = s->kw, taps = s->kh * kw, U = FC_DENSE_UNITS;
    /* units: the group's input channels c (stride taps), summed: its output
     * channels o (stride cg*taps) */
    FC_T *wp = FC_SFX(dense_pack)(w, s->groups, cg, og, taps, og * cg * taps, taps, cg * taps);
    if (wp == NULL) {
        return FC_ERR_NOMEM;
    }
    const fc_dense_row geom = {.nsum = og, .in_plane = s->h_out * s->w_out, .w_in = s->w_out,
                               .kw = kw, .col0 = s->pad_w, .col_step = -s->dil_w,
                               .stride_w = 1, .n = s->w_in, .w_sum = taps * U,
                               .w_row = kw * U, .out_plane = s->h_in * s->w_in,
                               .rows_out_step = s->w_in};
    /* dx row h, kernel row r reads dy row h + ph - r*dh */
    const fc_status status = FC_SFX(dense_rows)(dense_row, row_flat, &geom, dy, wp, bias, dx,
                                                s->n, s->groups, cg, s->c_in, s->c_out,
                                                s->h_in, s->h_out, s->w_out, s->kh, 1,
                                                s->pad_h, -s->dil_h, ex);
    free(wp);
    return status;
}

/*
 * Forward: y[b, o, i, j] = sum_{c, r, q} w[o, c, r, q] * x[b, g*cg + c, i*sh - ph + r*dh,
 * j*sw - pw + q*dw] (+ bias[o]), summed over (c, r, q) in that order.
 *
 * forward_segment computes columns [j_begin, j_end) of output row i of one
 * channel with the generic loops: block of output columns (accumulators in
 * L1) -> c -> r -> q -> output column, the taps' in-range columns computed
 * once per tap.  It computes the rows that have no register tile: strides
 * other than 1 along the row, and rows narrower than a tile.
 */
static void FC_SFX(forward_segment)(const fc_conv2d_shape *s, const FC_T *xg, const FC_T *wo,
                                    ptrdiff_t top, ptrdiff_t r_lo, ptrdiff_t r_hi,
                                    ptrdiff_t j_begin, ptrdiff_t j_end, const FC_T *bias,
                                    FC_T *yrow)
{
    const ptrdiff_t cg = s->c_in / s->groups, kw = s->kw, taps = s->kh * kw;
    const ptrdiff_t sw = s->stride_w, dh = s->dil_h, dw = s->dil_w;
    const ptrdiff_t w_in = s->w_in, in_plane = s->h_in * w_in;
    FC_ACC acc[FC_NN_BLOCK];

    for (ptrdiff_t j0 = j_begin; j0 < j_end; j0 += FC_NN_BLOCK) {
        const ptrdiff_t nj = fc_min(FC_NN_BLOCK, j_end - j0);
        for (ptrdiff_t j = 0; j < nj; ++j) {
            FC_ZERO(acc[j]);
        }
        for (ptrdiff_t c = 0; c < cg; ++c) {
            const FC_T *xc = xg + c * in_plane;
            const FC_T *wc = wo + c * taps;
            for (ptrdiff_t r = r_lo; r < r_hi; ++r) {
                const FC_T *xrow = xc + (top + r * dh) * w_in;
                const FC_T *wrow = wc + r * kw;
                for (ptrdiff_t q = 0; q < kw; ++q) {
                    /* output j reads input column j*sw + off */
                    const ptrdiff_t off = q * dw - s->pad_w;
                    ptrdiff_t lo, hi;
                    fc_inside(off, sw, w_in, j0 + nj, &lo, &hi);
                    lo = fc_max(lo, j0);
                    const FC_T wv = wrow[q];
                    if (sw == 1) {
                        for (ptrdiff_t j = lo; j < hi; ++j) {
                            FC_MAC(acc[j - j0], wv, xrow[j + off]);
                        }
                    } else {
                        for (ptrdiff_t j = lo; j < hi; ++j) {
                            FC_MAC(acc[j - j0], wv, xrow[j * sw + off]);
                        }
                    }
                }
            }
        }
        for (ptrdiff_t j = 0; j < nj; ++j) {
            if (bias != NULL) {
                FC_STORE(yrow[j0 + j], acc[j] + *bias);
            } else {
                FC_STORE(yrow[j0 + j], acc[j]);
            }
        }
    }
}

/*
 * forward_column: output column j of row i of one channel, one scalar sum
 * over (c, r, q) with the in-range taps [q_lo, q_hi) computed once for the
 * column.  Used for the few edge columns next to the register tiles, where
 * a segment would pay its per-tap setup for one or two outputs.
 */
static void FC_SFX(forward_column)(const fc_conv2d_shape *s, const FC_T *xg, const FC_T *wo,
                                   ptrdiff_t top, ptrdiff_t r_lo, ptrdiff_t r_hi, ptrdiff_t j,
                                   const FC_T *bias, FC_T *yrow)
{
    const ptrdiff_t cg = s->c_in / s->groups, kw = s->kw, taps = s->kh * kw;
    const ptrdiff_t w_in = s->w_in, in_plane = s->h_in * w_in, dw = s->dil_w;
    const ptrdiff_t base = j * s->stride_w - s->pad_w;   /* input column of tap q = 0 */
    ptrdiff_t q_lo, q_hi;
    fc_inside(base, dw, w_in, kw, &q_lo, &q_hi);
    FC_ACC acc;
    FC_ZERO(acc);
    for (ptrdiff_t c = 0; c < cg; ++c) {
        for (ptrdiff_t r = r_lo; r < r_hi; ++r) {
            const FC_T *xrow = xg + c * in_plane + (top + r * s->dil_h) * w_in;
            const FC_T *wrow = wo + c * taps + r * kw;
            for (ptrdiff_t q = q_lo; q < q_hi; ++q) {
                FC_MAC(acc, wrow[q], xrow[base + q * dw]);
            }
        }
    }
    if (bias != NULL) {
        FC_STORE(yrow[j], acc + *bias);
    } else {
        FC_STORE(yrow[j], acc);
    }
}

/*
 * forward_depthwise_row: output row i of a depthwise layer's channel
 * (cg = og = 1): the interior columns [d_lo, d_hi), whose every tap is
 * inside the input row, by the kernel table's row kernel (SIMD over the
 * columns, stride 1 or 2), the edge columns by forward_column.
 */
static void FC_SFX(forward_depthwise_row)(const fc_conv2d_shape *s, const FC_T *xg,
                                          const FC_T *wo, ptrdiff_t top, ptrdiff_t r_lo,
                                          ptrdiff_t r_hi, const FC_T *bias, FC_T *yrow,
                                          FC_DW_ROW dw_row, ptrdiff_t d_lo, ptrdiff_t d_hi)
{
    const ptrdiff_t kw = s->kw, w_in = s->w_in, sw = s->stride_w;
    for (ptrdiff_t j = 0; j < d_lo; ++j) {
        FC_SFX(forward_column)(s, xg, wo, top, r_lo, r_hi, j, bias, yrow);
    }
    if (d_hi > d_lo) {
        dw_row(xg + (top + r_lo * s->dil_h) * w_in + d_lo * sw - s->pad_w, s->dil_h * w_in,
               wo + r_lo * kw, kw, fc_max(0, r_hi - r_lo), kw, s->dil_w, sw, d_hi - d_lo, bias,
               yrow + d_lo);
    }
    for (ptrdiff_t j = fc_max(d_lo, d_hi); j < s->w_out; ++j) {
        FC_SFX(forward_column)(s, xg, wo, top, r_lo, r_hi, j, bias, yrow);
    }
}

/*
 * Loop order: (image, group, output row i), in parallel -> block of 4 (or 1) output
 * channels -> register tiles over the interior columns (stride 1 along the
 * row; the last tile flush with the interior's end, overlapping its
 * predecessor), then the edge columns one by one (forward_column); rows
 * without a tile (other strides, narrow rows) go through forward_segment.
 * For one output row only kh rows of each input channel of the group are
 * read, so they stay in cache while all og output channels use them.
 */
static fc_status FC_SFX(conv2d_forward)(const fc_conv2d_shape *s, const FC_T *x, const FC_T *w,
                                        const FC_T *bias, FC_T *y, const fc_exec *ex,
                                        const fc_nn_kernels *nk)
{
    const int nthreads = fc_exec_threads(ex);
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kw = s->kw, taps = s->kh * kw, w_out = s->w_out;
    const ptrdiff_t in_plane = s->h_in * s->w_in, out_plane = s->h_out * w_out;
    const FC_DW_ROW dw_row = nk->depthwise.FC_SFX(row);
    const FC_DW_PLANE dw_plane = nk->depthwise.FC_SFX(plane);
    const FC_DENSE_ROW dense_row = nk->dense.FC_SFX(row);
    if (dense_row != NULL && og >= FC_DENSE_MIN_UNITS
        && s->stride_w <= nk->dense.row_max_stride_w && kw <= FC_DENSE_MAX_KW) {
        const fc_status status = FC_SFX(forward_dense)(s, x, w, bias, y, ex, dense_row,
                                                       nk->dense.row_flat);
        if (status != FC_ERR_NOMEM) {
            return status;
        }
    }
    if (dw_plane != NULL && cg == 1 && og == 1 && kw <= FC_DW_PLANE_MAX_KW
        && (s->stride_w == 1 || s->stride_w == 2)) {
        /* depthwise: the kernel table's plane kernel, one channel of one
         * image per call, edges included (nn_kernels.h) */
        const fc_dw_plane geom = {s->h_in, s->w_in, s->h_out, w_out, s->kh, kw,
                                  s->stride_h, s->stride_w, -s->pad_h, s->dil_h,
                                  -s->pad_w, s->dil_w};
        return FC_SFX(depthwise_planes)(dw_plane, nk->depthwise.FC_SFX(flat), &geom,
                                        s->n * s->groups, s->groups, x,
                                        in_plane, w, taps, bias, y, out_plane, ex);
    }
    /* stride-1 columns whose every tap is inside the row: [j_in, j_in + n_in) */
    ptrdiff_t j_in = 0, n_in = 0;
    if (s->stride_w == 1) {
        j_in = fc_min(s->pad_w, w_out);
        n_in = fc_max(0, fc_min(w_out, s->w_in + s->pad_w - (kw - 1) * s->dil_w) - j_in);
    }

    /* depthwise layers (stride 1 or 2 along the row): the row kernel's
     * interior columns [d_lo, d_hi) */
    const int depthwise = dw_row != NULL && cg == 1 && og == 1
                          && (s->stride_w == 1 || s->stride_w == 2);
    ptrdiff_t d_lo = 0, d_hi = 0;
    if (depthwise && s->w_in - (kw - 1) * s->dil_w > 0) {
        fc_inside(-s->pad_w, s->stride_w, s->w_in - (kw - 1) * s->dil_w, w_out, &d_lo, &d_hi);
        d_lo = fc_min(d_lo, w_out);
        d_hi = fc_max(d_lo, d_hi);
    }
    /* one output row of one group of one image per iteration */
    const ptrdiff_t nrows = s->n * s->groups * s->h_out, row_macs = og * w_out * cg * taps;
    ptrdiff_t since_poll = 0;
    int stop = 0;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1)
    for (ptrdiff_t row = 0; row < nrows; ++row) {
        if (fc_nn_stopped_after(ex, &stop, row_macs, &since_poll)) {
            continue;
        }
        {
            const ptrdiff_t i = row % s->h_out, g = row / s->h_out % s->groups;
            const ptrdiff_t b = row / s->h_out / s->groups;
            const FC_T *xg = x + (b * s->c_in + g * cg) * in_plane;
            {
                const ptrdiff_t top = i * s->stride_h - s->pad_h;   /* input row of tap r = 0 */
                ptrdiff_t r_lo, r_hi;
                fc_inside(top, s->dil_h, s->h_in, s->kh, &r_lo, &r_hi);
                if (depthwise) {
                    FC_SFX(forward_depthwise_row)(s, xg, w + g * taps, top, r_lo, r_hi,
                                                  bias ? bias + g : NULL,
                                                  y + ((b * s->c_out + g) * s->h_out + i) * w_out,
                                                  dw_row, d_lo, d_hi);
                    continue;
                }
                ptrdiff_t o = g * og;
                while (o < (g + 1) * og) {
                    const ptrdiff_t nc = o + 4 <= (g + 1) * og ? 4 : 1;
                    /* the widest tile that fits the interior columns, if any */
                    const ptrdiff_t p = nc == 4 ? (n_in >= FC_P2 ? FC_P2 : 0)
                                      : (n_in >= FC_P8 ? FC_P8 : n_in >= FC_P2 ? FC_P2 : 0);
                    FC_T *yo = y + ((b * s->c_out + o) * s->h_out + i) * w_out;
                    const FC_T *wo = w + o * cg * taps;
                    const FC_T *bo = bias ? bias + o : NULL;
                    for (ptrdiff_t j0 = p ? j_in : -1; j0 >= 0;
                         j0 = fc_next_tile(j0, p, j_in + n_in)) {
                        if (nc == 4) {
                            FC_SFX(forward_tile_4_2)(s, xg, wo, top, r_lo, r_hi, j0, bo, yo,
                                                     out_plane);
                        } else if (p == FC_P8) {
                            FC_SFX(forward_tile_1_8)(s, xg, wo, top, r_lo, r_hi, j0, bo, yo,
                                                     out_plane);
                        } else {
                            FC_SFX(forward_tile_1_2)(s, xg, wo, top, r_lo, r_hi, j0, bo, yo,
                                                     out_plane);
                        }
                    }
                    /* the columns no tile covered: the edges one by one, or the
                     * whole row by segments when there is no tile */
                    for (ptrdiff_t u = 0; u < nc; ++u) {
                        const FC_T *bu = bias ? bias + o + u : NULL;
                        const FC_T *wu = wo + u * cg * taps;
                        FC_T *yrow = yo + u * out_plane;
                        if (p == 0) {
                            FC_SFX(forward_segment)(s, xg, wu, top, r_lo, r_hi, 0, w_out, bu,
                                                    yrow);
                            continue;
                        }
                        for (ptrdiff_t j = 0; j < j_in; ++j) {
                            FC_SFX(forward_column)(s, xg, wu, top, r_lo, r_hi, j, bu, yrow);
                        }
                        for (ptrdiff_t j = j_in + n_in; j < w_out; ++j) {
                            FC_SFX(forward_column)(s, xg, wu, top, r_lo, r_hi, j, bu, yrow);
                        }
                    }
                    o += nc;
                }
            }
        }
    }
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

/*
 * grad_input (the transposed convolution), gathered: every element of dx is
 * the sum, over (o, r, q) in that order, of the terms dy[b, o, i, j] * w[o, c, r, q]
 * whose output (i, j) read it, plus bias[c'] when given.
 *
 * grad_input_segment computes columns [v_begin, v_end) of input row h of
 * one channel with the generic loops: block of input columns
 * (accumulators) -> o -> r (the rows with h = i*sh - ph + r*dh for an
 * in-range i) -> q -> output column j.  Output column j of tap q adds to
 * input column v = j*sw + q*dw - pw: contiguous for stride 1, every sw-th
 * accumulator otherwise; no two terms of one (o, r, q) meet the same v, so
 * there is no race and no reassociation.
 */
static void FC_SFX(grad_input_segment)(const fc_conv2d_shape *s, const FC_T *dyg,
                                       const FC_T *wc, ptrdiff_t h, ptrdiff_t v_begin,
                                       ptrdiff_t v_end, const FC_T *bias, FC_T *dxrow)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw;
    const ptrdiff_t sh = s->stride_h, sw = s->stride_w, dh = s->dil_h, dw = s->dil_w;
    const ptrdiff_t w_out = s->w_out, out_plane = s->h_out * w_out;
    FC_ACC acc[FC_NN_BLOCK];

    for (ptrdiff_t v0 = v_begin; v0 < v_end; v0 += FC_NN_BLOCK) {
        const ptrdiff_t nv = fc_min(FC_NN_BLOCK, v_end - v0);
        for (ptrdiff_t v = 0; v < nv; ++v) {
            FC_ZERO(acc[v]);
        }
        for (ptrdiff_t o = 0; o < og; ++o) {
            const FC_T *wo = wc + o * cg * taps;
            const FC_T *dyo = dyg + o * out_plane;
            for (ptrdiff_t r = 0; r < kh; ++r) {
                const ptrdiff_t t = h + s->pad_h - r * dh;   /* = i * sh */
                if (t < 0 || t % sh != 0 || t / sh >= s->h_out) {
                    continue;
                }
                const FC_T *dyrow = dyo + (t / sh) * w_out;
                const FC_T *wrow = wo + r * kw;
                for (ptrdiff_t q = 0; q < kw; ++q) {
                    /* output j adds to accumulator j*sw + off */
                    const ptrdiff_t off = q * dw - s->pad_w - v0;
                    ptrdiff_t lo, hi;
                    fc_inside(off, sw, nv, w_out, &lo, &hi);
                    const FC_T wv = wrow[q];
                    if (sw == 1) {
                        for (ptrdiff_t j = lo; j < hi; ++j) {
                            FC_MAC(acc[j + off], wv, dyrow[j]);
                        }
                    } else {
                        for (ptrdiff_t j = lo; j < hi; ++j) {
                            FC_MAC(acc[j * sw + off], wv, dyrow[j]);
                        }
                    }
                }
            }
        }
        for (ptrdiff_t v = 0; v < nv; ++v) {
            if (bias != NULL) {
                FC_STORE(dxrow[v0 + v], acc[v] + *bias);
            } else {
                FC_STORE(dxrow[v0 + v], acc[v]);
            }
        }
    }
}

/*
 * grad_input_column: input column v of row h of one channel, one scalar sum
 * over (o, r, q) with the taps whose output column j = v + pw - q*dw is in
 * range (stride 1 along the row) computed once for the column.  Used for
 * the edge columns next to the register tiles.
 */
static void FC_SFX(grad_input_column)(const fc_conv2d_shape *s, const FC_T *dyg,
                                      const FC_T *wc, ptrdiff_t h, ptrdiff_t v,
                                      const FC_T *bias, FC_T *dxrow)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw, sh = s->stride_h;
    const ptrdiff_t w_out = s->w_out, out_plane = s->h_out * w_out, dw = s->dil_w;
    const ptrdiff_t base = v + s->pad_w;   /* output column of tap q = 0; tap q: base - q*dw */
    /* q with 0 <= base - q*dw < w_out */
    const ptrdiff_t q_lo = fc_max(0, fc_ceil_div(base - w_out + 1, dw));
    const ptrdiff_t q_hi = fc_min(kw, base >= 0 ? base / dw + 1 : 0);
    FC_ACC acc;
    FC_ZERO(acc);
    for (ptrdiff_t o = 0; o < og; ++o) {
        for (ptrdiff_t r = 0; r < kh; ++r) {
            const ptrdiff_t i_sh = h + s->pad_h - r * s->dil_h;   /* = i * stride_h */
            if (i_sh < 0 || i_sh % sh != 0 || i_sh / sh >= s->h_out) {
                continue;
            }
            const FC_T *dyrow = dyg + o * out_plane + (i_sh / sh) * w_out;
            const FC_T *wrow = wc + o * cg * taps + r * kw;
            for (ptrdiff_t q = q_lo; q < q_hi; ++q) {
                FC_MAC(acc, wrow[q], dyrow[base - q * dw]);
            }
        }
    }
    if (bias != NULL) {
        FC_STORE(dxrow[v], acc + *bias);
    } else {
        FC_STORE(dxrow[v], acc);
    }
}

/*
 * grad_input_depthwise_row: input row h of a depthwise layer's channel
 * (cg = og = 1) with stride 1: the interior columns [v_in, v_in + n_in) by
 * the row kernel as the flipped correlation (dy rows upwards, taps
 * leftwards, so the terms keep the (r, q) order), the edges by
 * grad_input_column.
 */
static void FC_SFX(grad_input_depthwise_row)(const fc_conv2d_shape *s, const FC_T *dyg,
                                             const FC_T *wc, ptrdiff_t h, ptrdiff_t v_in,
                                             ptrdiff_t n_in, const FC_T *bias, FC_T *dxrow,
                                             FC_DW_ROW dw_row)
{
    const ptrdiff_t kw = s->kw, dh = s->dil_h, w_out = s->w_out, top = h + s->pad_h;
    /* kernel rows r with output row top - r*dh in [0, h_out) */
    const ptrdiff_t r_lo = fc_max(0, fc_ceil_div(top - s->h_out + 1, dh));
    const ptrdiff_t r_hi = fc_min(s->kh, top >= 0 ? top / dh + 1 : 0);
    for (ptrdiff_t v = 0; v < v_in; ++v) {
        FC_SFX(grad_input_column)(s, dyg, wc, h, v, bias, dxrow);
    }
    if (n_in > 0) {
        dw_row(dyg + (top - r_lo * dh) * w_out + v_in + s->pad_w, -dh * w_out, wc + r_lo * kw,
               kw, fc_max(0, r_hi - r_lo), kw, -s->dil_w, 1, n_in, bias, dxrow + v_in);
    }
    for (ptrdiff_t v = v_in + n_in; v < s->w_in; ++v) {
        FC_SFX(grad_input_column)(s, dyg, wc, h, v, bias, dxrow);
    }
}

/*
 * Loop order: (image, group, input row h), in parallel -> block of 4 (or 1) input
 * channels -> register tiles over the interior columns (stride 1 along the
 * row, the last tile flush with the interior's end), then the edge columns
 * one by one (grad_input_column); rows without a tile (other strides,
 * narrow rows) go through grad_input_segment.
 */
static fc_status FC_SFX(conv2d_grad_input)(const fc_conv2d_shape *s, const FC_T *dy,
                                           const FC_T *w, const FC_T *bias, FC_T *dx,
                                           const fc_exec *ex, const fc_nn_kernels *nk)
{
    const int nthreads = fc_exec_threads(ex);
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kw = s->kw, taps = s->kh * kw, w_in = s->w_in;
    const ptrdiff_t in_plane = s->h_in * w_in, out_plane = s->h_out * s->w_out;
    const FC_DW_ROW dw_row = nk->depthwise.FC_SFX(row);
    const FC_DW_PLANE dw_plane = nk->depthwise.FC_SFX(plane);
    const FC_DENSE_ROW dense_row = nk->dense.FC_SFX(row);
    if (dense_row != NULL && cg >= FC_DENSE_MIN_UNITS && s->stride_w == 1
        && s->stride_h == 1 && kw <= FC_DENSE_MAX_KW) {
        const fc_status status = FC_SFX(grad_input_dense)(s, dy, w, bias, dx, ex, dense_row,
                                                          nk->dense.row_flat);
        if (status != FC_ERR_NOMEM) {
            return status;
        }
    }
    if (dw_plane != NULL && cg == 1 && og == 1 && kw <= FC_DW_PLANE_MAX_KW
        && s->stride_w == 1 && s->stride_h == 1) {
        /* depthwise, strides 1: the flipped correlation of dy's plane by the
         * kernel table's plane kernel (dx row h, tap r reads dy row
         * h + pad_h - r*dil_h; column likewise), edges included */
        const fc_dw_plane geom = {s->h_out, s->w_out, s->h_in, w_in, s->kh, kw, 1, 1,
                                  s->pad_h, -s->dil_h, s->pad_w, -s->dil_w};
        return FC_SFX(depthwise_planes)(dw_plane, nk->depthwise.FC_SFX(flat), &geom,
                                        s->n * s->groups, s->groups, dy,
                                        out_plane, w, taps, bias, dx, in_plane, ex);
    }
    /* stride-1 input columns that every tap reaches from an in-range output:
     * 0 <= v + pw - q*dw < w_out for all q, i.e. [v_in, v_in + n_in) */
    ptrdiff_t v_in = 0, n_in = 0;
    if (s->stride_w == 1) {
        v_in = fc_min(fc_max(0, (kw - 1) * s->dil_w - s->pad_w), w_in);
        n_in = fc_max(0, fc_min(w_in, s->w_out - s->pad_w) - v_in);
    }

    const int depthwise = dw_row != NULL && cg == 1 && og == 1 && s->stride_w == 1
                          && s->stride_h == 1;
    /* one input row of one group of one image per iteration */
    const ptrdiff_t nrows = s->n * s->groups * s->h_in, row_macs = cg * w_in * og * taps;
    ptrdiff_t since_poll = 0;
    int stop = 0;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1)
    for (ptrdiff_t row = 0; row < nrows; ++row) {
        if (fc_nn_stopped_after(ex, &stop, row_macs, &since_poll)) {
            continue;
        }
        {
            const ptrdiff_t h = row % s->h_in, g = row / s->h_in % s->groups;
            const ptrdiff_t b = row / s->h_in / s->groups;
            const FC_T *dyg = dy + (b * s->c_out + g * og) * out_plane;
            {
                if (depthwise) {
                    FC_SFX(grad_input_depthwise_row)(s, dyg, w + g * taps, h, v_in, n_in,
                                                     bias ? bias + g : NULL,
                                                     dx + ((b * s->c_in + g) * s->h_in + h) * w_in,
                                                     dw_row);
                    continue;
                }
                ptrdiff_t c = 0;
                while (c < cg) {
                    const ptrdiff_t nc = c + 4 <= cg ? 4 : 1;
                    const ptrdiff_t p = nc == 4 ? (n_in >= FC_P2 ? FC_P2 : 0)
                                      : (n_in >= FC_P8 ? FC_P8 : n_in >= FC_P2 ? FC_P2 : 0);
                    const ptrdiff_t cc = g * cg + c;
                    FC_T *dxo = dx + ((b * s->c_in + cc) * s->h_in + h) * w_in;
                    const FC_T *wc = w + (g * og * cg + c) * taps;
                    const FC_T *bc = bias ? bias + cc : NULL;
                    for (ptrdiff_t v0 = p ? v_in : -1; v0 >= 0;
                         v0 = fc_next_tile(v0, p, v_in + n_in)) {
                        if (nc == 4) {
                            FC_SFX(grad_input_tile_4_2)(s, dyg, wc, h, v0, bc, dxo, in_plane);
                        } else if (p == FC_P8) {
                            FC_SFX(grad_input_tile_1_8)(s, dyg, wc, h, v0, bc, dxo, in_plane);
                        } else {
                            FC_SFX(grad_input_tile_1_2)(s, dyg, wc, h, v0, bc, dxo, in_plane);
                        }
                    }
                    for (ptrdiff_t u = 0; u < nc; ++u) {
                        const FC_T *bu = bias ? bias + cc + u : NULL;
                        FC_T *dxrow = dxo + u * in_plane;
                        if (p == 0) {
                            FC_SFX(grad_input_segment)(s, dyg, wc + u * taps, h, 0, w_in, bu,
                                                       dxrow);
                            continue;
                        }
                        for (ptrdiff_t v = 0; v < v_in; ++v) {
                            FC_SFX(grad_input_column)(s, dyg, wc + u * taps, h, v, bu, dxrow);
                        }
                        for (ptrdiff_t v = v_in + n_in; v < w_in; ++v) {
                            FC_SFX(grad_input_column)(s, dyg, wc + u * taps, h, v, bu, dxrow);
                        }
                    }
                    c += nc;
                }
            }
        }
    }
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

/*
 * grad_weight: dw[o, c, r, q] = sum over (b, i, j), in that order, of
 * dy[b, o, i, j] * x[b, g*cg + c, i*sh - ph + r*dh, j*sw - pw + q*dw].
 *
 * dw itself is the accumulator (zeroed first).  Loop order: (o, c) pair ->
 * image -> output row i -> block of kernel rows -> output column j -> the
 * taps of those rows.  The independent sums are the taps, so the innermost
 * work is a vector of the taps of one kernel row (the kernel rows of a block
 * are independent chains); for one (o, c, r, q) the terms still arrive in
 * (b, i, j) order.  Columns where the tap vectors would read outside the
 * input row, and layers the tiles do not cover (dilation along the row,
 * kernel rows longer than 4 vectors), go through grad_weight_columns.
 */
/* Terms of output columns [j_begin, j_end) of one output row (j ascending)
 * added to kernel rows xrows / dwrows[0 .. nr), straight into dw; any
 * dilation, taps outside the input skipped. */
static void FC_SFX(grad_weight_columns)(const fc_conv2d_shape *s, const FC_T *const *xrows,
                                        FC_T *const *dwrows, ptrdiff_t nr, const FC_T *dyrow,
                                        ptrdiff_t j_begin, ptrdiff_t j_end)
{
    const ptrdiff_t dl = s->dil_w;
    for (ptrdiff_t j = j_begin; j < j_end; ++j) {
        /* tap q of output j reads input column base + q*dl */
        const ptrdiff_t base = j * s->stride_w - s->pad_w;
        ptrdiff_t lo, hi;
        fc_inside(base, dl, s->w_in, s->kw, &lo, &hi);
        const FC_T gv = dyrow[j];
        for (ptrdiff_t rr = 0; rr < nr; ++rr) {
            const FC_T *xrow = xrows[rr];
            FC_T *dwrow = dwrows[rr];
            for (ptrdiff_t q = lo; q < hi; ++q) {
                FC_MAC(dwrow[q], gv, xrow[base + q * dl]);
            }
        }
    }
}

/* Register tiles of FC_GW_ROWS kernel rows x FC_GW_VECS tap vectors
 * (conv2d_gw_tile.template.c), 8 vector accumulators at most: */
#define FC_GW_ROWS 4
#define FC_GW_VECS 1
#include "conv2d_gw_tile.template.c"
#undef FC_GW_VECS
#define FC_GW_VECS 2
#include "conv2d_gw_tile.template.c"
#undef FC_GW_ROWS
#undef FC_GW_VECS
#define FC_GW_ROWS 2
#define FC_GW_VECS 4
#include "conv2d_gw_tile.template.c"
#undef FC_GW_ROWS
#undef FC_GW_VECS

/*
 * grad_weight by the dense grad_weight kernel (stride 1 or 2 along the
 * rows, at most FC_DENSE_GW_MAX_COLUMNS output columns; FC_ERR_NOMEM,
 * nothing computed, when out of memory).  Each thread owns a share of the
 * (group, block of FC_DENSE_UNITS output channels) pairs and keeps the lane
 * sums of all of them (units x taps x lanes per channel, kernel row and
 * group of FC_DENSE_GW_TAPS taps) for a chunk of input channels, as many
 * as FC_DENSE_GW_LANE_BYTES allows for all blocks.  It walks the output
 * rows in bands of about FC_DENSE_GW_BAND positions -- rows of one image,
 * or whole images when they are small -- and for each of its blocks packs
 * the band's dy rows (dense_gw_pack: the kernel's layout, L1-sized), then
 * runs every channel of the chunk and every kernel row over them.  The
 * blocks inside the bands: a band's input rows, every channel of them,
 * come from memory once and from L2 for the other blocks (with the blocks
 * outside, each block read all of x from memory again: at batch 16-32,
 * inputs not in cache, grad_weight ran at half its in-cache rate).  Each
 * weight's terms arrive in its lanes in one fixed order (nn_kernels.h),
 * band after band; the lanes are added up in lane order at the end: the
 * same bits whatever the thread count.
 */
#define FC_DENSE_GW_BAND 1024
#define FC_DENSE_GW_MAX_COLUMNS 4096
#define FC_DENSE_GW_CHANNELS 64
#define FC_DENSE_GW_LANE_BYTES 16777216
#define FC_DENSE_GW_X_CACHED 4194304

/* dyp = the band (images [b0, b0 + nb), rows [i_lo, i_hi)) of units
 * [o0, o0 + nu) in the dense grad_weight kernel's layout, zero past w_out
 * and for units nu .. FC_DENSE_UNITS - 1 */
static void FC_SFX(dense_gw_pack)(const fc_conv2d_shape *s, const FC_T *dy, ptrdiff_t b0,
                                  ptrdiff_t nb, ptrdiff_t i_lo, ptrdiff_t i_hi, ptrdiff_t o0,
                                  ptrdiff_t nu, FC_T *dyp)
{
    const ptrdiff_t L = FC_DENSE_GW_LANES, U = FC_DENSE_UNITS, w_out = s->w_out;
    const ptrdiff_t nvec = (w_out + L - 1) / L, out_plane = s->h_out * w_out;
    const ptrdiff_t rows = nb * (i_hi - i_lo), vec_step = rows * U * L;
    memset(dyp, 0, (size_t)(nvec * vec_step) * sizeof(FC_T));
    for (ptrdiff_t b = 0; b < nb; ++b) {
        for (ptrdiff_t i = i_lo; i < i_hi; ++i) {
            FC_T *dst = dyp + (b * (i_hi - i_lo) + i - i_lo) * U * L;
            for (ptrdiff_t u = 0; u < nu; ++u) {
                const FC_T *src = dy + ((b0 + b) * s->c_out + o0 + u) * out_plane + i * w_out;
                for (ptrdiff_t v = 0; v < nvec; ++v) {
                    memcpy(dst + v * vec_step + u * L, src + v * L,
                           (size_t)fc_min(L, w_out - v * L) * sizeof(FC_T));
                }
            }
        }
    }
}

/* *dst = the FC_DENSE_GW_LANES lane sums of one weight added up in lane
 * order (the dense and pointwise grad_weight kernels' last step) */
static inline void FC_SFX(store_lane_sum)(FC_T *dst, const FC_T *lanes)
{
    FC_ACC total;
    FC_ZERO(total);
    for (ptrdiff_t l = 0; l < FC_DENSE_GW_LANES; ++l) {
        total += lanes[l];
    }
    FC_STORE(*dst, total);
}

/* The bands of grad_weight_dense: rows_per_band rows of one image, or
 * images_per_band whole images (band_rows rows). */
typedef struct {
    ptrdiff_t images_per_band, band_rows;
} FC_SFX(dense_gw_bands);

static FC_SFX(dense_gw_bands) FC_SFX(dense_gw_band_shape)(const fc_conv2d_shape *s)
{
    const ptrdiff_t rows_per_band = fc_max(1, FC_DENSE_GW_BAND / fc_max(1, s->w_out));
    FC_SFX(dense_gw_bands) bands = {1, rows_per_band};
    if (rows_per_band >= s->h_out) {
        bands.images_per_band = fc_max(1, rows_per_band / fc_max(1, s->h_out));
        bands.band_rows = bands.images_per_band * s->h_out;
    }
    return bands;
}

/* One unit of grad_weight_dense, blocks [k_lo, k_hi) x input channels
 * [c0, c0 + nc): adds every band's terms into lanes (of `chunk` channels
 * a block), each block's dy band packed in dyp; *stop set when asked. */
static void FC_SFX(dense_gw_unit)(const fc_conv2d_shape *s, const FC_T *x, const FC_T *dy,
                                  const fc_exec *ex, FC_DENSE_GW dense_gw, ptrdiff_t k_lo,
                                  ptrdiff_t k_hi, ptrdiff_t c0, ptrdiff_t nc, ptrdiff_t chunk,
                                  FC_T *lanes, FC_T *dyp, int *stop)
{
    enum { U = FC_DENSE_UNITS, T = FC_DENSE_GW_TAPS, L = FC_DENSE_GW_LANES };
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, nqg = (kw + T - 1) / T, nblk = (og + U - 1) / U;
    const ptrdiff_t in_plane = s->h_in * s->w_in, per_sum = (ptrdiff_t)U * T * L;
    const FC_SFX(dense_gw_bands) bands = FC_SFX(dense_gw_band_shape)(s);
    /* the band, kernel row and tap group are set below */
    fc_dense_gw p = {.w_out = s->w_out, .h_in = s->h_in, .w_in = s->w_in,
                     .x_image = s->c_in * in_plane, .row_step = s->stride_h,
                     .col_step = s->dil_w, .stride_w = s->stride_w};
    for (ptrdiff_t b = 0; b < s->n; b += bands.images_per_band) {
        for (ptrdiff_t i0 = 0; i0 < s->h_out; i0 += bands.band_rows) {
            if (fc_nn_stopped(ex, stop)) {   /* a band may take long: ask per band */
                return;
            }
            p.nimages = fc_min(bands.images_per_band, s->n - b);
            p.i_lo = i0;
            p.i_hi = fc_min(s->h_out, i0 + bands.band_rows);
            /* the band's input rows of each channel (rows outside the
             * plane clipped): prefetched one channel ahead */
            const ptrdiff_t top = fc_max(0, p.i_lo * s->stride_h - s->pad_h);
            const ptrdiff_t bottom = fc_min(
                s->h_in, (p.i_hi - 1) * s->stride_h - s->pad_h + (kh - 1) * s->dil_h + 1);
            const ptrdiff_t x_bytes = (bottom - top) * s->w_in * (ptrdiff_t)sizeof(FC_T);
            for (ptrdiff_t k = k_lo; k < k_hi; ++k) {
                const ptrdiff_t g = k / nblk, o0 = g * og + k % nblk * U;
                FC_SFX(dense_gw_pack)(s, dy, b, p.nimages, p.i_lo, p.i_hi, o0,
                                      fc_min(U, og - k % nblk * U), dyp);
                for (ptrdiff_t c = 0; c < nc; ++c) {
                    const FC_T *xc = x + (b * s->c_in + g * cg + c0 + c) * in_plane;
                    for (ptrdiff_t m = 0; m < p.nimages; ++m) {
                        if (c + 1 < nc && x_bytes > 0) {
                            fc_prefetch(xc + in_plane + m * p.x_image + top * s->w_in, x_bytes);
                        }
                    }
                    FC_T *lc = lanes + ((k - k_lo) * chunk + c) * kh * nqg * per_sum;
                    for (ptrdiff_t r = 0; r < kh; ++r) {
                        p.row0 = r * s->dil_h - s->pad_h;
                        for (ptrdiff_t qg = 0; qg < nqg; ++qg) {
                            p.col0 = qg * T * s->dil_w - s->pad_w;
                            p.nq = fc_min(T, kw - qg * T);
                            dense_gw(&p, xc, dyp, lc + (r * nqg + qg) * per_sum);
                        }
                    }
                }
            }
        }
    }
}

/* dw of the unit of dense_gw_unit: each weight the sum of its lanes, in
 * lane order */
static void FC_SFX(dense_gw_store)(const fc_conv2d_shape *s, FC_T *dw, ptrdiff_t k_lo,
                                   ptrdiff_t k_hi, ptrdiff_t c0, ptrdiff_t nc, ptrdiff_t chunk,
                                   const FC_T *lanes)
{
    enum { U = FC_DENSE_UNITS, T = FC_DENSE_GW_TAPS, L = FC_DENSE_GW_LANES };
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, nqg = (kw + T - 1) / T, nblk = (og + U - 1) / U;
    const ptrdiff_t per_sum = (ptrdiff_t)U * T * L;
    for (ptrdiff_t k = k_lo; k < k_hi; ++k) {
        const ptrdiff_t o0 = k / nblk * og + k % nblk * U, nu = fc_min(U, og - k % nblk * U);
        for (ptrdiff_t c = 0; c < nc; ++c) {
            for (ptrdiff_t r = 0; r < kh; ++r) {
                for (ptrdiff_t q = 0; q < kw; ++q) {
                    const FC_T *sums = lanes + ((k - k_lo) * chunk + c) * kh * nqg * per_sum
                                       + (r * nqg + q / T) * per_sum + (q % T) * L;
                    for (ptrdiff_t u = 0; u < nu; ++u) {
                        FC_SFX(store_lane_sum)(&dw[((o0 + u) * cg + c0 + c) * kh * kw + r * kw + q],
                                               sums + u * T * L);
                    }
                }
            }
        }
    }
}

static fc_status FC_SFX(grad_weight_dense)(const fc_conv2d_shape *s, const FC_T *x,
                                           const FC_T *dy, FC_T *dw, const fc_exec *ex,
                                           FC_DENSE_GW dense_gw)
{
    enum { U = FC_DENSE_UNITS, T = FC_DENSE_GW_TAPS, L = FC_DENSE_GW_LANES };
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t nqg = (s->kw + T - 1) / T, blocks = s->groups * ((og + U - 1) / U);
    /* per thread: the lane sums of a set of `set` of its blocks for a
     * chunk of input channels, and one packed band of dy.  Inputs that
     * stay in cache: one block a set, chunks of FC_DENSE_GW_CHANNELS (the
     * lane sums then stay in L2); larger ones: as many blocks a set as the
     * lane sums of every channel allow within FC_DENSE_GW_LANE_BYTES, or
     * one block and fewer channels */
    const ptrdiff_t per_channel = s->kh * nqg * U * T * L;
    const ptrdiff_t lane_room = FC_DENSE_GW_LANE_BYTES
                                / fc_min(fc_exec_threads(ex), blocks) / (ptrdiff_t)sizeof(FC_T);
    const ptrdiff_t x_bytes = s->n * s->c_in * s->h_in * s->w_in * (ptrdiff_t)sizeof(FC_T);
    const int cached = x_bytes <= FC_DENSE_GW_X_CACHED;
    const ptrdiff_t chunk = fc_max(1, cached ? fc_min(cg, FC_DENSE_GW_CHANNELS)
                                             : fc_min(cg, lane_room / per_channel));
    const ptrdiff_t set = cached ? 1 : fc_max(1, lane_room / (chunk * per_channel));
    const ptrdiff_t band_count =
        (s->w_out + L - 1) / L * FC_SFX(dense_gw_band_shape)(s).band_rows * U * L;
    /* the threads share the (block, chunk) units when cached (one block a
     * set), the blocks otherwise (each thread's sets walk every chunk) */
    const ptrdiff_t nchunk = (cg + chunk - 1) / chunk;
    const ptrdiff_t shared = cached ? blocks * nchunk : blocks;
    const int nthreads = (int)fc_max(1, fc_min(fc_exec_threads(ex), shared));
    int failed = 0, stop = 0;

#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
    {
        const ptrdiff_t team = fc_thread_count(), me = fc_thread_num();
        const ptrdiff_t first = shared * me / team, end = shared * (me + 1) / team;
        const ptrdiff_t lane_count = (cached ? 1 : fc_min(set, end - first)) * chunk * per_channel;
        FC_T *lanes = (FC_T *)malloc((size_t)(lane_count + band_count) * sizeof(FC_T));
        if (lanes == NULL) {
#pragma omp atomic write
            failed = 1;
        }
        /* units [first, end) of the shared ones: (block, chunk) pairs, or
         * sets of blocks over every chunk */
        for (ptrdiff_t i = first; i < end && lanes != NULL; i += cached ? 1 : set) {
            const ptrdiff_t k_lo = cached ? i / nchunk : i;
            const ptrdiff_t k_hi = cached ? k_lo + 1 : fc_min(end, i + set);
            const ptrdiff_t c_first = cached ? i % nchunk * chunk : 0;
            const ptrdiff_t c_end = cached ? fc_min(cg, c_first + chunk) : cg;
            for (ptrdiff_t c0 = c_first; c0 < c_end; c0 += chunk) {
                const ptrdiff_t nc = fc_min(chunk, cg - c0);
                memset(lanes, 0, (size_t)lane_count * sizeof(FC_T));
                FC_SFX(dense_gw_unit)(s, x, dy, ex, dense_gw, k_lo, k_hi, c0, nc, chunk, lanes,
                                      lanes + lane_count, &stop);
                FC_SFX(dense_gw_store)(s, dw, k_lo, k_hi, c0, nc, chunk, lanes);
            }
        }
        free(lanes);
    }
    return failed ? FC_ERR_NOMEM : stop ? FC_ERR_INTERRUPTED : FC_OK;
}

/*
 * grad_weight of 1x1 layers with strides 1 and no padding ("pointwise": for
 * each weight a sum over positions of dy times x) by the pointwise kernel
 * (nn_kernels.h), FC_DENSE_UNITS output channels x FC_DENSE_GW_TAPS input
 * channels a call.  Each thread owns a share of the (group, block of
 * FC_DENSE_UNITS output channels) pairs and keeps the lane sums of all of
 * them for a chunk of input channels, and walks runs of positions (of one
 * image, or whole images when they are small) outside its blocks: a run's
 * x (every channel of the chunk, sized to stay in L2) is read from cache by
 * each block, and each block's dy rows of the run (L1-sized) by each call.
 * Each weight's terms reach its lanes in (image, position) order, fixed by
 * the layer; the lanes
 * are added up in lane order at the end: the same bits at every thread
 * count.  FC_ERR_NOMEM (nothing computed) when out of memory.
 */
#define FC_PW_GW_RUN 1024             /* positions a run at most (8 units' dy: 32 KiB) */
#define FC_PW_GW_X_BYTES 262144       /* a run's x, all channels of a chunk */
#define FC_PW_GW_CHANNELS 192         /* input channels a chunk at most ... */
#define FC_PW_GW_LANE_BYTES 8388608   /* ... fewer if the lanes of all blocks would exceed this */

static int FC_SFX(pointwise_layer)(const fc_conv2d_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->stride_h == 1 && s->stride_w == 1 && s->pad_h == 0
           && s->pad_w == 0;
}

static fc_status FC_SFX(grad_weight_pointwise)(const fc_conv2d_shape *s, const FC_T *x,
                                               const FC_T *dy, FC_T *dw, const fc_exec *ex,
                                               FC_DENSE_PW_GW pw_gw)
{
    enum { U = FC_DENSE_UNITS, T = FC_DENSE_GW_TAPS, L = FC_DENSE_GW_LANES };
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t plane = s->h_in * s->w_in, nblk = (og + U - 1) / U;
    const ptrdiff_t blocks = s->groups * nblk, per_sum = (ptrdiff_t)U * T * L;
    if (plane == 0 || cg == 0) {   /* no term: every weight's sum is 0 */
        memset(dw, 0, (size_t)(s->c_out * cg) * sizeof(FC_T));
        return FC_OK;
    }
    const ptrdiff_t fit = FC_PW_GW_LANE_BYTES / (blocks * per_sum * (ptrdiff_t)sizeof(FC_T));
    const ptrdiff_t chunk = fc_min(cg, fc_max(T, fc_min(FC_PW_GW_CHANNELS, fit * T)));
    const ptrdiff_t ntrip = (chunk + T - 1) / T;
    /* a run: `run` positions of one image, or `images` whole images */
    const ptrdiff_t run_max = fc_max(L, fc_min(FC_PW_GW_RUN,
        FC_PW_GW_X_BYTES / (chunk * (ptrdiff_t)sizeof(FC_T))) / L * L);
    const ptrdiff_t run = fc_min(plane, run_max);
    const ptrdiff_t images = run < plane ? 1 : fc_max(1, run_max / plane);
    const int nthreads = (int)fc_min(fc_exec_threads(ex), blocks);
    FC_T *lanes = (FC_T *)malloc((size_t)(blocks * ntrip * per_sum) * sizeof(FC_T));
    if (lanes == NULL) {
        return FC_ERR_NOMEM;
    }
    int stop = 0;

#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
    {
        const ptrdiff_t team = fc_thread_count(), me = fc_thread_num();
        const ptrdiff_t k_lo = blocks * me / team, k_hi = blocks * (me + 1) / team;
        ptrdiff_t since_poll = 0;
        for (ptrdiff_t c0 = 0; c0 < cg; c0 += chunk) {
            const ptrdiff_t nc = fc_min(chunk, cg - c0), ntr = (nc + T - 1) / T;
            memset(lanes + k_lo * ntrip * per_sum, 0,
                   (size_t)((k_hi - k_lo) * ntrip * per_sum) * sizeof(FC_T));
            for (ptrdiff_t b = 0; b < s->n; b += images) {
                const ptrdiff_t nb = fc_min(images, s->n - b);
                for (ptrdiff_t p0 = 0; p0 < plane; p0 += run) {
                    const ptrdiff_t len = fc_min(run, plane - p0);
                    if (fc_nn_stopped_after(ex, &stop, (k_hi - k_lo) * U * nc * nb * len,
                                            &since_poll)) {
                        break;
                    }
                    for (ptrdiff_t k = k_lo; k < k_hi; ++k) {
                        const ptrdiff_t g = k / nblk, o0 = g * og + k % nblk * U;
                        const FC_T *dyk = dy + (b * s->c_out + o0) * plane + p0;
                        const FC_T *xg = x + (b * s->c_in + g * cg + c0) * plane + p0;
                        for (ptrdiff_t tr = 0; tr < ntr; ++tr) {
                            const fc_dense_pw_gw p = {
                                .n = len, .nimages = nb, .x_image = s->c_in * plane,
                                .dy_image = s->c_out * plane, .nu = fc_min(U, og - k % nblk * U),
                                .dy_step = plane, .nq = fc_min(T, nc - tr * T), .x_step = plane};
                            pw_gw(&p, xg + tr * T * plane, dyk,
                                  lanes + (k * ntrip + tr) * per_sum);
                        }
                    }
                }
            }
            /* dw[o0 + u, c0 + c] = the sum of its lanes, in lane order */
            for (ptrdiff_t k = k_lo; k < k_hi; ++k) {
                const ptrdiff_t o0 = k / nblk * og + k % nblk * U;
                const ptrdiff_t nu = fc_min(U, og - k % nblk * U);
                for (ptrdiff_t c = 0; c < nc; ++c) {
                    const FC_T *sums = lanes + (k * ntrip + c / T) * per_sum + (c % T) * L;
                    for (ptrdiff_t u = 0; u < nu; ++u) {
                        FC_SFX(store_lane_sum)(&dw[(o0 + u) * cg + c0 + c], sums + u * T * L);
                    }
                }
            }
        }
    }
    free(lanes);
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

static fc_status FC_SFX(conv2d_grad_weight)(const fc_conv2d_shape *s, const FC_T *x,
                                            const FC_T *dy, FC_T *dw, const fc_exec *ex,
                                            const fc_nn_kernels *nk)
{
    const int nthreads = fc_exec_threads(ex);
    const FC_DW_GW dw_gw = nk->depthwise.FC_SFX(grad_weight);
    const FC_DENSE_GW dense_gw = nk->dense.FC_SFX(grad_weight);
    const FC_DENSE_PW_GW pw_gw = nk->dense.FC_SFX(pointwise_grad_weight);
    if (pw_gw != NULL && s->c_out / s->groups >= FC_DENSE_MIN_UNITS
        && FC_SFX(pointwise_layer)(s)) {
        const fc_status status = FC_SFX(grad_weight_pointwise)(s, x, dy, dw, ex, pw_gw);
        if (status != FC_ERR_NOMEM) {
            return status;
        }
    }
    if (dense_gw != NULL && s->c_out / s->groups >= FC_DENSE_MIN_UNITS && s->stride_w <= 2
        && s->kh * s->kw > 1 && s->w_out <= FC_DENSE_GW_MAX_COLUMNS) {
        const fc_status status = FC_SFX(grad_weight_dense)(s, x, dy, dw, ex, dense_gw);
        if (status != FC_ERR_NOMEM) {
            return status;
        }
    }
    int stop = 0;
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw, dh = s->dil_h;
    const ptrdiff_t w_in = s->w_in, w_out = s->w_out;
    const ptrdiff_t in_plane = s->h_in * w_in, out_plane = s->h_out * w_out;
    const ptrdiff_t total = s->c_out * cg * taps;
    /* the register tile: tap vectors per kernel row (1, 2 or up to 4; 0: no
     * tile), kernel rows per block, and the output columns whose vectors
     * read inside the input row: [j_a, j_b) */
    const ptrdiff_t nv = s->dil_w == 1 ? (kw + FC_LANES - 1) / FC_LANES : 0;
    const ptrdiff_t rows = nv == 1 || nv == 2 ? 4 : nv <= 4 ? 2 : 1;
    ptrdiff_t j_a = 0, j_b = 0;
    if (nv >= 1 && nv <= 4) {
        fc_inside(-s->pad_w, s->stride_w, w_in - nv * FC_LANES + 1, w_out, &j_a, &j_b);
        /* fc_inside clamps hi to w_out but lo only to 0: a left padding wider
         * than the output would put j_a past the last output column */
        j_a = fc_min(j_a, w_out);
        j_b = fc_max(j_a, j_b);
    }

    if (dw_gw != NULL && cg == 1 && og == 1 && taps <= FC_DW_GW_MAX_TAPS
        && (s->stride_w == 1 || s->stride_w == 2)) {
        /* depthwise: the kernel table's per-channel reductions (nn_kernels.h),
         * FC_DW_GW_CHANNELS channels per call */
        const ptrdiff_t runs = (s->c_out + FC_DW_GW_CHANNELS - 1) / FC_DW_GW_CHANNELS;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads) if (nthreads > 1)
        for (ptrdiff_t run = 0; run < runs; ++run) {
            if (fc_nn_stopped(ex, &stop)) {
                continue;
            }
            const ptrdiff_t c = run * FC_DW_GW_CHANNELS;
            dw_gw(s, x + c * in_plane, dy + c * out_plane, dw + c * taps,
                  fc_min(FC_DW_GW_CHANNELS, s->c_out - c));
        }
        return stop ? FC_ERR_INTERRUPTED : FC_OK;
    }
    for (ptrdiff_t k = 0; k < total; ++k) {
        FC_ZERO(dw[k]);
    }
    /* one (output channel, input channel) pair per iteration, the images
     * inside: every dw element is one thread's, its terms in (b, i, j) order */
    const ptrdiff_t pairs = s->c_out * cg;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads) if (nthreads > 1)
    for (ptrdiff_t pair = 0; pair < pairs; ++pair) {
        if (fc_nn_stopped(ex, &stop)) {
            continue;
        }
        const ptrdiff_t o = pair / fc_max(cg, 1), c = pair % fc_max(cg, 1), g = o / og;
        FC_T *dwk = dw + (o * cg + c) * taps;
        for (ptrdiff_t b = 0; b < s->n; ++b) {
            {
                const FC_T *dyo = dy + (b * s->c_out + o) * out_plane;
                {
                    const FC_T *xc = x + (b * s->c_in + g * cg + c) * in_plane;
                    for (ptrdiff_t i = 0; i < s->h_out; ++i) {
                        const ptrdiff_t top = i * s->stride_h - s->pad_h;
                        const FC_T *dyrow = dyo + i * w_out;
                        ptrdiff_t r_lo, r_hi;
                        fc_inside(top, dh, s->h_in, kh, &r_lo, &r_hi);
                        for (ptrdiff_t r0 = r_lo; r0 < r_hi; r0 += rows) {
                            const ptrdiff_t nr = fc_min(rows, r_hi - r0);
                            const FC_T *xrows[4];
                            FC_T *dwrows[4];
                            for (ptrdiff_t rr = 0; rr < nr; ++rr) {
                                xrows[rr] = xc + (top + (r0 + rr) * dh) * w_in;
                                dwrows[rr] = dwk + (r0 + rr) * kw;
                            }
                            /* columns in order: left edge, tile, right edge */
                            FC_SFX(grad_weight_columns)(s, xrows, dwrows, nr, dyrow, 0, j_a);
                            if (j_b > j_a && nv == 1) {
                                FC_SFX(grad_weight_tile_4_1)(s, xrows, dwrows, nr, nv, dyrow,
                                                             j_a, j_b);
                            } else if (j_b > j_a && nv == 2) {
                                FC_SFX(grad_weight_tile_4_2)(s, xrows, dwrows, nr, nv, dyrow,
                                                             j_a, j_b);
                            } else if (j_b > j_a) {
                                FC_SFX(grad_weight_tile_2_4)(s, xrows, dwrows, nr, nv, dyrow,
                                                             j_a, j_b);
                            }
                            FC_SFX(grad_weight_columns)(s, xrows, dwrows, nr, dyrow,
                                                        fc_max(j_a, j_b), w_out);
                        }
                    }
                }
            }
        }
    }    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

#undef FC_TILE_ACC
#undef FC_LANES
#undef FC_VSPLAT
#undef FC_VLOAD
#undef FC_VSTORE
#undef FC_VZERO
#undef FC_VMAC
#undef FC_VADD
#undef FC_P2
#undef FC_P8
#undef FC_DW_ROW
#undef FC_DW_GW
#undef FC_DW_PLANE
#undef FC_DW_FLAT
#undef FC_DENSE_ROW
#undef FC_DENSE_GW
#undef FC_DENSE_GW_LANES
