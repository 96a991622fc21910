# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Cython drivers of the CNN layers (fastconv.nn): forward, grad_input and
grad_weight of a 2-D convolution layer, each either by the direct C kernels
or by the im2col + GEMM method of the C core (csrc/nn/im2col_gemm.template.c),
to which this module supplies BLAS ?gemm (scipy.linalg.cython_blas) as a
function pointer (_blas_gemm.pxd).

The Python layer (fastconv/nn.py) has validated the arguments, computed the
geometry (fastconv/_nn_shapes.py: a tuple in the field order of the C struct
fc_conv2d_shape) and made C-contiguous arrays of the compute dtype.  Each
entry point checks that the buffers match the geometry, releases the GIL and
runs the C core on `nthreads` OpenMP threads with the kernel table of level
`isa`; C status codes become exceptions through check_status (Ctrl-C stops
the im2col loops between work units: KeyboardInterrupt).

BLAS threads.  While these loops run, SciPy's OpenBLAS is held to one thread
(fastconv/_ext/_blas_threads.pyx, the project's policy): the C loops call it
from every OpenMP thread, tile by tile, and its own helper threads would
otherwise spin between those calls.  FASTCONV_BLAS_THREADS=any leaves BLAS
threads alone.
"""
from libc.limits cimport INT_MAX

cimport numpy as cnp

from fastconv._ext._blas_gemm cimport blas_gemm
from fastconv._ext._blas_threads cimport blas_single_thread_begin, blas_single_thread_end
from fastconv._ext.cfastconv cimport (
    fc_status, fc_dtype, fc_exec, FC_F32, FC_F64,
    fc_itemsize, fc_conv2d_shape, fc_kernel_tables_init, fc_nn_op,
    FC_NN_FORWARD, FC_NN_GRAD_INPUT, FC_NN_GRAD_WEIGHT,
    fc_conv2d_direct, fc_conv2d_grad_input_direct, fc_conv2d_grad_weight_direct,
    fc_conv2d_forward_im2col, fc_conv2d_grad_input_im2col, fc_conv2d_grad_weight_im2col,
    fc_conv2d_im2col_tile, fc_relu, fc_relu_backward, make_exec, check_status,
)

cnp.import_array()

# The C core is linked statically into every extension module, so each one
# has its own copy of the kernel table: fill this module's copy (idempotent).
fc_kernel_tables_init()

_OPS = {"forward": FC_NN_FORWARD, "grad_input": FC_NN_GRAD_INPUT,
        "grad_weight": FC_NN_GRAD_WEIGHT}


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


cdef int _check_im2col(const fc_conv2d_shape *s, Py_ssize_t tile_bytes) except -1:
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
    if tile_bytes <= 0:
        raise ValueError("tile_bytes must be positive")
    return 0


# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------

def conv2d_forward(cnp.ndarray x, cnp.ndarray w, object bias, cnp.ndarray y,
                   tuple geometry, int dtype_code, bint im2col, Py_ssize_t tile_bytes,
                   int nthreads=1, int isa=0):
    """y = conv2d(x, w) + bias for the geometry (field order of fc_conv2d_shape).

    x (n, c_in, h_in, w_in), w (c_out, c_in/groups, kh, kw), bias None or
    (c_out,), y (n, c_out, h_out, w_out): C-contiguous, of the compute dtype
    named by dtype_code.  im2col: the im2col + GEMM method within tile_bytes
    of workspace (all threads together), else the direct kernels.  nthreads
    OpenMP threads, kernel-table level isa (fc_isa code).  Writes every
    element of y; returns nothing.
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
        _check_im2col(&s, tile_bytes)
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(w)
    cdef char *yp = <char *>cnp.PyArray_DATA(y)
    cdef fc_exec ex = make_exec(nthreads, isa)
    cdef fc_status status
    cdef int blas_token
    with nogil:
        if im2col:
            blas_token = blas_single_thread_begin()
            status = fc_conv2d_forward_im2col(dt, &s, xp, wp, bp, yp, tile_bytes,
                                              blas_gemm, NULL, &ex)
            blas_single_thread_end(blas_token)
        else:
            status = fc_conv2d_direct(dt, &s, xp, wp, bp, yp, &ex)
    check_status(status)


def conv2d_grad_input(cnp.ndarray dy, cnp.ndarray w, object bias, cnp.ndarray dx,
                      tuple geometry, int dtype_code, bint im2col, Py_ssize_t tile_bytes,
                      int nthreads=1, int isa=0):
    """dx = the adjoint of conv2d(., w) applied to dy, plus bias per input
    channel (None: no bias; conv_transpose's bias).

    dy (n, c_out, h_out, w_out), w (c_out, c_in/groups, kh, kw), bias None or
    (c_in,), dx (n, c_in, h_in, w_in); the other arguments as in
    conv2d_forward.  Writes every element of dx.
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
        _check_im2col(&s, tile_bytes)
    cdef const char *dyp = <const char *>cnp.PyArray_DATA(dy)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(w)
    cdef char *dxp = <char *>cnp.PyArray_DATA(dx)
    cdef fc_exec ex = make_exec(nthreads, isa)
    cdef fc_status status
    cdef int blas_token
    with nogil:
        if im2col:
            blas_token = blas_single_thread_begin()
            status = fc_conv2d_grad_input_im2col(dt, &s, dyp, wp, bp, dxp, tile_bytes,
                                                 blas_gemm, NULL, &ex)
            blas_single_thread_end(blas_token)
        else:
            status = fc_conv2d_grad_input_direct(dt, &s, dyp, wp, bp, dxp, &ex)
    check_status(status)


def conv2d_grad_weight(cnp.ndarray x, cnp.ndarray dy, cnp.ndarray dw,
                       tuple geometry, int dtype_code, bint im2col, Py_ssize_t tile_bytes,
                       int nthreads=1, int isa=0):
    """dw = the gradient of sum(conv2d(x, w) * dy) with respect to w.

    x (n, c_in, h_in, w_in), dy (n, c_out, h_out, w_out),
    dw (c_out, c_in/groups, kh, kw); the other arguments as in
    conv2d_forward.  Writes every element of dw.
    """
    cdef fc_conv2d_shape s
    _geometry(geometry, &s)
    cdef fc_dtype dt = _dtype(dtype_code)
    cdef size_t isz = fc_itemsize(dt)
    _check_buffer(x, (s.n, s.c_in, s.h_in, s.w_in), isz, "x")
    _check_buffer(dy, (s.n, s.c_out, s.h_out, s.w_out), isz, "grad_output")
    _check_buffer(dw, (s.c_out, s.c_in // s.groups, s.kh, s.kw), isz, "grad_weight", True)
    if im2col:
        _check_im2col(&s, tile_bytes)
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef const char *dyp = <const char *>cnp.PyArray_DATA(dy)
    cdef char *dwp = <char *>cnp.PyArray_DATA(dw)
    cdef fc_exec ex = make_exec(nthreads, isa)
    cdef fc_status status
    cdef int blas_token
    with nogil:
        if im2col:
            blas_token = blas_single_thread_begin()
            status = fc_conv2d_grad_weight_im2col(dt, &s, xp, dyp, dwp, tile_bytes,
                                                  blas_gemm, NULL, &ex)
            blas_single_thread_end(blas_token)
        else:
            status = fc_conv2d_grad_weight_direct(dt, &s, xp, dyp, dwp, &ex)
    check_status(status)


def im2col_tile_shape(tuple geometry, int itemsize, Py_ssize_t tile_bytes,
                      str op="forward", int nthreads=1):
    """(rows, positions) of the column-matrix tile each of nthreads threads
    uses for op ('forward', 'grad_input', 'grad_weight') within tile_bytes
    in all, or (0, 0) when the method needs none (1x1 layers, empty sums);
    for tests and for the memory statement of the docs."""
    cdef fc_conv2d_shape s
    cdef Py_ssize_t rows = 0, positions = 0
    _geometry(geometry, &s)
    if op not in _OPS:
        raise ValueError(f"op must be one of {sorted(_OPS)}, got {op!r}")
    cdef fc_dtype dt = FC_F32 if itemsize == 4 else FC_F64
    check_status(fc_conv2d_im2col_tile(dt, &s, <fc_nn_op>_OPS[op], tile_bytes, nthreads,
                                       &rows, &positions))
    return (rows, positions)


def relu(cnp.ndarray x, cnp.ndarray y, int dtype_code, int nthreads=1):
    """y = max(x, 0) elementwise (fc_relu: NaN and -0.0 pass), x and y
    C-contiguous arrays of one shape and of the compute dtype named by
    dtype_code; y may be x.  Returns nothing."""
    cdef fc_dtype dt = _dtype(dtype_code)
    cdef size_t isz = fc_itemsize(dt)
    _check_buffer(x, (<object>y).shape, isz, "x")
    _check_buffer(y, (<object>x).shape, isz, "y", True)
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef char *yp = <char *>cnp.PyArray_DATA(y)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef fc_status status
    with nogil:
        status = fc_relu(dt, xp, yp, n, nthreads)
    check_status(status)


def relu_backward(cnp.ndarray dy, cnp.ndarray y, cnp.ndarray dx, int dtype_code,
                  int nthreads=1):
    """dx = dy where y > 0, else 0 (fc_relu_backward), all C-contiguous, of
    one shape and of the compute dtype named by dtype_code; dx may be dy.
    Returns nothing."""
    cdef fc_dtype dt = _dtype(dtype_code)
    cdef size_t isz = fc_itemsize(dt)
    shape = (<object>dx).shape
    _check_buffer(dy, shape, isz, "grad_output")
    _check_buffer(y, shape, isz, "output")
    _check_buffer(dx, shape, isz, "grad_input", True)
    cdef const char *dyp = <const char *>cnp.PyArray_DATA(dy)
    cdef const char *yp = <const char *>cnp.PyArray_DATA(y)
    cdef char *dxp = <char *>cnp.PyArray_DATA(dx)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(dx)
    cdef fc_status status
    with nogil:
        status = fc_relu_backward(dt, dyp, yp, dxp, n, nthreads)
    check_status(status)
