/*
 * conv2d_direct.template.c -- the direct CNN layer kernels (forward,
 * grad_input, grad_weight), one instantiation per floating type (included by
 * conv2d_direct.c with FC_DT set; see dtype_ops.h).  The formulas and the
 * contract are in fastconv.h ("nn kernels").
 *
 * No padded copy and no workspace beyond a stack block of FC_NN_BLOCK
 * accumulators: for every tap, the range of outputs whose input index falls
 * inside the data is computed once (fc_inside), and only those terms are
 * summed.  The innermost loops run over independent outputs (contiguous
 * output positions for forward and grad_input, contiguous taps for
 * grad_weight), so the compiler vectorizes them without reassociating any
 * sum; each output still receives its terms in the documented order.
 */

/*
 * Forward: y[b, o, i, j] = sum_{c, r, q} w[o, c, r, q] * x[b, g*cg + c, i*sh - ph + r*dh,
 * j*sw - pw + q*dw] (+ bias[o]), summed over (c, r, q) in that order.
 *
 * Loop order: image -> group -> output row i -> output channel o -> block of
 * output columns (accumulators in L1) -> c -> r -> q -> output column.  For
 * one output row only kh rows of each input channel of the group are read,
 * so the input rows stay in cache while all og output channels use them.
 */
static void FC_SFX(conv2d_forward)(const fc_conv2d_shape *s, const FC_T *x, const FC_T *w,
                                   const FC_T *bias, FC_T *y)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw;
    const ptrdiff_t sw = s->stride_w, dh = s->dil_h, dw = s->dil_w;
    const ptrdiff_t w_in = s->w_in, w_out = s->w_out;
    const ptrdiff_t in_plane = s->h_in * w_in;
    FC_ACC acc[FC_NN_BLOCK];

    for (ptrdiff_t b = 0; b < s->n; ++b) {
        for (ptrdiff_t g = 0; g < s->groups; ++g) {
            const FC_T *xg = x + (b * s->c_in + g * cg) * in_plane;
            for (ptrdiff_t i = 0; i < s->h_out; ++i) {
                const ptrdiff_t top = i * s->stride_h - s->pad_h;   /* input row of tap r = 0 */
                ptrdiff_t r_lo, r_hi;
                fc_inside(top, dh, s->h_in, kh, &r_lo, &r_hi);
                for (ptrdiff_t o = g * og; o < (g + 1) * og; ++o) {
                    const FC_T *wo = w + o * cg * taps;
                    FC_T *yrow = y + ((b * s->c_out + o) * s->h_out + i) * w_out;
                    for (ptrdiff_t j0 = 0; j0 < w_out; j0 += FC_NN_BLOCK) {
                        const ptrdiff_t nj = fc_min(FC_NN_BLOCK, w_out - j0);
                        for (ptrdiff_t j = 0; j < nj; ++j) {
                            FC_ZERO(acc[j]);
                        }
                        for (ptrdiff_t c = 0; c < cg; ++c) {
                            const FC_T *xc = xg + c * in_plane;
                            const FC_T *wc = wo + c * taps;
                            for (ptrdiff_t r = r_lo; r < r_hi; ++r) {
                                const FC_T *xrow = xc + (top + r * dh) * w_in;
                                const FC_T *wrow = wc + r * kw;
                                for (ptrdiff_t q = 0; q < kw; ++q) {
                                    /* output j reads input column j*sw + off */
                                    const ptrdiff_t off = q * dw - s->pad_w;
                                    ptrdiff_t lo, hi;
                                    fc_inside(off, sw, w_in, w_out, &lo, &hi);
                                    lo = fc_max(lo, j0);
                                    hi = fc_min(hi, j0 + nj);
                                    const FC_T wv = wrow[q];
                                    if (sw == 1) {
                                        for (ptrdiff_t j = lo; j < hi; ++j) {
                                            FC_MAC(acc[j - j0], wv, xrow[j + off]);
                                        }
                                    } else {
                                        for (ptrdiff_t j = lo; j < hi; ++j) {
                                            FC_MAC(acc[j - j0], wv, xrow[j * sw + off]);
                                        }
                                    }
                                }
                            }
                        }
                        if (bias != NULL) {
                            const FC_T bv = bias[o];
                            for (ptrdiff_t j = 0; j < nj; ++j) {
                                FC_STORE(yrow[j0 + j], acc[j] + bv);
                            }
                        } else {
                            for (ptrdiff_t j = 0; j < nj; ++j) {
                                FC_STORE(yrow[j0 + j], acc[j]);
                            }
                        }
                    }
                }
            }
        }
    }
}

/*
 * grad_input (the transposed convolution), gathered: every element of dx is
 * the sum, over (o, r, q) in that order, of the terms dy[b, o, i, j] * w[o, c, r, q]
 * whose output (i, j) read it, plus bias[c'] when given.
 *
 * Loop order: image -> group -> input row h -> input channel c -> block of
 * input columns (accumulators) -> o -> r (the rows with h = i*sh - ph + r*dh
 * for an in-range i) -> q -> output column j.  Output column j of tap q adds
 * to input column v = j*sw + q*dw - pw: contiguous for stride 1, every sw-th
 * accumulator otherwise; no two terms of one (o, r, q) meet the same v, so
 * there is no race and no reassociation.
 */
static void FC_SFX(conv2d_grad_input)(const fc_conv2d_shape *s, const FC_T *dy, const FC_T *w,
                                      const FC_T *bias, FC_T *dx)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw;
    const ptrdiff_t sh = s->stride_h, sw = s->stride_w, dh = s->dil_h, dw = s->dil_w;
    const ptrdiff_t w_in = s->w_in, w_out = s->w_out;
    const ptrdiff_t out_plane = s->h_out * w_out;
    FC_ACC acc[FC_NN_BLOCK];

    for (ptrdiff_t b = 0; b < s->n; ++b) {
        for (ptrdiff_t g = 0; g < s->groups; ++g) {
            const FC_T *dyg = dy + (b * s->c_out + g * og) * out_plane;
            for (ptrdiff_t h = 0; h < s->h_in; ++h) {
                for (ptrdiff_t c = 0; c < cg; ++c) {
                    const ptrdiff_t cc = g * cg + c;
                    FC_T *dxrow = dx + ((b * s->c_in + cc) * s->h_in + h) * w_in;
                    for (ptrdiff_t v0 = 0; v0 < w_in; v0 += FC_NN_BLOCK) {
                        const ptrdiff_t nv = fc_min(FC_NN_BLOCK, w_in - v0);
                        for (ptrdiff_t v = 0; v < nv; ++v) {
                            FC_ZERO(acc[v]);
                        }
                        for (ptrdiff_t o = 0; o < og; ++o) {
                            const FC_T *wc = w + ((g * og + o) * cg + c) * taps;
                            const FC_T *dyo = dyg + o * out_plane;
                            for (ptrdiff_t r = 0; r < kh; ++r) {
                                const ptrdiff_t t = h + s->pad_h - r * dh;   /* = i * sh */
                                if (t < 0 || t % sh != 0 || t / sh >= s->h_out) {
                                    continue;
                                }
                                const FC_T *dyrow = dyo + (t / sh) * w_out;
                                const FC_T *wrow = wc + r * kw;
                                for (ptrdiff_t q = 0; q < kw; ++q) {
                                    /* output j adds to accumulator j*sw + off */
                                    const ptrdiff_t off = q * dw - s->pad_w - v0;
                                    ptrdiff_t lo, hi;
                                    fc_inside(off, sw, nv, w_out, &lo, &hi);
                                    const FC_T wv = wrow[q];
                                    if (sw == 1) {
                                        for (ptrdiff_t j = lo; j < hi; ++j) {
                                            FC_MAC(acc[j + off], wv, dyrow[j]);
                                        }
                                    } else {
                                        for (ptrdiff_t j = lo; j < hi; ++j) {
                                            FC_MAC(acc[j * sw + off], wv, dyrow[j]);
                                        }
                                    }
                                }
                            }
                        }
                        if (bias != NULL) {
                            const FC_T bv = bias[cc];
                            for (ptrdiff_t v = 0; v < nv; ++v) {
                                FC_STORE(dxrow[v0 + v], acc[v] + bv);
                            }
                        } else {
                            for (ptrdiff_t v = 0; v < nv; ++v) {
                                FC_STORE(dxrow[v0 + v], acc[v]);
                            }
                        }
                    }
                }
            }
        }
    }
}

/*
 * grad_weight: dw[o, c, r, q] = sum over (b, i, j), in that order, of
 * dy[b, o, i, j] * x[b, g*cg + c, i*sh - ph + r*dh, j*sw - pw + q*dw].
 *
 * dw itself is the accumulator (zeroed first).  Loop order: image -> group ->
 * o -> c -> output row i -> r -> output column j -> tap column q; the
 * innermost loop is an axpy of one dy value over the contiguous taps of one
 * kernel row, so for a given (o, c, r, q) the terms still arrive in (b, i, j)
 * order.
 */
static void FC_SFX(conv2d_grad_weight)(const fc_conv2d_shape *s, const FC_T *x, const FC_T *dy,
                                       FC_T *dw)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw;
    const ptrdiff_t sw = s->stride_w, dh = s->dil_h, dl = s->dil_w;
    const ptrdiff_t w_in = s->w_in, w_out = s->w_out;
    const ptrdiff_t in_plane = s->h_in * w_in, out_plane = s->h_out * w_out;
    const ptrdiff_t total = s->c_out * cg * taps;

    for (ptrdiff_t k = 0; k < total; ++k) {
        FC_ZERO(dw[k]);
    }
    for (ptrdiff_t b = 0; b < s->n; ++b) {
        for (ptrdiff_t g = 0; g < s->groups; ++g) {
            for (ptrdiff_t o = g * og; o < (g + 1) * og; ++o) {
                const FC_T *dyo = dy + (b * s->c_out + o) * out_plane;
                for (ptrdiff_t c = 0; c < cg; ++c) {
                    const FC_T *xc = x + (b * s->c_in + g * cg + c) * in_plane;
                    FC_T *dwk = dw + (o * cg + c) * taps;
                    for (ptrdiff_t i = 0; i < s->h_out; ++i) {
                        const ptrdiff_t top = i * s->stride_h - s->pad_h;
                        const FC_T *dyrow = dyo + i * w_out;
                        ptrdiff_t r_lo, r_hi;
                        fc_inside(top, dh, s->h_in, kh, &r_lo, &r_hi);
                        for (ptrdiff_t r = r_lo; r < r_hi; ++r) {
                            const FC_T *xrow = xc + (top + r * dh) * w_in;
                            FC_T *dwrow = dwk + r * kw;
                            for (ptrdiff_t j = 0; j < w_out; ++j) {
                                /* tap q of output j reads input column base + q*dl */
                                const ptrdiff_t base = j * sw - s->pad_w;
                                ptrdiff_t lo, hi;
                                fc_inside(base, dl, w_in, kw, &lo, &hi);
                                const FC_T gv = dyrow[j];
                                if (dl == 1) {
                                    for (ptrdiff_t q = lo; q < hi; ++q) {
                                        FC_MAC(dwrow[q], gv, xrow[base + q]);
                                    }
                                } else {
                                    for (ptrdiff_t q = lo; q < hi; ++q) {
                                        FC_MAC(dwrow[q], gv, xrow[base + q * dl]);
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
