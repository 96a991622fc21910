# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Cython drivers of the signal API: 2-D correlation by the direct kernel or by
im2col + GEMV (one problem, or a stack of them by the direct kernel), and the
boundary extension of an image.

Every entry point takes C-contiguous NumPy arrays of one compute dtype (the
Python layer has already resolved dtypes, modes and swap rules), checks that
the buffers match what the C contract needs, releases the GIL and runs the C
core.  1-D problems are the case of one row.
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.limits cimport INT_MAX
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.math cimport copysign, isfinite

cimport numpy as cnp
from scipy.linalg.cython_blas cimport sgemv, dgemv, cgemv, zgemv

from fastconv._ext._blas_threads cimport blas_single_thread_begin, blas_single_thread_end

from fastconv._ext.cfastconv cimport (
    fc_status, fc_dtype, fc_boundary, FC_OK, FC_ERR_NOMEM, FC_ERR_BADARG,
    FC_PAD_ZERO, FC_PAD_FILL, FC_PAD_WRAP, FC_PAD_SYMM,
    FC_BOOL, FC_F32, FC_F64, FC_C64, FC_C128, FC_NDTYPES,
    fc_itemsize, fc_corr2d_direct, fc_corr2d_direct_batch, fc_im2col2d, fc_matvec, fc_pad2d, fc_exec,
    check_status, make_exec, fc_kernel_tables_init,
)

cnp.import_array()

# Each extension module links its own copy of the C core, kernel table
# included: fill this module's copy once, before any kernel runs.
fc_kernel_tables_init()

# The column matrix of a tile always holds at least this many output rows, so
# the tap dimension is split only for kernels with very many taps.
cdef Py_ssize_t MIN_TILE_ROWS = 64


cdef int _check_buffer(cnp.ndarray a, int ndim, size_t itemsize, str name) except -1:
    if cnp.PyArray_NDIM(a) != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {cnp.PyArray_NDIM(a)}-D")
    if not cnp.PyArray_IS_C_CONTIGUOUS(a) or not cnp.PyArray_ISALIGNED(a):
        raise ValueError(f"{name} must be C-contiguous and aligned")
    if <size_t>cnp.PyArray_ITEMSIZE(a) != itemsize:
        raise TypeError(f"{name} has the wrong itemsize for the compute dtype")
    return 0


cdef size_t _check_operands(int dtype_code, cnp.ndarray x, cnp.ndarray w, cnp.ndarray out,
                            int ndim) except 0:
    """The itemsize of dtype_code, after checking that code and the three
    arrays (ndim-D, C-contiguous, of that itemsize; out writeable)."""
    if dtype_code < 0 or dtype_code >= <int>FC_NDTYPES:
        raise TypeError(f"unknown dtype code {dtype_code}")
    cdef size_t itemsize = fc_itemsize(<fc_dtype>dtype_code)
    _check_buffer(x, ndim, itemsize, "x")
    _check_buffer(w, ndim, itemsize, "w")
    _check_buffer(out, ndim, itemsize, "out")
    if not cnp.PyArray_ISWRITEABLE(out):
        raise ValueError("out must be writeable")
    return itemsize


cdef const void *_fill_pointer(fc_boundary bnd, cnp.ndarray fill, size_t itemsize) except? NULL:
    """The fill value's data for boundary 'fill' (a 0-d array of the
    itemsize), else NULL."""
    if bnd != FC_PAD_FILL:
        return NULL
    if fill is None:
        raise ValueError("boundary 'fill' needs a fill value")
    _check_buffer(fill, 0, itemsize, "fill")
    return cnp.PyArray_DATA(fill)


cdef fc_status _gemv_tile(fc_dtype dt, const char *cols, int n, int m,
                          const char *w, char *y, bint accumulate) noexcept nogil:
    """y[:n] (+)= cols[n, m] @ w[:m]: BLAS for floating dtypes, C otherwise.

    cols is row-major n x m, i.e. column-major m x n with lda = m, so the
    product is A^T w (trans = 'T'; complex w is pre-conjugated by the caller
    where needed, so 'T' and never 'C').
    """
    cdef char trans = b'T'
    cdef int inc = 1
    cdef int lda = m if m > 0 else 1
    cdef float s_one = 1.0, s_beta = 1.0 if accumulate else 0.0
    cdef double d_one = 1.0, d_beta = 1.0 if accumulate else 0.0
    cdef float complex c_one = 1.0, c_beta = 1.0 if accumulate else 0.0
    cdef double complex z_one = 1.0, z_beta = 1.0 if accumulate else 0.0
    if dt == FC_F32:
        sgemv(&trans, &m, &n, &s_one, <float *>cols, &lda, <float *>w, &inc,
              &s_beta, <float *>y, &inc)
    elif dt == FC_F64:
        dgemv(&trans, &m, &n, &d_one, <double *>cols, &lda, <double *>w, &inc,
              &d_beta, <double *>y, &inc)
    elif dt == FC_C64:
        cgemv(&trans, &m, &n, &c_one, <float complex *>cols, &lda,
              <float complex *>w, &inc, &c_beta, <float complex *>y, &inc)
    elif dt == FC_C128:
        zgemv(&trans, &m, &n, &z_one, <double complex *>cols, &lda,
              <double complex *>w, &inc, &z_beta, <double complex *>y, &inc)
    else:
        return fc_matvec(dt, cols, n, m, w, y, accumulate)
    return FC_OK


cdef fc_status _corr2d_im2col(fc_dtype dt, const char *x, Py_ssize_t xr, Py_ssize_t xc,
                              const char *w, Py_ssize_t wr, Py_ssize_t wc,
                              char *out, Py_ssize_t orows, Py_ssize_t ocols,
                              Py_ssize_t r0, Py_ssize_t c0,
                              fc_boundary boundary, const void *fill,
                              Py_ssize_t tile_bytes) noexcept nogil:
    """The correlation of fc_corr2d_direct, computed tile by tile: build rows
    [p0, p0 + n) x taps [t0, t0 + m) of the column matrix (at most tile_bytes),
    multiply by the matching slice of the flattened kernel, accumulate over
    tap slices.  Extra memory: one tile, whatever the problem size."""
    cdef size_t itemsize = fc_itemsize(dt)
    cdef Py_ssize_t npos = orows * ocols
    cdef Py_ssize_t ntaps = wr * wc
    cdef Py_ssize_t tile_taps, tile_rows, p0, t0, n, m
    cdef fc_status status = FC_OK
    cdef char *cols
    cdef int blas_threads
    if npos == 0:
        return FC_OK
    if ntaps == 0:
        memset(out, 0, <size_t>npos * itemsize)
        return FC_OK
    tile_taps = tile_bytes // <Py_ssize_t>(itemsize * MIN_TILE_ROWS)
    tile_taps = min(ntaps, max(<Py_ssize_t>1, min(tile_taps, <Py_ssize_t>INT_MAX)))
    tile_rows = tile_bytes // <Py_ssize_t>(itemsize * tile_taps)
    tile_rows = min(npos, max(<Py_ssize_t>1, min(tile_rows, <Py_ssize_t>INT_MAX)))
    cols = <char *>malloc(<size_t>(tile_rows * tile_taps) * itemsize)
    if cols == NULL:
        return FC_ERR_NOMEM
    blas_threads = blas_single_thread_begin()
    p0 = 0
    while p0 < npos and status == FC_OK:
        n = min(tile_rows, npos - p0)
        t0 = 0
        while t0 < ntaps and status == FC_OK:
            m = min(tile_taps, ntaps - t0)
            status = fc_im2col2d(itemsize, x, xr, xc, wc, ocols, r0, c0,
                                 p0, n, t0, m, cols, boundary, fill)
            if status == FC_OK:
                status = _gemv_tile(dt, cols, <int>n, <int>m, w + <size_t>t0 * itemsize,
                                    out + <size_t>p0 * itemsize, t0 > 0)
            t0 += m
        p0 += n
    blas_single_thread_end(blas_threads)
    free(cols)
    return status


cdef fc_status _direct_on_border(fc_dtype dt, const char *x, Py_ssize_t xr, Py_ssize_t xc,
                                 const char *w, Py_ssize_t wr, Py_ssize_t wc,
                                 char *out, Py_ssize_t orows, Py_ssize_t ocols,
                                 Py_ssize_t r0, Py_ssize_t c0,
                                 const fc_exec *ex) noexcept nogil:
    """Recompute, with the direct kernel, the outputs whose kernel window
    hangs over the edge of x (zero extension): the top and bottom bands of
    rows and the left and right bands of the rows between.  im2col multiplies
    the kernel by the zeros there, which turns an inf or nan tap into nan
    where the definition (and NumPy) has no product at all."""
    cdef size_t itemsize = fc_itemsize(dt)
    # interior: 0 <= i + r0 and i + r0 + wr <= xr (likewise for columns)
    cdef Py_ssize_t i_lo = min(orows, max(<Py_ssize_t>0, -r0))
    cdef Py_ssize_t i_hi = max(i_lo, min(orows, xr - wr - r0 + 1))
    cdef Py_ssize_t j_lo = min(ocols, max(<Py_ssize_t>0, -c0))
    cdef Py_ssize_t j_hi = max(j_lo, min(ocols, xc - wc - c0 + 1))
    # (first row, rows, first column, columns) of the four bands
    cdef Py_ssize_t bands[4][4]
    bands[0][:] = [0, i_lo, 0, ocols]
    bands[1][:] = [i_hi, orows - i_hi, 0, ocols]
    bands[2][:] = [i_lo, i_hi - i_lo, 0, j_lo]
    bands[3][:] = [i_lo, i_hi - i_lo, j_hi, ocols - j_hi]
    cdef fc_status status = FC_OK
    cdef int b
    for b in range(4):
        if bands[b][1] > 0 and bands[b][3] > 0 and status == FC_OK:
            status = fc_corr2d_direct(
                dt, x, xr, xc, w, wr, wc,
                out + <size_t>(bands[b][0] * ocols + bands[b][2]) * itemsize,
                bands[b][1], bands[b][3], ocols, r0 + bands[b][0], c0 + bands[b][2],
                FC_PAD_ZERO, NULL, ex)
    return status


_BOUNDARIES = {"zero": FC_PAD_ZERO, "fill": FC_PAD_FILL, "wrap": FC_PAD_WRAP,
               "symm": FC_PAD_SYMM}


def corr2d(cnp.ndarray x, cnp.ndarray w, cnp.ndarray out, Py_ssize_t r0, Py_ssize_t c0,
           int dtype_code, bint use_im2col, Py_ssize_t tile_bytes,
           str boundary="zero", cnp.ndarray fill=None, bint kernel_finite=True,
           int nthreads=1, int isa=0):
    """out[i, j] = sum_{p, q} ext(x)[i + r0 + p, j + c0 + q] * w[p, q].

    x, w, out: 2-D C-contiguous arrays of the compute dtype named by
    dtype_code (an fc_dtype).  ext extends x by `boundary`: 'zero' (products
    outside x are skipped), 'fill' (with the 0-d array `fill`), 'wrap' or
    'symm'.  kernel_finite=False tells the im2col method that w holds an inf
    or nan, so that the zero-extension border is recomputed by the direct
    kernel.  The direct kernel runs on `nthreads` OpenMP threads with the
    kernel table of level `isa` (an fc_isa code) and stops on Ctrl-C
    (KeyboardInterrupt).  Writes into out; returns nothing.
    """
    cdef size_t itemsize = _check_operands(dtype_code, x, w, out, 2)
    cdef fc_dtype dt = <fc_dtype>dtype_code
    if tile_bytes <= 0:
        raise ValueError("tile_bytes must be positive")
    cdef fc_boundary bnd = <fc_boundary><int>_BOUNDARIES[boundary]
    cdef const void *fp = _fill_pointer(bnd, fill, itemsize)
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(w)
    cdef char *op = <char *>cnp.PyArray_DATA(out)
    cdef Py_ssize_t xr = x.shape[0], xc = x.shape[1]
    cdef Py_ssize_t wr = w.shape[0], wc = w.shape[1]
    cdef Py_ssize_t orows = out.shape[0], ocols = out.shape[1]
    cdef fc_exec ex = make_exec(nthreads, isa)
    cdef fc_status status
    with nogil:
        if use_im2col:
            status = _corr2d_im2col(dt, xp, xr, xc, wp, wr, wc, op, orows, ocols,
                                    r0, c0, bnd, fp, tile_bytes)
            if status == FC_OK and bnd == FC_PAD_ZERO and not kernel_finite:
                status = _direct_on_border(dt, xp, xr, xc, wp, wr, wc, op, orows, ocols,
                                           r0, c0, &ex)
        else:
            status = fc_corr2d_direct(dt, xp, xr, xc, wp, wr, wc, op, orows, ocols, ocols,
                                      r0, c0, bnd, fp, &ex)
    check_status(status)


def corr2d_batch(cnp.ndarray x, cnp.ndarray w, cnp.ndarray out, Py_ssize_t r0, Py_ssize_t c0,
                 int dtype_code, str boundary="zero", cnp.ndarray fill=None,
                 int nthreads=1, int isa=0):
    """corr2d's direct kernel on a stack, in one call with the GIL released:

        out[b] = corr(ext(x[b or 0]), w[b or 0])   for b < B = out.shape[0]

    x (Bx, xr, xc), w (Bw, wr, wc), out (B, orows, ocols): 3-D C-contiguous
    arrays of the compute dtype named by dtype_code, Bx and Bw each 1 (one
    array for every item) or B.  Each out[b] is bit for bit what corr2d
    (use_im2col=False) writes for that item, whatever nthreads; the OpenMP
    threads share the items and their tiles.  Stops on Ctrl-C
    (KeyboardInterrupt).  Writes into out; returns nothing.
    """
    cdef size_t itemsize = _check_operands(dtype_code, x, w, out, 3)
    cdef fc_dtype dt = <fc_dtype>dtype_code
    cdef Py_ssize_t batch = out.shape[0]
    if x.shape[0] != 1 and x.shape[0] != batch:
        raise ValueError(f"x holds {x.shape[0]} items, out {batch}: x must hold 1 or {batch}")
    if w.shape[0] != 1 and w.shape[0] != batch:
        raise ValueError(f"w holds {w.shape[0]} items, out {batch}: w must hold 1 or {batch}")
    cdef fc_boundary bnd = <fc_boundary><int>_BOUNDARIES[boundary]
    cdef const void *fp = _fill_pointer(bnd, fill, itemsize)
    cdef Py_ssize_t xr = x.shape[1], xc = x.shape[2]
    cdef Py_ssize_t wr = w.shape[1], wc = w.shape[2]
    cdef Py_ssize_t orows = out.shape[1], ocols = out.shape[2]
    cdef Py_ssize_t x_step = xr * xc if x.shape[0] > 1 else 0
    cdef Py_ssize_t w_step = wr * wc if w.shape[0] > 1 else 0
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const void *wp = cnp.PyArray_DATA(w)
    cdef void *op = cnp.PyArray_DATA(out)
    cdef fc_exec ex = make_exec(nthreads, isa)
    cdef fc_status status
    with nogil:
        status = fc_corr2d_direct_batch(dt, batch, xp, xr, xc, x_step, wp, wr, wc, w_step,
                                        op, orows, ocols, ocols, orows * ocols,
                                        r0, c0, bnd, fp, &ex)
    check_status(status)


def pad2d(cnp.ndarray x, cnp.ndarray out, Py_ssize_t r0, Py_ssize_t c0,
          str boundary, cnp.ndarray fill):
    """out[i, j] = ext(x)[i + r0, j + c0], ext the 'fill' / 'wrap' / 'symm'
    extension of x; fill is a 0-d array of x's dtype (used by 'fill')."""
    cdef size_t itemsize = cnp.PyArray_ITEMSIZE(x)
    _check_buffer(x, 2, itemsize, "x")
    _check_buffer(out, 2, itemsize, "out")
    _check_buffer(fill, 0, itemsize, "fill")
    if not cnp.PyArray_ISWRITEABLE(out):
        raise ValueError("out must be writeable")
    cdef fc_boundary bnd = <fc_boundary><int>_BOUNDARIES[boundary]
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef void *op = cnp.PyArray_DATA(out)
    cdef const void *fp = cnp.PyArray_DATA(fill)
    cdef Py_ssize_t xr = x.shape[0], xc = x.shape[1]
    cdef Py_ssize_t dr = out.shape[0], dc = out.shape[1]
    cdef fc_status status
    with nogil:
        status = fc_pad2d(itemsize, xp, xr, xc, op, dr, dc, r0, c0, bnd, fp)
    check_status(status)


# --------------------------------------------------------------------------
# backward passes (fastconv/_primitive.py)
# --------------------------------------------------------------------------

from fastconv._ext.cfastconv cimport fc_fold2d


def fold2d(cnp.ndarray g, cnp.ndarray x, Py_ssize_t r0, Py_ssize_t c0,
           str boundary, int dtype_code):
    """The adjoint of pad2d: x = 0, then x[ext(i + r0), ext(j + c0)] += g[i, j]
    for every element of g, ext the 'fill' / 'wrap' / 'symm' index mapping of
    pad2d ('fill' positions dropped).  g, x: 2-D C-contiguous float32 or
    float64 arrays of the dtype named by dtype_code; writes into x."""
    if dtype_code < 0 or dtype_code >= <int>FC_NDTYPES:
        raise TypeError(f"unknown dtype code {dtype_code}")
    cdef fc_dtype dt = <fc_dtype>dtype_code
    cdef size_t itemsize = fc_itemsize(dt)
    _check_buffer(g, 2, itemsize, "g")
    _check_buffer(x, 2, itemsize, "x")
    if not cnp.PyArray_ISWRITEABLE(x):
        raise ValueError("x must be writeable")
    cdef fc_boundary bnd = <fc_boundary><int>_BOUNDARIES[boundary]
    cdef const void *gp = cnp.PyArray_DATA(g)
    cdef void *xp = cnp.PyArray_DATA(x)
    cdef Py_ssize_t gr = g.shape[0], gc = g.shape[1]
    cdef Py_ssize_t xr = x.shape[0], xc = x.shape[1]
    cdef fc_status status
    with nogil:
        status = fc_fold2d(dt, gp, gr, gc, xp, xr, xc, r0, c0, bnd)
    check_status(status)


# --------------------------------------------------------------------------
# the per-call fast path of small 1-D calls (fastconv/_signal.py)
# --------------------------------------------------------------------------

_NUMPY_MODES = {"valid": 0, "same": 1, "full": 2}


cdef int _float_pair_type(object a, object b, int ndim):
    """The NumPy type number of a and b when both are exact ndarrays of
    `ndim` dimensions, aligned, C-contiguous, native and of one dtype,
    float32 or float64; else -1 (the fast paths' common case)."""
    if type(a) is not cnp.ndarray or type(b) is not cnp.ndarray:
        return -1
    cdef cnp.ndarray x = <cnp.ndarray>a, y = <cnp.ndarray>b
    if cnp.PyArray_NDIM(x) != ndim or cnp.PyArray_NDIM(y) != ndim:
        return -1
    cdef int type_num = cnp.PyArray_TYPE(x)
    if type_num != cnp.PyArray_TYPE(y) or (type_num != cnp.NPY_FLOAT64
                                            and type_num != cnp.NPY_FLOAT32):
        return -1
    if not (cnp.PyArray_ISCARRAY_RO(x) and cnp.PyArray_ISCARRAY_RO(y)
            and cnp.PyArray_ISNOTSWAPPED(x) and cnp.PyArray_ISNOTSWAPPED(y)):
        return -1
    return type_num


cdef char *_reversed_copy(const char *w, Py_ssize_t count, size_t itemsize) except NULL:
    """A malloc'd copy of the count elements at w in reverse order (the
    caller frees it): a kernel flipped for a convolution."""
    cdef char *reversed_w = <char *>malloc(<size_t>count * itemsize)
    if reversed_w == NULL:
        raise MemoryError()
    cdef Py_ssize_t t
    for t in range(count):
        memcpy(reversed_w + <size_t>t * itemsize, w + <size_t>(count - 1 - t) * itemsize,
               itemsize)
    return reversed_w


cdef inline Py_ssize_t _edge_weighted(Py_ssize_t outputs, Py_ssize_t inside,
                                      Py_ssize_t edge_weight):
    """outputs with those outside `inside` (whose window passes an edge of
    x: the direct kernels' slower edge paths) counted edge_weight times,
    saturating at PY_SSIZE_T_MAX"""
    cdef Py_ssize_t edge = outputs - inside
    if edge > 0 and edge_weight > 1 and edge > (PY_SSIZE_T_MAX - inside) // edge_weight:
        return PY_SSIZE_T_MAX
    return inside + edge * edge_weight if edge > 0 else outputs


def corr1d_small(object a, object v, object mode, bint convolution, int isa,
                 Py_ssize_t max_macs, Py_ssize_t max_macs_wide=0, Py_ssize_t wide=0,
                 Py_ssize_t edge_weight=1):
    """numpy.convolve (convolution=True) or numpy.correlate of a and v by the
    direct kernel on one thread, with the least Python work, when the call is
    the common case: a and v exact ndarrays, 1-D, non-empty, aligned,
    C-contiguous, native float32 or float64 of one dtype, mode one of the
    three names, at most max_macs multiply-adds (output length x len(v), an
    output whose window passes an end of the signal counted edge_weight
    times; or max_macs_wide when the output has at least `wide` elements),
    and for correlate a at least as long as v.  Returns the result array, or None when the call is not
    that case (the caller then takes the full path, which gives the same
    result for the calls accepted here)."""
    cdef int type_num = _float_pair_type(a, v, 1)
    if type_num < 0:
        return None
    cdef cnp.ndarray xa = <cnp.ndarray>a, va = <cnp.ndarray>v
    mode_code = _NUMPY_MODES.get(mode) if type(mode) is str else None
    if mode_code is None:
        return None
    cdef Py_ssize_t n = cnp.PyArray_DIM(xa, 0), k = cnp.PyArray_DIM(va, 0)
    if n == 0 or k == 0:
        return None
    if k > n:
        if not convolution:
            return None      # NumPy's reversed output: the full path
        xa, va = va, xa
        n, k = k, n
    cdef Py_ssize_t k0, length
    if mode_code == 2:
        k0, length = -(k - 1), n + k - 1
    elif mode_code == 1:
        k0, length = -(k // 2), n
    else:
        k0, length = 0, n - k + 1
    cdef Py_ssize_t weighted = _edge_weighted(length, n - k + 1, edge_weight)
    if weighted > max_macs // k and (length < wide or wide <= 0 or weighted > max_macs_wide // k):
        return None
    cdef fc_dtype dt = FC_F64 if type_num == cnp.NPY_FLOAT64 else FC_F32
    cdef size_t itemsize = fc_itemsize(dt)
    cdef cnp.npy_intp out_len = length
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &out_len, type_num, 0)
    cdef const char *xp = <const char *>cnp.PyArray_DATA(xa)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(va)
    cdef char *reversed_w = NULL
    if convolution:
        reversed_w = _reversed_copy(wp, k, itemsize)
        wp = reversed_w
    cdef fc_exec ex = make_exec(1, isa)
    cdef fc_status status
    with nogil:
        status = fc_corr2d_direct(dt, xp, 1, n, wp, 1, k, cnp.PyArray_DATA(out), 1, length,
                                  length, 0, k0, FC_PAD_ZERO, NULL, &ex)
    free(reversed_w)
    check_status(status)
    return out


_SCIPY_MODES = {"valid": 0, "same": 1, "full": 2}


cdef bint _finite_kernel(cnp.ndarray w, int type_num):
    """True when every element of the C-contiguous float32 / float64 w is finite."""
    cdef Py_ssize_t i, size = cnp.PyArray_SIZE(w)
    cdef const float *f32
    cdef const double *f64
    if type_num == cnp.NPY_FLOAT32:
        f32 = <const float *>cnp.PyArray_DATA(w)
        for i in range(size):
            if not isfinite(f32[i]):
                return False
    else:
        f64 = <const double *>cnp.PyArray_DATA(w)
        for i in range(size):
            if not isfinite(f64[i]):
                return False
    return True


def corr2d_fast(object in1, object in2, object mode, object boundary, object fillvalue,
                bint convolution, int isa, int nthreads, Py_ssize_t max_macs,
                Py_ssize_t max_macs_wide, Py_ssize_t wide, Py_ssize_t edge_weight,
                Py_ssize_t max_out_bytes, Py_ssize_t max_kernel_rows, object direct_chosen,
                object allocate):
    """scipy.signal.convolve2d (convolution=True) or correlate2d of in1 and
    in2 by the direct kernel on nthreads threads, with the least Python
    work, when the call is the common case: exact ndarrays, 2-D, aligned,
    C-contiguous, native float32 or float64 of one dtype, in2 non-empty, no
    larger than in1 along either axis and of at most max_kernel_rows rows
    (taller ones run transposed), mode one of the three names, boundary
    'fill' with a fillvalue of int or float +0 and a finite kernel (the zero
    extension).  Returns the result array, or None when the call is not that
    case (the caller then takes the full path, which gives the same result
    for the calls accepted here: the same kernel, the same offsets,
    scipy_offsets of fastconv/_signal_shapes.py).

    A call of at most max_macs multiply-adds (output size x kernel size, an
    output whose window passes an edge of in1 counted edge_weight times; or
    max_macs_wide when output rows have at least `wide` elements) runs
    without asking; a larger one runs only when direct_chosen is None or
    ``direct_chosen(x_shape, w_shape, out_shape, r0, c0, dtype, nthreads)``
    is true (the chooser's verdict; r0, c0 the primitive's offsets).  A result of max_out_bytes (a power of two) or more
    comes from ``allocate(shape, dtype)``, a smaller one from np.empty."""
    cdef int type_num = _float_pair_type(in1, in2, 2)
    if type_num < 0 or type(mode) is not str or boundary != "fill":
        return None
    if type(fillvalue) is not int and type(fillvalue) is not float:
        return None
    if fillvalue != 0 or copysign(1.0, <double>fillvalue) < 0:
        return None          # (-0.0 fills with -0.0: the full path)
    cdef cnp.ndarray x = <cnp.ndarray>in1, k = <cnp.ndarray>in2
    mode_code = _SCIPY_MODES.get(mode)
    if mode_code is None:
        return None
    cdef Py_ssize_t xr = cnp.PyArray_DIM(x, 0), xc = cnp.PyArray_DIM(x, 1)
    cdef Py_ssize_t wr = cnp.PyArray_DIM(k, 0), wc = cnp.PyArray_DIM(k, 1)
    if wr == 0 or wc == 0 or wr > xr or wc > xc or wr > max_kernel_rows:
        return None
    cdef Py_ssize_t orows, ocols, r0, c0
    if mode_code == 2:
        orows, ocols, r0, c0 = xr + wr - 1, xc + wc - 1, -(wr - 1), -(wc - 1)
    elif mode_code == 1:
        orows, ocols = xr, xc
        if convolution:      # the kernel reversed: centred at K // 2
            r0, c0 = -(wr // 2), -(wc // 2)
        else:
            r0, c0 = -((wr - 1) // 2), -((wc - 1) // 2)
    else:
        orows, ocols, r0, c0 = xr - wr + 1, xc - wc + 1, 0, 0
    if not _finite_kernel(k, type_num):
        return None
    cdef Py_ssize_t taps = wr * wc, outputs = orows * ocols
    cdef Py_ssize_t weighted = _edge_weighted(
        outputs, min(orows, xr - wr + 1) * min(ocols, xc - wc + 1), edge_weight)
    if (direct_chosen is not None and weighted > max_macs // taps
            and (ocols < wide or wide <= 0 or weighted > max_macs_wide // taps)
            and not direct_chosen((xr, xc), (wr, wc), (orows, ocols), r0, c0,
                                  (<object>x).dtype, nthreads)):
        return None
    cdef fc_dtype dt = FC_F64 if type_num == cnp.NPY_FLOAT64 else FC_F32
    cdef size_t itemsize = fc_itemsize(dt)
    cdef cnp.npy_intp out_dims[2]
    cdef cnp.ndarray out
    if outputs >= max_out_bytes // <Py_ssize_t>itemsize:
        out = allocate((orows, ocols), (<object>x).dtype)
    else:
        out_dims[0], out_dims[1] = orows, ocols
        out = cnp.PyArray_EMPTY(2, out_dims, type_num, 0)
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(k)
    cdef char *reversed_w = NULL
    if convolution:
        reversed_w = _reversed_copy(wp, taps, itemsize)   # w[::-1, ::-1], flattened
        wp = reversed_w
    cdef fc_exec ex = make_exec(nthreads, isa)
    cdef fc_status status
    with nogil:
        status = fc_corr2d_direct(dt, xp, xr, xc, wp, wr, wc, cnp.PyArray_DATA(out),
                                  orows, ocols, ocols, r0, c0, FC_PAD_ZERO, NULL, &ex)
    free(reversed_w)
    check_status(status)
    return out
