# _blas_threads.pxd -- run BLAS calls on one thread, or the count FASTCONV_BLAS_THREADS
# chose (see _blas_threads.pyx).
#
#     token = blas_single_thread_begin()
#     ... BLAS calls ...
#     blas_single_thread_end(token)
#
# Callable without the GIL; safe when calls overlap in several threads.

cdef int blas_single_thread_begin() noexcept nogil
cdef void blas_single_thread_end(int token) noexcept nogil
