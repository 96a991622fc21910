/*
 * im2col.c -- instantiates im2col.template.c for float32 and float64 and
 * dispatches on the dtype code (fc_conv2d_im2col, fc_conv2d_col2im).
 */
#include "fastconv.h"
#include "../dtype_list.h"
#include "../util.h"
#include "nn_internal.h"

#define FC_DT FC_DT_F32
#include "../dtype_ops.h"
#include "im2col.template.c"
#undef FC_DT

#define FC_DT FC_DT_F64
#include "../dtype_ops.h"
#include "im2col.template.c"
#undef FC_DT

/* The shared geometry check plus the tile bounds of fastconv.h. */
static fc_status tile_check(const fc_conv2d_shape *s, ptrdiff_t k0, ptrdiff_t nk,
                            ptrdiff_t p0, ptrdiff_t np)
{
    fc_status status = fc_conv2d_shape_check(s);
    if (status != FC_OK) {
        return status;
    }
    const ptrdiff_t rows = s->c_in / s->groups * s->kh * s->kw;
    const ptrdiff_t positions = s->h_out * s->w_out;
    if (k0 < 0 || nk < 0 || k0 > rows - nk || p0 < 0 || np < 0 || p0 > positions - np) {
        return FC_ERR_BADARG;
    }
    return FC_OK;
}

fc_status fc_conv2d_im2col(fc_dtype dt, const fc_conv2d_shape *s, const void *xg,
                           ptrdiff_t k0, ptrdiff_t nk, ptrdiff_t p0, ptrdiff_t np,
                           void *cols)
{
    fc_status status = tile_check(s, k0, nk, p0, np);
    if (status != FC_OK) {
        return status;
    }
#define FC_CASE(code, sfx, T)                                                 \
    case code:                                                                \
        conv2d_im2col_##sfx(s, (const T *)xg, k0, nk, p0, np, (T *)cols);     \
        return FC_OK;
    FC_NN_DISPATCH(dt, FC_CASE)
#undef FC_CASE
}

fc_status fc_conv2d_col2im(fc_dtype dt, const fc_conv2d_shape *s, const void *cols,
                           ptrdiff_t k0, ptrdiff_t nk, ptrdiff_t p0, ptrdiff_t np,
                           int zero_fill, void *xg)
{
    fc_status status = tile_check(s, k0, nk, p0, np);
    if (status != FC_OK) {
        return status;
    }
#define FC_CASE(code, sfx, T)                                                           \
    case code:                                                                          \
        conv2d_col2im_##sfx(s, (const T *)cols, k0, nk, p0, np, zero_fill, (T *)xg);    \
        return FC_OK;
    FC_NN_DISPATCH(dt, FC_CASE)
#undef FC_CASE
}
