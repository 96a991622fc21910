"""The cases of real workloads (issue 12): a stack of signals or images in
one call (``axis=`` / ``axes=``), and a window of lags of a long
cross-correlation (``lags=``), each with its contenders (fastconv's methods)
and anchors (what a NumPy user runs today for the same result).

Stacks ('same' mode, one kernel for every item):
    fastconv.convolve(x, w, 'same', axis=-1) / convolve2d(..., axes=(-2, -1))
    against a Python loop of numpy.convolve / cv2.filter2D,
    scipy.signal.fftconvolve(axes=...), and scipy.ndimage.convolve1d(axis=-1) /
    scipy.ndimage.convolve with a kernel of leading size 1.
Lags: fastconv.correlate(a, v, 'full', lags=m) against
    scipy.signal.correlate(a, v, 'full') (FFT) followed by the slice of those
    lags (numpy.correlate would need hours).

The loop anchors return lists of arrays (what such a loop gives); the check
stacks them outside the timing.
"""
from dataclasses import dataclass, replace
from math import prod

import numpy as np

from fastconv.bench.contenders import Contender, load


@dataclass(frozen=True)
class StackCase:
    """'same' convolution of every item of a stack with one kernel.

    Parameters
    ----------
    count : int
        Items in the stack (the leading axis).
    shape : tuple of int
        ``(n,)`` signals or ``(h, w)`` images.
    kernel : tuple of int
        Same length as `shape`.
    dtype : str
    """

    count: int
    shape: tuple
    kernel: tuple
    dtype: str = "float32"

    family = "batch"
    mode = "same"

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def name(self):
        size = "x".join(map(str, self.shape))
        kern = "x".join(map(str, self.kernel))
        return f"batch{self.ndim}d-same-{self.dtype}-{self.count}x{size}-k{kern}"

    @property
    def axes(self):
        return tuple(range(1, 1 + self.ndim))

    @property
    def out_shape(self):
        return (self.count, *self.shape)

    @property
    def taps(self):
        return prod(self.kernel)

    @property
    def flops(self):
        return 2 * prod(self.out_shape) * self.taps

    def input_bytes(self):
        return (prod(self.out_shape) + prod(self.kernel)) * np.dtype(self.dtype).itemsize

    def make_inputs(self):
        """``{'x': the stack, 'w': the kernel}``, standard normal values."""
        from fastconv.bench.cases import _rng
        rng = _rng(self.name)
        return {"x": rng.standard_normal(self.out_shape).astype(self.dtype),
                "w": rng.standard_normal(self.kernel).astype(self.dtype)}

    def _fft64(self, inputs, absolute=False):
        import scipy.signal
        x, w = (inputs["x"].astype(np.float64), inputs["w"].astype(np.float64))
        if absolute:
            x, w = np.abs(x), np.abs(w)
        return scipy.signal.fftconvolve(x, w[None], "same", axes=self.axes)

    def reference(self, inputs):
        """The answer in float64 (batched FFT convolution of the upcast inputs)."""
        return self._fft64(inputs)

    def magnitude(self, inputs):
        return float(np.max(self._fft64(inputs, absolute=True), initial=0.0))

    def scaled_down(self):
        return replace(self, count=max(1, self.count // 16))


@dataclass(frozen=True)
class LagsCase:
    """The lags ``-maxlag .. maxlag`` of the full cross-correlation of two
    signals of `n` samples (numpy.correlate's definition)."""

    n: int
    maxlag: int
    dtype: str = "float64"

    family = "batch"
    ndim = 1

    @property
    def name(self):
        return f"lags-full-{self.dtype}-n{self.n}-maxlag{self.maxlag}"

    @property
    def out_shape(self):
        return (2 * self.maxlag + 1,)

    @property
    def taps(self):
        return self.n

    @property
    def flops(self):
        return 2 * (2 * self.maxlag + 1) * self.n

    def input_bytes(self):
        return 2 * self.n * np.dtype(self.dtype).itemsize

    def make_inputs(self):
        """``{'a', 'v'}``: v is a shifted a plus noise (a delay to find)."""
        from fastconv.bench.cases import _rng
        rng = _rng(self.name)
        a = rng.standard_normal(self.n)
        v = np.roll(a, 17) + 0.1 * rng.standard_normal(self.n)
        return {"a": a.astype(self.dtype), "v": v.astype(self.dtype)}

    def window(self, full):
        """The requested lags out of a 'full' correlation."""
        centre = self.n - 1
        return full[centre - self.maxlag:centre + self.maxlag + 1]

    def _fft64(self, inputs, absolute=False):
        import scipy.signal
        a, v = inputs["a"].astype(np.float64), inputs["v"].astype(np.float64)
        if absolute:
            a, v = np.abs(a), np.abs(v)
        return self.window(scipy.signal.correlate(a, v, "full", method="fft"))

    def reference(self, inputs):
        return self._fft64(inputs)

    def magnitude(self, inputs):
        return float(np.max(self._fft64(inputs, absolute=True), initial=0.0))

    def scaled_down(self):
        return replace(self, n=max(self.n // 16, 4 * self.maxlag + 2))


# --------------------------------------------------------------------------
# contenders and anchors
# --------------------------------------------------------------------------

def _fastconv_call(method, threads):
    def prepare(case, inputs):
        fastconv = load("fastconv")
        kwargs = {"method": method} if threads is None else {"method": method, "threads": threads}
        if isinstance(case, LagsCase):
            a, v = inputs["a"], inputs["v"]
            return lambda: fastconv.correlate(a, v, "full", lags=case.maxlag, **kwargs)
        x, w = inputs["x"], inputs["w"]
        if case.ndim == 1:
            return lambda: fastconv.convolve(x, w, "same", axis=-1, **kwargs)
        return lambda: fastconv.convolve2d(x, w, "same", axes=(-2, -1), **kwargs)

    return prepare


def fastconv_contenders(case, methods, threads):
    """One contender per fastconv method (names as the signal cases')."""
    return [Contender(f"fastconv[{m}]", "fastconv", _fastconv_call(m, threads), m)
            for m in methods]


def _numpy_loop(case, inputs):
    x, w = inputs["x"], inputs["w"]
    return lambda: [np.convolve(item, w, "same") for item in x]


def _cv2_loop(case, inputs):
    """cv2.filter2D correlates: the flipped kernel convolves (its default
    anchor, the kernel's centre, is SciPy's 'same' for odd sizes)."""
    from fastconv.bench import threads
    if any(k % 2 == 0 for k in case.kernel):
        from fastconv.bench.contenders import Unavailable
        raise Unavailable("cv2.filter2D's anchor matches 'same' for odd kernels only")
    cv2 = load("cv2", "OpenCV (cv2)")
    threads.limit_opencv(cv2)
    x = inputs["x"]
    flipped = np.ascontiguousarray(inputs["w"][::-1, ::-1])
    return lambda: [cv2.filter2D(item, -1, flipped, borderType=cv2.BORDER_CONSTANT)
                    for item in x]


def _fftconvolve_axes(case, inputs):
    signal = load("scipy.signal")
    x, w = inputs["x"], inputs["w"][None]
    return lambda: signal.fftconvolve(x, w, "same", axes=case.axes)


def _ndimage(case, inputs):
    """ndimage centres the kernel at k // 2, SciPy's 'same' at (k - 1) // 2:
    the same for odd kernels (origin -1 along even ones)."""
    ndimage = load("scipy.ndimage")
    x, w = inputs["x"], inputs["w"]
    origin = [(k - 1) // 2 - k // 2 for k in case.kernel]
    if case.ndim == 1:
        return lambda: ndimage.convolve1d(x, w, axis=-1, mode="constant", origin=origin[0])
    return lambda: ndimage.convolve(x, w[None], mode="constant", origin=[0, *origin])


def _scipy_correlate_window(case, inputs):
    signal = load("scipy.signal")
    a, v = inputs["a"], inputs["v"]
    return lambda: case.window(signal.correlate(a, v, "full"))


def anchors_for(case):
    """The anchors of a stack or lags case, in the order the table lists them."""
    if isinstance(case, LagsCase):
        return [Contender("scipy.signal.correlate + slice", "scipy", _scipy_correlate_window)]
    if case.ndim == 1:
        return [Contender("loop of numpy.convolve", "numpy", _numpy_loop),
                Contender("scipy.signal.fftconvolve(axes=)", "scipy", _fftconvolve_axes),
                Contender("scipy.ndimage.convolve1d(axis=-1)", "scipy", _ndimage)]
    return [Contender("loop of cv2.filter2D", "cv2", _cv2_loop),
            Contender("scipy.signal.fftconvolve(axes=)", "scipy", _fftconvolve_axes),
            Contender("scipy.ndimage.convolve (1, k, k)", "scipy", _ndimage)]
