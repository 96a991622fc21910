"""The training-step case: one forward and backward pass of a small CNN.

The network (float32, NCHW, no biases; issue 10, item 5)::

    conv 3x3 (C -> c1, padding 1)      ReLU
    conv 3x3 (c1 -> c2, padding 1)     ReLU
    depthwise 3x3 (c2, padding 1)      ReLU     } a depthwise-separable block
    conv 1x1 (c2 -> c3)                ReLU     }
    conv 1x1 (c3 -> classes)                      the head

on a batch of images; the loss is ``sum(grad_output * head output)``, so
the step computes, from the head down, the grad_input and the grad_weight of
every layer (the grad_input of the first layer too: the gradient of the
images) with the ReLU masks applied in between.

Contenders (`fastconv_step`, `torch_step`) return ``(gradients,
activations)``: the six gradients (images, then the weight of each layer)
and the four ReLU outputs the backward pass used (torch keeps them for its
backward too).  The check (`TrainStepCase.check`) recomputes the step in
float64 with torch, using the contender's own ReLU masks, and holds each
array to the accuracy rule of docs/guide/accuracy.rst (normwise, as
fastconv.bench.checks), with K the multiply-adds along the whole chain of
passes that produced it and the magnitude the same chain run on absolute
values:

* activation of layer i: K = K_1 + ... + K_i (forward sums), magnitude
  ``|w_i| * ... * |w_1| * |x|`` (ReLU dropped: it never increases |.|);
* grad_input of layer i: K = the grad_input sums from the head down to i,
  magnitude the same passes on ``|grad_output|`` and ``|w|`` with the masks;
* grad_weight of layer i: its own sum (batch x positions) plus the forward
  chain of its input and the backward chain of its grad_output.

A mask is the contender's (``activation > 0``), so a pre-activation whose
sign float32 rounding cannot decide counts as what the contender decided;
the activations' check bounds how far such a value can be from zero.
"""
from dataclasses import dataclass, replace
from math import prod

import numpy as np

from fastconv.bench import checks


@dataclass(frozen=True)
class Layer:
    """One convolution of the network (stride 1)."""

    in_channels: int
    out_channels: int
    kernel: int
    padding: int
    groups: int
    relu: bool

    @property
    def w_shape(self):
        return (self.out_channels, self.in_channels // self.groups, self.kernel, self.kernel)

    def kwargs(self):
        return {"padding": self.padding, "groups": self.groups}

    @property
    def forward_taps(self):
        """Multiply-adds per output of the forward pass."""
        return self.in_channels // self.groups * self.kernel ** 2

    @property
    def grad_input_taps(self):
        """Multiply-adds per element of grad_input."""
        return self.out_channels // self.groups * self.kernel ** 2


@dataclass(frozen=True)
class TrainStepCase:
    """A forward and backward step of the small CNN of the module docstring.

    Parameters
    ----------
    batch : int
    in_channels : int
    spatial : tuple of int
        ``(H, W)`` of the images (every layer keeps it).
    widths : tuple of 4 int
        Output channels of the first conv, of the second conv (and the
        depthwise layer), of the 1x1 layer, and of the head.
    dtype : str
    label : str
    """

    batch: int = 32
    in_channels: int = 3
    spatial: tuple = (32, 32)
    widths: tuple = (32, 64, 64, 10)
    dtype: str = "float32"
    label: str = "small_cnn"

    family = "train"

    @property
    def name(self):
        h, w = self.spatial
        return (f"train_step-{self.dtype}-N{self.batch}-C{self.in_channels}-{h}x{w}-"
                f"{'-'.join(map(str, self.widths))}-{self.label}")

    @property
    def layers(self):
        c1, c2, c3, classes = self.widths
        return (Layer(self.in_channels, c1, 3, 1, 1, True),
                Layer(c1, c2, 3, 1, 1, True),
                Layer(c2, c2, 3, 1, c2, True),
                Layer(c2, c3, 1, 0, 1, True),
                Layer(c3, classes, 1, 0, 1, False))

    @property
    def x_shape(self):
        return (self.batch, self.in_channels, *self.spatial)

    @property
    def y_shape(self):
        return (self.batch, self.widths[-1], *self.spatial)

    @property
    def positions(self):
        """Output positions of every layer, over the batch."""
        return self.batch * prod(self.spatial)

    @property
    def flops(self):
        """Three passes (forward, grad_input, grad_weight) of every layer."""
        return 3 * sum(2 * self.positions * layer.out_channels * layer.forward_taps
                       for layer in self.layers)

    @property
    def taps(self):
        """The largest K of the check (a grad_weight chain); see the module docstring."""
        return max(self.chain_taps())

    def chain_taps(self):
        """K of each checked array, in the order of `check`'s arrays:
        activations 1-4, grad of the images, grad_weight 1-5."""
        layers = self.layers
        forward = np.cumsum([layer.forward_taps for layer in layers])        # through layer i
        backward = np.cumsum([layer.grad_input_taps for layer in layers][::-1])[::-1]
        after = list(backward[1:]) + [0]       # the chain that made layer i's grad_output
        acts = [int(forward[i]) for i in range(4)]
        grad_x = int(backward[0])
        grad_w = [self.positions + (int(forward[i - 1]) if i else 0) + int(after[i])
                  for i in range(5)]
        return acts + [grad_x] + grad_w

    def input_bytes(self):
        itemsize = np.dtype(self.dtype).itemsize
        sizes = [prod(self.x_shape), prod(self.y_shape)]
        sizes += [prod(layer.w_shape) for layer in self.layers]
        return sum(sizes) * itemsize

    def make_inputs(self):
        """``{'x', 'weights', 'grad_output'}``: standard normal images and
        grad_output, He-scaled weights."""
        from fastconv.bench.cases import _rng

        rng = _rng(self.name)
        x = rng.standard_normal(self.x_shape).astype(self.dtype)
        weights = tuple((rng.standard_normal(layer.w_shape) * np.sqrt(2.0 / layer.forward_taps))
                        .astype(self.dtype) for layer in self.layers)
        g = rng.standard_normal(self.y_shape).astype(self.dtype)
        return {"x": x, "weights": weights, "grad_output": g}

    def scaled_down(self):
        """The same network on 1/8 of the batch (at least one image)."""
        return replace(self, batch=max(1, self.batch // 8))

    # ------------------------------------------------------------------
    # the check
    # ------------------------------------------------------------------

    def reference(self, inputs):
        """The float64 forward pass: pre-activations and their magnitudes
        (raises ImportError without torch)."""
        import torch

        def t(a):
            return torch.from_numpy(np.asarray(a, dtype=np.float64))

        x, weights = t(inputs["x"]), [t(w) for w in inputs["weights"]]
        pre, mags = [], []
        a, m = x, x.abs()
        with torch.no_grad():
            for layer, w in zip(self.layers, weights):
                conv = torch.nn.functional.conv2d
                p = conv(a, w, None, **layer.kwargs())
                m = conv(m, w.abs(), None, **layer.kwargs())
                pre.append(p)
                mags.append(m)
                a = p.clamp_min(0) if layer.relu else p
        return {"x": x, "weights": weights, "g": t(inputs["grad_output"]), "pre": pre,
                "forward_magnitudes": mags}

    def magnitude(self, inputs):
        """Not a single number for this case: `check` derives the magnitude
        of every array from the reference."""
        return None

    def check(self, output, reference, magnitude=None):
        """Verdict of a contender's ``(gradients, activations)``: the worst
        of the checks of the module docstring (the first failure, if any)."""
        import torch

        grads, acts = output
        acts = [_as_array(a) for a in acts]
        grads = [_as_array(g) for g in grads]
        if len(acts) != 4 or len(grads) != 6:
            return checks.Verdict(False, float("nan"), float("nan"),
                                  f"{len(grads)} gradients and {len(acts)} activations, "
                                  "expected 6 and 4")
        layers, weights = self.layers, reference["weights"]
        masks = [torch.from_numpy(a > 0) for a in acts]
        grad = torch.nn.grad
        with torch.no_grad():
            # inputs of each layer as the contender saw them (its masks)
            inputs = [reference["x"]] + [p * mk for p, mk in zip(reference["pre"], masks)]
            fmags = [reference["x"].abs()] + reference["forward_magnitudes"]
            expected = [p.clamp_min(0) for p in reference["pre"][:4]]
            magnitudes = [m.amax().item() for m in reference["forward_magnitudes"][:4]]
            g, gm = reference["g"], reference["g"].abs()
            grad_w = [None] * 5
            grad_w_mag = [None] * 5
            for i in reversed(range(5)):
                layer, w = layers[i], weights[i]
                shape = inputs[i].shape
                grad_w[i] = grad.conv2d_weight(inputs[i], w.shape, g, **layer.kwargs())
                grad_w_mag[i] = grad.conv2d_weight(fmags[i], w.shape, gm,
                                                   **layer.kwargs()).amax().item()
                g = grad.conv2d_input(shape, w, g, **layer.kwargs())
                gm = grad.conv2d_input(shape, w.abs(), gm, **layer.kwargs())
                if i > 0:
                    g, gm = g * masks[i - 1], gm * masks[i - 1]
            expected += [g] + grad_w
            magnitudes += [gm.amax().item()] + grad_w_mag
        names = [f"activation {i + 1}" for i in range(4)] + ["grad of the images"] + [
            f"grad_weight {i + 1}" for i in range(5)]
        worst = None
        for name, got, want, taps, mag in zip(names, acts + grads, expected, self.chain_taps(),
                                               magnitudes):
            verdict = checks.check(got, want.numpy(), dtype=self.dtype, taps=taps, magnitude=mag)
            if not verdict.ok:
                return checks.Verdict(False, verdict.error, verdict.bound,
                                      f"{name}: {verdict.reason}")
            if worst is None or verdict.error * worst.bound > worst.error * verdict.bound:
                worst = verdict
        return worst


def _as_array(a):
    """A NumPy array of a contender's result (torch tensors detached)."""
    if hasattr(a, "detach"):
        a = a.detach().numpy()
    return np.asarray(a)


# --------------------------------------------------------------------------
# the contenders' steps
# --------------------------------------------------------------------------

def winograd_pays(layer):
    """True for the layers the 'winograd' step computes by Winograd: dense
    3x3 layers with at least fastconv._winograd.FASTER_MIN_CHANNELS input
    and output channels (below that im2col was faster, docs/guide/winograd.rst)."""
    from fastconv import _winograd

    return (layer.kernel == 3 and layer.groups == 1
            and min(layer.in_channels, layer.out_channels) >= _winograd.FASTER_MIN_CHANNELS)


def fastconv_step(case, inputs, threads=None, method="auto"):
    """A zero-argument callable: the step with fastconv.nn (ReLU and its
    gradient by nn.relu and nn.relu_backward, in place).  method 'winograd': Winograd for the forward
    pass and grad_input of the layers where `winograd_pays`, 'auto' for the
    rest (grad_weight always 'auto')."""
    from fastconv.bench.contenders import load_fastconv_nn

    nn = load_fastconv_nn()
    layers = case.layers
    x, weights, g = inputs["x"], inputs["weights"], inputs["grad_output"]
    if method == "winograd":
        methods = ["winograd" if winograd_pays(layer) else "auto" for layer in layers]
    else:
        methods = [method] * len(layers)

    def call():
        acts = [x]
        a = x
        for layer, w, how in zip(layers, weights, methods):
            a = nn.conv2d(a, w, None, **layer.kwargs(), method=how, threads=threads)
            if layer.relu:
                nn.relu(a, inplace=True, threads=threads)
            acts.append(a)
        grad_w = [None] * len(layers)
        grad = g
        for i in reversed(range(len(layers))):
            grad, grad_w[i], _ = nn.conv2d_backward(grad, acts[i], weights[i],
                                                    **layers[i].kwargs(),
                                                    output_mask=(True, True, False),
                                                    method=methods[i], threads=threads)
            if i > 0:
                nn.relu_backward(grad, acts[i], inplace=True, threads=threads)
        return (grad, *grad_w), tuple(acts[1:-1])

    return call


def torch_step(case, inputs, torch):
    """A zero-argument callable: the step with torch.nn.functional and
    autograd (torch.autograd.grad: no gradients accumulate between calls)."""
    functional = torch.nn.functional
    layers = case.layers
    x = torch.from_numpy(inputs["x"]).requires_grad_(True)
    weights = [torch.from_numpy(w).requires_grad_(True) for w in inputs["weights"]]
    g = torch.from_numpy(inputs["grad_output"])

    def call():
        acts = []
        a = x
        for layer, w in zip(layers, weights):
            a = functional.conv2d(a, w, None, **layer.kwargs())
            if layer.relu:
                a = functional.relu(a)
            acts.append(a)
        grads = torch.autograd.grad(acts[-1], [x, *weights], g)
        return tuple(grads), tuple(a.detach() for a in acts[:-1])

    return call
