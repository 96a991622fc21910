/*
 * kernels.h -- THE kernel table (internal; Cython never sees it).
 *
 * One table per ISA level, each a struct of per-family sub-tables.  A family
 * (signal/, nn/) declares its sub-table type and an init function in its own
 * header; fc_kernel_tables_init fills every level once, at import: each
 * family first writes its portable reference kernels, then the overrides of
 * the levels up to the one being filled (BLIS's context: reference defaults,
 * then bli_cntx_init_haswell-style registrations).  Kernels reach their
 * micro-kernels through fc_kernels(ex->isa); the tables never change after
 * init, so calls at different levels may run concurrently.
 *
 * SIMD kernels live in functions marked __attribute__((target("avx2,fma")))
 * or target("avx512f,avx512bw,avx512dq,avx512vl") (never -march), registered
 * only for levels the CPU has (fc_cpu_isa()).
 */
#ifndef FASTCONV_CORE_KERNELS_H
#define FASTCONV_CORE_KERNELS_H

#include "fastconv.h"
#include "../signal/signal_kernels.h"
#include "../nn/nn_kernels.h"

typedef struct {
    fc_signal_kernels signal;
    fc_nn_kernels nn;
} fc_kernel_table;

/* The table of level isa (clamped to the levels that were filled). */
const fc_kernel_table *fc_kernels(fc_isa isa);

#endif
