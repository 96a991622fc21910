"""The anchors: what NumPy users run today, called so that each computes
exactly the case's result (same values, shape and dtype).

1-D: numpy.convolve, scipy.signal.convolve (method 'auto'), scipy.signal.oaconvolve,
scipy.signal.fftconvolve.
2-D 'same': scipy.signal.convolve2d, scipy.signal.convolve ('auto'),
scipy.signal.oaconvolve / fftconvolve, scipy.ndimage.convolve (mode='constant'),
cv2.filter2D (which switches to its DFT path for kernels of 11x11 and more).
CNN: torch.nn.functional.conv1d/conv2d and torch.nn.grad.conv{1,2}d_input /
conv{1,2}d_weight.  Training step: torch.nn.functional and autograd
(fastconv.bench.train_step).

Libraries that are not installed make their contender `Unavailable`: the
runner skips it with the reason.
"""
import numpy as np

from fastconv.bench import threads
from fastconv.bench.contenders import Contender, Unavailable, load


def centre_offset(k):
    """Where SciPy's 'same' output starts in the 'full' convolution: (k-1)//2."""
    return (k - 1) // 2


# --------------------------------------------------------------------------
# 1-D
# --------------------------------------------------------------------------

def _numpy_convolve(case, inputs):
    x, w = inputs["x"], inputs["w"]
    return lambda: np.convolve(x, w, case.mode)


def _scipy_convolve(case, inputs):
    signal = load("scipy.signal")
    x, w = inputs["x"], inputs["w"]
    return lambda: signal.convolve(x, w, case.mode, method="auto")


def _scipy_oaconvolve(case, inputs):
    signal = load("scipy.signal")
    x, w = inputs["x"], inputs["w"]
    return lambda: signal.oaconvolve(x, w, case.mode)


def _scipy_fftconvolve(case, inputs):
    signal = load("scipy.signal")
    x, w = inputs["x"], inputs["w"]
    return lambda: signal.fftconvolve(x, w, case.mode)


# --------------------------------------------------------------------------
# 2-D
# --------------------------------------------------------------------------

def _scipy_convolve2d(case, inputs):
    signal = load("scipy.signal")
    x, w = inputs["x"], inputs["w"]
    return lambda: signal.convolve2d(x, w, case.mode)


def _require_same(case, anchor):
    if case.mode != "same":
        raise Unavailable(f"{anchor} computes 'same' outputs only")


def _scipy_ndimage(case, inputs):
    """ndimage centres the kernel at k//2; SciPy's 'same' at (k-1)//2 of the
    full convolution, hence origin -1 along even kernel axes."""
    _require_same(case, "scipy.ndimage.convolve")
    ndimage = load("scipy.ndimage")
    x, w = inputs["x"], inputs["w"]
    origin = tuple(centre_offset(k) - k // 2 for k in w.shape)
    return lambda: ndimage.convolve(x, w, mode="constant", cval=0.0, origin=origin)


def _cv2_filter2d(case, inputs):
    """filter2D correlates: dst[i] = sum_p kernel[p] src[i + p - anchor].
    With the kernel flipped that is the full convolution at i + k-1-anchor,
    so SciPy's 'same' (start (k-1)//2) needs anchor = k-1 - (k-1)//2
    (= cv2's default k//2).  Zero padding is BORDER_CONSTANT."""
    _require_same(case, "cv2.filter2D")
    cv2 = load("cv2", "OpenCV (cv2)")
    threads.limit_opencv(cv2)
    x = inputs["x"]
    flipped = np.ascontiguousarray(inputs["w"][::-1, ::-1])
    kh, kw = flipped.shape
    anchor = (kw - 1 - centre_offset(kw), kh - 1 - centre_offset(kh))   # (x, y)
    return lambda: cv2.filter2D(x, -1, flipped, anchor=anchor, borderType=cv2.BORDER_CONSTANT)


# --------------------------------------------------------------------------
# CNN
# --------------------------------------------------------------------------

def load_torch():
    """torch, limited to the requested thread count."""
    torch = load("torch")
    threads.limit_torch(torch)
    return torch


def _torch_layer(case, inputs):
    torch = load_torch()
    functional = torch.nn.functional
    grad = torch.nn.grad
    x = torch.from_numpy(inputs["x"])
    w = torch.from_numpy(inputs["w"])
    g = torch.from_numpy(inputs["grad_output"])
    kwargs = case.conv_kwargs()
    one_d = case.ndim == 1
    no_grad = torch.no_grad

    if case.op == "forward":
        conv = functional.conv1d if one_d else functional.conv2d

        def call():
            with no_grad():
                return conv(x, w, None, **kwargs)
    elif case.op == "grad_input":
        conv_input = grad.conv1d_input if one_d else grad.conv2d_input
        shape = case.x_shape

        def call():
            with no_grad():
                return conv_input(shape, w, g, **kwargs)
    else:
        conv_weight = grad.conv1d_weight if one_d else grad.conv2d_weight
        shape = case.w_shape

        def call():
            with no_grad():
                return conv_weight(x, shape, g, **kwargs)
    return call


def _torch_name(case):
    layer = "conv1d" if case.ndim == 1 else "conv2d"
    if case.op == "forward":
        return f"torch F.{layer}"
    suffix = "input" if case.op == "grad_input" else "weight"
    return f"torch grad.{layer}_{suffix}"


def _torch_train_step(case, inputs):
    from fastconv.bench import train_step

    return train_step.torch_step(case, inputs, load_torch())


def anchors_for(case):
    """The anchors of `case`, in the order the table lists them."""
    if case.family == "train":
        return [Contender("torch autograd step", "torch", _torch_train_step)]
    if case.family == "cnn":
        return [Contender(_torch_name(case), "torch", _torch_layer)]
    if case.family == "batch":
        from fastconv.bench import batch_cases
        return batch_cases.anchors_for(case)
    if case.ndim == 1:
        return [Contender("numpy.convolve", "numpy", _numpy_convolve),
                Contender("scipy.signal.convolve", "scipy", _scipy_convolve),
                Contender("scipy.signal.oaconvolve", "scipy", _scipy_oaconvolve),
                Contender("scipy.signal.fftconvolve", "scipy", _scipy_fftconvolve)]
    return [Contender("scipy.signal.convolve2d", "scipy", _scipy_convolve2d),
            Contender("scipy.signal.convolve", "scipy", _scipy_convolve),
            Contender("scipy.signal.oaconvolve", "scipy", _scipy_oaconvolve),
            Contender("scipy.signal.fftconvolve", "scipy", _scipy_fftconvolve),
            Contender("scipy.ndimage.convolve", "scipy", _scipy_ndimage),
            Contender("cv2.filter2D", "cv2", _cv2_filter2d)]
