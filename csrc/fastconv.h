/*
 * fastconv.h -- the C core's whole public interface (the only header Cython sees).
 *
 * Plain C99.  Nothing here knows about Python or NumPy: pointers, sizes and a
 * dtype code go in, an fc_status comes out.  No kernel prints, aborts, or keeps
 * global mutable state; every size is a ptrdiff_t.
 *
 * The one primitive of the signal API is a 2-D correlation of a zero-extended
 * image with a kernel at an offset (1-D is the case of one row):
 *
 *     out[i, j] = sum_{p < wr, q < wc}  x[i + r0 + p, j + c0 + q] * w[p, q]
 *
 * with x taken as zero outside its xr x xc extent.  Convolution, the 'full' /
 * 'same' / 'valid' modes, conjugation and the input-swap rules of NumPy and
 * SciPy are all expressed by the caller through (w, r0, c0) and the output
 * shape; boundary rules other than zero fill go through fc_pad2d first.
 */
#ifndef FASTCONV_H
#define FASTCONV_H

#include <stddef.h>
#include <stdint.h>

#include "dtype_list.h"   /* FC_DTYPE_LIST: the element types */

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by every kernel.  The Cython layer maps each one to
 * its own Python exception. */
typedef enum {
    FC_OK = 0,
    FC_ERR_NOMEM = 1,      /* an allocation failed                 -> MemoryError */
    FC_ERR_BADARG = 2,     /* a size or pointer broke the contract -> ValueError  */
    FC_ERR_DTYPE = 3,      /* no kernel for this dtype code        -> TypeError   */
    FC_ERR_OVERFLOW = 4,   /* a size computation would overflow    -> ValueError  */
    FC_ERR_INTERRUPTED = 5 /* the interrupt callback asked to stop -> the pending
                            * exception (KeyboardInterrupt on Ctrl-C)          */
} fc_status;

/* ------------------------------------------------------------------------ */
/* The run-time environment of a call (csrc/core/)                           */
/* ------------------------------------------------------------------------ */

/* Instruction-set levels with kernels of their own.  Every level has a full
 * kernel table (the reference entries, overridden where the level has a
 * faster kernel); a call may use any level up to fc_cpu_isa(). */
typedef enum {
    FC_ISA_SCALAR = 0,   /* portable C: the reference kernels                  */
    FC_ISA_AVX2 = 1,     /* x86-64 with AVX2 + FMA (Haswell, Zen)              */
    FC_ISA_AVX512 = 2,   /* AVX-512 F/BW/DQ/VL as well (Skylake-X, Zen4)       */
    FC_NISA
} fc_isa;

/* Callback asked between tiles of a long computation; returns non-zero to
 * stop it (the kernel then frees what it allocated and returns
 * FC_ERR_INTERRUPTED).  Only the calling thread calls it (OpenMP thread 0),
 * never concurrently. */
typedef int (*fc_interrupt_fn)(void *data);

/* How one call runs: passed by pointer to every kernel entry point that
 * loops over tiles.  Read-only for the kernels. */
typedef struct {
    int nthreads;                 /* OpenMP threads, >= 1 (1: no parallel region)  */
    fc_isa isa;                   /* kernel-table level, <= fc_cpu_isa()           */
    fc_interrupt_fn interrupted;  /* NULL: never interrupted                       */
    void *interrupt_data;
} fc_exec;

/* The best level this CPU supports (cpuid, once per call of this function). */
fc_isa fc_cpu_isa(void);

/* Fill the kernel table of every ISA level up to fc_cpu_isa().  Called once,
 * before any kernel runs (the Python layer does it at import); not thread-safe. */
void fc_kernel_tables_init(void);

/* 1 if the core was built with OpenMP, else 0. */
int fc_openmp_enabled(void);

/* omp_get_max_threads() (OMP_NUM_THREADS, threadpoolctl's limit), or 1
 * without OpenMP. */
int fc_openmp_max_threads(void);

/* A bounded cache of large freed memory blocks, for the arrays that a call
 * allocates again on every call (the FFT path's transforms, its output): a
 * block freed to the cache is handed out again for a request of exactly its
 * size, so its pages are not given back to the system and faulted in anew
 * (on a virtual machine a fault costs 1-2 us: 1500 of them doubled the time
 * of a 512 x 512 float32 FFT correlation).  Blocks under
 * FC_BLOCK_CACHE_MIN_BYTES are not cached (malloc keeps them itself).  At
 * most FC_BLOCK_CACHE_SLOTS blocks and `limit` bytes are kept; a block that
 * does not fit evicts the oldest ones.  Every block is the C library's
 * malloc / calloc / realloc block, so any of them may be realloc'ed or freed
 * by free().  Thread-safe (a spin lock; without GCC atomics nothing is
 * cached).  The cache is the caller's object: the C core has no global
 * state. */
#define FC_BLOCK_CACHE_SLOTS 32
#define FC_BLOCK_CACHE_MIN_BYTES ((size_t)1 << 17)

typedef struct {
    void *block[FC_BLOCK_CACHE_SLOTS];   /* block[0 .. count), oldest first */
    size_t size[FC_BLOCK_CACHE_SLOTS];
    int count;
    size_t bytes;     /* the sizes' sum */
    size_t limit;     /* bytes kept at most (0: nothing is cached) */
    int lock;
} fc_block_cache;

/* A block of `size` bytes (a cached one of that size if any), NULL when out
 * of memory; zeroed for fc_block_cache_calloc. */
void *fc_block_cache_malloc(fc_block_cache *cache, size_t size);
void *fc_block_cache_calloc(fc_block_cache *cache, size_t count, size_t size);
/* Keep `block` (`size` bytes as allocated or last reallocated; NULL: nothing)
 * for a later request of that size, or free it. */
void fc_block_cache_free(fc_block_cache *cache, void *block, size_t size);
/* Keep at most `limit` bytes from now on (the oldest blocks over it freed). */
void fc_block_cache_set_limit(fc_block_cache *cache, size_t limit);

/* Element types the kernels are instantiated for: one constant FC_<NAME> per
 * row of FC_DTYPE_LIST (dtype_list.h, which describes each type), numbered
 * from 0 in the list's order (FC_BOOL = 0, FC_U8, ..., FC_C128), then
 * FC_NDTYPES. */
#define FC_DTYPE_ENUM_(X, NAME, sfx, T, is_float) FC_##NAME,
typedef enum {
    FC_DTYPE_LIST(FC_DTYPE_ENUM_, ~)
    FC_NDTYPES
} fc_dtype;
#undef FC_DTYPE_ENUM_

typedef struct { float re, im; } fc_c64;
typedef struct { double re, im; } fc_c128;

/* How an image is extended beyond its edges (SciPy's convolve2d boundaries,
 * plus the zero extension of NumPy's 1-D functions). */
typedef enum {
    FC_PAD_FILL = 0,   /* constant fill value outside the image            */
    FC_PAD_WRAP = 1,   /* periodic: x[i mod n]                             */
    FC_PAD_SYMM = 2,   /* half-sample symmetric, period 2n: ..., x1, x0 | x0, x1, ... */
    FC_PAD_ZERO = 3    /* zeros outside; a correlation skips those products
                        * altogether (so inf * 0 never happens), as NumPy's
                        * 1-D functions do.  No fill pointer is read. */
} fc_boundary;

/* Size in bytes of one element of dtype code dt, or 0 for an unknown code. */
size_t fc_itemsize(fc_dtype dt);

/* ------------------------------------------------------------------------ */
/* Signal kernels (csrc/signal/)                                             */
/* ------------------------------------------------------------------------ */

/*
 * fc_corr2d_direct: out (orows x ocols, row stride ldo elements) = the
 * correlation of the extension of x with w:
 *
 *     out[i, j] = sum_{p < wr, q < wc}  ext(x)[i + r0 + p, j + c0 + q] * w[p, q]
 *
 * ext is x extended by `boundary`.  FC_PAD_ZERO skips the products that fall
 * outside x (the definition above, NumPy's semantics); FC_PAD_FILL (with
 * *fill), FC_PAD_WRAP and FC_PAD_SYMM compute every product, reading the
 * extension through a ring of a few extended rows per thread instead of a
 * padded copy of the image.
 *
 * Contract (checked by the caller, not here): x, w are C-contiguous arrays of
 * dtype dt with the given extents (any extent may be 0); ldo >= ocols; out
 * does not overlap x or w; fill points at one element for FC_PAD_FILL; x is
 * non-empty for FC_PAD_WRAP / FC_PAD_SYMM when out and w are non-empty
 * (FC_ERR_BADARG otherwise); all index arithmetic fits ptrdiff_t.  Each output
 * is accumulated over the taps in row-major tap order, starting from zero, in
 * the element type (integers wrap modulo 2**bits); float32 / float64 outputs
 * whose taps all read stored elements use the kernel table's corr_rows of
 * level ex->isa (fused multiply-adds from AVX2 on), the others multiply then
 * add.  Tiles of output rows x columns run on ex->nthreads OpenMP threads
 * (one for small calls); no output's value depends on the thread count.
 * The calling thread polls ex->interrupted between tiles (about every 2**22
 * multiply-adds): FC_ERR_INTERRUPTED, out partly written.  ex NULL: one
 * thread, the scalar level, no polling.  FC_ERR_NOMEM if the scratch (row
 * pointers, and for the fill / wrap / symm ring a few extended rows per
 * thread) cannot be allocated.
 */
fc_status fc_corr2d_direct(fc_dtype dt,
                           const void *x, ptrdiff_t xr, ptrdiff_t xc,
                           const void *w, ptrdiff_t wr, ptrdiff_t wc,
                           void *out, ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t ldo,
                           ptrdiff_t r0, ptrdiff_t c0,
                           fc_boundary boundary, const void *fill, const fc_exec *ex);

/*
 * fc_corr2d_direct_batch: fc_corr2d_direct on `batch` problems of one
 * geometry, in one call:
 *
 *     out_b = corr(ext(x_b), w_b)   with x_b = x + b * x_step,
 *                                        w_b = w + b * w_step,
 *                                        out_b = out + b * out_step
 *
 * (steps in elements; a step of 0 gives every item the same array, e.g. one
 * kernel for a stack of images).  Each out_b is exactly what
 * fc_corr2d_direct(dt, x_b, ..., w_b, ..., out_b, ...) writes, whatever the
 * batch and ex->nthreads: the OpenMP threads share (item, tile) work units,
 * whole items when the batch is large, row bands of an item when it is
 * small.  Contract: that of fc_corr2d_direct for every item; batch >= 0;
 * steps >= 0; the items' outputs do not overlap (out_step >=
 * (orows - 1) * ldo + ocols when batch > 1, else FC_ERR_BADARG).  The
 * calling thread polls ex->interrupted between tiles, as fc_corr2d_direct.
 */
fc_status fc_corr2d_direct_batch(fc_dtype dt, ptrdiff_t batch,
                                 const void *x, ptrdiff_t xr, ptrdiff_t xc, ptrdiff_t x_step,
                                 const void *w, ptrdiff_t wr, ptrdiff_t wc, ptrdiff_t w_step,
                                 void *out, ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t ldo,
                                 ptrdiff_t out_step,
                                 ptrdiff_t r0, ptrdiff_t c0,
                                 fc_boundary boundary, const void *fill, const fc_exec *ex);

/*
 * fc_im2col2d: one tile of the column (Toeplitz) matrix of the correlation
 * above.  Rows are output positions p in [p0, p0 + np) in row-major order
 * (i, j) = (p / ocols, p % ocols); columns are taps t in [t0, t0 + nt) in
 * row-major order (a, b) = (t / wc, t % wc):
 *
 *     cols[p - p0][t - t0] = ext(x)[i + r0 + a, j + c0 + b]
 *
 * with ext as in fc_corr2d_direct (FC_PAD_ZERO gives zeros: the product with
 * the kernel is then computed, unlike in the direct kernel).
 * Contract: cols has room for np * nt elements of itemsize bytes; x is
 * C-contiguous xr x xc (non-empty for FC_PAD_WRAP / FC_PAD_SYMM); fill points
 * at one element for FC_PAD_FILL; ocols > 0 and wc > 0 when np * nt > 0.  The
 * copy is by bytes, so one function serves every dtype (all-zero bytes are
 * zero for each of them).
 */
fc_status fc_im2col2d(size_t itemsize,
                      const void *x, ptrdiff_t xr, ptrdiff_t xc,
                      ptrdiff_t wc, ptrdiff_t ocols,
                      ptrdiff_t r0, ptrdiff_t c0,
                      ptrdiff_t p0, ptrdiff_t np, ptrdiff_t t0, ptrdiff_t nt,
                      void *cols, fc_boundary boundary, const void *fill);

/*
 * fc_matvec: y[p] = sum_t cols[p][t] * w[t] for p < np (accumulate = 0), or
 * y[p] += ... (accumulate = 1), in the element type of dt.  This is the GEMV
 * of the im2col method for the dtypes BLAS does not cover (bool, integers);
 * floating dtypes go to BLAS ?gemv in the Cython driver instead.
 * Contract: cols is np x nt C-contiguous, w has nt elements, y has np.
 */
fc_status fc_matvec(fc_dtype dt, const void *cols, ptrdiff_t np, ptrdiff_t nt,
                    const void *w, void *y, int accumulate);

/*
 * fc_pad2d: dst (dr x dc) = window of the boundary extension of x:
 *
 *     dst[i, j] = ext(x)[i + r0, j + c0]
 *
 * where ext is x inside its extent and, outside, `fill` (FC_PAD_FILL), the
 * periodic extension (FC_PAD_WRAP) or the half-sample symmetric extension
 * (FC_PAD_SYMM), or zeros (FC_PAD_ZERO), each applied to rows and columns
 * independently, for offsets of any size (a kernel larger than the image wraps
 * or reflects repeatedly).
 * Contract: x is C-contiguous xr x xc, dst is C-contiguous dr x dc, `fill`
 * points at one element (FC_PAD_FILL only).  Returns FC_ERR_BADARG if a wrap
 * or symm extension of an empty x is asked for a non-empty dst.
 */
fc_status fc_pad2d(size_t itemsize,
                   const void *x, ptrdiff_t xr, ptrdiff_t xc,
                   void *dst, ptrdiff_t dr, ptrdiff_t dc,
                   ptrdiff_t r0, ptrdiff_t c0,
                   fc_boundary boundary, const void *fill);

/* ------------------------------------------------------------------------ */
/* Backward passes of the signal API (csrc/signal/fold2d*.c)                 */
/* ------------------------------------------------------------------------ */

/*
 * fc_fold2d: the adjoint of fc_pad2d.  x (xr x xc) is overwritten with the sum
 * of the elements of g (gr x gc) that fc_pad2d would have copied from each
 * element of x for a window of the same shape and offsets:
 *
 *     x = 0;   x[ext(i + r0), ext(j + c0)] += g[i, j]   for i < gr, j < gc
 *
 * with ext fc_pad2d's index mapping for `boundary` (the same function), and
 * the fill positions of FC_PAD_FILL skipped (the fill value is a constant).
 * So <fc_pad2d(x), g> = <x, fc_fold2d(g)> for every x and g.  This is how the
 * gradient of a 'wrap' / 'symm' / 'fill' correlation flows back onto in1.
 *
 * Contract: dt is FC_F32 or FC_F64 (FC_ERR_DTYPE otherwise); g and x are
 * C-contiguous arrays of that type with the given extents and do not overlap;
 * all index arithmetic i + r0, j + c0 fits ptrdiff_t.  Returns FC_ERR_BADARG
 * for a negative extent, an unknown boundary, or a 'wrap' / 'symm' fold of a
 * non-empty g onto an empty x.
 */
fc_status fc_fold2d(fc_dtype dt,
                    const void *g, ptrdiff_t gr, ptrdiff_t gc,
                    void *x, ptrdiff_t xr, ptrdiff_t xc,
                    ptrdiff_t r0, ptrdiff_t c0,
                    fc_boundary boundary);

/* ------------------------------------------------------------------------ */
/* nn kernels (csrc/nn/): CNN layers with torch.nn.functional semantics      */
/* ------------------------------------------------------------------------ */

/*
 * The geometry of one 2-D convolution layer (a 1-D layer is the case
 * h_in = h_out = kh = 1).  All arrays are C-contiguous:
 *
 *     x   input           n x c_in  x h_in  x w_in
 *     y   output          n x c_out x h_out x w_out
 *     w   weight      c_out x (c_in / groups) x kh x kw
 *
 * and the layer is the cross-correlation, with cg = c_in / groups input and
 * og = c_out / groups output channels per group and g = o / og the group of
 * output channel o:
 *
 *     y[b, o, i, j] = sum_{c < cg, r < kh, q < kw}  w[o, c, r, q]
 *         * x[b, g*cg + c, i*stride_h - pad_h + r*dil_h, j*stride_w - pad_w + q*dil_w]
 *
 * x taken as zero outside its extent.  pad_h, pad_w count the zeros before
 * the first row / column; the output extents are the caller's, so the zeros
 * after the last row / column are implied by them ('same' padding may be
 * asymmetric), and h_in, w_in need not be the smallest input that gives
 * h_out, w_out (a transposed convolution with output_padding is the
 * grad_input of such a layer).
 *
 * Contract of every nn kernel below.  Checked here (FC_ERR_BADARG): every
 * extent >= 0, groups >= 1 divides c_in and c_out, strides and dilations
 * >= 1, pads >= 0; dt is FC_F32 or FC_F64 (else FC_ERR_DTYPE).  Trusted to
 * the caller: the arrays have the extents above, are aligned and do not
 * overlap the output; every index expression (i*stride + r*dil + pad and
 * the like, extents included) is below 2**61 in magnitude, so no ptrdiff_t
 * arithmetic overflows.  The direct kernels sum each output in the element
 * type, in the order stated below, whatever the loop blocking and the
 * thread count.  Below the AVX-512 level they round after every product
 * and sum, at every level alike (SIMD depthwise rows included); at AVX-512
 * the dense kernels of csrc/nn/nn_kernels.h take the layers with stride 1
 * along the rows and at least 2 channels computed per group, adding each
 * term by a fused multiply-add (grad_weight also in vector lanes, added up
 * at the end).  Their only workspace is optional (packed weights, lane
 * sums): without memory for it they run the generic loops.  ex: threads,
 * kernel level and interrupt callback of the call (NULL: one thread, the
 * scalar reference kernels, no interruption); they run in parallel over
 * (image, group, output row) or bands of rows, or over (output channel,
 * input channel) pairs or blocks for grad_weight, and ask the callback
 * between those units: FC_ERR_INTERRUPTED, the output partly written.
 */
typedef struct {
    ptrdiff_t n, groups;
    ptrdiff_t c_in, h_in, w_in;
    ptrdiff_t c_out, h_out, w_out;
    ptrdiff_t kh, kw;
    ptrdiff_t stride_h, stride_w;
    ptrdiff_t pad_h, pad_w;
    ptrdiff_t dil_h, dil_w;
} fc_conv2d_shape;

/*
 * fc_conv2d_direct: y = the layer above applied to x, plus bias[o] on output
 * channel o (bias may be NULL: no bias).  Each output is summed over
 * (c, r, q) in that order, then the bias is added.
 */
fc_status fc_conv2d_direct(fc_dtype dt, const fc_conv2d_shape *s,
                           const void *x, const void *w, const void *bias, void *y,
                           const fc_exec *ex);

/*
 * fc_conv2d_grad_input_direct: dx = the adjoint of the layer applied to dy
 * (a transposed convolution), gathered per input element:
 *
 *     dx[b, c', h, v] = sum_{o in group of c', r, q}  dy[b, o, i, j] * w[o, c, r, q]
 *
 * over the (o, r, q) with h = i*stride_h - pad_h + r*dil_h and
 * v = j*stride_w - pad_w + q*dil_w for some in-range output (i, j), in that
 * order (c = c' mod cg); plus bias[c'] when bias is not NULL (this is
 * conv_transpose2d's bias).  Input elements no output reads get zero (or the
 * bias).  Every element of dx is written.
 */
fc_status fc_conv2d_grad_input_direct(fc_dtype dt, const fc_conv2d_shape *s,
                                      const void *dy, const void *w, const void *bias,
                                      void *dx, const fc_exec *ex);

/*
 * fc_conv2d_grad_weight_direct: the gradient of sum(y * dy) with respect to w,
 *
 *     dw[o, c, r, q] = sum_{b, i, j}  dy[b, o, i, j]
 *         * x[b, g*cg + c, i*stride_h - pad_h + r*dil_h, j*stride_w - pad_w + q*dil_w]
 *
 * summed over (b, i, j) in that order (terms reading the zero padding are
 * skipped); depthwise layers (one input and output channel per group,
 * stride_w 1 or 2, at most 25 taps) instead sum in vector lanes, the same
 * way at every level, and the AVX-512 dense kernel in its own lanes
 * (csrc/nn/nn_kernels.h).  dw is overwritten (zero for an empty batch).
 */
fc_status fc_conv2d_grad_weight_direct(fc_dtype dt, const fc_conv2d_shape *s,
                                       const void *x, const void *dy, void *dw,
                                       const fc_exec *ex);

/*
 * fc_conv2d_im2col: one tile of the column matrix of one image and group
 * (Caffe's layout).  Row k = (c*kh + r)*kw + q of the full matrix holds, for
 * every output position p = i*w_out + j, the input element that tap (c, r, q)
 * meets there:
 *
 *     cols[k - k0][p - p0] = xg[c, i*stride_h - pad_h + r*dil_h, j*stride_w - pad_w + q*dil_w]
 *
 * (0 outside the image) for k in [k0, k0 + nk) and p in [p0, p0 + np); the
 * tile is nk x np, row-major.  xg points at the first of the cg channels of
 * the group in one image (cg x h_in x w_in).
 * Contract (beyond the shared one): 0 <= k0, k0 + nk <= cg*kh*kw,
 * 0 <= p0, p0 + np <= h_out*w_out (checked: FC_ERR_BADARG); cols has room for
 * nk*np elements (trusted).
 */
fc_status fc_conv2d_im2col(fc_dtype dt, const fc_conv2d_shape *s, const void *xg,
                           ptrdiff_t k0, ptrdiff_t nk, ptrdiff_t p0, ptrdiff_t np,
                           void *cols);

/*
 * fc_conv2d_col2im: the adjoint of fc_conv2d_im2col.  When zero_fill is
 * non-zero the cg x h_in x w_in image xg is first set to zero (Caffe's
 * col2im does this for its one whole-image tile; with tiles, pass it for the
 * first tile of an image and group, and 0 for the others).  Then every
 * element of the tile is added to the input element it was copied from,
 *
 *     xg[c, h, v] += cols[k - k0][p - p0]
 *
 * (elements that came from the zero padding are dropped), rows k in order,
 * then positions p in order.  Same contract as fc_conv2d_im2col, with xg
 * writable; nk = 0 or np = 0 with zero_fill only zero-fills.
 */
fc_status fc_conv2d_col2im(fc_dtype dt, const fc_conv2d_shape *s, const void *cols,
                           ptrdiff_t k0, ptrdiff_t nk, ptrdiff_t p0, ptrdiff_t np,
                           int zero_fill, void *xg);

/*
 * GEMM supplied by the caller (BLAS ?gemm through the Cython driver):
 * column-major C[m x n] = op(A) op(B) (+ C when accumulate is non-zero),
 * op(A) m x k, op(B) k x n, trans* 'N' or 'T', in the element type dt
 * (FC_F32 or FC_F64).  m, n >= 1, k >= 0 (k = 0: an empty sum, C = 0 or
 * unchanged); sizes and leading dimensions fit a C int (the callers
 * guarantee it).  Called concurrently from several OpenMP threads on
 * disjoint C: it must be reentrant.  Returns 0.
 */
typedef int (*fc_gemm_fn)(void *context, fc_dtype dt, char transa, char transb,
                          ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                          const void *a, ptrdiff_t lda, const void *b, ptrdiff_t ldb,
                          int accumulate, void *c, ptrdiff_t ldc);

/* What an nn kernel computes (for fc_conv2d_im2col_tile). */
typedef enum {
    FC_NN_FORWARD = 0,
    FC_NN_GRAD_INPUT = 1,
    FC_NN_GRAD_WEIGHT = 2
} fc_nn_op;

/*
 * The im2col + GEMM method of the three kernels (csrc/nn/im2col_gemm.template.c):
 * per image and group, the column matrix (fc_conv2d_im2col) is built one
 * tile at a time within budget_bytes for all threads together (one tile per
 * thread, fc_conv2d_im2col_tile), and multiplied through `gemm`:
 *
 *     forward       Y_g = W_g . cols (+ bias; the tile of positions is the
 *                   unit of work: units (image, group, position tile))
 *     grad_input    cols = W_g^T . dY_g, then col2im into dX_g (+ bias per
 *                   input channel); units (image, group)
 *     grad_weight   dW_g = sum over images and position tiles of
 *                   dY_g[:, tile] . cols^T; units (group, block of rows of
 *                   dW_g), so no two threads write one element
 *
 * 1x1 layers with stride 1 and no padding use the image itself as the
 * column matrix (no workspace).  Units run on ex->nthreads OpenMP threads
 * (fewer when there are fewer units, or when their tiles would not fit the
 * budget); `gemm` is called from all of them (BLAS must run single-threaded
 * inside, the driver's job).  Every GEMM has a shape fixed by the layer and
 * the budget alone (positions and rows in aligned chunks), and every sum
 * and col2im runs over those chunks in a fixed order, so the results do not
 * depend on the thread count.  Contract: the shared nn
 * one; every GEMM size (h_out*w_out, c_in/groups*kh*kw, c_out/groups and the
 * leading dimensions) fits a C int (trusted).  FC_ERR_NOMEM, or
 * FC_ERR_INTERRUPTED (ex's callback, asked by thread 0 between units;
 * the output is then partly written).
 */
fc_status fc_conv2d_forward_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                   const void *x, const void *w, const void *bias, void *y,
                                   ptrdiff_t budget_bytes, fc_gemm_fn gemm,
                                   void *gemm_context, const fc_exec *ex);
fc_status fc_conv2d_grad_input_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                      const void *dy, const void *w, const void *bias,
                                      void *dx, ptrdiff_t budget_bytes, fc_gemm_fn gemm,
                                      void *gemm_context, const fc_exec *ex);
fc_status fc_conv2d_grad_weight_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                       const void *x, const void *dy, void *dw,
                                       ptrdiff_t budget_bytes, fc_gemm_fn gemm,
                                       void *gemm_context, const fc_exec *ex);

/*
 * fc_conv2d_im2col_tile: the column-matrix tile (*rows x *positions
 * elements) each of nthreads threads uses for op within budget_bytes in
 * all, or 0 x 0 when the method needs none (1x1 layers, empty sums).
 */
fc_status fc_conv2d_im2col_tile(fc_dtype dt, const fc_conv2d_shape *s, fc_nn_op op,
                                ptrdiff_t budget_bytes, int nthreads,
                                ptrdiff_t *rows, ptrdiff_t *positions);


/* ------------------------------------------------------------------------ */
/* Winograd 3x3 stride-1 correlations (csrc/nn/winograd.c)                   */
/* ------------------------------------------------------------------------ */

/* fc_winograd_gemm_fn: the caller's GEMM (fc_gemm_fn above); Winograd calls
 * it with 'N', 'N' and accumulate = 0. */
typedef fc_gemm_fn fc_winograd_gemm_fn;

/*
 * One grouped 3x3 correlation with stride 1 and dilation 1 at an offset:
 *
 *     y[b, o, i, j] = bias[o] + sum_{c < cg, r < 3, q < 3}  w(g, o - g*og, c, r, q)
 *                     * x[b, g*cg + c, i + off_h + r, j + off_w + q]
 *
 * with cg = c_in / groups, og = c_out / groups, g = o / og, x zero outside its
 * extent, off_h, off_w of any sign.  The weight is read through strides (in
 * elements, any sign) from w0, the element (g, o, c, r, q) = (0, 0, 0, 0, 0):
 *
 *     w(g, o, c, r, q) = w0[g*ws_group + o*ws_out + c*ws_in + r*ws_row + q*ws_col]
 *
 * so that conv2d's forward pass (off = -pad) and its grad_input (dy read at
 * off = pad - 2 with the weight transposed within each group and flipped)
 * are both this one operation.
 */
typedef struct {
    ptrdiff_t n, groups;
    ptrdiff_t c_in, h_in, w_in;     /* x: n x c_in x h_in x w_in      */
    ptrdiff_t c_out, h_out, w_out;  /* y: n x c_out x h_out x w_out   */
    ptrdiff_t off_h, off_w;
    ptrdiff_t ws_group, ws_out, ws_in, ws_row, ws_col;   /* weight strides */
} fc_corr3x3_shape;

/*
 * fc_winograd_blocks: the blocking fc_corr3x3_winograd uses for tile size m
 * (output tile m x m, m in {2, 4, 6}) within budget_bytes of workspace:
 * *tiles output tiles, *in_block input and *out_block output channels (of a
 * group) per block; *workspace_bytes the most it allocates, at its largest
 * thread count (transformed weights, and each thread's inputs and products:
 * (m+2)^2 * (in*out + threads*tiles*(in + out)) elements).  None of these
 * depends on the thread count of the call (up to 2 threads fit the budget;
 * fewer run when they do not).  The workspace exceeds the budget only when
 * one tile of one channel pair does not fit it.  FC_ERR_BADARG for an
 * invalid m or shape.
 */
fc_status fc_winograd_blocks(fc_dtype dt, const fc_corr3x3_shape *s, int m,
                             ptrdiff_t budget_bytes, ptrdiff_t *tiles,
                             ptrdiff_t *in_block, ptrdiff_t *out_block,
                             ptrdiff_t *workspace_bytes);

/*
 * fc_corr3x3_winograd: y = the correlation above by Winograd's minimal
 * filtering F(m x m, 3 x 3) (Lavin & Gray 2016): per block of input and
 * output channels, the weight is transformed once (G w G^T); per block of
 * output tiles, the input tiles are transformed (B^T d B), multiplied by
 * (m+2)^2 independent GEMMs [tiles x in_block] . [in_block x out_block]
 * through `gemm`, and transformed back (A^T M A) into y; channel blocks after
 * the first add to y.  Transforms use the kernel table of ex->isa.  The
 * rounding differs from the direct sum: see docs/guide/winograd.rst for the
 * measured error of each m.  Threads (ex->nthreads, at most 2): the
 * blocks of tiles, with a workspace each; the GEMM shapes, and so the
 * results, do not depend on the thread count.  `gemm` is called from every
 * thread at once.
 * Contract: dt FC_F32 / FC_F64 (else FC_ERR_DTYPE); m in {2, 4, 6}, extents
 * >= 0, groups >= 1 dividing c_in and c_out (else FC_ERR_BADARG); arrays of
 * the stated extents, y not overlapping x, w or bias, bias NULL (no bias) or
 * c_out elements; c_in, c_out and the blocks fit a C int (trusted).  Every
 * element of y is written.  FC_ERR_NOMEM, or FC_ERR_INTERRUPTED (checked
 * between tile blocks; y is then partly written).
 */
fc_status fc_corr3x3_winograd(fc_dtype dt, const fc_corr3x3_shape *s, int m,
                              const void *x, const void *w0, const void *bias, void *y,
                              ptrdiff_t budget_bytes, fc_winograd_gemm_fn gemm,
                              void *gemm_context, const fc_exec *ex);

/* ------------------------------------------------------------------------ */
/* The rectifier between layers (csrc/nn/relu.c)                             */
/* ------------------------------------------------------------------------ */

/*
 * fc_relu:           y[i]  = x[i] < 0 ? 0 : x[i]      (torch.relu: NaN and -0.0 pass)
 * fc_relu_backward:  dx[i] = y[i] <= 0 ? 0 : dy[i]   (torch's threshold_backward at 0,
 *                                                    y the relu's output or input)
 * for i < n, on contiguous arrays of dtype dt (FC_F32 / FC_F64, else
 * FC_ERR_DTYPE); y may be x and dx may be dy (in place), no other overlap.
 * n >= 0, pointers non-NULL when n > 0 (else FC_ERR_BADARG).  nthreads
 * OpenMP threads for large n; the result does not depend on it.
 */
fc_status fc_relu(fc_dtype dt, const void *x, void *y, ptrdiff_t n, int nthreads);
fc_status fc_relu_backward(fc_dtype dt, const void *dy, const void *y, void *dx, ptrdiff_t n,
                           int nthreads);

#ifdef __cplusplus
}
#endif

#endif /* FASTCONV_H */
