/*
 * depthwise_kernels.c -- the depthwise kernels of the nn kernel table
 * (nn_kernels.h), for float32 and float64: the row micro-kernels (a scalar
 * reference and an AVX2 override), the plane kernels (AVX2 and AVX-512;
 * below) and grad_weight (a scalar reference, AVX2 and AVX-512).
 *
 * One call computes n outputs of one row of one channel,
 *
 *     y[j] = sum_{r < nr} sum_{q < kw}  w0[r*wrow_step + q] * x0[r*row_step + j*stride + q*tap_step]
 *
 * (+ *bias when bias is not NULL, added after the sum), the terms in
 * (r, q) order.  The direct kernels use it for the interior columns of a
 * depthwise layer (one input and one output channel per group): forward
 * with stride 1 or 2 (tap_step = dilation), grad_input with stride 1
 * (tap_step = -dilation, row_step < 0: the flipped correlation).
 * Contract: every index read is inside the caller's row data; n >= 0,
 * nr >= 0, kw >= 1.  Both round after every product and sum, exactly as
 * the generic direct loops do (same bits at every level: the direct
 * kernels equal fastconv.reference bit for bit in float64).  The AVX2
 * kernel vectorizes over j with 256-bit vectors: 4 vectors of
 * consecutive outputs per step, each tap's weight broadcast once and used
 * for all of them (stride 2: even elements of two loads; others gathered).
 */
#include <stddef.h>
#include <stdint.h>

#include "../util.h"
#include "nn_internal.h"
#include "nn_kernels.h"

/* The reference: blocks of FC_DW_BLOCK outputs whose accumulators take one
 * term of every tap in turn (the compiler vectorizes the loop over j
 * without reassociating any sum). */
#define FC_DW_BLOCK 128

#define FC_DW_REF(SFX, T)                                                                  \
    static void dw_row_##SFX(const T *x0, ptrdiff_t row_step, const T *w0,                 \
                             ptrdiff_t wrow_step, ptrdiff_t nr, ptrdiff_t kw,              \
                             ptrdiff_t tap_step, ptrdiff_t stride, ptrdiff_t n,            \
                             const T *bias, T *y)                                          \
    {                                                                                      \
        T acc[FC_DW_BLOCK];                                                                \
        for (ptrdiff_t j0 = 0; j0 < n; j0 += FC_DW_BLOCK) {                                \
            const ptrdiff_t nj = n - j0 < FC_DW_BLOCK ? n - j0 : FC_DW_BLOCK;              \
            for (ptrdiff_t j = 0; j < nj; ++j) {                                           \
                acc[j] = 0;                                                                \
            }                                                                              \
            for (ptrdiff_t r = 0; r < nr; ++r) {                                           \
                const T *xr = x0 + r * row_step + j0 * stride;                             \
                const T *wr = w0 + r * wrow_step;                                          \
                for (ptrdiff_t q = 0; q < kw; ++q) {                                       \
                    const T wv = wr[q];                                                    \
                    const T *xq = xr + q * tap_step;                                       \
                    if (stride == 1) {                                                     \
                        for (ptrdiff_t j = 0; j < nj; ++j) {                               \
                            acc[j] += wv * xq[j];                                          \
                        }                                                                  \
                    } else {                                                               \
                        for (ptrdiff_t j = 0; j < nj; ++j) {                               \
                            acc[j] += wv * xq[j * stride];                                 \
                        }                                                                  \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
            for (ptrdiff_t j = 0; j < nj; ++j) {                                           \
                y[j0 + j] = bias != NULL ? acc[j] + *bias : acc[j];                        \
            }                                                                              \
        }                                                                                  \
    }

FC_DW_REF(f32_ref, float)
FC_DW_REF(f64_ref, double)

/*
 * Depthwise grad_weight of one channel (nn_kernels.h, fc_dw_gw_*), the
 * reference: lane j % L of a tap takes the terms of output column j, in
 * (b, i, j) order; the lanes are summed in order at the end.  The images
 * outside the channels, so that each image's nch planes are read in
 * memory order (the order of one tap's terms is the same).
 */
#define FC_DW_GW_REF(SFX, T, L)                                                            \
    static void dw_gw_##SFX(const fc_conv2d_shape *s, const T *x, const T *dy, T *dw,      \
                            ptrdiff_t nch)                                                 \
    {                                                                                      \
        const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw;                            \
        const ptrdiff_t sw = s->stride_w, dl = s->dil_w, w_in = s->w_in, w_out = s->w_out; \
        const ptrdiff_t x_image = s->c_in * s->h_in * w_in;                                \
        const ptrdiff_t dy_image = s->c_out * s->h_out * w_out;                            \
        const ptrdiff_t in_plane = s->h_in * w_in, out_plane = s->h_out * w_out;           \
        T lane[FC_DW_GW_CHANNELS][FC_DW_GW_MAX_TAPS][L];                                   \
        for (ptrdiff_t c = 0; c < nch; ++c) {                                              \
            for (ptrdiff_t t = 0; t < taps; ++t) {                                         \
                for (int l = 0; l < L; ++l) {                                              \
                    lane[c][t][l] = 0;                                                     \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
        for (ptrdiff_t b = 0; b < s->n; ++b) {                                             \
            for (ptrdiff_t c = 0; c < nch; ++c) {                                          \
                for (ptrdiff_t i = 0; i < s->h_out; ++i) {                                 \
                    const ptrdiff_t top = i * s->stride_h - s->pad_h;                      \
                    const T *dyrow = dy + b * dy_image + c * out_plane + i * w_out;        \
                    ptrdiff_t r_lo, r_hi;                                                  \
                    fc_inside(top, s->dil_h, s->h_in, kh, &r_lo, &r_hi);                   \
                    for (ptrdiff_t r = r_lo; r < r_hi; ++r) {                              \
                        const T *xrow = x + b * x_image + c * in_plane                     \
                                        + (top + r * s->dil_h) * w_in;                     \
                        for (ptrdiff_t q = 0; q < kw; ++q) {                               \
                            const ptrdiff_t off = q * dl - s->pad_w;                       \
                            T *lt = lane[c][r * kw + q];                                   \
                            ptrdiff_t lo, hi;                                              \
                            fc_inside(off, sw, w_in, w_out, &lo, &hi);                     \
                            for (ptrdiff_t j = lo; j < hi; ++j) {                          \
                                lt[j % L] += dyrow[j] * xrow[j * sw + off];                \
                            }                                                              \
                        }                                                                  \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
        for (ptrdiff_t c = 0; c < nch; ++c) {                                              \
            for (ptrdiff_t t = 0; t < taps; ++t) {                                         \
                T sum = 0;                                                                 \
                for (int l = 0; l < L; ++l) {                                              \
                    sum += lane[c][t][l];                                                  \
                }                                                                          \
                dw[c * taps + t] = sum;                                                    \
            }                                                                              \
        }                                                                                  \
    }

FC_DW_GW_REF(f32_ref, float, FC_DW_GW_LANES_F32)
FC_DW_GW_REF(f64_ref, double, FC_DW_GW_LANES_F64)

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define FC_DW_HAVE_AVX2 1
#include <immintrin.h>

#define FC_AVX2 __attribute__((target("avx2,fma")))

/*
 * The AVX2 kernel for one element type: V vector type, L lanes, LOAD /
 * EVENS / GATHER / SET1 / FMA (acc + w*x) / ADD / STORE / ZERO its
 * operations, FMAS the scalar multiply-add of the tail.
 */
#define FC_DW_AVX2(SFX, T, V, L, LOADU, EVENS, GATHER, SET1, FMA, ADD, STOREU, ZERO, FMAS) \
    FC_AVX2 static void dw_row_##SFX(const T *x0, ptrdiff_t row_step, const T *w0,         \
                                     ptrdiff_t wrow_step, ptrdiff_t nr, ptrdiff_t kw,      \
                                     ptrdiff_t tap_step, ptrdiff_t stride, ptrdiff_t n,    \
                                     const T *bias, T *y)                                  \
    {                                                                                      \
        __m128i idx4 = _mm_setr_epi32(0, (int)stride, (int)(2 * stride), (int)(3 * stride)); \
        __m256i idx8 = _mm256_setr_epi32(0, (int)stride, (int)(2 * stride),                \
                                          (int)(3 * stride), (int)(4 * stride),            \
                                          (int)(5 * stride), (int)(6 * stride),            \
                                          (int)(7 * stride));                              \
        (void)idx4;                                                                        \
        (void)idx8;                                                                        \
        /* stride 2 reads one element past its last input: only while a later              \
         * output (whose inputs are inside) exists */                                      \
        const ptrdiff_t extra = stride == 2 ? 1 : 0;                                       \
        ptrdiff_t j = 0;                                                                   \
        for (; j + 4 * L + extra <= n; j += 4 * L) {                                       \
            V a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;                                  \
            for (ptrdiff_t r = 0; r < nr; ++r) {                                           \
                const T *xr = x0 + r * row_step + j * stride;                              \
                const T *wr = w0 + r * wrow_step;                                          \
                for (ptrdiff_t q = 0; q < kw; ++q) {                                       \
                    const V wv = SET1(wr[q]);                                              \
                    const T *p = xr + q * tap_step;                                        \
                    if (stride == 1) {                                                     \
                        a0 = FMA(wv, LOADU(p), a0);                                        \
                        a1 = FMA(wv, LOADU(p + L), a1);                                    \
                        a2 = FMA(wv, LOADU(p + 2 * L), a2);                                \
                        a3 = FMA(wv, LOADU(p + 3 * L), a3);                                \
                    } else if (stride == 2) {                                              \
                        a0 = FMA(wv, EVENS(p), a0);                                        \
                        a1 = FMA(wv, EVENS(p + 2 * L), a1);                                \
                        a2 = FMA(wv, EVENS(p + 4 * L), a2);                                \
                        a3 = FMA(wv, EVENS(p + 6 * L), a3);                                \
                    } else {                                                               \
                        a0 = FMA(wv, GATHER(p), a0);                                       \
                        a1 = FMA(wv, GATHER(p + L * stride), a1);                          \
                        a2 = FMA(wv, GATHER(p + 2 * L * stride), a2);                      \
                        a3 = FMA(wv, GATHER(p + 3 * L * stride), a3);                      \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
            if (bias != NULL) {                                                            \
                const V bv = SET1(*bias);                                                  \
                a0 = ADD(a0, bv);                                                          \
                a1 = ADD(a1, bv);                                                          \
                a2 = ADD(a2, bv);                                                          \
                a3 = ADD(a3, bv);                                                          \
            }                                                                              \
            STOREU(y + j, a0);                                                             \
            STOREU(y + j + L, a1);                                                         \
            STOREU(y + j + 2 * L, a2);                                                     \
            STOREU(y + j + 3 * L, a3);                                                     \
        }                                                                                  \
        for (; j + L + extra <= n; j += L) {                                               \
            V a0 = ZERO;                                                                   \
            for (ptrdiff_t r = 0; r < nr; ++r) {                                           \
                const T *xr = x0 + r * row_step + j * stride;                              \
                const T *wr = w0 + r * wrow_step;                                          \
                for (ptrdiff_t q = 0; q < kw; ++q) {                                       \
                    const T *p = xr + q * tap_step;                                        \
                    a0 = FMA(SET1(wr[q]),                                                  \
                             stride == 1 ? LOADU(p) : stride == 2 ? EVENS(p) : GATHER(p), a0); \
                }                                                                          \
            }                                                                              \
            if (bias != NULL) {                                                            \
                a0 = ADD(a0, SET1(*bias));                                                 \
            }                                                                              \
            STOREU(y + j, a0);                                                             \
        }                                                                                  \
        for (; j < n; ++j) {                                                               \
            T acc = 0;                                                                     \
            for (ptrdiff_t r = 0; r < nr; ++r) {                                           \
                const T *xr = x0 + r * row_step + j * stride;                              \
                const T *wr = w0 + r * wrow_step;                                          \
                for (ptrdiff_t q = 0; q < kw; ++q) {                                       \
                    acc = FMAS(wr[q], xr[q * tap_step], acc);                              \
                }                                                                          \
            }                                                                              \
            y[j] = bias != NULL ? acc + *bias : acc;                                       \
        }                                                                                  \
    }

#define FC_GATHER_PS(p) _mm256_i32gather_ps((p), idx8, 4)
#define FC_GATHER_PD(p) _mm256_i32gather_pd((p), idx4, 8)

/* acc + w*x with a rounding after the product and after the sum (no
 * fusion: ISO C mode does not contract these into FMA), so that every lane
 * does the reference's arithmetic */
#define FC_MADD_PS(w, x, acc) _mm256_add_ps((acc), _mm256_mul_ps((w), (x)))
#define FC_MADD_PD(w, x, acc) _mm256_add_pd((acc), _mm256_mul_pd((w), (x)))
#define FC_MADDS(w, x, acc) ((acc) + (w) * (x))

/* p[0], p[2], ..., p[2L - 2] from two loads (reads p[2L - 1] too) */
FC_AVX2 static inline __m256 evens_ps(const float *p)
{
    const __m256 t = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8),
                                       _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}

FC_AVX2 static inline __m256d evens_pd(const double *p)
{
    const __m256d t = _mm256_unpacklo_pd(_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4));
    return _mm256_permute4x64_pd(t, _MM_SHUFFLE(3, 1, 2, 0));
}

FC_DW_AVX2(f32_avx2, float, __m256, 8, _mm256_loadu_ps, evens_ps, FC_GATHER_PS, _mm256_set1_ps,
           FC_MADD_PS, _mm256_add_ps, _mm256_storeu_ps, _mm256_setzero_ps(), FC_MADDS)
FC_DW_AVX2(f64_avx2, double, __m256d, 4, _mm256_loadu_pd, evens_pd, FC_GATHER_PD, _mm256_set1_pd,
           FC_MADD_PD, _mm256_add_pd, _mm256_storeu_pd, _mm256_setzero_pd(), FC_MADDS)


/*
 * The plane kernels (nn_kernels.h, fc_dw_plane_*), one template for AVX-512
 * and AVX2 (instantiated below the AVX2 helpers): one channel of
 * one image per call, edges included.  Every tap's terms go to the lanes
 * whose input column is inside the row through a masked load (masked-off
 * elements are not read) and a masked add (masked-off lanes keep their
 * sum: the term is skipped, as in the generic loops, not added as zero).
 * Rows are taken 4 at a time where every kernel row is inside the input
 * (8 independent sums: 4 rows x 2 vectors of columns), one at a time at
 * the top and bottom edges.  Products and sums rounded separately.
 */
#define FC_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

/* prefetch the cache lines of a row of `bytes` bytes, FC_DW_PREFETCH bytes
 * ahead of it (a hint: never faults) */
#ifndef FC_DW_PREFETCH
#define FC_DW_PREFETCH 2048
#endif
static inline void dw_prefetch_row(const void *row, ptrdiff_t bytes)
{
    const char *p = (const char *)row + FC_DW_PREFETCH;
    for (ptrdiff_t k = 0; k < bytes; k += 64) {
        __builtin_prefetch(p + k, 0, 3);
    }
}

/* grad_weight: the lane masks of the chunk of vl columns from j0, tap
 * column q's in-range columns being [lo[q], hi[q]): am[q] its lanes, lm[q]
 * the elements its loads read (stride 2: elements 2a .. 2e - 2 of two
 * vectors; the odd ones between them are inside the row too) */
#define FC_DW_GW_MASK_CHUNKS 8
static inline void dw_gw_masks(const ptrdiff_t *lo, const ptrdiff_t *hi, ptrdiff_t kw,
                               ptrdiff_t sw, ptrdiff_t j0, ptrdiff_t vl, uint32_t *am,
                               uint32_t *lm)
{
    for (ptrdiff_t q = 0; q < kw; ++q) {
        const ptrdiff_t a = fc_max(lo[q] - j0, 0), e = fc_min(hi[q] - j0, vl);
        am[q] = fc_lane_bits(a, e);
        lm[q] = sw == 1 ? am[q] : fc_lane_bits(2 * a, 2 * e - 1);
    }
}

/* is every kernel row of output row i inside the input plane? */
static inline int dw_plane_row_full(const fc_dw_plane *p, ptrdiff_t i)
{
    const ptrdiff_t first = i * p->stride_h + p->row0;
    const ptrdiff_t last = first + (p->kh - 1) * p->row_step;
    return first >= 0 && first < p->h_in && last >= 0 && last < p->h_in;
}

#define FC_DW_PLANE(SFX, TARGET, T, V, L, M, MBITS, LOADZ, MUL, MASK_ADD, ADD, SET1, ZERO,  \
                    EVENS2, MSTORE)                                                         \
    /* the masked input vector of one tap: columns p[0], p[sw], ... */                      \
    TARGET static inline V dw_plane_load_##SFX(const T *ptr, ptrdiff_t sw, M m0, M m1)      \
    {                                                                                       \
        if (sw == 1) {                                                                      \
            return LOADZ(m0, ptr);                                                          \
        }                                                                                   \
        return EVENS2(LOADZ(m0, ptr), LOADZ(m1, ptr + L));                                  \
    }                                                                                       \
                                                                                            \
    /* R output rows from i (kernel rows [r_lo, r_hi) inside for all of them), the 2        \
     * vectors of columns from j0 */                                                        \
    TARGET static inline __attribute__((always_inline)) void dw_plane_rows_##SFX(           \
        const fc_dw_plane *p, const T *in, const T *w, const T *bias, T *out, ptrdiff_t i,  \
        const int R, ptrdiff_t r_lo, ptrdiff_t r_hi, ptrdiff_t j0, M (*addm)[2],            \
        M (*ld0)[2], M (*ld1)[2], const M *sm)                                              \
    {                                                                                       \
        const ptrdiff_t kw = p->kw, sw = p->stride_w, w_in = p->w_in;                       \
        V acc[4][2];                                                                        \
        for (int k = 0; k < R; ++k) {                                                       \
            acc[k][0] = ZERO;                                                               \
            acc[k][1] = ZERO;                                                               \
        }                                                                                   \
        for (ptrdiff_t r = r_lo; r < r_hi; ++r) {                                           \
            const T *rows[4];                                                               \
            for (int k = 0; k < R; ++k) {                                                   \
                rows[k] = in + ((i + k) * p->stride_h + p->row0 + r * p->row_step) * w_in   \
                          + j0 * sw + p->col0;                                              \
            }                                                                               \
            for (ptrdiff_t q = 0; q < kw; ++q) {                                            \
                const V wv = SET1(w[r * kw + q]);                                           \
                const ptrdiff_t off = q * p->col_step;                                      \
                for (int k = 0; k < R; ++k) {                                               \
                    for (int v = 0; v < 2; ++v) {                                           \
                        const V xv = dw_plane_load_##SFX(rows[k] + off + v * L * sw, sw,    \
                                                         ld0[q][v], ld1[q][v]);             \
                        acc[k][v] = MASK_ADD(acc[k][v], addm[q][v], acc[k][v], MUL(wv, xv)); \
                    }                                                                       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
        for (int k = 0; k < R; ++k) {                                                       \
            for (int v = 0; v < 2; ++v) {                                                   \
                const V res = bias != NULL ? ADD(acc[k][v], SET1(*bias)) : acc[k][v];       \
                MSTORE(out + (i + k) * p->w_out + j0 + v * L, sm[v], res);                  \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    /* R (<= 4) output rows from i of a 3x3 kernel with stride_h 1 and row_step          \
     * +-1: each input row (d, in the direction of row_step) loaded once per tap          \
     * column and used for the up to 3 output rows that read it; output row k gets        \
     * kernel row r = e - kk at step e (kk = k, or R - 1 - k going upwards): r            \
     * ascending.  Input rows outside the plane are skipped with their terms (the         \
     * top and bottom edges).  whole: every element the loads read is inside the          \
     * plane (the lanes outside the row are still left out by the masked add).            \
     * Called with constant R, up, sw and whole where it matters (dw_plane_3x3). */       \
    TARGET static inline __attribute__((always_inline)) void dw_plane_rows_3x3_##SFX(       \
        const fc_dw_plane *p, const T *in, const T *w, const T *bias, T *out, ptrdiff_t i,  \
        ptrdiff_t j0, M (*addm)[2], M (*ld0)[2], M (*ld1)[2], const M *sm, const int R,     \
        const int up, const ptrdiff_t sw, const int whole)                                  \
    {                                                                                       \
        const ptrdiff_t w_in = p->w_in, top = i + p->row0;                                  \
        V acc[4][2];                                                                        \
        for (int k = 0; k < R; ++k) {                                                       \
            acc[k][0] = ZERO;                                                               \
            acc[k][1] = ZERO;                                                               \
        }                                                                                   \
        _Pragma("GCC unroll 8")                                                             \
        for (int e = 0; e < R + 2; ++e) {                                                   \
            const ptrdiff_t d = up ? R - 1 - e : e;                                         \
            if (top + d < 0 || top + d >= p->h_in) {                                        \
                continue;                                                                   \
            }                                                                               \
            const T *row = in + (top + d) * w_in + j0 * sw + p->col0;                       \
            _Pragma("GCC unroll 4")                                                         \
            for (int q = 0; q < 3; ++q) {                                                   \
                const T *ptr = row + q * p->col_step;                                       \
                const M all = MBITS(~0u);                                                   \
                const V x0 = dw_plane_load_##SFX(ptr, sw, whole ? all : ld0[q][0],          \
                                                 whole ? all : ld1[q][0]);                  \
                const V x1 = dw_plane_load_##SFX(ptr + L * sw, sw, whole ? all : ld0[q][1], \
                                                 whole ? all : ld1[q][1]);                  \
                _Pragma("GCC unroll 4")                                                     \
                for (int k = 0; k < R; ++k) {                                               \
                    const int r = e - (up ? R - 1 - k : k);                                 \
                    if (r >= 0 && r < 3) {                                                  \
                        const V wv = SET1(w[r * 3 + q]);                                    \
                        acc[k][0] = MASK_ADD(acc[k][0], addm[q][0], acc[k][0], MUL(wv, x0)); \
                        acc[k][1] = MASK_ADD(acc[k][1], addm[q][1], acc[k][1], MUL(wv, x1)); \
                    }                                                                       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
        for (int k = 0; k < R; ++k) {                                                       \
            for (int v = 0; v < 2; ++v) {                                                   \
                const V res = bias != NULL ? ADD(acc[k][v], SET1(*bias)) : acc[k][v];       \
                MSTORE(out + (i + k) * p->w_out + j0 + v * L, sm[v], res);                  \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    /* the 3x3 kernels with stride_h 1 and row_step +-1, every output row by                \
     * dw_plane_rows_3x3 in blocks of 4 (the last one shorter), the common case             \
     * (stride_w 1, blocks of 4) with constant arguments */                                 \
    TARGET static void dw_plane_3x3_##SFX(const fc_dw_plane *p, const T *in, const T *w,    \
                                         const T *bias, T *out, ptrdiff_t j0,               \
                                         M (*addm)[2], M (*ld0)[2], M (*ld1)[2],            \
                                         const M *sm)                                       \
    {                                                                                       \
        const ptrdiff_t sw = p->stride_w, cs = p->col_step;                                 \
        const int up = p->row_step < 0;                                                     \
        for (ptrdiff_t i = 0; i < p->h_out; i += 4) {                                       \
            const int R = (int)fc_min(4, p->h_out - i);                                     \
            /* the input rows inside the plane, [d_lo, d_hi] from i + row0 */               \
            const ptrdiff_t top = i + p->row0;                                              \
            const ptrdiff_t d_lo = fc_max(up ? -2 : 0, -top);                               \
            const ptrdiff_t d_hi = fc_min(up ? R - 1 : R + 1, p->h_in - 1 - top);           \
            const ptrdiff_t first = (top + d_lo) * p->w_in + j0 * sw + p->col0              \
                                    + fc_min(0, 2 * cs);                                    \
            const ptrdiff_t last = (top + d_hi) * p->w_in + j0 * sw + p->col0               \
                                   + fc_max(0, 2 * cs) + 2 * L * sw;                        \
            const int whole = d_lo <= d_hi && first >= 0 && last <= p->h_in * p->w_in;      \
            if (sw == 1 && R == 4) {   /* the common case: constant arguments */            \
                if (up && whole) {                                                          \
                    dw_plane_rows_3x3_##SFX(p, in, w, bias, out, i, j0, addm, ld0, ld1,     \
                                            sm, 4, 1, 1, 1);                                \
                } else if (up) {                                                            \
                    dw_plane_rows_3x3_##SFX(p, in, w, bias, out, i, j0, addm, ld0, ld1,     \
                                            sm, 4, 1, 1, 0);                                \
                } else if (whole) {                                                         \
                    dw_plane_rows_3x3_##SFX(p, in, w, bias, out, i, j0, addm, ld0, ld1,     \
                                            sm, 4, 0, 1, 1);                                \
                } else {                                                                    \
                    dw_plane_rows_3x3_##SFX(p, in, w, bias, out, i, j0, addm, ld0, ld1,     \
                                            sm, 4, 0, 1, 0);                                \
                }                                                                           \
            } else {                                                                        \
                dw_plane_rows_3x3_##SFX(p, in, w, bias, out, i, j0, addm, ld0, ld1, sm, R,  \
                                        up, sw, whole);                                     \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    TARGET static void dw_plane_##SFX(const fc_dw_plane *p, const T *in, const T *w,        \
                                         const T *bias, T *out)                             \
    {                                                                                       \
        const ptrdiff_t kw = p->kw, sw = p->stride_w, w_out = p->w_out;                     \
        M addm[FC_DW_PLANE_MAX_KW][2], ld0[FC_DW_PLANE_MAX_KW][2], ld1[FC_DW_PLANE_MAX_KW][2]; \
        M sm[2];                                                                            \
        const int shared = p->kh == 3 && kw == 3 && p->stride_h == 1                        \
                           && (p->row_step == 1 || p->row_step == -1);                      \
        for (ptrdiff_t j0 = 0; j0 < w_out; j0 += 2 * L) {                                   \
            for (int v = 0; v < 2; ++v) {                                                   \
                const ptrdiff_t first = j0 + v * L;   /* column of lane 0 */                \
                sm[v] = MBITS(fc_lane_bits(0, fc_min(w_out - first, L)));                   \
                for (ptrdiff_t q = 0; q < kw; ++q) {                                        \
                    ptrdiff_t lo, hi;                                                       \
                    fc_inside(p->col0 + q * p->col_step, sw, p->w_in, w_out, &lo, &hi);     \
                    const ptrdiff_t a = fc_max(lo - first, 0), b = fc_min(hi - first, L);   \
                    addm[q][v] = MBITS(fc_lane_bits(a, b));                                 \
                    /* stride 2: elements 2a .. 2b - 2 of the two loads (the odd            \
                     * ones between them are inside the row too) */                         \
                    const uint32_t e = sw == 1 ? fc_lane_bits(a, b) : fc_lane_bits(2 * a, 2 * b - 1); \
                    ld0[q][v] = MBITS(e & ((1u << L) - 1u));                                \
                    ld1[q][v] = MBITS(sw == 1 ? 0 : e >> L);                                \
                }                                                                           \
            }                                                                               \
            if (shared) {                                                                   \
                dw_plane_3x3_##SFX(p, in, w, bias, out, j0, addm, ld0, ld1, sm);            \
                continue;                                                                   \
            }                                                                               \
            ptrdiff_t i = 0;                                                                \
            while (i < p->h_out) {                                                          \
                if (i + 4 <= p->h_out && dw_plane_row_full(p, i)                            \
                    && dw_plane_row_full(p, i + 3)) {                                       \
                    dw_plane_rows_##SFX(p, in, w, bias, out, i, 4, 0, p->kh, j0, addm, ld0, \
                                        ld1, sm);                                           \
                    i += 4;                                                                 \
                    continue;                                                               \
                }                                                                           \
                /* kernel rows inside: a contiguous range */                                \
                ptrdiff_t r_lo = 0, r_hi = 0;                                               \
                for (ptrdiff_t r = 0; r < p->kh; ++r) {                                     \
                    const ptrdiff_t row = i * p->stride_h + p->row0 + r * p->row_step;      \
                    if (row >= 0 && row < p->h_in) {                                        \
                        r_lo = r_hi > r_lo ? r_lo : r;                                      \
                        r_hi = r + 1;                                                       \
                    }                                                                       \
                }                                                                           \
                dw_plane_rows_##SFX(p, in, w, bias, out, i, 1, r_lo, r_hi, j0, addm, ld0,   \
                                    ld1, sm);                                               \
                ++i;                                                                        \
            }                                                                               \
        }                                                                                   \
    }

#define FC_EVENS2_PS(a, b)                                                                 \
    _mm512_permutex2var_ps((a),                                                            \
                           _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, \
                                             26, 28, 30),                                  \
                           (b))
#define FC_EVENS2_PD(a, b)                                                                 \
    _mm512_permutex2var_pd((a), _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), (b))
#define FC_LOADZ_PS(m, p) _mm512_maskz_loadu_ps((m), (p))
#define FC_LOADZ_PD(m, p) _mm512_maskz_loadu_pd((m), (p))

#define FC_MBITS16(bits) ((__mmask16)(bits))
#define FC_MBITS8(bits) ((__mmask8)(bits))

FC_DW_PLANE(f32_avx512, FC_AVX512, float, __m512, 16, __mmask16, FC_MBITS16, FC_LOADZ_PS,
            _mm512_mul_ps, _mm512_mask_add_ps, _mm512_add_ps, _mm512_set1_ps,
            _mm512_setzero_ps(), FC_EVENS2_PS, _mm512_mask_storeu_ps)
FC_DW_PLANE(f64_avx512, FC_AVX512, double, __m512d, 8, __mmask8, FC_MBITS8, FC_LOADZ_PD,
            _mm512_mul_pd, _mm512_mask_add_pd, _mm512_add_pd, _mm512_set1_pd,
            _mm512_setzero_pd(), FC_EVENS2_PD, _mm512_mask_storeu_pd)

/*
 * The flat kernels (nn_kernels.h, fc_dw_flat_*), AVX-512.  dw_flat_masks
 * fills mask[v*taps + t] with the lanes of vector v (positions v*L ..
 * v*L + L - 1 of the flattened output plane) whose input of tap t is inside
 * the plane: the rows that tap reaches are one range of positions, its
 * columns one range in each row the vector spans.  Then every plane is
 * summed FC_DW_FLAT_BLOCK vectors at a time (independent sums), tap after
 * tap, each term a masked load, a product and a masked add (masked-off
 * lanes are neither read nor changed: the term is skipped), so each output
 * gets the plane kernel's terms in its (r, q) order with its roundings.
 */
#define FC_DW_FLAT_BLOCK 8

static void dw_flat_masks(const fc_dw_plane *p, ptrdiff_t lanes, uint16_t *mask, ptrdiff_t *off)
{
    const ptrdiff_t kw = p->kw, taps = p->kh * kw, w = p->w_out;
    const ptrdiff_t n = p->h_out * w, nvec = (n + lanes - 1) / lanes;
    for (ptrdiff_t t = 0; t < taps; ++t) {
        const ptrdiff_t r = t / kw, q = t % kw;
        ptrdiff_t i_lo, i_hi, j_lo, j_hi;   /* output rows, columns whose input is inside */
        fc_inside(p->row0 + r * p->row_step, 1, p->h_in, p->h_out, &i_lo, &i_hi);
        fc_inside(p->col0 + q * p->col_step, 1, p->w_in, w, &j_lo, &j_hi);
        off[t] = (p->row0 + r * p->row_step) * p->w_in + p->col0 + q * p->col_step;
        for (ptrdiff_t v = 0; v < nvec; ++v) {
            const ptrdiff_t first = v * lanes;
            uint32_t bits = 0;
            if (i_lo < i_hi && j_lo < j_hi) {
                /* the rows of the vector's positions, clipped to [i_lo, i_hi) */
                const ptrdiff_t row_a = fc_max(first / w, i_lo);
                const ptrdiff_t row_b = fc_min((first + lanes - 1) / w + 1, i_hi);
                for (ptrdiff_t i = row_a; i < row_b; ++i) {
                    bits |= fc_lane_bits(i * w + j_lo - first, i * w + j_hi - first);
                }
            }
            mask[v * taps + t] = (uint16_t)(bits & fc_lane_bits(0, fc_min(lanes, n - first)));
        }
    }
}

#define FC_DW_FLAT(SFX, T, V, L, M, LOADZ, MUL, MASK_ADD, ADD, SET1, ZERO, STOREU, MSTORE)  \
    /* nb (<= FC_DW_FLAT_BLOCK) vectors from v0 of one plane; taps a constant for 3x3 */    \
    FC_AVX512 static inline __attribute__((always_inline)) void dw_flat_block_##SFX(        \
        const T *x, const T *w, const T *bias, T *y, const uint16_t *mask, const ptrdiff_t *off,\
        const ptrdiff_t taps, ptrdiff_t n, ptrdiff_t v0, const int nb)                      \
    {                                                                                       \
        V acc[FC_DW_FLAT_BLOCK];                                                            \
        for (int b = 0; b < nb; ++b) {                                                      \
            acc[b] = ZERO;                                                                  \
        }                                                                                   \
        for (ptrdiff_t t = 0; t < taps; ++t) {                                              \
            const V wv = SET1(w[t]);                                                        \
            const T *xt = x + off[t] + v0 * L;                                              \
            for (int b = 0; b < nb; ++b) {                                                  \
                const M m = (M)mask[(v0 + b) * taps + t];                                   \
                acc[b] = MASK_ADD(acc[b], m, acc[b], MUL(wv, LOADZ(m, xt + b * L)));        \
            }                                                                               \
        }                                                                                   \
        for (int b = 0; b < nb; ++b) {                                                      \
            const V res = bias != NULL ? ADD(acc[b], SET1(*bias)) : acc[b];                 \
            const ptrdiff_t first = (v0 + b) * L;                                           \
            if (first + L <= n) {                                                           \
                STOREU(y + first, res);                                                     \
            } else {                                                                        \
                MSTORE(y + first, (M)fc_lane_bits(0, n - first), res);                      \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    FC_AVX512 static inline __attribute__((always_inline)) void dw_flat_plane_##SFX(        \
        const T *x, const T *w, const T *bias, T *y, const uint16_t *mask, const ptrdiff_t *off,\
        const ptrdiff_t taps, ptrdiff_t n)                                                  \
    {                                                                                       \
        const ptrdiff_t nvec = (n + L - 1) / L;                                             \
        ptrdiff_t v0 = 0;                                                                   \
        for (; v0 + FC_DW_FLAT_BLOCK <= nvec; v0 += FC_DW_FLAT_BLOCK) {                     \
            dw_flat_block_##SFX(x, w, bias, y, mask, off, taps, n, v0, FC_DW_FLAT_BLOCK);   \
        }                                                                                   \
        /* the last vectors in blocks of 4, 2, 1: constant sizes keep the sums in           \
         * registers */                                                                     \
        _Pragma("GCC unroll 4")                                                             \
        for (int nb = FC_DW_FLAT_BLOCK / 2; nb >= 1; nb /= 2) {                             \
            if (nvec - v0 >= nb) {                                                          \
                dw_flat_block_##SFX(x, w, bias, y, mask, off, taps, n, v0, nb);             \
                v0 += nb;                                                                   \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    FC_AVX512 static void dw_flat_##SFX(const fc_dw_plane *p, const T *in, const T *w,      \
                                        const T *bias, T *out, ptrdiff_t pl0, ptrdiff_t pl1,\
                                        ptrdiff_t groups)                                   \
    {                                                                                       \
        const ptrdiff_t taps = p->kh * p->kw, n = p->h_out * p->w_out;                      \
        const ptrdiff_t in_plane = p->h_in * p->w_in;                                       \
        uint16_t mask[FC_DW_FLAT_MAX_MASKS];                                                \
        ptrdiff_t off[FC_DW_FLAT_MAX_TAPS];                                                 \
        dw_flat_masks(p, L, mask, off);                                                     \
        for (ptrdiff_t pl = pl0; pl < pl1; ++pl) {                                          \
            const ptrdiff_t g = pl % groups;                                                \
            const T *x = in + pl * in_plane, *wg = w + g * taps;                            \
            const T *bg = bias != NULL ? bias + g : NULL;                                   \
            if (taps == 9) {                                                                \
                dw_flat_plane_##SFX(x, wg, bg, out + pl * n, mask, off, 9, n);              \
            } else {                                                                        \
                dw_flat_plane_##SFX(x, wg, bg, out + pl * n, mask, off, taps, n);           \
            }                                                                               \
        }                                                                                   \
    }

FC_DW_FLAT(f32_avx512, float, __m512, 16, __mmask16, FC_LOADZ_PS, _mm512_mul_ps,
           _mm512_mask_add_ps, _mm512_add_ps, _mm512_set1_ps, _mm512_setzero_ps(),
           _mm512_storeu_ps, _mm512_mask_storeu_ps)
FC_DW_FLAT(f64_avx512, double, __m512d, 8, __mmask8, FC_LOADZ_PD, _mm512_mul_pd,
           _mm512_mask_add_pd, _mm512_add_pd, _mm512_set1_pd, _mm512_setzero_pd(),
           _mm512_storeu_pd, _mm512_mask_storeu_pd)

/*
 * The vector depthwise grad_weight (AVX2 and AVX-512): the reference's L
 * lanes of a tap as NH accumulators of VL lanes (L = NH * VL), output
 * column j's term added to lane j % L by a masked load of the input
 * (masked-off elements are not read) and a masked add (the lanes whose
 * input column is outside the row keep their sum); dy's vector loaded once
 * per chunk and used for every tap.  body is inlined with the kernel size
 * as constants for 3x3 (accumulators in registers) and as variables
 * otherwise.  LOADM(p, bits) loads the lanes set in bits (others 0),
 * MASK_ADD(acc, bits, v) adds v to the lanes set in bits.
 */
#define FC_DW_GW_VEC(SFX, ATTR, T, V, VL, NH, LOADM, EVENS2, MUL, MASK_ADD, ZERO, STOREU)   \
    /* one channel of one image: its plane's terms added to acc[taps][NH] */                \
    ATTR static inline __attribute__((always_inline)) void dw_gw_plane_##SFX(               \
        const fc_conv2d_shape *s, const T *x, const T *dy, V *acc, const ptrdiff_t kh,      \
        const ptrdiff_t kw, const ptrdiff_t sw, const ptrdiff_t *lo, const ptrdiff_t *hi,   \
        const uint32_t (*amt)[FC_DW_GW_MAX_TAPS], const uint32_t (*lmt)[FC_DW_GW_MAX_TAPS]) \
    {                                                                                       \
        const ptrdiff_t taps = kh * kw, w_in = s->w_in, w_out = s->w_out;                   \
        V a[FC_DW_GW_MAX_TAPS][NH];                                                         \
        for (ptrdiff_t t = 0; t < taps; ++t) {                                              \
            for (int h = 0; h < NH; ++h) {                                                  \
                a[t][h] = acc[t * NH + h];                                                  \
            }                                                                               \
        }                                                                                   \
        for (ptrdiff_t i = 0; i < s->h_out; ++i) {                                          \
            const ptrdiff_t top = i * s->stride_h - s->pad_h;                               \
            const T *dyrow = dy + i * w_out;                                                \
            ptrdiff_t r_lo, r_hi;                                                           \
            fc_inside(top, s->dil_h, s->h_in, kh, &r_lo, &r_hi);                            \
            /* the planes stream from memory: fetch FC_DW_PREFETCH bytes ahead */           \
            dw_prefetch_row(dyrow, w_out * (ptrdiff_t)sizeof(T));                           \
            dw_prefetch_row(x + fc_min(top + (kh - 1) * s->dil_h, s->h_in - 1) * w_in,      \
                            w_in * (ptrdiff_t)sizeof(T));                                   \
            for (ptrdiff_t j1 = 0; j1 < w_out; j1 += NH * VL) {                             \
                for (int h = 0; h < NH; ++h) {                                              \
                    const ptrdiff_t j0 = j1 + h * VL;   /* column of lane 0 */              \
                    if (j0 >= w_out) {                                                      \
                        break;                                                              \
                    }                                                                       \
                    const V gv = LOADM(dyrow + j0, fc_lane_bits(0, w_out - j0));            \
                    uint32_t amc[FC_DW_GW_MAX_TAPS], lmc[FC_DW_GW_MAX_TAPS];                \
                    const uint32_t *am = amc, *lm = lmc;                                    \
                    if (j0 / VL < FC_DW_GW_MASK_CHUNKS) {                                   \
                        am = amt[j0 / VL];                                                  \
                        lm = lmt[j0 / VL];                                                  \
                    } else {                                                                \
                        dw_gw_masks(lo, hi, kw, sw, j0, VL, amc, lmc);                      \
                    }                                                                       \
                    /* r over all kernel rows (constant indices when kh is) */              \
                    for (ptrdiff_t r = 0; r < kh; ++r) {                                    \
                        if (r < r_lo || r >= r_hi) {                                        \
                            continue;                                                       \
                        }                                                                   \
                        const T *xj = x + (top + r * s->dil_h) * w_in + j0 * sw - s->pad_w; \
                        for (ptrdiff_t q = 0; q < kw; ++q) {                                \
                            const T *ptr = xj + q * s->dil_w;                               \
                            const V xv = sw == 1 ? LOADM(ptr, am[q])                        \
                                         : EVENS2(LOADM(ptr, lm[q] & ((1u << VL) - 1u)),    \
                                                  LOADM(ptr + VL, lm[q] >> VL));            \
                            a[r * kw + q][h] = MASK_ADD(a[r * kw + q][h], am[q], MUL(gv, xv)); \
                        }                                                                   \
                    }                                                                       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
        for (ptrdiff_t t = 0; t < taps; ++t) {                                              \
            for (int h = 0; h < NH; ++h) {                                                  \
                acc[t * NH + h] = a[t][h];                                                  \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    ATTR static void dw_gw_##SFX(const fc_conv2d_shape *s, const T *x, const T *dy, T *dw,  \
                                 ptrdiff_t nch)                                             \
    {                                                                                       \
        const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw;                             \
        const ptrdiff_t in_plane = s->h_in * s->w_in, out_plane = s->h_out * s->w_out;      \
        const ptrdiff_t x_image = s->c_in * in_plane, dy_image = s->c_out * out_plane;      \
        ptrdiff_t lo[FC_DW_GW_MAX_TAPS], hi[FC_DW_GW_MAX_TAPS];                             \
        for (ptrdiff_t q = 0; q < kw; ++q) {                                                \
            fc_inside(q * s->dil_w - s->pad_w, s->stride_w, s->w_in, s->w_out, &lo[q],      \
                      &hi[q]);                                                              \
        }                                                                                   \
        /* the masks of the first FC_DW_GW_MASK_CHUNKS chunks of VL columns */              \
        uint32_t amt[FC_DW_GW_MASK_CHUNKS][FC_DW_GW_MAX_TAPS];                              \
        uint32_t lmt[FC_DW_GW_MASK_CHUNKS][FC_DW_GW_MAX_TAPS];                              \
        for (ptrdiff_t ch = 0; ch < FC_DW_GW_MASK_CHUNKS && ch * VL < s->w_out; ++ch) {     \
            dw_gw_masks(lo, hi, kw, s->stride_w, ch * VL, VL, amt[ch], lmt[ch]);            \
        }                                                                                   \
        V acc[FC_DW_GW_CHANNELS * FC_DW_GW_MAX_TAPS * NH];                                  \
        for (ptrdiff_t k = 0; k < nch * taps * NH; ++k) {                                   \
            acc[k] = ZERO;                                                                  \
        }                                                                                   \
        for (ptrdiff_t b = 0; b < s->n; ++b) {                                              \
            for (ptrdiff_t c = 0; c < nch; ++c) {                                           \
                const T *xp = x + b * x_image + c * in_plane;                               \
                const T *dyp = dy + b * dy_image + c * out_plane;                           \
                V *ac = acc + c * taps * NH;                                                \
                if (kh == 3 && kw == 3 && s->stride_w == 1) {                               \
                    dw_gw_plane_##SFX(s, xp, dyp, ac, 3, 3, 1, lo, hi, amt, lmt);           \
                } else if (kh == 3 && kw == 3) {                                            \
                    dw_gw_plane_##SFX(s, xp, dyp, ac, 3, 3, 2, lo, hi, amt, lmt);           \
                } else {                                                                    \
                    dw_gw_plane_##SFX(s, xp, dyp, ac, kh, kw, s->stride_w, lo, hi, amt,     \
                                      lmt);                                                 \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
        for (ptrdiff_t c = 0; c < nch; ++c) {                                               \
            for (ptrdiff_t t = 0; t < taps; ++t) {                                          \
                T sum = 0, lanes[VL];                                                       \
                for (int h = 0; h < NH; ++h) {                                              \
                    STOREU(lanes, acc[(c * taps + t) * NH + h]);                            \
                    for (int l = 0; l < VL; ++l) {                                          \
                        sum += lanes[l];                                                    \
                    }                                                                       \
                }                                                                           \
                dw[c * taps + t] = sum;                                                     \
            }                                                                               \
        }                                                                                   \
    }

/* AVX2: lane masks from bits, masked loads (maskload reads only the set
 * lanes), masked adds as blends */
FC_AVX2 static inline __m256i dw_bits_epi32(uint32_t bits)
{
    const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), sel), sel);
}

FC_AVX2 static inline __m256i dw_bits_epi64(uint32_t bits)
{
    const __m256i sel = _mm256_setr_epi64x(1, 2, 4, 8);
    return _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x((long long)bits), sel), sel);
}

FC_AVX2 static inline __m256 evens2_ps(__m256 a, __m256 b)
{
    const __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}

FC_AVX2 static inline __m256d evens2_pd(__m256d a, __m256d b)
{
    return _mm256_permute4x64_pd(_mm256_unpacklo_pd(a, b), _MM_SHUFFLE(3, 1, 2, 0));
}

#define FC_LOADM_PS256(p, bits) _mm256_maskload_ps((p), dw_bits_epi32(bits))
#define FC_LOADM_PD256(p, bits) _mm256_maskload_pd((p), dw_bits_epi64(bits))
#define FC_MASK_ADD_PS256(acc, bits, v)                                                    \
    _mm256_blendv_ps((acc), _mm256_add_ps((acc), (v)), _mm256_castsi256_ps(dw_bits_epi32(bits)))
#define FC_MASK_ADD_PD256(acc, bits, v)                                                    \
    _mm256_blendv_pd((acc), _mm256_add_pd((acc), (v)), _mm256_castsi256_pd(dw_bits_epi64(bits)))

FC_DW_GW_VEC(f32_avx2, FC_AVX2, float, __m256, 8, 2, FC_LOADM_PS256, evens2_ps, _mm256_mul_ps,
             FC_MASK_ADD_PS256, _mm256_setzero_ps(), _mm256_storeu_ps)
FC_DW_GW_VEC(f64_avx2, FC_AVX2, double, __m256d, 4, 2, FC_LOADM_PD256, evens2_pd,
             _mm256_mul_pd, FC_MASK_ADD_PD256, _mm256_setzero_pd(), _mm256_storeu_pd)

/* the plane kernels at AVX2: the masks are vectors (dw_bits_*), masked
 * loads and stores are maskload / maskstore (masked-off elements are not
 * touched), masked adds are blends */
#define FC_PLANE_LOADZ_PS256(m, p) _mm256_maskload_ps((p), (m))
#define FC_PLANE_LOADZ_PD256(m, p) _mm256_maskload_pd((p), (m))
#define FC_PLANE_MASK_ADD_PS256(src, m, a, b)                                              \
    _mm256_blendv_ps((src), _mm256_add_ps((a), (b)), _mm256_castsi256_ps(m))
#define FC_PLANE_MASK_ADD_PD256(src, m, a, b)                                              \
    _mm256_blendv_pd((src), _mm256_add_pd((a), (b)), _mm256_castsi256_pd(m))
#define FC_PLANE_STORE_PS256(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#define FC_PLANE_STORE_PD256(p, m, v) _mm256_maskstore_pd((p), (m), (v))

FC_DW_PLANE(f32_avx2, FC_AVX2, float, __m256, 8, __m256i, dw_bits_epi32, FC_PLANE_LOADZ_PS256,
            _mm256_mul_ps, FC_PLANE_MASK_ADD_PS256, _mm256_add_ps, _mm256_set1_ps,
            _mm256_setzero_ps(), evens2_ps, FC_PLANE_STORE_PS256)
FC_DW_PLANE(f64_avx2, FC_AVX2, double, __m256d, 4, __m256i, dw_bits_epi64, FC_PLANE_LOADZ_PD256,
            _mm256_mul_pd, FC_PLANE_MASK_ADD_PD256, _mm256_add_pd, _mm256_set1_pd,
            _mm256_setzero_pd(), evens2_pd, FC_PLANE_STORE_PD256)

#define FC_LOADM_PS512(p, bits) _mm512_maskz_loadu_ps((__mmask16)(bits), (p))
#define FC_LOADM_PD512(p, bits) _mm512_maskz_loadu_pd((__mmask8)(bits), (p))
#define FC_MASK_ADD_PS512(acc, bits, v) _mm512_mask_add_ps((acc), (__mmask16)(bits), (acc), (v))
#define FC_MASK_ADD_PD512(acc, bits, v) _mm512_mask_add_pd((acc), (__mmask8)(bits), (acc), (v))

FC_DW_GW_VEC(f32_avx512, FC_AVX512, float, __m512, 16, 1, FC_LOADM_PS512, FC_EVENS2_PS,
             _mm512_mul_ps, FC_MASK_ADD_PS512, _mm512_setzero_ps(), _mm512_storeu_ps)
FC_DW_GW_VEC(f64_avx512, FC_AVX512, double, __m512d, 8, 1, FC_LOADM_PD512, FC_EVENS2_PD,
             _mm512_mul_pd, FC_MASK_ADD_PD512, _mm512_setzero_pd(), _mm512_storeu_pd)
#endif

void fc_depthwise_kernels_init(fc_depthwise_kernels *t, fc_isa isa)
{
    t->row_f32 = dw_row_f32_ref;
    t->row_f64 = dw_row_f64_ref;
    t->grad_weight_f32 = dw_gw_f32_ref;
    t->grad_weight_f64 = dw_gw_f64_ref;
    t->plane_f32 = NULL;
    t->plane_f64 = NULL;
    t->flat_f32 = NULL;
    t->flat_f64 = NULL;
#ifdef FC_DW_HAVE_AVX2
    if (isa >= FC_ISA_AVX2) {
        t->row_f32 = dw_row_f32_avx2;
        t->row_f64 = dw_row_f64_avx2;
        t->grad_weight_f32 = dw_gw_f32_avx2;
        t->grad_weight_f64 = dw_gw_f64_avx2;
        t->plane_f32 = dw_plane_f32_avx2;
        t->plane_f64 = dw_plane_f64_avx2;
    }
    if (isa >= FC_ISA_AVX512) {
        t->plane_f32 = dw_plane_f32_avx512;
        t->plane_f64 = dw_plane_f64_avx512;
        t->flat_f32 = dw_flat_f32_avx512;
        t->flat_f64 = dw_flat_f64_avx512;
        t->grad_weight_f32 = dw_gw_f32_avx512;
        t->grad_weight_f64 = dw_gw_f64_avx512;
    }
#else
    (void)isa;
#endif
}
