/*
 * nn_kernels.h -- the nn family's part of the kernel table
 * (csrc/core/kernels.h): the micro-kernels of the CNN layers.
 */
#ifndef FASTCONV_NN_KERNELS_H
#define FASTCONV_NN_KERNELS_H

#include "fastconv.h"
#include "winograd_kernels.h"

/*
 * Depthwise row kernels (depthwise_kernels.c): n outputs of one row of one
 * channel,
 *
 *     y[j] = sum_{r < nr} sum_{q < kw}  w0[r*wrow_step + q] * x0[r*row_step + j*stride + q*tap_step]
 *
 * (+ *bias when bias is not NULL), summed in (r, q) order with a rounding
 * after every product and sum at every level (reference, AVX2).
 */
typedef void (*fc_dw_row_f32)(const float *x0, ptrdiff_t row_step, const float *w0,
                              ptrdiff_t wrow_step, ptrdiff_t nr, ptrdiff_t kw,
                              ptrdiff_t tap_step, ptrdiff_t stride, ptrdiff_t n,
                              const float *bias, float *y);
typedef void (*fc_dw_row_f64)(const double *x0, ptrdiff_t row_step, const double *w0,
                              ptrdiff_t wrow_step, ptrdiff_t nr, ptrdiff_t kw,
                              ptrdiff_t tap_step, ptrdiff_t stride, ptrdiff_t n,
                              const double *bias, double *y);

/*
 * Depthwise grad_weight of nch <= FC_DW_GW_CHANNELS consecutive channels (a
 * layer with one input and one output channel per group, stride_w 1 or 2,
 * kh*kw <= FC_DW_GW_MAX_TAPS), for each channel:
 *
 *     dw[r*kw + q] = sum_{b, i, j}  dy[b][i][j] * x[b][i*sh - ph + r*dh][j*sw - pw + q*dw]
 *
 * x: the first channel's plane in image 0 (image b is b*c_in*h_in*w_in
 * further, channel c h_in*w_in further), dy likewise, dw: the channels'
 * kh*kw weights each (overwritten).  Every lane is used, edges
 * included: output column j's term goes to lane j % L of its tap
 * (FC_DW_GW_LANES_*: L = 16 for float32, 8 for float64, at every level), in
 * (b, i, j) order, the terms whose input is outside the row skipped; then
 * dw = ((0 + lane 0) + lane 1) + ... + lane L-1.  Products and sums rounded
 * separately: the same bits at every level (not those of
 * fastconv.reference, which sums in (b, i, j) order).
 */
#define FC_DW_GW_MAX_TAPS 25
#define FC_DW_GW_CHANNELS 16
#define FC_DW_GW_LANES_F32 16
#define FC_DW_GW_LANES_F64 8

typedef void (*fc_dw_gw_f32)(const fc_conv2d_shape *s, const float *x, const float *dy,
                             float *dw, ptrdiff_t nch);
typedef void (*fc_dw_gw_f64)(const fc_conv2d_shape *s, const double *x, const double *dy,
                             double *dw, ptrdiff_t nch);

/*
 * Depthwise plane kernels (AVX2 and AVX-512 levels; NULL at scalar): every output
 * of one channel of one image, edges included,
 *
 *     out[i][j] = sum_{r < kh} sum_{q < kw}  w[r*kw + q] * in[i*stride_h + row0 + r*row_step]
 *                                                          [j*stride_w + col0 + q*col_step]
 *
 * (+ *bias when bias is not NULL, added after the sum), over the terms whose
 * input index is inside [0, h_in) x [0, w_in) only, in (r, q) order, with a
 * rounding after every product and sum: the arithmetic of the generic
 * direct loops (forward_column / grad_input_column), so the same bits at
 * every level.  Forward: row0 = -pad_h, row_step = dil_h, col0 = -pad_w,
 * col_step = dil_w; grad_input (strides 1): the flipped correlation of dy,
 * row0 = pad_h, row_step = -dil_h, col0 = pad_w, col_step = -dil_w.
 * Contract: stride_w is 1 or 2, 1 <= kw <= FC_DW_PLANE_MAX_KW; only
 * elements inside the in plane are read (masked loads), only out's
 * h_out*w_out elements written.
 */
#define FC_DW_PLANE_MAX_KW 16

typedef struct {
    ptrdiff_t h_in, w_in, h_out, w_out, kh, kw;
    ptrdiff_t stride_h, stride_w;
    ptrdiff_t row0, row_step, col0, col_step;
} fc_dw_plane;

typedef void (*fc_dw_plane_f32)(const fc_dw_plane *p, const float *in, const float *w,
                                const float *bias, float *out);
typedef void (*fc_dw_plane_f64)(const fc_dw_plane *p, const double *in, const double *w,
                                const double *bias, double *out);

/*
 * Flat depthwise kernels (AVX-512 level; NULL elsewhere): planes [pl0, pl1)
 * of a geometry that fc_dw_flat_fits, each as the plane kernel computes it
 * (same terms, order and roundings: the same bits), plane pl reading
 * in + pl*h_in*w_in with taps w + (pl % groups)*kh*kw (and bias + pl %
 * groups) and writing out + pl*h_out*w_out.  With strides 1 and
 * w_out == w_in, output position p = i*w_out + j of a plane reads input
 * position p + (row0 + r*row_step)*w_in + col0 + q*col_step for tap (r, q):
 * one offset per tap, so a vector holds consecutive positions whatever the
 * row width (a 14-wide row no longer leaves 18 of 32 lanes empty), and the
 * lanes whose input is outside the plane are masked off the load and the
 * add.  The masks depend on the geometry alone: computed once per call for
 * all its planes (at most FC_DW_FLAT_MAX_MASKS vectors x taps).
 */
#define FC_DW_FLAT_MAX_TAPS 25
#define FC_DW_FLAT_MAX_MASKS 8192
#define FC_DW_FLAT_VECTOR_BYTES 64

static inline int fc_dw_flat_fits(const fc_dw_plane *p, size_t itemsize)
{
    const ptrdiff_t lanes = FC_DW_FLAT_VECTOR_BYTES / (ptrdiff_t)itemsize;
    const ptrdiff_t taps = p->kh * p->kw;
    if (p->stride_h != 1 || p->stride_w != 1 || p->w_out != p->w_in || taps > FC_DW_FLAT_MAX_TAPS
        || p->h_out <= 0 || p->w_out <= 0 || p->h_out > FC_DW_FLAT_MAX_MASKS * lanes / p->w_out) {
        return 0;
    }
    return (p->h_out * p->w_out + lanes - 1) / lanes * taps <= FC_DW_FLAT_MAX_MASKS;
}

typedef void (*fc_dw_flat_f32)(const fc_dw_plane *p, const float *in, const float *w,
                               const float *bias, float *out, ptrdiff_t pl0, ptrdiff_t pl1,
                               ptrdiff_t groups);
typedef void (*fc_dw_flat_f64)(const fc_dw_plane *p, const double *in, const double *w,
                               const double *bias, double *out, ptrdiff_t pl0, ptrdiff_t pl1,
                               ptrdiff_t groups);

typedef struct {
    fc_dw_row_f32 row_f32;
    fc_dw_row_f64 row_f64;
    fc_dw_gw_f32 grad_weight_f32;
    fc_dw_gw_f64 grad_weight_f64;
    fc_dw_plane_f32 plane_f32;   /* NULL: no plane kernel at this level */
    fc_dw_plane_f64 plane_f64;
    fc_dw_flat_f32 flat_f32;     /* NULL: no flat kernel at this level */
    fc_dw_flat_f64 flat_f64;
} fc_depthwise_kernels;

/*
 * Dense row kernels (AVX2 and AVX-512 levels; NULL at the reference level,
 * dense_kernels.c): nr_out consecutive
 * output rows of nu <= FC_DENSE_UNITS channels ("units") of a layer with
 * stride 1 along the row, every column j < n, edges included:
 *
 *     out[u*out_plane + e*rows_out_step + j] =
 *         sum_{c < nsum} sum_{k < nrows} sum_{q < kw}
 *             wp[c*w_sum + k*w_row + q*FC_DENSE_UNITS + u]
 *           * in[c*in_plane + e*rows_in_step + k*row_step + j*stride_w + col0 + q*col_step]
 *
 * (+ bias[u] when bias is not NULL, added after the sum), over the terms
 * whose input column j*stride_w + col0 + q*col_step is inside [0, w_in)
 * only, in (c, k, q) order -- the generic direct loops' terms and order --
 * each term
 * added by a fused multiply-add (one rounding), so the bits are those of
 * the generic loops' order with fused terms: identical for every thread
 * count, not those of the levels without this kernel.
 * wp holds the weights packed by unit (FC_DENSE_UNITS consecutive values
 * per tap; units >= nu are never stored).  Forward: units are output
 * channels, c the group's input channels, k the kernel rows inside the
 * input; grad_input (stride_h 1 or any, see conv2d_direct.template.c):
 * units are input channels, c the group's output channels, the columns
 * flipped (col_step = -dil_w).
 * Flattened rows (flat > 0, where the table's row_flat is set; nr_out 1,
 * stride_w 1): the n positions are rows of `flat` columns one after the
 * other, in and out alike (the caller checks that an input row and an
 * output row are both `flat` elements apart): position j's column is
 * j % flat, and only that column decides which taps are inside -- so a
 * band of short rows fills whole vectors instead of leaving the lanes past
 * each row's end empty.  The terms and their order are those of the rows
 * computed one by one: the same bits.
 * Prefetch (prefetch_shift != 0): the input of the caller's next band is
 * `prefetch_shift` elements from this one's; for each summed channel the
 * kernel asks for the cache lines of its vectors' newest input row (the
 * kernel row whose input row is largest) that far ahead -- a hint, never a
 * read, so any shift is safe.
 * Contract: 1 <= kw <= FC_DENSE_MAX_KW, 1 <= nu <= FC_DENSE_UNITS,
 * 1 <= nr_out <= FC_DENSE_ROWS, 1 <= stride_w <= the table's
 * row_max_stride_w (2 at AVX-512: two loads and a permute per input vector;
 * 1 at AVX2); only elements of the given rows inside [0, w_in) are read
 * (masked loads); only out's columns [0, n) written.
 */
#define FC_DENSE_UNITS 8
#define FC_DENSE_ROWS 3
#define FC_DENSE_MAX_KW 16
/* __builtin_prefetch locality of the prefetch above */
#define FC_DENSE_PREFETCH_LOCALITY 2

typedef struct {
    ptrdiff_t nsum, in_plane;               /* channels summed over, their plane stride */
    ptrdiff_t nrows, row_step;              /* tap rows k, input elements between them */
    ptrdiff_t w_in, kw, col0, col_step, n;  /* columns: see the formula above */
    ptrdiff_t stride_w;                     /* 1, or 2 where the level allows it */
    ptrdiff_t flat;                         /* 0, or see "Flattened rows" above */
    ptrdiff_t w_sum, w_row;                 /* packed-weight strides of c and k */
    ptrdiff_t out_plane;                    /* output elements between units */
    ptrdiff_t rows_in_step, rows_out_step;  /* between the nr_out rows, in and out */
    ptrdiff_t prefetch_shift;               /* 0, or see "Prefetch" above */
} fc_dense_row;

/* The prefetch of fc_dense_row: from the input of a chunk (its kernel row
 * 0) to the next band's newest input row, that of the kernel row whose
 * input row is largest; 0 for none. */
static inline ptrdiff_t fc_dense_prefetch_offset(const fc_dense_row *p)
{
    if (p->prefetch_shift == 0 || p->nrows == 0) {
        return 0;
    }
    return p->prefetch_shift + (p->row_step > 0 ? (p->nrows - 1) * p->row_step : 0);
}

typedef void (*fc_dense_row_f32)(const fc_dense_row *p, ptrdiff_t nu, ptrdiff_t nr_out,
                                 const float *in, const float *wp, const float *bias,
                                 float *out);
typedef void (*fc_dense_row_f64)(const fc_dense_row *p, ptrdiff_t nu, ptrdiff_t nr_out,
                                 const double *in, const double *wp, const double *bias,
                                 double *out);

/*
 * Dense grad_weight kernels (AVX-512 level only; NULL below it): the lane
 * sums of the weight gradient of FC_DENSE_UNITS output channels ("units")
 * for one input channel, one kernel row and nq <= FC_DENSE_GW_TAPS
 * consecutive taps of it, over one band of output rows of a layer with
 * stride 1 along the rows -- rows [i_lo, i_hi) of nimages images:
 *
 *     lanes[(u*FC_DENSE_GW_TAPS + t)*L + l] +=
 *         sum over (v, b, i), in that order, of
 *             dyp[((v*nimages + b)*(i_hi - i_lo) + i - i_lo)*FC_DENSE_UNITS*L + u*L + l]
 *           * x[b*x_image + (i*row_step + row0)*w_in + j*stride_w + col0 + t*col_step]
 *
 * for output column j = v*L + l < w_out (L = FC_DENSE_GW_LANES_F32 / _F64;
 * stride_w 1 or 2), over the terms whose x row is inside [0, h_in) and x
 * column inside
 * [0, w_in) only (a term outside is skipped, never added as zero), each
 * added by a fused multiply-add.  dyp is the band of dy packed by the
 * caller: for each vector v of L columns and each row, the L values of
 * every unit (zero past w_out and for missing units).  A caller that walks
 * the bands in order and adds each weight's lanes up at the end gets one
 * fixed order per weight, whatever the number of threads.  x points at
 * image 0 of the input channel; lanes holds FC_DENSE_UNITS *
 * FC_DENSE_GW_TAPS * L sums (those of taps >= nq are left unspecified).
 * Contract: 1 <= nq <= FC_DENSE_GW_TAPS; only elements of x inside its rows
 * are read (masked loads).
 */
#define FC_DENSE_GW_TAPS 3
#define FC_DENSE_GW_LANES_F32 16
#define FC_DENSE_GW_LANES_F64 8

typedef struct {
    ptrdiff_t nimages, i_lo, i_hi;    /* the band: images, and output rows of each */
    ptrdiff_t w_out;                  /* output columns */
    ptrdiff_t h_in, w_in, x_image;    /* x: rows, row length, image stride */
    ptrdiff_t row0, row_step;         /* output row i reads x row i*row_step + row0 */
    ptrdiff_t col0, col_step, nq;     /* tap t reads x column j*stride_w + col0 + t*col_step */
    ptrdiff_t stride_w;               /* 1 or 2 */
} fc_dense_gw;

typedef void (*fc_dense_gw_f32)(const fc_dense_gw *p, const float *x, const float *dyp,
                                float *lanes);
typedef void (*fc_dense_gw_f64)(const fc_dense_gw *p, const double *x, const double *dyp,
                                double *lanes);

/*
 * Dense pointwise grad_weight kernels (AVX-512 level only; NULL below it):
 * the lane sums of the weight gradient of a 1x1 layer with strides 1 and
 * no padding, for FC_DENSE_UNITS output channels ("units", nu of them
 * kept) and nq <= FC_DENSE_GW_TAPS input channels, over n positions of
 * each of nimages images:
 *
 *     lanes[(u*FC_DENSE_GW_TAPS + t)*L + l] +=
 *         sum over (b, v), in that order, of
 *             dy[b*dy_image + u*dy_step + j] * x[b*x_image + t*x_step + j]
 *
 * for position j = v*L + l < n (L as the dense grad_weight kernel's), each
 * term added by a fused multiply-add; the lanes of units >= nu and of
 * channels >= nq are left unspecified.  A caller that walks images and runs
 * of positions in order and adds each weight's lanes up at the end gets
 * one fixed order per weight, whatever the number of threads.
 * Contract: 1 <= nu <= FC_DENSE_UNITS, 1 <= nq <= FC_DENSE_GW_TAPS; only
 * the x and dy elements of the sum (t < nq, u < nu, j < n) are read.
 */
typedef struct {
    ptrdiff_t n;                /* positions of an image */
    ptrdiff_t nimages, x_image, dy_image;   /* images, and their distance in x and dy */
    ptrdiff_t nu, dy_step;      /* units kept, and their dy rows' distance */
    ptrdiff_t nq, x_step;       /* input channels, and their x rows' distance */
} fc_dense_pw_gw;

typedef void (*fc_dense_pw_gw_f32)(const fc_dense_pw_gw *p, const float *x, const float *dy,
                                   float *lanes);
typedef void (*fc_dense_pw_gw_f64)(const fc_dense_pw_gw *p, const double *x,
                                   const double *dy, double *lanes);

typedef struct {
    fc_dense_row_f32 row_f32;   /* NULL: no dense row kernel at this level */
    fc_dense_row_f64 row_f64;
    ptrdiff_t row_max_stride_w;  /* the largest stride_w the row kernel takes */
    int row_flat;                /* 1: the row kernel takes flattened rows */
    fc_dense_gw_f32 grad_weight_f32;   /* NULL: no dense grad_weight kernel */
    fc_dense_gw_f64 grad_weight_f64;
    fc_dense_pw_gw_f32 pointwise_grad_weight_f32;   /* NULL: none */
    fc_dense_pw_gw_f64 pointwise_grad_weight_f64;
} fc_dense_kernels;

typedef struct {
    fc_dense_kernels dense;           /* rows of dense layers (direct kernels) */
    fc_depthwise_kernels depthwise;   /* rows of depthwise layers (direct kernels) */
    fc_winograd_kernels winograd;     /* transforms of the Winograd method */
} fc_nn_kernels;

/* Fill t with the reference kernels, then the overrides of levels <= isa. */
void fc_nn_kernels_init(fc_nn_kernels *t, fc_isa isa);
void fc_depthwise_kernels_init(fc_depthwise_kernels *t, fc_isa isa);
void fc_dense_kernels_init(fc_dense_kernels *t, fc_isa isa);

#endif
