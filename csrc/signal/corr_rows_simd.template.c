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

/* The table entry: contract in signal_kernels.h. */
S_ATTR static void S_NAME(corr_rows)(const S_T *const *rows, ptrdiff_t nrows, ptrdiff_t ncols,
                                     const S_T *w, ptrdiff_t wr, ptrdiff_t wc,
                                     S_T *out, ptrdiff_t ldo)
{
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
