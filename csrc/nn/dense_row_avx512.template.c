/*
 * dense_row_avx512.template.c -- the AVX-512 dense row kernel of
 * nn_kernels.h for one element type, included by dense_kernels.c with
 *
 *   FC_DR_SFX    suffix of the kernel's name (f32, f64)
 *   FC_DR_T      element type;  FC_DR_V  its vector;  FC_DR_M  lane mask;
 *   FC_DR_L      lanes per vector
 *   FC_DR_LOADZ(m, p)        load, lanes outside m zero and not read
 *   FC_DR_ADD(a, b), FC_DR_SET1(x), FC_DR_ZERO
 *   FC_DR_MASK_FMA(acc, m, w, x)  acc + w*x rounded once in the lanes of m,
 *                                 acc elsewhere
 *   FC_DR_MSTORE(p, m, v)    store the lanes of m
 *
 * Register blocking: FC_DENSE_UNITS (8) units x 3 vectors of columns -- 3
 * vectors of one output row (wide rows), or 1 vector of each of 2-3 output
 * rows (narrow rows, as many rows as the caller gives): 24 accumulators
 * plus 3 input vectors, a broadcast weight and a product in 32 registers.
 * Each loaded input vector feeds 8 units, each broadcast weight 3 vectors.
 * Masked loads read only elements inside the row; a masked fused
 * multiply-add skips the terms outside it (the generic loops skip them too:
 * inf * 0 never happens).
 */
#define FC_DR_CAT_(a, b) a##_##b
#define FC_DR_CAT(a, b) FC_DR_CAT_(a, b)
#define FC_DR_NAME(name) FC_DR_CAT(name, FC_DR_SFX)

/* nr rows x nv vectors of columns from j0 (nr * nv <= 3; constants after
 * inlining, so the accumulators live in registers) with stride sw (1 or 2,
 * a constant too); addm[q][v]: the lanes of vector v whose tap-q input is
 * inside the row, sm[v]: its lanes < n; stride 2: ld[q][v][0 or 1], the
 * elements the two loads of a vector read (every other one is kept) */
FC_AVX512 static inline __attribute__((always_inline)) void
FC_DR_NAME(dense_chunk)(const fc_dense_row *p, const int nr, const int nv, const int sw,
                        ptrdiff_t nu, const FC_DR_T *in, const FC_DR_T *wp, const FC_DR_T *bias,
                        FC_DR_T *out, ptrdiff_t j0, FC_DR_M (*addm)[3], FC_DR_M (*ld)[3][2],
                        const FC_DR_M *sm, ptrdiff_t pf)
{
    const ptrdiff_t kw = p->kw, cs = p->col_step, nt = nr * nv;
    FC_DR_V acc[FC_DENSE_UNITS][3];

    _Pragma("GCC unroll 8")
    for (int u = 0; u < FC_DENSE_UNITS; ++u) {
        _Pragma("GCC unroll 3")
        for (int t = 0; t < 3; ++t) {
            acc[u][t] = FC_DR_ZERO;
        }
    }
    for (ptrdiff_t c = 0; c < p->nsum; ++c) {
        const FC_DR_T *inc = in + c * p->in_plane + j0 * sw + p->col0;
        const FC_DR_T *wc = wp + c * p->w_sum;
        if (pf != 0) {   /* the next band's lines of these vectors (a hint) */
            _Pragma("GCC unroll 3")
            for (int t = 0; t < nt; ++t) {
                const FC_DR_T *ahead = inc + pf + (t / nv) * p->rows_in_step
                                       + (t % nv) * FC_DR_L * sw;
                __builtin_prefetch(ahead, 0, FC_DENSE_PREFETCH_LOCALITY);
                if (sw == 2) {
                    __builtin_prefetch(ahead + FC_DR_L, 0, FC_DENSE_PREFETCH_LOCALITY);
                }
            }
        }
        for (ptrdiff_t k = 0; k < p->nrows; ++k) {
            const FC_DR_T *row = inc + k * p->row_step;
            const FC_DR_T *wk = wc + k * p->w_row;
            for (ptrdiff_t q = 0; q < kw; ++q) {
                FC_DR_V xv[3];
                _Pragma("GCC unroll 3")
                for (int t = 0; t < nt; ++t) {
                    const int e = t / nv, v = t % nv;
                    const FC_DR_T *ptr = row + e * p->rows_in_step + q * cs + v * FC_DR_L * sw;
                    xv[t] = sw == 1 ? FC_DR_LOADZ(addm[q][v], ptr)
                                    : FC_DR_EVENS(FC_DR_LOADZ(ld[q][v][0], ptr),
                                                  FC_DR_LOADZ(ld[q][v][1], ptr + FC_DR_L));
                }
                const FC_DR_T *wq = wk + q * FC_DENSE_UNITS;
                _Pragma("GCC unroll 8")
                for (int u = 0; u < FC_DENSE_UNITS; ++u) {
                    const FC_DR_V wv = FC_DR_SET1(wq[u]);
                    _Pragma("GCC unroll 3")
                    for (int t = 0; t < nt; ++t) {
                        acc[u][t] = FC_DR_MASK_FMA(acc[u][t], addm[q][t % nv], wv, xv[t]);
                    }
                }
            }
        }
    }
    _Pragma("GCC unroll 8")
    for (int u = 0; u < FC_DENSE_UNITS; ++u) {
        if (u >= nu) {
            break;
        }
        _Pragma("GCC unroll 3")
        for (int t = 0; t < nt; ++t) {
            const int e = t / nv, v = t % nv;
            const FC_DR_V res = bias != NULL ? FC_DR_ADD(acc[u][t], FC_DR_SET1(bias[u]))
                                             : acc[u][t];
            FC_DR_MSTORE(out + u * p->out_plane + e * p->rows_out_step + j0 + v * FC_DR_L, sm[v],
                         res);
        }
    }
}

/* the chunk of nr x nv vectors at stride sw */
#define FC_DR_CHUNK(nr, nv, sw) \
    FC_DR_NAME(dense_chunk)(p, nr, nv, sw, nu, in, wp, bias, out, j0, addm, ld, sm, pf)

FC_AVX512 static void FC_DR_NAME(dense_row)(const fc_dense_row *p, ptrdiff_t nu, ptrdiff_t nr_out,
                                            const FC_DR_T *in, const FC_DR_T *wp,
                                            const FC_DR_T *bias, FC_DR_T *out)
{
    const ptrdiff_t per_chunk = nr_out == 1 ? 3 : 1;   /* vectors of columns per chunk */
    const ptrdiff_t sw = p->stride_w;
    const ptrdiff_t pf = fc_dense_prefetch_offset(p);
    for (ptrdiff_t j0 = 0; j0 < p->n; j0 += per_chunk * FC_DR_L) {
        const ptrdiff_t nv = fc_min(per_chunk, (p->n - j0 + FC_DR_L - 1) / FC_DR_L);
        FC_DR_M addm[FC_DENSE_MAX_KW][3], ld[FC_DENSE_MAX_KW][3][2], sm[3];
        for (ptrdiff_t v = 0; v < nv; ++v) {
            const ptrdiff_t first = j0 + v * FC_DR_L;   /* column of lane 0 */
            const ptrdiff_t valid = fc_min(FC_DR_L, p->n - first);
            sm[v] = (FC_DR_M)fc_lane_bits(0, valid);
            if (p->flat > 0) {   /* flattened rows: lane l is column (first + l) % flat */
                for (ptrdiff_t q = 0; q < p->kw; ++q) {
                    /* tap q reads input column + shift: columns [lo, hi) inside */
                    const ptrdiff_t shift = p->col0 + q * p->col_step;
                    const ptrdiff_t lo = fc_max(0, -shift), hi = fc_min(p->flat, p->w_in - shift);
                    uint32_t bits = 0;
                    ptrdiff_t lane = 0, column = first % p->flat;
                    while (lane < valid) {   /* the lanes up to each row's end */
                        const ptrdiff_t run = fc_min(valid - lane, p->flat - column);
                        const ptrdiff_t a = fc_max(lo, column), b = fc_min(hi, column + run);
                        if (a < b) {
                            bits |= fc_lane_bits(lane + a - column, lane + b - column);
                        }
                        lane += run;
                        column = 0;
                    }
                    addm[q][v] = (FC_DR_M)bits;
                }
                continue;
            }
            for (ptrdiff_t q = 0; q < p->kw; ++q) {
                /* lane l reads input column col + l*sw: lanes [a, b) are inside */
                const ptrdiff_t col = first * sw + p->col0 + q * p->col_step;
                const ptrdiff_t a = col >= 0 ? 0 : (-col + sw - 1) / sw;
                const ptrdiff_t b = fc_min(valid, p->w_in > col ? (p->w_in - col + sw - 1) / sw : 0);
                addm[q][v] = (FC_DR_M)fc_lane_bits(a, b);
                if (sw == 2) {   /* elements 2a .. 2b - 2 of the two loads */
                    const uint32_t e = fc_lane_bits(2 * a, 2 * b - 1);
                    ld[q][v][0] = (FC_DR_M)(e & (((uint32_t)1 << FC_DR_L) - 1u));
                    ld[q][v][1] = (FC_DR_M)(e >> FC_DR_L);
                }
            }
        }
        if (sw == 2) {
            if (nr_out == 3) {
                FC_DR_CHUNK(3, 1, 2);
            } else if (nr_out == 2) {
                FC_DR_CHUNK(2, 1, 2);
            } else if (nv == 3) {
                FC_DR_CHUNK(1, 3, 2);
            } else if (nv == 2) {
                FC_DR_CHUNK(1, 2, 2);
            } else {
                FC_DR_CHUNK(1, 1, 2);
            }
        } else if (nr_out == 3) {
            FC_DR_CHUNK(3, 1, 1);
        } else if (nr_out == 2) {
            FC_DR_CHUNK(2, 1, 1);
        } else if (nv == 3) {
            FC_DR_CHUNK(1, 3, 1);
        } else if (nv == 2) {
            FC_DR_CHUNK(1, 2, 1);
        } else {
            FC_DR_CHUNK(1, 1, 1);
        }
    }
}

#undef FC_DR_CHUNK
#undef FC_DR_NAME
#undef FC_DR_CAT
#undef FC_DR_CAT_
