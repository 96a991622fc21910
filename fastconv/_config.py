"""Settings of the computation that a user may change.

im2col works on tiles of the column matrix so that its extra memory is bounded
whatever the problem size.  The budget is read once from the environment
variable FASTCONV_IM2COL_TILE_MB (default 4 MiB, enough for the GEMV to run at
memory speed while the tile stays near the L2/L3 caches) and can be changed at
run time with `set_im2col_tile_bytes`.

The CNN layers (fastconv.nn) have their own budget for the column-matrix tile
of their im2col + GEMM method: FASTCONV_NN_TILE_MB (default 8 MiB, wide enough
tiles for BLAS GEMM to run near its peak), changed at run time with
`set_nn_tile_bytes`.  It is the only workspace of fastconv.nn, whatever the
batch size.

The FFT method keeps up to FASTCONV_BLOCK_CACHE_MB (default 64 MiB) of the
arrays its calls free, for its next calls (see fastconv/_block_cache.py),
changed at run time with `set_block_cache_bytes` (0: keep none).
"""
import math
import os
import sys
import warnings

from fastconv import _block_cache

_DEFAULT_TILE_MB = 4.0
_DEFAULT_NN_TILE_MB = 8.0
_DEFAULT_BLOCK_CACHE_MB = 64.0

# The drivers take the budget as a C ssize_t (Py_ssize_t): the largest one
# that every call can pass down.
MAX_TILE_BYTES = sys.maxsize


def _checked_bytes(nbytes, what, minimum=1):
    """nbytes as an int in [minimum, MAX_TILE_BYTES] (minimum 0 or 1);
    TypeError / ValueError otherwise."""
    if isinstance(nbytes, bool):
        raise TypeError(f"the {what} must be an integer number of bytes, "
                        f"got {nbytes!r}")
    try:
        nbytes = int(nbytes)
    except (TypeError, ValueError, OverflowError):   # OverflowError: float('inf')
        raise TypeError(f"the {what} must be an integer number of bytes, "
                        f"got {nbytes!r}") from None
    if not minimum <= nbytes <= MAX_TILE_BYTES:
        raise ValueError(f"the {what} must be a "
                         f"{'positive' if minimum else 'non-negative'} number of bytes up to "
                         f"{MAX_TILE_BYTES} (what C's ssize_t holds), got {nbytes}")
    return nbytes


def _bytes_from_env(variable="FASTCONV_IM2COL_TILE_MB", default_mb=_DEFAULT_TILE_MB,
                         zero_allowed=False):
    """The budget a variable gives in MiB, in bytes; a value that is not a
    finite number of MiB in (0, MAX_TILE_BYTES / 2**20] ([0, ...] if
    zero_allowed) is ignored with a RuntimeWarning (the default is used:
    importing fastconv never fails)."""
    default = int(default_mb * 2**20)
    text = os.environ.get(variable, "")
    if not text.strip():
        return default
    try:
        mb = float(text)
    except ValueError:
        mb = math.nan
    low_ok = 0 <= mb if zero_allowed else 0 < mb
    if not (math.isfinite(mb) and low_ok and mb * 2**20 <= MAX_TILE_BYTES):
        what = "non-negative" if zero_allowed else "positive"
        warnings.warn(f"{variable}={text!r} ignored (using the default {default_mb:g} MiB): it "
                      f"must be a {what} number of MiB up to {MAX_TILE_BYTES // 2**20}",
                      RuntimeWarning, stacklevel=3)
        return default
    return int(mb * 2**20) if mb == 0 else max(1, int(mb * 2**20))


_tile_bytes = _bytes_from_env()
_nn_tile_bytes = _bytes_from_env("FASTCONV_NN_TILE_MB", _DEFAULT_NN_TILE_MB)
_block_cache_bytes = _bytes_from_env("FASTCONV_BLOCK_CACHE_MB", _DEFAULT_BLOCK_CACHE_MB,
                                          zero_allowed=True)
_block_cache.set_limit(_block_cache_bytes)


def im2col_tile_bytes():
    """Bytes of the column-matrix tile used by the signal im2col method."""
    return _tile_bytes


def set_im2col_tile_bytes(nbytes):
    """Set the im2col tile budget in bytes (an integer from 1 to 2**63 - 1);
    returns the old value."""
    global _tile_bytes
    nbytes = _checked_bytes(nbytes, "im2col tile budget")
    old, _tile_bytes = _tile_bytes, nbytes
    return old


def nn_tile_bytes():
    """Bytes of the column-matrix tile used by fastconv.nn's im2col method."""
    return _nn_tile_bytes


def set_nn_tile_bytes(nbytes):
    """Set fastconv.nn's im2col tile budget in bytes (an integer from 1 to
    2**63 - 1); returns the old value."""
    global _nn_tile_bytes
    nbytes = _checked_bytes(nbytes, "nn im2col tile budget")
    old, _nn_tile_bytes = _nn_tile_bytes, nbytes
    return old


def block_cache_bytes():
    """Bytes of freed arrays that fastconv keeps for its next calls, at most
    (0: none): the FFT method's arrays, and the direct method's results of
    256 KiB or more."""
    return _block_cache_bytes


def set_block_cache_bytes(nbytes):
    """Set the most bytes of freed arrays that fastconv keeps for its next
    calls (an integer from 0, which frees the cached ones and keeps none, to
    2**63 - 1); returns the old value.

    A call by FFT allocates its transforms and its result anew each time,
    and a direct call its result; kept when freed, their pages need not be
    faulted in again by the next call of the same shapes (on a virtual
    machine that halved the time of a 512 x 512 correlation with a 31 x 31
    kernel, and of a 2048 x 2048 float64 one with a 3 x 3 kernel).
    """
    global _block_cache_bytes
    nbytes = _checked_bytes(nbytes, "FFT block cache size", minimum=0)
    _block_cache.set_limit(nbytes)
    old, _block_cache_bytes = _block_cache_bytes, nbytes
    return old


def show_config(file=None):
    """Print how fastconv runs here: every setting with its current value,
    the environment variable and the function that change it, then the
    thread pools (BLAS, OpenMP) as threadpoolctl sees them.

    Parameters
    ----------
    file : file-like, optional
        Where to print (default: sys.stdout).
    """
    import sys

    import threadpoolctl

    from fastconv import _blas_threads, _isa, _method, _threads
    from fastconv._ext import _runtime

    file = sys.stdout if file is None else file
    lines = [
        "fastconv",
        f"  ISA level         {_isa.isa()} (CPU supports: {', '.join(_isa.available())}; "
        f"FASTCONV_ISA / fastconv.set_isa)",
        f"  threads=None      {_threads.default()} "
        f"(FASTCONV_NUM_THREADS / fastconv.set_num_threads, else OpenMP's max threads; "
        f"{_threads.cpu_count()} cores)",
        f"  OpenMP            {'yes' if _runtime.openmp_enabled() else 'no (serial build)'}",
        f"  im2col tile       {im2col_tile_bytes()} bytes "
        f"(FASTCONV_IM2COL_TILE_MB / fastconv.set_im2col_tile_bytes)",
        f"  nn im2col tile    {nn_tile_bytes()} bytes "
        f"(FASTCONV_NN_TILE_MB / fastconv.set_nn_tile_bytes)",
        f"  FFT block cache   {block_cache_bytes()} bytes, {_block_cache.cached_bytes()} held "
        f"(FASTCONV_BLOCK_CACHE_MB / fastconv.set_block_cache_bytes)",
        f"  BLAS threads      {_blas_threads.blas_threads()} inside im2col calls "
        f"(FASTCONV_BLAS_THREADS / fastconv.set_blas_threads; controls: "
        f"{_blas_threads.controlled_library() or 'no pthreads OpenBLAS found under SciPy'})",
        f"  'auto' model      {_method.describe()} (FASTCONV_AUTO_MODEL; "
        f"python -m fastconv.bench --fit-auto)",
    ]
    for info in threadpoolctl.threadpool_info():
        architecture = f" {info['architecture']} kernels" if info.get("architecture") else ""
        lines.append(f"  {info['user_api']:<17} {info['internal_api']} {info.get('version')}"
                     f"{architecture} ({info['num_threads']} threads) {info['filepath']}")
        note = openblas_kernel_note(info, _isa.CPU_LEVEL)
        if note:
            lines.append(f"                    note: {note}")
    print("\n".join(lines), file=file)


#: OpenBLAS kernel families that use AVX-512 (the others stop at AVX2 or below).
_OPENBLAS_AVX512 = ("skylakex", "cooperlake", "sapphirerapids", "zen4", "zen5")


def openblas_kernel_note(info, cpu_level):
    """A note when an OpenBLAS runs AVX2-or-older kernels on a CPU with
    AVX-512 (OpenBLAS 0.3.30 takes the AMD Zen 5 of these machines for a
    Haswell): its GEMM, which fastconv's im2col method calls, then runs at
    about half the speed it could; None otherwise.

    Parameters
    ----------
    info : dict
        One entry of ``threadpoolctl.threadpool_info()``.
    cpu_level : int
        The CPU's best ISA level (an index of `fastconv._isa.LEVELS`).
    """
    from fastconv import _isa
    architecture = (info.get("architecture") or "").lower()
    if (info.get("internal_api") != "openblas" or not architecture
            or cpu_level < _isa.LEVELS.index("avx512") or architecture in _OPENBLAS_AVX512):
        return None
    return (f"this CPU has AVX-512 but OpenBLAS chose its {info['architecture']} kernels; "
            "OPENBLAS_CORETYPE=SKYLAKEX in the environment before NumPy is imported "
            "selects the AVX-512 ones (docs/guide/cnn_performance.rst)")
