"""Runs the cases: for each one, prepares every contender, skips those that
cannot run or would take too long, warms each up (checking its result),
times them alternately, and for CNN cases measures their peak memory."""
import dataclasses
import gc
import os
import time
from dataclasses import dataclass, field
from typing import Optional

from fastconv.bench import checks, limits, machine, memory, timing
from fastconv.bench.contenders import Unavailable, contenders_for
from fastconv.bench.checks import Verdict
from fastconv.bench.progress import Progress
from fastconv.bench.timing import Timing


#: case families whose peak memory is measured
MEMORY_FAMILIES = ("cnn", "train")


@dataclass
class Settings:
    """How to run (the command-line options that affect measuring)."""

    plan: timing.Plan = timing.FULL
    time_limit_seconds: float = limits.DEFAULT_LIMIT_SECONDS
    measure_memory: bool = True
    gemm_size: int = 1024
    progress: bool = True
    anchors_alone: bool = False


@dataclass
class ContenderResult:
    """One contender on one case.

    `status` is 'ok' (timed), 'skipped' (`note` says why) or 'error' (the
    call raised: `note` holds the exception).
    """

    name: str
    library: str
    method: Optional[str]
    is_fastconv: bool
    status: str = "ok"
    note: str = ""
    timing: Optional[Timing] = None
    verdict: Optional[Verdict] = None
    memory: Optional[dict] = None

    @property
    def ok(self):
        return self.status == "ok"

    @property
    def correct(self):
        """True if checked and right, None if not checked, False if wrong."""
        return None if self.verdict is None else self.verdict.ok


@dataclass
class CaseResult:
    """All contenders on one case, and what the table derives from them."""

    case: object
    contenders: list = field(default_factory=list)
    skipped: str = ""
    check_note: str = ""
    seconds: float = 0.0
    load_average: Optional[tuple] = None

    @property
    def name(self):
        return self.case.name

    def fastconv(self, method="auto"):
        for result in self.contenders:
            if result.is_fastconv and result.method == method:
                return result
        return None

    def anchors(self):
        return [r for r in self.contenders if not r.is_fastconv]

    def best_anchor(self):
        """The fastest anchor that ran and was not found wrong."""
        usable = [r for r in self.anchors() if r.ok and r.correct is not False]
        return min(usable, key=lambda r: r.timing.median, default=None)

    def ratio(self):
        """best anchor time / fastconv 'auto' time (> 1: fastconv is faster)."""
        ours, best = self.fastconv("auto"), self.best_anchor()
        if ours is None or best is None or not ours.ok:
            return None
        return best.timing.median / ours.timing.median

    def failures(self):
        """Contenders whose result was wrong or which raised."""
        return [r for r in self.contenders if r.status == "error" or r.correct is False]


@dataclass
class RunResult:
    """A whole run: machine, GEMM rates, settings and case results."""

    machine: dict
    gemm: dict
    settings: dict
    cases: list
    seconds: float = 0.0

    @property
    def sgemm_gflops(self):
        return self.gemm["float32"]["gflops_median"]


def _skip(contender, note, status="skipped"):
    return ContenderResult(contender.name, contender.library, contender.method,
                           contender.is_fastconv, status=status, note=note)


def _reference(case, inputs):
    """(expected, magnitude) or (None, reason)."""
    try:
        return (case.reference(inputs), case.magnitude(inputs)), ""
    except ImportError as exc:
        return None, f"not checked: the reference needs {exc.name or exc}"


def _verdict(case, output, expected, magnitude):
    """The check of one output: the case's own `check` when it has one
    (the training step, whose output is several arrays), else
    `checks.check` against the reference."""
    if hasattr(case, "check"):
        return case.check(output, expected, magnitude)
    return checks.check(output, expected, dtype=case.dtype, taps=case.taps, magnitude=magnitude)


def run_case(case, settings=Settings(), on_sample=None):
    """Measure every contender of `case`.

    Returns
    -------
    CaseResult
    """
    started = time.perf_counter()
    result = CaseResult(case)
    inputs = case.make_inputs()

    prepared = {}
    for contender in contenders_for(case):
        try:
            prepared[contender.name] = (contender, contender.prepare(case, inputs))
        except Unavailable as exc:
            result.contenders.append(_skip(contender, str(exc)))
        except Exception as exc:
            result.contenders.append(_skip(contender, f"{type(exc).__name__}: {exc}", "error"))
    if not settings.anchors_alone and not any(c.is_fastconv for c, _ in prepared.values()):
        notes = sorted({r.note for r in result.contenders if r.is_fastconv})
        result.skipped = "; ".join(notes) or "no fastconv contender"
        result.seconds = time.perf_counter() - started
        return result

    reference, result.check_note = _reference(case, inputs)

    if limits.could_exceed(case, settings.time_limit_seconds):
        for name, (contender, _) in list(prepared.items()):
            try:
                predicted, how = limits.predict_seconds(contender, case)
            except Exception:   # it fails on the real case too, and is reported there
                continue
            if predicted > settings.time_limit_seconds:
                result.contenders.append(_skip(contender, f"{how} (> {settings.time_limit_seconds:g} s limit)"))
                del prepared[name]

    calls, warmups, partial = {}, {}, {}
    for name, (contender, call) in prepared.items():
        entry = ContenderResult(contender.name, contender.library, contender.method, contender.is_fastconv)
        try:
            warmups[name], output = timing.time_call(call)
        except Exception as exc:   # a contender's failure is a result, not the end of the run
            entry.status, entry.note = "error", f"{type(exc).__name__}: {exc}"
            result.contenders.append(entry)
            continue
        if reference is not None:
            expected, magnitude = reference
            entry.verdict = _verdict(case, output, expected, magnitude)
        del output
        if warmups[name] > settings.time_limit_seconds:
            # the prediction missed (or there was none): do not call it again
            entry.timing = Timing(samples=[warmups[name]], warmup_seconds=warmups[name])
            entry.note = (f"one call took {warmups[name]:.0f} s (> {settings.time_limit_seconds:g} s "
                          "limit): that first call is the only sample")
            result.contenders.append(entry)
            continue
        calls[name], partial[name] = call, entry
    del reference
    gc.collect()

    timings = timing.time_alternating(calls, warmups, settings.plan, on_sample=on_sample)
    for name, entry in partial.items():
        entry.timing = timings[name]
        result.contenders.append(entry)

    if settings.measure_memory and case.family in MEMORY_FAMILIES:
        for entry in result.contenders:
            if entry.ok:
                entry.memory = memory.measure(case, entry.name)

    order = [c.name for c in contenders_for(case)]
    result.contenders.sort(key=lambda r: order.index(r.name))
    try:
        result.load_average = os.getloadavg()
    except OSError:
        pass
    result.seconds = time.perf_counter() - started
    return result


def run(cases, settings=Settings()):
    """Measure the machine's GEMM rates, then every case.

    Returns
    -------
    RunResult
    """
    started = time.perf_counter()
    info = machine.describe()
    gemm = {dtype: machine.gemm_rate(dtype, settings.gemm_size) for dtype in ("float32", "float64")}
    progress = Progress(len(cases), enabled=settings.progress)
    results = []
    try:
        for case in cases:
            progress.start_case(case.name)
            results.append(run_case(case, settings))
            progress.finish_case(case.name)
    finally:
        progress.close()
    try:
        info["load_average_at_end"] = os.getloadavg()
    except OSError:
        pass
    settings_record = {"plan": dataclasses.asdict(settings.plan), "time_limit_seconds": settings.time_limit_seconds,
                       "measure_memory": settings.measure_memory, "gemm_size": settings.gemm_size,
                       "anchors_alone": settings.anchors_alone}
    return RunResult(info, gemm, settings_record, results, time.perf_counter() - started)
