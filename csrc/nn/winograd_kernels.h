/*
 * winograd_kernels.h -- the Winograd transforms' part of the nn kernel table
 * (nn_kernels.h).  For each tile size m (output tile m x m, alpha = m + 2)
 * three micro-kernels, each the two-sided product out = P . in_l . P^T
 * applied to FC_WINO_LANES independent small matrices at once (lanes are
 * channels):
 *
 *     weight   P = G    (alpha x 3):      3 x 3     -> alpha x alpha
 *     input    P = B^T  (alpha x alpha):  alpha^2   -> alpha x alpha
 *     output   P = A^T  (m x alpha):      alpha^2   -> m x m
 *
 * Layout: element (i, j) of lane l at [(i * cols + j) * stride + l], the
 * lanes contiguous, stride >= FC_WINO_LANES elements (in_stride for in,
 * out_stride for out, so a transform can read or write the workspace in
 * place); in and out do not overlap.  The matrices (winograd_kernels.c)
 * are compile-time constants, so zero coefficients cost nothing.
 */
#ifndef FASTCONV_NN_WINOGRAD_KERNELS_H
#define FASTCONV_NN_WINOGRAD_KERNELS_H

#include "fastconv.h"

/* Matrices transformed together: the innermost, vectorized dimension. */
#define FC_WINO_LANES 16

/* Largest transform size: alpha = m + 2 = 8 for F(6x6, 3x3). */
#define FC_WINO_MAX_ALPHA 8

/* Tile sizes m with kernels: index (m / 2 - 1) of the arrays below. */
#define FC_WINO_NTILES 3

typedef void (*fc_wino_transform_f32)(const float *in, ptrdiff_t in_stride,
                                      float *out, ptrdiff_t out_stride);
typedef void (*fc_wino_transform_f64)(const double *in, ptrdiff_t in_stride,
                                      double *out, ptrdiff_t out_stride);

typedef struct {
    fc_wino_transform_f32 weight_f32[FC_WINO_NTILES], input_f32[FC_WINO_NTILES],
        output_f32[FC_WINO_NTILES];
    fc_wino_transform_f64 weight_f64[FC_WINO_NTILES], input_f64[FC_WINO_NTILES],
        output_f64[FC_WINO_NTILES];
} fc_winograd_kernels;

/* Fill t with the reference transforms, then the overrides of levels <= isa. */
void fc_winograd_kernels_init(fc_winograd_kernels *t, fc_isa isa);

#endif
