"""The BLAS thread-count policy of fastconv's im2col methods.

fastconv's im2col loops call BLAS (through scipy.linalg.cython_blas) tile by
tile, and run it on one thread (fastconv/_ext/_blas_threads.pyx explains why
and how overlapping calls from several Python threads are handled).  This
module finds that BLAS with threadpoolctl and hands its thread-count
functions to the Cython drivers.

FASTCONV_BLAS_THREADS (read once at import) or `set_blas_threads` choose the
policy: a positive count n (default ``1``) runs BLAS on n threads inside
fastconv's calls; ``'any'`` leaves BLAS's thread count alone.  Any other
value of the environment variable is ignored with a RuntimeWarning.

Only an OpenBLAS with its own (pthreads) thread pool is controlled: it is
what SciPy's wheels ship.  An OpenMP-threaded OpenBLAS keeps a count per
calling thread and runs single-threaded inside OpenMP regions anyway; other
BLAS libraries are left alone.
"""
import ctypes
import os
import warnings

from fastconv._ext import _blas_threads as _ext

ENVIRONMENT = "FASTCONV_BLAS_THREADS"
_MAX_THREADS = 2**31 - 1     # a C int


def _address(function):
    return ctypes.cast(function, ctypes.c_void_p).value or 0


def scipy_blas():
    """threadpoolctl's controller of the BLAS that scipy.linalg.cython_blas
    calls, with the (get, set) thread-count symbol names; (None, None, None)
    when it is not an OpenBLAS threadpoolctl knows.

    The library is the one whose ``openblas_get_num_threads`` (with the
    library's symbol prefix / suffix) is the function cython_blas's own
    module resolves: NumPy's wheels bundle a second OpenBLAS, which fastconv
    never calls and leaves alone.
    """
    import scipy.linalg.cython_blas as cython_blas
    import threadpoolctl

    scope = ctypes.CDLL(cython_blas.__file__)   # dlsym searches it and its dependencies
    blas = threadpoolctl.ThreadpoolController().select(internal_api="openblas")
    for library in blas.lib_controllers:
        for getter in library.check_symbols:
            ours, theirs = getattr(library.dynlib, getter, None), getattr(scope, getter, None)
            if ours is not None and theirs is not None and _address(ours) == _address(theirs):
                return library, getter, getter.replace("get_num_threads", "set_num_threads")
    return None, None, None


def _install():
    """Hand the thread-count functions of SciPy's OpenBLAS to the drivers,
    if it has a process-wide (pthreads) thread pool."""
    library, getter, setter = scipy_blas()
    if library is None or getattr(library, "threading_layer", None) != "pthreads":
        return
    get_fn, set_fn = getattr(library.dynlib, getter), getattr(library.dynlib, setter, None)
    if set_fn is not None:
        _ext.install(_address(get_fn), _address(set_fn))


def _policy(value):
    """The policy named by `value`: a positive int (or its decimal digits:
    that many BLAS threads inside fastconv's calls) or 'any'; ValueError
    otherwise."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "any":
            return "any"
        if text.isascii() and text.isdigit() and 1 <= int(text) <= _MAX_THREADS:
            return int(text)
    elif not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= _MAX_THREADS:
        return int(value)
    raise ValueError(f"the BLAS threads setting must be a positive integer (BLAS threads inside "
                     f"fastconv's im2col calls, default 1) or 'any' (leave BLAS's thread count "
                     f"alone), got {value!r}")


def _from_environment():
    text = os.environ.get(ENVIRONMENT, "")
    if not text:
        return 1
    try:
        return _policy(text)
    except ValueError as error:
        warnings.warn(f"{ENVIRONMENT}={text!r} ignored (using 1): {error}", RuntimeWarning,
                      stacklevel=3)
        return 1


def blas_threads():
    """The BLAS thread setting of fastconv's im2col calls: a positive count
    (BLAS runs on that many threads while they run; 1 by default) or 'any'
    (BLAS's count is left alone)."""
    return _wanted


def set_blas_threads(value):
    """Choose how many threads BLAS may use inside fastconv's im2col calls.

    Parameters
    ----------
    value : positive int or 'any'
        n (default 1, also FASTCONV_BLAS_THREADS=n): while a fastconv call
        runs, SciPy's OpenBLAS runs on n threads, then gets its count back
        when the last overlapping call returns.  'any'
        (FASTCONV_BLAS_THREADS=any): BLAS's count is left alone.

    Returns
    -------
    The previous setting.
    """
    global _wanted
    policy = _policy(value)
    old, _wanted = _wanted, policy
    _apply(policy)
    return old


def _apply(policy):
    if policy != "any":
        _ext.set_target(policy)
    _ext.set_enabled(policy != "any")


def controlled_library():
    """Path of the BLAS library whose thread count fastconv controls, or None."""
    if not _ext.installed():
        return None
    library, _, _ = scipy_blas()
    return None if library is None else library.filepath


_install()
_wanted = _from_environment()
_apply(_wanted)
