/*
 * signal_kernels.c -- the signal family's micro-kernels (signal_kernels.h)
 * and their registration in the kernel table: the portable reference first,
 * then the AVX2 + FMA and AVX-512 overrides, each compiled for its target
 * through __attribute__((target(...))) and registered only for the levels
 * the CPU has (the table of a level is filled only when fc_cpu_isa() reaches
 * it, csrc/core/dispatch.c).
 */
#include "signal_kernels.h"
#include "../util.h"

/* ------------------------------------------------------------------------ */
/* Reference: multiply, then add, in tap order (no fused multiply-add).      */
/* ------------------------------------------------------------------------ */

/* Output columns accumulated together: the accumulators stay in L1 while
 * every tap streams over them; the innermost loop is an axpy over
 * independent outputs, which the compiler vectorizes without reordering any
 * output's sum. */
#define FC_REF_COLS 256

#define FC_CORR_ROWS_REF(SFX, T)                                                       \
    static void corr_rows_##SFX##_ref(const T *const *rows, ptrdiff_t nrows,            \
                                      ptrdiff_t ncols, const T *w, ptrdiff_t wr,        \
                                      ptrdiff_t wc, T *out, ptrdiff_t ldo)              \
    {                                                                                   \
        T acc[FC_REF_COLS];                                                             \
        for (ptrdiff_t r = 0; r < nrows; ++r) {                                         \
            for (ptrdiff_t j0 = 0; j0 < ncols; j0 += FC_REF_COLS) {                     \
                const ptrdiff_t nj = ncols - j0 < FC_REF_COLS ? ncols - j0 : FC_REF_COLS; \
                for (ptrdiff_t j = 0; j < nj; ++j) {                                    \
                    acc[j] = 0;                                                         \
                }                                                                       \
                for (ptrdiff_t p = 0; p < wr; ++p) {                                    \
                    const T *xp = rows[r + p] + j0;                                     \
                    for (ptrdiff_t q = 0; q < wc; ++q) {                                \
                        const T wv = w[p * wc + q];                                     \
                        const T *xs = xp + q;                                           \
                        for (ptrdiff_t j = 0; j < nj; ++j) {                            \
                            acc[j] += wv * xs[j];                                       \
                        }                                                               \
                    }                                                                   \
                }                                                                       \
                T *orow = out + r * ldo + j0;                                           \
                for (ptrdiff_t j = 0; j < nj; ++j) {                                    \
                    orow[j] = acc[j];                                                   \
                }                                                                       \
            }                                                                           \
        }                                                                               \
    }

FC_CORR_ROWS_REF(f32, float)
FC_CORR_ROWS_REF(f64, double)

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define FC_SIGNAL_HAVE_X86 1
#include <immintrin.h>

/* ------------------------------------------------------------------------ */
/* AVX2 + FMA                                                                */
/* ------------------------------------------------------------------------ */

#define S_ATTR __attribute__((target("avx2,fma")))

/* The sum of a vector's lanes: halves added, then quarters, ... (the same
 * order on every call). */
S_ATTR static inline float fc_hsum256_ps(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

S_ATTR static inline double fc_hsum256_pd(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}

/* corr_dot's final sum (signal_kernels.h) from its four AVX2 accumulators:
 * a[0] | a[1] and a[2] | a[3] are the two 64-byte partial sums. */
S_ATTR static inline float fc_dot_sum_ps_avx2(const __m256 *a)
{
    return fc_hsum256_ps(_mm256_add_ps(_mm256_add_ps(a[0], a[2]), _mm256_add_ps(a[1], a[3])));
}

S_ATTR static inline double fc_dot_sum_pd_avx2(const __m256d *a)
{
    return fc_hsum256_pd(_mm256_add_pd(_mm256_add_pd(a[0], a[2]), _mm256_add_pd(a[1], a[3])));
}

#define S_VB 3    /* 12 accumulators + 3 input vectors + 1 tap: the 16 ymm */
#define S_VW 12
/* small kernels: S_SMALL_RB rows x S_SMALL_NV vectors, S_SMALL_NV1 vectors
 * of a single row; S_SMALL_NVMAX = the larger */
#define S_SMALL_RB 4
#define S_SMALL_NV 3
#define S_SMALL_NV1 8
#define S_SMALL_NVMAX 8
/* 5x5: the 25 taps do not fit the 16 ymm registers with the accumulators;
 * the general kernel is faster (measured on Zen 4 at this level: 1.5x) */
#define S_SMALL_5X5 0

#define S_NAME(x) x##_f32_avx2
#define S_T float
#define S_V __m256
#define S_L 8
#define S_LOADU(p) _mm256_loadu_ps(p)
#define S_SET1(x) _mm256_set1_ps(x)
#define S_ZERO() _mm256_setzero_ps()
#define S_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define S_STOREU(p, v) _mm256_storeu_ps(p, v)
#define S_MASK_T __m256i
#define S_MASK(n) \
    _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define S_MLOAD(p, m) _mm256_maskload_ps(p, m)
#define S_MSTORE(p, m, v) _mm256_maskstore_ps(p, m, v)
#define S_STREAM(p, v) _mm256_stream_ps(p, v)
#define S_MASK_RANGE(lo, hi) _mm256_andnot_si256(S_MASK(lo), S_MASK(hi))
#define S_MFMA(a, b, c, m) \
    _mm256_blendv_ps(c, _mm256_fmadd_ps(a, b, c), _mm256_castsi256_ps(m))
#define S_DOT_NB 2    /* 8 accumulators */
#define S_DOT_SUM(a) fc_dot_sum_ps_avx2(a)
#include "corr_dot_simd.template.c"    /* #undefs S_DOT_NB, S_DOT_SUM */
#include "corr_rows_simd.template.c"   /* #undefs its per-type macros */

#define S_NAME(x) x##_f64_avx2
#define S_T double
#define S_V __m256d
#define S_L 4
#define S_LOADU(p) _mm256_loadu_pd(p)
#define S_SET1(x) _mm256_set1_pd(x)
#define S_ZERO() _mm256_setzero_pd()
#define S_FMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define S_STOREU(p, v) _mm256_storeu_pd(p, v)
#define S_MASK_T __m256i
#define S_MASK(n) _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3))
#define S_MLOAD(p, m) _mm256_maskload_pd(p, m)
#define S_MSTORE(p, m, v) _mm256_maskstore_pd(p, m, v)
#define S_STREAM(p, v) _mm256_stream_pd(p, v)
#define S_MASK_RANGE(lo, hi) _mm256_andnot_si256(S_MASK(lo), S_MASK(hi))
#define S_MFMA(a, b, c, m) \
    _mm256_blendv_pd(c, _mm256_fmadd_pd(a, b, c), _mm256_castsi256_pd(m))
#define S_DOT_NB 2
#define S_DOT_SUM(a) fc_dot_sum_pd_avx2(a)
#include "corr_dot_simd.template.c"    /* #undefs S_DOT_NB, S_DOT_SUM */
#include "corr_rows_simd.template.c"   /* #undefs its per-type macros */

/* complex64 / complex128: 2 rows x 3 vectors, 12 accumulators + 4 (the 16 ymm) */
#define C_ATTR S_ATTR
#define C_RB 2
#define C_VB 3
#define C_NAME(x) x##_c64_avx2
#define C_T fc_c64
#define C_R float
#define C_V __m256
#define C_L 4
#define C_LOADU(p) _mm256_loadu_ps(p)
#define C_STOREU(p, v) _mm256_storeu_ps(p, v)
#define C_ZERO() _mm256_setzero_ps()
#define C_SET1(x) _mm256_set1_ps(x)
#define C_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define C_MASK_T __m256i
#define C_MASK(n) \
    _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * (n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define C_MLOAD(p, m) _mm256_maskload_ps(p, m)
#define C_MSTORE(p, m, v) _mm256_maskstore_ps(p, m, v)
#define C_SWAP(v) _mm256_permute_ps(v, 0xB1)
#define C_ADDSUB(a, b) _mm256_addsub_ps(a, b)
#include "corr_rows_complex_simd.template.c"   /* #undefs the per-type C_ macros */

#define C_NAME(x) x##_c128_avx2
#define C_T fc_c128
#define C_R double
#define C_V __m256d
#define C_L 2
#define C_LOADU(p) _mm256_loadu_pd(p)
#define C_STOREU(p, v) _mm256_storeu_pd(p, v)
#define C_ZERO() _mm256_setzero_pd()
#define C_SET1(x) _mm256_set1_pd(x)
#define C_FMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define C_MASK_T __m256i
#define C_MASK(n) _mm256_cmpgt_epi64(_mm256_set1_epi64x(2 * (n)), _mm256_setr_epi64x(0, 1, 2, 3))
#define C_MLOAD(p, m) _mm256_maskload_pd(p, m)
#define C_MSTORE(p, m, v) _mm256_maskstore_pd(p, m, v)
#define C_SWAP(v) _mm256_permute_pd(v, 0x5)
#define C_ADDSUB(a, b) _mm256_addsub_pd(a, b)
#include "corr_rows_complex_simd.template.c"
#undef C_ATTR
#undef C_RB
#undef C_VB

#undef S_ATTR
#undef S_VB
#undef S_VW
#undef S_SMALL_RB
#undef S_SMALL_NV
#undef S_SMALL_NV1
#undef S_SMALL_NVMAX
#undef S_SMALL_5X5

/* ------------------------------------------------------------------------ */
/* AVX-512 F/BW/DQ/VL (32 zmm registers: 16 accumulators in the 4-row block) */
/* ------------------------------------------------------------------------ */

#define S_ATTR __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

/* Lanes q.. of lo, then the first q lanes of hi (valignd / valignq need an
 * immediate: q is a constant wherever the small kernels call them). */
S_ATTR static inline __attribute__((always_inline)) __m512 fc_alignr_ps(__m512 hi, __m512 lo,
                                                                        int q)
{
    const __m512i h = _mm512_castps_si512(hi), l = _mm512_castps_si512(lo);
    switch (q) {
        case 1: return _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, 1));
        case 2: return _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, 2));
        case 3: return _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, 3));
        default: return _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, 4));
    }
}

S_ATTR static inline __attribute__((always_inline)) __m512d fc_alignr_pd(__m512d hi, __m512d lo,
                                                                         int q)
{
    const __m512i h = _mm512_castpd_si512(hi), l = _mm512_castpd_si512(lo);
    switch (q) {
        case 1: return _mm512_castsi512_pd(_mm512_alignr_epi64(h, l, 1));
        case 2: return _mm512_castsi512_pd(_mm512_alignr_epi64(h, l, 2));
        case 3: return _mm512_castsi512_pd(_mm512_alignr_epi64(h, l, 3));
        default: return _mm512_castsi512_pd(_mm512_alignr_epi64(h, l, 4));
    }
}

/* corr_dot's final sum (signal_kernels.h) from its two AVX-512
 * accumulators (the two 64-byte partial sums): added, then the halves, then
 * AVX2's tree (the same additions as fc_dot_sum_ps_avx2). */
S_ATTR static inline float fc_dot_sum_ps_avx512(const __m512 *a)
{
    const __m512 s = _mm512_add_ps(a[0], a[1]);
    return fc_hsum256_ps(_mm256_add_ps(_mm512_castps512_ps256(s), _mm512_extractf32x8_ps(s, 1)));
}

S_ATTR static inline double fc_dot_sum_pd_avx512(const __m512d *a)
{
    const __m512d s = _mm512_add_pd(a[0], a[1]);
    return fc_hsum256_pd(_mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1)));
}

#define S_VB 4
#define S_VW 16
#define S_SMALL_RB 8
#define S_SMALL_NV 2
#define S_SMALL_NV1 8
#define S_SMALL_NVMAX 8
#define S_SMALL_5X5 1

#define S_NAME(x) x##_f32_avx512
#define S_T float
#define S_V __m512
#define S_L 16
#define S_LOADU(p) _mm512_loadu_ps(p)
#define S_SET1(x) _mm512_set1_ps(x)
#define S_ZERO() _mm512_setzero_ps()
#define S_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define S_STOREU(p, v) _mm512_storeu_ps(p, v)
#define S_MASK_T __mmask16
#define S_MASK(n) ((__mmask16)((1u << (n)) - 1u))
#define S_MLOAD(p, m) _mm512_maskz_loadu_ps(m, p)
#define S_MSTORE(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define S_STREAM(p, v) _mm512_stream_ps(p, v)
#define S_ALIGNR(hi, lo, q) fc_alignr_ps(hi, lo, q)
#define S_MASK_RANGE(lo, hi) ((__mmask16)(S_MASK(hi) & ~S_MASK(lo)))
#define S_MFMA(a, b, c, m) _mm512_mask3_fmadd_ps(a, b, c, m)
#define S_DOT_NB 4    /* 8 accumulators */
#define S_DOT_SUM(a) fc_dot_sum_ps_avx512(a)
#include "corr_dot_simd.template.c"    /* #undefs S_DOT_NB, S_DOT_SUM */
#include "corr_rows_simd.template.c"   /* #undefs its per-type macros */

#define S_NAME(x) x##_f64_avx512
#define S_T double
#define S_V __m512d
#define S_L 8
#define S_LOADU(p) _mm512_loadu_pd(p)
#define S_SET1(x) _mm512_set1_pd(x)
#define S_ZERO() _mm512_setzero_pd()
#define S_FMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define S_STOREU(p, v) _mm512_storeu_pd(p, v)
#define S_MASK_T __mmask8
#define S_MASK(n) ((__mmask8)((1u << (n)) - 1u))
#define S_MLOAD(p, m) _mm512_maskz_loadu_pd(m, p)
#define S_MSTORE(p, m, v) _mm512_mask_storeu_pd(p, m, v)
#define S_STREAM(p, v) _mm512_stream_pd(p, v)
#define S_ALIGNR(hi, lo, q) fc_alignr_pd(hi, lo, q)
#define S_MASK_RANGE(lo, hi) ((__mmask8)(S_MASK(hi) & ~S_MASK(lo)))
#define S_MFMA(a, b, c, m) _mm512_mask3_fmadd_pd(a, b, c, m)
#define S_DOT_NB 4
#define S_DOT_SUM(a) fc_dot_sum_pd_avx512(a)
#include "corr_dot_simd.template.c"    /* #undefs S_DOT_NB, S_DOT_SUM */
#include "corr_rows_simd.template.c"   /* #undefs its per-type macros */

/* complex64 / complex128: 4 rows x 3 vectors, 24 accumulators + 4; addsub
 * as a fused multiply-add by one (exact product, one rounding: AVX2's bits) */
#define C_ATTR S_ATTR
#define C_RB 4
#define C_VB 3
#define C_NAME(x) x##_c64_avx512
#define C_T fc_c64
#define C_R float
#define C_V __m512
#define C_L 8
#define C_LOADU(p) _mm512_loadu_ps(p)
#define C_STOREU(p, v) _mm512_storeu_ps(p, v)
#define C_ZERO() _mm512_setzero_ps()
#define C_SET1(x) _mm512_set1_ps(x)
#define C_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define C_MASK_T __mmask16
#define C_MASK(n) ((__mmask16)((1u << (2 * (n))) - 1u))
#define C_MLOAD(p, m) _mm512_maskz_loadu_ps(m, p)
#define C_MSTORE(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define C_SWAP(v) _mm512_permute_ps(v, 0xB1)
#define C_ADDSUB(a, b) _mm512_fmaddsub_ps(a, _mm512_set1_ps(1.0f), b)
#include "corr_rows_complex_simd.template.c"

#define C_NAME(x) x##_c128_avx512
#define C_T fc_c128
#define C_R double
#define C_V __m512d
#define C_L 4
#define C_LOADU(p) _mm512_loadu_pd(p)
#define C_STOREU(p, v) _mm512_storeu_pd(p, v)
#define C_ZERO() _mm512_setzero_pd()
#define C_SET1(x) _mm512_set1_pd(x)
#define C_FMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define C_MASK_T __mmask8
#define C_MASK(n) ((__mmask8)((1u << (2 * (n))) - 1u))
#define C_MLOAD(p, m) _mm512_maskz_loadu_pd(m, p)
#define C_MSTORE(p, m, v) _mm512_mask_storeu_pd(p, m, v)
#define C_SWAP(v) _mm512_permute_pd(v, 0x55)
#define C_ADDSUB(a, b) _mm512_fmaddsub_pd(a, _mm512_set1_pd(1.0), b)
#include "corr_rows_complex_simd.template.c"
#undef C_ATTR
#undef C_RB
#undef C_VB

#undef S_ATTR
#undef S_VB
#undef S_VW
#undef S_SMALL_RB
#undef S_SMALL_NV
#undef S_SMALL_NV1
#undef S_SMALL_NVMAX
#undef S_SMALL_5X5
#endif /* x86 with GCC-style target attributes */

void fc_signal_kernels_init(fc_signal_kernels *t, fc_isa isa)
{
    t->corr_rows_f32 = corr_rows_f32_ref;
    t->corr_rows_f64 = corr_rows_f64_ref;
    t->corr_rows_stream_f32 = corr_rows_f32_ref;
    t->corr_rows_stream_f64 = corr_rows_f64_ref;
    t->corr_rows_edge_f32 = NULL;   /* the portable corr_row (its reference) */
    t->corr_rows_edge_f64 = NULL;
    t->corr_rows_c64 = NULL;        /* the portable corr_row */
    t->corr_rows_c128 = NULL;
    t->corr_dot_f32 = NULL;         /* the caller's corr_rows and edge kernels */
    t->corr_dot_f64 = NULL;
    t->lanes_f32 = 0;
    t->lanes_f64 = 0;
#ifdef FC_SIGNAL_HAVE_X86
    if (isa >= FC_ISA_AVX2) {
        t->corr_rows_f32 = corr_rows_f32_avx2;
        t->corr_rows_f64 = corr_rows_f64_avx2;
        t->corr_rows_stream_f32 = corr_rows_stream_f32_avx2;
        t->corr_rows_stream_f64 = corr_rows_stream_f64_avx2;
        t->corr_rows_edge_f32 = corr_rows_edge_f32_avx2;
        t->corr_rows_edge_f64 = corr_rows_edge_f64_avx2;
        t->corr_rows_c64 = corr_rows_c64_avx2;
        t->corr_rows_c128 = corr_rows_c128_avx2;
        t->corr_dot_f32 = corr_dot_f32_avx2;
        t->corr_dot_f64 = corr_dot_f64_avx2;
        t->lanes_f32 = 32 / sizeof(float);
        t->lanes_f64 = 32 / sizeof(double);
    }
    if (isa >= FC_ISA_AVX512) {
        t->corr_rows_f32 = corr_rows_f32_avx512;
        t->corr_rows_f64 = corr_rows_f64_avx512;
        t->corr_rows_stream_f32 = corr_rows_stream_f32_avx512;
        t->corr_rows_stream_f64 = corr_rows_stream_f64_avx512;
        t->corr_rows_edge_f32 = corr_rows_edge_f32_avx512;
        t->corr_rows_edge_f64 = corr_rows_edge_f64_avx512;
        t->corr_rows_c64 = corr_rows_c64_avx512;
        t->corr_rows_c128 = corr_rows_c128_avx512;
        t->corr_dot_f32 = corr_dot_f32_avx512;
        t->corr_dot_f64 = corr_dot_f64_avx512;
        t->lanes_f32 = 64 / sizeof(float);
        t->lanes_f64 = 64 / sizeof(double);
    }
#else
    (void)isa;
#endif
}
