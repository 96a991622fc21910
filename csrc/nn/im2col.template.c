/*
 * im2col.template.c -- the column matrix of a CNN layer and its adjoint
 * (Caffe's im2col / col2im with separate row and column padding, stride and
 * dilation), one tile at a time; one instantiation per floating type
 * (included by im2col.c with FC_DT set).  Formulas and contract: fastconv.h.
 *
 * Both walk the tile row of the matrix by row of the matrix (tap k = (c, r, q))
 * and, inside it, output row by output row: for one tap and one output row
 * the in-range output columns [lo, hi) are a contiguous run (computed once
 * per tap), read from / added to input columns j*sw + q*dw - pw.
 */

static void FC_SFX(conv2d_im2col)(const fc_conv2d_shape *s, const FC_T *xg,
                                  ptrdiff_t k0, ptrdiff_t nk, ptrdiff_t p0, ptrdiff_t np,
                                  FC_T *cols)
{
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw;
    const ptrdiff_t sw = s->stride_w, w_in = s->w_in, w_out = s->w_out;
    const ptrdiff_t in_plane = s->h_in * w_in;

    for (ptrdiff_t kk = 0; kk < nk; ++kk) {
        const ptrdiff_t k = k0 + kk;
        const ptrdiff_t c = k / taps, r = (k / kw) % kh, q = k % kw;
        const FC_T *xc = xg + c * in_plane;
        const ptrdiff_t off = q * s->dil_w - s->pad_w;   /* column j reads j*sw + off */
        ptrdiff_t lo, hi;
        fc_inside(off, sw, w_in, w_out, &lo, &hi);
        FC_T *dst = cols + kk * np;   /* dst[jj - j]: output column jj of the current row */
        ptrdiff_t p = p0;
        while (p < p0 + np) {
            const ptrdiff_t i = p / w_out, j = p % w_out;
            const ptrdiff_t j_end = fc_min(w_out, j + (p0 + np - p));
            const ptrdiff_t h = i * s->stride_h - s->pad_h + r * s->dil_h;
            if (h < 0 || h >= s->h_in) {
                for (ptrdiff_t jj = j; jj < j_end; ++jj) {
                    FC_ZERO(dst[jj - j]);
                }
            } else {
                const FC_T *xrow = xc + h * w_in;
                const ptrdiff_t a = fc_min(fc_max(lo, j), j_end);
                const ptrdiff_t b = fc_max(fc_min(hi, j_end), a);
                for (ptrdiff_t jj = j; jj < a; ++jj) {
                    FC_ZERO(dst[jj - j]);
                }
                if (sw == 1) {
                    for (ptrdiff_t jj = a; jj < b; ++jj) {
                        dst[jj - j] = xrow[jj + off];
                    }
                } else {
                    for (ptrdiff_t jj = a; jj < b; ++jj) {
                        dst[jj - j] = xrow[jj * sw + off];
                    }
                }
                for (ptrdiff_t jj = b; jj < j_end; ++jj) {
                    FC_ZERO(dst[jj - j]);
                }
            }
            dst += j_end - j;
            p += j_end - j;
        }
    }
}

static void FC_SFX(conv2d_col2im)(const fc_conv2d_shape *s, const FC_T *cols,
                                  ptrdiff_t k0, ptrdiff_t nk, ptrdiff_t p0, ptrdiff_t np,
                                  int zero_fill, FC_T *xg)
{
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw;
    const ptrdiff_t sw = s->stride_w, w_in = s->w_in, w_out = s->w_out;
    const ptrdiff_t in_plane = s->h_in * w_in;

    if (zero_fill) {
        const ptrdiff_t total = s->c_in / s->groups * in_plane;
        for (ptrdiff_t e = 0; e < total; ++e) {
            FC_ZERO(xg[e]);
        }
    }

    for (ptrdiff_t kk = 0; kk < nk; ++kk) {
        const ptrdiff_t k = k0 + kk;
        const ptrdiff_t c = k / taps, r = (k / kw) % kh, q = k % kw;
        FC_T *xc = xg + c * in_plane;
        const ptrdiff_t off = q * s->dil_w - s->pad_w;
        ptrdiff_t lo, hi;
        fc_inside(off, sw, w_in, w_out, &lo, &hi);
        const FC_T *src = cols + kk * np;
        ptrdiff_t p = p0;
        while (p < p0 + np) {
            const ptrdiff_t i = p / w_out, j = p % w_out;
            const ptrdiff_t j_end = fc_min(w_out, j + (p0 + np - p));
            const ptrdiff_t h = i * s->stride_h - s->pad_h + r * s->dil_h;
            if (h >= 0 && h < s->h_in) {
                FC_T *xrow = xc + h * w_in;
                const ptrdiff_t a = fc_min(fc_max(lo, j), j_end);
                const ptrdiff_t b = fc_max(fc_min(hi, j_end), a);
                if (sw == 1) {
                    for (ptrdiff_t jj = a; jj < b; ++jj) {
                        xrow[jj + off] += src[jj - j];
                    }
                } else {
                    for (ptrdiff_t jj = a; jj < b; ++jj) {
                        xrow[jj * sw + off] += src[jj - j];
                    }
                }
            }
            src += j_end - j;
            p += j_end - j;
        }
    }
}
