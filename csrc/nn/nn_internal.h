/* nn_internal.h -- helpers shared by the nn kernels (internal, not for Cython). */
#ifndef FASTCONV_NN_INTERNAL_H
#define FASTCONV_NN_INTERNAL_H

#include <stddef.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fastconv.h"
#include "../util.h"

/* The calling OpenMP thread's number (0 outside parallel regions). */
static inline int fc_thread_num(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* The number of threads of the calling OpenMP team (1 outside parallel
 * regions). */
static inline int fc_thread_count(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* Threads of a call: ex->nthreads, or 1 without ex or without OpenMP. */
static inline int fc_exec_threads(const fc_exec *ex)
{
#ifdef _OPENMP
    return ex != NULL && ex->nthreads > 1 ? ex->nthreads : 1;
#else
    (void)ex;
    return 1;
#endif
}

/* Asked before each work unit of a parallel loop: non-zero when the call
 * is being stopped.  Thread 0 (the caller's thread, the only one allowed to
 * run the callback) asks ex's interrupt callback and raises *stop; every
 * thread reads *stop. */
static inline int fc_nn_stopped(const fc_exec *ex, int *stop)
{
    int stopped;
#pragma omp atomic read
    stopped = *stop;
    if (stopped) {
        return 1;
    }
    if (ex != NULL && ex->interrupted != NULL && fc_thread_num() == 0
        && ex->interrupted(ex->interrupt_data)) {
#pragma omp atomic write
        *stop = 1;
        return 1;
    }
    return 0;
}

/* fc_nn_stopped for a loop of small work units (unit_macs multiply-adds
 * each): thread 0 asks the callback only once FC_POLL_MACS multiply-adds
 * have run since it last asked (*since_poll, which thread 0 alone touches);
 * every thread still reads *stop before each unit.  Asking before every
 * 28x28 depthwise plane made the layer 1.3x slower. */
static inline int fc_nn_stopped_after(const fc_exec *ex, int *stop, ptrdiff_t unit_macs,
                                      ptrdiff_t *since_poll)
{
    if (fc_thread_num() == 0) {
        *since_poll += unit_macs;
        if (*since_poll >= FC_POLL_MACS) {
            *since_poll = 0;
            return fc_nn_stopped(ex, stop);
        }
    }
    return fc_nn_stopped(NULL, stop);
}

/* ceil(a / b) for b > 0 and any sign of a (C division truncates toward 0). */
static inline ptrdiff_t fc_ceil_div(ptrdiff_t a, ptrdiff_t b)
{
    return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/* The half-open range [lo, hi) of k in [0, n) with 0 <= base + k * step < size
 * (step > 0): the taps, or output positions, whose input index is inside the
 * data.  lo >= hi when there is none. */
static inline void fc_inside(ptrdiff_t base, ptrdiff_t step, ptrdiff_t size, ptrdiff_t n,
                             ptrdiff_t *lo, ptrdiff_t *hi)
{
    /* step 1 (the common case) needs no division */
    ptrdiff_t a = step == 1 ? -base : fc_ceil_div(-base, step);
    ptrdiff_t b = step == 1 ? size - base : fc_ceil_div(size - base, step);
    *lo = a > 0 ? a : 0;
    *hi = b < n ? b : n;
}

/* Tiles of width p covering [lo, hi) (hi - lo >= p) start at lo, lo + p, ...
 * and the last one ends flush with hi, overlapping its predecessor when p
 * does not divide hi - lo (its outputs are computed twice, identically).
 * Returns the start of the tile after the one at j0, or -1 after the last:
 *     for (j0 = lo; j0 >= 0; j0 = fc_next_tile(j0, p, hi)) ...           */
static inline ptrdiff_t fc_next_tile(ptrdiff_t j0, ptrdiff_t p, ptrdiff_t hi)
{
    if (j0 + p >= hi) {
        return -1;
    }
    return j0 + 2 * p <= hi ? j0 + p : hi - p;
}

/* FC_OK if the geometry is one the nn kernels can run (see fastconv.h), else
 * FC_ERR_BADARG.  Index-overflow bounds are the caller's part of the contract. */
static inline fc_status fc_conv2d_shape_check(const fc_conv2d_shape *s)
{
    if (s == NULL) {
        return FC_ERR_BADARG;
    }
    if (s->n < 0 || s->c_in < 0 || s->h_in < 0 || s->w_in < 0 || s->c_out < 0
        || s->h_out < 0 || s->w_out < 0 || s->kh < 0 || s->kw < 0) {
        return FC_ERR_BADARG;
    }
    if (s->groups < 1 || s->c_in % s->groups != 0 || s->c_out % s->groups != 0) {
        return FC_ERR_BADARG;
    }
    if (s->stride_h < 1 || s->stride_w < 1 || s->dil_h < 1 || s->dil_w < 1
        || s->pad_h < 0 || s->pad_w < 0) {
        return FC_ERR_BADARG;
    }
    return FC_OK;
}

#endif
