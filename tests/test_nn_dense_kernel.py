"""The dense row kernels of the direct CNN layers (csrc/nn/dense_row_avx2.template.c,
csrc/nn/dense_row_avx512.template.c).

At the AVX2 and AVX-512 levels, dense layers with stride 1 along the rows
run forward and grad_input through one masked kernel that computes 8
channels (AVX2: two halves of 4) x 3 vectors of columns, 1-3 output rows at
a time, edges included, with fused multiply-adds; at AVX-512 grad_weight
runs through another (8 output channels x 3 taps of lane sums over bands of
rows, csrc/nn/dense_gw_avx512.template.c), and 1x1 layers' grad_weight
through the pointwise kernel of the same file (3 input channels in place of
the taps).  For every width, height,
channel count and geometry, at every level: the same bits at every thread
count, within the accuracy bound of the exact result; the levels without a
kernel give each other's bits, and so do the levels with the same kernel
(both row kernels add the same terms in the same order); nothing outside
the arguments is read, and terms outside the input are skipped, not added
as zero.  Outside the kernels' domain every level gives the reference's
bits.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastconv import _isa, nn, reference

from helpers import assert_scaled_close
from nn_cases import (EXACT_DIRECT_LEVELS, FMA_DENSE_LEVELS, REFERENCE, dense_kernel_runs,
                      random, same_kernel_level, wide_convs)

LEVELS = _isa.available()

# (kernel, conv2d keyword arguments): padding wider than the kernel, none,
# dilation, strides down the columns (the row kernel's domain) and along the
# rows (forward at AVX-512), a kernel wider than the kernel's 16 columns
# (the generic loops), groups
GEOMETRIES = {
    "3x3-p1": ((3, 3), dict(padding=1)),
    "3x3-p0": ((3, 3), dict(padding=0)),
    "3x3-p4": ((3, 3), dict(padding=4)),
    "5x5-p2-dil12": ((5, 5), dict(padding=2, dilation=(1, 2))),
    "3x3-s21-p1": ((3, 3), dict(stride=(2, 1), padding=1)),
    "3x3-s2-p1": ((3, 3), dict(stride=2, padding=1)),
    "7x7-s12-p3": ((7, 7), dict(stride=(1, 2), padding=3)),
    "5x5-s2-p0-dil12": ((5, 5), dict(stride=2, dilation=(1, 2))),
    "1x7-p03": ((1, 7), dict(padding=(0, 3))),
    "2x17-p08": ((2, 17), dict(padding=(0, 8))),
    "3x3-p1-g2": ((3, 3), dict(padding=1, groups=2)),
    "1x1-p0": ((1, 1), dict()),
    "1x1-p0-g2": ((1, 1), dict(groups=2)),
}
WIDTHS = (1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 33, 47, 48, 49, 56)
OPS = ("forward", "grad_input", "grad_weight")


def _case(geometry, width, height, c_in, c_out, seed):
    kernel, kw = GEOMETRIES[geometry]
    groups = kw.get("groups", 1)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (2, c_in * groups, height, width))
    w = rng.uniform(-1, 1, (c_out * groups, c_in) + kernel)
    b = rng.uniform(-1, 1, (c_out * groups,))
    return x, w, b, kw


def _ops(x, w, b, kw, dtype, threads):
    x, w, b = (a.astype(dtype) for a in (x, w, b))
    try:
        y = nn.conv2d(x, w, b, **kw, method="direct", threads=threads)
    except ValueError:
        return None   # no output position
    g = np.cos(np.arange(y.size)).reshape(y.shape).astype(dtype)
    gi, gw, _ = nn.conv2d_backward(g, x, w, **kw, method="direct", threads=threads,
                                   output_mask=(True, True, False))
    return y, gi, gw


def _at_levels(x, w, b, kw, dtype):
    results = {}
    for level in LEVELS:
        old = _isa.set_isa(level)
        try:
            results[level] = [_ops(x, w, b, kw, dtype, t) for t in (1, 3)]
        finally:
            _isa.set_isa(old)
    return results


def _check_levels_and_bound(geometry, width, height, c_in, c_out, seed, dtype):
    """The same bits at every thread count, at every level without a dense
    kernel, and at every level with the same dense kernel; every level
    within the accuracy bound of the exact result."""
    x, w, b, kw = _case(geometry, width, height, c_in, c_out, seed)
    results = _at_levels(x, w, b, kw, dtype)
    if results[LEVELS[0]][0] is None:
        return
    stride = kw.get("stride", 1)
    stride_w = stride if isinstance(stride, int) else stride[1]
    for level in LEVELS:
        for t, result in zip((1, 3), results[level]):
            for k, (op, got) in enumerate(zip(OPS, result)):
                want = results[same_kernel_level(op, level, stride_w)][0][k]
                np.testing.assert_array_equal(
                    got, want, err_msg=f"{geometry} {width}x{height} {op} {level} t={t}")
    y = reference.conv2d(x, w, b, **kw)
    g = np.cos(np.arange(y.size)).reshape(y.shape).astype(dtype).astype(np.float64)
    xq, wq, bq = (a.astype(dtype).astype(np.float64) for a in (x, w, b))
    exact = (reference.conv2d(xq, wq, bq, **kw),) + tuple(
        reference.conv2d_backward(g, xq, wq, **kw)[:2])
    mag = (reference.conv2d(abs(xq), abs(wq), abs(bq), **kw),) + tuple(
        reference.conv2d_backward(abs(g), abs(xq), abs(wq), **kw)[:2])
    taps = w.shape[2] * w.shape[3]
    terms = (w.shape[1] * taps + 1, w.shape[0] // kw.get("groups", 1) * taps,
             x.shape[0] * y.shape[2] * y.shape[3])
    for level in LEVELS:
        for op, got, e, m, n in zip(OPS, results[level][0], exact, mag, terms):
            assert_scaled_close(got, e, m, n, dtype,
                                what=f"{geometry} {width}x{height} {op} {level}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", sorted(GEOMETRIES))
def test_same_bits_at_every_level_and_thread_count(geometry, dtype):
    for k, width in enumerate(WIDTHS):
        height = 1 + k % 7                  # bands of 1-3 rows, partial ones too
        # units 2..17: one or two halves of 4 (AVX2), full or partial, more blocks of 8
        c_in, c_out = (1, 2, 3, 5, 7)[k % 5], (2, 3, 8, 9, 17, 5, 6, 4, 7)[k % 9]
        _check_levels_and_bound(geometry, width, height, c_in, c_out, k, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [64, 97, 130])
@pytest.mark.parametrize("geometry", ["3x3-p1", "3x3-p0", "1x7-p03", "2x17-p08", "5x5-p2-dil12",
                                      "3x3-s2-p1", "7x7-s12-p3"])
def test_wide_rows(geometry, width, dtype):
    """Rows of several vectors: the grad_weight kernel runs the vectors with
    every lane and tap inside the row unmasked, between masked first and last
    ones (stride 1 and 2, taps reaching either side); the same bounds and
    bits as the narrow rows.  Width 64 at stride 2 (3x3-s2-p1): the last
    vector whose lanes are all inside would load one element past the row,
    the last of x (AddressSanitizer's run, .ci/sanitize.sh, sees it); it
    stays masked."""
    _check_levels_and_bound(geometry, width, 2, 3, 9, width, dtype)


@pytest.mark.parametrize("width, c_sum, dtype", [(32, 64, np.float32), (20, 64, np.float32),
                                                 (20, 32, np.float64)])
def test_bands_sized_for_l1(width, c_sum, dtype):
    """Flattened bands shortened so that their input rows fit in L1
    (FC_DENSE_BAND_L1_BYTES, csrc/nn/conv2d_direct.c: here 3 or 6 rows of
    13, the last band partial), forward (c_sum input channels summed) and
    grad_input (c_sum output channels summed)."""
    _check_levels_and_bound("3x3-p1", width, 13, c_sum, 3, 1, dtype)
    _check_levels_and_bound("3x3-p1", width, 13, 3, c_sum, 2, dtype)


def test_skipped_terms_are_not_added_as_zero():
    """An infinite weight next to the padding: the generic loops skip the
    terms outside the input, so no inf * 0 = nan may appear at any level."""
    x = np.ones((1, 2, 5, 20))
    w = np.ones((8, 2, 3, 3))
    w[:, :, 0, 0] = np.inf
    for level in LEVELS:
        old = _isa.set_isa(level)
        try:
            y = nn.conv2d(x, w, padding=1, method="direct")
        finally:
            _isa.set_isa(old)
        assert not np.isnan(y).any(), level
        np.testing.assert_array_equal(y[:, :, 1:, 1:], np.inf)
        edge = np.where(np.arange(20) % 19 == 0, 8.0, 12.0)   # 2 channels x 4 or 6 taps
        np.testing.assert_array_equal(y[:, :, 0, :], np.broadcast_to(edge, (1, 8, 20)))


@pytest.mark.parametrize("stride", [1, 2])
def test_grad_weight_skips_terms_outside_the_rows(stride):
    """grad_weight: an infinite last input column, all-ones dy.  Some taps
    never read it from an output column < w_out (stride 1: tap column 0;
    stride 2: tap column 1); the kernel's lanes past w_out (zero dy) must not
    add 0 * inf = nan either.  Sums of ones: the exact values at every
    level."""
    x = np.ones((2, 2, 5, 20))
    x[..., 19] = np.inf
    w = np.ones((8, 2, 3, 3))
    kw = dict(padding=1, stride=(1, stride))
    y_shape = reference.conv2d(x, w, **kw).shape
    g = np.ones(y_shape)
    want = reference.conv2d_backward(g, x, w, **kw)[1]
    assert np.isfinite(want[..., stride - 1]).all() and np.isinf(want).any()
    for level in LEVELS:
        old = _isa.set_isa(level)
        try:
            for dtype in (np.float32, np.float64):
                got = nn.conv2d_backward(g.astype(dtype), x.astype(dtype), w.astype(dtype),
                                         **kw, method="direct")[1]
                np.testing.assert_array_equal(got, want, err_msg=f"{level} {dtype}")
        finally:
            _isa.set_isa(old)


@pytest.mark.skipif(not FMA_DENSE_LEVELS, reason="no level with a dense row kernel")
@pytest.mark.parametrize("dtype, tiny", [(np.float32, 1e-30), (np.float64, 1e-200)])
@pytest.mark.parametrize("width", [3, 8, 13, 20, 50])
def test_skipped_terms_keep_the_sign_of_zero(width, dtype, tiny):
    """Every product is a negative number below the smallest subnormal, so
    each fused sum is -0 from its first term on (fma(w, x, +0) = -tiny
    rounded: -0).  A term outside
    the row must leave it -0: adding w * 0 = +0 (w < 0) would give +0 at the
    edge columns whose last term is outside.  Forward and grad_input, at the
    levels with a dense row kernel (the others round each product first:
    +0 + -0 = +0 there)."""
    x = np.full((1, 3, 4, width), tiny, dtype)
    w = np.full((8, 3, 3, 3), -tiny, dtype)
    for level in FMA_DENSE_LEVELS:
        old = _isa.set_isa(level)
        try:
            y = nn.conv2d(x, w, padding=1, method="direct")
            gi = nn.conv2d_backward(np.full(y.shape, tiny, dtype), x, w, padding=1,
                                    method="direct", output_mask=(True, False, False))[0]
        finally:
            _isa.set_isa(old)
        for name, got in (("forward", y), ("grad_input", gi)):
            assert (got == 0).all() and np.signbit(got).all(), (name, level, np.signbit(got))


@pytest.mark.parametrize("c_in, c_out, height, width, images", [
    (200, 20, 40, 40, 3),    # two chunks of input channels (192 + 8), runs of 336 positions
    (70, 2000, 4, 4, 2),     # 250 blocks: chunks of 63 channels keep the lane sums in budget
    (5, 11, 7, 7, 9),        # whole images a run, the last run short
])
def test_pointwise_grad_weight_chunks_and_runs(c_in, c_out, height, width, images):
    """The pointwise grad_weight kernel (1x1, strides 1, no padding) over
    chunks of input channels, runs within an image, and runs of whole
    images: the same bits at every thread count, within the bound."""
    rng = np.random.default_rng(c_in)
    x = rng.uniform(-1, 1, (images, c_in, height, width))
    w = rng.uniform(-1, 1, (c_out, c_in, 1, 1))
    g = rng.uniform(-1, 1, (images, c_out, height, width))
    exact = reference.conv2d_backward(g, x, w)[1]
    mag = reference.conv2d_backward(abs(g), abs(x), abs(w))[1]
    for level in LEVELS:
        old = _isa.set_isa(level)
        try:
            for dtype in (np.float32, np.float64):
                got = [nn.conv2d_backward(*(a.astype(dtype) for a in (g, x, w)),
                                          method="direct", threads=t,
                                          output_mask=(False, True, False))[1]
                       for t in (1, 2, 3)]
                for other in got[1:]:
                    np.testing.assert_array_equal(other, got[0], err_msg=f"{level} {dtype}")
                assert_scaled_close(got[0], exact, mag, images * height * width, dtype,
                                    what=f"pointwise {level}")
        finally:
            _isa.set_isa(old)


@pytest.mark.parametrize("dtype, shape, c_out, kernel", [
    (np.float32, (2, 64, 96, 96), 64, 3),   # every block in one set
    (np.float64, (1, 180, 56, 56), 24, 7),  # at 3 threads: one block a set, 2 chunks of channels
    (np.float32, (2, 130, 12, 12), 3, 3),   # cached: threads share 3 (block, chunk) units
])
def test_grad_weight_sets_and_chunks(dtype, shape, c_out, kernel):
    """Inputs over FC_DENSE_GW_X_CACHED (4 MiB): the dense grad_weight runs
    its blocks inside each band, in sets as large as the lane sums allow,
    and chunks of input channels when one block's sums of every channel do
    not fit; smaller inputs: one block and one chunk of 64 input channels a
    unit, the units shared by the threads.  The same bits at every thread
    count, within the bound (the exact result from the float64 im2col
    method)."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, shape)
    w = rng.uniform(-1, 1, (c_out, shape[1], kernel, kernel))
    kw = dict(padding=kernel // 2)
    g = rng.uniform(-1, 1, (shape[0], c_out) + shape[2:])
    exact, mag = (nn.conv2d_backward(a, b, w, **kw, method="im2col",
                                     output_mask=(False, True, False))[1]
                  for a, b in ((g, x), (abs(g), abs(x))))
    got = [nn.conv2d_backward(g.astype(dtype), x.astype(dtype), w.astype(dtype), **kw,
                              method="direct", threads=t, output_mask=(False, True, False))[1]
           for t in (1, 2, 3)]
    for other in got[1:]:
        np.testing.assert_array_equal(other, got[0])
    assert_scaled_close(got[0], exact, mag, shape[0] * shape[2] * shape[3], dtype,
                        what="grad_weight past the cache")


@pytest.mark.parametrize("x_shape, kernel, padding", [
    ((2, 0, 5, 5), 1, 0), ((0, 4, 5, 5), 1, 0),    # the pointwise kernel's domain
    ((2, 0, 6, 6), 3, 1), ((0, 4, 6, 6), 3, 1),    # the dense grad_weight's
])
def test_grad_weight_of_no_term_is_zero(x_shape, kernel, padding):
    """No input channel, or no image: every weight's sum has no term, so
    grad_weight is zeros (a division by the empty chunk of channels had
    crashed the process with SIGFPE)."""
    x = np.ones(x_shape, np.float32)
    w = np.ones((16, x_shape[1], kernel, kernel), np.float32)
    g = np.ones(nn.conv2d(x, w, padding=padding).shape, np.float32)
    for level in LEVELS:
        old = _isa.set_isa(level)
        try:
            for threads in (1, 2):
                gw = nn.conv2d_backward(g, x, w, padding=padding, method="direct",
                                        threads=threads, output_mask=(False, True, False))[1]
                assert gw.shape == w.shape and not gw.any(), level
        finally:
            _isa.set_isa(old)


@pytest.mark.parametrize("width", [1, 9, 16, 17, 33, 100])
@pytest.mark.parametrize("geometry", ["3x3-p1", "3x3-p4", "5x5-p2-dil12", "3x3-p1-g2",
                                      "3x3-s2-p1", "5x5-s2-p0-dil12", "1x1-p0-g2"])
def test_reads_inside_the_arrays(geometry, width):
    """The masked loads read no element outside x, w, dy (tests/guards.py:
    NaN sentinels around every argument, strided views too), at every level."""
    from guards import assert_same_with_guards

    x, w, b, kw = _case(geometry, width, 5, 2, 9, seed=width)
    for dtype in (np.float32, np.float64):
        xd, wd, bd = (a.astype(dtype) for a in (x, w, b))
        try:
            y = nn.conv2d(xd, wd, bd, **kw)
        except ValueError:
            pytest.skip("no output position at this width")
        g = np.sin(np.arange(y.size)).reshape(y.shape).astype(dtype)
        for level in LEVELS:
            old = _isa.set_isa(level)
            try:
                for contiguous in (True, False):
                    assert_same_with_guards(
                        lambda *a: nn.conv2d(*a, **kw, method="direct"), [xd, wd, bd],
                        contiguous)
                    assert_same_with_guards(
                        lambda *a: nn.conv2d_backward(*a, **kw, method="direct"), [g, xd, wd],
                        contiguous)
            finally:
                _isa.set_isa(old)


CONV = {1: nn.conv1d, 2: nn.conv2d}


@settings(max_examples=60)
@given(conv=wide_convs().filter(lambda c: not any(dense_kernel_runs("forward", c, level)
                                                  for level in LEVELS)),
       seed=st.integers(0, 2**32 - 1), with_bias=st.booleans())
def test_outside_the_dense_kernel_the_reference_bits(conv, seed, with_bias):
    """Where the dense kernels do not run (one output channel per group: the
    register tiles of conv2d_tile.template.c), the direct forward does the
    reference's arithmetic at every level, FMA levels included (float64)."""
    rng = np.random.default_rng(seed)
    x, w = random(rng, conv.x_shape), random(rng, conv.w_shape)
    b = random(rng, (conv.c_out,)) if with_bias else None
    want = REFERENCE[conv.nd][0](x, w, b, **conv.kwargs)
    for level in LEVELS:
        old = _isa.set_isa(level)
        try:
            got = CONV[conv.nd](x, w, b, **conv.kwargs, method="direct")
        finally:
            _isa.set_isa(old)
        np.testing.assert_array_equal(got, want, err_msg=level)
