"""What is measured: one benchmark case = one problem (shapes, dtype, mode).

A case knows how to make its inputs, how many floating-point operations it
costs, and how to compute a float64 reference answer and the magnitude
scale that the correctness check needs.  It knows nothing of who computes it
(`contenders` and `anchors` do) or how it is timed (`timing`).

FLOP conventions (the ones of shared/research/perf_anchors.md, so that the
numbers compare): 1-D ``2 * n_out * k``; 2-D 'same' ``2 * H * W * kh * kw``;
CNN ``2 * N * K * (C / groups) * prod(kernel) * prod(out_spatial)`` per pass
(forward, grad_input and grad_weight cost the same).  FFT methods therefore
show an "effective" rate, which can exceed the machine's peak.
"""
from dataclasses import dataclass, replace
from math import prod

import numpy as np

SEED = 20261122


def _rng(name):
    """A generator seeded by the case name: the same inputs in every process
    (the memory probe rebuilds them in a subprocess)."""
    return np.random.default_rng([SEED, *name.encode()])


@dataclass(frozen=True)
class SignalCase:
    """A 1-D (numpy.convolve-like) or 2-D (scipy.signal.convolve2d-like)
    convolution of one signal or image with one kernel.

    Parameters
    ----------
    shape : tuple of int
        ``(n,)`` for a 1-D signal or ``(h, w)`` for an image.
    kernel : tuple of int
        ``(k,)`` or ``(kh, kw)``; same length as `shape`.
    mode : {'full', 'valid', 'same'}
        Output mode, with NumPy/SciPy's meaning.
    dtype : {'float32', 'float64'}
    """

    shape: tuple
    kernel: tuple
    mode: str
    dtype: str

    family = "signal"

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def name(self):
        if self.ndim == 1:
            return f"conv1d-{self.mode}-{self.dtype}-n{self.shape[0]}-k{self.kernel[0]}"
        h, w = self.shape
        kh, kw = self.kernel
        return f"conv2d-{self.mode}-{self.dtype}-{h}x{w}-k{kh}x{kw}"

    @property
    def out_shape(self):
        if self.mode == "full":
            return tuple(n + k - 1 for n, k in zip(self.shape, self.kernel))
        if self.mode == "valid":
            return tuple(max(n, k) - min(n, k) + 1 for n, k in zip(self.shape, self.kernel))
        return tuple(self.shape)

    @property
    def taps(self):
        """Multiply-adds per output element (K of the error bound)."""
        return prod(self.kernel)

    @property
    def flops(self):
        return 2 * prod(self.out_shape) * self.taps

    def input_bytes(self):
        return (prod(self.shape) + prod(self.kernel)) * np.dtype(self.dtype).itemsize

    def make_inputs(self):
        """``{'x': signal or image, 'w': kernel}``, standard normal values."""
        rng = _rng(self.name)
        x = rng.standard_normal(self.shape).astype(self.dtype)
        w = rng.standard_normal(self.kernel).astype(self.dtype)
        return {"x": x, "w": w}

    def reference(self, inputs):
        """The exact answer in float64 (FFT convolution of the upcast inputs:
        its rounding error is ~1e-16 relative, far below float32's bound and
        below the float64 bound of `checks` for every grid size)."""
        import scipy.signal

        x = inputs["x"].astype(np.float64)
        w = inputs["w"].astype(np.float64)
        return scipy.signal.fftconvolve(x, w, self.mode)

    def magnitude(self, inputs):
        """max of ``|x| * |w|`` over the output: the scale of rounding errors."""
        import scipy.signal

        x = np.abs(inputs["x"].astype(np.float64))
        w = np.abs(inputs["w"].astype(np.float64))
        return float(np.max(scipy.signal.fftconvolve(x, w, self.mode), initial=0.0))

    def scaled_down(self):
        """A smaller problem of the same kind (about 1/16 of the work), used to
        measure a contender's rate before deciding whether the full case fits
        the time limit."""
        if self.ndim == 1:
            n, k = self.shape[0], self.kernel[0]
            return replace(self, shape=(max(n // 16, 2 * k, 16),))
        return replace(self, shape=tuple(max(n // 4, 2 * k, 8) for n, k in zip(self.shape, self.kernel)))


def conv_out_size(size, kernel, stride, padding, dilation):
    """torch's output length: ``floor((L + 2p - d(k-1) - 1) / s) + 1``."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@dataclass(frozen=True)
class LayerCase:
    """One pass of a CNN convolution layer (torch.nn.functional semantics:
    cross-correlation, NCL / NCHW layout).

    Parameters
    ----------
    op : {'forward', 'grad_input', 'grad_weight'}
    batch, in_channels, out_channels : int
    spatial : tuple of int
        ``(L,)`` for conv1d, ``(H, W)`` for conv2d.
    kernel : tuple of int
        Same length as `spatial`.
    stride, padding, dilation, groups : int
    dtype : str
    label : str
        A short human name (e.g. 'resnet3x3') shown in the case name.
    """

    op: str
    batch: int
    in_channels: int
    spatial: tuple
    out_channels: int
    kernel: tuple
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    groups: int = 1
    dtype: str = "float32"
    label: str = ""

    family = "cnn"

    @property
    def ndim(self):
        return len(self.spatial)

    @property
    def name(self):
        layer = "conv1d" if self.ndim == 1 else "conv2d"
        size = "x".join(map(str, self.spatial))
        kern = "x".join(map(str, self.kernel))
        parts = [f"nn.{layer}", self.op, self.dtype,
                 f"N{self.batch}-C{self.in_channels}-{size}-K{self.out_channels}-{kern}"]
        extra = ""
        if self.stride != 1:
            extra += f"s{self.stride}"
        if self.padding:
            extra += f"p{self.padding}"
        if self.dilation != 1:
            extra += f"d{self.dilation}"
        if self.groups != 1:
            extra += f"g{self.groups}"
        if extra:
            parts.append(extra)
        if self.label:
            parts.append(self.label)
        return "-".join(parts)

    @property
    def out_spatial(self):
        return tuple(conv_out_size(n, k, self.stride, self.padding, self.dilation)
                     for n, k in zip(self.spatial, self.kernel))

    @property
    def x_shape(self):
        return (self.batch, self.in_channels, *self.spatial)

    @property
    def w_shape(self):
        return (self.out_channels, self.in_channels // self.groups, *self.kernel)

    @property
    def y_shape(self):
        return (self.batch, self.out_channels, *self.out_spatial)

    @property
    def out_shape(self):
        return {"forward": self.y_shape, "grad_input": self.x_shape, "grad_weight": self.w_shape}[self.op]

    @property
    def taps(self):
        """Multiply-adds per output element of this pass (K of the error bound)."""
        per_filter = (self.in_channels // self.groups) * prod(self.kernel)
        if self.op == "forward":
            return per_filter
        if self.op == "grad_input":
            return (self.out_channels // self.groups) * prod(self.kernel)
        return self.batch * prod(self.out_spatial)

    @property
    def flops(self):
        return (2 * self.batch * self.out_channels * (self.in_channels // self.groups)
                * prod(self.kernel) * prod(self.out_spatial))

    def input_bytes(self):
        itemsize = np.dtype(self.dtype).itemsize
        return (prod(self.x_shape) + prod(self.w_shape) + prod(self.y_shape)) * itemsize

    def conv_kwargs(self):
        """stride, padding, dilation, groups as keyword arguments."""
        return {"stride": self.stride, "padding": self.padding,
                "dilation": self.dilation, "groups": self.groups}

    def make_inputs(self):
        """``{'x', 'w', 'grad_output'}``, standard normal values (the weight
        scaled like a He initialisation, so outputs stay of order 1)."""
        rng = _rng(self.name.replace(self.op, "layer"))
        fan_in = (self.in_channels // self.groups) * prod(self.kernel)
        x = rng.standard_normal(self.x_shape).astype(self.dtype)
        w = (rng.standard_normal(self.w_shape) * np.sqrt(2.0 / fan_in)).astype(self.dtype)
        g = rng.standard_normal(self.y_shape).astype(self.dtype)
        return {"x": x, "w": w, "grad_output": g}

    def _torch_pass(self, x, w, g):
        """This pass computed by torch (float64 tensors in, array out)."""
        import torch
        import torch.nn.functional as F

        kwargs = self.conv_kwargs()
        conv = F.conv1d if self.ndim == 1 else F.conv2d
        grad = torch.nn.grad
        with torch.no_grad():
            if self.op == "forward":
                out = conv(x, w, None, **kwargs)
            elif self.op == "grad_input":
                fn = grad.conv1d_input if self.ndim == 1 else grad.conv2d_input
                out = fn(self.x_shape, w, g, **kwargs)
            else:
                fn = grad.conv1d_weight if self.ndim == 1 else grad.conv2d_weight
                out = fn(x, self.w_shape, g, **kwargs)
        return out.numpy()

    def _float64_tensors(self, inputs, absolute=False):
        import torch

        def tensor(a):
            a = a.astype(np.float64)
            return torch.from_numpy(np.abs(a) if absolute else a)

        return tensor(inputs["x"]), tensor(inputs["w"]), tensor(inputs["grad_output"])

    def reference(self, inputs):
        """The answer in float64, from torch (raises ImportError without torch)."""
        return self._torch_pass(*self._float64_tensors(inputs))

    def magnitude(self, inputs):
        """max of the same pass on the absolute values of its operands."""
        return float(np.max(self._torch_pass(*self._float64_tensors(inputs, absolute=True)),
                            initial=0.0))

    def scaled_down(self):
        """The same layer on a smaller batch (1/8, at least 1 image)."""
        if self.batch > 1:
            return replace(self, batch=max(1, self.batch // 8))
        return replace(self, spatial=tuple(max(n // 2, k) for n, k in zip(self.spatial, self.kernel)))
