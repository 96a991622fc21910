/*
 * dispatch.c -- fills THE kernel table (kernels.h), once per ISA level.
 */
#include "kernels.h"

static fc_kernel_table fc_tables[FC_NISA];
static fc_isa fc_top_level = FC_ISA_SCALAR;

void fc_kernel_tables_init(void)
{
    fc_top_level = fc_cpu_isa();
    for (int level = FC_ISA_SCALAR; level <= (int)fc_top_level; ++level) {
        fc_signal_kernels_init(&fc_tables[level].signal, (fc_isa)level);
        fc_nn_kernels_init(&fc_tables[level].nn, (fc_isa)level);
    }
}

const fc_kernel_table *fc_kernels(fc_isa isa)
{
    if ((int)isa < 0 || isa > fc_top_level) {
        isa = fc_top_level;
    }
    return &fc_tables[isa];
}
