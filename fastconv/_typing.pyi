"""Type aliases shared by fastconv's stubs (this module exists only for the
type checker)."""
from typing import Any, Literal, TypeAlias

import numpy as np

Array: TypeAlias = np.ndarray[Any, np.dtype[Any]]
NumpyMode: TypeAlias = Literal["full", "same", "valid", 0, 1, 2]
ScipyMode: TypeAlias = Literal["full", "same", "valid"]
Boundary: TypeAlias = Literal["fill", "pad", "wrap", "circular", "symm", "symmetric"]
SignalMethod: TypeAlias = Literal["auto", "direct", "im2col", "fft"]
NNMethod: TypeAlias = Literal["auto", "direct", "im2col", "winograd"]
Isa: TypeAlias = Literal["scalar", "avx2", "avx512"]
Size1: TypeAlias = int | tuple[int]
Size2: TypeAlias = int | tuple[int, int]
Padding1: TypeAlias = int | tuple[int] | Literal["valid", "same"]
Padding2: TypeAlias = int | tuple[int, int] | Literal["valid", "same"]
OutputMask: TypeAlias = tuple[bool, bool, bool]
