"""Typical calls of fastconv's public API, checked by mypy in
tests/test_typing.py (never run).  A line ending in an E-comment must be
an error with that code; an N-comment, a note (reveal_type) with that text."""
import dask.array as da
import numpy as np

import fastconv
import fastconv.dask
from fastconv import nn

signal = np.linspace(0.0, 1.0, 100)
image = np.ones((32, 32), dtype=np.float32)

out: np.ndarray = fastconv.convolve(signal, [1.0, 0.5, 0.25])
out = fastconv.convolve([1, 2, 3], [0, 1], "same", method="direct")
out = fastconv.correlate(signal, signal[:10], 2)
out = fastconv.convolve2d(image, np.ones((3, 3)), "same", boundary="symm", fillvalue=0.5)
out = fastconv.correlate2d(image, [[1, 0], [0, -1]], "valid", method="fft")
grad_a, grad_v = fastconv.convolve_backward(np.ones(102), signal, [1.0, 2.0, 3.0])
grad_1, grad_2 = fastconv.correlate2d_backward(np.ones((34, 34)), image, np.ones((3, 3)),
                                               "full", "wrap")
reveal_type(fastconv.correlate(signal, signal))  # N: numpy.ndarray

x = np.zeros((8, 3, 16, 16), dtype=np.float32)
w = np.zeros((4, 3, 3, 3), dtype=np.float32)
y = nn.conv2d(x, w, None, stride=2, padding="same", dilation=(1, 2), method="winograd")
y = nn.conv1d(x[:, :, 0], w[:, :, 0], padding=(1,))
gi, gw, gb = nn.conv2d_backward(y, x, w, output_mask=(True, False, True))
a = nn.relu(y, inplace=True)
g = nn.relu_backward(np.ones_like(a), a, inplace=True, threads=1)
if gi is not None:
    print(gi.shape)

old_budget: int = fastconv.set_im2col_tile_bytes(1 << 20)
fastconv.set_isa("avx2")
fastconv.show_config()

lazy: da.Array = fastconv.dask.convolve2d(da.ones((64, 64), chunks=16), np.ones((5, 5)),
                                          "same", "symm")
lazy = fastconv.dask.correlate(da.ones(100, chunks=10), [1.0, -1.0], "full", axis=0)
lazy = fastconv.dask.nn.conv2d(da.zeros((8, 3, 16, 16), chunks=(2, 3, 16, 16)), w)

fastconv.convolve(signal, signal, "middle")  # E: arg-type
fastconv.convolve2d(image, image, boundary="reflect")  # E: arg-type
fastconv.correlate(signal, signal, method="winograd")  # E: arg-type
nn.conv2d(x, w, method="fft")  # E: arg-type
fastconv.convolve(signal, signal, "same", "direct")  # E: call-arg
