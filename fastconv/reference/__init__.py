"""fastconv.reference -- the specification, in plain Python.

Every public function of fastconv has a twin here, written straight from its
defining sum with Python loops over indices and Python numbers (no vectorised
NumPy arithmetic): slow, and obviously right.  The tests first prove these
against NumPy / SciPy on small cases, then prove the C kernels against them.

Floating results are accumulated in Python floats/complex (double precision)
and cast to the result dtype at the end; integer results are computed exactly
and wrapped modulo 2**bits, as NumPy's wrap-around does; bool is OR of AND.
Arguments are assumed valid (modes, shapes): validation is the job of the
public functions and has its own tests.
"""
from fastconv.reference._grad import (convolve2d_backward, convolve_backward,
                                      correlate2d_backward, correlate_backward)
from fastconv.reference._signal import convolve, convolve2d, correlate, correlate2d
from fastconv.reference._nn import (conv1d, conv1d_backward, conv2d, conv2d_backward,
                                    conv_transpose1d, conv_transpose2d, relu, relu_backward)

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d",
           "convolve_backward", "correlate_backward", "convolve2d_backward",
           "correlate2d_backward",
           "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
           "conv1d_backward", "conv2d_backward", "relu", "relu_backward"]
