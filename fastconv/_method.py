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


# The kernel gradient is a correlation with few outputs (the kernel's taps)
# and very many taps (all of g).  The direct kernel's innermost loop runs
# along a row of outputs, here only as long as the kernel is wide, whereas
# im2col computes each output as one BLAS dot product over a copied strip of
# X.  Measured on the 2-core Zen3 with single-threaded BLAS (README,
# "Backward passes"): for kernels 3-7 columns wide im2col is 1.3-3.5x
# faster in float64 and 2-7x in float32; the direct kernel catches up at
# about 10 (float64) and 24-32 (float32) columns.  The thresholds below,
# per compute itemsize, stay on the safe side of those crossovers.
_IM2COL_BELOW_KERNEL_COLS = {4: 16, 8: 8}


def choose_kernel_grad_method(method, kernel_cols, plan):
    """'auto' resolved for the kernel gradient; other methods unchanged."""
    if method != "auto":
        return method
    return "im2col" if kernel_cols < _IM2COL_BELOW_KERNEL_COLS[plan.compute.itemsize] else "direct"
