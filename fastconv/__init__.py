"""fastconv: fast 1-D and 2-D convolution and correlation.

Drop-ins for NumPy and SciPy (`convolve`, `correlate`, `convolve2d`,
`correlate2d`), each with a choice of algorithm (``method='direct'``,
``'im2col'`` or ``'auto'``), and their backward passes (`convolve_backward`,
`correlate_backward`, `convolve2d_backward`, `correlate2d_backward`).
`fastconv.nn` has the CNN layers of `torch.nn.functional` (conv1d/conv2d,
transposed, backward) on NumPy arrays.  `fastconv.reference` holds the
plain-Python definitions the C kernels are tested against.
"""
from fastconv._config import im2col_tile_bytes, set_im2col_tile_bytes
from fastconv._signal import convolve, convolve2d, correlate, correlate2d
from fastconv._signal_backward import (convolve2d_backward, convolve_backward, correlate2d_backward,
                            correlate_backward)
from fastconv._lags import correlation_lags
from fastconv import nn
from fastconv._config import (block_cache_bytes, nn_tile_bytes, set_block_cache_bytes,
                              set_nn_tile_bytes, show_config)
from fastconv._isa import isa, set_isa
from fastconv._blas_threads import blas_threads, set_blas_threads
from fastconv._threads import set_num_threads

try:   # the version is written once, in pyproject.toml
    from importlib.metadata import PackageNotFoundError as _NotInstalled, version as _version
    __version__ = _version("fastconv")
except _NotInstalled:   # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "convolve",
    "correlate",
    "convolve2d",
    "correlate2d",
    "convolve_backward",
    "correlate_backward",
    "convolve2d_backward",
    "correlate2d_backward",
    "correlation_lags",
    "im2col_tile_bytes",
    "set_im2col_tile_bytes",
    "nn",
    "nn_tile_bytes",
    "set_nn_tile_bytes",
    "block_cache_bytes",
    "set_block_cache_bytes",
    "show_config",
    "isa",
    "set_isa",
    "blas_threads",
    "set_blas_threads",
    "set_num_threads",
]
