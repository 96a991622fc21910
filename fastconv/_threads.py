"""Thread counts, with scikit-learn's semantics for ``threads=``.

``threads=None`` (the default) means FASTCONV_NUM_THREADS when it is set,
else what OpenMP would use, ``omp_get_max_threads()``: every core, or
OMP_NUM_THREADS, or the limit a ``threadpoolctl.threadpool_limits`` block
sets (fastconv's OpenMP runtime is visible to threadpoolctl as scikit-learn's
is).  A positive count is used as given; a negative one counts back from the
number of cores (-1 = all, -2 = all but one); 0 is an error.
"""
import operator
import os
import warnings

from fastconv._ext import _runtime


def cpu_count():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def _from_environment(variable="FASTCONV_NUM_THREADS"):
    text = os.environ.get(variable, "")
    if not text:
        return None
    try:
        return _count(int(text))
    except (TypeError, ValueError):
        warnings.warn(f"{variable}={text!r} ignored: it must be a non-zero integer",
                      RuntimeWarning, stacklevel=3)
        return None


def default():
    """The thread count of ``threads=None``."""
    if _ENVIRONMENT is not None:
        return _ENVIRONMENT
    if _runtime.openmp_enabled():
        return _runtime.openmp_max_threads()
    return cpu_count()


def set_num_threads(threads):
    """Set the thread count of ``threads=None`` from now on, as
    FASTCONV_NUM_THREADS does: a non-zero int (negative: counted back from
    the number of cores), or None for OpenMP's max threads.  Returns the
    previous setting (None when there was none)."""
    global _ENVIRONMENT
    count = None if threads is None else _count(threads)
    old, _ENVIRONMENT = _ENVIRONMENT, count
    return old


def resolve(threads):
    """The positive thread count meant by a ``threads=`` argument."""
    if threads is None:
        return default()
    return _count(threads)


def _count(threads):
    """A thread count other than None, checked and made positive."""
    if isinstance(threads, bool):
        raise TypeError(f"threads must be an integer or None, got {threads!r}")
    try:
        threads = operator.index(threads)
    except TypeError:
        raise TypeError(f"threads must be an integer or None, got {threads!r}") from None
    if threads == 0:
        raise ValueError("threads=0 is not allowed: use None (all cores), a positive count, "
                         "or a negative one to count back from the number of cores")
    if threads < 0:
        return max(cpu_count() + 1 + threads, 1)
    return threads


_ENVIRONMENT = _from_environment()
