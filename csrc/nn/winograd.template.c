/*
 * winograd.template.c -- the loops of fc_corr3x3_winograd (fastconv.h) for
 * one floating type, included by winograd.c with FC_DT set.  The transforms
 * themselves are the kernel table's micro-kernel (winograd_kernels.h); the
 * products go to the caller's GEMM.  Buffers:
 *
 *     U[e][c][o]   transformed weights of one channel block, e < alpha^2 (shared)
 *     V[t][e][c]   transformed input tiles of one tile block  (one per thread)
 *     M[t][e][o]   their products, before the output transform (one per thread)
 *
 * so the GEMM of point e is M_e[t x o] = V_e[t x c] . U_e[c x o] on
 * row-major matrices whose rows are alpha^2 rows of the buffer apart
 * (column-major: M^T = U^T V^T, no transposition flags), and every tile's
 * transformed data is contiguous: the transforms stream through V and M.
 *
 * Threads.  Per (group, output block, input block), the threads transform
 * U together (an OpenMP `for` over its channels), then share the blocks of
 * T tiles (a dynamic `for`): a block's output tiles are its own, so no two
 * threads write one element, and each element's channel blocks are added in
 * the same order (the loops' closing barriers order them).  T and the
 * channel blocks come from the budget alone (winograd.c), so every GEMM has
 * the same shape, and every output the same bits, at any thread count.
 * Thread 0 asks the interrupt callback before each of its units.
 */

#if FC_DT == FC_DT_F32
#  define FC_WINO_KERNEL(table, kind, m) ((table)->nn.winograd.kind##_f32[(m) / 2 - 1])
#else
#  define FC_WINO_KERNEL(table, kind, m) ((table)->nn.winograd.kind##_f64[(m) / 2 - 1])
#endif

/* Lanes [0, nl) of buf[0 .. elements) come from the caller; the others are
 * zeroed so the transform never meets uninitialised or non-finite values. */
static void FC_SFX(wino_clear_lanes)(FC_T *buf, int elements, ptrdiff_t nl)
{
    for (int e = 0; e < elements; ++e) {
        for (ptrdiff_t l = nl; l < FC_WINO_LANES; ++l) {
            buf[e * FC_WINO_LANES + l] = 0;
        }
    }
}

/* The interior case of wino_gather_tile: the whole alpha x alpha patch is
 * inside the plane and every lane is a channel.  Inlined with a constant
 * alpha (wino_gather_inside) so that the row copies unroll. */
static inline FC_ALWAYS_INLINE void FC_SFX(wino_gather_inside_n)(const FC_T *xc, ptrdiff_t in_plane,
                                                                 ptrdiff_t w_in, const int alpha,
                                                                 FC_T *buf)
{
    enum { L = FC_WINO_LANES };
    for (ptrdiff_t l = 0; l < L; ++l) {
        const FC_T *plane = xc + l * in_plane;
        for (int k = 0; k < alpha; ++k) {
            const FC_T *row = plane + k * w_in;
            FC_T *dst = buf + k * alpha * L + l;
            for (int q = 0; q < alpha; ++q) {
                dst[q * L] = row[q];
            }
        }
    }
}

/* buf as wino_gather_tile for a patch at xc (its top-left element) that is
 * wholly inside the plane, all FC_WINO_LANES lanes. */
static void FC_SFX(wino_gather_inside)(const FC_T *xc, ptrdiff_t in_plane, ptrdiff_t w_in,
                                       int alpha, FC_T *buf)
{
    switch (alpha) {
        case 4:
            FC_SFX(wino_gather_inside_n)(xc, in_plane, w_in, 4, buf);
            break;
        case 6:
            FC_SFX(wino_gather_inside_n)(xc, in_plane, w_in, 6, buf);
            break;
        default:
            FC_SFX(wino_gather_inside_n)(xc, in_plane, w_in, 8, buf);
            break;
    }
}

/* buf[(k*alpha + k')*L + l] = x[channel l][h0 + k][v0 + k'] (0 outside the
 * h_in x w_in plane) for l < nl, 0 for the other lanes; planes in_plane
 * elements apart. */
static void FC_SFX(wino_gather_tile)(const FC_T *xc, ptrdiff_t nl, ptrdiff_t in_plane,
                                     ptrdiff_t h_in, ptrdiff_t w_in, ptrdiff_t h0,
                                     ptrdiff_t v0, int alpha, FC_T *buf)
{
    enum { L = FC_WINO_LANES };
    /* rows [k_lo, k_hi) and columns [q_lo, q_hi) of the patch are inside */
    const ptrdiff_t k_lo = fc_max(0, -h0), k_hi = fc_min(alpha, h_in - h0);
    const ptrdiff_t q_lo = fc_max(0, -v0), q_hi = fc_min(alpha, w_in - v0);
    if (k_lo > 0 || k_hi < alpha || q_lo > 0 || q_hi < alpha || nl < L) {
        memset(buf, 0, (size_t)(alpha * alpha * L) * sizeof(FC_T));
    } else {
        FC_SFX(wino_gather_inside)(xc + h0 * w_in + v0, in_plane, w_in, alpha, buf);
        return;
    }
    for (ptrdiff_t l = 0; l < nl; ++l) {
        const FC_T *plane = xc + l * in_plane + h0 * w_in + v0;
        for (ptrdiff_t k = k_lo; k < k_hi; ++k) {
            const FC_T *row = plane + k * w_in;
            FC_T *dst = buf + k * alpha * L + l;
            for (ptrdiff_t q = q_lo; q < q_hi; ++q) {
                dst[q * L] = row[q];
            }
        }
    }
}

/* One lane's m x m output tile into y (rows w_out apart): val[(i*m + j)*L]
 * added to yo (accumulate) or written plus `add`.  Inlined with a constant
 * m (wino_put_tile) so that the loops unroll. */
static inline FC_ALWAYS_INLINE void FC_SFX(wino_put_tile_n)(FC_T *yo, ptrdiff_t w_out,
                                                            const FC_T *val, const int m,
                                                            int accumulate, FC_T add)
{
    enum { L = FC_WINO_LANES };
    for (int i = 0; i < m; ++i) {
        for (int j = 0; j < m; ++j) {
            if (accumulate) {
                yo[i * w_out + j] += val[(i * m + j) * L];
            } else {
                yo[i * w_out + j] = val[(i * m + j) * L] + add;
            }
        }
    }
}

static void FC_SFX(wino_put_tile)(FC_T *yo, ptrdiff_t w_out, const FC_T *val, int m,
                                  int accumulate, FC_T add)
{
    switch (m) {
        case 2:
            FC_SFX(wino_put_tile_n)(yo, w_out, val, 2, accumulate, add);
            break;
        case 4:
            FC_SFX(wino_put_tile_n)(yo, w_out, val, 4, accumulate, add);
            break;
        default:
            FC_SFX(wino_put_tile_n)(yo, w_out, val, 6, accumulate, add);
            break;
    }
}

/* dst[l] = src[l] for l < n (n <= FC_WINO_LANES; the full width is a
 * constant-length copy the compiler turns into vector moves). */
static inline void FC_SFX(wino_copy_lanes)(FC_T *restrict dst, const FC_T *restrict src,
                                           ptrdiff_t n)
{
    if (n == FC_WINO_LANES) {
        for (int l = 0; l < FC_WINO_LANES; ++l) {
            dst[l] = src[l];
        }
    } else {
        for (ptrdiff_t l = 0; l < n; ++l) {
            dst[l] = src[l];
        }
    }
}

static fc_status FC_SFX(corr3x3_winograd)(const fc_corr3x3_shape *s, int m,
                                          const FC_T *x, const FC_T *w0, const FC_T *bias,
                                          FC_T *y, const fc_wino_blocking *bk,
                                          fc_winograd_gemm_fn gemm, void *gemm_context,
                                          const fc_exec *ex)
{
    enum { L = FC_WINO_LANES };
    const int alpha = m + 2, a2 = alpha * alpha;
    const fc_kernel_table *table = fc_kernels(ex != NULL ? ex->isa : FC_ISA_SCALAR);
    void (*const weight_transform)(const FC_T *, ptrdiff_t, FC_T *, ptrdiff_t) =
        FC_WINO_KERNEL(table, weight, m);
    void (*const input_transform)(const FC_T *, ptrdiff_t, FC_T *, ptrdiff_t) =
        FC_WINO_KERNEL(table, input, m);
    void (*const output_transform)(const FC_T *, ptrdiff_t, FC_T *, ptrdiff_t) =
        FC_WINO_KERNEL(table, output, m);

    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t tiles_h = (s->h_out + m - 1) / m, tiles_w = (s->w_out + m - 1) / m;
    const ptrdiff_t per_image = tiles_h * tiles_w, ntiles = s->n * per_image;
    const ptrdiff_t in_plane = s->h_in * s->w_in, out_plane = s->h_out * s->w_out;
    const ptrdiff_t T = bk->tiles, cb = bk->in_block, ob = bk->out_block;
    const ptrdiff_t blocks = (ntiles + T - 1) / T;
    const ptrdiff_t per_thread = a2 * T * (cb + ob);
    const int nthreads = (int)fc_min(bk->threads, fc_max(blocks, 1));
    int stop = 0;

    FC_T *U = malloc((size_t)(a2 * cb * ob) * sizeof(FC_T));
    FC_T *work = malloc((size_t)(per_thread * nthreads) * sizeof(FC_T));
    if (U == NULL || work == NULL) {
        free(U);
        free(work);
        return FC_ERR_NOMEM;
    }

#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
    {
        /* this thread's transformed inputs V and products M */
        FC_T *const V = work + (ptrdiff_t)fc_thread_num() * per_thread;
        FC_T *const M = V + a2 * T * cb;
        FC_T buf_in[FC_WINO_MAX_ALPHA * FC_WINO_MAX_ALPHA * FC_WINO_LANES];
        FC_T buf_out[FC_WINO_MAX_ALPHA * FC_WINO_MAX_ALPHA * FC_WINO_LANES];

        for (ptrdiff_t g = 0; g < s->groups; ++g) {
            const FC_T *wg = w0 + g * s->ws_group;
            for (ptrdiff_t o0 = 0; o0 < og; o0 += ob) {
                const ptrdiff_t nob = fc_min(ob, og - o0);
                for (ptrdiff_t c0 = 0; c0 < cg; c0 += cb) {
                    const ptrdiff_t ncb = fc_min(cb, cg - c0);

                    /* U[e][c][o] = (G w(o, c) G^T)[e], o across the lanes (the
                     * loop's closing barrier: U is whole before it is read) */
#pragma omp for schedule(static)
                    for (ptrdiff_t c = 0; c < ncb; ++c) {
                        for (ptrdiff_t oo = 0; oo < nob; oo += L) {
                            const ptrdiff_t nl = fc_min(L, nob - oo);
                            for (ptrdiff_t l = 0; l < nl; ++l) {
                                const FC_T *wo = wg + (o0 + oo + l) * s->ws_out
                                                 + (c0 + c) * s->ws_in;
                                for (int r = 0; r < 3; ++r) {
                                    for (int q = 0; q < 3; ++q) {
                                        buf_in[(r * 3 + q) * L + l] =
                                            wo[r * s->ws_row + q * s->ws_col];
                                    }
                                }
                            }
                            if (nl < L) {
                                FC_SFX(wino_clear_lanes)(buf_in, 9, nl);
                            }
                            weight_transform(buf_in, L, buf_out, L);
                            for (int e = 0; e < a2; ++e) {
                                FC_SFX(wino_copy_lanes)(U + (e * ncb + c) * nob + oo,
                                                        buf_out + e * L, nl);
                            }
                        }
                    }

                    /* one unit per block of T tiles (its outputs are its own);
                     * the loop's closing barrier keeps U until every unit is done */
#pragma omp for schedule(dynamic, 1)
                    for (ptrdiff_t blk = 0; blk < blocks; ++blk) {
                        if (fc_nn_stopped(ex, &stop)) {
                            continue;
                        }
                        const ptrdiff_t t0 = blk * T, nt = fc_min(T, ntiles - t0);
                        /* V[t][e][c] = (B^T d(t, c) B)[e], c across the lanes */
                        for (ptrdiff_t tt = 0; tt < nt; ++tt) {
                            const ptrdiff_t tile = t0 + tt, b = tile / per_image;
                            const ptrdiff_t ti = (tile % per_image) / tiles_w, tj = tile % tiles_w;
                            const FC_T *xb = x + (b * s->c_in + g * cg + c0) * in_plane;
                            for (ptrdiff_t cc = 0; cc < ncb; cc += L) {
                                const ptrdiff_t nl = fc_min(L, ncb - cc);
                                FC_SFX(wino_gather_tile)(xb + cc * in_plane, nl, in_plane,
                                                         s->h_in, s->w_in, ti * m + s->off_h,
                                                         tj * m + s->off_w, alpha, buf_in);
                                FC_T *v = V + tt * a2 * ncb + cc;
                                if (nl == L) {      /* straight into the workspace */
                                    input_transform(buf_in, L, v, ncb);
                                    continue;
                                }
                                input_transform(buf_in, L, buf_out, L);
                                for (int e = 0; e < a2; ++e) {
                                    FC_SFX(wino_copy_lanes)(v + e * ncb, buf_out + e * L, nl);
                                }
                            }
                        }
                        /* M_e = V_e . U_e: column-major M_e^T (nob x nt) = U_e^T . V_e^T,
                         * the rows of V_e and M_e a2 * ncb and a2 * nob apart */
                        for (int e = 0; e < a2; ++e) {
                            gemm(gemm_context, FC_SFX_DTYPE, 'N', 'N', nob, nt, ncb,
                                 U + e * ncb * nob, nob, V + e * ncb, a2 * ncb, 0,
                                 M + e * nob, a2 * nob);
                        }
                        /* y tile = A^T M A, o across the lanes; the first channel
                         * block writes (with the bias), the others add */
                        for (ptrdiff_t tt = 0; tt < nt; ++tt) {
                            const ptrdiff_t tile = t0 + tt, b = tile / per_image;
                            const ptrdiff_t i0 = (tile % per_image) / tiles_w * m;
                            const ptrdiff_t j0 = tile % tiles_w * m;
                            const ptrdiff_t mi = fc_min(m, s->h_out - i0);
                            const ptrdiff_t mj = fc_min(m, s->w_out - j0);
                            for (ptrdiff_t oo = 0; oo < nob; oo += L) {
                                const ptrdiff_t nl = fc_min(L, nob - oo);
                                const FC_T *mt = M + tt * a2 * nob + oo;
                                if (nl == L) {      /* straight from the workspace */
                                    output_transform(mt, nob, buf_out, L);
                                } else {
                                    for (int e = 0; e < a2; ++e) {
                                        FC_SFX(wino_copy_lanes)(buf_in + e * L, mt + e * nob, nl);
                                    }
                                    FC_SFX(wino_clear_lanes)(buf_in, a2, nl);
                                    output_transform(buf_in, L, buf_out, L);
                                }
                                for (ptrdiff_t l = 0; l < nl; ++l) {
                                    const ptrdiff_t o = g * og + o0 + oo + l;
                                    FC_T *yo = y + (b * s->c_out + o) * out_plane
                                               + i0 * s->w_out + j0;
                                    const FC_T *val = buf_out + l;
                                    if (mi == m && mj == m) {    /* a whole tile */
                                        FC_SFX(wino_put_tile)(yo, s->w_out, val, m, c0 > 0,
                                                              c0 > 0 || bias == NULL ? 0 : bias[o]);
                                    } else if (c0 > 0) {
                                        for (ptrdiff_t i = 0; i < mi; ++i) {
                                            for (ptrdiff_t j = 0; j < mj; ++j) {
                                                yo[i * s->w_out + j] += val[(i * m + j) * L];
                                            }
                                        }
                                    } else {
                                        const FC_T add = bias != NULL ? bias[o] : 0;
                                        for (ptrdiff_t i = 0; i < mi; ++i) {
                                            for (ptrdiff_t j = 0; j < mj; ++j) {
                                                yo[i * s->w_out + j] = val[(i * m + j) * L] + add;
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    free(U);
    free(work);
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

#undef FC_WINO_KERNEL
