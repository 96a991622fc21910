/*
 * im2col_gemm.template.c -- the im2col + GEMM method of the CNN layers
 * (fc_conv2d_forward_im2col, fc_conv2d_grad_input_im2col,
 * fc_conv2d_grad_weight_im2col in fastconv.h) for one floating type,
 * included by im2col.c after im2col.template.c with FC_DT and FC_SFX_DTYPE
 * set.  The GEMM is the caller's (fc_gemm_fn); the tiles come from
 * fc_nn_im2col_plan (im2col.c).
 *
 * GEMM conventions.  The arrays are row-major; the GEMM is column-major,
 * and a row-major r x c matrix with row stride ld is the column-major
 * c x r matrix with leading dimension ld, its transpose.  So the row-major
 * product C = A B is computed as the column-major C^T = B^T A^T: the
 * operands are passed swapped, and a 'T' flag on one of them undoes one
 * transposition.
 *
 * Work units and threads.  Every kernel is a loop over independent units
 * (see fastconv.h) run by an OpenMP `for` with dynamic scheduling; each
 * thread owns one column-matrix tile of the workspace.  Thread 0 asks the
 * interrupt callback before each of its units, and between the GEMMs of
 * the units that can be long (a whole image for grad_input, every image for
 * grad_weight); a stop request makes every thread skip the rest.
 */

/* dst[i, 0:length] = values[i] (add = 0) or += values[i] (add = 1) for a
 * row-major block of rows with row stride ld. */
static void FC_SFX(nn_rows_set)(FC_T *dst, ptrdiff_t rows, ptrdiff_t length, ptrdiff_t ld,
                                const FC_T *values, int add)
{
    for (ptrdiff_t i = 0; i < rows; ++i) {
        FC_T *row = dst + i * ld;
        const FC_T v = values[i];
        if (add) {
            for (ptrdiff_t j = 0; j < length; ++j) {
                row[j] += v;
            }
        } else {
            for (ptrdiff_t j = 0; j < length; ++j) {
                row[j] = v;
            }
        }
    }
}

/* The calling thread's tile of the workspace, or NULL without tiles. */
static FC_T *FC_SFX(nn_thread_tile)(FC_T *work, const fc_nn_im2col_plan *pl)
{
    return work == NULL ? NULL : work + (ptrdiff_t)fc_thread_num() * pl->rows * pl->positions;
}

/* The workspace of pl (one tile per thread), or NULL when it needs none;
 * *failed set when the allocation fails. */
static FC_T *FC_SFX(nn_workspace)(const fc_nn_im2col_plan *pl, int *failed)
{
    FC_T *work = NULL;
    *failed = 0;
    if (pl->tile) {
        work = malloc((size_t)(pl->rows * pl->positions * pl->nthreads) * sizeof(FC_T));
        *failed = work == NULL;
    }
    return work;
}

/*
 * Forward, unit (b, g, chunk of pl->positions positions):
 * Y_g[:, chunk] = W_g . cols[:, chunk] (+ bias, written first so that every
 * GEMM accumulates), the rows of the column matrix in blocks of pl->rows.
 */
static fc_status FC_SFX(conv2d_forward_im2col)(const fc_conv2d_shape *s, const FC_T *x,
                                               const FC_T *w, const FC_T *bias, FC_T *y,
                                               const fc_nn_im2col_plan *pl, fc_gemm_fn gemm,
                                               void *ctx, const fc_exec *ex)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t K = cg * s->kh * s->kw, P = s->h_out * s->w_out;
    const ptrdiff_t in_plane = s->h_in * s->w_in;
    const ptrdiff_t npos = pl->positions, chunks = (P + npos - 1) / npos;
    const ptrdiff_t units = s->n * s->groups * chunks;
    const int has_bias = bias != NULL;
    int stop = 0, failed;
    FC_T *work = FC_SFX(nn_workspace)(pl, &failed);
    if (failed) {
        return FC_ERR_NOMEM;
    }
#pragma omp parallel num_threads(pl->nthreads) if (pl->nthreads > 1)
    {
        FC_T *cols = FC_SFX(nn_thread_tile)(work, pl);
#pragma omp for schedule(dynamic, 1)
        for (ptrdiff_t u = 0; u < units; ++u) {
            if (fc_nn_stopped(ex, &stop)) {
                continue;
            }
            const ptrdiff_t t = u % chunks, bg = u / chunks, g = bg % s->groups, b = bg / s->groups;
            const FC_T *xg = x + (b * s->c_in + g * cg) * in_plane;
            const FC_T *wg = w + g * og * K;
            const ptrdiff_t p0 = t * npos, mp = fc_min(npos, P - p0);
            FC_T *yt = y + (b * s->c_out + g * og) * P + p0;
            if (has_bias) {
                FC_SFX(nn_rows_set)(yt, og, mp, P, bias + g * og, 0);
            }
            if (cols == NULL) {
                /* 1x1 (the image is the column matrix) or K == 0 (an empty sum):
                 * Y^T[chunk] (mp x og) = X_g^T[chunk] (mp x cg) . W_g^T (cg x og) */
                gemm(ctx, FC_SFX_DTYPE, 'N', 'N', mp, og, K, xg + p0, P, wg, fc_max(K, 1),
                     has_bias, yt, P);
                continue;
            }
            for (ptrdiff_t k0 = 0; k0 < K; k0 += pl->rows) {
                const ptrdiff_t mk = fc_min(pl->rows, K - k0);
                if (k0 > 0 && fc_nn_stopped(ex, &stop)) {
                    break;
                }
                FC_SFX(conv2d_im2col)(s, xg, k0, mk, p0, mp, cols);
                /* Y^T[chunk] (mp x og) (+)= cols^T (mp x mk) . W_g[:, k0:k0+mk]^T */
                gemm(ctx, FC_SFX_DTYPE, 'N', 'N', mp, og, mk, cols, mp, wg + k0, K,
                     has_bias || k0 > 0, yt, P);
            }
        }
    }
    free(work);
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

/*
 * grad_input.  1x1 layers, unit (b, g, chunk of positions):
 * dX_g^T[chunk] = dY_g^T[chunk] . W_g.  Others, unit (b, g): per chunk of
 * positions and block of rows, cols = W_g^T . dY_g[:, chunk], then col2im
 * into dX_g (the first zero-fills it), in a fixed order; then the bias per
 * input channel (conv_transpose).
 */
static fc_status FC_SFX(conv2d_grad_input_im2col)(const fc_conv2d_shape *s, const FC_T *dy,
                                                  const FC_T *w, const FC_T *bias, FC_T *dx,
                                                  const fc_nn_im2col_plan *pl,
                                                  fc_gemm_fn gemm, void *ctx,
                                                  const fc_exec *ex)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t K = cg * s->kh * s->kw, P = s->h_out * s->w_out;
    const ptrdiff_t in_plane = s->h_in * s->w_in;
    const ptrdiff_t npos = pl->positions;
    const int pointwise = pl->pointwise;
    const ptrdiff_t chunks = pointwise ? (P + npos - 1) / npos : 1;
    const ptrdiff_t units = s->n * s->groups * chunks;
    int stop = 0, failed;
    FC_T *work = FC_SFX(nn_workspace)(pl, &failed);
    if (failed) {
        return FC_ERR_NOMEM;
    }
#pragma omp parallel num_threads(pl->nthreads) if (pl->nthreads > 1)
    {
        FC_T *cols = FC_SFX(nn_thread_tile)(work, pl);
#pragma omp for schedule(dynamic, 1)
        for (ptrdiff_t u = 0; u < units; ++u) {
            if (fc_nn_stopped(ex, &stop)) {
                continue;
            }
            const ptrdiff_t t = u % chunks, bg = u / chunks, g = bg % s->groups, b = bg / s->groups;
            FC_T *dxg = dx + (b * s->c_in + g * cg) * in_plane;
            const FC_T *dyg = dy + (b * s->c_out + g * og) * P;
            const FC_T *wg = w + g * og * K;
            if (pointwise) {
                const ptrdiff_t p0 = t * npos, mp = fc_min(npos, P - p0);
                /* dX^T[chunk] (mp x cg) = dY^T[chunk] (mp x og) . W_g (og x cg) */
                gemm(ctx, FC_SFX_DTYPE, 'N', 'T', mp, cg, og, dyg + p0, P, wg, K, 0,
                     dxg + p0, P);
                if (bias != NULL) {
                    FC_SFX(nn_rows_set)(dxg + p0, cg, mp, in_plane, bias + g * cg, 1);
                }
                continue;
            }
            if (cols == NULL) {
                /* no column matrix (K == 0 or P == 0): an empty sum */
                FC_SFX(conv2d_col2im)(s, NULL, 0, 0, 0, 0, 1, dxg);
            } else {
                for (ptrdiff_t p0 = 0; p0 < P && !stop; p0 += npos) {
                    const ptrdiff_t mp = fc_min(npos, P - p0);
                    for (ptrdiff_t k0 = 0; k0 < K; k0 += pl->rows) {
                        const ptrdiff_t mk = fc_min(pl->rows, K - k0);
                        if (fc_nn_stopped(ex, &stop)) {   /* a unit is a whole image */
                            break;
                        }
                        /* cols^T (mp x mk) = dY_g[:, chunk]^T (mp x og) . W_g[:, k0:k0+mk] */
                        gemm(ctx, FC_SFX_DTYPE, 'N', 'T', mp, mk, og, dyg + p0, P, wg + k0, K,
                             0, cols, mp);
                        FC_SFX(conv2d_col2im)(s, cols, k0, mk, p0, mp, p0 == 0 && k0 == 0,
                                              dxg);
                    }
                }
            }
            if (bias != NULL) {
                FC_SFX(nn_rows_set)(dxg, cg, in_plane, in_plane, bias + g * cg, 1);
            }
        }
    }
    free(work);
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

/*
 * grad_weight (dW zeroed first, every GEMM accumulates), unit (g, chunk of
 * pl->rows rows of dW_g^T, i.e. taps): for every image and chunk of
 * pl->positions positions, in order,
 * dW_g[:, rows]^T (mr x og) += cols[rows, chunk] (mr x mp) . dY_g[:, chunk]^T.
 */
static fc_status FC_SFX(conv2d_grad_weight_im2col)(const fc_conv2d_shape *s, const FC_T *x,
                                                   const FC_T *dy, FC_T *dw,
                                                   const fc_nn_im2col_plan *pl,
                                                   fc_gemm_fn gemm, void *ctx,
                                                   const fc_exec *ex)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t K = cg * s->kh * s->kw, P = s->h_out * s->w_out;
    const ptrdiff_t in_plane = s->h_in * s->w_in;
    const ptrdiff_t npos = pl->positions, block = pl->rows;
    int stop = 0, failed;

    memset(dw, 0, (size_t)(s->c_out * K) * sizeof(FC_T));
    if (s->n == 0 || K == 0 || P == 0 || og == 0) {
        return FC_OK;
    }
    const ptrdiff_t blocks = (K + block - 1) / block, units = s->groups * blocks;
    FC_T *work = FC_SFX(nn_workspace)(pl, &failed);
    if (failed) {
        return FC_ERR_NOMEM;
    }
#pragma omp parallel num_threads(pl->nthreads) if (pl->nthreads > 1)
    {
        FC_T *cols = FC_SFX(nn_thread_tile)(work, pl);
#pragma omp for schedule(dynamic, 1)
        for (ptrdiff_t u = 0; u < units; ++u) {
            if (fc_nn_stopped(ex, &stop)) {
                continue;
            }
            const ptrdiff_t g = u / blocks, r0 = u % blocks * block, mr = fc_min(block, K - r0);
            FC_T *dwg = dw + g * og * K;
            for (ptrdiff_t b = 0; b < s->n; ++b) {
                const FC_T *xg = x + (b * s->c_in + g * cg) * in_plane;
                const FC_T *dyg = dy + (b * s->c_out + g * og) * P;
                for (ptrdiff_t p0 = 0; p0 < P; p0 += npos) {
                    if (fc_nn_stopped(ex, &stop)) {   /* a unit walks every image */
                        break;
                    }
                    const ptrdiff_t mp = fc_min(npos, P - p0);
                    const FC_T *a = xg + r0 * P + p0;   /* 1x1: X_g[rows, chunk] */
                    ptrdiff_t lda = P;
                    if (cols != NULL) {
                        FC_SFX(conv2d_im2col)(s, xg, r0, mr, p0, mp, cols);
                        a = cols;
                        lda = mp;
                    }
                    gemm(ctx, FC_SFX_DTYPE, 'T', 'N', mr, og, mp, a, lda, dyg + p0, P, 1,
                         dwg + r0, K);
                }
            }
        }
    }
    free(work);
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}
