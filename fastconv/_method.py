"""The `method='auto'` chooser.

For now one measured rule (see README, "Methods"): the direct kernel streams
each input element once per kernel tap from L1, while im2col first writes a
column matrix of (outputs x taps) elements and then reads it back through a
GEMV, which is bound by memory bandwidth.  Direct therefore wins whenever the
product has to be computed at all; im2col is offered for comparison and as the
GEMM-shaped formulation the CNN layers build on.  A fitted cost model replaces
this rule once the SIMD kernels land.
"""


def choose_signal_method(method, n_outputs, n_taps):
    """Resolve 'auto' to 'direct' or 'im2col' for a signal correlation with
    `n_outputs` outputs of `n_taps` multiply-adds each."""
    if method != "auto":
        return method
    return "direct"
