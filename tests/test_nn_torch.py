"""fastconv.nn and fastconv.reference against PyTorch (skipped when torch is
not installed; CI does not install it).

The reference is proven against torch.nn.functional and torch.autograd on
generated configurations; the public functions are then compared with torch
directly too, and every bad input fastconv rejects is checked to be
rejected by torch as well.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
F = torch.nn.functional

from fastconv import nn  # noqa: E402
from nn_cases import METHODS, REFERENCE, conv_transposes, convs, random  # noqa: E402
from test_nn_errors import CASES  # noqa: E402

TORCH_CONV = {1: F.conv1d, 2: F.conv2d}
TORCH_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d}
CONV = {1: nn.conv1d, 2: nn.conv2d}
BACKWARD = {1: nn.conv1d_backward, 2: nn.conv2d_backward}


def T(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _torch_layer(conv, x, w, b, g):
    """torch's output and its three gradients for grad_output g."""
    xt, wt = T(x, True), T(w, True)
    bt = None if b is None else T(b, True)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # 'same' with even kernels
        y = TORCH_CONV[conv.nd](xt, wt, bt, **conv.kwargs)
    if g is None:
        return y.detach().numpy(), None
    y.backward(T(g))
    return y.detach().numpy(), (xt.grad.numpy(), wt.grad.numpy(),
                                None if b is None else bt.grad.numpy())


@settings(max_examples=100)
@given(conv=convs(), seed=st.integers(0, 2**32 - 1))
def test_reference_matches_torch(conv, seed):
    rng = np.random.default_rng(seed)
    x, w, b = random(rng, conv.x_shape), random(rng, conv.w_shape), random(rng, (conv.c_out,))
    conv_ref, _, backward_ref = REFERENCE[conv.nd]
    y = conv_ref(x, w, b, **conv.kwargs)
    g = random(rng, y.shape)
    yt, grads_t = _torch_layer(conv, x, w, b, g)
    assert y.shape == yt.shape
    np.testing.assert_allclose(y, yt, rtol=1e-12, atol=1e-12)
    for got, want in zip(backward_ref(g, x, w, **conv.kwargs), grads_t):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@settings(max_examples=100)
@given(conv=conv_transposes(), seed=st.integers(0, 2**32 - 1), with_bias=st.booleans())
def test_reference_transpose_matches_torch(conv, seed, with_bias):
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape), random(rng, conv.w_shape)
    b = random(rng, (conv.c_out,)) if with_bias else None
    y = REFERENCE[conv.nd][1](x, w, b, **conv.kwargs)
    yt = TORCH_CONV_T[conv.nd](T(x), T(w), None if b is None else T(b), **conv.kwargs).numpy()
    assert y.shape == yt.shape
    np.testing.assert_allclose(y, yt, rtol=1e-12, atol=1e-12)


@settings(max_examples=50)
@given(conv=convs(), seed=st.integers(0, 2**32 - 1), method=st.sampled_from(METHODS))
def test_fastconv_matches_torch(conv, seed, method):
    rng = np.random.default_rng(seed)
    x, w, b = random(rng, conv.x_shape), random(rng, conv.w_shape), random(rng, (conv.c_out,))
    y = CONV[conv.nd](x, w, b, **conv.kwargs, method=method)
    g = random(rng, y.shape)
    yt, grads_t = _torch_layer(conv, x, w, b, g)
    np.testing.assert_allclose(y, yt, rtol=1e-12, atol=1e-12)
    for got, want in zip(BACKWARD[conv.nd](g, x, w, **conv.kwargs, method=method), grads_t):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_float32_layer_matches_torch(method):
    """A realistic float32 layer (ResNet-like 3x3, batch 2) against torch's
    float32 result, within a float32 rounding bound."""
    rng = np.random.default_rng(20)
    x, w, b = (random(rng, s, np.float32) for s in ((2, 16, 20, 20), (32, 16, 3, 3), (32,)))
    y = nn.conv2d(x, w, b, padding=1, method=method)
    yt = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1)
    np.testing.assert_allclose(y, yt.numpy(), rtol=1e-4, atol=1e-4)


# the cases of test_nn_errors that are about layer shapes and parameters
# (not fastconv's own dtype / method arguments, not sizes torch cannot even
# allocate), with the torch call that corresponds to each
_TORCH_SKIP = {"integer input", "complex weight", "bool bias", "longdouble", "list of ints",
               "bad method", "output_mask length", "grad_output dtype", "huge output",
               "dilation 2**62", "transposed stride 2**62",
               "transposed stride and padding cancelling",
               "grad_output shape", "grad_output batched for unbatched input",
               "backward channel mismatch"}


class _TorchNN:
    """fastconv.nn's signatures, calling torch (to replay the error cases)."""

    def __getattr__(self, name):
        fn = {"conv1d": F.conv1d, "conv2d": F.conv2d, "conv_transpose1d": F.conv_transpose1d,
              "conv_transpose2d": F.conv_transpose2d}[name]

        def call(*args, **kwargs):
            args = [torch.from_numpy(np.asarray(a)) if isinstance(a, np.ndarray) else a
                    for a in args]
            return fn(*args, **kwargs)
        return call


@pytest.mark.parametrize("case,call", [(c[0], c[1]) for c in CASES if c[0] not in _TORCH_SKIP],
                         ids=[c[0] for c in CASES if c[0] not in _TORCH_SKIP])
def test_torch_rejects_the_same_inputs(case, call, monkeypatch):
    import test_nn_errors
    monkeypatch.setattr(test_nn_errors, "nn", _TorchNN())
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        call()
