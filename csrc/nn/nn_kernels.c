/* nn_kernels.c -- registers the nn family's kernels (nn_kernels.h). */
#include "nn_kernels.h"

void fc_nn_kernels_init(fc_nn_kernels *t, fc_isa isa)
{
    (void)isa;
    t->placeholder = 0;
    fc_winograd_kernels_init(&t->winograd, isa);
}
