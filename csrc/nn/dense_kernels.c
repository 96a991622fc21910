/*
 * dense_kernels.c -- registers the dense kernels of nn_kernels.h for float32
 * and float64: the row kernel (forward, grad_input) of
 * dense_row_avx2.template.c at the AVX2 level and of
 * dense_row_avx512.template.c at the AVX-512 level, and the grad_weight
 * kernels (any layer, and 1x1 ones) of dense_gw_avx512.template.c at the
 * AVX-512 level.  Elsewhere the
 * entries stay NULL and the direct layer loops use their own loops
 * (conv2d_tile.template.c).  The kernels fuse each multiply-add (one
 * rounding per term instead of two: 1.3x the speed of a separate multiply
 * and add on Zen 5), so their bits differ from the reference level's within
 * the accuracy bound (docs/guide/accuracy.rst); both row kernels add the
 * same terms in the same order with the same roundings, so they give each
 * other's bits.
 */
#include "nn_kernels.h"
#include "../util.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define FC_DENSE_HAVE_X86 1
#include <immintrin.h>
#include <stdint.h>

#define FC_AVX2 __attribute__((target("avx2,fma")))

#define FC_DR_SFX f32
#define FC_DR_T float
#define FC_DR_V __m256
#define FC_DR_L 8
#define FC_DR_MT int32_t
#define FC_DR_LOAD(p) _mm256_loadu_ps(p)
#define FC_DR_STORE(p, v) _mm256_storeu_ps((p), (v))
#define FC_DR_MLOAD(p, m) _mm256_maskload_ps((p), (m))
#define FC_DR_MSTORE(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#define FC_DR_BCAST(p) _mm256_broadcast_ss(p)
#define FC_DR_FMA(w, x, acc) _mm256_fmadd_ps((w), (x), (acc))
#define FC_DR_AND _mm256_and_ps
#define FC_DR_OR _mm256_or_ps
#define FC_DR_ANDNOT _mm256_andnot_ps
#define FC_DR_CASTM _mm256_castsi256_ps
#define FC_DR_ADD _mm256_add_ps
#define FC_DR_SET1 _mm256_set1_ps
#define FC_DR_ZERO _mm256_setzero_ps()
#include "dense_row_avx2.template.c"
#include "dense_vocabulary_end.h"

#define FC_DR_SFX f64
#define FC_DR_T double
#define FC_DR_V __m256d
#define FC_DR_L 4
#define FC_DR_MT int64_t
#define FC_DR_LOAD(p) _mm256_loadu_pd(p)
#define FC_DR_STORE(p, v) _mm256_storeu_pd((p), (v))
#define FC_DR_MLOAD(p, m) _mm256_maskload_pd((p), (m))
#define FC_DR_MSTORE(p, m, v) _mm256_maskstore_pd((p), (m), (v))
#define FC_DR_BCAST(p) _mm256_broadcast_sd(p)
#define FC_DR_FMA(w, x, acc) _mm256_fmadd_pd((w), (x), (acc))
#define FC_DR_AND _mm256_and_pd
#define FC_DR_OR _mm256_or_pd
#define FC_DR_ANDNOT _mm256_andnot_pd
#define FC_DR_CASTM _mm256_castsi256_pd
#define FC_DR_ADD _mm256_add_pd
#define FC_DR_SET1 _mm256_set1_pd
#define FC_DR_ZERO _mm256_setzero_pd()
#include "dense_row_avx2.template.c"
#include "dense_vocabulary_end.h"

#define FC_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

#define FC_DR_SFX f32
#define FC_DR_T float
#define FC_DR_V __m512
#define FC_DR_M __mmask16
#define FC_DR_L 16
#define FC_DR_LOADZ(m, p) _mm512_maskz_loadu_ps((m), (p))
#define FC_DR_LOADU _mm512_loadu_ps
#define FC_DR_STOREU _mm512_storeu_ps
#define FC_DR_ADD _mm512_add_ps
#define FC_DR_SET1 _mm512_set1_ps
#define FC_DR_ZERO _mm512_setzero_ps()
#define FC_DR_MASK_FMA(acc, m, w, x) _mm512_mask3_fmadd_ps((w), (x), (acc), (m))
#define FC_DR_FMA(w, x, acc) _mm512_fmadd_ps((w), (x), (acc))
#define FC_DR_MSTORE(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#define FC_DR_EVENS(a, b)                                                                  \
    _mm512_permutex2var_ps((a),                                                            \
                           _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, \
                                             26, 28, 30),                                  \
                           (b))
#include "dense_row_avx512.template.c"
#include "dense_gw_avx512.template.c"
#include "dense_vocabulary_end.h"

#define FC_DR_SFX f64
#define FC_DR_T double
#define FC_DR_V __m512d
#define FC_DR_M __mmask8
#define FC_DR_L 8
#define FC_DR_LOADZ(m, p) _mm512_maskz_loadu_pd((m), (p))
#define FC_DR_LOADU _mm512_loadu_pd
#define FC_DR_STOREU _mm512_storeu_pd
#define FC_DR_ADD _mm512_add_pd
#define FC_DR_SET1 _mm512_set1_pd
#define FC_DR_ZERO _mm512_setzero_pd()
#define FC_DR_MASK_FMA(acc, m, w, x) _mm512_mask3_fmadd_pd((w), (x), (acc), (m))
#define FC_DR_FMA(w, x, acc) _mm512_fmadd_pd((w), (x), (acc))
#define FC_DR_MSTORE(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#define FC_DR_EVENS(a, b) \
    _mm512_permutex2var_pd((a), _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), (b))
#include "dense_row_avx512.template.c"
#include "dense_gw_avx512.template.c"
#include "dense_vocabulary_end.h"
#endif

void fc_dense_kernels_init(fc_dense_kernels *t, fc_isa isa)
{
    t->row_f32 = NULL;
    t->row_f64 = NULL;
    t->row_max_stride_w = 1;
    t->row_flat = 0;
    t->grad_weight_f32 = NULL;
    t->grad_weight_f64 = NULL;
    t->pointwise_grad_weight_f32 = NULL;
    t->pointwise_grad_weight_f64 = NULL;
#ifdef FC_DENSE_HAVE_X86
    if (isa >= FC_ISA_AVX2) {
        t->row_f32 = dense_row_avx2_f32;
        t->row_f64 = dense_row_avx2_f64;
    }
    if (isa >= FC_ISA_AVX512) {
        t->row_f32 = dense_row_f32;
        t->row_f64 = dense_row_f64;
        t->row_max_stride_w = 2;
        t->row_flat = 1;
        t->grad_weight_f32 = dense_gw_f32;
        t->grad_weight_f64 = dense_gw_f64;
        t->pointwise_grad_weight_f32 = dense_pw_gw_f32;
        t->pointwise_grad_weight_f64 = dense_pw_gw_f64;
    }
#else
    (void)isa;
#endif
}
