/*
 * corr_rows_complex_simd.template.c -- the complex corr_rows kernels
 * (signal_kernels.h) for one SIMD target and element type, included by
 * signal_kernels.c with
 *
 *   C_NAME(x)      x ## _c64_avx2 and so on
 *   C_ATTR         the target attribute
 *   C_T, C_R       the complex type (fc_c64, fc_c128) and its real part's type
 *   C_V, C_L       the vector type, and the complex numbers one holds
 *   C_RB, C_VB     the block: output rows x vectors of columns per pass
 *                  (2 * C_RB * C_VB accumulators + 4 registers must fit)
 *   C_LOADU(p), C_STOREU(p, v), C_ZERO(), C_SET1(x), C_FMA(a, b, c) (a*b + c)
 *   C_MASK_T, C_MASK(n)          the lanes of the first n complex numbers
 *   C_MLOAD(p, m), C_MSTORE(p, m, v)   masked: nothing outside m read or written
 *   C_SWAP(v)      each (re, im) pair swapped
 *   C_ADDSUB(a, b) a - b in the real lanes, a + b in the imaginary ones (one
 *                  rounding each)
 *
 * (the per-type ones #undef'd at the end of this file; C_ATTR, C_RB and C_VB
 * stay for the target's other type).
 *
 * The numbers are interleaved (re, im), NumPy's layout.  For every tap
 * w = (wr, wi), a vector x of inputs adds x * wr into one accumulator and
 * swap(x) * wi into another (fused multiply-adds, tap by tap in row-major
 * order), so that at the end
 *
 *     a = (sum x.re wr, sum x.im wr),  b = (sum x.im wi, sum x.re wi),
 *     out = addsub(a, b) = (sum x.re wr - sum x.im wi, sum x.im wr + sum x.re wi),
 *
 * the complex products' real and imaginary parts.  Each output's value
 * depends only on the taps, whichever block computes it; AVX2 and AVX-512
 * run the same operations lane by lane, so they give the same bits.
 */
#define C_AS_REAL(p) ((const C_R *)(p))

/* Output rows [r, r + NR) x complex columns [j, j + NV * C_L) (NR, NV
 * constants after inlining), the last vector's first `tail` columns only
 * (tail == C_L: all of them). */
C_ATTR static inline __attribute__((always_inline)) void
C_NAME(complex_block)(const int NR, const int NV, const C_T *const *rows, ptrdiff_t r,
                      ptrdiff_t j, int tail, const C_T *w, ptrdiff_t wr, ptrdiff_t wc, C_T *out,
                      ptrdiff_t ldo)
{
    C_V a[C_RB][C_VB], b[C_RB][C_VB];
    const C_MASK_T m = C_MASK(tail);
    _Pragma("GCC unroll 4")
    for (int k = 0; k < NR; ++k) {
        _Pragma("GCC unroll 4")
        for (int v = 0; v < NV; ++v) {
            a[k][v] = C_ZERO();
            b[k][v] = C_ZERO();
        }
    }
    for (ptrdiff_t p = 0; p < wr; ++p) {
        const C_T *wp = w + p * wc;
        for (ptrdiff_t q = 0; q < wc; ++q) {
            const C_V w_re = C_SET1(wp[q].re), w_im = C_SET1(wp[q].im);
            _Pragma("GCC unroll 4")
            for (int k = 0; k < NR; ++k) {
                const C_R *x = C_AS_REAL(rows[r + k + p] + j + q);
                _Pragma("GCC unroll 4")
                for (int v = 0; v < NV; ++v) {
                    const C_V xv = v == NV - 1 && tail < C_L ? C_MLOAD(x + 2 * C_L * v, m)
                                                             : C_LOADU(x + 2 * C_L * v);
                    a[k][v] = C_FMA(xv, w_re, a[k][v]);
                    b[k][v] = C_FMA(C_SWAP(xv), w_im, b[k][v]);
                }
            }
        }
    }
    _Pragma("GCC unroll 4")
    for (int k = 0; k < NR; ++k) {
        C_R *o = (C_R *)(out + (r + k) * ldo + j);
        _Pragma("GCC unroll 4")
        for (int v = 0; v < NV; ++v) {
            const C_V sum = C_ADDSUB(a[k][v], b[k][v]);
            if (v == NV - 1 && tail < C_L) {
                C_MSTORE(o + 2 * C_L * v, m, sum);
            } else {
                C_STOREU(o + 2 * C_L * v, sum);
            }
        }
    }
}

/* Output rows [r, r + NR) (NR a constant after inlining), every column. */
C_ATTR static inline __attribute__((always_inline)) void
C_NAME(complex_rows)(const int NR, const C_T *const *rows, ptrdiff_t r, ptrdiff_t ncols,
                     const C_T *w, ptrdiff_t wr, ptrdiff_t wc, C_T *out, ptrdiff_t ldo)
{
    ptrdiff_t j = 0;
    for (; j + C_VB * C_L <= ncols; j += C_VB * C_L) {
        C_NAME(complex_block)(NR, C_VB, rows, r, j, C_L, w, wr, wc, out, ldo);
    }
    for (; j < ncols; j += C_L) {
        const int tail = (int)fc_min((ptrdiff_t)C_L, ncols - j);
        C_NAME(complex_block)(NR, 1, rows, r, j, tail, w, wr, wc, out, ldo);
    }
}

C_ATTR static void C_NAME(corr_rows)(const C_T *const *rows, ptrdiff_t nrows, ptrdiff_t ncols,
                                     const C_T *w, ptrdiff_t wr, ptrdiff_t wc, C_T *out,
                                     ptrdiff_t ldo)
{
    ptrdiff_t r = 0;
    for (; r + C_RB <= nrows; r += C_RB) {
        C_NAME(complex_rows)(C_RB, rows, r, ncols, w, wr, wc, out, ldo);
    }
    for (; r < nrows; ++r) {
        C_NAME(complex_rows)(1, rows, r, ncols, w, wr, wc, out, ldo);
    }
}

#undef C_AS_REAL
#undef C_NAME
#undef C_T
#undef C_R
#undef C_V
#undef C_L
#undef C_LOADU
#undef C_STOREU
#undef C_ZERO
#undef C_SET1
#undef C_FMA
#undef C_MASK_T
#undef C_MASK
#undef C_MLOAD
#undef C_MSTORE
#undef C_SWAP
#undef C_ADDSUB
