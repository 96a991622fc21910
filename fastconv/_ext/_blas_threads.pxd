# _blas_threads.pxd -- run a BLAS call on one thread (see _blas_threads.pyx).

cdef int blas_single_thread_begin() noexcept nogil
cdef void blas_single_thread_end(int previous) noexcept nogil
