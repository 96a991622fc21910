# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Cython drivers of the CNN layers (fastconv.nn): forward, grad_input and
grad_weight of a 2-D convolution layer, each either by the direct C kernels
or by im2col / col2im tiles plus BLAS GEMM.

The Python layer (fastconv/nn.py) has validated the arguments, computed the
geometry (fastconv/_nn_shapes.py: a tuple in the field order of the C struct
fc_conv2d_shape) and made C-contiguous arrays of the compute dtype.  Each
entry point checks that the buffers match the geometry, releases the GIL and
runs the C core; C status codes become exceptions through check_status.

GEMM conventions.  The arrays are row-major; BLAS is column-major, and a
row-major r x c matrix with row stride ld is the column-major c x r matrix
with leading dimension ld, its transpose.  So the row-major product
C = A B is computed as the column-major C^T = B^T A^T: the operands are
passed swapped, and a 'T' flag on one of them undoes one transposition.

im2col tiles.  For one image and group the column matrix has
K = (c_in/groups)*kh*kw rows (taps) and P = h_out*w_out columns (output
positions).  It is built tile_bytes at a time: whole output rows when they
fit, and split over taps too (accumulating with beta = 1) only when even 64
positions of all taps would not.  1x1 kernels with stride 1 and no padding
need no column matrix: the image itself is that matrix.

BLAS threads.  While these loops run, SciPy's OpenBLAS is held to one thread
(fastconv/_ext/_blas_threads.pyx, the project's policy): its helper threads
would otherwise spin between the tile GEMMs and stall them whenever another
process holds a core.  FASTCONV_BLAS_THREADS=any leaves BLAS threads alone.
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memset
from libc.limits cimport INT_MAX

cimport numpy as cnp
from scipy.linalg.cython_blas cimport sgemm, dgemm

from fastconv._ext._blas_threads cimport blas_single_thread_begin, blas_single_thread_end
from fastconv._ext.cfastconv cimport (
    fc_status, fc_dtype, FC_OK, FC_ERR_NOMEM, FC_F32, FC_F64,
    fc_itemsize, fc_conv2d_shape,
    fc_conv2d_direct, fc_conv2d_grad_input_direct, fc_conv2d_grad_weight_direct,
    fc_conv2d_im2col, fc_conv2d_col2im,
    check_status,
)

cnp.import_array()

# A tile holds at least this many output positions (or all of them), so
# that the GEMM has a useful width; only the tap dimension is cut further.
cdef Py_ssize_t MIN_TILE_POSITIONS = 64


# --------------------------------------------------------------------------
# argument checks (with the GIL)
# --------------------------------------------------------------------------

cdef int _geometry(tuple geometry, fc_conv2d_shape *s) except -1:
    """Fill s from the geometry tuple (field order of fc_conv2d_shape)."""
    if len(geometry) != 16:
        raise ValueError(f"geometry must have 16 fields, got {len(geometry)}")
    (s.n, s.groups, s.c_in, s.h_in, s.w_in, s.c_out, s.h_out, s.w_out, s.kh, s.kw,
     s.stride_h, s.stride_w, s.pad_h, s.pad_w, s.dil_h, s.dil_w) = geometry
    if s.groups < 1 or min(geometry) < 0:
        raise ValueError(f"invalid convolution geometry {geometry}")
    return 0


cdef fc_dtype _dtype(int dtype_code) except *:
    if dtype_code != <int>FC_F32 and dtype_code != <int>FC_F64:
        raise TypeError(f"the nn kernels compute in float32 or float64, not dtype code "
                        f"{dtype_code}")
    return <fc_dtype>dtype_code


cdef int _check_buffer(cnp.ndarray a, tuple shape, size_t itemsize, str name,
                       bint writeable=False) except -1:
    if (<object>a).shape != shape:
        raise ValueError(f"{name} has shape {(<object>a).shape}, expected {shape}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(a) or not cnp.PyArray_ISALIGNED(a):
        raise ValueError(f"{name} must be C-contiguous and aligned")
    if <size_t>cnp.PyArray_ITEMSIZE(a) != itemsize:
        raise TypeError(f"{name} has the wrong itemsize for the compute dtype")
    if writeable and not cnp.PyArray_ISWRITEABLE(a):
        raise ValueError(f"{name} must be writeable")
    return 0


cdef const char *_bias_pointer(object bias, Py_ssize_t length, size_t itemsize,
                               str name) except? NULL:
    if bias is None:
        return NULL
    _check_buffer(bias, (length,), itemsize, name)
    return <const char *>cnp.PyArray_DATA(bias)


cdef int _check_blas_sizes(const fc_conv2d_shape *s) except -1:
    """Every GEMM dimension and leading dimension must fit BLAS's int."""
    cdef Py_ssize_t cg = s.c_in // s.groups, og = s.c_out // s.groups
    sizes = {"output positions per channel (h_out*w_out)": s.h_out * s.w_out,
             "input positions per channel (h_in*w_in)": s.h_in * s.w_in,
             "rows of the column matrix (c_in/groups*kh*kw)": cg * s.kh * s.kw,
             "output channels per group": og}
    for what, value in sizes.items():
        if value > INT_MAX:
            raise ValueError(f"method='im2col' calls BLAS, whose sizes are 32-bit: the "
                             f"{what} {value} exceeds {INT_MAX}; use method='direct'")
    return 0


# --------------------------------------------------------------------------
# GEMM, tiles and small loops (without the GIL)
# --------------------------------------------------------------------------

cdef void _gemm(fc_dtype dt, char transa, char transb, int m, int n, int k,
                const char *a, int lda, const char *b, int ldb, bint accumulate,
                char *c, int ldc) noexcept nogil:
    """Column-major C[m x n] = op(A) op(B) (+ C when accumulate), BLAS ?gemm.

    k == 0 is an empty sum (BLAS would reject lda = 0): C = 0, or unchanged.
    """
    cdef float s_one = 1.0, s_beta = 1.0 if accumulate else 0.0
    cdef double d_one = 1.0, d_beta = 1.0 if accumulate else 0.0
    cdef Py_ssize_t col
    cdef size_t itemsize = fc_itemsize(dt)
    if m <= 0 or n <= 0:
        return
    if k <= 0:
        if not accumulate:
            for col in range(n):
                memset(c + <size_t>col * ldc * itemsize, 0, <size_t>m * itemsize)
        return
    if dt == FC_F32:
        sgemm(&transa, &transb, &m, &n, &k, &s_one, <float *>a, &lda, <float *>b, &ldb,
              &s_beta, <float *>c, &ldc)
    else:
        dgemm(&transa, &transb, &m, &n, &k, &d_one, <double *>a, &lda, <double *>b, &ldb,
              &d_beta, <double *>c, &ldc)


cdef void _tile_sizes(Py_ssize_t rows, Py_ssize_t positions, Py_ssize_t row_length,
                      size_t itemsize, Py_ssize_t budget,
                      Py_ssize_t *tile_rows, Py_ssize_t *tile_positions) noexcept nogil:
    """The largest tile (tile_rows x tile_positions elements) within budget
    bytes: all rows and as many positions as fit (whole output rows when at
    least one fits), or at least MIN_TILE_POSITIONS positions and fewer rows
    when all rows do not fit.  Both are >= 1 and fit a C int."""
    cdef Py_ssize_t elements = max(<Py_ssize_t>1, budget // <Py_ssize_t>itemsize)
    cdef Py_ssize_t min_positions = max(<Py_ssize_t>1, min(positions, MIN_TILE_POSITIONS))
    cdef Py_ssize_t nk, npos
    if rows <= elements // min_positions:
        nk = rows
    else:
        nk = max(<Py_ssize_t>1, elements // min_positions)
    npos = min(positions, max(<Py_ssize_t>1, elements // nk))
    if row_length <= npos < positions:
        npos -= npos % row_length
    tile_rows[0] = min(nk, <Py_ssize_t>INT_MAX)
    tile_positions[0] = min(npos, <Py_ssize_t>INT_MAX)


cdef bint _is_pointwise(const fc_conv2d_shape *s) noexcept nogil:
    """True when the column matrix of an image is the image itself: a 1x1
    kernel read at every input position (stride 1, no padding, same size)."""
    return (s.kh == 1 and s.kw == 1 and s.stride_h == 1 and s.stride_w == 1
            and s.pad_h == 0 and s.pad_w == 0
            and s.h_in == s.h_out and s.w_in == s.w_out)


cdef void _fill_rows(fc_dtype dt, char *dst, Py_ssize_t rows, Py_ssize_t length,
                     const char *values) noexcept nogil:
    """dst[i, :] = values[i] for a row-major rows x length block."""
    cdef Py_ssize_t i, j
    cdef float *fd
    cdef double *dd
    for i in range(rows):
        if dt == FC_F32:
            fd = <float *>dst + i * length
            for j in range(length):
                fd[j] = (<const float *>values)[i]
        else:
            dd = <double *>dst + i * length
            for j in range(length):
                dd[j] = (<const double *>values)[i]


cdef void _add_rows(fc_dtype dt, char *dst, Py_ssize_t rows, Py_ssize_t length,
                    const char *values) noexcept nogil:
    """dst[i, :] += values[i] for a row-major rows x length block."""
    cdef Py_ssize_t i, j
    cdef float *fd
    cdef double *dd
    cdef float fv
    cdef double dv
    for i in range(rows):
        if dt == FC_F32:
            fd = <float *>dst + i * length
            fv = (<const float *>values)[i]
            for j in range(length):
                fd[j] = fd[j] + fv
        else:
            dd = <double *>dst + i * length
            dv = (<const double *>values)[i]
            for j in range(length):
                dd[j] = dd[j] + dv


# --------------------------------------------------------------------------
# im2col + GEMM formulations (without the GIL)
# --------------------------------------------------------------------------

cdef fc_status _forward_im2col(fc_dtype dt, const fc_conv2d_shape *s, const char *x,
                               const char *w, const char *bias, char *y,
                               Py_ssize_t tile_bytes) noexcept nogil:
    """Per image and group: Y_g[og x P] = W_g[og x K] . cols[K x P] (+ bias,
    pre-filled so that every GEMM accumulates)."""
    cdef size_t isz = fc_itemsize(dt)
    cdef Py_ssize_t cg = s.c_in // s.groups, og = s.c_out // s.groups
    cdef Py_ssize_t K = cg * s.kh * s.kw, P = s.h_out * s.w_out, in_plane = s.h_in * s.w_in
    cdef bint pointwise = _is_pointwise(s)
    cdef bint has_bias = bias != NULL
    cdef Py_ssize_t nk = 0, npos = 0, b, g, p0, k0, mp, mk
    cdef const char *xg
    cdef const char *wg
    cdef char *yg
    cdef char *cols = NULL
    cdef fc_status status = FC_OK
    cdef int blas_threads
    if s.n == 0 or P == 0 or og == 0:
        return FC_OK
    if not pointwise and K > 0:
        _tile_sizes(K, P, s.w_out, isz, tile_bytes, &nk, &npos)
        cols = <char *>malloc(<size_t>(nk * npos) * isz)
        if cols == NULL:
            return FC_ERR_NOMEM
    blas_threads = blas_single_thread_begin()
    for b in range(s.n):
        for g in range(s.groups):
            xg = x + <size_t>((b * s.c_in + g * cg) * in_plane) * isz
            yg = y + <size_t>((b * s.c_out + g * og) * P) * isz
            wg = w + <size_t>(g * og * K) * isz
            if has_bias:
                _fill_rows(dt, yg, og, P, bias + <size_t>(g * og) * isz)
            if pointwise or K == 0:
                # Y^T[P x og] = X^T[P x cg] . W^T[cg x og]; K == 0 is an empty sum
                _gemm(dt, b'N', b'N', <int>P, <int>og, <int>K, xg, <int>P, wg, <int>K,
                      has_bias, yg, <int>P)
                continue
            p0 = 0
            while p0 < P and status == FC_OK:
                mp = min(npos, P - p0)
                k0 = 0
                while k0 < K and status == FC_OK:
                    mk = min(nk, K - k0)
                    status = fc_conv2d_im2col(dt, s, xg, k0, mk, p0, mp, cols)
                    if status == FC_OK:
                        # Y^T[tile] (mp x og) (+)= cols^T (mp x mk) . W_g[:, k0:k0+mk]^T
                        _gemm(dt, b'N', b'N', <int>mp, <int>og, <int>mk, cols, <int>mp,
                              wg + <size_t>k0 * isz, <int>K, has_bias or k0 > 0,
                              yg + <size_t>p0 * isz, <int>P)
                    k0 += mk
                p0 += mp
            if status != FC_OK:
                break
        if status != FC_OK:
            break
    blas_single_thread_end(blas_threads)
    free(cols)
    return status


cdef fc_status _grad_input_im2col(fc_dtype dt, const fc_conv2d_shape *s, const char *dy,
                                  const char *w, const char *bias, char *dx,
                                  Py_ssize_t tile_bytes) noexcept nogil:
    """Per image and group: cols[K x P] = W_g^T . dY_g, then col2im into dX_g
    (which zero-fills it on the first tile); plus bias per input channel
    (conv_transpose)."""
    cdef size_t isz = fc_itemsize(dt)
    cdef Py_ssize_t cg = s.c_in // s.groups, og = s.c_out // s.groups
    cdef Py_ssize_t K = cg * s.kh * s.kw, P = s.h_out * s.w_out, in_plane = s.h_in * s.w_in
    cdef bint pointwise = _is_pointwise(s)
    cdef Py_ssize_t nk = 0, npos = 0, b, g, p0, k0, mp, mk
    cdef const char *dyg
    cdef const char *wg
    cdef char *dxg
    cdef char *cols = NULL
    cdef fc_status status = FC_OK
    cdef int blas_threads
    if s.n == 0 or cg == 0 or in_plane == 0:
        return FC_OK
    if not pointwise and K > 0 and P > 0:
        _tile_sizes(K, P, s.w_out, isz, tile_bytes, &nk, &npos)
        cols = <char *>malloc(<size_t>(nk * npos) * isz)
        if cols == NULL:
            return FC_ERR_NOMEM
    blas_threads = blas_single_thread_begin()
    for b in range(s.n):
        for g in range(s.groups):
            dxg = dx + <size_t>((b * s.c_in + g * cg) * in_plane) * isz
            dyg = dy + <size_t>((b * s.c_out + g * og) * P) * isz
            wg = w + <size_t>(g * og * K) * isz
            if pointwise:
                # dX^T[P x cg] = dY^T[P x og] . W_g[og x cg]
                _gemm(dt, b'N', b'T', <int>P, <int>cg, <int>og, dyg, <int>P, wg, <int>K,
                      False, dxg, <int>P)
            elif cols == NULL:
                # no column matrix (K == 0 or P == 0): an empty sum
                status = fc_conv2d_col2im(dt, s, NULL, 0, 0, 0, 0, True, dxg)
            else:
                p0 = 0
                while p0 < P and status == FC_OK:
                    mp = min(npos, P - p0)
                    k0 = 0
                    while k0 < K and status == FC_OK:
                        mk = min(nk, K - k0)
                        # cols^T (mp x mk) = dY_g[:, tile]^T (mp x og) . W_g[:, k0:k0+mk]
                        _gemm(dt, b'N', b'T', <int>mp, <int>mk, <int>og, dyg + <size_t>p0 * isz,
                              <int>P, wg + <size_t>k0 * isz, <int>K, False, cols, <int>mp)
                        # the first tile of the image zero-fills it, the others add
                        status = fc_conv2d_col2im(dt, s, cols, k0, mk, p0, mp,
                                                  p0 == 0 and k0 == 0, dxg)
                        k0 += mk
                    p0 += mp
            if bias != NULL:
                _add_rows(dt, dxg, cg, in_plane, bias + <size_t>(g * cg) * isz)
            if status != FC_OK:
                break
        if status != FC_OK:
            break
    blas_single_thread_end(blas_threads)
    free(cols)
    return status


cdef fc_status _grad_weight_im2col(fc_dtype dt, const fc_conv2d_shape *s, const char *x,
                                   const char *dy, char *dw,
                                   Py_ssize_t tile_bytes) noexcept nogil:
    """dW_g[og x K] = sum over images and tiles of dY_g[:, tile] . cols[:, tile]^T
    (dW zeroed first, every GEMM accumulates)."""
    cdef size_t isz = fc_itemsize(dt)
    cdef Py_ssize_t cg = s.c_in // s.groups, og = s.c_out // s.groups
    cdef Py_ssize_t K = cg * s.kh * s.kw, P = s.h_out * s.w_out, in_plane = s.h_in * s.w_in
    cdef bint pointwise = _is_pointwise(s)
    cdef Py_ssize_t nk = 0, npos = 0, b, g, p0, k0, mp, mk
    cdef const char *xg
    cdef const char *dyg
    cdef char *dwg
    cdef char *cols = NULL
    cdef fc_status status = FC_OK
    cdef int blas_threads
    memset(dw, 0, <size_t>(s.c_out * K) * isz)
    if s.n == 0 or K == 0 or P == 0 or og == 0:
        return FC_OK
    if not pointwise:
        _tile_sizes(K, P, s.w_out, isz, tile_bytes, &nk, &npos)
        cols = <char *>malloc(<size_t>(nk * npos) * isz)
        if cols == NULL:
            return FC_ERR_NOMEM
    blas_threads = blas_single_thread_begin()
    for b in range(s.n):
        for g in range(s.groups):
            xg = x + <size_t>((b * s.c_in + g * cg) * in_plane) * isz
            dyg = dy + <size_t>((b * s.c_out + g * og) * P) * isz
            dwg = dw + <size_t>(g * og * K) * isz
            if pointwise:
                # dW_g^T[cg x og] += X_g[cg x P] . dY_g^T[P x og]
                _gemm(dt, b'T', b'N', <int>K, <int>og, <int>P, xg, <int>P, dyg, <int>P,
                      True, dwg, <int>K)
                continue
            p0 = 0
            while p0 < P and status == FC_OK:
                mp = min(npos, P - p0)
                k0 = 0
                while k0 < K and status == FC_OK:
                    mk = min(nk, K - k0)
                    status = fc_conv2d_im2col(dt, s, xg, k0, mk, p0, mp, cols)
                    if status == FC_OK:
                        # dW_g[:, k0:k0+mk]^T (mk x og) += cols (mk x mp) . dY_g[:, tile]^T
                        _gemm(dt, b'T', b'N', <int>mk, <int>og, <int>mp, cols, <int>mp,
                              dyg + <size_t>p0 * isz, <int>P, True,
                              dwg + <size_t>k0 * isz, <int>K)
                    k0 += mk
                p0 += mp
            if status != FC_OK:
                break
        if status != FC_OK:
            break
    blas_single_thread_end(blas_threads)
    free(cols)
    return status


# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------

def conv2d_forward(cnp.ndarray x, cnp.ndarray w, object bias, cnp.ndarray y,
                   tuple geometry, int dtype_code, bint im2col, Py_ssize_t tile_bytes):
    """y = conv2d(x, w) + bias for the geometry (field order of fc_conv2d_shape).

    x (n, c_in, h_in, w_in), w (c_out, c_in/groups, kh, kw), bias None or
    (c_out,), y (n, c_out, h_out, w_out): C-contiguous, of the compute dtype
    named by dtype_code.  Writes every element of y; returns nothing.
    """
    cdef fc_conv2d_shape s
    _geometry(geometry, &s)
    cdef fc_dtype dt = _dtype(dtype_code)
    cdef size_t isz = fc_itemsize(dt)
    _check_buffer(x, (s.n, s.c_in, s.h_in, s.w_in), isz, "x")
    _check_buffer(w, (s.c_out, s.c_in // s.groups, s.kh, s.kw), isz, "weight")
    _check_buffer(y, (s.n, s.c_out, s.h_out, s.w_out), isz, "y", True)
    cdef const char *bp = _bias_pointer(bias, s.c_out, isz, "bias")
    if im2col:
        _check_blas_sizes(&s)
        if tile_bytes <= 0:
            raise ValueError("tile_bytes must be positive")
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(w)
    cdef char *yp = <char *>cnp.PyArray_DATA(y)
    cdef fc_status status
    with nogil:
        if im2col:
            status = _forward_im2col(dt, &s, xp, wp, bp, yp, tile_bytes)
        else:
            status = fc_conv2d_direct(dt, &s, xp, wp, bp, yp)
    check_status(status)


def conv2d_grad_input(cnp.ndarray dy, cnp.ndarray w, object bias, cnp.ndarray dx,
                      tuple geometry, int dtype_code, bint im2col, Py_ssize_t tile_bytes):
    """dx = the adjoint of conv2d(., w) applied to dy, plus bias per input
    channel (None: no bias; conv_transpose's bias).

    dy (n, c_out, h_out, w_out), w (c_out, c_in/groups, kh, kw), bias None or
    (c_in,), dx (n, c_in, h_in, w_in).  Writes every element of dx.
    """
    cdef fc_conv2d_shape s
    _geometry(geometry, &s)
    cdef fc_dtype dt = _dtype(dtype_code)
    cdef size_t isz = fc_itemsize(dt)
    _check_buffer(dy, (s.n, s.c_out, s.h_out, s.w_out), isz, "grad_output")
    _check_buffer(w, (s.c_out, s.c_in // s.groups, s.kh, s.kw), isz, "weight")
    _check_buffer(dx, (s.n, s.c_in, s.h_in, s.w_in), isz, "grad_input", True)
    cdef const char *bp = _bias_pointer(bias, s.c_in, isz, "bias")
    if im2col:
        _check_blas_sizes(&s)
        if tile_bytes <= 0:
            raise ValueError("tile_bytes must be positive")
    cdef const char *dyp = <const char *>cnp.PyArray_DATA(dy)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(w)
    cdef char *dxp = <char *>cnp.PyArray_DATA(dx)
    cdef fc_status status
    with nogil:
        if im2col:
            status = _grad_input_im2col(dt, &s, dyp, wp, bp, dxp, tile_bytes)
        else:
            status = fc_conv2d_grad_input_direct(dt, &s, dyp, wp, bp, dxp)
    check_status(status)


def conv2d_grad_weight(cnp.ndarray x, cnp.ndarray dy, cnp.ndarray dw,
                       tuple geometry, int dtype_code, bint im2col, Py_ssize_t tile_bytes):
    """dw = the gradient of sum(conv2d(x, w) * dy) with respect to w.

    x (n, c_in, h_in, w_in), dy (n, c_out, h_out, w_out),
    dw (c_out, c_in/groups, kh, kw).  Writes every element of dw.
    """
    cdef fc_conv2d_shape s
    _geometry(geometry, &s)
    cdef fc_dtype dt = _dtype(dtype_code)
    cdef size_t isz = fc_itemsize(dt)
    _check_buffer(x, (s.n, s.c_in, s.h_in, s.w_in), isz, "x")
    _check_buffer(dy, (s.n, s.c_out, s.h_out, s.w_out), isz, "grad_output")
    _check_buffer(dw, (s.c_out, s.c_in // s.groups, s.kh, s.kw), isz, "grad_weight", True)
    if im2col:
        _check_blas_sizes(&s)
        if tile_bytes <= 0:
            raise ValueError("tile_bytes must be positive")
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef const char *dyp = <const char *>cnp.PyArray_DATA(dy)
    cdef char *dwp = <char *>cnp.PyArray_DATA(dw)
    cdef fc_status status
    with nogil:
        if im2col:
            status = _grad_weight_im2col(dt, &s, xp, dyp, dwp, tile_bytes)
        else:
            status = fc_conv2d_grad_weight_direct(dt, &s, xp, dyp, dwp)
    check_status(status)


def im2col_tile_shape(tuple geometry, int itemsize, Py_ssize_t tile_bytes):
    """(rows, positions) of the column-matrix tile the im2col method uses for
    this geometry and budget, or (0, 0) when it needs none (1x1 layers, empty
    sums); for tests and for the memory statement of the README."""
    cdef fc_conv2d_shape s
    cdef Py_ssize_t nk = 0, npos = 0
    _geometry(geometry, &s)
    cdef Py_ssize_t K = (s.c_in // s.groups) * s.kh * s.kw, P = s.h_out * s.w_out
    if _is_pointwise(&s) or K == 0 or P == 0:
        return (0, 0)
    _tile_sizes(K, P, s.w_out, itemsize, tile_bytes, &nk, &npos)
    return (nk, npos)
