/*
 * nn_kernels.h -- the nn family's part of the kernel table
 * (csrc/core/kernels.h): the micro-kernels of the CNN layers.
 */
#ifndef FASTCONV_NN_KERNELS_H
#define FASTCONV_NN_KERNELS_H

#include "fastconv.h"
#include "winograd_kernels.h"

/*
 * Depthwise row kernels (depthwise_kernels.c): n outputs of one row of one
 * channel,
 *
 *     y[j] = sum_{r < nr} sum_{q < kw}  w0[r*wrow_step + q] * x0[r*row_step + j*stride + q*tap_step]
 *
 * (+ *bias when bias is not NULL), summed in (r, q) order with a rounding
 * after every product and sum at every level (reference, AVX2).
 */
typedef void (*fc_dw_row_f32)(const float *x0, ptrdiff_t row_step, const float *w0,
                              ptrdiff_t wrow_step, ptrdiff_t nr, ptrdiff_t kw,
                              ptrdiff_t tap_step, ptrdiff_t stride, ptrdiff_t n,
                              const float *bias, float *y);
typedef void (*fc_dw_row_f64)(const double *x0, ptrdiff_t row_step, const double *w0,
                              ptrdiff_t wrow_step, ptrdiff_t nr, ptrdiff_t kw,
                              ptrdiff_t tap_step, ptrdiff_t stride, ptrdiff_t n,
                              const double *bias, double *y);

typedef struct {
    fc_dw_row_f32 row_f32;
    fc_dw_row_f64 row_f64;
} fc_depthwise_kernels;

typedef struct {
    fc_depthwise_kernels depthwise;   /* rows of depthwise layers (direct kernels) */
    fc_winograd_kernels winograd;     /* transforms of the Winograd method */
} fc_nn_kernels;

/* Fill t with the reference kernels, then the overrides of levels <= isa. */
void fc_nn_kernels_init(fc_nn_kernels *t, fc_isa isa);
void fc_depthwise_kernels_init(fc_depthwise_kernels *t, fc_isa isa);

#endif
