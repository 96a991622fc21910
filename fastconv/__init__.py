"""fastconv: fast 1-D and 2-D convolution and correlation.

Drop-ins for NumPy and SciPy (`convolve`, `correlate`, `convolve2d`,
`correlate2d`), each with a choice of algorithm (``method='direct'``,
``'im2col'`` or ``'auto'``).  `fastconv.reference` holds the plain-Python
definitions the C kernels are tested against.
"""
from fastconv._config import im2col_tile_bytes, set_im2col_tile_bytes
from fastconv._signal import convolve, convolve2d, correlate, correlate2d

__version__ = "0.1.0"

__all__ = [
    "convolve",
    "correlate",
    "convolve2d",
    "correlate2d",
    "im2col_tile_bytes",
    "set_im2col_tile_bytes",
]
