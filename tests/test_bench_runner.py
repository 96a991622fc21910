"""Tests of the benchmark runner, fastconv.bench: option parsing, the grid,
the anchors' conventions, the correctness check, the timing schedule, the
time limit, memory measurement, the report, and a --quick run end to end.

Fast (well under 30 s) and independent of the optional anchors: OpenCV,
torch and matplotlib are used when installed and skipped otherwise.  The
CNN path is tested with a stand-in for fastconv.nn defined here (the real
module is built in another branch).
"""
import importlib.util
import io
import json
import sys
import types

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from fastconv.bench import (anchors, autofit, cases, checks, cli, grid, limits, memory, progress,
                            report, runner, threads, timing)
from fastconv.bench.cases import LayerCase, SignalCase

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_CV2 = importlib.util.find_spec("cv2") is not None
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
FAST = runner.Settings(plan=timing.QUICK, measure_memory=False, progress=False)


@pytest.fixture(autouse=True)
def _clean_thread_marker(monkeypatch):
    """main() records the thread count in the environment; keep it out of other tests."""
    monkeypatch.delenv(threads.MARKER, raising=False)


# --------------------------------------------------------------------------
# options
# --------------------------------------------------------------------------

def test_default_options():
    options = cli.parse_options([])
    assert options.threads == 1
    assert not options.quick and options.memory
    assert options.dtype is None and options.only is None
    assert options.time_limit == limits.DEFAULT_LIMIT_SECONDS
    assert options.format == "text"


def test_quick_turns_memory_off_unless_asked():
    assert cli.parse_options(["--quick"]).memory is False
    assert cli.parse_options(["--quick", "--memory"]).memory is True
    assert cli.parse_options(["--no-memory"]).memory is False


def test_options_values():
    options = cli.parse_options(["--threads", "all", "--dtype", "float32", "--only", "conv1d",
                                 "--only", "*k3x3", "--json", "out.json", "--plot", "r.png",
                                 "--time-limit", "5", "--format", "markdown"])
    assert options.threads == threads.available_cores()
    assert options.dtype == ["float32"]
    assert options.only == ["conv1d", "*k3x3"]
    assert (options.json, options.plot, options.time_limit) == ("out.json", "r.png", 5.0)
    assert cli.parse_options(["--threads", "2"]).threads == 2


@pytest.mark.parametrize("argv", [["--threads", "0"], ["--threads", "-1"], ["--threads", "two"],
                                  ["--dtype", "float16"], ["--time-limit", "0"],
                                  ["--memory", "--no-memory"], ["--format", "html"], ["--bogus"]])
def test_bad_options_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.parse_options(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_list_and_selection(capsys):
    assert cli.main(["--list", "--dtype", "float64", "--only", "conv2d-*-k31x31"]) == 0
    names = capsys.readouterr().out.split()
    assert names == ["conv2d-same-float64-512x512-k31x31", "conv2d-same-float64-2048x2048-k31x31"]
    assert cli.main(["--only", "no-such-case"]) == 2


# --------------------------------------------------------------------------
# the grid and the cases
# --------------------------------------------------------------------------

def test_standard_grid_is_the_issue_grid():
    cases_ = grid.standard_grid()
    names = [c.name for c in cases_]
    assert len(names) == len(set(names))
    one_d = [c for c in cases_ if c.family == "signal" and c.ndim == 1]
    two_d = [c for c in cases_ if c.family == "signal" and c.ndim == 2]
    layers = [c for c in cases_ if c.family == "cnn"]
    assert len(one_d) == 6 * 2 * 2 and {c.mode for c in one_d} == {"full", "valid"}
    assert len(two_d) == 2 * 4 * 2 and {c.mode for c in two_d} == {"same"}
    assert len(layers) == 7 * 3 and {c.dtype for c in layers} == {"float32"}
    assert "conv1d-valid-float64-n1000000-k10001" in names
    assert "nn.conv2d-grad_input-float32-N8-C3-224x224-K64-7x7-s2p3-stem" in names


def test_select_by_substring_glob_and_dtype():
    cases_ = grid.standard_grid()
    assert {c.name for c in grid.select(cases_, patterns=["n1000-"])} == {
        f"conv1d-{m}-{d}-n1000-k3" for m in ("full", "valid") for d in ("float32", "float64")}
    glob = grid.select(cases_, dtypes=["float32"], patterns=["conv2d-same-*-k5x5"])
    assert [c.name for c in glob] == ["conv2d-same-float32-512x512-k5x5",
                                      "conv2d-same-float32-2048x2048-k5x5"]
    assert grid.find_case("conv1d-full-float32-n1000-k3").kernel == (3,)
    with pytest.raises(KeyError):
        grid.find_case("nope")


def test_flop_counts_follow_perf_anchors():
    resnet = grid.find_case("nn.conv2d-forward-float32-N16-C64-56x56-K64-3x3-p1-resnet3x3")
    assert resnet.flops == 2 * 16 * 64 * 64 * 9 * 56 * 56          # 3.699 GFLOP
    stem = grid.find_case("nn.conv2d-grad_weight-float32-N8-C3-224x224-K64-7x7-s2p3-stem")
    assert stem.out_spatial == (112, 112) and stem.taps == 8 * 112 * 112
    depthwise = grid.find_case("nn.conv2d-forward-float32-N16-C128-28x28-K128-3x3-p1g128-depthwise")
    assert depthwise.w_shape == (128, 1, 3, 3) and depthwise.flops == 2 * 16 * 128 * 9 * 28 * 28
    full = SignalCase((100,), (7,), "full", "float32")
    assert full.out_shape == (106,) and full.flops == 2 * 106 * 7
    assert SignalCase((100,), (7,), "valid", "float32").out_shape == (94,)


def test_inputs_are_reproducible_and_of_the_case_dtype():
    case = SignalCase((64, 64), (5, 5), "same", "float32")
    a, b = case.make_inputs(), case.make_inputs()
    assert a["x"].dtype == np.float32 and a["x"].shape == (64, 64) and a["w"].shape == (5, 5)
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["w"], b["w"])


def test_scaled_down_is_smaller_and_runnable():
    for case in grid.standard_grid():
        small = case.scaled_down()
        assert small.flops < case.flops and type(small) is type(case)
        if case.family == "signal":
            assert all(n >= k for n, k in zip(small.shape, small.kernel))


# --------------------------------------------------------------------------
# anchors compute the case's result (even kernels included)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kernel", [(3, 3), (4, 4), (2, 5), (4, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_2d_anchors_match_scipy_same(kernel, dtype):
    case = SignalCase((13, 17), kernel, "same", dtype)
    inputs = case.make_inputs()
    expected, magnitude = case.reference(inputs), case.magnitude(inputs)
    ran = []
    for contender in anchors.anchors_for(case):
        if contender.library == "cv2" and not HAS_CV2:
            continue
        got = contender.prepare(case, inputs)()
        verdict = checks.check(got, expected, dtype=dtype, taps=case.taps, magnitude=magnitude)
        assert verdict.ok, (contender.name, verdict.reason)
        ran.append(contender.name)
    assert len(ran) == 6 if HAS_CV2 else 5


@pytest.mark.parametrize("mode", ["full", "valid"])
def test_1d_anchors_match(mode):
    case = SignalCase((50,), (6,), mode, "float64")
    inputs = case.make_inputs()
    expected, magnitude = case.reference(inputs), case.magnitude(inputs)
    for contender in anchors.anchors_for(case):
        verdict = checks.check(contender.prepare(case, inputs)(), expected, dtype="float64",
                               taps=case.taps, magnitude=magnitude)
        assert verdict.ok, (contender.name, verdict.reason)


def test_missing_library_is_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)          # import cv2 now raises ImportError
    case = SignalCase((16, 16), (3, 3), "same", "float32")
    cv2_anchor = [c for c in anchors.anchors_for(case) if c.library == "cv2"][0]
    with pytest.raises(anchors.Unavailable, match="OpenCV"):
        cv2_anchor.prepare(case, case.make_inputs())


# --------------------------------------------------------------------------
# the correctness check can fail
# --------------------------------------------------------------------------

def test_check_passes_rounding_and_fails_real_errors():
    case = SignalCase((200,), (31,), "full", "float32")
    inputs = case.make_inputs()
    expected, magnitude = case.reference(inputs), case.magnitude(inputs)
    kwargs = dict(dtype="float32", taps=case.taps, magnitude=magnitude)
    good = np.convolve(inputs["x"], inputs["w"])
    assert checks.check(good, expected, **kwargs).ok
    shifted = np.roll(good, 1)
    assert not checks.check(shifted, expected, **kwargs).ok
    missing_tap = np.convolve(inputs["x"], inputs["w"][:-1])
    missing_tap = np.concatenate([missing_tap, [0]]).astype(np.float32)
    assert "max error" in checks.check(missing_tap, expected, **kwargs).reason
    assert "dtype" in checks.check(good.astype(np.float64), expected, **kwargs).reason
    assert "shape" in checks.check(good[:-1], expected, **kwargs).reason
    nan = good.copy()
    nan[3] = np.nan
    assert not checks.check(nan, expected, **kwargs).ok


def test_tolerance_scales_with_taps_and_dtype():
    assert checks.tolerance("float32", 100, 1.0) == pytest.approx(4 * 100 * np.finfo(np.float32).eps)
    assert checks.tolerance("float64", 10, 2.0) == pytest.approx(4 * 10 * np.finfo(np.float64).eps * 2)


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------

class FakeClock:
    """A clock that advances by the cost of each fake call."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_alternating_rounds_and_batching():
    clock = FakeClock()
    log = []

    def make(name, cost):
        def call():
            log.append(name)
            clock.now += cost
        return call

    calls = {"ours": make("ours", 1e-4), "theirs": make("theirs", 0.05)}
    plan = timing.Plan(budget_seconds=0.2, min_samples=3, max_samples=6, min_sample_seconds=1e-3)
    result = timing.time_alternating(calls, {"ours": 1e-4, "theirs": 0.05}, plan, clock=clock)
    ours, theirs = result["ours"], result["theirs"]
    assert ours.calls_per_sample == 10 and theirs.calls_per_sample == 1
    assert ours.median == pytest.approx(1e-4) and theirs.median == pytest.approx(0.05)
    assert len(theirs.samples) == 4 and len(ours.samples) == 6     # budget / cost, within [3, 6]
    # one calibration call each, then 6 batches of 10 and 4 single calls
    assert log.count("ours") == 1 + 6 * 10 and log.count("theirs") == 1 + 4


def test_round_order_reverses():
    clock = FakeClock()
    order = []

    def make(name):
        def call():
            order.append(name)
            clock.now += 0.01
        return call

    calls = {"a": make("a"), "b": make("b"), "c": make("c")}
    plan = timing.Plan(budget_seconds=0.03, min_samples=3, max_samples=3, min_sample_seconds=1e-3)
    timing.time_alternating(calls, {"a": 0.5, "b": 0.5, "c": 0.5}, plan, clock=clock)
    assert order == ["a", "b", "c", "c", "b", "a", "a", "b", "c"]


def test_sample_counts_for_long_calls():
    plan = timing.FULL
    assert plan.samples_for(1e-3) == plan.max_samples
    assert plan.samples_for(0.3) == plan.min_samples
    assert plan.samples_for(3.0) == 2 and plan.samples_for(10.0) == 1
    assert plan.calls_per_sample(1e-5) == 200 and plan.calls_per_sample(0.1) == 1


# --------------------------------------------------------------------------
# a stand-in for fastconv.nn (tests only), and the CNN path
# --------------------------------------------------------------------------

def _conv(x, w, stride, padding):
    """torch's conv1d/conv2d (groups=1, dilation=1) in NumPy."""
    nd = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0)] + [(padding, padding)] * nd)
    windows = sliding_window_view(xp, w.shape[2:], axis=tuple(range(2, 2 + nd)))
    windows = windows[(slice(None), slice(None)) + (slice(None, None, stride),) * nd]
    axes_w = [1] + list(range(2, 2 + nd))
    axes_x = [1] + list(range(2 + nd, 2 + 2 * nd))
    return np.moveaxis(np.tensordot(windows, w, axes=(axes_x, axes_w)), -1, 1)


def fake_nn_module(error=0.0):
    """A module with fastconv.nn's API, computing in NumPy (stride 1 for the
    backward passes); `error` is added to every result to make it wrong."""
    module = types.ModuleType("fastconv.nn")

    def forward(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method="auto"):
        assert dilation == 1 and groups == 1 and bias is None and method in ("direct", "im2col", "auto")
        return (_conv(x, weight, stride, padding) + error).astype(x.dtype)

    def backward(grad_output, x, weight, stride=1, padding=0, dilation=1, groups=1, *,
                 output_mask=(True, True, True), method="auto"):
        assert stride == 1 and dilation == 1 and groups == 1
        nd = x.ndim - 2
        k = weight.shape[2]
        grad_input = grad_weight = None
        if output_mask[0]:
            flipped = np.flip(weight, axis=tuple(range(2, 2 + nd))).swapaxes(0, 1)
            grad_input = (_conv(grad_output, flipped, 1, k - 1 - padding) + error).astype(x.dtype)
        if output_mask[1]:
            xp = np.pad(x, [(0, 0), (0, 0)] + [(padding, padding)] * nd)
            windows = sliding_window_view(xp, weight.shape[2:], axis=tuple(range(2, 2 + nd)))
            axes = [0] + list(range(2, 2 + nd))
            grad_weight = np.tensordot(grad_output, windows, axes=(axes, axes)) + error
            grad_weight = grad_weight.astype(x.dtype)
        return grad_input, grad_weight, None

    module.conv1d = module.conv2d = forward
    module.conv1d_backward = module.conv2d_backward = backward
    return module


QUICK_LAYERS = [c for c in grid.quick_grid() if c.family == "cnn"]


@pytest.mark.parametrize("case", QUICK_LAYERS, ids=lambda c: c.name)
def test_cnn_case_with_a_stand_in_nn(case, monkeypatch):
    monkeypatch.setitem(sys.modules, "fastconv.nn", fake_nn_module())
    result = runner.run_case(case, FAST)
    assert not result.skipped
    ours = [r for r in result.contenders if r.is_fastconv]
    assert [r.method for r in ours] == ["direct", "im2col", "auto"] and all(r.ok for r in ours)
    if HAS_TORCH:
        assert all(r.correct for r in result.contenders), [r.verdict for r in result.contenders]
        assert result.ratio() > 0
    else:
        assert all(r.correct is None for r in ours) and "torch" in result.check_note
        assert result.ratio() is None and result.anchors()[0].status == "skipped"


@pytest.mark.skipif(not HAS_TORCH, reason="the CNN reference needs torch")
def test_cnn_check_catches_a_wrong_stand_in(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastconv.nn", fake_nn_module(error=1e-2))
    result = runner.run_case(QUICK_LAYERS[0], FAST)
    assert all(r.correct is False for r in result.contenders if r.is_fastconv)
    record = report.to_json(runner.RunResult(_machine(), _gemm(), {}, [result]))
    assert report.fastconv_failures(record)
    assert "FAIL(direct,im2col,auto)" in report.render(record)


def test_cnn_case_skipped_without_fastconv_nn(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastconv.nn", None)
    result = runner.run_case(QUICK_LAYERS[0], FAST)
    assert result.skipped == "fastconv.nn not available" and not result.contenders[-1].ok


@pytest.mark.skipif(not HAS_TORCH, reason="needs torch")
def test_cnn_anchors_alone(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastconv.nn", None)
    settings = runner.Settings(plan=timing.QUICK, measure_memory=False, progress=False, anchors_alone=True)
    result = runner.run_case(QUICK_LAYERS[1], settings)
    torch_result = result.anchors()[0]
    assert torch_result.ok and torch_result.correct and torch_result.timing.median > 0


# --------------------------------------------------------------------------
# time limit
# --------------------------------------------------------------------------

def test_contender_over_the_time_limit_is_skipped_with_a_note():
    case = SignalCase((4000,), (31,), "valid", "float64")
    settings = runner.Settings(plan=timing.QUICK, measure_memory=False, progress=False,
                               time_limit_seconds=1e-7)
    assert limits.could_exceed(case, 1e-7)
    result = runner.run_case(case, settings)
    assert all(r.status == "skipped" and "predicted" in r.note for r in result.contenders)
    predicted, note = limits.predict_seconds(result_contender(case, "numpy.convolve"), case)
    assert 0 < predicted < 1 and "GFLOP/s" in note


def test_call_over_the_limit_is_not_repeated(monkeypatch):
    monkeypatch.setattr(limits, "could_exceed", lambda case, limit: False)   # no prediction
    case = SignalCase((300,), (5,), "full", "float32")
    settings = runner.Settings(plan=timing.QUICK, measure_memory=False, progress=False,
                               time_limit_seconds=1e-9)
    result = runner.run_case(case, settings)
    for r in result.contenders:
        assert r.ok and len(r.timing.samples) == 1 and "only sample" in r.note
        assert r.timing.samples[0] == r.timing.warmup_seconds


def result_contender(case, name):
    from fastconv.bench.contenders import contenders_for

    return next(c for c in contenders_for(case) if c.name == name)


# --------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------

def test_peak_of_call_sees_c_allocations():
    nbytes = 48 * 2**20

    def call():
        return np.ones(nbytes // 8)          # NumPy's data buffer is a C malloc

    m = memory.peak_of_call(call)
    if m["method"] != "clear_refs":
        pytest.skip("/proc/self/clear_refs is not writable here")
    assert m["output_bytes"] == nbytes
    assert nbytes * 0.95 <= m["steady_extra"] <= nbytes + 8 * 2**20


def test_memory_subprocess_measures_fastconv():
    case = grid.find_case("conv1d-full-float64-n1000000-k101")
    m = memory.measure(case, "fastconv[direct]")
    assert "error" not in m, m
    assert m["output_bytes"] == 8 * (1_000_000 + 100)
    assert m["first_call_extra"] >= 0.9 * m["output_bytes"]
    if m["method"] == "clear_refs":
        assert 0.9 * m["output_bytes"] <= m["steady_extra"] <= m["output_bytes"] + 64 * 2**20


def test_memory_subprocess_reports_unavailable_nn():
    if importlib.util.find_spec("fastconv.nn") is not None:
        pytest.skip("fastconv.nn exists")
    m = memory.measure(QUICK_LAYERS[0], "fastconv.nn[direct]")
    assert m == {"error": "fastconv.nn not available"}


@pytest.mark.skipif(not HAS_TORCH, reason="needs torch")
def test_memory_subprocess_measures_torch():
    m = memory.measure(QUICK_LAYERS[0], "torch F.conv2d")
    assert "error" not in m, m
    assert m["output_bytes"] == 4 * 2 * 8 * 16 * 16 and m["first_call_extra"] > 0


# --------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------

def test_thread_environment_and_reexec(monkeypatch):
    env = threads.environment_for(3, base={})
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == env[threads.MARKER] == "3"
    assert threads.environment_is_set(3, env) and not threads.environment_is_set(2, env)
    executed = []
    monkeypatch.setattr(threads.os, "execve", lambda *a: executed.append(a))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    threads.reexec_with_threads(3, ["--quick"])
    assert executed == []
    threads.reexec_with_threads(1, ["--quick"])
    (path, command, new_env), = executed
    assert command[1:] == ["-m", "fastconv.bench", "--quick"] and new_env["MKL_NUM_THREADS"] == "1"


# --------------------------------------------------------------------------
# progress bar
# --------------------------------------------------------------------------

def test_progress_writes_a_line_per_case_to_a_log():
    stream = io.StringIO()
    bar = progress.Progress(2, stream=stream)
    for name in ("a", "b"):
        bar.start_case(name)
        bar.finish_case(name)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].startswith("[" + "#" * 30 + "] 2/2")
    silent = io.StringIO()
    progress.Progress(1, stream=silent, enabled=False).finish_case("a")
    assert silent.getvalue() == ""


# --------------------------------------------------------------------------
# the whole command, --quick, in process
# --------------------------------------------------------------------------

def _machine():
    from fastconv.bench import machine

    return machine.describe()


def _gemm():
    return {"float32": {"size": 8, "gflops_median": 50.0, "gflops_best": 55.0, "spread": 0.1, "n": 3},
            "float64": {"size": 8, "gflops_median": 25.0, "gflops_best": 27.0, "spread": 0.1, "n": 3}}


def test_quick_run_end_to_end(tmp_path, capsys):
    json_path = tmp_path / "results.json"
    status = cli.main(["--quick", "--no-progress", "--json", str(json_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "sgemm (numpy float32 matmul" in out and "ratio" in out
    record = json.loads(json_path.read_text())
    assert record["format"] == report.FORMAT
    assert record["machine"]["cpu_model"] and record["machine"]["libraries"]["numpy"] == np.__version__
    assert record["machine"]["threads"]["requested"] == 1
    assert record["gemm"]["float32"]["gflops_median"] > 0
    by_name = {c["name"]: c for c in record["cases"]}
    assert set(by_name) == {c.name for c in grid.quick_grid()}
    for case in grid.quick_grid():
        entry = by_name[case.name]
        if case.family == "cnn":
            if importlib.util.find_spec("fastconv.nn") is None:
                assert entry["skipped"] == "fastconv.nn not available"
            continue
        assert entry["ratio_best_anchor_over_fastconv_auto"] > 0
        contenders = {c["name"]: c for c in entry["contenders"]}
        for method in ("direct", "im2col", "auto"):
            ours = contenders[f"fastconv[{method}]"]
            assert ours["status"] == "ok" and ours["check"]["ok"] and ours["timing"]["n_samples"] >= 3
        cv2_entry = contenders.get("cv2.filter2D")
        if cv2_entry is not None and not HAS_CV2:
            assert cv2_entry["status"] == "skipped" and "not available" in cv2_entry["note"]
        assert f"{case.name} " in out

    # the saved record prints again, as Markdown, without measuring
    assert cli.main(["--report", str(json_path), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert "| case | direct | im2col | fft | auto | best anchor |" in markdown
    assert markdown.count("| conv") == sum(c.family == "signal" for c in grid.quick_grid())


def test_report_of_a_bad_file(tmp_path, capsys):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"format": "other"}))
    assert cli.main(["--report", str(path)]) == 2
    assert "not a fastconv.bench result" in capsys.readouterr().err


def test_plot_without_matplotlib_fails_before_running(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert cli.main(["--quick", "--plot", "x.png"]) == 2
    assert "needs matplotlib" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="needs matplotlib")
def test_plot_writes_a_png(tmp_path):
    from fastconv.bench.plot import plot_ratios

    case = SignalCase((500,), (5,), "full", "float64")
    result = runner.run_case(case, FAST)
    record = report.to_json(runner.RunResult(_machine(), _gemm(), {}, [result]))
    path = tmp_path / "ratios.png"
    assert plot_ratios(record, path) == 1
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_auto_quality_summary_of_no_cases_and_of_some():
    """`--auto-quality --sweep 0` has no sweep rows to summarize (it crashed
    on the maximum of an empty array)."""
    assert autofit.summary([], "sweep") == "sweep: no cases"
    line = autofit.summary([{"ratio": 1.0}, {"ratio": 1.05}, {"ratio": 2.0}], "grid")
    assert line == ("grid: 3 cases, auto/fastest median 1.05, max 2.00, within 10% in 67%, "
                    "over 1.5x in 1")


@pytest.mark.parametrize("shapes", [((45, 45), (42, 33), (45, 45)), ((1, 5000), (1, 1300),
                                                                     (1, 3701))])
def test_auto_quality_reports_the_method_the_primitive_runs(monkeypatch, shapes):
    """`--auto-quality` credits auto with the method the primitive's 'auto'
    runs for the same call (same threads, priced with the same FFT trim)."""
    from fastconv import _dtypes, _method, _primitive
    chosen = []
    resolve = _method.resolve

    def spy(*args, **kwargs):
        chosen.append(resolve(*args, **kwargs))
        return chosen[-1]

    monkeypatch.setattr(_method, "resolve", spy)
    x, w = autofit._inputs(shapes, "float64")
    _primitive.correlate_2d(x, w, shapes[2], 0, 0, _dtypes.plan(np.dtype("float64")), "auto",
                            threads=1)
    monkeypatch.setattr(autofit, "run", lambda *args, **kwargs: 1.0)
    _, label = autofit.compare(shapes, "float64")
    assert label == chosen[0].label
