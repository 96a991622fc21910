"""Locate the thread-count setter of the OpenBLAS that SciPy uses, and hand
it to the Cython drivers (fastconv/_ext/_blas_threads.pyx explains why)."""
import ctypes
import glob
import os

import scipy

from fastconv._ext import _blas_threads as _ext

_SETTER_NAMES = ("openblas_set_num_threads_local", "scipy_openblas_set_num_threads_local")


def _openblas_libraries():
    """Paths of the OpenBLAS libraries bundled with SciPy's wheel, if any."""
    site = os.path.dirname(os.path.dirname(os.path.abspath(scipy.__file__)))
    return sorted(glob.glob(os.path.join(site, "scipy.libs", "libscipy_openblas*")))


def setter_address():
    """Address of OpenBLAS's `openblas_set_num_threads_local`, or 0."""
    import scipy.linalg.cython_blas  # noqa: F401 - make sure SciPy's BLAS is loaded
    for path in _openblas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTER_NAMES:
            function = getattr(lib, name, None)
            if function is not None:
                return ctypes.cast(function, ctypes.c_void_p).value or 0
    return 0


def install():
    """Turn the one-BLAS-thread policy on when the setter exists; returns
    whether it is on.  FASTCONV_BLAS_THREADS=any leaves BLAS threads alone."""
    if os.environ.get("FASTCONV_BLAS_THREADS", "") == "any":
        _ext.install(0)
    else:
        _ext.install(setter_address())
    return _ext.installed()


install()
