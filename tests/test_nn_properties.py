"""Identities the CNN layers must satisfy whatever the method: finite
differences of all three gradients, the adjoint identity, conv_transpose as
grad_input, groups as concatenated convolutions, batch splitting,
output_mask, empty batches, dtypes, and inputs left untouched."""
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastconv
from fastconv import nn
from nn_cases import METHODS, _per_axis, convs, random, relayout

CONV = {1: nn.conv1d, 2: nn.conv2d}
CONV_T = {1: nn.conv_transpose1d, 2: nn.conv_transpose2d}
BACKWARD = {1: nn.conv1d_backward, 2: nn.conv2d_backward}


def _inner(a, b):
    return float(np.sum(np.asarray(a, np.float64) * np.asarray(b, np.float64)))


def _close(a, b, scale, what=""):
    """|a - b| small relative to `scale` (the sum of the absolute terms)."""
    assert abs(a - b) <= 1e-12 * max(scale, 1e-300), f"{what}: {a} != {b} (scale {scale})"


# --------------------------------------------------------------------------
# gradients
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("nd,kwargs", [
    (2, dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)),
    (2, dict(padding="same", dilation=(2, 1), groups=1)),
    (1, dict(stride=3, padding=2, dilation=2, groups=3)),
])
def test_finite_differences(method, nd, kwargs):
    """Central differences of L = <conv(x, w, b), G> in float64 against every
    element of the three gradients.  L is linear in each argument, so the
    difference quotient is exact up to rounding and the tolerance is tight."""
    rng = np.random.default_rng(11)
    groups = kwargs["groups"]
    x = random(rng, (2, 2 * groups) + ((5, 6) if nd == 2 else (11,)))
    w = random(rng, (2 * groups, 2) + ((2, 3) if nd == 2 else (3,)))
    b = random(rng, (2 * groups,))
    conv = CONV[nd]
    G = random(rng, conv(x, w, b, **kwargs, method=method).shape)

    def loss(x, w, b):
        return _inner(conv(x, w, b, **kwargs, method=method), G)

    grads = BACKWARD[nd](G, x, w, **kwargs, method=method)
    h = 0.5
    for name, index, grad in (("input", 0, grads[0]), ("weight", 1, grads[1]),
                              ("bias", 2, grads[2])):
        args = [x, w, b]
        for pos in np.ndindex(args[index].shape):
            plus, minus = [a.copy() for a in args], [a.copy() for a in args]
            plus[index][pos] += h
            minus[index][pos] -= h
            fd = (loss(*plus) - loss(*minus)) / (2 * h)
            scale = np.sum(np.abs(G)) * (1 + np.abs(x).max()) * (1 + np.abs(w).max())
            _close(fd, grad[pos], scale, f"d loss / d {name}{pos} ({method})")


@settings(max_examples=100)
@given(conv=convs(), seed=st.integers(0, 2**32 - 1), method=st.sampled_from(METHODS))
def test_adjoint_identity(conv, seed, method):
    """<conv(x, w), g> == <x, grad_input(g)> == <w, grad_weight(g)> (the
    layer is bilinear), and grad_bias is the sum of g per channel."""
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape), random(rng, conv.w_shape)
    y = CONV[conv.nd](x, w, **conv.kwargs, method=method)
    g = random(rng, y.shape)
    gx, gw, gb = BACKWARD[conv.nd](g, x, w, **conv.kwargs, method=method)
    lhs = _inner(y, g)
    scale = _inner(CONV[conv.nd](np.abs(x), np.abs(w), **conv.kwargs), np.abs(g))
    _close(lhs, _inner(x, gx), scale, "<x, grad_input>")
    _close(lhs, _inner(w, gw), scale, "<w, grad_weight>")
    channel_axis = 0 if conv.batch is None else 1
    np.testing.assert_allclose(gb, g.sum(axis=tuple(i for i in range(g.ndim) if i != channel_axis)),
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=100)
@given(conv=convs(), seed=st.integers(0, 2**32 - 1), method=st.sampled_from(METHODS))
def test_conv_transpose_is_grad_input(conv, seed, method):
    """conv_transpose(g, w) with the output_padding that restores x's size is
    exactly conv's grad_input (the same kernel, bit for bit)."""
    if isinstance(conv.padding, str):
        return   # conv_transpose takes numeric padding only
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape), random(rng, conv.w_shape)
    g = random(rng, conv.y_shape)
    gx, _, _ = BACKWARD[conv.nd](g, x, w, **conv.kwargs, output_mask=(True, False, False),
                                 method=method)
    nd = conv.nd
    s, p, d = (_per_axis(v, nd) for v in (conv.stride, conv.padding, conv.dilation))
    op = tuple((n + 2 * pp - dd * (k - 1) - 1) % ss
               for n, pp, dd, k, ss in zip(conv.sizes, p, d, conv.kernel, s))
    if any(o >= max(ss, dd) for o, ss, dd in zip(op, s, d)):
        return   # that size is not reachable by output_padding (torch's rule)
    t = CONV_T[nd](g, w, stride=conv.stride, padding=conv.padding, output_padding=op,
                   groups=conv.groups, dilation=conv.dilation, method=method)
    np.testing.assert_array_equal(t, gx)


# --------------------------------------------------------------------------
# structure: groups, batches
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_groups_are_concatenated_convolutions(method):
    rng = np.random.default_rng(12)
    G, cg, og = 3, 2, 4
    x, w = random(rng, (2, G * cg, 7, 8)), random(rng, (G * og, cg, 3, 2))
    b = random(rng, (G * og,))
    kwargs = dict(stride=(1, 2), padding=1, dilation=(2, 1))
    y = nn.conv2d(x, w, b, groups=G, **kwargs, method=method)
    parts = [nn.conv2d(x[:, i * cg:(i + 1) * cg], w[i * og:(i + 1) * og], b[i * og:(i + 1) * og],
                       **kwargs, method=method) for i in range(G)]
    np.testing.assert_allclose(y, np.concatenate(parts, axis=1), rtol=1e-14, atol=1e-14)

    g = random(rng, y.shape)
    gx, gw, gb = nn.conv2d_backward(g, x, w, groups=G, **kwargs, method=method)
    for i in range(G):
        px, pw, pb = nn.conv2d_backward(g[:, i * og:(i + 1) * og], x[:, i * cg:(i + 1) * cg],
                                        w[i * og:(i + 1) * og], **kwargs, method=method)
        np.testing.assert_allclose(gx[:, i * cg:(i + 1) * cg], px, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(gw[i * og:(i + 1) * og], pw, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(gb[i * og:(i + 1) * og], pb, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_batch_split_equals_whole(method):
    """Images are independent: two halves of a batch give the two halves of
    the result; the weight and bias gradients are the sums of the halves'."""
    rng = np.random.default_rng(13)
    x, w, b = random(rng, (5, 3, 6, 7)), random(rng, (4, 3, 3, 3)), random(rng, (4,))
    kwargs = dict(stride=2, padding=(2, 1))
    y = nn.conv2d(x, w, b, **kwargs, method=method)
    np.testing.assert_array_equal(
        y, np.concatenate([nn.conv2d(x[:2], w, b, **kwargs, method=method),
                           nn.conv2d(x[2:], w, b, **kwargs, method=method)]))
    g = random(rng, y.shape)
    whole = nn.conv2d_backward(g, x, w, **kwargs, method=method)
    a = nn.conv2d_backward(g[:2], x[:2], w, **kwargs, method=method)
    c = nn.conv2d_backward(g[2:], x[2:], w, **kwargs, method=method)
    np.testing.assert_array_equal(whole[0], np.concatenate([a[0], c[0]]))
    np.testing.assert_allclose(whole[1], a[1] + c[1], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(whole[2], a[2] + c[2], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_unbatched_is_batch_of_one(method):
    rng = np.random.default_rng(14)
    x, w, b = random(rng, (3, 6, 7)), random(rng, (4, 3, 3, 3)), random(rng, (4,))
    y = nn.conv2d(x, w, b, padding="same", method=method)
    assert y.shape == (4, 6, 7)
    np.testing.assert_array_equal(y, nn.conv2d(x[None], w, b, padding="same", method=method)[0])
    g = random(rng, y.shape)
    gx, gw, gb = nn.conv2d_backward(g, x, w, padding="same", method=method)
    assert gx.shape == x.shape
    ref = nn.conv2d_backward(g[None], x[None], w, padding="same", method=method)
    np.testing.assert_array_equal(gx, ref[0][0])
    np.testing.assert_array_equal(gw, ref[1])
    t = nn.conv_transpose1d(x[:, 0], w[:3, :, 0], method=method)
    assert t.shape == (3, 9)


# --------------------------------------------------------------------------
# output_mask, empty inputs
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mask", [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)])
def test_output_mask(mask, monkeypatch):
    """Masked-out gradients are None and are not computed at all (their
    kernels are never called); the others equal the full call's."""
    rng = np.random.default_rng(15)
    x, w = random(rng, (2, 2, 5, 5)), random(rng, (3, 2, 2, 2))
    g = random(rng, (2, 3, 4, 4))
    full = nn.conv2d_backward(g, x, w)
    calls = []
    ext = nn._ext
    for name in ("conv2d_grad_input", "conv2d_grad_weight"):
        original = getattr(ext, name)
        monkeypatch.setattr(ext, name, lambda *a, _f=original, _n=name: (calls.append(_n), _f(*a)))
    got = nn.conv2d_backward(g, x, w, output_mask=tuple(bool(m) for m in mask))
    for wanted, value, reference in zip(mask, got, full):
        if wanted:
            np.testing.assert_array_equal(value, reference)
        else:
            assert value is None
    assert ("conv2d_grad_input" in calls) == bool(mask[0])
    assert ("conv2d_grad_weight" in calls) == bool(mask[1])


@pytest.mark.parametrize("method", METHODS)
def test_empty_batch(method):
    x, w, b = np.zeros((0, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones(4)
    y = nn.conv2d(x, w, b, stride=2, method=method)
    assert y.shape == (0, 4, 2, 2)
    gx, gw, gb = nn.conv2d_backward(np.zeros((0, 4, 2, 2)), x, w, stride=2, method=method)
    assert gx.shape == (0, 3, 5, 5)
    np.testing.assert_array_equal(gw, np.zeros((4, 3, 3, 3)))
    np.testing.assert_array_equal(gb, np.zeros(4))
    assert nn.conv_transpose1d(np.zeros((0, 3, 4)), np.ones((3, 2, 2)), method=method).shape \
        == (0, 2, 5)
    assert nn.conv1d(np.zeros((0, 3, 4)), np.ones((2, 3, 2)), method=method).shape == (0, 2, 3)


@pytest.mark.parametrize("method", METHODS)
def test_zero_input_channels(method):
    """C_in = 0 with a matching weight: every output is the empty sum plus the
    bias (torch returns a differently shaped empty tensor; see README)."""
    y = nn.conv2d(np.zeros((2, 0, 4, 4)), np.zeros((3, 0, 2, 2)), np.arange(3.0), method=method)
    np.testing.assert_array_equal(y, np.broadcast_to(np.arange(3.0)[:, None, None], (2, 3, 3, 3)))
    gx, gw, gb = nn.conv2d_backward(np.ones((2, 3, 3, 3)), np.zeros((2, 0, 4, 4)),
                                    np.zeros((3, 0, 2, 2)), method=method)
    assert gx.shape == (2, 0, 4, 4) and gw.shape == (3, 0, 2, 2)
    np.testing.assert_array_equal(gb, [18.0, 18.0, 18.0])


# --------------------------------------------------------------------------
# dtypes, layouts, threads
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_float16_computed_in_float32(method):
    rng = np.random.default_rng(16)
    x, w = random(rng, (2, 3, 6, 6), np.float16), random(rng, (4, 3, 3, 3), np.float16)
    y = nn.conv2d(x, w, method=method)
    assert y.dtype == np.float16
    want = nn.conv2d(x.astype(np.float32), w.astype(np.float32), method=method).astype(np.float16)
    np.testing.assert_array_equal(y, want)
    grads = nn.conv2d_backward(y, x, w, method=method)
    assert all(g.dtype == np.float16 for g in grads)


@pytest.mark.parametrize("types,result", [
    ((np.float32, np.float64), np.float64),
    ((np.float16, np.float32), np.float32),
    ((np.float16, np.float16), np.float16),
    ((">f4", "<f4"), np.float32),
])
def test_mixed_dtypes_promote_like_numpy(types, result):
    x = np.ones((1, 2, 4), dtype=types[0])
    w = np.ones((1, 2, 2), dtype=types[1])
    y = nn.conv1d(x, w)
    assert y.dtype == result and y.dtype.isnative
    np.testing.assert_array_equal(y, np.full((1, 1, 3), 4.0))
    assert nn.conv1d(x, w, np.ones(1, dtype=np.float64)).dtype == np.float64
    assert all(g.dtype == result for g in nn.conv1d_backward(y, x, w))


@pytest.mark.parametrize("layout", ["F", "strided", "reversed", "readonly"])
@pytest.mark.parametrize("method", METHODS)
def test_layouts_and_inputs_untouched(layout, method):
    """Every layout gives the C-order result, inputs are never written, and
    outputs are new C-contiguous arrays."""
    rng = np.random.default_rng(17)
    x, w, b = random(rng, (2, 4, 6, 5)), random(rng, (4, 2, 3, 2)), random(rng, (4,))
    kwargs = dict(stride=(2, 1), padding=1, groups=2)
    y = nn.conv2d(x, w, b, **kwargs, method=method)
    g = random(rng, y.shape)
    grads = nn.conv2d_backward(g, x, w, **kwargs, method=method)
    args = [relayout(a, layout) for a in (x, w, b, g)]
    copies = [a.copy() for a in args]
    y2 = nn.conv2d(args[0], args[1], args[2], **kwargs, method=method)
    grads2 = nn.conv2d_backward(args[3], args[0], args[1], **kwargs, method=method)
    t = nn.conv_transpose2d(args[3], args[1], None, **kwargs, output_padding=(1, 0),
                            method=method)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)
    for got, want in zip((y2,) + grads2, (y,) + grads):
        np.testing.assert_array_equal(got, want)
        assert got.flags.c_contiguous and got.flags.writeable
        assert not any(np.shares_memory(got, a) for a in args)
    np.testing.assert_array_equal(t, grads[0])


def test_expanded_and_channels_last_weight():
    """A zero-stride (broadcast) weight and a channels-last permuted weight
    give the same result as contiguous copies."""
    rng = np.random.default_rng(18)
    x = random(rng, (1, 3, 6, 6))
    w = np.broadcast_to(random(rng, (1, 3, 3, 3)), (5, 3, 3, 3))
    np.testing.assert_array_equal(nn.conv2d(x, w), nn.conv2d(x, np.ascontiguousarray(w)))
    nhwc = np.ascontiguousarray(random(rng, (5, 3, 3, 3)).transpose(0, 2, 3, 1))
    w_nhwc = nhwc.transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(nn.conv2d(x, w_nhwc), nn.conv2d(x, np.ascontiguousarray(w_nhwc)))


def test_threads_give_the_same_results():
    """Calls from several Python threads at once (the GIL is released while C
    runs) give the single-threaded results."""
    rng = np.random.default_rng(19)
    x, w = random(rng, (4, 8, 24, 24), np.float32), random(rng, (8, 8, 3, 3), np.float32)
    want = {m: nn.conv2d(x, w, padding=1, method=m) for m in ("direct", "im2col")}
    errors = []

    def work(method):
        for _ in range(5):
            if not np.array_equal(nn.conv2d(x, w, padding=1, method=method), want[method]):
                errors.append(method)

    threads = [threading.Thread(target=work, args=(m,)) for m in ("direct", "im2col") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def _long_call(make, min_seconds=0.04):
    """make(batch) -> a call; the call with the smallest power-of-two batch
    that takes at least min_seconds here (so the test does not depend on the
    machine's speed)."""
    batch = 1
    while True:
        call = make(batch)
        t0 = time.perf_counter()
        call()
        if time.perf_counter() - t0 >= min_seconds or batch >= 256:
            return call
        batch *= 2


@pytest.mark.parametrize("op", ["forward", "grad_input", "grad_weight"])
@pytest.mark.parametrize("method", ["direct", "im2col"])
def test_gil_is_released_while_the_kernels_run(method, op):
    """A heartbeat thread keeps ticking during one long call only if the GIL
    is free while C runs."""
    rng = np.random.default_rng(20)
    w = random(rng, (16, 16, 3, 3))
    mask = {"grad_input": (True, False, False), "grad_weight": (False, True, False)}

    def make(batch):
        x, g = random(rng, (batch, 16, 64, 64)), random(rng, (batch, 16, 62, 62))
        # one thread: OpenMP threads would compete with the heartbeat for the cores
        if op == "forward":
            return lambda: nn.conv2d(x, w, method=method, threads=1)
        return lambda: nn.conv2d_backward(g, x, w, output_mask=mask[op], method=method,
                                          threads=1)

    call = _long_call(make)
    ticks, stop = [], threading.Event()

    def heartbeat():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=heartbeat)
    thread.start()
    time.sleep(0.01)
    t0 = time.perf_counter()
    call()
    t1 = time.perf_counter()
    stop.set()
    thread.join()
    during = [t for t in ticks if t0 < t < t1]
    # with the GIL held the heartbeat could not tick at all during the call
    assert len(during) >= 3, f"heartbeat ticked {len(during)} times in {t1 - t0:.3f} s"


def test_tile_budget_setting():
    old = fastconv.set_nn_tile_bytes(1 << 16)
    try:
        assert fastconv.nn_tile_bytes() == 1 << 16
        with pytest.raises(ValueError, match="positive"):
            fastconv.set_nn_tile_bytes(0)
    finally:
        fastconv.set_nn_tile_bytes(old)
    assert fastconv.nn_tile_bytes() == old


def test_tile_budget_from_environment():
    """FASTCONV_NN_TILE_MB is read at import (in a fresh interpreter)."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, FASTCONV_NN_TILE_MB="0.5")
    out = subprocess.run([sys.executable, "-c", "import fastconv; print(fastconv.nn_tile_bytes())"],
                         env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) == 2**19
