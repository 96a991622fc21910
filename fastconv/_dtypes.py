"""Which dtypes fastconv computes itself, and how.

`plan(dtype)` maps a result dtype to the dtype the C kernels compute in and
the fc_dtype code of fastconv.h.  Signed integers run the unsigned kernel of
the same width (two's-complement wrap-around is the same bit pattern), and
float16 runs in float32, as NumPy's float16 dot product does, then rounds
once.  Dtypes missing from the table (object, longdouble, timedelta64, ...)
are handed to NumPy/SciPy by the caller.
"""
from typing import NamedTuple

import numpy as np

from fastconv._ext._runtime import DTYPE_CODES

# fc_dtype codes, as the compiled C core numbers them (csrc/dtype_list.h)
FC_BOOL = DTYPE_CODES["FC_BOOL"]
FC_U8 = DTYPE_CODES["FC_U8"]
FC_U16 = DTYPE_CODES["FC_U16"]
FC_U32 = DTYPE_CODES["FC_U32"]
FC_U64 = DTYPE_CODES["FC_U64"]
FC_F32 = DTYPE_CODES["FC_F32"]
FC_F64 = DTYPE_CODES["FC_F64"]
FC_C64 = DTYPE_CODES["FC_C64"]
FC_C128 = DTYPE_CODES["FC_C128"]


class Plan(NamedTuple):
    compute: np.dtype    # dtype of the arrays handed to the C core
    view: np.dtype       # same bytes, seen as the kernel's element type
    code: int            # fc_dtype code


_UNSIGNED = {1: (np.uint8, FC_U8), 2: (np.uint16, FC_U16),
             4: (np.uint32, FC_U32), 8: (np.uint64, FC_U64)}

_FLOATING = {
    np.dtype(np.float16): (np.float32, FC_F32),
    np.dtype(np.float32): (np.float32, FC_F32),
    np.dtype(np.float64): (np.float64, FC_F64),
    np.dtype(np.complex64): (np.complex64, FC_C64),
    np.dtype(np.complex128): (np.complex128, FC_C128),
}


def plan(dtype):
    """The computation plan for result dtype `dtype`, or None if fastconv has
    no kernel for it."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return Plan(dtype, dtype, FC_BOOL)
    if dtype.kind in "iu" and dtype.itemsize in _UNSIGNED:
        unsigned, code = _UNSIGNED[dtype.itemsize]
        return Plan(np.dtype(dtype.newbyteorder("=")), np.dtype(unsigned), code)
    if dtype in _FLOATING:
        compute, code = _FLOATING[dtype]
        return Plan(np.dtype(compute), np.dtype(compute), code)
    return None


def result_dtype(*arrays):
    """NumPy's result dtype of the arrays (Python scalars were made arrays by
    the caller, so none of them is 'weak'); None if NumPy has no common type."""
    try:
        return np.result_type(*arrays)
    except TypeError:
        return None
