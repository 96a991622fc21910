from numpy.typing import ArrayLike

from fastconv._typing import (Array, NNMethod, OutputMask, Padding1, Padding2, Size1,
                              Size2)

__all__: list[str]

def conv1d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: Size1 = 1,
           padding: Padding1 = 0, dilation: Size1 = 1, groups: int = 1, *,
           method: NNMethod = "auto", out: Array | None = None,
           threads: int | None = None) -> Array: ...
def conv2d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: Size2 = 1,
           padding: Padding2 = 0, dilation: Size2 = 1, groups: int = 1, *,
           method: NNMethod = "auto", out: Array | None = None,
           threads: int | None = None) -> Array: ...
def conv_transpose1d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: Size1 = 1, padding: Size1 = 0, output_padding: Size1 = 0,
                     groups: int = 1, dilation: Size1 = 1, *,
                     method: NNMethod = "auto", out: Array | None = None,
           threads: int | None = None) -> Array: ...
def conv_transpose2d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: Size2 = 1, padding: Size2 = 0, output_padding: Size2 = 0,
                     groups: int = 1, dilation: Size2 = 1, *,
                     method: NNMethod = "auto", out: Array | None = None,
           threads: int | None = None) -> Array: ...
def conv1d_backward(grad_output: ArrayLike, x: ArrayLike, weight: ArrayLike,
                    stride: Size1 = 1, padding: Padding1 = 0, dilation: Size1 = 1,
                    groups: int = 1, *, output_mask: OutputMask = (True, True, True),
                    method: NNMethod = "auto", threads: int | None = None) -> tuple[Array | None, Array | None,
                                                         Array | None]: ...
def conv2d_backward(grad_output: ArrayLike, x: ArrayLike, weight: ArrayLike,
                    stride: Size2 = 1, padding: Padding2 = 0, dilation: Size2 = 1,
                    groups: int = 1, *, output_mask: OutputMask = (True, True, True),
                    method: NNMethod = "auto", threads: int | None = None) -> tuple[Array | None, Array | None,
                                                         Array | None]: ...
def relu(input: ArrayLike, inplace: bool = False, *, threads: int | None = None) -> Array: ...
def relu_backward(grad_output: ArrayLike, output: ArrayLike, *, inplace: bool = False,
                  threads: int | None = None) -> Array: ...
