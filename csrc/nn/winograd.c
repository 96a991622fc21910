/*
 * winograd.c -- fc_corr3x3_winograd and fc_winograd_blocks (fastconv.h):
 * the 3x3 stride-1 correlation by Winograd's minimal filtering algorithm
 * F(m x m, 3 x 3), Lavin & Gray, "Fast Algorithms for Convolutional Neural
 * Networks" (CVPR 2016).  One output tile of m x m needs an input tile of
 * alpha x alpha (alpha = m + 2) and
 *
 *     Y = A^T [ (G g G^T) (.) (B^T d B) ] A
 *
 * i.e. alpha^2 multiplications instead of 9 m^2; summed over the input
 * channels, the element-wise products become alpha^2 independent GEMMs.
 *
 * The matrices (interpolation points 0, +-1, +-2, +-1/2 and infinity) and
 * the transform micro-kernels are in winograd_kernels.c, reached through
 * the kernel table; the loops per dtype are winograd.template.c.
 */
#include <stdlib.h>
#include <string.h>

#include "fastconv.h"
#include "../core/kernels.h"
#include "../dtype_list.h"
#include "../util.h"
#include "nn_internal.h"

typedef struct {
    ptrdiff_t tiles, in_block, out_block;
    int threads;    /* threads whose workspaces fit the budget (at most FC_WINO_SHARES) */
} fc_wino_blocking;

/* Each thread's transformed inputs and products take at most this share of
 * the budget left by the transformed weights: the tile block does not
 * depend on the thread count, and up to FC_WINO_SHARES threads fit.  A
 * trade-off within a fixed budget: measured at 1 thread, float32, 8 MiB,
 * F(4x4), shares 1 / 2 / 4 (tiles per block 166 / 82 / 41 for 256 channels
 * at 14x14, batch 8): 8.7 / 9.2 / 10.7 ms there, 17.7 / 16.8 / 17.6 ms for
 * 64 channels at 56x56, batch 16 (loaded 2-core machine, CPU time). */
#define FC_WINO_SHARES 2

static int valid_tile(int m)
{
    return m == 2 || m == 4 || m == 6;
}

/* Forces the inlining that lets a constant tile size unroll the loops. */
#if defined(__GNUC__) || defined(__clang__)
#  define FC_ALWAYS_INLINE __attribute__((always_inline))
#else
#  define FC_ALWAYS_INLINE
#endif

#define FC_TEMPLATE "nn/winograd.template.c"
#include "../dtype_instantiate_float.h"

static fc_status shape_check(const fc_corr3x3_shape *s)
{
    if (s == NULL || s->n < 0 || s->c_in < 0 || s->h_in < 0 || s->w_in < 0 || s->c_out < 0
        || s->h_out < 0 || s->w_out < 0 || s->groups < 1 || s->c_in % s->groups != 0
        || s->c_out % s->groups != 0) {
        return FC_ERR_BADARG;
    }
    return FC_OK;
}

/*
 * The blocking within `budget` elements for up to nthreads threads: channel
 * blocks cb x ob whose transformed weights take at most half of it (halving
 * the larger block until they do), then tile blocks of T tiles such that one
 * thread's inputs and products, a2 * T * (cb + ob), take 1/FC_WINO_SHARES of
 * the rest (at least one tile); then as many threads, up to nthreads and
 * FC_WINO_SHARES, as the rest holds (at least one).  T does not depend on
 * nthreads.
 */
static void wino_blocking(const fc_corr3x3_shape *s, int m, ptrdiff_t budget, int nthreads,
                          fc_wino_blocking *bk)
{
    const ptrdiff_t a2 = (ptrdiff_t)(m + 2) * (m + 2);
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t tiles_h = (s->h_out + m - 1) / m, tiles_w = (s->w_out + m - 1) / m;
    const double ntiles = (double)s->n * (double)tiles_h * (double)tiles_w;
    ptrdiff_t cb = fc_max(cg, 1), ob = fc_max(og, 1);
    while ((double)a2 * cb * ob > budget / 2.0 && (cb > 1 || ob > 1)) {
        if (cb >= ob) {
            cb = (cb + 1) / 2;
        } else {
            ob = (ob + 1) / 2;
        }
    }
    const double rest = (double)budget - (double)a2 * cb * ob;
    const double per_tile = (double)a2 * (cb + ob);
    double tiles = rest / FC_WINO_SHARES / per_tile;
    if (tiles > ntiles) {
        tiles = ntiles;
    }
    if (tiles > 1 << 30) {
        tiles = 1 << 30;
    }
    bk->tiles = tiles < 1 ? 1 : (ptrdiff_t)tiles;
    bk->in_block = cb;
    bk->out_block = ob;
    double fit = rest / (per_tile * (double)bk->tiles);
    int threads = nthreads < FC_WINO_SHARES ? nthreads : FC_WINO_SHARES;
    if (fit < threads) {
        threads = (int)fit;
    }
    bk->threads = threads < 1 ? 1 : threads;
}

fc_status fc_winograd_blocks(fc_dtype dt, const fc_corr3x3_shape *s, int m,
                             ptrdiff_t budget_bytes, ptrdiff_t *tiles,
                             ptrdiff_t *in_block, ptrdiff_t *out_block,
                             ptrdiff_t *workspace_bytes)
{
    const size_t itemsize = fc_itemsize(dt);
    if (dt != FC_F32 && dt != FC_F64) {
        return FC_ERR_DTYPE;
    }
    if (!valid_tile(m) || shape_check(s) != FC_OK || budget_bytes < 0) {
        return FC_ERR_BADARG;
    }
    fc_wino_blocking bk;
    wino_blocking(s, m, budget_bytes / (ptrdiff_t)itemsize, FC_WINO_SHARES, &bk);
    const ptrdiff_t a2 = (ptrdiff_t)(m + 2) * (m + 2);
    *tiles = bk.tiles;
    *in_block = bk.in_block;
    *out_block = bk.out_block;
    *workspace_bytes = a2 * (bk.in_block * bk.out_block
                             + bk.threads * bk.tiles * (bk.in_block + bk.out_block))
                       * (ptrdiff_t)itemsize;
    return FC_OK;
}

/* y = bias (or 0) on every output: the layer with no input channels. */
#define FC_FILL_BIAS(T)                                                        \
    do {                                                                       \
        T *yy = (T *)y;                                                        \
        const T *bb = (const T *)bias;                                         \
        const ptrdiff_t plane = s->h_out * s->w_out;                           \
        for (ptrdiff_t b = 0; b < s->n; ++b) {                                 \
            for (ptrdiff_t o = 0; o < s->c_out; ++o) {                         \
                T *dst = yy + (b * s->c_out + o) * plane;                      \
                for (ptrdiff_t p = 0; p < plane; ++p) {                        \
                    dst[p] = bb != NULL ? bb[o] : 0;                           \
                }                                                              \
            }                                                                  \
        }                                                                      \
    } while (0)

fc_status fc_corr3x3_winograd(fc_dtype dt, const fc_corr3x3_shape *s, int m,
                              const void *x, const void *w0, const void *bias, void *y,
                              ptrdiff_t budget_bytes, fc_winograd_gemm_fn gemm,
                              void *gemm_context, const fc_exec *ex)
{
    if (dt != FC_F32 && dt != FC_F64) {
        return FC_ERR_DTYPE;
    }
    if (!valid_tile(m) || shape_check(s) != FC_OK || gemm == NULL || budget_bytes < 0) {
        return FC_ERR_BADARG;
    }
    if (s->n == 0 || s->c_out == 0 || s->h_out == 0 || s->w_out == 0) {
        return FC_OK;
    }
    if (s->c_in == 0) {
        if (dt == FC_F32) {
            FC_FILL_BIAS(float);
        } else {
            FC_FILL_BIAS(double);
        }
        return FC_OK;
    }
    fc_wino_blocking bk;
    wino_blocking(s, m, budget_bytes / (ptrdiff_t)fc_itemsize(dt), fc_exec_threads(ex), &bk);
#define FC_CASE(code, sfx, T)                                                         \
    case code:                                                                        \
        return corr3x3_winograd_##sfx(s, m, (const T *)x, (const T *)w0,           \
                                      (const T *)bias, (T *)y, &bk, gemm,             \
                                      gemm_context, ex);
    FC_DISPATCH_FLOAT(dt, FC_CASE)
#undef FC_CASE
}
