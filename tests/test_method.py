"""The one chooser (fastconv/_method.py): method codes, the signal cost
model's choices, the fitted data file, and the nn layers' rule reproduced
exactly."""
import copy
import itertools
import json
from importlib import resources

import numpy as np
import pytest

from fastconv import _fft, _isa, _method, _nn_shapes, _validation
from fastconv._method import Method

F32, F64, C128 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.complex128)


def test_every_method_name_has_one_code():
    assert {_method.code(name) for name in _validation.SIGNAL_METHODS} == set(Method)
    for name in _validation.SIGNAL_METHODS:
        assert _method.code(name).label == name
        assert _method.code(_method.code(name)) is _method.code(name)
    assert len({int(m) for m in Method}) == len(Method)


def test_explicit_methods_are_kept():
    shapes = ((1, 100), (1, 3), (1, 98))
    for name in ("direct", "im2col", "fft"):
        assert _method.resolve(name, "correlate", shapes, F64).label == name


def test_fft_refused_for_exact_dtypes():
    with pytest.raises(ValueError, match="must be exact"):
        _method.resolve("fft", "correlate", ((1, 9), (1, 3), (1, 7)), np.dtype(np.int32))


@pytest.mark.parametrize("dtype", [F32, F64, C128])
def test_choices_at_the_extremes(dtype):
    """Tiny problems run direct; the issue's long-kernel cases run FFT."""
    choose = _method.choose
    assert choose("correlate", ((1, 50), (1, 3), (1, 48)), dtype) == Method.DIRECT
    assert choose("correlate", ((64, 64), (3, 3), (64, 64)), dtype) == Method.DIRECT
    assert choose("correlate", ((1, 10**6), (1, 10_001), (1, 10**6)), dtype) == Method.FFT
    assert choose("correlate", ((2048, 2048), (31, 31), (2048, 2048)), dtype) == Method.FFT
    assert choose("correlate", ((5, 5), (0, 3), (5, 5)), dtype) == Method.DIRECT   # empty


def test_more_threads_never_make_a_method_slower():
    shapes = ((1, 10**5), (1, 1001), (1, 10**5))
    for method in (Method.DIRECT, Method.IM2COL, Method.FFT):
        assert (_method.cost(method, "correlate", shapes, F64, threads=2)
                <= _method.cost(method, "correlate", shapes, F64, threads=1))


def test_data_file_records_the_machine_and_every_method():
    data = json.loads(resources.files("fastconv").joinpath("data", _method.MODEL_FILE)
                      .read_text())
    assert data["machine"]["cpu"] and data["machine"]["isa_levels"]
    assert set(data["direct"]) <= set(_isa.LEVELS) and data["direct"]
    for level in data["direct"].values():
        assert set(level) == {"float32", "float64"}
        assert all(set(c) == {"a", "b", "b_edge_1d", "b_edge_2d", "v", "eff"}
                   for c in level.values())
    for dtype in ("float32", "float64"):
        assert data["im2col"][dtype]["b"] > 0 and data["fft"][dtype]["b"] > 0
        assert data["fft"][dtype]["b2"] > 0
    assert "fitted" in _method.describe()


def test_fft_prices_2d_transforms_by_b2():
    """1-D transforms cost b per element-log2, 2-D ones b2 (their column pass
    strides through complex rows); a model without b2 prices both by b."""
    one_d = ((1, 20000), (1, 1001), (1, 19000))
    two_d = ((300, 300), (31, 31), (270, 270))
    model = copy.deepcopy(_method.model())
    prices = {}
    for b2 in (None, 1.0, 2.0):
        c = model["fft"]["float64"]
        c.pop("b2", None)
        if b2 is not None:
            c["b2"] = b2 * c["b"]
        old = _method.set_model(copy.deepcopy(model))
        try:
            prices[b2] = [_method.cost(Method.FFT, "correlate", s, F64) - c["a"]
                          for s in (one_d, two_d)]
        finally:
            _method.set_model(old)
    assert prices[None] == prices[1.0]
    assert prices[2.0][0] == prices[1.0][0]                      # 1-D: b
    assert prices[2.0][1] > 1.9 * prices[1.0][1]                  # 2-D: b2 (blocks' c aside)


def test_direct_prices_edge_outputs_by_their_slope():
    """Outputs whose window passes an edge of x run on the direct kernels'
    edge paths, b_edge_1d / b_edge_2d a multiply-add; the others b."""
    assert _method.direct_macs(((100, 100), (31, 31), (70, 70))) == (70 * 70 * 961, 0)
    assert _method.direct_macs(((100, 100), (31, 31), (100, 100))) == (
        70 * 70 * 961, (100 * 100 - 70 * 70) * 961)
    assert _method.direct_macs(((1, 50), (1, 7), (1, 56))) == (44 * 7, 12 * 7)
    assert _method.direct_macs(((3, 5), (4, 2), (6, 6))) == (0, 36 * 8)   # kernel taller than x
    model = copy.deepcopy(_method.model())
    for level in model["direct"].values():
        for c in level.values():
            c.pop("b_edge_1d", None)
            c.pop("b_edge_2d", None)
    shapes = {"1d": ((1, 4096), (1, 1001), (1, 4096)), "2d": ((100, 100), (31, 31), (100, 100))}
    prices = {}
    for edges in (None, (2.0, 5.0)):
        if edges is not None:
            for level in model["direct"].values():
                for c in level.values():
                    c["b_edge_1d"], c["b_edge_2d"] = edges[0] * c["b"], edges[1] * c["b"]
        old = _method.set_model(copy.deepcopy(model))
        try:
            c = _method._direct_constants("float64")
            prices[edges] = {k: _method.cost(Method.DIRECT, "correlate", s, F64) - c["a"]
                             for k, s in shapes.items()}
            b, v = c["b"], c["v"]
        finally:
            _method.set_model(old)
    for key, factor in (("1d", 2.0), ("2d", 5.0)):
        inside, edge = _method.direct_macs(shapes[key])
        penalty = 1 + v / shapes[key][2][1]
        assert prices[None][key] == pytest.approx(b * (inside + edge) * penalty)
        assert prices[(2.0, 5.0)][key] == pytest.approx(b * (inside + factor * edge) * penalty)


def test_fit_features_match_the_priced_terms():
    """The fit's feature columns are those _method.cost prices: a, b times
    1-D work, b2 times 2-D work, c times blocks."""
    from fastconv.bench import autofit
    for shapes in autofit.FFT_SHAPES:
        a, work_1d, work_2d, blocks = autofit._features("fft", shapes, "float64")
        plan = _fft.block_plan(shapes[2], shapes[1], True,
                               _method.block_overhead(np.dtype(F64)), lanes=True)
        assert a == 1.0 and blocks == plan.blocks
        assert (work_1d, work_2d) == ((0.0, plan.lane_work) if plan.nr > 1
                                      else (plan.lane_work, 0.0))
    two_d = [s for s in autofit.FFT_SHAPES if s[1][0] > 1]
    assert len(two_d) >= 4 and len(autofit.FFT_SHAPES) - len(two_d) >= 4


def test_an_unfitted_isa_level_uses_the_nearest_lower_one():
    model = copy.deepcopy(_method.model())
    scalar = model["direct"]["scalar"] if "scalar" in model["direct"] else next(
        iter(model["direct"].values()))
    model["direct"] = {"scalar": scalar}
    old = _method.set_model(model)
    try:
        shapes = ((1, 1000), (1, 15), (1, 986))
        expected = scalar["float64"]["a"] + scalar["float64"]["b"] * 986 * 15 * (
            1 + scalar["float64"]["v"] / 986)
        assert _method.cost(Method.DIRECT, "correlate", shapes, F64) == pytest.approx(expected)
    finally:
        _method.set_model(old)


def _unmemoized_choice(shapes, dtype, boundary="zero", threads=1):
    costs = {m: _method.cost(m, "correlate", shapes, dtype, boundary, threads)
             for m in (Method.DIRECT, Method.IM2COL, Method.FFT)}
    return min(costs, key=costs.get)


SHAPE_SWEEP = [((1, n), (1, k), (1, n - k + 1)) for n in (100, 5000, 10**5) for k in (3, 31, 99)] + [
    ((s, s), (k, k), (s, s)) for s in (16, 100, 700) for k in (3, 9, 15)]


@pytest.mark.parametrize("boundary", ["zero", "wrap"])
@pytest.mark.parametrize("threads", [1, 2])
def test_choice_is_the_cheapest_method(boundary, threads):
    """The memo and the lower bound that spares FFT's block plan never change
    the choice: it is the cheapest of the three prices (ties aside)."""
    for shapes in SHAPE_SWEEP:
        chosen = _method.choose("correlate", shapes, F32, boundary, threads)
        best = _unmemoized_choice(shapes, F32, boundary, threads)
        prices = {m: _method.cost(m, "correlate", shapes, F32, boundary, threads)
                  for m in (chosen, best)}
        assert prices[chosen] <= prices[best] * (1 + 1e-12), (shapes, chosen, best)


def test_fft_bound_is_below_the_fft_price():
    for boundary in ("zero", "wrap"):
        for shapes in SHAPE_SWEEP:
            for threads, batch in itertools.product((1, 2), (1, 7)):
                assert (_method._fft_cost_bound(shapes, F64, boundary, threads, batch)
                        <= _method.cost(Method.FFT, "correlate", shapes, F64, boundary, threads,
                                        batch))


def test_a_new_model_clears_the_memo():
    shapes = ((512, 512), (15, 15), (512, 512))
    model = copy.deepcopy(_method.model())
    for level in model["direct"].values():
        level["float32"]["b"] *= 1e-6        # direct all but free
    _method.choose("correlate", shapes, F32)
    old = _method.set_model(model)
    try:
        assert _method.choose("correlate", shapes, F32) == Method.DIRECT
    finally:
        _method.set_model(old)
    assert _method.choose("correlate", shapes, F32) == _unmemoized_choice(shapes, F32)


def _nn_rule(op, g, level):
    """The nn layers' rule as docs/guide/cnn_performance.rst states it."""
    too_big = max(g.h_out * g.w_out, g.h_in * g.w_in, g.c_in // g.groups * g.kh * g.kw,
                  g.c_out // g.groups) > 2**31 - 1
    if too_big:
        return "direct"
    og, cg = g.c_out // g.groups, g.c_in // g.groups
    # the dense kernels: stride 1 along the rows, 2 or more channels
    # computed (output channels forward and grad_weight, input channels
    # grad_input with strides 1); at most 16 kernel columns forward and
    # grad_input (the row kernel, AVX2 and AVX-512; 1x1 layers at AVX-512
    # only), more than one tap and at most 4096 output columns for
    # grad_weight (AVX-512 only) (forward and grad_weight at AVX-512 also
    # with stride 2 along the rows, but not 1x1 forward); 1x1 grad_weight
    # (strides 1, no padding) on the pointwise kernel at AVX-512
    taps = g.kh * g.kw
    dense_geometry = g.stride_w == 1 and (taps > 1 or level == "avx512")
    row_runs = dense_geometry and g.kw <= 16 and (
        (op == "nn_forward" and og >= 2)
        or (op == "nn_grad_input" and cg >= 2 and g.stride_h == 1))
    pointwise = (taps == 1 and g.stride_h == 1 and g.stride_w == 1 and g.pad_h == 0
                 and g.pad_w == 0)
    gw_runs = op == "nn_grad_weight" and og >= 2 and (
        g.stride_w <= 2 and taps > 1 and g.w_out <= 4096
        # the pointwise kernel, 'auto' from 256 positions a plane
        or pointwise and g.h_out * g.w_out >= 256)
    s2_runs = op == "nn_forward" and g.stride_w == 2 and taps > 1 and g.kw <= 16 and og >= 2
    if level == "avx512" and (row_runs or gw_runs or s2_runs):
        return "direct"
    # at AVX2 where the GEMM is small: 9 or more taps, forward up to 32
    # output channels per group (up to 64 on rows of 56 or more with 288 or
    # more terms per output), grad_input up to 16
    if level == "avx2" and row_runs and taps >= 9 and (
            (op == "nn_forward" and (og <= 32 or og <= 64 and g.w_out >= 56 and cg * taps >= 288))
            or (op == "nn_grad_input" and og <= 16)):
        return "direct"
    if op == "nn_grad_weight":
        return "direct" if og <= 1 and g.dil_w == 1 else "im2col"
    return "direct" if og <= 4 else "im2col"


def _geometries():
    for groups, c_out, dil_w in itertools.product((1, 2, 8), (1, 2, 4, 5, 8, 16, 64), (1, 2)):
        c_in = 8
        if c_out % groups:
            continue
        yield _nn_shapes.Geometry(n=2, groups=groups, c_in=c_in, h_in=10, w_in=12, c_out=c_out,
                                  h_out=8, w_out=10, kh=3, kw=3, stride_h=1, stride_w=1,
                                  pad_h=0, pad_w=0, dil_h=1, dil_w=dil_w)
    for kh, kw, sh, sw, width in ((1, 1, 1, 1, 40), (3, 3, 2, 1, 40), (3, 3, 1, 2, 40),
                                  (3, 3, 1, 3, 40), (1, 1, 2, 2, 40),
                                  (2, 17, 1, 1, 40), (1, 16, 1, 1, 40), (1, 9, 1, 1, 40),
                                  (2, 4, 1, 1, 40), (3, 3, 1, 1, 40), (3, 3, 1, 1, 4098),
                                  (3, 3, 1, 1, 4099)):
        yield _nn_shapes.Geometry(n=2, groups=1, c_in=8, h_in=40, w_in=width, c_out=16,
                                  h_out=(40 - kh) // sh + 1, w_out=(width - kw) // sw + 1,
                                  kh=kh, kw=kw, stride_h=sh, stride_w=sw, pad_h=0, pad_w=0,
                                  dil_h=1, dil_w=1)
    # the AVX2 rule's edges: output channels 16/17, 32/33, 64/65, rows of
    # 55/56 outputs, 288 terms per output (32 channels x 9 taps) or fewer
    for c_in, c_out, w_out in itertools.product((2, 31, 32), (16, 17, 32, 33, 64, 65), (55, 56)):
        yield _nn_shapes.Geometry(n=1, groups=1, c_in=c_in, h_in=5, w_in=w_out + 2, c_out=c_out,
                                  h_out=3, w_out=w_out, kh=3, kw=3, stride_h=1, stride_w=1,
                                  pad_h=0, pad_w=0, dil_h=1, dil_w=1)
    # the pointwise grad_weight's edges: 255 / 256 positions a plane, padding
    for h, w, pad in ((15, 17, 0), (16, 16, 0), (16, 16, 1)):
        yield _nn_shapes.Geometry(n=2, groups=1, c_in=8, h_in=h, w_in=w, c_out=16,
                                  h_out=h + 2 * pad, w_out=w + 2 * pad, kh=1, kw=1, stride_h=1,
                                  stride_w=1, pad_h=pad, pad_w=pad, dil_h=1, dil_w=1)
    yield _nn_shapes.Geometry(n=1, groups=1, c_in=1, h_in=1, w_in=2**31, c_out=8, h_out=1,
                              w_out=2**31 - 2, kh=1, kw=3, stride_h=1, stride_w=1, pad_h=0,
                              pad_w=0, dil_h=1, dil_w=1)


@pytest.mark.parametrize("level", _isa.available())
@pytest.mark.parametrize("op", _method.NN_OPS)
def test_nn_rule_reproduced(op, level):
    old = _isa.set_isa(level)
    try:
        for g in _geometries():
            assert _method.choose(op, g, F32).label == _nn_rule(op, g, level), g
    finally:
        _isa.set_isa(old)


@pytest.mark.parametrize("op", _method.NN_OPS)
def test_nn_takes_its_rule_from_method(op):
    """fastconv.nn's 'auto' is _method.choose's answer (one module chooses)."""
    from fastconv import nn
    for g in _geometries():
        assert _method.choose(op, g, F32).label == nn._choose_method("auto", op[3:], g)


def test_unknown_op():
    with pytest.raises(ValueError, match="unknown op"):
        _method.choose("conv3d", None, F32)
