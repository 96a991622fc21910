"""Thread counts, with scikit-learn's semantics for ``threads=``.

``threads=None`` (the default) means FASTCONV_NUM_THREADS when it is set,
else what OpenMP would use, ``omp_get_max_threads()``: every core, or
OMP_NUM_THREADS, or the limit a ``threadpoolctl.threadpool_limits`` block
sets (fastconv's OpenMP runtime is visible to threadpoolctl as scikit-learn's
is).  A positive count is used as given; a negative one counts back from the
number of cores (-1 = all, -2 = all but one); 0 is an error.

`run_shared` runs Python-level work (the FFT path's blocks) on a count of
threads: the caller's and those of one process-wide pool.
"""
import concurrent.futures
import contextlib
import operator
import os
import threading
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


# --------------------------------------------------------------------------
# Python-level work shared between threads
# --------------------------------------------------------------------------

_pool = None
_pool_lock = threading.Lock()


def _forget_pool():
    """After fork: the child has none of the pool's threads."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _helpers():
    """The process-wide pool of helper threads (created on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=max(1, cpu_count() - 1), thread_name_prefix="fastconv")
        return _pool


def run_shared(function, items, threads, context=contextlib.nullcontext):
    """Call function(item) for every item, on `threads` threads: the calling
    one and threads - 1 helpers of a process-wide pool, each taking the next
    item until none is left (in any order; the calls must write disjoint
    results).  Each thread runs inside ``context()`` (the pool's threads do
    not see the caller's context variables).  The first exception stops
    the other threads after their current item and is raised here once
    they have all stopped.  A helper the pool has not started (it is busy
    with other calls) is cancelled: the calling thread does the work."""
    items = iter(items)
    take = threading.Lock()
    stop = threading.Event()
    done = object()

    def drain():
        with context():
            while not stop.is_set():
                with take:
                    item = next(items, done)
                if item is done:
                    return
                try:
                    function(item)
                except BaseException:
                    stop.set()
                    raise

    helpers = [_helpers().submit(drain) for _ in range(max(threads, 1) - 1)]
    try:
        drain()
    finally:
        for helper in helpers:
            helper.cancel()
        concurrent.futures.wait(helpers)
    for helper in helpers:
        if not helper.cancelled():
            helper.result()   # raises a helper's exception
