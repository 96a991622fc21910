/*
 * dense_row_avx2.template.c -- the AVX2+FMA dense row kernel of
 * nn_kernels.h for one element type, included by dense_kernels.c with
 *
 *   FC_DR_SFX    suffix of the kernel's name (f32, f64)
 *   FC_DR_T      element type;  FC_DR_V  its 256-bit vector;  FC_DR_L  lanes
 *                per vector;  FC_DR_MT  the integer type of a mask lane (all
 *                bits set: lane on, zero: off)
 *   FC_DR_LOAD(p), FC_DR_STORE(p, v)   unaligned load and store
 *   FC_DR_MLOAD(p, m)        load the lanes of m (__m256i), the others zero
 *                            and not read
 *   FC_DR_MSTORE(p, m, v)    store the lanes of m
 *   FC_DR_BCAST(p)           broadcast *p
 *   FC_DR_FMA(w, x, acc)     acc + w*x rounded once
 *   FC_DR_AND(a, b), FC_DR_OR(a, b), FC_DR_ANDNOT(a, b) (~a & b)   bitwise
 *   FC_DR_CASTM(m)           a mask as a vector (the same bits)
 *   FC_DR_ADD(a, b), FC_DR_SET1(x), FC_DR_ZERO
 *
 * The same contract, packed weights and bits as the AVX-512 kernel
 * (dense_row_avx512.template.c) in 16 ymm registers: the FC_DENSE_UNITS (8)
 * packed units run as two halves of 4 (the second one only when nu > 4),
 * each with 4 units x 3 vectors of columns -- 3 vectors of one output row
 * (wide rows), or 1 vector of each of 2-3 output rows -- that is 12
 * accumulators plus 3 input vectors and a broadcast weight.  A row's last
 * vector moves back to end at column n when the row has a vector's width
 * (its first columns computed twice, the same bits): every lane is stored.
 *
 * AVX2 has no mask registers, so per chunk of columns the taps are of two
 * kinds.  Interior taps, whose input is inside the row in every lane of
 * every vector (most of the work on wide rows): plain loads and fused
 * multiply-adds.  Edge taps: masked loads (_mm256_maskload_*: only the
 * lanes inside the row are read) with -0 in the other lanes, and the
 * broadcast weight ANDed with the mask (+0 outside), so a lane outside the
 * row adds +0 * -0 = -0, and acc + -0 = acc for every acc (-0 and NaN
 * included): the term is skipped, as in the generic loops -- never
 * inf * 0, never -0 + +0.  (A blend of fma(w, x, acc) and acc would need
 * the mask and the product in registers too: 18 of the 16.)  The edge
 * taps' inputs (and, for 2-3 vectors, masks) go through memory (volatile), so
 * the compiler keeps all 12 accumulators in registers; lanes past the
 * row's n outputs (rows narrower than a vector) compute when their input
 * is inside the row and are not stored.
 */
#define FC_DR_CAT_(a, b) a##_##b
#define FC_DR_CAT(a, b) FC_DR_CAT_(a, b)
#define FC_DR_NAME(name) FC_DR_CAT(name, FC_DR_SFX)

/* one half of the units (nh <= 4 of them, weights wh = wp + first unit),
 * nr rows x nv vectors of columns from j0 (nr * nv <= 3; constants after
 * inlining, so the accumulators live in registers).  Taps [qa, qb) are
 * inside the row in every lane of the nv vectors; the others use addm[q][v],
 * the lanes of vector v whose tap-q input is inside the row.  sm[v]: the
 * lanes < n of vector v, nfull: how many of the nv vectors have all L. */
FC_AVX2 static inline __attribute__((always_inline)) void
FC_DR_NAME(dense_half_avx2)(const fc_dense_row *p, const int nr, const int nv, ptrdiff_t nh,
                            const FC_DR_T *in, const FC_DR_T *wh, const FC_DR_T *bias,
                            FC_DR_T *out, ptrdiff_t j0, ptrdiff_t qa, ptrdiff_t qb,
                            FC_DR_MT (*addm)[3][FC_DR_L], FC_DR_MT (*sm)[FC_DR_L],
                            ptrdiff_t nfull, const ptrdiff_t *voff, ptrdiff_t pf)
{
    const ptrdiff_t kw = p->kw, cs = p->col_step, rs = p->rows_in_step;
    const int nt = nr * nv;
    const FC_DR_V negz = FC_DR_SET1((FC_DR_T)-0.0);
    /* the edge taps' masks and inputs, read from memory at every use
     * (volatile: not kept in registers, which the 12 accumulators need) */
    const volatile FC_DR_V(*mbuf)[3] = (const volatile FC_DR_V(*)[3])addm;
    volatile FC_DR_V xbuf[3];
    FC_DR_V acc[4][3];

    _Pragma("GCC unroll 4")
    for (int u = 0; u < 4; ++u) {
        _Pragma("GCC unroll 3")
        for (int t = 0; t < 3; ++t) {
            acc[u][t] = FC_DR_ZERO;
        }
    }
    for (ptrdiff_t c = 0; c < p->nsum; ++c) {
        const FC_DR_T *inc = in + c * p->in_plane + j0 + p->col0;
        const FC_DR_T *wc = wh + c * p->w_sum;
        if (pf != 0) {   /* the next band's lines of these vectors (a hint) */
            _Pragma("GCC unroll 3")
            for (int t = 0; t < nt; ++t) {
                __builtin_prefetch(inc + pf + (t / nv) * rs + voff[t % nv], 0,
                                   FC_DENSE_PREFETCH_LOCALITY);
            }
        }
        for (ptrdiff_t k = 0; k < p->nrows; ++k) {
            const FC_DR_T *row = inc + k * p->row_step;
            const FC_DR_T *wk = wc + k * p->w_row;
            for (ptrdiff_t q = 0; q < kw; ++q) {
                const FC_DR_T *xq = row + q * cs, *wq = wk + q * FC_DENSE_UNITS;
                FC_DR_V xv[3];
                if (q >= qa && q < qb) {   /* interior: no masks */
                    _Pragma("GCC unroll 3")
                    for (int t = 0; t < nt; ++t) {
                        xv[t] = FC_DR_LOAD(xq + (t / nv) * rs + voff[t % nv]);
                    }
                    _Pragma("GCC unroll 4")
                    for (int u = 0; u < 4; ++u) {
                        const FC_DR_V wv = FC_DR_BCAST(wq + u);
                        _Pragma("GCC unroll 3")
                        for (int t = 0; t < nt; ++t) {
                            acc[u][t] = FC_DR_FMA(wv, xv[t], acc[u][t]);
                        }
                    }
                } else {
                    /* edge tap: the inputs masked (only the lanes inside
                     * the row read, -0 in the others), the weight too (+0
                     * in the lanes outside): +0 * -0 = -0, acc + -0 = acc */
                    if (nv == 1) {   /* one mask for every row: in a register */
                        const __m256i m = _mm256_load_si256((const __m256i *)addm[q][0]);
                        const FC_DR_V mv = FC_DR_CASTM(m), fill = FC_DR_ANDNOT(mv, negz);
                        _Pragma("GCC unroll 3")
                        for (int t = 0; t < nt; ++t) {
                            xbuf[t] = FC_DR_OR(FC_DR_MLOAD(xq + t * rs + voff[0], m), fill);
                        }
                        _Pragma("GCC unroll 4")
                        for (int u = 0; u < 4; ++u) {
                            const FC_DR_V wm = FC_DR_AND(mv, FC_DR_BCAST(wq + u));
                            _Pragma("GCC unroll 3")
                            for (int t = 0; t < nt; ++t) {
                                acc[u][t] = FC_DR_FMA(wm, xbuf[t], acc[u][t]);
                            }
                        }
                    } else {   /* a mask per vector, read at every use */
                        _Pragma("GCC unroll 3")
                        for (int t = 0; t < nt; ++t) {
                            const __m256i m = _mm256_load_si256((const __m256i *)addm[q][t]);
                            xbuf[t] = FC_DR_OR(FC_DR_MLOAD(xq + voff[t], m),
                                               FC_DR_ANDNOT(FC_DR_CASTM(m), negz));
                        }
                        _Pragma("GCC unroll 4")
                        for (int u = 0; u < 4; ++u) {
                            const FC_DR_V wv = FC_DR_BCAST(wq + u);
                            _Pragma("GCC unroll 3")
                            for (int t = 0; t < nt; ++t) {
                                acc[u][t] = FC_DR_FMA(FC_DR_AND(mbuf[q][t], wv), xbuf[t],
                                                      acc[u][t]);
                            }
                        }
                    }
                }
            }
        }
    }
    _Pragma("GCC unroll 4")
    for (int u = 0; u < 4; ++u) {
        if (u >= nh) {
            break;
        }
        _Pragma("GCC unroll 3")
        for (int t = 0; t < nt; ++t) {
            const int e = t / nv, v = t % nv;
            const FC_DR_V res = bias != NULL ? FC_DR_ADD(acc[u][t], FC_DR_SET1(bias[u]))
                                             : acc[u][t];
            FC_DR_T *o = out + u * p->out_plane + e * p->rows_out_step + j0 + voff[v];
            if (v < nfull) {
                FC_DR_STORE(o, res);
            } else {
                FC_DR_MSTORE(o, _mm256_load_si256((const __m256i *)sm[v]), res);
            }
        }
    }
}

/* both halves of the units of one chunk */
FC_AVX2 static inline __attribute__((always_inline)) void
FC_DR_NAME(dense_chunk_avx2)(const fc_dense_row *p, const int nr, const int nv, ptrdiff_t nu,
                             const FC_DR_T *in, const FC_DR_T *wp, const FC_DR_T *bias,
                             FC_DR_T *out, ptrdiff_t j0, ptrdiff_t qa, ptrdiff_t qb,
                             FC_DR_MT (*addm)[3][FC_DR_L], FC_DR_MT (*sm)[FC_DR_L],
                             ptrdiff_t nfull, const ptrdiff_t *voff, ptrdiff_t pf)
{
    for (ptrdiff_t u0 = 0; u0 < nu; u0 += 4) {   /* the first half prefetches */
        FC_DR_NAME(dense_half_avx2)(p, nr, nv, fc_min(4, nu - u0), in, wp + u0,
                                    bias != NULL ? bias + u0 : NULL, out + u0 * p->out_plane,
                                    j0, qa, qb, addm, sm, nfull, voff, u0 == 0 ? pf : 0);
    }
}

FC_AVX2 static void FC_DR_NAME(dense_row_avx2)(const fc_dense_row *p, ptrdiff_t nu,
                                               ptrdiff_t nr_out, const FC_DR_T *in,
                                               const FC_DR_T *wp, const FC_DR_T *bias,
                                               FC_DR_T *out)
{
    const ptrdiff_t per_chunk = nr_out == 1 ? 3 : 1;   /* vectors of columns per chunk */
    const ptrdiff_t pf = fc_dense_prefetch_offset(p);
    for (ptrdiff_t j0 = 0; j0 < p->n; j0 += per_chunk * FC_DR_L) {
        const ptrdiff_t nv = fc_min(per_chunk, (p->n - j0 + FC_DR_L - 1) / FC_DR_L);
        _Alignas(32) FC_DR_MT addm[FC_DENSE_MAX_KW][3][FC_DR_L];
        _Alignas(32) FC_DR_MT sm[3][FC_DR_L];
        ptrdiff_t voff[3], qa = p->kw, qb = 0, nfull = 0;   /* interior taps [qa, qb): none yet */
        for (ptrdiff_t v = 0; v < nv; ++v) {
            /* a vector past the row's end moves back to end there (its
             * first columns computed twice, the same bits) when the row
             * has a vector's width: its lanes all store, fewer taps masked */
            const ptrdiff_t first = p->n >= FC_DR_L ? fc_min(j0 + v * FC_DR_L, p->n - FC_DR_L)
                                                   : j0 + v * FC_DR_L;   /* lane 0's column */
            voff[v] = first - j0;
            nfull += p->n - first >= FC_DR_L;
            for (ptrdiff_t l = 0; l < FC_DR_L; ++l) {
                sm[v][l] = first + l < p->n ? (FC_DR_MT)-1 : 0;
            }
        }
        for (ptrdiff_t q = 0; q < p->kw; ++q) {
            int inside = 1;   /* every lane of every vector */
            for (ptrdiff_t v = 0; v < nv; ++v) {
                const ptrdiff_t col = j0 + voff[v] + p->col0 + q * p->col_step;
                for (ptrdiff_t l = 0; l < FC_DR_L; ++l) {
                    const int on = col + l >= 0 && col + l < p->w_in;
                    addm[q][v][l] = on ? (FC_DR_MT)-1 : 0;
                    inside &= on;
                }
            }
            if (inside) {   /* the inside taps are consecutive (col linear in q) */
                qa = fc_min(qa, q);
                qb = q + 1;
            }
        }
        if (nr_out == 3) {
            FC_DR_NAME(dense_chunk_avx2)(p, 3, 1, nu, in, wp, bias, out, j0, qa, qb, addm, sm,
                                         nfull, voff, pf);
        } else if (nr_out == 2) {
            FC_DR_NAME(dense_chunk_avx2)(p, 2, 1, nu, in, wp, bias, out, j0, qa, qb, addm, sm,
                                         nfull, voff, pf);
        } else if (nv == 3) {
            FC_DR_NAME(dense_chunk_avx2)(p, 1, 3, nu, in, wp, bias, out, j0, qa, qb, addm, sm,
                                         nfull, voff, pf);
        } else if (nv == 2) {
            FC_DR_NAME(dense_chunk_avx2)(p, 1, 2, nu, in, wp, bias, out, j0, qa, qb, addm, sm,
                                         nfull, voff, pf);
        } else {
            FC_DR_NAME(dense_chunk_avx2)(p, 1, 1, nu, in, wp, bias, out, j0, qa, qb, addm, sm,
                                         nfull, voff, pf);
        }
    }
}

#undef FC_DR_NAME
#undef FC_DR_CAT
#undef FC_DR_CAT_
