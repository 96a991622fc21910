"""Calibration of the 'auto' cost model (``--fit-auto``) and the measure of
its quality (``--auto-quality``).

`fit` times fastconv's own methods through the signal primitive on a fixed
set of shapes and fits the constants of _method.cost per method and dtype
(weighted least squares on relative error): the direct kernels at every ISA
level this CPU has, im2col, and the FFT path, each also at all cores to get
its parallel efficiency.  The result, with the machine it was fitted on, is
written as JSON (by default the package's data/auto_model.json, loaded at
import).  Re-running it after the kernels change is all a new kernel needs.

`quality` measures, for each case, every method and 'auto''s choice, and
reports auto's time over the fastest method's.
"""
import copy
import json
import math
import os
import time

import numpy as np

from fastconv import _dtypes, _fft, _isa, _method, _primitive, _threads
from fastconv._method import Method
from fastconv.bench import machine

DTYPES = ("float32", "float64")

# (x_shape, w_shape, out_shape) of the primitive ('valid' outputs unless given)
def _valid(x_shape, w_shape):
    return (x_shape, w_shape, (x_shape[0] - w_shape[0] + 1, x_shape[1] - w_shape[1] + 1))


VALID_SHAPES = [_valid((1, 1 << 15), (1, k)) for k in (1, 3, 16, 64, 256)] + [
    _valid((160, 160), (k, k)) for k in (3, 7, 15)] + [
    _valid((260, 260), (253 - k, 253 - k)) for k in (0, 4, 8, 16)] + [   # kernel-gradient-like
    _valid((1, 20_000), (1, 20_000 - 63))]
# windows past x's end (the primitive's window at (0, 0)): edge outputs
EDGE_SHAPES = [((1, 4096), (1, 1001), (1, 4096)), ((1, 20_000), (1, 5001), (1, 20_000)),
               ((100, 100), (31, 31), (100, 100)), ((64, 64), (40, 40), (64, 64)),
               ((200, 200), (15, 15), (200, 200))]
DIRECT_SHAPES = VALID_SHAPES + EDGE_SHAPES
IM2COL_SHAPES = VALID_SHAPES
FFT_SHAPES = [_valid((1, n), (1, k)) for n in (1 << 12, 1 << 15, 1 << 18) for k in (31, 1001)] + [
    _valid((1, 8000), (1, 2000)), _valid((1, 24000), (1, 20000))] + [
    _valid((s, s), (k, k)) for s in (64, 256, 700) for k in (5, 31)] + [
    _valid((260, 260), (253, 253)), _valid((1000, 1000), (25, 11))]
# the per-block overhead of the FFT path is chosen among these (element-log2
# units) by timing block plans on shapes where it matters
OVERHEAD_CHOICES = (1024.0, 4096.0, 16384.0, 65536.0)
OVERHEAD_SHAPES = [_valid((1, 1 << 18), (1, k)) for k in (31, 101, 1001)] + [
    _valid((1024, 1024), (k, k)) for k in (9, 21)]
PARALLEL_SHAPES = {"direct": [_valid((512, 512), (9, 9)), _valid((1, 1 << 18), (1, 64))],
                   "fft": [_valid((1, 1 << 18), (1, 1001)), _valid((1, 1 << 18), (1, 101)),
                           _valid((700, 700), (31, 31))]}


def _seconds(call, budget=0.25, repeats=(3, 40)):
    """Minimum time of `call` over a few repeats (at least repeats[0], at
    most repeats[1], about `budget` seconds in all)."""
    best = math.inf
    start = time.perf_counter()
    count = 0
    while count < repeats[0] or (count < repeats[1] and time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
        count += 1
    return best


def _inputs(shapes, dtype):
    x_shape, w_shape, _ = shapes
    rng = np.random.default_rng(0)
    return (rng.standard_normal(x_shape).astype(dtype),
            rng.standard_normal(w_shape).astype(dtype))


def run(method, shapes, dtype, threads=1, boundary="zero", op="correlate"):
    """Seconds of one primitive call by `method` (a name or Method)."""
    import threadpoolctl

    x, w = _inputs(shapes, dtype)
    plan = _dtypes.plan(np.dtype(dtype))
    out_shape = shapes[2]
    # OpenMP limited too: a kernel that does not take threads= yet runs
    # OpenMP's default team, which must not count as one thread
    with threadpoolctl.threadpool_limits(limits=threads, user_api="openmp"):
        return _seconds(lambda: _primitive.correlate_2d(x, w, out_shape, 0, 0, plan, method,
                                                        boundary, op=op, threads=threads))


def _weighted_lstsq(columns, times):
    """Non-negative coefficients c minimising sum ((A c - t) / t)^2, A the
    feature rows of the measured shapes."""
    a = np.array(columns, dtype=float) / np.array(times)[:, None]   # rows: shapes
    ones = np.ones(len(times))
    active = list(range(a.shape[1]))
    while True:
        coef = np.zeros(a.shape[1])
        coef[active] = np.linalg.lstsq(a[:, active], ones, rcond=None)[0]
        negative = [i for i in active if coef[i] < 0]
        if not negative:
            return coef, float(np.sqrt(np.mean((a @ coef - 1) ** 2)))
        active.remove(negative[0])


def _features(method, shapes, dtype, v=0.0):
    x_shape, w_shape, out_shape = shapes
    macs = float(out_shape[0] * out_shape[1] * w_shape[0] * w_shape[1])
    if method == "direct":       # a, b, b_edge_1d, b_edge_2d of _method.cost
        inside, edge = _method.direct_macs(shapes)
        penalty = 1 + v / out_shape[1]
        return [1.0, inside * penalty] + [edge * penalty if _method.edge_key(shapes) == key
                                          else 0.0 for key in ("b_edge_1d", "b_edge_2d")]
    if method == "im2col":
        return [1.0, macs]
    plan = _fft.block_plan(out_shape, w_shape, True, _method.block_overhead(np.dtype(dtype)),
                           lanes=True)         # the plan _fft.correlate runs, priced as _method does
    two_d = plan.nr > 1      # _method prices 2-D transforms by b2, 1-D ones by b
    return [1.0, 0.0 if two_d else plan.lane_work, plan.lane_work if two_d else 0.0,
            float(plan.blocks)]


def _fit_direct(dtype, log):
    times = [run("direct", s, dtype) for s in DIRECT_SHAPES]
    best = None
    for v in (0, 1, 2, 4, 8, 16, 32, 64):
        coef, residual = _weighted_lstsq([_features("direct", s, dtype, v) for s in DIRECT_SHAPES],
                                         times)
        if best is None or residual < best[2]:
            best = (v, coef, residual)
    v, (a, b, edge_1d, edge_2d), residual = best
    # an edge MAC costs at least an inside one (the edge paths do more per
    # term); the floor also stands in for a slope the shapes left unfitted
    edge_1d, edge_2d = max(edge_1d, b), max(edge_2d, b)
    log(f"  direct {dtype}: a={a:.3g} s, b={b:.3g} s/MAC (edges {edge_1d / b:.2f}x 1-D, "
        f"{edge_2d / b:.2f}x 2-D), v={v}, rms rel. error {residual:.2f}")
    return {"a": a, "b": b, "b_edge_1d": edge_1d, "b_edge_2d": edge_2d, "v": float(v)}, times


def _fit_simple(method, shapes, dtype, log):
    times = [run(method, s, dtype) for s in shapes]
    coef, residual = _weighted_lstsq([_features(method, s, dtype) for s in shapes], times)
    names = ("a", "b", "b2", "c") if method == "fft" else ("a", "b")
    log(f"  {method} {dtype}: " + ", ".join(f"{n}={c:.3g}" for n, c in zip(names, coef))
        + f", rms rel. error {residual:.2f}")
    return dict(zip(names, map(float, coef))), times


def _fit_overhead(dtype, log):
    """The per-block overhead whose block plans run fastest (sum over
    OVERHEAD_SHAPES of the time relative to the best choice)."""
    model = copy.deepcopy(_method.model())
    totals = dict.fromkeys(OVERHEAD_CHOICES, 0.0)
    for shapes in OVERHEAD_SHAPES:
        times = {}
        for overhead in OVERHEAD_CHOICES:
            model["fft"][dtype]["overhead"] = overhead
            old = _method.set_model(model)
            try:
                times[overhead] = run("fft", shapes, dtype)
            finally:
                _method.set_model(old)
        best = min(times.values())
        for overhead, t in times.items():
            totals[overhead] += t / best
    overhead = min(totals, key=totals.get)
    log(f"  fft {dtype}: per-block overhead {overhead:g} (relative times "
        + ", ".join(f"{k:g}: {v / len(OVERHEAD_SHAPES):.2f}" for k, v in totals.items()) + ")")
    return overhead


def _efficiency(method, dtype, threads):
    """Parallel efficiency e of speedup(t) = 1 + (t - 1) e at `threads`, the
    median over PARALLEL_SHAPES, within [0, 0.9]."""
    if threads <= 1:
        return 0.0
    gains = []
    for shapes in PARALLEL_SHAPES[method]:
        one, many = run(method, shapes, dtype, 1), run(method, shapes, dtype, threads)
        gains.append((one / many - 1) / (threads - 1))
    return float(min(max(np.median(gains), 0.0), 0.9))


def fit(path=None, log=print):
    """Measure and fit the model; write it to `path` (default: the package's
    data file) and return it."""
    start = time.perf_counter()
    threads = _threads.resolve(None)
    info = machine.describe()
    model = {"fitted": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "machine": {"cpu": info.get("cpu_model"), "isa_levels": list(_isa.available()),
                         "threads": threads},
             "direct": {}, "im2col": {}, "fft": {}}
    old_isa = _isa.isa()
    try:
        for level in _isa.available():
            _isa.set_isa(level)
            log(f"direct kernels at ISA level {level}")
            model["direct"][level] = {}
            for dtype in DTYPES:
                constants, _ = _fit_direct(dtype, log)
                constants["eff"] = _efficiency("direct", dtype, threads)
                model["direct"][level][dtype] = constants
    finally:
        _isa.set_isa(old_isa)
    for dtype in DTYPES:
        model["im2col"][dtype], _ = _fit_simple("im2col", IM2COL_SHAPES, dtype, log)
        overhead = _fit_overhead(dtype, log)
        model["fft"][dtype] = {"overhead": overhead}
        old = _method.set_model(model)     # the block plans of the fitted overhead
        try:
            constants, _ = _fit_simple("fft", FFT_SHAPES, dtype, log)
        finally:
            _method.set_model(old)
        constants["overhead"] = overhead
        constants["eff"] = _efficiency("fft", dtype, threads)
        model["fft"][dtype] = constants
    model["fit_seconds"] = round(time.perf_counter() - start, 1)
    path = path or default_path()
    with open(path, "w") as f:
        json.dump(model, f, indent=1)
        f.write("\n")
    log(f"wrote {path} ({model['fit_seconds']} s)")
    _method.set_model(model)
    return model


def default_path():
    return os.path.join(os.path.dirname(_method.__file__), "data", _method.MODEL_FILE)


# --------------------------------------------------------------------------
# quality of 'auto'
# --------------------------------------------------------------------------

def methods_for(dtype):
    return ("direct", "im2col") + (() if np.dtype(dtype).kind in "biu" else ("fft",))


def compare(shapes, dtype, threads=1, op="correlate"):
    """(times by method name, auto's choice) for one primitive call (`run`'s:
    window at (0, 0), zero extension; auto priced with the FFT's trim, as the
    primitive prices it)."""
    trim = _fft.zero_trim(*shapes, 0, 0)
    choice = _method.resolve("auto", op, shapes, np.dtype(dtype), "zero", threads, trim=trim)
    times = {m: run(m, shapes, dtype, threads, op=op) for m in methods_for(dtype)}
    return times, choice.label


def case_shapes(case):
    """(primitive shapes, dtype) of a signal case of the benchmark grid."""
    if case.ndim == 1:
        (n,), (k,) = case.shape, case.kernel
        length = {"full": n + k - 1, "valid": n - k + 1, "same": n}[case.mode]
        return ((1, n), (1, k), (1, length)), case.dtype
    return (tuple(case.shape), tuple(case.kernel), tuple(case.shape)), case.dtype


def random_shapes(count=200, seed=0, max_macs=1e9):
    """`count` random (shapes, dtype): half 1-D (n up to 2e5), half 2-D
    (sides up to 1000), kernels of 1 to 20000 taps (log-uniform), float32 and
    float64; sizes capped so that a direct call stays under ~1 s."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        dtype = DTYPES[len(cases) % 2]
        taps = int(round(math.exp(rng.uniform(0, math.log(20_000)))))
        if len(cases) % 4 < 2:
            n = int(math.exp(rng.uniform(math.log(max(taps, 16)), math.log(200_000))))
            shapes = _valid((1, max(n, taps)), (1, taps))
        else:
            kr = max(1, min(int(round(math.sqrt(taps) * math.exp(rng.uniform(-0.5, 0.5)))), 141))
            kc = max(1, min(taps // kr, 141))
            side = int(math.exp(rng.uniform(math.log(max(kr, kc, 8)), math.log(1000))))
            shapes = (((side, side)), (kr, kc), (side, side))   # 'same'-sized output
        outputs = shapes[2][0] * shapes[2][1]
        if outputs * shapes[1][0] * shapes[1][1] > max_macs:
            continue
        cases.append((shapes, dtype))
    return cases


def kernel_grad_shapes():
    """Kernel gradients of the standard grid's 2-D cases ('same' mode): the
    correlation of the padded image with g, with the kernel's shape as output."""
    cases = []
    for dtype in DTYPES:
        for side in (512, 2048):
            for k in (3, 5, 15, 31):
                cases.append((((side + k - 1, side + k - 1), (side, side), (k, k)), dtype,
                              "kernel_grad"))
    return cases


def quality(cases, threads=1, log=print):
    """Ratios auto / fastest for (shapes, dtype[, op]) cases; returns a list
    of dicts and prints one line per case."""
    rows = []
    for shapes, dtype, *op in cases:
        op = op[0] if op else "correlate"
        times, choice = compare(shapes, dtype, threads, op)
        best = min(times, key=times.get)
        ratio = times[choice] / times[best]
        rows.append({"shapes": shapes, "dtype": dtype, "op": op, "times": times, "auto": choice,
                     "best": best, "ratio": ratio})
        log(f"  x{shapes[0]} w{shapes[1]} {dtype:8} auto={choice:6} best={best:6} "
            f"ratio {ratio:5.2f}  " + " ".join(f"{m}={t * 1e3:.3g}ms" for m, t in times.items()))
    return rows


def summary(rows, label):
    """One line: how close auto's times came to the fastest method's."""
    if not rows:
        return f"{label}: no cases"
    ratios = np.array([r["ratio"] for r in rows])
    within = np.mean(ratios <= 1.10)
    return (f"{label}: {len(rows)} cases, auto/fastest median {np.median(ratios):.2f}, "
            f"max {ratios.max():.2f}, within 10% in {within:.0%}, "
            f"over 1.5x in {int(np.sum(ratios > 1.5))}")
