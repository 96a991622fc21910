# cython: language_level=3
"""Keep SciPy's OpenBLAS on one thread while fastconv's im2col drivers call it.

The column-matrix products of the im2col methods are called tile by tile from
C loops; a multithreaded OpenBLAS (pthreads build, as in SciPy's wheels)
busy-waits its helper threads between such calls, and when another process
holds a core each call can stall for milliseconds (measured here: 512x512
image, 3x3 kernel, im2col: 8.6 ms with one BLAS thread, 26-50 ms with two on
a loaded 2-core machine).  DESIGN.md's policy is one BLAS thread inside
fastconv's own loops.

`openblas_set_num_threads_local` (OpenBLAS >= 0.3.27) is found once, in the
OpenBLAS library that SciPy loads; it returns the previous count, which is
restored after the call.  For pthreads builds the setting is process-wide
while a fastconv call runs (NumPy/SciPy calls in other threads during that
time also run on one BLAS thread).  With another BLAS under SciPy, nothing is
changed and these functions do nothing.
"""

ctypedef int (*set_threads_fn)(int) noexcept nogil

cdef set_threads_fn _set_threads = NULL


cdef int blas_single_thread_begin() noexcept nogil:
    """Set BLAS to one thread; returns the previous count (0: nothing changed)."""
    if _set_threads == NULL:
        return 0
    return _set_threads(1)


cdef void blas_single_thread_end(int previous) noexcept nogil:
    """Restore the count blas_single_thread_begin returned."""
    if _set_threads != NULL and previous > 0:
        _set_threads(previous)


def install(size_t address):
    """Use the C function at `address` (int f(int): set the thread count,
    return the previous one); 0 switches the control off."""
    global _set_threads
    _set_threads = <set_threads_fn>address


def installed():
    """True when BLAS thread control is active."""
    return _set_threads != NULL
