/*
 * nn_kernels.h -- the nn family's part of the kernel table
 * (csrc/core/kernels.h): the register tiles of the CNN layers.
 */
#ifndef FASTCONV_NN_KERNELS_H
#define FASTCONV_NN_KERNELS_H

#include "fastconv.h"
#include "winograd_kernels.h"

typedef struct {
    int placeholder;   /* replaced by the micro-kernel entries (issue 10) */
    fc_winograd_kernels winograd;   /* transforms of the Winograd method */
} fc_nn_kernels;

/* Fill t with the reference kernels, then the overrides of levels <= isa. */
void fc_nn_kernels_init(fc_nn_kernels *t, fc_isa isa);

#endif
