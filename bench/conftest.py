"""pytest-benchmark suites: ``pytest bench/ --benchmark-only``.

The files are named bench_*.py so that the default test run (``python -m
pytest``, testpaths = tests) never collects them; this conftest collects them
when bench/ is given.  Each case of fastconv.bench's grid is one benchmark
group, holding fastconv's methods and the anchors side by side.

Options: ``--fastconv-grid=standard|quick`` (default standard) and
``--fastconv-time-limit=SECONDS`` (default 20: a contender predicted to need
longer per call is skipped).

Threads: every library is limited to ``FASTCONV_BENCH_THREADS`` threads
(default 1), set in the environment here, before NumPy is first imported
(BLAS and OpenMP read it once, when loaded), and through
torch.set_num_threads / cv2.setNumThreads.  Unlimited, torch's and
OpenBLAS's thread pools oversubscribe a small machine: a 100 us torch conv
took 20 ms per call on the 2-core machine this was written on.
"""
import os
import sys
import warnings

# Same names as fastconv.bench.threads.THREAD_VARIABLES, which cannot be
# imported before NumPy is.
_THREADS = os.environ.setdefault("FASTCONV_BENCH_THREADS", "1")
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = _THREADS
if "numpy" in sys.modules:
    warnings.warn("NumPy was imported before bench/conftest.py: BLAS may not be limited to "
                  f"{_THREADS} thread(s)", stacklevel=1)

import pytest  # noqa: E402

from fastconv.bench import checks, grid, limits, timing  # noqa: E402
from fastconv.bench.contenders import Unavailable, contenders_for  # noqa: E402


def pytest_addoption(parser):
    group = parser.getgroup("fastconv", "fastconv benchmark grid")
    group.addoption("--fastconv-grid", choices=("standard", "quick"), default="standard",
                    help="the grid of python -m fastconv.bench to run (default standard)")
    group.addoption("--fastconv-time-limit", type=float, default=limits.DEFAULT_LIMIT_SECONDS,
                    help="skip contenders predicted to need more seconds than this per call")


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def cases_of(config, family):
    """The grid's cases of one family ('signal', 'cnn' or 'train')."""
    cases = grid.quick_grid() if config.getoption("fastconv_grid") == "quick" else grid.standard_grid()
    return [c for c in cases if c.family == family]


def pytest_generate_tests(metafunc):
    """A bench module names its family (FAMILY = 'signal', 'cnn' or 'train'); its tests
    taking ``case, contender`` get every case of that family and every
    contender of the case."""
    family = getattr(metafunc.module, "FAMILY", None)
    if family is not None and "contender" in metafunc.fixturenames:
        parametrize_cases(metafunc, family)


def parametrize_cases(metafunc, family):
    """Parametrize ``case, contender`` over every (case, contender) pair."""
    pairs, ids = [], []
    for case in cases_of(metafunc.config, family):
        for contender in contenders_for(case):
            pairs.append((case, contender))
            label = contender.name.replace("[", "-").replace("]", "").replace(" ", "_")
            ids.append(f"{case.name}:{label}")
    metafunc.parametrize(("case", "contender"), pairs, ids=ids)


class _CaseData:
    """Inputs and reference of the case being benchmarked (one case at a time:
    tests of a case are consecutive, and the large inputs are not kept)."""

    case = None
    inputs = reference = None

    @classmethod
    def of(cls, case):
        if case is not cls.case:
            cls.case, cls.inputs, cls.reference = case, case.make_inputs(), None
        return cls

    @classmethod
    def expected(cls):
        if cls.reference is None:
            cls.reference = (cls.case.reference(cls.inputs), cls.case.magnitude(cls.inputs))
        return cls.reference


@pytest.fixture
def run_case(benchmark, request):
    """``run_case(case, contender)``: check the contender's result, then
    benchmark it in the case's group."""

    def run(case, contender):
        data = _CaseData.of(case)
        try:
            call = contender.prepare(case, data.inputs)
        except Unavailable as exc:
            pytest.skip(str(exc))
        limit = request.config.getoption("fastconv_time_limit")
        if limits.could_exceed(case, limit):
            predicted, note = limits.predict_seconds(contender, case)
            if predicted > limit:
                pytest.skip(f"{note} (> {limit:g} s)")
        seconds, output = timing.time_call(call)            # warm-up
        try:
            expected, magnitude = data.expected()
        except ImportError as exc:
            expected = None
            benchmark.extra_info["check"] = f"not checked: the reference needs {exc.name}"
        if expected is not None:
            if hasattr(case, "check"):     # the training step checks its arrays itself
                verdict = case.check(output, expected, magnitude)
            else:
                verdict = checks.check(output, expected, dtype=case.dtype, taps=case.taps,
                                       magnitude=magnitude)
            benchmark.extra_info["check"] = verdict.describe()
            assert verdict.ok, f"{contender.name} on {case.name}: {verdict.reason}"
        del output
        benchmark.group = case.name
        benchmark.extra_info["gflop"] = case.flops / 1e9
        if seconds < 0.1:
            benchmark(call)
        else:   # a few rounds of slow calls, not pytest-benchmark's default minimum of 5+
            rounds = max(1, min(5, int(3.0 / seconds)))
            benchmark.pedantic(call, rounds=rounds, iterations=1, warmup_rounds=0)

    return run
