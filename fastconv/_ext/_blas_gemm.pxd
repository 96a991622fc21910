# _blas_gemm.pxd -- the fc_gemm_fn (csrc/fastconv.h) every driver hands to
# the C core: BLAS ?gemm from scipy.linalg.cython_blas.  Inline, so each
# module that cimports it has its own copy whose address it passes to C.
from scipy.linalg.cython_blas cimport sgemm, dgemm
from libc.string cimport memset

from fastconv._ext.cfastconv cimport fc_dtype, FC_F32, fc_itemsize


cdef inline int blas_gemm(void *context, fc_dtype dt, char transa, char transb,
                          Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                          const void *a, Py_ssize_t lda, const void *b, Py_ssize_t ldb,
                          int accumulate, void *c, Py_ssize_t ldc) noexcept nogil:
    """fc_gemm_fn: column-major C[m x n] = op(A) op(B) (+ C when accumulate)
    by BLAS ?gemm; k == 0 is an empty sum (BLAS would reject lda = 0): C = 0,
    or unchanged.  The C callers guarantee every size fits an int."""
    cdef int im = <int>m, i_n = <int>n, ik = <int>k
    cdef int ilda = <int>lda, ildb = <int>ldb, ildc = <int>ldc
    cdef float s_one = 1.0, s_beta = 1.0 if accumulate else 0.0
    cdef double d_one = 1.0, d_beta = 1.0 if accumulate else 0.0
    cdef Py_ssize_t col
    cdef size_t itemsize = fc_itemsize(dt)
    if m <= 0 or n <= 0:
        return 0
    if k <= 0:
        if not accumulate:
            for col in range(n):
                memset(<char *>c + <size_t>(col * ldc) * itemsize, 0, <size_t>m * itemsize)
        return 0
    if dt == FC_F32:
        sgemm(&transa, &transb, &im, &i_n, &ik, &s_one, <float *>a, &ilda, <float *>b, &ildb,
              &s_beta, <float *>c, &ildc)
    else:
        dgemm(&transa, &transb, &im, &i_n, &ik, &d_one, <double *>a, &ilda, <double *>b, &ildb,
              &d_beta, <double *>c, &ildc)
    return 0
