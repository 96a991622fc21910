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
"""
import os

_DEFAULT_TILE_MB = 4.0
_DEFAULT_NN_TILE_MB = 8.0


def _tile_bytes_from_env(variable="FASTCONV_IM2COL_TILE_MB", default_mb=_DEFAULT_TILE_MB):
    text = os.environ.get(variable)
    if not text:
        return int(default_mb * 2**20)
    try:
        mb = float(text)
    except ValueError:
        raise ValueError(f"{variable} must be a number of MiB, got {text!r}") from None
    if not mb > 0:
        raise ValueError(f"{variable} must be positive, got {text!r}")
    return max(1, int(mb * 2**20))


_tile_bytes = _tile_bytes_from_env()
_nn_tile_bytes = _tile_bytes_from_env("FASTCONV_NN_TILE_MB", _DEFAULT_NN_TILE_MB)


def im2col_tile_bytes():
    """Bytes of the column-matrix tile used by the signal im2col method."""
    return _tile_bytes


def set_im2col_tile_bytes(nbytes):
    """Set the im2col tile budget in bytes (a positive integer); returns the old value."""
    global _tile_bytes
    nbytes = int(nbytes)
    if nbytes <= 0:
        raise ValueError(f"the im2col tile budget must be positive, got {nbytes}")
    old, _tile_bytes = _tile_bytes, nbytes
    return old


def nn_tile_bytes():
    """Bytes of the column-matrix tile used by fastconv.nn's im2col method."""
    return _nn_tile_bytes


def set_nn_tile_bytes(nbytes):
    """Set fastconv.nn's im2col tile budget in bytes (a positive integer);
    returns the old value."""
    global _nn_tile_bytes
    nbytes = int(nbytes)
    if nbytes <= 0:
        raise ValueError(f"the nn im2col tile budget must be positive, got {nbytes}")
    old, _nn_tile_bytes = _nn_tile_bytes, nbytes
    return old


def show_config(file=None):
    """Print how fastconv runs here: the kernel level chosen, the thread
    count of ``threads=None``, OpenMP and BLAS as threadpoolctl sees them,
    and every setting with its current value.

    Parameters
    ----------
    file : file-like, optional
        Where to print (default: sys.stdout).
    """
    import sys

    import threadpoolctl

    from fastconv import _isa, _method, _threads
    from fastconv._ext import _runtime

    file = sys.stdout if file is None else file
    lines = [
        "fastconv",
        f"  ISA level         {_isa.isa()} (CPU supports: {', '.join(_isa.available())}; "
        f"FASTCONV_ISA / fastconv.set_isa)",
        f"  threads=None      {_threads.default()} "
        f"(FASTCONV_NUM_THREADS, else OpenMP's max threads; {_threads.cpu_count()} cores)",
        f"  OpenMP            {'yes' if _runtime.openmp_enabled() else 'no (serial build)'}",
        f"  im2col tile       {im2col_tile_bytes()} bytes (FASTCONV_IM2COL_TILE_MB)",
        f"  nn im2col tile    {nn_tile_bytes()} bytes (FASTCONV_NN_TILE_MB)",
        f"  'auto' model      {_method.describe()} (FASTCONV_AUTO_MODEL; "
        f"python -m fastconv.bench --fit-auto)",
    ]
    for info in threadpoolctl.threadpool_info():
        lines.append(f"  {info['user_api']:<17} {info['internal_api']} {info.get('version')} "
                     f"({info['num_threads']} threads) {info['filepath']}")
    print("\n".join(lines), file=file)
