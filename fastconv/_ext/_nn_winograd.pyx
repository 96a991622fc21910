# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Cython driver of fastconv.nn's Winograd method (csrc/nn/winograd.c): the
forward pass and the grad_input of a 3x3 layer with stride 1 and dilation 1,
both as the one C operation fc_corr3x3_winograd, with BLAS ?gemm supplied to
it as a function pointer (_blas_gemm.pxd, shared with the im2col driver).

The Python layer (fastconv/nn.py) has validated the arguments, checked that
the layer is one Winograd can run (fastconv/_winograd.py), computed the
geometry (a tuple in the field order of fc_conv2d_shape) and made
C-contiguous arrays of the compute dtype.
"""
from libc.limits cimport INT_MAX

cimport numpy as cnp

from fastconv._ext._blas_gemm cimport blas_gemm
from fastconv._ext._blas_threads cimport blas_single_thread_begin, blas_single_thread_end
from fastconv._ext.cfastconv cimport (
    fc_status, fc_dtype, fc_exec, FC_F32, FC_F64, fc_itemsize, fc_kernel_tables_init,
    fc_corr3x3_shape, fc_corr3x3_winograd, fc_winograd_blocks, make_exec, check_status,
)

cnp.import_array()

# The C core is linked statically into every extension module, so each one
# has its own copy of the kernel table: fill this module's copy (idempotent).
fc_kernel_tables_init()

TILE_SIZES = (2, 4, 6)


cdef int _operation(tuple geometry, bint grad_input, fc_corr3x3_shape *s,
                    Py_ssize_t *weight_offset) except -1:
    """The correlation fc_corr3x3_winograd runs for a layer's forward pass
    (y from x) or its grad_input (dx from dy): shapes, offsets and the weight
    strides (grad_input reads w transposed within each group and flipped)."""
    if len(geometry) != 16:
        raise ValueError(f"geometry must have 16 fields, got {len(geometry)}")
    (n, groups, c_in, h_in, w_in, c_out, h_out, w_out, kh, kw,
     stride_h, stride_w, pad_h, pad_w, dil_h, dil_w) = geometry
    if (kh, kw, stride_h, stride_w, dil_h, dil_w) != (3, 3, 1, 1, 1, 1):
        raise ValueError(f"the Winograd kernels run 3x3 layers with stride 1 and "
                         f"dilation 1, not the geometry {geometry}")
    if groups < 1 or min(geometry) < 0 or c_in % groups or c_out % groups:
        raise ValueError(f"invalid convolution geometry {geometry}")
    if max(c_in, c_out) > INT_MAX:
        raise ValueError(f"method='winograd' calls BLAS, whose sizes are 32-bit: "
                         f"{max(c_in, c_out)} channels exceed {INT_MAX}")
    cdef Py_ssize_t cg = c_in // groups, og = c_out // groups
    s.n = n
    s.groups = groups
    s.ws_group = og * cg * 9
    if not grad_input:
        s.c_in, s.h_in, s.w_in = c_in, h_in, w_in
        s.c_out, s.h_out, s.w_out = c_out, h_out, w_out
        s.off_h, s.off_w = -pad_h, -pad_w
        s.ws_out, s.ws_in, s.ws_row, s.ws_col = cg * 9, 9, 3, 1
        weight_offset[0] = 0
    else:
        # dx[c', h, v] = sum_{o, r, q} dy[o, h + pad_h - r, v + pad_w - q] w[o, c, r, q]
        #             = sum_{o, r', q'} dy[o, h + pad_h - 2 + r', ...] w[o, c, 2 - r', 2 - q']
        s.c_in, s.h_in, s.w_in = c_out, h_out, w_out
        s.c_out, s.h_out, s.w_out = c_in, h_in, w_in
        s.off_h, s.off_w = pad_h - 2, pad_w - 2
        s.ws_out, s.ws_in, s.ws_row, s.ws_col = 9, cg * 9, -3, -1
        weight_offset[0] = 8
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


def conv2d_winograd(cnp.ndarray inp, cnp.ndarray w, object bias, cnp.ndarray out,
                    tuple geometry, int dtype_code, bint grad_input, int tile,
                    Py_ssize_t tile_bytes, int isa, int nthreads=1):
    """conv2d's forward pass (grad_input False: out = y from inp = x, bias
    per output channel) or its grad_input (True: out = dx from inp = dy, bias
    None or per input channel: conv_transpose2d's) by Winograd F(tile x tile,
    3 x 3), tile in (2, 4, 6), within tile_bytes of workspace, on up to
    nthreads OpenMP threads (the result does not depend on it; BLAS runs on
    one thread inside).

    Arrays as in fastconv._ext._nn (C-contiguous, compute dtype); w is the
    layer's weight (c_out, c_in/groups, 3, 3) in both cases.
    """
    cdef fc_corr3x3_shape s
    cdef Py_ssize_t weight_offset = 0
    _operation(geometry, grad_input, &s, &weight_offset)
    cdef fc_dtype dt = _dtype(dtype_code)
    cdef size_t isz = fc_itemsize(dt)
    if tile not in TILE_SIZES:
        raise ValueError(f"Winograd tile must be one of {TILE_SIZES}, got {tile}")
    if tile_bytes <= 0:
        raise ValueError("tile_bytes must be positive")
    _check_buffer(inp, (s.n, s.c_in, s.h_in, s.w_in), isz, "grad_output" if grad_input else "x")
    _check_buffer(w, (geometry[5], geometry[2] // geometry[1], 3, 3), isz, "weight")
    _check_buffer(out, (s.n, s.c_out, s.h_out, s.w_out), isz,
                  "grad_input" if grad_input else "y", True)
    cdef const char *bp = NULL
    if bias is not None:
        _check_buffer(bias, (s.c_out,), isz, "bias")
        bp = <const char *>cnp.PyArray_DATA(bias)
    cdef const char *ip = <const char *>cnp.PyArray_DATA(inp)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(w) + <size_t>weight_offset * isz
    cdef char *op = <char *>cnp.PyArray_DATA(out)
    cdef fc_exec ex = make_exec(nthreads, isa)
    cdef fc_status status
    cdef int blas_threads
    with nogil:
        blas_threads = blas_single_thread_begin()
        status = fc_corr3x3_winograd(dt, &s, tile, ip, wp, bp, op, tile_bytes,
                                     blas_gemm, NULL, &ex)
        blas_single_thread_end(blas_threads)
    check_status(status)


def workspace(tuple geometry, bint grad_input, int tile, int itemsize, Py_ssize_t tile_bytes):
    """(tiles, input-channel block, output-channel block, workspace bytes) of
    the Winograd method for this layer, tile size and budget: for tests and
    for the memory statement of the docs."""
    cdef fc_corr3x3_shape s
    cdef Py_ssize_t weight_offset = 0, tiles = 0, cb = 0, ob = 0, nbytes = 0
    _operation(geometry, grad_input, &s, &weight_offset)
    cdef fc_dtype dt = FC_F32 if itemsize == 4 else FC_F64
    check_status(fc_winograd_blocks(dt, &s, tile, tile_bytes, &tiles, &cb, &ob, &nbytes))
    return (tiles, cb, ob, nbytes)
