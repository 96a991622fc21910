/*
 * dtype_instantiate_float.h -- dtype_instantiate.h for the real floating
 * types only (float32, float64: FC_FOR_EACH_FLOAT_DTYPE of dtype_list.h),
 * the ones of the nn kernels and of fc_fold2d:
 *
 *     #define FC_TEMPLATE "nn/conv2d_direct.template.c"
 *     #include "../dtype_instantiate_float.h"
 */
#define FC_INSTANTIATE_FLOAT_ONLY
#include "dtype_instantiate.h"
#undef FC_INSTANTIATE_FLOAT_ONLY
