/*
 * winograd_kernels.c -- the Winograd transform micro-kernels
 * (winograd_kernels.h): the portable reference, and the same code compiled
 * for AVX2 + FMA (its lane loops then run on 256-bit vectors).
 */
#include "winograd_kernels.h"

#define FC_WT_ATTR
#define FC_WT_T float
#define FC_WT_NAME wino_transform_f32_ref
#include "winograd_transform.template.c"
#undef FC_WT_T
#undef FC_WT_NAME
#define FC_WT_T double
#define FC_WT_NAME wino_transform_f64_ref
#include "winograd_transform.template.c"
#undef FC_WT_T
#undef FC_WT_NAME
#undef FC_WT_ATTR

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define FC_WINO_HAVE_AVX2 1
#define FC_WT_ATTR __attribute__((target("avx2,fma")))
#define FC_WT_T float
#define FC_WT_NAME wino_transform_f32_avx2
#include "winograd_transform.template.c"
#undef FC_WT_T
#undef FC_WT_NAME
#define FC_WT_T double
#define FC_WT_NAME wino_transform_f64_avx2
#include "winograd_transform.template.c"
#undef FC_WT_T
#undef FC_WT_NAME
#undef FC_WT_ATTR
#endif

void fc_winograd_kernels_init(fc_winograd_kernels *t, fc_isa isa)
{
    t->transform_f32 = wino_transform_f32_ref;
    t->transform_f64 = wino_transform_f64_ref;
#ifdef FC_WINO_HAVE_AVX2
    if (isa >= FC_ISA_AVX2) {
        t->transform_f32 = wino_transform_f32_avx2;
        t->transform_f64 = wino_transform_f64_avx2;
    }
#else
    (void)isa;
#endif
}
