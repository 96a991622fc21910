/* nn_kernels.c -- registers the nn family's kernels (nn_kernels.h). */
#include "nn_kernels.h"

void fc_nn_kernels_init(fc_nn_kernels *t, fc_isa isa)
{
    fc_dense_kernels_init(&t->dense, isa);
    fc_depthwise_kernels_init(&t->depthwise, isa);
    fc_winograd_kernels_init(&t->winograd, isa);
}
