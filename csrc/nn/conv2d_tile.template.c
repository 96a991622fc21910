/*
 * conv2d_tile.template.c -- register-tile micro-kernels of the direct CNN
 * kernels, included by conv2d_direct.template.c once per tile shape with
 *
 *   FC_TILE_C   channels per tile (output channels for forward, input
 *               channels for grad_input)
 *   FC_TILE_V   vectors of FC_LANES consecutive positions of one row
 *
 * (and the vector vocabulary FC_TILE_ACC, FC_VLOAD, FC_VSPLAT, FC_VMAC, ...
 * of conv2d_direct.template.c).  A tile's FC_TILE_C x FC_TILE_V vector
 * accumulators stay in registers across the whole sum; each tap loads
 * FC_TILE_V vectors of consecutive inputs once and uses them for all
 * FC_TILE_C channels.  Tiles run only where every tap of every position is
 * inside the data (stride 1 along the row), so they have no bounds checks;
 * the caller computes the rest with the generic loops.  Every lane does the
 * scalar loops' operations -- acc = acc + w*x, rounded after the product and
 * after the sum, the terms in the same order -- so tiles and generic loops
 * give bit-identical results.
 */
#define FC_TILE_NAME(name) FC_SFX(FC_CAT(FC_CAT(name, FC_TILE_C), FC_TILE_V))

/*
 * Forward: y[o + u, i, j0 + t] for u < FC_TILE_C, t < FC_TILE_V * FC_LANES, summed over
 * (c, r, q) as conv2d_forward does.  xg: the group's input channels of one
 * image; wo: the weights of output channel o; top: input row of tap r = 0;
 * [r_lo, r_hi): the kernel rows inside the input; yo: output row i of
 * channel o (channel o + u is u * out_plane further); bias: NULL or bias[o].
 * Contract: columns j0 + t + q*dil_w - pad_w are inside [0, w_in) for every
 * t and q (stride_w is 1).
 */
static void FC_TILE_NAME(forward_tile)(const fc_conv2d_shape *s, const FC_T *xg,
                                       const FC_T *wo, ptrdiff_t top, ptrdiff_t r_lo,
                                       ptrdiff_t r_hi, ptrdiff_t j0, const FC_T *bias,
                                       FC_T *yo, ptrdiff_t out_plane)
{
    const ptrdiff_t cg = s->c_in / s->groups, taps = s->kh * s->kw, kw = s->kw;
    const ptrdiff_t w_in = s->w_in, in_plane = s->h_in * w_in;
    FC_TILE_ACC acc[FC_TILE_C][FC_TILE_V];

    for (int u = 0; u < FC_TILE_C; ++u) {
        for (int t = 0; t < FC_TILE_V; ++t) {
            acc[u][t] = FC_VZERO;
        }
    }
    for (ptrdiff_t c = 0; c < cg; ++c) {
        const FC_T *wc = wo + c * taps;
        for (ptrdiff_t r = r_lo; r < r_hi; ++r) {
            const FC_T *xrow = xg + c * in_plane + (top + r * s->dil_h) * w_in + j0 - s->pad_w;
            const FC_T *wrow = wc + r * kw;
            for (ptrdiff_t q = 0; q < kw; ++q) {
                FC_TILE_ACC xv[FC_TILE_V];
                for (int t = 0; t < FC_TILE_V; ++t) {
                    FC_VLOAD(xv[t], xrow + q * s->dil_w + t * FC_LANES);
                }
                for (int u = 0; u < FC_TILE_C; ++u) {
                    const FC_TILE_ACC wv = FC_VSPLAT(wrow[u * cg * taps + q]);
                    for (int t = 0; t < FC_TILE_V; ++t) {
                        acc[u][t] = FC_VMAC(acc[u][t], wv, xv[t]);
                    }
                }
            }
        }
    }
    for (int u = 0; u < FC_TILE_C; ++u) {
        FC_T *yrow = yo + u * out_plane + j0;
        for (int t = 0; t < FC_TILE_V; ++t) {
            FC_TILE_ACC out = acc[u][t];
            if (bias != NULL) {
                out = FC_VADD(out, FC_VSPLAT(bias[u]));
            }
            FC_VSTORE(yrow + t * FC_LANES, out);
        }
    }
}

/*
 * grad_input: dx[c + u, h, v0 + t] for u < FC_TILE_C, t < FC_TILE_V * FC_LANES, summed
 * over (o, r, q) as conv2d_grad_input does.  dyg: the group's output
 * gradients of one image; wc: the weights of input channel c (in group
 * order) of output channel 0 of the group; dxo: row h of input channel c
 * (channel c + u is u * in_plane further); bias: NULL or bias[c].
 * Contract: stride_w is 1 and output columns v0 + t + pad_w - q*dil_w are
 * inside [0, w_out) for every t and q.
 */
static void FC_TILE_NAME(grad_input_tile)(const fc_conv2d_shape *s, const FC_T *dyg,
                                          const FC_T *wc, ptrdiff_t h, ptrdiff_t v0,
                                          const FC_T *bias, FC_T *dxo, ptrdiff_t in_plane)
{
    const ptrdiff_t cg = s->c_in / s->groups, og = s->c_out / s->groups;
    const ptrdiff_t kh = s->kh, kw = s->kw, taps = kh * kw, sh = s->stride_h;
    const ptrdiff_t w_out = s->w_out, out_plane = s->h_out * w_out;
    FC_TILE_ACC acc[FC_TILE_C][FC_TILE_V];

    for (int u = 0; u < FC_TILE_C; ++u) {
        for (int t = 0; t < FC_TILE_V; ++t) {
            acc[u][t] = FC_VZERO;
        }
    }
    for (ptrdiff_t o = 0; o < og; ++o) {
        const FC_T *wo = wc + o * cg * taps;
        for (ptrdiff_t r = 0; r < kh; ++r) {
            const ptrdiff_t i_sh = h + s->pad_h - r * s->dil_h;   /* = i * stride_h */
            if (i_sh < 0 || i_sh % sh != 0 || i_sh / sh >= s->h_out) {
                continue;
            }
            /* dyrow[v - q*dil_w] is output column v + pad_w - q*dil_w */
            const FC_T *dyrow = dyg + o * out_plane + (i_sh / sh) * w_out + v0 + s->pad_w;
            const FC_T *wrow = wo + r * kw;
            for (ptrdiff_t q = 0; q < kw; ++q) {
                FC_TILE_ACC dv[FC_TILE_V];
                for (int t = 0; t < FC_TILE_V; ++t) {
                    FC_VLOAD(dv[t], dyrow - q * s->dil_w + t * FC_LANES);
                }
                for (int u = 0; u < FC_TILE_C; ++u) {
                    const FC_TILE_ACC wv = FC_VSPLAT(wrow[u * taps + q]);
                    for (int t = 0; t < FC_TILE_V; ++t) {
                        acc[u][t] = FC_VMAC(acc[u][t], wv, dv[t]);
                    }
                }
            }
        }
    }
    for (int u = 0; u < FC_TILE_C; ++u) {
        FC_T *dxrow = dxo + u * in_plane + v0;
        for (int t = 0; t < FC_TILE_V; ++t) {
            FC_TILE_ACC out = acc[u][t];
            if (bias != NULL) {
                out = FC_VADD(out, FC_VSPLAT(bias[u]));
            }
            FC_VSTORE(dxrow + t * FC_LANES, out);
        }
    }
}

#undef FC_TILE_NAME
