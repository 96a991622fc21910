"""The benchmark's cases of issue 12 (stacks of signals and images in one
call, a window of lags): in the standard grid, and every contender, fastconv
or anchor, computes the case's result (checked against the float64
reference), on the --quick sizes."""
import importlib.util

import numpy as np
import pytest

from fastconv.bench import anchors, checks, contenders, grid, runner, timing
from fastconv.bench.batch_cases import LagsCase, StackCase

HAS_CV2 = importlib.util.find_spec("cv2") is not None
FAST = runner.Settings(plan=timing.QUICK, measure_memory=False, progress=False)


def test_the_issue_cases_are_in_the_standard_grid():
    names = {c.name for c in grid.standard_grid()}
    for dtype in ("float32", "float64"):
        assert f"batch1d-same-{dtype}-1000x4096-k31" in names
        assert f"batch2d-same-{dtype}-64x256x256-k5x5" in names
        assert f"lags-full-{dtype}-n1000000-maxlag100" in names


@pytest.mark.parametrize("case", grid.QUICK_BATCHES + (
    StackCase(6, (40,), (4,), "float64"), StackCase(3, (9, 12), (4, 3), "float64"),
    LagsCase(300, 0, "float32")), ids=lambda c: c.name)
def test_every_contender_computes_the_case(case):
    inputs = case.make_inputs()
    expected, magnitude = case.reference(inputs), case.magnitude(inputs)
    assert expected.shape == case.out_shape
    for contender in contenders.contenders_for(case):
        if contender.library == "cv2" and not HAS_CV2:
            continue
        try:
            call = contender.prepare(case, inputs)
        except contenders.Unavailable:
            assert contender.library == "cv2" and any(k % 2 == 0 for k in case.kernel)
            continue
        verdict = checks.check(call(), expected, dtype=case.dtype, taps=case.taps,
                               magnitude=magnitude)
        assert verdict.ok, (contender.name, verdict)


def test_a_quick_batch_case_runs_and_reports_a_ratio():
    result = runner.run_case(grid.QUICK_BATCHES[0], FAST)
    assert all(r.ok and r.correct for r in result.contenders), [
        (r.name, r.status, r.note) for r in result.contenders]
    assert result.ratio() > 0


def test_lag_window_is_centred_on_lag_zero():
    case = LagsCase(50, 3, "float64")
    full = np.arange(99)
    np.testing.assert_array_equal(case.window(full), np.arange(46, 53))
    assert len(anchors.anchors_for(case)) == 1
