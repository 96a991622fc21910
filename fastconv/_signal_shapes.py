"""Geometry of the signal API: where NumPy's and SciPy's modes put the
output window of the one primitive (see _primitive.py), computed in one
place for the forward passes and their backward passes."""
import numpy as np


def numpy_lags(mode, n_long, n_short):
    """(k0, length) of NumPy's output for a correlation of a length-n_long
    input with a length-n_short kernel: output t is lag k0 + t."""
    if mode == "full":
        return -(n_short - 1), n_long + n_short - 1
    if mode == "same":
        return -(n_short // 2), n_long
    return 0, n_long - n_short + 1


def scipy_offsets(mode_name, x_shape, w_shape, convolution):
    """(out_shape, r0, c0) of the primitive for SciPy's modes, x the image and
    w the kernel as the primitive sees them (after any swap and reversal)."""
    (xr, xc), (wr, wc) = x_shape, w_shape
    if mode_name == "full":
        out_shape, r0, c0 = (xr + wr - 1, xc + wc - 1), -(wr - 1), -(wc - 1)
    elif mode_name == "same":
        # SciPy centres the window at (K - 1) // 2 for correlation; reversing
        # the kernel for convolution moves it to K // 2.
        if convolution:
            out_shape, r0, c0 = (xr, xc), -(wr // 2), -(wc // 2)
        else:
            out_shape, r0, c0 = (xr, xc), -((wr - 1) // 2), -((wc - 1) // 2)
    else:
        out_shape, r0, c0 = (xr - wr + 1, xc - wc + 1), 0, 0
    if min(out_shape) < 0:
        raise ValueError("negative dimensions are not allowed")
    return out_shape, r0, c0


def scipy_window(mode_name, x_shape, w_shape, out_shape, boundary, boundary_name, fill,
                  kernel_finite=True):
    """Shape of the window of the extended image that the correlation reads
    (rows r0.., columns c0..), or None when the zero-extended image serves:
    'valid' mode, an empty kernel or output, or a fill of +0 with a finite
    kernel.  (SciPy multiplies the kernel by the fill value wherever it hangs
    over the edge, so an inf or nan in the kernel meets a fill of 0 there and
    gives nan; the zero-extension of the C kernel skips those products, so a
    non-finite kernel needs the window.)"""
    needs_extension = (mode_name != "valid" and w_shape[0] * w_shape[1] > 0
                       and out_shape[0] * out_shape[1] > 0
                       and (boundary_name != "fill" or fill != 0 or np.signbit(fill.real)
                            or not kernel_finite))
    if not needs_extension:
        return None
    window = (out_shape[0] + w_shape[0] - 1, out_shape[1] + w_shape[1] - 1)
    if 0 in x_shape and boundary_name != "fill" and window[0] * window[1] > 0:
        raise ValueError(f"boundary={boundary!r} cannot extend an empty in1 "
                         f"of shape {tuple(x_shape)}")
    return window
