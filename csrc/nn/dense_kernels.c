/*
 * dense_kernels.c -- registers the dense kernels of nn_kernels.h: the
 * AVX-512 row kernel of dense_row_avx512.template.c and grad_weight kernel
 * of dense_gw_avx512.template.c, for float32 and float64.
 * Below AVX-512 the entries stay NULL and the direct layer loops use their
 * own register tiles (conv2d_tile.template.c).  The kernel fuses each
 * multiply-add (one rounding per term instead of two: 1.3x the speed of a
 * separate multiply and add on Zen 5), so its bits differ from the other
 * levels' within the accuracy bound (docs/guide/accuracy.rst).
 */
#include "nn_kernels.h"
#include "../util.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define FC_DENSE_HAVE_AVX512 1
#include <immintrin.h>

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
#define FC_DR_MSTORE(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#include "dense_row_avx512.template.c"
#include "dense_gw_avx512.template.c"
#undef FC_DR_SFX
#undef FC_DR_T
#undef FC_DR_V
#undef FC_DR_M
#undef FC_DR_L
#undef FC_DR_LOADZ
#undef FC_DR_LOADU
#undef FC_DR_STOREU
#undef FC_DR_ADD
#undef FC_DR_SET1
#undef FC_DR_ZERO
#undef FC_DR_MASK_FMA
#undef FC_DR_MSTORE

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
#define FC_DR_MSTORE(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#include "dense_row_avx512.template.c"
#include "dense_gw_avx512.template.c"
#endif

void fc_dense_kernels_init(fc_dense_kernels *t, fc_isa isa)
{
    t->row_f32 = NULL;
    t->row_f64 = NULL;
    t->grad_weight_f32 = NULL;
    t->grad_weight_f64 = NULL;
#ifdef FC_DENSE_HAVE_AVX512
    if (isa >= FC_ISA_AVX512) {
        t->row_f32 = dense_row_f32;
        t->row_f64 = dense_row_f64;
        t->grad_weight_f32 = dense_gw_f32;
        t->grad_weight_f64 = dense_gw_f64;
    }
#else
    (void)isa;
#endif
}
