/*
 * conv2d_gw_tile.template.c -- the register tile of the direct grad_weight
 * kernel, included by conv2d_direct.template.c once per shape with
 *
 *   FC_GW_ROWS   kernel rows per tile (independent accumulator chains)
 *   FC_GW_VECS   tap vectors per kernel row
 *
 * (FC_GW_ROWS * FC_GW_VECS <= 8 vector accumulators) and the vector
 * vocabulary of conv2d_direct.template.c.  Every lane does the scalar
 * loop's acc = acc + dy*x on the same terms in the same order, so the tile
 * and grad_weight_columns give the same bits.
 */

/*
 * grad_weight_tile_<ROWS>_<VECS>: the terms of output columns [j_a, j_b) of
 * one output row added to nr <= FC_GW_ROWS kernel rows (xrows / dwrows, as
 * in grad_weight_columns), j ascending.  The kw taps of each kernel row
 * live in nv <= FC_GW_VECS vector registers for the whole range; lanes past
 * kw compute products that are never stored.
 * Contract: dilation 1 along the row, kw <= nv * FC_LANES, and for every j
 * in [j_a, j_b) the nv * FC_LANES lanes read inside the input row:
 * 0 <= j*stride_w - pad_w and j*stride_w - pad_w + nv*FC_LANES <= w_in.
 */
#define FC_GW_NAME FC_SFX(FC_CAT(FC_CAT(grad_weight_tile, FC_GW_ROWS), FC_GW_VECS))

static void FC_GW_NAME(const fc_conv2d_shape *s, const FC_T *const *xrows, FC_T *const *dwrows,
                       ptrdiff_t nr, ptrdiff_t nv, const FC_T *dyrow, ptrdiff_t j_a,
                       ptrdiff_t j_b)
{
    const ptrdiff_t kw = s->kw, sw = s->stride_w, pw = s->pad_w;
    FC_TILE_ACC acc[FC_GW_ROWS][FC_GW_VECS];
    FC_T lanes[FC_GW_VECS * FC_LANES];

    for (int rr = 0; rr < FC_GW_ROWS; ++rr) {
        for (int v = 0; v < FC_GW_VECS; ++v) {
            acc[rr][v] = FC_VZERO;
        }
        if (rr < nr) {
            for (ptrdiff_t q = 0; q < FC_GW_VECS * FC_LANES; ++q) {
                lanes[q] = q < kw ? dwrows[rr][q] : (FC_T)0;
            }
            for (int v = 0; v < FC_GW_VECS; ++v) {
                FC_VLOAD(acc[rr][v], lanes + v * FC_LANES);
            }
        }
    }
    for (ptrdiff_t j = j_a; j < j_b; ++j) {
        const FC_TILE_ACC gv = FC_VSPLAT(dyrow[j]);
        const ptrdiff_t base = j * sw - pw;
        for (int rr = 0; rr < FC_GW_ROWS; ++rr) {
            for (int v = 0; v < FC_GW_VECS; ++v) {
                if (rr < nr && v < nv) {
                    FC_TILE_ACC xv;
                    FC_VLOAD(xv, xrows[rr] + base + v * FC_LANES);
                    acc[rr][v] = FC_VMAC(acc[rr][v], gv, xv);
                }
            }
        }
    }
    for (int rr = 0; rr < FC_GW_ROWS && rr < nr; ++rr) {
        for (int v = 0; v < FC_GW_VECS; ++v) {
            FC_VSTORE(lanes + v * FC_LANES, acc[rr][v]);
        }
        for (ptrdiff_t q = 0; q < kw; ++q) {
            dwrows[rr][q] = lanes[q];
        }
    }
}

#undef FC_GW_NAME
