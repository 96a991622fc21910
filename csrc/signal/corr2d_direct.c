/*
 * corr2d_direct.c -- instantiates corr2d_direct.template.c for every element
 * type and runs its tiles, on OpenMP threads when the call asks for them
 * (fc_corr2d_direct, and fc_corr2d_direct_batch for a stack of problems of
 * one geometry), and dispatches fc_matvec on the dtype code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastconv.h"
#include "../dtype_list.h"
#include "../util.h"
#include "extend.h"
#include "../core/kernels.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Output columns accumulated together by corr_row: 256 accumulators of at
 * most 16 bytes (4 KiB) stay in L1 while every tap streams over them. */
#define FC_COL_BLOCK 256
/* Rows of at most this many outputs (the edge columns next to the micro-kernel's
 * interior) are summed one output at a time by corr_row. */
#define FC_NARROW_COLS 16

/* One call of fc_corr2d_direct, as every tile sees it. */
typedef struct {
    const void *x;
    ptrdiff_t xr, xc;
    const void *w;
    ptrdiff_t wr, wc;
    void *out;
    ptrdiff_t ldo, r0, c0;
    fc_boundary boundary;
    const void *fill;
    void (*kernel)(void);   /* the table's corr_rows for the dtype, or NULL */
    void (*edge)(void);     /* the table's corr_rows_edge for the dtype, or NULL */
    ptrdiff_t lanes;        /* the table's lanes for the dtype */
} fc_corr2d_problem;

/* Bytes of the row-pointer scratch of a tile (the ring follows it): two
 * sets of wr + FC_CORR_ROWS_BLOCK - 1 pointers. */
static size_t fc_rows_scratch_bytes(ptrdiff_t wr)
{
    const size_t bytes = 2 * (size_t)(wr + FC_CORR_ROWS_BLOCK - 1) * sizeof(void *);
    return (bytes + 63) & ~(size_t)63;
}

#define FC_TEMPLATE "signal/corr2d_direct.template.c"
#include "../dtype_instantiate.h"

typedef void (*fc_corr2d_tile_fn)(const fc_corr2d_problem *pb, ptrdiff_t i0, ptrdiff_t i1,
                                  ptrdiff_t a, ptrdiff_t b, void *scratch);

/* Multiply-adds in one tile (its work unit; FC_POLL_MACS of them between
 * two interrupt polls of the calling thread, util.h). */
#define FC_TILE_MACS ((ptrdiff_t)1 << 18)
/* Below this many multiply-adds (about 0.05 ms of AVX2 float32 work) a call
 * runs on one thread: waking the other threads costs microseconds on an idle
 * machine, and on a busy one the region's closing barrier waits until the OS
 * runs every team thread (measured on a loaded 2-core VM: a 3e5
 * multiply-add call took 36 ms on 2 threads against 36 us on one). */
#define FC_PARALLEL_MIN_MACS ((ptrdiff_t)1 << 21)
/* Rows of a tile when a row alone is more than a tile's work and the
 * kernel is large (see corr2d_tiling). */
#define FC_WIDE_TILE_ROWS 4
/* Column blocks are multiples of this (the widest micro-kernel pass). */
#define FC_TILE_COL_QUANTUM 256
/* Outputs of at least this many bytes are written by the kernel table's
 * corr_rows_stream (non-temporal stores): larger than the caches of a core
 * (measured: 2048 x 2048 float32, 16 MiB, x 3x3). */
#define FC_STREAM_MIN_BYTES ((ptrdiff_t)8 << 20)
/* A work unit of the dot-product path (corr2d_dot_batch): FC_DOT_TILE
 * outputs (the kernels' blocks of 4: each loaded kernel chunk serves four
 * outputs). */
#define FC_DOT_TILE 4
/* The narrowest column block (one AVX2 float32 vector). */
#define FC_TILE_COL_MIN 8
/* Column blocks of kernels with very many taps: 8 AVX-512 float32 vectors
 * (16 float64 ones), at most FC_TILE_MAX_MACS multiply-adds a tile (about
 * 5 ms of work). */
#define FC_TILE_COL_LONG 128
#define FC_TILE_MAX_MACS ((ptrdiff_t)1 << 28)

/*
 * The tiling: bands of `band` output rows (a multiple of FC_CORR_ROWS_BLOCK,
 * or FC_WIDE_TILE_ROWS, or the whole output) x blocks of `cblock` columns, each about
 * FC_TILE_MACS multiply-adds, so that threads share the work evenly and the
 * interrupt is polled often enough.  The tiling never changes a value.
 */
static void corr2d_tiling(ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t taps,
                          ptrdiff_t *band, ptrdiff_t *cblock)
{
    const ptrdiff_t row_macs = ocols * taps;   /* fits: checked by the caller */
    if (row_macs <= FC_TILE_MACS / FC_CORR_ROWS_BLOCK) {   /* whole rows */
        ptrdiff_t rows = FC_TILE_MACS / row_macs;
        rows -= rows % FC_CORR_ROWS_BLOCK;
        *band = fc_min(orows, fc_max(rows, FC_CORR_ROWS_BLOCK));
        *cblock = ocols;
        return;
    }
    /* wide rows: bands of FC_CORR_ROWS_BLOCK rows (the small kernels'
     * block) when a tile still gets FC_TILE_COL_QUANTUM columns, else of
     * FC_WIDE_TILE_ROWS (large kernels: the general kernel's 4-row block),
     * so that a tile keeps the columns of its wide vector blocks */
    const ptrdiff_t rows = FC_TILE_MACS / (FC_CORR_ROWS_BLOCK * taps) >= FC_TILE_COL_QUANTUM
                               ? FC_CORR_ROWS_BLOCK : FC_WIDE_TILE_ROWS;
    *band = fc_min(orows, rows);
    ptrdiff_t cols = FC_TILE_MACS / (*band * taps);
    if (cols >= FC_TILE_COL_QUANTUM) {
        cols -= cols % FC_TILE_COL_QUANTUM;
    } else {
        /* very many taps (long kernels, kernel gradients, lag windows): a
         * tile keeps FC_TILE_COL_LONG columns, enough independent vectors to
         * hide the FMA latency (one masked vector per tile ran 5x slower), as
         * long as it stays within FC_TILE_MAX_MACS, so that the interrupt is
         * still polled every few milliseconds; beyond, narrower tiles */
        const ptrdiff_t most = FC_TILE_MAX_MACS / (*band * taps);
        cols = fc_min(FC_TILE_COL_LONG,
                      fc_max(FC_TILE_COL_MIN, most - most % FC_TILE_COL_MIN));
    }
    *cblock = fc_min(ocols, cols);
}

/* Whether a thread of the call has set *stop (it was interrupted): the
 * work units left are skipped. */
static int corr2d_stopped(const int *stop)
{
    int stopped;
#ifdef _OPENMP
#pragma omp atomic read
#endif
    stopped = *stop;
    return stopped;
}

/* After a work unit of unit_macs multiply-adds: the calling thread (tid 0)
 * asks ex->interrupted every FC_POLL_MACS of them, and sets *stop when the
 * call was interrupted. */
static void corr2d_poll(const fc_exec *ex, int tid, ptrdiff_t unit_macs, ptrdiff_t *since_poll,
                        int *stop)
{
    if (tid != 0 || ex == NULL || ex->interrupted == NULL) {
        return;
    }
    *since_poll += unit_macs;
    if (*since_poll < FC_POLL_MACS) {
        return;
    }
    *since_poll = 0;
    if (ex->interrupted(ex->interrupt_data)) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
        *stop = 1;
    }
}

/* The threads of a call: ex's count, but one below FC_PARALLEL_MIN_MACS
 * multiply-adds in all, none more than the work units, one without OpenMP. */
static int corr2d_threads(const fc_exec *ex, ptrdiff_t batch, ptrdiff_t orows, ptrdiff_t ocols,
                          ptrdiff_t taps, ptrdiff_t units)
{
    int nthreads = ex != NULL && ex->nthreads > 1 ? ex->nthreads : 1;
    if (orows <= PTRDIFF_MAX / (ocols * taps)) {
        const ptrdiff_t item_macs = orows * ocols * taps;
        if (batch <= PTRDIFF_MAX / item_macs && batch * item_macs < FC_PARALLEL_MIN_MACS) {
            nthreads = 1;
        }
    }
    if (nthreads > units) {
        nthreads = (int)units;
    }
#ifndef _OPENMP
    nthreads = 1;
#endif
    return nthreads;
}

/*
 * Whether the dot-product path (corr_dot) beats corr_rows on an orows x
 * ocols output of kernel rows wc taps long (slot: the lanes of one of
 * corr_dot's partial sums, FC_DOT_SLOT_BYTES / itemsize).  corr_rows fills
 * vectors with output columns: a few columns leave most of their lanes
 * idle, and one or two rows of output give it too few independent sums to
 * hide the fused multiply-add's latency; corr_dot fills them with taps, and
 * pays a fixed cost per kernel row and output, so the longer the kernel
 * rows the wider the outputs where it wins.  The rule depends on the slot,
 * not on the vector width, so AVX2 and AVX-512 take the same path (and give
 * the same bits).  Measured (AMD Zen 5, one thread, AVX2 and AVX-512,
 * float32 and float64; time of corr_dot / time of corr_rows): 0.13-0.56 on
 * a 3-column output (the kernel gradient of a 3 x 3 filter) over 64 to 512
 * taps a row, 0.6-0.8 on 9 columns over 512 taps, 0.7-1.05 at the borders
 * of the rule below, 1.0-3.6 beyond them.
 */
static int corr2d_dot_pays(ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t wc, size_t itemsize)
{
    const ptrdiff_t slot = FC_DOT_SLOT_BYTES / (ptrdiff_t)itemsize;
    if (wc < 4 * slot) {
        return 0;
    }
    if (orows <= 2 || wc >= 32 * slot) {
        return ocols <= slot;
    }
    return wc >= 8 * slot ? 8 * ocols <= 3 * slot : 4 * ocols <= slot;
}

/*
 * The zero extension by the table's corr_dot (signal_kernels.h), for the
 * calls where it pays (corr2d_dot_pays).  Work units: (item,
 * FC_DOT_TILE outputs in row-major order); each output is summed on its
 * own, so neither the units nor the threads change a value.
 */
static fc_status corr2d_dot_batch(fc_dtype dt, const fc_kernel_table *table, ptrdiff_t batch,
                                  const void *x, ptrdiff_t xr, ptrdiff_t xc, ptrdiff_t x_step,
                                  const void *w, ptrdiff_t wr, ptrdiff_t wc, ptrdiff_t w_step,
                                  void *out, ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t ldo,
                                  ptrdiff_t out_step, ptrdiff_t r0, ptrdiff_t c0,
                                  const fc_exec *ex)
{
    const size_t itemsize = fc_itemsize(dt);
    const ptrdiff_t item_units = (orows * ocols + FC_DOT_TILE - 1) / FC_DOT_TILE;
    if (item_units > PTRDIFF_MAX / batch) {
        return FC_ERR_OVERFLOW;
    }
    const ptrdiff_t units = batch * item_units, taps = wr * wc;
    const int nthreads = corr2d_threads(ex, batch, orows, ocols, taps, units);
    const ptrdiff_t unit_macs = taps > PTRDIFF_MAX / FC_DOT_TILE ? FC_POLL_MACS
                                                                : FC_DOT_TILE * taps;
    int stop = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
#endif
    {
#ifdef _OPENMP
        const int tid = omp_get_thread_num();
#else
        const int tid = 0;
#endif
        ptrdiff_t since_poll = 0;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (ptrdiff_t t = 0; t < units; ++t) {
            if (corr2d_stopped(&stop)) {
                continue;
            }
            const ptrdiff_t b = t / item_units, first = t % item_units * FC_DOT_TILE;
            const ptrdiff_t count = fc_min(FC_DOT_TILE, orows * ocols - first);
            const char *xb = (const char *)x + (size_t)(b * x_step) * itemsize;
            const char *wb = (const char *)w + (size_t)(b * w_step) * itemsize;
            char *ob = (char *)out + (size_t)(b * out_step) * itemsize;
            if (dt == FC_F32) {
                table->signal.corr_dot_f32((const float *)xb, xr, xc, (const float *)wb, wr, wc,
                                           (float *)ob, ldo, ocols, first, count, r0, c0);
            } else {
                table->signal.corr_dot_f64((const double *)xb, xr, xc, (const double *)wb, wr,
                                           wc, (double *)ob, ldo, ocols, first, count, r0, c0);
            }
            corr2d_poll(ex, tid, unit_macs, &since_poll, &stop);
        }
    }
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

fc_status fc_corr2d_direct(fc_dtype dt,
                           const void *x, ptrdiff_t xr, ptrdiff_t xc,
                           const void *w, ptrdiff_t wr, ptrdiff_t wc,
                           void *out, ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t ldo,
                           ptrdiff_t r0, ptrdiff_t c0,
                           fc_boundary boundary, const void *fill, const fc_exec *ex)
{
    return fc_corr2d_direct_batch(dt, 1, x, xr, xc, 0, w, wr, wc, 0, out, orows, ocols, ldo, 0,
                                  r0, c0, boundary, fill, ex);
}

/*
 * The batch: item b reads x + b * x_step, w + b * w_step and writes
 * out + b * out_step (steps in elements; 0 shares one array).  The work
 * units are the (item, tile) pairs, item-major, each item cut into the tiles
 * of an unbatched call, so that threads take whole items when the batch is
 * large and row bands of one item when it is small; a tile computes its
 * outputs exactly as the unbatched call does, so no value depends on the
 * batch or the thread count.
 */
fc_status fc_corr2d_direct_batch(fc_dtype dt, ptrdiff_t batch,
                                 const void *x, ptrdiff_t xr, ptrdiff_t xc, ptrdiff_t x_step,
                                 const void *w, ptrdiff_t wr, ptrdiff_t wc, ptrdiff_t w_step,
                                 void *out, ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t ldo,
                                 ptrdiff_t out_step,
                                 ptrdiff_t r0, ptrdiff_t c0,
                                 fc_boundary boundary, const void *fill, const fc_exec *ex)
{
    if (batch < 0 || xr < 0 || xc < 0 || wr < 0 || wc < 0 || orows < 0 || ocols < 0
        || ldo < ocols || x_step < 0 || w_step < 0 || out_step < 0) {
        return FC_ERR_BADARG;
    }
    if (boundary != FC_PAD_ZERO && boundary != FC_PAD_FILL && boundary != FC_PAD_WRAP
        && boundary != FC_PAD_SYMM) {
        return FC_ERR_BADARG;
    }
    const size_t itemsize = fc_itemsize(dt);
    if (itemsize == 0) {
        return FC_ERR_DTYPE;
    }
    if (batch == 0 || orows == 0 || ocols == 0) {
        return FC_OK;
    }
    if (batch > 1 && out_step < (orows - 1) * ldo + ocols) {
        return FC_ERR_BADARG;   /* the items' outputs would overlap */
    }
    if (wr == 0 || wc == 0) {
        /* an empty sum in every output */
        for (ptrdiff_t b = 0; b < batch; ++b) {
            char *item = (char *)out + (size_t)(b * out_step) * itemsize;
            for (ptrdiff_t i = 0; i < orows; ++i) {
                memset(item + (size_t)(i * ldo) * itemsize, 0, (size_t)ocols * itemsize);
            }
        }
        return FC_OK;
    }
    if ((boundary == FC_PAD_FILL && fill == NULL)
        || ((boundary == FC_PAD_WRAP || boundary == FC_PAD_SYMM) && (xr == 0 || xc == 0))) {
        return FC_ERR_BADARG;
    }
    if (wr > PTRDIFF_MAX / wc || ocols > PTRDIFF_MAX / (wr * wc)
        || wr > PTRDIFF_MAX / 2 - FC_CORR_ROWS_BLOCK || wc > PTRDIFF_MAX / 2 - ocols) {
        return FC_ERR_OVERFLOW;
    }
    const ptrdiff_t taps = wr * wc;

    /* the micro-kernel of the requested level, and the tiles */
    const fc_kernel_table *table = fc_kernels(ex != NULL ? ex->isa : FC_ISA_SCALAR);
    fc_corr2d_problem pb = {x, xr, xc, w, wr, wc, out, ldo, r0, c0, boundary, fill, NULL, NULL, 0};
    /* outputs larger than the caches, the batch's together: written past
     * them (non-temporal) */
    const ptrdiff_t item_elements = (orows - 1) * ldo + ocols;
    const int stream = item_elements > FC_STREAM_MIN_BYTES / (ptrdiff_t)itemsize / batch;
    if (dt == FC_F32) {
        pb.kernel = (void (*)(void))(stream ? table->signal.corr_rows_stream_f32
                                            : table->signal.corr_rows_f32);
        pb.edge = (void (*)(void))table->signal.corr_rows_edge_f32;
        pb.lanes = table->signal.lanes_f32;
    } else if (dt == FC_F64) {
        pb.kernel = (void (*)(void))(stream ? table->signal.corr_rows_stream_f64
                                            : table->signal.corr_rows_f64);
        pb.edge = (void (*)(void))table->signal.corr_rows_edge_f64;
        pb.lanes = table->signal.lanes_f64;
    } else if (dt == FC_C64) {   /* edges: the portable corr_row */
        pb.kernel = (void (*)(void))table->signal.corr_rows_c64;
    } else if (dt == FC_C128) {
        pb.kernel = (void (*)(void))table->signal.corr_rows_c128;
    }
    if (boundary == FC_PAD_ZERO && pb.lanes > 0 && corr2d_dot_pays(orows, ocols, wc, itemsize)) {
        /* few output columns, long kernel rows: dot products */
        return corr2d_dot_batch(dt, table, batch, x, xr, xc, x_step, w, wr, wc, w_step, out,
                                orows, ocols, ldo, out_step, r0, c0, ex);
    }
    fc_corr2d_tile_fn tile = NULL;
#define FC_CASE(code, sfx, T)        \
    case code:                       \
        tile = corr2d_tile_##sfx;    \
        break;
    switch (dt) {
        FC_FOR_EACH_DTYPE(FC_CASE)
        default:
            return FC_ERR_DTYPE;
    }
#undef FC_CASE
    ptrdiff_t band, cblock;
    corr2d_tiling(orows, ocols, taps, &band, &cblock);
    const ptrdiff_t nbands = (orows + band - 1) / band, nblocks = (ocols + cblock - 1) / cblock;
    const ptrdiff_t item_tiles = nbands * nblocks;
    if (item_tiles > PTRDIFF_MAX / batch) {
        return FC_ERR_OVERFLOW;
    }
    const ptrdiff_t ntiles = batch * item_tiles;

    const int nthreads = corr2d_threads(ex, batch, orows, ocols, taps, ntiles);

    /* per-thread scratch: row pointers, then (fill / wrap / symm) the ring */
    size_t per_thread = fc_rows_scratch_bytes(wr);
    if (boundary != FC_PAD_ZERO) {
        const ptrdiff_t slots = wr + FC_CORR_ROWS_BLOCK - 1, width = cblock + wc - 1;
        if (width > PTRDIFF_MAX / slots
            || (size_t)(slots * width) > (SIZE_MAX - per_thread - 64) / itemsize) {
            return FC_ERR_OVERFLOW;
        }
        per_thread += ((size_t)(slots * width) * itemsize + 63) & ~(size_t)63;
    }
    if (per_thread > SIZE_MAX / (size_t)nthreads) {
        return FC_ERR_OVERFLOW;
    }
    char *scratch = malloc(per_thread * (size_t)nthreads);
    if (scratch == NULL) {
        return FC_ERR_NOMEM;
    }

    const ptrdiff_t tile_macs =
        cblock * taps > PTRDIFF_MAX / band ? FC_POLL_MACS : band * cblock * taps;
    int stop = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
#endif
    {
#ifdef _OPENMP
        const int tid = omp_get_thread_num();
#else
        const int tid = 0;
#endif
        void *mine = scratch + per_thread * (size_t)tid;
        ptrdiff_t since_poll = 0;
        fc_corr2d_problem item = pb;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (ptrdiff_t t = 0; t < ntiles; ++t) {
            if (corr2d_stopped(&stop)) {
                continue;
            }
            const ptrdiff_t b = t / item_tiles, u = t % item_tiles;
            item.x = (const char *)x + (size_t)(b * x_step) * itemsize;
            item.w = (const char *)w + (size_t)(b * w_step) * itemsize;
            item.out = (char *)out + (size_t)(b * out_step) * itemsize;
            const ptrdiff_t i0 = (u / nblocks) * band, a = (u % nblocks) * cblock;
            tile(&item, i0, fc_min(i0 + band, orows), a, fc_min(a + cblock, ocols), mine);
            corr2d_poll(ex, tid, tile_macs, &since_poll, &stop);
        }
    }
    free(scratch);
    return stop ? FC_ERR_INTERRUPTED : FC_OK;
}

fc_status fc_matvec(fc_dtype dt, const void *cols, ptrdiff_t np, ptrdiff_t nt,
                    const void *w, void *y, int accumulate)
{
    if (np < 0 || nt < 0) {
        return FC_ERR_BADARG;
    }
#define FC_CASE(code, sfx, T)                                                  \
    case code:                                                                 \
        matvec_##sfx((const T *)cols, np, nt, (const T *)w, (T *)y, accumulate); \
        return FC_OK;
    FC_DISPATCH(dt, FC_CASE)
#undef FC_CASE
}
