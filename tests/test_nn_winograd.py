"""fastconv.nn's Winograd method (method='winograd', fastconv/_winograd.py,
csrc/nn/winograd.c) against the plain-Python reference: forward,
conv_transpose2d and grad_input of 3x3 stride-1 layers, every tile size,
generated shapes (padding int / tuple / 'valid' / 'same', groups, batch
0/1/n and unbatched, bias), float32 and float64, tiny workspace budgets,
the same bits at every thread count.

Tolerance.  Winograd's transforms mix the inputs of a whole (m+2) x (m+2)
input tile before the products, so an output's error follows the size of
its tile's inputs, not only of the inputs its own window reads: the
elementwise bound of docs/guide/accuracy.rst does not hold for it when values
of very different magnitudes sit side by side (test_elementwise_bound_fails
shows one case; docs/guide/winograd.rst has the measurements).  The bound
checked here is the same with |x| replaced by the largest |x| of the
output's input tile (fastconv._winograd.tile_magnitude, "tmag"):

    |got - exact| <= c_m * K * eps * tmag + eps * |exact|

K the multiply-adds per output, c_m per tile size: about 3x the worst
case measured over 300 generated layers of mixed magnitude
(bench/winograd_accuracy.py).  A wrong result (a tap, a tile or a channel
missed) is off by about |exact|, far outside.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fastconv import _config, _isa, _winograd, nn, reference
from fastconv._nn_shapes import Geometry
from nn_cases import Conv, forward_exact, relayout

# c_m of the bound above (measured worst case: docs/guide/winograd.rst)
TILE_BOUND_C = {2: 1.0, 4: 20.0, 6: 48.0}

TILES = _winograd.TILE_SIZES


# the tile fixture only sets a module constant, the same for every example
_FIXTURE_OK = [HealthCheck.function_scoped_fixture]


@pytest.fixture(params=TILES, ids=lambda m: f"F{m}x{m}")
def tile(request, monkeypatch):
    monkeypatch.setattr(_winograd, "DEFAULT_TILE", request.param)
    return request.param


def assert_tile_close(got, exact, tmag, n_terms, tile, dtype, bias=None, what=""):
    """|got - exact| <= c_m K eps (tmag + |bias|) + eps |exact|, elementwise."""
    got, exact = np.asarray(got), np.asarray(exact)
    assert got.shape == exact.shape, f"{what}: shape {got.shape} != {exact.shape}"
    assert got.dtype == dtype, what
    if got.size == 0:
        return
    eps = np.finfo(dtype).eps
    if got.ndim == 3:                      # unbatched
        got, exact = got[None], exact[None]
    scale = tmag if bias is None else tmag + np.abs(bias.astype(np.float64))[:, None, None]
    err = np.abs(got.astype(np.float64) - exact)
    bound = (TILE_BOUND_C[tile] * max(n_terms, 1) * eps * scale + eps * np.abs(exact)
             + np.finfo(np.float64).tiny)
    bad = err > bound
    assert not np.any(bad), (f"{what}: F({tile}) {int(bad.sum())} outputs outside the tile "
                             f"bound; worst error {err[bad].max():.3g}, bound there "
                             f"{bound[bad][np.argmax(err[bad])]:.3g} (K={n_terms})")


def _pads(padding, sizes):
    """((top, bottom), (left, right)) of a conv2d padding argument."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return ((1, 1), (1, 1))
    p = (padding, padding) if isinstance(padding, int) else padding
    return ((p[0], p[0]), (p[1], p[1]))


def _batched(a, conv):
    return a if conv.batch is not None else a[None]


@st.composite
def winograd_convs(draw, max_channels=4, max_size=13):
    """A valid 3x3 stride-1 dilation-1 conv2d configuration."""
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    batch = draw(st.sampled_from([None, 0, 1, 2, 3]))
    choice = draw(st.sampled_from(["int", "tuple", "valid", "same"]))
    if choice in ("valid", "same"):
        padding, pad = choice, (0, 0)
    else:
        pad = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
        if choice == "int":
            pad = (pad[0], pad[0])
        padding = pad[0] if choice == "int" else pad
    sizes = tuple(draw(st.integers(max(1, 3 - 2 * p) if padding != "same" else 1, max_size))
                  for p in pad)
    return Conv(2, batch, groups, cg * groups, og * groups, sizes, (3, 3), 1, padding, 1)


def mixed(rng, shape, dtype):
    """Standard normals times 10**u, u uniform in [-2, 2]: neighbours of
    very different magnitudes, the hard case for Winograd's transforms."""
    return (rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 2, size=shape)).astype(dtype)


def _terms(conv):
    return conv.c_in // conv.groups * 9 + 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(conv=winograd_convs(), seed=st.integers(0, 2**32 - 1), with_bias=st.booleans(),
       layout=st.sampled_from(["C", "F", "strided"]))
def test_forward_matches_reference(tile, dtype, conv, seed, with_bias, layout):
    rng = np.random.default_rng(seed)
    x, w = mixed(rng, conv.x_shape, dtype), mixed(rng, conv.w_shape, dtype)
    b = mixed(rng, (conv.c_out,), dtype) if with_bias else None
    exact, magnitude = forward_exact(reference.conv2d, x, w, b, **conv.kwargs)
    got = nn.conv2d(relayout(x, layout), relayout(w, layout), b, **conv.kwargs,
                    method="winograd")
    assert got.flags.c_contiguous and got.shape == conv.y_shape
    tmag = _winograd.tile_magnitude(_batched(x, conv), w, _pads(conv.padding, conv.sizes),
                                    tile, conv.groups)
    assert_tile_close(_batched(got, conv), _batched(exact, conv), tmag, _terms(conv), tile,
                      dtype, b, what=str(conv))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(conv=winograd_convs(), seed=st.integers(0, 2**32 - 1), with_bias=st.booleans())
def test_transpose_matches_reference(tile, dtype, conv, seed, with_bias):
    """conv_transpose2d with stride 1: the grad_input kernel, plus a bias."""
    padding = conv.padding if not isinstance(conv.padding, str) else 1
    pads = (padding,) * 2 if isinstance(padding, int) else padding
    assume(all(n + 2 - 2 * p > 0 for n, p in zip(conv.sizes, pads)))
    rng = np.random.default_rng(seed)
    # conv_transpose2d's input has the layer's output channels
    x = mixed(rng, ((conv.batch,) if conv.batch is not None else ()) + (conv.c_out,)
               + conv.sizes, dtype)
    w = mixed(rng, (conv.c_out, conv.c_in // conv.groups, 3, 3), dtype)
    b = mixed(rng, (conv.c_in,), dtype) if with_bias else None
    kwargs = dict(padding=padding, groups=conv.groups)
    exact, _ = forward_exact(reference.conv_transpose2d, x, w, b, **kwargs)
    got = nn.conv_transpose2d(x, w, b, **kwargs, method="winograd")
    tmag = _winograd.tile_magnitude(_batched(x, conv), w, _pads(padding, conv.sizes), tile,
                                    conv.groups, grad_input=True)
    assert_tile_close(_batched(got, conv), _batched(exact, conv), tmag,
                      conv.c_out // conv.groups * 9 + 1, tile, dtype, b,
                      what=f"transpose {conv}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=30, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(conv=winograd_convs(), seed=st.integers(0, 2**32 - 1))
def test_backward_matches_reference(tile, dtype, conv, seed):
    """grad_input by Winograd; grad_weight and grad_bias by the 'auto' rule."""
    rng = np.random.default_rng(seed)
    x, w = mixed(rng, conv.x_shape, dtype), mixed(rng, conv.w_shape, dtype)
    gy = mixed(rng, conv.y_shape, dtype)
    gy64, x64, w64 = (a.astype(np.float64) for a in (gy, x, w))
    exact = reference.conv2d_backward(gy64, x64, w64, **conv.kwargs)
    got = nn.conv2d_backward(gy, x, w, **conv.kwargs, method="winograd")
    tmag = _winograd.tile_magnitude(_batched(gy, conv), w, _pads(conv.padding, conv.sizes),
                                    tile, conv.groups, grad_input=True)
    assert_tile_close(_batched(got[0], conv), _batched(exact[0], conv), tmag,
                      conv.c_out // conv.groups * 9, tile, dtype, what=f"grad_input {conv}")
    expected_weight = nn.conv2d_backward(gy, x, w, **conv.kwargs, method="auto",
                                         output_mask=(False, True, True))
    np.testing.assert_array_equal(got[1], expected_weight[1])
    np.testing.assert_array_equal(got[2], expected_weight[2])


@pytest.mark.parametrize("budget", [1, 3000, 40000])
def test_small_budgets_block_channels_and_tiles(tile, budget, monkeypatch):
    """Budgets that force channel blocks (accumulated in y), tile blocks and
    a last partial block give the same values as the whole-call workspace."""
    rng = np.random.default_rng(budget + tile)
    x = rng.standard_normal((3, 20, 11, 9))
    w = rng.standard_normal((18, 10, 3, 3))
    b = rng.standard_normal(18)
    dy = rng.standard_normal((3, 18, 11, 9))
    want = nn.conv2d(x, w, b, padding=1, groups=2, method="winograd")
    want_dx = nn.conv2d_backward(dy, x, w, padding=1, groups=2, method="winograd")[0]
    monkeypatch.setattr(_config, "_nn_tile_bytes", budget)
    g = Geometry(3, 2, 20, 11, 9, 18, 11, 9, 3, 3, 1, 1, 1, 1, 1, 1)
    tiles, cb, ob, nbytes = _winograd.workspace(g, tile=tile, itemsize=8)
    assert 1 <= cb <= 10 and 1 <= ob <= 9 and tiles >= 1
    assert nbytes <= max(budget, (tile + 2) ** 2 * (1 + 2) * 8)
    np.testing.assert_allclose(nn.conv2d(x, w, b, padding=1, groups=2, method="winograd"),
                               want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        nn.conv2d_backward(dy, x, w, padding=1, groups=2, method="winograd")[0],
        want_dx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("budget", [3000, 40000, None])
def test_threads_identical_over_tile_and_channel_blocks(tile, budget, dtype, monkeypatch):
    """threads=1, 2, 3 give the same bits, forward and grad_input, when the
    budget splits the tiles into many blocks (shared between the threads)
    and the channels into blocks (added in order)."""
    if budget is not None:
        monkeypatch.setattr(_config, "_nn_tile_bytes", budget)
    rng = np.random.default_rng(tile)
    x = mixed(rng, (3, 20, 13, 10), dtype)
    w = rng.standard_normal((18, 10, 3, 3)).astype(dtype)
    b = rng.standard_normal(18).astype(dtype)
    dy = rng.standard_normal((3, 18, 13, 10)).astype(dtype)
    g = Geometry(3, 2, 20, 13, 10, 18, 13, 10, 3, 3, 1, 1, 1, 1, 1, 1)
    tiles = _winograd.workspace(g, tile=tile, itemsize=np.dtype(dtype).itemsize)[0]
    if budget == 3000:
        assert tiles < 3 * 4 * 5 // 2       # several blocks of tiles
    runs = [(nn.conv2d(x, w, b, padding=1, groups=2, method="winograd", threads=t),
             nn.conv2d_backward(dy, x, w, padding=1, groups=2, method="winograd",
                                output_mask=(True, False, False), threads=t)[0])
            for t in (1, 2, 3)]
    for y, dx in runs[1:]:
        np.testing.assert_array_equal(y, runs[0][0])
        np.testing.assert_array_equal(dx, runs[0][1])


def test_workspace_within_budget_at_any_batch():
    """The workspace depends on the layer, not on the batch size."""
    budget = _config.nn_tile_bytes()
    for n in (1, 64, 4096):
        for c in (64, 256, 512):
            g = Geometry(n, 1, c, 56, 56, c, 56, 56, 3, 3, 1, 1, 1, 1, 1, 1)
            for m in TILES:
                assert _winograd.workspace(g, tile=m)[3] <= budget


def test_isa_levels_agree(tile):
    """The scalar and SIMD builds of the transforms give the same bits
    (the same operations in the same order; no contraction to FMA)."""
    rng = np.random.default_rng(tile)
    x = rng.standard_normal((2, 19, 13, 10)).astype(np.float32)
    w = rng.standard_normal((21, 19, 3, 3)).astype(np.float32)
    results = []
    for level in _isa.available()[:2]:
        old = _isa.set_isa(level)
        try:
            results.append(nn.conv2d(x, w, padding="same", method="winograd"))
        finally:
            _isa.set_isa(old)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_empty_and_degenerate():
    """Batch 0 and zero input channels (bias only)."""
    x = np.ones((0, 2, 5, 5))
    assert nn.conv2d(x, np.ones((3, 2, 3, 3)), method="winograd").shape == (0, 3, 3, 3)
    y = nn.conv2d(np.ones((1, 0, 5, 5)), np.ones((2, 0, 3, 3)), np.array([1.0, -2.0]),
                  method="winograd")
    np.testing.assert_array_equal(y, np.array([1.0, -2.0])[None, :, None, None]
                                  * np.ones((1, 2, 3, 3)))


def test_inputs_not_modified():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 9, 9)), rng.standard_normal((4, 3, 3, 3)), np.ones(4)
    copies = [a.copy() for a in (x, w, b)]
    nn.conv2d(x, w, b, padding=1, method="winograd")
    for a, c in zip((x, w, b), copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("call, reason", [
    (lambda: nn.conv2d(np.ones((1, 1, 8, 8)), np.ones((1, 1, 5, 5)), method="winograd"),
     "kernel is 5x5"),
    (lambda: nn.conv2d(np.ones((1, 1, 8, 8)), np.ones((1, 1, 3, 3)), stride=2,
                       method="winograd"), "stride is"),
    (lambda: nn.conv2d(np.ones((1, 1, 8, 8)), np.ones((1, 1, 3, 3)), dilation=2,
                       method="winograd"), "dilation is"),
    (lambda: nn.conv1d(np.ones((1, 1, 8)), np.ones((1, 1, 3)), method="winograd"),
     "kernel is 1x3"),
    (lambda: nn.conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2,
                                 method="winograd"), "stride is"),
    (lambda: nn.conv2d_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 8, 8)),
                                np.ones((1, 1, 3, 3)), stride=2, method="winograd"),
     "stride is"),
])
def test_layers_winograd_cannot_run(call, reason):
    with pytest.raises(ValueError, match=f"method='winograd' computes 3x3 layers.*{reason}"):
        call()


def test_unknown_method_lists_winograd():
    with pytest.raises(ValueError, match="'im2col', 'winograd' \\(got 'fft'\\)"):
        nn.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), method="fft")


def test_elementwise_bound_fails(tile):
    """Why 'auto' never picks Winograd: a large input met by a small tap
    (next to large taps and small inputs) leaves an error of about
    eps * (large input) * (large tap) after the transforms, where the exact
    result and the accuracy rule's (docs/guide/accuracy.rst) elementwise bound c K eps (|x| * |w|), which
    every other method meets, are both of order one."""
    x = np.ones((1, 1, tile + 2, tile + 2), np.float32)
    x[0, 0, 1, 1] = 1e8
    w = np.ones((1, 1, 3, 3), np.float32)
    w[0, 0, 1, 1] = 1e-8
    exact, magnitude = forward_exact(reference.conv2d, x, w, None)
    assert magnitude[0, 0, 0, 0] == pytest.approx(9.0)
    bound = 4 * 9 * np.finfo(np.float32).eps * magnitude[0, 0, 0, 0]
    got = nn.conv2d(x, w, method="winograd")
    assert abs(got[0, 0, 0, 0] - exact[0, 0, 0, 0]) > 1e4 * bound
    for method in ("direct", "im2col", "auto"):
        assert abs(nn.conv2d(x, w, method=method)[0, 0, 0, 0] - exact[0, 0, 0, 0]) <= bound
    # the tile bound (tmag has 1e8 * 1 from the large input and large taps) holds
    tmag = _winograd.tile_magnitude(x, w, ((0, 0), (0, 0)), tile)
    assert_tile_close(got, exact, tmag, 9, tile, np.float32)
