/*
 * dense_gw_avx512.template.c -- the AVX-512 dense grad_weight kernel of
 * nn_kernels.h for one element type, included by dense_kernels.c with the
 * FC_DR_* vocabulary of dense_row_avx512.template.c (FC_DR_SFX, FC_DR_T,
 * FC_DR_V, FC_DR_M, FC_DR_L, FC_DR_LOADZ, FC_DR_LOADU, FC_DR_STOREU,
 * FC_DR_MASK_FMA, FC_DR_EVENS).  Stride 2 along the rows: two masked loads
 * and a permute per x vector.
 *
 * Register blocking: FC_DENSE_UNITS (8) units x FC_DENSE_GW_TAPS (3) taps of
 * lane sums, 24 accumulators (8 or 16 for a call of 1 or 2 taps, a kernel
 * row's remainder), loaded from `lanes` at the start and stored back at
 * the end.  One vector of L output columns at a time, its masks
 * computed once, then every row of the band: the 3 shifted x vectors and
 * the 8 units' packed dy vectors loaded once each, 11 loads for 24 fused
 * multiply-adds.  A masked fused multiply-add skips the terms whose x
 * column is outside the row or whose column is past w_out; the vectors
 * between the first and the last of a row, whose lanes and taps are all
 * inside, run unmasked with no per-vector set-up (a 1024-column row of a
 * 1-D layer: 1.6x the speed of masking every vector), adding the same
 * terms in the same order.
 *
 * Also the pointwise kernel (1x1 layers), at the end.
 */
#define FC_DG_CAT_(a, b) a##_##b
#define FC_DG_CAT(a, b) FC_DG_CAT_(a, b)
#define FC_DG_NAME(name) FC_DG_CAT(name, FC_DR_SFX)

/* the rows of the band for one vector of L output columns (lane 0's x
 * column of tap t at off[t]; m[t] tap t's lanes and, stride 2, ld[t] the
 * elements of its two loads), added into acc for taps t < nt; `masked`
 * and nt constants after inlining, masked 0 where every lane is kept and
 * every tap inside the row */
FC_AVX512 static inline __attribute__((always_inline)) void
FC_DG_NAME(dense_gw_vector)(const fc_dense_gw *p, const int sw, const int nt, const int masked,
                            const FC_DR_T *x, const FC_DR_T *dyv, const ptrdiff_t *off,
                            const FC_DR_M *m, FC_DR_M (*ld)[2],
                            FC_DR_V (*acc)[FC_DENSE_GW_TAPS])
{
    enum { U = FC_DENSE_UNITS, T = FC_DENSE_GW_TAPS };
    const ptrdiff_t row_step = p->row_step, row0 = p->row0, h_in = p->h_in, w_in = p->w_in;
    const ptrdiff_t i_lo = p->i_lo, i_hi = p->i_hi, nimages = p->nimages, x_image = p->x_image;
    for (ptrdiff_t b = 0; b < nimages; ++b) {
        const FC_DR_T *xb = x + b * x_image;
        for (ptrdiff_t i = i_lo; i < i_hi; ++i, dyv += U * FC_DR_L) {
            const ptrdiff_t xr = i * row_step + row0;
            if (xr < 0 || xr >= h_in) {
                continue;
            }
            const FC_DR_T *xrow = xb + xr * w_in;
            FC_DR_V xv[T];
            _Pragma("GCC unroll 3")
            for (int t = 0; t < nt; ++t) {
                if (!masked) {
                    xv[t] = sw == 1 ? FC_DR_LOADU(xrow + off[t])
                                    : FC_DR_EVENS(FC_DR_LOADU(xrow + off[t]),
                                                  FC_DR_LOADU(xrow + off[t] + FC_DR_L));
                } else {
                    xv[t] = sw == 1 ? FC_DR_LOADZ(m[t], xrow + off[t])
                                    : FC_DR_EVENS(FC_DR_LOADZ(ld[t][0], xrow + off[t]),
                                                  FC_DR_LOADZ(ld[t][1], xrow + off[t] + FC_DR_L));
                }
            }
            _Pragma("GCC unroll 8")
            for (int u = 0; u < U; ++u) {
                FC_DR_V dv = FC_DR_LOADU(dyv + u * FC_DR_L);
                /* one load for the nt taps: without this the compiler
                 * folds the load into each multiply-add (nt loads) */
                __asm__("" : "+v"(dv));
                _Pragma("GCC unroll 3")
                for (int t = 0; t < nt; ++t) {
                    acc[u][t] = masked ? FC_DR_MASK_FMA(acc[u][t], m[t], dv, xv[t])
                                       : FC_DR_FMA(dv, xv[t], acc[u][t]);
                }
            }
        }
    }
}

/* the kernel for stride sw (1 or 2) and nt = p->nq taps (1 to 3), both
 * constants after inlining: the lane sums of taps >= nt are neither
 * computed nor stored */
FC_AVX512 static inline __attribute__((always_inline)) void
FC_DG_NAME(dense_gw_stride)(const fc_dense_gw *p, const int sw, const int nt, const FC_DR_T *x,
                            const FC_DR_T *dyp, FC_DR_T *lanes)
{
    enum { U = FC_DENSE_UNITS, T = FC_DENSE_GW_TAPS };
    const ptrdiff_t cs = p->col_step, rows = p->i_hi - p->i_lo;
    const ptrdiff_t nvec = (p->w_out + FC_DR_L - 1) / FC_DR_L;
    const ptrdiff_t tap_lo = fc_min(0, (nt - 1) * cs), tap_hi = fc_max(0, (nt - 1) * cs);
    const ptrdiff_t vec_step = p->nimages * rows * U * FC_DR_L;
    FC_DR_V acc[U][T];

    _Pragma("GCC unroll 8")
    for (int u = 0; u < U; ++u) {
        _Pragma("GCC unroll 3")
        for (int t = 0; t < nt; ++t) {
            acc[u][t] = FC_DR_LOADU(lanes + (u * T + t) * FC_DR_L);
        }
    }
    /* the vectors [v_lo, v_hi) have every lane before w_out and every
     * element their loads read inside the row (span of them a tap; stride
     * 2: one past the last lane's, dropped by the permute): no masks */
    const ptrdiff_t span = FC_DR_L * sw, first = p->col0 + tap_lo;
    const ptrdiff_t lim = p->w_in - p->col0 - tap_hi - (span - 1);
    const ptrdiff_t v_lo = fc_min(nvec, first >= 0 ? 0 : (-first + span - 1) / span);
    const ptrdiff_t v_hi =
        fc_max(v_lo, fc_min(p->w_out / FC_DR_L, lim > 0 ? (lim - 1) / span + 1 : 0));
    for (ptrdiff_t v = 0; v < nvec; ++v) {
        ptrdiff_t off[T];
        _Pragma("GCC unroll 3")
        for (int t = 0; t < nt; ++t) {   /* lane 0's x column */
            off[t] = v * span + p->col0 + t * cs;
        }
        if (v == v_lo) {
            for (; v < v_hi; ++v) {
                FC_DG_NAME(dense_gw_vector)(p, sw, nt, 0, x, dyp + v * vec_step, off, NULL,
                                            NULL, acc);
                _Pragma("GCC unroll 3")
                for (int t = 0; t < nt; ++t) {
                    off[t] += span;
                }
            }
            if (v == nvec) {
                break;
            }
        }
        /* tap t's lanes; stride 2: ld[t][0 or 1], the elements its two
         * loads read */
        const ptrdiff_t valid = fc_min(FC_DR_L, p->w_out - v * FC_DR_L);
        FC_DR_M m[T], ld[T][2];
        _Pragma("GCC unroll 3")
        for (int t = 0; t < nt; ++t) {
            /* lane l reads x column off + l*sw: lanes [a, b) are inside */
            const ptrdiff_t a = off[t] >= 0 ? 0 : (-off[t] + sw - 1) / sw;
            const ptrdiff_t b =
                fc_min(valid, p->w_in > off[t] ? (p->w_in - off[t] + sw - 1) / sw : 0);
            m[t] = (FC_DR_M)fc_lane_bits(a, b);
            if (sw == 2) {   /* elements 2a .. 2b - 2 of the two loads */
                const uint32_t e = fc_lane_bits(2 * a, 2 * b - 1);
                ld[t][0] = (FC_DR_M)(e & (((uint32_t)1 << FC_DR_L) - 1u));
                ld[t][1] = (FC_DR_M)(e >> FC_DR_L);
            }
        }
        FC_DG_NAME(dense_gw_vector)(p, sw, nt, 1, x, dyp + v * vec_step, off, m, ld, acc);
    }
    _Pragma("GCC unroll 8")
    for (int u = 0; u < U; ++u) {
        _Pragma("GCC unroll 3")
        for (int t = 0; t < nt; ++t) {
            FC_DR_STOREU(lanes + (u * T + t) * FC_DR_L, acc[u][t]);
        }
    }
}

FC_AVX512 static void FC_DG_NAME(dense_gw)(const fc_dense_gw *p, const FC_DR_T *x,
                                           const FC_DR_T *dyp, FC_DR_T *lanes)
{
    /* one instance per stride and tap count: a remainder of 1 or 2 taps
     * (7- and 5-tap rows) runs 8 or 16 multiply-adds a row, not 24 */
    const int nq = (int)p->nq;
    if (p->stride_w == 2) {
        if (nq == 1) {
            FC_DG_NAME(dense_gw_stride)(p, 2, 1, x, dyp, lanes);
        } else if (nq == 2) {
            FC_DG_NAME(dense_gw_stride)(p, 2, 2, x, dyp, lanes);
        } else {
            FC_DG_NAME(dense_gw_stride)(p, 2, 3, x, dyp, lanes);
        }
    } else if (nq == 1) {
        FC_DG_NAME(dense_gw_stride)(p, 1, 1, x, dyp, lanes);
    } else if (nq == 2) {
        FC_DG_NAME(dense_gw_stride)(p, 1, 2, x, dyp, lanes);
    } else {
        FC_DG_NAME(dense_gw_stride)(p, 1, 3, x, dyp, lanes);
    }
}

/* The pointwise kernel (fc_dense_pw_gw of nn_kernels.h): 8 units x 3
 * channels of lane sums, one vector of positions at a time, the 8 units' dy
 * vectors and the 3 channels' x vectors loaded once each (11 loads for 24
 * fused multiply-adds); the last, partial vector with masked loads and
 * masked multiply-adds.  Units >= nu read unit 0's row and channels >= nq
 * channel 0's: computed, never kept. */
FC_AVX512 static void FC_DG_NAME(dense_pw_gw)(const fc_dense_pw_gw *p, const FC_DR_T *x,
                                              const FC_DR_T *dy, FC_DR_T *lanes)
{
    enum { U = FC_DENSE_UNITS, T = FC_DENSE_GW_TAPS };
    const ptrdiff_t n = p->n;
    const FC_DR_T *xr[T], *dr[U];
    FC_DR_V acc[U][T];

    _Pragma("GCC unroll 3")
    for (int t = 0; t < T; ++t) {
        xr[t] = x + (t < p->nq ? t : 0) * p->x_step;
    }
    _Pragma("GCC unroll 8")
    for (int u = 0; u < U; ++u) {
        dr[u] = dy + (u < p->nu ? u : 0) * p->dy_step;
        _Pragma("GCC unroll 3")
        for (int t = 0; t < T; ++t) {
            acc[u][t] = FC_DR_LOADU(lanes + (u * T + t) * FC_DR_L);
        }
    }
    for (ptrdiff_t b = 0; b < p->nimages; ++b) {
        const ptrdiff_t xo = b * p->x_image, dyo = b * p->dy_image;
        for (ptrdiff_t j = 0; j < n; j += FC_DR_L) {
            /* every lane but in the last vector */
            const FC_DR_M m = n - j >= FC_DR_L ? (FC_DR_M)~(FC_DR_M)0
                                               : (FC_DR_M)fc_lane_bits(0, n - j);
            FC_DR_V xv[T];
            _Pragma("GCC unroll 3")
            for (int t = 0; t < T; ++t) {
                xv[t] = FC_DR_LOADZ(m, xr[t] + xo + j);
            }
            _Pragma("GCC unroll 8")
            for (int u = 0; u < U; ++u) {
                FC_DR_V dv = FC_DR_LOADZ(m, dr[u] + dyo + j);
                __asm__("" : "+v"(dv));   /* one load for the 3 channels */
                _Pragma("GCC unroll 3")
                for (int t = 0; t < T; ++t) {
                    acc[u][t] = FC_DR_MASK_FMA(acc[u][t], m, dv, xv[t]);
                }
            }
        }
    }
    _Pragma("GCC unroll 8")
    for (int u = 0; u < U; ++u) {
        _Pragma("GCC unroll 3")
        for (int t = 0; t < T; ++t) {
            FC_DR_STOREU(lanes + (u * T + t) * FC_DR_L, acc[u][t]);
        }
    }
}

#undef FC_DG_NAME
#undef FC_DG_CAT
#undef FC_DG_CAT_
