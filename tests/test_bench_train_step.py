"""The training-step case of fastconv.bench (fastconv/bench/train_step.py):
fastconv.nn's step and torch's give the same gradients within the check's
float32 bound, the check rejects wrong gradients, masks and shapes, and the
runner measures the case (timing, check, memory of the result tuple)."""
import numpy as np
import pytest

from fastconv.bench import grid, memory, runner, timing
from fastconv.bench.train_step import TrainStepCase, fastconv_step, torch_step

torch = pytest.importorskip("torch")

SMALL = TrainStepCase(batch=2, in_channels=3, spatial=(9, 11), widths=(4, 8, 8, 3))


@pytest.fixture(scope="module")
def small():
    inputs = SMALL.make_inputs()
    return inputs, SMALL.reference(inputs)


def test_grid_has_the_issue_step():
    case = grid.find_case("train_step-float32-N32-C3-32x32-32-64-64-10-small_cnn")
    assert case.family == "train" and case.x_shape == (32, 3, 32, 32)
    assert [layer.groups for layer in case.layers] == [1, 1, 64, 1, 1]
    assert [layer.kernel for layer in case.layers] == [3, 3, 3, 1, 1]
    assert case.scaled_down().flops < case.flops


@pytest.mark.parametrize("threads", [1, 2])
def test_fastconv_and_torch_steps_pass_the_check(small, threads):
    inputs, reference = small
    torch.set_num_threads(threads)
    ours = fastconv_step(SMALL, inputs, threads=threads)()
    theirs = torch_step(SMALL, inputs, torch)()
    assert SMALL.check(ours, reference).ok
    assert SMALL.check(theirs, reference).ok
    for a, b in zip(ours[0], theirs[0]):
        b = b.detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b).max())


def test_winograd_step_passes_the_check():
    """The explicit 'winograd' step: Winograd on the dense 3x3 layers with
    enough channels (here the second one), 'auto' elsewhere."""
    from fastconv.bench.train_step import winograd_pays

    case = TrainStepCase(batch=2, in_channels=3, spatial=(10, 9), widths=(16, 16, 16, 3))
    assert [winograd_pays(layer) for layer in case.layers] == [False, True, False, False, False]
    inputs = case.make_inputs()
    reference = case.reference(inputs)
    output = fastconv_step(case, inputs, threads=1, method="winograd")()
    assert case.check(output, reference).ok
    assert not np.array_equal(output[0][0], fastconv_step(case, inputs, threads=1)()[0][0])
    again = fastconv_step(case, inputs, threads=2, method="winograd")()
    for a, b in zip(output[0] + output[1], again[0] + again[1]):
        assert np.array_equal(a, b)


def test_fastconv_step_is_the_same_at_every_thread_count(small):
    inputs, _ = small
    one = fastconv_step(SMALL, inputs, threads=1)()
    for threads in (2, 3):
        other = fastconv_step(SMALL, inputs, threads=threads)()
        for a, b in zip(one[0] + one[1], other[0] + other[1]):
            assert np.array_equal(a, b)


def _changed(output, which, change):
    grads, acts = [list(x) for x in output]
    arrays = acts + grads
    arrays[which] = change(arrays[which].copy())
    return tuple(arrays[4:]), tuple(arrays[:4])


@pytest.mark.parametrize("which, change", [
    (4, lambda a: a[:, :, ::-1].copy()),                          # grad of the images flipped
    (5, lambda a: a.transpose(1, 0, 2, 3).copy() if a.shape[0] == a.shape[1] else a * 1.01),
    (7, lambda a: a * 1.1),                                        # grad_weight 3 off by 10 %
    (9, lambda a: np.zeros_like(a)),                               # head grad_weight missing
    (1, lambda a: a + 1e-2),                                       # an activation off
])
def test_check_rejects_wrong_results(small, which, change):
    inputs, reference = small
    output = fastconv_step(SMALL, inputs, threads=1)()
    assert SMALL.check(output, reference).ok
    verdict = SMALL.check(_changed(output, which, change), reference)
    assert not verdict.ok and verdict.reason


def test_check_rejects_masks_that_the_rounding_cannot_explain(small):
    inputs, reference = small
    grads, acts = fastconv_step(SMALL, inputs, threads=1)()
    acts = list(acts)
    acts[0] = acts[0].copy()
    positive = np.argwhere(acts[0] > 0.5)[0]
    acts[0][tuple(positive)] = 0.0                  # a clear ReLU pass dropped
    assert not SMALL.check((grads, tuple(acts)), reference).ok
    assert not SMALL.check((grads[:5], tuple(acts)), reference).ok      # a gradient missing


def test_runner_times_checks_and_measures_the_step():
    settings = runner.Settings(plan=timing.QUICK, measure_memory=False, progress=False)
    result = runner.run_case(SMALL, settings)
    by_name = {r.name: r for r in result.contenders}
    assert set(by_name) == {"fastconv.nn step", "fastconv.nn step[winograd]",
                            "torch autograd step"}
    for entry in by_name.values():
        assert entry.ok and entry.correct, entry
    assert result.ratio() > 0
    step = fastconv_step(SMALL, SMALL.make_inputs(), threads=1)
    measured = memory.peak_of_call(step)
    grads, acts = step()
    assert measured["output_bytes"] == sum(a.nbytes for a in grads + acts)
