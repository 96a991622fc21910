"""The backward passes of the signal API are the vector-Jacobian products of
the forward functions, for every mode, swap rule and boundary.

The chain of evidence:

1. the reference backward (plain Python) is exactly J^T g, with J the
   Jacobian of numpy.convolve / numpy.correlate / scipy.signal.convolve2d /
   correlate2d, built column by column on integer-valued float64 data (where
   every sum is exact, and so is the finite difference of these affine maps);
2. the C implementation, with each method, matches the reference within the
   scaled rounding bound of tests/helpers.py, on a grid of named cases and on
   hypothesis-generated shapes;
3. the C backward satisfies the adjoint identity with the C forward, exactly
   on integer data: <F(a + da, v) - F(a, v), g> == <da, grad_a>, and the same
   for v;
4. float64 central finite differences of the C forward agree with it on
   random real data;
5. float32, float16 and mixed dtypes are within the scaled tolerance of the
   float64 reference.
"""
import itertools

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import fastconv
from fastconv import reference
from helpers import assert_scaled_close

METHODS = ("direct", "im2col", "auto")

# name -> (fastconv forward, fastconv backward, reference backward, NumPy/SciPy forward)
OPS = {
    "convolve": (fastconv.convolve, fastconv.convolve_backward,
                 reference.convolve_backward, np.convolve),
    "correlate": (fastconv.correlate, fastconv.correlate_backward,
                  reference.correlate_backward, np.correlate),
    "convolve2d": (fastconv.convolve2d, fastconv.convolve2d_backward,
                   reference.convolve2d_backward, scipy.signal.convolve2d),
    "correlate2d": (fastconv.correlate2d, fastconv.correlate2d_backward,
                    reference.correlate2d_backward, scipy.signal.correlate2d),
}


def _valid_pair(shape1, shape2):
    """'valid' needs one input at least as large as the other on every axis."""
    return (all(a >= b for a, b in zip(shape1, shape2))
            or all(a <= b for a, b in zip(shape1, shape2)))


def _cases():
    """(op, shape1, shape2, args) for every mode x boundary x swap case, with
    odd and even kernel sizes, kernels larger than the image, fillvalue != 0."""
    cases = []
    sizes_1d = [(7, 3), (3, 7), (6, 4), (4, 6), (5, 5), (2, 2), (1, 4), (4, 1), (8, 5), (5, 8)]
    for op, mode, (n1, n2) in itertools.product(("convolve", "correlate"),
                                                ("full", "same", "valid"), sizes_1d):
        cases.append((op, (n1,), (n2,), (mode,)))
    shapes_2d = [
        ((5, 6), (2, 3)),   # even x odd kernel
        ((5, 6), (3, 3)),   # odd kernel
        ((4, 5), (4, 2)),   # even kernel, as tall as the image
        ((2, 3), (5, 6)),   # in2 larger: 'valid' swaps
        ((3, 2), (4, 4)),   # in2 larger, even
        ((4, 4), (4, 4)),   # equal
        ((2, 3), (5, 7)),   # kernel much larger: 'wrap' / 'symm' repeat
        ((6, 5), (1, 1)),
        ((1, 6), (1, 4)),   # one row
    ]
    boundaries = [("fill", 0), ("fill", 2.5), ("wrap", 0), ("symm", 0)]
    for op, mode, (s1, s2), (boundary, fill) in itertools.product(
            ("convolve2d", "correlate2d"), ("full", "same", "valid"), shapes_2d, boundaries):
        if mode == "valid" and not _valid_pair(s1, s2):
            continue
        cases.append((op, s1, s2, (mode, boundary, fill)))
    return cases


CASES = _cases()


def _case_id(case):
    op, s1, s2, args = case
    return f"{op}-{'x'.join(map(str, s1))}-{'x'.join(map(str, s2))}-" + "-".join(map(str, args))


def _inputs(case, rng, integers):
    op, s1, s2, args = case
    if integers:
        x1 = rng.integers(-3, 4, size=s1).astype(np.float64)
        x2 = rng.integers(-3, 4, size=s2).astype(np.float64)
    else:
        x1, x2 = rng.standard_normal(s1), rng.standard_normal(s2)
    out_shape = OPS[op][0](x1, x2, *args).shape
    g = (rng.integers(-3, 4, size=out_shape).astype(np.float64) if integers
         else rng.standard_normal(out_shape))
    return g, x1, x2


def _magnitudes(op, g, x1, x2, args):
    """The reference backward applied to absolute values: the scale of the
    rounding error of a correct implementation (tests/helpers.py)."""
    args = args[:2] + (abs(args[2]),) if len(args) == 3 else args
    return OPS[op][2](np.abs(g), np.abs(x1), np.abs(x2), *args)


def _assert_close_to_reference(op, got, g, x1, x2, args, dtype, what):
    exact = OPS[op][2](g, x1, x2, *args)
    mags = _magnitudes(op, g, x1, x2, args)
    n_terms = g.size + x1.size + x2.size
    for name, got_i, exact_i, mag_i in zip(("grad1", "grad2"), got, exact, mags):
        assert got_i.dtype == dtype, f"{what} {name}: dtype {got_i.dtype} != {dtype}"
        assert_scaled_close(got_i, exact_i, mag_i, n_terms, dtype=dtype, what=f"{what} {name}")


# ---------------------------------------------------------------------------
# 1. the specification: reference backward == J^T g of NumPy's / SciPy's forward
# ---------------------------------------------------------------------------

def _jacobian_transpose_product(forward, g, x1, x2, args):
    """(J1^T g, J2^T g), J built one column at a time as F(x + e_i) - F(x):
    exact on integer-valued data, since F is affine in each input."""
    base = forward(x1, x2, *args)
    grads = []
    for which, x in enumerate((x1, x2)):
        grad = np.empty(x.size)
        for i in range(x.size):
            bumped = x.copy()
            bumped.flat[i] += 1.0
            column = (forward(bumped, x2, *args) if which == 0
                      else forward(x1, bumped, *args)) - base
            grad[i] = np.sum(column * g)
        grads.append(grad.reshape(x.shape))
    return grads


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_reference_is_vjp_of_numpy_scipy(case):
    op = case[0]
    g, x1, x2 = _inputs(case, np.random.default_rng(1), integers=True)
    expected = _jacobian_transpose_product(OPS[op][3], g, x1, x2, case[3])
    got = OPS[op][2](g, x1, x2, *case[3])
    for got_i, expected_i in zip(got, expected):
        np.testing.assert_array_equal(got_i, expected_i)


# ---------------------------------------------------------------------------
# 2. C implementation vs reference, every method
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_backward_matches_reference(case, method):
    op, _, _, args = case
    g, x1, x2 = _inputs(case, np.random.default_rng(2), integers=False)
    got = OPS[op][1](g, x1, x2, *args, method=method)
    _assert_close_to_reference(op, got, g, x1, x2, args, np.float64, f"{op} {method}")


@st.composite
def _random_cases(draw):
    op = draw(st.sampled_from(sorted(OPS)))
    mode = draw(st.sampled_from(["full", "same", "valid"]))
    if op in ("convolve", "correlate"):
        s1, s2 = (draw(st.integers(1, 12)),), (draw(st.integers(1, 12)),)
        args = (mode,)
    else:
        dims = st.integers(1, 6)
        s1, s2 = (draw(dims), draw(dims)), (draw(dims), draw(dims))
        if mode == "valid" and not _valid_pair(s1, s2):
            s2 = tuple(min(a, b) for a, b in zip(s1, s2))   # in2 fits in in1
            if draw(st.booleans()):
                s1, s2 = s2, s1
        boundary = draw(st.sampled_from(["fill", "wrap", "symm"]))
        fill = draw(st.sampled_from([0.0, -1.75, 3.0, -0.0]))
        args = (mode, boundary, fill)
    return (op, s1, s2, args), draw(st.sampled_from(METHODS)), draw(st.integers(0, 2**32 - 1))


@given(_random_cases())
def test_backward_matches_reference_on_generated_shapes(drawn):
    case, method, seed = drawn
    op, _, _, args = case
    g, x1, x2 = _inputs(case, np.random.default_rng(seed), integers=False)
    got = OPS[op][1](g, x1, x2, *args, method=method)
    _assert_close_to_reference(op, got, g, x1, x2, args, np.float64, f"{case} {method}")


# ---------------------------------------------------------------------------
# 3. the adjoint identity, exact on integer data
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_adjoint_identity(case, method):
    op, s1, s2, args = case
    forward, backward = OPS[op][0], OPS[op][1]
    rng = np.random.default_rng(3)
    g, x1, x2 = _inputs(case, rng, integers=True)
    d1 = rng.integers(-3, 4, size=s1).astype(np.float64)
    d2 = rng.integers(-3, 4, size=s2).astype(np.float64)
    grad1, grad2 = backward(g, x1, x2, *args, method=method)
    base = forward(x1, x2, *args)
    # <J1 d1, g> == <d1, J1^T g>; F is affine in x1 (the fill is a constant),
    # so J1 d1 = F(x1 + d1, x2) - F(x1, x2), exactly on integers
    assert np.sum((forward(x1 + d1, x2, *args) - base) * g) == np.sum(d1 * grad1)
    assert np.sum((forward(x1, x2 + d2, *args) - base) * g) == np.sum(d2 * grad2)


# ---------------------------------------------------------------------------
# 4. central finite differences, float64
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_finite_differences(case):
    op, _, _, args = case
    forward, backward = OPS[op][0], OPS[op][1]
    g, x1, x2 = _inputs(case, np.random.default_rng(4), integers=False)
    grads = backward(g, x1, x2, *args)
    h = 1e-4
    for which, (x, grad) in enumerate(zip((x1, x2), grads)):
        fd = np.empty(x.size)
        for i in range(x.size):
            plus, minus = x.copy(), x.copy()
            plus.flat[i] += h
            minus.flat[i] -= h
            if which == 0:
                diff = forward(plus, x2, *args) - forward(minus, x2, *args)
            else:
                diff = forward(x1, plus, *args) - forward(x1, minus, *args)
            fd[i] = np.sum(diff * g) / (2 * h)
        scale = np.sum(np.abs(g)) * max(np.abs(x1).max(), np.abs(x2).max(), 1.0)
        np.testing.assert_allclose(grad.ravel(), fd, rtol=1e-6, atol=1e-9 * scale,
                                   err_msg=f"{op} {args} input {which + 1}")


# ---------------------------------------------------------------------------
# 5. dtypes: float32, float16, mixed
# ---------------------------------------------------------------------------

DTYPE_CASES = CASES[::3]


@pytest.mark.parametrize("dtypes", [(np.float32, np.float32), (np.float16, np.float16),
                                    (np.float16, np.float32), (np.float32, np.float64)],
                         ids=lambda d: f"{np.dtype(d[0])}-{np.dtype(d[1])}")
@pytest.mark.parametrize("case", DTYPE_CASES, ids=_case_id)
def test_low_precision_within_scaled_tolerance(case, dtypes):
    op, _, _, args = case
    g, x1, x2 = _inputs(case, np.random.default_rng(5), integers=False)
    x1, x2 = x1.astype(dtypes[0]), x2.astype(dtypes[1])
    result = np.result_type(x1, x2)
    g = g.astype(np.float32 if result == np.float16 else result)   # what the kernels see
    for method in METHODS:
        got = OPS[op][1](g, x1, x2, *args, method=method)
        # the reference sums the same low-precision values in double precision
        _assert_close_to_reference(op, got, g, x1, x2, args, result, f"{op} {method} {dtypes}")


# ---------------------------------------------------------------------------
# larger problems: tiled im2col (several tap tiles), methods agree
# ---------------------------------------------------------------------------

@pytest.fixture
def small_im2col_tiles():
    old = fastconv.set_im2col_tile_bytes(3000)
    yield
    fastconv.set_im2col_tile_bytes(old)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op, s1, s2, args", [
    ("convolve", (3000,), (17,), ("same",)),
    ("correlate", (40,), (2500,), ("valid",)),
    ("convolve2d", (60, 70), (5, 4), ("same", "symm", 0)),
    ("correlate2d", (50, 40), (7, 9), ("full", "fill", -1.5)),
    ("correlate2d", (9, 8), (30, 33), ("same", "wrap", 0)),
])
def test_methods_agree_on_larger_problems(op, s1, s2, args, dtype, small_im2col_tiles):
    rng = np.random.default_rng(6)
    x1, x2 = rng.standard_normal(s1), rng.standard_normal(s2)
    g = rng.standard_normal(OPS[op][0](x1, x2, *args).shape)
    exact = OPS[op][1](g, x1, x2, *args, method="direct")   # float64, proven above
    mags = OPS[op][1](np.abs(g), np.abs(x1), np.abs(x2), *args[:2], *map(abs, args[2:]),
                      method="direct")
    n_terms = g.size + x2.size
    low = [a.astype(dtype) for a in (g, x1, x2)]
    for method in METHODS:
        got = OPS[op][1](*low, *args, method=method)
        for name, got_i, exact_i, mag_i in zip(("grad1", "grad2"), got, exact, mags):
            assert_scaled_close(got_i, exact_i, mag_i, n_terms, dtype=dtype,
                                what=f"{op} {method} {name}")


@pytest.mark.slow
@pytest.mark.parametrize("op", sorted(OPS))
def test_slow_sweep_against_reference(op):
    """Every mode x boundary x fill on 150 random shape pairs per function, up
    to 9 x 9 (2-D) or 39 (1-D): about 15 s."""
    rng = np.random.default_rng(7)
    two_d = op.endswith("2d")
    for _ in range(150):
        if two_d:
            s1, s2 = tuple(rng.integers(1, 10, 2)), tuple(rng.integers(1, 10, 2))
        else:
            s1, s2 = (int(rng.integers(1, 40)),), (int(rng.integers(1, 40)),)
        for mode in ("full", "same", "valid"):
            if mode == "valid" and not _valid_pair(s1, s2):
                continue
            arg_sets = ([(mode, b, f) for b in ("fill", "wrap", "symm") for f in (0, 1.25)]
                        if two_d else [(mode,)])
            for args in arg_sets:
                case = (op, s1, s2, args)
                g, x1, x2 = _inputs(case, rng, integers=False)
                got = OPS[op][1](g, x1, x2, *args, method=METHODS[rng.integers(3)])
                _assert_close_to_reference(op, got, g, x1, x2, args, np.float64, str(case))
