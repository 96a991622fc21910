# cython: language_level=3
"""Keep SciPy's OpenBLAS on one thread (or the count the user chose) while
fastconv's im2col drivers call it.

The column-matrix products of the im2col methods are called tile by tile from
C loops; a multithreaded OpenBLAS (pthreads build, as in SciPy's wheels)
busy-waits its helper threads between such calls, and when another process
holds a core each call can stall for milliseconds (measured here: 512x512
image, 3x3 kernel, im2col: 8.6 ms with one BLAS thread, 26-50 ms with two on
a loaded 2-core machine).  The policy (docs/guide/methods.rst, 'im2col') is one BLAS thread
inside fastconv's own loops.

The thread count of a pthreads OpenBLAS is one process-wide setting, so the
policy is a process-wide reference count under a lock: the first call to
enter saves the count and sets the target (1 unless FASTCONV_BLAS_THREADS /
set_blas_threads chose another), the last one to leave restores the saved
count (unless someone else changed it meanwhile: then theirs stays).  Calls
that overlap in several Python threads therefore never save each other's
target as the count to restore (issue 11, defect 2).  While any fastconv
call runs, NumPy/SciPy calls in other threads that use the same OpenBLAS
run on the target count too.

fastconv/_blas_threads.py finds the library and hands over the addresses of
its get/set functions; until then (or with no controllable BLAS) these
functions change nothing.  The lock is a PyThread lock, which may be taken
without the GIL.
"""
from cpython.pythread cimport (PyThread_type_lock, PyThread_allocate_lock,
                               PyThread_acquire_lock, PyThread_release_lock, WAIT_LOCK)

ctypedef int (*get_threads_fn)() noexcept nogil
ctypedef void (*set_threads_fn)(int) noexcept nogil

cdef get_threads_fn _get_threads = NULL
cdef set_threads_fn _set_threads = NULL
cdef bint _enabled = False         # the policy is on (FASTCONV_BLAS_THREADS / set_blas_threads)
cdef int _target = 1               # BLAS threads inside the region (FASTCONV_BLAS_THREADS)
cdef int _applied = 1              # the target the first call of the current region set
cdef Py_ssize_t _active = 0        # calls between begin and end, in all threads
cdef int _saved = 0                # the count the first of them found
cdef PyThread_type_lock _lock = PyThread_allocate_lock()
if _lock == NULL:
    raise MemoryError("fastconv: cannot allocate the BLAS thread-count lock")


cdef int blas_single_thread_begin() noexcept nogil:
    """Enter a region whose BLAS calls must run on the target thread count
    (one by default).  Returns a token for blas_single_thread_end: 1 if the
    call entered the count, 0 if the policy is off (nothing changed)."""
    cdef int entered = 0
    global _active, _saved, _applied
    if _set_threads == NULL:
        return 0
    PyThread_acquire_lock(_lock, WAIT_LOCK)
    if _enabled:
        if _active == 0:
            _saved = _get_threads()
            _applied = _target
            if _saved != _applied:
                _set_threads(_applied)
        _active += 1
        entered = 1
    PyThread_release_lock(_lock)
    return entered


cdef void blas_single_thread_end(int token) noexcept nogil:
    """Leave the region entered by the blas_single_thread_begin call that
    returned `token`; the last call to leave restores the saved count."""
    global _active
    if token == 0:
        return
    PyThread_acquire_lock(_lock, WAIT_LOCK)
    _active -= 1
    if _active == 0 and _saved != _applied and _saved > 0 and _get_threads() == _applied:
        _set_threads(_saved)
    PyThread_release_lock(_lock)


def install(size_t get_address, size_t set_address):
    """Use the C functions at these addresses (``int get(void)``: the BLAS
    thread count; ``void set(int)``: change it) and turn the policy on;
    0, 0 removes them.  Refused while a fastconv call is inside the region."""
    global _get_threads, _set_threads, _enabled
    if (get_address == 0) != (set_address == 0):
        raise ValueError("give both BLAS thread functions, or neither")
    with nogil:
        PyThread_acquire_lock(_lock, WAIT_LOCK)
    try:
        if _active:
            raise RuntimeError("cannot change the BLAS library while fastconv calls run")
        _get_threads = <get_threads_fn>get_address
        _set_threads = <set_threads_fn>set_address
        _enabled = set_address != 0
    finally:
        PyThread_release_lock(_lock)


def installed():
    """True when a BLAS library's thread count can be controlled."""
    return _set_threads != NULL


def set_enabled(bint enabled):
    """Turn the one-thread policy on or off (calls already inside the region
    still restore the count when they leave); returns the previous state."""
    global _enabled
    with nogil:
        PyThread_acquire_lock(_lock, WAIT_LOCK)
    old = _enabled
    _enabled = enabled
    PyThread_release_lock(_lock)
    return old


def enabled():
    """True when fastconv's im2col calls set BLAS's thread count."""
    return _enabled and _set_threads != NULL


def set_target(int threads):
    """The BLAS thread count inside the region from the next region on (a
    positive int); returns the previous one."""
    global _target
    if threads < 1:
        raise ValueError(f"the BLAS thread count must be positive, got {threads}")
    with nogil:
        PyThread_acquire_lock(_lock, WAIT_LOCK)
    old = _target
    _target = threads
    PyThread_release_lock(_lock)
    return old


def target():
    """The BLAS thread count inside the region."""
    return _target


def active_calls():
    """Number of calls inside the region now (for tests)."""
    return _active


def enter():
    """blas_single_thread_begin from Python (for tests); returns its token."""
    return blas_single_thread_begin()


def leave(int token):
    """blas_single_thread_end from Python (for tests)."""
    blas_single_thread_end(token)
