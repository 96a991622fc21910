"""Every nn op and method under every ISA level and thread count.

For each layer (dense, grouped, depthwise with stride 1 and 2, 1x1, strided
and dilated, 1-D), every method ('direct', 'im2col', 'auto', and 'winograd'
where it applies) at every kernel-table level this CPU has (fastconv._isa):

- forward, grad_input and grad_weight at threads 1, 2 and 3 are identical,
  bit for bit (the kernels split the work, never a sum: fastconv.h);
- threads=1 is within the docs/guide/accuracy.rst bound of the float64
  reference (fastconv.reference), and of torch when it is installed;
- the direct kernels give the same bits at every ISA level (the SIMD
  depthwise rows do the reference's arithmetic), except the dense kernels
  of the AVX2 and AVX-512 levels, which fuse multiply-adds
  (tests/test_nn_dense_kernel.py).
"""
import functools

import numpy as np
import pytest

from fastconv import _config, _isa, nn, reference

from helpers import assert_scaled_close
from nn_cases import same_kernel_level

# (x shape, weight shape, conv2d keyword arguments)
LAYERS = {
    "dense": ((2, 4, 7, 9), (6, 4, 3, 3), dict(padding=1)),
    "grouped": ((2, 4, 6, 7), (6, 2, 3, 2), dict(padding=(1, 0), groups=2)),
    "depthwise": ((2, 3, 6, 21), (3, 1, 3, 3), dict(padding=1, groups=3)),
    "depthwise-s2": ((2, 3, 7, 23), (3, 1, 3, 3), dict(stride=2, padding=1, groups=3)),
    "depthwise-s2-edges": ((1, 2, 6, 13), (2, 1, 4, 3), dict(stride=2, padding=(1, 0),
                                                            groups=2)),
    "depthwise-s2-5x5": ((1, 2, 7, 29), (2, 1, 5, 5), dict(stride=(1, 2), padding=2, groups=2)),
    "depthwise-5x5-dil": ((1, 2, 9, 26), (2, 1, 5, 3), dict(padding=2, dilation=(1, 2),
                                                            groups=2)),
    "pointwise": ((2, 5, 4, 6), (3, 5, 1, 1), {}),
    "strided": ((1, 3, 9, 8), (4, 3, 3, 2), dict(stride=(2, 3), padding=1, dilation=(2, 1))),
}
CONV1D = ((2, 3, 30), (4, 3, 5), dict(padding=2, stride=2))

LEVELS = _isa.available()
THREADS = (1, 2, 3)


def _random(rng, shape, dtype):
    return rng.uniform(-1, 1, shape).astype(dtype)


@functools.lru_cache(maxsize=None)
def _data(name):
    """x, w, bias, grad_output (float64) of a layer and the reference values
    and magnitudes (the op applied to |inputs|)."""
    xs, ws, kw = LAYERS[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    x, w, b = _random(rng, xs, np.float64), _random(rng, ws, np.float64), _random(rng, ws[:1],
                                                                                     np.float64)
    y = reference.conv2d(x, w, b, **kw)
    g = _random(rng, y.shape, np.float64)
    gi, gw, _ = reference.conv2d_backward(g, x, w, **kw)
    mag_y = reference.conv2d(abs(x), abs(w), abs(b), **kw)
    mag_i, mag_w, _ = reference.conv2d_backward(abs(g), abs(x), abs(w), **kw)
    return (x, w, b, g), (y, gi, gw), (mag_y, mag_i, mag_w)


def _terms(name):
    xs, ws, kw = LAYERS[name]
    y_shape = _data(name)[1][0].shape
    return (ws[1] * ws[2] * ws[3] + 1,               # forward (+ bias)
            ws[0] // kw.get("groups", 1) * ws[2] * ws[3],   # grad_input
            xs[0] * y_shape[2] * y_shape[3])         # grad_weight


@pytest.fixture(params=LEVELS)
def isa_level(request):
    old = _isa.set_isa(request.param)
    yield request.param
    _isa.set_isa(old)


def _methods(name):
    ws, kw = LAYERS[name][1], LAYERS[name][2]
    winograd = ws[2:] == (3, 3) and kw.get("stride", 1) == 1 and kw.get("dilation", 1) == 1
    return ("direct", "im2col", "auto") + (("winograd",) if winograd else ())


def _run(name, method, dtype, threads):
    (x, w, b, g), _, _ = _data(name)
    kw = LAYERS[name][2]
    x, w, b, g = (a.astype(dtype) for a in (x, w, b, g))
    y = nn.conv2d(x, w, b, **kw, method=method, threads=threads)
    gi, gw, _ = nn.conv2d_backward(g, x, w, **kw, method=method, threads=threads)
    return y, gi, gw


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_threads_identical_and_close_to_reference(isa_level, name, dtype):
    _, exact, magnitude = _data(name)
    for method in _methods(name):
        results = [_run(name, method, dtype, t) for t in THREADS]
        for t, result in zip(THREADS[1:], results[1:]):
            for op, got, want in zip(("forward", "grad_input", "grad_weight"), result,
                                     results[0]):
                np.testing.assert_array_equal(
                    got, want, err_msg=f"{name} {method} {op} threads={t} vs 1 at {isa_level}")
        # Winograd's transforms mix a tile's inputs before the products: a
        # larger constant (docs/guide/winograd.rst has the measured errors)
        c = 200.0 if method == "winograd" else 4.0
        for op, got, e, m, k in zip(("forward", "grad_input", "grad_weight"), results[0],
                                    exact, magnitude, _terms(name)):
            assert_scaled_close(got, e, m, k, dtype, c=c,
                                what=f"{name} {method} {op} {np.dtype(dtype)} {isa_level}")


@pytest.mark.parametrize("name", ["depthwise", "depthwise-s2", "depthwise-s2-edges",
                                  "depthwise-s2-5x5", "depthwise-5x5-dil", "dense"])
def test_direct_same_bits_at_every_level(name):
    """The SIMD rows of the direct kernels do the reference's arithmetic; the
    dense layer's ops give the bits of every level with the same kernel
    (tests/nn_cases.py: the fused dense kernels at AVX2 and AVX-512, the
    reference's arithmetic elsewhere)."""
    results = {}
    for level in LEVELS:
        old = _isa.set_isa(level)
        try:
            results[level] = _run(name, "direct", np.float32, 2)
        finally:
            _isa.set_isa(old)
    for level in LEVELS[1:]:
        for op, got, k in zip(("forward", "grad_input", "grad_weight"), results[level], range(3)):
            base = same_kernel_level(op, level) if name == "dense" else LEVELS[0]
            np.testing.assert_array_equal(got, results[base][k], err_msg=f"{name} {op} {level}")


@pytest.mark.parametrize("budget", [64, 4000])
def test_small_budgets_threads_identical(budget, monkeypatch):
    """Tiny nn budgets: chunked positions and rows, fewer threads than asked
    when the tiles would not fit; still the same bits for every thread count."""
    monkeypatch.setattr(_config, "_nn_tile_bytes", budget)
    for name in ("dense", "grouped", "strided", "pointwise"):
        results = [_run(name, "im2col", np.float64, t) for t in THREADS]
        for result in results[1:]:
            for got, want in zip(result, results[0]):
                np.testing.assert_array_equal(got, want, err_msg=f"{name} budget={budget}")
        _, exact, magnitude = _data(name)
        for got, e, m, k in zip(results[0], exact, magnitude, _terms(name)):
            assert_scaled_close(got, e, m, k, np.float64, what=f"{name} budget={budget}")


def test_conv1d_and_transpose_threads():
    xs, ws, kw = CONV1D
    rng = np.random.default_rng(5)
    x, w = _random(rng, xs, np.float32), _random(rng, ws, np.float32)
    for method in ("direct", "im2col"):
        ys = [nn.conv1d(x, w, **kw, method=method, threads=t) for t in THREADS]
        ts = [nn.conv_transpose1d(ys[0], w, **kw, method=method, threads=t) for t in THREADS]
        for a, b in zip(ys[1:] + ts[1:], [ys[0]] * 2 + [ts[0]] * 2):
            np.testing.assert_array_equal(a, b)
        want = reference.conv1d(x.astype(np.float64), w.astype(np.float64), **kw)
        np.testing.assert_allclose(ys[0], want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("threads, error", [(0, ValueError), (True, TypeError),
                                            (1.5, TypeError), ("2", TypeError)])
def test_bad_threads(threads, error):
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))
    with pytest.raises(error, match="threads"):
        nn.conv2d(x, w, threads=threads)
    with pytest.raises(error, match="threads"):
        nn.conv2d_backward(np.ones((1, 1, 2, 2)), x, w, threads=threads)


def test_negative_threads_count_back():
    x, w = np.ones((1, 2, 5, 5)), np.ones((2, 1, 3, 3))
    np.testing.assert_array_equal(nn.conv2d(x, w, groups=2, threads=-1),
                                  nn.conv2d(x, w, groups=2, threads=1))


@pytest.mark.parametrize("name", ["dense", "depthwise-s2", "pointwise"])
def test_against_torch(name):
    torch = pytest.importorskip("torch")
    (x, w, b, g), _, _ = _data(name)
    kw = LAYERS[name][2]
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, torch.tensor(b), **kw)
    ty.backward(torch.tensor(g))
    for method in _methods(name):
        y, gi, gw = _run(name, method, np.float64, 2)
        tol = dict(rtol=1e-9, atol=1e-9) if method != "winograd" else dict(rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(y, ty.detach().numpy(), **tol)
        np.testing.assert_allclose(gi, tx.grad.numpy(), **tol)
        np.testing.assert_allclose(gw, tw.grad.numpy(), **tol)


# Depthwise layers of every width from 1 to 40 (28: the CNN grid's layer),
# under each geometry the depthwise kernels handle: strides 1 and 2, dilation,
# padding wider than the kernel, none, rectangular kernels.
DEPTHWISE_WIDTHS = tuple(range(1, 41))
DEPTHWISE_GEOMETRIES = {
    "3x3-p1": ((3, 3), dict(padding=1)),
    "3x3-s2-p1": ((3, 3), dict(stride=2, padding=1)),
    "3x3-s21-p1": ((3, 3), dict(stride=(2, 1), padding=1)),
    "3x3-p0": ((3, 3), dict(padding=0)),
    "3x3-dil2-p2": ((3, 3), dict(padding=2, dilation=2)),
    "5x5-s12-p2": ((5, 5), dict(stride=(1, 2), padding=2)),
    "2x5-p03-dil12": ((2, 5), dict(padding=(0, 3), dilation=(1, 2))),
    "3x3-s2-p4": ((3, 3), dict(stride=2, padding=4)),
    "5x5-p2": ((5, 5), dict(padding=2)),
}


def _depthwise_case(geometry, width, dtype, height=9, channels=3, batch=2):
    kernel, kw = DEPTHWISE_GEOMETRIES[geometry]
    rng = np.random.default_rng(width * 131 + len(geometry))
    x = _random(rng, (batch, channels, height, width), np.float64)
    w = _random(rng, (channels, 1) + kernel, np.float64)
    b = _random(rng, (channels,), np.float64)
    kw = dict(kw, groups=channels)
    return x, w, b, kw


def _depthwise_ops(x, w, b, kw, dtype, threads):
    x, w, b = (a.astype(dtype) for a in (x, w, b))
    try:
        y = nn.conv2d(x, w, b, **kw, method="direct", threads=threads)
    except ValueError:
        return None   # no output position for this width
    g = np.cos(np.arange(y.size)).reshape(y.shape).astype(dtype)
    gi, gw, _ = nn.conv2d_backward(g, x, w, **kw, method="direct", threads=threads)
    return y, gi, gw


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", sorted(DEPTHWISE_GEOMETRIES))
def test_depthwise_widths_same_bits_at_every_level(geometry, dtype):
    """The depthwise kernels of every level (the AVX-512 plane kernels with
    masked edges, the grad_weight lanes) give the reference level's bits, at
    threads 1 and 3, for every width; and stay within the accuracy bound."""
    for width in DEPTHWISE_WIDTHS:
        x, w, b, kw = _depthwise_case(geometry, width, dtype)
        results = {}
        for level in LEVELS:
            old = _isa.set_isa(level)
            try:
                results[level] = [_depthwise_ops(x, w, b, kw, dtype, t) for t in (1, 3)]
            finally:
                _isa.set_isa(old)
        base = results[LEVELS[0]][0]
        if base is None:
            continue
        for level in LEVELS:
            for t, result in zip((1, 3), results[level]):
                for op, got, want in zip(("forward", "grad_input", "grad_weight"), result, base):
                    np.testing.assert_array_equal(
                        got, want, err_msg=f"{geometry} width {width} {op} {level} threads={t}")
        y = reference.conv2d(x, w, b, **kw)
        g = np.cos(np.arange(y.size)).reshape(y.shape).astype(dtype).astype(np.float64)
        gi, gw, _ = reference.conv2d_backward(g, x, w, **kw)
        mag = (reference.conv2d(abs(x), abs(w), abs(b), **kw),) + tuple(
            reference.conv2d_backward(abs(g), abs(x), abs(w), **kw)[:2])
        terms = (w.shape[2] * w.shape[3] + 1, w.shape[2] * w.shape[3],
                 x.shape[0] * y.shape[2] * y.shape[3])
        xq, wq, bq = (a.astype(dtype).astype(np.float64) for a in (x, w, b))
        exact = (reference.conv2d(xq, wq, bq, **kw),) + tuple(
            reference.conv2d_backward(g, xq, wq, **kw)[:2])
        for op, got, e, m, k in zip(("forward", "grad_input", "grad_weight"), base, exact,
                                    mag, terms):
            assert_scaled_close(got, e, m, k, dtype, what=f"{geometry} width {width} {op}")


@pytest.mark.parametrize("width", [7, 14, 20])
@pytest.mark.parametrize("geometry", ["3x3-p1", "3x3-dil2-p2", "5x5-p2"])
def test_depthwise_runs_of_planes_same_bits_at_every_level(geometry, width):
    """Many planes: the AVX-512 flat kernel (rows of 'same' layers too
    narrow to fill the plane kernel's vectors) takes runs of several planes,
    each with its channel's taps and bias; the bits are the reference
    level's at threads 1, 2 and 3."""
    for dtype in (np.float32, np.float64):
        x, w, b, kw = _depthwise_case(geometry, width, dtype, height=width, channels=5, batch=7)
        results = {}
        for level in LEVELS:
            old = _isa.set_isa(level)
            try:
                results[level] = [_depthwise_ops(x, w, b, kw, dtype, t) for t in (1, 2, 3)]
            finally:
                _isa.set_isa(old)
        base = results[LEVELS[0]][0]
        for level in LEVELS:
            for t, result in zip((1, 2, 3), results[level]):
                for op, got, want in zip(("forward", "grad_input", "grad_weight"), result, base):
                    np.testing.assert_array_equal(
                        got, want, err_msg=f"{geometry} width {width} {op} {level} threads={t}")


@pytest.mark.parametrize("width", [1, 5, 15, 16, 17, 28, 33])
@pytest.mark.parametrize("geometry", ["3x3-p1", "3x3-s2-p1", "3x3-dil2-p2", "3x3-s2-p4",
                                      "5x5-p2"])
def test_depthwise_reads_inside_the_arrays(geometry, width):
    """The masked loads of the vector kernels read no element outside x, w,
    dy (tests/guards.py: NaN sentinels around every argument, strided views
    too), at every level."""
    from guards import assert_same_with_guards

    for dtype in (np.float32, np.float64):
        x, w, b, kw = _depthwise_case(geometry, width, dtype, height=6)
        x, w, b = (a.astype(dtype) for a in (x, w, b))
        y = nn.conv2d(x, w, b, **kw)
        g = np.sin(np.arange(y.size)).reshape(y.shape).astype(dtype)
        for level in LEVELS:
            old = _isa.set_isa(level)
            try:
                for contiguous in (True, False):
                    assert_same_with_guards(
                        lambda *a: nn.conv2d(*a, **kw, method="direct"), [x, w, b], contiguous)
                    assert_same_with_guards(
                        lambda *a: nn.conv2d_backward(*a, **kw, method="direct"), [g, x, w],
                        contiguous)
            finally:
                _isa.set_isa(old)
