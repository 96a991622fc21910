/*
 * signal_kernels.h -- the signal family's part of the kernel table
 * (csrc/core/kernels.h): the micro-kernels of the signal API, one entry per
 * dtype where a kernel is per dtype.
 *
 * corr_rows (float32, float64): the interior of a direct 2-D correlation,
 * where every tap of every output reads a stored element.  For nrows output
 * rows and ncols output columns,
 *
 *     out[r * ldo + j] = sum_{p < wr} sum_{q < wc}  rows[r + p][j + q] * w[p * wc + q]
 *
 * summed from zero over p, then q, in increasing order (row-major tap
 * order), each output on its own (so the value of an output never depends on
 * which other outputs are computed in the same call: tiles and threads
 * cannot change it).  rows holds nrows + wr - 1 pointers, rows[m] readable on
 * [0, ncols + wc - 1).  nrows, ncols, wr, wc >= 1; out does not overlap the
 * rows or w.  The reference entry multiplies then adds (two roundings); the
 * AVX2 / AVX-512 entries use fused multiply-adds (one), so floating results
 * differ between levels in the last bits, never between thread counts.
 */
#ifndef FASTCONV_SIGNAL_KERNELS_H
#define FASTCONV_SIGNAL_KERNELS_H

#include "fastconv.h"

typedef void (*fc_corr_rows_f32_fn)(const float *const *rows, ptrdiff_t nrows,
                                    ptrdiff_t ncols, const float *w, ptrdiff_t wr,
                                    ptrdiff_t wc, float *out, ptrdiff_t ldo);
typedef void (*fc_corr_rows_f64_fn)(const double *const *rows, ptrdiff_t nrows,
                                    ptrdiff_t ncols, const double *w, ptrdiff_t wr,
                                    ptrdiff_t wc, double *out, ptrdiff_t ldo);

/* Output rows one corr_rows pass computes together (each loaded input row
 * feeds up to this many output rows): callers that tile over rows use
 * multiples of it. */
#define FC_CORR_ROWS_BLOCK 8

/*
 * corr_rows_edge (float32, float64): output rows of the zero extension where
 * taps may miss the image (the edges of a direct 2-D correlation): for
 * r < nrows, j < ocols,
 *
 *     out[r * ldo + j] = sum_{p < wr, q < wc, rows[r + p] != NULL,
 *                             0 <= j + c0 + q < xc}  rows[r + p][j + c0 + q] * w[p * wc + q],
 *
 * the missing products skipped (not multiplied by zero: an inf or nan tap
 * stays out of the sum, NumPy's rule), the present ones summed from zero in
 * row-major tap order.  rows holds nrows + wr - 1 pointers, each NULL or
 * readable on exactly [0, xc) (nothing outside is read).  nrows, ocols >= 0;
 * wr, wc >= 1.  NULL in the table: the caller's portable loop
 * (corr2d_direct.template.c's corr_row, the reference: multiply, then add).
 */
typedef void (*fc_corr_rows_edge_f32_fn)(const float *const *rows, ptrdiff_t nrows,
                                         ptrdiff_t xc, const float *w, ptrdiff_t wr,
                                         ptrdiff_t wc, float *out, ptrdiff_t ldo,
                                         ptrdiff_t ocols, ptrdiff_t c0);
typedef void (*fc_corr_rows_edge_f64_fn)(const double *const *rows, ptrdiff_t nrows,
                                         ptrdiff_t xc, const double *w, ptrdiff_t wr,
                                         ptrdiff_t wc, double *out, ptrdiff_t ldo,
                                         ptrdiff_t ocols, ptrdiff_t c0);

/*
 * corr_dot (float32, float64): outputs as dot products, for few outputs
 * and long kernel rows (kernel gradients, short lag windows), where
 * corr_rows' vectors of output columns would be mostly empty.  Outputs
 * first .. first + count - 1 of the row-major order of an ocols-wide
 * output, output (i, j) at out[i * ldo + j]:
 *
 *     out[i, j] = sum_{p < wr, q < wc, 0 <= i + r0 + p < xr, 0 <= j + c0 + q < xc}
 *                     x[(i + r0 + p) * xc + j + c0 + q] * w[p * wc + q]
 *
 * (the zero extension: missing products skipped, never multiplied by
 * zero).  x is read on exactly [0, xr * xc), w on [0, wr * wc).  The order
 * of each output's sum, the same at AVX2 and AVX-512 and whichever call,
 * tile or thread computes it: FC_DOT_PARTIALS partial sums of
 * FC_DOT_SLOT_BYTES / itemsize lanes each, from zero; kernel row by kernel
 * row, taps in increasing q, tap q is added by fused multiply-add into lane
 * q % S of partial (q / S) % FC_DOT_PARTIALS (S the lanes of a partial);
 * then the partials are added lane by lane, and the S lanes summed as a
 * tree: lane l + lane l + S/2 for l < S/2, then l + l + S/4, ..., to lane 0.
 * NULL in the table (the reference level): the caller uses corr_rows and
 * corr_rows_edge.
 */
#define FC_DOT_PARTIALS 2
#define FC_DOT_SLOT_BYTES 64
typedef void (*fc_corr_dot_f32_fn)(const float *x, ptrdiff_t xr, ptrdiff_t xc, const float *w,
                                   ptrdiff_t wr, ptrdiff_t wc, float *out, ptrdiff_t ldo,
                                   ptrdiff_t ocols, ptrdiff_t first, ptrdiff_t count,
                                   ptrdiff_t r0, ptrdiff_t c0);
typedef void (*fc_corr_dot_f64_fn)(const double *x, ptrdiff_t xr, ptrdiff_t xc, const double *w,
                                   ptrdiff_t wr, ptrdiff_t wc, double *out, ptrdiff_t ldo,
                                   ptrdiff_t ocols, ptrdiff_t first, ptrdiff_t count,
                                   ptrdiff_t r0, ptrdiff_t c0);

/*
 * corr_rows (complex64, complex128): corr_rows' contract above for complex
 * numbers (interleaved real, imaginary), the products complex, except the
 * order of the sums: each output's real part is (sum of x.re * w.re) - (sum
 * of x.im * w.im), its imaginary part (sum of x.im * w.re) + (sum of x.re *
 * w.im), each of the four sums accumulated from zero by fused multiply-adds
 * in row-major tap order, then one subtraction and one addition.  The same
 * at AVX2 and AVX-512.  NULL in the table (the reference level): the
 * portable corr_row (multiply, then add, tap by tap).
 */
typedef void (*fc_corr_rows_c64_fn)(const fc_c64 *const *rows, ptrdiff_t nrows,
                                    ptrdiff_t ncols, const fc_c64 *w, ptrdiff_t wr,
                                    ptrdiff_t wc, fc_c64 *out, ptrdiff_t ldo);
typedef void (*fc_corr_rows_c128_fn)(const fc_c128 *const *rows, ptrdiff_t nrows,
                                     ptrdiff_t ncols, const fc_c128 *w, ptrdiff_t wr,
                                     ptrdiff_t wc, fc_c128 *out, ptrdiff_t ldo);

/* corr_rows_stream (float32, float64): corr_rows (same contract, same
 * values) for outputs too large to stay in the caches: it may write out with
 * non-temporal stores (no read of the lines it overwrites) and ends with a
 * store fence.  The reference entry is corr_rows'. */

typedef struct {
    fc_corr_rows_f32_fn corr_rows_f32;
    fc_corr_rows_f64_fn corr_rows_f64;
    fc_corr_rows_f32_fn corr_rows_stream_f32;
    fc_corr_rows_f64_fn corr_rows_stream_f64;
    fc_corr_rows_edge_f32_fn corr_rows_edge_f32;
    fc_corr_rows_edge_f64_fn corr_rows_edge_f64;
    fc_corr_rows_c64_fn corr_rows_c64;
    fc_corr_rows_c128_fn corr_rows_c128;
    fc_corr_dot_f32_fn corr_dot_f32;
    fc_corr_dot_f64_fn corr_dot_f64;
    /* the elements of one vector of these kernels (0 at the reference
     * level): a band of up to that many columns costs the edge kernel as
     * much as a band of one */
    ptrdiff_t lanes_f32, lanes_f64;
} fc_signal_kernels;

/* Fill t with the reference kernels, then the overrides of levels <= isa. */
void fc_signal_kernels_init(fc_signal_kernels *t, fc_isa isa);

#endif
