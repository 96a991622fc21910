"""Settings of the computation that a user may change.

im2col works on tiles of the column matrix so that its extra memory is bounded
whatever the problem size.  The budget is read once from the environment
variable FASTCONV_IM2COL_TILE_MB (default 4 MiB, enough for the GEMV to run at
memory speed while the tile stays near the L2/L3 caches) and can be changed at
run time with `set_im2col_tile_bytes`.
"""
import os

_DEFAULT_TILE_MB = 4.0


def _tile_bytes_from_env():
    text = os.environ.get("FASTCONV_IM2COL_TILE_MB")
    if not text:
        return int(_DEFAULT_TILE_MB * 2**20)
    try:
        mb = float(text)
    except ValueError:
        raise ValueError(f"FASTCONV_IM2COL_TILE_MB must be a number of MiB, got {text!r}") from None
    if not mb > 0:
        raise ValueError(f"FASTCONV_IM2COL_TILE_MB must be positive, got {text!r}")
    return max(1, int(mb * 2**20))


_tile_bytes = _tile_bytes_from_env()


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
