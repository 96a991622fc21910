from collections.abc import Sequence

import dask.array as da
from numpy.typing import ArrayLike

from fastconv._typing import Boundary, NumpyMode, ScipyMode, SignalMethod
from fastconv.dask import nn as nn

__all__: list[str]

def convolve(a: da.Array | ArrayLike, v: ArrayLike, mode: NumpyMode = "full", *,
             method: SignalMethod = "auto", axis: int | None = None) -> da.Array: ...
def correlate(a: da.Array | ArrayLike, v: ArrayLike, mode: NumpyMode = "valid", *,
              method: SignalMethod = "auto", axis: int | None = None) -> da.Array: ...
def convolve2d(in1: da.Array | ArrayLike, in2: ArrayLike, mode: ScipyMode = "full",
               boundary: Boundary = "fill", fillvalue: complex = 0, *,
               method: SignalMethod = "auto",
               axes: Sequence[int] | None = None) -> da.Array: ...
def correlate2d(in1: da.Array | ArrayLike, in2: ArrayLike, mode: ScipyMode = "full",
                boundary: Boundary = "fill", fillvalue: complex = 0, *,
                method: SignalMethod = "auto",
                axes: Sequence[int] | None = None) -> da.Array: ...
