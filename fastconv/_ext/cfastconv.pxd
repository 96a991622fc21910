# cfastconv.pxd -- Cython declarations of the C core (csrc/fastconv.h).
# Kept in one place so every driver sees the same contract.

cdef extern from "fastconv.h" nogil:
    ctypedef enum fc_status:
        FC_OK
        FC_ERR_NOMEM
        FC_ERR_BADARG
        FC_ERR_DTYPE
        FC_ERR_OVERFLOW
        FC_ERR_INTERRUPTED

    ctypedef enum fc_isa:
        FC_ISA_SCALAR
        FC_ISA_AVX2
        FC_ISA_AVX512
        FC_NISA

    ctypedef int (*fc_interrupt_fn)(void *data) noexcept nogil

    ctypedef struct fc_exec:
        int nthreads
        fc_isa isa
        fc_interrupt_fn interrupted
        void *interrupt_data

    fc_isa fc_cpu_isa()
    void fc_kernel_tables_init()
    int fc_openmp_enabled()
    int fc_openmp_max_threads()

    # generated from the list in csrc/dtype_list.h; Cython takes the values
    # from the header (fastconv._ext._runtime.DTYPE_CODES passes them on)
    ctypedef enum fc_dtype:
        FC_BOOL
        FC_U8
        FC_U16
        FC_U32
        FC_U64
        FC_F32
        FC_F64
        FC_C64
        FC_C128
        FC_NDTYPES

    ctypedef enum fc_boundary:
        FC_PAD_FILL
        FC_PAD_WRAP
        FC_PAD_SYMM
        FC_PAD_ZERO

    size_t fc_itemsize(fc_dtype dt)

    fc_status fc_corr2d_direct(fc_dtype dt,
                               const void *x, Py_ssize_t xr, Py_ssize_t xc,
                               const void *w, Py_ssize_t wr, Py_ssize_t wc,
                               void *out, Py_ssize_t orows, Py_ssize_t ocols, Py_ssize_t ldo,
                               Py_ssize_t r0, Py_ssize_t c0,
                               fc_boundary boundary, const void *fill, const fc_exec *ex)

    fc_status fc_corr2d_direct_batch(fc_dtype dt, Py_ssize_t batch,
                                     const void *x, Py_ssize_t xr, Py_ssize_t xc,
                                     Py_ssize_t x_step,
                                     const void *w, Py_ssize_t wr, Py_ssize_t wc,
                                     Py_ssize_t w_step,
                                     void *out, Py_ssize_t orows, Py_ssize_t ocols,
                                     Py_ssize_t ldo, Py_ssize_t out_step,
                                     Py_ssize_t r0, Py_ssize_t c0,
                                     fc_boundary boundary, const void *fill, const fc_exec *ex)

    fc_status fc_im2col2d(size_t itemsize,
                          const void *x, Py_ssize_t xr, Py_ssize_t xc,
                          Py_ssize_t wc, Py_ssize_t ocols,
                          Py_ssize_t r0, Py_ssize_t c0,
                          Py_ssize_t p0, Py_ssize_t np, Py_ssize_t t0, Py_ssize_t nt,
                          void *cols, fc_boundary boundary, const void *fill)

    fc_status fc_matvec(fc_dtype dt, const void *cols, Py_ssize_t np, Py_ssize_t nt,
                        const void *w, void *y, int accumulate)

    fc_status fc_pad2d(size_t itemsize,
                       const void *x, Py_ssize_t xr, Py_ssize_t xc,
                       void *dst, Py_ssize_t dr, Py_ssize_t dc,
                       Py_ssize_t r0, Py_ssize_t c0,
                       fc_boundary boundary, const void *fill)

    # backward passes of the signal API
    fc_status fc_fold2d(fc_dtype dt,
                        const void *g, Py_ssize_t gr, Py_ssize_t gc,
                        void *x, Py_ssize_t xr, Py_ssize_t xc,
                        Py_ssize_t r0, Py_ssize_t c0,
                        fc_boundary boundary)

    # nn kernels (csrc/nn/)
    ctypedef struct fc_conv2d_shape:
        Py_ssize_t n, groups
        Py_ssize_t c_in, h_in, w_in
        Py_ssize_t c_out, h_out, w_out
        Py_ssize_t kh, kw
        Py_ssize_t stride_h, stride_w
        Py_ssize_t pad_h, pad_w
        Py_ssize_t dil_h, dil_w

    fc_status fc_conv2d_direct(fc_dtype dt, const fc_conv2d_shape *s,
                               const void *x, const void *w, const void *bias, void *y,
                               const fc_exec *ex)
    fc_status fc_conv2d_grad_input_direct(fc_dtype dt, const fc_conv2d_shape *s,
                                          const void *dy, const void *w, const void *bias,
                                          void *dx, const fc_exec *ex)
    fc_status fc_conv2d_grad_weight_direct(fc_dtype dt, const fc_conv2d_shape *s,
                                           const void *x, const void *dy, void *dw,
                                           const fc_exec *ex)
    fc_status fc_conv2d_im2col(fc_dtype dt, const fc_conv2d_shape *s, const void *xg,
                               Py_ssize_t k0, Py_ssize_t nk, Py_ssize_t p0, Py_ssize_t np,
                               void *cols)
    fc_status fc_conv2d_col2im(fc_dtype dt, const fc_conv2d_shape *s, const void *cols,
                               Py_ssize_t k0, Py_ssize_t nk, Py_ssize_t p0, Py_ssize_t np,
                               int zero_fill, void *xg)

    ctypedef int (*fc_gemm_fn)(void *context, fc_dtype dt, char transa, char transb,
                               Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                               const void *a, Py_ssize_t lda, const void *b, Py_ssize_t ldb,
                               int accumulate, void *c, Py_ssize_t ldc) noexcept nogil

    ctypedef enum fc_nn_op:
        FC_NN_FORWARD
        FC_NN_GRAD_INPUT
        FC_NN_GRAD_WEIGHT

    fc_status fc_conv2d_forward_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                       const void *x, const void *w, const void *bias, void *y,
                                       Py_ssize_t budget_bytes, fc_gemm_fn gemm,
                                       void *gemm_context, const fc_exec *ex)
    fc_status fc_conv2d_grad_input_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                          const void *dy, const void *w, const void *bias,
                                          void *dx, Py_ssize_t budget_bytes, fc_gemm_fn gemm,
                                          void *gemm_context, const fc_exec *ex)
    fc_status fc_conv2d_grad_weight_im2col(fc_dtype dt, const fc_conv2d_shape *s,
                                           const void *x, const void *dy, void *dw,
                                           Py_ssize_t budget_bytes, fc_gemm_fn gemm,
                                           void *gemm_context, const fc_exec *ex)
    fc_status fc_conv2d_im2col_tile(fc_dtype dt, const fc_conv2d_shape *s, fc_nn_op op,
                                    Py_ssize_t budget_bytes, int nthreads,
                                    Py_ssize_t *rows, Py_ssize_t *positions)

    # Winograd 3x3 stride-1 correlations (csrc/nn/winograd.c)
    ctypedef fc_gemm_fn fc_winograd_gemm_fn

    ctypedef struct fc_corr3x3_shape:
        Py_ssize_t n, groups
        Py_ssize_t c_in, h_in, w_in
        Py_ssize_t c_out, h_out, w_out
        Py_ssize_t off_h, off_w
        Py_ssize_t ws_group, ws_out, ws_in, ws_row, ws_col

    fc_status fc_winograd_blocks(fc_dtype dt, const fc_corr3x3_shape *s, int m,
                                 Py_ssize_t budget_bytes, Py_ssize_t *tiles,
                                 Py_ssize_t *in_block, Py_ssize_t *out_block,
                                 Py_ssize_t *workspace_bytes)
    fc_status fc_corr3x3_winograd(fc_dtype dt, const fc_corr3x3_shape *s, int m,
                                  const void *x, const void *w0, const void *bias, void *y,
                                  Py_ssize_t budget_bytes, fc_winograd_gemm_fn gemm,
                                  void *gemm_context, const fc_exec *ex)

    fc_status fc_relu(fc_dtype dt, const void *x, void *y, Py_ssize_t n, int nthreads)
    fc_status fc_relu_backward(fc_dtype dt, const void *dy, const void *y, void *dx,
                               Py_ssize_t n, int nthreads)


cdef extern from "Python.h":
    # declared without an exception value: the interrupt callback below leaves
    # the exception set for check_status to raise after the kernel returns
    int _PyErr_CheckSignals "PyErr_CheckSignals" () nogil
    void *_PyErr_Occurred "PyErr_Occurred" () nogil


cdef inline int interrupt_requested(void *data) noexcept nogil:
    """fc_interrupt_fn of every call: takes the GIL and runs Python's signal
    handlers; non-zero (stop) when one raised, e.g. KeyboardInterrupt on
    Ctrl-C.  The exception stays pending until check_status raises it."""
    with gil:
        return _PyErr_CheckSignals() != 0


cdef inline fc_exec make_exec(int nthreads, int isa) noexcept nogil:
    """The fc_exec of one call: `nthreads` OpenMP threads, kernel-table level
    `isa`, interruptible by Ctrl-C."""
    cdef fc_exec ex
    ex.nthreads = nthreads if nthreads > 0 else 1
    ex.isa = <fc_isa>isa
    ex.interrupted = interrupt_requested
    ex.interrupt_data = NULL
    return ex


cdef inline int check_status(fc_status status) except -1:
    """Raise the Python exception that matches a C status code."""
    if status == FC_OK:
        return 0
    if status == FC_ERR_INTERRUPTED:
        if _PyErr_Occurred() != NULL:
            return -1          # the exception a signal handler raised
        raise KeyboardInterrupt
    if status == FC_ERR_NOMEM:
        raise MemoryError("fastconv: out of memory in the C core")
    if status == FC_ERR_DTYPE:
        raise TypeError("fastconv: the C core has no kernel for this dtype")
    if status == FC_ERR_OVERFLOW:
        raise ValueError("fastconv: array sizes overflow the index type")
    raise ValueError("fastconv: invalid sizes passed to the C core (status %d)" % <int>status)

cdef extern from "fastconv.h" nogil:
    ctypedef struct fc_block_cache:
        int count
        size_t bytes
        size_t limit

    void *fc_block_cache_malloc(fc_block_cache *cache, size_t size)
    void *fc_block_cache_calloc(fc_block_cache *cache, size_t count, size_t size)
    void fc_block_cache_free(fc_block_cache *cache, void *block, size_t size)
    void fc_block_cache_set_limit(fc_block_cache *cache, size_t limit)
