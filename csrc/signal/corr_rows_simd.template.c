/*
 * corr_rows_simd.template.c -- the corr_rows micro-kernel (signal_kernels.h)
 * for one SIMD target and element type, included by signal_kernels.c with
 * these macros defined:
 *
 *   S_NAME(x)          x with the target/dtype suffix appended
 *   S_ATTR             __attribute__((target(...))) of every function here
 *   S_T, S_V, S_L      element type, vector type, lanes per vector
 *   S_VB, S_VW         vectors per pass: 4-row block, 1-row block
 *   S_LOADU(p), S_SET1(x), S_ZERO(), S_FMA(a, b, c) = a * b + c, S_STOREU(p, v)
 *   S_MASK_T, S_MASK(n)    mask of the first n lanes (1 <= n <= S_L)
 *   S_MLOAD(p, m), S_MSTORE(p, m, v)   masked load (no fault in masked-out
 *                                      lanes) and store
 *   S_MASK_RANGE(lo, hi)   mask of lanes [lo, hi) (0 <= lo < hi <= S_L)
 *   S_MFMA(a, b, c, m)     a * b + c in the lanes of m, c in the others
 *   S_STREAM(p, v)         non-temporal store to 64-byte aligned p
 *   S_ALIGNR(hi, lo, q)    (optional) lanes q.. of lo then the first q of hi,
 *                          for 1 <= q <= 4 (the small kernels then load each
 *                          input vector once and shift it in registers)
 *   S_SMALL_RB, S_SMALL_NV, S_SMALL_NV1, S_SMALL_NVMAX   small-kernel blocks
 *   S_SMALL_5X5            1: specialize 5x5 as well (else the general kernel)
 *
 * It #undefs them all at its end except S_ATTR, S_VB and S_VW (per target).
 *
 * Vectorized over output columns, taps broadcast.  Each output is one chain
 * of fused multiply-adds from zero over the taps in row-major order, whatever
 * block computes it, so the blocking below (4 rows x S_VB vectors, 1 row x
 * S_VW vectors, single masked vectors at the right edge) never changes a
 * value.  In the 4-row block every loaded input row m feeds the output rows
 * r = m - p it meets (kernel row p = m - r): S_VB loads and up to four
 * broadcasts per 4 * S_VB multiply-adds, 4 * S_VB independent accumulators.
 */

/* rows 0..3, columns [j, j + S_VB * S_L) */
S_ATTR static inline void S_NAME(block4)(const S_T *const *rows, ptrdiff_t j,
                                         const S_T *w, ptrdiff_t wr, ptrdiff_t wc,
                                         S_T *out, ptrdiff_t ldo)
{
    S_V acc[4][S_VB];
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 16
        for (int v = 0; v < S_VB; ++v) {
            acc[r][v] = S_ZERO();
        }
    }
    for (ptrdiff_t m = 0; m < wr + 3; ++m) {
        const S_T *xm = rows[m] + j;
        /* output row r meets input row m through kernel row m - r */
        const int on0 = m < wr, on1 = m >= 1 && m - 1 < wr;
        const int on2 = m >= 2 && m - 2 < wr, on3 = m >= 3 && m - 3 < wr;
        /* kernel row m - r of output row r (read only when on##r) */
        const ptrdiff_t k0 = m * wc, k1 = k0 - wc, k2 = k1 - wc, k3 = k2 - wc;
        for (ptrdiff_t q = 0; q < wc; ++q) {
            S_V x[S_VB];
#pragma GCC unroll 16
            for (int v = 0; v < S_VB; ++v) {
                x[v] = S_LOADU(xm + q + v * S_L);
            }
#define S_ROW(r)                                                  \
            if (on##r) {                                          \
                const S_V wv = S_SET1(w[k##r + q]);                   \
                _Pragma("GCC unroll 16")                          \
                for (int v = 0; v < S_VB; ++v) {                  \
                    acc[r][v] = S_FMA(wv, x[v], acc[r][v]);       \
                }                                                 \
            }
            S_ROW(0) S_ROW(1) S_ROW(2) S_ROW(3)
#undef S_ROW
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 16
        for (int v = 0; v < S_VB; ++v) {
            S_STOREU(out + r * ldo + j + v * S_L, acc[r][v]);
        }
    }
}

/* rows 0..3, columns [j, j + n), n <= S_L: one masked vector per row */
S_ATTR static inline void S_NAME(vec4)(const S_T *const *rows, ptrdiff_t j, int n,
                                       const S_T *w, ptrdiff_t wr, ptrdiff_t wc,
                                       S_T *out, ptrdiff_t ldo)
{
    const S_MASK_T mask = S_MASK(n);
    S_V acc[4] = {S_ZERO(), S_ZERO(), S_ZERO(), S_ZERO()};
    for (ptrdiff_t p = 0; p < wr; ++p) {
        const S_T *wp = w + p * wc;
        for (ptrdiff_t q = 0; q < wc; ++q) {
            const S_V wv = S_SET1(wp[q]);
#pragma GCC unroll 4
            for (int r = 0; r < 4; ++r) {
                acc[r] = S_FMA(wv, S_MLOAD(rows[r + p] + j + q, mask), acc[r]);
            }
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
        S_MSTORE(out + r * ldo + j, mask, acc[r]);
    }
}

/* one row, columns [j, j + NV * S_L): S_VW vectors (block1), or 4 (block1_4)
 * for the right edge and narrow tiles */
#define S_BLOCK1(NAME, NV)                                                              \
S_ATTR static inline void NAME(const S_T *const *rows, ptrdiff_t j,                     \
                               const S_T *w, ptrdiff_t wr, ptrdiff_t wc, S_T *out)      \
{                                                                                       \
    S_V acc[NV];                                                                        \
    _Pragma("GCC unroll 16")                                                            \
    for (int v = 0; v < NV; ++v) {                                                      \
        acc[v] = S_ZERO();                                                              \
    }                                                                                   \
    for (ptrdiff_t p = 0; p < wr; ++p) {                                                \
        const S_T *xp = rows[p] + j;                                                    \
        const S_T *wp = w + p * wc;                                                     \
        for (ptrdiff_t q = 0; q < wc; ++q) {                                            \
            const S_V wv = S_SET1(wp[q]);                                               \
    _Pragma("GCC unroll 16")                                                            \
            for (int v = 0; v < NV; ++v) {                                              \
                acc[v] = S_FMA(wv, S_LOADU(xp + q + v * S_L), acc[v]);                  \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
    _Pragma("GCC unroll 16")                                                            \
    for (int v = 0; v < NV; ++v) {                                                      \
        S_STOREU(out + j + v * S_L, acc[v]);                                            \
    }                                                                                   \
}
S_BLOCK1(S_NAME(block1), S_VW)
S_BLOCK1(S_NAME(block1_4), 4)
#undef S_BLOCK1

/* one row, columns [j, j + n), n <= S_L */
S_ATTR static inline void S_NAME(vec1)(const S_T *const *rows, ptrdiff_t j, int n,
                                       const S_T *w, ptrdiff_t wr, ptrdiff_t wc, S_T *out)
{
    const S_MASK_T mask = S_MASK(n);
    S_V acc = S_ZERO();
    for (ptrdiff_t p = 0; p < wr; ++p) {
        const S_T *wp = w + p * wc;
        const S_T *xp = rows[p] + j;
        for (ptrdiff_t q = 0; q < wc; ++q) {
            acc = S_FMA(S_SET1(wp[q]), S_MLOAD(xp + q, mask), acc);
        }
    }
    S_MSTORE(out + j, mask, acc);
}

/*
 * Small kernels: wr x wc known at compile time (the callers below pass
 * constants and the function is inlined into them), so every loop unrolls,
 * the row test p = m - r in [0, wr) is resolved by the compiler, and the
 * taps can stay in registers across the column loop.  Rows 0..rb-1, columns
 * [j, j + nv * S_L), or, when masked, the lanes of mask of one vector
 * (nv = 1); stream: non-temporal stores (out + r * ldo + j 64-byte aligned).
 * The sum of each output is the same chain as in block4 (p, then q, from
 * zero), so the values are those of the generic kernels.
 */
S_ATTR static inline __attribute__((always_inline)) void
S_NAME(small_block)(const S_T *const *rows, ptrdiff_t j, const S_T *w,
                    const int wr, const int wc, const int rb, const int nv,
                    const int masked, const int stream, S_MASK_T mask, S_T *out,
                    ptrdiff_t ldo)
{
    S_V acc[S_SMALL_RB][S_SMALL_NVMAX];
#pragma GCC unroll 16
    for (int r = 0; r < rb; ++r) {
#pragma GCC unroll 16
        for (int v = 0; v < nv; ++v) {
            acc[r][v] = S_ZERO();
        }
    }
#pragma GCC unroll 32
    for (int m = 0; m < rb + wr - 1; ++m) {
        const S_T *xm = rows[m] + j;
#ifdef S_ALIGNR
        /* the shifted inputs from nv + 1 loads (the last one: only the
         * wc - 1 lanes the shifts need, which the contract makes readable) */
        S_V base[S_SMALL_NVMAX + 1];
        if (!masked) {
#pragma GCC unroll 16
            for (int v = 0; v < nv; ++v) {
                base[v] = S_LOADU(xm + v * S_L);
            }
            base[nv] = S_MLOAD(xm + nv * S_L, S_MASK(wc - 1));
        }
#endif
#pragma GCC unroll 16
        for (int q = 0; q < wc; ++q) {
            S_V x[S_SMALL_NVMAX];
#pragma GCC unroll 16
            for (int v = 0; v < nv; ++v) {
#ifdef S_ALIGNR
                if (!masked) {
                    x[v] = q == 0 ? base[v] : S_ALIGNR(base[v + 1], base[v], q);
                    continue;
                }
#endif
                x[v] = masked ? S_MLOAD(xm + q + v * S_L, mask) : S_LOADU(xm + q + v * S_L);
            }
#pragma GCC unroll 16
            for (int r = 0; r < rb; ++r) {
                const int p = m - r;   /* kernel row of output row r */
                if (p >= 0 && p < wr) {
                    const S_V wv = S_SET1(w[p * wc + q]);
#pragma GCC unroll 16
                    for (int v = 0; v < nv; ++v) {
                        acc[r][v] = S_FMA(wv, x[v], acc[r][v]);
                    }
                }
            }
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < rb; ++r) {
#pragma GCC unroll 16
        for (int v = 0; v < nv; ++v) {
            if (masked) {
                S_MSTORE(out + r * ldo + j + v * S_L, mask, acc[r][v]);
            } else if (stream) {
                S_STREAM(out + r * ldo + j + v * S_L, acc[r][v]);
            } else {
                S_STOREU(out + r * ldo + j + v * S_L, acc[r][v]);
            }
        }
    }
}

/* rows 0..rb-1, all ncols columns, of a wr x wc kernel (constants): the
 * columns before the first 64-byte boundary of out's row 0 by masked vectors,
 * then whole vectors from there (aligned stores when the rows of out share
 * their alignment); stream: those whole vectors by non-temporal stores (the
 * caller checked the rows share their alignment), the lines at the ends
 * (which the caller's edge kernel may also write) by ordinary ones */
S_ATTR static inline __attribute__((always_inline)) void
S_NAME(small_rows)(const S_T *const *rows, ptrdiff_t ncols, const S_T *w,
                   const int wr, const int wc, const int rb, const int nv,
                   const int stream, S_T *out, ptrdiff_t ldo)
{
    ptrdiff_t j = 0;
    {
        /* stream: align the stores (non-temporal stores need it); else the
         * loads, which outnumber the stores (measured on Zen 4: 512² float64
         * 3x3 1.3x faster with aligned loads than with aligned stores) */
        const uintptr_t lead = stream ? (uintptr_t)out : (uintptr_t)rows[0];
        const ptrdiff_t past = (ptrdiff_t)((lead % 64) / sizeof(S_T));
        const ptrdiff_t head = fc_min(ncols, past == 0 ? 0 : 64 / (ptrdiff_t)sizeof(S_T) - past);
        for (; j < head; j += S_L) {
            const int n = head - j < S_L ? (int)(head - j) : S_L;
            S_NAME(small_block)(rows, j, w, wr, wc, rb, 1, 1, 0, S_MASK(n), out, ldo);
        }
        j = head;
    }
    for (; j + nv * S_L <= ncols; j += nv * S_L) {
        S_NAME(small_block)(rows, j, w, wr, wc, rb, nv, 0, stream, S_MASK(S_L), out, ldo);
    }
    for (; j < ncols; j += S_L) {
        const int n = ncols - j < S_L ? (int)(ncols - j) : S_L;
        S_NAME(small_block)(rows, j, w, wr, wc, rb, 1, 1, 0, S_MASK(n), out, ldo);
    }
}

/* corr_rows of a wr x wc kernel (constants): blocks of S_SMALL_RB rows, then
 * single rows */
S_ATTR static inline __attribute__((always_inline)) void
S_NAME(small)(const S_T *const *rows, ptrdiff_t nrows, ptrdiff_t ncols, const S_T *w,
              const int wr, const int wc, const int stream, S_T *out, ptrdiff_t ldo)
{
    ptrdiff_t r = 0;
    /* (a single kernel row shares no input row between output rows) */
    for (; wr > 1 && r + S_SMALL_RB <= nrows; r += S_SMALL_RB) {
        S_NAME(small_rows)(rows + r, ncols, w, wr, wc, S_SMALL_RB, S_SMALL_NV, stream,
                           out + r * ldo, ldo);
    }
    for (; r < nrows; ++r) {
        S_NAME(small_rows)(rows + r, ncols, w, wr, wc, 1, S_SMALL_NV1, stream,
                           out + r * ldo, ldo);
    }
    if (stream) {
        _mm_sfence();   /* the non-temporal stores before anything that follows */
    }
}

/* the specialized shapes (one function each, so each gets its registers) */
#define S_SMALL_SHAPE(WR, WC)                                                       \
S_ATTR static void S_NAME(small_##WR##x##WC)(const S_T *const *rows, ptrdiff_t nrows, \
                                             ptrdiff_t ncols, const S_T *w,         \
                                             S_T *out, ptrdiff_t ldo, int stream)   \
{                                                                                   \
    if (stream) {                                                                   \
        S_NAME(small)(rows, nrows, ncols, w, WR, WC, 1, out, ldo);                  \
    } else {                                                                        \
        S_NAME(small)(rows, nrows, ncols, w, WR, WC, 0, out, ldo);                  \
    }                                                                               \
}
S_SMALL_SHAPE(1, 3)
S_SMALL_SHAPE(1, 5)
S_SMALL_SHAPE(3, 3)
#if S_SMALL_5X5
S_SMALL_SHAPE(5, 5)
#endif
#undef S_SMALL_SHAPE

/* The table entries (contract in signal_kernels.h): corr_rows, and
 * corr_rows_stream, which writes the small kernels' outputs with
 * non-temporal stores when the rows of out share their alignment. */
S_ATTR static void S_NAME(corr_rows_any)(const S_T *const *rows, ptrdiff_t nrows,
                                         ptrdiff_t ncols, const S_T *w, ptrdiff_t wr,
                                         ptrdiff_t wc, S_T *out, ptrdiff_t ldo, int stream)
{
    stream = stream && (ldo * (ptrdiff_t)sizeof(S_T)) % 64 == 0
             && (uintptr_t)out % sizeof(S_T) == 0;
    if (wr == 3 && wc == 3) {
        S_NAME(small_3x3)(rows, nrows, ncols, w, out, ldo, stream);
        return;
    }
#if S_SMALL_5X5
    if (wr == 5 && wc == 5) {
        S_NAME(small_5x5)(rows, nrows, ncols, w, out, ldo, stream);
        return;
    }
#endif
    if (wr == 1 && wc == 3) {
        S_NAME(small_1x3)(rows, nrows, ncols, w, out, ldo, stream);
        return;
    }
    if (wr == 1 && wc == 5) {
        S_NAME(small_1x5)(rows, nrows, ncols, w, out, ldo, stream);
        return;
    }
    ptrdiff_t r = 0;
    for (; r + 4 <= nrows; r += 4) {
        const S_T *const *rr = rows + r;
        S_T *orow = out + r * ldo;
        ptrdiff_t j = 0;
        for (; j + S_VB * S_L <= ncols; j += S_VB * S_L) {
            S_NAME(block4)(rr, j, w, wr, wc, orow, ldo);
        }
        for (; j < ncols; j += S_L) {
            const int n = ncols - j < S_L ? (int)(ncols - j) : S_L;
            S_NAME(vec4)(rr, j, n, w, wr, wc, orow, ldo);
        }
    }
    for (; r < nrows; ++r) {
        const S_T *const *rr = rows + r;
        S_T *orow = out + r * ldo;
        ptrdiff_t j = 0;
        for (; j + S_VW * S_L <= ncols; j += S_VW * S_L) {
            S_NAME(block1)(rr, j, w, wr, wc, orow);
        }
        for (; j + 4 * S_L <= ncols; j += 4 * S_L) {
            S_NAME(block1_4)(rr, j, w, wr, wc, orow);
        }
        for (; j < ncols; j += S_L) {
            const int n = ncols - j < S_L ? (int)(ncols - j) : S_L;
            S_NAME(vec1)(rr, j, n, w, wr, wc, orow);
        }
    }
}

/*
 * The edge kernel (corr_rows_edge, contract in signal_kernels.h): output
 * rows whose taps may fall outside the row extent [0, xc) or on a missing
 * (NULL) row; those products are skipped.  Narrow bands (the columns left
 * and right of the interior) go one vector of columns for up to S_EDGE_ROWS
 * rows at a time, wider ones S_EDGE_NV vectors of one row at a time: 8
 * independent chains either way (with fewer, the latency of the fused
 * multiply-add bounds the loop: the chains are as long as the kernel).  A
 * tap whose lanes all read stored elements is a plain fused multiply-add;
 * one that reads some missing ones loads only the stored lanes (masked:
 * nothing outside [0, xc) is touched) and adds only in those lanes (the
 * others keep their sum exactly).  Each output: one chain over its present
 * taps, p then q, from zero.
 */
#define S_EDGE_NV 8     /* vectors of one row's wide edge block */
#define S_EDGE_ROWS 8   /* rows of a narrow edge block */

/* One output row, columns [j0, j0 + n) with 0 < n <= S_EDGE_NV * S_L, of
 * the edge kernel: one chain per vector of columns, up to S_EDGE_NV
 * independent ones per tap (the last vector masked to the block).  The taps
 * q at which every lane of the block's whole vectors reads a stored element
 * (a run [q_lo, q_hi) of each kernel row: all of them but a few at the
 * ends, for long kernels) are plain fused multiply-adds; the others go
 * vector by vector, masked as in corr_rows_edge.  Taps in order, so each
 * output is the same chain. */
S_ATTR static inline void S_NAME(edge_row_wide)(const S_T *const *rows, ptrdiff_t xc,
                                                const S_T *w, ptrdiff_t wr, ptrdiff_t wc,
                                                S_T *orow, ptrdiff_t j0, ptrdiff_t n,
                                                ptrdiff_t c0)
{
    const int nv = (int)((n + S_L - 1) / S_L);
    const int last = (int)(n - (ptrdiff_t)(nv - 1) * S_L);   /* lanes of the last vector */
    S_V acc[S_EDGE_NV];
#pragma GCC unroll 8
    for (int v = 0; v < S_EDGE_NV; ++v) {
        acc[v] = S_ZERO();
    }
    const ptrdiff_t width = (ptrdiff_t)nv * S_L;   /* what whole vectors read */
    for (ptrdiff_t p = 0; p < wr; ++p) {
        const S_T *xp = rows[p];
        if (xp == NULL) {
            continue;
        }
        const S_T *wp = w + p * wc;
        /* every lane reads a stored element iff 0 <= s and s + width <= xc */
        const ptrdiff_t q_lo = fc_min(wc, fc_max((ptrdiff_t)0, -(j0 + c0)));
        const ptrdiff_t q_hi = fc_max(q_lo, fc_min(wc, xc - width - (j0 + c0) + 1));
        for (ptrdiff_t q = 0; q < wc; ++q) {
            const ptrdiff_t s = j0 + c0 + q;
            if (q == q_lo && q_lo < q_hi) {
                for (ptrdiff_t t = q_lo; t < q_hi; ++t) {
                    const S_V wt = S_SET1(wp[t]);
                    const S_T *xt = xp + (j0 + c0 + t);
#pragma GCC unroll 8
                    for (int v = 0; v < S_EDGE_NV; ++v) {
                        if (v < nv) {
                            acc[v] = S_FMA(wt, S_LOADU(xt + v * S_L), acc[v]);
                        }
                    }
                }
                q = q_hi - 1;
                continue;
            }
            const S_V wv = S_SET1(wp[q]);
#pragma GCC unroll 8
            for (int v = 0; v < S_EDGE_NV; ++v) {
                if (v >= nv) {
                    continue;
                }
                const ptrdiff_t sv = s + v * S_L;
                const ptrdiff_t lanes = v == nv - 1 ? last : S_L;
                const int lo = sv < 0 ? (int)fc_min(-sv, lanes) : 0;
                const int hi = (int)fc_max((ptrdiff_t)lo, fc_min(lanes, xc - sv));
                if (lo >= hi) {
                    continue;
                }
                if (lo == 0 && hi == S_L) {
                    acc[v] = S_FMA(wv, S_LOADU(xp + sv), acc[v]);
                } else {
                    const S_MASK_T m = S_MASK_RANGE(lo, hi);
                    acc[v] = S_MFMA(wv, S_MLOAD(xp + sv, m), acc[v], m);
                }
            }
        }
    }
#pragma GCC unroll 8
    for (int v = 0; v < S_EDGE_NV; ++v) {
        if (v < nv - 1) {
            S_STOREU(orow + j0 + v * S_L, acc[v]);
        } else if (v == nv - 1) {
            S_MSTORE(orow + j0 + v * S_L, S_MASK(last), acc[v]);
        }
    }
}

/* Output rows [0, nrows) x one vector of columns [j0, j0 + n), n <= S_L, of
 * the edge kernel (the narrow bands left and right of the interior), up to
 * S_EDGE_ROWS rows at a time: as many independent chains per tap. */
S_ATTR static inline void S_NAME(edge_rows_narrow)(const S_T *const *rows, ptrdiff_t nrows,
                                                   ptrdiff_t xc, const S_T *w, ptrdiff_t wr,
                                                   ptrdiff_t wc, S_T *out, ptrdiff_t ldo,
                                                   ptrdiff_t j0, int n, ptrdiff_t c0)
{
    for (ptrdiff_t r0 = 0; r0 < nrows; r0 += S_EDGE_ROWS) {
        const int nr = nrows - r0 < S_EDGE_ROWS ? (int)(nrows - r0) : S_EDGE_ROWS;
        const S_T *const *rr = rows + r0;
        S_V acc[S_EDGE_ROWS];
#pragma GCC unroll 8
        for (int r = 0; r < S_EDGE_ROWS; ++r) {
            acc[r] = S_ZERO();
        }
        for (ptrdiff_t p = 0; p < wr; ++p) {
            for (ptrdiff_t q = 0; q < wc; ++q) {
                /* lanes l < n read x[s + l], present iff 0 <= s + l < xc */
                const ptrdiff_t s = j0 + c0 + q;
                const int lo = s < 0 ? (int)fc_min(-s, (ptrdiff_t)n) : 0;
                const int hi = (int)fc_max((ptrdiff_t)lo, fc_min((ptrdiff_t)n, xc - s));
                if (lo >= hi) {
                    continue;
                }
                const S_V wv = S_SET1(w[p * wc + q]);
                if (lo == 0 && hi == S_L) {
#pragma GCC unroll 8
                    for (int r = 0; r < S_EDGE_ROWS; ++r) {
                        if (r < nr && rr[r + p] != NULL) {
                            acc[r] = S_FMA(wv, S_LOADU(rr[r + p] + s), acc[r]);
                        }
                    }
                } else {
                    const S_MASK_T m = S_MASK_RANGE(lo, hi);
#pragma GCC unroll 8
                    for (int r = 0; r < S_EDGE_ROWS; ++r) {
                        if (r < nr && rr[r + p] != NULL) {
                            acc[r] = S_MFMA(wv, S_MLOAD(rr[r + p] + s, m), acc[r], m);
                        }
                    }
                }
            }
        }
#pragma GCC unroll 8
        for (int r = 0; r < S_EDGE_ROWS; ++r) {
            if (r < nr) {
                if (n == S_L) {
                    S_STOREU(out + (r0 + r) * ldo + j0, acc[r]);
                } else {
                    S_MSTORE(out + (r0 + r) * ldo + j0, S_MASK(n), acc[r]);
                }
            }
        }
    }
}

S_ATTR static void S_NAME(corr_rows_edge)(const S_T *const *rows, ptrdiff_t nrows,
                                          ptrdiff_t xc, const S_T *w, ptrdiff_t wr,
                                          ptrdiff_t wc, S_T *out, ptrdiff_t ldo,
                                          ptrdiff_t ocols, ptrdiff_t c0)
{
    if (ocols <= 0) {
        return;
    }
    if (ocols <= S_L) {
        S_NAME(edge_rows_narrow)(rows, nrows, xc, w, wr, wc, out, ldo, 0, (int)ocols, c0);
        return;
    }
    for (ptrdiff_t r = 0; r < nrows; ++r) {
        for (ptrdiff_t j0 = 0; j0 < ocols; j0 += (ptrdiff_t)S_EDGE_NV * S_L) {
            S_NAME(edge_row_wide)(rows + r, xc, w, wr, wc, out + r * ldo, j0,
                                  fc_min((ptrdiff_t)S_EDGE_NV * S_L, ocols - j0), c0);
        }
    }
}

S_ATTR static void S_NAME(corr_rows)(const S_T *const *rows, ptrdiff_t nrows, ptrdiff_t ncols,
                                     const S_T *w, ptrdiff_t wr, ptrdiff_t wc,
                                     S_T *out, ptrdiff_t ldo)
{
    S_NAME(corr_rows_any)(rows, nrows, ncols, w, wr, wc, out, ldo, 0);
}

S_ATTR static void S_NAME(corr_rows_stream)(const S_T *const *rows, ptrdiff_t nrows,
                                            ptrdiff_t ncols, const S_T *w, ptrdiff_t wr,
                                            ptrdiff_t wc, S_T *out, ptrdiff_t ldo)
{
    S_NAME(corr_rows_any)(rows, nrows, ncols, w, wr, wc, out, ldo, 1);
}

/* The per-type macros end here, so the next instantiation can define them. */
#undef S_NAME
#undef S_T
#undef S_V
#undef S_L
#undef S_LOADU
#undef S_SET1
#undef S_ZERO
#undef S_FMA
#undef S_STOREU
#undef S_MASK_T
#undef S_MASK
#undef S_MLOAD
#undef S_MSTORE
#undef S_MASK_RANGE
#undef S_STREAM
#undef S_ALIGNR
#undef S_MFMA
#undef S_EDGE_NV
#undef S_EDGE_ROWS
