import dask.array as da
from numpy.typing import ArrayLike

from fastconv._typing import NNMethod, Padding1, Padding2, Size1, Size2

__all__: list[str]

def conv1d(x: da.Array | ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
           stride: Size1 = 1, padding: Padding1 = 0, dilation: Size1 = 1, groups: int = 1, *,
           method: NNMethod = "auto") -> da.Array: ...
def conv2d(x: da.Array | ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
           stride: Size2 = 1, padding: Padding2 = 0, dilation: Size2 = 1, groups: int = 1, *,
           method: NNMethod = "auto") -> da.Array: ...
