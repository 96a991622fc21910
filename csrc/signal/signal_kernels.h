/*
 * signal_kernels.h -- the signal family's part of the kernel table
 * (csrc/core/kernels.h): the micro-kernels of the signal API, one entry per
 * dtype code where a kernel is per dtype.
 */
#ifndef FASTCONV_SIGNAL_KERNELS_H
#define FASTCONV_SIGNAL_KERNELS_H

#include "fastconv.h"

typedef struct {
    int placeholder;   /* replaced by the micro-kernel entries (issue 8) */
} fc_signal_kernels;

/* Fill t with the reference kernels, then the overrides of levels <= isa. */
void fc_signal_kernels_init(fc_signal_kernels *t, fc_isa isa);

#endif
