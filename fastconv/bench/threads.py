"""Thread limits for every library in the benchmark.

BLAS and OpenMP libraries read their thread count from the environment once,
when they are loaded, so the limit has to be in the environment before NumPy
is imported.  ``python -m fastconv.bench`` imports NumPy before its own code
runs (through ``fastconv/__init__``), so `reexec_with_threads` starts the
interpreter again with the variables set.  Libraries with a run-time setting
(torch, OpenCV) are limited again when `anchors` loads them.
"""
import os
import sys

#: Environment variables read by OpenMP, OpenBLAS, MKL, BLIS, Accelerate and numexpr.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

#: Set by the runner to the thread count it applied (read by children and the library loaders).
MARKER = "FASTCONV_BENCH_THREADS"


def available_cores():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def parse_threads(text):
    """``'all'`` or a positive integer, as an int."""
    if text == "all":
        return available_cores()
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"--threads must be a positive integer or 'all', got {text!r}") from None
    if n < 1:
        raise ValueError(f"--threads must be a positive integer or 'all', got {text!r}")
    return n


def environment_for(n_threads, base=None):
    """A copy of `base` (default: os.environ) with every thread variable set to n."""
    env = dict(os.environ if base is None else base)
    for name in THREAD_VARIABLES:
        env[name] = str(n_threads)
    env[MARKER] = str(n_threads)
    return env


def environment_is_set(n_threads, env=None):
    """True when every thread variable of `env` already says `n_threads`."""
    env = os.environ if env is None else env
    return all(env.get(name) == str(n_threads) for name in (*THREAD_VARIABLES, MARKER))


def reexec_with_threads(n_threads, argv):
    """Replace this process by ``python -m fastconv.bench argv`` with the
    thread variables set, unless they already are.  Returns only in the
    latter case."""
    if environment_is_set(n_threads):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    command = [sys.executable, "-m", "fastconv.bench", *argv]
    os.execve(sys.executable, command, environment_for(n_threads))


def requested_threads():
    """The thread count the runner applied (None when it did not set one)."""
    text = os.environ.get(MARKER)
    return int(text) if text else None


def limit_torch(torch):
    """Apply the requested thread count to torch's intra-op pool."""
    n = requested_threads()
    if n is not None:
        torch.set_num_threads(n)


def limit_opencv(cv2):
    """Apply the requested thread count to OpenCV's parallel framework."""
    n = requested_threads()
    if n is not None:
        cv2.setNumThreads(n)


def describe():
    """What each library was told, for the report header and the JSON."""
    return {"requested": requested_threads(),
            "environment": {name: os.environ.get(name) for name in THREAD_VARIABLES}}
