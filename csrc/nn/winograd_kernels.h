/*
 * winograd_kernels.h -- the Winograd transforms' part of the nn kernel table
 * (nn_kernels.h): one micro-kernel, the two-sided matrix product applied to
 * FC_WINO_LANES independent small matrices at once (lanes = channels).
 */
#ifndef FASTCONV_NN_WINOGRAD_KERNELS_H
#define FASTCONV_NN_WINOGRAD_KERNELS_H

#include "fastconv.h"

/* Matrices transformed together: the innermost, vectorized dimension. */
#define FC_WINO_LANES 16

/* Largest transform size: alpha = m + 2 = 8 for F(6x6, 3x3). */
#define FC_WINO_MAX_ALPHA 8

/*
 * out[i][j][l] = sum_{k, k'} mat[i][k] * in[k][k'][l] * mat[j][k']
 * for i, j < rows, l < FC_WINO_LANES: out = mat . in_l . mat^T per lane.
 * mat is rows x inner row-major, in inner x inner x lanes, out rows x rows x
 * lanes (all contiguous, not overlapping); rows, inner <= FC_WINO_MAX_ALPHA.
 * Summed first over k (mat . in), then over k', in increasing order; zero
 * coefficients are skipped (their products are not computed).
 */
typedef void (*fc_wino_transform_f32)(const float *mat, int rows, int inner,
                                      const float *in, float *out);
typedef void (*fc_wino_transform_f64)(const double *mat, int rows, int inner,
                                      const double *in, double *out);

typedef struct {
    fc_wino_transform_f32 transform_f32;
    fc_wino_transform_f64 transform_f64;
} fc_winograd_kernels;

/* Fill t with the reference transforms, then the overrides of levels <= isa. */
void fc_winograd_kernels_init(fc_winograd_kernels *t, fc_isa isa);

#endif
