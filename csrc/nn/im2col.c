/*
 * im2col.c -- instantiates im2col.template.c and im2col_gemm.template.c for
 * float32 and float64 and dispatches on the dtype code (fc_conv2d_im2col,
 * fc_conv2d_col2im; the im2col + GEMM method fc_conv2d_*_im2col and its
 * tiles, fc_conv2d_im2col_tile).
 */
#include <stdlib.h>
#include <string.h>

#include "fastconv.h"
#include "../dtype_list.h"
#include "../util.h"
#include "nn_internal.h"

/*
 * The tiles and threads of one im2col call (im2col_plan below).  Every GEMM
 * of a call has one of a few shapes that do not depend on the thread count
 * (positions and rows in fixed chunks aligned at multiples of the chunk), so
 * each output is computed by the same BLAS calls whatever the threads:
 * BLAS's rounding of an element depends on the shape of the call it is in.
 */
typedef struct {
    ptrdiff_t rows;        /* rows of the column matrix per GEMM (and per tile)  */
    ptrdiff_t positions;   /* output positions per GEMM (and per tile)           */
    int tile;              /* each thread has a rows x positions tile            */
    int nthreads;          /* OpenMP threads: at most the units, within budget   */
    int pointwise;         /* the image is its own column matrix                 */
} fc_nn_im2col_plan;

#define FC_TEMPLATE "nn/im2col.template.c"
#include "../dtype_instantiate_float.h"
#define FC_TEMPLATE "nn/im2col_gemm.template.c"
#include "../dtype_instantiate_float.h"

/* Output positions per forward / grad_input GEMM, and per grad_weight GEMM
 * (where they are the sum), rows of dW per grad_weight GEMM, and the share
 * of the budget one thread's tile may take at most. */
#define FC_NN_CHUNK_POSITIONS 256
#define FC_NN_GW_POSITIONS 1024
#define FC_NN_GW_ROWS 128
#define FC_NN_SHARES 8

/* True when the column matrix of an image is the image itself: a 1x1
 * kernel read at every input position (stride 1, no padding, same size). */
static int is_pointwise(const fc_conv2d_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->stride_h == 1 && s->stride_w == 1 && s->pad_h == 0
           && s->pad_w == 0 && s->h_in == s->h_out && s->w_in == s->w_out;
}

static ptrdiff_t ceil_div(ptrdiff_t a, ptrdiff_t b)
{
    return (a + b - 1) / b;
}

/*
 * The plan of op for nthreads threads within budget bytes in all.  The GEMM
 * shapes come from the budget alone: a tile of at most budget / FC_NN_SHARES
 * bytes, FC_NN_CHUNK_POSITIONS positions (forward, grad_input: the GEMM's
 * M) or FC_NN_GW_POSITIONS positions by FC_NN_GW_ROWS rows (grad_weight),
 * fewer when the budget is smaller; the rest of the budget bounds the
 * threads (at least one).  Units: forward (image, group, chunk of
 * positions); grad_input (image, group) (1x1 layers: and chunk); grad_weight
 * (group, chunk of rows).
 */
static void im2col_plan(const fc_conv2d_shape *s, fc_nn_op op, size_t itemsize,
                        ptrdiff_t budget, int nthreads, fc_nn_im2col_plan *pl)
{
    const ptrdiff_t cg = s->c_in / s->groups;
    const ptrdiff_t K = cg * s->kh * s->kw, P = s->h_out * s->w_out;
    const ptrdiff_t elements = fc_max(1, budget / (ptrdiff_t)itemsize);
    const ptrdiff_t share = fc_max(1, elements / FC_NN_SHARES);
    ptrdiff_t units;
    pl->pointwise = is_pointwise(s);
    pl->tile = !pl->pointwise && K > 0 && P > 0;
    if (op == FC_NN_GRAD_WEIGHT) {
        pl->positions = fc_min(fc_max(P, 1), fc_min(FC_NN_GW_POSITIONS, share));
        pl->rows = fc_min(fc_max(K, 1), fc_min(FC_NN_GW_ROWS, fc_max(1, share / pl->positions)));
        units = s->groups * ceil_div(fc_max(K, 1), pl->rows);
    } else {
        pl->positions = fc_min(fc_max(P, 1), fc_min(FC_NN_CHUNK_POSITIONS, share));
        pl->rows = fc_min(fc_max(K, 1), fc_max(1, share / pl->positions));
        units = s->n * s->groups;
        if (op == FC_NN_FORWARD || pl->pointwise) {
            units *= ceil_div(fc_max(P, 1), pl->positions);
        }
    }
    ptrdiff_t threads = fc_min(fc_max(nthreads, 1), fc_max(units, 1));
    if (pl->tile) {
        threads = fc_min(threads, fc_max(1, elements / (pl->rows * pl->positions)));
    }
    pl->nthreads = (int)threads;
}

/* Checks shared by the three im2col kernels; *itemsize for the plan. */
static fc_status im2col_check(fc_dtype dt, const fc_conv2d_shape *s, ptrdiff_t budget,
                              fc_gemm_fn gemm)
{
    fc_status status = fc_conv2d_shape_check(s);
    if (status != FC_OK) {
        return status;
    }
    if (dt != FC_F32 && dt != FC_F64) {
        return FC_ERR_DTYPE;
    }
    return gemm == NULL || budget <= 0 ? FC_ERR_BADARG : FC_OK;
}

fc_status fc_conv2d_im2col_tile(fc_dtype dt, const fc_conv2d_shape *s, fc_nn_op op,
                                ptrdiff_t budget_bytes, int nthreads,
                                ptrdiff_t *rows, ptrdiff_t *positions)
{
    fc_status status = fc_conv2d_shape_check(s);
    if (status != FC_OK) {
        return status;
    }
    if (dt != FC_F32 && dt != FC_F64) {
        return FC_ERR_DTYPE;
    }
    if (budget_bytes <= 0 || op < FC_NN_FORWARD || op > FC_NN_GRAD_WEIGHT) {
        return FC_ERR_BADARG;
    }
    fc_nn_im2col_plan pl;
    im2col_plan(s, op, fc_itemsize(dt), budget_bytes, nthreads, &pl);
    *rows = pl.tile ? pl.rows : 0;
    *positions = pl.tile ? pl.positions : 0;
    return FC_OK;
}

fc_status fc_conv2d_forward_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                   const void *x, const void *w, const void *bias, void *y,
                                   ptrdiff_t budget_bytes, fc_gemm_fn gemm,
                                   void *gemm_context, const fc_exec *ex)
{
    fc_status status = im2col_check(dt, s, budget_bytes, gemm);
    if (status != FC_OK) {
        return status;
    }
    if (s->n == 0 || s->h_out * s->w_out == 0 || s->c_out == 0) {
        return FC_OK;
    }
    fc_nn_im2col_plan pl;
    im2col_plan(s, FC_NN_FORWARD, fc_itemsize(dt), budget_bytes, fc_exec_threads(ex), &pl);
#define FC_CASE(code, sfx, T)                                                            case code:                                                                               return conv2d_forward_im2col_##sfx(s, (const T *)x, (const T *)w,                                                      (const T *)bias, (T *)y, &pl, gemm,                                                  gemm_context, ex);
    FC_DISPATCH_FLOAT(dt, FC_CASE)
#undef FC_CASE
}

fc_status fc_conv2d_grad_input_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                      const void *dy, const void *w, const void *bias,
                                      void *dx, ptrdiff_t budget_bytes, fc_gemm_fn gemm,
                                      void *gemm_context, const fc_exec *ex)
{
    fc_status status = im2col_check(dt, s, budget_bytes, gemm);
    if (status != FC_OK) {
        return status;
    }
    if (s->n == 0 || s->c_in == 0 || s->h_in * s->w_in == 0) {
        return FC_OK;
    }
    fc_nn_im2col_plan pl;
    im2col_plan(s, FC_NN_GRAD_INPUT, fc_itemsize(dt), budget_bytes, fc_exec_threads(ex), &pl);
#define FC_CASE(code, sfx, T)                                                                case code:                                                                                   return conv2d_grad_input_im2col_##sfx(s, (const T *)dy, (const T *)w,                                                         (const T *)bias, (T *)dx, &pl, gemm,                                                     gemm_context, ex);
    FC_DISPATCH_FLOAT(dt, FC_CASE)
#undef FC_CASE
}

fc_status fc_conv2d_grad_weight_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                       const void *x, const void *dy, void *dw,
                                       ptrdiff_t budget_bytes, fc_gemm_fn gemm,
                                       void *gemm_context, const fc_exec *ex)
{
    fc_status status = im2col_check(dt, s, budget_bytes, gemm);
    if (status != FC_OK) {
        return status;
    }
    fc_nn_im2col_plan pl;
    im2col_plan(s, FC_NN_GRAD_WEIGHT, fc_itemsize(dt), budget_bytes, fc_exec_threads(ex),
                &pl);
#define FC_CASE(code, sfx, T)                                                            case code:                                                                               return conv2d_grad_weight_im2col_##sfx(s, (const T *)x, (const T *)dy,                                                     (T *)dw, &pl, gemm, gemm_context, ex);
    FC_DISPATCH_FLOAT(dt, FC_CASE)
#undef FC_CASE
}

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
    FC_DISPATCH_FLOAT(dt, FC_CASE)
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
    FC_DISPATCH_FLOAT(dt, FC_CASE)
#undef FC_CASE
}
