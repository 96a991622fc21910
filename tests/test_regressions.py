"""Regression tests of issue 11's defects 4-7 (defect 1 is in
test_guard_buffers.py and test_nn_values.py, 2 and 3 in test_config.py).
Each failed before its fix."""
import warnings

import numpy as np
import pytest
import scipy.signal

import fastconv
from fastconv import nn, reference
from methods import nn_methods, signal_methods

METHODS = signal_methods()
NN_METHODS = nn_methods()


def z(*shape):
    return np.zeros(shape)


# --- defect 4: output_mask='abc' ran as if the mask were all True ----------

@pytest.mark.parametrize("mask", ["abc", "TTT", b"abc", (1, 0, 1), (None, True, True),
                                  ("yes", "no", "no"), None, 3, np.array([1, 0, 1])])
def test_output_mask_must_hold_bools(mask):
    with pytest.raises(TypeError, match="output_mask must be a sequence of 3 bools"):
        nn.conv2d_backward(z(1, 6, 2, 2), z(1, 3, 4, 4), z(6, 3, 3, 3), output_mask=mask)


@pytest.mark.parametrize("mask", [(True, False, True), [False, True, False],
                                  np.array([True, False, False]),
                                  (np.True_, np.False_, np.True_)])
def test_output_mask_of_bools(mask):
    got = nn.conv1d_backward(np.ones((1, 2, 3)), np.ones((1, 1, 4)), np.ones((2, 1, 2)),
                             output_mask=mask)
    assert [g is not None for g in got] == [bool(m) for m in mask]


# --- defect 5: float16 overflow warned "overflow encountered in cast" ------

def _no_warnings(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


@pytest.mark.parametrize("method", METHODS)
def test_float16_overflow_is_silent_inf_signal(method):
    big = np.array([6e4, 6e4, 6e4], dtype=np.float16)
    one = np.ones(2, dtype=np.float16)
    got = _no_warnings(lambda: fastconv.convolve(big, one, method=method))
    expected = _no_warnings(lambda: np.convolve(big, one))
    assert got.dtype == expected.dtype == np.float16
    np.testing.assert_array_equal(got, expected)              # [6e4, inf, inf, 6e4]
    got = _no_warnings(lambda: fastconv.correlate2d(big[None], one[None], method=method))
    assert np.isinf(got).sum() == 2 and got.dtype == np.float16
    g = np.full(4, 6e4, dtype=np.float16)
    ga, gv = _no_warnings(lambda: fastconv.convolve_backward(g, big, one, method=method))
    assert np.isinf(gv).all() and ga.dtype == np.float16


@pytest.mark.parametrize("method", NN_METHODS)
def test_float16_overflow_is_silent_inf_nn(method):
    if method == "winograd":   # 3x3 stride-1 2-D layers only
        x = np.full((1, 1, 4, 4), 6e4, dtype=np.float16)
        w = np.ones((1, 1, 3, 3), dtype=np.float16)
        y = _no_warnings(lambda: nn.conv2d(x, w, method=method))
        assert y.dtype == np.float16 and np.isinf(y).all()
        grads = _no_warnings(lambda: nn.conv2d_backward(np.full((1, 1, 2, 2), 6e4, np.float16),
                                                        x, w, method=method))
        assert all(g.dtype == np.float16 and np.isinf(g).any() for g in grads)
        return
    x = np.full((1, 1, 4), 6e4, dtype=np.float16)
    w = np.ones((1, 1, 2), dtype=np.float16)
    y = _no_warnings(lambda: nn.conv1d(x, w, method=method))
    assert y.dtype == np.float16 and np.isinf(y).all()
    y = _no_warnings(lambda: nn.conv_transpose1d(x, w, method=method))
    assert np.isinf(y[..., 1:-1]).all()
    grads = _no_warnings(lambda: nn.conv1d_backward(np.full((1, 1, 3), 6e4, np.float16), x, w,
                                                    method=method))
    assert all(g.dtype == np.float16 and np.isinf(g).any() for g in grads)


@pytest.mark.parametrize("method", NN_METHODS)
def test_float16_overflow_is_silent_inf_nn_3x3(method):
    """The same with a 3x3 layer, which every method (also 'winograd') runs."""
    x = np.full((1, 1, 4, 4), 6e4, dtype=np.float16)
    w = np.ones((1, 1, 3, 3), dtype=np.float16)
    y = _no_warnings(lambda: nn.conv2d(x, w, method=method))
    assert y.dtype == np.float16 and np.isinf(y).all()
    y = _no_warnings(lambda: nn.conv_transpose2d(x, w, method=method))
    assert y.dtype == np.float16 and np.isinf(y[..., 2:-2, 2:-2]).all()
    grads = _no_warnings(lambda: nn.conv2d_backward(np.full((1, 1, 2, 2), 6e4, np.float16), x,
                                                    w, method=method))
    assert all(g.dtype == np.float16 and np.isinf(g).any() for g in grads)


# --- defect 6: complex inf fill with im2col gave nan + nan*j ---------------

@pytest.mark.parametrize("fill", [np.inf + 0j, -np.inf + 0j, complex(0, np.inf),
                                  complex(np.nan, 0), complex(np.inf, np.inf)])
@pytest.mark.parametrize("mode", ["full", "same"])
@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
def test_complex_nonfinite_fill_matches_the_reference(op, mode, fill):
    """Every method gives the reference's inf / nan pattern (SciPy's too,
    except for inf + inf*j, where SciPy's complex product gives inf + inf*j
    and the defining sum gives nan)."""
    rng = np.random.default_rng(6)
    a = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    w = np.array([[1 + 0j, 2], [1j, 1]])
    expected = getattr(reference, op)(a, w, mode, "fill", fill)
    if not (np.isinf(fill.real) and np.isinf(fill.imag)):
        _assert_same_nonfinite(getattr(scipy.signal, op)(a, w, mode, "fill", fill), expected)
    for method in METHODS:
        with warnings.catch_warnings():     # fft: numpy's "invalid value" on inf * 0
            warnings.simplefilter("ignore", RuntimeWarning)
            got = getattr(fastconv, op)(a, w, mode, "fill", fill, method=method)
        if method == "fft":
            # the FFT mixes every input of a block into every output of it,
            # so a non-finite input makes its whole block non-finite
            # (fastconv/_fft.py; 'auto' never takes 'fft' for such inputs)
            assert not np.isfinite(got[~np.isfinite(expected)]).any()
            continue
        _assert_same_nonfinite(got, expected)


def _assert_same_nonfinite(got, expected):
    """inf / nan exactly where expected has them (real and imaginary parts
    apart), finite values to rounding."""
    for part in (np.real, np.imag):
        g, e = part(got), part(expected)
        np.testing.assert_array_equal(np.isnan(g), np.isnan(e))
        np.testing.assert_array_equal(np.where(np.isinf(g), g, 0), np.where(np.isinf(e), e, 0))
        finite = np.isfinite(e)
        np.testing.assert_allclose(g[finite], e[finite], rtol=1e-13, atol=1e-13)


def test_complex_inf_fill_issue_example():
    ones = np.ones((2, 2), complex)
    got = fastconv.convolve2d(ones, ones, "full", "fill", np.inf + 0j, method="im2col")
    ref = reference.convolve2d(ones, ones, "full", "fill", np.inf + 0j)
    np.testing.assert_array_equal(got, ref)
    assert np.isinf(got.real[0, 0])


# --- defect 7: torch's wording for a weight of the wrong rank ---------------

WEIGHT_RANK_CASES = [
    ("conv1d", (1, 3, 4), (6, 3), {}),
    ("conv1d", (3, 4), (6,), {"padding": "same"}),
    ("conv1d", (1, 3, 4), (6, 3, 1, 3), {}),
    ("conv1d", (3, 4), (6, 3, 1, 3), {}),
    ("conv2d", (1, 3, 4, 4), (6, 3, 3), {"padding": "same"}),
    ("conv2d", (1, 3, 4, 4), (6, 3), {}),
    ("conv_transpose1d", (1, 3, 4), (3, 2), {}),
    ("conv_transpose1d", (1, 3, 4), (3, 2, 1, 2), {}),
]


@pytest.mark.parametrize("fname,x_shape,w_shape,kwargs", WEIGHT_RANK_CASES)
def test_weight_rank_message_is_torchs(fname, x_shape, w_shape, kwargs):
    """fastconv's message starts with torch's (up to the space torch omits
    before the weight's shape when padding='same')."""
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as ours:
        getattr(nn, fname)(z(*x_shape), z(*w_shape), **kwargs)
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch.nn.functional, fname)(torch.zeros(x_shape), torch.zeros(w_shape), **kwargs)
    torch_message = str(theirs.value).replace("weight[", "weight [")
    assert str(ours.value).startswith(torch_message), (str(ours.value), torch_message)


@pytest.mark.parametrize("fname,x_shape,w_shape,kwargs", WEIGHT_RANK_CASES)
def test_weight_rank_message_without_torch(fname, x_shape, w_shape, kwargs):
    with pytest.raises(ValueError) as info:
        getattr(nn, fname)(z(*x_shape), z(*w_shape), **kwargs)
    message = str(info.value)
    if len(w_shape) < 3:
        assert message.startswith("weight should have at least three dimensions")
    else:
        assert message.startswith(f"Expected {len(w_shape)}-dimensional input for "
                                  f"{len(w_shape)}-dimensional weight")


# --- defect 8: the direct kernel's scratch grew with the kernel's rows -------

@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
def test_tall_kernels_run_transposed_with_the_same_values(monkeypatch, op, mode, boundary):
    """A kernel taller than _TALL_KERNEL_ROWS (lowered here) runs transposed on
    the direct path; the values are the definition's, in every mode and
    boundary, forward and backward."""
    from fastconv import _primitive
    monkeypatch.setattr(_primitive, "_TALL_KERNEL_ROWS", 3)
    rng = np.random.default_rng(8)
    x = rng.integers(-5, 5, (9, 4)).astype(np.int64)
    w = rng.integers(-3, 3, (7, 2)).astype(np.int64)
    if mode == "valid":
        x = rng.integers(-5, 5, (12, 4)).astype(np.int64)
    got = getattr(fastconv, op)(x, w, mode, boundary, 2, method="direct")
    np.testing.assert_array_equal(got, getattr(reference, op)(x, w, mode, boundary, 2))
    np.testing.assert_array_equal(got, getattr(scipy.signal, op)(x, w, mode, boundary, 2))
    g = rng.standard_normal(got.shape)
    grads = getattr(fastconv, op + "_backward")(g, x.astype(float), w.astype(float), mode,
                                                boundary, 2.0, method="direct")
    monkeypatch.setattr(_primitive, "_TALL_KERNEL_ROWS", 1 << 16)
    expected = getattr(fastconv, op + "_backward")(g, x.astype(float), w.astype(float), mode,
                                                   boundary, 2.0, method="direct")
    for a, b in zip(grads, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.slow
def test_a_kernel_of_two_billion_rows_needs_no_pointer_table():
    """The issue's case: a (2**31 + 3, 1) int8 kernel (2 GiB) against one pixel."""
    w = np.ones((2**31 + 3, 1), np.int8)
    out = fastconv.convolve2d(np.ones((1, 1), np.int8), w, method="direct")
    assert out.shape == (2**31 + 3, 1) and out[0, 0] == 1 and out[-1, 0] == 1


@pytest.mark.parametrize("fillvalue", [0, 3])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
def test_kernels_that_cover_the_image(monkeypatch, op, mode, fillvalue):
    """A kernel at least as large as the image on both axes runs with the
    roles swapped (zero extension) and gives the definition's values, by
    every method, forward and backward; the tall (2**31 + 3, 1) kernel of
    defect 8 against one pixel is then one multiply-add per output."""
    from fastconv import _primitive
    monkeypatch.setattr(_primitive, "_COVERING_KERNEL_RATIO", 2)
    rng = np.random.default_rng(11)
    x = rng.integers(-4, 4, (3, 2)).astype(float)
    w = rng.integers(-4, 4, (5, 4)).astype(float)
    expected = getattr(reference, op)(x, w, mode, "fill", fillvalue)
    np.testing.assert_array_equal(expected, getattr(scipy.signal, op)(x, w, mode, "fill",
                                                                      fillvalue))
    g = rng.standard_normal(expected.shape)
    grads = getattr(reference, op + "_backward")(g, x, w, mode, "fill", fillvalue)
    for method in METHODS:
        got = getattr(fastconv, op)(x, w, mode, "fill", fillvalue, method=method)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        got = getattr(fastconv, op + "_backward")(g, x, w, mode, "fill", fillvalue,
                                                  method=method)
        for a, b in zip(got, grads):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    tall = np.ones((2**16 + 5, 1), np.int8)
    out = fastconv.convolve2d(np.ones((1, 1), np.int8), tall, method="direct")
    assert out.shape == tall.shape and (out == 1).all()
