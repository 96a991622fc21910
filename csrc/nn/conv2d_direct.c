/*
 * conv2d_direct.c -- instantiates conv2d_direct.template.c for float32 and
 * float64 and dispatches on the dtype code (fc_conv2d_direct,
 * fc_conv2d_grad_input_direct, fc_conv2d_grad_weight_direct).
 */
#include <stdlib.h>
#include <string.h>

#include "fastconv.h"
#include "../core/kernels.h"
#include "../dtype_list.h"
#include "../util.h"
#include "nn_internal.h"

/* Output columns accumulated together: 256 accumulators of at most 8 bytes
 * (2 KiB) stay in L1 while every tap streams over them. */
#define FC_NN_BLOCK 256

/* The dense row kernel (nn_kernels.h) computes FC_DENSE_UNITS channels per
 * call; layers with fewer channels per group than this keep the register
 * tiles of conv2d_tile.template.c, which waste no lanes on missing channels. */
#define FC_DENSE_MIN_UNITS 2

/* Flattened rows (nn_kernels.h): a band of rows of about this many
 * positions per call, 12 vectors of 16 (resnet3x3's 56-wide rows: 3 rows
 * in 10.5 vectors, not 3 x 4). */
#define FC_DENSE_FLAT_BAND 192

/* ... unless a band of FC_DENSE_ROWS rows would keep its input rows (every
 * summed channel's) within this many bytes, about an L1 data cache, and
 * FC_DENSE_FLAT_BAND positions would not: then the largest band that does.
 * Each block of units walks all the band's summed channels for every
 * group of output vectors, so a band that fits L1 is read from L1 by the
 * next group and the next block (measured, AVX-512 float32, 1 thread:
 * grad_input of 3x3 32 -> 64 channels on 32x32 images, 64 summed channels,
 * 6 -> 3 rows a band: 12.0-12.5 -> 8.6-9.6 ms; bands that cannot fit, as
 * resnet3x3's and deep3x3's, stay as they were: smaller ones were 5-15 %
 * slower). */
#define FC_DENSE_BAND_L1_BYTES 40960

/* The nn kernels of the call's ISA level (the reference without ex). */
static const fc_nn_kernels *nn_kernels(const fc_exec *ex)
{
    return &fc_kernels(ex != NULL ? ex->isa : FC_ISA_SCALAR)->nn;
}

#define FC_TEMPLATE "nn/conv2d_direct.template.c"
#include "../dtype_instantiate_float.h"

fc_status fc_conv2d_direct(fc_dtype dt, const fc_conv2d_shape *s,
                           const void *x, const void *w, const void *bias, void *y,
                           const fc_exec *ex)
{
    fc_status status = fc_conv2d_shape_check(s);
    if (status != FC_OK) {
        return status;
    }
#define FC_CASE(code, sfx, T)                                                        \
    case code:                                                                       \
        return conv2d_forward_##sfx(s, (const T *)x, (const T *)w, (const T *)bias,  \
                                    (T *)y, ex, nn_kernels(ex));
    FC_DISPATCH_FLOAT(dt, FC_CASE)
#undef FC_CASE
}

fc_status fc_conv2d_grad_input_direct(fc_dtype dt, const fc_conv2d_shape *s,
                                      const void *dy, const void *w, const void *bias,
                                      void *dx, const fc_exec *ex)
{
    fc_status status = fc_conv2d_shape_check(s);
    if (status != FC_OK) {
        return status;
    }
#define FC_CASE(code, sfx, T)                                                         \
    case code:                                                                        \
        return conv2d_grad_input_##sfx(s, (const T *)dy, (const T *)w, (const T *)bias, \
                                       (T *)dx, ex, nn_kernels(ex));
    FC_DISPATCH_FLOAT(dt, FC_CASE)
#undef FC_CASE
}

fc_status fc_conv2d_grad_weight_direct(fc_dtype dt, const fc_conv2d_shape *s,
                                       const void *x, const void *dy, void *dw,
                                       const fc_exec *ex)
{
    fc_status status = fc_conv2d_shape_check(s);
    if (status != FC_OK) {
        return status;
    }
#define FC_CASE(code, sfx, T)                                                    \
    case code:                                                                   \
        return conv2d_grad_weight_##sfx(s, (const T *)x, (const T *)dy, (T *)dw, \
                                        ex, nn_kernels(ex));
    FC_DISPATCH_FLOAT(dt, FC_CASE)
#undef FC_CASE
}
