"""fastconv.nn against the plain-Python reference: every method, every layer,
generated configurations (stride, padding incl. 'same'/'valid', dilation,
groups incl. depthwise, batch 0/1/n and unbatched, 1-D and 2-D), any memory
layout of the inputs; float64 and float32 results within the scaled
tolerance of a float64 reference."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastconv import _isa, nn
from helpers import assert_scaled_close
from nn_cases import (LAYOUTS, METHODS, REFERENCE, backward_exact,
                      conv_transposes, convs, dense_kernel_runs, forward_exact, random, relayout,
                      terms_backward, terms_forward, wide_convs)

CONV = {1: nn.conv1d, 2: nn.conv2d}
CONV_T = {1: nn.conv_transpose1d, 2: nn.conv_transpose2d}
BACKWARD = {1: nn.conv1d_backward, 2: nn.conv2d_backward}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(conv=convs(), seed=st.integers(0, 2**32 - 1), with_bias=st.booleans(),
       layout=st.sampled_from(LAYOUTS))
def test_forward_matches_reference(dtype, conv, seed, with_bias, layout):
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape, dtype), random(rng, conv.w_shape, dtype)
    b = random(rng, (conv.c_out,), dtype) if with_bias else None
    exact, magnitude = forward_exact(REFERENCE[conv.nd][0], x, w, b, **conv.kwargs)
    assert exact.shape == conv.y_shape
    for method in METHODS:
        got = CONV[conv.nd](relayout(x, layout), relayout(w, layout), b, **conv.kwargs,
                            method=method)
        assert got.dtype == dtype and got.flags.c_contiguous
        assert_scaled_close(got, exact, magnitude, terms_forward(conv), dtype,
                            what=f"{method} {conv}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(conv=conv_transposes(), seed=st.integers(0, 2**32 - 1), with_bias=st.booleans(),
       layout=st.sampled_from(LAYOUTS))
def test_transpose_matches_reference(dtype, conv, seed, with_bias, layout):
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape, dtype), random(rng, conv.w_shape, dtype)
    b = random(rng, (conv.c_out,), dtype) if with_bias else None
    exact, magnitude = forward_exact(REFERENCE[conv.nd][1], x, w, b, **conv.kwargs)
    terms = conv.c_in // conv.groups * int(np.prod(conv.kernel)) + 1
    for method in METHODS:
        got = CONV_T[conv.nd](relayout(x, layout), relayout(w, layout), b, **conv.kwargs,
                              method=method)
        assert got.dtype == dtype and got.flags.c_contiguous
        assert_scaled_close(got, exact, magnitude, terms, dtype, what=f"{method} {conv}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(conv=convs(), seed=st.integers(0, 2**32 - 1), layout=st.sampled_from(LAYOUTS))
def test_backward_matches_reference(dtype, conv, seed, layout):
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape, dtype), random(rng, conv.w_shape, dtype)
    gy = random(rng, conv.y_shape, dtype)
    exact, magnitude = backward_exact(REFERENCE[conv.nd][2], gy, x, w, **conv.kwargs)
    for method in METHODS:
        got = BACKWARD[conv.nd](relayout(gy, layout), relayout(x, layout), relayout(w, layout),
                                **conv.kwargs, method=method)
        for name, g, e, m, k in zip(("grad_input", "grad_weight", "grad_bias"), got, exact,
                                    magnitude, terms_backward(conv)):
            assert g.dtype == dtype and g.flags.c_contiguous
            assert_scaled_close(g, e, m, k, dtype, what=f"{name} {method} {conv}")


@pytest.mark.parametrize("method", METHODS)
def test_depthwise_strided_dilated_2d(method):
    """A depthwise layer with every parameter different per axis (a fixed case
    next to the generated ones)."""
    rng = np.random.default_rng(7)
    x, w, b = random(rng, (2, 4, 9, 11)), random(rng, (8, 1, 3, 2)), random(rng, (8,))
    kwargs = dict(stride=(2, 3), padding=(1, 2), dilation=(2, 1), groups=4)
    exact, magnitude = forward_exact(REFERENCE[2][0], x, w, b, **kwargs)
    assert_scaled_close(nn.conv2d(x, w, b, **kwargs, method=method), exact, magnitude, 7)
    gy = random(rng, exact.shape)
    grads, mags = backward_exact(REFERENCE[2][2], gy, x, w, **kwargs)
    for got, e, m in zip(nn.conv2d_backward(gy, x, w, **kwargs, method=method), grads, mags):
        assert_scaled_close(got, e, m, 2 * 4 * 5 * 6)


@pytest.mark.parametrize("method", METHODS)
def test_pointwise_layer(method):
    """1x1 stride-1 unpadded layers: the im2col method skips im2col (a plain
    GEMM on the NCHW data) and must still match."""
    rng = np.random.default_rng(8)
    x, w, b = random(rng, (3, 6, 5, 7)), random(rng, (4, 3, 1, 1)), random(rng, (4,))
    exact, magnitude = forward_exact(REFERENCE[2][0], x, w, b, groups=2)
    assert_scaled_close(nn.conv2d(x, w, b, groups=2, method=method), exact, magnitude, 4)
    gy = random(rng, exact.shape)
    grads, mags = backward_exact(REFERENCE[2][2], gy, x, w, groups=2)
    for got, e, m in zip(nn.conv2d_backward(gy, x, w, groups=2, method=method), grads, mags):
        assert_scaled_close(got, e, m, 3 * 35)


@pytest.mark.parametrize("method", METHODS)
def test_large_stride_leaves_zero_gradient(method):
    """Stride larger than the kernel: input positions no output reads get
    exactly zero gradient, not garbage."""
    x, w = np.ones((1, 1, 7, 7)), np.ones((1, 1, 2, 2))
    gx, _, _ = nn.conv2d_backward(np.ones((1, 1, 2, 2)), x, w, stride=4, method=method)
    expected = np.zeros((7, 7))
    expected[0:2, 0:2] = expected[4:6, 4:6] = expected[0:2, 4:6] = expected[4:6, 0:2] = 1
    np.testing.assert_array_equal(gx[0, 0], expected)


@pytest.mark.parametrize("method", ["direct", "im2col"])
def test_im2col_tiles_do_not_change_the_result(method, monkeypatch):
    """A tile budget so small that the column matrix is cut into many tiles
    (and the tap dimension too) gives the same values as one big tile."""
    from fastconv import _config
    rng = np.random.default_rng(9)
    x, w, b = random(rng, (2, 3, 10, 9)), random(rng, (4, 3, 3, 3)), random(rng, (4,))
    kwargs = dict(stride=(1, 2), padding=1, dilation=(2, 1))
    y = nn.conv2d(x, w, b, **kwargs, method=method)
    gy = random(rng, y.shape)
    grads = nn.conv2d_backward(gy, x, w, **kwargs, method=method)
    for budget in (8, 200, 8 * 27 * 5):
        monkeypatch.setattr(_config, "_nn_tile_bytes", budget)
        np.testing.assert_allclose(nn.conv2d(x, w, b, **kwargs, method=method), y,
                                   rtol=1e-13, atol=1e-13)
        for got, want in zip(nn.conv2d_backward(gy, x, w, **kwargs, method=method), grads):
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


def test_tile_shape_respects_budget():
    """The column-matrix tiles of every layer, one per thread, fit the budget
    together, whatever the batch size and thread count; 1x1 layers need none."""
    from fastconv._ext import _nn as ext
    from fastconv._nn_shapes import conv_layer
    for batch in (1, 64, 4096):
        layer = conv_layer("conv2d", 2, (batch, 64, 56, 56), (64, 64, 3, 3), None, 1, 1, 1, 1)
        for op in ("forward", "grad_input", "grad_weight"):
            for threads in (1, 2, 8):
                rows, positions = ext.im2col_tile_shape(tuple(layer.geometry), 4, 8 << 20,
                                                        op, threads)
                assert 1 <= rows <= 64 * 9 and rows * positions * 4 * threads <= 8 << 20
    layer = conv_layer("conv2d", 2, (1, 4096, 9, 9), (8, 4096, 7, 7), None, 1, 0, 1, 1)
    rows, positions = ext.im2col_tile_shape(tuple(layer.geometry), 8, 1 << 20)
    assert rows < 4096 * 49 and rows * positions * 8 <= 1 << 20 and positions == 9
    layer = conv_layer("conv2d", 2, (1, 8, 9, 9), (8, 8, 1, 1), None, 1, 0, 1, 1)
    assert ext.im2col_tile_shape(tuple(layer.geometry), 8, 1 << 20) == (0, 0)


WIDE = wide_convs()


@settings(max_examples=100)
@given(conv=WIDE, seed=st.integers(0, 2**32 - 1), with_bias=st.booleans())
def test_direct_forward_is_the_reference_bit_for_bit(conv, seed, with_bias):
    """In float64 the direct kernel does the reference's arithmetic: the same
    products, summed over (c, r, q) in the same order, padding skipped, bias
    added last; tiles, edge columns and segments must all give the
    reference's bits, at every level where the layer is not a dense
    kernel's (those fuse multiply-adds: tests/test_nn_dense_kernel.py checks
    them against the bound)."""
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape), random(rng, conv.w_shape)
    b = random(rng, (conv.c_out,)) if with_bias else None
    want = REFERENCE[conv.nd][0](x, w, b, **conv.kwargs)
    for level in _isa.available():
        if dense_kernel_runs("forward", conv, level):
            continue
        old = _isa.set_isa(level)
        try:
            got = CONV[conv.nd](x, w, b, **conv.kwargs, method="direct")
        finally:
            _isa.set_isa(old)
        np.testing.assert_array_equal(got, want, err_msg=level)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=60)
@given(conv=WIDE, seed=st.integers(0, 2**32 - 1))
def test_wide_rows_backward(dtype, conv, seed):
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape, dtype), random(rng, conv.w_shape, dtype)
    gy = random(rng, conv.y_shape, dtype)
    exact, magnitude = backward_exact(REFERENCE[conv.nd][2], gy, x, w, **conv.kwargs)
    for method in METHODS:
        got = BACKWARD[conv.nd](gy, x, w, **conv.kwargs, method=method)
        for name, g, e, m, k in zip(("grad_input", "grad_weight", "grad_bias"), got, exact,
                                    magnitude, terms_backward(conv)):
            assert_scaled_close(g, e, m, k, dtype, what=f"{name} {method} {conv}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=60)
@given(conv=WIDE, seed=st.integers(0, 2**32 - 1))
def test_wide_rows_forward_float(dtype, conv, seed):
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape, dtype), random(rng, conv.w_shape, dtype)
    exact, magnitude = forward_exact(REFERENCE[conv.nd][0], x, w, None, **conv.kwargs)
    for method in METHODS:
        assert_scaled_close(CONV[conv.nd](x, w, **conv.kwargs, method=method), exact, magnitude,
                            terms_forward(conv), dtype, what=f"{method} {conv}")


@pytest.mark.parametrize("method", ["direct", "auto"])
def test_grad_weight_does_not_read_past_grad_output(method):
    # issue 11, defect 1: a left padding wider than the output made the direct
    # grad_weight kernel read grad_output[2] from the buffer it is a view of
    x = np.array([[[1.0, 2.0]]])
    w = np.ones((1, 1, 7))
    buf = np.array([1.0, 1.0, 100.0, 1000.0])
    gy = buf[:2].reshape(1, 1, 2)
    got = nn.conv1d_backward(gy, x, w, padding="same", method=method)[1]
    np.testing.assert_array_equal(got, [[[0, 0, 1, 3, 2, 0, 0]]])
    gy2 = np.full((1, 1, 2, 2), 1.0)
    buf2 = np.full(32, 1e6)
    buf2[:4] = 1.0
    got2 = nn.conv2d_backward(buf2[:4].reshape(1, 1, 2, 2), np.ones((1, 1, 2, 2)),
                              np.ones((1, 1, 7, 7)), padding="same", method=method)[1]
    want2 = nn.conv2d_backward(gy2, np.ones((1, 1, 2, 2)), np.ones((1, 1, 7, 7)),
                               padding="same", method="im2col")[1]
    np.testing.assert_array_equal(got2, want2)
